/*
 * cli_check - `preflight check`: scan one message file as the milter
 * would, print the verdict and the findings, exit with the verdict.
 *
 * The file (or stdin for "-") is read whole, up to CHECK_INPUT_MAX bytes.
 * The envelope comes from the options; without --rcpt the recipients are
 * the addresses of the To: and Cc: headers (a simple split on commas
 * outside quotes and angle brackets: good enough to find the destinations
 * a test message is meant for).  Without --mail-from the envelope sender
 * is unknown (not the null sender).
 *
 * In Mode observe the milter accepts everything; check then reports the
 * verdict enforce mode would give, since predicting it is its purpose.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "engine.h"
#include "rep.h"
#include "policy.h"

#define CHECK_INPUT_MAX ((size_t)256 << 20)

struct check_opts {
	const char *config;
	const char *mail_from, *client_ip, *auth_user, *helo;
	const char **rcpts;
	size_t nrcpts;
	const char *dns;		/* --dns: replaces Nameservers */
	const char **egress;		/* --egress-ip: replace EgressAddress */
	size_t negress;
	bool json;
	time_t now;
	const char *file;
};

static void check_usage(FILE *f)
{
	fprintf(f, "Usage: preflight check [OPTIONS] FILE|-\n"
	    "Scan one RFC 5322 message (\"-\" reads stdin) as preflight-milter would,\n"
	    "print the verdict and the findings, and exit with the verdict.\n\n"
	    "  -c, --config FILE     configuration (default: %s if it exists,\n"
	    "                        else the built-in defaults)\n"
	    "      --mail-from ADDR  envelope sender (default: unknown; \"\" = null sender)\n"
	    "      --rcpt ADDR       envelope recipient, repeatable (default: the\n"
	    "                        addresses in the To: and Cc: headers)\n"
	    "      --client-ip IP    connecting client address\n"
	    "      --auth-user USER  SASL login of the sender\n"
	    "      --helo NAME       HELO/EHLO name\n"
	    "      --dns ADDR[@PORT] resolver to ask (replaces Nameservers)\n"
	    "      --egress-ip IP    address the relay sends from, repeatable\n"
	    "                        (replaces EgressAddress; SPF is checked for each)\n"
	    "      --json            print {\"verdict\",\"score\",\"findings\"} as JSON\n"
	    "      --now EPOCH       pin the clock (for tests)\n"
	    "  -h, --help            this help\n\n"
	    "Exit status: 0 accept, 1 tag, 2 hold, 3 reject, 4 tempfail, 64 usage,\n"
	    "66 unreadable input (or over 256 MiB), 70 internal error, 78 config error.\n"
	    "In Mode observe the verdict is the one enforce mode would give.\n",
	    cli_default_config());
}

/* check_parse_args - fill o; 0, or CLI_EX_USAGE (-1 for --help) */
static int check_parse_args(int argc, char **argv, struct check_opts *o)
{
	enum { O_FROM = 256, O_RCPT, O_IP, O_AUTH, O_HELO, O_JSON, O_NOW, O_DNS, O_EGRESS };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "mail-from", required_argument, NULL, O_FROM },
		{ "rcpt", required_argument, NULL, O_RCPT },
		{ "client-ip", required_argument, NULL, O_IP },
		{ "auth-user", required_argument, NULL, O_AUTH },
		{ "helo", required_argument, NULL, O_HELO },
		{ "json", no_argument, NULL, O_JSON },
		{ "now", required_argument, NULL, O_NOW },
		{ "dns", required_argument, NULL, O_DNS },
		{ "egress-ip", required_argument, NULL, O_EGRESS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	o->rcpts = calloc((size_t)argc + 1, sizeof(*o->rcpts));
	o->egress = calloc((size_t)argc + 1, sizeof(*o->egress));
	if (o->rcpts == NULL || o->egress == NULL)
		return CLI_EX_SOFTWARE;
	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case O_FROM: o->mail_from = optarg; break;
		case O_RCPT: o->rcpts[o->nrcpts++] = optarg; break;
		case O_IP: o->client_ip = optarg; break;
		case O_AUTH: o->auth_user = optarg; break;
		case O_HELO: o->helo = optarg; break;
		case O_DNS: o->dns = optarg; break;
		case O_EGRESS: o->egress[o->negress++] = optarg; break;
		case O_JSON: o->json = true; break;
		case O_NOW:
			errno = 0;
			o->now = (time_t)strtoll(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || o->now <= 0) {
				cli_err("check: --now wants seconds since the epoch, not \"%s\"", optarg);
				return CLI_EX_USAGE;
			}
			break;
		case 'h': return -1;
		default: return CLI_EX_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_err("check: %s (try preflight check --help)",
		    optind == argc ? "no message file given" : "only one message file at a time");
		return CLI_EX_USAGE;
	}
	o->file = argv[optind];
	return 0;
}

/* check_add_addr - add the address of one To/Cc list element */
static int check_add_addr(struct msg *m, const char *s, size_t len, const char **error_r)
{
	const char *lt = memchr(s, '<', len), *colon, *e;
	char *addr;
	int rc = 0;

	if (lt != NULL) {
		e = memchr(lt, '>', len - (size_t)(lt - s));
		len = (e != NULL ? (size_t)(e - lt) : len - (size_t)(lt - s)) - 1;
		s = lt + 1;
	} else if ((colon = memchr(s, ':', len)) != NULL) {	/* group: "name: a@b" */
		len -= (size_t)(colon + 1 - s);
		s = colon + 1;
	}
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == ';'))
		len--;
	/* An address needs something on both sides of an @. */
	if (len < 3 || memchr(s + 1, '@', len - 2) == NULL)
		return 0;
	addr = strndup(s, len);
	if (addr == NULL || msg_add_rcpt(m, addr, error_r) < 0)
		rc = -1;
	free(addr);
	return rc;
}

/* check_header_rcpts - the recipients of every To: and Cc: header */
static int check_header_rcpts(struct msg *m, const char **error_r)
{
	static const char *const names[] = { "To", "Cc", NULL };
	const struct msg_header *h;
	size_t i, nth;

	for (i = 0; names[i] != NULL; i++) {
		for (nth = 0; (h = msg_header_get(m, names[i], nth)) != NULL; nth++) {
			const char *p = h->unfolded, *start = p;
			bool quoted = false, angle = false;

			for (; p != NULL; p++) {
				if (*p == '\0' || (*p == ',' && !quoted && !angle)) {
					if (check_add_addr(m, start, (size_t)(p - start), error_r) < 0)
						return -1;
					if (*p == '\0')
						break;
					start = p + 1;
				} else if (*p == '\\' && quoted && p[1] != '\0') {
					p++;
				} else if (*p == '"') {
					quoted = !quoted;
				} else if (!quoted && (*p == '<' || *p == '>')) {
					angle = *p == '<';
				}
			}
		}
	}
	return 0;
}

/* check_envelope - set the envelope fields from the options */
static int check_envelope(struct msg *m, const struct check_opts *o, const char **error_r)
{
	size_t i;

	if ((o->mail_from && msg_set_env(m, MSG_ENV_MAIL_FROM, o->mail_from, error_r) < 0) ||
	    (o->client_ip && msg_set_env(m, MSG_ENV_CLIENT_ADDR, o->client_ip, error_r) < 0) ||
	    (o->auth_user && msg_set_env(m, MSG_ENV_AUTH_USER, o->auth_user, error_r) < 0) ||
	    (o->helo && msg_set_env(m, MSG_ENV_HELO, o->helo, error_r) < 0))
		return -1;
	for (i = 0; i < o->nrcpts; i++)
		if (msg_add_rcpt(m, o->rcpts[i], error_r) < 0)
			return -1;
	return o->nrcpts > 0 ? 0 : check_header_rcpts(m, error_r);
}

/* check_print_json - the --json contract */
static int check_print_json(const struct finding_list *fl, enum verdict v, double score)
{
	struct buf out = BUF_INIT;
	int rc = 0;

	rc |= buf_puts(&out, "{\"verdict\":");
	rc |= buf_json_str(&out, verdict_name(v));
	rc |= buf_puts(&out, ",\"score\":");
	rc |= finding_json_number(&out, score);
	rc |= buf_puts(&out, ",\"findings\":");
	rc |= finding_list_json(fl, &out);
	rc |= buf_puts(&out, "}\n");
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	return rc;
}

/* check_print_human - verdict, score, one block per finding */
static int check_print_human(const struct finding_list *fl, const struct policy_result *r,
    enum verdict v)
{
	struct buf num = BUF_INIT;
	size_t i, j;

	printf("verdict: %s", verdict_name(v));
	if (r->observe)
		printf(" (Mode observe: the milter accepts and only logs)");
	if (finding_json_number(&num, r->score) < 0)
		return -1;
	printf("\nscore: %s\nfindings: %zu\n", buf_cstr(&num), fl->n);
	for (i = 0; i < fl->n; i++) {
		const struct finding *f = fl->v[i];

		buf_truncate(&num, 0);
		if (finding_json_number(&num, f->score) < 0)
			break;
		printf("\n%s [%s, score %s]\n  ", f->def->id, finding_category_name(f->def->category),
		    buf_cstr(&num));
		cli_print_safe(stdout, f->summary);
		printf("\n  fix: ");
		cli_print_safe(stdout, f->def->remedy);
		for (j = 0; j < f->npredicted; j++) {
			printf("\n  predicted: %s: ", f->predicted[j].provider);
			cli_print_safe(stdout, f->predicted[j].reply);
		}
		putchar('\n');
	}
	buf_free(&num);
	return i < fl->n ? -1 : 0;
}

/* check_egress - replace EgressAddress with the --egress-ip values; the
 * snapshot is this process's own, not shared with anyone yet */
static int check_egress(const struct check_opts *o, struct config *cfg)
{
	char **v;
	size_t i, j;

	if (o->negress == 0)
		return 0;
	if ((v = calloc(o->negress + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < o->negress; i++)
		if ((v[i] = strdup(o->egress[i])) == NULL)
			break;
	for (j = 0; cfg->egress_addresses != NULL && cfg->egress_addresses[j]; j++)
		free(cfg->egress_addresses[j]);
	free(cfg->egress_addresses);
	cfg->egress_addresses = v;
	return i < o->negress ? -1 : 0;
}

/* check_run - parse, scan, decide and print; returns the exit status */
static int check_run(const struct check_opts *o, const struct config *cfg, const struct buf *in)
{
	struct finding_list fl = FINDING_LIST_INIT;
	struct check_env *env = NULL;
	struct policy_result r;
	struct msg *m = check_msg_new(cfg);
	const char *error = "out of memory";
	enum verdict v;
	int rc = CLI_EX_SOFTWARE;

	if (engine_open(cfg, o->dns, &env, &error) < 0) {
		cli_err("check: %s", error);
		rc = CLI_EX_CONFIG;
		goto out;
	}
	/* The milter looks the egress addresses up in the background; a
	 * one-shot check does it once, before the scan. */
	if (config_check_enabled(cfg, "rep") && rep_refresh(env->rep, cfg, env->dns, &error) < 0) {
		cli_err("check: %s", error);
		goto out;
	}
	if (m == NULL || msg_parse(m, buf_cstr(in), in->len, &error) < 0 ||
	    check_envelope(m, o, &error) < 0 ||
	    check_scan_env(m, cfg, env, o->now, &fl, &error) < 0) {
		cli_err("check: internal error: %s", error);
		goto out;
	}
	policy_decide(cfg, &fl, &r);
	v = r.observe ? r.would_be : r.verdict;
	if ((o->json ? check_print_json(&fl, v, r.score) : check_print_human(&fl, &r, v)) < 0 ||
	    fflush(stdout) != 0) {
		cli_err("check: cannot write the result");
		goto out;
	}
	rc = (int)v;
out:
	finding_list_free(&fl);
	msg_free(&m);
	engine_close(&env);
	return rc;
}

int cli_check(int argc, char **argv)
{
	struct check_opts o = { 0 };
	struct config *cfg = NULL;
	struct buf in = BUF_INIT;
	int rc;

	rc = check_parse_args(argc, argv, &o);
	if (rc != 0) {
		if (rc < 0)
			check_usage(stdout);
		free(o.rcpts);
		free(o.egress);
		return rc < 0 ? 0 : rc;
	}
	rc = cli_load_config(o.config, &cfg);
	if (rc == 0 && check_egress(&o, cfg) < 0) {
		cli_err("check: out of memory");
		rc = CLI_EX_SOFTWARE;
	}
	if (rc == 0)
		rc = cli_read_input("check", o.file, CHECK_INPUT_MAX, &in);
	if (rc == 0)
		rc = check_run(&o, cfg, &in);
	buf_free(&in);
	config_unref(&cfg);
	free(o.rcpts);
	free(o.egress);
	return rc;
}

/*
 * cli_profiles - `preflight profiles`: the provider profiles the
 * configuration loads (the shipped ones, then each ProfileDir), one block
 * each or as JSON; `profiles show NAME` prints one whole, replies
 * included; `profiles check DIR...` parses directories alone, as
 * `rules check` does a rules file, so an admin can test a profile before
 * pointing ProfileDir at it.  A configuration whose profiles do not load
 * fails here as it fails preflight-milter -n: exit 78 with file:line.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "profile.h"

struct profiles_opts {
	const char *config;
	bool json;
};

static void profiles_usage(FILE *f)
{
	fputs("usage: preflight profiles [-c FILE] [--json]\n"
	    "       preflight profiles show [-c FILE] [--json] NAME\n"
	    "       preflight profiles check DIR...\n"
	    "List the provider profiles the configuration loads (shipped, then each\n"
	    "ProfileDir), show one with its replies, or parse profile directories\n"
	    "alone (\"N profiles OK\", or the first file:line error and exit 78).\n"
	    "  -c, --config FILE  configuration (default as for every command)\n"
	    "      --json         JSON output\n"
	    "  -h, --help         this help\n"
	    "File format: preflight-profiles(5).\n", f);
}

/* put_size - "25M", "512K", "1234" bytes, or "-" when unknown */
static void put_size(struct buf *b, uint64_t n)
{
	if (n == 0)
		buf_puts(b, "-");
	else if (n % (1u << 30) == 0)
		buf_printf(b, "%" PRIu64 "G", n >> 30);
	else if (n % (1u << 20) == 0)
		buf_printf(b, "%" PRIu64 "M", n >> 20);
	else if (n % (1u << 10) == 0)
		buf_printf(b, "%" PRIu64 "K", n >> 10);
	else
		buf_printf(b, "%" PRIu64, n);
}

/* put_list - words separated by blanks, or "-" for none */
static void put_list(struct buf *b, const char *const *v)
{
	size_t i;

	for (i = 0; v[i] != NULL; i++)
		buf_printf(b, "%s%s", i ? " " : "", v[i]);
	if (i == 0)
		buf_puts(b, "-");
}

static void json_list(struct buf *b, const char *key, const char *const *v)
{
	size_t i;

	buf_printf(b, ",\"%s\":[", key);
	for (i = 0; v[i] != NULL; i++) {
		if (i > 0)
			buf_putc(b, ',');
		buf_json_str(b, v[i]);
	}
	buf_putc(b, ']');
}

static void json_reply(struct buf *b, const struct profile_reply *r)
{
	buf_printf(b, "{\"code\":%d,\"status\":", r->code);
	buf_json_str(b, r->status);
	buf_puts(b, ",\"reason\":");
	buf_json_str(b, r->reason);
	buf_puts(b, ",\"text\":");
	buf_json_str(b, r->text);
	buf_puts(b, ",\"cause\":");
	buf_json_str(b, r->cause);
	buf_puts(b, ",\"remedy\":");
	buf_json_str(b, r->remedy);
	buf_puts(b, ",\"doc\":");
	buf_json_str(b, r->doc);
	json_list(b, "findings", r->findings);
	buf_putc(b, '}');
}

/* json_profile - one profile; with replies whole, else their count */
static void json_profile(struct buf *b, const struct profile *p, bool replies)
{
	size_t i;

	buf_puts(b, "{\"name\":");
	buf_json_str(b, p->name);
	buf_puts(b, ",\"description\":");
	buf_json_str(b, p->description);
	json_list(b, "domains", p->domains);
	json_list(b, "mx", p->mx);
	buf_printf(b, ",\"size_limit\":%" PRIu64, p->size_limit);
	json_list(b, "blocked_types", p->blocked_types);
	if (!replies) {
		buf_printf(b, ",\"replies\":%zu}", p->nreplies);
		return;
	}
	buf_puts(b, ",\"replies\":[");
	for (i = 0; i < p->nreplies; i++) {
		if (i > 0)
			buf_putc(b, ',');
		json_reply(b, &p->replies[i]);
	}
	buf_puts(b, "]}");
}

/* human_profile - the block `profiles` prints per profile */
static void human_profile(struct buf *b, const struct profile *p)
{
	buf_printf(b, "%s: %s\n  domains: ", p->name, p->description);
	put_list(b, p->domains);
	buf_puts(b, "\n  mx: ");
	put_list(b, p->mx);
	buf_puts(b, "\n  size limit: ");
	put_size(b, p->size_limit);
	buf_puts(b, "\n  blocked types: ");
	put_list(b, p->blocked_types);
	buf_printf(b, "\n  replies: %zu\n", p->nreplies);
}

static void human_reply(struct buf *b, const struct profile_reply *r)
{
	buf_puts(b, "\n  ");
	profile_reply_format(r, b);
	buf_printf(b, "\n    reason: %s\n    cause: %s\n    remedy: %s\n", r->reason, r->cause,
	    r->remedy);
	if (r->doc[0] != '\0')
		buf_printf(b, "    doc: %s\n", r->doc);
	if (r->findings[0] != NULL) {
		buf_puts(b, "    findings: ");
		put_list(b, r->findings);
		buf_putc(b, '\n');
	}
}

/* print - out to stdout line by line, control characters shown as '?' */
static int print(struct buf *out)
{
	char *line = out->data, *nl;

	for (; line != NULL && *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			nl = line + strlen(line) - 1;
		else
			*nl = '\0';
		cli_print_safe(stdout, line);
		putchar('\n');
	}
	return fflush(stdout) == 0 ? 0 : CLI_EX_SOFTWARE;
}

/* list - every loaded profile */
static int list(const struct profile_set *set, bool json)
{
	struct buf out = BUF_INIT;
	size_t i;
	int rc;

	if (json)
		buf_putc(&out, '[');
	for (i = 0; i < profile_count(set); i++) {
		if (json && i > 0)
			buf_putc(&out, ',');
		if (json)
			json_profile(&out, profile_at(set, i), false);
		else
			human_profile(&out, profile_at(set, i));
	}
	if (json) {
		buf_puts(&out, "]\n");
		rc = fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0 ? 0 :
		    CLI_EX_SOFTWARE;
	} else {
		rc = print(&out);
	}
	buf_free(&out);
	return rc;
}

/* show - one profile whole */
static int show(const struct profile_set *set, const char *name, bool json)
{
	const struct profile *p = profile_by_name(set, name);
	struct buf out = BUF_INIT;
	size_t i;
	int rc;

	if (p == NULL) {
		cli_err("profiles: no profile named \"%s\" (try preflight profiles)", name);
		return CLI_EX_USAGE;
	}
	if (json) {
		json_profile(&out, p, true);
		buf_putc(&out, '\n');
		rc = fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0 ? 0 :
		    CLI_EX_SOFTWARE;
		buf_free(&out);
		return rc;
	}
	human_profile(&out, p);
	for (i = 0; i < p->nreplies; i++)
		human_reply(&out, &p->replies[i]);
	rc = print(&out);
	buf_free(&out);
	return rc;
}

/* check - the directories alone, without the configuration */
static int check(char **dirs, int n)
{
	struct profile_set *set = NULL;
	char *error = NULL;
	size_t count;

	if (profile_set_load((const char *const *)dirs, (size_t)n, &set, &error) < 0) {
		cli_err("%s", error != NULL ? error : "out of memory");
		free(error);
		return CLI_EX_CONFIG;
	}
	count = profile_count(set);
	printf("%zu profile%s OK\n", count, count == 1 ? "" : "s");
	profile_set_free(&set);
	return 0;
}

int cli_profiles(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct profiles_opts o = { NULL, false };
	struct config *cfg = NULL;
	const char *verb;
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.config = optarg; break;
		case 'j': o.json = true; break;
		case 'h': profiles_usage(stdout); return 0;
		default: profiles_usage(stderr); return CLI_EX_USAGE;
		}
	}
	verb = optind < argc ? argv[optind] : NULL;
	if (verb != NULL && strcmp(verb, "check") == 0 && argc - optind >= 2)
		return check(argv + optind + 1, argc - optind - 1);
	if (!(verb == NULL || (strcmp(verb, "show") == 0 && argc - optind == 2))) {
		profiles_usage(stderr);
		return CLI_EX_USAGE;
	}
	if ((rc = cli_load_config(o.config, &cfg)) != 0)
		return rc;
	rc = verb == NULL ? list(cfg->profiles, o.json) : show(cfg->profiles, argv[optind + 1],
	    o.json);
	config_unref(&cfg);
	return rc;
}

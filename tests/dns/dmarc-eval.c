/*
 * dmarc-eval - test driver for lib/dmarc.c, lib/check_dmarc.c and
 * lib/check_auth.c (tests/dns/test-dmarc.sh, test-dmarc-corpus.sh).
 *
 *   dmarc-eval --align FROM AUTH r|s   prints "aligned yes" or "aligned no"
 *   dmarc-eval --org DOMAIN            prints "org ORGDOMAIN" or "org none"
 *   dmarc-eval --parse RECORD          prints "ok p=.. sp=.. np=.. adkim=..
 *                                      aspf=.. pct=.. [defaulted]
 *                                      [warning=..]" or "invalid REASON"
 *   dmarc-eval --dns ADDR[@PORT]|none --from DOMAIN [--from-header VALUE]
 *       [--spf RESULT:DOMAIN:IP]... [--dkim RESULT:DOMAIN[:predicted]]...
 *       [--no-dkim] [--bulk] [--header "Name: value"]... [--mail-from A]
 *       [--timeout S]
 *     runs check_dmarc then check_auth over a message with that From and
 *     hand-made SPF/DKIM results.  No --spf: SPF not evaluated; --no-dkim:
 *     DKIM not evaluated (otherwise evaluated, with the --dkim entries).
 *     Prints "dmarc key=value...", one "finding ID SCORE" line per finding
 *     followed by "summary ..." and "predicted PROVIDER: REPLY" lines, then
 *     "elapsed_ms N".
 * Exit 0, or 2 on usage or setup errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "check.h"
#include "config.h"
#include "dmarc.h"
#include "dns.h"
#include "finding.h"
#include "msg.h"

#define MAX_IN 16

struct opts {
	const char *dns, *from, *from_header, *mail_from;
	const char *spf[MAX_IN], *dkim[MAX_IN], *hdr[MAX_IN];
	int nspf, ndkim, nhdr;
	unsigned timeout;
	int no_dkim, bulk;
};

static int usage(void)
{
	fprintf(stderr, "usage: dmarc-eval --align FROM AUTH r|s | --org DOMAIN | "
	    "--parse RECORD | --dns ADDR|none --from DOMAIN [--spf RES:DOM:IP]... "
	    "[--dkim RES:DOM[:predicted]]... [--no-dkim] [--bulk] [--header H]... "
	    "[--mail-from A] [--from-header V] [--timeout S]\n");
	return 2;
}

static enum auth_result result_of(const char *s)
{
	static const char *const names[] = { "none", "pass", "fail", "softfail", "neutral",
		"permerror", "temperror" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (enum auth_result)i;
	return (enum auth_result)-1;
}

/* field - the nth ':'-separated field of s, copied; NULL when absent */
static char *field(const char *s, int n)
{
	const char *e;

	for (; n > 0 && s != NULL; n--)
		s = (s = strchr(s, ':')) ? s + 1 : NULL;
	if (s == NULL)
		return NULL;
	e = strchr(s, ':');
	return strndup(s, e ? (size_t)(e - s) : strlen(s));
}

/* fill_auth - the hand-made SPF and DKIM results */
static int fill_auth(struct auth *a, const struct opts *o)
{
	int i;

	a->spf_done = o->nspf > 0;
	for (i = 0; i < o->nspf; i++) {
		struct auth_spf *s = auth_spf_add(a);
		char *r = field(o->spf[i], 0);

		if (s == NULL || r == NULL || (int)(s->result = result_of(r)) < 0)
			return free(r), -1;
		free(r);
		s->domain = field(o->spf[i], 1);
		s->ip = field(o->spf[i], 2);
		if (s->domain == NULL || s->ip == NULL)
			return -1;
	}
	a->dkim_done = !o->no_dkim;
	for (i = 0; i < o->ndkim; i++) {
		struct auth_dkim *k = auth_dkim_add(a);
		char *r = field(o->dkim[i], 0), *p = field(o->dkim[i], 2);

		if (k == NULL || r == NULL || (int)(k->result = result_of(r)) < 0)
			return free(r), free(p), -1;
		k->predicted = p != NULL && strcmp(p, "predicted") == 0;
		free(r);
		free(p);
		if ((k->domain = field(o->dkim[i], 1)) == NULL)
			return -1;
		k->selector = strdup("sel");
	}
	return 0;
}

static void print_findings(const struct finding_list *fl)
{
	size_t i, j;

	for (i = 0; i < fl->n; i++) {
		const struct finding *f = fl->v[i];

		printf("finding %s %g%s\n", f->def->id, f->def->score,
		    f->def->certain ? " certain" : "");
		printf("summary %s\n", f->summary);
		for (j = 0; j < f->npredicted; j++)
			printf("predicted %s: %s\n", f->predicted[j].provider, f->predicted[j].reply);
	}
}

static void print_dmarc(const struct auth *a)
{
	const struct auth_dmarc *d = &a->dmarc;

	printf("dmarc evaluated=%s record=%s record_domain=%s org=%s policy=%s result=%s "
	    "alignment=%s spf_aligned=%s dkim_aligned=%s pct=%u from_nxdomain=%s bulk=%s\n",
	    d->evaluated ? "yes" : "no", auth_result_name(d->record),
	    d->record_domain ? d->record_domain : "-", d->org_domain ? d->org_domain : "-",
	    d->policy ? d->policy : "-", auth_result_name(d->result),
	    auth_result_name(d->alignment), d->spf_aligned ? "yes" : "no",
	    d->dkim_aligned ? "yes" : "no", d->pct, d->from_nxdomain ? "yes" : "no",
	    a->bulk ? "yes" : "no");
}

/* build_msg - a message with the From, the extra headers and MAIL FROM */
static struct msg *build_msg(const struct opts *o)
{
	struct msg *m = msg_new(0);
	struct buf from = BUF_INIT;
	const char *err;
	int i, rc = 0;

	if (m == NULL)
		return NULL;
	if (o->from_header)
		rc |= buf_puts(&from, o->from_header);
	else
		rc |= buf_printf(&from, "Sender <sender@%s>", o->from);
	rc |= msg_add_header(m, "From", buf_cstr(&from), &err);
	for (i = 0; i < o->nhdr && rc == 0; i++) {
		const char *colon = strchr(o->hdr[i], ':');
		char *name = colon ? strndup(o->hdr[i], (size_t)(colon - o->hdr[i])) : NULL;

		rc |= name ? msg_add_header(m, name, colon + 1 + (colon[1] == ' '), &err) : -1;
		free(name);
	}
	if (o->mail_from)
		rc |= msg_set_env(m, MSG_ENV_MAIL_FROM, o->mail_from, &err);
	buf_free(&from);
	if (rc != 0)
		msg_free(&m);
	return m;
}

static int scan(const struct opts *o)
{
	struct config *cfg = config_defaults();
	struct dns_options dopt = { NULL, 0, NULL };
	struct check_env env = { .dns = NULL };
	struct finding_list fl = FINDING_LIST_INIT;
	struct check_ctx ctx;
	struct msg *m = build_msg(o);
	const char *err = "setup failed";
	uint64_t t0;
	int rc = 2;

	memset(&ctx, 0, sizeof(ctx));
	if (cfg == NULL || m == NULL)
		goto out;
	cfg->dns_timeout = o->timeout;
	cfg->bulk_sender = o->bulk;
	dopt.nameservers = o->dns;
	dopt.timeout_ms = o->timeout * 1000;
	if (strcmp(o->dns, "none") != 0 && dns_open(&dopt, &env.dns, &err) < 0)
		goto out;
	ctx.msg = m;
	ctx.cfg = cfg;
	ctx.env = &env;
	ctx.findings = &fl;
	ctx.now = 1700000000;
	if (fill_auth(&ctx.auth, o) < 0) {
		err = "bad --spf or --dkim (RESULT:DOMAIN:IP, RESULT:DOMAIN[:predicted])";
		goto out;
	}
	t0 = dns_now_ms();
	ctx.auth.deadline_ms = t0 + (uint64_t)o->timeout * 1000;
	if (check_dmarc_ops.run(&ctx, &err) < 0 || check_auth_ops.run(&ctx, &err) < 0)
		goto out;
	print_dmarc(&ctx.auth);
	print_findings(&fl);
	printf("elapsed_ms %llu\n", (unsigned long long)(dns_now_ms() - t0));
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "dmarc-eval: %s\n", err);
	auth_clear(&ctx.auth);
	finding_list_free(&fl);
	msg_free(&m);
	dns_close(&env.dns);
	config_unref(&cfg);
	return rc;
}

static int parse_mode(const char *text)
{
	struct dmarc_record r;
	const char *invalid, *err;

	if (dmarc_record_parse(text, &r, &invalid, &err) < 0)
		return 2;
	if (invalid != NULL)
		printf("invalid %s\n", invalid);
	else
		printf("ok p=%s sp=%s np=%s adkim=%c aspf=%c pct=%u%s%s%s\n",
		    dmarc_policy_name(r.p), dmarc_policy_name(r.sp), dmarc_policy_name(r.np),
		    r.adkim == DMARC_STRICT ? 's' : 'r', r.aspf == DMARC_STRICT ? 's' : 'r',
		    r.pct, r.p_defaulted ? " defaulted" : "", r.warning ? " warning=" : "",
		    r.warning ? r.warning : "");
	dmarc_record_free(&r);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "dns", required_argument, NULL, 'd' }, { "from", required_argument, NULL, 'f' },
		{ "from-header", required_argument, NULL, 'F' },
		{ "spf", required_argument, NULL, 's' }, { "dkim", required_argument, NULL, 'k' },
		{ "no-dkim", no_argument, NULL, 'K' }, { "bulk", no_argument, NULL, 'b' },
		{ "header", required_argument, NULL, 'H' },
		{ "mail-from", required_argument, NULL, 'm' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { .timeout = 5 };
	char org[DMARC_NAME_MAX + 1];
	int c;

	if (argc == 5 && strcmp(argv[1], "--align") == 0) {
		printf("aligned %s\n", dmarc_aligned(argv[2], argv[3], argv[4][0] == 's' ?
		    DMARC_STRICT : DMARC_RELAXED) ? "yes" : "no");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--org") == 0) {
		printf("org %s\n", dmarc_org_domain(argv[2], org, sizeof(org)) ? org : "none");
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--parse") == 0)
		return parse_mode(argv[2]);
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o.dns = optarg; break;
		case 'f': o.from = optarg; break;
		case 'F': o.from_header = optarg; break;
		case 's': if (o.nspf == MAX_IN) return usage(); o.spf[o.nspf++] = optarg; break;
		case 'k': if (o.ndkim == MAX_IN) return usage(); o.dkim[o.ndkim++] = optarg; break;
		case 'H': if (o.nhdr == MAX_IN) return usage(); o.hdr[o.nhdr++] = optarg; break;
		case 'K': o.no_dkim = 1; break;
		case 'b': o.bulk = 1; break;
		case 'm': o.mail_from = optarg; break;
		case 't': o.timeout = (unsigned)strtoul(optarg, NULL, 10); break;
		default: return usage();
		}
	}
	if (optind != argc || o.dns == NULL || (o.from == NULL && o.from_header == NULL))
		return usage();
	return scan(&o);
}

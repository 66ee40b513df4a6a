/*
 * spf-eval - test driver for lib/spf.c and lib/check_spf.c against a real
 * DNS server (tests/dns/test-spf.sh, test-spf-suite.sh).
 *
 *   spf-eval --dns ADDR[@PORT] --ip IP --mail-from A [--helo H] [--timeout-ms N]
 *     evaluates SPF and reviews the identity's record; prints key=value
 *     lines: result, detail, record, nrecords, lookups, voids, flags,
 *     incomplete, issues, elapsed_ms.
 *   spf-eval --scan --dns ADDR --ip IP [--ip IP]... --mail-from A [--helo H]
 *     runs check_spf over a message with that envelope and EgressAddress /
 *     EgressHelo set; prints spf_done=, one "spf=IP RESULT DOMAIN HELO"
 *     line per address and findings=<JSON array>.
 *   --dns none: no resolver (the check must stay silent).
 *   --threads N (with the first form): N threads evaluate at once, each
 *     with its own libspf2 server over the one shared resolver; prints
 *     threads=N agree=1 when every thread got the single-thread result.
 * Exit 0, or 2 on usage or setup errors.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "check.h"
#include "config.h"
#include "dns.h"
#include "finding.h"
#include "msg.h"
#include "spf.h"

#define MAX_IPS 8

struct opts {
	const char *dns, *mail_from, *helo;
	const char *ips[MAX_IPS + 1];
	int nips;
	unsigned timeout_ms;
	int scan;
	int threads;
};

static int usage(void)
{
	fprintf(stderr, "usage: spf-eval [--scan] --dns ADDR[@PORT]|none --ip IP... "
	    "--mail-from A [--helo H] [--timeout-ms N]\n");
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "dns", required_argument, NULL, 'd' },
		{ "ip", required_argument, NULL, 'i' },
		{ "mail-from", required_argument, NULL, 'f' },
		{ "helo", required_argument, NULL, 'h' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "scan", no_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = 2000;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->dns = optarg; break;
		case 'f': o->mail_from = optarg; break;
		case 'h': o->helo = optarg; break;
		case 't': o->timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': o->scan = 1; break;
		case 'n': o->threads = atoi(optarg); break;
		case 'i':
			if (o->nips == MAX_IPS)
				return -1;
			o->ips[o->nips++] = optarg;
			break;
		default: return -1;
		}
	}
	if (o->threads < 0 || o->threads > 64)
		return -1;
	return o->dns && o->nips > 0 && o->mail_from ? 0 : -1;
}

static void print_flags(unsigned flags)
{
	unsigned bit;
	int n = 0;

	printf("flags=");
	for (bit = 1; bit != 0 && bit <= flags; bit <<= 1)
		if (flags & bit)
			printf("%s%s", n++ ? "," : "", spf_quality_flag_name(bit));
	printf("\n");
}

static int eval(struct dns *d, const struct opts *o)
{
	const char *err = NULL, *dom;
	struct spf_eval ev;
	struct spf_quality q;
	uint64_t t0 = dns_now_ms(), deadline = t0 + o->timeout_ms;

	if (spf_evaluate(d, deadline, o->ips[0], o->mail_from, o->helo, &ev, &err) < 0) {
		fprintf(stderr, "spf_evaluate: %s\n", err);
		return 2;
	}
	printf("result=%s\ndetail=%s\n", auth_result_name(ev.result), ev.detail);
	dom = o->mail_from[0] ? strrchr(o->mail_from, '@') : NULL;
	dom = dom ? dom + 1 : o->mail_from[0] ? o->mail_from : o->helo ? o->helo : "";
	if (spf_quality(d, deadline, dom, strchr(o->ips[0], ':') ? AF_INET6 : AF_INET,
	    &q, &err) < 0) {
		fprintf(stderr, "spf_quality: %s\n", err);
		spf_eval_free(&ev);
		return 2;
	}
	printf("record=%s\nnrecords=%u\nlookups=%u\nvoids=%u\n", auth_result_name(q.record),
	    q.nrecords, q.lookups, q.voids);
	print_flags(q.flags);
	printf("incomplete=%d\nissues=%s\ntext=%s\nelapsed_ms=%llu\n", q.incomplete,
	    q.issues ? q.issues : "", q.text ? q.text : "",
	    (unsigned long long)(dns_now_ms() - t0));
	spf_quality_free(&q);
	spf_eval_free(&ev);
	return 0;
}

struct job {
	struct dns *d;
	const struct opts *o;
	enum auth_result result;
	unsigned flags;
	int rc;
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	const struct opts *o = j->o;
	uint64_t deadline = dns_now_ms() + o->timeout_ms;
	const char *err, *dom = strrchr(o->mail_from, '@');
	struct spf_eval ev;
	struct spf_quality q;

	j->rc = spf_evaluate(j->d, deadline, o->ips[0], o->mail_from, o->helo, &ev, &err);
	if (j->rc == 0) {
		j->result = ev.result;
		spf_eval_free(&ev);
		j->rc = spf_quality(j->d, deadline, dom ? dom + 1 : o->mail_from, AF_INET, &q, &err);
	}
	if (j->rc == 0) {
		j->flags = q.flags;
		spf_quality_free(&q);
	}
	return NULL;
}

/* threads - the same evaluation in n threads at once */
static int threads(struct dns *d, const struct opts *o)
{
	struct job one = { d, o, AUTH_NONE, 0, 0 }, jobs[64];
	pthread_t tid[64];
	int i, agree = 1;

	job_run(&one);
	for (i = 0; i < o->threads; i++) {
		jobs[i] = (struct job){ d, o, AUTH_NONE, 0, 0 };
		if (pthread_create(&tid[i], NULL, job_run, &jobs[i]) != 0)
			return 2;
	}
	for (i = 0; i < o->threads; i++) {
		pthread_join(tid[i], NULL);
		agree &= jobs[i].rc == 0 && jobs[i].result == one.result &&
		    jobs[i].flags == one.flags;
	}
	printf("result=%s\nthreads=%d\nagree=%d\n", auth_result_name(one.result), o->threads, agree);
	return 0;
}

/* scan_config - defaults plus the egress identity */
static struct config *scan_config(const struct opts *o)
{
	struct config *cfg = config_defaults();
	char **ips;
	int i;

	if (cfg == NULL || (ips = calloc((size_t)o->nips + 1, sizeof(*ips))) == NULL)
		return NULL;
	for (i = 0; i < o->nips; i++)
		ips[i] = strdup(o->ips[i]);
	for (i = 0; cfg->egress_addresses && cfg->egress_addresses[i]; i++)
		free(cfg->egress_addresses[i]);
	free(cfg->egress_addresses);
	cfg->egress_addresses = ips;
	free(cfg->egress_helo);
	cfg->egress_helo = o->helo ? strdup(o->helo) : NULL;
	cfg->dns_timeout = (o->timeout_ms + 999) / 1000;
	return cfg;
}

static int scan(struct dns *d, const struct opts *o)
{
	struct config *cfg = scan_config(o);
	struct msg *m = msg_new(1 << 20);
	struct check_env env = { .dns = d };
	struct finding_list fl = FINDING_LIST_INIT;
	struct buf out = BUF_INIT;
	struct check_ctx ctx = { .env = &env, .findings = &fl };
	const char *err = NULL;
	size_t i;
	int rc = 2;

	if (cfg == NULL || m == NULL || msg_set_env(m, MSG_ENV_MAIL_FROM, o->mail_from, &err) < 0)
		goto out;
	ctx.msg = m;
	ctx.cfg = cfg;
	ctx.now = 1700000000;
	ctx.auth.deadline_ms = dns_now_ms() + o->timeout_ms;
	if (check_spf_ops.run(&ctx, &err) < 0) {
		fprintf(stderr, "check_spf: %s\n", err);
		goto out;
	}
	printf("spf_done=%d\n", ctx.auth.spf_done);
	for (i = 0; i < ctx.auth.nspf; i++)
		printf("spf=%s %s %s %d\n", ctx.auth.spf[i].ip,
		    auth_result_name(ctx.auth.spf[i].result), ctx.auth.spf[i].domain,
		    ctx.auth.spf[i].helo_identity);
	if (finding_list_json(&fl, &out) < 0)
		goto out;
	printf("findings=%s\n", buf_cstr(&out));
	rc = 0;
out:
	auth_clear(&ctx.auth);
	buf_free(&out);
	finding_list_free(&fl);
	msg_free(&m);
	config_unref(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct dns *d = NULL;
	struct dns_options dopt = { NULL, 0, NULL };
	const char *err = NULL;
	int rc;

	if (parse(argc, argv, &o) < 0)
		return usage();
	dopt.nameservers = o.dns;
	dopt.timeout_ms = o.timeout_ms;
	if (strcmp(o.dns, "none") != 0 && dns_open(&dopt, &d, &err) < 0) {
		fprintf(stderr, "dns_open: %s\n", err);
		return 2;
	}
	if (d == NULL && !o.scan)
		return usage();
	rc = o.scan ? scan(d, &o) : o.threads > 0 ? threads(d, &o) : eval(d, &o);
	dns_close(&d);
	return rc;
}

/*
 * dkim-eval - test driver for the DKIM code against a real DNS server.
 *
 *   dkim-eval verify  --dns ADDR [--timeout S] [--keep BYTES] FILE
 *       dkimv_verify: one "sig ..." line per signature, then "nsigs=N
 *       elapsed_ms=N"
 *   dkim-eval check   --dns ADDR [--timeout S] [--now T] [--mail-from A]
 *                     [--interval S] [--signing-key DOMAIN SELECTOR FILE]... FILE
 *       check_dkim's run(): "auth ..." lines (ctx->auth.dkim) and
 *       "finding ID SCORE | summary" lines, then "elapsed_ms=N"
 *   dkim-eval keycheck --dns ADDR [--timeout S] DOMAIN SELECTOR KEYFILE
 *       one uncached check: "status=... bits=N dns_bits=N testing=0|1 | detail"
 *   dkim-eval keycache --dns ADDR DOMAIN SELECTOR KEYFILE OTHERKEY
 *       the cache: check at t=1000, overwrite KEYFILE with OTHERKEY, ask
 *       again at t=1001 (cached) and t=1000+interval (re-checked)
 *   dkim-eval sign --key FILE --domain D --selector S [--sha1] [--length]
 *                  [--ttl S] [--time T] [--headers a:b:c] [--simple] FILE
 *       the message with a DKIM-Signature (libopendkim's signer) on stdout,
 *       in the file's own line ends
 *
 * Exit status 0, or 2 on a usage or setup error (message on stderr).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dkim.h>

#include "buf.h"
#include "check.h"
#include "config.h"
#include "dkimv.h"
#include "dns.h"
#include "keycheck.h"
#include "msg.h"

struct opts {
	const char *dns, *file, *mail_from, *key, *domain, *selector, *headers;
	unsigned timeout, interval;
	uint64_t keep, ttl, time;
	time_t now;
	bool sha1, length, simple;
	struct config_signing_key keys[8];
	size_t nkeys;
	char *args[4];		/* positional arguments after the options */
	size_t nargs;
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "dkim-eval: %s%s%s\n", what, why ? ": " : "", why ? why : "");
	exit(2);
}

/* parse_opts - the options of every mode; positionals into o->args */
static void parse_opts(int argc, char **argv, struct opts *o)
{
	int i;

	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;

		if (strcmp(a, "--dns") == 0 && more)
			o->dns = argv[++i];
		else if (strcmp(a, "--timeout") == 0 && more)
			o->timeout = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--interval") == 0 && more)
			o->interval = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(a, "--keep") == 0 && more)
			o->keep = strtoull(argv[++i], NULL, 10);
		else if (strcmp(a, "--now") == 0 && more)
			o->now = (time_t)strtoll(argv[++i], NULL, 10);
		else if (strcmp(a, "--mail-from") == 0 && more)
			o->mail_from = argv[++i];
		else if (strcmp(a, "--key") == 0 && more)
			o->key = argv[++i];
		else if (strcmp(a, "--domain") == 0 && more)
			o->domain = argv[++i];
		else if (strcmp(a, "--selector") == 0 && more)
			o->selector = argv[++i];
		else if (strcmp(a, "--headers") == 0 && more)
			o->headers = argv[++i];
		else if (strcmp(a, "--ttl") == 0 && more)
			o->ttl = strtoull(argv[++i], NULL, 10);
		else if (strcmp(a, "--time") == 0 && more)
			o->time = strtoull(argv[++i], NULL, 10);
		else if (strcmp(a, "--sha1") == 0)
			o->sha1 = true;
		else if (strcmp(a, "--length") == 0)
			o->length = true;
		else if (strcmp(a, "--simple") == 0)
			o->simple = true;
		else if (strcmp(a, "--signing-key") == 0 && i + 3 < argc && o->nkeys < 8) {
			o->keys[o->nkeys].domain = argv[++i];
			o->keys[o->nkeys].selector = argv[++i];
			o->keys[o->nkeys++].key_file = argv[++i];
		} else if (a[0] != '-' && o->nargs < 4)
			o->args[o->nargs++] = argv[i];
		else
			die("bad argument", a);
	}
}

/* read_file - the whole file into b */
static void read_file(const char *path, struct buf *b)
{
	FILE *fp = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (fp == NULL)
		die(path, "cannot open");
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_append(b, chunk, n) < 0)
			die("out of memory", NULL);
	fclose(fp);
}

/* load_msg - parse FILE into a message that keeps its body */
static struct msg *load_msg(const struct opts *o, struct buf *raw)
{
	const char *err;
	struct msg *m = msg_new(0);

	if (o->nargs < 1)
		die("no message file", NULL);
	read_file(o->args[0], raw);
	if (m == NULL)
		die("out of memory", NULL);
	m->body_keep = o->keep ? o->keep : DKIMV_BODY_KEEP;
	if (msg_parse(m, raw->data ? raw->data : "", raw->len, &err) < 0 ||
	    (o->mail_from && msg_set_env(m, MSG_ENV_MAIL_FROM, o->mail_from, &err) < 0))
		die("msg_parse", err);
	return m;
}

static struct dns *open_dns(const struct opts *o)
{
	struct dns_options dopt = { o->dns, (o->timeout ? o->timeout : 5) * 1000, NULL };
	struct dns *d;
	const char *err;

	if (o->dns == NULL)
		die("--dns is required", NULL);
	if (dns_open(&dopt, &d, &err) < 0)
		die("dns_open", err);
	return d;
}

/* text - a string for a one-line report: controls (and blanks, in a
 * field) as '_' */
static const char *text(char *out, size_t size, const char *s, bool field)
{
	size_t i;

	snprintf(out, size, "%s", s && *s ? s : "-");
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < ' ' || (field && out[i] == ' '))
			out[i] = '_';
	return out;
}

static int mode_verify(struct opts *o)
{
	struct buf raw = BUF_INIT;
	struct msg *m = load_msg(o, &raw);
	struct dns *d = open_dns(o);
	struct dkimv_result r = DKIMV_RESULT_INIT;
	struct dkimv_lib *lib;
	const char *err;
	uint64_t t0 = dns_now_ms();
	char t1[300], t2[300], t3[64], det[600];
	size_t i;

	if (dkimv_lib_new(d, &lib, &err) < 0 ||
	    dkimv_verify(lib, m, t0 + dns_timeout_ms(d), &r, &err) < 0)
		die("dkimv", err);
	for (i = 0; i < r.nsigs; i++) {
		const struct dkimv_sig *s = &r.sigs[i];
		static const char *const bh[] = { "untested", "match", "mismatch" };

		printf("sig d=%s s=%s a=%s result=%s problem=%s bits=%u header=%s bh=%s "
		    "unchecked=%d from=%d unsub=%d unsubpost=%d sha1=%d l=%lld x=%lld "
		    "testing=%d | %s\n", text(t1, sizeof(t1), s->domain, true),
		    text(t2, sizeof(t2), s->selector, true),
		    text(t3, sizeof(t3), s->algorithm, true),
		    auth_result_name(s->result), dkimv_problem_name(s->problem), s->key_bits,
		    s->header_ok ? "pass" : "fail", bh[s->bh], s->body_unchecked,
		    s->covers_from, s->covers_list_unsubscribe, s->covers_list_unsubscribe_post,
		    s->sha1, s->has_length ? (long long)s->length : -1LL, (long long)s->expires,
		    s->testing, text(det, sizeof(det), s->detail, false));
	}
	printf("nsigs=%zu ignored=%zu elapsed_ms=%llu\n", r.nsigs, r.ignored,
	    (unsigned long long)(dns_now_ms() - t0));
	dkimv_result_free(&r);
	dkimv_lib_free(&lib);
	dns_close(&d);
	msg_free(&m);
	buf_free(&raw);
	return 0;
}

/* make_config - defaults plus the options' timeout, interval and keys */
static struct config *make_config(const struct opts *o)
{
	struct config *cfg = config_defaults();
	size_t i;

	if (cfg == NULL)
		die("out of memory", NULL);
	if (o->timeout)
		cfg->dns_timeout = o->timeout;
	if (o->interval)
		cfg->key_check_interval = o->interval;
	cfg->signing_keys = calloc(o->nkeys + 1, sizeof(*cfg->signing_keys));
	for (i = 0; i < o->nkeys && cfg->signing_keys != NULL; i++) {
		cfg->signing_keys[i].domain = strdup(o->keys[i].domain);
		cfg->signing_keys[i].selector = strdup(o->keys[i].selector);
		cfg->signing_keys[i].key_file = strdup(o->keys[i].key_file);
		cfg->nsigning_keys++;
	}
	return cfg;
}

static void print_findings(const struct finding_list *fl)
{
	size_t i, j;

	for (i = 0; i < fl->n; i++) {
		const struct finding *f = fl->v[i];

		printf("finding %s %g | %s\n", f->def->id, f->score, f->summary);
		for (j = 0; j < f->npredicted; j++)
			printf("reply %s %s | %s\n", f->def->id, f->predicted[j].provider,
			    f->predicted[j].reply);
	}
}

static int mode_check(struct opts *o)
{
	struct buf raw = BUF_INIT;
	struct msg *m = load_msg(o, &raw);
	struct config *cfg = make_config(o);
	struct check_env env = { .dns = open_dns(o), .keycheck = keycheck_new() };
	struct finding_list fl = FINDING_LIST_INIT;
	struct check_ctx ctx = {
		.msg = m, .cfg = cfg, .env = &env, .findings = &fl,
		.now = o->now ? o->now : time(NULL),
	};
	uint64_t t0 = dns_now_ms();
	const char *err;
	char t1[300], t2[300], det[600];
	size_t i;

	ctx.auth.deadline_ms = t0 + (uint64_t)cfg->dns_timeout * 1000;
	if (check_dkim_ops.run(&ctx, &err) < 0)
		die("check_dkim", err);
	for (i = 0; i < ctx.auth.ndkim; i++) {
		const struct auth_dkim *a = &ctx.auth.dkim[i];

		printf("auth d=%s s=%s result=%s predicted=%d bits=%u from=%d | %s\n",
		    text(t1, sizeof(t1), a->domain, true),
		    text(t2, sizeof(t2), a->selector, true), auth_result_name(a->result),
		    a->predicted, a->key_bits, a->covers_from,
		    text(det, sizeof(det), a->detail, false));
	}
	print_findings(&fl);
	printf("done=%d elapsed_ms=%llu\n", ctx.auth.dkim_done,
	    (unsigned long long)(dns_now_ms() - t0));
	auth_clear(&ctx.auth);
	finding_list_free(&fl);
	keycheck_free(&env.keycheck);
	dns_close(&env.dns);
	config_unref(&cfg);
	msg_free(&m);
	buf_free(&raw);
	return 0;
}

static void print_key(const char *label, const struct keycheck_result *r)
{
	printf("%sstatus=%s bits=%u dns_bits=%u testing=%d | %s\n", label,
	    keycheck_status_name(r->status), r->bits, r->dns_bits, r->testing, r->detail);
}

/* copy_file - overwrite to with the bytes of from */
static void copy_file(const char *from, const char *to)
{
	struct buf b = BUF_INIT;
	FILE *fp;

	read_file(from, &b);
	if ((fp = fopen(to, "wb")) == NULL || fwrite(b.data, 1, b.len, fp) != b.len ||
	    fclose(fp) != 0)
		die(to, "cannot write");
	buf_free(&b);
}

static int mode_keycheck(struct opts *o, bool cache)
{
	struct config *cfg = make_config(o);
	struct dns *d = open_dns(o);
	struct keycheck *kc = keycheck_new();
	struct config_signing_key key;
	struct keycheck_result r;
	time_t t = 1000;

	if (o->nargs != (cache ? 4u : 3u) || kc == NULL)
		die("usage: DOMAIN SELECTOR KEYFILE", cache ? "OTHERKEY" : NULL);
	key.domain = o->args[0];
	key.selector = o->args[1];
	key.key_file = o->args[2];
	keycheck_get_key(kc, d, cfg, &key, t, 0, &r);
	print_key(cache ? "t=0 " : "", &r);
	if (cache) {
		copy_file(o->args[3], o->args[2]);
		keycheck_get_key(kc, d, cfg, &key, t + 1, 0, &r);
		print_key("t=1 ", &r);
		keycheck_get_key(kc, d, cfg, &key, t + (time_t)cfg->key_check_interval, 0, &r);
		print_key("t=interval ", &r);
	}
	keycheck_free(&kc);
	dns_close(&d);
	config_unref(&cfg);
	return 0;
}

/* sign_options - libopendkim options for the signature asked for */
static void sign_options(DKIM_LIB *lib, const struct opts *o, char **hdrs)
{
	static const char *no_required[] = { NULL };
	uint32_t flags = o->length ? DKIM_LIBFLAGS_SIGNLEN : 0;
	unsigned int minbits = 1;	/* the tests sign with weak keys on purpose */
	char *save = NULL, *w;
	size_t n = 0;

	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits,
	    sizeof(minbits)) != DKIM_STAT_OK)
		die("DKIM_OPTS_MINKEYBITS", NULL);

	if (o->ttl && dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNATURETTL, (void *)&o->ttl,
	    sizeof(o->ttl)) != DKIM_STAT_OK)
		die("DKIM_OPTS_SIGNATURETTL", NULL);
	if (o->time && dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, (void *)&o->time,
	    sizeof(o->time)) != DKIM_STAT_OK)
		die("DKIM_OPTS_FIXEDTIME", NULL);
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK)
		die("DKIM_OPTS_FLAGS", NULL);
	if (o->headers == NULL)
		return;
	/* An explicit list may leave out From: no header is required then. */
	for (w = strtok_r((char *)o->headers, ":", &save); w != NULL && n < 31;
	    w = strtok_r(NULL, ":", &save))
		hdrs[n++] = w;
	hdrs[n] = NULL;
	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_REQUIREDHDRS, no_required,
	    sizeof(char **)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, hdrs,
	    sizeof(char **)) != DKIM_STAT_OK)
		die("DKIM_OPTS_SIGNHDRS", NULL);
}

/* sign_feed - the message into the signing handle, as dkimv feeds it */
static void sign_feed(DKIM *s, const struct msg *m)
{
	const char *body;
	size_t body_len;
	struct buf h = BUF_INIT;
	const char *v;
	size_t i;

	for (i = 0; i < m->nhdrs; i++) {
		buf_truncate(&h, 0);
		buf_printf(&h, "%s: ", m->hdrs[i].name);
		for (v = m->hdrs[i].value; *v; v++) {
			if (*v == '\n' && (v == m->hdrs[i].value || v[-1] != '\r'))
				buf_putc(&h, '\r');
			buf_putc(&h, *v);
		}
		if (dkim_header(s, (u_char *)h.data, h.len) != DKIM_STAT_OK)
			die("dkim_header", h.data);
	}
	buf_free(&h);
	msg_body_view(m, &body, &body_len);
	if (dkim_eoh(s) != DKIM_STAT_OK ||
	    (body_len && dkim_body(s, (u_char *)body, body_len) != DKIM_STAT_OK) ||
	    dkim_eom(s, NULL) != DKIM_STAT_OK)
		die("signing failed", dkim_geterror(s));
}

static int mode_sign(struct opts *o)
{
	struct buf raw = BUF_INIT, key = BUF_INIT;
	struct msg *m = load_msg(o, &raw);
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	char *hdrs[32];
	unsigned char *sig = NULL;
	size_t len = 0, i;
	DKIM_STAT st;
	DKIM *s;
	dkim_canon_t canon = o->simple ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED;

	if (o->key == NULL || o->domain == NULL || o->selector == NULL || lib == NULL)
		die("sign needs --key, --domain and --selector", NULL);
	read_file(o->key, &key);
	sign_options(lib, o, hdrs);
	s = dkim_sign(lib, (const u_char *)"dkim-eval", NULL, (dkim_sigkey_t)buf_cstr(&key),
	    (const u_char *)o->selector, (const u_char *)o->domain, canon, canon,
	    o->sha1 ? DKIM_SIGN_RSASHA1 : DKIM_SIGN_RSASHA256, -1, &st);
	if (s == NULL)
		die("dkim_sign", dkim_getresultstr(st));
	sign_feed(s, m);
	if (dkim_getsighdr_d(s, strlen("DKIM-Signature: "), &sig, &len) != DKIM_STAT_OK)
		die("dkim_getsighdr_d", dkim_geterror(s));
	/* Written in the file's own line ends, so the file stays consistent. */
	fputs("DKIM-Signature: ", stdout);
	for (i = 0; i < len; i++)
		if (sig[i] == '\n' && !m->lf_input)
			fputs("\r\n", stdout);
		else if (sig[i] != '\r')
			putchar(sig[i]);
	fputs(m->lf_input ? "\n" : "\r\n", stdout);
	fwrite(raw.data, 1, raw.len, stdout);
	dkim_free(s);
	dkim_close(lib);
	msg_free(&m);
	buf_free(&raw);
	buf_free(&key);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };

	if (argc < 2)
		die("usage: dkim-eval verify|check|keycheck|keycache|sign ...", NULL);
	parse_opts(argc, argv, &o);
	if (strcmp(argv[1], "verify") == 0)
		return mode_verify(&o);
	if (strcmp(argv[1], "check") == 0)
		return mode_check(&o);
	if (strcmp(argv[1], "keycheck") == 0)
		return mode_keycheck(&o, false);
	if (strcmp(argv[1], "keycache") == 0)
		return mode_keycheck(&o, true);
	if (strcmp(argv[1], "sign") == 0)
		return mode_sign(&o);
	die("unknown mode", argv[1]);
	return 2;
}

/*
 * test-check-auth - the per-provider roll-up (lib/check_auth.c) over
 * hand-built SPF / DKIM / DMARC results, and the bulk detection.
 *
 * check_auth makes no DNS query; the resolver it is given points at a
 * port nothing listens on, only so that ctx->env->dns is set.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "check.h"
#include "config.h"
#include "dmarc.h"
#include "dns.h"
#include "finding.h"
#include "msg.h"
#include "tap.h"

struct tcase {
	const char *name;
	const char *spf;	/* "res:domain:ip;..."; NULL = not evaluated */
	const char *dkim;	/* "res:domain[:p];..."; NULL = not evaluated */
	bool bulk_cfg;		/* BulkSender yes */
	const char *headers;	/* "Name: value|Name: value" besides From */
	enum auth_result align;	/* a->dmarc.alignment, AUTH_NONE = not evaluated */
	bool no_dns;		/* no resolver in the env */
	const char *ids;	/* expected finding ids, comma-separated, in order */
	const char *reply;	/* a substring of a summary or predicted reply, or NULL */
};

#define OC "List-Unsubscribe: <https://u.a.test/x>, <mailto:u@a.test>|" \
	"List-Unsubscribe-Post: List-Unsubscribe=One-Click"

static const struct tcase cases[] = {
	{ "SPF pass, unsigned", "pass:a.test:192.0.2.10", "", false, NULL, AUTH_PASS, false,
	  "", NULL },
	{ "SPF fail, unsigned: unauthenticated", "fail:a.test:192.0.2.10", "", false, NULL,
	  AUTH_FAIL, false, "auth-unauthenticated",
	  "SPF [a.test] with ip: [192.0.2.10] = did not pass" },
	{ "SPF softfail, DKIM fail", "softfail:a.test:192.0.2.10", "fail:a.test", false, NULL,
	  AUTH_FAIL, false, "auth-unauthenticated", "[HME1]" },
	{ "SPF fail, DKIM pass", "fail:a.test:192.0.2.10", "pass:a.test", false, NULL,
	  AUTH_PASS, false, "", NULL },
	{ "predicted DKIM pass counts", "fail:a.test:192.0.2.10", "pass:a.test:p", false, NULL,
	  AUTH_PASS, false, "", NULL },
	{ "SPF not evaluated: unverified", NULL, "", false, NULL, AUTH_NONE, false,
	  "auth-unverified", NULL },
	{ "DKIM not evaluated: unverified", "fail:a.test:192.0.2.10", NULL, false, NULL,
	  AUTH_NONE, false, "auth-unverified", NULL },
	{ "SPF temperror: no certain finding", "temperror:a.test:192.0.2.10", "", false, NULL,
	  AUTH_TEMPERROR, false, "auth-unverified", NULL },
	{ "DKIM temperror: no certain finding", "fail:a.test:192.0.2.10", "temperror:a.test",
	  false, NULL, AUTH_TEMPERROR, false, "auth-unverified", NULL },
	{ "SPF passes for one egress address only", "pass:a.test:192.0.2.10;"
	  "fail:a.test:192.0.2.11", "", false, NULL, AUTH_FAIL, false, "auth-unauthenticated",
	  "with ip: [192.0.2.11]" },
	{ "bulk, all fine", "pass:a.test:192.0.2.10", "pass:a.test", true, OC, AUTH_PASS,
	  false, "", NULL },
	{ "bulk without one-click", "pass:a.test:192.0.2.10", "pass:a.test", true, NULL,
	  AUTH_PASS, false, "auth-bulk-no-one-click", "one-click" },
	{ "bulk, no DKIM", "pass:a.test:192.0.2.10", "", true, OC, AUTH_PASS, false,
	  "auth-bulk-spf-and-dkim", "550-5.7.30" },
	{ "bulk, SPF fails, DKIM passes", "fail:a.test:192.0.2.10", "pass:a.test", true, OC,
	  AUTH_PASS, false, "auth-bulk-spf-and-dkim", "550-5.7.27" },
	{ "bulk, 5.7.515 names the From domain", "fail:a.test:192.0.2.10", "pass:a.test", true,
	  OC, AUTH_PASS, false, "auth-bulk-spf-and-dkim", "sending domain from.test does not" },
	{ "bulk, nothing aligned", "pass:b.test:192.0.2.10", "pass:c.test", true, OC,
	  AUTH_FAIL, false, "auth-bulk-unaligned", "421-4.7.32" },
	{ "bulk, unauthenticated: no stacked bulk findings", "fail:a.test:192.0.2.10", "",
	  true, OC, AUTH_FAIL, false, "auth-unauthenticated", "550 5.7.515" },
	{ "bulk, SPF temperror, DKIM passes: nothing certain", "temperror:a.test:192.0.2.10",
	  "pass:a.test", true, OC, AUTH_PASS, false, "", NULL },
	{ "bulk, alignment unknown", "pass:b.test:192.0.2.10", "pass:c.test", true, OC,
	  AUTH_TEMPERROR, false, "", NULL },
	{ "List-Id makes it bulk", "pass:a.test:192.0.2.10", "pass:a.test", false,
	  "List-Id: <news.a.test>", AUTH_PASS, false, "auth-bulk-no-one-click",
	  "no List-Unsubscribe header" },
	{ "Precedence: bulk makes it bulk", "pass:a.test:192.0.2.10", "pass:a.test", false,
	  "Precedence:  Bulk ", AUTH_PASS, false, "auth-bulk-no-one-click", NULL },
	{ "Precedence: junk is not bulk", "pass:a.test:192.0.2.10", "pass:a.test", false,
	  "Precedence: junk", AUTH_PASS, false, "", NULL },
	{ "mailto-only List-Unsubscribe", "pass:a.test:192.0.2.10", "pass:a.test", false,
	  "List-Unsubscribe: <mailto:u@a.test>|List-Unsubscribe-Post: "
	  "List-Unsubscribe=One-Click", AUTH_PASS, false, "auth-bulk-no-one-click", NULL },
	{ "wrong List-Unsubscribe-Post", "pass:a.test:192.0.2.10", "pass:a.test", false,
	  "List-Unsubscribe: <https://u.a.test/x>|List-Unsubscribe-Post: yes", AUTH_PASS,
	  false, "auth-bulk-no-one-click", NULL },
	{ "no resolver: header rules only", "fail:a.test:192.0.2.10", "", true, NULL,
	  AUTH_FAIL, true, "auth-bulk-no-one-click", NULL },
	{ "no resolver, not bulk: silent", "fail:a.test:192.0.2.10", "", false, NULL,
	  AUTH_FAIL, true, "", NULL },
};

/* piece - the nth ':'-separated field of s[0..len) copied, or NULL */
static char *piece(const char *s, size_t len, int n)
{
	const char *e = s + len, *p = s, *q;

	for (; n > 0; n--) {
		if ((p = memchr(p, ':', (size_t)(e - p))) == NULL)
			return NULL;
		p++;
	}
	q = memchr(p, ':', (size_t)(e - p));
	return strndup(p, (size_t)((q ? q : e) - p));
}

static enum auth_result res_of(const char *s)
{
	static const char *const n[] = { "none", "pass", "fail", "softfail", "neutral",
		"permerror", "temperror" };
	int i;

	for (i = 0; i < 7; i++)
		if (s != NULL && strcmp(s, n[i]) == 0)
			return (enum auth_result)i;
	return AUTH_NONE;
}

/* fill - the hand-built results of one case */
static void fill(struct auth *a, const struct tcase *t)
{
	const char *p, *e;
	char *r, *flag;

	a->spf_done = t->spf != NULL;
	for (p = t->spf; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		struct auth_spf *s = auth_spf_add(a);

		e = p + strcspn(p, ";");
		r = piece(p, (size_t)(e - p), 0);
		s->result = res_of(r);
		free(r);
		s->domain = piece(p, (size_t)(e - p), 1);
		s->ip = piece(p, (size_t)(e - p), 2);
	}
	a->dkim_done = t->dkim != NULL;
	for (p = t->dkim; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		struct auth_dkim *k = auth_dkim_add(a);

		e = p + strcspn(p, ";");
		r = piece(p, (size_t)(e - p), 0);
		flag = piece(p, (size_t)(e - p), 2);
		k->result = res_of(r);
		k->predicted = flag != NULL;
		free(r);
		free(flag);
		k->domain = piece(p, (size_t)(e - p), 1);
	}
	a->dmarc.evaluated = true;
	a->dmarc.from_domain = strdup("from.test");
	a->dmarc.alignment = t->align;
}

static struct msg *message(const char *headers)
{
	struct msg *m = msg_new(0);
	const char *err, *p, *e, *colon;
	char *name, *value;

	msg_add_header(m, "From", "Sender <sender@from.test>", &err);
	for (p = headers; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "|");
		colon = memchr(p, ':', (size_t)(e - p));
		name = strndup(p, (size_t)(colon - p));
		value = strndup(colon + 1, (size_t)(e - colon - 1));
		msg_add_header(m, name, value, &err);
		free(name);
		free(value);
	}
	return m;
}

/* has_text - some summary or predicted reply holds needle */
static bool has_text(const struct finding_list *fl, const char *needle)
{
	size_t i, j;

	for (i = 0; i < fl->n; i++) {
		if (strstr(fl->v[i]->summary, needle) != NULL)
			return true;
		for (j = 0; j < fl->v[i]->npredicted; j++)
			if (strstr(fl->v[i]->predicted[j].reply, needle) != NULL)
				return true;
	}
	return false;
}

static void run_case(const struct tcase *t, struct config *cfg, struct dns *dns)
{
	struct check_env env = { .dns = t->no_dns ? NULL : dns };
	struct finding_list fl = FINDING_LIST_INIT;
	struct buf ids = BUF_INIT;
	struct check_ctx ctx;
	const char *err = NULL;
	size_t i;

	memset(&ctx, 0, sizeof(ctx));
	cfg->bulk_sender = t->bulk_cfg;
	ctx.msg = message(t->headers);
	ctx.cfg = cfg;
	ctx.env = &env;
	ctx.findings = &fl;
	fill(&ctx.auth, t);
	is_int(check_auth_ops.run(&ctx, &err), 0, "%s: runs", t->name);
	finding_list_ids(&fl, ",", &ids);
	is_str(buf_cstr(&ids), t->ids, "%s: findings", t->name);
	if (t->reply != NULL)
		ok(has_text(&fl, t->reply), "%s: the report says \"%s\"", t->name, t->reply);
	for (i = 0; i < fl.n; i++)
		ok(!fl.v[i]->def->certain || (ctx.auth.spf_done && ctx.auth.dkim_done),
		    "%s: %s certain only on evaluated inputs", t->name, fl.v[i]->def->id);
	buf_free(&ids);
	finding_list_free(&fl);
	auth_clear(&ctx.auth);
	msg_free((struct msg **)&ctx.msg);
}

/* test_bulk_reason - the bulk rules of dmarc_bulk_reason */
static void test_bulk_reason(struct config *cfg)
{
	static const struct { const char *headers; const char *want; } t[] = {
		{ NULL, NULL },
		{ "List-Id: x <x.a.test>", "List-Id header" },
		{ "List-Unsubscribe: <https://a.test/u>", "List-Unsubscribe header" },
		{ "Precedence: list", "Precedence: list" },
		{ "Precedence: bulky", NULL },
		{ "Precedence: first-class", NULL },
	};
	size_t i;

	cfg->bulk_sender = false;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct msg *m = message(t[i].headers);

		is_str(dmarc_bulk_reason(m, cfg), t[i].want, "bulk reason for \"%s\"",
		    t[i].headers ? t[i].headers : "(no header)");
		msg_free(&m);
	}
	cfg->bulk_sender = true;
	{
		struct msg *m = message(NULL);

		is_str(dmarc_bulk_reason(m, cfg), "BulkSender yes", "BulkSender makes it bulk");
		msg_free(&m);
	}
}

int main(void)
{
	struct config *cfg = config_defaults();
	struct dns_options opt = { "127.0.0.1@9", 1000, NULL };
	struct dns *dns = NULL;
	const char *err = NULL;
	size_t i;

	if (!ok(cfg != NULL && dns_open(&opt, &dns, &err) == 0, "setup"))
		return tap_done();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i], cfg, dns);
	test_bulk_reason(cfg);
	dns_close(&dns);
	config_unref(&cfg);
	return tap_done();
}

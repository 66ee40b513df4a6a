/*
 * check_auth - the per-provider roll-up of the sender requirements
 * (providers.md §3.4) from the SPF, DKIM and DMARC results of this message.
 *
 * All senders (Gmail, Yahoo, iCloud): SPF or DKIM must pass, else
 * auth-unauthenticated.  Bulk senders (List-Id, List-Unsubscribe,
 * Precedence bulk/list, or BulkSender): SPF and DKIM must both pass
 * (Gmail 5.7.27/5.7.30, Yahoo, Microsoft 5.7.515, iCloud), From must align
 * with one of them (Gmail 4.7.32), a DMARC record must exist (reported by
 * check_dmarc as auth-bulk-dmarc-missing) and RFC 8058 one-click
 * unsubscribe must be offered.  Each requirement is reported once, by the
 * most basic rule that fails: a message that is not authenticated at all
 * does not also get the bulk findings that follow from it.
 *
 * SPF counts as passing only when it passed for every egress address (the
 * message may leave from any of them).  A certain finding needs certain
 * inputs: SPF and DKIM both evaluated and no temperror among them;
 * otherwise the weak auth-unverified says what could not be checked.
 * Without a resolver (ctx->env->dns NULL) only the header-based one-click
 * rule runs.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "check.h"
#include "dmarc.h"

static const char oom[] = "out of memory";

#define GMAIL_UNAUTH "550-5.7.26 This email has been blocked because the sender is " \
	"unauthenticated. Gmail requires all senders to authenticate with either SPF or " \
	"DKIM. Authentication results: DKIM = did not pass SPF [dom] with ip: [ip] = did " \
	"not pass"
#define YAHOO_UNAUTH "550 5.7.9 This mail has been blocked because the sender is " \
	"unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM."
#define ICLOUD_UNAUTH "554 5.7.1 [HME1] This message was blocked for failing both SPF " \
	"and DKIM authentication checks"
#define GMAIL_BULK_SPF "550-5.7.27 [...] didn't pass SPF authentication. Gmail requires " \
	"bulk email senders to authenticate their email with SPF"
#define GMAIL_BULK_DKIM "550-5.7.30 [...] didn't pass DKIM authentication. Gmail requires " \
	"bulk email senders to authenticate their email with DKIM"
#define GMAIL_UNALIGNED "421-4.7.32 [...] the From: header (RFC5322) in this message " \
	"isn't aligned with either the authenticated SPF or DKIM organizational domain"
#define MS_515 "550 5.7.515 Access denied, sending domain [d] does not meet the required " \
	"authentication level."
#define YAHOO_POLICY "554 5.7.9 Message not accepted for policy reasons. " \
	"See https://postmaster.yahooinc.com/error-codes"
#define ICLOUD_POLICY "550 5.7.1 [CS01] Message rejected due to local policy"
/* One-click unsubscribe is a requirement without an SMTP reply of its own. */
#define GMAIL_ONE_CLICK "(no SMTP reply: Gmail requires bulk senders' marketing and " \
	"subscribed messages to support one-click unsubscribe, RFC 8058)"
#define YAHOO_ONE_CLICK "(no SMTP reply: Yahoo requires bulk senders to offer " \
	"one-click unsubscribe; List-Unsubscribe-Post is highly recommended)"

#define REPLIES(name, ...) \
	static const struct finding_reply name[] = { __VA_ARGS__, { NULL, NULL } }

REPLIES(r_unauth, { "gmail", GMAIL_UNAUTH }, { "yahoo", YAHOO_UNAUTH },
    { "icloud", ICLOUD_UNAUTH });
REPLIES(r_bulk_both, { "gmail", GMAIL_BULK_SPF }, { "gmail", GMAIL_BULK_DKIM },
    { "microsoft", MS_515 }, { "yahoo", YAHOO_POLICY }, { "icloud", ICLOUD_POLICY });
REPLIES(r_unaligned, { "gmail", GMAIL_UNALIGNED }, { "microsoft", MS_515 },
    { "yahoo", YAHOO_POLICY });
REPLIES(r_one_click, { "gmail", GMAIL_ONE_CLICK }, { "yahoo", YAHOO_ONE_CLICK });
REPLIES(r_none, { NULL, NULL });

enum { F_UNAUTH, F_UNVERIFIED, F_BULK_BOTH, F_BULK_UNALIGNED, F_ONE_CLICK, F_END };

#define DEF(ix, id, cat, score, title, remedy, replies) \
	[ix] = { id, cat, score, score >= 10, title, remedy, replies }

static const struct finding_def auth_defs[] = {
	DEF(F_UNAUTH, "auth-unauthenticated", CAT_AUTH, 10, "neither SPF nor DKIM passes",
	    "Publish an SPF record for the MAIL FROM domain that covers every egress address, "
	    "and DKIM-sign with a key of 1024 bits or more (2048 recommended).", r_unauth),
	DEF(F_UNVERIFIED, "auth-unverified", CAT_AUTH, 0, "whether SPF or DKIM passes could "
	    "not be checked", "Set EgressAddress (and SigningKey when a later hop signs); a "
	    "DNS temperror clears up by itself.", r_none),
	DEF(F_BULK_BOTH, "auth-bulk-spf-and-dkim", CAT_AUTH, 5, "bulk mail needs SPF and "
	    "DKIM to pass, one of them does not", "Bulk senders must pass both: cover every "
	    "egress address in SPF and DKIM-sign every message.", r_bulk_both),
	DEF(F_BULK_UNALIGNED, "auth-bulk-unaligned", CAT_AUTH, 5, "bulk mail whose From "
	    "domain aligns with neither SPF nor DKIM", "Use a MAIL FROM domain or a DKIM d= "
	    "in the From domain's organisational domain.", r_unaligned),
	DEF(F_ONE_CLICK, "auth-bulk-no-one-click", CAT_BULK, 3, "bulk mail without RFC 8058 "
	    "one-click unsubscribe", "Add \"List-Unsubscribe: <https://...>\" and "
	    "\"List-Unsubscribe-Post: List-Unsubscribe=One-Click\", both covered by the DKIM "
	    "signature.", r_one_click),
	[F_END] = { NULL, 0, 0, false, NULL, NULL, NULL },
};

/* The facts every rule reads. */
struct facts {
	bool spf_pass, spf_temp, spf_known;
	bool dkim_pass, dkim_temp, dkim_known;
	const struct auth_spf *spf_bad;	/* first address SPF did not pass for */
	const char *dkim_d;	/* first DKIM d= that did not pass, NULL if none */
	const char *domain;	/* From domain (else MAIL FROM's) for the replies */
};

static void gather(const struct check_ctx *ctx, struct facts *f)
{
	const struct auth *a = &ctx->auth;
	const char *mf = msg_env(ctx->msg, MSG_ENV_MAIL_FROM);
	size_t i;

	memset(f, 0, sizeof(*f));
	f->spf_pass = dmarc_spf_passes(a, &f->spf_temp);
	f->spf_known = a->spf_done && a->nspf > 0 && !f->spf_temp;
	for (i = 0; i < a->nspf && f->spf_bad == NULL; i++)
		if (a->spf[i].result != AUTH_PASS)
			f->spf_bad = &a->spf[i];
	for (i = 0; i < a->ndkim; i++) {
		if (a->dkim[i].result == AUTH_PASS)
			f->dkim_pass = true;
		else if (a->dkim[i].result == AUTH_TEMPERROR)
			f->dkim_temp = true;
		if (a->dkim[i].result != AUTH_PASS && f->dkim_d == NULL)
			f->dkim_d = a->dkim[i].domain;
	}
	f->dkim_known = a->dkim_done && !f->dkim_temp;
	f->domain = a->dmarc.from_domain;
	if (f->domain == NULL && mf != NULL && *msg_rcpt_domain(mf) != '\0')
		f->domain = msg_rcpt_domain(mf);
}

/* add - a finding of auth_defs[ix]: summary "<what>: <SPF/DKIM in words>" */
static struct finding *add(struct check_ctx *ctx, int ix, const char *what)
{
	struct buf sum = BUF_INIT;
	struct finding *f = NULL;

	if (buf_printf(&sum, "%s: ", what) == 0 && dmarc_explain(&ctx->auth, &sum) == 0)
		f = finding_add_bare(ctx->findings, &auth_defs[ix], "%s", buf_cstr(&sum));
	buf_free(&sum);
	return f;
}

/* predict_spf - Gmail's reply: prefix, then "SPF [dom] with ip: [ip] = did
 * not pass" for the first address SPF failed for */
static int predict_spf(struct finding *f, const struct facts *fa, const char *prefix)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	rc |= buf_puts(&b, "SPF [");
	rc |= dmarc_show(&b, fa->spf_bad ? fa->spf_bad->domain : "", 80);
	rc |= buf_puts(&b, "] with ip: [");
	rc |= dmarc_show(&b, fa->spf_bad ? fa->spf_bad->ip : "", 64);
	rc |= buf_puts(&b, "] = did not pass");
	if (rc == 0)
		rc = finding_predict(f, "gmail", "%s%s", prefix, buf_cstr(&b));
	buf_free(&b);
	return rc;
}

static int predict_515(struct finding *f, const struct facts *fa)
{
	return finding_predict(f, "microsoft", "550 5.7.515 Access denied, sending domain %s "
	    "does not meet the required authentication level.", fa->domain ? fa->domain : "[d]");
}

/* all_senders - SPF or DKIM must pass (Gmail, Yahoo, iCloud) */
static int all_senders(struct check_ctx *ctx, const struct facts *fa)
{
	struct finding *f;
	int rc = 0;

	if (!fa->spf_known || !fa->dkim_known) {
		f = add(ctx, F_UNVERIFIED, fa->spf_temp || fa->dkim_temp ?
		    "SPF or DKIM could not be checked (DNS temperror), neither passed" :
		    "SPF or DKIM was not evaluated, neither passed");
		return f ? 0 : -1;
	}
	if ((f = add(ctx, F_UNAUTH, "neither SPF nor DKIM passes")) == NULL)
		return -1;
	rc |= predict_spf(f, fa, "550-5.7.26 This email has been blocked because the sender "
	    "is unauthenticated. Gmail requires all senders to authenticate with either SPF "
	    "or DKIM. Authentication results: DKIM = did not pass ");
	rc |= finding_predict(f, "yahoo", "%s", YAHOO_UNAUTH);
	rc |= finding_predict(f, "icloud", "%s", ICLOUD_UNAUTH);
	if (ctx->auth.bulk)
		rc |= predict_515(f, fa);
	return rc;
}

/* bulk_both - bulk mail: SPF and DKIM must both pass; one of them does */
static int bulk_both(struct check_ctx *ctx, const struct facts *fa)
{
	struct finding *f;
	int rc = 0;

	if ((!fa->spf_pass && !fa->spf_known) || (!fa->dkim_pass && !fa->dkim_known))
		return 0;	/* the one that did not pass is unknown */
	if ((f = add(ctx, F_BULK_BOTH, fa->spf_pass ? "bulk mail, DKIM does not pass" :
	    "bulk mail, SPF does not pass for every egress address")) == NULL)
		return -1;
	if (!fa->spf_pass)
		rc |= predict_spf(f, fa, "550-5.7.27 [...] didn't pass SPF authentication. "
		    "Gmail requires bulk email senders to authenticate their email with SPF. "
		    "[...] ");
	else
		rc |= finding_predict(f, "gmail", "550-5.7.30 [...] didn't pass DKIM "
		    "authentication. Gmail requires bulk email senders to authenticate their "
		    "email with DKIM. [...] DKIM [%s] = did not pass",
		    fa->dkim_d ? fa->dkim_d : "no signature");
	rc |= predict_515(f, fa);
	rc |= finding_predict(f, "yahoo", "%s", YAHOO_POLICY);
	rc |= finding_predict(f, "icloud", "%s", ICLOUD_POLICY);
	return rc;
}

/* bulk_unaligned - bulk mail: From aligned with SPF or DKIM (Gmail 4.7.32) */
static int bulk_unaligned(struct check_ctx *ctx, const struct facts *fa)
{
	struct finding *f;
	int rc = 0;

	if (!ctx->auth.dmarc.evaluated || ctx->auth.dmarc.alignment != AUTH_FAIL)
		return 0;
	if ((f = add(ctx, F_BULK_UNALIGNED, "bulk mail, From domain aligned with neither")) ==
	    NULL)
		return -1;
	rc |= finding_predict(f, "gmail", "%s", GMAIL_UNALIGNED);
	rc |= predict_515(f, fa);
	rc |= finding_predict(f, "yahoo", "%s", YAHOO_POLICY);
	return rc;
}

/* has_https - value holds an angle-bracketed https URI (RFC 2369) */
static bool has_https(const char *v)
{
	const char *p;

	for (p = strchr(v, '<'); p != NULL; p = strchr(p + 1, '<'))
		if (strncasecmp(p + 1, "https://", 8) == 0)
			return true;
	return false;
}

/* one_click_problem - why m lacks RFC 8058 one-click unsubscribe, or NULL */
static const char *one_click_problem(const struct msg *m)
{
	const struct msg_header *lu = msg_header_get(m, "List-Unsubscribe", 0);
	const struct msg_header *post = msg_header_get(m, "List-Unsubscribe-Post", 0);
	const char *v;
	size_t n;

	if (lu == NULL)
		return "no List-Unsubscribe header";
	if (!has_https(lu->unfolded ? lu->unfolded : lu->value))
		return "List-Unsubscribe holds no <https://...> URI";
	if (post == NULL)
		return "no List-Unsubscribe-Post header";
	v = post->unfolded ? post->unfolded : post->value;
	v += strspn(v, " \t");
	for (n = strlen(v); n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
		;
	if (n != 26 || strncasecmp(v, "List-Unsubscribe=One-Click", 26) != 0)
		return "List-Unsubscribe-Post is not \"List-Unsubscribe=One-Click\"";
	return NULL;
}

/* one_click - bulk mail must offer one-click unsubscribe (Gmail, Yahoo) */
static int one_click(struct check_ctx *ctx, const char *why_bulk)
{
	const char *problem = one_click_problem(ctx->msg);

	if (problem == NULL)
		return 0;
	return finding_add(ctx->findings, &auth_defs[F_ONE_CLICK],
	    "bulk mail (%s) without one-click unsubscribe: %s", why_bulk, problem) ? 0 : -1;
}

static int auth_run(struct check_ctx *ctx, const char **error_r)
{
	const char *why = dmarc_bulk_reason(ctx->msg, ctx->cfg);
	struct facts fa;
	int rc = 0;

	/* check_dmarc set the flag already; check_rate may have found the
	 * volume of a bulk sender */
	if (why == NULL)
		why = ctx->auth.bulk_volume;
	if (why != NULL)
		ctx->auth.bulk = true;
	else if (ctx->auth.bulk)
		why = "bulk sender";
	if (ctx->auth.bulk && one_click(ctx, why) < 0)
		return *error_r = oom, -1;
	if (ctx->env->dns == NULL)
		return 0;
	gather(ctx, &fa);
	if (!fa.spf_pass && !fa.dkim_pass)
		rc = all_senders(ctx, &fa);
	else if (ctx->auth.bulk && (!fa.spf_pass || !fa.dkim_pass))
		rc = bulk_both(ctx, &fa);
	if (rc == 0 && ctx->auth.bulk && (fa.spf_pass || fa.dkim_pass))
		rc = bulk_unaligned(ctx, &fa);
	if (rc < 0)
		return *error_r = oom, -1;
	return 0;
}

const struct check_ops check_auth_ops = { "auth", auth_defs, auth_run };

/*
 * check_spf - SPF of our own egress addresses for this message's sender.
 *
 * For every EgressAddress, libspf2 evaluates MAIL FROM's domain (the
 * EgressHelo name when MAIL FROM is null) through the shared resolver
 * within the message's DNS budget (spf.h); the results go to
 * ctx->auth.spf[] for the DMARC check and the roll-up that run later.
 * Then the record itself is reviewed once (spf_quality).
 *
 * One finding per result, naming every egress address that got it, so two
 * failing addresses do not double the score.  No SPF finding is certain:
 * a fail is rescued by a passing DKIM signature at Gmail, and DKIM is
 * checked after us; the roll-up (check_auth) emits the certain
 * auth-unauthenticated when neither passes.  temperror scores 0: a DNS
 * outage must never hold mail.
 *
 * Nothing is reported, and auth.spf_done stays false, without a resolver,
 * without EgressAddress, when MAIL FROM is unknown (the CLI without
 * --mail-from), or when it is null and EgressHelo is not set.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "check.h"
#include "dns.h"
#include "spf.h"

/* shown of a domain, record or libspf2 comment in a summary */
#define SHOWN_NAME 100
#define SHOWN_RECORD 160
#define SHOWN_DETAIL 200
/* egress addresses given a predicted reply each */
#define PREDICT_IPS 4

static const char oom[] = "out of memory";

static const struct finding_reply quality_replies[] = {
	{ "gmail", "550-5.7.24 The SPF record of the sending domain has one or more suspicious entries" },
	{ "gmail", "451-4.7.24 The SPF record of the sending domain has one or more suspicious entries" },
	{ NULL, NULL }
};

enum {
	DEF_FAIL, DEF_SOFTFAIL, DEF_NEUTRAL, DEF_NONE, DEF_PERMERROR, DEF_TEMPERROR,
	DEF_QUALITY
};

static const struct finding_def spf_defs[] = {
	[DEF_FAIL] = { "auth-spf-fail", CAT_AUTH, 5, false,
		"SPF fails (-all) for an egress address",
		"Add the relay's egress addresses to the sender domain's SPF record (ip4:/ip6: or "
		"an include: of the provider you relay through), or send with a MAIL FROM domain "
		"whose SPF covers them. Gmail rejects a hard fail unless a DKIM signature passes.",
		NULL },
	[DEF_SOFTFAIL] = { "auth-spf-softfail", CAT_AUTH, 2, false,
		"SPF softfails (~all) for an egress address",
		"Add the egress addresses to the SPF record; a softfail passes nothing, so the "
		"message then depends on DKIM alone.", NULL },
	[DEF_NEUTRAL] = { "auth-spf-neutral", CAT_AUTH, 1, false,
		"SPF is neutral (?all) for an egress address",
		"List the egress addresses in the SPF record; neutral counts as no SPF pass.", NULL },
	[DEF_NONE] = { "auth-spf-none", CAT_AUTH, 3, false,
		"the sender domain publishes no SPF record",
		"Publish a TXT record \"v=spf1 ip4:<egress address> -all\" (or an include: of the "
		"relay provider) at the MAIL FROM domain, and at the HELO name for bounces.", NULL },
	[DEF_PERMERROR] = { "auth-spf-permerror", CAT_AUTH, 5, false,
		"the SPF record is broken (permerror)",
		"Fix the SPF record: one v=spf1 TXT record only, valid syntax, at most 10 DNS "
		"lookups (include, a, mx, ptr, exists, redirect). Gmail and Microsoft treat a "
		"permerror as a failure.", NULL },
	[DEF_TEMPERROR] = { "auth-spf-temperror", CAT_AUTH, 0, false,
		"SPF could not be evaluated: DNS did not answer in time",
		"Check the resolver (Nameservers, DNSTimeout) and the sender domain's name "
		"servers; receivers that see the same failure defer the message.", NULL },
	[DEF_QUALITY] = { "auth-spf-record-quality", CAT_AUTH, 3, false,
		"the SPF record has entries receivers distrust",
		"Remove +all and ptr, narrow ip4:/ip6: ranges to the addresses that send, keep "
		"to 10 DNS lookups and 2 void lookups, and publish a single v=spf1 record.",
		quality_replies },
	{ NULL, 0, 0, false, NULL, NULL, NULL },
};

static const int def_of_result[] = {
	[AUTH_NONE] = DEF_NONE, [AUTH_PASS] = -1, [AUTH_FAIL] = DEF_FAIL,
	[AUTH_SOFTFAIL] = DEF_SOFTFAIL, [AUTH_NEUTRAL] = DEF_NEUTRAL,
	[AUTH_PERMERROR] = DEF_PERMERROR, [AUTH_TEMPERROR] = DEF_TEMPERROR,
};

/* put_shown - append at most max bytes of s, non-printables as '?' */
static int put_shown(struct buf *b, const char *s, size_t max)
{
	size_t i;
	int rc = 0;

	for (i = 0; s[i] != '\0' && i < max && rc == 0; i++)
		rc = buf_putc(b, isprint((unsigned char)s[i]) ? s[i] : '?');
	if (rc == 0 && s[i] != '\0')
		rc = buf_puts(b, "...");
	return rc;
}

/* predict - the replies for one egress address with result r */
static int predict(struct finding *f, enum auth_result r, const char *dom, const char *ip)
{
	int rc = 0;

	if (r == AUTH_TEMPERROR)
		return 0;
	if (r == AUTH_FAIL)
		rc = finding_predict(f, "gmail", "550-5.7.26 The MAIL FROM domain [%s] has an SPF "
		    "record with a hard fail policy (-all) but it fails to pass SPF checks with "
		    "the ip: [%s]", dom, ip);
	if (rc == 0)
		rc = finding_predict(f, "gmail", "550-5.7.26 This email has been blocked because "
		    "the sender is unauthenticated. Gmail requires all senders to authenticate "
		    "with either SPF or DKIM. Authentication results: DKIM = did not pass SPF "
		    "[%s] with ip: [%s] = did not pass", dom, ip);
	if (rc == 0 && (r == AUTH_FAIL || r == AUTH_PERMERROR))
		rc = finding_predict(f, "microsoft", "550 5.7.23 The message was rejected because "
		    "of Sender Policy Framework violation");
	return rc;
}

/* report_result - one finding for every egress address that got r */
static int report_result(struct check_ctx *ctx, enum auth_result r, const char *record)
{
	const struct auth *a = &ctx->auth;
	const struct auth_spf *first = NULL;
	struct buf b = BUF_INIT, dom = BUF_INIT;
	struct finding *f = NULL;
	size_t i, n = 0;
	int rc = 0;

	for (i = 0; i < a->nspf; i++)
		if (a->spf[i].result == r && first == NULL)
			first = &a->spf[i];
	if (first == NULL || def_of_result[r] < 0)
		return 0;
	rc = put_shown(&dom, first->domain, SHOWN_NAME);
	if (rc == 0)
		rc = buf_printf(&b, "SPF %s for %s %s from egress ", auth_result_name(r),
		    first->helo_identity ? "the HELO name (null MAIL FROM)" : "MAIL FROM domain",
		    buf_cstr(&dom));
	for (i = 0; i < a->nspf && rc == 0; i++)
		if (a->spf[i].result == r)
			rc = buf_printf(&b, "%s%s", n++ ? ", " : "", a->spf[i].ip);
	if (rc == 0 && record != NULL && (rc = buf_puts(&b, "; record \"")) == 0 &&
	    (rc = put_shown(&b, record, SHOWN_RECORD)) == 0)
		rc = buf_putc(&b, '"');
	if (rc == 0 && first->detail != NULL && first->detail[0] != '\0' &&
	    (rc = buf_puts(&b, "; ")) == 0)
		rc = put_shown(&b, first->detail, SHOWN_DETAIL);
	if (rc == 0 && (f = finding_add_bare(ctx->findings, &spf_defs[def_of_result[r]], "%s",
	    buf_cstr(&b))) == NULL)
		rc = -1;
	for (i = 0, n = 0; i < a->nspf && rc == 0 && n < PREDICT_IPS; i++) {
		if (a->spf[i].result != r)
			continue;
		rc = predict(f, r, buf_cstr(&dom), a->spf[i].ip);
		n++;
	}
	buf_free(&b);
	buf_free(&dom);
	return rc;
}

/* report_quality - the record review, when it found anything */
static int report_quality(struct check_ctx *ctx, const struct spf_quality *q,
    const char *domain)
{
	struct buf b = BUF_INIT;
	int rc;

	/* Several records alone: auth-spf-permerror already says so. */
	if (q->issues == NULL || (q->flags & ~(unsigned)SPF_Q_MULTIPLE) == 0)
		return 0;
	rc = buf_puts(&b, "SPF record of ");
	if (rc == 0)
		rc = put_shown(&b, domain, SHOWN_NAME);
	if (rc == 0)
		rc = buf_puts(&b, ": ");
	if (rc == 0)
		rc = put_shown(&b, q->issues, 2 * SHOWN_DETAIL);
	if (rc == 0 && q->text != NULL && (rc = buf_puts(&b, "; record \"")) == 0 &&
	    (rc = put_shown(&b, q->text, SHOWN_RECORD)) == 0)
		rc = buf_putc(&b, '"');
	if (rc == 0 && finding_add(ctx->findings, &spf_defs[DEF_QUALITY], "%s", buf_cstr(&b)) == NULL)
		rc = -1;
	buf_free(&b);
	return rc;
}

/* identity - the domain evaluated: MAIL FROM's, or the HELO name */
static const char *identity(const char *mail_from, const char *helo, bool *helo_r)
{
	const char *at;

	*helo_r = mail_from[0] == '\0';
	if (*helo_r)
		return helo;
	at = strrchr(mail_from, '@');
	return at != NULL ? at + 1 : mail_from;
}

/* evaluate_all - one spf_evaluate per egress address into ctx->auth */
static int evaluate_all(struct check_ctx *ctx, const char *mail_from, const char *helo,
    const char *domain, bool helo_id, const char **error_r)
{
	char *const *ip;
	struct auth_spf *s;
	struct spf_eval ev;

	for (ip = ctx->cfg->egress_addresses; *ip != NULL; ip++) {
		if (spf_evaluate(ctx->env->dns, ctx->auth.deadline_ms, *ip, mail_from, helo, &ev,
		    error_r) < 0)
			return -1;
		if ((s = auth_spf_add(&ctx->auth)) == NULL ||
		    (s->ip = strdup(*ip)) == NULL || (s->domain = strdup(domain)) == NULL) {
			spf_eval_free(&ev);
			return *error_r = oom, -1;
		}
		s->helo_identity = helo_id;
		s->result = ev.result;
		s->detail = ev.detail;	/* moved */
		ev.detail = NULL;
	}
	return 0;
}

/* egress_family - AF_INET6 when every egress address is IPv6 */
static int egress_family(char *const *ips)
{
	struct in6_addr a6;

	for (; *ips != NULL; ips++)
		if (inet_pton(AF_INET6, *ips, &a6) != 1)
			return AF_INET;
	return AF_INET6;
}

/* spf_run - evaluate every egress address, review the record, report */
static int spf_run(struct check_ctx *ctx, const char **error_r)
{
	const char *mail_from = msg_env(ctx->msg, MSG_ENV_MAIL_FROM);
	const char *helo = ctx->cfg->egress_helo, *domain;
	struct spf_quality q;
	bool helo_id;
	int r, rc = 0;

	if (helo != NULL && helo[0] == '\0')
		helo = NULL;
	if (ctx->env->dns == NULL || ctx->cfg->egress_addresses == NULL ||
	    ctx->cfg->egress_addresses[0] == NULL || mail_from == NULL ||
	    (mail_from[0] == '\0' && helo == NULL))
		return 0;
	if (ctx->auth.deadline_ms == 0)
		ctx->auth.deadline_ms = dns_now_ms() + dns_timeout_ms(ctx->env->dns);
	domain = identity(mail_from, helo, &helo_id);
	if (evaluate_all(ctx, mail_from, helo, domain, helo_id, error_r) < 0)
		return -1;
	ctx->auth.spf_done = true;
	if (spf_quality(ctx->env->dns, ctx->auth.deadline_ms, domain,
	    egress_family(ctx->cfg->egress_addresses), &q, error_r) < 0)
		return -1;
	for (r = AUTH_NONE; r <= AUTH_TEMPERROR && rc == 0; r++)
		rc = report_result(ctx, (enum auth_result)r,
		    q.record == AUTH_PASS || q.record == AUTH_PERMERROR ? q.text : NULL);
	if (rc == 0 && q.record != AUTH_TEMPERROR)
		rc = report_quality(ctx, &q, domain);
	spf_quality_free(&q);
	if (rc < 0)
		*error_r = oom;
	return rc;
}

const struct check_ops check_spf_ops = { "spf", spf_defs, spf_run };

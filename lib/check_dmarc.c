/*
 * check_dmarc - the From domain's DMARC policy against our own SPF and DKIM
 * results, and whether the From domain exists at all.
 *
 * Discovery follows RFC 7489 §6.6.3: _dmarc.<From domain>, then
 * _dmarc.<organisational domain> when the first holds no v=DMARC1 record;
 * TXT records that do not start with v=DMARC1 are not records, and two or
 * more records mean no DMARC applies.  The existence check (an SOA query,
 * as Yahoo does) runs beside the first TXT query, and all of it shares the
 * message's DNS budget, so a dead DNS server costs DNSTimeout once.
 *
 * The outcome needs both inputs: when SPF was not evaluated (no
 * EgressAddress) or DKIM was not, and nothing aligned passed, the result
 * is unknown and only the weak auth-dmarc-unverified is reported; a
 * temperror anywhere it matters gives auth-dmarc-temperror (score 0),
 * never a rejection.  The message's bulk flag is set here, before the
 * roll-up (check_auth) needs it, because a missing record matters more
 * for bulk mail.  Without a resolver (ctx->env->dns NULL) nothing is
 * reported.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "check.h"
#include "dmarc.h"
#include "dns.h"
#include "hdr.h"

#define RR_TXT 16
#define RR_SOA 6
/* TXT records looked at per name: more is hostile or broken */
#define MAX_TXT 32
/* record text quoted in a summary */
#define TEXT_SHOWN 100

static const char oom[] = "out of memory";

/* Where discovery stopped. */
enum found {
	FOUND,			/* exactly one record, parsed */
	ABSENT,			/* no record at the From or the org domain */
	MULTIPLE,		/* several v=DMARC1 records: no DMARC applies */
	INVALID,		/* one record that does not parse */
	TEMPERROR,		/* DNS did not answer in time */
};

struct lookup {
	enum found found;
	char fd[DMARC_NAME_MAX + 1];	/* From domain, normalised */
	char org[DMARC_NAME_MAX + 1];	/* its org domain, "" when none */
	char *domain;		/* whose _dmarc was used (FOUND..INVALID, TEMPERROR) */
	char *text;		/* the record (FOUND, INVALID) */
	size_t count;		/* v=DMARC1 records seen there */
	bool org_level;		/* found at the org domain */
	struct dmarc_record rec;	/* FOUND only */
	const char *error;	/* static reason for INVALID */
	bool from_nxdomain;	/* the From domain does not exist */
};

/* --- discovery (RFC 7489 §6.6.3) ------------------------------------------ */

/* The v=DMARC1 records of one name: the first two kept, all counted. */
struct txt_set {
	char *v[2];
	size_t n;
	enum dns_status st;
};

static void txt_set_free(struct txt_set *set)
{
	free(set->v[0]);
	free(set->v[1]);
	memset(set, 0, sizeof(*set));
}

/* txt_text - the character-strings of one TXT rdata joined; NULL when the
 * rdata is malformed or holds a NUL, or (*oom_r set) when memory ran out */
static char *txt_text(const unsigned char *rd, size_t len, bool *oom_r)
{
	struct buf b = BUF_INIT;
	size_t i = 0, n;
	char *s;

	while (i < len) {
		n = rd[i++];
		if (n > len - i || memchr(rd + i, '\0', n) != NULL) {
			buf_free(&b);
			return NULL;
		}
		if (buf_append(&b, rd + i, n) < 0) {
			buf_free(&b);
			*oom_r = true;
			return NULL;
		}
		i += n;
	}
	if ((s = buf_steal(&b)) == NULL)
		*oom_r = true;
	return s;
}

/* fetch - wait for the TXT query q and keep its v=DMARC1 records */
static int fetch(struct dns *d, struct dns_query *q, uint64_t deadline_ms,
    struct txt_set *set, const char **error_r)
{
	struct ub_result *res = NULL;
	size_t i;
	bool no_mem = false;

	set->st = dns_wait(d, q, deadline_ms, &res);
	for (i = 0; set->st == DNS_OK && res->data[i] != NULL && i < MAX_TXT; i++) {
		char *t = txt_text((const unsigned char *)res->data[i], (size_t)res->len[i], &no_mem);

		if (no_mem)
			break;
		if (t == NULL || !dmarc_is_record(t)) {
			free(t);
			continue;
		}
		if (set->n < 2)
			set->v[set->n] = t;
		else
			free(t);
		set->n++;
	}
	dns_result_free(&res);
	if (no_mem)
		return *error_r = oom, -1;
	return 0;
}

/* conclude - step 5, and the parse of the one record found at domain */
static int conclude(struct lookup *l, struct txt_set *set, const char *domain,
    const char **error_r)
{
	const char *invalid;

	l->count = set->n;
	if (set->st == DNS_TEMPFAIL)
		l->found = TEMPERROR;
	else if (set->n == 0)
		l->found = ABSENT;
	else if (set->n > 1)
		l->found = MULTIPLE;
	if ((set->st == DNS_TEMPFAIL || set->n > 0) && (l->domain = strdup(domain)) == NULL)
		return *error_r = oom, -1;
	if (set->st == DNS_TEMPFAIL || set->n != 1)
		return 0;
	l->text = set->v[0];
	set->v[0] = NULL;
	if (dmarc_record_parse(l->text, &l->rec, &invalid, error_r) < 0)
		return -1;
	l->found = invalid ? INVALID : FOUND;
	l->error = invalid;
	return 0;
}

/* discover - the record for l->fd by deadline_ms, and whether l->fd exists */
static int discover(struct dns *d, uint64_t deadline_ms, struct lookup *l,
    const char **error_r)
{
	char name[DMARC_NAME_MAX + 16];
	struct txt_set set = { { NULL, NULL }, 0, DNS_OK };
	struct ub_result *res = NULL;
	struct dns_query *qsoa, *qtxt;
	enum dns_status st;
	int rc = -1;

	l->found = ABSENT;
	snprintf(name, sizeof(name), "_dmarc.%s", l->fd);
	qsoa = dns_start(d, l->fd, RR_SOA);
	qtxt = dns_start(d, name, RR_TXT);
	st = dns_wait(d, qsoa, deadline_ms, &res);
	dns_result_free(&res);
	l->from_nxdomain = st == DNS_NXDOMAIN;
	if (fetch(d, qtxt, deadline_ms, &set, error_r) < 0)
		goto out;
	if (set.st != DNS_TEMPFAIL && set.n == 0 && l->org[0] != '\0' &&
	    strcmp(l->org, l->fd) != 0) {
		snprintf(name, sizeof(name), "_dmarc.%s", l->org);
		l->org_level = true;
		txt_set_free(&set);
		if (fetch(d, dns_start(d, name, RR_TXT), deadline_ms, &set, error_r) < 0)
			goto out;
	}
	rc = conclude(l, &set, l->org_level ? l->org : l->fd, error_r);
	if (l->found == ABSENT)
		l->org_level = false;
out:
	txt_set_free(&set);
	return rc;
}

static void lookup_free(struct lookup *l)
{
	free(l->domain);
	free(l->text);
	dmarc_record_free(&l->rec);
}

/* --- the catalogue ------------------------------------------------------- */

#define GMAIL_DMARC "550-5.7.26 Unauthenticated email from [d] is not accepted due to " \
	"domain's DMARC policy. Please contact the administrator of [d] domain if this " \
	"was a legitimate mail."
#define MS_DMARC "550 5.7.509 Access denied, sending domain [d] does not pass DMARC " \
	"verification and has a DMARC policy of reject."
#define YAHOO_POLICY "554 5.7.9 Message not accepted for policy reasons. " \
	"See https://postmaster.yahooinc.com/error-codes"
#define ICLOUD_DMARC "554 5.7.1 Your message was rejected due to [d]'s DMARC policy"
#define GMAIL_NO_DMARC "550-5.7.40 [...] the sending domain [d] doesn't have a DMARC record " \
	"or the DMARC record doesn't specify a DMARC policy"
#define MS_515 "550 5.7.515 Access denied, sending domain [d] does not meet the required " \
	"authentication level."
#define YAHOO_NX "451 Message temporarily deferred due to unresolvable RFC.5321 from domain"
#define GENERIC_NX "550 5.1.8 <[addr]>: Sender address rejected: Domain not found"

#define REPLIES(name, ...) \
	static const struct finding_reply name[] = { __VA_ARGS__, { NULL, NULL } }

REPLIES(r_reject, { "gmail", GMAIL_DMARC }, { "microsoft", MS_DMARC },
    { "yahoo", YAHOO_POLICY }, { "icloud", ICLOUD_DMARC });
REPLIES(r_bulk_missing, { "gmail", GMAIL_NO_DMARC }, { "microsoft", MS_515 });
REPLIES(r_nx, { "yahoo", YAHOO_NX }, { "generic", GENERIC_NX });
REPLIES(r_none, { NULL, NULL });

enum {
	F_FROM_MISSING, F_REJECT, F_QUARANTINE, F_FAIL_NONE, F_MISSING, F_BULK_MISSING,
	F_INVALID, F_TEMPERROR, F_UNVERIFIED, F_END
};

#define DEF(ix, id, score, title, remedy, replies) \
	[ix] = { id, CAT_AUTH, score, score >= 10, title, remedy, replies }

static const struct finding_def dmarc_defs[] = {
	DEF(F_FROM_MISSING, "auth-from-domain-missing", 10, "the From domain does not exist "
	    "(NXDOMAIN)", "Send from a domain that exists in DNS (it must answer an SOA "
	    "query), or fix the typo in the From address.", r_nx),
	DEF(F_REJECT, "auth-dmarc-reject", 10, "DMARC fails and the From domain's policy is "
	    "reject", "Make SPF (MAIL FROM domain, every egress address) or DKIM (d=) pass "
	    "with a domain aligned with the From domain.", r_reject),
	DEF(F_QUARANTINE, "auth-dmarc-quarantine", 5, "DMARC fails under p=quarantine: "
	    "spam folder", "Align SPF or DKIM with the From domain.", r_none),
	DEF(F_FAIL_NONE, "auth-dmarc-fail-none", 2, "DMARC fails under p=none (no rejection, "
	    "but bulk-sender rules require alignment)", "Align SPF or DKIM with the From "
	    "domain before tightening the policy.", r_none),
	DEF(F_MISSING, "auth-dmarc-missing", 2, "the From domain publishes no DMARC record",
	    "Publish \"v=DMARC1; p=none; rua=mailto:...\" at _dmarc.<domain>, then tighten.",
	    r_none),
	DEF(F_BULK_MISSING, "auth-bulk-dmarc-missing", 5, "bulk mail from a domain without "
	    "a DMARC record", "Gmail, Yahoo, Microsoft and iCloud require bulk senders to "
	    "publish DMARC (p=none is enough): \"v=DMARC1; p=none\" at _dmarc.<domain>.",
	    r_bulk_missing),
	DEF(F_INVALID, "auth-dmarc-invalid", 3, "the DMARC record does not parse (or there "
	    "are several)", "Publish exactly one TXT record \"v=DMARC1; p=...\" at "
	    "_dmarc.<domain>, v=DMARC1 first, p= none, quarantine or reject.", r_none),
	DEF(F_TEMPERROR, "auth-dmarc-temperror", 0, "DMARC could not be evaluated: DNS did "
	    "not answer in time", "Check the Nameservers and the domain's DNS servers; the "
	    "message is not held for this.", r_none),
	DEF(F_UNVERIFIED, "auth-dmarc-unverified", 0, "the From domain enforces DMARC but "
	    "SPF or DKIM was not evaluated", "Set EgressAddress (and SigningKey when a later "
	    "hop signs) so that Preflight can predict the DMARC result.", r_none),
	[F_END] = { NULL, 0, 0, false, NULL, NULL, NULL },
};

/* --- reporting ------------------------------------------------------------ */

/* add - one finding of dmarc_defs[ix] with the summary built in sum */
static struct finding *add(struct check_ctx *ctx, int ix, const struct buf *sum)
{
	return finding_add_bare(ctx->findings, &dmarc_defs[ix], "%s", buf_cstr(sum));
}

static int predict_reject(struct finding *f, const char *d)
{
	int rc = 0;

	rc |= finding_predict(f, "gmail", "550-5.7.26 Unauthenticated email from %s is not "
	    "accepted due to domain's DMARC policy. Please contact the administrator of %s "
	    "domain if this was a legitimate mail.", d, d);
	rc |= finding_predict(f, "microsoft", "550 5.7.509 Access denied, sending domain %s "
	    "does not pass DMARC verification and has a DMARC policy of reject.", d);
	rc |= finding_predict(f, "yahoo", "%s", YAHOO_POLICY);
	rc |= finding_predict(f, "icloud", "554 5.7.1 Your message was rejected due to %s's "
	    "DMARC policy", d);
	return rc;
}

/* predict_no_dmarc - the bulk-sender replies for a domain without DMARC */
static int predict_no_dmarc(struct finding *f, const char *d)
{
	int rc = 0;

	rc |= finding_predict(f, "gmail", "550-5.7.40 [...] the sending domain %s doesn't "
	    "have a DMARC record or the DMARC record doesn't specify a DMARC policy", d);
	rc |= finding_predict(f, "microsoft", "550 5.7.515 Access denied, sending domain %s "
	    "does not meet the required authentication level.", d);
	return rc;
}

/* put_policy - "sp=reject pct=50 at _dmarc.example.com (...): \"v=DMARC1...\"" */
static int put_policy(struct buf *b, const struct lookup *l)
{
	const struct dmarc_record *r = &l->rec;
	const char *tag = "p";
	int rc = 0;

	if (l->org_level && l->from_nxdomain && r->np != DMARC_P_UNSET)
		tag = "np";
	else if (l->org_level && r->sp != DMARC_P_UNSET)
		tag = "sp";
	rc |= buf_printf(b, "%s=%s", tag, dmarc_policy_name(dmarc_effective_policy(r,
	    l->org_level, l->from_nxdomain)));
	if (r->pct < 100)
		rc |= buf_printf(b, " pct=%u", r->pct);
	if (r->p_defaulted)
		rc |= buf_puts(b, " (p= unusable, rua given: acts as p=none)");
	rc |= buf_printf(b, " at _dmarc.%s%s: \"", l->domain,
	    l->org_level ? " (organisational domain)" : "");
	rc |= dmarc_show(b, l->text, TEXT_SHOWN);
	rc |= buf_putc(b, '"');
	return rc;
}

/* report_outcome - the record exists: what its policy makes of the result */
static int report_outcome(struct check_ctx *ctx, const struct lookup *l, struct buf *sum)
{
	enum dmarc_policy pol = dmarc_effective_policy(&l->rec, l->org_level, l->from_nxdomain);
	struct finding *f;
	const char *how;
	int ix, rc = 0;

	/* pct=0 applies the policy to no message, the next lower one to all
	 * (RFC 7489 §6.6.4); any other pct is a share: noted, not discounted */
	if (l->rec.pct == 0 && pol > DMARC_P_NONE)
		pol--;
	switch (ctx->auth.dmarc.alignment) {
	case AUTH_PASS:
		return 0;
	case AUTH_TEMPERROR:
		ix = F_TEMPERROR, how = "cannot be evaluated (temperror)";
		break;
	case AUTH_NONE:
		if (pol == DMARC_P_NONE)
			return 0;
		ix = F_UNVERIFIED, how = "cannot be verified";
		break;
	default:
		ix = pol == DMARC_P_REJECT ? F_REJECT : pol == DMARC_P_QUARANTINE ?
		    F_QUARANTINE : F_FAIL_NONE;
		how = "fails";
		break;
	}
	rc |= buf_printf(sum, "DMARC %s for From domain %s (", how, l->fd);
	rc |= put_policy(sum, l);
	rc |= buf_puts(sum, "): ");
	rc |= dmarc_explain(&ctx->auth, sum);
	if (rc < 0 || (f = add(ctx, ix, sum)) == NULL)
		return -1;
	return ix == F_REJECT ? predict_reject(f, l->fd) : 0;
}

/* report_nx - the From domain does not exist */
static int report_nx(struct check_ctx *ctx, const struct lookup *l, struct buf *sum)
{
	const char *mf = msg_env(ctx->msg, MSG_ENV_MAIL_FROM);
	struct finding *f;
	int rc = 0;

	if (buf_printf(sum, "From domain %s does not exist (NXDOMAIN)", l->fd) < 0 ||
	    (f = add(ctx, F_FROM_MISSING, sum)) == NULL)
		return -1;
	rc |= finding_predict(f, "yahoo", "%s", YAHOO_NX);
	/* Receivers that check the envelope sender's domain (Postfix's
	 * reject_unknown_sender_domain) see the same name. */
	if (mf != NULL && strcasecmp(msg_rcpt_domain(mf), l->fd) == 0)
		rc |= finding_predict(f, "generic", "550 5.1.8 <%s>: Sender address "
		    "rejected: Domain not found", mf);
	return rc;
}

/* report_missing - no record at the From nor at the org domain */
static int report_missing(struct check_ctx *ctx, const struct lookup *l, struct buf *sum)
{
	struct finding *f;
	int rc = 0;

	rc |= buf_printf(sum, "no DMARC record at _dmarc.%s", l->fd);
	if (l->org[0] != '\0' && strcmp(l->org, l->fd) != 0)
		rc |= buf_printf(sum, " nor at _dmarc.%s", l->org);
	if (ctx->auth.bulk)
		rc |= buf_printf(sum, "; bulk mail (%s) must have one",
		    dmarc_bulk_reason(ctx->msg, ctx->cfg) ? dmarc_bulk_reason(ctx->msg, ctx->cfg) :
		    ctx->auth.bulk_volume);
	if (rc < 0 || (f = add(ctx, ctx->auth.bulk ? F_BULK_MISSING : F_MISSING, sum)) == NULL)
		return -1;
	return ctx->auth.bulk ? predict_no_dmarc(f, l->fd) : 0;
}

/* report_invalid - a record that does not parse, or several records */
static int report_invalid(struct check_ctx *ctx, const struct lookup *l, struct buf *sum)
{
	struct finding *f;
	int rc = 0;

	if (l->found == MULTIPLE) {
		rc |= buf_printf(sum, "%zu v=DMARC1 records at _dmarc.%s: no DMARC policy "
		    "applies (RFC 7489 section 6.6.3)", l->count, l->domain);
	} else {
		rc |= buf_printf(sum, "the DMARC record at _dmarc.%s is not valid (%s): \"",
		    l->domain, l->error);
		rc |= dmarc_show(sum, l->text, TEXT_SHOWN);
		rc |= buf_putc(sum, '"');
	}
	if (rc < 0 || (f = add(ctx, F_INVALID, sum)) == NULL)
		return -1;
	/* Gmail's 5.7.40 covers "doesn't specify a DMARC policy" too. */
	return ctx->auth.bulk ? predict_no_dmarc(f, l->fd) : 0;
}

/* report - every finding the lookup and the evaluation call for */
static int report(struct check_ctx *ctx, const struct lookup *l)
{
	struct buf sum = BUF_INIT;
	int rc = 0;

	if (l->from_nxdomain) {
		rc = report_nx(ctx, l, &sum);
		buf_truncate(&sum, 0);
	}
	switch (l->found) {
	case TEMPERROR:
		if (buf_printf(&sum, "no answer for _dmarc.%s within DNSTimeout (%us)",
		    l->domain, ctx->cfg->dns_timeout) < 0 || add(ctx, F_TEMPERROR, &sum) == NULL)
			rc = -1;
		break;
	case ABSENT:
		rc |= report_missing(ctx, l, &sum);
		break;
	case MULTIPLE:
	case INVALID:
		rc |= report_invalid(ctx, l, &sum);
		break;
	case FOUND:
		rc |= report_outcome(ctx, l, &sum);
		break;
	}
	buf_free(&sum);
	return rc < 0 ? -1 : 0;
}

/* --- the check ------------------------------------------------------------ */

/* from_domain - the domain of the one From mailbox into out, lowercase:
 * 1, or 0 when there is none to evaluate (the format check says why), or
 * -1 when out of memory */
static int from_domain(const struct msg *m, char *out, size_t outsz, const char **error_r)
{
	const struct msg_header *h = msg_header_get(m, "From", 0);
	struct addr_list l = ADDR_LIST_INIT;
	const char *d;
	size_t i;
	int rc = 0;

	if (h == NULL || msg_header_count(m, "From") != 1)
		return 0;
	if (addr_parse_list(h->unfolded ? h->unfolded : h->value, &l, error_r) < 0)
		return -1;
	d = l.n == 1 ? l.v[0].domain : NULL;
	/* Address literals and U-labels have no DMARC record we could ask for. */
	if (l.error == NULL && l.count == 1 && d != NULL && d[0] != '[' &&
	    !hdr_has_8bit(d) && addr_domain_valid(d, NULL) && strlen(d) < outsz) {
		for (i = 0; d[i] != '\0'; i++)
			out[i] = (char)tolower((unsigned char)d[i]);
		out[i] = '\0';
		rc = 1;
	}
	addr_list_free(&l);
	return rc;
}

/* record_results - what was found, into ctx->auth.dmarc, and the evaluation */
static int record_results(struct check_ctx *ctx, const struct lookup *l)
{
	struct auth_dmarc *dm = &ctx->auth.dmarc;
	static const enum auth_result as_result[] = {
		[FOUND] = AUTH_PASS, [ABSENT] = AUTH_NONE, [MULTIPLE] = AUTH_PERMERROR,
		[INVALID] = AUTH_PERMERROR, [TEMPERROR] = AUTH_TEMPERROR,
	};

	dm->evaluated = true;
	dm->record = as_result[l->found];
	dm->from_nxdomain = l->from_nxdomain;
	if ((dm->from_domain = strdup(l->fd)) == NULL ||
	    (l->org[0] != '\0' && (dm->org_domain = strdup(l->org)) == NULL) ||
	    (l->found != ABSENT && l->found != TEMPERROR &&
	    (dm->record_domain = strdup(l->domain)) == NULL))
		return -1;
	if (l->found == FOUND && (dm->policy = strdup(dmarc_policy_name(
	    dmarc_effective_policy(&l->rec, l->org_level, l->from_nxdomain)))) == NULL)
		return -1;
	dmarc_evaluate(&ctx->auth, l->found == FOUND ? &l->rec : NULL);
	return 0;
}

static int dmarc_run(struct check_ctx *ctx, const char **error_r)
{
	struct lookup l;
	int rc;

	/* bulk by its headers or config, or by its volume (check_rate) */
	ctx->auth.bulk = dmarc_bulk_reason(ctx->msg, ctx->cfg) != NULL ||
	    ctx->auth.bulk_volume != NULL;
	if (ctx->env->dns == NULL)
		return 0;
	memset(&l, 0, sizeof(l));
	if ((rc = from_domain(ctx->msg, l.fd, sizeof(l.fd), error_r)) <= 0)
		return rc;
	if (!dmarc_org_domain(l.fd, l.org, sizeof(l.org)))
		l.org[0] = '\0';
	rc = discover(ctx->env->dns, ctx->auth.deadline_ms, &l, error_r);
	if (rc == 0 && (record_results(ctx, &l) < 0 || report(ctx, &l) < 0)) {
		*error_r = oom;
		rc = -1;
	}
	lookup_free(&l);
	return rc;
}

const struct check_ops check_dmarc_ops = { "dmarc", dmarc_defs, dmarc_run };

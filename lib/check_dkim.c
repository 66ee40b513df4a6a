/*
 * check_dkim - the DKIM signatures a receiver will see: the ones already
 * on the message (added by an earlier milter, verified with dkimv), and
 * the one a later signer will add, predicted from SigningKey (keycheck).
 *
 * Every signature becomes an entry in ctx->auth.dkim[] (DMARC and the
 * per-provider roll-up read them); problems become findings.  A predicted
 * entry is made for the From domain, and for the MAIL FROM domain, when a
 * SigningKey names it and no signature of that domain is on the message
 * yet: a signer placed after Preflight signs regardless of what earlier
 * hops added.  Each finding id is emitted at most once per message; its
 * summary names every signature it concerns (up to SHOW_SIGS).
 *
 * Without a resolver (ctx->env->dns NULL) the check reports nothing: no
 * result at all is better than a guessed one.  DNS failure gives
 * temperror entries and the score-0 auth-dkim-temperror, never a fail.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "check.h"
#include "dkimv.h"
#include "keycheck.h"

static const char oom[] = "out of memory";

/* signatures named in one finding's summary before "and N more" */
#define SHOW_SIGS 3
/* bytes of one signature's part of a summary */
#define NOTE_MAX 300
/* x= this close to now counts as expiring (receivers' clocks drift, and
 * mail sits in queues) */
#define EXPIRY_MARGIN (24 * 3600)
#define MIN_BITS 1024

#define GMAIL_526 "550-5.7.26 [...] This email has been blocked because the sender is " \
	"unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. " \
	"Authentication results: DKIM = did not pass"
#define GMAIL_530 "550-5.7.30 [...] didn't pass DKIM authentication. Gmail requires bulk " \
	"email senders to authenticate their email with DKIM"
#define MS_515 "550 5.7.515 Access denied, sending domain [%s] does not meet the " \
	"required authentication level."
#define YAHOO_AU01 "554 5.7.5 [...] (AU01)"

enum {
	F_NONE, F_FAIL, F_KEY_MISSING, F_KEY_INVALID, F_KEY_MISMATCH, F_WEAK_KEY,
	F_SHA1, F_BODY_LENGTH, F_EXPIRED, F_TESTING, F_FROM_UNSIGNED, F_UNSUB_UNSIGNED,
	F_TEMPERROR, F_KEY_UNREADABLE, F_END
};

#define DEF(ix, id, score, title, remedy) \
	[ix] = { id, CAT_AUTH, score, score >= 10, title, remedy, NULL }

static const struct finding_def dkim_defs[] = {
	DEF(F_NONE, "auth-dkim-none", 3,
	    "no DKIM signature, and no SigningKey for the sender's domain",
	    "Sign outgoing mail with DKIM for the From domain (key of 2048 bits), and tell "
	    "Preflight about the key with SigningKey if signing happens after it."),
	DEF(F_FAIL, "auth-dkim-fail", 5, "a DKIM signature does not verify",
	    "Find what changes the message after signing (a footer, a disclaimer, line "
	    "wrapping, a later milter) and sign last; check that the signer uses the key "
	    "published in DNS."),
	DEF(F_KEY_MISSING, "auth-dkim-key-missing", 5, "the DKIM key is not in DNS",
	    "Publish the public key as TXT at <selector>._domainkey.<domain> (opendkim-genkey "
	    "writes the record), or sign with a selector that is published."),
	DEF(F_KEY_INVALID, "auth-dkim-key-invalid", 5, "the DKIM key record in DNS is not usable",
	    "Republish the TXT record exactly as the key generator wrote it: v=DKIM1; k=rsa; "
	    "p=<base64 public key>, with the strings of a long key joined without blanks."),
	DEF(F_KEY_MISMATCH, "auth-dkim-key-mismatch", 10,
	    "the SigningKey private key does not match the key in DNS",
	    "Every message of this domain will fail DKIM.  Publish the public half of the "
	    "signing key (opendkim-genkey's .txt file) or point the signer at the key that "
	    "matches DNS; check with opendkim-testkey."),
	DEF(F_WEAK_KEY, "auth-dkim-weak-key", 5, "DKIM key shorter than 1024 bits",
	    "Generate a 2048-bit key (opendkim-genkey -b 2048), publish it under a new "
	    "selector, then switch the signer to it."),
	DEF(F_SHA1, "auth-dkim-sha1", 3, "DKIM signature uses rsa-sha1",
	    "Sign with rsa-sha256 (RFC 8301 forbids rsa-sha1 for signing)."),
	DEF(F_BODY_LENGTH, "auth-dkim-body-length", 2,
	    "DKIM signature covers only part of the body (l=)",
	    "Turn off body length limits in the signer: anything appended after l= bytes "
	    "is unsigned, and receivers distrust such signatures."),
	DEF(F_EXPIRED, "auth-dkim-expired", 3,
	    "DKIM signature expired or expires within a day (x=)",
	    "Raise the signer's signature lifetime (x=) to several days, or drop it: "
	    "queued and greylisted mail is verified hours later."),
	DEF(F_TESTING, "auth-dkim-testing", 1, "DKIM key is in testing mode (t=y)",
	    "Remove t=y from the key record once signing works: some receivers treat such "
	    "signatures as absent."),
	DEF(F_FROM_UNSIGNED, "auth-dkim-from-unsigned", 5, "DKIM signature does not cover From",
	    "Make the signer include From in h= (RFC 6376 requires it; receivers reject the "
	    "signature otherwise)."),
	DEF(F_UNSUB_UNSIGNED, "auth-dkim-unsubscribe-unsigned", 3,
	    "List-Unsubscribe headers not covered by a DKIM signature",
	    "Add List-Unsubscribe and List-Unsubscribe-Post to the signer's header list: "
	    "RFC 8058 one-click unsubscribe, which Gmail and Yahoo require of bulk "
	    "senders, needs a DKIM signature covering both."),
	DEF(F_TEMPERROR, "auth-dkim-temperror", 0, "DKIM key lookup failed (DNS timeout)",
	    "Nothing to change in the message; check that the resolver (Nameservers) answers."),
	DEF(F_KEY_UNREADABLE, "auth-dkim-key-unreadable", 0,
	    "Preflight cannot read a SigningKey private key",
	    "Let Preflight's user read the key file (e.g. group membership), or fix the "
	    "path in SigningKey; without it the signature cannot be predicted."),
	{ NULL, 0, 0, false, NULL, NULL, NULL }
};

/* What one message collects per finding id before emitting. */
struct note {
	struct buf summary;
	unsigned count;
	char domain[256];	/* the first signing domain (replies, without From) */
};

struct dkim_state {
	struct check_ctx *ctx;
	char from[256];		/* the From domain, "" if none */
	struct note notes[F_END];
	int err;		/* out of memory while noting */
};

/* clean - control bytes of hostile text as '?' */
static void clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			*s = '?';
}

/* note - record one occurrence of finding ix; domain names the signer.
 * d= and s= come from the message: each occurrence is cut at NOTE_MAX
 * bytes and its control bytes shown as '?'. */
__attribute__((format(printf, 4, 5)))
static void note(struct dkim_state *st, int ix, const char *domain, const char *fmt, ...)
{
	struct note *n = &st->notes[ix];
	char one[NOTE_MAX + 1];
	va_list ap;

	if (n->count++ == 0) {
		snprintf(n->domain, sizeof(n->domain), "%s", domain);
		clean(n->domain);
	}
	if (n->count > SHOW_SIGS)
		return;
	va_start(ap, fmt);
	vsnprintf(one, sizeof(one), fmt, ap);
	va_end(ap);
	clean(one);
	if ((n->count > 1 && buf_puts(&n->summary, "; ") < 0) || buf_puts(&n->summary, one) < 0)
		st->err = -1;
}

/* fails_dkim - findings whose signature will not pass at the receiver */
static bool fails_dkim(int ix)
{
	return ix == F_NONE || ix == F_FAIL || ix == F_KEY_MISSING || ix == F_KEY_INVALID ||
	    ix == F_KEY_MISMATCH || ix == F_WEAK_KEY || ix == F_FROM_UNSIGNED;
}

/* emit - one finding per noted id, with the replies it predicts */
static int emit(struct dkim_state *st)
{
	struct finding *f;
	int ix;

	for (ix = 0; ix < F_END; ix++) {
		struct note *n = &st->notes[ix];

		if (n->count == 0)
			continue;
		if (n->count > SHOW_SIGS &&
		    buf_printf(&n->summary, " (and %u more)", n->count - SHOW_SIGS) < 0)
			return -1;
		f = finding_add_bare(st->ctx->findings, &dkim_defs[ix], "%s",
		    buf_cstr(&n->summary));
		if (f == NULL)
			return -1;
		if (!fails_dkim(ix))
			continue;
		/* 5.7.26 when SPF does not pass either; 5.7.30 for bulk senders */
		if (finding_predict(f, "gmail", GMAIL_526) < 0 ||
		    finding_predict(f, "gmail", GMAIL_530) < 0 ||
		    finding_predict(f, "microsoft", MS_515,
		    st->from[0] ? st->from : n->domain) < 0 ||
		    (ix != F_NONE && finding_predict(f, "yahoo", YAHOO_AU01) < 0))
			return -1;
	}
	return 0;
}

/* put_time - a Unix time as "2025-01-31 12:00 UTC" */
static void put_time(char *out, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, size, "%" PRId64, t);
}

/* problem_finding - the finding a failed signature maps to, or -1 */
static int problem_finding(const struct dkimv_sig *s)
{
	switch (s->problem) {
	case DKIMV_BAD_SIG: case DKIMV_BODY_CHANGED:
		return F_FAIL;
	case DKIMV_SYNTAX:
		/* h= without From is its own finding, not a second one */
		return s->covers_from ? F_FAIL : -1;
	case DKIMV_NO_KEY: case DKIMV_KEY_REVOKED:
		return F_KEY_MISSING;
	case DKIMV_BAD_KEY:
		return F_KEY_INVALID;
	case DKIMV_KEY_TEMPFAIL:
		return F_TEMPERROR;
	case DKIMV_EXPIRED:
		return F_EXPIRED;
	default:
		return -1;
	}
}

/* sig_attributes - findings about how the signature was made */
static void sig_attributes(struct dkim_state *st, const struct dkimv_sig *s)
{
	const char *d = s->domain;
	char when[40];

	if (s->key_bits > 0 && s->key_bits < MIN_BITS)
		note(st, F_WEAK_KEY, d, "d=%s s=%s: %u-bit key", d, s->selector, s->key_bits);
	if (s->sha1)
		note(st, F_SHA1, d, "d=%s s=%s: a=%s", d, s->selector, s->algorithm);
	if (s->has_length)
		note(st, F_BODY_LENGTH, d, "d=%s s=%s: l=%" PRIu64 " of %" PRIu64 " body bytes",
		    d, s->selector, s->length, st->ctx->msg->body.bytes);
	if (s->expires != 0 && s->problem != DKIMV_EXPIRED &&
	    s->expires < (int64_t)st->ctx->now + EXPIRY_MARGIN) {
		put_time(when, sizeof(when), s->expires);
		note(st, F_EXPIRED, d, "d=%s s=%s: x= %s %s", d, s->selector,
		    s->expires <= (int64_t)st->ctx->now ? "expired at" : "expires at", when);
	}
	if (s->testing)
		note(st, F_TESTING, d, "d=%s s=%s: key record has t=y", d, s->selector);
	if (!s->covers_from)
		note(st, F_FROM_UNSIGNED, d, "d=%s s=%s: From is not in h=", d, s->selector);
}

/* add_entry - the auth result entry of one signature */
static int add_entry(struct check_ctx *ctx, const char *domain, const char *selector,
    enum auth_result result, const char *detail, unsigned bits, bool covers_from,
    bool predicted)
{
	struct auth_dkim *a = auth_dkim_add(&ctx->auth);

	if (a == NULL)
		return -1;
	a->domain = strdup(domain);
	a->selector = strdup(selector);
	a->detail = strdup(detail);
	a->result = result;
	a->key_bits = bits;
	a->covers_from = covers_from;
	a->predicted = predicted;
	return a->domain && a->selector && a->detail ? 0 : -1;
}

/* real_sig - entry and findings for a signature on the message */
static int real_sig(struct dkim_state *st, const struct dkimv_sig *s)
{
	int ix = problem_finding(s);
	char when[40];

	if (ix == F_EXPIRED) {
		put_time(when, sizeof(when), s->expires);
		note(st, ix, s->domain, "d=%s s=%s: expired at %s", s->domain, s->selector, when);
	} else if (ix >= 0)
		note(st, ix, s->domain, "d=%s s=%s: %s", s->domain, s->selector, s->detail);
	sig_attributes(st, s);
	return add_entry(st->ctx, s->domain, s->selector, s->result, s->detail, s->key_bits,
	    s->covers_from, false);
}

/* unsubscribe - RFC 8058: one signature must cover the List-Unsubscribe
 * headers the message has */
static void unsubscribe(struct dkim_state *st, const struct dkimv_result *res)
{
	const struct msg *m = st->ctx->msg;
	bool lu = msg_header_count(m, "List-Unsubscribe") > 0;
	bool lup = msg_header_count(m, "List-Unsubscribe-Post") > 0;
	bool any_lu = false, any_lup = false;
	size_t i;

	if ((!lu && !lup) || res->nsigs == 0)
		return;
	for (i = 0; i < res->nsigs; i++) {
		const struct dkimv_sig *s = &res->sigs[i];

		if ((!lu || s->covers_list_unsubscribe) &&
		    (!lup || s->covers_list_unsubscribe_post))
			return;
		any_lu |= s->covers_list_unsubscribe;
		any_lup |= s->covers_list_unsubscribe_post;
	}
	lu &= !any_lu;
	lup &= !any_lup;
	if (!lu && !lup)
		note(st, F_UNSUB_UNSIGNED, res->sigs[0].domain, "no single signature covers both "
		    "List-Unsubscribe and List-Unsubscribe-Post");
	else
		note(st, F_UNSUB_UNSIGNED, res->sigs[0].domain, "%s%s%s not in h= of any signature",
		    lu ? "List-Unsubscribe" : "", lu && lup ? " and " : "",
		    lup ? "List-Unsubscribe-Post" : "");
}

/* from_domain - the domain of the first From mailbox into out ("" if none) */
static int from_domain(const struct msg *m, char *out, size_t size)
{
	const struct msg_header *h = msg_header_get(m, "From", 0);
	struct addr_list l = ADDR_LIST_INIT;
	const char *err;

	out[0] = '\0';
	if (h == NULL)
		return 0;
	if (addr_parse_list(h->unfolded, &l, &err) < 0)
		return -1;
	if (l.n > 0 && l.v[0].domain != NULL)
		snprintf(out, size, "%s", l.v[0].domain);
	addr_list_free(&l);
	return 0;
}

/* signed_by - a signature of domain is already on the message */
static bool signed_by(const struct dkimv_result *res, const char *domain)
{
	size_t i;

	for (i = 0; i < res->nsigs; i++)
		if (strcasecmp(res->sigs[i].domain, domain) == 0)
			return true;
	return false;
}

/* predicted_sig - entry and findings for the signature a later signer adds */
static int predicted_sig(struct dkim_state *st, const struct keycheck_result *k)
{
	enum auth_result r = AUTH_PERMERROR;
	const char *d = k->domain, *sel = k->selector;

	switch (k->status) {
	case KEYCHECK_MATCH:
		r = k->rsa && k->bits < MIN_BITS ? AUTH_FAIL : AUTH_PASS;
		if (r == AUTH_FAIL)
			note(st, F_WEAK_KEY, d, "SigningKey %s %s: %u-bit key", d, sel, k->bits);
		if (k->testing)
			note(st, F_TESTING, d, "SigningKey %s %s: key record has t=y", d, sel);
		break;
	case KEYCHECK_MISMATCH:
		r = AUTH_FAIL;
		note(st, F_KEY_MISMATCH, d, "SigningKey %s %s: %s", d, sel, k->detail);
		break;
	case KEYCHECK_NO_KEY:
		note(st, F_KEY_MISSING, d, "SigningKey %s %s: %s", d, sel, k->detail);
		break;
	case KEYCHECK_BAD_KEY:
		note(st, F_KEY_INVALID, d, "SigningKey %s %s: %s", d, sel, k->detail);
		break;
	case KEYCHECK_TEMPERROR:
		r = AUTH_TEMPERROR;
		note(st, F_TEMPERROR, d, "SigningKey %s %s: %s", d, sel, k->detail);
		break;
	case KEYCHECK_UNREADABLE:
		/* nothing known about the future signature: no entry */
		note(st, F_KEY_UNREADABLE, d, "SigningKey %s %s: %s", d, sel, k->detail);
		return 0;
	}
	return add_entry(st->ctx, d, sel, r, k->detail, k->bits, true, true);
}

/* predict - SigningKey entries for the From and MAIL FROM domains; *keyed
 * tells whether either domain has a SigningKey */
static int predict(struct dkim_state *st, const struct dkimv_result *res, bool *keyed)
{
	struct check_ctx *ctx = st->ctx;
	const char *mf = msg_env(ctx->msg, MSG_ENV_MAIL_FROM);
	struct keycheck *kc = ctx->env->keycheck, *own = NULL;
	struct keycheck_result k;
	char doms[2][256];
	int i, rc = 0;

	*keyed = false;
	if (ctx->cfg->nsigning_keys == 0)
		return 0;
	snprintf(doms[0], sizeof(doms[0]), "%s", st->from);
	snprintf(doms[1], sizeof(doms[1]), "%s", mf != NULL ? msg_rcpt_domain(mf) : "");
	/* No process-wide cache (a one-shot CLI run): check uncached. */
	if (kc == NULL && (kc = own = keycheck_new()) == NULL)
		return -1;
	for (i = 0; i < 2 && rc == 0; i++) {
		if (doms[i][0] == '\0' || (i == 1 && strcasecmp(doms[0], doms[1]) == 0))
			continue;
		if (!keycheck_get(kc, ctx->env->dns, ctx->cfg, doms[i], ctx->now,
		    ctx->auth.deadline_ms, &k))
			continue;
		*keyed = true;
		if (!signed_by(res, doms[i]))
			rc = predicted_sig(st, &k);
	}
	keycheck_free(&own);
	return rc;
}

/* lib_get - the process's DKIM library from check_env; a caller that built
 * its env without one (a test) gets a library of its own for this scan
 * (dkim_init is cheap: no I/O, a few allocations), freed by the caller */
static struct dkimv_lib *lib_get(struct check_ctx *ctx, struct dkimv_lib **own,
    const char **error_r)
{
	*own = NULL;
	if (ctx->env->dkimv != NULL)
		return ctx->env->dkimv;
	if (dkimv_lib_new(ctx->env->dns, own, error_r) < 0)
		return NULL;
	return *own;
}

/* unsigned_mail - no signature now and none predicted */
static void unsigned_mail(struct dkim_state *st)
{
	const char *mf = msg_env(st->ctx->msg, MSG_ENV_MAIL_FROM);
	const char *mfd = mf != NULL ? msg_rcpt_domain(mf) : "";

	if (strcasecmp(mfd, st->from) == 0)
		mfd = "";	/* the same domain: name it once */

	note(st, F_NONE, st->from, "no DKIM-Signature, and no SigningKey for %s%s%s%s",
	    st->from[0] ? st->from : "(no From domain)", mfd[0] ? " or " : "", mfd,
	    mfd[0] ? " (MAIL FROM)" : "");
}

static int dkim_run(struct check_ctx *ctx, const char **error_r)
{
	struct dkim_state st = { .ctx = ctx };
	struct dkimv_result res = DKIMV_RESULT_INIT;
	struct dkimv_lib *lib, *own = NULL;
	bool keyed = false;
	int rc = -1, ix;
	size_t i;

	if (ctx->env->dns == NULL)
		return 0;
	if ((lib = lib_get(ctx, &own, error_r)) == NULL)
		return -1;
	if (dkimv_verify(lib, ctx->msg, ctx->auth.deadline_ms, &res, error_r) < 0)
		goto out;
	ctx->auth.dkim_done = true;
	if (from_domain(ctx->msg, st.from, sizeof(st.from)) < 0)
		goto fail;
	for (i = 0; i < res.nsigs; i++)
		if (real_sig(&st, &res.sigs[i]) < 0)
			goto fail;
	unsubscribe(&st, &res);
	if (predict(&st, &res, &keyed) < 0)
		goto fail;
	if (res.nsigs == 0 && !keyed)
		unsigned_mail(&st);
	if (st.err == 0 && emit(&st) == 0) {
		rc = 0;
		goto out;
	}
fail:
	*error_r = oom;
out:
	for (ix = 0; ix < F_END; ix++)
		buf_free(&st.notes[ix].summary);
	dkimv_result_free(&res);
	dkimv_lib_free(&own);
	return rc;
}

const struct check_ops check_dkim_ops = { "dkim", dkim_defs, dkim_run };

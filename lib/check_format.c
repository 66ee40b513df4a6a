/*
 * check_format - RFC 5322 / RFC 5321 form of the message: the header
 * counts of §3.6, the From mailbox, Date and Message-ID syntax, line
 * lengths, bare CR/LF, NUL and 8-bit bytes, RFC 2047 encoded-words, the
 * MIME declarations, and whether every header could be inspected.
 *
 * One pass over the kept headers gathers the first piece of evidence per
 * rule; each rule then emits at most one finding per message, so the
 * finding list (and the X-Preflight tag) names each id once.  Every
 * summary quotes the header, the line and the offending value, shortened
 * and turned into printable ASCII because the value is hostile input.
 *
 * Bare newlines in header values: the milter hands folds over as a lone
 * "\n", and msg_parse keeps the folds of a file as they were ("\n" in an
 * LF file, "\r\n" in a CRLF one), so a lone LF inside a value is normally
 * a fold, not evidence.  The rule is therefore: a CR not followed by LF is
 * always bare; a LF not preceded by CR counts as bare only when some
 * header value of the same message folds with CRLF (then the message's
 * own convention is CRLF and the lone LF breaks it).  msg_parse reads an
 * all-LF file as CRLF (m->lf_input), so such a file holds no CR at all and
 * yields nothing here.  Bare CR/LF in the body come from msg_body's
 * statistics, which already treat an all-LF file as CRLF.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "check.h"
#include "hdr.h"

static const char oom[] = "out of memory";

/* bytes of a hostile value quoted in a summary */
#define SHOW_MAX 60

#define GMAIL_571 "550-5.7.1 [...] "
#define RFC5322_NC "This message is not RFC 5322 compliant"
#define GMAIL_MALFORMED "554-5.6.0 [...] Mail message is malformed. Not accepted"
#define YAHOO_POLICY "554 5.7.9 Message not accepted for policy reasons. " \
	"See https://postmaster.yahooinc.com/error-codes"
#define MS_BARE_LF "550 5.6.11 SMTPSEND.BareLinefeedsAreIllegal; message contains bare " \
	"linefeeds, which cannot be sent via DATA and receiving system does not support BDAT"
#define GMAIL_NO_FROM GMAIL_571 "Messages missing a valid address in the From: header, " \
	"or having no From: header, are not accepted"
#define GMAIL_MSGID GMAIL_571 "Messages missing a valid Message-ID: header are not accepted"

#define REPLIES(name, ...) \
	static const struct finding_reply name[] = { __VA_ARGS__, { NULL, NULL } }

REPLIES(r_from_missing, { "gmail", GMAIL_571 RFC5322_NC " because the From: header is missing" },
    { "gmail", GMAIL_NO_FROM });
REPLIES(r_from_count, { "gmail", GMAIL_571 RFC5322_NC " because it has multiple From: headers" },
    { "yahoo", YAHOO_POLICY });
REPLIES(r_from_multi, { "gmail", GMAIL_571 "Messages with multiple addresses in the From: "
    "header are not accepted" });
REPLIES(r_from_invalid, { "gmail", GMAIL_NO_FROM });
REPLIES(r_date_count, { "gmail", GMAIL_571 RFC5322_NC ". There are multiple Date headers" },
    { "yahoo", YAHOO_POLICY });
REPLIES(r_dup, { "gmail", GMAIL_571 RFC5322_NC " because it has duplicate headers" },
    { "yahoo", YAHOO_POLICY });
REPLIES(r_msgid, { "gmail", GMAIL_MSGID });
REPLIES(r_malformed, { "gmail", GMAIL_MALFORMED }, { "yahoo", YAHOO_POLICY });
REPLIES(r_yahoo, { "yahoo", YAHOO_POLICY });
REPLIES(r_bare, { "microsoft", MS_BARE_LF });
REPLIES(r_8bit_hdr, { "gmail", GMAIL_571 "The message contains a unicode character in a "
    "disallowed header" });
REPLIES(r_none, { NULL, NULL });

enum {
	F_FROM_MISSING, F_FROM_COUNT, F_FROM_MULTI, F_FROM_INVALID, F_DATE_COUNT,
	F_DUP, F_MSGID_INVALID, F_MALFORMED, F_DATE_MISSING, F_DATE_INVALID,
	F_DATE_SKEW, F_MSGID_MISSING, F_LONG_LINE, F_BARE_NL, F_NUL, F_HDR_8BIT,
	F_EW, F_8BIT_UNDECL, F_MIME_VERSION, F_LIMIT, F_FROM_NAME, F_END
};

#define DEF(ix, id, score, title, remedy, replies) \
	[ix] = { id, CAT_FORMAT, score, score >= 10, title, remedy, replies }

static const struct finding_def format_defs[] = {
	DEF(F_FROM_MISSING, "format-from-missing", 10, "no From: header",
	    "Make the sending application write a From: header with one address.", r_from_missing),
	DEF(F_FROM_COUNT, "format-from-count", 10, "more than one From: header",
	    "Make the sending application write a single From: header.", r_from_count),
	DEF(F_FROM_MULTI, "format-from-multiple-addresses", 10, "From: holds more than one address",
	    "Put one address in From:; list further authors in Reply-To: or the body.", r_from_multi),
	DEF(F_FROM_INVALID, "format-from-invalid", 10, "From: holds no valid mailbox",
	    "Write From: as \"Name <user@example.com>\" with a real, fully qualified domain; "
	    "quote display names that hold commas or other specials.", r_from_invalid),
	DEF(F_DATE_COUNT, "format-date-count", 10, "more than one Date: header",
	    "Make the sending application write a single Date: header.", r_date_count),
	DEF(F_DUP, "format-duplicate-header", 10, "a header RFC 5322 allows once appears twice",
	    "Write Sender, Reply-To, To, Cc, Bcc, Message-ID, In-Reply-To, References and "
	    "Subject at most once each; merge the values into one header.", r_dup),
	DEF(F_MSGID_INVALID, "format-message-id-invalid", 10, "Message-ID: is not <left@right>",
	    "Generate Message-IDs as <unique@your.domain>, angle brackets included.", r_msgid),
	DEF(F_MALFORMED, "format-header-malformed", 10, "a header line is not a header field",
	    "Fix the generator: every header line needs \"Name: value\", continuation lines "
	    "start with a blank, and a blank line separates headers from the body.", r_malformed),
	DEF(F_DATE_MISSING, "format-date-missing", 3, "no Date: header",
	    "Make the sending application (or the submission server) add a Date: header.", r_none),
	DEF(F_DATE_INVALID, "format-date-invalid", 3, "Date: is not an RFC 5322 date-time",
	    "Write dates as \"Tue, 2 Jan 2024 10:00:00 +0100\" (English names, numeric zone).",
	    r_none),
	DEF(F_DATE_SKEW, "format-date-skew", 2, "Date: is far from the current time",
	    "Fix the sending host's clock and time zone, or do not reuse old dates.", r_yahoo),
	DEF(F_MSGID_MISSING, "format-message-id-missing", 3, "no Message-ID: header",
	    "Make the sending application (or the submission server) add a Message-ID.", r_msgid),
	DEF(F_LONG_LINE, "format-line-too-long", 3, "a line is longer than 998 octets",
	    "Encode long content as quoted-printable or base64 and fold long headers; "
	    "relays otherwise split the line and break DKIM signatures.", r_none),
	DEF(F_BARE_NL, "format-bare-newline", 3, "a bare CR or LF (not CRLF)",
	    "End every line with CRLF; normalise line ends before submitting.", r_bare),
	DEF(F_NUL, "format-nul-byte", 3, "NUL bytes in the message",
	    "Send binary data base64-encoded in a MIME part, never raw.", r_none),
	DEF(F_HDR_8BIT, "format-header-8bit", 3, "raw 8-bit bytes in a header",
	    "Encode non-ASCII header text as RFC 2047 encoded-words (=?UTF-8?B?...?=).",
	    r_8bit_hdr),
	DEF(F_EW, "format-encoded-word-invalid", 2, "a malformed RFC 2047 encoded-word",
	    "Fix the encoder: =?charset?B|Q?text?= with valid base64/Q text, at most 75 "
	    "characters each, separated by blanks.", r_yahoo),
	DEF(F_8BIT_UNDECL, "format-8bit-undeclared", 2, "8-bit body without a matching "
	    "Content-Transfer-Encoding", "Declare Content-Transfer-Encoding: 8bit, or encode "
	    "the body as quoted-printable or base64.", r_none),
	DEF(F_MIME_VERSION, "format-mime-version-missing", 1, "Content-Type: without MIME-Version:",
	    "Add \"MIME-Version: 1.0\" to every MIME message.", r_none),
	DEF(F_LIMIT, "format-limit-headers", 2, "more header bytes than MaxHeaderBytes",
	    "Shrink the header section, or raise MaxHeaderBytes if such headers are expected.",
	    r_none),
	DEF(F_FROM_NAME, "format-from-display-name", 2, "From: display name holds unquoted "
	    "specials", "Quote the display name: From: \"Doe, John\" <john@example.com>.", r_none),
	[F_END] = { NULL, 0, 0, false, NULL, NULL, NULL },
};

/* headers RFC 5322 §3.6 allows at most once, besides From and Date */
static const char *const once_names[] = {
	"Sender", "Reply-To", "To", "Cc", "Bcc", "Message-ID", "In-Reply-To",
	"References", "Subject",
};
#define N_ONCE (sizeof(once_names) / sizeof(once_names[0]))
#define ONCE_MESSAGE_ID 5	/* index of "Message-ID" above */

/* what one pass over the headers found: counts, and the first offender */
struct seen {
	size_t n;
	const struct msg_header *h;	/* first one */
	unsigned line2;			/* line of the second one */
};

struct hscan {
	struct seen from, date, ctype, cte, mimever, once[N_ONCE];
	struct seen malformed, bare_cr, bare_lf, eightbit, ew;
	bool crlf_folds;		/* some value folds with CRLF */
	struct seen longh;
	unsigned long_line;		/* physical line of the first long header line */
	size_t long_len;
	const char *ew_why;
	size_t ew_off;
};

struct shown {
	char s[SHOW_MAX * 4 + 8];
};

/* show - s as printable ASCII, at most SHOW_MAX source bytes */
static const char *show(struct shown *sh, const char *s)
{
	size_t o = 0, i;
	unsigned char c;

	for (i = 0; s[i] != '\0' && i < SHOW_MAX; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			sh->s[o++] = (char)c;
		else if (c == '\\' || c == '\r' || c == '\n' || c == '\t')
			o += (size_t)snprintf(sh->s + o, 3, "\\%c",
			    c == '\\' ? '\\' : c == '\r' ? 'r' : c == '\n' ? 'n' : 't');
		else
			o += (size_t)snprintf(sh->s + o, 5, "\\x%02x", c);
	}
	if (s[i] != '\0')
		memcpy(sh->s + o, "...", 4);
	else
		sh->s[o] = '\0';
	return sh->s;
}

static void see(struct seen *s, const struct msg_header *h)
{
	if (s->n++ == 0)
		s->h = h;
	else if (s->n == 2)
		s->line2 = h->line;
}

/* scan_lines - physical lines of one header: length, bare CR / LF */
static void scan_lines(struct hscan *hs, const struct msg_header *h)
{
	const char *v = h->value, *nl;
	size_t seg, len, idx;
	bool cr = false, lf = false, longl = false;

	for (idx = 0;; idx++) {
		nl = strchr(v, '\n');
		seg = nl != NULL ? (size_t)(nl - v) : strlen(v);
		len = nl != NULL && seg > 0 && v[seg - 1] == '\r' ? seg - 1 : seg;
		if (nl != NULL && len == seg)
			lf = true;
		else if (nl != NULL)
			hs->crlf_folds = true;
		if (memchr(v, '\r', len) != NULL)
			cr = true;
		if (idx == 0 && h->name[0] != '\0')
			len += strlen(h->name) + (v[0] == ' ' || v[0] == '\t' ? 1 : 2);
		if (len > MSG_LINE_MAX && !longl && hs->longh.n == 0) {
			hs->long_line = h->line + (unsigned)idx;
			hs->long_len = len;
		}
		longl |= len > MSG_LINE_MAX;
		if (nl == NULL)
			break;
		v = nl + 1;
	}
	if (cr)
		see(&hs->bare_cr, h);
	if (lf)
		see(&hs->bare_lf, h);
	if (longl)
		see(&hs->longh, h);
}

static struct seen *named(struct hscan *hs, const char *name)
{
	struct { const char *name; struct seen *s; } t[] = {
		{ "From", &hs->from }, { "Date", &hs->date }, { "Content-Type", &hs->ctype },
		{ "Content-Transfer-Encoding", &hs->cte }, { "MIME-Version", &hs->mimever },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasecmp(name, t[i].name) == 0)
			return t[i].s;
	for (i = 0; i < N_ONCE; i++)
		if (strcasecmp(name, once_names[i]) == 0)
			return &hs->once[i];
	return NULL;
}

static void scan_headers(const struct msg *m, struct hscan *hs)
{
	const struct msg_header *h;
	struct seen *s;
	const char *why = NULL;
	size_t i, off = 0;

	for (i = 0; i < m->nhdrs; i++) {
		h = &m->hdrs[i];
		scan_lines(hs, h);
		if (h->malformed) {
			see(&hs->malformed, h);
			if (h->name[0] == '\0')
				continue;
		}
		if ((s = named(hs, h->name)) != NULL)
			see(s, h);
		if (hdr_has_8bit(h->value))
			see(&hs->eightbit, h);
		if (hdr_encoded_words_check(h->unfolded, &why, &off) > 0) {
			if (hs->ew.n == 0) {
				hs->ew_why = why;
				hs->ew_off = off;
			}
			see(&hs->ew, h);
		}
	}
}

/* fmt_dur - seconds as "2d3h", "5h10m", "42m" or "30s" */
static const char *fmt_dur(char *b, size_t size, uint64_t s)
{
	if (s >= 86400)
		snprintf(b, size, "%" PRIu64 "d%" PRIu64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(b, size, "%" PRIu64 "h%" PRIu64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(b, size, "%" PRIu64 "m", s / 60);
	else
		snprintf(b, size, "%" PRIu64 "s", s);
	return b;
}

#define ADD(ctx, ix, ...) \
	(finding_add((ctx)->findings, &format_defs[ix], __VA_ARGS__) != NULL ? 0 : -1)
#define ADD_BARE(ctx, ix, ...) finding_add_bare((ctx)->findings, &format_defs[ix], __VA_ARGS__)

/* from_lenient - 1 when a From: that fails RFC 5322 parsing still ends in
 * exactly one <local@domain> with a valid domain ("Doe, John <j@x.com>",
 * "j@x.com <j@x.com>"): receivers read the angle address, so this is a weak
 * finding, not a certain rejection.  0 when not, -1 when out of memory. */
static int from_lenient(const char *v, const char **error_r)
{
	const char *lt = strrchr(v, '<'), *end = v + strlen(v);
	struct addr_list l = ADDR_LIST_INIT;
	int ok;

	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (lt == NULL || end == v || end[-1] != '>' || memchr(v, '>', (size_t)(lt - v)) != NULL)
		return 0;
	if (strchr(lt, '"') != NULL || strchr(lt, '(') != NULL)
		return 0;
	if (addr_parse_list(lt, &l, error_r) < 0)
		return -1;
	ok = l.error == NULL && l.count == 1 && l.groups == 0 &&
	    addr_domain_valid(l.v[0].domain, NULL);
	addr_list_free(&l);
	return ok;
}

/* from_one - the single From: holds exactly one valid mailbox */
static int from_one(struct check_ctx *ctx, const struct msg_header *h, const char **error_r)
{
	struct addr_list l = ADDR_LIST_INIT;
	struct shown sh, sh2;
	const char *why = NULL, *v = h->unfolded;
	struct finding *f;
	int rc = 0;

	if (addr_parse_list(v, &l, error_r) < 0)
		return -1;
	if (l.error != NULL && (rc = from_lenient(v, error_r)) != 0) {
		if (rc > 0)
			rc = ADD(ctx, F_FROM_NAME, "From: on line %u does not parse (%s at \"%s\"), "
			    "but ends in one valid <address>: \"%s\"", h->line, l.error,
			    show(&sh2, v + l.error_pos), show(&sh, v));
	} else if (l.error != NULL)
		rc = ADD(ctx, F_FROM_INVALID, "From: on line %u does not parse (%s at \"%s\"): \"%s\"",
		    h->line, l.error, show(&sh2, v + l.error_pos), show(&sh, v));
	else if (l.count == 0)
		rc = ADD(ctx, F_FROM_INVALID, "From: on line %u holds no mailbox%s: \"%s\"",
		    h->line, l.groups ? " (only an empty group)" : "", show(&sh, v));
	else if (l.count > 1)
		rc = ADD(ctx, F_FROM_MULTI, "From: on line %u holds %zu addresses: \"%s\"",
		    h->line, l.count, show(&sh, v));
	else if (l.groups > 0)
		rc = ADD(ctx, F_FROM_INVALID, "From: on line %u is a group, RFC 5322 wants a "
		    "mailbox: \"%s\"", h->line, show(&sh, v));
	else if (!addr_domain_valid(l.v[0].domain, &why)) {
		f = ADD_BARE(ctx, F_FROM_INVALID, "From: on line %u: domain \"%s\" is not valid "
		    "(%s)", h->line, show(&sh, l.v[0].domain), why);
		rc = f == NULL || finding_predict(f, "gmail", GMAIL_571 RFC5322_NC " because the "
		    "From: header has a non-compliant domain name") < 0 ? -1 : 0;
	}
	addr_list_free(&l);
	if (rc < 0)
		*error_r = oom;
	return rc;
}

static int check_from(struct check_ctx *ctx, const struct hscan *hs, const char **error_r)
{
	int rc = 0;

	if (hs->from.n == 0)
		rc = ADD(ctx, F_FROM_MISSING, "no From: header (RFC 5322 requires exactly one)");
	else if (hs->from.n > 1)
		rc = ADD(ctx, F_FROM_COUNT, "%zu From: headers (lines %u and %u; RFC 5322 allows "
		    "exactly one)", hs->from.n, hs->from.h->line, hs->from.line2);
	else
		return from_one(ctx, hs->from.h, error_r);
	if (rc < 0)
		*error_r = oom;
	return rc;
}

static int check_date(struct check_ctx *ctx, const struct hscan *hs)
{
	const struct config *cfg = ctx->cfg;
	uint64_t fut = cfg != NULL ? cfg->date_max_future : 7200;
	uint64_t past = cfg != NULL ? cfg->date_max_past : 7 * 86400;
	const struct msg_header *h = hs->date.h;
	char d1[32], d2[32];
	struct shown sh;
	time_t t;

	if (hs->date.n == 0)
		return ADD(ctx, F_DATE_MISSING, "no Date: header (RFC 5322 requires exactly one)");
	if (hs->date.n > 1)
		return ADD(ctx, F_DATE_COUNT, "%zu Date: headers (lines %u and %u; RFC 5322 allows "
		    "exactly one)", hs->date.n, h->line, hs->date.line2);
	if ((t = hdr_date_parse(h->unfolded)) == -1)
		return ADD(ctx, F_DATE_INVALID, "Date: on line %u is not an RFC 5322 date-time: "
		    "\"%s\"", h->line, show(&sh, h->unfolded));
	if (t > ctx->now && (uint64_t)(t - ctx->now) > fut)
		return ADD(ctx, F_DATE_SKEW, "Date: on line %u is %s ahead of the scan clock "
		    "(DateMaxFuture %s): \"%s\"", h->line,
		    fmt_dur(d1, sizeof(d1), (uint64_t)(t - ctx->now)),
		    fmt_dur(d2, sizeof(d2), fut), show(&sh, h->unfolded));
	if (t < ctx->now && (uint64_t)(ctx->now - t) > past)
		return ADD(ctx, F_DATE_SKEW, "Date: on line %u is %s behind the scan clock "
		    "(DateMaxPast %s): \"%s\"", h->line,
		    fmt_dur(d1, sizeof(d1), (uint64_t)(ctx->now - t)),
		    fmt_dur(d2, sizeof(d2), past), show(&sh, h->unfolded));
	return 0;
}

static int check_dups(struct check_ctx *ctx, const struct hscan *hs)
{
	struct buf sum = BUF_INIT;
	const char *first = NULL;
	struct finding *f = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < N_ONCE; i++) {
		if (hs->once[i].n < 2)
			continue;
		if (first == NULL)
			first = once_names[i];
		if (buf_printf(&sum, "%s%zu %s: headers (lines %u and %u)", sum.len ? "; " : "",
		    hs->once[i].n, once_names[i], hs->once[i].h->line, hs->once[i].line2) < 0)
			rc = -1;
	}
	if (first != NULL && rc == 0) {
		f = ADD_BARE(ctx, F_DUP, "%s; RFC 5322 allows each at most once", buf_cstr(&sum));
		if (f == NULL || finding_predict(f, "gmail", GMAIL_571 RFC5322_NC ". There are "
		    "multiple %s headers", first) < 0 || finding_predict(f, "gmail", "%s",
		    r_dup[0].reply) < 0 || finding_predict(f, "yahoo", YAHOO_POLICY) < 0)
			rc = -1;
	}
	buf_free(&sum);
	return rc;
}

/* skip_bc - past blanks and (unnested) comments */
static const char *skip_bc(const char *v)
{
	for (;;) {
		v += strspn(v, " \t");
		if (*v != '(' || strchr(v, ')') == NULL)
			return v;
		v = strchr(v, ')') + 1;
	}
}

/* id_byte - a byte a Message-ID may hold: visible US-ASCII but for quotes
 * and angle brackets, or any 8-bit byte (RFC 6532 allows UTF-8) */
static bool id_byte(unsigned char c)
{
	return (c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != '"') || c >= 0x80;
}

/* msgid_valid - "<left@right>" with optional blanks and comments around.
 * Lenient where receivers are: an '@' inside the left part (list managers
 * write "<...--a@b.c@host>") splits at the last one, and UTF-8 is allowed;
 * a certain finding must not rest on a pedantic reading. */
static bool msgid_valid(const char *v)
{
	const char *at = NULL, *p;

	v = skip_bc(v);
	if (*v++ != '<')
		return false;
	for (p = v; id_byte((unsigned char)*p); p++)
		if (*p == '@')
			at = p;
	if (*p != '>' || at == NULL || at == v || at + 1 == p)
		return false;
	return *skip_bc(p + 1) == '\0';
}

static int check_msgid(struct check_ctx *ctx, const struct hscan *hs)
{
	const struct msg_header *h = hs->once[ONCE_MESSAGE_ID].h;
	struct shown sh;

	if (h == NULL)
		return ADD(ctx, F_MSGID_MISSING, "no Message-ID: header (RFC 5322: SHOULD be "
		    "present; Gmail rejects some senders without one)");
	if (!msgid_valid(h->unfolded))
		return ADD(ctx, F_MSGID_INVALID, "Message-ID: on line %u is not <left@right>: "
		    "\"%s\"", h->line, show(&sh, h->unfolded));
	return 0;
}

static int check_malformed(struct check_ctx *ctx, const struct hscan *hs)
{
	const struct msg_header *h = hs->malformed.h;
	struct shown sh;
	struct finding *f;

	if (hs->malformed.n == 0)
		return 0;
	if (h->name[0] == '\0')
		return ADD(ctx, F_MALFORMED, "line %u is not a header field (no colon): \"%s\" "
		    "(%zu malformed header lines)", h->line, show(&sh, h->value), hs->malformed.n);
	f = ADD_BARE(ctx, F_MALFORMED, "line %u: field name \"%s\" holds bytes RFC 5322 forbids "
	    "(%zu malformed header lines)", h->line, show(&sh, h->name), hs->malformed.n);
	if (f == NULL || finding_predict(f, "gmail", GMAIL_571 RFC5322_NC ". There is a "
	    "malformed %s header", sh.s) < 0 || finding_predict(f, "yahoo", YAHOO_POLICY) < 0)
		return -1;
	return 0;
}

static int check_long_lines(struct check_ctx *ctx, const struct hscan *hs)
{
	const struct msg_body_stats *b = &ctx->msg->body;
	struct buf sum = BUF_INIT;
	struct shown sh;
	int rc = 0;

	if (hs->longh.n > 0)
		rc |= buf_printf(&sum, "header %s: line %u is %zu octets (%zu headers with lines "
		    "over %d)", show(&sh, hs->longh.h->name), hs->long_line, hs->long_len,
		    hs->longh.n, MSG_LINE_MAX);
	if (b->long_lines > 0)
		rc |= buf_printf(&sum, "%sbody: %" PRIu64 " lines over %d octets, first on body "
		    "line %" PRIu64 ", longest %" PRIu64, sum.len ? "; " : "", b->long_lines,
		    MSG_LINE_MAX, b->first_long_line, b->longest_line);
	if (rc == 0 && sum.len > 0)
		rc = ADD(ctx, F_LONG_LINE, "%s (RFC 5322 limit: 998 octets per line)", sum.data);
	buf_free(&sum);
	return rc;
}

static int check_bare_newlines(struct check_ctx *ctx, const struct hscan *hs)
{
	const struct msg_body_stats *b = &ctx->msg->body;
	const struct seen *hl = hs->crlf_folds ? &hs->bare_lf : NULL;
	struct buf sum = BUF_INIT;
	struct shown sh;
	int rc = 0;

	if (hs->bare_cr.n > 0)
		rc |= buf_printf(&sum, "bare CR in header %s: (line %u; %zu headers)",
		    show(&sh, hs->bare_cr.h->name), hs->bare_cr.h->line, hs->bare_cr.n);
	if (hl != NULL && hl->n > 0)
		rc |= buf_printf(&sum, "%sbare LF in header %s: (line %u; %zu headers) where other "
		    "headers fold with CRLF", sum.len ? "; " : "", show(&sh, hl->h->name),
		    hl->h->line, hl->n);
	if (b->bare_cr + b->bare_lf > 0)
		rc |= buf_printf(&sum, "%sbody: %" PRIu64 " bare LF and %" PRIu64 " bare CR, first "
		    "on body line %" PRIu64, sum.len ? "; " : "", b->bare_lf, b->bare_cr,
		    b->first_bare_line);
	if (rc == 0 && sum.len > 0)
		rc = ADD(ctx, F_BARE_NL, "%s (RFC 5322 allows CR and LF only as CRLF)", sum.data);
	buf_free(&sum);
	return rc;
}

/* check_encoding - NUL, raw 8-bit header bytes, broken encoded-words */
static int check_encoding(struct check_ctx *ctx, const struct hscan *hs)
{
	const struct msg_body_stats *b = &ctx->msg->body;
	const struct msg_header *h;
	struct shown sh, sh2;

	if (b->nul > 0 && ADD(ctx, F_NUL, "%" PRIu64 " NUL bytes in the body (%" PRIu64
	    " body lines)", b->nul, b->lines) < 0)
		return -1;
	if ((h = hs->eightbit.h) != NULL && ADD(ctx, F_HDR_8BIT, "header %s: on line %u holds "
	    "raw 8-bit bytes (%zu headers): \"%s\"", show(&sh, h->name), h->line,
	    hs->eightbit.n, show(&sh2, h->value)) < 0)
		return -1;
	if ((h = hs->ew.h) != NULL && ADD(ctx, F_EW, "header %s: on line %u: %s in \"%s\" (%zu "
	    "headers with malformed encoded-words)", show(&sh, h->name), h->line, hs->ew_why,
	    show(&sh2, h->unfolded + hs->ew_off), hs->ew.n) < 0)
		return -1;
	return 0;
}

/* check_mime - 8-bit body without 8bit/binary CTE; Content-Type without
 * MIME-Version */
static int check_mime(struct check_ctx *ctx, const struct hscan *hs)
{
	const struct msg_body_stats *b = &ctx->msg->body;
	const char *ct = hs->ctype.h ? skip_bc(hs->ctype.h->unfolded) : "";
	const char *cte = hs->cte.h ? skip_bc(hs->cte.h->unfolded) : NULL;
	struct shown sh;

	/* Part headers are not parsed yet, so under a multipart top level the
	 * 8-bit bytes may belong to a part that declares 8bit: say nothing. */
	if (b->eightbit > 0 && strncasecmp(ct, "multipart/", 10) != 0 &&
	    (cte == NULL || strncasecmp(cte, "7bit", 4) == 0) &&
	    ADD(ctx, F_8BIT_UNDECL, "%" PRIu64 " 8-bit bytes in the body, first on body line "
	    "%" PRIu64 ", but Content-Transfer-Encoding is %s%s%s", b->eightbit,
	    b->first_8bit_line, cte ? "\"" : "missing (7bit)", cte ? show(&sh, cte) : "",
	    cte ? "\"" : "") < 0)
		return -1;
	if (hs->ctype.n > 0 && hs->mimever.n == 0 && ADD(ctx, F_MIME_VERSION, "Content-Type: "
	    "on line %u but no MIME-Version: header", hs->ctype.h->line) < 0)
		return -1;
	return 0;
}

static int check_limit(struct check_ctx *ctx)
{
	const struct msg *m = ctx->msg;

	if (m->headers_dropped == 0)
		return 0;
	return ADD(ctx, F_LIMIT, "header section is %" PRIu64 " bytes; %" PRIu64 " headers past "
	    "the first %" PRIu64 " bytes (MaxHeaderBytes) were not inspected",
	    m->header_bytes, m->headers_dropped, m->max_header_bytes);
}

static int format_run(struct check_ctx *ctx, const char **error_r)
{
	struct hscan hs;

	memset(&hs, 0, sizeof(hs));
	scan_headers(ctx->msg, &hs);
	if (check_from(ctx, &hs, error_r) < 0)
		return -1;
	if (check_date(ctx, &hs) < 0 || check_dups(ctx, &hs) < 0 ||
	    check_msgid(ctx, &hs) < 0 || check_malformed(ctx, &hs) < 0 ||
	    check_long_lines(ctx, &hs) < 0 || check_bare_newlines(ctx, &hs) < 0 ||
	    check_encoding(ctx, &hs) < 0 || check_mime(ctx, &hs) < 0 || check_limit(ctx) < 0) {
		*error_r = oom;
		return -1;
	}
	return 0;
}

const struct check_ops check_format_ops = {
	.name = "format",
	.defs = format_defs,
	.run = format_run,
};

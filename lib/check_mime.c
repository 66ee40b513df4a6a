/*
 * check_mime - the MIME structure as a receiver parses it: broken
 * boundaries (Gmail's 554 5.6.0 "malformed"), parts not inspected because
 * a limit was hit, and text parts whose encoding or charset is wrong.
 *
 * Reads the scan's tree (check_mime_tree).  Text leaves that are not
 * attachments are converted with mime_text, at most TEXT_MAX bytes each
 * (counted against MaxDecodedBytes like every decode).  Each finding is
 * emitted once and names up to SHOWN parts: index, type, file name or
 * boundary.  Every loop is bounded by the tree's part count.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "mime.h"

#define TEXT_MAX ((uint64_t)1024 * 1024)
#define SHOWN 3
#define NAME_SHOWN 64

static const char oom[] = "out of memory";

enum { DEF_MALFORMED, DEF_LIMIT, DEF_TEXT_BASE64, DEF_CHARSET, DEF_8BIT };

static const struct finding_reply malformed_replies[] = {
	{ "gmail", "554 5.6.0 Email message is malformed. Not accepted." },
	{ NULL, NULL }
};

static const struct finding_def mime_defs[] = {
	[DEF_MALFORMED] = { "mime-malformed", CAT_CONTENT, 5, false,
		"broken MIME structure (missing or unused boundaries)",
		"Fix the program that builds the message: every multipart needs a boundary= "
		"that delimits its parts and a closing --boundary-- line.",
		malformed_replies },
	[DEF_LIMIT] = { "mime-limit", CAT_CONTENT, 2, false,
		"message not fully inspected (MIME parts, depth, decoded bytes or scan time over a limit)",
		"Raise MaxMimeParts, MaxMimeDepth, MaxDecodedBytes, MaxBodyBytes or MaxScanTime if "
		"such messages are legitimate; deeply nested or huge messages are also suspect to receivers.",
		NULL },
	[DEF_TEXT_BASE64] = { "mime-text-base64", CAT_CONTENT, 1, false,
		"text part sent as base64",
		"Send text as quoted-printable or 8bit; base64-encoded text is a spam signal.",
		NULL },
	[DEF_CHARSET] = { "mime-charset-mismatch", CAT_CONTENT, 2, false,
		"text bytes do not match the declared charset",
		"Declare the charset the text is really written in (usually charset=utf-8).",
		NULL },
	[DEF_8BIT] = { "mime-8bit-undeclared", CAT_CONTENT, 2, false,
		"8-bit text in a part declared 7bit (or with no Content-Transfer-Encoding)",
		"Declare Content-Transfer-Encoding: 8bit (or quoted-printable) for non-ASCII text.",
		NULL },
	{ NULL, 0, 0, false, NULL, NULL, NULL },
};

/* put_shown - s shortened and with control bytes replaced, quoted */
static int put_shown(struct buf *b, const char *s)
{
	size_t i;
	int rc = buf_putc(b, '"');

	for (i = 0; s[i] != '\0' && i < NAME_SHOWN && rc == 0; i++)
		rc = buf_putc(b, (unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '"' ?
		    '?' : s[i]);
	if (rc == 0 && s[i] != '\0')
		rc = buf_puts(b, "...");
	return rc < 0 ? -1 : buf_putc(b, '"');
}

/* describe - "part 2 (application/pdf "a.pdf")" into b */
static int describe(struct buf *b, const struct mime_part *p)
{
	int rc = buf_printf(b, "part %u (%s", p->index, p->type);

	if (rc == 0 && p->filename != NULL)
		rc = buf_putc(b, ' ') < 0 ? -1 : put_shown(b, p->filename);
	if (rc == 0 && p->charset != NULL)
		rc = buf_printf(b, ", charset %s", p->charset);
	return rc < 0 ? -1 : buf_putc(b, ')');
}

/* list_add - append p to a "; "-separated list of at most SHOWN */
static int list_add(struct buf *b, unsigned *n, const struct mime_part *p, const char *what)
{
	int rc = 0;

	if (++*n > SHOWN)
		return 0;
	if (b->len > 0)
		rc = buf_puts(b, "; ");
	if (rc == 0)
		rc = describe(b, p);
	if (rc == 0 && what != NULL)
		rc = buf_printf(b, " %s", what);
	return rc;
}

static int emit(struct check_ctx *ctx, int def, struct buf *b, unsigned n,
    const char *lead)
{
	struct finding *f;

	if (n == 0)
		return 0;
	if (n > SHOWN && buf_printf(b, "; and %u more", n - SHOWN) < 0)
		return -1;
	f = finding_add(ctx->findings, &mime_defs[def], "%s%s", lead, buf_cstr(b));
	return f == NULL ? -1 : 0;
}

/* problem_text - evidence for one part's structure problems */
static int problem_text(struct buf *b, const struct mime_part *p)
{
	const char *bd = p->boundary != NULL ? p->boundary : "";
	int rc = 0;

	if (p->problems & MIME_P_NO_END_BOUNDARY)
		rc |= buf_printf(b, ", boundary \"%.64s\" never closed (no --%.64s--)", bd, bd);
	if (p->problems & MIME_P_BOUNDARY_UNUSED)
		rc |= buf_printf(b, ", boundary \"%.64s\" declared but never used", bd);
	if (p->problems & MIME_P_EMPTY_MULTIPART)
		rc |= buf_printf(b, ", no parts inside boundary \"%.64s\"", bd);
	if (p->problems & MIME_P_NO_BOUNDARY)
		rc |= buf_puts(b, ", multipart without boundary=");
	if (p->problems & MIME_P_BAD_CTE)
		rc |= buf_printf(b, ", unknown Content-Transfer-Encoding \"%.32s\"",
		    p->encoding ? p->encoding : "");
	if (p->problems & MIME_P_BAD_BASE64)
		rc |= buf_puts(b, ", base64 holding bytes outside the alphabet");
	return rc < 0 ? -1 : 0;
}

static int check_malformed(struct check_ctx *ctx, const struct mime_tree *t)
{
	/* a body cut at MaxBodyBytes ends early: that is mime-limit's to say */
	unsigned mask = ctx->msg->body_truncated ? ~(unsigned)(MIME_P_NO_END_BOUNDARY |
	    MIME_P_BOUNDARY_UNUSED | MIME_P_BAD_BASE64) : ~0u;
	struct buf b = BUF_INIT;
	struct mime_part shown;
	unsigned n = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i < t->nparts && rc == 0; i++) {
		if ((t->parts[i].problems & mask) == 0 || ++n > SHOWN)
			continue;
		shown = t->parts[i];
		shown.problems &= mask;
		if ((b.len > 0 && buf_puts(&b, "; ") < 0) || describe(&b, &shown) < 0 ||
		    problem_text(&b, &shown) < 0)
			rc = -1;
	}
	/* GMime reads a multipart without boundary= as one leaf */
	if (rc == 0 && n == 0 && (t->problems & MIME_P_NO_BOUNDARY)) {
		n = 1;
		rc = buf_puts(&b, "a multipart without boundary=");
	}
	if (rc == 0)
		rc = emit(ctx, DEF_MALFORMED, &b, n, "");
	buf_free(&b);
	return rc;
}

/* decoded_estimate - the decoded size of every leaf, from its encoded size */
static uint64_t decoded_estimate(const struct mime_tree *t)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < t->nparts; i++) {
		const struct mime_part *p = &t->parts[i];

		if (p->multipart || p->message)
			continue;
		sum += p->encoding != NULL && strcmp(p->encoding, "base64") == 0 ?
		    p->encoded_size / 4 * 3 : p->encoded_size;
	}
	return sum;
}

static int check_limits(struct check_ctx *ctx, const struct mime_tree *t)
{
	struct buf b = BUF_INIT;
	uint64_t est = decoded_estimate(t);
	int rc = 0;

	if (t->limit_parts)
		rc |= buf_printf(&b, "%smore than MaxMimeParts (%u) parts, only %zu inspected",
		    b.len ? "; " : "", t->limits.max_parts, t->nparts);
	if (t->limit_depth)
		rc |= buf_printf(&b, "%snested deeper than MaxMimeDepth (%u)",
		    b.len ? "; " : "", t->limits.max_depth);
	if (t->limit_decoded || (t->limits.max_decoded && est > t->limits.max_decoded))
		rc |= buf_printf(&b, "%sabout %" PRIu64 " decoded bytes, over MaxDecodedBytes (%"
		    PRIu64 ")", b.len ? "; " : "", est, t->limits.max_decoded);
	if (ctx->msg->body_truncated && ctx->msg->spool_error != NULL)
		rc |= buf_printf(&b, "%sthe body could not be kept (%s), only the first %zu"
		    " bytes inspected", b.len ? "; " : "", ctx->msg->spool_error,
		    (size_t)msg_body_kept(ctx->msg));
	else if (ctx->msg->body_truncated)
		rc |= buf_printf(&b, "%sbody of %" PRIu64 " bytes over MaxBodyBytes (%" PRIu64
		    "), only the first %zu inspected", b.len ? "; " : "", ctx->msg->body.bytes,
		    ctx->msg->body_keep, (size_t)msg_body_kept(ctx->msg));
	if (rc == 0 && b.len > 0)
		rc = emit(ctx, DEF_LIMIT, &b, 1, "not fully inspected: ");
	buf_free(&b);
	return rc < 0 ? -1 : 0;
}

static bool is_text_leaf(const struct mime_part *p)
{
	return !p->multipart && !p->message && !p->attachment &&
	    strncmp(p->type, "text/", 5) == 0;
}

static bool has_8bit(const struct buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] >= 0x80)
			return true;
	return false;
}

/* check_texts - base64 text, charset mismatch, undeclared 8-bit */
static int check_texts(struct check_ctx *ctx, struct mime_tree *t, const char **error_r)
{
	struct buf l64 = BUF_INIT, lcs = BUF_INIT, l8 = BUF_INIT, txt = BUF_INIT;
	unsigned n64 = 0, ncs = 0, n8 = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i < t->nparts && rc == 0; i++) {
		const struct mime_part *p = &t->parts[i];
		bool ok = true, sevenbit;

		if (!is_text_leaf(p))
			continue;
		sevenbit = p->encoding == NULL || strcmp(p->encoding, "7bit") == 0;
		if (p->encoding != NULL && strcmp(p->encoding, "base64") == 0)
			rc |= list_add(&l64, &n64, p, NULL);
		buf_truncate(&txt, 0);
		if (mime_text(t, i, TEXT_MAX, &txt, &ok, error_r) < 0) {
			buf_free(&l64), buf_free(&lcs), buf_free(&l8), buf_free(&txt);
			return -1;
		}
		if (sevenbit && has_8bit(&txt))
			rc |= list_add(&l8, &n8, p, "has 8-bit bytes");
		else if (!ok && (p->charset != NULL || !sevenbit))
			rc |= list_add(&lcs, &ncs, p, p->charset ?
			    "bytes are not valid in that charset" : "8-bit bytes and no charset");
	}
	if (rc == 0)
		rc = emit(ctx, DEF_TEXT_BASE64, &l64, n64, "text sent as base64: ");
	if (rc == 0)
		rc = emit(ctx, DEF_CHARSET, &lcs, ncs, "");
	if (rc == 0)
		rc = emit(ctx, DEF_8BIT, &l8, n8, "no 8bit Content-Transfer-Encoding: ");
	buf_free(&l64), buf_free(&lcs), buf_free(&l8), buf_free(&txt);
	if (rc != 0)
		*error_r = oom;
	return rc != 0 ? -1 : 0;
}

static int mime_run(struct check_ctx *ctx, const char **error_r)
{
	struct mime_tree *t = check_mime_tree(ctx, error_r);

	if (t == NULL)
		return -1;
	if (check_malformed(ctx, t) < 0 || check_limits(ctx, t) < 0) {
		*error_r = oom;
		return -1;
	}
	return check_texts(ctx, t, error_r);
}

const struct check_ops check_mime_ops = { "mime", mime_defs, mime_run };

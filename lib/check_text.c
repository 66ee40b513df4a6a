/*
 * check_text - subject and body heuristics: an all-caps subject, runs of
 * "!!!" or "$$$", classic spam phrases, a display name that names another
 * domain than the From address, a From in a big consumer mailbox domain,
 * and bulk mail without a visible unsubscribe link.
 *
 * All are weak signals (content filters weigh them; no receiver rejects on
 * one alone), except the freemail From, which fails DMARC at the provider.
 * Text comes from the inline text/plain and text/html parts (mime_text,
 * at most TEXT_MAX bytes per part); HTML is reduced to text by a cheap tag
 * strip, never parsed again.  Whitespace runs fold to one blank so that a
 * phrase split over lines still matches.  Every loop is bounded by the
 * part cap, so hostile bodies cost linear time.
 */
#include <ctype.h>
#include <gmime/gmime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "check.h"
#include "dmarc.h"
#include "mime.h"
#include "textscan.h"
#include "url.h"

static const char oom[] = "out of memory";

#define TEXT_MAX ((uint64_t)1 << 20)	/* bytes read per part */
#define SUBJECT_MAX 2048		/* subject bytes looked at */
#define CAPS_MIN_LETTERS 12
#define CAPS_PERCENT 80
#define RUN_MIN 3			/* "!!!" */
#define PHRASES_MIN 2
#define SHOW_MAX 80			/* evidence bytes quoted in a summary */

enum { F_CAPS, F_PUNCT, F_PHRASES, F_IMPERSONATION, F_FREEMAIL, F_UNSUB, F_COUNT };

static const struct finding_reply r_none[] = { { NULL, NULL } };
static const struct finding_reply r_unsolicited[] = {
	{ "gmail", "550-5.7.1 [...] This message is likely unsolicited email. To reduce the "
	  "amount of spam sent to Gmail, this message has been blocked." },
	{ NULL, NULL },
};
static const struct finding_reply r_unsub[] = {
	{ "gmail", "Marketing messages and subscribed messages must [...] include a clearly "
	  "visible unsubscribe link in the message body" },
	{ NULL, NULL },
};

#define DEF(ix, id, cat, score, title, remedy, r) \
	[ix] = { id, cat, score, false, title, remedy, r }

static const struct finding_def text_defs[] = {
	DEF(F_CAPS, "text-subject-caps", CAT_CONTENT, 1, "the subject is mostly upper case",
	    "Write the subject in normal sentence case.", r_none),
	DEF(F_PUNCT, "text-punctuation-runs", CAT_CONTENT, 1,
	    "runs of \"!!!\", \"???\" or \"$$$\" in the subject or text",
	    "Use single punctuation marks; runs of them are a classic spam sign.", r_none),
	DEF(F_PHRASES, "text-spam-phrases", CAT_CONTENT, 2, "several classic spam phrases",
	    "Reword the message without stock spam phrases (\"act now\", \"100% free\", ...).",
	    r_none),
	DEF(F_IMPERSONATION, "text-display-name-impersonation", CAT_CONTENT, 3,
	    "the From display name names another domain than the From address",
	    "Put a plain name in the display name, not an address or a domain of someone else.",
	    r_unsolicited),
	DEF(F_FREEMAIL, "text-freemail-from", CAT_AUTH, 5,
	    "From is a big consumer mailbox domain sent through this relay",
	    "Send from your own domain; gmail.com, outlook.com, yahoo.com and the like publish "
	    "DMARC p=reject/quarantine, so mail with their From sent from elsewhere fails.",
	    r_none),
	DEF(F_UNSUB, "bulk-no-visible-unsubscribe", CAT_BULK, 3,
	    "bulk mail without a visible unsubscribe link in the body",
	    "Add an unsubscribe link to the body of every bulk message.", r_unsub),
	{ NULL, 0, 0, false, NULL, NULL, NULL },
};

/* Conservative on purpose: each of these alone is common enough in ham,
 * so only two or more distinct ones count. */
static const char *const phrases[] = {
	"100% free", "act now", "risk-free", "risk free", "winner", "click here to claim",
	"no credit check", "viagra", "casino bonus", "you have been selected",
	"double your money", "lowest price guaranteed", NULL,
};

static const char *const unsub_words[] = {
	"unsubscribe", "opt out", "opt-out", "abmelden", "d\xc3\xa9sabonner", "darse de baja",
	NULL,
};

/* Exact domains; the names below also match any public suffix. */
static const char *const freemail[] = {
	"gmail.com", "googlemail.com", "outlook.com", "msn.com", "aol.com", "icloud.com",
	"me.com", "mac.com", NULL,
};
static const char *const freemail_any_tld[] = { "hotmail", "live", "yahoo", NULL };

struct text_state {
	struct buf text;	/* subject and part texts, blanks folded */
	bool any_body;		/* a text part was read */
	bool unsub;		/* a text part mentions unsubscribing */
};

static const char *find_word(const char *s, size_t n, const char *w)
{
	return textscan_find(s, n, w, true);
}

/* fold_append - append s[0..n) to out with whitespace runs as one blank;
 * the text between blanks goes in one piece */
static int fold_append(struct buf *out, const char *s, size_t n)
{
	bool blank = out->len == 0 || out->data[out->len - 1] == ' ';
	size_t i = 0, j;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (isspace(c) || c == '\0') {
			if (!blank && buf_putc(out, ' ') < 0)
				return -1;
			blank = true;
			i++;
			continue;
		}
		for (j = i + 1; j < n && !isspace((unsigned char)s[j]) && s[j] != '\0'; j++)
			;
		if (buf_append(out, s + i, j - i) < 0)
			return -1;
		blank = false;
		i = j;
	}
	return 0;
}

/* entity - the text of a few common entities at s (&amp; ...); *len_r gets
 * the bytes consumed, 0 when s is no entity known here */
static const char *entity(const char *s, size_t n, size_t *len_r)
{
	static const struct { const char *name, *text; } ents[] = {
		{ "&nbsp;", " " }, { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
		{ "&quot;", "\"" }, { "&#33;", "!" }, { "&#36;", "$" }, { "&#63;", "?" },
	};
	size_t k, l;

	for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
		l = strlen(ents[k].name);
		if (l <= n && strncasecmp(s, ents[k].name, l) == 0) {
			*len_r = l;
			return ents[k].text;
		}
	}
	*len_r = 0;
	return NULL;
}

/* strip_tags - append the text of html to out: tags dropped (a blank in
 * their place), script and style content dropped, a few entities decoded */
static int strip_tags(const char *h, size_t n, struct buf *out)
{
	size_t i = 0, el;
	const char *e, *end;

	while (i < n) {
		if (h[i] == '<') {
			bool skip = strncasecmp(h + i, "<script", 7) == 0 ||
			    strncasecmp(h + i, "<style", 6) == 0;
			const char *close = skip ? (h[i + 2] == 'c' || h[i + 2] == 'C' ?
			    "</script" : "</style") : NULL;

			if (close != NULL && (end = find_word(h + i, n - i, close)) != NULL)
				i = (size_t)(end - h);
			else if (close != NULL)
				break;
			end = memchr(h + i, '>', n - i);
			i = end != NULL ? (size_t)(end - h) + 1 : n;
			if (fold_append(out, " ", 1) < 0)
				return -1;
		} else if (h[i] == '&' && (e = entity(h + i, n - i, &el)) != NULL) {
			if (fold_append(out, e, strlen(e)) < 0)
				return -1;
			i += el;
		} else {
			size_t j = i + 1;

			while (j < n && h[j] != '<' && h[j] != '&')
				j++;
			if (fold_append(out, h + i, j - i) < 0)
				return -1;
			i = j;
		}
	}
	return 0;
}

/* has_unsub - s[0..n) mentions unsubscribing (in a link or in the text) */
static bool has_unsub(const char *s, size_t n)
{
	static const char *const in_url[] = { "unsub", NULL };
	bool found[TEXTSCAN_MAX];

	if (textscan_words(s, n, unsub_words, true, found) > 0)
		return true;
	/* "unsubscribe" inside a URL: /unsubscribe?id=, list-unsubscribe@ */
	return textscan_words(s, n, in_url, false, found) > 0;
}

/* read_parts - every inline text part into st */
static int read_parts(struct check_ctx *ctx, struct mime_tree *t, struct text_state *st,
    const char **error_r)
{
	const char *text;
	size_t i, len;
	int rc = 0;

	for (i = 0; i < t->nparts && rc == 0 && !check_expired(ctx, "text"); i++) {
		const struct mime_part *p = &t->parts[i];
		bool html = strcmp(p->type, "text/html") == 0;

		if (p->multipart || p->message || p->attachment ||
		    (!html && strcmp(p->type, "text/plain") != 0))
			continue;
		if (check_part_text(ctx, i, TEXT_MAX, &text, &len, NULL, error_r) < 0) {
			rc = -1;
			break;
		}
		st->any_body = true;
		if (!st->unsub && has_unsub(text, len))
			st->unsub = true;
		if (fold_append(&st->text, " ", 1) < 0)
			rc = -1;
		else if (html)
			rc = strip_tags(text, len, &st->text);
		else
			rc = fold_append(&st->text, text, len);
	}
	return rc;
}

/* show - s cut to SHOW_MAX bytes for a summary, into out */
static const char *show(const char *s, struct buf *out)
{
	size_t n = strlen(s);

	buf_truncate(out, 0);
	if (n <= SHOW_MAX)
		return buf_puts(out, s) < 0 ? "" : buf_cstr(out);
	n = SHOW_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;	/* do not cut a UTF-8 sequence */
	if (buf_append(out, s, n) < 0 || buf_puts(out, "...") < 0)
		return "";
	return buf_cstr(out);
}

/* caps_subject - subject has CAPS_MIN_LETTERS+ letters, mostly upper case */
static bool caps_subject(const char *s)
{
	size_t letters = 0, upper = 0;

	for (; *s != '\0'; s++) {
		if (isupper((unsigned char)*s))
			upper++;
		if (isalpha((unsigned char)*s))
			letters++;
	}
	return letters >= CAPS_MIN_LETTERS && upper * 100 >= letters * CAPS_PERCENT;
}

/* punct_run - the first run of RUN_MIN+ '!', '?' or '$' in s[0..n):
 * the same mark repeated, or '!' and '?' mixed ("?!?") */
static const char *punct_run(const char *s, size_t n, size_t *len_r)
{
	size_t i = 0, j;

	while (i < n) {
		char c = s[i];

		if (c != '!' && c != '?' && c != '$') {
			i++;
			continue;
		}
		for (j = i; j < n && (s[j] == c || (c != '$' && (s[j] == '!' || s[j] == '?')));
		    j++)
			;
		if (j - i >= RUN_MIN) {
			*len_r = j - i;
			return s + i;
		}
		i = j;
	}
	return NULL;
}

/* decode - header value as UTF-8 text (RFC 2047 words decoded), at most
 * max bytes of the input; NULL when out of memory */
static char *decode(const char *v, size_t max)
{
	char *in = strndup(v, max), *g, *out;

	if (in == NULL)
		return NULL;
	g = g_mime_utils_header_decode_text(NULL, in);
	free(in);
	if (g == NULL)
		return strndup(v, max);
	out = strdup(g);
	g_free(g);
	return out;
}

/* display_name - the display name of a From value into out: the text
 * before the angle address, or the comment of "a@b (Name)" */
static int display_name(const char *v, struct buf *out)
{
	const char *p, *lt = NULL, *end;
	bool q = false;

	for (p = v; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			q = !q;
		else if (*p == '<' && !q) {
			lt = p;
			break;
		}
	}
	if (lt != NULL)
		return buf_append(out, v, (size_t)(lt - v));
	if ((p = strchr(v, '(')) != NULL && (end = strrchr(p, ')')) != NULL)
		return buf_append(out, p + 1, (size_t)(end - p - 1));
	return 0;
}

/* foreign_domain - a domain named in display name dn whose registrable
 * domain is not from_org, into out; false when there is none */
static bool foreign_domain(const char *dn, const char *from_org, char *out, size_t outsz)
{
	static const char seps[] = " \t\"'()<>[],;:|";
	char tok[URL_HOST_MAX + 1], host[URL_HOST_MAX + 1], org[URL_HOST_MAX + 1];
	const char *p = dn, *at;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, seps);
		n = strcspn(p, seps);
		if (n == 0)
			break;
		if (n < sizeof(tok)) {
			memcpy(tok, p, n);
			tok[n] = '\0';
			at = strrchr(tok, '@');
			if (url_text_host(at != NULL ? at + 1 : tok, host, sizeof(host)) &&
			    dmarc_org_domain(host, org, sizeof(org)) && strcmp(org, from_org) != 0) {
				snprintf(out, outsz, "%s", host);
				return true;
			}
		}
		p += n;
	}
	return false;
}

/* is_freemail - the From domain (its registrable domain org) is a big
 * consumer mailbox provider */
static bool is_freemail(const char *domain, const char *org)
{
	size_t k, l;

	for (k = 0; freemail[k] != NULL; k++)
		if (strcasecmp(domain, freemail[k]) == 0 || strcmp(org, freemail[k]) == 0)
			return true;
	for (k = 0; freemail_any_tld[k] != NULL; k++) {
		l = strlen(freemail_any_tld[k]);
		if (strncmp(org, freemail_any_tld[k], l) == 0 && org[l] == '.')
			return true;
	}
	return false;
}

#define ADD(ix, ...) do {						\
	if (finding_add(ctx->findings, &text_defs[ix], __VA_ARGS__) == NULL) \
		goto nomem;						\
} while (0)

/* check_from - display-name impersonation and freemail From */
static int check_from(struct check_ctx *ctx)
{
	const struct msg_header *hd = msg_header_get(ctx->msg, "From", 0);
	struct addr_list l = ADDR_LIST_INIT;
	struct buf dn = BUF_INIT, sh = BUF_INIT;
	char org[URL_HOST_MAX + 1], other[URL_HOST_MAX + 1], *name = NULL;
	const char *err, *dom;
	struct finding *f;

	if (hd == NULL || hd->unfolded == NULL)
		return 0;
	if (addr_parse_list(hd->unfolded, &l, &err) < 0)
		return -1;
	if (l.n == 0 || (dom = l.v[0].domain) == NULL || !dmarc_org_domain(dom, org, sizeof(org)))
		goto done;
	if (display_name(hd->unfolded, &dn) < 0 || (name = decode(buf_cstr(&dn), 1024)) == NULL)
		goto nomem;
	if (foreign_domain(name, org, other, sizeof(other)))
		ADD(F_IMPERSONATION, "From display name \"%s\" names %s, but the address is in %s",
		    show(name, &sh), other, org);
	if (is_freemail(dom, org)) {
		if ((f = finding_add(ctx->findings, &text_defs[F_FREEMAIL], "From <%s@%s> is a "
		    "consumer mailbox domain; its DMARC policy fails mail sent from here",
		    l.v[0].local ? l.v[0].local : "", dom)) == NULL)
			goto nomem;
		if (finding_predict(f, "gmail", "550-5.7.26 Unauthenticated email from %s is not "
		    "accepted due to domain's DMARC policy. [...] Don't impersonate Gmail From: "
		    "headers", org) < 0)
			goto nomem;
	}
done:
	free(name);
	buf_free(&dn);
	buf_free(&sh);
	addr_list_free(&l);
	return 0;
nomem:
	free(name);
	buf_free(&dn);
	buf_free(&sh);
	addr_list_free(&l);
	return -1;
}

/* phrase_hits - the distinct spam phrases in s, listed into out */
static unsigned phrase_hits(const char *s, size_t n, struct buf *out)
{
	bool found[TEXTSCAN_MAX];
	unsigned hits = 0;
	size_t k;

	if (textscan_words(s, n, phrases, true, found) == 0)
		return 0;
	for (k = 0; phrases[k] != NULL; k++) {
		if (!found[k])
			continue;
		if (buf_printf(out, "%s\"%s\"", hits > 0 ? ", " : "", phrases[k]) < 0)
			return 0;
		hits++;
	}
	return hits;
}

/* check_content - subject and text findings */
static int check_content(struct check_ctx *ctx, struct text_state *st, const char *subject)
{
	struct buf sh = BUF_INIT, list = BUF_INIT;
	const char *run, *where;
	size_t rlen = 0;
	unsigned hits;

	if (subject != NULL && caps_subject(subject))
		ADD(F_CAPS, "Subject \"%s\" is mostly upper case", show(subject, &sh));
	where = "the subject";
	if (subject == NULL || (run = punct_run(subject, strlen(subject), &rlen)) == NULL) {
		where = "the text";
		run = punct_run(buf_cstr(&st->text), st->text.len, &rlen);
	}
	if (run != NULL)
		ADD(F_PUNCT, "\"%.*s\" in %s", (int)(rlen > 20 ? 20 : rlen), run, where);
	hits = phrase_hits(buf_cstr(&st->text), st->text.len, &list);
	if (hits >= PHRASES_MIN)
		ADD(F_PHRASES, "%u spam phrases: %s", hits, buf_cstr(&list));
	buf_free(&sh);
	buf_free(&list);
	return 0;
nomem:
	buf_free(&sh);
	buf_free(&list);
	return -1;
}

static int text_run(struct check_ctx *ctx, const char **error_r)
{
	struct mime_tree *t = check_mime_tree(ctx, error_r);
	const struct msg_header *hs = msg_header_get(ctx->msg, "Subject", 0);
	struct text_state st = { BUF_INIT, false, false };
	const char *bulk;
	char *subject = NULL;
	int rc = 0;

	if (t == NULL)	/* also the GMime initialisation decode() needs */
		return -1;
	*error_r = NULL;
	if (hs != NULL && hs->unfolded != NULL &&
	    (subject = decode(hs->unfolded, SUBJECT_MAX)) == NULL)
		rc = -1;
	if (rc == 0 && subject != NULL && fold_append(&st.text, subject, strlen(subject)) < 0)
		rc = -1;
	if (rc == 0)
		rc = read_parts(ctx, t, &st, error_r);
	if (rc == 0)
		rc = check_content(ctx, &st, subject);
	if (rc == 0)
		rc = check_from(ctx);
	bulk = dmarc_bulk_reason(ctx->msg, ctx->cfg);
	if (rc == 0 && bulk != NULL && !st.unsub &&
	    finding_add(ctx->findings, &text_defs[F_UNSUB], "bulk mail (%s) with no "
	    "\"unsubscribe\" or \"opt out\" in any text or HTML part", bulk) == NULL)
		rc = -1;
	if (rc < 0 && *error_r == NULL)
		*error_r = oom;
	free(subject);
	buf_free(&st.text);
	return rc;
}

const struct check_ops check_text_ops = { "text", text_defs, text_run };

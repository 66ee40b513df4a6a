/*
 * check_html - what the HTML parts of a message show and hide.
 *
 * Each text/html part that is not an attachment is converted to UTF-8,
 * cut at MaxHtmlBytes and scanned once per message (check_part_html, shared
 * with check_url); each
 * finding is reported at most once per part, with the part index and the
 * first piece of evidence.  Hidden text is judged from inline styles
 * only (html.h).  Link mismatch follows Yahoo's PH01 content blocks:
 * the visible text of a link names a URL or domain whose registrable
 * domain is not the href's.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "dmarc.h"
#include "html.h"
#include "mime.h"
#include "url.h"

static const char oom[] = "out of memory";

#define DEFAULT_MAX_HTML ((uint64_t)4 << 20)
/* hidden characters worth a finding: zero-font tricks hide a few letters */
#define HIDDEN_MIN 5
#define IMAGE_TEXT_MIN 100	/* visible characters an image-only mail lacks */
#define IMAGE_TEXT_PER 40	/* visible characters expected per image */
#define SHOW_MAX 60

#define YAHOO_PH01 "554 Message not allowed - [PH01] Email not accepted for policy reasons"
#define GMAIL_UNSOLICITED "550-5.7.1 [...] This message is likely unsolicited email. To " \
	"reduce the amount of spam sent to Gmail, this message has been blocked"

enum {
	F_NO_ALT, F_IMAGE_HEAVY, F_HIDDEN, F_MISMATCH, F_SCRIPT, F_FORM, F_IFRAME, F_JS_URL,
	F_BROKEN, F_REMOTE_IMAGES, F_TOO_LARGE, F_COUNT
};

static const struct finding_reply r_ph01[] = { { "yahoo", YAHOO_PH01 }, { NULL, NULL } };
static const struct finding_reply r_spam[] = { { "gmail", GMAIL_UNSOLICITED },
	{ NULL, NULL } };
static const struct finding_reply r_none[] = { { NULL, NULL } };

#define DEF(ix, id, score, title, remedy, replies) \
	[ix] = { id, CAT_CONTENT, score, false, title, remedy, replies }

static const struct finding_def html_defs[] = {
	DEF(F_NO_ALT, "html-no-text-alternative", 2, "HTML part without a text/plain alternative",
	    "Send HTML as multipart/alternative with a text/plain version of the same content.",
	    r_spam),
	DEF(F_IMAGE_HEAVY, "html-image-heavy", 2, "HTML mostly images with little text",
	    "Put the message in text, not in images; keep a reasonable text-to-image ratio.", r_spam),
	DEF(F_HIDDEN, "html-hidden-text", 3, "text hidden by inline styles",
	    "Remove hidden text (display:none, zero font size, text coloured like its background).",
	    r_spam),
	DEF(F_MISMATCH, "html-link-mismatch", 5, "link text shows a domain other than the link's",
	    "Make the visible text of each link show the domain the link really goes to.", r_ph01),
	DEF(F_SCRIPT, "html-script", 3, "HTML holds <script>",
	    "Remove scripts: mail clients do not run them and filters distrust them.", r_none),
	DEF(F_FORM, "html-form", 3, "HTML holds a <form>",
	    "Link to a web page instead of embedding a form in the mail.", r_none),
	DEF(F_IFRAME, "html-iframe", 3, "HTML holds an <iframe> or <frame>",
	    "Remove frames; link to the content instead.", r_none),
	DEF(F_JS_URL, "html-javascript-url", 3, "HTML holds javascript: URLs",
	    "Replace javascript: links with ordinary https links.", r_none),
	DEF(F_BROKEN, "html-broken", 2, "badly broken HTML markup",
	    "Generate the HTML with a proper template engine and validate it.", r_none),
	DEF(F_REMOTE_IMAGES, "html-remote-images", 1, "HTML loads remote images",
	    "Fewer remote images; many clients block them and filters count them.", r_none),
	DEF(F_TOO_LARGE, "html-too-large", 1, "HTML too large or too deep to inspect fully",
	    "Keep the HTML small (Gmail clips messages over 102 KB) and simply structured.", r_none),
	{ NULL, 0, 0, false, NULL, NULL, NULL },
};

/* has_text_alternative - part i sits in a multipart/alternative that also
 * holds a text/plain part (directly or in a nested multipart) */
static bool has_text_alternative(const struct mime_tree *t, size_t i)
{
	int a = t->parts[i].parent;
	size_t j;

	while (a >= 0 && (size_t)a < t->nparts &&
	    strcmp(t->parts[a].type, "multipart/alternative") != 0)
		a = t->parts[a].parent < a ? t->parts[a].parent : -1;
	if (a < 0 || (size_t)a >= t->nparts)
		return false;
	for (j = (size_t)a + 1; j < t->nparts && t->parts[j].depth > t->parts[a].depth; j++)
		if (strcmp(t->parts[j].type, "text/plain") == 0 && !t->parts[j].attachment)
			return true;
	return false;
}

/* show - s as printable ASCII for a summary (a static "" on failure) */
static const char *show(struct buf *b, const char *s)
{
	buf_truncate(b, 0);
	if (s == NULL || dmarc_show(b, s, SHOW_MAX) < 0)
		return "";
	return buf_cstr(b);
}

struct mismatch {
	unsigned n;
	size_t first;		/* index of the first mismatched link */
	char text_reg[URL_HOST_MAX + 1], href_reg[URL_HOST_MAX + 1];
};

/* find_mismatch - links whose visible text names another domain */
static int find_mismatch(const struct html_info *h, struct mismatch *mm, const char **error_r)
{
	char th[URL_HOST_MAX + 1], treg[URL_HOST_MAX + 1];
	const char *err = NULL;
	struct url u;
	size_t i;

	memset(mm, 0, sizeof(*mm));
	for (i = 0; i < h->nlinks; i++) {
		if (!url_text_host(h->links[i].text, th, sizeof(th)))
			continue;
		if (!url_parse(h->links[i].href, strlen(h->links[i].href), &u, &err)) {
			if (err != NULL) {
				*error_r = oom;
				return -1;
			}
			continue;
		}
		if (!url_host_reg(th, treg, sizeof(treg)))
			snprintf(treg, sizeof(treg), "%s", th);
		if (strcmp(treg, u.reg[0] != '\0' ? u.reg : u.host) != 0 && mm->n++ == 0) {
			mm->first = i;
			snprintf(mm->text_reg, sizeof(mm->text_reg), "%s", treg);
			snprintf(mm->href_reg, sizeof(mm->href_reg), "%s",
			    u.reg[0] != '\0' ? u.reg : u.host);
		}
		url_free(&u);
	}
	return 0;
}

#define ADD(ix, ...) do {						\
	if (finding_add(ctx->findings, &html_defs[ix], __VA_ARGS__) == NULL) \
		goto nomem;						\
} while (0)

/* report_tags - the elements and URLs a mail should not carry */
static int report_tags(struct check_ctx *ctx, unsigned pi, const struct html_info *h,
    struct buf *s)
{
	if (h->scripts > 0)
		ADD(F_SCRIPT, "part %u: %u <script> element(s)", pi, h->scripts);
	if (h->forms > 0)
		ADD(F_FORM, "part %u: %u <form> element(s)", pi, h->forms);
	if (h->iframes > 0)
		ADD(F_IFRAME, "part %u: %u <iframe>/<frame> element(s)", pi, h->iframes);
	if (h->js_urls > 0)
		ADD(F_JS_URL, "part %u: %u javascript: URL(s), the first \"%s\"", pi, h->js_urls,
		    show(s, h->js_url));
	if (h->remote_images > 0)
		ADD(F_REMOTE_IMAGES, "part %u: %u remote image(s) of %u", pi, h->remote_images,
		    h->images);
	if (h->broken)
		ADD(F_BROKEN, "part %u: %u HTML parse errors in %u tags", pi, h->errors, h->tags);
	return 0;
nomem:
	return -1;
}

/* report_part - the findings of one scanned HTML part */
static int report_part(struct check_ctx *ctx, const struct mime_tree *t, size_t i,
    const struct html_info *h, bool too_large, const char **error_r)
{
	unsigned pi = t->parts[i].index;
	struct buf s = BUF_INIT, s2 = BUF_INIT;
	struct mismatch mm;

	if (!has_text_alternative(t, i))
		ADD(F_NO_ALT, "part %u (text/html) is not in a multipart/alternative with a "
		    "text/plain part", pi);
	if (h->images > 0 && (h->text_len < IMAGE_TEXT_MIN ||
	    h->text_len < (size_t)h->images * IMAGE_TEXT_PER))
		ADD(F_IMAGE_HEAVY, "part %u: %u image(s) and %zu characters of visible text", pi,
		    h->images, h->text_len);
	if (h->hidden_len >= HIDDEN_MIN)
		ADD(F_HIDDEN, "part %u: %zu hidden characters (%s, inline styles only), "
		    "starting \"%s\"", pi, h->hidden_len, h->hidden_why, show(&s, h->hidden_text));
	if (find_mismatch(h, &mm, error_r) < 0)
		goto fail;
	if (mm.n > 0)
		ADD(F_MISMATCH, "part %u: link text \"%s\" (%s) goes to %s (%s); %u such link(s)",
		    pi, show(&s, h->links[mm.first].text), mm.text_reg,
		    show(&s2, h->links[mm.first].href), mm.href_reg, mm.n);
	if (report_tags(ctx, pi, h, &s) < 0)
		goto nomem;
	if (too_large || h->tag_limited || h->depth_limited)
		ADD(F_TOO_LARGE, "part %u: %s; the rest was not inspected", pi,
		    too_large ? "more HTML than MaxHtmlBytes" : h->tag_limited ?
		    "more tags or deeper nesting than the scan allows" : "tree too deep");
	buf_free(&s);
	buf_free(&s2);
	return 0;
nomem:
	*error_r = oom;
fail:
	buf_free(&s);
	buf_free(&s2);
	return -1;
}

/* html_part - scan part i if it is an inline text/html part */
static int html_part(struct check_ctx *ctx, struct mime_tree *t, size_t i, uint64_t max,
    const char **error_r)
{
	const struct mime_part *p = &t->parts[i];
	const struct html_info *h;
	const char *text;
	size_t len;
	bool more;

	if (p->multipart || p->message || p->attachment || strcmp(p->type, "text/html") != 0)
		return 0;
	if (check_part_text(ctx, i, max, &text, &len, &more, error_r) < 0 ||
	    check_part_html(ctx, i, &h, error_r) < 0)
		return -1;
	return report_part(ctx, t, i, h, more, error_r);
}

static int html_run(struct check_ctx *ctx, const char **error_r)
{
	struct mime_tree *t = check_mime_tree(ctx, error_r);
	uint64_t max = ctx->cfg->max_html_bytes ? ctx->cfg->max_html_bytes : DEFAULT_MAX_HTML;
	size_t i;

	if (t == NULL)
		return -1;
	for (i = 0; i < t->nparts && !check_expired(ctx, "html"); i++)
		if (html_part(ctx, t, i, max, error_r) < 0)
			return -1;
	return 0;
}

const struct check_ops check_html_ops = { "html", html_defs, html_run };

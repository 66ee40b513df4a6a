/*
 * html - what an HTML text shows and hides (see html.h).
 *
 * Three passes: a pre-scan that bounds the work gumbo will do (its tree
 * construction walks the stack of open elements for most tags, so deep
 * nesting is quadratic), gumbo's parse, and an iterative walk of the tree
 * that carries down what each level inherits (hidden, inside a link,
 * text not rendered).
 */
#define _GNU_SOURCE		/* memmem */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gumbo.h>

#include "html.h"

#define ERR_NOMEM "out of memory"
#define GUMBO_MAX_ERRORS 1000
#define SHOW_MAX 80

/* --- pre-scan --------------------------------------------------------- */

struct prescan {
	uint32_t stack[HTML_MAX_NEST];
	bool scope[HTML_MAX_NEST];	/* an element end tags do not look past */
	size_t depth;
	unsigned tags;
};

static uint32_t name_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)tolower((unsigned char)s[i])) * 16777619u;
	return h;
}

static bool name_in(const char *s, size_t n, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strlen(*set) == n && strncasecmp(s, *set, n) == 0)
			return true;
	return false;
}

static const char *const void_tags[] = { "area", "base", "br", "col", "embed", "hr", "img",
	"input", "link", "meta", "param", "source", "track", "wbr", "keygen", NULL };
static const char *const raw_tags[] = { "script", "style", "textarea", "title", "xmp",
	"iframe", "noembed", "noframes", "noscript", NULL };
/* an end tag does not look past these for its start tag */
static const char *const scope_tags[] = { "applet", "caption", "html", "table", "td",
	"th", "marquee", "object", "template", NULL };
/* a start tag that closes the same element still open just above, unless
 * one of stop lies between them (<li><ul><li> nests) */
static const struct {
	const char *tag;
	bool scoped;		/* nor across a scope element (p: button scope) */
	const char *stop[3];
} implied[] = {
	{ "p", true, { "button", NULL, NULL } }, { "li", false, { "ul", "ol", "table" } },
	{ "dd", false, { "dl", "table", NULL } }, { "dt", false, { "dl", "table", NULL } },
	{ "option", false, { "select", "datalist", "optgroup" } },
	{ "tr", false, { "table", NULL, NULL } },
	{ "td", false, { "tr", "table", NULL } }, { "th", false, { "tr", "table", NULL } },
};

/* find_open - depth index of the nearest open element with hash h, not
 * looking past a scope element, nor past limit entries, nor past an
 * element whose hash is in stop[0..2] (0: none), or -1 */
static long find_open(const struct prescan *p, uint32_t h, size_t limit, bool scoped,
    const uint32_t *stop)
{
	size_t k;

	for (k = p->depth; k > 0 && p->depth - k < limit; k--) {
		if (p->stack[k - 1] == h)
			return (long)(k - 1);
		if (scoped && p->scope[k - 1])
			return -1;
		if (stop != NULL && (p->stack[k - 1] == stop[0] || p->stack[k - 1] == stop[1] ||
		    p->stack[k - 1] == stop[2]))
			return -1;
	}
	return -1;
}

/* implied_close - where a start tag name implicitly closes an open
 * element of its own kind: its depth index, or -1 */
static long implied_close(const struct prescan *p, const char *name, size_t n, uint32_t h)
{
	uint32_t stop[3];
	size_t i, j;

	for (i = 0; i < sizeof(implied) / sizeof(implied[0]); i++) {
		if (strlen(implied[i].tag) != n || strncasecmp(name, implied[i].tag, n) != 0)
			continue;
		for (j = 0; j < 3; j++)
			stop[j] = implied[i].stop[j] == NULL ? 0 :
			    name_hash(implied[i].stop[j], strlen(implied[i].stop[j]));
		return find_open(p, h, 8, implied[i].scoped, stop);
	}
	return -1;
}

/* tag_end - index just past the '>' closing the tag that starts at i (or
 * len); with attrs_r, also the words outside quotes after the name: gumbo
 * checks each attribute against every one before it, so 1 MB of
 * "<a <b <c" with no '>' took seconds (SpamAssassin CVE-2017-15705's
 * input, reliability.md 2.5) and the pre-scan stops at HTML_MAX_ATTRS */
static size_t tag_end(const char *s, size_t len, size_t i, size_t *attrs_r)
{
	size_t words = 0;
	bool space = false;
	char q = 0;

	for (; i < len; i++) {
		if (q != 0) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'') {
			q = s[i];
		} else if (s[i] == '>') {
			i++;
			break;
		} else if (isspace((unsigned char)s[i])) {
			space = true;
		} else if (space) {
			space = false;
			words++;
		}
	}
	if (attrs_r != NULL)
		*attrs_r = words;
	return i;
}

/* skip_raw - index past "</name" ... '>' after i, or len */
static size_t skip_raw(const char *s, size_t len, size_t i, const char *name, size_t n)
{
	for (; i + 2 + n <= len; i++)
		if (s[i] == '<' && s[i + 1] == '/' && strncasecmp(s + i + 2, name, n) == 0)
			return tag_end(s, len, i, NULL);
	return len;
}

/* start_tag - account for a start tag; false when it must not be passed */
static bool start_tag(struct prescan *p, const char *name, size_t n)
{
	uint32_t h = name_hash(name, n);
	long k;

	if (++p->tags > HTML_MAX_TAGS)
		return false;
	if (name_in(name, n, void_tags))
		return true;
	if ((k = implied_close(p, name, n, h)) >= 0)
		p->depth = (size_t)k;
	if (p->depth >= HTML_MAX_NEST)
		return false;
	p->scope[p->depth] = name_in(name, n, scope_tags);
	p->stack[p->depth++] = h;
	return true;
}

/* prescan - how many bytes of s gumbo may parse in bounded time */
static size_t prescan(const char *s, size_t len, struct prescan *p)
{
	size_t i = 0, n, start, attrs;
	long k;

	while (i < len) {
		const char *lt = memchr(s + i, '<', len - i);

		if (lt == NULL)
			break;
		i = (size_t)(lt - s);
		if (i + 3 < len && strncmp(s + i, "<!--", 4) == 0) {
			const char *e = memmem(s + i + 4, len - i - 4, "-->", 3);

			i = e != NULL ? (size_t)(e - s) + 3 : len;
			continue;
		}
		start = i;
		n = 0;
		if (i + 1 < len && s[i + 1] == '/') {
			while (i + 2 + n < len && isalnum((unsigned char)s[i + 2 + n]))
				n++;
			if (n > 0 && (k = find_open(p, name_hash(s + i + 2, n), HTML_MAX_NEST,
			    true, NULL)) >= 0)
				p->depth = (size_t)k;
			i = tag_end(s, len, i + 1, NULL);
			continue;
		}
		while (i + 1 + n < len && isalnum((unsigned char)s[i + 1 + n]))
			n++;
		if (n == 0 || !isalpha((unsigned char)s[i + 1])) {
			i++;
			continue;
		}
		if (!start_tag(p, s + i + 1, n))
			return start;
		i = tag_end(s, len, i + 1, &attrs);
		if (attrs > HTML_MAX_ATTRS)
			return start;
		if (name_in(s + start + 1, n, raw_tags))
			i = skip_raw(s, len, i, s + start + 1, n);
		else if (n == 9 && strncasecmp(s + start + 1, "plaintext", 9) == 0)
			break;
	}
	return len;
}

/* --- inline styles ---------------------------------------------------- */

/* copy_trim - value bytes [s, e) trimmed, lowercased, spaces and
 * "!important" dropped, into out */
static void copy_trim(const char *s, const char *e, char *out, size_t outsz)
{
	size_t o = 0;
	char *imp;

	for (; s < e && o + 1 < outsz; s++)
		if (!isspace((unsigned char)*s))
			out[o++] = (char)tolower((unsigned char)*s);
	out[o] = '\0';
	if ((imp = strchr(out, '!')) != NULL)
		*imp = '\0';
}

/* zero_length - "0", "0px", "0.0em", "0%" */
static bool zero_length(const char *v)
{
	bool digit = false;

	for (; *v == '0' || *v == '.'; v++)
		digit |= *v == '0';
	for (; digit && *v != '\0'; v++)
		if (!isalpha((unsigned char)*v) && *v != '%')
			return false;
	return digit;
}

/* colour_norm - #abc to #aabbcc, white and black to hex */
static void colour_norm(char *c, size_t sz)
{
	if (strcmp(c, "white") == 0)
		snprintf(c, sz, "#ffffff");
	else if (strcmp(c, "black") == 0)
		snprintf(c, sz, "#000000");
	else if (c[0] == '#' && strlen(c) == 4 && sz > 7) {
		char t[8] = { '#', c[1], c[1], c[2], c[2], c[3], c[3], '\0' };

		memcpy(c, t, sizeof(t));
	}
}

const char *html_style_hidden(const char *style)
{
	char name[32], val[64], fg[64] = "", bg[64] = "";
	const char *p = style, *semi, *colon;

	while (p != NULL && *p != '\0') {
		semi = strchr(p, ';');
		if (semi == NULL)
			semi = p + strlen(p);
		colon = memchr(p, ':', (size_t)(semi - p));
		if (colon != NULL) {
			copy_trim(p, colon, name, sizeof(name));
			copy_trim(colon + 1, semi, val, sizeof(val));
			if (strcmp(name, "display") == 0 && strcmp(val, "none") == 0)
				return "display:none";
			if (strcmp(name, "visibility") == 0 &&
			    (strcmp(val, "hidden") == 0 || strcmp(val, "collapse") == 0))
				return "visibility:hidden";
			if (strcmp(name, "font-size") == 0 && zero_length(val))
				return "font-size:0";
			if (strcmp(name, "opacity") == 0 && zero_length(val))
				return "opacity:0";
			if (strcmp(name, "color") == 0)
				snprintf(fg, sizeof(fg), "%s", val);
			if (strcmp(name, "background-color") == 0 ||
			    (strcmp(name, "background") == 0 && strpbrk(colon + 1, "(") == NULL))
				snprintf(bg, sizeof(bg), "%s", val);
		}
		p = *semi != '\0' ? semi + 1 : NULL;
	}
	colour_norm(fg, sizeof(fg));
	colour_norm(bg, sizeof(bg));
	if (fg[0] != '\0' && strcmp(fg, bg) == 0)
		return "color equal to background-color";
	return NULL;
}

/* --- the tree walk ---------------------------------------------------- */

struct frame {
	const GumboNode *node;
	unsigned next;		/* next child to visit */
	const char *hidden;	/* static reason, inherited */
	long link;		/* index in h->links of the enclosing <a>, or -1 */
	bool unrendered;	/* script, style, template...: text not shown */
};

/* javascript_url - "javascript:" once leading blanks are skipped and
 * tabs and newlines inside are ignored, as browsers do */
static bool javascript_url(const char *v)
{
	static const char js[] = "javascript:";
	size_t k = 0;

	while (*v != '\0' && (unsigned char)*v <= ' ')
		v++;
	for (; *v != '\0' && js[k] != '\0'; v++) {
		if (*v == '\t' || *v == '\n' || *v == '\r')
			continue;
		if (tolower((unsigned char)*v) != js[k++])
			return false;
	}
	return js[k] == '\0';
}

static char *strndup_show(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	while (n > 0 && n < strlen(s) && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;	/* cut on a character boundary */
	return strndup(s, n);
}

/* visible_chars - non-blank characters of a text node (NBSP is blank) */
static size_t visible_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == 0xC2 && (unsigned char)s[1] == 0xA0)
			s++;
		else if ((c & 0xC0) != 0x80 && !isspace(c))
			n++;
	}
	return n;
}

/* link_text_add - append text to the link's visible text, blanks collapsed */
static void link_text_add(char *t, const char *s)
{
	size_t o = strlen(t);

	for (; *s != '\0' && o < HTML_LINK_TEXT; s++) {
		if (isspace((unsigned char)*s)) {
			if (o > 0 && t[o - 1] != ' ')
				t[o++] = ' ';
		} else {
			t[o++] = *s;
		}
	}
	if (((unsigned char)*s & 0xC0) == 0x80) {	/* cut inside a character */
		while (o > 0 && ((unsigned char)t[o - 1] & 0xC0) == 0x80)
			o--;
		if (o > 0 && ((unsigned char)t[o - 1] & 0xC0) == 0xC0)
			o--;
	}
	t[o] = '\0';
}

static int on_text(struct html_info *h, const struct frame *f, const char *text)
{
	size_t n = visible_chars(text);

	if (f->unrendered || n == 0)
		return 0;
	if (f->hidden != NULL) {
		h->hidden_len += n;
		if (h->hidden_why == NULL)
			h->hidden_why = f->hidden;
		if (h->hidden_text == NULL && (h->hidden_text = strndup_show(text, SHOW_MAX)) == NULL)
			return -1;
		return 0;
	}
	h->text_len += n;
	if (f->link >= 0)
		link_text_add(h->links[f->link].text, text);
	return 0;
}

static int add_link(struct html_info *h, const char *href, long *idx_r)
{
	struct html_link *l;

	*idx_r = -1;
	if (h->links_seen++ >= HTML_MAX_LINKS)
		return 0;
	if (h->nlinks % 32 == 0) {
		l = realloc(h->links, (h->nlinks + 32) * sizeof(*l));
		if (l == NULL)
			return -1;
		h->links = l;
	}
	l = &h->links[h->nlinks];
	l->href = strndup_show(href, 2048);
	l->text = calloc(1, HTML_LINK_TEXT + 1);
	if (l->href == NULL || l->text == NULL) {
		free(l->href);
		free(l->text);
		return -1;
	}
	*idx_r = (long)h->nlinks++;
	return 0;
}

static bool remote_src(const char *v)
{
	while (*v != '\0' && (unsigned char)*v <= ' ')
		v++;
	return strncasecmp(v, "http://", 7) == 0 || strncasecmp(v, "https://", 8) == 0 ||
	    strncmp(v, "//", 2) == 0;
}

/* on_attrs - javascript: URLs, inline style and the hidden attribute */
static int on_attrs(struct html_info *h, const GumboElement *el, struct frame *child)
{
	static const char *const url_attrs[] = { "href", "src", "action", "formaction",
		"data", NULL };
	const GumboAttribute *a;
	const char *why;
	unsigned i;

	for (i = 0; i < el->attributes.length; i++) {
		a = el->attributes.data[i];
		if (name_in(a->name, strlen(a->name), url_attrs) && javascript_url(a->value)) {
			if (h->js_urls++ == 0 && (h->js_url = strndup_show(a->value, SHOW_MAX)) == NULL)
				return -1;
		} else if (child->hidden == NULL && strcasecmp(a->name, "style") == 0 &&
		    (why = html_style_hidden(a->value)) != NULL) {
			child->hidden = why;
		} else if (child->hidden == NULL && strcasecmp(a->name, "hidden") == 0) {
			child->hidden = "hidden attribute";
		}
	}
	return 0;
}

/* on_element - count el and set up what its children inherit */
static int on_element(struct html_info *h, const GumboNode *node, struct frame *child)
{
	const GumboElement *el = &node->v.element;
	const GumboAttribute *a;

	switch (el->tag) {
	case GUMBO_TAG_IMG:
		h->images++;
		a = gumbo_get_attribute(&el->attributes, "src");
		if (a != NULL && remote_src(a->value))
			h->remote_images++;
		break;
	case GUMBO_TAG_A:
	case GUMBO_TAG_AREA:
		a = gumbo_get_attribute(&el->attributes, "href");
		if (a != NULL && add_link(h, a->value, &child->link) < 0)
			return -1;
		break;
	case GUMBO_TAG_SCRIPT:
		h->scripts++;
		child->unrendered = true;
		break;
	case GUMBO_TAG_FORM:
		h->forms++;
		break;
	case GUMBO_TAG_IFRAME:
	case GUMBO_TAG_FRAME:
		h->iframes++;
		child->unrendered = true;
		break;
	case GUMBO_TAG_STYLE:
	case GUMBO_TAG_NOSCRIPT:
	case GUMBO_TAG_TITLE:
	case GUMBO_TAG_TEMPLATE:
		child->unrendered = true;
		break;
	default:
		break;
	}
	if (node->type == GUMBO_NODE_TEMPLATE)
		child->unrendered = true;
	return on_attrs(h, el, child);
}

/* walk - visit the tree depth first with an explicit stack */
static int walk(struct html_info *h, const GumboNode *root)
{
	struct frame *st = calloc(HTML_MAX_DEPTH, sizeof(*st));
	size_t d = 0;
	int rc = 0;

	if (st == NULL)
		return -1;
	st[0] = (struct frame){ .node = root, .link = -1 };
	d = 1;
	while (d > 0 && rc == 0) {
		struct frame *f = &st[d - 1];
		const GumboVector *kids = &f->node->v.element.children;
		const GumboNode *c;

		if (f->next >= kids->length) {
			d--;
			continue;
		}
		c = kids->data[f->next++];
		if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_CDATA ||
		    c->type == GUMBO_NODE_WHITESPACE) {
			rc = on_text(h, f, c->v.text.text);
		} else if (c->type == GUMBO_NODE_ELEMENT || c->type == GUMBO_NODE_TEMPLATE) {
			struct frame child = *f;

			child.node = c;
			child.next = 0;
			rc = on_element(h, c, &child);
			if (d < HTML_MAX_DEPTH)
				st[d++] = child;
			else
				h->depth_limited = true;
		}
	}
	free(st);
	return rc;
}

int html_scan(const char *html, size_t len, size_t max, struct html_info *h,
    const char **error_r)
{
	struct prescan *p;
	GumboOptions opt = kGumboDefaultOptions;
	GumboOutput *out;
	size_t use;
	int rc;

	memset(h, 0, sizeof(*h));
	if (max > 0 && len > max)
		len = max;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		*error_r = ERR_NOMEM;
		return -1;
	}
	use = prescan(html, len, p);
	h->tag_limited = use < len;
	h->tags = p->tags > HTML_MAX_TAGS ? HTML_MAX_TAGS : p->tags;
	free(p);
	opt.max_errors = GUMBO_MAX_ERRORS;
	out = gumbo_parse_with_options(&opt, html, use);
	if (out == NULL) {
		*error_r = ERR_NOMEM;
		return -1;
	}
	h->errors = out->errors.length;
	h->broken = h->errors > HTML_BROKEN_ERRORS && h->errors * 10 > h->tags;
	rc = walk(h, out->document);
	gumbo_destroy_output(&opt, out);
	if (rc < 0)
		*error_r = ERR_NOMEM;
	return rc;
}

void html_info_free(struct html_info *h)
{
	size_t i;

	for (i = 0; i < h->nlinks; i++) {
		free(h->links[i].href);
		free(h->links[i].text);
	}
	free(h->links);
	free(h->js_url);
	free(h->hidden_text);
	memset(h, 0, sizeof(*h));
}

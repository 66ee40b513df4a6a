/*
 * test-html - html_scan on inline HTML: visible and hidden text, images,
 * links and their text, scripts, forms, iframes, javascript: URLs,
 * broken markup, and hostile nesting that must finish fast.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"
#include "tap.h"

struct count_case {
	const char *name;
	const char *html;
	size_t text, images, remote, links, scripts, forms, iframes, js, hidden;
};

static const struct count_case counts[] = {
	{ "plain paragraph", "<p>Hello world</p>", 10, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "nbsp and blanks are not text", "<p>&nbsp; \n\t</p>", 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "script and style text not shown",
	  "<style>p{x:y}</style><script>var a=1;</script><p>ab</p>", 2, 0, 0, 0, 1, 0, 0, 0, 0 },
	{ "images local and remote",
	  "<img src=cid:x><img src='https://a.example/i.png'><img src=//b.example/x>",
	  0, 3, 2, 0, 0, 0, 0, 0, 0 },
	{ "links", "<a href='https://a.example/'>A</a> <a>no href</a><area href=x>",
	  7, 0, 0, 2, 0, 0, 0, 0, 0 },
	{ "form and iframe", "<form action=/x><input></form><iframe src=a></iframe>",
	  0, 0, 0, 0, 0, 1, 1, 0, 0 },
	{ "javascript urls", "<a href=' JavaScript:alert(1)'>x</a><a href='java\tscript:y'>y</a>"
	  "<form action='javascript:z'></form>", 2, 0, 0, 2, 0, 1, 0, 3, 0 },
	{ "display none subtree", "<div style='DISPLAY: none !important'><p>secret <b>words</b></p></div>ok",
	  2, 0, 0, 0, 0, 0, 0, 0, 11 },
	{ "font-size 0px", "<span style=\"font-size:0px\">zero</span>", 0, 0, 0, 0, 0, 0, 0, 0, 4 },
	{ "font-size 0.0em", "<span style=\"font-size: 0.0em\">zero</span>", 0, 0, 0, 0, 0, 0, 0, 0, 4 },
	{ "font-size 10px visible", "<span style=\"font-size:10px\">ten</span>", 3, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "white on white", "<td style='color:#FFF;background-color:white'>xx</td>", 2, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "white on white in p", "<p style='color:#FFF;background-color:white'>xx</p>", 0, 0, 0, 0, 0, 0, 0, 0, 2 },
	{ "visibility hidden", "<p style='visibility:hidden'>abc</p>", 0, 0, 0, 0, 0, 0, 0, 0, 3 },
	{ "hidden attribute", "<p hidden>abc</p>", 0, 0, 0, 0, 0, 0, 0, 0, 3 },
	{ "utf-8 counts characters", "<p>\xc3\xa9t\xc3\xa9</p>", 3, 0, 0, 0, 0, 0, 0, 0, 0 },
};

static void test_counts(void)
{
	size_t i;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		const struct count_case *c = &counts[i];
		struct html_info h;
		const char *err = NULL;

		ok(html_scan(c->html, strlen(c->html), 0, &h, &err) == 0, "%s: scans", c->name);
		is_int(h.text_len, c->text, "%s: visible text", c->name);
		is_int(h.images, c->images, "%s: images", c->name);
		is_int(h.remote_images, c->remote, "%s: remote images", c->name);
		is_int(h.nlinks, c->links, "%s: links", c->name);
		is_int(h.scripts, c->scripts, "%s: scripts", c->name);
		is_int(h.forms, c->forms, "%s: forms", c->name);
		is_int(h.iframes, c->iframes, "%s: iframes", c->name);
		is_int(h.js_urls, c->js, "%s: javascript urls", c->name);
		is_int(h.hidden_len, c->hidden, "%s: hidden text", c->name);
		html_info_free(&h);
	}
}

static const struct {
	const char *style, *why;
} styles[] = {
	{ "display:none", "display:none" },
	{ "color: red; display : none", "display:none" },
	{ "display:block", NULL },
	{ "font-size:0", "font-size:0" },
	{ "font-size:0pt", "font-size:0" },
	{ "font-size:10px", NULL },
	{ "font-size:0.5em", NULL },
	{ "opacity:0", "opacity:0" },
	{ "color:#000;background:black", "color equal to background-color" },
	{ "color:#000;background:#111", NULL },
	{ "background-color:#fff", NULL },
	{ "", NULL },
	{ ";;;:;", NULL },
};

static void test_styles(void)
{
	size_t i;

	for (i = 0; i < sizeof(styles) / sizeof(styles[0]); i++)
		is_str(html_style_hidden(styles[i].style), styles[i].why, "style \"%s\"",
		    styles[i].style);
}

static void test_link_text(void)
{
	const char *html = "<a href=\"https://evil.example/x\">  www.bank.example\n <img src=a> </a>"
	    "<a href=https://b.example/><span style=display:none>hidden</span>shown</a>";
	struct html_info h;
	const char *err;

	ok(html_scan(html, strlen(html), 0, &h, &err) == 0, "link text: scans");
	is_int(h.nlinks, 2, "link text: two links");
	if (h.nlinks == 2) {
		is_str(h.links[0].href, "https://evil.example/x", "link text: href kept");
		is_str(h.links[0].text, "www.bank.example ", "link text: blanks collapsed");
		is_str(h.links[1].text, "shown", "link text: hidden text left out");
	}
	html_info_free(&h);
}

/* build - n copies of unit */
static char *build(const char *pre, const char *unit, size_t n, size_t *len_r)
{
	size_t ul = strlen(unit), pl = strlen(pre), i;
	char *s = malloc(pl + ul * n + 1);

	if (s == NULL)
		abort();
	memcpy(s, pre, pl);
	for (i = 0; i < n; i++)
		memcpy(s + pl + i * ul, unit, ul);
	s[pl + ul * n] = '\0';
	*len_r = pl + ul * n;
	return s;
}

static void test_hostile(void)
{
	static const struct {
		const char *name, *unit;
		size_t n;
	} cases[] = {
		{ "100k nested div", "<div>", 100000 },
		{ "100k self-closed div", "<div/>", 100000 },
		{ "100k div with stray end", "<div></b>", 100000 },
		{ "100k nested table", "<table><tr><td>", 50000 },
		{ "100k b", "<b>", 100000 },
		{ "100k p", "<p>x", 100000 },
		{ "100k ul li", "<ul><li>", 100000 },
		{ "100k object p", "<object><p>", 100000 },
		{ "100k table div", "<table><div></table>", 100000 },
		{ "100k optgroup option", "<optgroup><option>", 100000 },
	};
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = build("<html><body>", cases[i].unit, cases[i].n, &len);
		struct html_info h;
		const char *err;
		clock_t t0 = clock();
		double secs;

		ok(html_scan(s, len, 0, &h, &err) == 0, "%s: scans", cases[i].name);
		secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
		ok(secs < 5.0, "%s: done in %.2f s", cases[i].name, secs);
		ok(h.tag_limited, "%s: cut by the pre-scan", cases[i].name);
		html_info_free(&h);
		free(s);
	}
}

/* Sloppy but ordinary markup: implied end tags must not count as nesting. */
static void test_not_cut(void)
{
	static const struct {
		const char *name, *pre, *unit;
		size_t n;
	} cases[] = {
		{ "600 unclosed p", "", "<p>para", 600 },
		{ "600 unclosed li", "<ul>", "<li>item", 600 },
		{ "600 unclosed rows", "<table>", "<tr><td>a<td>b", 600 },
		{ "600 unclosed dt dd", "<dl>", "<dt>t<dd>d", 600 },
		{ "600 closed div", "", "<div>x</div>", 600 },
	};
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = build(cases[i].pre, cases[i].unit, cases[i].n, &len);
		struct html_info h;
		const char *err;

		ok(html_scan(s, len, 0, &h, &err) == 0 && !h.tag_limited && !h.depth_limited,
		    "%s: not cut", cases[i].name);
		ok(h.text_len >= cases[i].n, "%s: all text seen (%zu)", cases[i].name, h.text_len);
		html_info_free(&h);
		free(s);
	}
}

static void test_broken(void)
{
	size_t len;
	char *bad = build("<p>", "</x></y><</z>&#xfffffff;", 300, &len);
	const char *good = "<!DOCTYPE html><html><head><title>t</title></head>"
	    "<body><p>Hello</p></body></html>";
	struct html_info h;
	const char *err;

	ok(html_scan(bad, len, 0, &h, &err) == 0 && h.broken, "broken markup: broken (%u errors)",
	    h.errors);
	html_info_free(&h);
	ok(html_scan(good, strlen(good), 0, &h, &err) == 0 && !h.broken && h.errors == 0,
	    "clean markup: not broken");
	html_info_free(&h);
	ok(html_scan(good, strlen(good), 56, &h, &err) == 0 && h.text_len == 0,
	    "max bytes: the body was cut off");
	html_info_free(&h);
	free(bad);
}

int main(void)
{
	test_counts();
	test_styles();
	test_link_text();
	test_broken();
	test_not_cut();
	test_hostile();
	return tap_done();
}

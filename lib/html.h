/*
 * html - what an HTML text shows and hides, from one gumbo parse.
 *
 * html_scan parses at most max bytes of UTF-8 HTML with gumbo and walks
 * the tree iteratively (an explicit stack, HTML_MAX_DEPTH deep at most:
 * deeper subtrees are skipped and depth_limited set), collecting the
 * visible text length, images, links with their visible text, scripts,
 * forms, iframes, javascript: URLs and hidden text.
 *
 * Gumbo's tree construction is quadratic in the nesting depth of
 * unclosed elements, so the input is pre-scanned first and cut where it
 * would open more than HTML_MAX_NEST elements at once, hold more than
 * HTML_MAX_TAGS start tags or a tag with more than HTML_MAX_ATTRS
 * attributes (tag_limited): 100k nested <div> or 1 MB of "<a <b <c"
 * cost milliseconds, not minutes.
 *
 * Hidden text is judged from INLINE styles only (no <style> sheets, no
 * classes): display:none, visibility:hidden, font-size 0, and color equal
 * to background-color on the same element; it covers the element's whole
 * subtree.  Returns 0, or -1 with a static *error_r when out of memory.
 */
#ifndef PF_HTML_H
#define PF_HTML_H

#include <stdbool.h>
#include <stddef.h>

#define HTML_MAX_DEPTH 1024	/* tree levels walked */
#define HTML_MAX_NEST 512	/* open elements at once, pre-scan estimate */
#define HTML_MAX_TAGS 20000	/* start tags handed to gumbo */
#define HTML_MAX_ATTRS 1000	/* attributes in one tag, pre-scan estimate */
#define HTML_MAX_LINKS 500	/* links kept (counted past that) */
#define HTML_LINK_TEXT 200	/* visible link text bytes kept */
#define HTML_BROKEN_ERRORS 50	/* parse errors that make markup "broken" */

struct html_link {
	char *href;		/* attribute value, as written */
	char *text;		/* visible text, whitespace collapsed, capped */
};

struct html_info {
	size_t text_len;	/* visible non-blank characters */
	unsigned images;	/* <img> */
	unsigned remote_images;	/* <img src> over http(s) or // */
	struct html_link *links;	/* <a href> and <area href> */
	size_t nlinks;
	size_t links_seen;	/* links_seen > nlinks: some not kept */
	unsigned scripts;	/* <script> */
	unsigned forms;		/* <form> */
	unsigned iframes;	/* <iframe>, <frame> */
	unsigned js_urls;	/* href/src/action with javascript: */
	char *js_url;		/* the first, capped, or NULL */
	size_t hidden_len;	/* hidden non-blank characters */
	const char *hidden_why;	/* static: the first hiding style seen */
	char *hidden_text;	/* the start of the first hidden text, or NULL */
	unsigned errors;	/* gumbo parse errors (capped) */
	unsigned tags;		/* start tags handed to gumbo */
	bool broken;		/* errors over HTML_BROKEN_ERRORS and 1 per 10 tags */
	bool depth_limited;	/* tree deeper than HTML_MAX_DEPTH */
	bool tag_limited;	/* input cut by the pre-scan */
};

/* html_scan - parse len bytes of html (at most max when max > 0) into *h
 * (zeroed first; free with html_info_free in every case) */
int html_scan(const char *html, size_t len, size_t max, struct html_info *h,
    const char **error_r);
/* html_info_free - release what html_scan allocated; h becomes empty */
void html_info_free(struct html_info *h);
/* html_style_hidden - why an inline style attribute value hides text (a
 * static string) or NULL; exposed for the tests */
const char *html_style_hidden(const char *style);

#endif

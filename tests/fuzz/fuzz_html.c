/*
 * fuzz_html - bytes as an HTML text part -> html_scan (the pre-scan,
 * gumbo, the iterative walk, inline-style hiding), then the URL side as
 * check_html and check_url use it: each link through url_list_add and
 * url_text_host, the plain text through url_extract, every host through
 * url_is_shortener and url_host_reg.
 *
 * Properties: at most HTML_MAX_LINKS links kept and at most URL_MAX URLs,
 * hosts and registrable domains NUL-terminated within their arrays.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dmarc.h"
#include "fuzz.h"
#include "html.h"
#include "url.h"

static size_t html_max;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct config *cfg;
	const char *error;

	cfg = fuzz_defaults();
	html_max = (size_t)cfg->max_html_bytes;
	config_unref(&cfg);
	/* the public suffix list: loaded once per process, as in the milter */
	(void)dmarc_psl_init(&error);
	return 0;
}

static void urls(const struct url_list *l)
{
	char reg[URL_HOST_MAX + 1];
	size_t i;

	if (l->n > URL_MAX || l->n > l->seen)
		fuzz_fail("url_list: %zu kept, %zu seen", l->n, l->seen);
	for (i = 0; i < l->n; i++) {
		const struct url *u = &l->v[i];

		if (u->text == NULL || memchr(u->host, '\0', sizeof(u->host)) == NULL ||
		    memchr(u->reg, '\0', sizeof(u->reg)) == NULL)
			fuzz_fail("url %zu: text, host or reg unterminated", i);
		(void)url_is_shortener(u->host);
		(void)url_host_reg(u->host, reg, sizeof(reg));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct html_info h;
	struct url_list links = URL_LIST_INIT, text = URL_LIST_INIT;
	char host[URL_HOST_MAX + 1], *style;
	const char *error;
	size_t i;

	if (html_scan((const char *)data, size, html_max, &h, &error) < 0)
		fuzz_fail("html_scan: %s", error);
	if (h.nlinks > HTML_MAX_LINKS || h.nlinks > h.links_seen || h.tags > HTML_MAX_TAGS)
		fuzz_fail("html_scan: %zu links kept, %zu seen, %u tags", h.nlinks,
		    h.links_seen, h.tags);
	for (i = 0; i < h.nlinks; i++) {
		const struct html_link *k = &h.links[i];

		if (k->href == NULL || k->text == NULL || strlen(k->text) > HTML_LINK_TEXT)
			fuzz_fail("html_scan: link %zu malformed", i);
		if (url_list_add(&links, k->href, strlen(k->href), &error) < 0)
			fuzz_fail("url_list_add: %s", error);
		(void)url_text_host(k->text, host, sizeof(host));
	}
	html_info_free(&h);
	if (url_extract((const char *)data, size, &text, &error) < 0)
		fuzz_fail("url_extract: %s", error);
	urls(&links);
	urls(&text);
	url_list_free(&links);
	url_list_free(&text);
	/* the same bytes as an inline style attribute value */
	style = fuzz_cstr(data, size < 512 ? size : 512);
	(void)html_style_hidden(style);
	free(style);
	return 0;
}

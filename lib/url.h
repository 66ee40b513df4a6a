/*
 * url - URLs found in text and links: host, kind of host, registrable
 * domain (the public suffix list through dmarc_org_domain, loaded once
 * per process by dmarc.c) and whether the host is a known URL shortener.
 *
 * url_parse reads one absolute http(s) URL, a scheme-relative "//host"
 * or a bare "www." name; punycode hosts are left as they are (no IDNA
 * conversion).  A host whose last label is numeric ("3232235777",
 * "0x7f.1") is an IPv4 literal, as browsers read it.  url_extract finds
 * such URLs in plain text, at most URL_MAX of them (the rest are only
 * counted).  Functions returning int give 0, or -1 with a static *error_r
 * only when out of memory.
 */
#ifndef PF_URL_H
#define PF_URL_H

#include <stdbool.h>
#include <stddef.h>

#define URL_MAX 200		/* MaxURLs: URLs kept per text */
#define URL_SHOW_MAX 200	/* URL bytes kept for evidence */
#define URL_HOST_MAX 253

enum url_host_kind { URL_HOST_NAME, URL_HOST_IPV4, URL_HOST_IPV6 };

struct url {
	char *text;		/* the URL as found, capped at URL_SHOW_MAX */
	char host[URL_HOST_MAX + 1];	/* lowercase, no port, no brackets */
	char reg[URL_HOST_MAX + 1];	/* registrable domain, or the IP, or "" */
	enum url_host_kind kind;
};

struct url_list {
	struct url *v;
	size_t n;
	size_t seen;		/* URLs found, those past URL_MAX included */
};

#define URL_LIST_INIT { NULL, 0, 0 }

/* url_parse - parse s (len bytes) into u; false when it is not an
 * http(s), "//" or "www." URL with a usable host (u->text is then NULL) */
bool url_parse(const char *s, size_t len, struct url *u, const char **error_r);
/* url_free - release u->text */
void url_free(struct url *u);
/* url_extract - append the URLs in plain text to l */
int url_extract(const char *text, size_t len, struct url_list *l, const char **error_r);
/* url_list_add - parse s and append it to l when it is a URL */
int url_list_add(struct url_list *l, const char *s, size_t len, const char **error_r);
/* url_list_free - release l; it becomes empty */
void url_list_free(struct url_list *l);

/* url_host_reg - the registrable domain of host into out ("" and false
 * when host is not a name under a known public suffix) */
bool url_host_reg(const char *host, char *out, size_t outsz);
/* url_is_shortener - host (or its registrable domain) is a well-known
 * URL shortener */
bool url_is_shortener(const char *host);
/* url_text_host - when link text looks like a URL or a bare domain
 * ("www.bank.example", "https://bank.example/login", "bank.example"),
 * its host into out; false otherwise */
bool url_text_host(const char *text, char *out, size_t outsz);

#endif

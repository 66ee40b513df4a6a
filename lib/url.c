/*
 * url - URLs in text and links (see url.h).
 *
 * Parsing follows what a browser does with a special-scheme URL only as
 * far as the host goes: slashes and backslashes after the scheme, user
 * info before the last '@' of the authority, a port after ':'.  Paths,
 * queries and percent-encoding in hosts are not interpreted.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

#include "dmarc.h"
#include "url.h"

#define ERR_NOMEM "out of memory"

/* Well-known public URL shorteners (registrable domains). */
static const char *const shorteners[] = {
	"bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly",
	"rebrand.ly", "cutt.ly", "shorturl.at", "t.ly", "tiny.cc", "v.gd", "rb.gy", "s.id",
	"bl.ink", "lnkd.in", "qrco.de", "shorte.st", "adf.ly", "x.co", "soo.gd", "clck.ru",
	"tr.im", "mcaf.ee", "1url.com", "short.io", "bit.do", "trib.al", NULL
};

static bool prefix(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && strncasecmp(s, p, n) == 0;
}

/* url_end - a byte that ends a URL in text or an authority in a URL */
static bool text_stop(unsigned char c)
{
	return c <= ' ' || c == 0x7f || strchr("<>\"'`{}|^", c) != NULL;
}

static bool host_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c >= 0x80;
}

/* ipv4_like - the last label is a number (decimal, octal or 0x hex) */
static bool ipv4_like(const char *host)
{
	const char *last = strrchr(host, '.');
	const char *p = last != NULL ? last + 1 : host;

	if (*p == '\0')
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (p += 2; *p != '\0'; p++)
			if (!isxdigit((unsigned char)*p))
				return false;
		return true;
	}
	for (; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

/* set_host - copy and classify the host [h, h + n) into u */
static bool set_host(struct url *u, const char *h, size_t n)
{
	struct in6_addr a6;
	size_t i;

	if (n > 1 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
		if (n == 0 || n > URL_HOST_MAX)
			return false;
		memcpy(u->host, h, n);
		u->host[n] = '\0';
		if (inet_pton(AF_INET6, u->host, &a6) != 1)
			return false;
		u->kind = URL_HOST_IPV6;
	} else {
		while (n > 0 && h[n - 1] == '.')
			n--;
		if (n == 0 || n > URL_HOST_MAX)
			return false;
		for (i = 0; i < n; i++) {
			if (!host_char((unsigned char)h[i]))
				return false;
			u->host[i] = (char)tolower((unsigned char)h[i]);
		}
		u->host[n] = '\0';
		u->kind = ipv4_like(u->host) ? URL_HOST_IPV4 : URL_HOST_NAME;
	}
	for (i = 0; u->host[i] != '\0'; i++)
		u->host[i] = (char)tolower((unsigned char)u->host[i]);
	if (u->kind != URL_HOST_NAME)
		snprintf(u->reg, sizeof(u->reg), "%s", u->host);
	else if (!url_host_reg(u->host, u->reg, sizeof(u->reg)))
		u->reg[0] = '\0';
	return true;
}

bool url_parse(const char *s, size_t len, struct url *u, const char **error_r)
{
	size_t i = 0, a, e, at, colon;

	memset(u, 0, sizeof(*u));
	while (i < len && (unsigned char)s[i] <= ' ')
		i++;
	a = i;
	if (prefix(s + i, len - i, "http:"))
		a += 5;
	else if (prefix(s + i, len - i, "https:"))
		a += 6;
	else if (!prefix(s + i, len - i, "//") && !prefix(s + i, len - i, "www."))
		return false;
	while (a < len && (s[a] == '/' || s[a] == '\\'))
		a++;
	for (e = a, at = len; e < len && !text_stop((unsigned char)s[e]) &&
	    strchr("/\\?#", s[e]) == NULL; e++)
		if (s[e] == '@')
			at = e;
	if (at < e)
		a = at + 1;
	colon = e;
	if (a < e && s[a] != '[') {
		const char *c = memchr(s + a, ':', e - a);

		if (c != NULL)
			colon = (size_t)(c - s);
	} else if (a < e) {
		const char *c = memchr(s + a, ']', e - a);

		if (c != NULL)
			colon = (size_t)(c - s) + 1;
	}
	if (!set_host(u, s + a, colon - a))
		return false;
	for (e = i; e < len && !text_stop((unsigned char)s[e]); e++)
		;
	if ((u->text = strndup(s + i, e - i > URL_SHOW_MAX ? URL_SHOW_MAX : e - i)) == NULL) {
		*error_r = ERR_NOMEM;
		return false;
	}
	return true;
}

void url_free(struct url *u)
{
	free(u->text);
	u->text = NULL;
}

int url_list_add(struct url_list *l, const char *s, size_t len, const char **error_r)
{
	struct url u, *v;

	*error_r = NULL;
	if (!url_parse(s, len, &u, error_r))
		return *error_r != NULL ? -1 : 0;
	if (l->seen++ >= URL_MAX) {
		url_free(&u);
		return 0;
	}
	if (l->n % 16 == 0) {
		v = realloc(l->v, (l->n + 16) * sizeof(*v));
		if (v == NULL) {
			url_free(&u);
			*error_r = ERR_NOMEM;
			return -1;
		}
		l->v = v;
	}
	l->v[l->n++] = u;
	return 0;
}

/* url_start - a URL starts at text[i]: "http://", "https://" or "www."
 * not glued to a preceding word */
static bool url_start(const char *t, size_t len, size_t i)
{
	if (i > 0 && (isalnum((unsigned char)t[i - 1]) || strchr(".-@/_", t[i - 1]) != NULL))
		return false;
	return prefix(t + i, len - i, "http://") || prefix(t + i, len - i, "https://") ||
	    prefix(t + i, len - i, "www.");
}

/* trim_end - drop trailing punctuation that closes the sentence around a URL */
static size_t trim_end(const char *s, size_t n)
{
	while (n > 0 && strchr(".,;:!?)]'*", s[n - 1]) != NULL) {
		if (s[n - 1] == ')' && memchr(s, '(', n) != NULL)
			break;
		n--;
	}
	return n;
}

int url_extract(const char *text, size_t len, struct url_list *l, const char **error_r)
{
	size_t i, e;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i] | 0x20;

		if ((c != 'h' && c != 'w') || !url_start(text, len, i))
			continue;
		for (e = i; e < len && !text_stop((unsigned char)text[e]); e++)
			;
		if (url_list_add(l, text + i, trim_end(text + i, e - i), error_r) < 0)
			return -1;
		i = e;
	}
	return 0;
}

void url_list_free(struct url_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		url_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->seen = 0;
}

bool url_host_reg(const char *host, char *out, size_t outsz)
{
	if (outsz > 0)
		out[0] = '\0';
	return dmarc_org_domain(host, out, outsz);
}

bool url_is_shortener(const char *host)
{
	char reg[URL_HOST_MAX + 1];
	size_t k;

	if (strncmp(host, "www.", 4) == 0)
		host += 4;
	if (!url_host_reg(host, reg, sizeof(reg)))
		reg[0] = '\0';
	for (k = 0; shorteners[k] != NULL; k++)
		if (strcmp(host, shorteners[k]) == 0 || strcmp(reg, shorteners[k]) == 0)
			return true;
	return false;
}

/* real_tld - tld is a listed suffix, not one the "*" default rule makes
 * up: "Mr.Smith" and "report.pdf" are not domains.  libpsl's compiled-in
 * list is static data, so this loads nothing; a file list given to
 * dmarc.c still decides the registrable domain. */
static bool real_tld(const char *tld)
{
	const psl_ctx_t *p = psl_builtin();

	return p != NULL && psl_is_public_suffix2(p, tld, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE);
}

/* bare_domain - "bank.example" or "bank.example/path": LDH labels, an
 * alphabetic last label, under a known public suffix */
static bool bare_domain(const char *t, size_t n, char *out, size_t outsz)
{
	char reg[URL_HOST_MAX + 1];
	size_t i, h, last = 0;

	for (h = 0; h < n && strchr("/?#:", t[h]) == NULL; h++)
		;
	while (h > 0 && t[h - 1] == '.')
		h--;
	if (h == 0 || h > URL_HOST_MAX || h >= outsz)
		return false;
	for (i = 0; i < h; i++) {
		if (!host_char((unsigned char)t[i]) || t[i] == '_')
			return false;
		if (t[i] == '.')
			last = i + 1;
		out[i] = (char)tolower((unsigned char)t[i]);
	}
	out[h] = '\0';
	if (last == 0 || h - last < 2)
		return false;
	for (i = last; i < h; i++)
		if (!isalpha((unsigned char)t[i]) && (unsigned char)t[i] < 0x80)
			return false;
	return real_tld(out + last) && url_host_reg(out, reg, sizeof(reg));
}

bool url_text_host(const char *text, char *out, size_t outsz)
{
	struct url u;
	const char *err = NULL;
	size_t n;
	bool ok;

	while (isspace((unsigned char)*text))
		text++;
	for (n = 0; text[n] != '\0' && !isspace((unsigned char)text[n]); n++)
		;
	if (text[n + strspn(text + n, " \t\r\n")] != '\0' || memchr(text, '@', n) != NULL)
		return false;	/* several words, or an address */
	n = trim_end(text, n);
	if (n == 0)
		return false;
	if (url_parse(text, n, &u, &err)) {
		snprintf(out, outsz, "%s", u.host);
		url_free(&u);
		return true;
	}
	if (prefix(text, n, "http:") || prefix(text, n, "https:"))
		return false;
	ok = bare_domain(text, n, out, outsz);
	if (!ok && outsz > 0)
		out[0] = '\0';
	return ok;
}

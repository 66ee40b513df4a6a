/*
 * test-url - url_parse, url_extract, registrable domains (libpsl through
 * dmarc.c), IP literals, shorteners and link text that shows a domain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"
#include "tap.h"

static const struct {
	const char *in;
	bool ok;
	const char *host, *reg;
	enum url_host_kind kind;
} parses[] = {
	{ "https://www.Example.COM/path?q=1", true, "www.example.com", "example.com", URL_HOST_NAME },
	{ "http://user:pw@login.bank.co.uk:8080/x", true, "login.bank.co.uk", "bank.co.uk",
	  URL_HOST_NAME },
	{ "http://a.example@evil.example/", true, "evil.example", "evil.example", URL_HOST_NAME },
	{ "www.shop.example.org.", true, "www.shop.example.org", "example.org", URL_HOST_NAME },
	{ "//cdn.example.net/x.js", true, "cdn.example.net", "example.net", URL_HOST_NAME },
	{ "https:\\\\back.example.com\\x", true, "back.example.com", "example.com", URL_HOST_NAME },
	{ "http://192.0.2.1/login", true, "192.0.2.1", "192.0.2.1", URL_HOST_IPV4 },
	{ "http://3221225985/", true, "3221225985", "3221225985", URL_HOST_IPV4 },
	{ "http://0xc0.0x0.2.0x1/", true, "0xc0.0x0.2.0x1", "0xc0.0x0.2.0x1", URL_HOST_IPV4 },
	{ "http://[2001:db8::1]:443/", true, "2001:db8::1", "2001:db8::1", URL_HOST_IPV6 },
	{ "http://[nonsense]/", false, "", "", URL_HOST_NAME },
	{ "https://xn--bcher-kva.example.com/", true, "xn--bcher-kva.example.com", "example.com",
	  URL_HOST_NAME },
	{ "mailto:a@example.com", false, "", "", URL_HOST_NAME },
	{ "javascript:alert(1)", false, "", "", URL_HOST_NAME },
	{ "ftp://example.com/", false, "", "", URL_HOST_NAME },
	{ "http://", false, "", "", URL_HOST_NAME },
	{ "http://bad%20host/", false, "", "", URL_HOST_NAME },
	{ "https://com/", true, "com", "", URL_HOST_NAME },
};

static void test_parse(void)
{
	size_t i;

	for (i = 0; i < sizeof(parses) / sizeof(parses[0]); i++) {
		struct url u;
		const char *err = NULL;
		bool got = url_parse(parses[i].in, strlen(parses[i].in), &u, &err);

		is_int(got, parses[i].ok, "parse %s", parses[i].in);
		if (!got || !parses[i].ok)
			continue;
		is_str(u.host, parses[i].host, "%s: host", parses[i].in);
		is_str(u.reg, parses[i].reg, "%s: registrable domain", parses[i].in);
		is_int(u.kind, parses[i].kind, "%s: host kind", parses[i].in);
		url_free(&u);
	}
}

static void test_extract(void)
{
	static const char text[] =
	    "See https://a.example.com/x, or (www.b.example.org/y). Mail me@www.c.example.\n"
	    "Also http://192.0.2.7:80/p?q=1!\n"
	    "<https://d.example.net/z> and xhttp://no.example/ nohttps://no.example/\n";
	static const char *const hosts[] = { "a.example.com", "www.b.example.org", "192.0.2.7",
		"d.example.net" };
	static const char *const texts[] = { "https://a.example.com/x", "www.b.example.org/y",
		"http://192.0.2.7:80/p?q=1", "https://d.example.net/z" };
	struct url_list l = URL_LIST_INIT;
	const char *err;
	size_t i;

	ok(url_extract(text, strlen(text), &l, &err) == 0, "extract: runs");
	is_int(l.n, 4, "extract: four URLs");
	for (i = 0; i < l.n && i < 4; i++) {
		is_str(l.v[i].host, hosts[i], "extract %zu: host", i);
		is_str(l.v[i].text, texts[i], "extract %zu: text", i);
	}
	url_list_free(&l);
}

static void test_cap(void)
{
	struct url_list l = URL_LIST_INIT;
	const char *err;
	size_t n = 1000, i, len = 0;
	char *s = malloc(n * 32);

	if (s == NULL)
		abort();
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, 32, "http://h%zu.example.com ", i);
	ok(url_extract(s, len, &l, &err) == 0, "cap: runs");
	is_int(l.n, URL_MAX, "cap: URL_MAX kept");
	is_int(l.seen, n, "cap: all counted");
	url_list_free(&l);
	free(s);
}

static const struct {
	const char *host;
	bool yes;
} shorts[] = {
	{ "bit.ly", true }, { "www.bit.ly", true }, { "tinyurl.com", true }, { "t.co", true },
	{ "goo.gl", true }, { "x.t.co", true }, { "example.com", false }, { "bitly.example", false },
	{ "shorturl.at", true }, { "cutt.ly", true },
};

static void test_shorteners(void)
{
	size_t i;

	for (i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++)
		is_int(url_is_shortener(shorts[i].host), shorts[i].yes, "shortener %s", shorts[i].host);
}

static const struct {
	const char *text, *host;
} texts[] = {
	{ "www.bank.example.com", "www.bank.example.com" },
	{ "  https://Login.Bank.co.uk/secure  ", "login.bank.co.uk" },
	{ "paypal.com", "paypal.com" },
	{ "paypal.com/login.", "paypal.com" },
	{ "Click here", NULL },
	{ "Mr.Smith", NULL },
	{ "report.pdf", NULL },
	{ "me@bank.example.com", NULL },
	{ "visit paypal.com", NULL },
	{ "", NULL },
	{ "1.2", NULL },
};

static void test_text_host(void)
{
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char h[URL_HOST_MAX + 1] = "";
		bool got = url_text_host(texts[i].text, h, sizeof(h));

		is_int(got, texts[i].host != NULL, "text \"%s\" looks like a domain", texts[i].text);
		if (got && texts[i].host != NULL)
			is_str(h, texts[i].host, "text \"%s\": host", texts[i].text);
	}
}

int main(void)
{
	test_parse();
	test_extract();
	test_cap();
	test_shorteners();
	test_text_host();
	return tap_done();
}

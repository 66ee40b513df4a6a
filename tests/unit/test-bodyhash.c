/* test-bodyhash - DKIM body canonicalization: each body's canonical form
 * is written out by hand from RFC 6376 §3.4.3-3.4.5, hashed here with
 * OpenSSL directly, and compared with bodyhash fed the raw body whole,
 * in 5-byte pieces and byte by byte */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "bodyhash.h"
#include "tap.h"

struct bh_case {
	const char *name;
	bool relaxed;
	uint64_t limit;
	const char *body, *canonical;
};

static const struct bh_case cases[] = {
	{ "RFC 6376 3.4.5 relaxed", true, UINT64_MAX, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n" },
	{ "RFC 6376 3.4.5 simple", false, UINT64_MAX, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n" },
	{ "relaxed empty", true, UINT64_MAX, "", "" },
	{ "relaxed only empty lines", true, UINT64_MAX, "\r\n\r\n \r\n", "" },
	{ "simple empty", false, UINT64_MAX, "", "\r\n" },
	{ "simple only empty lines", false, UINT64_MAX, "\r\n\r\n", "\r\n" },
	{ "no final line end (relaxed)", true, UINT64_MAX, "abc  ", "abc\r\n" },
	{ "no final line end (simple)", false, UINT64_MAX, "abc  ", "abc  \r\n" },
	{ "inner empty lines kept", true, UINT64_MAX, "a\r\n\r\n\r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n" },
	{ "bare CR is content", true, UINT64_MAX, "a\rb \r\n", "a\rb\r\n" },
	{ "CR before white space", true, UINT64_MAX, "a\r b\r\n", "a\r b\r\n" },
	{ "long base64-like line", true, UINT64_MAX,
	  "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\r\nODk=\r\n",
	  "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\r\nODk=\r\n" },
	{ "tabs and spaces inside long lines", true, UINT64_MAX,
	  "The  quick\t\tbrown   fox jumps over the lazy dog,\t again and again \t \r\n",
	  "The quick brown fox jumps over the lazy dog, again and again\r\n" },
	{ "l= cuts the canonical body", true, 3, "ab  cdef\r\n", "ab " },
};

static void hash_of(const char *s, size_t n, char *out, size_t outsz)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	EVP_Digest(s, n, md, &len, EVP_sha256(), NULL);
	if (outsz >= 4 * ((len + 2) / 3) + 1)
		EVP_EncodeBlock((unsigned char *)out, md, (int)len);
}

static void run(const struct bh_case *c, size_t piece, const char *want)
{
	struct bodyhash *h = bodyhash_new(c->relaxed, false, c->limit);
	size_t n = strlen(c->body), off;
	char got[BODYHASH_B64_MAX] = "";

	for (off = 0; h != NULL && off < n; off += piece)
		bodyhash_update(h, c->body + off, n - off < piece ? n - off : piece);
	ok(h != NULL && bodyhash_final(h, got, sizeof(got)) == 0 && strcmp(got, want) == 0,
	    "%s, pieces of %zu: %s", c->name, piece, got);
	bodyhash_free(&h);
}

int main(void)
{
	char want[BODYHASH_B64_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hash_of(cases[i].canonical, strlen(cases[i].canonical), want, sizeof(want));
		run(&cases[i], 1, want);
		run(&cases[i], 5, want);
		run(&cases[i], 4096, want);
	}
	return tap_done();
}

/*
 * bodyhash - DKIM body canonicalization and hash (see bodyhash.h).
 *
 * The canonicalizer is a small state machine fed in runs: a run of plain
 * content bytes (found 16 bytes at a time with SSE2) is copied to the
 * output buffer whole, and only CR, LF and, for relaxed, SP and HTAB go
 * through the state.  Line ends are held back (pending_crlf) until content
 * follows, because empty lines at the end of the body are not hashed;
 * relaxed holds back a run of white space the same way, because it is
 * dropped at the end of a line and becomes one SP elsewhere.  Output is
 * hashed in blocks of OUT_MAX bytes, cut at the l= limit.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "bodyhash.h"

#define OUT_MAX 16384

struct bodyhash {
	EVP_MD_CTX *md;
	bool relaxed;
	bool cr;		/* a CR waiting to see whether LF follows */
	bool wsp;		/* relaxed: white space held back on this line */
	bool any;		/* content has been hashed */
	uint64_t pending_crlf;	/* line ends held back */
	uint64_t limit, emitted;
	size_t olen;
	unsigned char out[OUT_MAX];
};

struct bodyhash *bodyhash_new(bool relaxed, bool sha1, uint64_t limit)
{
	struct bodyhash *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	if ((h->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->md, sha1 ? EVP_sha1() : EVP_sha256(), NULL) != 1) {
		bodyhash_free(&h);
		return NULL;
	}
	h->relaxed = relaxed;
	h->limit = limit;
	return h;
}

void bodyhash_free(struct bodyhash **hp)
{
	if (*hp == NULL)
		return;
	EVP_MD_CTX_free((*hp)->md);
	free(*hp);
	*hp = NULL;
}

static void flush(struct bodyhash *h)
{
	if (h->olen > 0)
		(void)EVP_DigestUpdate(h->md, h->out, h->olen);
	h->olen = 0;
}

/* emit - canonical bytes, as many as the l= limit leaves */
static void emit(struct bodyhash *h, const void *p, size_t n)
{
	if (h->emitted >= h->limit)
		return;
	if (n > h->limit - h->emitted)
		n = (size_t)(h->limit - h->emitted);
	h->emitted += n;
	if (h->olen + n > OUT_MAX)
		flush(h);
	if (n > OUT_MAX) {
		(void)EVP_DigestUpdate(h->md, p, n);
		return;
	}
	memcpy(h->out + h->olen, p, n);
	h->olen += n;
}

/* content - n bytes of line content: first what was held back */
static void content(struct bodyhash *h, const char *p, size_t n)
{
	for (; h->pending_crlf > 0 && h->emitted < h->limit; h->pending_crlf--)
		emit(h, "\r\n", 2);
	h->pending_crlf = 0;
	if (h->wsp) {
		emit(h, " ", 1);
		h->wsp = false;
	}
	emit(h, p, n);
	h->any = true;
}

/* bare_cr - a CR held back turned out not to end a line: it is content */
static void bare_cr(struct bodyhash *h)
{
	h->cr = false;
	content(h, "\r", 1);
}

/* special - one CR, LF, or (relaxed) SP or HTAB */
static void special(struct bodyhash *h, char c)
{
	if (c == '\n') {
		if (!h->cr) {
			content(h, "\n", 1);
			return;
		}
		h->cr = false;
		h->wsp = false;	/* white space at the end of a line is dropped */
		h->pending_crlf++;
		return;
	}
	if (h->cr)
		bare_cr(h);
	if (c == '\r')
		h->cr = true;
	else
		h->wsp = true;
}

/* next_special - offset of the first byte in p[0..n) the state must see */
static size_t next_special(const struct bodyhash *h, const char *p, size_t n)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
	const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');

	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf));
		unsigned bits;

		if (h->relaxed)
			m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, sp), _mm_cmpeq_epi8(v, tab)));
		if ((bits = (unsigned)_mm_movemask_epi8(m)) != 0)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	for (; i < n; i++)
		if (p[i] == '\r' || p[i] == '\n' ||
		    (h->relaxed && (p[i] == ' ' || p[i] == '\t')))
			return i;
	return n;
}

void bodyhash_update(struct bodyhash *h, const char *p, size_t n)
{
	while (n > 0 && h->emitted < h->limit) {
		size_t run = next_special(h, p, n);

		if (run > 0) {
			if (h->cr)
				bare_cr(h);
			content(h, p, run);
		}
		if (run < n)
			special(h, p[run++]);
		p += run;
		n -= run;
	}
}

int bodyhash_final(struct bodyhash *h, char *out, size_t outsz)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (h->cr)
		bare_cr(h);
	h->wsp = false;	/* trailing white space of an unterminated last line */
	/* one line end after the last content line; an empty body is "" in
	 * relaxed and CRLF in simple */
	if (h->any || !h->relaxed)
		emit(h, "\r\n", 2);
	flush(h);
	if (EVP_DigestFinal_ex(h->md, md, &len) != 1 || outsz < 4 * ((len + 2) / 3) + 1)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, md, (int)len);
	return 0;
}

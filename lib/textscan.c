/*
 * textscan - word and phrase search in message text (see textscan.h).
 *
 * The text check looks for a dozen spam phrases and half a dozen
 * unsubscribe words in every text part.  Searching for each in turn took
 * a strncasecmp per offset per word (14% of the milter's CPU); one pass
 * with a 64 Kbit table of the words' lowercased first two bytes compares
 * only at offsets where some word could start.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "textscan.h"

static inline unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static inline bool word_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    c >= 0x80;
}

/* at - w matches s at i (case-insensitive), with boundaries if word */
static bool at(const char *s, size_t n, size_t i, const char *w, size_t wl, bool word)
{
	if (i + wl > n || strncasecmp(s + i, w, wl) != 0)
		return false;
	if (!word)
		return true;
	if (i > 0 && word_char((unsigned char)s[i - 1]) && word_char((unsigned char)w[0]))
		return false;
	return !(i + wl < n && word_char((unsigned char)s[i + wl]) &&
	    word_char((unsigned char)w[wl - 1]));
}

/* pair - the table index of the two bytes at p, lowercased */
static inline unsigned pair(const char *p)
{
	return (unsigned)lower((unsigned char)p[0]) << 8 | lower((unsigned char)p[1]);
}

const char *textscan_find(const char *s, size_t n, const char *w, bool word)
{
	size_t wl = strlen(w), i;
	unsigned p;

	if (wl < 2) {
		for (i = 0; i + wl <= n; i++)
			if (at(s, n, i, w, wl, word))
				return s + i;
		return NULL;
	}
	p = pair(w);
	for (i = 0; i + wl <= n; i++)
		if (pair(s + i) == p && at(s, n, i, w, wl, word))
			return s + i;
	return NULL;
}

unsigned textscan_words(const char *s, size_t n, const char *const *words, bool word,
    bool *found)
{
	uint64_t table[65536 / 64];
	size_t len[TEXTSCAN_MAX], nw, k, i;
	unsigned hits = 0;

	memset(table, 0, sizeof(table));
	for (nw = 0; nw < TEXTSCAN_MAX && words[nw] != NULL; nw++) {
		found[nw] = false;
		len[nw] = strlen(words[nw]);
		if (len[nw] >= 2)
			table[pair(words[nw]) / 64] |= UINT64_C(1) << (pair(words[nw]) % 64);
	}
	/* a word of one byte (or none) is looked for the plain way */
	for (k = 0; k < nw; k++)
		if (len[k] < 2)
			for (i = 0; i + len[k] <= n && !found[k]; i++)
				if (at(s, n, i, words[k], len[k], word))
					found[k] = true, hits++;
	for (i = 0; i + 1 < n && hits < nw; i++) {
		unsigned p = pair(s + i);

		if ((table[p / 64] & (UINT64_C(1) << (p % 64))) == 0)
			continue;
		for (k = 0; k < nw; k++)
			if (!found[k] && len[k] >= 2 && pair(words[k]) == p &&
			    at(s, n, i, words[k], len[k], word))
				found[k] = true, hits++;
	}
	return hits;
}

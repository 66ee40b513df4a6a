/*
 * textscan - case-insensitive (ASCII) search for words and phrases in
 * message text, the inner loop of the text check.
 *
 * textscan_words looks for up to TEXTSCAN_MAX words in one pass over the
 * text, whatever their number: a bitmap of the words' first two bytes
 * picks the few offsets worth comparing.  Pure functions of their input,
 * thread-safe; nothing is allocated.
 */
#ifndef PF_TEXTSCAN_H
#define PF_TEXTSCAN_H

#include <stdbool.h>
#include <stddef.h>

#define TEXTSCAN_MAX 32

/* textscan_find - the first w in s[0..n), at word boundaries when word
 * is set (a boundary is needed only next to a letter, digit or 8-bit
 * byte of w); NULL when absent */
const char *textscan_find(const char *s, size_t n, const char *w, bool word);
/* textscan_words - which of the NULL-ended words (at most TEXTSCAN_MAX)
 * occur in s[0..n): found[k] for words[k]; returns how many */
unsigned textscan_words(const char *s, size_t n, const char *const *words, bool word,
    bool *found);

#endif

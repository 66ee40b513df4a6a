/* test-hdr - header helpers: names, unfolding, encoded-words, dates,
 * sanitising, 8-bit detection; hostile inputs must finish quickly */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hdr.h"
#include "tap.h"

static void test_names(void)
{
	static const struct { const char *name; bool ok; } cases[] = {
		{ "Subject", true }, { "X-Mailer", true }, { "!#~", true },
		{ "", false }, { "Bad Name", false }, { "a:b", false },
		{ "X-\x80", false }, { "X-\t", false }, { "X\x7f", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(hdr_name_valid(cases[i].name), cases[i].ok, "name \"%s\"",
		    tap_esc(cases[i].name));
}

static void test_unfold(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "plain" },
		{ " a\r\n b", "a b" },
		{ "a\n\tb", "a\tb" },
		{ "\t  x", "x" },
		{ "a\rb", "ab" },
		{ "a\r\n\r\n c", "a c" },
		{ "", "" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		const char *err = NULL;

		is_int(hdr_unfold(cases[i].in, &b, &err), 0, "unfold %zu returns 0", i);
		is_str(buf_cstr(&b), cases[i].out, "unfold %zu", i);
		buf_free(&b);
	}
}

static void test_encoded_words(void)
{
	static const struct {
		const char *v;
		size_t bad;
		const char *why;	/* first reason, when bad > 0 */
		size_t off;
	} cases[] = {
		{ "=?UTF-8?B?SGVsbG8=?=", 0, NULL, 0 },
		{ "=?utf-8?q?J=C3=B6rg_x?=", 0, NULL, 0 },
		{ "Hello =?ISO-8859-1?Q?J=F6rg?= there", 0, NULL, 0 },
		{ "=?UTF-8?Q?a?==?UTF-8?Q?b?=", 0, NULL, 0 },
		{ "=?UTF-8*en?Q?a?=", 0, NULL, 0 },
		{ "(=?UTF-8?Q?a?=)", 0, NULL, 0 },
		{ "http://x/?a=?b?c", 0, NULL, 0 },
		{ "price =? maybe", 0, NULL, 0 },
		{ "no words at all", 0, NULL, 0 },
		{ "=?UTF-8?X?abc?=", 1, "encoding is not B or Q", 0 },
		{ "=?UTF-8?B?SGVsbG8?=", 1, "base64 text length is not a multiple of 4", 0 },
		{ "=?UTF-8?B?SGV$bG8=?=", 1, "invalid character in base64 text", 0 },
		{ "=?UTF-8?B?SG=sbG8=?=", 1, "invalid character in base64 text", 0 },
		{ "=?UTF-8?Q?J=C?=", 1, "'=' not followed by two hex digits in Q text", 0 },
		{ "=?UTF-8?Q?J=ZZ?=", 1, "'=' not followed by two hex digits in Q text", 0 },
		{ "=?UTF-8?Q?J\xc3\xb6rg?=", 1, "8-bit byte in Q text", 0 },
		{ "=?UTF-8?Q?abc", 1, "missing \"?=\" terminator", 0 },
		{ "=?UTF-8?Q?abc def?=", 1, "missing \"?=\" terminator", 0 },
		{ "=?UTF-8?Q?a?b?=", 1, "'?' inside the encoded text", 0 },
		{ "=??Q?abc?=", 1, "missing charset", 0 },
		{ "=?UTF-8?B?" "?=", 1, "empty encoded text", 0 },
		{ "ok =?UTF-8?B?SGVsbG8=?= =?UTF-8?X?a?=", 1, "encoding is not B or Q", 24 },
		{ "=?a?X?b?= =?a?Y?c?=", 2, "encoding is not B or Q", 0 },
		{ "=?UTF-8?B?QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5"
		  "ejAx?=", 1, "longer than 75 characters", 0 },
	};
	size_t i, off;
	const char *why;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		off = 999;
		is_int(hdr_encoded_words_check(cases[i].v, &why, &off), cases[i].bad,
		    "encoded-words in \"%s\"", tap_esc(cases[i].v));
		if (cases[i].bad > 0) {
			is_str(why, cases[i].why, "reason for \"%s\"", tap_esc(cases[i].v));
			is_int(off, cases[i].off, "offset for \"%s\"", tap_esc(cases[i].v));
		}
	}
	is_int(hdr_encoded_words_check("=?a?X?b?=", NULL, NULL), 1, "NULL outputs allowed");
}

static void test_dates(void)
{
	static const struct { const char *v; long long t; } cases[] = {
		{ "Tue, 2 Jan 2024 10:00:00 +0100", 1704186000 },
		{ "2 Jan 2024 09:00:00 +0000", 1704186000 },
		{ "Tue, 02 Jan 2024 09:00 GMT", 1704186000 },
		{ "Tue, 2 Jan 2024 09:00:00 UT", 1704186000 },
		{ "Tue, 2 Jan 2024 04:00:00 EST", 1704186000 },
		{ "Tue, 2 Jan 2024 05:00:00 EDT", 1704186000 },
		{ "Tue, 2 Jan 2024 03:00:00 CST", 1704186000 },
		{ "Tue, 2 Jan 2024 01:00:00 PST", 1704186000 },
		{ "Tue, 2 Jan 2024 09:00:00 Z", 1704186000 },
		{ "Tue, 2 Jan 2024 09:00:00 A", 1704186000 },
		{ "Tue, 2 Jan 2024 03:30:00 -0530", 1704186000 },
		{ "Tue, 2 Jan 24 10:00:00 +0100", 1704186000 },
		{ "Fri, 31 Dec 99 23:59:59 +0000", 946684799 },
		{ "(c) Tue (x) , 2 (y) Jan (z) 2024 10 : 00 : 00 +0100 (CET)", 1704186000 },
		{ "Tue, 2 Jan 2024 10:00:00 +0100 (nested (comment) here)", 1704186000 },
		{ "tue, 2 jan 2024 09:00:00 gmt", 1704186000 },
		{ "Tue,\r\n 2 Jan 2024\r\n 09:00:00 +0000", 1704186000 },
		{ "  Tue, 2 Jan 2024 9:00:00 +0000  ", 1704186000 },
		{ "29 Feb 2000 12:00:00 +0000", 951825600 },
		{ "29 Feb 2024 00:00:00 +0000", 1709164800 },
		{ "1 Jan 1970 00:00:00 +0000", 0 },
		{ "1 Jan 1900 00:00:00 +0000", -2208988800LL },
		{ "31 Dec 9999 23:59:59 +0000", 253402300799LL },
		{ "1 Mar 49 05:00:00 +0000", 2498187600LL },
		{ "1 Mar 50 05:00:00 +0000", -626036400LL },
		{ "1 Mar 050 05:00:00 +0000", -626036400LL },
		{ "30 Jun 2024 23:59:60 +0000", 1719792000 },
		/* unparseable or out of range */
		{ "29 Feb 2023 12:00:00 +0000", -1 },
		{ "31 Apr 2024 12:00:00 +0000", -1 },
		{ "0 Apr 2024 12:00:00 +0000", -1 },
		{ "2 Jan 2024 24:00:00 +0000", -1 },
		{ "2 Jan 2024 09:60:00 +0000", -1 },
		{ "2 Jan 2024 09:00:61 +0000", -1 },
		{ "2 Jan 2024 09:00:00 +0160", -1 },
		{ "2 Jan 2024 09:00:00 +100", -1 },
		{ "2 Jan 2024 09:00:00", -1 },
		{ "2 Jan 2024 09:00:00 CET", -1 },
		{ "2 Jan 2024 09:00:00 J", -1 },
		{ "Monday, 2 Jan 2024 09:00:00 +0000", -1 },
		{ "Tue 2 Jan 2024 09:00:00 +0000", -1 },
		{ "Xyz, 2 Jan 2024 09:00:00 +0000", -1 },
		{ "2 January 2024 09:00:00 +0000", -1 },
		{ "2 Foo 2024 09:00:00 +0000", -1 },
		{ "2 Jan 2024 09:00:00 +0000 trailing", -1 },
		{ "2 Jan 2024 09:00:00 +0000 (unterminated", -1 },
		{ "2 Jan 1899 00:00:00 +0000", -1 },
		{ "1 Jan 10000 00:00:00 +0000", -1 },
		{ "1 Jan 7 00:00:00 +0000", -1 },
		{ "2024-01-02T09:00:00Z", -1 },
		{ "yesterday", -1 },
		{ "", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_int(hdr_date_parse(cases[i].v), cases[i].t, "date \"%s\"", tap_esc(cases[i].v));
}

/* max_line - longest line of s, the first counting `used` octets more */
static size_t max_line(const char *s, size_t used)
{
	size_t best = 0, cur = used;

	for (; *s != '\0'; s++) {
		if (*s == '\n') {
			best = cur > best ? cur : best;
			cur = 0;
		} else {
			cur++;
		}
	}
	return cur > best ? cur : best;
}

/* strip_folds - s without its "\n\t" folds (each had replaced a blank) */
static char *strip_folds(const char *s, bool blank)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	for (; *s != '\0'; s++) {
		if (s[0] == '\n' && s[1] == '\t') {
			if (blank)
				*o++ = ' ';
			s++;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static void test_sanitize(void)
{
	static const struct { const char *in; size_t used; const char *out; } cases[] = {
		{ "hello   world", 13, "hello world" },
		{ "a\r\nb\tc\x01" "d\x7f" "e", 13, "a b c d e" },
		{ "  lead and trail  ", 13, "lead and trail" },
		{ "f\xc3\xbcr", 13, "f??r" },
		{ "", 13, "" },
		{ " \r\n\t ", 13, "" },
		{ "hold score=20 findings=format-from-count,format-date-missing,"
		  "format-message-id-missing", 13,
		  "hold score=20\n\tfindings=format-from-count,format-date-missing,"
		  "format-message-id-missing" },
	};
	struct buf b = BUF_INIT, in = BUF_INIT;
	const char *err = NULL;
	char *plain;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_truncate(&b, 0);
		is_int(hdr_sanitize(cases[i].in, cases[i].used, &b, &err), 0, "sanitize %zu ok", i);
		is_str(buf_cstr(&b), cases[i].out, "sanitize %zu", i);
	}

	/* many short words: every line <= 78, and unfolding gives the input back */
	for (i = 0; i < 60; i++)
		buf_printf(&in, "%sword%zu", i ? " " : "", i);
	buf_truncate(&b, 0);
	hdr_sanitize(in.data, 13, &b, &err);
	ok(max_line(b.data, 13) <= HDR_LINE_SOFT, "short words fold within 78 (got %zu)",
	    max_line(b.data, 13));
	ok(strchr(b.data, '\n') != NULL, "short words are folded");
	plain = strip_folds(b.data, true);
	is_str(plain, in.data, "folding only replaced blanks");
	free(plain);

	/* a 2500-octet token is split hard below 998 and kept otherwise intact */
	buf_truncate(&in, 0);
	buf_puts(&in, "short ");
	for (i = 0; i < 2500; i++)
		buf_putc(&in, (char)('a' + i % 26));
	buf_truncate(&b, 0);
	hdr_sanitize(in.data, 13, &b, &err);
	ok(max_line(b.data, 13) <= HDR_LINE_HARD, "long token lines <= 998 (got %zu)",
	    max_line(b.data, 13));
	plain = strip_folds(b.data, false);
	memmove(in.data + 5, in.data + 6, in.len - 5);	/* the blank became a fold */
	is_str(plain, in.data, "hard split keeps every octet of the token");
	free(plain);

	/* a name that already fills the first line */
	buf_truncate(&b, 0);
	hdr_sanitize("x y", 2000, &b, &err);
	ok(strncmp(b.data, "\n\tx", 3) == 0, "over-full first line folds first");
	buf_free(&b);
	buf_free(&in);
}

static void test_8bit(void)
{
	ok(!hdr_has_8bit("plain ascii ~"), "ascii is not 8-bit");
	ok(hdr_has_8bit("f\xc3\xbcr"), "utf-8 is 8-bit");
	ok(hdr_has_8bit("\xff"), "0xff is 8-bit");
	ok(!hdr_has_8bit(""), "empty is not 8-bit");
}

/* hostile - huge inputs finish in linear time */
static void test_hostile(void)
{
	size_t n = 200000, i;
	char *s = malloc(n + 64);
	clock_t t0 = clock();
	struct buf b = BUF_INIT;
	const char *err = NULL;

	for (i = 0; i < n; i++)
		s[i] = '(';
	s[n] = '\0';
	is_int(hdr_date_parse(s), -1, "200k '(' date is unparseable");
	for (i = 0; i < n; i += 2)
		memcpy(s + i, "=?", 2);
	ok(hdr_encoded_words_check(s, NULL, NULL) == 0, "200k \"=?\" has no encoded-word");
	for (i = 0; i + 6 <= n; i += 6)
		memcpy(s + i, "=?a?Q?", 6);
	s[i] = '\0';
	hdr_encoded_words_check(s, NULL, NULL);
	memset(s, 'a', n);
	memcpy(s, "=?a?Q?", 6);
	s[n] = '\0';
	is_int(hdr_encoded_words_check(s, NULL, NULL), 1, "200k unterminated encoded-word");
	memset(s, '\r', n);
	is_int(hdr_sanitize(s, 13, &b, &err), 0, "200k CRs sanitise");
	is_str(buf_cstr(&b), "", "200k CRs become nothing");
	ok((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0, "hostile inputs took %.3fs",
	    (double)(clock() - t0) / CLOCKS_PER_SEC);
	buf_free(&b);
	free(s);
}

int main(void)
{
	test_names();
	test_unfold();
	test_encoded_words();
	test_dates();
	test_sanitize();
	test_8bit();
	test_hostile();
	return tap_done();
}

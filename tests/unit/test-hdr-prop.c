/*
 * test-hdr-prop - property test of everything Preflight writes into a
 * header or an SMTP reply: hdr_sanitize (the tag header), hdr_reply_line
 * (reply lines and the quarantine reason) and policy_reason composed with
 * hdr_reply_line (what act_quarantine hands to smfi_quarantine).
 *
 * 100,000 random inputs per writer (PREFLIGHT_PROP_ITER to change), from a
 * seeded xorshift generator: the seed is printed, PREFLIGHT_SEED repeats a
 * run.  Inputs mix plain words, blanks, CR, LF, NUL, 8-bit bytes, '%',
 * header-injection attempts ("\r\nBcc: x") and long runs without a blank,
 * up to ~5000 octets.  One TAP line per property: the number of inputs
 * that broke it, and the first such input in hex.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "finding.h"
#include "hdr.h"
#include "policy.h"
#include "tap.h"

#define PROP_MAX_LEN 5000
#define REPLY_MAX 400		/* milter/actions.c ACT_REPLY_LINE_MAX */

/* One property: how many inputs broke it, and the first of them. */
struct prop {
	const char *name;
	unsigned long fails;
	unsigned char *first;
	size_t first_len;
	size_t first_used;
};

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static size_t rng_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(rng() % n);
}

/* gen_byte - one byte of the given mix */
static unsigned char gen_byte(int mode)
{
	static const char nasty[] = "\r\n\t \0%\x7f\x80\xff:";
	size_t r = rng_below(100);

	switch (mode) {
	case 0:			/* any byte */
		return (unsigned char)rng();
	case 1:			/* words with some blanks and a few controls */
		if (r < 80)
			return (unsigned char)('a' + rng_below(26));
		if (r < 92)
			return ' ';
		return (unsigned char)nasty[rng_below(sizeof(nasty) - 1)];
	default:		/* line ends and controls above all */
		if (r < 50)
			return (unsigned char)nasty[rng_below(4)];
		return (unsigned char)(r < 75 ? 'x' : rng_below(256));
	}
}

/* gen - a random input into b[0..*len); returns its length */
static size_t gen(unsigned char *b)
{
	static const char inject[] = "\r\nBcc: victim@example.org\r\n";
	size_t len, i = 0, run;
	int mode = (int)rng_below(5);

	/* mostly short, as real values are; every fifth up to the maximum */
	len = rng_below(5) == 0 ? rng_below(PROP_MAX_LEN + 1) : rng_below(300);
	while (i < len) {
		if (mode == 3 && rng_below(50) == 0) {
			/* a run without a blank, often longer than a header line */
			run = 1 + rng_below(2500);
			while (run-- > 0 && i < len)
				b[i++] = (unsigned char)('A' + rng_below(26));
		} else if (mode == 4 && rng_below(40) == 0) {
			for (run = 0; inject[run] != '\0' && i < len; run++)
				b[i++] = (unsigned char)inject[run];
		} else {
			b[i++] = gen_byte(mode > 2 ? 1 : mode);
		}
	}
	return len;
}

static void prop_fail(struct prop *p, const unsigned char *in, size_t len, size_t used)
{
	if (p->fails++ > 0)
		return;
	p->first = malloc(len + 1);
	if (p->first != NULL)
		memcpy(p->first, in, len);
	p->first_len = len;
	p->first_used = used;
}

/* prop_report - the TAP line; the first failing input in hex */
static void prop_report(struct prop *p, unsigned long runs)
{
	size_t i;

	ok(p->fails == 0, "%s (%lu of %lu inputs break it)", p->name, p->fails, runs);
	if (p->fails > 0 && p->first != NULL) {
		printf("#   first failing input (%zu octets, used %zu):", p->first_len,
		    p->first_used);
		for (i = 0; i < p->first_len && i < 2000; i++)
			printf("%s%02x", i % 32 == 0 ? "\n#   " : "", p->first[i]);
		printf("\n");
	}
	free(p->first);
	p->first = NULL;
}

/* visible - the non-blank octets of s, 8-bit ones as '?', as hdr_sanitize
 * keeps them; the input is cut at its first NUL as a C string would be */
static void visible(const unsigned char *s, size_t n, struct buf *out)
{
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++)
		if (s[i] > 0x20 && s[i] != 0x7f)
			buf_putc(out, s[i] >= 0x80 ? '?' : (char)s[i]);
}

enum { S_NOCR, S_NONUL, S_LF, S_CHARS, S_LINE, S_BLANKLINE, S_NONEMPTY, S_KEEP, S_NPROPS };

/* check_sanitized - the properties of one hdr_sanitize output (each
 * counted once per input); returns its longest line, name included */
static size_t check_sanitized(struct prop *p, const unsigned char *in, size_t len, size_t used,
    const struct buf *out)
{
	struct buf want = BUF_INIT, got = BUF_INIT;
	const char *s = buf_cstr(out);
	size_t i, col = used, maxcol = used;
	bool bad[S_NPROPS] = { false }, line_has = true;

	bad[S_NOCR] = memchr(s, '\r', out->len) != NULL;
	bad[S_NONUL] = strlen(s) != out->len;
	for (i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n') {
			bad[S_LF] |= s[i + 1] != ' ' && s[i + 1] != '\t';
			bad[S_BLANKLINE] |= !line_has;
			line_has = false;
			col = 0;
			continue;
		}
		bad[S_CHARS] |= (c < 0x20 && c != '\t') || c > 0x7e;
		line_has |= c != ' ' && c != '\t';
		if (++col > maxcol)
			maxcol = col;
	}
	bad[S_LINE] = maxcol > HDR_LINE_HARD;
	bad[S_BLANKLINE] |= out->len > 0 && !line_has;
	visible(in, len, &want);
	visible((const unsigned char *)s, out->len, &got);
	bad[S_NONEMPTY] = want.len > 0 && out->len == 0;
	bad[S_KEEP] = want.len != got.len ||
	    (want.len > 0 && memcmp(want.data, got.data, want.len) != 0);
	for (i = 0; i < S_NPROPS; i++)
		if (bad[i])
			prop_fail(&p[i], in, len, used);
	buf_free(&want);
	buf_free(&got);
	return maxcol;
}

static void test_sanitize(unsigned long runs, unsigned char *in)
{
	struct prop p[S_NPROPS] = {
		[S_NOCR] = { .name = "hdr_sanitize: no CR" },
		[S_NONUL] = { .name = "hdr_sanitize: no NUL" },
		[S_LF] = { .name = "hdr_sanitize: LF only in a fold (LF then SP/HT)" },
		[S_CHARS] = { .name = "hdr_sanitize: only printable ASCII, HT and folds" },
		[S_LINE] = { .name = "hdr_sanitize: no line over 998 octets, name included" },
		[S_BLANKLINE] = { .name = "hdr_sanitize: no line of blanks only" },
		[S_NONEMPTY] = { .name = "hdr_sanitize: a value when the input has one" },
		[S_KEEP] = { .name = "hdr_sanitize: every visible octet kept, in order" },
	};
	struct buf out = BUF_INIT;
	const char *err = NULL;
	unsigned long n, oom = 0, folded = 0, hard = 0;
	size_t len, used, i;

	for (n = 0; n < runs; n++) {
		len = gen(in);
		in[len] = '\0';
		/* "Name: ": HeaderName is at most 76 octets; now and then more */
		used = rng_below(10) == 0 ? 2 + rng_below(990) : 2 + rng_below(77);
		buf_truncate(&out, 0);
		if (hdr_sanitize((const char *)in, used, &out, &err) < 0) {
			oom++;
			continue;
		}
		if (check_sanitized(p, in, len, used, &out) > 900)
			hard++;
		if (memchr(out.data, '\n', out.len) != NULL)
			folded++;
	}
	is_int(oom, 0, "hdr_sanitize: never fails (out of memory)");
	/* the generator reaches the limits: folds, and lines near 998 */
	ok(folded >= runs / 10 && hard >= runs / 100, "inputs reach the limits: "
	    "%lu folded, %lu with a line over 900 octets", folded, hard);
	for (i = 0; i < S_NPROPS; i++)
		prop_report(&p[i], runs);
	buf_free(&out);
}

enum { R_CHARS, R_LEN, R_EXACT, R_NPROPS };

/* check_reply - the properties of one hdr_reply_line output */
static void check_reply(struct prop *p, const unsigned char *in, size_t len, size_t max,
    const struct buf *out)
{
	size_t i, want = len < max ? len : max;
	bool same = true;

	for (i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)out->data[i];

		if (c < 0x20 || c > 0x7e || c == '%')
			break;
	}
	if (i < out->len)
		prop_fail(&p[R_CHARS], in, len, max);
	if (out->len != want)
		prop_fail(&p[R_LEN], in, len, max);
	/* kept text: every printable octet but '%' survives where it was */
	for (i = 0; i < out->len && i < (len > max ? max - 3 : len); i++) {
		unsigned char c = in[i];

		if (c >= 0x20 && c <= 0x7e && c != '%' && out->data[i] != (char)c)
			same = false;
	}
	if (!same || (len > max && (out->len < 3 || memcmp(out->data + out->len - 3, "...", 3))))
		prop_fail(&p[R_EXACT], in, len, max);
}

static void test_reply(unsigned long runs, unsigned char *in)
{
	struct prop p[R_NPROPS] = {
		[R_CHARS] = { .name = "hdr_reply_line: printable ASCII only, no '%', CR, LF, NUL" },
		[R_LEN] = { .name = "hdr_reply_line: min(len, max) octets" },
		[R_EXACT] = { .name = "hdr_reply_line: printable text kept, a cut ends in ..." },
	};
	struct buf out = BUF_INIT;
	const char *err = NULL;
	unsigned long n, oom = 0;
	size_t len, max, i;

	for (n = 0; n < runs; n++) {
		len = gen(in);
		max = rng_below(4) == 0 ? 4 + rng_below(1000) : REPLY_MAX;
		buf_truncate(&out, 0);
		if (hdr_reply_line((const char *)in, len, max, &out, &err) < 0) {
			oom++;
			continue;
		}
		check_reply(p, in, len, max, &out);
	}
	is_int(oom, 0, "hdr_reply_line: never fails (out of memory)");
	for (i = 0; i < R_NPROPS; i++)
		prop_report(&p[i], runs);
	buf_free(&out);
}

/* test_reason - random finding ids through policy_reason, then through
 * hdr_reply_line as act_quarantine does */
static void test_reason(unsigned long runs, unsigned char *in)
{
	static const struct finding_reply none[] = { { NULL, NULL } };
	struct prop p[2] = {
		{ .name = "quarantine reason: printable ASCII only, no CR, LF, NUL" },
		{ .name = "quarantine reason: 1..100 octets" },
	};
	struct finding_def defs[8];
	struct buf reason = BUF_INIT, safe = BUF_INIT;
	const char *err = NULL;
	unsigned long n, oom = 0;
	size_t k, nids, off, len, i;

	for (n = 0; n < runs; n++) {
		struct finding_list fl = FINDING_LIST_INIT;

		/* up to 8 ids cut from one random input, each NUL-terminated */
		len = gen(in) % 600;
		in[len] = '\0';
		nids = 1 + rng_below(8);
		for (k = 0, off = 0; k < nids; k++) {
			memset(&defs[k], 0, sizeof(defs[k]));
			defs[k].id = (const char *)in + off;
			defs[k].score = (double)rng_below(11);
			defs[k].title = defs[k].remedy = "";
			defs[k].predicted = none;
			off += strlen((const char *)in + off);
			if (off < len)
				off++;
			if (finding_add(&fl, &defs[k], "x") == NULL)
				oom++;
		}
		buf_truncate(&reason, 0);
		buf_truncate(&safe, 0);
		if (policy_reason(&fl, POLICY_REASON_MAX, &reason) < 0 ||
		    hdr_reply_line(reason.data, reason.len, POLICY_REASON_MAX, &safe, &err) < 0) {
			oom++;
		} else {
			for (i = 0; i < safe.len; i++)
				if (safe.data[i] < 0x20 || safe.data[i] > 0x7e)
					break;
			if (i < safe.len || strlen(buf_cstr(&safe)) != safe.len)
				prop_fail(&p[0], in, len, 0);
			if (safe.len == 0 || safe.len > POLICY_REASON_MAX)
				prop_fail(&p[1], in, len, 0);
		}
		finding_list_free(&fl);
	}
	is_int(oom, 0, "quarantine reason: never fails (out of memory)");
	prop_report(&p[0], runs);
	prop_report(&p[1], runs);
	buf_free(&reason);
	buf_free(&safe);
}

/* test_self - the checker catches what it must: a CR, a bare LF and a
 * 999-octet line, handed to it as if hdr_sanitize had written them */
static void test_self(void)
{
	static const char *const bad[] = { "a\rb", "a\nb", "a\n\t\n\tb", "a b" };
	static const int which[] = { S_NOCR, S_LF, S_BLANKLINE, S_KEEP };
	const unsigned char in[] = "a c";
	struct buf out = BUF_INIT;
	struct prop p[S_NPROPS];
	size_t i, k;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(p, 0, sizeof(p));
		buf_truncate(&out, 0);
		buf_puts(&out, bad[i]);
		check_sanitized(p, in, sizeof(in) - 1, 13, &out);
		ok(p[which[i]].fails == 1, "the checker catches \"%s\"", tap_esc(bad[i]));
		for (k = 0; k < S_NPROPS; k++)
			free(p[k].first);
	}
	memset(p, 0, sizeof(p));
	buf_truncate(&out, 0);
	for (i = 0; i < 999 - 13; i++)
		buf_putc(&out, 'x');
	check_sanitized(p, in, sizeof(in) - 1, 13, &out);
	ok(p[S_LINE].fails == 1, "the checker catches a 999-octet line");
	for (i = 0; i < S_NPROPS; i++)
		free(p[i].first);
	buf_free(&out);
}

int main(void)
{
	const char *env = getenv("PREFLIGHT_SEED"), *iter = getenv("PREFLIGHT_PROP_ITER");
	unsigned long runs = iter != NULL ? strtoul(iter, NULL, 10) : 100000;
	uint64_t seed = env != NULL ? strtoull(env, NULL, 0)
	    : (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
	unsigned char *in = malloc(PROP_MAX_LEN + 1);
	clock_t t0 = clock();

	if (seed == 0)
		seed = 1;	/* xorshift never leaves 0 */
	printf("# seed %" PRIu64 " (PREFLIGHT_SEED=%" PRIu64 " repeats this run), %lu inputs each\n",
	    seed, seed, runs);
	if (in == NULL)
		return 1;
	test_self();
	rng_state = seed;
	test_sanitize(runs, in);
	test_reply(runs, in);
	test_reason(runs, in);
	printf("# %.2f s of CPU\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
	free(in);
	return tap_done();
}

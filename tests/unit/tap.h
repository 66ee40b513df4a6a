/*
 * tap.h - a tiny TAP producer for the unit tests.
 *
 * Each ok() prints "ok N - name" or "not ok N - name" with the failing
 * expression; tap_done() prints the plan and returns the exit status.
 * Automake's tap-driver.sh counts the lines, and scripts/test.sh sums them
 * into the closing "N passed, N failed" line.  Header-only and static so
 * that every test program is one file.
 */
#ifndef PF_TAP_H
#define PF_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 4, 5), unused))
static int tap_ok(int cond, const char *expr, int line, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   failed at line %d: %s\n", line, expr);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), #cond, __LINE__, __VA_ARGS__)

/* is_str - string equality with both values shown on failure */
#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (!ok(g_ != NULL && w_ != NULL ? strcmp(g_, w_) == 0 : g_ == w_, __VA_ARGS__)) \
		printf("#   got: \"%s\"\n#   want: \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

/* is_int - integer equality with both values shown on failure */
#define is_int(got, want, ...) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (!ok(g_ == w_, __VA_ARGS__))					\
		printf("#   got: %lld\n#   want: %lld\n", g_, w_);	\
} while (0)

/* tap_esc - s printable for a TAP line (CR, LF, controls and 8-bit as \xNN),
 * shortened; four rotating buffers so one call may use several */
__attribute__((unused))
static const char *tap_esc(const char *s)
{
	static char bufs[4][200];
	static int k;
	char *b = bufs[k++ & 3];
	size_t o = 0;

	for (; *s != '\0' && o < sizeof(bufs[0]) - 8; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			b[o++] = (char)c;
		else
			o += (size_t)snprintf(b + o, 5, "\\x%02x", c);
	}
	if (*s != '\0') {
		memcpy(b + o, "...", 3);
		o += 3;
	}
	b[o] = '\0';
	return b;
}

__attribute__((unused))
static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif

/*
 * hdr - single-header helpers (see hdr.h for the contract).
 *
 * Everything here is a single forward scan over the value: comments in
 * dates are skipped with a depth counter instead of recursion, and an
 * encoded-word scan never rereads text it has passed, so hostile values of
 * any length cost linear time.  Dates are converted with days_from_civil
 * (proleptic Gregorian calendar) rather than strptime/timegm, which depend
 * on the locale and are not in every libc.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "hdr.h"

static const char oom[] = "out of memory";

/* comments nested deeper than this make a date unparseable */
#define HDR_COMMENT_DEPTH 32

bool hdr_name_valid(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;

	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (*p < 33 || *p > 126 || *p == ':')
			return false;
	return true;
}

int hdr_unfold(const char *value, struct buf *out, const char **error_r)
{
	const char *p = value, *run;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p != '\0') {
		run = p;
		p += strcspn(p, "\r\n");
		if (buf_append(out, run, (size_t)(p - run)) < 0) {
			*error_r = oom;
			return -1;
		}
		p += strspn(p, "\r\n");
	}
	return 0;
}

bool hdr_has_8bit(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++)
		if (*p >= 0x80)
			return true;
	return false;
}

/* --- RFC 2047 encoded-words --- */

/* ew_token_char - a charset byte: RFC 2047 token (no especials) */
static bool ew_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\"/[]?.=", c) == NULL;
}

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

static bool is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* ew_text_bad - why the encoded text t[0..n) is not valid for enc, or NULL */
static const char *ew_text_bad(char enc, const unsigned char *t, size_t n)
{
	size_t i, pad = 0;

	if (n == 0)
		return "empty encoded text";
	if (enc == 'Q') {
		for (i = 0; i < n; i++) {
			if (t[i] >= 0x7f)
				return "8-bit byte in Q text";
			if (t[i] == '=' && (i + 2 >= n || !is_hex(t[i + 1]) || !is_hex(t[i + 2])))
				return "'=' not followed by two hex digits in Q text";
		}
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (t[i] == '=')
			pad++;
		else if (pad > 0 || !is_b64(t[i]))
			return "invalid character in base64 text";
	}
	if (pad > 2 || n % 4 != 0)
		return "base64 text length is not a multiple of 4";
	return NULL;
}

/* ew_starts_word - may an encoded-word start at offset i? */
static bool ew_starts_word(const unsigned char *v, size_t i)
{
	if (i == 0)
		return true;
	if (strchr(" \t\r\n(\"", v[i - 1]) != NULL)
		return true;
	return i >= 2 && v[i - 2] == '?' && v[i - 1] == '=';
}

/* ew_check_one - examine the candidate at v+i; *end_r gets the offset to
 * resume from; returns NULL (valid or not an encoded-word) or a reason */
static const char *ew_check_one(const unsigned char *v, size_t i, size_t *end_r)
{
	size_t j = i + 2, k;
	const char *why;
	char enc;

	while (ew_token_char(v[j]))
		j++;
	*end_r = i + 2;
	if (v[j] != '?')
		return NULL;	/* "=?" in ordinary text */
	if (j == i + 2)
		return "missing charset";
	enc = (char)v[j + 1];
	if (enc == 'b' || enc == 'q')
		enc = (char)(enc - 'a' + 'A');
	if ((enc != 'B' && enc != 'Q') || v[j + 2] != '?') {
		*end_r = j + 1;
		return "encoding is not B or Q";
	}
	/* The text runs to "?=" and may hold no blank or control. */
	for (k = j + 3; v[k] > 0x20 && v[k] != 0x7f; k++)
		if (v[k] == '?' && v[k + 1] == '=')
			break;
	if (v[k] != '?') {
		*end_r = k;
		return "missing \"?=\" terminator";
	}
	*end_r = k + 2;
	if (memchr(v + j + 3, '?', k - (j + 3)) != NULL)
		return "'?' inside the encoded text";
	if ((why = ew_text_bad(enc, v + j + 3, k - (j + 3))) != NULL)
		return why;
	if (k + 2 - i > HDR_EW_MAX)
		return "longer than 75 characters";
	return NULL;
}

size_t hdr_encoded_words_check(const char *value, const char **reason_r, size_t *offset_r)
{
	const unsigned char *v = (const unsigned char *)value;
	size_t i = 0, end, bad = 0;
	const char *why;

	while (v[i] != '\0') {
		if (v[i] != '=' || v[i + 1] != '?' || !ew_starts_word(v, i)) {
			i++;
			continue;
		}
		why = ew_check_one(v, i, &end);
		if (why != NULL) {
			if (bad++ == 0) {
				if (reason_r != NULL)
					*reason_r = why;
				if (offset_r != NULL)
					*offset_r = i;
			}
		}
		i = end;
	}
	return bad;
}

/* --- RFC 5322 date-time --- */

/* skip_cfws - skip blanks, line ends and (nested) comments; false when a
 * comment is unterminated or nested too deeply */
static bool skip_cfws(const char **pp)
{
	const char *p = *pp;
	int depth;

	for (;;) {
		p += strspn(p, " \t\r\n");
		if (*p != '(')
			break;
		for (depth = 0; *p != '\0'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '(' && ++depth > HDR_COMMENT_DEPTH)
				return false;
			else if (*p == ')' && --depth == 0)
				break;
		}
		if (*p == '\0')
			return false;
		p++;
	}
	*pp = p;
	return true;
}

/* get_num - 1..max digits; returns the digit count, 0 if none or too many */
static int get_num(const char **pp, int max, int *v_r)
{
	const char *p = *pp;
	int n = 0, v = 0;

	while (*p >= '0' && *p <= '9') {
		if (++n > max)
			return 0;
		v = v * 10 + (*p++ - '0');
	}
	*v_r = v;
	*pp = p;
	return n;
}

/* get_word - letters only, up to max; returns the length, 0 if too long */
static size_t get_word(const char **pp, char *w, size_t max)
{
	size_t n = 0;
	const char *p = *pp;

	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
		if (n >= max)
			return 0;
		w[n++] = *p++;
	}
	w[n] = '\0';
	*pp = p;
	return n;
}

static int name_index(const char *w, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcasecmp(w, names[i]) == 0)
			return i;
	return -1;
}

/* zone_offset - seconds east of UTC for a zone name, or false */
static bool zone_offset(const char *w, long *off_r)
{
	static const char *const names[] = {
		"UT", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT",
	};
	static const int hours[] = { 0, 0, 0, -5, -4, -6, -5, -7, -6, -8, -7 };
	int i = name_index(w, names, 11);

	if (i >= 0) {
		*off_r = hours[i] * 3600L;
		return true;
	}
	/* RFC 5322 §4.3: other military zones mean nothing reliable: -0000 */
	if (strlen(w) == 1 && w[0] != 'J' && w[0] != 'j') {
		*off_r = 0;
		return true;
	}
	return false;
}

/* days_from_civil - days since 1970-01-01 (H. Hinnant's algorithm) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static unsigned days_in_month(int y, int m)
{
	static const unsigned char dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* parse_dmy - [day-of-week ","] day month year */
static bool parse_dmy(const char **pp, int *d, int *mon, int *y)
{
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	char w[8];
	int n;

	if (!skip_cfws(pp))
		return false;
	if (get_word(pp, w, 3) > 0) {
		if (name_index(w, days, 7) < 0 || !skip_cfws(pp) || **pp != ',')
			return false;
		(*pp)++;
		if (!skip_cfws(pp))
			return false;
	}
	if (get_num(pp, 2, d) == 0 || !skip_cfws(pp))
		return false;
	if (get_word(pp, w, 3) != 3 || (*mon = name_index(w, months, 12) + 1) == 0)
		return false;
	if (!skip_cfws(pp) || (n = get_num(pp, 4, y)) < 2)
		return false;
	if (n == 2)
		*y += *y < 50 ? 2000 : 1900;
	else if (n == 3)
		*y += 1900;
	return *y >= 1900 && *d >= 1 && (unsigned)*d <= days_in_month(*y, *mon);
}

/* parse_time - hour ":" minute [":" second] */
static bool parse_time(const char **pp, int *h, int *mi, int *s)
{
	*s = 0;
	if (!skip_cfws(pp) || get_num(pp, 2, h) == 0 || !skip_cfws(pp) || **pp != ':')
		return false;
	(*pp)++;
	if (!skip_cfws(pp) || get_num(pp, 2, mi) != 2 || !skip_cfws(pp))
		return false;
	if (**pp == ':') {
		(*pp)++;
		if (!skip_cfws(pp) || get_num(pp, 2, s) != 2)
			return false;
	}
	return *h <= 23 && *mi <= 59 && *s <= 60;
}

/* parse_zone - ("+" / "-") 4DIGIT, or an obsolete zone name */
static bool parse_zone(const char **pp, long *off_r)
{
	char w[8];
	int v, sign;

	if (!skip_cfws(pp))
		return false;
	if (**pp == '+' || **pp == '-') {
		sign = **pp == '-' ? -1 : 1;
		(*pp)++;
		if (get_num(pp, 4, &v) != 4 || v % 100 > 59)
			return false;
		*off_r = sign * ((v / 100) * 3600L + (v % 100) * 60L);
		return true;
	}
	return get_word(pp, w, 3) > 0 && zone_offset(w, off_r);
}

time_t hdr_date_parse(const char *value)
{
	const char *p = value;
	int d, mon, y, h, mi, s;
	long off;
	int64_t t;

	if (!parse_dmy(&p, &d, &mon, &y) || !parse_time(&p, &h, &mi, &s) ||
	    !parse_zone(&p, &off) || !skip_cfws(&p) || *p != '\0')
		return -1;
	t = days_from_civil(y, (unsigned)mon, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + s - off;
	return (time_t)t;
}

/* --- sanitising the headers and reply lines we write --- */

struct fold {
	struct buf *out;
	size_t col;		/* octets on the current line */
	bool has_word;		/* the current line holds a word already */
};

/* fold_raw - append n bytes, 8-bit ones as '?' */
static int fold_raw(struct fold *f, const unsigned char *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf_putc(f->out, w[i] >= 0x80 ? '?' : (char)w[i]) < 0)
			return -1;
	f->col += n;
	return 0;
}

static int fold_break(struct fold *f)
{
	f->col = 1;
	f->has_word = false;
	return buf_puts(f->out, "\n\t");
}

/* fold_word - place one word: on this line if it fits in 78, else on the
 * next; split it only where it would cross 998 */
static int fold_word(struct fold *f, const unsigned char *w, size_t n)
{
	size_t room;

	if (f->has_word) {
		if (f->col + 1 + n <= HDR_LINE_SOFT) {
			if (buf_putc(f->out, ' ') < 0)
				return -1;
			f->col++;
		} else if (fold_break(f) < 0) {
			return -1;
		}
	}
	while (f->col + n > HDR_LINE_HARD) {
		room = HDR_LINE_HARD > f->col ? HDR_LINE_HARD - f->col : 0;
		if (fold_raw(f, w, room) < 0 || fold_break(f) < 0)
			return -1;
		w += room;
		n -= room;
	}
	f->has_word = true;
	return fold_raw(f, w, n);
}

static bool blankish(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

int hdr_sanitize(const char *value, size_t used, struct buf *out, const char **error_r)
{
	const unsigned char *p = (const unsigned char *)value, *w;
	struct fold f = { out, used, false };

	for (;;) {
		while (*p != '\0' && blankish(*p))
			p++;
		if (*p == '\0')
			return 0;
		for (w = p; *p != '\0' && !blankish(*p); p++)
			;
		if (fold_word(&f, w, (size_t)(p - w)) < 0) {
			*error_r = oom;
			return -1;
		}
	}
}

int hdr_reply_line(const char *text, size_t len, size_t max, struct buf *out,
    const char **error_r)
{
	size_t i, n = len;
	bool cut = false;

	if (max < 4)
		max = 4;
	if (len > max) {
		n = max - 3;
		cut = true;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];

		if (buf_putc(out, c < 0x20 || c > 0x7e || c == '%' ? '?' : (char)c) < 0) {
			*error_r = oom;
			return -1;
		}
	}
	if (cut && buf_puts(out, "...") < 0) {
		*error_r = oom;
		return -1;
	}
	return 0;
}

/* test-msg - the message model: parsing, header unfolding, body statistics */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "tap.h"

struct body_case {
	const char *name;
	const char *body;
	size_t len;		/* 0 = strlen(body) */
	unsigned long lines, bare_cr, bare_lf, first_bare, eightbit, first_8bit, nul;
};

static const struct body_case body_cases[] = {
	{ "crlf lines", "a\r\nb\r\n", 0, 2, 0, 0, 0, 0, 0, 0 },
	{ "last line unterminated", "a\r\nb", 0, 2, 0, 0, 0, 0, 0, 0 },
	{ "bare lf", "a\r\nb\nc\r\n", 0, 3, 0, 1, 2, 0, 0, 0 },
	{ "bare cr", "a\rb\r\n", 0, 1, 1, 0, 1, 0, 0, 0 },
	{ "cr at end", "a\r\nb\r", 0, 2, 1, 0, 2, 0, 0, 0 },
	{ "8bit on line 3", "a\r\nb\r\nf\xc3\xbcr\r\n", 0, 3, 0, 0, 0, 2, 3, 0 },
	{ "nul", "a\0b\r\n", 5, 1, 0, 0, 0, 0, 0, 1 },
};

/* feed - give the body one byte at a time, so chunk boundaries fall
 * everywhere, including between CR and LF */
static struct msg *feed(const char *body, size_t len, size_t chunk)
{
	struct msg *m = msg_new(0);
	size_t off;

	for (off = 0; off < len; off += chunk)
		msg_body(m, body + off, len - off < chunk ? len - off : chunk);
	msg_body_end(m);
	return m;
}

static void test_body(void)
{
	size_t i, chunk;

	for (i = 0; i < sizeof(body_cases) / sizeof(body_cases[0]); i++) {
		const struct body_case *c = &body_cases[i];
		size_t len = c->len ? c->len : strlen(c->body);

		for (chunk = 1; chunk <= 64; chunk *= 64) {
			struct msg *m = feed(c->body, len, chunk);
			const struct msg_body_stats *b = &m->body;

			ok(b->lines == c->lines && b->bare_cr == c->bare_cr &&
			    b->bare_lf == c->bare_lf && b->first_bare_line == c->first_bare &&
			    b->eightbit == c->eightbit && b->first_8bit_line == c->first_8bit &&
			    b->nul == c->nul && b->bytes == len,
			    "body %s (chunk %zu): lines %lu cr %lu lf %lu first %lu 8bit %lu@%lu nul %lu",
			    c->name, chunk, (unsigned long)b->lines, (unsigned long)b->bare_cr,
			    (unsigned long)b->bare_lf, (unsigned long)b->first_bare_line,
			    (unsigned long)b->eightbit, (unsigned long)b->first_8bit_line,
			    (unsigned long)b->nul);
			msg_free(&m);
		}
	}
}

/* ref_stats - the statistics straight from their definitions, over the
 * whole body at once: the reference for the block scanner */
static void ref_stats(const unsigned char *d, size_t n, struct msg_body_stats *r)
{
	size_t start = 0;

	memset(r, 0, sizeof(*r));
	r->bytes = n;
	while (start < n) {
		size_t end = start, len, k;
		bool bare = false, hi = false;

		while (end < n && !(d[end] == '\n'))
			end++;
		/* the line is d[start..end); a CR right before its LF ends it */
		len = end - start;
		if (end < n && len > 0 && d[end - 1] == '\r')
			len--;
		for (k = start; k < start + len; k++) {
			if (d[k] == '\r') {
				r->bare_cr++;
				bare = true;
			} else if (d[k] >= 0x80) {
				r->eightbit++;
				hi = true;
			} else if (d[k] == 0)
				r->nul++;
		}
		if (end < n && (end == start || d[end - 1] != '\r')) {
			r->bare_lf++;
			bare = true;
		}
		r->lines++;
		if (bare && r->first_bare_line == 0)
			r->first_bare_line = r->lines;
		if (hi && r->first_8bit_line == 0)
			r->first_8bit_line = r->lines;
		if (len > MSG_LINE_MAX) {
			r->long_lines++;
			if (r->first_long_line == 0)
				r->first_long_line = r->lines;
		}
		if (len > r->longest_line)
			r->longest_line = len;
		start = end + 1;
	}
}

/* test_body_random - random bodies in random chunks give the reference's
 * statistics, whichever path (blocks or bytes) each byte took */
static void test_body_random(void)
{
	static const unsigned char pick[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n\r\n\r\n\r\x80\xff\0\n";
	unsigned seed = 12345, round, bad = 0;

	for (round = 0; round < 2000; round++) {
		size_t n = (seed = seed * 1103515245u + 12345u) % 3000, i, off = 0;
		unsigned char *d = malloc(n + 1);
		struct msg_body_stats r;
		struct msg *m = msg_new(0);
		unsigned mode = (seed >> 16) % 4;

		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mode 0: mostly plain; 3: long lines, few line ends */
			d[i] = mode == 3 && (seed >> 16) % 50 ? 'x' :
			    mode == 0 && (seed >> 16) % 8 ? 'y' : pick[(seed >> 16) % (sizeof(pick) - 1)];
		}
		while (off < n) {
			size_t c = 1 + (seed = seed * 1103515245u + 12345u) % 97;

			c = c > n - off ? n - off : c;
			msg_body(m, d + off, c);
			off += c;
		}
		msg_body_end(m);
		ref_stats(d, n, &r);
		if (memcmp(&r, &m->body, sizeof(r)) != 0 && bad++ == 0)
			printf("# round %u (%zu bytes): lines %lu/%lu cr %lu/%lu lf %lu/%lu 8bit %lu/%lu "
			    "first8 %lu/%lu firstbare %lu/%lu longest %lu/%lu\n", round, n,
			    (unsigned long)m->body.lines, (unsigned long)r.lines,
			    (unsigned long)m->body.bare_cr, (unsigned long)r.bare_cr,
			    (unsigned long)m->body.bare_lf, (unsigned long)r.bare_lf,
			    (unsigned long)m->body.eightbit, (unsigned long)r.eightbit,
			    (unsigned long)m->body.first_8bit_line, (unsigned long)r.first_8bit_line,
			    (unsigned long)m->body.first_bare_line, (unsigned long)r.first_bare_line,
			    (unsigned long)m->body.longest_line, (unsigned long)r.longest_line);

		msg_free(&m);
		free(d);
	}
	ok(bad == 0, "2000 random bodies in random chunks: statistics match the reference (%u differ)", bad);
}

static void test_long_lines(void)
{
	size_t n = 3000;
	char *body = malloc(n + 20);
	struct msg *m;

	memcpy(body, "short\r\n", 7);
	memset(body + 7, 'x', 999);		/* line 2: 999 octets */
	memcpy(body + 7 + 999, "\r\n", 2);
	memset(body + 1008, 'y', 998);		/* line 3: exactly 998 */
	memcpy(body + 2006, "\r\n", 2);
	m = feed(body, 2008, 100);
	is_int(m->body.long_lines, 1, "one line over 998");
	is_int(m->body.first_long_line, 2, "first long line is line 2");
	is_int(m->body.longest_line, 999, "longest line length");
	msg_free(&m);
	free(body);
}

static void test_parse(void)
{
	static const char crlf[] =
	    "From: Alice <alice@example.com>\r\n"
	    "Subject: a folded\r\n\tsubject\r\n"
	    "Broken line without colon\r\n"
	    "Fro m: x\r\n"
	    "Date : Mon, 30 Nov 2026 10:00:00 +0000\r\n"
	    "\r\n"
	    "body\r\n";
	static const char lf[] = "From: a@example.com\nTo: b@example.org\n\nline one\nline two\n";
	const char *err = NULL;
	struct msg *m = msg_new(0);
	const struct msg_header *h;

	ok(msg_parse(m, crlf, sizeof(crlf) - 1, &err) == 0, "parse crlf message");
	is_int(m->nhdrs, 5, "five header lines kept");
	ok(!m->lf_input, "CRLF input detected");
	h = msg_header_get(m, "subject", 0);
	ok(h != NULL, "case-insensitive lookup");
	is_str(h ? h->unfolded : NULL, "a folded\tsubject", "unfolded value");
	is_str(h ? h->value : NULL, "a folded\r\n\tsubject", "raw value keeps the fold");
	is_int(h ? h->line : 0, 2, "header line number");
	ok(m->hdrs[2].malformed && m->hdrs[2].name[0] == '\0', "line without colon is malformed");
	is_int(m->hdrs[2].line, 4, "malformed line number counts the fold");
	ok(m->hdrs[3].malformed, "name with a space is malformed");
	ok(msg_header_get(m, "Date", 0) != NULL && !m->hdrs[4].malformed,
	    "blank before the colon is obsolete syntax, not malformed");
	is_int(m->body.lines, 1, "one body line");
	is_int(m->header_bytes, sizeof(crlf) - 1 - 2 - 6, "header bytes exact");
	is_int(msg_wire_size(m), sizeof(crlf) - 1, "wire size exact for CRLF input");
	msg_free(&m);
	ok(m == NULL, "msg_free sets NULL");

	m = msg_new(0);
	ok(msg_parse(m, "From alice@example.com Mon Jun  2 09:14:05 2025\nFrom: a@example.com\n\nx\n",
	    71, &err) == 0, "parse with an mbox From_ line");
	ok(m->nhdrs == 1 && !m->hdrs[0].malformed && m->hdrs[0].line == 2,
	    "mbox From_ line skipped, not a malformed header");
	msg_free(&m);

	m = msg_new(0);
	ok(msg_parse(m, lf, sizeof(lf) - 1, &err) == 0, "parse LF message");
	ok(m->lf_input, "LF input detected");
	is_int(m->body.bare_lf, 0, "LF-only file has no bare LF");
	is_int(m->body.lines, 2, "two body lines");
	is_int(msg_wire_size(m), sizeof(lf) - 1 + 5, "each of the 5 LFs counted as CRLF on the wire");
	msg_free(&m);
}

static void test_envelope_and_limits(void)
{
	const char *err = NULL;
	struct msg *m = msg_new(100);
	int i;

	msg_set_env(m, MSG_ENV_CLIENT_ADDR, "127.0.0.1", &err);
	msg_set_env(m, MSG_ENV_MAIL_FROM, "a@example.com", &err);
	msg_add_rcpt(m, "<B@Example.ORG>", &err);
	msg_add_rcpt(m, " c@example.net ", &err);
	is_str(m->rcpts[0], "B@Example.ORG", "angle brackets stripped");
	is_str(m->rcpts[1], "c@example.net", "blanks stripped");
	is_str(msg_rcpt_domain(m->rcpts[0]), "Example.ORG", "rcpt domain");
	is_str(msg_rcpt_domain("nodomain"), "", "rcpt without domain");
	for (i = 0; i < 10; i++)
		msg_add_header(m, "X-Filler", "0123456789012345678901234567890123", &err);
	is_int(m->nhdrs, 2, "only headers within MaxHeaderBytes kept");
	is_int(m->headers_dropped, 8, "the rest counted as dropped");
	is_int(m->header_bytes, 10 * (8 + 2 + 34 + 2), "all header bytes counted");
	msg_add_header(m, "Subject", "x\ny", &err);
	msg_reset(m);
	ok(m->nhdrs == 0 && m->nrcpts == 0 && msg_env(m, MSG_ENV_MAIL_FROM) == NULL,
	    "reset forgets the message");
	is_str(msg_env(m, MSG_ENV_CLIENT_ADDR), "127.0.0.1", "reset keeps the connection");
	msg_free(&m);

	m = msg_new(0);
	msg_add_header(m, "Subject", "folded\n\tby milter", &err);
	is_str(m->hdrs[0].unfolded, "folded\tby milter", "milter LF fold unfolded");
	is_int(m->hdrs[0].wire_len, 7 + 2 + 17 + 1 + 2, "lone LF fold counted as CRLF");
	msg_free(&m);
}

/* Body retention for DKIM: what is kept, in which form, and the limit. */
struct keep_case {
	const char *name;
	const char *input;	/* whole message for msg_parse, or the body */
	bool parse;		/* msg_parse (input is a message) or msg_body */
	uint64_t keep;
	const char *kept;
	bool truncated;
};

/* kept - the kept body as a C string (copied into b) */
static const char *kept(const struct msg *m, struct buf *b)
{
	const char *p;
	size_t n;

	buf_truncate(b, 0);
	msg_body_view(m, &p, &n);
	if (n > 0)
		buf_append(b, p, n);
	return buf_cstr(b);
}

static const struct keep_case keep_cases[] = {
	{ "crlf body kept as is", "a\r\nb\r\n", false, 64, "a\r\nb\r\n", false },
	{ "nothing kept by default", "a\r\n", false, 0, "", true },
	{ "empty body is not truncated", "", false, 0, "", false },
	{ "exactly at the limit", "abcd", false, 4, "abcd", false },
	{ "over the limit: a prefix", "ab\r\ncd\r\n", false, 5, "ab\r\nc", true },
	{ "lf file becomes crlf", "From: a@b.test\n\nx\ny\n", true, 64, "x\r\ny\r\n", false },
	{ "lf file, limit counts crlf", "From: a@b.test\n\nx\ny\n", true, 4, "x\r\ny", true },
	{ "crlf file keeps bare lf", "From: a@b.test\r\n\r\nx\ny\r\n", true, 64, "x\ny\r\n", false },
	{ "no body", "From: a@b.test\r\n", true, 64, "", false },
};

static void test_body_keep(void)
{
	struct buf b = BUF_INIT;
	size_t i, chunk;
	const char *err = NULL;

	for (i = 0; i < sizeof(keep_cases) / sizeof(keep_cases[0]); i++) {
		const struct keep_case *c = &keep_cases[i];
		size_t len = strlen(c->input);

		for (chunk = 1; chunk <= 64; chunk *= 64) {
			struct msg *m;
			size_t off;

			if (c->parse && chunk > 1)
				continue;	/* msg_parse takes the whole message */
			m = msg_new(0);
			m->body_keep = c->keep;
			if (c->parse)
				ok(msg_parse(m, c->input, len, &err) == 0, "%s: parsed", c->name);
			else
				for (off = 0; off < len; off += chunk)
					msg_body(m, c->input + off, len - off < chunk ? len - off : chunk);
			msg_body_end(m);
			is_str(kept(m, &b), c->kept, "%s (chunk %zu): kept bytes", c->name, chunk);
			is_int(m->body_truncated, c->truncated, "%s (chunk %zu): truncated flag",
			    c->name, chunk);
			msg_free(&m);
		}
	}
	buf_free(&b);
}

/* msg_reset forgets the kept body but not the limit. */
static void test_body_keep_reset(void)
{
	struct buf b = BUF_INIT;
	struct msg *m = msg_new(0);

	m->body_keep = 3;
	msg_body(m, "abcdef", 6);
	ok(m->body_truncated, "over the limit before reset");
	msg_reset(m);
	is_int(m->body_keep, 3, "limit survives msg_reset");
	is_int(m->body_spool.len, 0, "kept bytes dropped by msg_reset");
	ok(!m->body_truncated, "truncated flag cleared by msg_reset");
	msg_body(m, "ab", 2);
	msg_body_end(m);
	is_str(kept(m, &b), "ab", "next message kept afresh");
	msg_free(&m);
	buf_free(&b);
}

/* A body over SpoolMemory moves to a private file and reads back whole. */
static void test_spool(void)
{
	struct buf in = BUF_INIT, b = BUF_INIT;
	struct msg *m = msg_new(0);
	size_t i;

	for (i = 0; i < 2000; i++)
		buf_printf(&in, "line %zu of the body\r\n", i);
	m->body_keep = 1 << 20;
	m->body_spool.memory_max = 1000;
	for (i = 0; i < in.len; i += 333)
		msg_body(m, in.data + i, in.len - i < 333 ? in.len - i : 333);
	ok(spool_on_disk(&m->body_spool), "past SpoolMemory the body is in a file");
	ok(m->body_spool.mem.data == NULL, "and no longer in memory");
	msg_body_end(m);
	ok(strcmp(kept(m, &b), in.data) == 0 && !m->body_truncated,
	    "the mapped file reads back the whole body (%zu bytes)", in.len);
	msg_reset(m);
	ok(!spool_on_disk(&m->body_spool) && m->body_spool.memory_max == 1000,
	    "msg_reset closes the file and keeps SpoolMemory");
	msg_body(m, "small\r\n", 7);
	msg_body_end(m);
	is_str(kept(m, &b), "small\r\n", "a small next body stays in memory");
	msg_free(&m);
	buf_free(&in);
	buf_free(&b);
}

int main(void)
{
	test_body();
	test_body_random();
	test_long_lines();
	test_parse();
	test_envelope_and_limits();
	test_body_keep();
	test_body_keep_reset();
	test_spool();
	return tap_done();
}

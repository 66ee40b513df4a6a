/* test-msg - the message model: parsing, header unfolding, body statistics */
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

int main(void)
{
	test_body();
	test_long_lines();
	test_parse();
	test_envelope_and_limits();
	return tap_done();
}

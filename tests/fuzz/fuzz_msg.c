/*
 * fuzz_msg - a whole message -> msg_parse, then what the format checks
 * read of each header: name syntax, unfolding, RFC 2047 words, 8-bit
 * bytes, addresses (From, To, Cc, Sender, Reply-To, Bcc), the Date; the
 * body once more through the milter's streaming path (msg_add_header,
 * msg_body in odd-sized chunks).
 *
 * Property of hdr_sanitize, the writer of every header Preflight adds: its
 * output holds no CR, no NUL, no LF but a "\n\t" fold, only printable
 * ASCII otherwise, and no line over 998 octets.  The three readers of the
 * kept body (view, each, kept) agree on its length.
 */
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"
#include "fuzz.h"
#include "hdr.h"
#include "msg.h"

/* The name Preflight writes the value under, as for X-Preflight: */
#define USED (sizeof("X-Preflight: ") - 1)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* sanitized - the hdr_sanitize property (see above) */
static void sanitized(const char *value)
{
	struct buf out = BUF_INIT;
	const char *error, *s;
	size_t line = USED;

	if (hdr_sanitize(value, USED, &out, &error) < 0)
		fuzz_fail("hdr_sanitize: %s", error);
	for (s = buf_cstr(&out); *s != '\0'; s++) {
		if (*s == '\n' && s[1] == '\t') {
			line = 0;
			continue;
		}
		if ((*s < 0x20 && *s != '\t') || (unsigned char)*s >= 0x7f ||
		    (*s == '\t' && (s == out.data || s[-1] != '\n')))
			fuzz_fail("hdr_sanitize: byte 0x%02x at %zu", (unsigned char)*s,
			    (size_t)(s - out.data));
		if (++line > HDR_LINE_HARD)
			fuzz_fail("hdr_sanitize: a line over %d octets", HDR_LINE_HARD);
	}
	if (out.len != strlen(buf_cstr(&out)))
		fuzz_fail("hdr_sanitize: NUL in the output");
	buf_free(&out);
}

static void addresses(const char *value)
{
	struct addr_list l = ADDR_LIST_INIT;
	const char *error, *why;
	size_t i;

	if (addr_parse_list(value, &l, &error) < 0)
		fuzz_fail("addr_parse_list: %s", error);
	if (l.n > ADDR_MAX_MAILBOXES || l.n > l.count ||
	    (l.error != NULL && l.error_pos > strlen(value)))
		fuzz_fail("addr_parse_list: n %zu count %zu error_pos %zu", l.n, l.count,
		    l.error_pos);
	for (i = 0; i < l.n; i++)
		(void)addr_domain_valid(l.v[i].domain, &why);
	addr_list_free(&l);
}

static void header(struct msg *m2, const struct msg_header *h)
{
	static const char *const addr_names[] = {
		"From", "To", "Cc", "Sender", "Reply-To", "Bcc", NULL
	};
	struct buf u = BUF_INIT;
	const char *error, *why;
	size_t off, i;

	(void)hdr_name_valid(h->name);
	(void)hdr_has_8bit(h->value);
	(void)hdr_encoded_words_check(h->unfolded, &why, &off);
	if (hdr_unfold(h->value, &u, &error) < 0)
		fuzz_fail("hdr_unfold: %s", error);
	buf_free(&u);
	sanitized(h->unfolded);
	for (i = 0; addr_names[i] != NULL; i++)
		if (strcasecmp(h->name, addr_names[i]) == 0)
			addresses(h->unfolded);
	if (strcasecmp(h->name, "Date") == 0)
		(void)hdr_date_parse(h->unfolded);
	if (!h->malformed && msg_add_header(m2, h->name, h->value, &error) < 0)
		fuzz_fail("msg_add_header: %s", error);
}

static int count(void *arg, const char *p, size_t n)
{
	*(size_t *)arg += n;
	return 0;
}

/* kept - msg_body_view, msg_body_each and msg_body_kept agree */
static void kept(const struct msg *m, size_t len)
{
	const char *error;
	size_t total = 0;

	if (msg_body_each(m, count, &total, &error) != 0)
		fuzz_fail("msg_body_each: %s", error);
	if (total != len || msg_body_kept(m) != len)
		fuzz_fail("msg: %zu body bytes viewed, %zu read, %llu kept", len, total,
		    (unsigned long long)msg_body_kept(m));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg *m = msg_new(0), *m2 = msg_new(0);
	const char *error, *body;
	size_t i, len, chunk;

	if (m == NULL || m2 == NULL)
		fuzz_fail("out of memory");
	m->body_keep = m2->body_keep = 1 << 20;
	if (msg_parse(m, data, size, &error) < 0)
		fuzz_fail("msg_parse: %s", error);
	for (i = 0; i < m->nhdrs; i++)
		header(m2, &m->hdrs[i]);
	(void)msg_header_count(m, "From");
	(void)msg_header_get(m, "Received", 1);
	(void)msg_wire_size(m);
	msg_body_view(m, &body, &len);
	if (body != NULL && len > m->body_keep)
		fuzz_fail("msg_body_view: %zu bytes kept of %llu", len,
		    (unsigned long long)m->body_keep);
	kept(m, body != NULL ? len : 0);
	/* The milter gets the body in chunks: split CRLF and lines apart. */
	for (i = 0, chunk = 1; body != NULL && i < len; i += chunk, chunk = chunk * 3 % 17 + 1)
		msg_body(m2, body + i, chunk < len - i ? chunk : len - i);
	msg_body_end(m2);
	msg_free(&m);
	msg_free(&m2);
	return 0;
}

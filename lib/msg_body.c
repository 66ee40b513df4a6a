/*
 * msg_body - the body scanner of the message model (see msg.h): one pass
 * over each chunk as it streams past keeps what body_keep allows and
 * records struct msg_body_stats (lines, long lines, bare CR and LF, 8-bit
 * and NUL bytes), whatever the chunk boundaries.
 *
 * Every message goes through here once, so it is on the milter's hot
 * path: most body bytes are base64 or plain text, in which a 16-byte
 * block holds no byte the statistics care about.  With SSE2 (every
 * x86-64) a block is classified at once and only the CR, LF and NUL in it
 * go through the byte state machine; a block mixing 8-bit bytes with line
 * ends falls back to it byte by byte.  Elsewhere the state machine does
 * every byte.  The results are the same either way (unit/test-msg
 * compares them with a reference over random bodies and chunkings).
 */
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "msg.h"

/* body_end_line - close the current body line */
static void body_end_line(struct msg *m)
{
	struct msg_body_stats *b = &m->body;

	b->lines++;
	if (m->cur_line_len > MSG_LINE_MAX) {
		b->long_lines++;
		if (b->first_long_line == 0)
			b->first_long_line = b->lines;
	}
	if (m->cur_line_len > b->longest_line)
		b->longest_line = m->cur_line_len;
	m->cur_line_len = 0;
	m->line_flagged_bare = m->line_flagged_8bit = false;
}

/* body_bare - note a bare CR or LF on the current line */
static void body_bare(struct msg *m, bool cr)
{
	if (cr)
		m->body.bare_cr++;
	else
		m->body.bare_lf++;
	if (!m->line_flagged_bare && m->body.first_bare_line == 0)
		m->body.first_bare_line = m->body.lines + 1;
	m->line_flagged_bare = true;
}

/* body_flush_cr - a pending CR not followed by LF stays part of the line */
static inline void body_flush_cr(struct msg *m)
{
	m->prev_cr = false;
	body_bare(m, true);
	m->cur_line_len++;
}

/* body_8bit - n bytes >= 0x80 on the current line */
static inline void body_8bit(struct msg *m, unsigned n)
{
	m->body.eightbit += n;
	if (!m->line_flagged_8bit && m->body.first_8bit_line == 0)
		m->body.first_8bit_line = m->body.lines + 1;
	m->line_flagged_8bit = true;
}

/* body_byte - the state machine for any one byte */
static void body_byte(struct msg *m, unsigned char c)
{
	if (m->prev_cr) {
		if (c == '\n') {
			m->prev_cr = false;
			body_end_line(m);
			return;
		}
		body_flush_cr(m);
	}
	if (c == '\r') {
		m->prev_cr = true;
	} else if (c == '\n') {
		/* On-disk LF files are read as CRLF: one more byte on the wire. */
		if (m->lf_input)
			m->body.bytes++;
		else
			body_bare(m, false);
		body_end_line(m);
	} else {
		m->cur_line_len++;
		if (c >= 0x80)
			body_8bit(m, 1);
		else if (c == 0)
			m->body.nul++;
	}
}

/* body_plain - n bytes that are none of CR, LF, NUL or 8-bit */
static inline void body_plain(struct msg *m, size_t n)
{
	if (n == 0)
		return;
	if (m->prev_cr)
		body_flush_cr(m);
	m->cur_line_len += n;
}

#if defined(__SSE2__)
/* body_blocks - scan whole 16-byte blocks of p; returns the bytes done */
static size_t body_blocks(struct msg *m, const unsigned char *p, size_t n)
{
	const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
	const __m128i zero = _mm_setzero_si128();
	size_t i, j;

	for (i = 0; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		unsigned hi = (unsigned)_mm_movemask_epi8(v);
		unsigned sp = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)),
		    _mm_cmpeq_epi8(v, zero)));
		unsigned last = 0;

		if (sp == 0) {
			body_plain(m, 16);
			if (hi != 0)
				body_8bit(m, (unsigned)__builtin_popcount(hi));
			continue;
		}
		if (hi != 0) {
			for (j = 0; j < 16; j++)
				body_byte(m, p[i + j]);
			continue;
		}
		while (sp != 0) {
			unsigned b = (unsigned)__builtin_ctz(sp);

			body_plain(m, b - last);
			body_byte(m, p[i + b]);
			last = b + 1;
			sp &= sp - 1;
		}
		body_plain(m, 16 - last);
	}
	return i;
}
#else
static size_t body_blocks(struct msg *m, const unsigned char *p, size_t n)
{
	(void)m, (void)p, (void)n;
	return 0;
}
#endif

int msg_head_write(const struct msg *m, int (*put)(void *arg, const void *p, size_t n),
    void *arg)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < m->nhdrs && rc == 0; i++) {
		const struct msg_header *h = &m->hdrs[i];

		if (h->name[0] != '\0' && ((rc = put(arg, h->name, strlen(h->name))) != 0 ||
		    (rc = put(arg, ": ", 2)) != 0))
			break;
		if ((rc = put(arg, h->value, strlen(h->value))) == 0)
			rc = put(arg, "\r\n", 2);
	}
	return rc != 0 ? rc : put(arg, "\r\n", 2);
}

static int spool_put(void *arg, const void *p, size_t n)
{
	struct msg *m = arg;

	return spool_append(&m->body_spool, p, n, &m->spool_error);
}

/* body_keep_head - start the spool with the header block, the form the
 * MIME parser reads */
static void body_keep_head(struct msg *m)
{
	if (msg_head_write(m, spool_put, m) != 0) {
		/* no room for even the headers: keep no body either */
		spool_clear(&m->body_spool);
		m->body_truncated = true;
		return;
	}
	m->head_len = (size_t)m->body_spool.len;
}

/* body_keep_span - keep n more body bytes, as many as body_keep allows:
 * the kept body is always the first min(size, body_keep) bytes */
static void body_keep_span(struct msg *m, const void *p, size_t n)
{
	uint64_t kept, room;

	if (n == 0 || m->body_truncated)
		return;
	if (m->body_keep == 0) {
		m->body_truncated = true;
		return;
	}
	if (m->head_len == 0)
		body_keep_head(m);
	if (m->body_truncated)
		return;
	kept = m->body_spool.len - m->head_len;
	room = m->body_keep > kept ? m->body_keep - kept : 0;
	if (n > room)
		m->body_truncated = true;
	if (spool_append(&m->body_spool, p, n > room ? (size_t)room : n,
	    &m->spool_error) < 0)
		m->body_truncated = true;
}

/* body_retain - keep a chunk for DKIM; an all-LF file gets CRLF, which is
 * what the signer saw on the wire */
static void body_retain(struct msg *m, const char *p, size_t len)
{
	const char *nl;

	if (!m->lf_input) {
		body_keep_span(m, p, len);
		return;
	}
	while (len > 0 && (nl = memchr(p, '\n', len)) != NULL) {
		body_keep_span(m, p, (size_t)(nl - p));
		body_keep_span(m, "\r\n", 2);
		len -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	body_keep_span(m, p, len);
}

void msg_body(struct msg *m, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	m->in_body = true;
	body_retain(m, data, len);
	m->body.bytes += len;
	i = body_blocks(m, p, len);
	for (; i < len; i++)
		body_byte(m, p[i]);
}

void msg_body_end(struct msg *m)
{
	const char *err;

	if (m->prev_cr)
		body_flush_cr(m);
	if (m->cur_line_len > 0 || m->line_flagged_bare || m->line_flagged_8bit)
		body_end_line(m);
	if (spool_finish(&m->body_spool, &err) < 0)
		m->body_truncated = true;	/* the view is then empty */
}

void msg_body_view(const struct msg *m, const char **p_r, size_t *len_r)
{
	spool_view(&m->body_spool, p_r, len_r);
	if (*p_r == NULL || *len_r <= m->head_len) {
		*p_r = NULL;
		*len_r = 0;
		return;
	}
	*p_r += m->head_len;
	*len_r -= m->head_len;
}

int msg_body_each(const struct msg *m, int (*fn)(void *arg, const char *p, size_t n),
    void *arg, const char **error_r)
{
	return spool_each(&m->body_spool, m->head_len, fn, arg, error_r);
}

uint64_t msg_body_kept(const struct msg *m)
{
	return m->body_spool.len > m->head_len ? m->body_spool.len - m->head_len : 0;
}

bool msg_whole(const struct msg *m, const char **p_r, int *fd_r, uint64_t *len_r)
{
	size_t n;

	*p_r = NULL;
	*fd_r = -1;
	*len_r = 0;
	if (m->head_len == 0)
		return false;
	*len_r = m->body_spool.len;
	if ((*fd_r = spool_fd(&m->body_spool)) < 0) {
		spool_view(&m->body_spool, p_r, &n);
		*len_r = n;
	}
	return true;
}

/*
 * msg - the message model (see msg.h for the contract).
 *
 * Headers are kept as received plus an unfolded copy; the body scanner is
 * msg_body.c.  Limits on hostile input: header bytes kept are capped at
 * max_header_bytes (the rest is counted in headers_dropped), body bytes
 * kept at body_keep.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "hdr.h"
#include "msg.h"

#define MSG_DEFAULT_MAX_HEADER_BYTES (1024u * 1024u)

static const char oom[] = "out of memory";

struct msg *msg_new(uint64_t max_header_bytes)
{
	struct msg *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->max_header_bytes = max_header_bytes ? max_header_bytes : MSG_DEFAULT_MAX_HEADER_BYTES;
	spool_init(&m->body_spool, 0);
	return m;
}

/* msg_clear_message - free what belongs to one message, not the connection */
static void msg_clear_message(struct msg *m)
{
	size_t i;

	for (i = 0; i < m->nhdrs; i++) {
		free(m->hdrs[i].name);
		free(m->hdrs[i].value);
		free(m->hdrs[i].unfolded);
	}
	free(m->hdrs);
	m->hdrs = NULL;
	m->nhdrs = m->hdrs_cap = 0;
	for (i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	m->rcpts = NULL;
	m->nrcpts = 0;
	m->header_bytes = m->headers_dropped = 0;
	m->lf_input = false;
	memset(&m->body, 0, sizeof(m->body));
	spool_clear(&m->body_spool);
	m->head_len = 0;
	m->body_truncated = false;
	m->spool_error = NULL;
	m->cur_line_len = 0;
	m->prev_cr = m->line_flagged_bare = m->line_flagged_8bit = false;
	m->in_body = false;
}

void msg_reset(struct msg *m)
{
	static const enum msg_env_field per_message[] = {
		MSG_ENV_AUTH_USER, MSG_ENV_MAIL_FROM, MSG_ENV_QUEUE_ID,
	};
	size_t i;

	msg_clear_message(m);
	for (i = 0; i < sizeof(per_message) / sizeof(per_message[0]); i++) {
		free(m->env[per_message[i]]);
		m->env[per_message[i]] = NULL;
	}
}

void msg_free(struct msg **mp)
{
	struct msg *m = *mp;
	size_t i;

	if (m == NULL)
		return;
	msg_clear_message(m);
	for (i = 0; i < MSG_ENV_COUNT; i++)
		free(m->env[i]);
	free(m);
	*mp = NULL;
}

int msg_set_env(struct msg *m, enum msg_env_field f, const char *value, const char **error_r)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL) {
		*error_r = oom;
		return -1;
	}
	free(m->env[f]);
	m->env[f] = copy;
	return 0;
}

const char *msg_env(const struct msg *m, enum msg_env_field f)
{
	return m->env[f];
}

/* strip_angle - copy an address without surrounding <> and blanks */
static char *strip_angle(const char *a)
{
	size_t len;

	while (*a == ' ' || *a == '\t')
		a++;
	len = strlen(a);
	while (len > 0 && (a[len - 1] == ' ' || a[len - 1] == '\t'))
		len--;
	if (len >= 2 && a[0] == '<' && a[len - 1] == '>') {
		a++;
		len -= 2;
	}
	return strndup(a, len);
}

int msg_add_rcpt(struct msg *m, const char *rcpt, const char **error_r)
{
	char **v;
	char *copy;

	if ((copy = strip_angle(rcpt)) == NULL)
		goto fail;
	v = realloc(m->rcpts, (m->nrcpts + 1) * sizeof(*v));
	if (v == NULL) {
		free(copy);
		goto fail;
	}
	m->rcpts = v;
	m->rcpts[m->nrcpts++] = copy;
	return 0;
fail:
	*error_r = oom;
	return -1;
}

/* msg_keep_header - store one header; name/value lengths given */
static int msg_keep_header(struct msg *m, const char *name, size_t name_len,
    const char *value, size_t value_len, uint64_t wire_len, unsigned line,
    bool malformed, const char **error_r)
{
	struct buf unfolded = BUF_INIT;
	struct msg_header *h;

	m->header_bytes += wire_len;
	if (m->header_bytes > m->max_header_bytes) {
		m->headers_dropped++;
		return 0;
	}
	if (m->nhdrs == m->hdrs_cap) {
		size_t cap = m->hdrs_cap ? m->hdrs_cap * 2 : 32;
		struct msg_header *v = realloc(m->hdrs, cap * sizeof(*v));

		if (v == NULL)
			goto fail;
		m->hdrs = v;
		m->hdrs_cap = cap;
	}
	h = &m->hdrs[m->nhdrs];
	memset(h, 0, sizeof(*h));
	h->name = strndup(name, name_len);
	h->value = strndup(value, value_len);
	if (h->name == NULL || h->value == NULL ||
	    hdr_unfold(h->value, &unfolded, error_r) < 0 ||
	    (h->unfolded = buf_steal(&unfolded)) == NULL) {
		free(h->name);
		free(h->value);
		buf_free(&unfolded);
		goto fail;
	}
	h->wire_len = wire_len;
	h->line = line ? line : (unsigned)m->nhdrs + 1;
	h->malformed = malformed || !hdr_name_valid(h->name);
	m->nhdrs++;
	return 0;
fail:
	*error_r = oom;
	return -1;
}

int msg_add_header(struct msg *m, const char *name, const char *value, const char **error_r)
{
	size_t nlen = strlen(name), vlen = strlen(value), i;
	uint64_t wire = nlen + 2 + vlen + 2;	/* "Name: value\r\n" */

	/* A fold handed over as a lone LF goes out as CRLF. */
	for (i = 0; i < vlen; i++)
		if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
			wire++;
	return msg_keep_header(m, name, nlen, value, vlen, wire, 0, false, error_r);
}

/* line_end - offset just past the line starting at off (its LF), or len */
static size_t line_end(const char *d, size_t len, size_t off)
{
	const char *nl = memchr(d + off, '\n', len - off);

	return nl ? (size_t)(nl - d) + 1 : len;
}

/* content_len - the line's length without its CRLF or LF */
static size_t content_len(const char *d, size_t start, size_t end)
{
	if (end > start && d[end - 1] == '\n')
		end--;
	if (end > start && d[end - 1] == '\r')
		end--;
	return end - start;
}

/* parse_one_header - the header starting at off; returns the offset after
 * it and its continuation lines */
static int parse_one_header(struct msg *m, const char *d, size_t len, size_t off,
    unsigned *lineno, size_t *next_r, const char **error_r)
{
	size_t end = line_end(d, len, off), first_len = content_len(d, off, end);
	const char *colon = memchr(d + off, ':', first_len);
	unsigned line = *lineno;
	size_t vstart, vend, nlen;
	uint64_t wire;

	(*lineno)++;
	/* continuation lines start with a blank */
	while (end < len && (d[end] == ' ' || d[end] == '\t')) {
		end = line_end(d, len, end);
		(*lineno)++;
	}
	*next_r = end;
	vend = off + content_len(d, off, end);
	wire = end - off;
	if (m->lf_input) {
		size_t i;

		for (i = off; i < end; i++)
			wire += d[i] == '\n';
	} else if (end == len && (end == off || d[end - 1] != '\n'))
		wire += 2;
	if (colon == NULL)
		return msg_keep_header(m, "", 0, d + off, vend - off, wire, line, true, error_r);
	nlen = (size_t)(colon - (d + off));
	/* obs-optional allows blanks before the colon */
	while (nlen > 0 && (d[off + nlen - 1] == ' ' || d[off + nlen - 1] == '\t'))
		nlen--;
	vstart = (size_t)(colon - d) + 1;
	if (vstart < vend && d[vstart] == ' ')
		vstart++;
	return msg_keep_header(m, d + off, nlen, d + vstart, vend - vstart, wire,
	    line, false, error_r);
}

int msg_parse(struct msg *m, const void *data, size_t len, const char **error_r)
{
	const char *d = data;
	size_t off = 0, next;
	unsigned lineno = 1;

	m->lf_input = memchr(d, '\r', len) == NULL;
	/* An mbox "From " separator line is the file's, not the message's:
	 * no MTA hands one over, and it has no colon to be a header. */
	if (len >= 5 && memcmp(d, "From ", 5) == 0) {
		off = line_end(d, len, 0);
		lineno++;
	}
	while (off < len) {
		if (d[off] == '\n' || (d[off] == '\r' && off + 1 < len && d[off + 1] == '\n')) {
			off = line_end(d, len, off);	/* the blank line */
			msg_body(m, d + off, len - off);
			msg_body_end(m);
			return 0;
		}
		if (parse_one_header(m, d, len, off, &lineno, &next, error_r) < 0)
			return -1;
		off = next;
	}
	return 0;
}

size_t msg_header_count(const struct msg *m, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < m->nhdrs; i++)
		if (strcasecmp(m->hdrs[i].name, name) == 0)
			n++;
	return n;
}

const struct msg_header *msg_header_get(const struct msg *m, const char *name, size_t nth)
{
	size_t i;

	for (i = 0; i < m->nhdrs; i++)
		if (strcasecmp(m->hdrs[i].name, name) == 0 && nth-- == 0)
			return &m->hdrs[i];
	return NULL;
}

uint64_t msg_wire_size(const struct msg *m)
{
	return m->header_bytes + 2 + m->body.bytes;
}

const char *msg_rcpt_domain(const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');

	return at ? at + 1 : "";
}

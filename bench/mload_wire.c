/*
 * mload_wire - milter framing for one struct mload_conn of milterload:
 * commands built in the connection's output buffer, written in one go,
 * and replies read back as whole frames with a deadline (see mload.h for
 * the ownership rules).
 *
 * Commands are appended to c->out and written only by mload_wire_flush
 * (mload_proto calls it when a reply is due or the buffer passes
 * MLOAD_OUT_FLUSH), so NR_* stages cost no extra syscalls.  Writes are
 * bounded by the SO_SNDTIMEO the caller set; every read waits at most
 * until the deadline it is given (poll).
 *
 * Ownership: both buffers belong to the connection and grow as needed;
 * mload_conn_free releases them.  A frame returned by mload_wire_read
 * points into c->in and is valid until the next read.
 *
 * Failure: an append that cannot grow the buffer sets c->oom and drops
 * the rest of the command; the next flush then fails with MLOAD_E_IO.
 * mload_wire_flush and mload_wire_read return -1 with c->err set
 * (MLOAD_E_IO, MLOAD_E_TIMEOUT, or MLOAD_E_PROTOCOL for a frame length of
 * 0 or over 16 MB); counting the error and dropping the connection is the
 * caller's job.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#include "mload.h"

#define MAX_FRAME (16u << 20)	/* a hostile length must not make us OOM */

/* out_reserve - room for n more output bytes; sets oom on failure */
static int out_reserve(struct mload_conn *c, size_t n)
{
	size_t cap;
	unsigned char *p;

	if (c->outlen + n <= c->outcap)
		return 0;
	cap = c->outcap ? c->outcap : MLOAD_OUT_FLUSH * 2;
	while (cap < c->outlen + n)
		cap *= 2;
	p = realloc(c->out, cap);
	if (p == NULL) {
		c->oom = 1;
		return -1;
	}
	c->out = p;
	c->outcap = cap;
	return 0;
}

/* mload_wire_put - append n bytes to the command being built */
void mload_wire_put(struct mload_conn *c, const void *p, size_t n)
{
	if (n > 0 && out_reserve(c, n) == 0) {
		memcpy(c->out + c->outlen, p, n);
		c->outlen += n;
	}
}

/* mload_wire_put_str - a NUL-terminated string, NUL included */
void mload_wire_put_str(struct mload_conn *c, const char *s)
{
	mload_wire_put(c, s, strlen(s) + 1);
}

/* mload_wire_put_u32 - append a 32-bit number in network order */
void mload_wire_put_u32(struct mload_conn *c, uint32_t v)
{
	uint32_t be = htonl(v);

	mload_wire_put(c, &be, 4);
}

/* mload_wire_get_u32 - the 32-bit network-order number at p */
uint32_t mload_wire_get_u32(const unsigned char *p)
{
	uint32_t be;

	memcpy(&be, p, 4);
	return ntohl(be);
}

/* mload_wire_begin - start a command: length placeholder and command byte */
void mload_wire_begin(struct mload_conn *c, char cmd)
{
	c->cmdstart = c->outlen;
	mload_wire_put_u32(c, 0);
	mload_wire_put(c, &cmd, 1);
}

/* mload_wire_end - patch the length of the command begun last */
void mload_wire_end(struct mload_conn *c)
{
	uint32_t be = htonl((uint32_t)(c->outlen - c->cmdstart - 4));

	if (!c->oom)
		memcpy(c->out + c->cmdstart, &be, 4);
}

/* mload_wire_macros - SMFIC_MACRO for stage code `st`: n name/value pairs */
void mload_wire_macros(struct mload_conn *c, char st, const char *const *kv,
		       size_t n)
{
	size_t i;

	mload_wire_begin(c, SMFIC_MACRO);
	mload_wire_put(c, &st, 1);
	for (i = 0; i < 2 * n; i++)
		mload_wire_put_str(c, kv[i]);
	mload_wire_end(c);
}

/* mload_wire_drop - close the socket without QUIT, discard buffered I/O */
void mload_wire_drop(struct mload_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->outlen = c->inoff = c->inlen = 0;
}

/* mload_wire_flush - write the whole output buffer; -1 with c->err set */
int mload_wire_flush(struct mload_conn *c)
{
	size_t off = 0;
	ssize_t n;

	if (c->oom) {
		c->err = MLOAD_E_IO;
		return -1;
	}
	while (off < c->outlen) {
		n = send(c->fd, c->out + off, c->outlen - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->err = errno == EAGAIN || errno == EWOULDBLOCK ?
				 MLOAD_E_TIMEOUT : MLOAD_E_IO;
			return -1;
		}
		off += (size_t)n;
	}
	c->outlen = 0;
	return 0;
}

/* in_room - make in[] hold `need` bytes from inoff; -1 on ENOMEM */
static int in_room(struct mload_conn *c, size_t need)
{
	size_t cap;
	unsigned char *p;

	if (c->inoff > 0 && c->incap - c->inoff < need) {
		memmove(c->in, c->in + c->inoff, c->inlen - c->inoff);
		c->inlen -= c->inoff;
		c->inoff = 0;
	}
	if (c->incap >= need)
		return 0;
	cap = c->incap ? c->incap : 65536;
	while (cap < need)
		cap *= 2;
	p = realloc(c->in, cap);
	if (p == NULL)
		return -1;
	c->in = p;
	c->incap = cap;
	return 0;
}

/* fill - wait (until deadline_us) for more input and read it */
static int fill(struct mload_conn *c, uint64_t deadline_us)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	uint64_t now = mload_now_us();
	ssize_t n;
	int r, one = 1;

	if (now >= deadline_us) {
		c->err = MLOAD_E_TIMEOUT;
		return -1;
	}
	r = poll(&pfd, 1, (int)((deadline_us - now + 999) / 1000));
	if (r < 0 && errno == EINTR)
		return 0;
	if (r == 0) {
		c->err = MLOAD_E_TIMEOUT;
		return -1;
	}
	n = r < 0 ? -1 : read(c->fd, c->in + c->inlen, c->incap - c->inlen);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0) {
		c->err = MLOAD_E_IO;
		return -1;
	}
	c->inlen += (size_t)n;
	/* TCP_QUICKACK is not sticky: the kernel may fall back to delayed
	 * ACKs after any read, so it is set again every time */
	if (c->opt->quickack && c->opt->inet)
		setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	return 0;
}

/* mload_wire_read - the next reply; *data stays valid until the next call */
int mload_wire_read(struct mload_conn *c, uint64_t deadline_us, int *cmd,
		    const unsigned char **data, uint32_t *len)
{
	size_t avail, need;
	uint32_t flen;

	for (;;) {
		avail = c->inlen - c->inoff;
		need = 5;
		if (avail >= 4) {
			flen = mload_wire_get_u32(c->in + c->inoff);
			if (flen == 0 || flen > MAX_FRAME) {
				c->err = MLOAD_E_PROTOCOL;
				return -1;
			}
			need = 4 + (size_t)flen;
			if (avail >= need) {
				*cmd = c->in[c->inoff + 4];
				*data = c->in + c->inoff + 5;
				*len = flen - 1;
				c->inoff += need;
				return 0;
			}
		}
		if (in_room(c, need) < 0) {
			c->err = MLOAD_E_IO;
			return -1;
		}
		if (fill(c, deadline_us) < 0)
			return -1;
	}
}

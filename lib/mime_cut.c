/*
 * mime_cut - how much of a message GMime may parse.
 *
 * GMime builds every part of a message before mime.c's walk can count
 * them, so 1 MB of 100,000 empty parts costs seconds and 130 MB
 * (Email-MIME #66, reliability.md 2.5).  mime_cut_at counts lines that
 * start with "--" and stops GMime at the first one over a budget of
 * DELIM_PER_PART per MaxMimeParts part plus DELIM_SLACK; the tree of a
 * cut message is then over the parts limit (mime.c, cut_done).
 *
 * Reads the message in memory or with pread(2) from its spool file; no
 * allocation, no failure: an unreadable file is simply not cut.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mime_cut.h"
#include "msg.h"

/* "--" lines GMime may see per MaxMimeParts part: it builds every part
 * before walk() can count them, so 1 MB of 100k empty parts cost seconds
 * and 130 MB (Email-MIME #66, reliability.md 2.5).  A part takes one
 * delimiter line and a multipart a closing one; the rest is slack for
 * "-- " signatures and "-----" rules in text. */
#define DELIM_PER_PART 8
#define DELIM_SLACK 64

struct cut {
	uint64_t max, n;
	int st;			/* 0 mid-line, 1 line start, 2 after "-" there */
};

/* cut_feed - scan len bytes at p (message offset off); the offset of the
 * first "--" line over the budget, or 0 */
static uint64_t cut_feed(struct cut *c, const char *p, size_t len, uint64_t off)
{
	size_t i = 0;
	const char *nl;

	while (i < len) {
		if (c->st == 0) {
			if ((nl = memchr(p + i, '\n', len - i)) == NULL)
				return 0;
			i = (size_t)(nl - p) + 1;
			c->st = 1;
			continue;
		}
		if (p[i] == '\n') {
			c->st = 1;
		} else if (p[i] != '-') {
			c->st = 0;
		} else if (c->st == 1) {
			c->st = 2;
		} else {
			c->st = 0;
			if (++c->n > c->max)
				return off + i - 1;
		}
		i++;
	}
	return 0;
}

/* mime_cut_at - how much of a multipart message GMime may parse: up to the
 * first "--" line over the budget, or len */
uint64_t mime_cut_at(const struct msg *m, const char *p, int fd, uint64_t len,
    size_t max_parts)
{
	const struct msg_header *ct = msg_header_get(m, "Content-Type", 0);
	struct cut c = { (uint64_t)max_parts * DELIM_PER_PART + DELIM_SLACK, 0, 0 };
	const char *v;
	char buf[16384];
	uint64_t off, at;
	ssize_t r;

	/* A header line never starts with "--" (a fold starts with a blank),
	 * so a message with no more lines than the budget needs no pass of
	 * its own: most messages stop here */
	if (max_parts == 0 || ct == NULL || m->nhdrs + m->body.lines <= c.max)
		return len;
	for (v = ct->unfolded; *v == ' ' || *v == '\t'; v++)
		;
	/* only a multipart or message/ top level can hold many parts */
	if (strncasecmp(v, "multipart/", 10) != 0 && strncasecmp(v, "message/", 8) != 0)
		return len;
	if (p != NULL)
		return (at = cut_feed(&c, p, (size_t)len, 0)) ? at : len;
	for (off = 0; off < len; off += (uint64_t)r) {
		r = pread(fd, buf, len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf),
		    (off_t)off);
		if (r <= 0)
			return len;
		if ((at = cut_feed(&c, buf, (size_t)r, off)) != 0)
			return at;
	}
	return len;
}

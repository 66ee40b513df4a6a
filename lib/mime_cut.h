/*
 * mime_cut - the prefix of a multipart message GMime may parse (mime.c).
 */
#ifndef PF_MIME_CUT_H
#define PF_MIME_CUT_H

#include <stddef.h>
#include <stdint.h>

struct msg;

/* mime_cut_at - the offset of the first "--" line over the budget of
 * max_parts parts in the len bytes of m (at p, or read from fd when p is
 * NULL), or len when there is none, max_parts is 0, the top level is not
 * multipart or message, or m has too few lines to hold that many (then
 * nothing is read).  Never fails. */
uint64_t mime_cut_at(const struct msg *m, const char *p, int fd, uint64_t len,
    size_t max_parts);

#endif

/*
 * mime_stream - the stream GMime parses a spooled message from: pread(2)
 * with read-ahead, no lseek (see mime_stream.c for why).
 */
#ifndef PF_MIME_STREAM_H
#define PF_MIME_STREAM_H

#include <gmime/gmime.h>

/* mime_stream_new - a read-only stream over the first len bytes of fd,
 * which it owns from now on (closed when the last reference goes, its
 * substreams included).  Never NULL (GObject aborts when out of memory,
 * as everywhere in GMime). */
GMimeStream *mime_stream_new(int fd, gint64 len);

#endif

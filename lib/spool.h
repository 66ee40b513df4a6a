/*
 * spool - the kept body of a message: in memory up to a limit, then in a
 * private temporary file, and read back as one contiguous view.
 *
 * A spool starts in memory.  When appending would take it past memory_max
 * bytes (SpoolMemory), what it holds moves to a file made with mkstemp in
 * $TMPDIR (or /tmp) and unlinked at once, so nobody else can open it and
 * it disappears with the last descriptor, whatever happens to the process.
 * spool_finish maps that file read-only; spool_view then gives one pointer
 * and length however the bytes were kept, which is what GMime and
 * libopendkim want.  The pages of a mapped file belong to the page cache:
 * the kernel can drop them under memory pressure, unlike heap memory.
 *
 * spool_append returns 0, or -1 (static *error_r) when the bytes could not
 * be kept (out of memory, a full disk); the spool then holds a prefix of
 * the body, and its caller treats the body as truncated.  Not thread-safe:
 * a spool belongs to one message.
 */
#ifndef PF_SPOOL_H
#define PF_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct spool {
	struct buf mem;		/* the bytes while in memory */
	int fd;			/* the file once spilled, else -1 */
	uint64_t len;		/* bytes kept */
	uint64_t memory_max;	/* SpoolMemory; 0 = never spill */
	void *map;		/* spool_finish's mapping of the file */
};

/* spool_init - an empty spool in memory */
void spool_init(struct spool *s, uint64_t memory_max);
/* spool_append - keep n more bytes */
int spool_append(struct spool *s, const void *p, size_t n, const char **error_r);
/* spool_finish - the body is complete: map the file, if any */
int spool_finish(struct spool *s, const char **error_r);
/* spool_view - the kept bytes as one buffer (after spool_finish); *p_r is
 * NULL when nothing is kept */
void spool_view(const struct spool *s, const char **p_r, size_t *len_r);
/* spool_each - fn over the bytes from off, in order: one call when in
 * memory, pread chunks of 64 KB from the file; 0, fn's first non-zero
 * result, or -1 with *error_r when the file cannot be read */
int spool_each(const struct spool *s, uint64_t off,
    int (*fn)(void *arg, const char *p, size_t n), void *arg, const char **error_r);
/* spool_fd - the file descriptor once on disk, else -1 (owned by the spool) */
int spool_fd(const struct spool *s);
/* spool_on_disk - true once the bytes moved to a file */
bool spool_on_disk(const struct spool *s);
/* spool_clear - release memory, mapping and file; the spool is empty again */
void spool_clear(struct spool *s);

#endif

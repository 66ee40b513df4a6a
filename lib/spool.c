/*
 * spool - a message body in memory, then in an unlinked temporary file
 * (see spool.h for the contract).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "spool.h"

/* what spool_each reads from the file at a time */
#define SPOOL_CHUNK (64u * 1024u)

void spool_init(struct spool *s, uint64_t memory_max)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->memory_max = memory_max;
}

/* write_all - write n bytes, through short writes and EINTR */
static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* spill - move the bytes in memory to a new unlinked temporary file */
static int spill(struct spool *s, const char **error_r)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/preflight-spool.XXXXXX", dir) >= sizeof(path))
		return *error_r = "TMPDIR is too long", -1;
	if ((fd = mkstemp(path)) < 0)
		return *error_r = "cannot create a spool file", -1;
	(void)unlink(path);
	if (write_all(fd, s->mem.data, s->mem.len) < 0) {
		close(fd);
		return *error_r = "cannot write the spool file", -1;
	}
	s->fd = fd;
	buf_free(&s->mem);
	return 0;
}

int spool_append(struct spool *s, const void *p, size_t n, const char **error_r)
{
	if (n == 0)
		return 0;
	if (s->fd < 0 && s->memory_max > 0 && s->len + n > s->memory_max &&
	    spill(s, error_r) < 0)
		return -1;
	if (s->fd >= 0) {
		if (write_all(s->fd, p, n) < 0)
			return *error_r = "cannot write the spool file", -1;
	} else if (buf_append(&s->mem, p, n) < 0)
		return *error_r = "out of memory", -1;
	s->len += n;
	return 0;
}

int spool_finish(struct spool *s, const char **error_r)
{
	void *m;

	if (s->fd < 0 || s->map != NULL || s->len == 0)
		return 0;
	m = mmap(NULL, (size_t)s->len, PROT_READ, MAP_PRIVATE, s->fd, 0);
	if (m == MAP_FAILED)
		return *error_r = "cannot map the spool file", -1;
	s->map = m;
	return 0;
}

void spool_view(const struct spool *s, const char **p_r, size_t *len_r)
{
	if (s->fd >= 0) {
		*p_r = s->map;
		*len_r = s->map != NULL ? (size_t)s->len : 0;
	} else {
		*p_r = s->mem.data;
		*len_r = s->mem.len;
	}
}

int spool_each(const struct spool *s, uint64_t off,
    int (*fn)(void *arg, const char *p, size_t n), void *arg, const char **error_r)
{
	char *chunk;
	int rc = 0;

	if (off >= s->len)
		return 0;
	if (s->fd < 0)
		return fn(arg, s->mem.data + off, (size_t)(s->len - off));
	if ((chunk = malloc(SPOOL_CHUNK)) == NULL)
		return *error_r = "out of memory", -1;
	while (off < s->len && rc == 0) {
		size_t want = s->len - off < SPOOL_CHUNK ? (size_t)(s->len - off) : SPOOL_CHUNK;
		ssize_t got = pread(s->fd, chunk, want, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			*error_r = "cannot read the spool file";
			rc = -1;
			break;
		}
		rc = fn(arg, chunk, (size_t)got);
		off += (uint64_t)got;
	}
	free(chunk);
	return rc;
}

int spool_fd(const struct spool *s)
{
	return s->fd;
}

bool spool_on_disk(const struct spool *s)
{
	return s->fd >= 0;
}

void spool_clear(struct spool *s)
{
	uint64_t memory_max = s->memory_max;

	if (s->map != NULL)
		munmap(s->map, (size_t)s->len);
	if (s->fd >= 0)
		close(s->fd);
	buf_free(&s->mem);
	spool_init(s, memory_max);
}

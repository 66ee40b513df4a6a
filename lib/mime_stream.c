/*
 * mime_stream - a read-only GMimeStream over a spool file, read with
 * pread(2) through a small read-ahead buffer.
 *
 * GMime's own file stream (GMimeStreamFs) does an lseek before every
 * read, and its parser and filters read 4 KB at a time: a 25 MB message
 * spooled to disk cost some 18,000 reads and 17,000 lseeks per message,
 * a third of the CPU the milter spent on it.  This stream keeps no file
 * position (pread at its own), and serves small reads from a buffer
 * filled MIME_STREAM_ROOT_BUF (the stream the parser reads) or
 * MIME_STREAM_SUB_BUF bytes (a part's content) at a time; reads at least
 * that large go straight to the caller's memory.
 *
 * The buffer is a cache of the file's bytes at buf_off, which never
 * change (the spool is complete before the parse), so a seek only moves
 * the position.  A substream shares the root's descriptor; GMime holds a
 * reference on the root (super_stream) for as long as a substream lives,
 * and the root alone closes it.  A substream's buffer is made on its
 * first small read and freed at its end, so parts read partly (the first
 * bytes of an attachment) keep at most MIME_STREAM_SUB_BUF each, and
 * MaxMimeParts bounds their number.
 *
 * Not thread-safe, like every GMime object: a stream belongs to one tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mime_stream.h"

#define MIME_STREAM_ROOT_BUF (64 * 1024)
#define MIME_STREAM_SUB_BUF (16 * 1024)

typedef struct {
	GMimeStream parent;
	int fd;
	gboolean owner;		/* closes fd (the root) */
	char *buf;		/* read-ahead, NULL until needed */
	size_t bufsz;
	gint64 buf_off;		/* file offset of buf[0] */
	size_t buf_len;		/* valid bytes in buf */
} PfStream;

typedef struct {
	GMimeStreamClass parent_class;
} PfStreamClass;

GType pf_stream_get_type(void);
G_DEFINE_TYPE(PfStream, pf_stream, GMIME_TYPE_STREAM)

/* stream_end - the offset reading stops at: the bound, else the file size */
static gint64 stream_end(GMimeStream *stream)
{
	PfStream *ps = (PfStream *)stream;
	struct stat st;

	if (stream->bound_end != -1)
		return stream->bound_end;
	return fstat(ps->fd, &st) == 0 ? (gint64)st.st_size : stream->position;
}

/* pread_full - n bytes at off, through EINTR; the count read, or -1 */
static ssize_t pread_full(int fd, char *p, size_t n, gint64 off)
{
	ssize_t got;

	do
		got = pread(fd, p, n, (off_t)off);
	while (got < 0 && errno == EINTR);
	return got;
}

static ssize_t stream_read(GMimeStream *stream, char *out, size_t len)
{
	PfStream *ps = (PfStream *)stream;
	gint64 pos = stream->position, end;
	ssize_t got;

	if (ps->fd < 0)
		return errno = EBADF, -1;
	end = stream_end(stream);
	if (pos >= end)
		return 0;
	if ((gint64)len > end - pos)
		len = (size_t)(end - pos);
	if (ps->buf != NULL && pos >= ps->buf_off && pos < ps->buf_off + (gint64)ps->buf_len) {
		size_t at = (size_t)(pos - ps->buf_off), take = ps->buf_len - at;

		take = take < len ? take : len;
		memcpy(out, ps->buf + at, take);
		got = (ssize_t)take;
	} else if (len >= ps->bufsz) {
		got = pread_full(ps->fd, out, len, pos);
	} else {
		size_t want = end - pos < (gint64)ps->bufsz ? (size_t)(end - pos) : ps->bufsz;

		if (ps->buf == NULL && (ps->buf = malloc(ps->bufsz)) == NULL)
			return errno = ENOMEM, -1;
		if ((got = pread_full(ps->fd, ps->buf, want, pos)) <= 0)
			return got;
		ps->buf_off = pos;
		ps->buf_len = (size_t)got;
		got = got < (ssize_t)len ? got : (ssize_t)len;
		memcpy(out, ps->buf, (size_t)got);
	}
	if (got > 0)
		stream->position += got;
	if (!ps->owner && stream->position >= end) {
		free(ps->buf);	/* a part read to its end is not read again soon */
		ps->buf = NULL;
		ps->buf_len = 0;
	}
	return got;
}

static ssize_t stream_write(GMimeStream *stream, const char *buf, size_t len)
{
	return errno = EBADF, -1;
}

static int stream_flush(GMimeStream *stream)
{
	return 0;
}

static int stream_close(GMimeStream *stream)
{
	PfStream *ps = (PfStream *)stream;

	if (ps->owner && ps->fd >= 0)
		(void)close(ps->fd);
	ps->fd = -1;
	free(ps->buf);
	ps->buf = NULL;
	ps->buf_len = 0;
	return 0;
}

static gboolean stream_eos(GMimeStream *stream)
{
	return ((PfStream *)stream)->fd < 0 || stream->position >= stream_end(stream);
}

static int stream_reset(GMimeStream *stream)
{
	return ((PfStream *)stream)->fd < 0 ? (errno = EBADF, -1) : 0;
}

static gint64 stream_seek(GMimeStream *stream, gint64 offset, GMimeSeekWhence whence)
{
	gint64 real, end;

	if (((PfStream *)stream)->fd < 0)
		return errno = EBADF, -1;
	end = stream_end(stream);
	switch (whence) {
	case GMIME_STREAM_SEEK_SET:
		real = offset;
		break;
	case GMIME_STREAM_SEEK_CUR:
		real = stream->position + offset;
		break;
	case GMIME_STREAM_SEEK_END:
		real = end + offset;
		break;
	default:
		return errno = EINVAL, -1;
	}
	if (real < stream->bound_start || real > end)
		return errno = EINVAL, -1;
	stream->position = real;
	return real;
}

static gint64 stream_tell(GMimeStream *stream)
{
	return stream->position;
}

static gint64 stream_length(GMimeStream *stream)
{
	if (((PfStream *)stream)->fd < 0)
		return errno = EBADF, -1;
	return stream_end(stream) - stream->bound_start;
}

/* new_stream - a stream over fd in [start, end) */
static PfStream *new_stream(int fd, gboolean owner, size_t bufsz, gint64 start, gint64 end)
{
	PfStream *ps = g_object_new(pf_stream_get_type(), NULL);

	g_mime_stream_construct((GMimeStream *)ps, start, end);
	ps->fd = fd;
	ps->owner = owner;
	ps->bufsz = bufsz;
	return ps;
}

static GMimeStream *stream_substream(GMimeStream *stream, gint64 start, gint64 end)
{
	return (GMimeStream *)new_stream(((PfStream *)stream)->fd, FALSE,
	    MIME_STREAM_SUB_BUF, start, end);
}

static void pf_stream_finalize(GObject *object)
{
	(void)stream_close((GMimeStream *)object);
	G_OBJECT_CLASS(pf_stream_parent_class)->finalize(object);
}

static void pf_stream_class_init(PfStreamClass *klass)
{
	GMimeStreamClass *sc = GMIME_STREAM_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = pf_stream_finalize;
	sc->read = stream_read;
	sc->write = stream_write;
	sc->flush = stream_flush;
	sc->close = stream_close;
	sc->eos = stream_eos;
	sc->reset = stream_reset;
	sc->seek = stream_seek;
	sc->tell = stream_tell;
	sc->length = stream_length;
	sc->substream = stream_substream;
}

static void pf_stream_init(PfStream *ps)
{
	ps->fd = -1;
}

GMimeStream *mime_stream_new(int fd, gint64 len)
{
	return (GMimeStream *)new_stream(fd, TRUE, MIME_STREAM_ROOT_BUF, 0, len);
}

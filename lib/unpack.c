/*
 * unpack - list archive entries with libarchive under the per-message
 * limits (see unpack.h).
 *
 * Each archive level is one libarchive reader over bytes in memory, or,
 * for the outermost archive only, over a file (unpack_list_fd: a large
 * attachment decoded to disk is read in CHUNK reads, never all held).  The
 * filters are named one by one instead of archive_read_support_filter_all:
 * "all" includes lrzip, grzip and lzop readers that run an external
 * program, and hostile mail must never make a milter thread fork.  The
 * formats too, instead of archive_read_support_format_all: "all" has mtree,
 * which reads any text as a list of file names (a text file called x.zip
 * would "hold" whatever names its lines spell), and warc.
 * Recursion is bounded by MaxArchiveDepth (and by UNPACK_DEPTH_CAP
 * whatever the config says); memory by MaxArchiveBytes, since an inner
 * archive is the only thing held, and only as far as the byte budget
 * allows.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "dns.h"
#include "unpack.h"

#define CHUNK (64 * 1024)
#define UNPACK_DEPTH_CAP 16

static const char oom[] = "out of memory";

/* What a level tells its caller: go on, or stop the whole walk (a
 * per-message limit was reached), or fail (out of memory). */
enum { GO_ON = 0, STOP_ALL = 1, FAIL = -1 };

struct walk {
	const struct unpack_limits *lim;
	struct unpack_stats *st;
	unpack_cb cb;
	void *arg;
	unsigned char *chunk;	/* CHUNK bytes, shared by all levels */
	const char **error_r;
};

/* The state of one entry while its content is read. */
struct entry_read {
	unsigned char head[UNPACK_HEAD];
	size_t head_len;
	uint64_t got;
	struct buf inner;	/* the content, when it is an archive to open */
	bool keep;		/* collecting inner */
	bool complete;		/* inner holds the whole content */
	bool failed;		/* the data could not be read */
};

static const char *const archive_exts[] = {
	"zip", "rar", "7z", "tar", "gz", "tgz", "taz", "z", "bz2", "tbz",
	"tbz2", "xz", "txz", "lz", "lzma", "zst", "iso", "cab", "cpio",
	"lzh", "lha", NULL
};

/* ext_of - the text after the last dot of name, or "" */
static const char *ext_of(const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;
	const char *slash = name ? strrchr(name, '/') : NULL;

	if (dot == NULL || (slash != NULL && slash > dot))
		return "";
	return dot + 1;
}

/* compressed_magic - a lone-file compressor libarchive's raw format reads */
static bool compressed_magic(const unsigned char *p, size_t n)
{
	return (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8) ||
	    (n >= 2 && p[0] == 0x1f && p[1] == 0x9d) ||
	    (n >= 4 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9') ||
	    (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0) ||
	    (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0) ||
	    (n >= 4 && memcmp(p, "LZIP", 4) == 0);
}

static bool archive_magic(const unsigned char *p, size_t n)
{
	return (n >= 4 && (memcmp(p, "PK\3\4", 4) == 0 || memcmp(p, "PK\5\6", 4) == 0 ||
	    memcmp(p, "PK\7\10", 4) == 0)) ||
	    (n >= 6 && memcmp(p, "Rar!\x1a\x07", 6) == 0) ||
	    (n >= 6 && memcmp(p, "7z\xbc\xaf\x27\x1c", 6) == 0) ||
	    (n >= 8 && memcmp(p, "MSCF\0\0\0\0", 8) == 0) ||
	    (n >= 262 && memcmp(p + 257, "ustar", 5) == 0) ||
	    (n >= 6 && (memcmp(p, "070701", 6) == 0 || memcmp(p, "070707", 6) == 0)) ||
	    (n >= 32774 && memcmp(p + 32769, "CD001", 5) == 0) ||
	    compressed_magic(p, n);
}

bool unpack_is_archive(const void *data, size_t len, const char *name)
{
	const char *ext = ext_of(name);
	size_t i;

	if (data != NULL && archive_magic(data, len))
		return true;
	for (i = 0; *ext != '\0' && archive_exts[i] != NULL; i++)
		if (strcasecmp(ext, archive_exts[i]) == 0)
			return true;
	return false;
}

/* Where a level's bytes are: in memory, or (fd >= 0) in a file. */
struct source {
	const void *data;
	size_t len;
	int fd;
};

/* source_head - the first bytes of src into head (at most n); their count */
static size_t source_head(const struct source *src, unsigned char *head, size_t n)
{
	ssize_t got;

	if (src->fd < 0) {
		n = n < src->len ? n : src->len;
		memcpy(head, src->data, n);
		return n;
	}
	do
		got = pread(src->fd, head, n, 0);
	while (got < 0 && errno == EINTR);
	return got > 0 ? (size_t)got : 0;
}

/* open_reader - a reader over src: every archive format, or (raw) the
 * one-entry reader for a lone compressed file; NULL if neither fits */
static struct archive *open_reader(const struct source *src, bool raw)
{
	int r;

	struct archive *a = archive_read_new();

	if (a == NULL)
		return NULL;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_lzip(a);
	archive_read_support_filter_compress(a);
	archive_read_support_filter_zstd(a);
	if (raw) {
		archive_read_support_format_raw(a);
	} else {
		archive_read_support_format_7zip(a);
		archive_read_support_format_ar(a);
		archive_read_support_format_cab(a);
		archive_read_support_format_cpio(a);
		archive_read_support_format_empty(a);
		archive_read_support_format_iso9660(a);
		archive_read_support_format_lha(a);
		archive_read_support_format_rar(a);
		archive_read_support_format_rar5(a);
		archive_read_support_format_tar(a);
		archive_read_support_format_xar(a);
		archive_read_support_format_zip(a);
	}
	/* libarchive reads a file from where it is and never closes it */
	if (src->fd >= 0)
		r = lseek(src->fd, 0, SEEK_SET) == 0 ?
		    archive_read_open_fd(a, src->fd, CHUNK) : ARCHIVE_FATAL;
	else
		r = archive_read_open_memory(a, src->data, src->len);
	if (r != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* flag - record why listing stopped, and where it first happened */
static void flag(struct walk *w, unsigned f, const char *where)
{
	if (w->st->flags == 0)
		snprintf(w->st->where, sizeof(w->st->where), "%s", where);
	w->st->flags |= f;
}

/* raw_name - "report.pdf.gz" -> "report.pdf"; "x.tgz" -> "x.tar" */
static int raw_name(struct buf *b, const char *name)
{
	const char *ext = ext_of(name);
	size_t stem = *ext ? (size_t)(ext - 1 - name) : strlen(name);

	if (stem == 0)
		return buf_puts(b, "data");
	if (buf_append(b, name, stem) < 0)
		return -1;
	if (strcasecmp(ext, "tgz") == 0 || strcasecmp(ext, "taz") == 0 ||
	    strcasecmp(ext, "tbz") == 0 || strcasecmp(ext, "tbz2") == 0 ||
	    strcasecmp(ext, "txz") == 0)
		return buf_puts(b, ".tar");
	return 0;
}

/* read_chunk_into - account one chunk of an entry's content; returns
 * GO_ON, STOP_ALL (byte budget spent) or FAIL */
static int read_chunk_into(struct walk *w, struct entry_read *er, size_t n,
    const char *path, bool can_open)
{
	uint64_t left;

	if (er->head_len < UNPACK_HEAD) {
		size_t take = UNPACK_HEAD - er->head_len;

		if (take > n)
			take = n;
		memcpy(er->head + er->head_len, w->chunk, take);
		er->head_len += take;
		if (er->got == 0)
			er->keep = can_open && unpack_is_archive(er->head, er->head_len, path);
	}
	er->got += n;
	w->st->bytes += n;
	if (er->keep) {
		left = w->lim->max_bytes - (w->st->bytes - n);
		if (n > left || buf_append(&er->inner, w->chunk, n) < 0) {
			if (n <= left)
				return *w->error_r = oom, FAIL;
			er->keep = false;
			buf_free(&er->inner);
		}
	}
	if (w->st->bytes > w->lim->max_bytes)
		return STOP_ALL;
	return GO_ON;
}

/* read_entry - read the current entry's content under the limits;
 * returns GO_ON, STOP_ALL, FAIL, or 2 when the archive is a bomb */
static int read_entry(struct walk *w, struct archive *a, struct entry_read *er,
    const char *path, bool can_open, size_t packed, uint64_t *level_bytes)
{
	la_ssize_t n;
	int rc;

	for (;;) {
		n = archive_read_data(a, w->chunk, CHUNK);
		if (n == 0) {
			er->complete = er->keep;
			return GO_ON;
		}
		if (n < 0) {
			er->failed = true;
			return GO_ON;
		}
		rc = read_chunk_into(w, er, (size_t)n, path, can_open);
		if (rc != GO_ON)
			return rc;
		*level_bytes += (uint64_t)n;
		if (w->lim->max_ratio != 0 && *level_bytes > UNPACK_RATIO_FLOOR &&
		    *level_bytes / w->lim->max_ratio > (uint64_t)packed)
			return 2;
	}
}

static int list_level(struct walk *w, const struct source *src, const char *name,
    const char *prefix, unsigned level);

/* one_entry - read, report, and maybe open the entry just listed */
static int one_entry(struct walk *w, struct archive *a, struct archive_entry *ae,
    const char *path, const char *prefix, unsigned level, size_t packed,
    uint64_t *level_bytes)
{
	struct entry_read er = { .inner = BUF_INIT };
	struct buf chain = BUF_INIT;
	struct unpack_entry e = { .path = path, .depth = level };
	bool can_open = level < w->lim->max_depth && level < UNPACK_DEPTH_CAP;
	int rc = GO_ON;

	e.encrypted = archive_entry_is_encrypted(ae) != 0;
	e.is_dir = archive_entry_filetype(ae) == AE_IFDIR;
	if (buf_printf(&chain, "%s > %s", prefix, path) < 0)
		return *w->error_r = oom, FAIL;
	if (!e.encrypted && !e.is_dir)
		rc = read_entry(w, a, &er, path, can_open, packed, level_bytes);
	if (rc == FAIL)
		goto out;
	if (rc == 2)
		flag(w, UNPACK_F_BOMB, prefix);
	if (rc == STOP_ALL)
		flag(w, UNPACK_F_BYTES, buf_cstr(&chain));
	e.encrypted = e.encrypted || archive_entry_is_encrypted(ae) != 0;
	if (er.failed && !e.encrypted)
		flag(w, UNPACK_F_DAMAGED, buf_cstr(&chain));
	e.chain = buf_cstr(&chain);
	e.size = er.got != 0 || !archive_entry_size_is_set(ae) ? er.got :
	    (uint64_t)archive_entry_size(ae);
	e.head = er.head;
	e.head_len = er.head_len;
	e.is_archive = !e.is_dir && unpack_is_archive(er.head, er.head_len, path);
	if (w->st->max_depth_seen < level)
		w->st->max_depth_seen = level;
	if (w->cb(w->arg, &e) < 0) {
		rc = FAIL;
		goto out;
	}
	if (rc == GO_ON && e.is_archive && !e.encrypted && !can_open)
		flag(w, UNPACK_F_DEPTH, e.chain);
	else if (rc == GO_ON && er.complete)
		rc = list_level(w, &(struct source){ er.inner.data, er.inner.len, -1 },
		    path, e.chain, level + 1);
out:
	buf_free(&er.inner);
	buf_free(&chain);
	return rc;
}

/* walk_entries - every entry of the open reader a */
static int walk_entries(struct walk *w, struct archive *a, const char *raw,
    const char *prefix, unsigned level, size_t packed)
{
	struct archive_entry *ae;
	uint64_t level_bytes = 0;
	const char *path;
	int r, rc;

	for (;;) {
		r = archive_read_next_header(a, &ae);
		if (r == ARCHIVE_EOF)
			return GO_ON;
		if (r < ARCHIVE_WARN) {
			flag(w, archive_read_has_encrypted_entries(a) > 0 ?
			    UNPACK_F_LOCKED : UNPACK_F_DAMAGED, prefix);
			return GO_ON;
		}
		if (w->st->entries >= w->lim->max_entries) {
			flag(w, UNPACK_F_ENTRIES, prefix);
			return STOP_ALL;
		}
		if (w->lim->deadline_ms != 0 && dns_now_ms() > w->lim->deadline_ms) {
			flag(w, UNPACK_F_TIME, prefix);
			return STOP_ALL;
		}
		w->st->entries++;
		path = raw ? raw : archive_entry_pathname(ae);
		rc = one_entry(w, a, ae, path ? path : "", prefix, level, packed,
		    &level_bytes);
		if (rc == 2)
			return GO_ON;	/* a bomb: this archive stops, the rest goes on */
		if (rc != GO_ON)
			return rc;
	}
}

/* list_level - list the archive in src (entries at depth level) */
static int list_level(struct walk *w, const struct source *src, const char *name,
    const char *prefix, unsigned level)
{
	struct archive *a = open_reader(src, false);
	struct buf rname = BUF_INIT;
	unsigned char head[16];
	int rc;

	if (a == NULL && compressed_magic(head, source_head(src, head, sizeof(head)))) {
		a = open_reader(src, true);
		if (a != NULL && raw_name(&rname, strrchr(name, '/') ?
		    strrchr(name, '/') + 1 : name) < 0) {
			archive_read_free(a);
			return *w->error_r = oom, FAIL;
		}
	}
	if (a == NULL) {
		flag(w, UNPACK_F_DAMAGED, prefix);
		return GO_ON;
	}
	rc = walk_entries(w, a, rname.data, prefix, level, src->len);
	archive_read_free(a);
	buf_free(&rname);
	return rc;
}

/* list_top - the outermost archive: the per-message limits first */
static int list_top(const struct source *src, const char *name,
    const struct unpack_limits *lim, struct unpack_stats *st,
    unpack_cb cb, void *arg, const char **error_r)
{
	struct walk w = { lim, st, cb, arg, NULL, error_r };
	int rc;

	if (name == NULL || *name == '\0')
		name = "attachment";
	if (lim->max_depth == 0) {
		flag(&w, UNPACK_F_DEPTH, name);
		return 0;
	}
	if (st->entries >= lim->max_entries || st->bytes >= lim->max_bytes) {
		flag(&w, st->entries >= lim->max_entries ? UNPACK_F_ENTRIES :
		    UNPACK_F_BYTES, name);
		return 0;
	}
	w.chunk = malloc(CHUNK);
	if (w.chunk == NULL)
		return *error_r = oom, -1;
	rc = list_level(&w, src, name, name, 1);
	free(w.chunk);
	return rc == FAIL ? -1 : 0;
}

int unpack_list(const void *data, size_t len, const char *name,
    const struct unpack_limits *lim, struct unpack_stats *st,
    unpack_cb cb, void *arg, const char **error_r)
{
	return list_top(&(struct source){ data, len, -1 }, name, lim, st, cb, arg,
	    error_r);
}

int unpack_list_fd(int fd, uint64_t len, const char *name,
    const struct unpack_limits *lim, struct unpack_stats *st,
    unpack_cb cb, void *arg, const char **error_r)
{
	return list_top(&(struct source){ NULL, (size_t)len, fd }, name, lim, st, cb,
	    arg, error_r);
}

/*
 * unpack - list the entries of an archive in memory or a file (libarchive),
 * following archives inside archives, under the per-message limits.
 *
 * unpack_list opens the archive formats libarchive reads (zip, rar, rar5,
 * 7z, tar, cpio, iso, cab, lha, xar, ar; not mtree, which reads any text)
 * under the in-process filters (gz, bz2, xz, lzma, lzip, Z, zstd).  A lone compressed
 * file (.gz/.bz2/.xz/.Z of one file) is an archive with one entry named
 * after the file minus its suffix.  Every entry is read (that is the only
 * way to measure what it unpacks to), its first bytes kept for content
 * sniffing, and the callback gets path, size, depth and the encrypted
 * flag.  An entry that is itself an archive (by content or name) is read
 * into memory and listed in turn, up to MaxArchiveDepth levels.
 *
 * Limits (struct unpack_limits) are per message, so the counters in
 * struct unpack_stats carry over from one call to the next; the flags say
 * which limit stopped the listing.  A bomb (unpacked / packed above
 * MaxArchiveRatio, measured while reading) stops that archive.  Hostile
 * or damaged archives are never an error: they set a flag.  unpack_list
 * returns -1 (*error_r static) only when out of memory or when the
 * callback returns -1.
 */
#ifndef PF_UNPACK_H
#define PF_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* first bytes of each entry handed to the callback */
#define UNPACK_HEAD 512
/* the ratio limit applies only once an archive unpacks to this much:
 * small text files compress far better than 100:1 without being bombs */
#define UNPACK_RATIO_FLOOR ((uint64_t)1 << 20)

struct unpack_limits {
	unsigned max_depth;	/* MaxArchiveDepth: archive levels opened */
	unsigned max_entries;	/* MaxArchiveEntries, per message */
	unsigned max_ratio;	/* MaxArchiveRatio, unpacked : packed; 0 = off */
	uint64_t max_bytes;	/* MaxArchiveBytes, unpacked bytes per message */
	uint64_t deadline_ms;	/* MaxScanTime, on dns_now_ms()'s clock; 0 = none */
};

/* Why listing stopped early: bits of unpack_stats.flags */
enum {
	UNPACK_F_BOMB = 1 << 0,		/* ratio exceeded (where: which archive) */
	UNPACK_F_ENTRIES = 1 << 1,	/* MaxArchiveEntries reached */
	UNPACK_F_BYTES = 1 << 2,	/* MaxArchiveBytes reached */
	UNPACK_F_DEPTH = 1 << 3,	/* an archive deeper than MaxArchiveDepth */
	UNPACK_F_DAMAGED = 1 << 4,	/* could not be opened or read to the end */
	UNPACK_F_LOCKED = 1 << 5,	/* encrypted names: entries not listable */
	UNPACK_F_TIME = 1 << 6,		/* the scan's MaxScanTime ran out */
};

struct unpack_stats {
	unsigned entries;	/* entries listed so far (this message) */
	uint64_t bytes;		/* unpacked bytes read so far (this message) */
	unsigned flags;		/* UNPACK_F_*; the caller clears per attachment */
	unsigned max_depth_seen;	/* deepest entry level listed */
	char where[256];	/* the archive the first flag was set in */
};

struct unpack_entry {
	const char *path;	/* as stored in the archive (not sanitised) */
	const char *chain;	/* "mail.zip > inner.zip > docs/run.js" */
	uint64_t size;		/* bytes read, or the stored size if not read */
	unsigned depth;		/* 1 = entry of the outermost archive */
	bool encrypted;		/* content (or the archive) needs a password */
	bool is_dir;
	bool is_archive;	/* will be (or would be, if allowed) opened */
	const unsigned char *head;	/* first bytes of the content */
	size_t head_len;
};

/* return 0 to go on, -1 to abort unpack_list (it then returns -1) */
typedef int (*unpack_cb)(void *arg, const struct unpack_entry *e);

/* unpack_is_archive - whether data (its first bytes) or name look like an
 * archive or a compressed file unpack_list should open */
bool unpack_is_archive(const void *data, size_t len, const char *name);
/* unpack_list - list the archive data (called name) under lim; see above */
int unpack_list(const void *data, size_t len, const char *name,
    const struct unpack_limits *lim, struct unpack_stats *st,
    unpack_cb cb, void *arg, const char **error_r);
/* unpack_list_fd - the same for an archive of len bytes in the file fd
 * (from offset 0; read with pread and lseek, left open) */
int unpack_list_fd(int fd, uint64_t len, const char *name,
    const struct unpack_limits *lim, struct unpack_stats *st,
    unpack_cb cb, void *arg, const char **error_r);

#endif

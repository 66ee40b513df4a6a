/*
 * fuzz_unpack - bytes as an attachment -> unpack_list (libarchive under
 * the default MaxArchiveDepth / Entries / Ratio / Bytes and MaxScanTime,
 * nested archives followed), as check_attach lists an archive.
 *
 * Properties: no entry deeper than MaxArchiveDepth, no more entries than
 * MaxArchiveEntries, at most UNPACK_HEAD bytes of head, and a path and a
 * chain on every entry.  The name tells unpack_list a lone compressed
 * file from an archive; the last input byte picks one of a few.
 */
#include <string.h>

#include "config.h"
#include "dns.h"
#include "fuzz.h"
#include "unpack.h"

static struct config *cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cfg = fuzz_defaults();
	return 0;
}

static int entry(void *arg, const struct unpack_entry *e)
{
	const unsigned char *h = e->head;
	unsigned *sum = arg;
	size_t i;

	if (e->path == NULL || e->chain == NULL || e->head_len > UNPACK_HEAD ||
	    (e->head_len > 0 && h == NULL) || e->depth == 0 ||
	    e->depth > cfg->max_archive_depth + 1)
		fuzz_fail("unpack: entry \"%s\" depth %u head %zu", e->path ? e->path : "(null)",
		    e->depth, e->head_len);
	*sum += (unsigned)strlen(e->path) + (unsigned)strlen(e->chain);
	for (i = 0; i < e->head_len; i++)
		*sum += h[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "a.zip", "a.gz", "a.tar.bz2", "a.bin" };
	struct unpack_limits lim = {
		.max_depth = cfg->max_archive_depth,
		.max_entries = cfg->max_archive_entries,
		.max_ratio = cfg->max_archive_ratio,
		.max_bytes = cfg->max_archive_bytes,
		.deadline_ms = dns_now_ms() + (uint64_t)cfg->max_scan_time * 1000,
	};
	struct unpack_stats st;
	const char *error, *name = names[size > 0 ? data[size - 1] % 4 : 0];
	unsigned sum = 0;

	memset(&st, 0, sizeof(st));
	(void)unpack_is_archive(data, size, name);
	if (unpack_list(data, size, name, &lim, &st, entry, &sum, &error) < 0)
		fuzz_fail("unpack_list: %s", error);
	if (st.entries > cfg->max_archive_entries || st.max_depth_seen > cfg->max_archive_depth + 1 ||
	    memchr(st.where, '\0', sizeof(st.where)) == NULL)
		fuzz_fail("unpack: %u entries, depth %u", st.entries, st.max_depth_seen);
	return 0;
}

/*
 * unpack-list - print what unpack_list sees in an archive file, for
 * tests/attach/test-attach.sh: one line per entry
 * "depth<TAB>E|-<TAB>A|-<TAB>size<TAB>chain", then "flags=..." and
 * "entries=N bytes=N".
 * Usage: unpack-list [-d depth] [-e entries] [-r ratio] [-b bytes] FILE [NAME]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"
#include "unpack.h"

static int print_entry(void *arg, const struct unpack_entry *e)
{
	printf("%u\t%s\t%s\t%" PRIu64 "\t%s\n", e->depth, e->encrypted ? "E" : "-",
	    e->is_archive ? "A" : "-", e->size, e->chain);
	return 0;
}

static int slurp(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n) < 0)
			break;
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct unpack_limits lim = { 3, 10000, 100, (uint64_t)256 << 20, 0 };
	struct unpack_stats st = { 0 };
	struct buf data = BUF_INIT;
	const char *error = NULL;
	static const char *const names[] = { "bomb", "entries", "bytes", "depth",
		"damaged", "locked" };
	int c, i;

	while ((c = getopt(argc, argv, "d:e:r:b:")) != -1) {
		if (c == 'd')
			lim.max_depth = (unsigned)atoi(optarg);
		else if (c == 'e')
			lim.max_entries = (unsigned)atoi(optarg);
		else if (c == 'r')
			lim.max_ratio = (unsigned)atoi(optarg);
		else if (c == 'b')
			lim.max_bytes = strtoull(optarg, NULL, 10);
		else
			return 64;
	}
	if (optind >= argc || slurp(argv[optind], &data) < 0)
		return 66;
	if (unpack_list(data.data, data.len, optind + 1 < argc ? argv[optind + 1] :
	    argv[optind], &lim, &st, print_entry, NULL, &error) < 0) {
		fprintf(stderr, "unpack-list: %s\n", error);
		return 1;
	}
	printf("flags=");
	for (i = 0; i < 6; i++)
		if (st.flags & (1u << i))
			printf("%s,", names[i]);
	printf(" where=%s\nentries=%u bytes=%" PRIu64 "\n", st.where, st.entries, st.bytes);
	buf_free(&data);
	return 0;
}

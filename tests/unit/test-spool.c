/* test-spool - a body kept in memory, then in a file: every byte reads
 * back the same, whichever way it was kept */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"
#include "tap.h"

/* pattern - byte i of a test body: not periodic in any power of two */
static char pattern(size_t i)
{
	return (char)('a' + (i * 7 + i / 4093) % 26);
}

/* fill - append len pattern bytes in uneven chunks */
static int fill(struct spool *s, size_t len)
{
	char chunk[7001];
	size_t off = 0, n, i;
	const char *err;

	while (off < len) {
		n = len - off < sizeof(chunk) - off % 997 ? len - off : sizeof(chunk) - off % 997;
		for (i = 0; i < n; i++)
			chunk[i] = pattern(off + i);
		if (spool_append(s, chunk, n, &err) < 0)
			return -1;
		off += n;
	}
	return 0;
}

/* same - the view holds exactly the first len pattern bytes */
static int same(const struct spool *s, size_t len)
{
	const char *p;
	size_t n, i;

	spool_view(s, &p, &n);
	if (n != len || (len > 0 && p == NULL))
		return 0;
	for (i = 0; i < n; i++)
		if (p[i] != pattern(i))
			return 0;
	return 1;
}

struct each_state {
	size_t at, calls;
	int bad;
};

static int each_cb(void *arg, const char *p, size_t n)
{
	struct each_state *es = arg;
	size_t i;

	for (i = 0; i < n; i++)
		es->bad |= p[i] != pattern(es->at + i);
	es->at += n;
	es->calls++;
	return 0;
}

static void test_memory(void)
{
	struct spool s;
	struct each_state es = { 1000, 0, 0 };
	const char *err;

	spool_init(&s, 0);
	ok(fill(&s, 100000) == 0 && s.mem.len == 100000 && !spool_on_disk(&s),
	    "100 KB in memory");
	ok(same(&s, 100000), "and read back");
	ok(fill(&s, 0) == 0 && spool_append(&s, "", 0, &err) == 0, "empty appends are no-ops");
	spool_clear(&s);
	ok(fill(&s, 5u << 20) == 0, "5 MB appended in uneven chunks");
	ok(!spool_on_disk(&s) && s.len == (5u << 20), "with no SpoolMemory they stay in memory");
	ok(spool_finish(&s, &err) == 0 && same(&s, 5u << 20),
	    "every byte survives the buffer's growth");
	ok(spool_each(&s, 1000, each_cb, &es, &err) == 0 && !es.bad &&
	    es.at == (5u << 20) && es.calls == 1, "spool_each from an offset: one call");
	spool_clear(&s);
	ok(s.mem.data == NULL && s.len == 0 && same(&s, 0), "spool_clear empties it");
}

static void test_spill(void)
{
	struct spool s;
	struct each_state es = { 0, 0, 0 };
	const char *err;

	spool_init(&s, 3u << 20);
	ok(fill(&s, 2u << 20) == 0 && !spool_on_disk(&s) && same(&s, 2u << 20),
	    "2 MB under a 3 MB SpoolMemory: in memory");
	ok(fill(&s, 0) == 0 && spool_append(&s, "x", 0, &err) == 0, "nothing moves on an empty append");
	spool_clear(&s);
	ok(fill(&s, 4u << 20) == 0 && spool_on_disk(&s) && s.mem.data == NULL,
	    "4 MB: spilled to a file, the memory released");
	ok(spool_finish(&s, &err) == 0 && same(&s, 4u << 20), "the file maps back every byte");
	ok(spool_each(&s, 0, each_cb, &es, &err) == 0 && !es.bad && es.at == (4u << 20) &&
	    es.calls == 64, "spool_each reads it in 64 KB chunks");
	spool_clear(&s);
	ok(!spool_on_disk(&s) && s.memory_max == (3u << 20), "spool_clear keeps SpoolMemory");
}

int main(void)
{
	test_memory();
	test_spill();
	return tap_done();
}

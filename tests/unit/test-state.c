/*
 * test-state - lib/state.c with its SQLite backends (a file and process
 * memory) and with a Redis address where nothing listens: sliding-window
 * counts at pinned times, values that expire, the spec parser, and the
 * fallback that keeps counting when Redis is away.  The Redis backend
 * against a real redis-server runs in tests/rate/test-rate.sh.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "tap.h"

/* count - add and return the sum, or (uint64_t)-1 on error */
static uint64_t count(struct state *st, const char *key, unsigned window, unsigned add, time_t now)
{
	uint64_t sum;
	const char *err;

	return state_count(st, key, window, add, now, &sum, &err) < 0 ? (uint64_t)-1 : sum;
}

static void windows(struct state *st, const char *what)
{
	time_t t0 = 1699999980;	/* a multiple of 60: bucket edges are exact */
	char v[64];
	const char *err;

	is_int(count(st, "a", 3600, 5, t0), 5, "%s: first count", what);
	is_int(count(st, "a", 3600, 3, t0 + 600), 8, "%s: adds within the window", what);
	is_int(count(st, "b", 3600, 1, t0 + 600), 1, "%s: keys are apart", what);
	is_int(count(st, "a", 60, 0, t0 + 600), 0, "%s: another window, another counter",
	    what);
	is_int(count(st, "a", 3600, 0, t0 + 3599), 8, "%s: read only (add 0)", what);
	is_int(count(st, "a", 3600, 0, t0 + 3600 + 60), 3, "%s: the first add left the window",
	    what);
	is_int(count(st, "a", 3600, 0, t0 + 7200 + 660), 0, "%s: all left the window", what);
	is_int(count(st, "s", 10, 1, t0), 1, "%s: a 10 s window", what);
	is_int(count(st, "s", 10, 1, t0 + 5), 2, "%s: 10 s window, 5 s later", what);
	is_int(count(st, "s", 10, 0, t0 + 10), 1, "%s: 10 s window slides by the second", what);
	ok(state_put(st, "sup:x@example.com", "userunknown 550 5.1.1", 100, t0, &err) == 0,
	    "%s: put", what);
	ok(state_get(st, "sup:x@example.com", t0 + 99, v, sizeof(v), &err) == 1 &&
	    strcmp(v, "userunknown 550 5.1.1") == 0, "%s: get within the ttl", what);
	ok(state_get(st, "sup:x@example.com", t0 + 100, v, sizeof(v), &err) == 0,
	    "%s: expired at the ttl", what);
	ok(state_get(st, "sup:nobody", t0, v, sizeof(v), &err) == 0, "%s: absent key", what);
}

int main(void)
{
	static const char *const bad[] = {
		"", "sqlite:", "mysql://x", "redis://", "redis://host", "redis://:6379",
		"redis://h:0", "redis://h:70000", "redis://h:6379/x", "redis://h:6379/1x",
		"redis://h:6379/1?timeout=0", "redis://h:6379?timeout=x", "redis://h:6379/1?tmo=5",
	};
	char path[] = "/tmp/pf-state-XXXXXX", db[64];
	struct state *st = NULL;
	const char *err;
	size_t i;
	int fd;

	fd = mkstemp(path);
	ok(fd >= 0, "temp file");
	close(fd);
	unlink(path);
	snprintf(db, sizeof(db), "sqlite:%s", path);
	ok(state_open(db, &st, &err) == 0, "open %s", db);
	if (st != NULL) {
		is_str(state_backend_name(st), "sqlite", "sqlite: name");
		windows(st, "sqlite");
		state_close(&st);
		ok(st == NULL, "close sets NULL");
		ok(state_open(db, &st, &err) == 0 && count(st, "a", 3600, 0, 1699999980 + 600) == 8,
		    "sqlite: counts survive a reopen");
		state_close(&st);
	}
	unlink(path);
	ok(state_open("none", &st, &err) == 0, "open none");
	if (st != NULL) {
		windows(st, "none");
		ok(state_health(st, NULL), "none: healthy");
		state_close(&st);
	}
	/* port 1 on loopback: nothing listens, the connection is refused at once */
	ok(state_open("redis://127.0.0.1:1/2?timeout=200", &st, &err) == 0,
	    "redis without a server opens");
	if (st != NULL) {
		is_str(state_backend_name(st), "redis", "redis: name");
		ok(!state_health(st, &err), "redis down: unhealthy (%s)", err);
		windows(st, "redis down, in memory");
		state_close(&st);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ok(state_open(bad[i], &st, &err) < 0 && st == NULL, "spec '%s' refused", bad[i]);
		state_close(&st);
	}
	ok(state_open("sqlite:/nonexistent-dir/x.db", &st, &err) < 0,
	    "sqlite in a missing folder: an error (%s)", err);
	return tap_done();
}

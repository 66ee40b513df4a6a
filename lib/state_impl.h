/*
 * state_impl.h - the backends behind lib/state.c (private).
 *
 * A backend stores bucketed counters and values with an expiry; the
 * front (state.c) does the bucket arithmetic, the locking and the
 * fallback.  Every op returns 0, or -1 with a static *error_r; the
 * Redis backend's -1 means "unreachable", and the front then uses the
 * memory backend.
 */
#ifndef PF_STATE_IMPL_H
#define PF_STATE_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct state_backend {
	/* add add to counter key at bucket, expiring at expires; give the
	 * sum of buckets first..bucket */
	int (*count)(void *b, const char *key, uint64_t bucket, uint64_t first, unsigned add,
	    time_t expires, uint64_t *sum_r, const char **error_r);
	int (*put)(void *b, const char *key, const char *value, time_t expires,
	    const char **error_r);
	/* 1 found, 0 not (or expired at now), -1 error */
	int (*get)(void *b, const char *key, time_t now, char *out, size_t outsz,
	    const char **error_r);
	/* each live value whose key starts with prefix, at most max of them:
	 * cb(key, value, arg), non-zero stops; 0 or -1 */
	int (*scan)(void *b, const char *prefix, time_t now, size_t max,
	    int (*cb)(const char *key, const char *value, void *arg), void *arg,
	    const char **error_r);
	void (*close)(void *b);
};

extern const struct state_backend state_sqlite_backend;
extern const struct state_backend state_redis_backend;

/* state_sqlite_open - a SQLite state at path (":memory:" for process memory) */
int state_sqlite_open(const char *path, void **b_r, const char **error_r);
/* state_redis_open - a Redis state at host:port, database db, each
 * connect and command bounded by timeout_ms; connects
 * lazily, so an absent server is not an error here */
int state_redis_open(const char *host, int port, int db, unsigned timeout_ms, void **b_r,
    const char **error_r);

#endif

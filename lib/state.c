/*
 * state - counters and remembered values, locally or shared (state.h).
 *
 * The front owns the lock, the bucket arithmetic and the fallback: every
 * op goes to the configured backend, and when that is Redis and it fails,
 * to a SQLite database in process memory instead, until a retry after
 * STATE_RETRY_S succeeds.  Counts made during an outage stay local; a
 * fleet's counts are shared again from the first successful retry.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "state_impl.h"

#define BUCKETS 60

struct state {
	pthread_mutex_t lock;
	const char *name;		/* "sqlite", "redis", "none" */
	const struct state_backend *ops;
	void *b;			/* the configured backend */
	void *mem;			/* the memory fallback (Redis only) */
	bool down;			/* Redis failed; using mem */
	time_t retry_at;		/* when to try Redis again */
	const char *why;
};

/* parse_redis - "redis://HOST:PORT[/DB][?timeout=MS]" into its parts */
static int parse_redis(const char *spec, char *host, size_t hostsz, int *port_r, int *db_r,
    unsigned *timeout_r)
{
	const char *h = spec + strlen("redis://"), *colon = strrchr(h, ':');
	char *end;
	long port, db = 0, ms;

	if (colon == NULL || colon == h || (size_t)(colon - h) >= hostsz)
		return -1;
	memcpy(host, h, (size_t)(colon - h));
	host[colon - h] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || port < 1 || port > 65535)
		return -1;
	if (*end == '/') {
		db = strtol(end + 1, &end, 10);
		if (db < 0 || db > 10000)
			return -1;
	}
	*timeout_r = STATE_REDIS_TIMEOUT_MS;
	if (strncmp(end, "?timeout=", 9) == 0) {
		ms = strtol(end + 9, &end, 10);
		if (ms < 1 || ms > 60000)
			return -1;
		*timeout_r = (unsigned)ms;
	}
	if (*end != '\0')
		return -1;
	*port_r = (int)port;
	*db_r = (int)db;
	return 0;
}

/* failed - the configured backend failed: use memory for a while */
static void failed(struct state *st, time_t now, const char *why)
{
	st->down = true;
	st->retry_at = now + STATE_RETRY_S;
	st->why = why;
}

/* probe - ask the shared backend once at open, so that a server absent
 * from the start shows in state_health before the first message */
static void probe(struct state *st)
{
	const char *err;
	char v[8];

	if (st->ops->get(st->b, "probe", time(NULL), v, sizeof(v), &err) < 0)
		failed(st, time(NULL), err);
}

int state_open(const char *spec, struct state **st_r, const char **error_r)
{
	struct state *st = calloc(1, sizeof(*st));
	char host[256];
	unsigned timeout_ms;
	int port, db, rc;

	*st_r = NULL;
	if (st == NULL)
		return *error_r = "out of memory", -1;
	pthread_mutex_init(&st->lock, NULL);
	st->ops = &state_sqlite_backend;
	if (spec == NULL || strcmp(spec, "none") == 0) {
		st->name = "none";
		rc = state_sqlite_open(":memory:", &st->b, error_r);
	} else if (strncmp(spec, "sqlite:", 7) == 0 && spec[7] != '\0') {
		st->name = "sqlite";
		rc = state_sqlite_open(spec + 7, &st->b, error_r);
	} else if (strncmp(spec, "redis://", 8) == 0) {
		st->name = "redis";
		if (parse_redis(spec, host, sizeof(host), &port, &db, &timeout_ms) < 0) {
			*error_r = "want redis://HOST:PORT[/DB][?timeout=MS]";
			rc = -1;
		} else {
			st->ops = &state_redis_backend;
			rc = state_redis_open(host, port, db, timeout_ms, &st->b, error_r);
			if (rc == 0)
				rc = state_sqlite_open(":memory:", &st->mem, error_r);
		}
	} else {
		*error_r = "want sqlite:PATH, redis://HOST:PORT[/DB][?timeout=MS] or none";
		rc = -1;
	}
	if (rc < 0) {
		state_close(&st);
		return -1;
	}
	if (st->mem != NULL)
		probe(st);
	*st_r = st;
	return 0;
}

void state_close(struct state **stp)
{
	struct state *st = *stp;

	if (st == NULL)
		return;
	if (st->b != NULL)
		st->ops->close(st->b);
	if (st->mem != NULL)
		state_sqlite_backend.close(st->mem);
	pthread_mutex_destroy(&st->lock);
	free(st);
	*stp = NULL;
}

/* shared - whether to try the configured backend now (under the lock) */
static bool shared(struct state *st, time_t now)
{
	return st->mem == NULL || !st->down || now >= st->retry_at;
}

int state_count(struct state *st, const char *key, unsigned window, unsigned add, time_t now,
    uint64_t *sum_r, const char **error_r)
{
	uint64_t w = window > 0 ? window : 1, width = w / BUCKETS > 0 ? w / BUCKETS : 1;
	uint64_t nb = w / width < BUCKETS ? w / width : BUCKETS;
	uint64_t bucket = (uint64_t)now / width, first = bucket + 1 - nb;
	time_t expires = now + (time_t)window + (time_t)width;
	char k[700];
	int rc = -1;

	snprintf(k, sizeof(k), "%u:%s", window, key);
	pthread_mutex_lock(&st->lock);
	if (shared(st, now)) {
		rc = st->ops->count(st->b, k, bucket, first, add, expires, sum_r, error_r);
		if (rc < 0 && st->mem != NULL)
			failed(st, now, *error_r);
		else
			st->down = false;
	}
	if (rc < 0 && st->mem != NULL)
		rc = state_sqlite_backend.count(st->mem, k, bucket, first, add, expires, sum_r,
		    error_r);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int state_put(struct state *st, const char *key, const char *value, unsigned ttl, time_t now,
    const char **error_r)
{
	char v[STATE_VALUE_MAX + 1];
	int rc = -1;

	snprintf(v, sizeof(v), "%s", value);
	pthread_mutex_lock(&st->lock);
	if (shared(st, now)) {
		rc = st->ops->put(st->b, key, v, now + (time_t)ttl, error_r);
		if (rc < 0 && st->mem != NULL)
			failed(st, now, *error_r);
		else
			st->down = false;
	}
	if (rc < 0 && st->mem != NULL)
		rc = state_sqlite_backend.put(st->mem, key, v, now + (time_t)ttl, error_r);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int state_get(struct state *st, const char *key, time_t now, char *out, size_t outsz,
    const char **error_r)
{
	int rc = -1;

	pthread_mutex_lock(&st->lock);
	if (shared(st, now)) {
		rc = st->ops->get(st->b, key, now, out, outsz, error_r);
		if (rc < 0 && st->mem != NULL)
			failed(st, now, *error_r);
		else
			st->down = false;
	}
	if (rc < 0 && st->mem != NULL)
		rc = state_sqlite_backend.get(st->mem, key, now, out, outsz, error_r);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int state_scan(struct state *st, const char *prefix, time_t now,
    int (*cb)(const char *key, const char *value, void *arg), void *arg,
    const char **error_r)
{
	int rc;

	/* No memory fallback: a scan that failed half-way would count twice,
	 * and a report wants the shared values or an error, not this
	 * process's few. */
	pthread_mutex_lock(&st->lock);
	rc = st->ops->scan(st->b, prefix, now, STATE_SCAN_MAX, cb, arg, error_r);
	if (rc < 0 && st->mem != NULL)
		failed(st, now, *error_r);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

bool state_health(struct state *st, const char **detail_r)
{
	bool ok;

	pthread_mutex_lock(&st->lock);
	ok = !st->down;
	if (detail_r != NULL)
		*detail_r = ok ? "ok" : st->why;
	pthread_mutex_unlock(&st->lock);
	return ok;
}

const char *state_backend_name(const struct state *st)
{
	return st->name;
}

/*
 * state_sqlite - the SQLite backend of lib/state.c: one connection in WAL
 * mode (a file) or in memory, used under the front's lock.
 *
 * counters(key, bucket, n) and kv(key, value, expires).  Expired rows are
 * swept every SWEEP_EVERY writes, so the file stays the size of one
 * window of traffic.
 */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state_impl.h"

#define SWEEP_EVERY 1000
#define BUSY_MS 5000

struct sq {
	sqlite3 *db;
	sqlite3_stmt *inc, *sum, *put, *get;
	unsigned writes;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS counters (key TEXT NOT NULL, bucket INTEGER NOT NULL,"
	" n INTEGER NOT NULL, expires INTEGER NOT NULL, PRIMARY KEY (key, bucket))"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL,"
	" expires INTEGER NOT NULL) WITHOUT ROWID;";

static void sq_close(void *b)
{
	struct sq *s = b;

	if (s == NULL)
		return;
	sqlite3_finalize(s->inc);
	sqlite3_finalize(s->sum);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->get);
	sqlite3_close(s->db);
	free(s);
}

int state_sqlite_open(const char *path, void **b_r, const char **error_r)
{
	struct sq *s = calloc(1, sizeof(*s));
	bool mem = strcmp(path, ":memory:") == 0;

	*b_r = NULL;
	if (s == NULL)
		return *error_r = "out of memory", -1;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		sq_close(s);
		return *error_r = "cannot open the state database", -1;
	}
	sqlite3_busy_timeout(s->db, BUSY_MS);
	if ((!mem && (sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)) ||
	    sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO counters VALUES (?1, ?2, ?3, ?4) ON CONFLICT"
	    " DO UPDATE SET n = n + ?3, expires = ?4", -1, &s->inc, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT COALESCE(SUM(n), 0) FROM counters WHERE key = ?1"
	    " AND bucket BETWEEN ?2 AND ?3", -1, &s->sum, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO kv VALUES (?1, ?2, ?3)", -1, &s->put,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT value FROM kv WHERE key = ?1 AND expires > ?2", -1,
	    &s->get, NULL) != SQLITE_OK) {
		sq_close(s);
		return *error_r = "cannot set up the state database", -1;
	}
	*b_r = s;
	return 0;
}

/* sweep - drop what has expired, now and then (bound values: no SQL is
 * ever built by formatting) */
static void sweep(struct sq *s, time_t now)
{
	static const char *const sql[] = {
		"DELETE FROM counters WHERE expires < ?1",
		"DELETE FROM kv WHERE expires < ?1",
	};
	sqlite3_stmt *st;
	size_t i;

	if (++s->writes % SWEEP_EVERY != 0)
		return;
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &st, NULL) != SQLITE_OK)
			continue;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
		(void)sqlite3_step(st);
		sqlite3_finalize(st);
	}
}

static int sq_count(void *b, const char *key, uint64_t bucket, uint64_t first, unsigned add,
    time_t expires, uint64_t *sum_r, const char **error_r)
{
	struct sq *s = b;
	int rc;

	if (add > 0) {
		sqlite3_bind_text(s->inc, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s->inc, 2, (sqlite3_int64)bucket);
		sqlite3_bind_int64(s->inc, 3, add);
		sqlite3_bind_int64(s->inc, 4, (sqlite3_int64)expires);
		rc = sqlite3_step(s->inc);
		sqlite3_reset(s->inc);
		if (rc != SQLITE_DONE)
			return *error_r = "state database write failed", -1;
		sweep(s, expires - 1);
	}
	sqlite3_bind_text(s->sum, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->sum, 2, (sqlite3_int64)first);
	sqlite3_bind_int64(s->sum, 3, (sqlite3_int64)bucket);
	rc = sqlite3_step(s->sum);
	*sum_r = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(s->sum, 0) : 0;
	sqlite3_reset(s->sum);
	return rc == SQLITE_ROW ? 0 : (*error_r = "state database read failed", -1);
}

static int sq_put(void *b, const char *key, const char *value, time_t expires,
    const char **error_r)
{
	struct sq *s = b;
	int rc;

	sqlite3_bind_text(s->put, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->put, 2, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->put, 3, (sqlite3_int64)expires);
	rc = sqlite3_step(s->put);
	sqlite3_reset(s->put);
	return rc == SQLITE_DONE ? 0 : (*error_r = "state database write failed", -1);
}

static int sq_get(void *b, const char *key, time_t now, char *out, size_t outsz,
    const char **error_r)
{
	struct sq *s = b;
	const unsigned char *v;
	int rc, found = 0;

	sqlite3_bind_text(s->get, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->get, 2, (sqlite3_int64)now);
	rc = sqlite3_step(s->get);
	if (rc == SQLITE_ROW && (v = sqlite3_column_text(s->get, 0)) != NULL) {
		snprintf(out, outsz, "%s", (const char *)v);
		found = 1;
	}
	sqlite3_reset(s->get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return *error_r = "state database read failed", -1;
	return found;
}

/* sq_upper - the least key above every key starting with prefix: the
 * prefix with its last byte below 0xff raised by one (bytes after it
 * dropped); 0 when there is none (the scan then has no upper bound) */
static int sq_upper(const char *prefix, char *out, size_t outsz)
{
	size_t n = strlen(prefix);

	if (n >= outsz)
		return 0;
	memcpy(out, prefix, n);
	while (n > 0 && (unsigned char)out[n - 1] == 0xff)
		n--;
	if (n == 0)
		return 0;
	out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
	out[n] = '\0';
	return 1;
}

/* sq_scan - a key range (keys compare as bytes), never LIKE: the prefix is
 * data, and LIKE would read its % and _ */
static int sq_scan(void *b, const char *prefix, time_t now, size_t max,
    int (*cb)(const char *key, const char *value, void *arg), void *arg,
    const char **error_r)
{
	static const char sql[] = "SELECT key, value FROM kv WHERE key >= ?1"
		" AND (?2 IS NULL OR key < ?2) AND expires > ?3 ORDER BY key LIMIT ?4";
	struct sq *s = b;
	sqlite3_stmt *st;
	const unsigned char *k, *v;
	char upper[512];
	size_t plen = strlen(prefix);
	int rc = SQLITE_DONE, stop = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return *error_r = "state database read failed", -1;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	if (sq_upper(prefix, upper, sizeof(upper)))
		sqlite3_bind_text(st, 2, upper, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 4, max > INT32_MAX ? INT32_MAX : (sqlite3_int64)max);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		k = sqlite3_column_text(st, 0);
		v = sqlite3_column_text(st, 1);
		if (k == NULL || strncmp((const char *)k, prefix, plen) != 0)
			break;	/* past the range (a prefix too long for upper) */
		if (v != NULL)
			stop = cb((const char *)k, (const char *)v, arg);
	}
	sqlite3_finalize(st);
	if (!stop && rc != SQLITE_DONE && rc != SQLITE_ROW)
		return *error_r = "state database read failed", -1;
	return 0;
}

const struct state_backend state_sqlite_backend = {
	sq_count, sq_put, sq_get, sq_scan, sq_close
};

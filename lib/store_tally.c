/*
 * store_tally - verdict counts per hour in the held log (store.h).
 *
 * Accepted messages get no row in messages, so `preflight report` could
 * not say how much mail passed: the milter counts every message in
 * memory and adds the counts to tally(hour, verdict) every few seconds
 * (milter/actions.c).  That is one UPSERT on a statement prepared once per
 * connection; with WAL and synchronous=NORMAL (store.c) a commit does not
 * fsync.
 * The table has at most 5 rows per hour, about 44000 a year.
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "store.h"
#include "store_impl.h"

#define STORE_HOUR 3600

static const char *const tally_verdicts[] = {
	"accept", "tag", "hold", "reject", "tempfail", NULL
};

/* tally_verdict_valid - verdict is one of the five names */
static int tally_verdict_valid(const char *verdict)
{
	size_t i;

	for (i = 0; verdict != NULL && tally_verdicts[i] != NULL; i++)
		if (strcmp(verdict, tally_verdicts[i]) == 0)
			return 1;
	return 0;
}

/* tally_hour - the start of the hour holding t (also for t < 0) */
static int64_t tally_hour(time_t t)
{
	int64_t s = (int64_t)t, r = s % STORE_HOUR;

	return r < 0 ? s - r - STORE_HOUR : s - r;
}

int store_tally_add(struct store *st, time_t when, const char *verdict, uint64_t n,
    const char **error_r)
{
	static const char sql[] = "INSERT INTO tally (hour, verdict, n) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (hour, verdict) DO UPDATE SET n = n + excluded.n";
	int rc = -1;

	pthread_mutex_lock(&st->lock);
	if (!tally_verdict_valid(verdict)) {
		store_fail(st, error_r, "held log: unknown verdict \"%s\"",
		    verdict != NULL ? verdict : "(null)");
		goto out;
	}
	if (st->version < 2) {
		store_fail(st, error_r, "held log %s: read-only or old schema: no tally",
		    st->path);
		goto out;
	}
	if (st->tally_add == NULL &&
	    sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->tally_add,
	    NULL) != SQLITE_OK) {
		store_db_fail(st, error_r, "cannot count a verdict");
		goto out;
	}
	if (sqlite3_bind_int64(st->tally_add, 1, tally_hour(when)) != SQLITE_OK ||
	    sqlite3_bind_text(st->tally_add, 2, verdict, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st->tally_add, 3, n > INT64_MAX ? INT64_MAX : (int64_t)n) != SQLITE_OK ||
	    sqlite3_step(st->tally_add) != SQLITE_DONE)
		store_db_fail(st, error_r, "cannot count a verdict");
	else
		rc = 0;
	sqlite3_reset(st->tally_add);
	sqlite3_clear_bindings(st->tally_add);
out:
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int store_tally_list(struct store *st, time_t since, time_t until,
    int (*cb)(time_t hour, const char *verdict, uint64_t n, void *arg), void *arg,
    const char **error_r)
{
	static const char sql[] = "SELECT hour, verdict, n FROM tally"
		" WHERE hour >= ?1 AND hour < ?2 ORDER BY hour, verdict";
	sqlite3_stmt *stmt = NULL;
	const unsigned char *v;
	int rc = -1, step = SQLITE_DONE, stop = 0;
	int64_t n;

	pthread_mutex_lock(&st->lock);
	if (st->version < 2) {
		rc = 0;		/* a log the milter has not upgraded yet */
		goto out;
	}
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, (int64_t)since) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, until > 0 ? (int64_t)until : INT64_MAX) != SQLITE_OK) {
		store_db_fail(st, error_r, "cannot read the tally");
		goto out;
	}
	while (!stop && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = sqlite3_column_text(stmt, 1);
		n = sqlite3_column_int64(stmt, 2);
		if (v != NULL && n > 0)
			stop = cb((time_t)sqlite3_column_int64(stmt, 0), (const char *)v,
			    (uint64_t)n, arg);
	}
	if (!stop && step != SQLITE_DONE) {
		store_db_fail(st, error_r, "cannot read the tally");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

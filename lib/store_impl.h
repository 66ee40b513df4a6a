/*
 * store_impl.h - what the files of the store module share (private):
 * the connection and its error helpers.  store.c has the messages table,
 * store_tally.c the per-hour verdict counts.
 */
#ifndef PF_STORE_IMPL_H
#define PF_STORE_IMPL_H

#include <pthread.h>

#include <sqlite3.h>

struct store {
	sqlite3 *db;
	char *path;
	pthread_mutex_t lock;
	int version;			/* PRAGMA user_version of the file */
	sqlite3_stmt *tally_add;	/* prepared on first use, under lock */
	char error[512];
};

/* store_fail - format the store's error message and point *error_r at it */
int store_fail(struct store *st, const char **error_r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* store_db_fail - as store_fail, with SQLite's own message appended */
int store_db_fail(struct store *st, const char **error_r, const char *what);

#endif

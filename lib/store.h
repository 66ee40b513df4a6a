/*
 * store - the held-message log: one SQLite database (WAL) with a row per
 * held, rejected or tagged message, and the status an admin gives it.
 *
 * A struct store is one connection; SQLite's serialized mode makes it safe
 * to share between threads, and WAL lets the CLI read while the milter
 * writes.  Every function returns 0, or -1 with *error_r set to a message
 * owned by the store and valid until its next call.  store_open creates
 * the file and schema when missing (mode 0640), never its folder.
 */
#ifndef PF_STORE_H
#define PF_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "finding.h"
#include "msg.h"
#include "policy.h"

struct store;

struct store_record {
	int64_t id;
	time_t time;
	char *queue_id;
	char *client;		/* "name [addr]" */
	char *auth_user;
	char *mail_from;
	char *rcpts;		/* comma-separated */
	char *from;		/* From: header, unfolded */
	char *subject;
	char *message_id;
	uint64_t size;
	double score;
	char *verdict;		/* accept/tag/hold/reject/tempfail */
	char *findings;		/* JSON array, as in check --json */
	char *status;		/* held, released, deleted, rejected, tagged */
	char *status_by;	/* who changed the status, NULL if nobody */
	time_t status_time;	/* 0 if never changed */
};

enum store_mode { STORE_READ_WRITE, STORE_READ_ONLY };

/* store_open - open (and create) the log at path.  On failure returns -1;
 * when *st_r is still NULL *error_r is static, otherwise *error_r (which
 * names the path) belongs to *st_r: log it, then store_close(st_r). */
int store_open(const char *path, enum store_mode mode, struct store **st_r,
    const char **error_r);
/* store_close - close and set *stp to NULL; NULL-safe */
void store_close(struct store **stp);

/* store_record_fill - build a record from a scanned message; strings are
 * copied (free with store_record_clear).  status is derived from verdict. */
int store_record_fill(struct store_record *rec, const struct msg *m,
    const struct finding_list *findings, const struct policy_result *r,
    time_t now, const char **error_r);
/* store_record_clear - free the strings of a record and zero it */
void store_record_clear(struct store_record *rec);

/* store_add - insert rec; *id_r gets the new row id (may be NULL) */
int store_add(struct store *st, const struct store_record *rec, int64_t *id_r,
    const char **error_r);
/* store_get - fetch one row into *rec (caller clears); -1 if absent */
int store_get(struct store *st, int64_t id, struct store_record *rec,
    const char **error_r);
/* store_list - call cb for each row, newest first, filtered by status
 * (NULL = any) and time (0 = any); cb returns non-zero to stop */
int store_list(struct store *st, const char *status, time_t since,
    int (*cb)(const struct store_record *rec, void *arg), void *arg,
    const char **error_r);
/* store_set_status - set the status of row id, recording who and when */
int store_set_status(struct store *st, int64_t id, const char *status,
    const char *who, time_t when, const char **error_r);

/* store_tally_add - add n messages with verdict ("accept" ... "tempfail")
 * to the hour holding when; one UPSERT */
int store_tally_add(struct store *st, time_t when, const char *verdict, uint64_t n,
    const char **error_r);
/* store_tally_list - call cb for each hourly count with since <= hour <
 * until (hour: epoch seconds of the hour's start; until 0 = no end), oldest
 * first; a log of schema version 1 has none.  cb returns non-zero to stop */
int store_tally_list(struct store *st, time_t since, time_t until,
    int (*cb)(time_t hour, const char *verdict, uint64_t n, void *arg), void *arg,
    const char **error_r);

#endif

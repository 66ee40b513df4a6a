/*
 * store - the held-message log in SQLite (see store.h for the contract).
 *
 * PRAGMA user_version: 1 messages, 2 also tally (store_tally.c), which a
 * writer adds in place to a version 1 file; readers take either.  An index
 * on (status, time) serves `preflight held list`.  WAL with synchronous=
 * NORMAL lets the CLI read while the milter writes; a busy timeout of 5 s
 * absorbs the short write locks.  SQL text is constant; every value is a bound parameter.
 *
 * The milter shares one struct store between its connection threads, so
 * each call holds st->lock (recursive, so a store_list callback may call
 * back in) for its whole duration, including the write of st->error.
 * A message returned through *error_r stays valid until the store's next
 * call, from any thread; callers log it at once.
 *
 * store_open on failure: when it got as far as allocating the store, *st_r
 * is set and *error_r points into it (with the path named); the caller
 * reads the message, then store_close()s it.  Otherwise *st_r is NULL and
 * *error_r is static.  The parent directory is never created: a missing
 * one is an installation error, reported with its path.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "store.h"
#include "store_impl.h"

#define STORE_SCHEMA_VERSION 2
#define STORE_BUSY_MS 5000
/* Header values kept per row; a longer one is cut (the message has it). */
#define STORE_FIELD_MAX 1000

static const char store_schema[] =
	"CREATE TABLE messages ("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" time INTEGER NOT NULL,"
	" queue_id TEXT, client TEXT, auth_user TEXT, mail_from TEXT,"
	" rcpts TEXT, from_hdr TEXT, subject TEXT, message_id TEXT,"
	" size INTEGER NOT NULL DEFAULT 0,"
	" score REAL NOT NULL DEFAULT 0,"
	" verdict TEXT NOT NULL,"
	" findings TEXT NOT NULL DEFAULT '[]',"
	" status TEXT NOT NULL,"
	" status_by TEXT,"
	" status_time INTEGER);"
	"CREATE INDEX messages_status_time ON messages(status, time);";
/* Version 2: verdict counts per hour (hour = epoch seconds of its start) */
static const char store_schema_2[] =
	"CREATE TABLE IF NOT EXISTS tally ("
	" hour INTEGER NOT NULL, verdict TEXT NOT NULL, n INTEGER NOT NULL,"
	" PRIMARY KEY (hour, verdict)) WITHOUT ROWID;"
	"PRAGMA user_version = 2;";

#define STORE_COLUMNS "id, time, queue_id, client, auth_user, mail_from, " \
	"rcpts, from_hdr, subject, message_id, size, score, verdict, " \
	"findings, status, status_by, status_time"

static const char *const store_statuses[] = {
	"held", "released", "deleted", "rejected", "tagged", "tempfailed",
	"accepted", NULL
};

int store_fail(struct store *st, const char **error_r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->error, sizeof(st->error), fmt, ap);
	va_end(ap);
	*error_r = st->error;
	return -1;
}

int store_db_fail(struct store *st, const char **error_r, const char *what)
{
	return store_fail(st, error_r, "held log %s: %s: %s", st->path, what,
	    sqlite3_errmsg(st->db));
}

/* store_precreate - create a missing database file with mode 0640, since
 * SQLite would create it 0644; say clearly when the folder is missing */
static int store_precreate(struct store *st, const char **error_r)
{
	struct stat sb;
	char *dir;
	int fd, err;

	if (stat(st->path, &sb) == 0)
		return 0;
	if (errno != ENOENT)
		return store_fail(st, error_r, "held log %s: %s", st->path, strerror(errno));
	fd = open(st->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = errno;
	if (err == EEXIST)	/* another process won the race: fine */
		return 0;
	dir = strdup(st->path);
	if (dir == NULL)
		return store_fail(st, error_r, "out of memory");
	if (err == ENOENT || err == ENOTDIR)
		store_fail(st, error_r, "held log %s: cannot create it: directory %s does not exist"
		    " (create it, owned by the milter's user)", st->path, dirname(dir));
	else
		store_fail(st, error_r, "held log %s: cannot create it: %s", st->path, strerror(err));
	free(dir);
	return -1;
}

/* store_schema_init - create the schema in a new file, or check the
 * version of an existing one */
static int store_schema_init(struct store *st, enum store_mode mode, const char **error_r)
{
	sqlite3_stmt *stmt;
	int version, rc;

	if (mode == STORE_READ_WRITE &&
	    sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, error_r, "cannot lock");
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
		goto db_fail;
	rc = sqlite3_step(stmt);
	version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		goto db_fail;
	if (version == 0 && mode == STORE_READ_WRITE) {
		if (sqlite3_exec(st->db, store_schema, NULL, NULL, NULL) != SQLITE_OK)
			goto db_fail;
		version = 1;
	}
	if (version == 1 && mode == STORE_READ_WRITE) {
		if (sqlite3_exec(st->db, store_schema_2, NULL, NULL, NULL) != SQLITE_OK)
			goto db_fail;
		version = STORE_SCHEMA_VERSION;
	}
	if (mode == STORE_READ_WRITE &&
	    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto db_fail;
	if (version == 0)
		return store_fail(st, error_r, "held log %s: empty: no message was logged yet",
		    st->path);
	if (version < 1 || version > STORE_SCHEMA_VERSION)
		return store_fail(st, error_r, "held log %s: schema version %d, expected 1 to %d",
		    st->path, version, STORE_SCHEMA_VERSION);
	st->version = version;
	return 0;
db_fail:
	store_db_fail(st, error_r, "cannot read or create the schema");
	if (mode == STORE_READ_WRITE)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* store_connect - open the database and set the connection's pragmas */
static int store_connect(struct store *st, enum store_mode mode, const char **error_r)
{
	int flags = SQLITE_OPEN_FULLMUTEX;

	flags |= mode == STORE_READ_ONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (mode == STORE_READ_WRITE && store_precreate(st, error_r) < 0)
		return -1;
	if (mode == STORE_READ_ONLY && access(st->path, F_OK) < 0)
		return store_fail(st, error_r, "held log %s: %s", st->path, strerror(errno));
	if (sqlite3_open_v2(st->path, &st->db, flags, NULL) != SQLITE_OK)
		return store_db_fail(st, error_r, "cannot open");
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	/* WAL is a property of the file: only a writer sets it. */
	if (mode == STORE_READ_WRITE &&
	    sqlite3_exec(st->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, error_r, "cannot switch to WAL");
	if (sqlite3_exec(st->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(st, error_r, "cannot set synchronous");
	return store_schema_init(st, mode, error_r);
}

int store_open(const char *path, enum store_mode mode, struct store **st_r,
    const char **error_r)
{
	struct store *st;
	pthread_mutexattr_t attr;

	*st_r = NULL;
	if (path == NULL || *path == '\0') {
		*error_r = "held log: no path given";
		return -1;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL || (st->path = strdup(path)) == NULL) {
		free(st);
		*error_r = "held log: out of memory";
		return -1;
	}
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&st->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	*st_r = st;
	if (store_connect(st, mode, error_r) < 0) {
		sqlite3_close(st->db);
		st->db = NULL;
		return -1;
	}
	return 0;
}

void store_close(struct store **stp)
{
	struct store *st = *stp;

	if (st == NULL)
		return;
	sqlite3_finalize(st->tally_add);
	sqlite3_close(st->db);
	pthread_mutex_destroy(&st->lock);
	free(st->path);
	free(st);
	*stp = NULL;
}

/* store_sanitize - copy a header value for the log: control characters
 * become spaces, and the copy is cut at STORE_FIELD_MAX bytes on a UTF-8
 * character boundary */
static char *store_sanitize(const char *s)
{
	size_t n = strlen(s), i;
	char *d;

	if (n > STORE_FIELD_MAX) {
		n = STORE_FIELD_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		d[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	d[n] = '\0';
	return d;
}

/* store_dup - strdup that keeps NULL; *oom set when a copy failed */
static char *store_dup(const char *s, bool *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*oom = true;
	return d;
}

/* store_header - the first header named name, sanitised, or NULL */
static char *store_header(const struct msg *m, const char *name, bool *oom)
{
	const struct msg_header *h = msg_header_get(m, name, 0);
	char *d;

	if (h == NULL)
		return NULL;
	d = store_sanitize(h->unfolded != NULL ? h->unfolded : h->value);
	if (d == NULL)
		*oom = true;
	return d;
}

/* store_status_for - the status a verdict gives a new row */
static const char *store_status_for(enum verdict v)
{
	switch (v) {
	case VERDICT_HOLD: return "held";
	case VERDICT_REJECT: return "rejected";
	case VERDICT_TAG: return "tagged";
	case VERDICT_TEMPFAIL: return "tempfailed";
	default: return "accepted";
	}
}

/* store_fill_envelope - queue id, client, auth user, sender, recipients */
static int store_fill_envelope(struct store_record *rec, const struct msg *m, bool *oom)
{
	const char *name = msg_env(m, MSG_ENV_CLIENT_NAME);
	const char *addr = msg_env(m, MSG_ENV_CLIENT_ADDR);
	struct buf b = BUF_INIT;
	size_t i;
	int rc = 0;

	rec->queue_id = store_dup(msg_env(m, MSG_ENV_QUEUE_ID), oom);
	rec->auth_user = store_dup(msg_env(m, MSG_ENV_AUTH_USER), oom);
	rec->mail_from = store_dup(msg_env(m, MSG_ENV_MAIL_FROM), oom);
	if (name != NULL && addr != NULL)
		rc = buf_printf(&b, "%s [%s]", name, addr);
	else if (addr != NULL)
		rc = buf_printf(&b, "[%s]", addr);
	else if (name != NULL)
		rc = buf_puts(&b, name);
	if (rc == 0 && (name != NULL || addr != NULL) &&
	    (rec->client = buf_steal(&b)) == NULL)
		rc = -1;
	for (i = 0; rc == 0 && i < m->nrcpts; i++)
		rc = buf_printf(&b, "%s%s", i > 0 ? "," : "", m->rcpts[i]);
	if (rc == 0 && m->nrcpts > 0 && (rec->rcpts = buf_steal(&b)) == NULL)
		rc = -1;
	buf_free(&b);
	if (rc < 0)
		*oom = true;
	return rc;
}

int store_record_fill(struct store_record *rec, const struct msg *m,
    const struct finding_list *findings, const struct policy_result *r,
    time_t now, const char **error_r)
{
	struct buf json = BUF_INIT;
	bool oom = false;

	memset(rec, 0, sizeof(*rec));
	rec->time = now;
	store_fill_envelope(rec, m, &oom);
	rec->from = store_header(m, "From", &oom);
	rec->subject = store_header(m, "Subject", &oom);
	rec->message_id = store_header(m, "Message-ID", &oom);
	rec->size = msg_wire_size(m);
	rec->score = r->score;
	/* In Mode observe the row keeps what enforce would have done, while
	 * its status says what happened (accepted). */
	rec->verdict = store_dup(verdict_name(r->observe ? r->would_be : r->verdict), &oom);
	rec->status = store_dup(store_status_for(r->verdict), &oom);
	if (finding_list_json(findings, &json) < 0 || (rec->findings = buf_steal(&json)) == NULL)
		oom = true;
	buf_free(&json);
	if (oom) {
		store_record_clear(rec);
		*error_r = "out of memory";
		return -1;
	}
	return 0;
}

void store_record_clear(struct store_record *rec)
{
	free(rec->queue_id);
	free(rec->client);
	free(rec->auth_user);
	free(rec->mail_from);
	free(rec->rcpts);
	free(rec->from);
	free(rec->subject);
	free(rec->message_id);
	free(rec->verdict);
	free(rec->findings);
	free(rec->status);
	free(rec->status_by);
	memset(rec, 0, sizeof(*rec));
}

/* store_bind_text - bind s, or NULL */
static int store_bind_text(sqlite3_stmt *stmt, int i, const char *s)
{
	if (s == NULL)
		return sqlite3_bind_null(stmt, i);
	return sqlite3_bind_text(stmt, i, s, -1, SQLITE_STATIC);
}

/* store_bind_record - bind rec to the insert's parameters 1..16 */
static int store_bind_record(sqlite3_stmt *stmt, const struct store_record *rec)
{
	int rc = SQLITE_OK;
	int64_t size = rec->size > INT64_MAX ? INT64_MAX : (int64_t)rec->size;

	rc |= sqlite3_bind_int64(stmt, 1, (int64_t)rec->time);
	rc |= store_bind_text(stmt, 2, rec->queue_id);
	rc |= store_bind_text(stmt, 3, rec->client);
	rc |= store_bind_text(stmt, 4, rec->auth_user);
	rc |= store_bind_text(stmt, 5, rec->mail_from);
	rc |= store_bind_text(stmt, 6, rec->rcpts);
	rc |= store_bind_text(stmt, 7, rec->from);
	rc |= store_bind_text(stmt, 8, rec->subject);
	rc |= store_bind_text(stmt, 9, rec->message_id);
	rc |= sqlite3_bind_int64(stmt, 10, size);
	rc |= sqlite3_bind_double(stmt, 11, rec->score);
	rc |= store_bind_text(stmt, 12, rec->verdict);
	rc |= store_bind_text(stmt, 13, rec->findings != NULL ? rec->findings : "[]");
	rc |= store_bind_text(stmt, 14, rec->status);
	rc |= store_bind_text(stmt, 15, rec->status_by);
	if (rec->status_time != 0)
		rc |= sqlite3_bind_int64(stmt, 16, (int64_t)rec->status_time);
	else
		rc |= sqlite3_bind_null(stmt, 16);
	return rc == SQLITE_OK ? 0 : -1;
}

int store_add(struct store *st, const struct store_record *rec, int64_t *id_r,
    const char **error_r)
{
	static const char sql[] =
		"INSERT INTO messages (time, queue_id, client, auth_user, mail_from,"
		" rcpts, from_hdr, subject, message_id, size, score, verdict,"
		" findings, status, status_by, status_time)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?15, ?16)";
	sqlite3_stmt *stmt = NULL;
	int rc = -1;

	pthread_mutex_lock(&st->lock);
	if (rec->verdict == NULL || rec->status == NULL) {
		store_fail(st, error_r, "held log %s: record without verdict or status", st->path);
		goto out;
	}
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    store_bind_record(stmt, rec) < 0 || sqlite3_step(stmt) != SQLITE_DONE) {
		store_db_fail(st, error_r, "cannot add a row");
		goto out;
	}
	if (id_r != NULL)
		*id_r = sqlite3_last_insert_rowid(st->db);
	rc = 0;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* store_col_text - a copy of column i, NULL for SQL NULL */
static char *store_col_text(sqlite3_stmt *stmt, int i, bool *oom)
{
	const unsigned char *s = sqlite3_column_text(stmt, i);

	if (s == NULL) {
		if (sqlite3_column_type(stmt, i) != SQLITE_NULL)
			*oom = true;
		return NULL;
	}
	return store_dup((const char *)s, oom);
}

/* store_read_row - the current row of a SELECT STORE_COLUMNS into rec */
static int store_read_row(sqlite3_stmt *stmt, struct store_record *rec)
{
	bool oom = false;
	int64_t size;

	memset(rec, 0, sizeof(*rec));
	rec->id = sqlite3_column_int64(stmt, 0);
	rec->time = (time_t)sqlite3_column_int64(stmt, 1);
	rec->queue_id = store_col_text(stmt, 2, &oom);
	rec->client = store_col_text(stmt, 3, &oom);
	rec->auth_user = store_col_text(stmt, 4, &oom);
	rec->mail_from = store_col_text(stmt, 5, &oom);
	rec->rcpts = store_col_text(stmt, 6, &oom);
	rec->from = store_col_text(stmt, 7, &oom);
	rec->subject = store_col_text(stmt, 8, &oom);
	rec->message_id = store_col_text(stmt, 9, &oom);
	size = sqlite3_column_int64(stmt, 10);
	rec->size = size < 0 ? 0 : (uint64_t)size;
	rec->score = sqlite3_column_double(stmt, 11);
	rec->verdict = store_col_text(stmt, 12, &oom);
	rec->findings = store_col_text(stmt, 13, &oom);
	rec->status = store_col_text(stmt, 14, &oom);
	rec->status_by = store_col_text(stmt, 15, &oom);
	rec->status_time = (time_t)sqlite3_column_int64(stmt, 16);
	if (oom) {
		store_record_clear(rec);
		return -1;
	}
	return 0;
}

int store_get(struct store *st, int64_t id, struct store_record *rec,
    const char **error_r)
{
	static const char sql[] = "SELECT " STORE_COLUMNS " FROM messages WHERE id = ?1";
	sqlite3_stmt *stmt = NULL;
	int rc = -1, step;

	memset(rec, 0, sizeof(*rec));
	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, id) != SQLITE_OK) {
		store_db_fail(st, error_r, "cannot read");
		goto out;
	}
	step = sqlite3_step(stmt);
	if (step == SQLITE_DONE)
		store_fail(st, error_r, "held log %s: no message with id %" PRId64, st->path, id);
	else if (step != SQLITE_ROW)
		store_db_fail(st, error_r, "cannot read");
	else if (store_read_row(stmt, rec) < 0)
		store_fail(st, error_r, "out of memory");
	else
		rc = 0;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

int store_list(struct store *st, const char *status, time_t since,
    int (*cb)(const struct store_record *rec, void *arg), void *arg,
    const char **error_r)
{
	/* Two constant statements so that the (status, time) index serves
	 * the filtered form. */
	static const char sql_any[] = "SELECT " STORE_COLUMNS " FROM messages"
		" WHERE time >= ?2 ORDER BY time DESC, id DESC";
	static const char sql_status[] = "SELECT " STORE_COLUMNS " FROM messages"
		" WHERE status = ?1 AND time >= ?2 ORDER BY time DESC, id DESC";
	struct store_record rec;
	sqlite3_stmt *stmt = NULL;
	int rc = -1, step, stop = 0;

	pthread_mutex_lock(&st->lock);
	if (sqlite3_prepare_v2(st->db, status != NULL ? sql_status : sql_any, -1, &stmt,
	    NULL) != SQLITE_OK ||
	    (status != NULL && sqlite3_bind_text(stmt, 1, status, -1, SQLITE_STATIC) != SQLITE_OK) ||
	    sqlite3_bind_int64(stmt, 2, since > 0 ? (int64_t)since : INT64_MIN) != SQLITE_OK) {
		store_db_fail(st, error_r, "cannot list");
		goto out;
	}
	while (!stop && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (store_read_row(stmt, &rec) < 0) {
			store_fail(st, error_r, "out of memory");
			goto out;
		}
		stop = cb(&rec, arg);
		store_record_clear(&rec);
	}
	if (!stop && step != SQLITE_DONE) {
		store_db_fail(st, error_r, "cannot list");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

/* store_status_valid - true for a status name rows may carry */
static bool store_status_valid(const char *status)
{
	size_t i;

	for (i = 0; status != NULL && store_statuses[i] != NULL; i++)
		if (strcmp(status, store_statuses[i]) == 0)
			return true;
	return false;
}

int store_set_status(struct store *st, int64_t id, const char *status,
    const char *who, time_t when, const char **error_r)
{
	static const char sql[] = "UPDATE messages SET status = ?1, status_by = ?2,"
		" status_time = ?3 WHERE id = ?4";
	sqlite3_stmt *stmt = NULL;
	int rc = -1;

	pthread_mutex_lock(&st->lock);
	if (!store_status_valid(status)) {
		store_fail(st, error_r, "held log: unknown status \"%s\"",
		    status != NULL ? status : "(null)");
		goto out;
	}
	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 1, status, -1, SQLITE_STATIC) != SQLITE_OK ||
	    store_bind_text(stmt, 2, who) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 3, (int64_t)when) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 4, id) != SQLITE_OK ||
	    sqlite3_step(stmt) != SQLITE_DONE) {
		store_db_fail(st, error_r, "cannot set the status");
		goto out;
	}
	if (sqlite3_changes(st->db) == 0) {
		store_fail(st, error_r, "held log %s: no message with id %" PRId64, st->path, id);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(stmt);
	pthread_mutex_unlock(&st->lock);
	return rc;
}

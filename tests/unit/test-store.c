/*
 * test-store - the held-message log: add, get, list filters, set_status,
 * read-only reopen, a reader during an open write transaction, threads
 * sharing one store, record filling from a message, and open errors.
 * Every database lives in a fresh temporary folder.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test-store.XXXXXX";
static char dbpath[256];

struct seed {
	time_t time;
	const char *queue_id;
	const char *verdict;
	const char *status;
	const char *subject;	/* NULL stays NULL */
};

static const struct seed seeds[] = {
	{ 1000, "4AbCdEf1", "hold", "held", "first" },
	{ 2000, "5BcDeFg2", "tag", "tagged", NULL },
	{ 3000, "6CdEfGh3", "hold", "held", "third" },
};
#define NSEEDS (sizeof(seeds) / sizeof(seeds[0]))

/* collect - store_list callback: append "id," to a buf, stop after max */
struct collect {
	char ids[256];
	int n, max;
};

static int collect_cb(const struct store_record *rec, void *arg)
{
	struct collect *c = arg;
	size_t len = strlen(c->ids);

	snprintf(c->ids + len, sizeof(c->ids) - len, "%s%lld", c->n ? "," : "",
	    (long long)rec->id);
	c->n++;
	return c->max > 0 && c->n >= c->max;
}

static const char *list_ids(struct store *st, const char *status, time_t since, int max)
{
	static struct collect c;
	const char *err = NULL;

	memset(&c, 0, sizeof(c));
	c.max = max;
	if (store_list(st, status, since, collect_cb, &c, &err) < 0)
		return err;
	return c.ids;
}

static void seed_record(struct store_record *rec, const struct seed *s)
{
	memset(rec, 0, sizeof(*rec));
	rec->time = s->time;
	rec->queue_id = (char *)s->queue_id;
	rec->client = (char *)"mx.example [192.0.2.1]";
	rec->mail_from = (char *)"alice@example.org";
	rec->rcpts = (char *)"bob@example.com,carol@example.net";
	rec->subject = (char *)s->subject;
	rec->size = 12345;
	rec->score = 12.5;
	rec->verdict = (char *)s->verdict;
	rec->findings = (char *)"[{\"id\":\"format-from-count\"}]";
	rec->status = (char *)s->status;
}

static void test_add_get(struct store *st)
{
	struct store_record rec;
	const char *err = NULL;
	int64_t id;
	size_t i;

	for (i = 0; i < NSEEDS; i++) {
		seed_record(&rec, &seeds[i]);
		ok(store_add(st, &rec, &id, &err) == 0, "add seed %zu", i);
		is_int(id, i + 1, "seed %zu got id %zu", i, i + 1);
	}
	ok(store_get(st, 2, &rec, &err) == 0, "get 2");
	is_str(rec.queue_id, "5BcDeFg2", "get: queue id");
	is_str(rec.client, "mx.example [192.0.2.1]", "get: client");
	is_str(rec.rcpts, "bob@example.com,carol@example.net", "get: rcpts");
	ok(rec.subject == NULL, "get: NULL subject stays NULL");
	ok(rec.auth_user == NULL, "get: NULL auth user stays NULL");
	is_int(rec.size, 12345, "get: size");
	ok(rec.score == 12.5, "get: score");
	is_int(rec.time, 2000, "get: time");
	is_str(rec.verdict, "tag", "get: verdict");
	is_str(rec.status, "tagged", "get: status");
	is_str(rec.findings, "[{\"id\":\"format-from-count\"}]", "get: findings");
	ok(rec.status_by == NULL && rec.status_time == 0, "get: status never changed");
	store_record_clear(&rec);
	ok(store_get(st, 99, &rec, &err) < 0, "get of a missing id fails");
	ok(err != NULL && strstr(err, "no message with id 99") != NULL, "error names the id: %s", err);
	memset(&rec, 0, sizeof(rec));
	ok(store_add(st, &rec, NULL, &err) < 0, "add without verdict fails");
}

static void test_list(struct store *st)
{
	static const struct {
		const char *status;
		time_t since;
		int max;
		const char *want;
	} cases[] = {
		{ NULL, 0, 0, "3,2,1" },
		{ "held", 0, 0, "3,1" },
		{ "tagged", 0, 0, "2" },
		{ "released", 0, 0, "" },
		{ NULL, 2000, 0, "3,2" },
		{ "held", 2000, 0, "3" },
		{ NULL, 9999, 0, "" },
		{ NULL, 0, 1, "3" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(list_ids(st, cases[i].status, cases[i].since, cases[i].max), cases[i].want,
		    "list status=%s since=%lld max=%d", cases[i].status ? cases[i].status : "any",
		    (long long)cases[i].since, cases[i].max);
}

static void test_set_status(struct store *st)
{
	struct store_record rec;
	const char *err = NULL;

	ok(store_set_status(st, 1, "released", "alice", 5000, &err) == 0, "release row 1");
	ok(store_get(st, 1, &rec, &err) == 0, "get row 1 again");
	is_str(rec.status, "released", "status is released");
	is_str(rec.status_by, "alice", "status_by recorded");
	is_int(rec.status_time, 5000, "status_time recorded");
	store_record_clear(&rec);
	is_str(list_ids(st, "held", 0, 0), "3", "held list drops the released row");
	ok(store_set_status(st, 1, "bogus", "alice", 5000, &err) < 0, "unknown status refused");
	ok(store_set_status(st, 77, "deleted", "alice", 5000, &err) < 0, "missing id refused");
	ok(err != NULL && strstr(err, "77") != NULL, "error names the id: %s", err);
}

/* test_read_only - a second connection sees the rows and cannot write */
static void test_read_only(void)
{
	struct store *ro = NULL;
	struct store_record rec;
	const char *err = NULL;

	ok(store_open(dbpath, STORE_READ_ONLY, &ro, &err) == 0, "reopen read-only");
	is_str(list_ids(ro, NULL, 0, 0), "3,2,1", "read-only list sees every row");
	seed_record(&rec, &seeds[0]);
	ok(store_add(ro, &rec, NULL, &err) < 0, "add on a read-only store fails");
	ok(store_set_status(ro, 3, "released", "x", 1, &err) < 0, "set_status read-only fails");
	store_close(&ro);
	ok(ro == NULL, "store_close sets NULL");
	store_close(&ro);
}

/* test_concurrent_reader - a reader is not blocked by an open write
 * transaction of another connection, and sees only committed rows */
static void test_concurrent_reader(void)
{
	struct store *ro = NULL;
	const char *err = NULL;
	sqlite3 *w = NULL;

	ok(sqlite3_open(dbpath, &w) == SQLITE_OK, "raw writer opens");
	ok(sqlite3_exec(w, "BEGIN IMMEDIATE; INSERT INTO messages (time, verdict, status)"
	    " VALUES (4000, 'hold', 'held')", NULL, NULL, NULL) == SQLITE_OK,
	    "writer holds an open transaction");
	ok(store_open(dbpath, STORE_READ_ONLY, &ro, &err) == 0, "reader opens during the write");
	is_str(list_ids(ro, NULL, 0, 0), "3,2,1", "reader sees committed rows only");
	ok(sqlite3_exec(w, "COMMIT", NULL, NULL, NULL) == SQLITE_OK, "writer commits");
	is_str(list_ids(ro, NULL, 0, 0), "4,3,2,1", "reader sees the new row");
	sqlite3_close(w);
	store_close(&ro);
}

#define NTHREADS 4
#define PER_THREAD 50

static void *adder(void *arg)
{
	struct store *st = arg;
	struct store_record rec;
	const char *err;
	long fails = 0;
	int i;

	seed_record(&rec, &seeds[1]);
	rec.time = 10000;
	for (i = 0; i < PER_THREAD; i++)
		if (store_add(st, &rec, NULL, &err) < 0)
			fails++;
	return (void *)fails;
}

/* test_threads - one store shared by several threads, as in the milter */
static void test_threads(struct store *st)
{
	pthread_t t[NTHREADS];
	struct collect c;
	const char *err = NULL;
	long fails = 0;
	void *r;
	int i;

	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, adder, st);
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(t[i], &r);
		fails += (long)r;
	}
	is_int(fails, 0, "no add failed in %d threads", NTHREADS);
	memset(&c, 0, sizeof(c));
	ok(store_list(st, NULL, 10000, collect_cb, &c, &err) == 0, "list after threads");
	is_int(c.n, NTHREADS * PER_THREAD, "every threaded row is there");
}

static const struct finding_reply test_replies[] = {
	{ "gmail", "550-5.7.1 multiple From: headers" },
	{ NULL, NULL },
};
static const struct finding_def test_def = {
	"format-from-count", CAT_FORMAT, 10, true, "two From headers", "Write one.",
	test_replies,
};

/* fill_msg - a message with a folded From, a second From, control
 * characters in the Subject, and two recipients */
static struct msg *fill_msg(void)
{
	struct msg *m = msg_new(0);
	const char *err = NULL;

	msg_set_env(m, MSG_ENV_CLIENT_NAME, "mx.example", &err);
	msg_set_env(m, MSG_ENV_CLIENT_ADDR, "192.0.2.1", &err);
	msg_set_env(m, MSG_ENV_QUEUE_ID, "4AbCdEf1", &err);
	msg_set_env(m, MSG_ENV_MAIL_FROM, "alice@example.org", &err);
	msg_add_rcpt(m, "<bob@example.com>", &err);
	msg_add_rcpt(m, "carol@example.net", &err);
	msg_add_header(m, "From", " Alice\r\n\t<alice@example.org>", &err);
	msg_add_header(m, "From", " Mallory <m@example.org>", &err);
	msg_add_header(m, "Subject", " hi\x01there\x7f", &err);
	msg_add_header(m, "Message-ID", " <id@example.org>", &err);
	return m;
}

/* test_fill_fields - every field of a record filled from fill_msg */
static void test_fill_fields(const struct msg *m, const struct finding_list *fl)
{
	struct policy_result r = { VERDICT_HOLD, VERDICT_HOLD, 20, false };
	struct store_record rec;
	const char *err = NULL;

	ok(store_record_fill(&rec, m, fl, &r, 1234, &err) == 0, "fill from a message");
	is_str(rec.client, "mx.example [192.0.2.1]", "client is name [addr]");
	is_str(rec.rcpts, "bob@example.com,carol@example.net", "rcpts comma-joined");
	is_str(rec.from, "Alice <alice@example.org>", "first From, unfolded");
	is_str(rec.subject, "hi there ", "control characters become spaces");
	is_str(rec.message_id, "<id@example.org>", "Message-ID");
	is_str(rec.queue_id, "4AbCdEf1", "queue id");
	is_str(rec.mail_from, "alice@example.org", "envelope sender");
	ok(rec.auth_user == NULL, "no auth user");
	is_int(rec.size, msg_wire_size(m), "size is the wire size");
	is_int(rec.time, 1234, "time is now");
	ok(rec.score == 20, "score");
	ok(rec.findings != NULL && strncmp(rec.findings, "[{\"id\":\"format-from-count\"",
	    26) == 0, "findings are the JSON array: %s", rec.findings);
	store_record_clear(&rec);
	ok(rec.from == NULL && rec.status == NULL, "store_record_clear zeroes the record");
}

/* test_fill - the verdict and status each policy result gives a row */
static void test_fill(void)
{
	static const struct {
		enum verdict verdict, would_be;
		bool observe;
		const char *want_verdict, *want_status;
	} cases[] = {
		{ VERDICT_HOLD, VERDICT_HOLD, false, "hold", "held" },
		{ VERDICT_REJECT, VERDICT_REJECT, false, "reject", "rejected" },
		{ VERDICT_TAG, VERDICT_TAG, false, "tag", "tagged" },
		{ VERDICT_TEMPFAIL, VERDICT_TEMPFAIL, false, "tempfail", "tempfailed" },
		{ VERDICT_ACCEPT, VERDICT_ACCEPT, false, "accept", "accepted" },
		{ VERDICT_ACCEPT, VERDICT_HOLD, true, "hold", "accepted" },
	};
	struct finding_list fl = FINDING_LIST_INIT;
	struct store_record rec;
	struct msg *m = fill_msg();
	const char *err = NULL;
	char longsubj[3000];
	size_t i;

	finding_add(&fl, &test_def, "2 From: headers");
	test_fill_fields(m, &fl);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_result r = { cases[i].verdict, cases[i].would_be, 20, cases[i].observe };

		ok(store_record_fill(&rec, m, &fl, &r, 1234, &err) == 0, "fill case %zu", i);
		is_str(rec.verdict, cases[i].want_verdict, "case %zu: verdict", i);
		is_str(rec.status, cases[i].want_status, "case %zu: status", i);
		store_record_clear(&rec);
	}
	memset(longsubj, 'x', sizeof(longsubj) - 1);
	longsubj[sizeof(longsubj) - 1] = '\0';
	msg_reset(m);
	msg_set_env(m, MSG_ENV_CLIENT_NAME, NULL, &err);
	msg_add_header(m, "Subject", longsubj, &err);
	ok(store_record_fill(&rec, m, &fl, &(struct policy_result){ VERDICT_TAG, VERDICT_TAG, 1,
	    false }, 1, &err) == 0, "fill a bare message");
	is_str(rec.client, "[192.0.2.1]", "client without a name");
	ok(rec.rcpts == NULL && rec.from == NULL, "no rcpts, no From");
	is_int(strlen(rec.subject), 1000, "a long Subject is cut at 1000 bytes");
	store_record_clear(&rec);
	finding_list_free(&fl);
	msg_free(&m);
}

/* test_open_errors - each failure names the path, and the schema checks */
static void test_open_errors(void)
{
	char path[512], filedir[300];
	struct store *st = NULL;
	const char *err = NULL;
	sqlite3 *db;
	FILE *f;

	snprintf(path, sizeof(path), "%s/no-such-dir/held.db", tmpdir);
	ok(store_open(path, STORE_READ_WRITE, &st, &err) < 0, "missing directory fails");
	ok(err != NULL && strstr(err, path) != NULL && strstr(err, "does not exist") != NULL,
	    "error names the path and the missing directory: %s", err);
	store_close(&st);
	snprintf(filedir, sizeof(filedir), "%s/plainfile", tmpdir);
	f = fopen(filedir, "w");
	fputs("not a database, not at all, no sqlite header here\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/held.db", filedir);
	ok(store_open(path, STORE_READ_WRITE, &st, &err) < 0, "a file as directory fails");
	ok(err != NULL && strstr(err, path) != NULL, "error names the path: %s", err);
	store_close(&st);
	ok(store_open(filedir, STORE_READ_WRITE, &st, &err) < 0, "not a database fails");
	ok(err != NULL && strstr(err, filedir) != NULL, "error names the file: %s", err);
	store_close(&st);
	snprintf(path, sizeof(path), "%s/absent.db", tmpdir);
	ok(store_open(path, STORE_READ_ONLY, &st, &err) < 0, "read-only open of a missing file fails");
	ok(err != NULL && strstr(err, path) != NULL, "error names the path: %s", err);
	store_close(&st);
	ok(access(path, F_OK) < 0, "read-only open created nothing");
	ok(store_open("", STORE_READ_WRITE, &st, &err) < 0 && st == NULL, "empty path fails");

	snprintf(path, sizeof(path), "%s/future.db", tmpdir);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA user_version = 7", NULL, NULL, NULL);
	sqlite3_close(db);
	ok(store_open(path, STORE_READ_WRITE, &st, &err) < 0, "a newer schema is refused");
	ok(err != NULL && strstr(err, "schema version 7") != NULL, "error says the version: %s", err);
	store_close(&st);
}

/* test_schema - mode, version, WAL and the index of a fresh file */
static void test_schema(void)
{
	static const struct {
		const char *sql, *want;
	} cases[] = {
		{ "PRAGMA user_version", "2" },
		{ "PRAGMA journal_mode", "wal" },
		{ "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
		  " AND name = 'messages_status_time'", "1" },
	};
	struct stat sb = { 0 };
	sqlite3 *db;
	sqlite3_stmt *stmt;
	size_t i;

	if (stat(dbpath, &sb) < 0)
		sb.st_mode = 0;
	is_int(sb.st_mode & 0777, 0640, "created with mode 0640");
	sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = NULL;

		if (sqlite3_prepare_v2(db, cases[i].sql, -1, &stmt, NULL) == SQLITE_OK &&
		    sqlite3_step(stmt) == SQLITE_ROW)
			got = (const char *)sqlite3_column_text(stmt, 0);
		is_str(got, cases[i].want, "%s", cases[i].sql);
		sqlite3_finalize(stmt);
	}
	sqlite3_close(db);
}

/* cleanup - remove the temporary folder's files, then the folder */
static void cleanup(void)
{
	static const char *const names[] = {
		"held.db", "held.db-wal", "held.db-shm", "plainfile", "future.db", NULL
	};
	char path[512];
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int main(void)
{
	struct store *st = NULL;
	const char *err = NULL;

	umask(022);
	if (mkdtemp(tmpdir) == NULL) {
		printf("1..0 # SKIP cannot create a temporary folder\n");
		return 0;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/held.db", tmpdir);
	ok(store_open(dbpath, STORE_READ_WRITE, &st, &err) == 0, "create %s (%s)", dbpath,
	    err ? err : "ok");
	if (st == NULL)
		return tap_done();
	test_schema();
	test_add_get(st);
	test_list(st);
	test_set_status(st);
	test_read_only();
	test_concurrent_reader();
	test_threads(st);
	store_close(&st);
	ok(store_open(dbpath, STORE_READ_WRITE, &st, &err) == 0, "reopen read-write keeps the schema");
	is_str(list_ids(st, "held", 0, 3), "4,3", "rows survive a reopen");
	store_close(&st);
	test_fill();
	test_open_errors();
	cleanup();
	return tap_done();
}

/*
 * test-report - lib/report.c and what it reads: the held log's hourly
 * tally (store_tally_add/list), the state's prefix scan (SQLite, with
 * LIKE metacharacters and range edges in the prefix), the aggregation
 * (findings once per message, a fake id inside a summary ignored,
 * domains lowercase once per message, "<>" for the null sender, ties by
 * name, --top), learned bounces in and out of the window, and HTML
 * escaping of hostile names.  Files live in a fresh temporary folder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "state.h"
#include "store.h"
#include "tap.h"

#define T0 1796040000	/* 2026-11-30 12:00:00 UTC, an hour start */

static char tmpdir[] = "/tmp/test-report.XXXXXX";

struct row {
	time_t time;
	const char *mail_from, *rcpts, *findings;
};

static const struct row rows[] = {
	{ T0 + 60, "a@x.test", "u@Gmail.com,v@gmail.com,w@yahoo.com",
	  "[{\"id\":\"format-from-count\",\"summary\":\"{\\\"id\\\":\\\"fake\\\"}\"},"
	  "{\"id\":\"format-from-count\"},{\"id\":\"size-big\"}]" },
	{ T0 + 120, "\"<b>&'\"@evil.test", "u@gmail.com", "[{\"id\":\"size-big\"}]" },
	{ T0 + 180, "", "z@zeta.test", "[]" },
	{ T0 - 86400, "old@x.test", "q@old.test", "[{\"id\":\"format-date-missing\"}]" },
};

/* seed - the rows above and a tally across three hours */
static struct store *seed(void)
{
	static const struct { time_t t; const char *v; uint64_t n; } tally[] = {
		{ T0, "accept", 1 }, { T0 + 3599, "accept", 4 }, { T0 + 10, "hold", 1 },
		{ T0 + 3600, "tag", 1 }, { T0 + 7300, "reject", 1 }, { T0 - 86400, "accept", 1 },
	};
	struct store_record rec;
	struct store *st = NULL;
	char path[300];
	const char *err = NULL;
	size_t i;

	snprintf(path, sizeof(path), "%s/held.db", tmpdir);
	ok(store_open(path, STORE_READ_WRITE, &st, &err) == 0, "open a new log: %s",
	    err ? err : "ok");
	for (i = 0; st != NULL && i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&rec, 0, sizeof(rec));
		rec.time = rows[i].time;
		rec.mail_from = (char *)rows[i].mail_from;
		rec.rcpts = (char *)rows[i].rcpts;
		rec.findings = (char *)rows[i].findings;
		rec.verdict = (char *)"hold";
		rec.status = (char *)"held";
		ok(store_add(st, &rec, NULL, &err) == 0, "row %zu added", i);
	}
	for (i = 0; st != NULL && i < sizeof(tally) / sizeof(tally[0]); i++)
		ok(store_tally_add(st, tally[i].t, tally[i].v, tally[i].n, &err) == 0, "tally %zu", i);
	ok(st != NULL && store_tally_add(st, T0, "maybe", 1, &err) < 0,
	    "an unknown verdict is refused");
	ok(st != NULL && store_tally_add(st, T0, NULL, 1, &err) < 0, "a NULL verdict is refused");
	return st;
}

/* tally_line - "hour:verdict:n " per row */
static int tally_line(time_t hour, const char *verdict, uint64_t n, void *arg)
{
	char line[80];

	snprintf(line, sizeof(line), "%lld:%s:%llu ", (long long)(hour - T0), verdict,
	    (unsigned long long)n);
	return buf_puts(arg, line) < 0;
}

static void test_tally(struct store *st)
{
	struct buf b = BUF_INIT;
	const char *err = NULL;

	ok(store_tally_list(st, T0, T0 + 7200, tally_line, &b, &err) == 0, "tally list");
	is_str(buf_cstr(&b), "0:accept:5 0:hold:1 3600:tag:1 ",
	    "two hours, by hour then verdict; counts add up");
	buf_free(&b);
	ok(store_tally_list(st, 0, 0, tally_line, &b, &err) == 0, "tally list, no bounds");
	is_str(buf_cstr(&b), "-86400:accept:1 0:accept:5 0:hold:1 3600:tag:1 7200:reject:1 ",
	    "every hour");
	buf_free(&b);
}

/* scan_line - "key=value " */
static int scan_line(const char *key, const char *value, void *arg)
{
	return buf_printf(arg, "%s=%s ", key, value) < 0;
}

static void test_scan(void)
{
	static const struct { const char *prefix, *want; } cases[] = {
		{ "bounce:", "bounce:%x=1 bounce:_y=2 bounce:a=3 " },
		{ "bounce:%", "bounce:%x=1 " },
		{ "bounce:_", "bounce:_y=2 " },
		{ "bounce", "bounce:%x=1 bounce:_y=2 bounce:a=3 bounce;c=6 bounceZ=5 " },
		{ "nothing:", "" },
		{ "\xff", "\xff\xff=7 " },
	};
	static const char *const kv[][2] = {
		{ "bounce:%x", "1" }, { "bounce:_y", "2" }, { "bounce:a", "3" },
		{ "bouncf:b", "4" }, { "bounceZ", "5" }, { "bounce;c", "6" }, { "\xff\xff", "7" },
	};
	struct state *st = NULL;
	struct buf b = BUF_INIT;
	const char *err = NULL;
	char spec[300];
	size_t i;

	snprintf(spec, sizeof(spec), "sqlite:%s/state.db", tmpdir);
	if (state_open(spec, &st, &err) < 0) {
		ok(0, "state open: %s", err);
		return;
	}
	for (i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		state_put(st, kv[i][0], kv[i][1], 100, T0, &err);
	state_put(st, "bounce:expired", "9", 10, T0 - 100, &err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_free(&b);
		ok(state_scan(st, cases[i].prefix, T0, scan_line, &b, &err) == 0, "scan %zu", i);
		is_str(buf_cstr(&b), cases[i].want, "scan \"%s\": only that prefix, live",
		    tap_esc(cases[i].prefix));
	}
	buf_free(&b);
	state_put(st, "bounce:r1@a.test", "userunknown 5.1.1 gmail 1796040100", 86400, T0, &err);
	state_put(st, "bounce:r2@a.test", "userunknown - unknown 1796040200", 86400, T0, &err);
	state_put(st, "bounce:r3@a.test", "hostunknown - gmail 1700000000", 86400, T0, &err);
	state_close(&st);
}

/* list_str - "name:n,..." of one list */
static const char *list_str(const struct report_list *l, struct buf *b)
{
	size_t i;

	buf_free(b);
	for (i = 0; i < l->n; i++)
		buf_printf(b, "%s%s:%llu", i ? "," : "", l->v[i].name, (unsigned long long)l->v[i].n);
	return buf_cstr(b);
}

static void test_collect(struct store *st)
{
	struct report rep;
	struct state *state = NULL;
	struct buf b = BUF_INIT, h = BUF_INIT;
	const char *err = NULL;
	char spec[300];

	snprintf(spec, sizeof(spec), "sqlite:%s/state.db", tmpdir);
	state_open(spec, &state, &err);
	ok(report_collect(&rep, st, state, T0, T0 + 86400, 10, T0 + 1000, &err) == 0,
	    "collect a day");
	is_int(rep.bucket_secs, 3600, "a day is hourly");
	is_int(rep.nbuckets, 24, "24 buckets");
	is_int(rep.totals[VERDICT_ACCEPT], 5, "accept 5 (the day before is out)");
	is_int(rep.totals[VERDICT_REJECT], 1, "reject 1");
	is_int(rep.buckets[2].n[VERDICT_REJECT], 1, "the reject in the third hour");
	is_int(rep.rows, 3, "3 rows in the window");
	is_str(list_str(&rep.lists[REPORT_FINDINGS], &b), "size-big:2,format-from-count:1",
	    "findings once per message, the id in a summary ignored");
	is_str(list_str(&rep.lists[REPORT_DESTS], &b), "gmail.com:2,yahoo.com:1,zeta.test:1",
	    "domains lowercase, once per message, ties by name");
	is_str(list_str(&rep.lists[REPORT_SENDERS], &b), "\"<b>&'\"@evil.test:1,<>:1,a@x.test:1",
	    "senders, the null sender as <>");
	ok(rep.have_bounces, "bounces read");
	is_str(list_str(&rep.lists[REPORT_BOUNCE_REASONS], &b), "userunknown:2",
	    "bounces by reason, the one learned before the window out");
	is_str(list_str(&rep.lists[REPORT_BOUNCE_PROVIDERS], &b), "gmail:1,unknown:1",
	    "bounces by provider");
	ok(report_html(&rep, &h) == 0, "html");
	ok(strstr(buf_cstr(&h), "&quot;&lt;b&gt;&amp;&#39;&quot;@evil.test") != NULL,
	    "html: the sender escaped");
	ok(strstr(buf_cstr(&h), "<b>") == NULL, "html: no markup from the data");
	ok(strstr(buf_cstr(&h), "<script") == NULL && strstr(buf_cstr(&h), "http:") == NULL &&
	    strstr(buf_cstr(&h), "https:") == NULL,
	    "html: no script, no URL");
	report_free(&rep);
	ok(report_collect(&rep, st, NULL, T0, T0 + 86400, 1, T0 + 1000, &err) == 0, "top 1");
	is_int(rep.lists[REPORT_SENDERS].n, 1, "top 1: one sender");
	is_int(rep.lists[REPORT_SENDERS].total, 3, "top 1: the total counts all");
	ok(!rep.have_bounces, "no state: no bounces");
	report_free(&rep);
	ok(report_collect(&rep, st, NULL, 0, T0 + 86400, 10, T0, &err) == 0, "since 0");
	ok(rep.nbuckets <= REPORT_BUCKETS, "since 0: at most %d buckets (%zu of %u s)",
	    REPORT_BUCKETS, rep.nbuckets, rep.bucket_secs);
	is_int(rep.totals[VERDICT_ACCEPT], 6, "since 0: every accept");
	report_free(&rep);
	state_close(&state);
	buf_free(&b);
	buf_free(&h);
}

static void test_escape(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "plain", "plain" },
		{ "<script>", "&lt;script&gt;" },
		{ "a&b\"c'd", "a&amp;b&quot;c&#39;d" },
		{ "x\ny\x7f", "x\xef\xbf\xbdy\xef\xbf\xbd" },
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
		{ "", "" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_free(&b);
		report_html_escape(&b, cases[i].in);
		is_str(buf_cstr(&b), cases[i].want, "escape \"%s\"", tap_esc(cases[i].in));
	}
	buf_free(&b);
}

/* cleanup - the files SQLite made, then the folder */
static void cleanup(void)
{
	static const char *const names[] = {
		"held.db", "held.db-wal", "held.db-shm", "state.db", "state.db-wal", "state.db-shm",
	};
	char path[300];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int main(void)
{
	struct store *st;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_escape();
	test_scan();
	st = seed();
	if (st != NULL) {
		test_tally(st);
		test_collect(st);
	}
	store_close(&st);
	cleanup();
	return tap_done();
}

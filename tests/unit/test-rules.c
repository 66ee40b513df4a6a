/*
 * test-rules - the rules file: every parse error with its exact file:line,
 * each rule kind matching on a parsed message through the rules check,
 * RulesFile and rule- overrides in the config, and a catastrophic pattern
 * stopped by the match limit (rules-limit, quickly) instead of hanging.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "rules.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test-rules.XXXXXX";

/* write_file - tmpdir/name with text; returns a malloc'd path */
static char *write_file(const char *name, const char *text)
{
	struct buf b = BUF_INIT;
	FILE *f;

	buf_printf(&b, "%s/%s", tmpdir, name);
	f = fopen(buf_cstr(&b), "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
	return buf_steal(&b);
}

static const char good_line[] = "header rule-ok 1 /x/ \"ok\"\n";

/* Each bad line is the second line of its file, after good_line. */
static const struct {
	const char *line;
	const char *error;	/* after "<file>:2: " */
} bad_lines[] = {
	{ "body rule-x", "expected: <kind> <id> <score> /<pattern>/<flags> \"<description>\" [\"<remedy>\"]" },
	{ "bodyx rule-x 1 /a/ \"d\"", "unknown rule kind 'bodyx' (header:<Name>, header, body, uri, rawbody)" },
	{ "header: rule-x 1 /a/ \"d\"", "header name missing or too long: ''" },
	{ "header:Sub:ject rule-x 1 /a/ \"d\"", "bad header name 'Sub:ject'" },
	{ "body x-rule 1 /a/ \"d\"", "bad rule id 'x-rule' (kebab-case, starting with rule-)" },
	{ "body rule-Big 1 /a/ \"d\"", "bad rule id 'rule-Big' (kebab-case, starting with rule-)" },
	{ "body rule-a--b 1 /a/ \"d\"", "bad rule id 'rule-a--b' (kebab-case, starting with rule-)" },
	{ "body rule-ok 1 /a/ \"d\"", "duplicate rule id 'rule-ok'" },
	{ "body rule-x abc /a/ \"d\"", "bad score 'abc' (a number from 0 to 1000)" },
	{ "body rule-x -1 /a/ \"d\"", "bad score '-1' (a number from 0 to 1000)" },
	{ "body rule-x 1 a \"d\"", "pattern missing: expected /pattern/flags" },
	{ "body rule-x 1 /a\\/ \"d\"", "pattern not closed by '/'" },
	{ "body rule-x 1 /a/iq \"d\"", "unknown pattern flag 'q' (i, m, s, x)" },
	{ "body rule-x 1 /a(/ \"d\"", "bad pattern: missing closing parenthesis at offset 2" },
	{ "body rule-x 1 /a/", "description missing: \"<description>\"" },
	{ "body rule-x 1 /a/ d", "expected a quoted string at 'd'" },
	{ "body rule-x 1 /a/ \"d", "quoted string not closed" },
	{ "body rule-x 1 /a/ \"d\" \"r\" junk", "unexpected text after the remedy: 'junk'" },
};

static void test_parse_errors(void)
{
	struct rules_set *set;
	struct buf text = BUF_INIT, want = BUF_INIT;
	char *path, *error;
	size_t i;

	for (i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		buf_truncate(&text, 0);
		buf_truncate(&want, 0);
		buf_printf(&text, "%s%s\n", good_line, bad_lines[i].line);
		path = write_file("bad.rules", buf_cstr(&text));
		buf_printf(&want, "%s:2: %s", path, bad_lines[i].error);
		error = NULL;
		ok(rules_load(path, &set, &error) == -1 && set == NULL, "refused: %s",
		    bad_lines[i].line);
		is_str(error, buf_cstr(&want), "error for: %s", bad_lines[i].line);
		free(error);
		free(path);
	}
	buf_free(&text);
	buf_free(&want);

	ok(rules_load("/nonexistent/rules", &set, &error) == -1, "missing file refused");
	is_str(error, "/nonexistent/rules: cannot open: No such file or directory", "its error");
	free(error);
}

static void test_parse_good(void)
{
	struct rules_set *set = NULL;
	const struct finding_def *d;
	char *path, *error = NULL;

	path = write_file("good.rules",
	    "# comment\n\n   # indented comment\n"
	    "header:X-Tag rule-tag 2.5 /a\\/b c/ix \"tag \\\"quoted\\\"\" \"fix it\"\n"
	    "\trawbody rule-raw 0 /x/sm \"raw\"\r\n");
	ok(rules_load(path, &set, &error) == 0, "good file loads (%s)", error ? error : "");
	is_int(rules_count(set), 2, "two rules");
	d = rules_defs(set);
	is_str(d[0].id, "rule-tag", "first id");
	ok(d[0].score == 2.5 && d[0].category == CAT_CONTENT && !d[0].certain, "score, category");
	is_str(d[0].title, "tag \"quoted\"", "description unescaped");
	is_str(d[0].remedy, "fix it", "remedy");
	ok(d[1].remedy != NULL && strstr(d[1].remedy, "local rule") != NULL, "default remedy");
	ok(d[2].id == NULL, "defs end with NULL");
	rules_free(&set);
	ok(set == NULL, "rules_free clears");
	free(path);
}

/* The body is base64 so that body (decoded) and rawbody (as sent) differ. */
static const char msg_hit[] =
	"From: a@sender.example\n"
	"To: b@rcpt.example\n"
	"Subject: FREE\n money inside\n"
	"X-Mailer: BulkBlaster 3\n"
	"MIME-Version: 1.0\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"UGxlYXNlIHdpcmUgdGhlIGZ1bmRzIG5vdzogaHR0cDovL2V2aWwuZXhhbXBsZS9sb2dpbj94PTENCg==\n";

static const char msg_clean[] =
	"From: a@sender.example\n"
	"To: b@rcpt.example\n"
	"Subject: minutes\n"
	"X-Mailer: Mutt\n"
	"\n"
	"The minutes are at https://good.example/minutes, money is fine.\n";

static const char rules_text[] =
	"header:Subject rule-subj 4 /free money/i \"subject offers money\"\n"
	"header rule-mailer 2 /^X-Mailer: BulkBlaster/ \"bulk mailer\"\n"
	"body rule-body 3 /wire the funds/i \"asks for a transfer\"\n"
	"uri rule-uri 5 /evil\\.example\\/login/ \"links to the login trap\"\n"
	"rawbody rule-raw 1 /^UGxlYXNlIHdpcmUg/m \"raw base64\"\n"
	"rawbody rule-raw-decoded 1 /wire/ \"never: rawbody is not decoded\"\n";

/* scan - the findings of the rules check over text under cfg */
static void scan(const struct config *cfg, const char *text, struct finding_list *out)
{
	struct msg *m = check_msg_new(cfg);
	const char *err = NULL;

	if (m == NULL || msg_parse(m, text, strlen(text), &err) < 0)
		abort();
	ok(check_scan(m, cfg, 0, out, &err) == 0, "scan runs (%s)", err ? err : "");
	msg_free(&m);
}

static struct config *load_config(const char *rules_body, const char *extra)
{
	struct config *cfg = NULL;
	struct buf b = BUF_INIT;
	char *rpath = write_file("scan.rules", rules_body), *cpath, *error = NULL;

	buf_printf(&b, "Checks rules\nRulesFile %s\nHeldLog none\n%s", rpath, extra);
	cpath = write_file("scan.conf", buf_cstr(&b));
	ok(config_load(cpath, &cfg, &error) == 0, "config with RulesFile loads (%s)",
	    error ? error : "");
	free(error);
	free(rpath);
	free(cpath);
	buf_free(&b);
	return cfg;
}

static void test_match(void)
{
	static const char *const hit_ids[] = {
		"rule-subj", "rule-mailer", "rule-raw", "rule-body", "rule-uri",
	};
	struct config *cfg = load_config(rules_text, "FindingScore rule-uri 10\n");
	struct finding_list l = FINDING_LIST_INIT;
	size_t i;

	if (cfg == NULL)
		return;
	ok(rules_count(cfg->rules) == 6, "six rules in the config");
	scan(cfg, msg_hit, &l);
	is_int(l.n, 5, "five rules hit");
	for (i = 0; i < l.n && i < 5; i++)
		is_str(l.v[i]->def->id, hit_ids[i], "hit %zu", i);
	ok(!finding_list_has(&l, "rule-raw-decoded"), "rawbody is not decoded");
	ok(l.n > 0 && strcmp(l.v[0]->summary,
	    "header Subject matched \"FREE money\"") == 0, "summary: %s",
	    l.n > 0 ? l.v[0]->summary : "");
	ok(l.n > 4 && strstr(l.v[4]->summary, "uri in part 0 matched") != NULL,
	    "uri summary: %s", l.n > 4 ? l.v[4]->summary : "");
	ok(config_override_for(cfg, "rule-uri") != NULL &&
	    config_override_for(cfg, "rule-uri")->score == 10, "FindingScore rule-uri");
	finding_list_free(&l);
	scan(cfg, msg_clean, &l);
	is_int(l.n, 0, "clean message: no rule hits");
	finding_list_free(&l);
	config_unref(&cfg);
}

static void test_config_errors(void)
{
	struct config *cfg = NULL;
	char *rpath = write_file("broken.rules", "# one\nbody rule-x 1 /(/ \"d\"\n");
	char *cpath, *error = NULL;
	struct buf b = BUF_INIT, want = BUF_INIT;

	buf_printf(&b, "RulesFile %s\n", rpath);
	cpath = write_file("broken.conf", buf_cstr(&b));
	ok(config_load(cpath, &cfg, &error) == -1, "broken rules fail the config");
	buf_printf(&want, "%s:2: bad pattern: missing closing parenthesis at offset 1", rpath);
	is_str(error, buf_cstr(&want), "the rules file's file:line");
	free(error);
	free(cpath);
	buf_truncate(&b, 0);
	buf_truncate(&want, 0);

	free(write_file("ok.rules", good_line));
	buf_printf(&b, "RulesFile ok.rules\nFindingScore rule-typo 3\n");
	cpath = write_file("typo.conf", buf_cstr(&b));
	ok(config_load(cpath, &cfg, &error) == -1, "override of an undefined rule refused");
	ok(error != NULL && strstr(error, "rule-typo: no such rule") != NULL, "names it: %s",
	    error ? error : "");
	free(error);
	free(cpath);
	free(rpath);
	buf_free(&b);
	buf_free(&want);
}

static void test_limit(void)
{
	struct config *cfg = load_config("body rule-slow 1 /(a+)+$/ \"backtracks\"\n"
	    "header:Subject rule-fine 1 /limit/ \"still runs\"\n", "");
	struct finding_list l = FINDING_LIST_INIT;
	struct timespec t0, t1;
	double secs;

	if (cfg == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	scan(cfg, "From: a@sender.example\nSubject: limit\n\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n", &l);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(secs < 2.0, "catastrophic pattern stopped quickly (%.3f s)", secs);
	ok(finding_list_has(&l, "rules-limit"), "rules-limit reported");
	ok(!finding_list_has(&l, "rule-slow"), "the slow rule is not a hit");
	ok(finding_list_has(&l, "rule-fine"), "other rules still run");
	ok(l.n > 0 && l.v[l.n - 1]->score == 2 && strstr(l.v[l.n - 1]->summary, "rule-slow"),
	    "rules-limit names the rule: %s", l.n > 0 ? l.v[l.n - 1]->summary : "");
	finding_list_free(&l);
	config_unref(&cfg);
}

/* cleanup - remove the files write_file made, then the folder */
static void cleanup(void)
{
	static const char *const names[] = {
		"bad.rules", "good.rules", "scan.rules", "scan.conf", "broken.rules",
		"broken.conf", "ok.rules", "typo.conf",
	};
	char path[256];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		abort();
	test_parse_errors();
	test_parse_good();
	test_match();
	test_config_errors();
	test_limit();
	cleanup();
	return tap_done();
}

/*
 * test-explain-input - preflight explain's readers and writers: blocklist
 * names and listed items, the bounce and log fixtures of
 * tests/data/explain (written for these tests; logs of Postfix, Sendmail
 * and Exim), line ends, input guessing, the JSON and summary writers, and
 * hostile input.  When the sisimai corpus is
 * present ($PREFLIGHT_CORPUS, else ../shared/corpus beside the source
 * tree) every message of its maildir folders is explained here too, so
 * that the sanitizer build runs the bounce parser over all of them.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "explain_impl.h"
#include "profile.h"
#include "tap.h"

#define DATA TEST_DATA "/explain/"

static struct profile_set *profiles;

/* load_profiles - the shipped profiles */
static void load_profiles(void)
{
	const char *dir = getenv("PREFLIGHT_PROFILE_DIR");
	char *err = NULL;

	if (dir == NULL || *dir == '\0')
		dir = TEST_DATA "/../../share/profiles";
	if (profile_set_load(&dir, 1, &profiles, &err) < 0) {
		printf("Bail out! profiles: %s\n", err);
		exit(1);
	}
}

/* read_file - a whole file, or NULL */
static char *read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)n + 1)) != NULL) {
		if (fread(data, 1, (size_t)n, f) == (size_t)n) {
			data[n] = '\0';
			*len_r = (size_t)n;
		} else {
			free(data);
			data = NULL;
		}
	}
	fclose(f);
	return data;
}

/* explain_file - explain a fixture as kind into l */
static int explain_file(const char *name, enum explain_kind kind, struct explain_list *l)
{
	char path[512];
	const char *err = NULL;
	size_t len = 0;
	char *data;
	int rc;

	snprintf(path, sizeof(path), DATA "%s", name);
	if ((data = read_file(path, &len)) == NULL) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	rc = explain_input(profiles, data, len, kind, l, &err);
	free(data);
	return rc;
}

static const struct {
	const char *text, *name, *item;
	bool refused, domain;
} bl_cases[] = {
	{ "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; "
	  "https://www.spamhaus.org/query/ip/192.0.2.1", "Spamhaus ZEN", "192.0.2.1", false, false },
	{ "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; "
	  "Error: open resolver; https://www.spamhaus.org/returnc/pub/172.217.0.1 (127.255.255.254)",
	  "Spamhaus ZEN", "192.0.2.1", true, false },
	{ "554 5.7.1 Service unavailable; Sender address [a@shop.example] blocked using "
	  "dbl.spamhaus.org", "Spamhaus DBL", "shop.example", false, true },
	{ "550 5.7.1 Mail from 192.0.2.3 refused, listed in sbl.spamhaus.org",
	  "Spamhaus SBL", "192.0.2.3", false, false },
	{ "550 5.7.1 Connections not accepted from IP addresses on Spamhaus XBL",
	  "Spamhaus XBL", "", false, false },
	{ "554 Service unavailable; Client host [192.0.2.4] blocked using b.barracudacentral.org",
	  "Barracuda BRBL", "192.0.2.4", false, false },
	{ "550 5.7.1 Blocked - see http://www.spamcop.net/bl.shtml?192.0.2.5", "SpamCop",
	  "192.0.2.5", false, false },
	{ "550 Your IP 192.0.2.6 is listed in dnsbl-1.uceprotect.net", "UCEPROTECT level 1",
	  "192.0.2.6", false, false },
	{ "554 5.7.1 Client host [2001:db8::7] blocked using bl.mailspike.net", "Mailspike",
	  "2001:db8::7", false, false },
	{ "550 rejected because 192.0.2.8 is in psbl.surriel.com", "PSBL", "192.0.2.8", false, false },
	{ "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using dnsbl.sorbs.net",
	  "SORBS", "192.0.2.9", false, false },
};

/* test_blocklists - list names, items, refused answers, the words */
static void test_blocklists(void)
{
	struct buf low = BUF_INIT, cause = BUF_INIT, remedy = BUF_INIT;
	struct explain_list l = EXPLAIN_LIST_INIT;
	struct explain_bl bl;
	const char *err = NULL;
	size_t i;

	for (i = 0; i < sizeof(bl_cases) / sizeof(bl_cases[0]); i++) {
		explain_lower(bl_cases[i].text, &low);
		if (!ok(explain_bl_find(buf_cstr(&low), &bl), "blocklist named: %s", bl_cases[i].name))
			continue;
		is_str(bl.name, bl_cases[i].name, "blocklist name: %s", tap_esc(bl_cases[i].text));
		is_str(bl.item, bl_cases[i].item, "listed item of %s", bl_cases[i].name);
		ok(bl.refused == bl_cases[i].refused, "%s: refused %d", bl_cases[i].name,
		    bl_cases[i].refused);
		ok(bl.domain == bl_cases[i].domain, "%s: domain list %d", bl_cases[i].name,
		    bl_cases[i].domain);
	}
	explain_lower("550 5.1.1 user unknown (host 192.0.2.1)", &low);
	ok(!explain_bl_find(buf_cstr(&low), &bl), "no blocklist in a plain rejection");
	explain_lower(bl_cases[1].text, &low);
	explain_bl_find(buf_cstr(&low), &bl);
	explain_bl_words(&bl, &cause, &remedy);
	ok(strstr(buf_cstr(&cause), "refused") != NULL &&
	    strstr(buf_cstr(&remedy), "Nothing to delist") != NULL,
	    "a refused query is explained as such, not as a listing");
	ok(explain_reply(NULL, bl_cases[0].text, NULL, NULL, &l, &err) == 0 && l.n == 1 &&
	    strcmp(l.v[0].reason, "blocked") == 0 && l.v[0].bl_name != NULL &&
	    strstr(l.v[0].cause, "192.0.2.1") != NULL && strstr(l.v[0].cause, "Spamhaus ZEN"),
	    "the item's cause names the list and the address");
	ok(l.n == 1 && l.v[0].findings != NULL && strcmp(l.v[0].findings[0], "rep-egress-listed") == 0,
	    "a listing is predicted by rep-egress-listed");
	explain_list_free(&l);
	buf_free(&low);
	buf_free(&cause);
	buf_free(&remedy);
}

struct want {
	const char *rcpt, *provider, *status, *reason, *command, *host;
	int code;
};

static const struct {
	const char *file;
	size_t n;
	struct want w[3];
} bounce_cases[] = {
	{ "postfix-dsn.eml", 2, {
	  { "alice@gmail.com", "gmail", "5.7.26", "authfailure", "DATA",
	    "gmail-smtp-in.l.google.com", 550 },
	  { "bob@example.org", "generic", "5.1.1", "userunknown", "RCPT", "mx.example.org", 550 } } },
	{ "exim-free.eml", 2, {
	  { "carol@example.net", "generic", "5.1.1", "userunknown", "RCPT", "mx.example.net", 550 },
	  { "dave@example.net", "generic", "5.2.2", "mailboxfull", "RCPT", "mx.example.net", 552 } } },
	{ "qmail-free.eml", 1, {
	  { "erin@example.net", "generic", "5.7.1", "blocked", "RCPT", "", 554 } } },
	{ "sendmail-dsn.eml", 1, {
	  { "frank@outlook.com", "microsoft", "5.7.515", "authfailure", "DATA",
	    "outlook-com.olc.protection.outlook.com", 550 } } },
	{ "o365-free.eml", 1, {
	  { "grace@contoso.example", "microsoft", "5.7.509", "authfailure", "",
	    "dm6pr01mb1234.namprd01.prod.outlook.com", 550 } } },
	{ "arf.eml", 1, { { "heidi@feedback.example.net", "generic", "", "feedback", "", "", 0 } } },
	{ "autoreply.eml", 1, { { "ivan@example.org", "generic", "", "vacation", "", "", 0 } } },
	{ "ses.eml", 1, { { "judy@example.net", "generic", "5.1.1", "userunknown", "", "", 550 } } },
	{ "delivered.eml", 0, { { NULL, NULL, NULL, NULL, NULL, NULL, 0 } } },
	{ "not-bounce.eml", 0, { { NULL, NULL, NULL, NULL, NULL, NULL, 0 } } },
};

/* check_item - one explained item against what the fixture says */
static void check_item(const char *file, const struct explain_item *it, const struct want *w)
{
	is_str(it->recipient, w->rcpt, "%s: recipient", file);
	is_str(it->provider, w->provider, "%s %s: provider", file, w->rcpt);
	is_str(it->status, w->status, "%s %s: status", file, w->rcpt);
	is_str(it->reason, w->reason, "%s %s: reason", file, w->rcpt);
	is_str(it->command, w->command, "%s %s: command", file, w->rcpt);
	is_str(it->remote_host, w->host, "%s %s: remote host", file, w->rcpt);
	is_int(it->reply_code, w->code, "%s %s: reply code", file, w->rcpt);
}

/* test_bounces - the fixtures, each recipient */
static void test_bounces(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(bounce_cases) / sizeof(bounce_cases[0]); i++) {
		struct explain_list l = EXPLAIN_LIST_INIT;

		ok(explain_file(bounce_cases[i].file, EXPLAIN_AUTO, &l) == 0, "%s: read",
		    bounce_cases[i].file);
		is_int(l.n, bounce_cases[i].n, "%s: rejections", bounce_cases[i].file);
		for (j = 0; j < l.n && j < bounce_cases[i].n; j++)
			check_item(bounce_cases[i].file, &l.v[j], &bounce_cases[i].w[j]);
		explain_list_free(&l);
	}
}

static const struct {
	const char *rcpt, *reason, *status, *when;
	bool temporary;
} log_cases[] = {
	{ "alice@gmail.com", "authfailure", "5.7.26", "May  7 10:15:02", false },
	{ "bob@example.org", "userunknown", "5.1.1", "May  7 10:15:02", false },
	{ "carl@gmail.com", "blocked", "4.7.28", "May  7 10:17:00", true },
	{ "eve@nonexistent.example", "hostunknown", "5.4.4", "May  7 10:19:00", false },
	{ "fred@example.biz", "blocked", "5.7.1", "May  7 10:20:00", false },
	{ "gina@gmail.com", "userunknown", "5.1.1", "2024-05-07T10:21:00.123456+02:00", false },
	{ "henry@example.edu", "userunknown", "5.1.1", "May  7 10:22:00", false },
	{ "iris@example.edu", "mailboxfull", "5.2.2", "May  7 10:23:00", false },
	{ "kate@example.io", "expired", "4.0.0", "May  7 10:25:00", true },
};

/* test_log - Postfix and Sendmail lines; deliveries and smtpd ignored */
static void test_log(void)
{
	struct explain_list l = EXPLAIN_LIST_INIT;
	size_t i, n = sizeof(log_cases) / sizeof(log_cases[0]);

	ok(explain_file("mail.log", EXPLAIN_LOG, &l) == 0, "mail.log: read");
	is_int(l.n, n, "mail.log: rejections (sent lines and smtpd rejections left out)");
	for (i = 0; i < l.n && i < n; i++) {
		is_str(l.v[i].recipient, log_cases[i].rcpt, "log line %zu: recipient", i + 1);
		is_str(l.v[i].reason, log_cases[i].reason, "log %s: reason", log_cases[i].rcpt);
		is_str(l.v[i].status, log_cases[i].status, "log %s: status", log_cases[i].rcpt);
		is_str(l.v[i].when, log_cases[i].when, "log %s: timestamp", log_cases[i].rcpt);
		ok(l.v[i].temporary == log_cases[i].temporary, "log %s: temporary %d",
		    log_cases[i].rcpt, log_cases[i].temporary);
	}
	if (l.n >= 5) {
		is_str(l.v[0].provider, "gmail", "log: provider from relay=");
		is_str(l.v[0].remote_host, "gmail-smtp-in.l.google.com", "log: remote host");
		is_str(l.v[4].bl_name, "Spamhaus ZEN", "log: blocklist named");
		is_str(l.v[4].command, "RCPT", "log: command from (in reply to ...)");
	}
	explain_list_free(&l);
}

/* test_line_ends - a bounce with CRLF or CR-only line ends (Windows, old
 * Mac files) reads like the LF original */
static void test_line_ends(void)
{
	static const char *const ends[] = { "\r\n", "\r", NULL };
	size_t len, i, j;
	char *lf = read_file(DATA "exim-free.eml", &len);

	for (i = 0; lf != NULL && ends[i] != NULL; i++) {
		struct explain_list l = EXPLAIN_LIST_INIT;
		struct buf b = BUF_INIT;
		const char *err = NULL;

		for (j = 0; j < len; j++)
			if (lf[j] == '\n')
				buf_puts(&b, ends[i]);
			else
				buf_putc(&b, lf[j]);
		ok(explain_input(profiles, b.data, b.len, EXPLAIN_AUTO, &l, &err) == 0 && l.n == 2,
		    "%s line ends: two rejections", i == 0 ? "CRLF" : "CR");
		if (l.n == 2)
			ok(strcmp(l.v[0].reason, "userunknown") == 0 &&
			    strcmp(l.v[1].reason, "mailboxfull") == 0 &&
			    strcmp(l.v[1].recipient, "dave@example.net") == 0,
			    "%s line ends: same reasons and recipients", i == 0 ? "CRLF" : "CR");
		explain_list_free(&l);
		buf_free(&b);
	}
	free(lf);
}

/* test_exim_log - Exim's main log: ** failures, == deferrals */
static void test_exim_log(void)
{
	static const struct {
		const char *rcpt, *reason, *status, *host, *when;
	} want[] = {
		{ "carol@example.net", "userunknown", "5.1.1", "mx.example.net", "2024-05-07 11:02:10" },
		{ "dave@example.net", "mailboxfull", "4.2.2", "mx.example.net",
		  "2024-05-07 11:03:00.123" },
		{ "eve@nonexistent.example", "hostunknown", "", "", "2024-05-07 11:04:00" },
		{ "gina@gmail.com", "authfailure", "5.7.26", "gmail-smtp-in.l.google.com",
		  "2024-05-07 11:06:00" },
	};
	struct explain_list l = EXPLAIN_LIST_INIT;
	size_t i, n = sizeof(want) / sizeof(want[0]);

	ok(explain_file("exim.log", EXPLAIN_AUTO, &l) == 0, "exim.log: read as a log");
	is_int(l.n, n, "exim.log: rejections (arrivals and deliveries left out)");
	for (i = 0; i < l.n && i < n; i++) {
		is_str(l.v[i].recipient, want[i].rcpt, "exim line %zu: recipient", i + 1);
		is_str(l.v[i].reason, want[i].reason, "exim %s: reason", want[i].rcpt);
		is_str(l.v[i].status, want[i].status, "exim %s: status", want[i].rcpt);
		is_str(l.v[i].remote_host, want[i].host, "exim %s: host", want[i].rcpt);
		is_str(l.v[i].when, want[i].when, "exim %s: timestamp", want[i].rcpt);
	}
	ok(l.n > 1 && l.v[1].temporary && !l.v[0].temporary, "exim: == is temporary, ** is not");
	ok(l.n > 3 && strcmp(l.v[3].provider, "gmail") == 0 && strstr(l.v[3].text, "\\n") == NULL,
	    "exim: multi-line reply unescaped, provider by host");
	explain_list_free(&l);
}

/* test_guess - which reader explain_input picks */
static void test_guess(void)
{
	static const char *const log = "May  7 10:15:02 relay postfix/smtp[1]: 4F2A: "
	    "to=<a@b.example>, relay=none, dsn=5.4.4, status=bounced (Host not found)\n";
	static const char *const bounce = "From: MAILER-DAEMON@a.example\nSubject: failure notice\n"
	    "\n<a@b.example>:\nSorry, no mailbox here by that name.\n";
	static const char *const reply = "550 5.1.1 <a@b.example>: Recipient address rejected";

	ok(explain_guess(log, strlen(log)) == EXPLAIN_LOG, "a Postfix line is a log");
	ok(explain_guess(bounce, strlen(bounce)) == EXPLAIN_BOUNCE, "headers and a body: a bounce");
	ok(explain_guess(reply, strlen(reply)) == EXPLAIN_REPLY, "one reply line: a reply");
	ok(explain_guess("", 0) == EXPLAIN_REPLY, "nothing: a reply (that explains nothing)");
}

/* test_writers - JSON for one and for several, text, summary order */
static void test_writers(void)
{
	struct explain_list l = EXPLAIN_LIST_INIT;
	struct buf out = BUF_INIT;
	const char *err = NULL, *s;

	explain_reply(profiles, "550 5.1.1 \"quoted\" \x01 user unknown (in reply to RCPT TO command)",
	    "a@example.org", NULL, &l, &err);
	ok(l.n == 1 && explain_list_json(&l, &out) == 0, "one item as JSON");
	s = buf_cstr(&out);
	ok(s[0] == '{' && s[out.len - 1] == '}', "one item: an object");
	ok(strstr(s, "\"provider\": \"generic\", \"reply_code\": 550, \"status\": \"5.1.1\", "
	    "\"reason\": \"userunknown\"") != NULL, "the contract's fields come first, in order");
	ok(strstr(s, "\\\"quoted\\\"") != NULL && strstr(s, "\\u0001") != NULL,
	    "quotes and control characters escaped");
	ok(strstr(s, "\"caught_by\": []") != NULL, "an unknown user is caught by no check");
	ok(strstr(s, "\"blocklist\": null") != NULL && strstr(s, "\"temporary\": false") != NULL,
	    "blocklist and temporary fields");
	buf_truncate(&out, 0);
	ok(explain_item_text(&l.v[0], &out) == 0 &&
	    strstr(buf_cstr(&out), "caught by:  none: after-the-fact only") != NULL,
	    "text: none, after-the-fact only");
	explain_list_free(&l);

	buf_truncate(&out, 0);
	ok(explain_file("mail.log", EXPLAIN_LOG, &l) == 0 && explain_list_json(&l, &out) == 0 &&
	    buf_cstr(&out)[0] == '[', "several items: an array");
	buf_truncate(&out, 0);
	ok(explain_summary_json(&l, &out) == 0, "summary as JSON");
	s = buf_cstr(&out);
	ok(strstr(s, "\"period\": {\"first\": \"May  7 10:15:02\", \"last\": \"May  7 10:25:00\"}")
	    != NULL, "summary: the period");
	ok(strstr(s, "\"total\": 9, \"temporary\": 2") != NULL, "summary: totals");
	ok(strstr(s, "\"by_reason\": [{\"reason\": \"blocked\", \"count\": 2") != NULL,
	    "summary: blocklists hurt most");
	buf_truncate(&out, 0);
	ok(explain_summary_text(&l, &out) == 0 && strstr(buf_cstr(&out), "Most harmful first"),
	    "summary as text");
	explain_list_free(&l);
	buf_free(&out);
}

/* test_no_rejection - replies and inputs that explain nothing */
static void test_no_rejection(void)
{
	static const char *const none[] = { "250 2.0.0 Ok: queued as 4F2A", "354 go ahead", "",
		"   \r\n", NULL };
	struct explain_list l = EXPLAIN_LIST_INIT;
	const char *err = NULL;
	size_t i;

	for (i = 0; none[i] != NULL; i++)
		ok(explain_reply(profiles, none[i], NULL, NULL, &l, &err) == 0 && l.n == 0,
		    "no rejection in \"%s\"", tap_esc(none[i]));
	ok(explain_log(profiles, "May  7 10:00:00 h postfix/smtp[1]: A: to=<a@b.example>, "
	    "relay=x[192.0.2.1]:25, dsn=2.0.0, status=sent (250 ok)\n", 96, &l, &err) == 0 &&
	    l.n == 0, "a log of deliveries explains nothing");
}

/* test_hostile - broken and adversarial input never crashes */
static void test_hostile(void)
{
	struct explain_list l = EXPLAIN_LIST_INIT;
	const char *err = NULL;
	struct buf b = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < 2000; i++)	/* many DSN records: capped */
		buf_printf(&b, "Final-Recipient: rfc822; u%zu@example.org\nAction: failed\n"
		    "Status: 5.1.1\n\n", i);
	rc |= explain_input(profiles, b.data, b.len, EXPLAIN_BOUNCE, &l, &err);
	ok(rc == 0 && l.n > 0 && l.n <= 500, "2000 pasted DSN records: at most 500 items (%zu)", l.n);
	explain_list_free(&l);
	buf_truncate(&b, 0);
	for (i = 0; i < 200000; i++)
		buf_putc(&b, (char)("5 0*<>@.:;\n\t\"[]x-"[i % 18]));
	rc = explain_input(profiles, b.data, b.len, EXPLAIN_AUTO, &l, &err) |
	    explain_input(profiles, b.data, b.len, EXPLAIN_BOUNCE, &l, &err) |
	    explain_input(profiles, b.data, b.len, EXPLAIN_LOG, &l, &err) |
	    explain_input(profiles, b.data, b.len, EXPLAIN_REPLY, &l, &err);
	ok(rc == 0, "200 KB of punctuation in every reader");
	explain_list_free(&l);
	rc = explain_input(profiles, "From: a\n\n\0\0\0\xff\xfe", 14, EXPLAIN_BOUNCE, &l, &err);
	ok(rc == 0, "NUL and invalid UTF-8 in a bounce");
	buf_truncate(&b, 0);
	buf_puts(&b, "Content-Type: multipart/report; boundary=x\n\n");
	for (i = 0; i < 100; i++)
		buf_puts(&b, "--x\nContent-Type: multipart/mixed; boundary=x\n\n");
	rc = explain_input(profiles, b.data, b.len, EXPLAIN_BOUNCE, &l, &err);
	ok(rc == 0, "100 nested multiparts");
	explain_list_free(&l);
	buf_free(&b);
}

/* test_corpus - every message of the corpus' maildir folders, if present */
static void test_corpus(void)
{
	static const char *const dirs[] = { "bsd", "dos", "mac", "err", "not", NULL };
	const char *base = getenv("PREFLIGHT_CORPUS");
	char dir[1024], path[1536];
	size_t i, files = 0, failed = 0, len;

	if (base == NULL || *base == '\0')
		base = TEST_DATA "/../../../shared/corpus";
	for (i = 0; dirs[i] != NULL; i++) {
		struct dirent *de;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/sisimai-set-of-emails/maildir/%s", base, dirs[i]);
		if ((d = opendir(dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			struct explain_list l = EXPLAIN_LIST_INIT;
			const char *err = NULL;
			char *data;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if ((data = read_file(path, &len)) == NULL)
				continue;
			files++;
			if (explain_input(profiles, data, len, EXPLAIN_AUTO, &l, &err) != 0) {
				failed++;
				printf("# %s: %s\n", path, err);
			}
			explain_list_free(&l);
			free(data);
		}
		closedir(d);
	}
	if (files == 0) {
		printf("ok %d - # SKIP sisimai corpus not found under %s\n", ++tap_n, base);
		return;
	}
	ok(failed == 0, "%zu corpus messages explained without error", files);
}

int main(void)
{
	load_profiles();
	test_blocklists();
	test_bounces();
	test_log();
	test_exim_log();
	test_line_ends();
	test_guess();
	test_writers();
	test_no_rejection();
	test_hostile();
	test_corpus();
	profile_set_free(&profiles);
	return tap_done();
}

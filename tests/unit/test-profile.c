/*
 * test-profile - provider profiles (lib/profile.c, lib/profile_file.c):
 * the shipped files load, lookups by domain and MX host, reply matching,
 * the replies of a finding, blocked types, and every parser error with its
 * "file:line: Key: reason".
 *
 * The shipped directory is $PREFLIGHT_PROFILE_DIR (set by tests/Makefile.am)
 * or the source tree's share/profiles.  Error cases write one file each into
 * a fresh temporary directory.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test-profile-XXXXXX";

static const char *shipped_dir(void)
{
	const char *d = getenv("PREFLIGHT_PROFILE_DIR");

	return d != NULL && *d != '\0' ? d : TEST_DATA "/../../share/profiles";
}

/* write_file - dir/name with text; the path in a static buffer */
static const char *write_file(const char *dir, const char *name, const char *text)
{
	static char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs(text, f);
	fclose(f);
	return path;
}

/* load_one - load dir alone; the error (malloc'd) or NULL */
static char *load_one(const char *dir, struct profile_set **set_r)
{
	const char *dirs[] = { dir };
	char *err = NULL;

	if (profile_set_load(dirs, 1, set_r, &err) == 0)
		return NULL;
	return err;
}

static void test_shipped(void)
{
	static const char *const names[] = { "generic", "gmail", "icloud", "microsoft", "yahoo" };
	struct profile_set *set = NULL;
	char *err = load_one(shipped_dir(), &set);
	size_t i;

	ok(err == NULL, "shipped profiles load (%s)", err ? err : "ok");
	free(err);
	is_int(profile_count(set), 5, "five shipped profiles");
	for (i = 0; i < 5; i++) {
		const struct profile *p = profile_at(set, i);

		is_str(p ? p->name : NULL, names[i], "profile %zu in file order", i);
		ok(p != NULL && p->nreplies >= 5, "%s has replies", names[i]);
		ok(p != NULL && p->description[0] != '\0', "%s has a description", names[i]);
	}
	ok(profile_at(set, 5) == NULL, "profile_at past the end is NULL");
	is_str(profile_generic(set) ? profile_generic(set)->name : NULL, "generic",
	    "profile_generic");
	is_int(profile_by_name(set, "gmail")->size_limit, 25 << 20, "gmail SizeLimit 25M");
	is_int(profile_by_name(set, "microsoft")->size_limit, 20 << 20, "microsoft 20M");
	is_int(profile_by_name(set, "yahoo")->size_limit, 25 << 20, "yahoo 25M");
	is_int(profile_by_name(set, "icloud")->size_limit, 20 << 20, "icloud 20M");
	is_int(profile_by_name(set, "generic")->size_limit, 0, "generic: no SizeLimit");
	ok(profile_by_name(set, "aol") == NULL, "no profile named aol");
	profile_set_free(&set);
	ok(set == NULL, "profile_set_free sets NULL");
	profile_set_free(&set);
}

struct lookup_case {
	bool host;		/* profile_by_host, else profile_by_domain */
	const char *name;
	const char *want;	/* NULL: none */
};

static const struct lookup_case lookups[] = {
	{ false, "gmail.com", "gmail" },
	{ false, "GoogleMail.COM", "gmail" },
	{ false, "gmail.com.", "gmail" },
	{ false, "mail.gmail.com", NULL },
	{ false, "gmail.co", NULL },
	{ false, "hotmail.fr", "microsoft" },
	{ false, "outlook.com", "microsoft" },
	{ false, "aol.com", "yahoo" },
	{ false, "yahoo.co.jp", NULL },
	{ false, "me.com", "icloud" },
	{ false, "example.org", NULL },
	{ false, "", NULL },
	{ true, "alt1.aspmx.l.google.com", "gmail" },
	{ true, "gmail-smtp-in.l.google.com.", "gmail" },
	{ true, "ASPMX2.GOOGLEMAIL.COM", "gmail" },
	{ true, "smtp.google.com", "gmail" },
	{ true, "google.com", NULL },
	{ true, "evilgoogle.com", NULL },
	{ true, "x.google.com.evil.example", NULL },
	{ true, "contoso-com.mail.protection.outlook.com", "microsoft" },
	{ true, "hotmail-com.olc.protection.outlook.com", "microsoft" },
	{ true, "protection.outlook.com", NULL },
	{ true, "mta5.am0.yahoodns.net", "yahoo" },
	{ true, "mx01.mail.icloud.com", "icloud" },
	{ true, "mail.icloud.com", NULL },
	{ true, "mx.corp.example", NULL },
};

static void test_lookups(void)
{
	struct profile_set *set = NULL;
	const struct profile *p;
	size_t i;

	free(load_one(shipped_dir(), &set));
	for (i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		const struct lookup_case *t = &lookups[i];

		p = t->host ? profile_by_host(set, t->name) : profile_by_domain(set, t->name);
		is_str(p ? p->name : NULL, t->want, "%s %s", t->host ? "host" : "domain",
		    t->name);
	}
	ok(profile_by_domain(NULL, "gmail.com") == NULL, "NULL set: no profile");
	profile_set_free(&set);
}

struct pattern_case {
	const char *pattern, *host;
	bool match;
};

static const struct pattern_case patterns[] = {
	{ "*.example.com", "mx.example.com", true },
	{ "*.example.com", "a.b.example.com", true },
	{ "*.example.com", "MX.Example.Com.", true },
	{ "*.example.com", "example.com", false },
	{ "*.example.com", ".example.com", false },
	{ "*.example.com", "xexample.com", false },
	{ "*.example.com", "mx.example.com.au", false },
	{ "mx.example.com", "mx.example.com", true },
	{ "mx.example.com", "mx.example.com.", true },
	{ "mx.example.com", "a.mx.example.com", false },
	{ "mx.example.com", "", false },
};

static void test_patterns(void)
{
	size_t i;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		ok(profile_host_matches(patterns[i].pattern, patterns[i].host) == patterns[i].match,
		    "'%s' %s '%s'", patterns[i].pattern, patterns[i].match ? "matches" :
		    "does not match", patterns[i].host);
}

struct reply_case {
	const char *text;
	const char *provider;	/* NULL: no entry matches */
	int code;
	const char *status, *reason;
};

static const struct reply_case replies[] = {
	{ "550-5.7.26 This mail has been blocked because the sender is unauthenticated.\r\n"
	  "550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.\r\n"
	  "550 5.7.26 - gsmtp", "gmail", 550, "5.7.26", "authfailure" },
	{ "552-5.7.0 This message was blocked because its content presents a potential\n"
	  "552-5.7.0 security issue. - gsmtp", "gmail", 552, "5.7.0", "securityerror" },
	{ "550 5.7.1 This message is not RFC 5322 compliant because it has MULTIPLE FROM: "
	  "headers", "gmail", 550, "5.7.1", "notcompliantrfc" },
	{ "552 5.3.4 Your message exceeded Google's message size limits.", "gmail", 552,
	  "5.3.4", "mesgtoobig" },
	{ "550 5.7.515 Access denied, sending domain example.com does not meet the required "
	  "authentication level.", "microsoft", 550, "5.7.515", "authfailure" },
	{ "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. (S3150)",
	  "microsoft", 550, "5.7.1", "blocked" },
	{ "421 RP-002 The mail server IP connecting to Outlook.com server has exceeded the "
	  "connection limit", "microsoft", 421, "", "toomanyconn" },
	{ "554 Message not allowed - [PH01] Email not accepted for policy reasons.",
	  "yahoo", 554, "", "policyviolation" },
	{ "554 5.7.1 [HME1] This message was blocked for failing both SPF and DKIM "
	  "authentication checks", "icloud", 554, "5.7.1", "authfailure" },
	{ "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using "
	  "zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1", "generic", 554,
	  "5.7.1", "blocked" },
	{ "552 5.3.4 Message size exceeds fixed maximum message size", "yahoo", 552, "5.3.4",
	  "mesgtoobig" },
	{ "250 2.0.0 OK", NULL, 0, NULL, NULL },
	{ "", NULL, 0, NULL, NULL },
};

static void test_replies(void)
{
	struct profile_set *set = NULL;
	const struct profile *p, *gmail;
	const struct profile_reply *r;
	size_t i;

	free(load_one(shipped_dir(), &set));
	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		const struct reply_case *t = &replies[i];

		p = NULL;
		r = profile_match_reply(set, NULL, t->text, &p);
		is_str(r ? p->name : NULL, t->provider, "reply %zu: %s", i, tap_esc(t->text));
		if (t->provider == NULL || r == NULL)
			continue;
		ok(r->code == t->code && strcmp(r->status, t->status) == 0 &&
		    strcmp(r->reason, t->reason) == 0, "reply %zu: %d %s %s", i, t->code,
		    t->status, t->reason);
	}
	/* one profile only: the RFC size text is generic's only with p = generic */
	gmail = profile_by_name(set, "gmail");
	r = profile_match_reply(set, gmail, "554 Maximum email size exceeded", &p);
	ok(r == NULL && p == NULL, "with p = gmail, Mimecast's size reply is no match");
	r = profile_match_reply(set, profile_generic(set), "554 Maximum email size exceeded",
	    NULL);
	ok(r != NULL && strcmp(r->reason, "mesgtoobig") == 0, "with p = generic it is");
	profile_set_free(&set);
}

struct collect {
	char codes[256];
	int stop_after;		/* return -7 at this call; 0: never */
	int calls;
};

static int collect(void *arg, const struct profile_reply *r)
{
	struct collect *c = arg;
	size_t n = strlen(c->codes);

	snprintf(c->codes + n, sizeof(c->codes) - n, "%s%d %s", n ? "," : "", r->code,
	    r->status);
	return ++c->calls == c->stop_after ? -7 : 0;
}

static void test_replies_for(void)
{
	struct profile_set *set = NULL;
	const struct profile *gmail, *generic;
	struct collect c;

	free(load_one(shipped_dir(), &set));
	gmail = profile_by_name(set, "gmail");
	generic = profile_generic(set);
	memset(&c, 0, sizeof(c));
	is_int(profile_replies_for(gmail, "format-from-missing", collect, &c), 0, "runs");
	is_str(c.codes, "550 5.7.1,550 5.7.1", "gmail: two replies for format-from-missing");
	memset(&c, 0, sizeof(c));
	profile_replies_for(gmail, "size-too-many-recipients", collect, &c);
	is_str(c.codes, "452 4.5.3,550 5.5.3", "gmail: recipient-count replies in file order");
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	is_int(profile_replies_for(gmail, "size-too-many-recipients", collect, &c), -7,
	    "a negative return stops and is returned");
	is_int(c.calls, 1, "no call after the stop");
	memset(&c, 0, sizeof(c));
	profile_replies_for(generic, "format-from-count", collect, &c);
	is_str(c.codes, "", "generic: no reply for format-from-count");
	ok(profile_blocks_type(gmail, "js") && profile_blocks_type(gmail, "JS") &&
	    profile_blocks_type(gmail, "ex_"), "gmail blocks js, JS, ex_");
	ok(!profile_blocks_type(gmail, "pdf") && !profile_blocks_type(gmail, ""),
	    "gmail does not block pdf");
	ok(profile_blocks_type(generic, "exe") && !profile_blocks_type(generic, "apk") &&
	    !profile_blocks_type(generic, "iso"), "generic blocks exe, not apk or iso");
	ok(!profile_blocks_type(NULL, "exe"), "NULL profile blocks nothing");
	profile_set_free(&set);
}

#define GOOD_HEAD "Name custom\n"
#define GOOD_REPLY "Reply 550 5.7.1 blocked\nText \"Denied\"\nCause \"c\"\nRemedy \"r\"\n"

struct error_case {
	const char *name;
	const char *text;
	const char *want;	/* after "<path>" */
};

static const struct error_case errors[] = {
	{ "unknown key", GOOD_HEAD "Size 10M\n", ":2: Size: unknown key" },
	{ "missing value", GOOD_HEAD "Domains\n", ":2: Domains: missing value" },
	{ "no Name", "Domains a.example\n", ": Name: missing (every profile needs one)" },
	{ "bad Name", "Name Gmail\n", ":1: Name: 'Gmail' is not a profile name (lowercase "
	  "letters, digits and '-', starting with a letter, at most 32)" },
	{ "Name twice", GOOD_HEAD "Name other\n", ":2: Name: given twice (first at line 1)" },
	{ "bad domain", GOOD_HEAD "Domains a.example b..example\n",
	  ":2: Domains: not a domain: 'b..example'" },
	{ "bad MX", GOOD_HEAD "MX *.example.com mx*.example.com\n",
	  ":2: MX: not a host name or *.domain pattern: 'mx*.example.com'" },
	{ "bad type", GOOD_HEAD "BlockedTypes exe .com a/b\n",
	  ":2: BlockedTypes: not a file extension: 'a/b'" },
	{ "bad size", GOOD_HEAD "SizeLimit 10X\n", ":2: SizeLimit: not a size (a number "
	  "above 0 with an optional K, M or G): '10X'" },
	{ "zero size", GOOD_HEAD "SizeLimit 0\n", ":2: SizeLimit: not a size (a number "
	  "above 0 with an optional K, M or G): '0'" },
	{ "overflowing size", GOOD_HEAD "SizeLimit 99999999999999999999G\n",
	  ":2: SizeLimit: not a size (a number above 0 with an optional K, M or G): "
	  "'99999999999999999999G'" },
	{ "Reply words", GOOD_HEAD "Reply 550 5.7.1\n",
	  ":2: Reply: expected: <code> <status|-> <reason>" },
	{ "Reply code", GOOD_HEAD "Reply 250 2.0.0 blocked\n",
	  ":2: Reply: '250' is not a 4xx or 5xx reply code" },
	{ "Reply status", GOOD_HEAD "Reply 550 5.7 blocked\n",
	  ":2: Reply: '5.7' is not an enhanced status code (like 5.7.26) or '-'" },
	{ "Reply status letters", GOOD_HEAD "Reply 550 5.x.1 blocked\n",
	  ":2: Reply: '5.x.1' is not an enhanced status code (like 5.7.26) or '-'" },
	{ "Reply reason", GOOD_HEAD "Reply 550 5.7.1 spam\n",
	  ":2: Reply: 'spam' is not a sisimai reason (authfailure, blocked, mesgtoobig, ... "
	  "see preflight-profiles(5))" },
	{ "Text outside", GOOD_HEAD "Text \"x\"\n",
	  ":2: Text: outside a Reply entry (write Reply first)" },
	{ "top-level after Reply", GOOD_HEAD GOOD_REPLY "Domains a.example\n",
	  ":6: Domains: top-level key after a Reply entry (top-level keys come first)" },
	{ "Text twice", GOOD_HEAD GOOD_REPLY "Text \"again\"\n",
	  ":6: Text: given twice (first at line 3)" },
	{ "no Cause", GOOD_HEAD "Reply 550 5.7.1 blocked\nText x\nRemedy r\n"
	  "Reply 550 5.7.2 blocked\n",
	  ":2: Reply: Cause missing (every Reply needs Text, Cause and Remedy)" },
	{ "no Text at end", GOOD_HEAD "Reply 550 - blocked\nCause c\nRemedy r\n",
	  ":2: Reply: Text missing (every Reply needs Text, Cause and Remedy)" },
	{ "bad Match", GOOD_HEAD "Reply 550 5.7.1 blocked\nText x\nMatch \"(unclosed\"\n"
	  "Cause c\nRemedy r\n", ":4: Match: bad pattern: missing closing parenthesis "
	  "at offset 9" },
	{ "bad finding", GOOD_HEAD GOOD_REPLY "Findings format-from-count no-such-id\n",
	  ":6: Findings: no such finding id: 'no-such-id'" },
	{ "bad Doc", GOOD_HEAD GOOD_REPLY "Doc ftp://example.com/x\n",
	  ":6: Doc: not an http(s) URL: 'ftp://example.com/x'" },
	{ "open quote", GOOD_HEAD "Description \"never closed\n",
	  ":2: missing closing quote" },
	{ "text after quote", GOOD_HEAD "Description \"a\" b\n",
	  ":2: text after the closing quote" },
};

static void test_errors(void)
{
	struct profile_set *set;
	char dir[600], want[1400];
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		const struct error_case *t = &errors[i];
		const char *path;
		char *err;

		snprintf(dir, sizeof(dir), "%s/e%zu", tmpdir, i);
		mkdir(dir, 0700);
		path = write_file(dir, "x.profile", t->text);
		snprintf(want, sizeof(want), "%s%s", path, t->want);
		set = (struct profile_set *)1;
		err = load_one(dir, &set);
		is_str(err, want, "%s", t->name);
		ok(set == NULL, "%s: no set", t->name);
		free(err);
	}
}

static void test_long_line_and_nul(void)
{
	char dir[600], want[700], *text = malloc(5000), *err;
	struct profile_set *set = NULL;
	const char *path;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/long", tmpdir);
	mkdir(dir, 0700);
	memset(text, 'a', 4999);
	memcpy(text, "Description ", 12);
	text[4999] = '\0';
	path = write_file(dir, "x.profile", text);
	snprintf(want, sizeof(want), "%s:1: line too long (more than 4096 bytes)", path);
	err = load_one(dir, &set);
	is_str(err, want, "an overlong line is an error");
	free(err);
	free(text);
	snprintf(want, sizeof(want), "%s/x.profile", dir);
	if ((f = fopen(want, "w")) == NULL)
		abort();
	fwrite("Name a\nDescription x\0y\n", 1, 24, f);
	fclose(f);
	snprintf(want, sizeof(want), "%s/x.profile:2: NUL byte in line", dir);
	err = load_one(dir, &set);
	is_str(err, want, "a NUL byte is an error");
	free(err);
}

static void test_good_file(void)
{
	static const char text[] =
	    "# a gateway\n"
	    "name gw   # keys are case-insensitive\n"
	    "Description \"A \\\"quoted\\\" gateway \\\\ #1\"\n"
	    "Domains Corp.Example\n"
	    "MX *.pphosted.com\n"
	    "MX mx.corp.example\n"
	    "SizeLimit 10M\n"
	    "BlockedTypes .EXE zip\n"
	    "\n"
	    "Reply 554 5.7.1 securityerror\n"
	    "Text \"Message blocked by policy (CODE-7)\"\n"
	    "Cause because\n"
	    "Remedy \"fix it\"\n"
	    "Findings attach-blocked-type rule-my-own\n"
	    "Findings size-over-limit\n"
	    "Reply 552 - mesgtoobig\n"
	    "Text \"too big\"\n"
	    "Match \"size .* over (\\\\d+) bytes\"\n"
	    "Cause c\n"
	    "Remedy r\n"
	    "Doc https://example.com/size\n";
	struct profile_set *set = NULL;
	const struct profile *p;
	const struct profile_reply *r;
	char dir[600], *err;
	struct collect c;

	snprintf(dir, sizeof(dir), "%s/good", tmpdir);
	mkdir(dir, 0700);
	write_file(dir, "gw.profile", text);
	write_file(dir, "ignored.conf", "this is not a profile\n");
	write_file(dir, ".hidden.profile", "neither is this\n");
	err = load_one(dir, &set);
	ok(err == NULL, "a full custom profile loads (%s)", err ? err : "ok");
	free(err);
	is_int(profile_count(set), 1, "only *.profile files, no hidden ones");
	p = profile_by_name(set, "gw");
	if (p == NULL)
		return;
	is_str(p->description, "A \"quoted\" gateway \\ #1", "quoted value with escapes and #");
	is_str(p->domains[0], "corp.example", "domains lowercased");
	ok(p->mx[0] != NULL && p->mx[1] != NULL && p->mx[2] == NULL, "MX lines add up");
	is_str(p->blocked_types[0], "exe", "type: dot dropped, lowercased");
	is_int(p->size_limit, 10 << 20, "SizeLimit 10M");
	is_int(p->nreplies, 2, "two replies");
	is_str(p->replies[0].doc, "", "no Doc: empty");
	is_str(p->replies[1].status, "", "status '-': empty");
	ok(p->replies[0].findings[2] != NULL && p->replies[0].findings[3] == NULL,
	    "Findings lines add up, rule- ids accepted");
	r = profile_match_reply(set, NULL, "554 5.7.1 message BLOCKED by policy (code-7)", NULL);
	ok(r == &p->replies[0], "no Match: the Text matches literally, any case");
	r = profile_match_reply(set, NULL, "554 Message blocked by policy (CODE-", NULL);
	ok(r == NULL, "a literal Text does not match a part of itself");
	r = profile_match_reply(set, p, "552 size of message over 1234 bytes", NULL);
	ok(r == &p->replies[1], "Match with \\\\d");
	is_str(profile_by_host(set, "mx1.pphosted.com") ? "gw" : NULL, "gw", "by MX");
	memset(&c, 0, sizeof(c));
	profile_replies_for(p, "size-over-limit", collect, &c);
	is_str(c.codes, "554 5.7.1", "replies_for a second Findings line");
	profile_set_free(&set);
}

static void test_match_limit(void)
{
	static const char text[] = "Name slow\nReply 550 - blocked\nText t\n"
	    "Match \"^(a+)+$\"\nCause c\nRemedy r\n";
	struct profile_set *set = NULL;
	char dir[600], subject[4096];

	snprintf(dir, sizeof(dir), "%s/slow", tmpdir);
	mkdir(dir, 0700);
	write_file(dir, "slow.profile", text);
	free(load_one(dir, &set));
	memset(subject, 'a', sizeof(subject) - 2);
	subject[sizeof(subject) - 2] = 'b';
	subject[sizeof(subject) - 1] = '\0';
	ok(profile_match_reply(set, NULL, subject, NULL) == NULL,
	    "a catastrophic pattern stops at the match limit: no match");
	profile_set_free(&set);
}

static void test_dirs(void)
{
	static const char gmail2[] = "Name gmail\nDomains gmail.com\nSizeLimit 40M\n";
	static const char corp[] = "Name corp\nDomains corp.example gmail.com\n";
	const char *dirs[3];
	struct profile_set *set = NULL;
	char d1[600], d2[600], want[1400], *err = NULL;

	snprintf(d1, sizeof(d1), "%s/admin", tmpdir);
	snprintf(d2, sizeof(d2), "%s/nosuch", tmpdir);
	mkdir(d1, 0700);
	write_file(d1, "a-gmail.profile", gmail2);
	write_file(d1, "corp.profile", corp);
	dirs[0] = shipped_dir();
	dirs[1] = d1;
	ok(profile_set_load(dirs, 2, &set, &err) == 0, "shipped then an admin dir (%s)",
	    err ? err : "ok");
	is_int(profile_count(set), 6, "gmail replaced, corp added");
	is_int(profile_by_name(set, "gmail")->size_limit, 40 << 20, "the later gmail wins whole");
	is_int(profile_by_name(set, "gmail")->nreplies, 0, "nothing kept of the shipped one");
	is_str(profile_at(set, 5)->name, "corp", "load order: corp last");
	is_str(profile_by_domain(set, "gmail.com")->name, "corp",
	    "a later profile claiming a domain wins");
	profile_set_free(&set);
	free(err);
	err = NULL;
	dirs[2] = d2;
	ok(profile_set_load(dirs, 3, &set, &err) < 0 && set == NULL, "a missing dir fails");
	snprintf(want, sizeof(want), "%s: cannot open the profile directory: No such file or "
	    "directory", d2);
	is_str(err, want, "missing dir: its name and why");
	free(err);
	err = NULL;
	write_file(d1, "b-gmail.profile", gmail2);
	ok(profile_set_load(dirs + 1, 1, &set, &err) < 0, "one name twice in one dir fails");
	snprintf(want, sizeof(want), "%s/b-gmail.profile: Name: 'gmail' is already the name of "
	    "%s/a-gmail.profile", d1, d1);
	is_str(err, want, "duplicate Name: both files named");
	free(err);
}

/* rm_one - nftw callback: remove each entry, children first */
static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) == 0 ? 0 : -1;
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_shipped();
	test_lookups();
	test_patterns();
	test_replies();
	test_replies_for();
	test_errors();
	test_long_line_and_nul();
	test_good_file();
	test_match_limit();
	test_dirs();
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}

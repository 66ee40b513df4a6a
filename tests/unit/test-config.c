/*
 * test-config - the config parser and snapshot: every value type good and
 * bad (exact "file:line: Key: reason"), comments and quoting, Include
 * (relative, missing, cycle, depth), duplicate and unknown keys, defaults,
 * size-limit lookup, overrides, the shipped etc/preflight.conf, and the
 * holder's swap and reference counting.
 *
 * Config files are written to a mkdtemp folder, removed at the end.  In
 * expected strings "$F" stands for the path of the file under test and
 * "$D" for the temp folder.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "profile.h"
#include "tap.h"

#define MIB (1024ull * 1024)

static char tmpdir[] = "/tmp/test-config.XXXXXX";
static char *created[64];
static size_t ncreated;

/* tmp_path - malloc'd "<tmpdir>/name" */
static char *tmp_path(const char *name)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s/%s", tmpdir, name);
	return buf_steal(&b);
}

/* remember - note path for cleanup (once); the list owns path, and the
 * returned copy stays valid until cleanup() */
static const char *remember(char *path)
{
	size_t i;

	for (i = 0; i < ncreated; i++) {
		if (strcmp(created[i], path) == 0) {
			free(path);
			return created[i];
		}
	}
	if (ncreated == sizeof(created) / sizeof(created[0])) {
		printf("Bail out! too many temp files\n");
		exit(1);
	}
	return created[ncreated++] = path;
}

/* esc - text on one line for a test name (newlines shown as \n) */
static const char *esc(const char *text)
{
	static char ring[4][256];
	static int next;
	char *out = ring[next++ % 4];
	size_t n = 0;

	for (; *text != '\0' && n < sizeof(ring[0]) - 3; text++) {
		if (*text == '\n' || *text == '\r' || *text == '\t') {
			out[n++] = '\\';
			out[n++] = *text == '\n' ? 'n' : *text == '\r' ? 'r' : 't';
		} else {
			out[n++] = *text;
		}
	}
	out[n] = '\0';
	return out;
}

/* write_bytes - create tmpdir/name with n bytes of text; returns the path */
static const char *write_bytes(const char *name, const char *text, size_t n)
{
	char *path = tmp_path(name);
	FILE *f = fopen(path, "w");

	if (f == NULL || fwrite(text, 1, n, f) != n || fclose(f) != 0) {
		printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return remember(path);
}

static const char *write_file(const char *name, const char *text)
{
	return write_bytes(name, text, strlen(text));
}

/* expand - "$F" becomes file, "$D" becomes tmpdir */
static char *expand(const char *want, const char *file)
{
	struct buf b = BUF_INIT;

	for (; *want != '\0'; want++) {
		if (want[0] == '$' && want[1] == 'F') {
			buf_puts(&b, file);
			want++;
		} else if (want[0] == '$' && want[1] == 'D') {
			buf_puts(&b, tmpdir);
			want++;
		} else {
			buf_putc(&b, *want);
		}
	}
	return buf_steal(&b);
}

/* load_text - write text as t.conf and load it; error in *err (malloc'd) */
static struct config *load_text(const char *text, char **err)
{
	const char *path = write_file("t.conf", text);
	struct config *cfg = NULL;

	*err = NULL;
	if (config_load(path, &cfg, err) < 0)
		return NULL;
	return cfg;
}

enum kind { K_STR, K_BOOL, K_NUM, K_UINT, K_U64, K_INT, K_MASK };

#define F(field) offsetof(struct config, field)
#define V(v) (1u << VERDICT_##v)

static const struct {
	const char *text;
	size_t off;
	enum kind kind;
	const char *want_str;	/* K_STR; "$D" = tmpdir; NULL = field NULL */
	double want;		/* every other kind */
} good[] = {
	{ "Socket unix:/run/preflight/milter.sock\n", F(socket), K_STR, "unix:/run/preflight/milter.sock", 0 },
	{ "Socket \"inet:9999@127.0.0.1\"  # quoted\n", F(socket), K_STR, "inet:9999@127.0.0.1", 0 },
	{ "socket inet6:8898@[::1]\n", F(socket), K_STR, "inet6:8898@[::1]", 0 },
	{ "UserID preflight\n", F(user_id), K_STR, "preflight", 0 },
	{ "UserID \"\"\n", F(user_id), K_STR, NULL, 0 },
	{ "PidFile /run/preflight.pid\n", F(pid_file), K_STR, "/run/preflight.pid", 0 },
	{ "PidFile run/p.pid\n", F(pid_file), K_STR, "$D/run/p.pid", 0 },
	{ "PidFile none\n", F(pid_file), K_STR, NULL, 0 },
	{ "Syslog no\n", F(syslog), K_BOOL, NULL, 0 },
	{ "Syslog ON\n", F(syslog), K_BOOL, NULL, 1 },
	{ "Syslog 0\n", F(syslog), K_BOOL, NULL, 0 },
	{ "Syslog true\n", F(syslog), K_BOOL, NULL, 1 },
	{ "Syslog Off\n", F(syslog), K_BOOL, NULL, 0 },
	{ "SyslogFacility local3\n", F(syslog_facility), K_STR, "local3", 0 },
	{ "OnError accept\n", F(on_error), K_INT, NULL, ON_ERROR_ACCEPT },
	{ "onerror TEMPFAIL\n", F(on_error), K_INT, NULL, ON_ERROR_TEMPFAIL },
	{ "HeaderName X-Check\n", F(header_name), K_STR, "X-Check", 0 },
	{ "HeaderName X-A#B\n", F(header_name), K_STR, "X-A#B", 0 },
	{ "HeaderName \"X-A#B\" # comment\n", F(header_name), K_STR, "X-A#B", 0 },
	{ "OutboundDaemonName SUBMISSION\n", F(outbound_daemon_name), K_STR, "SUBMISSION", 0 },
	{ "Mode observe\n", F(mode), K_INT, NULL, MODE_OBSERVE },
	{ "Mode enforce\n", F(mode), K_INT, NULL, MODE_ENFORCE },
	{ "TagScore 2.5\n", F(tag_score), K_NUM, NULL, 2.5 },
	{ "HoldScore 12\n", F(hold_score), K_NUM, NULL, 12 },
	{ "RejectScore 15.75\n", F(reject_score), K_NUM, NULL, 15.75 },
	{ "RejectScore 0\n", F(reject_score), K_NUM, NULL, 0 },
	{ "# a comment\n\n   \nHoldScore 5 # trailing\n", F(hold_score), K_NUM, NULL, 5 },
	{ "HOLDSCORE 3   \t\r\n", F(hold_score), K_NUM, NULL, 3 },
	{ "\tHoldScore\t4", F(hold_score), K_NUM, NULL, 4 },	/* no final newline */
	{ "HeldLog none\n", F(held_log), K_STR, NULL, 0 },
	{ "HeldLog /var/tmp/held.db\n", F(held_log), K_STR, "/var/tmp/held.db", 0 },
	{ "HeldLog held.db\n", F(held_log), K_STR, "$D/held.db", 0 },
	{ "PostfixConfigDir /etc/postfix-out\n", F(postfix_config_dir), K_STR, "/etc/postfix-out", 0 },
	{ "LogVerdicts tag hold\n", F(log_verdicts), K_MASK, NULL, V(TAG) | V(HOLD) },
	{ "LogVerdicts accept TEMPFAIL\n", F(log_verdicts), K_MASK, NULL, V(ACCEPT) | V(TEMPFAIL) },
	{ "LogVerdicts none\n", F(log_verdicts), K_MASK, NULL, 0 },
	{ "DefaultSizeLimit 10M\n", F(default_size_limit), K_U64, NULL, 10 * MIB },
	{ "DefaultSizeLimit 512k\n", F(default_size_limit), K_U64, NULL, 512 * 1024 },
	{ "DefaultSizeLimit 1G\n", F(default_size_limit), K_U64, NULL, 1024 * MIB },
	{ "DefaultSizeLimit 12345\n", F(default_size_limit), K_U64, NULL, 12345 },
	{ "MaxRecipients 50\n", F(max_recipients), K_UINT, NULL, 50 },
	{ "MaxRecipients 4294967295\n", F(max_recipients), K_UINT, NULL, 4294967295.0 },
	{ "MaxHeaderBytes 2M\n", F(max_header_bytes), K_U64, NULL, 2 * MIB },
	{ "DateMaxFuture 30m\n", F(date_max_future), K_UINT, NULL, 1800 },
	{ "DateMaxFuture 90\n", F(date_max_future), K_UINT, NULL, 90 },
	{ "DateMaxFuture 45s\n", F(date_max_future), K_UINT, NULL, 45 },
	{ "DateMaxPast 1d\n", F(date_max_past), K_UINT, NULL, 86400 },
	{ "DateMaxPast 3H\n", F(date_max_past), K_UINT, NULL, 10800 },
};

static void check_field(const struct config *cfg, size_t i)
{
	const char *p = (const char *)cfg + good[i].off;
	const char *text = good[i].text;

	switch (good[i].kind) {
	case K_STR: {
		char *want = good[i].want_str ? expand(good[i].want_str, "") : NULL;

		is_str(*(char *const *)p, want, "value of %s", esc(text));
		free(want);
		break;
	}
	case K_BOOL:
		is_int(*(const bool *)p, good[i].want, "value of %s", esc(text));
		break;
	case K_NUM:
		ok(*(const double *)p == good[i].want, "value of %s", esc(text));
		break;
	case K_UINT:
	case K_MASK:
		is_int(*(const unsigned *)p, good[i].want, "value of %s", esc(text));
		break;
	case K_U64:
		is_int(*(const uint64_t *)p, good[i].want, "value of %s", esc(text));
		break;
	case K_INT:
		is_int(*(const int *)p, good[i].want, "value of %s", esc(text));
		break;
	}
}

static void test_good(void)
{
	struct config *cfg;
	char *err;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cfg = load_text(good[i].text, &err);
		if (!ok(cfg != NULL, "loads: %s", esc(good[i].text))) {
			printf("#   error: %s\n", err ? err : "(none)");
			free(err);
			continue;
		}
		check_field(cfg, i);
		config_unref(&cfg);
	}
}

static const struct {
	const char *text;
	const char *want;	/* "$F" = the file, "$D" = tmpdir */
} bad[] = {
	{ "HoldScore ten\n", "$F:1: HoldScore: not a number: 'ten'" },
	{ "\n# x\nFrobnicate 1\n", "$F:3: Frobnicate: unknown key" },
	{ "HoldScore\n", "$F:1: HoldScore: missing value" },
	{ "HoldScore    # nothing\n", "$F:1: HoldScore: missing value" },
	{ "HoldScore #\n", "$F:1: HoldScore: missing value" },
	{ "HoldScore -1\n", "$F:1: HoldScore: must not be negative: '-1'" },
	{ "TagScore 1e3\n", "$F:1: TagScore: not a number: '1e3'" },
	{ "TagScore 0x10\n", "$F:1: TagScore: not a number: '0x10'" },
	{ "TagScore inf\n", "$F:1: TagScore: not a number: 'inf'" },
	{ "TagScore nan\n", "$F:1: TagScore: not a number: 'nan'" },
	{ "TagScore 1.\n", "$F:1: TagScore: not a number: '1.'" },
	{ "TagScore .5\n", "$F:1: TagScore: not a number: '.5'" },
	{ "TagScore 1.2.3\n", "$F:1: TagScore: not a number: '1.2.3'" },
	{ "TagScore 1 2\n", "$F:1: TagScore: not a number: '1 2'" },
	{ "RejectScore \"\"\n", "$F:1: RejectScore: not a number: ''" },
	{ "Syslog maybe\n", "$F:1: Syslog: not yes or no: 'maybe'" },
	{ "OnError reject\n", "$F:1: OnError: not one of tempfail|accept: 'reject'" },
	{ "Mode test\n", "$F:1: Mode: not one of enforce|observe: 'test'" },
	{ "Mode enforced\n", "$F:1: Mode: not one of enforce|observe: 'enforced'" },
	{ "MaxRecipients -5\n", "$F:1: MaxRecipients: not a whole number up to 4294967295: '-5'" },
	{ "MaxRecipients 4294967296\n", "$F:1: MaxRecipients: not a whole number up to 4294967295: '4294967296'" },
	{ "MaxRecipients 1.5\n", "$F:1: MaxRecipients: not a whole number up to 4294967295: '1.5'" },
	{ "DefaultSizeLimit 10X\n", "$F:1: DefaultSizeLimit: not a size (a number with an optional K, M or G): '10X'" },
	{ "DefaultSizeLimit 10MB\n", "$F:1: DefaultSizeLimit: not a size (a number with an optional K, M or G): '10MB'" },
	{ "DefaultSizeLimit M\n", "$F:1: DefaultSizeLimit: not a size (a number with an optional K, M or G): 'M'" },
	{ "DefaultSizeLimit 0\n", "$F:1: DefaultSizeLimit: size must be greater than zero: '0'" },
	{ "MaxHeaderBytes 17179869184G\n", "$F:1: MaxHeaderBytes: not a size (a number with an optional K, M or G): '17179869184G'" },
	{ "MaxHeaderBytes 18446744073709551616\n", "$F:1: MaxHeaderBytes: not a size (a number with an optional K, M or G): '18446744073709551616'" },
	{ "DateMaxPast 7w\n", "$F:1: DateMaxPast: not a duration (a number with an optional s, m, h or d): '7w'" },
	{ "DateMaxPast 50000d\n", "$F:1: DateMaxPast: not a duration (a number with an optional s, m, h or d): '50000d'" },
	{ "DateMaxFuture -1h\n", "$F:1: DateMaxFuture: not a duration (a number with an optional s, m, h or d): '-1h'" },
	{ "InternalHosts 10.0.0.0/8 10.0.0.0/33\n", "$F:1: InternalHosts: bad prefix length (0-32 for IPv4): '10.0.0.0/33'" },
	{ "InternalHosts example.com\n", "$F:1: InternalHosts: not an IP address: 'example.com'" },
	{ "SkipRecipientDomains ok.example a..b\n", "$F:1: SkipRecipientDomains: not a domain: 'a..b'" },
	{ "LogVerdicts hold maybe\n", "$F:1: LogVerdicts: not a verdict (accept, tag, hold, reject, tempfail): 'maybe'" },
	{ "Socket tcp:1234\n", "$F:1: Socket: not a milter socket (inet:PORT@HOST, inet6:PORT@HOST, unix:/PATH): 'tcp:1234'" },
	{ "SyslogFacility kernel\n", "$F:1: SyslogFacility: not a syslog facility (mail, daemon, user, local0..local7): 'kernel'" },
	{ "HeaderName X:Y\n", "$F:1: HeaderName: not a header field name: 'X:Y'" },
	{ "HeaderName \"\"\n", "$F:1: HeaderName: not a header field name: ''" },
	{ "OutboundDaemonName \"\"\n", "$F:1: OutboundDaemonName: must not be empty" },
	{ "FindingAction format-date-skew\n", "$F:1: FindingAction: expected <finding-id> <accept|tag|hold|reject>" },
	{ "FindingAction a b c\n", "$F:1: FindingAction: expected <finding-id> <accept|tag|hold|reject>" },
	{ "FindingAction format-date-skew tempfail\n", "$F:1: FindingAction: not an action (accept, tag, hold, reject): 'tempfail'" },
	{ "FindingAction no-such-finding hold\n", "$F:1: FindingAction: unknown finding id (see preflight findings): 'no-such-finding'" },
	{ "FindingScore format-date-skew many\n", "$F:1: FindingScore: not a number: 'many'" },
	{ "FindingAction format-date-skew hold\nFindingAction Format-Date-Skew tag\n", "$F:2: FindingAction: given twice for 'format-date-skew'" },
	{ "FindingScore format-date-skew 1\nFindingScore format-date-skew 2\n", "$F:2: FindingScore: given twice for 'format-date-skew'" },
	{ "SizeLimit example.com\n", "$F:1: SizeLimit: expected <domain> <size>" },
	{ "SizeLimit *.example.com 10M\n", "$F:1: SizeLimit: not a domain or name.*: '*.example.com'" },
	{ "SizeLimit example.com 0\n", "$F:1: SizeLimit: size must be greater than zero: '0'" },
	{ "SizeLimit example.com 10M\nSizeLimit EXAMPLE.com 20M\n", "$F:2: SizeLimit: given twice for 'example.com'" },
	{ "HeaderName \"unterminated\n", "$F:1: missing closing quote" },
	{ "HeaderName \"X-A\" junk\n", "$F:1: text after the closing quote" },
	{ "HoldScore 5\nTagScore 1\nholdscore 6\n", "$F:3: HoldScore: given twice (first at $F:1)" },
	{ "InternalHosts ::1\nInternalHosts 10.0.0.0/8\n", "$F:2: InternalHosts: given twice (first at $F:1)" },
	{ "Include\n", "$F:1: Include: missing value" },
	/* quotes go around the whole value, not around one word of a list */
	{ "InternalHosts ::1 \"10.0.0.0/8\"\n", "$F:1: InternalHosts: not an IP address: '\"10.0.0.0/8\"'" },
};

static void test_bad(void)
{
	struct config *cfg;
	char *err, *want, *path = tmp_path("t.conf");
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg = load_text(bad[i].text, &err);
		want = expand(bad[i].want, path);
		ok(cfg == NULL, "refused: %s", esc(bad[i].text));
		is_str(err, want, "error for: %s", esc(bad[i].text));
		config_unref(&cfg);
		free(err);
		free(want);
	}
	free(path);
}

/* test_lines - the 4096-byte line limit and NUL bytes */
static void test_lines(void)
{
	struct buf b = BUF_INIT;
	struct config *cfg = NULL;
	const char *path;
	char *err = NULL, *want;

	buf_puts(&b, "# ");
	while (b.len < 4096)
		buf_putc(&b, 'x');
	buf_puts(&b, "\nHoldScore 4\n");
	path = write_file("t.conf", buf_cstr(&b));
	ok(config_load(path, &cfg, &err) == 0, "a 4096-byte line is fine");
	ok(cfg != NULL && cfg->hold_score == 4, "the line after it is read");
	config_unref(&cfg);
	free(err);

	buf_truncate(&b, 0);
	buf_puts(&b, "HoldScore 4\nHeaderName ");
	while (b.len < 12 + 4097)
		buf_putc(&b, 'x');
	path = write_file("t.conf", buf_cstr(&b));
	ok(config_load(path, &cfg, &err) < 0, "a 4097-byte line is refused");
	want = expand("$F:2: line too long (more than 4096 bytes)", path);
	is_str(err, want, "line too long message");
	free(want);
	free(err);

	path = write_bytes("t.conf", "HoldScore 4\nHeader\0Name X\n", 26);
	ok(config_load(path, &cfg, &err) < 0, "a NUL byte is refused");
	want = expand("$F:2: NUL byte in line", path);
	is_str(err, want, "NUL byte message");
	free(want);
	free(err);
	buf_free(&b);
}

static void test_include(void)
{
	struct config *cfg = NULL;
	const char *main_conf;
	char *err = NULL, *want;
	struct buf name = BUF_INIT, text = BUF_INIT;
	int i;

	want = tmp_path("sub");
	ok(mkdir(want, 0700) == 0, "mkdir %s", want);
	remember(want);
	write_file("sub/inc.conf", "HoldScore 7\nInclude deeper.conf\n");
	write_file("sub/deeper.conf", "RejectScore 20\nPidFile p.pid\n");
	main_conf = write_file("main.conf", "Include sub/inc.conf\nTagScore 2\n");
	ok(config_load(main_conf, &cfg, &err) == 0, "relative Include chain loads");
	ok(cfg != NULL && cfg->hold_score == 7 && cfg->tag_score == 2 &&
	    cfg->reject_score == 20, "values from every included file");
	want = expand("$D/sub/p.pid", "");
	is_str(cfg ? cfg->pid_file : NULL, want, "path taken from the included file's folder");
	is_str(cfg ? cfg->path : NULL, main_conf, "cfg->path is the top file");
	free(want);
	config_unref(&cfg);

	main_conf = write_file("main.conf", "HoldScore 5\n\nInclude nothere.conf\n");
	ok(config_load(main_conf, &cfg, &err) < 0, "missing Include fails");
	want = expand("$F:3: Include: $D/nothere.conf: cannot open: No such file or directory", main_conf);
	is_str(err, want, "missing Include message");
	free(want);
	free(err);

	main_conf = write_file("main.conf", "HoldScore 5\nInclude sub/dup.conf\n");
	write_file("sub/dup.conf", "\nHOLDSCORE 6\n");
	ok(config_load(main_conf, &cfg, &err) < 0, "duplicate across Include fails");
	want = expand("$D/sub/dup.conf:2: HoldScore: given twice (first at $D/main.conf:1)", "");
	is_str(err, want, "duplicate across Include message");
	free(want);
	free(err);

	write_file("sub/bad.conf", "TagScore 1\nMode loud\n");
	main_conf = write_file("main.conf", "Include sub/bad.conf\n");
	ok(config_load(main_conf, &cfg, &err) < 0, "error inside an included file");
	want = expand("$D/sub/bad.conf:2: Mode: not one of enforce|observe: 'loud'", "");
	is_str(err, want, "the included file's name and line");
	free(want);
	free(err);

	write_file("a.conf", "Include b.conf\n");
	main_conf = write_file("b.conf", "TagScore 1\nInclude a.conf\n");
	ok(config_load(main_conf, &cfg, &err) < 0, "Include cycle fails");
	want = expand("$D/a.conf:1: Include: $D/b.conf: include cycle (the file is already being read)", "");
	is_str(err, want, "Include cycle message");
	free(want);
	free(err);

	main_conf = write_file("self.conf", "Include self.conf\n");
	ok(config_load(main_conf, &cfg, &err) < 0, "a file including itself fails");
	free(err);

	/* n0 includes n1 ... n9: 10 files nest; one more does not */
	for (i = 0; i < 9; i++) {
		buf_truncate(&name, 0);
		buf_truncate(&text, 0);
		buf_printf(&name, "n%d.conf", i);
		buf_printf(&text, "Include n%d.conf\n", i + 1);
		write_file(buf_cstr(&name), buf_cstr(&text));
	}
	write_file("n9.conf", "TagScore 3\n");
	write_file("n10.conf", "TagScore 3\n");
	main_conf = write_file("n0.conf", "Include n1.conf\n");
	ok(config_load(main_conf, &cfg, &err) == 0, "10 nested files load");
	ok(cfg != NULL && cfg->tag_score == 3, "the innermost value is read");
	config_unref(&cfg);
	write_file("n9.conf", "Include n10.conf\n");
	ok(config_load(main_conf, &cfg, &err) < 0, "11 nested files fail");
	want = expand("$D/n9.conf:1: Include: $D/n10.conf: nested too deeply (more than 10 files)", "");
	is_str(err, want, "nesting message");
	free(want);
	free(err);
	buf_free(&name);
	buf_free(&text);

	want = tmp_path("nope.conf");
	ok(config_load(want, &cfg, &err) < 0 && cfg == NULL, "missing file fails");
	free(want);
	want = expand("$D/nope.conf: cannot open: No such file or directory", "");
	is_str(err, want, "missing file message");
	free(want);
	free(err);
}

static void test_defaults(void)
{
	struct config *cfg = config_defaults(), *empty = NULL;
	const char *hl;
	char *err = NULL;

	if (!ok(cfg != NULL, "config_defaults"))
		return;
	is_str(cfg->socket, "inet:8898@127.0.0.1", "default Socket");
	ok(cfg->user_id == NULL, "default UserID: none");
	ok(cfg->pid_file == NULL, "default PidFile: none");
	ok(cfg->syslog, "default Syslog yes");
	is_str(cfg->syslog_facility, "mail", "default SyslogFacility");
	is_int(cfg->on_error, ON_ERROR_TEMPFAIL, "default OnError");
	is_str(cfg->header_name, "X-Preflight", "default HeaderName");
	is_str(cfg->outbound_daemon_name, "ORIGINATING", "default OutboundDaemonName");
	is_int(cfg->internal_hosts.n, 2, "default InternalHosts has 2 networks");
	ok(cidr_list_match(&cfg->internal_hosts, "127.0.0.2") &&
	    cidr_list_match(&cfg->internal_hosts, "::1") &&
	    !cidr_list_match(&cfg->internal_hosts, "10.0.0.1"),
	    "default InternalHosts 127.0.0.0/8 ::1");
	ok(cfg->skip_rcpt_domains != NULL && cfg->skip_rcpt_domains[0] == NULL,
	    "default SkipRecipientDomains: empty, NULL-terminated");
	is_int(cfg->mode, MODE_ENFORCE, "default Mode");
	ok(cfg->tag_score == 1 && cfg->hold_score == 10 && cfg->reject_score == 0,
	    "default scores 1 / 10 / 0");
	is_int(cfg->noverrides, 0, "no overrides by default");
	hl = cfg->held_log ? cfg->held_log : "";
	ok(strlen(hl) > 22 && strcmp(hl + strlen(hl) - 22, "/lib/preflight/held.db") == 0,
	    "default HeldLog ends in /lib/preflight/held.db (%s)", hl);
	is_int(cfg->log_verdicts, V(HOLD) | V(REJECT), "default LogVerdicts hold reject");
	ok(cfg->postfix_config_dir == NULL, "default PostfixConfigDir: none");
	is_int(cfg->default_size_limit, 20 * MIB, "default DefaultSizeLimit 20M");
	is_int(cfg->nsize_limits, 0, "no SizeLimit line");
	ok(cfg->profile_dirs == NULL || cfg->profile_dirs[0] == NULL, "default ProfileDir: none");
	is_int(profile_count(cfg->profiles), 5, "the shipped profiles are loaded");
	is_int(cfg->max_recipients, 100, "default MaxRecipients");
	is_int(cfg->max_header_bytes, MIB, "default MaxHeaderBytes 1M");
	is_int(cfg->date_max_future, 2 * 3600, "default DateMaxFuture 2h");
	is_int(cfg->date_max_past, 7 * 86400, "default DateMaxPast 7d");
	is_int(cfg->refcount, 1, "a new snapshot has one reference");

	empty = load_text("# nothing but a comment\n", &err);
	ok(empty != NULL, "an empty file loads");
	ok(empty != NULL && strcmp(empty->socket, cfg->socket) == 0 &&
	    empty->hold_score == cfg->hold_score &&
	    empty->nsize_limits == cfg->nsize_limits &&
	    strcmp(empty->held_log, cfg->held_log) == 0, "and equals the defaults");
	config_unref(&empty);
	free(err);
	config_unref(&cfg);
	ok(cfg == NULL, "config_unref clears the pointer");
}

/* test_key_table - every key is findable and its default parses from a file */
static void test_key_table(void)
{
	const struct config_key_info *keys;
	size_t n = config_keys(&keys), i, j;
	struct buf b = BUF_INIT;
	struct config *cfg;
	char *err;
	bool dup = false;

	ok(n >= 26, "config_keys lists %zu keys", n);
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++)
			dup |= strcasecmp(keys[i].name, keys[j].name) == 0;
		ok(keys[i].type != NULL && keys[i].default_text != NULL,
		    "%s has a type and a default text", keys[i].name);
		if (strncmp(keys[i].type, "repeatable", 10) == 0)
			continue;
		buf_truncate(&b, 0);
		buf_printf(&b, "%s \"%s\"\n", keys[i].name, keys[i].default_text);
		cfg = load_text(buf_cstr(&b), &err);
		ok(cfg != NULL, "%s: its default text loads from a file", keys[i].name);
		if (err != NULL)
			printf("#   %s\n", err);
		config_unref(&cfg);
		free(err);
	}
	ok(!dup, "no key twice in the table");
	buf_free(&b);
}

/* Only SizeLimit lines: the providers' limits are in their profiles
 * (check_size reads them; tests/unit/test-check-size.c). */
static const struct {
	int cfg;		/* 0: defaults, 1: with SizeLimit lines */
	const char *domain;
	uint64_t bytes;
	const char *entry;	/* the line's domain; NULL: none, the default */
} limits[] = {
	{ 0, "gmail.com", 20 * MIB, NULL },
	{ 0, "hotmail.fr", 20 * MIB, NULL },
	{ 0, "example.org", 20 * MIB, NULL },
	{ 0, "", 20 * MIB, NULL },
	{ 1, "gmail.com", 30 * MIB, "gmail.com" },
	{ 1, "GMAIL.COM.", 30 * MIB, "gmail.com" },
	{ 1, "mail.gmail.com", 15 * MIB, NULL },
	{ 1, "hotmail.de", 1 * MIB, "hotmail.*" },
	{ 1, "hotmail.co.uk", 1 * MIB, "hotmail.*" },
	{ 1, "Hotmail.Com", 1 * MIB, "hotmail.*" },
	{ 1, "hotmail", 15 * MIB, NULL },
	{ 1, "hotmail.", 15 * MIB, NULL },
	{ 1, "hotmail..fr", 15 * MIB, NULL },
	{ 1, "xhotmail.com", 15 * MIB, NULL },
	{ 1, "example.net", 5 * MIB, "example.net" },
	{ 1, "EXAMPLE.NET", 5 * MIB, "example.net" },
	{ 1, "example.org", 15 * MIB, NULL },
	{ 1, "yahoo.com", 15 * MIB, NULL },
};

static void test_size_limits(void)
{
	const struct config_size_limit *e;
	struct config *cfg[2];
	char *err;
	uint64_t got;
	size_t i;

	cfg[0] = config_defaults();
	cfg[1] = load_text("SizeLimit example.net 5M\nSizeLimit GMAIL.com 30M\n"
	    "SizeLimit hotmail.* 1M\nDefaultSizeLimit 15M\n", &err);
	if (!ok(cfg[0] != NULL && cfg[1] != NULL, "size-limit configs load")) {
		printf("#   %s\n", err);
		return;
	}
	is_int(cfg[0]->nsize_limits, 0, "no SizeLimit line by default");
	is_int(cfg[1]->nsize_limits, 3, "3 SizeLimit lines");
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		e = (const void *)1;
		got = config_size_limit_for(cfg[limits[i].cfg], limits[i].domain, &e);
		is_int(got, limits[i].bytes, "limit for '%s' (config %d)",
		    limits[i].domain, limits[i].cfg);
		is_str(e ? e->domain : NULL, limits[i].entry, "entry for '%s'",
		    limits[i].domain);
	}
	ok(config_size_limit_for(cfg[1], "gmail.com", NULL) == 30 * MIB, "entry_r may be NULL");
	config_unref(&cfg[0]);
	config_unref(&cfg[1]);
}

/* test_profile_dir - ProfileDir adds directories after the shipped one;
 * a bad profile or a missing directory fails the whole config */
static void test_profile_dir(void)
{
	static const char *const dirs[] = { "prof", "prof2", "bad" };
	struct config *cfg;
	char *err, *want;
	size_t i;

	for (i = 0; i < 3; i++)
		mkdir(remember(tmp_path(dirs[i])), 0700);
	write_file("prof/gw.profile", "Name gw\nMX *.pphosted.com\nSizeLimit 5M\n");
	write_file("prof2/gmail.profile", "Name gmail\nDomains gmail.com\n");
	cfg = load_text("ProfileDir prof prof2  # relative to the config\n", &err);
	if (!ok(cfg != NULL, "ProfileDir loads (%s)", err ? err : "ok")) {
		free(err);
		return;
	}
	want = expand("$D/prof", "");
	is_str(cfg->profile_dirs ? cfg->profile_dirs[0] : NULL, want, "relative to the file");
	free(want);
	is_int(profile_count(cfg->profiles), 6, "5 shipped + gw, gmail replaced");
	ok(profile_by_host(cfg->profiles, "mx1.pphosted.com") != NULL &&
	    profile_by_host(cfg->profiles, "mx1.pphosted.com")->size_limit == 5 * MIB,
	    "the custom profile is found by MX");
	is_int(profile_by_name(cfg->profiles, "gmail")->nreplies, 0, "gmail replaced whole");
	config_unref(&cfg);
	write_file("bad/x.profile", "Name x\nReply 550 5.7.1 nonsense\n");
	cfg = load_text("ProfileDir bad\n", &err);
	want = expand("$D/bad/x.profile:2: Reply: 'nonsense' is not a sisimai reason "
	    "(authfailure, blocked, mesgtoobig, ... see preflight-profiles(5))", "");
	ok(cfg == NULL, "a bad profile fails the config");
	is_str(err, want, "with the profile's file:line: Key: reason");
	free(want);
	free(err);
	cfg = load_text("ProfileDir nosuch\n", &err);
	want = expand("$D/nosuch: cannot open the profile directory: No such file or directory",
	    "");
	ok(cfg == NULL, "a missing ProfileDir fails the config");
	is_str(err, want, "naming the directory");
	free(want);
	free(err);
	cfg = load_text("ProfileDir none\n", &err);
	ok(cfg != NULL && cfg->profile_dirs != NULL && cfg->profile_dirs[0] == NULL &&
	    profile_count(cfg->profiles) == 5, "ProfileDir none: the shipped ones only");
	config_unref(&cfg);
	free(err);
}

static void test_lists(void)
{
	const struct config_override *o;
	struct config *cfg;
	char *err;

	cfg = load_text("SkipRecipientDomains Example.COM internal.test\n"
	    "InternalHosts \"10.0.0.0/8 2001:db8::/32\"\n"
	    "FindingAction format-date-skew hold\n"
	    "FindingScore format-date-skew 4.5\n"
	    "FindingScore FORMAT-FROM-COUNT 0\n"
	    "FindingAction size-too-many-recipients accept\n", &err);
	if (!ok(cfg != NULL, "lists and overrides load")) {
		printf("#   %s\n", err);
		free(err);
		return;
	}
	is_str(cfg->skip_rcpt_domains[0], "example.com", "domains are lowercased");
	ok(cfg->skip_rcpt_domains[2] == NULL, "two domains, NULL-terminated");
	ok(config_skip_domain(cfg, "example.com") && config_skip_domain(cfg, "EXAMPLE.com") &&
	    config_skip_domain(cfg, "internal.test"), "listed domains are skipped");
	ok(!config_skip_domain(cfg, "sub.example.com") && !config_skip_domain(cfg, "example"),
	    "others are not");
	is_int(cfg->internal_hosts.n, 2, "InternalHosts replaces the default");
	ok(!cidr_list_match(&cfg->internal_hosts, "127.0.0.1"), "127.0.0.1 no longer internal");
	is_int(cfg->noverrides, 3, "three finding ids overridden");
	o = config_override_for(cfg, "format-date-skew");
	ok(o && o->has_action && o->action == VERDICT_HOLD && o->has_score && o->score == 4.5,
	    "action and score merged for one id");
	o = config_override_for(cfg, "format-from-count");
	ok(o && !o->has_action && o->has_score && o->score == 0, "score-only override, id lowercased");
	o = config_override_for(cfg, "size-too-many-recipients");
	ok(o && o->has_action && o->action == VERDICT_ACCEPT && !o->has_score, "action-only override");
	ok(config_override_for(cfg, "format-nul-byte") == NULL, "no override: NULL");
	config_unref(&cfg);
}

/* test_shipped - etc/preflight.conf loads, names every key, and loads
 * again with every "#Key value" line uncommented (Include aside) */
static void test_shipped(void)
{
	const char *path = TEST_DATA "/../../etc/preflight.conf";
	const struct config_key_info *keys;
	struct buf all = BUF_INIT, on = BUF_INIT, pat = BUF_INIT;
	size_t n = config_keys(&keys), i;
	struct config *cfg = NULL;
	char line[4200], *err = NULL;
	FILE *f;

	ok(config_load(path, &cfg, &err) == 0, "etc/preflight.conf loads");
	if (err != NULL)
		printf("#   %s\n", err);
	free(err);
	config_unref(&cfg);
	if ((f = fopen(path, "r")) == NULL)
		return;
	buf_putc(&all, '\n');
	while (fgets(line, sizeof(line), f) != NULL) {
		buf_puts(&all, line);
		if (line[0] == '#' && line[1] >= 'A' && line[1] <= 'Z' &&
		    strncmp(line, "#Include ", 9) != 0)
			buf_puts(&on, line + 1);
	}
	fclose(f);
	for (i = 0; i < n; i++) {
		buf_truncate(&pat, 0);
		buf_printf(&pat, "\n#%s ", keys[i].name);
		ok(strstr(buf_cstr(&all), buf_cstr(&pat)) != NULL,
		    "etc/preflight.conf has a #%s line", keys[i].name);
	}
	cfg = load_text(buf_cstr(&on), &err);
	ok(cfg != NULL, "etc/preflight.conf with every key uncommented loads");
	if (err != NULL)
		printf("#   %s\n", err);
	free(err);
	config_unref(&cfg);
	buf_free(&all);
	buf_free(&on);
	buf_free(&pat);
}

static void test_verdicts(void)
{
	static const char *const names[] = { "accept", "tag", "hold", "reject", "tempfail" };
	enum verdict v;
	int i;

	for (i = 0; i < VERDICT_COUNT; i++) {
		is_str(verdict_name((enum verdict)i), names[i], "verdict_name %d", i);
		ok(verdict_parse(names[i], &v) == 0 && v == (enum verdict)i,
		    "verdict_parse %s", names[i]);
	}
	ok(verdict_parse("HOLD", &v) == 0 && v == VERDICT_HOLD, "verdict_parse ignores case");
	ok(verdict_parse("maybe", &v) < 0 && verdict_parse("", &v) < 0, "unknown verdicts fail");
	is_str(verdict_name(VERDICT_COUNT), "unknown", "out-of-range verdict_name");
}

struct reader_arg {
	struct config_holder *h;
	int rounds;
	int bad;
};

static void *reader(void *p)
{
	struct reader_arg *a = p;
	struct config *cfg;
	int i;

	for (i = 0; i < a->rounds; i++) {
		cfg = config_holder_get(a->h);
		if (cfg == NULL || cfg->header_name == NULL || cfg->refcount < 1)
			a->bad++;
		config_unref(&cfg);
	}
	return NULL;
}

static void test_holder(void)
{
	struct config_holder h;
	struct config *first = config_defaults(), *second, *r, *g;
	struct reader_arg args[2];
	pthread_t t[2];
	char *err;
	int i;

	second = load_text("HoldScore 5\n", &err);
	if (!ok(first != NULL && second != NULL, "holder snapshots"))
		return;
	r = config_ref(first);
	is_int(first->refcount, 2, "config_ref counts");
	config_unref(&r);
	is_int(first->refcount, 1, "config_unref counts down");

	config_holder_init(&h, first);
	r = config_holder_get(&h);
	ok(r == first && r->refcount == 2, "holder_get returns a new reference");
	config_holder_swap(&h, second);
	is_int(r->refcount, 1, "after swap the reader holds the last reference");
	ok(r->hold_score == 10 && strcmp(r->header_name, "X-Preflight") == 0,
	    "the old snapshot is still readable");
	g = config_holder_get(&h);
	ok(g == second && g->hold_score == 5, "holder_get now gives the new one");
	config_unref(&r);
	config_unref(&g);
	is_int(second->refcount, 1, "only the holder's reference is left");

	for (i = 0; i < 2; i++) {
		args[i] = (struct reader_arg){ &h, 20000, 0 };
		pthread_create(&t[i], NULL, reader, &args[i]);
	}
	for (i = 0; i < 200; i++)
		config_holder_swap(&h, config_defaults());
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ok(args[0].bad == 0 && args[1].bad == 0, "readers always saw a live snapshot");
	is_int(h.cur->refcount, 1, "no reference lost or leaked under threads");
	config_holder_destroy(&h);
	ok(h.cur == NULL, "holder_destroy drops its reference");
}

static void cleanup(void)
{
	size_t i;

	for (i = ncreated; i > 0; i--) {
		if (unlink(created[i - 1]) < 0)
			rmdir(created[i - 1]);
		free(created[i - 1]);
	}
	rmdir(tmpdir);
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_good();
	test_bad();
	test_lines();
	test_include();
	test_defaults();
	test_key_table();
	test_size_limits();
	test_profile_dir();
	test_lists();
	test_shipped();
	test_verdicts();
	test_holder();
	cleanup();
	return tap_done();
}

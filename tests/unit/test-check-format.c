/* test-check-format - the format check over whole messages: the exact set
 * of format-* findings per message, the evidence in the summaries, the
 * catalogue, milter-style input, and hostile messages */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "config.h"
#include "msg.h"
#include "tap.h"

/* the scan clock: one minute after the Date of the clean message */
#define NOW ((time_t)1704186000 + 60)

#define F "From: Alice Example <alice@example.com>\r\n"
#define T "To: Bob <bob@example.org>\r\n"
#define S "Subject: Hello\r\n"
#define D "Date: Tue, 2 Jan 2024 10:00:00 +0100\r\n"
#define I "Message-ID: <abc.123@example.com>\r\n"
#define M "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n"
#define M8 "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
#define B "\r\nHello Bob.\r\n"
#define U8 "Gr\xc3\xbc\xc3\x9f"

struct fcase {
	const char *name;
	const char *raw;
	size_t len;		/* 0 = strlen(raw) */
	const char *ids;	/* sorted format-* ids, comma-separated; "" = none */
	bool lf_too;		/* also as an all-LF file, with the same result */
	unsigned long max_hdr;	/* msg_new limit; 0 = default */
};

static const struct fcase fcases[] = {
	/* clean messages: no finding at all */
	{ "clean", F T S D I M B, 0, "", true, 0 },
	{ "clean without MIME", F T S D I B, 0, "", true, 0 },
	{ "obsolete date form", F T S "Date: 2 Jan 24 09:00 GMT\r\n" I M B, 0, "", true, 0 },
	{ "folded To", F "To: a@example.org,\r\n b@example.org\r\n" S D I M B, 0, "", true, 0 },
	{ "quoted comma in display name", "From: \"Doe, John\" <john@example.com>\r\n"
	  T S D I M B, 0, "", true, 0 },
	{ "From address literal", "From: alice@[192.0.2.1]\r\n" T S D I M B, 0, "", true, 0 },
	{ "repeatable headers", F T S D I M "Received: a\r\nReceived: b\r\nComments: x\r\n"
	  "Comments: y\r\nKeywords: k\r\nKeywords: l\r\n" B, 0, "", true, 0 },
	{ "encoded subject", F T "Subject: =?UTF-8?B?SGVsbG8=?= =?UTF-8?Q?w=C3=B6rld?=\r\n"
	  D I M B, 0, "", true, 0 },
	{ "8bit body declared", F T S D I M8 "Content-Transfer-Encoding: 8bit\r\n"
	  "\r\n" U8 "\r\n", 0, "", true, 0 },
	{ "8bit body under multipart", F T S D I "MIME-Version: 1.0\r\n"
	  "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n" U8 "\r\n--x--\r\n",
	  0, "", true, 0 },
	{ "8bit body quoted-printable", F T S D I M8
	  "Content-Transfer-Encoding: quoted-printable\r\n\r\n" U8 "\r\n", 0, "", false, 0 },
	{ "Message-ID with two @ (list managers)", F T S D
	  "Message-ID: <LYRIS-1-2002.08.14--a@b.zzz@silver.example>\r\n" M B, 0, "", true, 0 },
	{ "Message-ID with UTF-8 domain", F T S D "Message-ID: <b4@example.\xd1\x81\xd1\x80\xd0\xb1>\r\n"
	  M B, 0, "format-header-8bit", false, 0 },
	{ "Message-ID with comment", F T S D "Message-ID: <a@b.example> (generated)\r\n" M B,
	  0, "", true, 0 },
	{ "date 1.5h ahead", F T S "Date: Tue, 2 Jan 2024 10:30:00 +0000\r\n" I M B, 0, "",
	  false, 0 },
	{ "date 5 days behind", F T S "Date: Thu, 28 Dec 2023 09:00:00 +0000\r\n" I M B, 0, "",
	  false, 0 },
	{ "lone LF fold, no CRLF fold anywhere", F T "Subject: a\n b\r\n" D I M B, 0, "",
	  false, 0 },
	/* one rule each */
	{ "no From", T S D I M B, 0, "format-from-missing", true, 0 },
	{ "two From", F F T S D I M B, 0, "format-from-count", true, 0 },
	{ "From with two addresses", "From: a@example.com, b@example.com\r\n" T S D I M B, 0,
	  "format-from-multiple-addresses", true, 0 },
	{ "From unquoted comma", "From: Doe, John <john@example.com>\r\n" T S D I M B, 0,
	  "format-from-display-name", true, 0 },
	{ "From address as display name", "From: john@example.com <john@example.com>\r\n"
	  T S D I M B, 0, "format-from-display-name", true, 0 },
	{ "From unquoted comma, no address", "From: Doe, John\r\n" T S D I M B, 0,
	  "format-from-invalid", true, 0 },
	{ "From unquoted comma, bad domain", "From: Doe, John <john@localhost>\r\n"
	  T S D I M B, 0, "format-from-invalid", true, 0 },
	{ "From single-label domain", "From: alice@localhost\r\n" T S D I M B, 0,
	  "format-from-invalid", true, 0 },
	{ "From underscore domain", "From: alice@ex_ample.com\r\n" T S D I M B, 0,
	  "format-from-invalid", true, 0 },
	{ "From empty group", "From: undisclosed-recipients:;\r\n" T S D I M B, 0,
	  "format-from-invalid", true, 0 },
	{ "From empty", "From: \r\n" T S D I M B, 0, "format-from-invalid", true, 0 },
	{ "From group", "From: G: a@example.com;\r\n" T S D I M B, 0, "format-from-invalid",
	  true, 0 },
	{ "no Date", F T S I M B, 0, "format-date-missing", true, 0 },
	{ "two Date", F T S D D I M B, 0, "format-date-count", true, 0 },
	{ "Date garbage", F T S "Date: yesterday\r\n" I M B, 0, "format-date-invalid", true, 0 },
	{ "Date ISO 8601", F T S "Date: 2024-01-02 09:00:00\r\n" I M B, 0,
	  "format-date-invalid", true, 0 },
	{ "Date 3.5h ahead", F T S "Date: Tue, 2 Jan 2024 12:30:00 +0000\r\n" I M B, 0,
	  "format-date-skew", true, 0 },
	{ "Date 8 days behind", F T S "Date: Mon, 25 Dec 2023 09:00:00 +0000\r\n" I M B, 0,
	  "format-date-skew", true, 0 },
	{ "two Subject", F T S S D I M B, 0, "format-duplicate-header", true, 0 },
	{ "two To and two Cc", F T T "Cc: c@example.org\r\nCc: d@example.org\r\n" S D I M B,
	  0, "format-duplicate-header", true, 0 },
	{ "two Message-ID", F T S D I I M B, 0, "format-duplicate-header", true, 0 },
	{ "no Message-ID", F T S D M B, 0, "format-message-id-missing", true, 0 },
	{ "Message-ID without <>", F T S D "Message-ID: abc@example.com\r\n" M B, 0,
	  "format-message-id-invalid", true, 0 },
	{ "Message-ID without @", F T S D "Message-ID: <abc>\r\n" M B, 0,
	  "format-message-id-invalid", true, 0 },
	{ "Message-ID with empty right", F T S D "Message-ID: <abc@>\r\n" M B, 0,
	  "format-message-id-invalid", true, 0 },
	{ "Message-ID with blank", F T S D "Message-ID: <a b@c.example>\r\n" M B, 0,
	  "format-message-id-invalid", true, 0 },
	{ "Message-ID with trailer", F T S D "Message-ID: <a@b.example> x\r\n" M B, 0,
	  "format-message-id-invalid", true, 0 },
	{ "line without colon", F "This is not a header\r\n" T S D I M B, 0,
	  "format-header-malformed", true, 0 },
	{ "name with a blank", F "Bad Name: x\r\n" T S D I M B, 0, "format-header-malformed",
	  true, 0 },
	{ "bare LF in body", F T S D I M "\r\nline one\nline two\r\n", 0, "format-bare-newline",
	  false, 0 },
	{ "bare CR in body", F T S D I M "\r\nline\rmore\r\n", 0, "format-bare-newline", false, 0 },
	{ "bare CR in header", F T "Subject: a\rb\r\n" D I M B, 0, "format-bare-newline",
	  false, 0 },
	{ "LF fold among CRLF folds", F "To: a@example.org,\r\n b@example.org\r\n"
	  "Subject: x\n y\r\n" D I M B, 0, "format-bare-newline", false, 0 },
	{ "NUL in body", F T S D I M "\r\nab\0cd\r\n", sizeof(F T S D I M "\r\nab\0cd\r\n") - 1,
	  "format-nul-byte", false, 0 },
	{ "8bit Subject", F T "Subject: " U8 "\r\n" D I M B, 0, "format-header-8bit", true, 0 },
	{ "bad encoded-word", F T "Subject: =?UTF-8?X?abc?=\r\n" D I M B, 0,
	  "format-encoded-word-invalid", true, 0 },
	{ "8bit body, no CTE", F T S D I M8 "\r\n" U8 "\r\n", 0, "format-8bit-undeclared", true, 0 },
	{ "8bit body, CTE 7bit", F T S D I M8 "Content-Transfer-Encoding: 7BIT\r\n\r\n" U8 "\r\n",
	  0, "format-8bit-undeclared", true, 0 },
	{ "8bit body, no MIME", F T S D I "\r\n" U8 "\r\n", 0, "format-8bit-undeclared", true, 0 },
	{ "Content-Type without MIME-Version", F T S D I "Content-Type: text/plain\r\n" B, 0,
	  "format-mime-version-missing", true, 0 },
	{ "headers past MaxHeaderBytes", F T S D I M "X-Pad: 0123456789\r\nX-Pad: 0123456789\r\n"
	  "X-Pad: 0123456789\r\nX-Pad: 0123456789\r\nX-Pad: 0123456789\r\n" B, 0,
	  "format-limit-headers", false, 240 },
	/* several at once */
	{ "many problems", "From: a@x.example\r\nFrom: b@y.example\r\nSubject: a\r\n"
	  "Subject: b\r\n\r\nbody\r\n", 0, "format-date-missing,format-duplicate-header,"
	  "format-from-count,format-message-id-missing", true, 0 },
	{ "empty message", "", 0, "format-date-missing,format-from-missing,"
	  "format-message-id-missing", false, 0 },
};

static struct config *cfg;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* format_ids - the sorted format-* ids of l, comma-separated (static) */
static const char *format_ids(const struct finding_list *l)
{
	static char out[4096];
	const char *v[64];
	size_t i, o, n = 0;

	for (i = 0; i < l->n && n < 64; i++)
		if (strncmp(l->v[i]->def->id, "format-", 7) == 0)
			v[n++] = l->v[i]->def->id;
	qsort(v, n, sizeof(v[0]), cmp_str);
	out[0] = '\0';
	for (i = 0, o = 0; i < n && o < sizeof(out); i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", i ? "," : "", v[i]);
	return out;
}

static const struct finding *find(const struct finding_list *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i]->def->id, id) == 0)
			return l->v[i];
	return NULL;
}

/* scan - parse raw and run every check into l; returns the message */
static struct msg *scan(const char *raw, size_t len, unsigned long max_hdr,
    struct finding_list *l)
{
	struct msg *m = msg_new(max_hdr);
	const char *err = NULL;

	if (msg_parse(m, raw, len, &err) < 0 || check_scan(m, cfg, NOW, l, &err) < 0)
		printf("# scan failed: %s\n", err ? err : "?");
	return m;
}

/* to_lf - raw with every CRLF turned into LF (malloc'd) */
static char *to_lf(const char *raw, size_t len, size_t *len_r)
{
	char *out = malloc(len + 1);
	size_t i, o = 0;

	for (i = 0; i < len; i++)
		if (!(raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n'))
			out[o++] = raw[i];
	out[o] = '\0';
	*len_r = o;
	return out;
}

static void test_cases(void)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct msg *m;
	size_t i, len, lflen;
	char *lf;

	for (i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		len = fcases[i].len ? fcases[i].len : strlen(fcases[i].raw);
		m = scan(fcases[i].raw, len, fcases[i].max_hdr, &l);
		is_str(format_ids(&l), fcases[i].ids, "%s", fcases[i].name);
		finding_list_free(&l);
		msg_free(&m);
		if (!fcases[i].lf_too)
			continue;
		lf = to_lf(fcases[i].raw, len, &lflen);
		m = scan(lf, lflen, fcases[i].max_hdr, &l);
		ok(m->lf_input, "%s (LF file) is read as LF input", fcases[i].name);
		is_str(format_ids(&l), fcases[i].ids, "%s (LF file)", fcases[i].name);
		finding_list_free(&l);
		msg_free(&m);
		free(lf);
	}
}

/* summary_has - the finding id exists and its summary holds want */
static void summary_has(const char *raw, const char *id, const char *want)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct msg *m = scan(raw, strlen(raw), 0, &l);
	const struct finding *f = find(&l, id);

	ok(f != NULL && strstr(f->summary, want) != NULL, "%s summary holds \"%s\"", id, want);
	if (f != NULL && strstr(f->summary, want) == NULL)
		printf("#   summary: %s\n", f->summary);
	finding_list_free(&l);
	msg_free(&m);
}

/* reply_is - the finding predicts exactly this reply for provider */
static void reply_is(const char *raw, const char *id, const char *provider, const char *want)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct msg *m = scan(raw, strlen(raw), 0, &l);
	const struct finding *f = find(&l, id);
	size_t i;
	bool found = false;

	for (i = 0; f != NULL && i < f->npredicted; i++)
		if (strcmp(f->predicted[i].provider, provider) == 0 &&
		    strcmp(f->predicted[i].reply, want) == 0)
			found = true;
	ok(found, "%s predicts %s: %.50s...", id, provider, want);
	finding_list_free(&l);
	msg_free(&m);
}

static void test_evidence(void)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct buf raw = BUF_INIT;
	const char *hostile;
	const struct finding *f;
	struct msg *m;
	size_t i;

	summary_has(F F T S D I M B, "format-from-count", "lines 1 and 2");
	summary_has(F T S S D I M B, "format-duplicate-header", "2 Subject: headers (lines 3 and 4)");
	summary_has(F T S D "Message-ID: abc@example.com\r\n" M B, "format-message-id-invalid",
	    "line 5 is not <left@right>: \"abc@example.com\"");
	summary_has(F T S "Date: Tue, 2 Jan 2024 12:30:00 +0000\r\n" I M B, "format-date-skew",
	    "3h29m ahead of the scan clock (DateMaxFuture 2h0m)");
	summary_has(F T S "Date: Mon, 25 Dec 2023 09:00:00 +0000\r\n" I M B, "format-date-skew",
	    "behind the scan clock (DateMaxPast 7d0h)");
	summary_has(F "This is not a header\r\n" T S D I M B, "format-header-malformed",
	    "line 2 is not a header field (no colon): \"This is not a header\"");
	summary_has(F T S D I M "\r\nline one\r\nline two\nx\r\n", "format-bare-newline",
	    "body: 1 bare LF and 0 bare CR, first on body line 2");
	summary_has(F T "Subject: a\rb\r\n" D I M B, "format-bare-newline",
	    "bare CR in header Subject: (line 3");
	summary_has(F T "Subject: " U8 "\r\n" D I M B, "format-header-8bit",
	    "Subject: on line 3 holds raw 8-bit bytes (1 headers): \"Gr\\xc3\\xbc\\xc3\\x9f\"");
	summary_has(F T "Subject: ok =?UTF-8?X?abc?=\r\n" D I M B, "format-encoded-word-invalid",
	    "encoding is not B or Q in \"=?UTF-8?X?abc?=\"");
	summary_has("From: alice@localhost\r\n" T S D I M B, "format-from-invalid",
	    "domain \"localhost\" is not valid (needs at least two labels)");
	summary_has("From: Doe, John <john@example.com>\r\n" T S D I M B, "format-from-display-name",
	    "does not parse (address without '@'");
	summary_has("From: a@example.com, b@example.com\r\n" T S D I M B,
	    "format-from-multiple-addresses", "holds 2 addresses");
	summary_has(F T S D I M8 "\r\nabc\r\n" U8 "\r\n", "format-8bit-undeclared",
	    "4 8-bit bytes in the body, first on body line 2, but Content-Transfer-Encoding "
	    "is missing");

	/* line lengths: a header line of 8 + 995 octets on line 8, a body line of 1000 */
	buf_puts(&raw, F T S D I M "X-Long: ");
	for (i = 0; i < 995; i++)
		buf_putc(&raw, 'a');
	buf_puts(&raw, "\r\n" B);
	summary_has(raw.data, "format-line-too-long", "header X-Long: line 8 is 1003 octets (1 "
	    "headers with lines over 998)");
	buf_truncate(&raw, raw.len - strlen("\r\n" B));
	buf_puts(&raw, "\r\n ");
	for (i = 0; i < 1200; i++)
		buf_putc(&raw, 'c');
	buf_puts(&raw, "\r\n" B);
	summary_has(raw.data, "format-line-too-long", "line 8 is 1003 octets (1 headers with");
	buf_truncate(&raw, 0);
	buf_puts(&raw, F T S D I M "\r\nshort\r\n");
	for (i = 0; i < 1000; i++)
		buf_putc(&raw, 'b');
	buf_puts(&raw, "\r\n");
	summary_has(raw.data, "format-line-too-long", "first on body line 2, longest 1000");
	buf_truncate(&raw, raw.len - 4);
	buf_puts(&raw, "\r\n");
	m = scan(raw.data, raw.len, 0, &l);
	is_str(format_ids(&l), "", "a 998-octet body line is fine");
	finding_list_free(&l);
	msg_free(&m);
	buf_free(&raw);

	/* hostile bytes never reach a summary raw */
	hostile = F T "Subject: \x01\x7f" U8 "\"\\\r\n" D I M B;
	m = scan(hostile, strlen(hostile), 0, &l);
	for (i = 0; i < l.n; i++) {
		const unsigned char *p = (const unsigned char *)l.v[i]->summary;

		for (; *p != '\0' && *p >= 0x20 && *p < 0x7f; p++)
			;
		ok(*p == '\0', "summary of %s is printable ASCII", l.v[i]->def->id);
	}
	f = find(&l, "format-header-8bit");
	ok(f != NULL, "controls and 8-bit in Subject are reported");
	finding_list_free(&l);
	msg_free(&m);
}

static void test_replies(void)
{
	reply_is(F F T S D I M B, "format-from-count", "gmail", "550-5.7.1 [...] This message "
	    "is not RFC 5322 compliant because it has multiple From: headers");
	reply_is(T S D I M B, "format-from-missing", "gmail", "550-5.7.1 [...] This message is "
	    "not RFC 5322 compliant because the From: header is missing");
	reply_is("From: a@example.com, b@example.com\r\n" T S D I M B,
	    "format-from-multiple-addresses", "gmail", "550-5.7.1 [...] Messages with multiple "
	    "addresses in the From: header are not accepted");
	reply_is("From: alice@localhost\r\n" T S D I M B, "format-from-invalid", "gmail",
	    "550-5.7.1 [...] This message is not RFC 5322 compliant because the From: header "
	    "has a non-compliant domain name");
	reply_is(F T S S D I M B, "format-duplicate-header", "gmail", "550-5.7.1 [...] This "
	    "message is not RFC 5322 compliant. There are multiple Subject headers");
	reply_is(F T S D I M "\r\na\nb\r\n", "format-bare-newline", "microsoft", "550 5.6.11 "
	    "SMTPSEND.BareLinefeedsAreIllegal; message contains bare linefeeds, which cannot be "
	    "sent via DATA and receiving system does not support BDAT");
	reply_is(F T S D "Message-ID: <abc>\r\n" M B, "format-message-id-invalid", "gmail",
	    "550-5.7.1 [...] Messages missing a valid Message-ID: header are not accepted");
	reply_is(F T "Subject: " U8 "\r\n" D I M B, "format-header-8bit", "gmail", "550-5.7.1 "
	    "[...] The message contains a unicode character in a disallowed header");
}

/* milter-style input: folds handed over as "\n\t" are not bare newlines */
static void test_milter_input(void)
{
	static const char *const hdrs[][2] = {
		{ "From", "Alice <alice@example.com>" }, { "To", "a@example.org,\n\tb@example.org" },
		{ "Subject", "folded\n\tsubject" }, { "Date", "Tue, 2 Jan 2024 10:00:00 +0100" },
		{ "Message-ID", "<m1@example.com>" },
	};
	struct finding_list l = FINDING_LIST_INIT;
	struct msg *m = msg_new(0);
	const char *err = NULL;
	size_t i;

	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		msg_add_header(m, hdrs[i][0], hdrs[i][1], &err);
	msg_body(m, "Hello\r\n", 7);
	msg_body_end(m);
	check_scan(m, cfg, NOW, &l, &err);
	is_str(format_ids(&l), "", "milter headers with LF folds are clean");
	finding_list_free(&l);

	msg_add_header(m, "X-Bad", "a\rb", &err);
	msg_body(m, "bare\nlf\r\n", 9);
	msg_body_end(m);
	check_scan(m, cfg, NOW, &l, &err);
	is_str(format_ids(&l), "format-bare-newline", "milter bare CR in header, bare LF in body");
	finding_list_free(&l);
	msg_free(&m);
}

static void test_catalogue(void)
{
	static const struct { const char *id; double score; } want[] = {
		{ "format-from-missing", 10 }, { "format-from-count", 10 },
		{ "format-from-multiple-addresses", 10 }, { "format-from-invalid", 10 },
		{ "format-date-count", 10 }, { "format-duplicate-header", 10 },
		{ "format-message-id-invalid", 10 }, { "format-header-malformed", 10 },
		{ "format-date-missing", 3 }, { "format-date-invalid", 3 }, { "format-date-skew", 2 },
		{ "format-message-id-missing", 3 }, { "format-line-too-long", 3 },
		{ "format-bare-newline", 3 }, { "format-nul-byte", 3 }, { "format-header-8bit", 3 },
		{ "format-encoded-word-invalid", 2 }, { "format-8bit-undeclared", 2 },
		{ "format-mime-version-missing", 1 }, { "format-limit-headers", 2 },
		{ "format-from-display-name", 2 },
	};
	const struct finding_def *d;
	size_t i, n = 0;

	is_str(check_format_ops.name, "format", "check name");
	for (d = check_format_ops.defs; d->id != NULL; d++)
		n++;
	is_int(n, sizeof(want) / sizeof(want[0]), "catalogue size");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		d = check_find_def(want[i].id);
		ok(d != NULL && d->category == CAT_FORMAT && d->score == want[i].score &&
		    d->certain == (want[i].score >= 10) && d->title[0] != '\0' &&
		    d->remedy[0] != '\0' && d->predicted != NULL, "catalogue entry %s", want[i].id);
	}
}

/* hostile messages finish, fast, with findings rather than crashes */
static void test_hostile(void)
{
	static const struct { const char *name, *prefix, *unit, *id; size_t n; } cases[] = {
		{ "100k-byte header", F T S D I M "X-Big: ", "a", "format-line-too-long", 100000 },
		{ "99,999 colons in From", T S D I M "From: ", ":", "format-from-invalid", 99999 },
		{ "100k '(' in From", T S D I M "From: ", "(", "format-from-invalid", 100000 },
		{ "100k '\"' in From", T S D I M "From: ", "\"", "format-from-invalid", 100001 },
		{ "100k '(' in Date", F T S I M "Date: ", "(", "format-date-invalid", 100000 },
		{ "encoded-word soup", F T D I M "Subject: ", "=?a?Q?", "format-encoded-word-invalid",
		  20000 },
		{ "100k-byte line without colon", F T S D I M, "x", "format-header-malformed",
		  100000 },
		{ "40,000 From headers", T S D I M, "From: a@example.com\r\n", "format-from-count",
		  40000 },
		{ "100k 8-bit body bytes", F T S D I "\r\n", "\xff", "format-8bit-undeclared",
		  100000 },
	};
	struct finding_list l = FINDING_LIST_INIT;
	struct buf raw = BUF_INIT;
	struct msg *m;
	clock_t t0;
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_truncate(&raw, 0);
		buf_puts(&raw, cases[i].prefix);
		for (j = 0; j < cases[i].n; j++)
			buf_puts(&raw, cases[i].unit);
		buf_puts(&raw, "\r\n\r\nbody\r\n");
		t0 = clock();
		m = scan(raw.data, raw.len, 0, &l);
		ok(find(&l, cases[i].id) != NULL, "%s: %s (%s)", cases[i].name, cases[i].id,
		    format_ids(&l));
		ok((double)(clock() - t0) / CLOCKS_PER_SEC < 3.0, "%s took %.3fs", cases[i].name,
		    (double)(clock() - t0) / CLOCKS_PER_SEC);
		finding_list_free(&l);
		msg_free(&m);
	}
	buf_free(&raw);
}

int main(void)
{
	cfg = config_defaults();
	if (cfg == NULL) {
		printf("Bail out! config_defaults failed\n");
		return 1;
	}
	test_cases();
	test_evidence();
	test_replies();
	test_milter_input();
	test_catalogue();
	test_hostile();
	config_unref(&cfg);
	return tap_done();
}

/*
 * test-mime - the MIME tree (lib/mime.c) and the mime check: the parts
 * list, structure problems, limits and the findings, per inline message.
 *
 * Each case is a whole message (LF line ends, read as CRLF by msg_parse)
 * with the limits it runs under; the tree is flattened to one line
 * "depth:type[@filename][!]" per part so the whole list is compared at
 * once, then check_mime_ops.run gives the findings, compared as a list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "mime.h"
#include "tap.h"

#define LIM(p, d, b) { (p), (d), (b) }
#define STD LIM(500, 20, 64 * 1024 * 1024)

struct tcase {
	const char *name;
	const char *text;
	struct mime_limits lim;
	const char *parts;	/* flattened tree */
	unsigned problems;
	const char *findings;	/* ids, comma-separated, in order */
};

#define H "From: a@example.com\nTo: b@example.org\nSubject: t\nMIME-Version: 1.0\n"

static const struct tcase cases[] = {
	{ "simple text", H "Content-Type: text/plain; charset=us-ascii\n\nhello\n", STD,
	  "0:text/plain", 0, "" },
	{ "no content-type", H "\nhello\n", STD, "0:text/plain", 0, "" },
	{ "alternative", H "Content-Type: multipart/alternative; boundary=\"b1\"\n\n"
	  "--b1\nContent-Type: text/plain; charset=utf-8\n\nhi\n"
	  "--b1\nContent-Type: text/html; charset=utf-8\n\n<p>hi</p>\n--b1--\n", STD,
	  "0:multipart/alternative 1:text/plain 1:text/html", 0, "" },
	{ "mixed with attachments", H "Content-Type: multipart/mixed; boundary=m\n\n"
	  "--m\nContent-Type: text/plain\n\nsee attached\n"
	  "--m\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
	  "Content-Disposition: attachment; filename*=UTF-8''%C3%A9cole%20A.pdf\n\nJVBERi0xLjQK\n"
	  "--m\nContent-Type: application/octet-stream; name=\"=?UTF-8?B?w6l0w6kuZXhl?=\"\n"
	  "Content-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA\n--m--\n", STD,
	  "0:multipart/mixed 1:text/plain 1:application/pdf@\xc3\xa9" "cole A.pdf! "
	  "1:application/octet-stream@\xc3\xa9t\xc3\xa9.exe!", 0, "" },
	{ "nested rfc822", H "Content-Type: multipart/mixed; boundary=o\n\n"
	  "--o\nContent-Type: text/plain\n\nfwd\n--o\nContent-Type: message/rfc822\n\n"
	  "From: c@example.net\nSubject: inner\nContent-Type: multipart/mixed; boundary=i\n\n"
	  "--i\nContent-Type: text/plain\n\ninner\n--i\nContent-Type: image/png; name=x.png\n"
	  "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--i--\n--o--\n", STD,
	  "0:multipart/mixed 1:text/plain 1:message/rfc822 2:multipart/mixed 3:text/plain "
	  "3:image/png@x.png!", 0, "" },
	{ "missing closing boundary", H "Content-Type: multipart/mixed; boundary=zz\n\n"
	  "--zz\nContent-Type: text/plain\n\nbody\n", STD,
	  "0:multipart/mixed 1:text/plain", MIME_P_NO_END_BOUNDARY, "mime-malformed" },
	{ "unused boundary", H "Content-Type: multipart/mixed; boundary=zz\n\njust text\n", STD,
	  "0:multipart/mixed", MIME_P_BOUNDARY_UNUSED, "mime-malformed" },
	{ "only a closing boundary", H "Content-Type: multipart/mixed; boundary=zz\n\n"
	  "--zz--\n", STD, "0:multipart/mixed", MIME_P_EMPTY_MULTIPART, "mime-malformed" },
	{ "unknown encoding", H "Content-Type: application/zip\nContent-Transfer-Encoding: x-weird\n"
	  "\nPK\n", STD, "0:application/zip", MIME_P_BAD_CTE, "mime-malformed" },
	{ "bad base64", H "Content-Type: application/zip\nContent-Transfer-Encoding: base64\n"
	  "\nUEsD*#!BAA\n", STD, "0:application/zip", MIME_P_BAD_BASE64, "mime-malformed" },
	/* long lines go through the 16-byte block check, not the byte loop */
	{ "bad base64 mid-block", H "Content-Type: application/zip\nContent-Transfer-Encoding: base64\n"
	  "\nUEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAA~AAAAAAAAAAAAAAAAAAAAAAAAAA\n", STD,
	  "0:application/zip", MIME_P_BAD_BASE64, "mime-malformed" },
	{ "8-bit byte in long base64", H "Content-Type: application/zip\nContent-Transfer-Encoding: base64\n"
	  "\nUEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAAAAAAA\xe9" "AAAAAAAAAAAA\n", STD,
	  "0:application/zip", MIME_P_BAD_BASE64, "mime-malformed" },
	{ "long clean base64", H "Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n"
	  "\nJVBERi0xLjQKJcfs+/8KMSAwIG9iago8PC9UeXBlIC9DYXRhbG9n\t \r\nPj4KZW5kb2JqCg==\n", STD,
	  "0:application/pdf", 0, "" },
	{ "too many parts", H "Content-Type: multipart/mixed; boundary=p\n\n"
	  "--p\n\na\n--p\n\nb\n--p\n\nc\n--p\n\nd\n--p--\n", LIM(3, 20, 1 << 20),
	  "0:multipart/mixed 1:text/plain 1:text/plain", 0, "mime-limit" },
	{ "decoded budget", H "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
	  "aGVsbG8gd29ybGQgaGVsbG8gd29ybGQK\n", LIM(500, 20, 8),
	  "0:text/plain", 0, "mime-limit,mime-text-base64" },
	{ "charset mismatch", H "Content-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: 8bit\n\ncaf\xe9 cr\xe8me\n", STD,
	  "0:text/plain", 0, "mime-charset-mismatch" },
	{ "latin-1 declared", H "Content-Type: text/plain; charset=iso-8859-1\n"
	  "Content-Transfer-Encoding: 8bit\n\ncaf\xe9\n", STD, "0:text/plain", 0, "" },
	{ "gbk labelled gb2312", H "Content-Type: text/plain; charset=gb2312\n"
	  "Content-Transfer-Encoding: 8bit\n\n\x81\x40\xc4\xe3\n", STD, "0:text/plain", 0, "" },
	{ "text as base64", H "Content-Type: text/plain; charset=utf-8\n"
	  "Content-Transfer-Encoding: base64\n\naGVsbG8K\n", STD,
	  "0:text/plain", 0, "mime-text-base64" },
	{ "8-bit undeclared", H "Content-Type: text/plain; charset=utf-8\n\ncaf\xc3\xa9\n", STD,
	  "0:text/plain", 0, "mime-8bit-undeclared" },
};

/* flatten - "depth:type[@filename][!]" per part, space-separated */
static void flatten(const struct mime_tree *t, struct buf *b)
{
	size_t i;

	for (i = 0; i < t->nparts; i++) {
		const struct mime_part *p = &t->parts[i];

		buf_printf(b, "%s%u:%s", i ? " " : "", p->depth, p->type);
		if (p->filename != NULL)
			buf_printf(b, "@%s", p->filename);
		if (p->attachment)
			buf_putc(b, '!');
	}
}

static struct msg *parse(const char *text, size_t len)
{
	struct msg *m = msg_new(0);
	const char *err;

	if (m == NULL)
		abort();
	m->body_keep = 64 * 1024 * 1024;
	if (msg_parse(m, text, len, &err) < 0)
		abort();
	return m;
}

/* run_check - the mime check's findings as "id,id" */
static void run_check(struct msg *m, const struct mime_limits *lim, struct buf *ids,
    struct finding_list *fl)
{
	struct config cfg;
	static const struct check_env env = { .dns = NULL };
	struct check_ctx ctx;
	const char *err = NULL;
	size_t i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_mime_parts = lim->max_parts;
	cfg.max_mime_depth = lim->max_depth;
	cfg.max_decoded_bytes = lim->max_decoded;
	memset(&ctx, 0, sizeof(ctx));
	ctx.msg = m, ctx.cfg = &cfg, ctx.env = &env, ctx.findings = fl;
	ctx.now = time(NULL);
	ok(check_mime_ops.run(&ctx, &err) == 0, "check runs (%s)", err ? err : "");
	for (i = 0; i < fl->n; i++)
		buf_printf(ids, "%s%s", i ? "," : "", fl->v[i]->def->id);
	mime_free(&ctx.mime);
}

static void one_case(const struct tcase *c)
{
	struct msg *m = parse(c->text, strlen(c->text));
	struct mime_tree *t = NULL;
	struct buf parts = BUF_INIT, ids = BUF_INIT;
	struct finding_list fl = FINDING_LIST_INIT;
	const char *err;

	ok(mime_parse(m, &c->lim, &t, &err) == 0, "%s: parses", c->name);
	flatten(t, &parts);
	is_str(buf_cstr(&parts), c->parts, "%s: parts", c->name);
	is_int(t->problems, c->problems, "%s: problems", c->name);
	mime_free(&t);
	ok(t == NULL, "%s: freed", c->name);
	run_check(m, &c->lim, &ids, &fl);
	is_str(buf_cstr(&ids), c->findings, "%s: findings", c->name);
	if (fl.n > 0)
		printf("# %s: %s\n", fl.v[0]->def->id, fl.v[0]->summary);
	finding_list_free(&fl);
	buf_free(&parts);
	buf_free(&ids);
	msg_free(&m);
}

/* depth bomb: 200 nested multiparts stop at MaxMimeDepth, quickly */
static void test_depth_bomb(void)
{
	struct buf b = BUF_INIT, ids = BUF_INIT;
	struct mime_limits lim = STD;
	struct finding_list fl = FINDING_LIST_INIT;
	struct mime_tree *t = NULL;
	struct msg *m;
	const char *err;
	clock_t c0;
	int i;

	buf_puts(&b, H "Content-Type: multipart/mixed; boundary=b0\n\n");
	for (i = 1; i <= 200; i++)
		buf_printf(&b, "--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n", i - 1, i);
	m = parse(b.data, b.len);
	c0 = clock();
	ok(mime_parse(m, &lim, &t, &err) == 0, "bomb: parses");
	ok(t->limit_depth, "bomb: limit_depth");
	is_int(t->nparts, 21, "bomb: parts down to depth 20 listed");
	ok((clock() - c0) < CLOCKS_PER_SEC, "bomb: under a second");
	mime_free(&t);
	run_check(m, &lim, &ids, &fl);
	/* no multipart of the bomb is ever closed */
	is_str(buf_cstr(&ids), "mime-malformed,mime-limit", "bomb: findings");
	ok(fl.n > 0 && strstr(fl.v[fl.n - 1]->summary, "MaxMimeDepth (20)") != NULL,
	    "bomb: summary names the limit");
	finding_list_free(&fl);
	buf_free(&ids);
	buf_free(&b);
	msg_free(&m);
}

/* mime_content / mime_text: decoding, the per-call cap and the budget */
static void test_content(void)
{
	static const char text[] = H "Content-Type: multipart/mixed; boundary=c\n\n"
	    "--c\nContent-Type: text/plain; charset=iso-8859-1\n"
	    "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9 cr=E8me\n"
	    "--c\nContent-Type: application/octet-stream; name=a.bin\n"
	    "Content-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=\n--c--\n";
	struct mime_limits lim = LIM(500, 20, 20);
	struct msg *m = parse(text, sizeof(text) - 1);
	struct mime_tree *t = NULL;
	struct buf b = BUF_INIT;
	const char *err;
	bool trunc = true, cs = false;

	ok(mime_parse(m, &lim, &t, &err) == 0, "content: parses");
	ok(mime_text(t, 1, 0, &b, &cs, &err) == 0, "content: text");
	is_str(buf_cstr(&b), "caf\xc3\xa9 cr\xc3\xa8me", "content: QP latin-1 as UTF-8");
	ok(cs, "content: charset ok");
	buf_truncate(&b, 0);
	ok(mime_content(t, 2, 5, &b, &trunc, &err) == 0 && trunc, "content: capped at 5");
	is_str(buf_cstr(&b), "hello", "content: base64 decoded, first 5");
	ok(!t->limit_decoded, "content: a cap is not the budget");
	buf_truncate(&b, 0);
	ok(mime_content(t, 2, 0, &b, &trunc, &err) == 0 && trunc, "content: budget truncates");
	is_int(b.len, 20 - 10 - 5, "content: only what is left of MaxDecodedBytes");
	ok(t->limit_decoded, "content: limit_decoded set");
	is_int(t->decoded, 20, "content: decoded counted");
	buf_truncate(&b, 0);
	ok(mime_content(t, 0, 0, &b, &trunc, &err) == 0 && b.len == 0, "content: container empty");
	ok(mime_content(t, 99, 0, &b, &trunc, &err) == 0 && b.len == 0, "content: bad index");
	is_str(t->parts[0].boundary, "c", "content: boundary kept");
	is_int(t->parts[2].encoded_size, 16, "content: encoded size");
	mime_free(&t);
	mime_free(&t);
	buf_free(&b);
	msg_free(&m);
}

/* summaries carry the evidence: part index, type, file name, boundary */
static void test_evidence(void)
{
	static const struct { const char *text, *want; } ev[] = {
		{ H "Content-Type: multipart/mixed; boundary=EVB\n\n--EVB\n\nx\n",
		  "part 0 (multipart/mixed), boundary \"EVB\" never closed (no --EVB--)" },
		{ H "Content-Type: multipart/mixed; boundary=UN\n\nx\n",
		  "boundary \"UN\" declared but never used" },
		{ H "Content-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: text/plain; "
		  "name=\"r.txt\"\nContent-Transfer-Encoding: base64\n\naGk=\n--q--\n",
		  "text sent as base64: part 1 (text/plain \"r.txt\")" },
	};
	struct mime_limits lim = STD;
	size_t i;

	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		struct msg *m = parse(ev[i].text, strlen(ev[i].text));
		struct buf ids = BUF_INIT;
		struct finding_list fl = FINDING_LIST_INIT;

		run_check(m, &lim, &ids, &fl);
		ok(fl.n == 1 && strstr(fl.v[0]->summary, ev[i].want) != NULL,
		    "evidence %zu: %s", i, fl.n ? fl.v[0]->summary : "(none)");
		finding_list_free(&fl);
		buf_free(&ids);
		msg_free(&m);
	}
}

/* a body cut at MaxBodyBytes: its missing end is a limit, not damage */
static void test_truncated_body(void)
{
	static const char text[] = H "Content-Type: multipart/mixed; boundary=tb\n\n"
	    "--tb\nContent-Type: text/plain\n\nabcdefghijklmnopqrstuvwxyz\n--tb--\n";
	struct mime_limits lim = STD;
	struct finding_list fl = FINDING_LIST_INIT;
	struct buf ids = BUF_INIT;
	struct msg *m = msg_new(0);
	const char *err;

	m->body_keep = 40;
	msg_parse(m, text, sizeof(text) - 1, &err);
	ok(m->body_truncated, "truncated: body cut");
	run_check(m, &lim, &ids, &fl);
	is_str(buf_cstr(&ids), "mime-limit", "truncated: only mime-limit");
	ok(fl.n == 1 && strstr(fl.v[0]->summary, "MaxBodyBytes (40)") != NULL,
	    "truncated: %s", fl.n ? fl.v[0]->summary : "");
	finding_list_free(&fl);
	buf_free(&ids);
	msg_free(&m);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		one_case(&cases[i]);
	test_depth_bomb();
	test_content();
	test_evidence();
	test_truncated_body();
	return tap_done();
}

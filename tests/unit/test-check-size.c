/*
 * test-check-size - the size check: per-destination limits, Gmail's header
 * limits and the recipient count, each at its boundary.
 *
 * Most cases run against a hand-built struct config with the shipped
 * provider profiles ($PREFLIGHT_PROFILE_DIR or the source tree's
 * share/profiles: gmail 25M, microsoft 20M, yahoo 25M) and SizeLimit lines
 * known here, so boundaries and summaries are exact; a few run against
 * config_defaults() and config_load().
 * Bodies are streamed in chunks: msg keeps only statistics, so a 50 MiB
 * message costs no memory.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "profile.h"
#include "tap.h"

#define MIB ((uint64_t)1024 * 1024)
#define MAXR 8

/* SizeLimit lines: they win over the profiles' limits */
static struct config_size_limit override_limits[] = {
	{ (char *)"gmail.com", 50 * MIB },
	{ (char *)"small.example", 1 * MIB },
};

static char *skip_domains[] = { (char *)"internal.example", NULL };
static struct profile_set *profiles;

/* load_profiles - the shipped profiles, once */
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

/* test_config - a config with only what the size check reads */
static void test_config(struct config *c, struct config_size_limit *limits, size_t n)
{
	memset(c, 0, sizeof(*c));
	c->profiles = profiles;
	c->default_size_limit = 20 * MIB;
	c->size_limits = limits;
	c->nsize_limits = n;
	c->skip_rcpt_domains = skip_domains;
	c->max_recipients = 100;
	c->max_header_bytes = 1024 * 1024;
	c->tag_score = 1;
	c->hold_score = 10;
}

/* new_msg - a small well-formed message with the given recipients */
static struct msg *new_msg(const char *const *rcpts, uint64_t max_header_bytes)
{
	struct msg *m = msg_new(max_header_bytes);
	const char *err;
	size_t i;

	if (m == NULL)
		abort();
	msg_add_header(m, "From", "a@sender.example", &err);
	msg_add_header(m, "Date", "Mon, 3 Mar 2025 10:00:00 +0000", &err);
	msg_add_header(m, "Subject", "test", &err);
	for (i = 0; rcpts != NULL && i < MAXR && rcpts[i] != NULL; i++)
		msg_add_rcpt(m, rcpts[i], &err);
	return m;
}

/* feed_to - stream body bytes until msg_wire_size() is exactly wire */
static void feed_to(struct msg *m, uint64_t wire)
{
	static char chunk[65536];
	uint64_t left;
	size_t i;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = i % 78 == 76 ? '\r' : i % 78 == 77 ? '\n' : 'A';
	left = wire - msg_wire_size(m);
	while (left > 0) {
		size_t n = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);

		msg_body(m, chunk, n);
		left -= n;
	}
	msg_body_end(m);
}

/* run - the size check alone over m, after the destinations */
static int run(struct msg *m, const struct config *c, struct finding_list *l)
{
	static const struct check_env env = { .dns = NULL };
	struct check_ctx ctx = { .msg = m, .cfg = c, .env = &env, .findings = l, .now = 1700000000 };
	const char *err = NULL;
	int rc = check_dest_resolve(&ctx, &err);

	if (rc == 0)
		rc = check_size_ops.run(&ctx, &err);
	check_dest_free(&ctx);
	return rc;
}

static const struct finding *find(const struct finding_list *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i]->def->id, id) == 0)
			return l->v[i];
	return NULL;
}

/* providers - "gmail,microsoft,..." of a finding's predicted replies */
static void providers(const struct finding *f, char *out, size_t outsz)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; f != NULL && i < f->npredicted; i++)
		len += (size_t)snprintf(out + len, len < outsz ? outsz - len : 0, "%s%s",
		    i ? "," : "", f->predicted[i].provider);
}

static void test_catalogue(void)
{
	static const char *const ids[] = {
		"size-over-limit", "size-header-total", "size-header-value",
		"size-header-count", "size-message-id-length", "size-too-many-recipients",
	};
	const struct finding_def *d = check_size_ops.defs;
	size_t i;

	is_str(check_size_ops.name, "size", "check is named size");
	for (i = 0; i < 6; i++) {
		bool weak = i == 5;

		is_str(d[i].id, ids[i], "catalogue entry %zu is %s", i, ids[i]);
		ok(d[i].category == CAT_SIZE, "%s is in category size", ids[i]);
		ok(d[i].score == (weak ? 3 : 10) && d[i].certain == !weak,
		    "%s scores %d, certain=%d", ids[i], weak ? 3 : 10, !weak);
		ok(d[i].title != NULL && d[i].remedy != NULL, "%s has title and remedy", ids[i]);
	}
	ok(d[6].id == NULL, "catalogue ends after 6 entries");
	ok(strstr(d[0].remedy, "base64") != NULL && strstr(d[0].remedy, "18 MB") != NULL,
	    "size-over-limit remedy explains base64 overhead");
}

struct wire_case {
	const char *name;
	const char *rcpts[MAXR];
	uint64_t wire;
	int override;		/* use override_limits */
	const char *summary;	/* NULL = no size-over-limit expected */
	const char *providers;
	const char *first_reply;	/* NULL = not checked */
};

static const struct wire_case wire_cases[] = {
	{ "gmail at its limit", { "a@gmail.com" }, 25 * MIB, 0, NULL, NULL, NULL },
	{ "gmail one byte over", { "a@gmail.com" }, 25 * MIB + 1, 0,
	  "message is 25.0 MiB (26214401 bytes) on the wire; over the limit of gmail.com "
	  "(25 MiB, gmail) for 1 recipient", "gmail",
	  "552-5.3.4 The size of your message (26214401 bytes) exceeded Google's message "
	  "size limits of 26214400 bytes" },
	{ "outlook at its limit", { "a@outlook.com" }, 20 * MIB, 0, NULL, NULL, NULL },
	{ "outlook one byte over", { "a@outlook.com" }, 20 * MIB + 1, 0,
	  "message is 20.0 MiB (20971521 bytes) on the wire; over the limit of outlook.com "
	  "(20 MiB, microsoft) for 1 recipient", "microsoft,microsoft",
	  "552 5.3.4 Message size exceeds fixed maximum message size" },
	{ "no entry: DefaultSizeLimit, generic", { "b@example.org" }, 20 * MIB + 1, 0,
	  "message is 20.0 MiB (20971521 bytes) on the wire; over the limit of example.org "
	  "(20 MiB, generic) for 1 recipient", "generic",
	  "552 5.3.4 Message size exceeds fixed maximum message size" },
	{ "mixed: all exceeded, grouped", { "a@gmail.com", "b@outlook.com", "c@gmail.com" },
	  28415000, 0,
	  "message is 27.1 MiB (28415000 bytes) on the wire; over the limit of gmail.com "
	  "(25 MiB, gmail) for 2 recipients, outlook.com (20 MiB, microsoft) for 1",
	  "gmail,microsoft,microsoft",
	  "552-5.3.4 The size of your message (28415000 bytes) exceeded Google's message "
	  "size limits of 26214400 bytes" },
	{ "mixed: only the smaller limits exceeded",
	  { "a@gmail.com", "b@outlook.com", "c@gmail.com", "d@example.org" }, 21 * MIB, 0,
	  "message is 21 MiB (22020096 bytes) on the wire; over the limit of outlook.com "
	  "(20 MiB, microsoft) for 1 recipient, example.org (20 MiB, generic) for 1",
	  "microsoft,microsoft,generic", NULL },
	{ "mixed: under every limit", { "a@gmail.com", "b@outlook.com", "d@example.org" },
	  20 * MIB, 0, NULL, NULL, NULL },
	{ "a profile groups its domains", { "a@hotmail.com", "b@hotmail.fr" }, 21 * MIB, 0,
	  "message is 21 MiB (22020096 bytes) on the wire; over the limit of hotmail.com, "
	  "hotmail.fr (20 MiB, microsoft) for 2 recipients", "microsoft,microsoft", NULL },
	{ "one reply per provider", { "a@gmail.com", "b@googlemail.com" }, 26 * MIB, 1,
	  "message is 26 MiB (27262976 bytes) on the wire; over the limit of googlemail.com "
	  "(25 MiB, gmail) for 1 recipient", "gmail", NULL },
	{ "SizeLimit line and profile: two groups, one reply",
	  { "a@gmail.com", "b@googlemail.com" }, 51 * MIB, 1,
	  "message is 51 MiB (53477376 bytes) on the wire; over the limit of gmail.com "
	  "(50 MiB, gmail) for 1 recipient, googlemail.com (25 MiB, gmail) for 1", "gmail", NULL },
	{ "a recipient of no profile domain: generic", { "a@hotmail.example" }, 21 * MIB, 0,
	  "message is 21 MiB (22020096 bytes) on the wire; over the limit of hotmail.example "
	  "(20 MiB, generic) for 1 recipient", "generic", NULL },
	{ "yahoo gets the RFC 3463 text", { "a@yahoo.com" }, 25 * MIB + 1, 0,
	  "message is 25.0 MiB (26214401 bytes) on the wire; over the limit of yahoo.com "
	  "(25 MiB, yahoo) for 1 recipient", "yahoo",
	  "552 5.3.4 Message size exceeds fixed maximum message size" },
	{ "domain case does not matter", { "a@GMail.COM" }, 25 * MIB + 1, 0,
	  "message is 25.0 MiB (26214401 bytes) on the wire; over the limit of GMail.COM "
	  "(25 MiB, gmail) for 1 recipient", "gmail", NULL },
	{ "many default domains are shortened",
	  { "a@a.example", "b@b.example", "c@c.example", "d@d.example", "e@a.example" },
	  21 * MIB, 0,
	  "message is 21 MiB (22020096 bytes) on the wire; over the limit of a.example, "
	  "b.example, c.example and other domains (20 MiB, generic) for 5 recipients",
	  "generic", NULL },
	{ "skip domain alone", { "a@internal.example" }, 30 * MIB, 0, NULL, NULL, NULL },
	{ "skip domain is case-insensitive", { "a@Internal.Example" }, 30 * MIB, 0,
	  NULL, NULL, NULL },
	{ "skip domain next to gmail", { "a@internal.example", "b@gmail.com" }, 26 * MIB, 0,
	  "message is 26 MiB (27262976 bytes) on the wire; over the limit of gmail.com "
	  "(25 MiB, gmail) for 1 recipient", "gmail", NULL },
	{ "no recipients: DefaultSizeLimit", { NULL }, 20 * MIB + 1, 0,
	  "message is 20.0 MiB (20971521 bytes) on the wire; over the limit of any "
	  "destination (20 MiB, generic) (no envelope recipients given)", "generic", NULL },
	{ "no recipients at DefaultSizeLimit", { NULL }, 20 * MIB, 0, NULL, NULL, NULL },
	{ "SizeLimit raises gmail: under", { "a@gmail.com" }, 30 * MIB, 1, NULL, NULL, NULL },
	{ "SizeLimit raises gmail: at", { "a@gmail.com" }, 50 * MIB, 1, NULL, NULL, NULL },
	{ "SizeLimit raises gmail: over, still Google's reply", { "a@gmail.com" },
	  50 * MIB + 1, 1,
	  "message is 50.0 MiB (52428801 bytes) on the wire; over the limit of gmail.com "
	  "(50 MiB, gmail) for 1 recipient", "gmail",
	  "552-5.3.4 The size of your message (52428801 bytes) exceeded Google's message "
	  "size limits of 52428800 bytes" },
	{ "SizeLimit lowers a domain", { "a@small.example" }, 1 * MIB + 1, 1,
	  "message is 1.0 MiB (1048577 bytes) on the wire; over the limit of small.example "
	  "(1 MiB, generic) for 1 recipient", "generic", NULL },
	{ "SizeLimit lowered domain at its limit", { "a@small.example" }, 1 * MIB, 1,
	  NULL, NULL, NULL },
};

static void test_wire(void)
{
	struct config c;
	size_t i;

	for (i = 0; i < sizeof(wire_cases) / sizeof(wire_cases[0]); i++) {
		const struct wire_case *t = &wire_cases[i];
		struct finding_list l = FINDING_LIST_INIT;
		const struct finding *f;
		struct msg *m = new_msg(t->rcpts, 0);
		char prov[128];

		if (t->override)
			test_config(&c, override_limits, 2);
		else
			test_config(&c, NULL, 0);
		feed_to(m, t->wire);
		is_int(msg_wire_size(m), t->wire, "%s: wire size built", t->name);
		is_int(run(m, &c, &l), 0, "%s: runs", t->name);
		f = find(&l, "size-over-limit");
		if (t->summary == NULL) {
			ok(f == NULL, "%s: no size-over-limit", t->name);
		} else {
			is_str(f ? f->summary : NULL, t->summary, "%s: summary", t->name);
			providers(f, prov, sizeof(prov));
			is_str(prov, t->providers, "%s: predicted providers", t->name);
			if (t->first_reply != NULL)
				is_str(f && f->npredicted ? f->predicted[0].reply : NULL,
				    t->first_reply, "%s: reply text", t->name);
		}
		is_int(l.n, t->summary ? 1 : 0, "%s: nothing else found", t->name);
		finding_list_free(&l);
		msg_free(&m);
	}
}

/* add_header_len - a header whose value is exactly vlen bytes */
static void add_header_len(struct msg *m, const char *name, size_t vlen)
{
	char *v = malloc(vlen + 1);
	const char *err;

	memset(v, 'v', vlen);
	v[vlen] = '\0';
	msg_add_header(m, name, v, &err);
	free(v);
}

/* pad_headers_to - add X-Pad headers of at most 30000 bytes until
 * header_bytes is exactly total */
static void pad_headers_to(struct msg *m, uint64_t total)
{
	const size_t overhead = strlen("X-Pad") + 4;	/* ": " and CRLF */

	while (total - m->header_bytes > 30000 + 100)
		add_header_len(m, "X-Pad", 30000);
	add_header_len(m, "X-Pad", (size_t)(total - m->header_bytes) - overhead);
}

enum hkind { H_TOTAL, H_VALUE, H_COUNT, H_COUNT_DROPPED, H_MSGID };

struct header_case {
	const char *name;
	enum hkind kind;
	const char *hname;	/* H_VALUE: header to grow */
	uint64_t n;		/* bytes, headers or characters */
	const char *id;		/* expected finding, NULL = none */
	const char *summary;
};

static const struct header_case header_cases[] = {
	{ "headers total at 500 KB", H_TOTAL, NULL, 512000, NULL, NULL },
	{ "headers total one byte over", H_TOTAL, NULL, 512001, "size-header-total",
	  "headers take 512001 bytes, over Gmail's limit of 512000 bytes (500 KB)" },
	{ "Subject value at 32 KB", H_VALUE, "Subject", 32768, NULL, NULL },
	{ "Subject value one byte over", H_VALUE, "Subject", 32769, "size-header-value",
	  "Subject header value is 32769 bytes, over Gmail's 32768-byte limit per header "
	  "(1 header over)" },
	{ "custom header over", H_VALUE, "X-Report", 40000, "size-header-value",
	  "X-Report header value is 40000 bytes, over Gmail's 32768-byte limit per header "
	  "(1 header over)" },
	{ "To is exempt", H_VALUE, "To", 40000, NULL, NULL },
	{ "cc is exempt, any case", H_VALUE, "cc", 40000, NULL, NULL },
	{ "References is exempt", H_VALUE, "References", 40000, NULL, NULL },
	{ "5000 headers", H_COUNT, NULL, 5000, NULL, NULL },
	{ "5001 headers", H_COUNT, NULL, 5001, "size-header-count",
	  "5001 headers, over Gmail's limit of 5000" },
	{ "5001 headers, most dropped by the hostile-input cap", H_COUNT_DROPPED, NULL, 5001,
	  "size-header-count", "5001 headers, over Gmail's limit of 5000" },
	{ "5000 headers, most dropped", H_COUNT_DROPPED, NULL, 5000, NULL, NULL },
	{ "Message-ID of 500 characters", H_MSGID, NULL, 500, NULL, NULL },
	{ "Message-ID of 501 characters", H_MSGID, NULL, 501, "size-message-id-length",
	  "Message-ID is 501 characters, over Gmail's limit of 500" },
};

/* build_header_case - the message for one header case */
static struct msg *build_header_case(const struct header_case *t)
{
	static const char *const rcpt[] = { "a@gmail.com", NULL };
	struct msg *m = new_msg(rcpt, t->kind == H_COUNT_DROPPED ? 2000 : 0);
	const char *err;
	uint64_t i;

	switch (t->kind) {
	case H_TOTAL:
		pad_headers_to(m, t->n);
		break;
	case H_VALUE:
		add_header_len(m, t->hname, (size_t)t->n);
		break;
	case H_COUNT:
	case H_COUNT_DROPPED:
		for (i = m->nhdrs + m->headers_dropped; i < t->n; i++)
			msg_add_header(m, "X-N", "1", &err);
		break;
	case H_MSGID: {
		char *v = malloc((size_t)t->n + 1);

		memset(v, 'x', (size_t)t->n);
		v[0] = '<';
		memcpy(v + t->n - 13, "@example.com>", 13);
		v[t->n] = '\0';
		msg_add_header(m, "Message-ID", v, &err);
		free(v);
		break;
	}
	}
	return m;
}

static void test_headers(void)
{
	struct config c;
	size_t i;

	test_config(&c, NULL, 0);
	for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		const struct header_case *t = &header_cases[i];
		struct finding_list l = FINDING_LIST_INIT;
		struct msg *m = build_header_case(t);
		const struct finding *f;

		if (t->kind == H_TOTAL)
			is_int(m->header_bytes, t->n, "%s: header bytes built", t->name);
		if (t->kind == H_COUNT || t->kind == H_COUNT_DROPPED)
			is_int(m->nhdrs + m->headers_dropped, t->n, "%s: headers built", t->name);
		if (t->kind == H_COUNT_DROPPED)
			ok(m->headers_dropped > 4000, "%s: most headers dropped", t->name);
		feed_to(m, msg_wire_size(m) + 10);
		is_int(run(m, &c, &l), 0, "%s: runs", t->name);
		is_int(l.n, t->id ? 1 : 0, "%s: %s", t->name, t->id ? "one finding" : "no finding");
		if (t->id != NULL) {
			f = find(&l, t->id);
			is_str(f ? f->summary : NULL, t->summary, "%s: %s summary", t->name, t->id);
			ok(f != NULL && f->npredicted >= 1 &&
			    strcmp(f->predicted[0].provider, "gmail") == 0 &&
			    strncmp(f->predicted[0].reply, "552-5.3.4 ", 10) == 0,
			    "%s: predicts Gmail's 552 5.3.4", t->name);
		}
		finding_list_free(&l);
		msg_free(&m);
	}
}

static void test_header_value_reply(void)
{
	static const char *const rcpt[] = { "a@gmail.com", NULL };
	struct config c;
	struct finding_list l = FINDING_LIST_INIT;
	struct msg *m = new_msg(rcpt, 0);
	const struct finding *f;

	test_config(&c, NULL, 0);
	add_header_len(m, "X-Small", 40000);
	add_header_len(m, "X-Big", 50000);
	run(m, &c, &l);
	f = find(&l, "size-header-value");
	is_str(f ? f->summary : NULL, "X-Big header value is 50000 bytes, over Gmail's "
	    "32768-byte limit per header (2 headers over)", "largest of two values is named");
	is_str(f && f->npredicted ? f->predicted[0].reply : NULL,
	    "552-5.3.4 The size of the X-Big header value (50000 bytes) exceeds Google's "
	    "limit of 32768 bytes per individual header size", "reply names header and sizes");
	finding_list_free(&l);
	msg_free(&m);
}

struct rcpt_case {
	const char *name;
	unsigned max;
	size_t n;
	bool expect;
};

static const struct rcpt_case rcpt_cases[] = {
	{ "100 recipients, MaxRecipients 100", 100, 100, false },
	{ "101 recipients, MaxRecipients 100", 100, 101, true },
	{ "2 recipients, MaxRecipients 1", 1, 2, true },
	{ "500 recipients, MaxRecipients 0 (off)", 0, 500, false },
};

static void test_recipients(void)
{
	struct config c;
	size_t i, j;

	for (i = 0; i < sizeof(rcpt_cases) / sizeof(rcpt_cases[0]); i++) {
		const struct rcpt_case *t = &rcpt_cases[i];
		struct finding_list l = FINDING_LIST_INIT;
		struct msg *m = new_msg(NULL, 0);
		const struct finding *f;
		const char *err;
		char want[128];

		test_config(&c, NULL, 0);
		c.max_recipients = t->max;
		for (j = 0; j < t->n; j++) {
			char a[64];

			snprintf(a, sizeof(a), "<u%zu@example.org>", j);
			msg_add_rcpt(m, a, &err);
		}
		is_int(run(m, &c, &l), 0, "%s: runs", t->name);
		f = find(&l, "size-too-many-recipients");
		is_int(l.n, t->expect ? 1 : 0, "%s: findings", t->name);
		if (t->expect) {
			snprintf(want, sizeof(want),
			    "%zu envelope recipients, more than MaxRecipients %u", t->n, t->max);
			is_str(f ? f->summary : NULL, want, "%s: summary", t->name);
			ok(f != NULL && f->score == 3 && f->npredicted == 2,
			    "%s: score 3, Gmail's two recipient-count replies", t->name);
		}
		finding_list_free(&l);
		msg_free(&m);
	}
}

/* test_builtins - the shipped defaults know Gmail and Microsoft */
static void test_builtins(void)
{
	static const char *const rcpts[] = { "a@gmail.com", "b@outlook.com", NULL };
	struct config *c = config_defaults();
	const struct profile *p;
	struct finding_list l = FINDING_LIST_INIT;
	const struct finding *f;
	uint64_t gmail;
	struct msg *m;
	char prov[128];

	ok(c != NULL, "config_defaults");
	if (c == NULL)
		return;
	p = profile_by_domain(c->profiles, "gmail.com");
	gmail = p != NULL ? p->size_limit : 0;
	is_int(gmail, 25 * MIB, "the gmail profile's SizeLimit");
	is_int(c->default_size_limit, 20 * MIB, "DefaultSizeLimit is 20M");
	m = new_msg(rcpts, 0);
	feed_to(m, gmail);
	run(m, c, &l);
	f = find(&l, "size-over-limit");
	providers(f, prov, sizeof(prov));
	ok(f == NULL || strstr(prov, "gmail") == NULL, "defaults: gmail at its limit not predicted");
	finding_list_free(&l);
	feed_to(m, gmail + 1);
	run(m, c, &l);
	f = find(&l, "size-over-limit");
	providers(f, prov, sizeof(prov));
	ok(f != NULL && strstr(prov, "gmail") != NULL, "defaults: gmail one byte over predicted");
	finding_list_free(&l);
	msg_free(&m);
	config_unref(&c);
}

/* test_sizelimit_file - SizeLimit and SkipRecipientDomains read from a file */
static void test_sizelimit_file(void)
{
	static const char *const rcpts[] = { "a@gmail.com", "b@corp.example", NULL };
	char path[] = "/tmp/test-check-size-XXXXXX";
	struct config *c = NULL;
	struct finding_list l = FINDING_LIST_INIT;
	const struct finding *f;
	char *err = NULL;
	struct msg *m;
	FILE *fp;
	int rc, fd = mkstemp(path);

	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		ok(0, "temporary config file");
		return;
	}
	fprintf(fp, "SizeLimit gmail.com 40M\nSkipRecipientDomains corp.example\n");
	fclose(fp);
	rc = config_load(path, &c, &err);
	ok(rc == 0, "config with SizeLimit loads (%s)", err ? err : "ok");
	unlink(path);
	free(err);
	if (c == NULL)
		return;
	m = new_msg(rcpts, 0);
	feed_to(m, 40 * MIB);
	run(m, c, &l);
	ok(find(&l, "size-over-limit") == NULL, "SizeLimit 40M: 40 MiB to gmail.com passes");
	finding_list_free(&l);
	feed_to(m, 40 * MIB + 1);
	run(m, c, &l);
	f = find(&l, "size-over-limit");
	ok(f != NULL && strstr(f->summary, "gmail.com (40 MiB") != NULL &&
	    strstr(f->summary, "corp.example") == NULL,
	    "SizeLimit 40M: one byte over names gmail.com only (%s)", f ? f->summary : "none");
	finding_list_free(&l);
	msg_free(&m);
	config_unref(&c);
}

int main(void)
{
	load_profiles();
	test_catalogue();
	test_wire();
	test_headers();
	test_header_value_reply();
	test_recipients();
	test_builtins();
	test_sizelimit_file();
	profile_set_free(&profiles);
	return tap_done();
}

/*
 * profile_file - read one provider profile file (preflight-profiles(5)).
 *
 * The lexical rules are preflight.conf's: one "Key value" a line, '#'
 * comments after whitespace, double-quoted values with \" and \\, lines
 * read into a fixed buffer (an overlong line or a NUL byte is an error).
 * Top-level keys come first; "Reply <code> <status|-> <reason>" opens a
 * reply entry and the reply keys after it belong to it until the next
 * Reply.  List keys may be repeated (their lines add up); any other key
 * given twice in the same scope is an error, as in preflight.conf.  The
 * first error stops the file: "file:line: Key: reason".
 */
#define _GNU_SOURCE		/* the thread-safe GNU strerror_r */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "check.h"
#include "profile_impl.h"

#define LINE_BYTES_MAX 4096
#define REPLIES_MAX 1000
#define LIST_MAX 10000
#define NAME_MAX_LEN 32
#define TYPE_MAX_LEN 16

enum pkey {
	K_NAME, K_DESCRIPTION, K_DOMAINS, K_MX, K_SIZELIMIT, K_BLOCKEDTYPES, K_BULK,
	K_REPLY, K_TEXT, K_MATCH, K_CAUSE, K_REMEDY, K_DOC, K_FINDINGS, K_COUNT
};

static const struct {
	const char *name;
	bool in_reply;		/* a key of a Reply entry */
	bool list;		/* repeatable: the lines add up */
} keys[K_COUNT] = {
	[K_NAME] = { "Name", false, false },
	[K_DESCRIPTION] = { "Description", false, false },
	[K_DOMAINS] = { "Domains", false, true },
	[K_MX] = { "MX", false, true },
	[K_SIZELIMIT] = { "SizeLimit", false, false },
	[K_BLOCKEDTYPES] = { "BlockedTypes", false, true },
	[K_BULK] = { "BulkThreshold", false, false },
	[K_REPLY] = { "Reply", false, true },
	[K_TEXT] = { "Text", true, false },
	[K_MATCH] = { "Match", true, false },
	[K_CAUSE] = { "Cause", true, false },
	[K_REMEDY] = { "Remedy", true, false },
	[K_DOC] = { "Doc", true, false },
	[K_FINDINGS] = { "Findings", true, true },
};

/* sisimai's reason taxonomy (go-sisimai reason/lib.go) */
static const char *const reasons[] = {
	"authfailure", "badreputation", "blocked", "contenterror", "exceedlimit",
	"expired", "failedstarttls", "feedback", "filtered", "hasmoved", "hostunknown",
	"mailboxfull", "mailererror", "mesgtoobig", "networkerror", "norelaying",
	"notaccept", "notcompliantrfc", "onhold", "policyviolation", "rejected",
	"requireptr", "securityerror", "spamdetected", "speeding", "suppressed",
	"suspend", "syntaxerror", "systemerror", "systemfull", "toomanyconn",
	"undefined", "userunknown", "vacation", "virusdetected", NULL
};

struct pfile {
	const char *path;
	unsigned line;
	struct profile_data *pd;
	unsigned seen[K_COUNT];	/* line a key was given on in this scope; 0 = not */
	char *match;		/* the open reply's Match, until it is compiled */
	char *error;
};

/* fail - record "file:line: Key: reason" (line 0 and key NULL are left out) */
__attribute__((format(printf, 3, 4)))
static int fail(struct pfile *pf, const char *key, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (pf->error != NULL)
		return -1;
	buf_printf(&b, pf->line > 0 ? "%s:%u: " : "%s: ", pf->path, pf->line);
	if (key != NULL)
		buf_printf(&b, "%s: ", key);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	pf->error = buf_steal(&b);
	buf_free(&b);
	return -1;
}

/* split_line - key and value in place: 0 blank, 1 plain, 2 quoted, -1 bad */
static int split_line(char *p, char **key_r, char **value_r, const char **why_r)
{
	char *v, *out;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	for (*key_r = p; *p != '\0' && !isspace((unsigned char)*p); p++)
		;
	if (*p != '\0')
		*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	*value_r = v = p;
	if (*p != '"') {
		while (*p != '\0' && !(*p == '#' && (p == v || isspace((unsigned char)p[-1]))))
			p++;
		while (p > v && isspace((unsigned char)p[-1]))
			p--;
		*p = '\0';
		return 1;
	}
	for (*value_r = out = ++p; *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		if (*p == '\0')
			return *why_r = "missing closing quote", -1;
		*out++ = *p;
	}
	*out = '\0';
	for (p++; isspace((unsigned char)*p); p++)
		;
	if (*p != '\0' && *p != '#')
		return *why_r = "text after the closing quote", -1;
	return 2;
}

/* domain_ok - LDH labels separated by dots, none empty, at most 253 bytes */
static bool domain_ok(const char *d, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		if (d[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)d[i]) || d[i] == '-') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0;
}

static bool type_ok(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || len > TYPE_MAX_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '-')
			return false;
	return true;
}

static bool finding_ok(const char *id, size_t len)
{
	char tmp[80];

	if (len >= sizeof(tmp))
		return false;
	memcpy(tmp, id, len);
	tmp[len] = '\0';
	if (strncmp(tmp, "rule-", 5) == 0 && len > 5)
		return true;
	return check_find_def(tmp) != NULL;
}

/* word_ok - one word of list key k is valid; *what_r says what it is not */
static bool word_ok(enum pkey k, const char *w, size_t len, const char **what_r)
{
	switch (k) {
	case K_DOMAINS:
		*what_r = "not a domain";
		return domain_ok(w, len);
	case K_MX:
		*what_r = "not a host name or *.domain pattern";
		if (len > 2 && strncmp(w, "*.", 2) == 0)
			return domain_ok(w + 2, len - 2);
		return domain_ok(w, len);
	case K_BLOCKEDTYPES:
		*what_r = "not a file extension";
		return type_ok(w, len);
	default:
		*what_r = "no such finding id";
		return finding_ok(w, len);
	}
}

/* set_list - add each blank-separated word of v to sv (lowercased, but
 * finding ids) */
static int set_list(struct pfile *pf, enum pkey k, struct profile_strv *sv, char *v)
{
	const char *what;
	size_t len, i;
	char *w;

	while (*v != '\0') {
		for (w = v; *v != '\0' && !isspace((unsigned char)*v); v++)
			;
		len = (size_t)(v - w);
		while (isspace((unsigned char)*v))
			v++;
		if (k == K_BLOCKEDTYPES && len > 1 && *w == '.')
			w++, len--;
		if (k != K_FINDINGS)
			for (i = 0; i < len; i++)
				w[i] = (char)tolower((unsigned char)w[i]);
		if (!word_ok(k, w, len, &what))
			return fail(pf, keys[k].name, "%s: '%.*s'", what, (int)len, w);
		if (sv->n >= LIST_MAX)
			return fail(pf, keys[k].name, "more than %d entries", LIST_MAX);
		if (profile_strv_add(sv, w, len) < 0)
			return fail(pf, keys[k].name, "out of memory");
	}
	return 0;
}

/* set_size - digits and an optional K, M or G (powers of 1024) */
static int set_size(struct pfile *pf, const char *v)
{
	static const char units[] = "kmg";
	uint64_t n = 0, mul = 1;
	size_t len = strlen(v), i;
	const char *u;

	if (len > 0 && (u = strchr(units, tolower((unsigned char)v[len - 1]))) != NULL) {
		mul = (uint64_t)1 << (10 * (u - units + 1));
		len--;
	}
	for (i = 0; i < len && isdigit((unsigned char)v[i]); i++) {
		if (n > (UINT64_MAX - 9) / 10)
			break;
		n = n * 10 + (uint64_t)(v[i] - '0');
	}
	if (len == 0 || i < len || n == 0 || n > UINT64_MAX / mul)
		return fail(pf, "SizeLimit", "not a size (a number above 0 with an optional "
		    "K, M or G): '%s'", v);
	pf->pd->pub.size_limit = n * mul;
	return 0;
}

/* set_bulk - "COUNT/DURATION" (5000/1d): messages from one From domain in
 * the window that make it a bulk sender to this receiver */
static int set_bulk(struct pfile *pf, const char *v)
{
	static const char units[] = "smhd";
	static const unsigned mul[] = { 1, 60, 3600, 86400 };
	unsigned long long n, w;
	char unit = 's', extra;
	const char *slash = strchr(v, '/'), *u;
	int k = sscanf(v, "%llu/%llu%c%c", &n, &w, &unit, &extra);

	u = strchr(units, unit);
	if (!isdigit((unsigned char)v[0]) || slash == NULL || !isdigit((unsigned char)slash[1]) ||
	    k < 2 || k > 3 || u == NULL || *u == '\0' || n == 0 || n > UINT_MAX || w == 0 ||
	    w > UINT_MAX / mul[u - units])
		return fail(pf, "BulkThreshold", "not COUNT/DURATION (e.g. 5000/1d): '%s'", v);
	pf->pd->pub.bulk_count = (unsigned)n;
	pf->pd->pub.bulk_window = (unsigned)(w * mul[u - units]);
	return 0;
}

/* set_name - lowercase letters, digits and '-', starting with a letter */
static int set_name(struct pfile *pf, const char *v)
{
	size_t i, len = strlen(v);

	for (i = 0; i < len; i++)
		if (!(islower((unsigned char)v[i]) || (i > 0 && (isdigit((unsigned char)v[i]) ||
		    v[i] == '-'))))
			break;
	if (len == 0 || len > NAME_MAX_LEN || i < len)
		return fail(pf, "Name", "'%s' is not a profile name (lowercase letters, "
		    "digits and '-', starting with a letter, at most %d)", v, NAME_MAX_LEN);
	return (pf->pd->name = strdup(v)) == NULL ? fail(pf, "Name", "out of memory") : 0;
}

/* cur - the open reply entry */
static struct profile_reply *cur(struct pfile *pf)
{
	return &pf->pd->replies[pf->pd->nreplies - 1];
}

/* compile - the open reply's Match (or its Text, literally) */
static int compile(struct pfile *pf, struct profile_reply_x *x, const char *text)
{
	/* PCRE2_LITERAL takes no other option but CASELESS */
	uint32_t opts = PCRE2_CASELESS | (pf->match ? PCRE2_DOTALL : PCRE2_LITERAL);
	const char *pat = pf->match ? pf->match : text;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int err;

	x->code = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &err, &off, NULL);
	if (x->code == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		if (pf->match != NULL)
			pf->line = pf->seen[K_MATCH];
		return fail(pf, "Match", "bad pattern: %s at offset %zu", (const char *)msg,
		    (size_t)off);
	}
	/* JIT only makes it faster: the interpreter runs under the same limits */
	(void)pcre2_jit_compile(x->code, PCRE2_JIT_COMPLETE);
	return 0;
}

/* close_reply - check and compile the open reply entry, if any */
static int close_reply(struct pfile *pf)
{
	struct profile_data *pd = pf->pd;
	struct profile_reply *r;
	struct profile_reply_x *x;
	unsigned at = pf->line;
	int rc = 0;

	if (pd->nreplies == 0 || pd->rx[pd->nreplies - 1].code != NULL)
		return 0;
	r = cur(pf);
	x = &pd->rx[pd->nreplies - 1];
	pf->line = x->line;
	if (r->text == NULL || r->cause == NULL || r->remedy == NULL)
		rc = fail(pf, "Reply", "%s missing (every Reply needs Text, Cause and Remedy)",
		    r->text == NULL ? "Text" : r->cause == NULL ? "Cause" : "Remedy");
	else if ((r->doc == NULL && (r->doc = strdup("")) == NULL))
		rc = fail(pf, "Reply", "out of memory");
	else
		rc = compile(pf, x, r->text);
	free(pf->match);
	pf->match = NULL;
	pf->line = at;
	return rc;
}

/* status_ok - an RFC 3463 enhanced status code: class.subject.detail */
static bool status_ok(const char *s)
{
	size_t part, n;

	if (*s != '2' && *s != '4' && *s != '5')
		return false;
	for (part = 0, s++; part < 2; part++) {
		if (*s++ != '.')
			return false;
		n = strspn(s, "0123456789");
		if (n == 0 || n > 3)
			return false;
		s += n;
	}
	return *s == '\0';
}

/* open_reply - "Reply <code> <status|-> <reason>" */
static int open_reply(struct pfile *pf, char *v)
{
	struct profile_data *pd = pf->pd;
	char code[8], status[16], reason[32], extra[2];
	struct profile_reply *r;
	size_t i;
	int n;

	if (close_reply(pf) < 0)
		return -1;
	n = sscanf(v, "%7s %15s %31s %1s", code, status, reason, extra);
	if (n != 3)
		return fail(pf, "Reply", "expected: <code> <status|-> <reason>");
	if (strlen(code) != 3 || !isdigit((unsigned char)code[1]) ||
	    !isdigit((unsigned char)code[2]) || (code[0] != '4' && code[0] != '5'))
		return fail(pf, "Reply", "'%s' is not a 4xx or 5xx reply code", code);
	if (strcmp(status, "-") != 0 && !status_ok(status))
		return fail(pf, "Reply", "'%s' is not an enhanced status code (like 5.7.26) or '-'",
		    status);
	for (i = 0; reasons[i] != NULL && strcmp(reasons[i], reason) != 0; i++)
		;
	if (reasons[i] == NULL)
		return fail(pf, "Reply", "'%s' is not a sisimai reason (authfailure, blocked, "
		    "mesgtoobig, ... see preflight-profiles(5))", reason);
	if (pd->nreplies >= REPLIES_MAX)
		return fail(pf, "Reply", "more than %d replies", REPLIES_MAX);
	if (pd->nreplies == pd->cap) {
		size_t cap = pd->cap ? pd->cap * 2 : 16;
		struct profile_reply *rv = realloc(pd->replies, cap * sizeof(*rv));
		struct profile_reply_x *xv;

		if (rv != NULL)
			pd->replies = rv;
		if (rv == NULL || (xv = realloc(pd->rx, cap * sizeof(*xv))) == NULL)
			return fail(pf, "Reply", "out of memory");
		pd->rx = xv;
		pd->cap = cap;
	}
	r = &pd->replies[pd->nreplies];
	memset(r, 0, sizeof(*r));
	memset(&pd->rx[pd->nreplies], 0, sizeof(pd->rx[0]));
	pd->rx[pd->nreplies++].line = pf->line;
	r->code = atoi(code);
	r->status = strdup(strcmp(status, "-") == 0 ? "" : status);
	r->reason = strdup(reason);
	memset(pf->seen + K_TEXT, 0, (K_COUNT - K_TEXT) * sizeof(pf->seen[0]));
	return r->status == NULL || r->reason == NULL ? fail(pf, "Reply", "out of memory") : 0;
}

/* set_reply_key - Text, Match, Cause, Remedy, Doc or Findings of the open reply */
static int set_reply_key(struct pfile *pf, enum pkey k, char *v)
{
	struct profile_reply *r = cur(pf);
	const char **field = k == K_TEXT ? &r->text : k == K_CAUSE ? &r->cause :
	    k == K_REMEDY ? &r->remedy : &r->doc;

	if (k == K_FINDINGS)
		return set_list(pf, k, &pf->pd->rx[pf->pd->nreplies - 1].findings, v);
	if (k == K_DOC && strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0)
		return fail(pf, "Doc", "not an http(s) URL: '%s'", v);
	if (k == K_MATCH)
		return (pf->match = strdup(v)) == NULL ? fail(pf, "Match", "out of memory") : 0;
	return (*field = strdup(v)) == NULL ? fail(pf, keys[k].name, "out of memory") : 0;
}

/* do_line - one line: split, find the key, check its scope, set */
static int do_line(struct pfile *pf, char *line)
{
	struct profile_data *pd = pf->pd;
	const char *why = NULL;
	char *key, *v;
	enum pkey k;
	int r;

	if ((r = split_line(line, &key, &v, &why)) <= 0)
		return r == 0 ? 0 : fail(pf, NULL, "%s", why);
	for (k = 0; k < K_COUNT && strcasecmp(keys[k].name, key) != 0; k++)
		;
	if (k == K_COUNT)
		return fail(pf, key, "unknown key");
	if (r == 1 && *v == '\0')
		return fail(pf, keys[k].name, "missing value");
	if (keys[k].in_reply && pd->nreplies == 0)
		return fail(pf, keys[k].name, "outside a Reply entry (write Reply first)");
	if (!keys[k].in_reply && k != K_REPLY && pd->nreplies > 0)
		return fail(pf, keys[k].name, "top-level key after a Reply entry (top-level "
		    "keys come first)");
	if (!keys[k].list && pf->seen[k] != 0)
		return fail(pf, keys[k].name, "given twice (first at line %u)", pf->seen[k]);
	pf->seen[k] = pf->line;
	switch (k) {
	case K_NAME:		return set_name(pf, v);
	case K_DESCRIPTION:
		return (pd->description = strdup(v)) == NULL ? fail(pf, key, "out of memory") : 0;
	case K_DOMAINS:		return set_list(pf, k, &pd->domains, v);
	case K_MX:		return set_list(pf, k, &pd->mx, v);
	case K_SIZELIMIT:	return set_size(pf, v);
	case K_BULK:		return set_bulk(pf, v);
	case K_BLOCKEDTYPES:	return set_list(pf, k, &pd->types, v);
	case K_REPLY:		return open_reply(pf, v);
	default:		return set_reply_key(pf, k, v);
	}
}

/* read_lines - every line of f through do_line */
static int read_lines(struct pfile *pf, FILE *f)
{
	char line[LINE_BYTES_MAX + 1];
	size_t n;
	int c;

	for (;;) {
		pf->line++;
		n = 0;
		while ((c = getc(f)) != EOF && c != '\n') {
			if (n == LINE_BYTES_MAX)
				return fail(pf, NULL, "line too long (more than %d bytes)",
				    LINE_BYTES_MAX);
			if (c == '\0')
				return fail(pf, NULL, "NUL byte in line");
			line[n++] = (char)c;
		}
		if (c == EOF && ferror(f))
			return fail(pf, NULL, "read error");
		if (c == EOF && n == 0)
			return close_reply(pf);
		line[n] = '\0';
		if (do_line(pf, line) < 0)
			return -1;
	}
}

/* finish - the public struct, once the whole file parsed */
static int finish(struct pfile *pf)
{
	struct profile_data *pd = pf->pd;
	size_t i;

	pf->line = 0;
	if (pd->name == NULL)
		return fail(pf, "Name", "missing (every profile needs one)");
	if (pd->description == NULL && (pd->description = strdup("")) == NULL)
		return fail(pf, NULL, "out of memory");
	pd->pub.name = pd->name;
	pd->pub.description = pd->description;
	pd->pub.domains = profile_strv_list(&pd->domains);
	pd->pub.mx = profile_strv_list(&pd->mx);
	pd->pub.blocked_types = profile_strv_list(&pd->types);
	pd->pub.replies = pd->replies;
	pd->pub.nreplies = pd->nreplies;
	for (i = 0; i < pd->nreplies; i++)
		pd->replies[i].findings = profile_strv_list(&pd->rx[i].findings);
	return 0;
}

/* profile_file_read - parse one file into a new profile_data */
int profile_file_read(const char *path, struct profile_data **pd_r, char **error_r)
{
	struct pfile pf = { .path = path };
	char errbuf[128];
	FILE *f = NULL;
	int rc = -1;

	*pd_r = NULL;
	if ((pf.pd = calloc(1, sizeof(*pf.pd))) == NULL ||
	    (pf.pd->file = strdup(path)) == NULL)
		fail(&pf, NULL, "out of memory");
	else if ((f = fopen(path, "r")) == NULL)
		fail(&pf, NULL, "cannot open: %s", strerror_r(errno, errbuf, sizeof(errbuf)));
	else if (read_lines(&pf, f) == 0 && finish(&pf) == 0)
		rc = 0;
	if (f != NULL)
		fclose(f);
	free(pf.match);
	if (rc == 0) {
		*pd_r = pf.pd;
		return 0;
	}
	profile_data_free(pf.pd);
	*error_r = pf.error != NULL ? pf.error : strdup("out of memory");
	return -1;
}

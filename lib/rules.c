/*
 * rules - parse, compile and run the admin's rules file (see rules.h).
 *
 * Parsing fails the whole file at the first bad line, as the config does,
 * so a typo never silently disables a rule.  Each rule owns a
 * finding_def (id, title, remedy strdup'd) so that findings can point at
 * it for as long as the set lives; the set lives in the config snapshot.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime.h"
#include "msg.h"
#include "rules.h"
#include "url.h"

#define RULES_MAX 10000
#define ID_MAX 64
#define HEADER_NAME_MAX 76

static const char oom[] = "out of memory";
static const struct finding_reply r_none[] = { { NULL, NULL } };
static const char default_remedy[] =
	"Change the text this local rule matches, or ask the mail administrator about it.";

enum rule_kind { K_HEADER_NAME, K_HEADER, K_BODY, K_URI, K_RAWBODY };

struct rule {
	enum rule_kind kind;
	char *header;		/* K_HEADER_NAME: the field name */
	pcre2_code *code;
};

struct rules_set {
	struct rule *v;
	struct finding_def *defs;	/* n + 1, the last all NULL */
	size_t n;
	size_t cap;
	pcre2_match_context *mctx;	/* read-only once loaded */
};

/* ---- parsing ---- */

struct parse {
	const char *file;
	unsigned line;
	struct buf why;
};

static int bad(struct parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&p->why, fmt, ap);
	va_end(ap);
	return -1;
}

static void skip_blanks(char **s)
{
	while (**s == ' ' || **s == '\t')
		(*s)++;
}

/* word - the next blank-separated word, NUL-terminated in place */
static char *word(char **s)
{
	char *w;

	skip_blanks(s);
	if (**s == '\0')
		return NULL;
	w = *s;
	while (**s != '\0' && **s != ' ' && **s != '\t')
		(*s)++;
	if (**s != '\0')
		*(*s)++ = '\0';
	return w;
}

static bool id_ok(const char *id)
{
	size_t i, n = strlen(id);

	if (n <= 5 || n > ID_MAX || strncmp(id, "rule-", 5) != 0 || id[n - 1] == '-')
		return false;
	for (i = 5; i < n; i++)
		if (!(islower((unsigned char)id[i]) || isdigit((unsigned char)id[i]) ||
		    (id[i] == '-' && id[i - 1] != '-')))
			return false;
	return true;
}

static int parse_kind(struct parse *p, char *w, struct rule *r)
{
	size_t i;

	if (strncasecmp(w, "header:", 7) == 0) {
		w += 7;
		if (*w == '\0' || strlen(w) > HEADER_NAME_MAX)
			return bad(p, "header name missing or too long: '%s'", w);
		for (i = 0; w[i] != '\0'; i++)
			if (w[i] < 33 || w[i] > 126 || w[i] == ':')
				return bad(p, "bad header name '%s'", w);
		r->kind = K_HEADER_NAME;
		return (r->header = strdup(w)) == NULL ? bad(p, "%s", oom) : 0;
	}
	if (strcasecmp(w, "header") == 0)
		r->kind = K_HEADER;
	else if (strcasecmp(w, "body") == 0)
		r->kind = K_BODY;
	else if (strcasecmp(w, "uri") == 0)
		r->kind = K_URI;
	else if (strcasecmp(w, "rawbody") == 0)
		r->kind = K_RAWBODY;
	else
		return bad(p, "unknown rule kind '%s' (header:<Name>, header, body, uri, rawbody)", w);
	return 0;
}

/* parse_pattern - "/pattern/flags" at *s: the pattern NUL-terminated in
 * place ("\/" kept, PCRE2 reads it as '/'), the flags as options */
static int parse_pattern(struct parse *p, char **s, char **pat_r, uint32_t *opts_r)
{
	char *q;

	skip_blanks(s);
	if (**s != '/')
		return bad(p, "%s", "pattern missing: expected /pattern/flags");
	*pat_r = q = *s + 1;
	while (*q != '\0' && *q != '/')
		q += (*q == '\\' && q[1] != '\0') ? 2 : 1;
	if (*q != '/')
		return bad(p, "%s", "pattern not closed by '/'");
	*q++ = '\0';
	*opts_r = 0;
	for (; *q != '\0' && *q != ' ' && *q != '\t'; q++) {
		switch (*q) {
		case 'i': *opts_r |= PCRE2_CASELESS; break;
		case 'm': *opts_r |= PCRE2_MULTILINE; break;
		case 's': *opts_r |= PCRE2_DOTALL; break;
		case 'x': *opts_r |= PCRE2_EXTENDED; break;
		default:
			q[1] = '\0';
			return bad(p, "unknown pattern flag '%s' (i, m, s, x)", q);
		}
	}
	*s = q;
	return 0;
}

/* parse_quoted - a "..." string at *s (\" and \\ escapes), unescaped in
 * place; *out_r NULL when there is none */
static int parse_quoted(struct parse *p, char **s, char **out_r)
{
	char *r, *w, *start;

	skip_blanks(s);
	*out_r = NULL;
	if (**s == '\0')
		return 0;
	if (**s != '"')
		return bad(p, "expected a quoted string at '%s'", *s);
	r = w = start = *s + 1;
	while (*r != '\0' && *r != '"') {
		if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r++;
	}
	if (*r != '"')
		return bad(p, "%s", "quoted string not closed");
	*w = '\0';
	*s = r + 1;
	*out_r = start;
	return 0;
}

static int compile(struct parse *p, const char *pat, uint32_t opts, pcre2_code **code_r)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int err;

	*code_r = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &err, &off, NULL);
	if (*code_r == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		buf_printf(&p->why, "bad pattern: %s at offset %zu", (const char *)msg,
		    (size_t)off);
		return -1;
	}
	/* JIT is only faster: without it the interpreter runs the same limits */
	(void)pcre2_jit_compile(*code_r, PCRE2_JIT_COMPLETE);
	return 0;
}

static int parse_score(struct parse *p, const char *w, double *score_r)
{
	char *end;

	errno = 0;
	*score_r = strtod(w, &end);
	if (errno != 0 || end == w || *end != '\0' || !isfinite(*score_r) ||
	    *score_r < 0 || *score_r > 1000)
		return bad(p, "bad score '%s' (a number from 0 to 1000)", w);
	return 0;
}

static void rule_clear(struct rule *r, struct finding_def *d)
{
	free(r->header);
	pcre2_code_free(r->code);
	free((char *)d->id);
	free((char *)d->title);
	free((char *)d->remedy);
	memset(r, 0, sizeof(*r));
	memset(d, 0, sizeof(*d));
}

static int grow(struct parse *p, struct rules_set *set)
{
	size_t cap = set->cap ? set->cap * 2 : 16;
	struct rule *v;
	struct finding_def *d;

	if (set->n < set->cap)
		return 0;
	if (set->n >= RULES_MAX)
		return bad(p, "more than %d rules", RULES_MAX);
	if ((v = realloc(set->v, cap * sizeof(*v))) == NULL)
		return bad(p, "%s", oom);
	set->v = v;
	if ((d = realloc(set->defs, (cap + 1) * sizeof(*d))) == NULL)
		return bad(p, "%s", oom);
	set->defs = d;
	set->cap = cap;
	return 0;
}

/* parse_line - one rule line (comments and blanks already skipped) */
static int parse_line(struct parse *p, struct rules_set *set, char *s)
{
	struct rule r;
	struct finding_def d;
	char *kind, *id, *score, *pat, *title, *remedy;
	uint32_t opts;
	size_t i;

	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	kind = word(&s);
	id = word(&s);
	score = word(&s);
	if (kind == NULL || id == NULL || score == NULL)
		return bad(p, "%s", "expected: <kind> <id> <score> /<pattern>/<flags> \"<description>\" [\"<remedy>\"]");
	if (!id_ok(id))
		return bad(p, "bad rule id '%s' (kebab-case, starting with rule-)", id);
	for (i = 0; i < set->n; i++)
		if (strcmp(set->defs[i].id, id) == 0)
			return bad(p, "duplicate rule id '%s'", id);
	if (grow(p, set) < 0 || parse_kind(p, kind, &r) < 0 ||
	    parse_score(p, score, &d.score) < 0 || parse_pattern(p, &s, &pat, &opts) < 0 ||
	    parse_quoted(p, &s, &title) < 0 || parse_quoted(p, &s, &remedy) < 0)
		goto fail;
	if (title == NULL || *title == '\0') {
		bad(p, "%s", "description missing: \"<description>\"");
		goto fail;
	}
	skip_blanks(&s);
	if (*s != '\0') {
		bad(p, "unexpected text after the remedy: '%s'", s);
		goto fail;
	}
	if (compile(p, pat, opts, &r.code) < 0)
		goto fail;
	d.category = CAT_CONTENT;
	d.predicted = r_none;
	d.id = strdup(id);
	d.title = strdup(title);
	d.remedy = strdup(remedy != NULL && *remedy != '\0' ? remedy : default_remedy);
	if (d.id == NULL || d.title == NULL || d.remedy == NULL) {
		bad(p, "%s", oom);
		goto fail;
	}
	set->v[set->n] = r;
	set->defs[set->n++] = d;
	memset(&set->defs[set->n], 0, sizeof(d));
	return 0;
fail:
	rule_clear(&r, &d);
	return -1;
}

static int read_rules(struct parse *p, struct rules_set *set, FILE *f)
{
	char *line = NULL, *s;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;

	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		p->line++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		s = line;
		skip_blanks(&s);
		if (*s != '\0' && *s != '#')
			rc = parse_line(p, set, s);
	}
	if (rc == 0 && ferror(f))
		rc = bad(p, "read error: %s", strerror(errno));
	free(line);
	return rc;
}

/* rules_set_limit - see rules.h */
void rules_set_limit(struct rules_set *set, uint32_t steps)
{
	pcre2_set_match_limit(set->mctx, steps);
}

/* rules_load - parse and compile a rules file */
int rules_load(const char *path, struct rules_set **set_r, char **error_r)
{
	struct parse p = { path, 0, BUF_INIT };
	struct rules_set *set = calloc(1, sizeof(*set));
	struct buf msg = BUF_INIT;
	FILE *f = NULL;
	int rc = -1;

	*set_r = NULL;
	*error_r = NULL;
	if (set == NULL || (set->mctx = pcre2_match_context_create(NULL)) == NULL) {
		bad(&p, "%s", oom);
	} else if ((f = fopen(path, "r")) == NULL) {
		bad(&p, "cannot open: %s", strerror(errno));
	} else if (read_rules(&p, set, f) == 0) {
		pcre2_set_match_limit(set->mctx, RULES_MATCH_LIMIT);
		pcre2_set_depth_limit(set->mctx, RULES_DEPTH_LIMIT);
		rc = 0;
	}
	if (f != NULL)
		fclose(f);
	if (rc == 0) {
		*set_r = set;
	} else {
		if (p.line > 0)
			buf_printf(&msg, "%s:%u: %s", path, p.line, buf_cstr(&p.why));
		else
			buf_printf(&msg, "%s: %s", path, buf_cstr(&p.why));
		*error_r = buf_steal(&msg);
		if (*error_r == NULL)
			*error_r = strdup(oom);
		rules_free(&set);
	}
	buf_free(&p.why);
	buf_free(&msg);
	return rc;
}

/* rules_free - release a set */
void rules_free(struct rules_set **setp)
{
	struct rules_set *set = *setp;
	size_t i;

	*setp = NULL;
	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		rule_clear(&set->v[i], &set->defs[i]);
	free(set->v);
	free(set->defs);
	pcre2_match_context_free(set->mctx);
	free(set);
}

/* rules_count - the number of rules */
size_t rules_count(const struct rules_set *set)
{
	return set != NULL ? set->n : 0;
}

/* rules_defs - the rules' findings */
const struct finding_def *rules_defs(const struct rules_set *set)
{
	static const struct finding_def none = { NULL, 0, 0, false, NULL, NULL, NULL };

	return set != NULL && set->defs != NULL ? set->defs : &none;
}

/* ---- scanning ---- */

struct scan {
	const struct rules_set *set;
	pcre2_match_data *md;
	rules_cb cb;
	void *arg;
	bool *done;		/* per rule: its hit or limit was reported */
	const char **error_r;
};

/* show - s escaped for a log line: printable ASCII kept, the rest \xHH */
static void show(char *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (len > RULES_SHOW_MAX)
		len = RULES_SHOW_MAX;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			*out++ = (char)c;
		} else {
			*out++ = '\\';
			*out++ = 'x';
			*out++ = hex[c >> 4];
			*out++ = hex[c & 15];
		}
	}
	*out = '\0';
}

/* run - rule i over s; reports its first hit or limit */
static int run(struct scan *sc, size_t i, const char *s, size_t len, const char *where)
{
	const struct rule *r = &sc->set->v[i];
	struct rules_hit h;
	PCRE2_SIZE *ov;
	int rc;

	if (sc->done[i])
		return 0;
	rc = pcre2_match(r->code, (PCRE2_SPTR)(s != NULL ? s : ""), len, 0, 0, sc->md,
	    sc->set->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_NOMEMORY) {
		*sc->error_r = oom;
		return -1;
	}
	memset(&h, 0, sizeof(h));
	h.def = &sc->set->defs[i];
	h.where = where;
	if (rc < 0) {
		/* match, depth or heap limit, or JIT stack: the rule is undecided */
		h.limit = true;
		pcre2_get_error_message(rc, (PCRE2_UCHAR *)h.match, sizeof(h.match));
	} else {
		ov = pcre2_get_ovector_pointer(sc->md);
		show(h.match, s + ov[0], ov[1] > ov[0] ? ov[1] - ov[0] : 0);
	}
	sc->done[i] = true;
	if (sc->cb(sc->arg, &h) < 0) {
		*sc->error_r = oom;
		return -1;
	}
	return 0;
}

static int scan_headers(struct scan *sc, const struct msg *m)
{
	struct buf line = BUF_INIT;
	char where[128];
	size_t h, i;
	int rc = 0;

	for (h = 0; h < m->nhdrs && rc == 0; h++) {
		const struct msg_header *hd = &m->hdrs[h];

		buf_truncate(&line, 0);
		if (hd->malformed ? buf_puts(&line, hd->value) < 0 :
		    buf_printf(&line, "%s: %s", hd->name, hd->unfolded) < 0) {
			*sc->error_r = oom;
			rc = -1;
		}
		snprintf(where, sizeof(where), "header %s", hd->malformed ? "(malformed)" : hd->name);
		for (i = 0; i < sc->set->n && rc == 0; i++) {
			const struct rule *r = &sc->set->v[i];

			if (r->kind == K_HEADER)
				rc = run(sc, i, buf_cstr(&line), line.len, where);
			else if (r->kind == K_HEADER_NAME && !hd->malformed &&
			    strcasecmp(r->header, hd->name) == 0)
				rc = run(sc, i, hd->unfolded, strlen(hd->unfolded), where);
		}
	}
	buf_free(&line);
	return rc;
}

static int scan_kind(struct scan *sc, enum rule_kind kind, const char *s, size_t len,
    const char *where)
{
	size_t i;

	for (i = 0; i < sc->set->n; i++)
		if (sc->set->v[i].kind == kind && run(sc, i, s, len, where) < 0)
			return -1;
	return 0;
}

static bool has_kind(const struct rules_set *set, enum rule_kind kind)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->v[i].kind == kind)
			return true;
	return false;
}

/* scan_part - body and uri rules over inline text part i */
static int scan_part(struct scan *sc, struct mime_tree *t, size_t i, bool uri)
{
	const struct mime_part *p = &t->parts[i];
	struct buf text = BUF_INIT;
	struct url_list l = URL_LIST_INIT;
	char where[64];
	size_t k;
	int rc;

	if (p->multipart || p->message || p->attachment || strncmp(p->type, "text/", 5) != 0)
		return 0;
	rc = mime_text(t, i, RULES_TEXT_MAX, &text, NULL, sc->error_r);
	snprintf(where, sizeof(where), "body part %u", p->index);
	if (rc == 0)
		rc = scan_kind(sc, K_BODY, buf_cstr(&text), text.len, where);
	if (rc == 0 && uri)
		rc = url_extract(buf_cstr(&text), text.len, &l, sc->error_r);
	snprintf(where, sizeof(where), "uri in part %u", p->index);
	for (k = 0; k < l.n && rc == 0; k++)
		rc = scan_kind(sc, K_URI, l.v[k].text, strlen(l.v[k].text), where);
	url_list_free(&l);
	buf_free(&text);
	return rc;
}

/* rules_scan - run every rule over m */
int rules_scan(const struct rules_set *set, const struct msg *m, struct mime_tree *tree,
    rules_cb cb, void *arg, const char **error_r)
{
	struct scan sc = { set, NULL, cb, arg, NULL, error_r };
	const char *body;
	size_t len, i;
	bool uri;
	int rc = -1;

	*error_r = NULL;
	if (set == NULL || set->n == 0)
		return 0;
	sc.md = pcre2_match_data_create(1, NULL);
	sc.done = calloc(set->n, sizeof(*sc.done));
	if (sc.md != NULL && sc.done != NULL && scan_headers(&sc, m) == 0) {
		msg_body_view(m, &body, &len);
		rc = body != NULL ? scan_kind(&sc, K_RAWBODY, body, len, "rawbody") : 0;
		uri = has_kind(set, K_URI);
		if (tree != NULL && (uri || has_kind(set, K_BODY)))
			for (i = 0; i < tree->nparts && rc == 0; i++)
				rc = scan_part(&sc, tree, i, uri);
	}
	if (rc < 0 && *error_r == NULL)
		*error_r = oom;
	pcre2_match_data_free(sc.md);
	free(sc.done);
	return rc;
}

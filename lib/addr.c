/*
 * addr - RFC 5322 address lists and domain syntax (see addr.h).
 *
 * A lexer turns the value into words (atoms, which here include dots, and
 * quoted strings), domain literals and specials, skipping blanks and
 * comments; the parser keeps one token of lookahead.  Every step consumes a
 * token or stops, comments are skipped with a depth counter, and nothing
 * recurses, which is what keeps hostile values linear.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "buf.h"

static const char oom[] = "out of memory";

enum tok_type { T_END, T_ATOM, T_QUOTED, T_DLIT, T_SPECIAL, T_ERROR };

struct tok {
	enum tok_type type;
	size_t start, len;
	const char *why;	/* T_ERROR */
};

struct parser {
	const char *s;
	size_t pos;
	struct tok peek;
	bool have_peek;
	struct addr_list *l;
	struct buf local, domain;
	bool oom;
};

static bool is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c >= 0x80 || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

/* lex_skip - skip blanks, folds and comments; false + *why on a bad comment */
static bool lex_skip(struct parser *p, const char **why)
{
	const char *s = p->s;
	size_t i = p->pos;
	int depth;

	for (;;) {
		i += strspn(s + i, " \t\r\n");
		if (s[i] != '(')
			break;
		for (depth = 0; s[i] != '\0'; i++) {
			if (s[i] == '\\' && s[i + 1] != '\0') {
				i++;
			} else if (s[i] == '(' && ++depth > ADDR_COMMENT_DEPTH) {
				*why = "comments nested too deeply";
				p->pos = i;
				return false;
			} else if (s[i] == ')' && --depth == 0) {
				break;
			}
		}
		if (s[i] == '\0') {
			*why = "unterminated comment";
			return false;
		}
		i++;
	}
	p->pos = i;
	return true;
}

/* lex_until - end offset of a quoted string or literal opened at i */
static size_t lex_until(const char *s, size_t i, char close)
{
	for (i++; s[i] != '\0' && s[i] != close; i++)
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
	return i;
}

static void lex(struct parser *p, struct tok *t)
{
	const char *s = p->s;
	unsigned char c;
	size_t i;

	t->why = NULL;
	if (!lex_skip(p, &t->why)) {
		t->type = T_ERROR;
		t->start = p->pos;
		return;
	}
	t->start = i = p->pos;
	c = (unsigned char)s[i];
	if (c == '\0') {
		t->type = T_END;
	} else if (c == '"' || c == '[') {
		i = lex_until(s, i, c == '"' ? '"' : ']');
		if (s[i] == '\0') {
			t->type = T_ERROR;
			t->why = c == '"' ? "unterminated quoted string" : "unterminated domain literal";
			p->pos = i;
			return;
		}
		t->type = c == '"' ? T_QUOTED : T_DLIT;
		i++;
	} else if (is_atext(c)) {
		while (is_atext((unsigned char)s[i]))
			i++;
		t->type = T_ATOM;
	} else if (strchr(")<>]:;@\\,", c) != NULL) {
		t->type = T_SPECIAL;
		i++;
	} else {
		t->type = T_ERROR;
		t->why = "control character";
		return;
	}
	t->len = i - t->start;
	p->pos = i;
}

static const struct tok *peek(struct parser *p)
{
	if (!p->have_peek) {
		lex(p, &p->peek);
		p->have_peek = true;
	}
	return &p->peek;
}

static void take(struct parser *p)
{
	peek(p);
	if (p->peek.type != T_END && p->peek.type != T_ERROR)
		p->have_peek = false;
}

static bool is_special(const struct parser *p, const struct tok *t, char c)
{
	return t->type == T_SPECIAL && p->s[t->start] == c;
}

/* fail - record the first syntax error; always -1 */
static int fail(struct parser *p, const char *why, const struct tok *t)
{
	if (p->l->error == NULL) {
		p->l->error = t->type == T_ERROR && t->why != NULL ? t->why : why;
		p->l->error_pos = t->start;
	}
	return -1;
}

static int append(struct parser *p, struct buf *b, const struct tok *t)
{
	if (buf_append(b, p->s + t->start, t->len) < 0) {
		p->oom = true;
		return -1;
	}
	return 0;
}

/* dots - follow the dot-atom rule over one atom; *need_word is true at the
 * start and after a dot; false when two dots meet or two words touch */
static bool dots(const char *s, size_t len, bool *need_word)
{
	bool ok = true;
	size_t i;

	if (len > 0 && s[0] != '.' && !*need_word)
		ok = false;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (*need_word)
				ok = false;
			*need_word = true;
		} else {
			*need_word = false;
		}
	}
	return ok;
}

/* collect_words - phrase or local part into b; *lp_ok tells whether the
 * words also form a valid local part (word *("." word)) */
static int collect_words(struct parser *p, struct buf *b, size_t *n_r, bool *lp_ok)
{
	const struct tok *t;
	bool need_word = true;

	buf_truncate(b, 0);
	*n_r = 0;
	*lp_ok = true;
	for (t = peek(p); t->type == T_ATOM || t->type == T_QUOTED; t = peek(p)) {
		if (t->type == T_ATOM) {
			if (!dots(p->s + t->start, t->len, &need_word))
				*lp_ok = false;
		} else {
			if (!need_word)
				*lp_ok = false;
			need_word = false;
		}
		if (append(p, b, t) < 0)
			return -1;
		(*n_r)++;
		take(p);
	}
	if (need_word)
		*lp_ok = false;
	return 0;
}

static int parse_domain(struct parser *p)
{
	const struct tok *t = peek(p);
	struct tok first = *t;
	bool need_word = true, ok = true;

	buf_truncate(&p->domain, 0);
	if (t->type == T_DLIT) {
		take(p);
		return append(p, &p->domain, &first);
	}
	if (t->type != T_ATOM)
		return fail(p, "missing domain after '@'", t);
	/* An atom that touches the previous one without a dot starts the
	 * next (missing-comma) address rather than extending this domain. */
	for (; t->type == T_ATOM; t = peek(p)) {
		if (!need_word && p->s[t->start] != '.')
			break;
		if (!dots(p->s + t->start, t->len, &need_word))
			ok = false;
		if (append(p, &p->domain, t) < 0)
			return -1;
		take(p);
	}
	if (!ok || need_word)
		return fail(p, "empty label inside the domain", &first);
	return 0;
}

static int add_mailbox(struct parser *p)
{
	struct addr_list *l = p->l;
	struct addr_mailbox *mb;

	l->count++;
	if (l->n >= ADDR_MAX_MAILBOXES)
		return 0;
	if (l->n == 0 || (l->n & (l->n - 1)) == 0) {
		mb = realloc(l->v, (l->n ? l->n * 2 : 1) * sizeof(*mb));
		if (mb == NULL)
			goto fail;
		l->v = mb;
	}
	mb = &l->v[l->n];
	mb->local = strdup(buf_cstr(&p->local));
	mb->domain = strdup(buf_cstr(&p->domain));
	if (mb->local == NULL || mb->domain == NULL) {
		free(mb->local);
		free(mb->domain);
		goto fail;
	}
	l->n++;
	return 0;
fail:
	p->oom = true;
	return -1;
}

/* addr_spec_rest - '@' domain, after the local part's words */
static int addr_spec_rest(struct parser *p, size_t nwords, bool lp_ok, const struct tok *at)
{
	struct tok where = *at;

	if (nwords == 0)
		return fail(p, "missing local part before '@'", &where);
	if (!lp_ok)
		return fail(p, "invalid local part (words must be joined by '.')", &where);
	take(p);
	if (parse_domain(p) < 0)
		return -1;
	return add_mailbox(p);
}

/* parse_angle - after '<': [obs-route] addr-spec '>' */
static int parse_angle(struct parser *p)
{
	const struct tok *t = peek(p);
	size_t nwords;
	bool lp_ok;

	if (is_special(p, t, '@')) {
		/* obs-route "@a,@b:" is skipped: only the final address counts */
		while (!is_special(p, t, ':')) {
			if (t->type == T_END || t->type == T_ERROR || is_special(p, t, '>'))
				return fail(p, "malformed route in angle address", t);
			take(p);
			t = peek(p);
		}
		take(p);
	}
	if (collect_words(p, &p->local, &nwords, &lp_ok) < 0)
		return -1;
	t = peek(p);
	if (!is_special(p, t, '@'))
		return fail(p, nwords == 0 && is_special(p, t, '>') ? "empty angle address <>" :
		    "expected '@' inside angle address", t);
	if (addr_spec_rest(p, nwords, lp_ok, t) < 0)
		return -1;
	t = peek(p);
	if (!is_special(p, t, '>'))
		return fail(p, "missing '>' after address", t);
	take(p);
	return 0;
}

/* parse_mailbox - one mailbox; returns 1 when a group name was read
 * instead (the ':' is left for the caller) */
static int parse_mailbox(struct parser *p, bool in_group)
{
	const struct tok *t;
	size_t nwords;
	bool lp_ok;

	if (collect_words(p, &p->local, &nwords, &lp_ok) < 0)
		return -1;
	t = peek(p);
	if (is_special(p, t, '<')) {
		take(p);
		return parse_angle(p);
	}
	if (is_special(p, t, '@'))
		return addr_spec_rest(p, nwords, lp_ok, t);
	if (is_special(p, t, ':')) {
		if (in_group)
			return fail(p, "group inside a group", t);
		if (nwords == 0)
			return fail(p, "group without a display name", t);
		return 1;
	}
	if (nwords > 0 && (t->type == T_END || is_special(p, t, ',') || is_special(p, t, ';')))
		return fail(p, "address without '@' (display name needs <...>)", t);
	return fail(p, "unexpected character where an address should start", t);
}

/* parse_group - after "name:": mailboxes up to ';' */
static int parse_group(struct parser *p)
{
	const struct tok *t;

	p->l->groups++;
	for (;;) {
		t = peek(p);
		if (is_special(p, t, ';')) {
			take(p);
			return 0;
		}
		if (is_special(p, t, ',')) {
			take(p);
			continue;
		}
		if (t->type == T_END)
			return fail(p, "group not closed with ';'", t);
		if (parse_mailbox(p, true) < 0)
			return -1;
		t = peek(p);
		if (t->type == T_END)
			return fail(p, "group not closed with ';'", t);
		if (!is_special(p, t, ',') && !is_special(p, t, ';'))
			return fail(p, "expected ',' or ';' inside group", t);
	}
}

int addr_parse_list(const char *value, struct addr_list *l, const char **error_r)
{
	struct parser p = { .s = value, .l = l };
	const struct tok *t;
	int r;

	for (;;) {
		t = peek(&p);
		if (t->type == T_END)
			break;
		if (is_special(&p, t, ',')) {
			take(&p);
			continue;
		}
		r = parse_mailbox(&p, false);
		if (r == 1) {
			take(&p);
			r = parse_group(&p);
		}
		if (r < 0)
			break;
		t = peek(&p);
		if (t->type != T_END && !is_special(&p, t, ',')) {
			fail(&p, "expected ',' between addresses", t);
			break;
		}
	}
	buf_free(&p.local);
	buf_free(&p.domain);
	if (p.oom) {
		*error_r = oom;
		return -1;
	}
	return 0;
}

void addr_list_free(struct addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].local);
		free(l->v[i].domain);
	}
	free(l->v);
	*l = (struct addr_list)ADDR_LIST_INIT;
}

/* literal_valid - "[IPv4]" or "[IPv6:addr]" */
static bool literal_valid(const char *d, size_t len)
{
	char ip[64];
	unsigned char bin[16];

	if (len < 3 || d[len - 1] != ']' || len - 2 >= sizeof(ip))
		return false;
	memcpy(ip, d + 1, len - 2);
	ip[len - 2] = '\0';
	if (strncasecmp(ip, "IPv6:", 5) == 0)
		return inet_pton(AF_INET6, ip + 5, bin) == 1;
	return inet_pton(AF_INET, ip, bin) == 1;
}

/* label_bad - why one label is not LDH (or a U-label), or NULL */
static const char *label_bad(const unsigned char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return "empty label";
	if (n > 63)
		return "label longer than 63 octets";
	if (s[0] == '-' || s[n - 1] == '-')
		return "label starts or ends with a hyphen";
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] >= 0x80))
			return "character not allowed in a host name";
	return NULL;
}

bool addr_domain_valid(const char *domain, const char **reason_r)
{
	const unsigned char *s = (const unsigned char *)domain, *lab;
	size_t len = strlen(domain), n, labels = 0;
	const char *why = NULL, *dummy;
	bool numeric = false;

	if (reason_r == NULL)
		reason_r = &dummy;
	if (len > 0 && domain[0] == '[') {
		if (!literal_valid(domain, len))
			why = "malformed address literal";
	} else if (len == 0) {
		why = "empty domain";
	} else if (len > 253) {
		why = "domain longer than 253 octets";
	} else {
		for (lab = s;; lab += n + 1) {
			n = strcspn((const char *)lab, ".");
			if ((why = label_bad(lab, n)) != NULL)
				break;
			labels++;
			numeric = strspn((const char *)lab, "0123456789") == n;
			if (lab[n] == '\0')
				break;
		}
		if (why == NULL && labels < 2)
			why = "needs at least two labels";
		else if (why == NULL && numeric)
			why = "top-level domain is all digits";
	}
	if (why != NULL)
		*reason_r = why;
	return why == NULL;
}

/*
 * explain - the result list, and one rejection from raw facts to an
 * explained item (see explain.h).
 *
 * explain_add does the work every parser shares: fold the reply onto one
 * line (a multi-line reply repeats "550-5.7.26 " on each line; only the
 * first is kept), find the reply code, the enhanced status and the SMTP
 * command the reply answered, resolve the provider, try the provider's
 * Reply entries, and otherwise ask the blocklist finder and the generic
 * classifier.  caught_by comes from the entry's finding ids (the check
 * that owns each id, check_rules for "rule-" ids) or, without them, from
 * the reason table.
 */
#define _GNU_SOURCE		/* memmem */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "explain_impl.h"
#include "profile.h"

/* The most bytes of a reply, or of its context, that are classified */
#define EXPLAIN_TEXT_MAX 16384
/* The most bytes of the reply an item keeps to show */
#define EXPLAIN_SHOWN 2000

static const char oom[] = "out of memory";

/* item_free - release what one item owns */
static void item_free(struct explain_item *it)
{
	size_t j;

	free(it->provider);
	free(it->cause);
	free(it->remedy);
	free(it->doc);
	for (j = 0; it->caught_by[j] != NULL; j++)
		free(it->caught_by[j]);
	for (j = 0; it->findings != NULL && it->findings[j] != NULL; j++)
		free(it->findings[j]);
	free(it->findings);
	free(it->recipient);
	free(it->remote_host);
	free(it->text);
	free(it->when);
	free(it->bl_name);
	free(it->bl_item);
}

/* explain_list_free - release every item */
void explain_list_free(struct explain_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		item_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* drop_last - take back it, the list's last item, when it could not be
 * completed: the list then holds only whole items */
static void drop_last(struct explain_list *l, struct explain_item *it)
{
	if (it != NULL && l->n > 0 && it == &l->v[l->n - 1]) {
		item_free(it);
		l->n--;
	}
}

/* new_item - a zeroed item at the end of l, or NULL */
static struct explain_item *new_item(struct explain_list *l)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		struct explain_item *nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return NULL;
		l->v = nv;
		l->cap = ncap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

/* check_exists - name ("check_spf") is a check of the registry */
static bool check_exists(const char *name)
{
	const struct check_ops *const *reg;
	size_t n, i;

	if (strncmp(name, "check_", 6) != 0)
		return false;
	reg = check_registry(&n);
	for (i = 0; i < n; i++)
		if (strcmp(reg[i]->name, name + 6) == 0)
			return true;
	return false;
}

/* add_check - append "check_<name>" to it->caught_by once, when the
 * registry has that check */
static int add_check(struct explain_item *it, const char *name, bool prefixed)
{
	char tmp[64];
	size_t i;

	snprintf(tmp, sizeof(tmp), "%s%s", prefixed ? "" : "check_", name);
	if (!check_exists(tmp))
		return 0;
	for (i = 0; it->caught_by[i] != NULL; i++)
		if (strcmp(it->caught_by[i], tmp) == 0)
			return 0;
	if (i >= EXPLAIN_CHECKS_MAX)
		return 0;
	return (it->caught_by[i] = strdup(tmp)) != NULL ? 0 : -1;
}

/* owner - the name of the check whose catalogue holds id, or NULL */
static const char *owner(const char *id)
{
	const struct check_ops *const *reg;
	const struct finding_def *d;
	size_t n, i;

	if (strncmp(id, "rule-", 5) == 0)
		return "rules";
	reg = check_registry(&n);
	for (i = 0; i < n; i++)
		for (d = reg[i]->defs; d != NULL && d->id != NULL; d++)
			if (strcmp(d->id, id) == 0)
				return reg[i]->name;
	return NULL;
}

/* set_findings - copy the ids the catalogue has, and with owners derive
 * caught_by from them */
static int set_findings(struct explain_item *it, const char *const *ids, bool owners)
{
	size_t n = 0, i, j;
	const char *o;

	while (ids != NULL && ids[n] != NULL)
		n++;
	if (n == 0)
		return 0;
	if ((it->findings = calloc(n + 1, sizeof(*it->findings))) == NULL)
		return -1;
	for (i = j = 0; i < n; i++) {
		if ((o = owner(ids[i])) == NULL)
			continue;	/* not (or no longer) in the catalogue */
		if ((it->findings[j++] = strdup(ids[i])) == NULL)
			return -1;
		if (owners && add_check(it, o, false) < 0)
			return -1;
	}
	if (j == 0) {
		free(it->findings);
		it->findings = NULL;
	}
	return 0;
}

/* set_str - *dst = a copy of s ("" for NULL) */
static int set_str(char **dst, const char *s)
{
	return (*dst = strdup(s != NULL ? s : "")) != NULL ? 0 : -1;
}

/* host_name - *dst = the host name or address that starts s ("mx.a.example
 * (192.0.2.1, the server for...)", "[192.0.2.1]"), lowercase, without a
 * trailing dot; "" when there is none */
static int host_name(char **dst, const char *s)
{
	size_t n, i;

	if (s == NULL)
		s = "";
	s += strspn(s, " \t[");
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-:_");
	while (n > 0 && s[n - 1] == '.')
		n--;
	if ((*dst = strndup(s, n)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		(*dst)[i] = (char)tolower((unsigned char)(*dst)[i]);
	return 0;
}

/* lookup_provider - the profile by remote host, then recipient domain,
 * then the entry matching text; *entry_r the matching Reply entry */
static const struct profile *lookup_provider(const struct profile_set *ps,
    const struct explain_raw *raw, const char *host, const char *text,
    const struct profile_reply **entry_r)
{
	const struct profile *p = NULL, *by_text = NULL;
	const char *at = raw->recipient != NULL ? strrchr(raw->recipient, '@') : NULL;

	*entry_r = NULL;
	if (ps == NULL)
		return NULL;
	if (host != NULL && *host != '\0')
		p = profile_by_host(ps, host);
	if (p == NULL && at != NULL && at[1] != '\0')
		p = profile_by_domain(ps, at + 1);
	if (*text == '\0')
		return p;
	if (p != NULL)
		*entry_r = profile_match_reply(ps, p, text, NULL);
	if (*entry_r == NULL)
		*entry_r = profile_match_reply(ps, NULL, text, &by_text);
	return p != NULL ? p : by_text;
}

/* bl_finding - the finding of check_rep that predicts a blocklist
 * rejection, when the catalogue has it */
static const char *bl_finding(const struct explain_bl *bl)
{
	const char *id = bl->refused ? "rep-query-refused" :
	    bl->domain ? "rep-uri-listed" : "rep-egress-listed";

	return check_find_def(id) != NULL ? id : NULL;
}

/* fill - everything the entry, the blocklist or the classifier says; a
 * blocklist's own words win over a generic entry's, since they name the
 * list and the item */
static int fill(struct explain_item *it, const struct profile_reply *e,
    const struct explain_bl *bl, const char *reason)
{
	const struct explain_reason_info *ri;
	struct buf cause = BUF_INIT, remedy = BUF_INIT;
	const char *ids[2] = { NULL, NULL };
	bool from_table;
	size_t i;
	int rc = 0;

	if (e != NULL && it->status[0] == '\0' && e->status != NULL)
		explain_copy_status(e->status, it->status, sizeof(it->status));
	if (e != NULL && it->reply_code == 0)
		it->reply_code = e->code;
	it->reason = e != NULL && explain_reason_static(e->reason) != NULL ?
	    explain_reason_static(e->reason) : reason;
	ri = explain_reason_info(it->reason);
	if (e != NULL && set_findings(it, e->findings, true) < 0)
		return -1;
	if (it->findings == NULL && bl != NULL && (ids[0] = bl_finding(bl)) != NULL &&
	    set_findings(it, ids, true) < 0)
		return -1;
	from_table = it->caught_by[0] == NULL;
	for (i = 0; from_table && ri->checks[i] != NULL; i++)
		if (add_check(it, ri->checks[i], true) < 0)
			return -1;
	if (it->findings == NULL && set_findings(it, ri->findings, false) < 0)
		return -1;
	if (bl != NULL && (set_str(&it->bl_name, bl->name) < 0 ||
	    set_str(&it->bl_item, bl->item) < 0))
		return -1;
	if (bl != NULL && explain_bl_words(bl, &cause, &remedy) == 0)
		rc = set_str(&it->cause, buf_cstr(&cause)) |
		    set_str(&it->remedy, buf_cstr(&remedy)) |
		    set_str(&it->doc, e != NULL ? e->doc : "");
	else if (e != NULL && e->cause != NULL && *e->cause != '\0')
		rc = set_str(&it->cause, e->cause) | set_str(&it->remedy, e->remedy) |
		    set_str(&it->doc, e->doc);
	else
		rc = set_str(&it->cause, ri->cause) | set_str(&it->remedy, ri->remedy) |
		    set_str(&it->doc, e != NULL ? e->doc : "");
	buf_free(&cause);
	buf_free(&remedy);
	return rc;
}

/* lower_opt - explain_lower into b, NULL when there is no text */
static const char *lower_opt(const char *text, struct buf *b)
{
	if (text == NULL || *text == '\0' || explain_lower(text, b) < 0)
		return NULL;
	return buf_cstr(b);
}

/* decide - the command answered, the blocklist cited, and the reason
 * when no provider entry says it */
static const char *decide(const struct explain_raw *raw, struct explain_item *it,
    const char *lower, const char *lctx, struct explain_bl *bl, bool *has_bl)
{
	struct explain_facts f = { lower, lctx, it->status, it->reply_code, NULL, NULL, NULL };
	struct buf act = BUF_INIT, dt = BUF_INIT;
	const char *r;

	f.command = explain_find_command(raw->command, lower, lctx);
	if (f.command != NULL)
		snprintf(it->command, sizeof(it->command), "%s", f.command);
	*has_bl = explain_bl_find(lower, bl) || (lctx != NULL && *lower == '\0' &&
	    explain_bl_find(lctx, bl));
	if (raw->reason != NULL && explain_reason_static(raw->reason) != NULL)
		return explain_reason_static(raw->reason);
	if (*has_bl)
		return "blocked";
	f.action = lower_opt(raw->action, &act);
	f.diag_type = lower_opt(raw->diag_type, &dt);
	r = explain_classify(&f);
	buf_free(&act);
	buf_free(&dt);
	return r;
}

/* shown - the reply as the item keeps it: at most EXPLAIN_SHOWN bytes,
 * cut on a UTF-8 character boundary, " [...]" when cut */
static int shown(char **dst, struct buf *text)
{
	if (text->len > EXPLAIN_SHOWN) {
		size_t n = EXPLAIN_SHOWN;

		while (n > 0 && ((unsigned char)text->data[n] & 0xc0) == 0x80)
			n--;
		buf_truncate(text, n);
		if (buf_puts(text, " [...]") < 0)
			return -1;
	}
	return set_str(dst, buf_cstr(text));
}

/* capped - at most EXPLAIN_TEXT_MAX bytes of s into b: a reply is a few
 * hundred bytes, and the phrase tables cost time in proportion */
static int capped(const char *s, struct buf *b)
{
	return s == NULL ? buf_puts(b, "") :
	    buf_append(b, s, strnlen(s, EXPLAIN_TEXT_MAX)) | buf_puts(b, "");
}

/* explain_add - classify raw and append the item */
int explain_add(const struct profile_set *ps, const struct explain_raw *raw,
    struct explain_list *out, const char **error_r)
{
	struct buf text = BUF_INIT, low = BUF_INIT, ctx = BUF_INIT, cap = BUF_INIT;
	const struct profile_reply *e = NULL;
	const struct profile *p;
	struct explain_item *it = NULL;
	struct explain_bl bl;
	const char *reason, *lctx;
	bool has_bl = false;
	int rc = -1;

	if (capped(raw->text, &cap) < 0 || explain_fold(buf_cstr(&cap), &text) < 0 ||
	    explain_lower(buf_cstr(&text), &low) < 0 || (it = new_item(out)) == NULL)
		goto done;
	/* the reply's own status, when it has one, is the remote's: it beats a
	 * DSN's or a log's dsn=, which the reporting MTA may have generalised */
	it->reply_code = raw->code;
	explain_parse_code(buf_cstr(&text), &it->reply_code, it->status, sizeof(it->status));
	if (it->status[0] == '\0')
		explain_copy_status(raw->status, it->status, sizeof(it->status));
	buf_truncate(&cap, 0);
	if (capped(raw->context, &cap) < 0)
		goto done;
	lctx = lower_opt(raw->context != NULL ? buf_cstr(&cap) : NULL, &ctx);
	if (host_name(&it->remote_host, raw->remote_host) < 0)
		goto done;
	p = lookup_provider(ps, raw, it->remote_host, buf_cstr(&text), &e);
	if (raw->reason != NULL && explain_reason_static(raw->reason) != NULL)
		e = NULL;	/* feedback and vacation are not a reply's */
	reason = decide(raw, it, buf_cstr(&low), lctx, &bl, &has_bl);
	if (set_str(&it->provider, p != NULL ? p->name : "generic") < 0 ||
	    fill(it, e, has_bl ? &bl : NULL, reason) < 0 ||
	    set_str(&it->recipient, raw->recipient) < 0 ||
	    set_str(&it->when, raw->when) < 0 || shown(&it->text, &text) < 0)
		goto done;
	it->bl_refused = has_bl && bl.refused;
	it->temporary = it->status[0] == '4' || (it->reply_code >= 400 && it->reply_code < 500) ||
	    (raw->action != NULL && strcasecmp(raw->action, "delayed") == 0);
	rc = 0;
done:
	if (rc < 0) {
		*error_r = oom;
		drop_last(out, it);
	}
	buf_free(&text);
	buf_free(&low);
	buf_free(&ctx);
	buf_free(&cap);
	return rc;
}

/* explain_reply - one SMTP reply text */
int explain_reply(const struct profile_set *ps, const char *text, const char *recipient,
    const char *remote_host, struct explain_list *out, const char **error_r)
{
	struct explain_raw raw;
	const char *p = text;

	while (p != NULL && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p == NULL || *p == '\0' || ((p[0] == '2' || p[0] == '3') && explain_is_code(p)))
		return 0;
	memset(&raw, 0, sizeof(raw));
	raw.text = p;
	raw.recipient = recipient;
	raw.remote_host = remote_host;
	return explain_add(ps, &raw, out, error_r);
}

/* explain_guess - a log, a bounce or a reply */
enum explain_kind explain_guess(const char *data, size_t len)
{
	const char *p = data, *end = data + len, *nl;
	size_t lines;

	for (lines = 0; p < end && lines < 200; lines++, p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (explain_log_line(p, (size_t)(nl - p)))
			return EXPLAIN_LOG;
	}
	p = data;
	if (len > 5 && strncmp(p, "From ", 5) == 0 && (nl = memchr(p, '\n', len)) != NULL)
		p = nl + 1;
	for (nl = p; nl < end && nl - p < 80 && (isalnum((unsigned char)*nl) || *nl == '-' ||
	    *nl == '_'); nl++)
		;
	if (nl > p && nl < end && *nl == ':' && (memmem(data, len, "\n\n", 2) != NULL ||
	    memmem(data, len, "\n\r\n", 3) != NULL))
		return EXPLAIN_BOUNCE;
	return EXPLAIN_REPLY;
}

/* explain_input - dispatch on kind; input with CR line ends only (old Mac
 * files) is read as if they were LF */
int explain_input(const struct profile_set *ps, const char *data, size_t len,
    enum explain_kind kind, struct explain_list *out, const char **error_r)
{
	char *text, *p;
	int rc;

	if (memchr(data, '\n', len) == NULL && (p = memchr(data, '\r', len)) != NULL) {
		if ((text = malloc(len + 1)) == NULL)
			return *error_r = oom, -1;
		memcpy(text, data, len);
		text[len] = '\0';
		for (p = text; (p = memchr(p, '\r', len - (size_t)(p - text))) != NULL; p++)
			*p = '\n';
		rc = explain_input(ps, text, len, kind, out, error_r);
		free(text);
		return rc;
	}
	if (kind == EXPLAIN_AUTO)
		kind = explain_guess(data, len);
	if (kind == EXPLAIN_LOG)
		return explain_log(ps, data, len, out, error_r);
	if (kind == EXPLAIN_BOUNCE)
		return explain_bounce(ps, data, len, out, error_r);
	if ((text = strndup(data, len)) == NULL)
		return *error_r = oom, -1;
	rc = explain_reply(ps, text, NULL, NULL, out, error_r);
	free(text);
	return rc;
}

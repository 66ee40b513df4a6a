/*
 * explain_dsn - the rejections in a bounce message.
 *
 * The message is parsed with msg_parse and GMime (mime_parse, under the
 * limits below) and its parts sorted out: message/delivery-status (RFC
 * 3464, one record per recipient), message/feedback-report (ARF, a
 * complaint), the human-readable text (the first text/plain part outside
 * any returned message; text/html stripped of tags when there is none),
 * and the returned message, which is never read.
 *
 * Each DSN record that did not deliver becomes one rejection: its
 * Diagnostic-Code is the reply, its Status, Action, Remote-MTA and
 * Final-Recipient the facts, the human text the context.  Without DSN
 * records the human text is read as a free-form bounce (explain_free.c).
 * An ARF report is one "feedback" item; an automatic reply (RFC 3834
 * Auto-Submitted, or an out-of-office subject) from a person rather than
 * a mailer daemon is one "vacation" item.
 */
#define _GNU_SOURCE		/* strcasestr */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "explain_impl.h"
#include "mime.h"
#include "msg.h"

#define DSN_MAX_PARTS 64
#define DSN_MAX_DEPTH 8
#define DSN_MAX_DECODED ((uint64_t)4 << 20)
#define DSN_TEXT_MAX ((uint64_t)256 << 10)
#define DSN_RECORDS_MAX 500

static const char oom[] = "out of memory";

/* The parts of a bounce that explain reads. */
struct bounce {
	struct msg *m;
	struct mime_tree *t;
	struct buf human;	/* the notification text, UTF-8 */
	struct buf dsn;		/* the delivery-status fields */
	struct buf arf;		/* the feedback-report fields */
};

/* One per-recipient DSN record; values point into a buffer. */
struct dsn_rec {
	char *final_rcpt, *orig_rcpt, *action, *status, *remote_mta, *diag, *diag_type;
	char *reporting_mta;
};

/* inside_message - part i is inside a returned message/rfc822 */
static bool inside_message(const struct mime_tree *t, size_t i)
{
	int p;
	size_t guard = 0;

	for (p = t->parts[i].parent; p >= 0 && guard < t->nparts; guard++) {
		if (t->parts[p].message)
			return true;
		p = t->parts[p].parent;
	}
	return false;
}

/* strip_html - crude text of an HTML part: tags dropped, <br>/<p> breaks */
static int strip_html(const char *s, struct buf *out)
{
	bool tag = false;
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++) {
		if (*s == '<') {
			tag = true;
			if (strncasecmp(s, "<br", 3) == 0 || strncasecmp(s, "<p", 2) == 0 ||
			    strncasecmp(s, "<div", 4) == 0 || strncasecmp(s, "<tr", 3) == 0)
				rc = buf_putc(out, '\n');
		} else if (*s == '>') {
			tag = false;
		} else if (!tag) {
			rc = buf_putc(out, *s);
		}
	}
	return rc;
}

/* raw_body - the body bytes as they are, for a bounce whose MIME structure
 * is too broken to hold a text part (invalid UTF-8 becomes U+FFFD later,
 * in the JSON writer) */
static int raw_body(struct bounce *b)
{
	const char *body;
	size_t len;

	msg_body_view(b->m, &body, &len);
	if (body == NULL || len == 0)
		return 0;
	return buf_append(&b->human, body, len < DSN_TEXT_MAX ? len : DSN_TEXT_MAX) |
	    buf_puts(&b->human, "");
}

/* lf_only - CRLF and lone CR (old Mac files) become LF */
static void lf_only(struct buf *b)
{
	size_t i, j;

	for (i = j = 0; i < b->len; i++) {
		if (b->data[i] != '\r')
			b->data[j++] = b->data[i];
		else if (i + 1 == b->len || b->data[i + 1] != '\n')
			b->data[j++] = '\n';
	}
	b->len = j;
	if (b->data != NULL)
		b->data[j] = '\0';
}

/* collect - sort the parts of the bounce into b */
static int collect(struct bounce *b, const char **error_r)
{
	struct buf html = BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < b->t->nparts && rc == 0; i++) {
		const struct mime_part *p = &b->t->parts[i];

		if (p->multipart || p->message || inside_message(b->t, i))
			continue;
		if (strcmp(p->type, "message/delivery-status") == 0 ||
		    strcmp(p->type, "message/global-delivery-status") == 0 ||
		    strcmp(p->type, "text/delivery-status") == 0)
			rc = mime_text(b->t, i, DSN_TEXT_MAX, &b->dsn, NULL, error_r) |
			    buf_puts(&b->dsn, "\n\n");
		else if (strcmp(p->type, "message/feedback-report") == 0)
			rc = mime_text(b->t, i, DSN_TEXT_MAX, &b->arf, NULL, error_r);
		else if (strcmp(p->type, "text/plain") == 0 && b->human.len == 0 && !p->attachment)
			rc = mime_text(b->t, i, DSN_TEXT_MAX, &b->human, NULL, error_r);
		else if (strcmp(p->type, "text/html") == 0 && html.len == 0 && !p->attachment)
			rc = mime_text(b->t, i, DSN_TEXT_MAX, &html, NULL, error_r);
	}
	if (rc == 0 && b->human.len == 0 && html.len > 0)
		rc = strip_html(buf_cstr(&html), &b->human);
	if (rc == 0 && b->human.len == 0)
		rc = raw_body(b);
	lf_only(&b->human);
	lf_only(&b->dsn);
	lf_only(&b->arf);
	buf_free(&html);
	if (rc < 0)
		*error_r = oom;
	return rc < 0 ? -1 : 0;
}

/* value_after - the value after "type;" (rfc822; a@b), trimmed, <> gone */
static char *value_after(char *v)
{
	char *semi = strchr(v, ';'), *e;

	if (semi != NULL && semi - v < 24 && memchr(v, ' ', (size_t)(semi - v)) == NULL)
		v = semi + 1;
	while (*v == ' ' || *v == '\t' || *v == '<')
		v++;
	e = v + strlen(v);
	while (e > v && (e[-1] == ' ' || e[-1] == '>' || e[-1] == '\t'))
		*--e = '\0';
	return v;
}

/* set_field - store one unfolded field in rec; true when it is a DSN field */
static bool set_field(struct dsn_rec *rec, const char *name, char *value)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "final-recipient", offsetof(struct dsn_rec, final_rcpt) },
		{ "x-actual-recipient", offsetof(struct dsn_rec, final_rcpt) },
		{ "original-recipient", offsetof(struct dsn_rec, orig_rcpt) },
		{ "action", offsetof(struct dsn_rec, action) },
		{ "status", offsetof(struct dsn_rec, status) },
		{ "remote-mta", offsetof(struct dsn_rec, remote_mta) },
		{ "diagnostic-code", offsetof(struct dsn_rec, diag) },
		{ "reporting-mta", offsetof(struct dsn_rec, reporting_mta) },
	};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char **slot = (char **)((char *)rec + fields[i].off);

		if (strcasecmp(name, fields[i].name) != 0 || *slot != NULL)
			continue;
		if (fields[i].off == offsetof(struct dsn_rec, diag)) {
			char *semi = strchr(value, ';');

			if (semi != NULL && semi - value < 24) {
				*semi = '\0';
				rec->diag_type = value;
				value = semi + 1;
			}
			while (*value == ' ')
				value++;
			*slot = value;
		} else {
			*slot = value_after(value);
		}
		return true;
	}
	return false;
}

/* next_field - the next unfolded "Name: value" of the fields text at *pp,
 * cut in place; NULL at the end.  Lines that are not fields are skipped.
 * *blank_r says a blank line came before it. */
static char *next_field(char **pp, char **value_r, bool *blank_r)
{
	char *p = *pp, *name, *colon, *w, *r;

	*blank_r = false;
	for (;;) {
		while (*p == '\n') {
			*blank_r = true;
			p++;
		}
		if (*p == '\0')
			return *pp = p, NULL;
		name = p;
		/* the logical line: continuation lines start with a blank */
		for (r = p; *r != '\0'; r++)
			if (*r == '\n' && r[1] != ' ' && r[1] != '\t')
				break;
		p = *r != '\0' ? r + 1 : r;
		*r = '\0';
		for (w = r = name; *r != '\0'; r++)	/* unfold */
			if (*r != '\n')
				*w++ = *r == '\t' ? ' ' : *r;
		*w = '\0';
		if ((colon = strchr(name, ':')) != NULL && colon != name)
			break;
	}
	*pp = p;
	*colon = '\0';
	*value_r = colon + 1;
	while (**value_r == ' ')
		(*value_r)++;
	return name;
}

/* dsn_emit - explain one record unless it delivered.  The recipient's
 * paragraph of the human text is the context (or the reply, when the
 * record has no Diagnostic-Code); the whole human text is context only
 * when the bounce is for one recipient, since it speaks of the others too */
static int dsn_emit(const struct profile_set *ps, const struct dsn_rec *r,
    const struct bounce *b, bool single, struct explain_list *out, const char **error_r)
{
	struct explain_raw raw;
	struct buf block = BUF_INIT;
	int rc;

	if (r->action != NULL && (strncasecmp(r->action, "deliver", 7) == 0 ||
	    strncasecmp(r->action, "relayed", 7) == 0 || strncasecmp(r->action, "expanded", 8) == 0))
		return 0;
	if (r->status != NULL && r->status[0] == '2')
		return 0;
	memset(&raw, 0, sizeof(raw));
	raw.recipient = r->final_rcpt != NULL ? r->final_rcpt : r->orig_rcpt;
	raw.text = r->diag;
	if (raw.recipient != NULL &&
	    explain_free_block(buf_cstr(&b->human), raw.recipient, &block) < 0)
		return *error_r = oom, -1;
	raw.context = block.len > 0 ? buf_cstr(&block) : single ? buf_cstr(&b->human) : NULL;
	if (raw.text == NULL || *raw.text == '\0') {
		raw.text = raw.context;
		raw.context = single ? buf_cstr(&b->human) : NULL;
	}
	raw.remote_host = r->remote_mta;
	raw.status = r->status;
	raw.action = r->action;
	raw.diag_type = r->diag_type;
	rc = explain_add(ps, &raw, out, error_r);
	buf_free(&block);
	return rc;
}

/* dsn_records - explain each record of the delivery-status fields */
static int dsn_records(const struct profile_set *ps, struct bounce *b, struct explain_list *out,
    bool *found_r, const char **error_r)
{
	char *p = b->dsn.data, *name, *value;
	struct dsn_rec *recs = calloc(DSN_RECORDS_MAX, sizeof(*recs)), *rec;
	bool blank, seen = false;
	size_t n = 0, i;
	int rc = 0;

	*found_r = false;
	if (recs == NULL)
		return *error_r = oom, -1;
	rec = &recs[0];
	while (p != NULL && n < DSN_RECORDS_MAX) {
		name = next_field(&p, &value, &blank);
		if (name != NULL && !blank && (strcasecmp(name, "final-recipient") == 0 ?
		    rec->final_rcpt != NULL : strcasecmp(name, "original-recipient") == 0 &&
		    (rec->orig_rcpt != NULL || (rec->final_rcpt != NULL &&
		    (rec->status != NULL || rec->diag != NULL)))))
			blank = true;	/* records run together without a blank line */
		if ((blank || name == NULL) && seen) {
			if (++n < DSN_RECORDS_MAX)
				rec = &recs[n];
			seen = false;
		}
		if (name == NULL || n >= DSN_RECORDS_MAX)
			break;
		if (set_field(rec, name, value) && strcasecmp(name, "reporting-mta") != 0)
			seen = *found_r = true;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = dsn_emit(ps, &recs[i], b, n == 1, out, error_r);
	free(recs);
	return rc;
}

/* arf_item - one feedback item from the report fields */
static int arf_item(const struct profile_set *ps, struct bounce *b, struct explain_list *out,
    const char **error_r)
{
	char *p = b->arf.data, *name, *value, *rcpt = NULL, *type = NULL;
	struct explain_raw raw;
	struct buf text = BUF_INIT;
	bool blank;
	int rc;

	while (p != NULL && (name = next_field(&p, &value, &blank)) != NULL) {
		if (strcasecmp(name, "original-rcpt-to") == 0 && rcpt == NULL)
			rcpt = value_after(value);
		else if (strcasecmp(name, "feedback-type") == 0 && type == NULL)
			type = value;
	}
	memset(&raw, 0, sizeof(raw));
	raw.reason = "feedback";
	raw.recipient = rcpt;
	if (buf_printf(&text, "Feedback-Type: %s", type != NULL ? type : "abuse") < 0)
		return *error_r = oom, -1;
	raw.text = buf_cstr(&text);
	rc = explain_add(ps, &raw, out, error_r);
	buf_free(&text);
	return rc;
}

/* header - the first header name of the top message, unfolded, or "" */
static const char *header(const struct msg *m, const char *name)
{
	const struct msg_header *h = msg_header_get(m, name, 0);

	return h != NULL && h->unfolded != NULL ? h->unfolded : "";
}

/* from_daemon - the bounce comes from a mailer daemon or postmaster */
static bool from_daemon(const struct msg *m)
{
	struct buf low = BUF_INIT;
	bool yes;

	if (explain_lower(header(m, "From"), &low) < 0)
		return true;
	yes = strstr(buf_cstr(&low), "mailer-daemon") != NULL ||
	    strstr(buf_cstr(&low), "postmaster") != NULL ||
	    strstr(buf_cstr(&low), "mail delivery") != NULL || low.len == 0;
	buf_free(&low);
	return yes;
}

/* Subjects of automatic replies (lowercase, anywhere in the Subject). */
static const char *const autoreply_subjects[] = {
	"automatic reply", "auto reply", "auto-reply", "autoreply", "autorespon",
	"auto response", "out of office", "out of the office", "away until", "on vacation",
	"abwesenheit", "réponse automatique", "reponse automatique", "risposta automatica",
	NULL
};

/* mailbox - the address of a From:/To: value ("Name <a@b>" or "a@b"),
 * into buf; NULL when there is none */
static const char *mailbox(const char *v, char *buf, size_t size)
{
	const char *lt = strchr(v, '<'), *p;
	size_t n;

	p = lt != NULL ? lt + 1 : v;
	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, "> ,;\t");
	if (n == 0 || n >= size || memchr(p, '@', n) == NULL)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

/* is_autoreply - an RFC 3834 automatic reply from a person */
static bool is_autoreply(const struct msg *m)
{
	struct buf low = BUF_INIT;
	bool yes = false;
	size_t i;

	if (from_daemon(m))
		return false;
	if (strncasecmp(header(m, "Auto-Submitted"), "auto-replied", 12) == 0 ||
	    msg_header_get(m, "X-Autoreply", 0) != NULL ||
	    msg_header_get(m, "X-Autorespond", 0) != NULL ||
	    strcasecmp(header(m, "Precedence"), "auto_reply") == 0)
		return true;
	if (explain_lower(header(m, "Subject"), &low) < 0)
		return false;
	for (i = 0; !yes && autoreply_subjects[i] != NULL; i++)
		yes = strstr(buf_cstr(&low), autoreply_subjects[i]) != NULL;
	buf_free(&low);
	return yes;
}

/* is_feedback - an ARF report, or an unsubscribe request sent by a mail client */
static bool is_feedback(const struct bounce *b)
{
	return b->arf.len > 0 || strcasestr(header(b->m, "Content-Type"), "feedback-report") ||
	    strcasecmp(header(b->m, "X-Apple-Unsubscribe"), "true") == 0;
}

/* vacation_item - one "vacation" item: the subject is the text */
static int vacation_item(const struct profile_set *ps, const struct bounce *b,
    struct explain_list *out, const char **error_r)
{
	struct explain_raw raw;
	char from[320];

	memset(&raw, 0, sizeof(raw));
	raw.reason = "vacation";
	raw.text = header(b->m, "Subject");
	raw.recipient = mailbox(header(b->m, "From"), from, sizeof(from));
	return explain_add(ps, &raw, out, error_r);
}

/* headers_as_dsn - a pasted delivery-status block (fields only, no body)
 * lands in the header list: copy its fields back into b->dsn */
static int headers_as_dsn(struct bounce *b)
{
	size_t i;
	int rc = 0;

	if (msg_header_get(b->m, "Final-Recipient", 0) == NULL &&
	    msg_header_get(b->m, "Diagnostic-Code", 0) == NULL)
		return 0;
	for (i = 0; i < b->m->nhdrs && rc == 0; i++)
		rc = buf_printf(&b->dsn, "%s: %s\n", b->m->hdrs[i].name, b->m->hdrs[i].unfolded);
	return rc;
}

/* text_as_dsn - DSN fields written into the text part */
static int text_as_dsn(struct bounce *b)
{
	static const char *const starts[] = { "\nReporting-MTA:", "\nFinal-Recipient:",
		"\nOriginal-Recipient:", NULL };
	const char *h = buf_cstr(&b->human), *p, *best = NULL;
	size_t i;

	for (i = 0; starts[i] != NULL; i++)
		if ((p = strcasestr(h, starts[i])) != NULL && (best == NULL || p < best))
			best = p;
	return best != NULL ? buf_puts(&b->dsn, best + 1) : 0;
}

/* parse - msg, MIME tree and parts of the input */
static int parse(struct bounce *b, const char *data, size_t len, const char **error_r)
{
	static const struct mime_limits lim = { DSN_MAX_PARTS, DSN_MAX_DEPTH, DSN_MAX_DECODED };

	if ((b->m = msg_new(0)) == NULL)
		return *error_r = oom, -1;
	b->m->body_keep = len;
	if (msg_parse(b->m, data, len, error_r) < 0 || mime_parse(b->m, &lim, &b->t, error_r) < 0)
		return -1;
	return collect(b, error_r);
}

/* explain_bounce - the rejections of a bounce message */
int explain_bounce(const struct profile_set *ps, const char *data, size_t len,
    struct explain_list *out, const char **error_r)
{
	struct bounce b;
	char sender[320];
	bool found = false;
	int rc;

	memset(&b, 0, sizeof(b));
	rc = parse(&b, data, len, error_r);
	if (rc == 0 && is_feedback(&b)) {
		rc = arf_item(ps, &b, out, error_r);
		goto done;
	}
	if (rc == 0 && b.dsn.len == 0 && (headers_as_dsn(&b) < 0 || text_as_dsn(&b) < 0)) {
		*error_r = oom;
		rc = -1;
	}
	if (rc == 0 && b.dsn.len > 0)
		rc = dsn_records(ps, &b, out, &found, error_r);
	if (rc == 0 && !found)
		rc = explain_free(ps, buf_cstr(&b.human), header(b.m, "X-Failed-Recipients"),
		    mailbox(header(b.m, "To"), sender, sizeof(sender)),
		    from_daemon(b.m) || *header(b.m, "X-Failed-Recipients") != '\0',
		    out, &found, error_r);
	if (rc == 0 && !found && is_autoreply(b.m))
		rc = vacation_item(ps, &b, out, error_r);
done:
	mime_free(&b.t);
	msg_free(&b.m);
	buf_free(&b.human);
	buf_free(&b.dsn);
	buf_free(&b.arf);
	return rc < 0 ? -1 : 0;
}

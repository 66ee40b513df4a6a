/*
 * explain_free - the rejections in a free-form bounce: the notification
 * text of a bounce without RFC 3464 fields (qmail, Exim, Exchange, Gmail,
 * most webmail and appliance bounces).
 *
 * No per-MTA parser: the layouts share enough to read them one way.
 *  1. The text ends where the returned message starts: a marker line
 *     ("--- Below this line is a copy of the message.", "----- Original
 *     message -----", ...) or three header lines in a row.
 *  2. A recipient line is a line that starts with an address ("<a@b>:",
 *     "a@b", "\"a@b\":", "a@b [User unknown]", "<a@b>... User unknown");
 *     it opens a block that runs to the next recipient line.  The same
 *     address twice (Office 365 lists it in two sections) is one block;
 *     the bounce's own addressee, and an address right after "A message
 *     sent by", open none.
 *  3. Without recipient lines the whole text is one block, for the
 *     X-Failed-Recipients addresses or else the first address in the text.
 * Each block is the reply; the whole text is the context the classifier
 * falls back on when the bounce is for one recipient.  The remote host is the name after "host", "talking to"
 * or "Generating server:".  A text that has nothing of a bounce (no
 * delivery-failure wording, and not from a mailer daemon) explains nothing.
 * Amazon SES sends its notifications as JSON: those are read for their
 * bounced or complaining recipients instead.
 */
#define _GNU_SOURCE		/* memmem */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "explain_impl.h"

#define FREE_BLOCKS_MAX 100
#define FREE_BLOCK_BYTES 4096

static const char oom[] = "out of memory";

/* Lines where the returned message starts (lowercase, anywhere in the
 * line); a mark that starts with '-' counts only on a separator line,
 * one that holds "---" or "===" (prose mentions "the returned message") */
static const char *const cut_marks[] = {
	"below this line is a copy of the message", "original message follows",
	"-original message", "this is a copy of the message",
	"message headers follow", "-returned message", "header of the original message",
	"original message headers", "message text follows",
	"your message reads", "unsent message below", "copy of the original message",
	"message was not delivered is below", "content of the original message",
	NULL
};

/* Wording that makes a text a bounce when it carries no reply code. */
static const char *const bounce_words[] = {
	"undeliver", "not be delivered", "could not deliver", "couldn't be delivered",
	"delivery fail", "delivery has failed", "failed permanently", "permanent error",
	"fatal error", "returned mail", "mail delivery", "delivery status", "not delivered",
	"wasn't delivered", "unable to deliver", "failure notice", "rejected", "delivery error",
	"failed to deliver", "did not reach", "has been delayed", "could not be sent",
	"delivery problem", NULL
};

/* Where the remote host's name follows (lowercase). */
static const char *const host_marks[] = {
	"while talking to ", "generating server: ", " host ", "remote host ", "by ", NULL
};

struct block {
	char *rcpt;		/* owned, lowercase; "" when unknown */
	struct buf text;
};

/* header_line - a line that starts a header field ("Received: ...") */
static bool header_line(const char *p, const char *e)
{
	const char *q = p;

	while (q < e && (isalnum((unsigned char)*q) || *q == '-'))
		q++;
	return q > p && q < e && *q == ':' && q + 1 < e && q[1] == ' ' && q - p < 40;
}

/* trace_field - a header line that a DSN, a MIME part or a bounce's own
 * text also writes, so it does not start the returned message */
static bool trace_field(const char *p)
{
	static const char *const names[] = { "Diagnostic", "Remote", "Reporting", "Final",
		"Original-Rec", "Action", "Status", "Arrival", "Last-Attempt", "Content-",
		"MIME-Version", NULL };
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strncasecmp(p, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

/* cut_length - the bytes of text before the returned message: a marker
 * line, or three header lines in a row (folded lines count with theirs) */
static size_t cut_length(const char *text)
{
	const char *p = text, *e, *run = NULL;
	struct buf low = BUF_INIT;
	size_t i, nrun = 0;

	for (; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		buf_truncate(&low, 0);
		for (i = 0; p + i < e && i < 200; i++)
			if (buf_putc(&low, (char)tolower((unsigned char)p[i])) < 0)
				break;
		for (i = 0; low.len > 0 && cut_marks[i] != NULL; i++) {
			const char *m = cut_marks[i] + (cut_marks[i][0] == '-');

			if (strstr(buf_cstr(&low), m) != NULL && (m == cut_marks[i] ||
			    strstr(buf_cstr(&low), "---") || strstr(buf_cstr(&low), "===")))
				goto found;
		}
		if (nrun > 0 && (*p == ' ' || *p == '\t') && e > p)
			continue;	/* a folded header line */
		if (header_line(p, e) && !trace_field(p)) {
			if (nrun++ == 0)
				run = p;
			if (nrun == 3) {
				p = run;
				goto found;
			}
		} else {
			nrun = 0;
		}
	}
found:
	buf_free(&low);
	return (size_t)(p - text);
}

/* addr_len - length of an address at p (local@domain.tld), 0 if none */
static size_t addr_len(const char *p, const char *e)
{
	const char *q = p, *at = NULL, *dot = NULL;

	while (q < e && (isalnum((unsigned char)*q) || strchr("._%+-=/!#$&'*?^`{|}~@", *q))) {
		if (*q == '@')
			at = at == NULL ? q : at;
		else if (at != NULL && *q == '.')
			dot = q;
		q++;
	}
	while (q > p && (q[-1] == '.' || q[-1] == '-'))
		q--;
	return at != NULL && at > p && dot != NULL && dot > at + 1 && dot + 1 < q ?
	    (size_t)(q - p) : 0;
}

/* rcpt_line - the address a recipient line starts with; *len_r its
 * length and *rest_r where the rest of the line starts */
static const char *rcpt_line(const char *p, const char *e, size_t *len_r, const char **rest_r)
{
	const char *a, *r;
	size_t n;

	char close;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	close = p < e && *p == '<' ? '>' : p < e && *p == '"' ? '"' : '\0';
	a = p + (close != '\0');
	if ((n = addr_len(a, e)) == 0)
		return NULL;
	r = a + n;
	if (close != '\0' && (r >= e || *r != close))
		return NULL;
	r += close != '\0';
	if (r < e && !(*r == ':' || *r == ' ' || *r == '\t' || *r == '[' || *r == '(' ||
	    *r == '.' || *r == '<' || *r == ','))
		return NULL;
	*len_r = n;
	*rest_r = r;
	return a;
}

/* block_for - the block of rcpt (appended when new), or NULL */
static struct block *block_for(struct block *v, size_t *n, const char *rcpt, size_t len)
{
	size_t i, j;

	for (i = 0; i < *n; i++)
		if (strlen(v[i].rcpt) == len && strncasecmp(v[i].rcpt, rcpt, len) == 0)
			return &v[i];
	if (*n == FREE_BLOCKS_MAX || (v[*n].rcpt = strndup(rcpt, len)) == NULL)
		return NULL;
	for (j = 0; j < len; j++)
		v[*n].rcpt[j] = (char)tolower((unsigned char)v[*n].rcpt[j]);
	memset(&v[*n].text, 0, sizeof(v[*n].text));
	return &v[(*n)++];
}

/* sender_line - the line p..e introduces the sender ("A message sent by") */
static bool sender_line(const char *p, const char *e)
{
	static const char *const marks[] = { "sent by", "message from", NULL };
	size_t i, n = (size_t)(e - p);

	for (i = 0; marks[i] != NULL; i++)
		if (n >= strlen(marks[i]) && memmem(p, n, marks[i], strlen(marks[i])) != NULL)
			return true;
	return false;
}

/* split - the recipient blocks of text[0..len); the address of sender (the
 * bounce's own addressee) and one right after "A message sent by" open no
 * block */
static int split(const char *text, size_t len, const char *sender, struct block *v, size_t *n)
{
	const char *p = text, *end = text + len, *e, *a, *rest;
	bool after_sender = false;
	struct block *cur = NULL;
	size_t alen;

	for (; p < end; p = e + 1) {
		e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			e = end;
		if ((a = rcpt_line(p, e, &alen, &rest)) != NULL && !after_sender &&
		    !(sender != NULL && strlen(sender) == alen && strncasecmp(a, sender, alen) == 0)) {
			if ((cur = block_for(v, n, a, alen)) == NULL)
				return *n == FREE_BLOCKS_MAX ? 0 : -1;
			p = rest;
		}
		if (strspn(p, " \t") < (size_t)(e - p))
			after_sender = sender_line(p, e);
		if (cur == NULL || cur->text.len >= FREE_BLOCK_BYTES)
			continue;
		if (buf_append(&cur->text, p, (size_t)(e - p)) < 0 || buf_putc(&cur->text, '\n') < 0)
			return -1;
		if (e == end)
			break;
	}
	return 0;
}

/* remote_host - the remote MTA named in lower, into host */
static void remote_host(const char *lower, char *host, size_t size)
{
	const char *p, *q;
	size_t i, n;

	host[0] = '\0';
	for (i = 0; host_marks[i] != NULL; i++) {
		for (p = strstr(lower, host_marks[i]); p != NULL; p = strstr(p + 1, host_marks[i])) {
			q = p + strlen(host_marks[i]);
			n = strspn(q, "abcdefghijklmnopqrstuvwxyz0123456789.-");
			while (n > 0 && (q[n - 1] == '.' || q[n - 1] == '-'))
				n--;
			if (n > 3 && n < size && memchr(q, '.', n) != NULL &&
			    strspn(q, "0123456789.") < n) {
				memcpy(host, q, n);
				host[n] = '\0';
				return;
			}
		}
	}
}

/* bouncy - the lowered text says a delivery failed */
static bool bouncy(const char *lower)
{
	size_t i;

	for (i = 0; bounce_words[i] != NULL; i++)
		if (strstr(lower, bounce_words[i]) != NULL)
			return true;
	return explain_phrase_any(lower);
}

/* fallback_blocks - one block of the whole text for each failed
 * recipient, else for the first address in text other than sender */
static int fallback_blocks(const char *text, size_t len, const char *failed,
    const char *sender, struct block *v, size_t *n)
{
	const char *p, *end = text + len;
	struct block *b = NULL;
	size_t alen;

	for (p = failed; p != NULL && *p != '\0' && *n < FREE_BLOCKS_MAX; p++)
		if ((alen = addr_len(p, p + strlen(p))) > 0) {
			if (block_for(v, n, p, alen) == NULL)
				return -1;
			p += alen - 1;
		}
	for (p = text; *n == 0 && p < end; p++)
		if ((p == text || !isalnum((unsigned char)p[-1])) && (alen = addr_len(p, end)) > 0 &&
		    !(sender != NULL && strlen(sender) == alen && strncasecmp(p, sender, alen) == 0))
			b = block_for(v, n, p, alen);
	if (*n == 0 && (b = block_for(v, n, "", 0)) == NULL)
		return -1;
	for (alen = 0; alen < *n; alen++)
		if (buf_append(&v[alen].text, text, len < FREE_BLOCK_BYTES ? len : FREE_BLOCK_BYTES) < 0)
			return -1;
	return 0;
}

/* emit - explain each block */
static int emit(const struct profile_set *ps, struct block *v, size_t n, const char *text,
    const char *lower, struct explain_list *out, const char **error_r)
{
	struct buf bl = BUF_INIT;
	char host[256];
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		struct explain_raw raw;

		memset(&raw, 0, sizeof(raw));
		raw.text = buf_cstr(&v[i].text);
		raw.context = n == 1 ? text : NULL;
		raw.recipient = v[i].rcpt;
		if (explain_lower(raw.text, &bl) < 0) {
			*error_r = oom;
			rc = -1;
			break;
		}
		remote_host(buf_cstr(&bl), host, sizeof(host));
		if (host[0] == '\0')
			remote_host(lower, host, sizeof(host));
		raw.remote_host = host;
		rc = explain_add(ps, &raw, out, error_r);
	}
	buf_free(&bl);
	return rc;
}

/* json_str - the string value of the first "key" in text after from
 * (plain JSON, or JSON escaped inside a JSON string as SNS sends it) into
 * out; where the value ends, or NULL when there is none before limit */
static const char *json_str(const char *from, const char *limit, const char *key,
    char *out, size_t size)
{
	const char *p = from, *q;
	size_t n = strlen(key), len;

	while ((p = strstr(p, key)) != NULL && (limit == NULL || p < limit)) {
		/* the key must be quoted: a byte before it that is '"', and a key
		 * at the very start of the text is not (fuzz_explain) */
		bool quoted = p > from && p[-1] == '"';

		q = p + n;
		p = q;
		if (!quoted)
			continue;
		q += strspn(q, "\\\" ");
		if (*q != ':')
			continue;
		q += 1 + strspn(q + 1, " ");
		q += strspn(q, "\\\"");
		len = strcspn(q, "\"\\");
		if (len >= size)
			len = size - 1;
		memcpy(out, q, len);
		out[len] = '\0';
		return q + len;
	}
	return NULL;
}

/* ses - an Amazon SES notification (JSON, possibly inside an SNS message):
 * each bounced recipient, or the complaint; true when it was one */
static int ses(const struct profile_set *ps, const char *text, struct explain_list *out,
    bool *found_r, const char **error_r)
{
	char type[32], rcpt[320], status[32], action[32], diag[1024];
	const char *p, *next, *list;
	struct explain_raw raw;
	size_t n;

	if (json_str(text, NULL, "notificationType", type, sizeof(type)) == NULL)
		return 0;
	*found_r = true;
	list = strstr(text, strcmp(type, "Complaint") == 0 ? "complainedRecipients" :
	    "bouncedRecipients");
	if (list == NULL || (strcmp(type, "Bounce") != 0 && strcmp(type, "Complaint") != 0))
		return 0;
	for (p = list, n = 0; n < FREE_BLOCKS_MAX &&
	    (p = json_str(p, NULL, "emailAddress", rcpt, sizeof(rcpt))) != NULL; n++) {
		next = strstr(p, "emailAddress");
		memset(&raw, 0, sizeof(raw));
		raw.recipient = rcpt;
		if (strcmp(type, "Complaint") == 0) {
			raw.reason = "feedback";
			raw.text = "Feedback-Type: abuse (Amazon SES complaint)";
		} else {
			raw.status = json_str(p, next, "status", status, sizeof(status)) ? status : NULL;
			raw.action = json_str(p, next, "action", action, sizeof(action)) ? action : NULL;
			raw.text = json_str(p, next, "diagnosticCode", diag, sizeof(diag)) ? diag : NULL;
			if (raw.text != NULL && strncasecmp(raw.text, "smtp;", 5) == 0)
				raw.text += 5 + strspn(raw.text + 5, " ");
		}
		if (explain_add(ps, &raw, out, error_r) < 0)
			return -1;
	}
	return 0;
}

/* explain_free - the rejections of a free-form bounce text */
int explain_free(const struct profile_set *ps, const char *text, const char *failed,
    const char *sender, bool daemon, struct explain_list *out, bool *found_r,
    const char **error_r)
{
	struct block *v = calloc(FREE_BLOCKS_MAX, sizeof(*v));
	struct buf cut = BUF_INIT, lower = BUF_INIT;
	size_t n = 0, i, len;
	int rc = -1;

	*found_r = false;
	if (v == NULL)
		return *error_r = oom, -1;
	if (strstr(text, "notificationType") != NULL) {
		rc = ses(ps, text, out, found_r, error_r);
		if (rc < 0 || *found_r)
			goto done;
	}
	len = cut_length(text);
	if (buf_append(&cut, text, len) < 0 || buf_puts(&cut, "") < 0 ||
	    explain_lower(buf_cstr(&cut), &lower) < 0) {
		*error_r = oom;
		goto done;
	}
	rc = 0;
	if (lower.len == 0 || (!daemon && !bouncy(buf_cstr(&lower))))
		goto done;
	if (split(buf_cstr(&cut), len, sender, v, &n) < 0 ||
	    (n == 0 && fallback_blocks(buf_cstr(&cut), len, failed, sender, v, &n) < 0)) {
		*error_r = oom;
		rc = -1;
		goto done;
	}
	*found_r = n > 0;
	rc = emit(ps, v, n, buf_cstr(&cut), buf_cstr(&lower), out, error_r);
done:
	for (i = 0; i < n; i++) {
		free(v[i].rcpt);
		buf_free(&v[i].text);
	}
	free(v);
	buf_free(&cut);
	buf_free(&lower);
	return rc;
}

/* explain_free_block - append the paragraph of text about rcpt to out
 * (nothing when the text has no recipient line for it) */
int explain_free_block(const char *text, const char *rcpt, struct buf *out)
{
	struct block *v = calloc(FREE_BLOCKS_MAX, sizeof(*v));
	size_t n = 0, i, len;
	int rc = 0;

	if (v == NULL)
		return -1;
	len = cut_length(text);
	if (split(text, len, NULL, v, &n) < 0)
		rc = -1;
	for (i = 0; i < n; i++) {
		if (rc == 0 && strcasecmp(v[i].rcpt, rcpt) == 0)
			rc = buf_append(out, buf_cstr(&v[i].text), v[i].text.len) | buf_puts(out, "");
		free(v[i].rcpt);
		buf_free(&v[i].text);
	}
	free(v);
	return rc < 0 ? -1 : 0;
}

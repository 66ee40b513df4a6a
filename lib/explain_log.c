/*
 * explain_log - the rejections in a mail log.
 *
 * Postfix delivery agents (smtp, lmtp, local, virtual, pipe, error) log one
 * line per recipient and attempt:
 *   ... postfix/smtp[123]: 4F2A: to=<a@b>, relay=mx.b[192.0.2.1]:25, ...,
 *   dsn=5.1.1, status=bounced (host mx.b[192.0.2.1] said: 550 5.1.1 ...
 *   (in reply to RCPT TO command))
 * status=bounced and undeliverable are permanent; status=deferred is a
 * temporary failure that comes back at every retry.  The remote reply is
 * what follows "said:" (without the "(in reply to ...)" tail, which names
 * the command); without it, the whole parenthesised text (a DNS or
 * connection failure reported by Postfix itself).
 *
 * Sendmail logs "to=<a@b>, ..., relay=mx.b. [192.0.2.1], dsn=5.1.1,
 * stat=User unknown", with the remote reply in reply= when it is logged;
 * stat=Sent lines are deliveries.  The timestamp is the syslog prefix
 * ("Jan  5 10:00:00") or the leading RFC 3339 stamp.
 *
 * Exim's main log is read too: "2024-05-07 11:02:10 1s4Abb-000120-3N **
 * a@b R=dnslookup T=remote_smtp H=mx.b [192.0.2.7]: SMTP error from remote
 * mail server after RCPT TO:<a@b>: 550 ..." ("**" a failure, "==" a
 * deferral).  Other lines (including Postfix smtpd rejections of
 * incoming mail) are ignored.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "explain_impl.h"

#define LOG_LINE_MAX 8192

/* Postfix delivery agents whose lines carry to= and status= */
static const char *const agents[] = {
	"/smtp[", "/lmtp[", "/local[", "/virtual[", "/pipe[", "/error[", "/retry[", NULL
};

/* Sendmail program names */
static const char *const sendmails[] = { "sm-mta[", "sendmail[", "sm-msp-queue[", NULL };

struct log_line {
	const char *when;	/* into the copies below */
	const char *rcpt;
	const char *relay;
	const char *dsn;
	const char *text;
	const char *command;
	bool temporary;
};

/* has_any - s holds one of the needles */
static bool has_any(const char *s, const char *const *needles)
{
	size_t i;

	for (i = 0; needles[i] != NULL; i++)
		if (strstr(s, needles[i]) != NULL)
			return true;
	return false;
}

/* exim_mark - where an Exim main log line's " ** " (failed) or " == "
 * (deferred) is: within the few fields after "YYYY-MM-DD HH:MM:SS" (a
 * fraction, a time zone, the message id); NULL when not such a line */
static const char *exim_mark(const char *line)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";
	const char *fail, *defer;
	char head[96];
	size_t i;

	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)line[i]) : line[i] != shape[i])
			return NULL;
	snprintf(head, sizeof(head), "%s", line);
	fail = strstr(head, " ** ");
	defer = strstr(head, " == ");
	if (fail == NULL || (defer != NULL && defer < fail))
		fail = defer;
	return fail != NULL ? line + (fail - head) : NULL;
}

/* explain_log_line - a Postfix, Sendmail or Exim delivery line */
bool explain_log_line(const char *line, size_t n)
{
	char tmp[1024];

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, line, n);
	tmp[n] = '\0';
	if (exim_mark(tmp) != NULL)
		return true;
	if (strstr(tmp, " to=") == NULL)
		return false;
	return (has_any(tmp, agents) && strstr(tmp, " status=") != NULL) ||
	    (has_any(tmp, sendmails) && strstr(tmp, " stat=") != NULL);
}

/* field - the value of " name=" in line, or NULL; fields_cut ends it */
static char *field(char *line, const char *name)
{
	char *p = strstr(line, name);

	return p != NULL ? p + strlen(name) : NULL;
}

/* fields_cut - end each value found by field at its ", " (all found first,
 * since cutting one hides the fields after it from strstr) */
static void fields_cut(char **v, size_t n)
{
	char *e;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] != NULL && (e = strstr(v[i], ", ")) != NULL)
			*e = '\0';
}

/* timestamp - cut the timestamp at the start of line; returns the rest */
static char *timestamp(char *line, const char **when_r)
{
	char *p = line;

	*when_r = line;
	if (isalpha((unsigned char)line[0]) && strlen(line) > 15 && line[15] == ' ') {
		line[15] = '\0';
		return line + 16;
	}
	while (*p != '\0' && *p != ' ')
		p++;
	if (*p == ' ')
		*p++ = '\0';
	return p;
}

/* host_of - "mx.b[192.0.2.1]:25" or "mx.b. [192.0.2.1]" → "mx.b", in place */
static const char *host_of(char *relay)
{
	char *e;

	if (relay == NULL)
		return NULL;
	e = relay + strcspn(relay, "[ ");
	*e = '\0';
	while (e > relay && e[-1] == '.')
		*--e = '\0';
	return strcmp(relay, "none") == 0 || strcmp(relay, "local") == 0 ? NULL : relay;
}

/* postfix_text - the reply inside "status=x (...)"; sets command */
static void postfix_text(char *paren, struct log_line *l)
{
	char *e = strrchr(paren, ')'), *said, *in;

	if (e != NULL)
		*e = '\0';
	l->text = paren;
	if ((said = strstr(paren, " said: ")) != NULL)
		l->text = said + 7;
	if ((in = strstr(l->text, " (in reply to ")) != NULL) {
		*in = '\0';
		in += 14;
		l->command = strncasecmp(in, "rcpt", 4) == 0 ? "RCPT" :
		    strncasecmp(in, "mail", 4) == 0 ? "MAIL" :
		    strncasecmp(in, "end of data", 11) == 0 || strncasecmp(in, "data", 4) == 0 ?
		    "DATA" : strncasecmp(in, "ehlo", 4) == 0 || strncasecmp(in, "helo", 4) == 0 ?
		    "EHLO" : NULL;
	}
}

/* parse_postfix - fill l from a Postfix line; false when not a failure */
static bool parse_postfix(char *rest, struct log_line *l)
{
	char *status = strstr(rest, " status="), *paren, *to, *relay, *dsn;

	if (status == NULL)
		return false;
	*status = '\0';
	status += 8;
	if (strncmp(status, "bounced", 7) != 0 && strncmp(status, "deferred", 8) != 0 &&
	    strncmp(status, "undeliverable", 13) != 0)
		return false;
	l->temporary = strncmp(status, "deferred", 8) == 0;
	paren = strchr(status, '(');
	to = field(rest, " to=<");
	relay = field(rest, " relay=");
	dsn = field(rest, " dsn=");
	fields_cut((char *[]){ to, relay, dsn }, 3);
	if (to != NULL && (l->rcpt = to) != NULL)
		to[strcspn(to, ">")] = '\0';
	l->relay = host_of(relay);
	l->dsn = dsn;
	if (paren != NULL)
		postfix_text(paren + 1, l);
	/* the local and virtual agents refuse a recipient in their own words
	 * ("unknown user"): that is the RCPT stage, not a filter after DATA */
	if (l->command == NULL && (strstr(rest, "/local[") != NULL ||
	    strstr(rest, "/virtual[") != NULL))
		l->command = "RCPT";
	return true;
}

/* parse_sendmail - fill l from a Sendmail line */
static bool parse_sendmail(char *rest, struct log_line *l)
{
	char *sp = strstr(rest, " stat="), *rp = strstr(rest, " reply="), *stat, *reply = NULL;
	char *to, *relay, *dsn;

	if (sp == NULL || strncasecmp(sp + 6, "sent", 4) == 0)
		return false;
	stat = sp + 6;
	if (rp != NULL)
		reply = rp + 7;
	*sp = '\0';
	if (rp != NULL)
		*rp = '\0';	/* either order: each value ends where the next starts */
	to = field(rest, " to=");
	relay = field(rest, " relay=");
	dsn = field(rest, " dsn=");
	fields_cut((char *[]){ to, relay, dsn }, 3);
	if (dsn != NULL && dsn[0] == '2')
		return false;
	if (to != NULL) {
		to += *to == '<';
		to[strcspn(to, ">,")] = '\0';
	}
	l->rcpt = to;
	l->relay = host_of(relay);
	l->dsn = dsn;
	l->text = reply != NULL && *reply != '\0' ? reply : stat;
	l->temporary = (dsn != NULL && dsn[0] == '4') || strncasecmp(stat, "deferred", 8) == 0;
	if (strncasecmp(l->text, "deferred: ", 10) == 0)
		l->text += 10;
	return true;
}

/* parse_exim - fill l from an Exim main log line */
static bool parse_exim(char *line, struct log_line *l)
{
	char *mark = (char *)exim_mark(line), *rcpt, *host, *text;

	if (mark == NULL)
		return false;
	l->temporary = mark[1] == '=';
	*mark = '\0';
	line[19 + strcspn(line + 19, " ")] = '\0';	/* date, time and fraction */
	l->when = line;
	rcpt = mark + 4;
	text = strstr(rcpt, ": ");
	host = strstr(rcpt, " H=");
	if (host != NULL && (text == NULL || host < text))
		host += 3;
	else
		host = NULL;
	if (text != NULL) {
		*text = '\0';
		l->text = text + 2;
		/* Exim logs a multi-line reply with "\n" escapes */
		for (text += 2; (text = strstr(text, "\\n")) != NULL; text += 2)
			text[0] = text[1] = ' ';
	}
	l->relay = host_of(host);
	rcpt[strcspn(rcpt, " <:")] = '\0';
	l->rcpt = rcpt;
	return l->text != NULL;
}

/* one_line - explain one log line (a private copy) */
static int one_line(const struct profile_set *ps, char *line, struct explain_list *out,
    const char **error_r)
{
	struct log_line l;
	struct explain_raw raw;
	char *rest;

	memset(&l, 0, sizeof(l));
	if (exim_mark(line) != NULL) {
		if (!parse_exim(line, &l))
			return 0;
	} else {
		rest = timestamp(line, &l.when);
		if (has_any(rest, agents) ? !parse_postfix(rest, &l) : !parse_sendmail(rest, &l))
			return 0;
	}
	memset(&raw, 0, sizeof(raw));
	raw.text = l.text;
	raw.recipient = l.rcpt;
	raw.remote_host = l.relay;
	raw.status = l.dsn;
	raw.command = l.command;
	raw.when = l.when;
	raw.action = l.temporary ? "delayed" : "failed";
	return explain_add(ps, &raw, out, error_r);
}

/* explain_log - the rejections of a mail log */
int explain_log(const struct profile_set *ps, const char *data, size_t len,
    struct explain_list *out, const char **error_r)
{
	const char *p = data, *end = data + len, *nl;
	char line[LOG_LINE_MAX];
	size_t n;

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (!explain_log_line(p, n))
			continue;
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		if (one_line(ps, line, out, error_r) < 0)
			return -1;
		if (nl == end)
			break;
	}
	return 0;
}

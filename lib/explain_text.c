/*
 * explain_text - reading remote replies: folding a multi-line reply onto
 * one line, finding its reply code, enhanced status and the SMTP command
 * it answered, and the lowercase form and pattern matcher the phrase
 * tables use.  Pure functions of their arguments.
 */
#define _GNU_SOURCE		/* memmem */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "explain_impl.h"

/* The most bytes between two pieces of a pattern ("mailbox*full") */
#define MATCH_GAP 60

/* The SMTP command a reply answered, from the bounce's own wording. */
static const struct {
	const char *needle;	/* lowercase */
	const char *command;
} commands[] = {
	{ "in reply to rcpt to", "RCPT" }, { "after rcpt", "RCPT" },
	{ "after pipelined rcpt to", "RCPT" }, { "like our rcpt to", "RCPT" },
	{ "rcpt to response", "RCPT" }, { "does not like recipient", "RCPT" },
	{ "[rcpt_to]", "RCPT" }, { "for rcpt to", "RCPT" }, { "following rcpt command", "RCPT" },
	{ "in reply to mail from", "MAIL" }, { "after mail from", "MAIL" },
	{ "after pipelined mail from", "MAIL" }, { "like our mail from", "MAIL" },
	{ "in reply to end of data", "DATA" }, { "after end of data", "DATA" },
	{ "in reply to data", "DATA" }, { "final data", "DATA" }, { "after data", "DATA" },
	{ "in reply to ehlo", "EHLO" }, { "in reply to helo", "EHLO" },
	{ "after ehlo", "EHLO" }, { "after helo", "EHLO" },
	{ "smtp:rcpt", "RCPT" }, { "smtp:mail", "MAIL" }, { "smtp:data", "DATA" },
	{ "after initial connection", "CONN" }, { "greeting", "CONN" },
	{ NULL, NULL }
};

/* Command words of an SMTP transcript (">>> RCPT To:<a@b>"). */
static const struct {
	const char *word;
	const char *command;
} verbs[] = {
	{ "rcpt", "RCPT" }, { "mail", "MAIL" }, { "data", "DATA" }, { ".", "DATA" },
	{ "ehlo", "EHLO" }, { "helo", "EHLO" }, { "bdat", "DATA" }, { NULL, NULL }
};

/* reply_prefix - length of "550-5.7.26 " or "550 " at p, 0 when none */
static size_t reply_prefix(const char *p)
{
	size_t n = 0;

	if (!(p[0] >= '2' && p[0] <= '5' && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && (p[3] == '-' || p[3] == ' ')))
		return 0;
	n = 4;
	if (p[n] == p[0] && p[n + 1] == '.') {
		size_t m = n + 2;

		while (isdigit((unsigned char)p[m]) || p[m] == '.')
			m++;
		if (p[m] == ' ' || p[m] == '\0')
			n = m;
	}
	while (p[n] == ' ')
		n++;
	return n;
}

/* strip_repeats - drop the later copies of head ("550 5.7.1 ") that a
 * multi-line reply unfolded onto one line (a DSN field) still holds */
static void strip_repeats(struct buf *out, const char *head)
{
	const char *sp = strchr(head + 4, ' ');
	size_t slen = sp != NULL ? (size_t)(sp - head - 4) : 0, i, n;

	for (i = strlen(head); i + 4 < out->len; i++) {
		char *p = out->data + i;

		/* without a status only "550-" is surely a prefix, not a number */
		if (p[-1] != ' ' || strncmp(p, head, 3) != 0 ||
		    (p[3] != '-' && (p[3] != ' ' || slen == 0)) ||
		    (slen > 0 && (strncmp(p + 4, head + 4, slen) != 0 || p[4 + slen] != ' ')))
			continue;
		n = slen > 0 ? 5 + slen : 4;
		memmove(p, p + n, out->len - i - n + 1);
		out->len -= n;
	}
}

/* fold_line - append the line p..e, blanks folded, after a space */
static int fold_line(const char *p, const char *e, struct buf *out)
{
	if (p < e && out->len > 0 && out->data[out->len - 1] != ' ' && buf_putc(out, ' ') < 0)
		return -1;
	for (; p < e; p++) {
		bool blank = *p == ' ' || *p == '\t';

		if (blank && (out->len == 0 || out->data[out->len - 1] == ' '))
			continue;
		if (buf_putc(out, blank ? ' ' : *p) < 0)
			return -1;
	}
	return 0;
}

/* explain_fold - text on one line, blanks folded; the code and status that a
 * multi-line reply repeats at each line start are kept only once */
int explain_fold(const char *text, struct buf *out)
{
	const char *p = text, *e;
	size_t first = 0, pre;
	char head[16] = "";

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		e = p + strcspn(p, "\r\n");
		pre = reply_prefix(p);
		if (pre > 0 && first == 0 && (size_t)(e - p) >= pre) {
			first = pre < sizeof(head) ? pre : sizeof(head) - 1;
			memcpy(head, p, first);
			head[first] = '\0';
			if (head[3] == '-')
				head[3] = ' ';
			if (buf_puts(out, head) < 0)
				return -1;
			p += pre;
		} else if (pre > 0 && first > 0 && strncmp(p, head, 3) == 0) {
			p += pre;
		}
		if (fold_line(p, e, out) < 0)
			return -1;
		p = e;
	}
	while (out->len > 0 && out->data[out->len - 1] == ' ')
		out->len--;
	if (buf_puts(out, "") < 0)
		return -1;
	if (first > 0)
		strip_repeats(out, head);
	return 0;
}

/* explain_status_len - an enhanced status of class 4 or 5 at p; its length */
size_t explain_status_len(const char *p)
{
	size_t n = 2, d;

	if ((p[0] != '4' && p[0] != '5') || p[1] != '.')
		return 0;
	for (d = 0; isdigit((unsigned char)p[n]) && d < 3; d++)
		n++;
	if (d == 0 || p[n] != '.')
		return 0;
	n++;
	for (d = 0; isdigit((unsigned char)p[n]) && d < 3; d++)
		n++;
	if (d == 0 || isdigit((unsigned char)p[n]) ||
	    (p[n] == '.' && isdigit((unsigned char)p[n + 1])))
		return 0;
	return n;
}

/* boundary - p starts a token: not after a digit, letter or dot */
static bool boundary(const char *start, const char *p)
{
	return p == start || !(isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '-' ||
	    p[-1] == '/' || p[-1] == '_' || p[-1] == '=');
}

/* explain_is_code - a reply code at p */
bool explain_is_code(const char *p)
{
	return p[0] >= '2' && p[0] <= '5' && isdigit((unsigned char)p[1]) &&
	    isdigit((unsigned char)p[2]) && !isdigit((unsigned char)p[3]) && p[3] != '.' &&
	    p[3] != ':' && p[3] != '/' && p[3] != ',';
}

/* explain_parse_code - the first reply code and enhanced status in text: a code
 * followed by a status of its class first, then either alone; only 4xx and
 * 5xx codes count */
void explain_parse_code(const char *text, int *code_r, char *status, size_t size)
{
	const char *p, *code_at = NULL, *status_at = NULL;
	size_t n, sn = 0;

	for (p = text; *p != '\0'; p++) {
		if (!boundary(text, p))
			continue;
		if (explain_is_code(p) && (p[3] == ' ' || p[3] == '-') && p[4] == p[0] &&
		    (n = explain_status_len(p + 4)) > 0) {
			code_at = p;
			status_at = p + 4;
			sn = n;
			break;
		}
		if (code_at == NULL && (p[0] == '4' || p[0] == '5') && explain_is_code(p))
			code_at = p;	/* a transcript's earlier "250 ok" is no rejection */
		if (status_at == NULL && (n = explain_status_len(p)) > 0) {
			status_at = p;
			sn = n;
		}
	}
	if (*code_r == 0 && code_at != NULL)
		*code_r = (code_at[0] - '0') * 100 + (code_at[1] - '0') * 10 + (code_at[2] - '0');
	if (status[0] == '\0' && status_at != NULL && sn < size) {
		memcpy(status, status_at, sn);
		status[sn] = '\0';
	}
}

/* explain_copy_status - a valid enhanced status from s into status */
void explain_copy_status(const char *s, char *status, size_t size)
{
	size_t n;

	while (s != NULL && (*s == ' ' || *s == '\t'))
		s++;
	if (s == NULL || (n = explain_status_len(s)) == 0 || n >= size)
		return;
	memcpy(status, s, n);
	status[n] = '\0';
}

/* transcript_command - in a session transcript, the last command sent
 * before the first error reply ("<<< 5xx" or "<<< 4xx"), or NULL */
static const char *transcript_command(const char *lower)
{
	const char *err = strstr(lower, "<<< 5"), *e4 = strstr(lower, "<<< 4");
	const char *p, *last = NULL;
	size_t i;

	if (err == NULL || (e4 != NULL && e4 < err))
		err = e4;
	for (p = strstr(lower, ">>> "); p != NULL && (err == NULL || p < err);
	    p = strstr(p + 4, ">>> "))
		last = p + 4;
	for (i = 0; last != NULL && verbs[i].word != NULL; i++)
		if (strncmp(last, verbs[i].word, strlen(verbs[i].word)) == 0)
			return verbs[i].command;
	return NULL;
}

/* explain_find_command - the SMTP command: given, or from the lowered texts */
const char *explain_find_command(const char *given, const char *lower, const char *lctx)
{
	const char *c;
	size_t i;

	if (given != NULL && *given != '\0')
		return given;
	if ((c = transcript_command(lower)) != NULL ||
	    (lctx != NULL && (c = transcript_command(lctx)) != NULL))
		return c;
	for (i = 0; commands[i].needle != NULL; i++)
		if (strstr(lower, commands[i].needle) != NULL ||
		    (lctx != NULL && strstr(lctx, commands[i].needle) != NULL))
			return commands[i].command;
	return NULL;
}

/* explain_lower - lowercase, blanks folded */
int explain_lower(const char *text, struct buf *out)
{
	bool space = false;
	const char *p;

	buf_truncate(out, 0);
	if (buf_puts(out, "") < 0)
		return -1;
	for (p = text; p != NULL && *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
			space = out->len > 0;
			continue;
		}
		if ((space && buf_putc(out, ' ') < 0) ||
		    buf_putc(out, (char)(c < 0x80 ? tolower(c) : c)) < 0)
			return -1;
		space = false;
	}
	return 0;
}

/* match_from - the pieces of pattern from the first piece found at at:
 * each next piece within MATCH_GAP bytes of the previous one */
static bool match_from(const char *at, size_t first, const char *rest)
{
	const char *star, *prev_end = at + first, *q;
	size_t n;

	while (rest != NULL && *rest != '\0') {
		star = strchr(rest, '*');
		n = star != NULL ? (size_t)(star - rest) : strlen(rest);
		if (n > 0) {
			/* only the window after the previous piece: linear in the text */
			q = memmem(prev_end, strnlen(prev_end, MATCH_GAP + n), rest, n);
			if (q == NULL)
				return false;
			prev_end = q + n;
		}
		rest = star != NULL ? star + 1 : NULL;
	}
	return true;
}

/* explain_match - the pieces of pattern, split at '*', in order, each
 * within MATCH_GAP bytes of the one before (the words of one sentence) */
bool explain_match(const char *lower, const char *pattern)
{
	char first[128];
	const char *star = strchr(pattern, '*'), *at;
	size_t n = star != NULL ? (size_t)(star - pattern) : strlen(pattern);

	if (n >= sizeof(first))
		return false;
	memcpy(first, pattern, n);
	first[n] = '\0';
	if (star == NULL || n == 0)
		return n == 0 ? match_from(lower, 0, star != NULL ? star + 1 : NULL) :
		    strstr(lower, first) != NULL;
	for (at = strstr(lower, first); at != NULL; at = strstr(at + 1, first))
		if (match_from(at, n, star + 1))
			return true;
	return false;
}


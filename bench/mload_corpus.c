/*
 * mload_corpus - milterload's corpus: every regular *.eml file of a
 * directory (sorted by name, no subdirectories) or one file, read and
 * parsed before the clock starts (see mload.h for struct mload_msg).
 *
 * Parsing is what Postfix hands a milter: headers as "name\0value\0" with
 * folds joined by LF (a leading mbox "From " line is skipped; the first
 * line that is neither a header nor a fold ends the headers), and the body
 * with CRLF line ends (a last line without one gets it, as SMTP DATA
 * does).  The envelope sender is the first address of Return-Path, else
 * of From, else sender@example.test; the recipient that of the first To,
 * else rcpt@example.test.
 *
 * Ownership: mload_corpus_load returns a malloc'd array that the caller
 * releases with mload_corpus_free; every string in it is malloc'd too.
 *
 * Failure: an unreadable directory or file, a message over 1 GB, a -f
 * FILE that is not a regular file, no *.eml file, a path over PATH_MAX
 * or no memory: one "milterload: ..." line on stderr (none when even the
 * array cannot be allocated), everything loaded so far freed, and -1.
 */
#define _GNU_SOURCE		/* strndup, memrchr, scandir, O_CLOEXEC */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mload.h"

#define MAX_MSG_SIZE (1024u << 20)

/* is_header - length of a header name at p (before optional WSP and ':'),
 * 0 if the line is not a header */
static size_t is_header(const char *p, size_t n)
{
	size_t i = 0, name;

	while (i < n && p[i] > ' ' && p[i] < 0x7f && p[i] != ':')
		i++;
	name = i;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return name > 0 && i < n && p[i] == ':' ? name : 0;
}

/* line_end - end of the line at off (before CR LF / LF) and the next one */
static size_t line_end(const char *raw, size_t len, size_t off, size_t *next)
{
	const char *lf = memchr(raw + off, '\n', len - off);
	size_t end = lf != NULL ? (size_t)(lf - raw) : len;

	*next = lf != NULL ? end + 1 : len;
	if (lf != NULL && end > off && raw[end - 1] == '\r')
		end--;
	return end;
}

/* add_header - start a header: "name\0" + value, NUL added later */
static int add_header(struct mload_msg *m, size_t *cap, const char *line,
		      size_t name, size_t used, size_t end)
{
	struct mload_hdr *h;
	const char *colon = memchr(line + name, ':', end - name);
	size_t vlen = end - (size_t)(colon + 1 - line);

	if (m->nhdr == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		h = realloc(m->hdr, *cap * sizeof(*h));
		if (h == NULL)
			return -1;
		m->hdr = h;
	}
	h = &m->hdr[m->nhdr++];
	h->name_off = (uint32_t)used;
	h->name_len = (uint32_t)name;
	memcpy(m->hdrs + used, line, name);
	m->hdrs[used + name] = 0;
	h->value_off = (uint32_t)(used + name + 1);
	h->value_len = (uint32_t)vlen;
	memcpy(m->hdrs + h->value_off, colon + 1, vlen);
	return 0;
}

/* parse_headers - the header section; returns where the body starts.
 * A line that is neither a header nor a fold ends it (Postfix does so). */
static int parse_headers(struct mload_msg *m, const char *raw, size_t len,
			 size_t *body)
{
	size_t off = 0, next, end, name, used = 0, cap = 0;
	struct mload_hdr *h;

	/* every header shrinks or keeps its size ("name:" -> "name\0", line
	 * end -> "\0"), but the last line may lack its LF: + 1 */
	if ((m->hdrs = malloc(len + 2)) == NULL)
		return -1;
	if (len >= 5 && memcmp(raw, "From ", 5) == 0)	/* mbox separator */
		line_end(raw, len, 0, &off);
	for (; off < len; off = next) {
		end = line_end(raw, len, off, &next);
		if (end == off) {		/* the empty line */
			off = next;
			break;
		}
		if ((raw[off] == ' ' || raw[off] == '\t') && m->nhdr > 0) {
			h = &m->hdr[m->nhdr - 1];
			m->hdrs[used++] = '\n';
			memcpy(m->hdrs + used, raw + off, end - off);
			used += end - off;
			h->value_len += (uint32_t)(end - off + 1);
			continue;
		}
		if ((name = is_header(raw + off, end - off)) == 0)
			break;
		if (m->nhdr > 0)
			m->hdrs[used++] = 0;
		if (add_header(m, &cap, raw + off, name, used, end - off) < 0)
			return -1;
		used += name + 1 + m->hdr[m->nhdr - 1].value_len;
	}
	m->hdrs[used++] = 0;
	*body = off;
	return 0;
}

/* crlf_body - the body with CRLF line ends (a last line without one gets
 * it, as SMTP DATA does); with out == NULL only its size */
static size_t crlf_body(const char *p, size_t n, char *out)
{
	size_t off = 0, next, end, len = 0;

	while (off < n) {
		end = line_end(p, n, off, &next);
		if (out != NULL) {
			memcpy(out + len, p + off, end - off);
			memcpy(out + len + (end - off), "\r\n", 2);
		}
		len += end - off + 2;
		off = next;
	}
	return len;
}

/* first_addr - the first address of a header value (malloc'd) or NULL:
 * the first mailbox ends at a comma outside quotes; its address is in
 * its last <...>, else it is the mailbox's first word holding an '@' */
static char *first_addr(const char *v, size_t n)
{
	const char *e = v, *lt, *gt = NULL, *s = v;
	int quoted = 0;

	for (; e < v + n && (quoted || *e != ','); e++)
		if (*e == '"')
			quoted = !quoted;
	lt = memrchr(v, '<', (size_t)(e - v));
	if (lt != NULL)
		gt = memchr(lt, '>', (size_t)(e - lt));
	if (gt != NULL)
		return strndup(lt + 1, (size_t)(gt - lt - 1));
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\n'))
		s++;
	for (e = s; e < v + n && *e && !strchr(" \t\n,(", *e); e++)
		;
	if (e == s || memchr(s, '@', (size_t)(e - s)) == NULL)
		return NULL;
	return strndup(s, (size_t)(e - s));
}

/* header_addr - first address of the first header called name, or NULL */
static char *header_addr(const struct mload_msg *m, const char *name)
{
	const struct mload_hdr *h;
	size_t i;

	for (i = 0; i < m->nhdr; i++) {
		h = &m->hdr[i];
		if (h->name_len == strlen(name) &&
		    strncasecmp(m->hdrs + h->name_off, name, h->name_len) == 0)
			return first_addr(m->hdrs + h->value_off, h->value_len);
	}
	return NULL;
}

/* parse_msg - headers, CRLF body and envelope of one raw message */
static int parse_msg(struct mload_msg *m, const char *raw, size_t len)
{
	size_t body;

	m->size = len;
	if (parse_headers(m, raw, len, &body) < 0)
		return -1;
	m->bodylen = crlf_body(raw + body, len - body, NULL);
	if ((m->body = malloc(m->bodylen + 1)) == NULL)
		return -1;
	crlf_body(raw + body, len - body, m->body);
	if ((m->from = header_addr(m, "Return-Path")) == NULL &&
	    (m->from = header_addr(m, "From")) == NULL)
		m->from = strdup("sender@example.test");
	if ((m->rcpt = header_addr(m, "To")) == NULL)
		m->rcpt = strdup("rcpt@example.test");
	return m->from != NULL && m->rcpt != NULL ? 0 : -1;
}

/* read_all - the whole file (at most MAX_MSG_SIZE bytes), malloc'd */
static char *read_all(const char *path, size_t *len)
{
	struct stat sb;
	char *raw = NULL;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb) < 0)
		goto fail;
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > MAX_MSG_SIZE) {
		errno = S_ISREG(sb.st_mode) ? EFBIG : EINVAL;
		goto fail;
	}
	if ((raw = malloc((size_t)sb.st_size + 1)) == NULL)
		goto fail;
	while (got < (size_t)sb.st_size) {
		n = read(fd, raw + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* a file that shrank: take what is there */
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return raw;
fail:
	if (fd >= 0)
		close(fd);
	free(raw);
	return NULL;
}

/* load_msg - read and parse one file; -1 after printing why */
static int load_msg(struct mload_msg *m, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len;
	char *raw = read_all(path, &len);
	int r;

	memset(m, 0, sizeof(*m));
	if (raw == NULL) {
		fprintf(stderr, "milterload: %s: %s\n", path, strerror(errno));
		return -1;
	}
	m->name = strdup(slash != NULL ? slash + 1 : path);
	r = m->name != NULL ? parse_msg(m, raw, len) : -1;
	free(raw);
	if (r < 0)
		fprintf(stderr, "milterload: %s: out of memory\n", path);
	return r;
}

/* is_eml - scandir filter: a *.eml entry that may be a regular file
 * (symlinks and unknown types are checked with stat later) */
static int is_eml(const struct dirent *de)
{
	size_t len = strlen(de->d_name);

	return len > 4 && strcmp(de->d_name + len - 4, ".eml") == 0 &&
	       (de->d_type == DT_REG || de->d_type == DT_LNK ||
		de->d_type == DT_UNKNOWN);
}

/* mload_corpus_load - every message of -d DIR or the -f FILE */
int mload_corpus_load(const char *dir, const char *file,
		      struct mload_msg **msgs_r, size_t *nmsgs_r)
{
	struct dirent **names = NULL;
	struct mload_msg *msgs;
	struct stat sb;
	char path[PATH_MAX];
	size_t nmsgs = 0;
	int i, n = 1, r = 0;

	*msgs_r = NULL;
	*nmsgs_r = 0;
	/* alphasort is strcmp order: setlocale() is never called */
	if (dir != NULL && (n = scandir(dir, &names, is_eml, alphasort)) < 0) {
		fprintf(stderr, "milterload: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if ((msgs = calloc((size_t)n + 1, sizeof(*msgs))) == NULL)
		r = -1;
	for (i = 0; r == 0 && i < n; i++) {
		if (dir != NULL && snprintf(path, sizeof(path), "%s/%s", dir,
					    names[i]->d_name) >= (int)sizeof(path)) {
			fprintf(stderr, "milterload: %s: name too long\n", dir);
			r = -1;
		} else if (dir == NULL || stat(path, &sb) < 0 || S_ISREG(sb.st_mode))
			r = load_msg(&msgs[nmsgs++], dir != NULL ? path : file);
	}
	for (i = 0; i < n && names != NULL; i++)
		free(names[i]);
	free(names);
	if (r == 0 && nmsgs == 0) {
		fprintf(stderr, "milterload: %s: no *.eml files\n", dir);
		r = -1;
	}
	if (r < 0) {
		mload_corpus_free(msgs, nmsgs);
		return -1;
	}
	*msgs_r = msgs;
	*nmsgs_r = nmsgs;
	return 0;
}

/* mload_corpus_free - release the messages and the array */
void mload_corpus_free(struct mload_msg *msgs, size_t nmsgs)
{
	struct mload_msg *m;
	size_t i;

	for (i = 0; i < nmsgs; i++) {
		m = &msgs[i];
		free(m->name);
		free(m->hdrs);
		free(m->hdr);
		free(m->body);
		free(m->from);
		free(m->rcpt);
	}
	free(msgs);
}

/*
 * profile - the loaded set of provider profiles and its lookups (see
 * profile.h; profile_file.c parses one file).
 *
 * The set is a vector in load order.  Lookups walk it backwards, so a
 * profile loaded later (an admin's ProfileDir) wins over a shipped one
 * that claims the same domain, MX pattern or reply.  Reply patterns are
 * compiled once at load; matching runs under a match and depth limit from
 * a context that is read-only after load, so one set serves every thread.
 */
#define _GNU_SOURCE		/* the thread-safe GNU strerror_r */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "profile_impl.h"

#define FILES_MAX 1000
#define MATCH_LIMIT 100000
#define DEPTH_LIMIT 1000
/* a remote reply longer than this is matched on its first bytes only */
#define REPLY_TEXT_MAX ((size_t)64 << 10)

struct entry {
	struct profile_data *pd;
	size_t dir;		/* index of the directory it came from */
};

struct profile_set {
	struct entry *v;
	size_t n;
	pcre2_match_context *mctx;
};

static const char *const empty_list[] = { NULL };

/* profile_strv_add - append a copy of s[0..len) */
int profile_strv_add(struct profile_strv *sv, const char *s, size_t len)
{
	if (sv->n + 1 >= sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 8;
		char **v = realloc(sv->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		sv->v = v;
		sv->cap = cap;
	}
	if ((sv->v[sv->n] = strndup(s, len)) == NULL)
		return -1;
	sv->v[++sv->n] = NULL;
	return 0;
}

/* profile_strv_free - release the strings and the vector */
void profile_strv_free(struct profile_strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

/* profile_strv_list - the vector as a NULL-terminated list, never NULL */
const char *const *profile_strv_list(const struct profile_strv *sv)
{
	return sv->v != NULL ? (const char *const *)sv->v : empty_list;
}

/* profile_data_free - release one profile and all it owns */
void profile_data_free(struct profile_data *pd)
{
	size_t i;

	if (pd == NULL)
		return;
	for (i = 0; i < pd->nreplies; i++) {
		struct profile_reply *r = &pd->replies[i];

		free((char *)r->status);
		free((char *)r->reason);
		free((char *)r->text);
		free((char *)r->cause);
		free((char *)r->remedy);
		free((char *)r->doc);
		profile_strv_free(&pd->rx[i].findings);
		pcre2_code_free(pd->rx[i].code);
	}
	free(pd->replies);
	free(pd->rx);
	profile_strv_free(&pd->domains);
	profile_strv_free(&pd->mx);
	profile_strv_free(&pd->types);
	free(pd->name);
	free(pd->description);
	free(pd->file);
	free(pd);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_dir - the *.profile files of dir, sorted by name (bytewise, so the
 * order does not depend on the locale) */
static int list_dir(const char *dir, struct profile_strv *names, struct buf *err)
{
	char errbuf[128];
	struct dirent *de;
	size_t len;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		buf_printf(err, "%s: cannot open the profile directory: %s", dir,
		    strerror_r(errno, errbuf, sizeof(errbuf)));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 8 || strcmp(de->d_name + len - 8, ".profile") != 0)
			continue;
		if (names->n >= FILES_MAX) {
			buf_printf(err, "%s: more than %d profiles", dir, FILES_MAX);
			break;
		}
		if (profile_strv_add(names, de->d_name, len) < 0) {
			buf_puts(err, "out of memory");
			break;
		}
	}
	closedir(d);
	if (err->len > 0)
		return -1;
	if (names->n > 0)
		qsort(names->v, names->n, sizeof(*names->v), by_name);
	return 0;
}

/* add - put pd into the set: a profile of the same Name from an earlier
 * directory is replaced whole; two in one directory are an error */
static int add(struct profile_set *set, struct profile_data *pd, size_t dir, struct buf *err)
{
	struct entry *v;
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (strcmp(set->v[i].pd->name, pd->name) != 0)
			continue;
		if (set->v[i].dir == dir) {
			buf_printf(err, "%s: Name: '%s' is already the name of %s", pd->file,
			    pd->name, set->v[i].pd->file);
			return -1;
		}
		profile_data_free(set->v[i].pd);
		memmove(&set->v[i], &set->v[i + 1], (set->n - i - 1) * sizeof(set->v[0]));
		set->n--;
		break;
	}
	if ((v = realloc(set->v, (set->n + 1) * sizeof(*v))) == NULL) {
		buf_puts(err, "out of memory");
		return -1;
	}
	set->v = v;
	set->v[set->n].pd = pd;
	set->v[set->n++].dir = dir;
	return 0;
}

/* load_dir - every profile of one directory into set */
static int load_dir(struct profile_set *set, const char *dir, size_t ix, char **error_r)
{
	struct profile_strv names = { NULL, 0, 0 };
	struct buf path = BUF_INIT, err = BUF_INIT;
	struct profile_data *pd;
	size_t i;
	int rc = list_dir(dir, &names, &err);

	for (i = 0; rc == 0 && i < names.n; i++) {
		buf_truncate(&path, 0);
		if (buf_printf(&path, "%s/%s", dir, names.v[i]) < 0) {
			buf_puts(&err, "out of memory");
			rc = -1;
		} else if ((rc = profile_file_read(buf_cstr(&path), &pd, error_r)) < 0) {
			break;
		} else if ((rc = add(set, pd, ix, &err)) < 0) {
			profile_data_free(pd);
		}
	}
	if (rc < 0 && err.len > 0)
		*error_r = buf_steal(&err);
	buf_free(&err);
	buf_free(&path);
	profile_strv_free(&names);
	return rc;
}

/* profile_set_limit - see profile.h */
void profile_set_limit(struct profile_set *set, uint32_t steps)
{
	pcre2_set_match_limit(set->mctx, steps);
}

/* profile_set_load - every *.profile of each directory, in order */
int profile_set_load(const char *const *dirs, size_t ndirs, struct profile_set **set_r,
    char **error_r)
{
	struct profile_set *set = calloc(1, sizeof(*set));
	size_t i;

	*set_r = NULL;
	*error_r = NULL;
	if (set == NULL || (set->mctx = pcre2_match_context_create(NULL)) == NULL) {
		free(set);
		*error_r = strdup("out of memory");
		return -1;
	}
	pcre2_set_match_limit(set->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(set->mctx, DEPTH_LIMIT);
	for (i = 0; i < ndirs; i++) {
		if (load_dir(set, dirs[i], i, error_r) < 0) {
			if (*error_r == NULL)
				*error_r = strdup("out of memory");
			profile_set_free(&set);
			return -1;
		}
	}
	*set_r = set;
	return 0;
}

/* profile_set_free - release a set */
void profile_set_free(struct profile_set **setp)
{
	struct profile_set *set = *setp;
	size_t i;

	*setp = NULL;
	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		profile_data_free(set->v[i].pd);
	free(set->v);
	pcre2_match_context_free(set->mctx);
	free(set);
}

/* profile_count - the number of profiles */
size_t profile_count(const struct profile_set *set)
{
	return set != NULL ? set->n : 0;
}

/* profile_at - profile i in load order */
const struct profile *profile_at(const struct profile_set *set, size_t i)
{
	return set != NULL && i < set->n ? &set->v[i].pd->pub : NULL;
}

/* profile_by_name - the profile called name */
const struct profile *profile_by_name(const struct profile_set *set, const char *name)
{
	size_t i;

	for (i = 0; set != NULL && i < set->n; i++)
		if (strcmp(set->v[i].pd->name, name) == 0)
			return &set->v[i].pd->pub;
	return NULL;
}

/* profile_generic - the profile of recipients no other profile claims */
const struct profile *profile_generic(const struct profile_set *set)
{
	return profile_by_name(set, "generic");
}

/* name_len - the length of a domain or host without its trailing dot */
static size_t name_len(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '.' ? n - 1 : n;
}

/* profile_by_domain - the profile that lists domain; the latest wins */
const struct profile *profile_by_domain(const struct profile_set *set, const char *domain)
{
	size_t i, n = name_len(domain);
	const char *const *d;

	for (i = set != NULL ? set->n : 0; n > 0 && i-- > 0; )
		for (d = set->v[i].pd->pub.domains; *d != NULL; d++)
			if (strlen(*d) == n && strncasecmp(*d, domain, n) == 0)
				return &set->v[i].pd->pub;
	return NULL;
}

/* profile_host_matches - "*.example.com" matches any name below
 * example.com (not example.com itself); any other pattern the host exactly */
bool profile_host_matches(const char *pattern, const char *host)
{
	size_t n = name_len(host), plen = strlen(pattern);

	if (plen > 2 && pattern[0] == '*' && pattern[1] == '.')
		return n > plen - 1 && host[n - plen] != '.' &&
		    strncasecmp(host + n - (plen - 1), pattern + 1, plen - 1) == 0;
	return n == plen && strncasecmp(pattern, host, n) == 0;
}

/* profile_by_host - the profile whose MX patterns match host; the latest wins */
const struct profile *profile_by_host(const struct profile_set *set, const char *host)
{
	const char *const *m;
	size_t i;

	for (i = set != NULL ? set->n : 0; i-- > 0; )
		for (m = set->v[i].pd->pub.mx; *m != NULL; m++)
			if (profile_host_matches(*m, host))
				return &set->v[i].pd->pub;
	return NULL;
}

/* match_in - the first reply of pd whose pattern matches; -1 on a match
 * error other than "no match" (limits, out of memory) is treated as none */
static const struct profile_reply *match_in(const struct profile_data *pd,
    pcre2_match_data *md, pcre2_match_context *mctx, const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < pd->nreplies; i++)
		if (pcre2_match(pd->rx[i].code, (PCRE2_SPTR)text, len, 0, 0, md, mctx) >= 0)
			return &pd->replies[i];
	return NULL;
}

/* unfold - the reply as one line: each continuation line ("550-5.7.1
 * text", "550 5.7.1 text") joins the previous one with a space, its code
 * and enhanced status dropped, so a pattern matches a text the receiver
 * broke over lines */
static int unfold(const char *text, size_t len, struct buf *out)
{
	size_t i = 0, n;

	while (i < len) {
		n = strcspn(text + i, "\r\n");
		if (n > len - i)
			n = len - i;
		if (buf_append(out, text + i, n) < 0)
			return -1;
		i += n;
		while (i < len && (text[i] == '\r' || text[i] == '\n'))
			i++;
		if (i >= len)
			break;
		if (len - i >= 4 && isdigit((unsigned char)text[i]) &&
		    isdigit((unsigned char)text[i + 1]) && isdigit((unsigned char)text[i + 2]) &&
		    (text[i + 3] == '-' || text[i + 3] == ' ')) {
			i += 4;
			n = strspn(text + i, "0123456789.");
			if (n >= 5 && i + n < len && text[i + n] == ' ')
				i += n + 1;
		}
		if (buf_putc(out, ' ') < 0)
			return -1;
	}
	return buf_putc(out, '\0');
}

/* recognisable - the profile claims recipients (domains or MX); the others
 * (generic) are tried last, since their patterns are the least specific */
static bool recognisable(const struct profile_data *pd)
{
	return pd->domains.n > 0 || pd->mx.n > 0;
}

/* profile_match_reply - the entry whose pattern matches a remote reply */
const struct profile_reply *profile_match_reply(const struct profile_set *set,
    const struct profile *p, const char *text, const struct profile **p_r)
{
	pcre2_match_context *mctx = set != NULL ? set->mctx : NULL;
	const struct profile_reply *r = NULL;
	const struct profile_data *pd = NULL;
	size_t len = strlen(text), i, pass;
	struct buf one = BUF_INIT;
	pcre2_match_data *md;

	if (p_r != NULL)
		*p_r = NULL;
	if (len > REPLY_TEXT_MAX)
		len = REPLY_TEXT_MAX;
	if (unfold(text, len, &one) < 0 || (md = pcre2_match_data_create(1, NULL)) == NULL) {
		buf_free(&one);
		return NULL;
	}
	text = one.data;
	len = one.len - 1;
	if (p != NULL) {
		/* p is the first member of its profile_data */
		pd = (const struct profile_data *)p;
		r = match_in(pd, md, mctx, text, len);
	}
	for (pass = 0; p == NULL && r == NULL && pass < 2; pass++) {
		for (i = set != NULL ? set->n : 0; r == NULL && i-- > 0; ) {
			pd = set->v[i].pd;
			if (recognisable(pd) == (pass == 0))
				r = match_in(pd, md, mctx, text, len);
		}
	}
	pcre2_match_data_free(md);
	buf_free(&one);
	if (p_r != NULL)
		*p_r = r != NULL ? &pd->pub : NULL;
	return r;
}

/* profile_replies_for - cb for each reply of p that lists finding_id */
int profile_replies_for(const struct profile *p, const char *finding_id,
    int (*cb)(void *arg, const struct profile_reply *r), void *arg)
{
	const char *const *f;
	size_t i;
	int rc;

	for (i = 0; p != NULL && i < p->nreplies; i++) {
		for (f = p->replies[i].findings; *f != NULL; f++) {
			if (strcmp(*f, finding_id) != 0)
				continue;
			if ((rc = cb(arg, &p->replies[i])) < 0)
				return rc;
			break;
		}
	}
	return 0;
}

/* profile_blocks_type - p lists ext (any case, without the dot) */
bool profile_blocks_type(const struct profile *p, const char *ext)
{
	const char *const *t;

	for (t = p != NULL ? p->blocked_types : empty_list; *t != NULL; t++)
		if (strcasecmp(*t, ext) == 0)
			return true;
	return false;
}

/* profile_reply_format - "550 5.7.26 text" (no status when there is none) */
int profile_reply_format(const struct profile_reply *r, struct buf *out)
{
	return buf_printf(out, "%d%s%s %s", r->code, r->status[0] ? " " : "", r->status,
	    r->text);
}

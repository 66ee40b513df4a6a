/*
 * config_file - reading config files into a snapshot: lines, comments,
 * quoting, Include, and the duplicate-key rule (see config.h).
 *
 * A line is "Key Value".  The value runs to the end of the line, or to a
 * '#' that follows whitespace; a value in double quotes may hold '#' and
 * \" or \\.  Lines are read into a fixed buffer, so an overlong line or
 * a NUL byte is an error rather than an allocation.  A non-repeatable key
 * given twice is an error rather than "the last one wins", because with
 * Include a silent override is easy to miss.  Include nests at most
 * INCLUDE_DEPTH_MAX files deep; a file that includes itself, directly or
 * not, is found by device and inode.
 */
#define _GNU_SOURCE		/* the thread-safe GNU strerror_r */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "config.h"
#include "config_impl.h"
#include "profile.h"
#include "rules.h"

#define LINE_BYTES_MAX 4096
#define INCLUDE_DEPTH_MAX 10

/* Where a key was first given, for the "given twice" message. */
struct seen {
	const char *file;	/* NULL: not given */
	unsigned line;
};

struct load {
	struct config *cfg;
	struct seen *seen;	/* config_nkeys entries */
	char **files;		/* every file read; seen[] points into them */
	size_t nfiles;
	struct stat open[INCLUDE_DEPTH_MAX];	/* the files being read */
	unsigned depth;
	char *error;
};

/* fail - record the first error as "file:line: key: reason" */
__attribute__((format(printf, 5, 6)))
static int fail(struct load *ld, const char *file, unsigned line, const char *key,
    const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (ld->error != NULL)
		return -1;
	if (file != NULL)
		buf_printf(&b, line > 0 ? "%s:%u: " : "%s: ", file, line);
	if (key != NULL)
		buf_printf(&b, "%s: ", key);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	ld->error = buf_steal(&b);
	buf_free(&b);
	return -1;
}

/* split_line - key and value of one line in place; 0 for a blank line */
static int split_line(char *line, char **key_r, char **value_r, const char **why_r)
{
	char *p = line, *v, *out;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	*key_r = p;
	while (*p != '\0' && !isspace((unsigned char)*p))
		p++;
	if (*p != '\0')
		*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	*value_r = v = p;
	if (*p != '"') {
		while (*p != '\0' &&
		    !(*p == '#' && (p == v || isspace((unsigned char)p[-1]))))
			p++;
		while (p > v && isspace((unsigned char)p[-1]))
			p--;
		*p = '\0';
		return 1;
	}
	*value_r = out = ++p;
	for (; *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		if (*p == '\0') {
			*why_r = "missing closing quote";
			return -1;
		}
		*out++ = *p;
	}
	*out = '\0';
	for (p++; isspace((unsigned char)*p); p++)
		;
	if (*p != '\0' && *p != '#') {
		*why_r = "text after the closing quote";
		return -1;
	}
	return 2;
}

static int load_file(struct load *ld, const char *path, const char *from, unsigned at);

/* do_line - one line: split, find the key, check duplicates, set */
static int do_line(struct load *ld, const char *file, unsigned lineno, char *line)
{
	struct buf why = BUF_INIT;
	struct config_setctx s = { ld->cfg, file, &why };
	const char *err = NULL, *name;
	char *key, *value, *path;
	int r, i;

	r = split_line(line, &key, &value, &err);
	if (r <= 0)
		return r == 0 ? 0 : fail(ld, file, lineno, NULL, "%s", err);
	if ((i = config_key_find(key)) < 0)
		return fail(ld, file, lineno, key, "unknown key");
	name = config_key_info_table[i].name;
	if (r == 1 && *value == '\0')
		return fail(ld, file, lineno, name, "missing value");
	if (!config_key_repeatable((size_t)i)) {
		if (ld->seen[i].file != NULL)
			return fail(ld, file, lineno, name, "given twice (first at %s:%u)",
			    ld->seen[i].file, ld->seen[i].line);
		ld->seen[i].file = file;
		ld->seen[i].line = lineno;
	}
	if (config_key_table[i].type == T_INCLUDE) {
		if ((path = config_value_resolve(file, value)) == NULL)
			return fail(ld, file, lineno, name, "out of memory");
		r = load_file(ld, path, file, lineno);
		free(path);
		return r;
	}
	r = config_value_set(&s, (size_t)i, value);
	if (r < 0)
		fail(ld, file, lineno, name, "%s", buf_cstr(&why));
	buf_free(&why);
	return r;
}

/* read_lines - every line of f through do_line */
static int read_lines(struct load *ld, FILE *f, const char *file)
{
	char line[LINE_BYTES_MAX + 1];
	unsigned lineno = 0;
	size_t n;
	int c;

	for (;;) {
		lineno++;
		n = 0;
		while ((c = getc(f)) != EOF && c != '\n') {
			if (n == LINE_BYTES_MAX)
				return fail(ld, file, lineno, NULL,
				    "line too long (more than %d bytes)", LINE_BYTES_MAX);
			if (c == '\0')
				return fail(ld, file, lineno, NULL, "NUL byte in line");
			line[n++] = (char)c;
		}
		if (c == EOF && ferror(f))
			return fail(ld, file, lineno, NULL, "read error");
		if (c == EOF && n == 0)
			return 0;
		line[n] = '\0';
		if (do_line(ld, file, lineno, line) < 0)
			return -1;
	}
}

/* keep_name - remember a file name for as long as the load runs */
static const char *keep_name(struct load *ld, const char *path)
{
	char **files = realloc(ld->files, (ld->nfiles + 1) * sizeof(*files));

	if (files == NULL)
		return NULL;
	ld->files = files;
	if ((files[ld->nfiles] = strdup(path)) == NULL)
		return NULL;
	return files[ld->nfiles++];
}

/* load_file - read path; from:at names the Include line, if any */
static int load_file(struct load *ld, const char *path, const char *from, unsigned at)
{
	const char *inc = from != NULL ? "Include: " : "", *name;
	struct stat *st = &ld->open[ld->depth];
	char errbuf[128];
	unsigned i;
	FILE *f;
	int r;

	if (ld->depth >= INCLUDE_DEPTH_MAX)
		return fail(ld, from, at, NULL, "%s%s: nested too deeply (more than %d files)",
		    inc, path, INCLUDE_DEPTH_MAX);
	if ((name = keep_name(ld, path)) == NULL)
		return fail(ld, from, at, NULL, "out of memory");
	if ((f = fopen(path, "r")) == NULL || fstat(fileno(f), st) < 0) {
		r = fail(ld, from, at, NULL, "%s%s: cannot open: %s", inc, path,
		    strerror_r(errno, errbuf, sizeof(errbuf)));
		if (f != NULL)
			fclose(f);
		return r;
	}
	for (i = 0; i < ld->depth; i++) {
		if (ld->open[i].st_dev == st->st_dev && ld->open[i].st_ino == st->st_ino) {
			fclose(f);
			return fail(ld, from, at, NULL, "%s%s: include cycle (the file "
			    "is already being read)", inc, path);
		}
	}
	ld->depth++;
	r = read_lines(ld, f, name);
	ld->depth--;
	fclose(f);
	return r;
}

/* load_rules - compile RulesFile into the snapshot; its errors are the
 * rules file's own "file:line: reason", and a FindingScore/FindingAction
 * for a rule- id the file does not define is refused */
static int load_rules(struct config *cfg, char **error_r)
{
	const struct finding_def *d;
	struct buf msg = BUF_INIT;
	size_t i;

	if (cfg->rules_file == NULL)
		return 0;
	if (rules_load(cfg->rules_file, &cfg->rules, error_r) < 0)
		return -1;
	rules_set_limit(cfg->rules, cfg->max_regex_steps);
	for (i = 0; i < cfg->noverrides; i++) {
		if (strncmp(cfg->overrides[i].id, "rule-", 5) != 0)
			continue;
		for (d = rules_defs(cfg->rules); d->id != NULL; d++)
			if (strcmp(d->id, cfg->overrides[i].id) == 0)
				break;
		if (d->id == NULL) {
			buf_printf(&msg, "%s: FindingScore/FindingAction %s: no such rule in %s",
			    cfg->path, cfg->overrides[i].id, cfg->rules_file);
			*error_r = buf_steal(&msg);
			return -1;
		}
	}
	return 0;
}

#ifndef PF_PROFILE_DIR
#define PF_PROFILE_DIR "/usr/local/share/preflight/profiles"
#endif

/* config_load_profiles - the shipped directory, then each ProfileDir.  The
 * environment may name another shipped directory: tests and a build tree
 * run before `make install` has put the profiles in place. */
int config_load_profiles(struct config *cfg, char **error_r)
{
	const char *shipped = getenv("PREFLIGHT_PROFILE_DIR");
	const char **dirs;
	size_t n = 0, i;
	int rc;

	for (i = 0; cfg->profile_dirs != NULL && cfg->profile_dirs[i] != NULL; i++)
		;
	if ((dirs = calloc(i + 1, sizeof(*dirs))) == NULL) {
		*error_r = strdup("out of memory");
		return -1;
	}
	dirs[n++] = shipped != NULL && *shipped != '\0' ? shipped : PF_PROFILE_DIR;
	for (i = 0; cfg->profile_dirs != NULL && cfg->profile_dirs[i] != NULL; i++)
		dirs[n++] = cfg->profile_dirs[i];
	rc = profile_set_load(dirs, n, &cfg->profiles, error_r);
	free(dirs);
	if (rc == 0)
		profile_set_limit(cfg->profiles, cfg->max_regex_steps);
	return rc;
}

/* config_load - read path into a new snapshot */
int config_load(const char *path, struct config **cfg_r, char **error_r)
{
	struct load ld;
	bool *given;
	size_t i;
	int r = -1;

	memset(&ld, 0, sizeof(ld));
	*cfg_r = NULL;
	*error_r = NULL;
	ld.cfg = config_new();
	ld.seen = calloc(config_nkeys, sizeof(*ld.seen));
	given = calloc(config_nkeys, sizeof(*given));
	if (ld.cfg != NULL && ld.seen != NULL && given != NULL &&
	    load_file(&ld, path, NULL, 0) == 0) {
		for (i = 0; i < config_nkeys; i++)
			given[i] = ld.seen[i].file != NULL;
		if (config_finish(ld.cfg, given, &ld.error) == 0 &&
		    (ld.cfg->path = strdup(path)) != NULL &&
		    load_rules(ld.cfg, &ld.error) == 0 &&
		    config_load_profiles(ld.cfg, &ld.error) == 0)
			r = 0;
	}
	for (i = 0; i < ld.nfiles; i++)
		free(ld.files[i]);
	free(ld.files);
	free(ld.seen);
	free(given);
	if (r == 0) {
		*cfg_r = ld.cfg;
		return 0;
	}
	*error_r = ld.error != NULL ? ld.error : strdup("out of memory");
	config_unref(&ld.cfg);
	return -1;
}

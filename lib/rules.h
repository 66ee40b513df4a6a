/*
 * rules - the admin's own content rules (RulesFile): PCRE2 patterns over
 * headers, decoded body text, URLs and raw body bytes, each with its own
 * finding id, score, description and remedy.
 *
 * One rule a line, '#' starts a comment line:
 *   <kind> <id> <score> /<pattern>/<flags> "<description>" ["<remedy>"]
 * kind is header:<Name> (each unfolded value of that header), header
 * (every "Name: value" line), body (the UTF-8 text of each inline text
 * part, 1 MiB a part), uri (URLs found in those texts) or rawbody (the
 * kept body bytes).  id is kebab-case and starts with "rule-"; flags are
 * any of i m s x.  Patterns match bytes (no UTF mode).
 *
 * A loaded set is immutable and may be shared by every thread: the
 * compiled patterns are, and each scan makes its own match data.  Every
 * match runs under a match limit and a depth limit; a pattern that hits
 * one is reported to the caller as a limit event, never as a hit.
 */
#ifndef PF_RULES_H
#define PF_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "finding.h"

struct msg;
struct mime_tree;
struct rules_set;

#define RULES_MATCH_LIMIT 100000
#define RULES_DEPTH_LIMIT 1000
#define RULES_TEXT_MAX ((size_t)1 << 20)	/* body text matched per part */
#define RULES_SHOW_MAX 80			/* matched bytes kept as evidence */

/* One event of a scan: a rule matched, or it hit a limit (limit = true). */
struct rules_hit {
	const struct finding_def *def;	/* the rule's finding, lives with the set */
	bool limit;
	const char *where;		/* "header Subject", "body part 2", "uri", ... */
	char match[RULES_SHOW_MAX * 4 + 1];	/* matched text, escaped for logs */
};

/* Called once per rule at most, for its first hit or limit; a negative
 * return stops the scan (out of memory). */
typedef int (*rules_cb)(void *arg, const struct rules_hit *hit);

/* rules_load - parse and compile the rules file path into a new set.  On
 * error returns -1 and *error_r gets a malloc'd "file:line: reason". */
int rules_load(const char *path, struct rules_set **set_r, char **error_r);
/* rules_set_limit - the PCRE2 match limit (MaxRegexSteps) of every later
 * match; a match over it is a rules-limit event.  Default
 * RULES_MATCH_LIMIT.  Call before the set is shared between threads. */
void rules_set_limit(struct rules_set *set, uint32_t steps);
/* rules_free - release a set; NULL-safe, sets NULL */
void rules_free(struct rules_set **setp);
/* rules_count - the number of rules */
size_t rules_count(const struct rules_set *set);
/* rules_defs - the rules' findings, in file order, ending with id NULL */
const struct finding_def *rules_defs(const struct rules_set *set);
/* rules_scan - run every rule over m; tree (may be NULL: no body or uri
 * rules then) gives the text parts.  Returns 0, or -1 with a static
 * *error_r when out of memory or when cb returned < 0. */
int rules_scan(const struct rules_set *set, const struct msg *m, struct mime_tree *tree,
    rules_cb cb, void *arg, const char **error_r);

#endif

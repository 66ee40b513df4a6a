/*
 * report - what the held log and the state say about a period, for
 * `preflight report`: verdicts over time, the top findings, senders and
 * destination domains, and the hard bounces `preflight learn` stored.
 *
 * report_collect reads; the renderers only format what it gathered.
 * Everything is bounded: at most REPORT_BUCKETS time buckets (an hour
 * each for windows up to REPORT_HOURLY_MAX, else a day or more), at most
 * REPORT_TOP_MAX entries per list, REPORT_DISTINCT_MAX distinct names
 * counted per list (further names go to "(other)"), REPORT_ROWS_MAX rows.
 * Names come from messages and bounces (attacker-controlled): the text
 * renderer shows control characters as '?', the HTML one escapes all
 * markup, JSON escapes as JSON.  Functions return 0, or -1 with a
 * *error_r that is static or belongs to the store (valid until its next
 * call).
 */
#ifndef PF_REPORT_H
#define PF_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "config.h"

#define REPORT_BUCKETS 400
#define REPORT_HOURLY_MAX (3 * 86400)
#define REPORT_TOP_MAX 100
#define REPORT_TOP_DEFAULT 10
#define REPORT_DISTINCT_MAX 50000
#define REPORT_ROWS_MAX 2000000

struct store;
struct state;

struct report_bucket {
	time_t start;
	uint64_t n[VERDICT_COUNT];
};

struct report_item {
	char *name;
	uint64_t n;
};

/* One ranked list: the top entries, largest first, then by name */
struct report_list {
	struct report_item *v;
	size_t n;
	uint64_t total;		/* over every name, not only the top */
	size_t distinct;	/* names seen (at most REPORT_DISTINCT_MAX) */
};

enum report_list_id {
	REPORT_FINDINGS, REPORT_SENDERS, REPORT_DESTS, REPORT_BOUNCE_REASONS,
	REPORT_BOUNCE_PROVIDERS, REPORT_NLISTS
};

struct report {
	time_t since, until;		/* [since, until) */
	unsigned bucket_secs;		/* 3600, 86400, ... */
	struct report_bucket *buckets;	/* oldest first */
	size_t nbuckets;
	uint64_t totals[VERDICT_COUNT];	/* from the hourly counts */
	uint64_t rows;			/* held-log rows in the window */
	bool rows_cut;			/* REPORT_ROWS_MAX reached */
	bool have_bounces;		/* a state was read */
	const char *bounce_error;	/* why the state could not be read */
	struct report_list lists[REPORT_NLISTS];
};

/* report_list_name - "findings", "senders", "destinations",
 * "bounce_reasons", "bounce_providers" */
const char *report_list_name(enum report_list_id id);

/* report_collect - fill *rep (caller report_free()s it, also on error)
 * from the held log st and, when state is not NULL, the learned bounces;
 * until 0 = now; top entries per list (1..REPORT_TOP_MAX) */
int report_collect(struct report *rep, struct store *st, struct state *state,
    time_t since, time_t until, size_t top, time_t now, const char **error_r);
/* report_free - release and zero; NULL-safe fields */
void report_free(struct report *rep);

/* report_text - aligned tables for a terminal */
int report_text(const struct report *rep, struct buf *out);
/* report_json - one JSON object */
int report_json(const struct report *rep, struct buf *out);
/* report_html - one self-contained page: inline SVG charts, each with a
 * fallback table; no script, no external resource */
int report_html(const struct report *rep, struct buf *out);
/* report_html_escape - s with & < > " ' as entities and control
 * characters as U+FFFD */
int report_html_escape(struct buf *out, const char *s);

#endif

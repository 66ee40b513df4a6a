/*
 * finding - what a check reports: a named, scored observation with the
 * concrete evidence, the fix, and the replies it predicts from receivers.
 *
 * A struct finding_def is the static description of one finding id (the
 * catalogue that preflight-findings(7) documents); a struct finding is one
 * occurrence in one message, with its own summary and predicted replies.
 * A finding_list owns its findings and every string in them.
 * Functions that can fail return NULL or -1 only when out of memory.
 */
#ifndef PF_FINDING_H
#define PF_FINDING_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum finding_category {
	CAT_AUTH, CAT_FORMAT, CAT_SIZE, CAT_CONTENT, CAT_ATTACHMENT,
	CAT_URL, CAT_REPUTATION, CAT_RECIPIENT, CAT_BULK, CAT_VOLUME,
	CAT_COUNT
};

/* One predicted remote reply: which receiver, and the reply text it gives
 * (status code first, as the receiver writes it). */
struct finding_reply {
	const char *provider;	/* gmail, microsoft, yahoo, icloud, generic */
	const char *reply;
};

struct finding_def {
	const char *id;		/* stable, kebab-case, prefixed by its check */
	enum finding_category category;
	double score;		/* default score; FindingScore overrides */
	/* true when the finding predicts a certain permanent rejection by a big
	 * provider: its default score alone reaches the default HoldScore */
	bool certain;
	const char *title;	/* one line for the catalogue */
	const char *remedy;	/* what the sender should change */
	const struct finding_reply *predicted;	/* ends with { NULL, NULL } */
};

struct finding {
	const struct finding_def *def;
	double score;		/* def->score or the configured override, + boost */
	double boost;		/* added for evidence (learn_apply): the same
				 * receiver refused mail for this recently */
	char *summary;		/* the evidence: which header, line, bytes */
	struct finding_reply *predicted;	/* owned copies */
	size_t npredicted;
};

struct finding_list {
	struct finding **v;
	size_t n;
	size_t cap;
};

#define FINDING_LIST_INIT { NULL, 0, 0 }

/* finding_add - append an occurrence of def with a printf-style summary and
 * a copy of def's predicted replies.  Returns the finding (owned by the
 * list, valid until finding_list_free) or NULL when out of memory. */
struct finding *finding_add(struct finding_list *l, const struct finding_def *def,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* finding_add_bare - as finding_add, but with no predicted replies, for
 * checks that name the replies themselves (e.g. per destination) */
struct finding *finding_add_bare(struct finding_list *l, const struct finding_def *def,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* finding_predict - add one predicted reply (formatted) to f */
int finding_predict(struct finding *f, const char *provider, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* finding_list_has - true when a finding with this id is in the list */
bool finding_list_has(const struct finding_list *l, const char *id);
/* finding_list_free - release every finding; the list is reusable */
void finding_list_free(struct finding_list *l);

/* finding_category_name - "auth", "format", ... */
const char *finding_category_name(enum finding_category c);

/* finding_json - append one finding as a JSON object (the contract of
 * `preflight check --json`: id, category, score, summary, remedy,
 * predicted[{provider, reply}]) */
int finding_json(const struct finding *f, struct buf *out);
/* finding_json_number - a score as JSON: an integer when whole, else with
 * 2 decimals (every score Preflight prints, so that they read alike) */
int finding_json_number(struct buf *out, double d);
/* finding_list_json - append the findings as a JSON array */
int finding_list_json(const struct finding_list *l, struct buf *out);
/* finding_json_ids - call fn with each id (not NUL-terminated, len bytes)
 * of an array finding_list_json wrote, in order; stops at fn's first
 * non-zero result and returns it, else 0 */
int finding_json_ids(const char *json, int (*fn)(void *arg, const char *id, size_t len),
    void *arg);
/* finding_list_ids - append the ids, separated by sep (for logs and tags) */
int finding_list_ids(const struct finding_list *l, const char *sep, struct buf *out);

#endif

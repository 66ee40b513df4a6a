/*
 * explain_impl - what the explain_*.c files share and nobody else uses:
 * the raw rejection a parser found, the generic classifier, the reason
 * table and the blocklist finder.  See explain.h for the module.
 */
#ifndef PF_EXPLAIN_IMPL_H
#define PF_EXPLAIN_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "explain.h"

struct profile_set;

/* One rejection as a parser found it; every member may be NULL. */
struct explain_raw {
	const char *text;	/* the remote reply or diagnostic, any line breaks */
	const char *context;	/* more text to look in when text decides nothing */
	const char *recipient;
	const char *remote_host;
	const char *when;
	const char *status;	/* DSN Status: or a log's dsn= */
	const char *action;	/* DSN Action: failed, delayed, ... */
	const char *command;	/* the SMTP command answered: "RCPT", "DATA", ... */
	const char *diag_type;	/* "smtp", "x-unix", ... */
	const char *reason;	/* decided by the parser (feedback, vacation) */
	int code;		/* a reply code known apart from text; 0 = none */
};

/* The facts the generic classifier decides from. */
struct explain_facts {
	const char *lower;	/* text, lowercase, blanks folded */
	const char *context;	/* context, the same way, or NULL */
	const char *status;	/* "5.1.1" or "" */
	int code;
	const char *action;	/* lowercase or NULL */
	const char *command;	/* uppercase or NULL */
	const char *diag_type;	/* lowercase or NULL */
};

/* What explain says for a reason when no provider entry matched. */
struct explain_reason_info {
	const char *name;
	unsigned harm;		/* weight in the --summary ranking */
	const char *cause;
	const char *remedy;
	const char *checks[EXPLAIN_CHECKS_MAX + 1];	/* "check_spf"...; ends NULL */
	const char *findings[8];	/* finding ids that predict it; ends NULL */
};

/* explain_add - classify raw and append the item to out */
int explain_add(const struct profile_set *ps, const struct explain_raw *raw,
    struct explain_list *out, const char **error_r);

/* explain_classify - the generic reason for f (never NULL) */
const char *explain_classify(const struct explain_facts *f);
/* One phrase row (explain_phrase.c tells the format). */
struct explain_phrase {
	const char *reason;
	const char *pattern;	/* lowercase; '*' = a short gap */
	const char *unless;	/* no match when this text is there too, or NULL */
	bool rcpt_only;		/* userunknown only in reply to RCPT (else filtered) */
};

/* The tier A rows (explain_phrase.c) and the tier B rows (explain_weak.c);
 * each ends with reason NULL */
extern const struct explain_phrase explain_strong_phrases[];
extern const struct explain_phrase explain_weak_phrases[];

/* explain_phrase_any - some phrase row of any reason matches lower */
bool explain_phrase_any(const char *lower);
/* explain_phrase_has - which strong phrase rows of reason match lower:
 * 0 none, 1 only rows that hold in reply to RCPT, 2 a row that always holds */
int explain_phrase_has(const char *lower, const char *reason);
/* explain_status_reason - the reason an enhanced status alone names, or
 * NULL; *weak_r (may be NULL) says the status is too vague to beat a
 * phrase (X.0.0, X.7.1, ...) */
const char *explain_status_reason(const char *status, bool *weak_r);
/* explain_reason_info - the table row of a reason (never NULL: unknown
 * names get the "undefined" row) */
const struct explain_reason_info *explain_reason_info(const char *name);
/* explain_reason_static - the table's own copy of name, or NULL */
const char *explain_reason_static(const char *name);

/* explain_fold - text on one line into out: blanks folded, and the code
 * and status a multi-line reply repeats on each line kept once */
int explain_fold(const char *text, struct buf *out);
/* explain_status_len - the length of an enhanced status of class 4 or 5
 * at p ("5.7.26"), 0 when there is none */
size_t explain_status_len(const char *p);
/* explain_is_code - a three-digit reply code starts at p */
bool explain_is_code(const char *p);
/* explain_parse_code - the first reply code and enhanced status in text
 * (a code followed by a status of its class first); each is set only
 * when still unknown (*code_r 0, status "") */
void explain_parse_code(const char *text, int *code_r, char *status, size_t size);
/* explain_copy_status - s into status when it starts with a valid status */
void explain_copy_status(const char *s, char *status, size_t size);
/* explain_find_command - the SMTP command a reply answered: given when
 * set, else from a session transcript or the bounce's wording in lower,
 * then lctx (may be NULL); NULL when unknown */
const char *explain_find_command(const char *given, const char *lower, const char *lctx);

/* explain_lower - text lowercase (ASCII), every run of blanks and line
 * breaks one space, trimmed, into out */
int explain_lower(const char *text, struct buf *out);
/* explain_match - pattern in lowered text: '*' stands for a short gap,
 * the pieces must appear in order */
bool explain_match(const char *lower, const char *pattern);

/* explain_free - the rejections of a free-form bounce text (no DSN);
 * failed is the X-Failed-Recipients header or "", sender the address the
 * bounce went to (never a failed recipient) or NULL, daemon says a mailer
 * daemon sent it (then no bounce wording is required).  *found_r says the
 * text named a failure (even one that added no item). */
int explain_free(const struct profile_set *ps, const char *text, const char *failed,
    const char *sender, bool daemon, struct explain_list *out, bool *found_r,
    const char **error_r);

/* explain_free_block - append the paragraph of a free-form bounce text
 * about rcpt to out (nothing when there is none); -1 when out of memory */
int explain_free_block(const char *text, const char *rcpt, struct buf *out);

/* explain_log_line - the n bytes at line are a Postfix or Sendmail
 * delivery line */
bool explain_log_line(const char *line, size_t n);

/* A blocklist a reply cites. */
struct explain_bl {
	const char *name;	/* "Spamhaus ZEN" */
	bool refused;		/* 127.255.255.x: the receiver's query was refused */
	bool domain;		/* a domain list (DBL, URIBL, SURBL) */
	char item[256];		/* the listed address or domain, "" if not named */
};

/* explain_bl_find - the blocklist lowered text names, if any */
bool explain_bl_find(const char *lower, struct explain_bl *bl);
/* explain_bl_words - cause and remedy for bl into cause and remedy */
int explain_bl_words(const struct explain_bl *bl, struct buf *cause, struct buf *remedy);

#endif

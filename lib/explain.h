/*
 * explain - turn a remote rejection into words: which provider, which
 * reply code and enhanced status, which reason (sisimai's lowercase
 * taxonomy), what it means, what to change, and which Preflight check
 * would have caught it before sending.
 *
 * Three inputs, one result type: an SMTP reply text (explain_reply), a
 * bounce message (explain_bounce: RFC 3464 multipart/report, ARF
 * feedback reports, RFC 3834 auto-replies and the free-form bounces of
 * the common MTAs) and a mail log (explain_log: Postfix, Sendmail, Exim).
 * explain_input guesses which of the three it was given.
 *
 * The provider comes from the profile set: the remote host named in the
 * bounce or log (profile_by_host), else the recipient's domain
 * (profile_by_domain), else the profile whose Reply entry matches the
 * text, else "generic".  A matching Reply entry gives the reason, cause,
 * remedy, doc and the finding ids that predict it; otherwise the generic
 * classifier (tables in explain_reason.c) decides from the enhanced
 * status, the reply phrases and the reply code, and explain_bl.c names
 * the DNS blocklist a reply cites.
 *
 * Every string of a struct explain_item is owned by the list, so a list
 * outlives the profile set it was made with.  Functions return 0, or -1
 * with a static *error_r only when out of memory; any input, however
 * broken, is explained or found to hold no rejection (an empty list).
 * Thread-clean: no state outside the arguments.
 */
#ifndef PF_EXPLAIN_H
#define PF_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct profile_set;

/* The most checks one item names in caught_by */
#define EXPLAIN_CHECKS_MAX 6

struct explain_item {
	char *provider;		/* profile name: "gmail", ..., "generic" */
	int reply_code;		/* 550; 0 when the text gives none */
	char status[16];	/* "5.7.26"; "" when unknown */
	const char *reason;	/* static: "authfailure", ... */
	char *cause;		/* what it means, in plain words */
	char *remedy;		/* what the sender should change */
	char *doc;		/* documentation URL, or "" */
	char *caught_by[EXPLAIN_CHECKS_MAX + 1];	/* "check_spf"...; ends NULL */
	char **findings;	/* finding ids that predict it; ends NULL; may be NULL */
	char *recipient;	/* "" when the input does not say */
	char *remote_host;	/* the remote MTA, "" when unknown */
	char *text;		/* the remote reply, on one line */
	char command[8];	/* the SMTP command it answered: "RCPT", ...; "" */
	char *when;		/* log lines: the timestamp as written, else "" */
	char *bl_name;		/* "Spamhaus ZEN", ...; NULL when no blocklist */
	char *bl_item;		/* the listed IP address or domain, "" if not given */
	bool bl_refused;	/* a Spamhaus 127.255.255.x answer: query refused */
	bool temporary;		/* a 4xx reply or a delayed DSN */
};

struct explain_list {
	struct explain_item *v;
	size_t n;
	size_t cap;
};

#define EXPLAIN_LIST_INIT { NULL, 0, 0 }

enum explain_kind {
	EXPLAIN_AUTO,		/* guess from the input */
	EXPLAIN_REPLY,		/* one SMTP reply, possibly multi-line */
	EXPLAIN_BOUNCE,		/* an RFC 5322 bounce message */
	EXPLAIN_LOG,		/* Postfix, Sendmail or Exim log lines */
};

/* explain_reply - explain one SMTP reply text ("550-5.7.26 ..." lines);
 * recipient and remote_host may be NULL.  Adds one item, or none when the
 * text holds no rejection (a 2xx/3xx reply, or no text at all). */
int explain_reply(const struct profile_set *ps, const char *text,
    const char *recipient, const char *remote_host, struct explain_list *out,
    const char **error_r);
/* explain_bounce - explain each failed or delayed recipient of a bounce
 * message (len bytes, any line ends) */
int explain_bounce(const struct profile_set *ps, const char *data, size_t len,
    struct explain_list *out, const char **error_r);
/* explain_log - explain each bounced or deferred delivery of a Postfix,
 * Sendmail or Exim log (len bytes of lines) */
int explain_log(const struct profile_set *ps, const char *data, size_t len,
    struct explain_list *out, const char **error_r);
/* explain_input - dispatch on kind (EXPLAIN_AUTO: a log when a line looks
 * like a delivery line of one of those, a bounce when the input starts
 * with a header section, else a reply) */
int explain_input(const struct profile_set *ps, const char *data, size_t len,
    enum explain_kind kind, struct explain_list *out, const char **error_r);
/* explain_guess - the kind explain_input would pick for EXPLAIN_AUTO */
enum explain_kind explain_guess(const char *data, size_t len);

/* explain_list_free - release every item; the list is empty and reusable */
void explain_list_free(struct explain_list *l);

/* explain_item_json - append it as one JSON object: provider, reply_code,
 * status, reason, cause, remedy, caught_by, plus recipient, remote_host,
 * text, command, findings, doc, blocklist {name, item, refused},
 * temporary, when */
int explain_item_json(const struct explain_item *it, struct buf *out);
/* explain_list_json - one object for one item, an array otherwise */
int explain_list_json(const struct explain_list *l, struct buf *out);
/* explain_item_text - append the item for people, several lines */
int explain_item_text(const struct explain_item *it, struct buf *out);

/* explain_summary_text / explain_summary_json - the items grouped by
 * reason, provider and recipient domain, most harmful first (the harm
 * weight of the reason times the count), with the period the items span */
int explain_summary_text(const struct explain_list *l, struct buf *out);
int explain_summary_json(const struct explain_list *l, struct buf *out);

/* explain_reasons - sisimai's taxonomy: every reason name, in
 * alphabetical order, ending with NULL */
extern const char *const explain_reasons[];
/* explain_reason_known - true when name is in sisimai's taxonomy */
bool explain_reason_known(const char *name);
/* explain_reason_checks - the checks ("check_spf", ...) that would have
 * caught reason before sending, ending with NULL; empty for the reasons
 * only seen after the fact (userunknown, mailboxfull...) and for a name
 * outside the taxonomy.  Checks missing from the registry may be named:
 * explain items list only those that exist. */
const char *const *explain_reason_checks(const char *reason);

#endif

/*
 * learn - what real bounces teach: `preflight learn` feeds the rejections
 * explain found (lib/explain.h) into the state (lib/state.h), and every
 * scan reads them back.
 *
 * Stored, for SuppressDays:
 *   bounce:<recipient>  the last hard bounce of an address (userunknown,
 *                       hostunknown, hasmoved, notaccept): "reason status
 *                       provider unix-time"; check_rcpt flags the address
 *   hardbounces:<domain>  a counter of those per recipient domain; check_rcpt
 *                       tags mail to a domain with LEARN_DOMAIN_BOUNCES or
 *                       more (a stale list of that domain's addresses)
 *   rej:<provider>:<reason>  a counter of permanent rejections; a scan
 *                       raises the score of its findings whose check would
 *                       have caught that reason, for that destination
 *                       (learn_apply), and says so in their summary.
 * A temporary rejection (4xx, delayed DSN) teaches nothing.  Functions
 * return 0, or -1 with a static *error_r (out of memory, or the state
 * failed).
 */
#ifndef PF_LEARN_H
#define PF_LEARN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "explain.h"

struct state;
struct check_ctx;

/* The score a finding gains when its destination refused mail for the
 * reason it predicts, recently */
#define LEARN_BOOST 5.0
/* Hard bounces in SuppressDays that make a recipient domain suspect */
#define LEARN_DOMAIN_BOUNCES 3

struct learn_stats {
	size_t seen;		/* rejections in the input */
	size_t temporary;	/* 4xx and delays: not learned */
	size_t hard;		/* hard bounces: recipients flagged */
	size_t counted;		/* permanent rejections counted per provider */
};

/* What the last hard bounce of an address said (learn_bounce_of). */
struct learn_bounce {
	char reason[40];	/* userunknown, ... */
	char status[16];	/* "5.1.1", or "-" */
	char provider[40];	/* profile name, or "unknown" */
	time_t when;
};

/* learn_bounce_of - the hard bounce learned for addr (any case) within
 * SuppressDays: 1 (*b filled), 0 none (or the state failed) */
int learn_bounce_of(struct state *st, const char *addr, time_t now, struct learn_bounce *b);
/* learn_domain_bounces - hard bounces learned for domain's addresses in
 * SuppressDays (0 when the state failed) */
uint64_t learn_domain_bounces(struct state *st, const struct config *cfg, const char *domain,
    time_t now);
/* learn_record - store what the rejections of l teach, at now */
int learn_record(struct state *st, const struct config *cfg, const struct explain_list *l,
    time_t now, struct learn_stats *stats, const char **error_r);
/* learn_is_hard - reason is a hard bounce of the address itself */
bool learn_is_hard(const char *reason);
/* learn_apply - raise the findings [from, end) of the scan whose check
 * would have caught a reason a destination provider recently refused
 * mail for (LEARN_BOOST), with the evidence in the summary */
int learn_apply(struct check_ctx *ctx, size_t from, const char **error_r);

#endif

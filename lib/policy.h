/*
 * policy - findings + config -> verdict.
 *
 * Each finding's score is its catalogue score unless FindingScore names
 * its id.  Findings scoring under HoldScore are weak: together they add at
 * most WeakScoreCap (default 9) to the total, so that out of the box weak
 * signals alone tag but never hold.  The total is compared with TagScore,
 * HoldScore and RejectScore (reject only when RejectScore > 0).  A FindingAction for an id present in
 * the message sets a floor: the verdict is at least that action
 * (accept < tag < hold < reject); "FindingAction id accept" instead drops
 * the finding from the total.  In Mode observe the verdict is computed the
 * same way and kept in would_be, while verdict is accept.
 */
#ifndef PF_POLICY_H
#define PF_POLICY_H

#include <stdbool.h>

#include "buf.h"
#include "config.h"
#include "finding.h"

/* The quarantine reason Postfix keeps is at most this many bytes. */
#define POLICY_REASON_MAX 100

struct policy_result {
	enum verdict verdict;	/* what to do */
	enum verdict would_be;	/* what enforce mode would do */
	double score;		/* total after overrides */
	bool observe;		/* decided in Mode observe */
};

/* policy_decide - set each finding's effective score from the config and
 * decide.  Cannot fail. */
void policy_decide(const struct config *cfg, struct finding_list *findings,
    struct policy_result *r);

/* policy_reason - a one-line reason of at most max bytes (max >= 16), plain
 * ASCII, for the quarantine reason and logs: "preflight: <ids>" shortened
 * with "..." when it would not fit.  Appends to out; -1 on ENOMEM. */
int policy_reason(const struct finding_list *findings, size_t max, struct buf *out);

#endif

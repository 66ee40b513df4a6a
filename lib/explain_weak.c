/*
 * explain_weak - the phrases of the reasons that do not compete with an
 * enhanced status (tier B, see explain_phrase.c for the row format), and
 * the lookups over both tables.  Tier B rows decide only when the status
 * and the tier A phrases did not, in the rank_b order of
 * explain_reason.c.  Many of them name the failures a sending MTA reports
 * itself (time-outs, DNS and loop errors, local mailers), which carry no
 * remote reply at all.
 */
#include <stddef.h>
#include <string.h>

#include "explain_impl.h"

const struct explain_phrase explain_weak_phrases[] = {
	{ "virusdetected", "virus", "spam or virus", false },
	{ "virusdetected", "malware", NULL, false },
	{ "virusdetected", "infected", NULL, false },
	{ "virusdetected", "potentially executable", NULL, false },
	{ "policyviolation", "policy reasons", NULL, false },
	{ "policyviolation", "local policy", NULL, false },
	{ "policyviolation", "policy violation", NULL, false },
	{ "policyviolation", "denied by policy", NULL, false },
	{ "policyviolation", "security policies", NULL, false },
	{ "policyviolation", "organizational settings", NULL, false },
	{ "policyviolation", "organization policy", NULL, false },
	{ "policyviolation", "members-only", NULL, false },
	{ "policyviolation", "closed mailing list", NULL, false },
	{ "policyviolation", "illegal attachment", NULL, false },
	{ "policyviolation", "attachment*not allowed", NULL, false },
	{ "policyviolation", "header error", NULL, false },
	{ "policyviolation", "protocol violation", NULL, false },
	{ "policyviolation", "mass mailer", NULL, false },
	{ "policyviolation", "content presents a potential", NULL, false },
	{ "policyviolation", "low priority", NULL, false },
	{ "policyviolation", "captcha", NULL, false },
	{ "systemerror", "local error", NULL, false },
	{ "systemerror", "configuration error", NULL, false },
	{ "systemerror", "config error", NULL, false },
	{ "systemerror", "system error", NULL, false },
	{ "systemerror", "internal error", NULL, false },
	{ "systemerror", "server error", NULL, false },
	{ "systemerror", "local problem", NULL, false },
	{ "systemerror", "would create a mail loop", NULL, false },
	{ "systemerror", "loops back to myself", NULL, false },
	{ "systemerror", "loop was found", NULL, false },
	{ "systemerror", "forwarding loop broken", NULL, false },
	{ "systemerror", "queue file write error", NULL, false },
	{ "systemerror", "interrupted system call", NULL, false },
	{ "systemerror", "timeout waiting for input", NULL, false },
	{ "systemerror", "service currently unavailable", NULL, false },
	{ "systemerror", "misconfigured", NULL, false },
	{ "systemerror", "error while being processed", NULL, false },
	{ "systemerror", "can't create user output file", NULL, false },
	{ "systemerror", "no mdb", NULL, false },
	{ "systemerror", "transaction failed", NULL, false },
	{ "systemerror", "could not load drd", NULL, false },
	{ "networkerror", "no route to host", NULL, false },
	{ "networkerror", "host is unreachable", NULL, false },
	{ "networkerror", "host unreachable", NULL, false },
	{ "networkerror", "network is unreachable", NULL, false },
	{ "networkerror", "name server", NULL, false },
	{ "networkerror", "lookup failure", NULL, false },
	{ "networkerror", "host not found, try again", NULL, false },
	{ "networkerror", "network error", NULL, false },
	{ "networkerror", "dns error", NULL, false },
	{ "networkerror", "dns records for the destination", NULL, false },
	{ "networkerror", "routing loop", NULL, false },
	{ "networkerror", "message looping", NULL, false },
	{ "networkerror", "too many hops", NULL, false },
	{ "networkerror", "hop count exceeded", NULL, false },
	{ "networkerror", "forwarding loop", NULL, false },
	{ "networkerror", "unable to resolve route", NULL, false },
	{ "networkerror", "unrouteable mail domain", NULL, false },
	{ "networkerror", "could not connect", NULL, false },
	{ "networkerror", "able to establish an smtp connection", NULL, false },
	{ "systemfull", "mail system full", NULL, false },
	{ "systemfull", "insufficient disk space", NULL, false },
	{ "systemfull", "insufficient system storage", NULL, false },
	{ "notaccept", "mail receiving disabled", NULL, false },
	{ "notaccept", "no route for current request", NULL, false },
	{ "expired", "expired", NULL, false }, { "expired", "timed out", NULL, false },
	{ "expired", "retry timeout exceeded", NULL, false },
	{ "expired", "in the queue too long", NULL, false },
	{ "expired", "in queue for", NULL, false }, { "expired", "giving up", NULL, false },
	{ "expired", "gave up", NULL, false },
	{ "expired", "has been delayed", NULL, false },
	{ "expired", "delivery attempts will continue", NULL, false },
	{ "expired", "could not be delivered for", NULL, false },
	{ "expired", "failing for a long time", NULL, false },
	{ "expired", "did not respond", NULL, false },
	{ "expired", "allowed queue period", NULL, false },
	{ "expired", "after multiple retries", NULL, false },
	{ "expired", "not been collected", NULL, false },
	{ "expired", "could not find a gateway", NULL, false },
	{ "expired", "failed to deliver to domain", NULL, false },
	{ "expired", "did not accept our requests to connect", NULL, false },
	{ "expired", "warning message only", NULL, false },
	{ "expired", "delivery failed * attempts", NULL, false },
	{ "expired", "still undelivered", NULL, false },
	{ "failedstarttls", "starttls", NULL, false },
	{ "failedstarttls", "does not support tls", NULL, false },
	{ "failedstarttls", "tls required", NULL, false },
	{ "failedstarttls", "tls is required", NULL, false },
	{ "failedstarttls", "requiretls", NULL, false },
	{ "securityerror", "authentication required", NULL, false },
	{ "securityerror", "smtp authentication", NULL, false },
	{ "securityerror", "authentication is required", NULL, false },
	{ "securityerror", "authentication failed", NULL, false },
	{ "securityerror", "authentication failure", NULL, false },
	{ "securityerror", "unauthenticated senders", NULL, false },
	{ "securityerror", "credentials invalid", NULL, false },
	{ "securityerror", "verification failure", NULL, false },
	{ "securityerror", "executable files are not allowed", NULL, false },
	{ "securityerror", "not authorized to send", NULL, false },
	{ "securityerror", "dead domain", NULL, false },
	{ "syntaxerror", "malformed address", NULL, false },
	{ "syntaxerror", "syntax error", NULL, false },
	{ "suppressed", "suppression list", NULL, false },
	{ "suppressed", "suppressed", NULL, false },
	{ "mailererror", "procmail", NULL, false },
	{ "mailererror", "maildrop", NULL, false },
	{ "mailererror", "command failed", NULL, false },
	{ "mailererror", "command died", NULL, false },
	{ "mailererror", "command output", NULL, false },
	{ "mailererror", "mailer error", NULL, false },
	{ "mailererror", "pipe to |", NULL, false },
	{ "mailererror", "x-unix;", NULL, false },
	{ NULL, NULL, NULL, false }
};

/* row_matches - the row's pattern is in lower and its exclusion is not */
static bool row_matches(const struct explain_phrase *p, const char *lower)
{
	return explain_match(lower, p->pattern) &&
	    (p->unless == NULL || strstr(lower, p->unless) == NULL);
}

/* explain_phrase_any - some row of either table matches lower */
bool explain_phrase_any(const char *lower)
{
	const struct explain_phrase *p;

	for (p = explain_strong_phrases; p->reason != NULL; p++)
		if (row_matches(p, lower))
			return true;
	for (p = explain_weak_phrases; p->reason != NULL; p++)
		if (row_matches(p, lower))
			return true;
	return false;
}

/* has_rows - which rows of reason in table t match lower (see below) */
static int has_rows(const struct explain_phrase *t, const char *lower, const char *reason)
{
	const struct explain_phrase *p;
	int found = 0;

	for (p = t; p->reason != NULL && found < 2; p++)
		if (strcmp(p->reason, reason) == 0 && row_matches(p, lower))
			found = p->rcpt_only ? 1 : 2;
	return found;
}

/* explain_phrase_has - which rows of reason match lower: 0 none, 1 only
 * rows that hold in reply to RCPT, 2 a row that always holds */
int explain_phrase_has(const char *lower, const char *reason)
{
	int a = has_rows(explain_strong_phrases, lower, reason);

	return a == 2 ? 2 : has_rows(explain_weak_phrases, lower, reason) > a ? 2 : a;
}

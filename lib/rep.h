/*
 * rep - the relay's own standing with receivers, checked in the
 * background rather than per message: each EgressAddress against the
 * DNSBL zones, its PTR and forward-confirmed reverse DNS, and whether
 * EgressHelo resolves to it.
 *
 * rep_refresh does the lookups (blocking, each bounded by DNSTimeout)
 * and then swaps the new results in under a mutex; rep_each hands the
 * current results to a callback under the same mutex, so a scan never
 * waits for DNS and never sees a half-written result.  One struct rep per
 * process, shared by every thread.
 *
 * A DNSBL answer in 127.0.0.0/8 is a listing, except Spamhaus'
 * 127.255.255.0/24, which means the query was refused (an open or public
 * resolver, or too many queries): reported as REP_REFUSED, never as a
 * listing.  A lookup that times out leaves no item: no evidence is not a
 * listing either.  Addresses in locally answered space (rep_is_local) are
 * skipped: an EgressAddress behind NAT says nothing to a receiver.
 */
#ifndef PF_REP_H
#define PF_REP_H

#include <stdbool.h>
#include <time.h>

#include "config.h"

struct dns;
struct rep;

enum rep_kind {
	REP_LISTED,		/* egress address on a DNSBL */
	REP_REFUSED,		/* the DNSBL refused the query (127.255.255.x) */
	REP_PTR_MISSING,	/* no PTR record for the egress address */
	REP_FCRDNS,		/* PTR names do not resolve back to the address */
	REP_HELO,		/* EgressHelo does not resolve to the address */
};

struct rep_item {
	enum rep_kind kind;
	const char *ip;		/* the egress address */
	const char *zone;	/* the DNSBL zone, or "" */
	const char *list;	/* the list's name ("Spamhaus SBL"), or "" */
	const char *answer;	/* the DNSBL's A answer, the PTR name, or "" */
};

/* rep_new - an empty state (never refreshed); NULL on ENOMEM */
struct rep *rep_new(void);
/* rep_free - release; NULL-safe, sets NULL */
void rep_free(struct rep **rp);

/* rep_refresh - look every egress address of cfg up now and replace the
 * results.  Returns the number of items found (0 = clean), or -1 with a
 * static *error_r when out of memory (the old results stay). */
int rep_refresh(struct rep *r, const struct config *cfg, struct dns *d,
    const char **error_r);
/* rep_due - true when never refreshed, or the last refresh is older than
 * ReputationInterval at now */
bool rep_due(struct rep *r, const struct config *cfg, time_t now);
/* rep_each - call cb for each current item, in lookup order; a negative
 * return from cb stops and is returned.  *refreshed_r (may be NULL) gets
 * the time of the last refresh, 0 = never. */
int rep_each(struct rep *r, int (*cb)(void *arg, const struct rep_item *it), void *arg,
    time_t *refreshed_r);

/* rep_is_local - ip is in space whose reverse zones every resolver answers
 * itself (private, loopback, link-local, CGNAT, documentation, ULA): no
 * receiver can see a real PTR or listing for it, so it is not looked up */
bool rep_is_local(const char *ip);
/* rep_reverse_name - the DNSBL/PTR query label of ip ("4.3.2.1" or the
 * IPv6 nibbles) into out; false when ip is not an address */
bool rep_reverse_name(const char *ip, char *out, size_t outsz);
/* rep_list_name - the name of the list behind a zone and answer
 * ("Spamhaus XBL" for zen.spamhaus.org 127.0.0.4), never NULL */
const char *rep_list_name(const char *zone, const char *answer);

#endif

/*
 * spf - SPF of our own egress addresses (libspf2 over the shared resolver)
 * and a static review of the SPF record's quality.
 *
 * spf_evaluate runs libspf2's check_host() for one IP and one identity
 * (MAIL FROM, or postmaster@HELO for the null sender).  libspf2 asks its
 * questions through a DNS layer of ours that calls dns_lookup_until with
 * the caller's deadline, so an evaluation never outlives the message's DNS
 * budget: a lookup that does not answer in time is a temperror, never a
 * pass or a fail.  Each evaluation creates and frees its own SPF_server_t:
 * libspf2 is not documented to be thread-safe, and nothing of it is shared
 * between threads.  Two departures from libspf2, for its unpatched
 * compiler underflow (CVE-2023-42118, spf_dns.c): exp= explanations are
 * not fetched, and a record with a term of 200 bytes or more that has a
 * macro is a permerror whose detail says so.
 *
 * spf_quality walks the record of a domain ourselves (include:, redirect=,
 * a, mx, exists, through dns.h with the same deadline) and reports what
 * receivers dislike even when our address passes: several v=spf1 records,
 * "+all", "?all", ptr, very broad ranges (Gmail 5.7.24 "suspicious
 * entries"), more than 10 DNS-querying terms or more than 2 void lookups
 * (RFC 7208 section 4.6.4).  We count both ourselves: libspf2 1.2.10
 * enforces the 10 only while evaluating and per record (an include:
 * starts a new count), and has no void limit at all.  The walk is static:
 * it counts every term of the whole tree, as record checkers do, not only
 * those an evaluation for one address reaches; terms with macros are
 * counted but not followed.
 *
 * Functions return 0, or -1 with a static *error_r when out of memory;
 * every DNS or record problem is a result, not an error.
 */
#ifndef PF_SPF_H
#define PF_SPF_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"

struct dns;

/* RFC 7208 section 4.6.4 limits */
#define SPF_MAX_LOOKUPS 10
#define SPF_MAX_VOIDS 2
/* Ranges broader than these count as "suspicious" (ip4: / ip6: prefix) */
#define SPF_BROAD_IP4 16
#define SPF_BROAD_IP6 32

struct spf_eval {
	enum auth_result result;	/* none ... temperror */
	char *detail;		/* libspf2's comment or error message */
};

/* spf_evaluate - evaluate ip (IPv4 or IPv6 text) for mail_from, or for
 * postmaster@helo when mail_from is NULL or "" (helo may be NULL when
 * mail_from is set; it only feeds the %{h} macro then).  An address that
 * is not an IP or an identity without a domain gives AUTH_NONE. */
int spf_evaluate(struct dns *d, uint64_t deadline_ms, const char *ip,
    const char *mail_from, const char *helo, struct spf_eval *ev,
    const char **error_r);
/* spf_eval_free - release ev's strings; NULL-safe, ev reusable */
void spf_eval_free(struct spf_eval *ev);

enum spf_quality_flag {
	SPF_Q_MULTIPLE = 1u << 0,	/* several v=spf1 records: permerror */
	SPF_Q_PASS_ALL = 1u << 1,	/* "+all" / "all": anyone passes */
	SPF_Q_NEUTRAL_ALL = 1u << 2,	/* "?all" ends the policy */
	SPF_Q_PTR = 1u << 3,		/* ptr mechanism (RFC 7208: do not use) */
	SPF_Q_BROAD = 1u << 4,		/* ip4 < /16 or ip6 < /32 allowed */
	SPF_Q_LOOKUPS = 1u << 5,	/* more than 10 DNS-querying terms */
	SPF_Q_VOIDS = 1u << 6,		/* more than 2 void lookups */
	SPF_Q_INCLUDE_NONE = 1u << 7,	/* include:/redirect= without a record */
};

struct spf_quality {
	/* AUTH_PASS: one record found, AUTH_NONE: none, AUTH_PERMERROR:
	 * several, AUTH_TEMPERROR: the TXT lookup did not answer */
	enum auth_result record;
	char *text;		/* the v=spf1 record (the first one if several) */
	unsigned nrecords;	/* v=spf1 records at the domain */
	unsigned lookups;	/* DNS-querying terms in the whole tree */
	unsigned voids;		/* of those, lookups with no answer */
	unsigned flags;		/* enum spf_quality_flag bits */
	bool incomplete;	/* a lookup failed or a cap cut the walk short */
	char *issues;		/* evidence per flag, "; "-separated, or NULL */
};

/* spf_quality - review domain's record; family (AF_INET or AF_INET6)
 * picks A or AAAA for the a mechanism, as for an egress of that family */
int spf_quality(struct dns *d, uint64_t deadline_ms, const char *domain, int family,
    struct spf_quality *q, const char **error_r);
/* spf_quality_free - release q's strings; NULL-safe, q reusable */
void spf_quality_free(struct spf_quality *q);
/* spf_quality_flag_name - "multiple", "pass-all", ...; one bit only */
const char *spf_quality_flag_name(unsigned flag);

#endif

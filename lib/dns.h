/*
 * dns - the one resolver every lookup goes through (libunbound).
 *
 * One struct dns per process, shared by all threads: libunbound keeps one
 * cache (positive and negative, TTL-bound) and resolves in its own thread;
 * we only wait for answers.  A lookup never takes longer than the deadline
 * it is given: past it the query is cancelled and the answer is
 * DNS_TEMPFAIL, the same as SERVFAIL, a refused query or a network error.
 * Callers turn DNS_TEMPFAIL into a "temperror" result, never into pass or
 * fail.
 *
 * Results are libunbound's struct ub_result, owned by the caller and
 * released with dns_result_free.  dns_open returns 0, or -1 with a static
 * *error_r.  The lookup functions cannot fail otherwise: every problem is
 * a status.
 */
#ifndef PF_DNS_H
#define PF_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <unbound.h>

enum dns_status {
	DNS_OK,			/* answer with data */
	DNS_NXDOMAIN,		/* the name does not exist */
	DNS_NODATA,		/* the name exists, no record of this type */
	DNS_TEMPFAIL,		/* timeout, SERVFAIL, REFUSED, bogus DNSSEC... */
};

struct dns_options {
	const char *nameservers;	/* "ADDR[@PORT] ..."; NULL = /etc/resolv.conf */
	unsigned timeout_ms;		/* default for dns_lookup */
	const char *trust_anchor;	/* DNSSEC trust anchor file, or NULL */
};

struct dns;

int dns_open(const struct dns_options *opt, struct dns **d_r, const char **error_r);
/* dns_close - stop the resolver thread and free; NULL-safe, sets NULL */
void dns_close(struct dns **dp);

/* dns_now_ms - the monotonic clock deadlines are measured on */
uint64_t dns_now_ms(void);
/* dns_set_metrics - count queries, cache answers and failures in m
 * (NULL: off); call before other threads use d */
struct metrics;
void dns_set_metrics(struct dns *d, struct metrics *m);
/* dns_timeout_ms - the configured per-lookup timeout */
unsigned dns_timeout_ms(const struct dns *d);

/* dns_lookup_until - resolve name/rrtype, waiting at most until deadline_ms
 * (dns_now_ms clock); *res_r gets the result for DNS_OK, DNS_NXDOMAIN and
 * DNS_NODATA (caller frees), NULL for DNS_TEMPFAIL */
enum dns_status dns_lookup_until(struct dns *d, const char *name, int rrtype,
    uint64_t deadline_ms, struct ub_result **res_r);
/* dns_lookup - the same with the configured timeout from now */
enum dns_status dns_lookup(struct dns *d, const char *name, int rrtype,
    struct ub_result **res_r);
/* dns_result_free - release a result; NULL-safe, sets NULL */
void dns_result_free(struct ub_result **resp);

/* Asynchronous form, for libraries that start a query and wait later
 * (libopendkim's query hooks). */
struct dns_query;
struct dns_query *dns_start(struct dns *d, const char *name, int rrtype);
/* dns_wait - as dns_lookup_until for a started query; frees q */
enum dns_status dns_wait(struct dns *d, struct dns_query *q, uint64_t deadline_ms,
    struct ub_result **res_r);
/* dns_cancel - give up on a started query; frees q */
void dns_cancel(struct dns *d, struct dns_query *q);

/* dns_wire_name - an uncompressed wire-format name (MX after its 2-byte
 * preference, PTR, CNAME) as dotted text in out, without the final dot;
 * -1 when it does not fit in outsz or is malformed */
int dns_wire_name(const unsigned char *p, size_t len, char *out, size_t outsz);

/* dns_status_name - "ok", "nxdomain", "nodata", "tempfail" */
const char *dns_status_name(enum dns_status s);

#endif

/*
 * dns_cache - definite DNS answers kept for their TTL in front of
 * libunbound, shared by all threads (dns.c owns one).  A hit costs a hash
 * lookup and a deep copy instead of a round trip through libunbound's
 * resolver thread.  Thread-safe; bounded in size (see dns_cache.c).
 */
#ifndef PF_DNS_CACHE_H
#define PF_DNS_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "dns.h"

struct dns_cache;

/* dns_cache_new - an empty cache; NULL when out of memory */
struct dns_cache *dns_cache_new(void);
/* dns_cache_free - free every entry and the cache; NULL-safe, sets NULL */
void dns_cache_free(struct dns_cache **cp);
/* dns_cache_get - true and a copy of the answer (*res_r, the caller frees
 * it with ub_resolve_free) with its status when name/rrtype is cached and
 * fresh at now_ms; false otherwise (also when the copy cannot be made) */
bool dns_cache_get(struct dns_cache *c, const char *name, int rrtype, uint64_t now_ms,
    enum dns_status *st_r, struct ub_result **res_r);
/* dns_cache_put - keep a copy of a definite answer (DNS_OK, DNS_NXDOMAIN,
 * DNS_NODATA) for min(res->ttl, 600) seconds from now_ms; failures, bogus
 * answers and a TTL of 0 are not kept.  Silently keeps nothing when out
 * of memory. */
void dns_cache_put(struct dns_cache *c, const char *name, int rrtype, uint64_t now_ms,
    enum dns_status st, const struct ub_result *res);

#endif

/*
 * metrics - the process's counters for MetricsListen, rendered in the
 * Prometheus text exposition format (version 0.0.4).
 *
 * One struct metrics per process, allocated by its owner (the milter)
 * once, never by the config snapshot, so that the counters survive a
 * reload.  Every counter is a C11 atomic updated with relaxed ordering:
 * no lock and no allocation on the hot path.  A NULL struct metrics *
 * means "off": every metrics_* update function accepts NULL and does
 * nothing, so callers need no test of their own.
 *
 * What is counted, and where (see README "Metrics"):
 *   messages by verdict, scan errors, findings by id, messages with a
 *   predicted reply per provider   - metrics_message (the milter, per message)
 *   per-check latency              - metrics_check_time (check_scan_env)
 *   DNS queries and cache answers  - metrics_dns_query / _cache_hit (dns.c)
 *   held-log (store) errors        - metrics_store_error (the milter)
 *   egress reputation              - read from struct rep at render time
 */
#ifndef PF_METRICS_H
#define PF_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "buf.h"
#include "config.h"
#include "finding.h"

struct metrics;
struct rep;

/* The latency buckets' upper bounds, in microseconds (0.1 ms .. 1 s);
 * a last, implicit bucket is +Inf. */
#define METRICS_BUCKETS 12

/* metrics_new - zeroed counters for every check and catalogue id of
 * check_registry(); NULL when out of memory */
struct metrics *metrics_new(void);
/* metrics_free - release; NULL-safe, sets NULL */
void metrics_free(struct metrics **mp);
/* metrics_set_rep - read the egress reputation from r when rendering
 * (NULL: not shown); set before any other thread renders */
void metrics_set_rep(struct metrics *m, struct rep *r);

/* metrics_message - one checked message: its verdict, its findings by id
 * and the providers they predict a reply from (one per provider and
 * message) */
void metrics_message(struct metrics *m, enum verdict v, const struct finding_list *fl);
/* metrics_scan_error - a message whose scan failed (OnError applied) */
void metrics_scan_error(struct metrics *m);
/* metrics_check_time - check number idx of check_registry() took ns */
void metrics_check_time(struct metrics *m, size_t idx, uint64_t ns);
/* metrics_dns_query - a query sent to the resolver (libunbound) */
void metrics_dns_query(struct metrics *m);
/* metrics_dns_cache_hit - a query answered by the answer cache */
void metrics_dns_cache_hit(struct metrics *m);
/* metrics_dns_tempfail - a lookup that ended in DNS_TEMPFAIL */
void metrics_dns_tempfail(struct metrics *m);
/* metrics_store_error - a held-log row that could not be written */
void metrics_store_error(struct metrics *m);

/* metrics_now_ns - the monotonic clock check latencies are measured on */
uint64_t metrics_now_ns(void);

/* metrics_render - append the exposition text; -1 when out of memory */
int metrics_render(const struct metrics *m, struct buf *out);
/* metrics_escape - append a label value escaped as the format wants
 * (backslash, double quote and newline); -1 when out of memory */
int metrics_escape(struct buf *out, const char *value);

/* metrics_listen_parse - "ADDR:PORT" (IPv4) or "[ADDR]:PORT" (IPv6) into
 * ss/len; -1 with the reason appended to why (may be NULL) otherwise */
int metrics_listen_parse(const char *spec, struct sockaddr_storage *ss, socklen_t *len_r,
    struct buf *why);
/* metrics_listen_check - MetricsListen's config check: empty (off) or
 * what metrics_listen_parse accepts */
int metrics_listen_check(const char *spec, struct buf *why);

#endif

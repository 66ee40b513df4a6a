/*
 * state - what Preflight remembers between messages: sliding-window
 * counters (volume per sender, per domain and provider) and short-lived
 * values (suppressed recipients, recent rejections learned from bounces).
 *
 * StateBackend chooses where it lives:
 *   sqlite:PATH       one SQLite file (WAL), the default, one relay
 *   redis://HOST:PORT[/DB][?timeout=MS]  a Redis server shared by a fleet
 *                     of relays; each command waits at most MS
 *                     (STATE_REDIS_TIMEOUT_MS by default)
 *   none              process memory only (lost at restart)
 * A struct state is shared by every thread (it has its own lock).
 *
 * Redis never blocks mail: when a command fails, the state counts and
 * remembers in process memory instead, tries Redis again at most every
 * STATE_RETRY_S seconds, and says so through state_health, which the
 * milter logs.  Functions return 0, or -1 with a static *error_r only
 * when out of memory or when the local store itself fails.
 *
 * Counters are bucketed: a window of W seconds is 60 buckets of W/60
 * seconds (at least 1), so a count is exact to one bucket.
 */
#ifndef PF_STATE_H
#define PF_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define STATE_RETRY_S 5
#define STATE_REDIS_TIMEOUT_MS 500
#define STATE_VALUE_MAX 512

struct state;

/* state_open - open spec ("sqlite:PATH", "redis://HOST:PORT[/DB]" or
 * "none"); a Redis server that does not answer is not an error (the
 * state starts degraded).  -1 with a static *error_r when spec is
 * malformed or the SQLite file cannot be opened. */
int state_open(const char *spec, struct state **st_r, const char **error_r);
/* state_close - release; NULL-safe, sets NULL */
void state_close(struct state **stp);

/* state_count - add add (0 = only read) to key's counter for window
 * seconds at now, and give the sum over the last window seconds */
int state_count(struct state *st, const char *key, unsigned window, unsigned add, time_t now,
    uint64_t *sum_r, const char **error_r);
/* state_put - remember value (at most STATE_VALUE_MAX bytes) under key
 * for ttl seconds from now */
int state_put(struct state *st, const char *key, const char *value, unsigned ttl, time_t now,
    const char **error_r);
/* state_get - the value under key into out (outsz bytes): 1 found, 0 not
 * (or expired), -1 error */
int state_get(struct state *st, const char *key, time_t now, char *out, size_t outsz,
    const char **error_r);

/* state_scan - call cb for each live value whose key starts with prefix
 * (at most STATE_SCAN_MAX of them, in no promised order); cb returns
 * non-zero to stop, and must not call the state.  For reports: a Redis
 * scan walks the whole keyspace, so it is never done per message. */
#define STATE_SCAN_MAX 100000
int state_scan(struct state *st, const char *prefix, time_t now,
    int (*cb)(const char *key, const char *value, void *arg), void *arg,
    const char **error_r);

/* state_health - false while a shared backend is unreachable and the
 * state works from memory; *detail_r (may be NULL) gets a static reason */
bool state_health(struct state *st, const char **detail_r);
/* state_backend_name - "sqlite", "redis" or "none" */
const char *state_backend_name(const struct state *st);

#endif

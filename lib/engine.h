/*
 * engine - the long-lived parts every scan shares, built once per process
 * from the config: the resolver, the DKIM library, the SigningKey cache,
 * the egress reputation and the state (StateBackend; when it cannot be
 * opened the state lives in memory and env->state_error says why, for
 * the caller to log).  Scans only read the counters until the caller
 * sets env->count (the milter does; `preflight check` does not).  The
 * milter builds it after detaching (libunbound runs a thread, which must
 * not cross fork), the CLI at start.
 *
 * engine_open returns 0 and a struct check_env the caller owns, or -1 with
 * a static *error_r.  Settings are read at open only: a reload that
 * changes Nameservers, DNSTimeout's resolver use or DNSSECTrustAnchor
 * takes effect at the next start.
 */
#ifndef PF_ENGINE_H
#define PF_ENGINE_H

#include "check.h"
#include "config.h"

/* engine_open - nameservers, when not NULL, replaces cfg->nameservers
 * (preflight check --dns) */
int engine_open(const struct config *cfg, const char *nameservers,
    struct check_env **env_r, const char **error_r);
/* engine_close - release everything; NULL-safe, sets NULL */
void engine_close(struct check_env **envp);

#endif

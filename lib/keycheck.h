/*
 * keycheck - does the DKIM key a later signer will use match DNS?
 *
 * Mail often reaches Preflight unsigned because the signing milter runs
 * after it.  For each `SigningKey <domain> <selector> <file>` line,
 * keycheck does what opendkim-testkey does: it loads the private key (PEM,
 * PKCS#1 or PKCS#8, RSA or Ed25519, with libcrypto), fetches the TXT
 * record <selector>._domainkey.<domain> through lib/dns.c, parses its p=
 * and compares the two public keys.  A mismatch means every message of
 * that domain will fail DKIM at the receiver.
 *
 * One struct keycheck per process (the milter or the CLI creates it once
 * and puts it in struct check_env), shared by every thread: a mutex guards
 * the cache, never a DNS wait.  An entry is re-checked once older than
 * KeyCheckInterval (a temperror after at most KEYCHECK_RETRY seconds);
 * while one thread re-checks, the others keep getting the previous
 * result.  Entries are keyed by domain, selector and key file, so a
 * reloaded config with other keys simply gets new entries.
 *
 * Results are plain values (no pointers), copied out under the lock.
 */
#ifndef PF_KEYCHECK_H
#define PF_KEYCHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

struct dns;
struct keycheck;

/* A temperror is retried after this many seconds at most. */
#define KEYCHECK_RETRY 60

enum keycheck_status {
	KEYCHECK_MATCH,		/* the DNS key is the private key's public half */
	KEYCHECK_MISMATCH,	/* both parse, they differ */
	KEYCHECK_NO_KEY,	/* NXDOMAIN, no TXT record, or revoked (empty p=) */
	KEYCHECK_BAD_KEY,	/* the TXT record is not a usable DKIM key */
	KEYCHECK_UNREADABLE,	/* the private key file cannot be read or parsed */
	KEYCHECK_TEMPERROR,	/* DNS did not answer in time */
};

struct keycheck_result {
	enum keycheck_status status;
	char domain[256];
	char selector[256];
	bool rsa;		/* an RSA key (the 1024-bit floor applies) */
	unsigned bits;		/* private key size, 0 = unknown */
	unsigned dns_bits;	/* DNS key size, 0 = unknown */
	bool testing;		/* t=y in the key record */
	time_t checked;		/* when (the caller's clock) */
	char detail[256];	/* why, in words, with the record shortened */
};

/* keycheck_new - an empty cache; NULL when out of memory */
struct keycheck *keycheck_new(void);
/* keycheck_free - release; NULL-safe, sets NULL */
void keycheck_free(struct keycheck **kcp);

/* keycheck_get - the result for the first SigningKey line of domain
 * (case-insensitive), from the cache or checked now.  now is the caller's
 * clock (time(NULL), or a test's pinned time); DNS waits end by deadline_ms
 * (dns_now_ms clock; 0 = the resolver's timeout from now).  Returns 1 with
 * *r filled, 0 when no SigningKey names domain.  dns may be NULL: the
 * result is then a temperror. */
int keycheck_get(struct keycheck *kc, struct dns *dns, const struct config *cfg,
    const char *domain, time_t now, uint64_t deadline_ms, struct keycheck_result *r);
/* keycheck_get_key - the same for one SigningKey line (for the check of
 * every key at start-up); always fills *r */
void keycheck_get_key(struct keycheck *kc, struct dns *dns, const struct config *cfg,
    const struct config_signing_key *key, time_t now, uint64_t deadline_ms,
    struct keycheck_result *r);

/* keycheck_status_name - "match", "mismatch", "no-key", "bad-key",
 * "unreadable", "temperror" */
const char *keycheck_status_name(enum keycheck_status s);

#endif

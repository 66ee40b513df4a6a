/*
 * auth - the per-message results of SPF, DKIM and DMARC.
 *
 * check_spf and check_dkim fill their part once per message; check_dmarc
 * reads both, and check_auth (the per-provider roll-up) reads all three.
 * The registry runs them in that order.  A struct auth lives in the scan's
 * check_ctx and owns every string in it; auth_clear frees them.
 *
 * Results follow RFC 8601 words: none, pass, fail, softfail, neutral,
 * permerror, temperror.  temperror always means "DNS did not answer in
 * time"; it never counts as pass or fail.
 */
#ifndef PF_AUTH_H
#define PF_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum auth_result {
	AUTH_NONE, AUTH_PASS, AUTH_FAIL, AUTH_SOFTFAIL, AUTH_NEUTRAL,
	AUTH_PERMERROR, AUTH_TEMPERROR
};

/* SPF for one egress address */
struct auth_spf {
	char *ip;		/* the egress address evaluated */
	char *domain;		/* MAIL FROM's domain, or the HELO name */
	bool helo_identity;	/* MAIL FROM was null: HELO evaluated */
	enum auth_result result;
	char *detail;		/* why, in words (libspf2's comment, the record) */
};

/* One DKIM signature, present or predicted */
struct auth_dkim {
	char *domain;		/* d= */
	char *selector;		/* s= */
	enum auth_result result;	/* pass, fail, permerror, temperror */
	char *detail;		/* "body hash mismatch", "no key", ... */
	bool predicted;		/* from SigningKey: a later signer's signature */
	unsigned key_bits;	/* 0 = unknown */
	bool covers_from;	/* From in h= */
};

struct auth_dmarc {
	bool evaluated;		/* a From domain was there to evaluate */
	char *from_domain;
	char *org_domain;	/* registrable domain (libpsl) */
	char *record_domain;	/* where the record was found, NULL if none */
	enum auth_result record;	/* pass = found, none, temperror, permerror */
	char *policy;		/* p= (or sp= for a subdomain): none, quarantine, reject */
	bool spf_aligned;
	bool dkim_aligned;
	enum auth_result result;	/* pass, fail, none (no record), temperror */
	/* the alignment outcome whether or not a record exists: pass, fail,
	 * temperror, or none when SPF or DKIM was not evaluated (unknown) */
	enum auth_result alignment;
	unsigned pct;		/* the record's pct= (100 when absent) */
	bool from_nxdomain;	/* the From domain does not exist */
};

struct auth {
	uint64_t deadline_ms;	/* dns_now_ms() clock: the message's DNS budget */
	bool bulk;		/* List-Id/List-Unsubscribe/Precedence or BulkSender */
	char *bulk_volume;	/* check_rate: why the volume makes it bulk, or NULL */

	bool spf_done;		/* SPF was evaluated (EgressAddress given) */
	struct auth_spf *spf;
	size_t nspf;

	bool dkim_done;
	struct auth_dkim *dkim;
	size_t ndkim;

	struct auth_dmarc dmarc;
};

/* auth_result_name - "none", "pass", ... */
const char *auth_result_name(enum auth_result r);
/* auth_spf_add / auth_dkim_add - append a zeroed entry; NULL on ENOMEM */
struct auth_spf *auth_spf_add(struct auth *a);
struct auth_dkim *auth_dkim_add(struct auth *a);
/* auth_clear - free everything a holds and zero it */
void auth_clear(struct auth *a);

#endif

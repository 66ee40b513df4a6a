/*
 * dmarc - DMARC records, organisational domains, identifier alignment and
 * the DMARC result (RFC 7489), computed here rather than by libopendmarc,
 * whose 1.4.2 alignment check is wrong (feasibility.md §2c).  Discovery
 * over DNS (§6.6.3) and the findings live in check_dmarc.c.
 *
 * Records: v=DMARC1 must come first; p, sp, np (DMARCbis), adkim, aspf,
 * pct, rua, ruf, fo, rf, ri are read and unknown tags ignored (§6.3).  A
 * missing or bad p (or a bad sp) makes the record unusable unless rua
 * holds a URI, in which case it acts as p=none (§6.6.3).  Bad values of
 * the other tags fall back to their defaults and leave a warning.
 *
 * Organisational domains come from libpsl: the list at PF_PSL_FILE, or
 * libpsl's built-in one when that file cannot be read.  It is loaded once
 * per process (pthread_once) and never changed afterwards, so any thread
 * may use it; dmarc_psl_init lets a daemon pay the load cost at start.
 *
 * Functions returning int give 0, or -1 with a static *error_r only when
 * memory runs out; hostile records and names are results, never failures.
 * Domains are compared case-insensitively and one trailing dot is ignored;
 * a name that is not a valid domain, or is a public suffix, never aligns.
 */
#ifndef PF_DMARC_H
#define PF_DMARC_H

#include <stdbool.h>
#include <stdint.h>

#include "auth.h"
#include "buf.h"
#include "config.h"
#include "msg.h"

/* Longest domain name handled, plus room for "_dmarc." */
#define DMARC_NAME_MAX 253

enum dmarc_policy {
	DMARC_P_UNSET,		/* sp/np absent: inherit */
	DMARC_P_NONE, DMARC_P_QUARANTINE, DMARC_P_REJECT
};

enum dmarc_mode { DMARC_RELAXED, DMARC_STRICT };

struct dmarc_record {
	enum dmarc_policy p, sp, np;
	enum dmarc_mode adkim, aspf;
	unsigned pct;		/* 0..100, default 100 */
	char *rua;		/* raw tag values, NULL when absent */
	char *ruf;
	char *fo;
	bool p_defaulted;	/* p missing or bad, acting as p=none for rua */
	const char *warning;	/* static: the first tag value discarded */
};

/* dmarc_psl_init - load the public suffix list now; 0, or -1 when
 * neither PF_PSL_FILE nor libpsl's built-in list is usable */
int dmarc_psl_init(const char **error_r);
/* dmarc_psl_source - "file", "builtin" or "none", for diagnostics */
const char *dmarc_psl_source(void);

/* dmarc_org_domain - write the organisational (registrable) domain of
 * domain into out (lowercase, no trailing dot); false when domain is not a
 * valid name, is itself a public suffix, or the list is unavailable */
bool dmarc_org_domain(const char *domain, char *out, size_t outsz);
/* dmarc_aligned - identifier alignment of auth_domain with from_domain */
bool dmarc_aligned(const char *from_domain, const char *auth_domain, enum dmarc_mode mode);

/* dmarc_record_parse - parse text into r (zeroed first).  Returns 0 with
 * *invalid_r NULL for a usable record, 0 with *invalid_r a static reason
 * when the record is not one, -1 only when out of memory.  Free r with
 * dmarc_record_free in every case. */
int dmarc_record_parse(const char *text, struct dmarc_record *r,
    const char **invalid_r, const char **error_r);
void dmarc_record_free(struct dmarc_record *r);
/* dmarc_policy_name - "none", "quarantine", "reject", "" for unset */
const char *dmarc_policy_name(enum dmarc_policy p);
/* dmarc_effective_policy - p, or sp (np for a non-existent domain) when
 * the record was found at the organisational domain */
enum dmarc_policy dmarc_effective_policy(const struct dmarc_record *r, bool org_level,
    bool nonexistent);

/* dmarc_is_record - step 2 of discovery (RFC 7489 §6.6.3): the TXT
 * record's first tag is v=DMARC1; others are not DMARC records */
bool dmarc_is_record(const char *txt);

/* dmarc_evaluate - alignment from a's SPF and DKIM results, into a->dmarc
 * (whose from_domain must be set): spf_aligned, dkim_aligned, alignment
 * (pass; temperror when an input that could have passed did not answer;
 * none when SPF or DKIM was not evaluated and nothing aligned passed;
 * else fail) and result (alignment, or none when r is NULL: no record).
 * r NULL means relaxed alignment for both. */
void dmarc_evaluate(struct auth *a, const struct dmarc_record *r);
/* dmarc_spf_passes - SPF passed for every egress address (the message may
 * leave from any); *temp_r true when one of them was a temperror */
bool dmarc_spf_passes(const struct auth *a, bool *temp_r);

/* dmarc_show - append s as printable ASCII, at most max source bytes
 * ("..." marks a cut); for names and records from hostile input */
int dmarc_show(struct buf *out, const char *s, size_t max);
/* dmarc_explain - append what SPF and DKIM gave, in words, for the
 * summaries: "SPF fail for a.test from 192.0.2.1; no DKIM signature" */
int dmarc_explain(const struct auth *a, struct buf *out);

/* dmarc_bulk_reason - why m counts as bulk mail (a static string), or NULL */
const char *dmarc_bulk_reason(const struct msg *m, const struct config *cfg);

#endif

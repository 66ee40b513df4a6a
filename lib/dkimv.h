/*
 * dkimv - verify the DKIM signatures of a struct msg with libopendkim,
 * every DNS query going through the shared resolver (lib/dns.h).
 *
 * The prefix is dkimv_ ("DKIM verify"), not dkim_: dkim_ is libopendkim's
 * own namespace (dkim_init, dkim_verify, dkim_sig_*, DKIM_STAT), and a
 * function of ours there could clash with a present or future symbol of
 * the library we link.
 *
 * One struct dkimv_lib per process (dkimv_lib_new), shared by every
 * thread, as libopendkim intends its DKIM_LIB to be.  It holds the
 * library handle with its query hooks set to dns_start / dns_wait /
 * dns_cancel, so keys come from our libunbound cache and the message's
 * DNS budget bounds each lookup (see dkimv.c for how the deadline reaches
 * the hook).  Debian's libopendkim would otherwise use the glibc stub
 * resolver, which cannot be pointed at another server (feasibility.md
 * §2b).
 *
 * dkimv_verify feeds the kept headers ("Name: value", folds as CRLF) in
 * order, then the kept body (msg_body_view), and reports every signature:
 * a pass needs libopendkim's PASSED flag (the header hash) AND a matching
 * body hash, because PASSED alone survives a changed body.  When the body
 * was not kept in full (m->body_truncated), the body hash cannot be
 * checked: a signature whose header hash verifies is then reported as
 * pass with body_unchecked set, on the assumption that nothing between
 * the signer and us rewrote the body.
 *
 * Results own their strings; dkimv_result_free releases them.  Functions
 * return 0, or -1 with a static *error_r (out of memory only): a bad,
 * unverifiable or hostile signature is a result, never a failure.
 */
#ifndef PF_DKIMV_H
#define PF_DKIMV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "msg.h"

struct dns;
struct dkimv_lib;

/* Signatures past this many in one message are ignored (each costs a DNS
 * lookup and an RSA operation; real mail carries one to three). */
#define DKIMV_MAX_SIGS 16

/* A suggested m->body_keep for callers that verify DKIM: bodies up to this
 * size get their body hash checked. */
#define DKIMV_BODY_KEEP ((uint64_t)64 * 1024 * 1024)

/* Why a signature did not pass, in the terms the findings use. */
enum dkimv_problem {
	DKIMV_OK,		/* passed */
	DKIMV_BAD_SIG,		/* b= does not verify: headers changed, or wrong key */
	DKIMV_BODY_CHANGED,	/* header hash fine, body hash mismatch */
	DKIMV_NO_KEY,		/* no key record (NXDOMAIN, no TXT) */
	DKIMV_KEY_REVOKED,	/* key record with an empty p= */
	DKIMV_BAD_KEY,		/* key record unusable: syntax, v=, k=, h=, s= */
	DKIMV_KEY_TEMPFAIL,	/* DNS did not answer in time (temperror) */
	DKIMV_EXPIRED,		/* x= in the past */
	DKIMV_WEAK_KEY,		/* verifies, but the key is under 1024 bits */
	DKIMV_SYNTAX,		/* the signature itself is malformed or unsupported */
};

enum dkimv_bh { DKIMV_BH_UNTESTED, DKIMV_BH_MATCH, DKIMV_BH_MISMATCH };

struct dkimv_sig {
	char *domain;		/* d=, "" when missing */
	char *selector;		/* s=, "" when missing */
	char *algorithm;	/* a=, "" when missing */
	enum auth_result result;	/* pass, fail, permerror or temperror */
	enum dkimv_problem problem;
	char *detail;		/* why, in words; "" for a plain pass */
	unsigned key_bits;	/* 0 = key not loaded */
	bool header_ok;		/* b= verified (libopendkim's PASSED flag) */
	enum dkimv_bh bh;	/* body hash */
	bool body_unchecked;	/* body not kept in full: bh not checked */
	bool covers_from;	/* h= names From */
	bool covers_list_unsubscribe;
	bool covers_list_unsubscribe_post;
	bool sha1;		/* a=rsa-sha1 */
	bool has_length;	/* l= present */
	uint64_t length;	/* l= value */
	int64_t timestamp;	/* t=, 0 = none */
	int64_t expires;	/* x=, 0 = none */
	bool testing;		/* key record t=y */
};

struct dkimv_result {
	struct dkimv_sig *sigs;	/* in header order */
	size_t nsigs;
	size_t ignored;		/* signatures past DKIMV_MAX_SIGS */
};

#define DKIMV_RESULT_INIT { NULL, 0, 0 }

/* dkimv_lib_new - the process's DKIM library, resolving through dns (which
 * must outlive it) */
int dkimv_lib_new(struct dns *dns, struct dkimv_lib **lib_r, const char **error_r);
/* dkimv_lib_free - release; NULL-safe, sets NULL */
void dkimv_lib_free(struct dkimv_lib **libp);

/* dkimv_verify - verify every signature of m; each key lookup ends by
 * deadline_ms (dns_now_ms clock; 0 = the resolver's timeout from now).
 * out must be empty (DKIMV_RESULT_INIT); it is filled even when the
 * message has no signature (nsigs 0). */
int dkimv_verify(struct dkimv_lib *lib, const struct msg *m, uint64_t deadline_ms,
    struct dkimv_result *out, const char **error_r);
/* dkimv_result_free - release what dkimv_verify put in r; r becomes empty */
void dkimv_result_free(struct dkimv_result *r);

/* dkimv_problem_name - "ok", "bad-signature", "body-changed", ... */
const char *dkimv_problem_name(enum dkimv_problem p);
/* dkimv_h_has - true when the colon-separated h= list names header
 * (case-insensitive, blanks around names ignored) */
bool dkimv_h_has(const char *h, const char *header);

#endif

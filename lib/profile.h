/*
 * profile - provider profiles: what Preflight knows of one receiver (Gmail,
 * Microsoft, Yahoo, iCloud, a corporate gateway...), kept as data files
 * rather than code, so that an admin can add or correct one (ProfileDir)
 * without a rebuild.  preflight-profiles(5) documents the format.
 *
 * A profile says how to recognise the receiver (recipient domains, MX host
 * patterns), its limits (message size, blocked attachment types) and its
 * replies: each reply is one known rejection, with its code, enhanced
 * status, sisimai reason, the text as the receiver writes it, a pattern
 * that recognises it in a real bounce, the cause in plain words, the
 * remedy, a documentation link and the Preflight finding ids that predict
 * it.  The same entries serve both directions: `check` predicts a reply
 * from a finding; `explain` finds the entry from a reply.
 *
 * A loaded set is immutable and shared by every thread (it lives in the
 * config snapshot); lookups never allocate (matching a reply text does:
 * its one-line copy and PCRE2's match data, per call).  Profiles load from the
 * shipped directory first, then from each ProfileDir: a later file with
 * the same Name replaces the earlier profile whole.
 */
#ifndef PF_PROFILE_H
#define PF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct profile_set;

struct profile_reply {
	int code;		/* 550 */
	const char *status;	/* "5.7.26", or "" when the receiver gives none */
	const char *reason;	/* sisimai taxonomy: "authfailure", ... */
	const char *text;	/* the reply after code and status, as sent */
	const char *cause;	/* what it means, in plain words */
	const char *remedy;	/* what the sender should change */
	const char *doc;	/* documentation URL, or "" */
	const char *const *findings;	/* finding ids that predict it; ends NULL */
};

struct profile {
	const char *name;	/* "gmail": the provider name findings print */
	const char *description;
	const char *const *domains;	/* recipient domains; ends NULL */
	const char *const *mx;		/* MX host patterns ("*.google.com"); ends NULL */
	uint64_t size_limit;		/* bytes on the wire; 0 = unknown */
	const char *const *blocked_types;	/* file extensions, lowercase; ends NULL */
	/* BulkThreshold: messages from one From domain in bulk_window seconds
	 * that make it a bulk sender to this receiver; bulk_count 0 = none */
	unsigned bulk_count;
	unsigned bulk_window;
	const struct profile_reply *replies;
	size_t nreplies;
};

/* profile_set_load - read every *.profile file of each directory in dirs
 * (ndirs of them, in order; a missing directory is an error) into a new
 * set.  On error returns -1 and *error_r gets a malloc'd
 * "file:line: Key: reason". */
int profile_set_load(const char *const *dirs, size_t ndirs, struct profile_set **set_r,
    char **error_r);
/* profile_set_free - release a set; NULL-safe, sets NULL */
void profile_set_free(struct profile_set **setp);

/* profile_set_limit - the PCRE2 match limit (MaxRegexSteps) of the
 * profiles' patterns; call before the set is shared between threads */
void profile_set_limit(struct profile_set *set, uint32_t steps);

/* profile_count / profile_at - the profiles, in load order */
size_t profile_count(const struct profile_set *set);
const struct profile *profile_at(const struct profile_set *set, size_t i);
/* profile_by_name - the profile called name, or NULL */
const struct profile *profile_by_name(const struct profile_set *set, const char *name);
/* profile_by_domain - the profile that lists domain (case-insensitive; a
 * subdomain does not match; a trailing dot is ignored), or NULL.  When two
 * profiles list it, the one loaded later wins (profile_by_host likewise). */
const struct profile *profile_by_domain(const struct profile_set *set, const char *domain);
/* profile_by_host - the profile whose MX patterns match host (an MX target
 * or a remote host named in a bounce; a trailing dot is ignored), or NULL */
const struct profile *profile_by_host(const struct profile_set *set, const char *host);

/* profile_match_reply - the reply entry whose pattern matches text (a
 * remote reply, possibly multi-line: continuation lines are joined, their
 * code and status dropped, before matching).  With p non-NULL only p's
 * replies are tried, otherwise every profile's: the later loaded first,
 * those with neither Domains nor MX (generic) last; within a profile in
 * file order.  *p_r (may be NULL) gets the profile of the entry.  NULL
 * when none matches (or out of memory). */
const struct profile_reply *profile_match_reply(const struct profile_set *set,
    const struct profile *p, const char *text, const struct profile **p_r);
/* profile_replies_for - call cb for each reply of p that lists finding id
 * (in file order); a negative return from cb stops and is returned */
int profile_replies_for(const struct profile *p, const char *finding_id,
    int (*cb)(void *arg, const struct profile_reply *r), void *arg);
/* profile_blocks_type - true when p lists ext (without the dot) */
bool profile_blocks_type(const struct profile *p, const char *ext);

/* profile_generic - the profile of recipients that no other profile
 * claims (the one named "generic"), or NULL when the set has none */
const struct profile *profile_generic(const struct profile_set *set);
/* profile_host_matches - pattern "*.example.com" matches any host below
 * example.com (not example.com itself), any other pattern only itself;
 * case-insensitive, a trailing dot of host ignored */
bool profile_host_matches(const char *pattern, const char *host);
/* profile_reply_format - append "550 5.7.26 text" ("550 text" when the
 * reply has no status) to out; -1 when out of memory */
struct buf;
int profile_reply_format(const struct profile_reply *r, struct buf *out);

#endif

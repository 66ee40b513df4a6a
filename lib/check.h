/*
 * check - the registry of checks and the scan that runs them.
 *
 * A check is a small plug-in: a name, the catalogue of findings it can
 * emit, and a run function that reads the message and the config and adds
 * findings.  Checks never talk to the MTA, never log and never exit.
 * A run function returns 0, or -1 with a static *error_r on an internal
 * failure (out of memory); the caller then applies OnError.  Hostile or
 * malformed input is never an internal failure: it is a finding.
 */
#ifndef PF_CHECK_H
#define PF_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "finding.h"
#include "msg.h"

struct dns;
struct dkimv_lib;
struct keycheck;
struct rep;
struct state;
struct mime_tree;
struct html_info;
struct check_part;
struct url_list;
struct profile;
struct metrics;

/* What lives longer than one message and the checks share: the resolver,
 * the DKIM library and the cache of SigningKey checks.  Owned by the caller (the milter or
 * the CLI); any member may be NULL, and the checks that need it then
 * report nothing. */
struct check_env {
	struct dns *dns;
	struct dkimv_lib *dkimv;
	struct keycheck *keycheck;
	struct rep *rep;	/* the egress reputation, refreshed in the background */
	struct state *state;	/* counters and remembered values (StateBackend) */
	const char *state_error;	/* why StateBackend could not be opened, or NULL */
	bool count;		/* scans add to the counters (the milter), or only
				 * read them (preflight check) */
	struct metrics *metrics;	/* per-check latency (metrics.h), NULL = off */
};

/* One destination provider of a message: its profile and how many
 * envelope recipients go to it (0 for every profile when the message has
 * no recipients: the destination is unknown, any of them). */
struct check_dest {
	const struct profile *profile;
	size_t nrcpts;
};

struct check_ctx {
	const struct msg *msg;
	const struct config *cfg;
	const struct check_env *env;	/* never NULL; members may be */
	struct finding_list *findings;
	time_t now;		/* the scan's clock; tests pin it */
	struct auth auth;	/* SPF/DKIM/DMARC results of this message */
	struct mime_tree *mime;	/* parsed on first use: check_mime_tree() */
	const char *mime_error;	/* why it could not be parsed, if so */
	struct check_part *parts;	/* per-part text and HTML, see check_part_text */
	uint64_t scan_deadline_ms;	/* MaxScanTime on dns_now_ms()'s clock */
	const char *expired_in;		/* the check that first ran out of it */
	/* check_dest.c, before the checks run; none without profiles */
	struct check_dest *dests;	/* in the order of the recipients */
	size_t ndests;
	const struct profile **rcpt_profile;	/* per msg->rcpts[i]; NULL: none
						 * (SkipRecipientDomains) */
};

struct check_ops {
	const char *name;			/* "size", "format", ... */
	const struct finding_def *defs;		/* catalogue, ends with id NULL */
	int (*run)(struct check_ctx *ctx, const char **error_r);
};

/* The checks, one per file check_<name>.c. */
extern const struct check_ops check_size_ops;
extern const struct check_ops check_format_ops;
extern const struct check_ops check_mime_ops;
extern const struct check_ops check_attach_ops;
extern const struct check_ops check_html_ops;
extern const struct check_ops check_url_ops;
extern const struct check_ops check_text_ops;
extern const struct check_ops check_rules_ops;
extern const struct check_ops check_spf_ops;
extern const struct check_ops check_dkim_ops;
extern const struct check_ops check_dmarc_ops;
extern const struct check_ops check_auth_ops;
extern const struct check_ops check_rep_ops;
extern const struct check_ops check_rate_ops;
extern const struct check_ops check_rcpt_ops;

/* check_expired - true once the scan has used up MaxScanTime; the first
 * call that says so records where (a check name) so that the scan reports
 * the content it could not inspect as mime-limit.  Content checks call it
 * between parts and stop early; the scan skips the content checks left. */
bool check_expired(struct check_ctx *ctx, const char *where);

/* check_mime_tree - the message's MIME tree, parsed on the first call of
 * the scan with the config's limits; NULL only when out of memory
 * (*error_r set).  Owned by the scan. */
struct mime_tree *check_mime_tree(struct check_ctx *ctx, const char **error_r);

/* check_part_text - the UTF-8 text of part i of the MIME tree, decoded
 * once per scan and shared by every check that reads it: *text_r holds at
 * most max bytes (*len_r), *more_r (may be NULL) says the part has more.
 * The text stays valid until the scan ends.  -1 (*error_r) only when out
 * of memory. */
int check_part_text(struct check_ctx *ctx, size_t i, uint64_t max,
    const char **text_r, size_t *len_r, bool *more_r, const char **error_r);
/* check_part_html - the html_scan of text/html part i, cut at
 * MaxHtmlBytes, parsed once per scan for check_html and check_url alike */
int check_part_html(struct check_ctx *ctx, size_t i, const struct html_info **h_r,
    const char **error_r);

/* check_part_urls - append the URLs of inline text part i (plain text
 * read up to max bytes, or the links of the shared HTML scan) to l; other
 * parts add nothing.  Needs check_mime_tree() first.  -1 (*error_r) only
 * when out of memory. */
int check_part_urls(struct check_ctx *ctx, size_t i, uint64_t max, struct url_list *l,
    const char **error_r);

/* check_dest_resolve - each recipient's profile (Domains, else MX, else
 * generic) and the destinations; -1 (*error_r) only when out of memory */
int check_dest_resolve(struct check_ctx *ctx, const char **error_r);
/* check_dest_predict - cut the predicted replies of findings [from, end)
 * to the destination providers, adding their profiles' replies */
int check_dest_predict(struct check_ctx *ctx, size_t from, const char **error_r);
/* check_dest_free - release the destinations */
void check_dest_free(struct check_ctx *ctx);
/* check_dest_blocking - append the names of the destination providers
 * whose profile blocks file extension ext to out (NULL: count only),
 * separated by ", "; returns how many */
size_t check_dest_blocking(const struct check_ctx *ctx, const char *ext, struct buf *out);

/* check_msg_new - an empty message sized for cfg: header bytes capped at
 * MaxHeaderBytes, and body bytes kept (up to MaxBodyBytes) only when a
 * check that reads them runs (dkim, mime, attach, html, url, text).  NULL on
 * ENOMEM. */
struct msg *check_msg_new(const struct config *cfg);

/* check_registry - the checks in the order they run; *n_r gets the count */
const struct check_ops *const *check_registry(size_t *n_r);
/* check_find_def - the catalogue entry for id, or NULL */
const struct finding_def *check_find_def(const char *id);
/* check_scan - run every check over m; findings go to out.  now = 0 means
 * time(NULL).  Returns 0, or -1 with *error_r if a check failed inside. */
int check_scan(const struct msg *m, const struct config *cfg, time_t now,
    struct finding_list *out, const char **error_r);
/* check_scan_env - the same with the shared resolver and caches; the
 * message's DNS budget (DNSTimeout) starts now */
int check_scan_env(const struct msg *m, const struct config *cfg,
    const struct check_env *env, time_t now, struct finding_list *out,
    const char **error_r);

#endif

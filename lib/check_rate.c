/*
 * check_rate - volume: how fast mail leaves, per sender and per sending
 * domain and receiver, counted in the shared state (lib/state.c) over
 * sliding windows.
 *
 * - An authenticated user past UserRateLimit recipients in its window is
 *   the classic compromised account: rate-user-burst, held by default.
 * - Unauthenticated mail counts per MAIL FROM against SenderRateLimit (off
 *   by default: an application relay legitimately sends a lot).
 * - Per From organisational domain and destination provider, against the
 *   provider profile's BulkThreshold (Gmail: 5,000 a day): past it, the
 *   domain is a bulk sender in the provider's eyes, so the message is
 *   checked against the bulk-sender requirements (auth.bulk_volume, read
 *   by check_dmarc and check_auth, which run after this check); it stays
 *   one for that provider for a year (BULK_STICKY), as Gmail says.
 *
 * The milter counts (env->count); `preflight check` only reads, and adds
 * what this message would add.  A state that fails is no evidence: the
 * check then says nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "check.h"
#include "dmarc.h"
#include "profile.h"
#include "state.h"

enum { DEF_USER, DEF_SENDER, DEF_BULK, DEF_COUNT };

static const struct finding_def rate_defs[] = {
	[DEF_USER] = { "rate-user-burst", CAT_VOLUME, 10, false,
		"an authenticated user sent more recipients than UserRateLimit allows",
		"Check the account for compromise (log-ins, password reset) before releasing the "
		"held mail; for a legitimately heavy sender, raise UserRateLimit.", NULL },
	[DEF_SENDER] = { "rate-sender-limit", CAT_VOLUME, 3, false,
		"a MAIL FROM address sent more recipients than SenderRateLimit allows",
		"Find the application behind the address and why it sends so much; raise "
		"SenderRateLimit if the volume is expected.", NULL },
	[DEF_BULK] = { "rate-bulk-volume", CAT_VOLUME, 0, false,
		"the From domain sends a receiver enough mail to count as a bulk sender",
		"Meet the bulk-sender requirements (SPF and DKIM, DMARC aligned, one-click "
		"unsubscribe for marketing) for all mail of this domain.", NULL },
	{ NULL, 0, 0, false, NULL, NULL, NULL },
};

static const char oom[] = "out of memory";

/* counted - the window's sum after this message: counted in the state
 * (the milter) or only read, plus this message (preflight check); false
 * when the state failed */
static bool counted(struct check_ctx *ctx, const char *key, unsigned window, unsigned n,
    uint64_t *sum_r)
{
	const char *err;

	if (state_count(ctx->env->state, key, window, ctx->env->count ? n : 0, ctx->now, sum_r,
	    &err) < 0)
		return false;
	if (!ctx->env->count)
		*sum_r += n;
	return true;
}

/* window_name - "1h", "1d", "90s": the window as the admin wrote it */
static void window_name(unsigned w, char *out, size_t outsz)
{
	if (w % 86400 == 0)
		snprintf(out, outsz, "%ud", w / 86400);
	else if (w % 3600 == 0)
		snprintf(out, outsz, "%uh", w / 3600);
	else if (w % 60 == 0)
		snprintf(out, outsz, "%um", w / 60);
	else
		snprintf(out, outsz, "%us", w);
}

/* senders - the per-user or per-MAIL FROM limit */
static int senders(struct check_ctx *ctx, unsigned n)
{
	const char *user = ctx->msg->env[MSG_ENV_AUTH_USER];
	const char *from = ctx->msg->env[MSG_ENV_MAIL_FROM];
	const struct config_rate *r;
	char key[400], win[16];
	uint64_t sum;
	int k;

	if (user != NULL && user[0] != '\0') {
		r = &ctx->cfg->user_rate_limit;
		snprintf(key, sizeof(key), "user:%s", user);
		k = DEF_USER;
	} else if (from != NULL && from[0] != '\0') {
		r = &ctx->cfg->sender_rate_limit;
		snprintf(key, sizeof(key), "from:%s", from);
		k = DEF_SENDER;
	} else
		return 0;
	if (r->count == 0 || !counted(ctx, key, r->window, n, &sum) || sum <= r->count)
		return 0;
	window_name(r->window, win, sizeof(win));
	return finding_add(ctx->findings, &rate_defs[k], "%s %s: %llu recipients in the last %s "
	    "(limit %u)", k == DEF_USER ? "user" : "MAIL FROM", k == DEF_USER ? user : from,
	    (unsigned long long)sum, win, r->count) != NULL ? 0 : -1;
}

/* from_org - the organisational domain of the first From mailbox */
static bool from_org(const struct msg *m, char *out, size_t outsz)
{
	const struct msg_header *h = msg_header_get(m, "From", 0);
	struct addr_list l = ADDR_LIST_INIT;
	const char *err;
	bool ok = false;

	if (h == NULL || addr_parse_list(h->unfolded ? h->unfolded : h->value, &l, &err) < 0)
		return false;
	if (l.n > 0 && l.v[0].domain != NULL)
		ok = dmarc_org_domain(l.v[0].domain, out, outsz);
	addr_list_free(&l);
	return ok;
}

/* BULK_STICKY - how long a domain stays a bulk sender once over the
 * threshold: Gmail says "permanently"; a year bounds the state */
#define BULK_STICKY (365U * 86400U)

/* bulk_one - the From domain org and the destination d: over the
 * threshold now, or classified bulk before; sets auth.bulk_volume */
static int bulk_one(struct check_ctx *ctx, const char *org, const struct check_dest *d)
{
	const struct profile *p = d->profile;
	char key[400], flag[400], win[16], why[400], since[64] = "";
	const char *err;
	uint64_t sum = 0;
	bool over;

	snprintf(key, sizeof(key), "bulk:%s:%s", org, p->name);
	snprintf(flag, sizeof(flag), "bulksender:%s:%s", org, p->name);
	over = counted(ctx, key, p->bulk_window, (unsigned)d->nrcpts, &sum) &&
	    sum >= p->bulk_count;
	window_name(p->bulk_window, win, sizeof(win));
	if (over) {
		snprintf(why, sizeof(why), "%s sent %llu messages to %s in the last %s", org,
		    (unsigned long long)sum, p->name, win);
		if (ctx->env->count)
			(void)state_put(ctx->env->state, flag, why, BULK_STICKY, ctx->now, &err);
	} else if (state_get(ctx->env->state, flag, ctx->now, since, sizeof(since), &err) == 1)
		/* since is "<org> sent N messages to <provider> in the last <win>" */
		snprintf(why, sizeof(why), "%s is a bulk sender to %s (%s)", org, p->name, since);
	else
		return 0;
	if (ctx->auth.bulk_volume == NULL && (ctx->auth.bulk_volume = strdup(why)) == NULL)
		return -1;
	return finding_add(ctx->findings, &rate_defs[DEF_BULK], "%s: a bulk sender by %s's "
	    "rules (%u in %s)", why, p->name, p->bulk_count, win) != NULL ? 0 : -1;
}

/* bulk - per destination provider with a BulkThreshold */
static int bulk(struct check_ctx *ctx)
{
	char org[256];
	size_t i;

	if (ctx->ndests == 0 || !from_org(ctx->msg, org, sizeof(org)))
		return 0;
	for (i = 0; i < ctx->ndests; i++)
		if (ctx->dests[i].profile != NULL && ctx->dests[i].profile->bulk_count > 0 &&
		    ctx->dests[i].nrcpts > 0 && bulk_one(ctx, org, &ctx->dests[i]) < 0)
			return -1;
	return 0;
}

static int rate_run(struct check_ctx *ctx, const char **error_r)
{
	unsigned n = ctx->msg->nrcpts > 0 ? (unsigned)ctx->msg->nrcpts : 1;

	*error_r = NULL;
	if (ctx->env->state == NULL)
		return 0;
	if (senders(ctx, n) < 0 || bulk(ctx) < 0)
		return *error_r = oom, -1;
	return 0;
}

const struct check_ops check_rate_ops = { "rate", rate_defs, rate_run };

/*
 * learn - real bounces into the state, and back into scans (learn.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "learn.h"
#include "profile.h"
#include "state.h"

static const char *const hard_reasons[] = {
	"userunknown", "hostunknown", "hasmoved", "notaccept", NULL
};

bool learn_is_hard(const char *reason)
{
	size_t i;

	for (i = 0; reason != NULL && hard_reasons[i] != NULL; i++)
		if (strcmp(reason, hard_reasons[i]) == 0)
			return true;
	return false;
}

/* window - SuppressDays in seconds (at least a day) */
static unsigned window(const struct config *cfg)
{
	return (cfg->suppress_days > 0 ? cfg->suppress_days : 1) * 86400U;
}

/* make_key - prefix and s, lowercase: addresses and domains are compared
 * without case */
static void make_key(char *out, size_t outsz, const char *prefix, const char *s)
{
	size_t i;

	snprintf(out, outsz, "%s%s", prefix, s);
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
}

/* remember_bounce - the hard bounce of one recipient */
static int remember_bounce(struct state *st, const struct config *cfg,
    const struct explain_item *it, time_t now, const char **error_r)
{
	char key[400], value[200];

	make_key(key, sizeof(key), "bounce:", it->recipient);
	snprintf(value, sizeof(value), "%s %s %s %lld", it->reason,
	    it->status[0] != '\0' ? it->status : "-",
	    it->provider != NULL && it->provider[0] != '\0' ? it->provider : "unknown",
	    (long long)now);
	return state_put(st, key, value, window(cfg), now, error_r);
}

/* count_domain - one more hard bounce for the recipient's domain */
static int count_domain(struct state *st, const struct config *cfg, const char *rcpt,
    time_t now, const char **error_r)
{
	char key[300];
	uint64_t sum;

	make_key(key, sizeof(key), "hardbounces:", strrchr(rcpt, '@') + 1);
	return state_count(st, key, window(cfg), 1, now, &sum, error_r);
}

int learn_bounce_of(struct state *st, const char *addr, time_t now, struct learn_bounce *b)
{
	char key[400], v[STATE_VALUE_MAX + 1];
	const char *err;
	long long t;

	make_key(key, sizeof(key), "bounce:", addr);
	if (state_get(st, key, now, v, sizeof(v), &err) != 1 ||
	    sscanf(v, "%39s %15s %39s %lld", b->reason, b->status, b->provider, &t) != 4)
		return 0;
	b->when = (time_t)t;
	return 1;
}

uint64_t learn_domain_bounces(struct state *st, const struct config *cfg, const char *domain,
    time_t now)
{
	char key[300];
	const char *err;
	uint64_t n;

	make_key(key, sizeof(key), "hardbounces:", domain);
	return state_count(st, key, window(cfg), 0, now, &n, &err) == 0 ? n : 0;
}

int learn_record(struct state *st, const struct config *cfg, const struct explain_list *l,
    time_t now, struct learn_stats *stats, const char **error_r)
{
	const struct explain_item *it;
	char key[200];
	uint64_t sum;
	size_t i;

	for (i = 0; i < l->n; i++) {
		it = &l->v[i];
		stats->seen++;
		if (it->temporary) {
			stats->temporary++;
			continue;
		}
		if (learn_is_hard(it->reason) && it->recipient != NULL &&
		    strchr(it->recipient, '@') != NULL) {
			if (remember_bounce(st, cfg, it, now, error_r) < 0 ||
			    count_domain(st, cfg, it->recipient, now, error_r) < 0)
				return -1;
			stats->hard++;
		}
		snprintf(key, sizeof(key), "rej:%s:%s", it->provider, it->reason);
		if (state_count(st, key, window(cfg), 1, now, &sum, error_r) < 0)
			return -1;
		stats->counted++;
	}
	return 0;
}

/* owner - the name of the check whose catalogue holds def, or NULL */
static const char *owner(const struct finding_def *def)
{
	const struct check_ops *const *reg;
	const struct finding_def *d;
	size_t n, i;

	reg = check_registry(&n);
	for (i = 0; i < n; i++)
		for (d = reg[i]->defs; d->id != NULL; d++)
			if (d == def)
				return reg[i]->name;
	return NULL;
}

/* catches - reason's explain entry names check_<name> */
static bool catches(const char *reason, const char *name)
{
	const char *const *c = explain_reason_checks(reason);

	for (; c != NULL && *c != NULL; c++)
		if (strncmp(*c, "check_", 6) == 0 && strcmp(*c + 6, name) == 0)
			return true;
	return false;
}

/* evidence - the first (provider, reason) with recent rejections that f's
 * check catches: its count into *n_r, its names into prov_r, reason_r */
static bool evidence(struct check_ctx *ctx, const char *name, uint64_t *n_r,
    const char **prov_r, const char **reason_r)
{
	const char *const *r;
	const char *err;
	char key[200];
	size_t d;

	for (d = 0; d < ctx->ndests; d++) {
		if (ctx->dests[d].profile == NULL || ctx->dests[d].nrcpts == 0)
			continue;
		for (r = explain_reasons; *r != NULL; r++) {
			if (!catches(*r, name))
				continue;
			snprintf(key, sizeof(key), "rej:%s:%s", ctx->dests[d].profile->name, *r);
			if (state_count(ctx->env->state, key, window(ctx->cfg), 0, ctx->now, n_r,
			    &err) == 0 && *n_r > 0) {
				*prov_r = ctx->dests[d].profile->name;
				*reason_r = *r;
				return true;
			}
		}
	}
	return false;
}

/* The evidence of one check, looked up once per scan: a message has many
 * findings of few checks, and each lookup is a state query per reason. */
struct seen {
	const char *name;
	bool found;
	uint64_t n;
	const char *prov, *reason;
};

/* cached - the evidence for check name, from seen[] or looked up into it */
static const struct seen *cached(struct check_ctx *ctx, const char *name, struct seen *seen,
    size_t *nseen, size_t max)
{
	struct seen *e;
	size_t i;

	for (i = 0; i < *nseen; i++)
		if (seen[i].name == name)
			return &seen[i];
	if (*nseen == max)
		return NULL;
	e = &seen[(*nseen)++];
	e->name = name;
	e->found = evidence(ctx, name, &e->n, &e->prov, &e->reason);
	return e;
}

int learn_apply(struct check_ctx *ctx, size_t from, const char **error_r)
{
	struct seen seen[32];
	struct buf b = BUF_INIT;
	const struct seen *e;
	struct finding *f;
	const char *name;
	size_t i, nseen = 0;
	char *s;

	if (ctx->env->state == NULL || ctx->ndests == 0)
		return 0;
	for (i = from; i < ctx->findings->n; i++) {
		f = ctx->findings->v[i];
		if (f->score <= 0 || (name = owner(f->def)) == NULL ||
		    (e = cached(ctx, name, seen, &nseen, sizeof(seen) / sizeof(seen[0]))) == NULL ||
		    !e->found)
			continue;
		if (buf_printf(&b, "%s; %s refused %llu message%s for %s in the last %u days "
		    "(learned from bounces)", f->summary, e->prov, (unsigned long long)e->n,
		    e->n == 1 ? "" : "s", e->reason, window(ctx->cfg) / 86400) < 0 ||
		    (s = strdup(buf_cstr(&b))) == NULL) {
			buf_free(&b);
			return *error_r = "out of memory", -1;
		}
		b.len = 0;
		free(f->summary);
		f->summary = s;
		f->boost += LEARN_BOOST;
		f->score += LEARN_BOOST;
	}
	buf_free(&b);
	return 0;
}

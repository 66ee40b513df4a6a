/*
 * check_dest - where the message goes: each envelope recipient's provider
 * profile, resolved once at the start of a scan, and the predicted
 * replies of the findings cut down to those providers at its end.
 *
 * A recipient domain is recognised by the profiles' Domains first; else,
 * when the scan has a resolver and the rcpt family is enabled (the checks
 * that look up recipient domains), by the profiles' MX patterns matched
 * against the domain's MX hosts, most preferred first; else it is the
 * generic profile's.  MX queries for all the unrecognised domains run at
 * once within the message's DNS budget; a domain whose lookup fails or
 * times out is generic.  libunbound caches the answers, so check_rcpt's
 * own MX lookups of the same domains cost nothing more.
 *
 * Predicted replies: a finding whose check wrote replies of its own (with
 * the real numbers: sizes, domains) keeps those of destination providers
 * only.  Any other finding gets, per destination provider, the replies of
 * that provider's profile that list the finding's id, or else the
 * catalogue's built-in replies for that provider.  Without envelope
 * recipients (a CLI check of a message with no To or Cc) the destinations
 * are unknown and the replies stay as the checks wrote them.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "check.h"
#include "dns.h"
#include "profile.h"

/* distinct unrecognised domains whose MX is looked up per message */
#define MX_DOMAINS_MAX 32
/* MX records of one answer that are matched */
#define MX_HOSTS_MAX 16
#define RR_TYPE_MX 15

struct mx_query {
	const char *domain;	/* points into msg->rcpts */
	struct dns_query *q;
	const struct profile *profile;
};

/* by_mx - the profile of the most preferred MX host a profile claims */
static const struct profile *by_mx(const struct profile_set *set, const struct ub_result *res)
{
	const struct profile *best = NULL, *p;
	unsigned pref, best_pref = 0x10000;
	char host[256];
	size_t i;

	for (i = 0; res->data[i] != NULL && i < MX_HOSTS_MAX; i++) {
		const unsigned char *d = (const unsigned char *)res->data[i];

		if (res->len[i] < 3 || dns_wire_name(d + 2, (size_t)res->len[i] - 2, host,
		    sizeof(host)) < 0)
			continue;
		pref = (unsigned)d[0] << 8 | d[1];
		if (pref < best_pref && (p = profile_by_host(set, host)) != NULL) {
			best = p;
			best_pref = pref;
		}
	}
	return best;
}

/* resolve_mx - the MX answers of the domains in v[0..n), all asked at once */
static void resolve_mx(struct check_ctx *ctx, struct mx_query *v, size_t n)
{
	const struct profile_set *set = ctx->cfg->profiles;
	struct ub_result *res;
	size_t i;

	for (i = 0; i < n; i++)
		v[i].q = dns_start(ctx->env->dns, v[i].domain, RR_TYPE_MX);
	for (i = 0; i < n; i++) {
		res = NULL;
		if (v[i].q != NULL && dns_wait(ctx->env->dns, v[i].q, ctx->auth.deadline_ms,
		    &res) == DNS_OK && res != NULL)
			v[i].profile = by_mx(set, res);
		dns_result_free(&res);
	}
}

/* mx_queries - the distinct domains of recipients no Domains line claims */
static size_t mx_queries(struct check_ctx *ctx, struct mx_query *v)
{
	const struct msg *m = ctx->msg;
	const char *d;
	size_t i, j, n = 0;

	for (i = 0; i < m->nrcpts && n < MX_DOMAINS_MAX; i++) {
		d = msg_rcpt_domain(m->rcpts[i]);
		if (ctx->rcpt_profile[i] != NULL || *d == '\0' || config_skip_domain(ctx->cfg, d))
			continue;
		for (j = 0; j < n && strcasecmp(v[j].domain, d) != 0; j++)
			;
		if (j == n)
			v[n++].domain = d;
	}
	return n;
}

/* add_dest - count one recipient for profile p */
static int add_dest(struct check_ctx *ctx, const struct profile *p, size_t nrcpts)
{
	struct check_dest *v;
	size_t i;

	for (i = 0; i < ctx->ndests; i++)
		if (ctx->dests[i].profile == p)
			return ctx->dests[i].nrcpts += nrcpts, 0;
	if ((v = realloc(ctx->dests, (ctx->ndests + 1) * sizeof(*v))) == NULL)
		return -1;
	ctx->dests = v;
	v[ctx->ndests].profile = p;
	v[ctx->ndests++].nrcpts = nrcpts;
	return 0;
}

/* check_dest_resolve - the profile of every recipient, and the destinations */
int check_dest_resolve(struct check_ctx *ctx, const char **error_r)
{
	const struct profile_set *set = ctx->cfg->profiles;
	const struct profile *generic = profile_generic(set);
	const struct msg *m = ctx->msg;
	struct mx_query mx[MX_DOMAINS_MAX];
	size_t i, j, n = 0;
	const char *d;

	if (set == NULL)
		return 0;
	if (m->nrcpts == 0) {
		for (i = 0; i < profile_count(set); i++)
			if (add_dest(ctx, profile_at(set, i), 0) < 0)
				return *error_r = "out of memory", -1;
		return 0;
	}
	if ((ctx->rcpt_profile = calloc(m->nrcpts, sizeof(*ctx->rcpt_profile))) == NULL)
		return *error_r = "out of memory", -1;
	for (i = 0; i < m->nrcpts; i++)
		ctx->rcpt_profile[i] = profile_by_domain(set, msg_rcpt_domain(m->rcpts[i]));
	memset(mx, 0, sizeof(mx));
	if (ctx->env->dns != NULL && config_check_enabled(ctx->cfg, "rcpt")) {
		n = mx_queries(ctx, mx);
		resolve_mx(ctx, mx, n);
	}
	for (i = 0; i < m->nrcpts; i++) {
		d = msg_rcpt_domain(m->rcpts[i]);
		if (config_skip_domain(ctx->cfg, d)) {
			ctx->rcpt_profile[i] = NULL;	/* internal mail: no destination */
			continue;
		}
		for (j = 0; ctx->rcpt_profile[i] == NULL && j < n; j++)
			if (strcasecmp(mx[j].domain, d) == 0)
				ctx->rcpt_profile[i] = mx[j].profile;
		if (ctx->rcpt_profile[i] == NULL)
			ctx->rcpt_profile[i] = generic;
		if (ctx->rcpt_profile[i] != NULL && add_dest(ctx, ctx->rcpt_profile[i], 1) < 0)
			return *error_r = "out of memory", -1;
	}
	return 0;
}

/* check_dest_free - release what check_dest_resolve made */
void check_dest_free(struct check_ctx *ctx)
{
	free(ctx->dests);
	free(ctx->rcpt_profile);
	ctx->dests = NULL;
	ctx->ndests = 0;
	ctx->rcpt_profile = NULL;
}

/* check_dest_blocking - append to out the names of the destination
 * providers that block ext ("gmail, generic"); returns how many */
size_t check_dest_blocking(const struct check_ctx *ctx, const char *ext, struct buf *out)
{
	size_t i, n = 0;

	for (i = 0; i < ctx->ndests; i++) {
		if (!profile_blocks_type(ctx->dests[i].profile, ext))
			continue;
		if (out != NULL && buf_printf(out, "%s%s", n > 0 ? ", " : "",
		    ctx->dests[i].profile->name) < 0)
			return 0;
		n++;
	}
	return n;
}

/* is_dest - a provider name is one of the destinations */
static bool is_dest(const struct check_ctx *ctx, const char *provider)
{
	size_t i;

	for (i = 0; i < ctx->ndests; i++)
		if (strcmp(ctx->dests[i].profile->name, provider) == 0)
			return true;
	return false;
}

/* is_builtin - r is a copy of one of the catalogue's replies of f */
static bool is_builtin(const struct finding *f, const struct finding_reply *r)
{
	const struct finding_reply *p;

	for (p = f->def->predicted; p != NULL && p->provider != NULL; p++)
		if (strcmp(p->provider, r->provider) == 0 && strcmp(p->reply, r->reply) == 0)
			return true;
	return false;
}

struct put {
	struct finding *f;
	const char *provider;
	struct buf text;
	size_t n;		/* replies put */
};

/* put_reply - one profile reply as a prediction of the finding */
static int put_reply(void *arg, const struct profile_reply *r)
{
	struct put *p = arg;

	buf_truncate(&p->text, 0);
	if (profile_reply_format(r, &p->text) < 0 ||
	    finding_predict(p->f, p->provider, "%s", buf_cstr(&p->text)) < 0)
		return -1;
	p->n++;
	return 0;
}

/* rebuild - f's predictions for the destinations, from old[0..n) and the
 * profiles (see the top of the file) */
static int rebuild(const struct check_ctx *ctx, struct finding *f,
    const struct finding_reply *old, size_t n)
{
	struct put p = { f, NULL, BUF_INIT, 0 };
	bool coded = false;
	size_t i, k;
	int rc = 0;

	for (i = 0; i < n && !coded; i++)
		coded = !is_builtin(f, &old[i]);
	for (i = 0; i < n && coded && rc == 0; i++)
		if (is_dest(ctx, old[i].provider))
			rc = finding_predict(f, old[i].provider, "%s", old[i].reply);
	for (k = 0; k < ctx->ndests && !coded && rc == 0; k++) {
		p.provider = ctx->dests[k].profile->name;
		p.n = 0;
		rc = profile_replies_for(ctx->dests[k].profile, f->def->id, put_reply, &p);
		if (rc < 0 || p.n > 0)
			continue;
		for (i = 0; i < n && rc == 0; i++)
			if (strcmp(old[i].provider, p.provider) == 0)
				rc = finding_predict(f, old[i].provider, "%s", old[i].reply);
	}
	buf_free(&p.text);
	return rc < 0 ? -1 : 0;
}

/* check_dest_predict - the predictions of findings [from, n) of the scan,
 * cut down to the destinations */
int check_dest_predict(struct check_ctx *ctx, size_t from, const char **error_r)
{
	struct finding_list *l = ctx->findings;
	struct finding_reply *old;
	size_t i, j, n;
	int rc = 0;

	if (ctx->cfg->profiles == NULL || ctx->msg->nrcpts == 0)
		return 0;
	for (i = from; i < l->n && rc == 0; i++) {
		old = l->v[i]->predicted;
		n = l->v[i]->npredicted;
		l->v[i]->predicted = NULL;
		l->v[i]->npredicted = 0;
		rc = rebuild(ctx, l->v[i], old, n);
		for (j = 0; j < n; j++) {
			free((char *)old[j].provider);
			free((char *)old[j].reply);
		}
		free(old);
	}
	if (rc < 0)
		*error_r = "out of memory";
	return rc;
}

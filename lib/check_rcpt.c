/*
 * check_rcpt - the envelope's domains, before the MTA finds out the hard
 * way: recipient domains that are mistyped (gmial.com), dead (no such
 * domain, or neither MX nor A), or that refuse all mail (Null MX, RFC
 * 7505), and sender domains (MAIL FROM, From) that a receiver cannot
 * resolve: one that does not exist is certain to be refused (Yahoo looks
 * its SOA up), one with neither MX nor A is deferred by Postfix's
 * reject_unknown_sender_domain (450 by default), a weaker signal.
 *
 * Recipients that hard-bounced in the last SuppressDays (what `preflight
 * learn` stored in the state from real bounces) are flagged with the
 * evidence, and so are domains with LEARN_DOMAIN_BOUNCES of them.  Typos are judged locally (no DNS); the rest needs the
 * resolver and the message's DNS budget.  A lookup that times out is no evidence: it adds
 * nothing.  At most RCPT_MAX_DOMAINS distinct domains are looked up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "check.h"
#include "dns.h"
#include "learn.h"

#define RCPT_MAX_DOMAINS 50

enum {
	DEF_TYPO, DEF_DEAD, DEF_NULLMX, DEF_SYNTAX, DEF_SENDER, DEF_SENDER_NOMX, DEF_BOUNCED,
	DEF_DOMAIN_BOUNCING, DEF_COUNT
};

static const struct finding_reply sender_replies[] = {
	{ "yahoo", "451 Message temporarily deferred due to unresolvable RFC.5321 from domain" },
	{ "generic", "550 5.1.8 Sender address rejected: Domain not found" },
	{ NULL, NULL }
};

static const struct finding_reply nomx_replies[] = {
	{ "generic", "450 4.1.8 Sender address rejected: Domain not found" },
	{ NULL, NULL }
};

static const struct finding_def rcpt_defs[] = {
	[DEF_TYPO] = { "rcpt-domain-typo", CAT_RECIPIENT, 3, false,
		"a recipient domain looks like a typo of a popular mail domain",
		"Check the address with the sender; correct the domain (the finding names the "
		"likely one).", NULL },
	[DEF_DEAD] = { "rcpt-domain-dead", CAT_RECIPIENT, 3, false,
		"a recipient domain does not exist or has neither MX nor A record",
		"Check the address; the message cannot be delivered to this recipient.", NULL },
	[DEF_NULLMX] = { "rcpt-null-mx", CAT_RECIPIENT, 3, false,
		"a recipient domain publishes a Null MX: it accepts no mail (RFC 7505)",
		"Remove the recipient; the domain says it never receives mail.", NULL },
	[DEF_SYNTAX] = { "rcpt-syntax", CAT_RECIPIENT, 3, false,
		"a recipient address is not a valid mail address",
		"Correct the address in the sending application.", NULL },
	[DEF_SENDER] = { "rcpt-sender-unresolvable", CAT_AUTH, 10, true,
		"the MAIL FROM or From domain does not exist",
		"Send from a domain that exists in public DNS with an MX or A record (not an "
		"internal name such as host.local); set the application's sender address.",
		sender_replies },
	[DEF_SENDER_NOMX] = { "rcpt-sender-no-mx", CAT_AUTH, 3, false,
		"the MAIL FROM or From domain has neither MX nor A record (replies cannot reach it)",
		"Publish an MX (or A) record for the sender domain, or send from a domain that "
		"receives mail; receivers that check sender domains defer or refuse such mail.",
		nomx_replies },
	[DEF_BOUNCED] = { "rcpt-hard-bounced", CAT_RECIPIENT, 10, false,
		"a recipient hard-bounced recently (learned from bounces: preflight learn)",
		"Remove the address from the list or application that mails it; mail to dead "
		"addresses is what receivers count against a sender's reputation.", NULL },
	[DEF_DOMAIN_BOUNCING] = { "rcpt-domain-bouncing", CAT_RECIPIENT, 2, false,
		"many addresses of a recipient domain hard-bounced recently (learned from bounces)",
		"Clean the list or application that mails this domain: several of its addresses "
		"no longer exist, and receivers count mail to dead addresses against the sender.",
		NULL },
	{ NULL, 0, 0, false, NULL, NULL, NULL },
};

/* The domains typos are measured against: the big consumer providers. */
static const char *const popular[] = {
	"gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "hotmail.com", "outlook.com",
	"live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "comcast.net",
	"gmx.de", "gmx.net", "web.de", "yandex.ru", "mail.ru", "proton.me", "protonmail.com",
	"orange.fr", "free.fr", "hotmail.co.uk", "yahoo.co.uk", "hotmail.fr", "yahoo.fr",
	"btinternet.com", "t-online.de", "libero.it", "verizon.net", "att.net", NULL
};

static const char oom[] = "out of memory";

/* near - a and b differ by one edit: a substitution, an insertion, a
 * deletion, or two neighbours swapped (gmial / gmail) */
static bool near(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i = 0;

	if (la > lb + 1 || lb > la + 1 || strcmp(a, b) == 0)
		return false;
	while (i < la && i < lb && a[i] == b[i])
		i++;
	if (la == lb)
		return strcmp(a + i + 1, b + i + 1) == 0 ||
		    (i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		    strcmp(a + i + 2, b + i + 2) == 0);
	return la > lb ? strcmp(a + i + 1, b + i) == 0 : strcmp(a + i, b + i + 1) == 0;
}

/* typo_of - the popular domain d is one edit away from, or NULL */
static const char *typo_of(const char *d)
{
	size_t i;

	for (i = 0; popular[i] != NULL; i++)
		if (strcasecmp(d, popular[i]) == 0)
			return NULL;
	for (i = 0; popular[i] != NULL; i++)
		if (near(d, popular[i]))
			return popular[i];
	return NULL;
}

enum domain_state { D_OK, D_DEAD_NX, D_DEAD_NODATA, D_NULLMX, D_UNKNOWN };

/* domain_state - what DNS says of domain as a mail domain */
static enum domain_state domain_state(struct check_ctx *ctx, const char *domain)
{
	struct ub_result *ub = NULL;
	enum dns_status st;
	char name[256];
	int i;

	st = dns_lookup_until(ctx->env->dns, domain, 15, ctx->auth.deadline_ms, &ub);
	if (st == DNS_TEMPFAIL)
		return D_UNKNOWN;
	if (st == DNS_NXDOMAIN) {
		dns_result_free(&ub);
		return D_DEAD_NX;
	}
	if (st == DNS_OK) {
		/* RFC 7505: a single MX whose exchange is the root */
		for (i = 0; ub->data[i] != NULL; i++)
			;
		if (i == 1 && ub->len[0] >= 3 && dns_wire_name((const unsigned char *)ub->data[0] +
		    2, (size_t)ub->len[0] - 2, name, sizeof(name)) == 0 && name[0] == '\0') {
			dns_result_free(&ub);
			return D_NULLMX;
		}
		dns_result_free(&ub);
		return D_OK;
	}
	dns_result_free(&ub);
	/* no MX: the A (or AAAA) record is the implicit MX (RFC 5321 5.1) */
	st = dns_lookup_until(ctx->env->dns, domain, 1, ctx->auth.deadline_ms, &ub);
	dns_result_free(&ub);
	if (st == DNS_NODATA || st == DNS_NXDOMAIN) {
		st = dns_lookup_until(ctx->env->dns, domain, 28, ctx->auth.deadline_ms, &ub);
		dns_result_free(&ub);
	}
	return st == DNS_OK ? D_OK : st == DNS_TEMPFAIL ? D_UNKNOWN : D_DEAD_NODATA;
}

/* domain_of - the domain part of an address, or NULL */
static const char *domain_of(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* seen_before - true when d is among the first n recipients' domains */
static bool seen_before(const struct msg *m, size_t n, const char *d)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (domain_of(m->rcpts[i]) != NULL && strcasecmp(domain_of(m->rcpts[i]), d) == 0)
			return true;
	return false;
}

/* add_dead - a finding for a dead or Null-MX recipient domain, with the
 * reply the MTA (or the receiver) will give */
static int add_dead(struct check_ctx *ctx, const char *addr, const char *d, enum domain_state s)
{
	struct finding *f;

	if (s == D_NULLMX)
		f = finding_add(ctx->findings, &rcpt_defs[DEF_NULLMX], "<%s>: %s publishes a Null "
		    "MX", addr, d);
	else
		f = finding_add(ctx->findings, &rcpt_defs[DEF_DEAD], "<%s>: %s %s", addr, d,
		    s == D_DEAD_NX ? "does not exist" : "has neither MX nor A record");
	if (f == NULL)
		return -1;
	if (s == D_NULLMX)
		return finding_predict(f, "generic", "556 5.1.10 Recipient address rejected: "
		    "Domain %s does not accept mail (nullMX)", d);
	return finding_predict(f, "generic", "550 5.1.2 Host or domain name not found. Name "
	    "service error for name=%s type=MX", d);
}

/* bounced - recipient addr hard-bounced in the last SuppressDays: the
 * evidence preflight learn stored */
static int bounced(struct check_ctx *ctx, const char *addr)
{
	struct learn_bounce lb;
	struct finding *f;
	char when[32];
	struct tm tm;

	if (ctx->env->state == NULL || learn_bounce_of(ctx->env->state, addr, ctx->now, &lb) != 1)
		return 0;
	if (gmtime_r(&lb.when, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC",
	    &tm) == 0)
		snprintf(when, sizeof(when), "?");
	f = finding_add(ctx->findings, &rcpt_defs[DEF_BOUNCED], "<%s> hard-bounced on %s: %s "
	    "(%s, %s)", addr, when, lb.reason, lb.status, lb.provider);
	return f != NULL && finding_predict(f, strcmp(lb.provider, "unknown") == 0 ? "generic" :
	    lb.provider, "%s (the reply this recipient got last time)", lb.status) == 0 ? 0 : -1;
}

/* domain_bouncing - the recipient domain d had LEARN_DOMAIN_BOUNCES hard
 * bounces or more in SuppressDays (preflight learn counts them) */
static int domain_bouncing(struct check_ctx *ctx, const char *d)
{
	uint64_t n;

	if (ctx->env->state == NULL ||
	    (n = learn_domain_bounces(ctx->env->state, ctx->cfg, d, ctx->now)) <
	    LEARN_DOMAIN_BOUNCES)
		return 0;
	return finding_add(ctx->findings, &rcpt_defs[DEF_DOMAIN_BOUNCING], "%s: %llu hard "
	    "bounces in the last %u days (learned from bounces)", d, (unsigned long long)n,
	    ctx->cfg->suppress_days) != NULL ? 0 : -1;
}

/* one_rcpt - the findings for recipient i (its domain judged once) */
static int one_rcpt(struct check_ctx *ctx, size_t i, size_t *looked)
{
	const char *addr = ctx->msg->rcpts[i], *d = domain_of(addr), *t;
	enum domain_state s;

	if (d == NULL || !addr_domain_valid(d, NULL))
		return finding_add(ctx->findings, &rcpt_defs[DEF_SYNTAX], "<%s> is not a valid "
		    "address", addr) ? 0 : -1;
	if (bounced(ctx, addr) < 0)
		return -1;
	if (seen_before(ctx->msg, i, d) || d[0] == '[' || config_skip_domain(ctx->cfg, d))
		return 0;
	if ((t = typo_of(d)) != NULL && finding_add(ctx->findings, &rcpt_defs[DEF_TYPO],
	    "<%s>: %s looks like a typo of %s", addr, d, t) == NULL)
		return -1;
	if (domain_bouncing(ctx, d) < 0)
		return -1;
	if (ctx->env->dns == NULL || *looked >= RCPT_MAX_DOMAINS)
		return 0;
	(*looked)++;
	s = domain_state(ctx, d);
	return s == D_OK || s == D_UNKNOWN ? 0 : add_dead(ctx, addr, d, s);
}

/* sender_domains - MAIL FROM's and From's domains must resolve; a From
 * domain the DMARC check already found missing (auth-from-domain-missing)
 * is not reported twice */
static int sender_domains(struct check_ctx *ctx)
{
	const struct auth_dmarc *dm = &ctx->auth.dmarc;
	const char *d[2] = { domain_of(ctx->msg->env[MSG_ENV_MAIL_FROM]),
		dm->evaluated && dm->from_nxdomain ? NULL : dm->from_domain };
	const char *what[2] = { "MAIL FROM", "From" };
	enum domain_state s;
	int k;

	for (k = 0; k < 2; k++) {
		if (d[k] == NULL || d[k][0] == '[' || (k == 1 && d[0] != NULL &&
		    strcasecmp(d[0], d[1]) == 0))
			continue;
		s = domain_state(ctx, d[k]);
		if (s == D_DEAD_NX && finding_add(ctx->findings, &rcpt_defs[DEF_SENDER],
		    "%s domain %s does not exist", what[k], d[k]) == NULL)
			return -1;
		if (s == D_DEAD_NODATA && finding_add(ctx->findings, &rcpt_defs[DEF_SENDER_NOMX],
		    "%s domain %s has neither MX nor A record", what[k], d[k]) == NULL)
			return -1;
	}
	return 0;
}

static int rcpt_run(struct check_ctx *ctx, const char **error_r)
{
	size_t i, looked = 0;

	for (i = 0; i < ctx->msg->nrcpts; i++)
		if (one_rcpt(ctx, i, &looked) < 0)
			return *error_r = oom, -1;
	if (ctx->env->dns != NULL && sender_domains(ctx) < 0)
		return *error_r = oom, -1;
	return 0;
}

const struct check_ops check_rcpt_ops = { "rcpt", rcpt_defs, rcpt_run };

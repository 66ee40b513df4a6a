/*
 * check_rep - reputation: what receivers look up about us before they
 * read a word of the message.
 *
 * The egress findings (DNSBL listings, PTR, FCrDNS, HELO) come from the
 * background results of rep.c and cost a scan no DNS at all.  The URL
 * domains of the message (registrable domains, no IP literals) are looked
 * up per message in the URIBL zones, at most MaxURILookups names, within
 * the message's DNS budget; a lookup that times out is no evidence.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dns.h"
#include "mime.h"
#include "rep.h"
#include "url.h"

enum { DEF_LISTED, DEF_REFUSED, DEF_PTR, DEF_FCRDNS, DEF_HELO, DEF_URI, DEF_COUNT };

static const struct finding_reply ptr_replies[] = {
	{ "gmail", "550-5.7.25 The IP address sending this message does not have a PTR record "
	    "setup, or the corresponding forward DNS entry does not point to the sending IP. "
	    "As a policy, Gmail does not accept messages from IPs with missing PTR records." },
	{ "microsoft", "550 5.7.25 Access denied, the sending IPv6 address must have a reverse "
	    "DNS record (IPv6 only)" },
	{ NULL, NULL }
};

static const struct finding_def rep_defs[] = {
	[DEF_LISTED] = { "rep-egress-listed", CAT_REPUTATION, 5, false,
		"an egress address is on a DNSBL",
		"Find and stop the cause (a compromised account, a form that mails anyone, a "
		"bulk campaign), then ask the list to delist the address (spamhaus.org/query, "
		"barracudacentral.org/lookups, spamcop.net/bl.shtml).", NULL },
	[DEF_REFUSED] = { "rep-query-refused", CAT_REPUTATION, 0, false,
		"a blocklist refused the query (no answer about the listing)",
		"Resolve through your own recursive resolver, not a public one, or use Spamhaus "
		"DQS (DNSBLKey); 127.255.255.x is an error code, not a listing.", NULL },
	[DEF_PTR] = { "rep-ptr-missing", CAT_REPUTATION, 10, true,
		"an egress address has no PTR record",
		"Ask whoever owns the address (hosting provider, ISP) for a PTR record naming "
		"the relay, with a matching A/AAAA record.", ptr_replies },
	[DEF_FCRDNS] = { "rep-fcrdns-mismatch", CAT_REPUTATION, 10, true,
		"an egress address's PTR name does not resolve back to it",
		"Add an A/AAAA record for the PTR name pointing to the egress address "
		"(forward-confirmed reverse DNS), for IPv4 and IPv6 alike.", ptr_replies },
	[DEF_HELO] = { "rep-helo-mismatch", CAT_REPUTATION, 1, false,
		"EgressHelo does not resolve to the egress address",
		"Use a HELO name (Postfix smtp_helo_name) whose A/AAAA record is the egress "
		"address; ideally the PTR name.", NULL },
	[DEF_URI] = { "rep-uri-listed", CAT_REPUTATION, 6, false,
		"a URL domain in the message is on a URI blocklist",
		"Remove the link, or if it is your own domain, find why it was listed and ask for "
		"delisting (check.spamhaus.org, surbl.org, uribl.com).", NULL },
	{ NULL, 0, 0, false, NULL, NULL, NULL },
};

static const char oom[] = "out of memory";

/* egress_finding - one background item as a finding of this message */
static int egress_finding(void *arg, const struct rep_item *it)
{
	struct check_ctx *ctx = arg;
	struct finding *f = NULL;

	switch (it->kind) {
	case REP_LISTED:
		f = finding_add(ctx->findings, &rep_defs[DEF_LISTED], "egress %s is on %s (%s "
		    "answers %s)", it->ip, it->list, it->zone, it->answer);
		if (f != NULL && (finding_predict(f, "generic", "554 5.7.1 Service unavailable; "
		    "Client host [%s] blocked using %s", it->ip, it->zone) < 0 ||
		    (strstr(it->zone, "spamhaus") != NULL && (finding_predict(f, "yahoo",
		    "553 5.7.1 [BL21] Connections will not be accepted from %s, because the ip "
		    "is in Spamhaus's list", it->ip) < 0 || finding_predict(f, "microsoft",
		    "550 5.7.1 Service unavailable, Client host [%s] blocked using Spamhaus",
		    it->ip) < 0))))
			return -1;
		break;
	case REP_REFUSED:
		f = finding_add(ctx->findings, &rep_defs[DEF_REFUSED], "%s refused the query for "
		    "egress %s (%s): the listing status is unknown", it->zone, it->ip, it->answer);
		break;
	case REP_PTR_MISSING:
		f = finding_add(ctx->findings, &rep_defs[DEF_PTR], "egress %s has no PTR record",
		    it->ip);
		break;
	case REP_FCRDNS:
		f = finding_add(ctx->findings, &rep_defs[DEF_FCRDNS], "egress %s: PTR %s does not "
		    "resolve back to it", it->ip, it->answer);
		break;
	case REP_HELO:
		f = finding_add(ctx->findings, &rep_defs[DEF_HELO], "EgressHelo %s does not "
		    "resolve to egress %s", it->answer, it->ip);
		break;
	}
	return f == NULL ? -1 : 0;
}

/* uri_refused - the answers URI lists give for "your query was refused":
 * 127.255.255.x (Spamhaus), 127.0.0.1 (SURBL and URIBL) */
static bool uri_refused(const char *answer)
{
	return strncmp(answer, "127.255.255.", 12) == 0 || strcmp(answer, "127.0.0.1") == 0 ||
	    strcmp(answer, "127.0.1.255") == 0;
}

/* lookup_domain - reg against every URIBL zone; true when one lists it */
static int lookup_domain(struct check_ctx *ctx, const char *reg)
{
	char name[600], answer[INET_ADDRSTRLEN];
	struct ub_result *ub = NULL;
	struct finding *f = NULL;
	char **zone;

	for (zone = ctx->cfg->uribl; zone != NULL && *zone != NULL; zone++) {
		if ((size_t)snprintf(name, sizeof(name), "%s.%s", reg, *zone) >= sizeof(name))
			continue;
		if (dns_lookup_until(ctx->env->dns, name, 1, ctx->auth.deadline_ms, &ub) != DNS_OK ||
		    ub->len[0] != 4) {
			dns_result_free(&ub);
			continue;
		}
		inet_ntop(AF_INET, ub->data[0], answer, sizeof(answer));
		dns_result_free(&ub);
		if (uri_refused(answer))
			f = finding_add(ctx->findings, &rep_defs[DEF_REFUSED], "%s refused the query "
			    "for URL domain %s (%s): the listing status is unknown", *zone, reg, answer);
		else if (strncmp(answer, "127.", 4) == 0) {
			f = finding_add(ctx->findings, &rep_defs[DEF_URI], "URL domain %s is on %s "
			    "(%s answers %s)", reg, rep_list_name(*zone, answer), *zone, answer);
			if (f != NULL && finding_predict(f, "generic", "554 5.7.1 Service unavailable; "
			    "Sender address or URL in the message blocked using %s", *zone) < 0)
				return -1;
		} else
			continue;
		if (f == NULL)
			return -1;
	}
	return 0;
}

/* uri_domains - the distinct registrable domains of the message's URLs,
 * looked up until MaxURILookups names or the DNS budget is spent */
static int uri_domains(struct check_ctx *ctx, const char **error_r)
{
	struct mime_tree *t = check_mime_tree(ctx, error_r);
	struct url_list l = URL_LIST_INIT;
	char **seen = NULL;
	size_t i, k, j, nseen = 0, max = ctx->cfg->max_uri_lookups;
	int rc = 0;

	if (t == NULL)
		return -1;
	if ((seen = calloc(max + 1, sizeof(*seen))) == NULL)
		return *error_r = oom, -1;
	for (i = 0; i < t->nparts && rc == 0 && nseen < max; i++) {
		rc = check_part_urls(ctx, i, 1 << 20, &l, error_r);
		for (k = 0; rc == 0 && k < l.n && nseen < max; k++) {
			if (l.v[k].kind != URL_HOST_NAME || l.v[k].reg[0] == '\0')
				continue;
			for (j = 0; j < nseen && strcmp(seen[j], l.v[k].reg) != 0; j++)
				;
			if (j < nseen || dns_now_ms() >= ctx->auth.deadline_ms)
				continue;
			if ((seen[nseen] = strdup(l.v[k].reg)) == NULL)
				rc = (*error_r = oom, -1);
			else if (lookup_domain(ctx, seen[nseen++]) < 0)
				rc = (*error_r = oom, -1);
		}
		url_list_free(&l);
	}
	for (j = 0; j < nseen; j++)
		free(seen[j]);
	free(seen);
	return rc;
}

static int rep_run(struct check_ctx *ctx, const char **error_r)
{
	*error_r = NULL;
	if (ctx->env->rep != NULL && rep_each(ctx->env->rep, egress_finding, ctx, NULL) < 0)
		return *error_r = oom, -1;
	if (ctx->env->dns == NULL || ctx->cfg->uribl == NULL || ctx->cfg->uribl[0] == NULL ||
	    ctx->cfg->max_uri_lookups == 0)
		return 0;
	return uri_domains(ctx, error_r);
}

const struct check_ops check_rep_ops = { "rep", rep_defs, rep_run };

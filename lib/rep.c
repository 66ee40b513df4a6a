/*
 * rep - the relay's own reputation, refreshed in the background (rep.h).
 *
 * A refresh builds a new result (items plus the strings they point to,
 * all in one owned block) without the lock, then swaps it in: readers
 * hold the mutex only while they copy items into findings.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cidr.h"
#include "dns.h"
#include "rep.h"

#define REP_MAX_ITEMS 256
#define REP_MAX_PTR 8		/* PTR names tried for forward confirmation */

struct rep_result {
	struct rep_item v[REP_MAX_ITEMS];
	size_t n;
	char *strings[REP_MAX_ITEMS * 4];	/* owned copies the items point to */
	size_t nstrings;
	time_t when;
};

struct rep {
	pthread_mutex_t lock;
	struct rep_result *cur;	/* NULL until the first refresh */
};

static const char oom[] = "out of memory";

struct rep *rep_new(void)
{
	struct rep *r = calloc(1, sizeof(*r));

	if (r != NULL)
		pthread_mutex_init(&r->lock, NULL);
	return r;
}

static void result_free(struct rep_result **resp)
{
	struct rep_result *res = *resp;
	size_t i;

	if (res == NULL)
		return;
	for (i = 0; i < res->nstrings; i++)
		free(res->strings[i]);
	free(res);
	*resp = NULL;
}

void rep_free(struct rep **rp)
{
	struct rep *r = *rp;

	if (r == NULL)
		return;
	result_free(&r->cur);
	pthread_mutex_destroy(&r->lock);
	free(r);
	*rp = NULL;
}

bool rep_reverse_name(const char *ip, char *out, size_t outsz)
{
	unsigned char a[16];
	size_t i, o = 0;
	int n;

	if (inet_pton(AF_INET, ip, a) == 1) {
		n = snprintf(out, outsz, "%u.%u.%u.%u", a[3], a[2], a[1], a[0]);
		return n > 0 && (size_t)n < outsz;
	}
	if (inet_pton(AF_INET6, ip, a) != 1 || outsz < 64)
		return false;
	for (i = 16; i-- > 0;) {
		o += (size_t)snprintf(out + o, outsz - o, "%x.%x.", a[i] & 0xf, a[i] >> 4);
	}
	out[o - 1] = '\0';
	return true;
}

const char *rep_list_name(const char *zone, const char *answer)
{
	static const struct { const char *answer, *name; } zen[] = {
		{ "127.0.0.2", "Spamhaus SBL" }, { "127.0.0.3", "Spamhaus CSS" },
		{ "127.0.0.4", "Spamhaus XBL" }, { "127.0.0.5", "Spamhaus XBL" },
		{ "127.0.0.6", "Spamhaus XBL" }, { "127.0.0.7", "Spamhaus XBL" },
		{ "127.0.0.9", "Spamhaus DROP" }, { "127.0.0.10", "Spamhaus PBL" },
		{ "127.0.0.11", "Spamhaus PBL" },
	};
	size_t i;

	if (strstr(zone, "spamhaus") != NULL) {
		if (strstr(zone, "dbl") != NULL)
			return "Spamhaus DBL";
		for (i = 0; i < sizeof(zen) / sizeof(zen[0]); i++)
			if (strcmp(answer, zen[i].answer) == 0)
				return zen[i].name;
		return "Spamhaus";
	}
	if (strstr(zone, "barracuda") != NULL)
		return "Barracuda BRBL";
	if (strstr(zone, "spamcop") != NULL)
		return "SpamCop";
	if (strstr(zone, "surbl") != NULL)
		return "SURBL";
	if (strstr(zone, "uribl") != NULL)
		return "URIBL";
	return zone;
}

/* keep - an owned copy in res, or NULL when res is full or out of memory */
static const char *keep(struct rep_result *res, const char *s)
{
	char *c;

	if (res->nstrings >= sizeof(res->strings) / sizeof(res->strings[0]))
		return NULL;
	if ((c = strdup(s)) == NULL)
		return NULL;
	return res->strings[res->nstrings++] = c;
}

/* add - one item; -1 when out of memory (a full result drops quietly) */
static int add(struct rep_result *res, enum rep_kind kind, const char *ip,
    const char *zone, const char *list, const char *answer)
{
	struct rep_item *it;

	if (res->n >= REP_MAX_ITEMS)
		return 0;
	it = &res->v[res->n];
	it->kind = kind;
	if ((it->ip = keep(res, ip)) == NULL || (it->zone = keep(res, zone)) == NULL ||
	    (it->list = keep(res, list)) == NULL || (it->answer = keep(res, answer)) == NULL)
		return -1;
	res->n++;
	return 0;
}

/* dnsbl_zone - the zone to query: Spamhaus zones go through DQS when a
 * DNSBLKey is set ("KEY.zen.dq.spamhaus.net") */
static void dnsbl_zone(const struct config *cfg, const char *zone, char *out, size_t outsz)
{
	size_t n = strlen(zone);

	if (cfg->dnsbl_key != NULL && cfg->dnsbl_key[0] != '\0' && n > 13 &&
	    strcasecmp(zone + n - 13, ".spamhaus.org") == 0)
		snprintf(out, outsz, "%s.%.*s.dq.spamhaus.net", cfg->dnsbl_key, (int)(n - 13), zone);
	else
		snprintf(out, outsz, "%s", zone);
}

/* check_dnsbl - ip (reversed as rev) against every DNSBL zone */
static int check_dnsbl(struct rep_result *res, const struct config *cfg, struct dns *d,
    const char *ip, const char *rev)
{
	char zone[300], name[600], answer[INET_ADDRSTRLEN];
	struct ub_result *ub = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; cfg->dnsbl != NULL && cfg->dnsbl[i] != NULL && rc == 0; i++) {
		dnsbl_zone(cfg, cfg->dnsbl[i], zone, sizeof(zone));
		if ((size_t)snprintf(name, sizeof(name), "%s.%s", rev, zone) >= sizeof(name))
			continue;
		if (dns_lookup(d, name, 1, &ub) != DNS_OK || ub->len[0] != 4) {
			dns_result_free(&ub);
			continue;
		}
		inet_ntop(AF_INET, ub->data[0], answer, sizeof(answer));
		dns_result_free(&ub);
		if (strncmp(answer, "127.255.255.", 12) == 0)
			rc = add(res, REP_REFUSED, ip, cfg->dnsbl[i], rep_list_name(cfg->dnsbl[i],
			    answer), answer);
		else if (strncmp(answer, "127.", 4) == 0)
			rc = add(res, REP_LISTED, ip, cfg->dnsbl[i], rep_list_name(cfg->dnsbl[i],
			    answer), answer);
	}
	return rc;
}

/* resolves_to - the forward lookup of host holds ip: 1 yes, 0 no, -1 unknown */
static int resolves_to(struct dns *d, const char *host, const char *ip)
{
	unsigned char want[16];
	bool v6 = strchr(ip, ':') != NULL;
	struct ub_result *ub = NULL;
	enum dns_status st;
	int i, found = 0;

	if (inet_pton(v6 ? AF_INET6 : AF_INET, ip, want) != 1)
		return -1;
	st = dns_lookup(d, host, v6 ? 28 : 1, &ub);
	if (st == DNS_TEMPFAIL)
		return -1;
	for (i = 0; st == DNS_OK && ub->data[i] != NULL && !found; i++)
		found = ub->len[i] == (v6 ? 16 : 4) && memcmp(ub->data[i], want, v6 ? 16 : 4) == 0;
	dns_result_free(&ub);
	return found;
}

/* check_ptr - PTR of ip exists and one of its names resolves back to ip */
static int check_ptr(struct rep_result *res, struct dns *d, const char *ip, const char *rev)
{
	char name[600], host[NI_MAXHOST] = "";
	struct ub_result *ub = NULL;
	enum dns_status st;
	int i, fc = 0, r;

	snprintf(name, sizeof(name), "%s.%s", rev,
	    strchr(ip, ':') != NULL ? "ip6.arpa" : "in-addr.arpa");
	st = dns_lookup(d, name, 12, &ub);
	if (st == DNS_TEMPFAIL)
		return 0;
	if (st != DNS_OK) {
		dns_result_free(&ub);
		return add(res, REP_PTR_MISSING, ip, "", "", "");
	}
	for (i = 0; ub->data[i] != NULL && i < REP_MAX_PTR && fc != 1; i++) {
		if (dns_wire_name((const unsigned char *)ub->data[i], (size_t)ub->len[i], host,
		    sizeof(host)) < 0)
			continue;
		r = resolves_to(d, host, ip);
		fc = r != 0 ? r : fc;
	}
	dns_result_free(&ub);
	return fc == 0 ? add(res, REP_FCRDNS, ip, "", "", host) : 0;
}

bool rep_is_local(const char *ip)
{
	/* RFC 6303 and unbound's default local zones: private, loopback,
	 * link-local, shared (CGNAT), documentation and unique-local space */
	static const char *const local[] = {
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.2.0/24", "192.168.0.0/16", "198.51.100.0/24",
		"203.0.113.0/24", "255.255.255.255/32", "::/127", "fe80::/10", "fc00::/7",
		"2001:db8::/32", NULL
	};
	struct cidr_list l = { 0 };
	const char *err;
	bool hit = false;
	size_t i;

	for (i = 0; local[i] != NULL; i++)
		if (cidr_list_add(&l, local[i], &err) < 0)
			break;
	hit = cidr_list_match(&l, ip);
	cidr_list_free(&l);
	return hit;
}

int rep_refresh(struct rep *r, const struct config *cfg, struct dns *d, const char **error_r)
{
	struct rep_result *res = calloc(1, sizeof(*res));
	char rev[80];
	size_t i;
	int rc = 0, n;

	if (res == NULL)
		return *error_r = oom, -1;
	for (i = 0; cfg->egress_addresses != NULL && cfg->egress_addresses[i] != NULL &&
	    rc == 0; i++) {
		const char *ip = cfg->egress_addresses[i];

		if (rep_is_local(ip) || !rep_reverse_name(ip, rev, sizeof(rev)))
			continue;
		rc = check_dnsbl(res, cfg, d, ip, rev);
		if (rc == 0)
			rc = check_ptr(res, d, ip, rev);
		if (rc == 0 && cfg->egress_helo != NULL && resolves_to(d, cfg->egress_helo, ip) == 0)
			rc = add(res, REP_HELO, ip, "", "", cfg->egress_helo);
	}
	if (rc < 0) {
		result_free(&res);
		return *error_r = oom, -1;
	}
	res->when = time(NULL);
	n = (int)res->n;
	pthread_mutex_lock(&r->lock);
	result_free(&r->cur);
	r->cur = res;
	pthread_mutex_unlock(&r->lock);
	return n;
}

bool rep_due(struct rep *r, const struct config *cfg, time_t now)
{
	bool due;

	pthread_mutex_lock(&r->lock);
	due = r->cur == NULL || now - r->cur->when >= (time_t)cfg->reputation_interval;
	pthread_mutex_unlock(&r->lock);
	return due;
}

int rep_each(struct rep *r, int (*cb)(void *arg, const struct rep_item *it), void *arg,
    time_t *refreshed_r)
{
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	if (refreshed_r != NULL)
		*refreshed_r = r->cur != NULL ? r->cur->when : 0;
	for (i = 0; r->cur != NULL && i < r->cur->n && rc >= 0; i++)
		rc = cb(arg, &r->cur->v[i]);
	pthread_mutex_unlock(&r->lock);
	return rc < 0 ? rc : 0;
}

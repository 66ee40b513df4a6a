/*
 * metrics - lock-free counters and their Prometheus text rendering (see
 * metrics.h for the contract).
 *
 * Everything is sized once in metrics_new from the fixed catalogue
 * (check_registry): one counter per finding id, found by a binary search
 * over the sorted ids, and one latency histogram per check, by its index
 * in the registry.  Updates are relaxed atomic adds; a scrape reads each
 * counter once, so it may see a message half-counted, never a torn value.
 * A histogram's _count is the sum of its buckets as read, so +Inf always
 * equals _count in one scrape; _sum may trail by the message in flight.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "metrics.h"
#include "rep.h"

typedef _Atomic uint64_t counter_t;

/* Upper bounds in microseconds, and the same as the "le" label in seconds. */
static const uint64_t bucket_us[METRICS_BUCKETS] = {
	100, 500, 1000, 2000, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000
};
static const char *const bucket_le[METRICS_BUCKETS] = {
	"0.0001", "0.0005", "0.001", "0.002", "0.005", "0.01", "0.025", "0.05",
	"0.1", "0.25", "0.5", "1"
};

/* The providers the built-in profiles name; anything else is "other". */
static const char *const providers[] = {
	"gmail", "microsoft", "yahoo", "icloud", "generic", "other"
};
#define NPROVIDERS (sizeof(providers) / sizeof(providers[0]))

static const char *const rep_kinds[] = {
	[REP_LISTED] = "listed", [REP_REFUSED] = "refused",
	[REP_PTR_MISSING] = "ptr-missing", [REP_FCRDNS] = "fcrdns", [REP_HELO] = "helo",
};
#define NREPKINDS (sizeof(rep_kinds) / sizeof(rep_kinds[0]))

struct hist {
	counter_t bucket[METRICS_BUCKETS + 1];	/* not cumulative; last = +Inf */
	counter_t sum_ns;
};

struct metrics {
	counter_t verdict[VERDICT_COUNT];
	counter_t scan_errors;
	size_t nids;
	const char **ids;		/* the catalogue, sorted */
	counter_t *finding;		/* per ids[i] */
	counter_t finding_other;	/* ids outside the catalogue (RulesFile) */
	counter_t provider[NPROVIDERS];
	size_t nchecks;
	struct hist *check;		/* per check_registry() index */
	counter_t dns_query;
	counter_t dns_hit;
	counter_t dns_tempfail;
	counter_t store_errors;
	struct rep *rep;
};

static void inc(counter_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static uint64_t get(const counter_t *c)
{
	/* atomic_load takes a non-const pointer in older C libraries */
	return atomic_load_explicit((counter_t *)c, memory_order_relaxed);
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* collect_ids - every catalogue id once, sorted; -1 when out of memory */
static int collect_ids(struct metrics *m)
{
	const struct check_ops *const *reg = check_registry(&m->nchecks);
	const struct finding_def *d;
	size_t i, n = 0, k;

	for (i = 0; i < m->nchecks; i++)
		for (d = reg[i]->defs; d != NULL && d->id != NULL; d++)
			n++;
	if ((m->ids = calloc(n ? n : 1, sizeof(*m->ids))) == NULL)
		return -1;
	for (i = 0; i < m->nchecks; i++)
		for (d = reg[i]->defs; d != NULL && d->id != NULL; d++)
			m->ids[m->nids++] = d->id;
	qsort(m->ids, m->nids, sizeof(*m->ids), cmp_id);
	for (i = k = 0; i < m->nids; i++)	/* drop duplicates, if any */
		if (k == 0 || strcmp(m->ids[k - 1], m->ids[i]) != 0)
			m->ids[k++] = m->ids[i];
	m->nids = k;
	return 0;
}

struct metrics *metrics_new(void)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	if (collect_ids(m) < 0 ||
	    (m->finding = calloc(m->nids ? m->nids : 1, sizeof(*m->finding))) == NULL ||
	    (m->check = calloc(m->nchecks ? m->nchecks : 1, sizeof(*m->check))) == NULL) {
		metrics_free(&m);
		return NULL;
	}
	return m;
}

void metrics_free(struct metrics **mp)
{
	struct metrics *m = *mp;

	if (m == NULL)
		return;
	free(m->ids);
	free(m->finding);
	free(m->check);
	free(m);
	*mp = NULL;
}

void metrics_set_rep(struct metrics *m, struct rep *r)
{
	if (m != NULL)
		m->rep = r;
}

/* provider_index - the provider's slot; "other" for names not listed */
static size_t provider_index(const char *p)
{
	size_t i;

	for (i = 0; i + 1 < NPROVIDERS; i++)
		if (strcmp(p, providers[i]) == 0)
			return i;
	return NPROVIDERS - 1;
}

void metrics_message(struct metrics *m, enum verdict v, const struct finding_list *fl)
{
	unsigned seen = 0;
	const char **hit;
	size_t i, k;

	if (m == NULL)
		return;
	if ((unsigned)v < VERDICT_COUNT)
		inc(&m->verdict[v]);
	for (i = 0; fl != NULL && i < fl->n; i++) {
		const struct finding *f = fl->v[i];

		hit = bsearch(&f->def->id, m->ids, m->nids, sizeof(*m->ids), cmp_id);
		inc(hit != NULL ? &m->finding[hit - m->ids] : &m->finding_other);
		for (k = 0; k < f->npredicted; k++)
			if (f->predicted[k].provider != NULL)
				seen |= 1u << provider_index(f->predicted[k].provider);
	}
	for (k = 0; k < NPROVIDERS; k++)
		if (seen & (1u << k))
			inc(&m->provider[k]);
}

void metrics_scan_error(struct metrics *m)
{
	if (m != NULL)
		inc(&m->scan_errors);
}

void metrics_check_time(struct metrics *m, size_t idx, uint64_t ns)
{
	size_t b = 0;

	if (m == NULL || idx >= m->nchecks)
		return;
	while (b < METRICS_BUCKETS && ns > bucket_us[b] * 1000)
		b++;
	inc(&m->check[idx].bucket[b]);
	atomic_fetch_add_explicit(&m->check[idx].sum_ns, ns, memory_order_relaxed);
}

void metrics_dns_query(struct metrics *m)
{
	if (m != NULL)
		inc(&m->dns_query);
}

void metrics_dns_cache_hit(struct metrics *m)
{
	if (m != NULL)
		inc(&m->dns_hit);
}

void metrics_dns_tempfail(struct metrics *m)
{
	if (m != NULL)
		inc(&m->dns_tempfail);
}

void metrics_store_error(struct metrics *m)
{
	if (m != NULL)
		inc(&m->store_errors);
}

uint64_t metrics_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int metrics_escape(struct buf *out, const char *s)
{
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++) {
		if (*s == '\\')
			rc = buf_puts(out, "\\\\");
		else if (*s == '"')
			rc = buf_puts(out, "\\\"");
		else if (*s == '\n')
			rc = buf_puts(out, "\\n");
		else
			rc = buf_putc(out, *s);
	}
	return rc;
}

/* head - the # HELP and # TYPE lines of one metric family */
static int head(struct buf *out, const char *name, const char *type, const char *help)
{
	return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type) < 0 ? -1 : 0;
}

/* labelled - one sample "name{label="value"} n" */
static int labelled(struct buf *out, const char *name, const char *label, const char *value,
    uint64_t n)
{
	return buf_printf(out, "%s{%s=\"", name, label) < 0 || metrics_escape(out, value) < 0 ||
	    buf_printf(out, "\"} %llu\n", (unsigned long long)n) < 0 ? -1 : 0;
}

/* render_hist - the histogram of check idx */
static int render_hist(const struct metrics *m, size_t idx, const char *check,
    struct buf *out)
{
	static const char name[] = "preflight_check_duration_seconds";
	const struct hist *h = &m->check[idx];
	uint64_t cum = 0;
	int rc = 0;
	size_t b;

	for (b = 0; b <= METRICS_BUCKETS; b++) {
		cum += get(&h->bucket[b]);
		if (buf_printf(out, "%s_bucket{check=\"", name) < 0 ||
		    metrics_escape(out, check) < 0 ||
		    buf_printf(out, "\",le=\"%s\"} %llu\n",
		    b < METRICS_BUCKETS ? bucket_le[b] : "+Inf", (unsigned long long)cum) < 0)
			rc = -1;
	}
	if (buf_printf(out, "%s_sum{check=\"", name) < 0 || metrics_escape(out, check) < 0 ||
	    buf_printf(out, "\"} %.6f\n", (double)get(&h->sum_ns) / 1e9) < 0 ||
	    buf_printf(out, "%s_count{check=\"", name) < 0 || metrics_escape(out, check) < 0 ||
	    buf_printf(out, "\"} %llu\n", (unsigned long long)cum) < 0)
		rc = -1;
	return rc;
}

struct rep_render {
	struct buf *out;
	uint64_t kinds[NREPKINDS];
	int rc;
};

/* rep_listed - one gauge per listing; counts every item by kind */
static int rep_listed(void *arg, const struct rep_item *it)
{
	struct rep_render *rr = arg;

	if ((size_t)it->kind < NREPKINDS)
		rr->kinds[it->kind]++;
	if (it->kind != REP_LISTED)
		return 0;
	if (buf_puts(rr->out, "preflight_egress_listed{ip=\"") < 0 ||
	    metrics_escape(rr->out, it->ip) < 0 || buf_puts(rr->out, "\",zone=\"") < 0 ||
	    metrics_escape(rr->out, it->zone) < 0 || buf_puts(rr->out, "\",list=\"") < 0 ||
	    metrics_escape(rr->out, it->list) < 0 || buf_puts(rr->out, "\"} 1\n") < 0)
		rr->rc = -1;
	return 0;
}

/* render_rep - the egress reputation as of the last background refresh */
static int render_rep(const struct metrics *m, struct buf *out)
{
	struct rep_render rr = { .out = out };
	time_t refreshed = 0;
	size_t k;

	if (m->rep == NULL)
		return 0;
	rr.rc = head(out, "preflight_egress_listed", "gauge",
	    "1 per EgressAddress and DNSBL zone that lists it, as of the last refresh.");
	(void)rep_each(m->rep, rep_listed, &rr, &refreshed);
	rr.rc |= head(out, "preflight_egress_problems", "gauge",
	    "Egress reputation problems found by the last refresh, by kind.");
	for (k = 0; k < NREPKINDS; k++)
		rr.rc |= labelled(out, "preflight_egress_problems", "kind", rep_kinds[k],
		    rr.kinds[k]);
	if (head(out, "preflight_egress_refreshed_timestamp_seconds", "gauge",
	    "Unix time of the last egress reputation refresh; 0 = not yet.") < 0 ||
	    buf_printf(out, "preflight_egress_refreshed_timestamp_seconds %lld\n",
	    (long long)refreshed) < 0)
		rr.rc = -1;
	return rr.rc;
}

/* render_plain - a family of one unlabelled counter */
static int render_plain(struct buf *out, const char *name, const char *help,
    const counter_t *c)
{
	return head(out, name, "counter", help) < 0 ||
	    buf_printf(out, "%s %llu\n", name, (unsigned long long)get(c)) < 0 ? -1 : 0;
}

int metrics_render(const struct metrics *m, struct buf *out)
{
	const struct check_ops *const *reg;
	size_t i, n;
	int rc;

	rc = head(out, "preflight_messages_total", "counter",
	    "Checked messages, by the policy's verdict (observe mode: accept).");
	for (i = 0; i < VERDICT_COUNT; i++)
		rc |= labelled(out, "preflight_messages_total", "verdict",
		    verdict_name((enum verdict)i), get(&m->verdict[i]));
	rc |= render_plain(out, "preflight_scan_errors_total",
	    "Messages whose scan failed inside (OnError applied).", &m->scan_errors);
	rc |= head(out, "preflight_findings_total", "counter",
	    "Findings in checked messages, by catalogue id.");
	for (i = 0; i < m->nids; i++)
		rc |= labelled(out, "preflight_findings_total", "id", m->ids[i],
		    get(&m->finding[i]));
	rc |= render_plain(out, "preflight_findings_other_total",
	    "Findings whose id is not in the built-in catalogue (RulesFile rules).",
	    &m->finding_other);
	rc |= head(out, "preflight_predicted_rejections_total", "counter",
	    "Checked messages with a finding that predicts a refusal by the provider.");
	for (i = 0; i < NPROVIDERS; i++)
		rc |= labelled(out, "preflight_predicted_rejections_total", "provider",
		    providers[i], get(&m->provider[i]));
	rc |= head(out, "preflight_check_duration_seconds", "histogram",
	    "Time one check took on one message.");
	reg = check_registry(&n);
	for (i = 0; i < n && i < m->nchecks; i++)
		rc |= render_hist(m, i, reg[i]->name, out);
	rc |= render_plain(out, "preflight_dns_queries_total",
	    "DNS queries sent to the resolver (libunbound).", &m->dns_query);
	rc |= render_plain(out, "preflight_dns_cache_hits_total",
	    "DNS lookups answered by Preflight's answer cache.", &m->dns_hit);
	rc |= render_plain(out, "preflight_dns_tempfails_total",
	    "DNS lookups that timed out or failed (temperror).", &m->dns_tempfail);
	rc |= render_plain(out, "preflight_store_errors_total",
	    "Held-log rows that could not be written.", &m->store_errors);
	rc |= render_rep(m, out);
	return rc != 0 ? -1 : 0;
}

/* parse_port - 1..65535, digits only */
static int parse_port(const char *s, in_port_t *port_r)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '9' && i < 6; i++)
		n = n * 10 + (unsigned long)(s[i] - '0');
	if (i == 0 || s[i] != '\0' || n == 0 || n > 65535)
		return -1;
	*port_r = htons((in_port_t)n);
	return 0;
}

int metrics_listen_parse(const char *spec, struct sockaddr_storage *ss, socklen_t *len_r,
    struct buf *why)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	const char *colon, *close;
	char host[INET6_ADDRSTRLEN + 1];
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		close = strchr(spec, ']');
		hlen = close != NULL ? (size_t)(close - spec - 1) : 0;
		if (close == NULL || close[1] != ':' || hlen == 0 || hlen >= sizeof(host))
			goto bad;
		memcpy(host, spec + 1, hlen);
		host[hlen] = '\0';
		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1 ||
		    parse_port(close + 2, &sin6->sin6_port) < 0)
			goto bad;
		*len_r = sizeof(*sin6);
		return 0;
	}
	colon = strrchr(spec, ':');
	hlen = colon != NULL ? (size_t)(colon - spec) : 0;
	if (colon == NULL || hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1 || parse_port(colon + 1, &sin->sin_port) < 0)
		goto bad;
	*len_r = sizeof(*sin);
	return 0;
bad:
	if (why != NULL)
		buf_printf(why, "not ADDR:PORT or [IPv6]:PORT with a port 1-65535: '%s'", spec);
	return -1;
}

int metrics_listen_check(const char *spec, struct buf *why)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (*spec == '\0')
		return 0;
	return metrics_listen_parse(spec, &ss, &len, why);
}

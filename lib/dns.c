/*
 * dns - the shared libunbound resolver (see dns.h for the contract).
 *
 * libunbound resolves in its own thread and signals finished queries on a
 * pipe (ub_fd); ub_process() then runs the callbacks of every finished
 * query, whoever started it.  Several milter threads wait at once, so they
 * take turns as "poller" (leader/follower): one thread polls the pipe and
 * runs ub_process() under d->lock, the others sleep on d->cond until their
 * query is done or their own deadline passes.  Callbacks run only inside
 * ub_process(), hence always under d->lock, which is what makes q->done
 * safe to read under the same lock.  In front of all this, dns_cache
 * answers what was already answered, without a handoff (dns_cache.c says
 * why that matters under load).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns.h"
#include "dns_cache.h"
#include "metrics.h"

/* A poller wakes at least this often to let followers take over. */
#define DNS_SLICE_MS 50

struct dns {
	struct ub_ctx *ctx;
	unsigned timeout_ms;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool polling;
	struct dns_cache *cache;
	struct metrics *metrics;	/* counters, or NULL; set before sharing */
};

struct dns_query {
	int async_id;
	bool done;
	bool cached;		/* answered by d->cache: st is final */
	enum dns_status st;
	int err;
	struct ub_result *res;
	int rrtype;
	char name[];		/* for the cache */
};

uint64_t dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* dns_setup - apply the options; the order is libunbound's: forwarders and
 * threading first, zone_add last, because zone_add finalises the context */
static int dns_setup(struct ub_ctx *ctx, const struct dns_options *opt, const char **error_r)
{
	char *list, *word, *save = NULL;
	int rc = 0;

	/* Local forwarders (a caching resolver on 127.0.0.1, the tests' server)
	 * are refused by default. */
	if (ub_ctx_set_option(ctx, "do-not-query-localhost:", "no") != 0)
		return *error_r = "cannot allow DNS servers on localhost", -1;
	if (opt->nameservers != NULL && opt->nameservers[0] != '\0') {
		if ((list = strdup(opt->nameservers)) == NULL)
			return *error_r = "out of memory", -1;
		for (word = strtok_r(list, " \t,", &save); word != NULL && rc == 0;
		    word = strtok_r(NULL, " \t,", &save))
			rc = ub_ctx_set_fwd(ctx, word);
		free(list);
		if (rc != 0)
			return *error_r = "bad Nameservers address (want ADDR or ADDR@PORT)", -1;
	} else
		/* No readable resolv.conf is not fatal: libunbound then
		 * recurses from the root hints, and without a network every
		 * lookup ends as DNS_TEMPFAIL - which is what the checks say. */
		(void)ub_ctx_resolvconf(ctx, NULL);
	if (opt->trust_anchor != NULL && ub_ctx_add_ta_file(ctx, opt->trust_anchor) != 0)
		return *error_r = "cannot read the DNSSEC trust anchor file", -1;
	if (ub_ctx_async(ctx, 1) != 0)
		return *error_r = "cannot start the resolver thread", -1;
	/* RFC 6761 makes .test NXDOMAIN locally; test zones live there. */
	if (ub_ctx_zone_add(ctx, "test.", "transparent") != 0)
		return *error_r = "cannot set up the test. zone", -1;
	return 0;
}

int dns_open(const struct dns_options *opt, struct dns **d_r, const char **error_r)
{
	struct dns *d = calloc(1, sizeof(*d));
	pthread_condattr_t ca;

	*d_r = NULL;
	if (d == NULL)
		return *error_r = "out of memory", -1;
	if ((d->cache = dns_cache_new()) == NULL) {
		free(d);
		return *error_r = "out of memory", -1;
	}
	if ((d->ctx = ub_ctx_create()) == NULL) {
		dns_cache_free(&d->cache);
		free(d);
		return *error_r = "cannot create the libunbound context", -1;
	}
	if (dns_setup(d->ctx, opt, error_r) < 0) {
		ub_ctx_delete(d->ctx);
		dns_cache_free(&d->cache);
		free(d);
		return -1;
	}
	d->timeout_ms = opt->timeout_ms ? opt->timeout_ms : 5000;
	pthread_mutex_init(&d->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cond, &ca);
	pthread_condattr_destroy(&ca);
	*d_r = d;
	return 0;
}

void dns_close(struct dns **dp)
{
	struct dns *d = *dp;

	if (d == NULL)
		return;
	ub_ctx_delete(d->ctx);
	dns_cache_free(&d->cache);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->lock);
	free(d);
	*dp = NULL;
}

void dns_set_metrics(struct dns *d, struct metrics *m)
{
	d->metrics = m;
}

unsigned dns_timeout_ms(const struct dns *d)
{
	return d->timeout_ms;
}

/* dns_done - libunbound's callback, run inside ub_process under d->lock */
static void dns_done(void *arg, int err, struct ub_result *res)
{
	struct dns_query *q = arg;

	q->err = err;
	q->res = res;
	q->done = true;
}

struct dns_query *dns_start(struct dns *d, const char *name, int rrtype)
{
	size_t n = strlen(name);
	struct dns_query *q = calloc(1, sizeof(*q) + n + 1);

	if (q == NULL)
		return NULL;
	memcpy(q->name, name, n + 1);
	q->rrtype = rrtype;
	if (dns_cache_get(d->cache, name, rrtype, dns_now_ms(), &q->st, &q->res)) {
		q->done = q->cached = true;
		metrics_dns_cache_hit(d->metrics);
		return q;
	}
	metrics_dns_query(d->metrics);
	pthread_mutex_lock(&d->lock);
	if (ub_resolve_async(d->ctx, name, rrtype, 1 /* IN */, q, dns_done, &q->async_id) != 0) {
		/* Counted as a finished query with a resolver error. */
		q->done = true;
		q->err = -1;
	}
	pthread_mutex_unlock(&d->lock);
	return q;
}

/* dns_poll_once - as the poller: wait for the pipe up to ms, then run the
 * finished callbacks.  Called and returns with d->lock held. */
static void dns_poll_once(struct dns *d, uint64_t ms)
{
	struct pollfd pfd = { .fd = ub_fd(d->ctx), .events = POLLIN };

	d->polling = true;
	pthread_mutex_unlock(&d->lock);
	(void)poll(&pfd, 1, (int)ms);
	pthread_mutex_lock(&d->lock);
	if (pfd.revents & POLLIN)
		(void)ub_process(d->ctx);
	d->polling = false;
	/* Followers whose answers just arrived, or who may now poll, wake up. */
	pthread_cond_broadcast(&d->cond);
}

/* dns_follow - sleep until woken or ms passes; d->lock held */
static void dns_follow(struct dns *d, uint64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	(void)pthread_cond_timedwait(&d->cond, &d->lock, &ts);
}

/* dns_classify - map libunbound's answer to our status */
static enum dns_status dns_classify(int err, struct ub_result *res)
{
	if (err != 0 || res == NULL)
		return DNS_TEMPFAIL;
	if (res->bogus)
		return DNS_TEMPFAIL;
	if (res->rcode == 3)
		return DNS_NXDOMAIN;
	if (res->rcode != 0)
		return DNS_TEMPFAIL;
	return res->havedata ? DNS_OK : DNS_NODATA;
}

enum dns_status dns_wait(struct dns *d, struct dns_query *q, uint64_t deadline_ms,
    struct ub_result **res_r)
{
	enum dns_status st;
	uint64_t now;

	*res_r = NULL;
	if (q == NULL)
		return DNS_TEMPFAIL;
	if (q->cached) {
		*res_r = q->res;
		st = q->st;
		free(q);
		return st;
	}
	pthread_mutex_lock(&d->lock);
	while (!q->done && (now = dns_now_ms()) < deadline_ms) {
		uint64_t slice = deadline_ms - now;

		if (slice > DNS_SLICE_MS)
			slice = DNS_SLICE_MS;
		if (!d->polling)
			dns_poll_once(d, slice);
		else
			dns_follow(d, slice);
	}
	if (!q->done) {
		/* Under the lock no callback can be running: cancel is final. */
		(void)ub_cancel(d->ctx, q->async_id);
		pthread_mutex_unlock(&d->lock);
		free(q);
		metrics_dns_tempfail(d->metrics);
		return DNS_TEMPFAIL;
	}
	pthread_mutex_unlock(&d->lock);
	st = dns_classify(q->err, q->res);
	if (st == DNS_TEMPFAIL) {
		metrics_dns_tempfail(d->metrics);
		ub_resolve_free(q->res);
	} else {
		dns_cache_put(d->cache, q->name, q->rrtype, dns_now_ms(), st, q->res);
		*res_r = q->res;
	}
	free(q);
	return st;
}

void dns_cancel(struct dns *d, struct dns_query *q)
{
	if (q == NULL)
		return;
	if (q->cached) {
		ub_resolve_free(q->res);
		free(q);
		return;
	}
	pthread_mutex_lock(&d->lock);
	if (!q->done)
		(void)ub_cancel(d->ctx, q->async_id);
	pthread_mutex_unlock(&d->lock);
	if (q->done)
		ub_resolve_free(q->res);
	free(q);
}

enum dns_status dns_lookup_until(struct dns *d, const char *name, int rrtype,
    uint64_t deadline_ms, struct ub_result **res_r)
{
	return dns_wait(d, dns_start(d, name, rrtype), deadline_ms, res_r);
}

enum dns_status dns_lookup(struct dns *d, const char *name, int rrtype,
    struct ub_result **res_r)
{
	return dns_lookup_until(d, name, rrtype, dns_now_ms() + d->timeout_ms, res_r);
}

void dns_result_free(struct ub_result **resp)
{
	if (*resp != NULL)
		ub_resolve_free(*resp);
	*resp = NULL;
}

const char *dns_status_name(enum dns_status s)
{
	static const char *const names[] = { "ok", "nxdomain", "nodata", "tempfail" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

int dns_wire_name(const unsigned char *p, size_t len, char *out, size_t outsz)
{
	size_t i = 0, o = 0, n;

	while (i < len && p[i] != 0) {
		n = p[i++];
		if (n > 63 || n > len - i || o + n + 2 > outsz)
			return -1;
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	if (i >= len)
		return -1;
	out[o] = '\0';
	return 0;
}

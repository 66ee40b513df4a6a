/*
 * dns_cache - the answers dns.c has received, kept for their TTL, so that
 * a lookup libunbound would answer from its own cache costs no trip
 * through its resolver thread (see dns_cache.h).
 *
 * Why a second cache: libunbound answers every query, cached or not, in
 * its one resolver thread, and signals it on a pipe that one milter thread
 * polls for all the others.  A message makes a dozen lookups (SPF, DKIM
 * keys, DMARC, MX, URI lists); with 16 connections that is hundreds of
 * thread handoffs per second, each waiting for a core.  Here a hit is a
 * hash lookup and a copy under one of DNS_CACHE_SHARDS locks.
 *
 * Only definite answers are kept (data, NXDOMAIN, NODATA), for
 * min(TTL, DNS_CACHE_MAX_TTL) seconds; a TTL of 0 is not kept, nor is a
 * failure.  Each shard holds at most DNS_CACHE_SHARD_MAX entries: a full
 * shard drops its expired entries, then, if still full, all of them (a
 * burst of distinct names, e.g. URI lookups, must not grow memory).
 * Copies handed out are deep and freed with ub_resolve_free, like
 * libunbound's own results.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns_cache.h"

#define DNS_CACHE_SHARDS 16
#define DNS_CACHE_BUCKETS 256		/* per shard */
#define DNS_CACHE_SHARD_MAX 1024
#define DNS_CACHE_MAX_TTL 600

struct entry {
	struct entry *next;
	char *name;
	int rrtype;
	enum dns_status st;
	uint64_t expires_ms;
	struct ub_result *res;
};

struct shard {
	pthread_mutex_t lock;
	struct entry *bucket[DNS_CACHE_BUCKETS];
	unsigned count;
};

struct dns_cache {
	struct shard shard[DNS_CACHE_SHARDS];
};

/* hash - FNV-1a over the lowercased name and the type */
static uint32_t hash(const char *name, int rrtype)
{
	uint32_t h = 2166136261u ^ (uint32_t)rrtype;

	for (; *name != '\0'; name++) {
		unsigned char c = (unsigned char)*name;

		h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32 : c)) * 16777619u;
	}
	return h;
}

/* copy_result - a deep copy that ub_resolve_free can release, or NULL */
static struct ub_result *copy_result(const struct ub_result *r)
{
	struct ub_result *c = calloc(1, sizeof(*c));
	size_t n = 0, i;

	if (c == NULL)
		return NULL;
	*c = *r;
	c->qname = c->canonname = c->why_bogus = NULL;
	c->data = NULL;
	c->len = NULL;
	c->answer_packet = NULL;
	while (r->data != NULL && r->data[n] != NULL)
		n++;
	if ((r->qname != NULL && (c->qname = strdup(r->qname)) == NULL) ||
	    (c->data = calloc(n + 1, sizeof(*c->data))) == NULL ||
	    (c->len = calloc(n + 1, sizeof(*c->len))) == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((c->data[i] = malloc((size_t)r->len[i] + 1)) == NULL)
			goto fail;
		memcpy(c->data[i], r->data[i], (size_t)r->len[i]);
		c->len[i] = r->len[i];
	}
	/* ub_resolve_free frees canonname only when it is not qname */
	if (r->canonname == r->qname)
		c->canonname = c->qname;
	else if (r->canonname != NULL && (c->canonname = strdup(r->canonname)) == NULL)
		goto fail;
	if (r->answer_packet != NULL && r->answer_len > 0) {
		if ((c->answer_packet = malloc((size_t)r->answer_len)) == NULL)
			goto fail;
		memcpy(c->answer_packet, r->answer_packet, (size_t)r->answer_len);
	}
	if (r->why_bogus != NULL && (c->why_bogus = strdup(r->why_bogus)) == NULL)
		goto fail;
	return c;
fail:
	ub_resolve_free(c);
	return NULL;
}

static void entry_free(struct entry *e)
{
	ub_resolve_free(e->res);
	free(e->name);
	free(e);
}

struct dns_cache *dns_cache_new(void)
{
	struct dns_cache *c = calloc(1, sizeof(*c));
	size_t i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < DNS_CACHE_SHARDS; i++)
		pthread_mutex_init(&c->shard[i].lock, NULL);
	return c;
}

/* shard_drop - free the entries of s that expired by now (all if now is 0) */
static void shard_drop(struct shard *s, uint64_t now)
{
	size_t b;

	for (b = 0; b < DNS_CACHE_BUCKETS; b++) {
		struct entry **pp = &s->bucket[b], *e;

		while ((e = *pp) != NULL) {
			if (now != 0 && e->expires_ms > now) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			entry_free(e);
			s->count--;
		}
	}
}

void dns_cache_free(struct dns_cache **cp)
{
	struct dns_cache *c = *cp;
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < DNS_CACHE_SHARDS; i++) {
		shard_drop(&c->shard[i], 0);
		pthread_mutex_destroy(&c->shard[i].lock);
	}
	free(c);
	*cp = NULL;
}

bool dns_cache_get(struct dns_cache *c, const char *name, int rrtype, uint64_t now_ms,
    enum dns_status *st_r, struct ub_result **res_r)
{
	uint32_t h = hash(name, rrtype);
	struct shard *s = &c->shard[h % DNS_CACHE_SHARDS];
	struct entry *e;
	bool hit = false;

	pthread_mutex_lock(&s->lock);
	for (e = s->bucket[(h / DNS_CACHE_SHARDS) % DNS_CACHE_BUCKETS]; e != NULL; e = e->next) {
		if (e->rrtype != rrtype || strcasecmp(e->name, name) != 0)
			continue;
		if (e->expires_ms > now_ms && (*res_r = copy_result(e->res)) != NULL) {
			*st_r = e->st;
			hit = true;
		}
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return hit;
}

void dns_cache_put(struct dns_cache *c, const char *name, int rrtype, uint64_t now_ms,
    enum dns_status st, const struct ub_result *res)
{
	uint32_t h = hash(name, rrtype);
	struct shard *s = &c->shard[h % DNS_CACHE_SHARDS];
	struct entry *e, **pp;
	int ttl = res->ttl < DNS_CACHE_MAX_TTL ? res->ttl : DNS_CACHE_MAX_TTL;

	if (st == DNS_TEMPFAIL || ttl <= 0 || res->bogus)
		return;
	if ((e = calloc(1, sizeof(*e))) == NULL || (e->name = strdup(name)) == NULL ||
	    (e->res = copy_result(res)) == NULL) {
		if (e != NULL)
			free(e->name);
		free(e);
		return;
	}
	e->rrtype = rrtype;
	e->st = st;
	e->expires_ms = now_ms + (uint64_t)ttl * 1000;
	pthread_mutex_lock(&s->lock);
	pp = &s->bucket[(h / DNS_CACHE_SHARDS) % DNS_CACHE_BUCKETS];
	/* a racing lookup of the same name may have put it first: replace */
	for (; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->rrtype == rrtype && strcasecmp((*pp)->name, name) == 0) {
			struct entry *old = *pp;

			*pp = old->next;
			entry_free(old);
			s->count--;
			break;
		}
	if (s->count >= DNS_CACHE_SHARD_MAX)
		shard_drop(s, now_ms);
	if (s->count >= DNS_CACHE_SHARD_MAX)
		shard_drop(s, 0);
	pp = &s->bucket[(h / DNS_CACHE_SHARDS) % DNS_CACHE_BUCKETS];
	e->next = *pp;
	*pp = e;
	s->count++;
	pthread_mutex_unlock(&s->lock);
}

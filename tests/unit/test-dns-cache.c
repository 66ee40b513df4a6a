/* test-dns-cache - definite answers kept for their TTL, deep copies that
 * ub_resolve_free releases, failures never kept, bounded size */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_cache.h"
#include "tap.h"

/* answer - a result shaped like libunbound's, with n TXT-like records */
static struct ub_result *answer(const char *name, int ttl, int n, bool alias)
{
	struct ub_result *r = calloc(1, sizeof(*r));
	int i;

	r->qname = strdup(name);
	r->canonname = alias ? r->qname : strdup("canon.example.test");
	r->data = calloc((size_t)n + 1, sizeof(*r->data));
	r->len = calloc((size_t)n + 1, sizeof(*r->len));
	for (i = 0; i < n; i++) {
		r->data[i] = malloc(8);
		memcpy(r->data[i], "record0", 8);
		r->data[i][6] = (char)('0' + i);
		r->len[i] = 8;
	}
	r->answer_len = 12;
	r->answer_packet = calloc(1, 12);
	r->havedata = n > 0;
	r->nxdomain = n == 0;
	r->rcode = n == 0 ? 3 : 0;
	r->ttl = ttl;
	return r;
}

static void test_hit_and_copy(struct dns_cache *c)
{
	struct ub_result *r = answer("Mail.Example.TEST", 60, 2, true), *got = NULL;
	enum dns_status st = DNS_TEMPFAIL;

	dns_cache_put(c, "Mail.Example.TEST", 16, 1000, DNS_OK, r);
	ub_resolve_free(r);	/* the cache holds its own copy */
	ok(dns_cache_get(c, "mail.example.test", 16, 1000 + 59999, &st, &got),
	    "a fresh answer is found, whatever the case of the name");
	ok(st == DNS_OK && got != NULL && got->len[1] == 8 && memcmp(got->data[1], "record1", 8) == 0 &&
	    got->data[2] == NULL && got->ttl == 60, "with its status and records");
	ok(got != NULL && got->canonname == got->qname && strcmp(got->qname, "Mail.Example.TEST") == 0,
	    "canonname aliasing qname is kept, so ub_resolve_free frees it once");
	ub_resolve_free(got);
	got = NULL;
	ok(!dns_cache_get(c, "mail.example.test", 1, 2000, &st, &got) && got == NULL,
	    "another type is another entry");
	ok(!dns_cache_get(c, "mail.example.test", 16, 1000 + 60000, &st, &got),
	    "gone when its TTL has passed");
}

static void test_not_kept(struct dns_cache *c)
{
	struct ub_result *r = answer("nx.example.test", 30, 0, false), *got = NULL;
	enum dns_status st;

	dns_cache_put(c, "nx.example.test", 1, 0, DNS_NXDOMAIN, r);
	ok(dns_cache_get(c, "nx.example.test", 1, 29000, &st, &got) && st == DNS_NXDOMAIN &&
	    got->nxdomain && strcmp(got->canonname, "canon.example.test") == 0,
	    "NXDOMAIN is kept for its TTL");
	ub_resolve_free(got);
	dns_cache_put(c, "fail.example.test", 1, 0, DNS_TEMPFAIL, r);
	ok(!dns_cache_get(c, "fail.example.test", 1, 1, &st, &got), "a failure is not kept");
	r->ttl = 0;
	dns_cache_put(c, "zero.example.test", 1, 0, DNS_OK, r);
	ok(!dns_cache_get(c, "zero.example.test", 1, 0, &st, &got), "nor a TTL of 0");
	r->ttl = 86400;
	dns_cache_put(c, "long.example.test", 1, 0, DNS_OK, r);
	ok(dns_cache_get(c, "long.example.test", 1, 599000, &st, &got), "a long TTL is kept...");
	ub_resolve_free(got);
	ok(!dns_cache_get(c, "long.example.test", 1, 600000, &st, &got), "...for at most 600 s");
	ub_resolve_free(r);
}

static void test_replace_and_bound(struct dns_cache *c)
{
	struct ub_result *a = answer("r.example.test", 60, 1, false);
	struct ub_result *b = answer("r.example.test", 60, 3, false), *got = NULL;
	enum dns_status st;
	char name[64];
	unsigned i, found = 0;

	dns_cache_put(c, "r.example.test", 1, 0, DNS_OK, a);
	dns_cache_put(c, "r.example.test", 1, 0, DNS_OK, b);
	ok(dns_cache_get(c, "r.example.test", 1, 10, &st, &got) && got->data[2] != NULL,
	    "a newer answer replaces the older");
	ub_resolve_free(got);
	/* 16 shards of 1024: 40000 distinct names cannot all stay */
	for (i = 0; i < 40000; i++) {
		snprintf(name, sizeof(name), "u%u.example.test", i);
		dns_cache_put(c, name, 1, 0, DNS_OK, a);
	}
	for (i = 0; i < 40000; i++) {
		snprintf(name, sizeof(name), "u%u.example.test", i);
		if (dns_cache_get(c, name, 1, 10, &st, &got)) {
			found++;
			ub_resolve_free(got);
		}
	}
	ok(found > 0 && found <= 16 * 1024, "bounded: %u of 40000 names kept (at most 16384)", found);
	ub_resolve_free(a);
	ub_resolve_free(b);
}

int main(void)
{
	struct dns_cache *c = dns_cache_new();

	ok(c != NULL, "a cache");
	test_hit_and_copy(c);
	test_not_kept(c);
	test_replace_and_bound(c);
	dns_cache_free(&c);
	ok(c == NULL, "freed and set to NULL");
	return tap_done();
}

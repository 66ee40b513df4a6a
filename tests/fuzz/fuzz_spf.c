/*
 * fuzz_spf - SPF records -> spf_evaluate (libspf2's record compiler,
 * macro expander and interpreter, through lib/spf.c's DNS layer) and
 * spf_quality (our own walk of the record tree), offline: libunbound is
 * replaced by fakeub.c, which answers from the input.
 *
 * Input lines: the MAIL FROM local part (any bytes: libspf2's macro CVEs
 * need 8-bit ones), the TXT record of the MAIL FROM domain d.example,
 * then more TXT records, which other names get by a hash of the name (or
 * NXDOMAIN, SERVFAIL).  A record line starting with byte 0x01 is raw TXT
 * rdata (its length bytes included).  A, AAAA, MX and PTR answers also
 * come from the name's hash.  The client IP is one of four, by the hash
 * of the local part.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dns.h"
#include "fuzz.h"
#include "spf.h"

#define ZONE_MAX 16

struct zone {
	size_t n;
	unsigned char *rdata[ZONE_MAX];
	size_t len[ZONE_MAX];
};

static struct dns *dns;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dns_options opt = { "127.0.0.1@1", 1000, NULL };
	const char *error;

	fuzz_setup();
	if (dns_open(&opt, &dns, &error) < 0)
		fuzz_fail("dns_open: %s", error);
	return 0;
}

/* answer - the fake DNS: see the top of the file */
static void answer(void *arg, const char *name, int type, struct fakeub_reply *r)
{
	static const unsigned char a4[2][4] = { { 192, 0, 2, 1 }, { 198, 51, 100, 7 } };
	static const unsigned char a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const unsigned char mx[] = "\0\012\003mx1\001d\007example";
	static const unsigned char ptr[] = "\004host\001d\007example";
	const struct zone *z = arg;
	uint32_t h = fuzz_hash(name);

	if (type == 16 && strncasecmp(name, "d.example", 9) == 0 && strlen(name) <= 10) {
		r->rcode = z->n > 0 ? 0 : 3;
		r->n = z->n > 0;
		r->rdata[0] = z->rdata[0];
		r->len[0] = z->len[0];
		return;
	}
	switch (h % 7) {
	case 0: r->rcode = 3; return;
	case 1: return;				/* NODATA */
	case 2: if (h % 3 == 0) r->fail = true; else r->rcode = 2; return;
	}
	r->n = 1 + (h >> 8) % 2;
	for (size_t i = 0; i < r->n; i++) {
		if (type == 1)
			r->rdata[i] = a4[i], r->len[i] = 4;
		else if (type == 28)
			r->rdata[i] = a6, r->len[i] = 16;
		else if (type == 15)
			r->rdata[i] = mx, r->len[i] = sizeof(mx);
		else if (type == 12)
			r->rdata[i] = ptr, r->len[i] = sizeof(ptr);
		else if (type == 16 && z->n > 1)
			r->rdata[i] = z->rdata[1 + (h >> 4) % (z->n - 1)],
			r->len[i] = z->len[1 + (h >> 4) % (z->n - 1)];
		else
			r->n = 0;
	}
}

/* zone_add - one record line as TXT rdata */
static void zone_add(struct zone *z, const uint8_t *p, size_t len)
{
	unsigned char *rd = malloc(len + len / 255 + 2);

	if (rd == NULL)
		fuzz_fail("out of memory");
	if (len > 0 && p[0] == 1) {
		memcpy(rd, p + 1, len - 1);
		z->len[z->n] = len - 1;
	} else {
		z->len[z->n] = fakeub_txt((const char *)p, len, rd, len + len / 255 + 2);
	}
	z->rdata[z->n++] = rd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ips[] = {
		"192.0.2.1", "2001:db8::1", "::ffff:198.51.100.7", "10.0.0.1"
	};
	struct zone z = { 0 };
	struct spf_eval ev;
	struct spf_quality q;
	const char *error;
	const uint8_t *nl;
	char *local = NULL, *from;
	size_t i, at = 0, n;

	while (at <= size && z.n < ZONE_MAX) {
		nl = memchr(data + at, '\n', size - at);
		n = nl != NULL ? (size_t)(nl - (data + at)) : size - at;
		if (local == NULL)
			local = fuzz_cstr(data + at, n);
		else
			zone_add(&z, data + at, n);
		at += n + 1;
	}
	n = strlen(local) + sizeof("@d.example");
	if ((from = malloc(n)) == NULL)
		fuzz_fail("out of memory");
	snprintf(from, n, "%s@d.example", local);
	fakeub_answer(answer, &z);
	if (spf_evaluate(dns, dns_now_ms() + 2000, ips[fuzz_hash(local) % 4], from, "helo.d.example",
	    &ev, &error) < 0)
		fuzz_fail("spf_evaluate: %s", error);
	if (ev.detail == NULL || (unsigned)ev.result > AUTH_TEMPERROR)
		fuzz_fail("spf_evaluate: result %d", (int)ev.result);
	spf_eval_free(&ev);
	if (spf_quality(dns, dns_now_ms() + 2000, "d.example", fuzz_hash(local) % 2 ? AF_INET6 :
	    AF_INET, &q, &error) < 0)
		fuzz_fail("spf_quality: %s", error);
	for (i = 0; q.text != NULL && q.text[i] != '\0'; i++)
		if (!isprint((unsigned char)q.text[i]))
			fuzz_fail("spf_quality: unprintable byte in the record text");
	spf_quality_free(&q);
	fakeub_answer(NULL, NULL);
	for (i = 0; i < z.n; i++)
		free(z.rdata[i]);
	free(local);
	free(from);
	return 0;
}

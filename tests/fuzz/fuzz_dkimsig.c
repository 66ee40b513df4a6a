/*
 * fuzz_dkimsig - DKIM-Signature header values and a key record ->
 * dkimv_verify (libopendkim's tag parser, canonicalisation, key record
 * parser and RSA/Ed25519 verification, and lib/dkimv.c's reading of the
 * results), offline: libunbound is replaced by fakeub.c, whose answer
 * packets libopendkim parses as it would a server's.
 *
 * Input: NUL-separated fields: the DKIM-Signature value, the TXT key
 * record served for every selector, then up to 16 more DKIM-Signature
 * values.  Some names outside a.example (by hash) get NXDOMAIN or a DNS
 * failure instead.
 * The signatures go on a fixed message (seeds sign it; a fuzzed value
 * that keeps b= and bh= intact still passes).
 * Properties: no more results than DKIMV_MAX_SIGS; a pass has a
 * verified header hash; every result has its strings.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkimv.h"
#include "dns.h"
#include "fuzz.h"
#include "msg.h"

#define FIELDS_MAX 18

static const char *const headers[][2] = {
	{ "From", "Alice <alice@a.example>" },
	{ "To", "bob@b.example" },
	{ "Subject", "fuzz" },
	{ "Date", "Tue, 14 Nov 2023 10:00:00 +0000" },
	{ "Message-ID", "<1@a.example>" },
};
static const char body[] = "Hello DKIM.\r\n";

static struct dns *dns;
static struct dkimv_lib *lib;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dns_options opt = { "127.0.0.1@1", 1000, NULL };
	const char *error;

	fuzz_setup();
	if (dns_open(&opt, &dns, &error) < 0 || dkimv_lib_new(dns, &lib, &error) < 0)
		fuzz_fail("setup: %s", error);
	return 0;
}

/* answer - the key record for every TXT question under a.example (the
 * seeds' domain), for most other names too */
static void answer(void *arg, const char *name, int type, struct fakeub_reply *r)
{
	const unsigned char *key = arg;
	size_t len = strlen(name);
	uint32_t h = len >= 10 && strcasecmp(name + len - 10, ".a.example") == 0 ? 2 :
	    fuzz_hash(name);

	if (type != 16 || h % 8 == 0) {
		r->rcode = 3;
		return;
	}
	if (h % 8 == 1) {
		r->fail = true;
		return;
	}
	r->n = 1;
	r->rdata[0] = key + 2;
	r->len[0] = (size_t)key[0] << 8 | key[1];
}

static void check(const struct dkimv_result *res, size_t nsigs)
{
	size_t i;

	if (res->nsigs > DKIMV_MAX_SIGS || res->nsigs + res->ignored > nsigs)
		fuzz_fail("dkimv_verify: %zu results, %zu ignored, %zu signatures", res->nsigs,
		    res->ignored, nsigs);
	for (i = 0; i < res->nsigs; i++) {
		const struct dkimv_sig *s = &res->sigs[i];

		if (s->domain == NULL || s->selector == NULL || s->algorithm == NULL ||
		    s->detail == NULL || (s->result == AUTH_PASS && !s->header_ok) ||
		    (s->result == AUTH_PASS) != (s->problem == DKIMV_OK))
			fuzz_fail("dkimv_verify: signature %zu result %d problem %s", i,
			    (int)s->result, dkimv_problem_name(s->problem));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *field[FIELDS_MAX];
	unsigned char *key;
	struct dkimv_result res = DKIMV_RESULT_INIT;
	struct msg *m = msg_new(0);
	const char *error;
	size_t n = 0, at = 0, i, len;

	if (m == NULL)
		fuzz_fail("out of memory");
	m->body_keep = 1 << 20;
	while (at <= size && n < FIELDS_MAX) {
		field[n] = fuzz_cstr(data + at, size - at);
		at += strlen(field[n++]) + 1;
	}
	len = n > 1 ? strlen(field[1]) : 0;
	if (len > 60000)
		len = 60000;
	if ((key = malloc(len + len / 255 + 3)) == NULL)
		fuzz_fail("out of memory");
	len = fakeub_txt(n > 1 ? field[1] : "", len, key + 2, len + len / 255 + 1);
	key[0] = (unsigned char)(len >> 8);
	key[1] = (unsigned char)len;
	for (i = 0; i < n; i++)
		if (i != 1 && msg_add_header(m, "DKIM-Signature", field[i], &error) < 0)
			fuzz_fail("msg_add_header: %s", error);
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (msg_add_header(m, headers[i][0], headers[i][1], &error) < 0)
			fuzz_fail("msg_add_header: %s", error);
	msg_body(m, body, sizeof(body) - 1);
	msg_body_end(m);
	fakeub_answer(answer, key);
	if (dkimv_verify(lib, m, dns_now_ms() + 2000, &res, &error) < 0)
		fuzz_fail("dkimv_verify: %s", error);
	fakeub_answer(NULL, NULL);
	check(&res, n - (n > 1));
	dkimv_result_free(&res);
	for (i = 0; i < n; i++)
		free(field[i]);
	free(key);
	msg_free(&m);
	return 0;
}

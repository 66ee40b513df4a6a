/*
 * fuzz_dmarc - a DMARC TXT record -> dmarc_is_record and
 * dmarc_record_parse, then what check_dmarc does with it: the effective
 * policy at each level, the organisational domains (libpsl) and the
 * alignment of two names, dmarc_evaluate and its explanation.
 *
 * Input: the record, then optionally NUL, a From domain, NUL, an SPF/DKIM
 * domain (both default to names under example.com).
 * Properties: pct within 0..100; a usable record has p set (or acts as
 * p=none for rua) and passes dmarc_is_record, discovery's test; any name
 * aligns with itself when it has an organisational domain.
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "dmarc.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *error;

	fuzz_setup();
	(void)dmarc_psl_init(&error);
	return 0;
}

/* part - the n-th NUL-separated field of the input, or dflt */
static char *part(const uint8_t *data, size_t size, int n, const char *dflt)
{
	const uint8_t *p = data, *end = data + size, *nul;

	for (; n > 0 && p < end; n--) {
		if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
			p = end;
		else
			p = nul + 1;
	}
	if (n > 0 || p >= end)
		return strdup(dflt);
	return fuzz_cstr(p, (size_t)(end - p));
}

static void evaluate(const struct dmarc_record *r, char *from, char *other)
{
	struct auth a;
	struct auth_spf *s;
	struct auth_dkim *d;
	struct buf b = BUF_INIT;

	memset(&a, 0, sizeof(a));
	a.spf_done = a.dkim_done = true;
	if ((s = auth_spf_add(&a)) == NULL || (d = auth_dkim_add(&a)) == NULL)
		fuzz_fail("out of memory");
	s->ip = strdup("192.0.2.1");
	s->domain = strdup(other);
	s->result = AUTH_PASS;
	d->domain = strdup(other);
	d->selector = strdup("s");
	d->result = AUTH_TEMPERROR;
	a.dmarc.evaluated = true;
	a.dmarc.from_domain = strdup(from);
	dmarc_evaluate(&a, r);
	if (dmarc_explain(&a, &b) < 0 || dmarc_show(&b, from, 40) < 0)
		fuzz_fail("dmarc_explain: out of memory");
	buf_free(&b);
	auth_clear(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), org[DMARC_NAME_MAX + 1];
	char *from = part(data, size, 1, "mail.example.com");
	char *other = part(data, size, 2, "bounce.example.com");
	struct dmarc_record r;
	const char *invalid, *error;

	if (dmarc_record_parse(text, &r, &invalid, &error) < 0)
		fuzz_fail("dmarc_record_parse: %s", error);
	if (invalid == NULL && !dmarc_is_record(text))
		fuzz_fail("dmarc_record_parse: a usable record dmarc_is_record refuses");
	if (r.pct > 100 || (invalid == NULL && r.p == DMARC_P_UNSET))
		fuzz_fail("dmarc_record_parse: pct %u p %d", r.pct, (int)r.p);
	for (int i = 0; i < 4; i++)
		(void)dmarc_policy_name(dmarc_effective_policy(&r, i & 1, i & 2));
	if (dmarc_org_domain(from, org, sizeof(org)) && !dmarc_aligned(from, from, DMARC_STRICT))
		fuzz_fail("dmarc_aligned: %s does not align with itself", from);
	(void)dmarc_aligned(from, other, DMARC_RELAXED);
	(void)dmarc_org_domain(other, org, sizeof(org));
	evaluate(invalid == NULL ? &r : NULL, from, other);
	dmarc_record_free(&r);
	free(text);
	free(from);
	free(other);
	return 0;
}

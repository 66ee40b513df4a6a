/*
 * spf_dns - the DNS layer libspf2 asks through (spf_impl.h).
 *
 * libspf2 asks DNS only through an SPF_dns_server_t.  Ours lives on the
 * stack of spf_evaluate (destroy NULL: libspf2 never frees it) and converts
 * libunbound's answers: A/AAAA copied, each TXT record's strings joined,
 * MX and PTR names made dotted; DNS_TEMPFAIL becomes TRY_AGAIN
 * (temperror), NXDOMAIN HOST_NOT_FOUND, NODATA NO_DATA.  Two departures:
 * - type SPF (99) is answered NO_DATA unasked: RFC 7208 section 3.1 says
 *   TXT only, asking 99 first doubles every lookup's time, and libspf2
 *   1.2.10 does not fall back to TXT when the type-99 query hits TRY_AGAIN;
 * - a name no DNS can hold is HOST_NOT_FOUND unasked (RFC 7208 section
 *   4.3), not a resolver error that would read as temperror.
 *
 * The layer is also where we keep DNS text away from a stack overflow in
 * libspf2 1.2.10's macro compiler that Debian 12 does not patch (the
 * integer underflow of CVE-2023-42118, fixed upstream in d14abff).  When
 * a term's compiled form fills its 511-byte buffer to 508 bytes with a
 * macro, the room left for the next literal underflows to SIZE_MAX and
 * the literal is copied unchecked: past a 4 KB stack buffer for a record
 * term, past a 515-byte one for an explanation.  So:
 * - explanations (exp=) are never fetched: get_exp answers a fixed text.
 *   We use libspf2's header comment, which has no explanation in it, and
 *   RFC 7208 section 6.2 lets an evaluation ignore exp= failures;
 * - a v=spf1 record with a term that has a macro and SPF_TERM_SAFE_MAX
 *   bytes or more is handed over as "v=spf1 refused", which libspf2
 *   rejects as an unknown mechanism: a permerror, the result libspf2
 *   itself gives any term that reaches the underflow.  A term compiles to
 *   at most 12/5 of its length plus 12 bytes (a 4-byte header and up to 3
 *   of padding per literal between 4-byte macros, a CIDR), so one under
 *   SPF_TERM_SAFE_MAX stays below 508; longer ones with macros exist in
 *   no real record (RFC 7208 caps a target name at 253 bytes).
 */
#define _GNU_SOURCE		/* memmem */
#include <arpa/nameser.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "spf_impl.h"

/* Lookups per evaluation: libspf2 bounds itself (10 terms, 10 MX or PTR
 * names each); this only guards against a misbehaving library. */
#define SPF_EVAL_QUERIES 200

static const char spf_refused[] = "v=spf1 refused";
static const char spf_no_exp[] = "explanation not fetched";

bool spf_name_ok(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	for (i = 0; i < len && len <= 253; i++) {
		if (name[i] != '.')
			label++;
		else if (label == 0)
			return false;
		else
			label = 0;
		if (label > 63)
			return false;
	}
	return len <= 253 && label > 0;
}

char *spf_txt_join(const unsigned char *p, size_t len)
{
	char *s = malloc(len + 1), *o = s;
	size_t i = 0, n;

	if (s == NULL)
		return NULL;
	while (i < len) {
		n = p[i++];
		if (n > len - i)
			n = len - i;
		for (; n > 0; n--, i++)
			*o++ = p[i] ? (char)p[i] : '\x7f';
	}
	*o = '\0';
	return s;
}

/* spf_record_unsafe - true when txt is a record libspf2 would compile
 * (its own test: "v=spf1", any case, then a space or the end) and one of
 * its space-separated terms has a macro and SPF_TERM_SAFE_MAX bytes */
static bool spf_record_unsafe(const char *txt)
{
	const char *t;
	size_t n;

	if (strncasecmp(txt, "v=spf1", 6) != 0 || (txt[6] != ' ' && txt[6] != '\0'))
		return false;
	for (t = txt + 6; *t != '\0'; t += n) {
		t += strspn(t, " ");
		n = strcspn(t, " ");
		if (n >= SPF_TERM_SAFE_MAX && memmem(t, n, "%{", 2) != NULL)
			return true;
	}
	return false;
}

/* spf_rr_put - append one record of len bytes to rr (txt, mx and ptr
 * share the union's first byte; a record that cannot grow is dropped) */
static void spf_rr_put(SPF_dns_rr_t *rr, ns_type t, const void *p, size_t len)
{
	SPF_dns_rr_data_t *slot;

	if (SPF_dns_rr_buf_realloc(rr, rr->num_rr, len) != SPF_E_SUCCESS)
		return;
	slot = rr->rr[rr->num_rr++];
	memcpy(t == ns_t_a ? (void *)&slot->a : t == ns_t_aaaa ? (void *)&slot->aaaa :
	    (void *)slot->txt, p, len);
}

/* spf_txt_put - one TXT rdata into rr, a record refused as above
 * replaced (and its domain noted in l) */
static void spf_txt_put(SPF_dns_rr_t *rr, struct spf_layer *l, const char *domain,
    const char *txt)
{
	if (spf_record_unsafe(txt)) {
		if (l->refused[0] == '\0')
			snprintf(l->refused, sizeof(l->refused), "%s", domain);
		txt = spf_refused;
	}
	spf_rr_put(rr, ns_t_txt, txt, strlen(txt) + 1);
}

/* spf_rr_fill - copy the answer's records of type t into rr */
static void spf_rr_fill(SPF_dns_rr_t *rr, struct spf_layer *l, const char *domain, ns_type t,
    const struct ub_result *res)
{
	char name[NI_MAXHOST], *txt;
	size_t len, skip = t == ns_t_mx ? 2 : 0;
	int i;

	rr->num_rr = 0;
	for (i = 0; res->data[i] != NULL; i++) {
		const unsigned char *p = (const unsigned char *)res->data[i];

		len = (size_t)res->len[i];
		if (t == ns_t_a || t == ns_t_aaaa) {
			if (len == (t == ns_t_a ? 4u : 16u))
				spf_rr_put(rr, t, p, len);
		} else if (t == ns_t_txt) {
			if ((txt = spf_txt_join(p, len)) == NULL)
				break;
			spf_txt_put(rr, l, domain, txt);
			free(txt);
		} else if (t == ns_t_mx || t == ns_t_ptr) {
			/* MX: 2 bytes of preference, then the name */
			if (len > skip && dns_wire_name(p + skip, len - skip, name, sizeof(name)) == 0)
				spf_rr_put(rr, t, name, strlen(name) + 1);
		}
	}
}

/* spf_lookup - libspf2's DNS layer: one question through dns.h */
static SPF_dns_rr_t *spf_lookup(SPF_dns_server_t *srv, const char *domain, ns_type t,
    int should_cache)
{
	struct spf_layer *l = srv->hook;
	struct ub_result *res = NULL;
	enum dns_status st;
	SPF_dns_stat_t herrno;
	SPF_dns_rr_t *rr;

	(void)should_cache;
	if (t == ns_t_spf)
		return SPF_dns_rr_new_init(srv, domain, t, 0, NO_DATA);
	if (domain == NULL || !spf_name_ok(domain))
		return SPF_dns_rr_new_init(srv, domain, t, 0, HOST_NOT_FOUND);
	if (++l->queries > SPF_EVAL_QUERIES) {
		l->tempfails++;
		return SPF_dns_rr_new_init(srv, domain, t, 0, TRY_AGAIN);
	}
	st = dns_lookup_until(l->d, domain, t, l->deadline_ms, &res);
	herrno = st == DNS_OK ? NETDB_SUCCESS : st == DNS_NXDOMAIN ? HOST_NOT_FOUND :
	    st == DNS_NODATA ? NO_DATA : TRY_AGAIN;
	if (herrno == TRY_AGAIN)
		l->tempfails++;
	rr = SPF_dns_rr_new_init(srv, domain, t, res != NULL ? (int)res->ttl : 0, herrno);
	if (rr != NULL && st == DNS_OK)
		spf_rr_fill(rr, l, domain, t, res);
	dns_result_free(&res);
	return rr;
}

/* spf_get_exp - libspf2 asks this instead of fetching exp= itself: a
 * fixed text, no DNS.  domain points into *buf: it is not used. */
static SPF_errcode_t spf_get_exp(SPF_server_t *server, const char *domain, char **buf,
    size_t *buf_len)
{
	char *p = *buf;

	(void)server;
	(void)domain;
	if (*buf_len < sizeof(spf_no_exp)) {
		if ((p = realloc(*buf, sizeof(spf_no_exp))) == NULL)
			return SPF_E_NO_MEMORY;
		*buf = p;
		*buf_len = sizeof(spf_no_exp);
	}
	memcpy(p, spf_no_exp, sizeof(spf_no_exp));
	return SPF_E_SUCCESS;
}

void spf_dns_init(SPF_dns_server_t *srv, struct spf_layer *l)
{
	memset(srv, 0, sizeof(*srv));
	srv->lookup = spf_lookup;
	srv->get_exp = spf_get_exp;
	srv->name = "preflight";
	srv->hook = l;
}

/*
 * dmarc - DMARC records, organisational domains, alignment, evaluation,
 * and the words the auth findings share (see dmarc.h for the contract).
 *
 * Choices RFC 7489 leaves open, made here:
 * - p may appear anywhere after v=DMARC1 (receivers accept that, and
 *   DMARCbis drops the order); a repeated tag keeps its first value.
 * - Tag names and the keyword values are case-insensitive (ABNF strings),
 *   "DMARC1" is case-sensitive (%x codes in §6.4).
 * - SPF counts for DMARC only when it passed for every egress address:
 *   the message may leave from any of them.
 */
#ifdef HAVE_CONFIG_H
#include "autoconf.h"
#endif

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

#include "buf.h"
#include "dmarc.h"

#ifndef PF_PSL_FILE
#define PF_PSL_FILE "/usr/share/publicsuffix/public_suffix_list.dat"
#endif

static const char oom[] = "out of memory";

/* Written once inside pthread_once, read-only afterwards. */
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl_list;
static const char *psl_from = "none";

static void psl_load(void)
{
	psl_ctx_t *p = psl_load_file(PF_PSL_FILE);

	if (p != NULL) {
		psl_list = p;
		psl_from = "file";
	} else if ((psl_list = psl_builtin()) != NULL) {
		psl_from = "builtin";
	}
}

/* psl_get - the list, loading it on first use */
static const psl_ctx_t *psl_get(void)
{
	pthread_once(&psl_once, psl_load);
	return psl_list;
}

int dmarc_psl_init(const char **error_r)
{
	if (psl_get() == NULL)
		return *error_r = "no public suffix list (" PF_PSL_FILE ", libpsl built-in)", -1;
	return 0;
}

const char *dmarc_psl_source(void)
{
	(void)psl_get();
	return psl_from;
}

/* domain_norm - lowercase copy of in without one trailing dot, checked to
 * be a domain name: 1..63-octet labels, no blanks or controls, at most
 * DMARC_NAME_MAX octets.  False when it is not one. */
static bool domain_norm(const char *in, char *out, size_t outsz)
{
	size_t len, i, label = 0;

	if (in == NULL)
		return false;
	len = strlen(in);
	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > DMARC_NAME_MAX || len >= outsz)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (c <= ' ' || c == 0x7f || ++label > 63) {
			return false;
		}
		out[i] = (char)tolower(c);
	}
	out[len] = '\0';
	return label > 0;
}

bool dmarc_org_domain(const char *domain, char *out, size_t outsz)
{
	char norm[DMARC_NAME_MAX + 1];
	const psl_ctx_t *psl = psl_get();
	const char *reg;

	if (psl == NULL || !domain_norm(domain, norm, sizeof(norm)))
		return false;
	reg = psl_registrable_domain(psl, norm);
	if (reg == NULL || strlen(reg) >= outsz)
		return false;
	memcpy(out, reg, strlen(reg) + 1);
	return true;
}

bool dmarc_aligned(const char *from_domain, const char *auth_domain, enum dmarc_mode mode)
{
	char f[DMARC_NAME_MAX + 1], a[DMARC_NAME_MAX + 1];
	char fo[DMARC_NAME_MAX + 1], ao[DMARC_NAME_MAX + 1];

	if (!domain_norm(from_domain, f, sizeof(f)) || !domain_norm(auth_domain, a, sizeof(a)))
		return false;
	/* Also decides "a public suffix never aligns", strict mode included. */
	if (!dmarc_org_domain(f, fo, sizeof(fo)) || !dmarc_org_domain(a, ao, sizeof(ao)))
		return false;
	if (mode == DMARC_STRICT)
		return strcmp(f, a) == 0;
	return strcmp(fo, ao) == 0;
}

const char *dmarc_policy_name(enum dmarc_policy p)
{
	switch (p) {
	case DMARC_P_NONE: return "none";
	case DMARC_P_QUARANTINE: return "quarantine";
	case DMARC_P_REJECT: return "reject";
	default: return "";
	}
}

enum dmarc_policy dmarc_effective_policy(const struct dmarc_record *r, bool org_level,
    bool nonexistent)
{
	if (org_level && nonexistent && r->np != DMARC_P_UNSET)
		return r->np;
	if (org_level && r->sp != DMARC_P_UNSET)
		return r->sp;
	return r->p;
}

/* --- record parsing ------------------------------------------------------ */

static bool wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* span - a tag or value [s, e) with blanks trimmed at both ends */
struct span {
	const char *s, *e;
};

static void trim(struct span *v)
{
	while (v->s < v->e && wsp(*v->s))
		v->s++;
	while (v->e > v->s && wsp(v->e[-1]))
		v->e--;
}

static bool span_is(const struct span *v, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(v->e - v->s) == n && strncasecmp(v->s, word, n) == 0;
}

static enum dmarc_policy policy_word(const struct span *v)
{
	if (span_is(v, "none"))
		return DMARC_P_NONE;
	if (span_is(v, "quarantine"))
		return DMARC_P_QUARANTINE;
	if (span_is(v, "reject"))
		return DMARC_P_REJECT;
	return DMARC_P_UNSET;
}

/* uri_list_ok - the first element of a rua list looks like scheme:rest */
static bool uri_list_ok(const char *s)
{
	size_t i = 0;

	if (s == NULL || !isalpha((unsigned char)s[0]))
		return false;
	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':' && s[i + 1] != '\0' && s[i + 1] != ',' && !wsp(s[i + 1]);
}

/* fo_ok - fo is 0, 1, d or s, colon-separated */
static bool fo_ok(const struct span *v)
{
	const char *p;
	bool want_opt = true;

	for (p = v->s; p < v->e; p++) {
		if (wsp(*p))
			continue;
		if (want_opt && strchr("01ds", *p) != NULL && *p != '\0')
			want_opt = false;
		else if (!want_opt && *p == ':')
			want_opt = true;
		else
			return false;
	}
	return !want_opt;
}

/* pct_value - 0..100 in at most three digits */
static bool pct_value(const struct span *v, unsigned *pct)
{
	const char *p;
	unsigned n = 0;

	if (v->e == v->s || v->e - v->s > 3)
		return false;
	for (p = v->s; p < v->e; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		n = n * 10 + (unsigned)(*p - '0');
	}
	if (n > 100)
		return false;
	*pct = n;
	return true;
}

/* is_version - the first tag is exactly v=DMARC1 */
static bool is_version(const struct span *tag, const struct span *val)
{
	return span_is(tag, "v") && val->e - val->s == 6 && memcmp(val->s, "DMARC1", 6) == 0;
}

static int dup_span(char **dst, const struct span *v)
{
	if (*dst != NULL)
		return 0;
	if ((*dst = strndup(v->s, (size_t)(v->e - v->s))) == NULL)
		return -1;
	return 0;
}

/* parse_tag - one tag=value; sets *p_bad / *sp_bad for unusable p / sp */
static int parse_tag(struct dmarc_record *r, const struct span *tag, const struct span *val,
    unsigned *seen, bool *p_bad, bool *sp_bad)
{
	static const char *const names[] = { "p", "sp", "np", "adkim", "aspf", "pct",
		"rua", "ruf", "fo", "rf", "ri" };
	size_t i, n = sizeof(names) / sizeof(names[0]);
	enum dmarc_policy pol = policy_word(val);

	for (i = 0; i < n && !span_is(tag, names[i]); i++)
		;
	if (i == n)
		return 0;	/* unknown tag: ignored (§6.3) */
	if (*seen & (1u << i)) {
		r->warning = r->warning ? r->warning : "repeated tag ignored";
		return 0;
	}
	*seen |= 1u << i;
	switch (i) {
	case 0: r->p = pol; *p_bad = pol == DMARC_P_UNSET; break;
	case 1: r->sp = pol; *sp_bad = pol == DMARC_P_UNSET; break;
	case 2:
		if ((r->np = pol) == DMARC_P_UNSET && !r->warning)
			r->warning = "np= has an invalid value (ignored)";
		break;
	case 3: case 4: {
		enum dmarc_mode *m = i == 3 ? &r->adkim : &r->aspf;

		if (span_is(val, "s"))
			*m = DMARC_STRICT;
		else if (!span_is(val, "r") && !r->warning)
			r->warning = i == 3 ? "adkim= has an invalid value (relaxed used)"
			    : "aspf= has an invalid value (relaxed used)";
		break;
	}
	case 5:
		if (!pct_value(val, &r->pct) && !r->warning)
			r->warning = "pct= has an invalid value (100 used)";
		break;
	case 6: return dup_span(&r->rua, val);
	case 7: return dup_span(&r->ruf, val);
	case 8:
		if (!fo_ok(val)) {
			r->warning = r->warning ? r->warning : "fo= has an invalid value (0 used)";
			return 0;
		}
		return dup_span(&r->fo, val);
	case 10:
		if (val->s == val->e || strspn(val->s, "0123456789") < (size_t)(val->e - val->s))
			r->warning = r->warning ? r->warning : "ri= has an invalid value (86400 used)";
		break;
	default:
		break;	/* rf: any keyword list is valid, unknown formats unused */
	}
	return 0;
}

int dmarc_record_parse(const char *text, struct dmarc_record *r,
    const char **invalid_r, const char **error_r)
{
	const char *p = text, *semi;
	unsigned seen = 0;
	bool first = true, p_bad = false, sp_bad = false;

	memset(r, 0, sizeof(*r));
	r->pct = 100;
	*invalid_r = NULL;
	while (wsp(*p))
		p++;
	if (*p == '\0')
		return *invalid_r = "empty record", 0;
	for (; p != NULL; p = semi ? semi + 1 : NULL) {
		struct span part, tag, val;
		const char *eq;

		semi = strchr(p, ';');
		part.s = p;
		part.e = semi ? semi : p + strlen(p);
		trim(&part);
		if (part.s == part.e && !first)
			continue;
		eq = memchr(part.s, '=', (size_t)(part.e - part.s));
		if (eq == NULL) {
			if (first)
				return *invalid_r = "does not start with v=DMARC1", 0;
			r->warning = r->warning ? r->warning : "a part without '=' was ignored";
			continue;
		}
		tag = (struct span){ part.s, eq };
		val = (struct span){ eq + 1, part.e };
		trim(&tag);
		trim(&val);
		if (first) {
			if (!is_version(&tag, &val))
				return *invalid_r = "does not start with v=DMARC1", 0;
			first = false;
			continue;
		}
		if (parse_tag(r, &tag, &val, &seen, &p_bad, &sp_bad) < 0)
			return *error_r = oom, -1;
	}
	if (r->p != DMARC_P_UNSET && !sp_bad)
		return 0;
	/* §6.6.3: a record with rua but no usable p/sp acts as p=none */
	if (uri_list_ok(r->rua)) {
		r->p = DMARC_P_NONE;
		r->sp = r->np = DMARC_P_UNSET;
		r->p_defaulted = true;
		return 0;
	}
	if (sp_bad)
		*invalid_r = "sp= has an invalid value";
	else
		*invalid_r = p_bad ? "p= has an invalid value" : "no p= tag";
	return 0;
}

void dmarc_record_free(struct dmarc_record *r)
{
	free(r->rua);
	free(r->ruf);
	free(r->fo);
	memset(r, 0, sizeof(*r));
}

/* --- record recognition ---------------------------------------------------- */

bool dmarc_is_record(const char *s)
{
	const char *semi = strchr(s, ';');
	struct span tag = { s, semi ? semi : s + strlen(s) }, val;
	const char *eq = memchr(tag.s, '=', (size_t)(tag.e - tag.s));

	if (eq == NULL)
		return false;
	val = (struct span){ eq + 1, tag.e };
	tag.e = eq;
	trim(&tag);
	trim(&val);
	return is_version(&tag, &val);
}

/* --- evaluation ------------------------------------------------------------ */

bool dmarc_spf_passes(const struct auth *a, bool *temp_r)
{
	bool all = a->spf_done && a->nspf > 0;
	size_t i;

	*temp_r = false;
	for (i = 0; i < a->nspf; i++) {
		if (a->spf[i].result == AUTH_TEMPERROR)
			*temp_r = true;
		if (a->spf[i].result != AUTH_PASS)
			all = false;
	}
	return all;
}

void dmarc_evaluate(struct auth *a, const struct dmarc_record *r)
{
	struct auth_dmarc *dm = &a->dmarc;
	enum dmarc_mode aspf = r ? r->aspf : DMARC_RELAXED, adkim = r ? r->adkim : DMARC_RELAXED;
	bool spf_could = a->spf_done && a->nspf > 0, spf_temp = false, dkim_temp = false;
	size_t i;

	/* SPF can align only if every address passed (or might: temperror)
	 * for a domain aligned with From. */
	for (i = 0; i < a->nspf; i++) {
		enum auth_result res = a->spf[i].result;

		if (res == AUTH_TEMPERROR)
			spf_temp = true;
		else if (res != AUTH_PASS)
			spf_could = false;
		if (!dmarc_aligned(dm->from_domain, a->spf[i].domain, aspf))
			spf_could = false;
	}
	dm->spf_aligned = spf_could && !spf_temp;
	dm->dkim_aligned = false;
	for (i = 0; i < a->ndkim; i++) {
		if (!dmarc_aligned(dm->from_domain, a->dkim[i].domain, adkim))
			continue;
		if (a->dkim[i].result == AUTH_PASS)
			dm->dkim_aligned = true;
		else if (a->dkim[i].result == AUTH_TEMPERROR)
			dkim_temp = true;
	}
	if (dm->spf_aligned || dm->dkim_aligned)
		dm->alignment = AUTH_PASS;
	else if ((spf_could && spf_temp) || dkim_temp)
		dm->alignment = AUTH_TEMPERROR;
	else if (!a->spf_done || !a->dkim_done)
		dm->alignment = AUTH_NONE;
	else
		dm->alignment = AUTH_FAIL;
	dm->result = r ? dm->alignment : AUTH_NONE;
	dm->pct = r ? r->pct : 100;
}

/* --- bulk mail ------------------------------------------------------------- */

/* first_word_is - value's first word (blanks skipped) is word */
static bool first_word_is(const char *v, const char *word)
{
	size_t n = strlen(word);

	while (wsp(*v))
		v++;
	return strncasecmp(v, word, n) == 0 && !isalnum((unsigned char)v[n]);
}

const char *dmarc_bulk_reason(const struct msg *m, const struct config *cfg)
{
	const struct msg_header *h;
	size_t i;

	if (cfg != NULL && cfg->bulk_sender)
		return "BulkSender yes";
	if (msg_header_get(m, "List-Id", 0) != NULL)
		return "List-Id header";
	if (msg_header_get(m, "List-Unsubscribe", 0) != NULL)
		return "List-Unsubscribe header";
	for (i = 0; i < 8 && (h = msg_header_get(m, "Precedence", i)) != NULL; i++) {
		const char *v = h->unfolded ? h->unfolded : h->value;

		if (first_word_is(v, "bulk"))
			return "Precedence: bulk";
		if (first_word_is(v, "list"))
			return "Precedence: list";
	}
	return NULL;
}

/* --- words for summaries --------------------------------------------------- */

int dmarc_show(struct buf *out, const char *s, size_t max)
{
	size_t i;
	int rc = 0;

	for (i = 0; s != NULL && s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		rc |= buf_putc(out, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
	if (s != NULL && s[i] != '\0')
		rc |= buf_puts(out, "...");
	return rc < 0 ? -1 : 0;
}

/* explain_spf - the first egress address SPF did not pass for, or the pass */
static int explain_spf(const struct auth *a, struct buf *out)
{
	const struct auth_spf *s = NULL;
	size_t i, passed = 0;
	int rc = 0;

	if (!a->spf_done || a->nspf == 0)
		return buf_puts(out, "SPF not evaluated (no EgressAddress)");
	for (i = 0; i < a->nspf; i++) {
		if (a->spf[i].result == AUTH_PASS)
			passed++;
		else if (s == NULL)
			s = &a->spf[i];
	}
	if (s == NULL)
		s = &a->spf[0];
	rc |= buf_printf(out, "SPF %s for ", auth_result_name(s->result));
	rc |= dmarc_show(out, s->domain, 80);
	rc |= buf_puts(out, s->result == AUTH_PASS ? "" : " from ");
	rc |= s->result == AUTH_PASS ? 0 : dmarc_show(out, s->ip, 64);
	if (a->nspf > 1)
		rc |= buf_printf(out, " (%zu of %zu egress addresses pass)", passed, a->nspf);
	if (passed == a->nspf && a->dmarc.from_domain != NULL && !a->dmarc.spf_aligned)
		rc |= buf_puts(out, ", not aligned with From");
	return rc;
}

int dmarc_explain(const struct auth *a, struct buf *out)
{
	size_t i;
	int rc = explain_spf(a, out);

	rc |= buf_puts(out, "; ");
	if (!a->dkim_done && a->ndkim == 0)
		rc |= buf_puts(out, "DKIM not evaluated");
	else if (a->ndkim == 0)
		rc |= buf_puts(out, "no DKIM signature");
	for (i = 0; i < a->ndkim && i < 3; i++) {
		const struct auth_dkim *k = &a->dkim[i];

		rc |= buf_puts(out, i ? ", DKIM d=" : "DKIM d=");
		rc |= dmarc_show(out, k->domain, 80);
		rc |= buf_printf(out, " %s%s", k->predicted ? "(predicted) " : "",
		    auth_result_name(k->result));
		if (k->result == AUTH_PASS && a->dmarc.from_domain != NULL && !a->dmarc.dkim_aligned)
			rc |= buf_puts(out, ", not aligned with From");
	}
	if (a->ndkim > 3)
		rc |= buf_printf(out, " and %zu more", a->ndkim - 3);
	return rc < 0 ? -1 : 0;
}

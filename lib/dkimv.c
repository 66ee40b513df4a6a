/*
 * dkimv - DKIM verification with libopendkim over our resolver (see
 * dkimv.h for the contract).
 *
 * How the message deadline reaches libopendkim's DNS hooks: the hooks get
 * only the library-wide service handle (dkim_dns_set_query_service takes
 * one pointer per DKIM_LIB, and the waitreply hook is not told which DKIM
 * handle is waiting), so a per-message value cannot travel through them.
 * The alternative per-handle route, dkim_set_key_lookup (its callback gets
 * the DKIM handle and so dkim_get_user_context), maps a DNS timeout to
 * DKIM_STAT_CBTRYAGAIN, which aborts dkim_eom for the whole message
 * instead of marking that one signature KEYFAIL.  So the service handle
 * is the shared struct dns, and the deadline is a thread-local variable:
 * libopendkim makes its queries synchronously inside dkim_eom, on the
 * thread that called dkimv_verify, which sets the variable just before
 * and clears it just after.  It is the only thread-local state here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <dkim.h>

#include "bodyhash.h"
#include "buf.h"
#include "dkimv.h"
#include "dns.h"

/* RFC 8301: receivers must not accept RSA keys under 1024 bits */
#define DKIMV_MIN_BITS 1024

static const char oom[] = "out of memory";

struct dkimv_lib {
	DKIM_LIB *lib;
	struct dns *dns;
};

/* The message deadline of the dkimv_verify running on this thread. */
static _Thread_local uint64_t dkimv_deadline_ms;

/* One key query between the start and cancel hooks. */
struct dkimv_query {
	struct dns_query *dq;	/* NULL once dns_wait consumed it */
	unsigned char *buf;	/* libopendkim's answer buffer */
	size_t buflen;
};

/* q_start - libopendkim's query start hook */
static int q_start(void *srv, int type, unsigned char *name, unsigned char *buf,
    size_t buflen, void **qh)
{
	struct dkimv_query *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return DKIM_DNS_ERROR;
	if ((q->dq = dns_start(srv, (const char *)name, type)) == NULL) {
		free(q);
		return DKIM_DNS_ERROR;
	}
	q->buf = buf;
	q->buflen = buflen;
	*qh = q;
	return DKIM_DNS_SUCCESS;
}

/* q_wait - the waitreply hook: wait until the earlier of libopendkim's
 * timeout and the message deadline, copy the wire-format answer */
static int q_wait(void *srv, void *qh, struct timeval *to, size_t *bytes,
    int *error, int *dnssec)
{
	struct dkimv_query *q = qh;
	uint64_t now = dns_now_ms(), deadline = dkimv_deadline_ms;
	struct ub_result *res = NULL;
	enum dns_status st;
	int rc = DKIM_DNS_SUCCESS;

	if (deadline == 0)
		deadline = now + dns_timeout_ms(srv);
	if (to != NULL) {
		uint64_t lim = now + (uint64_t)to->tv_sec * 1000 + (uint64_t)to->tv_usec / 1000;

		if (lim < deadline)
			deadline = lim;
	}
	st = dns_wait(srv, q->dq, deadline, &res);
	q->dq = NULL;
	if (st == DNS_TEMPFAIL || res == NULL || res->answer_packet == NULL ||
	    res->answer_len <= 0)
		rc = DKIM_DNS_EXPIRED;
	else if ((size_t)res->answer_len > q->buflen)
		rc = DKIM_DNS_ERROR;
	else {
		memcpy(q->buf, res->answer_packet, (size_t)res->answer_len);
		*bytes = (size_t)res->answer_len;
		if (dnssec != NULL)
			*dnssec = res->secure ? DKIM_DNSSEC_SECURE : DKIM_DNSSEC_INSECURE;
	}
	if (error != NULL)
		*error = 0;
	dns_result_free(&res);
	return rc;
}

/* q_cancel - libopendkim calls it after every query, answered or not */
static int q_cancel(void *srv, void *qh)
{
	struct dkimv_query *q = qh;

	if (q == NULL)
		return DKIM_DNS_SUCCESS;
	if (q->dq != NULL)
		dns_cancel(srv, q->dq);
	free(q);
	return DKIM_DNS_SUCCESS;
}

/* prescreen - ignore signatures past DKIMV_MAX_SIGS (hostile input) */
static DKIM_CBSTAT prescreen(DKIM *d, DKIM_SIGINFO **sigs, int nsigs)
{
	const char *sel, *dom;
	int i;

	for (i = 0; i < nsigs; i++) {
		sel = (const char *)dkim_sig_getselector(sigs[i]);
		dom = (const char *)dkim_sig_getdomain(sigs[i]);
		/* s._domainkey.d over 253 bytes: libopendkim would fail the
		 * whole message with NORESOURCE (fuzz_dkimsig) */
		if (i >= DKIMV_MAX_SIGS || (sel != NULL && dom != NULL &&
		    strlen(sel) + strlen(dom) + 12 > 253))
			dkim_sig_ignore(sigs[i]);
	}
	return DKIM_CBSTAT_CONTINUE;
}

int dkimv_lib_new(struct dns *dns, struct dkimv_lib **lib_r, const char **error_r)
{
	struct dkimv_lib *l = calloc(1, sizeof(*l));
	/* keep signatures with syntax errors in the list: they are reported */
	uint32_t flags = DKIM_LIBFLAGS_BADSIGHANDLES;
	unsigned int minbits = 1;	/* judged here (DKIMV_WEAK_KEY), not by the library */

	*lib_r = NULL;
	if (l == NULL || (l->lib = dkim_init(NULL, NULL)) == NULL) {
		free(l);
		return *error_r = "cannot initialise libopendkim", -1;
	}
	l->dns = dns;
	if (dkim_options(l->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
	    sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(l->lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits,
	    sizeof(minbits)) != DKIM_STAT_OK ||
	    dkim_set_prescreen(l->lib, prescreen) != DKIM_STAT_OK) {
		dkim_close(l->lib);
		free(l);
		return *error_r = "cannot set libopendkim options", -1;
	}
	/* The default init/close hooks would treat our handle as res state. */
	dkim_dns_set_init(l->lib, NULL);
	dkim_dns_set_close(l->lib, NULL);
	dkim_dns_set_query_service(l->lib, dns);
	dkim_dns_set_query_start(l->lib, q_start);
	dkim_dns_set_query_waitreply(l->lib, q_wait);
	dkim_dns_set_query_cancel(l->lib, q_cancel);
	*lib_r = l;
	return 0;
}

void dkimv_lib_free(struct dkimv_lib **libp)
{
	if (*libp == NULL)
		return;
	dkim_close((*libp)->lib);
	free(*libp);
	*libp = NULL;
}

bool dkimv_h_has(const char *h, const char *header)
{
	size_t want = strlen(header);

	while (h != NULL && *h != '\0') {
		const char *end = strchr(h, ':');
		size_t len = end ? (size_t)(end - h) : strlen(h);

		while (len > 0 && strchr(" \t\r\n", *h) != NULL)
			h++, len--;
		while (len > 0 && strchr(" \t\r\n", h[len - 1]) != NULL)
			len--;
		if (len == want && strncasecmp(h, header, len) == 0)
			return true;
		h = end ? end + 1 : NULL;
	}
	return false;
}

/* tag_u64 - a numeric tag of the signature (or key when key is true) */
static bool tag_u64(DKIM_SIGINFO *sig, bool key, const char *tag, uint64_t *v)
{
	const char *s = (const char *)dkim_sig_gettagvalue(sig, key, (u_char *)tag);
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	*v = strtoull(s, &end, 10);
	return true;
}

/* Signatures whose body hash bodyhash.c computes, in one pass over the
 * spool in 64 KB blocks, instead of libopendkim, whose per-byte
 * canonicalizer was the milter's largest cost; libopendkim then gets no
 * body and verifies the header signatures only. */
#define OWN_MAX 8
struct own_bh {
	size_t n;
	DKIM_SIGINFO *sig[OWN_MAX];
	struct bodyhash *h[OWN_MAX];
	char b64[OWN_MAX][BODYHASH_B64_MAX];
	bool done[OWN_MAX];
};

static void own_free(struct own_bh *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		bodyhash_free(&o->h[i]);
	o->n = 0;
}

/* own_setup - a body hash per signature; false, and libopendkim hashes
 * the body, when it holds a bare CR or LF (libopendkim's reading of
 * those is the reference), a signature has l= (libopendkim compares it
 * with the body it saw), or a signature's parameters cannot be had */
static bool own_setup(DKIM *d, const struct msg *m, struct own_bh *o)
{
	DKIM_SIGINFO **sigs = NULL;
	dkim_canon_t hc, bc;
	dkim_alg_t alg;
	int n = 0, i;

	if (m->body.bare_cr > 0 || m->body.bare_lf > 0 ||
	    dkim_getsiglist(d, &sigs, &n) != DKIM_STAT_OK || n <= 0 || n > OWN_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if (dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_IGNORE)
			continue;
		if (dkim_sig_getcanons(sigs[i], &hc, &bc) != DKIM_STAT_OK ||
		    dkim_sig_getsignalg(sigs[i], &alg) != DKIM_STAT_OK ||
		    dkim_sig_gettagvalue(sigs[i], false, (u_char *)"l") != NULL)
			break;
		o->sig[o->n] = sigs[i];
		if ((o->h[o->n] = bodyhash_new(bc == DKIM_CANON_RELAXED,
		    alg == DKIM_SIGN_RSASHA1, UINT64_MAX)) == NULL)
			break;
		o->n++;
	}
	if (i < n || o->n == 0) {
		own_free(o);
		return false;
	}
	return true;
}

static int own_feed(void *arg, const char *p, size_t n)
{
	struct own_bh *o = arg;
	size_t i;

	for (i = 0; i < o->n; i++)
		bodyhash_update(o->h[i], p, n);
	return 0;
}

/* own_result - our body hash verdict on sig, if we computed one */
static bool own_result(const struct own_bh *o, DKIM_SIGINFO *sig, enum dkimv_bh *bh_r)
{
	const char *bh;
	size_t i;

	for (i = 0; o != NULL && i < o->n; i++) {
		if (o->sig[i] != sig || !o->done[i])
			continue;
		bh = (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)"bh");
		*bh_r = bh != NULL && strcmp(bh, o->b64[i]) == 0 ? DKIMV_BH_MATCH :
		    DKIMV_BH_MISMATCH;
		return true;
	}
	return false;
}

/* feed_header - one kept header as "Name: value", lone LFs made CRLF */
static DKIM_STAT feed_header(DKIM *d, const struct msg_header *h, struct buf *b)
{
	const char *v;

	buf_truncate(b, 0);
	if (buf_printf(b, "%s: ", h->name) < 0)
		return DKIM_STAT_NORESOURCE;
	for (v = h->value; *v != '\0'; v++)
		if ((*v == '\n' && (v == h->value || v[-1] != '\r') && buf_putc(b, '\r') < 0) ||
		    buf_putc(b, *v) < 0)
			return DKIM_STAT_NORESOURCE;
	return dkim_header(d, (u_char *)b->data, b->len);
}

/* feed_message - headers, end of headers, body; the eom status */
struct body_state {
	DKIM *d;
	DKIM_STAT st;
};

/* feed_body - one chunk of the kept body; stops only when out of memory */
static int feed_body(void *arg, const char *p, size_t n)
{
	struct body_state *bs = arg;
	DKIM_STAT st = dkim_body(bs->d, (u_char *)p, n);

	if (st != DKIM_STAT_NORESOURCE)
		return 0;
	bs->st = st;
	return 1;
}

static DKIM_STAT feed_message(DKIM *d, const struct msg *m, struct own_bh *own)
{
	struct buf b = BUF_INIT;
	DKIM_STAT st = DKIM_STAT_OK;
	struct body_state bs;
	const char *err;
	size_t i;

	for (i = 0; i < m->nhdrs && st != DKIM_STAT_NORESOURCE; i++)
		if (!m->hdrs[i].malformed && m->hdrs[i].name[0] != '\0')
			st = feed_header(d, &m->hdrs[i], &b);
	buf_free(&b);
	if (st == DKIM_STAT_NORESOURCE)
		return st;
	st = dkim_eoh(d);
	if (st == DKIM_STAT_NOSIG || st == DKIM_STAT_NORESOURCE)
		return st;
	if (own_setup(d, m, own)) {
		if (msg_body_each(m, own_feed, own, &err) < 0)
			return DKIM_STAT_NORESOURCE;	/* the spool could not be read */
		for (i = 0; i < own->n; i++)
			own->done[i] = bodyhash_final(own->h[i], own->b64[i],
			    sizeof(own->b64[i])) == 0;
		return dkim_eom(d, NULL);
	}
	bs.d = d;
	bs.st = DKIM_STAT_OK;
	if (msg_body_each(m, feed_body, &bs, &err) < 0 && bs.st == DKIM_STAT_OK)
		bs.st = DKIM_STAT_NORESOURCE;	/* the spool could not be read */
	if (bs.st == DKIM_STAT_NORESOURCE)
		return bs.st;
	return dkim_eom(d, NULL);
}

/* classify_error - result and problem for a signature libopendkim flagged */
static enum dkimv_problem classify_error(int err, enum auth_result *res)
{
	*res = AUTH_PERMERROR;
	switch (err) {
	case DKIM_SIGERROR_KEYFAIL:
		*res = AUTH_TEMPERROR;
		return DKIMV_KEY_TEMPFAIL;
	case DKIM_SIGERROR_NOKEY:
		return DKIMV_NO_KEY;
	case DKIM_SIGERROR_KEYREVOKED:
		return DKIMV_KEY_REVOKED;
	case DKIM_SIGERROR_DNSSYNTAX: case DKIM_SIGERROR_MULTIREPLY:
	case DKIM_SIGERROR_KEYVERSION: case DKIM_SIGERROR_KEYUNKNOWNHASH:
	case DKIM_SIGERROR_KEYHASHMISMATCH: case DKIM_SIGERROR_NOTEMAILKEY:
	case DKIM_SIGERROR_KEYTYPEMISSING: case DKIM_SIGERROR_KEYTYPEUNKNOWN:
	case DKIM_SIGERROR_KEYDECODE: case DKIM_SIGERROR_SUBDOMAIN:
		return DKIMV_BAD_KEY;
	case DKIM_SIGERROR_EXPIRED:
		return DKIMV_EXPIRED;
	case DKIM_SIGERROR_BADSIG:
		*res = AUTH_FAIL;
		return DKIMV_BAD_SIG;
	default:
		return DKIMV_SYNTAX;
	}
}

/* judge - the verdict on one signature, from libopendkim's findings */
static void judge(DKIM_SIGINFO *sig, const struct msg *m, const struct own_bh *own,
    struct dkimv_sig *s)
{
	int err = dkim_sig_geterror(sig), bh = dkim_sig_getbh(sig);
	enum dkimv_bh mine;

	s->header_ok = (dkim_sig_getflags(sig) & DKIM_SIGFLAG_PASSED) != 0;
	s->bh = bh == DKIM_SIGBH_MATCH ? DKIMV_BH_MATCH :
	    bh == DKIM_SIGBH_MISMATCH ? DKIMV_BH_MISMATCH : DKIMV_BH_UNTESTED;
	/* as libopendkim does, the body hash counts once the header signature
	 * verified; its own mismatch on the empty body it got is replaced */
	if (own_result(own, sig, &mine))
		s->bh = s->header_ok ? mine : DKIMV_BH_UNTESTED;
	if (err != DKIM_SIGERROR_OK && err != DKIM_SIGERROR_UNKNOWN &&
	    err != DKIM_SIGERROR_BADSIG) {
		s->problem = classify_error(err, &s->result);
		/* Rejected while its tags were parsed: the body hash was never
		 * set up, and libopendkim's zeroed field reads as "match". */
		if (s->problem == DKIMV_SYNTAX || s->problem == DKIMV_EXPIRED)
			s->bh = DKIMV_BH_UNTESTED;
		return;
	}
	s->body_unchecked = m->body_truncated && s->bh != DKIMV_BH_MATCH;
	if (!s->header_ok) {
		s->result = AUTH_FAIL;
		s->problem = DKIMV_BAD_SIG;
	} else if (s->bh != DKIMV_BH_MATCH && !s->body_unchecked) {
		s->result = AUTH_FAIL;
		s->problem = DKIMV_BODY_CHANGED;
	} else if (s->key_bits > 0 && s->key_bits < DKIMV_MIN_BITS) {
		s->result = AUTH_FAIL;
		s->problem = DKIMV_WEAK_KEY;
	} else {
		s->result = AUTH_PASS;
		s->problem = DKIMV_OK;
	}
}

/* describe - the detail text for s (err: libopendkim's signature error) */
static int describe(const struct dkimv_sig *s, int err, struct buf *b)
{
	switch (s->problem) {
	case DKIMV_OK:
		return s->body_unchecked ? buf_puts(b, "header hash verified; body not kept "
		    "in full, body hash not checked") : buf_puts(b, "");
	case DKIMV_BAD_SIG:
		return buf_printf(b, "signature (b=) does not verify%s",
		    s->bh == DKIMV_BH_MISMATCH ? "; body hash mismatch too" : "");
	case DKIMV_BODY_CHANGED:
		return buf_puts(b, "body hash mismatch: the body changed after signing");
	case DKIMV_NO_KEY:
		return buf_printf(b, "no key at %s._domainkey.%s", s->selector, s->domain);
	case DKIMV_KEY_REVOKED:
		return buf_printf(b, "key at %s._domainkey.%s revoked (empty p=)",
		    s->selector, s->domain);
	case DKIMV_KEY_TEMPFAIL:
		return buf_printf(b, "key lookup for %s._domainkey.%s failed (DNS timeout "
		    "or SERVFAIL)", s->selector, s->domain);
	case DKIMV_WEAK_KEY:
		return buf_printf(b, "%u-bit key: receivers reject keys under %u bits "
		    "(RFC 8301)", s->key_bits, DKIMV_MIN_BITS);
	default:
		break;
	}
	return buf_printf(b, "%s", dkim_sig_geterrorstr(err) ? dkim_sig_geterrorstr(err) :
	    "signature unusable");
}

/* dup_tag - a copy of a libopendkim string, "" for NULL */
static char *dup_tag(const unsigned char *v)
{
	return strdup(v != NULL ? (const char *)v : "");
}

/* fill_sig - everything we report about one signature */
static int fill_sig(DKIM_SIGINFO *sig, const struct msg *m, const struct own_bh *own,
    struct dkimv_sig *s)
{
	const char *h = (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)"h");
	const char *t = (const char *)dkim_sig_gettagvalue(sig, true, (u_char *)"t");
	struct buf detail = BUF_INIT;
	unsigned int bits = 0;
	uint64_t v;

	s->domain = dup_tag(dkim_sig_getdomain(sig));
	s->selector = dup_tag(dkim_sig_getselector(sig));
	s->algorithm = dup_tag(dkim_sig_gettagvalue(sig, false, (u_char *)"a"));
	if (dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK)
		s->key_bits = bits;
	/* a= itself: libopendkim leaves the algorithm unset (0, which is
	 * rsa-sha1) on a signature it rejected early, e.g. as expired */
	s->sha1 = strcasecmp(s->algorithm ? s->algorithm : "", "rsa-sha1") == 0;
	s->covers_from = dkimv_h_has(h, "From");
	s->covers_list_unsubscribe = dkimv_h_has(h, "List-Unsubscribe");
	s->covers_list_unsubscribe_post = dkimv_h_has(h, "List-Unsubscribe-Post");
	s->has_length = tag_u64(sig, false, "l", &s->length);
	s->timestamp = tag_u64(sig, false, "t", &v) && v < INT64_MAX ? (int64_t)v : 0;
	s->expires = tag_u64(sig, false, "x", &v) && v < INT64_MAX ? (int64_t)v : 0;
	s->testing = t != NULL && dkimv_h_has(t, "y");
	judge(sig, m, own, s);
	if (describe(s, dkim_sig_geterror(sig), &detail) < 0 ||
	    (s->detail = buf_steal(&detail)) == NULL || s->domain == NULL ||
	    s->selector == NULL || s->algorithm == NULL) {
		buf_free(&detail);
		return -1;
	}
	return 0;
}

/* collect - one dkimv_sig per signature libopendkim saw */
static int collect(DKIM *d, const struct msg *m, const struct own_bh *own,
    struct dkimv_result *out)
{
	DKIM_SIGINFO **sigs = NULL;
	int n = 0, i;

	if (dkim_getsiglist(d, &sigs, &n) != DKIM_STAT_OK || n <= 0)
		return 0;
	if ((out->sigs = calloc((size_t)n, sizeof(*out->sigs))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_IGNORE) {
			out->ignored++;
			continue;
		}
		if (fill_sig(sigs[i], m, own, &out->sigs[out->nsigs++]) < 0)
			return -1;
	}
	return 0;
}

int dkimv_verify(struct dkimv_lib *lib, const struct msg *m, uint64_t deadline_ms,
    struct dkimv_result *out, const char **error_r)
{
	struct own_bh own;
	DKIM_STAT st;
	DKIM *d;
	int rc = 0;

	own.n = 0;
	memset(out, 0, sizeof(*out));
	if ((d = dkim_verify(lib->lib, (const u_char *)"preflight", NULL, &st)) == NULL)
		return *error_r = oom, -1;
	dkimv_deadline_ms = deadline_ms;
	st = feed_message(d, m, &own);
	dkimv_deadline_ms = 0;
	if (st == DKIM_STAT_NORESOURCE || collect(d, m, &own, out) < 0) {
		dkimv_result_free(out);
		*error_r = oom;
		rc = -1;
	}
	own_free(&own);
	dkim_free(d);
	return rc;
}

void dkimv_result_free(struct dkimv_result *r)
{
	size_t i;

	for (i = 0; i < r->nsigs; i++) {
		free(r->sigs[i].domain);
		free(r->sigs[i].selector);
		free(r->sigs[i].algorithm);
		free(r->sigs[i].detail);
	}
	free(r->sigs);
	memset(r, 0, sizeof(*r));
}

const char *dkimv_problem_name(enum dkimv_problem p)
{
	static const char *const names[] = {
		"ok", "bad-signature", "body-changed", "no-key", "key-revoked", "bad-key",
		"key-tempfail", "expired", "weak-key", "syntax",
	};

	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p] : "unknown";
}

/*
 * keycheck - SigningKey private keys against their DNS records, cached
 * (see keycheck.h for the contract).
 *
 * The key record is parsed here rather than by libopendkim: the library
 * only parses keys inside a verification, and a signature needs the
 * private key we are checking in the first place.  The rules follow
 * RFC 6376 §3.6.1: tags separated by ';', blanks around names and values
 * ignored, v= if present must be DKIM1, k= defaults to rsa, an empty p=
 * means revoked.  The RSA key is a SubjectPublicKeyInfo (what every signer
 * publishes); a bare PKCS#1 RSAPublicKey is accepted too, as libopendkim
 * does.  Ed25519 keys are the raw 32 bytes (RFC 8463).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "buf.h"
#include "dns.h"
#include "keycheck.h"

/* more SigningKey lines than any config has; past it, checks are uncached */
#define KEYCHECK_MAX_ENTRIES 1024
/* bytes of p= quoted in a detail */
#define P_SHOWN 16
#define RR_TXT 16

struct kc_entry {
	char *domain, *selector, *key_file;
	struct keycheck_result res;
	bool have;		/* res holds a finished check */
	bool busy;		/* a thread is re-checking it */
};

struct keycheck {
	pthread_mutex_t lock;
	struct kc_entry *v;
	size_t n;
};

/* The tags of a key record that matter here. */
struct key_rec {
	char v[16], k[16], t[64];
	bool has_v, has_p, syntax;
	struct buf p;		/* base64, blanks removed */
};

struct keycheck *keycheck_new(void)
{
	struct keycheck *kc = calloc(1, sizeof(*kc));

	if (kc != NULL)
		pthread_mutex_init(&kc->lock, NULL);
	return kc;
}

void keycheck_free(struct keycheck **kcp)
{
	struct keycheck *kc = *kcp;
	size_t i;

	if (kc == NULL)
		return;
	for (i = 0; i < kc->n; i++) {
		free(kc->v[i].domain);
		free(kc->v[i].selector);
		free(kc->v[i].key_file);
	}
	free(kc->v);
	pthread_mutex_destroy(&kc->lock);
	free(kc);
	*kcp = NULL;
}

const char *keycheck_status_name(enum keycheck_status s)
{
	static const char *const names[] = {
		"match", "mismatch", "no-key", "bad-key", "unreadable", "temperror",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

/* no_passphrase - never prompt on a terminal for an encrypted key */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

/* load_private - the SigningKey file as a key, or NULL with r filled */
static EVP_PKEY *load_private(const char *path, struct keycheck_result *r)
{
	FILE *fp = fopen(path, "r");
	EVP_PKEY *pk;

	if (fp == NULL) {
		r->status = KEYCHECK_UNREADABLE;
		snprintf(r->detail, sizeof(r->detail), "cannot read private key %s: %s",
		    path, strerror(errno));
		return NULL;
	}
	pk = PEM_read_PrivateKey(fp, NULL, no_passphrase, NULL);
	fclose(fp);
	ERR_clear_error();
	if (pk == NULL) {
		r->status = KEYCHECK_UNREADABLE;
		snprintf(r->detail, sizeof(r->detail), "%s is not a PEM private key "
		    "(unencrypted PKCS#1 or PKCS#8)", path);
		return NULL;
	}
	r->rsa = EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA;
	r->bits = (unsigned)EVP_PKEY_get_bits(pk);
	return pk;
}

/* copy_trim - value [s, e) without surrounding blanks into dst */
static void copy_trim(char *dst, size_t size, const char *s, const char *e)
{
	while (s < e && strchr(" \t\r\n", *s) != NULL)
		s++;
	while (e > s && strchr(" \t\r\n", e[-1]) != NULL)
		e--;
	snprintf(dst, size, "%.*s", (int)(e - s), s);
}

/* parse_tag - one "name=value" of the record into kr */
static int parse_tag(struct key_rec *kr, const char *s, const char *e)
{
	const char *eq = memchr(s, '=', (size_t)(e - s)), *c;
	char name[16];

	if (eq == NULL) {
		kr->syntax = true;
		return 0;
	}
	copy_trim(name, sizeof(name), s, eq);
	if (strcmp(name, "v") == 0) {
		kr->has_v = true;
		copy_trim(kr->v, sizeof(kr->v), eq + 1, e);
	} else if (strcmp(name, "k") == 0)
		copy_trim(kr->k, sizeof(kr->k), eq + 1, e);
	else if (strcmp(name, "t") == 0)
		copy_trim(kr->t, sizeof(kr->t), eq + 1, e);
	else if (strcmp(name, "p") == 0) {
		kr->has_p = true;
		buf_truncate(&kr->p, 0);
		for (c = eq + 1; c < e; c++)
			if (strchr(" \t\r\n", *c) == NULL && buf_putc(&kr->p, *c) < 0)
				return -1;
	}
	return 0;
}

/* parse_record - the tags of a key record */
static int parse_record(const char *rec, struct key_rec *kr)
{
	const char *s = rec, *semi;

	snprintf(kr->k, sizeof(kr->k), "rsa");
	while (*s != '\0') {
		semi = strchr(s, ';');
		if (semi == NULL)
			semi = s + strlen(s);
		if (strspn(s, " \t\r\n") < (size_t)(semi - s) && parse_tag(kr, s, semi) < 0)
			return -1;
		s = *semi ? semi + 1 : semi;
	}
	return 0;
}

/* has_flag - the colon-separated t= list holds flag */
static bool has_flag(const char *t, char flag)
{
	char one[2] = { flag, '\0' }, tok[16];
	const char *end;

	while (*t != '\0') {
		end = t + strcspn(t, ":");
		copy_trim(tok, sizeof(tok), t, end);
		if (strcmp(tok, one) == 0)
			return true;
		t = *end ? end + 1 : end;
	}
	return false;
}

/* decode_public - p= as a public key of type k, or NULL */
static EVP_PKEY *decode_public(const struct key_rec *kr)
{
	const unsigned char *der;
	unsigned char *raw;
	EVP_PKEY *pk = NULL;
	size_t len = kr->p.len, pad = 0;
	int n;

	if (len == 0 || len % 4 != 0 || (raw = malloc(len / 4 * 3 + 1)) == NULL)
		return NULL;
	n = EVP_DecodeBlock(raw, (const unsigned char *)kr->p.data, (int)len);
	while (pad < 2 && kr->p.data[len - 1 - pad] == '=')
		pad++;
	if (n >= (int)pad) {
		n -= (int)pad;
		der = raw;
		if (strcmp(kr->k, "ed25519") == 0)
			pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, (size_t)n);
		else if ((pk = d2i_PUBKEY(NULL, &der, n)) == NULL) {
			der = raw;
			pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &der, n);
		}
	}
	free(raw);
	ERR_clear_error();
	return pk;
}

/* fetch_record - the first TXT record at name, strings joined, into rec */
static enum dns_status fetch_record(struct dns *dns, const char *name, uint64_t deadline_ms,
    struct buf *rec)
{
	struct ub_result *res = NULL;
	enum dns_status st = dns_lookup_until(dns, name, RR_TXT, deadline_ms, &res);
	const unsigned char *d;
	int off = 0, len;

	if (st == DNS_OK && res->data[0] != NULL) {
		d = (const unsigned char *)res->data[0];
		len = res->len[0];
		while (off < len && st == DNS_OK) {
			int n = d[off];

			if (off + 1 + n > len || buf_append(rec, d + off + 1, (size_t)n) < 0)
				st = DNS_TEMPFAIL;
			off += 1 + n;
		}
	}
	dns_result_free(&res);
	return st;
}

/* judge_record - compare the parsed record with the private key */
static void judge_record(struct key_rec *kr, EVP_PKEY *priv, const char *rec,
    struct keycheck_result *r)
{
	EVP_PKEY *pub;

	r->testing = has_flag(kr->t, 'y');
	r->status = KEYCHECK_BAD_KEY;
	if (kr->syntax || !kr->has_p || (kr->has_v && strcmp(kr->v, "DKIM1") != 0) ||
	    (strcmp(kr->k, "rsa") != 0 && strcmp(kr->k, "ed25519") != 0)) {
		snprintf(r->detail, sizeof(r->detail), "not a usable DKIM key record: \"%.60s\"",
		    rec);
		return;
	}
	if (kr->p.len == 0) {
		r->status = KEYCHECK_NO_KEY;
		snprintf(r->detail, sizeof(r->detail), "key revoked (empty p=)");
		return;
	}
	if ((pub = decode_public(kr)) == NULL) {
		snprintf(r->detail, sizeof(r->detail), "p= is not a %s public key: \"p=%.*s...\"",
		    kr->k, P_SHOWN, kr->p.data);
		return;
	}
	r->dns_bits = (unsigned)EVP_PKEY_get_bits(pub);
	if (EVP_PKEY_eq(priv, pub) == 1) {
		r->status = KEYCHECK_MATCH;
		snprintf(r->detail, sizeof(r->detail), "DNS key matches the private key (%u bits)",
		    r->bits);
	} else {
		r->status = KEYCHECK_MISMATCH;
		snprintf(r->detail, sizeof(r->detail), "DNS key (%u bits, \"p=%.*s...\") is not "
		    "the public half of the private key (%u bits)", r->dns_bits, P_SHOWN,
		    kr->p.data, r->bits);
	}
	EVP_PKEY_free(pub);
	ERR_clear_error();
}

/* check_now - the uncached check of one SigningKey */
static void check_now(struct dns *dns, const struct config_signing_key *key, time_t now,
    uint64_t deadline_ms, struct keycheck_result *r)
{
	struct key_rec kr = { .p = BUF_INIT };
	struct buf rec = BUF_INIT;
	char name[600];
	enum dns_status st;
	EVP_PKEY *priv;

	memset(r, 0, sizeof(*r));
	snprintf(r->domain, sizeof(r->domain), "%s", key->domain);
	snprintf(r->selector, sizeof(r->selector), "%s", key->selector);
	r->checked = now;
	if ((priv = load_private(key->key_file, r)) == NULL)
		return;
	snprintf(name, sizeof(name), "%s._domainkey.%s", key->selector, key->domain);
	if (dns == NULL)
		st = DNS_TEMPFAIL;
	else
		st = fetch_record(dns, name, deadline_ms ? deadline_ms :
		    dns_now_ms() + dns_timeout_ms(dns), &rec);
	if (st == DNS_TEMPFAIL) {
		r->status = KEYCHECK_TEMPERROR;
		snprintf(r->detail, sizeof(r->detail), "no DNS answer for %.200s TXT in time",
		    name);
	} else if (st != DNS_OK) {
		r->status = KEYCHECK_NO_KEY;
		snprintf(r->detail, sizeof(r->detail), "%.200s: %s", name,
		    st == DNS_NXDOMAIN ? "no such name (NXDOMAIN)" : "no TXT record");
	} else if (parse_record(buf_cstr(&rec), &kr) < 0) {
		r->status = KEYCHECK_TEMPERROR;
		snprintf(r->detail, sizeof(r->detail), "out of memory");
	} else
		judge_record(&kr, priv, buf_cstr(&rec), r);
	buf_free(&kr.p);
	buf_free(&rec);
	EVP_PKEY_free(priv);
}

/* find - the cache entry of key; called with the lock held */
static struct kc_entry *find(struct keycheck *kc, const struct config_signing_key *key)
{
	size_t i;

	for (i = 0; i < kc->n; i++)
		if (strcmp(kc->v[i].domain, key->domain) == 0 &&
		    strcmp(kc->v[i].selector, key->selector) == 0 &&
		    strcmp(kc->v[i].key_file, key->key_file) == 0)
			return &kc->v[i];
	return NULL;
}

/* add - a new, empty entry for key, or NULL (full, or out of memory) */
static struct kc_entry *add(struct keycheck *kc, const struct config_signing_key *key)
{
	struct kc_entry *v, *e;

	if (kc->n >= KEYCHECK_MAX_ENTRIES ||
	    (v = realloc(kc->v, (kc->n + 1) * sizeof(*v))) == NULL)
		return NULL;
	kc->v = v;
	e = &v[kc->n];
	memset(e, 0, sizeof(*e));
	e->domain = strdup(key->domain);
	e->selector = strdup(key->selector);
	e->key_file = strdup(key->key_file);
	if (e->domain == NULL || e->selector == NULL || e->key_file == NULL) {
		free(e->domain);
		free(e->selector);
		free(e->key_file);
		return NULL;
	}
	kc->n++;
	return e;
}

/* fresh - the entry's result is young enough to reuse */
static bool fresh(const struct kc_entry *e, const struct config *cfg, time_t now)
{
	time_t ttl = (time_t)cfg->key_check_interval, age = now - e->res.checked;

	if (e->res.status == KEYCHECK_TEMPERROR && ttl > KEYCHECK_RETRY)
		ttl = KEYCHECK_RETRY;
	return age >= 0 && age < ttl;
}

void keycheck_get_key(struct keycheck *kc, struct dns *dns, const struct config *cfg,
    const struct config_signing_key *key, time_t now, uint64_t deadline_ms,
    struct keycheck_result *r)
{
	struct kc_entry *e;

	pthread_mutex_lock(&kc->lock);
	e = find(kc, key);
	if (e != NULL && e->have && (e->busy || fresh(e, cfg, now))) {
		*r = e->res;
		pthread_mutex_unlock(&kc->lock);
		return;
	}
	if (e == NULL)
		e = add(kc, key);
	if (e != NULL)
		e->busy = true;
	pthread_mutex_unlock(&kc->lock);

	/* The DNS wait happens outside the lock: other keys stay available. */
	check_now(dns, key, now, deadline_ms, r);

	pthread_mutex_lock(&kc->lock);
	if ((e = find(kc, key)) != NULL) {
		e->res = *r;
		e->have = true;
		e->busy = false;
	}
	pthread_mutex_unlock(&kc->lock);
}

int keycheck_get(struct keycheck *kc, struct dns *dns, const struct config *cfg,
    const char *domain, time_t now, uint64_t deadline_ms, struct keycheck_result *r)
{
	size_t i;

	for (i = 0; i < cfg->nsigning_keys; i++)
		if (strcasecmp(cfg->signing_keys[i].domain, domain) == 0) {
			keycheck_get_key(kc, dns, cfg, &cfg->signing_keys[i], now, deadline_ms, r);
			return 1;
		}
	return 0;
}

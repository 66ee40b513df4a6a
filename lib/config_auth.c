/*
 * config_auth - value parsers for the keys of our sending identity and
 * the resolver (EgressAddress, SigningKey, Nameservers, EgressHelo), and
 * Checks, which chooses the families that run.
 * Part of the config module (see config_impl.h); kept apart so that
 * config_value.c stays about the generic types.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "check.h"
#include "config.h"
#include "config_impl.h"

/* word - split off the next blank-separated word, or NULL */
static char *word(char **p)
{
	char *w;

	*p += strspn(*p, " \t");
	if (**p == '\0')
		return NULL;
	w = *p;
	*p += strcspn(*p, " \t");
	if (**p != '\0')
		*(*p)++ = '\0';
	return w;
}

/* ip_ok - an IPv4 or IPv6 address in text form */
static bool ip_ok(const char *w)
{
	unsigned char a[16];

	return inet_pton(AF_INET, w, a) == 1 || inet_pton(AF_INET6, w, a) == 1;
}

int config_auth_set_addrs(struct config_setctx *s, char ***f, char *v)
{
	size_t n = 0;
	char **a, *w;

	if ((*f = calloc(1, sizeof(char *))) == NULL)
		return buf_puts(s->why, "out of memory"), -1;
	while ((w = word(&v)) != NULL) {
		if (!ip_ok(w)) {
			buf_printf(s->why, "not an IPv4 or IPv6 address: '%s'", w);
			return -1;
		}
		if ((a = realloc(*f, (n + 2) * sizeof(char *))) == NULL ||
		    (*f = a, a[n + 1] = NULL, (a[n] = strdup(w)) == NULL))
			return buf_puts(s->why, "out of memory"), -1;
		n++;
	}
	return 0;
}

int config_auth_set_signkey(struct config_setctx *s, char *v)
{
	struct config *cfg = s->cfg;
	struct config_signing_key *k;
	char *dom = word(&v), *sel = word(&v), *file = word(&v);
	size_t i;

	if (dom == NULL || sel == NULL || file == NULL || word(&v) != NULL) {
		buf_puts(s->why, "expected <domain> <selector> <private-key-file>");
		return -1;
	}
	for (i = 0; dom[i] != '\0'; i++)
		dom[i] = (char)(dom[i] >= 'A' && dom[i] <= 'Z' ? dom[i] + 32 : dom[i]);
	if (!config_value_domain_ok(dom) || !config_value_domain_ok(sel)) {
		buf_printf(s->why, "not a domain and selector: '%s' '%s'", dom, sel);
		return -1;
	}
	for (i = 0; i < cfg->nsigning_keys; i++)
		if (strcmp(cfg->signing_keys[i].domain, dom) == 0 &&
		    strcasecmp(cfg->signing_keys[i].selector, sel) == 0) {
			buf_printf(s->why, "given twice: '%s %s'", dom, sel);
			return -1;
		}
	k = realloc(cfg->signing_keys, (cfg->nsigning_keys + 1) * sizeof(*k));
	if (k == NULL)
		return buf_puts(s->why, "out of memory"), -1;
	cfg->signing_keys = k;
	k += cfg->nsigning_keys;
	k->domain = strdup(dom);
	k->selector = strdup(sel);
	k->key_file = config_value_resolve(s->file, file);
	cfg->nsigning_keys++;
	if (k->domain == NULL || k->selector == NULL || k->key_file == NULL)
		return buf_puts(s->why, "out of memory"), -1;
	return 0;
}

int config_auth_check_nameservers(const char *v, struct buf *why)
{
	char copy[1024], *p = copy, *w, *at;

	if (strlen(v) >= sizeof(copy)) {
		buf_puts(why, "too long");
		return -1;
	}
	memcpy(copy, v, strlen(v) + 1);
	while ((w = word(&p)) != NULL) {
		long port = 53;
		char *end = NULL;

		if ((at = strchr(w, '@')) != NULL) {
			*at = '\0';
			port = strtol(at + 1, &end, 10);
			if (end == at + 1 || *end != '\0')
				port = 0;
		}
		if (!ip_ok(w) || port < 1 || port > 65535) {
			buf_printf(why, "not ADDR or ADDR@PORT: '%s%s%s'", w, at ? "@" : "",
			    at ? at + 1 : "");
			return -1;
		}
	}
	return 0;
}

int config_auth_check_hostname(const char *v, struct buf *why)
{
	if (*v == '\0' || config_value_domain_ok(v))
		return 0;
	buf_printf(why, "not a host name: '%s'", v);
	return -1;
}

/* config_auth_set_checks - "all", or check names from the registry; the
 * result lists the enabled names in registry order */
int config_auth_set_checks(struct config_setctx *s, char ***f, char *v)
{
	size_t n, i, k = 0;
	const struct check_ops *const *reg = check_registry(&n);
	bool *on = calloc(n + 1, sizeof(*on));
	char *w;

	if (on == NULL || (*f = calloc(n + 1, sizeof(char *))) == NULL) {
		free(on);
		return buf_puts(s->why, "out of memory"), -1;
	}
	while ((w = word(&v)) != NULL) {
		for (i = 0; i < n && strcasecmp(w, reg[i]->name) != 0; i++)
			;
		if (strcasecmp(w, "all") == 0)
			memset(on, 1, n * sizeof(*on));
		else if (i < n)
			on[i] = true;
		else {
			buf_printf(s->why, "not a check (all");
			for (i = 0; i < n; i++)
				buf_printf(s->why, ", %s", reg[i]->name);
			buf_printf(s->why, "): '%s'", w);
			free(on);
			return -1;
		}
	}
	for (i = 0; i < n; i++)
		if (on[i] && ((*f)[k++] = strdup(reg[i]->name)) == NULL) {
			free(on);
			return buf_puts(s->why, "out of memory"), -1;
		}
	free(on);
	return 0;
}

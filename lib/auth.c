/*
 * auth - the per-message authentication results (see auth.h).
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"

const char *auth_result_name(enum auth_result r)
{
	static const char *const names[] = {
		"none", "pass", "fail", "softfail", "neutral", "permerror", "temperror"
	};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "unknown";
}

/* grow - append one zeroed element of size sz to *v (n elements) */
static void *grow(void **v, size_t *n, size_t sz)
{
	char *p = realloc(*v, (*n + 1) * sz);

	if (p == NULL)
		return NULL;
	*v = p;
	memset(p + *n * sz, 0, sz);
	return p + (*n)++ * sz;
}

struct auth_spf *auth_spf_add(struct auth *a)
{
	return grow((void **)&a->spf, &a->nspf, sizeof(*a->spf));
}

struct auth_dkim *auth_dkim_add(struct auth *a)
{
	return grow((void **)&a->dkim, &a->ndkim, sizeof(*a->dkim));
}

void auth_clear(struct auth *a)
{
	size_t i;

	for (i = 0; i < a->nspf; i++) {
		free(a->spf[i].ip);
		free(a->spf[i].domain);
		free(a->spf[i].detail);
	}
	free(a->spf);
	for (i = 0; i < a->ndkim; i++) {
		free(a->dkim[i].domain);
		free(a->dkim[i].selector);
		free(a->dkim[i].detail);
	}
	free(a->dkim);
	free(a->dmarc.from_domain);
	free(a->dmarc.org_domain);
	free(a->dmarc.record_domain);
	free(a->dmarc.policy);
	free(a->bulk_volume);
	memset(a, 0, sizeof(*a));
}

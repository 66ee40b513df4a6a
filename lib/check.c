/*
 * check - the registry of checks and the scan (see check.h).
 *
 * The registry is a constant array: adding a check is one line here and
 * one file check_<name>.c.  Order matters only for the order of findings
 * in reports, so format (what the receiver parses first) comes first.
 */
#include <string.h>
#include <time.h>

#include "check.h"

static const struct check_ops *const registry[] = {
	&check_format_ops,
	&check_size_ops,
};

const struct check_ops *const *check_registry(size_t *n_r)
{
	*n_r = sizeof(registry) / sizeof(registry[0]);
	return registry;
}

const struct finding_def *check_find_def(const char *id)
{
	size_t i;
	const struct finding_def *d;

	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		for (d = registry[i]->defs; d != NULL && d->id != NULL; d++)
			if (strcmp(d->id, id) == 0)
				return d;
	return NULL;
}

int check_scan(const struct msg *m, const struct config *cfg, time_t now,
    struct finding_list *out, const char **error_r)
{
	struct check_ctx ctx = {
		.msg = m, .cfg = cfg, .findings = out,
		.now = now ? now : time(NULL),
	};
	size_t i;

	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (registry[i]->run(&ctx, error_r) < 0)
			return -1;
	return 0;
}

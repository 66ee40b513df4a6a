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
#include "dns.h"
#include "mime.h"

static const struct check_ops *const registry[] = {
	&check_format_ops,
	&check_size_ops,
	&check_mime_ops,
	&check_attach_ops,
	&check_html_ops,
	&check_url_ops,
	&check_text_ops,
	&check_rules_ops,
	&check_spf_ops,
	&check_dkim_ops,
	&check_dmarc_ops,	/* sets auth.bulk and auth.dmarc for the roll-up */
	&check_auth_ops,
};

struct msg *check_msg_new(const struct config *cfg)
{
	struct msg *m = msg_new(cfg->max_header_bytes);

	if (m != NULL && (config_check_enabled(cfg, "dkim") ||
	    config_check_enabled(cfg, "mime") || config_check_enabled(cfg, "attach") ||
	    config_check_enabled(cfg, "html") || config_check_enabled(cfg, "url") ||
	    config_check_enabled(cfg, "text") || config_check_enabled(cfg, "rules")))
		m->body_keep = cfg->max_body_bytes;
	if (m != NULL)
		m->body_spool.memory_max = cfg->spool_memory;
	return m;
}

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

int check_scan_env(const struct msg *m, const struct config *cfg,
    const struct check_env *env, time_t now, struct finding_list *out,
    const char **error_r)
{
	static const struct check_env no_env = { .dns = NULL };
	struct check_ctx ctx = {
		.msg = m, .cfg = cfg, .env = env ? env : &no_env, .findings = out,
		.now = now ? now : time(NULL),
	};
	size_t i;
	int rc = 0;

	ctx.auth.deadline_ms = dns_now_ms() + (uint64_t)cfg->dns_timeout * 1000;
	for (i = 0; i < sizeof(registry) / sizeof(registry[0]) && rc == 0; i++)
		if (config_check_enabled(cfg, registry[i]->name))
			rc = registry[i]->run(&ctx, error_r);
	auth_clear(&ctx.auth);
	mime_free(&ctx.mime);
	return rc;
}

struct mime_tree *check_mime_tree(struct check_ctx *ctx, const char **error_r)
{
	struct mime_limits lim = {
		.max_parts = ctx->cfg->max_mime_parts,
		.max_depth = ctx->cfg->max_mime_depth,
		.max_decoded = ctx->cfg->max_decoded_bytes,
	};

	if (ctx->mime == NULL && mime_parse(ctx->msg, &lim, &ctx->mime, error_r) < 0)
		return NULL;
	return ctx->mime;
}

int check_scan(const struct msg *m, const struct config *cfg, time_t now,
    struct finding_list *out, const char **error_r)
{
	return check_scan_env(m, cfg, NULL, now, out, error_r);
}

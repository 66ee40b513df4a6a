/*
 * check - the registry of checks and the scan (see check.h).
 *
 * The registry is a constant array: adding a check is one line here and
 * one file check_<name>.c.  Order matters only for the order of findings
 * in reports, so format (what the receiver parses first) comes first.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "dns.h"
#include "html.h"
#include "learn.h"
#include "metrics.h"
#include "mime.h"
#include "url.h"

static const struct check_ops *const registry[] = {
	&check_format_ops,
	&check_size_ops,
	&check_mime_ops,
	&check_attach_ops,
	&check_html_ops,
	&check_url_ops,
	&check_text_ops,
	&check_rules_ops,
	&check_rate_ops,	/* before dmarc and auth: volume can make mail bulk */
	&check_spf_ops,
	&check_dkim_ops,
	&check_dmarc_ops,	/* sets auth.bulk and auth.dmarc for the roll-up */
	&check_auth_ops,
	&check_rep_ops,
	&check_rcpt_ops,
};

struct msg *check_msg_new(const struct config *cfg)
{
	struct msg *m = msg_new(cfg->max_header_bytes);

	if (m != NULL && (config_check_enabled(cfg, "dkim") ||
	    config_check_enabled(cfg, "mime") || config_check_enabled(cfg, "attach") ||
	    config_check_enabled(cfg, "html") || config_check_enabled(cfg, "url") ||
	    config_check_enabled(cfg, "text") || config_check_enabled(cfg, "rules") ||
	    config_check_enabled(cfg, "rep")))
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

/* Text of one part, read once per scan; the HTML scan of it likewise. */
struct check_part {
	bool text_done;
	struct buf text;
	bool html_done;
	struct html_info html;
};

/* The most any check reads of one part: check_text's 1 MiB, or the HTML
 * limit plus one byte to tell a longer part. */
#define CHECK_PART_TEXT_MIN ((uint64_t)1 << 20)

/* check_parts_free - release the per-part cache of a scan */
static void check_parts_free(struct check_ctx *ctx)
{
	size_t i;

	for (i = 0; ctx->parts != NULL && i < ctx->mime->nparts; i++) {
		buf_free(&ctx->parts[i].text);
		if (ctx->parts[i].html_done)
			html_info_free(&ctx->parts[i].html);
	}
	free(ctx->parts);
	ctx->parts = NULL;
}

/* check_part - the cache slot of part i (the tree is parsed by then) */
static struct check_part *check_part(struct check_ctx *ctx, size_t i, const char **error_r)
{
	if (ctx->parts == NULL &&
	    (ctx->parts = calloc(ctx->mime->nparts ? ctx->mime->nparts : 1,
	    sizeof(*ctx->parts))) == NULL) {
		*error_r = "out of memory";
		return NULL;
	}
	return &ctx->parts[i];
}

/* html_max - MaxHtmlBytes (never 0 from a config file; 4 MiB for a
 * hand-built config) */
static uint64_t html_max(const struct config *cfg)
{
	return cfg->max_html_bytes ? cfg->max_html_bytes : (uint64_t)4 << 20;
}

int check_part_text(struct check_ctx *ctx, size_t i, uint64_t max,
    const char **text_r, size_t *len_r, bool *more_r, const char **error_r)
{
	uint64_t cap = html_max(ctx->cfg) + 1;
	struct check_part *p;

	if (check_mime_tree(ctx, error_r) == NULL || (p = check_part(ctx, i, error_r)) == NULL)
		return -1;
	if (!p->text_done) {
		if (cap < CHECK_PART_TEXT_MIN)
			cap = CHECK_PART_TEXT_MIN;
		if (mime_text(ctx->mime, i, cap, &p->text, NULL, error_r) < 0)
			return -1;
		p->text_done = true;
	}
	*text_r = buf_cstr(&p->text);
	*len_r = p->text.len < max ? p->text.len : (size_t)max;
	/* callers ask for less than cap, so a longer cached text means more */
	if (more_r != NULL)
		*more_r = p->text.len > max;
	return 0;
}

int check_part_html(struct check_ctx *ctx, size_t i, const struct html_info **h_r,
    const char **error_r)
{
	uint64_t max = html_max(ctx->cfg);
	struct check_part *p;
	const char *text;
	size_t len;

	if (check_part_text(ctx, i, max, &text, &len, NULL, error_r) < 0)
		return -1;
	p = &ctx->parts[i];
	if (!p->html_done) {
		if (html_scan(text, len, (size_t)max, &p->html, error_r) < 0) {
			html_info_free(&p->html);
			return -1;
		}
		p->html_done = true;
	}
	*h_r = &p->html;
	return 0;
}

/* is_content - the checks that read the body; MaxScanTime bounds them.
 * The header and authentication checks are cheap or have their own DNS
 * budget, and a verdict without them would miss certain rejections. */
static bool is_content(const struct check_ops *ops)
{
	static const char *const content[] = {
		"mime", "attach", "html", "url", "text", "rules", NULL
	};
	size_t i;

	for (i = 0; content[i] != NULL; i++)
		if (strcmp(ops->name, content[i]) == 0)
			return true;
	return false;
}

bool check_expired(struct check_ctx *ctx, const char *where)
{
	if (ctx->expired_in != NULL)
		return true;
	if (dns_now_ms() < ctx->scan_deadline_ms)
		return false;
	ctx->expired_in = where;
	return true;
}

/* report_expired - the content the scan did not inspect is a finding: a
 * receiver may still refuse what Preflight could not see */
static int report_expired(struct check_ctx *ctx, const char **error_r)
{
	const struct finding_def *def = check_find_def("mime-limit");

	if (def != NULL && finding_add(ctx->findings, def, "MaxScanTime (%us) ran out in the %s "
	    "check: the rest of the content was not inspected", ctx->cfg->max_scan_time,
	    ctx->expired_in) == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	return 0;
}

/* check_run - run registry[i], timed only when metrics are on */
static int check_run(struct check_ctx *ctx, size_t i, const char **error_r)
{
	struct metrics *mx = ctx->env->metrics;
	uint64_t t0;
	int rc;

	if (mx == NULL)
		return registry[i]->run(ctx, error_r);
	t0 = metrics_now_ns();
	rc = registry[i]->run(ctx, error_r);
	metrics_check_time(mx, i, metrics_now_ns() - t0);
	return rc;
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
	size_t i, first = out->n;
	int rc;

	ctx.auth.deadline_ms = dns_now_ms() + (uint64_t)cfg->dns_timeout * 1000;
	ctx.scan_deadline_ms = dns_now_ms() + (uint64_t)cfg->max_scan_time * 1000;
	rc = check_dest_resolve(&ctx, error_r);
	for (i = 0; i < sizeof(registry) / sizeof(registry[0]) && rc == 0; i++) {
		if (!config_check_enabled(cfg, registry[i]->name))
			continue;
		if (is_content(registry[i]) && check_expired(&ctx, registry[i]->name))
			continue;
		rc = check_run(&ctx, i, error_r);
	}
	if (rc == 0 && ctx.expired_in != NULL)
		rc = report_expired(&ctx, error_r);
	if (rc == 0)
		rc = check_dest_predict(&ctx, first, error_r);
	if (rc == 0)
		rc = learn_apply(&ctx, first, error_r);
	check_dest_free(&ctx);
	auth_clear(&ctx.auth);
	check_parts_free(&ctx);
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

int check_part_urls(struct check_ctx *ctx, size_t i, uint64_t max, struct url_list *l,
    const char **error_r)
{
	const struct mime_part *p = &ctx->mime->parts[i];
	const struct html_info *h;
	bool html = strcmp(p->type, "text/html") == 0;
	const char *text;
	size_t k, len;
	int rc = 0;

	if (p->multipart || p->message || p->attachment ||
	    (!html && strcmp(p->type, "text/plain") != 0))
		return 0;
	if (!html) {
		if (check_part_text(ctx, i, max, &text, &len, NULL, error_r) < 0)
			return -1;
		return url_extract(text, len, l, error_r);
	}
	/* the same scan check_html made of this part */
	if (check_part_html(ctx, i, &h, error_r) < 0)
		return -1;
	for (k = 0; k < h->nlinks && rc == 0; k++)
		rc = url_list_add(l, h->links[k].href, strlen(h->links[k].href), error_r);
	return rc;
}

int check_scan(const struct msg *m, const struct config *cfg, time_t now,
    struct finding_list *out, const char **error_r)
{
	return check_scan_env(m, cfg, NULL, now, out, error_r);
}

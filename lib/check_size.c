/*
 * check_size - message size per destination, Gmail's header limits, and
 * the envelope recipient count.
 *
 * The wire size is compared with the limit of every recipient: a matching
 * SizeLimit line, else the SizeLimit of the recipient's provider profile
 * (check_dest.c), else DefaultSizeLimit.  Recipients are grouped by the
 * line and profile they matched, so one finding names each destination
 * once and predicts the reply of each provider that is actually exceeded:
 * Gmail's with the real numbers, the others' from their profiles.  Header limits are
 * Gmail's (support.google.com/a/answer/14016360); they apply whatever the
 * recipient domain, since any domain may be hosted by Google Workspace.
 * Every loop is bounded by the message's own counts; nothing here
 * allocates per body byte.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "check.h"
#include "profile.h"

#define KIB ((uint64_t)1024)
#define MIB (KIB * KIB)

/* Gmail message header limits (providers.md §3.3) */
#define GMAIL_HEADER_TOTAL (500 * KIB)
#define GMAIL_HEADER_COUNT ((uint64_t)5000)
#define GMAIL_HEADER_VALUE (32 * KIB)
#define GMAIL_MESSAGE_ID_LEN 500

/* recipient domains named per group in the summary before "and others" */
#define GROUP_DOMAINS 3
/* header names are hostile input: shown shortened and sanitised */
#define NAME_SHOWN 64

static const char oom[] = "out of memory";

static const struct finding_reply gmail_header_total[] = {
	{ "gmail", "552-5.3.4 Your message exceeded Google's message header size limits" },
	{ NULL, NULL }
};

static const struct finding_reply recipients_replies[] = {
	{ "gmail", "452 4.5.3 Your message has too many recipients" },
	{ "gmail", "550 5.5.3 Too many recipients for this sender" },
	{ NULL, NULL }
};

enum {
	DEF_OVER_LIMIT, DEF_HEADER_TOTAL, DEF_HEADER_VALUE, DEF_HEADER_COUNT,
	DEF_MESSAGE_ID, DEF_RECIPIENTS
};

static const struct finding_def size_defs[] = {
	[DEF_OVER_LIMIT] = { "size-over-limit", CAT_SIZE, 10, true,
		"message larger than a destination's size limit",
		"Send large files as links (file sharing) instead of attachments, or split them "
		"over several messages. Limits apply to the encoded message: base64 adds about "
		"33-37%, so a 25 MB limit leaves about 18 MB of attachments.", NULL },
	[DEF_HEADER_TOTAL] = { "size-header-total", CAT_SIZE, 10, true,
		"header section larger than Gmail's 500 KB",
		"Shrink the headers: drop custom or repeated trace headers that the sending "
		"application adds, and keep message content out of the Subject.",
		gmail_header_total },
	[DEF_HEADER_VALUE] = { "size-header-value", CAT_SIZE, 10, true,
		"one header value larger than Gmail's 32 KB (To, Cc, References exempt)",
		"Shorten that header; content belongs in the body, not in a header such as "
		"Subject or a custom X- header.", NULL },
	[DEF_HEADER_COUNT] = { "size-header-count", CAT_SIZE, 10, true,
		"more than Gmail's 5,000 headers",
		"Stop the sending application from adding a header per item; put the data "
		"in the body or an attachment.", gmail_header_total },
	[DEF_MESSAGE_ID] = { "size-message-id-length", CAT_SIZE, 10, true,
		"Message-ID longer than Gmail's 500 characters",
		"Generate a short Message-ID: a unique token, '@', and the sending domain.",
		gmail_header_total },
	[DEF_RECIPIENTS] = { "size-too-many-recipients", CAT_SIZE, 3, false,
		"more envelope recipients than MaxRecipients",
		"Split the envelope into several messages, or send through a list manager.",
		recipients_replies },
	{ NULL, 0, 0, false, NULL, NULL, NULL }
};

/* One destination in the size summary: the recipients that matched the
 * same SizeLimit line (NULL: none) and profile, whose limit is exceeded. */
struct size_group {
	const struct config_size_limit *entry;
	const struct profile *profile;	/* NULL: no profiles loaded */
	uint64_t limit;
	const char *provider;
	const char *domains[GROUP_DOMAINS];	/* point into msg->rcpts */
	size_t ndomains;
	bool more_domains;
	size_t nrcpts;
};

struct size_groups {
	struct size_group *v;
	size_t n;
};

/* put_size - append a size as people read it: "25 MiB", "27.1 MiB" */
static int put_size(struct buf *b, uint64_t bytes)
{
	if (bytes >= MIB && bytes % MIB == 0)
		return buf_printf(b, "%" PRIu64 " MiB", bytes / MIB);
	if (bytes >= MIB)
		return buf_printf(b, "%.1f MiB", (double)bytes / MIB);
	if (bytes >= KIB && bytes % KIB == 0)
		return buf_printf(b, "%" PRIu64 " KiB", bytes / KIB);
	if (bytes >= KIB)
		return buf_printf(b, "%.1f KiB", (double)bytes / KIB);
	return buf_printf(b, "%" PRIu64 " bytes", bytes);
}

/* lower_domain - the recipient's domain in lowercase, as the config keeps it */
static int lower_domain(struct buf *b, const char *domain)
{
	size_t i;

	buf_truncate(b, 0);
	if (buf_puts(b, domain) < 0)
		return -1;
	for (i = 0; i < b->len; i++)
		if (b->data[i] >= 'A' && b->data[i] <= 'Z')
			b->data[i] = (char)(b->data[i] - 'A' + 'a');
	return 0;
}

/* group_add - count one over-limit recipient in the group of its line
 * and profile */
static int group_add(struct size_groups *gs, const struct config_size_limit *entry,
    const struct profile *p, uint64_t limit, const char *domain)
{
	struct size_group *g = NULL;
	size_t i;

	for (i = 0; i < gs->n; i++)
		if (gs->v[i].entry == entry && gs->v[i].profile == p)
			g = &gs->v[i];
	if (g == NULL) {
		struct size_group *v = realloc(gs->v, (gs->n + 1) * sizeof(*v));

		if (v == NULL)
			return -1;
		gs->v = v;
		g = &gs->v[gs->n++];
		memset(g, 0, sizeof(*g));
		g->entry = entry;
		g->profile = p;
		g->limit = limit;
		g->provider = p != NULL ? p->name : "generic";
	}
	g->nrcpts++;
	for (i = 0; i < g->ndomains; i++)
		if (strcasecmp(g->domains[i], domain) == 0)
			return 0;
	if (g->ndomains < GROUP_DOMAINS)
		g->domains[g->ndomains++] = domain;
	else
		g->more_domains = true;
	return 0;
}

/* put_group - "gmail.com (25 MiB, gmail) for 2 recipients" */
static int put_group(struct buf *b, const struct size_group *g, bool first)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < g->ndomains; i++) {
		const char *d = g->domains[i][0] != '\0' ? g->domains[i] : "(no domain)";

		rc |= buf_printf(b, "%s%s", i > 0 ? ", " : "", d);
	}
	if (g->ndomains == 0)
		rc |= buf_puts(b, "any destination");
	if (g->more_domains)
		rc |= buf_puts(b, " and other domains");
	rc |= buf_puts(b, " (");
	rc |= put_size(b, g->limit);
	rc |= buf_printf(b, ", %s)", g->provider);
	if (g->nrcpts > 0)
		rc |= buf_printf(b, " for %zu", g->nrcpts);
	if (g->nrcpts > 0 && first)
		rc |= buf_puts(b, g->nrcpts == 1 ? " recipient" : " recipients");
	return rc < 0 ? -1 : 0;
}

struct profile_put {
	struct finding *f;
	const char *provider;
	struct buf text;
	size_t n;
};

/* put_profile_reply - one reply of the profile that lists size-over-limit */
static int put_profile_reply(void *arg, const struct profile_reply *r)
{
	struct profile_put *pp = arg;

	buf_truncate(&pp->text, 0);
	if (profile_reply_format(r, &pp->text) < 0 ||
	    finding_predict(pp->f, pp->provider, "%s", buf_cstr(&pp->text)) < 0)
		return -1;
	pp->n++;
	return 0;
}

/* predict_size - the reply of one exceeded provider: Gmail's carries the
 * real numbers; the others' come from their profile (the replies that list
 * size-over-limit), else the RFC 3463 text */
static int predict_size(struct finding *f, const struct size_group *g, uint64_t wire)
{
	struct profile_put pp = { f, g->provider, BUF_INIT, 0 };
	int rc;

	if (strcmp(g->provider, "gmail") == 0)
		return finding_predict(f, g->provider, "552-5.3.4 The size of your message (%"
		    PRIu64 " bytes) exceeded Google's message size limits of %" PRIu64 " bytes",
		    wire, g->limit);
	rc = profile_replies_for(g->profile, size_defs[DEF_OVER_LIMIT].id, put_profile_reply,
	    &pp);
	buf_free(&pp.text);
	if (rc < 0 || pp.n > 0)
		return rc;
	return finding_predict(f, g->provider,
	    "552 5.3.4 Message size exceeds fixed maximum message size");
}

/* report_over_limit - one size-over-limit finding for all exceeded groups */
static int report_over_limit(struct check_ctx *ctx, const struct size_groups *gs,
    uint64_t wire, bool no_rcpts)
{
	struct buf b = BUF_INIT;
	struct finding *f;
	size_t i, j;
	int rc = 0;

	rc |= buf_puts(&b, "message is ");
	rc |= put_size(&b, wire);
	rc |= buf_printf(&b, " (%" PRIu64 " bytes) on the wire; over the limit of ", wire);
	for (i = 0; i < gs->n; i++) {
		if (i > 0)
			rc |= buf_puts(&b, ", ");
		rc |= put_group(&b, &gs->v[i], i == 0);
	}
	if (no_rcpts)
		rc |= buf_puts(&b, " (no envelope recipients given)");
	if (rc < 0 || (f = finding_add_bare(ctx->findings, &size_defs[DEF_OVER_LIMIT],
	    "%s", buf_cstr(&b))) == NULL) {
		buf_free(&b);
		return -1;
	}
	buf_free(&b);
	for (i = 0; i < gs->n; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(gs->v[j].provider, gs->v[i].provider) == 0)
				break;
		if (j == i && predict_size(f, &gs->v[i], wire) < 0)
			return -1;
	}
	return 0;
}

/* limit_of - recipient i's limit: its SizeLimit line, else its profile's,
 * else DefaultSizeLimit */
static uint64_t limit_of(const struct check_ctx *ctx, const char *domain,
    const struct profile *p, const struct config_size_limit **entry_r)
{
	uint64_t limit = config_size_limit_for(ctx->cfg, domain, entry_r);

	if (*entry_r == NULL && p != NULL && p->size_limit > 0)
		return p->size_limit;
	return limit;
}

/* check_wire_size - the wire size against each recipient's limit; with no
 * recipients at all (a CLI check without --rcpt), against DefaultSizeLimit */
static int check_wire_size(struct check_ctx *ctx)
{
	const struct msg *m = ctx->msg;
	uint64_t wire = msg_wire_size(m), limit;
	struct size_groups gs = { NULL, 0 };
	struct buf dom = BUF_INIT;
	const struct config_size_limit *entry;
	const struct profile *p;
	size_t i;
	int rc = 0;

	for (i = 0; i < m->nrcpts && rc == 0; i++) {
		const char *d = msg_rcpt_domain(m->rcpts[i]);

		if (lower_domain(&dom, d) < 0) {
			rc = -1;
			break;
		}
		if (config_skip_domain(ctx->cfg, buf_cstr(&dom)))
			continue;
		p = ctx->rcpt_profile != NULL ? ctx->rcpt_profile[i] : NULL;
		limit = limit_of(ctx, buf_cstr(&dom), p, &entry);
		if (wire > limit)
			rc = group_add(&gs, entry, p, limit, d);
	}
	if (rc == 0 && m->nrcpts == 0 && wire > ctx->cfg->default_size_limit) {
		static const struct size_group any = { .provider = "generic" };

		if ((gs.v = malloc(sizeof(*gs.v))) == NULL)
			rc = -1;
		else {
			gs.v[0] = any;
			gs.v[0].limit = ctx->cfg->default_size_limit;
			gs.v[0].profile = profile_generic(ctx->cfg->profiles);
			gs.n = 1;
		}
	}
	if (rc == 0 && gs.n > 0)
		rc = report_over_limit(ctx, &gs, wire, m->nrcpts == 0);
	buf_free(&dom);
	free(gs.v);
	return rc;
}

/* shown_name - a header name fit for a summary: printable ASCII, bounded */
static void shown_name(char *out, size_t outsz, const struct msg_header *h)
{
	size_t i;

	if (h->name[0] == '\0') {
		snprintf(out, outsz, "(malformed line)");
		return;
	}
	for (i = 0; h->name[i] != '\0' && i + 1 < outsz; i++) {
		unsigned char c = (unsigned char)h->name[i];

		out[i] = c > 32 && c < 127 ? (char)c : '?';
	}
	out[i] = '\0';
}

/* exempt_from_value_limit - Gmail counts these only toward the total */
static bool exempt_from_value_limit(const char *name)
{
	return strcasecmp(name, "To") == 0 || strcasecmp(name, "Cc") == 0 ||
	    strcasecmp(name, "References") == 0;
}

/* check_header_values - the largest header value over 32 KB */
static int check_header_values(struct check_ctx *ctx)
{
	const struct msg *m = ctx->msg;
	const struct msg_header *worst = NULL;
	size_t i, over = 0, worst_len = 0;
	char name[NAME_SHOWN + 1];
	struct finding *f;

	for (i = 0; i < m->nhdrs; i++) {
		size_t len = strlen(m->hdrs[i].value);

		if (len <= GMAIL_HEADER_VALUE || exempt_from_value_limit(m->hdrs[i].name))
			continue;
		over++;
		if (len > worst_len) {
			worst = &m->hdrs[i];
			worst_len = len;
		}
	}
	if (worst == NULL)
		return 0;
	shown_name(name, sizeof(name), worst);
	f = finding_add_bare(ctx->findings, &size_defs[DEF_HEADER_VALUE],
	    "%s header value is %zu bytes, over Gmail's %" PRIu64 "-byte limit per header "
	    "(%zu header%s over)", name, worst_len, GMAIL_HEADER_VALUE, over,
	    over == 1 ? "" : "s");
	if (f == NULL)
		return -1;
	return finding_predict(f, "gmail", "552-5.3.4 The size of the %s header value "
	    "(%zu bytes) exceeds Google's limit of %" PRIu64 " bytes per individual header size",
	    name, worst_len, GMAIL_HEADER_VALUE);
}

/* message_id_len - characters of a Message-ID value, surrounding blanks excluded */
static size_t message_id_len(const struct msg_header *h)
{
	size_t len = strlen(h->unfolded);

	while (len > 0 && (h->unfolded[len - 1] == ' ' || h->unfolded[len - 1] == '\t'))
		len--;
	return len;
}

/* check_headers - Gmail's total, count, per-value and Message-ID limits */
static int check_headers(struct check_ctx *ctx)
{
	const struct msg *m = ctx->msg;
	uint64_t count = (uint64_t)m->nhdrs + m->headers_dropped;
	size_t i, n, longest = 0;

	if (m->header_bytes > GMAIL_HEADER_TOTAL &&
	    finding_add(ctx->findings, &size_defs[DEF_HEADER_TOTAL],
	    "headers take %" PRIu64 " bytes, over Gmail's limit of %" PRIu64 " bytes (500 KB)",
	    m->header_bytes, GMAIL_HEADER_TOTAL) == NULL)
		return -1;
	if (count > GMAIL_HEADER_COUNT &&
	    finding_add(ctx->findings, &size_defs[DEF_HEADER_COUNT],
	    "%" PRIu64 " headers, over Gmail's limit of %" PRIu64, count, GMAIL_HEADER_COUNT) == NULL)
		return -1;
	if (check_header_values(ctx) < 0)
		return -1;
	n = msg_header_count(m, "Message-ID");
	for (i = 0; i < n; i++) {
		const struct msg_header *h = msg_header_get(m, "Message-ID", i);

		if (h != NULL && message_id_len(h) > longest)
			longest = message_id_len(h);
	}
	if (longest > GMAIL_MESSAGE_ID_LEN &&
	    finding_add(ctx->findings, &size_defs[DEF_MESSAGE_ID],
	    "Message-ID is %zu characters, over Gmail's limit of %d", longest,
	    GMAIL_MESSAGE_ID_LEN) == NULL)
		return -1;
	return 0;
}

/* check_recipients - more envelope recipients than MaxRecipients (0 = off) */
static int check_recipients(struct check_ctx *ctx)
{
	unsigned max = ctx->cfg->max_recipients;

	if (max == 0 || ctx->msg->nrcpts <= max)
		return 0;
	if (finding_add(ctx->findings, &size_defs[DEF_RECIPIENTS],
	    "%zu envelope recipients, more than MaxRecipients %u", ctx->msg->nrcpts, max) == NULL)
		return -1;
	return 0;
}

/* size_run - the size check's entry point */
static int size_run(struct check_ctx *ctx, const char **error_r)
{
	if (check_wire_size(ctx) < 0 || check_headers(ctx) < 0 || check_recipients(ctx) < 0) {
		*error_r = oom;
		return -1;
	}
	return 0;
}

const struct check_ops check_size_ops = {
	.name = "size",
	.defs = size_defs,
	.run = size_run,
};

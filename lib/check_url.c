/*
 * check_url - the URLs a message links to: shorteners, IP literals, how
 * many registrable domains, and whether any is the From domain's.
 *
 * URLs come from the inline text/plain parts (url_extract) and from the
 * href of links in the inline text/html parts (check_part_html: the same
 * scan check_html made, parsed once per message).  Each text is cut at
 * MaxHtmlBytes.  Findings are per message, with the first example and its
 * part index as evidence.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "check.h"
#include "dmarc.h"
#include "html.h"
#include "mime.h"
#include "url.h"

static const char oom[] = "out of memory";

#define DEFAULT_MAX_TEXT ((uint64_t)4 << 20)
#define MANY_DOMAINS 10		/* more distinct registrable domains than this */
#define DOMAINS_MAX 1000	/* distinct domains remembered */
#define LIST_SHOW 5		/* domains named in a summary */

enum { F_SHORTENER, F_IP, F_MANY, F_UNRELATED, F_COUNT };

static const struct finding_reply r_none[] = { { NULL, NULL } };

#define DEF(ix, id, score, title, remedy) \
	[ix] = { id, CAT_URL, score, false, title, remedy, r_none }

static const struct finding_def url_defs[] = {
	DEF(F_SHORTENER, "url-shortener", 2, "links through a public URL shortener",
	    "Link to the real destination; shorteners hide it and are widely abused."),
	DEF(F_IP, "url-ip-literal", 3, "links to a bare IP address",
	    "Link to a host name in your own domain, not to an IP address."),
	DEF(F_MANY, "url-many-domains", 1, "links to many different domains",
	    "Link to fewer domains, ideally your own."),
	DEF(F_UNRELATED, "url-unrelated-domains", 1, "no link is in the From domain",
	    "Link through your own domain, the one in From:, so the links match the sender."),
	{ NULL, 0, 0, false, NULL, NULL, NULL },
};

struct example {
	unsigned n;
	unsigned part;
	char *url;		/* the first, owned */
};

struct url_state {
	char from_reg[URL_HOST_MAX + 1];	/* "" when From has no domain */
	bool from_linked;
	struct example shortener, ip;
	char **domains;		/* distinct registrable domains */
	size_t ndomains;
	size_t ndomains_seen;
};

static int note(struct example *e, unsigned part, const struct url *u)
{
	if (e->n++ == 0) {
		e->part = part;
		if ((e->url = strdup(u->text)) == NULL)
			return -1;
	}
	return 0;
}

static int add_domain(struct url_state *st, const char *d)
{
	char **v;
	size_t i;

	for (i = 0; i < st->ndomains; i++)
		if (strcmp(st->domains[i], d) == 0)
			return 0;
	if (st->ndomains_seen++ >= DOMAINS_MAX)
		return 0;
	if ((v = realloc(st->domains, (st->ndomains + 1) * sizeof(*v))) == NULL)
		return -1;
	st->domains = v;
	if ((v[st->ndomains] = strdup(d)) == NULL)
		return -1;
	st->ndomains++;
	return 0;
}

/* tally - account for the URLs of one part */
static int tally(struct url_state *st, unsigned part, const struct url_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct url *u = &l->v[i];
		const char *d = u->reg[0] != '\0' ? u->reg : u->host;

		if (u->kind != URL_HOST_NAME && note(&st->ip, part, u) < 0)
			return -1;
		if (u->kind == URL_HOST_NAME && url_is_shortener(u->host) &&
		    note(&st->shortener, part, u) < 0)
			return -1;
		if (u->kind != URL_HOST_NAME)
			continue;	/* an address is not a domain */
		if (st->from_reg[0] != '\0' && strcmp(d, st->from_reg) == 0)
			st->from_linked = true;
		if (add_domain(st, d) < 0)
			return -1;
	}
	return 0;
}

/* from_reg - the registrable domain of the first From mailbox */
static int from_reg(const struct msg *m, char *out, size_t outsz)
{
	const struct msg_header *hd = msg_header_get(m, "From", 0);
	struct addr_list l = ADDR_LIST_INIT;
	const char *err;

	out[0] = '\0';
	if (hd == NULL)
		return 0;
	if (addr_parse_list(hd->unfolded, &l, &err) < 0)
		return -1;
	if (l.n > 0 && l.v[0].domain != NULL && !url_host_reg(l.v[0].domain, out, outsz))
		out[0] = '\0';
	addr_list_free(&l);
	return 0;
}

/* domain_list - the first LIST_SHOW domains, comma-separated */
static const char *domain_list(const struct url_state *st, struct buf *b)
{
	size_t i;

	for (i = 0; i < st->ndomains && i < LIST_SHOW; i++)
		if (buf_printf(b, "%s%s", i > 0 ? ", " : "", st->domains[i]) < 0)
			return "";
	if (st->ndomains > LIST_SHOW && buf_puts(b, ", ...") < 0)
		return "";
	return buf_cstr(b);
}

#define ADD(ix, ...) do {						\
	if (finding_add(ctx->findings, &url_defs[ix], __VA_ARGS__) == NULL) \
		goto nomem;						\
} while (0)

static int report(struct check_ctx *ctx, const struct url_state *st)
{
	struct buf b = BUF_INIT;

	if (st->shortener.n > 0)
		ADD(F_SHORTENER, "%u shortened link(s), the first %s in part %u", st->shortener.n,
		    st->shortener.url, st->shortener.part);
	if (st->ip.n > 0)
		ADD(F_IP, "%u link(s) to an IP address, the first %s in part %u", st->ip.n,
		    st->ip.url, st->ip.part);
	if (st->ndomains > MANY_DOMAINS)
		ADD(F_MANY, "%zu distinct link domains: %s", st->ndomains_seen,
		    domain_list(st, &b));
	buf_truncate(&b, 0);
	if (st->ndomains > 0 && st->from_reg[0] != '\0' && !st->from_linked)
		ADD(F_UNRELATED, "none of the %zu link domain(s) (%s) is the From domain %s",
		    st->ndomains_seen, domain_list(st, &b), st->from_reg);
	buf_free(&b);
	return 0;
nomem:
	buf_free(&b);
	return -1;
}

static void state_free(struct url_state *st)
{
	size_t i;

	for (i = 0; i < st->ndomains; i++)
		free(st->domains[i]);
	free(st->domains);
	free(st->shortener.url);
	free(st->ip.url);
}

static int url_run(struct check_ctx *ctx, const char **error_r)
{
	struct mime_tree *t = check_mime_tree(ctx, error_r);
	uint64_t max = ctx->cfg->max_html_bytes ? ctx->cfg->max_html_bytes : DEFAULT_MAX_TEXT;
	struct url_state st;
	struct url_list l = URL_LIST_INIT;
	size_t i;
	int rc = 0;

	if (t == NULL)
		return -1;
	*error_r = NULL;
	memset(&st, 0, sizeof(st));
	if (from_reg(ctx->msg, st.from_reg, sizeof(st.from_reg)) < 0)
		rc = -1;
	for (i = 0; i < t->nparts && rc == 0 && !check_expired(ctx, "url"); i++) {
		rc = check_part_urls(ctx, i, max, &l, error_r);
		if (rc == 0 && tally(&st, t->parts[i].index, &l) < 0)
			rc = -1;
		url_list_free(&l);
	}
	if (rc == 0)
		rc = report(ctx, &st);
	if (rc < 0 && *error_r == NULL)
		*error_r = oom;
	state_free(&st);
	return rc;
}

const struct check_ops check_url_ops = { "url", url_defs, url_run };

/*
 * explain_out - explained items as JSON and as text, and the summary of
 * many (preflight explain --log FILE --summary).
 *
 * The summary groups items by reason, provider and recipient domain and
 * ranks the groups by harm: the reason's weight (explain_reason.c: 5 for
 * what hurts every message to a provider, such as blocklists, bad
 * reputation and failed authentication; 1 for what concerns one mailbox,
 * such as a full one) times the count, a temporary rejection counting
 * half since the same delivery is logged again at every retry.
 */
#include <stdlib.h>
#include <string.h>

#include "explain_impl.h"

/* json_strs - a NULL-terminated list as a JSON array */
static int json_strs(struct buf *out, char *const *v)
{
	size_t i;

	if (buf_putc(out, '[') < 0)
		return -1;
	for (i = 0; v != NULL && v[i] != NULL; i++)
		if ((i > 0 && buf_puts(out, ", ") < 0) || buf_json_str(out, v[i]) < 0)
			return -1;
	return buf_putc(out, ']');
}

/* json_opt - a string, or null when empty */
static int json_opt(struct buf *out, const char *s)
{
	return s == NULL || *s == '\0' ? buf_puts(out, "null") : buf_json_str(out, s);
}

/* explain_item_json - one item as a JSON object */
int explain_item_json(const struct explain_item *it, struct buf *out)
{
	int rc = 0;

	rc |= buf_puts(out, "{\"provider\": ");
	rc |= buf_json_str(out, it->provider);
	rc |= it->reply_code > 0 ? buf_printf(out, ", \"reply_code\": %d", it->reply_code) :
	    buf_puts(out, ", \"reply_code\": null");
	rc |= buf_puts(out, ", \"status\": ");
	rc |= json_opt(out, it->status);
	rc |= buf_puts(out, ", \"reason\": ");
	rc |= buf_json_str(out, it->reason);
	rc |= buf_puts(out, ", \"cause\": ");
	rc |= buf_json_str(out, it->cause);
	rc |= buf_puts(out, ", \"remedy\": ");
	rc |= buf_json_str(out, it->remedy);
	rc |= buf_puts(out, ", \"caught_by\": ");
	rc |= json_strs(out, it->caught_by);
	rc |= buf_puts(out, ", \"findings\": ");
	rc |= json_strs(out, it->findings);
	rc |= buf_puts(out, ", \"doc\": ");
	rc |= json_opt(out, it->doc);
	rc |= buf_puts(out, ", \"recipient\": ");
	rc |= json_opt(out, it->recipient);
	rc |= buf_puts(out, ", \"remote_host\": ");
	rc |= json_opt(out, it->remote_host);
	rc |= buf_puts(out, ", \"text\": ");
	rc |= json_opt(out, it->text);
	rc |= buf_puts(out, ", \"command\": ");
	rc |= json_opt(out, it->command);
	rc |= buf_puts(out, ", \"blocklist\": ");
	if (it->bl_name != NULL) {
		rc |= buf_puts(out, "{\"name\": ");
		rc |= buf_json_str(out, it->bl_name);
		rc |= buf_puts(out, ", \"item\": ");
		rc |= json_opt(out, it->bl_item);
		rc |= buf_printf(out, ", \"refused\": %s}", it->bl_refused ? "true" : "false");
	} else {
		rc |= buf_puts(out, "null");
	}
	rc |= buf_printf(out, ", \"temporary\": %s", it->temporary ? "true" : "false");
	if (it->when != NULL && *it->when != '\0') {
		rc |= buf_puts(out, ", \"when\": ");
		rc |= buf_json_str(out, it->when);
	}
	rc |= buf_putc(out, '}');
	return rc < 0 ? -1 : 0;
}

/* explain_list_json - one object, or an array of them */
int explain_list_json(const struct explain_list *l, struct buf *out)
{
	size_t i;

	if (l->n == 1)
		return explain_item_json(&l->v[0], out);
	if (buf_putc(out, '[') < 0)
		return -1;
	for (i = 0; i < l->n; i++)
		if ((i > 0 && buf_puts(out, ", ") < 0) || explain_item_json(&l->v[i], out) < 0)
			return -1;
	return buf_putc(out, ']');
}

/* explain_item_text - the item for people */
int explain_item_text(const struct explain_item *it, struct buf *out)
{
	size_t i;
	int rc = 0;

	if (it->recipient[0] != '\0')
		rc |= buf_printf(out, "recipient:  %s\n", it->recipient);
	if (it->when[0] != '\0')
		rc |= buf_printf(out, "when:       %s\n", it->when);
	rc |= buf_printf(out, "provider:   %s%s%s%s\n", it->provider,
	    it->remote_host[0] ? " (remote host " : "", it->remote_host,
	    it->remote_host[0] ? ")" : "");
	if (it->reply_code > 0 || it->status[0] != '\0')
		rc |= buf_printf(out, "reply:      %.0d%s%s%s\n", it->reply_code,
		    it->reply_code > 0 && it->status[0] ? " " : "", it->status,
		    it->temporary ? " (temporary)" : "");
	rc |= buf_printf(out, "reason:     %s\n", it->reason);
	if (it->bl_name != NULL)
		rc |= buf_printf(out, "blocklist:  %s%s%s%s\n", it->bl_name,
		    !it->bl_item[0] ? "" : it->bl_refused ? ", queried " : ", listed ", it->bl_item,
		    it->bl_refused ? " (query refused, not a listing)" : "");
	rc |= buf_printf(out, "cause:      %s\n", it->cause);
	rc |= buf_printf(out, "remedy:     %s\n", it->remedy);
	rc |= buf_puts(out, "caught by:  ");
	for (i = 0; it->caught_by[i] != NULL; i++)
		rc |= buf_printf(out, "%s%s", i ? ", " : "", it->caught_by[i]);
	if (i == 0)
		rc |= buf_puts(out, "none: after-the-fact only");
	for (i = 0; it->findings != NULL && it->findings[i] != NULL; i++)
		rc |= buf_printf(out, "%s%s", i ? ", " : " (findings: ", it->findings[i]);
	rc |= buf_puts(out, i > 0 ? ")\n" : "\n");
	if (it->doc[0] != '\0')
		rc |= buf_printf(out, "doc:        %s\n", it->doc);
	if (it->text[0] != '\0')
		rc |= buf_printf(out, "reply text: %s\n", it->text);
	return rc < 0 ? -1 : 0;
}

/* One group of the summary; keys point into the items. */
struct group {
	const char *reason, *provider, *domain;
	size_t count, temporary;
	double harm;
};

struct groups {
	struct group *v;
	size_t n, cap;
};

/* domain_of - the recipient's domain, "" when unknown */
static const char *domain_of(const struct explain_item *it)
{
	const char *at = strrchr(it->recipient, '@');

	return at != NULL ? at + 1 : "";
}

/* same - two keys of a group are equal (NULL = not a key of this grouping) */
static bool same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* tally - add it to the group of the given keys (NULL = any) */
static int tally(struct groups *g, const char *reason, const char *provider,
    const char *domain, const struct explain_item *it)
{
	double w = explain_reason_info(it->reason)->harm;
	size_t i;

	for (i = 0; i < g->n; i++)
		if (same(g->v[i].reason, reason) && same(g->v[i].provider, provider) &&
		    same(g->v[i].domain, domain))
			break;
	if (i == g->n) {
		if (g->n == g->cap) {
			size_t ncap = g->cap ? g->cap * 2 : 16;
			struct group *nv = realloc(g->v, ncap * sizeof(*nv));

			if (nv == NULL)
				return -1;
			g->v = nv;
			g->cap = ncap;
		}
		g->v[g->n++] = (struct group){ reason, provider, domain, 0, 0, 0 };
	}
	g->v[i].count++;
	g->v[i].temporary += it->temporary;
	g->v[i].harm += it->temporary ? w / 2 : w;
	return 0;
}

/* by_harm - qsort order: most harmful first, then most frequent */
static int by_harm(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->harm != y->harm)
		return x->harm < y->harm ? 1 : -1;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

/* build - the four groupings: [0] all keys, [1] reason, [2] provider, [3] domain */
static int build(const struct explain_list *l, struct groups g[4])
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct explain_item *it = &l->v[i];
		const char *prov = it->provider, *dom = domain_of(it);

		if (tally(&g[0], it->reason, prov, dom, it) < 0 ||
		    tally(&g[1], it->reason, NULL, NULL, it) < 0 ||
		    tally(&g[2], NULL, prov, NULL, it) < 0 ||
		    tally(&g[3], NULL, NULL, dom, it) < 0)
			return -1;
	}
	for (i = 0; i < 4; i++)
		if (g[i].n > 0)
			qsort(g[i].v, g[i].n, sizeof(g[i].v[0]), by_harm);
	return 0;
}

/* period - the first and last timestamps of the items */
static void period(const struct explain_list *l, const char **first_r, const char **last_r)
{
	size_t i;

	*first_r = *last_r = "";
	for (i = 0; i < l->n; i++)
		if (l->v[i].when[0] != '\0') {
			if ((*first_r)[0] == '\0')
				*first_r = l->v[i].when;
			*last_r = l->v[i].when;
		}
}

static void groups_free(struct groups g[4])
{
	size_t i;

	for (i = 0; i < 4; i++)
		free(g[i].v);
}

/* explain_summary_text - the ranking for people */
int explain_summary_text(const struct explain_list *l, struct buf *out)
{
	static const char *const titles[] = { NULL, "By reason", "By provider",
		"By recipient domain" };
	struct groups g[4] = { { NULL, 0, 0 }, { NULL, 0, 0 }, { NULL, 0, 0 }, { NULL, 0, 0 } };
	const char *first, *last;
	size_t i, j, temp = 0;
	int rc = 0;

	if (build(l, g) < 0)
		return groups_free(g), -1;
	period(l, &first, &last);
	for (i = 0; i < l->n; i++)
		temp += l->v[i].temporary;
	rc |= buf_printf(out, "Period: %s .. %s\nRejections: %zu (%zu permanent, %zu temporary)\n\n"
	    "Most harmful first (harm = reason weight x count, temporary counts half):\n"
	    "  %6s %6s  %-15s %-10s %s\n", first[0] ? first : "?", last[0] ? last : "?", l->n,
	    l->n - temp, temp, "harm", "count", "reason", "provider", "recipient domain");
	for (i = 0; i < g[0].n; i++)
		rc |= buf_printf(out, "  %6.1f %6zu  %-15s %-10s %s\n", g[0].v[i].harm,
		    g[0].v[i].count, g[0].v[i].reason, g[0].v[i].provider,
		    g[0].v[i].domain[0] ? g[0].v[i].domain : "?");
	for (j = 1; j < 4; j++) {
		rc |= buf_printf(out, "\n%s:\n", titles[j]);
		for (i = 0; i < g[j].n; i++) {
			const struct group *x = &g[j].v[i];
			const char *key = j == 1 ? x->reason : j == 2 ? x->provider : x->domain;

			rc |= buf_printf(out, "  %6.1f %6zu  %s", x->harm, x->count,
			    key[0] ? key : "?");
			if (j == 1)
				rc |= buf_printf(out, ": %s", explain_reason_info(key)->remedy);
			rc |= buf_putc(out, '\n');
		}
	}
	groups_free(g);
	return rc < 0 ? -1 : 0;
}

/* group_json - one group object */
static int group_json(struct buf *out, const struct group *x)
{
	int rc = buf_putc(out, '{');

	if (x->reason != NULL) {
		rc |= buf_puts(out, "\"reason\": ");
		rc |= buf_json_str(out, x->reason);
		rc |= buf_puts(out, ", ");
	}
	if (x->provider != NULL) {
		rc |= buf_puts(out, "\"provider\": ");
		rc |= buf_json_str(out, x->provider);
		rc |= buf_puts(out, ", ");
	}
	if (x->domain != NULL) {
		rc |= buf_puts(out, "\"domain\": ");
		rc |= json_opt(out, x->domain);
		rc |= buf_puts(out, ", ");
	}
	rc |= buf_printf(out, "\"count\": %zu, \"temporary\": %zu, \"harm\": %.1f}", x->count,
	    x->temporary, x->harm);
	return rc < 0 ? -1 : 0;
}

/* explain_summary_json - the ranking as one JSON object */
int explain_summary_json(const struct explain_list *l, struct buf *out)
{
	static const char *const keys[] = { "groups", "by_reason", "by_provider", "by_domain" };
	struct groups g[4] = { { NULL, 0, 0 }, { NULL, 0, 0 }, { NULL, 0, 0 }, { NULL, 0, 0 } };
	const char *first, *last;
	size_t i, j, temp = 0;
	int rc = 0;

	if (build(l, g) < 0)
		return groups_free(g), -1;
	period(l, &first, &last);
	for (i = 0; i < l->n; i++)
		temp += l->v[i].temporary;
	rc |= buf_puts(out, "{\"period\": {\"first\": ");
	rc |= json_opt(out, first);
	rc |= buf_puts(out, ", \"last\": ");
	rc |= json_opt(out, last);
	rc |= buf_printf(out, "}, \"total\": %zu, \"temporary\": %zu", l->n, temp);
	for (j = 0; j < 4; j++) {
		rc |= buf_printf(out, ", \"%s\": [", keys[j]);
		for (i = 0; i < g[j].n; i++)
			rc |= (i > 0 ? buf_puts(out, ", ") : 0) | group_json(out, &g[j].v[i]);
		rc |= buf_putc(out, ']');
	}
	rc |= buf_putc(out, '}');
	groups_free(g);
	return rc < 0 ? -1 : 0;
}

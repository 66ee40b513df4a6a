/*
 * report - gather a period's figures from the held log and the state
 * (report.h); the renderers are report_out.c (text, JSON) and
 * report_html.c.
 *
 * Verdict counts come from the hourly tally (every message); findings,
 * senders and destinations from the rows (tagged, held, rejected: what
 * LogVerdicts keeps), each counted once per message; learned bounces from
 * the state's bounce:<recipient> values, counted per recipient by the
 * reason and provider of its last hard bounce, when learned in the window.
 * Names are counted in an open-addressing hash table per list.
 */
#define _GNU_SOURCE		/* memrchr */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "state.h"
#include "store.h"

#define REPORT_NAME_MAX 256	/* longer names are cut (on a UTF-8 boundary) */
#define REPORT_IDS_MAX 64	/* finding ids read per row */
#define REPORT_OTHER "(other)"

struct counter {
	struct report_item *slot;	/* cap slots, name NULL = free */
	size_t cap, n;
	uint64_t other, total;
	bool oom;
};

struct collect {
	struct report *rep;
	struct counter c[REPORT_NLISTS];
	time_t now;
};

static const char *const list_names[REPORT_NLISTS] = {
	"findings", "senders", "destinations", "bounce_reasons", "bounce_providers"
};

const char *report_list_name(enum report_list_id id)
{
	return (unsigned)id < REPORT_NLISTS ? list_names[id] : "unknown";
}

/* hash - FNV-1a */
static size_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return (size_t)h;
}

/* counter_grow - double the table (or make its first) */
static int counter_grow(struct counter *c)
{
	size_t cap = c->cap ? c->cap * 2 : 64, i, j;
	struct report_item *slot = calloc(cap, sizeof(*slot));

	if (slot == NULL)
		return -1;
	for (i = 0; i < c->cap; i++) {
		if (c->slot[i].name == NULL)
			continue;
		j = hash(c->slot[i].name, strlen(c->slot[i].name)) & (cap - 1);
		while (slot[j].name != NULL)
			j = (j + 1) & (cap - 1);
		slot[j] = c->slot[i];
	}
	free(c->slot);
	c->slot = slot;
	c->cap = cap;
	return 0;
}

/* counter_add - one more for the first n bytes of name (cut to
 * REPORT_NAME_MAX); past REPORT_DISTINCT_MAX names, new ones are "other" */
static void counter_add(struct counter *c, const char *name, size_t n)
{
	size_t i;
	char *d;

	if (n > REPORT_NAME_MAX) {
		n = REPORT_NAME_MAX;
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	}
	c->total++;
	if ((c->n + 1) * 2 > c->cap && c->n < REPORT_DISTINCT_MAX && counter_grow(c) < 0) {
		c->oom = true;
		return;
	}
	i = hash(name, n) & (c->cap - 1);
	for (; c->slot[i].name != NULL; i = (i + 1) & (c->cap - 1)) {
		if (strncmp(c->slot[i].name, name, n) == 0 && c->slot[i].name[n] == '\0') {
			c->slot[i].n++;
			return;
		}
	}
	if (c->n >= REPORT_DISTINCT_MAX) {
		c->other++;
		return;
	}
	if ((d = strndup(name, n)) == NULL) {
		c->oom = true;
		return;
	}
	c->slot[i].name = d;
	c->slot[i].n = 1;
	c->n++;
}

/* item_cmp - largest count first, then by name */
static int item_cmp(const void *a, const void *b)
{
	const struct report_item *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* counter_finish - the top entries of c into l; frees c */
static int counter_finish(struct counter *c, struct report_list *l, size_t top)
{
	size_t i, n = 0;
	int rc = c->oom ? -1 : 0;

	for (i = 0; i < c->cap; i++)
		if (c->slot[i].name != NULL)
			c->slot[n++] = c->slot[i];
	if (n > 1)
		qsort(c->slot, n, sizeof(*c->slot), item_cmp);
	l->total = c->total;
	l->distinct = n;
	l->v = calloc(top + 1, sizeof(*l->v));
	for (i = 0; i < n; i++) {
		if (l->v != NULL && i < top)
			l->v[l->n++] = c->slot[i];
		else
			free(c->slot[i].name);
	}
	if (l->v == NULL)
		rc = -1;
	else if (c->other > 0 && (l->v[l->n].name = strdup(REPORT_OTHER)) != NULL)
		l->v[l->n++].n = c->other;
	free(c->slot);
	memset(c, 0, sizeof(*c));
	return rc;
}

/* The ids of one row so far, to count each once per row. */
struct row_ids {
	struct counter *c;
	const char *seen[REPORT_IDS_MAX];
	size_t len[REPORT_IDS_MAX], n;
};

static int add_id(void *arg, const char *id, size_t n)
{
	struct row_ids *r = arg;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->len[i] == n && strncmp(r->seen[i], id, n) == 0)
			return 0;
	if (n > 0) {
		r->seen[r->n] = id;
		r->len[r->n++] = n;
		counter_add(r->c, id, n);
	}
	return r->n >= REPORT_IDS_MAX;	/* REPORT_IDS_MAX ids per row at most */
}

/* add_ids - each finding id of a row's findings JSON, once per row */
static void add_ids(struct counter *c, const char *json)
{
	struct row_ids r = { .c = c };

	(void)finding_json_ids(json, add_id, &r);
}

/* add_domains - the domain of each recipient, lowercase, once per row */
static void add_domains(struct counter *c, const char *rcpts)
{
	char seen[REPORT_IDS_MAX][REPORT_NAME_MAX + 1];
	size_t nseen = 0, i, n;
	const char *p = rcpts, *end, *at;

	while (p != NULL && *p != '\0' && nseen < REPORT_IDS_MAX) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		at = memrchr(p, '@', (size_t)(end - p));
		at = at != NULL ? at + 1 : p;
		n = (size_t)(end - at) > REPORT_NAME_MAX ? REPORT_NAME_MAX : (size_t)(end - at);
		for (i = 0; i < n; i++)
			seen[nseen][i] = (char)tolower((unsigned char)at[i]);
		seen[nseen][n] = '\0';
		while (n > 0 && seen[nseen][n - 1] == '>')
			seen[nseen][--n] = '\0';
		for (i = 0; i < nseen; i++)
			if (strcmp(seen[i], seen[nseen]) == 0)
				break;
		if (i == nseen && n > 0)
			counter_add(c, seen[nseen++], n);
		p = *end == ',' ? end + 1 : end;
	}
}

/* row_cb - one held-log row (newest first) */
static int row_cb(const struct store_record *r, void *arg)
{
	struct collect *co = arg;
	const char *from = r->mail_from != NULL && *r->mail_from != '\0' ? r->mail_from : "<>";

	if (r->time >= co->rep->until)
		return 0;
	if (co->rep->rows >= REPORT_ROWS_MAX) {
		co->rep->rows_cut = true;
		return 1;
	}
	co->rep->rows++;
	add_ids(&co->c[REPORT_FINDINGS], r->findings);
	counter_add(&co->c[REPORT_SENDERS], from, strlen(from));
	add_domains(&co->c[REPORT_DESTS], r->rcpts);
	return 0;
}

/* tally_cb - one hourly count into its bucket */
static int tally_cb(time_t hour, const char *verdict, uint64_t n, void *arg)
{
	struct report *rep = arg;
	enum verdict v;
	size_t b;

	if (verdict_parse(verdict, &v) < 0 || hour < rep->buckets[0].start)
		return 0;
	b = (size_t)((hour - rep->buckets[0].start) / rep->bucket_secs);
	if (b >= rep->nbuckets)
		return 0;
	rep->buckets[b].n[v] += n;
	rep->totals[v] += n;
	return 0;
}

/* bounce_cb - "reason status provider unix-time" of one recipient */
static int bounce_cb(const char *key, const char *value, void *arg)
{
	struct collect *co = arg;
	char reason[40], status[16], provider[40];
	long long t;

	(void)key;
	if (sscanf(value, "%39s %15s %39s %lld", reason, status, provider, &t) != 4 ||
	    t < (long long)co->rep->since || t >= (long long)co->rep->until)
		return 0;
	counter_add(&co->c[REPORT_BOUNCE_REASONS], reason, strlen(reason));
	counter_add(&co->c[REPORT_BOUNCE_PROVIDERS], provider, strlen(provider));
	return 0;
}

/* make_buckets - the time axis: hours up to REPORT_HOURLY_MAX, else days,
 * widened so there are at most REPORT_BUCKETS; aligned to UTC */
static int make_buckets(struct report *rep)
{
	int64_t span = (int64_t)rep->until - (int64_t)rep->since, first, n;
	int64_t w = span <= REPORT_HOURLY_MAX ? 3600 : 86400;
	size_t i;

	while ((span + w - 1) / w + 1 > REPORT_BUCKETS)
		w *= 2;
	first = (int64_t)rep->since - (((int64_t)rep->since % w) + w) % w;
	n = ((int64_t)rep->until - 1 - first) / w + 1;
	if (n < 1)
		n = 1;
	rep->bucket_secs = (unsigned)w;
	rep->nbuckets = (size_t)n;
	rep->buckets = calloc(rep->nbuckets, sizeof(*rep->buckets));
	if (rep->buckets == NULL)
		return -1;
	for (i = 0; i < rep->nbuckets; i++)
		rep->buckets[i].start = (time_t)(first + (int64_t)i * w);
	return 0;
}

int report_collect(struct report *rep, struct store *st, struct state *state,
    time_t since, time_t until, size_t top, time_t now, const char **error_r)
{
	struct collect co = { .rep = rep, .now = now };
	int rc = 0, i;

	memset(rep, 0, sizeof(*rep));
	rep->until = until > 0 ? until : now + 1;
	rep->since = since < rep->until ? since : rep->until - 1;
	top = top < 1 ? 1 : top > REPORT_TOP_MAX ? REPORT_TOP_MAX : top;
	if (make_buckets(rep) < 0)
		return *error_r = "out of memory", -1;
	/* The tally is hourly: a bound inside an hour takes the whole hour. */
	if (store_tally_list(st, rep->buckets[0].start, rep->until, tally_cb, rep, error_r) < 0 ||
	    store_list(st, NULL, rep->since, row_cb, &co, error_r) < 0)
		rc = -1;
	/* A state that cannot be read costs the bounce lists, not the report */
	if (rc == 0 && state != NULL) {
		rep->have_bounces = state_scan(state, "bounce:", now, bounce_cb, &co,
		    &rep->bounce_error) == 0;
	}
	for (i = 0; i < REPORT_NLISTS; i++)
		if (counter_finish(&co.c[i], &rep->lists[i], top) < 0 && rc == 0)
			rc = -1, *error_r = "out of memory";
	return rc;
}

void report_free(struct report *rep)
{
	size_t i, j;

	free(rep->buckets);
	for (i = 0; i < REPORT_NLISTS; i++) {
		for (j = 0; j < rep->lists[i].n; j++)
			free(rep->lists[i].v[j].name);
		free(rep->lists[i].v);
	}
	memset(rep, 0, sizeof(*rep));
}

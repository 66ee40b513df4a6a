/*
 * report_out - the text and JSON renderers of a report (report.h).
 *
 * Text: aligned tables, count first so names need no column width;
 * control characters in names become '?' so a sender cannot drive the
 * terminal.  Times are UTC, the buckets' own alignment.  Only buckets
 * with mail are listed in text; JSON has every bucket.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static const char *const list_titles[REPORT_NLISTS] = {
	"Top findings (messages)", "Top senders (messages)",
	"Top destination domains (messages)", "Learned bounces by reason (recipients)",
	"Learned bounces by provider (recipients)"
};

/* utc - "YYYY-MM-DD HH:MM" of t, UTC */
static void utc(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, outsz, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, outsz, "%lld", (long long)t);
}

/* put_safe - s with control characters as '?' */
static int put_safe(struct buf *out, const char *s)
{
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;

		rc = buf_putc(out, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	return rc;
}

/* text_verdicts - the totals, then one line per bucket with mail */
static int text_verdicts(const struct report *rep, struct buf *out)
{
	uint64_t total = 0, sum;
	char when[32];
	size_t i, v, shown = 0;
	int rc = 0;

	rc |= buf_puts(out, "Verdicts\n");
	for (v = 0; v < VERDICT_COUNT; v++) {
		rc |= buf_printf(out, "  %-10s %10" PRIu64 "\n", verdict_name((enum verdict)v),
		    rep->totals[v]);
		total += rep->totals[v];
	}
	rc |= buf_printf(out, "  %-10s %10" PRIu64 "\n\n", "total", total);
	rc |= buf_printf(out, "Verdicts over time (UTC, %s)\n",
	    rep->bucket_secs == 3600 ? "hourly" : rep->bucket_secs == 86400 ? "daily" : "buckets");
	rc |= buf_printf(out, "  %-16s %8s %8s %8s %8s %8s\n", "START", "ACCEPT", "TAG", "HOLD",
	    "REJECT", "TEMPFAIL");
	for (i = 0; i < rep->nbuckets; i++) {
		for (v = 0, sum = 0; v < VERDICT_COUNT; v++)
			sum += rep->buckets[i].n[v];
		if (sum == 0)
			continue;
		utc(rep->buckets[i].start, when, sizeof(when));
		rc |= buf_printf(out, "  %-16s", when);
		for (v = 0; v < VERDICT_COUNT; v++)
			rc |= buf_printf(out, " %8" PRIu64, rep->buckets[i].n[v]);
		rc |= buf_putc(out, '\n');
		shown++;
	}
	if (shown == 0)
		rc |= buf_puts(out, "  (no messages counted)\n");
	return rc;
}

/* text_list - one ranked list */
static int text_list(const struct report_list *l, const char *title, struct buf *out)
{
	size_t i;
	int rc = 0;

	rc |= buf_printf(out, "\n%s: %" PRIu64 " in all, %zu distinct\n", title, l->total,
	    l->distinct);
	if (l->n == 0)
		return rc | buf_puts(out, "  (none)\n");
	rc |= buf_printf(out, "  %10s  %s\n", "COUNT", "NAME");
	for (i = 0; i < l->n; i++) {
		rc |= buf_printf(out, "  %10" PRIu64 "  ", l->v[i].n);
		rc |= put_safe(out, l->v[i].name);
		rc |= buf_putc(out, '\n');
	}
	return rc;
}

int report_text(const struct report *rep, struct buf *out)
{
	char a[32], b[32];
	int rc = 0, i;

	utc(rep->since, a, sizeof(a));
	utc(rep->until, b, sizeof(b));
	rc |= buf_printf(out, "Preflight report, %s to %s UTC\n", a, b);
	rc |= buf_printf(out, "Held-log rows (tagged, held, rejected): %" PRIu64 "%s\n\n", rep->rows,
	    rep->rows_cut ? " (cut: too many rows)" : "");
	rc |= text_verdicts(rep, out);
	for (i = 0; i < REPORT_NLISTS; i++) {
		if (i >= REPORT_BOUNCE_REASONS && !rep->have_bounces) {
			rc |= buf_printf(out, "\n%s: no state (StateBackend none)\n", list_titles[i]);
			continue;
		}
		rc |= text_list(&rep->lists[i], list_titles[i], out);
	}
	return rc < 0 ? -1 : 0;
}

/* json_list - {"total":N,"distinct":N,"top":[{"name":S,"count":N}...]} */
static int json_list(const struct report_list *l, struct buf *out)
{
	size_t i;
	int rc = 0;

	rc |= buf_printf(out, "{\"total\":%" PRIu64 ",\"distinct\":%zu,\"top\":[", l->total,
	    l->distinct);
	for (i = 0; i < l->n; i++) {
		rc |= buf_puts(out, i > 0 ? ",{\"name\":" : "{\"name\":");
		rc |= buf_json_str(out, l->v[i].name);
		rc |= buf_printf(out, ",\"count\":%" PRIu64 "}", l->v[i].n);
	}
	return rc | buf_puts(out, "]}");
}

/* json_counts - "accept":N,... of one bucket or the totals */
static int json_counts(const uint64_t *n, struct buf *out)
{
	size_t v;
	int rc = 0;

	for (v = 0; v < VERDICT_COUNT; v++)
		rc |= buf_printf(out, "%s\"%s\":%" PRIu64, v > 0 ? "," : "",
		    verdict_name((enum verdict)v), n[v]);
	return rc;
}

int report_json(const struct report *rep, struct buf *out)
{
	uint64_t total = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i < VERDICT_COUNT; i++)
		total += rep->totals[i];
	rc |= buf_printf(out, "{\"since\":%lld,\"until\":%lld,\"bucket_seconds\":%u,\"totals\":{",
	    (long long)rep->since, (long long)rep->until, rep->bucket_secs);
	rc |= json_counts(rep->totals, out);
	rc |= buf_printf(out, ",\"total\":%" PRIu64 "},\"buckets\":[", total);
	for (i = 0; i < rep->nbuckets; i++) {
		rc |= buf_printf(out, "%s{\"start\":%lld,", i > 0 ? "," : "",
		    (long long)rep->buckets[i].start);
		rc |= json_counts(rep->buckets[i].n, out);
		rc |= buf_putc(out, '}');
	}
	rc |= buf_printf(out, "],\"held_rows\":%" PRIu64 ",\"rows_cut\":%s", rep->rows,
	    rep->rows_cut ? "true" : "false");
	for (i = 0; i < REPORT_NLISTS; i++) {
		rc |= buf_printf(out, ",\"%s\":", report_list_name((enum report_list_id)i));
		if (i >= REPORT_BOUNCE_REASONS && !rep->have_bounces)
			rc |= buf_puts(out, "null");
		else
			rc |= json_list(&rep->lists[i], out);
	}
	rc |= buf_puts(out, "}\n");
	return rc < 0 ? -1 : 0;
}

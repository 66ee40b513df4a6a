/*
 * report_html - a report as one self-contained HTML page (report.h).
 *
 * No script, no external stylesheet, font or image: the charts are
 * inline SVG, and a Content-Security-Policy of default-src 'none' (inline
 * style only) makes a browser refuse any fetch a future edit might add.
 * Every chart is an <svg role="img"> with a <title> and aria-label, one
 * <rect class="bar"> per drawn value (with its own <title>), and a
 * fallback table after it.  Every name from the data (senders, findings,
 * domains, bounce reasons: attacker-controlled) goes through
 * report_html_escape, in text and in attributes alike.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

#define PLOT_W 720.0
#define PLOT_H 180.0
#define LEFT 60.0
#define TOP 20.0
#define LABEL_MAX 48	/* bytes of a name shown beside its bar */

static const char *const colours[VERDICT_COUNT] = {
	"#4caf50", "#e0b000", "#ff8c00", "#d32f2f", "#9e9e9e"
};

static const char *const list_titles[REPORT_NLISTS] = {
	"Top findings", "Top senders", "Top destination domains",
	"Learned bounces by reason", "Learned bounces by provider"
};

static const char style[] =
	"body{font-family:sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
	"td.n{text-align:right}svg{display:block;margin:.5em 0}"
	"svg text{font-size:11px;fill:#222}.note{color:#666}";

int report_html_escape(struct buf *out, const char *s)
{
	int rc = 0;

	for (; s != NULL && *s != '\0' && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '&': rc = buf_puts(out, "&amp;"); break;
		case '<': rc = buf_puts(out, "&lt;"); break;
		case '>': rc = buf_puts(out, "&gt;"); break;
		case '"': rc = buf_puts(out, "&quot;"); break;
		case '\'': rc = buf_puts(out, "&#39;"); break;
		default:
			rc = c < 0x20 || c == 0x7f ? buf_puts(out, "\xef\xbf\xbd")
			    : buf_putc(out, (char)c);
		}
	}
	return rc;
}

/* escape_cut - as report_html_escape, at most LABEL_MAX bytes (UTF-8
 * boundary), with an ellipsis when cut */
static int escape_cut(struct buf *out, const char *s)
{
	char tmp[LABEL_MAX + 4];
	size_t n = strlen(s);

	if (n <= LABEL_MAX)
		return report_html_escape(out, s);
	n = LABEL_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(tmp, s, n);
	memcpy(tmp + n, "\xe2\x80\xa6", 4);
	return report_html_escape(out, tmp);
}

/* utc - "YYYY-MM-DD HH:MM" of t, UTC */
static void utc(time_t t, char *out, size_t outsz)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, outsz, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, outsz, "%lld", (long long)t);
}

/* svg_open - the element, its title and label (title is static text) */
static int svg_open(struct buf *out, const char *id, const char *title, double w, double h)
{
	return buf_printf(out, "<svg id=\"chart-%s\" class=\"chart\" role=\"img\""
	    " aria-label=\"%s\" width=\"%.0f\""
	    " height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\"><title>%s</title>\n",
	    id, title, w, h, w, h, title);
}

/* bucket_sum - the messages of one bucket */
static uint64_t bucket_sum(const struct report_bucket *b)
{
	uint64_t s = 0;
	size_t v;

	for (v = 0; v < VERDICT_COUNT; v++)
		s += b->n[v];
	return s;
}

/* verdict_bars - the stacked bars of one bucket, bottom up */
static int verdict_bars(struct buf *out, const struct report_bucket *b, double x, double bw,
    double max)
{
	double y = TOP + PLOT_H, h;
	char when[32];
	size_t v;
	int rc = 0;

	utc(b->start, when, sizeof(when));
	for (v = 0; v < VERDICT_COUNT; v++) {
		if (b->n[v] == 0)
			continue;
		h = (double)b->n[v] * PLOT_H / max;
		y -= h;
		rc |= buf_printf(out, "<rect class=\"bar\" data-verdict=\"%s\" x=\"%.1f\" y=\"%.1f\""
		    " width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %" PRIu64
		    "</title></rect>\n", verdict_name((enum verdict)v), x, y, bw, h, colours[v],
		    when, verdict_name((enum verdict)v), b->n[v]);
	}
	return rc;
}

/* verdict_chart - the stacked bar chart of verdicts over time, with its
 * legend and fallback table (buckets with mail only) */
static int verdict_chart(const struct report *rep, struct buf *out)
{
	double max = 1, bw = PLOT_W / (double)rep->nbuckets, w = LEFT + PLOT_W + 10;
	char when[32];
	size_t i, v;
	int rc = 0;

	for (i = 0; i < rep->nbuckets; i++)
		if ((double)bucket_sum(&rep->buckets[i]) > max)
			max = (double)bucket_sum(&rep->buckets[i]);
	rc |= buf_puts(out, "<h2>Verdicts over time</h2>\n");
	rc |= svg_open(out, "verdicts", "Verdicts over time, stacked per bucket", w,
	    TOP + PLOT_H + 50);
	rc |= buf_printf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#888\"/>"
	    "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%.0f</text>"
	    "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">0</text>\n", LEFT, TOP + PLOT_H,
	    LEFT + PLOT_W, TOP + PLOT_H, LEFT - 4, TOP + 4, max, LEFT - 4, TOP + PLOT_H);
	for (i = 0; i < rep->nbuckets; i++)
		rc |= verdict_bars(out, &rep->buckets[i], LEFT + (double)i * bw + bw * 0.1,
		    bw * 0.8, max);
	utc(rep->buckets[0].start, when, sizeof(when));
	rc |= buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\">%s</text>", LEFT, TOP + PLOT_H + 14, when);
	utc(rep->buckets[rep->nbuckets - 1].start, when, sizeof(when));
	rc |= buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%s</text>\n",
	    LEFT + PLOT_W, TOP + PLOT_H + 14, when);
	for (v = 0; v < VERDICT_COUNT; v++)
		rc |= buf_printf(out, "<rect class=\"key\" x=\"%.0f\" y=\"%.0f\" width=\"10\""
		    " height=\"10\" fill=\"%s\"/><text x=\"%.0f\" y=\"%.0f\">%s</text>\n",
		    LEFT + (double)v * 90, TOP + PLOT_H + 26, colours[v], LEFT + (double)v * 90 + 14,
		    TOP + PLOT_H + 35, verdict_name((enum verdict)v));
	rc |= buf_puts(out, "</svg>\n<details><summary>Table</summary><table id=\"table-verdicts\">"
	    "<tr><th>start (UTC)</th>");
	for (v = 0; v < VERDICT_COUNT; v++)
		rc |= buf_printf(out, "<th>%s</th>", verdict_name((enum verdict)v));
	rc |= buf_puts(out, "</tr>\n");
	for (i = 0; i < rep->nbuckets; i++) {
		if (bucket_sum(&rep->buckets[i]) == 0)
			continue;
		utc(rep->buckets[i].start, when, sizeof(when));
		rc |= buf_printf(out, "<tr><td>%s</td>", when);
		for (v = 0; v < VERDICT_COUNT; v++)
			rc |= buf_printf(out, "<td class=\"n\">%" PRIu64 "</td>",
			    rep->buckets[i].n[v]);
		rc |= buf_puts(out, "</tr>\n");
	}
	return rc | buf_puts(out, "</table></details>\n");
}

/* list_chart - a horizontal bar chart of one ranked list, and its table */
static int list_chart(const struct report_list *l, const char *id, const char *title,
    struct buf *out)
{
	double max = l->n > 0 && l->v[0].n > 0 ? (double)l->v[0].n : 1, y;
	size_t i;
	int rc = 0;

	rc |= buf_printf(out, "<h2>%s</h2>\n<p class=\"note\">%" PRIu64 " in all, %zu distinct</p>\n",
	    title, l->total, l->distinct);
	rc |= svg_open(out, id, title, 760, 20 + 20 * (double)(l->n > 0 ? l->n : 1));
	if (l->n == 0)
		rc |= buf_puts(out, "<text x=\"10\" y=\"24\">none</text>\n");
	for (i = 0; i < l->n; i++) {
		y = 10 + 20 * (double)i;
		rc |= buf_printf(out, "<text x=\"330\" y=\"%.0f\" text-anchor=\"end\">", y + 13);
		rc |= escape_cut(out, l->v[i].name);
		rc |= buf_printf(out, "</text><rect class=\"bar\" x=\"340\" y=\"%.0f\" width=\"%.1f\""
		    " height=\"16\" fill=\"#4a78b5\"><title>", y, 1 + (double)l->v[i].n * 340 / max);
		rc |= report_html_escape(out, l->v[i].name);
		rc |= buf_printf(out, ": %" PRIu64 "</title></rect><text x=\"%.1f\" y=\"%.0f\">%"
		    PRIu64 "</text>\n", l->v[i].n, 345 + (double)l->v[i].n * 340 / max, y + 13,
		    l->v[i].n);
	}
	rc |= buf_printf(out, "</svg>\n<details><summary>Table</summary><table id=\"table-%s\">"
	    "<tr><th>name</th><th>count</th></tr>\n", id);
	for (i = 0; i < l->n; i++) {
		rc |= buf_puts(out, "<tr><td>");
		rc |= report_html_escape(out, l->v[i].name);
		rc |= buf_printf(out, "</td><td class=\"n\">%" PRIu64 "</td></tr>\n", l->v[i].n);
	}
	return rc | buf_puts(out, "</table></details>\n");
}

int report_html(const struct report *rep, struct buf *out)
{
	char a[32], b[32];
	uint64_t total = 0;
	size_t i;
	int rc = 0;

	for (i = 0; i < VERDICT_COUNT; i++)
		total += rep->totals[i];
	utc(rep->since, a, sizeof(a));
	utc(rep->until, b, sizeof(b));
	rc |= buf_printf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
	    " style-src 'unsafe-inline'\">\n<title>Preflight report</title>\n"
	    "<style>%s</style></head>\n<body>\n<h1>Preflight report</h1>\n"
	    "<p>%s to %s UTC: %" PRIu64 " messages checked, %" PRIu64
	    " held-log rows (tagged, held, rejected)%s.</p>\n", style, a, b, total, rep->rows,
	    rep->rows_cut ? ", cut" : "");
	rc |= verdict_chart(rep, out);
	for (i = 0; i < REPORT_NLISTS; i++) {
		if (i >= REPORT_BOUNCE_REASONS && !rep->have_bounces) {
			rc |= buf_printf(out, "<h2>%s</h2>\n<p class=\"note\">no state"
			    " (StateBackend none)</p>\n", list_titles[i]);
			continue;
		}
		rc |= list_chart(&rep->lists[i], report_list_name((enum report_list_id)i),
		    list_titles[i], out);
	}
	rc |= buf_puts(out, "</body></html>\n");
	return rc < 0 ? -1 : 0;
}

/*
 * mload_stats - counters and latencies of milterload (see mload.h).
 *
 * Each worker owns one struct mload_stats and appends to it without
 * locking; main merges them after joining the workers and prints the
 * report.  Latencies are kept one per completed message (microseconds in
 * a uint32_t: 4 bytes a message, 4000 s maximum), so the percentiles are
 * exact rather than bucketed.  Percentiles use the nearest-rank method
 * (p99 of 100 values is the 99th smallest).
 *
 * The last line of the report is machine-readable and has a fixed key
 * set, always in the same order:
 *   RESULT msgs= secs= msgs_per_s= mb_per_s= p50_ms= p90_ms= p99_ms=
 *          max_ms= mean_ms= accept= continue= reject= tempfail= discard=
 *          quarantine= addheader= chgheader= insheader= errors= timeouts=
 * Verdict counts there are summed over stages; errors are connect + io +
 * protocol errors, timeouts are counted apart.  MB means 10^6 bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#include "mload.h"

static const char *const stage_names[MLOAD_S_N] = {
	"connect", "helo", "mail", "rcpt", "data", "header", "eoh", "body",
	"eom",
};

static const char *const verdict_names[MLOAD_V_N] = {
	"accept", "continue", "reject", "tempfail", "discard",
};

static const char *const action_names[MLOAD_A_N] = {
	"addheader", "insheader", "chgheader", "quarantine", "replbody",
	"addrcpt", "addrcpt_par", "delrcpt", "chgfrom", "progress",
	"setsymlist",
	"replycode", "skip",
};

static const char *const error_names[MLOAD_E_N] = {
	"connect", "io", "protocol", "timeout",
};

static const struct mload_modif modifs[] = {
	{ SMFIR_ADDHEADER, MLOAD_A_ADDHEADER, SMFIF_ADDHDRS, 1, 0 },
	/* libmilter's smfi_insheader() needs ADDHDRS, not CHGHDRS */
	{ SMFIR_INSHEADER, MLOAD_A_INSHEADER, SMFIF_ADDHDRS, 1, 1 },
	{ SMFIR_CHGHEADER, MLOAD_A_CHGHEADER, SMFIF_CHGHDRS, 1, 1 },
	{ SMFIR_QUARANTINE, MLOAD_A_QUARANTINE, SMFIF_QUARANTINE, 0, 0 },
	{ SMFIR_REPLBODY, MLOAD_A_REPLBODY, SMFIF_CHGBODY, 0, 0 },
	{ SMFIR_ADDRCPT, MLOAD_A_ADDRCPT, SMFIF_ADDRCPT, 0, 0 },
	{ SMFIR_ADDRCPT_PAR, MLOAD_A_ADDRCPT_PAR, SMFIF_ADDRCPT_PAR, 0, 0 },
	{ SMFIR_DELRCPT, MLOAD_A_DELRCPT, SMFIF_DELRCPT, 0, 0 },
	{ SMFIR_CHGFROM, MLOAD_A_CHGFROM, SMFIF_CHGFROM, 0, 0 },
};

/* mload_modif_of - the modification reply `cmd` is, or NULL */
const struct mload_modif *mload_modif_of(int cmd)
{
	size_t i;

	for (i = 0; i < sizeof(modifs) / sizeof(modifs[0]); i++)
		if (modifs[i].cmd == cmd)
			return &modifs[i];
	return NULL;
}

/* mload_verdict_of - the final verdict a reply means, or -1 */
int mload_verdict_of(int cmd, const void *data, size_t len)
{
	const char *d = data;

	switch (cmd) {
	case SMFIR_ACCEPT:
		return MLOAD_V_ACCEPT;
	case SMFIR_REJECT:
		return MLOAD_V_REJECT;
	case SMFIR_TEMPFAIL:
	case SMFIR_CONN_FAIL:	/* the MTA answers 4xx and drops the client */
	case SMFIR_SHUTDOWN:
		return MLOAD_V_TEMPFAIL;
	case SMFIR_DISCARD:
		return MLOAD_V_DISCARD;
	case SMFIR_REPLYCODE:	/* "4xx ..." or "5xx ..." */
		if (len < 4 || (d[0] != '4' && d[0] != '5'))
			return -1;
		return d[0] == '4' ? MLOAD_V_TEMPFAIL : MLOAD_V_REJECT;
	}
	return -1;
}

/* mload_show - -v: one line on stderr, written with one call */
void mload_show(const char *qid, const char *file, const char *what,
		const void *data, size_t len, int hdr)
{
	const unsigned char *d = data;
	char line[1024];
	size_t n, i;
	int r, seen_nul = 0;

	r = snprintf(line, sizeof(line) - 8, "milterload: %s %s %s%s", qid,
		     file, what, len > 0 ? " " : "");
	n = r < 0 ? 0 : (size_t)r < sizeof(line) - 8 ? (size_t)r :
						       sizeof(line) - 9;
	/* 8 spare bytes: the longest escape (4), the newline and the NUL */
	for (i = 0; i < len && n < sizeof(line) - 8; i++) {
		if (d[i] == 0 && i + 1 == len)
			break;
		if (d[i] == 0) {
			if (hdr && !seen_nul)
				line[n++] = ':';
			line[n++] = ' ';
			seen_nul = 1;
		} else if (d[i] < 0x20 || d[i] == 0x7f) {
			n += (size_t)snprintf(line + n, 5, "\\x%02x", d[i]);
		} else {
			line[n++] = (char)d[i];
		}
	}
	line[n++] = '\n';
	line[n] = 0;
	fputs(line, stderr);
}

/* mload_show_modif - -v: one modification reply */
void mload_show_modif(const char *qid, const char *file,
		      const struct mload_modif *m, const void *data,
		      size_t len)
{
	const unsigned char *d = data;
	char what[48];
	uint32_t idx;

	if (m->action == MLOAD_A_REPLBODY) {
		snprintf(what, sizeof(what), "replbody %zu bytes", len);
		mload_show(qid, file, what, NULL, 0, 0);
	} else if (m->index && len >= 4) {
		idx = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
		      (uint32_t)d[2] << 8 | d[3];
		snprintf(what, sizeof(what), "%s [%u]",
			 action_names[m->action], idx);
		mload_show(qid, file, what, d + 4, len - 4, m->hdr);
	} else {
		mload_show(qid, file, action_names[m->action], d, len, m->hdr);
	}
}

/* mload_stage_name - "connect" .. "eom" */
const char *mload_stage_name(enum mload_stage s)
{
	return s < MLOAD_S_N ? stage_names[s] : "?";
}

/* mload_verdict_name - "accept" .. "discard" */
const char *mload_verdict_name(enum mload_verdict v)
{
	return v < MLOAD_V_N ? verdict_names[v] : "?";
}

/* mload_action_name - "addheader" .. "skip" */
const char *mload_action_name(enum mload_action a)
{
	return a < MLOAD_A_N ? action_names[a] : "?";
}

/* mload_now_us - monotonic clock in microseconds */
uint64_t mload_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* lat_reserve - room for n more latencies */
static int lat_reserve(struct mload_stats *st, size_t n)
{
	size_t cap;
	uint32_t *p;

	if (st->nlat + n <= st->caplat)
		return 0;
	cap = st->caplat ? st->caplat : 1024;
	while (cap < st->nlat + n)
		cap *= 2;
	p = realloc(st->lat_us, cap * sizeof(*p));
	if (p == NULL)
		return -1;
	st->lat_us = p;
	st->caplat = cap;
	return 0;
}

/* mload_stats_latency - record one completed message; -1 on ENOMEM */
int mload_stats_latency(struct mload_stats *st, uint64_t us, size_t bytes)
{
	st->msgs++;
	st->bytes += bytes;
	if (lat_reserve(st, 1) < 0)
		return -1;
	st->lat_us[st->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	return 0;
}

/* mload_stats_merge - add src's counters and latencies to dst */
int mload_stats_merge(struct mload_stats *dst, const struct mload_stats *src)
{
	size_t i, j;

	for (i = 0; i < MLOAD_V_N; i++)
		for (j = 0; j < MLOAD_S_N; j++)
			dst->verdict[i][j] += src->verdict[i][j];
	for (i = 0; i < MLOAD_A_N; i++)
		dst->action[i] += src->action[i];
	for (i = 0; i < MLOAD_E_N; i++)
		dst->error[i] += src->error[i];
	dst->msgs += src->msgs;
	dst->bytes += src->bytes;
	if (src->nlat == 0)
		return 0;
	if (lat_reserve(dst, src->nlat) < 0)
		return -1;
	memcpy(dst->lat_us + dst->nlat, src->lat_us,
	       src->nlat * sizeof(*src->lat_us));
	dst->nlat += src->nlat;
	return 0;
}

/* mload_stats_free - release the latency array */
void mload_stats_free(struct mload_stats *st)
{
	free(st->lat_us);
	st->lat_us = NULL;
	st->nlat = st->caplat = 0;
}

/* mload_stats_failures - errors plus timeouts (for the exit status) */
uint64_t mload_stats_failures(const struct mload_stats *st)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < MLOAD_E_N; i++)
		n += st->error[i];
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* percentile_ms - nearest rank over the sorted array */
static double percentile_ms(const struct mload_stats *st, double p)
{
	size_t rank;

	if (st->nlat == 0)
		return 0.0;
	rank = (size_t)(p / 100.0 * (double)st->nlat + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > st->nlat)
		rank = st->nlat;
	return st->lat_us[rank - 1] / 1000.0;
}

struct summary {
	double secs, msgs_s, mb_s, mean, p50, p90, p99, max;
	uint64_t verdict[MLOAD_V_N];
	uint64_t errors;
};

/* summarise - sort the latencies and compute what both outputs print */
static void summarise(struct mload_stats *st, double secs, struct summary *s)
{
	uint64_t sum = 0;
	size_t i, j;

	memset(s, 0, sizeof(*s));
	s->secs = secs;
	if (secs > 0) {
		s->msgs_s = (double)st->msgs / secs;
		s->mb_s = (double)st->bytes / 1e6 / secs;
	}
	if (st->nlat > 0)	/* qsort(NULL, 0, ...) is undefined */
		qsort(st->lat_us, st->nlat, sizeof(*st->lat_us), cmp_u32);
	for (i = 0; i < st->nlat; i++)
		sum += st->lat_us[i];
	if (st->nlat > 0) {
		s->mean = (double)sum / (double)st->nlat / 1000.0;
		s->max = st->lat_us[st->nlat - 1] / 1000.0;
	}
	s->p50 = percentile_ms(st, 50);
	s->p90 = percentile_ms(st, 90);
	s->p99 = percentile_ms(st, 99);
	for (i = 0; i < MLOAD_V_N; i++)
		for (j = 0; j < MLOAD_S_N; j++)
			s->verdict[i] += st->verdict[i][j];
	s->errors = st->error[MLOAD_E_CONNECT] + st->error[MLOAD_E_IO] +
		    st->error[MLOAD_E_PROTOCOL];
}

/* print_counts - "verdicts  accept@eom=20 ..." and "actions  ..." */
static void print_counts(const struct mload_stats *st, FILE *fp)
{
	size_t i, j;
	int any = 0;

	fputs("verdicts     ", fp);
	for (i = 0; i < MLOAD_V_N; i++)
		for (j = 0; j < MLOAD_S_N; j++)
			if (st->verdict[i][j] > 0) {
				fprintf(fp, " %s@%s=%llu", verdict_names[i],
					stage_names[j],
					(unsigned long long)st->verdict[i][j]);
				any = 1;
			}
	fputs(any ? "\n" : " none\n", fp);
	any = 0;
	fputs("actions      ", fp);
	for (i = 0; i < MLOAD_A_N; i++)
		if (st->action[i] > 0) {
			fprintf(fp, " %s=%llu", action_names[i],
				(unsigned long long)st->action[i]);
			any = 1;
		}
	fputs(any ? "\n" : " none\n", fp);
	fputs("errors       ", fp);
	for (i = 0; i < MLOAD_E_N; i++)
		fprintf(fp, " %s=%llu", error_names[i],
			(unsigned long long)st->error[i]);
	fputc('\n', fp);
}

/* print_result - the machine-readable last line */
static void print_result(const struct mload_stats *st,
			 const struct summary *s, FILE *fp)
{
	fprintf(fp, "RESULT msgs=%llu secs=%.3f msgs_per_s=%.1f mb_per_s=%.2f"
		" p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f"
		" mean_ms=%.3f",
		(unsigned long long)st->msgs, s->secs, s->msgs_s, s->mb_s,
		s->p50, s->p90, s->p99, s->max, s->mean);
	fprintf(fp, " accept=%llu continue=%llu reject=%llu tempfail=%llu"
		" discard=%llu",
		(unsigned long long)s->verdict[MLOAD_V_ACCEPT],
		(unsigned long long)s->verdict[MLOAD_V_CONTINUE],
		(unsigned long long)s->verdict[MLOAD_V_REJECT],
		(unsigned long long)s->verdict[MLOAD_V_TEMPFAIL],
		(unsigned long long)s->verdict[MLOAD_V_DISCARD]);
	fprintf(fp, " quarantine=%llu addheader=%llu chgheader=%llu"
		" insheader=%llu errors=%llu timeouts=%llu\n",
		(unsigned long long)st->action[MLOAD_A_QUARANTINE],
		(unsigned long long)st->action[MLOAD_A_ADDHEADER],
		(unsigned long long)st->action[MLOAD_A_CHGHEADER],
		(unsigned long long)st->action[MLOAD_A_INSHEADER],
		(unsigned long long)s->errors,
		(unsigned long long)st->error[MLOAD_E_TIMEOUT]);
}

/* mload_stats_report - the report (or only the RESULT line when quiet) */
void mload_stats_report(struct mload_stats *st, double secs, int quiet,
			FILE *fp)
{
	struct summary s;

	summarise(st, secs, &s);
	if (!quiet) {
		fprintf(fp, "messages      %llu in %.3f s\n",
			(unsigned long long)st->msgs, s.secs);
		fprintf(fp, "msgs/s        %.1f\n", s.msgs_s);
		fprintf(fp, "MB/s          %.2f  (%.2f MB of messages)\n",
			s.mb_s, (double)st->bytes / 1e6);
		fprintf(fp, "latency ms    mean %.3f  p50 %.3f  p90 %.3f"
			"  p99 %.3f  max %.3f\n",
			s.mean, s.p50, s.p90, s.p99, s.max);
		print_counts(st, fp);
	}
	print_result(st, &s, fp);
	fflush(fp);
}

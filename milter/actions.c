/*
 * actions - a policy verdict turned into smfi_* calls, the held-log row,
 * and the one log line per checked message.
 *
 * Order at end of message: forged HeaderName headers from the client are
 * deleted first (whatever the verdict, so nobody downstream trusts one we
 * did not write), then the tag header, the quarantine or the SMTP reply,
 * then the held-log row, the verdict count (tally, in memory: the watch
 * thread writes it to the held log) and the log line.
 *
 * Failures: a header that cannot be added or deleted is logged and the
 * verdict stands.  A quarantine the MTA refuses is an internal error and
 * gets OnError, so a message predicted to bounce is never silently
 * relayed.  A hold writes its held-log row before the quarantine: when the
 * row cannot be written (disk full, I/O error) the message gets OnError
 * instead, because a held message nobody finds in the log is lost to its
 * sender, while a tempfailed one stays with the client.  For the other
 * verdicts a failed row is only logged (the log is a record there).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hdr.h"
#include "milter.h"

/* libmilter accepts at most 32 lines in a multi-line reply. */
#define ACT_REPLY_LINES 32
/* Keep each reply line well under the 512-octet SMTP reply line limit. */
#define ACT_REPLY_LINE_MAX 400

struct act_reply {
	struct buf line[ACT_REPLY_LINES];
	size_t n;
	bool oom;
};

/* act_queue_id - the queue id for log lines */
static const char *act_queue_id(const struct msg *m)
{
	const char *qid = msg_env(m, MSG_ENV_QUEUE_ID);

	return qid != NULL && *qid != '\0' ? qid : "NOQUEUE";
}

/* actions_on_error - apply OnError for a per-message internal failure */
sfsistat actions_on_error(SMFICTX *ctx, const struct config *cfg, const char *queue_id,
    const char *what)
{
	/* No config at all only happens while shutting down: let mail wait. */
	bool accept = cfg != NULL && cfg->on_error == ON_ERROR_ACCEPT;

	mlog_err("%s: internal error: %s; OnError %s", queue_id, what,
	    accept ? "accept" : "tempfail");
	if (accept)
		return SMFIS_ACCEPT;
	smfi_setreply(ctx, "451", "4.3.0", "Preflight: internal error, try again later");
	return SMFIS_TEMPFAIL;
}

/* act_delete_forged - remove every HeaderName header the client sent */
static void act_delete_forged(SMFICTX *ctx, const struct config *cfg, struct mstate *ms)
{
	size_t i;

	/* Highest index first, so the remaining indexes stay valid. */
	for (i = ms->own_headers; i > 0; i--) {
		if (smfi_chgheader(ctx, cfg->header_name, (int)i, NULL) != MI_SUCCESS)
			mlog_warn("%s: cannot delete the client's %s header #%zu",
			    act_queue_id(ms->msg), cfg->header_name, i);
	}
}

/* act_tag - add the tag header: "<verdict> score=<n> findings=<ids>" */
static void act_tag(SMFICTX *ctx, const struct config *cfg, const struct msg *m,
    const struct policy_result *r, const char *ids)
{
	struct buf raw = BUF_INIT, val = BUF_INIT;
	const char *err;
	int rc;

	if (r->observe)
		rc = buf_printf(&raw, "observe would=%s score=%g findings=%s",
		    verdict_name(r->would_be), r->score, ids);
	else
		rc = buf_printf(&raw, "%s score=%g findings=%s",
		    verdict_name(r->verdict), r->score, ids);
	if (rc < 0 || hdr_sanitize(buf_cstr(&raw), strlen(cfg->header_name) + 2, &val, &err) < 0)
		mlog_warn("%s: cannot build the %s header: out of memory",
		    act_queue_id(m), cfg->header_name);
	else if (smfi_addheader(ctx, cfg->header_name, val.data) != MI_SUCCESS)
		mlog_warn("%s: the MTA refused the %s header", act_queue_id(m), cfg->header_name);
	buf_free(&raw);
	buf_free(&val);
}

/* act_reply_add - one reply line, sanitised by hdr_reply_line */
__attribute__((format(printf, 2, 3)))
static void act_reply_add(struct act_reply *rp, const char *fmt, ...)
{
	struct buf raw = BUF_INIT;
	const char *err;
	va_list ap;
	int rc;

	if (rp->n >= ACT_REPLY_LINES || rp->oom)
		return;
	va_start(ap, fmt);
	rc = buf_vprintf(&raw, fmt, ap);
	va_end(ap);
	/* libmilter drops texts with a lone '%'; CR or LF would end the reply. */
	if (rc < 0 || (raw.len > 0 && hdr_reply_line(raw.data, raw.len, ACT_REPLY_LINE_MAX,
	    &rp->line[rp->n], &err) < 0)) {
		rp->oom = true;
		buf_free(&rp->line[rp->n]);
	} else if (raw.len > 0) {
		rp->n++;
	}
	buf_free(&raw);
}

/* act_providers - "Gmail, Microsoft" from the predicted replies */
static int act_providers(const struct finding_list *fl, struct buf *out)
{
	static const char *const names[][2] = {
		{ "gmail", "Gmail" }, { "microsoft", "Microsoft" },
		{ "yahoo", "Yahoo" }, { "icloud", "iCloud" },
	};
	bool seen[sizeof(names) / sizeof(names[0])] = { false };
	size_t i, j, k;

	for (i = 0; i < fl->n; i++) {
		for (j = 0; j < fl->v[i]->npredicted; j++) {
			for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
				if (fl->v[i]->predicted[j].provider != NULL &&
				    strcmp(fl->v[i]->predicted[j].provider, names[k][0]) == 0)
					seen[k] = true;
			}
		}
	}
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (seen[k] && buf_printf(out, "%s%s", out->len ? ", " : "", names[k][1]) < 0)
			return -1;
	}
	return out->len == 0 ? buf_puts(out, "remote receivers") : 0;
}

/* act_refuse - set the multi-line reply for reject (550) or tempfail (451) */
static void act_refuse(SMFICTX *ctx, const struct msg *m, const struct finding_list *fl,
    bool permanent)
{
	const char *code = permanent ? "550" : "451";
	const char *xcode = permanent ? "5.7.1" : "4.7.1";
	struct act_reply rp = { .n = 0, .oom = false };
	struct buf prov = BUF_INIT;
	const char *l[ACT_REPLY_LINES];
	size_t i;
	int rc;

	memset(rp.line, 0, sizeof(rp.line));
	if (act_providers(fl, &prov) < 0)
		rp.oom = true;
	act_reply_add(&rp, "Preflight: this message would be refused by %s", buf_cstr(&prov));
	/* Two lines per finding; the last free line says what did not fit. */
	for (i = 0; i < fl->n; i++) {
		if (rp.n + 3 > ACT_REPLY_LINES && i + 1 < fl->n) {
			act_reply_add(&rp, "(%zu more findings not shown)", fl->n - i);
			break;
		}
		act_reply_add(&rp, "%s: %s", fl->v[i]->def->id,
		    fl->v[i]->summary != NULL ? fl->v[i]->summary : "");
		act_reply_add(&rp, "fix: %s", fl->v[i]->def->remedy);
	}
	for (i = 0; i < ACT_REPLY_LINES; i++)
		l[i] = i < rp.n ? rp.line[i].data : NULL;
	/* Unused slots are NULL, which also ends libmilter's argument list. */
	rc = smfi_setmlreply(ctx, code, xcode, l[0], l[1], l[2], l[3], l[4], l[5], l[6],
	    l[7], l[8], l[9], l[10], l[11], l[12], l[13], l[14], l[15], l[16], l[17], l[18],
	    l[19], l[20], l[21], l[22], l[23], l[24], l[25], l[26], l[27], l[28], l[29],
	    l[30], l[31], (char *)NULL);
	if (rc != MI_SUCCESS || rp.oom) {
		mlog_warn("%s: cannot set the full reply text; using a short one", act_queue_id(m));
		smfi_setreply(ctx, (char *)code, (char *)xcode,
		    "Preflight: this message would be refused by remote receivers");
	}
	for (i = 0; i < ACT_REPLY_LINES; i++)
		buf_free(&rp.line[i]);
	buf_free(&prov);
}

/* act_quarantine - hold the message with the short reason; it goes
 * through hdr_reply_line too, so that no id can put a line end into it */
static int act_quarantine(SMFICTX *ctx, const struct finding_list *fl)
{
	struct buf reason = BUF_INIT, safe = BUF_INIT;
	const char *err;
	int rc = -1;

	if (policy_reason(fl, POLICY_REASON_MAX, &reason) == 0 && reason.len > 0 &&
	    hdr_reply_line(reason.data, reason.len, POLICY_REASON_MAX, &safe, &err) == 0)
		rc = smfi_quarantine(ctx, safe.data) == MI_SUCCESS ? 0 : -1;
	buf_free(&reason);
	buf_free(&safe);
	return rc;
}

/* act_held_log - one row when the verdict is in LogVerdicts; -1 when the
 * row was due but could not be written */
static int act_held_log(struct milter_app *app, const struct config *cfg,
    const struct msg *m, const struct finding_list *fl, const struct policy_result *r)
{
	enum verdict v = r->observe ? r->would_be : r->verdict;
	struct store_record rec;
	const char *err;
	bool open;
	int rc = 0;

	if (!(cfg->log_verdicts & (1u << v)))
		return 0;
	/* The store pointer changes only at shutdown, always under the lock. */
	pthread_mutex_lock(&app->store_lock);
	open = app->store != NULL;
	pthread_mutex_unlock(&app->store_lock);
	if (!open)
		return 0;
	if (store_record_fill(&rec, m, fl, r, time(NULL), &err) < 0) {
		mlog_warn("%s: held log: %s", act_queue_id(m), err);
		return -1;
	}
	pthread_mutex_lock(&app->store_lock);
	if (app->store != NULL && store_add(app->store, &rec, NULL, &err) < 0) {
		mlog_warn("%s: %s", act_queue_id(m), err);
		metrics_store_error(app->metrics);
		rc = -1;
	}
	pthread_mutex_unlock(&app->store_lock);
	store_record_clear(&rec);
	return rc;
}

/* act_tally - count the verdict for `preflight report` (every verdict,
 * accept included; in Mode observe what enforce would do, as the row
 * says), in memory: no lock, no SQLite on the message's path */
static void act_tally(struct milter_app *app, const struct policy_result *r)
{
	enum verdict v = r->observe ? r->would_be : r->verdict;
	int64_t hour = (int64_t)time(NULL) / 3600;
	unsigned slot = (unsigned)(hour & 1);

	if ((unsigned)v >= VERDICT_COUNT)
		return;
	if (atomic_load_explicit(&app->tally.hour[slot], memory_order_relaxed) != hour)
		atomic_store_explicit(&app->tally.hour[slot], hour, memory_order_relaxed);
	atomic_fetch_add_explicit(&app->tally.n[slot][v], 1, memory_order_relaxed);
}

/* A slot is reused two hours later; flushed every few seconds, it is
 * empty long before.  A failed write (a full disk) puts the counts back
 * and says so; a statistic never changes what happens to mail. */
void actions_tally_flush(struct milter_app *app)
{
	const char *err;
	uint64_t n;
	int64_t hour;
	unsigned slot, v;

	for (slot = 0; slot < 2; slot++) {
		hour = atomic_load_explicit(&app->tally.hour[slot], memory_order_relaxed);
		for (v = 0; v < VERDICT_COUNT; v++) {
			n = atomic_exchange_explicit(&app->tally.n[slot][v], 0,
			    memory_order_relaxed);
			if (n == 0)
				continue;
			pthread_mutex_lock(&app->store_lock);
			if (app->store != NULL && store_tally_add(app->store,
			    (time_t)(hour * 3600), verdict_name(v), n, &err) < 0) {
				mlog_warn("held log: %s (%llu kept for the next try)", err,
				    (unsigned long long)n);
				atomic_fetch_add_explicit(&app->tally.n[slot][v], n,
				    memory_order_relaxed);
			}
			pthread_mutex_unlock(&app->store_lock);
		}
	}
}

/* act_log - the per-message line of the common contract */
static void act_log(const struct msg *m, const struct policy_result *r, const char *ids)
{
	const char *from = msg_env(m, MSG_ENV_MAIL_FROM);
	char would[32] = "";

	if (r->observe)
		snprintf(would, sizeof(would), " would=%s", verdict_name(r->would_be));
	/* The sender is client data: %.256s bounds it, mlog cuts the line. */
	mlog_info("%s: verdict=%s%s score=%g findings=%s from=<%.256s> rcpts=%zu size=%llu",
	    act_queue_id(m), verdict_name(r->verdict), would, r->score, ids,
	    from != NULL ? from : "", m->nrcpts, (unsigned long long)msg_wire_size(m));
}

/* actions_apply - carry out the verdict; returns the eom reply */
sfsistat actions_apply(SMFICTX *ctx, struct milter_app *app, struct conn *c,
    struct mstate *ms, struct finding_list *fl, const struct policy_result *r)
{
	const struct config *cfg = c->cfg;
	struct buf ids = BUF_INIT;
	sfsistat rc = SMFIS_CONTINUE;
	bool logged = false;

	if (finding_list_ids(fl, ",", &ids) < 0) {
		buf_free(&ids);
		return actions_on_error(ctx, cfg, act_queue_id(ms->msg), "out of memory");
	}
	act_delete_forged(ctx, cfg, ms);
	if (r->observe ? r->would_be != VERDICT_ACCEPT
	    : r->verdict == VERDICT_TAG || r->verdict == VERDICT_HOLD)
		act_tag(ctx, cfg, ms->msg, r, buf_cstr(&ids));
	switch (r->verdict) {
	case VERDICT_HOLD:
		/* The row first: no held message without its row. */
		logged = true;
		if (act_held_log(app, cfg, ms->msg, fl, r) < 0)
			rc = actions_on_error(ctx, cfg, act_queue_id(ms->msg),
			    "cannot write the held-log row");
		else if (act_quarantine(ctx, fl) < 0)
			rc = actions_on_error(ctx, cfg, act_queue_id(ms->msg),
			    "the MTA refused to quarantine");
		break;
	case VERDICT_REJECT:
		act_refuse(ctx, ms->msg, fl, true);
		rc = SMFIS_REJECT;
		break;
	case VERDICT_TEMPFAIL:
		act_refuse(ctx, ms->msg, fl, false);
		rc = SMFIS_TEMPFAIL;
		break;
	default:
		break;
	}
	if (!logged)
		(void)act_held_log(app, cfg, ms->msg, fl, r);
	act_tally(app, r);
	act_log(ms->msg, r, buf_cstr(&ids));
	buf_free(&ids);
	return rc;
}

/*
 * policy - findings + config -> verdict, and the short reason (see
 * policy.h for the contract).
 *
 * Choices the header leaves open, made here:
 * - A finding whose FindingAction is "accept" gets effective score 0, so
 *   the scores a report shows always add up to the total.
 * - A message whose total is 0 or less is accepted by score whatever the
 *   thresholds say (TagScore 0 must not tag every clean message); a
 *   FindingAction floor still applies.
 * - The reason lists each id once, highest effective score first (ties
 *   keep the scan order), so the finding that decided a hold survives the
 *   100-byte cut.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static const char reason_prefix[] = "preflight: ";
static const char reason_more[] = "...";

/* effective_score - catalogue score or FindingScore, plus the evidence
 * boost, or 0 for FindingAction accept; records the finding's
 * FindingAction floor in *floor_r */
static double effective_score(const struct config *cfg, const struct finding *f,
    enum verdict *floor_r)
{
	const struct config_override *ov = config_override_for(cfg, f->def->id);
	double score = f->def->score;

	if (ov == NULL)
		return score + f->boost;
	if (ov->has_score)
		score = ov->score;
	if (ov->has_action) {
		if (ov->action == VERDICT_ACCEPT)
			return 0;
		if (ov->action > *floor_r)
			*floor_r = ov->action;
	}
	return score + f->boost;
}

/* verdict_by_score - the thresholds; rejecting by score only when RejectScore > 0 */
static enum verdict verdict_by_score(const struct config *cfg, double total)
{
	if (total <= 0)
		return VERDICT_ACCEPT;
	if (cfg->reject_score > 0 && total >= cfg->reject_score)
		return VERDICT_REJECT;
	if (total >= cfg->hold_score)
		return VERDICT_HOLD;
	if (total >= cfg->tag_score)
		return VERDICT_TAG;
	return VERDICT_ACCEPT;
}

/* policy_decide - set effective scores and decide */
void policy_decide(const struct config *cfg, struct finding_list *findings,
    struct policy_result *r)
{
	enum verdict floor = VERDICT_ACCEPT, v;
	double total = 0, weak = 0;
	size_t i;

	for (i = 0; i < findings->n; i++) {
		struct finding *f = findings->v[i];

		f->score = effective_score(cfg, f, &floor);
		if (f->score < cfg->hold_score)
			weak += f->score;
		else
			total += f->score;
	}
	/* Weak signals add up only so far: alone they tag, never hold. */
	total += weak < cfg->weak_score_cap ? weak : cfg->weak_score_cap;
	v = verdict_by_score(cfg, total);
	if (floor > v)
		v = floor;
	r->score = total;
	r->would_be = v;
	r->observe = cfg->mode == MODE_OBSERVE;
	r->verdict = r->observe ? VERDICT_ACCEPT : v;
}

/* reason_order - indexes of the first finding of each id, highest
 * effective score first, stable; *n_r gets the count.  NULL on ENOMEM. */
static size_t *reason_order(const struct finding_list *l, size_t *n_r)
{
	size_t *idx = malloc((l->n ? l->n : 1) * sizeof(*idx));
	size_t i, j, n = 0;

	if (idx == NULL)
		return NULL;
	for (i = 0; i < l->n; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(l->v[idx[j]]->def->id, l->v[i]->def->id) == 0)
				break;
		if (j < n)
			continue;
		/* insertion sort: after every entry that scores at least as high */
		for (j = n; j > 0 && l->v[idx[j - 1]]->score < l->v[i]->score; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
		n++;
	}
	*n_r = n;
	return idx;
}

/* put_ascii - append s with every byte outside printable ASCII as '?' */
static int put_ascii(struct buf *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (buf_putc(out, c >= 32 && c < 127 ? (char)c : '?') < 0)
			return -1;
	}
	return 0;
}

/* policy_reason - "preflight: id1, id2, ..." in at most max bytes */
int policy_reason(const struct finding_list *findings, size_t max, struct buf *out)
{
	size_t start = out->len, used, n, i, *idx;
	const size_t more = strlen(", ") + strlen(reason_more);

	if (max < sizeof(reason_prefix) - 1 + strlen(reason_more))
		return buf_append(out, reason_prefix, max < sizeof(reason_prefix) - 1 ?
		    max : sizeof(reason_prefix) - 1);
	if (findings->n == 0)
		return buf_append(out, "preflight: no findings",
		    max < 22 ? max : 22);
	if ((idx = reason_order(findings, &n)) == NULL)
		return -1;
	if (buf_puts(out, reason_prefix) < 0)
		goto fail;
	used = sizeof(reason_prefix) - 1;
	for (i = 0; i < n; i++) {
		const char *id = findings->v[idx[i]]->def->id;
		size_t sep = i > 0 ? 2 : 0, len = strlen(id);
		/* the last id needs no room for the ellipsis after it */
		size_t reserve = i + 1 < n ? more : 0;

		if (used + sep + len + reserve > max)
			break;
		if ((sep && buf_puts(out, ", ") < 0) || put_ascii(out, id, len) < 0)
			goto fail;
		used += sep + len;
	}
	if (i < n && buf_puts(out, i > 0 ? ", ..." : reason_more) < 0)
		goto fail;
	free(idx);
	return 0;
fail:
	buf_truncate(out, start);
	free(idx);
	return -1;
}

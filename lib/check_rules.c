/*
 * check_rules - the admin's rules (RulesFile, see rules.h) as a check.
 *
 * Each rule that matches is a finding under the rule's own id, pointing
 * at the finding_def the rules set owns (it lives in the config snapshot,
 * which outlives the scan).  A rule whose pattern hits the match or depth
 * limit did not decide: that is one rules-limit finding per message that
 * names the rules, so a slow pattern is visible rather than silent.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "rules.h"

#define LIMIT_SHOW 5		/* rule ids named in the rules-limit summary */

static const struct finding_reply r_none[] = { { NULL, NULL } };

static const struct finding_def rules_catalogue[] = {
	{ "rules-limit", CAT_CONTENT, 2, false,
	  "a local rule's pattern hit the regex match or depth limit",
	  "Simplify the pattern in the rules file (avoid nested quantifiers such as (a+)+); "
	  "until then the rule cannot decide on such messages.", r_none },
	{ NULL, 0, 0, false, NULL, NULL, NULL },
};

struct rules_state {
	struct check_ctx *ctx;
	struct buf limited;	/* ids of rules that hit a limit */
	unsigned nlimited;
	struct buf first;	/* why the first one stopped, and where */
};

static int on_hit(void *arg, const struct rules_hit *h)
{
	struct rules_state *st = arg;

	if (!h->limit)
		return finding_add(st->ctx->findings, h->def, "%s matched \"%s\"", h->where,
		    h->match) == NULL ? -1 : 0;
	if (st->nlimited++ == 0 && buf_printf(&st->first, "%s in %s", h->match, h->where) < 0)
		return -1;
	if (st->nlimited <= LIMIT_SHOW &&
	    buf_printf(&st->limited, "%s%s", st->nlimited > 1 ? ", " : "", h->def->id) < 0)
		return -1;
	return 0;
}

static int rules_run(struct check_ctx *ctx, const char **error_r)
{
	const struct rules_set *set = ctx->cfg->rules;
	struct rules_state st;
	struct mime_tree *t;
	int rc;

	*error_r = NULL;
	if (rules_count(set) == 0)
		return 0;
	if ((t = check_mime_tree(ctx, error_r)) == NULL)
		return -1;
	memset(&st, 0, sizeof(st));
	st.ctx = ctx;
	rc = rules_scan(set, ctx->msg, t, on_hit, &st, error_r);
	if (rc == 0 && st.nlimited > 0 &&
	    finding_add(ctx->findings, &rules_catalogue[0],
	    "%u rule(s) undecided: %s%s (first: %s)", st.nlimited, buf_cstr(&st.limited),
	    st.nlimited > LIMIT_SHOW ? ", ..." : "", buf_cstr(&st.first)) == NULL) {
		*error_r = "out of memory";
		rc = -1;
	}
	buf_free(&st.limited);
	buf_free(&st.first);
	return rc;
}

const struct check_ops check_rules_ops = { "rules", rules_catalogue, rules_run };

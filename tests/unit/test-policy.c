/*
 * test-policy - findings + config -> verdict, and the quarantine reason.
 *
 * Cases run against a hand-built struct config (thresholds, mode and
 * FindingAction/FindingScore lines set per case) with a small test
 * catalogue whose scores put totals exactly on each threshold.  One case
 * uses config_defaults() to pin the shipped thresholds.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "tap.h"

/* The test catalogue; scores chosen to land on the boundaries. */
static const struct finding_def defs[] = {
	{ "t-cert", CAT_FORMAT, 10, true, "certain", "fix", NULL },
	{ "t-weak", CAT_FORMAT, 1, false, "weak", "fix", NULL },
	{ "t-half", CAT_FORMAT, 0.5, false, "half", "fix", NULL },
	{ "t-nine", CAT_FORMAT, 9.5, false, "nine and a half", "fix", NULL },
	{ "t-two", CAT_FORMAT, 2, false, "two", "fix", NULL },
	{ "t-three", CAT_FORMAT, 3, false, "three", "fix", NULL },
	{ NULL, 0, 0, false, NULL, NULL, NULL }
};

static const struct finding_def *def_of(const char *id)
{
	size_t i;

	for (i = 0; defs[i].id != NULL; i++)
		if (strcmp(defs[i].id, id) == 0)
			return &defs[i];
	return NULL;
}

/* add_ids - a finding for each comma-separated id */
static void add_ids(struct finding_list *l, const char *ids)
{
	char copy[256], *p, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", ids);
	for (p = strtok_r(copy, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save))
		if (finding_add(l, def_of(p), "test %s", p) == NULL)
			abort();
}

struct ov {
	const char *id;
	const char *action;	/* NULL = no FindingAction */
	double score;		/* used when has_score */
	bool has_score;
};

struct policy_case {
	const char *name;
	double tag, hold, reject;
	bool observe;
	const char *ids;
	struct ov ovs[3];
	enum verdict verdict, would_be;
	double score;
};

#define DEF 1, 10, 0
#define NO_OV { { NULL, NULL, 0, false } }

static const struct policy_case cases[] = {
	/* thresholds, defaults TagScore 1, HoldScore 10, RejectScore 0 */
	{ "no findings", DEF, false, "", NO_OV, VERDICT_ACCEPT, VERDICT_ACCEPT, 0 },
	{ "0.5 is under TagScore", DEF, false, "t-half", NO_OV, VERDICT_ACCEPT, VERDICT_ACCEPT, 0.5 },
	{ "1 is TagScore", DEF, false, "t-weak", NO_OV, VERDICT_TAG, VERDICT_TAG, 1 },
	{ "9.5 is under HoldScore", DEF, false, "t-nine", NO_OV, VERDICT_TAG, VERDICT_TAG, 9.5 },
	{ "9.5 + 0.5 is HoldScore", DEF, false, "t-nine,t-half", NO_OV,
	  VERDICT_HOLD, VERDICT_HOLD, 10 },
	{ "one certain finding holds", DEF, false, "t-cert", NO_OV, VERDICT_HOLD, VERDICT_HOLD, 10 },
	{ "reject off by default: 30 holds", DEF, false, "t-cert,t-cert,t-cert", NO_OV,
	  VERDICT_HOLD, VERDICT_HOLD, 30 },
	{ "RejectScore 20: 19.5 holds", 1, 10, 20, false, "t-cert,t-nine", NO_OV,
	  VERDICT_HOLD, VERDICT_HOLD, 19.5 },
	{ "RejectScore 20: 20 rejects", 1, 10, 20, false, "t-cert,t-cert", NO_OV,
	  VERDICT_REJECT, VERDICT_REJECT, 20 },
	{ "negative RejectScore is off", 1, 10, -1, false, "t-cert,t-cert", NO_OV,
	  VERDICT_HOLD, VERDICT_HOLD, 20 },
	{ "custom TagScore 3: 2 accepts", 3, 5, 0, false, "t-two", NO_OV,
	  VERDICT_ACCEPT, VERDICT_ACCEPT, 2 },
	{ "custom TagScore 3: 3 tags", 3, 5, 0, false, "t-three", NO_OV,
	  VERDICT_TAG, VERDICT_TAG, 3 },
	{ "custom HoldScore 5: 5 holds", 3, 5, 0, false, "t-three,t-two", NO_OV,
	  VERDICT_HOLD, VERDICT_HOLD, 5 },
	{ "TagScore 0 does not tag a clean message", 0, 10, 0, false, "", NO_OV,
	  VERDICT_ACCEPT, VERDICT_ACCEPT, 0 },
	/* FindingScore */
	{ "FindingScore lowers a certain finding", DEF, false, "t-cert",
	  { { "t-cert", NULL, 2, true } }, VERDICT_TAG, VERDICT_TAG, 2 },
	{ "FindingScore raises a weak finding", DEF, false, "t-weak",
	  { { "t-weak", NULL, 10, true } }, VERDICT_HOLD, VERDICT_HOLD, 10 },
	{ "FindingScore 0 silences", DEF, false, "t-weak",
	  { { "t-weak", NULL, 0, true } }, VERDICT_ACCEPT, VERDICT_ACCEPT, 0 },
	{ "FindingScore applies to each occurrence", DEF, false, "t-weak,t-weak",
	  { { "t-weak", NULL, 5, true } }, VERDICT_HOLD, VERDICT_HOLD, 10 },
	{ "override for an absent id changes nothing", DEF, false, "t-weak",
	  { { "t-cert", "reject", 50, true } }, VERDICT_TAG, VERDICT_TAG, 1 },
	/* FindingAction floors */
	{ "FindingAction hold floors a weak finding", DEF, false, "t-weak",
	  { { "t-weak", "hold", 0, false } }, VERDICT_HOLD, VERDICT_HOLD, 1 },
	{ "FindingAction reject works with RejectScore off", DEF, false, "t-half",
	  { { "t-half", "reject", 0, false } }, VERDICT_REJECT, VERDICT_REJECT, 0.5 },
	{ "FindingAction tag is a floor, not a cap", DEF, false, "t-cert",
	  { { "t-cert", "tag", 0, false } }, VERDICT_HOLD, VERDICT_HOLD, 10 },
	{ "FindingAction tag on a zero score tags", DEF, false, "t-weak",
	  { { "t-weak", "tag", 0, true } }, VERDICT_TAG, VERDICT_TAG, 0 },
	{ "highest floor wins", DEF, false, "t-weak,t-two",
	  { { "t-weak", "tag", 0, false }, { "t-two", "hold", 0, false } },
	  VERDICT_HOLD, VERDICT_HOLD, 3 },
	/* FindingAction accept drops the finding from the total */
	{ "FindingAction accept drops a certain finding", DEF, false, "t-cert",
	  { { "t-cert", "accept", 0, false } }, VERDICT_ACCEPT, VERDICT_ACCEPT, 0 },
	{ "accept drops only that id", DEF, false, "t-cert,t-weak",
	  { { "t-cert", "accept", 0, false } }, VERDICT_TAG, VERDICT_TAG, 1 },
	{ "accept wins over FindingScore", DEF, false, "t-cert,t-nine",
	  { { "t-cert", "accept", 50, true } }, VERDICT_TAG, VERDICT_TAG, 9.5 },
	/* Mode observe */
	{ "observe: hold becomes accept", DEF, true, "t-cert", NO_OV,
	  VERDICT_ACCEPT, VERDICT_HOLD, 10 },
	{ "observe: tag becomes accept", DEF, true, "t-weak", NO_OV,
	  VERDICT_ACCEPT, VERDICT_TAG, 1 },
	{ "observe: reject floor becomes accept", DEF, true, "t-weak",
	  { { "t-weak", "reject", 0, false } }, VERDICT_ACCEPT, VERDICT_REJECT, 1 },
	{ "observe: clean stays accept", DEF, true, "", NO_OV,
	  VERDICT_ACCEPT, VERDICT_ACCEPT, 0 },
};

/* case_config - thresholds, mode and overrides of one case */
static void case_config(struct config *c, struct config_override *o, const struct policy_case *t)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	c->tag_score = t->tag;
	c->hold_score = t->hold;
	c->reject_score = t->reject;
	c->weak_score_cap = 1e9;	/* these cases sum freely; test_weak_cap caps */
	c->mode = t->observe ? MODE_OBSERVE : MODE_ENFORCE;
	c->overrides = o;
	for (i = 0; i < 3 && t->ovs[i].id != NULL; i++) {
		memset(&o[i], 0, sizeof(o[i]));
		o[i].id = (char *)t->ovs[i].id;
		o[i].has_score = t->ovs[i].has_score;
		o[i].score = t->ovs[i].score;
		if (t->ovs[i].action != NULL) {
			o[i].has_action = true;
			if (verdict_parse(t->ovs[i].action, &o[i].action) < 0)
				abort();
		}
	}
	c->noverrides = i;
}

static void test_decide(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct policy_case *t = &cases[i];
		struct finding_list l = FINDING_LIST_INIT;
		struct config_override o[3];
		struct policy_result r;
		struct config c;
		double sum = 0;
		size_t j;

		case_config(&c, o, t);
		add_ids(&l, t->ids);
		memset(&r, 0xa5, sizeof(r));
		policy_decide(&c, &l, &r);
		is_str(verdict_name(r.verdict), verdict_name(t->verdict), "%s: verdict", t->name);
		is_str(verdict_name(r.would_be), verdict_name(t->would_be), "%s: would_be", t->name);
		ok(r.score == t->score, "%s: score %g (got %g)", t->name, t->score, r.score);
		ok(r.observe == t->observe, "%s: observe flag", t->name);
		for (j = 0; j < l.n; j++)
			sum += l.v[j]->score;
		ok(sum == r.score, "%s: effective finding scores add up to the total", t->name);
		finding_list_free(&l);
	}
}

/* test_effective_scores - policy_decide writes each finding's score */
static void test_effective_scores(void)
{
	static const struct policy_case t = { "scores", DEF, false, "t-cert,t-weak,t-two",
		{ { "t-cert", "accept", 0, false }, { "t-weak", NULL, 4, true } },
		VERDICT_ACCEPT, VERDICT_ACCEPT, 0 };
	struct finding_list l = FINDING_LIST_INIT;
	struct config_override o[3];
	struct policy_result r;
	struct config c;

	case_config(&c, o, &t);
	add_ids(&l, t.ids);
	policy_decide(&c, &l, &r);
	ok(l.v[0]->score == 0, "accepted finding gets effective score 0");
	ok(l.v[1]->score == 4, "FindingScore sets the effective score");
	ok(l.v[2]->score == 2, "no override keeps the catalogue score");
	ok(r.score == 6 && r.verdict == VERDICT_TAG, "total 6 tags");
	finding_list_free(&l);
}

/* test_defaults - the shipped thresholds: certain holds, nothing rejects */
static void test_defaults(void)
{
	struct config *c = config_defaults();
	struct finding_list l = FINDING_LIST_INIT;
	struct policy_result r;

	ok(c != NULL, "config_defaults");
	if (c == NULL)
		return;
	ok(c->reject_score <= 0, "RejectScore off by default");
	ok(c->mode == MODE_ENFORCE, "Mode enforce by default");
	add_ids(&l, "t-weak");
	policy_decide(c, &l, &r);
	ok(r.verdict == VERDICT_TAG, "defaults: a weak finding tags");
	add_ids(&l, "t-cert,t-cert,t-cert,t-cert,t-cert,t-cert,t-cert,t-cert,t-cert,t-cert");
	policy_decide(c, &l, &r);
	ok(r.verdict == VERDICT_HOLD && r.score == 101,
	    "defaults: score 101 holds, never rejects");
	finding_list_free(&l);
	config_unref(&c);
}

/* test_weak_cap - weak findings alone tag, however many; a certain one
 * still holds on top of them */
static void test_weak_cap(void)
{
	struct config *c = config_defaults();
	struct finding_list l = FINDING_LIST_INIT;
	struct policy_result r;

	if (!ok(c != NULL && c->weak_score_cap == 9, "WeakScoreCap 9 by default"))
		return;
	add_ids(&l, "t-three,t-three,t-three,t-two,t-two,t-nine");
	policy_decide(c, &l, &r);
	ok(r.verdict == VERDICT_TAG && r.score == 9,
	    "defaults: weak findings worth 22.5 count 9 and only tag (got %g)", r.score);
	add_ids(&l, "t-cert");
	policy_decide(c, &l, &r);
	ok(r.verdict == VERDICT_HOLD && r.score == 19, "a certain finding on top holds: 10 + 9");
	c->weak_score_cap = 100;
	policy_decide(c, &l, &r);
	ok(r.score == 32.5, "WeakScoreCap 100 lets them add up (32.5, got %g)", r.score);
	finding_list_free(&l);
	config_unref(&c);
}

/* reason_of - policy_reason over findings with the given ids and scores */
static char *reason_of(const char *const *ids, const double *scores, size_t n, size_t max)
{
	struct finding_def *d = calloc(n ? n : 1, sizeof(*d));
	struct finding_list l = FINDING_LIST_INIT;
	struct buf out = BUF_INIT;
	char *s;
	size_t i;

	for (i = 0; i < n; i++) {
		d[i].id = ids[i];
		d[i].score = scores ? scores[i] : 1;
		d[i].category = CAT_FORMAT;
		if (finding_add(&l, &d[i], "x") == NULL)
			abort();
	}
	if (policy_reason(&l, max, &out) < 0)
		abort();
	s = buf_steal(&out);
	finding_list_free(&l);
	free(d);
	return s;
}

/* id_of_len - "id-" followed by 'x' up to len bytes, in slot */
static const char *id_of_len(char *slot, size_t len, char tag)
{
	memset(slot, 'x', len);
	slot[0] = tag;
	slot[len] = '\0';
	return slot;
}

/* ids_whole - every comma-separated piece after the prefix is one of ids
 * or the final "..." */
static bool ids_whole(const char *reason, const char *const *ids, size_t n)
{
	const char *p = reason + strlen("preflight: ");
	size_t i, len;

	if (strncmp(reason, "preflight: ", 11) != 0)
		return false;
	while (*p != '\0') {
		len = strcspn(p, ",");
		if (!(len == 3 && strncmp(p, "...", 3) == 0 && p[3] == '\0')) {
			for (i = 0; i < n; i++)
				if (strlen(ids[i]) == len && strncmp(ids[i], p, len) == 0)
					break;
			if (i == n)
				return false;
		}
		p += len;
		if (*p == ',')
			p += 2;
	}
	return true;
}

static void test_reason(void)
{
	static const char *const catalogue[] = {
		"format-from-count", "format-from-multiple-addresses", "format-date-missing",
		"format-message-id-invalid", "format-duplicate-header", "size-header-value",
		"format-encoded-word-invalid", "format-8bit-undeclared", "size-over-limit",
	};
	static const double rising[] = { 1, 2, 3, 10, 10, 1 };
	char slots[4][128];
	const char *ids[4];
	char *s;
	size_t n;

	s = reason_of(NULL, NULL, 0, POLICY_REASON_MAX);
	is_str(s, "preflight: no findings", "no findings");
	free(s);
	ids[0] = "format-from-count";
	s = reason_of(ids, NULL, 1, POLICY_REASON_MAX);
	is_str(s, "preflight: format-from-count", "one id");
	free(s);
	ids[1] = "format-date-missing";
	ids[2] = "format-from-count";
	s = reason_of(ids, NULL, 3, POLICY_REASON_MAX);
	is_str(s, "preflight: format-from-count, format-date-missing", "an id is listed once");
	free(s);
	s = reason_of(catalogue, rising, 6, POLICY_REASON_MAX);
	is_str(s, "preflight: format-message-id-invalid, format-duplicate-header, "
	    "format-date-missing, ...", "highest score first, ties in scan order");
	free(s);
	/* a long list: at most 100 bytes, whole ids, as many as fit */
	s = reason_of(catalogue, NULL, 9, POLICY_REASON_MAX);
	is_str(s, "preflight: format-from-count, format-from-multiple-addresses, "
	    "format-date-missing, ...", "nine catalogue ids at 100 bytes");
	ok(strlen(s) <= POLICY_REASON_MAX, "long list fits in 100 bytes (%zu)", strlen(s));
	ok(ids_whole(s, catalogue, 9), "no id is cut");
	free(s);
	for (n = 16; n <= 140; n++) {
		bool good;

		s = reason_of(catalogue, NULL, 9, n);
		good = strlen(s) <= n && ids_whole(s, catalogue, 9);
		free(s);
		if (!good)
			break;
	}
	ok(n == 141, "every max from 16 to 140 is respected with whole ids (checked up to %zu)", n - 1);
	/* exact fit: 11 + 30 + 2 + 30 + 2 + 25 = 100 bytes, no ellipsis */
	ids[0] = id_of_len(slots[0], 30, 'a');
	ids[1] = id_of_len(slots[1], 30, 'b');
	ids[2] = id_of_len(slots[2], 25, 'c');
	s = reason_of(ids, NULL, 3, POLICY_REASON_MAX);
	is_int(strlen(s), 100, "three ids fitting exactly: 100 bytes");
	ok(strstr(s, "...") == NULL && strstr(s, slots[2]) != NULL, "exact fit keeps the last id");
	free(s);
	ids[2] = id_of_len(slots[2], 26, 'c');
	s = reason_of(ids, NULL, 3, POLICY_REASON_MAX);
	ok(strlen(s) <= 100 && strstr(s, slots[2]) == NULL &&
	    strcmp(s + strlen(s) - 5, ", ...") == 0, "one byte too long: last id becomes \"...\"");
	free(s);
	ids[0] = id_of_len(slots[0], 120, 'a');
	s = reason_of(ids, NULL, 1, POLICY_REASON_MAX);
	is_str(s, "preflight: ...", "a single id longer than max");
	free(s);
	s = reason_of(ids, NULL, 1, 16);
	is_str(s, "preflight: ...", "max 16");
	free(s);
	ids[0] = "bad\xc3\xa9\n-id";
	s = reason_of(ids, NULL, 1, POLICY_REASON_MAX);
	is_str(s, "preflight: bad??" "?-id", "plain ASCII only");
	free(s);
}

/* test_reason_appends - the reason is appended to what out holds */
static void test_reason_appends(void)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct buf out = BUF_INIT;

	add_ids(&l, "t-weak");
	buf_puts(&out, "held: ");
	ok(policy_reason(&l, POLICY_REASON_MAX, &out) == 0, "policy_reason returns 0");
	is_str(buf_cstr(&out), "held: preflight: t-weak", "appends to out");
	buf_free(&out);
	finding_list_free(&l);
}

int main(void)
{
	test_decide();
	test_effective_scores();
	test_defaults();
	test_weak_cap();
	test_reason();
	test_reason_appends();
	return tap_done();
}

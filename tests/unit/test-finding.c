/* test-finding - finding lists and the JSON contract of check --json */
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "tap.h"

static const struct finding_reply replies[] = {
	{ "gmail", "550-5.7.1 not RFC 5322 compliant" },
	{ "microsoft", "550 5.6.11 bare linefeeds" },
	{ NULL, NULL },
};

static const struct finding_def def = {
	.id = "format-test", .category = CAT_FORMAT, .score = 10, .certain = true,
	.title = "a test", .remedy = "Fix \"it\".", .predicted = replies,
};

static const struct finding_def def2 = {
	.id = "size-test", .category = CAT_SIZE, .score = 2.5,
	.title = "another", .remedy = "Shrink.", .predicted = NULL,
};

int main(void)
{
	struct finding_list l = FINDING_LIST_INIT;
	struct buf out = BUF_INIT;
	struct finding *f;
	int i;

	f = finding_add(&l, &def, "2 From: headers (line %d and %d)", 1, 7);
	ok(f != NULL, "add returns the finding");
	is_str(f->summary, "2 From: headers (line 1 and 7)", "summary formatted");
	is_int(f->npredicted, 2, "default replies copied");
	is_str(f->predicted[1].provider, "microsoft", "reply order kept");
	f = finding_add_bare(&l, &def2, "big");
	is_int(f->npredicted, 0, "bare add has no replies");
	ok(finding_predict(f, "gmail", "552-5.3.4 size %u", 5u) == 0, "predict adds");
	is_str(f->predicted[0].reply, "552-5.3.4 size 5", "predicted reply formatted");
	ok(finding_list_has(&l, "size-test"), "has finds an id");
	ok(!finding_list_has(&l, "size-other"), "has misses an absent id");

	finding_list_ids(&l, ",", &out);
	is_str(buf_cstr(&out), "format-test,size-test", "ids joined");
	buf_truncate(&out, 0);
	finding_list_json(&l, &out);
	is_str(buf_cstr(&out),
	    "[{\"id\":\"format-test\",\"category\":\"format\",\"score\":10,"
	    "\"summary\":\"2 From: headers (line 1 and 7)\",\"remedy\":\"Fix \\\"it\\\".\","
	    "\"predicted\":[{\"provider\":\"gmail\",\"reply\":\"550-5.7.1 not RFC 5322 compliant\"},"
	    "{\"provider\":\"microsoft\",\"reply\":\"550 5.6.11 bare linefeeds\"}]},"
	    "{\"id\":\"size-test\",\"category\":\"size\",\"score\":2.50,\"summary\":\"big\","
	    "\"remedy\":\"Shrink.\",\"predicted\":[{\"provider\":\"gmail\",\"reply\":\"552-5.3.4 size 5\"}]}]",
	    "JSON matches the contract");
	is_str(finding_category_name(CAT_VOLUME), "volume", "category names");
	is_str(finding_category_name((enum finding_category)99), "unknown", "bad category");

	for (i = 0; i < 1000; i++)
		finding_add(&l, &def2, "n%d", i);
	is_int(l.n, 1002, "list grows");
	finding_list_free(&l);
	ok(l.n == 0 && l.v == NULL, "free empties the list");
	buf_truncate(&out, 0);
	finding_list_json(&l, &out);
	is_str(buf_cstr(&out), "[]", "empty list is []");
	buf_free(&out);
	return tap_done();
}

/*
 * fuzz_explain - bytes -> explain_input (the reply parser, the bounce
 * reader with its RFC 3464 / ARF / auto-reply / free-form MTA formats, the
 * Postfix, Sendmail and Exim log readers, the classifier and the
 * blocklist names), with the shipped provider profiles, then every way
 * the CLI prints the result: item text and JSON, the summaries.
 *
 * A first byte 0x00..0x03 picks the kind (auto, reply, bounce, log) and is
 * dropped; any other input is explained as EXPLAIN_AUTO would, so raw
 * bounces and logs are seeds as they are.
 * Properties: every item has a provider, a static reason from sisimai's
 * taxonomy (or none), a NUL-terminated status; the JSON output is valid
 * UTF-8 with no raw control bytes.
 */
#include <string.h>

#include "buf.h"
#include "config.h"
#include "explain.h"
#include "fuzz.h"

static struct config *cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cfg = fuzz_defaults();
	return 0;
}

/* json_clean - no control bytes but in escapes (buf_json_str's promise) */
static void json_clean(const struct buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 && b->data[i] != '\n')
			fuzz_fail("explain json: control byte 0x%02x at %zu",
			    (unsigned char)b->data[i], i);
}

static void items(const struct explain_list *l)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct explain_item *it = &l->v[i];

		if (it->provider == NULL || it->text == NULL ||
		    memchr(it->status, '\0', sizeof(it->status)) == NULL ||
		    memchr(it->command, '\0', sizeof(it->command)) == NULL ||
		    (it->reason != NULL && !explain_reason_known(it->reason)))
			fuzz_fail("explain: item %zu malformed (reason %s)", i,
			    it->reason ? it->reason : "(null)");
		if (explain_item_text(it, &b) < 0 || explain_item_json(it, &b) < 0)
			fuzz_fail("explain: out of memory");
		buf_truncate(&b, 0);
	}
	if (explain_list_json(l, &b) < 0)
		fuzz_fail("explain_list_json: out of memory");
	json_clean(&b);
	buf_truncate(&b, 0);
	if (explain_summary_text(l, &b) < 0 || explain_summary_json(l, &b) < 0)
		fuzz_fail("explain_summary: out of memory");
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct explain_list l = EXPLAIN_LIST_INIT;
	enum explain_kind kind = EXPLAIN_AUTO;
	const char *error;

	if (size > 0 && data[0] <= EXPLAIN_LOG) {
		kind = (enum explain_kind)data[0];
		data++;
		size--;
	}
	(void)explain_guess((const char *)data, size);
	if (explain_input(cfg->profiles, (const char *)data, size, kind, &l, &error) < 0)
		fuzz_fail("explain_input: %s", error);
	items(&l);
	explain_list_free(&l);
	return 0;
}

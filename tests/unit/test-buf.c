/* test-buf - the growable buffer and its JSON string encoder */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"

static const struct {
	const char *in;
	const char *json;
} json_cases[] = {
	{ "plain", "\"plain\"" },
	{ "", "\"\"" },
	{ "quote\" back\\slash", "\"quote\\\" back\\\\slash\"" },
	{ "tab\tnl\ncr\r", "\"tab\\u0009nl\\u000acr\\u000d\"" },
	{ "f\xc3\xbcr", "\"f\xc3\xbcr\"" },			/* valid UTF-8 kept */
	{ "bad \xff byte", "\"bad \\ufffd byte\"" },		/* invalid byte */
	{ "cut \xc3", "\"cut \\ufffd\"" },			/* truncated sequence */
	{ "overlong \xc0\xaf", "\"overlong \\ufffd\\ufffd\"" },
	{ "surrogate \xed\xa0\x80", "\"surrogate \\ufffd\\ufffd\\ufffd\"" },
	{ "emoji \xf0\x9f\x93\xa7", "\"emoji \xf0\x9f\x93\xa7\"" },
	{ "del\x7f", "\"del\\u007f\"" },
};

int main(void)
{
	struct buf b = BUF_INIT;
	size_t i;
	char *s;

	is_str(buf_cstr(&b), "", "empty buf reads as empty string");
	ok(buf_puts(&b, "abc") == 0 && b.len == 3, "puts appends");
	ok(buf_printf(&b, "-%d-%s", 42, "x") == 0, "printf appends");
	is_str(buf_cstr(&b), "abc-42-x", "content after appends");
	for (i = 0; i < 10000; i++)
		buf_putc(&b, 'z');
	is_int(b.len, 10008, "grows past many reallocations");
	ok(b.data[b.len] == '\0', "keeps a spare NUL");
	buf_truncate(&b, 3);
	is_str(buf_cstr(&b), "abc", "truncate shortens");
	buf_truncate(&b, 99);
	is_int(b.len, 3, "truncate past the end changes nothing");
	s = buf_steal(&b);
	is_str(s, "abc", "steal hands over the data");
	ok(b.data == NULL && b.len == 0, "steal leaves the buf empty");
	free(s);
	s = buf_steal(&b);
	is_str(s, "", "steal of an empty buf gives an empty string");
	free(s);

	for (i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		buf_truncate(&b, 0);
		buf_json_str(&b, json_cases[i].in);
		is_str(buf_cstr(&b), json_cases[i].json, "json case %zu", i);
	}
	buf_free(&b);
	ok(b.data == NULL && b.cap == 0, "free resets");
	return tap_done();
}

/*
 * fuzz_rules - rules file text -> rules_load (the line parser and PCRE2
 * compilation), then rules_scan of every rule that loaded over a fixed
 * message, so that hostile patterns also run (under the match and depth
 * limits) against headers, raw body, text parts and URLs.
 *
 * rules_load reads only files: the input goes to rules.conf in a private
 * scratch folder.  The message is parsed once; its MIME tree is parsed for
 * each input, because a scan counts decoded bytes in it.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "mime.h"
#include "msg.h"
#include "rules.h"

static const char message[] =
    "From: \"Sender\" <sender@example.com>\r\n"
    "To: rcpt@gmail.com\r\n"
    "Subject: URGENT: verify your password\r\n"
    "Date: Tue, 14 Nov 2023 10:00:00 +0000\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Please confirm your account at https://bit.ly/x?y=1 or www.example.org.\r\n"
    "--b1\r\n"
    "Content-Type: text/html; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p>Confirm <a href=3D\"http://pastebin.com/abc\">here</a> caf=E9</p>\r\n"
    "--b1--\r\n";

static char *rules_path;
static struct msg *msg;
static struct config *cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *error;

	rules_path = fuzz_path(fuzz_setup(), "rules.conf");
	if ((cfg = config_defaults()) == NULL || (msg = msg_new(0)) == NULL)
		fuzz_fail("out of memory");
	msg->body_keep = 1 << 20;
	if (msg_parse(msg, message, sizeof(message) - 1, &error) < 0)
		fuzz_fail("msg_parse: %s", error);
	return 0;
}

/* hit - every scan event must name a rule of the set */
static int hit(void *arg, const struct rules_hit *h)
{
	if (h->def == NULL || h->def->id == NULL || strncmp(h->def->id, "rule-", 5) != 0 ||
	    h->where == NULL || memchr(h->match, '\0', sizeof(h->match)) == NULL)
		fuzz_fail("rules_scan: a malformed hit");
	(*(size_t *)arg)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_limits lim = { cfg->max_mime_parts, cfg->max_mime_depth,
	    cfg->max_decoded_bytes };
	struct rules_set *set = NULL;
	struct mime_tree *tree = NULL;
	const struct finding_def *d;
	const char *error;
	char *why = NULL;
	size_t hits = 0, n = 0;

	fuzz_write(rules_path, data, size);
	if (rules_load(rules_path, &set, &why) < 0) {
		if (why == NULL || set != NULL)
			fuzz_fail("rules_load: -1 without a message");
		free(why);
		return 0;
	}
	for (d = rules_defs(set); d->id != NULL; d++)
		n++;
	if (n != rules_count(set))
		fuzz_fail("rules_defs: %zu ids for %zu rules", n, rules_count(set));
	if (mime_parse(msg, &lim, &tree, &error) < 0)
		fuzz_fail("mime_parse: %s", error);
	if (rules_scan(set, msg, tree, hit, &hits, &error) < 0)
		fuzz_fail("rules_scan: %s", error);
	if (hits > n)
		fuzz_fail("rules_scan: %zu hits from %zu rules", hits, n);
	mime_free(&tree);
	rules_free(&set);
	return 0;
}

/*
 * fuzz_engine - a whole message -> the check pipeline without DNS
 * (Checks format size mime attach html url text rules, with a small rules
 * file), the provider destinations of three recipients, then policy: the
 * property that any message, however malformed, gets a verdict.
 *
 * Properties: check_scan never fails (out of memory aborts under
 * libFuzzer's malloc limit instead); the verdict is a verdict; every
 * finding has a catalogue entry and a summary; the quarantine reason
 * fits POLICY_REASON_MAX; the JSON of `preflight check --json` holds no
 * raw control bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "config.h"
#include "finding.h"
#include "fuzz.h"
#include "msg.h"
#include "policy.h"

/* 2023-11-14 22:13:20 UTC: Date checks judge against a fixed clock */
#define NOW ((time_t)1700000000)

static struct config *cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char rules[] =
	    "header:Subject rule-urgent 2 /^(URGENT|RE: *URGENT)/i \"urgent subject\"\n"
	    "body rule-password 3 /(verify|confirm) your (password|account)/i \"asks for it\"\n"
	    "uri rule-pastebin 2 /^https?:\\/\\/(www\\.)?pastebin\\.com\\//i \"links to pastebin\"\n"
	    "rawbody rule-intranet 3 /intranet\\.example\\.com/ \"internal host name\"\n";
	const char *dir = fuzz_setup();
	char *rules_path = fuzz_path(dir, "rules.conf"), *conf_path = fuzz_path(dir, "fuzz.conf");
	struct buf conf = BUF_INIT;
	char *error;

	fuzz_write(rules_path, rules, sizeof(rules) - 1);
	buf_printf(&conf, "Checks format size mime attach html url text rules\n"
	    "RulesFile %s\nStateBackend none\n", rules_path);
	fuzz_write(conf_path, conf.data, conf.len);
	if (config_load(conf_path, &cfg, &error) < 0)
		fuzz_fail("config_load: %s", error);
	buf_free(&conf);
	free(rules_path);
	free(conf_path);
	return 0;
}

static void verdict(struct finding_list *fl)
{
	struct policy_result pr;
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < fl->n; i++)
		if (fl->v[i]->def == NULL || fl->v[i]->def->id == NULL || fl->v[i]->summary == NULL)
			fuzz_fail("check_scan: finding %zu without id or summary", i);
	policy_decide(cfg, fl, &pr);
	if ((unsigned)pr.verdict >= VERDICT_COUNT || (unsigned)pr.would_be >= VERDICT_COUNT ||
	    pr.score != pr.score)
		fuzz_fail("policy_decide: verdict %d score %f", (int)pr.verdict, pr.score);
	if (policy_reason(fl, POLICY_REASON_MAX, &b) < 0 || b.len > POLICY_REASON_MAX)
		fuzz_fail("policy_reason: %zu bytes", b.len);
	buf_truncate(&b, 0);
	if (finding_list_json(fl, &b) < 0 || finding_list_ids(fl, ",", &b) < 0)
		fuzz_fail("finding_list_json: out of memory");
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20)
			fuzz_fail("finding_list_json: control byte 0x%02x", (unsigned char)b.data[i]);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const rcpts[] = {
		"bob@gmail.com", "carol@outlook.com", "dave@unknown.example"
	};
	struct finding_list fl = FINDING_LIST_INIT;
	struct msg *m = check_msg_new(cfg);
	const char *error;
	size_t i;

	if (m == NULL || msg_set_env(m, MSG_ENV_MAIL_FROM, "alice@a.example", &error) < 0 ||
	    msg_set_env(m, MSG_ENV_CLIENT_ADDR, "192.0.2.10", &error) < 0 ||
	    msg_set_env(m, MSG_ENV_HELO, "mail.a.example", &error) < 0)
		fuzz_fail("out of memory");
	for (i = 0; i < sizeof(rcpts) / sizeof(rcpts[0]); i++)
		if (msg_add_rcpt(m, rcpts[i], &error) < 0)
			fuzz_fail("msg_add_rcpt: %s", error);
	if (msg_parse(m, data, size, &error) < 0)
		fuzz_fail("msg_parse: %s", error);
	if (check_scan(m, cfg, NOW, &fl, &error) < 0)
		fuzz_fail("check_scan: %s", error);
	verdict(&fl);
	finding_list_free(&fl);
	msg_free(&m);
	return 0;
}

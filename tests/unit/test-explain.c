/*
 * test-explain - preflight explain's classification: every provider reply
 * of providers.md §2 (written from the doc) through the shipped profiles,
 * by remote host, recipient domain and text; the generic classifier with
 * a reply for each reason of the taxonomy; and the reason table itself.
 * test-explain-input covers the readers (bounces, logs) and the writers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "explain.h"
#include "explain_impl.h"
#include "profile.h"
#include "tap.h"

static struct profile_set *profiles;

/* load_profiles - the shipped profiles */
static void load_profiles(void)
{
	const char *dir = getenv("PREFLIGHT_PROFILE_DIR");
	char *err = NULL;

	if (dir == NULL || *dir == '\0')
		dir = TEST_DATA "/../../share/profiles";
	if (profile_set_load(&dir, 1, &profiles, &err) < 0) {
		printf("Bail out! profiles: %s\n", err);
		exit(1);
	}
}

struct reply_case {
	const char *host;	/* the remote MTA that sent it */
	const char *text;
	const char *provider, *status, *reason;
	int code;
};

#define GMAIL "gmail-smtp-in.l.google.com"
#define EXO "example-com.mail.protection.outlook.com"
#define OLC "outlook-com.olc.protection.outlook.com"
#define YAHOO "mta5.am0.yahoodns.net"
#define ICLOUD "mx01.mail.icloud.com"

/* providers.md §2: one reply for every code of every provider */
static const struct reply_case provider_cases[] = {
	/* §2.1 Gmail */
	{ GMAIL, "550-5.7.26 This email has been blocked because the sender is unauthenticated.\r\n"
	  "550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.\r\n"
	  "550-5.7.26  Authentication results: DKIM = did not pass SPF [example.com] with ip:\r\n"
	  "550 5.7.26 [192.0.2.1] = did not pass - gsmtp", "gmail", "5.7.26", "authfailure", 550 },
	{ GMAIL, "550-5.7.26 The MAIL FROM domain [example.com] has an SPF record with a hard fail "
	  "policy (-all) but it fails to pass SPF checks with the ip: [192.0.2.1]",
	  "gmail", "5.7.26", "authfailure", 550 },
	{ GMAIL, "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's "
	  "DMARC policy.", "gmail", "5.7.26", "authfailure", 550 },
	{ GMAIL, "550-5.7.1 This message does not have authentication information or fails to pass "
	  "authentication checks (SPF or DKIM).", "gmail", "5.7.1", "authfailure", 550 },
	{ GMAIL, "550-5.7.27 The sender didn't pass SPF authentication. Gmail requires bulk email "
	  "senders to authenticate their email with SPF.", "gmail", "5.7.27", "authfailure", 550 },
	{ GMAIL, "550-5.7.30 The sender didn't pass DKIM authentication. Gmail requires bulk email "
	  "senders to authenticate their email with DKIM.", "gmail", "5.7.30", "authfailure", 550 },
	{ GMAIL, "550-5.7.40 The sending domain example.com doesn't have a DMARC record or the DMARC "
	  "record doesn't specify a DMARC policy.", "gmail", "5.7.40", "authfailure", 550 },
	{ GMAIL, "421-4.7.32 the From: header (RFC5322) in this message isn't aligned with either "
	  "the authenticated SPF or DKIM organizational domain.", "gmail", "4.7.32", "authfailure",
	  421 },
	{ GMAIL, "550-5.7.29 This message wasn't sent over a TLS connection. Gmail requires all bulk "
	  "email senders to use TLS/SSL", "gmail", "5.7.29", "failedstarttls", 550 },
	{ GMAIL, "550-5.7.24 The SPF record of the sending domain has one or more suspicious entries.",
	  "gmail", "5.7.24", "authfailure", 550 },
	{ GMAIL, "550-5.7.25 The IP address sending this message does not have a PTR record setup, "
	  "or the corresponding forward DNS entry does not point to the sending IP.",
	  "gmail", "5.7.25", "requireptr", 550 },
	{ GMAIL, "550-5.7.1 This message does not meet IPv6 sending guidelines regarding PTR records "
	  "and authentication.", "gmail", "5.7.1", "requireptr", 550 },
	{ GMAIL, "550-5.7.1 This message is likely suspicious due to the very low reputation of the "
	  "sending IP address.", "gmail", "5.7.1", "badreputation", 550 },
	{ GMAIL, "550-5.7.1 This message is likely unsolicited email. To reduce the amount of spam "
	  "sent to Gmail, this message has been blocked.", "gmail", "5.7.1", "spamdetected", 550 },
	{ GMAIL, "550-5.7.28 There is an unusual rate of unsolicited email originating from your IP "
	  "address.", "gmail", "5.7.28", "blocked", 550 },
	{ GMAIL, "421-4.7.28 Gmail has detected an unusual rate of unsolicited email originating "
	  "from your DKIM domain.", "gmail", "4.7.28", "blocked", 421 },
	{ GMAIL, "552-5.7.0 This message was blocked because its content presents a potential "
	  "security issue.", "gmail", "5.7.0", "securityerror", 552 },
	{ GMAIL, "552-5.3.4 Your message exceeded Google's message size limits.",
	  "gmail", "5.3.4", "mesgtoobig", 552 },
	{ GMAIL, "552-5.3.4 Your message exceeded Google's message header size limits.",
	  "gmail", "5.3.4", "exceedlimit", 552 },
	{ GMAIL, "550-5.7.1 This message is not RFC 5322 compliant because it has multiple From: "
	  "headers.", "gmail", "5.7.1", "notcompliantrfc", 550 },
	{ GMAIL, "550-5.7.1 Messages missing a valid Message-ID: header are not accepted.",
	  "gmail", "5.7.1", "notcompliantrfc", 550 },
	{ GMAIL, "550-5.7.1 The message contains a unicode character in a disallowed header.",
	  "gmail", "5.7.1", "notcompliantrfc", 550 },
	{ GMAIL, "554-5.6.0 Email message is malformed. Not accepted.",
	  "gmail", "5.6.0", "contenterror", 554 },
	{ GMAIL, "554-5.4.6 Message exceeded 50 hops, this may indicate an email loop.",
	  "gmail", "5.4.6", "networkerror", 554 },
	{ GMAIL, "550-5.7.1 The IP you're using to send email is not authorized to send email "
	  "directly to our servers.", "gmail", "5.7.1", "blocked", 550 },
	{ GMAIL, "550-5.2.1 The email account that you tried to reach is receiving email at a rate "
	  "that prevents additional messages from being delivered.", "gmail", "5.2.1", "speeding",
	  550 },
	{ GMAIL, "452-4.5.3 Your message has too many recipients.", "gmail", "4.5.3", "exceedlimit",
	  452 },
	/* §2.2 Microsoft */
	{ EXO, "550 5.7.515 Access denied, sending domain example.com does not meet the required "
	  "authentication level.", "microsoft", "5.7.515", "authfailure", 550 },
	{ EXO, "550 5.7.509 Access denied, sending domain example.com does not pass DMARC "
	  "verification and has a DMARC policy of reject.", "microsoft", "5.7.509", "authfailure",
	  550 },
	{ EXO, "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your "
	  "Internet service provider since part of their network is on our block list (S3150).",
	  "microsoft", "5.7.1", "blocked", 550 },
	{ EXO, "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP "
	  "reputation. (S775)", "microsoft", "4.7.650", "badreputation", 451 },
	{ EXO, "550 5.7.606 Access denied, banned sending IP [192.0.2.1].",
	  "microsoft", "5.7.606", "blocked", 550 },
	{ EXO, "550 5.7.25 Access denied, the sending IPv6 address [2001:db8::1] must have a reverse "
	  "DNS record.", "microsoft", "5.7.25", "requireptr", 550 },
	{ EXO, "450 4.7.26 Access denied, a message sent over IPv6 [2001:db8::1] must pass either "
	  "SPF or DKIM validation, this message is not signed.", "microsoft", "4.7.26",
	  "authfailure", 450 },
	{ EXO, "550 5.7.23 The message was rejected because of Sender Policy Framework violation.",
	  "microsoft", "5.7.23", "authfailure", 550 },
	{ EXO, "550 5.6.11 SMTPSEND.BareLinefeedsAreIllegal; message contains bare linefeeds, which "
	  "cannot be sent via DATA and receiving system does not support BDAT",
	  "microsoft", "5.6.11", "notcompliantrfc", 550 },
	{ OLC, "421 RP-001 (BAY004-MC1F15) Unfortunately, some messages from 192.0.2.1 weren't sent. "
	  "The mail server IP connecting to Outlook.com server has exceeded the rate limit allowed.",
	  "microsoft", "", "toomanyconn", 421 },
	{ OLC, "550 SC-001 (BAY004-MC5F15) Unfortunately, messages from 192.0.2.1 weren't sent. "
	  "Mail rejected by Outlook.com for policy reasons.", "microsoft", "", "blocked", 550 },
	{ OLC, "550 SC-003 (BAY004-MC5F15) Unfortunately, messages from 192.0.2.1 weren't sent. "
	  "Your IP address appears to be an open proxy/relay.", "microsoft", "", "blocked", 550 },
	{ OLC, "550 DY-001 (BAY004-MC5F15) Unfortunately, messages from 192.0.2.1 weren't sent. "
	  "We generally do not accept email from dynamic IP's.", "microsoft", "", "blocked", 550 },
	{ OLC, "550 OU-001 (BAY004-MC5F15) Unfortunately, messages from 192.0.2.1 weren't sent. "
	  "For more information about this block and to request removal please go to: Spamhaus.",
	  "microsoft", "", "blocked", 550 },
	{ EXO, "550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient",
	  "microsoft", "5.2.3", "mesgtoobig", 550 },
	{ EXO, "550 5.2.12 RESOLVER.RST.SendSizeLimit.Org; message too large for this organization",
	  "microsoft", "5.2.12", "mesgtoobig", 550 },
	/* §2.3 Yahoo / AOL */
	{ YAHOO, "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo "
	  "requires all senders to authenticate with either SPF or DKIM.", "yahoo", "5.7.9",
	  "authfailure", 550 },
	{ YAHOO, "554 5.7.9 Message not accepted for policy reasons.  See "
	  "https://postmaster.yahooinc.com/error-codes", "yahoo", "5.7.9", "policyviolation", 554 },
	{ YAHOO, "554 Message not allowed - [PH01] Email not accepted for policy reasons.",
	  "yahoo", "", "policyviolation", 554 },
	{ YAHOO, "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected "
	  "volume or user complaints - 4.16.55.1", "yahoo", "4.7.0", "badreputation", 421 },
	{ YAHOO, "553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred; "
	  "Retrying will NOT succeed.", "yahoo", "5.7.2", "blocked", 553 },
	{ YAHOO, "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip "
	  "is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes", "yahoo",
	  "5.7.1", "blocked", 553 },
	{ YAHOO, "451 Message temporarily deferred due to unresolvable RFC.5321 from domain",
	  "yahoo", "", "rejected", 451 },
	{ YAHOO, "554 5.7.5 Permanent error evaluating DMARC policy (AU01)", "yahoo", "5.7.5",
	  "authfailure", 554 },
	/* §2.4 iCloud */
	{ ICLOUD, "554 5.7.1 [HME1] This message was blocked for failing both SPF and DKIM "
	  "authentication checks.", "icloud", "5.7.1", "authfailure", 554 },
	{ ICLOUD, "554 5.7.1 Your message was rejected due to example.com's DMARC policy.",
	  "icloud", "5.7.1", "authfailure", 554 },
	{ ICLOUD, "550 5.7.1 [CS01] Message rejected due to local policy.", "icloud", "5.7.1",
	  "policyviolation", 550 },
	{ ICLOUD, "550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip="
	  "192.0.2.1", "icloud", "5.7.0", "blocked", 550 },
	{ ICLOUD, "550 5.7.1 Mail from IP 192.0.2.1 was rejected due to listing in Spamhaus SBL.",
	  "icloud", "5.7.1", "blocked", 550 },
	{ ICLOUD, "421 4.7.1 Messages to user@icloud.com deferred due to excessive volume.",
	  "icloud", "4.7.1", "speeding", 421 },
	/* §2.5, §2.6: any receiver */
	{ "mx.example.org", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using "
	  "zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1", "generic", "5.7.1",
	  "blocked", 554 },
	{ "mx.example.org", "554 Service unavailable; Client host [192.0.2.1] blocked using "
	  "Barracuda Reputation; http://bbl.barracudacentral.com/q.cgi?ip=192.0.2.1", "generic", "",
	  "blocked", 554 },
	{ "us-smtp-inbound-1.mimecast.com", "550 csi.mimecast.org Poor Reputation Sender.",
	  "generic", "", "badreputation", 550 },
	{ "us-smtp-inbound-1.mimecast.com", "554 Email rejected due to security policies",
	  "generic", "", "securityerror", 554 },
};

/* test_providers - each provider reply, by remote host */
static void test_providers(void)
{
	size_t i;

	for (i = 0; i < sizeof(provider_cases) / sizeof(provider_cases[0]); i++) {
		const struct reply_case *c = &provider_cases[i];
		struct explain_list l = EXPLAIN_LIST_INIT;
		const char *err = NULL;
		char name[48];

		snprintf(name, sizeof(name), "%s %d %s", c->provider, c->code, c->status);
		if (!ok(explain_reply(profiles, c->text, "rcpt@example.net", c->host, &l, &err) == 0 &&
		    l.n == 1, "%s: explained", name)) {
			explain_list_free(&l);
			continue;
		}
		if (strcmp(l.v[0].provider, c->provider) != 0 || strcmp(l.v[0].status, c->status) != 0 ||
		    strcmp(l.v[0].reason, c->reason) != 0 || l.v[0].reply_code != c->code)
			printf("# %s\n", tap_esc(c->text));
		is_str(l.v[0].provider, c->provider, "%s: provider", name);
		is_str(l.v[0].status, c->status, "%s: status", name);
		is_str(l.v[0].reason, c->reason, "%s: reason", name);
		is_int(l.v[0].reply_code, c->code, "%s: reply code", name);
		ok(l.v[0].cause[0] != '\0' && l.v[0].remedy[0] != '\0', "%s: cause and remedy", name);
		explain_list_free(&l);
	}
}

/* The same providers found without a host: by recipient domain, then by text */
static void test_provider_lookup(void)
{
	struct explain_list l = EXPLAIN_LIST_INIT;
	const char *err = NULL;

	ok(explain_reply(profiles, "550 5.1.1 no such user", "a@gmail.com", NULL, &l, &err) == 0 &&
	    l.n == 1, "gmail.com recipient explained");
	is_str(l.n ? l.v[0].provider : NULL, "gmail", "provider by recipient domain");
	explain_list_free(&l);
	ok(explain_reply(profiles, "550 5.7.515 Access denied, sending domain example.com does not "
	    "meet the required authentication level.", "a@corp.example", NULL, &l, &err) == 0 &&
	    l.n == 1, "Exchange Online reply explained");
	is_str(l.n ? l.v[0].provider : NULL, "microsoft", "provider by reply text");
	ok(l.n && l.v[0].doc[0] != '\0', "the entry's doc link");
	ok(l.n && l.v[0].findings != NULL && l.v[0].findings[0] != NULL, "the entry's finding ids");
	explain_list_free(&l);
	ok(explain_reply(profiles, "550 5.1.1 no such user", "a@unknown.example", "mx.unknown.example",
	    &l, &err) == 0 && l.n == 1, "unknown receiver explained");
	is_str(l.n ? l.v[0].provider : NULL, "generic", "no profile: generic");
	explain_list_free(&l);
}

/* Generic classifier: a reply for each reason, no profiles */
static const struct {
	const char *text, *reason, *status;
	int code;
} generic_cases[] = {
	{ "550 5.1.1 <a@example.net>: Recipient address rejected: User unknown in local recipient "
	  "table (in reply to RCPT TO command)", "userunknown", "5.1.1", 550 },
	{ "550 Unknown user a@example.net (in reply to RCPT TO command)", "userunknown", "", 550 },
	{ "550 Unknown user a@example.net (in reply to end of DATA command)", "filtered", "", 550 },
	{ "552 5.2.2 Mailbox full", "mailboxfull", "5.2.2", 552 },
	{ "452 4.2.2 The email account that you tried to reach is over quota.", "mailboxfull",
	  "4.2.2", 452 },
	{ "552 5.3.4 Message size exceeds fixed limit", "mesgtoobig", "5.3.4", 552 },
	{ "552 5.2.3 Message length exceeds administrative limit", "exceedlimit", "5.2.3", 552 },
	{ "550 5.2.1 This mailbox is disabled", "suspend", "5.2.1", 550 },
	{ "550 5.1.6 Recipient address has moved", "hasmoved", "5.1.6", 550 },
	{ "554 5.7.1 <a@example.net>: Relay access denied", "norelaying", "5.7.1", 554 },
	{ "550 5.7.23 SPF check: fail", "authfailure", "5.7.23", 550 },
	{ "550 5.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]", "requireptr",
	  "5.7.1", 550 },
	{ "550 5.7.1 Message is not RFC 5322 compliant", "notcompliantrfc", "5.7.1", 550 },
	{ "550 5.7.1 Poor reputation of the sending IP", "badreputation", "5.7.1", 550 },
	{ "554 5.6.0 Message contains invalid MIME headers", "contenterror", "5.6.0", 554 },
	{ "553 5.1.8 <s@example.com>... Domain of sender address s@example.com does not exist",
	  "rejected", "5.1.8", 553 },
	{ "550 5.1.2 Host unknown", "hostunknown", "5.1.2", 550 },
	{ "550 5.7.1 Message rejected as spam by Content Filtering.", "spamdetected", "5.7.1", 550 },
	{ "450 4.7.1 Please try again slower", "speeding", "4.7.1", 450 },
	{ "421 4.7.0 Too many connections from your host.", "toomanyconn", "4.7.0", 421 },
	{ "554 5.7.1 Your IP is blacklisted", "blocked", "5.7.1", 554 },
	{ "554 5.7.1 The message contains a virus", "virusdetected", "5.7.1", 554 },
	{ "550 5.7.1 Message rejected due to local policy", "policyviolation", "5.7.1", 550 },
	{ "451 4.3.0 Local configuration error", "systemerror", "4.3.0", 451 },
	{ "Host unreachable: no route to host", "networkerror", "", 0 },
	{ "452 4.3.1 Insufficient system storage", "systemfull", "4.3.1", 452 },
	{ "556 5.1.10 Recipient address has null MX", "notaccept", "5.1.10", 556 },
	{ "Message expired after sitting in queue for 5 days", "expired", "", 0 },
	{ "530 5.7.0 Must issue a STARTTLS command first", "failedstarttls", "5.7.0", 530 },
	{ "530 5.7.1 Authentication required", "securityerror", "5.7.1", 530 },
	{ "The address is on the suppression list of this account", "suppressed", "", 0 },
	{ "procmail: Couldn't create \"/var/mail/a\"", "mailererror", "", 0 },
	{ "501 5.5.2 Syntax error in parameters", "syntaxerror", "5.5.2", 501 },
	{ "550 Requested action not taken", "onhold", "", 550 },
};

/* test_generic - the classifier's own tables */
static void test_generic(void)
{
	size_t i;

	for (i = 0; i < sizeof(generic_cases) / sizeof(generic_cases[0]); i++) {
		struct explain_list l = EXPLAIN_LIST_INIT;
		const char *err = NULL;

		if (!ok(explain_reply(NULL, generic_cases[i].text, NULL, NULL, &l, &err) == 0 &&
		    l.n == 1, "generic %s: explained", generic_cases[i].reason))
			continue;
		is_str(l.v[0].reason, generic_cases[i].reason, "generic: %s",
		    tap_esc(generic_cases[i].text));
		is_str(l.v[0].status, generic_cases[i].status, "generic %s: status",
		    generic_cases[i].reason);
		is_int(l.v[0].reply_code, generic_cases[i].code, "generic %s: code",
		    generic_cases[i].reason);
		is_str(l.v[0].provider, "generic", "generic %s: provider", generic_cases[i].reason);
		explain_list_free(&l);
	}
}

/* test_reasons - the reason table: the whole taxonomy, words for each,
 * and only checks that exist */
static void test_reasons(void)
{
	static const char *const taxonomy[] = { "authfailure", "badreputation", "blocked",
		"contenterror", "exceedlimit", "expired", "failedstarttls", "feedback", "filtered",
		"hasmoved", "hostunknown", "mailboxfull", "mailererror", "mesgtoobig",
		"networkerror", "norelaying", "notaccept", "notcompliantrfc", "onhold",
		"policyviolation", "rejected", "requireptr", "securityerror", "spamdetected",
		"speeding", "suppressed", "suspend", "syntaxerror", "systemerror", "systemfull",
		"toomanyconn", "undefined", "userunknown", "vacation", "virusdetected", NULL };
	const struct check_ops *const *reg;
	size_t i, j, k, n;
	bool all_known = true, all_words = true, all_checks = true, all_ids = true;

	reg = check_registry(&n);
	for (i = 0; taxonomy[i] != NULL; i++) {
		const struct explain_reason_info *ri = explain_reason_info(taxonomy[i]);

		all_known &= explain_reason_known(taxonomy[i]) && strcmp(ri->name, taxonomy[i]) == 0;
		all_words &= strlen(ri->cause) > 20 && strlen(ri->remedy) > 10;
		for (j = 0; ri->checks[j] != NULL; j++) {
			for (k = 0; k < n && strcmp(reg[k]->name, ri->checks[j] + 6) != 0; k++)
				;
			if (k == n)
				printf("# %s names %s, which is not in the registry\n", taxonomy[i],
				    ri->checks[j]);
			all_checks &= k < n;
		}
		for (j = 0; ri->findings[j] != NULL; j++) {
			if (check_find_def(ri->findings[j]) == NULL)
				printf("# %s names %s, which is not in the catalogue\n", taxonomy[i],
				    ri->findings[j]);
			all_ids &= check_find_def(ri->findings[j]) != NULL;
		}
	}
	ok(all_known, "every reason of sisimai's taxonomy is known");
	ok(all_words, "every reason has a cause and a remedy");
	ok(all_checks, "every check the reason table names is in the registry");
	ok(all_ids, "every finding id the reason table names is in the catalogue");
	ok(!explain_reason_known("delivered") && !explain_reason_known("Blocked"),
	    "names outside the taxonomy are not reasons");
	for (i = 0; taxonomy[i] != NULL && explain_reasons[i] != NULL &&
	    strcmp(taxonomy[i], explain_reasons[i]) == 0; i++)
		;
	ok(taxonomy[i] == NULL && explain_reasons[i] == NULL, "explain_reasons is the taxonomy");
	ok(explain_reason_checks("userunknown")[0] == NULL &&
	    explain_reason_checks("nonsense")[0] == NULL, "after-the-fact reasons name no check");
	ok(explain_reason_checks("authfailure")[0] != NULL &&
	    strcmp(explain_reason_checks("authfailure")[0], "check_spf") == 0,
	    "authfailure is caught by check_spf first");
	is_str(explain_reason_info("nonsense")->name, "undefined", "unknown names: undefined row");
}

int main(void)
{
	load_profiles();
	test_providers();
	test_provider_lookup();
	test_generic();
	test_reasons();
	profile_set_free(&profiles);
	return tap_done();
}

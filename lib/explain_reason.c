/*
 * explain_reason - the generic classifier: what a rejection means when no
 * provider profile knows its text.  The decisions follow sisimai's
 * taxonomy and, where it helps agreement with its labelled corpus, the
 * order in which it tries the reasons; the tables are Preflight's own.
 *
 * Three tables, all data: the reasons with their harm weight, cause,
 * remedy and the Preflight checks that would have caught them; enhanced
 * status codes (RFC 3463 and the IANA registry) to reasons; and, in
 * explain_phrase.c and explain_weak.c, reply phrases to reasons.
 *
 * The decision, in order:
 *  1. rank_a: the first reason that a specific enhanced status or a
 *     strong phrase names (a status and a phrase naming the same kind of
 *     failure count alike).  An unknown-user phrase means userunknown in
 *     reply to RCPT (or when it says so plainly, "recipient not found");
 *     the same words after DATA come from the recipient's filter
 *     (filtered).  An address that does not exist in reply to MAIL FROM
 *     is the sender's (rejected).  A size phrase under X.2.3 is the
 *     mailbox's limit (exceedlimit).
 *  2. rank_b: the first reason any phrase names, the weak rows included.
 *     A diagnostic that is not an SMTP reply (Postfix's own "X-Postfix;",
 *     a local mailer's "X-Unix;") starts here, then takes its status.
 *  3. the status whatever its weight, its class (X.6 content, X.7
 *     security), the diagnostic type (x-unix: the local mailer), a
 *     delayed action (expired), the SMTP command, the reply code;
 *  4. "onhold" when there was text but nothing decided, "undefined"
 *     when there was nothing at all.
 * Steps 1 and 2 run over the reply, then over its context (the bounce's
 * own words about that recipient) when the reply decides nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "explain_impl.h"

#define C(x) "check_" #x

static const struct explain_reason_info reasons[] = {
	{ "authfailure", 5,
	  "The receiver checked SPF, DKIM or DMARC for the sending domain and the message failed: "
	  "the sending IP is not in the SPF record, the DKIM signature is missing or broken, or "
	  "neither is aligned with the From: domain.",
	  "Publish an SPF record that covers every IP the mail leaves from, DKIM-sign every "
	  "message (2048-bit key) with the From: domain or its parent, and publish DMARC.",
	  { C(spf), C(dkim), C(dmarc), C(auth), NULL },
	  { "auth-unauthenticated", "auth-spf-fail", "auth-dkim-fail", "auth-dmarc-reject", NULL } },
	{ "badreputation", 5,
	  "The receiver rates the sending IP address or domain poorly: complaints, spam traps "
	  "or a sudden rise in volume.",
	  "Send only to people who asked for the mail, remove bounces and complainers, warm new "
	  "IPs up slowly, and watch the provider's postmaster tools.", { C(rate), NULL },
	  { "rate-user-burst", NULL } },
	{ "blocked", 5,
	  "The receiver refused the connection or the sending IP address itself: a blocklist, "
	  "a dynamic or residential address, or a local block.",
	  "Check the sending IP against the public blocklists, find and stop the source of the "
	  "abuse, request delisting, and send from a static IP with matching PTR and HELO.",
	  { C(rep), NULL },
	  { "rep-egress-listed", NULL } },
	{ "contenterror", 3,
	  "The receiver could not accept the message's format: broken MIME, bad header "
	  "encoding, 8-bit data where it is not allowed, or too many or too large headers.",
	  "Fix the generating application: valid MIME, RFC 2047 encoded headers, CRLF line ends, "
	  "base64 or quoted-printable for binary data.", { C(format), C(mime), C(size), NULL },
	  { "mime-malformed", "format-header-8bit", "format-bare-newline", NULL } },
	{ "exceedlimit", 2,
	  "The message went over a limit of the receiver: its size for this mailbox, its header "
	  "size or the number of recipients.",
	  "Send large files as links, keep headers small and split long recipient lists.",
	  { C(size), NULL },
	  { "size-over-limit", "size-header-total", "size-too-many-recipients", NULL } },
	{ "expired", 2,
	  "The sending server gave up after retrying for its whole queue lifetime: the "
	  "destination never answered or kept deferring the message.",
	  "Check why the destination deferred (earlier 4xx replies in the log), its MX records "
	  "and reachability; resend once it accepts mail.", { NULL }, { NULL } },
	{ "failedstarttls", 4,
	  "The receiver requires TLS and the connection was not encrypted, or the TLS "
	  "handshake failed.",
	  "Enable STARTTLS on the sending relay (smtp_tls_security_level = may or higher in "
	  "Postfix) with current protocol versions and ciphers.", { NULL }, { NULL } },
	{ "feedback", 5,
	  "A recipient marked the message as spam, and the provider sent the complaint back "
	  "through its feedback loop (ARF).",
	  "Stop mailing the complainer at once, make unsubscribing easy (List-Unsubscribe with "
	  "one-click POST) and send only mail the recipients asked for.",
	  { C(text), C(auth), NULL },
	  { "auth-bulk-no-one-click", "bulk-no-visible-unsubscribe", NULL } },
	{ "filtered", 3,
	  "The recipient's own filter or settings refused the message (a block or allow list of "
	  "the recipient, or a filter after DATA).",
	  "Ask the recipient to allow the sender; otherwise stop sending to this address.",
	  { NULL }, { NULL } },
	{ "hasmoved", 1,
	  "The recipient's address has moved and mail is not forwarded.",
	  "Update the address from the reply, or remove it from the list.", { NULL }, { NULL } },
	{ "hostunknown", 2,
	  "The recipient's domain does not exist or has no usable mail servers.",
	  "Correct the domain (typo?) or remove the address; it will not start working on "
	  "its own.", { C(rcpt), NULL },
	  { "rcpt-domain-dead", "rcpt-domain-typo", NULL } },
	{ "mailboxfull", 1,
	  "The recipient's mailbox is full.",
	  "Nothing to change on the sending side; retry later, and remove the address if it "
	  "stays full for weeks (an abandoned mailbox).", { NULL }, { NULL } },
	{ "mailererror", 1,
	  "A local delivery program at the destination (procmail, a pipe, a script) failed.",
	  "Nothing to change in the message; the destination's administrator must fix the "
	  "delivery program.", { NULL }, { NULL } },
	{ "mesgtoobig", 2,
	  "The message is larger than the receiver accepts.",
	  "Send large files as links, shrink images, or split the message; base64 makes "
	  "attachments about a third larger on the wire.", { C(size), NULL },
	  { "size-over-limit", NULL } },
	{ "networkerror", 2,
	  "The destination could not be reached: DNS failures, no route, a mail loop or too "
	  "many hops.",
	  "Check the destination's DNS and MX records and the routing (transport maps, relay "
	  "hosts); loops usually mean a forwarding mistake.", { NULL }, { NULL } },
	{ "norelaying", 3,
	  "The server contacted is not the destination's mail server and refused to relay.",
	  "Check the relay host and the destination's MX records; authenticate to the relay "
	  "if it is your provider's.", { NULL }, { NULL } },
	{ "notaccept", 2,
	  "The destination domain does not accept mail at all (a null MX, or no mail server).",
	  "Remove the address; the domain does not receive mail.", { C(rcpt), NULL },
	  { "rcpt-null-mx", NULL } },
	{ "notcompliantrfc", 4,
	  "The message breaks RFC 5322: duplicate or missing single-instance headers, a "
	  "malformed From:, or a missing Message-ID.",
	  "Make the sending application write exactly one From: and Date:, at most one of "
	  "Subject, To, Message-ID and the like, and a valid Message-ID.", { C(format), NULL },
	  { "format-from-count", "format-date-count", "format-duplicate-header", "format-from-invalid", "format-message-id-invalid", NULL } },
	{ "onhold", 1,
	  "The reply does not say enough to tell why the message was refused.",
	  "Read the full reply and the remote server's documentation; if it repeats, ask the "
	  "receiver's postmaster.", { NULL }, { NULL } },
	{ "policyviolation", 4,
	  "The receiver's policy refused the message: a forbidden attachment, a closed list, "
	  "or its content rules.",
	  "Remove forbidden attachment types (share links instead), and review the content "
	  "against the receiver's published policy.",
	  { C(attach), C(rules), C(text), C(url), NULL },
	  { "attach-blocked-type", NULL } },
	{ "rejected", 3,
	  "The receiver refused the envelope sender (MAIL FROM): the address or its domain "
	  "does not verify, or the sender is on its block list.",
	  "Send from an existing address of a domain that resolves (MX or A, and SOA), and use "
	  "the same domain in MAIL FROM and From:.", { C(rcpt), C(spf), C(format), NULL },
	  { "rcpt-sender-unresolvable", NULL } },
	{ "requireptr", 5,
	  "The sending IP address has no reverse DNS (PTR), or its PTR name does not resolve "
	  "back to the same IP.",
	  "Ask the owner of the IP range to set a PTR to a name whose A/AAAA record points back "
	  "to the IP (for IPv4 and IPv6), and use that name in HELO.", { C(rep), NULL },
	  { "rep-ptr-missing", "rep-fcrdns-mismatch", NULL } },
	{ "securityerror", 4,
	  "The receiver refused the message on security grounds: authentication required, "
	  "credentials refused, or an unspecified security policy.",
	  "Check SPF, DKIM and DMARC for the sending domain, relay authentication, and any "
	  "executable or encrypted attachments.", { C(auth), C(attach), NULL }, { NULL } },
	{ "spamdetected", 5,
	  "The receiver's content filter rated the message as spam.",
	  "Review the content: spammy phrases, link shorteners, image-only HTML, mismatched "
	  "links; send only to people who asked for it.",
	  { C(text), C(url), C(html), C(rules), NULL },
	  { "text-spam-phrases", "url-shortener", "rep-uri-listed", NULL } },
	{ "speeding", 3,
	  "The sending rate was too high for the receiver.",
	  "Slow down: limit concurrency and messages per minute per destination, and retry "
	  "deferred mail later.", { C(rate), NULL },
	  { "rate-user-burst", "rate-sender-limit", NULL } },
	{ "suppressed", 2,
	  "The address is on a suppression list (an earlier hard bounce or complaint), so "
	  "nothing was sent.",
	  "Remove the address from the mailing list.", { NULL }, { NULL } },
	{ "suspend", 2,
	  "The recipient's mailbox exists but is suspended, disabled or inactive.",
	  "Stop sending to this address; an inactive mailbox may become a spam trap.",
	  { NULL }, { NULL } },
	{ "syntaxerror", 2,
	  "The receiver did not understand an SMTP command (a syntax error in the session).",
	  "Check the sending software and addresses for invalid characters or extensions the "
	  "receiver does not support.", { NULL }, { NULL } },
	{ "systemerror", 1,
	  "The destination's mail system failed (configuration error, loop, internal error).",
	  "Nothing to change in the message; retry later or tell the receiver's postmaster.",
	  { NULL }, { NULL } },
	{ "systemfull", 1,
	  "The destination's mail system is out of disk space.",
	  "Nothing to change in the message; retry later.", { NULL }, { NULL } },
	{ "toomanyconn", 2,
	  "Too many connections or recipients at once for the receiver.",
	  "Lower the concurrency per destination and the recipients per message, and retry "
	  "later.", { C(rate), C(size), NULL },
	  { "rate-user-burst", "size-too-many-recipients", NULL } },
	{ "undefined", 1,
	  "Nothing in the input says why the delivery failed.",
	  "Look at the full bounce or the mail log around this delivery.", { NULL }, { NULL } },
	{ "userunknown", 2,
	  "The recipient's address does not exist at its domain.",
	  "Remove the address from the list (or fix its typo); repeated sending to unknown "
	  "users hurts the sender's reputation.", { NULL }, { NULL } },
	{ "vacation", 0,
	  "An automatic reply (out of office), not a failure: the message was delivered.",
	  "Nothing to do.", { NULL }, { NULL } },
	{ "virusdetected", 4,
	  "The receiver's scanner found malware, or an attachment type it treats as malware, "
	  "in the message.",
	  "Scan the sending system for infection; do not send executables or macro documents, "
	  "share links instead.", { C(attach), C(mime), NULL },
	  { "attach-executable", "attach-blocked-type", "attach-office-macro", NULL } },
};

const char *const explain_reasons[] = {
	"authfailure", "badreputation", "blocked", "contenterror", "exceedlimit", "expired",
	"failedstarttls", "feedback", "filtered", "hasmoved", "hostunknown", "mailboxfull",
	"mailererror", "mesgtoobig", "networkerror", "norelaying", "notaccept",
	"notcompliantrfc", "onhold", "policyviolation", "rejected", "requireptr",
	"securityerror", "spamdetected", "speeding", "suppressed", "suspend", "syntaxerror",
	"systemerror", "systemfull", "toomanyconn", "undefined", "userunknown", "vacation",
	"virusdetected", NULL
};

/* Phrase reasons and specific statuses compete in this order (step 1). */
static const char *const rank_a[] = {
	"mailboxfull", "mesgtoobig", "exceedlimit", "suspend", "hasmoved", "norelaying",
	"authfailure", "userunknown", "filtered", "requireptr", "notcompliantrfc",
	"badreputation", "contenterror", "rejected", "notaccept", "hostunknown", "spamdetected",
	"speeding", "toomanyconn", "blocked", NULL
};

/* The weak phrases (and the strong ones again) in this order (step 2, and
 * the only phrases for a diagnostic that is not an SMTP reply). */
static const char *const rank_b[] = {
	"mailboxfull", "authfailure", "badreputation", "speeding", "spamdetected",
	"virusdetected", "policyviolation", "norelaying", "systemerror", "networkerror",
	"suspend", "contenterror", "systemfull", "notaccept", "expired", "failedstarttls",
	"securityerror", "suppressed", "mailererror", "syntaxerror", NULL
};

/* Enhanced status → reason.  "X" is either class; weak rows only decide
 * when no phrase did. */
struct status_row {
	const char *code;	/* "X.1.1" */
	const char *reason;
	bool weak;
};

static const struct status_row statuses[] = {
	{ "X.0.0", NULL, true },
	{ "X.1.0", "userunknown", true }, { "X.1.1", "userunknown", false },
	{ "X.1.2", "hostunknown", false }, { "X.1.3", "userunknown", false },
	{ "X.1.4", "userunknown", false }, { "X.1.6", "hasmoved", false },
	{ "X.1.7", "rejected", false }, { "X.1.8", "rejected", false },
	{ "X.1.9", "systemerror", false }, { "X.1.10", "notaccept", false },
	{ "X.2.0", "filtered", true }, { "X.2.1", "filtered", true },
	{ "X.2.2", "mailboxfull", false }, { "X.2.3", "exceedlimit", false },
	{ "X.2.4", "systemerror", false },
	{ "X.3.0", NULL, true }, { "X.3.1", "systemfull", false },
	{ "X.3.2", "notaccept", false }, { "X.3.3", "systemerror", false },
	{ "X.3.4", "mesgtoobig", false }, { "X.3.5", "systemerror", false },
	{ "X.4.0", NULL, true }, { "X.4.1", "networkerror", true },
	{ "X.4.2", "networkerror", true }, { "X.4.3", "systemerror", true },
	{ "X.4.4", "hostunknown", true }, { "X.4.5", "systemfull", true },
	{ "X.4.6", "networkerror", false }, { "X.4.7", "expired", false },
	{ "X.5.0", NULL, true }, { "X.5.1", "syntaxerror", false },
	{ "X.5.2", "syntaxerror", false }, { "X.5.3", "toomanyconn", false },
	{ "X.5.4", "syntaxerror", false }, { "X.5.5", "systemerror", false },
	{ "X.5.6", "syntaxerror", false },
	{ "X.6.0", "contenterror", true }, { "X.6.1", "contenterror", false },
	{ "X.6.2", "contenterror", false }, { "X.6.3", "contenterror", false },
	{ "X.6.4", "contenterror", false }, { "X.6.5", "contenterror", false },
	{ "X.6.6", "contenterror", false }, { "X.6.7", "contenterror", false },
	{ "X.6.8", "contenterror", false }, { "X.6.9", "contenterror", false },
	{ "X.6.10", "contenterror", false }, { "X.6.11", "contenterror", false },
	{ "X.7.0", "securityerror", true }, { "X.7.1", "securityerror", true },
	{ "X.7.2", "securityerror", false }, { "X.7.3", "securityerror", false },
	{ "X.7.4", "securityerror", false }, { "X.7.5", "securityerror", false },
	{ "X.7.6", "securityerror", false }, { "X.7.7", "securityerror", false },
	{ "X.7.8", "securityerror", false }, { "X.7.9", "securityerror", false },
	{ "X.7.10", "securityerror", false }, { "X.7.11", "securityerror", false },
	{ "X.7.12", "securityerror", false }, { "X.7.13", "suspend", false },
	{ "X.7.14", "securityerror", false }, { "X.7.15", "securityerror", false },
	{ "X.7.16", "mesgtoobig", false }, { "X.7.17", "hasmoved", false },
	{ "X.7.18", "hasmoved", false }, { "X.7.19", "securityerror", false },
	{ "X.7.20", "authfailure", false }, { "X.7.21", "authfailure", false },
	{ "X.7.22", "authfailure", false }, { "X.7.23", "authfailure", false },
	{ "X.7.24", "authfailure", false }, { "X.7.25", "requireptr", false },
	{ "X.7.26", "authfailure", false }, { "X.7.27", "notaccept", false },
	{ "X.7.28", "spamdetected", false }, { "X.7.29", "authfailure", false },
	{ "X.7.30", "failedstarttls", false },
};

/* Last resort: the reply code alone (RFC 5321 §4.2.3 meanings). */
struct code_row {
	int code;
	const char *reason;
};

static const struct code_row codes[] = {
	{ 421, "blocked" }, { 452, "systemfull" },
	{ 500, "syntaxerror" }, { 501, "syntaxerror" }, { 502, "syntaxerror" },
	{ 503, "syntaxerror" }, { 504, "syntaxerror" }, { 551, "hasmoved" },
	{ 552, "mesgtoobig" }, { 553, "userunknown" },
};

/* explain_reason_info - the table row of a reason */
const struct explain_reason_info *explain_reason_info(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i].name, name) == 0)
			return &reasons[i];
	return explain_reason_info("undefined");
}

/* explain_reason_static - the table's own copy of name, or NULL */
const char *explain_reason_static(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i].name, name) == 0)
			return reasons[i].name;
	return NULL;
}

/* explain_reason_known - true when name is in sisimai's taxonomy */
bool explain_reason_known(const char *name)
{
	return explain_reason_static(name) != NULL;
}

/* explain_reason_checks - the checks that catch reason before sending */
const char *const *explain_reason_checks(const char *reason)
{
	static const char *const none[] = { NULL };

	return explain_reason_known(reason) ? explain_reason_info(reason)->checks : none;
}

/* explain_status_reason - the reason of an enhanced status */
const char *explain_status_reason(const char *status, bool *weak_r)
{
	size_t i;

	if (weak_r != NULL)
		*weak_r = true;
	if (status == NULL || (status[0] != '4' && status[0] != '5') || status[1] != '.')
		return NULL;
	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		if (strcmp(statuses[i].code + 1, status + 1) != 0)
			continue;
		if (weak_r != NULL)
			*weak_r = statuses[i].weak;
		return statuses[i].reason;
	}
	return NULL;
}

/* has - how a strong phrase of reason matches lower (explain_phrase_has) */
static int has(const char *lower, const char *reason)
{
	return lower != NULL && *lower != '\0' ? explain_phrase_has(lower, reason) : 0;
}

/* is_cmd - the command answered is cmd */
static bool is_cmd(const struct explain_facts *f, const char *cmd)
{
	return f->command != NULL && strcmp(f->command, cmd) == 0;
}

/* user_unknown - sisimai's reading: the status says the user is unknown
 * and no other kind of failure is written, or the words say so plainly,
 * or they answered RCPT */
static bool user_unknown(const struct explain_facts *f, const char *lower, const char *st)
{
	static const char *const others[] = { "norelaying", "blocked", "mailboxfull",
		"hasmoved", "rejected", "notaccept", "filtered", NULL };
	int words = has(lower, "userunknown");
	size_t i;

	if (st != NULL && strcmp(st, "suspend") == 0)
		return false;
	if (st != NULL && strcmp(st, "userunknown") == 0) {
		for (i = 0; others[i] != NULL; i++)
			if (has(lower, others[i]))
				return false;
		return true;
	}
	return (words == 2 && !is_cmd(f, "MAIL")) || (words == 1 && is_cmd(f, "RCPT"));
}

/* filtered - an unknown-user or filter phrase that did not answer RCPT or
 * MAIL: the recipient's filter refused the message after DATA */
static bool filtered(const struct explain_facts *f, const char *lower, const char *st)
{
	bool phrase = has(lower, "filtered") || has(lower, "userunknown");

	if (st != NULL && strcmp(st, "suspend") == 0)
		return false;
	if (st != NULL && strcmp(st, "filtered") == 0)
		return phrase;
	return phrase && !is_cmd(f, "RCPT") && !is_cmd(f, "MAIL");
}

/* weak_text - step 2: the first reason of rank_b a phrase names */
static const char *weak_text(const char *lower)
{
	size_t i;

	for (i = 0; rank_b[i] != NULL; i++)
		if (has(lower, rank_b[i]))
			return rank_b[i];
	return NULL;
}

/* from_text - steps 1 and 2 over one lowered text: the first reason of
 * rank_a that the status or a strong phrase names, then the weak phrases */
static const char *from_text(const struct explain_facts *f, const char *lower, bool use_status)
{
	bool weak = true;
	const char *st = use_status ? explain_status_reason(f->status, &weak) : NULL;
	const char *strong = weak ? NULL : st;
	size_t i;

	for (i = 0; rank_a[i] != NULL; i++) {
		const char *r = rank_a[i];

		/* a size phrase under X.2.3 is the mailbox's limit, not the system's */
		if (strcmp(r, "mesgtoobig") == 0 && strong != NULL &&
		    strcmp(strong, "exceedlimit") == 0)
			continue;
		if (!(strcmp(r, "userunknown") == 0 ? user_unknown(f, lower, st) :
		    strcmp(r, "filtered") == 0 ? filtered(f, lower, st) :
		    (strong != NULL && strcmp(strong, r) == 0 && strcmp(r, "notaccept") != 0) ||
		    has(lower, r)))
			continue;
		/* an address that does not exist, in reply to MAIL FROM, is the sender's */
		if (is_cmd(f, "MAIL") && (strcmp(r, "userunknown") == 0 ||
		    strcmp(r, "hostunknown") == 0))
			return "rejected";
		return r;
	}
	return weak_text(lower);
}

/* by_code - the reply code's row, or NULL */
static const char *by_code(int code)
{
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].reason;
	return NULL;
}

/* fallback - step 3 */
static const char *fallback(const struct explain_facts *f, const char *status_reason)
{
	const char *s = f->status;

	if (status_reason != NULL)
		return status_reason;
	if (s[0] != '\0' && strncmp(s + 1, ".6.", 3) == 0)
		return "contenterror";
	if (s[0] != '\0' && strncmp(s + 1, ".7.", 3) == 0)
		return "securityerror";
	if (f->diag_type != NULL && strncmp(f->diag_type, "x-unix", 6) == 0)
		return "mailererror";
	if (f->action != NULL && (strcmp(f->action, "delayed") == 0 ||
	    strcmp(f->action, "expired") == 0))
		return "expired";
	if (f->command != NULL && (strcmp(f->command, "EHLO") == 0 ||
	    strcmp(f->command, "HELO") == 0 || strcmp(f->command, "CONN") == 0))
		return "blocked";
	if (f->command != NULL && strcmp(f->command, "MAIL") == 0)
		return "rejected";
	return by_code(f->code);
}

/* explain_classify - the generic reason for f */
const char *explain_classify(const struct explain_facts *f)
{
	bool weak = true;
	const char *st = explain_status_reason(f->status, &weak);
	const char *r;

	if (f->diag_type != NULL && strcmp(f->diag_type, "smtp") != 0) {
		/* not a remote reply (a local mailer, the reporting MTA's own
		 * words): no competition with the status, phrases first */
		if ((r = weak_text(f->lower)) != NULL || (r = st) != NULL)
			return r;
	} else if ((r = from_text(f, f->lower, true)) != NULL) {
		return r;
	}
	if (f->context != NULL && (r = from_text(f, f->context, false)) != NULL)
		return r;
	if ((r = fallback(f, st)) != NULL)
		return r;
	if ((f->lower != NULL && *f->lower != '\0') || (f->context != NULL && *f->context != '\0') ||
	    f->code != 0 || f->status[0] != '\0')
		return "onhold";
	return "undefined";
}

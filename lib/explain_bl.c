/*
 * explain_bl - the DNS blocklist a rejection cites, and what it listed.
 *
 * Receivers name the list in many ways: the zone they queried
 * ("blocked using zen.spamhaus.org"), the list's own name ("listed in
 * Spamhaus SBL", "Barracuda Reputation") or a lookup URL
 * ("spamcop.net/bl.shtml?1.2.3.4").  The table maps each of those to one
 * display name, most specific first.  The listed item is, in order: the
 * bracketed value Postfix's RBL template puts before "blocked using", a
 * lookup URL's ip= or query/ip/ or query/domain/ argument, the address
 * after "client host", "mail from" or "from ip", then the first IP
 * address in the text that is not a 127/8 answer code.
 *
 * Spamhaus answers 127.255.255.252 (typo in the list name), .254 (query
 * through a public or open resolver) and .255 (too many queries) to
 * refuse a query: those say nothing about the sender, and a receiver that
 * rejects on them has a broken resolver setup.  explain_bl_words says so.
 */
#include <arpa/inet.h>
#include <string.h>

#include "explain_impl.h"

struct bl_row {
	const char *needle;	/* lowercase text that names the list */
	const char *name;
	bool domain;		/* lists domains, not IP addresses */
};

static const struct bl_row lists[] = {
	{ "zen.spamhaus.org", "Spamhaus ZEN", false },
	{ "sbl-xbl.spamhaus.org", "Spamhaus SBL-XBL", false },
	{ "sbl.spamhaus.org", "Spamhaus SBL", false },
	{ "xbl.spamhaus.org", "Spamhaus XBL", false },
	{ "pbl.spamhaus.org", "Spamhaus PBL", false },
	{ "dbl.spamhaus.org", "Spamhaus DBL", true },
	{ "zrd.spamhaus.org", "Spamhaus ZRD", true },
	{ "sblcss", "Spamhaus CSS", false },
	{ "spamhaus css", "Spamhaus CSS", false },
	{ "query/pbl", "Spamhaus PBL", false },
	{ "spamhaus pbl", "Spamhaus PBL", false },
	{ "query/sbl", "Spamhaus SBL", false },
	{ "spamhaus sbl", "Spamhaus SBL", false },
	{ "spamhaus xbl", "Spamhaus XBL", false },
	{ "spamhaus's xbl", "Spamhaus XBL", false },
	{ "spamhaus dbl", "Spamhaus DBL", true },
	{ "query/domain/", "Spamhaus DBL", true },
	{ "spamhaus zen", "Spamhaus ZEN", false },
	{ "spamhaus", "Spamhaus", false },
	{ "barracudacentral", "Barracuda BRBL", false },
	{ "barracuda reputation", "Barracuda BRBL", false },
	{ "spamcop", "SpamCop", false },
	{ "dnsbl-1.uceprotect.net", "UCEPROTECT level 1", false },
	{ "dnsbl-2.uceprotect.net", "UCEPROTECT level 2", false },
	{ "dnsbl-3.uceprotect.net", "UCEPROTECT level 3", false },
	{ "uceprotect", "UCEPROTECT", false },
	{ "sorbs", "SORBS", false },
	{ "psbl.surriel.com", "PSBL", false },
	{ "psbl", "PSBL", false },
	{ "mailspike", "Mailspike", false },
	{ "spamrats", "SpamRATS", false },
	{ "abuseat.org", "CBL (abuseat.org)", false },
	{ "dnsbl-lookup", "Proofpoint Dynamic Reputation", false },
	{ "(s3150)", "Microsoft's block list", false },
	{ "(s3140)", "Microsoft's block list", false },
	{ "cloudmark", "Cloudmark CSI", false },
	{ "surbl", "SURBL", true },
	{ "uribl", "URIBL", true },
	{ "dnsbl.manitu.net", "NiX Spam", false },
	{ "nixspam", "NiX Spam", false },
	{ "abusix", "Abusix Mail Intelligence", false },
	{ "invaluement", "Invaluement", false },
	{ "ivmsip", "Invaluement", false },
	{ "backscatterer", "Backscatterer", false },
	{ "senderscore", "Validity Sender Score", false },
	{ "hostkarma", "Hostkarma", false },
	{ "gbudb", "GBUdb Truncate", false },
	{ NULL, NULL, false }
};

/* Where a listed item follows; each is tried in order. */
static const char *const item_marks[] = {
	"?ip=", "&ip=", "query/ip/", "query/domain/", "?domain=", "/bl.shtml?", "lookup?",
	"client host [", "client host ", "mail from ip ", "from ip ", "mail from ",
	"ip address ", "messages from [", "messages from ", NULL
};

/* item_char - a byte that can be part of an address or domain */
static bool item_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '.' || c == '-' ||
	    c == ':' || c == '_';
}

/* take_item - copy the address or domain at p into bl->item */
static bool take_item(const char *p, struct explain_bl *bl)
{
	size_t n = 0;

	while (item_char(p[n]) && n + 1 < sizeof(bl->item))
		n++;
	while (n > 0 && (p[n - 1] == '.' || p[n - 1] == ':' || p[n - 1] == '-'))
		n--;
	if (n == 0 || (memchr(p, '.', n) == NULL && memchr(p, ':', n) == NULL))
		return false;
	memcpy(bl->item, p, n);
	bl->item[n] = '\0';
	return true;
}

/* is_addr - p[0..n) is an IPv4 or IPv6 address */
static bool is_addr(const char *p, size_t n, bool *v4_r)
{
	char tmp[64];
	unsigned char bin[16];

	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	*v4_r = inet_pton(AF_INET, tmp, bin) == 1;
	return *v4_r || inet_pton(AF_INET6, tmp, bin) == 1;
}

/* first_addr - the first IP address in lower that is not 127/8 */
static bool first_addr(const char *lower, struct explain_bl *bl)
{
	const char *p = lower;
	size_t n;
	bool v4;

	while (*p != '\0') {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || *p == ':') ||
		    (p > lower && item_char(p[-1]))) {
			p++;
			continue;
		}
		n = strspn(p, "0123456789abcdef:.");
		while (n > 0 && p[n - 1] == '.')
			n--;
		if (!item_char(p[n]) && is_addr(p, n, &v4) && !(v4 && strncmp(p, "127.", 4) == 0))
			return take_item(p, bl);
		p += n > 0 ? n : 1;
	}
	return false;
}

/* find_item - the listed item, by the rules in the file comment */
static void find_item(const char *lower, struct explain_bl *bl)
{
	const char *p = strstr(lower, "] blocked using"), *lb;
	size_t i;

	bl->item[0] = '\0';
	if (p != NULL) {
		for (lb = p; lb > lower && lb[-1] != '[' && p - lb < 255; lb--)
			;
		if (lb > lower && lb[-1] == '[') {
			const char *at = memchr(lb, '@', (size_t)(p - lb));

			if (take_item(at != NULL && bl->domain ? at + 1 : lb, bl))
				return;
		}
	}
	for (i = 0; item_marks[i] != NULL; i++)
		if ((p = strstr(lower, item_marks[i])) != NULL &&
		    take_item(p + strlen(item_marks[i]), bl))
			return;
	first_addr(lower, bl);
}

/* explain_bl_find - the blocklist lower names */
bool explain_bl_find(const char *lower, struct explain_bl *bl)
{
	const struct bl_row *r;

	memset(bl, 0, sizeof(*bl));
	for (r = lists; r->needle != NULL; r++)
		if (strstr(lower, r->needle) != NULL)
			break;
	if (r->needle == NULL)
		return false;
	bl->name = r->name;
	bl->domain = r->domain;
	bl->refused = strstr(lower, "127.255.255.25") != NULL;
	find_item(lower, bl);
	return true;
}

/* explain_bl_words - cause and remedy for a blocklist rejection */
int explain_bl_words(const struct explain_bl *bl, struct buf *cause, struct buf *remedy)
{
	const char *item = bl->item[0] != '\0' ? bl->item : NULL;
	struct buf what = BUF_INIT;
	int rc;

	if (bl->domain)
		rc = item ? buf_printf(&what, "%s, a domain of the message (sender, links or "
		    "HELO),", item) : buf_puts(&what, "a domain of the message (sender, links or HELO)");
	else
		rc = buf_printf(&what, "the sending IP address%s%s", item ? " " : "", item ? item : "");
	if (rc < 0)
		return -1;
	if (bl->refused)
		rc = buf_printf(cause, "The receiver's query to %s was refused (an answer in "
		    "127.255.255.0/24: a query through a public or open resolver, or too many "
		    "queries), and it rejected the mail on that answer; it says nothing about "
		    "whether %s is listed.", bl->name, buf_cstr(&what)) < 0 ||
		    buf_printf(remedy, "Nothing to delist: tell the receiver's postmaster that "
		    "their %s queries are refused (they need their own resolver or Spamhaus DQS), "
		    "and retry later.", bl->name) < 0 ? -1 : 0;
	else
		rc = buf_printf(cause, "The receiver found %s in %s and refused the mail.",
		    buf_cstr(&what), bl->name) < 0 ||
		    buf_printf(remedy, "Look %s up on the %s site, find and stop the cause (a "
		    "compromised account or host, an open relay, spam to old lists%s), then "
		    "request delisting; mail to this receiver fails until then.",
		    item ? item : bl->domain ? "the domain" : "the IP address", bl->name,
		    bl->domain ? ", or the domain used in links" : "") < 0 ? -1 : 0;
	buf_free(&what);
	return rc;
}

/*
 * test-rep - the pure parts of lib/rep.c: the reversed query names of
 * IPv4 and IPv6 addresses (DNSBL and PTR), and the names of the lists
 * behind a zone and its answer.  The lookups themselves run against a
 * real nsd in tests/rep/test-rep.sh.
 */
#include <stdbool.h>
#include <string.h>

#include "rep.h"
#include "tap.h"

static const struct {
	const char *ip, *want;	/* want NULL: not an address */
} rev_cases[] = {
	{ "192.0.2.10", "10.2.0.192" },
	{ "127.0.0.2", "2.0.0.127" },
	{ "2001:db8::1",
	  "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2" },
	{ "::ffff:192.0.2.1",
	  "1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0" },
	{ "192.0.2", NULL },
	{ "mail.example.com", NULL },
	{ "", NULL },
	{ "1.2.3.4.5", NULL },
};

static const struct {
	const char *zone, *answer, *want;
} list_cases[] = {
	{ "zen.spamhaus.org", "127.0.0.2", "Spamhaus SBL" },
	{ "zen.spamhaus.org", "127.0.0.3", "Spamhaus CSS" },
	{ "zen.spamhaus.org", "127.0.0.4", "Spamhaus XBL" },
	{ "zen.spamhaus.org", "127.0.0.11", "Spamhaus PBL" },
	{ "zen.spamhaus.org", "127.0.0.99", "Spamhaus" },
	{ "dbl.spamhaus.org", "127.0.1.2", "Spamhaus DBL" },
	{ "b.barracudacentral.org", "127.0.0.2", "Barracuda BRBL" },
	{ "bl.spamcop.net", "127.0.0.2", "SpamCop" },
	{ "multi.surbl.org", "127.0.0.8", "SURBL" },
	{ "multi.uribl.com", "127.0.0.2", "URIBL" },
	{ "dnsbl.example.net", "127.0.0.2", "dnsbl.example.net" },
};

static const struct {
	const char *ip;
	bool local;
} local_cases[] = {
	{ "10.1.2.3", true }, { "172.16.0.1", true }, { "172.32.0.1", false },
	{ "192.168.1.1", true }, { "127.0.0.1", true }, { "169.254.1.1", true },
	{ "100.64.0.1", true }, { "100.128.0.1", false }, { "192.0.2.10", true },
	{ "198.51.100.1", true }, { "203.0.113.9", true }, { "198.18.0.10", false },
	{ "8.8.8.8", false }, { "::1", true }, { "fe80::1", true }, { "fd00::1", true },
	{ "2001:db8::1", true }, { "2a00:1450::1", false },
};

int main(void)
{
	char out[80];
	size_t i;

	for (i = 0; i < sizeof(rev_cases) / sizeof(rev_cases[0]); i++) {
		bool got = rep_reverse_name(rev_cases[i].ip, out, sizeof(out));

		if (rev_cases[i].want == NULL)
			ok(!got, "reverse of '%s': not an address", rev_cases[i].ip);
		else
			is_str(got ? out : "(false)", rev_cases[i].want, "reverse of %s",
			    rev_cases[i].ip);
	}
	ok(!rep_reverse_name("2001:db8::1", out, 40), "reverse: a short buffer is refused");
	for (i = 0; i < sizeof(local_cases) / sizeof(local_cases[0]); i++)
		ok(rep_is_local(local_cases[i].ip) == local_cases[i].local, "%s is %s",
		    local_cases[i].ip, local_cases[i].local ? "local" : "global");
	for (i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++)
		is_str(rep_list_name(list_cases[i].zone, list_cases[i].answer), list_cases[i].want,
		    "list of %s %s", list_cases[i].zone, list_cases[i].answer);
	return tap_done();
}

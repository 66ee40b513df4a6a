/*
 * test-cidr - parsing networks (strict prefixes) and matching addresses,
 * IPv4-mapped IPv6 clients included.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cidr.h"
#include "tap.h"

static const struct {
	const char *text;
	bool ok;
} add_cases[] = {
	{ "127.0.0.0/8", true },
	{ "10.1.2.3", true },
	{ "1.2.3.4/32", true },
	{ "0.0.0.0/0", true },
	{ "::1", true },
	{ "::/0", true },
	{ "2001:db8::/32", true },
	{ "2001:db8::1/128", true },
	{ "::ffff:10.0.0.0/104", true },
	{ "10.0.0.0/33", false },
	{ "10.0.0.0/-1", false },
	{ "10.0.0.0/+8", false },
	{ "10.0.0.0/08", false },
	{ "10.0.0.0/ 8", false },
	{ "10.0.0.0/8 ", false },
	{ "10.0.0.0/", false },
	{ "10.0.0.0/8/8", false },
	{ "10.0.0.0/1000", false },
	{ "10.0.0.0/4294967304", false },
	{ "::/129", false },
	{ "::1/0128", false },
	{ "/8", false },
	{ "", false },
	{ "1.2.3", false },
	{ "256.1.1.1", false },
	{ "a.b.c.d", false },
	{ "example.com", false },
	{ "fe80::1%eth0", false },
	{ " 10.0.0.1", false },
	{ "1111:2222:3333:4444:5555:6666:7777:8888:9999/64", false },
	{ "1111:2222:3333:4444:5555:6666:123.123.123.123/128", true },
};

static const char *const networks[] = {
	"127.0.0.0/8", "::1", "10.1.2.3", "192.168.0.0/23", "2001:db8::/32",
	"172.16.5.4/12",	/* host bits set: stored as 172.16.0.0/12 */
};

static const struct {
	const char *addr;
	bool match;
} match_cases[] = {
	{ "127.0.0.1", true },
	{ "127.255.255.255", true },
	{ "128.0.0.1", false },
	{ "126.255.255.255", false },
	{ "::1", true },
	{ "::2", false },
	{ "10.1.2.3", true },
	{ "10.1.2.4", false },
	{ "192.168.1.200", true },
	{ "192.168.0.0", true },
	{ "192.168.2.1", false },
	{ "2001:db8:1::5", true },
	{ "2001:DB8::", true },
	{ "2001:db9::", false },
	{ "172.31.255.255", true },
	{ "172.32.0.0", false },
	{ "172.15.255.255", false },
	{ "::ffff:127.0.0.1", true },	/* IPv4-mapped matches IPv4 nets */
	{ "::FFFF:10.1.2.3", true },
	{ "::ffff:7f00:1", true },	/* same, written in hex */
	{ "::ffff:11.0.0.1", false },
	{ "::127.0.0.1", false },	/* IPv4-compatible is not mapped */
	{ "64:ff9b::127.0.0.1", false },
	{ "127.0.0.1/8", false },
	{ "garbage", false },
	{ "", false },
	{ "[127.0.0.1]", false },
	{ "127.0.0.1 ", false },
	{ "fe80::1%lo", false },
	{ "IPv6:::1", true },		/* Sendmail's {client_addr} form */
	{ "ipv6:2001:db8::7", true },
	{ "IPv6:::ffff:127.0.0.1", true },
	{ "IPv6:127.0.0.1", true },
	{ "IPv6:", false },
};

static void test_add(void)
{
	struct cidr_list l = { NULL, 0 };
	const char *err;
	size_t i, before;
	int r;

	for (i = 0; i < sizeof(add_cases) / sizeof(add_cases[0]); i++) {
		before = l.n;
		err = NULL;
		r = cidr_list_add(&l, add_cases[i].text, &err);
		is_int(r, add_cases[i].ok ? 0 : -1, "add '%s'", add_cases[i].text);
		is_int(l.n, before + (add_cases[i].ok ? 1 : 0),
		    "list length after '%s'", add_cases[i].text);
		ok(add_cases[i].ok || (err != NULL && *err != '\0'),
		    "error text for '%s'", add_cases[i].text);
	}
	cidr_list_free(&l);
	ok(l.v == NULL && l.n == 0, "free leaves an empty list");
}

static void test_match(void)
{
	struct cidr_list l = { NULL, 0 };
	const char *err;
	size_t i;

	for (i = 0; i < sizeof(networks) / sizeof(networks[0]); i++)
		is_int(cidr_list_add(&l, networks[i], &err), 0, "network %s", networks[i]);
	is_int(l.v[5].addr[1], 16, "host bits cleared (172.16.5.4/12 -> 172.16.0.0)");
	is_int(l.v[5].addr[2], 0, "host bits cleared in the third byte");
	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++)
		is_int(cidr_list_match(&l, match_cases[i].addr), match_cases[i].match,
		    "match '%s'", match_cases[i].addr);
	ok(!cidr_list_match(&l, NULL), "NULL address matches nothing");
	cidr_list_free(&l);
	ok(!cidr_list_match(&l, "127.0.0.1"), "empty list matches nothing");
}

/* test_any - 0.0.0.0/0 takes every IPv4 and mapped client, no IPv6 one */
static void test_any(void)
{
	struct cidr_list l = { NULL, 0 };
	const char *err;

	is_int(cidr_list_add(&l, "0.0.0.0/0", &err), 0, "add 0.0.0.0/0");
	ok(cidr_list_match(&l, "203.0.113.9"), "0/0 matches an IPv4 address");
	ok(cidr_list_match(&l, "::ffff:203.0.113.9"), "0/0 matches a mapped address");
	ok(!cidr_list_match(&l, "2001:db8::1"), "0/0 does not match IPv6");
	is_int(cidr_list_add(&l, "::/0", &err), 0, "add ::/0");
	ok(cidr_list_match(&l, "2001:db8::1"), "::/0 matches IPv6");
	cidr_list_free(&l);
}

int main(void)
{
	test_add();
	test_match();
	test_any();
	return tap_done();
}

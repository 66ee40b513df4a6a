/* test-addr - RFC 5322 address lists and domain syntax; hostile values
 * (colons, nested comments, quotes, huge lists) must finish quickly */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "tap.h"

struct list_case {
	const char *v;
	size_t count, groups;
	const char *local, *domain;	/* first mailbox, when count > 0 */
	const char *error;		/* expected error, NULL = parses */
};

static const struct list_case list_cases[] = {
	{ "a@example.com", 1, 0, "a", "example.com", NULL },
	{ "John Doe <john@example.com>", 1, 0, "john", "example.com", NULL },
	{ "\"Doe, John\" <john@example.com>", 1, 0, "john", "example.com", NULL },
	{ "John Q. Public <jqp@example.com>", 1, 0, "jqp", "example.com", NULL },
	{ "a@b.example, c@d.example", 2, 0, "a", "b.example", NULL },
	{ "a@b.example,,c@d.example,", 2, 0, "a", "b.example", NULL },
	{ "undisclosed-recipients:;", 0, 1, NULL, NULL, NULL },
	{ "Friends: a@x.example, b@y.example;, c@z.example", 3, 1, "a", "x.example", NULL },
	{ "Empty: ;", 0, 1, NULL, NULL, NULL },
	{ "<@relay.example,@r2.example:user@example.com>", 1, 0, "user", "example.com", NULL },
	{ "\"quoted\\\"local\"@example.com", 1, 0, "\"quoted\\\"local\"", "example.com", NULL },
	{ "\"a b\".c@example.com", 1, 0, "\"a b\".c", "example.com", NULL },
	{ "john (comment (nested)) @ example . com", 1, 0, "john", "example.com", NULL },
	{ "John (the (great)) Doe <j@x.example>", 1, 0, "j", "x.example", NULL },
	{ "=?UTF-8?B?SsO2cmc=?= <j@x.example>", 1, 0, "j", "x.example", NULL },
	{ "J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>", 1, 0, "j\xc3\xb6rg",
	  "b\xc3\xbc" "cher.example", NULL },
	{ "user@[192.0.2.1]", 1, 0, "user", "[192.0.2.1]", NULL },
	{ "a@example.com (trailing comment)", 1, 0, "a", "example.com", NULL },
	{ "\r\n a@example.com\r\n", 1, 0, "a", "example.com", NULL },
	{ "", 0, 0, NULL, NULL, NULL },
	{ "   ", 0, 0, NULL, NULL, NULL },
	/* errors */
	{ "Doe, John <john@example.com>", 0, 0, NULL, NULL,
	  "address without '@' (display name needs <...>)" },
	{ "Friends: a@x.example", 1, 1, "a", "x.example", "group not closed with ';'" },
	{ "<>", 0, 0, NULL, NULL, "empty angle address <>" },
	{ "john@", 0, 0, NULL, NULL, "missing domain after '@'" },
	{ "@example.com", 0, 0, NULL, NULL, "missing local part before '@'" },
	{ "john..doe@example.com", 0, 0, NULL, NULL,
	  "invalid local part (words must be joined by '.')" },
	{ "john.@example.com", 0, 0, NULL, NULL,
	  "invalid local part (words must be joined by '.')" },
	{ "john doe@example.com", 0, 0, NULL, NULL,
	  "invalid local part (words must be joined by '.')" },
	{ "john@example..com", 0, 0, NULL, NULL, "empty label inside the domain" },
	{ "john@example.com.", 0, 0, NULL, NULL, "empty label inside the domain" },
	{ "john@exa mple.com", 1, 0, "john", "exa", "expected ',' between addresses" },
	{ "John <john@example.com", 1, 0, "john", "example.com", "missing '>' after address" },
	{ "John <john>", 0, 0, NULL, NULL, "expected '@' inside angle address" },
	{ "<@relay.example user@example.com>", 0, 0, NULL, NULL,
	  "malformed route in angle address" },
	{ "a@b.example c@d.example", 1, 0, "a", "b.example", "expected ',' between addresses" },
	{ "\"unterminated@example.com", 0, 0, NULL, NULL, "unterminated quoted string" },
	{ "(unterminated comment a@b.example", 0, 0, NULL, NULL, "unterminated comment" },
	{ "a@[192.0.2.1", 0, 0, NULL, NULL, "unterminated domain literal" },
	{ "a@b.example\x01", 1, 0, "a", "b.example", "control character" },
	{ "a\\b@x.example", 0, 0, NULL, NULL, "unexpected character where an address should start" },
	{ "A: B: c@d.example;;", 0, 1, NULL, NULL, "group inside a group" },
	{ ":;", 0, 0, NULL, NULL, "group without a display name" },
	{ "a@b.example)", 1, 0, "a", "b.example", "expected ',' between addresses" },
	{ "G: a@b.example x", 1, 1, "a", "b.example", "expected ',' or ';' inside group" },
};

static void test_lists(void)
{
	size_t i;

	for (i = 0; i < sizeof(list_cases) / sizeof(list_cases[0]); i++) {
		const struct list_case *c = &list_cases[i];
		struct addr_list l = ADDR_LIST_INIT;
		const char *err = NULL;

		is_int(addr_parse_list(c->v, &l, &err), 0, "parse \"%s\" returns 0", tap_esc(c->v));
		is_int(l.count, c->count, "mailboxes in \"%s\"", tap_esc(c->v));
		is_int(l.groups, c->groups, "groups in \"%s\"", tap_esc(c->v));
		is_str(l.error, c->error, "error for \"%s\"", tap_esc(c->v));
		if (c->count > 0 && l.n > 0) {
			is_str(l.v[0].local, c->local, "local part of \"%s\"", tap_esc(c->v));
			is_str(l.v[0].domain, c->domain, "domain of \"%s\"", tap_esc(c->v));
		}
		addr_list_free(&l);
		is_int(l.n + l.count, 0, "free leaves an empty list");
	}
}

static void test_error_pos(void)
{
	struct addr_list l = ADDR_LIST_INIT;
	const char *err;

	addr_parse_list("a@b.example, John <x>", &l, &err);
	is_int(l.error_pos, 20, "error offset points at the '>'");
	addr_list_free(&l);
}

static void test_domains(void)
{
	static const struct { const char *d; bool ok; const char *why; } cases[] = {
		{ "example.com", true, NULL },
		{ "a.b.c.example", true, NULL },
		{ "xn--bcher-kva.example", true, NULL },
		{ "b\xc3\xbc" "cher.example", true, NULL },
		{ "123.example.com", true, NULL },
		{ "EXAMPLE.COM", true, NULL },
		{ "[192.0.2.1]", true, NULL },
		{ "[IPv6:2001:db8::1]", true, NULL },
		{ "[300.1.1.1]", false, "malformed address literal" },
		{ "[1.2.3]", false, "malformed address literal" },
		{ "[2001:db8::1]", false, "malformed address literal" },
		{ "[192.0.2.1", false, "malformed address literal" },
		{ "localhost", false, "needs at least two labels" },
		{ "example.123", false, "top-level domain is all digits" },
		{ "192.0.2.1", false, "top-level domain is all digits" },
		{ "-a.example", false, "label starts or ends with a hyphen" },
		{ "a-.example", false, "label starts or ends with a hyphen" },
		{ "a..example", false, "empty label" },
		{ ".example", false, "empty label" },
		{ "example.com.", false, "empty label" },
		{ "ex_ample.com", false, "character not allowed in a host name" },
		{ "", false, "empty domain" },
	};
	char big[300];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		is_int(addr_domain_valid(cases[i].d, &why), cases[i].ok, "domain \"%s\"",
		    tap_esc(cases[i].d));
		is_str(why, cases[i].why, "reason for \"%s\"", tap_esc(cases[i].d));
	}
	/* label and total lengths at and past the limits */
	memset(big, 'a', 63);
	memcpy(big + 63, ".example", sizeof(".example"));
	ok(addr_domain_valid(big, NULL), "63-octet label is valid");
	memset(big, 'a', 64);
	memcpy(big + 64, ".example", sizeof(".example"));
	why = NULL;
	ok(!addr_domain_valid(big, &why), "64-octet label is not");
	is_str(why, "label longer than 63 octets", "64-octet label reason");
	for (i = 0; i < 253; i++)
		big[i] = i % 64 == 63 ? '.' : 'a';
	big[253] = '\0';
	ok(addr_domain_valid(big, NULL), "253-octet domain is valid");
	big[253] = 'a';
	big[254] = '\0';
	ok(!addr_domain_valid(big, NULL), "254-octet domain is not");
}

/* hostile - every case finishes fast and reports an error, not a crash */
static void test_hostile(void)
{
	static const struct { const char *unit; const char *prefix; const char *error; } cases[] = {
		{ ":", "", "group without a display name" },
		{ ":", "a", "group inside a group" },
		{ "(", "", "comments nested too deeply" },
		{ "\"", "", NULL },
		{ "<", "", "expected '@' inside angle address" },
		{ "a.", "", NULL },
		{ "@", "", "missing local part before '@'" },
		{ "a ", "x", "address without '@' (display name needs <...>)" },
	};
	size_t n = 99999, i, j, ul, pl;
	char *s = malloc(3 * n + 16);
	struct addr_list l = ADDR_LIST_INIT;
	const char *err;
	clock_t t0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pl = strlen(cases[i].prefix);
		ul = strlen(cases[i].unit);
		memcpy(s, cases[i].prefix, pl);
		for (j = 0; j < n; j++)
			memcpy(s + pl + j * ul, cases[i].unit, ul);
		s[pl + n * ul] = '\0';
		t0 = clock();
		is_int(addr_parse_list(s, &l, &err), 0, "99,999 x \"%s\" returns", cases[i].unit);
		ok(l.error != NULL, "99,999 x \"%s\" is an error (%s)", cases[i].unit,
		    l.error ? l.error : "none");
		if (cases[i].error != NULL)
			is_str(l.error, cases[i].error, "99,999 x \"%s\" reason", cases[i].unit);
		ok((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0, "99,999 x \"%s\" took %.3fs",
		    cases[i].unit, (double)(clock() - t0) / CLOCKS_PER_SEC);
		addr_list_free(&l);
	}

	/* 99,999 flat comments, then a mailbox: scanned to the end */
	for (j = 0; j < n; j++)
		memcpy(s + j * 3, "(a)", 3);
	memcpy(s + n * 3, "x@y.example", sizeof("x@y.example"));
	t0 = clock();
	addr_parse_list(s, &l, &err);
	is_int(l.count, 1, "mailbox after 99,999 comments is found");
	ok(l.error == NULL, "99,999 comments are valid syntax");
	ok((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0, "99,999 comments took %.3fs",
	    (double)(clock() - t0) / CLOCKS_PER_SEC);
	addr_list_free(&l);

	/* a list of 100,000 mailboxes: all counted, the first 1000 kept */
	free(s);
	s = malloc(100000 * 8 + 1);
	for (i = 0; i < 100000; i++)
		memcpy(s + i * 8, "a@b.ex, ", 8);
	s[100000 * 8] = '\0';
	t0 = clock();
	is_int(addr_parse_list(s, &l, &err), 0, "100k mailboxes parse");
	is_int(l.count, 100000, "100k mailboxes counted");
	is_int(l.n, ADDR_MAX_MAILBOXES, "only the cap is kept");
	ok(l.error == NULL, "100k mailboxes are valid syntax");
	ok((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0, "100k mailboxes took %.3fs",
	    (double)(clock() - t0) / CLOCKS_PER_SEC);
	addr_list_free(&l);
	free(s);
}

int main(void)
{
	test_lists();
	test_error_pos();
	test_domains();
	test_hostile();
	return tap_done();
}

/*
 * cidr - lists of IPv4/IPv6 networks (see cidr.h for the contract).
 *
 * Networks are "a.b.c.d", "a.b.c.d/n" (n 0..32) or an IPv6 address with an
 * optional "/n" (n 0..128).  The prefix must be plain decimal without sign,
 * spaces or leading zeros, so "10.0.0.0/08" and "::1/+128" are rejected
 * rather than guessed at.  Host bits below the prefix are cleared, so
 * "10.1.2.3/8" is stored as 10.0.0.0/8.
 *
 * An IPv4-mapped IPv6 client address (::ffff:1.2.3.4, what a dual-stack
 * listener reports for an IPv4 peer) matches IPv4 networks as the plain
 * IPv4 address, and IPv6 networks as itself.  A leading "IPv6:", as in
 * Sendmail's {client_addr} macro, is skipped.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cidr.h"

/* Longest accepted network text: an IPv6 address plus "/128". */
#define CIDR_TEXT_MAX (INET6_ADDRSTRLEN + 4)

static const unsigned char v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* parse_prefix - strict decimal 0..max; -1 when malformed or too big */
static int parse_prefix(const char *s, unsigned max)
{
	unsigned v = 0;
	size_t i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 3)
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	return v > max ? -1 : (int)v;
}

/* parse_addr - text to family + 16 address bytes (IPv4 in the first 4) */
static int parse_addr(const char *s, int *family_r, unsigned char addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family_r = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family_r = AF_INET6;
		return 0;
	}
	return -1;
}

/* mask_host_bits - clear every bit after the first prefix bits */
static void mask_host_bits(unsigned char addr[16], unsigned prefix)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (prefix >= 8) {
			prefix -= 8;
			continue;
		}
		addr[i] &= (unsigned char)(0xff00u >> prefix);
		prefix = 0;
	}
}

/* cidr_list_add - parse one network and append it to l */
int cidr_list_add(struct cidr_list *l, const char *text, const char **error_r)
{
	char tmp[CIDR_TEXT_MAX + 1];
	struct cidr c;
	struct cidr *v;
	char *slash;
	unsigned max;
	int prefix;

	if (strlen(text) > CIDR_TEXT_MAX) {
		*error_r = "not an IP network (too long)";
		return -1;
	}
	memcpy(tmp, text, strlen(text) + 1);
	slash = strchr(tmp, '/');
	if (slash != NULL)
		*slash = '\0';
	if (parse_addr(tmp, &c.family, c.addr) < 0) {
		*error_r = "not an IP address";
		return -1;
	}
	max = c.family == AF_INET ? 32 : 128;
	prefix = slash != NULL ? parse_prefix(slash + 1, max) : (int)max;
	if (prefix < 0) {
		*error_r = c.family == AF_INET ?
		    "bad prefix length (0-32 for IPv4)" :
		    "bad prefix length (0-128 for IPv6)";
		return -1;
	}
	c.prefix = (unsigned)prefix;
	mask_host_bits(c.addr, c.prefix);

	if (l->n >= SIZE_MAX / sizeof(*v) - 1) {
		*error_r = "out of memory";
		return -1;
	}
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v == NULL) {
		*error_r = "out of memory";
		return -1;
	}
	v[l->n++] = c;
	l->v = v;
	return 0;
}

/* prefix_equal - the first prefix bits of a and b agree */
static bool prefix_equal(const unsigned char *a, const unsigned char *b, unsigned prefix)
{
	unsigned whole = prefix / 8, rest = prefix % 8;
	unsigned char mask;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff00u >> rest);
	return (a[whole] & mask) == (b[whole] & mask);
}

/* cidr_list_match - true when addr (text) lies in one of l's networks */
bool cidr_list_match(const struct cidr_list *l, const char *addr)
{
	unsigned char a[16], v4[4];
	bool mapped = false;
	int family;
	size_t i;

	if (addr == NULL)
		return false;
	if (strncasecmp(addr, "IPv6:", 5) == 0)
		addr += 5;
	if (strlen(addr) > INET6_ADDRSTRLEN)
		return false;
	if (parse_addr(addr, &family, a) < 0)
		return false;
	if (family == AF_INET6 && memcmp(a, v4mapped_prefix, 12) == 0) {
		memcpy(v4, a + 12, 4);
		mapped = true;
	}
	for (i = 0; i < l->n; i++) {
		const struct cidr *c = &l->v[i];

		if (c->family == family && prefix_equal(c->addr, a, c->prefix))
			return true;
		if (mapped && c->family == AF_INET &&
		    prefix_equal(c->addr, v4, c->prefix))
			return true;
	}
	return false;
}

/* cidr_list_free - release the array; l becomes an empty list */
void cidr_list_free(struct cidr_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

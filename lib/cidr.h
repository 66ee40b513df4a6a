/*
 * cidr - lists of IPv4/IPv6 networks ("127.0.0.0/8", "::1", "10.1.2.3").
 *
 * Used for InternalHosts.  A cidr_list owns its array.  cidr_list_add
 * returns 0, or -1 with a static *error_r for a malformed network or when
 * out of memory.  cidr_list_match accepts an address in text form
 * (IPv4-mapped IPv6 addresses match IPv4 networks); an unparseable address
 * matches nothing.
 */
#ifndef PF_CIDR_H
#define PF_CIDR_H

#include <stdbool.h>
#include <stddef.h>

struct cidr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};

struct cidr_list {
	struct cidr *v;
	size_t n;
};

int cidr_list_add(struct cidr_list *l, const char *text, const char **error_r);
bool cidr_list_match(const struct cidr_list *l, const char *addr);
void cidr_list_free(struct cidr_list *l);

#endif

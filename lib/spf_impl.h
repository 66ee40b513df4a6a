/*
 * spf_impl - what the two files of the spf module share; not a contract
 * for any other module (they use spf.h).
 *
 *   spf.c      spf_evaluate (libspf2's check_host) and the record review
 *   spf_dns.c  the DNS layer libspf2 asks through, and what it keeps from
 *              libspf2 1.2.10's compiler
 */
#ifndef PF_SPF_IMPL_H
#define PF_SPF_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>

struct dns;

/* A record term with a macro and at least this many bytes is refused
 * (spf_dns.c says why); the detail of the permerror names it. */
#define SPF_TERM_SAFE_MAX 200

/* One evaluation's DNS state: on spf_evaluate's stack, the hook of its
 * SPF_dns_server_t. */
struct spf_layer {
	struct dns *d;
	uint64_t deadline_ms;
	unsigned queries;
	unsigned tempfails;	/* lookups answered TRY_AGAIN */
	char refused[256];	/* a domain whose record was refused, or "" */
};

/* spf_dns_init - srv as the DNS layer over l, which the caller has
 * zeroed but for d and deadline_ms; nothing to free */
void spf_dns_init(SPF_dns_server_t *srv, struct spf_layer *l);

/* spf_name_ok - false for names no DNS can hold: an empty label, a label
 * over 63 octets, over 253 octets (one trailing dot allowed) */
bool spf_name_ok(const char *name);

/* spf_txt_join - the character-strings of one TXT rdata, concatenated
 * (RFC 7208 section 3.3), malloc'd; a NUL byte becomes DEL so that it
 * cannot cut a record short into something that parses.  NULL when out
 * of memory. */
char *spf_txt_join(const unsigned char *p, size_t len);

#endif

/*
 * addr - RFC 5322 address-list parsing (From, Sender, To, Cc, Reply-To
 * values) and domain-name syntax.
 *
 * addr_parse_list accepts display names, quoted strings with escapes,
 * nested comments (up to ADDR_COMMENT_DEPTH), angle addresses, groups
 * ("undisclosed-recipients:;"), the obsolete route syntax
 * ("<@relay,@relay:user@host>"), empty list elements and UTF-8 (RFC 6532).
 * It keeps the first ADDR_MAX_MAILBOXES mailboxes and counts the rest.
 * The value is scanned once, without recursion, so any input - 100k colons,
 * nested parentheses, an unterminated quote - costs linear time.
 *
 * A syntax error is not a failure: parsing stops there and the list
 * records a static reason and the byte offset; the mailboxes found before
 * it stay in the list.  addr_parse_list returns -1 (*error_r set) only
 * when out of memory.  A list owns its strings; addr_list_free releases
 * them and leaves the list reusable.
 */
#ifndef PF_ADDR_H
#define PF_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#define ADDR_MAX_MAILBOXES 1000
#define ADDR_COMMENT_DEPTH 64

struct addr_mailbox {
	char *local;		/* local part, CFWS removed, quotes and escapes kept */
	char *domain;		/* domain, CFWS removed; "[...]" kept for literals */
};

struct addr_list {
	struct addr_mailbox *v;	/* the first ADDR_MAX_MAILBOXES mailboxes */
	size_t n;		/* kept in v */
	size_t count;		/* mailboxes seen, those past the cap included */
	size_t groups;		/* groups seen (empty ones included) */
	const char *error;	/* NULL when the whole value parsed, else why not */
	size_t error_pos;	/* byte offset where the error was noticed */
};

#define ADDR_LIST_INIT { NULL, 0, 0, 0, NULL, 0 }

/* addr_parse_list - parse value into l (which must be empty or freed) */
int addr_parse_list(const char *value, struct addr_list *l, const char **error_r);
/* addr_list_free - release the mailboxes; l becomes empty */
void addr_list_free(struct addr_list *l);

/* addr_domain_valid - true when domain is usable as a mail domain: LDH
 * labels of 1..63 octets (UTF-8 U-labels allowed, for SMTPUTF8), no
 * leading or trailing hyphen, at least two labels, a TLD that is not all
 * digits, 253 octets at most; or an address literal "[192.0.2.1]" /
 * "[IPv6:2001:db8::1]".  *reason_r (optional) gets a static reason when
 * the domain is not valid. */
bool addr_domain_valid(const char *domain, const char **reason_r);

#endif

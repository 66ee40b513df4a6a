/*
 * config_impl - what the three files of the config module share; not a
 * contract for any other module (they use config.h).
 *
 *   config.c        the key table, defaults, the snapshot and its lookups
 *   config_value.c  one parser per value type
 *   config_file.c   reading files: lines, quoting, Include, duplicates;
 *                   the rules file and the provider profiles
 */
#ifndef PF_CONFIG_IMPL_H
#define PF_CONFIG_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"

enum config_type {
	T_STRING, T_PATH, T_BOOL, T_NUMBER, T_UINT, T_SIZE, T_DURATION, T_ENUM, T_RATE,
	T_CIDRS, T_DOMAINS, T_VERDICTS, T_ADDRS, T_CHECKS, T_PATHS,	/* lists */
	T_ACTION, T_SCORE, T_SIZELIMIT, T_SIGNKEY, T_INCLUDE	/* repeatable */
};

/* Extra validation of a string value beyond its type. */
enum config_check {
	CHECK_NONE, CHECK_SOCKET, CHECK_FACILITY, CHECK_HEADER_NAME, CHECK_NONEMPTY,
	CHECK_NAMESERVERS, CHECK_HOSTNAME, CHECK_SOCKET_MODE, CHECK_GROUP,
	CHECK_POSITIVE, CHECK_LISTEN
};

/* The parsing half of one key-table row; config_key_info is the other. */
struct config_key {
	enum config_type type;
	size_t off;		/* offsetof(struct config, field) */
	enum config_check check;
};

/* Both tables are generated from the one CONFIG_KEYS list in config.c and
 * have config_nkeys rows in the same order. */
extern const struct config_key config_key_table[];
extern const struct config_key_info config_key_info_table[];
extern const size_t config_nkeys;

/* config_key_find - the row of a key name (any case), or -1 */
int config_key_find(const char *name);
/* config_key_repeatable - the key may be given on many lines */
bool config_key_repeatable(size_t i);

/* What a value parser needs: the snapshot being filled, the file the value
 * came from (NULL for defaults: relative paths stay relative), and where
 * to write the reason a value is refused. */
struct config_setctx {
	struct config *cfg;
	const char *file;
	struct buf *why;
};

/* config_value_set - parse value (modified in place) for key row i */
int config_value_set(struct config_setctx *s, size_t i, char *value);
/* config_value_resolve - v, taken from the folder of file when relative;
 * malloc'd, NULL when out of memory */
char *config_value_resolve(const char *file, const char *v);

/* config_value_domain_ok - LDH labels separated by dots, none empty */
bool config_value_domain_ok(const char *d);

/* config_auth.c: EgressAddress, SigningKey, Nameservers, EgressHelo */
int config_auth_set_addrs(struct config_setctx *s, char ***field, char *value);
int config_auth_set_signkey(struct config_setctx *s, char *value);
int config_auth_set_checks(struct config_setctx *s, char ***field, char *value);
int config_auth_check_nameservers(const char *value, struct buf *why);
int config_auth_check_hostname(const char *value, struct buf *why);

/* config.c: SocketMode (octal 000..0777) and SocketGroup (a group name) */
int config_check_socket_mode(const char *value, struct buf *why);
int config_check_group(const char *value, struct buf *why);

/* config_finish - set every key whose given[i] is false to its default;
 * on error *error_r is malloc'd */
int config_finish(struct config *cfg, const bool *given, char **error_r);
/* config_load_profiles - load the shipped profile directory
 * ($PREFLIGHT_PROFILE_DIR, else PF_PROFILE_DIR), then each ProfileDir, into
 * cfg->profiles; on error *error_r is malloc'd (the profile's
 * "file:line: Key: reason") */
int config_load_profiles(struct config *cfg, char **error_r);
/* config_new - an empty snapshot with refcount 1, or NULL */
struct config *config_new(void);

#endif

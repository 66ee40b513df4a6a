/*
 * config - the typed key table, the parser, and the immutable, refcounted
 * snapshot that every thread reads.
 *
 * The file is "Key Value" lines; '#' starts a comment; keys are
 * case-insensitive; "Include FILE" reads another file in place (relative
 * paths are taken from the including file's folder, depth limited).
 * Every key is in one table (config.c) with its type and default; an
 * unknown key, a bad value or a missing file fails the whole load with
 * "file:line: Key: what is wrong".
 *
 * A loaded struct config is never changed.  Readers take a reference
 * (config_ref / config_holder_get) and drop it when done (config_unref);
 * the milter swaps a new snapshot into its holder on SIGUSR1, and a failed
 * reload leaves the old one in place.
 */
#ifndef PF_CONFIG_H
#define PF_CONFIG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cidr.h"

struct rules_set;
struct profile_set;

enum verdict {
	VERDICT_ACCEPT, VERDICT_TAG, VERDICT_HOLD, VERDICT_REJECT, VERDICT_TEMPFAIL,
	VERDICT_COUNT
};

enum config_mode { MODE_ENFORCE, MODE_OBSERVE };
enum config_on_error { ON_ERROR_TEMPFAIL, ON_ERROR_ACCEPT };
enum config_mta { MTA_POSTFIX, MTA_SENDMAIL };

/* FindingAction / FindingScore lines, merged per id */
struct config_override {
	char *id;
	bool has_action;
	enum verdict action;
	bool has_score;
	double score;
};

/* SizeLimit lines (the providers' own limits are in their profiles).
 * domain is an exact domain ("gmail.com") or a name with a trailing ".*"
 * ("hotmail.*") that matches that name followed by one or more labels
 * (hotmail.fr, hotmail.co.uk, but not hotmail itself).  Matching ignores
 * case. */
struct config_size_limit {
	char *domain;
	uint64_t bytes;
};

/* SigningKey lines: where a later signer's key for domain lives */
struct config_signing_key {
	char *domain;		/* lowercase */
	char *selector;
	char *key_file;		/* PEM private key, absolute path */
};

/* A rate limit: at most count in window seconds; count 0 = no limit. */
struct config_rate {
	unsigned count;
	unsigned window;
};

struct config {
	int refcount;		/* atomic: changed only with __atomic builtins */
	char *path;		/* file it was loaded from */

	/* milter */
	char *socket;
	char *user_id;		/* NULL = keep the starting user */
	char *socket_mode;	/* unix socket mode, octal text ("0660") */
	char *socket_group;	/* unix socket group; NULL = UserID's group */
	char *pid_file;		/* NULL = none */
	char *metrics_listen;	/* MetricsListen ADDR:PORT; NULL = off */
	bool syslog;
	char *syslog_facility;
	char *outbound_daemon_name;
	struct cidr_list internal_hosts;
	char **skip_rcpt_domains;	/* NULL-terminated, lowercase */
	enum config_on_error on_error;
	char *header_name;

	/* policy */
	enum config_mode mode;
	double tag_score;
	double hold_score;
	double reject_score;	/* <= 0 means rejecting by score is off */
	double weak_score_cap;	/* the most findings under HoldScore add up to */
	struct config_override *overrides;
	size_t noverrides;

	/* held-message log */
	char *held_log;		/* NULL = no log */
	unsigned log_verdicts;	/* bit (1 << enum verdict) per verdict logged */
	char *postfix_config_dir;	/* postsuper -c DIR; NULL = Postfix default */
	enum config_mta mta;		/* whose queue held release/delete act on */
	char *sendmail_path;		/* MTA sendmail: the binary */
	char *sendmail_config;		/* sendmail -C FILE; NULL = its default */

	/* size and format */
	uint64_t default_size_limit;
	struct config_size_limit *size_limits;	/* SizeLimit lines */
	size_t nsize_limits;
	unsigned max_recipients;
	uint64_t max_header_bytes;	/* hostile-input cap on header bytes kept */
	uint64_t max_body_bytes;	/* body bytes kept for DKIM and content checks */

	/* content: spool, MIME walk, archives, HTML */
	uint64_t spool_memory;		/* body bytes kept in memory before a temp file */
	unsigned max_mime_parts;
	unsigned max_mime_depth;
	uint64_t max_decoded_bytes;	/* decoded bytes inspected per message */
	unsigned max_archive_depth;	/* archives inside archives */
	unsigned max_archive_entries;
	unsigned max_archive_ratio;	/* unpacked : packed */
	uint64_t max_archive_bytes;	/* unpacked bytes read per message */
	uint64_t max_html_bytes;	/* HTML parsed per part */
	unsigned max_regex_steps;	/* PCRE2 match limit of rules and profiles */
	unsigned max_scan_time;		/* seconds for the content checks (MaxScanTime) */
	unsigned date_max_future;	/* seconds */
	unsigned date_max_past;		/* seconds */

	char **checks;		/* Checks: enabled check names, NULL-terminated */

	/* DNS and our own sending identity */
	char *nameservers;	/* "ADDR[@PORT] ..."; NULL = /etc/resolv.conf */
	unsigned dns_timeout;	/* seconds: the DNS budget of one message */
	char *dnssec_trust_anchor;	/* NULL = no DNSSEC validation */
	char **egress_addresses;	/* NULL-terminated; the relay's source IPs */
	char *egress_helo;	/* NULL = unknown */
	struct config_signing_key *signing_keys;
	size_t nsigning_keys;
	unsigned key_check_interval;	/* seconds */
	bool bulk_sender;	/* treat every message as bulk mail */
	char **dnsbl;		/* DNSBL zones for the egress addresses; NULL-terminated */
	char *dnsbl_key;	/* Spamhaus DQS key; "" = public mirrors */
	char **uribl;		/* URIBL zones for URL domains; NULL-terminated */
	unsigned max_uri_lookups;	/* URL domains looked up per message */
	unsigned reputation_interval;	/* seconds between egress checks */

	/* volume (check_rate) and remembered state */
	char *state_backend;	/* StateBackend: sqlite:PATH, redis://..., none */
	struct config_rate user_rate_limit;	/* per SASL user: recipients/window */
	struct config_rate sender_rate_limit;	/* per MAIL FROM, unauthenticated */
	unsigned suppress_days;	/* learned hard bounces are remembered this long */
	char *rules_file;	/* RulesFile; NULL = none */
	struct rules_set *rules;	/* loaded from rules_file by config_load */
	char **profile_dirs;	/* ProfileDir: NULL-terminated, or NULL */
	struct profile_set *profiles;	/* shipped, then ProfileDir; NULL = none */
};

/* config_load - read path into a new snapshot with refcount 1.  On error
 * returns -1 and *error_r gets a malloc'd "file:line: Key: reason" that
 * the caller frees. */
int config_load(const char *path, struct config **cfg_r, char **error_r);
/* config_defaults - a snapshot with every default, no config file read,
 * and the shipped profiles when they load (none otherwise); NULL when out
 * of memory */
struct config *config_defaults(void);
/* config_ref / config_unref - take and drop a reference; the last unref
 * frees the snapshot.  Safe from any thread: the count is atomic. */
struct config *config_ref(struct config *cfg);
void config_unref(struct config **cfgp);

/* config_override_for - the override lines for finding id, or NULL */
const struct config_override *config_override_for(const struct config *cfg, const char *id);
/* config_size_limit_for - the limit for a recipient domain: the first
 * matching SizeLimit line, else DefaultSizeLimit (then *entry_r = NULL;
 * check_size then takes the destination profile's SizeLimit first) */
uint64_t config_size_limit_for(const struct config *cfg, const char *domain,
    const struct config_size_limit **entry_r);
/* config_check_enabled - true when the check named name is in Checks */
bool config_check_enabled(const struct config *cfg, const char *name);
/* config_skip_domain - true when domain is in SkipRecipientDomains */
bool config_skip_domain(const struct config *cfg, const char *domain);

/* The key table, for documentation checks: name, type and default as text.
 * Returns the number of keys; *keys_r points to a static table. */
struct config_key_info {
	const char *name;
	const char *type;
	const char *default_text;
};
size_t config_keys(const struct config_key_info **keys_r);

/* config_holder - where the current snapshot lives */
struct config_holder {
	pthread_mutex_t lock;
	struct config *cur;
};
void config_holder_init(struct config_holder *h, struct config *cfg);
/* config_holder_get - a new reference to the current snapshot */
struct config *config_holder_get(struct config_holder *h);
/* config_holder_swap - install cfg (the holder takes the caller's reference) */
void config_holder_swap(struct config_holder *h, struct config *cfg);
void config_holder_destroy(struct config_holder *h);

/* verdict_name / verdict_parse - "accept" ... "tempfail" */
const char *verdict_name(enum verdict v);
int verdict_parse(const char *s, enum verdict *v_r);

#endif

/*
 * config - the key table, the defaults, and the refcounted snapshot with
 * its lookups (see config.h for the contract, config_impl.h for how the
 * module is split).
 *
 * Every key is one line of CONFIG_KEYS below: name, type, type as
 * documented, default text, struct field and an extra check.  Defaults go
 * through the same parsers as file values, so a default that does not
 * parse is caught by the unit test of config_defaults().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "config_impl.h"
#include "profile.h"
#include "rules.h"

#ifndef PF_LOCALSTATEDIR
#define PF_LOCALSTATEDIR "/var"
#endif

/*	name			type		documented type			default			field			check */
#define CONFIG_KEYS(K) \
	K("Socket",		T_STRING,	"string",			"inet:8898@127.0.0.1",	socket,			CHECK_SOCKET) \
	K("UserID",		T_STRING,	"string",			"",			user_id,		CHECK_NONE) \
	K("SocketMode",		T_STRING,	"octal",			"0660",			socket_mode,		CHECK_SOCKET_MODE) \
	K("SocketGroup",	T_STRING,	"string",			"",			socket_group,		CHECK_GROUP) \
	K("PidFile",		T_PATH,		"path",				"none",			pid_file,		CHECK_NONE) \
	K("MetricsListen",	T_STRING,	"string",			"",			metrics_listen,		CHECK_LISTEN) \
	K("Syslog",		T_BOOL,		"bool",				"yes",			syslog,			CHECK_NONE) \
	K("SyslogFacility",	T_STRING,	"string",			"mail",			syslog_facility,	CHECK_FACILITY) \
	K("OnError",		T_ENUM,		"enum: tempfail|accept",	"tempfail",		on_error,		CHECK_NONE) \
	K("HeaderName",		T_STRING,	"string",			"X-Preflight",		header_name,		CHECK_HEADER_NAME) \
	K("OutboundDaemonName",	T_STRING,	"string",			"ORIGINATING",		outbound_daemon_name,	CHECK_NONEMPTY) \
	K("InternalHosts",	T_CIDRS,	"list",				"127.0.0.0/8 ::1",	internal_hosts,		CHECK_NONE) \
	K("SkipRecipientDomains", T_DOMAINS,	"list",				"",			skip_rcpt_domains,	CHECK_NONE) \
	K("Mode",		T_ENUM,		"enum: enforce|observe",	"enforce",		mode,			CHECK_NONE) \
	K("TagScore",		T_NUMBER,	"number",			"1",			tag_score,		CHECK_NONE) \
	K("HoldScore",		T_NUMBER,	"number",			"10",			hold_score,		CHECK_NONE) \
	K("RejectScore",	T_NUMBER,	"number",			"0",			reject_score,		CHECK_NONE) \
	K("WeakScoreCap",	T_NUMBER,	"number",			"9",			weak_score_cap,		CHECK_NONE) \
	K("FindingAction",	T_ACTION,	"repeatable: <id> <action>",	"",			overrides,		CHECK_NONE) \
	K("FindingScore",	T_SCORE,	"repeatable: <id> <number>",	"",			overrides,		CHECK_NONE) \
	K("HeldLog",		T_PATH,		"path",				PF_LOCALSTATEDIR "/lib/preflight/held.db", held_log, CHECK_NONE) \
	K("LogVerdicts",	T_VERDICTS,	"list",				"hold reject",		log_verdicts,		CHECK_NONE) \
	K("PostfixConfigDir",	T_PATH,		"path",				"none",			postfix_config_dir,	CHECK_NONE) \
	K("MTA",		T_ENUM,		"enum: postfix|sendmail",	"postfix",		mta,			CHECK_NONE) \
	K("SendmailPath",	T_PATH,		"path",				"/usr/sbin/sendmail",	sendmail_path,		CHECK_NONE) \
	K("SendmailConfig",	T_PATH,		"path",				"none",			sendmail_config,	CHECK_NONE) \
	K("DefaultSizeLimit",	T_SIZE,		"size",				"20M",			default_size_limit,	CHECK_NONE) \
	K("SizeLimit",		T_SIZELIMIT,	"repeatable: <domain> <size>",	"",			size_limits,		CHECK_NONE) \
	K("MaxRecipients",	T_UINT,		"unsigned",			"100",			max_recipients,		CHECK_NONE) \
	K("MaxHeaderBytes",	T_SIZE,		"size",				"1M",			max_header_bytes,	CHECK_NONE) \
	K("MaxBodyBytes",	T_SIZE,		"size",				"64M",			max_body_bytes,		CHECK_NONE) \
	K("SpoolMemory",	T_SIZE,		"size",				"4M",			spool_memory,		CHECK_NONE) \
	K("MaxMimeParts",	T_UINT,		"unsigned",			"500",			max_mime_parts,		CHECK_NONE) \
	K("MaxMimeDepth",	T_UINT,		"unsigned",			"20",			max_mime_depth,		CHECK_NONE) \
	K("MaxDecodedBytes",	T_SIZE,		"size",				"64M",			max_decoded_bytes,	CHECK_NONE) \
	K("MaxArchiveDepth",	T_UINT,		"unsigned",			"3",			max_archive_depth,	CHECK_NONE) \
	K("MaxArchiveEntries",	T_UINT,		"unsigned",			"10000",		max_archive_entries,	CHECK_NONE) \
	K("MaxArchiveRatio",	T_UINT,		"unsigned",			"100",			max_archive_ratio,	CHECK_NONE) \
	K("MaxArchiveBytes",	T_SIZE,		"size",				"256M",			max_archive_bytes,	CHECK_NONE) \
	K("MaxScanTime",	T_DURATION,	"duration",			"10s",			max_scan_time,		CHECK_NONE) \
	K("MaxHtmlBytes",	T_SIZE,		"size",				"4M",			max_html_bytes,		CHECK_NONE) \
	K("MaxRegexSteps",	T_UINT,		"unsigned",			"100000",		max_regex_steps,	CHECK_POSITIVE) \
	K("DateMaxFuture",	T_DURATION,	"duration",			"2h",			date_max_future,	CHECK_NONE) \
	K("DateMaxPast",	T_DURATION,	"duration",			"7d",			date_max_past,		CHECK_NONE) \
	K("Checks",		T_CHECKS,	"list",				"all",			checks,			CHECK_NONE) \
	K("Nameservers",	T_STRING,	"list",				"",			nameservers,		CHECK_NAMESERVERS) \
	K("DNSTimeout",		T_DURATION,	"duration",			"5s",			dns_timeout,		CHECK_NONE) \
	K("DNSSECTrustAnchor",	T_PATH,		"path",				"none",			dnssec_trust_anchor,	CHECK_NONE) \
	K("EgressAddress",	T_ADDRS,	"list",				"",			egress_addresses,	CHECK_NONE) \
	K("EgressHelo",		T_STRING,	"string",			"",			egress_helo,		CHECK_HOSTNAME) \
	K("SigningKey",		T_SIGNKEY,	"repeatable: <domain> <selector> <keyfile>", "",	signing_keys,		CHECK_NONE) \
	K("KeyCheckInterval",	T_DURATION,	"duration",			"1h",			key_check_interval,	CHECK_NONE) \
	K("BulkSender",		T_BOOL,		"bool",				"no",			bulk_sender,		CHECK_NONE) \
	K("DNSBL",		T_DOMAINS,	"list",				"zen.spamhaus.org b.barracudacentral.org bl.spamcop.net", dnsbl, CHECK_NONE) \
	K("DNSBLKey",		T_STRING,	"string",			"",			dnsbl_key,		CHECK_NONE) \
	K("URIBL",		T_DOMAINS,	"list",				"dbl.spamhaus.org multi.surbl.org multi.uribl.com", uribl, CHECK_NONE) \
	K("MaxURILookups",	T_UINT,		"unsigned",			"20",			max_uri_lookups,	CHECK_NONE) \
	K("ReputationInterval",	T_DURATION,	"duration",			"1h",			reputation_interval,	CHECK_NONE) \
	K("StateBackend",	T_STRING,	"string",			"sqlite:" PF_LOCALSTATEDIR "/lib/preflight/state.db", state_backend, CHECK_NONE) \
	K("UserRateLimit",	T_RATE,		"rate",				"300/1h",		user_rate_limit,	CHECK_NONE) \
	K("SenderRateLimit",	T_RATE,		"rate",				"none",			sender_rate_limit,	CHECK_NONE) \
	K("SuppressDays",	T_UINT,		"unsigned",			"30",			suppress_days,		CHECK_NONE) \
	K("RulesFile",		T_PATH,		"path",				"none",			rules_file,		CHECK_NONE) \
	K("ProfileDir",		T_PATHS,	"list",				"",			profile_dirs,		CHECK_NONE) \
	K("Include",		T_INCLUDE,	"repeatable: <file>",		"",			path,			CHECK_NONE)

#define KEY_INFO(name, type, doc, def, field, check) { name, doc, def },
const struct config_key_info config_key_info_table[] = { CONFIG_KEYS(KEY_INFO) };
#define KEY_PARSE(name, type, doc, def, field, check) \
	{ type, offsetof(struct config, field), check },
const struct config_key config_key_table[] = { CONFIG_KEYS(KEY_PARSE) };
const size_t config_nkeys = sizeof(config_key_table) / sizeof(config_key_table[0]);

static const char *const verdict_names[VERDICT_COUNT] = {
	"accept", "tag", "hold", "reject", "tempfail"
};

/* config_key_find - the row of a key name, any case */
int config_key_find(const char *name)
{
	size_t i;

	for (i = 0; i < config_nkeys; i++) {
		if (strcasecmp(config_key_info_table[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

/* config_key_repeatable - FindingAction, FindingScore, SizeLimit, Include */
bool config_key_repeatable(size_t i)
{
	return config_key_table[i].type >= T_ACTION;
}

/* config_keys - the key table for documentation */
size_t config_keys(const struct config_key_info **keys_r)
{
	*keys_r = config_key_info_table;
	return config_nkeys;
}

/* config_new - an empty snapshot with refcount 1 */
struct config *config_new(void)
{
	struct config *cfg = calloc(1, sizeof(*cfg));

	if (cfg != NULL)
		cfg->refcount = 1;
	return cfg;
}

/* config_check_socket_mode - SocketMode: 3 or 4 octal digits, at most
 * 0777 (no set-id or sticky bits, which mean nothing on a socket) */
int config_check_socket_mode(const char *v, struct buf *why)
{
	size_t n = strspn(v, "01234567");

	if ((n == 3 || n == 4) && v[n] == '\0' && strtoul(v, NULL, 8) <= 0777)
		return 0;
	buf_printf(why, "not an octal mode from 000 to 0777 (like 0660): '%s'", v);
	return -1;
}

/* config_check_group - SocketGroup: empty (UserID's group), or a portable
 * group name (letters, digits, '_', '.', '-', not first; 32 at most) or a
 * numeric gid.  Whether the group exists is checked at start-up. */
int config_check_group(const char *v, struct buf *why)
{
	size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.-");

	if (n > 0 && v[n] == '$')
		n++;		/* Samba machine accounts */
	if (v[n] == '\0' && n <= 32 && v[0] != '-')
		return 0;
	buf_printf(why, "not a group name: '%s'", v);
	return -1;
}

/* config_finish - defaults for every key not given */
int config_finish(struct config *cfg, const bool *given, char **error_r)
{
	struct buf why = BUF_INIT, msg = BUF_INIT;
	struct config_setctx s = { cfg, NULL, &why };
	char text[128];
	size_t i;

	for (i = 0; i < config_nkeys; i++) {
		if (config_key_repeatable(i) || (given != NULL && given[i]))
			continue;
		snprintf(text, sizeof(text), "%s", config_key_info_table[i].default_text);
		if (config_value_set(&s, i, text) < 0)
			break;
	}
	if (i == config_nkeys)
		return 0;
	buf_printf(&msg, "%s: built-in default: %s", config_key_info_table[i].name,
	    buf_cstr(&why));
	*error_r = buf_steal(&msg);
	buf_free(&why);
	buf_free(&msg);
	return -1;
}

/* config_defaults - a snapshot with every default and the shipped
 * profiles; without them (not installed) it still works, with no profile */
struct config *config_defaults(void)
{
	struct config *cfg = config_new();
	char *error = NULL;

	if (cfg != NULL && config_finish(cfg, NULL, &error) < 0)
		config_unref(&cfg);
	free(error);
	error = NULL;
	if (cfg != NULL && config_load_profiles(cfg, &error) < 0)
		free(error);
	return cfg;
}

/* config_check_enabled - name is one of the Checks */
bool config_check_enabled(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; cfg->checks != NULL && cfg->checks[i] != NULL; i++)
		if (strcmp(cfg->checks[i], name) == 0)
			return true;
	return false;
}

/* config_ref - take a reference */
struct config *config_ref(struct config *cfg)
{
	__atomic_add_fetch(&cfg->refcount, 1, __ATOMIC_RELAXED);
	return cfg;
}

/* free_words - a NULL-terminated array of strings; NULL-safe */
static void free_words(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* config_free - release a snapshot and everything it owns */
static void config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < config_nkeys; i++) {
		enum config_type t = config_key_table[i].type;

		if (t == T_STRING || t == T_PATH)
			free(*(char **)((char *)cfg + config_key_table[i].off));
		if (t == T_DOMAINS)
			free_words(*(char ***)((char *)cfg + config_key_table[i].off));
	}
	cidr_list_free(&cfg->internal_hosts);
	for (i = 0; cfg->checks != NULL && cfg->checks[i]; i++)
		free(cfg->checks[i]);
	free(cfg->checks);
	for (i = 0; cfg->egress_addresses != NULL && cfg->egress_addresses[i]; i++)
		free(cfg->egress_addresses[i]);
	free(cfg->egress_addresses);
	for (i = 0; i < cfg->nsigning_keys; i++) {
		free(cfg->signing_keys[i].domain);
		free(cfg->signing_keys[i].selector);
		free(cfg->signing_keys[i].key_file);
	}
	free(cfg->signing_keys);
	for (i = 0; i < cfg->noverrides; i++)
		free(cfg->overrides[i].id);
	free(cfg->overrides);
	for (i = 0; i < cfg->nsize_limits; i++) {
		free(cfg->size_limits[i].domain);
	}
	free(cfg->size_limits);
	rules_free(&cfg->rules);
	free_words(cfg->profile_dirs);
	profile_set_free(&cfg->profiles);
	free(cfg->path);
	free(cfg);
}

/* config_unref - drop a reference; the last one frees */
void config_unref(struct config **cfgp)
{
	struct config *cfg = *cfgp;

	*cfgp = NULL;
	/* acq_rel: the thread that frees must see every other thread's
	 * reads of the snapshot as finished */
	if (cfg != NULL && __atomic_sub_fetch(&cfg->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		config_free(cfg);
}

/* config_override_for - the FindingAction/FindingScore entry for id */
const struct config_override *config_override_for(const struct config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->noverrides; i++) {
		if (strcasecmp(cfg->overrides[i].id, id) == 0)
			return &cfg->overrides[i];
	}
	return NULL;
}

/* limit_matches - exact domain, or "name." plus one or more labels */
static bool limit_matches(const char *pat, const char *dom, size_t dlen)
{
	size_t plen = strlen(pat), i;

	if (plen < 2 || strcmp(pat + plen - 2, ".*") != 0)
		return dlen == plen && strncasecmp(pat, dom, dlen) == 0;
	plen--;			/* keep the dot, drop the star */
	if (dlen <= plen || strncasecmp(pat, dom, plen) != 0)
		return false;
	for (i = plen; i < dlen; i++) {
		if (dom[i] == '.' && (i == plen || dom[i - 1] == '.' || i == dlen - 1))
			return false;
	}
	return true;
}

/* config_size_limit_for - the first matching limit, else the default */
uint64_t config_size_limit_for(const struct config *cfg, const char *domain,
    const struct config_size_limit **entry_r)
{
	size_t i, dlen = strlen(domain);

	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--;		/* a fully qualified "gmail.com." is gmail.com */
	for (i = 0; i < cfg->nsize_limits; i++) {
		if (limit_matches(cfg->size_limits[i].domain, domain, dlen)) {
			if (entry_r != NULL)
				*entry_r = &cfg->size_limits[i];
			return cfg->size_limits[i].bytes;
		}
	}
	if (entry_r != NULL)
		*entry_r = NULL;
	return cfg->default_size_limit;
}

/* config_skip_domain - domain is listed in SkipRecipientDomains */
bool config_skip_domain(const struct config *cfg, const char *domain)
{
	char **p;

	for (p = cfg->skip_rcpt_domains; p != NULL && *p != NULL; p++) {
		if (strcasecmp(*p, domain) == 0)
			return true;
	}
	return false;
}

/* config_holder_init - the holder takes the caller's reference to cfg */
void config_holder_init(struct config_holder *h, struct config *cfg)
{
	pthread_mutex_init(&h->lock, NULL);
	h->cur = cfg;
}

/* config_holder_get - a new reference to the current snapshot */
struct config *config_holder_get(struct config_holder *h)
{
	struct config *cfg;

	pthread_mutex_lock(&h->lock);
	cfg = h->cur != NULL ? config_ref(h->cur) : NULL;
	pthread_mutex_unlock(&h->lock);
	return cfg;
}

/* config_holder_swap - install cfg; readers keep the old one until unref */
void config_holder_swap(struct config_holder *h, struct config *cfg)
{
	struct config *old;

	pthread_mutex_lock(&h->lock);
	old = h->cur;
	h->cur = cfg;
	pthread_mutex_unlock(&h->lock);
	config_unref(&old);
}

/* config_holder_destroy - drop the holder's reference */
void config_holder_destroy(struct config_holder *h)
{
	config_unref(&h->cur);
	pthread_mutex_destroy(&h->lock);
}

/* verdict_name - "accept" ... "tempfail" */
const char *verdict_name(enum verdict v)
{
	return (unsigned)v < VERDICT_COUNT ? verdict_names[v] : "unknown";
}

/* verdict_parse - a verdict name, any case */
int verdict_parse(const char *s, enum verdict *v_r)
{
	int i;

	for (i = 0; i < VERDICT_COUNT; i++) {
		if (strcasecmp(s, verdict_names[i]) == 0) {
			*v_r = (enum verdict)i;
			return 0;
		}
	}
	return -1;
}

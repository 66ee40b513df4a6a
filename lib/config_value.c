/*
 * config_value - one parser per value type of the key table, and the
 * extra checks of some string keys.
 *
 * Parsers are strict: a number is plain decimal (no hex, exponent, inf),
 * a size is digits with one optional K/M/G (powers of 1024, overflow
 * refused, zero refused), a duration digits with one optional s/m/h/d.
 * A refused value leaves "reason: 'text'" in s->why for the caller to
 * prefix with file:line and key.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "check.h"
#include "cidr.h"
#include "config.h"
#include "config_impl.h"
#include "metrics.h"

/* T_ENUM stores through an int *, which needs enums of int size. */
_Static_assert(sizeof(enum config_mode) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_on_error) == sizeof(int), "enum size");
_Static_assert(sizeof(enum config_mta) == sizeof(int), "enum size");

static void *field(struct config *cfg, const struct config_key *k)
{
	return (char *)cfg + k->off;
}

/* refuse - write the reason (with the offending text) and fail */
static int refuse(struct config_setctx *s, const char *what, const char *text)
{
	buf_printf(s->why, "%s: '%s'", what, text);
	return -1;
}

/* twice - a repeatable key given twice for the same id or domain */
static int twice(struct config_setctx *s, const char *what)
{
	buf_printf(s->why, "given twice for '%s'", what);
	return -1;
}

static int oom(struct config_setctx *s)
{
	buf_puts(s->why, "out of memory");
	return -1;
}

/* next_word - split off the next whitespace-separated word, or NULL */
static char *next_word(char **p)
{
	char *s = *p, *w;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return NULL;
	w = s;
	while (*s != '\0' && !isspace((unsigned char)*s))
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*p = s;
	return w;
}

static void lowercase(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* parse_u64 - decimal digits only (no sign, no spaces); -1 on overflow too */
static int parse_u64(const char *s, size_t n, uint64_t *v_r)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*v_r = v;
	return n > 0 ? 0 : -1;
}

/* parse_scaled - digits with one optional suffix from units; *mul applies */
static int parse_scaled(const char *s, const char *units, const uint64_t *mul,
    uint64_t max, uint64_t *v_r)
{
	size_t n = strlen(s);
	uint64_t v, m = 1;
	const char *u;

	if (n > 0 && (u = strchr(units, tolower((unsigned char)s[n - 1]))) != NULL) {
		m = mul[u - units];
		n--;
	}
	if (parse_u64(s, n, &v) < 0 || v > max / m)
		return -1;
	*v_r = v * m;
	return 0;
}

/* config_value_domain_ok - letters, digits, '-' and non-empty
 * dot-separated labels */
bool config_value_domain_ok(const char *d)
{
	size_t label = 0;

	for (; *d != '\0'; d++) {
		if (*d == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*d) || *d == '-') {
			label++;
		} else {
			return false;
		}
	}
	return label > 0;
}

static int set_string(struct config_setctx *s, const struct config_key *k, const char *v)
{
	char **f = field(s->cfg, k);

	free(*f);
	*f = NULL;
	if (*v != '\0' && (*f = strdup(v)) == NULL)
		return oom(s);
	return 0;
}

/* config_value_resolve - v, from the folder of file when relative */
char *config_value_resolve(const char *file, const char *v)
{
	const char *slash = file != NULL ? strrchr(file, '/') : NULL;
	struct buf b = BUF_INIT;
	char *r = NULL;

	if ((*v == '/' || slash == NULL ||
	     buf_append(&b, file, (size_t)(slash - file) + 1) == 0) &&
	    buf_puts(&b, v) == 0)
		r = buf_steal(&b);
	buf_free(&b);
	return r;
}

/* set_path - "none" is no file */
static int set_path(struct config_setctx *s, const struct config_key *k, const char *v)
{
	char **f = field(s->cfg, k);

	free(*f);
	*f = NULL;
	if (strcasecmp(v, "none") != 0 && (*f = config_value_resolve(s->file, v)) == NULL)
		return oom(s);
	return 0;
}

static int set_bool(struct config_setctx *s, const struct config_key *k, const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	bool *f = field(s->cfg, k);
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			*f = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return refuse(s, "not yes or no", v);
}

/* parse_number - plain decimal ("12", "2.5", "-1"): no hex, exponent, inf */
static int parse_number(struct config_setctx *s, const char *v, double *d_r)
{
	static const char digits[] = "0123456789";
	const char *p = v + (*v == '-');
	size_t n = strspn(p, digits);

	if (n > 0 && p[n] == '.') {
		p += n + 1;
		n = strspn(p, digits);
	}
	if (n == 0 || p[n] != '\0')
		return refuse(s, "not a number", v);
	*d_r = strtod(v, NULL);
	if (!isfinite(*d_r))
		return refuse(s, "number out of range", v);
	if (*d_r < 0)
		return refuse(s, "must not be negative", v);
	return 0;
}

static int set_number(struct config_setctx *s, const struct config_key *k, const char *v)
{
	return parse_number(s, v, field(s->cfg, k));
}

static int set_uint(struct config_setctx *s, const struct config_key *k, const char *v)
{
	uint64_t n;

	if (parse_u64(v, strlen(v), &n) < 0 || n > UINT_MAX)
		return refuse(s, "not a whole number up to 4294967295", v);
	*(unsigned *)field(s->cfg, k) = (unsigned)n;
	return 0;
}

static int parse_size(struct config_setctx *s, const char *v, uint64_t *n_r)
{
	static const uint64_t mul[] = { 1u << 10, 1u << 20, 1u << 30 };

	if (parse_scaled(v, "kmg", mul, UINT64_MAX, n_r) < 0)
		return refuse(s, "not a size (a number with an optional K, M or G)", v);
	if (*n_r == 0)
		return refuse(s, "size must be greater than zero", v);
	return 0;
}

static int set_size(struct config_setctx *s, const struct config_key *k, const char *v)
{
	return parse_size(s, v, field(s->cfg, k));
}

static int set_duration(struct config_setctx *s, const struct config_key *k, const char *v)
{
	static const uint64_t mul[] = { 1, 60, 3600, 86400 };
	uint64_t n;

	if (parse_scaled(v, "smhd", mul, UINT_MAX, &n) < 0)
		return refuse(s, "not a duration (a number with an optional s, m, h or d)", v);
	*(unsigned *)field(s->cfg, k) = (unsigned)n;
	return 0;
}

/* set_rate - "COUNT/DURATION" (300/1h), or "none" / "0": no limit */
static int set_rate(struct config_setctx *s, const struct config_key *k, const char *v)
{
	static const uint64_t mul[] = { 1, 60, 3600, 86400 };
	struct config_rate *r = field(s->cfg, k);
	const char *slash = strchr(v, '/');
	char count[32];
	uint64_t n, w;

	if (strcasecmp(v, "none") == 0 || strcmp(v, "0") == 0) {
		r->count = r->window = 0;
		return 0;
	}
	if (slash == NULL || (size_t)(slash - v) >= sizeof(count))
		return refuse(s, "not a rate (COUNT/DURATION, e.g. 300/1h, or none)", v);
	memcpy(count, v, (size_t)(slash - v));
	count[slash - v] = '\0';
	if (parse_scaled(count, "", mul, UINT_MAX, &n) < 0 || n == 0 ||
	    parse_scaled(slash + 1, "smhd", mul, UINT_MAX, &w) < 0 || w == 0)
		return refuse(s, "not a rate (COUNT/DURATION, e.g. 300/1h, or none)", v);
	r->count = (unsigned)n;
	r->window = (unsigned)w;
	return 0;
}

/* set_enum - the choices are the documented type, "enum: a|b", in enum order */
static int set_enum(struct config_setctx *s, const struct config_key *k, const char *v)
{
	const char *choices = config_key_info_table[k - config_key_table].type +
	    strlen("enum: "), *doc = choices;
	size_t len = strlen(v);
	int i;

	for (i = 0; *doc != '\0'; i++) {
		size_t n = strcspn(doc, "|");

		if (n == len && strncasecmp(doc, v, n) == 0) {
			*(int *)field(s->cfg, k) = i;
			return 0;
		}
		doc += n + (doc[n] == '|');
	}
	buf_printf(s->why, "not one of %s: '%s'", choices, v);
	return -1;
}

static int set_cidrs(struct config_setctx *s, const struct config_key *k, char *v)
{
	struct cidr_list *l = field(s->cfg, k);
	const char *err;
	char *w;

	cidr_list_free(l);
	while ((w = next_word(&v)) != NULL) {
		if (cidr_list_add(l, w, &err) < 0)
			return refuse(s, err, w);
	}
	return 0;
}

/* set_domains - always leaves a NULL-terminated array, empty or not */
static int set_domains(struct config_setctx *s, const struct config_key *k, char *v)
{
	char ***f = field(s->cfg, k), **a;
	size_t n = 0;
	char *w;

	/* only ever called once per snapshot, on a NULL field */
	if ((*f = calloc(1, sizeof(char *))) == NULL)
		return oom(s);
	if (strcasecmp(v, "none") == 0)	/* an empty list, said explicitly */
		return 0;
	while ((w = next_word(&v)) != NULL) {
		lowercase(w);
		if (!config_value_domain_ok(w))
			return refuse(s, "not a domain", w);
		if ((a = realloc(*f, (n + 2) * sizeof(char *))) == NULL)
			return oom(s);
		*f = a;
		a[n + 1] = NULL;
		if ((a[n] = strdup(w)) == NULL)
			return oom(s);
		n++;
	}
	return 0;
}

/* set_paths - a list of paths, each taken from the config file's folder
 * when relative; always leaves a NULL-terminated array */
static int set_paths(struct config_setctx *s, const struct config_key *k, char *v)
{
	char ***f = field(s->cfg, k), **a;
	size_t n = 0;
	char *w;

	if ((*f = calloc(1, sizeof(char *))) == NULL)
		return oom(s);
	if (strcasecmp(v, "none") == 0)
		return 0;
	while ((w = next_word(&v)) != NULL) {
		if ((a = realloc(*f, (n + 2) * sizeof(char *))) == NULL)
			return oom(s);
		*f = a;
		a[n + 1] = NULL;
		if ((a[n] = config_value_resolve(s->file, w)) == NULL)
			return oom(s);
		n++;
	}
	return 0;
}

static int set_verdicts(struct config_setctx *s, const struct config_key *k, char *v)
{
	unsigned *f = field(s->cfg, k);
	enum verdict vd;
	char *w;

	*f = 0;
	if (strcasecmp(v, "none") == 0)
		return 0;
	while ((w = next_word(&v)) != NULL) {
		if (verdict_parse(w, &vd) < 0)
			return refuse(s, "not a verdict (accept, tag, hold, reject, tempfail)", w);
		*f |= 1u << vd;
	}
	return 0;
}

/* two_words - split "A B" into exactly two words */
static int two_words(struct config_setctx *s, char *v, const char *usage, char **a, char **b)
{
	char *rest = v;

	*a = next_word(&rest);
	*b = next_word(&rest);
	if (*a == NULL || *b == NULL || next_word(&rest) != NULL) {
		buf_printf(s->why, "expected %s", usage);
		return -1;
	}
	return 0;
}

/* override - the entry for a known finding id, added when missing */
static struct config_override *override(struct config_setctx *s, char *id)
{
	struct config *cfg = s->cfg;
	struct config_override *o;
	size_t i;

	lowercase(id);
	/* rule- ids name the admin's own rules (RulesFile), not the catalogue */
	if (strncmp(id, "rule-", 5) != 0 && check_find_def(id) == NULL) {
		refuse(s, "unknown finding id (see preflight findings)", id);
		return NULL;
	}
	for (i = 0; i < cfg->noverrides; i++) {
		if (strcmp(cfg->overrides[i].id, id) == 0)
			return &cfg->overrides[i];
	}
	o = realloc(cfg->overrides, (cfg->noverrides + 1) * sizeof(*o));
	if (o == NULL) {
		oom(s);
		return NULL;
	}
	cfg->overrides = o;
	o += cfg->noverrides;
	memset(o, 0, sizeof(*o));
	if ((o->id = strdup(id)) == NULL) {
		oom(s);
		return NULL;
	}
	cfg->noverrides++;
	return o;
}

static int set_action(struct config_setctx *s, const struct config_key *k, char *v)
{
	struct config_override *o;
	enum verdict vd;
	char *id, *act;

	if (two_words(s, v, "<finding-id> <accept|tag|hold|reject>", &id, &act) < 0 ||
	    (o = override(s, id)) == NULL)
		return -1;
	if (o->has_action)
		return twice(s, id);
	if (verdict_parse(act, &vd) < 0 || vd == VERDICT_TEMPFAIL)
		return refuse(s, "not an action (accept, tag, hold, reject)", act);
	o->has_action = true;
	o->action = vd;
	return 0;
}

static int set_score(struct config_setctx *s, const struct config_key *k, char *v)
{
	struct config_override *o;
	char *id, *num;
	double d;

	if (two_words(s, v, "<finding-id> <number>", &id, &num) < 0 ||
	    parse_number(s, num, &d) < 0 || (o = override(s, id)) == NULL)
		return -1;
	if (o->has_score)
		return twice(s, id);
	o->has_score = true;
	o->score = d;
	return 0;
}

/* add_limit - append one size limit */
static int add_limit(struct config_setctx *s, const char *domain, uint64_t bytes)
{
	struct config *cfg = s->cfg;
	struct config_size_limit *l;

	l = realloc(cfg->size_limits, (cfg->nsize_limits + 1) * sizeof(*l));
	if (l == NULL)
		return oom(s);
	cfg->size_limits = l;
	l += cfg->nsize_limits;
	l->domain = strdup(domain);
	l->bytes = bytes;
	cfg->nsize_limits++;
	if (l->domain == NULL)
		return oom(s);
	return 0;
}

static int set_size_limit(struct config_setctx *s, const struct config_key *k, char *v)
{
	char *dom, *size;
	uint64_t bytes;
	size_t i, n;
	bool wild, ok;

	if (two_words(s, v, "<domain> <size>", &dom, &size) < 0 ||
	    parse_size(s, size, &bytes) < 0)
		return -1;
	lowercase(dom);
	n = strlen(dom);
	wild = n > 2 && strcmp(dom + n - 2, ".*") == 0;
	if (wild)
		dom[n - 2] = '\0';
	ok = config_value_domain_ok(dom);
	if (wild)
		dom[n - 2] = '.';
	if (!ok)
		return refuse(s, "not a domain or name.*", dom);
	for (i = 0; i < s->cfg->nsize_limits; i++) {
		if (strcmp(s->cfg->size_limits[i].domain, dom) == 0)
			return twice(s, dom);
	}
	return add_limit(s, dom, bytes);
}

static int check_socket(const char *v, struct buf *why)
{
	static const char *const kinds[] = { "inet:", "inet6:", "unix:", "local:" };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strncasecmp(v, kinds[i], strlen(kinds[i])) == 0 &&
		    v[strlen(kinds[i])] != '\0')
			return 0;
	}
	if (v[0] == '/')
		return 0;
	buf_printf(why, "not a milter socket (inet:PORT@HOST, inet6:PORT@HOST, "
	    "unix:/PATH): '%s'", v);
	return -1;
}

static int check_facility(const char *v, struct buf *why)
{
	static const char *const names[] = {
		"mail", "daemon", "user", "local0", "local1", "local2", "local3",
		"local4", "local5", "local6", "local7"
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(v, names[i]) == 0)
			return 0;
	}
	buf_printf(why, "not a syslog facility (mail, daemon, user, "
	    "local0..local7): '%s'", v);
	return -1;
}

/* check_header_name - RFC 5322 field name: printable ASCII except ':' */
static int check_header_name(const char *v, struct buf *why)
{
	size_t i, n = strlen(v);

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= ' ' || c >= 127 || c == ':')
			break;
	}
	if (n > 0 && n <= 76 && i == n)
		return 0;
	buf_printf(why, "not a header field name: '%s'", v);
	return -1;
}

static int check_nonempty(const char *v, struct buf *why)
{
	if (*v != '\0')
		return 0;
	buf_puts(why, "must not be empty");
	return -1;
}

/* check_positive - a count that must not be 0 (0 would make every match
 * fail); other bad numbers are left to the unsigned parser's message */
static int check_positive(const char *v, struct buf *why)
{
	char *end;

	errno = 0;
	if (strtoul(v, &end, 10) != 0 || errno != 0 || end == v || *end != '\0')
		return 0;
	buf_puts(why, "must be at least 1");
	return -1;
}

/* run_check - the key's extra check, if it has one */
static int run_check(enum config_check c, const char *v, struct buf *why)
{
	switch (c) {
	case CHECK_NONE:	return 0;
	case CHECK_SOCKET:	return check_socket(v, why);
	case CHECK_FACILITY:	return check_facility(v, why);
	case CHECK_HEADER_NAME:	return check_header_name(v, why);
	case CHECK_NONEMPTY:	return check_nonempty(v, why);
	case CHECK_NAMESERVERS:	return config_auth_check_nameservers(v, why);
	case CHECK_HOSTNAME:	return config_auth_check_hostname(v, why);
	case CHECK_SOCKET_MODE:	return config_check_socket_mode(v, why);
	case CHECK_GROUP:	return config_check_group(v, why);
	case CHECK_POSITIVE:	return check_positive(v, why);
	case CHECK_LISTEN:	return metrics_listen_check(v, why);
	}
	return 0;
}

/* config_value_set - parse v for key row i into s->cfg */
int config_value_set(struct config_setctx *s, size_t i, char *v)
{
	const struct config_key *k = &config_key_table[i];

	if (run_check(k->check, v, s->why) < 0)
		return -1;
	switch (k->type) {
	case T_STRING:		return set_string(s, k, v);
	case T_PATH:		return set_path(s, k, v);
	case T_BOOL:		return set_bool(s, k, v);
	case T_NUMBER:		return set_number(s, k, v);
	case T_UINT:		return set_uint(s, k, v);
	case T_SIZE:		return set_size(s, k, v);
	case T_DURATION:	return set_duration(s, k, v);
	case T_RATE:		return set_rate(s, k, v);
	case T_ENUM:		return set_enum(s, k, v);
	case T_CIDRS:		return set_cidrs(s, k, v);
	case T_DOMAINS:		return set_domains(s, k, v);
	case T_PATHS:		return set_paths(s, k, v);
	case T_VERDICTS:	return set_verdicts(s, k, v);
	case T_ACTION:		return set_action(s, k, v);
	case T_SCORE:		return set_score(s, k, v);
	case T_SIZELIMIT:	return set_size_limit(s, k, v);
	case T_ADDRS:		return config_auth_set_addrs(s, field(s->cfg, k), v);
	case T_CHECKS:		return config_auth_set_checks(s, field(s->cfg, k), v);
	case T_SIGNKEY:		return config_auth_set_signkey(s, v);
	case T_INCLUDE:		break;
	}
	buf_puts(s->why, "not settable here");
	return -1;
}

/*
 * spf - libspf2's check_host over the shared resolver, and the record
 * review (spf.h).  The DNS layer libspf2 asks through is spf_dns.c.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "buf.h"
#include "dns.h"
#include "spf.h"
#include "spf_impl.h"

static const char oom[] = "out of memory";

static pthread_once_t spf_log_once = PTHREAD_ONCE_INIT;

/* spf_log_quiet - libspf2 prints warnings to stderr and "info" to stdout
 * (that would corrupt `preflight check --json`); lib/ never logs.  The
 * error handler stays: libspf2 aborts after it anyway. */
static void spf_log_quiet(void)
{
	SPF_warning_handler = NULL;
	SPF_info_handler = NULL;
	SPF_debug_handler = NULL;
}

/* spf_result_map - libspf2's result in RFC 8601 words.  libspf2 1.2.10
 * leaves the result unset ("invalid") when the first TXT lookup fails
 * with TRY_AGAIN and reports only SPF_E_DNS_ERROR; that is a temperror
 * (upstream fixed it in 2012, after the release Debian ships). */
static enum auth_result spf_result_map(SPF_result_t r, SPF_response_t *resp,
    SPF_errcode_t err, const struct spf_layer *l)
{
	static const enum auth_result map[] = {
		[SPF_RESULT_PASS] = AUTH_PASS, [SPF_RESULT_FAIL] = AUTH_FAIL,
		[SPF_RESULT_SOFTFAIL] = AUTH_SOFTFAIL, [SPF_RESULT_NEUTRAL] = AUTH_NEUTRAL,
		[SPF_RESULT_NONE] = AUTH_NONE, [SPF_RESULT_TEMPERROR] = AUTH_TEMPERROR,
		[SPF_RESULT_PERMERROR] = AUTH_PERMERROR };

	if (r != SPF_RESULT_INVALID && (unsigned)r < sizeof(map) / sizeof(map[0]))
		return map[r];
	if (err == SPF_E_DNS_ERROR || l->tempfails > 0)
		return AUTH_TEMPERROR;
	return SPF_response_errors(resp) > 0 ? AUTH_PERMERROR : AUTH_NONE;
}

/* spf_detail - libspf2's comment, and its first error message if any */
static char *spf_detail(SPF_response_t *resp)
{
	struct buf b = BUF_INIT;
	const char *c = SPF_response_get_header_comment(resp), *m = NULL;
	int i;

	for (i = 0; i < SPF_response_messages(resp) && m == NULL; i++)
		if (SPF_error_errorp(SPF_response_message(resp, i)))
			m = SPF_error_message(SPF_response_message(resp, i));
	/* The comment starts with the receiver's name (set in spf_evaluate). */
	if (c != NULL && strncmp(c, "preflight: ", 11) == 0)
		c += 11;
	if (buf_printf(&b, "%s%s%s", c ? c : "", c && m ? ": " : "", m ? m : "") < 0)
		return NULL;
	return buf_steal(&b);
}

/* spf_refusal - the detail of a permerror from a record spf_dns.c refused
 * (raw, as libspf2's are: check_spf shows details with put_shown) */
static char *spf_refusal(const char *domain)
{
	struct buf b = BUF_INIT;

	if (buf_printf(&b, "the SPF record of %s has a term of %d bytes or more with a macro, "
	    "which libspf2 1.2.10 cannot compile safely (CVE-2023-42118): refused, a permerror",
	    domain, SPF_TERM_SAFE_MAX) < 0)
		return NULL;
	return buf_steal(&b);
}

/* spf_request_setup - the IP and the identity; false when unusable, and
 * when the identity's domain is malformed or has one label (an address
 * literal, for one): RFC 7208 section 4.3 makes that "none", unasked */
static bool spf_request_setup(SPF_request_t *req, const char *ip, const char *mail_from,
    const char *helo)
{
	struct in_addr a4;
	struct in6_addr a6;
	bool v4 = inet_pton(AF_INET, ip, &a4) == 1;
	const char *dom = mail_from != NULL && mail_from[0] != '\0' ? mail_from : helo;

	dom = dom != NULL && strrchr(dom, '@') != NULL ? strrchr(dom, '@') + 1 : dom;
	if (dom == NULL || !spf_name_ok(dom) || strchr(dom, '.') == NULL || dom[0] == '[' ||
	    (!v4 && inet_pton(AF_INET6, ip, &a6) != 1))
		return false;
	/* ::ffff:a.b.c.d is the IPv4 host (RFC 7208 section 5) */
	if (!v4 && IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], 4);
		v4 = true;
	}
	if ((v4 ? SPF_request_set_ipv4(req, a4) : SPF_request_set_ipv6(req, a6)) != SPF_E_SUCCESS)
		return false;
	/* The HELO name first: libspf2 takes it for a null MAIL FROM. */
	if (helo != NULL && helo[0] != '\0' && SPF_request_set_helo_dom(req, helo) != SPF_E_SUCCESS)
		return false;
	return SPF_request_set_env_from(req, mail_from != NULL ? mail_from : "") == 0;
}

int spf_evaluate(struct dns *d, uint64_t deadline_ms, const char *ip,
    const char *mail_from, const char *helo, struct spf_eval *ev,
    const char **error_r)
{
	struct spf_layer layer = { .d = d, .deadline_ms = deadline_ms };
	SPF_dns_server_t srv;
	SPF_server_t *server;
	SPF_request_t *req;
	SPF_response_t *resp = NULL;

	memset(ev, 0, sizeof(*ev));
	pthread_once(&spf_log_once, spf_log_quiet);
	spf_dns_init(&srv, &layer);
	/* A server per evaluation: nothing of libspf2 is shared by threads. */
	server = SPF_server_new_dns(&srv, 0);
	/* %{r} and the comments name the receiver: not this host's name */
	if (server != NULL)
		(void)SPF_server_set_rec_dom(server, "preflight");
	req = server != NULL ? SPF_request_new(server) : NULL;
	if (req != NULL && !spf_request_setup(req, ip, mail_from, helo)) {
		ev->result = AUTH_NONE;
		ev->detail = strdup("no IP address, or no domain name to evaluate");
	} else if (req != NULL) {
		/* A nonzero return is no failure: "none" comes back as
		 * SPF_E_NOT_SPF, for one.  The response holds the result. */
		SPF_errcode_t err = SPF_request_query_mailfrom(req, &resp);

		if (resp != NULL) {
			ev->result = spf_result_map(SPF_response_result(resp), resp, err, &layer);
			ev->detail = layer.refused[0] != '\0' && ev->result == AUTH_PERMERROR ?
			    spf_refusal(layer.refused) : spf_detail(resp);
		}
	}
	if (resp != NULL)
		SPF_response_free(resp);
	if (req != NULL)
		SPF_request_free(req);
	if (server != NULL)
		SPF_server_free(server);
	if (ev->detail == NULL)
		return *error_r = oom, -1;
	return 0;
}

void spf_eval_free(struct spf_eval *ev)
{
	if (ev != NULL) {
		free(ev->detail);
		memset(ev, 0, sizeof(*ev));
	}
}

/* --- record review ------------------------------------------------------ */

/* Walk caps: terms counted (well past 10, so the count shown is real),
 * include/redirect nesting, bytes of a term or name in the evidence. */
#define SPF_WALK_LOOKUPS 30
#define SPF_WALK_DEPTH 10
#define SPF_SHOWN 80

enum spf_walk_kind { WALK_TOP, WALK_INCLUDE, WALK_REDIRECT };

struct spf_walk {
	struct dns *d;
	uint64_t deadline_ms;
	int family;
	struct spf_quality *q;
	struct buf issues;
	int rc;			/* -1 once out of memory */
};

/* spf_shown - s for the evidence in out: at most SPF_SHOWN bytes,
 * non-printables as '?' */
static const char *spf_shown(char out[SPF_SHOWN + 4], const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < SPF_SHOWN; i++)
		out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	memcpy(out + i, s[i] != '\0' ? "..." : "", s[i] != '\0' ? 4 : 1);
	return out;
}

/* spf_issue - set flag; its first occurrence is the evidence */
static void __attribute__((format(printf, 3, 4)))
spf_issue(struct spf_walk *w, unsigned flag, const char *fmt, ...)
{
	va_list ap;

	if (w->q->flags & flag)
		return;
	w->q->flags |= flag;
	if (w->rc == 0 && w->issues.len > 0)
		w->rc = buf_puts(&w->issues, "; ");
	va_start(ap, fmt);
	if (w->rc == 0)
		w->rc = buf_vprintf(&w->issues, fmt, ap);
	va_end(ap);
}

/* spf_fetch - the v=spf1 records of domain: 1 = one (*rec_r, malloc'd),
 * 0 = none, n > 1 = several (*rec_r = the first), -1 = tempfail, -2 = ENOMEM */
static int spf_fetch(struct spf_walk *w, const char *domain, char **rec_r)
{
	struct ub_result *res = NULL;
	enum dns_status st;
	int i, n = 0;
	char *s;

	*rec_r = NULL;
	st = spf_name_ok(domain) ? dns_lookup_until(w->d, domain, ns_t_txt, w->deadline_ms, &res)
	    : DNS_NXDOMAIN;
	if (st == DNS_TEMPFAIL)
		return -1;
	for (i = 0; st == DNS_OK && res->data[i] != NULL; i++) {
		if ((s = spf_txt_join((unsigned char *)res->data[i], (size_t)res->len[i])) == NULL) {
			dns_result_free(&res);
			free(*rec_r);
			*rec_r = NULL;
			return -2;
		}
		/* RFC 7208 section 4.5: "v=spf1" then a space or the end */
		if (strncasecmp(s, "v=spf1", 6) == 0 && (s[6] == ' ' || s[6] == '\0') && n++ == 0)
			*rec_r = s;
		else
			free(s);
	}
	dns_result_free(&res);
	return n;
}

/* spf_term_query - the lookup of an a, mx or exists term; counts voids */
static void spf_term_query(struct spf_walk *w, const char *name, int type)
{
	struct ub_result *res = NULL;
	enum dns_status st = spf_name_ok(name) ?
	    dns_lookup_until(w->d, name, type, w->deadline_ms, &res) : DNS_NXDOMAIN;

	if (st == DNS_TEMPFAIL)
		w->q->incomplete = true;
	else if (st != DNS_OK)
		w->q->voids++;
	dns_result_free(&res);
}

static void spf_walk_record(struct spf_walk *w, const char *domain, unsigned depth,
    enum spf_walk_kind kind);

/* spf_walk_range - ip4:/ip6: wider than SPF_BROAD_IP4 / SPF_BROAD_IP6 */
static void spf_walk_range(struct spf_walk *w, const char *term, const char *arg,
    bool v4, const char *domain)
{
	const char *slash = strchr(arg, '/');
	char t[SPF_SHOWN + 4], d[SPF_SHOWN + 4];

	if (slash == NULL || !isdigit((unsigned char)slash[1]) ||
	    strtol(slash + 1, NULL, 10) >= (v4 ? SPF_BROAD_IP4 : SPF_BROAD_IP6))
		return;
	spf_issue(w, SPF_Q_BROAD, "\"%s\" in %s allows more than a /%d", spf_shown(t, term),
	    spf_shown(d, domain), v4 ? SPF_BROAD_IP4 : SPF_BROAD_IP6);
}

/* spf_walk_lookup - a, mx, exists or include: count it, then follow it
 * unless a macro needs the message's identity */
static void spf_walk_lookup(struct spf_walk *w, const char *name, char *arg,
    const char *domain, unsigned depth)
{
	char *slash;

	if (++w->q->lookups > SPF_WALK_LOOKUPS) {
		w->q->incomplete = true;
		return;
	}
	if (arg != NULL && (slash = strchr(arg, '/')) != NULL)
		*slash = '\0';
	if (arg == NULL || *arg == '\0') {
		/* include and exists need a target; libspf2 reports the permerror */
		if (strcasecmp(name, "include") == 0 || strcasecmp(name, "exists") == 0)
			return;
		arg = (char *)domain;
	}
	if (strchr(arg, '%') != NULL)
		return;
	if (strcasecmp(name, "include") == 0)
		spf_walk_record(w, arg, depth + 1, WALK_INCLUDE);
	else	/* a follows the egress family; exists always asks A */
		spf_term_query(w, arg, strcasecmp(name, "mx") == 0 ? ns_t_mx :
		    strcasecmp(name, "a") == 0 && w->family == AF_INET6 ? ns_t_aaaa : ns_t_a);
}

/* spf_walk_term - one mechanism or modifier; *redirect_r gets the target */
static void spf_walk_term(struct spf_walk *w, char *term, const char *domain, unsigned depth,
    enum spf_walk_kind kind, char **redirect_r, bool *all_r)
{
	char *name = term, *arg, qual = '+';
	char t[SPF_SHOWN + 4], d[SPF_SHOWN + 4];

	if (strncasecmp(term, "redirect=", 9) == 0) {
		*redirect_r = term + 9;
		return;
	}
	if (*name != '\0' && strchr("+-~?", *name) != NULL)
		qual = *name++;
	if (strcasecmp(name, "all") == 0) {
		*all_r = true;
		/* +all in an include passes everyone too; ?all only at the top */
		if (qual == '+')
			spf_issue(w, SPF_Q_PASS_ALL, "\"%s\" in %s lets any host pass",
			    spf_shown(t, term), spf_shown(d, domain));
		else if (qual == '?' && kind != WALK_INCLUDE)
			spf_issue(w, SPF_Q_NEUTRAL_ALL, "\"%s\" in %s leaves unlisted hosts neutral",
			    spf_shown(t, term), spf_shown(d, domain));
		return;
	}
	if (qual == '+' && (strncasecmp(name, "ip4:", 4) == 0 || strncasecmp(name, "ip6:", 4) == 0)) {
		spf_walk_range(w, term, name + 4, name[2] == '4', domain);
		return;
	}
	if ((arg = strpbrk(name, ":/")) != NULL) {
		bool target = *arg == ':';

		*arg++ = '\0';
		if (!target)
			arg = NULL;	/* "a/24": a prefix length, no target */
	}
	if (strcasecmp(name, "ptr") == 0) {
		w->q->lookups++;
		spf_issue(w, SPF_Q_PTR, "\"ptr\" in %s (slow, unreliable; RFC 7208 says do not use it)",
		    spf_shown(d, domain));
	} else if (strcasecmp(name, "a") == 0 || strcasecmp(name, "mx") == 0 ||
	    strcasecmp(name, "exists") == 0 || strcasecmp(name, "include") == 0) {
		spf_walk_lookup(w, name, arg, domain, depth);
	}
}

/* spf_walk_terms - the terms of one record, then its redirect= */
static void spf_walk_terms(struct spf_walk *w, char *rec, const char *domain, unsigned depth,
    enum spf_walk_kind kind)
{
	char *save = NULL, *term, *redirect = NULL;
	bool all = false;

	(void)strtok_r(rec, " ", &save);	/* v=spf1 */
	while ((term = strtok_r(NULL, " ", &save)) != NULL && w->rc == 0 &&
	    w->q->lookups <= SPF_WALK_LOOKUPS)
		spf_walk_term(w, term, domain, depth, kind, &redirect, &all);
	/* redirect= applies only when no "all" ends the record */
	if (redirect == NULL || all || *redirect == '\0' || strchr(redirect, '%') != NULL)
		return;
	if (++w->q->lookups > SPF_WALK_LOOKUPS)
		w->q->incomplete = true;
	else
		spf_walk_record(w, redirect, depth + 1, kind == WALK_INCLUDE ? kind : WALK_REDIRECT);
}

/* spf_walk_record - fetch and walk the record of domain */
static void spf_walk_record(struct spf_walk *w, const char *domain, unsigned depth,
    enum spf_walk_kind kind)
{
	char *rec = NULL, d[SPF_SHOWN + 4];
	int n;

	if (depth > SPF_WALK_DEPTH || w->rc < 0) {
		w->q->incomplete = true;
		return;
	}
	n = spf_fetch(w, domain, &rec);
	if (n == -2) {
		w->rc = -1;
		return;
	}
	if (kind == WALK_TOP) {
		w->q->nrecords = n > 0 ? (unsigned)n : 0;
		w->q->record = n == -1 ? AUTH_TEMPERROR : n == 0 ? AUTH_NONE :
		    n == 1 ? AUTH_PASS : AUTH_PERMERROR;
		if (rec != NULL && (w->q->text = strdup(rec)) == NULL)
			w->rc = -1;
		for (char *p = w->q->text; p != NULL && *p != '\0'; p++)
			*p = isprint((unsigned char)*p) ? *p : '?';
	}
	if (n == -1) {
		w->q->incomplete = true;
	} else if (n == 0 && kind != WALK_TOP) {
		w->q->voids++;
		spf_issue(w, SPF_Q_INCLUDE_NONE, "%s has no SPF record (include or redirect of "
		    "it: permerror)", spf_shown(d, domain));
	} else if (n > 1) {
		spf_issue(w, SPF_Q_MULTIPLE, "%d v=spf1 records at %s (permerror)", n,
		    spf_shown(d, domain));
	} else if (n == 1) {
		spf_walk_terms(w, rec, domain, depth, kind);
	}
	free(rec);
}

int spf_quality(struct dns *d, uint64_t deadline_ms, const char *domain, int family,
    struct spf_quality *q, const char **error_r)
{
	struct spf_walk w = { d, deadline_ms, family, q, BUF_INIT, 0 };

	memset(q, 0, sizeof(*q));
	spf_walk_record(&w, domain, 0, WALK_TOP);
	if (q->lookups > SPF_MAX_LOOKUPS)
		spf_issue(&w, SPF_Q_LOOKUPS, "%u%s DNS lookups (limit %d: permerror)", q->lookups,
		    q->lookups > SPF_WALK_LOOKUPS ? " or more" : "", SPF_MAX_LOOKUPS);
	if (q->voids > SPF_MAX_VOIDS)
		spf_issue(&w, SPF_Q_VOIDS, "%u void lookups (limit %d: permerror)", q->voids,
		    SPF_MAX_VOIDS);
	if (w.rc == 0 && w.issues.len > 0 && (q->issues = buf_steal(&w.issues)) == NULL)
		w.rc = -1;
	buf_free(&w.issues);
	if (w.rc < 0) {
		spf_quality_free(q);
		return *error_r = oom, -1;
	}
	return 0;
}

void spf_quality_free(struct spf_quality *q)
{
	if (q != NULL) {
		free(q->text);
		free(q->issues);
		memset(q, 0, sizeof(*q));
	}
}

const char *spf_quality_flag_name(unsigned flag)
{
	static const char *const names[] = {
		"multiple", "pass-all", "neutral-all", "ptr", "broad-range",
		"too-many-lookups", "too-many-voids", "include-none",
	};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flag == 1u << i)
			return names[i];
	return "unknown";
}

/*
 * test-metrics - lib/metrics.c: the exposition format line by line,
 * label escaping, counters by verdict / id / provider, histogram bucket
 * placement (bounds are inclusive, +Inf == _count), DNS and store
 * counters, the egress gauges, NULL = off, and MetricsListen parsing.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics.h"
#include "rep.h"
#include "tap.h"

/* valid_name - a metric or label name; returns the end */
static const char *valid_name(const char *p, bool label)
{
	const char *s = p;

	while (isalnum((unsigned char)*p) || *p == '_' || (!label && *p == ':'))
		p++;
	return p > s && !isdigit((unsigned char)*s) ? p : NULL;
}

/* valid_sample - name{label="v",...} value, per exposition format 0.0.4 */
static bool valid_sample(const char *p)
{
	char *end;

	if ((p = valid_name(p, false)) == NULL)
		return false;
	if (*p == '{') {
		do {
			p++;
			if ((p = valid_name(p, true)) == NULL || *p++ != '=' || *p++ != '"')
				return false;
			for (; *p != '"'; p++) {
				if (*p == '\0' || *p == '\n')
					return false;
				if (*p == '\\' && (p[1] == '\\' || p[1] == '"' || p[1] == 'n'))
					p++;
				else if (*p == '\\')
					return false;
			}
			p++;
		} while (*p == ',');
		if (*p++ != '}')
			return false;
	}
	if (*p++ != ' ')
		return false;
	if (strcmp(p, "+Inf") == 0)
		return true;
	(void)strtod(p, &end);
	return end != p && *end == '\0';
}

/* valid_text - every line a HELP, a TYPE or a sample; a TYPE for every
 * family before its samples */
static bool valid_text(const char *text, char *bad, size_t badsz)
{
	char *copy = strdup(text), *line, *save = NULL;
	char family[128] = "";
	bool good = copy != NULL && text[strlen(text) - 1] == '\n';

	for (line = strtok_r(copy, "\n", &save); good && line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0)
			good = valid_name(line + 7, false) != NULL;
		else if (strncmp(line, "# TYPE ", 7) == 0) {
			const char *e = valid_name(line + 7, false);

			good = e != NULL && (strcmp(e, " counter") == 0 || strcmp(e, " gauge") == 0 ||
			    strcmp(e, " histogram") == 0);
			if (good)
				snprintf(family, sizeof(family), "%.*s", (int)(e - line - 7), line + 7);
		} else
			good = valid_sample(line) && *family != '\0' &&
			    strncmp(line, family, strlen(family)) == 0;
		if (!good)
			snprintf(bad, badsz, "%s", line);
	}
	free(copy);
	return good;
}

/* sample - the value of the line starting with "prefix " in text, or -1 */
static long long sample(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while ((p = strstr(p, prefix)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p += n;
	}
	return -1;
}

static void test_escape(void)
{
	static const struct { const char *in, *out; } t[] = {
		{ "plain", "plain" },
		{ "a\\b", "a\\\\b" },
		{ "say \"hi\"", "say \\\"hi\\\"" },
		{ "two\nlines", "two\\nlines" },
		{ "", "" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf b = BUF_INIT;

		ok(metrics_escape(&b, t[i].in) == 0, "escape %zu returns 0", i);
		is_str(buf_cstr(&b), t[i].out, "escape '%s'", tap_esc(t[i].in));
		buf_free(&b);
	}
}

/* a def outside the catalogue, as a RulesFile rule makes */
static const struct finding_def rule_def = { "rule-local-thing", CAT_CONTENT, 1, false,
	"local", "fix", NULL };

static void test_counters(void)
{
	struct metrics *m = metrics_new();
	struct finding_list fl = FINDING_LIST_INIT;
	const struct finding_def *def = check_find_def("format-from-count");
	struct finding *f;
	struct buf b = BUF_INIT;
	char bad[256] = "";

	ok(m != NULL && def != NULL, "metrics_new and the catalogue");
	if (m == NULL || def == NULL)
		return;
	f = finding_add_bare(&fl, def, "two From");
	ok(f != NULL && finding_predict(f, "gmail", "550 one") == 0 &&
	    finding_predict(f, "gmail", "550 two") == 0 &&
	    finding_predict(f, "custom-isp", "554 no") == 0, "finding with replies");
	ok(finding_add_bare(&fl, &rule_def, "rule") != NULL, "finding outside the catalogue");
	metrics_message(m, VERDICT_HOLD, &fl);
	metrics_message(m, VERDICT_HOLD, &fl);
	metrics_message(m, VERDICT_ACCEPT, NULL);
	metrics_message(NULL, VERDICT_HOLD, &fl);	/* off: no crash */
	metrics_scan_error(m);
	metrics_dns_query(m);
	metrics_dns_query(m);
	metrics_dns_cache_hit(m);
	metrics_dns_tempfail(m);
	metrics_store_error(m);
	metrics_store_error(NULL);
	metrics_dns_query(NULL);
	ok(metrics_render(m, &b) == 0, "render");
	ok(valid_text(buf_cstr(&b), bad, sizeof(bad)), "every line is valid exposition text");
	if (*bad)
		printf("#   bad line: %s\n", tap_esc(bad));
	is_int(sample(buf_cstr(&b), "preflight_messages_total{verdict=\"hold\"}"), 2, "hold 2");
	is_int(sample(buf_cstr(&b), "preflight_messages_total{verdict=\"accept\"}"), 1, "accept 1");
	is_int(sample(buf_cstr(&b), "preflight_messages_total{verdict=\"tempfail\"}"), 0,
	    "tempfail 0 (shown though zero)");
	is_int(sample(buf_cstr(&b), "preflight_findings_total{id=\"format-from-count\"}"), 2,
	    "findings by id");
	is_int(sample(buf_cstr(&b), "preflight_findings_total{id=\"format-date-missing\"}"), 0,
	    "every catalogue id is listed");
	is_int(sample(buf_cstr(&b), "preflight_findings_other_total"), 2, "uncatalogued ids");
	is_int(sample(buf_cstr(&b), "preflight_predicted_rejections_total{provider=\"gmail\"}"), 2,
	    "gmail counted once per message, not per reply");
	is_int(sample(buf_cstr(&b), "preflight_predicted_rejections_total{provider=\"other\"}"), 2,
	    "an unknown provider is 'other'");
	is_int(sample(buf_cstr(&b), "preflight_predicted_rejections_total{provider=\"yahoo\"}"), 0,
	    "yahoo 0");
	is_int(sample(buf_cstr(&b), "preflight_scan_errors_total"), 1, "scan errors");
	is_int(sample(buf_cstr(&b), "preflight_dns_queries_total"), 2, "dns queries");
	is_int(sample(buf_cstr(&b), "preflight_dns_cache_hits_total"), 1, "dns cache hits");
	is_int(sample(buf_cstr(&b), "preflight_dns_tempfails_total"), 1, "dns tempfails");
	is_int(sample(buf_cstr(&b), "preflight_store_errors_total"), 1, "store errors");
	ok(strstr(buf_cstr(&b), "# TYPE preflight_messages_total counter\n") != NULL &&
	    strstr(buf_cstr(&b), "# HELP preflight_messages_total ") != NULL, "HELP and TYPE");
	ok(strstr(buf_cstr(&b), "preflight_egress") == NULL, "no egress gauges without a rep");
	buf_free(&b);
	finding_list_free(&fl);
	metrics_free(&m);
	ok(m == NULL, "metrics_free sets NULL");
}

static void test_histogram(void)
{
	/* ns taken -> the first "le" whose cumulative count includes it */
	static const struct { uint64_t ns; const char *le; const char *below; } t[] = {
		{ 0, "0.0001", NULL },
		{ 100000, "0.0001", NULL },		/* a bound is inclusive */
		{ 100001, "0.0005", "0.0001" },
		{ 1000000, "0.001", "0.0005" },
		{ 7000000, "0.01", "0.005" },
		{ 999999999, "1", "0.5" },
		{ 1000000000, "1", "0.5" },
		{ 1000000001, "+Inf", "1" },
		{ 3600000000000ull, "+Inf", "1" },
	};
	const struct check_ops *const *reg;
	size_t i, n;
	char key[160];

	reg = check_registry(&n);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct metrics *m = metrics_new();
		struct buf b = BUF_INIT;

		metrics_check_time(m, 1, t[i].ns);
		metrics_check_time(m, n + 5, t[i].ns);	/* out of range: ignored */
		metrics_render(m, &b);
		snprintf(key, sizeof(key), "preflight_check_duration_seconds_bucket{check=\"%s\","
		    "le=\"%s\"}", reg[1]->name, t[i].le);
		is_int(sample(buf_cstr(&b), key), 1, "%llu ns is in le=%s",
		    (unsigned long long)t[i].ns, t[i].le);
		if (t[i].below != NULL) {
			snprintf(key, sizeof(key), "preflight_check_duration_seconds_bucket{check=\"%s\","
			    "le=\"%s\"}", reg[1]->name, t[i].below);
			is_int(sample(buf_cstr(&b), key), 0, "... not in le=%s", t[i].below);
		}
		snprintf(key, sizeof(key), "preflight_check_duration_seconds_count{check=\"%s\"}",
		    reg[1]->name);
		is_int(sample(buf_cstr(&b), key), 1, "... _count 1");
		snprintf(key, sizeof(key), "preflight_check_duration_seconds_count{check=\"%s\"}",
		    reg[0]->name);
		is_int(sample(buf_cstr(&b), key), 0, "... other checks 0");
		buf_free(&b);
		metrics_free(&m);
	}
}

static void test_sum_and_rep(void)
{
	struct metrics *m = metrics_new();
	struct rep *r = rep_new();
	const struct check_ops *const *reg;
	struct buf b = BUF_INIT;
	char key[160], bad[256] = "", val[32];
	const char *p;
	size_t n;

	reg = check_registry(&n);
	metrics_check_time(m, 0, 1500000);
	metrics_check_time(m, 0, 2500000);
	metrics_set_rep(m, r);
	metrics_render(m, &b);
	snprintf(key, sizeof(key), "preflight_check_duration_seconds_sum{check=\"%s\"} ",
	    reg[0]->name);
	p = strstr(buf_cstr(&b), key);
	snprintf(val, sizeof(val), "%.*s", p != NULL ? (int)strcspn(p + strlen(key), "\n") : 0,
	    p != NULL ? p + strlen(key) : "");
	is_str(val, "0.004000", "_sum in seconds");
	is_int(sample(buf_cstr(&b), "preflight_egress_problems{kind=\"listed\"}"), 0,
	    "egress: nothing listed before a refresh");
	is_int(sample(buf_cstr(&b), "preflight_egress_refreshed_timestamp_seconds"), 0,
	    "egress: never refreshed");
	ok(valid_text(buf_cstr(&b), bad, sizeof(bad)), "valid with the egress gauges");
	buf_free(&b);
	rep_free(&r);
	metrics_free(&m);
}

static void test_listen(void)
{
	static const struct { const char *spec; int rc; int family; } t[] = {
		{ "127.0.0.1:9100", 0, AF_INET },
		{ "0.0.0.0:1", 0, AF_INET },
		{ "[::1]:9100", 0, AF_INET6 },
		{ "[2001:db8::1]:65535", 0, AF_INET6 },
		{ "127.0.0.1", -1, 0 },
		{ ":9100", -1, 0 },
		{ "127.0.0.1:0", -1, 0 },
		{ "127.0.0.1:65536", -1, 0 },
		{ "127.0.0.1:9x", -1, 0 },
		{ "127.0.0.1:", -1, 0 },
		{ "::1:9100", -1, 0 },
		{ "[::1]9100", -1, 0 },
		{ "[::1]:", -1, 0 },
		{ "[]:80", -1, 0 },
		{ "localhost:80", -1, 0 },
		{ "127.0.0.1:-1", -1, 0 },
		{ "127.0.0.1:0000080", -1, 0 },
	};
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct buf why = BUF_INIT;
		int rc = metrics_listen_parse(t[i].spec, &ss, &len, &why);

		is_int(rc, t[i].rc, "MetricsListen '%s' %s", t[i].spec, t[i].rc ? "refused" : "ok");
		if (rc == 0)
			is_int(ss.ss_family, t[i].family, "... family");
		else
			ok(strstr(buf_cstr(&why), t[i].spec) != NULL, "... the reason quotes it");
		buf_free(&why);
	}
	is_int(metrics_listen_check("", NULL), 0, "empty MetricsListen is off, not an error");
}

int main(void)
{
	test_escape();
	test_counters();
	test_histogram();
	test_sum_and_rep();
	test_listen();
	return tap_done();
}

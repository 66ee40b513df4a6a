/*
 * cli_report - `preflight report`: what preflight-milter did over a
 * period, from the held log (HeldLog: verdict counts per hour, and the
 * tagged/held/rejected rows) and the state (StateBackend: hard bounces
 * `preflight learn` stored), as text, JSON, or one HTML page (lib/report.h).
 *
 * The held log is opened read-only, so a report runs beside the milter;
 * the state only when its SQLite file exists (or it is Redis), so a
 * report never creates one.  A state that cannot be read costs the bounce
 * sections (a warning), not the report.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"
#include "state.h"
#include "store.h"

#define REPORT_SINCE_DEFAULT (7 * 86400)

struct report_opts {
	const char *config;
	const char *html;
	time_t since, until;
	size_t top;
	bool json;
};

static void report_usage(FILE *f)
{
	fprintf(f, "Usage: preflight report [-c FILE] [--since T] [--until T] [--top N]\n"
	    "                        [--json] [--html FILE]\n"
	    "What preflight-milter did over a period: verdicts over time (every message,\n"
	    "counted per hour in the held log), the top findings, senders and destination\n"
	    "domains (of tagged, held and rejected messages), and the hard bounces\n"
	    "`preflight learn` stored, by reason and by provider.\n\n"
	    "  -c, --config FILE  configuration (default: %s\n"
	    "                     if it exists, else the built-in defaults)\n"
	    "  --since T          start: epoch seconds or an age such as 90m, 2h, 3d, 1w\n"
	    "                     (default 7d)\n"
	    "  --until T          end, the same way (default now)\n"
	    "  --top N            entries per list, 1 to %d (default %d)\n"
	    "  --json             JSON on standard output instead of text\n"
	    "  --html FILE        also write one self-contained HTML page with charts\n"
	    "                     (\"-\": the page on standard output instead of text)\n\n"
	    "Times are UTC.  Verdict counts are hourly: a --since or --until inside an\n"
	    "hour takes that whole hour.\n"
	    "Exit status: 0 done, 64 usage, 66 no held log, 70 internal error,\n"
	    "73 the HTML file cannot be written, 78 config error.\n", cli_default_config(),
	    REPORT_TOP_MAX, REPORT_TOP_DEFAULT);
}

/* report_parse_args - options; 0, -1 for --help, or an exit status */
static int report_parse_args(int argc, char **argv, struct report_opts *o)
{
	enum { O_SINCE = 256, O_UNTIL, O_TOP, O_JSON, O_HTML };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "since", required_argument, NULL, O_SINCE },
		{ "until", required_argument, NULL, O_UNTIL },
		{ "top", required_argument, NULL, O_TOP },
		{ "json", no_argument, NULL, O_JSON },
		{ "html", required_argument, NULL, O_HTML },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	time_t now = time(NULL);
	char *end;
	long n;
	int c;

	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case O_JSON: o->json = true; break;
		case O_HTML: o->html = optarg; break;
		case O_SINCE:
		case O_UNTIL:
			if (cli_parse_time(optarg, now, c == O_SINCE ? &o->since : &o->until) < 0) {
				cli_err("report: --%s wants epoch seconds or an age like 2h or 3d,"
				    " not \"%s\"", c == O_SINCE ? "since" : "until", optarg);
				return CLI_EX_USAGE;
			}
			break;
		case O_TOP:
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg || n < 1 ||
			    n > REPORT_TOP_MAX) {
				cli_err("report: --top wants 1 to %d, not \"%s\"", REPORT_TOP_MAX,
				    optarg);
				return CLI_EX_USAGE;
			}
			o->top = (size_t)n;
			break;
		case 'h': return -1;
		default: return CLI_EX_USAGE;
		}
	}
	if (optind < argc) {
		cli_err("report: takes no argument (\"%s\")", argv[optind]);
		return CLI_EX_USAGE;
	}
	if (o->since >= (o->until != 0 ? o->until : now + 1)) {
		cli_err("report: --since must be before --until (default now)");
		return CLI_EX_USAGE;
	}
	return 0;
}

/* report_state - the configured state when there is one to read, or NULL */
static struct state *report_state(const struct config *cfg)
{
	const char *spec = cfg->state_backend, *err;
	struct state *st = NULL;

	if (spec == NULL || strcmp(spec, "none") == 0)
		return NULL;
	/* state_open would create a missing SQLite file: nothing learned yet */
	if (strncmp(spec, "sqlite:", 7) == 0 && access(spec + 7, F_OK) < 0)
		return NULL;
	if (state_open(spec, &st, &err) < 0) {
		cli_err("report: StateBackend %s: %s; no bounces in the report", spec, err);
		return NULL;
	}
	return st;
}

/* report_write - the whole of b into path ("-" = standard output) */
static int report_write(const char *path, const struct buf *b)
{
	const char *p = buf_cstr(b);
	size_t left = b->len;
	ssize_t n;
	int fd = strcmp(path, "-") == 0 ? STDOUT_FILENO
	    : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

	if (fd < 0) {
		cli_err("report: %s: %s", path, strerror(errno));
		return CLI_EX_CANTCREAT;
	}
	fflush(stdout);
	while (left > 0) {
		n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
	if (left > 0 || (fd != STDOUT_FILENO && close(fd) < 0)) {
		cli_err("report: %s: %s", path, left > 0 ? strerror(errno) : "close failed");
		return CLI_EX_CANTCREAT;
	}
	return 0;
}

/* report_output - render to standard output and the HTML file */
static int report_output(const struct report_opts *o, const struct report *rep)
{
	struct buf b = BUF_INIT, h = BUF_INIT;
	bool html_stdout = o->html != NULL && strcmp(o->html, "-") == 0;
	int rc = 0;

	if (o->html != NULL && report_html(rep, &h) < 0)
		rc = CLI_EX_SOFTWARE;
	else if (!html_stdout && (o->json ? report_json(rep, &b) : report_text(rep, &b)) < 0)
		rc = CLI_EX_SOFTWARE;
	if (rc != 0)
		cli_err("report: out of memory");
	else if (!html_stdout && fwrite(buf_cstr(&b), 1, b.len, stdout) != b.len)
		rc = CLI_EX_SOFTWARE;
	else if (o->html != NULL)
		rc = report_write(o->html, &h);
	buf_free(&b);
	buf_free(&h);
	return rc;
}

/* report_run - open, collect, render */
static int report_run(const struct report_opts *o, const struct config *cfg)
{
	struct store *st = NULL;
	struct state *state = NULL;
	struct report rep;
	const char *err = NULL;
	int rc;

	if ((rc = cli_open_held_log("report", cfg, STORE_READ_ONLY, &st)) != 0)
		return rc;
	state = report_state(cfg);
	if (report_collect(&rep, st, state, o->since, o->until, o->top, time(NULL), &err) < 0) {
		cli_err("report: %s", err);
		rc = CLI_EX_SOFTWARE;
	} else {
		if (state != NULL && !rep.have_bounces)
			cli_err("report: StateBackend %s: %s; no bounces in the report",
			    cfg->state_backend, rep.bounce_error ? rep.bounce_error : "failed");
		rc = report_output(o, &rep);
	}
	report_free(&rep);
	state_close(&state);
	store_close(&st);
	return rc;
}

int cli_report(int argc, char **argv)
{
	struct report_opts o = { .top = REPORT_TOP_DEFAULT };
	struct config *cfg = NULL;
	int rc;

	o.since = time(NULL) - REPORT_SINCE_DEFAULT;
	rc = report_parse_args(argc, argv, &o);
	if (rc < 0) {
		report_usage(stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	if ((rc = cli_load_config(o.config, &cfg)) != 0)
		return rc;
	rc = report_run(&o, cfg);
	config_unref(&cfg);
	return rc;
}

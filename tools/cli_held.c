/*
 * cli_held - `preflight held list|show|release|delete`: read the held
 * log (HeldLog) and act on held messages in the MTA's queue.
 *
 * list and show open the log read-only, so they run beside the milter.
 * release and delete take row ids, check that the row is still held and
 * that its queue id has the only shape Postfix and Sendmail give
 * ([0-9A-Za-z]{6,64}), have held_mta act on it (postsuper -H|-d, or
 * Sendmail's quarantine: see held_mta.c; never through a shell), and only
 * when that succeeded record the new status with who ($SUDO_USER, else
 * the login name) and when.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "cli.h"
#include "held_mta.h"
#include "store.h"

#define HELD_QID_MAX 64

struct held_opts {
	const char *config;
	const char *status;
	time_t since;
	bool json;
	struct store *st;
	const struct config *cfg;
	int rows;
};

static const char *const held_statuses[] = {
	"held", "released", "deleted", "rejected", "tagged", "tempfailed", "accepted", NULL
};

static void held_usage(FILE *f)
{
	fprintf(f, "Usage: preflight held [-c FILE] list [--status S] [--since T] [--json]\n"
	    "       preflight held [-c FILE] show [--json] ID\n"
	    "       preflight held [-c FILE] release ID...\n"
	    "       preflight held [-c FILE] delete ID...\n"
	    "The held log (HeldLog) of preflight-milter, and the messages it holds.\n\n"
	    "  list     newest first: id, time, verdict, status, queue id, From,\n"
	    "           Subject, findings.  --status: held, released, deleted, rejected,\n"
	    "           tagged, tempfailed or accepted; --since: epoch seconds or an age\n"
	    "           such as 90m, 2h, 3d, 1w\n"
	    "  show     every field of one row, findings included\n"
	    "  release  back to delivery, status released: postsuper -H QUEUEID, or\n"
	    "           with MTA sendmail, sendmail -qQ -Q -qIQUEUEID then -qIQUEUEID\n"
	    "  delete   gone, status deleted: postsuper -d QUEUEID, or with MTA\n"
	    "           sendmail, its hfQUEUEID, dfQUEUEID and xfQUEUEID queue files\n"
	    "  -c, --config FILE  configuration (default: %s\n"
	    "                     if it exists, else the built-in defaults)\n"
	    "  --json             JSON output (list: an array; show: one object)\n\n"
	    "ID is the row id that list shows.  postsuper gets -c PostfixConfigDir,\n"
	    "sendmail (SendmailPath) -C SendmailConfig, when set; see preflight(1).\n"
	    "Exit status: 0 done, 1 some ID failed, 64 usage, 66 no held log,\n"
	    "70 internal error, 78 config error.\n", cli_default_config());
}

/* held_parse_id - a row id: decimal digits, > 0 */
static int held_parse_id(const char *s, int64_t *id_r)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*id_r = strtoll(s, &end, 10);
	return errno != 0 || *end != '\0' || *id_r <= 0 ? -1 : 0;
}

/* held_qid_valid - the shape of a Postfix (short or long form) or Sendmail queue id */
static bool held_qid_valid(const char *qid)
{
	size_t n = qid != NULL ? strspn(qid, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz") : 0;

	return n >= 6 && n <= HELD_QID_MAX && qid[n] == '\0';
}

/* held_open - the configured log; 0 or an exit status (message printed) */
static int held_open(struct held_opts *o, enum store_mode mode)
{
	return cli_open_held_log("held", o->cfg, mode, &o->st);
}

/* held_id - one finding id onto the comma-separated list */
static int held_id(void *arg, const char *id, size_t len)
{
	struct buf *out = arg;

	if ((out->len > 0 && buf_putc(out, ',') < 0) || buf_append(out, id, len) < 0)
		return -1;
	return 0;
}

/* held_ids - the finding ids of a findings JSON array, comma-separated */
static int held_ids(const char *json, struct buf *out)
{
	return finding_json_ids(json, held_id, out) < 0 ? -1 : 0;
}

/* held_json_field - ,"key":"value" or null */
static int held_json_field(struct buf *out, const char *key, const char *value)
{
	int rc = buf_printf(out, ",\"%s\":", key);

	return rc | (value != NULL ? buf_json_str(out, value) : buf_puts(out, "null"));
}

/* held_record_json - one row as a JSON object */
static int held_record_json(const struct store_record *r, struct buf *out)
{
	int rc = 0;

	rc |= buf_printf(out, "{\"id\":%" PRId64 ",\"time\":%lld", r->id, (long long)r->time);
	rc |= held_json_field(out, "queue_id", r->queue_id);
	rc |= held_json_field(out, "client", r->client);
	rc |= held_json_field(out, "auth_user", r->auth_user);
	rc |= held_json_field(out, "mail_from", r->mail_from);
	rc |= held_json_field(out, "rcpts", r->rcpts);
	rc |= held_json_field(out, "from", r->from);
	rc |= held_json_field(out, "subject", r->subject);
	rc |= held_json_field(out, "message_id", r->message_id);
	rc |= buf_printf(out, ",\"size\":%" PRIu64 ",\"score\":", r->size);
	rc |= finding_json_number(out, r->score);
	rc |= held_json_field(out, "verdict", r->verdict);
	rc |= buf_puts(out, ",\"findings\":");
	if (cli_json_balanced(r->findings))
		rc |= buf_puts(out, r->findings);
	else
		rc |= buf_json_str(out, r->findings != NULL ? r->findings : "");
	rc |= held_json_field(out, "status", r->status);
	rc |= held_json_field(out, "status_by", r->status_by);
	if (r->status_time != 0)
		rc |= buf_printf(out, ",\"status_time\":%lld}", (long long)r->status_time);
	else
		rc |= buf_puts(out, ",\"status_time\":null}");
	return rc < 0 ? -1 : 0;
}

/* held_cell - s in a column of width characters: cut, padded, made safe */
static void held_cell(const char *s, int width)
{
	struct buf b = BUF_INIT;
	int chars = 0;

	for (; s != NULL && *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80 && ++chars > width)
			break;
		buf_putc(&b, *s);
	}
	cli_print_safe(stdout, buf_cstr(&b));
	printf("%*s  ", width - (chars > width ? width : chars), "");
	buf_free(&b);
}

/* held_list_cb - one row of `held list` */
static int held_list_cb(const struct store_record *r, void *arg)
{
	struct held_opts *o = arg;
	struct buf b = BUF_INIT;
	char when[32];

	if (o->json) {
		if (held_record_json(r, &b) == 0)
			printf("%s%s", o->rows > 0 ? ",\n" : "\n", buf_cstr(&b));
	} else {
		cli_format_time(r->time, when, sizeof(when));
		printf("%-6" PRId64 "  %-19s  %-8s  %-10s  ", r->id, when,
		    r->verdict ? r->verdict : "-", r->status ? r->status : "-");
		held_cell(r->queue_id ? r->queue_id : "-", 12);
		held_cell(r->from ? r->from : "-", 28);
		held_cell(r->subject ? r->subject : "-", 28);
		if (held_ids(r->findings, &b) == 0)
			cli_print_safe(stdout, b.len > 0 ? buf_cstr(&b) : "-");
		putchar('\n');
	}
	o->rows++;
	buf_free(&b);
	return 0;
}

static int held_list(struct held_opts *o)
{
	const char *error = NULL;
	int rc = held_open(o, STORE_READ_ONLY);

	if (rc != 0)
		return rc;
	if (o->json)
		putchar('[');
	else
		printf("%-6s  %-19s  %-8s  %-10s  %-12s  %-28s  %-28s  %s\n", "ID", "TIME",
		    "VERDICT", "STATUS", "QUEUE ID", "FROM", "SUBJECT", "FINDINGS");
	if (store_list(o->st, o->status, o->since, held_list_cb, o, &error) < 0) {
		cli_err("held: %s", error);
		return CLI_EX_SOFTWARE;
	}
	if (o->json)
		printf("%s]\n", o->rows > 0 ? "\n" : "");
	return 0;
}

/* held_show_field - "name:  value" with a '-' for a missing value */
static void held_show_field(const char *name, const char *value)
{
	printf("%-12s ", name);
	cli_print_safe(stdout, value != NULL ? value : "-");
	putchar('\n');
}

static void held_show_text(const struct store_record *r)
{
	struct buf b = BUF_INIT;
	char when[32];

	printf("%-12s %" PRId64 "\n", "id:", r->id);
	cli_format_time(r->time, when, sizeof(when));
	printf("%-12s %s (%lld)\n", "time:", when, (long long)r->time);
	held_show_field("queue id:", r->queue_id);
	held_show_field("client:", r->client);
	held_show_field("auth user:", r->auth_user);
	held_show_field("mail from:", r->mail_from);
	held_show_field("recipients:", r->rcpts);
	held_show_field("from:", r->from);
	held_show_field("subject:", r->subject);
	held_show_field("message-id:", r->message_id);
	printf("%-12s %" PRIu64 "\n", "size:", r->size);
	finding_json_number(&b, r->score);
	held_show_field("score:", buf_cstr(&b));
	held_show_field("verdict:", r->verdict);
	printf("%-12s ", "status:");
	cli_print_safe(stdout, r->status != NULL ? r->status : "-");
	if (r->status_time != 0) {
		cli_format_time(r->status_time, when, sizeof(when));
		printf(" (by ");
		cli_print_safe(stdout, r->status_by != NULL ? r->status_by : "?");
		printf(", %s)", when);
	}
	printf("\nfindings:\n");
	if (cli_json_balanced(r->findings))
		cli_json_pretty(r->findings);
	else
		held_show_field("", r->findings);
	buf_free(&b);
}

static int held_show(struct held_opts *o, int argc, char **argv)
{
	struct store_record rec;
	struct buf b = BUF_INIT;
	const char *error = NULL;
	int64_t id;
	int rc;

	if (argc != 1 || held_parse_id(argv[0], &id) < 0) {
		cli_err("held: show wants one row id (try preflight held --help)");
		return CLI_EX_USAGE;
	}
	if ((rc = held_open(o, STORE_READ_ONLY)) != 0)
		return rc;
	if (store_get(o->st, id, &rec, &error) < 0) {
		cli_err("held: %s", error);
		return 1;
	}
	if (o->json) {
		rc = held_record_json(&rec, &b);
		if (rc == 0)
			printf("%s\n", buf_cstr(&b));
		buf_free(&b);
	} else {
		held_show_text(&rec);
	}
	store_record_clear(&rec);
	return rc == 0 ? 0 : CLI_EX_SOFTWARE;
}

/* held_who - who acts: the sudo caller, else the login name of the uid */
static void held_who(char *who, size_t size)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd pw, *res = NULL;
	char pwbuf[1024];

	if (sudo != NULL && *sudo != '\0')
		snprintf(who, size, "%s", sudo);
	else if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res != NULL)
		snprintf(who, size, "%s", pw.pw_name);
	else
		snprintf(who, size, "uid %lu", (unsigned long)getuid());
}

/* held_change - release or delete one row; 0, or 1 after a message */
static int held_change(struct held_opts *o, const char *arg, bool release)
{
	const char *done = release ? "released" : "deleted", *error = NULL;
	struct store_record rec;
	char who[256], when[32];
	int64_t id;
	int rc = 1;

	if (held_parse_id(arg, &id) < 0) {
		cli_err("held: \"%s\" is not a row id (preflight held list shows them)", arg);
		return 1;
	}
	if (store_get(o->st, id, &rec, &error) < 0) {
		cli_err("held: %s", error);
		return 1;
	}
	if (rec.status != NULL && (strcmp(rec.status, "released") == 0 ||
	    strcmp(rec.status, "deleted") == 0)) {
		cli_format_time(rec.status_time, when, sizeof(when));
		cli_err("held: message %" PRId64 " was already %s by %s at %s", id, rec.status,
		    rec.status_by != NULL ? rec.status_by : "?", when);
	} else if (rec.status == NULL || strcmp(rec.status, "held") != 0) {
		cli_err("held: message %" PRId64 " is not in the hold queue (status %s)", id,
		    rec.status != NULL ? rec.status : "none");
	} else if (!held_qid_valid(rec.queue_id)) {
		fprintf(stderr, "preflight: held: message %" PRId64 ": refusing queue id \"", id);
		cli_print_safe(stderr, rec.queue_id != NULL ? rec.queue_id : "");
		fprintf(stderr, "\": a queue id is 6 or more letters and digits\n");
	} else if (held_mta_act(o->cfg, release, rec.queue_id) == 0) {
		held_who(who, sizeof(who));
		if (store_set_status(o->st, id, done, who, time(NULL), &error) < 0)
			cli_err("held: queue id %s was %s, but the log was not updated: %s",
			    rec.queue_id, done, error);
		else
			rc = 0;
		if (rc == 0)
			printf("message %" PRId64 " (queue id %s) %s\n", id, rec.queue_id, done);
	}
	store_record_clear(&rec);
	return rc;
}

/* held_parse_args - options anywhere; *action_r gets the first operand */
static int held_parse_args(int argc, char **argv, struct held_opts *o)
{
	enum { O_STATUS = 256, O_SINCE, O_JSON };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "status", required_argument, NULL, O_STATUS },
		{ "since", required_argument, NULL, O_SINCE },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case O_JSON: o->json = true; break;
		case O_STATUS:
			for (i = 0; held_statuses[i] != NULL; i++)
				if (strcmp(optarg, held_statuses[i]) == 0)
					break;
			if (held_statuses[i] == NULL) {
				cli_err("held: unknown status \"%s\"", optarg);
				return CLI_EX_USAGE;
			}
			o->status = optarg;
			break;
		case O_SINCE:
			if (cli_parse_time(optarg, time(NULL), &o->since) < 0) {
				cli_err("held: --since wants epoch seconds or an age like 2h or 3d,"
				    " not \"%s\"", optarg);
				return CLI_EX_USAGE;
			}
			break;
		case 'h': return -1;
		default: return CLI_EX_USAGE;
		}
	}
	return 0;
}

/* held_run - dispatch an action; returns the exit status */
static int held_run(struct held_opts *o, const char *action, int argc, char **argv)
{
	bool release = strcmp(action, "release") == 0;
	int i, rc, failed = 0;

	if ((o->status != NULL || o->since != 0) && strcmp(action, "list") != 0) {
		cli_err("held: --status and --since apply to list only");
		return CLI_EX_USAGE;
	}
	if (strcmp(action, "list") == 0) {
		if (argc > 0) {
			cli_err("held: list takes no argument (\"%s\")", argv[0]);
			return CLI_EX_USAGE;
		}
		return held_list(o);
	}
	if (strcmp(action, "show") == 0)
		return held_show(o, argc, argv);
	if (!release && strcmp(action, "delete") != 0) {
		cli_err("held: unknown action \"%s\" (list, show, release, delete)", action);
		return CLI_EX_USAGE;
	}
	if (argc == 0 || o->json) {
		cli_err("held: %s wants one or more row ids%s", action, o->json ? ", no --json" : "");
		return CLI_EX_USAGE;
	}
	if ((rc = held_open(o, STORE_READ_WRITE)) != 0)
		return rc;
	for (i = 0; i < argc; i++)
		failed |= held_change(o, argv[i], release);
	return failed ? 1 : 0;
}

int cli_held(int argc, char **argv)
{
	struct held_opts o = { 0 };
	struct config *cfg = NULL;
	int rc;

	rc = held_parse_args(argc, argv, &o);
	if (rc < 0) {
		held_usage(stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	if (optind >= argc) {
		cli_err("held: no action given (list, show, release, delete)");
		return CLI_EX_USAGE;
	}
	if ((rc = cli_load_config(o.config, &cfg)) != 0)
		return rc;
	o.cfg = cfg;
	rc = held_run(&o, argv[optind], argc - optind - 1, argv + optind + 1);
	store_close(&o.st);
	config_unref(&cfg);
	return rc;
}

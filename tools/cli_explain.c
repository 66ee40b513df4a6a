/*
 * cli_explain - `preflight explain`: say why a message was rejected, from
 * an SMTP reply, a bounce message or a mail log, and which check would
 * have caught it before sending.
 *
 * Input: the words of the command line as one reply text; "-" for
 * standard input; --file FILE for a file; --log FILE for a mail log
 * ("-" = standard input).  A file or stdin is recognised as a log, a
 * bounce or a reply by explain_guess (--log forces a log).  Inputs are
 * read whole up to EXPLAIN_INPUT_MAX bytes.  The provider profiles come
 * from the configuration (-c FILE, else the default file or built-in
 * defaults), as for every subcommand.
 *
 * Exit status: 0 when something was explained, 1 when the input holds no
 * rejection, 64 usage, 66 no input (missing or empty file, empty stdin),
 * 70 internal error, 78 configuration error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "explain.h"

#define EXPLAIN_INPUT_MAX ((size_t)256 << 20)

struct explain_opts {
	const char *config;
	const char *file;	/* --file, or "-" */
	const char *log;	/* --log */
	const char *rcpt;	/* --rcpt: recipient of a reply text */
	const char *host;	/* --host: remote host of a reply text */
	bool json;
	bool summary;
	struct buf words;	/* the reply given as arguments */
};

static void explain_usage(FILE *f)
{
	fprintf(f, "Usage: preflight explain [OPTIONS] TEXT...\n"
	    "       preflight explain [OPTIONS] -|--file FILE\n"
	    "       preflight explain [OPTIONS] --log FILE [--summary]\n"
	    "Explain remote rejections: an SMTP reply (the arguments), a bounce message\n"
	    "or a mail log (Postfix, Sendmail, Exim).  For each rejection: provider,\n"
	    "reply code, enhanced status, reason (sisimai's taxonomy), cause, remedy,\n"
	    "and the check that would have caught it before sending.\n\n"
	    "  -c, --config FILE  configuration, for the provider profiles (default: %s\n"
	    "                     if it exists, else the built-in defaults)\n"
	    "  -f, --file FILE    read a reply, bounce or log from FILE (\"-\" = stdin)\n"
	    "      --log FILE     read a mail log (\"-\" = stdin)\n"
	    "      --summary      rank the rejections by reason, provider and recipient\n"
	    "                     domain, most harmful first\n"
	    "      --rcpt ADDR    the recipient a reply text was for\n"
	    "      --host NAME    the remote host that sent a reply text\n"
	    "      --json         print JSON: one object, or a list for several\n"
	    "  -h, --help         this help\n\n"
	    "Exit status: 0 explained, 1 no rejection in the input, 64 usage,\n"
	    "66 no input, 70 internal error, 78 configuration error.\n",
	    cli_default_config());
}

/* explain_parse_args - fill o; 0, CLI_EX_USAGE, or -1 for --help */
static int explain_parse_args(int argc, char **argv, struct explain_opts *o)
{
	enum { O_LOG = 256, O_SUMMARY, O_RCPT, O_HOST, O_JSON };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "file", required_argument, NULL, 'f' },
		{ "log", required_argument, NULL, O_LOG },
		{ "summary", no_argument, NULL, O_SUMMARY },
		{ "rcpt", required_argument, NULL, O_RCPT },
		{ "host", required_argument, NULL, O_HOST },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i;

	while ((c = getopt_long(argc, argv, "+c:f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'f': o->file = optarg; break;
		case O_LOG: o->log = optarg; break;
		case O_SUMMARY: o->summary = true; break;
		case O_RCPT: o->rcpt = optarg; break;
		case O_HOST: o->host = optarg; break;
		case O_JSON: o->json = true; break;
		case 'h': return -1;
		default: return CLI_EX_USAGE;
		}
	}
	if (o->file != NULL && o->log != NULL) {
		cli_err("explain: --file and --log exclude each other");
		return CLI_EX_USAGE;
	}
	if (optind == argc - 1 && strcmp(argv[optind], "-") == 0 && o->log == NULL &&
	    o->file == NULL) {
		o->file = "-";
		return 0;
	}
	if (optind < argc && (o->file != NULL || o->log != NULL)) {
		cli_err("explain: a reply text and --file/--log exclude each other");
		return CLI_EX_USAGE;
	}
	if (optind == argc && o->file == NULL && o->log == NULL) {
		cli_err("explain: nothing to explain (try preflight explain --help)");
		return CLI_EX_USAGE;
	}
	for (i = optind; i < argc; i++)
		if ((i > optind && buf_putc(&o->words, ' ') < 0) || buf_puts(&o->words, argv[i]) < 0)
			return CLI_EX_SOFTWARE;
	return 0;
}

/* explain_read - the whole file (or stdin for "-") into b; empty is no input */
static int explain_read(const char *file, struct buf *b)
{
	int rc = cli_read_input("explain", file, EXPLAIN_INPUT_MAX, b);

	if (rc == 0 && b->len == 0) {
		cli_err("explain: %s: empty", strcmp(file, "-") == 0 ? "standard input" : file);
		return CLI_EX_NOINPUT;
	}
	return rc;
}

/* print_text - s on stdout with control characters other than newline shown
 * as '?': reply texts come from remote servers */
static void print_text(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		putchar(c == '\n' ? '\n' : c == '\t' ? ' ' : c < 0x20 || c == 0x7f ? '?' : c);
	}
}

/* explain_print - the items, or their summary, on stdout */
static int explain_print(const struct explain_opts *o, const struct explain_list *l)
{
	struct buf out = BUF_INIT;
	size_t i;
	int rc = 0;

	if (o->summary)
		rc = o->json ? explain_summary_json(l, &out) : explain_summary_text(l, &out);
	else if (o->json)
		rc = explain_list_json(l, &out);
	for (i = 0; !o->summary && !o->json && i < l->n && rc == 0; i++)
		rc = (i > 0 ? buf_putc(&out, '\n') : 0) | explain_item_text(&l->v[i], &out);
	if (rc == 0 && o->json)
		rc = buf_putc(&out, '\n');
	if (rc < 0) {
		cli_err("explain: out of memory");
		buf_free(&out);
		return CLI_EX_SOFTWARE;
	}
	if (o->json)
		fputs(buf_cstr(&out), stdout);
	else
		print_text(buf_cstr(&out));
	buf_free(&out);
	return 0;
}

/* explain_run - read, explain, print */
static int explain_run(const struct explain_opts *o, const struct config *cfg)
{
	struct explain_list l = EXPLAIN_LIST_INIT;
	struct buf in = BUF_INIT;
	const char *error = NULL;
	enum explain_kind kind = o->log != NULL ? EXPLAIN_LOG : EXPLAIN_AUTO;
	int rc;

	if (o->file != NULL || o->log != NULL) {
		if ((rc = explain_read(o->file != NULL ? o->file : o->log, &in)) != 0)
			goto out;
		rc = explain_input(cfg->profiles, buf_cstr(&in), in.len, kind, &l, &error);
	} else {
		rc = explain_reply(cfg->profiles, buf_cstr(&o->words), o->rcpt, o->host, &l,
		    &error);
	}
	if (rc < 0) {
		cli_err("explain: %s", error != NULL ? error : "internal error");
		rc = CLI_EX_SOFTWARE;
		goto out;
	}
	if (l.n == 0) {
		if (o->json)
			puts(o->summary ? "{\"total\": 0}" : "[]");
		else
			puts("no rejection found");
		rc = 1;
		goto out;
	}
	rc = explain_print(o, &l);
out:
	explain_list_free(&l);
	buf_free(&in);
	return rc;
}

/* cli_explain - `preflight explain` (cli.h) */
int cli_explain(int argc, char **argv)
{
	struct explain_opts o;
	struct config *cfg = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	rc = explain_parse_args(argc, argv, &o);
	if (rc == -1) {
		explain_usage(stdout);
		buf_free(&o.words);
		return 0;
	}
	if (rc == 0 && (rc = cli_load_config(o.config, &cfg)) == 0)
		rc = explain_run(&o, cfg);
	config_unref(&cfg);
	buf_free(&o.words);
	return rc;
}

/*
 * cli - what the subcommands of preflight(1) share: their entry points,
 * the config loading rule, and output helpers.
 *
 * Each subcommand is run_<name>(argc, argv) with argv[0] the subcommand's
 * name, parses its own options with getopt_long, and returns the process
 * exit status (sysexits.h codes for usage, input and config errors).
 * Messages go to stderr prefixed with "preflight: ".
 */
#ifndef PF_CLI_H
#define PF_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "buf.h"
#include "check.h"
#include "store.h"

/* Exit statuses (sysexits.h names) */
#define CLI_EX_USAGE 64		/* bad command line */
#define CLI_EX_NOINPUT 66	/* input file or held log missing/unreadable */
#define CLI_EX_SOFTWARE 70	/* internal error */
#define CLI_EX_CANTCREAT 73	/* output file cannot be written */
#define CLI_EX_CONFIG 78	/* configuration error */

int cli_check(int argc, char **argv);
int cli_held(int argc, char **argv);
int cli_findings(int argc, char **argv);
int cli_keys(int argc, char **argv);
int cli_rules(int argc, char **argv);
int cli_explain(int argc, char **argv);
int cli_profiles(int argc, char **argv);
int cli_learn(int argc, char **argv);
int cli_report(int argc, char **argv);

/* cli_err - print "preflight: <message>" to stderr */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_default_config - the path read when -c is not given */
const char *cli_default_config(void);
/* cli_open_held_log - open cfg's HeldLog for cmd ("held", "report"), never
 * creating it; 0, or an exit status after printing why (78 HeldLog none,
 * 66 missing or unreadable) */
int cli_open_held_log(const char *cmd, const struct config *cfg, enum store_mode mode,
    struct store **st_r);
/* cli_load_config - load path (NULL = the default file if it exists, else
 * the built-in defaults); 0, or CLI_EX_CONFIG after printing the error */
int cli_load_config(const char *path, struct config **cfg_r);
/* cli_print_safe - write s with control characters shown as '?', so that
 * text from messages cannot drive the terminal */
void cli_print_safe(FILE *f, const char *s);
/* cli_json_balanced - s is one JSON array whose brackets balance and whose
 * strings end (nesting at most 32), so it can be copied into JSON output */
bool cli_json_balanced(const char *s);
/* cli_json_pretty - print a JSON text that passed cli_json_balanced,
 * indented two spaces per level, control characters shown as '?' */
void cli_json_pretty(const char *s);
/* cli_read_input - the whole of file ("-" = standard input) into b, at
 * most max bytes; 0, or CLI_EX_NOINPUT after printing "cmd: file: why" */
int cli_read_input(const char *cmd, const char *file, size_t max, struct buf *b);
/* cli_parse_time - a time on the command line: epoch seconds, or an age
 * (N s|m|h|d|w) before now; 0 or -1 (cli_time.c) */
int cli_parse_time(const char *s, time_t now, time_t *t_r);
/* cli_format_time - "YYYY-MM-DD HH:MM:SS" in local time into buf */
void cli_format_time(time_t t, char *buf, size_t size);

#endif

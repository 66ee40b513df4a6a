/*
 * preflight - the admin CLI: dispatch to a subcommand, global --help and
 * --version, and the helpers every subcommand shares (cli.h).
 *
 * The configuration rule is the same for every subcommand: -c FILE, else
 * PF_SYSCONFDIR/preflight/preflight.conf when that file exists, else the
 * built-in defaults (so `preflight check` works on a machine where only
 * the CLI is installed).  The JSON helpers only check and re-indent text
 * that this program's own writers produced; they are not a parser.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoconf.h"	/* PACKAGE_VERSION */
#include "cli.h"

#define CLI_JSON_DEPTH 32

#ifndef PF_SYSCONFDIR
#define PF_SYSCONFDIR "/etc"
#endif

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
};

static const struct cli_command commands[] = {
	{ "check", cli_check, "check [OPTIONS] FILE|-    scan one message, print the verdict" },
	{ "held", cli_held, "held list|show|release|delete  the held-message log" },
	{ "findings", cli_findings, "findings [--json]         the catalogue of findings" },
	{ "keys", cli_keys, "keys                      the configuration keys" },
	{ "rules", cli_rules, "rules check FILE          validate a rules file (RulesFile)" },
	{ "profiles", cli_profiles, "profiles [show NAME|check DIR...] the provider profiles" },
	{ "explain", cli_explain, "explain TEXT|-|--log FILE why a reply, bounce or log line was a rejection" },
	{ "report", cli_report, "report [--since T] [--json] [--html FILE] verdicts, findings, senders, bounces" },
	{ "learn", cli_learn, "learn --log FILE | < BOUNCE    remember real rejections (hard bounces, per provider)" },
	{ NULL, NULL, NULL },
};

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("preflight: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *cli_default_config(void)
{
	return PF_SYSCONFDIR "/preflight/preflight.conf";
}

int cli_load_config(const char *path, struct config **cfg_r)
{
	char *error = NULL;

	*cfg_r = NULL;
	if (path == NULL && access(cli_default_config(), F_OK) == 0)
		path = cli_default_config();
	if (path == NULL) {
		*cfg_r = config_defaults();
		if (*cfg_r != NULL)
			return 0;
		cli_err("out of memory");
		return CLI_EX_CONFIG;
	}
	if (config_load(path, cfg_r, &error) < 0) {
		cli_err("%s", error != NULL ? error : "cannot load the configuration");
		free(error);
		return CLI_EX_CONFIG;
	}
	return 0;
}

void cli_print_safe(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\t')
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		fputc(c, f);
	}
}

int cli_open_held_log(const char *cmd, const struct config *cfg, enum store_mode mode,
    struct store **st_r)
{
	const char *path = cfg->held_log, *error = NULL;

	if (path == NULL) {
		cli_err("%s: HeldLog is none in the configuration: there is no held log", cmd);
		return CLI_EX_CONFIG;
	}
	/* Opening read-write creates the file: release must not. */
	if (access(path, F_OK) < 0) {
		cli_err("%s: held log %s: %s", cmd, path, strerror(errno));
		return CLI_EX_NOINPUT;
	}
	if (store_open(path, mode, st_r, &error) < 0) {
		cli_err("%s: %s", cmd, error);
		store_close(st_r);
		return CLI_EX_NOINPUT;
	}
	return 0;
}

int cli_read_input(const char *cmd, const char *file, size_t max, struct buf *b)
{
	bool is_stdin = strcmp(file, "-") == 0;
	int fd = is_stdin ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
	const char *name = is_stdin ? "standard input" : file;
	char chunk[65536];
	ssize_t n;

	if (fd < 0) {
		cli_err("%s: %s: %s", cmd, name, strerror(errno));
		return CLI_EX_NOINPUT;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b->len + (size_t)n > max) {
			cli_err("%s: %s: larger than %zu MiB", cmd, name, max >> 20);
			n = -2;
			break;
		}
		if (buf_append(b, chunk, (size_t)n) < 0) {
			cli_err("%s: %s: out of memory", cmd, name);
			n = -2;
			break;
		}
	}
	if (n == -1)
		cli_err("%s: %s: %s", cmd, name, strerror(errno));
	if (!is_stdin)
		close(fd);
	return n < 0 ? CLI_EX_NOINPUT : 0;
}

void cli_format_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

bool cli_json_balanced(const char *s)
{
	char stack[CLI_JSON_DEPTH];
	int depth = 0;

	if (s == NULL || *s != '[')
		return false;
	for (; *s != '\0'; s++) {
		if (*s == '"') {
			for (s++; *s != '"'; s++)
				if (*s == '\0' || (*s == '\\' && *++s == '\0'))
					return false;
		} else if (*s == '[' || *s == '{') {
			if (depth == CLI_JSON_DEPTH)
				return false;
			stack[depth++] = *s == '[' ? ']' : '}';
		} else if (*s == ']' || *s == '}') {
			if (depth == 0 || stack[--depth] != *s)
				return false;
			if (depth == 0)
				return s[1] == '\0';
		}
	}
	return false;
}

/* cli_indent - a newline and two spaces per level */
static void cli_indent(int depth)
{
	printf("\n%*s", 2 * depth, "");
}

void cli_json_pretty(const char *s)
{
	int depth = 0;

	for (; *s != '\0'; s++) {
		if (*s == '"') {
			putchar('"');
			for (s++; *s != '"'; s++) {
				if (*s == '\\')
					putchar(*s++);
				putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
			}
			putchar('"');
		} else if (*s == '{' || *s == '[') {
			putchar(*s);
			if (s[1] == (*s == '{' ? '}' : ']'))
				putchar(*++s);
			else
				cli_indent(++depth);
		} else if (*s == '}' || *s == ']') {
			cli_indent(--depth);
			putchar(*s);
		} else if (*s == ',') {
			putchar(',');
			cli_indent(depth);
		} else if (*s == ':') {
			fputs(": ", stdout);
		} else if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r') {
			putchar(*s);
		}
	}
	putchar('\n');
}

/* usage - the global help */
static void usage(FILE *f)
{
	const struct cli_command *c;

	fprintf(f, "Usage: preflight COMMAND [OPTIONS] [ARGS]\n"
	    "Predict remote rejections of outbound mail, and manage the messages\n"
	    "that preflight-milter held.\n\nCommands:\n");
	for (c = commands; c->name != NULL; c++)
		fprintf(f, "  %s\n", c->synopsis);
	fprintf(f, "\nGlobal options:\n"
	    "  -h, --help     this help; COMMAND --help for the options of a command\n"
	    "  -V, --version  print the version\n\n"
	    "Configuration: -c FILE, else %s if it exists,\n"
	    "else the built-in defaults.  See preflight(1).\n", cli_default_config());
}

int main(int argc, char **argv)
{
	const struct cli_command *c;
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		usage(stderr);
		return CLI_EX_USAGE;
	}
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("preflight %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (c = commands; c->name != NULL; c++)
		if (strcmp(cmd, c->name) == 0)
			return c->run(argc - 1, argv + 1);
	cli_err("unknown command \"%s\" (try preflight --help)", cmd);
	return CLI_EX_USAGE;
}

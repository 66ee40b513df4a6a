/*
 * cli_rules - `preflight rules check FILE`: parse and compile a rules file
 * (RulesFile) the way the milter will, and say so: "N rules OK" and exit
 * 0, or the first "file:line: reason" and exit 78 (EX_CONFIG), so an
 * admin can test an edit before reloading the milter.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rules.h"

static void rules_usage(FILE *f)
{
	fputs("usage: preflight rules check FILE\n"
	    "Parse and compile a rules file (RulesFile); prints \"N rules OK\", or the\n"
	    "first error as file:line and exits 78.  Rule syntax, one a line:\n"
	    "  <kind> <id> <score> /<pattern>/<flags> \"<description>\" [\"<remedy>\"]\n"
	    "kind: header:<Name> header body uri rawbody; id: rule-...; flags: i m s x.\n"
	    "See preflight.conf(5).\n", f);
}

int cli_rules(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rules_set *set = NULL;
	char *error = NULL;
	size_t n;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			rules_usage(stdout);
			return 0;
		}
		rules_usage(stderr);
		return CLI_EX_USAGE;
	}
	if (argc - optind != 2 || strcmp(argv[optind], "check") != 0) {
		rules_usage(stderr);
		return CLI_EX_USAGE;
	}
	if (rules_load(argv[optind + 1], &set, &error) < 0) {
		cli_err("%s", error != NULL ? error : "out of memory");
		free(error);
		return CLI_EX_CONFIG;
	}
	n = rules_count(set);
	printf("%zu rule%s OK\n", n, n == 1 ? "" : "s");
	rules_free(&set);
	return 0;
}

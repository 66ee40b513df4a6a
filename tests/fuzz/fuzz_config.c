/*
 * fuzz_config - config file text -> config_load (the whole loader:
 * lines, quoting, Include, every value parser, RulesFile, the defaults and
 * the shipped profiles).
 *
 * config_load reads only files, so the input is written to preflight.conf
 * in a private scratch folder.  The folder also holds inc.conf and
 * rules.conf, so that "Include inc.conf" and "RulesFile rules.conf" (paths
 * relative to the including file) reach those parts of the loader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

static char *conf_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char inc[] = "TagScore 2\nFindingScore format-date-missing 3\n";
	static const char rules[] =
	    "header:Subject rule-caps 2 /^URGENT/ \"all caps\"\n"
	    "body rule-pw 3 /password/i \"asks for a password\" \"do not\"\n";
	const char *dir = fuzz_setup();
	char *p;

	p = fuzz_path(dir, "inc.conf");
	fuzz_write(p, inc, sizeof(inc) - 1);
	free(p);
	p = fuzz_path(dir, "rules.conf");
	fuzz_write(p, rules, sizeof(rules) - 1);
	free(p);
	conf_path = fuzz_path(dir, "preflight.conf");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct config_size_limit *limit;
	struct config *cfg = NULL;
	char *error = NULL;

	fuzz_write(conf_path, data, size);
	if (config_load(conf_path, &cfg, &error) == 0) {
		if (cfg == NULL || error != NULL)
			fuzz_fail("config_load: 0 without a snapshot");
		(void)config_check_enabled(cfg, "mime");
		(void)config_size_limit_for(cfg, "mail.gmail.com.", &limit);
		config_unref(&cfg);
	} else {
		if (error == NULL || cfg != NULL)
			fuzz_fail("config_load: -1 without a message");
		free(error);
	}
	return 0;
}

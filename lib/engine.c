/*
 * engine - the long-lived parts every scan shares (see engine.h).
 */
#include <stdlib.h>

#include "dns.h"
#include "engine.h"

int engine_open(const struct config *cfg, const char *nameservers,
    struct check_env **env_r, const char **error_r)
{
	struct check_env *env = calloc(1, sizeof(*env));
	struct dns_options opt = {
		.nameservers = nameservers ? nameservers : cfg->nameservers,
		.timeout_ms = cfg->dns_timeout * 1000,
		.trust_anchor = cfg->dnssec_trust_anchor,
	};

	*env_r = NULL;
	if (env == NULL)
		return *error_r = "out of memory", -1;
	if (dns_open(&opt, &env->dns, error_r) < 0) {
		free(env);
		return -1;
	}
	*env_r = env;
	return 0;
}

void engine_close(struct check_env **envp)
{
	struct check_env *env = *envp;

	if (env == NULL)
		return;
	dns_close(&env->dns);
	free(env);
	*envp = NULL;
}

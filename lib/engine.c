/*
 * engine - the long-lived parts every scan shares (see engine.h).
 */
#include <stdlib.h>

#include "dkimv.h"
#include "dns.h"
#include "engine.h"
#include "keycheck.h"
#include "rep.h"
#include "state.h"

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
	if (dns_open(&opt, &env->dns, error_r) < 0 ||
	    dkimv_lib_new(env->dns, &env->dkimv, error_r) < 0)
		goto fail;
	if ((env->keycheck = keycheck_new()) == NULL || (env->rep = rep_new()) == NULL) {
		*error_r = "out of memory";
		goto fail;
	}
	/* A state that cannot be opened (a missing folder, a bad spec) must
	 * not stop mail: count in memory and let the caller say why. */
	if (state_open(cfg->state_backend, &env->state, &env->state_error) < 0 &&
	    state_open("none", &env->state, error_r) < 0)
		goto fail;
	*env_r = env;
	return 0;
fail:
	engine_close(&env);
	return -1;
}

void engine_close(struct check_env **envp)
{
	struct check_env *env = *envp;

	if (env == NULL)
		return;
	keycheck_free(&env->keycheck);
	rep_free(&env->rep);
	state_close(&env->state);
	dkimv_lib_free(&env->dkimv);
	dns_close(&env->dns);
	free(env);
	*envp = NULL;
}

/*
 * watch - the background thread that keeps the relay's reputation
 * current (lib/rep.c): at start, every ReputationInterval, and at once
 * after a reload (SIGUSR1), it looks the egress addresses up and logs
 * what changed.  Scans only read the results; no message waits for it.
 *
 * It also reports when a shared state (StateBackend redis://) becomes
 * unreachable and when it answers again, and moves the verdict counts to
 * the held log (actions_tally_flush).  The thread sleeps on a
 * condition variable with a monotonic deadline, so watch_kick (reload)
 * and watch_stop (shutdown) wake it at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "milter.h"
#include "rep.h"
#include "state.h"

/* log_item - one finding of a refresh, as the admin should read it */
static int log_item(void *arg, const struct rep_item *it)
{
	(void)arg;
	switch (it->kind) {
	case REP_LISTED:
		mlog_warn("reputation: egress %s is on %s (%s answers %s)", it->ip, it->list,
		    it->zone, it->answer);
		break;
	case REP_REFUSED:
		mlog_warn("reputation: %s refused the query for %s (%s): use your own resolver "
		    "or DNSBLKey; this is not a listing", it->zone, it->ip, it->answer);
		break;
	case REP_PTR_MISSING:
		mlog_warn("reputation: egress %s has no PTR record (Gmail refuses such mail: "
		    "550-5.7.25)", it->ip);
		break;
	case REP_FCRDNS:
		mlog_warn("reputation: egress %s: PTR %s does not resolve back to it", it->ip,
		    it->answer);
		break;
	case REP_HELO:
		mlog_warn("reputation: EgressHelo %s does not resolve to %s", it->answer, it->ip);
		break;
	}
	return 0;
}

/* state_watch - say when a shared state (Redis) goes away or comes back:
 * meanwhile counts are local to this relay */
static void state_watch(struct watch *w)
{
	const char *why;
	bool ok = state_health(w->app->env->state, &why);

	if (ok == w->state_ok)
		return;
	w->state_ok = ok;
	if (ok)
		mlog_info("state: %s reachable again; counters shared",
		    state_backend_name(w->app->env->state));
	else
		mlog_warn("state: %s: %s; counting locally until it answers",
		    state_backend_name(w->app->env->state), why);
}

/* refresh - one round, with the current config snapshot */
static void refresh(struct watch *w, unsigned *interval_r)
{
	struct config *cfg = config_holder_get(&w->app->holder);
	const char *err;
	int n;

	*interval_r = cfg->reputation_interval > 0 ? cfg->reputation_interval : 3600;
	if (!config_check_enabled(cfg, "rep") || cfg->egress_addresses == NULL ||
	    cfg->egress_addresses[0] == NULL) {
		config_unref(&cfg);
		return;
	}
	n = rep_refresh(w->app->env->rep, cfg, w->app->env->dns, &err);
	if (n < 0)
		mlog_err("reputation: %s", err);
	else if (n == 0)
		mlog_info("reputation: egress addresses clean (DNSBL, PTR, HELO)");
	else
		rep_each(w->app->env->rep, log_item, NULL, NULL);
	config_unref(&cfg);
}

/* now_s - the monotonic clock, seconds */
static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The thread wakes every STATE_RETRY_S seconds to report the state's
 * health, and refreshes the reputation when its interval has passed or
 * a reload kicked it. */
static void *watch_main(void *arg)
{
	struct watch *w = arg;
	struct timespec until;
	unsigned interval = 0;
	time_t next = 0;
	bool kicked = true;

	w->state_ok = true;
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		pthread_mutex_unlock(&w->lock);
		if (kicked || now_s() >= next) {
			refresh(w, &interval);
			next = now_s() + (time_t)interval;
		}
		state_watch(w);
		actions_tally_flush(w->app);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += STATE_RETRY_S;
		pthread_mutex_lock(&w->lock);
		while (!w->stop && !w->kick &&
		    pthread_cond_timedwait(&w->cond, &w->lock, &until) != ETIMEDOUT)
			;
		kicked = w->kick;
		w->kick = false;
	}
	pthread_mutex_unlock(&w->lock);
	actions_tally_flush(w->app);	/* the last counts, before the store closes */
	return NULL;
}

void watch_init(struct watch *w, struct milter_app *app)
{
	pthread_condattr_t ca;

	memset(w, 0, sizeof(*w));
	w->app = app;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
}

int watch_start(struct watch *w)
{
	int e;

	if ((e = pthread_create(&w->tid, NULL, watch_main, w)) != 0) {
		mlog_err("cannot start the reputation thread: %s", strerror(e));
		return -1;
	}
	w->started = true;
	return 0;
}

/* wake - set a flag under the lock and wake the thread */
static void wake(struct watch *w, bool stop)
{
	pthread_mutex_lock(&w->lock);
	if (stop)
		w->stop = true;
	else
		w->kick = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void watch_kick(struct watch *w)
{
	wake(w, false);
}

void watch_stop(struct watch *w)
{
	if (w->started) {
		wake(w, true);
		pthread_join(w->tid, NULL);
		w->started = false;
	}
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

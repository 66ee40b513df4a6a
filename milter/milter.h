/*
 * milter.h - private declarations shared by the files of preflight-milter.
 *
 * main.c owns the process: options, config holder, held log, socket,
 * privileges and signals; privs.c resolves and drops the ids and sets the
 * modes of the socket and the held log.  callbacks.c holds one thin
 * function per milter step and the two lifetimes (connection, message).
 * actions.c turns a
 * policy verdict into smfi_* calls and the per-message log line.  mlog.c
 * is the only place that writes to syslog or stderr.  metrics_http.c
 * serves MetricsListen; the counters (app->metrics, lib/metrics.c) are
 * updated by callbacks.c and, through env and the resolver, by the engine.
 *
 * The one piece of process state the callbacks reach is struct milter_app:
 * main fills it before smfi_main and, while smfi_main runs, never changes a
 * field (the config holder has its own lock, the store a mutex of its
 * own), so reading it from many libmilter threads is safe.  libmilter does
 * not wait for its session threads when smfi_main returns, so main then
 * empties both under their locks instead of destroying them: a callback
 * still running finds no config (OnError: tempfail) or no store.
 */
#ifndef PF_MILTER_H
#define PF_MILTER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include <libmilter/mfapi.h>

#include "config.h"
#include "finding.h"
#include "metrics.h"
#include "msg.h"
#include "policy.h"
#include "store.h"

#define MILTER_NAME "preflight-milter"

/* Verdict counts on their way to the held log's tally: the callbacks add
 * with relaxed atomics, the watch thread moves them to SQLite every few
 * seconds (actions_tally_flush), so no message waits for the store.  Two
 * slots by the parity of the hour, so counts of the hour that just ended
 * are not written under the new one. */
struct tally_acc {
	_Atomic int64_t hour[2];	/* the hour (epoch / 3600) of each slot */
	_Atomic uint64_t n[2][VERDICT_COUNT];
};

struct milter_app {
	struct config_holder holder;	/* the current snapshot; SIGUSR1 swaps it */
	struct store *store;		/* held log, NULL when off or unusable */
	pthread_mutex_t store_lock;	/* one writer at a time, and its error text */
	struct check_env *env;		/* resolver and caches, built after detaching */
	struct metrics *metrics;	/* MetricsListen counters, NULL when off; like
					 * app itself, never freed (callbacks may
					 * outlive smfi_main) */
	struct tally_acc tally;		/* verdicts not yet in the held log */
};

/* Message state: created at MAIL FROM of an outbound message, released by
 * callbacks' single cleanup function (eom, abort, close). */
struct mstate {
	struct msg *msg;
	size_t own_headers;	/* incoming headers named HeaderName (forged) */
	bool skip_all;		/* every recipient so far is in SkipRecipientDomains */
	const char *error;	/* first internal failure (static text), or NULL */
};

/* Connection state: from negotiate/connect to close. */
struct conn {
	struct config *cfg;	/* the snapshot this connection started with */
	unsigned long pflags;	/* protocol flags agreed in negotiate */
	char *client_addr;
	char *client_name;
	char *helo;
	const char *error;	/* a failure at connect, which sent no reply
				 * (static); OnError at every MAIL FROM */
	struct mstate *ms;	/* the message in progress, or NULL */
};

/* callbacks.c */
/* callbacks_desc - the filter description for smfi_register */
struct smfiDesc *callbacks_desc(struct milter_app *app);

/* actions.c */
/* actions_apply - carry out the verdict r for the message in ms; logs the
 * message's line and returns the reply for eom */
sfsistat actions_apply(SMFICTX *ctx, struct milter_app *app, struct conn *c,
    struct mstate *ms, struct finding_list *findings, const struct policy_result *r);
/* actions_tally_flush - add the verdict counts kept in app->tally to the
 * held log (the watch thread, every STATE_RETRY_S, and once at its end);
 * counts that could not be written stay for the next flush */
void actions_tally_flush(struct milter_app *app);
/* actions_on_error - apply OnError for a per-message internal failure */
sfsistat actions_on_error(SMFICTX *ctx, const struct config *cfg, const char *queue_id,
    const char *what);

/* watch.c: the background reputation thread (see watch.c) */
struct watch {
	struct milter_app *app;
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;		/* under lock */
	bool kick;		/* under lock: refresh now */
	bool started;		/* main thread only */
	bool state_ok;		/* watch thread only: last state health logged */
};
/* watch_init - the lock and condition, before any other thread exists */
void watch_init(struct watch *w, struct milter_app *app);
/* watch_start - start the thread; -1 (logged) when it cannot */
int watch_start(struct watch *w);
/* watch_kick - refresh now (after a reload); any thread, after watch_init */
void watch_kick(struct watch *w);
/* watch_stop - stop and join the thread if started; release the lock */
void watch_stop(struct watch *w);

/* privs.c: UserID, SocketMode/SocketGroup, the held log's modes */
/* The privileges to switch to; valid when set is true.  sock_gid is the
 * unix socket's group: SocketGroup, else UserID's group when we switch,
 * else (gid_t)-1 (left as created). */
struct privs {
	bool set;
	char name[256];
	uid_t uid;
	gid_t gid;
	gid_t sock_gid;
};
/* privs_lookup - resolve UserID "user[:group]" and SocketGroup (NULL =
 * UserID's group) into u, which starts as { .set = false }; -1 (logged)
 * for an unknown user or group.  Not root: u stays unset (a warning when
 * UserID is another user). */
int privs_lookup(const char *user_id, const char *sock_group, struct privs *u);
/* privs_socket - chmod the unix socket to mode and chown it to UserID and
 * SocketGroup; -1 (logged) when either fails */
int privs_socket(const char *path, mode_t mode, const struct privs *u);
/* privs_held_log - the held log's files to UserID, mode 0640 at most */
void privs_held_log(const char *path, const struct privs *u);
/* privs_drop - switch to UserID for good; -1 (logged) when that fails or
 * root could be regained */
int privs_drop(const struct privs *u);

/* metrics_http.c: MetricsListen (GET /metrics) over libmicrohttpd */
struct MHD_Daemon;
struct metrics_http {
	int fd;				/* the listening socket, -1 = none */
	int family;			/* AF_INET or AF_INET6 */
	struct MHD_Daemon *daemon;	/* serving, or NULL */
	const struct metrics *metrics;
};
/* metrics_http_bind - listen on MetricsListen spec (NULL or "" = off:
 * h->fd = -1), before the privilege drop; -1 (logged) when it cannot */
int metrics_http_bind(struct metrics_http *h, const char *spec);
/* metrics_http_start - serve m on the bound socket, after the drop; -1
 * (logged) when it cannot; nothing when not bound */
int metrics_http_start(struct metrics_http *h, const struct metrics *m, const char *spec);
/* metrics_http_stop - stop the HTTP thread, close the socket; idempotent */
void metrics_http_stop(struct metrics_http *h);

/* mlog.c */
/* mlog_facility - syslog facility for a SyslogFacility name; -1 if unknown */
int mlog_facility(const char *name, int *fac_r);
/* mlog_open - syslog or not; stderr too until mlog_detached.  Call both
 * before any thread starts. */
void mlog_open(bool use_syslog, int facility);
/* mlog_detached - stop copying to stderr (unless Syslog is no) */
void mlog_detached(void);
/* mlog_close - close syslog */
void mlog_close(void);
void mlog_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mlog_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mlog_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* notify.c - systemd's readiness protocol; nothing outside systemd */
/* notify_send - one state ("READY=1", "STOPPING=1") to $NOTIFY_SOCKET */
void notify_send(const char *state);
/* notify_reloading - "RELOADING=1" and the monotonic time */
void notify_reloading(void);

#endif

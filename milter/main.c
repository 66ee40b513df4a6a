/*
 * main - preflight-milter: options, configuration, held log, socket,
 * privileges and signals; then smfi_main until SIGTERM or SIGINT.
 *
 * Start-up order matters: the config is loaded first (errors exit with
 * EX_CONFIG and the file:line), then the socket is opened (a stale unix
 * socket is removed), the process detaches (unless -f), writes PidFile,
 * opens the held log, and only then gives up root for UserID, so that
 * privileged ports, sockets and files can still be opened.  A held log
 * that cannot be opened is a warning: the milter runs without it, because
 * the log is a record and never a reason to stop mail.
 *
 * Signals: libmilter owns SIGHUP, SIGTERM and SIGINT (smfi_main returns on
 * the latter two).  SIGUSR1 reloads: it is blocked in every thread and a
 * dedicated thread takes it with sigwait(), loads the file again and swaps
 * the snapshot in; a broken file is logged and the old snapshot stays.
 * Connections already open keep the snapshot they started with.  Socket,
 * SocketMode, SocketGroup, UserID, PidFile, Syslog, SyslogFacility,
 * HeldLog and MetricsListen take effect only at the next start; the
 * counters of MetricsListen belong to the process and survive reloads.
 *
 * Files: the umask is 027 from start-up on, so what the milter or its
 * libraries create (the state database, SQLite's -wal/-shm files) is not
 * world-readable; the held log is brought to 0640 at most, spool files are
 * mkstemp's 0600; the unix socket gets SocketMode and SocketGroup (a failure
 * there stops the start: a socket more open than configured, or closed to
 * the MTA, is not a state to run in).  After the drop to UserID, root
 * must be out of reach.  privs.c does the ids and the modes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "dmarc.h"
#include "dns.h"
#include "engine.h"
#include "keycheck.h"
#include "metrics.h"
#include "milter.h"

#ifndef PF_SYSCONFDIR
#define PF_SYSCONFDIR "/etc"
#endif
#ifndef PF_VERSION
#define PF_VERSION "unknown"
#endif
#define MAIN_DEFAULT_CONFIG PF_SYSCONFDIR "/preflight/preflight.conf"

struct main_opts {
	const char *config;
	bool test;
	bool foreground;
};

struct main_reloader {
	struct milter_app *app;
	struct watch *watch;	/* kicked after a reload */
	const char *path;
	sigset_t set;
	atomic_bool stop;
	pthread_t tid;
};

/* main_usage - the synopsis */
static void main_usage(FILE *fp)
{
	fprintf(fp, "usage: " MILTER_NAME " [-c FILE] [-n] [-f] [-V] [-h]\n"
	    "  -c FILE  configuration file (default " MAIN_DEFAULT_CONFIG ")\n"
	    "  -n       check the configuration and exit\n"
	    "  -f       stay in the foreground and log to stderr too\n"
	    "  -V       print the version and exit\n"
	    "  -h       print this help and exit\n");
}

/* main_parse - options; returns -1 to exit with *status_r */
static int main_parse(int argc, char **argv, struct main_opts *o, int *status_r)
{
	unsigned maj, min, pl;
	int ch;

	o->config = MAIN_DEFAULT_CONFIG;
	while ((ch = getopt(argc, argv, "c:nfVh")) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'n': o->test = true; break;
		case 'f': o->foreground = true; break;
		case 'V':
			smfi_version(&maj, &min, &pl);
			printf(MILTER_NAME " %s (libmilter %u.%u.%u)\n", PF_VERSION, maj, min, pl);
			*status_r = EX_OK;
			return -1;
		case 'h':
			main_usage(stdout);
			*status_r = EX_OK;
			return -1;
		default:
			main_usage(stderr);
			*status_r = EX_USAGE;
			return -1;
		}
	}
	if (optind != argc) {
		main_usage(stderr);
		*status_r = EX_USAGE;
		return -1;
	}
	return 0;
}

/* main_load - load the config and check what only the milter checks */
static int main_load(const char *path, struct config **cfg_r, int *facility_r)
{
	char *err = NULL;

	if (config_load(path, cfg_r, &err) < 0) {
		fprintf(stderr, MILTER_NAME ": %s\n", err != NULL ? err : path);
		free(err);
		return -1;
	}
	if (mlog_facility((*cfg_r)->syslog_facility, facility_r) < 0) {
		fprintf(stderr, MILTER_NAME ": %s: SyslogFacility: unknown facility '%s'\n",
		    path, (*cfg_r)->syslog_facility);
		config_unref(cfg_r);
		return -1;
	}
	return 0;
}

/* main_unix_path - the file of a unix socket spec, or NULL for inet */
static const char *main_unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return spec[0] == '/' ? spec : NULL;
}

/* main_unix_in_use - true when something answers on the unix socket path:
 * libmilter would unlink it and steal a running instance's socket */
static bool main_unix_in_use(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	bool used;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return false;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	used = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return used;
}

/* main_nodelay - TCP_NODELAY on libmilter's listening socket.  libmilter
 * has no hook for it, so find the one listening TCP socket among our
 * descriptors; Linux copies the option to every accepted socket, which
 * avoids a 40 ms delayed-ACK stall on the several small eom writes. */
static void main_nodelay(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on, one = 1;

	for (fd = 3; fd < 1024; fd++) {
		len = sizeof(on);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on)
			continue;
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
			mlog_warn("cannot set TCP_NODELAY on the milter socket: %s",
			    strerror(errno));
	}
}

/* main_socket - register the callbacks and open the listening socket */
static int main_socket(struct milter_app *app, const struct config *cfg,
    const struct privs *u)
{
	const char *path = main_unix_path(cfg->socket);
	/* validated at load: 3 or 4 octal digits, at most 0777 */
	mode_t mode = (mode_t)strtoul(cfg->socket_mode != NULL ? cfg->socket_mode : "0660",
	    NULL, 8);
	mode_t old;
	int rc;

	if (smfi_setconn(cfg->socket) != MI_SUCCESS) {
		mlog_err("Socket %s: not a valid milter socket", cfg->socket);
		return -1;
	}
	if (path != NULL && main_unix_in_use(path)) {
		mlog_err("Socket %s: in use by another process", cfg->socket);
		return -1;
	}
	if (smfi_register(*callbacks_desc(app)) != MI_SUCCESS) {
		mlog_err("smfi_register failed");
		return -1;
	}
	/* true: remove the stale unix socket of an earlier run (checked above).
	 * The umask makes bind() create it no more open than SocketMode. */
	old = umask(~mode & 0777);
	rc = smfi_opensocket(true);
	umask(old);
	if (rc != MI_SUCCESS) {
		mlog_err("Socket %s: cannot listen (in use, or no permission?)", cfg->socket);
		return -1;
	}
	if (path == NULL) {
		main_nodelay();
		return 0;
	}
	/* The MTA connects as its own user, through SocketGroup. */
	return privs_socket(path, mode, u);
}

/* main_pidfile - write PidFile; -1 when it cannot be written */
static int main_pidfile(const char *path)
{
	char line[32];
	int fd, n;

	if (path == NULL)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		mlog_err("PidFile %s: %s", path, strerror(errno));
		return -1;
	}
	(void)fchmod(fd, 0644);	/* a pid is no secret: readable despite our umask */
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (write(fd, line, (size_t)n) != n) {
		mlog_err("PidFile %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* main_store - open the held log; failure leaves app->store NULL */
static void main_store(struct milter_app *app, const struct config *cfg,
    const struct privs *u)
{
	const char *err;

	if (cfg->held_log == NULL)
		return;
	if (store_open(cfg->held_log, STORE_READ_WRITE, &app->store, &err) < 0) {
		/* err may belong to the half-open store: log before closing */
		mlog_warn("HeldLog %s: %s; running without the held log",
		    cfg->held_log, err);
		store_close(&app->store);
		return;
	}
	privs_held_log(cfg->held_log, u);
}

/* main_str_differs - for the restart-only keys after a reload */
static bool main_str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* main_reload - one SIGUSR1: load, check, swap; the old snapshot stays on error */
static void main_reload(struct main_reloader *rl)
{
	struct config *cfg, *old;
	int facility;
	char *err = NULL;

	if (config_load(rl->path, &cfg, &err) < 0) {
		mlog_err("reload of %s failed, keeping the old configuration: %s",
		    rl->path, err != NULL ? err : "unknown error");
		free(err);
		notify_send("READY=1");
		return;
	}
	if (mlog_facility(cfg->syslog_facility, &facility) < 0) {
		mlog_err("reload of %s failed, keeping the old configuration: "
		    "SyslogFacility: unknown facility '%s'", rl->path, cfg->syslog_facility);
		config_unref(&cfg);
		notify_send("READY=1");
		return;
	}
	old = config_holder_get(&rl->app->holder);
	if (main_str_differs(old->socket, cfg->socket) ||
	    main_str_differs(old->held_log, cfg->held_log) ||
	    main_str_differs(old->user_id, cfg->user_id) ||
	    main_str_differs(old->socket_mode, cfg->socket_mode) ||
	    main_str_differs(old->socket_group, cfg->socket_group) ||
	    main_str_differs(old->pid_file, cfg->pid_file) ||
	    main_str_differs(old->syslog_facility, cfg->syslog_facility) ||
	    old->syslog != cfg->syslog)
		mlog_warn("reload: Socket, SocketMode, SocketGroup, UserID, PidFile, Syslog, "
		    "SyslogFacility and HeldLog changes take effect at the next start");
	if (main_str_differs(old->metrics_listen, cfg->metrics_listen))
		mlog_warn("reload: MetricsListen changed; it takes effect at the next start "
		    "(still serving %s)", old->metrics_listen != NULL ? old->metrics_listen : "nothing");
	config_unref(&old);
	config_holder_swap(&rl->app->holder, cfg);
	mlog_info("configuration reloaded from %s", rl->path);
	watch_kick(rl->watch);
	notify_send("READY=1");
}

/* main_reload_thread - wait for SIGUSR1 until told to stop */
static void *main_reload_thread(void *arg)
{
	struct main_reloader *rl = arg;
	int sig;

	for (;;) {
		if (sigwait(&rl->set, &sig) != 0)
			continue;
		if (atomic_load(&rl->stop))
			break;
		/* systemctl reload waits for the READY=1 main_reload sends */
		notify_reloading();
		main_reload(rl);
	}
	return NULL;
}

/* main_signals - block what other threads must not take; start the reloader */
static int main_signals(struct main_reloader *rl)
{
	sigset_t all;
	int e;

	signal(SIGPIPE, SIG_IGN);
	/* Blocked before any thread exists, so every libmilter thread inherits
	 * the mask: SIGUSR1 reaches only sigwait() below, and the signals
	 * libmilter handles reach only its own signal thread. */
	sigemptyset(&all);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGHUP);
	sigaddset(&all, SIGTERM);
	sigaddset(&all, SIGINT);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	sigemptyset(&rl->set);
	sigaddset(&rl->set, SIGUSR1);
	atomic_init(&rl->stop, false);
	if ((e = pthread_create(&rl->tid, NULL, main_reload_thread, rl)) != 0) {
		mlog_err("cannot start the reload thread: %s", strerror(e));
		return -1;
	}
	return 0;
}

/* main_detach - daemonize and write PidFile (config paths are absolute:
 * the loader resolves them against the config file's folder) */
static int main_detach(const struct main_opts *o, const struct config *cfg, int *status_r)
{
	if (!o->foreground) {
		if (daemon(1, 0) < 0) {
			mlog_err("cannot detach: %s", strerror(errno));
			*status_r = EX_OSERR;
			return -1;
		}
		mlog_detached();
	}
	if (main_pidfile(cfg->pid_file) < 0) {
		*status_r = EX_CANTCREAT;
		return -1;
	}
	if (!o->foreground && chdir("/") < 0)
		mlog_warn("chdir /: %s", strerror(errno));
	return 0;
}

/* main_engine - the resolver and caches every scan shares; after detaching,
 * because libunbound's thread would not survive the fork */
static int main_engine(struct milter_app *app, const struct config *cfg)
{
	const char *err;

	struct keycheck_result kr;
	size_t i;

	if (engine_open(cfg, NULL, &app->env, &err) < 0) {
		mlog_err("cannot start the DNS resolver: %s", err);
		return -1;
	}
	app->env->count = true;	/* the milter's messages are the traffic */
	if (cfg->metrics_listen != NULL) {
		/* before any other thread reads env, dns or rep */
		if ((app->metrics = metrics_new()) == NULL) {
			mlog_err("MetricsListen: out of memory");
			return -1;
		}
		app->env->metrics = app->metrics;
		if (app->env->dns != NULL)
			dns_set_metrics(app->env->dns, app->metrics);
		metrics_set_rep(app->metrics, app->env->rep);
	}
	if (app->env->state_error != NULL)
		mlog_warn("StateBackend %s: %s; counting in memory (lost at restart)",
		    cfg->state_backend, app->env->state_error);
	if (dmarc_psl_init(&err) < 0)
		mlog_warn("public suffix list: %s (DMARC alignment is exact-match only)", err);
	if (config_check_enabled(cfg, "spf") &&
	    (cfg->egress_addresses == NULL || cfg->egress_addresses[0] == NULL))
		mlog_warn("EgressAddress is not set: SPF of the relay's addresses is not checked");
	/* A SigningKey that does not match DNS breaks every message of its
	 * domain: say so at start, not only per message. */
	for (i = 0; i < cfg->nsigning_keys; i++) {
		keycheck_get_key(app->env->keycheck, app->env->dns, cfg, &cfg->signing_keys[i],
		    time(NULL), 0, &kr);
		if (kr.status == KEYCHECK_MATCH)
			mlog_info("SigningKey %s %s: matches DNS (%u bits)", kr.domain, kr.selector,
			    kr.bits);
		else
			mlog_warn("SigningKey %s %s: %s: %s", kr.domain, kr.selector,
			    keycheck_status_name(kr.status), kr.detail);
	}
	return 0;
}

/* main_run - everything after the config is known; returns the exit status */
static int main_run(const struct main_opts *o, struct milter_app *app, const char *path)
{
	struct config *cfg = config_holder_get(&app->holder);
	struct privs user = { .set = false };
	struct watch watch;
	struct main_reloader rl = { .app = app, .path = path, .watch = &watch };
	struct metrics_http mh = { .fd = -1 };
	int status = EX_OK;

	watch_init(&watch, app);

	/* Everything we create is private to the owner and group, unless
	 * its creator sets a mode (the socket, PidFile). */
	umask(027);
	if (privs_lookup(cfg->user_id, cfg->socket_group, &user) < 0)
		status = EX_NOUSER;
	else if (main_socket(app, cfg, &user) < 0 ||
	    metrics_http_bind(&mh, cfg->metrics_listen) < 0)	/* ports < 1024: as root */
		status = EX_UNAVAILABLE;
	else if (main_detach(o, cfg, &status) == 0) {
		main_store(app, cfg, &user);
		if (main_engine(app, cfg) < 0)
			status = EX_CONFIG;
		else if (privs_drop(&user) < 0)
			status = EX_OSERR;
		else if (main_signals(&rl) < 0 || watch_start(&watch) < 0 ||
		    metrics_http_start(&mh, app->metrics, cfg->metrics_listen) < 0)
			status = EX_OSERR;
	}
	if (status != EX_OK) {
		metrics_http_stop(&mh);
		watch_stop(&watch);
		config_unref(&cfg);
		return status;
	}
	mlog_info("starting %s on %s", PF_VERSION, cfg->socket);
	/* the socket listens already: the MTA may connect from now on */
	notify_send("READY=1");
	if (smfi_main() != MI_SUCCESS) {
		mlog_err("smfi_main failed");
		status = EX_SOFTWARE;
	}
	notify_send("STOPPING=1");
	metrics_http_stop(&mh);
	atomic_store(&rl.stop, true);
	pthread_kill(rl.tid, SIGUSR1);
	pthread_join(rl.tid, NULL);
	watch_stop(&watch);
	if (cfg->pid_file != NULL)
		unlink(cfg->pid_file);
	mlog_info("stopped");
	config_unref(&cfg);
	return status;
}

/* main_malloc - malloc tuned for a process that handles one message
 * body after another:
 * - as many arenas as cores, not glibc's 8 per core: libmilter runs a
 *   thread per connection and each thread would otherwise keep its own
 *   arena of freed message buffers (peak RSS at 16 connections: 67 MB
 *   with glibc's default, 42 MB with this);
 * - message buffers from the heap up to 4 MB (SpoolMemory's default),
 *   and up to 16 MB of freed memory kept for the next message: with
 *   glibc's dynamic thresholds each large buffer came from fresh pages,
 *   either a new mmap or heap given back by the previous trim, and first
 *   touches of new pages were 20 page faults a message at 16 connections,
 *   at about 20 us each on a VM (15 % fewer messages per second).  A 4 MB
 *   trim threshold brings them back; 16 MB does as well as 64 MB, and
 *   larger buffers still come from mmap and go back at once (peak RSS
 *   with 16 concurrent 25 MB messages: 74 MB, against 96 MB when every
 *   buffer under 32 MB came from the heap). */
#define MALLOC_MMAP_FROM (4 * 1024 * 1024)
#define MALLOC_TRIM_FROM (16 * 1024 * 1024)
static void main_malloc(void)
{
#ifdef M_ARENA_MAX
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	(void)mallopt(M_ARENA_MAX, n < 2 ? 2 : (int)n);
	(void)mallopt(M_MMAP_THRESHOLD, MALLOC_MMAP_FROM);
	(void)mallopt(M_TRIM_THRESHOLD, MALLOC_TRIM_FROM);
#endif
}

/* main_tz - pin the time zone: with TZ unset, glibc's mktime and
 * localtime stat /etc/localtime on every call, under a process-wide lock,
 * and libarchive calls mktime for every zip entry (1.6 % of the CPU on
 * small messages with a zip).  A TZ of ":/etc/localtime" reads the same
 * file once; a change of zone then needs a restart, as for Postfix. */
static void main_tz(void)
{
	if (getenv("TZ") == NULL)
		(void)setenv("TZ", ":/etc/localtime", 0);
}

int main(int argc, char **argv)
{
	struct main_opts o = { .test = false, .foreground = false };
	/* Static: libmilter's session threads may outlive smfi_main() and still
	 * reach it (callbacks.c keeps a pointer), so it must outlive main(). */
	static struct milter_app app;
	struct config *cfg;
	char abs[PATH_MAX];
	const char *path;
	int status, facility;

	main_malloc();
	main_tz();
	if (main_parse(argc, argv, &o, &status) < 0)
		return status;
	/* Absolute, so that SIGUSR1 finds the file after chdir("/"); -n
	 * reports the name as given. */
	path = !o.test && realpath(o.config, abs) != NULL ? abs : o.config;
	if (main_load(path, &cfg, &facility) < 0)
		return EX_CONFIG;
	if (o.test) {
		struct privs u = { .set = false };

		/* the names must resolve too; nothing is switched */
		if (privs_lookup(cfg->user_id, cfg->socket_group, &u) < 0) {
			config_unref(&cfg);
			return EX_NOUSER;
		}
		printf(MILTER_NAME ": %s: configuration OK\n", path);
		config_unref(&cfg);
		return EX_OK;
	}
	mlog_open(cfg->syslog, facility);
	if (!cfg->syslog && !o.foreground)
		fprintf(stderr, MILTER_NAME ": warning: Syslog no without -f: "
		    "log lines will go nowhere once detached\n");
	memset(&app, 0, sizeof(app));
	config_holder_init(&app.holder, cfg);
	pthread_mutex_init(&app.store_lock, NULL);
	status = main_run(&o, &app, path);
	/* libmilter's session threads may still be inside a callback: empty
	 * the store and the holder under their locks, never destroy them. */
	pthread_mutex_lock(&app.store_lock);
	store_close(&app.store);
	pthread_mutex_unlock(&app.store_lock);
	config_holder_swap(&app.holder, NULL);
	mlog_close();
	return status;
}

/*
 * milterload - a milter load generator: the MTA side of the milter
 * protocol (v6), driving one milter with a corpus of messages from
 * several threads, then printing throughput, latency percentiles, verdict
 * and action counts and errors (see usage() and mload.h).
 *
 * Everything that costs time outside the protocol is done before the
 * clock starts: the corpus (-d DIR: every regular *.eml file, sorted by
 * name, no subdirectories; -f FILE: one file) is read and parsed by
 * mload_corpus.c.  Workers then take message counter % corpus size from
 * one atomic counter until -n messages were taken or -t seconds passed.
 *
 * Safety: a TCP target must be in 127.0.0.0/8 unless -X is given; names
 * are never resolved (a numeric address, or "localhost").
 *
 * Exit: 0 no errors or timeouts, 1 some, 64 usage, 66 corpus unreadable.
 */
#define _GNU_SOURCE		/* getopt's optarg, optopt under -std=c11 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mload.h"

#define MAX_CONC 1024u

struct run {
	const struct mload_opts *opt;
	struct mload_msg *msgs;
	size_t nmsgs;
	atomic_uint_fast64_t next;	/* message counter */
	atomic_uint_fast64_t qid;	/* queue id counter */
	uint64_t deadline_us;		/* -t */
};

struct worker {
	pthread_t tid;
	struct run *run;
	struct mload_stats st;
};

static void usage(FILE *fp)
{
	fputs("usage: milterload -s unix:/path | inet:PORT@HOST | inet:HOST:PORT\n"
	      "                  (-d DIR | -f FILE) [-c CONC] (-n TOTAL | -t SECS)\n"
	      "                  [-m MSGS_PER_CONN] [-T REPLY_TIMEOUT_S] [-F envfrom]\n"
	      "                  [-R rcpt] [-U user] [-A] [-Q] [-N] [-X] [-v] [-q]\n"
	      "  -s SOCK  the milter's socket (TCP: loopback only unless -X)\n"
	      "  -d DIR   corpus: every regular *.eml in DIR, sorted by name\n"
	      "  -f FILE  corpus: one message\n"
	      "  -c CONC  concurrent connections (threads), default 1\n"
	      "  -n TOTAL messages in all, or -t SECS: run that long\n"
	      "  -m N     messages per connection, default 1\n"
	      "  -T SECS  reply timeout, default 30\n"
	      "  -F, -R   envelope sender / recipient, without <> (default:\n"
	      "           Return-Path or From / the first To of each message)\n"
	      "  -U USER  send {auth_authen} at MAIL\n"
	      "  -A       SMFIC_ABORT after each message's EOM\n"
	      "  -Q       TCP_QUICKACK after each read   -N  TCP_NODELAY\n"
	      "  -X       allow targets outside 127.0.0.0/8\n"
	      "  -v       print each verdict and action to stderr\n"
	      "  -q       print only the RESULT line\n"
	      "exit: 0 ok, 1 errors or timeouts, 64 usage, 66 corpus unreadable\n",
	      fp);
}

/* parse_num - a number in [min, max]; -1 if it is not */
static int parse_num(const char *s, double min, double max, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno != 0 || end == s || *end != 0 || !(*v >= min && *v <= max))
		return -1;
	return 0;
}

/* parse_inet - "PORT@HOST" or "HOST:PORT" (numeric IPv4 or localhost) */
static int parse_inet(const char *spec, struct mload_opts *o)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&o->addr;
	char host[64], junk;
	unsigned port;

	/* two conversions exactly: a third (%c) means trailing junk */
	if (sscanf(spec, "%5u@%63s%c", &port, host, &junk) != 2 &&
	    sscanf(spec, "%63[^:@]:%5u%c", host, &port, &junk) != 2)
		return -1;
	if (port < 1 || port > 65535)
		return -1;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (strcmp(host, "localhost") == 0)
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	o->addrlen = sizeof(*sin);
	o->inet = 1;
	return 0;
}

/* parse_target - the -s argument; 0 ok, -1 malformed, -2 not loopback */
static int parse_target(const char *spec, struct mload_opts *o)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&o->addr;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&o->addr;
	const char *path = NULL;
	size_t n;

	o->target = spec;
	if (strncmp(spec, "unix:", 5) == 0)
		path = spec + 5;
	else if (strncmp(spec, "local:", 6) == 0)
		path = spec + 6;
	if (path != NULL) {
		n = strlen(path);
		if (n == 0 || n >= sizeof(sun->sun_path))
			return -1;
		memset(sun, 0, sizeof(*sun));
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, path, n + 1);
		o->addrlen = sizeof(*sun);
		return 0;
	}
	if (strncmp(spec, "inet:", 5) != 0 || parse_inet(spec + 5, o) < 0)
		return -1;
	if (!o->any_target && (ntohl(sin->sin_addr.s_addr) >> 24) != 127)
		return -2;
	return 0;
}

/* bad - a usage error: message, usage, EX_USAGE */
static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "milterload: %s%s%s\n", what, arg ? ": " : "",
		arg ? arg : "");
	usage(stderr);
	return MLOAD_EX_USAGE;
}

/* parse_opt - a numeric option; 0 ok or an exit status */
static int parse_opt(int ch, const char *arg, struct mload_opts *o)
{
	static const struct {
		int ch, whole;
		double min, max;
		const char *what;
	} nums[] = {
		{ 'c', 1, 1, MAX_CONC, "-c: not a concurrency in 1..1024" },
		{ 'n', 1, 1, 1e15, "-n: not a message count" },
		{ 'm', 1, 1, 1e9, "-m: not a message count" },
		{ 't', 0, 0.001, 1e7, "-t: not a duration in seconds" },
		{ 'T', 0, 0.001, 3600, "-T: not a timeout in 0.001..3600 s" },
	};
	double v;
	size_t i;

	for (i = 0; i < 5 && nums[i].ch != ch; i++)
		;
	if (i == 5)
		return bad("unknown option", NULL);
	if (parse_num(arg, nums[i].min, nums[i].max, &v) < 0 ||
	    (nums[i].whole && v != (double)(uint64_t)v))
		return bad(nums[i].what, arg);
	if (ch == 'c')
		o->conc = (unsigned)v;
	else if (ch == 'n')
		o->total = (uint64_t)v;
	else if (ch == 'm')
		o->per_conn = (unsigned)v;
	else if (ch == 't')
		o->secs = v;
	else
		o->timeout = v;
	return 0;
}

/* parse_args - all options; 0 ok, -1 after -h, or an exit status */
static int parse_args(int argc, char **argv, struct mload_opts *o,
		      const char **dir, const char **file)
{
	const char *sock = NULL;
	int ch, r;

	o->conc = 1;
	o->per_conn = 1;
	o->timeout = 30;
	opterr = 0;
	while ((ch = getopt(argc, argv, "s:d:f:c:n:t:m:T:F:R:U:AQNXvqh")) != -1) {
		switch (ch) {
		case 's': sock = optarg; break;
		case 'd': *dir = optarg; break;
		case 'f': *file = optarg; break;
		case 'F': o->from = optarg; break;
		case 'R': o->rcpt = optarg; break;
		case 'U': o->user = optarg; break;
		case 'A': o->abort_each = 1; break;
		case 'Q': o->quickack = 1; break;
		case 'N': o->nodelay = 1; break;
		case 'X': o->any_target = 1; break;
		case 'v': o->verbose = 1; break;
		case 'q': o->quiet = 1; break;
		case 'h': usage(stdout); return -1;
		case '?': {
			char opt[3] = { '-', (char)optopt, 0 };

			return bad("unknown option or missing argument", opt);
		}
		default:
			if ((r = parse_opt(ch, optarg, o)) != 0)
				return r;
		}
	}
	if (optind < argc)
		return bad("unexpected argument", argv[optind]);
	if (sock == NULL)
		return bad("-s is required", NULL);
	if ((*dir == NULL) == (*file == NULL))
		return bad("give one of -d and -f", NULL);
	if ((o->total == 0) == (o->secs <= 0))
		return bad("give one of -n and -t", NULL);
	r = parse_target(sock, o);
	if (r == -1)
		return bad("-s: not unix:/path, inet:PORT@HOST or inet:HOST:PORT",
			   sock);
	if (r == -2) {
		fprintf(stderr, "milterload: %s: refused: not in 127.0.0.0/8 "
			"(-X allows it; we never leave loopback by default)\n",
			sock);
		return MLOAD_EX_USAGE;
	}
	return 0;
}

/* claim - the next message number, or 0 when the run is over */
static int claim(struct run *run, uint64_t *idx)
{
	if (run->opt->total == 0 && mload_now_us() >= run->deadline_us)
		return 0;
	*idx = atomic_fetch_add(&run->next, 1);
	return run->opt->total == 0 || *idx < run->opt->total;
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	const struct mload_opts *o = w->run->opt;
	struct mload_conn c;
	uint64_t idx, qid;

	mload_conn_init(&c, o, &w->st);
	while (claim(w->run, &idx)) {
		qid = atomic_fetch_add(&w->run->qid, 1);
		mload_conn_message(&c, &w->run->msgs[idx % w->run->nmsgs], qid);
		if (c.fd >= 0 && c.nmsgs >= o->per_conn)
			mload_conn_close(&c);
	}
	mload_conn_close(&c);
	mload_conn_free(&c);
	return NULL;
}

/* run_workers - start, join and merge; the wall time in seconds */
static double run_workers(struct run *run, struct mload_stats *total)
{
	struct worker *w = calloc(run->opt->conc, sizeof(*w));
	uint64_t t0 = mload_now_us();
	unsigned i, started = 0;

	run->deadline_us = t0 + (uint64_t)(run->opt->secs * 1e6);
	for (i = 0; w != NULL && i < run->opt->conc; i++, started++) {
		w[i].run = run;
		if (pthread_create(&w[i].tid, NULL, worker, &w[i]) != 0)
			break;
	}
	if (started == 0)
		fputs("milterload: cannot start the workers\n", stderr);
	for (i = 0; i < started; i++) {
		pthread_join(w[i].tid, NULL);
		if (mload_stats_merge(total, &w[i].st) < 0)
			fputs("milterload: out of memory\n", stderr);
		mload_stats_free(&w[i].st);
	}
	free(w);
	return (double)(mload_now_us() - t0) / 1e6;
}

int main(int argc, char **argv)
{
	struct mload_opts opt = { 0 };
	struct mload_stats total = { 0 };
	struct run run = { 0 };
	const char *dir = NULL, *file = NULL;
	double secs;
	int r;

	if ((r = parse_args(argc, argv, &opt, &dir, &file)) != 0)
		return r < 0 ? MLOAD_EX_OK : r;
	run.opt = &opt;
	/* queue ids differ between runs too (a held log keeps them) */
	atomic_init(&run.next, 0);
	atomic_init(&run.qid, (uint64_t)time(NULL) << 20);
	if (mload_corpus_load(dir, file, &run.msgs, &run.nmsgs) < 0)
		return MLOAD_EX_NOINPUT;
	secs = run_workers(&run, &total);
	mload_stats_report(&total, secs, opt.quiet, stdout);
	r = mload_stats_failures(&total) > 0 ? MLOAD_EX_ERRORS : MLOAD_EX_OK;
	mload_stats_free(&total);
	mload_corpus_free(run.msgs, run.nmsgs);
	return r;
}

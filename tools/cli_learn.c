/*
 * cli_learn - `preflight learn`: feed real rejections into the state, so
 * that the milter flags recipients that hard-bounced and weighs the
 * findings a receiver actually refuses (lib/learn.h).
 *
 * --log FILE reads a Postfix or Sendmail log incrementally: the state
 * remembers (device, inode, offset) of the last complete line read, and
 * the next run starts there; a rotated or truncated file (another inode,
 * or shorter than the offset) is read from the start.  Without --log, a
 * bounce message is read from standard input (a pipe alias on the bounce
 * address: "|/usr/bin/preflight learn").  The state is the configured
 * StateBackend, as the milter's.
 *
 * Exit status: 0 (also when nothing was learned), 64 usage, 66 no input,
 * 70 internal error, 78 configuration error or an unusable StateBackend.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "explain.h"
#include "learn.h"
#include "state.h"

#define LEARN_INPUT_MAX ((size_t)256 << 20)
#define POS_TTL (10U * 365U * 86400U)

struct learn_opts {
	const char *config;
	const char *log;
	bool json;
};

static void learn_usage(FILE *f)
{
	fprintf(f, "Usage: preflight learn [-c FILE] [--json] --log FILE\n"
	    "       preflight learn [-c FILE] [--json] < bounce-message\n"
	    "Learn from real rejections: hard bounces flag their recipients for\n"
	    "SuppressDays (rcpt-hard-bounced), and each provider's recent rejections\n"
	    "raise the findings that predict them.  --log reads a Postfix or Sendmail\n"
	    "log from where the last run stopped; without it, a bounce message on\n"
	    "standard input.  The state is the configuration's StateBackend.\n\n"
	    "  -c, --config FILE  configuration (default: %s)\n"
	    "      --log FILE     a mail log, read incrementally\n"
	    "      --json         print the counts as JSON\n"
	    "  -h, --help         this help\n", cli_default_config());
}

/* read_from - a log from offset to its end, complete lines only (a line
 * still being written is read next time); *end_r gets the offset after
 * the last byte kept */
static int read_from(int fd, off_t offset, struct buf *b, off_t *end_r)
{
	char chunk[65536];
	ssize_t n;
	size_t keep;

	if (offset > 0 && lseek(fd, offset, SEEK_SET) < 0)
		return -1;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0 || b->len + (size_t)n > LEARN_INPUT_MAX)
			break;
		if (buf_append(b, chunk, (size_t)n) < 0)
			return -1;
	}
	keep = b->len;
	while (keep > 0 && b->data[keep - 1] != '\n')
		keep--;
	b->len = keep;
	*end_r = offset + (off_t)keep;
	return 0;
}

/* log_input - the new part of the log; its position is saved by the caller */
static int log_input(struct state *st, const char *path, struct buf *b, char *pos_key,
    size_t keysz, char *pos_val, size_t valsz)
{
	unsigned long long dev = 0, ino = 0, off = 0;
	const char *err;
	char saved[128];
	struct stat sb;
	off_t end;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) < 0) {
		cli_err("learn: %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CLI_EX_NOINPUT;
	}
	snprintf(pos_key, keysz, "learnpos:%s", path);
	if (state_get(st, pos_key, time(NULL), saved, sizeof(saved), &err) != 1 ||
	    sscanf(saved, "%llu %llu %llu", &dev, &ino, &off) != 3 ||
	    dev != (unsigned long long)sb.st_dev || ino != (unsigned long long)sb.st_ino ||
	    off > (unsigned long long)sb.st_size)
		off = 0;	/* new, rotated or truncated: from the start */
	if (read_from(fd, (off_t)off, b, &end) < 0) {
		cli_err("learn: %s: %s", path, strerror(errno));
		close(fd);
		return CLI_EX_NOINPUT;
	}
	close(fd);
	snprintf(pos_val, valsz, "%llu %llu %lld", (unsigned long long)sb.st_dev,
	    (unsigned long long)sb.st_ino, (long long)end);
	return 0;
}

static int learn_print(const struct learn_opts *o, const struct learn_stats *s,
    const struct config *cfg)
{
	if (o->json)
		printf("{\"rejections\": %zu, \"temporary\": %zu, \"hard_bounces\": %zu, "
		    "\"counted\": %zu, \"suppress_days\": %u}\n", s->seen, s->temporary, s->hard,
		    s->counted, cfg->suppress_days);
	else
		printf("learned %zu rejection%s: %zu hard bounce%s (recipients flagged for %u days), "
		    "%zu counted per provider, %zu temporary (not learned)\n", s->seen,
		    s->seen == 1 ? "" : "s", s->hard, s->hard == 1 ? "" : "s", cfg->suppress_days,
		    s->counted, s->temporary);
	return fflush(stdout) == 0 ? 0 : CLI_EX_SOFTWARE;
}

static int learn_run(const struct learn_opts *o, const struct config *cfg)
{
	struct explain_list l = EXPLAIN_LIST_INIT;
	struct learn_stats stats = { 0, 0, 0, 0 };
	struct state *st = NULL;
	struct buf in = BUF_INIT;
	char pos_key[4200] = "", pos_val[128] = "";
	const char *err = NULL;
	int rc;

	if (state_open(cfg->state_backend, &st, &err) < 0) {
		cli_err("learn: StateBackend %s: %s", cfg->state_backend, err);
		return CLI_EX_CONFIG;
	}
	if (o->log != NULL)
		rc = log_input(st, o->log, &in, pos_key, sizeof(pos_key), pos_val, sizeof(pos_val));
	else
		rc = cli_read_input("learn", "-", LEARN_INPUT_MAX, &in);
	if (rc == 0 && (explain_input(cfg->profiles, buf_cstr(&in), in.len,
	    o->log != NULL ? EXPLAIN_LOG : EXPLAIN_BOUNCE, &l, &err) < 0 ||
	    learn_record(st, cfg, &l, time(NULL), &stats, &err) < 0 ||
	    (pos_key[0] != '\0' && state_put(st, pos_key, pos_val, POS_TTL, time(NULL),
	    &err) < 0))) {
		cli_err("learn: %s", err != NULL ? err : "internal error");
		rc = CLI_EX_SOFTWARE;
	}
	if (rc == 0)
		rc = learn_print(o, &stats, cfg);
	explain_list_free(&l);
	buf_free(&in);
	state_close(&st);
	return rc;
}

int cli_learn(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "log", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct learn_opts o = { NULL, NULL, false };
	struct config *cfg = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.config = optarg; break;
		case 'l': o.log = optarg; break;
		case 'j': o.json = true; break;
		case 'h': learn_usage(stdout); return 0;
		default: learn_usage(stderr); return CLI_EX_USAGE;
		}
	}
	if (optind < argc) {
		cli_err("learn: unexpected argument '%s'", argv[optind]);
		return CLI_EX_USAGE;
	}
	if ((rc = cli_load_config(o.config, &cfg)) == 0)
		rc = learn_run(&o, cfg);
	config_unref(&cfg);
	return rc;
}

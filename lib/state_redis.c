/*
 * state_redis - the Redis backend of lib/state.c (hiredis), for a fleet
 * of relays that must see each other's counters and suppressions.
 *
 * One connection, used under the front's lock; commands are pipelined so
 * a counter costs one round trip (INCRBY, EXPIREAT, MGET of the window's
 * buckets).  Any failure drops the connection and returns -1: the front
 * then works from memory and calls again after STATE_RETRY_S, which
 * reconnects.  Connect and command timeouts are short (500 ms unless the
 * spec says ?timeout=MS): a stalled Redis must not stall mail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "state_impl.h"

#define KEY_MAX 600
#define BUCKETS_MAX 64
/* SCAN: keys asked for per round, and rounds at most (the keyspace of a
 * fleet's state is a few million keys at most) */
#define RD_SCAN_COUNT 500
#define RD_SCAN_ROUNDS 100000

struct rd {
	char host[256];
	int port;
	int db;
	unsigned timeout_ms;
	redisContext *c;
};

static const char down[] = "Redis unreachable";

static void rd_drop(struct rd *r)
{
	if (r->c != NULL)
		redisFree(r->c);
	r->c = NULL;
}

/* rd_connect - a live connection, or -1 */
static int rd_connect(struct rd *r)
{
	struct timeval tv = { (time_t)(r->timeout_ms / 1000),
		(suseconds_t)(r->timeout_ms % 1000) * 1000 };
	redisReply *rep;

	if (r->c != NULL)
		return 0;
	r->c = redisConnectWithTimeout(r->host, r->port, tv);
	if (r->c == NULL || r->c->err != 0 || redisSetTimeout(r->c, tv) != REDIS_OK) {
		rd_drop(r);
		return -1;
	}
	if (r->db != 0) {
		rep = redisCommand(r->c, "SELECT %d", r->db);
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
			if (rep != NULL)
				freeReplyObject(rep);
			rd_drop(r);
			return -1;
		}
		freeReplyObject(rep);
	}
	return 0;
}

int state_redis_open(const char *host, int port, int db, unsigned timeout_ms, void **b_r,
    const char **error_r)
{
	struct rd *r = calloc(1, sizeof(*r));

	*b_r = NULL;
	if (r == NULL)
		return *error_r = "out of memory", -1;
	snprintf(r->host, sizeof(r->host), "%s", host);
	r->port = port;
	r->db = db;
	r->timeout_ms = timeout_ms;
	(void)rd_connect(r);	/* absent now is fine: the front falls back */
	*b_r = r;
	return 0;
}

static void rd_close(void *b)
{
	struct rd *r = b;

	if (r == NULL)
		return;
	rd_drop(r);
	free(r);
}

/* rd_reply - the next pipelined reply, or NULL (connection dropped) */
static redisReply *rd_reply(struct rd *r)
{
	void *rep = NULL;

	if (redisGetReply(r->c, &rep) != REDIS_OK || rep == NULL ||
	    ((redisReply *)rep)->type == REDIS_REPLY_ERROR) {
		if (rep != NULL)
			freeReplyObject(rep);
		rd_drop(r);
		return NULL;
	}
	return rep;
}

/* rd_pipeline - INCRBY and EXPIREAT the last bucket (when add > 0), then
 * MGET every bucket and sum them; one round trip */
static int rd_pipeline(struct rd *r, const char *last, unsigned add, time_t expires,
    const char **argv, int argc, uint64_t *sum_r)
{
	redisReply *rep;
	size_t k;

	if (add > 0) {
		redisAppendCommand(r->c, "INCRBY %s %u", last, add);
		redisAppendCommand(r->c, "EXPIREAT %s %lld", last, (long long)expires);
	}
	redisAppendCommandArgv(r->c, argc, argv, NULL);
	for (k = 0; add > 0 && k < 2; k++) {
		if ((rep = rd_reply(r)) == NULL)
			return -1;
		freeReplyObject(rep);
	}
	if ((rep = rd_reply(r)) == NULL)
		return -1;
	*sum_r = 0;
	for (k = 0; rep->type == REDIS_REPLY_ARRAY && k < rep->elements; k++)
		if (rep->element[k]->type == REDIS_REPLY_STRING)
			*sum_r += strtoull(rep->element[k]->str, NULL, 10);
	freeReplyObject(rep);
	return 0;
}

static int rd_count(void *b, const char *key, uint64_t bucket, uint64_t first, unsigned add,
    time_t expires, uint64_t *sum_r, const char **error_r)
{
	struct rd *r = b;
	const char *argv[BUCKETS_MAX + 1];
	char (*names)[KEY_MAX];
	uint64_t i, n = bucket - first + 1;
	int rc;

	if (n > BUCKETS_MAX || rd_connect(r) < 0)
		return *error_r = down, -1;
	/* the bucket names: on the heap, libmilter threads' stacks are small */
	if ((names = malloc(n * sizeof(*names))) == NULL)
		return *error_r = "out of memory", -1;
	for (i = 0; i < n; i++) {
		snprintf(names[i], KEY_MAX, "pf:c:%s:%llu", key, (unsigned long long)(first + i));
		argv[i + 1] = names[i];
	}
	argv[0] = "MGET";
	rc = rd_pipeline(r, names[n - 1], add, expires, argv, (int)n + 1, sum_r);
	free(names);
	return rc < 0 ? (*error_r = down, -1) : 0;
}

static int rd_put(void *b, const char *key, const char *value, time_t expires,
    const char **error_r)
{
	struct rd *r = b;
	redisReply *rep;

	if (rd_connect(r) < 0)
		return *error_r = down, -1;
	redisAppendCommand(r->c, "SET pf:v:%s %s EXAT %lld", key, value, (long long)expires);
	if ((rep = rd_reply(r)) == NULL)
		return *error_r = down, -1;
	freeReplyObject(rep);
	return 0;
}

static int rd_get(void *b, const char *key, time_t now, char *out, size_t outsz,
    const char **error_r)
{
	struct rd *r = b;
	redisReply *rep;
	int found;

	(void)now;	/* Redis expires keys itself */
	if (rd_connect(r) < 0)
		return *error_r = down, -1;
	redisAppendCommand(r->c, "GET pf:v:%s", key);
	if ((rep = rd_reply(r)) == NULL)
		return *error_r = down, -1;
	found = rep->type == REDIS_REPLY_STRING;
	if (found)
		snprintf(out, outsz, "%s", rep->str);
	freeReplyObject(rep);
	return found;
}

/* rd_pattern - "pf:v:" prefix "*" as a SCAN MATCH glob, the glob's own
 * characters in prefix escaped; -1 when it does not fit */
static int rd_pattern(const char *prefix, char *out, size_t outsz)
{
	size_t n = 0;

	if (outsz < 8)
		return -1;
	memcpy(out, "pf:v:", 5);
	n = 5;
	for (; *prefix != '\0'; prefix++) {
		if (n + 4 > outsz)
			return -1;
		if (strchr("*?[]\\", *prefix) != NULL)
			out[n++] = '\\';
		out[n++] = *prefix;
	}
	out[n++] = '*';
	out[n] = '\0';
	return 0;
}

/* rd_values - MGET the keys of one SCAN batch and hand them to cb;
 * 1 when cb stopped, 0, -1 (connection dropped) */
static int rd_values(struct rd *r, const redisReply *keys, size_t *left,
    int (*cb)(const char *key, const char *value, void *arg), void *arg)
{
	const char *argv[RD_SCAN_COUNT + 1];
	size_t lens[RD_SCAN_COUNT + 1], i, n = 0;
	redisReply *rep;
	int stop = 0;

	argv[0] = "MGET";
	lens[0] = 4;
	for (i = 0; i < keys->elements && n < RD_SCAN_COUNT; i++) {
		if (keys->element[i]->type != REDIS_REPLY_STRING)
			continue;
		argv[++n] = keys->element[i]->str;
		lens[n] = keys->element[i]->len;
	}
	if (n == 0)
		return 0;
	redisAppendCommandArgv(r->c, (int)n + 1, argv, lens);
	if ((rep = rd_reply(r)) == NULL)
		return -1;
	for (i = 0; !stop && *left > 0 && rep->type == REDIS_REPLY_ARRAY &&
	    i < rep->elements && i < n; i++) {
		if (rep->element[i]->type != REDIS_REPLY_STRING)
			continue;	/* expired between SCAN and MGET */
		(*left)--;
		stop = cb(argv[i + 1] + 5, rep->element[i]->str, arg);
	}
	freeReplyObject(rep);
	return stop || *left == 0 ? 1 : 0;
}

/* rd_scan - SCAN with MATCH, RD_SCAN_COUNT keys a round, at most
 * RD_SCAN_ROUNDS rounds: Redis walks the whole keyspace for it */
static int rd_scan(void *b, const char *prefix, time_t now, size_t max,
    int (*cb)(const char *key, const char *value, void *arg), void *arg,
    const char **error_r)
{
	struct rd *r = b;
	char pattern[KEY_MAX * 2], cursor[32] = "0", count[16];
	const char *argv[6] = { "SCAN", cursor, "MATCH", pattern, "COUNT", count };
	redisReply *rep;
	size_t rounds, left = max;
	int rc = 0;

	(void)now;	/* Redis expires keys itself */
	if (rd_pattern(prefix, pattern, sizeof(pattern)) < 0)
		return *error_r = "state scan: prefix too long", -1;
	snprintf(count, sizeof(count), "%d", RD_SCAN_COUNT);
	if (rd_connect(r) < 0)
		return *error_r = down, -1;
	for (rounds = 0; rc == 0 && rounds < RD_SCAN_ROUNDS; rounds++) {
		redisAppendCommandArgv(r->c, 6, argv, NULL);
		if ((rep = rd_reply(r)) == NULL)
			return *error_r = down, -1;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
		    rep->element[0]->type != REDIS_REPLY_STRING ||
		    rep->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(rep);
			rd_drop(r);
			return *error_r = "state scan: unexpected reply from Redis", -1;
		}
		snprintf(cursor, sizeof(cursor), "%s", rep->element[0]->str);
		rc = rd_values(r, rep->element[1], &left, cb, arg);
		freeReplyObject(rep);
		if (rc < 0)
			return *error_r = down, -1;
		if (strcmp(cursor, "0") == 0)
			break;
	}
	return 0;
}

const struct state_backend state_redis_backend = {
	rd_count, rd_put, rd_get, rd_scan, rd_close
};

/*
 * fakeub - the part of libunbound that lib/dns.c calls, replaced at link
 * time so that the fuzz targets resolve without any network: a target
 * linking this file defines the ub_* symbols itself, so neither lib/dns.c
 * nor anything else reaches the real library's resolver.
 *
 * A query is answered by the hook the target set (fakeub_answer) when
 * dns.c next calls ub_process; ub_fd is a pipe that is always readable,
 * so dns.c never waits.  Results carry both the rdata list (SPF, check
 * code) and a wire-format answer packet (libopendkim parses that), with a
 * TTL of 0 so that dns.c's cache keeps none of them.  A name that cannot
 * be written in wire format is refused at ub_resolve_async with
 * UB_SYNTAX, as libunbound does.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unbound.h>

#include "fuzz.h"

#define PACKET_MAX 65535

struct fake_query {
	struct fake_query *next;
	int id;
	int type;
	char *name;
	void *mydata;
	ub_callback_type cb;
};

struct ub_ctx {
	int pipe[2];
	int next_id;
	struct fake_query *pending;
};

/* The answer hook: set per input by the target, the only shared state. */
static fakeub_fn hook;
static void *hook_arg;
static unsigned nqueries;

void fakeub_answer(fakeub_fn fn, void *arg)
{
	hook = fn;
	hook_arg = arg;
	nqueries = 0;
}

unsigned fakeub_queries(void)
{
	return nqueries;
}

size_t fakeub_name(const char *name, unsigned char *out, size_t outsz)
{
	size_t o = 0, len = strlen(name), start = 0, i;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0)
		return 0;
	for (i = 0; i <= len; i++) {
		size_t n;

		if (i < len && name[i] != '.')
			continue;
		n = i - start;
		if (n == 0 || n > 63 || o + n + 2 > outsz || o + n + 2 > 255)
			return 0;
		out[o++] = (unsigned char)n;
		memcpy(out + o, name + start, n);
		o += n;
		start = i + 1;
	}
	out[o++] = 0;
	return o;
}

size_t fakeub_txt(const char *text, size_t len, unsigned char *out, size_t outsz)
{
	size_t o = 0, n;

	do {
		n = len > 255 ? 255 : len;
		if (o + n + 1 > outsz)
			break;
		out[o++] = (unsigned char)n;
		memcpy(out + o, text, n);
		o += n;
		text += n;
		len -= n;
	} while (len > 0);
	return o;
}

struct ub_ctx *ub_ctx_create(void)
{
	struct ub_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return NULL;
	if (pipe(ctx->pipe) != 0 || write(ctx->pipe[1], "x", 1) != 1) {
		free(ctx);
		return NULL;
	}
	return ctx;
}

void ub_ctx_delete(struct ub_ctx *ctx)
{
	struct fake_query *q, *next;

	if (ctx == NULL)
		return;
	for (q = ctx->pending; q != NULL; q = next) {
		next = q->next;
		free(q->name);
		free(q);
	}
	close(ctx->pipe[0]);
	close(ctx->pipe[1]);
	free(ctx);
}

/* Configuration is accepted and ignored: there is no network to set up. */
int ub_ctx_set_option(struct ub_ctx *ctx, const char *opt, const char *val)
{
	return 0;
}

int ub_ctx_set_fwd(struct ub_ctx *ctx, const char *addr)
{
	return 0;
}

int ub_ctx_resolvconf(struct ub_ctx *ctx, const char *fname)
{
	return 0;
}

int ub_ctx_add_ta_file(struct ub_ctx *ctx, const char *fname)
{
	return 0;
}

int ub_ctx_async(struct ub_ctx *ctx, int dothread)
{
	return 0;
}

int ub_ctx_zone_add(struct ub_ctx *ctx, const char *zone_name, const char *zone_type)
{
	return 0;
}

int ub_fd(struct ub_ctx *ctx)
{
	return ctx->pipe[0];
}

int ub_resolve_async(struct ub_ctx *ctx, const char *name, int rrtype, int rrclass,
    void *mydata, ub_callback_type callback, int *async_id)
{
	unsigned char wire[256];
	struct fake_query *q;

	if (fakeub_name(name, wire, sizeof(wire)) == 0)
		return UB_SYNTAX;
	if ((q = calloc(1, sizeof(*q))) == NULL || (q->name = strdup(name)) == NULL) {
		free(q);
		return UB_NOMEM;
	}
	q->id = ++ctx->next_id;
	q->type = rrtype;
	q->mydata = mydata;
	q->cb = callback;
	q->next = ctx->pending;
	ctx->pending = q;
	if (async_id != NULL)
		*async_id = q->id;
	return 0;
}

int ub_cancel(struct ub_ctx *ctx, int async_id)
{
	struct fake_query **pp, *q;

	for (pp = &ctx->pending; (q = *pp) != NULL; pp = &q->next) {
		if (q->id == async_id) {
			*pp = q->next;
			free(q->name);
			free(q);
			return 0;
		}
	}
	return UB_NOID;
}

void ub_resolve_free(struct ub_result *res)
{
	int i;

	if (res == NULL)
		return;
	for (i = 0; res->data != NULL && res->data[i] != NULL; i++)
		free(res->data[i]);
	free(res->data);
	free(res->len);
	/* as libunbound: canonname may alias qname */
	if (res->canonname != res->qname)
		free(res->canonname);
	free(res->qname);
	free(res->why_bogus);
	free(res->answer_packet);
	free(res);
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* packet - header, question, and one answer RR per record */
static int packet(struct ub_result *res, const struct fakeub_reply *r)
{
	unsigned char *p = malloc(PACKET_MAX);
	size_t o = 12, i, qn;

	if (p == NULL)
		return -1;
	memset(p, 0, 12);
	put16(p, 0x1234);
	put16(p + 2, 0x8180 | (unsigned)(r->rcode & 0xf));
	put16(p + 4, 1);
	qn = fakeub_name(res->qname, p + o, 256);
	o += qn;
	put16(p + o, (unsigned)res->qtype);
	put16(p + o + 2, 1);
	o += 4;
	for (i = 0; i < r->n && r->rcode == 0; i++) {
		if (o + 12 + r->len[i] > PACKET_MAX)
			break;
		put16(p + o, 0xc00c);
		put16(p + o + 2, (unsigned)res->qtype);
		put16(p + o + 4, 1);
		put16(p + o + 6, 0);	/* TTL 0, as in result() */
		put16(p + o + 8, 0);
		put16(p + o + 10, (unsigned)r->len[i]);
		memcpy(p + o + 12, r->rdata[i], r->len[i]);
		o += 12 + r->len[i];
	}
	put16(p + 6, (unsigned)i);
	res->answer_packet = p;
	res->answer_len = (int)o;
	return 0;
}

/* result - the ub_result of reply r to q */
static struct ub_result *result(const struct fake_query *q, const struct fakeub_reply *r)
{
	struct ub_result *res = calloc(1, sizeof(*res));
	size_t n = r->rcode == 0 ? r->n : 0, i;

	if (res == NULL)
		return NULL;
	res->qname = strdup(q->name);
	res->qtype = q->type;
	res->qclass = 1;
	res->data = calloc(n + 1, sizeof(*res->data));
	res->len = calloc(n + 1, sizeof(*res->len));
	if (res->qname == NULL || res->data == NULL || res->len == NULL || packet(res, r) < 0) {
		ub_resolve_free(res);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if ((res->data[i] = malloc(r->len[i] + 1)) == NULL) {
			ub_resolve_free(res);
			return NULL;
		}
		memcpy(res->data[i], r->rdata[i], r->len[i]);
		res->len[i] = (int)r->len[i];
	}
	res->rcode = r->rcode;
	res->havedata = n > 0;
	res->nxdomain = r->rcode == 3;
	/* TTL 0: lib/dns_cache.c keeps nothing, so no answer outlives the
	 * input it was made for */
	res->ttl = 0;
	return res;
}

int ub_process(struct ub_ctx *ctx)
{
	struct fake_query *q;

	while ((q = ctx->pending) != NULL) {
		struct fakeub_reply r;
		struct ub_result *res = NULL;

		ctx->pending = q->next;
		memset(&r, 0, sizeof(r));
		nqueries++;
		if (hook != NULL)
			hook(hook_arg, q->name, q->type, &r);
		if (r.n > FAKEUB_RR_MAX)
			r.n = FAKEUB_RR_MAX;
		if (!r.fail)
			res = result(q, &r);
		q->cb(q->mydata, res != NULL ? 0 : UB_SERVFAIL, res);
		free(q->name);
		free(q);
	}
	return 0;
}

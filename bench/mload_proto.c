/*
 * mload_proto - the MTA side of the milter protocol (v6) over one
 * connection, for milterload (see mload.h for the ownership rules).
 *
 * Negotiation offers every action (0x1FF) and every protocol flag
 * (0x1FFFFF: all NO* and NR_* stages, SKIP, RCPT_REJ, HDR_LEADSPC) but no
 * MDS_256K/1M, so body chunks stay <= 65535 bytes.  Whatever the milter
 * asks for is honoured as Postfix does: a NO* stage is not sent (nor its
 * macros), no reply is awaited after an NR_* stage, SMFIR_SKIP ends the
 * body, and a header value loses one leading space unless HDR_LEADSPC was
 * negotiated (Postfix milter8.c: "Sendmail by default eats one space").
 *
 * Commands are framed and buffered by mload_wire.c and written only when
 * a reply is due (or the buffer passes 64 KB), so NR_* stages cost no
 * extra syscalls.  Every reply wait has the -T deadline (poll);
 * SMFIR_PROGRESS restarts it.  Writes are bounded by SO_SNDTIMEO, set
 * here when connecting.  A timeout, an I/O error or a protocol violation
 * is counted once, the connection is closed without QUIT, and
 * mload_conn_message returns -1; the next message then starts a fresh
 * connection.
 *
 * The session looks like Postfix submission: {daemon_name} is ORIGINATING
 * (what outbound filters such as preflight-milter key on), the client is
 * client.example.test [192.0.2.10]:40000, and {i} is the caller's queue id.
 *
 * A verdict before EOM ends the message: SMFIC_ABORT follows, as an MTA
 * sends it.  A verdict at CONNECT or HELO ends the session (QUIT).
 * Modification replies are legal only at EOM and only when negotiated.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#include "mload.h"

#define OFFER_ACTIONS 0x1FFu
#define OFFER_PFLAGS 0x1FFFFFu
#define BODY_CHUNK 65535u

#define CLIENT_NAME "client.example.test"
#define CLIENT_ADDR "192.0.2.10"
#define CLIENT_PORT 40000

enum reply { R_CONT, R_SKIP, R_VERDICT, R_FAIL };

/* fail - count c->err once, drop the connection */
static enum reply fail(struct mload_conn *c)
{
	c->st->error[c->err]++;
	mload_wire_drop(c);
	return R_FAIL;
}

/* modification - count (and with -v show) one action; -1 if illegal */
static int modification(struct mload_conn *c, int cmd,
			const unsigned char *d, uint32_t len)
{
	const struct mload_modif *m = mload_modif_of(cmd);

	if (m == NULL || c->stage != MLOAD_S_EOM || !(c->actions & m->flag) ||
	    (m->index && len < 4))
		return -1;
	c->st->action[m->action]++;
	if (c->opt->verbose)
		mload_show_modif(c->qid, c->msg->name, m, d, len);
	return 0;
}

/* replycode - count (and with -v show) an SMTP reply given as verdict */
static void replycode(struct mload_conn *c, const unsigned char *d,
		      uint32_t len)
{
	c->st->action[MLOAD_A_REPLYCODE]++;
	if (c->opt->verbose)
		mload_show(c->qid, c->msg->name, "replycode", d, len, 0);
}

/* await - flush, then read replies until a final one for c->stage */
static enum reply await(struct mload_conn *c)
{
	uint64_t deadline = mload_now_us() + (uint64_t)(c->opt->timeout * 1e6);
	const unsigned char *d;
	uint32_t len;
	int cmd, v;

	if (mload_wire_flush(c) < 0)
		return fail(c);
	for (;;) {
		if (mload_wire_read(c, deadline, &cmd, &d, &len) < 0)
			return fail(c);
		if (cmd == SMFIR_CONTINUE) {
			if (c->stage != MLOAD_S_EOM)
				return R_CONT;
			c->verdict = MLOAD_V_CONTINUE;
			return R_VERDICT;
		}
		if (cmd == SMFIR_PROGRESS) {
			c->st->action[MLOAD_A_PROGRESS]++;
			deadline = mload_now_us() +
				   (uint64_t)(c->opt->timeout * 1e6);
			continue;
		}
		if (cmd == SMFIR_SKIP && c->stage == MLOAD_S_BODY &&
		    (c->pflags & SMFIP_SKIP)) {
			c->st->action[MLOAD_A_SKIP]++;
			return R_SKIP;
		}
		if ((v = mload_verdict_of(cmd, d, len)) >= 0) {
			c->verdict = (enum mload_verdict)v;
			c->endsess = cmd == SMFIR_CONN_FAIL || cmd == SMFIR_SHUTDOWN;
			if (cmd == SMFIR_REPLYCODE)
				replycode(c, d, len);
			return R_VERDICT;
		}
		if (modification(c, cmd, d, len) < 0) {
			c->err = MLOAD_E_PROTOCOL;
			return fail(c);
		}
	}
}

/* step - finish the command begun last; await its reply unless noreply */
static enum reply step(struct mload_conn *c, enum mload_stage stage,
		       uint32_t noreply)
{
	mload_wire_end(c);
	c->stage = stage;
	if (c->oom) {
		c->err = MLOAD_E_IO;
		return fail(c);
	}
	if (!noreply)
		return await(c);
	if (c->outlen >= MLOAD_OUT_FLUSH && mload_wire_flush(c) < 0)
		return fail(c);
	return R_CONT;
}

/* negotiate - SMFIC_OPTNEG and the milter's answer */
static int negotiate(struct mload_conn *c)
{
	uint64_t deadline = mload_now_us() + (uint64_t)(c->opt->timeout * 1e6);
	const unsigned char *d;
	uint32_t len, off;
	char neg[80];
	int cmd;

	mload_wire_begin(c, SMFIC_OPTNEG);
	mload_wire_put_u32(c, SMFI_PROT_VERSION);
	mload_wire_put_u32(c, OFFER_ACTIONS);
	mload_wire_put_u32(c, OFFER_PFLAGS);
	mload_wire_end(c);
	if (mload_wire_flush(c) < 0 ||
	    mload_wire_read(c, deadline, &cmd, &d, &len) < 0)
		return -1;
	c->err = MLOAD_E_PROTOCOL;
	if (cmd != SMFIC_OPTNEG || len < 12 || mload_wire_get_u32(d) < 2)
		return -1;
	c->actions = mload_wire_get_u32(d + 4);
	c->pflags = mload_wire_get_u32(d + 8);
	if ((c->actions & ~OFFER_ACTIONS) || (c->pflags & ~OFFER_PFLAGS))
		return -1;
	snprintf(neg, sizeof(neg), "negotiated version %u actions 0x%x "
		 "protocol 0x%x", mload_wire_get_u32(d), c->actions, c->pflags);
	if (c->opt->verbose)
		mload_show("-", "-", neg, NULL, 0, 0);
	/* macro lists (SETSYMLIST) follow as {u32 stage, "names\0"}: they
	 * are counted, not applied: every macro is always sent */
	for (off = 12; off + 4 < len;) {
		c->st->action[MLOAD_A_SETSYMLIST]++;
		off += 4;
		while (off < len && d[off] != 0)
			off++;
		off++;
	}
	return 0;
}

/* conn_open - socket, options, connect, negotiation */
static int conn_open(struct mload_conn *c)
{
	const struct mload_opts *o = c->opt;
	struct timeval tv;
	int one = 1;

	c->oom = c->endsess = 0;
	c->nmsgs = 0;
	c->outlen = c->inoff = c->inlen = 0;
	c->fd = socket(o->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	c->err = MLOAD_E_CONNECT;
	if (c->fd < 0) {
		fail(c);
		return -1;
	}
	if (o->inet && o->nodelay)
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	tv.tv_sec = (time_t)o->timeout;
	tv.tv_usec = (suseconds_t)((o->timeout - (double)tv.tv_sec) * 1e6);
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(c->fd, (const struct sockaddr *)&o->addr, o->addrlen) < 0 ||
	    negotiate(c) < 0) {
		fail(c);
		return -1;
	}
	return 0;
}

/* session_start - CONNECT and HELO stages of a fresh connection */
static enum reply session_start(struct mload_conn *c)
{
	static const char *const conn_macros[] = {
		"j", "mta.example.test",
		"{daemon_name}", "ORIGINATING",
		"v", "milterload " MLOAD_VERSION,
		"_", CLIENT_NAME " [" CLIENT_ADDR "]",
		"{client_addr}", CLIENT_ADDR,
		"{client_name}", CLIENT_NAME,
		"{client_port}", "40000",
	};
	unsigned char port[2] = { CLIENT_PORT >> 8, CLIENT_PORT & 0xff };
	enum reply r = R_CONT;

	if (!(c->pflags & SMFIP_NOCONNECT)) {
		mload_wire_macros(c, SMFIC_CONNECT, conn_macros, 7);
		mload_wire_begin(c, SMFIC_CONNECT);
		mload_wire_put_str(c, CLIENT_NAME);
		mload_wire_put(c, "4", 1);
		mload_wire_put(c, port, 2);
		mload_wire_put_str(c, CLIENT_ADDR);
		r = step(c, MLOAD_S_CONNECT, c->pflags & SMFIP_NR_CONN);
	}
	if (r == R_CONT && !(c->pflags & SMFIP_NOHELO)) {
		mload_wire_begin(c, SMFIC_HELO);
		mload_wire_put_str(c, CLIENT_NAME);
		r = step(c, MLOAD_S_HELO, c->pflags & SMFIP_NR_HELO);
	}
	return r;
}

/* domain_of - the part after the last '@', or "" */
static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "";
}

/* put_addr - "<addr>\0" (the address may be empty: "<>") */
static void put_addr(struct mload_conn *c, const char *addr)
{
	mload_wire_put(c, "<", 1);
	mload_wire_put(c, addr, strlen(addr));
	mload_wire_put(c, ">", 2);	/* with the NUL */
}

/* envelope - MAIL, RCPT and DATA stages */
static enum reply envelope(struct mload_conn *c, const struct mload_msg *m)
{
	const char *from = c->opt->from ? c->opt->from : m->from;
	const char *rcpt = c->opt->rcpt ? c->opt->rcpt : m->rcpt;
	const char *mail_macros[] = {
		"i", c->qid, "{mail_addr}", from, "{mail_host}", domain_of(from),
		"{mail_mailer}", "smtp", "{auth_authen}", c->opt->user,
	};
	const char *rcpt_macros[] = {
		"{rcpt_addr}", rcpt, "{rcpt_host}", domain_of(rcpt),
		"{rcpt_mailer}", "smtp",
	};
	const char *data_macros[] = { "i", c->qid };
	char size[32];
	enum reply r = R_CONT;

	if (!(c->pflags & SMFIP_NOMAIL)) {
		mload_wire_macros(c, SMFIC_MAIL, mail_macros,
				  c->opt->user ? 5 : 4);
		snprintf(size, sizeof(size), "SIZE=%zu", m->size);
		mload_wire_begin(c, SMFIC_MAIL);
		put_addr(c, from);
		mload_wire_put_str(c, size);
		r = step(c, MLOAD_S_MAIL, c->pflags & SMFIP_NR_MAIL);
	}
	if (r == R_CONT && !(c->pflags & SMFIP_NORCPT)) {
		mload_wire_macros(c, SMFIC_RCPT, rcpt_macros, 3);
		mload_wire_begin(c, SMFIC_RCPT);
		put_addr(c, rcpt);
		r = step(c, MLOAD_S_RCPT, c->pflags & SMFIP_NR_RCPT);
	}
	if (r == R_CONT && !(c->pflags & SMFIP_NODATA)) {
		mload_wire_macros(c, SMFIC_DATA, data_macros, 1);
		mload_wire_begin(c, SMFIC_DATA);
		r = step(c, MLOAD_S_DATA, c->pflags & SMFIP_NR_DATA);
	}
	return r;
}

/* headers - one SMFIC_HEADER per header, then EOH */
static enum reply headers(struct mload_conn *c, const struct mload_msg *m)
{
	const char *eoh_macros[] = { "i", c->qid };
	const char *v;
	enum reply r = R_CONT;
	uint32_t vlen;
	size_t i;

	for (i = 0; r == R_CONT && i < m->nhdr &&
		    !(c->pflags & SMFIP_NOHDRS); i++) {
		v = m->hdrs + m->hdr[i].value_off;
		vlen = m->hdr[i].value_len;
		if (!(c->pflags & SMFIP_HDR_LEADSPC) && vlen > 0 && *v == ' ') {
			v++;
			vlen--;
		}
		mload_wire_begin(c, SMFIC_HEADER);
		mload_wire_put(c, m->hdrs + m->hdr[i].name_off,
			       m->hdr[i].name_len + 1);
		mload_wire_put(c, v, vlen + 1);	/* the stored NUL */
		r = step(c, MLOAD_S_HEADER, c->pflags & SMFIP_NR_HDR);
	}
	if (r == R_CONT && !(c->pflags & SMFIP_NOEOH)) {
		mload_wire_macros(c, SMFIC_EOH, eoh_macros, 1);
		mload_wire_begin(c, SMFIC_EOH);
		r = step(c, MLOAD_S_EOH, c->pflags & SMFIP_NR_EOH);
	}
	return r;
}

/* body_eom - body chunks (until SKIP) and end of message */
static enum reply body_eom(struct mload_conn *c, const struct mload_msg *m)
{
	const char *eom_macros[] = { "i", c->qid };
	enum reply r = R_CONT;
	size_t off, n;

	for (off = 0; !(c->pflags & SMFIP_NOBODY) && off < m->bodylen;
	     off += n) {
		n = m->bodylen - off < BODY_CHUNK ? m->bodylen - off :
						    BODY_CHUNK;
		mload_wire_begin(c, SMFIC_BODY);
		mload_wire_put(c, m->body + off, n);
		r = step(c, MLOAD_S_BODY, c->pflags & SMFIP_NR_BODY);
		if (r != R_CONT)
			break;
	}
	if (r != R_CONT && r != R_SKIP)
		return r;
	mload_wire_macros(c, SMFIC_BODYEOB, eom_macros, 1);
	mload_wire_begin(c, SMFIC_BODYEOB);
	return step(c, MLOAD_S_EOM, 0);
}

/* record - count the verdict and the latency of a finished message */
static void record(struct mload_conn *c, const struct mload_msg *m,
		   uint64_t t0)
{
	uint64_t us = mload_now_us() - t0;
	char what[64];

	c->st->verdict[c->verdict][c->stage]++;
	if (mload_stats_latency(c->st, us, m->size) < 0)
		c->oom = 1;
	if (c->opt->verbose) {
		snprintf(what, sizeof(what), "verdict %s@%s %.3f ms",
			 mload_verdict_name(c->verdict),
			 mload_stage_name(c->stage), us / 1000.0);
		mload_show(c->qid, m->name, what, NULL, 0, 0);
	}
}

/* mload_conn_init - an unconnected connection bound to options and stats */
void mload_conn_init(struct mload_conn *c, const struct mload_opts *opt,
		     struct mload_stats *st)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->opt = opt;
	c->st = st;
}

/* mload_conn_message - send one message, connecting first when needed */
int mload_conn_message(struct mload_conn *c, const struct mload_msg *m,
		       uint64_t qid)
{
	uint64_t t0 = mload_now_us();
	enum reply r = R_CONT;

	c->msg = m;
	snprintf(c->qid, sizeof(c->qid), "%010llX", (unsigned long long)qid);
	if (c->fd < 0) {
		if (conn_open(c) < 0)
			return -1;
		r = session_start(c);
	}
	if (r == R_CONT) {
		c->nmsgs++;
		r = envelope(c, m);
	}
	if (r == R_CONT)
		r = headers(c, m);
	if (r == R_CONT)
		r = body_eom(c, m);
	if (r == R_FAIL)
		return -1;
	record(c, m, t0);
	if (c->stage <= MLOAD_S_HELO || c->endsess) {
		mload_conn_close(c);
		return 0;
	}
	if (c->stage != MLOAD_S_EOM || c->opt->abort_each) {
		mload_wire_begin(c, SMFIC_ABORT);
		mload_wire_end(c);
	}
	return 0;
}

/* mload_conn_close - send SMFIC_QUIT (when connected) and close */
void mload_conn_close(struct mload_conn *c)
{
	if (c->fd < 0)
		return;
	mload_wire_begin(c, SMFIC_QUIT);
	mload_wire_end(c);
	/* the message is done: a failed QUIT is no error */
	(void)mload_wire_flush(c);
	mload_wire_drop(c);
}

/* mload_conn_free - close without QUIT and release the buffers */
void mload_conn_free(struct mload_conn *c)
{
	mload_wire_drop(c);
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->incap = c->outcap = 0;
}

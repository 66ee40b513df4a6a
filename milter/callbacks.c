/*
 * callbacks - one thin function per milter step.
 *
 * Two lifetimes, as in the libmilter sample: struct conn lives from the
 * first callback of a connection (negotiate or connect) to close and holds
 * the config snapshot the connection started with; struct mstate lives
 * from MAIL FROM of an outbound message to eom, abort or close, and is
 * released by cb_msg_cleanup alone.
 *
 * Only outbound mail is checked: {daemon_name} equal to
 * OutboundDaemonName, a non-empty {auth_authen}, or a client address in
 * InternalHosts.  Anything else is accepted at MAIL FROM, which costs the
 * MTA nothing further for that message.
 *
 * Where the MTA allows it, and on a unix socket, connect, HELO, RCPT,
 * header, end-of-header and body replies are switched off (SMFIP_NR_*;
 * over TCP that would cost a delayed ACK per message); an internal
 * failure in those steps is remembered, in the connection state at
 * connect and OnError applied at the next MAIL FROM, in the message
 * state later and OnError applied at eom.
 * No callback ever exits or aborts on a per-message failure.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "check.h"
#include "metrics.h"
#include "milter.h"

/* Steps we want to skip or not answer, if the MTA offers them. */
#define CB_WANT_STEPS (SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_CONN | \
	SMFIP_NR_HELO | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY | SMFIP_NR_EOH)
/* Over TCP we answer every step after all.  Without our replies the MTA
 * sends the next small command (the next header, EOM after the last body
 * chunk) while the previous one is unacknowledged; its Nagle holds it and
 * our kernel delays the ACK: 40 ms a message (bench, inet, c=1: p99 55 ms
 * with no-reply steps, 22 ms without).  Our reply carries the ACK at once. */
#define CB_NR_STEPS (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_RCPT | SMFIP_NR_HDR | \
	SMFIP_NR_BODY | SMFIP_NR_EOH)
#define CB_ACTIONS (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE)

/* Set once by callbacks_desc before smfi_main starts any thread. */
static struct milter_app *cb_app;

/* cb_conn - the connection state, created on first use */
static struct conn *cb_conn(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		return c;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	/* NULL only while shutting down: main has emptied the holder. */
	c->cfg = config_holder_get(&cb_app->holder);
	if (c->cfg == NULL || smfi_setpriv(ctx, c) != MI_SUCCESS) {
		config_unref(&c->cfg);
		free(c);
		return NULL;
	}
	return c;
}

/* cb_no_state - OnError when not even the connection state exists */
static sfsistat cb_no_state(SMFICTX *ctx, const char *what)
{
	struct config *cfg = config_holder_get(&cb_app->holder);
	sfsistat rc = actions_on_error(ctx, cfg, "NOQUEUE", what);

	config_unref(&cfg);
	return rc;
}

/* cb_msg_cleanup - release the message state; the one place that does */
static void cb_msg_cleanup(struct conn *c)
{
	if (c == NULL || c->ms == NULL)
		return;
	msg_free(&c->ms->msg);
	free(c->ms);
	c->ms = NULL;
}

/* cb_reply - SMFIS_NOREPLY when the MTA agreed not to wait for this step */
static sfsistat cb_reply(const struct conn *c, unsigned long nr_bit)
{
	return c != NULL && (c->pflags & nr_bit) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* cb_set - replace a malloc'd string; -1 when out of memory */
static int cb_set(char **dst, const char *src)
{
	char *p = NULL;

	if (src != NULL && (p = strdup(src)) == NULL)
		return -1;
	free(*dst);
	*dst = p;
	return 0;
}

/* cb_queue_id - {i} when the MTA has sent it by now, for the message */
static void cb_queue_id(SMFICTX *ctx, struct mstate *ms)
{
	const char *qid = smfi_getsymval(ctx, "i");
	const char *err;

	if (qid != NULL && *qid != '\0' && ms->error == NULL &&
	    msg_set_env(ms->msg, MSG_ENV_QUEUE_ID, qid, &err) < 0)
		ms->error = err;
}

/* cb_negotiate - request only the steps and actions Preflight uses */
static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	struct conn *c = cb_conn(ctx);

	*pf0 = f0 & CB_ACTIONS;
	/* Without state we cannot remember the no-reply agreement: ask for none. */
	*pf1 = c != NULL ? f1 & CB_WANT_STEPS : 0;
	if (c != NULL && strncmp(c->cfg->socket, "inet", 4) == 0)
		*pf1 &= ~(unsigned long)CB_NR_STEPS;
	*pf2 = 0;
	*pf3 = 0;
	if (c != NULL)
		c->pflags = *pf1;
	return SMFIS_CONTINUE;
}

/* cb_addr_text - the connect argument's address as text, or NULL */
static const char *cb_addr_text(const struct sockaddr *sa, char *out, size_t len)
{
	const void *a;

	if (sa == NULL)
		return NULL;
	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else
		return NULL;
	return inet_ntop(sa->sa_family, a, out, len);
}

/* cb_connect - remember who connected; macros win over the arguments */
static sfsistat cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	struct conn *c = cb_conn(ctx);
	char text[INET6_ADDRSTRLEN];
	const char *addr, *name;

	if (c == NULL)
		return cb_no_state(ctx, "out of memory at connect");
	addr = smfi_getsymval(ctx, "{client_addr}");
	if (addr == NULL || *addr == '\0')
		addr = cb_addr_text(hostaddr, text, sizeof(text));
	name = smfi_getsymval(ctx, "{client_name}");
	if (name == NULL || *name == '\0')
		name = hostname;
	if (cb_set(&c->client_addr, addr) < 0 || cb_set(&c->client_name, name) < 0) {
		if ((c->pflags & SMFIP_NR_CONN) == 0)
			return actions_on_error(ctx, c->cfg, "NOQUEUE", "out of memory at connect");
		c->error = "out of memory at connect";	/* for every MAIL FROM */
	}
	return cb_reply(c, SMFIP_NR_CONN);
}

/* cb_helo - keep the HELO name for the message envelope */
static sfsistat cb_helo(SMFICTX *ctx, char *helohost)
{
	struct conn *c = cb_conn(ctx);

	/* HELO is informational only: losing it to ENOMEM changes no verdict. */
	if (c != NULL && cb_set(&c->helo, helohost) < 0)
		c->helo = NULL;
	return cb_reply(c, SMFIP_NR_HELO);
}

/* cb_outbound - is this message ours to check? */
static bool cb_outbound(SMFICTX *ctx, const struct conn *c)
{
	const struct config *cfg = c->cfg;
	const char *daemon = smfi_getsymval(ctx, "{daemon_name}");
	const char *auth = smfi_getsymval(ctx, "{auth_authen}");

	if (daemon != NULL && cfg->outbound_daemon_name != NULL &&
	    *cfg->outbound_daemon_name != '\0' &&
	    strcmp(daemon, cfg->outbound_daemon_name) == 0)
		return true;
	if (auth != NULL && *auth != '\0')
		return true;
	return c->client_addr != NULL &&
	    cidr_list_match(&cfg->internal_hosts, c->client_addr);
}

/* cb_envelope - copy the connection and MAIL FROM data into the message */
static int cb_envelope(SMFICTX *ctx, struct conn *c, struct msg *m, const char *from,
    const char **error_r)
{
	const char *auth = smfi_getsymval(ctx, "{auth_authen}");
	const char *daemon = smfi_getsymval(ctx, "{daemon_name}");
	size_t len = from != NULL ? strlen(from) : 0;
	char *bare;
	int rc;

	if (msg_set_env(m, MSG_ENV_CLIENT_ADDR, c->client_addr, error_r) < 0 ||
	    msg_set_env(m, MSG_ENV_CLIENT_NAME, c->client_name, error_r) < 0 ||
	    msg_set_env(m, MSG_ENV_HELO, c->helo, error_r) < 0 ||
	    msg_set_env(m, MSG_ENV_AUTH_USER, auth != NULL && *auth ? auth : NULL, error_r) < 0 ||
	    msg_set_env(m, MSG_ENV_DAEMON_NAME, daemon, error_r) < 0)
		return -1;
	/* The envelope model keeps the address without its angle brackets. */
	if (len >= 2 && from[0] == '<' && from[len - 1] == '>') {
		bare = strndup(from + 1, len - 2);
		if (bare == NULL) {
			*error_r = "out of memory";
			return -1;
		}
		rc = msg_set_env(m, MSG_ENV_MAIL_FROM, bare, error_r);
		free(bare);
		return rc;
	}
	return msg_set_env(m, MSG_ENV_MAIL_FROM, from != NULL ? from : "", error_r);
}

/* cb_envfrom - decide whether to check this message and start its state */
static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = cb_conn(ctx);
	struct mstate *ms;
	const char *err;

	if (c == NULL)
		return cb_no_state(ctx, "out of memory at MAIL FROM");
	cb_msg_cleanup(c);
	if (c->error != NULL)
		return actions_on_error(ctx, c->cfg, "NOQUEUE", c->error);
	if (!cb_outbound(ctx, c))
		return SMFIS_ACCEPT;
	ms = calloc(1, sizeof(*ms));
	if (ms == NULL)
		return actions_on_error(ctx, c->cfg, "NOQUEUE", "out of memory at MAIL FROM");
	ms->msg = check_msg_new(c->cfg);
	if (ms->msg == NULL) {
		free(ms);
		return actions_on_error(ctx, c->cfg, "NOQUEUE", "out of memory at MAIL FROM");
	}
	ms->skip_all = true;
	c->ms = ms;
	if (cb_envelope(ctx, c, ms->msg, argv[0], &err) < 0)
		ms->error = err;
	cb_queue_id(ctx, ms);
	return SMFIS_CONTINUE;
}

/* cb_envrcpt - collect recipients and whether all of them are skipped */
static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	struct mstate *ms = c != NULL ? c->ms : NULL;
	const char *err, *domain;

	if (ms == NULL || ms->error != NULL)
		return cb_reply(c, SMFIP_NR_RCPT);
	if (msg_add_rcpt(ms->msg, argv[0], &err) < 0) {
		ms->error = err;
		return cb_reply(c, SMFIP_NR_RCPT);
	}
	domain = msg_rcpt_domain(ms->msg->rcpts[ms->msg->nrcpts - 1]);
	if (!config_skip_domain(c->cfg, domain))
		ms->skip_all = false;
	return cb_reply(c, SMFIP_NR_RCPT);
}

/* cb_header - count forged tag headers and feed the message model */
static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = smfi_getpriv(ctx);
	struct mstate *ms = c != NULL ? c->ms : NULL;
	const char *err;

	if (ms == NULL || ms->error != NULL)
		return cb_reply(c, SMFIP_NR_HDR);
	if (strcasecmp(name, c->cfg->header_name) == 0)
		ms->own_headers++;
	if (msg_add_header(ms->msg, name, value, &err) < 0)
		ms->error = err;
	return cb_reply(c, SMFIP_NR_HDR);
}

/* cb_eoh - the queue id is often known by now */
static sfsistat cb_eoh(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL && c->ms != NULL)
		cb_queue_id(ctx, c->ms);
	return cb_reply(c, SMFIP_NR_EOH);
}

/* cb_body - statistics of the body bytes; they are not kept */
static sfsistat cb_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL && c->ms != NULL && c->ms->error == NULL)
		msg_body(c->ms->msg, data, len);
	return cb_reply(c, SMFIP_NR_BODY);
}

/* cb_scan - checks, policy and actions for a complete message */
static sfsistat cb_scan(SMFICTX *ctx, struct conn *c, struct mstate *ms)
{
	struct finding_list fl = FINDING_LIST_INIT;
	struct policy_result r;
	const char *err, *qid;
	sfsistat rc;

	msg_body_end(ms->msg);
	if (check_scan_env(ms->msg, c->cfg, cb_app->env, 0, &fl, &err) < 0) {
		finding_list_free(&fl);
		metrics_scan_error(cb_app->metrics);
		qid = msg_env(ms->msg, MSG_ENV_QUEUE_ID);
		return actions_on_error(ctx, c->cfg, qid != NULL ? qid : "NOQUEUE", err);
	}
	policy_decide(c->cfg, &fl, &r);
	rc = actions_apply(ctx, cb_app, c, ms, &fl, &r);
	metrics_message(cb_app->metrics, r.verdict, &fl);
	finding_list_free(&fl);
	return rc;
}

/* cb_eom - the verdict, unless an earlier step failed or nothing is to check */
static sfsistat cb_eom(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	struct mstate *ms = c != NULL ? c->ms : NULL;
	const char *qid;
	sfsistat rc;

	if (ms == NULL)
		return SMFIS_CONTINUE;
	cb_queue_id(ctx, ms);
	qid = msg_env(ms->msg, MSG_ENV_QUEUE_ID);
	if (ms->error != NULL) {
		metrics_scan_error(cb_app->metrics);
		rc = actions_on_error(ctx, c->cfg, qid != NULL ? qid : "NOQUEUE", ms->error);
	} else if (ms->msg->nrcpts > 0 && ms->skip_all)
		rc = SMFIS_ACCEPT;
	else
		rc = cb_scan(ctx, c, ms);
	cb_msg_cleanup(c);
	return rc;
}

/* cb_abort - the MTA dropped the message */
static sfsistat cb_abort(SMFICTX *ctx)
{
	cb_msg_cleanup(smfi_getpriv(ctx));
	return SMFIS_CONTINUE;
}

/* cb_close - end of the connection (may come without connect) */
static sfsistat cb_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	cb_msg_cleanup(c);
	free(c->client_addr);
	free(c->client_name);
	free(c->helo);
	config_unref(&c->cfg);
	free(c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static struct smfiDesc cb_desc = {
	.xxfi_name = MILTER_NAME,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = CB_ACTIONS,
	.xxfi_connect = cb_connect,	/* connection info */
	.xxfi_helo = cb_helo,		/* SMTP HELO */
	.xxfi_envfrom = cb_envfrom,	/* envelope sender: outbound or not */
	.xxfi_envrcpt = cb_envrcpt,	/* envelope recipient */
	.xxfi_header = cb_header,	/* header */
	.xxfi_eoh = cb_eoh,		/* end of header */
	.xxfi_body = cb_body,		/* body block */
	.xxfi_eom = cb_eom,		/* end of message: the verdict */
	.xxfi_abort = cb_abort,		/* message aborted */
	.xxfi_close = cb_close,		/* connection cleanup */
	.xxfi_unknown = NULL,		/* unknown SMTP commands: not wanted */
	.xxfi_data = NULL,		/* DATA: not wanted */
	.xxfi_negotiate = cb_negotiate,	/* option negotiation */
};

/* callbacks_desc - the filter description for smfi_register */
struct smfiDesc *callbacks_desc(struct milter_app *app)
{
	cb_app = app;
	return &cb_desc;
}

/*
 * nullmilter - a milter that does nothing but read: the protocol ceiling
 * for milterload.  It registers the header, eoh, body and eom callbacks
 * (plus abort and close, to reset and free its state), so libmilter asks
 * the MTA to skip connect, helo, envelope and data, and every header and
 * body chunk is received and answered with SMFIS_CONTINUE.  At eom it
 * returns SMFIS_ACCEPT.  No option negotiation beyond libmilter's
 * defaults: this is the "reads the whole body" baseline.
 *
 * With -r it adds two headers at eom (and registers SMFIF_ADDHDRS):
 *   X-Null-Body-Bytes: N   the body bytes it received for this message
 *   X-Null-Headers: N      the headers it received for this message
 * so a test can check what the MTA side transmitted.
 *
 * Usage: nullmilter -p SOCKET [-r] [-P pidfile]
 * SOCKET is a libmilter connection spec (unix:/path, inet:PORT@HOST).
 * It stays in the foreground; SIGTERM/SIGINT end it (libmilter).
 * Exit: 0 after a clean shutdown, 64 usage, 69 socket or pidfile trouble,
 * 70 when smfi_main fails.
 *
 * Thread-clean: the counters live in a per-connection private struct
 * (smfi_setpriv); there are no globals at all (the smfiDesc is built in
 * main and copied by smfi_register), and -r chooses the eom callback.
 */
#define _GNU_SOURCE		/* strndup, scandir, O_CLOEXEC under -std=c11 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#define EX_USAGE_ 64
#define EX_UNAVAILABLE_ 69
#define EX_SOFTWARE_ 70

struct null_priv {
	uint64_t body_bytes;
	unsigned long headers;
};

/* priv_of - this connection's counters, created on first use */
static struct null_priv *priv_of(SMFICTX *ctx)
{
	struct null_priv *p = smfi_getpriv(ctx);

	if (p == NULL && (p = calloc(1, sizeof(*p))) != NULL &&
	    smfi_setpriv(ctx, p) != MI_SUCCESS) {
		free(p);
		p = NULL;
	}
	return p;
}

/* null_header - count one header */
static sfsistat null_header(SMFICTX *ctx, char *name, char *value)
{
	struct null_priv *p = priv_of(ctx);

	if (p == NULL)
		return SMFIS_TEMPFAIL;
	p->headers++;
	return SMFIS_CONTINUE;
}

/* null_eoh - nothing to do but answer (a message may have no header) */
static sfsistat null_eoh(SMFICTX *ctx)
{
	return priv_of(ctx) != NULL ? SMFIS_CONTINUE : SMFIS_TEMPFAIL;
}

/* null_body - count one chunk's bytes */
static sfsistat null_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct null_priv *p = priv_of(ctx);

	if (p == NULL)
		return SMFIS_TEMPFAIL;
	p->body_bytes += len;
	return SMFIS_CONTINUE;
}

/* reset - the next message on this connection starts from zero */
static void reset(SMFICTX *ctx)
{
	struct null_priv *p = smfi_getpriv(ctx);

	if (p != NULL)
		memset(p, 0, sizeof(*p));
}

/* null_eom - accept */
static sfsistat null_eom(SMFICTX *ctx)
{
	reset(ctx);
	return SMFIS_ACCEPT;
}

/* null_eom_report - -r: add what was received as headers, then accept */
static sfsistat null_eom_report(SMFICTX *ctx)
{
	struct null_priv *p = priv_of(ctx);
	char bytes[32], headers[32];

	if (p == NULL)
		return SMFIS_TEMPFAIL;
	snprintf(bytes, sizeof(bytes), "%llu",
		 (unsigned long long)p->body_bytes);
	snprintf(headers, sizeof(headers), "%lu", p->headers);
	reset(ctx);
	if (smfi_addheader(ctx, "X-Null-Body-Bytes", bytes) != MI_SUCCESS ||
	    smfi_addheader(ctx, "X-Null-Headers", headers) != MI_SUCCESS)
		return SMFIS_TEMPFAIL;
	return SMFIS_ACCEPT;
}

/* null_abort - the message ended early: forget its counts */
static sfsistat null_abort(SMFICTX *ctx)
{
	reset(ctx);
	return SMFIS_CONTINUE;
}

/* null_close - free the connection's counters */
static sfsistat null_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static int usage(void)
{
	fputs("usage: nullmilter -p SOCKET [-r] [-P pidfile]\n"
	      "  -p SOCKET   unix:/path or inet:PORT@HOST\n"
	      "  -r          add X-Null-Body-Bytes and X-Null-Headers at eom\n"
	      "  -P FILE     write the pid to FILE\n", stderr);
	return EX_USAGE_;
}

/* write_pid - FILE holds our pid and a newline; -1 on failure */
static int write_pid(const char *path)
{
	char line[32];
	int fd, n, ok;

	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ok = write(fd, line, (size_t)n) == n;
	return close(fd) == 0 && ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct smfiDesc desc = {
		.xxfi_name = "nullmilter",
		.xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_NONE,
		.xxfi_header = null_header,
		.xxfi_eoh = null_eoh,
		.xxfi_body = null_body,
		.xxfi_eom = null_eom,
		.xxfi_abort = null_abort,
		.xxfi_close = null_close,
	};
	char *sock = NULL;
	const char *pidfile = NULL;
	int ch;

	while ((ch = getopt(argc, argv, "p:rP:h")) != -1) {
		switch (ch) {
		case 'p':
			sock = optarg;
			break;
		case 'r':
			desc.xxfi_flags |= SMFIF_ADDHDRS;
			desc.xxfi_eom = null_eom_report;
			break;
		case 'P':
			pidfile = optarg;
			break;
		default:
			return usage();
		}
	}
	if (sock == NULL || optind < argc)
		return usage();
	/* smfi_setconn keeps the pointer; argv lives until exit */
	if (smfi_setconn(sock) != MI_SUCCESS ||
	    smfi_register(desc) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: %s: cannot open the socket\n",
			sock);
		return EX_UNAVAILABLE_;
	}
	if (pidfile != NULL && write_pid(pidfile) < 0) {
		perror(pidfile);
		return EX_UNAVAILABLE_;
	}
	fprintf(stderr, "nullmilter: listening on %s%s\n", sock,
		desc.xxfi_eom == null_eom_report ? " (-r)" : "");
	return smfi_main() == MI_SUCCESS ? 0 : EX_SOFTWARE_;
}

/*
 * msg - the message model every check reads: envelope, headers in order,
 * and statistics of the body bytes as they streamed past.
 *
 * The same model is filled by the milter (one callback at a time) and by
 * `preflight check` (msg_parse over a whole file), so every check is
 * testable without an MTA.  Most checks need only what struct
 * msg_body_stats records on the way; DKIM needs the body bytes themselves,
 * so up to body_keep bytes of them are kept in body_spool (0, the default,
 * keeps none).  Memory stays bounded whatever the message size.
 *
 * A struct msg owns every string it holds.  Functions return 0, or -1 with
 * *error_r set to a static message (only "out of memory" here); hostile
 * input never fails a call: it is recorded for the checks to report.
 * Not thread-safe per object; one msg belongs to one connection thread.
 */
#ifndef PF_MSG_H
#define PF_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "spool.h"

/* The longest line RFC 5321 allows, CRLF excluded. */
#define MSG_LINE_MAX 998

enum msg_env_field {
	MSG_ENV_CLIENT_ADDR,	/* connecting client's IP address */
	MSG_ENV_CLIENT_NAME,	/* its reverse DNS name as the MTA saw it */
	MSG_ENV_HELO,		/* HELO/EHLO argument */
	MSG_ENV_AUTH_USER,	/* SASL login ({auth_authen}), if any */
	MSG_ENV_DAEMON_NAME,	/* {daemon_name} */
	MSG_ENV_MAIL_FROM,	/* MAIL FROM address without <>; "" = null sender */
	MSG_ENV_QUEUE_ID,	/* MTA queue id ({i}) */
	MSG_ENV_COUNT
};

struct msg_header {
	char *name;		/* field name as received; "" for a malformed line */
	char *value;		/* raw value, folds kept; for a malformed line the whole line */
	char *unfolded;		/* value with CR/LF of folds removed, leading blanks trimmed */
	size_t wire_len;	/* bytes on the wire: name, colon, value, line ends */
	unsigned line;		/* 1-based line where it starts (msg_parse), else the index+1 */
	bool malformed;		/* no colon, or a name with bytes RFC 5322 forbids */
};

struct msg_body_stats {
	uint64_t bytes;		/* body bytes as received */
	uint64_t lines;		/* lines seen (a last unterminated line counts) */
	uint64_t long_lines;	/* lines over MSG_LINE_MAX octets */
	uint64_t first_long_line;	/* 1-based line number, 0 = none */
	uint64_t longest_line;	/* octets, line end excluded */
	uint64_t bare_cr;	/* CR not followed by LF */
	uint64_t bare_lf;	/* LF not preceded by CR */
	uint64_t first_bare_line;	/* first line holding a bare CR or LF */
	uint64_t eightbit;	/* bytes >= 0x80 */
	uint64_t first_8bit_line;
	uint64_t nul;		/* NUL bytes */
};

struct msg {
	char *env[MSG_ENV_COUNT];	/* NULL when the MTA did not say */
	char **rcpts;		/* RCPT TO addresses without <> */
	size_t nrcpts;

	struct msg_header *hdrs;	/* in the order received */
	size_t nhdrs;
	size_t hdrs_cap;
	uint64_t header_bytes;	/* wire bytes of all header lines, kept or not */
	uint64_t headers_dropped;	/* headers past max_header_bytes, not kept */
	uint64_t max_header_bytes;	/* hostile-input limit on what is kept */
	bool lf_input;		/* msg_parse: input used bare LF line ends throughout */

	struct msg_body_stats body;
	/* Body bytes kept for DKIM and the content checks, with CRLF line
	 * ends (an all-LF file is converted, as on the wire): in memory up to
	 * body_spool.memory_max (SpoolMemory), then in a private temporary
	 * file.  The caller sets body_keep (the limit, 0 = keep nothing;
	 * msg_reset keeps both); body_truncated says some bytes were not kept
	 * (over the limit, or spool_error: out of memory, a full disk).  Read them with
	 * msg_body_view after msg_body_end.  When any body byte is kept, the
	 * spool starts with the headers as kept and a blank line (head_len
	 * bytes), so the MIME parser reads the message where it lies, in
	 * memory or in the file, without another copy. */
	struct spool body_spool;
	uint64_t body_keep;
	size_t head_len;
	bool body_truncated;
	const char *spool_error;	/* static: why the spool stopped, or NULL */
	/* streaming state of the body scanner */
	uint64_t cur_line_len;
	bool prev_cr;
	bool line_flagged_bare;
	bool line_flagged_8bit;
	bool in_body;
};

/* msg_new - empty message; max_header_bytes caps the header bytes kept
 * (0 = the default of 1 MiB).  Returns NULL when out of memory. */
struct msg *msg_new(uint64_t max_header_bytes);
/* msg_free - release everything and set *mp to NULL; NULL-safe */
void msg_free(struct msg **mp);
/* msg_reset - forget the message but keep the connection-level envelope
 * fields (client, HELO, daemon name), for the next message on a connection */
void msg_reset(struct msg *m);

/* msg_set_env - set (copy) an envelope field; NULL clears it */
int msg_set_env(struct msg *m, enum msg_env_field f, const char *value, const char **error_r);
/* msg_env - a field's value or NULL */
const char *msg_env(const struct msg *m, enum msg_env_field f);
/* msg_add_rcpt - append one recipient (copied; <> stripped) */
int msg_add_rcpt(struct msg *m, const char *rcpt, const char **error_r);

/* msg_add_header - append a header as the milter gets it: name without the
 * colon, value as sent (folds may be "\r\n", "\n" or missing).  A header
 * past max_header_bytes is counted in header_bytes but not kept. */
int msg_add_header(struct msg *m, const char *name, const char *value, const char **error_r);
/* msg_body - feed the next body chunk; updates m->body and body_spool */
void msg_body(struct msg *m, const void *data, size_t len);
/* msg_body_end - account for a last line without a line end, and make the
 * kept body readable (msg_body_view) */
void msg_body_end(struct msg *m);
/* msg_body_view - the kept body bytes as one buffer (valid until the msg
 * changes); *p_r is NULL when none are kept */
void msg_body_view(const struct msg *m, const char **p_r, size_t *len_r);
/* msg_body_each - call fn over the kept body in order, in chunks, reading
 * a spooled file with pread so that no page of it stays mapped (a 25 MB
 * body costs 64 KB of memory).  Returns 0, fn's first non-zero result, or
 * -1 with *error_r set when the file cannot be read. */
int msg_body_each(const struct msg *m, int (*fn)(void *arg, const char *p, size_t n),
    void *arg, const char **error_r);
/* msg_head_write - the header block as kept (each "Name: value" and
 * CRLF, then a blank line), the form both the spool and the MIME parser
 * start with, handed to put in pieces; 0, or put's first non-zero result */
int msg_head_write(const struct msg *m, int (*put)(void *arg, const void *p, size_t n),
    void *arg);
/* msg_body_kept - the number of body bytes kept */
uint64_t msg_body_kept(const struct msg *m);
/* msg_whole - the header block and kept body as one message: in
 * memory (*p_r, *len_r; *fd_r = -1), or in the spool file (*fd_r, the
 * whole file, *len_r bytes; *p_r NULL).  Returns false when no body byte
 * was kept: the caller then builds the message from the headers. */
bool msg_whole(const struct msg *m, const char **p_r, int *fd_r, uint64_t *len_r);

/* msg_parse - fill headers and body statistics from a whole RFC 5322
 * message.  A file that uses bare LF throughout (the usual on-disk form) is
 * read as if every LF were CRLF, as sendmail(1) submission does; a file
 * that mixes both keeps its bare LFs for the checks to see.  A header line
 * without a colon is kept as a malformed header.  A leading mbox "From "
 * separator line is skipped (line numbers still count it). */
int msg_parse(struct msg *m, const void *data, size_t len, const char **error_r);

/* msg_header_count - number of kept headers named name (case-insensitive) */
size_t msg_header_count(const struct msg *m, const char *name);
/* msg_header_get - the nth (0-based) kept header named name, or NULL */
const struct msg_header *msg_header_get(const struct msg *m, const char *name, size_t nth);
/* msg_wire_size - estimated size on the wire: headers + blank line + body */
uint64_t msg_wire_size(const struct msg *m);
/* msg_rcpt_domain - the domain part of rcpt (after the last '@'), or "" */
const char *msg_rcpt_domain(const char *rcpt);

#endif

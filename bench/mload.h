/*
 * mload.h - shared declarations of milterload, the MTA side of the milter
 * protocol (v6) used as a load generator.
 *
 * Five modules:
 *   milterload.c   options, worker threads
 *   mload_corpus.c the corpus files, read and parsed (mload_corpus_*)
 *   mload_proto.c  one milter connection: negotiation, one message per
 *                  call, replies with a per-reply timeout (mload_conn_*)
 *   mload_wire.c   its framing: output buffer, writes, reading whole
 *                  reply frames with a deadline (mload_wire_*)
 *   mload_stats.c  per-thread counters and latencies, merged and printed
 *                  at the end (mload_stats_*); what each reply counts as
 *                  (mload_modif_of, mload_verdict_of); -v lines (mload_show)
 *
 * Ownership: a struct mload_msg is built once before timing starts and is
 * read-only while the workers run; a struct mload_conn and a struct
 * mload_stats belong to exactly one worker thread, so nothing on the hot
 * path takes a lock.  Only the message counter and the queue id counter
 * are shared (atomics in milterload.c).
 */
#ifndef MLOAD_H
#define MLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#define MLOAD_VERSION "0.1"

/* exit statuses (sysexits.h values without pulling in the header) */
#define MLOAD_EX_OK 0
#define MLOAD_EX_ERRORS 1
#define MLOAD_EX_USAGE 64
#define MLOAD_EX_NOINPUT 66

/* buffered commands are written once they pass this many bytes */
#define MLOAD_OUT_FLUSH 65536u

/* One header of a corpus message; offsets into mload_msg.hdrs, which holds
 * "name\0value\0" for every header (the SMFIC_HEADER wire format). */
struct mload_hdr {
	uint32_t name_off, name_len;
	uint32_t value_off, value_len;	/* value keeps its leading space */
};

/* One corpus message, parsed before timing starts (read-only afterwards). */
struct mload_msg {
	char *name;		/* file name without the directory */
	size_t size;		/* raw file size: SIZE=, MB/s */
	char *hdrs;		/* "name\0value\0"...; folds joined with LF */
	struct mload_hdr *hdr;
	size_t nhdr;
	char *body;		/* body with CRLF line ends */
	size_t bodylen;
	char *from, *rcpt;	/* envelope addresses, without <> */
};

/* Command-line options; immutable once the workers start. */
struct mload_opts {
	const char *target;	/* the -s argument as given */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int inet;		/* 1: TCP socket (for -Q, -N) */
	unsigned conc;		/* -c */
	uint64_t total;		/* -n, 0 when -t is used */
	double secs;		/* -t, 0 when -n is used */
	unsigned per_conn;	/* -m */
	double timeout;		/* -T seconds */
	const char *from, *rcpt, *user;	/* -F -R -U */
	int abort_each;		/* -A */
	int quickack;		/* -Q */
	int nodelay;		/* -N */
	int verbose;		/* -v */
	int quiet;		/* -q */
	int any_target;		/* -X */
};

enum mload_verdict {
	MLOAD_V_ACCEPT, MLOAD_V_CONTINUE, MLOAD_V_REJECT, MLOAD_V_TEMPFAIL,
	MLOAD_V_DISCARD, MLOAD_V_N
};

enum mload_stage {
	MLOAD_S_CONNECT, MLOAD_S_HELO, MLOAD_S_MAIL, MLOAD_S_RCPT,
	MLOAD_S_DATA, MLOAD_S_HEADER, MLOAD_S_EOH, MLOAD_S_BODY, MLOAD_S_EOM,
	MLOAD_S_N
};

enum mload_action {
	MLOAD_A_ADDHEADER, MLOAD_A_INSHEADER, MLOAD_A_CHGHEADER,
	MLOAD_A_QUARANTINE, MLOAD_A_REPLBODY, MLOAD_A_ADDRCPT,
	MLOAD_A_ADDRCPT_PAR, MLOAD_A_DELRCPT, MLOAD_A_CHGFROM, MLOAD_A_PROGRESS,
	MLOAD_A_SETSYMLIST, MLOAD_A_REPLYCODE, MLOAD_A_SKIP, MLOAD_A_N
};

enum mload_error {
	MLOAD_E_CONNECT, MLOAD_E_IO, MLOAD_E_PROTOCOL, MLOAD_E_TIMEOUT,
	MLOAD_E_N
};

/* Counters of one worker (or, after merging, of the whole run). */
struct mload_stats {
	uint64_t verdict[MLOAD_V_N][MLOAD_S_N];
	uint64_t action[MLOAD_A_N];
	uint64_t error[MLOAD_E_N];
	uint64_t msgs;		/* messages that got a verdict */
	uint64_t bytes;		/* their raw sizes */
	uint32_t *lat_us;	/* latency of each of them, microseconds */
	size_t nlat, caplat;
};

/* One milter connection of one worker. fd < 0: not connected. */
struct mload_conn {
	int fd;
	const struct mload_opts *opt;
	struct mload_stats *st;
	uint32_t actions, pflags;	/* what the milter negotiated */
	unsigned nmsgs;			/* messages sent on this connection */
	unsigned char *in;		/* read buffer: in[inoff..inlen) unread */
	size_t inoff, inlen, incap;
	unsigned char *out;		/* commands not written yet */
	size_t outlen, outcap, cmdstart;
	int oom;			/* an append failed: drop the connection */
	/* the message being sent, for -v */
	const struct mload_msg *msg;
	char qid[24];
	enum mload_stage stage;		/* the stage being sent */
	enum mload_verdict verdict;	/* set by a final reply */
	int endsess;			/* the reply ends the session */
	enum mload_error err;		/* why the last I/O call failed */
};

/* mload_conn_init - an unconnected connection bound to options and stats */
void mload_conn_init(struct mload_conn *c, const struct mload_opts *opt,
		     struct mload_stats *st);

/* mload_conn_message - send one message, connecting first when needed.
 * Returns 0 when the message got a verdict (counted, latency recorded),
 * -1 when it failed (error or timeout counted, connection dropped).
 * A connect/HELO verdict closes the session; the caller need not care. */
int mload_conn_message(struct mload_conn *c, const struct mload_msg *m,
		       uint64_t qid);

/* mload_conn_close - send SMFIC_QUIT (when connected) and close */
void mload_conn_close(struct mload_conn *c);

/* mload_conn_free - close without QUIT and release the buffers */
void mload_conn_free(struct mload_conn *c);

/* mload_wire_put - append n bytes to the command being built */
void mload_wire_put(struct mload_conn *c, const void *p, size_t n);

/* mload_wire_put_str - a NUL-terminated string, NUL included */
void mload_wire_put_str(struct mload_conn *c, const char *s);

/* mload_wire_put_u32 - append a 32-bit number in network order */
void mload_wire_put_u32(struct mload_conn *c, uint32_t v);

/* mload_wire_get_u32 - the 32-bit network-order number at p */
uint32_t mload_wire_get_u32(const unsigned char *p);

/* mload_wire_begin - start a command: length placeholder and command byte */
void mload_wire_begin(struct mload_conn *c, char cmd);

/* mload_wire_end - patch the length of the command begun last */
void mload_wire_end(struct mload_conn *c);

/* mload_wire_macros - SMFIC_MACRO for stage code `st`: n name/value pairs */
void mload_wire_macros(struct mload_conn *c, char st, const char *const *kv,
		       size_t n);

/* mload_wire_drop - close the socket without QUIT, discard buffered I/O */
void mload_wire_drop(struct mload_conn *c);

/* mload_wire_flush - write the whole output buffer; -1 with c->err set */
int mload_wire_flush(struct mload_conn *c);

/* mload_wire_read - the next reply frame (waiting until deadline_us);
 * *data stays valid until the next call; -1 with c->err set */
int mload_wire_read(struct mload_conn *c, uint64_t deadline_us, int *cmd,
		    const unsigned char **data, uint32_t *len);

/* mload_corpus_load - every *.eml of dir (sorted) or the one file; -1 after
 * printing why (nothing to free then) */
int mload_corpus_load(const char *dir, const char *file,
		      struct mload_msg **msgs_r, size_t *nmsgs_r);

/* mload_corpus_free - release the messages and the array */
void mload_corpus_free(struct mload_msg *msgs, size_t nmsgs);

/* mload_now_us - monotonic clock in microseconds */
uint64_t mload_now_us(void);

/* mload_stats_latency - record one completed message; -1 on ENOMEM */
int mload_stats_latency(struct mload_stats *st, uint64_t us, size_t bytes);

/* mload_stats_merge - add src's counters and latencies to dst */
int mload_stats_merge(struct mload_stats *dst, const struct mload_stats *src);

/* mload_stats_free - release the latency array */
void mload_stats_free(struct mload_stats *st);

/* mload_stats_failures - errors plus timeouts (for the exit status) */
uint64_t mload_stats_failures(const struct mload_stats *st);

/* mload_stats_report - the report (or only the RESULT line when quiet) */
void mload_stats_report(struct mload_stats *st, double secs, int quiet,
			FILE *fp);

/* A modification reply: its counter, the SMFIF_* flag the milter must
 * have negotiated for it, and the layout of its data (for -v). */
struct mload_modif {
	int cmd;		/* SMFIR_* */
	enum mload_action action;
	uint32_t flag;
	int hdr;		/* data is "name\0value\0" */
	int index;		/* data starts with a 32-bit header index */
};

/* mload_modif_of - the modification reply `cmd` is, or NULL */
const struct mload_modif *mload_modif_of(int cmd);

/* mload_verdict_of - the verdict a final reply means (SMFIR_REPLYCODE by
 * its first digit), or -1 if cmd is not a final reply */
int mload_verdict_of(int cmd, const void *data, size_t len);

/* mload_show - -v: "milterload: QID FILE WHAT DATA" on stderr, one write;
 * NULs in DATA become spaces (the first ": " when hdr), controls escaped */
void mload_show(const char *qid, const char *file, const char *what,
		const void *data, size_t len, int hdr);

/* mload_show_modif - -v: one modification reply */
void mload_show_modif(const char *qid, const char *file,
		      const struct mload_modif *m, const void *data,
		      size_t len);

/* names for output */
const char *mload_stage_name(enum mload_stage s);
const char *mload_verdict_name(enum mload_verdict v);
const char *mload_action_name(enum mload_action a);

#endif

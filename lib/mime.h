/*
 * mime - the MIME tree of a message, parsed once with GMime 3 and walked
 * under named limits; what the content checks read.
 *
 * mime_parse reads the message where the struct msg keeps it (headers as
 * received, then the kept body bytes: in memory, without a copy, or in
 * the spool file) and walks every part in document
 * order, recording for each its type, encoding, charset, disposition and
 * file name (RFC 2231 and RFC 2047 decoded to UTF-8).  It stops adding
 * parts past MaxMimeParts or deeper than MaxMimeDepth and says so in the
 * tree (limit_parts, limit_depth); decoded bytes handed out by
 * mime_content count against MaxDecodedBytes for the whole tree
 * (limit_decoded).  Hitting a limit is a finding for check_mime, never an
 * error.  Structural damage GMime tolerates (a missing closing boundary,
 * a boundary never used, a part with no headers) is recorded in problems.
 *
 * A tree belongs to one scan: check_mime_tree(ctx) parses it on first use
 * and check_scan_env frees it.  It borrows the message's bytes, so it must
 * be freed before that message is reset or freed.  mime_parse returns 0, or -1 with a static
 * *error_r only when out of memory; any input, however broken, parses.
 */
#ifndef PF_MIME_H
#define PF_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "msg.h"

struct mime_limits {
	unsigned max_parts;		/* MaxMimeParts */
	unsigned max_depth;		/* MaxMimeDepth */
	uint64_t max_decoded;		/* MaxDecodedBytes, over all parts */
};

/* Structural problems, bits of mime_tree.problems */
enum {
	MIME_P_NO_END_BOUNDARY = 1 << 0,	/* a multipart never closed */
	MIME_P_NO_BOUNDARY = 1 << 1,		/* multipart without boundary= */
	MIME_P_BOUNDARY_UNUSED = 1 << 2,	/* boundary declared, never found */
	MIME_P_EMPTY_MULTIPART = 1 << 3,	/* a multipart with no parts */
	MIME_P_BAD_CTE = 1 << 4,		/* unknown Content-Transfer-Encoding */
	MIME_P_BAD_BASE64 = 1 << 5,		/* base64 content that does not decode */
};

struct mime_part {
	unsigned index;		/* document order, 0 = the message itself */
	unsigned depth;		/* 0 for the message, 1 for its parts, ... */
	int parent;		/* index of the enclosing part, -1 for the top */
	char *type;		/* "text/plain", lowercase; "text/plain" if none */
	char *charset;		/* lowercase, NULL when not given */
	char *encoding;		/* transfer encoding, lowercase, NULL when not given */
	char *disposition;	/* "attachment", "inline", or NULL */
	char *filename;		/* decoded file name, UTF-8, or NULL */
	bool multipart;		/* a container: its children follow it */
	bool message;		/* message/rfc822 (its body is a child) */
	bool attachment;	/* disposition attachment, or a named non-text leaf */
	uint64_t encoded_size;	/* bytes of the part's body as sent (leaves) */
	char *boundary;		/* a multipart's boundary=, or NULL */
	unsigned problems;	/* the MIME_P_* bits found at this part */
};

struct mime_tree {
	struct mime_part *parts;
	size_t nparts;
	unsigned problems;	/* MIME_P_* bits */
	bool limit_parts;	/* more parts than MaxMimeParts: not all listed */
	bool limit_depth;	/* nested deeper than MaxMimeDepth */
	bool limit_decoded;	/* mime_content refused past MaxDecodedBytes */
	uint64_t decoded;	/* bytes handed out so far */
	struct mime_limits limits;
	void *priv;		/* GMime objects, owned */
};

/* mime_parse - parse m into a new tree */
int mime_parse(const struct msg *m, const struct mime_limits *lim,
    struct mime_tree **tree_r, const char **error_r);
/* mime_content - append the decoded content of leaf part i (transfer
 * encoding undone, no charset conversion) to out, at most max bytes (0 =
 * no cap but MaxDecodedBytes); *truncated_r (may be NULL) says whether
 * bytes were left out.  Returns 0, or -1 (*error_r) when out of memory. */
int mime_content(struct mime_tree *t, size_t i, uint64_t max, struct buf *out,
    bool *truncated_r, const char **error_r);
/* mime_content_each - the same bytes handed to fn in chunks, kept nowhere;
 * fn returns 0, or -1 with *error_r set, which stops the reading and is
 * returned */
int mime_content_each(struct mime_tree *t, size_t i, uint64_t max,
    int (*fn)(void *arg, const char *p, size_t n, const char **error_r), void *arg,
    bool *truncated_r, const char **error_r);
/* mime_text - the same for a text part, converted to UTF-8 from its
 * charset (invalid bytes replaced); *charset_ok_r (may be NULL) is false
 * when the bytes do not match the declared charset */
int mime_text(struct mime_tree *t, size_t i, uint64_t max, struct buf *out,
    bool *charset_ok_r, const char **error_r);
/* mime_free - release the tree; NULL-safe, sets NULL */
void mime_free(struct mime_tree **tp);

#endif

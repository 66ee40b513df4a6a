/*
 * hdr - helpers for single header fields: name syntax, unfolding, RFC 2047
 * encoded-word checking, RFC 5322 date parsing, 8-bit detection, and the
 * sanitisers for the header values and reply lines Preflight itself writes.
 *
 * Every function reads a NUL-terminated value (hdr_reply_line: a counted
 * one, NULs included) and is linear in its length;
 * none keeps state, so all are thread-safe.  Functions that append to a
 * struct buf return 0, or -1 with *error_r = "out of memory" (the buf is
 * then left holding what was appended so far).  Hostile input is never an
 * error: it is reported through the return value.
 */
#ifndef PF_HDR_H
#define PF_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"

/* RFC 5322 §2.1.1 and RFC 2047 §2 line limits */
#define HDR_LINE_SOFT 78
#define HDR_LINE_HARD 998
#define HDR_EW_MAX 75

/* hdr_name_valid - true when name is a field name RFC 5322 allows: one or
 * more printable US-ASCII bytes (33..126) other than ':' */
bool hdr_name_valid(const char *name);

/* hdr_unfold - append value to out with every CR and LF removed (a fold
 * is CRLF or LF before a blank; a stray CR goes too) and leading blanks
 * trimmed, the form struct msg_header.unfolded documents */
int hdr_unfold(const char *value, struct buf *out, const char **error_r);

/* hdr_encoded_words_check - count the malformed RFC 2047 encoded-words in
 * value.  An encoded-word is tried wherever "=?" starts a word (at the
 * start, after a blank, '(' or '"', or right after another "?=") and is
 * followed by a charset and '?'.  It is malformed when the encoding letter
 * is not B or Q, the text is not valid base64 / Q, the "?=" terminator is
 * missing, or it is longer than 75 characters.  For the first malformed
 * one, *reason_r gets a static reason and *offset_r its byte offset (both
 * optional, untouched when the count is 0). */
size_t hdr_encoded_words_check(const char *value, const char **reason_r, size_t *offset_r);

/* hdr_date_parse - an RFC 5322 date-time (obsolete forms included: no day
 * of week, 2- or 3-digit years, optional seconds, UT/GMT/EST/.../military
 * zones, comments and folding anywhere) as UTC seconds since the epoch, or
 * -1 when unparseable or out of range (years 1900..9999).  Independent of
 * locale and TZ.  The day of week, when present, must be a valid name but
 * is not checked against the date. */
time_t hdr_date_parse(const char *value);

/* hdr_sanitize - append a header value that Preflight writes: controls
 * (CR, LF, NUL, ...) become blanks, bytes >= 0x80 become '?', runs of
 * blanks collapse to one and the ends are trimmed; it is then folded with
 * "\n\t" at blanks so that no line exceeds 78 octets where a blank allows,
 * and a word too long for a 998-octet line is split hard.  used is the
 * number of octets already on the first line (strlen(name) + 2). */
int hdr_sanitize(const char *value, size_t used, struct buf *out, const char **error_r);

/* hdr_reply_line - append one line of an SMTP reply text or a quarantine
 * reason that Preflight sets, from text[0..len) (NULs included): every byte
 * outside printable ASCII (0x20..0x7e) and every '%' becomes '?', so no CR,
 * LF or NUL ends or splits the reply and libmilter, which reads the text as
 * a format, drops nothing.  Longer than max octets, it is cut to max - 3
 * and ends with "...".  Exactly min(len, max) octets are appended (a max
 * below 4 counts as 4). */
int hdr_reply_line(const char *text, size_t len, size_t max, struct buf *out,
    const char **error_r);

/* hdr_has_8bit - true when s holds a byte >= 0x80 */
bool hdr_has_8bit(const char *s);

#endif

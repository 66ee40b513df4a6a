/*
 * bodyhash - the DKIM body hash (RFC 6376 §3.4.3, §3.4.4, §3.7): the body
 * canonicalized (simple or relaxed), cut at l= if given, hashed with
 * SHA-256 or SHA-1, base64-encoded as in the bh= tag.
 *
 * dkimv.c computes it here, in one pass over the spooled body in large
 * blocks, instead of handing the body to libopendkim, whose canonicalizer
 * takes each byte through a function call (a fifth of the milter's CPU on
 * a 300 KB message).  libopendkim still verifies the header signature.
 *
 * Input is a CRLF body.  A bare CR or LF is canonicalized as a content
 * byte; dkimv.c leaves bodies holding them to libopendkim, whose handling
 * of them is the reference.  Functions never fail on input; bodyhash_new
 * returns NULL when out of memory or for an unknown algorithm.  Not
 * thread-safe per object.
 */
#ifndef PF_BODYHASH_H
#define PF_BODYHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The bh= text of a SHA-256 digest is 44 characters. */
#define BODYHASH_B64_MAX 64

struct bodyhash;

/* bodyhash_new - relaxed or simple canonicalization, sha256 (or sha1 when
 * sha1 is set), hashing at most limit canonical bytes (UINT64_MAX = no
 * l= tag); the caller frees it with bodyhash_free */
struct bodyhash *bodyhash_new(bool relaxed, bool sha1, uint64_t limit);
/* bodyhash_update - the next n body bytes */
void bodyhash_update(struct bodyhash *h, const char *p, size_t n);
/* bodyhash_final - end of body: the base64 digest into out (NUL-ended);
 * -1 if out is too small or the digest failed */
int bodyhash_final(struct bodyhash *h, char *out, size_t outsz);
/* bodyhash_free - NULL-safe; sets *hp to NULL */
void bodyhash_free(struct bodyhash **hp);

#endif

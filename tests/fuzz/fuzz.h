/*
 * fuzz - what the libFuzzer targets of tests/fuzz share: a private
 * scratch folder for parsers that only read files, a NUL-terminated copy
 * of the input, a hard failure for broken properties, and the fake
 * libunbound (fakeub.c) that answers DNS questions from the input so that
 * SPF and DKIM run without any network.
 *
 * Nothing here keeps state between inputs except the fake resolver's
 * answer hook, which the target sets afresh for every input.
 */
#ifndef PF_FUZZ_H
#define PF_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Set by tests/fuzz/Makefile.am: the source tree (profiles, rules.conf) */
#ifndef FUZZ_SRCDIR
#define FUZZ_SRCDIR "."
#endif

struct config;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_setup - once per process: the shipped profiles of the source tree
 * (unless PREFLIGHT_PROFILE_DIR is set) and a fresh scratch folder under
 * $TMPDIR; returns the folder, or exits when it cannot be made */
const char *fuzz_setup(void);
/* fuzz_defaults - fuzz_setup, then the default configuration (never NULL;
 * out of memory fails the run) */
struct config *fuzz_defaults(void);
/* fuzz_path - "DIR/name" under the scratch folder (malloc'd; exits on ENOMEM) */
char *fuzz_path(const char *dir, const char *name);
/* fuzz_write - replace the file path with size bytes of data; exits on error */
void fuzz_write(const char *path, const void *data, size_t size);
/* fuzz_cstr - data as a malloc'd C string, cut at the first NUL */
char *fuzz_cstr(const uint8_t *data, size_t size);
/* fuzz_fail - a broken property: print why and abort, so libFuzzer keeps
 * the input as a crash */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* fuzz_hash - FNV-1a of a C string, to pick answers deterministically */
uint32_t fuzz_hash(const char *s);

/* --- fakeub.c: libunbound replaced at link time ---------------------- */

#define FAKEUB_RR_MAX 8

/* One answer: rcode 0 with n records (n = 0: NODATA), 3 (NXDOMAIN) or 2
 * (SERVFAIL); fail = the query itself errors (a timeout, to dns.c). */
struct fakeub_reply {
	int rcode;
	bool fail;
	size_t n;
	const void *rdata[FAKEUB_RR_MAX];
	size_t len[FAKEUB_RR_MAX];
};

/* Decides the reply to name/type; r comes zeroed (NOERROR, no data). */
typedef void (*fakeub_fn)(void *arg, const char *name, int type, struct fakeub_reply *r);

/* fakeub_answer - route every query from now on to fn(arg, ...) */
void fakeub_answer(fakeub_fn fn, void *arg);
/* fakeub_queries - how many questions were asked since fakeub_answer */
unsigned fakeub_queries(void);
/* fakeub_txt - encode text as TXT rdata (character-strings of at most 255
 * bytes) into out (outsz >= len + len / 255 + 1); returns the length */
size_t fakeub_txt(const char *text, size_t len, unsigned char *out, size_t outsz);
/* fakeub_name - encode a dotted name as an uncompressed wire name; 0 when
 * it cannot be (a label over 63 octets, an empty label, too long) */
size_t fakeub_name(const char *name, unsigned char *out, size_t outsz);

#endif

/*
 * profile_impl - what the two files of the profile module share; not a
 * contract for any other module (they use profile.h).
 *
 *   profile.c       the set: loading directories, lookups, reply matching
 *   profile_file.c  reading one .profile file (the format of
 *                   preflight-profiles(5))
 *
 * A profile_data owns every string its public struct profile points to, so
 * freeing it is one walk; the public arrays are always NULL-terminated.
 */
#ifndef PF_PROFILE_IMPL_H
#define PF_PROFILE_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stddef.h>

#include "profile.h"

/* A growable, NULL-terminated string vector; v is NULL while empty. */
struct profile_strv {
	char **v;
	size_t n;
	size_t cap;
};

/* What one reply keeps beside its public form. */
struct profile_reply_x {
	struct profile_strv findings;
	pcre2_code *code;	/* Match, or the Text taken literally */
	unsigned line;		/* of its Reply line */
};

struct profile_data {
	struct profile pub;	/* what callers see; points into the rest */
	char *file;
	char *name;
	char *description;
	struct profile_strv domains;
	struct profile_strv mx;
	struct profile_strv types;
	struct profile_reply *replies;
	struct profile_reply_x *rx;	/* nreplies of them, same order */
	size_t nreplies;
	size_t cap;
};

/* profile_file_read - parse one file into a new profile_data with its
 * public struct filled in; -1 with a malloc'd "file:line: Key: reason" */
int profile_file_read(const char *path, struct profile_data **pd_r, char **error_r);
/* profile_data_free - release one profile; NULL-safe */
void profile_data_free(struct profile_data *pd);
/* profile_strv_add - append a copy of s; -1 when out of memory */
int profile_strv_add(struct profile_strv *sv, const char *s, size_t len);
/* profile_strv_free - release the strings and the vector */
void profile_strv_free(struct profile_strv *sv);
/* profile_strv_list - the vector as a public list (never NULL) */
const char *const *profile_strv_list(const struct profile_strv *sv);

#endif

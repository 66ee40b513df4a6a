/*
 * fuzz_util - the helpers of fuzz.h that every target links.
 */
#define _GNU_SOURCE		/* nftw */
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: property broken: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* The scratch folder: made once, emptied and removed at exit. */
static char *scratch;

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)remove(path);
	return 0;
}

static void remove_scratch(void)
{
	(void)nftw(scratch, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	free(scratch);
	scratch = NULL;
}

/* fuzz_setup - profiles and the scratch folder (see fuzz.h) */
const char *fuzz_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	if (scratch != NULL)
		return scratch;
	setenv("PREFLIGHT_PROFILE_DIR", FUZZ_SRCDIR "/share/profiles", 0);
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	scratch = fuzz_path(tmp, "preflight-fuzz.XXXXXX");
	if (mkdtemp(scratch) == NULL) {
		perror(scratch);
		exit(1);
	}
	atexit(remove_scratch);
	return scratch;
}

struct config *fuzz_defaults(void)
{
	struct config *cfg;

	fuzz_setup();
	if ((cfg = config_defaults()) == NULL)
		fuzz_fail("out of memory");
	return cfg;
}

char *fuzz_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p == NULL)
		fuzz_fail("out of memory");
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

void fuzz_write(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

char *fuzz_cstr(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t n = nul != NULL ? (size_t)(nul - data) : size;
	char *s = malloc(n + 1);

	if (s == NULL)
		fuzz_fail("out of memory");
	memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

uint32_t fuzz_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

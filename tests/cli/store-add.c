/*
 * store-add - test helper (not a test): add one row to a held log and
 * print its id.  There is no writer CLI and the tests must not write SQL,
 * so cli/test-held.sh builds its log through store_add, as the milter does.
 *
 *   store-add DB key=value...
 *
 * keys: time queue_id client auth_user mail_from rcpts from subject
 * message_id size score verdict findings status.  verdict defaults to
 * hold, status to held, findings to [], time to now.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

/* set_field - one key=value into rec; -1 for an unknown key */
static int set_field(struct store_record *rec, const char *kv)
{
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
#define F(k, m) { k, offsetof(struct store_record, m) }
		F("queue_id", queue_id), F("client", client), F("auth_user", auth_user),
		F("mail_from", mail_from), F("rcpts", rcpts), F("from", from),
		F("subject", subject), F("message_id", message_id), F("verdict", verdict),
		F("findings", findings), F("status", status),
#undef F
	};
	const char *eq = strchr(kv, '=');
	size_t klen, i;

	if (eq == NULL)
		return -1;
	klen = (size_t)(eq - kv);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (strlen(strs[i].key) == klen && strncmp(kv, strs[i].key, klen) == 0) {
			*(const char **)((char *)rec + strs[i].off) = eq + 1;
			return 0;
		}
	if (klen == 4 && strncmp(kv, "time", 4) == 0)
		rec->time = (time_t)strtoll(eq + 1, NULL, 10);
	else if (klen == 4 && strncmp(kv, "size", 4) == 0)
		rec->size = strtoull(eq + 1, NULL, 10);
	else if (klen == 5 && strncmp(kv, "score", 5) == 0)
		rec->score = strtod(eq + 1, NULL);
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct store_record rec;
	struct store *st = NULL;
	const char *error = NULL;
	int64_t id;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: store-add DB key=value...\n");
		return 64;
	}
	memset(&rec, 0, sizeof(rec));
	rec.time = time(NULL);
	rec.verdict = (char *)"hold";
	rec.status = (char *)"held";
	rec.findings = (char *)"[]";
	for (i = 2; i < argc; i++)
		if (set_field(&rec, argv[i]) < 0) {
			fprintf(stderr, "store-add: bad field \"%s\"\n", argv[i]);
			return 64;
		}
	if (store_open(argv[1], STORE_READ_WRITE, &st, &error) < 0 ||
	    store_add(st, &rec, &id, &error) < 0) {
		fprintf(stderr, "store-add: %s\n", error);
		store_close(&st);
		return 1;
	}
	store_close(&st);
	printf("%lld\n", (long long)id);
	return 0;
}

/*
 * fuzz_mime - a whole message -> msg_parse -> mime_parse (GMime under the
 * default MaxMimeParts / MaxMimeDepth / MaxDecodedBytes), then the decoded
 * content and UTF-8 text of every leaf, as the content checks read them.
 *
 * Properties: the tree is in document order (each part's parent comes
 * before it, one level up), no part is deeper than MaxMimeDepth, the
 * parts listed stay within MaxMimeParts, and no more decoded bytes are
 * handed out than MaxDecodedBytes or the cap asked for.
 */
#include <string.h>

#include "buf.h"
#include "config.h"
#include "fuzz.h"
#include "mime.h"
#include "msg.h"

/* Bytes read of each part, as the text checks cap them */
#define PART_MAX (256 * 1024)

static struct config *cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	cfg = fuzz_defaults();
	return 0;
}

static void tree_shape(const struct mime_tree *t)
{
	size_t i;

	if (t->nparts > cfg->max_mime_parts)
		fuzz_fail("mime_parse: %zu parts, MaxMimeParts %u", t->nparts,
		    cfg->max_mime_parts);
	for (i = 0; i < t->nparts; i++) {
		const struct mime_part *p = &t->parts[i];

		if (p->index != i || p->type == NULL || p->depth > cfg->max_mime_depth)
			fuzz_fail("mime_parse: part %zu index %u depth %u", i, p->index, p->depth);
		if (i == 0 ? p->parent != -1 || p->depth != 0 :
		    p->parent < 0 || (size_t)p->parent >= i ||
		    t->parts[p->parent].depth + 1 != p->depth)
			fuzz_fail("mime_parse: part %zu parent %d depth %u", i, p->parent, p->depth);
	}
}

static void leaf(struct mime_tree *t, size_t i)
{
	const struct mime_part *p = &t->parts[i];
	struct buf out = BUF_INIT;
	const char *error;
	bool more, ok;

	if (p->multipart || p->message)
		return;
	if (mime_content(t, i, PART_MAX, &out, &more, &error) < 0)
		fuzz_fail("mime_content: %s", error);
	if (out.len > PART_MAX)
		fuzz_fail("mime_content: %zu bytes for a cap of %d", out.len, PART_MAX);
	buf_truncate(&out, 0);
	if (strncmp(p->type, "text/", 5) == 0 &&
	    mime_text(t, i, PART_MAX, &out, &ok, &error) < 0)
		fuzz_fail("mime_text: %s", error);
	buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_limits lim = { cfg->max_mime_parts, cfg->max_mime_depth,
	    cfg->max_decoded_bytes };
	struct mime_tree *t = NULL;
	struct msg *m = msg_new(cfg->max_header_bytes);
	const char *error;
	size_t i;

	if (m == NULL)
		fuzz_fail("out of memory");
	m->body_keep = cfg->max_body_bytes;
	/* inputs of odd length go to a spool file, so that GMime reads them
	 * through lib/mime_stream.c rather than from memory */
	m->body_spool.memory_max = size % 2 != 0 ? 64 : cfg->spool_memory;
	if (msg_parse(m, data, size, &error) < 0)
		fuzz_fail("msg_parse: %s", error);
	if (mime_parse(m, &lim, &t, &error) < 0)
		fuzz_fail("mime_parse: %s", error);
	tree_shape(t);
	for (i = 0; i < t->nparts; i++)
		leaf(t, i);
	if (t->decoded > cfg->max_decoded_bytes)
		fuzz_fail("mime: %llu bytes decoded, MaxDecodedBytes %llu",
		    (unsigned long long)t->decoded, (unsigned long long)cfg->max_decoded_bytes);
	mime_free(&t);
	msg_free(&m);
	return 0;
}

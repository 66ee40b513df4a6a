/*
 * mime - the MIME tree of a message with GMime 3 (see mime.h).
 *
 * The message is rebuilt into one GByteArray (headers as kept, CRLF, the
 * kept body) that a GMime memory stream owns; GMime indexes part contents
 * as substreams of it, so parsing copies nothing more and content is
 * decoded only when a check asks (mime_content), chunk by chunk, against
 * the tree's MaxDecodedBytes budget.
 *
 * Structure problems, and how they are seen:
 *  - NO_END_BOUNDARY: GMime clears the multipart's write_end_boundary
 *    when it reached the end of its input without "--boundary--";
 *  - BOUNDARY_UNUSED: a multipart with boundary= and no child part (GMime
 *    then keeps the whole body as the prologue) whose prologue never holds
 *    "--boundary"; EMPTY_MULTIPART when it does (only a closing line);
 *  - NO_BOUNDARY: a multipart without boundary= (GMime warns);
 *  - BAD_CTE: a Content-Transfer-Encoding GMime does not know;
 *  - BAD_BASE64: base64 content holding bytes outside the alphabet.
 * GMime's own nesting limit (1024) and its nesting-overflow warning count
 * as limit_depth.  The walk recurses at most MaxMimeDepth (capped at
 * WALK_DEPTH_CAP) levels; no loop runs longer than the parts or bytes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gmime/gmime.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "mime.h"
#include "mime_cut.h"
#include "mime_stream.h"

/* beyond GMime's own nesting limit, so only a misconfiguration reaches it */
#define WALK_DEPTH_CAP 2048
#define CHUNK 4096

static const char oom[] = "out of memory";
static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

struct mime_priv {
	GMimeStream *stream;	/* owns the rebuilt message bytes */
	GByteArray *raw;	/* the bytes, owned by stream */
	GMimeMessage *message;
	GMimeObject **objs;	/* per part, owned by message */
	bool borrowed;		/* raw wraps the message's spool: not ours */
	size_t cap;
	bool nesting_overflow;	/* parser warnings, for the walk */
	bool cut;		/* GMime saw only a prefix (mime_cut_at) */
	bool no_boundary;
};

static void gmime_init_once(void)
{
	g_mime_init();
}

/* xstrdup_lower - malloc'd lowercase copy of s, or NULL for NULL/"" */
static char *xstrdup_lower(const char *s, bool *oom_r)
{
	char *c, *p;

	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s == '\0')
		return NULL;
	if ((c = strdup(s)) == NULL) {
		*oom_r = true;
		return NULL;
	}
	for (p = c; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	while (p > c && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\r' || p[-1] == '\n'))
		*--p = '\0';
	return c;
}

static void parser_warning(gint64 offset, GMimeParserWarning code,
    const gchar *item, gpointer user_data)
{
	struct mime_priv *pv = user_data;

	if (code == GMIME_CRIT_NESTING_OVERFLOW)
		pv->nesting_overflow = true;
	else if (code == GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY)
		pv->no_boundary = true;
}

static int array_put(void *arg, const void *p, size_t n)
{
	g_byte_array_append(arg, p, (guint)n);
	return 0;
}

/* rebuild - the header block alone: the message when no body byte was
 * kept (otherwise the spool starts with the same block) */
static GByteArray *rebuild(const struct msg *m)
{
	GByteArray *ba = g_byte_array_new();

	(void)msg_head_write(m, array_put, ba);
	return ba;
}

/* message_stream - the message for the parser.  A body spooled to disk is
 * parsed from the file with pread(2) (mime_stream.c): nothing of it is
 * copied to the heap or stays mapped, so 16 messages of 25 MB cost their
 * parse buffers, not 400 MB.  A body in memory (at most SpoolMemory) is parsed where it is:
 * the array wraps the spool's bytes without a copy and neither the array
 * nor the stream owns them (mime_free drops the wrapper only), which is
 * why a tree must be freed before its message changes. */
static GMimeStream *message_stream(const struct msg *m, struct mime_priv *pv,
    size_t max_parts)
{
	const char *p;
	uint64_t len, cut;
	int fd, dfd;

	if (msg_whole(m, &p, &fd, &len)) {
		cut = mime_cut_at(m, p, fd, len, max_parts);
		pv->cut = cut < len;
		len = cut;
		if (fd >= 0 && (dfd = dup(fd)) >= 0)
			return mime_stream_new(dfd, (gint64)len);
		if (fd < 0 && len > 0 && len <= G_MAXUINT / 2) {
			GMimeStream *s;

			pv->raw = g_byte_array_new_take((guint8 *)(uintptr_t)p, (gsize)len);
			pv->borrowed = true;
			s = g_mime_stream_mem_new_with_byte_array(pv->raw);
			g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
			return s;
		}
	} else {
		pv->raw = rebuild(m);
	}
	if (pv->raw == NULL)
		pv->raw = g_byte_array_new();	/* absurd size: parse nothing */
	return g_mime_stream_mem_new_with_byte_array(pv->raw);
}

/* b64_byte_ok - one byte of the base64 alphabet or white space */
static inline bool b64_byte_ok(guint8 c)
{
	return g_ascii_isalnum(c) || c == '+' || c == '/' || c == '=' ||
	    c == '\r' || c == '\n' || c == ' ' || c == '\t';
}

#if defined(__SSE2__)
/* in_range - bytes of v within [lo, hi]; signed compares, so 8-bit bytes
 * (negative) are never in an ASCII range */
static inline __m128i in_range(__m128i v, char lo, char hi)
{
	return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
	    _mm_cmplt_epi8(v, _mm_set1_epi8((char)(hi + 1))));
}

/* b64_block_ok - all 16 bytes at p are base64 or white space */
static inline bool b64_block_ok(const guint8 *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i ok = _mm_or_si128(_mm_or_si128(in_range(v, 'A', 'Z'), in_range(v, 'a', 'z')),
	    _mm_or_si128(in_range(v, '0', '9'), in_range(v, '\t', '\n')));

	ok = _mm_or_si128(ok, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8(' '))));
	ok = _mm_or_si128(ok, _mm_or_si128(in_range(v, '+', '+'), in_range(v, '/', '/')));
	ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('=')));
	return _mm_movemask_epi8(ok) == 0xffff;
}
#endif

/* base64_bad - bytes outside the base64 alphabet and white space; every
 * encoded byte of every base64 part goes through here, 16 at a time
 * where SSE2 allows */
static bool base64_bad(const guint8 *p, size_t n)
{
	size_t i = 0;

#if defined(__SSE2__)
	for (; i + 16 <= n; i += 16)
		if (!b64_block_ok(p + i))
			return true;
#endif
	for (; i < n; i++)
		if (!b64_byte_ok(p[i]))
			return true;
	return false;
}

/* raw_check - the encoded size of a leaf and, for base64, whether its
 * encoded bytes stray from the alphabet; read in place from the message
 * in memory, or through the file stream.  False when it is neither. */
static bool raw_check(struct mime_priv *pv, GMimeObject *obj, bool b64,
    size_t *n_r, bool *bad_r)
{
	GMimeDataWrapper *w;
	GMimeStream *s;
	gint64 end;
	guint8 chunk[CHUNK];
	ssize_t n;

	*bad_r = false;
	if (!GMIME_IS_PART(obj) || (w = g_mime_part_get_content(GMIME_PART(obj))) == NULL ||
	    (s = g_mime_data_wrapper_get_stream(w)) == NULL || s->bound_start < 0)
		return false;
	if (GMIME_IS_STREAM_MEM(s) && g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s)) == pv->raw) {
		end = s->bound_end < 0 ? (gint64)pv->raw->len : s->bound_end;
		if (end > (gint64)pv->raw->len || end < s->bound_start)
			return false;
		*n_r = (size_t)(end - s->bound_start);
		*bad_r = b64 && base64_bad(pv->raw->data + s->bound_start, *n_r);
		return true;
	}
	if (!GMIME_IS_STREAM_FS(s) || s->bound_end < s->bound_start)
		return false;
	*n_r = (size_t)(s->bound_end - s->bound_start);
	if (b64) {
		g_mime_stream_reset(s);
		while (!*bad_r && (n = g_mime_stream_read(s, (char *)chunk, sizeof(chunk))) > 0)
			*bad_r = base64_bad(chunk, (size_t)n);
		g_mime_stream_reset(s);
	}
	return true;
}

/* multipart_problems - the structure bits one multipart contributes */
static unsigned multipart_problems(GMimeMultipart *mp)
{
	/* the parameter as sent: g_mime_multipart_get_boundary invents one
	 * when there is none, re-encoding the header, which loops forever on
	 * some inputs in GMime 3.2.13 (GMime #165, fuzz_mime) */
	const char *b = g_mime_object_get_content_type_parameter(GMIME_OBJECT(mp), "boundary");
	const char *pro;
	char *delim;
	unsigned p = 0;

	if (b == NULL)
		return MIME_P_NO_BOUNDARY;
	if (g_mime_multipart_get_count(mp) > 0)
		return mp->write_end_boundary ? 0 : MIME_P_NO_END_BOUNDARY;
	pro = g_mime_multipart_get_prologue(mp);
	delim = g_strconcat("--", b, NULL);
	p = mp->write_end_boundary || (pro != NULL && strstr(pro, delim) != NULL) ?
	    MIME_P_EMPTY_MULTIPART : MIME_P_BOUNDARY_UNUSED;
	g_free(delim);
	return p;
}

/* part_filename - decoded file name from the disposition, else name= */
static const char *part_filename(GMimeObject *obj)
{
	const char *f;

	if (GMIME_IS_PART(obj))
		return g_mime_part_get_filename(GMIME_PART(obj));
	f = g_mime_object_get_content_disposition_parameter(obj, "filename");
	return f != NULL ? f : g_mime_object_get_content_type_parameter(obj, "name");
}

/* fill_part - record obj's headers in p; false when out of memory */
static bool fill_part(struct mime_tree *t, struct mime_part *p, GMimeObject *obj)
{
	struct mime_priv *pv = t->priv;
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *mt = ct != NULL ? g_mime_content_type_get_mime_type(ct) : NULL;
	const char *b;
	size_t rawlen;
	bool nomem = false, bad;

	p->type = xstrdup_lower(mt != NULL ? mt : "text/plain", &nomem);
	g_free(mt);
	if (p->type == NULL && !nomem)
		p->type = strdup("text/plain");
	p->charset = xstrdup_lower(g_mime_object_get_content_type_parameter(obj, "charset"), &nomem);
	p->encoding = xstrdup_lower(g_mime_object_get_header(obj, "Content-Transfer-Encoding"), &nomem);
	p->disposition = xstrdup_lower(g_mime_object_get_disposition(obj), &nomem);
	p->filename = (char *)part_filename(obj);
	if (p->filename != NULL && (p->filename = strdup(p->filename)) == NULL)
		nomem = true;
	p->multipart = GMIME_IS_MULTIPART(obj);
	p->message = GMIME_IS_MESSAGE_PART(obj);
	p->attachment = (p->disposition != NULL && strcmp(p->disposition, "attachment") == 0) ||
	    (!p->multipart && !p->message && p->filename != NULL && p->type != NULL &&
	    strncmp(p->type, "text/", 5) != 0);
	if (p->encoding != NULL &&
	    g_mime_content_encoding_from_string(p->encoding) == GMIME_CONTENT_ENCODING_DEFAULT)
		p->problems |= MIME_P_BAD_CTE;
	if (raw_check(pv, obj, p->encoding != NULL && strcmp(p->encoding, "base64") == 0,
	    &rawlen, &bad)) {
		p->encoded_size = rawlen;
		if (bad)
			p->problems |= MIME_P_BAD_BASE64;
	}
	if (p->multipart) {
		p->problems |= multipart_problems(GMIME_MULTIPART(obj));
		b = g_mime_object_get_content_type_parameter(obj, "boundary");
		if (b != NULL && (p->boundary = strdup(b)) == NULL)
			nomem = true;
	}
	t->problems |= p->problems;
	return !nomem && p->type != NULL;
}

/* add_part - append obj as the next part; its index, or -1 on ENOMEM */
static int add_part(struct mime_tree *t, GMimeObject *obj, unsigned depth, int parent)
{
	struct mime_priv *pv = t->priv;
	struct mime_part *p;

	if (t->nparts == pv->cap) {
		size_t ncap = pv->cap ? pv->cap * 2 : 16;
		struct mime_part *np = realloc(t->parts, ncap * sizeof(*np));
		GMimeObject **no;

		if (np == NULL)
			return -1;
		t->parts = np;
		if ((no = realloc(pv->objs, ncap * sizeof(*no))) == NULL)
			return -1;
		pv->objs = no;
		pv->cap = ncap;
	}
	p = &t->parts[t->nparts];
	memset(p, 0, sizeof(*p));
	p->index = (unsigned)t->nparts;
	p->depth = depth;
	p->parent = parent;
	pv->objs[t->nparts++] = obj;
	return fill_part(t, p, obj) ? (int)p->index : -1;
}

/* walk - record obj and what it holds; -1 only when out of memory */
static int walk(struct mime_tree *t, GMimeObject *obj, unsigned depth, int parent)
{
	unsigned maxd = t->limits.max_depth ? t->limits.max_depth : WALK_DEPTH_CAP;
	int idx, i, n;

	if (t->limits.max_parts && t->nparts >= t->limits.max_parts)
		return t->limit_parts = true, 0;
	if (depth > maxd || depth > WALK_DEPTH_CAP)
		return t->limit_depth = true, 0;
	if ((idx = add_part(t, obj, depth, parent)) < 0)
		return -1;
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n && !t->limit_parts; i++)
			if (walk(t, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i),
			    depth + 1, idx) < 0)
				return -1;
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		GMimeObject *body = inner ? g_mime_message_get_mime_part(inner) : NULL;

		if (body != NULL && walk(t, body, depth + 1, idx) < 0)
			return -1;
	}
	return 0;
}

/* cut_done - a cut message is over the parts limit, and its multiparts
 * lack their closing lines because of the cut, not of the sender */
static void cut_done(struct mime_tree *t)
{
	size_t i;

	t->limit_parts = true;
	t->problems &= ~(unsigned)MIME_P_NO_END_BOUNDARY;
	for (i = 0; i < t->nparts; i++)
		t->parts[i].problems &= ~(unsigned)MIME_P_NO_END_BOUNDARY;
}

/* mime_parse - parse m into a new tree */
int mime_parse(const struct msg *m, const struct mime_limits *lim,
    struct mime_tree **tree_r, const char **error_r)
{
	struct mime_tree *t = calloc(1, sizeof(*t));
	struct mime_priv *pv = calloc(1, sizeof(*pv));
	GMimeParserOptions *opts;
	GMimeParser *parser;
	GMimeObject *top;

	*tree_r = NULL;
	if (t == NULL || pv == NULL) {
		free(t);
		free(pv);
		return *error_r = oom, -1;
	}
	pthread_once(&gmime_once, gmime_init_once);
	t->limits = *lim;
	t->priv = pv;
	pv->stream = message_stream(m, pv, lim->max_parts);
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, parser_warning, pv);
	parser = g_mime_parser_new_with_stream(pv->stream);
	pv->message = g_mime_parser_construct_message(parser, opts);
	g_object_unref(parser);
	g_mime_parser_options_free(opts);
	if (pv->nesting_overflow)
		t->limit_depth = true;
	if (pv->no_boundary)
		t->problems |= MIME_P_NO_BOUNDARY;
	top = pv->message ? g_mime_message_get_mime_part(pv->message) : NULL;
	if (top != NULL && walk(t, top, 0, -1) < 0) {
		mime_free(&t);
		return *error_r = oom, -1;
	}
	if (pv->cut)
		cut_done(t);
	*tree_r = t;
	return 0;
}

/* content_stream - a stream of obj's decoded content (a new ref), or NULL */
static GMimeStream *content_stream(GMimeObject *obj)
{
	GMimeDataWrapper *w;
	GMimeStream *src, *fs;
	GMimeContentEncoding enc;
	GMimeFilter *f;

	if (!GMIME_IS_PART(obj) || (w = g_mime_part_get_content(GMIME_PART(obj))) == NULL ||
	    (src = g_mime_data_wrapper_get_stream(w)) == NULL)
		return NULL;
	g_mime_stream_reset(src);
	enc = g_mime_data_wrapper_get_encoding(w);
	if (enc != GMIME_CONTENT_ENCODING_BASE64 &&
	    enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
	    enc != GMIME_CONTENT_ENCODING_UUENCODE)
		return g_object_ref(src);
	fs = g_mime_stream_filter_new(src);
	f = g_mime_filter_basic_new(enc, FALSE);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(fs), f);
	g_object_unref(f);
	return fs;
}

/* mime_content_each - decoded bytes of leaf i, bounded by max and the
 * budget, handed to fn chunk by chunk */
int mime_content_each(struct mime_tree *t, size_t i, uint64_t max,
    int (*fn)(void *arg, const char *p, size_t n, const char **error_r), void *arg,
    bool *truncated_r, const char **error_r)
{
	struct mime_priv *pv;
	GMimeStream *s;
	uint64_t budget, cap, got = 0;
	char chunk[CHUNK];
	ssize_t n;
	bool trunc = false;
	int rc = 0;

	if (truncated_r != NULL)
		*truncated_r = false;
	if (t == NULL || i >= t->nparts || (pv = t->priv) == NULL ||
	    (s = content_stream(pv->objs[i])) == NULL)
		return 0;
	budget = t->limits.max_decoded == 0 ? UINT64_MAX :
	    t->limits.max_decoded > t->decoded ? t->limits.max_decoded - t->decoded : 0;
	cap = max != 0 && max < budget ? max : budget;
	while ((n = g_mime_stream_read(s, chunk, sizeof(chunk))) > 0) {
		size_t take = (uint64_t)n > cap - got ? (size_t)(cap - got) : (size_t)n;

		if (take > 0 && fn(arg, chunk, take, error_r) < 0) {
			rc = -1;
			break;
		}
		got += take;
		if (take < (size_t)n) {
			trunc = true;
			break;
		}
	}
	g_object_unref(s);
	t->decoded += got;
	if (trunc && cap == budget && (max == 0 || budget < max))
		t->limit_decoded = true;
	if (truncated_r != NULL)
		*truncated_r = trunc;
	return rc;
}

static int to_buf(void *arg, const char *p, size_t n, const char **error_r)
{
	return buf_append(arg, p, n) < 0 ? (*error_r = oom, -1) : 0;
}

int mime_content(struct mime_tree *t, size_t i, uint64_t max, struct buf *out,
    bool *truncated_r, const char **error_r)
{
	return mime_content_each(t, i, max, to_buf, out, truncated_r, error_r);
}

/* utf8_ok - s[0..n) is valid UTF-8, allowing a cut last sequence */
static bool utf8_ok(const char *s, size_t n, bool cut)
{
	const gchar *end;

	if (g_utf8_validate_len(s, n, &end))
		return true;
	return cut && n - (size_t)(end - s) < 4 &&
	    g_utf8_get_char_validated(end, (gssize)(n - (size_t)(end - s))) == (gunichar)-2;
}

/* Labels that mail clients use for a superset encoding (as the WHATWG
 * Encoding Standard and receivers read them): decode with the superset,
 * or GBK text labelled gb2312 would count as a mismatch. */
static const char *const charset_alias[][2] = {
	{ "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "x-gbk", "GB18030" },
	{ "cp936", "GB18030" }, { "euc-kr", "CP949" }, { "ks_c_5601-1987", "CP949" },
	{ "shift_jis", "CP932" }, { "sjis", "CP932" }, { "x-sjis", "CP932" },
	{ "tis-620", "CP874" }, { "big5", "BIG5-HKSCS" },
};

static const char *charset_decoder(const char *cs)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(charset_alias); i++)
		if (g_ascii_strcasecmp(cs, charset_alias[i][0]) == 0)
			return charset_alias[i][1];
	return cs;
}

/* to_utf8 - convert raw text in charset cs; *ok_r false when it did not fit */
static int to_utf8(const char *cs, const char *raw, size_t n, bool cut,
    struct buf *out, bool *ok_r)
{
	gchar *conv = NULL, *fixed = NULL;
	gsize rd = 0, wr = 0;
	GError *err = NULL;
	int rc;
	size_t i;

	if (cs == NULL || g_ascii_strcasecmp(cs, "us-ascii") == 0) {
		for (i = 0; i < n && (unsigned char)raw[i] < 0x80; i++)
			;
		*ok_r = i == n;
	} else if (g_ascii_strcasecmp(cs, "utf-8") == 0 || g_ascii_strcasecmp(cs, "utf8") == 0) {
		*ok_r = utf8_ok(raw, n, cut);
	} else {
		conv = g_convert(raw, (gssize)n, "UTF-8", charset_decoder(cs), &rd, &wr,
		    &err);
		*ok_r = conv != NULL || (cut && err != NULL &&
		    g_error_matches(err, G_CONVERT_ERROR, G_CONVERT_ERROR_PARTIAL_INPUT));
		g_clear_error(&err);
		if (conv != NULL) {
			rc = buf_append(out, conv, wr);
			g_free(conv);
			return rc;
		}
	}
	if (*ok_r && utf8_ok(raw, n, cut))
		return buf_append(out, raw, n);
	fixed = g_utf8_make_valid(raw, (gssize)n);
	rc = buf_puts(out, fixed);
	g_free(fixed);
	return rc;
}

/* mime_text - the content of part i converted to UTF-8 */
int mime_text(struct mime_tree *t, size_t i, uint64_t max, struct buf *out,
    bool *charset_ok_r, const char **error_r)
{
	struct buf raw = BUF_INIT;
	bool cut = false, ok = true;
	int rc;

	if (mime_content(t, i, max, &raw, &cut, error_r) < 0) {
		buf_free(&raw);
		return -1;
	}
	rc = to_utf8(t->parts[i].charset, buf_cstr(&raw), raw.len, cut, out, &ok);
	buf_free(&raw);
	if (charset_ok_r != NULL)
		*charset_ok_r = ok;
	if (rc < 0)
		*error_r = oom;
	return rc;
}

/* mime_free - release the tree; NULL-safe, sets NULL */
void mime_free(struct mime_tree **tp)
{
	struct mime_tree *t = tp ? *tp : NULL;
	struct mime_priv *pv;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nparts; i++) {
		free(t->parts[i].type);
		free(t->parts[i].charset);
		free(t->parts[i].encoding);
		free(t->parts[i].disposition);
		free(t->parts[i].filename);
		free(t->parts[i].boundary);
	}
	free(t->parts);
	if ((pv = t->priv) != NULL) {
		if (pv->message != NULL)
			g_object_unref(pv->message);
		if (pv->stream != NULL)
			g_object_unref(pv->stream);
		if (pv->borrowed)
			(void)g_byte_array_free(pv->raw, FALSE);	/* the bytes are the msg's */
		free(pv->objs);
		free(pv);
	}
	free(t);
	*tp = NULL;
}

/*
 * check_attach - attachments the receiver will refuse: the file types
 * that the destinations' provider profiles block (BlockedTypes; Gmail's
 * list, the generic gateway list; also compressed and inside archives),
 * double extensions,
 * executables by content whatever their name, encrypted archives, archive
 * bombs and limits, and Office documents with VBA macros.
 *
 * Every attachment of the MIME tree (and every leaf with a file name) is
 * judged by its name, then by its first decoded bytes; archives (by
 * content or name) are listed with unpack_list and each entry is judged
 * the same way, its place shown as "invoice.zip > docs/run.js".  Decoded
 * bytes are fetched with a cap: SNIFF_BYTES for a plain file, then up to
 * MaxArchiveBytes for an archive or an OLE document, kept in a spool (an
 * unlinked temporary file past SpoolMemory, which libarchive reads from
 * there): sixteen 12 MB zips at once must not take 200 MB of heap.
 *
 * Occurrences are collected per finding id and reported once per id with
 * the first few places, so a zip of 10,000 .js files is one finding, not
 * 10,000.  Two findings have a stronger variant (a hidden def with the
 * same id, so FindingScore/FindingAction still apply by id): a double
 * extension whose last part is blocked, and an encrypted archive holding
 * an archive (Gmail blocks "password-protected archives with archived
 * content").
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "check.h"
#include "mime.h"
#include "spool.h"
#include "unpack.h"

/* bytes fetched to sniff a plain file: magic numbers and the OLE header */
#define SNIFF_BYTES 4096
/* places named per finding before "and N more" */
#define SHOW 5
/* a file name is hostile input: shown shortened and sanitised */
#define NAME_SHOWN 200
/* the longest file extension looked up in the profiles' BlockedTypes */
#define EXT_MAX 16

static const char oom[] = "out of memory";

/* Not on Gmail's list but runnable: a double extension ending in one of
 * these is suspicious (weak), not a certain rejection. */
static const char *const risky_exts[] = {
	"sh", "py", "pl", "rb", "app", "command", "run", "bin", "elf",
	"reg", "url", "desktop", "ws", "psm1", "scf", NULL
};

/* What a file pretends to be, as the next-to-last extension of a double
 * extension ("invoice.pdf.exe"). */
static const char *const decoy_exts[] = {
	"pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "rtf", "txt",
	"csv", "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "mp3", "mp4",
	"avi", "mov", "wav", "htm", "html", "zip", "rar", "7z", NULL
};

static const struct finding_reply gmail_552[] = {
	{ "gmail", "552-5.7.0 This message was blocked because its content presents a "
		"potential security issue." },
	{ NULL, NULL }
};

enum {
	DEF_BLOCKED, DEF_DOUBLE, DEF_EXEC, DEF_ENCRYPTED, DEF_BOMB, DEF_LIMIT,
	DEF_MACRO, DEF_COUNT
};

#define REMEDY_SHARE "Share the file as a link (file sharing) instead of attaching it, " \
	"or send a format the receiver accepts (e.g. PDF)."

static const struct finding_def attach_defs[] = {
	[DEF_BLOCKED] = { "attach-blocked-type", CAT_ATTACHMENT, 10, true,
		"attachment of a type a destination blocks (also compressed or inside an "
		"archive)",
		REMEDY_SHARE " Renaming or zipping does not help: receivers such as Gmail look "
		"inside archives and compressed files.", gmail_552 },
	[DEF_DOUBLE] = { "attach-double-extension", CAT_ATTACHMENT, 3, false,
		"file name with a decoy double extension (invoice.pdf.exe; 10 when the "
		"last one is blocked)",
		"Give the file its real extension only; a name that hides its type is "
		"treated as malware.", NULL },
	[DEF_EXEC] = { "attach-executable", CAT_ATTACHMENT, 10, true,
		"executable or script by content (MZ, ELF, Mach-O, #!) whatever its name",
		REMEDY_SHARE, gmail_552 },
	[DEF_ENCRYPTED] = { "attach-encrypted-archive", CAT_ATTACHMENT, 3, false,
		"password-protected archive (10 when it holds an archive)",
		"Receivers cannot scan encrypted archives; share the file as a link, or "
		"at least do not put archives inside a password-protected one.", NULL },
	[DEF_BOMB] = { "attach-archive-bomb", CAT_ATTACHMENT, 3, false,
		"archive that unpacks to more than MaxArchiveRatio times its size",
		"Do not send highly compressed archives; receivers treat them as "
		"decompression bombs.", NULL },
	[DEF_LIMIT] = { "attach-archive-limit", CAT_ATTACHMENT, 2, false,
		"archive not fully inspected (MaxArchiveDepth/Entries/Bytes, damaged)",
		"Send fewer, flatter archives; raise the MaxArchive* limits if such "
		"mail is expected.", NULL },
	[DEF_MACRO] = { "attach-office-macro", CAT_ATTACHMENT, 5, false,
		"Office document with VBA macros (OLE or OOXML vbaProject.bin)",
		"Send the document without macros (.docx/.xlsx) or as PDF; Gmail blocks "
		"documents with malicious macros.", gmail_552 },
	{ NULL, 0, 0, false, NULL, NULL, NULL }
};

/* The stronger variants, reported under the same ids (see above). */
static const struct finding_def double_blocked_def = { "attach-double-extension",
	CAT_ATTACHMENT, 10, true,
	"file name with a decoy double extension whose last one a destination blocks",
	"Give the file its real extension only; the receiver blocks the real one anyway.",
	gmail_552 };
static const struct finding_def encrypted_archive_def = { "attach-encrypted-archive",
	CAT_ATTACHMENT, 10, true,
	"password-protected archive holding an archive (Gmail blocks it)",
	REMEDY_SHARE, gmail_552 };

/* A script found by its #! line is weaker: Gmail's list has no shell
 * scripts, though many gateways refuse them. */
static const struct finding_def script_def = { "attach-executable",
	CAT_ATTACHMENT, 3, false,
	"script by content (#!) whatever its name",
	REMEDY_SHARE, NULL };

/* The places collected for one finding id. */
struct hits {
	const struct finding_def *def;	/* the strongest variant seen */
	struct buf text;
	unsigned n;
};

struct attach_state {
	struct check_ctx *ctx;
	struct hits hits[DEF_COUNT];
	struct unpack_stats st;
	bool archive_encrypted;		/* the archive being listed */
	unsigned enc_before;		/* encrypted-archive hits before it */
	bool failed;			/* out of memory inside a callback */
};

/* in_list - case-insensitive membership of ext in a NULL-ended list */
static bool in_list(const char *const *list, const char *ext, size_t len)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == len && strncasecmp(list[i], ext, len) == 0)
			return true;
	return false;
}

/* put_name - append a file name or archive path, sanitised and shortened */
static int put_name(struct buf *b, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < NAME_SHOWN; i++)
		if (buf_putc(b, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]) < 0)
			return -1;
	return s[i] != '\0' ? buf_puts(b, "...") : 0;
}

/* hit - record one place for finding k; def may be the stronger variant */
static int hit(struct attach_state *as, int k, const struct finding_def *def,
    const char *where, const char *detail)
{
	struct hits *h = &as->hits[k];

	if (h->def == NULL || def->score > h->def->score)
		h->def = def;
	if (h->n++ >= SHOW)
		return 0;
	if ((h->n > 1 && buf_puts(&h->text, "; ") < 0) || put_name(&h->text, where) < 0 ||
	    (detail != NULL && buf_printf(&h->text, " (%s)", detail) < 0))
		return as->failed = true, -1;
	return 0;
}

/* last_ext - the last extension of the last path component of name, past
 * trailing dots and spaces ("a.exe. " is an .exe on Windows); *prev_r and
 * *prev_len_r get the one before it.  Returns the length (0 = none). */
static size_t last_ext(const char *name, const char **ext_r, const char **prev_r,
    size_t *prev_len_r)
{
	const char *base = name, *p, *end, *dot = NULL, *dot2 = NULL;

	for (p = name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	end = p;
	while (end > base && (end[-1] == '.' || end[-1] == ' '))
		end--;
	for (p = base; p < end; p++)
		if (*p == '.') {
			dot2 = dot;
			dot = p;
		}
	*prev_r = NULL;
	*prev_len_r = 0;
	if (dot == NULL || dot == base)
		return 0;
	if (dot2 != NULL && dot2 > base) {
		*prev_r = dot2 + 1;
		*prev_len_r = (size_t)(dot - dot2 - 1);
		while (*prev_len_r > 0 && (*prev_r)[*prev_len_r - 1] == ' ')
			(*prev_len_r)--;	/* "invoice.pdf   .exe" */
	}
	*ext_r = dot + 1;
	return (size_t)(end - dot - 1);
}

/* blocked_by - the destination providers that block extension ext[0..len),
 * named in shown as ".js, blocked by gmail, generic"; false for none */
static bool blocked_by(struct attach_state *as, const char *ext, size_t len, struct buf *shown)
{
	char e[EXT_MAX + 1];

	if (len > EXT_MAX)
		return false;	/* no profile lists one this long */
	memcpy(e, ext, len);
	e[len] = '\0';
	if (check_dest_blocking(as->ctx, e, NULL) == 0)
		return false;
	buf_truncate(shown, 0);
	if (buf_putc(shown, '.') < 0 || put_name(shown, e) < 0 ||
	    buf_puts(shown, ", blocked by ") < 0 || check_dest_blocking(as->ctx, e, shown) == 0)
		as->failed = true;
	return !as->failed;
}

/* judge_name - the blocked-type and double-extension rules on one name */
static int judge_name(struct attach_state *as, const char *name, const char *where)
{
	struct buf shown = BUF_INIT;
	const char *ext, *prev;
	size_t len, plen;
	bool blocked;

	len = last_ext(name, &ext, &prev, &plen);
	if (len == 0)
		return 0;
	blocked = blocked_by(as, ext, len, &shown);
	if (as->failed || (blocked && hit(as, DEF_BLOCKED, &attach_defs[DEF_BLOCKED], where,
	    buf_cstr(&shown)) < 0)) {
		buf_free(&shown);
		return -1;
	}
	buf_free(&shown);
	if (prev == NULL || !in_list(decoy_exts, prev, plen))
		return 0;
	if (blocked)
		return hit(as, DEF_DOUBLE, &double_blocked_def, where, NULL);
	if (in_list(risky_exts, ext, len))
		return hit(as, DEF_DOUBLE, &attach_defs[DEF_DOUBLE], where, NULL);
	return 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* exec_kind - what kind of executable the first bytes are, or NULL */
static const char *exec_kind(const unsigned char *p, size_t n, uint64_t size)
{
	uint32_t m;

	if (n >= 2 && p[0] == 'M' && p[1] == 'Z' && size >= 64)
		return "Windows executable, MZ";
	if (n >= 4 && memcmp(p, "\177ELF", 4) == 0)
		return "ELF executable";
	if (n >= 3 && p[0] == '#' && p[1] == '!' && (p[2] == '/' || p[2] == ' '))
		return "script, #!";
	if (n < 8)
		return NULL;
	m = be32(p);
	if (m == 0xfeedface || m == 0xfeedfacf || m == 0xcefaedfe || m == 0xcffaedfe)
		return "Mach-O executable";
	/* 0xcafebabe is also a Java class, whose version follows (>= 45);
	 * a fat Mach-O holds a small count of architectures there */
	if ((m == 0xcafebabe || m == 0xcafebabf) && be32(p + 4) >= 1 && be32(p + 4) < 45)
		return "Mach-O universal binary";
	return NULL;
}

/* judge_content - executable magic in the first bytes */
static int judge_content(struct attach_state *as, const unsigned char *p, size_t n,
    uint64_t size, const char *where)
{
	const char *kind = exec_kind(p, n, size);

	if (kind == NULL)
		return 0;
	return hit(as, DEF_EXEC, kind[0] == 's' ? &script_def : &attach_defs[DEF_EXEC],
	    where, kind);
}

/* ole_has_vba - an OLE2 compound file with a "_VBA_PROJECT" or "VBA"
 * directory entry.  Directory entries are 128-byte records in sectors
 * after the 512-byte header, so every one starts at a multiple of 128:
 * scanning those offsets finds them without following the FAT chains. */
static bool ole_has_vba(const unsigned char *p, size_t n)
{
	static const char *const names[] = { "_VBA_PROJECT", "VBA" };
	size_t off, i, k, len;

	if (n < 512 || memcmp(p, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) != 0)
		return false;
	for (off = 512; off + 128 <= n; off += 128) {
		len = (size_t)p[off + 64] | (size_t)p[off + 65] << 8;
		if (p[off + 66] < 1 || p[off + 66] > 2)	/* storage or stream */
			continue;
		for (k = 0; k < 2; k++) {
			if (len != 2 * (strlen(names[k]) + 1))
				continue;
			for (i = 0; names[k][i] != '\0'; i++)
				if (p[off + 2 * i] != (unsigned char)names[k][i] ||
				    p[off + 2 * i + 1] != 0)
					break;
			if (names[k][i] == '\0')
				return true;
		}
	}
	return false;
}

/* entry_cb - judge one archive entry like an attachment */
static int entry_cb(void *arg, const struct unpack_entry *e)
{
	struct attach_state *as = arg;
	size_t plen = strlen(e->path);

	if (e->is_dir)
		return 0;
	if (e->encrypted) {
		as->archive_encrypted = true;
		if (e->is_archive && hit(as, DEF_ENCRYPTED, &encrypted_archive_def,
		    e->chain, "password-protected, holds an archive") < 0)
			return -1;
	}
	if (judge_name(as, e->path, e->chain) < 0 ||
	    judge_content(as, e->head, e->head_len, e->size, e->chain) < 0)
		return -1;
	if (plen >= 14 && strcasecmp(e->path + plen - 14, "vbaProject.bin") == 0 &&
	    hit(as, DEF_MACRO, &attach_defs[DEF_MACRO], e->chain, "OOXML vbaProject.bin") < 0)
		return -1;
	return 0;
}

/* archive_flags - the findings of the limits hit while listing one archive */
static int archive_flags(struct attach_state *as, const char *where)
{
	const struct unpack_stats *st = &as->st;
	const char *at = st->where[0] != '\0' ? st->where : where;
	char why[80];

	if (as->archive_encrypted && as->hits[DEF_ENCRYPTED].n == as->enc_before &&
	    hit(as, DEF_ENCRYPTED, &attach_defs[DEF_ENCRYPTED], where, "password-protected") < 0)
		return -1;
	if ((st->flags & UNPACK_F_LOCKED) && hit(as, DEF_ENCRYPTED,
	    &attach_defs[DEF_ENCRYPTED], at, "entry names encrypted") < 0)
		return -1;
	if ((st->flags & UNPACK_F_BOMB) && hit(as, DEF_BOMB, &attach_defs[DEF_BOMB],
	    at, "unpacked/packed over MaxArchiveRatio") < 0)
		return -1;
	if ((st->flags & (UNPACK_F_ENTRIES | UNPACK_F_BYTES | UNPACK_F_DEPTH |
	    UNPACK_F_DAMAGED)) == 0)
		return 0;
	snprintf(why, sizeof(why), "%s%s%s%s",
	    st->flags & UNPACK_F_DEPTH ? "MaxArchiveDepth " : "",
	    st->flags & UNPACK_F_ENTRIES ? "MaxArchiveEntries " : "",
	    st->flags & UNPACK_F_BYTES ? "MaxArchiveBytes " : "",
	    st->flags & UNPACK_F_DAMAGED ? "damaged or truncated " : "");
	why[strlen(why) - 1] = '\0';
	return hit(as, DEF_LIMIT, &attach_defs[DEF_LIMIT], at, why);
}

/* judge_archive - list an archive attachment and judge its entries */
static int judge_archive(struct attach_state *as, const struct spool *data,
    const char *where, bool truncated, const char **error_r)
{
	const struct config *cfg = as->ctx->cfg;
	struct unpack_limits lim = {
		.max_depth = cfg->max_archive_depth,
		.max_entries = cfg->max_archive_entries,
		.max_ratio = cfg->max_archive_ratio,
		.max_bytes = cfg->max_archive_bytes,
		.deadline_ms = as->ctx->scan_deadline_ms,
	};
	const char *p;
	size_t len;
	int rc;

	as->st.flags = 0;
	as->st.where[0] = '\0';
	as->archive_encrypted = false;
	as->enc_before = as->hits[DEF_ENCRYPTED].n;
	if (spool_on_disk(data)) {
		rc = unpack_list_fd(spool_fd(data), data->len, where, &lim, &as->st,
		    entry_cb, as, error_r);
	} else {
		spool_view(data, &p, &len);
		rc = unpack_list(p, len, where, &lim, &as->st, entry_cb, as, error_r);
	}
	if (rc < 0)
		return as->failed ? (*error_r = oom, -1) : -1;
	if (truncated && (as->st.flags & UNPACK_F_DAMAGED) == 0)
		as->st.flags |= UNPACK_F_BYTES;
	return archive_flags(as, where);
}

/* A spool that could not take more (no memory, a full disk) ends the
 * content there: judged as truncated, as a cap would. */
struct spool_sink {
	struct spool *sp;
	bool short_write;
};

static int to_spool(void *arg, const char *p, size_t n, const char **error_r)
{
	struct spool_sink *k = arg;

	if (spool_append(k->sp, p, n, error_r) == 0)
		return 0;
	k->short_write = true;
	return -1;
}

/* judge_whole - an archive or OLE document: all of it (up to
 * MaxArchiveBytes) into a spool, on disk past SpoolMemory, then judged */
static int judge_whole(struct attach_state *as, struct mime_tree *t, size_t i,
    const struct buf *head, bool truncated, const char *where, const char **error_r)
{
	const struct config *cfg = as->ctx->cfg;
	struct spool whole;
	struct spool_sink k = { &whole, false };
	const char *p, *err;
	size_t len;
	int rc = 0;

	spool_init(&whole, cfg->spool_memory);
	if (!truncated)
		k.short_write = spool_append(&whole, head->data, head->len, &err) < 0;
	else if (mime_content_each(t, i, cfg->max_archive_bytes, to_spool, &k, &truncated,
	    error_r) < 0 && !k.short_write)
		rc = -1;
	truncated = truncated || k.short_write;
	if (rc == 0 && head->len >= 8 && memcmp(head->data, "\xd0\xcf\x11\xe0", 4) == 0 &&
	    spool_finish(&whole, &err) == 0 &&
	    (spool_view(&whole, &p, &len), ole_has_vba((const unsigned char *)p, len))) {
		if (hit(as, DEF_MACRO, &attach_defs[DEF_MACRO], where, "OLE VBA project") < 0)
			rc = (*error_r = oom, -1);
	} else if (rc == 0 && unpack_is_archive(head->data, head->len, t->parts[i].filename)) {
		rc = judge_archive(as, &whole, where, truncated, error_r);
	}
	spool_clear(&whole);
	return rc;
}

/* judge_part - one attachment: its name, its first bytes, and its
 * content when it is an archive or an OLE document */
static int judge_part(struct attach_state *as, struct mime_tree *t, size_t i,
    const char **error_r)
{
	const struct mime_part *p = &t->parts[i];
	struct buf data = BUF_INIT, where = BUF_INIT;
	bool truncated = false;
	int rc = -1;

	if (p->filename != NULL ? put_name(&where, p->filename) < 0 :
	    buf_printf(&where, "(unnamed part %u, %s)", p->index, p->type) < 0)
		return *error_r = oom, -1;
	if (p->filename != NULL && judge_name(as, p->filename, buf_cstr(&where)) < 0)
		goto oom;
	if (mime_content(t, i, SNIFF_BYTES, &data, &truncated, error_r) < 0)
		goto out;
	if (judge_content(as, (const unsigned char *)data.data, data.len,
	    truncated ? SNIFF_BYTES : data.len, buf_cstr(&where)) < 0)
		goto oom;
	if (unpack_is_archive(data.data, data.len, p->filename) ||
	    (data.len >= 8 && memcmp(data.data, "\xd0\xcf\x11\xe0", 4) == 0))
		rc = judge_whole(as, t, i, &data, truncated, buf_cstr(&where), error_r);
	else
		rc = 0;
	goto out;
oom:
	*error_r = oom;
out:
	buf_free(&data);
	buf_free(&where);
	return rc;
}

/* report - one finding per id with the places collected */
static int report(struct attach_state *as)
{
	const struct hits *h;
	int k;

	for (k = 0; k < DEF_COUNT; k++) {
		h = &as->hits[k];
		if (h->n == 0)
			continue;
		if (h->n > SHOW ? finding_add(as->ctx->findings, h->def, "%s; and %u more",
		    buf_cstr(&h->text), h->n - SHOW) == NULL :
		    finding_add(as->ctx->findings, h->def, "%s", buf_cstr(&h->text)) == NULL)
			return -1;
	}
	return 0;
}

static int attach_run(struct check_ctx *ctx, const char **error_r)
{
	struct attach_state as = { .ctx = ctx };
	struct mime_tree *t = check_mime_tree(ctx, error_r);
	const struct mime_part *p;
	size_t i;
	int rc = 0, k;

	if (t == NULL)
		return -1;
	for (i = 0; i < t->nparts && rc == 0; i++) {
		p = &t->parts[i];
		if (p->multipart || p->message || (!p->attachment && p->filename == NULL))
			continue;
		if (check_expired(ctx, "attach"))
			break;
		rc = judge_part(&as, t, i, error_r);
	}
	if (rc == 0 && report(&as) < 0)
		rc = (*error_r = oom, -1);
	for (k = 0; k < DEF_COUNT; k++)
		buf_free(&as.hits[k].text);
	return rc;
}

const struct check_ops check_attach_ops = { "attach", attach_defs, attach_run };

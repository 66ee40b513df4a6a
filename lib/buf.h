/*
 * buf - growable, length-counted byte buffer.
 *
 * A struct buf always keeps a spare NUL after its data, so b->data can be
 * handed to C string functions when the content holds no NUL of its own.
 * An initialised empty buf has data == NULL and len == 0: use buf_cstr() to
 * get "" in that case.  Every append returns 0, or -1 when memory runs out
 * (the buffer is then left as it was).  The buf owns its data until
 * buf_steal(); buf_free() releases it and leaves an empty buf.
 */
#ifndef PF_BUF_H
#define PF_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

/* buf_append - add n bytes */
int buf_append(struct buf *b, const void *p, size_t n);
/* buf_puts - add a NUL-terminated string */
int buf_puts(struct buf *b, const char *s);
/* buf_putc - add one byte */
int buf_putc(struct buf *b, char c);
/* buf_printf - add formatted text */
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* buf_json_str - add s as a JSON string literal, quotes included; bytes
 * that are not valid UTF-8 become U+FFFD so the output is always valid JSON */
int buf_json_str(struct buf *b, const char *s);
/* buf_cstr - the content as a C string, "" when empty; valid until the next
 * change to b */
const char *buf_cstr(const struct buf *b);
/* buf_truncate - drop everything after the first len bytes */
void buf_truncate(struct buf *b, size_t len);
/* buf_steal - hand the data to the caller (free() it); b becomes empty.
 * Returns a malloc'd "" for an empty buffer, NULL only when out of memory. */
char *buf_steal(struct buf *b);
/* buf_free - release the data; b becomes empty and reusable */
void buf_free(struct buf *b);

#endif

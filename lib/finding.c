/*
 * finding - occurrences of catalogue findings, and their JSON form
 * (see finding.h for the contract).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"

static const char *const category_names[CAT_COUNT] = {
	[CAT_AUTH] = "auth", [CAT_FORMAT] = "format", [CAT_SIZE] = "size",
	[CAT_CONTENT] = "content", [CAT_ATTACHMENT] = "attachment", [CAT_URL] = "url",
	[CAT_REPUTATION] = "reputation", [CAT_RECIPIENT] = "recipient",
	[CAT_BULK] = "bulk", [CAT_VOLUME] = "volume",
};

const char *finding_category_name(enum finding_category c)
{
	return (unsigned)c < CAT_COUNT ? category_names[c] : "unknown";
}

/* finding_destroy - free one finding and what it owns */
static void finding_destroy(struct finding *f)
{
	size_t i;

	for (i = 0; i < f->npredicted; i++) {
		free((char *)f->predicted[i].provider);
		free((char *)f->predicted[i].reply);
	}
	free(f->predicted);
	free(f->summary);
	free(f);
}

int finding_predict(struct finding *f, const char *provider, const char *fmt, ...)
{
	struct finding_reply *v;
	struct buf reply = BUF_INIT;
	char *prov;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(&reply, fmt, ap);
	va_end(ap);
	prov = strdup(provider);
	v = realloc(f->predicted, (f->npredicted + 1) * sizeof(*v));
	if (rc < 0 || prov == NULL || v == NULL) {
		if (v != NULL)
			f->predicted = v;
		free(prov);
		buf_free(&reply);
		return -1;
	}
	f->predicted = v;
	v[f->npredicted].provider = prov;
	v[f->npredicted].reply = buf_steal(&reply);
	if (v[f->npredicted].reply == NULL) {
		free(prov);
		return -1;
	}
	f->npredicted++;
	return 0;
}

/* finding_vadd - the common part of finding_add and finding_add_bare */
__attribute__((format(printf, 4, 0)))
static struct finding *finding_vadd(struct finding_list *l, const struct finding_def *def,
    bool with_replies, const char *fmt, va_list ap)
{
	struct buf summary = BUF_INIT;
	struct finding *f;
	const struct finding_reply *r;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct finding **v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->def = def;
	f->score = def->score;
	if (buf_vprintf(&summary, fmt, ap) < 0 || (f->summary = buf_steal(&summary)) == NULL)
		goto fail;
	for (r = def->predicted; with_replies && r != NULL && r->provider != NULL; r++)
		if (finding_predict(f, r->provider, "%s", r->reply) < 0)
			goto fail;
	l->v[l->n++] = f;
	return f;
fail:
	buf_free(&summary);
	finding_destroy(f);
	return NULL;
}

struct finding *finding_add(struct finding_list *l, const struct finding_def *def,
    const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	va_start(ap, fmt);
	f = finding_vadd(l, def, true, fmt, ap);
	va_end(ap);
	return f;
}

struct finding *finding_add_bare(struct finding_list *l, const struct finding_def *def,
    const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	va_start(ap, fmt);
	f = finding_vadd(l, def, false, fmt, ap);
	va_end(ap);
	return f;
}

bool finding_list_has(const struct finding_list *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i]->def->id, id) == 0)
			return true;
	return false;
}

void finding_list_free(struct finding_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		finding_destroy(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int finding_json_number(struct buf *out, double d)
{
	if (d == (double)(long long)d)
		return buf_printf(out, "%lld", (long long)d);
	return buf_printf(out, "%.2f", d);
}

int finding_json(const struct finding *f, struct buf *out)
{
	size_t i;
	int rc = 0;

	rc |= buf_puts(out, "{\"id\":");
	rc |= buf_json_str(out, f->def->id);
	rc |= buf_puts(out, ",\"category\":");
	rc |= buf_json_str(out, finding_category_name(f->def->category));
	rc |= buf_puts(out, ",\"score\":");
	rc |= finding_json_number(out, f->score);
	rc |= buf_puts(out, ",\"summary\":");
	rc |= buf_json_str(out, f->summary);
	rc |= buf_puts(out, ",\"remedy\":");
	rc |= buf_json_str(out, f->def->remedy ? f->def->remedy : "");
	rc |= buf_puts(out, ",\"predicted\":[");
	for (i = 0; i < f->npredicted; i++) {
		rc |= buf_puts(out, i ? ",{\"provider\":" : "{\"provider\":");
		rc |= buf_json_str(out, f->predicted[i].provider);
		rc |= buf_puts(out, ",\"reply\":");
		rc |= buf_json_str(out, f->predicted[i].reply);
		rc |= buf_putc(out, '}');
	}
	rc |= buf_puts(out, "]}");
	return rc < 0 ? -1 : 0;
}

int finding_list_json(const struct finding_list *l, struct buf *out)
{
	size_t i;

	if (buf_putc(out, '[') < 0)
		return -1;
	for (i = 0; i < l->n; i++)
		if ((i && buf_putc(out, ',') < 0) || finding_json(l->v[i], out) < 0)
			return -1;
	return buf_putc(out, ']');
}

int finding_list_ids(const struct finding_list *l, const char *sep, struct buf *out)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if ((i && buf_puts(out, sep) < 0) || buf_puts(out, l->v[i]->def->id) < 0)
			return -1;
	return 0;
}

/* Object starts are the only place where {" appears unescaped (strings
 * escape their quotes, and predicted replies start with "provider"), so
 * the ids need no parser; an id ends at its first unescaped quote. */
int finding_json_ids(const char *json, int (*fn)(void *arg, const char *id, size_t len),
    void *arg)
{
	const char *p = json;
	size_t n;
	int rc;

	while (p != NULL && (p = strstr(p, "{\"id\":\"")) != NULL) {
		p += 7;
		for (n = 0; p[n] != '\0' && p[n] != '"'; n++)
			if (p[n] == '\\' && p[n + 1] != '\0')
				n++;
		if (p[n] == '\0')
			break;
		if ((rc = fn(arg, p, n)) != 0)
			return rc;
		p += n;
	}
	return 0;
}

/*
 * metrics_http - MetricsListen: GET /metrics in the Prometheus text
 * format (lib/metrics.c renders it), served by libmicrohttpd.
 *
 * Two steps, because of the privilege drop: metrics_http_bind opens the
 * listening socket while the milter is still root (a port below 1024 may
 * be configured), and metrics_http_start hands that socket to
 * libmicrohttpd after privs_drop, so that its thread is created by a
 * process that has no privileges left (and setuid(2) in glibc changes
 * every thread anyway).  Only the configured address is bound.
 *
 * Answers: 200 for GET (or HEAD) /metrics, 404 for any other path, 405
 * with "Allow: GET, HEAD" for any other method.  No authentication: bind
 * it to an address only the scraper reaches.  A scrape allocates its text
 * in the HTTP thread; the message path only ever touches the atomics.
 */
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics.h"
#include "milter.h"

#define MH_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Scrapers are few: a bound on connections and on a stalled one's time. */
#define MH_MAX_CONNECTIONS 16
#define MH_TIMEOUT_SECONDS 10

/* mh_static - queue a short fixed response with status code */
static enum MHD_Result mh_static(struct MHD_Connection *conn, unsigned code,
    const char *text)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return rc;
}

/* mh_metrics - the exposition text of this moment */
static enum MHD_Result mh_metrics(struct MHD_Connection *conn, const struct metrics *m)
{
	struct buf out = BUF_INIT;
	struct MHD_Response *r;
	enum MHD_Result rc;
	size_t len;
	char *text;

	if (metrics_render(m, &out) < 0) {
		buf_free(&out);
		return mh_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	len = out.len;
	if ((text = buf_steal(&out)) == NULL)
		return mh_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, MH_CONTENT_TYPE);
	rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* mh_answer - libmicrohttpd's request handler */
static enum MHD_Result mh_answer(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	const struct metrics_http *h = cls;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return mh_static(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	if (strcmp(url, "/metrics") != 0)
		return mh_static(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
	return mh_metrics(conn, h->metrics);
}

/* mh_log - libmicrohttpd's own errors go to our log */
static void mh_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mh_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	mlog_warn("MetricsListen: %s", line);
}

/* metrics_http_bind - open the listening socket of spec (before the drop) */
int metrics_http_bind(struct metrics_http *h, const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	h->fd = -1;
	h->daemon = NULL;
	if (spec == NULL || *spec == '\0')
		return 0;
	if (metrics_listen_parse(spec, &ss, &len, NULL) < 0) {
		mlog_err("MetricsListen %s: not ADDR:PORT", spec);	/* checked at load */
		return -1;
	}
	h->family = ss.ss_family;
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0 ||
	    setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (ss.ss_family == AF_INET6 &&
	    setsockopt(h->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(h->fd, (struct sockaddr *)&ss, len) < 0 || listen(h->fd, 16) < 0) {
		mlog_err("MetricsListen %s: %s", spec, strerror(errno));
		if (h->fd >= 0)
			close(h->fd);
		h->fd = -1;
		return -1;
	}
	return 0;
}

/* metrics_http_start - serve m on the bound socket (after the drop) */
int metrics_http_start(struct metrics_http *h, const struct metrics *m, const char *spec)
{
	/* AUTO: epoll or poll, not select, whose FD_SETSIZE a busy milter's
	 * descriptors can pass */
	unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (h->fd < 0)
		return 0;
	if (h->family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->metrics = m;
	/* the logger first, or libmicrohttpd logs the options to stderr */
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, mh_answer, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mh_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, h->fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MH_MAX_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)MH_TIMEOUT_SECONDS,
	    MHD_OPTION_END);
	if (h->daemon == NULL) {
		mlog_err("MetricsListen %s: cannot start the HTTP server", spec);
		close(h->fd);
		h->fd = -1;
		return -1;
	}
	mlog_info("metrics on http://%s/metrics", spec);
	return 0;
}

/* metrics_http_stop - stop serving and close the socket; idempotent */
void metrics_http_stop(struct metrics_http *h)
{
	if (h->daemon != NULL) {
		/* joins the HTTP thread and closes the listening socket */
		MHD_stop_daemon(h->daemon);
		h->daemon = NULL;
		h->fd = -1;
	}
	if (h->fd >= 0) {
		close(h->fd);
		h->fd = -1;
	}
}

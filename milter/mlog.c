/*
 * mlog - the milter's log: syslog (SyslogFacility, LOG_MAIL by default),
 * mirrored to stderr until the daemon detaches (always with -f, so start-up
 * errors reach the terminal); stderr only when Syslog is no.
 *
 * The destinations are set by mlog_open and mlog_detached before any
 * thread starts and never change afterwards (a reload does not move the
 * log), so the settings below are written once and only read by threads.
 * Each line is formatted into a buffer on the caller's stack and handed
 * over in one call, so lines of concurrent threads do not interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>

#include "milter.h"

/* Longer lines are cut; syslog truncates around here anyway. */
#define MLOG_LINE_MAX 2048

static bool mlog_syslog;
static bool mlog_stderr = true;
static bool mlog_opened;

static const struct {
	const char *name;
	int facility;
} mlog_facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* mlog_facility - syslog facility for a SyslogFacility name */
int mlog_facility(const char *name, int *fac_r)
{
	size_t i;

	if (name == NULL || *name == '\0') {
		*fac_r = LOG_MAIL;
		return 0;
	}
	if (strncasecmp(name, "log_", 4) == 0)
		name += 4;
	for (i = 0; i < sizeof(mlog_facilities) / sizeof(mlog_facilities[0]); i++) {
		if (strcasecmp(name, mlog_facilities[i].name) == 0) {
			*fac_r = mlog_facilities[i].facility;
			return 0;
		}
	}
	return -1;
}

/* mlog_stderr_is_journal - stderr is systemd's journal stream (it sets
 * JOURNAL_STREAM to the "device:inode" of what it connected) */
static bool mlog_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(2, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* mlog_open - choose the destinations; before any thread starts.  Until
 * mlog_detached, lines also go to stderr so start-up errors are seen,
 * except when stderr is the journal and syslog reaches it already. */
void mlog_open(bool use_syslog, int facility)
{
	mlog_syslog = use_syslog;
	mlog_stderr = !(use_syslog && mlog_stderr_is_journal());
	if (use_syslog) {
		openlog(MILTER_NAME, LOG_PID | LOG_NDELAY, facility);
		mlog_opened = true;
	}
}

/* mlog_detached - stderr is gone (daemon); keep it only without syslog */
void mlog_detached(void)
{
	mlog_stderr = !mlog_syslog;
}

/* mlog_close - close syslog if it was opened */
void mlog_close(void)
{
	if (mlog_opened)
		closelog();
	mlog_opened = false;
}

/* mlog_write - format once, send to each destination */
__attribute__((format(printf, 3, 0)))
static void mlog_write(int prio, const char *label, const char *fmt, va_list ap)
{
	char line[MLOG_LINE_MAX];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (mlog_syslog)
		syslog(prio, "%s%s", label, line);
	if (mlog_stderr)
		fprintf(stderr, MILTER_NAME ": %s%s\n", label, line);
}

/* mlog_info - an informational line (one per checked message, reloads) */
void mlog_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mlog_write(LOG_INFO, "", fmt, ap);
	va_end(ap);
}

/* mlog_warn - something went wrong but the mail still flows */
void mlog_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mlog_write(LOG_WARNING, "warning: ", fmt, ap);
	va_end(ap);
}

/* mlog_err - an error: a message got OnError, or the daemon cannot start */
void mlog_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mlog_write(LOG_ERR, "error: ", fmt, ap);
	va_end(ap);
}

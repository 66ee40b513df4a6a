/*
 * held_mta - what `preflight held release|delete` does in the MTA's queue.
 *
 * Postfix (MTA postfix): `postsuper [-c PostfixConfigDir] -H|-d QUEUEID`;
 * PREFLIGHT_POSTSUPER replaces the postsuper path (the tests use a fake).
 *
 * Sendmail (MTA sendmail) keeps a quarantined message in its queue
 * directory with its control file renamed from qfQUEUEID to hfQUEUEID.
 * Release is `SendmailPath [-C SendmailConfig] -qQ -Q -qIQUEUEID`
 * (unquarantine), then `... -qIQUEUEID` (deliver it now; when that fails
 * the daemon's queue runs retry).  Sendmail has no delete command, so
 * delete removes hfQUEUEID (under an exclusive flock(2), the lock
 * Sendmail itself takes, so a job in use is never pulled away), then its
 * dfQUEUEID and xfQUEUEID.  The queue directory is the QueueDirectory
 * option of the .cf file (SendmailConfig, else /etc/mail/sendmail.cf);
 * a wildcard there (several queue directories) is refused.  Before and
 * after, the hf file tells whether the message really is, then is no
 * longer, quarantined: Sendmail exits 0 even when -qI matched nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "autoconf.h"	/* PF_POSTSUPER */
#include "buf.h"
#include "cli.h"
#include "held_mta.h"

#ifndef PF_POSTSUPER
#define PF_POSTSUPER "/usr/sbin/postsuper"
#endif
#define SM_DEFAULT_CF "/etc/mail/sendmail.cf"
#define SM_DEFAULT_QUEUE "/var/spool/mqueue"
#define SM_QID_ARG 80

/* mta_cmd - argv as one line, for messages */
static void mta_cmd(char *const *argv, struct buf *out)
{
	size_t i;

	for (i = 0; argv[i] != NULL; i++)
		buf_printf(out, "%s%s", i > 0 ? " " : "", argv[i]);
}

/* mta_run - fork+execv argv (argv[0] is the path); 0 when it exits 0,
 * else -1 after saying how the command ended */
static int mta_run(char *const *argv)
{
	struct buf cmd = BUF_INIT;
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		cli_err("held: cannot fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "preflight: held: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			cli_err("held: waiting for %s: %s", argv[0], strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	mta_cmd(argv, &cmd);
	if (WIFEXITED(status))
		cli_err("held: %s failed with exit status %d", buf_cstr(&cmd),
		    WEXITSTATUS(status));
	else
		cli_err("held: %s was killed by signal %d", buf_cstr(&cmd),
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	buf_free(&cmd);
	return -1;
}

/* mta_postsuper - postsuper [-c DIR] -H|-d QID */
static int mta_postsuper(const struct config *cfg, bool release, const char *qid)
{
	const char *path = getenv("PREFLIGHT_POSTSUPER");
	char *argv[6];
	size_t n = 0;

	if (path == NULL || *path == '\0')
		path = PF_POSTSUPER;
	argv[n++] = (char *)path;
	if (cfg->postfix_config_dir != NULL) {
		argv[n++] = (char *)"-c";
		argv[n++] = cfg->postfix_config_dir;
	}
	argv[n++] = (char *)(release ? "-H" : "-d");
	argv[n++] = (char *)qid;
	argv[n] = NULL;
	return mta_run(argv);
}

/* sm_queue_dir - QueueDirectory from the .cf file into out; 0 or -1 */
static int sm_queue_dir(const struct config *cfg, struct buf *out)
{
	const char *cf = cfg->sendmail_config != NULL ? cfg->sendmail_config : SM_DEFAULT_CF;
	char *line = NULL, *v;
	size_t cap = 0;
	ssize_t len;
	FILE *f = fopen(cf, "r");
	int found = 0;

	if (f == NULL) {
		cli_err("held: Sendmail configuration %s: %s", cf, strerror(errno));
		return -1;
	}
	while (!found && (len = getline(&line, &cap, f)) >= 0) {
		if (strncmp(line, "O QueueDirectory=", 17) != 0)
			continue;
		v = line + 17;
		v[strcspn(v, " \t\r\n")] = '\0';
		buf_truncate(out, 0);
		found = buf_puts(out, v) == 0 ? 1 : -1;
	}
	free(line);
	fclose(f);
	if (found == 0)
		found = buf_puts(out, SM_DEFAULT_QUEUE) == 0 ? 1 : -1;
	if (found < 0 || out->len == 0 || buf_cstr(out)[0] != '/' ||
	    strpbrk(buf_cstr(out), "*?[") != NULL) {
		cli_err("held: %s: QueueDirectory \"%s\" is not one absolute directory"
		    " (queue groups are not supported)", cf, buf_cstr(out));
		return -1;
	}
	return 0;
}

/* sm_path - queue file KIND (hf, df, xf) of qid: in the qf/, df/, xf/
 * subdirectory when the queue has one (hf files live beside qf files) */
static int sm_path(const char *qdir, const char *kind, const char *qid, struct buf *out)
{
	struct stat sb;
	struct buf sub = BUF_INIT;
	int split;

	buf_printf(&sub, "%s/%s", qdir, kind[0] == 'h' ? "qf" : kind);
	split = stat(buf_cstr(&sub), &sb) == 0 && S_ISDIR(sb.st_mode);
	buf_truncate(out, 0);
	if (split)
		buf_printf(out, "%s/%s%s", buf_cstr(&sub), kind, qid);
	else
		buf_printf(out, "%s/%s%s", qdir, kind, qid);
	buf_free(&sub);
	return out->len > 0 ? 0 : -1;
}

/* sm_argv - SendmailPath [-C SendmailConfig] then up to three options */
static size_t sm_argv(const struct config *cfg, char **argv)
{
	size_t n = 0;

	argv[n++] = cfg->sendmail_path != NULL ? cfg->sendmail_path : (char *)"/usr/sbin/sendmail";
	if (cfg->sendmail_config != NULL) {
		argv[n++] = (char *)"-C";
		argv[n++] = cfg->sendmail_config;
	}
	return n;
}

/* sm_release - unquarantine, check, then one delivery attempt */
static int sm_release(const struct config *cfg, const char *hf, const char *qid)
{
	char *argv[8], sel[SM_QID_ARG];
	size_t n;

	snprintf(sel, sizeof(sel), "-qI%s", qid);
	n = sm_argv(cfg, argv);
	argv[n++] = (char *)"-qQ";
	argv[n++] = (char *)"-Q";
	argv[n++] = sel;
	argv[n] = NULL;
	if (mta_run(argv) < 0)
		return -1;
	if (access(hf, F_OK) == 0) {
		cli_err("held: sendmail -qQ -Q %s left %s quarantined (%s is still there)",
		    sel, qid, hf);
		return -1;
	}
	n = sm_argv(cfg, argv);
	argv[n++] = sel;
	argv[n] = NULL;
	if (mta_run(argv) < 0)
		cli_err("held: %s is released, but the delivery attempt failed:"
		    " Sendmail's queue runs retry it", qid);
	return 0;
}

/* sm_delete - remove hf (locked, as Sendmail locks it), then df and xf */
static int sm_delete(const char *qdir, const char *hf, const char *qid)
{
	static const char *const kinds[] = { "df", "xf" };
	struct buf path = BUF_INIT;
	size_t i;
	int fd;

	fd = open(hf, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		cli_err("held: %s: %s%s", hf, strerror(errno),
		    errno == EWOULDBLOCK ? " (Sendmail is using it; try again)" : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (unlink(hf) < 0) {
		cli_err("held: cannot remove %s: %s", hf, strerror(errno));
		close(fd);
		return -1;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (sm_path(qdir, kinds[i], qid, &path) < 0 ||
		    (unlink(buf_cstr(&path)) < 0 && errno != ENOENT))
			/* The job is gone with its hf file: this is a stray file. */
			cli_err("held: %s is deleted, but %s stays: %s", qid, buf_cstr(&path),
			    strerror(errno));
	}
	close(fd);
	buf_free(&path);
	return 0;
}

/* mta_sendmail - release or delete a message in Sendmail's quarantine */
static int mta_sendmail(const struct config *cfg, bool release, const char *qid)
{
	struct buf qdir = BUF_INIT, hf = BUF_INIT;
	int rc = -1;

	if (sm_queue_dir(cfg, &qdir) < 0 || sm_path(buf_cstr(&qdir), "hf", qid, &hf) < 0)
		goto out;
	if (access(buf_cstr(&hf), F_OK) < 0) {
		cli_err("held: %s is not in Sendmail's quarantine (%s: %s)", qid,
		    buf_cstr(&hf), strerror(errno));
		goto out;
	}
	if (release)
		rc = sm_release(cfg, buf_cstr(&hf), qid);
	else
		rc = sm_delete(buf_cstr(&qdir), buf_cstr(&hf), qid);
out:
	buf_free(&qdir);
	buf_free(&hf);
	return rc;
}

/* held_mta_act - release or delete qid in the configured MTA's queue */
int held_mta_act(const struct config *cfg, bool release, const char *qid)
{
	if (cfg->mta == MTA_SENDMAIL)
		return mta_sendmail(cfg, release, qid);
	return mta_postsuper(cfg, release, qid);
}

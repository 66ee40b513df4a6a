/*
 * privs - the milter's privileges and the modes of the files it owns:
 * UserID and SocketGroup resolved while errors can still be reported,
 * SocketMode and the owner of the unix socket, the held log's owner and
 * mode, and the drop to UserID for good.
 *
 * Fail closed: an unknown user or group stops the start (main exits
 * EX_NOUSER), and so does a socket whose mode or owner cannot be set (a
 * socket more open than configured, or closed to the MTA, is not a state
 * to run in).  The held log is a record, never a reason to stop mail: a
 * mode or owner it cannot be given is a warning.  After the drop, root
 * must be out of reach (real, effective and saved ids), or the start stops.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "milter.h"

/* privs_group - SocketGroup: a group name or a numeric gid */
static int privs_group(const char *name, gid_t *gid_r)
{
	const struct group *gr;
	char *end;
	unsigned long n;

	if ((gr = getgrnam(name)) != NULL) {
		*gid_r = gr->gr_gid;
		return 0;
	}
	n = strtoul(name, &end, 10);
	if (*name >= '0' && *name <= '9' && *end == '\0' && n < (gid_t)-1) {
		*gid_r = (gid_t)n;
		return 0;
	}
	mlog_err("SocketGroup %s: no such group", name);
	return -1;
}

/* privs_lookup - resolve UserID "user[:group]" and SocketGroup */
int privs_lookup(const char *spec, const char *sock_group, struct privs *u)
{
	const struct passwd *pw;
	const struct group *gr;
	char *colon;

	u->sock_gid = (gid_t)-1;
	if (sock_group != NULL && privs_group(sock_group, &u->sock_gid) < 0)
		return -1;
	if (spec == NULL || *spec == '\0')
		return 0;
	if (snprintf(u->name, sizeof(u->name), "%s", spec) >= (int)sizeof(u->name)) {
		mlog_err("UserID %s: name too long", spec);
		return -1;
	}
	colon = strchr(u->name, ':');
	if (colon != NULL)
		*colon++ = '\0';
	if ((pw = getpwnam(u->name)) == NULL) {
		mlog_err("UserID %s: no such user", u->name);
		return -1;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	if (colon != NULL && *colon != '\0') {
		if ((gr = getgrnam(colon)) == NULL) {
			mlog_err("UserID %s: no such group '%s'", spec, colon);
			return -1;
		}
		u->gid = gr->gr_gid;
	}
	if (geteuid() != 0) {
		if (geteuid() != u->uid)
			mlog_warn("not started as root: UserID %s ignored", spec);
		return 0;
	}
	u->set = true;
	if (sock_group == NULL)
		u->sock_gid = u->gid;
	return 0;
}

/* privs_socket - SocketMode, and UserID / SocketGroup as the owner */
int privs_socket(const char *path, mode_t mode, const struct privs *u)
{
	if (chmod(path, mode) < 0) {
		mlog_err("Socket %s: chmod %04o: %s", path, (unsigned)mode, strerror(errno));
		return -1;
	}
	if ((u->set || u->sock_gid != (gid_t)-1) &&
	    chown(path, u->set ? u->uid : (uid_t)-1, u->sock_gid) < 0) {
		mlog_err("Socket %s: chown to UserID/SocketGroup: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* privs_held_log - hand the held log's files (SQLite's -wal and -shm too)
 * to UserID, at mode 0640 at most: they hold senders and subjects */
void privs_held_log(const char *path, const struct privs *u)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char file[PATH_MAX];
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if (snprintf(file, sizeof(file), "%s%s", path, sfx[i]) >= (int)sizeof(file))
			continue;
		if (u->set && chown(file, u->uid, u->gid) < 0 && errno != ENOENT)
			mlog_warn("chown %s: %s", file, strerror(errno));
		if (stat(file, &st) < 0 || (st.st_mode & 0137) == 0)
			continue;
		if (chmod(file, st.st_mode & 0640) < 0)
			mlog_warn("chmod %s: %s", file, strerror(errno));
		else
			mlog_warn("HeldLog %s was mode %04o; now %04o", file,
			    (unsigned)(st.st_mode & 07777), (unsigned)(st.st_mode & 0640));
	}
}

/* privs_drop - become UserID for good */
int privs_drop(const struct privs *u)
{
	if (!u->set)
		return 0;
	if (setgid(u->gid) < 0 || initgroups(u->name, u->gid) < 0 || setuid(u->uid) < 0) {
		mlog_err("cannot become UserID %s: %s", u->name, strerror(errno));
		return -1;
	}
	/* Real, effective and saved ids all changed: root cannot come back. */
	if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		mlog_err("UserID %s: root privileges could be regained; stopping", u->name);
		return -1;
	}
	return 0;
}

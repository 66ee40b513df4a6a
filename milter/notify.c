/*
 * notify - systemd's readiness protocol (sd_notify(3)) without libsystemd:
 * one datagram to $NOTIFY_SOCKET per change of state.
 *
 * Under Type=notify, systemd starts what comes after the milter (the MTA)
 * only once the milter listens, and `systemctl reload` returns once the
 * new configuration is in (or was refused).  Outside systemd there is no
 * NOTIFY_SOCKET and every call does nothing.  A datagram that cannot be
 * sent is dropped: the protocol is advisory, and systemd's own start
 * timeout covers a READY=1 that never arrives.
 *
 * NOTIFY_SOCKET is read from the environment, which nothing in the milter
 * changes, so the threads that call this need no lock.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "milter.h"

/* notify_send - send state ("READY=1", ...) to systemd, if it listens */
void notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;
	int fd;

	/* a path, or "@name" for Linux's abstract namespace */
	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	if ((len = strlen(path)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	(void)sendto(fd, state, strlen(state), MSG_NOSIGNAL, (const struct sockaddr *)&sa,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

/* notify_reloading - RELOADING=1 with the CLOCK_MONOTONIC time systemd
 * 253 and later want beside it */
void notify_reloading(void)
{
	struct timespec ts;
	char state[64];

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) {
		notify_send("RELOADING=1");
		return;
	}
	snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
	notify_send(state);
}

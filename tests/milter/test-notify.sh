#!/bin/bash
# test-notify - preflight-milter speaks systemd's readiness protocol
# (Type=notify): a datagram socket stands in for systemd's NOTIFY_SOCKET
# and records what arrives, in order.
#   READY=1       once the milter's socket listens
#   RELOADING=1   (with MONOTONIC_USEC) at SIGUSR1, then READY=1 when the
#                 new file is in - and also when it was refused
#   STOPPING=1    at SIGTERM
# Also: with stderr being the journal (JOURNAL_STREAM names it) and
# Syslog yes, the milter does not copy its lines to stderr; without
# JOURNAL_STREAM it does (-f).
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"

milter=$top_builddir/milter/preflight-milter
[ -x "$milter" ] || tap_skip_all "$milter is not built"
command -v python3 >/dev/null || tap_skip_all "python3 is not installed"
tmp_workdir || tap_skip_all "cannot create a work dir"

# the stand-in for systemd: one line per datagram, newlines shown as '|'
python3 - "$WORKDIR/notify.sock" "$WORKDIR/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode().replace("\n", "|") + "\n")
PY
add_cleanup "kill $!"
wait_for_file "$WORKDIR/notify.sock" 10 || tap_skip_all "the stand-in socket did not appear"
touch "$WORKDIR/notify.log"

conf=$WORKDIR/pf.conf
write_conf() {
	printf 'Socket unix:%s\nSyslog no\nHeldLog none\nChecks format size\n%s\n' \
		"$WORKDIR/pf.sock" "$1" >"$conf"
}
# lines N - the first N lines the stand-in got, joined with spaces
lines() {
	head -n "$1" "$WORKDIR/notify.log" | tr '\n' ' '
}
has_lines() {
	[ "$(wc -l <"$WORKDIR/notify.log")" -ge "$1" ]
}

write_conf ""
NOTIFY_SOCKET=$WORKDIR/notify.sock "$milter" -f -c "$conf" 2>"$WORKDIR/pf.log" &
pid=$!
add_cleanup "kill $pid 2>/dev/null"
wait_until 20 has_lines 1
tap_is "$(lines 1)" "READY=1 " "READY=1 at start"
tap_check "the socket listens when READY=1 arrives" test -S "$WORKDIR/pf.sock"

kill -USR1 "$pid"
wait_until 20 has_lines 3
tap_like "$(sed -n 2p "$WORKDIR/notify.log")" "^RELOADING=1\|MONOTONIC_USEC=[0-9]+$" \
	"SIGUSR1: RELOADING=1 with MONOTONIC_USEC"
tap_is "$(sed -n 3p "$WORKDIR/notify.log")" "READY=1" "then READY=1 once reloaded"
tap_like "$(cat "$WORKDIR/pf.log")" "configuration reloaded" "the reload was logged"

write_conf "NoSuchKey 1"
kill -USR1 "$pid"
wait_until 20 has_lines 5
tap_is "$(sed -n 5p "$WORKDIR/notify.log")" "READY=1" "a refused reload also ends with READY=1"
tap_like "$(cat "$WORKDIR/pf.log")" "keeping the old configuration" "the refusal was logged"

kill -TERM "$pid"
wait "$pid"
tap_is "$?" 0 "exit 0 on SIGTERM"
wait_until 10 has_lines 6
tap_is "$(sed -n 6p "$WORKDIR/notify.log")" "STOPPING=1" "STOPPING=1 at SIGTERM"
tap_is "$(wc -l <"$WORKDIR/notify.log")" 6 "nothing else was sent"

# Under the journal: stderr is where JOURNAL_STREAM points; with Syslog
# yes the lines go to syslog only (one copy in the journal).  -n loads,
# logs nothing and exits, so run the milter briefly and stop it.
write_conf ""
sed -i 's/^Syslog no$/Syslog yes/' "$conf"
rm -f "$WORKDIR/pf.sock"
exec 3>"$WORKDIR/journal.err"
js=$(stat -c '%d:%i' "$WORKDIR/journal.err")
# READY=1 (not the socket file) says SIGTERM is in libmilter's hands:
# the socket exists a moment before the milter blocks the signal
n=$(wc -l <"$WORKDIR/notify.log")
NOTIFY_SOCKET=$WORKDIR/notify.sock JOURNAL_STREAM=$js "$milter" -f -c "$conf" 2>&3 &
pid=$!
exec 3>&-
wait_until 20 has_lines $((n + 1))
kill -TERM "$pid"
wait "$pid"
tap_is "$?" 0 "under the journal: exit 0 on SIGTERM"
tap_is "$(wc -c <"$WORKDIR/journal.err")" 0 "under the journal with Syslog yes: nothing on stderr"
rm -f "$WORKDIR/pf.sock"
n=$(wc -l <"$WORKDIR/notify.log")
NOTIFY_SOCKET=$WORKDIR/notify.sock "$milter" -f -c "$conf" 2>"$WORKDIR/plain.err" &
pid=$!
wait_until 20 has_lines $((n + 1))
kill -TERM "$pid"
wait "$pid"
tap_like "$(cat "$WORKDIR/plain.err")" "starting" "without JOURNAL_STREAM, -f copies lines to stderr"
tap_done

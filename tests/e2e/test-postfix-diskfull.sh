#!/bin/bash
# tests/e2e/test-postfix-diskfull.sh - the held log's disk fills up while
# mail that must be held flows through a real, private Postfix.
#
# The held log lives on a small tmpfs (mounted here, unmounted at exit).
# After one message is held normally, a filler file takes every free block,
# so SQLite cannot add a row.  tests/e2e/kill-client.py then sends messages
# that must be held (two From: headers) and clean ones; on a 4xx it sends
# again later.  Once the client has been refused a few times, the milter is
# killed with SIGKILL and started again on the full disk (it must open the
# log and keep refusing); then the filler goes and the retries get through.
# Requirement: no held message without a row.  So while the row cannot be
# written a hold must be a tempfail (OnError tempfail), never a silent
# quarantine.  At the end every Message-ID is exactly once in the hold
# queue with a held-log row naming its queue id (hold kind) or at the sink
# (clean kind); nothing lost or duplicated, nothing that should be held
# delivered, no 5xx, the milter still runs, `PRAGMA integrity_check` is ok.
# TAP; needs root (mount, Postfix); skips when PREFLIGHT_DISTCHECK=1.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/postfix-env.sh"
. "$here/e2e-lib.sh"
N=${DISKFULL_COUNT:-12}
TEMPFAILS_WANTED=3

e2e_require "mount a tmpfs and start a private Postfix" swaks jq python3 sqlite3 mount umount
e2e_workdir
DB=$STATE/held.db
if ! mount -t tmpfs -o size=1m,mode=0755 preflight-test "$STATE" 2>"$WORKDIR/mount.err"; then
	tap_skip_all "cannot mount a tmpfs here: $(cat "$WORKDIR/mount.err")"
fi
# Registered first, so it runs last: after the milter has closed the log.
add_cleanup 'umount "$STATE" || umount -l "$STATE"'
chown postfix "$STATE"

e2e_start_postfix
e2e_milter_up "OnError tempfail"
tap_ok "Postfix and preflight-milter run; held log on a 1 MB tmpfs"
tap_diag "set up ($(duration_since "$T0") s)"

# ---- before: a held message gets its row ----------------------------------

mkmsg "$WORKDIR/before.eml" before $'From: Mallory <mallory@example.com>\n'
out=$(send "$WORKDIR/before.eml")
bqid=$(queued_id "$out")
if [ -n "$bqid" ] && wait_until 10 in_hold "$bqid" &&
    [ "$(held_field "$bqid" status)" = held ]; then
	tap_ok "before the disk fills: $bqid is held with a row"
else
	tap_fail "before the disk fills: ${bqid:-?} is held with a row" "$out" "$(held_rows)"
fi

# ---- fill the tmpfs --------------------------------------------------------

dd if=/dev/zero of="$STATE/filler" bs=4k >/dev/null 2>&1
avail=$(df -k --output=avail "$STATE" | tail -1 | tr -d ' ')
tap_is "$avail" 0 "the filler takes every free block of the tmpfs"
files=("$STATE"/held.db*)
tap_diag "filler $(du -k "$STATE/filler" | cut -f1) KB; ${#files[@]} held-log files"

# ---- the client sends while the log cannot grow ----------------------------

log0=$(wc -l <"$WORKDIR/milter.log")
client_start --count "$N" --conns 2 --attempts 400 --kinds hold,hold,clean

refused_or_done() {
	[ "$(grep -c '^tempfail ' "$EVENTS")" -ge "$TEMPFAILS_WANTED" ] || client_gone
}
wait_until 90 refused_or_done
full_ok=$(grep -c '^ok ' "$RESULTS")
full_tf=$(grep -c '^tempfail ' "$EVENTS")
if [ "$full_tf" -ge "$TEMPFAILS_WANTED" ]; then
	tap_ok "disk full: the client gets 4xx replies ($full_tf), so it keeps the mail"
else
	tap_fail "disk full: the client gets 4xx replies, so it keeps the mail" \
	    "got $full_tf tempfails and $full_ok accepted messages"
fi
tap_like "$(grep '^tempfail ' "$EVENTS" | head -3)" ' 4[0-9][0-9] 4\.[0-9.]+ ' \
    "the refusals are 4xx with an enhanced status code"
tap_like "$(tail -n +"$((log0 + 1))" "$WORKDIR/milter.log")" \
    'held log.*(full|disk|space)' "the milter logs that the held log is full"
tap_diag "while full: $full_ok accepted, $full_tf tempfails ($(duration_since "$T0") s)"

# ---- kill -9 while full: the restarted milter opens the log and still
# refuses to hold without a row ------------------------------------------------

stop_milter KILL
ev0=$(wc -l <"$EVENTS")
log0=$(wc -l <"$WORKDIR/milter.log")
if start_milter "$CONF"; then
	tap_ok "disk still full: preflight-milter restarts after kill -9"
else
	tap_fail "disk still full: preflight-milter restarts after kill -9" \
	    "$(tail -5 "$WORKDIR/milter.log")"
fi
# Its own refusals (4.3.0), not Postfix's while it was down (4.7.1).
own_refusals() {
	[ "$(tail -n +"$((ev0 + 1))" "$EVENTS" | grep -c '^tempfail .* 4\.3\.0 ')" -ge 2 ] ||
	    client_gone
}
wait_until 60 own_refusals
tap_like "$(tail -n +"$((ev0 + 1))" "$EVENTS" | grep '^tempfail ')" ' 451 4\.3\.0 ' \
    "the restarted milter tempfails holds while the log cannot grow"
tap_unlike "$(tail -n +"$((log0 + 1))" "$WORKDIR/milter.log")" 'without the held log' \
    "the restarted milter opened the held log"

# ---- free the space: the retries get through -------------------------------

rm -f "$STATE/filler"
client_finish 120 "space freed: the client ends with a final answer for all $N messages"
tap_all_accepted
tap_only_hold_left 60

# ---- count by Message-ID ---------------------------------------------------

read_maps
lost=() dup=() wrong=() norow=() delivered=0 held=0
for ((i = 0; i < N; i++)); do
	case $((i % 3)) in 2) k=clean ;; *) k=hold ;; esac
	tally "kill-$i.$TAG@example.com" "$k"
done
# Every message in the hold queue, not just the client's, needs its row.
for q in $(awk '{ print $2 }' "$WORKDIR/hold.map"); do
	[ -n "${rowof[$q]:-}" ] || norow+=("queue id $q")
done

tap_none lost "no message lost" lost
tap_none dup "no message duplicated" duplicated
tap_none wrong "nothing that should be held was delivered (and no clean one held)" misplaced
tap_none norow "no held message without a held-log row naming its queue id" "no row"
tap_is "$(wc -l <"$WORKDIR/hold.map")" "$((held + 1))" \
    "the hold queue has the $held held messages and the one from before"
if kill -0 "$MILTER_PID" 2>/dev/null; then
	tap_ok "the milter still runs"
else
	tap_fail "the milter still runs" "$(tail -10 "$WORKDIR/milter.log")"
fi

stop_milter TERM
tap_is "$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1)" ok "held log: PRAGMA integrity_check is ok"
tap_is "$(sqlite3 "$DB" "SELECT count(*) FROM messages WHERE status = 'held'" 2>&1)" \
    "$((held + 1))" "held log: one held row per held message"
tap_diag "messages $N: delivered $delivered, held $held; 4xx while full $full_tf," \
    "4xx in all $(grep -c '^tempfail ' "$EVENTS"); $(duration_since "$T0") s"
tap_done

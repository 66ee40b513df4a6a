#!/bin/bash
# tests/e2e/test-postfix.sh - preflight-milter behind a real, private Postfix.
#
# Starts an smtp-sink, a private Postfix (tests/e2e/postfix-env.sh) and the
# real preflight-milter on a unix socket, sends mail with swaks and checks:
# a clean message is delivered untouched; a message with two From: headers
# is accepted but lands in the hold queue with a held-log row carrying the
# same queue id; `preflight held release` sends it on; with RejectScore 5
# the client sees the 550 5.7.1 and the finding id; with the milter killed
# Postfix tempfails (milter_default_action = tempfail) and the same message
# goes through once the milter is back.  Everything is stopped on exit.
# TAP output; skips when PREFLIGHT_DISTCHECK=1 or when not root or the
# tools are missing.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/postfix-env.sh"
. "$here/e2e-lib.sh"

e2e_require "start a private Postfix" swaks jq
e2e_workdir

# ---- set up ---------------------------------------------------------------

e2e_start_postfix
tap_ok "private Postfix runs (smtpd 127.0.0.1:$PFENV_PORT, sink :$PFENV_SINK_PORT)"
e2e_milter_up
tap_ok "preflight-milter listens on $SOCK"

# ---- 1: a clean message is delivered and gets no header -------------------

mkmsg "$WORKDIR/clean.eml" clean ""
out=$(send "$WORKDIR/clean.eml")
qid=$(queued_id "$out")
tap_like "$out" '<- +250 .*queued as' "clean message: 250 queued"
if [ -n "$qid" ] && wait_for_log "$PFENV_MAILLOG" "$qid: .*status=sent" 20; then
	tap_ok "clean message $qid delivered to the sink"
else
	tap_fail "clean message ${qid:-?} delivered to the sink" "$(tail -20 "$PFENV_MAILLOG")"
fi
f=$(sink_file clean)
if [ -n "$f" ] && ! grep -qi '^X-Preflight:' "$f"; then
	tap_ok "clean message arrives without an X-Preflight header"
else
	tap_fail "clean message arrives without an X-Preflight header" \
	    "$(cat "${f:-/dev/null}")"
fi
tap_like "$(cat "$WORKDIR/milter.log")" "${qid:-none}: verdict=accept" \
    "milter logged verdict=accept for $qid"

# ---- 2: two From: headers -> 250, but held -------------------------------

mkmsg "$WORKDIR/risky.eml" risky $'From: Mallory <mallory@example.com>\n'
out=$(send "$WORKDIR/risky.eml")
hqid=$(queued_id "$out")
tap_like "$out" '<- +250 .*queued as' "two From: headers: SMTP answer is 250"
if [ -n "$hqid" ] && wait_until 10 in_hold "$hqid"; then
	tap_ok "message $hqid is in Postfix's hold queue"
else
	tap_fail "message ${hqid:-?} is in Postfix's hold queue" \
	    "$(postqueue -c "$PFENV_CONF" -j)" "$(tail -5 "$PFENV_MAILLOG")"
fi
if wait_for_log "$PFENV_MAILLOG" "${hqid:-none}: milter-hold: .*milter triggers HOLD action" 10; then
	tap_ok "maillog shows the milter HOLD for $hqid"
else
	tap_fail "maillog shows the milter HOLD for $hqid" "$(tail -5 "$PFENV_MAILLOG")"
fi
rowid=$(held_field "$hqid" id)
if [ -n "$rowid" ] && [ "$rowid" != null ]; then
	tap_ok "held log has a row (id $rowid) for queue id $hqid"
else
	tap_fail "held log has a row for queue id $hqid" "$(held_rows)" "$(cat "$WORKDIR/cli.err")"
fi
tap_is "$(held_field "$hqid" verdict)" hold "held-log row verdict is hold"
tap_is "$(held_field "$hqid" status)" held "held-log row status is held"
tap_like "$(held_field "$hqid" findings)" 'format-from-count' \
    "held-log row lists format-from-count"

# ---- 3: release -----------------------------------------------------------

out=$("$CLI" held release "${rowid:-0}" -c "$CONF" 2>&1)
rc=$?
tap_is "$rc" 0 "preflight held release $rowid exits 0"
[ "$rc" = 0 ] || tap_diag "$out"
_not_held() { ! in_hold "$1"; }
if wait_until 10 _not_held "$hqid"; then
	tap_ok "$hqid is no longer in the hold queue"
else
	tap_fail "$hqid is no longer in the hold queue" "$(postqueue -c "$PFENV_CONF" -j)"
fi
if wait_for_log "$PFENV_MAILLOG" "$hqid: .*status=sent" 30; then
	tap_ok "released message $hqid delivered to the sink"
else
	tap_fail "released message $hqid delivered to the sink" "$(tail -10 "$PFENV_MAILLOG")"
fi
f=$(sink_file risky)
tap_like "$(header_lines "${f:-/dev/null}")" '^X-Preflight: hold .*format-from-count' \
    "released copy carries the X-Preflight hold header"
tap_is "$(held_field "$hqid" status)" released "held-log row status is released"

# ---- 4: RejectScore 5 -> 550 5.7.1 with the finding id --------------------

stop_milter TERM
RCONF=$WORKDIR/reject.conf
e2e_write_conf "$RCONF" "RejectScore 5"
start_milter "$RCONF" || tap_diag "milter restart failed: $(tail -5 "$WORKDIR/milter.log")"
mkmsg "$WORKDIR/reject.eml" reject $'From: Mallory <mallory@example.com>\n'
before=$(queue_count)
out=$(send "$WORKDIR/reject.eml")
tap_like "$out" '<\*\* +550[ -]' "RejectScore 5: the client sees 550"
tap_like "$out" '<\*\* +550[ -]5\.7\.1' "the reply has status 5.7.1"
tap_like "$out" '<\*\* +550.*format-from-count' "the reply names format-from-count"
tap_unlike "$out" 'queued as' "the rejected message was not queued"
tap_is "$(queue_count)" "$before" "the queue did not grow"
rqid=$(wait_until 5 grep -q 'milter-reject: END-OF-MESSAGE' "$PFENV_MAILLOG" &&
    sed -n 's/.*: \([0-9A-F]*\): milter-reject: END-OF-MESSAGE.*/\1/p' "$PFENV_MAILLOG" | tail -1)
tap_is "$(held_field "${rqid:-none}" status)" rejected \
    "held log has the rejected message ${rqid:-?} with status rejected"

# ---- 5: milter gone -> tempfail, nothing lost -----------------------------

stop_milter KILL
mkmsg "$WORKDIR/later.eml" later ""
loglines=$(wc -l <"$PFENV_MAILLOG")
out=$(send "$WORKDIR/later.eml")
tap_like "$out" '<\*\* +4[0-9][0-9][ -]' "milter down: the client gets a 4xx"
tap_unlike "$out" 'queued as' "milter down: nothing accepted"
tap_is "$(queue_count)" 0 "milter down: the queue is empty"
_new_log_has() { tail -n +"$((loglines + 1))" "$PFENV_MAILLOG" | grep -Eq -- "$1"; }
if wait_until 10 _new_log_has 'connect to Milter service .*(Connection refused|No such file)'; then
	tap_ok "maillog shows Postfix could not reach the milter"
else
	tap_fail "maillog shows Postfix could not reach the milter" "$(tail -5 "$PFENV_MAILLOG")"
fi
start_milter "$CONF" || tap_diag "milter restart failed: $(tail -5 "$WORKDIR/milter.log")"
out=$(send "$WORKDIR/later.eml")
lqid=$(queued_id "$out")
tap_like "$out" '<- +250 .*queued as' "milter back: the same message is accepted"
if [ -n "$lqid" ] && wait_for_log "$PFENV_MAILLOG" "$lqid: .*status=sent" 20; then
	tap_ok "resent message $lqid delivered to the sink"
else
	tap_fail "resent message ${lqid:-?} delivered to the sink" "$(tail -10 "$PFENV_MAILLOG")"
fi
tap_like "$(cat "$WORKDIR/milter.log")" "${lqid:-none}: verdict=accept" \
    "the resent message was checked (verdict=accept)"

stop_milter TERM
tap_done

#!/bin/bash
# tests/e2e/test-sendmail.sh - preflight-milter behind a real, private Sendmail.
#
# The Sendmail twin of test-postfix.sh.  Starts an smtp-sink, a private
# Sendmail (tests/e2e/sendmail-env.sh: Debian's sendmail-bin unpacked by
# scripts/deps.sh, INPUT_MAIL_FILTER on a unix socket, F=T) and the real
# preflight-milter (MTA sendmail), sends mail with swaks and checks: a
# clean message is delivered untouched, and the milter logged it under the
# queue id Sendmail gave (macro i); a message with two From: headers is
# accepted but quarantined (mailq -qQ lists it with the reason, the hf
# file is there) with a held-log row carrying the same queue id;
# `preflight held release` sends it on with the X-Preflight header;
# `preflight held delete` removes another one from the queue; with
# RejectScore 5 the client sees the 550 5.7.1 and the finding id and
# nothing is queued; with the milter gone the client gets a 4xx (F=T).
# Everything is stopped on exit.  TAP output; skips when
# PREFLIGHT_DISTCHECK=1, when not root, or when the unpacked Sendmail or
# a tool is missing.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/postfix-env.sh"	# PFENV_SMTP_SINK, for e2e_require
. "$here/sendmail-env.sh"
. "$here/e2e-lib.sh"

e2e_require "start a private Sendmail" swaks jq
smenv_have || tap_skip_all "no unpacked Sendmail under $SMENV_ROOT (run scripts/deps.sh)," \
    "or m4, unshare or nsenter missing"
e2e_workdir
SM=$WORKDIR/sm

# sm_write_conf FILE [LINES] - the milter's configuration for Sendmail:
# no DNS (Checks format size), held release/delete through the private
# Sendmail.  The milter stays root: Sendmail (root) reaches its socket.
sm_write_conf() {
	cat >"$1" <<EOF
Socket unix:$SOCK
Syslog no
HeldLog $STATE/held.db
StateBackend sqlite:$STATE/state.db
Checks format size
MTA sendmail
SendmailPath $SMENV_SENDMAIL
SendmailConfig $SMENV_CF
${2:-}
EOF
}

# smsend FILE - swaks through the private Sendmail
smsend() {
	swaks --server 127.0.0.1 --port "$SMENV_PORT" --from alice@example.com \
	    --to bob@example.org --timeout 60 --data "@$1" 2>&1
}

# sm_qid SWAKS-OUTPUT - the queue id in Sendmail's 250 reply
sm_qid() {
	printf '%s\n' "$1" | sed -n 's/.*<- *250 [0-9.]* \([0-9A-Za-z]*\) Message accepted.*/\1/p' |
	    tail -1
}

# mailq_quarantined - `mailq -qQ` of the private Sendmail
mailq_quarantined() {
	smenv_run "$SMENV_SENDMAIL" -C "$SMENV_CF" -bp -qQ 2>&1
}

# quarantined QUEUEID - mailq -qQ lists it, and its hf file is there
quarantined() {
	[ -f "$SMENV_QUEUE/hf$1" ] && mailq_quarantined | grep -q "^$1 "
}

# gone QUEUEID - no queue file of it is left
gone() {
	! ls "$SMENV_QUEUE" | grep -q "^..$1\$"
}

in_sink() {
	[ -n "$(sink_file "$1")" ]
}

# ---- set up ---------------------------------------------------------------

for b in "$MILTER" "$CLI"; do
	[ -x "$b" ] || { tap_fail "$b is built"; tap_done; exit 1; }
done
add_cleanup 'stop_milter KILL'
add_cleanup 'smenv_stop "$SM"'
if ! smenv_start "$SM" "unix:$SOCK" 2>"$WORKDIR/smenv.err"; then
	tap_fail "private Sendmail starts" "$(cat "$WORKDIR/smenv.err")"
	tap_done
	exit 1
fi
. "$SM/env"
PFENV_SINK_DIR=$SMENV_SINK_DIR	# for sink_file
tap_ok "private Sendmail runs (127.0.0.1:$SMENV_PORT, sink :$SMENV_SINK_PORT)"
tap_is "$(smenv_run hostname)" mta.preflight.example.com \
    "Sendmail's view has the qualified host name (no DNS at start)"
sm_write_conf "$CONF"
if start_milter "$CONF"; then
	tap_ok "preflight-milter listens on $SOCK"
else
	tap_fail "preflight-milter listens on $SOCK" "$(tail -20 "$WORKDIR/milter.log")"
	tap_done
	exit 1
fi

# ---- 1: a clean message is delivered, logged under Sendmail's queue id ----

mkmsg "$WORKDIR/clean.eml" clean ""
out=$(smsend "$WORKDIR/clean.eml")
qid=$(sm_qid "$out")
tap_like "$out" '<- +250 [0-9.]+ [0-9A-Za-z]+ Message accepted' "clean message: 250 accepted"
if wait_until 30 in_sink clean; then
	tap_ok "clean message ${qid:-?} reaches the sink"
else
	tap_fail "clean message ${qid:-?} reaches the sink" "$(mailq_quarantined)"
fi
f=$(sink_file clean)
tap_unlike "$(header_lines "${f:-/dev/null}")" '^X-Preflight:' \
    "clean message arrives without an X-Preflight header"
tap_like "$(cat "$WORKDIR/milter.log")" "${qid:-none}: verdict=accept" \
    "milter logged verdict=accept under Sendmail's queue id $qid (macro i)"

# ---- 2: two From: headers -> 250, quarantined -----------------------------

mkmsg "$WORKDIR/risky.eml" risky $'From: Mallory <mallory@example.com>\n'
out=$(smsend "$WORKDIR/risky.eml")
hqid=$(sm_qid "$out")
tap_like "$out" '<- +250 [0-9.]+ [0-9A-Za-z]+ Message accepted' \
    "two From: headers: SMTP answer is 250"
if [ -n "$hqid" ] && wait_until 10 quarantined "$hqid"; then
	tap_ok "message $hqid is quarantined (hf$hqid, listed by mailq -qQ)"
else
	tap_fail "message ${hqid:-?} is quarantined" "$(ls -l "$SMENV_QUEUE")" "$(mailq_quarantined)"
fi
tap_like "$(mailq_quarantined)" 'QUARANTINE: preflight: format-from-count' \
    "mailq -qQ gives the reason preflight: format-from-count"
tap_like "$(cat "$WORKDIR/milter.log")" "${hqid:-none}: verdict=hold .*findings=format-from-count" \
    "milter logged verdict=hold under queue id $hqid"
rowid=$(held_field "$hqid" id)
if [ -n "$rowid" ] && [ "$rowid" != null ]; then
	tap_ok "held log has a row (id $rowid) for queue id $hqid"
else
	tap_fail "held log has a row for queue id $hqid" "$(held_rows)" "$(cat "$WORKDIR/cli.err")"
fi
tap_is "$(held_field "$hqid" status)" held "held-log row status is held"
_risky_not_in_sink() { ! in_sink risky; }
tap_check "the quarantined message is not at the sink" _risky_not_in_sink

# ---- 3: release -----------------------------------------------------------

out=$(smenv_run "$CLI" held release "${rowid:-0}" -c "$CONF" 2>&1)
rc=$?
tap_is "$rc" 0 "preflight held release $rowid exits 0"
[ "$rc" = 0 ] || tap_diag "$out"
_not_quarantined() { ! quarantined "$1"; }
if wait_until 10 _not_quarantined "$hqid"; then
	tap_ok "$hqid is no longer quarantined"
else
	tap_fail "$hqid is no longer quarantined" "$(mailq_quarantined)"
fi
if wait_until 30 in_sink risky; then
	tap_ok "released message $hqid reaches the sink"
else
	tap_fail "released message $hqid reaches the sink" "$(ls -l "$SMENV_QUEUE")"
fi
f=$(sink_file risky)
tap_like "$(header_lines "${f:-/dev/null}")" '^X-Preflight: hold .*format-from-count' \
    "released copy carries the X-Preflight hold header"
tap_is "$(held_field "$hqid" status)" released "held-log row status is released"
tap_is "$(wait_until 30 gone "$hqid" && echo empty)" empty "no queue file of $hqid is left"

# ---- 4: delete ------------------------------------------------------------

mkmsg "$WORKDIR/delete.eml" delete $'From: Mallory <mallory@example.com>\n'
out=$(smsend "$WORKDIR/delete.eml")
dqid=$(sm_qid "$out")
if [ -n "$dqid" ] && wait_until 10 quarantined "$dqid"; then
	tap_ok "a second risky message $dqid is quarantined"
else
	tap_fail "a second risky message ${dqid:-?} is quarantined" "$out"
fi
drow=$(held_field "$dqid" id)
out=$(smenv_run "$CLI" held delete "${drow:-0}" -c "$CONF" 2>&1)
rc=$?
tap_is "$rc" 0 "preflight held delete $drow exits 0"
[ "$rc" = 0 ] || tap_diag "$out"
tap_check "no queue file of $dqid is left (hf, df)" gone "${dqid:-none}"
tap_unlike "$(mailq_quarantined)" "^${dqid:-none} " "mailq -qQ no longer lists $dqid"
tap_is "$(held_field "$dqid" status)" deleted "held-log row status is deleted"
out=$(smenv_run "$CLI" held release "${drow:-0}" -c "$CONF" 2>&1)
tap_is "$?" 1 "releasing the deleted message is refused"

# ---- 5: RejectScore 5 -> 550 5.7.1 with the finding id --------------------

stop_milter TERM
RCONF=$WORKDIR/reject.conf
sm_write_conf "$RCONF" "RejectScore 5"
start_milter "$RCONF" || tap_diag "milter restart failed: $(tail -5 "$WORKDIR/milter.log")"
mkmsg "$WORKDIR/reject.eml" reject $'From: Mallory <mallory@example.com>\n'
before=$(ls "$SMENV_QUEUE" | wc -l)
out=$(smsend "$WORKDIR/reject.eml")
tap_like "$out" '<\*\* +550[ -]' "RejectScore 5: the client sees 550"
tap_like "$out" '<\*\* +550[ -]5\.7\.1' "the reply has status 5.7.1"
tap_like "$out" '<\*\* +550.*format-from-count' "the reply names format-from-count"
tap_unlike "$out" 'Message accepted' "the rejected message was not accepted"
tap_is "$(ls "$SMENV_QUEUE" | wc -l)" "$before" "the queue did not grow"
rqid=$(sed -n 's/.*: \([0-9A-Za-z]*\): verdict=reject .*/\1/p' "$WORKDIR/milter.log" | tail -1)
tap_is "$(held_field "${rqid:-none}" status)" rejected \
    "held log has the rejected message ${rqid:-?} with status rejected"

# ---- 6: milter gone -> tempfail (F=T) -------------------------------------

stop_milter KILL
mkmsg "$WORKDIR/later.eml" later ""
out=$(smsend "$WORKDIR/later.eml")
tap_like "$out" '<\*\* +4[0-9][0-9][ -]' "milter down: the client gets a 4xx"
tap_unlike "$out" 'Message accepted' "milter down: nothing accepted"

tap_done

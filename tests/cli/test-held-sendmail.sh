#!/bin/bash
# test-held-sendmail - `preflight held release|delete` with MTA sendmail, on
# a log written by cli/store-add, a fake queue directory (named by the
# QueueDirectory line of a fake .cf) and a fake sendmail (SendmailPath)
# that records its argv and does to the queue what Sendmail does:
# release runs exactly `-C CF -qQ -Q -qIQID` then `-C CF -qIQID`, and only
# a message whose hf file is there, and gone afterwards, is released;
# delete removes hf, df and xf (flat or qf/ df/ xf/ layout) and nothing
# else, and refuses while Sendmail holds the hf file's lock; hostile queue
# ids never reach sendmail or a file name.  The real Sendmail is
# tests/e2e/test-sendmail.sh's.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"

pf="$top_builddir/tools/preflight"
add="$top_builddir/tests/cli/store-add"

command -v jq >/dev/null 2>&1 || tap_skip_all "jq is not installed"
command -v flock >/dev/null 2>&1 || tap_skip_all "flock (util-linux) is not installed"
[ -x "$pf" ] || tap_skip_all "$pf is not built"
[ -x "$add" ] || tap_skip_all "$add is not built"
tmp_workdir

db=$WORKDIR/held.db
q=$WORKDIR/mqueue
cf=$WORKDIR/sendmail.cf
mkdir "$q"
printf 'O QueueDirectory=%s\nO Timeout.ident=0s\n' "$q" >"$cf"
export FAKE_LOG=$WORKDIR/sendmail.log FAKE_Q=$q
fake=$WORKDIR/fake-sendmail
conf=$WORKDIR/preflight.conf
printf 'HeldLog %s\nMTA sendmail\nSendmailPath %s\nSendmailConfig %s\n' "$db" "$fake" "$cf" >"$conf"

# The fake sendmail: one line per run, each argument in brackets.  -qQ -Q
# -qIQID unquarantines (hf -> qf) unless FAKE_NOOP; -qIQID alone delivers
# (qf and df gone).  FAKE_EXIT / FAKE_RUN_EXIT: the two exit statuses.
cat >"$fake" <<'EOF'
#!/bin/bash
printf '[%s]' "$@" >>"$FAKE_LOG"
printf '\n' >>"$FAKE_LOG"
id=${@: -1}
id=${id#-qI}
case " $* " in
*" -qQ -Q "*) ;;
*)	rm -f "$FAKE_Q/qf$id" "$FAKE_Q/df$id"
	exit "${FAKE_RUN_EXIT:-0}" ;;
esac
[ -n "${FAKE_NOOP:-}" ] || [ "${FAKE_EXIT:-0}" != 0 ] || mv "$FAKE_Q/hf$id" "$FAKE_Q/qf$id"
exit "${FAKE_EXIT:-0}"
EOF
chmod +x "$fake"
: >"$FAKE_LOG"
unset FAKE_EXIT FAKE_RUN_EXIT FAKE_NOOP
calls() { wc -l <"$FAKE_LOG" | tr -d ' '; }

# held ARGS... - run preflight held -c $conf; sets out, err, rc
held() {
	out=$("$pf" held -c "$conf" "$@" 2>"$WORKDIR/stderr")
	rc=$?
	err=$(cat "$WORKDIR/stderr")
}
status_of() {
	"$pf" held -c "$conf" show --json "$1" 2>/dev/null | jq -r .status
}
# quarantine QID - its hf and df files, as Sendmail writes them
quarantine() {
	printf 'V8\nT0\nqpreflight: format-from-count\n.\n' >"$q/hf$1"
	printf 'body\n' >"$q/df$1"
}

# ---- release ---------------------------------------------------------------

quarantine 6AUGCIMK010415
r=$("$add" "$db" queue_id=6AUGCIMK010415 subject=Release)
held release "$r"
tap_is "$rc" 0 "release exits 0"
tap_is "$(cat "$FAKE_LOG")" "[-C][$cf][-qQ][-Q][-qI6AUGCIMK010415]
[-C][$cf][-qI6AUGCIMK010415]" "sendmail argv: -C CF -qQ -Q -qIQID, then -C CF -qIQID"
tap_is "$(status_of "$r")" released "the row is released"
tap_is "$(ls "$q")" "" "the fake queue is empty (unquarantined, then delivered)"

# sendmail exits 0 but the message stays quarantined (-qI matched nothing)
: >"$FAKE_LOG"
quarantine 6AUGNoop000001
r=$("$add" "$db" queue_id=6AUGNoop000001 subject=Noop)
FAKE_NOOP=1 held release "$r"
tap_is "$rc" 1 "release that leaves the hf file is refused"
tap_like "$err" "quarantined" "it says the message is still quarantined"
tap_is "$(status_of "$r")" held "the row stays held"
tap_is "$(calls)" 1 "no delivery run after a failed unquarantine"

# sendmail failing leaves the row held
: >"$FAKE_LOG"
FAKE_EXIT=75 held release "$r"
tap_is "$rc" 1 "release with a failing sendmail: exit 1"
tap_like "$err" "exit status 75" "the error gives sendmail's status"
tap_is "$(status_of "$r")" held "the row stays held"

# the delivery run failing: released all the same (the queue runs retry)
: >"$FAKE_LOG"
FAKE_RUN_EXIT=75 held release "$r"
tap_is "$rc" 0 "release whose delivery run fails: exit 0"
tap_like "$err" "delivery attempt failed" "with a warning"
tap_is "$(status_of "$r")" released "the row is released"
rm -f "$q"/*

# not in the quarantine: sendmail never runs
: >"$FAKE_LOG"
r=$("$add" "$db" queue_id=6AUGGone000002 subject=Gone)
held release "$r"
tap_is "$rc" 1 "release of a message with no hf file is refused"
tap_like "$err" "not in Sendmail's quarantine" "it says why"
tap_is "$(calls)" 0 "sendmail never ran"
tap_is "$(status_of "$r")" held "the row stays held"

# ---- delete ----------------------------------------------------------------

: >"$FAKE_LOG"
quarantine 6AUGDel0000003
printf 'transcript\n' >"$q/xf6AUGDel0000003"
quarantine 6AUGDel0000004	# a neighbour that must stay
r=$("$add" "$db" queue_id=6AUGDel0000003 subject=Delete)
held delete "$r"
tap_is "$rc" 0 "delete exits 0"
tap_is "$(ls "$q" | tr '\n' ' ')" "df6AUGDel0000004 hf6AUGDel0000004 " \
	"hf, df and xf of that message are gone, the neighbour's stay"
tap_is "$(status_of "$r")" deleted "the row is deleted"
tap_is "$(calls)" 0 "delete runs no sendmail"

# Sendmail holds the lock on the hf file: delete waits for another day
r=$("$add" "$db" queue_id=6AUGDel0000004 subject=Locked)
exec 9<"$q/hf6AUGDel0000004"
flock -x 9
held delete "$r"
tap_is "$rc" 1 "delete of a locked hf file is refused"
tap_like "$err" "try again" "it says to try again"
tap_is "$(ls "$q" | wc -l | tr -d ' ')" 2 "both files stay"
tap_is "$(status_of "$r")" held "the row stays held"
exec 9<&-
held delete "$r"
tap_is "$rc" 0 "once unlocked, delete goes through"
tap_is "$(ls "$q")" "" "and the queue is empty"

# the qf/ df/ xf/ layout of a queue directory
mkdir "$q/qf" "$q/df" "$q/xf"
printf 'V8\n' >"$q/qf/hf6AUGSplit00005"
printf 'body\n' >"$q/df/df6AUGSplit00005"
printf 'x\n' >"$q/xf/xf6AUGSplit00005"
r=$("$add" "$db" queue_id=6AUGSplit00005 subject=Split)
held delete "$r"
tap_is "$rc" 0 "delete in a qf/ df/ xf/ queue exits 0"
tap_is "$(find "$q" -type f | wc -l | tr -d ' ')" 0 "its three files are gone"

# queue groups (a wildcard QueueDirectory) are refused
printf 'O QueueDirectory=%s/q*\n' "$q" >"$cf"
printf 'V8\n' >"$q/qf/hf6AUGGroup00006"
r=$("$add" "$db" queue_id=6AUGGroup00006 subject=Group)
held delete "$r"
tap_is "$rc" 1 "a wildcard QueueDirectory is refused"
tap_like "$err" "queue groups" "it says why"
tap_is "$(status_of "$r")" held "the row stays held"
printf 'O QueueDirectory=%s\n' "$q" >"$cf"

# ---- hostile queue ids -----------------------------------------------------

: >"$FAKE_LOG"
touch "$WORKDIR/victim"
for qid in "../victim" "ABC;rm" "-qQ" "ABCDEF/../../victim" "*"; do
	r=$("$add" "$db" "queue_id=$qid" subject=Hostile)
	held delete "$r"
	tap_is "$rc" 1 "delete refuses stored queue id $(printf '%q' "$qid")"
	held release "$r"
	tap_is "$rc" 1 "release refuses stored queue id $(printf '%q' "$qid")"
done
tap_is "$(calls)" 0 "sendmail never ran for them"
tap_check "no file outside the queue was touched" test -f "$WORKDIR/victim"

# ---- the keys --------------------------------------------------------------

out=$("$pf" keys)
tap_like "$out" $'^MTA\tenum: postfix\\|sendmail\tpostfix$' "keys: MTA, default postfix"
tap_like "$out" $'^SendmailPath\tpath\t/usr/sbin/sendmail$' "keys: SendmailPath"
tap_like "$out" $'^SendmailConfig\tpath\tnone$' "keys: SendmailConfig"
printf 'MTA exim\n' >"$WORKDIR/bad.conf"
"$pf" held -c "$WORKDIR/bad.conf" list >/dev/null 2>&1
tap_is "$?" 78 "MTA exim: a config error (78)"

tap_done

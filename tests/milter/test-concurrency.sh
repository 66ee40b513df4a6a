#!/bin/bash
# test-concurrency - preflight-milter under concurrent load with reloads.
#
# bench/milterload drives one preflight-milter (Checks without DNS) with 16
# connections, several messages per connection, over a corpus written here
# with four kinds of message:
#   a-clean   one From, a current Date          -> accept
#   b-tag     a Date far in the past            -> tag (X-Preflight added)
#   c-from2   two From headers                  -> hold (quarantine)
#   d-big     a ~400 KB base64 attachment       -> accept (body in chunks)
# While it runs, SIGUSR1 reloads the configuration again and again (each
# one waited for in the log); a build fast enough to finish the load before
# a reload lands runs it again (up to 5 rounds).  Asserts: milterload exits
# 0 with errors=0, timeouts=0 and msgs = the total; the verdict counts are
# exactly the per-kind expectations; the milter logged one line per
# message, each queue id once; reloads happened during the load and none
# failed; the milter exits 0 on SIGTERM; no sanitizer report in its log;
# the held log has one row per tagged and held message.  Built with
# --enable-sanitizers (ASan, LSan, UBSan) or =thread (TSan), the exit
# status and the log catch their reports (scripts/test.sh also fails on
# any file left in the sanitizers' log_path).
#
# CONC_TOTAL (default 400, a multiple of 4) sets the number of messages.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"

ml=$top_builddir/bench/milterload
pm=$top_builddir/milter/preflight-milter
total=${CONC_TOTAL:-400}
conc=16
per_kind=$((total / 4))

[ -x "$ml" ] || tap_skip_all "$ml is not built"
[ -x "$pm" ] || tap_skip_all "$pm is not built"
tmp_workdir || tap_skip_all "cannot create a work dir"

# field KEY TEXT - the value of KEY= in the RESULT line of TEXT
field() {
	printf '%s\n' "$2" | sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p"
}

# --- the corpus: four kinds, CRLF not needed (milterload converts) ---
corpus=$WORKDIR/corpus
mkdir "$corpus"
now=$(LC_ALL=C date -R)
# headers FROM-LINES DATE ID - a header block
headers() {
	printf '%s\n' "$1"
	printf 'To: Bob <bob@remote.test>\nSubject: load %s\nDate: %s\n' "$3" "$2"
	printf 'Message-ID: <%s.conc@example.test>\nMIME-Version: 1.0\n' "$3"
}
text_body() {
	printf 'Content-Type: text/plain; charset=us-ascii\n\n'
	printf 'Hello Bob,\n\nthe report you asked for is ready.\n\nAlice\n'
}
{
	headers "From: Alice <alice@example.test>" "$now" a
	text_body
} >"$corpus/a-clean.eml"
{
	headers "From: Alice <alice@example.test>" "Tue, 14 May 2024 09:30:00 +0000" b
	text_body
} >"$corpus/b-tag.eml"
{
	headers "From: Alice <alice@example.test>
From: Mallory <mallory@example.test>" "$now" c
	text_body
} >"$corpus/c-from2.eml"
{
	headers "From: Alice <alice@example.test>" "$now" d
	printf 'Content-Type: multipart/mixed; boundary="b1"\n\n'
	printf -- '--b1\nContent-Type: text/plain; charset=us-ascii\n\n'
	printf 'The figures are attached.\n\n'
	printf -- '--b1\nContent-Type: application/pdf; name="figures.pdf"\n'
	printf 'Content-Disposition: attachment; filename="figures.pdf"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	{
		printf '%%PDF-1.4\n'
		head -c 300000 /dev/zero | tr '\0' 'x'
		printf '\n%%%%EOF\n'
	} | base64 -w 76
	printf -- '--b1--\n'
} >"$corpus/d-big.eml"
tap_check "the big message is over 400 KB" test "$(wc -c <"$corpus/d-big.eml")" -gt 400000

# --- the milter ---
# write_conf N - the config; N only changes a comment (verdicts stay)
write_conf() {
	{
		echo "# test-concurrency, generation $1"
		echo "Socket unix:$WORKDIR/pf.sock"
		echo "Syslog no"
		echo "HeldLog $WORKDIR/pf.db"
		echo "LogVerdicts tag hold reject"
		echo "Checks format size mime attach html url text	# no DNS"
	} >"$WORKDIR/pf.conf"
}
write_conf 0
"$pm" -f -c "$WORKDIR/pf.conf" 2>"$WORKDIR/pf.log" &
pid=$!
add_cleanup "kill $pid"
if wait_for_file "$WORKDIR/pf.sock" 60 &&
	wait_for_log "$WORKDIR/pf.log" "starting .* on unix:" 60; then
	tap_ok "preflight-milter started"
else
	tap_fail "preflight-milter started" "$(cat "$WORKDIR/pf.log")"
	tap_done
	exit 1
fi

# reloads - SIGUSR1 until $WORKDIR/stop exists, each waited for in the
# log (a reload that is never logged ends the loop: the count shows it)
reloads() {
	local n=0 before
	while [ ! -e "$WORKDIR/stop" ] && [ "$n" -lt 1000 ]; do
		n=$((n + 1))
		write_conf "$n"
		before=$(grep -c "configuration reloaded" "$WORKDIR/pf.log")
		kill -USR1 "$pid" || break
		wait_until 60 log_grew "$before" || break
	done
}
log_grew() {
	[ "$(grep -c "configuration reloaded" "$WORKDIR/pf.log")" -gt "$1" ]
}

reloads &
rpid=$!
add_cleanup "kill $rpid"
# the first reload is done before the load starts
wait_for_log "$WORKDIR/pf.log" "configuration reloaded" 60

# A round is one milterload run of $total messages.  A fast build may
# finish one before a reload lands: then another round runs (at most
# $max_rounds), so that reloads overlap the load whatever the speed.  The
# sums over all rounds are checked; each round's log lines go to
# $WORKDIR/verdicts as "ROUND QUEUEID VERDICT" (queue ids restart per run).
max_rounds=5
rounds=0 during=0 rc_all=0 ms=0
declare -A sum
keys="msgs errors timeouts quarantine addheader accept continue reject tempfail discard"
for k in $keys; do
	sum[$k]=0
done
: >"$WORKDIR/verdicts"
while [ "$rounds" -lt "$max_rounds" ]; do
	rounds=$((rounds + 1))
	off=$(wc -l <"$WORKDIR/pf.log")
	before=$(grep -c "configuration reloaded" "$WORKDIR/pf.log")
	t0=$(date +%s%N)
	out=$("$ml" -s "unix:$WORKDIR/pf.sock" -d "$corpus" -n "$total" -c "$conc" -m 5 -T 120 -q 2>&1)
	rc=$?
	ms=$((ms + ($(date +%s%N) - t0) / 1000000))
	[ "$rc" -eq 0 ] || rc_all=$rc
	during=$((during + $(grep -c "configuration reloaded" "$WORKDIR/pf.log") - before))
	tap_diag "round $rounds: $out"
	for k in $keys; do
		v=$(field "$k" "$out")
		sum[$k]=$((sum[$k] + ${v:-0}))
	done
	tail -n "+$((off + 1))" "$WORKDIR/pf.log" |
		sed -n "s/^preflight-milter: \([^ ]*\): verdict=\([a-z]*\) .*/$rounds \1 \2/p" \
		>>"$WORKDIR/verdicts"
	[ "$during" -ge 1 ] && break
done
touch "$WORKDIR/stop"
wait "$rpid"
n=$((rounds * total)) k1=$((rounds * per_kind))
tap_diag "$rounds round(s) of $total messages, $conc connections: ${ms} ms, $during reloads during the load"

tap_is "$rc_all" 0 "milterload exit status 0"
tap_is "msgs=${sum[msgs]} errors=${sum[errors]} timeouts=${sum[timeouts]}" \
	"msgs=$n errors=0 timeouts=0" "every message got a reply"
tap_is "${sum[quarantine]}" "$k1" "the two-From messages were quarantined ($k1)"
tap_is "${sum[addheader]}" "$((2 * k1))" "tagged and held messages got the tag header ($((2 * k1)))"
tap_is "$((sum[accept] + sum[continue]))" "$n" "every message ended in accept or continue at eom"
tap_is "${sum[reject]} ${sum[tempfail]} ${sum[discard]}" "0 0 0" "no reject, tempfail or discard"
tap_check "reloads during the load ($during in $rounds round(s))" test "$during" -ge 1
tap_unlike "$(grep -E 'reload of .* failed' "$WORKDIR/pf.log")" . "no reload failed"

# one log line per message, each queue id once per round
for v in accept tag hold; do
	case $v in
	accept) want=$((2 * k1)) ;;
	*) want=$k1 ;;
	esac
	tap_is "$(grep -c " $v\$" "$WORKDIR/verdicts")" "$want" "log: $want lines verdict=$v"
done
tap_is "$(awk '{ print $1, $2 }' "$WORKDIR/verdicts" | sort -u | wc -l)" "$n" \
	"log: $n distinct queue ids"

# --- shutdown ---
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 0 ]; then
	tap_ok "the milter exited 0 on SIGTERM"
else
	tap_fail "the milter exited 0 on SIGTERM (got $rc)" "$(tail -40 "$WORKDIR/pf.log")"
fi
tap_unlike "$(cat "$WORKDIR/pf.log")" \
	"ERROR: (Address|Leak|Undefined|Thread)Sanitizer|WARNING: ThreadSanitizer|runtime error:" \
	"no sanitizer reports in the milter log"
if command -v sqlite3 >/dev/null 2>&1; then
	tap_is "$(sqlite3 -readonly "$WORKDIR/pf.db" \
		"SELECT verdict, count(*) FROM messages GROUP BY verdict ORDER BY verdict" 2>&1 | tr '\n' ' ')" \
		"hold|$k1 tag|$k1 " "held log: one row per tagged and held message"
fi
tap_done

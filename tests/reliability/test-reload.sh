#!/bin/bash
# test-reload - 100 SIGUSR1 reloads of preflight-milter under steady load,
# every other one of a broken file.
#
# Background load: bench/milterload in back-to-back runs (8 connections,
# 4 messages per connection, 96 messages a run) over three fixtures:
#   a-clean   -> accept,   b-tag (Date in 2024) -> tag,   c-from2 -> hold
# until the reloads are done.  Round k (1..50):
#   good    pf.conf with HeaderName X-Reload-k; SIGUSR1; wait for the k-th
#           "configuration reloaded" line; a probe (b-tag, one message on
#           its own connection) must get the header X-Reload-k
#   broken  pf.conf with one bad line (unknown key, bad value, bad header
#           name, bad duration, missing Include; in turn); SIGUSR1; wait for
#           the k-th "reload ... failed, keeping the old configuration"
#           line, which must name pf.conf:LINE; the probe must still get
#           X-Reload-k (the old configuration stays)
# Asserts: 50 reloads logged as loaded and 50 as refused, each refusal
# naming the file and line; 100 probes with the expected header; every
# background run answered every message (errors=0, timeouts=0, msgs=96,
# quarantine=32: one in three is c-from2) and several runs overlapped the
# reloads; one log line per message; the milter exits 0 on SIGTERM.
# Each reload is waited for in the log (signals do not queue: a second
# SIGUSR1 before the first is taken would be lost).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/reliability/rel-lib.sh"

rounds=${RELOAD_ROUNDS:-50}
t_start=$(date +%s)

rel_require_built
tmp_workdir || tap_skip_all "cannot create a work dir"

# --- fixtures (milterload sends them with CRLF) ---
corpus=$WORKDIR/corpus
mkdir "$corpus"
now=$(LC_ALL=C date -R)
fixture() {	# NAME FROM-LINES DATE
	{
		printf '%s\nTo: Bob <bob@remote.test>\nSubject: reload %s\n' "$2" "$1"
		printf 'Date: %s\nMessage-ID: <%s.reload@example.test>\n' "$3" "$1"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n'
		printf 'Hello Bob,\n\nthe minutes are attached below.\n\nAlice\n'
	} >"$corpus/$1.eml"
}
fixture a-clean "From: Alice <alice@example.test>" "$now"
fixture b-tag "From: Alice <alice@example.test>" "Tue, 14 May 2024 09:30:00 +0000"
fixture c-from2 "From: Alice <alice@example.test>
From: Carol <carol@example.test>" "$now"

conf=$WORKDIR/pf.conf
# write_conf HEADER [BAD-LINE] - the configuration, atomically replaced
write_conf() {
	{
		echo "Socket unix:$WORKDIR/pf.sock"
		echo "Syslog no"
		echo "PidFile none"
		echo "HeldLog $WORKDIR/held.db"
		echo "Checks format size"
		echo "HeaderName $1"
		[ -z "${2:-}" ] || echo "$2"
		echo "TagScore 1"
	} >"$conf.tmp" && mv "$conf.tmp" "$conf"
}
# the bad line of round k (line 7 of the file)
BAD=("NoSuchKey yes" "TagScore many" "HeaderName Bad Name:" "DNSTimeout forever"
	"Include $WORKDIR/no-such.conf")

write_conf X-Reload-0
rel_start_milter "$conf"

# count REGEX - lines of the milter's log matching REGEX
count() {
	grep -c -E -- "$1" "$WORKDIR/pf.log"
}
count_ge() {	# N REGEX
	[ "$(count "$2")" -ge "$1" ]
}
# probe - the header name the milter adds to b-tag right now
probe() {
	"$ml" -s "unix:$WORKDIR/pf.sock" -f "$corpus/b-tag.eml" -n 1 -T 30 -v 2>&1 |
	    sed -n 's/^milterload: .* addheader \([^:]*\): .*/\1/p' | head -n 1
}
# probe_gets K WHEN - the probe gets X-Reload-K; else a failure of round K
# "after WHEN ..."
probe_gets() {
	local h
	h=$(probe)
	[ "$h" = "X-Reload-$1" ] && return 0
	fail+=("round $1: after $2 the probe got '$h'")
	return 1
}

tap_is "$(probe)" X-Reload-0 "before any reload: the probe gets X-Reload-0"

# --- background load, run after run until told to stop ---
(
	while [ ! -e "$WORKDIR/stop" ]; do
		"$ml" -s "unix:$WORKDIR/pf.sock" -d "$corpus" -c 8 -m 4 -n 96 -T 30 -q \
		    >>"$WORKDIR/bg.results" 2>&1
		echo "exit=$?" >>"$WORKDIR/bg.results"
	done
) &
bg=$!
add_cleanup "touch $WORKDIR/stop"
wait_until 60 grep -qs '^RESULT' "$WORKDIR/bg.results"

ok_loaded=0 ok_refused=0 ok_line=0 ok_good=0 ok_kept=0
fail=()
t0=$(date +%s)
for ((k = 1; k <= rounds; k++)); do
	write_conf "X-Reload-$k"
	kill -USR1 "$mpid"
	if wait_until 30 count_ge "$k" "configuration reloaded from $conf\$"; then
		ok_loaded=$((ok_loaded + 1))
	else
		fail+=("round $k: no 'configuration reloaded' line")
	fi
	probe_gets "$k" "the good reload" && ok_good=$((ok_good + 1))

	bad=${BAD[$(((k - 1) % ${#BAD[@]}))]}
	write_conf "X-Reload-bad-$k" "$bad"
	kill -USR1 "$mpid"
	if wait_until 30 count_ge "$k" "reload of $conf failed, keeping the old configuration"; then
		ok_refused=$((ok_refused + 1))
		line=$(grep -E "reload of $conf failed" "$WORKDIR/pf.log" | sed -n "${k}p")
		if printf '%s\n' "$line" | grep -q -F "configuration: $conf:7: ${bad%% *}"; then
			ok_line=$((ok_line + 1))
		else
			fail+=("round $k: the refusal does not name $conf:7 (${bad%% *}): $line")
		fi
	else
		fail+=("round $k: no 'reload ... failed' line for '$bad'")
	fi
	probe_gets "$k" "the refused reload" && ok_kept=$((ok_kept + 1))
done
t1=$(date +%s)
runs_during=$(grep -c '^RESULT' "$WORKDIR/bg.results")
touch "$WORKDIR/stop"
wait "$bg"

diag=$(printf '%s\n' "${fail[@]}" | head -10)
tap_is "$ok_loaded" "$rounds" "$rounds good files: each reload logged as loaded"
tap_is "$ok_refused" "$rounds" "$rounds broken files: each reload logged as refused"
tap_is "$ok_line" "$rounds" "each refusal names pf.conf:7 and the bad key"
tap_is "$ok_good" "$rounds" "after each good reload the probe gets its new HeaderName"
tap_is "$ok_kept" "$rounds" "after each refused reload the old HeaderName still applies"
[ ${#fail[@]} -eq 0 ] || tap_diag "$diag"
tap_is "$(count 'configuration reloaded from') $(count 'keeping the old configuration')" \
    "$rounds $rounds" "exactly $((2 * rounds)) reload lines in the log"

# --- the background load ---
res=$(grep '^RESULT' "$WORKDIR/bg.results")
nruns=$(printf '%s\n' "$res" | grep -c .)
tap_check "background load overlapped the reloads ($runs_during runs during them)" \
    test "$runs_during" -ge 2
bad_runs=$(printf '%s\n' "$res" | awk '{
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	if (v["msgs"] != 96 || v["errors"] != 0 || v["timeouts"] != 0 || v["quarantine"] != 32) n++
} END { print n + 0 }')
tap_is "$bad_runs" 0 "every background run: msgs=96 errors=0 timeouts=0 quarantine=32 ($nruns runs)"
[ "$bad_runs" -eq 0 ] || tap_diag "$(printf '%s\n' "$res" | head -5)"
tap_is "$(grep -c '^exit=' "$WORKDIR/bg.results") $(grep -c '^exit=0$' "$WORKDIR/bg.results")" \
    "$nruns $nruns" "every background run exits 0"
bg_msgs=$(printf '%s\n' "$res" | awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^msgs=/) s += substr($i, 6) } END { print s + 0 }')
probes=$((2 * rounds + 1))
tap_is "$(count ': verdict=')" "$((bg_msgs + probes))" \
    "one log line per message ($bg_msgs background + $probes probes)"
tap_diag "reloads: $((2 * rounds)) in $((t1 - t0)) s; background: $nruns runs, $bg_msgs messages"

rel_stop_milter
tap_is "$(count '^preflight-milter: error:')" "$rounds" "no error line but the $rounds refusals"
tap_diag "test-reload: $(($(date +%s) - t_start)) s in all"
tap_done

#!/bin/bash
# test-rate.sh - volume counting (lib/check_rate.c over lib/state.c) in the
# real preflight-milter, driven by miltertest: a burst from one SASL user
# past UserRateLimit is held; two milter instances that share one real
# redis-server (started here on 127.0.0.1) see each other's counts; with
# Redis stopped mail still flows, counted locally, and the log says so
# until Redis answers again; the default SQLite state keeps its counts
# across a restart.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

milter=$top_builddir/milter/preflight-milter
mtdir=$top_srcdir/tests/milter
[ -x "$milter" ] || tap_skip_all "preflight-milter not built"
command -v miltertest >/dev/null || tap_skip_all "miltertest not installed"
REDIS=$(command -v redis-server || echo /usr/bin/redis-server)
[ -x "$REDIS" ] || tap_skip_all "redis-server not installed (scripts/deps.sh)"
command -v sqlite3 >/dev/null || tap_skip_all "sqlite3 not installed"
tmp_workdir
cp "$top_srcdir/tests/rate/burst.lua" "$WORKDIR/"
declare -A PID

redis_start() {
	"$REDIS" --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no \
		--daemonize no --logfile "$WORKDIR/redis.log" &
	RPID=$!
	add_cleanup "kill $RPID 2>/dev/null"
	wait_for_port 127.0.0.1 "$RPORT" 10
}
RPORT=$(free_port)
redis_start || tap_skip_all "redis-server did not start"

# write_conf NAME LINES... - a milter config
write_conf() {
	local name=$1
	shift
	printf '%s\n' "Socket unix:$WORKDIR/$name.sock" "Syslog no" "HeldLog none" \
		"Checks ${CHECKS:-format size rate}" "LogVerdicts tag hold reject" "$@" \
		>"$WORKDIR/$name.conf"
}
start_milter() {
	local name=$1
	"$milter" -f -c "$WORKDIR/$name.conf" 2>>"$WORKDIR/$name.log" &
	PID[$name]=$!
	add_cleanup "kill ${PID[$name]} 2>/dev/null"
	if wait_for_file "$WORKDIR/$name.sock" 20 &&
		wait_for_log "$WORKDIR/$name.log" "starting .* on unix:" 20; then
		tap_ok "milter $name started"
	else
		tap_fail "milter $name started" "$(cat "$WORKDIR/$name.log")"
	fi
}
stop_milter() {
	kill "${PID[$1]}" 2>/dev/null
	wait "${PID[$1]}" 2>/dev/null
	rm -f "$WORKDIR/$1.sock"
}
# burst NAME COUNT USER LAST - run burst.lua against NAME, as TAP
burst() {
	local out rc line
	out=$(env MT_SOCKET="unix:$WORKDIR/$1.sock" MT_DIR="$mtdir" MT_COUNT="$2" MT_USER="$3" \
		MT_LAST="$4" miltertest -s "$WORKDIR/burst.lua" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		PASS:*) tap_ok "$1: ${line#PASS: }" ;;
		FAIL:*) tap_fail "$1: ${line#FAIL: }" ;;
		esac
	done <<<"$out"
	[ "$rc" -eq 0 ] || tap_fail "$1: miltertest exit status 0 (got $rc)" "$out"
}

# a generous timeout: a loaded test machine must not push the milters onto
# their memory fallback (a refused connection, below, fails at once anyway)
SHARED="StateBackend redis://127.0.0.1:$RPORT/3?timeout=10000"
write_conf A "$SHARED" "UserRateLimit 5/1h"
write_conf B "$SHARED" "UserRateLimit 5/1h"
start_milter A
start_milter B

# 3 through A, then 2 through B: 5 in the hour, at the limit, none held;
# the 6th, through B, is held - B counted A's three.
burst A 3 alice accept
burst B 2 alice accept
burst B 1 alice hold
# the milter logs a message after it answered: wait for the line
wait_for_log "$WORKDIR/B.log" "rate-user-burst" 20
tap_like "$(grep 'rate-user-burst' "$WORKDIR/B.log" | head -n 1)" "verdict=hold" \
	"B's log line names the verdict"
burst A 1 bob accept
tap_is "$(redis-cli -p "$RPORT" -n 3 --scan --pattern 'pf:c:*user:alice*' 2>/dev/null | wc -l | tr -d ' ')" \
	1 "the counter lives in Redis database 3 (one bucket so far)"

# Redis away: mail still flows (counted locally), and the log says so.
kill "$RPID"
wait "$RPID" 2>/dev/null
burst A 1 carol accept
tap_check "A logs that Redis is unreachable" \
	wait_for_log "$WORKDIR/A.log" "state: redis: Redis unreachable; counting locally" 20
redis_start
tap_check "A logs that Redis answers again" \
	wait_until 30 sh -c "env MT_SOCKET=unix:$WORKDIR/A.sock MT_DIR=$mtdir MT_COUNT=1 MT_USER=dave MT_LAST=accept miltertest -s $WORKDIR/burst.lua >/dev/null 2>&1; grep -q 'state: redis reachable again' $WORKDIR/A.log"
stop_milter A
stop_milter B

# The default backend, SQLite: counts survive a restart.
write_conf C "StateBackend sqlite:$WORKDIR/state.db" "UserRateLimit 4/1h"
start_milter C
burst C 3 erin accept
stop_milter C
tap_is "$(sqlite3 "$WORKDIR/state.db" "SELECT SUM(n) FROM counters WHERE key LIKE '%user:erin'")" 3 \
	"SQLite: three recipients counted"
start_milter C
burst C 2 erin hold
stop_milter C

# Volume makes a bulk sender: a profile of our own with BulkThreshold 3/1d;
# the third message to it is bulk by volume (rate-bulk-volume) and is
# held to the bulk requirements (auth-bulk-no-one-click), the fourth too.
mkdir -p "$WORKDIR/profiles"
printf '%s\n' "Name tiny" "Domains remote.test" "BulkThreshold 3/1d" >"$WORKDIR/profiles/tiny.profile"
CHECKS="format size rate auth" write_conf E "StateBackend sqlite:$WORKDIR/bulk.db" \
	"ProfileDir $WORKDIR/profiles" "UserRateLimit none"
start_milter E
burst E 4 gina accept
tap_is "$(grep -c 'findings=.*rate-bulk-volume' "$WORKDIR/E.log")" 2 \
	"messages 3 and 4 of a 3-a-day threshold are bulk by volume"
tap_like "$(grep 'QRATE3' "$WORKDIR/E.log")" "rate-bulk-volume.*auth-bulk-no-one-click|auth-bulk-no-one-click.*rate-bulk-volume" \
	"a bulk sender by volume is held to the bulk requirements"
tap_unlike "$(grep 'QRATE2' "$WORKDIR/E.log")" "rate-bulk-volume|auth-bulk" \
	"below the threshold: not bulk"
stop_milter E

# A StateBackend that cannot be opened does not stop mail.
write_conf D "StateBackend sqlite:$WORKDIR/no/such/dir/state.db" "UserRateLimit 1/1h"
start_milter D
tap_like "$(cat "$WORKDIR/D.log")" "StateBackend sqlite:.*counting in memory" \
	"an unusable StateBackend is logged"
burst D 2 frank hold
stop_milter D
tap_done

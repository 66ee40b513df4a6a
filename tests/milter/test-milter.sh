#!/bin/bash
# test-milter - the real preflight-milter driven by miltertest(8) scripts.
#
# Four instances run side by side on unix sockets in a temp dir:
#   A  defaults (enforce), PidFile; later reloaded with SIGUSR1
#   B  Mode observe
#   C  SkipRecipientDomains; starts over a stale socket file
#   D  a HeldLog that cannot be opened: runs without it
# Each *.lua script prints PASS:/FAIL: lines (common.lua) that become TAP
# lines here, plus one line for the script's own exit status.  At the end
# the milters get SIGTERM, must exit 0, and their held logs are read with
# sqlite3 -readonly.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"

milter=$top_builddir/milter/preflight-milter
mtdir=$top_srcdir/tests/milter

command -v miltertest >/dev/null 2>&1 ||
	tap_skip_all "miltertest is not installed (apt-get install miltertest)"
[ -x "$milter" ] || tap_skip_all "$milter is not built"
tmp_workdir || tap_skip_all "cannot create a work dir"

declare -A PID

# write_conf NAME [LINE...] - $WORKDIR/NAME.conf: the base settings + LINEs
# ($HELDLOG, if set, replaces the held log path)
write_conf() {
	local name=$1
	shift
	{
		echo "# test-milter instance $name"
		echo "Socket unix:$WORKDIR/$name.sock"
		echo "Syslog no"
		echo "HeldLog ${HELDLOG:-$WORKDIR/$name.db}"
		echo "LogVerdicts tag hold reject"
		echo "Checks format size	# authentication: tests/dns"
		printf '%s\n' "$@"
	} >"$WORKDIR/$name.conf"
}

# start_milter NAME - run it in the foreground (stderr = its log) and
# wait until its socket exists and it says it is listening
start_milter() {
	local name=$1
	"$milter" -f -c "$WORKDIR/$name.conf" 2>"$WORKDIR/$name.log" &
	PID[$name]=$!
	add_cleanup "kill ${PID[$name]}"
	if wait_for_file "$WORKDIR/$name.sock" 20 &&
		wait_for_log "$WORKDIR/$name.log" "starting .* on unix:" 20 &&
		kill -0 "${PID[$name]}" 2>/dev/null; then
		tap_ok "milter $name started"
	else
		tap_fail "milter $name started" "$(cat "$WORKDIR/$name.log")"
	fi
}

# run_lua NAME SCRIPT [VAR=VALUE...] - one script against instance NAME
run_lua() {
	local name=$1 script=$2 out rc line label
	shift 2
	label="$name/${script%.lua}${1:+ ($*)}"
	out=$(env MT_SOCKET="unix:$WORKDIR/$name.sock" MT_DIR="$mtdir" "$@" \
		miltertest -s "$mtdir/$script" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		PASS:*) tap_ok "$label: ${line#PASS: }" ;;
		FAIL:*) tap_fail "$label: ${line#FAIL: }" ;;
		NEGOTIATED:* | TAG:* | REPLY:*) tap_diag "$line" ;;
		esac
	done <<<"$out"
	if [ "$rc" -eq 0 ]; then
		tap_ok "$label: miltertest exit status 0"
	else
		tap_fail "$label: miltertest exit status 0 (got $rc)" "$out"
	fi
}

# log_count FILE REGEX - matching lines so far
log_count() {
	grep -Ec -- "$2" "$1" 2>/dev/null
}

# log_grew FILE REGEX N - more than N matching lines now
log_grew() {
	[ "$(log_count "$1" "$2")" -gt "$3" ]
}

# reload NAME REGEX - SIGUSR1, then wait for one more log line matching REGEX
reload() {
	local name=$1 re=$2 before
	before=$(log_count "$WORKDIR/$name.log" "$re")
	kill -USR1 "${PID[$name]}"
	# the count is taken again on every try (a $(...) in wait_until's
	# arguments would be taken once, before the milter has logged)
	wait_until 10 log_grew "$WORKDIR/$name.log" "$re" "$before"
}

# held NAME - the rows of NAME's held log: "queue_id verdict status"
held() {
	sqlite3 -readonly "$WORKDIR/$1.db" \
		"SELECT ifnull(queue_id, '-') || ' ' || verdict || ' ' || status FROM messages ORDER BY id" 2>&1
}

# --- options that exit at once ---
write_conf good
out=$("$milter" -n -c "$WORKDIR/good.conf" 2>&1)
tap_is "$?" 0 "-n with a good config exits 0"
tap_like "$out" "^preflight-milter: $WORKDIR/good.conf: configuration OK\$" "-n says configuration OK"
write_conf broken "RejectScore 5" "NoSuchKey yes"
out=$("$milter" -n -c "$WORKDIR/broken.conf" 2>&1)
tap_is "$?" 78 "-n with a broken config exits 78 (EX_CONFIG)"
tap_like "$out" "broken\.conf:8:" "-n names the file and line"
out=$("$milter" -V 2>&1)
tap_like "$out" "^preflight-milter [0-9]" "-V prints the version"
"$milter" -x >/dev/null 2>&1
tap_is "$?" 64 "an unknown option exits 64 (EX_USAGE)"
"$milter" -f -c "$WORKDIR/missing.conf" >/dev/null 2>&1
tap_is "$?" 78 "a missing config file exits 78"

# --- three instances ---
write_conf A "PidFile $WORKDIR/A.pid"
write_conf B "Mode observe"
write_conf C "SkipRecipientDomains skip.test other.test"
HELDLOG=$WORKDIR/no/such/dir/held.db write_conf D
# C finds a stale socket (bound, nobody listening) left by a crash
perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 1) or die "$!\n"' \
	"$WORKDIR/C.sock"
tap_check "stale socket for C created" test -S "$WORKDIR/C.sock"
start_milter A
start_milter B
start_milter C
start_milter D
tap_is "$(cat "$WORKDIR/A.pid" 2>/dev/null)" "${PID[A]}" "PidFile holds the pid"
cp "$WORKDIR/A.conf" "$WORKDIR/dup.conf"
out=$("$milter" -f -c "$WORKDIR/dup.conf" 2>&1)
tap_is "$?" 69 "a socket in use by a running milter exits 69 (EX_UNAVAILABLE)"
tap_like "$out" "A\.sock: in use" "and says the socket is in use"
write_conf nouser "UserID no-such-user-h5"
out=$("$milter" -f -c "$WORKDIR/nouser.conf" 2>&1)
tap_is "$?" 67 "an unknown UserID exits 67 (EX_NOUSER)"
tap_like "$out" "no-such-user-h5: no such user" "and names the user"

run_lua A clean.lua
run_lua A inbound.lua
run_lua A auth.lua
run_lua A forged.lua
run_lua A from2.lua MT_QID=QHOLD
tap_like "$(cat "$WORKDIR/A.log")" \
	"QHOLD: verdict=hold score=10 findings=format-from-count from=<alice@example.test> rcpts=1 size=[0-9]+" \
	"log line for the held message"
run_lua B from2.lua MT_EXPECT=observe MT_QID=QOBSERVE
tap_like "$(cat "$WORKDIR/B.log")" "QOBSERVE: verdict=accept would=hold score=10" \
	"observe log line says what enforce would do"
run_lua C from2.lua MT_EXPECT=accept MT_QID=QSKIP MT_RCPT=bob@skip.test,carol@OTHER.test
run_lua C from2.lua MT_EXPECT=hold MT_QID=QMIXED MT_RCPT=bob@skip.test,carol@remote.test

tap_like "$(cat "$WORKDIR/D.log")" "warning: HeldLog .*/no/such/dir/held.db: .*running without the held log" \
	"D: a held log that cannot be opened is a warning"
run_lua D from2.lua MT_QID=QNOLOG

# --- SIGUSR1: a good config takes effect, a broken one is refused ---
write_conf A "PidFile $WORKDIR/A.pid" "RejectScore 5"
if reload A "configuration reloaded"; then
	tap_ok "SIGUSR1 reload logged"
else
	tap_fail "SIGUSR1 reload logged" "$(tail -5 "$WORKDIR/A.log")"
fi
run_lua A from2.lua MT_EXPECT=reject MT_QID=QREJECT
write_conf A "PidFile $WORKDIR/A.pid" "RejectScore 5" "HoldScore nonsense"
if reload A "reload of .* failed"; then
	tap_ok "broken config on SIGUSR1 refused"
else
	tap_fail "broken config on SIGUSR1 refused" "$(tail -5 "$WORKDIR/A.log")"
fi
tap_like "$(cat "$WORKDIR/A.log")" "reload of .*A\.conf failed, keeping the old configuration: .*A\.conf:9:" \
	"the log names file:line of the broken config"
run_lua A from2.lua MT_EXPECT=reject MT_QID=QREJECT2
tap_check "milter A still running" kill -0 "${PID[A]}"

# --- shutdown: SIGTERM to all, then each must exit 0 ---
for name in A B C D; do
	kill -TERM "${PID[$name]}"
done
for name in A B C D; do
	wait "${PID[$name]}"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		tap_ok "milter $name exited 0 on SIGTERM"
	else
		tap_fail "milter $name exited 0 on SIGTERM (got $rc)" "$(tail -20 "$WORKDIR/$name.log")"
	fi
done
tap_check "PidFile removed at exit" test ! -e "$WORKDIR/A.pid"
tap_unlike "$(cat "$WORKDIR"/[ABCD].log)" "ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:" \
	"no sanitizer reports in the milter logs"

# --- held logs ---
if command -v sqlite3 >/dev/null 2>&1; then
	tap_is "$(held A)" "QAUTH tag tagged
QHOLD hold held
QREJECT reject rejected
QREJECT2 reject rejected" "held log A: tag, hold and both rejects, nothing else"
	tap_is "$(held B)" "QOBSERVE hold accepted" "held log B: observe row keeps would-be verdict"
	tap_is "$(held C)" "QMIXED hold held" "held log C: skipped message has no row"
else
	tap_diag "sqlite3 not installed: held log rows not checked"
fi
tap_done

# tests/e2e/e2e-lib.sh - what the Postfix end-to-end tests share: start and
# stop the milter, build and send messages, read Postfix's queue, the sink
# and the held log.  Source after postfix-env.sh, with WORKDIR, SOCK, TAG,
# MILTER, CLI, CONF and (once started) the pfenv variables set.
#
# mkmsg FILE NAME EXTRA-HEADER-LINES [FROM-DOMAIN] - a small message with a
#   fresh Date and a unique Message-ID <NAME.TAG@FROM-DOMAIN>
# send FILE [MAIL-FROM [RCPT]] - swaks through the private Postfix

# e2e_start_postfix - the private Postfix (milter on $SOCK) and its sink,
# stopped at exit with the milter; a test that cannot start it ends here
e2e_start_postfix() {
	add_cleanup 'stop_milter KILL'
	add_cleanup 'pfenv_stop "$PF"'
	if ! pfenv_start "$PF" "unix:$SOCK" 2>"$WORKDIR/pfenv.err"; then
		tap_fail "private Postfix starts" "$(cat "$WORKDIR/pfenv.err")"
		tap_done
		exit 1
	fi
	. "$PF/env"
}

# start_milter CONF - start the milter on $SOCK and wait for the socket
start_milter() {
	rm -f "$SOCK"
	"$MILTER" -f -c "$1" >>"$WORKDIR/milter.log" 2>&1 &
	MILTER_PID=$!
	wait_for_file "$SOCK" 15
}

_gone() {
	! kill -0 "$1" 2>/dev/null
}

# stop_milter [SIG] - stop the milter and reap it.  The braces keep bash's
# "Killed" job report (written to the shell's stderr) out of the log.
stop_milter() {
	[ -n "$MILTER_PID" ] || return 0
	{
		kill "-${1:-TERM}" "$MILTER_PID"
		wait_until 20 _gone "$MILTER_PID" || kill -9 "$MILTER_PID"
		wait "$MILTER_PID"
	} 2>/dev/null
	MILTER_PID=
}

# mkmsg FILE NAME EXTRA-HEADER-LINES - a small message with a fresh Date and
# a unique Message-ID <NAME.TAG@example.com>
mkmsg() {
	local dom=${4:-example.com}
	{
		printf 'From: Alice Example <alice@%s>\n' "$dom"
		printf '%s' "$3"
		printf 'To: Bob <bob@example.org>\n'
		printf 'Subject: preflight e2e %s\n' "$2"
		printf 'Date: %s\n' "$(date -R)"
		printf 'Message-ID: <%s.%s@%s>\n' "$2" "$TAG" "$dom"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=us-ascii\n'
		printf '\nHello Bob,\n\nthis is the %s test message.\n\nAlice\n' "$2"
	} >"$1"
}

send() {
	swaks --server 127.0.0.1 --port "$PFENV_PORT" --from "${2:-alice@example.com}" \
	    --to "${3:-bob@example.org}" --timeout 60 --data "@$1" 2>&1
}

queued_id() {
	printf '%s\n' "$1" | sed -n 's/.*250 .*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -1
}

in_hold() {
	postqueue -c "$PFENV_CONF" -j 2>/dev/null |
	    jq -s -e --arg q "$1" 'any(.[]; .queue_id == $q and .queue_name == "hold")' >/dev/null
}

queue_count() {
	postqueue -c "$PFENV_CONF" -j 2>/dev/null | grep -c queue_id
}

# sink_file NAME - the sink's copy of message NAME, if it arrived
sink_file() {
	grep -l "^Message-ID: <$1\.$TAG@" "$PFENV_SINK_DIR"/msg.* 2>/dev/null | head -1
}

# header_lines FILE - the header section, each field unfolded on one line
header_lines() {
	awk '/^$/ { exit } /^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
	    { if (line != "") print line; line = $0 } END { if (line != "") print line }' "$1"
}

# held_rows - the held log as one JSON object per line
held_rows() {
	"$CLI" held list --json -c "$CONF" 2>>"$WORKDIR/cli.err" |
	    jq -c 'if type == "array" then .[] else . end'
}

held_field() {	# held_field QUEUEID FIELD
	held_rows | jq -r --arg q "$1" --arg f "$2" \
	    'select(.queue_id == $q) | .[$f] | if type == "array" then map(if type == "object" then .id else . end) | join(",") else tostring end' |
	    head -1
}


# tests/e2e/e2e-lib.sh - what the Postfix end-to-end tests share.  Source
# right after postfix-env.sh: sets MILTER and CLI (the programs under
# test); the functions use the variables e2e_workdir sets and, once
# Postfix runs, the pfenv ones (PFENV_PORT, PFENV_CONF, ...).
#
# Set up and tear down:
# e2e_require WHY TOOL... - skip unless root (to WHY), Postfix and each TOOL
# e2e_workdir - the work dir; sets STATE PF SOCK CONF TAG T0
# e2e_write_conf FILE [LINES] - the milter's configuration, LINES at the end
# e2e_start_postfix - the private Postfix and its sink, or the test ends
# e2e_milter_up [LINES] - write $CONF and start the milter, or the test ends
# start_milter CONF - start the milter on $SOCK and wait for the socket
# stop_milter [SIG] - stop the milter and reap it
# Messages and the queue:
# mkmsg FILE NAME EXTRA-HEADER-LINES [FROM-DOMAIN] - a small message
# send FILE [MAIL-FROM [RCPT]] - swaks through the private Postfix
# queued_id SWAKS-OUTPUT - the queue id in the 250 reply
# in_hold QUEUEID - the message is in the hold queue
# queue_count - messages in Postfix's queue
# queue_ids NAME - the queue ids in queue NAME (hold, active, ...)
# only_hold_left - nothing in the queue outside the hold queue
# tap_only_hold_left SECS - ok when only_hold_left comes true within SECS
# The sink and the held log:
# sink_file NAME - the sink's copy of message NAME
# header_lines FILE - the header section, each field on one line
# held_rows - the held log, one JSON object a line
# held_field QUEUEID FIELD - a field of the held-log row of QUEUEID
# Many messages from kill-client.py (test-postfix-kill.sh, -diskfull.sh):
# client_start ARG... - start kill-client.py; sets RESULTS, EVENTS
# client_gone - the client has ended
# client_finish SECS DESC - wait for the client; ok DESC when it exits 0
# tap_all_accepted - ok when all $N messages got a 250 and none a 5xx
# hold_map, sink_map - where each Message-ID is: hold queue, sink
# read_maps - the sink, the hold queue and the held log into arrays
# tally MID KIND - where message MID is, and what is wrong with that
# tap_none ARRAY DESC LABEL [MAX] - ok DESC when ARRAY is empty
# duration_since T0 - seconds since T0

_e2e_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_builddir=${top_builddir:-$(cd "$_e2e_here/../.." && pwd)}
MILTER=$top_builddir/milter/preflight-milter
CLI=$top_builddir/tools/preflight

# e2e_require WHY TOOL... - skip the test inside distcheck, when not root
# (needed to WHY), or when Postfix or a TOOL (a command or a path) is missing
e2e_require() {
	local t
	if [ "${PREFLIGHT_DISTCHECK:-}" = 1 ]; then
		tap_skip_all "PREFLIGHT_DISTCHECK=1 (no private Postfix inside distcheck)"
	fi
	[ "$(id -u)" = 0 ] || tap_skip_all "needs root to $1"
	shift
	for t in "$PFENV_POSTFIX" "$PFENV_SMTP_SINK" /usr/sbin/postqueue; do
		[ -x "$t" ] || tap_skip_all "$t not installed (apt-get install postfix)"
	done
	for t in "$@"; do
		command -v "$t" >/dev/null || tap_skip_all "$t not installed"
	done
}

# e2e_workdir - the work dir, under /tmp: Postfix's daemons (user postfix)
# must traverse every parent dir.  Makes STATE (owned by postfix, for the
# held log) and client/; sets PF, SOCK, CONF, TAG (unique to the run) and
# T0 (the start, for duration_since); clears MILTER_PID and CLIENT_PID.
e2e_workdir() {
	TMPDIR=/tmp tmp_workdir || exit 1
	chmod 755 "$WORKDIR"
	STATE=$WORKDIR/state
	mkdir "$STATE" "$WORKDIR/client"
	chown postfix "$STATE"
	PF=$WORKDIR/pf
	SOCK=$WORKDIR/milter.sock
	CONF=$WORKDIR/preflight.conf
	MILTER_PID=
	CLIENT_PID=
	TAG=$$.$(date +%s)
	T0=$(date +%s.%N)
}

# e2e_write_conf FILE [LINES] - the milter's configuration, LINES at the
# end.  Checks format size: no DNS (authentication through Postfix is
# test-postfix-auth.sh's).  The milter drops root for UserID postfix: it
# makes the socket 0660 and its owner the UserID, so smtpd (user postfix)
# can connect; the held log lives in a directory that user can write
# (SQLite's -wal and -shm files).
e2e_write_conf() {
	cat >"$1" <<EOF
Socket unix:$SOCK
UserID postfix
Syslog no
HeldLog $STATE/held.db
PostfixConfigDir $PFENV_CONF
Checks format size
${2:-}
EOF
}

# e2e_start_postfix - the private Postfix (milter on $SOCK) and its sink,
# stopped at exit with the milter; a test whose $MILTER or $CLI is not
# built, or that cannot start Postfix, ends here
e2e_start_postfix() {
	local b
	for b in "$MILTER" "$CLI"; do
		if [ ! -x "$b" ]; then
			tap_fail "$b is built"
			tap_done
			exit 1
		fi
	done
	add_cleanup 'stop_milter KILL'
	add_cleanup 'pfenv_stop "$PF"'
	if ! pfenv_start "$PF" "unix:$SOCK" 2>"$WORKDIR/pfenv.err"; then
		tap_fail "private Postfix starts" "$(cat "$WORKDIR/pfenv.err")"
		tap_done
		exit 1
	fi
	. "$PF/env"
}

# e2e_milter_up [LINES] - write $CONF (e2e_write_conf) and start the
# milter on it; when it does not come up, not ok and the test ends
e2e_milter_up() {
	e2e_write_conf "$CONF" "${1:-}"
	start_milter "$CONF" && return 0
	tap_fail "preflight-milter listens on $SOCK" "$(tail -20 "$WORKDIR/milter.log")"
	tap_done
	exit 1
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

# mkmsg FILE NAME EXTRA-HEADER-LINES [FROM-DOMAIN] - a small message with a
# fresh Date and a unique Message-ID <NAME.TAG@FROM-DOMAIN (example.com)>
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

# send FILE [MAIL-FROM [RCPT]] - swaks through the private Postfix
send() {
	swaks --server 127.0.0.1 --port "$PFENV_PORT" --from "${2:-alice@example.com}" \
	    --to "${3:-bob@example.org}" --timeout 60 --data "@$1" 2>&1
}

# queued_id SWAKS-OUTPUT - the queue id in the 250 reply, if any
queued_id() {
	printf '%s\n' "$1" | sed -n 's/.*250 .*queued as \([0-9A-Za-z]*\).*/\1/p' | tail -1
}

# in_hold QUEUEID - the message is in Postfix's hold queue
in_hold() {
	postqueue -c "$PFENV_CONF" -j 2>/dev/null |
	    jq -s -e --arg q "$1" 'any(.[]; .queue_id == $q and .queue_name == "hold")' >/dev/null
}

# queue_count - how many messages Postfix's queue holds
queue_count() {
	postqueue -c "$PFENV_CONF" -j 2>/dev/null | grep -c queue_id
}

# queue_ids NAME - the queue ids in Postfix queue NAME (hold, active, ...)
queue_ids() {
	postqueue -c "$PFENV_CONF" -j 2>/dev/null |
	    jq -r --arg n "$1" 'select(.queue_name == $n) | .queue_id'
}

# only_hold_left - nothing in the queue outside the hold queue
only_hold_left() {
	[ "$(postqueue -c "$PFENV_CONF" -j 2>/dev/null |
	    jq -s 'map(select(.queue_name != "hold")) | length')" = 0 ]
}

# tap_only_hold_left SECS - ok when within SECS the queue has nothing left
# outside the hold queue (delivery is done)
tap_only_hold_left() {
	if wait_until "$1" only_hold_left; then
		tap_ok "Postfix queue is empty except the hold queue"
	else
		tap_fail "Postfix queue is empty except the hold queue" \
		    "$(postqueue -c "$PFENV_CONF" -p | tail -20)"
	fi
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

# held_field QUEUEID FIELD - FIELD of the held-log row of QUEUEID (a list
# as its ids joined by commas)
held_field() {
	held_rows | jq -r --arg q "$1" --arg f "$2" \
	    'select(.queue_id == $q) | .[$f] | if type == "array" then map(if type == "object" then .id else . end) | join(",") else tostring end' |
	    head -1
}

# ---- many messages from kill-client.py (test-postfix-kill.sh,
# test-postfix-diskfull.sh) ------------------------------------------------

# client_start ARG... - tests/e2e/kill-client.py in the background with
# ARGs (--count, --conns, ...) against the private Postfix, killed at
# exit; its pid in CLIENT_PID, its files RESULTS and EVENTS (polled)
client_start() {
	RESULTS=$WORKDIR/client/results
	EVENTS=$WORKDIR/client/events
	: >"$RESULTS"
	: >"$EVENTS"
	add_cleanup '[ -z "$CLIENT_PID" ] || kill "$CLIENT_PID"'
	python3 "$_e2e_here/kill-client.py" --port "$PFENV_PORT" --tag "$TAG" \
	    --out "$WORKDIR/client" "$@" >"$WORKDIR/client.log" 2>&1 &
	CLIENT_PID=$!
}

# client_gone - the client has ended
client_gone() {
	! kill -0 "$CLIENT_PID" 2>/dev/null
}

# client_finish SECS DESC - wait up to SECS for the client to end; ok DESC
# when it exits 0 (a final answer for every message)
client_finish() {
	local rc
	if wait_until "$1" client_gone; then
		wait "$CLIENT_PID"
		rc=$?
	else
		kill "$CLIENT_PID" 2>/dev/null
		rc=timeout
	fi
	CLIENT_PID=
	tap_is "$rc" 0 "$2"
	[ "$rc" = 0 ] || tap_diag "$(tail -10 "$WORKDIR/client.log")"
	tap_diag "client done ($(duration_since "$T0") s)"
}

# tap_all_accepted - ok when the client got a 250 for all $N messages in
# the end, and ok when none got a 5xx or was given up
tap_all_accepted() {
	tap_is "$(grep -c '^ok ' "$RESULTS")" "$N" "all $N messages got a 250 in the end"
	tap_is "$(grep -vc '^ok ' "$RESULTS")" 0 "no 5xx and no message given up"
	grep -v '^ok ' "$RESULTS" | head -5 | while read -r l; do tap_diag "$l"; done
}

# hold_map - "MSGID QUEUEID" for every message in the hold queue.  One
# grep reads the queue files (their header lines are plain text inside the
# records): a postcat, or any fork, per message costs too much on a busy
# machine.
hold_map() {
	local ids
	ids=$(queue_ids hold)
	[ -n "$ids" ] || return 0
	(cd "$PFENV_DIR/queue/hold" && printf '%s\n' "$ids" |
	    xargs grep -a -o -i -H 'Message-ID: *<[^>]*>') |
	    sed -n 's/^\([0-9A-Za-z]*\):.*<\([^>]*\)>.*/\2 \1/p' | awk '!seen[$2]++'
}

# sink_map - "MSGID FILE X-PREFLIGHT-VALUE" for every message the sink
# received (one awk for all files: a few hundred forks cost seconds)
sink_map() {
	local files=("$PFENV_SINK_DIR"/msg.*)
	[ -e "${files[0]}" ] || return 0
	awk -v hn="${TAG_HEADER:-X-Preflight}" '
	function flush() {
		if (line ~ /^[Mm]essage-[Ii][Dd]:/ && mid == "") {
			mid = line; sub(/^[^<]*</, "", mid); sub(/>.*/, "", mid)
		}
		if (tolower(substr(line, 1, length(hn) + 1)) == tolower(hn ":") && tag == "") {
			tag = substr(line, length(hn) + 2); sub(/^[ \t]+/, "", tag)
		}
		line = ""
	}
	FNR == 1 { if (NR > 1) print mid, prev, tag; mid = ""; tag = ""; line = ""; inhdr = 1 }
	inhdr && /^\r?$/ { flush(); inhdr = 0 }
	inhdr && /^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
	inhdr { flush(); line = $0; sub(/\r$/, "", line) }
	{ prev = FILENAME }
	END { if (NR > 0) print mid, prev, tag }' "${files[@]}"
}

# read_maps - the sink, the hold queue and the held log by Message-ID (the
# maps also in $WORKDIR/sink.map, hold.map, rows.json): sinkn[MID] copies
# at the sink, sinktag[MID] a copy's tag header, holdn[MID] copies in the
# hold queue, holdq[MID] a queue id of one, rowof[QUEUEID] "STATUS MID;"
# for each held-log row.  A queue id may come back (Postfix reuses them):
# each of its rows counts.
read_maps() {
	local mid q t st m
	sink_map >"$WORKDIR/sink.map"
	hold_map >"$WORKDIR/hold.map"
	held_rows >"$WORKDIR/rows.json"
	declare -gA sinkn=() sinktag=() holdn=() holdq=() rowof=()
	while read -r mid _ t; do
		sinkn[$mid]=$((${sinkn[$mid]:-0} + 1))
		sinktag[$mid]=$t
	done <"$WORKDIR/sink.map"
	while read -r mid q; do
		holdn[$mid]=$((${holdn[$mid]:-0} + 1))
		holdq[$mid]=$q
	done <"$WORKDIR/hold.map"
	while read -r q st m; do
		m=${m#<}
		rowof[$q]+="$st ${m%>};"
	done < <(jq -r '"\(.queue_id) \(.status) \(.message_id)"' "$WORKDIR/rows.json")
}

# tally MID KIND - where message MID of KIND (clean, tag: the sink; hold:
# the hold queue, with a held-log row) is, by read_maps' arrays.  Sets s
# and h (its copies at the sink, in the hold queue) and q (its queue id
# when held); counts it in delivered and held; appends it to lost, dup,
# wrong or norow when it is not where it belongs, once.  Fails when lost.
tally() {
	local mid=$1 k=$2 r
	s=${sinkn[$mid]:-0} h=${holdn[$mid]:-0} q=
	if [ $((s + h)) = 0 ]; then
		lost+=("$mid")
		return 1
	fi
	[ $((s + h)) -le 1 ] || dup+=("$mid (sink $s, hold $h)")
	if { [ "$k" = hold ] && [ "$s" -gt 0 ]; } || { [ "$k" != hold ] && [ "$h" -gt 0 ]; }; then
		wrong+=("$mid ($k: sink $s, hold $h)")
	fi
	[ "$s" = 0 ] || delivered=$((delivered + 1))
	if [ "$h" -gt 0 ]; then
		held=$((held + 1))
		q=${holdq[$mid]}
		r=${rowof[$q]:-none}
		[[ ";$r" == *";held $mid;"* ]] || norow+=("$mid (queue id $q: rows '$r')")
	fi
}

# tap_none ARRAY DESC LABEL [MAX] - ok DESC when the array named ARRAY is
# empty; else its first MAX (10) entries in a diagnostic "LABEL: ..."
tap_none() {
	local -n _tn_a=$1
	tap_is "${#_tn_a[@]}" 0 "$2"
	[ "${#_tn_a[@]}" = 0 ] || tap_diag "$3: ${_tn_a[*]:0:${4:-10}}"
}

# duration_since T0 - seconds since T0 (from date +%s.%N), one decimal
duration_since() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

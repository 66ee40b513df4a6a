#!/bin/bash
# test-milterload - the bench's load generator against known milters.
#
#   nullmilter -r   reports the body bytes and header count it received as
#                   added headers: they must equal what each fixture holds
#                   (computed here with awk: body with CRLF line ends, one
#                   count per header, folds included); then a concurrent
#                   run with connection reuse, a timed run, and inet.
#   preflight-milter (Checks format size, no DNS): two From headers are
#                   quarantined, a clean message is not.
#   a silent milter (perl): answers everything but EOM: with -T 1 the
#                   message is a timeout and the exit status is 1.
#   usage errors exit 64, a non-loopback target is refused, an unreadable
#   corpus exits 66, a missing socket counts connect errors.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"

ml=$top_builddir/bench/milterload
nm=$top_builddir/bench/nullmilter
pm=$top_builddir/milter/preflight-milter
data=$top_srcdir/tests/data/bench

[ -x "$ml" ] || tap_skip_all "$ml is not built"
[ -x "$nm" ] || tap_skip_all "$nm is not built"
tmp_workdir || tap_skip_all "cannot create a work dir"

# field KEY TEXT - the value of KEY= in the RESULT line of TEXT
field() {
	printf '%s\n' "$2" | sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p"
}

# body_bytes FILE - the body size once every line ends in CRLF
body_bytes() {
	LC_ALL=C awk 'body { sub(/\r$/, ""); n += length($0) + 2; next }
		{ sub(/\r$/, "") } $0 == "" { body = 1 } END { print n + 0 }' "$1"
}

# header_count FILE - header fields (a folded one counts once)
header_count() {
	LC_ALL=C awk '{ sub(/\r$/, "") } $0 == "" { exit }
		!/^[ \t]/ { n++ } END { print n + 0 }' "$1"
}

# tap_skip N REASON - N assertions that cannot run here
tap_skip() {
	local i
	for ((i = 0; i < $1; i++)); do
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N # SKIP $2"
	done
}

declare -A PID
# start_bg NAME LOGFILE CMD... - run CMD in the background, kill it at exit
start_bg() {
	local name=$1 log=$2
	shift 2
	"$@" 2>"$log" &
	PID[$name]=$!
	add_cleanup "kill $!"
}

# --- usage and refusals ---
"$ml" -Z >/dev/null 2>&1
tap_is "$?" 64 "an unknown option exits 64"
out=$("$ml" -s "unix:$WORKDIR/x.sock" -f "$data/a-clean.eml" 2>&1)
tap_is "$?" 64 "neither -n nor -t exits 64"
tap_like "$out" "^usage: milterload" "a usage error prints the usage"
"$ml" -s "unix:$WORKDIR/x.sock" -f "$data/a-clean.eml" -n 1 -c 0 >/dev/null 2>&1
tap_is "$?" 64 "-c 0 exits 64"
out=$("$ml" -h 2>&1)
tap_is "$?" 0 "-h exits 0"
tap_like "$out" "-T SECS" "-h prints the options"
for t in inet:10.1.2.3:25 inet:25@10.1.2.3; do
	out=$("$ml" -s "$t" -f "$data/a-clean.eml" -n 1 2>&1)
	tap_is "$?" 64 "-s $t without -X exits 64"
	tap_like "$out" "refused: not in 127\.0\.0\.0/8" "-s $t is refused"
done
out=$("$ml" -s "unix:$WORKDIR/x.sock" -d "$WORKDIR/no-such-dir" -n 1 2>&1)
tap_is "$?" 66 "a missing corpus directory exits 66"
mkdir "$WORKDIR/empty"
"$ml" -s "unix:$WORKDIR/x.sock" -d "$WORKDIR/empty" -n 1 >/dev/null 2>&1
tap_is "$?" 66 "a corpus directory without *.eml exits 66"
"$ml" -s "unix:$WORKDIR/x.sock" -f "$WORKDIR/no-such.eml" -n 1 >/dev/null 2>&1
tap_is "$?" 66 "a missing corpus file exits 66"
out=$("$ml" -s "unix:$WORKDIR/x.sock" -f "$data/a-clean.eml" -n 2 -q 2>&1)
tap_is "$?" 1 "no milter listening: exit 1"
tap_is "$(field errors "$out")" 2 "no milter listening: two connect errors"

# --- nullmilter -r: what was transmitted ---
start_bg null "$WORKDIR/null.log" "$nm" -p "unix:$WORKDIR/null.sock" -r -P "$WORKDIR/null.pid"
if wait_for_file "$WORKDIR/null.sock" 20 && wait_for_log "$WORKDIR/null.log" "listening" 20; then
	tap_ok "nullmilter started"
else
	tap_fail "nullmilter started" "$(cat "$WORKDIR/null.log")"
fi
tap_is "$(cat "$WORKDIR/null.pid" 2>/dev/null)" "${PID[null]}" "nullmilter -P writes its pid"
for f in "$data"/*.eml; do
	name=${f##*/}
	out=$("$ml" -s "unix:$WORKDIR/null.sock" -f "$f" -n 1 -v 2>&1)
	tap_is "$?" 0 "$name: exit status 0"
	got=$(printf '%s\n' "$out" | sed -n 's/.* addheader X-Null-Body-Bytes: \([0-9]*\)$/\1/p')
	tap_is "$got" "$(body_bytes "$f")" "$name: the milter got the CRLF body size"
	got=$(printf '%s\n' "$out" | sed -n 's/.* addheader X-Null-Headers: \([0-9]*\)$/\1/p')
	tap_is "$got" "$(header_count "$f")" "$name: the milter got every header"
done
tap_check "the big fixture needs several body chunks" \
	test "$(body_bytes "$data/d-big.eml")" -gt 131070

out=$("$ml" -s "unix:$WORKDIR/null.sock" -d "$data" -n 20 -c 4 -m 5 2>&1)
tap_is "$?" 0 "-n 20 -c 4 -m 5: exit status 0"
tap_is "$(field msgs "$out") $(field accept "$out") $(field errors "$out") $(field timeouts "$out")" \
	"20 20 0 0" "-n 20 -c 4 -m 5: msgs=20 accept=20 errors=0 timeouts=0"
tap_is "$(field addheader "$out")" 40 "-n 20 -c 4 -m 5: two added headers a message"
tap_like "$out" "^verdicts +accept@eom=20\$" "verdicts are listed with their stage"
tap_like "$out" "^latency ms +mean [0-9.]+ +p50 [0-9.]+ +p90 [0-9.]+ +p99 [0-9.]+ +max [0-9.]+\$" \
	"latency percentiles are printed"

out=$("$ml" -s "unix:$WORKDIR/null.sock" -d "$data" -t 0.5 -c 2 -m 3 -A -q 2>&1)
tap_is "$?" 0 "-t 0.5 -c 2 -m 3 -A: exit status 0"
tap_is "$(printf '%s\n' "$out" | wc -l)" 1 "-q prints one line"
keys=$(printf '%s\n' "$out" | tr ' ' '\n' | sed -n 's/=.*//p' | tr '\n' ' ')
tap_is "$keys" "msgs secs msgs_per_s mb_per_s p50_ms p90_ms p99_ms max_ms mean_ms accept continue reject tempfail discard quarantine addheader chgheader insheader errors timeouts " \
	"the RESULT line has the fixed key set"
tap_check "-t 0.5: some messages completed" test "$(field msgs "$out")" -gt 0
tap_is "$(field msgs "$out")" "$(field accept "$out")" "-t 0.5: every message accepted"

port=$(free_port)
start_bg inet "$WORKDIR/inet.log" "$nm" -p "inet:$port@127.0.0.1"
if wait_for_port 127.0.0.1 "$port" 20; then
	for t in "inet:127.0.0.1:$port" "inet:$port@localhost"; do
		out=$("$ml" -s "$t" -d "$data" -n 10 -c 2 -m 2 -Q -N -q 2>&1)
		tap_is "$?" 0 "-s $t -Q -N: exit status 0"
		tap_is "$(field accept "$out") $(field errors "$out")" "10 0" "-s $t: accept=10 errors=0"
	done
else
	tap_fail "nullmilter on inet:$port@127.0.0.1 started" "$(cat "$WORKDIR/inet.log")"
fi

# --- preflight-milter: format checks only, so no DNS is needed ---
if [ -x "$pm" ]; then
	{
		echo "Socket unix:$WORKDIR/pf.sock"
		echo "Syslog no"
		echo "HeldLog $WORKDIR/pf.db"
		echo "Checks format size"
	} >"$WORKDIR/pf.conf"
	start_bg pf "$WORKDIR/pf.log" "$pm" -f -c "$WORKDIR/pf.conf"
	if wait_for_file "$WORKDIR/pf.sock" 20 &&
		wait_for_log "$WORKDIR/pf.log" "starting .* on unix:" 20; then
		tap_ok "preflight-milter started"
	else
		tap_fail "preflight-milter started" "$(cat "$WORKDIR/pf.log")"
	fi
	out=$("$ml" -s "unix:$WORKDIR/pf.sock" -f "$data/c-from2.eml" -n 1 -v 2>&1)
	tap_is "$?" 0 "preflight, two From: exit status 0"
	tap_is "$(field quarantine "$out")" 1 "preflight, two From: quarantine=1"
	tap_like "$out" "quarantine preflight: format-from-count" "preflight, two From: the reason names format-from-count"
	out=$("$ml" -s "unix:$WORKDIR/pf.sock" -f "$data/a-clean.eml" -n 1 -q 2>&1)
	tap_is "$?" 0 "preflight, clean: exit status 0"
	tap_is "$(field quarantine "$out")" 0 "preflight, clean: quarantine=0"
	tap_is "$(($(field accept "$out") + $(field continue "$out")))" 1 \
		"preflight, clean: accepted (accept or continue at eom)"
else
	tap_skip 7 "$pm is not built"
fi

# --- a milter that never answers EOM ---
perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Local => $ARGV[0], Listen => 5) or die "$!\n";
	sub rd { my ($c, $n) = @_; my $b = "";
		while (length($b) < $n) {
			sysread($c, $b, $n - length($b), length($b)) or return undef;
		}
		return $b; }
	sub wr { my ($c, $cmd, $d) = @_; syswrite($c, pack("N", 1 + length $d) . $cmd . $d); }
	while (my $c = $s->accept) {
		while (defined(my $h = rd($c, 4))) {
			my $f = rd($c, unpack("N", $h)); last unless defined $f;
			my $cmd = substr($f, 0, 1);
			if ($cmd eq "O") { wr($c, "O", pack("NNN", 6, 0, 0)); }
			elsif ($cmd =~ /^[CHMRTLNB]$/) { wr($c, "c", ""); }
			# E (end of message) is never answered; D, A, Q need no reply
		}
	}' "$WORKDIR/silent.sock" 2>"$WORKDIR/silent.log" &
add_cleanup "kill $!"
if wait_for_file "$WORKDIR/silent.sock" 20; then
	t0=$(date +%s%N)
	out=$("$ml" -s "unix:$WORKDIR/silent.sock" -f "$data/a-clean.eml" -n 1 -T 1 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	tap_is "$rc" 1 "silent at EOM, -T 1: exit status 1"
	tap_is "$(field timeouts "$out") $(field errors "$out") $(field msgs "$out")" "1 0 0" \
		"silent at EOM, -T 1: timeouts=1 errors=0 msgs=0"
	tap_check "silent at EOM, -T 1: gave up after about 1 s (${ms} ms)" \
		test "$ms" -ge 900 -a "$ms" -lt 10000
else
	tap_fail "silent milter started" "$(cat "$WORKDIR/silent.log")"
fi

tap_done

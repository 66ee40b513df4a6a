#!/bin/bash
# test-metrics - MetricsListen: preflight-milter's /metrics endpoint.
#
# -n refuses a bad MetricsListen with file:line and the key.  A milter with
# MetricsListen 127.0.0.1:PORT gets N clean and M risky (two From:, held)
# messages from miltertest; a scrape with curl must then say exactly
# N accept / M hold, M format-from-count findings, M predicted gmail
# refusals, a histogram per check whose _count is the number of messages
# (buckets monotone, +Inf == _count), DNS counters that counted the
# reputation round's queries (a UDP sink that never answers), and parse
# line by line as exposition format 0.0.4.  Other paths are 404, other
# methods 405; scrapes run while messages are checked.  After a SIGUSR1 reload that changes MetricsListen the old
# address still serves, the counters are kept and still count.  SIGTERM
# stops the HTTP server and the milter exits 0.  As root: with UserID
# nobody and a port below 1024, every thread (the HTTP one too) runs as
# nobody and the port still serves.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"

milter=$top_builddir/milter/preflight-milter
mtdir=$top_srcdir/tests/milter
N=3	# clean messages
M=2	# risky messages (format-from-count, certain: hold)

command -v miltertest >/dev/null 2>&1 ||
	tap_skip_all "miltertest is not installed (apt-get install miltertest)"
command -v curl >/dev/null 2>&1 || tap_skip_all "curl is not installed"
command -v python3 >/dev/null 2>&1 || tap_skip_all "python3 is not installed"
[ -x "$milter" ] || tap_skip_all "$milter is not built"
tmp_workdir || tap_skip_all "cannot create a work dir"
chmod 711 "$WORKDIR"	# the root part's nobody must reach its socket
mkdir -m 777 "$WORKDIR/run"

dnsport=$(free_port)
# write_conf NAME LINE... - base settings (no DNS but the sink) and LINEs;
# $HELDLOG, if set, is the held log
write_conf() {
	local name=$1
	shift
	{
		echo "Socket unix:$WORKDIR/run/$name.sock"
		echo "Syslog no"
		echo "HeldLog ${HELDLOG:-none}"
		echo "StateBackend none"
		echo "Checks format size rep"
		echo "Nameservers 127.0.0.1@$dnsport"
		echo "DNSTimeout 1s"
		echo "DNSBL zen.spamhaus.org"
		echo "EgressAddress 198.18.0.1"
		printf '%s\n' "$@"
	} >"$WORKDIR/$name.conf"
}

# --- -n: the key is checked with file:line --------------------------------
for v in 127.0.0.1 127.0.0.1:0 127.0.0.1:70000 localhost:9100 ::1:9100 "[::1]9100" \
	"127.0.0.1:80 x"; do
	printf 'Syslog no\nMetricsListen %s\n' "$v" >"$WORKDIR/n.conf"
	out=$("$milter" -n -c "$WORKDIR/n.conf" 2>&1)
	tap_is "$?" 78 "-n refuses MetricsListen '$v' (exit 78)"
	tap_like "$out" "n\.conf:2: MetricsListen: " "... naming file:line and the key"
done
for v in 127.0.0.1:9100 "[::1]:9100" "0.0.0.0:65535"; do
	printf 'Syslog no\nMetricsListen %s\n' "$v" >"$WORKDIR/n.conf"
	"$milter" -n -c "$WORKDIR/n.conf" >/dev/null 2>&1
	tap_is "$?" 0 "-n accepts MetricsListen '$v'"
done

# A DNS sink: counts what it is asked, answers nothing (lookups time out).
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0],
	    Proto => "udp") or die "udp $ARGV[0]: $!\n";
	open(my $log, ">>", $ARGV[1]) or die; $log->autoflush(1);
	while ($s->recv(my $p, 4096)) { print $log "q\n"; }' \
	"$dnsport" "$WORKDIR/queries" 2>"$WORKDIR/sink.err" &
add_cleanup "kill $! 2>/dev/null"

# The messages: MT_N clean and MT_M with two From: headers, to gmail.com.
cat >"$WORKDIR/send.lua" <<'EOF'
local pf = dofile(os.getenv("MT_DIR") .. "/common.lua")
local function one(i, risky)
	local conn = pf.connect()
	pf.envelope(conn, { qid = "QM" .. i, rcpt = "bob@gmail.com" })
	local extra = risky and { { "From", "Mallory <mallory@example.test>" } } or {}
	local reply = pf.message(conn, pf.headers(extra))
	pf.check(pf.accepted(reply), "message " .. i .. " answered")
	pf.check((mt.eom_check(conn, MT_QUARANTINE) and true or false) == risky,
	    "message " .. i .. (risky and " held" or " not held"))
	mt.disconnect(conn)
end
for i = 1, tonumber(os.getenv("MT_N")) do one(i, false) end
for i = 1, tonumber(os.getenv("MT_M")) do one(100 + i, true) end
pf.done()
EOF

# send NAME CLEAN RISKY - the messages through miltertest
send() {
	local out
	out=$(MT_SOCKET="unix:$WORKDIR/run/$1.sock" MT_DIR="$mtdir" MT_N=$2 MT_M=$3 \
		miltertest -s "$WORKDIR/send.lua" 2>&1)
	if [ "$?" -eq 0 ]; then
		tap_ok "miltertest sent $2 clean and $3 risky messages to $1"
	else
		tap_fail "miltertest sent $2 clean and $3 risky messages to $1" "$out"
	fi
}

# start NAME - run it in the foreground; wait until it listens
start() {
	"$milter" -f -c "$WORKDIR/$1.conf" 2>"$WORKDIR/$1.log" &
	pid=$!
	add_cleanup "kill $pid 2>/dev/null"
	if wait_for_file "$WORKDIR/run/$1.sock" 20 &&
		wait_for_log "$WORKDIR/$1.log" "starting .* on unix:" 20 &&
		kill -0 "$pid" 2>/dev/null; then
		tap_ok "milter $1 started"
	else
		tap_fail "milter $1 started" "$(cat "$WORKDIR/$1.log")"
	fi
}

# scrape PORT - the exposition text into $WORKDIR/scrape (headers: .hdr)
scrape() {
	rm -f "$WORKDIR/scrape" "$WORKDIR/scrape.hdr"
	curl -s -S --max-time 10 -D "$WORKDIR/scrape.hdr" -o "$WORKDIR/scrape" \
		"http://127.0.0.1:$1/metrics"
}

# value SAMPLE - the value of the sample line "SAMPLE value" of the last scrape
value() {
	awk -v k="$1" 'substr($0, 1, length(k) + 1) == k " " { print substr($0, length(k) + 2) }' \
		"$WORKDIR/scrape"
}

# parse - strict exposition format 0.0.4 check of the last scrape; prints
# the problems, nothing when it is valid (histograms: buckets cumulative,
# +Inf == _count, per label set)
cat >"$WORKDIR/parse.py" <<'EOF'
import re, sys
name = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
lval = r'"(?:[^"\\\n]|\\[\\"n])*"'
labels = r'\{[a-zA-Z_][a-zA-Z0-9_]*=' + lval + r'(?:,[a-zA-Z_][a-zA-Z0-9_]*=' + lval + r')*\}'
sample = re.compile(r'^(' + name + r')(' + labels + r')? ([-+]?(?:[0-9.]+(?:e[-+]?[0-9]+)?|Inf)|NaN)$')
types, hist, bad = {}, {}, []
text = open(sys.argv[1]).read()
if not text.endswith('\n'):
    bad.append('no final newline')
for n, line in enumerate(text.split('\n')[:-1], 1):
    m = re.match(r'^# (HELP|TYPE) (' + name + r') (.*)$', line)
    if m:
        if m.group(1) == 'TYPE':
            if m.group(3) not in ('counter', 'gauge', 'histogram', 'summary', 'untyped'):
                bad.append('%d: bad type' % n)
            if m.group(2) in types:
                bad.append('%d: second TYPE for %s' % (n, m.group(2)))
            types[m.group(2)] = m.group(3)
        continue
    m = sample.match(line)
    if not m:
        bad.append('%d: not a sample: %s' % (n, line))
        continue
    fam = re.sub(r'_(bucket|sum|count)$', '', m.group(1))
    t = types.get(m.group(1)) or types.get(fam)
    if t is None:
        bad.append('%d: no TYPE before %s' % (n, m.group(1)))
    if types.get(fam) == 'histogram':
        lab = m.group(2) or ''
        key = re.sub(r',?le="[^"]*"', '', lab).replace('{,', '{')
        h = hist.setdefault((fam, key), {'b': [], 'count': None})
        if m.group(1).endswith('_bucket'):
            le = re.search(r'le="([^"]*)"', lab).group(1)
            h['b'].append((le, float(m.group(3))))
        elif m.group(1).endswith('_count'):
            h['count'] = float(m.group(3))
for (fam, key), h in hist.items():
    vals = [v for _, v in h['b']]
    if vals != sorted(vals):
        bad.append('%s%s: buckets not cumulative' % (fam, key))
    if not h['b'] or h['b'][-1][0] != '+Inf' or h['b'][-1][1] != h['count']:
        bad.append('%s%s: +Inf != _count' % (fam, key))
print('\n'.join(bad))
EOF

# --- A: counts ----------------------------------------------------------
port=$(free_port)
write_conf A "MetricsListen 127.0.0.1:$port"
start A
if wait_for_port 127.0.0.1 "$port" 20; then
	tap_ok "metrics port $port listens"
else
	tap_fail "metrics port $port listens" "$(cat "$WORKDIR/A.log")"
fi
tap_like "$(cat "$WORKDIR/A.log")" "metrics on http://127\.0\.0\.1:$port/metrics" \
	"the log says where the metrics are"
# the reputation round's lookups go to the sink and time out
wait_for_log "$WORKDIR/A.log" "reputation" 30 ||
	tap_diag "no reputation line yet: $(tail -5 "$WORKDIR/A.log")"
# scrapes while the messages go through (races show under TSan)
(for i in 1 2 3 4 5 6 7 8 9 10; do
	curl -s --max-time 10 -o /dev/null "http://127.0.0.1:$port/metrics"
done) &
scraper=$!
send A $N $M
wait "$scraper"
scrape "$port"
tap_is "$?" 0 "curl scrapes /metrics"
tap_like "$(head -1 "$WORKDIR/scrape.hdr")" "^HTTP/1\.[01] 200" "200 OK"
tap_like "$(grep -i '^content-type:' "$WORKDIR/scrape.hdr")" \
	"text/plain; version=0\.0\.4" "Content-Type text/plain; version=0.0.4"
problems=$(python3 "$WORKDIR/parse.py" "$WORKDIR/scrape")
tap_is "$problems" "" "every line parses as exposition format 0.0.4 (histograms consistent)"
tap_is "$(value 'preflight_messages_total{verdict="accept"}')" $N "accept = $N"
tap_is "$(value 'preflight_messages_total{verdict="hold"}')" $M "hold = $M"
tap_is "$(value 'preflight_messages_total{verdict="reject"}')" 0 "reject = 0"
tap_is "$(value 'preflight_findings_total{id="format-from-count"}')" $M \
	"findings format-from-count = $M"
tap_is "$(value 'preflight_findings_total{id="format-date-missing"}')" 0 \
	"an id not seen is listed with 0"
tap_is "$(value 'preflight_predicted_rejections_total{provider="gmail"}')" $M \
	"predicted gmail refusals = $M (once per message)"
tap_is "$(value 'preflight_predicted_rejections_total{provider="microsoft"}')" 0 \
	"predicted microsoft refusals = 0"
tap_is "$(value 'preflight_check_duration_seconds_count{check="format"}')" $((N + M)) \
	"check=format histogram _count = $((N + M)) messages"
tap_is "$(value 'preflight_check_duration_seconds_bucket{check="format",le="+Inf"}')" \
	$((N + M)) "... its +Inf bucket too"
tap_is "$(value 'preflight_check_duration_seconds_count{check="spf"}')" 0 \
	"check=spf (not in Checks) _count = 0"
tap_like "$(value 'preflight_check_duration_seconds_sum{check="format"}')" '^[0-9]+\.[0-9]{6}$' \
	"_sum is in seconds"
q=$(value preflight_dns_queries_total)
tap_like "$q" '^[1-9][0-9]*$' "DNS queries counted (the reputation round: $q)"
tap_like "$(value preflight_dns_cache_hits_total)" '^[0-9]+$' "DNS cache hits present"
tap_like "$(value preflight_dns_tempfails_total)" '^[1-9][0-9]*$' \
	"DNS tempfails counted (the sink never answers)"
tap_is "$(value preflight_store_errors_total)" 0 "store errors = 0"
tap_is "$(value 'preflight_egress_problems{kind="listed"}')" 0 "egress: not listed"
tap_like "$(value preflight_egress_refreshed_timestamp_seconds)" '^[1-9][0-9]*$' \
	"egress: the time of the last round"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$port/other")
tap_is "$code" 404 "another path: 404"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST -d x \
	"http://127.0.0.1:$port/metrics")
tap_is "$code" 405 "POST: 405"

# --- reload: a new MetricsListen is not bound; the counters stay ---------
port2=$(free_port)
write_conf A "MetricsListen 127.0.0.1:$port2"
kill -USR1 "$pid"
if wait_for_log "$WORKDIR/A.log" "MetricsListen changed" 20 &&
	wait_for_log "$WORKDIR/A.log" "configuration reloaded" 20; then
	tap_ok "reload logs that MetricsListen needs a restart"
else
	tap_fail "reload logs that MetricsListen needs a restart" "$(cat "$WORKDIR/A.log")"
fi
scrape "$port"
tap_is "$?" 0 "the old address still serves after the reload"
tap_is "$(value 'preflight_messages_total{verdict="accept"}')" $N "accept still $N"
tap_is "$(value 'preflight_messages_total{verdict="hold"}')" $M "hold still $M"
if curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$port2/metrics"; then
	tap_fail "the new address is not bound before a restart"
else
	tap_ok "the new address is not bound before a restart"
fi
send A 1 0
scrape "$port"
tap_is "$(value 'preflight_messages_total{verdict="accept"}')" $((N + 1)) \
	"after the reload a message still counts (accept $((N + 1)))"
tap_is "$(value 'preflight_check_duration_seconds_count{check="format"}')" $((N + M + 1)) \
	"... and is timed"
kill -TERM "$pid"
wait "$pid"
tap_is "$?" 0 "SIGTERM: exit 0"
if _port_open 127.0.0.1 "$port"; then
	tap_fail "the metrics port is closed after exit"
else
	tap_ok "the metrics port is closed after exit"
fi

# --- B: off, and a port in use -----------------------------------------
write_conf B
start B
tap_unlike "$(cat "$WORKDIR/B.log")" "metrics on" "without MetricsListen nothing is served"
kill -TERM "$pid"
wait "$pid"
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Proto => "tcp",
	    Listen => 1) or die; print $s->sockport(), "\n"; close(STDOUT); sleep 60' \
	>"$WORKDIR/busy.port" &
add_cleanup "kill $! 2>/dev/null"
wait_until 10 test -s "$WORKDIR/busy.port"
write_conf C "MetricsListen 127.0.0.1:$(cat "$WORKDIR/busy.port")"
out=$("$milter" -f -c "$WORKDIR/C.conf" 2>&1)
tap_is "$?" 69 "a MetricsListen port in use stops the start (exit 69)"
tap_like "$out" "MetricsListen 127\.0\.0\.1:[0-9]+: Address already in use" "... and says why"

# --- root: bound before the drop, served after it ----------------------
if [ "$(id -u)" -ne 0 ] || ! getent passwd nobody >/dev/null; then
	tap_ok "privileges and store errors # SKIP not root (or no user nobody)"
	tap_done
	exit
fi

# --- root: held-log rows that cannot be written (a full tmpfs) ----------
if ! grep -q metrics_store_error "$top_srcdir/milter/actions.c"; then
	tap_ok "store errors # SKIP milter/actions.c does not count them yet"
elif ! mkdir "$WORKDIR/full" || ! mount -t tmpfs -o size=1m,mode=0755 preflight-metrics \
	"$WORKDIR/full" 2>"$WORKDIR/mount.err"; then
	tap_ok "store errors # SKIP cannot mount a tmpfs: $(cat "$WORKDIR/mount.err" 2>/dev/null)"
else
	add_cleanup "umount '$WORKDIR/full' || umount -l '$WORKDIR/full'"
	port=$(free_port)
	HELDLOG=$WORKDIR/full/held.db write_conf F "MetricsListen 127.0.0.1:$port"
	start F
	send F 0 1
	dd if=/dev/zero of="$WORKDIR/full/filler" bs=4k >/dev/null 2>&1
	out=$(MT_SOCKET="unix:$WORKDIR/run/F.sock" MT_DIR="$mtdir" MT_N=0 MT_M=$M \
		miltertest -s "$WORKDIR/send.lua" 2>&1)
	tap_like "$out" "FAIL: message 10[0-9] answered" "disk full: the holds are not answered as held"
	scrape "$port"
	tap_is "$(value preflight_store_errors_total)" $M "store errors = $M (disk full)"
	tap_is "$(value 'preflight_messages_total{verdict="hold"}')" $((M + 1)) \
		"... the policy's verdict still counts as hold ($((M + 1)))"
	kill -TERM "$pid"
	wait "$pid"
	rm -f "$WORKDIR/full/filler"
fi
low=
for p in $(seq 990 -1 900); do
	_port_open 127.0.0.1 "$p" || { low=$p; break; }
done
write_conf R "MetricsListen 127.0.0.1:$low" "UserID nobody"
start R
scrape "$low"
tap_is "$?" 0 "as root with UserID nobody: port $low (< 1024) serves"
nobody=$(id -u nobody)
bad=
mhd=
for st in /proc/"$pid"/task/*/status; do
	u=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$st")
	[ "$u" = "$nobody $nobody $nobody $nobody" ] || bad="$bad ${st#/proc/}: $u;"
	case $(awk '/^Name:/ { print $2 }' "$st") in MHD-*) mhd="$mhd ${st#/proc/}: $u" ;; esac
done
tap_is "$bad" "" "every thread of the milter runs as nobody ($(ls /proc/"$pid"/task | wc -l) threads)"
tap_like "$mhd" "^ [0-9]+/task/[0-9]+/status: $nobody $nobody $nobody $nobody\$" \
	"... the HTTP thread (libmicrohttpd's MHD-*) among them"
kill -TERM "$pid"
wait "$pid"
tap_is "$?" 0 "SIGTERM: exit 0"
tap_done

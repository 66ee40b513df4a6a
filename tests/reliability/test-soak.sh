#!/bin/bash
# test-soak - preflight-milter under load while its DNS misbehaves.
#
# A corpus of 50 small messages (bench/gen-corpus.py's generator, imported:
# every one DKIM-signed with a valid signature, From example.test or
# news.example.test, SPF passing for the egress address, DMARC p=reject),
# zones with TTL 0 so that every message really asks (neither libunbound
# nor dns_cache keeps a TTL-0 answer), nsd serving them, and
# tests/reliability/dnsfault.py in front of nsd as the milter's only
# Nameserver.  Steps:
#   0. the proxy seen by dig (when installed): faults off it relays the
#      answer over UDP and TCP; other instances with --servfail 1 answer
#      SERVFAIL with the query's id and question, --drop 1 never answers,
#      --garbage 1 sends only broken replies; SIGTERM writes the counts
#   1. warm-up, faults off: WARM messages (64 connections); the finding ids
#      of each corpus file are its baseline; open fds and VmRSS measured
#   2. soak, faults on (20 % SERVFAIL, 5 % no answer, 1 % garbage, per
#      query; and 0.5 % of queries start a 1 s outage of their name and
#      type, SERVFAIL or no answer): SOAK_MESSAGES (2000) at SOAK_CONC (64)
#      connections.  The outages are there because libunbound tries each
#      query up to 5 times: the per-query faults alone reached no check at
#      all in some runs; an outage reaches them every time, and one of no
#      answer makes the lookups wait for DNSTimeout
#   3. faults off again: batches until one has no temperror (recovery)
#   4. idle: fds and RSS against the baseline; SIGTERM, exit status 0
# Asserts: every soak message answered (RESULT msgs = total, errors = 0,
# timeouts = 0); the slowest reply within DNSTimeout + MaxScanTime + a
# margin for a loaded machine (BOUND_S); one log line per message, each
# queue id once; the invariant "a DNS failure is a temperror, never a
# pass or fail": each message's findings, minus the DNS-failure ids
# (*-temperror, auth-unverified), are exactly its file's baseline, so no
# spf/dkim/dmarc fail, key-missing, unauthenticated... can appear; the
# faults hit (the proxy injected each kind, temperror findings > 0); no
# "error:" line in the milter's log; DNS recovers once the faults stop;
# open fds back within 2 of the baseline and VmRSS within RSS_MARGIN_MB
# (20) of it; the milter exits 0.
#
# Why 20 MB: libunbound's message and RRset caches may grow to 4 MB each
# and its infrastructure cache with them; glibc keeps freed memory in its
# arenas (one per core) rather than returning it; SQLite's page cache of
# the state database grows with it.  A leak of a few hundred bytes a
# message shows in the 100k-message long run (scripts/longrun.sh), not
# here: over 100,000 messages 200 bytes each is 20 MB.
#
# SOAK_MESSAGES, SOAK_CONC override the soak's size (scripts/longrun.sh
# runs 100000); needs nsd and python3-dkim (dkimpy) for /usr/bin/python3.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dns/nsd-env.sh"
. "$top_srcdir/tests/reliability/rel-lib.sh"

total=${SOAK_MESSAGES:-2000}
conc=${SOAK_CONC:-64}
warm=${SOAK_WARM:-100}
dns_timeout=2
scan_time=4
margin=6
BOUND_S=$((dns_timeout + scan_time + margin))
RSS_MARGIN_MB=${RSS_MARGIN_MB:-20}
py=/usr/bin/python3
t_start=$(date +%s)

rel_require_built
command -v "$NSD_BIN" >/dev/null 2>&1 || [ -x "$NSD_BIN" ] || tap_skip_all "nsd is not installed"
"$py" -c 'import dkim' 2>/dev/null || tap_skip_all "needs python3-dkim (dkimpy) to sign the corpus"
tmp_workdir || tap_skip_all "cannot create a work dir"

export LC_ALL=C		# sort and join agree on the order

# field KEY TEXT - the value of KEY= in the RESULT line of TEXT
field() {
	printf '%s\n' "$2" | sed -n "s/^RESULT.* $1=\([^ ]*\).*/\1/p"
}

# --- corpus and zones ----------------------------------------------------------
"$py" - "$top_srcdir" "$WORKDIR" 50 <<'PY' || { tap_fail "corpus written"; tap_done; exit; }
import datetime, importlib.util, os, random, sys
top, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = importlib.util.spec_from_file_location("gencorpus",
	os.path.join(top, "bench", "gen-corpus.py"))
gc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gc)
keytxt = gc.read_keytxt(os.path.join(top, "bench", "keys", "s1.txt"))
signer = gc.Signer(os.path.join(top, "bench", "keys", "s1.private"), keytxt)
for d in ("corpus", "zones"):
	os.makedirs(os.path.join(out, d), exist_ok=True)
for name, text in gc.zones(keytxt).items():
	with open(os.path.join(out, "zones", name + ".zone"), "w") as f:
		f.write(text.replace("$TTL 60", "$TTL 0"))
for i in range(1, count + 1):
	rng = random.Random("preflight-soak/%d" % i)
	dom = "example.test" if i % 3 else "news.example.test"
	m = gc.Msg(rng, i, "plain" if i % 2 else "html", None, "valid", dom,
		   gc.BASE_DATE + datetime.timedelta(seconds=433 * i))
	# finish() verifies every signature before it is written
	with open(os.path.join(out, "corpus", "%03d.eml" % i), "wb") as f:
		f.write(gc.make(m, signer, rng.randint(3000, 12000)))
PY
zones=$WORKDIR/zones
for z in bl.soak.test uribl.soak.test; do
	zone_header "$z" | sed 's/^\$TTL 60/$TTL 0/' >"$zones/$z.zone"
done
# the root zone: any other name is NXDOMAIN at once
printf '$ORIGIN .\n$TTL 0\n@ IN SOA ns.soak.test. hostmaster.soak.test. 1 3600 600 86400 0\n@ IN NS ns.soak.test.\n' \
    >"$zones/root.zone"
tap_is "$(ls "$WORKDIR/corpus" | wc -l)" 50 "50 signed messages written"

# --- nsd, the proxy, the milter ------------------------------------------------------
if nsd_start "$zones" 2>"$WORKDIR/nsd.err"; then
	tap_ok "nsd serves the zones"
else
	tap_fail "nsd serves the zones" "$(cat "$WORKDIR/nsd.err")"
	tap_done
	exit
fi
"$py" "${DNSFAULT:-$top_srcdir/tests/reliability/dnsfault.py}" --upstream "$NSD_PORT" --clean \
    --port-file "$WORKDIR/proxy.port" --stats "$WORKDIR/proxy.stats" --seed 8 \
    --servfail 0.20 --drop 0.05 --garbage 0.01 --outage 0.005 --outage-secs 1 \
    2>"$WORKDIR/proxy.err" &
proxy=$!
add_cleanup "kill $proxy"
if wait_for_file "$WORKDIR/proxy.port" 20; then
	tap_ok "dnsfault.py listens"
else
	tap_fail "dnsfault.py listens" "$(cat "$WORKDIR/proxy.err")"
	tap_done
	exit
fi
pport=$(cat "$WORKDIR/proxy.port")

# --- the proxy itself, seen by dig ---------------------------------------------------
# qdig PORT ARGS... - one try, status and answer of a TXT query for example.test
qdig() {
	local port=$1
	shift
	dig +time=2 +tries=1 -p "$port" @127.0.0.1 "$@" example.test TXT 2>&1
}
# one_proxy NAME RATE-ARGS... - a second proxy with these rates; sets $oport
one_proxy() {
	local name=$1
	shift
	"$py" "${DNSFAULT:-$top_srcdir/tests/reliability/dnsfault.py}" --upstream "$NSD_PORT" \
	    --port-file "$WORKDIR/$name.port" --stats "$WORKDIR/$name.stats" "$@" &
	opid=$!
	add_cleanup "kill $opid"
	wait_for_file "$WORKDIR/$name.port" 20 && oport=$(cat "$WORKDIR/$name.port")
}
# echoed TEXT - dig got no answer record and its own question back
echoed() {
	printf '%s\n' "$1" | grep -q 'QUERY: 1, ANSWER: 0' &&
	    printf '%s\n' "$1" | grep -Eq '^;example\.test\.[[:space:]]+IN[[:space:]]+TXT'
}
if command -v dig >/dev/null 2>&1; then
	tap_like "$(qdig "$pport")" 'v=spf1 ip4:192.0.2.0/24' "proxy, faults off: the answer over UDP"
	tap_like "$(qdig "$pport" +tcp)" 'v=spf1 ip4:192.0.2.0/24' "proxy, faults off: the answer over TCP"
	one_proxy sf --servfail 1 --drop 0 --garbage 0
	out=$(qdig "$oport")
	tap_like "$out" 'status: SERVFAIL, id: [0-9]+' "proxy, --servfail 1: SERVFAIL"
	tap_check "proxy, --servfail 1: the question echoed, no answer" echoed "$out"
	kill -TERM "$opid"
	wait_until 10 test -s "$WORKDIR/sf.stats"
	tap_like "$(cat "$WORKDIR/sf.stats" 2>/dev/null)" '^queries=1 udp=1 tcp=0 forward=0 answered=0 servfail=1 ' \
	    "proxy, --servfail 1: SIGTERM writes the counts"
	one_proxy drop --servfail 0 --drop 1 --garbage 0
	tap_like "$(qdig "$oport")" 'timed out|no servers could be reached' "proxy, --drop 1: no answer"
	kill -TERM "$opid"
	one_proxy junk --servfail 0 --drop 0 --garbage 1 --seed 1
	n=0
	for i in 1 2 3 4 5 6; do
		out=$(qdig "$oport" +tcp)
		printf '%s\n' "$out" | grep -q 'v=spf1' && continue
		printf '%s\n' "$out" | grep -Eq 'mismatch|malformed|short|timed out|communications error' &&
		    n=$((n + 1))
	done
	tap_is "$n" 6 "proxy, --garbage 1: six queries over TCP, six broken replies"
	kill -TERM "$opid"
	wait_until 10 test -s "$WORKDIR/junk.stats"
	tap_like "$(cat "$WORKDIR/junk.stats" 2>/dev/null)" ' garbage=6 garbage_random=[0-6] ' \
	    "proxy, --garbage 1: six garbage replies counted"
else
	tap_diag "dig is not installed: the proxy's own checks are skipped"
fi

cat >"$WORKDIR/pf.conf" <<CONF
Socket unix:$WORKDIR/pf.sock
Syslog no
PidFile none
Checks all
Nameservers 127.0.0.1@$pport
DNSTimeout ${dns_timeout}s
MaxScanTime ${scan_time}s
InternalHosts 127.0.0.0/8 192.0.2.0/24
EgressAddress 192.0.2.10
EgressHelo client.example.test
DNSBL bl.soak.test
URIBL uribl.soak.test
HeldLog $WORKDIR/held.db
StateBackend sqlite:$WORKDIR/state.db
LogVerdicts accept tag hold reject
# the corpus is dated May 2024
DateMaxPast 3650d
CONF
rel_start_milter "$WORKDIR/pf.conf"

# fds - open descriptors of the milter;  rss_kb - its VmRSS
fds() {
	ls "/proc/$mpid/fd" 2>/dev/null | wc -l
}
rss_kb() {
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$mpid/status" 2>/dev/null
}
# idle_fds MAX - at most MAX descriptors open (connections closed)
idle_fds() {
	[ "$(fds)" -le "$1" ]
}
# qids FILE - "QID FILE" for each verdict milterload -v printed
qids() {
	awk '$1 == "milterload:" && $4 == "verdict" { print $2, $3 }' "$1"
}
# findings_of PHASE-LOG - "QID ids" for each milter verdict line
findings_of() {
	sed -n 's/^preflight-milter: \([0-9A-F]*\): verdict=.* findings=\([^ ]*\) from=.*/\1 \2/p' "$1"
}
# load N TAG - N messages at conc connections, verdicts to $WORKDIR/TAG.v
load() {
	"$ml" -s "unix:$WORKDIR/pf.sock" -d "$WORKDIR/corpus" -c "$conc" -n "$1" \
	    -T "$BOUND_S" -v 2>"$WORKDIR/$2.v"
}

# --- 1. warm-up, faults off -----------------------------------------------------------
fd_start=$(fds)
out=$(load "$warm" warm)
tap_is "$(field msgs "$out") $(field errors "$out") $(field timeouts "$out")" "$warm 0 0" \
    "warm-up: $warm messages, no errors or timeouts"
wait_until 30 idle_fds $((fd_start + 4)) >/dev/null
# the baseline: finding ids per corpus file (warm-up covers each file)
findings_of "$WORKDIR/pf.log" | sort >"$WORKDIR/warm.f"
qids "$WORKDIR/warm.v" | sort >"$WORKDIR/warm.q"
join "$WORKDIR/warm.q" "$WORKDIR/warm.f" | awk '{ print $2, ($3 == "" ? "-" : $3) }' |
    sort -u >"$WORKDIR/baseline"
tap_is "$(cut -d' ' -f1 "$WORKDIR/baseline" | sort | uniq -d | wc -l) $(wc -l <"$WORKDIR/baseline")" \
    "0 50" "warm-up: one finding set per corpus file, the same each time"
tap_diag "baseline findings: $(cut -d' ' -f2 "$WORKDIR/baseline" | sort | uniq -c | tr -s ' \n' ' ')"
fd0=$(fds)
rss0=$(rss_kb)
loglines0=$(wc -l <"$WORKDIR/pf.log")

# --- 2. the soak, faults on -----------------------------------------------------------
kill -USR2 "$proxy"
t0=$(date +%s)
out=$(load "$total" soak)
rc=$?
t1=$(date +%s)
tap_diag "soak: $(printf '%s\n' "$out" | grep '^RESULT')"
tap_is "$rc" 0 "soak: milterload exits 0"
tap_is "$(field msgs "$out") $(field errors "$out") $(field timeouts "$out")" "$total 0 0" \
    "soak: all $total messages answered, no errors or timeouts"
max_ms=$(field max_ms "$out")
tap_check "soak: slowest reply ${max_ms} ms <= ${BOUND_S} s (DNSTimeout ${dns_timeout} + MaxScanTime ${scan_time} + ${margin})" \
    awk -v m="$max_ms" -v b="$BOUND_S" 'BEGIN { exit !(m != "" && m <= b * 1000) }'
tap_diag "soak: $total messages in $((t1 - t0)) s, $(field msgs_per_s "$out") msgs/s," \
    "p50 $(field p50_ms "$out") ms, p99 $(field p99_ms "$out") ms, max $max_ms ms"

# the soak's log lines, joined to the corpus file of each queue id
kill -USR1 "$proxy"
tail -n +"$((loglines0 + 1))" "$WORKDIR/pf.log" >"$WORKDIR/soak.log"
findings_of "$WORKDIR/soak.log" | sort >"$WORKDIR/soak.f"
qids "$WORKDIR/soak.v" | sort >"$WORKDIR/soak.q"
tap_is "$(wc -l <"$WORKDIR/soak.f") $(cut -d' ' -f1 "$WORKDIR/soak.f" | uniq -d | wc -l)" "$total 0" \
    "soak: one log line per message, each queue id once"
join "$WORKDIR/soak.q" "$WORKDIR/soak.f" >"$WORKDIR/soak.j"
tap_is "$(wc -l <"$WORKDIR/soak.j")" "$total" "soak: every log line matches a message milterload sent"

# The invariant: without the DNS-failure ids a message's findings are its
# file's baseline; anything else is a DNS failure read as pass or fail.
awk 'NR == FNR { base[$1] = $2; next }
	{
		n = split($3, id, ","); rest = ""; temp = 0
		for (i = 1; i <= n; i++) {
			if (id[i] ~ /-temperror$/ || id[i] == "auth-unverified") { temp++; continue }
			rest = rest (rest == "" ? "" : ",") id[i]
		}
		if (rest == "") rest = "-"
		if (!($2 in base)) print "nobase", $0
		else if (rest != base[$2]) print "bad", $0, "baseline:", base[$2]
		else if (temp) print "temp", $0
		else print "clean", $0
	}' "$WORKDIR/baseline" "$WORKDIR/soak.j" >"$WORKDIR/soak.verdicts"
bad=$(grep -c -v -E '^(temp|clean) ' "$WORKDIR/soak.verdicts")
if [ "$bad" -eq 0 ]; then
	tap_ok "soak: no message has findings beyond its baseline and DNS temperrors"
else
	tap_fail "soak: no message has findings beyond its baseline and DNS temperrors" \
	    "$bad messages, e.g.:" "$(grep -v -E '^(temp|clean) ' "$WORKDIR/soak.verdicts" | head -10)"
fi
ntemp=$(grep -c '^temp ' "$WORKDIR/soak.verdicts")
tap_check "soak: the faults hit: $ntemp messages with a temperror" test "$ntemp" -gt 0
tap_is "$(grep -c -E 'auth-(spf|dkim|dmarc)-(fail|reject|quarantine)|auth-unauthenticated|auth-dkim-key-missing' \
    "$WORKDIR/soak.log")" 0 "soak: no SPF/DKIM/DMARC fail, unauthenticated or key-missing finding"
tap_diag "soak: temperror counts: $(tr ',' '\n' <"$WORKDIR/soak.log" | grep -o 'auth-[a-z]*-temperror\|auth-unverified' |
    sort | uniq -c | tr -s ' \n' ' ')"
wait_until 10 test -s "$WORKDIR/proxy.stats"
stats=$(cat "$WORKDIR/proxy.stats")
tap_diag "proxy (warm-up and soak): $stats"
pstat() {
	printf '%s\n' "$stats" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
tap_check "proxy: SERVFAIL $(pstat servfail), no answer $(pstat drop), garbage $(pstat garbage), outages $(pstat outages) injected" \
    test "$(pstat servfail)" -gt 0 -a "$(pstat drop)" -gt 0 -a "$(pstat garbage)" -gt 0 -a "$(pstat outages)" -gt 0
errs=$(grep -c '^preflight-milter: error:' "$WORKDIR/soak.log")
tap_is "$errs" 0 "soak: no error line in the milter's log"
[ "$errs" -eq 0 ] || tap_diag "$(grep '^preflight-milter: error:' "$WORKDIR/soak.log" | head -5)"

# --- 3. faults off: DNS recovers --------------------------------------------------------
kill -USR2 "$proxy"
# recovered - a batch of 50 without a temperror
recovered() {
	local from
	from=$(($(wc -l <"$WORKDIR/pf.log") + 1))
	load 50 rec >/dev/null || return 1
	! tail -n +"$from" "$WORKDIR/pf.log" | grep -q -- '-temperror'
}
t2=$(date +%s)
if wait_until 60 recovered; then
	tap_ok "faults off: a batch of 50 without temperror after $(($(date +%s) - t2)) s"
else
	tap_fail "faults off: a batch of 50 without temperror within 60 s"
fi

# --- 4. idle: fds and memory --------------------------------------------------------------
wait_until 30 idle_fds $((fd0 + 2)) >/dev/null
fd1=$(fds)
rss1=$(rss_kb)
tap_diag "fds: $fd0 after the warm-up, $fd1 after the soak; VmRSS: $((rss0 / 1024)) MB, $((rss1 / 1024)) MB"
tap_check "fds back to the baseline ($fd1 vs $fd0, +-2)" test "$fd1" -le $((fd0 + 2)) -a "$fd1" -ge $((fd0 - 2))
# ASan keeps freed memory in its quarantine (256 MB) and TSan shadows
# every byte: RSS says nothing there, and LeakSanitizer checks at exit
if nm "$pm" 2>/dev/null | grep -Eq ' __(asan|tsan)_init$'; then
	tap_ok "VmRSS back to the baseline # SKIP sanitizer build (LeakSanitizer checks at exit)"
else
	tap_check "VmRSS $((rss1 / 1024)) MB <= baseline $((rss0 / 1024)) MB + $RSS_MARGIN_MB MB" \
	    test "$rss1" -le $((rss0 + RSS_MARGIN_MB * 1024))
fi

rel_stop_milter
tap_diag "test-soak: $(($(date +%s) - t_start)) s in all"
tap_done

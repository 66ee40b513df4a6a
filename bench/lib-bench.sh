# bench/lib-bench.sh - the steps of bench/run.sh, ab.sh and families.sh:
# their options, build, corpus, one milter at a time on one socket kind,
# one measured point or run, the ratios and the size sweep.  Sourced with
# tests/lib.sh, tests/dns/nsd-env.sh and bench/peers.sh; reads OUT,
# WORKDIR, SECS, CONC or CONCS, KIND or KINDS, and top_srcdir.
#
# Each point appends one line to $OUT/results.txt:
#   NAME KIND CONC msgs_per_s=.. mb_per_s=.. p50_ms=.. p99_ms=.. ... rss_mb=..
# which bench_ratios reads back; the raw milterload output of the point is
# $OUT/raw/NAME-KIND-cCONC.txt.

BUILD=${BUILD:-$top_srcdir/bench/_build}
MLOAD=
MPID=
MSOCK=
MNAME=

# bench_opts SCRIPT ARG... - the options of ab.sh and families.sh: -r
# ROUNDS, -t SECS, -c CONC, -k unix|inet, -o DIR and --help (the header
# comment of SCRIPT, whose line 4 is the usage); sets those variables and
# ARGS to the operands.  Exits 0 after --help, 64 on bad usage.
bench_opts() {
	local script=$1
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		-r) ROUNDS=$2; shift ;;
		-t) SECS=$2; shift ;;
		-c) CONC=$2; shift ;;
		-k) KIND=$2; shift ;;
		-o) OUT=$2; shift ;;
		-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$script"
			exit 0 ;;
		-*) echo "$(basename "$script"): unknown option $1 (try --help)" >&2; exit 64 ;;
		*) break ;;
		esac
		shift
	done
	ARGS=("$@")
	case $ROUNDS$SECS$CONC in
	*[!0-9]*|'') bench_usage "$script" ;;
	esac
	case $KIND in unix|inet) ;; *) bench_usage "$script" ;; esac
}

# bench_usage SCRIPT - the usage line of SCRIPT (line 4); exit 64
bench_usage() {
	echo "usage: $(sed -n '4p' "$1" | sed 's/^# *bash //')" >&2
	exit 64
}

# bench_build - configure (-O2) and build Preflight and the bench tools
bench_build() {
	if [ ! -x "$top_srcdir/configure" ]; then
		(cd "$top_srcdir" && autoreconf -fi) >"$OUT/build.log" 2>&1 || {
			tail -20 "$OUT/build.log" >&2; return 1; }
	fi
	mkdir -p "$BUILD"
	if [ ! -f "$BUILD/Makefile" ]; then
		(cd "$BUILD" && "$top_srcdir/configure" -q CFLAGS="-O2 -g") \
		    >>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log" >&2; return 1; }
	fi
	make -C "$BUILD" -j"$(nproc)" >>"$OUT/build.log" 2>&1 || {
		tail -30 "$OUT/build.log" >&2; return 1; }
	MLOAD=$BUILD/bench/milterload
	[ -x "$MLOAD" ] || { echo "bench: $MLOAD was not built" >&2; return 1; }
}

# bench_setup NAME - what every bench run needs: OUT absolute, a fresh
# WORKDIR ($OUT/NAME), the cleanup trap, the bench packages, the load
# generator built (BUILD), the corpus and its zones served by nsd
bench_setup() {
	mkdir -p "$OUT/raw"
	OUT=$(cd "$OUT" && pwd)
	WORKDIR=$OUT/$1
	rm -rf "$WORKDIR"
	mkdir -p "$WORKDIR/zones"
	trap _run_cleanups EXIT
	add_cleanup bench_milter_stop
	bash "$top_srcdir/scripts/deps.sh" --bench >&2 || return 1
	bench_build || return 1
	bench_corpus || return 1
	cp "$OUT/zones/"*.zone "$WORKDIR/zones/"
	bench_list_zones "$WORKDIR/zones"
	NSD_CONTROL=1 nsd_start "$WORKDIR/zones"
}

# bench_corpus - the corpus, sweep messages and zones (kept between runs:
# the generator is deterministic, so a stamp of its source decides)
bench_corpus() {
	local stamp
	stamp=$(sha256sum "$top_srcdir/bench/gen-corpus.py" | cut -c1-16)
	if [ "$(cat "$OUT/corpus.stamp" 2>/dev/null)" != "$stamp" ]; then
		rm -rf "$OUT/corpus" "$OUT/sweep" "$OUT/zones"
		/usr/bin/python3 "$top_srcdir/bench/gen-corpus.py" --out "$OUT" --seed 42 --sweep \
		    >"$OUT/corpus.log" 2>&1 || { cat "$OUT/corpus.log" >&2; return 1; }
		echo "$stamp" >"$OUT/corpus.stamp"
	fi
}

# bench_list_zones DIR - the empty DNSBL and URIBL zones Preflight asks
# (every answer NXDOMAIN, cached like a real list's), and the root zone,
# so that any other name is NXDOMAIN too, as from the baseline's resolver
# (nsd refuses names outside its zones, and rspamd waits out a refusal)
bench_list_zones() {
	local z
	for z in bl.bench.test uribl.bench.test; do
		zone_header "$z" >"$1/$z.zone"
	done
	cat >"$1/root.zone" <<ZONE
\$ORIGIN .
\$TTL 60
@ IN SOA ns.bench.test. hostmaster.bench.test. 1 3600 600 86400 60
@ IN NS ns.bench.test.
ZONE
}

bench_corpus_summary() {
	local n bytes
	n=$(find "$OUT/corpus" -maxdepth 1 -name '*.eml' | wc -l)
	bytes=$(find "$OUT/corpus" -maxdepth 1 -name '*.eml' -printf '%s\n' |
	    awk '{ s += $1 } END { print s }')
	echo "$n messages, $((bytes / 1048576)) MB, mean $((bytes / n / 1024)) KB"
}

# bench_preflight_conf SOCKET - every check on (or the families in
# PF_CHECKS), all DNS to the bench nsd
bench_preflight_conf() {
	cat <<CONF
Socket $1
Syslog no
PidFile none
Checks ${PF_CHECKS:-all}
Nameservers $NSD_ADDR
InternalHosts 127.0.0.0/8 192.0.2.0/24
EgressAddress 192.0.2.10
EgressHelo client.example.test
DNSBL bl.bench.test
URIBL uribl.bench.test
HeldLog $WORKDIR/held.db
StateBackend sqlite:$WORKDIR/state.db
RulesFile $top_srcdir/share/rules.conf
# the corpus is dated May 2024: no format-date-skew tag on every message
DateMaxPast 3650d
CONF
}

# bench_sock NAME KIND - a socket for NAME in milter notation
bench_sock() {
	if [ "$2" = unix ]; then
		echo "unix:$WORKDIR/$1.sock"
	else
		echo "inet:$(free_port)@127.0.0.1"
	fi
}

# _bench_sock_ready - the milter's socket accepts connections
_bench_sock_ready() {
	case $MSOCK in
	unix:*) [ -S "${MSOCK#unix:}" ] ;;
	inet:*) _port_open 127.0.0.1 "$(echo "$MSOCK" | sed 's/^inet:\([0-9]*\)@.*/\1/')" ;;
	esac
}

# bench_milter_start NAME KIND - start one milter; sets MPID and MSOCK
bench_milter_start() {
	local log=$OUT/raw/$1-$2.log
	MNAME=$1
	MSOCK=$(bench_sock "$1" "$2")
	# rspamd's compiled regexp caches survive between runs (a cold start
	# spends a minute building them)
	: "${PEER_RSPAMD_HSCACHE:=$OUT/rspamd-hs}"
	export PEER_RSPAMD_HSCACHE
	case $1 in
	preflight)
		bench_preflight_conf "$MSOCK" >"$WORKDIR/preflight.conf"
		# the shipped profiles of this tree, installed or not
		PREFLIGHT_PROFILE_DIR=$top_srcdir/share/profiles \
		    "$BUILD/milter/preflight-milter" -f -c "$WORKDIR/preflight.conf" 2>"$log" &
		MPID=$! ;;
	null)
		"$BUILD/bench/nullmilter" -p "$MSOCK" 2>"$log" &
		MPID=$! ;;
	rspamd|opendkim)
		if ! "peer_$1_start" "$WORKDIR/peer-$1" "$MSOCK" "$NSD_PORT" 2>"$log"; then
			echo "# $1: skipped ($(tail -n 1 "$log"))"
			return 1
		fi
		MPID=$PEER_PID ;;
	esac
	if ! wait_until 30 _bench_sock_ready; then
		echo "# $1 ($2): did not start; see $log"
		bench_milter_stop
		return 1
	fi
	# One pass to warm caches, connections and pages, not measured.
	"$MLOAD" -s "$MSOCK" -d "$OUT/corpus" -c 4 -n 200 -T 60 -q >/dev/null
}

bench_milter_stop() {
	[ -n "$MPID" ] || return 0
	case $MNAME in
	rspamd|opendkim) peer_stop ;;
	*) kill "$MPID" 2>/dev/null; wait "$MPID" 2>/dev/null ;;
	esac
	MPID=
}

# bench_reset_hwm - start a new peak-RSS window for the milter's processes
bench_reset_hwm() {
	local p
	for p in $(_peer_tree "$MPID"); do
		echo 5 >"/proc/$p/clear_refs" 2>/dev/null
	done
}

# bench_rss_mb - peak RSS (sum of VmHWM) of the milter's process tree
# since the reset
bench_rss_mb() {
	echo $(( $(peer_rss_kb "$MPID") / 1024 ))
}

# result_get KEY LINE - one k=v value of a RESULT line
result_get() {
	echo "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'
}

# bench_point NAME KIND CONC - one measured run; a table row
bench_point() {
	local raw=$OUT/raw/$1-$2-c$3.txt res rss
	bench_reset_hwm
	"$MLOAD" -s "$MSOCK" -d "$OUT/corpus" -c "$3" -t "$SECS" -T 60 >"$raw" 2>&1
	res=$(grep '^RESULT ' "$raw" | tail -n 1)
	rss=$(bench_rss_mb)
	if [ -z "$res" ]; then
		printf '| %s | %s | %s | failed: see %s |||||||\n' "$1" "$2" "$3" "$raw"
		return
	fi
	echo "$1 $2 $3 ${res#RESULT } rss_mb=$rss" >>"$OUT/results.txt"
	printf '| %s | %s | %s | %.1f | %.1f | %.2f | %.2f | %.1f | %s | %s |\n' "$1" "$2" "$3" \
	    "$(result_get msgs_per_s "$res")" "$(result_get mb_per_s "$res")" \
	    "$(result_get p50_ms "$res")" "$(result_get p99_ms "$res")" \
	    "$(result_get max_ms "$res")" \
	    "$(( $(result_get errors "$res") + $(result_get timeouts "$res") ))" "$rss"
}

# bench_dns_warm - queries nsd answers for 400 messages once the cache is warm
bench_dns_warm() {
	local q0 q1
	q0=$(nsd_queries)
	"$MLOAD" -s "$MSOCK" -d "$OUT/corpus" -c 16 -n 400 -T 60 -q >/dev/null
	q1=$(nsd_queries)
	DNS_WARM="$((q1 - q0)) DNS queries reached nsd for 400 messages with a warm cache"
	echo "preflight dns warm_queries=$((q1 - q0)) msgs=400" >>"$OUT/results.txt"
}

# lookup NAME KIND CONC KEY - a value from results.txt
lookup() {
	awk -v n="$1" -v k="$2" -v c="$3" -v key="$4" '
	    $1 == n && $2 == k && $3 == c {
		for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == key) v = kv[2] }
	    } END { print v }' "$OUT/results.txt"
}

# ratio A B - A / B to two places, or – when either is missing or B is 0
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "–"; else printf "%.2f", a / b }'
}

# bench_ratios - Preflight's throughput against each milter, p99 against null's
bench_ratios() {
	local kind c name row
	echo "Preflight's ratios (msgs/s of Preflight ÷ msgs/s of the other; p99 of Preflight ÷ p99 of null):"
	echo
	printf '| socket | conc | ÷ null | ÷ rspamd | ÷ opendkim | p99 ÷ null p99 |\n|---|---:|---:|---:|---:|---:|\n'
	for kind in $KINDS; do
		for c in $CONCS; do
			row="| $kind | $c"
			for name in null rspamd opendkim; do
				row="$row | $(ratio "$(lookup preflight "$kind" "$c" msgs_per_s)" \
				    "$(lookup "$name" "$kind" "$c" msgs_per_s)")"
			done
			row="$row | $(ratio "$(lookup preflight "$kind" "$c" p99_ms)" \
			    "$(lookup null "$kind" "$c" p99_ms)") |"
			echo "$row"
		done
	done
	[ -z "${DNS_WARM:-}" ] || { echo; echo "$DNS_WARM."; }
}

SWEEP_SIZES="10k:400 100k:200 1m:60 10m:12 25m:6"

# proc_counts PID - "cpu_ticks minor_faults" of a process, its threads
# (also those that have exited) included
proc_counts() {
	awk '{ print $14 + $15, $10 }' "/proc/$1/stat"
}

# ms_per_msg TICKS N - CPU milliseconds per message
ms_per_msg() {
	awk -v d="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" 'BEGIN { printf "%.3f", d * 1000 / hz / n }'
}

# child_ms FILE - CPU milliseconds (user + system) of the shell's reaped
# children, from the output of `times` in FILE (which must run in the
# shell itself: a subshell starts with no children)
child_ms() {
	awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
	    printf "%.0f", t * 1000 }' "$1"
}

# bench_measured LABEL NAME - one run of SECS seconds at CONC connections
# over a KIND socket, on a freshly started milter NAME (preflight, with
# PF_CHECKS, or null) and empty stores; appends to $WORKDIR/runs the line
#   LABEL msgs_per_s p99_ms milter_cpu_ms faults load_generator_cpu_ms
# (the last three per message).  Returns 1 when the run failed.
bench_measured() {
	local raw=$OUT/raw/$(basename "$WORKDIR")-$1-${round:-1}.txt res c0 c1 f0 f1 l0 l1 n
	rm -f "$WORKDIR"/held.db* "$WORKDIR"/state.db*
	bench_milter_start "$2" "$KIND" >/dev/null || return 1
	read -r c0 f0 < <(proc_counts "$MPID")
	times >"$WORKDIR/times0"
	"$MLOAD" -s "$MSOCK" -d "$OUT/corpus" -c "$CONC" -t "$SECS" -T 60 >"$raw" 2>&1
	times >"$WORKDIR/times1"
	read -r c1 f1 < <(proc_counts "$MPID")
	bench_milter_stop
	l0=$(child_ms "$WORKDIR/times0")
	l1=$(child_ms "$WORKDIR/times1")
	res=$(grep '^RESULT ' "$raw" | tail -n 1)
	n=$(result_get msgs "$res")
	[ -n "$res" ] && [ "${n:-0}" -gt 0 ] || return 1
	awk -v l="$1" -v m="$(result_get msgs_per_s "$res")" -v p="$(result_get p99_ms "$res")" \
	    -v c="$(ms_per_msg $((c1 - c0)) "$n")" -v df=$((f1 - f0)) -v dl=$((l1 - l0)) -v n="$n" \
	    'BEGIN { printf "%s %s %s %s %.1f %.3f\n", l, m, p, c, df / n, dl / n }' >>"$WORKDIR/runs"
}

# bench_median LABEL COLUMN - the median of one column of $WORKDIR/runs
# over the runs of LABEL (2 msgs/s, 3 p99, 4 CPU, 5 faults, 6 load
# generator); empty when LABEL has no run
bench_median() {
	awk -v x="$1" -v k="$2" '
	$1 == x { v[++n] = $k }
	END {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		if (n == 0) exit
		m = sprintf("%.3f", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2)
		sub(/\.?0+$/, "", m)
		print m
	}' "$WORKDIR/runs"
}

# sweep_run NAME - mean latency (ms) and milter CPU (ms per message) of
# each sweep size at c=1, into SWEEP_MEAN[NAME:size] and SWEEP_CPU[...]
declare -A SWEEP_MEAN SWEEP_CPU
sweep_run() {
	local f n s size res t0 t1 x
	bench_milter_start "$1" unix || return
	for f in $SWEEP_SIZES; do
		n=${f#*:}
		s=${f%%:*}
		f=$OUT/sweep/$s.eml
		size=$(stat -c %s "$f")
		read -r t0 x < <(proc_counts "$MPID")
		res=$("$MLOAD" -s "$MSOCK" -f "$f" -c 1 -n "$n" -T 120 -q | grep '^RESULT ')
		read -r t1 x < <(proc_counts "$MPID")
		SWEEP_MEAN[$1:$s]=$(result_get mean_ms "$res")
		SWEEP_CPU[$1:$s]=$(printf '%.2f' "$(ms_per_msg $((t1 - t0)) "$n")")
		echo "sweep-$1 $s 1 size=$size cpu_ms=${SWEEP_CPU[$1:$s]} $res" >>"$OUT/results.txt"
	done
	bench_milter_stop
}

# bench_sweep - microseconds per MB from 10 KB to 25 MB (c=1), for
# Preflight and for the null milter (the protocol's own cost at that
# size), then the peak RSS with 16 concurrent 25 MB messages
bench_sweep() {
	local f s size mb pf nl res
	sweep_run null
	sweep_run preflight
	echo "Size sweep (unix socket, c=1; CPU is the milter's, per message; added is Preflight's mean minus the null milter's):"
	echo
	printf '| message | size MB | null ms | Preflight ms | Preflight CPU ms | µs per MB | added µs per MB |\n'
	printf '|---|---:|---:|---:|---:|---:|---:|\n'
	for f in $SWEEP_SIZES; do
		s=${f%%:*}
		size=$(stat -c %s "$OUT/sweep/$s.eml")
		mb=$(awk -v s="$size" 'BEGIN { print s / 1048576 }')
		pf=${SWEEP_MEAN[preflight:$s]:-}
		nl=${SWEEP_MEAN[null:$s]:-}
		[ -n "$pf" ] || { printf '| %s.eml | failed |||||\n' "$s"; continue; }
		printf '| %s.eml | %.2f | %s | %.2f | %s | %.0f | %s |\n' "$s" "$mb" "${nl:-–}" "$pf" \
		    "${SWEEP_CPU[preflight:$s]}" "$(awk -v m="$pf" -v b="$mb" 'BEGIN { print m * 1000 / b }')" \
		    "$(awk -v m="$pf" -v z="$nl" -v b="$mb" 'BEGIN { if (z == "") print "–"; else printf "%.0f", (m - z) * 1000 / b }')"
	done
	bench_milter_start preflight unix || return
	bench_reset_hwm
	res=$("$MLOAD" -s "$MSOCK" -f "$OUT/sweep/25m.eml" -c 16 -n 32 -T 120 -q | grep '^RESULT ')
	echo
	echo "16 concurrent 25 MB messages: peak RSS $(bench_rss_mb) MB," \
	    "$(result_get msgs_per_s "$res") msgs/s, errors $(( $(result_get errors "$res") + $(result_get timeouts "$res") ))."
	bench_milter_stop
}

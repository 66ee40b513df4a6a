#!/bin/bash
# bench/ab.sh - two builds of Preflight, alternated on the bench corpus.
#
#   bash bench/ab.sh [-r ROUNDS] [-t SECS] [-c CONC] [-k unix|inet] [-o DIR] BUILD_A BUILD_B
#
# BUILD_A and BUILD_B are build trees (each with milter/preflight-milter),
# for instance bench/_build and a copy made before a change.  On a shared
# VM the speed of the machine drifts by 20 % within minutes, more than most
# changes are worth, so one run of each says little: every round runs both
# builds, A then B on odd rounds and B then A on even ones, SECS seconds
# (default 10) at CONC connections (default 16) on the same corpus, each on
# a freshly started milter.  Per run: msgs/s, p99, and from /proc the
# milter's CPU and minor page faults per message.  Then the median of each
# column per build and B's ratio to A.  Nothing leaves 127.0.0.0/8.
#
# Uses bench/run.sh's setup (bench_setup): the bench packages, corpus,
# zones, nsd and load generator (bench/_build; built when missing).
# Exit 0, or 1 when a run failed; 64 on bad usage.
set -uo pipefail

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
OUT=/tmp/preflight-bench
SECS=10
CONC=16
KIND=unix
ROUNDS=3
usage() {
	echo "usage: $(sed -n '4p' "$0" | sed 's/^# *bash //')" >&2
	exit 64
}
while [ $# -gt 0 ]; do
	case $1 in
	-r) ROUNDS=$2; shift ;;
	-t) SECS=$2; shift ;;
	-c) CONC=$2; shift ;;
	-k) KIND=$2; shift ;;
	-o) OUT=$2; shift ;;
	-h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "ab.sh: unknown option $1 (try --help)" >&2; exit 64 ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 2 ] || usage
case $ROUNDS$SECS$CONC in *[!0-9]*) usage ;; esac
case $KIND in unix|inet) ;; *) usage ;; esac
A=$(cd "$1" 2>/dev/null && pwd) && B=$(cd "$2" 2>/dev/null && pwd) || {
	echo "ab.sh: $1 or $2 is not a directory" >&2; exit 64; }
for b in "$A" "$B"; do
	[ -x "$b/milter/preflight-milter" ] || {
		echo "ab.sh: $b/milter/preflight-milter is not built" >&2; exit 64; }
done

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dns/nsd-env.sh"
. "$top_srcdir/bench/peers.sh"
. "$top_srcdir/bench/lib-bench.sh"

BUILD=$top_srcdir/bench/_build	# the load generator's; each run sets its own
bench_setup ab || exit 1

# ab_run LABEL BUILD - one measured run on a fresh milter; a table row and
# "LABEL msgs_per_s p99_ms cpu_ms_per_msg faults_per_msg" in $WORKDIR/runs
ab_run() {
	local raw=$OUT/raw/ab-$1-$round.txt res c0 c1 f0 f1 n
	BUILD=$2
	rm -f "$WORKDIR"/held.db* "$WORKDIR"/state.db*
	bench_milter_start preflight "$KIND" >/dev/null || return 1
	read -r c0 f0 < <(proc_counts "$MPID")
	"$MLOAD" -s "$MSOCK" -d "$OUT/corpus" -c "$CONC" -t "$SECS" -T 60 >"$raw" 2>&1
	read -r c1 f1 < <(proc_counts "$MPID")
	bench_milter_stop
	res=$(grep '^RESULT ' "$raw" | tail -n 1)
	n=$(result_get msgs "$res")
	[ -n "$res" ] && [ "${n:-0}" -gt 0 ] || {
		printf '| %s | %s | failed: see %s ||||\n' "$round" "$1" "$raw"; return 1; }
	awk -v l="$1" -v m="$(result_get msgs_per_s "$res")" -v p="$(result_get p99_ms "$res")" \
	    -v c="$(ms_per_msg $((c1 - c0)) "$n")" -v df=$((f1 - f0)) -v n="$n" \
	    'BEGIN { printf "%s %s %s %s %.1f\n", l, m, p, c, df / n }' >>"$WORKDIR/runs"
	tail -n 1 "$WORKDIR/runs" | awk -v r="$round" \
	    '{ printf "| %s | %s | %s | %s | %s | %s |\n", r, $1, $2, $3, $4, $5 }'
}

echo "# A = $A"
echo "# B = $B"
echo "# $KIND socket, c=$CONC, ${SECS}s per run, $ROUNDS rounds; corpus: $(bench_corpus_summary)"
echo
echo "| round | build | msgs/s | p99 ms | CPU ms/msg | faults/msg |"
echo "|---:|---|---:|---:|---:|---:|"
: >"$WORKDIR/runs"
failed=0
for round in $(seq 1 "$ROUNDS"); do
	if [ $((round % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
	for x in $order; do
		if [ "$x" = A ]; then ab_run A "$A" || failed=1; else ab_run B "$B" || failed=1; fi
	done
done

# the median of each column per build, and B's ratio to A
echo
echo "| build | msgs/s | p99 ms | CPU ms/msg | faults/msg |"
echo "|---|---:|---:|---:|---:|"
for x in A B "B/A"; do
	awk -v x="$x" '
	function median(k, build,   n, i, j, t, v) {
		n = 0
		for (i = 1; i <= NR; i++) if (lab[i] == build) v[++n] = val[i, k]
		for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		if (n == 0) return ""
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	{ lab[NR] = $1; for (k = 2; k <= 5; k++) val[NR, k] = $k }
	END {
		fmt[2] = "%.1f"; fmt[3] = "%.2f"; fmt[4] = "%.3f"; fmt[5] = "%.1f"
		row = "| " x
		for (k = 2; k <= 5; k++) {
			if (x != "B/A") { m = median(k, x); row = row " | " (m == "" ? "–" : sprintf(fmt[k], m)); continue }
			a = median(k, "A"); b = median(k, "B")
			row = row " | " (a == "" || b == "" || a + 0 == 0 ? "–" : sprintf("%.2f", b / a))
		}
		print row " |"
	}' "$WORKDIR/runs"
done
exit $failed

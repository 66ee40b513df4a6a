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
. "$top_srcdir/bench/lib-bench.sh"
bench_opts "$0" "$@"
[ ${#ARGS[@]} -eq 2 ] || bench_usage "$0"
A=$(cd "${ARGS[0]}" 2>/dev/null && pwd) && B=$(cd "${ARGS[1]}" 2>/dev/null && pwd) || {
	echo "ab.sh: ${ARGS[0]} or ${ARGS[1]} is not a directory" >&2; exit 64; }
for b in "$A" "$B"; do
	[ -x "$b/milter/preflight-milter" ] || {
		echo "ab.sh: $b/milter/preflight-milter is not built" >&2; exit 64; }
done

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dns/nsd-env.sh"
. "$top_srcdir/bench/peers.sh"

BUILD=$top_srcdir/bench/_build	# the load generator's; each run sets its own
bench_setup ab || exit 1

# ab_run LABEL BUILD - one measured run of BUILD; a table row
ab_run() {
	BUILD=$2
	bench_measured "$1" preflight || {
		printf '| %s | %s | failed: see %s ||||\n' "$round" "$1" "$OUT/raw/ab-$1-$round.txt"
		return 1; }
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
for x in A B; do
	printf '| %s | %s | %s | %s | %s |\n' "$x" "$(bench_median "$x" 2)" "$(bench_median "$x" 3)" \
	    "$(bench_median "$x" 4)" "$(bench_median "$x" 5)"
done
row="| B/A"
for k in 2 3 4 5; do
	row="$row | $(ratio "$(bench_median B $k)" "$(bench_median A $k)")"
done
echo "$row |"
exit $failed

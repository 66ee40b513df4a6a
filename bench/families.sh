#!/bin/bash
# bench/families.sh - what each check family costs, beside the null milter.
#
#   bash bench/families.sh [-r ROUNDS] [-t SECS] [-c CONC] [-k unix|inet] [-o DIR] [FAMILY ...]
#
# Runs on the bench corpus, each on a freshly started milter: the null
# milter (the protocol ceiling), Preflight with only the format family
# (the frame every message pays: protocol, spool, header parse), with each
# FAMILY alone (default: every family of `Checks`; several joined by
# commas, as dkim,mime, run together), and with all of them.
# Every round runs the list, forward on odd rounds and backward on even
# ones, SECS seconds (default 8) at CONC connections (default 16).  Then
# per configuration the medians: msgs/s and its ratio to the null milter,
# p99 and its ratio, the milter's CPU per message and what it adds to the
# format-only frame, and the load generator's CPU per message.  Last, the
# CPU a milter may spend per message to reach 0.6 x null's msgs/s on this
# machine: the cores, divided by that rate, less the load generator's
# least share.  A family whose added CPU alone is over that budget rules the
# target out while it is on.  BUILD names the build tree (default
# bench/_build, built when missing).  Nothing leaves 127.0.0.0/8.
# Exit 0, or 1 when a run failed; 64 on bad usage.
set -uo pipefail

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
OUT=/tmp/preflight-bench
SECS=8
CONC=16
KIND=unix
ROUNDS=3
# the families of `Checks` (format is the frame, run always)
KNOWN="format size mime attach html url text rules rate spf dkim dmarc auth rep rcpt"
FAMILIES=${KNOWN#format }
. "$top_srcdir/bench/lib-bench.sh"
bench_opts "$0" "$@"
[ ${#ARGS[@]} -eq 0 ] || FAMILIES="${ARGS[*]}"
for f in $(echo "$FAMILIES" | tr ',' ' '); do
	case " $KNOWN " in
	*" $f "*) ;;
	*) echo "families.sh: $f is not a check family" >&2; exit 64 ;;
	esac
done

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dns/nsd-env.sh"
. "$top_srcdir/bench/peers.sh"

bench_setup families || exit 1

# the configurations in run order: null, the frame, each family, all
CONFIGS="null format"
for f in $FAMILIES; do
	[ "$f" = format ] || CONFIGS="$CONFIGS $f"
done
CONFIGS="$CONFIGS all"

# fam_run CONFIG - one measured run of CONFIG
fam_run() {
	if [ "$1" = null ]; then
		bench_measured null null
	else
		PF_CHECKS=$(echo "$1" | tr ',' ' ') bench_measured "$1" preflight
	fi || { echo "# $1, round $round: failed, see $OUT/raw/families-$1-$round.txt"; return 1; }
}

echo "# $(basename "$BUILD"): $KIND socket, c=$CONC, ${SECS}s per run, $ROUNDS rounds;" \
    "$(nproc) cores; corpus: $(bench_corpus_summary)"
: >"$WORKDIR/runs"
failed=0
for round in $(seq 1 "$ROUNDS"); do
	order=$CONFIGS
	[ $((round % 2)) -eq 1 ] || order=$(echo "$CONFIGS" | tr ' ' '\n' | tac | tr '\n' ' ')
	for c in $order; do
		fam_run "$c" || failed=1
	done
done

null_rate=$(bench_median null 2)
null_p99=$(bench_median null 3)
frame=$(bench_median format 4)
least_lg=
echo
echo "| checks | msgs/s | ÷ null | p99 ms | p99 ÷ null | milter CPU ms/msg | added to format | load generator CPU ms/msg |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for c in $CONFIGS; do
	rate=$(bench_median "$c" 2)
	p99=$(bench_median "$c" 3)
	cpu=$(bench_median "$c" 4)
	lg=$(bench_median "$c" 6)
	added=–
	case $c in null|format) ;; *)
		[ -z "$cpu" ] || [ -z "$frame" ] ||
		    added=$(awk -v a="$cpu" -v f="$frame" 'BEGIN { printf "%+.3f", a - f }') ;;
	esac
	if [ -n "$lg" ] && { [ -z "$least_lg" ] ||
	    awk -v a="$lg" -v b="$least_lg" 'BEGIN { exit !(a + 0 < b + 0) }'; }; then
		least_lg=$lg
	fi
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$c" "${rate:-failed}" \
	    "$(ratio "$rate" "$null_rate")" "$p99" "$(ratio "$p99" "$null_p99")" "${cpu:-–}" "$added" "$lg"
done

# The budget: at 0.6 x null, each message may take cores / rate of CPU in
# all, less the load generator's share: the least it took per message in
# any configuration (the most generous budget).  Kernel work on no
# process's account is left out too, so the budget is an upper bound.
if [ -n "$null_rate" ]; then
	echo
	awk -v cores="$(nproc)" -v r="$null_rate" -v l="${least_lg:-0}" -v frame="${frame:-}" \
	    -v all="$(bench_median all 4)" 'BEGIN {
		t = cores * 1000 / (0.6 * r)
		printf "Budget for 0.6 x null (%.0f msgs/s on %d cores): %.3f ms of CPU per message, less %.3f ms for the load generator: %.3f ms for the milter", 0.6 * r, cores, t, l, t - l
		if (frame != "") printf ", %.3f ms beyond the format-only frame", t - l - frame
		if (all != "") printf "; with every check on, the milter takes %.3f ms", all
		print "."
	}'
fi
exit $failed

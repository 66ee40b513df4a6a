#!/bin/bash
# bench/run.sh - the side-by-side milter bench of issue 7, in one go.
#
#   bash bench/run.sh [-o DIR] [-t SECS] [-c "1 4 16"] [-k "unix inet"]
#                     [-p "preflight null rspamd opendkim"] [--no-sweep]
#
# Installs what is missing (scripts/deps.sh --bench), builds Preflight and
# the bench tools (in bench/_build with -O2, unless BUILD names a built
# tree), generates the deterministic corpus (seed 42) and its
# DNS zones, serves them with nsd on 127.0.0.1, and drives each milter with
# bench/milterload at every concurrency over every socket kind: Preflight
# with every check on, the null milter (the protocol ceiling) and each
# installed peer (rspamd's proxy in milter mode, OpenDKIM verify).  Then a
# size sweep (10 KB .. 25 MB, microseconds per MB, Preflight beside the
# null milter), 16 concurrent 25 MB messages, and the DNS queries a warm
# Preflight sends per message.
# Prints a Markdown table and Preflight's ratios; raw milterload output,
# logs and a results.txt go to DIR (default /tmp/preflight-bench).
#
# Nothing leaves 127.0.0.0/8: every milter resolves through the bench nsd.
set -uo pipefail

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
OUT=/tmp/preflight-bench
SECS=10
CONCS="1 4 16"
KINDS="unix inet"
MILTERS="preflight null rspamd opendkim"
SWEEP=1
while [ $# -gt 0 ]; do
	case $1 in
	-o) OUT=$2; shift ;;
	-t) SECS=$2; shift ;;
	-c) CONCS=$2; shift ;;
	-k) KINDS=$2; shift ;;
	-p) MILTERS=$2; shift ;;
	--no-sweep) SWEEP=0 ;;
	-h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1 (try --help)" >&2; exit 64 ;;
	esac
	shift
done

. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/dns/nsd-env.sh"
. "$top_srcdir/bench/peers.sh"
. "$top_srcdir/bench/lib-bench.sh"

bench_setup run || exit 1

echo "# Preflight milter bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(git -C "$top_srcdir" describe --always --dirty 2>/dev/null)"
echo "# corpus: $(bench_corpus_summary); ${SECS}s per point; one message per connection"
echo
printf '| milter | socket | conc | msgs/s | MB/s | p50 ms | p99 ms | max ms | errors | peak RSS MB |\n'
printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
: >"$OUT/results.txt"
for name in $MILTERS; do
	for kind in $KINDS; do
		bench_milter_start "$name" "$kind" || continue
		for c in $CONCS; do
			bench_point "$name" "$kind" "$c"
		done
		if [ "$name" = preflight ] && [ "$kind" = unix ]; then
			bench_dns_warm
		fi
		bench_milter_stop
	done
done
echo
bench_ratios
if [ "$SWEEP" = 1 ]; then
	echo
	bench_sweep
fi

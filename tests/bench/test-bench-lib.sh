#!/bin/bash
# test-bench-lib - the parts of the bench scripts that need no corpus:
# bench/lib-bench.sh's median, rusage reader and configuration, and the
# usage checks of bench/ab.sh and bench/families.sh (which must refuse bad
# usage with 64 before they install or start anything).  The measured
# runs themselves need python3-dkim for the corpus (scripts/deps.sh
# --bench) and minutes of load; README "Performance" shows their output.
: "${top_srcdir:?}"
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/bench/lib-bench.sh"

tmp_workdir || tap_skip_all "cannot create a work dir"

# --- bench_median: per label, odd and even counts, numeric order --------
cat >"$WORKDIR/runs" <<'RUNS'
A 700.5 80.1 2.5 3.0 0.25
B 9.5 10 1 1 0.1
A 650 70 2.25 4.0 0.75
A 1000 90.25 3 5.0 0.5
B 10.5 30 3 3 0.3
RUNS
tap_is "$(bench_median A 2)" 700.5 "median of three: the middle value, in numeric order"
tap_is "$(bench_median A 6)" 0.5 "median of a column other than the second"
tap_is "$(bench_median B 2)" 10 "median of two: their mean, trailing zeros cut"
tap_is "$(bench_median B 3)" 20 "median of two integers"
tap_is "$(bench_median C 2)" "" "no run of a label: empty"

# --- child_ms: the children's line of `times`, minutes included -------
printf '0m0.010s 0m0.020s\n1m2.500s 0m0.250s\n' >"$WORKDIR/t"
tap_is "$(child_ms "$WORKDIR/t")" 62750 "child_ms: user + system of the children, in ms"
times >"$WORKDIR/t0"
/bin/sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i + 1)); done'
times >"$WORKDIR/t1"
if [ "$(child_ms "$WORKDIR/t1")" -gt "$(child_ms "$WORKDIR/t0")" ]; then
	tap_ok "child_ms grows with a child's CPU"
else
	tap_fail "child_ms grows with a child's CPU" "$(cat "$WORKDIR/t0" "$WORKDIR/t1")"
fi

# --- bench_preflight_conf: every check, or PF_CHECKS -------------------
NSD_ADDR=127.0.0.1@5353
tap_like "$(bench_preflight_conf unix:/x.sock)" "^Checks all$" "the bench configuration has every check"
tap_like "$(PF_CHECKS="dkim mime" bench_preflight_conf unix:/x.sock)" "^Checks dkim mime$" \
    "PF_CHECKS narrows the families"

# --- usage of the scripts: 64 and a reason, before any setup -----------
# usage NAME WANT_RE ARG... - the script exits 64 and says WANT_RE
usage() {
	local name=$1 want=$2 out rc
	shift 2
	out=$(bash "$top_srcdir/bench/$name" "$@" 2>&1)
	rc=$?
	tap_is "$rc" 64 "$name $*: exit 64"
	tap_like "$out" "$want" "$name $*: says why"
	tap_unlike "$out" "^deps:|nsd" "$name $*: nothing set up"
}
usage families.sh "nope is not a check family" nope
usage families.sh "bogus is not a check family" dkim,bogus
usage families.sh "unknown option -q" -q
usage families.sh "^usage: bench/families.sh \[-r ROUNDS\]" -k udp
usage families.sh "^usage: bench/families.sh" -t 1s
usage ab.sh "^usage: bench/ab.sh .* BUILD_A BUILD_B" "$WORKDIR"
usage ab.sh "is not a directory" "$WORKDIR/none" "$WORKDIR"
usage ab.sh "preflight-milter is not built" "$WORKDIR" "$WORKDIR"

out=$(bash "$top_srcdir/bench/families.sh" --help)
tap_is "$?" 0 "families.sh --help: exit 0"
tap_like "$out" "^bench/families.sh - what each check family costs" "--help starts with the header"
tap_like "$out" "^Exit 0, or 1 when a run failed; 64 on bad usage\.$" "--help ends with the exit status"
tap_unlike "$out" "set -uo|^#" "--help stops at the code and strips the comment marks"

tap_done

#!/bin/bash
# scripts/longrun.sh - the long reliability runs of issue 8, too long for CI.
#
#   bash scripts/longrun.sh [-o DIR] [-f SECS] [-j JOBS] [-m MESSAGES]
#                           [--no-fuzz] [--no-soak]
#
#   -f SECS      fuzz each libFuzzer target this long (default 3600: one
#                libFuzzer process is one thread, so one CPU-hour a target)
#   -j JOBS      targets fuzzed side by side (default: number of cores)
#   -m MESSAGES  messages of the soak (default 100000), 64 connections,
#                through the faulty DNS proxy of tests/reliability/
#   -o DIR       logs, kept fuzz corpora and summary.txt (default
#                /tmp/preflight-longrun)
#
# Builds what it needs in the source tree's _build-fuzz/ (clang,
# --enable-fuzzing) and _build/ (as scripts/test.sh does), after
# `scripts/deps.sh --fuzz`.  Fuzz corpora are kept in DIR/corpus, so a
# second run starts where the first stopped; crashers go to DIR/crashers.
# The last lines are the summary: one per target and one for the soak.
# Exit status 0 only when every run passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
OUT=/tmp/preflight-longrun
SECS=3600
JOBS=$(nproc 2>/dev/null || echo 2)
MESSAGES=100000
FUZZ=1
SOAK=1
while [ $# -gt 0 ]; do
	case $1 in
	-o) OUT=$2; shift ;;
	-f) SECS=$2; shift ;;
	-j) JOBS=$2; shift ;;
	-m) MESSAGES=$2; shift ;;
	--no-fuzz) FUZZ=0 ;;
	--no-soak) SOAK=0 ;;
	-h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "longrun.sh: unknown option $1 (try --help)" >&2; exit 64 ;;
	esac
	shift
done
case "$SECS$JOBS$MESSAGES" in
*[!0-9]*) echo "longrun.sh: -f, -j and -m take whole numbers" >&2; exit 64 ;;
esac
mkdir -p "$OUT/logs" "$OUT/corpus" "$OUT/crashers" || exit 1
OUT=$(cd "$OUT" && pwd)
summary=$OUT/summary.txt
: >"$summary"
status=0

say() {
	echo "longrun: $*" >&2
}

# build DIR CONFIGURE-ARGS... - configure once and build an out-of-tree dir
build() {
	local dir=$1
	shift
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		(cd "$dir" && "$top/configure" -q "$@") >"$OUT/logs/configure-${dir##*/}.log" 2>&1 ||
			{ say "configure $dir failed (see $OUT/logs)"; return 1; }
	fi
	make -C "$dir" -j"$JOBS" >"$OUT/logs/build-${dir##*/}.log" 2>&1 ||
		{ say "build $dir failed (see $OUT/logs)"; return 1; }
}

bash "$top/scripts/deps.sh" --fuzz >&2 || exit 1
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi) >&2 || exit 1
export top_srcdir=$top PREFLIGHT_PROFILE_DIR=$top/share/profiles

if [ "$FUZZ" = 1 ]; then
	fz=$top/_build-fuzz
	if build "$fz" CC=clang --enable-fuzzing; then
		say "fuzzing 11 targets for $SECS s each, $JOBS at a time"
		# one run-fuzz.sh per target; its TAP line goes to the summary
		FUZZ_CORPUS=$OUT/corpus FUZZ_CRASHERS=$OUT/crashers top_builddir=$fz \
		    xargs -P "$JOBS" -I{} sh -c \
		    'bash "$1/tests/fuzz/run-fuzz.sh" "$2" "$3" >"$4/logs/fuzz-$3.tap" 2>&1' \
		    _ "$top" "$SECS" {} "$OUT" <<-EOF
			config
			rules
			msg
			mime
			html
			unpack
			dkimsig
			dmarc
			spf
			explain
			engine
		EOF
		for t in "$OUT"/logs/fuzz-*.tap; do
			grep -E '^(not )?ok ' "$t" | tail -1 | sed "s/^/fuzz: /" >>"$summary"
			grep -q '^not ok' "$t" && status=1
		done
	else
		echo "fuzz: not ok - the fuzz build failed" >>"$summary"
		status=1
	fi
fi

if [ "$SOAK" = 1 ]; then
	b=$top/_build
	if build "$b"; then
		say "soak: $MESSAGES messages at 64 connections through the faulty DNS proxy"
		start=$(date +%s)
		SOAK_MESSAGES=$MESSAGES top_builddir=$b \
		    bash "$top/tests/reliability/test-soak.sh" >"$OUT/logs/soak.tap" 2>&1
		rc=$?
		end=$(date +%s)
		pass=$(grep -c '^ok ' "$OUT/logs/soak.tap")
		fail=$(grep -c '^not ok ' "$OUT/logs/soak.tap")
		echo "soak: $MESSAGES messages, $pass passed, $fail failed, $((end - start)) s" >>"$summary"
		grep '^# ' "$OUT/logs/soak.tap" | sed 's/^/soak: /' >>"$summary"
		[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ] || status=1
	else
		echo "soak: not run - the build failed" >>"$summary"
		status=1
	fi
fi

cat "$summary"
exit "$status"

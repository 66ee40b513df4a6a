#!/bin/bash
# run-fuzz.sh - run the libFuzzer targets of tests/fuzz; prints TAP, one
# line per target.
#
#   run-fuzz.sh [SECONDS] [TARGET...]   (TARGET: msg, fuzz_msg or a path to
#                                        the binary; default all)
#
# `make check` runs it once per target (TESTS = the targets, this script
# their LOG_COMPILER), so each target has its own .log and .trs.
#
# Each target first replays its regression inputs (regress/<target>/) and
# seeds (seeds/<target>/) once - those of related targets too: the engine
# replays msg and mime - then, when SECONDS > 0 (default $FUZZ_SECONDS,
# else 30; `make check` passes 0 unless FUZZ_SECONDS is set), fuzzes for
# SECONDS.  The corpus is a temporary copy of those seeds and regression
# inputs ($FUZZ_CORPUS/<target> instead, to keep it between runs), so
# nothing in the source tree is ever written; the shared corpus folders
# that fit the target (${PREFLIGHT_CORPUS:-$top_srcdir/../shared/corpus})
# are read, never written or copied (libFuzzer writes only to its first
# folder).  Dictionary dict/<target>.dict.  Limits: -rss_limit_mb=2048
# -timeout=10 (a unit that slow is a failure) -detect_leaks=1; the one
# known upstream leak (GMime #159) is suppressed by lsan.supp.
#
# A crash, leak, timeout or out-of-memory input is kept in
# ${FUZZ_CRASHERS:-<build>/tests/fuzz/crashers}/<target>/; the "not ok"
# line names it and the next line says how to replay it.  To make it a
# regression input, fix the code, then copy the file to
# tests/fuzz/regress/<target>/crash-<what-it-was> (when it came from the
# shared corpus unchanged, write a small input of your own that shows the
# same bug instead: fixtures are never copied from ../shared/corpus).
#
# Environment: top_srcdir, top_builddir (set by `make check` / `make fuzz`);
# FUZZ_SECONDS, FUZZ_FLAGS, FUZZ_CORPUS, FUZZ_CRASHERS, PREFLIGHT_CORPUS.
# A leak's stack stops at the first uninstrumented library frame: rerun
# the file with ASAN_OPTIONS=fast_unwind_on_malloc=0 for the whole stack.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$here/../..}
if [ -n "${top_builddir:-}" ]; then
	bindir=$top_builddir/tests/fuzz
elif [ -x ./fuzz_config ]; then
	bindir=$(pwd)
else
	bindir=$here
fi
srcdir=$top_srcdir/tests/fuzz
. "$top_srcdir/tests/lib.sh"

ALL="config rules msg mime html unpack dkimsig dmarc spf explain engine"
secs=${FUZZ_SECONDS:-30}
case ${1:-} in
''|*[!0-9]*) ;;
*) secs=$1; shift ;;
esac
targets=${*:-$ALL}
case $secs in
*[!0-9]*|'') echo "usage: run-fuzz.sh [SECONDS] [TARGET...]" >&2; exit 64 ;;
esac

[ -x "$bindir/fuzz_config" ] ||
	tap_skip_all "fuzz targets not built (configure --enable-fuzzing CC=clang)"
corpus=${PREFLIGHT_CORPUS:-$top_srcdir/../shared/corpus}
crashers=${FUZZ_CRASHERS:-$bindir/crashers}
tmp_workdir
mkdir -p "$WORKDIR/tmp"
# the targets' scratch folders (fuzz_setup) go under the work dir
export TMPDIR=$WORKDIR/tmp
# a smaller quarantine than the 256 MB default keeps long runs under -rss_limit_mb
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=64}
# GMime #159 (fixed upstream, not in Debian 12's package) leaks in
# address parsing: a suppression, so that leak checking stays on for the rest
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$srcdir/lsan.supp:print_suppressions=0}
# glib's slice allocator hides its blocks from LeakSanitizer; malloc shows them
export G_SLICE=always-malloc
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# FUZZ_FLAGS: more libFuzzer flags (later ones win), e.g. -detect_leaks=0
# while a known library leak is being worked around
LIMITS=(-rss_limit_mb=2048 -timeout=10 -detect_leaks=1 ${FUZZ_FLAGS:-})
# a whole run that outlives its time by this much is stuck, not slow
GRACE=120
REPLAY_MAX=600

# max_len - the longest input worth mutating for a target
max_len() {
	case $1 in
	dmarc) echo 1024 ;;
	spf) echo 4096 ;;
	config|rules|dkimsig) echo 8192 ;;
	*) echo 65536 ;;
	esac
}

# related - the other targets whose seeds and regression inputs suit one
related() {
	case $1 in
	msg) echo mime ;;
	mime) echo msg ;;
	engine) echo msg mime ;;
	esac
}

# dict - the libFuzzer dictionary of a target, if any; config's is made
# from `preflight keys` and `preflight findings`, so it never goes stale
dict() {
	local cli=${top_builddir:-$bindir/../..}/tools/preflight
	if [ "$1" = config ] && [ -x "$cli" ]; then
		{
			"$cli" keys | awk -F'\t' '{ printf "\"%s \"\n", $1 }'
			"$cli" findings | awk '/^[a-z]/ { printf "\"%s\"\n", $1 }'
			printf '"%s"\n' yes no none all enforce observe tempfail accept tag hold \
				reject sqlite: redis:// inet: unix: local: 10M 5s 1h 100/1h '\x0a' '#'
		} >"$WORKDIR/config.dict" 2>/dev/null && echo "-dict=$WORKDIR/config.dict"
	elif [ -f "$srcdir/dict/$1.dict" ]; then
		echo "-dict=$srcdir/dict/$1.dict"
	fi
}

# extra_corpus - the shared corpus folders that hold inputs for a target
extra_corpus() {
	local d
	case $1 in
	msg|mime|engine|html)
		set -- spamassassin rspamd nodemailer-mailparser spamscope-mail-parser mail-dkim ;;
	explain)
		set -- sisimai-set-of-emails ;;
	*)
		return 0 ;;
	esac
	for d in "$@"; do
		[ -d "$corpus/$d" ] && echo "$corpus/$d"
	done
}

# failure - "what in which file" from a libFuzzer log, and its report
failure() {
	local log=$1 what unit
	# $3: the target binary, $4: the target name
	if [ "$2" -eq 124 ] || [ "$2" -eq 137 ]; then
		# timeout(1) killed it: libFuzzer's own -timeout catches a slow
		# input, so this is the fuzzer itself stuck, as LeakSanitizer's
		# StopTheWorld sometimes is (google/sanitizers#1364)
		echo "the fuzzer process hung and was killed; log: $(tail -1 "$log")"
		return
	fi
	what=$(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|fuzz: property broken' "$log" |
		sed 's/^==[0-9]*==//')
	unit=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$log" | tail -1)
	# replaying files, libFuzzer names each one before it runs it
	[ -n "$unit" ] || unit=$(sed -n 's/^Running: //p' "$log" | tail -1)
	echo "${what:-exit status $2} in ${unit:-(no file written)}"
	[ -n "$unit" ] && echo "to replay: G_SLICE=always-malloc LSAN_OPTIONS='$LSAN_OPTIONS' $3 $unit" \
	    "(fix, then copy it to tests/fuzz/regress/$4/crash-<what-it-was>)"
	return 0
}

# stats - "N runs (R/s), cov C ft F, corpus K, rss M MB" from a log
stats() {
	local log=$1 runs eps rss last
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
	echo "${runs:-?} runs (${eps:-?}/s), $(echo "$last" |
		sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1 ft \2, corpus \3/p'), rss ${rss:-?} MB"
}

for t in $targets; do
	t=${t##*/}
	t=${t#fuzz_}
	bin=$bindir/fuzz_$t
	if [ ! -x "$bin" ]; then
		tap_fail "$t: no target $bin"
		continue
	fi
	mkdir -p "$crashers/$t"
	art=(-artifact_prefix="$crashers/$t/")
	files=()
	upstream=()
	for r in $t $(related "$t"); do
		for f in "$srcdir/regress/$r"/* "$srcdir/seeds/$r"/*; do
			# upstream-leak-*: a leak inside a library, fixed upstream
			# but not in Debian 12's package: replayed for crashes and
			# undefined behaviour only
			case ${f##*/} in
			upstream-leak-*) [ -f "$f" ] && upstream+=("$f") ;;
			*) [ -f "$f" ] && files+=("$f") ;;
			esac
		done
	done
	log=$WORKDIR/$t-replay.log
	rc=0
	if [ ${#files[@]} -gt 0 ]; then
		timeout -k 10 "$REPLAY_MAX" "$bin" "${LIMITS[@]}" "${art[@]}" "${files[@]}" \
			>"$log" 2>&1 </dev/null || rc=$?
	fi
	if [ $rc -eq 0 ] && [ ${#upstream[@]} -gt 0 ]; then
		ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=64 \
		    timeout -k 10 "$REPLAY_MAX" "$bin" "${LIMITS[@]}" -detect_leaks=0 "${art[@]}" \
			"${upstream[@]}" >"$log" 2>&1 </dev/null || rc=$?
		files+=("${upstream[@]}")
	fi
	if [ $rc -ne 0 ]; then
		fail=$(failure "$log" $rc "$bin" "$t")
		tap_fail "$t: replay: $(echo "$fail" | head -1)" "$(echo "$fail" | sed 1d)" \
			"$(grep -v '^INFO:\|^Running:\|^Executed' "$log" | head -60)"
		continue
	fi
	if [ "$secs" -eq 0 ]; then
		tap_ok "$t: replayed ${#files[@]} inputs"
		continue
	fi
	work=${FUZZ_CORPUS:+$FUZZ_CORPUS/$t}
	work=${work:-$WORKDIR/corpus/$t}
	mkdir -p "$work"
	# copies: libFuzzer adds to, and reduces, the files of its first folder
	for r in $t $(related "$t"); do
		for d in seeds regress; do
			for f in "$srcdir/$d/$r"/*; do
				[ -f "$f" ] && cp "$f" "$work/$d-$r-${f##*/}"
			done
		done
	done
	dirs=("$work" $(extra_corpus "$t"))
	log=$WORKDIR/$t.log
	timeout -k 10 $((secs + GRACE)) "$bin" "${LIMITS[@]}" "${art[@]}" $(dict "$t") \
		-max_total_time="$secs" -max_len="$(max_len "$t")" -print_final_stats=1 \
		"${dirs[@]}" >"$log" 2>&1 </dev/null
	rc=$?
	if [ $rc -eq 0 ]; then
		tap_ok "$t: ${secs}s, $(stats "$log")"
	else
		fail=$(failure "$log" $rc "$bin" "$t")
		tap_fail "$t: $(echo "$fail" | head -1)" "$(echo "$fail" | sed 1d)" \
			"$(grep -m1 '^INFO: Seed' "$log")" \
			"$(grep -v '^INFO:\|^#[0-9]' "$log" | head -60)"
	fi
done
tap_done

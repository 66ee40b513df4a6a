#!/bin/bash
# scripts/test.sh - build and run every test; the last line is the total,
# e.g. "47 passed, 0 failed" (", N skipped" when any were skipped).
#
#   _build/       normal build: make check (unit, cli, docs, milter, e2e),
#                 then make distcheck (with PREFLIGHT_DISTCHECK=1, so the
#                 tests that need a private Postfix or a running milter skip
#                 inside the distcheck copy; the main run never sets it)
#   _build-san/   ASan + UBSan (+ LSan) build: the unit tests, the milter,
#                 CLI and Postfix tests and the content tests (the list is
#                 make -C tests print-san)
#   _build-tsan/  ThreadSanitizer build (--enable-sanitizers=thread): the
#                 concurrency test and the other cheap milter tests
#                 (make -C tests print-tsan)
#   _build-fuzz/  clang --enable-fuzzing (scripts/deps.sh --fuzz): every
#                 libFuzzer target replays its seeds and regression inputs
#                 and fuzzes for FUZZ_SECONDS (default 30) seconds each
#
# In the sanitizer builds every report fails: the options halt on the first
# one (leak checking on, tests/san/*.supp hold the few upstream-library
# suppressions), the test sees the exit status, and any report file left in
# _build-*/san-reports/ (the sanitizers' log_path) fails the step as well.
#
# PF_TEST_ONLY=normal,san,tsan,fuzz (any subset, comma-separated) runs only
# those sections, and totals count only them; unset, all four run.
#
# Build output goes to _build*/build.log, check.log, distcheck.log; only
# failures are shown.  Exit status 0 only when every build step succeeded
# and no test failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)
jobs=${JOBS:-2}
status=0
failed_steps=()
only=${PF_TEST_ONLY:-normal,san,tsan,fuzz}
ran_dirs=()

# want SECTION - true when PF_TEST_ONLY includes SECTION
want() {
	[[ ",$only," == *",$1,"* ]]
}

say() {
	echo "test.sh: $*"
}

# step LOG DESC CMD... - run CMD with output to LOG and say how long it
# took; on failure show its tail
step() {
	local log=$1 desc=$2 t0=$SECONDS
	shift 2
	if "$@" >"$log" 2>&1; then
		say "$desc: ok ($((SECONDS - t0)) s)"
		return 0
	fi
	say "$desc: FAILED after $((SECONDS - t0)) s (see ${log#"$top"/})"
	tail -40 "$log" | sed 's/^/    /'
	failed_steps+=("$desc")
	status=1
	return 1
}

bash scripts/deps.sh || exit 1
if want fuzz; then
	bash scripts/deps.sh --fuzz || exit 1
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] ||
    [ -n "$(find m4 -name '*.m4' -newer configure 2>/dev/null)" ]; then
	step "$top/autoreconf.log" "autoreconf -fi" autoreconf -fi || exit 1
	rm -f autoreconf.log
fi

# configure_in DIR [ARGS...] - configure an out-of-tree build once
configure_in() {
	local dir=$1
	shift
	mkdir -p "$dir"
	[ -f "$dir/Makefile" ] && return 0
	(cd "$dir" && ../configure -q "$@")
}

# forget_results DIR - drop old .trs/.log so that totals count this run only
forget_results() {
	[ -d "$1/tests" ] && find "$1/tests" \( -name '*.trs' -o -name '*.log' \) -delete
	return 0
}

# show_failures DIR - the log of every test that did not pass
show_failures() {
	local trs
	find "$1/tests" -name '*.trs' 2>/dev/null | sort | while read -r trs; do
		if grep -Eq '^:test-result: (FAIL|XPASS|ERROR)' "$trs"; then
			echo "    --- ${trs%.trs}.log"
			grep -Ev '^ok ' "${trs%.trs}.log" | tail -30 | sed 's/^/    /'
		fi
	done
}

# ---- normal build: everything --------------------------------------------
b=$top/_build
if want normal; then
	ran_dirs+=(_build)
	mkdir -p "$b"
	if step "$b/configure.log" "configure _build" configure_in "$b"; then
		forget_results "$b"
		if step "$b/build.log" "build _build" make -C "$b" -j"$jobs"; then
			step "$b/check.log" "make check (_build)" make -C "$b" -j"$jobs" check ||
			    show_failures "$b"
			step "$b/distcheck.log" "make distcheck (_build)" \
			    env PREFLIGHT_DISTCHECK=1 make -C "$b" distcheck
		fi
	fi
fi

# test_list DIR TARGET - set $list to the tests a sanitizer build runs
# (make print-*); an empty list is a failed step
test_list() {
	list=$(make -s -C "$1/tests" "$2")
	if [ -z "$list" ]; then
		say "no test list from 'make -C ${1#"$top"/}/tests $2'"
		failed_steps+=("$2 (${1#"$top"/})")
		status=1
		return 1
	fi
}

# san_reports DIR - fail when the sanitizers left a report in DIR/san-reports
san_reports() {
	local r=$1/san-reports f
	[ -n "$(ls -A "$r" 2>/dev/null)" ] || return 0
	say "sanitizer reports in ${r#"$top"/}: FAILED"
	for f in "$r"/*; do
		echo "    --- ${f#"$top"/}"
		head -40 "$f" | sed 's/^/    /'
	done
	failed_steps+=("sanitizer reports (${1#"$top"/})")
	status=1
}

# fresh_reports DIR - an empty, world-writable report dir (a milter that
# drops privileges still writes there); prints its path
fresh_reports() {
	rm -rf "$1/san-reports"
	mkdir -p "$1/san-reports"
	chmod 1777 "$1/san-reports"
	echo "$1/san-reports"
}

# san_section DIR CONFARG LABEL LISTTARGET DESC MAKEARG ENV... - configure
# and build a sanitizer dir, run the tests `make -C DIR/tests LISTTARGET`
# names with the ENV assignments (@R@ stands for the report dir) and the
# make argument MAKEARG (or ""), and fail on any report left behind
san_section() {
	local dir=$1 confarg=$2 label=$3 target=$4 desc=$5 makearg=$6 name=${1#"$top"/} r
	shift 6
	ran_dirs+=("$name")
	mkdir -p "$dir"
	step "$dir/configure.log" "configure $name ($label)" configure_in "$dir" "$confarg" ||
	    return 0
	forget_results "$dir"
	step "$dir/build.log" "build $name" make -C "$dir" -j"$jobs" &&
	    test_list "$dir" "$target" || return 0
	r=$(fresh_reports "$dir")
	step "$dir/check.log" "$desc ($name)" env "${@//@R@/$r}" \
	    make -C "$dir/tests" -j"$jobs" check TESTS="$list" ${makearg:+"$makearg"} ||
	    show_failures "$dir"
	san_reports "$dir"
}

# ---- ASan + UBSan build: unit, milter, CLI, Postfix and reliability tests --
if want san; then
	san_section "$top/_build-san" --enable-sanitizers ASan+UBSan print-san \
	    "unit and milter tests under ASan+UBSan" "" \
	    ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:log_path=@R@/asan" \
	    LSAN_OPTIONS="suppressions=$top/tests/san/lsan.supp:print_suppressions=0" \
	    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=@R@/ubsan"
fi

# ---- TSan build: the concurrency test and cheap milter tests -------------
# G_SLICE=always-malloc: GLib's slice allocator hands memory between threads
# in ways TSan cannot see; check_PROGRAMS=: no unit test program is built
# (none of these tests needs one)
if want tsan; then
	san_section "$top/_build-tsan" --enable-sanitizers=thread TSan print-tsan \
	    "concurrency and milter tests under TSan" check_PROGRAMS= \
	    G_SLICE=always-malloc \
	    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=@R@/tsan:suppressions=$top/tests/san/tsan.supp"
fi

# ---- fuzzing build: every libFuzzer target, FUZZ_SECONDS each -------------
z=$top/_build-fuzz
if want fuzz; then
	ran_dirs+=(_build-fuzz)
	mkdir -p "$z"
	if step "$z/configure.log" "configure _build-fuzz (clang, libFuzzer)" \
	    configure_in "$z" CC=clang --enable-fuzzing; then
		forget_results "$z"
		if step "$z/build.log" "build _build-fuzz" make -C "$z" -j"$jobs"; then
			step "$z/check.log" "fuzz targets, ${FUZZ_SECONDS:-30} s each (_build-fuzz)" \
			    make -C "$z/tests/fuzz" check FUZZ_SECONDS="${FUZZ_SECONDS:-30}" ||
			    show_failures "$z"
		fi
	fi
fi

# ---- totals ---------------------------------------------------------------
# count DIR - print "suite pass fail skip" for each suite (tests/<suite>/...);
# the totals add up every section that ran
count() {
	find "$1/tests" -name '*.trs' 2>/dev/null | while read -r trs; do
		suite=${trs#"$1"/tests/}
		suite=${suite%%/*}
		sed -n "s/^:test-result: \([A-Z]*\).*/$suite \1/p" "$trs"
	done | awk '{
		s[$1] = 1
		if ($2 == "PASS" || $2 == "XFAIL") p[$1]++
		else if ($2 == "SKIP") k[$1]++
		else f[$1]++
	} END { for (x in s) printf "%s %d %d %d\n", x, p[x], f[x], k[x] }' | sort
}

pass=0 fail=0 skip=0
echo
for d in "${ran_dirs[@]}"; do
	while read -r suite p f k; do
		[ -n "$suite" ] || continue
		line=$(printf '%-12s %-6s %4d passed, %d failed' "$d" "$suite" "$p" "$f")
		[ "$k" -gt 0 ] && line="$line, $k skipped"
		echo "  $line"
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
	done < <(count "$top/$d")
done
for f in "${failed_steps[@]}"; do
	echo "  FAILED step: $f"
done
[ "$fail" -gt 0 ] && status=1
[ "$pass" -eq 0 ] && status=1
total="$pass passed, $fail failed"
[ "$skip" -gt 0 ] && total="$total, $skip skipped"
echo "$total"
exit $status

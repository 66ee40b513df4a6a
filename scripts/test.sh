#!/bin/bash
# scripts/test.sh - build and run every test; the last line is the total,
# e.g. "47 passed, 0 failed" (", N skipped" when any were skipped).
#
#   _build/      normal build: make check (unit, cli, docs, milter, e2e),
#                then make distcheck (with PREFLIGHT_DISTCHECK=1, so the
#                tests that need a private Postfix or a running milter skip
#                inside the distcheck copy; the main run never sets it)
#   _build-san/  ASan + UBSan build: the unit tests only
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

say() {
	echo "test.sh: $*"
}

# step LOG DESC CMD... - run CMD with output to LOG; on failure show its tail
step() {
	local log=$1 desc=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		say "$desc: ok"
		return 0
	fi
	say "$desc: FAILED (see ${log#"$top"/})"
	tail -40 "$log" | sed 's/^/    /'
	failed_steps+=("$desc")
	status=1
	return 1
}

bash scripts/deps.sh || exit 1

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

# ---- sanitizer build: unit tests only ------------------------------------
s=$top/_build-san
mkdir -p "$s"
if step "$s/configure.log" "configure _build-san (ASan+UBSan)" \
    configure_in "$s" --enable-sanitizers; then
	forget_results "$s"
	if step "$s/build.log" "build _build-san" make -C "$s" -j"$jobs"; then
		unit=$(make -s -C "$s/tests" print-unit)
		if [ -z "$unit" ]; then
			say "no unit test list from 'make -C tests print-unit'"
			failed_steps+=("unit test list (_build-san)")
			status=1
		else
			step "$s/check.log" "unit tests under ASan+UBSan (_build-san)" \
			    make -C "$s/tests" -j"$jobs" check TESTS="$unit" ||
			    show_failures "$s"
		fi
	fi
fi

# ---- totals ---------------------------------------------------------------
# count DIR - print "suite pass fail skip" for each suite (tests/<suite>/...)
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
for d in _build _build-san; do
	while read -r suite p f k; do
		[ -n "$suite" ] || continue
		line=$(printf '%-11s %-6s %4d passed, %d failed' "$d" "$suite" "$p" "$f")
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

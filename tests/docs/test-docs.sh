#!/bin/sh
# test-docs - documentation drift: every config key must have its entry in
# preflight.conf(5) and the shipped etc/preflight.conf, every finding id its
# entry in preflight-findings(7) with the category and score the code has.
# The lists come from the binary itself (preflight keys / findings --json).
: "${top_srcdir:?}" "${top_builddir:?}"
pf="$top_builddir/tools/preflight"
man5="$top_srcdir/man/preflight.conf.5"
man7="$top_srcdir/man/preflight-findings.7"
conf="$top_srcdir/etc/preflight.conf"
n=0 failed=0

t() {	# t OK|FAIL description
	n=$((n + 1))
	if [ "$1" = OK ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

if ! command -v jq >/dev/null 2>&1; then
	echo "1..0 # SKIP jq is not installed (scripts/deps.sh installs it)"
	exit 0
fi

keys=$("$pf" keys | cut -f1)
[ -n "$keys" ] && t OK "preflight keys lists keys" || t FAIL "preflight keys lists keys"
for k in $keys; do
	if grep -Eq "^\.B $k\b" "$man5"; then t OK "key $k in preflight.conf(5)"
	else t FAIL "key $k in preflight.conf(5) (no '.B $k' line)"; fi
	if grep -Eiq "^#? *$k\b" "$conf"; then t OK "key $k in etc/preflight.conf"
	else t FAIL "key $k in etc/preflight.conf"; fi
done

ids=$("$pf" findings --json | jq -r '.. | objects | select(has("id") and has("category")) | "\(.id) \(.category) \(.score)"')
[ -n "$ids" ] && t OK "preflight findings lists ids" || t FAIL "preflight findings lists ids"
echo "$ids" | while read -r id cat score; do
	[ -n "$id" ] || continue
	# the entry is ".B <id>" followed within 3 lines by "category <cat>, score <score>"
	if grep -A3 -E "^\.B $id\$" "$man7" | grep -q "category $cat, score $score\b"; then
		echo "OK $id"
	else
		echo "FAIL $id"
	fi
done > "${TMPDIR:-/tmp}/pf-docs.$$"
while read -r res id; do
	if [ "$res" = OK ]; then t OK "finding $id in preflight-findings(7)"
	else t FAIL "finding $id in preflight-findings(7) with its category and score"; fi
done < "${TMPDIR:-/tmp}/pf-docs.$$"
rm -f "${TMPDIR:-/tmp}/pf-docs.$$"

echo "1..$n"
[ "$failed" -eq 0 ]

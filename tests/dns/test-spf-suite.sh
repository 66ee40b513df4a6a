#!/bin/bash
# test-spf-suite.sh - the openspf RFC 7208 test suite (the corpus's
# pyspf/test/rfc7208-tests.yml) through our path: libspf2, lib/spf.c's DNS
# layer, lib/dns.c (libunbound) and a real nsd serving each scenario's zone
# data (tests/dns/spf-suite.py writes the zones and runs spf-eval).
#
# Every test is one TAP line.  A disagreement with the suite fails the test
# unless it is in KNOWN below with the reason; a KNOWN case that disagrees is
# reported as "not ok ... # TODO" (an expected failure), one that agrees
# as a passing line with a note (ptr-limit and mx-limit vary from run to
# run: libunbound rotates the order of records).  The last lines say
# "N of M agree".
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

CORPUS=${PREFLIGHT_CORPUS:-$top_srcdir/../shared/corpus}
SUITE=$CORPUS/pyspf/test/rfc7208-tests.yml
RUNNER=$top_srcdir/tests/dns/spf-suite.py
EVAL=$top_builddir/tests/dns/spf-eval
TIMEOUT_MS=1500

[ -f "$SUITE" ] || tap_skip_all "corpus not found at $CORPUS"
[ -x "$EVAL" ] || tap_skip_all "spf-eval not built"
command -v nsd >/dev/null || [ -x /usr/sbin/nsd ] || tap_skip_all "nsd not installed"
command -v dig >/dev/null || tap_skip_all "dig not installed"
python3 -c 'import yaml' 2>/dev/null || tap_skip_all "python3 with yaml (python3-yaml) not installed"

# Known disagreements: test name -> why our answer differs from the suite.
# Checked one by one against libspf2 1.2.10 (Debian) and the RFC.
LAX="libspf2 1.2.10 does not validate this syntax (domain-spec, macro, modifier or 8-bit/control characters) and evaluates instead of permerror"
CIDR0="libspf2 1.2.10 rejects a /0 prefix length (Invalid CIDR netmask) that RFC 7208 allows: permerror"
MODNAME="libspf2 1.2.10 rejects modifier names with "_" or "." that RFC 7208 allows: permerror"
REDIRECT="libspf2 1.2.10 follows redirect= even when an "all" mechanism ends the record, and calls the self-redirect a recursion"
MXLIMIT="libspf2 1.2.10 checks the first 10 of more than 10 MX names and passes on a match there, where RFC 7208 4.6.4 says permerror; agrees only when the match comes 11th (libunbound rotates the order)"
INCLIMIT="libspf2 1.2.10 counts the 10 DNS lookups per record: an include: starts a new count (spf_quality counts the whole tree)"
VOIDS="libspf2 1.2.10 has no void-lookup limit (RFC 7208 4.6.4; spf_quality counts voids)"
AS112="resolver, not libspf2: libunbound answers reverse names of 2001:db8::/32 and 192.168.0.0/16 itself (built-in local zones, NXDOMAIN) before asking nsd"
PTRLIMIT="libspf2 1.2.10 gives permerror when more than 10 PTR names come back and none of the first 10 matches (RFC 7208 4.6.4 forbids permerror here); libunbound rotates the order, so this agrees about 10 runs in 11"
declare -A KNOWN=(
	[ptr-limit]="$PTRLIMIT"
	[non-ascii-policy]="$LAX"
	[control-char-policy]="$LAX"
	[redirect-is-modifier]="$LAX"
	[invalid-domain]="$LAX"
	[ptr-empty-domain]="$LAX"
	[a-bad-domain]="$LAX"
	[a-null]="$LAX"
	[a-numeric]="$LAX"
	[a-numeric-toplabel]="$LAX"
	[a-bad-toplabel]="$LAX"
	[a-only-toplabel]="$LAX"
	[a-only-toplabel-trailing-dot]="$LAX"
	[a-empty-domain]="$LAX"
	[mx-bad-domain]="$LAX"
	[mx-null]="$LAX"
	[mx-numeric-top-label]="$LAX"
	[mx-bad-toplab]="$LAX"
	[mx-empty-domain]="$LAX"
	[exists-empty-domain]="$LAX"
	[exists-cidr]="$LAX"
	[cidr4-032]="$LAX"
	[exp-empty-domain]="$LAX"
	[exp-syntax-error]="$LAX"
	[exp-twice]="$LAX"
	[redirect-empty-domain]="$LAX"
	[redirect-twice]="$LAX"
	[unknown-modifier-syntax]="$LAX"
	[exp-only-macro-char]="$LAX"
	[invalid-macro-char]="$LAX"
	[invalid-embedded-macro-char]="$LAX"
	[invalid-trailing-macro-char]="$LAX"
	[a-nxdomain]="$CIDR0"
	[a-cidr4-0]="$CIDR0"
	[a-cidr4-0-ip6]="$CIDR0"
	[a-cidr6-0-ip4]="$CIDR0"
	[a-cidr6-0-ip4mapped]="$CIDR0"
	[a-cidr6-0-ip6]="$CIDR0"
	[a-cidr6-0-nxdomain]="$CIDR0"
	[mx-nxdomain]="$CIDR0"
	[mx-cidr4-0]="$CIDR0"
	[mx-cidr4-0-ip6]="$CIDR0"
	[mx-cidr6-0-ip4]="$CIDR0"
	[mx-cidr6-0-ip4mapped]="$CIDR0"
	[mx-cidr6-0-ip6]="$CIDR0"
	[mx-cidr6-0-nxdomain]="$CIDR0"
	[cidr4-0]="$CIDR0"
	[cidr6-0-ip4]="$CIDR0"
	[cidr6-ip4]="$CIDR0"
	[cidr6-0]="$CIDR0"
	[modifier-charset-good]="$MODNAME"
	[redirect-after-mechanisms2]="$MODNAME"
	[redirect-after-mechanisms1]="$REDIRECT"
	[mx-limit]="$MXLIMIT"
	[include-over-limit]="$INCLIMIT"
	[void-over-limit]="$VOIDS"
	[ptr-case-change]="$AS112"
	[p-macro-multiple]="$AS112"
	[bytes-bug]="$AS112"
)

tmp_workdir
. "$top_srcdir/tests/dns/nsd-env.sh"
# The root zone's file is "..zone": nsd-env.sh globs *.zone, so dotglob;
# in the C locale it also sorts first, and nsd_start waits for the first
# zone file's SOA (the TIMEOUT zones never answer one).
shopt -s dotglob
export LC_ALL=C
mkdir -p "$WORKDIR/zones"

nscen=$(python3 "$RUNNER" count "$SUITE") || tap_skip_all "cannot read $SUITE"
: > "$WORKDIR/results"
started=
for ((i = 0; i < nscen; i++)); do
	if ! python3 "$RUNNER" zones "$SUITE" "$i" "$WORKDIR/zones" 2>"$WORKDIR/zones.err"; then
		tap_fail "scenario $i: zone files written" "$(cat "$WORKDIR/zones.err")"
		continue
	fi
	bad=
	for z in "$WORKDIR"/zones/*.zone; do
		# TIMEOUT zones have no SOA on purpose (nsd answers SERVFAIL)
		grep -q '^\$TTL' "$z" || continue
		nsd-checkzone "$(basename "$z" .zone)" "$z" >/dev/null 2>&1 || bad="$bad $(basename "$z")"
	done
	if [ -n "$bad" ]; then
		tap_fail "scenario $i: zone files load" "nsd-checkzone rejects:$bad"
		continue
	fi
	if [ -z "$started" ]; then
		nsd_start "$WORKDIR/zones" || tap_skip_all "nsd did not start"
		started=1
	elif ! nsd_restart; then
		tap_fail "scenario $i: nsd restarted"
		continue
	fi
	python3 "$RUNNER" run "$SUITE" "$i" "$EVAL" "$NSD_ADDR" "$TIMEOUT_MS" >> "$WORKDIR/results"
done

total=0
agree=0
known_hit=0
while IFS=$'\t' read -r name got want ok detail; do
	total=$((total + 1))
	if [ "$ok" = 1 ]; then
		agree=$((agree + 1))
		if [ -n "${KNOWN[$name]+set}" ]; then
			tap_ok "$name: $got"
			tap_diag "KNOWN lists $name but it agreed this time (drop it unless it varies)"
		else
			tap_ok "$name: $got"
		fi
	elif [[ $got == exit-* || $got == hang || $got == error ]]; then
		tap_fail "$name: spf-eval failed ($got)" "$detail"
	elif [ -n "${KNOWN[$name]+set}" ]; then
		known_hit=$((known_hit + 1))
		TAP_N=$((TAP_N + 1))
		echo "not ok $TAP_N - $name: got $got, suite says $want # TODO known: ${KNOWN[$name]}"
	else
		tap_fail "$name: got $got, suite says $want (not in KNOWN)" "libspf2: $detail"
	fi
done < "$WORKDIR/results"

tap_diag "$agree of $total agree with the RFC 7208 suite; $known_hit known deviations"
[ "$total" -gt 0 ] || tap_fail "the suite ran" "no results"
tap_done

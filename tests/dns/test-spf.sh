#!/bin/bash
# test-spf.sh - SPF evaluation (libspf2 through lib/dns.c), the record
# review and check_spf's findings, against a real nsd serving zones under
# .test that this script writes.  Driver: tests/dns/spf-eval.
#
# Egress addresses are documentation addresses (192.0.2.10, 2001:db8::10):
# no packet is ever sent to them; they are only compared with the records.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

EVAL=$top_builddir/tests/dns/spf-eval
[ -x "$EVAL" ] || tap_skip_all "spf-eval not built"
command -v nsd >/dev/null || [ -x /usr/sbin/nsd ] || tap_skip_all "nsd not installed"
command -v dig >/dev/null || tap_skip_all "dig not installed"
command -v jq >/dev/null || tap_skip_all "jq not installed"

tmp_workdir
. "$top_srcdir/tests/dns/nsd-env.sh"
mkdir -p "$WORKDIR/zones"

IP4=192.0.2.10
IP6=2001:db8::10
TIMEOUT_MS=2000

# txt_strings TEXT - TEXT as zone-file character-strings of 255 bytes
txt_strings() {
	local t=$1
	while [ ${#t} -gt 255 ]; do
		printf '"%s" ' "${t:0:255}"
		t=${t:255}
	done
	printf '"%s"' "$t"
}

{
	zone_header spf.test
	cat <<'ZONE'
pass4       TXT "v=spf1 ip4:192.0.2.0/24 -all"
pass4       TXT "google-site-verification=not-an-spf-record"
inc         TXT "v=spf1 include:relay.other.test -all"
split       TXT "v=spf1 ip4:198.51.100.1 " "ip4:192.0.2.10 -all"
fail        TXT "v=spf1 ip4:198.51.100.1 -all"
soft        TXT "v=spf1 ip4:198.51.100.1 ~all"
neutral     TXT "v=spf1 ip4:198.51.100.1 ?all"
norecord    A   198.51.100.1
norecord    TXT "some other text"
two         TXT "v=spf1 ip4:192.0.2.10 -all"
two         TXT "v=spf1 -all"
syntax      TXT "v=spf1 ipv4:192.0.2.10 -all"
plusall     TXT "v=spf1 +all"
ptr         TXT "v=spf1 ptr ip4:192.0.2.10 -all"
broad       TXT "v=spf1 ip4:10.0.0.0/8 ip4:192.0.2.10 -all"
broad6      TXT "v=spf1 ip6:2001:db8::/16 -all"
mx          TXT "v=spf1 mx -all"
mx          MX  10 mail.spf.test.
mail        A   192.0.2.10
a6          TXT "v=spf1 a:host6.spf.test -all"
host6       AAAA 2001:db8::10
pass6       TXT "v=spf1 ip6:2001:db8::/48 -all"
relay       TXT "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"
relay       A   240.0.0.10
ptrpass     TXT "v=spf1 ptr:spf.test -all"
; 11 DNS-querying terms before the address: libspf2 stops with permerror
many        TXT "v=spf1 a:l1.spf.test a:l2.spf.test a:l3.spf.test a:l4.spf.test a:l5.spf.test a:l6.spf.test a:l7.spf.test a:l8.spf.test a:l9.spf.test a:l10.spf.test a:l11.spf.test ip4:192.0.2.10 -all"
; the same terms after the address: evaluation passes, the review counts 11
manylate    TXT "v=spf1 ip4:192.0.2.10 a:l1.spf.test a:l2.spf.test a:l3.spf.test a:l4.spf.test a:l5.spf.test a:l6.spf.test a:l7.spf.test a:l8.spf.test a:l9.spf.test a:l10.spf.test a:l11.spf.test -all"
; three names that do not exist: void lookups (libspf2 has no limit)
voids       TXT "v=spf1 a:v1.spf.test a:v2.spf.test a:v3.spf.test ip4:192.0.2.10 -all"
brokeninc   TXT "v=spf1 ip4:192.0.2.10 include:norecord.spf.test -all"
loop        TXT "v=spf1 include:loop.spf.test -all"
ZONE
	for i in 1 2 3 4 5 6 7 8 9 10 11; do
		echo "l$i A 198.51.100.$i"
	done
	# libspf2 1.2.10's compiler underflow (CVE-2023-42118): 127 macros
	# fill a term's buffer to 508 bytes, the literal after them is copied
	# unchecked.  Explanations are never fetched; such record terms are
	# refused from SPF_TERM_SAFE_MAX (200) bytes, and not below.
	macros=$(printf '%%{d}%.0s' $(seq 1 127))
	echo "expbomb TXT \"v=spf1 -all exp=expbomb-text.spf.test\""
	echo "expbomb-text TXT $(txt_strings "$macros$(printf 'x%.0s' $(seq 1 600))")"
	echo "termbomb TXT $(txt_strings "v=spf1 ip4:192.0.2.10 exists:$macros$(printf 'x%.0s' $(seq 1 4000)) -all")"
	# exists:%{l}.<labels>.spf.test: 199 and 200 bytes, an NXDOMAIN name
	labels=$(printf 'abcdefgh.%.0s' $(seq 1 19))
	echo "term199 TXT $(txt_strings "v=spf1 exists:%{l}.${labels}abcdefg.spf.test ip4:192.0.2.10 -all")"
	echo "term200 TXT $(txt_strings "v=spf1 exists:%{l}.${labels}abcdefgh.spf.test ip4:192.0.2.10 -all")"
} > "$WORKDIR/zones/spf.test.zone"
{
	zone_header other.test
	echo 'relay TXT "v=spf1 ip4:192.0.2.10 ip6:2001:db8::/48 -all"'
} > "$WORKDIR/zones/other.test.zone"

# PTR answers: libunbound answers the reverse names of the documentation
# ranges (192.0.2.0/24, 2001:db8::/32) itself with NXDOMAIN, so the ptr
# test uses 240.0.0.10 (reserved, never routed, not one of those zones).
{
	zone_header 0.0.240.in-addr.arpa
	echo '10 PTR relay.spf.test.'
} > "$WORKDIR/zones/0.0.240.in-addr.arpa.zone"

if ! nsd_start "$WORKDIR/zones"; then
	echo "1..0 # SKIP nsd did not start"
	exit 0
fi

# spf KEY OUT - the value of key=value line KEY in OUT
kv() {
	printf '%s\n' "$2" | sed -n "s/^$1=//p" | head -n 1
}

# ev IP MAILFROM [HELO] - run the driver, output in $OUT
BAD_RUNS=
ev() {
	OUT=$("$EVAL" --dns "$NSD_ADDR" --timeout-ms "$TIMEOUT_MS" --ip "$1" --mail-from "$2" \
	    ${3:+--helo "$3"} 2>&1) || BAD_RUNS="$BAD_RUNS ev:$2"
}

# result_is DESC IP MAILFROM HELO RESULT
result_is() {
	ev "$2" "$3" "$4"
	tap_is "$(kv result "$OUT")" "$5" "$1"
	[ "$(kv result "$OUT")" = "$5" ] || tap_diag "$OUT"
}

result_is "pass via ip4 (a non-SPF TXT record beside it is ignored)" $IP4 alice@pass4.spf.test "" pass
tap_is "$(kv flags "$OUT")" "" "a clean record has no quality flags"
result_is "pass via include: in another zone" $IP4 alice@inc.spf.test "" pass
tap_is "$(kv lookups "$OUT")" "1" "the include counts as one DNS lookup"
result_is "TXT character-strings are joined (RFC 7208 3.3)" $IP4 alice@split.spf.test "" pass
result_is "fail (-all)" $IP4 alice@fail.spf.test "" fail
tap_like "$(kv detail "$OUT")" "192\\.0\\.2\\.10" "the fail detail names the address"
result_is "softfail (~all)" $IP4 alice@soft.spf.test "" softfail
result_is "neutral (?all)" $IP4 alice@neutral.spf.test "" neutral
tap_is "$(kv flags "$OUT")" "neutral-all" "?all is a quality flag"
result_is "none: the domain has no SPF record" $IP4 alice@norecord.spf.test "" none
tap_is "$(kv record "$OUT")" "none" "the review finds no record either"
result_is "none: the domain does not exist (NXDOMAIN)" $IP4 alice@nosuch.spf.test "" none
result_is "permerror: two v=spf1 records" $IP4 alice@two.spf.test "" permerror
tap_is "$(kv flags "$OUT"),$(kv nrecords "$OUT")" "multiple,2" "the review counts both records"
result_is "permerror: bad syntax (ipv4:)" $IP4 alice@syntax.spf.test "" permerror
result_is "+all passes anyone" $IP4 alice@plusall.spf.test "" pass
tap_is "$(kv flags "$OUT")" "pass-all" "+all is flagged"
result_is "ptr record: the address still passes via ip4" $IP4 alice@ptr.spf.test "" pass
tap_is "$(kv flags "$OUT")" "ptr" "ptr is flagged"
result_is "pass via ptr: (PTR answer converted, name validated by A)" 240.0.0.10 alice@ptrpass.spf.test "" pass
result_is "ptr: fails for an address without a PTR record" 240.0.0.11 alice@ptrpass.spf.test "" fail
result_is "an ip4:/8 range passes" $IP4 alice@broad.spf.test "" pass
tap_is "$(kv flags "$OUT")" "broad-range" "ip4:10.0.0.0/8 is flagged as over-broad"
tap_like "$(kv issues "$OUT")" 'ip4:10\.0\.0\.0/8' "the evidence quotes the range"
result_is "IPv6 egress: ip6:/16 passes" $IP6 alice@broad6.spf.test "" pass
tap_is "$(kv flags "$OUT")" "broad-range" "ip6:/16 is flagged as over-broad"
result_is "pass via mx (MX answer converted)" $IP4 alice@mx.spf.test "" pass
result_is "IPv6 egress: pass via ip6" $IP6 alice@pass6.spf.test "" pass
result_is "IPv6 egress: fail outside the range" 2001:db9::1 alice@pass6.spf.test "" fail
result_is "IPv6 egress: pass via a: (AAAA answer converted)" $IP6 alice@a6.spf.test "" pass
result_is "IPv6 egress: pass via include:" $IP6 alice@inc.spf.test "" pass
result_is "11 lookups before a match: permerror (libspf2's limit)" $IP4 alice@many.spf.test "" permerror
tap_is "$(kv flags "$OUT"),$(kv lookups "$OUT")" "too-many-lookups,11" "the review counts 11 lookups"
result_is "11 lookups after the match: the address passes" $IP4 alice@manylate.spf.test "" pass
tap_is "$(kv flags "$OUT"),$(kv lookups "$OUT")" "too-many-lookups,11" "the review still flags 11 lookups"
result_is "3 void lookups: libspf2 has no void limit and passes" $IP4 alice@voids.spf.test "" pass
tap_is "$(kv flags "$OUT"),$(kv voids "$OUT")" "too-many-voids,3" "the review counts 3 void lookups"
result_is "include: of a domain without a record is reached only after the match" \
    $IP4 alice@brokeninc.spf.test "" pass
tap_is "$(kv flags "$OUT")" "include-none" "the review flags the broken include"
result_is "an include loop ends in permerror" $IP4 alice@loop.spf.test "" permerror
tap_like "$(kv flags "$OUT")" "too-many-lookups" "the review stops the loop and flags it"
result_is "HELO identity for the null sender: pass" $IP4 "" relay.spf.test pass
result_is "HELO identity for the null sender: fail" $IP4 "" fail.spf.test fail
result_is "MAIL FROM wins over HELO when present" $IP4 alice@fail.spf.test relay.spf.test fail
result_is "a null sender without HELO is none" $IP4 "" "" none
result_is "exp= is not fetched: its text cannot overflow libspf2's stack" \
    $IP4 alice@expbomb.spf.test "" fail
result_is "a 4 KB term after 127 macros is refused: permerror, no overflow" \
    $IP4 alice@termbomb.spf.test "" permerror
tap_like "$(kv detail "$OUT")" '^the SPF record of termbomb\.spf\.test has a term of 200 bytes or more.*CVE-2023-42118' \
    "the permerror says which record was refused and why"
result_is "a 199-byte term with a macro is evaluated" $IP4 alice@term199.spf.test "" pass
result_is "a 200-byte term with a macro is refused" $IP4 alice@term200.spf.test "" permerror
long=$(printf 'x%.0s' $(seq 1 70)).spf.test
result_is "a MAIL FROM domain with a 70-octet label is none, unasked" $IP4 "a@$long" "" none
result_is "an address literal as MAIL FROM domain is none" $IP4 "a@[192.0.2.1]" "" none

# Several threads at once, each with its own libspf2 server over the one
# resolver (run under --enable-sanitizers too).
OUT=$("$EVAL" --dns "$NSD_ADDR" --timeout-ms "$TIMEOUT_MS" --threads 8 --ip $IP4 \
    --mail-from alice@manylate.spf.test 2>&1) || BAD_RUNS="$BAD_RUNS threads"
tap_is "$(kv result "$OUT"),$(kv agree "$OUT")" "pass,1" "8 threads evaluating at once agree"

# --- check_spf's findings (spf-eval --scan runs the check itself) -----------
scan() {
	OUT=$("$EVAL" --scan --dns "$1" --timeout-ms "$TIMEOUT_MS" "${@:2}" 2>&1) ||
	    BAD_RUNS="$BAD_RUNS scan:$*"
	FINDINGS=$(kv findings "$OUT")
}
ids() {
	printf '%s' "$FINDINGS" | jq -r '[.[].id] | join(",")' 2>/dev/null
}

scan "$NSD_ADDR" --ip $IP4 --ip $IP6 --mail-from alice@relay.spf.test
tap_is "$(kv spf_done "$OUT"),$(ids)" "1," "scan: pass for both addresses, no finding"
tap_is "$(printf '%s\n' "$OUT" | grep -c '^spf=.* pass relay.spf.test 0$')" "2" \
    "scan: one auth.spf entry per egress address"

scan "$NSD_ADDR" --ip $IP4 --ip 192.0.2.11 --mail-from alice@fail.spf.test
tap_is "$(ids)" "auth-spf-fail" "scan: two failing addresses give one auth-spf-fail"
tap_is "$(printf '%s' "$FINDINGS" | jq -r '.[0].score')" "5" "auth-spf-fail scores 5 (DKIM may rescue)"
tap_like "$(printf '%s' "$FINDINGS" | jq -r '.[0].summary')" "192\\.0\\.2\\.10, 192\\.0\\.2\\.11" \
    "the summary names both addresses"
tap_like "$(printf '%s' "$FINDINGS" | jq -r '.[0].predicted[] | select(.provider=="gmail") | .reply')" \
    '^550-5\.7\.26 .*SPF \[fail\.spf\.test\] with ip: \[192\.0\.2\.11\] = did not pass' \
    "Gmail's 5.7.26 reply carries the real domain and address"
tap_like "$(printf '%s' "$FINDINGS" | jq -r '.[0].predicted[] | select(.provider=="gmail") | .reply')" \
    'hard fail policy \(-all\).*ip: \[192\.0\.2\.10\]' "Gmail's hard-fail reply is predicted"
tap_like "$(printf '%s' "$FINDINGS" | jq -r '.[0].predicted[] | select(.provider=="microsoft") | .reply')" \
    '^550 5\.7\.23 The message was rejected because of Sender Policy Framework violation' \
    "Microsoft's 5.7.23 reply is predicted"

scan "$NSD_ADDR" --ip $IP4 --mail-from alice@soft.spf.test
tap_is "$(ids),$(printf '%s' "$FINDINGS" | jq -r '.[0].score')" "auth-spf-softfail,2" "scan: softfail scores 2"
scan "$NSD_ADDR" --ip $IP4 --mail-from alice@neutral.spf.test
tap_is "$(ids)" "auth-spf-neutral,auth-spf-record-quality" "scan: neutral, and ?all as record quality"
scan "$NSD_ADDR" --ip $IP4 --mail-from alice@norecord.spf.test
tap_is "$(ids),$(printf '%s' "$FINDINGS" | jq -r '.[0].score')" "auth-spf-none,3" "scan: none scores 3"
scan "$NSD_ADDR" --ip $IP4 --mail-from alice@two.spf.test
tap_is "$(ids),$(printf '%s' "$FINDINGS" | jq -r '.[0].score')" "auth-spf-permerror,5" \
    "scan: two records give auth-spf-permerror (5) alone"
scan "$NSD_ADDR" --ip $IP4 --mail-from alice@plusall.spf.test
tap_is "$(ids)" "auth-spf-record-quality" "scan: +all passes but is a record-quality finding"
tap_like "$(printf '%s' "$FINDINGS" | jq -r '.[0].predicted[].reply')" '^550-5\.7\.24 ' \
    "record quality predicts Gmail 550-5.7.24"
scan "$NSD_ADDR" --ip $IP4 --mail-from "" --helo fail.spf.test
tap_like "$(ids) $(printf '%s' "$FINDINGS" | jq -r '.[0].summary')" \
    '^auth-spf-fail SPF fail for the HELO name' "scan: null sender evaluates EgressHelo"
tap_like "$OUT" 'spf=192\.0\.2\.10 fail fail\.spf\.test 1' "scan: the entry is marked HELO identity"
scan "$NSD_ADDR" --ip $IP4 --mail-from "a@$(printf 'z\001%.0s' $(seq 1 200)).test"
tap_like "$(printf '%s' "$FINDINGS" | jq -r '.[0].summary')" '^SPF none for MAIL FROM domain (z\?){50}' \
    "scan: a hostile MAIL FROM domain is shown shortened, control bytes as '?'"
scan "$NSD_ADDR" --ip $IP4 --mail-from ""
tap_is "$(kv spf_done "$OUT"),$(ids)" "0," "scan: null sender without EgressHelo is skipped"
scan none --ip $IP4 --mail-from alice@fail.spf.test
tap_is "$(kv spf_done "$OUT"),$(ids)" "0," "scan: no resolver, no findings"

# --- DNS down: temperror within the deadline --------------------------------
nsd_stop
t0=$(date +%s%N)
ev $IP4 alice@pass4.spf.test
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
tap_is "$(kv result "$OUT")" "temperror" "nsd stopped: temperror, not pass or fail"
if [ "$ms" -le $((TIMEOUT_MS + 1000)) ]; then
	tap_ok "temperror came within DNSTimeout + 1 s (${ms} ms)"
else
	tap_fail "temperror came within DNSTimeout + 1 s" "took ${ms} ms"
fi
tap_is "$(kv record "$OUT"),$(kv incomplete "$OUT")" "temperror,1" "the review reports temperror too"
t0=$(date +%s%N)
scan "$NSD_ADDR" --ip $IP4 --ip $IP6 --mail-from alice@pass4.spf.test
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
tap_is "$(ids),$(printf '%s' "$FINDINGS" | jq -r '.[0].score')" "auth-spf-temperror,0" \
    "scan: one auth-spf-temperror scoring 0"
if [ "$ms" -le $((TIMEOUT_MS + 1000)) ]; then
	tap_ok "scan of two addresses within DNSTimeout + 1 s (${ms} ms)"
else
	tap_fail "scan of two addresses within DNSTimeout + 1 s" "took ${ms} ms"
fi

# A sanitizer report or a crash makes the driver exit non-zero.
tap_is "$BAD_RUNS" "" "every spf-eval run exited 0"
tap_done

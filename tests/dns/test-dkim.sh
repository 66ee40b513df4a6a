#!/bin/bash
# test-dkim.sh - DKIM verification (libopendkim through lib/dns.c), the
# SigningKey check and check_dkim's findings, against a real nsd serving a
# zone under .test.  Keys are generated and messages signed here, at test
# time (opendkim-genkey; libopendkim's signer through dkim-eval sign), so
# no key material lives in the repository.  Driver: tests/dns/dkim-eval.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

EVAL=$top_builddir/tests/dns/dkim-eval
[ -x "$EVAL" ] || tap_skip_all "dkim-eval not built"
command -v nsd >/dev/null || [ -x /usr/sbin/nsd ] || tap_skip_all "nsd not installed"
command -v dig >/dev/null || tap_skip_all "dig not installed"
command -v openssl >/dev/null || tap_skip_all "openssl not installed"

tmp_workdir
. "$top_srcdir/tests/dns/nsd-env.sh"
mkdir -p "$WORKDIR/zones" "$WORKDIR/keys"
K=$WORKDIR/keys
TIMEOUT=2

# genkey BITS NAME - a private key $K/NAME.private: opendkim-genkey as an
# admin would run it, openssl when the tool is missing or refuses
genkey() {
	if command -v opendkim-genkey >/dev/null &&
	    opendkim-genkey -b "$1" -d a.test -s "$2" -D "$K" 2>/dev/null &&
	    [ -s "$K/$2.private" ]; then
		return 0
	fi
	openssl genrsa -out "$K/$2.private" "$1" 2>/dev/null
}
genkey 2048 good
genkey 1024 k1024
genkey 512 weak
genkey 2048 other
for k in good k1024 weak other; do
	[ -s "$K/$k.private" ] || tap_skip_all "cannot generate a $k key"
done
# the same key as good, in the traditional PKCS#1 form
openssl rsa -in "$K/good.private" -traditional -out "$K/good-pkcs1.private" 2>/dev/null ||
	tap_skip_all "openssl cannot write PKCS#1"

# txt STRING - a TXT rdata split into 250-byte strings, as zone files need
txt() {
	printf '%s' "$1" | fold -w 250 | sed 's/.*/"&"/' | tr '\n' ' '
}
# p KEY - the public half of a private key, base64 DER
p() {
	openssl pkey -in "$K/$1.private" -pubout -outform DER 2>/dev/null | base64 -w0
}

{
	zone_header a.test
	echo "good._domainkey     TXT ( $(txt "v=DKIM1; k=rsa; p=$(p good)") )"
	echo "k1024._domainkey    TXT ( $(txt "v=DKIM1; k=rsa; p=$(p k1024)") )"
	echo "weak._domainkey     TXT ( $(txt "v=DKIM1; k=rsa; p=$(p weak)") )"
	echo "testing._domainkey  TXT ( $(txt "v=DKIM1; k=rsa; t=y; p=$(p good)") )"
	echo "revoked._domainkey  TXT \"v=DKIM1; k=rsa; p=\""
	echo "garbage._domainkey  TXT \"v=DKIM1; k=rsa; p=bm90IGEga2V5\""
} >"$WORKDIR/zones/a.test.zone"
nsd_start "$WORKDIR/zones" || tap_skip_all "nsd did not start"

M=$WORKDIR/msg
mkdir -p "$M"
cat >"$M/plain.eml" <<'EOF'
From: Alice <alice@a.test>
To: bob@b.test
Subject: quarterly report
Date: Mon, 06 May 2024 10:00:00 +0000
Message-ID: <report-1@a.test>

Hello Bob,

the report is attached.
EOF
sed 's/$/\r/' "$M/plain.eml" >"$M/plain-crlf.eml"
cat >"$M/list-src.eml" <<'EOF'
From: News <news@a.test>
To: bob@b.test
Subject: our newsletter
Date: Mon, 06 May 2024 10:00:00 +0000
Message-ID: <news-1@a.test>
List-Unsubscribe: <https://a.test/unsub?u=1>
List-Unsubscribe-Post: List-Unsubscribe=One-Click

News.
EOF

# sign NAME KEY SELECTOR [OPTIONS...] - sign a message into $M/NAME.eml;
# the input is $IN (default plain.eml)
sign() {
	local name=$1 key=$2 sel=$3
	shift 3
	"$EVAL" sign --key "$K/$key.private" --domain a.test --selector "$sel" "$@" \
		"$M/${IN:-plain.eml}" >"$M/$name.eml" ||
		tap_fail "sign $name" "dkim-eval sign failed"
}
# verify NAME [OPTIONS...] - dkim-eval verify output in $out
verify() {
	local name=$1
	shift
	out=$("$EVAL" verify --dns "$NSD_ADDR" --timeout "$TIMEOUT" "$@" "$M/$name.eml" 2>&1) ||
		tap_fail "dkim-eval verify $name exits 0" "$out"
}
# check NAME [OPTIONS...] - dkim-eval check output in $out; $ids = the
# finding ids, sorted, comma-separated ("" for none)
check() {
	local name=$1
	shift
	out=$("$EVAL" check --dns "$NSD_ADDR" --timeout "$TIMEOUT" "$@" "$M/$name.eml" 2>&1) ||
		tap_fail "dkim-eval check $name exits 0" "$out"
	ids=$(sed -n 's/^finding \([^ ]*\) .*/\1/p' <<<"$out" | sort | paste -sd, -)
}

# --- verification of signatures on the message -------------------------
sign good good good
verify good
tap_like "$out" '^sig d=a.test s=good a=rsa-sha256 result=pass problem=ok bits=2048 header=pass bh=match' \
	"2048-bit signature passes with a matching body hash"
check good
tap_is "$ids" "" "good signature: no finding"
tap_like "$out" '^auth d=a.test s=good result=pass predicted=0 bits=2048 from=1' \
	"good signature: auth entry pass, From covered"

IN=plain-crlf.eml sign crlf good good
verify crlf
tap_like "$out" 'result=pass problem=ok' "CRLF file signed and verified"

sign simple good good --simple
verify simple
tap_like "$out" 'result=pass problem=ok' "simple/simple canonicalisation passes"

sign k1024 k1024 k1024
check k1024
tap_like "$out" '^auth d=a.test s=k1024 result=pass .*bits=1024' "1024-bit key passes"
tap_is "$ids" "" "1024-bit key: no finding"

sed 's/the report is attached/the report is NOT attached/' "$M/good.eml" >"$M/body.eml"
verify body
tap_like "$out" 'result=fail problem=body-changed bits=2048 header=pass bh=mismatch' \
	"changed body: fail although the header hash (PASSED flag) verifies"
check body
tap_is "$ids" "auth-dkim-fail" "changed body: auth-dkim-fail"
tap_like "$out" '^finding auth-dkim-fail 5 \| d=a.test s=good: body hash mismatch' \
	"changed body: summary says body hash mismatch"
tap_like "$out" '^reply auth-dkim-fail gmail \| 550-5.7.30' "changed body: Gmail 5.7.30 predicted"
tap_like "$out" '^reply auth-dkim-fail gmail \| 550-5.7.26 .*DKIM = did not pass' \
	"changed body: Gmail 5.7.26 (unauthenticated) predicted"
tap_like "$out" '^reply auth-dkim-fail microsoft \| 550 5.7.515 .*\[a.test\]' \
	"changed body: Microsoft 5.7.515 predicted for a.test"

sed 's/^Subject: quarterly report/Subject: quarterly report (edited)/' "$M/good.eml" >"$M/header.eml"
verify header
tap_like "$out" 'result=fail problem=bad-signature .*header=fail' "changed Subject: b= does not verify"

sign nokey good missing
verify nokey
tap_like "$out" 'result=permerror problem=no-key' "selector not in DNS: permerror no-key"
check nokey
tap_is "$ids" "auth-dkim-key-missing" "selector not in DNS: auth-dkim-key-missing"

sign revoked good revoked
verify revoked
tap_like "$out" 'result=permerror problem=key-revoked' "empty p=: key revoked"
check revoked
tap_is "$ids" "auth-dkim-key-missing" "revoked key: auth-dkim-key-missing"

sign garbage good garbage
verify garbage
tap_like "$out" 'result=permerror problem=bad-key' "p= not a key: bad-key"
check garbage
tap_is "$ids" "auth-dkim-key-invalid" "unusable key record: auth-dkim-key-invalid"

sign weak weak weak
verify weak
tap_like "$out" 'result=fail problem=weak-key bits=512 header=pass bh=match' \
	"512-bit key: verifies, judged fail (RFC 8301)"
check weak
tap_is "$ids" "auth-dkim-weak-key" "512-bit key: auth-dkim-weak-key"

sign sha1 good good --sha1
verify sha1
tap_like "$out" 'a=rsa-sha1 result=pass .*sha1=1' "rsa-sha1 signature verifies, flagged sha1"
check sha1
tap_is "$ids" "auth-dkim-sha1" "rsa-sha1: auth-dkim-sha1"

sign length good good --length
verify length
tap_like "$out" 'result=pass .* l=[0-9]+ ' "l= signature passes, l= reported"
{ cat "$M/length.eml"; echo "appended after signing"; } >"$M/length-appended.eml"
verify length-appended
tap_like "$out" 'result=pass' "l= signature still passes with text appended (why l= is flagged)"
check length
tap_is "$ids" "auth-dkim-body-length" "l=: auth-dkim-body-length"

sign expired good good --time $(($(date +%s) - 10 * 86400)) --ttl 3600
verify expired
tap_like "$out" 'result=permerror problem=expired' "x= in the past: permerror expired"
check expired
tap_is "$ids" "auth-dkim-expired" "expired: auth-dkim-expired"
tap_like "$out" '^finding auth-dkim-expired 3 \| d=a.test s=good: expired at ' "expired: summary"

sign soon good good --ttl 3600
verify soon
tap_like "$out" 'result=pass .* x=[1-9][0-9]* ' "x= an hour ahead: still passes"
check soon
tap_is "$ids" "auth-dkim-expired" "x= within a day: auth-dkim-expired"
tap_like "$out" '^finding auth-dkim-expired 3 \| d=a.test s=good: x= expires at ' "expiring: summary"

sign testing good testing
verify testing
tap_like "$out" 'result=pass .*testing=1' "t=y key: passes, testing reported"
check testing
tap_is "$ids" "auth-dkim-testing" "t=y: auth-dkim-testing"

sign nofrom good good --headers to:subject:date:message-id
verify nofrom
tap_like "$out" 'result=permerror problem=syntax .* from=0' "From not in h=: permerror, from=0"
check nofrom
tap_is "$ids" "auth-dkim-from-unsigned" "From not in h=: auth-dkim-from-unsigned only"

IN=list-src.eml sign list good good --headers from:to:subject:date:message-id:list-unsubscribe
check list
tap_is "$ids" "auth-dkim-unsubscribe-unsigned" "List-Unsubscribe-Post not signed: finding"
tap_like "$out" 'unsubscribe-unsigned 3 \| List-Unsubscribe-Post not in h= of any signature' \
	"unsubscribe finding names the unsigned header"
IN=list-src.eml sign list-none good good --headers from:to:subject:date:message-id
check list-none
tap_like "$out" 'unsubscribe-unsigned 3 \| List-Unsubscribe and List-Unsubscribe-Post not in h=' \
	"neither List-Unsubscribe header signed: both named"
IN=list-src.eml sign list-signed good good \
	--headers from:to:subject:date:message-id:list-unsubscribe:list-unsubscribe-post
check list-signed
tap_is "$ids" "" "both List-Unsubscribe headers signed: no finding"

sign double1 good good
IN=double1.eml sign double weak weak
verify double
tap_is "$(grep -c '^sig ' <<<"$out")" 2 "two signatures reported"
tap_like "$out" 's=weak .*result=fail' "two signatures: the weak one fails"
tap_like "$out" 's=good .*result=pass' "two signatures: the good one passes"

# hostile input: 40 signatures cost at most DKIMV_MAX_SIGS lookups
{ for i in $(seq 40); do sed -n '/^DKIM-Signature:/,/^From:/p' "$M/good.eml" | sed '$d'; done
  sed -n '/^From:/,$p' "$M/good.eml"; } >"$M/many.eml"
verify many
tap_like "$out" '^nsigs=16 ignored=24 ' "40 signatures: 16 verified, 24 ignored"

verify good --keep 10
tap_like "$out" 'result=pass .*unchecked=1 .*body not kept in full' \
	"body over the kept limit: header hash only, said so"

# --- SigningKey: the signature a later signer will add -------------------
check plain
tap_is "$ids" "auth-dkim-none" "unsigned, no SigningKey: auth-dkim-none"
tap_like "$out" 'auth-dkim-none 3 \| no DKIM-Signature, and no SigningKey for a.test' \
	"auth-dkim-none names the domain"

check plain --signing-key a.test good "$K/good.private"
tap_is "$ids" "" "SigningKey matching DNS: no finding"
tap_like "$out" '^auth d=a.test s=good result=pass predicted=1 bits=2048' \
	"SigningKey matching DNS: predicted passing signature"

check plain --signing-key a.test good "$K/good-pkcs1.private"
tap_like "$out" '^auth d=a.test s=good result=pass predicted=1' "PKCS#1 private key matches too"

check plain --signing-key a.test good "$K/other.private"
tap_is "$ids" "auth-dkim-key-mismatch" "SigningKey not matching DNS: auth-dkim-key-mismatch"
tap_like "$out" '^finding auth-dkim-key-mismatch 10 \|' "key mismatch scores 10 (certain)"
tap_like "$out" '^auth d=a.test s=good result=fail predicted=1' "key mismatch: predicted fail"

check plain --signing-key a.test nokey "$K/good.private"
tap_is "$ids" "auth-dkim-key-missing" "SigningKey without DNS record: auth-dkim-key-missing"

check plain --signing-key a.test weak "$K/weak.private"
tap_is "$ids" "auth-dkim-weak-key" "SigningKey of 512 bits: auth-dkim-weak-key"

check plain --signing-key a.test good "$WORKDIR/no-such.private"
tap_is "$ids" "auth-dkim-key-unreadable" "unreadable SigningKey: auth-dkim-key-unreadable"
tap_unlike "$out" '^auth ' "unreadable SigningKey: no predicted entry"

sed 's/alice@a.test/alice@c.test/' "$M/plain.eml" >"$M/otherfrom.eml"
check otherfrom --mail-from bounce@a.test --signing-key a.test good "$K/good.private"
tap_like "$out" '^auth d=a.test s=good result=pass predicted=1' \
	"SigningKey for the MAIL FROM domain predicts its signature"

check good --signing-key a.test good "$K/other.private"
tap_is "$ids" "" "already signed by the domain: no prediction on top"

# --- keycheck directly, and its cache ---------------------------------
kc() {
	out=$("$EVAL" keycheck --dns "$NSD_ADDR" --timeout "$TIMEOUT" a.test "$1" "$K/$2" 2>&1) ||
		tap_fail "dkim-eval keycheck $1 $2 exits 0" "$out"
}
kc good good.private
tap_like "$out" '^status=match bits=2048 dns_bits=2048' "keycheck: match"
kc good other.private
tap_like "$out" '^status=mismatch' "keycheck: mismatch"
kc missing good.private
tap_like "$out" '^status=no-key .*NXDOMAIN' "keycheck: no record"
kc revoked good.private
tap_like "$out" '^status=no-key .*revoked' "keycheck: revoked"
kc garbage good.private
tap_like "$out" '^status=bad-key' "keycheck: unusable record"
kc testing good.private
tap_like "$out" '^status=match .*testing=1' "keycheck: t=y reported"
echo "not a key" >"$K/junk.private"
kc good junk.private
tap_like "$out" '^status=unreadable' "keycheck: file that is not a key"

cp "$K/good.private" "$K/rotating.private"
out=$("$EVAL" keycache --dns "$NSD_ADDR" --interval 300 a.test good \
	"$K/rotating.private" "$K/other.private" 2>&1)
tap_like "$out" '^t=0 status=match' "cache: first check matches"
tap_like "$out" '^t=1 status=match' "cache: key file replaced, cached result within KeyCheckInterval"
tap_like "$out" '^t=interval status=mismatch' "cache: re-checked after KeyCheckInterval"

# --- DNS down: temperror within DNSTimeout + 1 s -----------------------
nsd_stop
start=$(date +%s%N)
verify good
ms=$((($(date +%s%N) - start) / 1000000))
tap_like "$out" 'result=temperror problem=key-tempfail' "DNS down: signature temperror"
tap_check "DNS down: verify answered within DNSTimeout + 1 s (${ms} ms)" \
	test "$ms" -le $((TIMEOUT * 1000 + 1000))
start=$(date +%s%N)
check good
ms=$((($(date +%s%N) - start) / 1000000))
tap_is "$ids" "auth-dkim-temperror" "DNS down: auth-dkim-temperror only"
tap_like "$out" '^finding auth-dkim-temperror 0 \|' "temperror scores 0"
tap_check "DNS down: check answered within DNSTimeout + 1 s (${ms} ms)" \
	test "$ms" -le $((TIMEOUT * 1000 + 1000))
check plain --signing-key a.test good "$K/good.private"
tap_like "$out" '^auth d=a.test s=good result=temperror predicted=1' \
	"DNS down: predicted signature temperror"
tap_is "$ids" "auth-dkim-temperror" "DNS down, SigningKey: auth-dkim-temperror only"

tap_done

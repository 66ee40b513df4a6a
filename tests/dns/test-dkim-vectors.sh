#!/bin/bash
# test-dkim-vectors.sh - third-party DKIM vectors through our verifier
# (libopendkim + lib/dns.c), their keys served by a real nsd:
#   - Mail-DKIM's verifier corpus (t/corpus/*.txt, keys in t/FAKE_DNS.dat,
#     expected results in t/corpus/EXPECTED.tsv: pass / fail / invalid);
#   - dkimpy's data: the pre-signed RFC 8463 and Exim vectors, and its RSA
#     keys (test.private with the test.txt, test2.txt, badversion.txt and
#     badk.txt records) signed here and verified the way dkimpy's own tests
#     do.
# The corpus is read in place ($PREFLIGHT_CORPUS, default
# $top_srcdir/../shared/corpus), never copied into the repository.
#
# Our verdict per message: pass when a signature passes (a key under 1024
# bits counts here if the signature verifies: Mail-DKIM accepts such keys,
# Preflight reports them as auth-dkim-weak-key), fail when one does not
# verify (bad b= or body hash), invalid when signatures exist but none could
# be evaluated (key errors, syntax, expiry, DNS failure), none without a
# DKIM-Signature.  Differences from the corpus are listed in DEVIATIONS
# below, each with its reason; every other message must match.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

CORPUS=${PREFLIGHT_CORPUS:-$top_srcdir/../shared/corpus}
MD=$CORPUS/mail-dkim/t
DP=$CORPUS/dkimpy/dkim/tests/data
EVAL=$top_builddir/tests/dns/dkim-eval
[ -f "$MD/corpus/EXPECTED.tsv" ] || [ -d "$DP" ] || tap_skip_all "corpus not found at $CORPUS"
[ -x "$EVAL" ] || tap_skip_all "dkim-eval not built"
command -v nsd >/dev/null || [ -x /usr/sbin/nsd ] || tap_skip_all "nsd not installed"
command -v dig >/dev/null || tap_skip_all "dig not installed"
command -v python3 >/dev/null || tap_skip_all "python3 not installed"

# Known deviations: file, our verdict, why.  Each is asserted (our verdict
# must be exactly this), so a change in behaviour shows up either way.
# RFC 6376 is stricter than the pre-standard drafts Mail-DKIM still accepts.
NOV="draft signature without v= (RFC 6376 3.5: v= is required); libopendkim rejects it"
V05="draft signature with v=0.5 (RFC 6376: v=1); libopendkim rejects it"
GEQ="key g= tag: dropped by RFC 6376, whose verifiers ignore unknown key tags"
DK="DomainKeys (RFC 4870, obsolete): libopendkim verifies DKIM only"
DEVIATIONS="
good_ietf00_1.txt	invalid	$NOV
good_ietf00_2.txt	invalid	$NOV
good_ietf00_3.txt	invalid	$NOV
good_ietf00_4.txt	invalid	$NOV
good_ietf00_5.txt	invalid	$NOV
mine_ietf01_1.txt	invalid	$NOV
mine_ietf01_2.txt	invalid	$NOV
mine_ietf01_3.txt	invalid	$NOV
mine_ietf01_4.txt	invalid	$NOV
good_ietf01_1.txt	invalid	$NOV
good_ietf01_2.txt	invalid	$NOV
multiple_1.txt	invalid	$NOV
bad_ietf01_1.txt	invalid	$NOV
bad_ietf01_2.txt	invalid	$NOV
bad_ietf01_3.txt	invalid	$NOV
bad_1.txt	invalid	$NOV
mine_ietf05_1.txt	invalid	$V05
no_body_1.txt	invalid	$V05
no_body_2.txt	invalid	$V05
no_body_3.txt	invalid	$V05
badkey_8.txt	pass	$GEQ
badkey_9.txt	pass	$GEQ
badkey_12.txt	pass	$GEQ
badkey_13.txt	pass	$GEQ
good_dk_gmail.txt	none	$DK
good_dk_yahoo.txt	none	$DK
good_dk_1.txt	none	$DK
good_dk_2.txt	none	$DK
good_dk_3.txt	none	$DK
good_dk_4.txt	none	$DK
good_dk_5.txt	none	$DK
good_dk_6.txt	none	$DK
good_dk_7.txt	none	$DK
dk_headers_1.txt	none	$DK
dk_headers_2.txt	none	$DK
dk_multiple_1.txt	none	$DK
bad_dk_1.txt	none	$DK
bad_dk_2.txt	none	$DK
bad_dk_3.txt	none	$DK
bad_dk_4.txt	none	$DK
bad_dk_5.txt	none	$DK
"
# These agree with the corpus (invalid), but only because their v=0.5
# signature is rejected before the key they were written to test is used.
VERSION_ONLY="badkey_1.txt badkey_2.txt badkey_3.txt badkey_4.txt badkey_5.txt
badkey_6.txt badkey_7.txt ignore_2.txt ignore_3.txt ignore_4.txt"

tmp_workdir
. "$top_srcdir/tests/dns/nsd-env.sh"
mkdir -p "$WORKDIR/zones"

# zones FILE... - zone files from "<name> <TXT value>" lines (the format
# of Mail-DKIM's FAKE_DNS.dat).  A record goes into the zone named after
# "_domainkey."; NXDOMAIN writes nothing; for "~~Query timed out~~" and
# "~~SERVFAIL~~" the zone file is left broken, so nsd answers SERVFAIL
# (a DNS failure either way: temperror).  The zone 0.test sorts first and
# is always valid: nsd-env.sh waits for the first zone to answer.
zones() {
	zone_header 0.test >"$WORKDIR/zones/0.test.zone"
	python3 - "$WORKDIR/zones" "$@" <<'PY'
import os, sys
zonedir, zones, dead = sys.argv[1], {}, set()
def rdata(v):
    if v == '""':
        return '""'
    v = v.replace("\\", "\\\\").replace('"', '\\"')
    return "( " + " ".join('"%s"' % v[i:i + 250] for i in range(0, len(v), 250)) + " )"
for path in sys.argv[2:]:
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.strip()
        if not line or line.startswith("#") or " " not in line:
            continue
        name, value = line.split(None, 1)
        name = name.rstrip(".").lower()
        if "._domainkey." not in name:
            continue
        zone = name.split("._domainkey.", 1)[1]
        recs = zones.setdefault(zone, [])
        if value.startswith("~~"):
            dead.add(zone)
        elif value != "NXDOMAIN":
            recs.append("%s. IN TXT %s" % (name, rdata(value.strip())))
for zone, recs in zones.items():
    with open(os.path.join(zonedir, zone + ".zone"), "w") as out:
        out.write("$ORIGIN %s.\n$TTL 60\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 60\n"
                  "@ IN NS ns.%s.\nns IN A 127.0.0.1\n" % (zone, zone, zone, zone))
        out.write("\n".join(recs + (["this line breaks the zone"] if zone in dead else [])) + "\n")
PY
}

# verdict FILE - our message-level verdict (see the head of this file)
verdict() {
	local out
	if ! out=$("$EVAL" verify --dns "$NSD_ADDR" --timeout 2 "$1" 2>&1); then
		echo "error: $out"
	elif grep -q '^sig .*result=pass' <<<"$out"; then
		echo pass
	elif grep -Eq '^sig .*problem=weak-key bits=[0-9]+ header=pass bh=match' <<<"$out"; then
		echo pass-weak
	elif grep -Eq '^sig .*problem=(bad-signature|body-changed)' <<<"$out"; then
		echo fail
	elif grep -q '^sig ' <<<"$out"; then
		echo invalid
	elif grep -q '^nsigs=0' <<<"$out"; then
		echo none
	else
		echo "error: $out"
	fi
}

# dkimpy's records under selectors of our own, so that one zone holds
# every variant its tests serve one at a time
extra=$WORKDIR/dkimpy.dns
if [ -d "$DP" ]; then
	{
		echo "test._domainkey.example.com $(cat "$DP/test.txt")"
		echo "test2._domainkey.example.com $(cat "$DP/test2.txt")"
		echo "badversion._domainkey.example.com $(cat "$DP/badversion.txt")"
		echo "badk._domainkey.example.com $(cat "$DP/badk.txt")"
		echo "brisbane._domainkey.football.example.com v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
		echo "test._domainkey.football.example.com $(cat "$DP/test.txt")"
		echo "sed._domainkey.test.ex $(cat "$DP/eximtest.dns")"
	} >"$extra"
fi
files=()
[ -f "$MD/FAKE_DNS.dat" ] && files+=("$MD/FAKE_DNS.dat")
[ -s "$extra" ] && files+=("$extra")
zones "${files[@]}" || tap_skip_all "cannot write the zones"
nsd_start "$WORKDIR/zones" || tap_skip_all "nsd did not start"

# --- Mail-DKIM ------------------------------------------------------------
if [ -f "$MD/corpus/EXPECTED.tsv" ]; then
	agree=0 total=0 dev=0 weak=0
	while IFS=$'\t' read -r file expected comment; do
		[ "$file" = file ] && continue
		[ -f "$MD/corpus/$file" ] || continue
		total=$((total + 1))
		got=$(verdict "$MD/corpus/$file")
		if [ "$got" = pass-weak ]; then
			weak=$((weak + 1))
			got=pass
		fi
		known=$(awk -F'\t' -v f="$file" '$1 == f { print $2 "\t" $3 }' <<<"$DEVIATIONS")
		if [ -n "$known" ]; then
			dev=$((dev + 1))
			tap_is "$got" "${known%%$'\t'*}" \
				"mail-dkim $file: known deviation (corpus: $expected; ${known#*$'\t'})"
		else
			[ "$got" = "$expected" ] && agree=$((agree + 1))
			tap_is "$got" "$expected" "mail-dkim $file: $expected${comment:+ ($comment)}"
		fi
	done <"$MD/corpus/EXPECTED.tsv"
	tap_diag "mail-dkim: $agree of $((total - dev)) messages as the corpus expects;" \
		"$dev known deviations listed in the test; $weak passes rest on keys under" \
		"1024 bits (Preflight: auth-dkim-weak-key); agreeing only through the" \
		"signature version:" $VERSION_ONLY
fi

# --- dkimpy ---------------------------------------------------------------
if [ -d "$DP" ]; then
	out=$("$EVAL" verify --dns "$NSD_ADDR" --timeout 2 "$DP/rfc6376.signed.msg" 2>&1)
	tap_like "$out" '^sig d=football.example.com s=test a=rsa-sha256 result=pass' \
		"dkimpy rfc6376.signed.msg: RFC 8463 A.3 rsa-sha256 signature passes"
	tap_like "$out" '^sig d=football.example.com s=brisbane a=ed25519-sha256 result=pass' \
		"dkimpy rfc6376.signed.msg: RFC 8463 A.3 ed25519-sha256 signature passes"
	out=$("$EVAL" verify --dns "$NSD_ADDR" --timeout 2 "$DP/ed25519test2.msg" 2>&1)
	tap_like "$out" '^sig d=test.ex s=sed a=ed25519-sha256 result=pass' \
		"dkimpy ed25519test2.msg: Exim's ed25519 signature passes"

	# dkimpy's test_dkim.py: sign test.message with test.private, verify
	# against each record variant
	for variant in test:pass test2:pass badversion:invalid badk:invalid; do
		sel=${variant%%:*}
		want=${variant#*:}
		"$EVAL" sign --key "$DP/test.private" --domain example.com --selector "$sel" \
			"$DP/test.message" >"$WORKDIR/$sel.eml" 2>"$WORKDIR/sign.err" ||
			tap_fail "dkimpy: sign with test.private" "$(cat "$WORKDIR/sign.err")"
		tap_is "$(verdict "$WORKDIR/$sel.eml")" "$want" \
			"dkimpy test.message signed with test.private, key record $sel.txt: $want"
	done
	out=$("$EVAL" keycheck --dns "$NSD_ADDR" --timeout 2 example.com test "$DP/test.private" 2>&1)
	tap_like "$out" '^status=match bits=1024' "dkimpy test.private matches test.txt (keycheck)"
	out=$("$EVAL" keycheck --dns "$NSD_ADDR" --timeout 2 example.com badk "$DP/test.private" 2>&1)
	tap_like "$out" '^status=bad-key' "dkimpy badk.txt: keycheck says bad-key"
fi

tap_done

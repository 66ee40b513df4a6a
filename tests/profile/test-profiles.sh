#!/bin/bash
# test-profiles.sh - provider profiles end to end, through the CLI:
# `preflight profiles` (list, show, check), destinations by recipient domain
# (a gmail.com recipient gets Gmail's predictions only), by MX (a domain
# whose MX a local nsd points at Google's or at a *.pphosted.com gateway),
# BlockedTypes per destination, and a ProfileDir gateway profile with its
# own SizeLimit and Reply; a broken ProfileDir fails the config for the
# CLI and for preflight-milter -n.
#
# The shipped profiles come from $PREFLIGHT_PROFILE_DIR (tests/Makefile.am
# points it at the source tree).  Every config either restricts Checks to
# families that do no DNS or names the local nsd in Nameservers.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

PF=$top_builddir/tools/preflight
MILTER=$top_builddir/milter/preflight-milter
[ -x "$PF" ] || tap_skip_all "tools/preflight not built"
command -v jq >/dev/null || tap_skip_all "jq not installed"
export PREFLIGHT_PROFILE_DIR=${PREFLIGHT_PROFILE_DIR:-$top_srcdir/share/profiles}
NOW=1741000000

tmp_workdir
mkdir -p "$WORKDIR/admin" "$WORKDIR/broken"

# msg FILE [EXTRA-HEADER...] - two From: headers (format-from-count, whose
# replies every big provider's profile lists); then the extra headers
msg() {
	local f=$1
	shift
	{
		printf 'From: a@example.com\r\nFrom: b@example.com\r\n'
		printf 'Subject: profiles\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\n'
		printf 'Message-ID: <p1@example.com>\r\nTo: x@example.com\r\n'
		printf '%s\r\n' "$@"
		printf '\r\nhello\r\n'
	} >"$f"
}

# attach FILE NAME - a message with one attachment called NAME
attach() {
	{
		printf 'From: a@example.com\r\nSubject: file\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\n'
		printf 'Message-ID: <p2@example.com>\r\nTo: x@example.com\r\nMIME-Version: 1.0\r\n'
		printf 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
		printf 'Content-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n'
		printf 'Content-Type: application/octet-stream\r\n'
		printf 'Content-Disposition: attachment; filename="%s"\r\n' "$2"
		printf 'Content-Transfer-Encoding: base64\r\n\r\naGVsbG8K\r\n--b--\r\n'
	} >"$1"
}

# providers JSON ID - the providers of finding ID's predictions, comma-separated
providers() {
	jq -r --arg id "$2" '[.findings[] | select(.id == $id) | .predicted[].provider]
	    | join(",")' "$1"
}

# run CONF OUT ARGS... - preflight check --json into OUT
run() {
	local conf=$1 out=$2
	shift 2
	"$PF" check -c "$conf" --json --now "$NOW" "$@" >"$out" 2>"$out.err"
}

printf 'Checks format size attach mime\n' >"$WORKDIR/local.conf"

# ---- preflight profiles ------------------------------------------------
out=$("$PF" profiles -c "$WORKDIR/local.conf" --json)
tap_is "$(printf '%s' "$out" | jq -r '[.[].name] | join(" ")')" \
    "generic gmail icloud microsoft yahoo" "profiles --json lists the five shipped profiles"
tap_is "$(printf '%s' "$out" | jq -r '.[] | select(.name == "gmail") | .size_limit')" \
    "26214400" "gmail's size limit in bytes"
out=$("$PF" profiles -c "$WORKDIR/local.conf")
tap_like "$out" '^microsoft: Outlook.com' "profiles: one block per profile"
tap_like "$out" '^  mx: \*\.protection\.outlook\.com$' "profiles: the MX patterns"
out=$("$PF" profiles -c "$WORKDIR/local.conf" show yahoo)
tap_like "$out" '^  554 5\.7\.9 Message not accepted for policy reasons' "show: a reply line"
tap_like "$out" '^    reason: authfailure$' "show: its reason"
n=$("$PF" profiles -c "$WORKDIR/local.conf" show --json gmail | jq '.replies | length')
tap_check "show --json gmail: every reply ($n)" test "$n" -ge 30
"$PF" profiles -c "$WORKDIR/local.conf" show nosuch >/dev/null 2>&1
tap_is "$?" 64 "show of an unknown profile exits 64"
out=$("$PF" profiles check "$PREFLIGHT_PROFILE_DIR")
tap_is "$out" "5 profiles OK" "profiles check: the shipped directory"

# ---- a gmail.com recipient gets Gmail's predictions only ----------------
msg "$WORKDIR/from2.eml"
run "$WORKDIR/local.conf" "$WORKDIR/o1.json" --rcpt bob@gmail.com "$WORKDIR/from2.eml"
tap_is "$(providers "$WORKDIR/o1.json" format-from-count)" "gmail" \
    "--rcpt gmail.com: format-from-count predicts gmail only"
tap_is "$(jq -r '.findings[] | select(.id == "format-from-count") | .predicted[0].reply' \
    "$WORKDIR/o1.json")" \
    "550 5.7.1 This message is not RFC 5322 compliant because it has multiple From: headers." \
    "the reply is the gmail profile's, code and status first"
run "$WORKDIR/local.conf" "$WORKDIR/o2.json" --rcpt bob@yahoo.com --rcpt c@GMAIL.com \
    "$WORKDIR/from2.eml"
tap_is "$(providers "$WORKDIR/o2.json" format-from-count)" "yahoo,gmail" \
    "yahoo and gmail recipients: both, in recipient order"
run "$WORKDIR/local.conf" "$WORKDIR/o3.json" --rcpt bob@corp.example "$WORKDIR/from2.eml"
tap_is "$(providers "$WORKDIR/o3.json" format-from-count)" "" \
    "a generic recipient: no big provider's reply"
tap_is "$(jq -r '.verdict' "$WORKDIR/o3.json")" "hold" "the finding still holds"
run "$WORKDIR/local.conf" "$WORKDIR/o4.json" "$WORKDIR/from2.eml"
tap_is "$(providers "$WORKDIR/o4.json" format-from-count)" "" \
    "without --rcpt the To: header's example.com is the destination: generic"

# ---- BlockedTypes per destination ----------------------------------------
attach "$WORKDIR/apk.eml" app.apk
run "$WORKDIR/local.conf" "$WORKDIR/a1.json" --rcpt bob@gmail.com "$WORKDIR/apk.eml"
tap_like "$(jq -r '.findings[] | select(.id == "attach-blocked-type") | .summary' \
    "$WORKDIR/a1.json")" '^app\.apk \(\.apk, blocked by gmail\)$' \
    ".apk to gmail.com: attach-blocked-type names gmail"
run "$WORKDIR/local.conf" "$WORKDIR/a2.json" --rcpt bob@corp.example "$WORKDIR/apk.eml"
tap_is "$(jq -r '[.findings[].id] | index("attach-blocked-type")' "$WORKDIR/a2.json")" "null" \
    ".apk to a generic domain: not blocked (not on the generic list)"
attach "$WORKDIR/js.eml" run.js
run "$WORKDIR/local.conf" "$WORKDIR/a3.json" --rcpt a@gmail.com --rcpt b@corp.example \
    "$WORKDIR/js.eml"
tap_like "$(jq -r '.findings[] | select(.id == "attach-blocked-type") | .summary' \
    "$WORKDIR/a3.json")" 'blocked by gmail, generic\)$' ".js: blocked by gmail and generic"
tap_is "$(providers "$WORKDIR/a3.json" attach-blocked-type)" "gmail,generic" \
    ".js: each destination's reply"

# ---- ProfileDir: a gateway with its own limit and reply -----------------
cat >"$WORKDIR/admin/gateway.profile" <<'EOF'
Name gateway
Description "A partner's Proofpoint gateway"
Domains partner.example
MX *.pphosted.com
SizeLimit 1K
BlockedTypes txt
Reply 552 5.3.4 mesgtoobig
Text "Message too large for gateway (limit 1 KB)"
Cause "The gateway refuses messages over 1 KB."
Remedy "Send less."
Findings size-over-limit format-from-count
EOF
printf 'Checks format size attach mime\nProfileDir admin\n' >"$WORKDIR/admin.conf"
tap_is "$("$PF" profiles -c "$WORKDIR/admin.conf" --json | jq -r '.[5].name')" "gateway" \
    "ProfileDir adds a sixth profile"
msg "$WORKDIR/big.eml"
{ head -c 2000 /dev/zero | tr '\0' 'x'; printf '\r\n'; } >>"$WORKDIR/big.eml"
run "$WORKDIR/admin.conf" "$WORKDIR/g1.json" --rcpt u@partner.example --rcpt v@gmail.com \
    "$WORKDIR/big.eml"
tap_like "$(jq -r '.findings[] | select(.id == "size-over-limit") | .summary' \
    "$WORKDIR/g1.json")" 'over the limit of partner\.example \(1 KiB, gateway\) for 1 recipient$' \
    "the gateway's SizeLimit applies to its domain only"
tap_is "$(jq -r '.findings[] | select(.id == "size-over-limit") | .predicted[] |
    "\(.provider): \(.reply)"' "$WORKDIR/g1.json")" \
    "gateway: 552 5.3.4 Message too large for gateway (limit 1 KB)" "and its Reply is predicted"
tap_is "$(providers "$WORKDIR/g1.json" format-from-count)" "gateway,gmail" \
    "format-from-count: the gateway's reply next to gmail's"
attach "$WORKDIR/txt.eml" notes.txt
run "$WORKDIR/admin.conf" "$WORKDIR/g2.json" --rcpt u@partner.example "$WORKDIR/txt.eml"
tap_like "$(jq -r '.findings[] | select(.id == "attach-blocked-type") | .summary' \
    "$WORKDIR/g2.json")" 'blocked by gateway\)$' "the gateway's BlockedTypes"

# ---- a broken ProfileDir fails the configuration -------------------------
printf 'Name broken\nReply 550 5.7.1 blocked\nText "t"\nCause c\n' \
    >"$WORKDIR/broken/b.profile"
printf 'Checks format\nProfileDir broken\n' >"$WORKDIR/broken.conf"
err=$("$PF" profiles -c "$WORKDIR/broken.conf" 2>&1 >/dev/null)
rc=$?
tap_is "$rc" 78 "profiles with a broken ProfileDir exits 78"
tap_is "$err" "preflight: $WORKDIR/broken/b.profile:2: Reply: Remedy missing (every Reply needs Text, Cause and Remedy)" \
    "with the profile's file:line: Key: reason"
"$PF" check -c "$WORKDIR/broken.conf" "$WORKDIR/from2.eml" >/dev/null 2>&1
tap_is "$?" 78 "check with a broken ProfileDir exits 78"
if [ -x "$MILTER" ]; then
	err=$("$MILTER" -n -c "$WORKDIR/broken.conf" 2>&1)
	rc=$?
	tap_check "preflight-milter -n refuses it (exit $rc)" test "$rc" -ne 0
	tap_like "$err" 'b\.profile:2: Reply: Remedy missing' "and names file:line"
fi
out=$("$PF" profiles check "$WORKDIR/broken" 2>&1)
tap_is "$?" 78 "profiles check DIR: exit 78 on a broken profile"

# ---- destinations by MX, through a local nsd -----------------------------
if ! command -v nsd >/dev/null && [ ! -x /usr/sbin/nsd ]; then
	tap_diag "nsd not installed: MX destinations not tested"
elif ! command -v dig >/dev/null; then
	tap_diag "dig not installed: MX destinations not tested"
elif ! "$PF" findings | grep -q '^rcpt-'; then
	tap_diag "no rcpt check family: MX destinations not tested"
else
	. "$top_srcdir/tests/dns/nsd-env.sh"
	mkdir "$WORKDIR/zones"
	{ zone_header workspace.test; echo '@ MX 1 aspmx.l.google.com.'
	  echo '@ MX 5 alt1.aspmx.l.google.com.'; } >"$WORKDIR/zones/workspace.test.zone"
	{ zone_header corp.test; echo '@ MX 10 mx0a-0012.pphosted.com.'; } \
	    >"$WORKDIR/zones/corp.test.zone"
	{ zone_header mixed.test; echo '@ MX 20 mx.mixed.test.'
	  echo '@ MX 10 corp-com.mail.protection.outlook.com.'; echo 'mx A 192.0.2.1'; } \
	    >"$WORKDIR/zones/mixed.test.zone"
	{ zone_header own.test; echo '@ MX 10 mail.own.test.'; echo 'mail A 192.0.2.2'; } \
	    >"$WORKDIR/zones/own.test.zone"
	if ! nsd_start "$WORKDIR/zones"; then
		tap_fail "nsd starts"
	else
		printf 'Checks format size rcpt\nNameservers %s\nDNSTimeout 5s\nProfileDir admin\n' \
		    "$NSD_ADDR" >"$WORKDIR/dns.conf"
		run "$WORKDIR/dns.conf" "$WORKDIR/d1.json" --rcpt a@workspace.test \
		    "$WORKDIR/from2.eml"
		tap_is "$(providers "$WORKDIR/d1.json" format-from-count)" "gmail" \
		    "MX aspmx.l.google.com: a Workspace domain gets gmail's replies"
		run "$WORKDIR/dns.conf" "$WORKDIR/d2.json" --rcpt a@corp.test "$WORKDIR/big.eml"
		tap_like "$(jq -r '.findings[] | select(.id == "size-over-limit") | .summary' \
		    "$WORKDIR/d2.json")" 'corp\.test \(1 KiB, gateway\)' \
		    "MX *.pphosted.com: the ProfileDir gateway, its SizeLimit"
		# a bare LF: format-bare-newline, which only Microsoft's profile answers
		{ cat "$WORKDIR/from2.eml"; printf 'bare\nLF\r\n'; } >"$WORKDIR/lf.eml"
		run "$WORKDIR/dns.conf" "$WORKDIR/d3.json" --rcpt a@mixed.test --rcpt b@own.test \
		    "$WORKDIR/lf.eml"
		tap_is "$(providers "$WORKDIR/d3.json" format-bare-newline)" "microsoft" \
		    "the most preferred MX decides (Exchange Online)"
		run "$WORKDIR/dns.conf" "$WORKDIR/d5.json" --rcpt b@own.test "$WORKDIR/lf.eml"
		tap_is "$(providers "$WORKDIR/d5.json" format-bare-newline)" "" \
		    "an MX no profile claims: generic"
		printf 'Checks format size\nNameservers %s\n' "$NSD_ADDR" >"$WORKDIR/nodns.conf"
		run "$WORKDIR/nodns.conf" "$WORKDIR/d4.json" --rcpt a@workspace.test \
		    "$WORKDIR/from2.eml"
		tap_is "$(providers "$WORKDIR/d4.json" format-from-count)" "" \
		    "without the rcpt family no MX lookup: generic"
	fi
fi

tap_done

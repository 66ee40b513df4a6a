#!/bin/bash
# test-rep.sh - reputation (lib/rep.c, lib/check_rep.c) and envelope
# domains (lib/check_rcpt.c) through `preflight check --json`, against a
# real nsd on 127.0.0.1 serving the blocklist, reverse and mail zones this
# script writes (zen.spamhaus.org, bl.spamcop.net, dq.spamhaus.net,
# dbl.spamhaus.org, multi.uribl.com, 2.0.192.in-addr.arpa, *.test): listed
# and clean egress addresses, Spamhaus' 127.255.255.254 refusal, PTR with
# and without forward confirmation, HELO, DQS, URL domains on URI lists,
# typos, dead domains, Null MX, an unresolvable sender.  Then the milter's
# background thread: it logs the egress state at start, and a reload
# (SIGUSR1) that adds a listed address gets it logged at once.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

pf=$top_builddir/tools/preflight
milter=$top_builddir/milter/preflight-milter
command -v nsd >/dev/null || [ -x /usr/sbin/nsd ] || tap_skip_all "nsd not installed"
for tool in dig jq; do
	command -v "$tool" >/dev/null || tap_skip_all "$tool not installed"
done
tmp_workdir
. "$top_srcdir/tests/dns/nsd-env.sh"
Z=$WORKDIR/zones
mkdir -p "$Z"

# zone NAME RECORDS... - one zone file
zone() {
	local name=$1
	shift
	{ zone_header "$name"; printf '%s\n' "$@"; } >"$Z/$name.zone"
}
zone zen.spamhaus.org '10.0.18.198 A 127.0.0.2' '30.0.18.198 A 127.255.255.254' \
	'50.0.18.198 A 127.0.0.2' '10.2.0.192 A 127.0.0.2'
zone bl.spamcop.net '10.0.18.198 A 127.0.0.2'
zone dq.spamhaus.net '20.0.18.198.key123.zen A 127.0.0.3'
zone dbl.spamhaus.org 'bad-domain.test A 127.0.1.2'
zone multi.uribl.com 'refused-domain.test A 127.0.0.1'
zone 0.18.198.in-addr.arpa '10 PTR mail.good.test.' '20 PTR mx20.good.test.' \
	'40 PTR liar.good.test.'
zone good.test '@ MX 10 mx20' '@ A 198.18.0.20' 'mail A 198.18.0.10' 'mx20 A 198.18.0.20' \
	'liar A 198.18.0.99' 'other A 198.18.0.99'
zone nullmx.test '@ MX 0 .'
zone nomx.test 'www A 192.0.2.1'
zone bad-domain.test '@ A 192.0.2.1'
zone refused-domain.test '@ A 192.0.2.1'
nsd_start "$Z" || tap_skip_all "nsd did not start"

# run CONF-LINES... -- CHECK-ARGS... - scan $MSG; sets out and rc
MSG=$WORKDIR/m.eml
run() {
	local lines=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do lines+=("$1"); shift; done
	shift
	printf '%s\n' "Nameservers $NSD_ADDR" "DNSTimeout 3" "HeldLog none" "${lines[@]}" \
		>"$WORKDIR/p.conf"
	out=$("$pf" check -c "$WORKDIR/p.conf" --json "$@" "$MSG" 2>"$WORKDIR/err")
	rc=$?
	[ -s "$WORKDIR/err" ] && tap_diag "stderr: $(head -c 300 "$WORKDIR/err")"
}
ids() { jq -r '[.findings[].id] | sort | join(" ")' <<<"$out"; }
field() { jq -r --arg id "$1" "[.findings[] | select(.id == \$id) | $2] | join(\"|\")" <<<"$out"; }
msg() {
	printf 'From: a@good.test\r\nTo: b@good.test\r\nSubject: s\r\nDate: %s\r\n' \
		"$(date -R)" >"$MSG"
	printf 'Message-ID: <%s@good.test>\r\nMIME-Version: 1.0\r\n' "$RANDOM" >>"$MSG"
	printf 'Content-Type: text/plain\r\n\r\n%s\r\n' "${1:-hello}" >>"$MSG"
}
msg
BL="DNSBL zen.spamhaus.org bl.spamcop.net b.barracudacentral.org"

# --- egress addresses ------------------------------------------------------
run "Checks rep" "$BL" "EgressAddress 198.18.0.10" "URIBL none" -- --rcpt b@good.test
tap_is "$(ids)" "rep-egress-listed rep-egress-listed" \
	"198.18.0.10: listed on two lists (the unserved Barracuda zone is no evidence)"
tap_like "$(field rep-egress-listed .summary)" "Spamhaus SBL \\(zen.spamhaus.org answers 127.0.0.2\\)" \
	"the list is named from zone and answer"
tap_like "$(field rep-egress-listed '.predicted[].reply')" \
	"554 5.7.1 Service unavailable; Client host \\[198.18.0.10\\] blocked using zen.spamhaus.org" \
	"the Postfix-style 554 is predicted"
tap_is "$rc" 1 "a listing tags (score 5), it does not hold all mail"

run "Checks rep" "$BL" "EgressAddress 198.18.0.30" "URIBL none" -- --rcpt b@gmail.com
tap_is "$(ids)" "rep-ptr-missing rep-query-refused" \
	"198.18.0.30: 127.255.255.254 is a refusal, not a listing; no PTR"
tap_like "$(field rep-query-refused .summary)" "zen.spamhaus.org refused the query .*listing status is unknown" \
	"the refusal says the status is unknown"
tap_like "$(field rep-ptr-missing '.predicted[].reply')" "^550-5.7.25 " "no PTR: Gmail's 550-5.7.25 (to gmail.com)"
tap_is "$rc" 2 "no PTR is a certain Gmail rejection: held"

run "Checks rep" "$BL" "EgressAddress 198.18.0.40" "URIBL none" -- --rcpt b@good.test
tap_is "$(ids)" "rep-fcrdns-mismatch" "198.18.0.40: PTR without forward confirmation"
tap_like "$(field rep-fcrdns-mismatch .summary)" "PTR liar.good.test does not resolve back" \
	"the PTR name is named"

run "Checks rep" "$BL" "EgressAddress 198.18.0.20" "EgressHelo mx20.good.test" "URIBL none" -- \
	--rcpt b@good.test
tap_is "$(ids)" "" "198.18.0.20 with its own HELO name: clean"
run "Checks rep" "$BL" "EgressAddress 198.18.0.20" "EgressHelo other.good.test" "URIBL none" -- \
	--rcpt b@good.test
tap_is "$(ids)" "rep-helo-mismatch" "a HELO name that resolves elsewhere"
run "Checks rep" "$BL" "DNSBLKey key123" "EgressAddress 198.18.0.20" "URIBL none" -- \
	--rcpt b@good.test
tap_like "$(field rep-egress-listed .summary)" "Spamhaus CSS \\(zen.spamhaus.org answers 127.0.0.3\\)" \
	"DNSBLKey: zen.spamhaus.org is asked through KEY.zen.dq.spamhaus.net"
run "Checks rep" "DNSBL none" "EgressAddress 198.18.0.10" "URIBL none" -- --rcpt b@good.test
tap_is "$(ids)" "" "DNSBL none: no list asked (the PTR is fine)"
run "Checks rep" "$BL" "EgressAddress 198.18.0.10 198.18.0.50" "URIBL none" -- \
	--rcpt b@good.test
tap_like "$(field rep-egress-listed .summary)" "egress 198.18.0.50 is on Spamhaus SBL" \
	"every EgressAddress is checked"

run "Checks rep" "$BL" "EgressAddress 192.0.2.10 10.1.2.3" "URIBL none" -- --rcpt b@good.test
tap_is "$(ids)" "" "documentation and private addresses are not looked up (resolvers answer them locally)"

# --- URL domains --------------------------------------------------------------
msg "see http://www.bad-domain.test/offer and https://refused-domain.test/x and http://good.test/"
run "Checks mime rep" "DNSBL none" -- --rcpt b@good.test
tap_is "$(ids)" "rep-query-refused rep-uri-listed" "a listed URL domain, and a refused lookup"
tap_like "$(field rep-uri-listed .summary)" "bad-domain.test is on Spamhaus DBL" "the DBL is named"
tap_like "$(field rep-query-refused .summary)" "multi.uribl.com refused the query for URL domain refused-domain.test" \
	"URIBL's 127.0.0.1 is a refusal"
run "Checks mime rep" "DNSBL none" "MaxURILookups 1" -- --rcpt b@good.test
tap_is "$(ids)" "rep-uri-listed" "MaxURILookups 1: only the first domain is looked up"
run "Checks mime rep" "DNSBL none" "URIBL none" -- --rcpt b@good.test
tap_is "$(ids)" "" "URIBL none: no URL lookups"
msg

# --- recipients and sender -------------------------------------------------
run "Checks rcpt" -- --mail-from a@good.test --rcpt b@good.test --rcpt c@gmial.com \
	--rcpt d@nullmx.test --rcpt e@nomx.test --rcpt f@gone.good.test --rcpt 'g@-bad-.test'
tap_is "$(ids)" "rcpt-domain-dead rcpt-domain-dead rcpt-domain-typo rcpt-null-mx rcpt-syntax" \
	"typo, Null MX, no MX nor A, no such domain, bad syntax; the good domain is quiet"
tap_like "$(field rcpt-domain-typo .summary)" "gmial.com looks like a typo of gmail.com" \
	"the typo names the likely domain"
tap_like "$(field rcpt-null-mx '.predicted[].reply')" "^556 5.1.10 " "Null MX: 556 5.1.10 (RFC 7505)"
tap_like "$(field rcpt-domain-dead .summary)" "nomx.test has neither MX nor A record.*gone.good.test does not exist" \
	"dead domains say why"
tap_is "$rc" 1 "recipient problems tag"
run "Checks rcpt" "SkipRecipientDomains nomx.test" -- --rcpt e@nomx.test
tap_is "$(ids)" "" "SkipRecipientDomains are not looked up"
run "Checks rcpt" -- --mail-from noreply@app.gone.good.test --rcpt b@yahoo.com
tap_is "$(ids)" "rcpt-sender-unresolvable" "an unresolvable MAIL FROM domain"
tap_like "$(field rcpt-sender-unresolvable '.predicted[].reply')" "unresolvable RFC.5321 from domain" \
	"Yahoo's reply is predicted (to yahoo.com)"
tap_is "$rc" 2 "an unresolvable sender is held"
run "Checks rcpt" -- --mail-from noreply@nomx.test --rcpt b@good.test
tap_is "$(ids)" "rcpt-sender-no-mx" "a sender domain with neither MX nor A"
tap_is "$rc" 1 "a sender domain without MX is a tag, not a hold"

# --- the milter's background thread ---------------------------------------
if [ -x "$milter" ]; then
	printf '%s\n' "Socket unix:$WORKDIR/m.sock" "Syslog no" "HeldLog none" \
		"Nameservers $NSD_ADDR" "Checks format size rep" "DNSBL zen.spamhaus.org" \
		"EgressAddress 198.18.0.20" >"$WORKDIR/milter.conf"
	"$milter" -f -c "$WORKDIR/milter.conf" 2>"$WORKDIR/milter.log" &
	mpid=$!
	add_cleanup "kill $mpid 2>/dev/null"
	tap_check "milter: egress state logged at start" \
		wait_for_log "$WORKDIR/milter.log" "reputation: egress addresses clean" 20
	# a reload that adds a listed address: the new round runs at once,
	# not an hour later
	sed -i 's/^EgressAddress .*/EgressAddress 198.18.0.10/' "$WORKDIR/milter.conf"
	kill -USR1 "$mpid"
	tap_check "milter: a reload re-checks at once and logs the listing" \
		wait_for_log "$WORKDIR/milter.log" "reputation: egress 198.18.0.10 is on Spamhaus SBL" 20
	kill "$mpid"
	wait "$mpid" 2>/dev/null
	tap_check "milter: stops cleanly with the thread running" \
		grep -q "stopped" "$WORKDIR/milter.log"
else
	tap_diag "preflight-milter not built: background thread not tested"
fi
tap_done

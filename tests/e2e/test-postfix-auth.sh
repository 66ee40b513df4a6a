#!/bin/bash
# tests/e2e/test-postfix-auth.sh - our own sending identity, end to end:
# preflight-milter behind a private Postfix, resolving through a real nsd
# on 127.0.0.1 that serves the senders' SPF, DKIM and DMARC records.
#
#   1. an unsigned message from bad.test, whose SPF (-all) leaves out the
#      egress address and whose DMARC says p=reject, is held, and its
#      findings predict Gmail's 550-5.7.26 (it goes to a gmail.com
#      recipient: predictions are the destinations' providers');
#   2. a message signed at test time for good.test (SPF covers the egress
#      address, DMARC p=reject, aligned) is delivered with no finding;
#   3. with nsd stopped, a message from a domain not yet in the cache is
#      answered within DNSTimeout plus a margin, with temperror findings,
#      and is not held: a DNS outage never holds mail.
# TAP output; skips like test-postfix.sh.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/postfix-env.sh"

top_builddir=${top_builddir:-$(cd "$here/../.." && pwd)}
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
MILTER=$top_builddir/milter/preflight-milter
CLI=$top_builddir/tools/preflight
SIGNER=$top_builddir/tests/dns/dkim-eval
EGRESS=192.0.2.10
DNS_TIMEOUT=2

if [ "${PREFLIGHT_DISTCHECK:-}" = 1 ]; then
	tap_skip_all "PREFLIGHT_DISTCHECK=1 (no private Postfix inside distcheck)"
fi
[ "$(id -u)" = 0 ] || tap_skip_all "needs root to start a private Postfix"
for t in "$PFENV_POSTFIX" "$PFENV_SMTP_SINK" /usr/sbin/postqueue "$SIGNER"; do
	[ -x "$t" ] || tap_skip_all "$t not available"
done
for t in swaks jq openssl dig nsd; do
	command -v "$t" >/dev/null || tap_skip_all "$t not installed"
done

TMPDIR=/tmp tmp_workdir || exit 1
chmod 755 "$WORKDIR"
mkdir "$WORKDIR/state" "$WORKDIR/zones" "$WORKDIR/keys"
chown postfix "$WORKDIR/state"
PF=$WORKDIR/pf
SOCK=$WORKDIR/milter.sock
CONF=$WORKDIR/preflight.conf
MILTER_PID=
TAG=$$.$(date +%s)
. "$here/e2e-lib.sh"
. "$top_srcdir/tests/dns/nsd-env.sh"

# ---- DNS: keys made now, zones for the senders -----------------------------

openssl genrsa -out "$WORKDIR/keys/sel.private" 2048 2>/dev/null ||
	tap_skip_all "openssl cannot make a key"
pub=$(openssl pkey -in "$WORKDIR/keys/sel.private" -pubout -outform DER 2>/dev/null | base64 -w0)
dkim_txt=$(printf 'v=DKIM1; k=rsa; p=%s' "$pub" | fold -w 250 | sed 's/.*/"&"/' | tr '\n' ' ')
{
	zone_header good.test
	echo "@ MX 10 mx"
	echo "mx A 192.0.2.25"
	echo "@ TXT \"v=spf1 ip4:$EGRESS -all\""
	echo "_dmarc TXT \"v=DMARC1; p=reject\""
	echo "sel._domainkey TXT ( $dkim_txt )"
} >"$WORKDIR/zones/good.test.zone"
{
	zone_header bad.test
	echo "@ MX 10 mx"
	echo "mx A 192.0.2.25"
	echo '@ TXT "v=spf1 ip4:198.51.100.7 -all"'
	echo '_dmarc TXT "v=DMARC1; p=reject"'
} >"$WORKDIR/zones/bad.test.zone"
{
	zone_header late.test
	echo "@ MX 10 mx"
	echo "mx A 192.0.2.25"
	echo "@ TXT \"v=spf1 ip4:$EGRESS -all\""
} >"$WORKDIR/zones/late.test.zone"

if nsd_start "$WORKDIR/zones"; then
	tap_ok "nsd serves the test zones at $NSD_ADDR"
else
	tap_fail "nsd serves the test zones"
	tap_done
	exit 1
fi

# ---- Postfix and the milter ------------------------------------------------

e2e_start_postfix

cat >"$CONF" <<CONF
Socket unix:$SOCK
UserID postfix
Syslog no
HeldLog $WORKDIR/state/held.db
PostfixConfigDir $PFENV_CONF
Nameservers $NSD_ADDR
DNSTimeout ${DNS_TIMEOUT}s
EgressAddress $EGRESS
EgressHelo mta.preflight.example.com
LogVerdicts tag hold reject
CONF
if start_milter "$CONF"; then
	tap_ok "preflight-milter listens, resolving through nsd"
else
	tap_fail "preflight-milter listens" "$(tail -20 "$WORKDIR/milter.log")"
	tap_done
	exit 1
fi

# logline QID - the milter's log line for a queue id
logline() {
	grep -E "^preflight-milter: $1: verdict=" "$WORKDIR/milter.log" | tail -1
}

# ---- 1: unauthenticated, DMARC p=reject -> held ----------------------------

mkmsg "$WORKDIR/bad.eml" bad "" bad.test
out=$(send "$WORKDIR/bad.eml" alice@bad.test bob@gmail.com)
qid=$(queued_id "$out")
tap_like "$out" '<- +250 .*queued as' "bad.test: SMTP answer is 250"
if [ -n "$qid" ] && wait_until 10 in_hold "$qid"; then
	tap_ok "bad.test message $qid is held"
else
	tap_fail "bad.test message ${qid:-?} is held" "$(logline "${qid:-none}")"
fi
line=$(logline "${qid:-none}")
tap_like "$line" "verdict=hold .*auth-spf-fail" "log: SPF fails for $EGRESS"
tap_like "$line" "auth-dmarc-reject" "log: DMARC fails under p=reject"
tap_like "$line" "auth-unauthenticated" "log: neither SPF nor DKIM passes"
id=$(held_rows | jq -r --arg q "$qid" 'select(.queue_id == $q) | .id' | head -1)
show=$("$CLI" held show --json -c "$CONF" "${id:-0}" 2>&1)
tap_like "$show" "550-5\\.7\\.26" "held row predicts Gmail's 550-5.7.26"
tap_like "$show" "SPF \\[bad\\.test\\] with ip: \\[$EGRESS\\]" "the prediction names the domain and the egress IP"

# ---- 2: signed and aligned -> delivered, no finding -------------------------

mkmsg "$WORKDIR/good-plain.eml" good "" good.test
"$SIGNER" sign --key "$WORKDIR/keys/sel.private" --domain good.test --selector sel \
    "$WORKDIR/good-plain.eml" >"$WORKDIR/good.eml"
tap_like "$(cat "$WORKDIR/good.eml")" "^DKIM-Signature: .*d=good\\.test" "message signed for good.test"
out=$(send "$WORKDIR/good.eml" alice@good.test)
qid=$(queued_id "$out")
if [ -n "$qid" ] && wait_for_log "$PFENV_MAILLOG" "$qid: .*status=sent" 20; then
	tap_ok "good.test message $qid delivered"
else
	tap_fail "good.test message ${qid:-?} delivered" "$(logline "${qid:-none}")"
fi
tap_like "$(logline "${qid:-none}")" "verdict=accept score=0 findings= " \
    "good.test: accept with no finding at all"

# ---- 3: DNS down -> temperror in time, never held ---------------------------

nsd_stop
mkmsg "$WORKDIR/late.eml" late "" late.test
t0=$(date +%s%N)
out=$(send "$WORKDIR/late.eml" alice@late.test)
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
qid=$(queued_id "$out")
tap_like "$out" '<- +250 .*queued as' "DNS down: SMTP answer is still 250"
if [ "$ms" -le $((DNS_TIMEOUT * 1000 + 3000)) ]; then
	tap_ok "DNS down: answered in $ms ms (DNSTimeout ${DNS_TIMEOUT}s + 3 s margin)"
else
	tap_fail "DNS down: answered in $ms ms, over DNSTimeout + 3 s"
fi
line=$(logline "${qid:-none}")
tap_like "$line" "auth-spf-temperror" "DNS down: SPF is temperror"
tap_like "$line" "auth-dmarc-temperror" "DNS down: DMARC is temperror"
tap_unlike "$line" "verdict=hold|auth-unauthenticated|auth-spf-fail" \
    "DNS down: nothing certain, not held"
if [ -n "$qid" ] && ! in_hold "$qid"; then
	tap_ok "DNS down: $qid is not in the hold queue"
else
	tap_fail "DNS down: ${qid:-?} is not in the hold queue"
fi

stop_milter TERM
tap_done

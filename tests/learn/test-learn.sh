#!/bin/bash
# test-learn.sh - `preflight learn` (lib/learn.c) end to end: a Postfix
# log and a DSN written for this test (tests/data/learn) go into a SQLite
# state; the log is read incrementally (a second run learns nothing, an
# appended line is learned, a rotated file is read from the start); then
# `preflight check` flags the learned hard-bounced recipient with the
# evidence and holds the message, raises the finding that predicts what
# Gmail refused (format-date-missing, after a notcompliantrfc bounce), and
# preflight-milter holds a message to the learned recipient; a domain with
# several learned hard bounces is tagged (rcpt-domain-bouncing).  Finally,
# learn reads every bounce of $PREFLIGHT_CORPUS/sisimai-set-of-emails
# (skipped with a note when absent) without a failure.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

pf=$top_builddir/tools/preflight
milter=$top_builddir/milter/preflight-milter
data=$top_srcdir/tests/data/learn
for tool in jq nsd dig; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || tap_skip_all "$tool not installed"
done
tmp_workdir
. "$top_srcdir/tests/dns/nsd-env.sh"
mkdir -p "$WORKDIR/zones"
{ zone_header dead.test; echo '@ MX 10 mx'; echo 'mx A 192.0.2.5'; } >"$WORKDIR/zones/dead.test.zone"
nsd_start "$WORKDIR/zones" || tap_skip_all "nsd did not start"

CONF=$WORKDIR/p.conf
printf '%s\n' "StateBackend sqlite:$WORKDIR/state.db" "HeldLog none" "Nameservers $NSD_ADDR" \
	"DNSTimeout 3" "Checks format size rcpt" >"$CONF"
learn() { "$pf" learn -c "$CONF" --json "$@" 2>"$WORKDIR/err"; }

# --- a log, incrementally ---------------------------------------------------
cp "$data/maillog-1" "$WORKDIR/mail.log"
out=$(learn --log "$WORKDIR/mail.log")
tap_is "$(jq -c '[.rejections, .temporary, .hard_bounces, .counted]' <<<"$out")" "[3,1,1,2]" \
	"log: 3 rejections (the sent line is none), 1 temporary, 1 hard bounce, 2 counted"
tap_is "$(cat "$WORKDIR/err")" "" "log: nothing on stderr"
out=$(learn --log "$WORKDIR/mail.log")
tap_is "$(jq .rejections <<<"$out")" 0 "log again: nothing new is learned twice"
cat "$data/maillog-2" >>"$WORKDIR/mail.log"
printf 'Nov 30 11:00:09 relay postfix/smtp[2209]: 5B1B2C3D99: to=<half' >>"$WORKDIR/mail.log"
out=$(learn --log "$WORKDIR/mail.log")
tap_is "$(jq -c '[.rejections, .hard_bounces]' <<<"$out")" "[1,1]" \
	"log appended: only the new complete line (a half-written one waits)"
mv "$WORKDIR/mail.log" "$WORKDIR/mail.log.1"
cp "$data/maillog-2" "$WORKDIR/mail.log"
out=$(learn --log "$WORKDIR/mail.log")
tap_is "$(jq .rejections <<<"$out")" 1 "log rotated: the new file is read from the start"

# --- a bounce message on stdin --------------------------------------------
out=$(learn <"$data/dsn.eml")
tap_is "$(jq -c '[.rejections, .hard_bounces]' <<<"$out")" "[1,1]" "DSN on stdin: one hard bounce"
learn </dev/null >/dev/null
tap_is "$?" 0 "empty stdin: nothing learned, exit 0"
"$pf" learn -c "$CONF" --log "$WORKDIR/no-such.log" >/dev/null 2>&1
tap_is "$?" 66 "a missing log: exit 66"

# --- what scans make of it ----------------------------------------------------
msg() {
	printf 'From: App <app@good.test>\r\nTo: %s\r\nSubject: s\r\n' "$1"
	[ -n "${2:-}" ] || printf 'Date: %s\r\n' "$(date -R)"
	printf 'Message-ID: <%s@good.test>\r\n\r\nhello\r\n' "$RANDOM"
}
msg gone@dead.test >"$WORKDIR/m.eml"
out=$("$pf" check -c "$CONF" --json --rcpt gone@dead.test "$WORKDIR/m.eml")
rc=$?
tap_is "$(jq -r '[.findings[].id] | sort | join(" ")' <<<"$out")" \
	"rcpt-domain-bouncing rcpt-hard-bounced" \
	"a learned hard bounce flags its recipient; 4 of its domain make the domain suspect"
tap_like "$(jq -r '.findings[] | select(.id == "rcpt-domain-bouncing") | .summary' <<<"$out")" \
	"^dead.test: 4 hard bounces in the last 30 days" "the domain's count is the evidence"
tap_like "$(jq -r '.findings[0].summary' <<<"$out")" \
	"^<gone@dead.test> hard-bounced on [0-9-]+ [0-9:]+ UTC: userunknown \\(5.1.1, generic\\)" \
	"the finding carries the evidence: date, reason, status"
tap_is "$rc" 2 "and the message is held"
out=$("$pf" check -c "$CONF" --json --rcpt GONE@dead.test "$WORKDIR/m.eml")
tap_is "$(jq -r '[.findings[].id] | sort | join(" ")' <<<"$out")" \
	"rcpt-domain-bouncing rcpt-hard-bounced" "addresses are compared without case"
out=$("$pf" check -c "$CONF" --json --rcpt former@dead.test --rcpt alive@dead.test "$WORKDIR/m.eml")
tap_like "$(jq -r '.findings[].summary' <<<"$out")" "^<former@dead.test> hard-bounced" \
	"the DSN's recipient is flagged; the other is not"

msg carol@gmail.com nodate >"$WORKDIR/nodate.eml"
out=$("$pf" check -c "$CONF" --json --rcpt carol@gmail.com "$WORKDIR/nodate.eml")
tap_is "$(jq -r '.findings[] | select(.id == "format-date-missing") | .score' <<<"$out")" 8 \
	"Gmail refused a message as not RFC 5322 compliant: format-date-missing 3 + 5"
tap_like "$(jq -r '.findings[] | select(.id == "format-date-missing") | .summary' <<<"$out")" \
	"gmail refused 1 message for notcompliantrfc in the last 30 days \\(learned from bounces\\)" \
	"the raised finding says why"
out=$("$pf" check -c "$CONF" --json --rcpt someone@dead.test "$WORKDIR/nodate.eml")
tap_is "$(jq -r '.findings[] | select(.id == "format-date-missing") | .score' <<<"$out")" 3 \
	"to another receiver the same finding keeps its score"

# --- the milter holds a message to a learned recipient --------------------
if [ -x "$milter" ] && command -v miltertest >/dev/null; then
	printf '%s\n' "Socket unix:$WORKDIR/m.sock" "Syslog no" "LogVerdicts tag hold reject" \
		>>"$CONF"
	"$milter" -f -c "$CONF" 2>"$WORKDIR/milter.log" &
	mpid=$!
	add_cleanup "kill $mpid 2>/dev/null"
	wait_for_log "$WORKDIR/milter.log" "starting .* on unix:" 20
	out=$(env MT_SOCKET="unix:$WORKDIR/m.sock" MT_DIR="$top_srcdir/tests/milter" MT_COUNT=1 \
		MT_USER=app MT_LAST=hold MT_RCPT=nobody@dead.test \
		MT_REASON="rcpt-hard-bounced, rcpt-domain-bouncing" \
		miltertest -s "$top_srcdir/tests/rate/burst.lua" 2>&1)
	tap_is "$?" 0 "milter: a message to a learned recipient is held (rcpt-hard-bounced)" "$out"
	kill "$mpid"
else
	tap_diag "preflight-milter or miltertest missing: milter part skipped"
fi

# --- the sisimai bounces ------------------------------------------------------
CORPUS=${PREFLIGHT_CORPUS:-$top_srcdir/../shared/corpus}/sisimai-set-of-emails/maildir/bsd
if [ -d "$CORPUS" ]; then
	printf '%s\n' "StateBackend sqlite:$WORKDIR/corpus.db" "HeldLog none" >"$WORKDIR/c.conf"
	n=0 bad=0 hard=0 seen=0
	for f in "$CORPUS"/*.eml; do
		n=$((n + 1))
		if ! out=$("$pf" learn -c "$WORKDIR/c.conf" --json <"$f" 2>&1); then
			bad=$((bad + 1))
			tap_diag "learn failed on ${f##*/}: $(head -c 200 <<<"$out")"
			continue
		fi
		seen=$((seen + $(jq .rejections <<<"$out")))
		hard=$((hard + $(jq .hard_bounces <<<"$out")))
	done
	tap_is "$bad" 0 "sisimai: learn reads all $n bounces"
	tap_diag "sisimai: $seen rejections learned, $hard hard bounces flagged"
	tap_check "sisimai: hard bounces were found ($hard)" [ "$hard" -gt 100 ]
	tap_is "$(sqlite3 "$WORKDIR/corpus.db" "SELECT COUNT(*) FROM kv WHERE key LIKE 'bounce:%'")" \
		"$(sqlite3 "$WORKDIR/corpus.db" "SELECT COUNT(DISTINCT key) FROM kv WHERE key LIKE 'bounce:%'")" \
		"sisimai: one row per flagged recipient"
else
	tap_diag "sisimai corpus not found at $CORPUS: corpus part skipped"
fi
tap_done

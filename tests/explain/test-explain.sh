#!/bin/bash
# test-explain.sh - `preflight explain`: a reply given as arguments or on
# stdin, bounce files (tests/data/explain), a mail log with and without
# --summary, --json, --rcpt/--host, and the exit statuses (0 explained,
# 1 no rejection, 64 usage, 66 no input, 78 config).
. "$top_srcdir/tests/lib.sh"

command -v jq >/dev/null || tap_skip_all "jq not installed"
PF=$top_builddir/tools/preflight
DATA=$top_srcdir/tests/data/explain
export PREFLIGHT_PROFILE_DIR=${PREFLIGHT_PROFILE_DIR:-$top_srcdir/share/profiles}
tmp_workdir
CONF=$WORKDIR/empty.conf
: >"$CONF"

# run ARGS... - run preflight explain; output in $out, status in $rc
run() {
	out=$("$PF" explain -c "$CONF" "$@" 2>"$WORKDIR/err")
	rc=$?
}

GMAIL_AUTH='550-5.7.26 This email has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM.'

# --- a reply as arguments
run $GMAIL_AUTH
tap_is "$rc" 0 "reply as arguments: exit 0"
tap_like "$out" '^provider: +gmail' "reply as arguments: provider"
tap_like "$out" '^reply: +550 5\.7\.26' "reply as arguments: code and status"
tap_like "$out" '^reason: +authfailure' "reply as arguments: reason"
tap_like "$out" '^caught by: +.*check_spf' "reply as arguments: the catching check"
tap_like "$out" '^doc: +https://' "reply as arguments: documentation link"

run --json "$GMAIL_AUTH"
tap_is "$rc" 0 "--json: exit 0"
tap_is "$(printf '%s' "$out" | jq -r '[.provider, .reply_code, .status, .reason] | join(" ")')" \
	"gmail 550 5.7.26 authfailure" "--json: the contract's fields"
tap_is "$(printf '%s' "$out" | jq -r '.caught_by | index("check_spf") != null')" true \
	"--json: caught_by names check_spf"
tap_is "$(printf '%s' "$out" | jq -r '.findings | length > 0')" true "--json: finding ids"

# --- stdin
out=$(printf '%s\n' "550 5.1.1 <a@example.org>: Recipient address rejected: User unknown (in reply to RCPT TO command)" |
	"$PF" explain -c "$CONF" --json -)
tap_is "$(printf '%s' "$out" | jq -r '.reason + " " + .command')" "userunknown RCPT" \
	"reply on stdin"
tap_is "$(printf '%s' "$out" | jq -c '.caught_by')" "[]" "an unknown user: caught by no check"
run "550 5.1.1 user unknown"
tap_like "$out" 'caught by: +none: after-the-fact only' "text says after-the-fact only"

# --- provider from --host and --rcpt
run --json --host aspmx.l.google.com "550 5.1.1 The email account that you tried to reach does not exist."
tap_is "$(printf '%s' "$out" | jq -r .provider)" gmail "--host: provider by MX pattern"
run --json --rcpt someone@outlook.com "550 5.1.1 user unknown"
tap_is "$(printf '%s' "$out" | jq -r '.provider + " " + .recipient')" "microsoft someone@outlook.com" \
	"--rcpt: provider by recipient domain"

# --- blocklists
run --json "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1"
tap_is "$(printf '%s' "$out" | jq -r '[.reason, .blocklist.name, .blocklist.item, .blocklist.refused] | join(" ")')" \
	"blocked Spamhaus ZEN 192.0.2.1 false" "Spamhaus listing: list and item"
run --json "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; Error: open resolver; https://www.spamhaus.org/returnc/pub/203.0.113.1 (127.255.255.254)"
tap_is "$(printf '%s' "$out" | jq -r .blocklist.refused)" true "127.255.255.254: query refused"
tap_like "$(printf '%s' "$out" | jq -r .cause)" "says nothing about whether" \
	"refused query: the cause says it is no listing"

# --- bounces
run --json --file "$DATA/postfix-dsn.eml"
tap_is "$rc" 0 "DSN file: exit 0"
tap_is "$(printf '%s' "$out" | jq -r 'map(.recipient + "=" + .reason) | join(" ")')" \
	"alice@gmail.com=authfailure bob@example.org=userunknown" "DSN file: each recipient"
out=$("$PF" explain -c "$CONF" --json - <"$DATA/exim-free.eml")
tap_is "$(printf '%s' "$out" | jq -r 'map(.recipient + "=" + .reason) | join(" ")')" \
	"carol@example.net=userunknown dave@example.net=mailboxfull" "free-form bounce on stdin"
run --file "$DATA/arf.eml"
tap_like "$out" '^reason: +feedback' "ARF report: feedback"
run --file "$DATA/autoreply.eml"
tap_like "$out" '^reason: +vacation' "automatic reply: vacation"

# --- logs
run --json --log "$DATA/mail.log"
tap_is "$rc" 0 "--log: exit 0"
tap_is "$(printf '%s' "$out" | jq -r length)" 9 "--log: nine rejections"
tap_is "$(printf '%s' "$out" | jq -r '.[0].when + " / " + .[0].remote_host')" \
	"May  7 10:15:02 / gmail-smtp-in.l.google.com" "--log: timestamp and relay"
out=$("$PF" explain -c "$CONF" --json --log - <"$DATA/mail.log")
tap_is "$(printf '%s' "$out" | jq -r length)" 9 "--log - reads stdin"
run --json --file "$DATA/mail.log"
tap_is "$(printf '%s' "$out" | jq -r length)" 9 "--file recognises a log"
run --log "$DATA/mail.log" --summary
tap_like "$out" 'Most harmful first' "--summary: ranking"
tap_like "$out" 'Period: May  7 10:15:02 \.\. May  7 10:25:00' "--summary: period"
run --json --log "$DATA/mail.log" --summary
tap_is "$(printf '%s' "$out" | jq -r '[.total, .temporary, .by_reason[0].reason, .by_provider[0].provider] | join(" ")')" \
	"9 2 blocked generic" "--summary --json: totals and the worst reason"

# --- no rejection: exit 1
run "250 2.0.0 Ok: queued as 4F2A"
tap_is "$rc" 1 "a 250 reply: exit 1"
tap_is "$out" "no rejection found" "a 250 reply: says so"
run --json --file "$DATA/not-bounce.eml"
tap_is "$rc:$out" "1:[]" "an ordinary message: exit 1, []"
run --file "$DATA/delivered.eml"
tap_is "$rc" 1 "a delivery report: exit 1"

# --- usage, input and config errors
run
tap_is "$rc" 64 "no argument: exit 64"
run --bogus x
tap_is "$rc" 64 "unknown option: exit 64"
run --file "$DATA/arf.eml" --log "$DATA/mail.log"
tap_is "$rc" 64 "--file with --log: exit 64"
run --log "$DATA/mail.log" "550 x"
tap_is "$rc" 64 "--log with a reply text: exit 64"
run --file "$WORKDIR/missing.eml"
tap_is "$rc" 66 "missing file: exit 66"
run --log "$WORKDIR/missing.log"
tap_is "$rc" 66 "missing log: exit 66"
"$PF" explain -c "$CONF" - </dev/null >/dev/null 2>&1
tap_is "$?" 66 "empty stdin: exit 66"
"$PF" explain -c "$WORKDIR/missing.conf" "550 x" >/dev/null 2>&1
tap_is "$?" 78 "missing config: exit 78"
run --help
tap_is "$rc" 0 "--help: exit 0"
tap_like "$out" '^Usage: preflight explain' "--help: usage"
tap_like "$("$PF" --help)" 'explain' "preflight --help lists explain"

# --- remote text cannot drive the terminal
run "$(printf '550 5.7.1 evil \033]0;title\007 reply')"
tap_unlike "$out" "$(printf '\033')" "escape characters are not printed"

tap_done

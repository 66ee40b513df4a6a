#!/bin/bash
# test-text.sh - the text check through `preflight check --json` (Checks
# text) on messages written here: one that shows each finding and one
# that must not.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

PF=$top_builddir/tools/preflight
[ -x "$PF" ] || tap_skip_all "preflight not built"
command -v jq >/dev/null || tap_skip_all "jq not installed"

tmp_workdir
CONF=$WORKDIR/preflight.conf
printf 'Checks text\nHeldLog none\n' >"$CONF"
if [ -f "$top_srcdir/tests/lsan.supp" ]; then
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	export LSAN_OPTIONS
fi

# run NAME - check $WORKDIR/NAME.eml; the sorted finding ids go to $WORKDIR/ids
run() {
	timeout 10 "$PF" check -c "$CONF" --json "$WORKDIR/$1.eml" >"$WORKDIR/out" 2>"$WORKDIR/err"
	RC=$?
	if [ "$RC" -gt 4 ] || grep -qE 'Sanitizer|runtime error' "$WORKDIR/err"; then
		tap_fail "$1: a verdict, no sanitizer report (exit $RC)" "$(head -c 1500 "$WORKDIR/err")"
		: >"$WORKDIR/ids"
		return 1
	fi
	jq -r '.findings[].id' "$WORKDIR/out" | sort -u >"$WORKDIR/ids"
}

# expect NAME ID... - each ID is among the findings; "!ID" is not
expect() {
	local name=$1
	shift
	run "$name" || return
	tap_ids "$name" "$WORKDIR/ids" "$WORKDIR/out" "$@"
}

# summary NAME ID REGEX - the summary of finding ID (of the last run) matches REGEX
summary() {
	tap_like "$(jq -r --arg id "$2" '.findings[] | select(.id == $id) | .summary' \
	    "$WORKDIR/out")" "$3" "$1: $2 summary shows the evidence"
}

# msg NAME FROM SUBJECT [HEADER...] - a message with the body from stdin
msg() {
	local name=$1 from=$2 subject=$3 h
	shift 3
	{
		printf 'From: %s\nTo: b@example.org\nSubject: %s\n' "$from" "$subject"
		printf 'Date: Mon, 3 Mar 2025 10:00:00 +0000\nMessage-ID: <%s@example.com>\n' "$name"
		for h in "$@"; do printf '%s\n' "$h"; done
		printf 'MIME-Version: 1.0\n'
		cat
	} >"$WORKDIR/$name.eml"
}

ME='Alice <alice@example.com>'
PLAIN='Content-Type: text/plain; charset=utf-8'

# text-subject-caps
msg caps "$ME" 'BIG ANNOUNCEMENT FOR EVERYONE TODAY' "$PLAIN" <<'EOF'

Hello, see the subject.
EOF
expect caps text-subject-caps '!text-punctuation-runs' '!text-spam-phrases'
summary caps text-subject-caps 'BIG ANNOUNCEMENT FOR EVERYONE TODAY'
msg nocaps "$ME" 'Meeting notes: NATO, IBM and the USA' "$PLAIN" <<'EOF'

Notes attached.
EOF
expect nocaps '!text-subject-caps'
msg shortcaps "$ME" 'FYI: NEW URL' "$PLAIN" <<'EOF'

Short.
EOF
expect shortcaps '!text-subject-caps'

# text-punctuation-runs, in the subject and in HTML text
msg punct "$ME" 'Great news!!!' "$PLAIN" <<'EOF'

Hello.
EOF
expect punct text-punctuation-runs
summary punct text-punctuation-runs '"!!!" in the subject'
msg punct-html "$ME" 'Offer' 'Content-Type: text/html' <<'EOF'

<html><body><p>Earn <b>$$$$</b> from home</p></body></html>
EOF
expect punct-html text-punctuation-runs
summary punct-html text-punctuation-runs '"\$\$\$\$" in the text'
msg nopunct "$ME" 'Really? Yes!' "$PLAIN" <<'EOF'

Is it ready? Yes! It costs $5... or so.
EOF
expect nopunct '!text-punctuation-runs'

# text-spam-phrases: two distinct ones, across a folded line and a tag
msg phrases "$ME" 'Your account' 'Content-Type: text/html' <<'EOF'

<html><body><p>You are a WINNER. Act
<b>now</b> to get it.</p></body></html>
EOF
expect phrases text-spam-phrases
summary phrases text-spam-phrases '"act now", "winner"'
msg onephrase "$ME" 'Results' "$PLAIN" <<'EOF'

The winner of the chess club contest gets a cup. Please contact now-retired
Bob for details; the winners list is attached.
EOF
expect onephrase '!text-spam-phrases'

# text-display-name-impersonation
msg imp '"support@paypal.com" <notice@secure-mailer.net>' 'Account notice' "$PLAIN" <<'EOF'

Please verify.
EOF
expect imp text-display-name-impersonation '!text-freemail-from'
summary imp text-display-name-impersonation 'support@paypal\.com.*paypal\.com.*secure-mailer\.net'
msg imp2 '=?utf-8?q?PayPal.com_Service?= <notice@secure-mailer.net>' 'Hi' "$PLAIN" <<'EOF'

Hi.
EOF
expect imp2 text-display-name-impersonation
msg noimp '"Amazon.com" <store-news@mail.amazon.com>' 'Deals' "$PLAIN" <<'EOF'

Hi.
EOF
expect noimp '!text-display-name-impersonation'
msg noimp2 '"J.Smith, Inc." <js@example.org>' 'Hello' "$PLAIN" <<'EOF'

Hi.
EOF
expect noimp2 '!text-display-name-impersonation'

# text-freemail-from
msg free 'Bob <bob.sender@gmail.com>' 'Hello' "$PLAIN" <<'EOF'

Hi.
EOF
expect free text-freemail-from
tap_is "$(jq -r '.findings[] | select(.id == "text-freemail-from") | .category' "$WORKDIR/out")" \
	auth "free: text-freemail-from is in category auth"
msg free2 'bob@yahoo.co.uk' 'Hello' "$PLAIN" <<'EOF'

Hi.
EOF
expect free2 text-freemail-from
msg nofree 'bob@gmail.com.example.net' 'Hello' "$PLAIN" <<'EOF'

Hi.
EOF
expect nofree '!text-freemail-from'

# bulk-no-visible-unsubscribe
msg bulk "$ME" 'Newsletter' 'List-Unsubscribe: <https://example.com/u/1>' \
	'Content-Type: multipart/alternative; boundary="b"' <<'EOF'

--b
Content-Type: text/plain

News of the week.
--b
Content-Type: text/html

<p>News of the week.</p>
--b--
EOF
expect bulk bulk-no-visible-unsubscribe
summary bulk bulk-no-visible-unsubscribe 'List-Unsubscribe header'
msg bulk-ok "$ME" 'Newsletter' 'Precedence: bulk' 'Content-Type: text/html' <<'EOF'

<p>News.</p><p><a href="https://example.com/u/1">Click to stop these</a></p>
<p><a href="https://example.com/prefs?action=unsubscribe&amp;id=1">Manage</a></p>
EOF
expect bulk-ok '!bulk-no-visible-unsubscribe'
msg bulk-de "$ME" 'Newsletter' 'List-Id: <news.example.com>' "$PLAIN" <<'EOF'

Nachrichten.  Hier abmelden: https://example.com/a
EOF
expect bulk-de '!bulk-no-visible-unsubscribe'
msg notbulk "$ME" 'Hello' "$PLAIN" <<'EOF'

A personal note.
EOF
expect notbulk '!bulk-no-visible-unsubscribe'
tap_is "$RC:$(tr '\n' ' ' <"$WORKDIR/ids")" "0:" "notbulk: accepted, no findings"

tap_done

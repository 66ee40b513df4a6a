#!/bin/bash
# test-html.sh - the html and url checks through `preflight check --json`
# (Checks html url) on the messages in tests/data/html/ and on hostile
# HTML built here: 100k nested <div> and badly broken markup must give a
# verdict within 10 s, with no crash and no sanitizer report.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

PF=$top_builddir/tools/preflight
DATA=$top_srcdir/tests/data/html
[ -x "$PF" ] || tap_skip_all "preflight not built"
command -v jq >/dev/null || tap_skip_all "jq not installed"
command -v timeout >/dev/null || tap_skip_all "timeout(1) not installed"

tmp_workdir
CONF=$WORKDIR/preflight.conf
printf 'Checks html url\nHeldLog none\n' >"$CONF"
if [ -f "$top_srcdir/tests/lsan.supp" ]; then
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	export LSAN_OPTIONS
fi

# run FILE [CHECK-ARGS...] - check FILE; the sorted finding ids go to $WORKDIR/ids
run() {
	local name=$(basename "$1") file=$1

	shift
	timeout 10 "$PF" check -c "$CONF" --json "$@" "$file" >"$WORKDIR/out" 2>"$WORKDIR/err"
	RC=$?
	if [ "$RC" -gt 4 ]; then
		tap_fail "$name: verdict within 10 s (exit $RC)" "$(head -c 600 "$WORKDIR/err")"
		: >"$WORKDIR/ids"
		return 1
	fi
	if grep -qE 'Sanitizer|runtime error' "$WORKDIR/err"; then
		tap_fail "$name: no sanitizer report" "$(head -c 1500 "$WORKDIR/err")"
	else
		tap_ok "$name: verdict $RC, no sanitizer report"
	fi
	jq -r '.findings[].id' "$WORKDIR/out" | sort -u >"$WORKDIR/ids"
}

# expect FILE ID... - each ID is among the findings; "!ID" is not
expect() {
	local name=$(basename "$1")
	shift
	tap_ids "$name" "$WORKDIR/ids" "$WORKDIR/out" "$@"
}

# summary FILE ID REGEX - the summary of finding ID matches REGEX
summary() {
	tap_like "$(jq -r --arg id "$2" '.findings[] | select(.id == $id) | .summary' \
	    "$WORKDIR/out")" "$3" "$(basename "$1"): $2 summary shows the evidence"
}

f=$DATA/phish.eml
run "$f" --rcpt bob@yahoo.com	# predictions are the destination's: Yahoo's
expect "$f" html-link-mismatch html-hidden-text html-script html-form html-iframe \
	html-javascript-url html-remote-images url-shortener url-ip-literal \
	'!html-no-text-alternative' '!html-image-heavy' '!html-broken' '!url-many-domains'
summary "$f" html-link-mismatch 'www\.paypal\.com.*evil-login\.example\.net'
summary "$f" url-shortener 'http://bit\.ly/abc123 in part 1'
summary "$f" html-hidden-text 'display:none'
tap_is "$(jq -r '[.findings[] | select(.id == "html-link-mismatch") | .predicted[].reply]
    | join(" ")' "$WORKDIR/out")" "554 Message not allowed - [PH01] Email not accepted for policy reasons" \
	"phish.eml: link mismatch predicts Yahoo PH01"

f=$DATA/html-only.eml
run "$f"
expect "$f" html-no-text-alternative html-image-heavy html-remote-images url-unrelated-domains \
	'!html-link-mismatch' '!html-hidden-text'

f=$DATA/clean.eml
run "$f"
tap_is "$RC:$(tr '\n' ' ' <"$WORKDIR/ids")" "0:" "clean.eml: accepted, no findings"

f=$DATA/many-domains.eml
run "$f"
expect "$f" url-many-domains url-unrelated-domains '!url-shortener' '!url-ip-literal'
summary "$f" url-many-domains '^12 distinct link domains'

# hostile: 100k nested <div>, then markup in pieces
gen() {
	printf 'From: a@example.com\r\nTo: b@example.org\r\nSubject: x\r\n'
	printf 'Date: Mon, 3 Mar 2025 10:00:00 +0000\r\nMessage-ID: <%s@example.com>\r\n' "$1"
	printf 'MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<html><body>'
	awk -v n="$2" -v u="$3" 'BEGIN { for (i = 0; i < n; i++) printf "%s", u; print "" }'
}
gen deep 100000 '<div>' >"$WORKDIR/deep.eml"
start=$(date +%s)
run "$WORKDIR/deep.eml"
tap_check "deep.eml: done in $(( $(date +%s) - start )) s" test $(( $(date +%s) - start )) -lt 10
expect "$WORKDIR/deep.eml" html-too-large

gen broken 400 '<p></x><</y>&#xfffffff;<td></tr>' >"$WORKDIR/broken.eml"
run "$WORKDIR/broken.eml"
expect "$WORKDIR/broken.eml" html-broken

tap_done

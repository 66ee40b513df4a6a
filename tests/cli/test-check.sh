#!/bin/bash
# test-check - `preflight check` (and findings, keys) end to end on the
# fixtures in tests/data/cli: verdicts, exit statuses, the --json contract,
# recipients taken from To/Cc, and the errors for bad input and config.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"

pf="$top_builddir/tools/preflight"
data="$top_srcdir/tests/data/cli"
now=1714989660		# one minute after the fixtures' Date:

command -v jq >/dev/null 2>&1 || tap_skip_all "jq is not installed"
[ -x "$pf" ] || tap_skip_all "$pf is not built"
tmp_workdir

# run ARGS... - run preflight check with the pinned clock; sets out, err, rc
run() {
	out=$("$pf" check --now "$now" "$@" 2>"$WORKDIR/stderr")
	rc=$?
	err=$(cat "$WORKDIR/stderr")
}

# conf NAME LINES... - write a config file, print its path.  These tests
# are about format and size: the authentication checks (and their DNS
# lookups) are off here and tested against a local nsd in tests/dns.
conf() {
	local f="$WORKDIR/$1"
	shift
	printf '%s\n' "Checks format size" "$@" >"$f"
	echo "$f"
}
empty=$(conf empty.conf "# defaults only")

# A clean message: accept, exit 0, no findings.
run -c "$empty" --json "$data/clean.eml"
tap_is "$rc" 0 "clean message exits 0"
tap_is "$(jq -r .verdict <<<"$out")" accept "clean message: verdict accept"
tap_is "$(jq -r '.findings | length' <<<"$out")" 0 "clean message: no findings"
tap_is "$(jq -r 'keys | join(",")' <<<"$out")" "findings,score,verdict" \
	"--json has exactly verdict, score, findings"
tap_is "$(jq -r '.score | type' <<<"$out")" number "score is a number"

# Two From: headers: hold, exit 2, format-from-count with the contract fields.
run -c "$empty" --json "$data/two-from.eml"
tap_is "$rc" 2 "two From headers exit 2"
tap_is "$(jq -r .verdict <<<"$out")" hold "two From headers: verdict hold"
tap_is "$(jq -r '[.findings[].id] | index("format-from-count") != null' <<<"$out")" true \
	"format-from-count is in the findings"
f=$(jq -c '.findings[] | select(.id == "format-from-count")' <<<"$out")
tap_is "$(jq -r 'keys | join(",")' <<<"$f")" "category,id,predicted,remedy,score,summary" \
	"a finding has id, category, score, summary, remedy, predicted"
tap_is "$(jq -r '.category + " " + (.score | tostring)' <<<"$f")" "format 10" \
	"format-from-count: category format, score 10"
tap_is "$(jq -r '.predicted | map(has("provider") and has("reply")) | all' <<<"$f")" true \
	"predicted replies have provider and reply"
tap_like "$(jq -r '.score' <<<"$out")" '^[0-9]+(\.[0-9]+)?$' "total score printed"

# The same message in human form, sent to Gmail: predictions are the
# destinations' (To: example.com alone would be generic's, none here).
run -c "$empty" --rcpt bob@gmail.com "$data/two-from.eml"
tap_is "$rc" 2 "human output: exit 2"
tap_like "$out" '^verdict: hold' "human output starts with the verdict"
tap_like "$out" '^score: [0-9]' "human output has the score"
tap_like "$out" '^format-from-count \[format, score 10\]$' "human output: id [category, score]"
tap_like "$out" '^  fix: ' "human output: the remedy"
tap_like "$out" '^  predicted: gmail: ' "human output: a predicted reply"

# stdin
out=$("$pf" check --now "$now" -c "$empty" --json - <"$data/two-from.eml")
tap_is "$?" 2 "'-' reads the message from stdin"

# Recipients: from To and Cc without --rcpt (a quoted comma does not split).
two=$(conf two.conf "MaxRecipients 2")
one=$(conf one.conf "MaxRecipients 1")
run -c "$two" --json "$data/two-rcpts.eml"
tap_is "$(jq -r '[.findings[].id] | index("size-too-many-recipients")' <<<"$out")" null \
	"To + Cc give two recipients (not three): within MaxRecipients 2"
run -c "$one" --json "$data/two-rcpts.eml"
tap_is "$(jq -r '[.findings[].id] | index("size-too-many-recipients") != null' <<<"$out")" true \
	"two header recipients exceed MaxRecipients 1"
run -c "$one" --json --rcpt only@example.com "$data/two-rcpts.eml"
tap_is "$(jq -r '[.findings[].id] | index("size-too-many-recipients")' <<<"$out")" null \
	"--rcpt replaces the header recipients"

# Mode observe: check still reports what enforce would do.
obs=$(conf observe.conf "Mode observe")
run -c "$obs" --json "$data/two-from.eml"
tap_is "$rc:$(jq -r .verdict <<<"$out")" "2:hold" "Mode observe: the enforce verdict is shown"

# A bad config: 78, and the error names file:line and the key.
bad=$(conf bad.conf "TagScore 1" "NoSuchKey yes")
run -c "$bad" "$data/clean.eml"
tap_is "$rc" 78 "unknown key: exit 78"
tap_like "$err" "bad\.conf:3:.*NoSuchKey" "the error names file:line and the key"
run -c "$WORKDIR/absent.conf" "$data/clean.eml"
tap_is "$rc" 78 "missing config file: exit 78"

# Input errors: 66.
run -c "$empty" "$WORKDIR/absent.eml"
tap_is "$rc" 66 "missing message file: exit 66"
tap_like "$err" "absent\.eml" "the error names the file"
run -c "$empty" "$WORKDIR"
tap_is "$rc" 66 "a directory as message: exit 66"

# Usage errors: 64.
run -c "$empty"
tap_is "$rc" 64 "no message file: exit 64"
run -c "$empty" "$data/clean.eml" "$data/two-from.eml"
tap_is "$rc" 64 "two message files: exit 64"
run -c "$empty" --no-such-option "$data/clean.eml"
tap_is "$rc" 64 "unknown option: exit 64"
out=$("$pf" check --now yesterday "$data/clean.eml" 2>/dev/null)
tap_is "$?" 64 "bad --now: exit 64"
"$pf" frobnicate >/dev/null 2>&1
tap_is "$?" 64 "unknown command: exit 64"
"$pf" >/dev/null 2>&1
tap_is "$?" 64 "no command: exit 64"

# --help and --version
out=$("$pf" check --help)
tap_is "$?" 0 "check --help exits 0"
tap_like "$out" "--mail-from" "check --help lists the options"
out=$("$pf" --version)
tap_like "$out" "^preflight [0-9]" "--version prints the version"
out=$("$pf" --help)
tap_like "$out" "held list" "--help lists the commands"

# The catalogue and the keys.
out=$("$pf" findings --json)
tap_is "$(jq -r '.[] | select(.id == "format-from-count") | "\(.category) \(.score) \(.certain)"' \
	<<<"$out")" "format 10 true" "findings --json: format-from-count, format, 10, certain"
tap_is "$(jq -r 'map(has("title") and has("remedy") and has("predicted")) | all' <<<"$out")" true \
	"findings --json entries have title, remedy, predicted"
out=$("$pf" findings)
tap_like "$out" '^format-from-count \[format, score 10, certain\]$' "findings: text form"
out=$("$pf" keys)
tap_like "$out" $'^HeldLog\t[a-z]+\t' "keys: name<TAB>type<TAB>default"
tap_like "$out" $'^MaxRecipients\t[a-z]+\t100$' "keys: MaxRecipients default 100"

tap_done

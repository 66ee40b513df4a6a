#!/bin/bash
# test-rules.sh - the admin's rules file end to end: `preflight rules check`
# exit codes and messages, a rule's finding through `preflight check --json`
# (Checks rules, so no DNS), FindingScore on a rule- id turning it into a
# hold, the shipped share/rules.conf, and `preflight-milter -n` refusing a
# broken rules file with its file:line.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

PF=$top_builddir/tools/preflight
MILTER=$top_builddir/milter/preflight-milter
[ -x "$PF" ] || tap_skip_all "preflight not built"
command -v jq >/dev/null || tap_skip_all "jq not installed"
if [ -f "$top_srcdir/tests/lsan.supp" ]; then
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	export LSAN_OPTIONS
fi

tmp_workdir
cat >"$WORKDIR/good.rules" <<'RULES'
# local rules
header:Subject rule-invoice-urgent 3 /urgent invoice/i "Subject pushes an urgent invoice" "Say what the invoice is for."
body rule-gift-cards 4 /\bgift ?cards?\b/i "asks for gift cards"
RULES
printf '# one\n\nbody rule-bad 1 /(unclosed/ "broken"\n' >"$WORKDIR/bad.rules"

out=$("$PF" rules check "$WORKDIR/good.rules" 2>&1)
tap_is "$?" 0 "rules check: a good file exits 0"
tap_is "$out" "2 rules OK" "rules check: says how many rules"
out=$("$PF" rules check "$WORKDIR/bad.rules" 2>&1)
tap_is "$?" 78 "rules check: a bad file exits 78"
tap_like "$out" "^preflight: $WORKDIR/bad.rules:3: bad pattern: missing closing parenthesis" \
	"rules check: the error names file:line"
"$PF" rules check "$WORKDIR/missing.rules" >/dev/null 2>&1
tap_is "$?" 78 "rules check: a missing file exits 78"
"$PF" rules check >/dev/null 2>&1
tap_is "$?" 64 "rules check: no file is a usage error"
out=$("$PF" rules check "$top_srcdir/share/rules.conf" 2>&1)
tap_is "$out" "0 rules OK" "the shipped share/rules.conf parses (all commented out)"
sed -E 's/^#(header|body|uri|rawbody)/\1/' "$top_srcdir/share/rules.conf" >"$WORKDIR/examples.rules"
out=$("$PF" rules check "$WORKDIR/examples.rules" 2>&1)
tap_like "$out" "^[1-9][0-9]* rules OK$" "its examples, uncommented, compile"
tap_like "$("$PF" --help)" "rules check FILE" "--help lists rules check"

cat >"$WORKDIR/msg.eml" <<'MSG'
From: a@sender.example
To: b@rcpt.example
Subject: Urgent invoice 4411
Date: Mon, 3 Mar 2025 10:00:00 +0000
Message-ID: <1@sender.example>

Please buy two gift cards today.
MSG
printf 'Checks rules\nHeldLog none\nRulesFile %s\n' "$WORKDIR/good.rules" >"$WORKDIR/a.conf"
"$PF" check -c "$WORKDIR/a.conf" --json "$WORKDIR/msg.eml" >"$WORKDIR/out" 2>"$WORKDIR/err"
rc=$?
tap_is "$rc" 1 "check: two weak rule hits tag (exit 1)"
tap_is "$(jq -r '[.findings[].id] | join(" ")' "$WORKDIR/out")" \
	"rule-invoice-urgent rule-gift-cards" "check --json: the rules' own ids"
tap_is "$(jq -r '.findings[0].remedy' "$WORKDIR/out")" "Say what the invoice is for." \
	"check --json: the rule's remedy"
tap_is "$(jq -r '.findings[1].category' "$WORKDIR/out")" "content" "category content"
tap_unlike "$(cat "$WORKDIR/err")" "Sanitizer|runtime error" "check: no sanitizer report"

printf 'FindingScore rule-gift-cards 10\n' >>"$WORKDIR/a.conf"
"$PF" check -c "$WORKDIR/a.conf" --json "$WORKDIR/msg.eml" >"$WORKDIR/out" 2>&1
tap_is "$?" 2 "FindingScore rule-gift-cards 10 holds (exit 2)"
tap_is "$(jq -r '.verdict' "$WORKDIR/out")" "hold" "verdict hold"

printf 'FindingScore rule-not-there 10\n' >>"$WORKDIR/a.conf"
out=$("$PF" check -c "$WORKDIR/a.conf" "$WORKDIR/msg.eml" 2>&1)
tap_is "$?" 78 "FindingScore on a rule the file lacks is a config error"
tap_like "$out" "rule-not-there: no such rule" "and names it"

# MaxRegexSteps: a match over the limit is rules-limit, not a stall; 0 is
# refused (every match would fail)
printf 'Checks rules\nHeldLog none\nRulesFile %s\nMaxRegexSteps 1\n' "$WORKDIR/good.rules" \
	>"$WORKDIR/s.conf"
"$PF" check -c "$WORKDIR/s.conf" --json "$WORKDIR/msg.eml" >"$WORKDIR/out" 2>&1
tap_like "$(jq -r '[.findings[].id] | join(" ")' "$WORKDIR/out")" "rules-limit" \
	"MaxRegexSteps 1: the body rule stops at the limit (rules-limit)"
tap_unlike "$(jq -r '[.findings[].id] | join(" ")' "$WORKDIR/out")" "rule-gift-cards" \
	"MaxRegexSteps 1: and does not match"
sed -i 's/^MaxRegexSteps 1$/MaxRegexSteps 0/' "$WORKDIR/s.conf"
out=$("$PF" check -c "$WORKDIR/s.conf" "$WORKDIR/msg.eml" 2>&1)
tap_is "$?" 78 "MaxRegexSteps 0 is a config error"
tap_like "$out" "s.conf:4: MaxRegexSteps: must be at least 1" "naming file:line and the key"

printf 'HeldLog none\nRulesFile %s\n' "$WORKDIR/bad.rules" >"$WORKDIR/b.conf"
if [ -x "$MILTER" ]; then
	out=$("$MILTER" -n -c "$WORKDIR/b.conf" 2>&1)
	tap_is "$?" 78 "preflight-milter -n: a broken rules file exits 78"
	tap_like "$out" "$WORKDIR/bad.rules:3: " "preflight-milter -n names rules-file:line"
else
	tap_fail "preflight-milter built" "$MILTER missing"
fi
tap_done

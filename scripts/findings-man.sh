#!/bin/sh
# findings-man.sh - write man/preflight-findings.7 from the catalogue the
# code carries (`preflight findings --json`), so the page lists every id
# with its category, default score, remedy and predicted replies.
#   usage: scripts/findings-man.sh path/to/preflight > man/preflight-findings.7
# tests/docs/test-docs.sh fails when the page and the code drift apart.
set -eu
pf=${1:?usage: findings-man.sh PREFLIGHT_BINARY}
cat <<'HEAD'
.TH PREFLIGHT-FINDINGS 7 "" "Preflight 0.1" "Preflight"
.SH NAME
preflight-findings \- every finding Preflight reports, with its default score and predicted replies
.SH DESCRIPTION
A check reports a
.I finding
when a message shows something that a receiver would refuse or hold against
it.
Each finding has a stable id (used in logs, in the X\-Preflight header, in
.B FindingAction
and
.B FindingScore
of
.BR preflight.conf (5)),
a category, a default score, a remedy, and the replies it predicts from
the big receivers.
.PP
A finding marked
.B certain
predicts a permanent rejection by a big provider: its score alone reaches
the default
.B HoldScore
of 10, so out of the box the message is held.
The others score 1 to 3 and, with the default
.B TagScore
of 1, only tag the message.
Nothing is rejected unless
.B RejectScore
or a
.B FindingAction
says so.
.PP
Each occurrence carries a summary with the evidence (which header, which
line, how many bytes); the predicted replies of size findings name only the
destinations whose limit the message exceeds.
.SH FINDINGS
HEAD
"$pf" findings --json | jq -r '
  def man: gsub("\\\\"; "\\e") | gsub("\n"; " ") | if test("^[.'"'"']") then "\\&" + . else . end;
  .[] |
  ".TP\n.B \(.id)\ncategory \(.category), score \(.score)\(if .certain then ", certain" else "" end) (check \(.check))\n.br\n\(.title | man)\n.br\nFix: \(.remedy | man)" +
  ( [.predicted[] | "\n.br\nPredicted (\(.provider)): \(.reply | man)"] | join("") )'
cat <<'TAIL'
.SH SEE ALSO
.BR preflight (1),
.BR preflight.conf (5),
.BR preflight-milter (8)
TAIL

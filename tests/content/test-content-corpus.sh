#!/bin/bash
# test-content-corpus.sh - the content families over the real messages of
# $PREFLIGHT_CORPUS/spamassassin (t/data: spam, nice, welcomelists, dkim,
# nice.mbox split into its messages) and $PREFLIGHT_CORPUS/rspamd (the
# functional-test messages), with the shipped defaults of every check that
# needs no DNS (the auth checks would ask the 2002 senders' live zones).
# Every message is judged as sent to a gmail.com recipient: Gmail's
# blocked types and replies apply (predictions are the destinations').
#
# Reports, per folder, how many messages each finding category flags and
# how many are held or rejected.  Asserts:
#  - every message gets a verdict (exit 0-3), nothing on stderr;
#  - every message that carries a type on Gmail's blocked list (found by
#    an independent Python oracle, gmail-blocked.py: attachments,
#    compressed files, zip and tar archives) gets an attachment finding;
#  - ham (nice, welcomelists, nice.mbox): at most 1 in 100 is held or
#    rejected by a weak signal (findings that only add up), and every ham
#    that is held is held by a finding the catalogue marks certain (a
#    documented permanent rejection by a big provider).  The held ham are
#    listed with their findings.
. "$top_srcdir/tests/lib.sh"

CORPUS=${PREFLIGHT_CORPUS:-$top_srcdir/../shared/corpus}
SA=$CORPUS/spamassassin/t/data
RS=$CORPUS/rspamd/test/functional/messages
[ -d "$SA" ] || [ -d "$RS" ] || tap_skip_all "spamassassin and rspamd corpora not found under $CORPUS"
for tool in jq python3; do
	command -v "$tool" >/dev/null || tap_skip_all "$tool not installed"
done
pf=$top_builddir/tools/preflight
tmp_workdir
printf '%s\n' "Checks format size mime attach html url text rules" \
	"RulesFile $top_srcdir/share/rules.conf" "HeldLog none" >"$WORKDIR/p.conf"
# the catalogue's certain findings, as a JSON array of ids
CERTAIN=$("$pf" findings --json | jq -c '[.[] | select(.certain) | .id]')
[ "$CERTAIN" != "[]" ] || tap_skip_all "preflight findings lists no certain finding"

# The message list: "folder<TAB>path"; nice.mbox is split into files.
mkdir -p "$WORKDIR/mbox"
{
	if [ -d "$SA" ]; then
		for d in spam nice welcomelists dkim; do
			[ -d "$SA/$d" ] && find "$SA/$d" -type f | sort | sed "s|^|spamassassin/$d\t|"
		done
		if [ -f "$SA/nice.mbox" ]; then
			python3 - "$SA/nice.mbox" "$WORKDIR/mbox" <<'PY'
import mailbox, sys
for i, m in enumerate(mailbox.mbox(sys.argv[1])):
    p = "%s/nice.mbox.%d" % (sys.argv[2], i + 1)
    open(p, "wb").write(m.as_bytes())
    print("spamassassin/nice.mbox\t" + p)
PY
		fi
	fi
	[ -d "$RS" ] && find "$RS" -type f -name '*.eml' | sort | sed "s|^|rspamd/messages\t|"
} >"$WORKDIR/list"

# Scan: "folder<TAB>path<TAB>exit<TAB>categories<TAB>ids<TAB>certain ids"
bad=""
while IFS=$'\t' read -r folder path; do
	out=$("$pf" check -c "$WORKDIR/p.conf" --json --rcpt corpus@gmail.com "$path" \
	    2>"$WORKDIR/err")
	rc=$?
	if [ "$rc" -gt 3 ] || [ -s "$WORKDIR/err" ]; then
		bad="$bad ${path#"$CORPUS"/}(exit $rc: $(head -c 200 "$WORKDIR/err"))"
		continue
	fi
	jq -r --arg f "$folder" --arg p "$path" --arg rc "$rc" --argjson certain "$CERTAIN" '
		[$f, $p, $rc,
		 ([.findings[].category] | unique | join(",")),
		 ([.findings[].id] | join(",")),
		 ([.findings[].id | select(. as $id | $certain | index($id))] | join(","))]
		| @tsv' <<<"$out"
done <"$WORKDIR/list" >"$WORKDIR/scan"
tap_is "$bad" "" "every message gets a verdict (exit 0-3) and nothing on stderr"

# The report, per folder.
for folder in $(cut -f1 "$WORKDIR/scan" | sort -u); do
	awk -F'\t' -v f="$folder" '
		$1 == f { n++; if ($3 >= 2) held++
			k = split($4, c, ","); for (i = 1; i <= k; i++) if (c[i] != "") cat[c[i]]++ }
		END { s = ""; for (x in cat) s = s " " x "=" cat[x]
			printf "%s: %d messages, %d held or rejected; per category:%s\n", f, n, held, s }' \
		"$WORKDIR/scan" | while IFS= read -r l; do tap_diag "$l"; done
done

# Gmail-blocked types, by the oracle, must all get an attachment finding.
cut -f2 "$WORKDIR/scan" | tr '\n' '\0' | xargs -0 python3 "$top_srcdir/tests/content/gmail-blocked.py" \
	>"$WORKDIR/blocked" 2>/dev/null
nblocked=0
while IFS=$'\t' read -r path what; do
	nblocked=$((nblocked + 1))
	cats=$(awk -F'\t' -v p="$path" '$2 == p { print $4 }' "$WORKDIR/scan")
	case ",$cats," in
	*,attachment,*) tap_ok "${path#"$CORPUS"/} ($what): attachment finding" ;;
	*) tap_fail "${path#"$CORPUS"/} ($what): attachment finding" "categories: $cats" ;;
	esac
done <"$WORKDIR/blocked"
tap_diag "messages with a Gmail-blocked type (oracle): $nblocked"

# Ham: weak signals hold at most 1 in 100; a held ham names a certain rejection.
awk -F'\t' '$1 ~ /^spamassassin\/(nice|welcomelists|nice\.mbox)$/' "$WORKDIR/scan" >"$WORKDIR/ham"
nham=$(wc -l <"$WORKDIR/ham")
awk -F'\t' '$3 >= 2' "$WORKDIR/ham" >"$WORKDIR/ham-held"
nheld=$(wc -l <"$WORKDIR/ham-held")
weak=$(awk -F'\t' '$6 == ""' "$WORKDIR/ham-held" | wc -l)
tap_diag "ham held or rejected: $nheld of $nham; by weak signals alone: $weak"
while IFS=$'\t' read -r _ path _ _ ids certain; do
	tap_diag "  held ham ${path#"$CORPUS"/}: certain: $certain; all: $ids"
done <"$WORKDIR/ham-held"
if [ "$nham" -gt 0 ]; then
	tap_check "ham held by weak signals: $weak of $nham, at most 1 in 100" \
		[ $((weak * 100)) -le "$nham" ]
	tap_is "$(awk -F'\t' '$6 == "" { print $2 }' "$WORKDIR/ham-held")" "" \
		"every held ham is held by a certain finding (a documented provider rejection)"
fi
tap_done

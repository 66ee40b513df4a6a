#!/bin/bash
# test-explain-corpus.sh - `preflight explain --json` over sisimai's
# set-of-emails: every message of maildir/bsd must get an answer (exit 0
# or 1, no crash), and the labelled ones (labels/maildir-bsd-labels.tsv:
# file, engine, recipient index, status, reply code, reason) are compared
# with sisimai's reason and status.  Fails below 90 % agreement on the
# reason; prints the agreement on the status (all labels, and the labels
# that carry a real RFC 3463 code rather than sisimai's own 5.0.9xx
# placeholders) and one diagnostic line per disagreement.
. "$top_srcdir/tests/lib.sh"

corpus=${PREFLIGHT_CORPUS:-$top_srcdir/../shared/corpus}/sisimai-set-of-emails
labels=$corpus/labels/maildir-bsd-labels.tsv
[ -f "$labels" ] && [ -d "$corpus/maildir/bsd" ] ||
	tap_skip_all "sisimai corpus not found at $corpus (set PREFLIGHT_CORPUS)"
command -v jq >/dev/null || tap_skip_all "jq not installed"

PF=$top_builddir/tools/preflight
export PREFLIGHT_PROFILE_DIR=$top_srcdir/share/profiles
tmp_workdir
: >"$WORKDIR/empty.conf"

# 1. every message gets an answer; outputs go to one file, read by one jq
declare -A got_reason got_status got_rc
: >"$WORKDIR/answers"
crashed=()
for f in "$corpus"/maildir/bsd/*.eml; do
	name=maildir/bsd/${f##*/}
	out=$("$PF" explain -c "$WORKDIR/empty.conf" --json --file "$f" 2>"$WORKDIR/err")
	rc=$?
	got_rc[$name]=$rc
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		crashed+=("$name: exit $rc $(head -c 300 "$WORKDIR/err")")
	elif [ "$rc" -eq 0 ]; then
		printf '%s\t%s\n' "$name" "$out" >>"$WORKDIR/answers"
	fi
done
# JSON output escapes control characters, so a tab only separates the name
while IFS=$'\t' read -r name reason status; do
	got_reason[$name]=$reason
	got_status[$name]=$status
done < <(jq -R -r 'split("\t") | [.[0], (.[1] | fromjson |
	if type == "array" then .[0] else . end | .reason, (.status // ""))] | join("\t")' \
	"$WORKDIR/answers")
if [ ${#crashed[@]} -eq 0 ]; then
	tap_ok "every message of maildir/bsd gets an answer (exit 0 or 1)"
else
	tap_fail "every message of maildir/bsd gets an answer (exit 0 or 1)" "${crashed[@]}"
fi

# 2. agreement with the labels
total=0 same=0 st_total=0 st_same=0 real_total=0 real_same=0 missing=0
# Tabs are IFS white space, which read would merge: use '|' instead.
while IFS='|' read -r file engine idx status code reason rest; do
	[ "$file" = file ] && continue
	if [ -z "${got_rc[$file]+x}" ]; then
		missing=$((missing + 1))
		continue
	fi
	total=$((total + 1))
	r=${got_reason[$file]:-}
	s=${got_status[$file]:-}
	if [ "${got_rc[$file]}" -eq 1 ]; then
		r=none
	fi
	if [ "$r" = "$reason" ] || { [ "$reason" = delivered ] && [ "$r" = none ]; }; then
		same=$((same + 1))
	else
		tap_diag "reason: $file want $reason got $r (status want '$status' got '$s')"
	fi
	st_total=$((st_total + 1))
	[ "$s" = "$status" ] && st_same=$((st_same + 1))
	case $status in
	'' | [245].0.9[0-9][0-9]) ;;
	*)	real_total=$((real_total + 1))
		if [ "$s" = "$status" ]; then
			real_same=$((real_same + 1))
		else
			tap_diag "status: $file want $status got '${s}' (reason $r)"
		fi ;;
	esac
done < <(tr '\t' '|' <"$labels")

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b ? 100 * a / b : 0 }'; }
tap_diag "labelled messages compared: $total ($missing labels name no file)"
tap_diag "reason agreement: $same/$total = $(pct $same $total) %"
tap_diag "status agreement: $st_same/$st_total = $(pct $st_same $st_total) %" \
	"(labels with a real RFC 3463 code: $real_same/$real_total = $(pct $real_same $real_total) %)"
if [ "$total" -gt 0 ] && awk -v a=$same -v b=$total 'BEGIN { exit !(a * 100 >= 90 * b) }'; then
	tap_ok "reason agrees with sisimai on at least 90 % ($(pct $same $total) %)"
else
	tap_fail "reason agrees with sisimai on at least 90 % ($(pct $same $total) %)"
fi
tap_done

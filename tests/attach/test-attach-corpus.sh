#!/bin/bash
# test-attach-corpus.sh - the attach check over the rspamd functional-test
# messages ($PREFLIGHT_CORPUS/rspamd): reports per folder how many
# messages get attach-* findings, and asserts against rspamd's expected
# symbols (EXPECTED.json): every message whose MIME_BAD_EXTENSION /
# MIME_DOUBLE_BAD_EXTENSION / MIME_ARCHIVE_IN_ARCHIVE options name a type
# on Gmail's blocked list gets attach-blocked-type, and no message rspamd
# says is not a double extension gets attach-double-extension.
. "$top_srcdir/tests/lib.sh"

CORPUS=${PREFLIGHT_CORPUS:-$top_srcdir/../shared/corpus}/rspamd/test/functional
[ -f "$CORPUS/EXPECTED.json" ] || tap_skip_all "rspamd corpus not present"
for tool in jq python3; do
	command -v "$tool" > /dev/null || tap_skip_all "$tool not installed"
done
pf=$top_builddir/tools/preflight
tmp_workdir
printf '%s\n' "Checks mime attach" > "$WORKDIR/p.conf"

# Scan every message: "relpath<TAB>exit<TAB>attach ids" per line.
(cd "$CORPUS/messages" && find . -name '*.eml' | sed 's|^\./||' | sort) > "$WORKDIR/list"
while IFS= read -r rel; do
	out=$("$pf" check -c "$WORKDIR/p.conf" --json "$CORPUS/messages/$rel" 2>/dev/null)
	rc=$?
	ids=$(jq -r '[.findings[].id | select(startswith("attach-"))] | sort | unique | join(",")' \
		<<<"$out" 2>/dev/null)
	printf '%s\t%s\t%s\n' "$rel" "$rc" "$ids"
done < "$WORKDIR/list" > "$WORKDIR/scan"

# Per folder: messages, messages with attach-* findings, and no tempfail.
for dir in $(awk -F'\t' '{ n = split($1, p, "/"); print (n > 1 ? p[1] : ".") }' \
	"$WORKDIR/scan" | sort -u); do
	awk -F'\t' -v d="$dir" '
		{ n = split($1, p, "/"); f = n > 1 ? p[1] : "." }
		f == d { total++; if ($3 != "") flagged++; if ($2 >= 4 || $2 == "") bad++ }
		END { printf "%d %d %d\n", total, flagged, bad }' "$WORKDIR/scan" > "$WORKDIR/count"
	read -r total flagged bad < "$WORKDIR/count"
	tap_diag "rspamd/$dir: $total messages, $flagged with attach-* findings"
	tap_is "$bad" 0 "rspamd/$dir: all $total messages get a verdict (no tempfail, no crash)"
done
awk -F'\t' '$3 != "" { print "  " $1 ": " $3 }' "$WORKDIR/scan" | while IFS= read -r l; do
	tap_diag "$l"
done

# rspamd's expectations: "message<TAB>want|dont<TAB>symbol<TAB>options"
python3 - "$CORPUS/EXPECTED.json" > "$WORKDIR/expect" <<'PY'
import json, re, sys
for e in json.load(open(sys.argv[1])):
    for x in e["expectations"]:
        m = re.match(r"(Expect|Do Not Expect) Symbol(?: With Exact Options)? "
                     r"(MIME_BAD_EXTENSION|MIME_DOUBLE_BAD_EXTENSION|MIME_ARCHIVE_IN_ARCHIVE)\s*(.*)", x)
        if m:
            print("%s\t%s\t%s\t%s" % (e["message"], "want" if m.group(1) == "Expect" else "dont",
                                      m.group(2), m.group(3)))
PY
# Gmail's list (providers.md §3.1), kept here as the test's own oracle.
gmail=" ade adp apk appx appxbundle bat cab chm cmd com cpl diagcab diagcfg diagpkg dll dmg ex ex_
 exe hta img ins iso isp jar jnlp js jse lib lnk mde mjs msc msi msix msixbundle msp mst nsh pif ps1
 scr sct shb sys vb vbe vbs vhd vxd wsc wsf wsh xll "
gmail=$(echo $gmail)
checked=0
while IFS=$'\t' read -r msg kind sym opts; do
	ids=$(awk -F'\t' -v m="$msg" '$1 == m { print $3 }' "$WORKDIR/scan")
	if [ "$kind" = dont ]; then
		[ "$sym" = MIME_DOUBLE_BAD_EXTENSION ] || continue
		case ",$ids," in
		*,attach-double-extension,*) tap_fail "$msg: no double extension (rspamd: none)" "got: $ids" ;;
		*) tap_ok "$msg: no double extension (rspamd: none)" ;;
		esac
		continue
	fi
	hit=
	for ext in $(tr '. ' '\n\n' <<<"$opts" | tr 'A-Z' 'a-z'); do
		case " $gmail " in *" $ext "*) hit=$ext ;; esac
	done
	[ -n "$hit" ] || continue
	checked=$((checked + 1))
	case ",$ids," in
	*,attach-blocked-type,*) tap_ok "$msg: $sym $opts -> attach-blocked-type" ;;
	*) tap_fail "$msg: $sym $opts -> attach-blocked-type" "got: '$ids'" ;;
	esac
done < "$WORKDIR/expect"
tap_check "rspamd expectations with a Gmail-blocked type were found ($checked)" [ "$checked" -ge 5 ]
tap_done

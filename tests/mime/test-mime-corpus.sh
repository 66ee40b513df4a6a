#!/bin/bash
# test-mime-corpus.sh - MIME torture inputs ($PREFLIGHT_CORPUS/
# nodemailer-mailparser and spamscope-mail-parser, see their SOURCE.md)
# through `preflight check --json` with the format, size and mime checks.
# Each file must get a verdict (exit 0-4) within 10 s, with no crash and
# no sanitizer report; the mime-* findings are counted per folder.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

CORPUS=${PREFLIGHT_CORPUS:-$top_srcdir/../shared/corpus}
PF=$top_builddir/tools/preflight
FOLDERS="nodemailer-mailparser spamscope-mail-parser"
[ -d "$CORPUS/nodemailer-mailparser" ] || [ -d "$CORPUS/spamscope-mail-parser" ] ||
	tap_skip_all "corpus not found at $CORPUS"
[ -x "$PF" ] || tap_skip_all "preflight not built"
command -v jq >/dev/null || tap_skip_all "jq not installed"
command -v timeout >/dev/null || tap_skip_all "timeout(1) not installed"

tmp_workdir
CONF=$WORKDIR/preflight.conf
printf 'Checks format size mime\nHeldLog none\n' >"$CONF"
# GLib/GMime keep process-wide caches that LeakSanitizer would report
if [ -f "$top_srcdir/tests/lsan.supp" ]; then
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	export LSAN_OPTIONS
fi

for folder in $FOLDERS; do
	dir=$CORPUS/$folder
	[ -d "$dir" ] || { tap_diag "$folder: absent, skipped"; continue; }
	declare -A count=()
	files=0
	while IFS= read -r -d '' f; do
		case $(basename "$f") in
		SOURCE.md | LICENSE* | NOTICE*) continue ;;
		esac
		files=$((files + 1))
		name=${f#"$CORPUS"/}
		timeout 10 "$PF" check -c "$CONF" --json "$f" >"$WORKDIR/out" 2>"$WORKDIR/err"
		rc=$?
		if [ "$rc" -gt 4 ]; then
			tap_fail "$name: verdict within 10 s (exit $rc)" "$(head -c 400 "$WORKDIR/err")"
			continue
		fi
		if grep -qE 'Sanitizer|runtime error' "$WORKDIR/err"; then
			tap_fail "$name: no sanitizer report" "$(head -c 1500 "$WORKDIR/err")"
			continue
		fi
		if ! ids=$(jq -r '.findings[].id' "$WORKDIR/out" 2>/dev/null); then
			tap_fail "$name: JSON verdict" "$(head -c 400 "$WORKDIR/out")"
			continue
		fi
		tap_ok "$name: verdict $(jq -r .verdict "$WORKDIR/out") (exit $rc)"
		for id in $ids; do
			case $id in mime-*) count[$id]=$((${count[$id]:-0} + 1)) ;; esac
		done
	done < <(find "$dir" -type f -print0 | sort -z)
	summary=
	for id in "${!count[@]}"; do summary="$summary $id=${count[$id]}"; done
	tap_diag "$folder: $files messages; mime findings:${summary:- none}"
	unset count
done
tap_done

#!/bin/bash
# test-mime-corpus.sh - MIME torture inputs ($PREFLIGHT_CORPUS/
# nodemailer-mailparser and spamscope-mail-parser, see their SOURCE.md:
# 1 MB lines, nesting bombs, broken encodings) through `preflight check
# --json` with every check that needs no DNS.  Each file must get a
# verdict (exit 0-3: not even a tempfail) with no crash and no sanitizer
# report, and within the limits: MaxScanTime 5s bounds the content
# checks (timeout(1) at 30 s only guards against a hang), and the
# process's peak RSS stays under MEM_CEILING.  Findings are counted per
# folder and category; the slowest file and the peak RSS are printed.
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
command -v python3 >/dev/null || tap_skip_all "python3 not installed"

tmp_workdir
CONF=$WORKDIR/preflight.conf
printf '%s\n' "Checks format size mime attach html url text rules" "MaxScanTime 5s" \
	"RulesFile $top_srcdir/share/rules.conf" "HeldLog none" >"$CONF"
# MaxBodyBytes + MaxDecodedBytes (64M each) and the archive buffers bound
# what one message may hold; 512 MB leaves room for GMime's and gumbo's
# copies without letting an unbounded one pass.
MEM_CEILING=$((512 * 1024))
# run_measured RSSFILE CMD... - run CMD, write its peak RSS (KiB) to RSSFILE
run_measured() {
	python3 - "$@" <<'PY'
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc if rc >= 0 else 128 - rc)
PY
}
# GLib/GMime keep process-wide caches that LeakSanitizer would report
if [ -f "$top_srcdir/tests/lsan.supp" ]; then
	LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	export LSAN_OPTIONS
fi

slow_ms=0 slow= peak=0 peak_name=
for folder in $FOLDERS; do
	dir=$CORPUS/$folder
	[ -d "$dir" ] || { tap_diag "$folder: absent, skipped"; continue; }
	declare -A count=()
	files=0 limited=0
	while IFS= read -r -d '' f; do
		case $(basename "$f") in
		SOURCE.md | LICENSE* | NOTICE*) continue ;;
		esac
		files=$((files + 1))
		name=${f#"$CORPUS"/}
		t0=$(date +%s%N)
		run_measured "$WORKDIR/rss" timeout 30 "$PF" check -c "$CONF" --json "$f" \
			>"$WORKDIR/out" 2>"$WORKDIR/err"
		rc=$?
		ms=$((($(date +%s%N) - t0) / 1000000))
		rss=$(cat "$WORKDIR/rss")
		[ "$ms" -gt "$slow_ms" ] && slow_ms=$ms slow=$name
		[ "$rss" -gt "$peak" ] && peak=$rss peak_name=$name
		if [ "$rc" -gt 3 ]; then
			tap_fail "$name: a verdict (exit $rc)" "$(head -c 400 "$WORKDIR/err")"
			continue
		fi
		if [ "$rss" -gt "$MEM_CEILING" ]; then
			tap_fail "$name: peak RSS ${rss} KiB under ${MEM_CEILING} KiB"
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
		for cat in $(jq -r '[.findings[].category] | unique | .[]' "$WORKDIR/out"); do
			count[$cat]=$((${count[$cat]:-0} + 1))
		done
		case " $ids " in *" mime-limit "*) limited=$((limited + 1)) ;; esac
	done < <(find "$dir" -type f -print0 | sort -z)
	summary=
	for id in "${!count[@]}"; do summary="$summary $id=${count[$id]}"; done
	tap_diag "$folder: $files messages; messages per finding category:${summary:- none}"
	tap_diag "$folder: $limited not fully inspected (mime-limit)"
	unset count
done
tap_diag "slowest: $slow ($slow_ms ms); peak RSS: $peak KiB ($peak_name)"
tap_done

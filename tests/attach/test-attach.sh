#!/bin/bash
# test-attach.sh - the attach check end to end: fixtures built at test
# time (tests/data/attach/make-fixtures.sh), each mailed as a base64
# attachment through `preflight check --json` with "Checks mime attach";
# asserts the exact attach-* finding ids, and scores and places where they
# matter.  The envelope recipient is a gmail.com address: blocked types and
# predicted replies are those of the destinations' provider profiles.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/data/attach/make-fixtures.sh"

for tool in zip 7z gzip tar python3 jq; do
	command -v "$tool" > /dev/null || tap_skip_all "$tool not installed"
done
pf=$top_builddir/tools/preflight
tmp_workdir
F=$WORKDIR/f
mkdir -p "$F"
attach_fixtures "$F" || tap_skip_all "could not build the fixtures"

# scan FILE NAME [CONFIG LINES...] - mail FILE as NAME, scan it; sets out
scan() {
	local file=$1 name=$2
	shift 2
	printf '%s\n' "Checks ${CHECKS:-mime attach}" "$@" > "$WORKDIR/p.conf"
	attach_mail "$F/$file" "$name" > "$WORKDIR/m.eml"
	out=$("$pf" check -c "$WORKDIR/p.conf" --json --rcpt bob@gmail.com "$WORKDIR/m.eml" \
	    2> "$WORKDIR/err")
	# exit 4 (tempfail) or anything on stderr (e.g. a sanitizer report)
	if [ $? -ge 4 ] || [ -s "$WORKDIR/err" ]; then
		bad_scans="$bad_scans $name:$(head -c 300 "$WORKDIR/err")"
	fi
}
bad_scans=""


# ids - the attach-* finding ids of the last scan, sorted, space separated
ids() {
	jq -r '[.findings[].id | select(startswith("attach-"))] | sort | join(" ")' <<<"$out"
}

# case_ids DESC FILE NAME WANT [CONFIG LINES...]
case_ids() {
	local desc=$1 file=$2 name=$3 want=$4
	shift 4
	scan "$file" "$name" "$@"
	tap_is "$(ids)" "$want" "$desc"
}

# field ID JQ-EXPR - a field of the finding ID in the last scan
field() {
	jq -r --arg id "$1" ".findings[] | select(.id == \$id) | $2" <<<"$out"
}

case_ids "zip holding a .js" simple.zip invoice.zip "attach-blocked-type"
tap_like "$(field attach-blocked-type .summary)" "invoice\.zip > docs/run\.js \(\.js, blocked by gmail\)" \
	"blocked type: named with its place in the archive"
tap_like "$(field attach-blocked-type '.predicted[0].reply')" "^552 5\.7\.0 This message was blocked" \
	"blocked type: Gmail's 552-5.7.0 predicted"
tap_is "$(field attach-blocked-type .score)" 10 "blocked type: score 10"
tap_is "$(jq -r .verdict <<<"$out")" hold "blocked type: held by default"
case_ids "zip bomb" bomb.zip zeros.zip "attach-archive-bomb"
case_ids "5-deep nesting: depth limit" nested5.zip n.zip "attach-archive-limit"
tap_like "$(field attach-archive-limit .summary)" "MaxArchiveDepth" "depth limit named"
case_ids "5-deep nesting, MaxArchiveDepth 5: the .exe" nested5.zip n.zip \
	"attach-blocked-type" "MaxArchiveDepth 5"
tap_like "$(field attach-blocked-type .summary)" "n\.zip > lvl2\.zip > lvl3\.zip > lvl4\.zip > lvl5\.zip > evil\.exe" \
	"nested: the full chain"
case_ids "entries limit" many.zip m.zip "attach-archive-limit" "MaxArchiveEntries 10"
case_ids "encrypted zip holding a zip" enc-arch.zip e.zip "attach-encrypted-archive"
tap_is "$(field attach-encrypted-archive .score)" 10 "encrypted zip holding a zip: 10"
case_ids "encrypted zip of text" enc-plain.zip e.zip "attach-encrypted-archive"
tap_is "$(field attach-encrypted-archive .score)" 3 "encrypted zip of text: 3"
case_ids "encrypted 7z holding a zip" enc-arch.7z e.7z "attach-encrypted-archive"
tap_is "$(field attach-encrypted-archive .score)" 10 "encrypted 7z holding a zip: 10"
case_ids "7z with encrypted names" enc-hdr.7z e.7z "attach-encrypted-archive"
tap_is "$(field attach-encrypted-archive .score)" 3 "7z with encrypted names: 3"
case_ids "MZ named report.pdf" report.pdf report.pdf "attach-executable"
tap_is "$(field attach-executable .score)" 10 "MZ executable: 10"
case_ids "ELF named data.bin" data.bin data.bin "attach-executable"
case_ids "shebang script named notes.txt" notes.txt notes.txt "attach-executable"
tap_is "$(field attach-executable .score)" 3 "#! script: 3 (not on Gmail's list)"
case_ids "invoice.pdf.exe" invoice.pdf.exe invoice.pdf.exe \
	"attach-blocked-type attach-double-extension"
tap_is "$(field attach-double-extension .score)" 10 "double extension, last blocked: 10"
case_ids "invoice.pdf.sh" clean.txt invoice.pdf.sh "attach-double-extension"
tap_is "$(field attach-double-extension .score)" 3 "double extension, last not blocked: 3"
case_ids "trailing dot: a.exe." clean.txt "a.exe." "attach-blocked-type"
case_ids "trailing space: a.exe " clean.txt "a.exe " "attach-blocked-type"
case_ids "upper case: SETUP.MSI" clean.txt "SETUP.MSI" "attach-blocked-type"
case_ids "not blocked: report.2024.txt" clean.txt report.2024.txt ""
case_ids "gz of report.exe" report.exe.gz report.exe.gz "attach-blocked-type"
tap_like "$(field attach-blocked-type .summary)" "report\.exe\.gz > report\.exe" "gz: entry minus suffix"
case_ids "tgz holding a .vbs" bundle.tgz bundle.tgz "attach-blocked-type"
case_ids "docm with vbaProject.bin" macro.docm report.docm "attach-office-macro"
case_ids "OLE .doc with _VBA_PROJECT" macro.doc report.doc "attach-office-macro"
case_ids "docx without macros" plain.docx report.docx ""
case_ids "OLE .doc without macros" plain.doc report.doc ""
case_ids "plain text" clean.txt notes.txt ""
tap_is "$(jq -r .verdict <<<"$out")" accept "plain text: accepted"
CHECKS=mime scan simple.zip invoice.zip
tap_is "$(jq -r .verdict <<<"$out")/$(ids)" "accept/" "attach check off: no attach findings"
# MaxScanTime: with no time left the content checks are skipped, and the
# message says it was not inspected instead of passing as clean.
scan simple.zip invoice.zip "MaxScanTime 0"
tap_is "$(ids)" "" "MaxScanTime 0: the attach check does not run"
tap_like "$(field mime-limit .summary)" "^MaxScanTime \(0s\) ran out in the mime check" \
	"MaxScanTime 0: mime-limit names the limit and where it ran out"
tap_is "$(jq -r .verdict <<<"$out")" tag "MaxScanTime 0: tagged, not passed as clean"
scan simple.zip invoice.zip "MaxScanTime 30s"
tap_is "$(jq -r '[.findings[].id] | index("mime-limit")' <<<"$out")" null \
	"MaxScanTime 30s: a small message is inspected whole"
# SpoolMemory 64: every archive goes to a temporary file and libarchive
# reads it from there; the findings are the same as from memory.
for c in "zip holding a .js:simple.zip:invoice.zip:attach-blocked-type" \
    "zip bomb:bomb.zip:zeros.zip:attach-archive-bomb" \
    "5-deep nesting:nested5.zip:n.zip:attach-archive-limit" \
    "encrypted 7z holding a zip:enc-arch.7z:e.7z:attach-encrypted-archive" \
    "gz of report.exe:report.exe.gz:report.exe.gz:attach-blocked-type" \
    "tgz holding a .vbs:bundle.tgz:bundle.tgz:attach-blocked-type" \
    "OLE .doc with _VBA_PROJECT:macro.doc:report.doc:attach-office-macro"; do
	IFS=: read -r desc file name want <<<"$c"
	case_ids "from a spool file: $desc" "$file" "$name" "$want" "SpoolMemory 64"
done
# A spool that cannot be written (no such TMPDIR) cuts the message there:
# reported as not fully inspected and why, never passed as clean.
TMPDIR=$WORKDIR/missing scan simple.zip invoice.zip "SpoolMemory 64"
tap_like "$(field mime-limit .summary)" "the body could not be kept \(cannot create a spool file\)" \
	"unwritable spool: mime-limit says the body could not be kept"
tap_is "$(jq -r .verdict <<<"$out")" tag "unwritable spool: tagged, not passed as clean"
tap_is "$bad_scans" "" "every scan exited below 4 with nothing on stderr"
tap_done

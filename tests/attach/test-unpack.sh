#!/bin/bash
# test-unpack.sh - unpack_list over archives built at test time
# (tests/data/attach/make-fixtures.sh), through tests/attach/unpack-list.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/data/attach/make-fixtures.sh"

for tool in zip 7z gzip tar python3; do
	command -v "$tool" > /dev/null || tap_skip_all "$tool not installed"
done
LIST=$top_builddir/tests/attach/unpack-list
tmp_workdir
F=$WORKDIR/f
mkdir -p "$F"
attach_fixtures "$F" || tap_skip_all "could not build the fixtures"

# expect DESC FILE NAME REGEX [OPTIONS...] - the listing matches REGEX
expect() {
	local desc=$1 file=$2 name=$3 re=$4 out
	shift 4
	out=$("$LIST" "$@" "$F/$file" "$name" 2>&1)
	if printf '%s\n' "$out" | grep -Eq -- "$re"; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "wanted: $re" "$out"
	fi
}
# refute DESC FILE NAME REGEX [OPTIONS...] - the listing does not match
refute() {
	local desc=$1 file=$2 name=$3 re=$4 out
	shift 4
	out=$("$LIST" "$@" "$F/$file" "$name" 2>&1)
	if printf '%s\n' "$out" | grep -Eq -- "$re"; then
		tap_fail "$desc" "unwanted: $re" "$out"
	else
		tap_ok "$desc"
	fi
}

T=$'\t'
expect "zip entries with chain" simple.zip invoice.zip "^1${T}-${T}-${T}20${T}invoice.zip > docs/run.js$"
expect "zip: clean flags" simple.zip invoice.zip "^flags= where=$"
expect "zip: entry count" simple.zip invoice.zip "^entries=3 "
expect "bomb: ratio stops it" bomb.zip b.zip "^flags=bomb, where=b.zip$"
refute "bomb: not read to the end" bomb.zip b.zip "bytes=100000000"
expect "bomb: ratio off reads all" bomb.zip b.zip "bytes=100000000" -r 0
expect "bomb: byte budget" bomb.zip b.zip "^flags=bytes," -r 0 -b 1000000
expect "nested 5: depth 3 listed" nested5.zip n.zip "^3${T}-${T}A${T}[0-9]+${T}n.zip > lvl2.zip > lvl3.zip > lvl4.zip$"
expect "nested 5: depth flag" nested5.zip n.zip "^flags=depth, where=n.zip > lvl2.zip > lvl3.zip > lvl4.zip$"
refute "nested 5: level 4 not opened" nested5.zip n.zip "^4"
expect "nested 5: all 5 with depth 5" nested5.zip n.zip "^5${T}-${T}-${T}14${T}.*lvl5.zip > evil.exe$" -d 5
expect "nested: depth 0 opens nothing" nested2.zip n.zip "^flags=depth," -d 0
expect "encrypted zip: entries flagged" enc-arch.zip e.zip "^1${T}E${T}A${T}.*simple.zip$"
expect "encrypted zip: plain entry" enc-plain.zip e.zip "^1${T}E${T}-${T}.*e.zip > a.txt$"
expect "encrypted 7z: entries flagged" enc-arch.7z e.7z "^1${T}E${T}A${T}.*simple.zip$"
expect "7z with encrypted names: locked" enc-hdr.7z e.7z "^flags=.*locked"
expect "gz of one file: entry minus suffix" report.exe.gz report.exe.gz "^1${T}-${T}-${T}11${T}report.exe.gz > report.exe$"
expect "tgz: entries" bundle.tgz b.tgz "^1${T}-${T}-${T}[0-9]+${T}b.tgz > docs/script.vbs$"
expect "docm: vbaProject.bin listed" macro.docm m.docm "m.docm > word/vbaProject.bin$"
expect "entries limit" many.zip m.zip "^flags=entries, where=m.zip$" -e 10
expect "entries limit: 10 listed" many.zip m.zip "^entries=10 " -e 10
expect "not an archive: damaged" clean.txt c.zip "^flags=damaged,"
tap_done

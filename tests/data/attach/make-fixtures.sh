# tests/data/attach/make-fixtures.sh - attachment fixtures, built at test
# time (no binaries in git).  Source it from bash, then:
#   attach_fixtures DIR      build every fixture file into DIR
#   attach_mail FILE NAME    print a message carrying FILE as attachment NAME
# Needs zip, 7z, gzip, tar, python3.

attach_fixtures() {
	local d=$1 t
	t=$d/src
	mkdir -p "$t/docs" "$t/n" || return 1
	(
	cd "$t" || exit 1
	printf 'hello\n' > docs/readme.txt
	printf 'WScript.Echo("hi");\n' > docs/run.js
	zip -q -r "$d/simple.zip" docs
	head -c 100000000 /dev/zero > zeros.bin
	zip -q -9 "$d/bomb.zip" zeros.bin && rm -f zeros.bin
	# zip in zip in zip, 5 deep; the innermost holds an .exe
	printf 'MZ not really\n' > n/evil.exe
	(cd n && zip -q ../lvl5.zip evil.exe)
	for i in 4 3 2 1; do
		zip -q "lvl$i.zip" "lvl$((i + 1)).zip"
	done
	cp lvl1.zip "$d/nested5.zip"
	cp lvl4.zip "$d/nested2.zip"
	printf 'secret text\n' > a.txt
	zip -q -P secret "$d/enc-arch.zip" a.txt "$d/simple.zip"
	zip -q -P secret "$d/enc-plain.zip" a.txt
	7z a -bd -psecret "$d/enc-arch.7z" a.txt "$d/simple.zip" > /dev/null
	7z a -bd -psecret -mhe=on "$d/enc-hdr.7z" a.txt > /dev/null
	printf 'MZ' > "$d/report.pdf"
	head -c 200 /dev/urandom >> "$d/report.pdf"
	printf 'not an exe at all\n' > "$d/invoice.pdf.exe"
	printf 'harmless\n' > "$d/clean.txt"
	printf '#!/bin/sh\necho hi\n' > "$d/notes.txt"
	cp /bin/true "$d/data.bin"
	printf 'not an exe\n' > report.exe
	gzip -c report.exe > "$d/report.exe.gz"
	printf 'MsgBox "x"\n' > docs/script.vbs
	tar czf "$d/bundle.tgz" docs/script.vbs docs/readme.txt
	for i in $(seq 1 20); do printf '%s\n' "$i" > "f$i.txt"; done
	zip -q "$d/many.zip" f*.txt
	) || return 1
	python3 - "$d" <<'PY' || return 1
import struct, sys, zipfile
d = sys.argv[1]
def ooxml(path, vba):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        if vba:
            z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
ooxml(d + "/macro.docm", True)
ooxml(d + "/plain.docx", False)
# A minimal OLE2 compound file: the header, then one directory sector with
# Root Entry, a VBA storage and its _VBA_PROJECT stream.
def dirent(name, kind):
    u = name.encode("utf-16-le") + b"\0\0"
    return u.ljust(64, b"\0") + struct.pack("<HB", len(u), kind) + bytes(61)
hdr = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\0")
ents = [dirent("Root Entry", 5), dirent("VBA", 1), dirent("_VBA_PROJECT", 2), dirent("", 0)]
open(d + "/macro.doc", "wb").write(hdr + b"".join(ents))
ents = [dirent("Root Entry", 5), dirent("WordDocument", 2), dirent("", 0), dirent("", 0)]
open(d + "/plain.doc", "wb").write(hdr + b"".join(ents))
PY
}

attach_mail() {
	python3 - "$1" "$2" <<'PY'
import base64, sys
data = open(sys.argv[1], "rb").read()
name = sys.argv[2]
b64 = base64.encodebytes(data).decode().replace("\n", "\r\n")
sys.stdout.write(
    "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\n"
    "Subject: files\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <attach-test@example.org>\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee attached.\r\n"
    "--b1\r\nContent-Type: application/octet-stream; name=\"%s\"\r\n"
    "Content-Disposition: attachment; filename=\"%s\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n%s--b1--\r\n" % (name, name, b64))
PY
}

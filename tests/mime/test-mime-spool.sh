#!/bin/bash
# test-mime-spool.sh - a message parsed from its spool file (SpoolMemory
# 64: GMime reads it through lib/mime_stream.c) must give exactly what
# the same message gives parsed in memory: same verdict, same findings,
# same summaries.  Inputs: every .eml fixture under tests/data, messages
# made here (nested multiparts, base64 and quoted-printable parts, a zip
# with a blocked entry, a part cut at the end of the file), and, when the
# corpus is there, the MIME torture folders.  `preflight check --json`
# with every check that needs no DNS.
. "$top_srcdir/tests/lib.sh"

PF=$top_builddir/tools/preflight
CORPUS=${PREFLIGHT_CORPUS:-$top_srcdir/../shared/corpus}
[ -x "$PF" ] || tap_skip_all "preflight not built"
for tool in jq python3 cmp; do
	command -v "$tool" >/dev/null || tap_skip_all "$tool not installed"
done
tmp_workdir
IN=$WORKDIR/in
mkdir -p "$IN"

# conf FILE SPOOL - the config of one side
conf() {
	printf '%s\n' "Checks format size mime attach html url text rules" \
		"RulesFile $top_srcdir/share/rules.conf" "HeldLog none" \
		"SpoolMemory $2" >"$1"
}
conf "$WORKDIR/mem.conf" 1G
conf "$WORKDIR/file.conf" 64

python3 - "$IN" <<'PY'
import base64, io, quopri, sys, zipfile
out = sys.argv[1]
def write(name, text):
    with open("%s/%s" % (out, name), "wb") as f:
        f.write(text.encode() if isinstance(text, str) else text)
head = ("From: Ann <ann@example.com>\r\nTo: bob@example.org\r\n"
        "Subject: spool test\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
        "Message-ID: <spool-%d@example.com>\r\nMIME-Version: 1.0\r\n")
def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))
z = io.BytesIO()
with zipfile.ZipFile(z, "w") as zf:
    zf.writestr("docs/readme.txt", "hello\n" * 5000)
    zf.writestr("docs/run.js", "alert(1)\n" * 100)
text = ("Hello Bob,\r\n\r\n" + "The quarterly figures are attached. " * 40 + "\r\n") * 20
html = "<html><body>" + "<p>Read <a href=\"https://example.net/x\">this</a></p>" * 300 + "</body></html>"
qp = quopri.encodestring(("Caf\u00e9 cr\u00e8me " * 400).encode("utf-8")).decode().replace("\n", "\r\n")
# 1: nested multiparts, base64 HTML, qp text, a zip with a .js
write("nested.eml", head % 1 + "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n"
      "--o\r\nContent-Type: multipart/alternative; boundary=\"i\"\r\n\r\n"
      "--i\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp + "\r\n"
      "--i\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      + b64(html.encode()) + "\r\n--i--\r\n"
      "--o\r\nContent-Type: application/zip; name=\"files.zip\"\r\n"
      "Content-Disposition: attachment; filename=\"files.zip\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" + b64(z.getvalue()) + "\r\n--o--\r\n")
# 2: plain text, 8bit, long
write("plain.eml", head % 2 + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text)
# 3: the last part cut at the end of the file (no closing boundary)
write("cut.eml", head % 3 + "Content-Type: multipart/mixed; boundary=\"c\"\r\n\r\n"
      "--c\r\nContent-Type: text/plain\r\n\r\n" + text + "\r\n"
      "--c\r\nContent-Type: application/octet-stream; name=\"a.exe\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" + b64(b"MZ" + bytes(range(256)) * 40)[:5000])
# 4: a message/rfc822 inside, with its own attachment
inner = head % 40 + "Content-Type: multipart/mixed; boundary=\"n\"\r\n\r\n" \
    "--n\r\nContent-Type: text/plain\r\n\r\n" + text[:3000] + "\r\n" \
    "--n\r\nContent-Type: application/zip; name=\"in.zip\"\r\n" \
    "Content-Transfer-Encoding: base64\r\n\r\n" + b64(z.getvalue()) + "\r\n--n--\r\n"
write("forward.eml", head % 4 + "Content-Type: multipart/mixed; boundary=\"f\"\r\n\r\n"
      "--f\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n"
      "--f\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "\r\n--f--\r\n")
PY

n=0
for f in "$top_srcdir"/tests/data/*/*.eml; do
	n=$((n + 1))
	cp "$f" "$IN/fixture-$n-$(basename "$f")"
done
for d in nodemailer-mailparser spamscope-mail-parser; do
	[ -d "$CORPUS/$d" ] || continue
	find "$CORPUS/$d" -type f ! -name '*.md' ! -name LICENSE ! -name '*.txt' \
	    -size -3M | sort >"$WORKDIR/corpus.$d"
	while IFS= read -r f; do
		n=$((n + 1))
		cp "$f" "$IN/corpus-$n.eml"
	done <"$WORKDIR/corpus.$d"
done
[ -s "$WORKDIR/corpus.nodemailer-mailparser" ] || [ -s "$WORKDIR/corpus.spamscope-mail-parser" ] ||
	tap_diag "corpus not found at $CORPUS: only the fixtures and generated messages"

# side CONF FILE OUT - the scan, with the envelope fixed
side() {
	timeout 60 "$PF" check -c "$1" --json --mail-from ann@example.com \
	    --rcpt bob@example.org "$2" >"$3" 2>"$3.err"
	echo $? >"$3.rc"
}

total=0 same=0 differ=""
for f in "$IN"/*; do
	total=$((total + 1))
	side "$WORKDIR/mem.conf" "$f" "$WORKDIR/a"
	side "$WORKDIR/file.conf" "$f" "$WORKDIR/b"
	if [ "$(cat "$WORKDIR/a.rc")" -le 3 ] && cmp -s "$WORKDIR/a" "$WORKDIR/b" &&
	    cmp -s "$WORKDIR/a.rc" "$WORKDIR/b.rc" && [ ! -s "$WORKDIR/b.err" ]; then
		same=$((same + 1))
	else
		differ="$differ $(basename "$f")"
		[ -n "${differ_shown:-}" ] || {
			differ_shown=1
			tap_diag "$(basename "$f"): rc $(cat "$WORKDIR/a.rc")/$(cat "$WORKDIR/b.rc")"
			diff <(jq -S . "$WORKDIR/a" 2>/dev/null) <(jq -S . "$WORKDIR/b" 2>/dev/null) |
			    head -20 | while IFS= read -r l; do tap_diag "$l"; done
			head -c 300 "$WORKDIR/b.err" | while IFS= read -r l; do tap_diag "$l"; done
		}
	fi
done
tap_check "at least 27 messages compared ($total)" [ "$total" -ge 27 ]
tap_is "$differ" "" "spool file and memory give the same verdict and findings ($same/$total)"

# The generated messages hold what they were made for, so the comparison
# is not between two empty results.
side "$WORKDIR/file.conf" "$IN/nested.eml" "$WORKDIR/n"
tap_like "$(jq -r '[.findings[].id] | join(" ")' "$WORKDIR/n")" "attach-blocked-type" \
	"from the file: the .js inside the zip of a nested multipart is found"
side "$WORKDIR/file.conf" "$IN/forward.eml" "$WORKDIR/n"
tap_like "$(jq -r '.findings[] | select(.id == "attach-blocked-type") | .summary' "$WORKDIR/n")" \
	"in\.zip > docs/run\.js" "from the file: the zip inside a forwarded message is listed"
side "$WORKDIR/file.conf" "$IN/cut.eml" "$WORKDIR/n"
tap_like "$(jq -r '[.findings[].id] | join(" ")' "$WORKDIR/n")" "attach-(executable|blocked-type)" \
	"from the file: the part cut at the end of the file is still judged"
tap_done

#!/usr/bin/env python3
"""mkseeds.py - write the generated seeds and regression inputs of tests/fuzz.

The small text seeds are written by hand; this makes the binary ones
(archives) and the large known-bad inputs of reliability.md section 2
(colon floods, nesting bombs, zip bombs), so that what each one is stays
readable.  Output is deterministic (fixed timestamps); run it from
tests/fuzz when a generated input must change:  python3 mkseeds.py
"""
import base64
import bz2
import gzip
import io
import lzma
import os
import struct
import tarfile
import zipfile
import zlib

DATE = (2023, 11, 14, 10, 0, 0)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def zip_bytes(entries, method=zipfile.ZIP_DEFLATED):
    """entries: list of (name, bytes); directories end with /"""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = method
            info.external_attr = (0o40755 << 16 | 0x10) if name.endswith("/") else 0o644 << 16
            z.writestr(info, data)
    return out.getvalue()


def tar_bytes(entries, mode):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode, format=tarfile.USTAR_FORMAT) as t:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1700000000
            t.addfile(info, io.BytesIO(data))
    return out.getvalue()


def gz_bytes(data):
    return gzip.compress(data, mtime=1700000000)


# --- archives (fuzz_unpack) ---------------------------------------------

def unpack_seeds():
    text = b"Hello, archive.\n" * 4
    mz = b"MZ" + b"\x90\x00" * 30
    write("seeds/unpack/deflate.zip",
          zip_bytes([("docs/", b""), ("docs/readme.txt", text), ("run.exe", mz)]))
    write("seeds/unpack/stored.zip",
          zip_bytes([("a.txt", text), ("b.js", b"WScript.Echo(1);\n")], zipfile.ZIP_STORED))
    inner = zip_bytes([("invoice.pdf.scr", mz)])
    write("seeds/unpack/nested.zip", zip_bytes([("inner.zip", inner), ("note.txt", text)]))
    write("seeds/unpack/files.tar.gz", gz_bytes(tar_bytes([("a.txt", text), ("b.vbs", b"x")], "w")))
    write("seeds/unpack/files.tar.bz2", bz2.compress(tar_bytes([("c.bat", b"@echo off\r\n")], "w")))
    write("seeds/unpack/lone.gz", gz_bytes(mz))
    write("seeds/unpack/lone.xz", lzma.compress(text))
    write("seeds/unpack/zip-in-gz.gz", gz_bytes(inner))


def local_header(name, method, crc, csize, usize, extra=b"", flags=0):
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0x5B6E,
                       crc, csize, usize, len(name), len(extra)) + name + extra


def central_header(name, method, crc, csize, usize, offset, extra=b"", flags=0):
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20, flags, method, 0, 0x5B6E,
                       crc, csize, usize, len(name), len(extra), 0, 0, 0, 0o644 << 16,
                       offset) + name + extra


def end_record(count, cd_size, cd_offset):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_offset, 0)


def raw_deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def overlap_zip(entries=200, size=1 << 20):
    """bamsoftware.com/hacks/zipbomb: every central entry points at the one
    deflate stream, so a little data unpacks entries x size bytes"""
    data = b"\0" * size
    comp = raw_deflate(data)
    crc = zlib.crc32(data)
    kernel = local_header(b"k", 8, crc, len(comp), size) + comp
    cd = b"".join(central_header(b"f%03d" % i, 8, crc, len(comp), size, 0)
                  for i in range(entries))
    return kernel + cd + end_record(entries, len(cd), len(kernel))


def lying_zip(claimed=500, real=4 << 20):
    """the headers say 500 bytes; the deflate stream makes 4 MiB"""
    data = b"A" * real
    comp = raw_deflate(data)
    crc = zlib.crc32(data[:claimed])
    lh = local_header(b"small.txt", 8, crc, len(comp), claimed) + comp
    cd = central_header(b"small.txt", 8, crc, len(comp), claimed, 0)
    return lh + cd + end_record(1, len(cd), len(lh))


def aes_short_zip():
    """an AES extra field (0x9901) shorter than its 7 bytes, encrypted flag
    set (OSS-Fuzz 2394-style)"""
    extra = struct.pack("<HH", 0x9901, 3) + b"\x02\x00A"
    lh = local_header(b"secret.txt", 99, 0, 5, 5, extra, flags=1) + b"xxxxx"
    cd = central_header(b"secret.txt", 99, 0, 5, 5, 0, extra, flags=1)
    return lh + cd + end_record(1, len(cd), len(lh))


def unpack_regress():
    write("regress/unpack/overlap-bomb.zip", overlap_zip())
    write("regress/unpack/lying-size.zip", lying_zip())
    write("regress/unpack/aes-extra-short.zip", aes_short_zip())
    deep = zip_bytes([("core.exe", b"MZ")])
    for level in range(8):
        deep = zip_bytes([("level%d.zip" % level, deep)])
    write("regress/unpack/nested-8.zip", deep)
    write("regress/unpack/ratio-bomb.zip", zip_bytes([("zeros.bin", b"\0" * (16 << 20))]))
    whole = zip_bytes([("a.txt", b"truncated " * 100)])
    write("regress/unpack/truncated.zip", whole[: len(whole) // 2])


# --- messages, MIME, HTML (fuzz_msg, fuzz_mime, fuzz_engine, fuzz_html) ----

HDR = b"From: a@a.example\nTo: b@b.example\nSubject: regress\nDate: Tue, 14 Nov 2023 10:00:00 +0000\n"


def message_regress():
    # GMime #15: group_parse recursion on "From: " and 99,999 colons
    write("regress/msg/from-99999-colons.eml", b"From: " + b":" * 99999 + b"\n\nx\n")
    # nested comments and an unterminated quote, linear in our parser
    write("regress/msg/comments-deep.eml",
          b"From: " + b"(" * 5000 + b"a@b.example\nTo: \"" + b"\\\"" * 5000 + b"\n\n")
    # 10,000 headers, and one 100 KB header
    write("regress/msg/many-headers.eml", b"X-H: v\n" * 10000 + b"\nbody\n")
    write("regress/msg/long-header.eml", b"Subject: " + b"word " * 20000 + b"\n\nbody\n")
    # a header block whose blank line straddles offset 4095/4096 (GMime #78)
    pad = 4094 - len(HDR) - len(b"X-Pad: \n")
    write("regress/mime/blank-line-at-4k.eml",
          HDR + b"X-Pad: " + b"p" * pad + b"\n\nContent-Type: text/html\n\n<b>not a header</b>\n")
    # GMime #165 (3.2.13): g_mime_multipart_get_boundary on a multipart
    # without boundary= makes one up and re-encodes the header: an endless
    # loop in g_mime_param_list_encode on a non-ASCII parameter name
    write("regress/mime/crash-gmime165-boundary-loop.eml",
          b"From: a@a.example\nContent-Type: multipart/mixed;\n " + "\u045c".encode() * 36 +
          b"=\"" + "\u045c".encode() + b"\"\n\n--x\n\nbody\n")
    # GMime #159 (3.2.13): an unterminated comment after an address
    # leaks in address_parse, which g_mime_parser_construct_message runs
    write("regress/mime/crash-gmime159-address-leak.eml",
          b"From: =?UTF-8?B?dGVzdA==?= <a@b.c>x@[1.2.3.4] (Unknown [1.2?B?dGVzdA==?=\n\n")
    # OpenDKIM #174: LF only, an empty required header; OpenDKIM #148: 8 A-R
    write("regress/engine/lf-only.eml", b"Return-Path: x\nFrom:\nDate:\n\nbody\n")
    write("regress/engine/auth-results-8.eml", HDR + b"".join(
        b"Authentication-Results: mx%d.example; dkim=pass header.d=example.net(.example.com\n" % i
        for i in range(8)) + b"ARC-Seal: i=1; cv\nARC-Authentication-Results: i=1; (null)=pass\n\nx\n")
    # Dovecot CVE-2020-12100: nesting 120 deep, and 1,000 parts
    nest = b"x\n"
    for i in range(120):
        nest = (b"Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n" % (i, i)) + nest + \
            (b"\n--b%d--\n" % i)
    write("regress/mime/nesting-120.eml", HDR + nest)
    parts = b"".join(b"--a\nContent-Type: text/plain\n\np%d\n" % i for i in range(1000))
    write("regress/mime/parts-1000.eml",
          HDR + b"Content-Type: multipart/mixed; boundary=a\n\n" + parts + b"--a--\n")
    # PHP mailparse #59: repeated message/rfc822 with no limit
    write("regress/mime/rfc822-2000.eml", HDR + b"Content-Type: message/rfc822\n\n" * 2000 + b"x\n")
    # Email-MIME #66: tiny parts, 4-byte boundary
    write("regress/mime/tiny-parts.eml",
          HDR + b"Content-Type: multipart/mixed; boundary=a\n\n" + b"--a\nx:y\n\n" * 5000)
    # a 128 KiB line (the engine reads it through every content check)
    write("regress/engine/line-128k.eml",
          HDR + b"Content-Type: text/html\n\n<p>" + b"a" * (128 << 10) + b"\n")
    # SpamAssassin CVE-2017-15705: unclosed tags
    write("regress/html/unclosed-lt.html", b"<a <b <c " * 8000)
    write("regress/html/div-20000.html", b"<div>" * 20000 + b"text")
    write("regress/html/nested-inline.html",
          b"<span style=\"display:none\">" * 1500 + b"hidden" + b"<a href=\"http://x.example/\">" * 1500)


# --- whole messages for the check pipeline (fuzz_engine) ------------------

def b64_lines(data):
    enc = base64.b64encode(data)
    return b"\n".join(enc[i:i + 76] for i in range(0, len(enc), 76))


def engine_seeds():
    inner = zip_bytes([("invoice.pdf.scr", b"MZ" + b"\x90\x00" * 30)])
    outer = zip_bytes([("docs/inner.zip", inner), ("readme.txt", b"see inside\n")])
    write("seeds/engine/attach-zip.eml", HDR +
          b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"m\"\n\n"
          b"--m\nContent-Type: text/plain; charset=us-ascii\n\nSee attached.\n"
          b"--m\nContent-Type: application/zip; name=\"files.zip\"\n"
          b"Content-Disposition: attachment; filename=\"files.zip\"\n"
          b"Content-Transfer-Encoding: base64\n\n" + b64_lines(outer) + b"\n"
          b"--m\nContent-Type: application/octet-stream\n"
          b"Content-Disposition: attachment; filename=\"report.pdf.exe\"\n"
          b"Content-Transfer-Encoding: base64\n\n" + b64_lines(b"MZ\x90\x00") + b"\n--m--\n")
    html = (b"<html><body><p>Dear customer, please verify your password at "
            b"<a href=\"https://bit.ly/x\">https://bank.example/login</a>.</p>"
            b"<div style=\"display:none\">hidden words for filters</div>"
            b"<img src=\"https://track.example/open.gif\" width=1 height=1>"
            b"<a href=\"http://pastebin.com/abc\">more</a></body></html>")
    write("seeds/engine/bulk-html.eml",
          b"From: \"News\" <news@a.example>\nTo: list@a.example\nSubject: URGENT offer\n"
          b"Date: Tue, 14 Nov 2023 10:00:00 +0000\nMessage-ID: <n1@a.example>\n"
          b"List-Id: <news.a.example>\nPrecedence: bulk\n"
          b"List-Unsubscribe: <mailto:unsub@a.example>, <https://a.example/u?x=1>\n"
          b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\nMIME-Version: 1.0\n"
          b"Content-Type: multipart/alternative; boundary=\"alt\"\n\n"
          b"--alt\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
          b"Dear customer, visit https://bank.example/login \xe2\x80\x94 unsubscribe: https://a.example/u\n"
          b"--alt\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" +
          b64_lines(html) + b"\n--alt--\n")
    write("seeds/engine/raw-8bit.eml",
          b"From: a@a.example\nTo: b@b.example\nSubject: caf\xc3\xa9 \xff\nDate: Tue, 14 Nov 2023 10:00:00 +0000\n"
          b"Message-ID: <r1@a.example>\n\n" + b"long " * 240 + b"\nbare\rcr\x00nul intranet.example.com\n")


# --- config files (fuzz_config) -----------------------------------------

def config_regress():
    write("regress/config/line-4097.conf", b"DNSBLKey " + b"k" * 4088 + b"\n")
    write("regress/config/nul-byte.conf", b"TagScore 1\0\n")
    write("regress/config/include-self.conf", b"Include preflight.conf\n")
    write("regress/config/include-dev-null.conf", b"Include /dev/null\nInclude inc.conf\n")
    write("regress/config/signing-key-no-file.conf", b"SigningKey example.com\nSigningKey *@x\n")


def main():
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    unpack_seeds()
    unpack_regress()
    message_regress()
    engine_seeds()
    config_regress()


if __name__ == "__main__":
    main()

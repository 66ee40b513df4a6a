#!/usr/bin/env python3
"""gen-hostile.py - write the known-bad inputs of reliability.md section 2
into a folder, for test-hostile.sh to replay through `preflight check`.

    gen-hostile.py OUTDIR

Writes OUTDIR/cases.tsv, one case a line, tab-separated:
    name  config  expect  file  mail-from
config is "dns" (the checks that resolve, against the zones written to
OUTDIR/zones/), "local" (no DNS family) or "rules" (local, plus the
pathological rules of OUTDIR/rules.conf); expect is an extended regex
that one finding id must match, or "-" where only a verdict is asked for;
mail-from is the envelope sender ("-": none; may hold 8-bit bytes).
Everything is generated here at run time (deterministic, no fixtures in
git); the biggest file is about 10 MB.  Domains are under .test.
"""
import base64
import os
import struct
import sys
import zlib

DOM = b"hostile.test"
DATE = b"Tue, 14 Nov 2023 10:00:00 +0000"
NOW = 1699956000  # DATE as an epoch, for --now

OUT = None
CASES = []
ZONE = []


# --- messages ------------------------------------------------------------

def message(body=b"Hello.\r\n", headers=None, frm=b"Alice <alice@hostile.test>",
            subject=b"hello", eol=b"\r\n", extra=b""):
    """a small clean message; headers replaces the default Content-Type"""
    h = []
    if frm is not None:
        h.append(b"From: " + frm)
    h += [b"To: Bob <bob@example.net>", b"Subject: " + subject,
          b"Date: " + DATE, b"Message-ID: <hostile.1@hostile.test>",
          b"MIME-Version: 1.0"]
    h += headers if headers is not None else [b"Content-Type: text/plain; charset=us-ascii"]
    return eol.join(h) + eol + extra + eol + body


def case(name, config, expect, data, mail_from=b"-"):
    path = os.path.join(OUT, name + ".eml")
    with open(path, "wb") as f:
        f.write(data)
    CASES.append(b"\t".join([name.encode(), config.encode(), expect.encode(),
                             path.encode(), mail_from]))


def multipart(parts, boundary=b"b0"):
    body = b"".join(b"--" + boundary + b"\r\n" + p + b"\r\n" for p in parts)
    return body + b"--" + boundary + b"--\r\n"


def zip_message(zipdata, name=b"files.zip"):
    b64 = base64.encodebytes(zipdata).replace(b"\n", b"\r\n")
    parts = [b"Content-Type: text/plain\r\n\r\nSee the attachment.\r\n",
             b"Content-Type: application/zip; name=\"" + name + b"\"\r\n"
             b"Content-Disposition: attachment; filename=\"" + name + b"\"\r\n"
             b"Content-Transfer-Encoding: base64\r\n\r\n" + b64]
    return message(multipart(parts),
                   [b"Content-Type: multipart/mixed; boundary=\"b0\""])


# --- zip building blocks (APPNOTE 4.3.7, 4.3.12, 4.3.16) -------------------

def local_header(name, method, crc, csize, usize, extra=b"", flags=0):
    return struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, flags, method, 0, 0x5761,
                       crc, csize, usize, len(name), len(extra)) + name + extra


def central_header(name, method, crc, csize, usize, offset, extra=b"", flags=0):
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, flags, method, 0,
                       0x5761, crc, csize, usize, len(name), len(extra), 0, 0, 0,
                       0o644 << 16, offset) + name + extra


def end_record(n, cdsize, cdoffset):
    return struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, n, n, cdsize, cdoffset, 0)


def zip_of(entries):
    """entries: (name, data, method); honest sizes and CRCs"""
    body, cd = b"", b""
    for name, data, method in entries:
        comp = raw_deflate(data) if method == 8 else data
        crc = zlib.crc32(data)
        cd += central_header(name, method, crc, len(comp), len(data), len(body))
        body += local_header(name, method, crc, len(comp), len(data)) + comp
    return body + cd + end_record(len(entries), len(cd), len(body))


def raw_deflate(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def zeros_deflate(mib):
    """a raw deflate stream of mib MiB of zeros, built from one repeated
    full-flushed block so that gigabytes cost no time; returns (stream, crc)"""
    chunk = b"\0" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    assert block == c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    return first + block * (mib - 1) + c.flush(), crc


def _gf2_times(mat, vec):
    s, i = 0, 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1
        i += 1
    return s


def crc32_combine(crc1, crc2, len2):
    """zlib's crc32_combine: the CRC of A+B from those of A and B"""
    if len2 == 0:
        return crc1
    odd = [0xedb88320] + [1 << n for n in range(31)]
    even = [_gf2_times(odd, odd[n]) for n in range(32)]
    odd = [_gf2_times(even, even[n]) for n in range(32)]
    while True:
        even = [_gf2_times(odd, odd[n]) for n in range(32)]
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = [_gf2_times(even, even[n]) for n in range(32)]
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def fifield_zip(files=100, kernel_mib=20):
    """David Fifield's overlapping-file bomb (bamsoftware.com/hacks/zipbomb):
    each file's deflate stream starts with a stored block that quotes the
    next file's local header, then runs on into that file's data, so every
    file unpacks all the later headers plus the one shared kernel"""
    kernel, kcrc = zeros_deflate(kernel_mib)
    ksize = kernel_mib << 20
    names = [b"%04d.txt" % i for i in range(files)]
    headers = [None] * files
    usize, crc, csize = ksize, kcrc, len(kernel)
    for i in range(files - 1, -1, -1):
        headers[i] = (crc, csize, usize)
        lh = local_header(names[i], 8, crc, csize, usize)
        if i > 0:
            # the file before quotes lh: a stored block of exactly len(lh)
            crc = crc32_combine(zlib.crc32(lh), crc, usize)
            usize += len(lh)
            csize += 5 + len(lh)
    body, offsets = b"", []
    for i in range(files):
        crc, csize, usize = headers[i]
        lh = local_header(names[i], 8, crc, csize, usize)
        offsets.append(len(body))
        body += lh
        if i < files - 1:
            nxt = local_header(names[i + 1], 8, *headers[i + 1])
            body += struct.pack("<BHH", 0, len(nxt), len(nxt) ^ 0xffff)
    body += kernel
    cd = b"".join(central_header(names[i], 8, *headers[i], offsets[i])
                  for i in range(files))
    return body + cd + end_record(files, len(cd), len(body))


def full_overlap_zip(entries=250, kernel_mib=16):
    """every central entry points at the one local header and stream"""
    comp, crc = zeros_deflate(kernel_mib)
    size = kernel_mib << 20
    kernel = local_header(b"k", 8, crc, len(comp), size) + comp
    cd = b"".join(central_header(b"f%03d" % i, 8, crc, len(comp), size, 0)
                  for i in range(entries))
    return kernel + cd + end_record(entries, len(cd), len(kernel))


def lying_zip(claimed=500, real_mib=1024):
    """headers say 500 bytes; the deflate stream makes 1 GiB"""
    comp, _ = zeros_deflate(real_mib)
    crc = zlib.crc32(b"\0" * claimed)
    lh = local_header(b"small.txt", 8, crc, len(comp), claimed) + comp
    cd = central_header(b"small.txt", 8, crc, len(comp), claimed, 0)
    return lh + cd + end_record(1, len(cd), len(lh))


def nested_zip(depth=6, fanout=8, leaf_mib=64):
    """42.zip-style: fanout archives a level, depth levels, leaves of zeros"""
    comp, crc = zeros_deflate(leaf_mib)
    size = leaf_mib << 20
    body, cd = b"", b""
    for i in range(fanout):
        name = b"leaf%d.bin" % i
        cd += central_header(name, 8, crc, len(comp), size, len(body))
        body += local_header(name, 8, crc, len(comp), size) + comp
    z = body + cd + end_record(fanout, len(cd), len(body))
    for level in range(depth - 1):
        z = zip_of([(b"l%d-%d.zip" % (level, i), z, 8) for i in range(fanout)])
    return z


def held_inner_zip(mib=200):
    """an inner .zip of 200 MiB (one stored entry of zeros) that the outer
    archive deflates to a few hundred KiB: unpacking it means holding it"""
    data = b"\0" * (mib << 20)
    inner = (local_header(b"pad.bin", 0, zlib.crc32(data), len(data), len(data))
             + data)
    cd = central_header(b"pad.bin", 0, zlib.crc32(data), len(data), len(data), 0)
    inner += cd + end_record(1, len(cd), len(inner) - len(cd))
    return zip_of([(b"inner.zip", inner, 8)])


def aes_short_zip():
    extra = struct.pack("<HH", 0x9901, 3) + b"\x02\x00A"
    lh = local_header(b"secret.txt", 99, 0, 5, 5, extra, flags=1) + b"xxxxx"
    cd = central_header(b"secret.txt", 99, 0, 5, 5, 0, extra, flags=1)
    return lh + cd + end_record(1, len(cd), len(lh))


# --- DNS: SPF records (reliability.md 2.1) ---------------------------------

def txt(name, record):
    """a TXT line; records over 255 bytes are split into strings"""
    chunks = [record[i:i + 255] for i in range(0, len(record), 255)] or [b""]
    quoted = b" ".join(b'"' + c.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
                       for c in chunks)
    ZONE.append(name + b" IN TXT " + quoted)


def spf_case(name, record, local=b"user", expect="auth-spf-[a-z-]+"):
    sub = name.encode()
    txt(sub, record)
    dom = sub + b"." + DOM
    case(name, "dns", expect,
         message(frm=b"Alice <alice@" + dom + b">"), local + b"@" + dom)


def spf_cases():
    # CVE-2021-20314: long literals between macros fill the compile buffer
    x = b"x" * 240
    spf_case("spf-cve-2021-20314-exp",
             b"v=spf1 exp=" + x + b"%{d}" + x + b"%{l}" + x[:20] + b" -all")
    spf_case("spf-cve-2021-20314-exists",
             b"v=spf1 exists:" + b"y" * 250 + b"%{i}" + b"z" * 250 + b" -all")
    # CVE-2021-33912: uppercase (URL-escaped) macros of 8-bit local parts
    spf_case("spf-cve-2021-33912",
             b"v=spf1 exists:%{L}.x.%{d} exists:%{S}.y exists:%{l}%{l}%{l}%{l}.z -all",
             b"caf\xc3\xa9\xff\x80\xfe")
    # CVE-2021-33913: the r transformer, huge digit counts, many delimiters
    spf_case("spf-cve-2021-33913",
             b"v=spf1 exists:%{ir}.a exists:%{l1r-}.b exists:%{d2147483648}.c "
             b"exists:%{l0r.-+,/_=}.d exists:%{i99r}.e -all",
             b"a.b.c.d.e.f.g.h-i-j+k,l/m_n=o")
    # CVE-2023-42118: a macro string that leaves less than one SPF_data_t
    spf_case("spf-cve-2023-42118",
             b"v=spf1 exists:" + b"%{d}%_%%%-" * 60 + b" -all")
    # ... exactly: 127 macros fill the 511-byte buffer to 508, and the
    # literal after them is copied unchecked, past libspf2's 4 KB stack
    # buffer for a term, past its 515 bytes for an explanation (the crash
    # the fuzzer found); Preflight refuses the one, never fetches the other
    macros = b"%{d}" * 127
    spf_case("spf-cve-2023-42118-term",
             b"v=spf1 exists:" + macros + b"x" * 4000 + b" -all", expect="auth-spf-permerror")
    txt(b"expbomb", macros + b"x" * 600)
    spf_case("spf-cve-2023-42118-exp", b"v=spf1 -all exp=expbomb." + DOM,
             expect="auth-spf-fail")
    # libspf2 issue #52
    spf_case("spf-ptr-52", b"v=spf1 -ptr:domain-spec.tld ptr ptr:%{d} ?all")
    # amplification: 50 chained includes, a redirect loop, void lookups
    for i in range(50):
        txt(b"inc%d" % i, b"v=spf1 include:inc%d.%s -all" % (i + 1, DOM))
    spf_case("spf-include-50", b"v=spf1 include:inc0." + DOM + b" -all")
    txt(b"loopb", b"v=spf1 redirect=spf-redirect-loop." + DOM)
    spf_case("spf-redirect-loop", b"v=spf1 redirect=loopb." + DOM)
    spf_case("spf-void-lookups",
             b"v=spf1 " + b" ".join(b"a:void%d.%s" % (i, DOM) for i in range(8)) + b" -all")
    # a 4 KiB record in 255-byte strings (libspf2 issue #21)
    spf_case("spf-long-record",
             b"v=spf1 " + b" ".join(b"ip4:198.51.%d.%d" % (i // 250, i % 250)
                                    for i in range(250)) + b" -all")


# --- OpenDMARC / OpenDKIM inputs (2.2, 2.3) ----------------------------------

def auth_cases():
    m = lambda frm, extra=b"": message(frm=frm, extra=extra)
    case("from-multi-no-domain", "dns", "format-from-(multiple-addresses|invalid)",
         m(b"user1@hostile.test, user2, user3@hostile.test"), b"user1@hostile.test")
    case("from-multi-good-evil", "dns", "format-from-multiple-addresses",
         m(b"a@hostile.test, b@evil.test"), b"a@hostile.test")
    case("from-absent", "dns", "format-from-missing", m(None), b"a@hostile.test")
    case("from-empty", "dns", "format-from-(invalid|missing)", m(b""), b"a@hostile.test")
    case("from-group-comments", "dns", "format-from-[a-z-]+",
         m(b"(only a comment) undisclosed:;"), b"a@hostile.test")
    case("arc-aar-null", "dns", "-",
         m(b"a@hostile.test", b"ARC-Authentication-Results: i=1; mx.hostile.test; "
           b"(null)=pass; (null)=pass (null)\r\n"), b"a@hostile.test")
    case("arc-seal-cv", "dns", "-", m(b"a@hostile.test", b"ARC-Seal: i=1; cv\r\n"),
         b"a@hostile.test")
    case("arc-seal-long-b", "dns", "-",
         m(b"a@hostile.test", b"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=hostile.test;"
           b" s=s; t=1699956000;\r\n b=" + base64.b64encode(b"\xa5" * 384) + b"\r\n"),
         b"a@hostile.test")
    case("ar-injection", "dns", "-",
         m(b"a@hostile.test",
           b"Authentication-Results: x; dkim=pass header.d=example.net(.example.com\r\n"
           b"Received-SPF: pass (mx: domain of a@hostile.test designates 192.0.2.10 "
           b"as permitted sender) identity=helo; client-ip=192.0.2.10\r\n"),
         b"a@hostile.test")
    case("ar-eight", "dns", "-",
         m(b"a@hostile.test", b"".join(b"Authentication-Results: mx%d.example; "
                                       b"dkim=pass header.d=hostile.test\r\n" % i
                                       for i in range(8))), b"a@hostile.test")
    case("dkim-empty-domain", "dns", "-",
         m(b"a@hostile.test", b"DKIM-Signature: v=1; a=rsa-sha256; d=; s=x; h=from;"
           b" bh=AAAA; b=AAAA\r\n"), b"a@hostile.test")
    case("lf-only", "dns", "format-(bare-newline|from-missing)",
         b"Return-Path: x\n\nbody\n", b"a@hostile.test")


# --- MIME, header and HTML bombs (2.5) ----------------------------------------

def mime_cases():
    case("from-99999-colons", "local", "format-(from-invalid|header-malformed)|size-header-value",
         message(frm=b":" * 99999))
    case("gmime-165-param-loop", "local", "-",
         message(headers=[b"Content-Type: multipart/mixed;\r\n " +
                          "ќ".encode() * 36 + '="ќ"'.encode()]))
    case("gmime-159-address-comment", "local", "-",
         message(frm=b"=?UTF-8?B?QWxpY2U=?= <a@b.c>x@[1.2.3.4] (Unknown [1.2?B?QQ"))
    # the CR of the blank line at offset 4095, its LF at 4096 (GMime #78)
    pad = 4095 - (len(message(body=b"", extra=b"X-Pad: \r\n")) - 2)
    case("blank-line-at-4k", "local", "-",
         message(extra=b"X-Pad: " + b"p" * pad + b"\r\n"))
    tiny = b"".join(b"--a\r\n\r\n" for _ in range(100000)) + b"--a--\r\n"
    case("mime-100k-empty-parts", "local", "mime-limit",
         message(tiny, [b"Content-Type: multipart/mixed; boundary=a"]))
    deep = b"".join(b"Content-Type: multipart/mixed; boundary=d%d\r\n\r\n--d%d\r\n" % (i, i)
                    for i in range(1, 10000)) + b"\r\nleaf\r\n"
    case("mime-nesting-10k", "local", "mime-limit",
         message(b"--d0\r\n" + deep, [b"Content-Type: multipart/mixed; boundary=d0"]))
    case("mime-rfc822-100k", "local", "mime-limit",
         message(b"Content-Type: message/rfc822\r\n\r\n" * 100000,
                 [b"Content-Type: message/rfc822"]))
    d101 = b"".join(b"Content-Type: multipart/mixed; boundary=e%d\r\n\r\n--e%d\r\n" % (i, i)
                    for i in range(1, 101)) + b"\r\nleaf\r\n"
    case("mime-nesting-101", "local", "mime-limit",
         message(b"--e0\r\n" + d101, [b"Content-Type: multipart/mixed; boundary=e0"]))
    case("mime-10001-parts", "local", "mime-limit",
         message(multipart([b"Content-Type: text/plain\r\n\r\nx"] * 10001),
                 [b"Content-Type: multipart/mixed; boundary=\"b0\""]))
    case("duplicate-content-headers", "local", "-",
         message(b"--alt\r\nContent-Type: text/plain\r\n\r\nx\r\n--alt--\r\n",
                 [b"Content-Type: text/plain", b"Content-Type: multipart/alternative; boundary=alt",
                  b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: 7bit"]))
    case("html-unclosed-lt-1m", "local", "html-too-large",
         message(b"<html><body>" + b"<a <b <c " * 116509 + b"\r\n",
                 [b"Content-Type: text/html"]))
    case("html-div-100k", "local", "html-too-large",
         message(b"<html><body>" + b"<div>" * 100000 + b"x\r\n", [b"Content-Type: text/html"]))
    case("header-line-1m", "local", "format-limit-headers|size-header-(total|value)",
         message(subject=b"x" * (1 << 20)))
    case("body-line-1m", "local", "format-line-too-long", message(b"y" * (1 << 20)))
    case("body-line-10m", "local", "format-line-too-long|mime-limit", message(b"z" * (10 << 20)))
    case("headers-10k", "local", "format-limit-headers|size-header-count",
         message(extra=b"".join(b"X-H%d: v\r\n" % i for i in range(10000))))
    case("nul-bytes", "local", "format-nul-byte",
         message(b"a\0b\r\n\0\0\0\r\n", subject=b"nul\0here"))
    evil = base64.b64encode(b"Evil\r\nBcc: victim@example.net\r\n")
    case("rfc2047-crlf", "local", "-",
         message(frm=b"=?UTF-8?B?" + evil + b"?= <a@hostile.test>",
                 subject=b"=?UTF-8?Q?a=0D=0AX-Injected:_1?="))


def zip_cases():
    bomb = "attach-archive-(bomb|limit)"
    case("zip-fifield-overlap", "local", bomb, zip_message(fifield_zip()))
    case("zip-full-overlap", "local", bomb, zip_message(full_overlap_zip()))
    case("zip-lying-size", "local", bomb, zip_message(lying_zip()))
    case("zip-nested-42", "local", bomb, zip_message(nested_zip()))
    case("zip-held-inner", "local", bomb, zip_message(held_inner_zip()))
    comp, crc = zeros_deflate(1024)
    honest = (local_header(b"zeros.bin", 8, crc, len(comp), 1 << 30) + comp)
    cd = central_header(b"zeros.bin", 8, crc, len(comp), 1 << 30, 0)
    case("zip-ratio-1g", "local", bomb,
         zip_message(honest + cd + end_record(1, len(cd), len(honest))))
    case("zip-aes-extra-short", "local", "-", zip_message(aes_short_zip()))
    whole = zip_of([(b"a.txt", b"hello " * 1000, 8)])
    case("zip-truncated", "local", "-", zip_message(whole[:len(whole) // 2]))


# --- catastrophic regex (rules.conf under RULES_MATCH_LIMIT) ------------------

def rules_cases():
    with open(os.path.join(OUT, "rules.conf"), "wb") as f:
        f.write(b'header:Subject rule-redos-subject 1 /^(a+)+$/ "nested quantifier"\n'
                b'body rule-redos-body 1 /(x+x+)+y/ "nested quantifier"\n'
                b'rawbody rule-redos-raw 1 /^(\\w+\\s?)*$/m "nested quantifier"\n')
    case("regex-subject", "rules", "rules-limit", message(subject=b"a" * 40 + b"!"))
    case("regex-body-1m", "rules", "rules-limit",
         message(b"x" * 1000 + b"\r\n" + (b"w" * 60 + b" !\r\n") * 16000))


def main():
    global OUT
    if len(sys.argv) != 2:
        sys.exit("usage: gen-hostile.py OUTDIR")
    OUT = sys.argv[1]
    os.makedirs(os.path.join(OUT, "zones"), exist_ok=True)
    case("baseline-dns", "dns", "-", message(frm=b"Alice <alice@" + DOM + b">"),
         b"alice@" + DOM)
    case("baseline-local", "local", "-", message())
    case("baseline-rules", "rules", "-", message())
    spf_cases()
    auth_cases()
    mime_cases()
    zip_cases()
    rules_cases()
    ZONE.append(b"@ IN TXT \"v=spf1 ip4:192.0.2.10 -all\"")
    ZONE.append(b"_dmarc IN TXT \"v=DMARC1; p=reject\"")
    ZONE.append(b"mail IN A 192.0.2.10")
    head = (b"$ORIGIN hostile.test.\n$TTL 60\n"
            b"@ IN SOA ns.hostile.test. hostmaster.hostile.test. 1 3600 600 86400 60\n"
            b"@ IN NS ns.hostile.test.\nns IN A 127.0.0.1\n")
    with open(os.path.join(OUT, "zones", "hostile.test.zone"), "wb") as f:
        f.write(head + b"\n".join(ZONE) + b"\n")
    # the root: every other name is NXDOMAIN at once, never a timeout
    with open(os.path.join(OUT, "zones", "root.zone"), "wb") as f:
        f.write(b"$ORIGIN .\n$TTL 60\n"
                b"@ IN SOA ns.hostile.test. hostmaster.hostile.test. 1 3600 600 86400 60\n"
                b"@ IN NS ns.hostile.test.\n")
    with open(os.path.join(OUT, "cases.tsv"), "wb") as f:
        f.write(b"\n".join(CASES) + b"\n")


if __name__ == "__main__":
    main()

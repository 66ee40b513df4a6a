#!/usr/bin/env python3
"""gmail-blocked.py FILE... - an oracle independent of Preflight: print the
names of the messages that carry a file type on Gmail's blocked list
(providers.md 3.1), as an attachment, compressed (name.exe.gz) or inside a
zip or tar archive (nested ones too), with what was found.  Python's own
email, zipfile and tarfile modules do the reading, so a bug in Preflight's
GMime/libarchive path cannot hide itself."""
import email, email.policy, gzip, bz2, io, lzma, sys, tarfile, zipfile

GMAIL = set("""ade adp apk appx appxbundle bat cab chm cmd com cpl diagcab diagcfg diagpkg
dll dmg ex ex_ exe hta img ins iso isp jar jnlp js jse lib lnk mde mjs msc msi msix msixbundle
msp mst nsh pif ps1 scr sct shb sys vb vbe vbs vhd vxd wsc wsf wsh xll""".split())
SQUEEZE = {"gz": gzip.decompress, "bz2": bz2.decompress, "xz": lzma.decompress}


def ext(name):
    base = name.replace("\\", "/").rsplit("/", 1)[-1].rstrip(". ")
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def look(name, data, depth, out):
    """append 'name' when it (or what it holds) is a blocked type"""
    if depth > 3:
        return
    e = ext(name)
    if e in GMAIL:
        out.append(name)
        return
    try:
        if e in SQUEEZE and data is not None:
            inner = name.rstrip(". ")[: -len(e) - 1]
            look(inner, SQUEEZE[e](data), depth + 1, out)
        elif data is not None and zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for i in z.infolist()[:1000]:
                    try:
                        inner = z.read(i) if i.file_size < 32 << 20 else None
                    except Exception:  # encrypted or damaged: the name still counts
                        inner = None
                    look(name + " > " + i.filename, inner, depth + 1, out)
        elif e in ("tar", "tgz", "tbz2", "txz") and data is not None:
            with tarfile.open(fileobj=io.BytesIO(data)) as t:
                for m in t.getmembers()[:1000]:
                    f = t.extractfile(m) if m.isfile() and m.size < 32 << 20 else None
                    look(name + " > " + m.name, f.read() if f else None, depth + 1, out)
    except Exception:
        pass


for path in sys.argv[1:]:
    with open(path, "rb") as fh:
        msg = email.message_from_binary_file(fh, policy=email.policy.compat32)
    found = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        if not name:
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception:
            data = None
        look(str(name), data, 0, found)
    if found:
        print("%s\t%s" % (path, ", ".join(found)))

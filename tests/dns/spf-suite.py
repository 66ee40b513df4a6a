#!/usr/bin/env python3
"""spf-suite.py - the openspf RFC 7208 test suite (pyspf's rfc7208-tests.yml)
as nsd zone files, and its tests run through tests/dns/spf-eval.

Used by tests/dns/test-spf-suite.sh, which starts and restarts nsd:

  spf-suite.py count YAML                  number of scenarios
  spf-suite.py zones YAML I DIR            write scenario I's zones into DIR
  spf-suite.py run YAML I EVAL ADDR MS     run scenario I's tests; one line each:
                                           name TAB got TAB want1|want2 TAB 0|1 TAB detail

Zone data follows pyspf's own test driver (testspf.py):
- SPF entries are also served as TXT unless the name has a TXT entry of its
  own; "TXT: NONE" means "no TXT record" (it only stops that copying).
- Every name lives in one root zone (file "..zone", zone "."), so any name
  the zone data does not list is NXDOMAIN, as in pyspf and as the real root
  answers for a name such as "[1.2.3.5]".  nsd-env.sh takes every *.zone
  file of the folder; the caller sets bash's dotglob so the glob sees it.
- TIMEOUT: pyspf raises a DNS timeout for a query whose type is not listed
  before the TIMEOUT entry.  A name whose TXT record is not listed before
  it becomes a zone of its own whose file holds no SOA: nsd then answers
  SERVFAIL for it, which the resolver reports as a temporary failure, the
  same outcome as a timeout but at once.  Names below it get zones of
  their own so they still answer.  For a name whose TXT record comes
  before TIMEOUT only the types listed before it are served; other types
  get NODATA where pyspf would time out (no test of the suite asks them).
- Names no DNS can hold (a label over 63 octets, an empty label, over 253
  octets) are left out: pyspf's tests expect them never to be queried.
"""
import ipaddress
import os
import subprocess
import sys

import yaml

HEADER = """$ORIGIN {origin}
$TTL 60
@ IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 86400 60
@ IN NS ns.invalid.
"""


def load(path):
    with open(path, "rb") as f:
        return list(yaml.safe_load_all(f))


def name_ok(name):
    if not name or len(name) > 253:
        return False
    return all(0 < len(label) <= 63 for label in name.split("."))


def ldh(name):
    """letters, digits, hyphens and dots only: usable as a zone file name"""
    return bool(name) and all(c.isascii() and (c.isalnum() or c in "-.") for c in name)


def norm(name):
    return str(name).rstrip(".").lower()


def esc_name(name):
    """absolute owner/target name with zone-file escapes"""
    out = []
    for label in name.split("."):
        s = ""
        for b in label.encode("utf-8"):
            c = chr(b)
            s += c if (c.isascii() and (c.isalnum() or c in "-_")) else "\\%03d" % b
        out.append(s)
    return ".".join(out) + "."


def esc_txt(strings):
    """a TXT rdata: each string quoted, split into 255-octet pieces"""
    parts = []
    for s in strings:
        data = str(s).encode("utf-8")
        chunks = [data[i:i + 255] for i in range(0, len(data), 255)] or [b""]
        for chunk in chunks:
            q = ""
            for b in chunk:
                c = chr(b)
                q += c if 32 <= b < 127 and c not in '"\\' else "\\%03d" % b
            parts.append('"' + q + '"')
    return " ".join(parts) if parts else '""'


def records(entries):
    """pyspf's getrdata: (type, value) pairs served, and whether the name's
    TXT query times out (TIMEOUT before any TXT entry)"""
    served, generated, gen_txt, dead, timeout_seen = [], [], True, False, False
    answered = set()
    for e in entries:
        if e == "TIMEOUT":
            timeout_seen = True
            dead = dead or "TXT" not in answered
            continue
        for t, v in e.items():
            if t == "TXT":
                gen_txt = False
            elif t == "SPF" and gen_txt:
                generated.append(("TXT", v))
            if v == "NONE":
                continue
            if v == "TIMEOUT":
                dead = dead or t == "TXT"
                continue
            if not timeout_seen:
                served.append((t, v))
                answered.add(t)
    if gen_txt and not timeout_seen:
        served += generated
    return served, dead


def rr_lines(owner, recs):
    lines = []
    if any(t == "CNAME" for t, _ in recs):
        recs = [r for r in recs if r[0] == "CNAME"][:1]
    for t, v in recs:
        try:
            if t in ("TXT", "SPF"):
                lines.append("%s %s %s" % (owner, t, esc_txt(v if isinstance(v, list) else [v])))
            elif t == "A":
                lines.append("%s A %s" % (owner, ipaddress.IPv4Address(v)))
            elif t == "AAAA":
                lines.append("%s AAAA %s" % (owner, ipaddress.IPv6Address(v)))
            elif t == "MX":
                pref, host = v
                lines.append("%s MX %d %s" % (owner, int(pref), esc_name(norm(host)) if norm(host) else "."))
            elif t in ("PTR", "CNAME"):
                lines.append("%s %s %s" % (owner, t, esc_name(norm(v))))
        except (ValueError, TypeError):
            print("skipped %s %s %r" % (owner, t, v), file=sys.stderr)
    return lines


def write_zones(doc, outdir):
    for f in os.listdir(outdir):
        os.unlink(os.path.join(outdir, f))
    data = {}
    for name, entries in doc["zonedata"].items():
        n = norm(name)
        if name_ok(n):
            data.setdefault(n, []).extend(entries or [])
    recs = {n: records(e) for n, e in data.items()}
    dead = {n for n, (_, d) in recs.items() if d}
    zones = {".": []}
    for n, (served, d) in recs.items():
        if d:
            continue
        zone = "."
        if any(n.endswith("." + x) for x in dead):
            if not ldh(n):
                continue
            # its own zone: a CNAME cannot sit beside the SOA
            zone = n
            served = [r for r in served if r[0] != "CNAME"]
        zones.setdefault(zone, [])
        zones[zone] += rr_lines(esc_name(n), served)
    for zone, lines in zones.items():
        with open(os.path.join(outdir, zone + ".zone"), "w") as f:
            f.write(HEADER.format(origin="." if zone == "." else esc_name(zone)))
            f.write("\n".join(lines) + "\n")
    for zone in (z for z in dead if ldh(z)):
        with open(os.path.join(outdir, zone + ".zone"), "w") as f:
            f.write("; TIMEOUT in the suite: no SOA, so nsd answers SERVFAIL\n")


def run(doc, evalprog, addr, ms):
    for name, t in doc["tests"].items():
        want = t["result"] if isinstance(t["result"], list) else [t["result"]]
        argv = [evalprog, "--dns", addr, "--timeout-ms", str(ms),
                "--ip=" + str(t["host"]), "--mail-from=" + str(t.get("mailfrom", "")),
                "--helo=" + str(t.get("helo", ""))]
        try:
            proc = subprocess.run(argv, capture_output=True, timeout=30)
            got, detail = "error", ""
            for line in proc.stdout.decode("utf-8", "replace").splitlines():
                if line.startswith("result="):
                    got = line[7:]
                elif line.startswith("detail="):
                    detail = line[7:].replace("\t", " ")
            if proc.returncode != 0:
                # a crash or a sanitizer report: never an expected answer
                got = "exit-%d" % proc.returncode
                detail = proc.stderr.decode("utf-8", "replace").strip().replace("\n", " | ")[:300]
        except subprocess.TimeoutExpired:
            got, detail = "hang", "spf-eval ran 30 s"
        print("%s\t%s\t%s\t%d\t%s" % (name, got, "|".join(want), got in want, detail))


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 64
    docs = load(argv[2])
    if argv[1] == "count":
        print(len(docs))
    elif argv[1] == "zones" and len(argv) == 5:
        write_zones(docs[int(argv[3])], argv[4])
    elif argv[1] == "run" and len(argv) == 7:
        run(docs[int(argv[3])], argv[4], argv[5], int(argv[6]))
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

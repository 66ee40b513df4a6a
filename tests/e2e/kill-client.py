#!/usr/bin/env python3
"""tests/e2e/kill-client.py - an SMTP client that never gives up on a 4xx.

    kill-client.py --port P --count N --tag T --out DIR [--conns C]
                   [--attempts A] [--kinds clean,tag,hold]

Sends N messages, each with a unique Message-ID <kill-I.T@example.com>,
over C parallel SMTP connections to 127.0.0.1:P.  Message I is of kind
KINDS[I % len(KINDS)]:
    clean  a well-formed message                 (Preflight: accept)
    tag    no MIME-Version header                (a weak finding: tag)
    hold   two From: headers                     (a certain finding: hold)

A 4xx at any stage, or a connection that breaks, is a temporary failure:
the client drops the connection, waits a little and sends the message
again on a fresh one, at most A attempts.  A 5xx is final.  A connection
that breaks after the end of DATA is an "ambiguous" outcome (the server may
have queued the message); the message is sent again and the event
counted, so a duplicate shows up at the sink instead of being hidden.

Files in DIR, one line each, flushed at once so a test can poll them:
    results   "ok MSGID QUEUEID ATTEMPTS KIND" | "perm MSGID CODE TEXT"
              | "gaveup MSGID LASTERROR"            (one per message)
    events    "tempfail MSGID STAGE CODE" | "broken MSGID STAGE ERROR"
Exit status 0 when every message got a final line.
"""
import argparse
import email.utils
import os
import queue
import smtplib
import socket
import sys
import threading
import time


def make_message(i, tag, kind):
    mid = "kill-%d.%s@example.com" % (i, tag)
    lines = ["From: Alice Example <alice@example.com>"]
    if kind == "hold":
        lines.append("From: Mallory <mallory@example.com>")
    lines += [
        "To: Bob <bob@example.org>",
        "Subject: preflight kill test %d (%s)" % (i, kind),
        "Date: " + email.utils.formatdate(localtime=True),
        "Message-ID: <%s>" % mid,
    ]
    if kind != "tag":
        lines.append("MIME-Version: 1.0")
    lines += [
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Hello Bob,",
        "",
        "this is kill test message %d, a %s one." % (i, kind),
        "",
        "Alice",
        "",
    ]
    return mid, "\r\n".join(lines).encode("ascii")


class Recorder:
    def __init__(self, outdir):
        self.lock = threading.Lock()
        self.results = open(os.path.join(outdir, "results"), "a")
        self.events = open(os.path.join(outdir, "events"), "a")

    def _write(self, f, line):
        with self.lock:
            f.write(line + "\n")
            f.flush()

    def result(self, line):
        self._write(self.results, line)

    def event(self, line):
        self._write(self.events, line)


class Temporary(Exception):
    def __init__(self, stage, code, text, ambiguous=False):
        super().__init__("%s %s %s" % (stage, code, text))
        self.stage, self.code, self.text = stage, code, text
        self.ambiguous = ambiguous


class Permanent(Exception):
    def __init__(self, code, text):
        super().__init__("%s %s" % (code, text))
        self.code, self.text = code, text


def check(stage, reply):
    code, text = reply
    text = text.decode("ascii", "replace") if isinstance(text, bytes) else str(text)
    text = " ".join(text.split())
    if 200 <= code < 400:
        return text
    if 400 <= code < 500:
        raise Temporary(stage, code, text)
    raise Permanent(code, text)


def send_one(conn, data):
    """One transaction on conn; returns the queue id from the 250 reply."""
    check("mail", conn.mail("alice@example.com"))
    check("rcpt", conn.rcpt("bob@example.org"))
    try:
        text = check("data", conn.data(data))
    except smtplib.SMTPResponseException as e:
        # The DATA command itself was refused: nothing was sent yet.
        check("data", (e.smtp_code, e.smtp_error))
        raise
    except (smtplib.SMTPServerDisconnected, OSError) as e:
        # The final dot may have been sent and the message queued.
        raise Temporary("data", "-", repr(e), ambiguous=True)
    words = text.split()
    return words[words.index("as") + 1] if "as" in words[:-1] else "?"


def worker(args, work, rec):
    conn = None
    while True:
        try:
            item = work.get_nowait()
        except queue.Empty:
            break
        i, kind, attempt = item
        mid, data = make_message(i, args.tag, kind)
        try:
            if conn is None:
                conn = smtplib.SMTP("127.0.0.1", args.port, timeout=120)
                check("ehlo", conn.ehlo("client.preflight.example.com"))
            qid = send_one(conn, data)
            rec.result("ok %s %s %d %s" % (mid, qid, attempt, kind))
            continue
        except Permanent as e:
            rec.result("perm %s %s %s" % (mid, e.code, e.text))
            try:
                conn.rset()
            except (smtplib.SMTPException, OSError):
                conn = None
            continue
        except Temporary as e:
            what = "broken" if e.ambiguous else "tempfail"
            rec.event("%s %s %s %s %s" % (what, mid, e.stage, e.code, e.text))
            last = str(e)
        except (smtplib.SMTPException, OSError) as e:
            rec.event("broken %s connect - %r" % (mid, e))
            last = repr(e)
        # Temporary: a fresh connection for the retry (Postfix < 3.11
        # tempfails the rest of a session after one milter error).
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass
            conn = None
        if attempt >= args.attempts:
            rec.result("gaveup %s %s" % (mid, last))
            continue
        # A retry back-off, like a real client's queue; not a synchronisation.
        time.sleep(min(0.05 * attempt, 0.5))
        work.put((i, kind, attempt + 1))
    if conn is not None:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--conns", type=int, default=4)
    ap.add_argument("--attempts", type=int, default=200)
    ap.add_argument("--tag", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kinds", default="clean,tag,hold")
    args = ap.parse_args()
    kinds = args.kinds.split(",")
    socket.setdefaulttimeout(120)
    rec = Recorder(args.out)
    work = queue.Queue()
    for i in range(args.count):
        work.put((i, kinds[i % len(kinds)], 1))
    # A worker may find the queue empty while another is about to put a
    # retry back: keep starting rounds until nothing is left.
    while not work.empty():
        threads = [threading.Thread(target=worker, args=(args, work, rec))
                   for _ in range(args.conns)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    with open(os.path.join(args.out, "results")) as f:
        done = sum(1 for _ in f)
    return 0 if done == args.count else 1


if __name__ == "__main__":
    sys.exit(main())

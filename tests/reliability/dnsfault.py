#!/usr/bin/python3
# dnsfault.py - a faulty DNS proxy on 127.0.0.1 for the soak test.
#
#   dnsfault.py --upstream PORT --port-file FILE --stats FILE [--seed N]
#               [--servfail 0.20] [--drop 0.05] [--garbage 0.01] [--clean]
#               [--outage 0] [--outage-secs 1] [--trace FILE]
#
# Listens on one free port (UDP and TCP alike) and writes that port to
# --port-file once both sockets are bound (written to FILE.tmp, then
# renamed, so a reader never sees half of it).  Each query gets one fate,
# drawn from a seeded RNG:
#   servfail  the query's id and question back with RCODE 2 (SERVFAIL)
#   drop      no answer at all
#   garbage   one of: random bytes; a header claiming one answer that is
#             not there (truncated); the upstream's answer under another id
#   forward   sent to nsd on 127.0.0.1:--upstream, its answer relayed
# --outage RATE adds outages: a query may (RATE) start one for its name and
# type, and for --outage-secs every query for them gets SERVFAIL, or no
# answer (half the outages each).  A resolver retries a query (libunbound:
# up to 5 times), which hides most single faults from its caller; an
# outage is what a server down for a moment looks like, and it reaches the
# caller every time.
# SIGUSR2 turns the faults off and on again; with --clean they start off
# (a fault-free warm-up first, then the soak, without a restart).
# --trace FILE logs one line per query: its fate, name and type.
#
# Counts (queries, udp, tcp, each fate, the garbage kinds, outages and the
# queries they failed, upstream_lost) are written to --stats as one
# "key=value ..." line at SIGUSR1 (and the proxy goes on), at SIGTERM or
# SIGINT (and it exits 0), and at a normal exit.  Python 3 standard library only.
import argparse
import os
import random
import selectors
import signal
import socket
import struct
import sys
import threading
import time

UPSTREAM_WAIT = 5.0		# an upstream answer later than this is lost
COUNTERS = ("queries", "udp", "tcp", "forward", "answered", "servfail", "drop",
	    "garbage", "garbage_random", "garbage_truncated", "garbage_wrong_id",
	    "outages", "outage_servfail", "outage_drop", "upstream_lost", "malformed")


class Proxy:
	def __init__(self, a):
		self.a = a
		self.rng = random.Random(a.seed)
		self.lock = threading.RLock()	# RNG and counters: TCP threads, signal handlers
		self.faults = not a.clean
		self.n = dict.fromkeys(COUNTERS, 0)
		self.upstream = ("127.0.0.1", a.upstream)
		self.trace = open(a.trace, "w", buffering=1) if a.trace else None
		self.outage = {}		# "name type" -> (until, "o-servfail" or "o-drop")

	def count(self, key, k=1):
		with self.lock:
			self.n[key] += k

	def fate(self, q):
		"""one fate for one query, and the garbage kind"""
		with self.lock:
			self.n["queries"] += 1
			r, kind = self.rng.random(), self.rng.randrange(3)
			f = self.outage_fate(qname(q)) if self.faults else "forward"
			if f is None:
				a = self.a
				f = "servfail" if r < a.servfail else \
				    "drop" if r < a.servfail + a.drop else \
				    "garbage" if r < a.servfail + a.drop + a.garbage else "forward"
			self.n[f.replace("o-", "outage_") if f in self.OUT else f] += 1
			if f == "garbage":
				self.n[("garbage_random", "garbage_truncated",
					"garbage_wrong_id")[kind]] += 1
			if self.trace is not None:
				self.trace.write("%s %s\n" % (f, qname(q)))
			return self.OUT.get(f, f), kind

	OUT = {"o-servfail": "servfail", "o-drop": "drop"}

	def outage_fate(self, key):
		"""the fate an outage of key gives now, or None; may start one"""
		now = time.monotonic()
		o = self.outage.get(key)
		if o is not None and o[0] > now:
			return o[1]
		if self.a.outage > 0 and self.rng.random() < self.a.outage:
			f = self.rng.choice(("o-servfail", "o-drop"))
			self.outage[key] = (now + self.a.outage_secs, f)
			self.n["outages"] += 1
			return f
		return None

	def junk(self, n):
		with self.lock:
			return self.rng.randbytes(n)

	def stats_line(self):
		with self.lock:
			return " ".join("%s=%d" % (k, self.n[k]) for k in COUNTERS)

	def write_stats(self):
		tmp = self.a.stats + ".tmp"
		with open(tmp, "w") as f:
			f.write(self.stats_line() + "\n")
		os.replace(tmp, self.a.stats)


def question_end(q):
	"""offset just past the (first) question of query q, or None"""
	if len(q) < 12 or struct.unpack("!H", q[4:6])[0] < 1:
		return None
	i = 12
	for _ in range(128):
		if i >= len(q):
			return None
		n = q[i]
		if n == 0:
			i += 1
			break
		if n & 0xC0:		# no compression in a query's question
			return None
		i += 1 + n
	else:
		return None
	return i + 4 if i + 4 <= len(q) else None


def qname(q):
	"""the question of q as "name type", for --trace"""
	end = question_end(q)
	if end is None:
		return "? ?"
	labels, i = [], 12
	while q[i] != 0:
		labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
		i += 1 + q[i]
	return "%s. %d" % (".".join(labels), struct.unpack("!H", q[end - 4:end - 2])[0])


def servfail(q):
	"""the query's id and question, QR and RA set, RCODE 2; None if malformed"""
	end = question_end(q)
	if end is None:
		return None
	flags = struct.unpack("!H", q[2:4])[0]
	flags = 0x8000 | (flags & 0x7900) | 0x0080 | 2	# QR, opcode+RD kept, RA, SERVFAIL
	return q[0:2] + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + q[12:end]


def garbage(p, q, kind, answer=None):
	"""bad bytes for query q: 0 random, 1 truncated, 2 another id"""
	if kind == 0 or len(q) < 12:
		return p.junk(1 + p.junk(1)[0] % 200)
	if kind == 1:
		# a reply header that promises an answer and ends there
		flags = 0x8000 | (struct.unpack("!H", q[2:4])[0] & 0x0100) | 0x0080
		return q[0:2] + struct.pack("!HHHHH", flags, 1, 1, 0, 0)
	reply = answer if answer is not None else servfail(q) or q
	wrong = (struct.unpack("!H", reply[0:2])[0] ^ 0x5A5A) & 0xFFFF
	return struct.pack("!H", wrong) + reply[2:]


def serve_udp(p, us):
	"""the UDP side: one selector loop, one upstream socket per forwarded query"""
	sel = selectors.DefaultSelector()
	sel.register(us, selectors.EVENT_READ, None)
	pending = {}			# upstream socket -> (client, deadline, garbage kind or None)
	while True:
		for key, _ in sel.select(timeout=0.5):
			s = key.fileobj
			if s is us:
				try:
					q, client = us.recvfrom(65535)
				except (BlockingIOError, InterruptedError):
					continue
				udp_query(p, us, sel, pending, q, client)
				continue
			client, _, kind = pending.pop(s)
			sel.unregister(s)
			try:
				a = s.recv(65535)
				out = a if kind is None else garbage(p, b"", 2, a) if len(a) >= 2 else a
				us.sendto(out, client)
				if kind is None:
					p.count("answered")
			except OSError:
				p.count("upstream_lost")
			s.close()
		now = time.monotonic()
		for s in [s for s, v in pending.items() if v[1] < now]:
			pending.pop(s)
			sel.unregister(s)
			s.close()
			p.count("upstream_lost")


def draw(p, q, proto):
	"""count query q (proto "udp" or "tcp") and draw its fate: (fate, reply).
	servfail and garbage come with the reply made here (a SERVFAIL is None
	when q is too malformed for one); "relay", garbage that relays the real
	answer under another id, and forward need the upstream; drop, nothing"""
	p.count(proto)
	f, kind = p.fate(q)
	if f == "servfail":
		return f, servfail(q)
	if f == "garbage":
		return ("relay", None) if kind == 2 else (f, garbage(p, q, kind))
	return f, None


def udp_query(p, us, sel, pending, q, client):
	f, r = draw(p, q, "udp")
	if f == "drop":
		return
	if f in ("servfail", "garbage"):
		if r is None:
			p.count("malformed")
		else:
			us.sendto(r, client)
		return
	# forward or relay
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.setblocking(False)
	try:
		s.sendto(q, p.upstream)
	except OSError:
		s.close()
		p.count("upstream_lost")
		return
	pending[s] = (client, time.monotonic() + UPSTREAM_WAIT, 2 if f == "relay" else None)
	sel.register(s, selectors.EVENT_READ, None)


def read_exact(c, n):
	b = b""
	while len(b) < n:
		d = c.recv(n - len(b))
		if not d:
			return None
		b += d
	return b


def tcp_conn(p, c):
	"""one TCP client: length-prefixed queries, one fate each"""
	c.settimeout(10)
	try:
		while True:
			h = read_exact(c, 2)
			if h is None:
				return
			q = read_exact(c, struct.unpack("!H", h)[0])
			if q is None:
				return
			f, r = draw(p, q, "tcp")
			if f == "drop":
				continue
			if f in ("forward", "relay"):
				r = tcp_forward(p, q)
				if r is not None and f == "relay":
					r = garbage(p, b"", 2, r)
				elif r is not None:
					p.count("answered")
			if r is None:
				p.count("upstream_lost")
				return
			c.sendall(struct.pack("!H", len(r)) + r)
	except OSError:
		pass
	finally:
		c.close()


def tcp_forward(p, q):
	try:
		with socket.create_connection(p.upstream, timeout=UPSTREAM_WAIT) as u:
			u.sendall(struct.pack("!H", len(q)) + q)
			h = read_exact(u, 2)
			return None if h is None else read_exact(u, struct.unpack("!H", h)[0])
	except OSError:
		return None


def serve_tcp(p, ts):
	while True:
		try:
			c, _ = ts.accept()
		except OSError:
			continue
		threading.Thread(target=tcp_conn, args=(p, c), daemon=True).start()


def bind_pair():
	"""a UDP and a TCP socket on the same free 127.0.0.1 port"""
	for _ in range(50):
		us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		us.bind(("127.0.0.1", 0))
		port = us.getsockname()[1]
		ts = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		ts.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		try:
			ts.bind(("127.0.0.1", port))
		except OSError:
			us.close()
			ts.close()
			continue
		ts.listen(64)
		us.setblocking(False)
		return us, ts, port
	sys.exit("dnsfault.py: no port free for both UDP and TCP")


def rate(s):
	v = float(s)
	if not 0.0 <= v <= 1.0:
		raise argparse.ArgumentTypeError("a rate is between 0 and 1")
	return v


def main():
	ap = argparse.ArgumentParser(description="faulty DNS proxy in front of a test server")
	ap.add_argument("--upstream", type=int, required=True, help="nsd's port on 127.0.0.1")
	ap.add_argument("--port-file", required=True)
	ap.add_argument("--stats", required=True)
	ap.add_argument("--seed", type=int, default=8)
	ap.add_argument("--servfail", type=rate, default=0.20)
	ap.add_argument("--drop", type=rate, default=0.05)
	ap.add_argument("--garbage", type=rate, default=0.01)
	ap.add_argument("--outage", type=rate, default=0.0,
			help="share of queries that start an outage of their name")
	ap.add_argument("--outage-secs", type=float, default=1.0)
	ap.add_argument("--trace", help="log each query's fate, name and type here")
	ap.add_argument("--clean", action="store_true",
			help="forward everything until SIGUSR2 (which toggles)")
	a = ap.parse_args()
	if a.servfail + a.drop + a.garbage > 1.0:
		ap.error("the rates add up to more than 1")
	p = Proxy(a)

	def on_stats(sig, frame):
		p.write_stats()

	def on_faults(sig, frame):
		with p.lock:
			p.faults = not p.faults

	def on_term(sig, frame):
		p.write_stats()
		os._exit(0)
	signal.signal(signal.SIGUSR1, on_stats)
	signal.signal(signal.SIGUSR2, on_faults)
	signal.signal(signal.SIGTERM, on_term)
	signal.signal(signal.SIGINT, on_term)
	us, ts, port = bind_pair()
	threading.Thread(target=serve_tcp, args=(p, ts), daemon=True).start()
	tmp = a.port_file + ".tmp"
	with open(tmp, "w") as f:
		f.write("%d\n" % port)
	os.replace(tmp, a.port_file)
	try:
		serve_udp(p, us)
	finally:
		p.write_stats()


if __name__ == "__main__":
	main()

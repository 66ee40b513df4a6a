#!/usr/bin/python3
# gen-corpus.py - deterministic mail corpus and DNS zones for the milter bench.
#
#   /usr/bin/python3 bench/gen-corpus.py --out DIR [--count 200] [--seed 42] [--sweep]
#
# Writes DIR/corpus/NNN.eml (sizes log-uniform 2 KiB .. 2 MiB; plain text,
# html+text alternative, or with attachments: a PDF-like base64 part, a real
# zip, or both; everything over 150 KiB has attachments), DIR/zones/<zone>.zone
# for nsd (tests/dns/nsd-env.sh), DIR/corpus.txt (counts per kind and one line
# per message) and, with --sweep, DIR/sweep/{10k,100k,1m,10m,25m}.eml.
#
# Senders: 60 % DKIM-signed from example.test / news.example.test (dkimpy,
# rsa-sha256, relaxed/relaxed, s=s1, TEST key bench/keys/s1.private), 10 %
# signed and then altered (the signature fails), 30 % unsigned from
# partner.test, whose SPF does not allow the bench client 192.0.2.10.
# Every domain used is in the zones: nothing resolves outside.
#
# The same seed gives byte-identical files: Dates are fixed, Message-IDs,
# boundaries and attachment bytes come from the seeded RNG, DKIM t= is the
# Date, zip entries carry a fixed timestamp.  Every signature is verified
# against the generated key record before the files are written.
# Needs Debian's python3-dkim (dkimpy).
import argparse
import base64
import datetime
import email.utils
import io
import os
import random
import re
import sys
import textwrap
import zipfile

try:
	import dkim
except ImportError:
	sys.exit("gen-corpus.py: needs python3-dkim (dkimpy): apt-get install python3-dkim")

KIB = 1024
MIN_SIZE, MAX_SIZE, ATTACH_OVER = 2 * KIB, 2048 * KIB, 150 * KIB
SWEEP = [("10k", 10 * KIB), ("100k", 100 * KIB), ("1m", 1024 * KIB),
	 ("10m", 10240 * KIB), ("25m", 25600 * KIB)]
BASE_DATE = datetime.datetime(2024, 5, 6, 8, 0, 0, tzinfo=datetime.timezone.utc)
ZIP_DATE = (2024, 5, 6, 8, 0, 0)
SELECTOR = "s1"
SIGNED_HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
		  "Content-Type"]
UNSUB_HEADERS = ["List-Unsubscribe", "List-Unsubscribe-Post"]
CLIENT_IP = "192.0.2.10"

FIRST = ("Anna Ben Clara David Emma Felix Greta Hugo Ida Jonas Karin Lars Maria "
	 "Nils Olga Paul Rita Sven Tina Uwe Vera Walter Yara Zoe").split()
LAST = ("Berg Carlsson Dahl Eriksen Fischer Gruber Hansen Iversen Jensen Keller "
	"Lund Meyer Nielsen Olsen Peters Richter Schmidt Thomsen Vogel Weber").split()
NOUN = ("budget forecast invoice contract proposal schedule report agenda "
	"shipment delivery order quote project milestone review workshop audit "
	"roadmap summary presentation spreadsheet timeline renewal estimate "
	"campaign survey release migration rollout training policy").split()
ADJ = ("quarterly revised final updated draft annual monthly regional new "
       "preliminary internal detailed signed current pending").split()
VERB = ("review check approve update share prepare finalise discuss confirm "
	"send sign schedule").split()
DEPT = "Finance Sales Operations Purchasing Engineering Marketing Support".split()
DAYS = "Monday Tuesday Wednesday Thursday Friday".split()
MONTHS = ("January February March April May June July August September October "
	  "November December").split()
SENTENCES = [
	"Please {V} the {A} {N} before {D}.",
	"We have received the {N} and will {V} it with the team on {D}.",
	"The {N} for {M} is ready; let me know if the figures look right.",
	"Could you {V} the {N} with {P} by the end of the week?",
	"As discussed in yesterday's call, the {A} {N} needs another review.",
	"Our team expects the {N} to grow by {PC} percent next quarter.",
	"{P} asked whether the {N} can be moved to {D} at {T}.",
	"I have updated the {N} and the {A} {N} in the shared folder.",
	"The {A} {N} is now available on {LINK}.",
	"Thanks again for your help with the {N} last week.",
	"If you have any questions about the {N}, reply to this message.",
	"The total for order {O} comes to {X}.{Y} EUR, payable within 30 days.",
	"We will {V} the {N} once {P} has signed off on the {A} {N}.",
	"The meeting on {D} at {T} will cover the {N} and the {A} {N}.",
	"Details of the {N} are in the {A} {N}, see {LINK}.",
	"According to {P}, the {A} {N} arrives in {M}.",
	"I would suggest we {V} the {N} first and the {N} afterwards.",
	"The {N} for the {DEP} department has not changed since {M}.",
]
LINKS = [("orders", "the order page"), ("projects", "the project page"),
	 ("docs", "the document library"), ("reports", "the report archive"),
	 ("portal", "the customer portal")]
SUBJECTS = [
	"Invoice {O} for {M}", "Re: {A} {N} review", "Meeting notes: {N} planning",
	"Updated {N} for {M}", "Question about the {N}", "Order {O} confirmation",
	"{A} {N} for {DEP}", "Fwd: {N} and {N} for {D}", "Contract draft for {P}",
]
NEWS_SUBJECTS = ["Your {M} update: {A} {N} news", "This week at Example: the {N}",
		 "Example newsletter {M}: {N} and {N}"]


class Doc:
	"""Sentences of one message, drawn lazily from its RNG, in paragraphs."""

	def __init__(self, rng, site):
		self.rng, self.site, self.paras, self.total = rng, site, [], 0

	def _word(self, key):
		r = self.rng
		if key == "LINK":
			path, label = r.choice(LINKS)
			url = "https://www.%s/%s/%d?ref=%06x" % (self.site, path,
				r.randint(1000, 99999), r.getrandbits(24))
			return (url, '<a href="%s">%s</a>' % (url, label))
		w = {"N": lambda: r.choice(NOUN), "A": lambda: r.choice(ADJ),
		     "V": lambda: r.choice(VERB), "D": lambda: r.choice(DAYS),
		     "M": lambda: r.choice(MONTHS), "DEP": lambda: r.choice(DEPT),
		     "P": lambda: r.choice(FIRST) + " " + r.choice(LAST),
		     "X": lambda: str(r.randint(2, 950)), "PC": lambda: str(r.randint(2, 30)),
		     "Y": lambda: "%02d" % r.randint(0, 99),
		     "T": lambda: "%d:%02d" % (r.randint(8, 17), r.choice([0, 15, 30, 45])),
		     "O": lambda: "%d-%05d" % (2024, r.randint(1, 99999))}[key]()
		return (w, w)

	def sentence(self):
		"""one sentence as (text, html)"""
		tmpl = self.rng.choice(SENTENCES)
		parts = [self._word(k) for k in re.findall(r"\{(\w+)\}", tmpl)]
		it = iter(parts)
		text = re.sub(r"\{\w+\}", lambda m: next(it)[0], tmpl)
		it = iter(parts)
		html = re.sub(r"\{\w+\}", lambda m: next(it)[1], tmpl)
		return (text[0].upper() + text[1:], html[0].upper() + html[1:])

	def take(self, n):
		"""the first n sentences, as paragraphs (lists of (text, html))"""
		while self.total < n:
			p = [self.sentence() for _ in range(self.rng.randint(2, 6))]
			self.paras.append(p)
			self.total += len(p)
		out, left = [], n
		for p in self.paras:
			if left <= 0:
				break
			out.append(p[:left])
			left -= len(p)
		return out


def fill(rng, tmpl):
	d = Doc(rng, "example.test")
	return re.sub(r"\{(\w+)\}", lambda m: d._word(m.group(1))[0], tmpl)


def wrap(s, width=72):
	return textwrap.wrap(s, width, break_long_words=False, break_on_hyphens=False)


def crlf(lines):
	return "".join(l + "\r\n" for l in lines).encode("ascii")


def b64(data):
	return base64.encodebytes(data).replace(b"\n", b"\r\n")


def entity(ctype, body, extra=()):
	"""a MIME part: Content-Type, extra headers, blank line, body"""
	head = ["Content-Type: " + ctype] + ["%s: %s" % h for h in extra]
	return crlf(head) + b"\r\n" + body


def multipart(boundary, parts, preamble=True):
	b = boundary.encode("ascii")
	out = [b"This is a multi-part message in MIME format.\r\n" if preamble else b""]
	for p in parts:
		out += [b"\r\n--" + b + b"\r\n", p]
	out.append(b"\r\n--" + b + b"--\r\n")
	return b"".join(out)


def pdf_like(seed, n):
	"""n bytes that look like a PDF with one compressed stream"""
	head = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
		b"endobj\n3 0 obj\n<< /Length 0 /Filter /FlateDecode >>\nstream\n")
	tail = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
	k = max(0, n - len(head) - 10 - len(tail))
	head = head.replace(b"/Length 0", b"/Length %d" % k)
	return head + random.Random(seed).randbytes(k) + tail


def zip_of(members):
	buf = io.BytesIO()
	with zipfile.ZipFile(buf, "w") as z:
		for name, data in members:
			zi = zipfile.ZipInfo(name, date_time=ZIP_DATE)
			zi.compress_type = zipfile.ZIP_DEFLATED
			zi.external_attr = 0o644 << 16
			z.writestr(zi, data)
	return buf.getvalue()


class Msg:
	"""One message: its plan, and build() for a given fill level."""

	def __init__(self, rng, i, kind, att, dkim_kind, domain, date):
		self.rng, self.kind, self.att, self.dkim, self.domain = rng, kind, att, dkim_kind, domain
		org = "partner.test" if domain == "partner.test" else "example.test"
		self.doc = Doc(rng, org)
		self.news = domain == "news.example.test"
		first, last = rng.choice(FIRST), rng.choice(LAST)
		if self.news:
			name, local = rng.choice([("Example News", "newsletter"),
						  ("Example Updates", "updates")])
		else:
			name, local = first + " " + last, (first + "." + last).lower()
		self.sender = (name, local + "@" + domain)
		self.sig = [name, "Example Ltd., " + rng.choice(DEPT) if org == "example.test"
			    else "Partner GmbH", "https://www." + org + "/"]
		nrcpt = 1 if self.news else rng.choice([1, 1, 1, 2, 3])
		self.rcpts = []
		for _ in range(nrcpt):
			f, l = rng.choice(FIRST), rng.choice(LAST)
			self.rcpts.append(("%s %s" % (f, l), "%s.%s@dest.test" % (f.lower(), l.lower())))
		self.greeting = "Hello %s," % self.rcpts[0][0].split()[0]
		subj = fill(rng, rng.choice(NEWS_SUBJECTS if self.news else SUBJECTS))
		self.subject = subj[0].upper() + subj[1:]
		self.date = date
		self.msgid = "<%016x.%d@%s>" % (rng.getrandbits(64), i, domain)
		self.unsub = "https://www.example.test/unsubscribe?u=%012x" % rng.getrandbits(48)
		self.bounds = ["=_pf_%024x" % rng.getrandbits(96) for _ in range(2)]
		self.blob = rng.getrandbits(64)
		self.pdf_share = rng.uniform(0.3, 0.7)
		self.files = ("%s-%s.pdf" % (rng.choice(NOUN), rng.randint(1000, 9999)),
			      "%s-%s.zip" % (rng.choice(NOUN), rng.choice(MONTHS).lower()))
		self.notes = crlf(sum((wrap(" ".join(t for t, _ in p)) + [""]
				       for p in Doc(rng, org).take(rng.randint(20, 120))), []))
		self.rows = [(rng.choice(ADJ) + " " + rng.choice(NOUN), rng.randint(1, 40),
			      "%d.%02d" % (rng.randint(5, 2000), rng.randint(0, 99)))
			     for _ in range(rng.randint(3, 8))]

	def headers(self):
		h = [("Return-Path", "<bounce@%s>" % self.domain),
		     ("From", '"%s" <%s>' % self.sender),
		     ("To", ",\r\n ".join('"%s" <%s>' % r for r in self.rcpts)),
		     ("Subject", self.subject),
		     ("Date", email.utils.format_datetime(self.date)),
		     ("Message-ID", self.msgid), ("MIME-Version", "1.0")]
		if self.news:
			h += [("List-Unsubscribe", "<%s>" % self.unsub),
			      ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
		return h

	def text(self, nsent):
		lines = [self.greeting, ""]
		for p in self.doc.take(nsent):
			lines += wrap(" ".join(t for t, _ in p)) + [""]
		if self.kind != "plain" or self.att:
			lines += ["Item                                     Qty      Price"]
			lines += ["%-40s %4d %10s" % r for r in self.rows] + [""]
		lines += ["Best regards,", ""] + ["-- "] + self.sig
		if self.news:
			lines += ["", "To unsubscribe, visit " + self.unsub]
		return crlf(lines)

	def html(self, nsent):
		out = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\">",
		       "<title>%s</title></head>" % self.subject, "<body>",
		       "<p>%s</p>" % self.greeting]
		for p in self.doc.take(nsent):
			out += wrap("<p>" + " ".join(h for _, h in p) + "</p>", 76)
		out += ['<table border="1" cellpadding="4">',
			"<tr><th>Item</th><th>Qty</th><th>Price</th></tr>"]
		out += ["<tr><td>%s</td><td>%d</td><td>%s</td></tr>" % r for r in self.rows]
		out += ["</table>", "<p>Best regards,<br>", "<br>".join(self.sig[:2]) + "<br>",
			'<a href="%s">%s</a></p>' % (self.sig[2], self.sig[2][8:-1])]
		if self.news:
			out.append('<p><a href="%s">Unsubscribe</a></p>' % self.unsub)
		return crlf(out + ["</body></html>"])

	def body_entity(self, nsent):
		"""(Content-Type value, extra headers, body) of the text part(s)"""
		seven = [("Content-Transfer-Encoding", "7bit")]
		tpart = ("text/plain; charset=utf-8", seven, self.text(nsent))
		if self.kind == "plain":
			return tpart
		alt = multipart(self.bounds[1], [entity(tpart[0], tpart[2], seven),
			entity("text/html; charset=utf-8", self.html(nsent), seven)], False)
		return ('multipart/alternative;\r\n boundary="%s"' % self.bounds[1], [], alt)

	def attachments(self, raw):
		parts = []
		npdf = raw if self.att == "pdf" else int(raw * self.pdf_share)
		if self.att in ("pdf", "both"):
			parts.append(("application/pdf", self.files[0],
				      pdf_like(self.blob, npdf)))
		if self.att in ("zip", "both"):
			nz = raw if self.att == "zip" else raw - npdf
			z = zip_of([("documents/notes.txt", self.notes),
				    ("documents/scan-%d.pdf" % (self.blob % 10000),
				     pdf_like(self.blob + 1, max(256, nz - len(self.notes) // 3)))])
			parts.append(("application/zip", self.files[1], z))
		return [entity('%s; name="%s"' % (ct, n), b64(d),
			       [("Content-Transfer-Encoding", "base64"),
				("Content-Disposition", 'attachment; filename="%s"' % n)])
			for ct, n, d in parts]

	def build(self, nsent, raw):
		ct, extra, body = self.body_entity(nsent)
		if self.att:
			body = multipart(self.bounds[0], [entity(ct, body, extra)] +
					 self.attachments(raw))
			ct, extra = 'multipart/mixed;\r\n boundary="%s"' % self.bounds[0], []
		h = self.headers() + [("Content-Type", ct)] + list(extra)
		return crlf("%s: %s" % x for x in h) + b"\r\n" + body


def fit_text(m, target):
	"""most sentences that keep the message within target bytes"""
	lo, hi = 1, 8
	while len(m.build(hi, 0)) < target:
		lo, hi = hi, hi * 2
	while hi - lo > 1:
		mid = (lo + hi) // 2
		if len(m.build(mid, 0)) <= target:
			lo = mid
		else:
			hi = mid
	return lo


def fit_attach(m, nsent, target):
	"""attachment raw size that makes the message about target bytes"""
	raw = max(256, (target - len(m.build(nsent, 0))) * 57 // 78)
	best = None
	for _ in range(12):
		err = target - len(m.build(nsent, raw))
		if best is None or abs(err) < abs(best[1]):
			best = (raw, err)
		if abs(err) <= 8:
			break
		raw = max(256, raw + err * 57 // 78)
	return best[0]


class Signer:
	def __init__(self, keyfile, keytxt):
		with open(keyfile, "rb") as f:
			self.key = f.read()
		self.record = keytxt.encode("ascii")
		self.siglen = {}

	def sign(self, msg, domain, headers, when):
		"""the DKIM-Signature header for msg, t= fixed to when"""
		real = dkim.time

		class Clock:
			@staticmethod
			def time():
				return when
		dkim.time = Clock
		try:
			return dkim.sign(msg, SELECTOR.encode(), domain.encode(), self.key,
					 canonicalize=(b"relaxed", b"relaxed"),
					 include_headers=[h.encode() for h in headers])
		finally:
			dkim.time = real

	def overhead(self, domain, headers):
		"""length of a signature header for this domain and header list"""
		k = (domain, tuple(headers))
		if k not in self.siglen:
			probe = b"From: a@%s\r\n\r\nx\r\n" % domain.encode()
			self.siglen[k] = len(self.sign(probe, domain, headers, 1714982400))
		return self.siglen[k]

	def verify(self, msg):
		def dns(name, timeout=5):
			n = name.decode() if isinstance(name, bytes) else name
			ok = n.rstrip(".") in ("%s._domainkey.%s" % (SELECTOR, d)
					       for d in ("example.test", "news.example.test"))
			return self.record if ok else None
		return dkim.verify(msg, dnsfunc=dns)


def finish(m, signer, unsigned):
	"""sign (and maybe break) one built message"""
	if m.dkim == "none":
		return unsigned
	hdrs = SIGNED_HEADERS + (UNSUB_HEADERS if m.news else [])
	sig = signer.sign(unsigned, m.domain, hdrs, int(m.date.timestamp()))
	cut = unsigned.index(b"\r\n") + 2		# after Return-Path
	out = unsigned[:cut] + sig + unsigned[cut:]
	if m.dkim == "broken":
		g = m.greeting.encode("ascii")
		out = out.replace(b"\r\n" + g, b"\r\n" + g[:-1] + b"!", 1)
	want = m.dkim == "valid"
	if signer.verify(out) != want:
		sys.exit("gen-corpus.py: self-check: %s signature did not %s" %
			 (m.msgid, "pass" if want else "fail"))
	return out


def make(m, signer, target):
	"""the final bytes of a message of about target bytes"""
	if m.dkim != "none":
		target -= signer.overhead(m.domain, SIGNED_HEADERS +
					  (UNSUB_HEADERS if m.news else []))
	if not m.att:
		return finish(m, signer, m.build(fit_text(m, target), 0))
	nsent = m.rng.randint(4, 40)
	while nsent > 2 and len(m.build(nsent, 0)) > target * 0.45:
		nsent //= 2
	return finish(m, signer, m.build(nsent, fit_attach(m, nsent, target)))


def plan(seed, count):
	"""(size, kind, attachment, dkim, domain) per message"""
	rng = random.Random("preflight-bench-plan/%d" % seed)
	nvalid, nbroken = round(count * 0.6), round(count * 0.1)
	dk = ["valid"] * nvalid + ["broken"] * nbroken + ["none"] * (count - nvalid - nbroken)
	rng.shuffle(dk)
	# stratified: one draw per 1/count slice of the log-uniform, shuffled, so the
	# corpus mean stays near the distribution's (about 302 KiB) for any seed
	strata = [(k + rng.random()) / count for k in range(count)]
	rng.shuffle(strata)
	out = []
	for d, u in zip(dk, strata):
		size = int(MIN_SIZE * (MAX_SIZE / MIN_SIZE) ** u)
		kind = rng.choices(["plain", "html"], [45, 55])[0]
		if size < 4 * KIB:	# html+text cannot be that small
			kind = "plain"
		att = None
		if size > ATTACH_OVER or (size > 8 * KIB and rng.random() < 0.25):
			att = rng.choices(["pdf", "zip", "both"], [40, 30, 30])[0]
		dom = "partner.test" if d == "none" else \
			rng.choices(["example.test", "news.example.test"], [65, 35])[0]
		out.append((size, kind, att, d, dom))
	return out


def txt_rr(s):
	"""a TXT rdata: quoted strings of at most 255 bytes"""
	q = ['"%s"' % s[i:i + 255] for i in range(0, len(s), 255)]
	return q[0] if len(q) == 1 else "( " + "\n\t".join(q) + " )"


def zone_header(name):
	return ("$ORIGIN %s.\n$TTL 60\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 60\n"
		"@ IN NS ns.%s.\nns IN A 127.0.0.1\n" % (name, name, name, name))


def zones(keytxt):
	dmarc = "v=DMARC1; p=reject; adkim=r; aspf=r; rua=mailto:dmarc-reports@example.test"
	key = "%s._domainkey IN TXT %s\n" % (SELECTOR, txt_rr(keytxt))
	return {
		"example.test": zone_header("example.test") +
		"@ IN A 192.0.2.1\n@ IN MX 10 mta.example.test.\n"
		'@ IN TXT "v=spf1 ip4:192.0.2.0/24 -all"\n'
		"mta IN A 192.0.2.25\nwww IN A 192.0.2.80\nclient IN A %s\n"
		"_dmarc IN TXT %s\n%s"
		"; news.example.test is its own zone on the same server\n"
		"news IN NS ns.news.example.test.\nns.news IN A 127.0.0.1\n"
		% (CLIENT_IP, txt_rr(dmarc), key),
		"news.example.test": zone_header("news.example.test") +
		"@ IN A 192.0.2.1\n@ IN MX 10 mta.example.test.\n"
		'@ IN TXT "v=spf1 mx a:client.example.test -all"\n'
		"; .test is not in the PSL: no organisational-domain fallback\n"
		"_dmarc IN TXT %s\n%s" % (txt_rr(dmarc), key),
		"partner.test": zone_header("partner.test") +
		"@ IN A 198.51.100.1\n@ IN MX 10 mx.partner.test.\n"
		'@ IN TXT "v=spf1 ip4:198.51.100.0/24 -all"\n'
		"mx IN A 198.51.100.25\nwww IN A 198.51.100.80\n"
		'_dmarc IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@partner.test"\n',
		"dest.test": zone_header("dest.test") +
		"@ IN A 203.0.113.1\n@ IN MX 10 mx.dest.test.\nmx IN A 203.0.113.25\n",
		"2.0.192.in-addr.arpa": zone_header("2.0.192.in-addr.arpa") +
		"10 IN PTR client.example.test.\n25 IN PTR mta.example.test.\n",
	}


def read_keytxt(path):
	"""the TXT value in an opendkim-genkey style s1.txt"""
	with open(path) as f:
		s = "".join(re.findall(r'"([^"]*)"', f.read()))
	if "p=" not in s:
		sys.exit("gen-corpus.py: no p= in " + path)
	return s


def write(path, data):
	with open(path, "wb") as f:
		f.write(data)


def summary(seed, rows):
	sizes = sorted(r[1] for r in rows)
	n = len(rows)

	def cnt(f):
		return sum(1 for r in rows if f(r))
	out = ["# bench corpus from bench/gen-corpus.py, seed %d" % seed,
	       "messages %d" % n, "total_bytes %d" % sum(sizes),
	       "mean_bytes %d" % (sum(sizes) // n), "median_bytes %d" % sizes[n // 2],
	       "min_bytes %d" % sizes[0], "max_bytes %d" % sizes[-1]]
	for k in ("plain", "html", "plain+attach", "html+attach"):
		out.append("kind %s %d" % (k, cnt(lambda r: r[2] == k)))
	for a in ("pdf", "zip", "both"):
		out.append("attach %s %d" % (a, cnt(lambda r: r[3] == a)))
	for d in ("valid", "broken", "none"):
		out.append("dkim %s %d" % (d, cnt(lambda r: r[4] == d)))
	for d in ("example.test", "news.example.test", "partner.test"):
		out.append("from %s %d" % (d, cnt(lambda r: r[5].endswith("@" + d))))
	out.append("over_150k %d (all with attachments: %s)" % (
		cnt(lambda r: r[1] > ATTACH_OVER),
		"yes" if cnt(lambda r: r[1] > ATTACH_OVER and r[3] == "-") == 0 else "NO"))
	out.append("# file bytes kind attach dkim from")
	out += ["%s %d %s %s %s %s" % r for r in rows]
	return ("\n".join(out) + "\n").encode("ascii")


def main():
	ap = argparse.ArgumentParser(description="deterministic bench corpus and DNS zones")
	ap.add_argument("--out", required=True, help="output directory")
	ap.add_argument("--count", type=int, default=200)
	ap.add_argument("--seed", type=int, default=42)
	ap.add_argument("--sweep", action="store_true",
			help="also write sweep/{10k,100k,1m,10m,25m}.eml")
	a = ap.parse_args()
	if a.count < 1:
		ap.error("--count must be at least 1")
	here = os.path.dirname(os.path.abspath(__file__))
	keytxt = read_keytxt(os.path.join(here, "keys", "s1.txt"))
	signer = Signer(os.path.join(here, "keys", "s1.private"), keytxt)
	cdir, zdir = os.path.join(a.out, "corpus"), os.path.join(a.out, "zones")
	for d in (cdir, zdir):
		os.makedirs(d, exist_ok=True)
	for f in os.listdir(cdir):		# a smaller --count must not leave old files
		if re.fullmatch(r"\d+\.eml", f):
			os.unlink(os.path.join(cdir, f))
	for name, text in zones(keytxt).items():
		write(os.path.join(zdir, name + ".zone"), text.encode("ascii"))

	width, rows = max(3, len(str(a.count))), []
	for i, (size, kind, att, dk, dom) in enumerate(plan(a.seed, a.count), 1):
		rng = random.Random("preflight-bench-msg/%d/%d" % (a.seed, i))
		date = BASE_DATE + datetime.timedelta(seconds=433 * i)
		m = Msg(rng, i, kind, att, dk, dom, date)
		data = make(m, signer, size)
		name = "%0*d.eml" % (width, i)
		write(os.path.join(cdir, name), data)
		rows.append((name, len(data), kind + ("+attach" if att else ""), att or "-",
			     dk, m.sender[1]))
	write(os.path.join(a.out, "corpus.txt"), summary(a.seed, rows))

	if a.sweep:
		sdir = os.path.join(a.out, "sweep")
		os.makedirs(sdir, exist_ok=True)
		for j, (label, size) in enumerate(SWEEP):
			rng = random.Random("preflight-bench-sweep/%d/%s" % (a.seed, label))
			m = Msg(rng, 90000 + j, "plain", "both", "valid", "example.test", BASE_DATE)
			data = make(m, signer, size)
			if abs(len(data) - size) > size * 0.02:
				sys.exit("gen-corpus.py: sweep %s is %d bytes" % (label, len(data)))
			write(os.path.join(sdir, label + ".eml"), data)
	print("gen-corpus.py: %d messages, %d bytes in %s" %
	      (len(rows), sum(r[1] for r in rows), cdir))


if __name__ == "__main__":
	main()

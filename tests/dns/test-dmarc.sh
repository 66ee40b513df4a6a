#!/bin/bash
# test-dmarc.sh - DMARC discovery, evaluation and findings (lib/dmarc.c,
# lib/check_dmarc.c) and the per-provider roll-up (lib/check_auth.c)
# against a real nsd serving zones under .test that this script writes;
# alignment, org domains and record parsing without DNS.
# Driver: tests/dns/dmarc-eval.  SPF / DKIM results are given by hand
# (--spf RESULT:DOMAIN:IP, --dkim RESULT:DOMAIN): this tests what DMARC
# makes of them, not SPF or DKIM themselves.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

EVAL=$top_builddir/tests/dns/dmarc-eval
[ -x "$EVAL" ] || tap_skip_all "dmarc-eval not built"
command -v nsd >/dev/null || [ -x /usr/sbin/nsd ] || tap_skip_all "nsd not installed"
command -v dig >/dev/null || tap_skip_all "dig not installed"

tmp_workdir
. "$top_srcdir/tests/dns/nsd-env.sh"
mkdir -p "$WORKDIR/zones"

IP=192.0.2.10
TIMEOUT=2

# zone NAME RECORDS... - one zone file per organisational domain
zone() {
	local name=$1
	shift
	{ zone_header "$name"; printf '%s\n' "$@"; } > "$WORKDIR/zones/$name.zone"
}

zone reject.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:d@reject.test"' \
	'news A 192.0.2.1'
zone sp.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=reject; sp=none"' 'a A 192.0.2.1'
zone np.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=none; sp=quarantine; np=reject"' \
	'real A 192.0.2.1'
zone quar.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=quarantine"'
zone none.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=none"'
zone pct.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=reject; pct=50"'
zone pct0.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=reject; pct=0"'
zone invalid.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=bogus"'
zone ruafb.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=bogus; rua=mailto:r@ruafb.test"'
zone two.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=reject"' '_dmarc TXT "v=DMARC1; p=none"'
zone norec.test '@ A 192.0.2.1' '_dmarc TXT "google-site-verification=abc"'
zone mixed.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=reject"' 'x A 192.0.2.1' \
	'_dmarc.x TXT "not a dmarc record"' 'own A 192.0.2.1' '_dmarc.own TXT "v=DMARC1; p=none"'
zone split.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; " "p=reject; " "adkim=s"'
zone strict.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=reject; adkim=s; aspf=s"' \
	'a A 192.0.2.1'
zone unknown.test '@ A 192.0.2.1' '_dmarc TXT "v=DMARC1; p=reject; foo=bar; ri=86400"'
nsd_start "$WORKDIR/zones" || tap_skip_all "nsd did not start"

# ev ARGS... - run the driver against the server; output in $OUT.  A run
# that fails or draws a sanitizer report is remembered in $BAD_RUNS.
BAD_RUNS=
ev() {
	OUT=$("$EVAL" --dns "$NSD_ADDR" --timeout "$TIMEOUT" "$@" 2>&1) ||
		BAD_RUNS="$BAD_RUNS [exit $?: $*]"
	case $OUT in
	*Sanitizer*|*"runtime error"*) BAD_RUNS="$BAD_RUNS [sanitizer: $*]" ;;
	esac
}
# ids - the finding ids of the last run, comma-separated
ids() {
	printf '%s\n' "$OUT" | awk '$1 == "finding" { printf "%s%s", sep, $2; sep = "," }'
}

# --- policies at the From domain ---------------------------------------------
ev --from reject.test --spf fail:reject.test:$IP
tap_is "$(ids)" "auth-dmarc-reject,auth-unauthenticated" "p=reject, SPF fail, unsigned: reject"
tap_like "$OUT" "record=pass record_domain=reject.test org=reject.test policy=reject result=fail" \
	"p=reject: record and result in ctx->auth.dmarc"
tap_like "$OUT" "finding auth-dmarc-reject 10 certain" "auth-dmarc-reject is certain"
tap_like "$OUT" "predicted gmail: 550-5.7.26 Unauthenticated email from reject.test is not accepted due to domain's DMARC policy" \
	"Gmail reply names the domain"
tap_like "$OUT" "predicted microsoft: 550 5.7.509 Access denied, sending domain reject.test does not pass DMARC" \
	"Microsoft 5.7.509"
tap_like "$OUT" "predicted icloud: 554 5.7.1 Your message was rejected due to reject.test's DMARC policy" \
	"iCloud 554 5.7.1"
tap_like "$OUT" "predicted yahoo: 554 5.7.9" "Yahoo 554 5.7.9"
tap_like "$OUT" "summary .*SPF fail for reject.test from 192.0.2.10; no DKIM signature" \
	"summary gives the SPF and DKIM evidence"
tap_like "$OUT" "predicted gmail: 550-5.7.26 This email has been blocked .* SPF \[reject.test\] with ip: \[192.0.2.10\]" \
	"roll-up: Gmail unauthenticated reply names domain and IP"

ev --from reject.test --spf pass:bounce.reject.test:$IP
tap_is "$(ids)" "" "relaxed SPF alignment (bounce.reject.test): pass, no finding"
tap_like "$OUT" "result=pass alignment=pass spf_aligned=yes dkim_aligned=no" "SPF aligned"

ev --from reject.test --spf fail:reject.test:$IP --dkim pass:reject.test
tap_is "$(ids)" "" "DKIM aligned pass rescues SPF fail"
tap_like "$OUT" "dkim_aligned=yes" "DKIM aligned"

ev --from reject.test --spf fail:reject.test:$IP --dkim pass:other.test
tap_is "$(ids)" "auth-dmarc-reject" "DKIM passes for another domain: DMARC fails"
tap_like "$OUT" "DKIM d=other.test pass, not aligned with From" "summary says not aligned"

ev --from reject.test --spf pass:other.test:$IP --dkim fail:reject.test
tap_is "$(ids)" "auth-dmarc-reject" "SPF passes unaligned, DKIM fails: reject"

ev --from reject.test --spf pass:reject.test:$IP --spf fail:reject.test:192.0.2.11
tap_is "$(ids)" "auth-dmarc-reject,auth-unauthenticated" \
	"SPF passes for one egress address of two: not counted"
tap_like "$OUT" "1 of 2 egress addresses pass" "summary counts the egress addresses"

ev --from REJECT.Test. --spf fail:reject.test:$IP
tap_like "$OUT" "dmarc evaluated=no" "From domain with a trailing dot is not a valid From: left to the format check"
ev --from-header 'A <a@REJECT.Test>' --spf fail:reject.test:$IP
tap_is "$(ids)" "auth-dmarc-reject,auth-unauthenticated" "From domain in capitals"

ev --from quar.test --spf fail:quar.test:$IP --dkim pass:quar.test:predicted
tap_is "$(ids)" "" "predicted DKIM signature (SigningKey) passes"
ev --from quar.test --spf fail:quar.test:$IP
tap_is "$(ids)" "auth-dmarc-quarantine,auth-unauthenticated" "p=quarantine: quarantine finding"
tap_like "$OUT" "finding auth-dmarc-quarantine 5$" "quarantine scores 5"

ev --from none.test --spf softfail:none.test:$IP --dkim pass:other.test
tap_is "$(ids)" "auth-dmarc-fail-none" "p=none: fail-none"
tap_like "$OUT" "finding auth-dmarc-fail-none 2$" "fail-none scores 2"

ev --from pct.test --spf fail:pct.test:$IP --dkim fail:pct.test
tap_is "$(ids)" "auth-dmarc-reject,auth-unauthenticated" "pct=50: still reject"
tap_like "$OUT" "summary DMARC fails .*p=reject pct=50" "pct noted in the summary"
tap_like "$OUT" "pct=50 " "pct in ctx->auth.dmarc"
ev --from pct0.test --spf fail:pct0.test:$IP --dkim fail:pct0.test
tap_is "$(ids)" "auth-dmarc-quarantine,auth-unauthenticated" "pct=0: the next lower policy"

ev --from unknown.test --spf fail:unknown.test:$IP --dkim pass:other.test
tap_is "$(ids)" "auth-dmarc-reject" "unknown tags are ignored"

# --- organisational domain and sp / np -------------------------------------
ev --from news.reject.test --spf fail:news.reject.test:$IP
tap_like "$OUT" "record=pass record_domain=reject.test org=reject.test policy=reject" \
	"subdomain without record: the org domain's record"
tap_is "$(ids)" "auth-dmarc-reject,auth-unauthenticated" "org-level p=reject applies to the subdomain"
tap_like "$OUT" "_dmarc.reject.test \(organisational domain\)" "summary names the org-level record"
ev --from news.reject.test --spf fail:news.reject.test:$IP --dkim pass:reject.test
tap_is "$(ids)" "" "relaxed DKIM d=reject.test aligns with news.reject.test"

ev --from a.sp.test --spf fail:a.sp.test:$IP --dkim pass:other.test
tap_is "$(ids)" "auth-dmarc-fail-none" "sp=none for a subdomain"
tap_like "$OUT" "policy=none" "effective policy is sp"
tap_like "$OUT" "sp=none at _dmarc.sp.test" "summary names sp"
ev --from sp.test --spf fail:sp.test:$IP --dkim pass:other.test
tap_is "$(ids)" "auth-dmarc-reject" "p=reject at the domain itself (sp does not apply)"

ev --from real.np.test --spf fail:real.np.test:$IP --dkim pass:other.test
tap_is "$(ids)" "auth-dmarc-quarantine" "existing subdomain: sp=quarantine"
ev --from ghost.np.test --spf fail:ghost.np.test:$IP --dkim pass:other.test
tap_is "$(ids)" "auth-from-domain-missing,auth-dmarc-reject" "non-existent subdomain: np=reject"
tap_like "$OUT" "from_nxdomain=yes" "NXDOMAIN recorded"

ev --from x.mixed.test --spf fail:x.mixed.test:$IP --dkim pass:other.test
tap_like "$OUT" "record_domain=mixed.test" "TXT that is not v=DMARC1 is ignored: org fallback"
ev --from own.mixed.test --spf fail:own.mixed.test:$IP --dkim pass:other.test
tap_is "$(ids)" "auth-dmarc-fail-none" "a subdomain's own record wins over the org domain's"
tap_like "$OUT" "record_domain=own.mixed.test" "own record used"

ev --from split.test --spf pass:other.test:$IP --dkim pass:a.split.test
tap_is "$(ids)" "auth-dmarc-reject" "record in several TXT strings joined (adkim=s read)"

# --- strict alignment ----------------------------------------------------
ev --from a.strict.test --spf pass:a.strict.test:$IP --dkim pass:strict.test
tap_like "$OUT" "spf_aligned=yes dkim_aligned=no" "strict: exact SPF domain aligns, parent d= does not"
ev --from strict.test --spf pass:bounce.strict.test:$IP --dkim pass:a.strict.test
tap_is "$(ids)" "auth-dmarc-reject" "strict: subdomains of From do not align"

# --- record problems -----------------------------------------------------
ev --from invalid.test --spf fail:invalid.test:$IP
tap_is "$(ids)" "auth-dmarc-invalid,auth-unauthenticated" "p=bogus: invalid record"
tap_like "$OUT" "record=permerror" "invalid record is a permerror"
tap_like "$OUT" "not valid \(p= has an invalid value\)" "the reason is given"
ev --from ruafb.test --spf fail:ruafb.test:$IP --dkim pass:other.test
tap_is "$(ids)" "auth-dmarc-fail-none" "p=bogus with rua acts as p=none (RFC 7489 6.6.3)"
ev --from two.test --spf fail:two.test:$IP --dkim pass:other.test
tap_is "$(ids)" "auth-dmarc-invalid" "two records: no DMARC applies"
tap_like "$OUT" "2 v=DMARC1 records at _dmarc.two.test" "summary counts the records"
tap_like "$OUT" "result=none" "two records: result none"

ev --from norec.test --spf pass:norec.test:$IP --dkim pass:norec.test
tap_is "$(ids)" "auth-dmarc-missing" "no record (a non-DMARC TXT only)"
tap_like "$OUT" "finding auth-dmarc-missing 2$" "missing scores 2"
ev --from norec.test --spf pass:norec.test:$IP --dkim pass:norec.test --bulk \
	--header 'List-Unsubscribe: <https://norec.test/u>' \
	--header 'List-Unsubscribe-Post: List-Unsubscribe=One-Click'
tap_is "$(ids)" "auth-bulk-dmarc-missing" "bulk mail without DMARC"
tap_like "$OUT" "predicted gmail: 550-5.7.40 .*norec.test" "Gmail 5.7.40 names the domain"
tap_like "$OUT" "predicted microsoft: 550 5.7.515 Access denied, sending domain norec.test" \
	"Microsoft 5.7.515"

ev --from ghost.norec.test --spf fail:ghost.norec.test:$IP --mail-from bounce@ghost.norec.test
tap_is "$(ids)" "auth-from-domain-missing,auth-dmarc-missing,auth-unauthenticated" \
	"From domain NXDOMAIN"
tap_like "$OUT" "finding auth-from-domain-missing 10 certain" "NXDOMAIN From is certain"
tap_like "$OUT" "predicted yahoo: 451 .*unresolvable RFC.5321 from domain" "Yahoo's reply"
tap_like "$OUT" "predicted generic: 550 5.1.8 <bounce@ghost.norec.test>" \
	"envelope sender in the same domain: generic reply"

# --- unknown and temporary outcomes ----------------------------------------
ev --from reject.test
tap_is "$(ids)" "auth-dmarc-unverified,auth-unverified" \
	"SPF not evaluated, unsigned: unverified instead of reject"
tap_like "$OUT" "finding auth-dmarc-unverified 0$" "unverified scores 0: it never tags by itself"
ev --from none.test
tap_is "$(ids)" "auth-unverified" "p=none with unknown outcome: nothing from DMARC"
ev --from reject.test --dkim pass:reject.test
tap_is "$(ids)" "" "SPF not evaluated but aligned DKIM passes: pass"
ev --from reject.test --spf temperror:reject.test:$IP
tap_is "$(ids)" "auth-dmarc-temperror,auth-unverified" "aligned SPF temperror: temperror, nothing certain"
tap_like "$OUT" "finding auth-dmarc-temperror 0$" "temperror scores 0"
ev --from reject.test --spf fail:reject.test:$IP --dkim temperror:reject.test
tap_is "$(ids)" "auth-dmarc-temperror,auth-unverified" "aligned DKIM temperror: temperror"
ev --from reject.test --spf fail:reject.test:$IP --dkim temperror:other.test
tap_like "$(ids)" "^auth-dmarc-reject" "unaligned DKIM temperror cannot rescue: reject"

ev --from reject.test --spf fail:reject.test:$IP --bulk
tap_like "$(ids)" "auth-bulk-no-one-click" "bulk: one-click checked"
tap_like "$OUT" "predicted microsoft: 550 5.7.515 Access denied, sending domain reject.test" \
	"bulk unauthenticated: Microsoft 5.7.515 named"

OUT=$("$EVAL" --dns none --from reject.test --spf fail:reject.test:$IP 2>&1)
tap_is "$(ids)" "" "no resolver: DMARC and the roll-up stay silent"

# --- DNS down: temperror within DNSTimeout + 1 s ----------------------------
nsd_stop
t0=$(date +%s%N)
ev --from news.reject.test --spf temperror:news.reject.test:$IP
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
tap_like "$(ids)" "^auth-dmarc-temperror" "DNS down: auth-dmarc-temperror"
tap_unlike "$OUT" "certain" "DNS down: no certain finding"
tap_unlike "$(ids)" "auth-from-domain-missing" "DNS down: existence unknown, not missing"
if [ "$ms" -le $(( TIMEOUT * 1000 + 1000 )) ]; then
	tap_ok "DNS down: answered in ${ms} ms (DNSTimeout ${TIMEOUT}s + 1 s)"
else
	tap_fail "DNS down: answered in ${ms} ms, over DNSTimeout + 1 s"
fi

# --- DNS silent (queries dropped): the deadline itself -------------------------
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
	    Proto => "udp") or die "udp: $!\n";
	open(my $f, ">", $ARGV[0]) or die; print $f $s->sockport(), "\n"; close $f;
	my $b; while (1) { $s->recv($b, 4096) }' "$WORKDIR/silent.port" &
SILENT_PID=$!
add_cleanup "kill $SILENT_PID"
if wait_for_file "$WORKDIR/silent.port" && [ -s "$WORKDIR/silent.port" ]; then
	t0=$(date +%s%N)
	OUT=$("$EVAL" --dns "127.0.0.1@$(cat "$WORKDIR/silent.port")" --timeout "$TIMEOUT" \
		--from news.reject.test --spf temperror:news.reject.test:$IP 2>&1)
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	tap_is "$(ids)" "auth-dmarc-temperror,auth-unverified" "DNS silent: temperror only"
	if [ "$ms" -ge $(( TIMEOUT * 1000 - 100 )) ] && [ "$ms" -le $(( TIMEOUT * 1000 + 1000 )) ]; then
		tap_ok "DNS silent: answered after the ${TIMEOUT}s DNSTimeout (${ms} ms)"
	else
		tap_fail "DNS silent: answered in ${ms} ms, want DNSTimeout ${TIMEOUT}s to + 1 s"
	fi
else
	tap_fail "DNS silent: the dropping UDP server did not start"
fi
kill "$SILENT_PID" 2>/dev/null

# --- alignment without DNS -------------------------------------------------
while read -r from auth mode want why; do
	tap_is "$("$EVAL" --align "$from" "$auth" "$mode")" "aligned $want" "align $from / $auth ($mode): $why"
done <<'TABLE'
example.com example.com s yes identical
a.example.com example.com r yes relaxed: parent
a.example.com example.com s no strict: parent
example.com a.example.com r yes relaxed: child
a.example.com b.example.com r yes relaxed: siblings
a.example.com b.example.com s no strict: siblings (libopendmarc 1.4.2 says yes)
Example.COM example.com. s yes case and trailing dot
example.com. EXAMPLE.COM s yes trailing dot on From
mail.example.co.uk co.uk r no public suffix d= (libopendmarc says yes)
mail.example.com com r no public suffix d=com (libopendmarc says yes)
co.uk co.uk s no a public suffix never aligns
a.example.co.uk b.example.co.uk r yes under co.uk
example.co.uk other.co.uk r no different org domains under co.uk
example.com example.net r no different domains
foo.blogspot.com bar.blogspot.com r no private-section suffix
a.b.test b.test r yes unlisted TLD: the * rule
example.com.. example.com s no two trailing dots: not a name
.example.com example.com s no leading dot: not a name
TABLE
tap_is "$("$EVAL" --align "" example.com r)" "aligned no" "align empty From: no"
tap_is "$("$EVAL" --org a.b.c.example.co.uk)" "org example.co.uk" "org domain under co.uk"
tap_is "$("$EVAL" --org com)" "org none" "org domain of a public suffix: none"
tap_is "$("$EVAL" --org News.Example.COM.)" "org example.com" "org domain: case, trailing dot"

# --- record parsing without DNS ----------------------------------------------
while IFS='|' read -r rec want; do
	tap_is "$("$EVAL" --parse "$rec")" "$want" "parse '$rec'"
done <<'TABLE'
v=DMARC1; p=reject|ok p=reject sp= np= adkim=r aspf=r pct=100
v=DMARC1;p=quarantine;sp=none;adkim=s;aspf=s;pct=20|ok p=quarantine sp=none np= adkim=s aspf=s pct=20
V = DMARC1 ; P = Reject ;|ok p=reject sp= np= adkim=r aspf=r pct=100
v=DMARC1; p=none; np=reject|ok p=none sp= np=reject adkim=r aspf=r pct=100
v=DMARC1; p=none; adkim=x|ok p=none sp= np= adkim=r aspf=r pct=100 warning=adkim= has an invalid value (relaxed used)
v=DMARC1; p=none; pct=101|ok p=none sp= np= adkim=r aspf=r pct=100 warning=pct= has an invalid value (100 used)
v=DMARC1; p=none; fo=1:d|ok p=none sp= np= adkim=r aspf=r pct=100
v=DMARC1; pct=100|invalid no p= tag
v=DMARC1; p=bogus|invalid p= has an invalid value
v=DMARC1; p=none; sp=bogus|invalid sp= has an invalid value
v=DMARC1; pct=50; rua=mailto:a@b.test|ok p=none sp= np= adkim=r aspf=r pct=50 defaulted
p=reject; v=DMARC1|invalid does not start with v=DMARC1
v=dmarc1; p=reject|invalid does not start with v=DMARC1
v=DMARC1 p=reject|invalid does not start with v=DMARC1
|invalid empty record
TABLE

tap_is "$BAD_RUNS" "" "every driver run exited 0 without sanitizer reports"
tap_done

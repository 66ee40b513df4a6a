#!/bin/bash
# test-dmarc-corpus.sh - OpenDMARC's own test tables (alignment, record
# parsing, organisational domains; see $PREFLIGHT_CORPUS/opendmarc/SOURCE.md)
# run through lib/dmarc.c with tests/dns/dmarc-eval.  No DNS involved.
#
# The tables encode OpenDMARC's answers.  Where those differ from RFC 7489
# the RFC wins: such cases are listed below with the reason, and the test
# asserts the RFC's answer for them instead.  Every other case must agree
# with OpenDMARC.  The SPF (2013 live DNS) and CIDR rows are not DMARC and
# are not run; the From-header rows belong to the address parser's tests.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib.sh"

CORPUS=${PREFLIGHT_CORPUS:-$top_srcdir/../shared/corpus}
CASES=$CORPUS/opendmarc/libopendmarc/tests/opendmarc-cases.json
EVAL=$top_builddir/tests/dns/dmarc-eval
[ -f "$CASES" ] || tap_skip_all "corpus not found at $CORPUS (opendmarc-cases.json)"
[ -x "$EVAL" ] || tap_skip_all "dmarc-eval not built"
command -v jq >/dev/null || tap_skip_all "jq not installed"

# Alignment cases where RFC 7489 disagrees with OpenDMARC:
#   from|auth|mode -> the RFC's answer and why
declare -A ALIGN_RFC=(
	[".mac.com.|mac.com|s"]="no|a leading dot makes an empty label: not a domain name (RFC 1035 2.3.1), so there is nothing to align (RFC 7489 3.1); OpenDMARC strips the dots"
	["....mac.com....|mac.com|s"]="no|runs of dots are empty labels: not a domain name; only one trailing dot (the root) may be ignored"
)
# Record cases where RFC 7489 disagrees: record -> our result and why
declare -A PARSE_RFC=(
	["v=DMARC1; p=n;"]="invalid|6.3: p is none, quarantine or reject; OpenDMARC accepts any prefix of a keyword"
	["v=DMARC1; p=none; adkim=bob;"]="ok|6.3: syntax errors after v and p are discarded in favour of the defaults (adkim=r), not fatal"
	["v=DMARC1; p=none; aspf=bob;"]="ok|6.3: a bad aspf falls back to the default (r)"
	["v=DMARC1; p=none; rf=bob;"]="ok|6.4: rf is a Keyword list and bob is a valid Keyword (unknown formats are unused)"
	["v=DMARC1; p=none; ri=bob;"]="ok|6.3: a bad ri falls back to the default (86400)"
	["v=DMARC1; p=none; pct=500;"]="ok|6.3: an out-of-range pct falls back to the default (100)"
	["v=DMARC1; p=none; rf=000000000000000000000000000000000"]="ok|6.4: a run of digits is a valid Keyword"
)

agree=0 differ=0
# fields are joined with US (0x1f): a tab separator would lose empty fields

# --- alignment ---------------------------------------------------------------
while IFS=$'\x1f' read -r from auth mode want; do
	m=r
	[ "$mode" = DMARC_RECORD_A_STRICT ] && m=s
	od=no
	[ "$want" = aligned ] && od=yes
	got=$("$EVAL" --align "$from" "$auth" "$m")
	key="$from|$auth|$m"
	if [ -n "${ALIGN_RFC[$key]:-}" ]; then
		rfc=${ALIGN_RFC[$key]%%|*}
		tap_is "$got" "aligned $rfc" "align '$from' / '$auth' ($m): RFC says $rfc, OpenDMARC $od"
		tap_diag "  RFC 7489 wins: ${ALIGN_RFC[$key]#*|}"
		differ=$((differ + 1))
	else
		tap_is "$got" "aligned $od" "align '$from' / '$auth' ($m): $od as OpenDMARC"
		agree=$((agree + 1))
	fi
done < <(jq -r '.alignment[] | [.from_domain, .auth_domain, .mode, .expected] | join("\u001f")' "$CASES")

# --- record parsing ------------------------------------------------------------
while IFS=$'\x1f' read -r rec want; do
	od=invalid
	[ "$want" = DMARC_PARSE_OKAY ] && od=ok
	got=$("$EVAL" --parse "$rec")
	got=${got%% *}
	# (an empty key is not allowed in an associative array)
	if [ -n "$rec" ] && [ -n "${PARSE_RFC[$rec]:-}" ]; then
		rfc=${PARSE_RFC[$rec]%%|*}
		tap_is "$got" "$rfc" "parse '$rec': RFC says $rfc, OpenDMARC $want"
		tap_diag "  RFC 7489 wins: ${PARSE_RFC[$rec]#*|}"
		differ=$((differ + 1))
	else
		tap_is "$got" "$od" "parse '$rec': $od as OpenDMARC ($want)"
		agree=$((agree + 1))
	fi
done < <(jq -r '.record_parse[] | [.record, .expected] | join("\u001f")' "$CASES")

# --- organisational domains --------------------------------------------------------
# OpenDMARC's rows use a 2012 list; ours is the system's publicsuffix copy.
# The three rows hold for both.
while IFS=$'\x1f' read -r dom want; do
	tap_is "$("$EVAL" --org "$dom")" "org $want" "org domain of $dom: $want as OpenDMARC"
	agree=$((agree + 1))
done < <(jq -r '.org_domain_psl[] | [.domain, .expected_org_domain] | join("\u001f")' "$CASES")

n_cases=$(jq '(.alignment | length) + (.record_parse | length) + (.org_domain_psl | length)' "$CASES")
tap_is "$((agree + differ))" "$n_cases" "every alignment, record and org-domain case ran"
tap_is "$differ" "$(( ${#ALIGN_RFC[@]} + ${#PARSE_RFC[@]} ))" "every listed RFC difference is in the corpus"
tap_diag "OpenDMARC corpus: $agree cases agree, $differ differ where RFC 7489 wins (listed above)"
tap_done

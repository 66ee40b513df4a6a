#!/bin/bash
# scripts/demo.sh - build Preflight and watch it judge the sample messages.
#
# Installs what is missing (scripts/deps.sh), builds in _build/, then starts
# a private Postfix on 127.0.0.1 (tests/e2e/postfix-env.sh) that relays
# everything to a local smtp-sink, and preflight-milter behind it.  Each
# samples/*.eml is sent with swaks; for each the demo prints the SMTP answer,
# where the message ended (delivered / held / rejected) and the verdict.
# Then `preflight held list`, and everything is stopped.  Nothing leaves
# the machine.  Needs root (postfix start does).
#
# A local nsd (tests/dns/nsd-env.sh) serves the demo's DNS: example.com
# publishes SPF for the relay's egress address 192.0.2.10, a DKIM key made
# now (the demo's SigningKey: a later signer would use it) and DMARC
# p=reject; example.net's SPF leaves the egress address out.  The config is
# the default one plus those settings and "FindingAction format-from-count
# reject", so that each outcome shows up once.  The samples' Date: headers
# are set to the current time when sent (a weeks-old Date would add
# format-date-skew to every sample).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
top=$(pwd)

die() {
	echo "demo: $*" >&2
	exit 1
}

bash scripts/deps.sh || exit 1
[ "$(id -u)" = 0 ] || die "run as root: the demo starts a private Postfix instance"

if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	echo "demo: autoreconf -fi"
	autoreconf -fi >/tmp/preflight-autoreconf.log 2>&1 ||
	    { tail -20 /tmp/preflight-autoreconf.log; die "autoreconf failed"; }
fi
mkdir -p _build
if [ ! -f _build/Makefile ]; then
	echo "demo: configure (in _build/)"
	(cd _build && ../configure -q) >_build/configure.log 2>&1 ||
	    { tail -20 _build/configure.log; die "configure failed"; }
fi
# Only what the demo runs; scripts/test.sh builds (and checks) everything.
echo "demo: make (in _build/: lib, milter, tools)"
{ make -C _build/lib -j2 && make -C _build/milter -j2 && make -C _build/tools -j2; } \
    >_build/build.log 2>&1 ||
    { tail -30 _build/build.log; die "build failed (_build/build.log)"; }
MILTER=$top/_build/milter/preflight-milter
CLI=$top/_build/tools/preflight
# not installed: the provider profiles come from the source tree
export PREFLIGHT_PROFILE_DIR=$top/share/profiles

. "$top/tests/e2e/postfix-env.sh"
# /tmp: Postfix's daemons (user postfix) must traverse every parent dir.
TMPDIR=/tmp tmp_workdir || die "no temp dir"
chmod 755 "$WORKDIR"
PF=$WORKDIR/pf
SOCK=$WORKDIR/milter.sock
CONF=$WORKDIR/preflight.conf
MILTER_PID=

stop_all() {
	pfenv_stop "$PF"
	if [ -n "$MILTER_PID" ]; then
		kill "$MILTER_PID" 2>/dev/null
		wait_until 10 _pfenv_dead "$MILTER_PID" || kill -9 "$MILTER_PID"
	fi
}
add_cleanup stop_all

# ---- DNS: the demo's zones on a local nsd ----------------------------------
. "$top/tests/dns/nsd-env.sh"
mkdir "$WORKDIR/zones" "$WORKDIR/keys"
openssl genrsa -out "$WORKDIR/keys/demo.private" 2048 2>/dev/null || die "openssl genrsa failed"
chmod 644 "$WORKDIR/keys/demo.private"	# the milter runs as postfix
pub=$(openssl pkey -in "$WORKDIR/keys/demo.private" -pubout -outform DER | base64 -w0)
{
	zone_header example.com
	echo '@ MX 10 mx'
	echo 'mx A 192.0.2.25'
	echo '@ TXT "v=spf1 ip4:192.0.2.10 -all"'
	echo '_dmarc TXT "v=DMARC1; p=reject"'
	printf 'demo._domainkey TXT ( %s )\n' \
	    "$(printf 'v=DKIM1; k=rsa; p=%s' "$pub" | fold -w 250 | sed 's/.*/"&"/' | tr '\n' ' ')"
} >"$WORKDIR/zones/example.com.zone"
{
	zone_header example.net
	echo '@ MX 10 mx'
	echo 'mx A 198.51.100.26'
	echo '@ TXT "v=spf1 ip4:198.51.100.25 -all"'
	echo '_dmarc TXT "v=DMARC1; p=reject"'
} >"$WORKDIR/zones/example.net.zone"
echo "demo: starting nsd (example.com, example.net), smtp-sink, a private Postfix and preflight-milter"
nsd_start "$WORKDIR/zones" || die "nsd did not start"
pfenv_start "$PF" "unix:$SOCK" || die "the private Postfix did not start"
. "$PF/env"
# UserID postfix: the socket becomes postfix's (mode 0660), so smtpd can
# connect; the held log's directory must be writable by that user.
mkdir "$WORKDIR/state"
chown postfix "$WORKDIR/state"
cat >"$CONF" <<EOF
Socket unix:$SOCK
UserID postfix
Syslog no
HeldLog $WORKDIR/state/held.db
PostfixConfigDir $PFENV_CONF
FindingAction format-from-count reject
Nameservers $NSD_ADDR
DNSTimeout 3s
EgressAddress 192.0.2.10
SigningKey example.com demo $WORKDIR/keys/demo.private
EOF
rm -f "$SOCK"
"$MILTER" -f -c "$CONF" >"$WORKDIR/milter.log" 2>&1 &
MILTER_PID=$!
wait_for_file "$SOCK" 15 || { cat "$WORKDIR/milter.log"; die "preflight-milter did not start"; }

# header VALUE of the first NAME: header of FILE
header() {
	awk -v n="$2" 'BEGIN { IGNORECASE = 1 } /^$/ { exit }
	    tolower(substr($0, 1, length(n) + 1)) == tolower(n) ":" {
		sub(/^[^:]*:[ \t]*/, ""); print; exit }' "$1"
}

addr_of() {	# the address in "Name <a@b>" or a bare "a@b"
	sed -e 's/.*<\([^>]*\)>.*/\1/' -e 's/[[:space:]]//g'
}

# fresh_date FILE OUT - copy FILE with its header Date: set to now
fresh_date() {
	awk -v d="Date: $(date -R)" 'hdr == 0 && /^$/ { hdr = 1 }
	    hdr == 0 && /^[Dd]ate:/ { print d; next } { print }' "$1" >"$2"
}

queue_id_for() {	# the Postfix queue id that cleanup logged for a Message-ID
	grep -F "message-id=$1" "$PFENV_MAILLOG" 2>/dev/null | tail -1 |
	    sed -n 's/.*\]: \([0-9A-F]*\): message-id=.*/\1/p'
}

has_queue_id() {	# cleanup has logged the queue id of Message-ID $1 (asked anew each try)
	[ -n "$(queue_id_for "$1")" ]
}

held() {
	postqueue -c "$PFENV_CONF" -j 2>/dev/null |
	    jq -s -e --arg q "$1" 'any(.[]; .queue_id == $q and .queue_name == "hold")' >/dev/null
}

settled() {	# delivered or held
	grep -q "$1: .*status=sent" "$PFENV_MAILLOG" || held "$1"
}

verdict_of() {	# from the milter's log line for the queue id
	grep -h "$1: verdict=" "$WORKDIR/milter.log" 2>/dev/null | tail -1 |
	    sed -e 's/.*verdict=//' -e 's/ from=.*//'
}

# final_reply SWAKS-OUTPUT - the server's answer to the end of DATA (all lines)
final_reply() {
	printf '%s\n' "$1" | awk '/^ -> \.$/ { on = 1; next }
	    on && /^ -> / { exit } on && /^<(-|\*\*) / { sub(/^<(-|\*\*) +/, ""); print }'
}

# first_reply_error SWAKS-OUTPUT - an error before DATA ended (e.g. a 4xx at MAIL)
first_reply_error() {
	printf '%s\n' "$1" | grep -E '^<\*\* ' | head -1 | sed -E 's/^<\*\* +//'
}

# held_row MESSAGE-ID - "row N: verdict V, status S" from the held log
held_row() {
	"$CLI" held list --json -c "$CONF" 2>/dev/null |
	    jq -r --arg m "$1" '.[] | select((.message_id // "" | ltrimstr("<") | rtrimstr(">"))
	        == ($m | ltrimstr("<") | rtrimstr(">")))
	        | "row \(.id): verdict \(.verdict), status \(.status)"' 2>/dev/null | head -1
}

echo
for f in samples/*.eml; do
	name=$(basename "$f")
	fresh_date "$f" "$WORKDIR/send.eml"
	from=$(header "$f" From | addr_of)
	to=$(header "$f" To | addr_of)
	mid=$(header "$f" Message-ID)
	out=$(swaks --server 127.0.0.1 --port "$PFENV_PORT" --from "$from" \
	    --to "$to" --timeout 60 --data "@$WORKDIR/send.eml" 2>&1)
	answer=$(final_reply "$out")
	[ -n "$answer" ] || answer=$(first_reply_error "$out")
	qid=
	if [ -n "$mid" ] && wait_until 5 has_queue_id "$mid"; then
		qid=$(queue_id_for "$mid")
	fi
	case $answer in
	2*)	if [ -n "$qid" ] && wait_until 20 settled "$qid" && held "$qid"; then
			where="held in Postfix's hold queue"
		elif [ -n "$qid" ] && grep -q "$qid: .*status=sent" "$PFENV_MAILLOG"; then
			where="delivered to the sink"
			sunk=$(grep -l -F "$mid" "$PFENV_SINK_DIR"/msg.* 2>/dev/null | head -1)
			if grep -qi '^X-Preflight:' "${sunk:-/dev/null}" 2>/dev/null; then
				where="$where, with an X-Preflight: header"
			fi
		else
			where="still queued, not delivered yet"
		fi ;;
	4*)	where="tempfailed: the client keeps it and retries" ;;
	5*)	where="rejected: the client gets the reply above" ;;
	*)	where="no answer: $(printf '%s\n' "$out" | tail -3)" ;;
	esac
	printf '%s  (%s -> %s, queue id %s)\n' "$name" "$from" "$to" "${qid:-none}"
	printf '%s\n' "${answer:-?}" | sed -e '1s/^/  SMTP answer: /' -e '2,$s/^/               /'
	printf '  ended:       %s\n' "$where"
	printf '  verdict:     %s\n' "$([ -n "$qid" ] && verdict_of "$qid")"
	row=$([ -n "$mid" ] && held_row "$mid")
	printf '  held log:    %s\n' "${row:-no row (LogVerdicts is hold reject)}"
	echo
done

echo "demo: preflight held list -c $CONF"
"$CLI" held list -c "$CONF" || echo "demo: preflight held list failed"
echo
echo "demo: stopping everything"
exit 0

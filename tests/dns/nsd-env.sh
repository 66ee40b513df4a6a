# tests/dns/nsd-env.sh - a real authoritative DNS server (nsd) on 127.0.0.1
# serving test zones, for the tests of the SPF, DKIM and DMARC checks.
# Source it after tests/lib.sh and tmp_workdir.
#
#   nsd_start ZONEDIR  serve every ZONEDIR/<zone>.zone (the file name minus
#                      .zone is the zone's name; root.zone is ".") on a
#                      free port; sets
#                      NSD_PORT and NSD_ADDR ("127.0.0.1@PORT", the form of
#                      Nameservers and --dns); waits until it answers
#   nsd_restart        stop and start again over the same ZONEDIR (reload)
#   nsd_stop           stop it (tests of DNS failure stop it on purpose)
#   zone_header NAME   print an SOA and NS head for a zone file
#   nsd_queries        queries answered so far (needs NSD_CONTROL=1 before
#                      nsd_start: nsd-control on a free port, own keys)
#
# Nothing here touches the system's nsd: config, pid file, zones and log
# all live under $WORKDIR/nsd, and nsd runs as root without a chroot.

NSD_BIN=${NSD_BIN:-$(command -v nsd || echo /usr/sbin/nsd)}

zone_header() {
	cat <<ZONE
\$ORIGIN $1.
\$TTL 60
@ IN SOA ns.$1. hostmaster.$1. 1 3600 600 86400 60
@ IN NS ns.$1.
ns IN A 127.0.0.1
ZONE
}

_nsd_conf() {
	local dir=$1 z name
	cat <<CONF
server:
  ip-address: 127.0.0.1@$NSD_PORT
  port: $NSD_PORT
  username: ""
  chroot: ""
  zonesdir: "$dir"
  pidfile: "$WORKDIR/nsd/nsd.pid"
  xfrdfile: "$WORKDIR/nsd/xfrd.state"
  zonelistfile: "$WORKDIR/nsd/zone.list"
  database: ""
  logfile: "$WORKDIR/nsd/nsd.log"
  verbosity: 1
  server-count: 1
CONF
	if [ "${NSD_CONTROL:-0}" = 1 ]; then
		cat <<CONF
remote-control:
  control-enable: yes
  control-interface: 127.0.0.1
  control-port: $NSD_CONTROL_PORT
  server-key-file: "$WORKDIR/nsd/nsd_server.key"
  server-cert-file: "$WORKDIR/nsd/nsd_server.pem"
  control-key-file: "$WORKDIR/nsd/nsd_control.key"
  control-cert-file: "$WORKDIR/nsd/nsd_control.pem"
CONF
	else
		printf 'remote-control:\n  control-enable: no\n'
	fi
	for z in "$dir"/*.zone; do
		[ -e "$z" ] || continue
		name=$(basename "$z" .zone)
		# root.zone serves "." itself: NXDOMAIN for every other name
		[ "$name" = root ] && name=.
		printf 'zone:\n  name: %s\n  zonefile: %s\n' "$name" "$(basename "$z")"
	done
}

# _nsd_answers - the server answers a SOA query for its first zone
_nsd_answers() {
	local z
	z=$(basename "$(ls "$NSD_ZONEDIR"/*.zone | head -n 1)" .zone)
	dig +time=1 +tries=1 +short @127.0.0.1 -p "$NSD_PORT" "$z" SOA 2>/dev/null | grep -q .
}

nsd_start() {
	NSD_ZONEDIR=$(cd "$1" && pwd)
	mkdir -p "$WORKDIR/nsd"
	[ -n "${NSD_PORT:-}" ] || NSD_PORT=$(free_port)
	NSD_ADDR="127.0.0.1@$NSD_PORT"
	if [ "${NSD_CONTROL:-0}" = 1 ]; then
		NSD_CONTROL_PORT=$(free_port)
		nsd-control-setup -d "$WORKDIR/nsd" >"$WORKDIR/nsd/control-setup.out" 2>&1 || {
			cat "$WORKDIR/nsd/control-setup.out" >&2
			return 1
		}
	fi
	_nsd_conf "$NSD_ZONEDIR" > "$WORKDIR/nsd/nsd.conf"
	if ! nsd-checkconf "$WORKDIR/nsd/nsd.conf" >"$WORKDIR/nsd/checkconf.out" 2>&1; then
		cat "$WORKDIR/nsd/checkconf.out" >&2
		return 1
	fi
	"$NSD_BIN" -c "$WORKDIR/nsd/nsd.conf" || return 1
	add_cleanup "nsd_stop"
	if ! wait_until 10 _nsd_answers; then
		echo "nsd did not answer on port $NSD_PORT:" >&2
		cat "$WORKDIR/nsd/nsd.log" >&2
		return 1
	fi
}

nsd_stop() {
	local pid
	[ -f "$WORKDIR/nsd/nsd.pid" ] || return 0
	pid=$(cat "$WORKDIR/nsd/nsd.pid")
	kill "$pid" 2>/dev/null
	wait_until 10 sh -c "! kill -0 $pid 2>/dev/null"
	rm -f "$WORKDIR/nsd/nsd.pid"
}

# nsd_queries - the number of queries nsd has answered since it started
nsd_queries() {
	nsd-control -c "$WORKDIR/nsd/nsd.conf" stats_noreset 2>/dev/null |
	    awk -F= '$1 == "num.queries" { print $2; found = 1 } END { if (!found) print "?" }'
}

nsd_restart() {
	nsd_stop
	_nsd_conf "$NSD_ZONEDIR" > "$WORKDIR/nsd/nsd.conf"
	"$NSD_BIN" -c "$WORKDIR/nsd/nsd.conf" || return 1
	wait_until 10 _nsd_answers
}

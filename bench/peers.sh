# bench/peers.sh - start and stop the peer milters of the bench: rspamd's
# proxy worker in milter mode (self_scan) and OpenDKIM verify.  For bash;
# source it after tests/lib.sh (wait_until, _port_open).
#
#   peer_rspamd_start WORKDIR SOCKET DNSPORT
#   peer_opendkim_start WORKDIR SOCKET DNSPORT
#       SOCKET in milter notation: unix:/path (or local:/path),
#       inet:PORT@127.0.0.1 or inet:127.0.0.1:PORT.  All DNS goes to the
#       bench nsd on 127.0.0.1@DNSPORT.  Set PEER_PID (and PEER_NOTE when
#       the peer runs with a handicap), wait until the socket accepts, and
#       return 0; return 1 with a message on stderr when the peer is not
#       installed or does not come up.
#   peer_stop           stop PEER_PID and its children, wait for them
#   peer_rss_kb PID...  sum of VmHWM over the process trees, in kB
#
# Knobs: PEER_RSPAMD_LOGLEVEL (warning; info logs every message's symbols),
# PEER_RSPAMD_HS_WAIT (240: seconds to wait for rspamd's hyperscan
# database), PEER_RSPAMD_HSCACHE (a dir that keeps rspamd's hyperscan
# caches between runs; default WORKDIR/rspamd/db), PEER_OPENDKIM_DNS (0;
# 1 = real key lookups through ResolverConfiguration, which crashes this
# OpenDKIM under concurrency: see peers-bench.md).
#
# The configs in bench/peers/ carry @PLACEHOLDERS@; the start functions
# write filled-in copies under WORKDIR and never touch the tree's files.
# Each peer runs in a private mount namespace (unshare -m) in which
# /etc/resolv.conf names 127.0.0.1, so nothing can reach the host's
# resolver even where a component ignores the peer's DNS settings.

PEERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/peers" && pwd)
PEER_PID=
PEER_NOTE=

# _peer_sock SOCKET - split a milter socket into _PS_UNIX (a path) or
# _PS_PORT (on 127.0.0.1); only loopback and unix sockets are allowed
_peer_sock() {
	local s=$1 host
	_PS_UNIX= _PS_PORT=
	case $s in
	unix:/* | local:/*) _PS_UNIX=${s#*:}; return 0 ;;
	/*) _PS_UNIX=$s; return 0 ;;
	inet:*@*) _PS_PORT=${s#inet:}; host=${_PS_PORT#*@}; _PS_PORT=${_PS_PORT%%@*} ;;
	inet:*:*) host=${s#inet:}; _PS_PORT=${host##*:}; host=${host%:*} ;;
	*) echo "peers: cannot parse socket '$s'" >&2; return 1 ;;
	esac
	case $host in
	127.0.0.1 | localhost) ;;
	*) echo "peers: socket '$s' is not on 127.0.0.1" >&2; return 1 ;;
	esac
	case $_PS_PORT in
	'' | *[!0-9]*) echo "peers: bad port in '$s'" >&2; return 1 ;;
	esac
}

# _peer_sock_ready - the socket of _peer_sock accepts connections
_peer_sock_ready() {
	if [ -n "$_PS_UNIX" ]; then
		[ -S "$_PS_UNIX" ]
	else
		_port_open 127.0.0.1 "$_PS_PORT"
	fi
}

# _peer_up - the socket is ready, or the peer died (the caller tells which)
_peer_up() {
	_peer_sock_ready || ! _peer_alive "$PEER_PID"
}

# _peer_alive PID - PID exists and is not a zombie
_peer_alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ]
}

# _peer_subst FILE... - fill in the placeholders from the _PV_* values
_peer_subst() {
	local f k v script=
	for k in WORKDIR SOCKET BIND DNSPORT NAMESERVER LOGLEVEL LOGFILE HSCACHE; do
		v=$(eval "printf '%s' \"\${_PV_$k:-}\"" | sed 's/[\\#&]/\\&/g')
		script="${script}s#@$k@#$v#g;"
	done
	for f in "$@"; do
		sed -i "$script" "$f" || return 1
	done
}

# _peer_resolv DIR - a resolv.conf for the peer's mount namespace
_peer_resolv() {
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$1/resolv.conf"
}

# _peer_launch LOG RESOLV CMD... - CMD in the background, in its own mount
# namespace with RESOLV on /etc/resolv.conf when unshare works; PEER_PID.
# An interrupted run must not leave the peer behind: peer_stop is
# registered once with tests/lib.sh's cleanups.
_peer_launch() {
	local log=$1 resolv=$2
	shift 2
	if [ -z "${_PEER_CLEANUP:-}" ] && declare -F add_cleanup >/dev/null; then
		add_cleanup peer_stop
		_PEER_CLEANUP=1
	fi
	if unshare -m true 2>/dev/null; then
		# unshare and sh both exec: PEER_PID is the peer itself
		unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf || exit 1; exec "$@"' \
		    "$resolv" "$@" >"$log" 2>&1 </dev/null &
	else
		"$@" >"$log" 2>&1 </dev/null &
	fi
	PEER_PID=$!
}

# _peer_wait NAME LOG SECS - wait for the socket; on failure say why
_peer_wait() {
	if wait_until "$3" _peer_up && _peer_alive "$PEER_PID" && _peer_sock_ready; then
		return 0
	fi
	echo "$1: did not come up within $3 s; last lines of $2:" >&2
	tail -n 5 "$2" >&2
	peer_stop
	return 1
}

# _peer_open_path DIR - let an unprivileged peer user reach DIR: ancestors
# without search permission for others (mktemp -d makes 0700) get o+x
_peer_open_path() {
	local d=$1
	while [ "$d" != / ] && [ -n "$d" ]; do
		if [ -z "$(find "$d" -maxdepth 0 -perm -o+x)" ]; then
			chmod o+x "$d" || return 1
		fi
		d=$(dirname "$d")
	done
}

# _rspamd_run DIR LEVEL LOG - one rspamd instance from a fresh copy of the
# config, logging at LEVEL into LOG (the _PV_* values set by the caller)
_rspamd_run() {
	local r=$1
	rm -rf "$r/conf" "$r/run"
	mkdir -p "$r/db" "$r/run" && cp -R "$PEERS_DIR/rspamd" "$r/conf" || return 1
	_PV_LOGLEVEL=$2 _PV_LOGFILE=$3 _peer_subst "$r"/conf/*/* || return 1
	[ -z "$_PS_UNIX" ] || rm -f "$_PS_UNIX"
	rm -f "$3"
	chown -R _rspamd:_rspamd "$r" || return 1
	_peer_launch "$r/stdout.log" "$r/resolv.conf" "$RSPAMD_BIN" -f -u _rspamd -g _rspamd \
	    -c /etc/rspamd/rspamd.conf -p "$r/run/rspamd.pid" \
	    --var="LOCAL_CONFDIR=$r/conf" --var="DBDIR=$r/db" \
	    --var="RUNDIR=$r/run" --var="LOGDIR=$r"
}

# _rspamd_prepared LOG - the workers have the full hyperscan database, or
# the instance died
_rspamd_prepared() {
	_log_has "$1" 'full hyperscan database of [0-9]+ regexps has been loaded' ||
	    ! _peer_alive "$PEER_PID"
}

peer_rspamd_start() {
	local dir=$1 sock=$2 port=$3 r hs=${PEER_RSPAMD_HS_WAIT:-240}
	PEER_PID= PEER_NOTE=
	RSPAMD_BIN=$(command -v rspamd || echo /usr/bin/rspamd)
	if [ ! -x "$RSPAMD_BIN" ] || [ ! -f /etc/rspamd/rspamd.conf ]; then
		echo "rspamd: not installed (apt-get install rspamd)" >&2
		return 1
	fi
	if ! id _rspamd >/dev/null 2>&1; then
		echo "rspamd: no _rspamd user" >&2
		return 1
	fi
	_peer_sock "$sock" || return 1
	mkdir -p "$dir/rspamd" && dir=$(cd "$dir" && pwd) || return 1
	r=$dir/rspamd
	_PV_WORKDIR=$r _PV_DNSPORT=$port
	if [ -n "$_PS_UNIX" ]; then
		_PV_BIND="$_PS_UNIX mode=0666"
	else
		_PV_BIND="127.0.0.1:$_PS_PORT"
	fi
	# hyperscan caches: db/ by default; PEER_RSPAMD_HSCACHE keeps them
	# across bench runs (they are keyed by the regexps, so sharing is safe)
	_PV_HSCACHE=${PEER_RSPAMD_HSCACHE:-$r/db}
	mkdir -p "$_PV_HSCACHE" && chown _rspamd:_rspamd "$_PV_HSCACHE" || return 1
	_peer_resolv "$r"
	_peer_open_path "$r" && _peer_open_path "$_PV_HSCACHE" || return 1
	# Without its hyperscan caches rspamd spends a minute on 2 cores
	# compiling (the TLD matcher in the main process, whose heap every
	# worker then inherits, and the regexp classes in hs_helper), and its
	# workers run on slow PCRE until then.  A first instance at log level
	# info builds or finds the caches in db/ (kept across restarts in the
	# same WORKDIR) and says when its workers have the full database; the
	# measured instance then starts with everything compiled.
	_rspamd_run "$r" info "$r/prepare.log" || return 1
	wait_until "$hs" _rspamd_prepared "$r/prepare.log"
	if ! _peer_alive "$PEER_PID"; then
		echo "rspamd: exited at start; last lines of $r/prepare.log:" >&2
		tail -n 5 "$r/prepare.log" "$r/stdout.log" >&2
		peer_stop
		return 1
	elif ! _rspamd_prepared "$r/prepare.log"; then
		PEER_NOTE="hyperscan database not ready after $hs s"
		echo "rspamd: $PEER_NOTE; measuring anyway" >&2
	fi
	peer_stop
	_rspamd_run "$r" "${PEER_RSPAMD_LOGLEVEL:-warning}" "$r/rspamd.log" || return 1
	_peer_wait rspamd "$r/stdout.log" 60
}

peer_opendkim_start() {
	local dir=$1 sock=$2 port=$3 bin o
	PEER_PID= PEER_NOTE=
	bin=$(command -v opendkim || echo /usr/sbin/opendkim)
	if [ ! -x "$bin" ]; then
		echo "opendkim: not installed (apt-get install opendkim)" >&2
		return 1
	fi
	_peer_sock "$sock" || return 1
	mkdir -p "$dir" && dir=$(cd "$dir" && pwd) || return 1
	o=$dir/opendkim
	rm -rf "$o"
	mkdir -p "$o" && cp "$PEERS_DIR/opendkim/opendkim.conf" "$o/opendkim.conf" || return 1
	_PV_WORKDIR=$o _PV_NAMESERVER="127.0.0.1@$port"
	if [ -n "$_PS_UNIX" ]; then
		_PV_SOCKET="local:$_PS_UNIX"
		rm -f "$_PS_UNIX"
	else
		_PV_SOCKET="inet:$_PS_PORT@127.0.0.1"
	fi
	_peer_subst "$o/opendkim.conf" || return 1
	if [ "${PEER_OPENDKIM_DNS:-0}" = 1 ]; then
		# real key lookups: libunbound may then query 127/8 and leaves
		# the RFC 6761 zones to the forwarder
		cat >"$o/libunbound.conf" <<-EOF
		server:
		    do-not-query-localhost: no
		    module-config: "iterator"
		    local-zone: "test." nodefault
		    local-zone: "2.0.192.in-addr.arpa." nodefault
		forward-zone:
		    name: "."
		    forward-addr: 127.0.0.1@$port
		EOF
		echo "ResolverConfiguration   $o/libunbound.conf" >>"$o/opendkim.conf"
		PEER_NOTE="dns: crashes under concurrency (libunbound config re-parsed per message)"
	else
		PEER_NOTE="nodns: keys not found, no RSA"
	fi
	_peer_resolv "$o"
	_peer_launch "$o/stdout.log" "$o/resolv.conf" "$bin" -f -x "$o/opendkim.conf"
	_peer_wait opendkim "$o/stdout.log" 30
}

# _peer_tree PID... - the PIDs and all their descendants
_peer_tree() {
	local todo=("$@") p st pp kids=()
	local -A ppid_of=()
	# each stat line is "pid (comm) state ppid ..."; comm may hold blanks
	# and parentheses, so cut up to the last ") "
	while read -r p st pp _; do
		ppid_of[$p]=$pp
	done < <(cat /proc/[0-9]*/stat 2>/dev/null | sed 's/ (.*) / /')
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		[ -n "$p" ] || continue
		echo "$p"
		kids=()
		for st in "${!ppid_of[@]}"; do
			[ "${ppid_of[$st]}" = "$p" ] && kids+=("$st")
		done
		todo+=("${kids[@]}")
	done
}

peer_rss_kb() {
	local p v kb=0
	for p in $(_peer_tree "$@"); do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		kb=$((kb + ${v:-0}))
	done
	echo "$kb"
}

# _peer_all_gone PID... - none of the PIDs is alive
_peer_all_gone() {
	local p
	for p in "$@"; do
		_peer_alive "$p" && return 1
	done
	return 0
}

peer_stop() {
	local pids
	[ -n "$PEER_PID" ] || return 0
	pids=$(_peer_tree "$PEER_PID")
	kill -TERM "$PEER_PID" 2>/dev/null
	if ! wait_until 15 _peer_all_gone $pids; then
		kill -KILL $pids 2>/dev/null
		wait_until 5 _peer_all_gone $pids
	fi
	wait "$PEER_PID" 2>/dev/null
	PEER_PID=
}

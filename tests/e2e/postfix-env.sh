#!/bin/bash
# tests/e2e/postfix-env.sh - a private Postfix instance and a local SMTP sink.
#
#   postfix-env.sh start DIR [MILTER]   start both; MILTER is a Postfix milter
#                                       address (unix:/path or inet:127.0.0.1:port)
#   postfix-env.sh stop DIR             empty the queue, stop Postfix and the sink
#   postfix-env.sh milter DIR [MILTER]  change smtpd_milters/non_smtpd_milters, reload
#
# Or source it and call pfenv_start / pfenv_stop / pfenv_set_milter.
#
# Everything lives under DIR: etc/ (main.cf, master.cf; pass it to
# postfix/postqueue/postsuper -c), queue/, data/, maillog, sink/ (one file
# per message that reached the sink).  DIR/env is a shell fragment with
# PFENV_CONF, PFENV_PORT, PFENV_SINK_PORT, PFENV_SINK_DIR, PFENV_MAILLOG,
# PFENV_SINK_PID.  Ports come from $PFENV_PORT / $PFENV_SINK_PORT when
# set, else free ones are picked.
#
# Nothing leaves the machine: smtpd listens on 127.0.0.1 only, mail for
# localhost is discarded, and everything else is relayed to the sink
# (smtp-sink on 127.0.0.1), which writes each message to DIR/sink/.
# /etc/postfix and the system instance are never touched.  Needs root,
# because postfix(1) start does.

_pfenv_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib.sh
. "$_pfenv_here/../lib.sh"

PFENV_POSTFIX=${PFENV_POSTFIX:-/usr/sbin/postfix}
PFENV_POSTCONF=${PFENV_POSTCONF:-/usr/sbin/postconf}
PFENV_POSTSUPER=${PFENV_POSTSUPER:-/usr/sbin/postsuper}
PFENV_SMTP_SINK=${PFENV_SMTP_SINK:-/usr/sbin/smtp-sink}

_pfenv_err() {
	echo "postfix-env: $*" >&2
}

_pfenv_main_cf() {
	local dir=$1 port=$2 sinkport=$3 milter=$4
	cat <<EOF
# private test instance written by tests/e2e/postfix-env.sh
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.preflight.example.com
mydomain = preflight.example.com
myorigin = \$myhostname
mydestination = localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$sinkport
local_transport = discard:
alias_maps =
alias_database =
smtp_dns_support_level = disabled
# Keep headers as the client sent them: Postfix would otherwise add a
# missing Date:/Message-ID: for 127.0.0.1 before the milter sees them.
local_header_rewrite_clients =
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_banner = \$myhostname ESMTP
biff = no
append_dot_mydomain = no
message_size_limit = 52428800
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtpd_milters = $milter
non_smtpd_milters = $milter
milter_default_action = tempfail
milter_connect_macros = j {daemon_name} {daemon_addr} v _ {client_addr} {client_name}
EOF
}

# Every service runs unchrooted (chroot column n): the queue is not in
# the usual place, and the milter socket may be anywhere.
_pfenv_master_cf() {
	local port=$1
	cat <<EOF
127.0.0.1:$port inet n - n - - smtpd
  -o milter_macro_daemon_name=ORIGINATING
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
proxywrite unix - - n -  1 proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
local     unix  - n n -  - local
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

_pfenv_master_pid() {
	local f=$1/queue/pid/master.pid
	[ -s "$f" ] && tr -dc '0-9' <"$f"
}

_pfenv_alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

_pfenv_dead() {
	! kill -0 "$1" 2>/dev/null
}

_pfenv_start_sink() {
	local dir=$1 port=$2
	mkdir -p "$dir/sink"
	chown postfix "$dir/sink"
	# -u: smtp-sink refuses to run as root without it.
	"$PFENV_SMTP_SINK" -4 -u postfix -d "$dir/sink/msg." \
	    "127.0.0.1:$port" 16 >"$dir/sink.log" 2>&1 </dev/null &
	echo $! >"$dir/sink.pid"
	if ! wait_for_port 127.0.0.1 "$port" 10; then
		_pfenv_err "smtp-sink did not listen on 127.0.0.1:$port"
		cat "$dir/sink.log" >&2
		return 1
	fi
}

# pfenv_start - set up DIR and start the sink and Postfix (see the top)
pfenv_start() {
	local dir=$1 milter=${2:-} port sinkport pid
	if [ "$(id -u)" != 0 ]; then
		_pfenv_err "must run as root (postfix start needs it)"
		return 1
	fi
	mkdir -p "$dir/etc" "$dir/queue" "$dir/data" || return 1
	dir=$(cd "$dir" && pwd)
	# Postfix's daemons (user postfix) must reach queue/, data/ and the log.
	chmod 755 "$dir"
	chown postfix "$dir/data"
	if command -v runuser >/dev/null &&
	    ! runuser -u postfix -- test -w "$dir/data" 2>/dev/null; then
		_pfenv_err "user postfix cannot reach $dir (a parent directory is closed?)"
		return 1
	fi
	port=${PFENV_PORT:-$(free_port)}
	sinkport=${PFENV_SINK_PORT:-$(free_port)}
	_pfenv_main_cf "$dir" "$port" "$sinkport" "$milter" >"$dir/etc/main.cf"
	_pfenv_master_cf "$port" >"$dir/etc/master.cf"
	cat >"$dir/env" <<EOF
PFENV_DIR='$dir'
PFENV_CONF='$dir/etc'
PFENV_PORT=$port
PFENV_SINK_PORT=$sinkport
PFENV_SINK_DIR='$dir/sink'
PFENV_MAILLOG='$dir/maillog'
EOF
	_pfenv_start_sink "$dir" "$sinkport" || return 1
	echo "PFENV_SINK_PID=$(cat "$dir/sink.pid")" >>"$dir/env"
	# Errors would go to /dev/log, which may not exist: check first, and
	# read the maillog if start fails.
	if ! "$PFENV_POSTFIX" -c "$dir/etc" check >"$dir/check.log" 2>&1; then
		_pfenv_err "postfix check failed:"
		cat "$dir/check.log" >&2
		return 1
	fi
	if ! "$PFENV_POSTFIX" -c "$dir/etc" start >"$dir/start.log" 2>&1; then
		_pfenv_err "postfix start failed:"
		cat "$dir/start.log" >&2
		tail -20 "$dir/maillog" >&2 2>/dev/null
		return 1
	fi
	if ! wait_until 10 _pfenv_master_pid "$dir" >/dev/null; then
		_pfenv_err "no master pid file"
		return 1
	fi
	pid=$(_pfenv_master_pid "$dir")
	if ! _pfenv_alive "$pid" || ! wait_for_port 127.0.0.1 "$port" 10; then
		_pfenv_err "master ($pid) not running or smtpd not listening on $port"
		tail -20 "$dir/maillog" >&2 2>/dev/null
		return 1
	fi
	echo "PFENV_MASTER_PID=$pid" >>"$dir/env"
}

# pfenv_set_milter - point smtpd_milters/non_smtpd_milters at MILTER ("" = none)
pfenv_set_milter() {
	local dir=$1 milter=${2:-}
	"$PFENV_POSTCONF" -c "$dir/etc" -e "smtpd_milters = $milter" \
	    "non_smtpd_milters = $milter" || return 1
	"$PFENV_POSTFIX" -c "$dir/etc" reload >/dev/null 2>&1
}

# pfenv_stop - delete the private queue, stop Postfix and the sink; safe to
# call twice or after a failed start
pfenv_stop() {
	local dir=$1 pid
	[ -d "$dir" ] || return 0
	pid=$(_pfenv_master_pid "$dir")
	if _pfenv_alive "$pid"; then
		"$PFENV_POSTSUPER" -c "$dir/etc" -d ALL >/dev/null 2>&1
		"$PFENV_POSTFIX" -c "$dir/etc" stop >/dev/null 2>&1
		if ! wait_until 15 _pfenv_dead "$pid"; then
			"$PFENV_POSTFIX" -c "$dir/etc" abort >/dev/null 2>&1
			wait_until 5 _pfenv_dead "$pid" || kill -9 "$pid" 2>/dev/null
		fi
	fi
	if [ -s "$dir/sink.pid" ]; then
		pid=$(cat "$dir/sink.pid")
		if _pfenv_alive "$pid"; then
			kill "$pid" 2>/dev/null
			wait_until 5 _pfenv_dead "$pid" || kill -9 "$pid" 2>/dev/null
		fi
		rm -f "$dir/sink.pid"
	fi
	return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case ${1:-} in
	start)	[ -n "${2:-}" ] || { echo "usage: $0 start DIR [MILTER]" >&2; exit 64; }
		pfenv_start "$2" "${3:-}" || { pfenv_stop "$2"; exit 1; } ;;
	stop)	[ -n "${2:-}" ] || { echo "usage: $0 stop DIR" >&2; exit 64; }
		pfenv_stop "$2" ;;
	milter)	[ -n "${2:-}" ] || { echo "usage: $0 milter DIR [MILTER]" >&2; exit 64; }
		pfenv_set_milter "$2" "${3:-}" ;;
	*)	echo "usage: $0 start DIR [MILTER] | stop DIR | milter DIR [MILTER]" >&2
		exit 64 ;;
	esac
fi

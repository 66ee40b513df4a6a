#!/bin/bash
# tests/e2e/sendmail-env.sh - a private Sendmail instance and a local SMTP sink.
#
#   sendmail-env.sh start DIR [MILTER]   start both; MILTER is a milter socket
#                                        (unix:/path or inet:port@127.0.0.1)
#   sendmail-env.sh stop DIR             empty the queue, stop Sendmail and the sink
#
# Or source it and call smenv_start / smenv_stop.
#
# The Sendmail is Debian's sendmail-bin, sendmail-base and sendmail-cf
# unpacked (never installed: they conflict with postfix) under
# $SMENV_ROOT (/opt/preflight-test/sendmail, made by scripts/deps.sh).
# Everything else lives under DIR: sendmail.mc and the sendmail.cf that m4
# makes of it with the unpacked cf/ files (pass it to sendmail and mailq
# with -C), etc/ (service switch, helpfile, statistics), mqueue/, sink/
# (one file per message that reached the sink).  DIR/env is a shell
# fragment with SMENV_DIR, SMENV_CF, SMENV_SENDMAIL, SMENV_QUEUE,
# SMENV_PORT, SMENV_SINK_PORT, SMENV_SINK_DIR, SMENV_PID, SMENV_SINK_PID.
# Ports come from $SMENV_PORT / $SMENV_SINK_PORT when set, else free
# ones are picked.
#
# Nothing leaves the machine and no name is looked up.  Sendmail asks
# the C library for its own host name when it starts (every run, mailq
# included: an unqualified name it cannot qualify costs a DNS query and
# a 60 s sleep), and this host's name is unqualified.  So Sendmail runs
# in private mount and UTS namespaces (unshare) where the host name is
# mta.preflight.example.com and /etc/hosts and /etc/nsswitch.conf are
# DIR/etc's, bind-mounted: "hosts: files", that name for 127.0.0.1 and
# ::1.  smenv_run runs a command (mailq, preflight held) in the same view
# (nsenter into the daemon's namespaces).  In the .cf the service switch
# also says "hosts files" (no MX lookup, no canonification: nocanonify,
# accept_unresolvable_domains, no interface probing); the daemon listens
# on 127.0.0.1 only (daemon name ORIGINATING, as Postfix's outbound smtpd
# in postfix-env.sh); every message goes to the smart host [127.0.0.1] on
# the sink's port (smtp-sink, Postfix's, which writes each message to
# DIR/sink/).  The real /etc files and host name are never touched.
# Needs root (unshare, mount, and Sendmail itself) and util-linux's
# unshare and nsenter.

_smenv_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=postfix-env.sh
. "$_smenv_here/postfix-env.sh"	# lib.sh, and the sink and pid helpers

SMENV_ROOT=${SMENV_ROOT:-/opt/preflight-test/sendmail}
SMENV_SENDMAIL=${SMENV_SENDMAIL:-$SMENV_ROOT/usr/libexec/sendmail/sendmail}
SMENV_CFDIR=${SMENV_CFDIR:-$SMENV_ROOT/usr/share/sendmail/cf}
SMENV_HOSTNAME=mta.preflight.example.com

_smenv_err() {
	echo "sendmail-env: $*" >&2
}

# _smenv_mc DIR PORT SINKPORT MILTER - the private sendmail.mc
_smenv_mc() {
	local dir=$1 port=$2 sinkport=$3 milter=$4
	cat <<EOF
divert(-1)
# private test instance written by tests/e2e/sendmail-env.sh
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`MAIL_SETTINGS_DIR', \`$dir/etc/')dnl
define(\`QUEUE_DIR', \`$dir/mqueue')dnl
define(\`STATUS_FILE', \`$dir/etc/statistics')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`confDOMAIN_NAME', \`$SMENV_HOSTNAME')dnl
define(\`confSERVICE_SWITCH_FILE', \`$dir/etc/service.switch')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
undefine(\`confBIND_OPTS')dnl
define(\`confDEF_USER_ID', \`daemon:daemon')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confMAX_DAEMON_CHILDREN', \`0')dnl
define(\`confREFUSE_LA', \`999')dnl
define(\`confQUEUE_LA', \`999')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confMILTER_LOG_LEVEL', \`9')dnl
define(\`SMART_HOST', \`esmtp:[127.0.0.1]')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $sinkport')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h $sinkport')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $sinkport')dnl
define(\`confTO_CONNECT', \`10s')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
RELAY_DOMAIN(\`127.0.0.1')dnl
DAEMON_OPTIONS(\`Port=$port, Addr=127.0.0.1, Family=inet, Name=ORIGINATING')dnl
INPUT_MAIL_FILTER(\`preflight', \`S=$milter, F=T, T=C:10s;S:30s;R:60s;E:5m')dnl
MAILER(\`smtp')dnl
EOF
}

_smenv_pid() {
	local f=$1/sendmail.pid
	[ -s "$f" ] && head -1 "$f" | tr -dc '0-9'
}

# _smenv_private DIR CMD... - CMD in new mount and UTS namespaces with
# DIR/etc's hosts and nsswitch.conf and the host name $SMENV_HOSTNAME
_smenv_private() {
	local dir=$1
	shift
	unshare --mount --uts --propagation private -- /bin/sh -c '
		mount --bind "$1/etc/hosts" /etc/hosts &&
		mount --bind "$1/etc/nsswitch.conf" /etc/nsswitch.conf &&
		hostname "$2" || exit 1
		shift 2
		exec "$@"' sh "$dir" "$SMENV_HOSTNAME" "$@"
}

# smenv_run CMD... - CMD as the private Sendmail sees the host (its
# namespaces): use it for mailq, sendmail -q and preflight held
smenv_run() {
	nsenter --target "$SMENV_PID" --mount --uts -- "$@"
}

# smenv_have - the unpacked Sendmail and what it needs are here
smenv_have() {
	[ -x "$SMENV_SENDMAIL" ] && [ -f "$SMENV_CFDIR/m4/cf.m4" ] &&
	    [ -x "$PFENV_SMTP_SINK" ] && command -v m4 >/dev/null &&
	    command -v unshare >/dev/null && command -v nsenter >/dev/null
}

# smenv_start - set up DIR and start the sink and Sendmail (see the top)
smenv_start() {
	local dir=$1 milter=${2:-} port sinkport pid
	if [ "$(id -u)" != 0 ]; then
		_smenv_err "must run as root (sendmail -bd with a private -C file needs it)"
		return 1
	fi
	if ! smenv_have; then
		_smenv_err "no unpacked Sendmail under $SMENV_ROOT (scripts/deps.sh), or no m4"
		return 1
	fi
	mkdir -p "$dir/etc" "$dir/mqueue" || return 1
	dir=$(cd "$dir" && pwd)
	# Sendmail refuses a queue directory others can write to.
	chmod 755 "$dir" "$dir/etc"
	chmod 700 "$dir/mqueue"
	printf 'hosts\t\tfiles\npasswd\t\tfiles\naliases\t\tfiles\n' >"$dir/etc/service.switch"
	printf '127.0.0.1\t%s mta localhost\n::1\t\t%s mta localhost\n' \
	    "$SMENV_HOSTNAME" "$SMENV_HOSTNAME" >"$dir/etc/hosts"
	printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\nservices: files\nprotocols: files\n' \
	    >"$dir/etc/nsswitch.conf"
	: >"$dir/etc/statistics"
	: >"$dir/etc/helpfile"
	port=${SMENV_PORT:-$(free_port)}
	sinkport=${SMENV_SINK_PORT:-$(free_port)}
	if [ -n "$milter" ]; then
		_smenv_mc "$dir" "$port" "$sinkport" "$milter" >"$dir/sendmail.mc"
	else
		_smenv_mc "$dir" "$port" "$sinkport" "" | grep -v INPUT_MAIL_FILTER >"$dir/sendmail.mc"
	fi
	if ! m4 -D_CF_DIR_="$SMENV_CFDIR/" "$SMENV_CFDIR/m4/cf.m4" "$dir/sendmail.mc" \
	    >"$dir/sendmail.cf" 2>"$dir/m4.err"; then
		_smenv_err "m4 failed on $dir/sendmail.mc:"
		cat "$dir/m4.err" >&2
		return 1
	fi
	cat >"$dir/env" <<EOF
SMENV_DIR='$dir'
SMENV_CF='$dir/sendmail.cf'
SMENV_SENDMAIL='$SMENV_SENDMAIL'
SMENV_QUEUE='$dir/mqueue'
SMENV_PORT=$port
SMENV_SINK_PORT=$sinkport
SMENV_SINK_DIR='$dir/sink'
EOF
	_pfenv_start_sink "$dir" "$sinkport" || return 1
	echo "SMENV_SINK_PID=$(cat "$dir/sink.pid")" >>"$dir/env"
	# There is no syslog here: Sendmail's complaints about its
	# configuration go to stderr when it starts (not after -bd detaches).
	if ! _smenv_private "$dir" "$SMENV_SENDMAIL" -C "$dir/sendmail.cf" -bd -q5s \
	    >"$dir/start.log" 2>&1 </dev/null; then
		_smenv_err "sendmail -bd failed:"
		cat "$dir/start.log" >&2
		return 1
	fi
	if ! wait_until 10 _smenv_pid "$dir" >/dev/null; then
		_smenv_err "no sendmail pid file ($(cat "$dir/start.log"))"
		return 1
	fi
	pid=$(_smenv_pid "$dir")
	if ! _pfenv_alive "$pid" || ! wait_for_port 127.0.0.1 "$port" 10; then
		_smenv_err "sendmail ($pid) not running or not listening on $port"
		cat "$dir/start.log" >&2
		return 1
	fi
	echo "SMENV_PID=$pid" >>"$dir/env"
}

# smenv_stop - empty the private queue, stop Sendmail and the sink; safe to
# call twice or after a failed start
smenv_stop() {
	local dir=$1 pid
	[ -d "$dir" ] || return 0
	pid=$(_smenv_pid "$dir")
	if _pfenv_alive "$pid"; then
		kill "$pid" 2>/dev/null
		wait_until 15 _pfenv_dead "$pid" || kill -9 "$pid" 2>/dev/null
	fi
	# Queue runners and deliveries the daemon forked end with it or soon.
	[ -d "$dir/mqueue" ] && find "$dir/mqueue" -maxdepth 1 -type f -delete
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
		smenv_start "$2" "${3:-}" || { smenv_stop "$2"; exit 1; } ;;
	stop)	[ -n "${2:-}" ] || { echo "usage: $0 stop DIR" >&2; exit 64; }
		smenv_stop "$2" ;;
	*)	echo "usage: $0 start DIR [MILTER] | stop DIR" >&2
		exit 64 ;;
	esac
fi

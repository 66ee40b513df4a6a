#!/bin/bash
# test-privdrop - the milter's privileges and the modes of what it creates.
#
# Without root: the keys SocketMode and SocketGroup (defaults, file:line
# errors for bad values) and -n reporting an unknown UserID/SocketGroup.
# As root (CI): preflight-milter started as root with UserID nobody,
# SocketMode 0620 and SocketGroup mail must end with every uid and gid of
# every thread dropped (/proc/PID/task/*/status), no capabilities, a
# socket of mode 0620 owned nobody:mail that a user outside the group
# cannot connect to and one inside can, a held log of mode 0640 owned by
# nobody that it still writes, PidFile 0644, and no DNSBLKey in its log.
# A held log left 0666 is brought back to 0640 at the next start; an
# unknown UserID or SocketGroup stops the start with exit 67 and a clear
# message, before any socket exists.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"

milter=$top_builddir/milter/preflight-milter
pf=$top_builddir/tools/preflight
mtdir=$top_srcdir/tests/milter

[ -x "$milter" ] || tap_skip_all "$milter is not built"
[ -x "$pf" ] || tap_skip_all "$pf is not built"
tmp_workdir || tap_skip_all "cannot create a work dir"

# --- the keys (any user) ---------------------------------------------------
keys=$("$pf" keys)
tap_like "$keys" $'^SocketMode\toctal\t0660$' "SocketMode: octal, default 0660"
tap_like "$keys" $'^SocketGroup\tstring\t$' "SocketGroup: default empty (UserID's group)"
tap_like "$keys" $'^OnError\t[^\t]*\ttempfail$' "OnError: default tempfail (fail closed)"

# ntest LINE - preflight-milter -n on a config whose line 2 is LINE
ntest() {
	printf 'Syslog no\n%s\n' "$1" >"$WORKDIR/n.conf"
	out=$("$milter" -n -c "$WORKDIR/n.conf" 2>&1)
	rc=$?
}
for v in 0620 660 0000 0777; do
	ntest "SocketMode $v"
	tap_is "$rc" 0 "SocketMode $v is accepted"
done
for v in 999 01777 66 rw 12345 0x1b0 -660 "0660 x"; do
	ntest "SocketMode $v"
	tap_is "$rc" 78 "SocketMode '$v' is refused (exit 78)"
	tap_like "$out" "n\.conf:2: SocketMode: not an octal mode" "... with file:line and the reason"
done
for v in "bad group" "-x" "a/b" "grp;id" "$(printf 'g%.0s' $(seq 33))"; do
	ntest "SocketGroup $v"
	tap_is "$rc" 78 "SocketGroup '$v' is refused (exit 78)"
	tap_like "$out" "n\.conf:2: SocketGroup: not a group name" "... with file:line and the reason"
done
ntest "SocketGroup pf-no-such-group"
tap_is "$rc" 67 "-n: an unknown SocketGroup exits 67"
tap_like "$out" "SocketGroup pf-no-such-group: no such group" "... and names it"
ntest "UserID pf-no-such-user"
tap_is "$rc" 67 "-n: an unknown UserID exits 67"
tap_like "$out" "UserID pf-no-such-user: no such user" "... and names it"

if [ "$(id -u)" -ne 0 ]; then
	tap_ok "privilege drop # SKIP not root: the milter can only switch users when started as root"
	tap_done
	exit
fi
for need in nobody:passwd nogroup:group mail:group daemon:passwd; do
	getent "${need#*:}" "${need%:*}" >/dev/null ||
		tap_skip_all "no ${need%:*} in /etc/${need#*:}"
done
nobody=$(id -u nobody)
nogroup=$(getent group nogroup | cut -d: -f3)

# Others (the test users) must reach the socket; the folder stays root's.
chmod 711 "$WORKDIR"
mkdir -m 755 "$WORKDIR/run"
secret=pfsecretdqskey0123456789
port=$(free_port)

# write_conf NAME LINE... - the base settings and LINEs
write_conf() {
	local name=$1
	shift
	{
		echo "Socket unix:$WORKDIR/run/$name.sock"
		echo "Syslog no"
		echo "HeldLog $WORKDIR/run/$name.db"
		echo "PidFile $WORKDIR/run/$name.pid"
		echo "LogVerdicts tag hold reject"
		echo "StateBackend none"
		echo "Checks ${CHECKS:-format size}"
		echo "Nameservers 127.0.0.1@$port"
		echo "DNSTimeout 1s"
		printf '%s\n' "$@"
	} >"$WORKDIR/$name.conf"
}

# start NAME - start it as root in the foreground; wait until it listens
start() {
	local name=$1
	"$milter" -f -c "$WORKDIR/$name.conf" 2>"$WORKDIR/$name.log" &
	pid=$!
	add_cleanup "kill $pid 2>/dev/null"
	if wait_for_file "$WORKDIR/run/$name.sock" 20 &&
		wait_for_log "$WORKDIR/$name.log" "starting .* on unix:" 20 &&
		kill -0 "$pid" 2>/dev/null; then
		tap_ok "milter $name started as root"
	else
		tap_fail "milter $name started as root" "$(cat "$WORKDIR/$name.log")"
	fi
}

# stop - SIGTERM, and the exit status
stop() {
	kill -TERM "$pid"
	wait "$pid"
}

# can_connect USER GROUP SOCKET - connect(2) to the socket as USER:GROUP
can_connect() {
	setpriv --reuid="$1" --regid="$2" --clear-groups perl -MIO::Socket::UNIX -e \
		'exit(IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0]) ? 0 : 1)' "$3"
}

# A DNS sink on the Nameservers port: it records the names asked, answers
# nothing, so the reputation round must use (and not log) the DNSBLKey.
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0],
	    Proto => "udp") or die "udp $ARGV[0]: $!\n";
	open(my $log, ">>", $ARGV[1]) or die; $log->autoflush(1);
	while ($s->recv(my $p, 4096)) {
		my ($i, @l) = (12);
		while ($i < length($p) && (my $n = ord(substr($p, $i, 1)))) {
			push @l, substr($p, $i + 1, $n); $i += $n + 1;
		}
		print $log join(".", @l), "\n";
	}' "$port" "$WORKDIR/queries" 2>"$WORKDIR/sink.err" &
add_cleanup "kill $! 2>/dev/null"

# --- A: UserID nobody, SocketMode 0620, SocketGroup mail ------------------
CHECKS="format size rep" write_conf A "UserID nobody" "SocketMode 0620" "SocketGroup mail" \
	"DNSBLKey $secret" "DNSBL zen.spamhaus.org" "EgressAddress 198.18.0.1"
start A

# every thread's real, effective, saved and filesystem ids
bad=
for st in /proc/"$pid"/task/*/status; do
	u=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$st")
	g=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "$st")
	[ "$u" = "$nobody $nobody $nobody $nobody" ] && [ "$g" = "$nogroup $nogroup $nogroup $nogroup" ] ||
		bad="$bad ${st#/proc/}: Uid $u Gid $g;"
done
ntask=$(ls /proc/"$pid"/task | wc -l)
tap_is "$bad" "" "all ids of all $ntask threads are nobody/nogroup ($nobody/$nogroup)"
groups=$(awk '/^Groups:/ { $1 = ""; print }' /proc/"$pid"/status | xargs)
tap_is "$groups" "$nogroup" "supplementary groups: nobody's only (no root group)"
caps=$(awk '/^Cap(Inh|Prm|Eff|Amb):/ { print $1, $2 }' /proc/"$pid"/status | grep -v ' 0000000000000000$')
tap_is "$caps" "" "no capability left (inheritable, permitted, effective, ambient)"

sock=$WORKDIR/run/A.sock
tap_is "$(stat -c '%a %U %G' "$sock")" "620 nobody mail" "socket: mode 0620, owner nobody, group mail"
if can_connect daemon daemon "$sock"; then
	tap_fail "a user outside SocketGroup cannot connect"
else
	tap_ok "a user outside SocketGroup cannot connect"
fi
if can_connect daemon mail "$sock"; then
	tap_ok "a user in SocketGroup can connect"
else
	tap_fail "a user in SocketGroup can connect"
fi

db=$WORKDIR/run/A.db
tap_is "$(stat -c '%a %U' "$db")" "640 nobody" "held log: mode 0640, owner nobody"
for f in "$db-wal" "$db-shm"; do
	[ -e "$f" ] || continue
	m=$(stat -c '%a' "$f")
	tap_is "$((8#$m & 8#137))" 0 "${f##*/}: mode $m, 0640 at most"
done
tap_is "$(stat -c '%a' "$WORKDIR/run/A.pid") $(cat "$WORKDIR/run/A.pid")" "644 $pid" \
	"PidFile: mode 0644, holds the pid"

# it still works as nobody: a held message is quarantined and logged
if command -v miltertest >/dev/null 2>&1 && command -v sqlite3 >/dev/null 2>&1; then
	out=$(MT_SOCKET="unix:$sock" MT_DIR="$mtdir" MT_QID=PRIVDROP1 \
		miltertest -s "$mtdir/from2.lua" 2>&1)
	tap_is "$?" 0 "after the drop a message is still held (miltertest)"
	tap_is "$(sqlite3 -readonly "$db" "SELECT queue_id || ' ' || status FROM messages")" \
		"PRIVDROP1 held" "... and nobody wrote its row to the held log"
else
	tap_ok "held message after the drop # SKIP miltertest or sqlite3 missing"
fi

# the reputation round queries KEY.zen.dq.spamhaus.net: not a word of it
if wait_for_log "$WORKDIR/A.log" "reputation" 30; then
	tap_ok "the reputation round ran (with DNSBLKey set)"
else
	tap_fail "the reputation round ran (with DNSBLKey set)" "$(cat "$WORKDIR/A.log")"
fi
if wait_until 20 grep -q "\.$secret\.zen\.dq\.spamhaus\.net" "$WORKDIR/queries"; then
	tap_ok "the DNSBL query carried the DNSBLKey (the secret was in use)"
else
	tap_fail "the DNSBL query carried the DNSBLKey (the secret was in use)" \
		"$(cat "$WORKDIR/queries" "$WORKDIR/sink.err" 2>&1 | head -20)"
fi
if grep -q "$secret" "$WORKDIR/A.log"; then
	tap_fail "DNSBLKey never appears in the log" "$(grep "$secret" "$WORKDIR/A.log")"
else
	tap_ok "DNSBLKey never appears in the log"
fi
stop
tap_is "$?" 0 "milter A exits 0 on SIGTERM"

# --- B: a held log left world-readable is tightened --------------------------
write_conf B "UserID nobody"
"$top_builddir/tests/cli/store-add" "$WORKDIR/run/B.db" queue_id=OLDROW1 >/dev/null 2>&1 ||
	: >"$WORKDIR/run/B.db"
chmod 666 "$WORKDIR/run/B.db"
start B
tap_is "$(stat -c '%a %U %G' "$WORKDIR/run/B.db")" "640 nobody nogroup" \
	"a held log left 0666 is 0640 again, owned nobody:nogroup"
tap_like "$(cat "$WORKDIR/B.log")" "HeldLog .*B\.db was mode 0666; now 0640" "... and a warning says so"
tap_is "$(stat -c '%a %G' "$WORKDIR/run/B.sock")" "660 nogroup" \
	"default socket: mode 0660, group of UserID"
stop
tap_is "$?" 0 "milter B exits 0 on SIGTERM"

# --- broken users: stop before anything is opened ---------------------------
# brokenstart NAME WANT-REGEX DESC LINE... - must exit 67 with the message
brokenstart() {
	local name=$1 re=$2 desc=$3
	shift 3
	write_conf "$name" "$@"
	"$milter" -f -c "$WORKDIR/$name.conf" >"$WORKDIR/$name.log" 2>&1 &
	local p=$!
	if wait_until 20 eval "! kill -0 $p 2>/dev/null"; then
		wait "$p"
		tap_is "$?" 67 "$desc: exit 67 (EX_NOUSER)"
	else
		kill "$p"
		tap_fail "$desc: the milter stops" "it was still running after 20 s"
	fi
	tap_like "$(cat "$WORKDIR/$name.log")" "$re" "$desc: the log says why"
	[ -e "$WORKDIR/run/$name.sock" ] && tap_fail "$desc: no socket was created" ||
		tap_ok "$desc: no socket was created"
}
brokenstart C "UserID pf-no-such-user: no such user" "unknown UserID" "UserID pf-no-such-user"
brokenstart D "UserID nobody:pf-no-such-group: no such group" "unknown UserID group" \
	"UserID nobody:pf-no-such-group"
brokenstart E "SocketGroup pf-no-such-group: no such group" "unknown SocketGroup" \
	"UserID nobody" "SocketGroup pf-no-such-group"

tap_done

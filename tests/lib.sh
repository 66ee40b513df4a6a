# tests/lib.sh - shared helpers for the shell tests (source it from bash).
#
# TAP:      tap_ok DESC, tap_fail DESC [DIAG...], tap_check DESC CMD...,
#           tap_ids LABEL IDS-FILE JSON-FILE ID...,
#           tap_is GOT WANT DESC, tap_like TEXT REGEX DESC, tap_diag TEXT,
#           tap_skip_all REASON, tap_done (prints the plan, returns 0 when all passed).
# Waiting:  wait_until SECS CMD..., wait_for_file PATH [SECS],
#           wait_for_port HOST PORT [SECS], wait_for_log FILE REGEX [SECS].
#           All poll in bounded loops (0.1 s steps) and return 1 on timeout;
#           none uses a fixed sleep as synchronisation.
# Ports:    free_port prints a TCP port that is free on 127.0.0.1 right now.
# Work dir: tmp_workdir sets $WORKDIR to a fresh mktemp dir that an EXIT
#           trap removes; add_cleanup CMD registers commands run (last
#           first) before that.  KEEP_WORKDIR=1 keeps the dir for debugging.

# Sourcing twice (e.g. via postfix-env.sh) must not reset the counters.
if [ -n "${_PF_TESTS_LIB_SH:-}" ]; then
	return 0
fi
_PF_TESTS_LIB_SH=1

TAP_N=0
TAP_FAILED=0
_CLEANUPS=()
WORKDIR=

# tap_ok - one passing assertion
tap_ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

# tap_fail - one failing assertion; further arguments become diagnostics
tap_fail() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	shift
	local line
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /'
	done
}

# tap_diag - a comment line (or lines) in the TAP stream
tap_diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# tap_check - pass when CMD exits 0
tap_check() {
	local desc=$1
	shift
	if "$@"; then
		tap_ok "$desc"
	else
		tap_fail "$desc" "command failed: $*"
	fi
}

# tap_is - pass when the two strings are equal
tap_is() {
	if [ "$1" = "$2" ]; then
		tap_ok "$3"
	else
		tap_fail "$3" "got:      '$1'" "expected: '$2'"
	fi
}

# tap_like - pass when TEXT matches the extended regex
tap_like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		tap_ok "$3"
	else
		tap_fail "$3" "no match for /$2/ in:" "$(printf '%s\n' "$1" | head -40)"
	fi
}

# tap_ids LABEL IDS-FILE JSON-FILE ID... - one assertion per ID: it is a
# line of IDS-FILE (the finding ids of a `preflight check --json` run), or
# for "!ID" it is not; JSON-FILE (that run's output) is shown on failure
tap_ids() {
	local label=$1 ids=$2 json=$3 id
	shift 3
	for id in "$@"; do
		case $id in
		!*) if grep -qx "${id#!}" "$ids"; then
			tap_fail "$label: no ${id#!}" "$(jq -c .findings "$json" | head -c 1500)"
		    else
			tap_ok "$label: no ${id#!}"
		    fi ;;
		*) if grep -qx "$id" "$ids"; then
			tap_ok "$label: $id"
		   else
			tap_fail "$label: $id" "got: $(tr '\n' ' ' <"$ids")"
		   fi ;;
		esac
	done
}

# tap_unlike - pass when TEXT does not match the extended regex
tap_unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		tap_fail "$3" "unexpected match for /$2/ in:" "$(printf '%s\n' "$1" | head -40)"
	else
		tap_ok "$3"
	fi
}

# tap_skip_all - the whole script cannot run here
tap_skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# tap_done - print the plan; status 0 only when something ran and all passed
tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ] && [ "$TAP_N" -gt 0 ]
}

# wait_until - run CMD every 0.1 s until it succeeds or SECS pass
wait_until() {
	local secs=$1 i=0 max
	shift
	max=$((secs * 10))
	while [ "$i" -lt "$max" ]; do
		if "$@"; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	"$@"
}

_port_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

_log_has() {
	[ -f "$1" ] && grep -Eq -- "$2" "$1"
}

# wait_for_file - wait until PATH exists (file, socket or dir)
wait_for_file() {
	wait_until "${2:-10}" test -e "$1"
}

# wait_for_port - wait until HOST:PORT accepts TCP connections
wait_for_port() {
	wait_until "${3:-10}" _port_open "$1" "$2"
}

# wait_for_log - wait until FILE has a line matching the extended regex
wait_for_log() {
	wait_until "${3:-10}" _log_has "$1" "$2"
}

# free_port - a port the kernel just handed out for 127.0.0.1 (then freed)
free_port() {
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
		    LocalPort => 0, Proto => "tcp", Listen => 1, ReuseAddr => 1)
		    or die "free_port: $!\n";
		print $s->sockport(), "\n";'
}

# add_cleanup - run CMD (a string for eval) at exit, before the work dir goes
add_cleanup() {
	_CLEANUPS+=("$1")
}

_run_cleanups() {
	local rc=$? i
	set +e
	for ((i = ${#_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${_CLEANUPS[$i]}" >/dev/null 2>&1
	done
	if [ -n "$WORKDIR" ] && [ -d "$WORKDIR" ]; then
		if [ -n "${KEEP_WORKDIR:-}" ]; then
			echo "# kept work dir $WORKDIR" >&2
		else
			rm -rf "$WORKDIR"
		fi
	fi
	return $rc
}

# tmp_workdir - create $WORKDIR and arrange for cleanup on exit or signal
tmp_workdir() {
	WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/preflight-test.XXXXXX") || return 1
	trap _run_cleanups EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

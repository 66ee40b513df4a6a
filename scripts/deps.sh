#!/bin/bash
# scripts/deps.sh - install, with apt-get, the Debian packages that building,
# testing and the demo need, and only those that are missing.
#
#   scripts/deps.sh           build, test and demo packages
#   scripts/deps.sh --bench   also what bench/run.sh needs: the peers it
#                             compares with
#                             (rspamd, opendkim), which are never started
#                             as services
#   scripts/deps.sh --fuzz    also clang and libFuzzer, for
#                             configure --enable-fuzzing CC=clang
#   scripts/deps.sh --deb     also what scripts/deb-test.sh needs to build
#                             and check the Debian package (debhelper,
#                             dpkg-dev, fakeroot, lintian)
#
# Idempotent: when everything is present it only says so (no apt-get
# update, no root needed).  Debian's postfix is installed unconfigured
# ("No configuration") and a temporary policy-rc.d keeps every service
# from starting during the install; the tests run their own private
# Postfix instance.
set -euo pipefail

# build tools (libtsan2: gcc's ThreadSanitizer runtime, for scripts/test.sh's
# _build-tsan); libraries (m4/pf_deps.m4 names each); the test and demo tools
# (miltertest, swaks, jq, postfix; nsd, dig, openssl and opendkim-tools for the
# SPF/DKIM/DMARC tests; redis-server for the shared-state tests, which start
# their own; python3-yaml reads the RFC 7208 suite; python3-dkim signs the
# corpus of tests/reliability/test-soak.sh and the bench; time (/usr/bin/time)
# measures the known-bad inputs of tests/reliability/test-hostile.sh; chromium
# renders, headless, the HTML page of tests/cli/test-report.sh)
PACKAGES="build-essential autoconf automake libtool pkg-config libtsan2
libmilter-dev libsqlite3-dev libpsl-dev libopendkim-dev libssl-dev
libunbound-dev libspf2-dev publicsuffix libgmime-3.0-dev libarchive-dev libgumbo-dev libpcre2-dev
libhiredis-dev libmicrohttpd-dev
sqlite3 miltertest swaks jq postfix nsd bind9-dnsutils openssl opendkim-tools redis-server time
python3 python3-yaml python3-dkim perl
chromium
m4 libwrap0"
case ${1:-} in
--bench) PACKAGES="$PACKAGES rspamd opendkim" ;;
--fuzz) PACKAGES="$PACKAGES clang libclang-rt-14-dev" ;;
--deb) PACKAGES="$PACKAGES debhelper dpkg-dev fakeroot lintian" ;;
esac

# Sendmail for tests/e2e/test-sendmail.sh: Debian's sendmail-bin conflicts
# with postfix (both are the mail-transport-agent), so it is never
# installed: its packages are unpacked into $SENDMAIL_ROOT (m4 and libwrap0,
# above, are what the unpacked binary and cf/ files need).  Only when that
# is not done yet; without root it is left for later (the test skips).
SENDMAIL_ROOT=/opt/preflight-test/sendmail
SENDMAIL_DEBS="sendmail-bin sendmail-base sendmail-cf"
sendmail_unpacked() {
	local d
	[ ! -x "$SENDMAIL_ROOT/usr/libexec/sendmail/sendmail" ] || return 0
	if [ "$(id -u)" != 0 ]; then
		echo "deps: not root: Sendmail not unpacked into $SENDMAIL_ROOT" >&2
		return 0
	fi
	d=$(mktemp -d /tmp/preflight-sendmail.XXXXXX)
	chmod 755 "$d"	# apt-get download runs as _apt
	if ! (cd "$d" && apt-get -q download $SENDMAIL_DEBS >"$d/log" 2>&1); then
		echo "deps: apt-get download $SENDMAIL_DEBS failed:" >&2
		tail -5 "$d/log" >&2
		rm -rf "$d"
		exit 1
	fi
	mkdir -p "$SENDMAIL_ROOT.new"
	for p in "$d"/*.deb; do
		dpkg-deb -x "$p" "$SENDMAIL_ROOT.new"
	done
	rm -rf "$SENDMAIL_ROOT" "$d"
	mv "$SENDMAIL_ROOT.new" "$SENDMAIL_ROOT"
	echo "deps: Sendmail unpacked into $SENDMAIL_ROOT"
}

missing=()
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all build and test packages are installed"
	sendmail_unpacked
	exit 0
fi

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "deps: must run as root to install packages" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" |
    debconf-set-selections

# Keep Debian's own postfix (and anything else) from starting.
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	made_policy=1
fi
cleanup() {
	if [ -n "$made_policy" ]; then
		rm -f "$policy"
	fi
}
trap cleanup EXIT

log=$(mktemp /tmp/preflight-deps.XXXXXX)
run() {
	if ! "$@" >>"$log" 2>&1; then
		echo "deps: failed: $*" >&2
		tail -20 "$log" >&2
		exit 1
	fi
}
run apt-get -q update
run apt-get -q -y -o Dpkg::Use-Pty=0 install --no-install-recommends "${missing[@]}"
rm -f "$log"
sendmail_unpacked
echo "deps: done"

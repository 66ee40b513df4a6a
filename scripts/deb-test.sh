#!/bin/bash
# scripts/deb-test.sh - build the Debian package from this tree, lintian it,
# install it, check that it works, and purge it again.
#
#   scripts/deb-test.sh [--no-install] [--keep]
#
#   --no-install  build and lintian only (no root needed)
#   --keep        keep the work directory (the .deb files, the logs)
#
# The tree is copied (`git ls-files`: tracked files and untracked ones not
# ignored, so uncommitted work is packaged and no build output is) into a
# work directory under /tmp, where `dpkg-buildpackage -us -uc -b` runs; the
# source tree is never written to.  Then, as root: the package is installed
# with apt-get (which pulls the runtime libraries on a clean machine), the
# checks run, and `dpkg --purge` removes it; the system user "preflight" is
# removed too when this script's install created it.  The milter smoke test
# starts preflight-milter as "preflight" on a free 127.0.0.1 port with
# `Checks format size` (no DNS) and stops it by its PID.
#
# Prints one PASS or FAIL line per check and exits 1 when any failed.
# Needs: scripts/deps.sh --deb (debhelper, dpkg-dev, fakeroot, lintian).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
install=1
keep=
for a in "$@"; do
	case $a in
	--no-install) install= ;;
	--keep) keep=1 ;;
	*) echo "usage: $0 [--no-install] [--keep]" >&2; exit 64 ;;
	esac
done

fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() {	# check DESC CMD...
	local desc=$1
	shift
	if "$@" >>"$work/checks.log" 2>&1; then pass "$desc"; else fail "$desc"; fi
}

work=$(mktemp -d /tmp/preflight-deb.XXXXXX)
milter_pid=
made_user=
installed=
cleanup() {
	if [ -n "$milter_pid" ]; then
		kill "$milter_pid" 2>/dev/null
		wait "$milter_pid" 2>/dev/null
	fi
	if [ -n "$installed" ]; then
		dpkg --purge preflight >>"$work/install.log" 2>&1
	fi
	if [ -n "$made_user" ] && getent passwd preflight >/dev/null; then
		deluser --system --quiet preflight >/dev/null 2>&1
		getent group preflight >/dev/null && delgroup --system --quiet preflight >/dev/null 2>&1
	fi
	if [ -n "$keep" ]; then
		echo "work directory kept: $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT

# ---- build ---------------------------------------------------------------
if [ -n "$install" ] && [ "$(id -u)" != 0 ]; then
	echo "FAIL: installing needs root (or use --no-install)"
	exit 1
fi
if [ -n "$install" ] && dpkg-query -W -f='${db:Status-Status}' preflight 2>/dev/null |
    grep -q '^installed'; then
	echo "FAIL: the package preflight is already installed; not touching it"
	exit 1
fi
for t in dpkg-buildpackage dh lintian fakeroot; do
	if ! command -v "$t" >/dev/null; then
		echo "FAIL: $t missing: run scripts/deps.sh --deb"
		exit 1
	fi
done

version=$(sed -n '1s/^preflight (\([^)]*\)).*/\1/p' "$top/debian/changelog")
src=$work/preflight-$version
mkdir -p "$src"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
    xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh |
    tar --null -T - -cf -) | tar -xf - -C "$src"
check "tree copied to $src" test -f "$src/debian/rules"

if (cd "$src" && dpkg-checkbuilddeps) >"$work/builddeps.log" 2>&1; then
	pass "build dependencies installed"
else
	fail "build dependencies: $(cat "$work/builddeps.log")"
	exit 1
fi

if (cd "$src" && nice dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b"
else
	fail "dpkg-buildpackage -us -uc -b (last lines of $work/build.log:)"
	tail -25 "$work/build.log"
	keep=1
	exit 1
fi
changes=$(ls "$work"/preflight_"$version"_*.changes)
deb=$(ls "$work"/preflight_"$version"_*.deb)
echo "built: $(cd "$work" && ls ./*.deb | tr '\n' ' ')"

lintian --fail-on error --info "$changes" >"$work/lintian.log" 2>&1
lrc=$?
grep -E '^[EWI]: ' "$work/lintian.log" | sed 's/^/lintian: /'
if [ "$lrc" = 0 ] && ! grep -q '^E: ' "$work/lintian.log"; then
	pass "lintian: no errors ($(grep -c '^W: ' "$work/lintian.log") warnings)"
else
	fail "lintian: errors (see above)"
fi

contents=$(dpkg-deb -c "$deb")
for f in ./usr/sbin/preflight-milter ./usr/bin/preflight ./etc/preflight/preflight.conf \
    ./lib/systemd/system/preflight-milter.service ./usr/share/man/man8/preflight-milter.8.gz \
    ./usr/share/man/man1/preflight.1.gz ./usr/share/man/man5/preflight.conf.5.gz \
    ./usr/share/preflight/rules.conf; do
	if grep -q " $f\$" <<<"$contents"; then pass "deb contains $f"; else fail "deb contains $f"; fi
done

if [ -z "$install" ]; then
	[ "$fails" = 0 ] && echo "deb-test: all passed (build only)" && exit 0
	echo "deb-test: $fails failed"
	exit 1
fi

# ---- install -------------------------------------------------------------
getent passwd preflight >/dev/null || made_user=1
export DEBIAN_FRONTEND=noninteractive
if apt-get -q -y -o Dpkg::Use-Pty=0 install --no-install-recommends "$deb" \
    >"$work/install.log" 2>&1; then
	installed=1
	pass "install $(basename "$deb")"
else
	installed=1	# half-installed: purge it on exit
	fail "install $(basename "$deb") (last lines of $work/install.log:)"
	tail -15 "$work/install.log"
	exit 1
fi

check "preflight-milter -n (default configuration)" preflight-milter -n
check "preflight-milter -V" preflight-milter -V
check "preflight --help" preflight --help
check "preflight findings" preflight findings
check "user preflight exists" getent passwd preflight
check "/var/lib/preflight belongs to preflight" \
    test "$(stat -c %U:%G /var/lib/preflight)" = preflight:preflight
check "unit installed" test -f /lib/systemd/system/preflight-milter.service
check "config is a conffile" \
    sh -c "dpkg-query -W -f='\${Conffiles}' preflight | grep -q /etc/preflight/preflight.conf"
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify preflight-milter.service" \
	    sh -c 'out=$(systemd-analyze verify /lib/systemd/system/preflight-milter.service 2>&1);
	        echo "$out"; test -z "$out"'
fi

# The milter as the unit runs it: user preflight, default HeldLog in
# /var/lib/preflight; only its socket and Checks differ.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
conf=$work/smoke.conf
{ cat /etc/preflight/preflight.conf
  printf 'Socket inet:%s@127.0.0.1\nChecks format size\nSyslog no\n' "$port"; } >"$conf"
chmod 644 "$conf"
chmod 755 "$work"
setpriv --reuid=preflight --regid=preflight --init-groups \
    preflight-milter -f -c "$conf" >"$work/milter.log" 2>&1 &
milter_pid=$!
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
up=
for _ in $(seq 100); do
	if listening; then up=1; break; fi
	kill -0 "$milter_pid" 2>/dev/null || break
	sleep 0.1
done
if [ -n "$up" ]; then pass "preflight-milter listens as user preflight"; else
	fail "preflight-milter listens as user preflight ($(tail -3 "$work/milter.log"))"; fi
check "held log created by user preflight" \
    test "$(stat -c %U /var/lib/preflight/held.db 2>/dev/null)" = preflight
kill "$milter_pid" 2>/dev/null
wait "$milter_pid" 2>/dev/null
milter_pid=

# ---- purge ---------------------------------------------------------------
if dpkg --purge preflight >>"$work/install.log" 2>&1; then
	installed=
	pass "dpkg --purge preflight"
else
	fail "dpkg --purge preflight"
fi
check "purge removed /etc/preflight" test ! -e /etc/preflight
check "purge removed /var/lib/preflight" test ! -e /var/lib/preflight
check "purge removed the binaries" test ! -e /usr/sbin/preflight-milter

if [ "$fails" = 0 ]; then
	echo "deb-test: all passed"
	exit 0
fi
echo "deb-test: $fails failed (logs in $work)"
keep=1
exit 1

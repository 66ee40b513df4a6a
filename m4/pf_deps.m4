# PF_DEPS: every library Preflight links, each failing with the Debian
# package that provides it.
AC_DEFUN([PF_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 not found: install the Debian package $3 (apt-get install $3)])])
])

AC_DEFUN([PF_DEPS], [
  PF_REQUIRE_PKG([SQLITE], [sqlite3 >= 3.31], [libsqlite3-dev])
  PF_REQUIRE_PKG([MILTER], [milter], [libmilter-dev])
  PF_REQUIRE_PKG([PSL], [libpsl], [libpsl-dev])
  PF_REQUIRE_PKG([OPENDKIM], [opendkim], [libopendkim-dev])
  PF_REQUIRE_PKG([CRYPTO], [libcrypto], [libssl-dev])
  PF_REQUIRE_PKG([GMIME], [gmime-3.0], [libgmime-3.0-dev])
  PF_REQUIRE_PKG([ARCHIVE], [libarchive], [libarchive-dev])
  PF_REQUIRE_PKG([GUMBO], [gumbo], [libgumbo-dev])
  PF_REQUIRE_PKG([PCRE2], [libpcre2-8], [libpcre2-dev])
  PF_REQUIRE_PKG([HIREDIS], [hiredis], [libhiredis-dev])

  dnl libunbound.pc names libevent and nettle in Requires.private, so
  dnl pkg-config fails without their -dev packages (feasibility.md): link
  dnl it directly instead.
  AC_CHECK_HEADER([unbound.h], [],
    [AC_MSG_ERROR([unbound.h not found: install the Debian package libunbound-dev])])
  AC_CHECK_LIB([unbound], [ub_ctx_create], [UNBOUND_LIBS=-lunbound],
    [AC_MSG_ERROR([libunbound not found: install the Debian package libunbound-dev])])
  AC_SUBST([UNBOUND_LIBS])

  dnl libspf2 ships no .pc file and lives in /usr/lib, not the multiarch dir.
  AC_CHECK_HEADER([spf2/spf.h], [],
    [AC_MSG_ERROR([spf2/spf.h not found: install the Debian package libspf2-dev])],
    [#include <netinet/in.h>
#include <arpa/nameser.h>])
  AC_CHECK_LIB([spf2], [SPF_server_new_dns], [SPF2_LIBS=-lspf2],
    [AC_MSG_ERROR([libspf2 not found: install the Debian package libspf2-dev])])
  AC_SUBST([SPF2_LIBS])

  PF_PSL_FILE=/usr/share/publicsuffix/public_suffix_list.dat
  AS_IF([test -f "$PF_PSL_FILE"], [],
    [AC_MSG_WARN([$PF_PSL_FILE missing: install the Debian package publicsuffix; libpsl's built-in list is used])])
  AC_DEFINE_UNQUOTED([PF_PSL_FILE], ["$PF_PSL_FILE"], [public suffix list for organisational domains])

  dnl What every program that links libpreflight.a needs, in one place.
  PF_LIB_CFLAGS="$SQLITE_CFLAGS $PSL_CFLAGS $OPENDKIM_CFLAGS $CRYPTO_CFLAGS $GMIME_CFLAGS $ARCHIVE_CFLAGS $GUMBO_CFLAGS $PCRE2_CFLAGS $HIREDIS_CFLAGS"
  PF_LIB_LIBS="$SQLITE_LIBS $PSL_LIBS $OPENDKIM_LIBS $SPF2_LIBS $UNBOUND_LIBS $CRYPTO_LIBS $GMIME_LIBS $ARCHIVE_LIBS $GUMBO_LIBS $PCRE2_LIBS $HIREDIS_LIBS"
  AC_SUBST([PF_LIB_CFLAGS])
  AC_SUBST([PF_LIB_LIBS])
  AC_SEARCH_LIBS([pthread_create], [pthread], [],
    [AC_MSG_ERROR([POSIX threads not found: install the Debian package libc6-dev])])
  AC_CHECK_LIB([m], [floor], [], [AC_MSG_ERROR([libm not found: install libc6-dev])])

  dnl Tools the tests and the demo drive; only warn, the tests skip without them.
  AC_PATH_PROG([MILTERTEST], [miltertest], [], [$PATH:/usr/sbin:/usr/bin])
  AC_PATH_PROG([POSTFIX], [postfix], [], [$PATH:/usr/sbin])
  AC_PATH_PROG([SWAKS], [swaks], [], [$PATH:/usr/bin])
  AC_PATH_PROG([REDIS_SERVER], [redis-server], [], [$PATH:/usr/bin:/usr/sbin])
  AC_PATH_PROG([POSTSUPER], [postsuper], [/usr/sbin/postsuper], [$PATH:/usr/sbin])
  AC_DEFINE_UNQUOTED([PF_POSTSUPER], ["$POSTSUPER"], [path of postsuper(1) for held release/delete])
])

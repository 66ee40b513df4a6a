# PF_DEPS: every library Preflight links, each failing with the Debian
# package that provides it.
AC_DEFUN([PF_REQUIRE_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 not found: install the Debian package $3 (apt-get install $3)])])
])

AC_DEFUN([PF_DEPS], [
  PF_REQUIRE_PKG([SQLITE], [sqlite3 >= 3.31], [libsqlite3-dev])
  PF_REQUIRE_PKG([MILTER], [milter], [libmilter-dev])
  AC_SEARCH_LIBS([pthread_create], [pthread], [],
    [AC_MSG_ERROR([POSIX threads not found: install the Debian package libc6-dev])])
  AC_CHECK_LIB([m], [floor], [], [AC_MSG_ERROR([libm not found: install libc6-dev])])

  dnl Tools the tests and the demo drive; only warn, the tests skip without them.
  AC_PATH_PROG([MILTERTEST], [miltertest], [], [$PATH:/usr/sbin:/usr/bin])
  AC_PATH_PROG([POSTFIX], [postfix], [], [$PATH:/usr/sbin])
  AC_PATH_PROG([SWAKS], [swaks], [], [$PATH:/usr/bin])
  AC_PATH_PROG([POSTSUPER], [postsuper], [/usr/sbin/postsuper], [$PATH:/usr/sbin])
  AC_DEFINE_UNQUOTED([PF_POSTSUPER], ["$POSTSUPER"], [path of postsuper(1) for held release/delete])
])

# PF_SYSTEMD: --with-systemdsystemunitdir=DIR, where `make install` puts
# preflight-milter.service.  The default is systemd's own answer
# (pkg-config systemd systemdsystemunitdir); "no", or no systemd.pc,
# installs no unit.  Sets the automake conditional HAVE_SYSTEMD.
AC_DEFUN([PF_SYSTEMD], [
  AC_REQUIRE([PKG_PROG_PKG_CONFIG])
  AC_ARG_WITH([systemdsystemunitdir],
    [AS_HELP_STRING([--with-systemdsystemunitdir=DIR],
      [directory for the systemd unit (default: from pkg-config systemd; no: none)])],
    [], [with_systemdsystemunitdir=auto])
  AS_IF([test "x$with_systemdsystemunitdir" = xauto || test "x$with_systemdsystemunitdir" = xyes], [
    AC_MSG_CHECKING([for the systemd system unit directory])
    with_systemdsystemunitdir=`$PKG_CONFIG --variable=systemdsystemunitdir systemd 2>/dev/null`
    AS_IF([test -z "$with_systemdsystemunitdir"], [with_systemdsystemunitdir=no])
    AC_MSG_RESULT([$with_systemdsystemunitdir])
  ])
  AC_SUBST([systemdsystemunitdir], [$with_systemdsystemunitdir])
  AM_CONDITIONAL([HAVE_SYSTEMD], [test "x$with_systemdsystemunitdir" != xno])
])

# PF_SANITIZERS: --enable-sanitizers builds everything with ASan and UBSan,
# aborting on the first report so that a test sees it as a failure.
# --enable-sanitizers=thread builds with ThreadSanitizer instead (gcc needs
# libtsan2); TSan cannot be combined with ASan, hence a separate build.
AC_DEFUN([PF_SANITIZERS], [
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers@<:@=address|thread@:>@],
      [build with AddressSanitizer and UndefinedBehaviorSanitizer (yes, address) or ThreadSanitizer (thread)])],
    [], [enable_sanitizers=no])
  SAN_CFLAGS=""
  SAN_LDFLAGS=""
  AS_CASE([$enable_sanitizers],
    [yes|address], [
      enable_sanitizers=yes
      SAN_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
      SAN_LDFLAGS="-fsanitize=address,undefined"
    ],
    [thread], [
      SAN_CFLAGS="-fsanitize=thread -fno-omit-frame-pointer -g -O1"
      SAN_LDFLAGS="-fsanitize=thread"
      AC_MSG_CHECKING([whether $CC links with -fsanitize=thread])
      pf_tsan_save_CFLAGS=$CFLAGS
      pf_tsan_save_LDFLAGS=$LDFLAGS
      CFLAGS="$CFLAGS $SAN_CFLAGS"
      LDFLAGS="$LDFLAGS $SAN_LDFLAGS"
      AC_LINK_IFELSE([AC_LANG_PROGRAM([[]], [[return 0;]])],
        [pf_tsan_ok=yes], [pf_tsan_ok=no])
      CFLAGS=$pf_tsan_save_CFLAGS
      LDFLAGS=$pf_tsan_save_LDFLAGS
      AC_MSG_RESULT([$pf_tsan_ok])
      AS_IF([test "x$pf_tsan_ok" != xyes],
        [AC_MSG_ERROR([--enable-sanitizers=thread: $CC cannot link with -fsanitize=thread (Debian 12: apt-get install libtsan2)])])
    ],
    [no], [],
    [AC_MSG_ERROR([--enable-sanitizers=$enable_sanitizers: use yes, address or thread])])
  AC_SUBST([SAN_CFLAGS])
  AC_SUBST([SAN_LDFLAGS])
  AM_CONDITIONAL([SANITIZERS], [test "x$enable_sanitizers" != xno])
])

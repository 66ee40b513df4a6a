# PF_WARNINGS: -Wall -Wextra -Werror and friends, always on.
# --disable-werror exists only for building with an unknown compiler.
AC_DEFUN([PF_WARNINGS], [
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--disable-werror], [do not turn warnings into errors])],
    [], [enable_werror=yes])
  PF_CFLAGS="-Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter"
  AS_IF([test "x$enable_werror" = xyes], [PF_CFLAGS="$PF_CFLAGS -Werror"])
  AC_SUBST([PF_CFLAGS])
])

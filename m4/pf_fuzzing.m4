# PF_FUZZING: --enable-fuzzing builds the libFuzzer targets of tests/fuzz
# (clang only).  Everything else is then compiled with coverage
# instrumentation and ASan+UBSan, so that the targets see into lib/: the
# flags are appended to SAN_CFLAGS / SAN_LDFLAGS, which every Makefile.am
# already passes (call PF_FUZZING after PF_SANITIZERS).  The targets
# themselves get FUZZ_CFLAGS / FUZZ_LDFLAGS, which add libFuzzer's main().
AC_DEFUN([PF_FUZZING], [
  AC_REQUIRE([PF_SANITIZERS])
  AC_ARG_ENABLE([fuzzing],
    [AS_HELP_STRING([--enable-fuzzing], [build the libFuzzer targets in tests/fuzz (needs CC=clang)])],
    [], [enable_fuzzing=no])
  FUZZ_CFLAGS=""
  FUZZ_LDFLAGS=""
  AS_IF([test "x$enable_fuzzing" = xyes], [
    pf_fuzz_common="-fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1"
    AC_MSG_CHECKING([whether $CC links a libFuzzer target])
    pf_fuzz_save_CFLAGS=$CFLAGS
    pf_fuzz_save_LDFLAGS=$LDFLAGS
    CFLAGS="$CFLAGS -fsanitize=fuzzer,address,undefined"
    LDFLAGS="$LDFLAGS -fsanitize=fuzzer,address,undefined"
    AC_LINK_IFELSE([AC_LANG_SOURCE([[
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return data != NULL && size > 0 ? 0 : 0;
}
]])], [pf_fuzz_ok=yes], [pf_fuzz_ok=no])
    CFLAGS=$pf_fuzz_save_CFLAGS
    LDFLAGS=$pf_fuzz_save_LDFLAGS
    AC_MSG_RESULT([$pf_fuzz_ok])
    AS_IF([test "x$pf_fuzz_ok" != xyes],
      [AC_MSG_ERROR([--enable-fuzzing needs clang with libFuzzer: configure CC=clang (Debian 12: apt-get install clang libclang-rt-14-dev)])])
    FUZZ_CFLAGS="-fsanitize=fuzzer,address,undefined $pf_fuzz_common"
    FUZZ_LDFLAGS="-fsanitize=fuzzer,address,undefined"
    dnl lib/, milter/, tools/ and the unit tests: instrumented, no main()
    SAN_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined $pf_fuzz_common"
    SAN_LDFLAGS="-fsanitize=address,undefined"
  ])
  AC_SUBST([FUZZ_CFLAGS])
  AC_SUBST([FUZZ_LDFLAGS])
  AM_CONDITIONAL([FUZZING], [test "x$enable_fuzzing" = xyes])
])

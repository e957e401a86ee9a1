/*
 * error.h — user-facing errors and internal failures.
 *
 * A user mistake (bad option, missing or malformed image): loom_user_error()
 * prints one line "loom: ..." on stderr and exits 2.  An internal failure
 * the emulator cannot survive: loom_fatal() prints one line and aborts
 * (so a debugger or core file shows where).  Guest-architectural events are
 * never C errors: see src/vcpu/vcpu.h for the exception protocol.
 */
#ifndef LOOM_UTIL_ERROR_H
#define LOOM_UTIL_ERROR_H

#include <stddef.h>
#include "util/compiler.h"

NORETURN PRINTF_FMT(1, 2) void loom_user_error(const char *fmt, ...);
NORETURN PRINTF_FMT(1, 2) void loom_fatal(const char *fmt, ...);
PRINTF_FMT(1, 2) void loom_warn(const char *fmt, ...);
/* The host refused what Loom needs to go on (memory, a thread, a file
 * descriptor; ulimit -v / -u): one line "loom: ..." and exit status 2
 * through loom_exit, so it is safe on any thread while others run. */
NORETURN PRINTF_FMT(1, 2) void loom_resource_error(const char *fmt, ...);

/* For functions that report a user error to their caller as text (the CLI
 * parser, the loaders): format the message into err[0..errlen) and return
 * -1, so `return loom_errorf(err, n, "...", ...);` fails in one line. */
PRINTF_FMT(3, 4) int loom_errorf(char *err, size_t errlen, const char *fmt, ...);

/* Exit with a code, flushing stdout first (used by the test device).  Runs
 * the loom_at_exit hooks first (stress reports), then _exit. */
NORETURN void loom_exit(int code);
/* The code loom_exit was called with (for its hooks: the gdbstub reports
 * it to gdb). */
extern int loom_exit_status;
/* Register a hook for loom_exit (start-up only; at most 8). */
void loom_at_exit(void (*fn)(void));

#endif

/* error.c — one-line user errors, fatal internal errors; see error.h. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The line is formatted into a buffer and written with one write(2): it
 * stays whole when several threads report at once, and it needs little
 * stack (vfprintf on unbuffered stderr puts an 8 KiB buffer on the stack,
 * which the main thread cannot grow into when the address-space limit
 * that caused the error is already reached: ulimit -v). */
static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
    char line[512];
    size_t n = (size_t)snprintf(line, sizeof(line), "loom: %s", prefix);

    fflush(stdout);
    if (n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    n = strlen(line);
    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;                     /* nowhere left to report a failure */
}

void loom_user_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
    exit(2);
}

void loom_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("internal error: ", fmt, ap);
    va_end(ap);
    abort();
}

void loom_resource_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
    loom_exit(2);
}

int loom_errorf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

void loom_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

/* Called from any thread (the test device runs on a vCPU thread) while the
 * other vCPUs still run: flush what the guest printed and leave at once,
 * without running atexit handlers under threads that are still using the
 * state those handlers tear down. */
static void (*exit_hooks[8])(void);
static unsigned n_exit_hooks;

void loom_at_exit(void (*fn)(void))
{
    if (n_exit_hooks < ARRAY_SIZE(exit_hooks))
        exit_hooks[n_exit_hooks++] = fn;
}

int loom_exit_status;

void loom_exit(int code)
{
    loom_exit_status = code;
    for (unsigned i = 0; i < n_exit_hooks; i++)
        exit_hooks[i]();
    fflush(stdout);
    fflush(stderr);
    _exit(code);
}

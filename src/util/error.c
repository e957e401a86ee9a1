/* error.c — one-line user errors, fatal internal errors; see error.h. */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "loom: %s", prefix);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
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

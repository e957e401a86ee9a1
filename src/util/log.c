/* log.c — the -d/-D debug log; see log.h. */
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

unsigned loom_log_mask;
static FILE *log_file;
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;

static const struct {
    const char *name;
    unsigned bit;
    const char *help;
} log_items[] = {
    { "out_asm", LOG_OUT_ASM, "show the generated host code of each translated block" },
    { "in_asm", LOG_IN_ASM, "show the guest instructions of each translated block" },
    { "op", LOG_OP, "show the IR of each translated block (after optimisation)" },
    { "int", LOG_INT, "show traps and interrupts, and where the boot images went" },
    { "exec", LOG_EXEC, "show every block executed (disables chaining)" },
    { "stats", LOG_STATS, "print per-hart counters at exit and on SIGUSR1" },
};

void log_print_items(FILE *f)
{
    fputs("Log items (comma separated):\n", f);
    for (size_t i = 0; i < ARRAY_SIZE(log_items); i++)
        fprintf(f, "%-15s %s\n", log_items[i].name, log_items[i].help);
}

int log_parse_items(const char *s, const char **bad)
{
    static char badbuf[64];
    unsigned mask = 0;
    const char *p = s;

    while (*p) {
        size_t n = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < ARRAY_SIZE(log_items); i++) {
            if (strlen(log_items[i].name) == n && !strncmp(p, log_items[i].name, n)) {
                mask |= log_items[i].bit;
                found = true;
            }
        }
        if (!found) {
            snprintf(badbuf, sizeof(badbuf), "%.*s", (int)(n < 60 ? n : 60), p);
            *bad = badbuf;
            return -1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return (int)mask;
}

int log_set_file(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    setvbuf(f, NULL, _IOLBF, 0);
    log_file = f;
    return 0;
}

FILE *log_lock(void)
{
    pthread_mutex_lock(&log_mutex);
    return log_file ? log_file : stderr;
}

void log_unlock(void)
{
    fflush(log_file ? log_file : stderr);
    pthread_mutex_unlock(&log_mutex);
}

void log_printf(const char *fmt, ...)
{
    va_list ap;
    FILE *f = log_lock();
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    log_unlock();
}

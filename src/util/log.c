/* log.c — the -d/-D debug log; see log.h. */
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

unsigned loom_log_mask;
static FILE *log_file;
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;

static const struct { const char *name; unsigned bit; } log_items[] = {
    { "in_asm", LOG_IN_ASM }, { "op", LOG_OP }, { "out_asm", LOG_OUT_ASM },
    { "int", LOG_INT }, { "exec", LOG_EXEC },
};

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

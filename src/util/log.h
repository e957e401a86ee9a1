/*
 * log.h — the -d / -D debug log (QEMU-compatible item names).
 * Items: in_asm, op, out_asm, int, exec, stats.  Output goes to the -D file or
 * stderr.  Thread-safe: each loom_log_* call writes whole lines under a lock
 * so lines from different vCPU threads never interleave.
 */
#ifndef LOOM_UTIL_LOG_H
#define LOOM_UTIL_LOG_H

#include <stdbool.h>
#include <stdio.h>
#include "util/compiler.h"

enum {
    LOG_IN_ASM  = 1u << 0,
    LOG_OP      = 1u << 1,
    LOG_OUT_ASM = 1u << 2,
    LOG_INT     = 1u << 3,
    LOG_EXEC    = 1u << 4,
    LOG_STATS   = 1u << 5,
};

extern unsigned loom_log_mask;          /* written once at start-up */

static inline bool log_enabled(unsigned item) { return loom_log_mask & item; }

/* Parse "in_asm,op,...": returns the mask, or -1 with *bad set to the first
 * unknown item (a pointer into a static copy). */
int log_parse_items(const char *s, const char **bad);
/* -d help: one line per item, name and meaning (QEMU's layout). */
void log_print_items(FILE *f);
/* Open the -D file; returns -errno on failure. */
int log_set_file(const char *path) WARN_UNUSED;

/* Hold the log for a multi-line block (a TB dump); returns the stream. */
FILE *log_lock(void);
void log_unlock(void);
void log_printf(const char *fmt, ...) PRINTF_FMT(1, 2);

#endif

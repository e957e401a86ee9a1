/*
 * stats.h — -d stats / -stats FILE (stats.c, docs/stats.md).
 */
#ifndef LOOM_VCPU_STATS_H
#define LOOM_VCPU_STATS_H

#include <stdbool.h>

/* Main thread, before vcpu_run: print the counter table on the log
 * (table) and/or write JSON to json_path (opened here: exit 2 if it
 * cannot be) at exit and on every SIGUSR1. */
void vcpu_stats_enable(bool table, const char *json_path);

#endif

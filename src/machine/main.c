/*
 * main.c — the loom executable: parse the command line, set up the log,
 * build the virt board and run it.  Every user mistake ends here or in the
 * board as one "loom: ..." line and exit status 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <unistd.h>

#include "machine/cli.h"
#include "machine/elfsym.h"
#include "machine/loader.h"
#include "machine/virt.h"
#include "util/error.h"
#include "util/log.h"
#include "util/perfmap.h"
#include "vcpu/stats.h"

/* -perfmap / -jitdump: open the files, and name TBs after the -kernel
 * ELF's functions when it has symbols (read here once; the loader reads
 * the image again for the board). */
static void perf_setup(const struct cli_options *o)
{
    char err[256];
    uint8_t *buf;
    size_t len;

    if (!o->perfmap && !o->jitdump)
        return;
    if (perfmap_init(o->perfmap, o->jitdump, err, sizeof(err)))
        loom_user_error("%s: %s", o->perfmap ? "-perfmap" : "-jitdump", err);
    if (!o->kernel || loader_read_file(o->kernel, &buf, &len, err,
                                       sizeof(err)))
        return;                 /* the board reports a bad -kernel */
    if (loader_is_elf(buf, len) && elfsym_load(buf, len) > 0)
        perfmap_set_symbolizer(elfsym_lookup);
    free(buf);
}

/* jemalloc's configuration (read by the allocator at start-up; unused in
 * sanitizer builds, which leave jemalloc out).  One arena: jemalloc 5.3
 * sets up an arena for each new thread on its first allocation and, when
 * that fails under an address-space limit (ulimit -v), dereferences a NULL
 * arena (SIGSEGV seen in vCPU threads) instead of returning NULL.  With
 * one arena, made by the main thread, a failing allocation returns NULL
 * and becomes one line and exit 2.  Threads keep their caches (tcache);
 * Loom allocates little after start-up, so one arena costs nothing
 * measurable. */
const char *malloc_conf = "narenas:1";

/* Started with stdin, stdout or stderr closed, the next open() would get
 * that descriptor: the -D log would become fd 1 and receive the UART's
 * output.  Give each closed one /dev/null first (as a daemon would). */
static void reserve_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int n = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
        if (n >= 0 && n != fd) {     /* cannot happen: fd was the lowest */
            dup2(n, fd);
            close(n);
        }
    }
}

int main(int argc, char **argv)
{
    struct cli_options o;
    char err[256];
    int r;

    reserve_std_fds();
    if (cli_parse(argc, argv, &o, err, sizeof(err)))
        loom_user_error("%s", err);
    switch (o.action) {
    case CLI_HELP:
        cli_print_help(stdout);
        return 0;
    case CLI_VERSION:
        cli_print_version(stdout);
        return 0;
    case CLI_MACHINE_HELP:
        cli_print_machines(stdout);
        return 0;
    case CLI_LOG_HELP:
        log_print_items(stdout);
        return 0;
    case CLI_ACCEL_HELP:
        cli_print_accels(stdout);
        return 0;
    case CLI_RUN:
        break;
    }
    if (cli_check(&o, err, sizeof(err)))
        loom_user_error("%s", err);

    loom_log_mask = o.log_mask;
    if (o.log_file && (r = log_set_file(o.log_file)) < 0)
        loom_user_error("-D %s: cannot open: %s", o.log_file, strerror(-r));
    perf_setup(&o);
    if (log_enabled(LOG_STATS) || o.stats_file)
        vcpu_stats_enable(log_enabled(LOG_STATS), o.stats_file);
    virt_boot(&o);
}

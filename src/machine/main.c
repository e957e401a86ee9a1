/*
 * main.c — the loom executable: parse the command line, set up the log,
 * build the virt board and run it.  Every user mistake ends here or in the
 * board as one "loom: ..." line and exit status 2.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "machine/cli.h"
#include "machine/elfsym.h"
#include "machine/loader.h"
#include "machine/virt.h"
#include "util/error.h"
#include "util/log.h"
#include "util/perfmap.h"

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

int main(int argc, char **argv)
{
    struct cli_options o;
    char err[256];
    int r;

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
    virt_boot(&o);
}

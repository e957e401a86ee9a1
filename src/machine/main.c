/*
 * main.c — the loom executable: parse the command line, set up the log,
 * build the virt board and run it.  Every user mistake ends here or in the
 * board as one "loom: ..." line and exit status 2.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "machine/cli.h"
#include "machine/virt.h"
#include "util/error.h"
#include "util/log.h"

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
    virt_boot(&o);
}

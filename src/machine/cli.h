/*
 * cli.h — the command line: the QEMU subset people already type.
 *
 * cli_parse() is a pure function: it fills a struct cli_options or returns
 * -1 with a one-line message (no "loom: " prefix) in the caller's buffer; it
 * never prints, exits or opens files.  main() turns an error into
 * loom_user_error() (exit 2) and applies the options.  See docs/cli.md.
 */
#ifndef LOOM_MACHINE_CLI_H
#define LOOM_MACHINE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "chardev/chardev.h"

#define CLI_SMP_MAX      64
#define CLI_RAM_MIN      (16ull << 20)
#define CLI_RAM_MAX      (64ull << 30)
#define CLI_RAM_DEFAULT  (128ull << 20)      /* QEMU's default for virt */
/* -accel tcg,tb-size: the backend reaches any point of the code buffer with
 * a rel32 jump or call, so it maps at most 2 GiB (be_init). */
#define CLI_TB_SIZE_MAX_MB 2048
#define CLI_GDB_PORT_DEFAULT 1234        /* -s */

/* virtio devices (-drive, -device, -netdev, -nic): at most one per
 * virtio-mmio slot of the virt board. */
#define CLI_MAX_VIRTIO  8
#define CLI_MAX_HOSTFWD 8

enum cli_cache { CLI_CACHE_WRITEBACK, CLI_CACHE_NONE };

struct cli_drive {            /* -drive file=F,format=raw,if=none|virtio,... */
    char *id;                 /* NULL for an anonymous if=virtio drive */
    char *file;
    char *serial;             /* serial=S (GET_ID), or NULL */
    bool readonly, snapshot;
    enum cli_cache cache;
    bool used;                /* a device refers to it (cli_check) */
};

struct cli_netdev {           /* -netdev user,id=N[,hostfwd=RULE]... */
    char *id;
    char *hostfwd[CLI_MAX_HOSTFWD];
    unsigned nhostfwd;
    bool used;
};

enum cli_dev_kind { CLI_DEV_BLK, CLI_DEV_RNG, CLI_DEV_NET };

struct cli_device {           /* in command-line order: slot 7, 6, ... */
    enum cli_dev_kind kind;
    int drive;                /* blk: index into drives (cli_check) */
    int netdev;               /* net: index into netdevs (cli_check) */
    char *drive_id, *netdev_id;   /* as written (-device ...,drive=ID) */
    char *serial;             /* blk: serial=S overrides the drive's */
    uint8_t mac[6];
    bool has_mac;
};

enum cli_action {
    CLI_RUN,              /* boot the machine */
    CLI_HELP,             /* --help / -h: print usage, exit 0 */
    CLI_VERSION,          /* --version: print version, exit 0 */
    CLI_MACHINE_HELP,     /* -M help: list the machines, exit 0 */
    CLI_LOG_HELP,         /* -d help: list the log items, exit 0 */
    CLI_ACCEL_HELP,       /* -accel help: list the accelerators, exit 0 */
};

struct cli_options {
    enum cli_action action;
    unsigned smp;             /* 1..CLI_SMP_MAX, default 1 */
    uint64_t ram_size;        /* bytes, default CLI_RAM_DEFAULT */
    const char *bios;         /* -bios FILE; NULL when absent or "none" */
    bool bios_none;           /* -bios none given */
    const char *kernel;       /* -kernel FILE or NULL */
    const char *initrd;       /* -initrd FILE or NULL */
    const char *append;       /* -append STR or NULL */
    bool nographic;
    struct chr_spec serial;   /* -serial SPEC; without it mon:stdio under
                               * -nographic (QEMU's default), else output
                               * to stdout and no input */
    unsigned log_mask;        /* -d items (LOG_* bits) */
    const char *log_file;     /* -D FILE or NULL */
    const char *stats_file;   /* -stats FILE (JSON counters) or NULL */
    bool single_thread;       /* -accel tcg,thread=single */
    size_t tb_size;           /* -accel tcg,tb-size=MB, in bytes; 0 default */
    bool chaos;               /* -accel tcg,chaos=S (thread=multi only) */
    uint64_t chaos_seed;      /* its S */
    bool gdb_listen;          /* -s or -gdb tcp:...: run the gdbstub */
    char gdb_host[256];       /* its address (default 127.0.0.1) */
    unsigned gdb_port;        /* its port (default 1234; 0: any free one) */
    bool gdb_wait;            /* -S: harts held at reset until gdb resumes */
    const char *dumpdtb;      /* -M virt,dumpdtb=FILE: write the FDT, exit */
    bool perfmap;             /* -perfmap: /tmp/perf-PID.map */
    bool jitdump;             /* -jitdump: /tmp/jit-PID.dump */
    struct cli_drive drives[CLI_MAX_VIRTIO];
    unsigned ndrives;
    struct cli_netdev netdevs[CLI_MAX_VIRTIO];
    unsigned nnetdevs;
    struct cli_device devices[CLI_MAX_VIRTIO];
    unsigned ndevices;
};

/* Parse argv[1..argc).  Strings in *o point into argv.  Returns 0, or -1
 * with a message in err[errlen].  Checks each option on its own; whole-line
 * consistency is cli_check's job. */
int cli_parse(int argc, char *const argv[], struct cli_options *o,
              char *err, size_t errlen);

/* Whole-line checks for a CLI_RUN line: unsupported combinations (-S
 * without a gdbstub, the gdbstub with thread=single),
 * -initrd/-append without -kernel, nothing to boot, devices naming a
 * drive / netdev that does not exist or is taken (resolves
 * devices[].drive / .netdev).  Returns 0 or -1 with a
 * message. */
int cli_check(struct cli_options *o, char *err, size_t errlen);

void cli_print_help(FILE *f);
void cli_print_version(FILE *f);
void cli_print_machines(FILE *f);
void cli_print_accels(FILE *f);

#endif

/*
 * cli.c — parse the QEMU-style command line into struct cli_options.
 *
 * Contract (cli.h): pure — no printing, no exit, no global state written;
 * every malformed, unknown or incomplete option yields -1 and exactly one
 * line of text for main() to print as "loom: <text>".  Options may be
 * spelled with one dash or two ("-smp" or "--smp"), as QEMU allows.
 * Numbers are parsed strictly: no sign, no trailing junk, no overflow.
 */
#include "util/error.h"
#include "machine/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/compiler.h"
#include "util/log.h"

#ifndef LOOM_VERSION
#define LOOM_VERSION "unknown"
#endif

/* A decimal number with no sign and nothing after it; false on overflow. */
static bool parse_u64(const char *s, const char **end, uint64_t *val)
{
    uint64_t v = 0;
    const char *p = s;

    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *end = p;
    *val = v;
    return true;
}

static bool parse_uint_exact(const char *s, uint64_t *val)
{
    const char *end;
    return parse_u64(s, &end, val) && *end == '\0';
}

/* -smp N | cpus=N */
static int opt_smp(struct cli_options *o, const char *arg, char *err, size_t n)
{
    const char *s = arg;
    uint64_t v;

    if (!strncmp(s, "cpus=", 5))
        s += 5;
    if (!parse_uint_exact(s, &v))
        return loom_errorf(err, n, "-smp: invalid value '%s' (expected N or cpus=N)",
                    arg);
    if (v < 1 || v > CLI_SMP_MAX)
        return loom_errorf(err, n, "-smp: %" PRIu64 " harts out of range 1..%d", v,
                    CLI_SMP_MAX);
    o->smp = (unsigned)v;
    return 0;
}

/* -m SIZE: a bare number is MiB (QEMU's rule); suffixes K, M, G, T (binary,
 * either case, optionally followed by "B" or "iB"); also "size=SIZE". */
static int opt_mem(struct cli_options *o, const char *arg, char *err, size_t n)
{
    const char *s = arg, *end;
    uint64_t v, shift = 20;

    if (!strncmp(s, "size=", 5))
        s += 5;
    if (!parse_u64(s, &end, &v))
        goto bad;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: goto bad;
    }
    if (*end && strcmp(end, "B") && strcmp(end, "iB"))
        goto bad;
    if (v > (UINT64_MAX >> shift))
        goto range;
    v <<= shift;
    if (v < CLI_RAM_MIN || v > CLI_RAM_MAX)
        goto range;
    if (v & 0xfff)
        return loom_errorf(err, n, "-m: size '%s' is not a multiple of 4 KiB", arg);
    o->ram_size = v;
    return 0;
bad:
    return loom_errorf(err, n, "-m: invalid size '%s' (examples: 512M, 1G, 256)", arg);
range:
    return loom_errorf(err, n, "-m: size '%s' out of range 16M..64G", arg);
}

/* -M virt[,dumpdtb=FILE] | type=virt | help */
static int opt_machine(struct cli_options *o, const char *arg, char *err,
                       size_t n)
{
    const char *s = arg;

    if (!strncmp(s, "type=", 5))
        s += 5;
    if (!strcmp(s, "help") || !strcmp(s, "?")) {
        o->action = CLI_MACHINE_HELP;
        return 0;
    }
    if (!strcmp(s, "virt"))
        return 0;
    static const char dumpdtb[] = "virt,dumpdtb=";
    if (!strncmp(s, dumpdtb, sizeof(dumpdtb) - 1)) {
        const char *file = s + sizeof(dumpdtb) - 1;
        /* one non-empty file name, no further properties (a plain loop:
         * GCC's -Wstringop-overread misjudges strchr/strcspn here in
         * sanitizer builds) */
        bool one = file[0] != '\0';
        for (const char *p = file; *p; p++)
            one &= *p != ',';
        if (one) {
            o->dumpdtb = file;
            return 0;
        }
    }
    if (!strncmp(s, "virt,", 5))
        return loom_errorf(err, n, "-M: machine property not supported in '%s' "
                    "(only dumpdtb=FILE)", arg);
    return loom_errorf(err, n, "-M: unknown machine '%s' (only 'virt'; try -M help)",
                arg);
}

static int opt_serial(struct cli_options *o, const char *arg, char *err,
                      size_t n, bool *given)
{
    if (*given)
        return loom_errorf(err, n, "-serial %s: the serial port is already "
                           "given (virt has one UART)", arg);
    *given = true;
    return chr_parse(arg, &o->serial, err, n);
}

static int opt_log(struct cli_options *o, const char *arg, char *err, size_t n)
{
    const char *bad = NULL;
    int mask;

    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->action = CLI_LOG_HELP;
        return 0;
    }
    mask = log_parse_items(arg, &bad);
    if (mask < 0)
        return loom_errorf(err, n, "-d: unknown log item '%s' (-d help "
                           "lists them)", bad ? bad : arg);
    o->log_mask = (unsigned)mask;
    return 0;
}

/* -accel tcg[,thread=multi|single][,tb-size=MB][,chaos=SEED] */
static int opt_accel(struct cli_options *o, const char *arg, char *err,
                     size_t n)
{
    const char *p = arg;
    size_t len = strcspn(p, ",");

    if (!strcmp(arg, "help") || !strcmp(arg, "?")) {
        o->action = CLI_ACCEL_HELP;
        return 0;
    }
    if (len != 3 || strncmp(p, "tcg", 3))
        return loom_errorf(err, n, "-accel: unsupported accelerator '%.*s' "
                    "(only tcg)", (int)len, p);
    p += len;
    while (*p == ',') {
        p++;
        len = strcspn(p, ",");
        if (len == 12 && !strncmp(p, "thread=multi", 12)) {
            o->single_thread = false;
        } else if (len == 13 && !strncmp(p, "thread=single", 13)) {
            o->single_thread = true;
        } else if (len > 8 && !strncmp(p, "tb-size=", 8)) {
            char num[24];
            uint64_t mb;
            if (len - 8 >= sizeof(num))
                goto bad;
            memcpy(num, p + 8, len - 8);
            num[len - 8] = '\0';
            if (!parse_uint_exact(num, &mb) || mb < 1 ||
                mb > CLI_TB_SIZE_MAX_MB)
                return loom_errorf(err, n, "-accel: tb-size must be 1..%d (MiB)",
                                   CLI_TB_SIZE_MAX_MB);
            o->tb_size = (size_t)mb << 20;
        } else if (len >= 6 && !strncmp(p, "chaos=", 6)) {
            /* Any 64-bit seed, in decimal (parse_u64). */
            char num[24];
            if (len - 6 >= sizeof(num))
                goto bad_seed;
            memcpy(num, p + 6, len - 6);
            num[len - 6] = '\0';
            if (!parse_uint_exact(num, &o->chaos_seed))
                goto bad_seed;
            o->chaos = true;
        } else {
            goto bad;
        }
        p += len;
    }
    return 0;
bad:
    return loom_errorf(err, n, "-accel: unsupported property '%.*s' in '%s'",
                (int)len, p, arg);
bad_seed:
    return loom_errorf(err, n, "-accel: chaos wants a seed, a decimal number "
                       "0..2^64-1 (got '%.*s')", (int)len - 6, p + 6);
}

/* -gdb tcp:[HOST]:PORT[,opt...] (HOST may be [IPv6]); also "none".  The
 * chardev options QEMU users add (server, nowait, server=on, wait=off,
 * ipv4, ipv6) are accepted and change nothing: the stub always listens
 * and never waits for a client unless -S says so. */
static int opt_gdb(struct cli_options *o, const char *arg, char *err, size_t n)
{
    const char *p = arg, *host, *hend, *port;
    uint64_t v;

    if (!strcmp(arg, "none")) {
        o->gdb_listen = false;
        return 0;
    }
    if (strncmp(p, "tcp:", 4))
        goto bad;
    p += 4;
    if (*p == '[') {
        host = p + 1;
        hend = strchr(host, ']');
        if (!hend || hend[1] != ':')
            goto bad;
        port = hend + 2;
    } else {
        host = p;
        hend = strchr(p, ':');
        if (!hend)
            goto bad;
        port = hend + 1;
    }
    size_t plen = strcspn(port, ","), hlen = (size_t)(hend - host);
    char num[8];
    if (plen == 0 || plen >= sizeof(num))
        return loom_errorf(err, n, "-gdb %s: invalid port (expected 0..65535)",
                           arg);
    memcpy(num, port, plen);
    num[plen] = '\0';
    if (!parse_uint_exact(num, &v) || v > 65535)
        return loom_errorf(err, n, "-gdb %s: invalid port '%s' (expected "
                           "0..65535)", arg, num);
    if (hlen >= sizeof(o->gdb_host))
        return loom_errorf(err, n, "-gdb: host name too long");
    for (const char *q = port + plen; *q == ',';) {
        size_t l = strcspn(q + 1, ",");
        static const char *const ok[] = { "server", "nowait", "server=on",
                                          "wait=off", "ipv4", "ipv6" };
        bool known = false;
        for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
            known |= strlen(ok[i]) == l && !strncmp(q + 1, ok[i], l);
        if (!known)
            return loom_errorf(err, n, "-gdb %s: unsupported option '%.*s'",
                               arg, (int)l, q + 1);
        q += 1 + l;
    }
    if (hlen) {
        memcpy(o->gdb_host, host, hlen);
        o->gdb_host[hlen] = '\0';
    } else {
        strcpy(o->gdb_host, "127.0.0.1");    /* loopback unless asked */
    }
    o->gdb_port = (unsigned)v;
    o->gdb_listen = true;
    return 0;
bad:
    return loom_errorf(err, n, "-gdb %s: invalid address (expected "
                       "tcp:[HOST]:PORT, e.g. tcp::1234)", arg);
}

/* --- virtio devices ------------------------------------------------------ */

/* The next "key=value" (or bare "key") of a comma-separated property list
 * at *p: key in k[klen], value (malloc'd, NULL when there is no '=').
 * Returns false at the end of the list. */
static bool next_prop(const char **p, char *k, size_t klen, char **val)
{
    const char *s = *p, *e, *eq;

    if (!*s)
        return false;
    e = s + strcspn(s, ",");
    eq = memchr(s, '=', (size_t)(e - s));
    size_t kl = (size_t)((eq ? eq : e) - s);
    if (kl >= klen)
        kl = klen - 1;
    memcpy(k, s, kl);
    k[kl] = '\0';
    *val = eq ? strndup(eq + 1, (size_t)(e - eq - 1)) : NULL;
    if (eq && !*val)
        loom_fatal("out of memory parsing the command line");
    *p = *e ? e + 1 : e;
    return true;
}

static int parse_onoff(const char *opt, const char *key, const char *v,
                       bool *out, char *err, size_t n)
{
    if (!v || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no")) {
        *out = false;
        return 0;
    }
    return loom_errorf(err, n, "%s: %s=%s: expected on or off", opt, key, v);
}

static int add_device(struct cli_options *o, enum cli_dev_kind kind,
                      const char *what, char *err, size_t n,
                      struct cli_device **out)
{
    if (o->ndevices >= CLI_MAX_VIRTIO)
        return loom_errorf(err, n, "%s: too many virtio devices (the virt "
                           "board has %d virtio-mmio slots)", what,
                           CLI_MAX_VIRTIO);
    *out = &o->devices[o->ndevices++];
    **out = (struct cli_device){ .kind = kind, .drive = -1, .netdev = -1 };
    return 0;
}

/* -drive file=F[,format=raw][,if=none|virtio][,id=ID][,readonly=on]
 *        [,snapshot=on][,cache=writeback|none][,media=disk][,serial=S] */
static int opt_drive(struct cli_options *o, const char *arg, char *err,
                     size_t n)
{
    const char *p = arg;
    char key[32], *v;
    bool if_virtio = true;      /* virt's default interface, as on QEMU */

    if (o->ndrives >= CLI_MAX_VIRTIO)
        return loom_errorf(err, n, "-drive: at most %d drives", CLI_MAX_VIRTIO);
    struct cli_drive *d = &o->drives[o->ndrives];
    *d = (struct cli_drive){ 0 };
    while (next_prop(&p, key, sizeof(key), &v)) {
        int r = 0;
        if (!strcmp(key, "file") && v) {
            d->file = v;
            continue;
        } else if (!strcmp(key, "id") && v) {
            d->id = v;
            continue;
        } else if (!strcmp(key, "serial") && v) {
            d->serial = v;
            continue;
        } else if (!strcmp(key, "format") && v) {
            if (strcmp(v, "raw"))
                r = loom_errorf(err, n, "-drive: format=%s not supported "
                                "(only raw)", v);
        } else if (!strcmp(key, "if") && v) {
            if (!strcmp(v, "none"))
                if_virtio = false;
            else if (strcmp(v, "virtio"))
                r = loom_errorf(err, n, "-drive: if=%s not supported (none "
                                "or virtio)", v);
        } else if (!strcmp(key, "readonly")) {
            r = parse_onoff("-drive", key, v, &d->readonly, err, n);
        } else if (!strcmp(key, "snapshot")) {
            r = parse_onoff("-drive", key, v, &d->snapshot, err, n);
        } else if (!strcmp(key, "cache") && v) {
            if (!strcmp(v, "writeback"))
                d->cache = CLI_CACHE_WRITEBACK;
            else if (!strcmp(v, "none"))
                d->cache = CLI_CACHE_NONE;
            else
                r = loom_errorf(err, n, "-drive: cache=%s not supported "
                                "(writeback or none)", v);
        } else if (!strcmp(key, "media") && v) {
            if (strcmp(v, "disk"))
                r = loom_errorf(err, n, "-drive: media=%s not supported "
                                "(only disk)", v);
        } else {
            r = loom_errorf(err, n, "-drive: unsupported property '%s' in "
                            "'%s'", key, arg);
        }
        free(v);
        if (r)
            return r;
    }
    if (!d->file || !*d->file)
        return loom_errorf(err, n, "-drive: file=FILE is required in '%s'",
                           arg);
    if (!if_virtio && !d->id)
        return loom_errorf(err, n, "-drive: if=none needs id=ID (for "
                           "-device virtio-blk-device,drive=ID)");
    for (unsigned i = 0; i < o->ndrives; i++)
        if (d->id && o->drives[i].id && !strcmp(d->id, o->drives[i].id))
            return loom_errorf(err, n, "-drive: duplicate id=%s", d->id);
    o->ndrives++;
    if (if_virtio) {
        struct cli_device *dev = NULL;
        int r = add_device(o, CLI_DEV_BLK, "-drive", err, n, &dev);
        if (r)
            return r;
        dev->drive = (int)o->ndrives - 1;
        d->used = true;
    }
    return 0;
}

static int parse_mac(const char *v, uint8_t mac[6])
{
    unsigned b[6];
    char end;
    if (sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
               &b[4], &b[5], &end) != 6)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)b[i];
    return 0;
}

/* -device virtio-blk-device,drive=ID[,serial=S] | virtio-rng-device |
 *         virtio-net-device,netdev=ID[,mac=xx:..] */
static int opt_device(struct cli_options *o, const char *arg, char *err,
                      size_t n)
{
    const char *p = arg;
    char key[32], *v;
    struct cli_device *dev = NULL;
    enum cli_dev_kind kind;
    int r;

    if (!next_prop(&p, key, sizeof(key), &v) || v)
        return loom_errorf(err, n, "-device: expected a device name in '%s'",
                           arg);
    if (!strcmp(key, "virtio-blk-device"))
        kind = CLI_DEV_BLK;
    else if (!strcmp(key, "virtio-rng-device"))
        kind = CLI_DEV_RNG;
    else if (!strcmp(key, "virtio-net-device"))
        kind = CLI_DEV_NET;
    else
        return loom_errorf(err, n, "-device: unsupported device '%s' (virt "
                           "has virtio-blk-device, virtio-net-device, "
                           "virtio-rng-device)", key);
    if ((r = add_device(o, kind, "-device", err, n, &dev)))
        return r;
    while (next_prop(&p, key, sizeof(key), &v)) {
        r = 0;
        if (kind == CLI_DEV_BLK && !strcmp(key, "drive") && v) {
            dev->drive_id = v;
            continue;
        } else if (kind == CLI_DEV_BLK && !strcmp(key, "serial") && v) {
            dev->serial = v;
            continue;
        } else if (kind == CLI_DEV_NET && !strcmp(key, "netdev") && v) {
            dev->netdev_id = v;
            continue;
        } else if (kind == CLI_DEV_NET && !strcmp(key, "mac") && v) {
            if (parse_mac(v, dev->mac))
                r = loom_errorf(err, n, "-device: mac=%s: expected "
                                "xx:xx:xx:xx:xx:xx", v);
            dev->has_mac = true;
        } else {
            r = loom_errorf(err, n, "-device: unsupported property '%s' in "
                            "'%s'", key, arg);
        }
        free(v);
        if (r)
            return r;
    }
    if (kind == CLI_DEV_BLK && !dev->drive_id)
        return loom_errorf(err, n, "-device virtio-blk-device: drive=ID is "
                           "required");
    if (kind == CLI_DEV_NET && !dev->netdev_id)
        return loom_errorf(err, n, "-device virtio-net-device: netdev=ID is "
                           "required");
    return 0;
}

/* user[,id=ID][,hostfwd=RULE]... (the rest of -netdev / -nic) */
static int parse_user_net(struct cli_netdev *nd, const char *opt,
                          const char *arg, const char *p, bool nic,
                          char *err, size_t n)
{
    char key[32], *v;

    while (next_prop(&p, key, sizeof(key), &v)) {
        int r = 0;
        if (!nic && !strcmp(key, "id") && v) {
            nd->id = v;
            continue;
        } else if (!strcmp(key, "hostfwd") && v) {
            if (nd->nhostfwd >= CLI_MAX_HOSTFWD)
                r = loom_errorf(err, n, "%s: at most %d hostfwd rules", opt,
                                CLI_MAX_HOSTFWD);
            else {
                nd->hostfwd[nd->nhostfwd++] = v;
                continue;
            }
        } else if (nic && !strcmp(key, "model") && v) {
            if (strcmp(v, "virtio-net-device") && strcmp(v, "virtio"))
                r = loom_errorf(err, n, "%s: model=%s not supported (only "
                                "virtio-net-device)", opt, v);
        } else {
            r = loom_errorf(err, n, "%s: unsupported property '%s' in '%s'",
                            opt, key, arg);
        }
        free(v);
        if (r)
            return r;
    }
    return 0;
}

static int opt_netdev(struct cli_options *o, const char *arg, bool nic,
                      char *err, size_t n)
{
    const char *opt = nic ? "-nic" : "-netdev";
    size_t len = strcspn(arg, ",");

    if (len != 4 || strncmp(arg, "user", 4))
        return loom_errorf(err, n, "%s: unsupported network backend '%.*s' "
                           "(only user)", opt, (int)len, arg);
    if (o->nnetdevs >= CLI_MAX_VIRTIO)
        return loom_errorf(err, n, "%s: at most %d networks", opt,
                           CLI_MAX_VIRTIO);
    struct cli_netdev *nd = &o->netdevs[o->nnetdevs];
    *nd = (struct cli_netdev){ 0 };
    int r = parse_user_net(nd, opt, arg, arg[len] ? arg + len + 1 : "", nic,
                           err, n);
    if (r)
        return r;
    if (!nic && !nd->id)
        return loom_errorf(err, n, "-netdev: id=ID is required");
    for (unsigned i = 0; nd->id && i < o->nnetdevs; i++)
        if (o->netdevs[i].id && !strcmp(nd->id, o->netdevs[i].id))
            return loom_errorf(err, n, "-netdev: duplicate id=%s", nd->id);
    o->nnetdevs++;
    if (nic) {
        struct cli_device *dev = NULL;
        if ((r = add_device(o, CLI_DEV_NET, "-nic", err, n, &dev)))
            return r;
        dev->netdev = (int)o->nnetdevs - 1;
        nd->used = true;
    }
    return 0;
}

enum opt_id {
    O_HELP, O_VERSION, O_MACHINE, O_SMP, O_MEM, O_BIOS, O_KERNEL, O_INITRD,
    O_APPEND, O_NOGRAPHIC, O_SERIAL, O_LOG, O_LOGFILE, O_ACCEL, O_GDB,
    O_GDB_WAIT, O_PERFMAP, O_JITDUMP, O_GDB_DEV, O_DRIVE, O_DEVICE, O_NETDEV,
    O_NIC, O_STATS,
};

static const struct cli_opt {
    const char *name;
    enum opt_id id;
    bool has_arg;
} cli_opts[] = {
    { "help", O_HELP, false },       { "h", O_HELP, false },
    { "version", O_VERSION, false },
    { "M", O_MACHINE, true },        { "machine", O_MACHINE, true },
    { "smp", O_SMP, true },          { "m", O_MEM, true },
    { "bios", O_BIOS, true },        { "kernel", O_KERNEL, true },
    { "initrd", O_INITRD, true },    { "append", O_APPEND, true },
    { "nographic", O_NOGRAPHIC, false },
    { "serial", O_SERIAL, true },    { "d", O_LOG, true },
    { "D", O_LOGFILE, true },        { "accel", O_ACCEL, true },
    { "s", O_GDB, false },           { "S", O_GDB_WAIT, false },
    { "perfmap", O_PERFMAP, false }, { "jitdump", O_JITDUMP, false },
    { "gdb", O_GDB_DEV, true },
    { "drive", O_DRIVE, true },      { "device", O_DEVICE, true },
    { "netdev", O_NETDEV, true },    { "nic", O_NIC, true },
    { "stats", O_STATS, true },
};

static const struct cli_opt *find_opt(const char *arg)
{
    const char *name;

    if (arg[0] != '-' || arg[1] == '\0')
        return NULL;
    name = arg + 1 + (arg[1] == '-');
    for (size_t i = 0; i < ARRAY_SIZE(cli_opts); i++)
        if (!strcmp(name, cli_opts[i].name))
            return &cli_opts[i];
    return NULL;
}

static void set_defaults(struct cli_options *o)
{
    memset(o, 0, sizeof(*o));
    o->action = CLI_RUN;
    o->smp = 1;
    o->ram_size = CLI_RAM_DEFAULT;
}

int cli_parse(int argc, char *const argv[], struct cli_options *o,
              char *err, size_t n)
{
    bool serial_given = false;

    set_defaults(o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        const struct cli_opt *opt = find_opt(a);
        int r = 0;

        if (!opt) {
            if (a[0] == '-')
                return loom_errorf(err, n, "unknown option '%s' (try --help)", a);
            return loom_errorf(err, n, "unexpected argument '%s' (try --help)", a);
        }
        if (opt->has_arg) {
            if (i + 1 >= argc)
                return loom_errorf(err, n, "option '%s' needs an argument", a);
            v = argv[++i];
        }
        switch (opt->id) {
        case O_HELP:      o->action = CLI_HELP; return 0;
        case O_VERSION:   o->action = CLI_VERSION; return 0;
        case O_MACHINE:   r = opt_machine(o, v, err, n); break;
        case O_SMP:       r = opt_smp(o, v, err, n); break;
        case O_MEM:       r = opt_mem(o, v, err, n); break;
        case O_BIOS:
            o->bios_none = !strcmp(v, "none");
            o->bios = o->bios_none ? NULL : v;
            if (!*v)
                r = loom_errorf(err, n, "-bios: empty file name");
            break;
        case O_KERNEL:    o->kernel = v; break;
        case O_INITRD:    o->initrd = v; break;
        case O_APPEND:    o->append = v; break;
        case O_NOGRAPHIC: o->nographic = true; break;
        case O_SERIAL:    r = opt_serial(o, v, err, n, &serial_given); break;
        case O_LOG:       r = opt_log(o, v, err, n); break;
        case O_LOGFILE:   o->log_file = v; break;
        case O_STATS:     o->stats_file = v; break;
        case O_ACCEL:     r = opt_accel(o, v, err, n); break;
        case O_GDB:       r = opt_gdb(o, "tcp::1234", err, n); break;
        case O_GDB_DEV:   r = opt_gdb(o, v, err, n); break;
        case O_GDB_WAIT:  o->gdb_wait = true; break;
        case O_PERFMAP:   o->perfmap = true; break;
        case O_JITDUMP:   o->jitdump = true; break;
        case O_DRIVE:     r = opt_drive(o, v, err, n); break;
        case O_DEVICE:    r = opt_device(o, v, err, n); break;
        case O_NETDEV:    r = opt_netdev(o, v, false, err, n); break;
        case O_NIC:       r = opt_netdev(o, v, true, err, n); break;
        }
        if (r)
            return r;
        if (o->action != CLI_RUN)
            return 0;           /* a help request: the rest is not parsed */
        if ((opt->id == O_KERNEL || opt->id == O_INITRD ||
             opt->id == O_LOGFILE) && !*v)
            return loom_errorf(err, n, "option '%s': empty file name", a);
    }
    if (!serial_given)
        o->serial = o->nographic ? (struct chr_spec){ .kind = CHR_STDIO,
                                                      .mux = true }
                                 : (struct chr_spec){ .kind = CHR_STDOUT };
    return 0;
}

/* Resolve -device ...,drive=ID / netdev=ID. */
static int check_devices(struct cli_options *o, char *err, size_t n)
{
    for (unsigned i = 0; i < o->ndevices; i++) {
        struct cli_device *d = &o->devices[i];
        if (d->drive_id) {
            for (unsigned j = 0; j < o->ndrives; j++)
                if (o->drives[j].id && !strcmp(o->drives[j].id, d->drive_id))
                    d->drive = (int)j;
            if (d->drive < 0)
                return loom_errorf(err, n, "-device virtio-blk-device: no "
                                   "-drive with id=%s", d->drive_id);
            if (o->drives[d->drive].used)
                return loom_errorf(err, n, "-device virtio-blk-device: "
                                   "drive %s is already in use", d->drive_id);
            o->drives[d->drive].used = true;
        }
        if (d->netdev_id) {
            for (unsigned j = 0; j < o->nnetdevs; j++)
                if (o->netdevs[j].id && !strcmp(o->netdevs[j].id, d->netdev_id))
                    d->netdev = (int)j;
            if (d->netdev < 0)
                return loom_errorf(err, n, "-device virtio-net-device: no "
                                   "-netdev with id=%s", d->netdev_id);
            if (o->netdevs[d->netdev].used)
                return loom_errorf(err, n, "-device virtio-net-device: "
                                   "netdev %s is already in use",
                                   d->netdev_id);
            o->netdevs[d->netdev].used = true;
        }
    }
    return 0;
}

int cli_check(struct cli_options *o, char *err, size_t n)
{
    int r;

    if (o->gdb_wait && !o->gdb_listen)
        return loom_errorf(err, n, "-S needs -s or -gdb (nothing else can "
                           "start the harts)");
    /* Chaos perturbs real parallel runs; thread=single has no parallelism
     * to perturb (its schedule is the round-robin's), so refuse it rather
     * than silently do less. */
    if (o->chaos && o->single_thread)
        return loom_errorf(err, n, "-accel: chaos= needs thread=multi (it "
                           "perturbs parallel hart threads)");
    if (o->gdb_listen && o->single_thread)
        return loom_errorf(err, n, "the gdbstub needs -accel tcg,thread=multi "
                           "(the default)");
    if (o->initrd && !o->kernel)
        return loom_errorf(err, n, "-initrd is only allowed with -kernel");
    if (o->append && !o->kernel)
        return loom_errorf(err, n, "-append is only allowed with -kernel");
    if (!o->bios && !o->kernel && !o->dumpdtb)
        return loom_errorf(err, n, "no firmware or kernel given "
                    "(use -bios FILE and/or -kernel FILE)");
    if ((r = check_devices(o, err, n)))
        return r;
    return 0;
}

void cli_print_help(FILE *f)
{
    fputs(
"usage: loom [options]\n"
"RISC-V RV64 system emulator (machine 'virt', QEMU-compatible options)\n"
"\n"
"  -M, -machine virt[,dumpdtb=FILE]\n"
"                        the machine (the only one; -M help lists it);\n"
"                        dumpdtb writes its device tree to FILE and exits\n"
"  -smp N | cpus=N       number of harts, 1..64 (default 1)\n"
"  -m SIZE               RAM size: 512M, 1G, or a number of MiB (default 128M)\n"
"  -bios FILE|none       firmware loaded at 0x80000000 (ELF or raw binary)\n"
"  -kernel FILE          kernel: ELF at its addresses, else raw after firmware\n"
"  -initrd FILE          initial ramdisk (needs -kernel)\n"
"  -append STR           kernel command line, /chosen/bootargs (needs -kernel)\n"
"  -nographic            no display; the serial port is mon:stdio (a raw\n"
"                        terminal, Ctrl-A h lists the keys, Ctrl-A x quits)\n"
"  -serial BACKEND       stdio, mon:stdio, null, none, file:PATH, pty\n"
"  -d ITEM[,...]         log items: in_asm, op, out_asm, int, exec (-d help)\n"
"  -D FILE               write the log to FILE instead of stderr\n"
"  -stats FILE           write per-hart counters to FILE as JSON at exit\n"
"                        and on SIGUSR1 (docs/stats.md)\n"
"  -accel tcg[,thread=multi|single][,tb-size=MB][,chaos=SEED]\n"
"                        one host thread per hart (multi, default) or one\n"
"                        thread for all; code buffer size in MiB (1..2048);\n"
"                        chaos: seeded perturbation of the hart threads\n"
"                        (multi only; docs/stress.md); -accel help lists\n"
"                        the accelerators\n"
"  -drive file=F[,format=raw][,if=none|virtio][,id=ID][,readonly=on]\n"
"         [,snapshot=on][,cache=writeback|none][,serial=S]\n"
"                        a raw disk image (if=virtio, the default: a\n"
"                        virtio-blk disk of its own)\n"
"  -device virtio-blk-device,drive=ID | virtio-rng-device |\n"
"          virtio-net-device,netdev=ID[,mac=MAC]\n"
"                        virtio-mmio devices (8 slots, first at 0x10008000)\n"
"  -netdev user,id=ID[,hostfwd=tcp:HADDR:HPORT-:GPORT]...\n"
"                        user-mode network (libslirp)\n"
"  -nic user[,hostfwd=...]  a user-mode network with its virtio-net device\n"
"  -gdb tcp:[HOST]:PORT  gdbstub on HOST:PORT (HOST default 127.0.0.1;\n"
"                        PORT 0: any free port, printed on stderr)\n"
"  -s                    -gdb tcp::1234\n"
"  -S                    harts wait at reset until gdb continues\n"
"  -perfmap              name generated code for perf: /tmp/perf-PID.map\n"
"  -jitdump              the same as a perf jitdump: /tmp/jit-PID.dump\n"
"  -h, --help            this help\n"
"  --version             print the version\n"
"\n"
"Exit status: the guest's power-off code (SiFive test device), 2 for a\n"
"command-line or image error.\n", f);
}

void cli_print_version(FILE *f)
{
    fprintf(f, "loom %s\n", LOOM_VERSION);
}

void cli_print_accels(FILE *f)
{
    fputs("Accelerators supported in loom binary:\ntcg\n", f);
}

void cli_print_machines(FILE *f)
{
    fputs("Supported machines are:\n"
          "virt                 RISC-V VirtIO board (default)\n", f);
}

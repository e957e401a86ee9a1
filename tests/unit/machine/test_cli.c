/* test_cli.c — cli_parse / cli_check: good lines fill the struct, every bad
 * line fails with a message that names the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "machine/cli.h"
#include "util/log.h"

static char err[256];

/* Parse a NULL-terminated list of arguments (argv[0] added here). */
static int parse_v(struct cli_options *o, const char *first, va_list ap)
{
    char *argv[64] = { "loom" };
    int argc = 1;

    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        assert_true(argc < 63);
        argv[argc++] = (char *)a;
    }
    err[0] = '\0';
    return cli_parse(argc, argv, o, err, sizeof(err));
}

static int parse(struct cli_options *o, const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    int r = parse_v(o, first, ap);
    va_end(ap);
    return r;
}

/* Expect failure with `needle` in the message, one line only. */
static void expect_bad(const char *needle, const char *first, ...)
{
    struct cli_options o;
    va_list ap;
    va_start(ap, first);
    int r = parse_v(&o, first, ap);
    va_end(ap);
    assert_int_equal(r, -1);
    assert_non_null(strstr(err, needle));
    assert_null(strchr(err, '\n'));
}

static void test_defaults(void **state)
{
    struct cli_options o;
    assert_int_equal(parse(&o, NULL), 0);
    assert_int_equal(o.action, CLI_RUN);
    assert_int_equal(o.smp, 1);
    assert_int_equal(o.ram_size, CLI_RAM_DEFAULT);
    assert_null(o.bios);
    assert_null(o.kernel);
    assert_false(o.single_thread);
    assert_int_equal(o.tb_size, 0);
    /* Nothing to boot. */
    assert_int_equal(cli_check(&o, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no firmware or kernel given"));
}

static void test_full_line(void **state)
{
    struct cli_options o;
    assert_int_equal(parse(&o, "-M", "virt", "-smp", "4", "-m", "512M",
                           "-bios", "fw.bin", "-kernel", "Image",
                           "-initrd", "rd.cpio", "-append", "console=ttyS0",
                           "-nographic", "-serial", "mon:stdio",
                           "-d", "in_asm,int", "-D", "log.txt",
                           "-accel", "tcg,thread=single,tb-size=64", NULL), 0);
    assert_int_equal(o.smp, 4);
    assert_int_equal(o.ram_size, 512ull << 20);
    assert_string_equal(o.bios, "fw.bin");
    assert_false(o.bios_none);
    assert_string_equal(o.kernel, "Image");
    assert_string_equal(o.initrd, "rd.cpio");
    assert_string_equal(o.append, "console=ttyS0");
    assert_true(o.nographic);
    assert_int_equal(o.serial.kind, CHR_STDIO);
    assert_true(o.serial.mux);
    assert_int_equal(o.log_mask, LOG_IN_ASM | LOG_INT);
    assert_string_equal(o.log_file, "log.txt");
    assert_true(o.single_thread);
    assert_int_equal(o.tb_size, 64u << 20);
    assert_int_equal(cli_check(&o, err, sizeof(err)), 0);
}

static void test_smp_forms(void **state)
{
    struct cli_options o;
    assert_int_equal(parse(&o, "-smp", "cpus=8", NULL), 0);
    assert_int_equal(o.smp, 8);
    assert_int_equal(parse(&o, "--smp", "64", NULL), 0);
    assert_int_equal(o.smp, 64);
    expect_bad("out of range", "-smp", "0", NULL);
    expect_bad("out of range", "-smp", "65", NULL);
    expect_bad("invalid value", "-smp", "four", NULL);
    expect_bad("invalid value", "-smp", "4,cores=2", NULL);
    expect_bad("invalid value", "-smp", "-1", NULL);
    expect_bad("invalid value", "-smp", "", NULL);
    expect_bad("invalid value", "-smp", "99999999999999999999", NULL);
}

static void test_mem_forms(void **state)
{
    struct cli_options o;
    assert_int_equal(parse(&o, "-m", "1G", NULL), 0);
    assert_int_equal(o.ram_size, 1ull << 30);
    assert_int_equal(parse(&o, "-m", "256", NULL), 0);     /* MiB */
    assert_int_equal(o.ram_size, 256ull << 20);
    assert_int_equal(parse(&o, "-m", "2g", NULL), 0);
    assert_int_equal(o.ram_size, 2ull << 30);
    assert_int_equal(parse(&o, "-m", "size=64MiB", NULL), 0);
    assert_int_equal(o.ram_size, 64ull << 20);
    assert_int_equal(parse(&o, "-m", "65536K", NULL), 0);
    assert_int_equal(o.ram_size, 64ull << 20);
    assert_int_equal(parse(&o, "-m", "64G", NULL), 0);
    expect_bad("out of range", "-m", "15", NULL);
    expect_bad("out of range", "-m", "65G", NULL);
    expect_bad("out of range", "-m", "1T", NULL);
    expect_bad("out of range", "-m", "0", NULL);
    expect_bad("invalid size", "-m", "12X", NULL);
    expect_bad("invalid size", "-m", "M", NULL);
    expect_bad("invalid size", "-m", "1.5G", NULL);
    expect_bad("out of range", "-m", "99999999999999999G", NULL);
    expect_bad("multiple of 4 KiB", "-m", "16777217K", NULL);
}

static void test_machine(void **state)
{
    struct cli_options o;
    assert_int_equal(parse(&o, "-machine", "virt", NULL), 0);
    assert_int_equal(o.action, CLI_RUN);
    assert_int_equal(parse(&o, "-M", "help", NULL), 0);
    assert_int_equal(o.action, CLI_MACHINE_HELP);
    expect_bad("unknown machine 'sifive_u'", "-M", "sifive_u", NULL);
    expect_bad("not supported", "-M", "virt,aia=aplic", NULL);
    /* dumpdtb=FILE, as QEMU spells it; nothing else after it. */
    assert_int_equal(parse(&o, "-M", "virt,dumpdtb=/tmp/x.dtb", NULL), 0);
    assert_string_equal(o.dumpdtb, "/tmp/x.dtb");
    assert_null(parse(&o, "-M", "virt", NULL) ? "fail" : o.dumpdtb);
    expect_bad("not supported", "-M", "virt,dumpdtb=", NULL);
    expect_bad("not supported", "-M", "virt,dumpdtb=a,aia=aplic", NULL);
    /* A tree dump needs no image. */
    char err[128];
    assert_int_equal(parse(&o, "-M", "virt,dumpdtb=x", NULL), 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), 0);
}

static void test_misc_good(void **state)
{
    struct cli_options o;
    assert_int_equal(parse(&o, "-bios", "none", "-kernel", "k.elf", "-s",
                           NULL), 0);
    assert_true(o.bios_none);
    assert_null(o.bios);
    assert_true(o.gdb_listen);
    /* -s is -gdb tcp::1234, on loopback. */
    assert_string_equal(o.gdb_host, "127.0.0.1");
    assert_int_equal(o.gdb_port, 1234);
    assert_int_equal(cli_check(&o, err, sizeof(err)), 0);
    assert_int_equal(parse(&o, "-kernel", "k.elf", "-S", NULL), 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "-S needs -s or -gdb"));
    assert_int_equal(parse(&o, "-kernel", "k.elf", "-S", "-gdb",
                           "tcp:[::1]:0,server,nowait", NULL), 0);
    assert_string_equal(o.gdb_host, "::1");
    assert_int_equal(o.gdb_port, 0);
    assert_true(o.gdb_wait);
    assert_int_equal(cli_check(&o, err, sizeof(err)), 0);
    assert_int_equal(parse(&o, "-kernel", "k.elf", "-gdb", "tcp:10.0.0.1:65535",
                           NULL), 0);
    assert_string_equal(o.gdb_host, "10.0.0.1");
    assert_int_equal(o.gdb_port, 65535);
    assert_int_equal(parse(&o, "-kernel", "k.elf", "-s", "-gdb", "none",
                           NULL), 0);
    assert_false(o.gdb_listen);
    expect_bad("invalid port '65536'", "-gdb", "tcp::65536", NULL);
    expect_bad("invalid port", "-gdb", "tcp::-1", NULL);
    expect_bad("expected tcp:[HOST]:PORT", "-gdb", "tcp:[::1:1", NULL);
    expect_bad("expected tcp:[HOST]:PORT", "-gdb", "stdio", NULL);
    assert_int_equal(parse(&o, "-serial", "none", "-accel", "tcg", NULL), 0);
    assert_int_equal(o.serial.kind, CHR_NULL);
    assert_int_equal(parse(&o, "-kernel", "k", "--help", "-bogus", NULL), 0);
    assert_int_equal(o.action, CLI_HELP);
    assert_int_equal(parse(&o, "-h", NULL), 0);
    assert_int_equal(o.action, CLI_HELP);
    assert_int_equal(parse(&o, "--version", NULL), 0);
    assert_int_equal(o.action, CLI_VERSION);
}

static void test_bad_options(void **state)
{
    expect_bad("unknown option '-foo'", "-foo", NULL);
    expect_bad("unknown option '--'", "--", NULL);
    expect_bad("unexpected argument 'stray'", "stray", NULL);
    expect_bad("needs an argument", "-kernel", NULL);
    expect_bad("needs an argument", "-smp", NULL);
    expect_bad("needs an argument", "-m", NULL);
    expect_bad("needs an argument", "-d", NULL);
    expect_bad("unknown log item 'bogus'", "-d", "in_asm,bogus", NULL);
    expect_bad("unsupported backend 'tcp:1'", "-serial", "tcp:1", NULL);
    expect_bad("empty file name", "-serial", "file:", NULL);
    expect_bad("mon: needs an input", "-serial", "mon:null", NULL);
    expect_bad("already given", "-serial", "stdio", "-serial", "null", NULL);
    expect_bad("only tcg", "-accel", "kvm", NULL);
    expect_bad("unsupported property", "-accel", "tcg,thread=many", NULL);
    expect_bad("tb-size", "-accel", "tcg,tb-size=0", NULL);
    expect_bad("tb-size", "-accel", "tcg,tb-size=x", NULL);
    /* The backend maps at most 2 GiB (rel32 reach): 2049..4096 used to
     * parse and then fail to map. */
    expect_bad("1..2048", "-accel", "tcg,tb-size=2049", NULL);
    expect_bad("1..2048", "-accel", "tcg,tb-size=4096", NULL);
    expect_bad("empty file name", "-kernel", "", NULL);
    expect_bad("empty file name", "-bios", "", NULL);
}

/* -d help, -accel help: a listing and exit 0, whatever follows. */
static void test_help_items(void **state)
{
    struct cli_options o;
    assert_int_equal(parse(&o, "-d", "help", NULL), 0);
    assert_int_equal(o.action, CLI_LOG_HELP);
    assert_int_equal(parse(&o, "-d", "?", "-bogus", NULL), 0);
    assert_int_equal(o.action, CLI_LOG_HELP);
    assert_int_equal(parse(&o, "-accel", "help", NULL), 0);
    assert_int_equal(o.action, CLI_ACCEL_HELP);
    assert_int_equal(parse(&o, "-accel", "tcg,tb-size=2048", NULL), 0);
    assert_int_equal(o.tb_size, 2048ull << 20);
    expect_bad("-d help", "-d", "help,in_asm", NULL);
}

/* -serial spellings, and the defaults QEMU picks without one. */
static void test_serial(void **state)
{
    struct cli_options o;
    assert_int_equal(parse(&o, NULL), 0);
    assert_int_equal(o.serial.kind, CHR_STDOUT);        /* output only */
    assert_int_equal(parse(&o, "-nographic", NULL), 0);
    assert_int_equal(o.serial.kind, CHR_STDIO);         /* mon:stdio */
    assert_true(o.serial.mux);
    assert_int_equal(parse(&o, "-serial", "stdio", "-nographic", NULL), 0);
    assert_int_equal(o.serial.kind, CHR_STDIO);
    assert_false(o.serial.mux);                         /* Ctrl-C ends Loom */
    assert_int_equal(parse(&o, "-serial", "file:/tmp/x", NULL), 0);
    assert_int_equal(o.serial.kind, CHR_FILE);
    assert_string_equal(o.serial.path, "/tmp/x");
    assert_int_equal(parse(&o, "-serial", "pty", NULL), 0);
    assert_int_equal(o.serial.kind, CHR_PTY);
    assert_int_equal(parse(&o, "-serial", "mon:pty", NULL), 0);
    assert_true(o.serial.mux);
    assert_int_equal(parse(&o, "-nographic", "-serial", "null", NULL), 0);
    assert_int_equal(o.serial.kind, CHR_NULL);
}

static void test_check(void **state)
{
    struct cli_options o;
    assert_int_equal(parse(&o, "-bios", "fw", "-initrd", "rd", NULL), 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "-initrd"));
    assert_int_equal(parse(&o, "-bios", "fw", "-append", "x", NULL), 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "-append"));
    assert_int_equal(parse(&o, "-bios", "none", NULL), 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no firmware or kernel"));
    assert_int_equal(parse(&o, "-bios", "fw.bin", NULL), 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), 0);
    /* chaos= perturbs parallel threads: refused with thread=single. */
    assert_int_equal(parse(&o, "-bios", "fw", "-accel",
                           "tcg,thread=single,chaos=3", NULL), 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "chaos= needs thread=multi"));
}

/* -accel tcg,chaos=SEED: any decimal 64-bit seed, nothing else. */
static void test_chaos(void **state)
{
    struct cli_options o;
    assert_int_equal(parse(&o, "-kernel", "k", NULL), 0);
    assert_false(o.chaos);
    assert_int_equal(parse(&o, "-kernel", "k", "-accel",
                           "tcg,thread=multi,chaos=0", NULL), 0);
    assert_true(o.chaos);
    assert_int_equal(o.chaos_seed, 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), 0);
    assert_int_equal(parse(&o, "-accel", "tcg,chaos=18446744073709551615",
                           NULL), 0);
    assert_true(o.chaos_seed == UINT64_MAX);
    expect_bad("chaos wants a seed", "-accel", "tcg,chaos=", NULL);
    expect_bad("chaos wants a seed", "-accel", "tcg,chaos=0x10", NULL);
    expect_bad("chaos wants a seed", "-accel", "tcg,chaos=-1", NULL);
    expect_bad("chaos wants a seed", "-accel",
               "tcg,chaos=18446744073709551616", NULL);
    expect_bad("chaos wants a seed", "-accel",
               "tcg,chaos=123456789012345678901234567890", NULL);
}

static void test_virtio(void **state)
{
    struct cli_options o;
    assert_int_equal(parse(&o, "-kernel", "k",
        "-drive", "file=a.img,format=raw,if=none,id=d0,readonly=on,cache=none",
        "-device", "virtio-rng-device",
        "-device", "virtio-blk-device,drive=d0,serial=SN",
        "-drive", "file=b.img,snapshot=on",
        "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:2222-:22,"
                   "hostfwd=tcp::8080-:80",
        "-device", "virtio-net-device,netdev=n0,mac=52:54:00:12:34:56",
        "-nic", "user", NULL), 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), 0);
    assert_int_equal(o.ndrives, 2);
    assert_string_equal(o.drives[0].file, "a.img");
    assert_true(o.drives[0].readonly);
    assert_int_equal(o.drives[0].cache, CLI_CACHE_NONE);
    assert_true(o.drives[1].snapshot);
    /* Devices in command-line order; if=virtio (the default) adds one. */
    assert_int_equal(o.ndevices, 5);
    assert_int_equal(o.devices[0].kind, CLI_DEV_RNG);
    assert_int_equal(o.devices[1].kind, CLI_DEV_BLK);
    assert_int_equal(o.devices[1].drive, 0);
    assert_string_equal(o.devices[1].serial, "SN");
    assert_int_equal(o.devices[2].kind, CLI_DEV_BLK);
    assert_int_equal(o.devices[2].drive, 1);
    assert_int_equal(o.devices[3].kind, CLI_DEV_NET);
    assert_int_equal(o.devices[3].netdev, 0);
    assert_true(o.devices[3].has_mac);
    assert_int_equal(o.devices[3].mac[5], 0x56);
    assert_int_equal(o.netdevs[0].nhostfwd, 2);
    assert_string_equal(o.netdevs[0].hostfwd[0], "tcp:127.0.0.1:2222-:22");
    assert_int_equal(o.devices[4].kind, CLI_DEV_NET);
    assert_int_equal(o.devices[4].netdev, 1);

    expect_bad("format=qcow2 not supported", "-drive", "file=x,format=qcow2",
               NULL);
    expect_bad("file=FILE is required", "-drive", "if=none,id=d", NULL);
    expect_bad("if=none needs id", "-drive", "file=x,if=none", NULL);
    expect_bad("cache=unsafe not supported", "-drive", "file=x,cache=unsafe",
               NULL);
    expect_bad("readonly=maybe", "-drive", "file=x,readonly=maybe", NULL);
    expect_bad("unsupported property 'aio'", "-drive", "file=x,aio=native",
               NULL);
    expect_bad("unsupported device 'virtio-blk-pci'", "-device",
               "virtio-blk-pci,drive=d0", NULL);
    expect_bad("drive=ID is required", "-device", "virtio-blk-device", NULL);
    expect_bad("mac=zz", "-device", "virtio-net-device,netdev=n,mac=zz", NULL);
    expect_bad("only user", "-netdev", "tap,id=t0", NULL);
    expect_bad("id=ID is required", "-netdev", "user", NULL);
    expect_bad("duplicate id=d", "-drive", "file=x,if=none,id=d", "-drive",
               "file=y,if=none,id=d", NULL);
    expect_bad("too many virtio devices", "-device", "virtio-rng-device",
               "-device", "virtio-rng-device", "-device", "virtio-rng-device",
               "-device", "virtio-rng-device", "-device", "virtio-rng-device",
               "-device", "virtio-rng-device", "-device", "virtio-rng-device",
               "-device", "virtio-rng-device", "-device", "virtio-rng-device",
               NULL);
    /* References resolved by cli_check. */
    assert_int_equal(parse(&o, "-kernel", "k", "-device",
                           "virtio-blk-device,drive=nope", NULL), 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no -drive with id=nope"));
    assert_int_equal(parse(&o, "-kernel", "k", "-drive", "file=x,id=d0",
                           "-device", "virtio-blk-device,drive=d0", NULL), 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "already in use"));
    assert_int_equal(parse(&o, "-kernel", "k", "-device",
                           "virtio-net-device,netdev=n9", NULL), 0);
    assert_int_equal(cli_check(&o, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no -netdev with id=n9"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full_line),
        cmocka_unit_test(test_smp_forms),
        cmocka_unit_test(test_mem_forms),
        cmocka_unit_test(test_machine),
        cmocka_unit_test(test_misc_good),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_help_items),
        cmocka_unit_test(test_serial),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_chaos),
        cmocka_unit_test(test_virtio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * virt.c — assemble the virt board and start it (see virt.h).
 *
 * Boot plan, QEMU's conventions kept simple:
 *   -bios FILE    firmware: ELF at its addresses (start = its entry), else
 *                 raw at 0x80000000 (start = 0x80000000).
 *   -kernel FILE  ELF at its addresses; otherwise raw at the end of the
 *                 firmware rounded up to 2 MiB (0x80000000 with no firmware,
 *                 0x80200000 behind a firmware under 2 MiB, like QEMU); a
 *                 Linux Image (header magic "RSC\x05") no lower than RAM +
 *                 its text_offset, and its image_size kept free.
 *                 Without -bios it is also the start address.
 *   -initrd FILE  raw at kernel entry + min(RAM/2, 128 MiB) (QEMU's rule).
 *   FDT           built last (it names the initrd), placed by dtb_place,
 *                 and must not overlap an image.
 * -M virt,dumpdtb=FILE writes the tree (as built for this command line)
 * to FILE and exits 0 before anything runs, as QEMU does.
 * The ROM's reset vector then hands a0 = hartid, a1 = FDT, a2 = OpenSBI's
 * fw_dynamic_info (next stage = the kernel) to the start address.
 *
 * Machine reset (SiFive test 0x7777, vcpu/reset.c): virt_reset runs in the
 * reset's exclusive section: every device back to power-on, then the boot
 * ROM, the images and the FDT written again exactly as at boot (the image
 * files are read again; the rest of RAM keeps its contents, as on QEMU).
 */
#include "machine/virt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub/gdbstub.h"
#include "hw/hw.h"
#include "hw/virtio_devices.h"
#include "machine/bootrom.h"
#include "machine/fdt.h"
#include "machine/loader.h"
#include "softmmu/pmem.h"
#include "target/riscv/cpu.h"
#include "util/error.h"
#include "util/log.h"
#include "vcpu/vcpu.h"

#define MiB ((uint64_t)1 << 20)

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static bool overlaps(uint64_t a_lo, uint64_t a_hi, uint64_t b_lo,
                     uint64_t b_hi)
{
    return a_lo < b_hi && b_lo < a_hi;
}

static void check_add(int r, const char *what)
{
    if (r == -ENOMEM)       /* the host's limit (-m vs ulimit -v) */
        loom_resource_error("cannot map %s: %s", what, strerror(-r));
    if (r < 0)
        loom_fatal("cannot map %s: %s", what, strerror(-r));
}

/* The board, kept for the machine reset. */
struct virt_machine {
    struct cli_options o;
    struct pmem *pm;
    struct uart *uart;
    struct goldfish_rtc *rtc;
    struct clint *clint;
    struct plic *plic;
    struct virtio_dev *virtio[VIRTIO_MMIO_SLOTS];
};

/* The virtio-mmio slots: the first device of the command line takes the
 * highest slot (0x10008000, IRQ 8), the next one below it, as on QEMU
 * (its first virtio-mmio bus searched is the last created), so the first
 * disk is /dev/vda on both; the rest stay empty (DeviceID 0). */
static void build_virtio(const struct cli_options *o, struct pmem *pm,
                         struct virt_machine *m)
{
    char err[512];
    unsigned nics = 0;

    for (unsigned s = 0; s < VIRTIO_MMIO_SLOTS; s++) {
        uint64_t base = VIRTIO_MMIO_BASE + s * VIRTIO_MMIO_STRIDE;
        struct hw_irq irq = plic_irq(m->plic, VIRTIO_MMIO_IRQ0 + s);
        unsigned k = VIRTIO_MMIO_SLOTS - 1 - s;
        const struct cli_device *d = k < o->ndevices ? &o->devices[k] : NULL;

        if (!d) {
            m->virtio[s] = virtio_mmio_create(pm, base, irq, NULL, NULL);
            continue;
        }
        switch (d->kind) {
        case CLI_DEV_BLK: {
            const struct cli_drive *dr = &o->drives[d->drive];
            struct blk_opts bo = {
                .file = dr->file, .readonly = dr->readonly,
                .snapshot = dr->snapshot,
                .cache = dr->cache == CLI_CACHE_NONE ? BLK_CACHE_NONE
                                                     : BLK_CACHE_WRITEBACK,
            };
            struct blk *b = blk_open(&bo, err, sizeof(err));
            if (!b)
                loom_user_error("%s", err);
            m->virtio[s] = virtio_blk_create(pm, base, irq, b,
                    d->serial ? d->serial : dr->serial ? dr->serial : dr->id);
            break;
        }
        case CLI_DEV_RNG:
            m->virtio[s] = virtio_rng_create(pm, base, irq);
            break;
        case CLI_DEV_NET: {
            const struct cli_netdev *nd = &o->netdevs[d->netdev];
            /* QEMU's default MAC, the last byte counting the cards. */
            uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + nics++) };
            struct net *net = net_user_new((const char *const *)nd->hostfwd,
                                           nd->nhostfwd, err, sizeof(err));
            if (!net)
                loom_user_error("%s", err);
            m->virtio[s] = virtio_net_create(pm, base, irq, net,
                                             d->has_mac ? d->mac : mac);
            break;
        }
        }
    }
}

static struct pmem *build_map(const struct cli_options *o,
                              struct virt_machine *m)
{
    struct pmem *pm = pmem_new();
    struct chr *serial;
    char err[256];

    if (!pm)
        loom_resource_error("out of memory creating the physical map");
    if (pmem_add_ram(pm, VIRT_RAM_BASE, o->ram_size, "ram") < 0)
        loom_user_error("cannot allocate %" PRIu64 " MiB of guest RAM",
                        o->ram_size / MiB);
    check_add(pmem_add_rom(pm, BOOTROM_BASE, BOOTROM_SIZE, "mrom"), "mrom");

    serial = chr_open(&o->serial, err, sizeof(err));
    if (!serial)
        loom_user_error("%s", err);
    struct plic *plic = plic_create(pm, VIRT_PLIC_BASE, o->smp, NULL, NULL);
    m->plic = plic;
    m->uart = uart_create(pm, VIRT_UART_BASE, serial,
                          plic_irq(plic, VIRT_UART_IRQ));
    sifive_test_create(pm, VIRT_TEST_BASE);
    m->rtc = goldfish_rtc_create(pm, VIRT_RTC_BASE,
                                 plic_irq(plic, VIRT_RTC_IRQ));
    m->clint = clint_create(pm, VIRT_CLINT_BASE, o->smp);
    rv_rdtime = clint_mtime;
    build_virtio(o, pm, m);
    return pm;
}

static void load_or_die(struct pmem *pm, const char *path, uint64_t raw_addr,
                        struct loader_image *img)
{
    char err[512];
    if (loader_load_file(pm, path, raw_addr, img, err, sizeof(err)))
        loom_user_error("%s", err);
}

static void load_images(struct pmem *pm, const struct cli_options *o,
                        struct virt_boot_info *bi, uint64_t *images_end)
{
    struct loader_image fw = { 0 }, kern = { 0 };
    uint64_t fw_end = VIRT_RAM_BASE, end = VIRT_RAM_BASE;

    if (o->bios) {
        load_or_die(pm, o->bios, VIRT_RAM_BASE, &fw);
        bi->start = fw.entry;
        fw_end = end = fw.high;
    }
    if (o->kernel) {
        char err[512];
        if (loader_load_kernel(pm, o->kernel, VIRT_RAM_BASE,
                               align_up(fw_end, 2 * MiB), &kern, err,
                               sizeof(err)))
            loom_user_error("%s", err);
        if (o->bios && overlaps(fw.low, fw.high, kern.low, kern.high))
            loom_user_error("%s: kernel at 0x%" PRIx64 "..0x%" PRIx64
                            " overlaps the firmware %s", o->kernel,
                            kern.low, kern.high, o->bios);
        bi->kernel_entry = kern.entry;
        if (!o->bios)
            bi->start = kern.entry;
        if (kern.high > end)
            end = kern.high;
    }
    if (o->initrd) {
        uint64_t at = loader_initrd_addr(bi->kernel_entry, kern.high,
                                         o->ram_size);
        struct loader_image rd;
        char err[512];
        uint8_t *buf;
        size_t len;

        if (loader_read_file(o->initrd, &buf, &len, err, sizeof(err)))
            loom_user_error("%s: %s", o->initrd, err);
        if (loader_load_raw(pm, at, buf, len, &rd, err, sizeof(err)))
            loom_user_error("%s: %s", o->initrd, err);
        free(buf);
        bi->initrd_start = rd.low;
        bi->initrd_end = rd.high;
        if (rd.high > end)
            end = rd.high;
    }
    *images_end = end;
}

static void load_fdt(struct pmem *pm, const struct cli_options *o,
                     struct virt_boot_info *bi, uint64_t images_end)
{
    struct dtb_params p = {
        .nharts = o->smp,
        .ram_base = VIRT_RAM_BASE, .ram_size = o->ram_size,
        .isa = rv_isa_string(), .mmu_type = rv_mmu_type(),
        .bootargs = o->append,
        .initrd_start = bi->initrd_start, .initrd_end = bi->initrd_end,
        .clint_base = VIRT_CLINT_BASE, .uart_base = VIRT_UART_BASE,
        .test_base = VIRT_TEST_BASE,
        .plic_base = VIRT_PLIC_BASE, .plic_size = PLIC_SIZE,
        .plic_ndev = PLIC_NUM_SOURCES,
        .rtc_base = VIRT_RTC_BASE,
        .uart_irq = VIRT_UART_IRQ, .rtc_irq = VIRT_RTC_IRQ,
        .virtio_base = VIRTIO_MMIO_BASE, .virtio_slots = VIRTIO_MMIO_SLOTS,
        .virtio_irq0 = VIRTIO_MMIO_IRQ0,
    };
    char err[256];
    void *blob = dtb_build(&p, &bi->fdt_size, err, sizeof(err));

    if (!blob)
        loom_fatal("%s", err);
    /* Every exit below frees the blob first: exit() runs LeakSanitizer. */
    if (o->dumpdtb) {
        FILE *f = fopen(o->dumpdtb, "wb");
        bool ok = f && fwrite(blob, 1, bi->fdt_size, f) == bi->fdt_size;
        int e = errno;
        ok = (f && !fclose(f)) && ok;
        free(blob);
        if (!ok)
            loom_user_error("dumpdtb=%s: cannot write: %s", o->dumpdtb,
                            strerror(e));
        loom_exit(0);
    }
    bi->fdt_addr = dtb_place(VIRT_RAM_BASE, o->ram_size, bi->fdt_size);
    if (!bi->fdt_addr || bi->fdt_addr < images_end) {
        free(blob);
        loom_user_error("not enough RAM (-m %" PRIu64 "M) to place the "
                        "device tree above the images (they end at 0x%"
                        PRIx64 ")", o->ram_size / MiB, images_end);
    }
    if (pmem_load(pm, bi->fdt_addr, blob, bi->fdt_size) < 0)
        loom_fatal("device tree at 0x%" PRIx64 " not in RAM", bi->fdt_addr);
    free(blob);
}

/* Write the boot ROM, images and FDT into memory (boot and reset). */
static void load_all(struct pmem *pm, const struct cli_options *o,
                     struct virt_boot_info *bi)
{
    uint8_t rom[BOOTROM_LEN];
    uint64_t images_end;

    *bi = (struct virt_boot_info){ 0 };
    load_images(pm, o, bi, &images_end);
    load_fdt(pm, o, bi, images_end);
    bootrom_build(rom, bi->start, bi->fdt_addr, bi->kernel_entry);
    if (pmem_load(pm, BOOTROM_BASE, rom, sizeof(rom)) < 0)
        loom_fatal("boot ROM not mapped");
}

/* Listen before anything runs: a busy port or a bad address is a user
 * error (exit 2).  Any address but loopback lets anyone who reaches it
 * control the guest (and read its memory): say so. */
static void gdb_open(const struct cli_options *o)
{
    char err[320];
    unsigned port;

    if (gdb_listen(o->gdb_host, o->gdb_port, &port, err, sizeof(err)))
        loom_user_error("%s", err);
    if (strcmp(o->gdb_host, "127.0.0.1") && strcmp(o->gdb_host, "::1") &&
        strcmp(o->gdb_host, "localhost"))
        loom_warn("gdbstub listening on %s:%u: anyone who can reach it "
                  "controls the guest", o->gdb_host, port);
    if (o->gdb_port == 0) {
        fprintf(stderr, "loom: gdbstub listening on tcp:%s:%u\n",
                o->gdb_host, port);
        fflush(stderr);
    }
}

/* vcpu_reset_fn: exclusive context, no vCPU in guest code. */
static void virt_reset(void *opaque)
{
    struct virt_machine *m = opaque;
    struct virt_boot_info bi;

    /* The PLIC last: the UART, RTC and virtio devices lower its inputs
     * first. */
    uart_reset(m->uart);
    goldfish_rtc_reset(m->rtc);
    clint_reset(m->clint);
    for (unsigned s = 0; s < VIRTIO_MMIO_SLOTS; s++)
        virtio_mmio_reset(m->virtio[s]);
    plic_reset(m->plic);
    load_all(m->pm, &m->o, &bi);
}

void virt_boot(const struct cli_options *o)
{
    struct virt_boot_info bi;
    struct vcpu_config cfg = {
        .smp = o->smp, .single_thread = o->single_thread,
        .tb_size = o->tb_size,
        .chaos = o->chaos, .chaos_seed = o->chaos_seed,
    };
    struct virt_machine *m = calloc(1, sizeof(*m));

    if (!m)
        loom_resource_error("out of memory creating the board");
    m->o = *o;
    if (o->gdb_listen)
        gdb_open(o);
    m->pm = build_map(o, m);
    load_all(m->pm, o, &bi);
    if (log_enabled(LOG_INT))
        log_printf("virt: start 0x%" PRIx64 " kernel 0x%" PRIx64
                   " initrd 0x%" PRIx64 "..0x%" PRIx64 " fdt 0x%" PRIx64
                   " (%zu bytes)\n", bi.start, bi.kernel_entry,
                   bi.initrd_start, bi.initrd_end, bi.fdt_addr, bi.fdt_size);

    vcpu_system_init(&cfg, m->pm);
    vcpu_set_reset_handler(virt_reset, m);
    if (o->gdb_listen)
        gdb_start(o->gdb_wait);
    vcpu_run();
}

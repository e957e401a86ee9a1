/* test_loader.c — ELF and raw loading into a real struct pmem: valid
 * images land at p_paddr with their bss zeroed; malformed ones are refused
 * with a reason and (header errors) without touching memory. */
#include <elf.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "machine/bootrom.h"
#include "machine/loader.h"
#include "softmmu/pmem.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16ull << 20)
#define ROM_BASE 0x1000ull
#define ROM_SIZE 0x1000ull

/* A two-segment image: text (16 bytes of 0xAA) at RAM_BASE, data (8 bytes
 * of 0xBB + 24 bytes bss) at RAM_BASE + 0x1000. */
struct img {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[2];
    uint8_t text[16];
    uint8_t data[8];
};

static void make_img(struct img *m)
{
    memset(m, 0, sizeof(*m));
    memcpy(m->eh.e_ident, ELFMAG, SELFMAG);
    m->eh.e_ident[EI_CLASS] = ELFCLASS64;
    m->eh.e_ident[EI_DATA] = ELFDATA2LSB;
    m->eh.e_ident[EI_VERSION] = EV_CURRENT;
    m->eh.e_type = ET_EXEC;
    m->eh.e_machine = EM_RISCV;
    m->eh.e_version = EV_CURRENT;
    m->eh.e_entry = RAM_BASE + 4;
    m->eh.e_phoff = offsetof(struct img, ph);
    m->eh.e_ehsize = sizeof(Elf64_Ehdr);
    m->eh.e_phentsize = sizeof(Elf64_Phdr);
    m->eh.e_phnum = 2;
    m->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = offsetof(struct img, text),
                             .p_vaddr = 0xffffffff80000000ull, .p_paddr = RAM_BASE,
                             .p_filesz = 16, .p_memsz = 16 };
    m->ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = offsetof(struct img, data),
                             .p_paddr = RAM_BASE + 0x1000, .p_filesz = 8, .p_memsz = 32 };
    memset(m->text, 0xaa, sizeof(m->text));
    memset(m->data, 0xbb, sizeof(m->data));
}

static int setup(void **state)
{
    struct pmem *pm = pmem_new();
    assert_non_null(pm);
    assert_int_equal(pmem_add_ram(pm, RAM_BASE, RAM_SIZE, "ram"), 0);
    assert_int_equal(pmem_add_rom(pm, ROM_BASE, ROM_SIZE, "rom"), 0);
    *state = pm;
    return 0;
}

static int teardown(void **state)
{
    pmem_free(*state);
    return 0;
}

static char err[256];

static uint8_t *ram(struct pmem *pm, uint64_t pa)
{
    uint8_t *p = pmem_host_ptr(pm, pa, 1);
    assert_non_null(p);
    return p;
}

static void test_valid(void **state)
{
    struct pmem *pm = *state;
    struct img m;
    struct loader_image li;

    make_img(&m);
    /* Dirty the bss first: the loader must zero it. */
    memset(ram(pm, RAM_BASE + 0x1000), 0xcc, 64);
    assert_int_equal(loader_load_elf(pm, (uint8_t *)&m, sizeof(m), &li,
                                     err, sizeof(err)), 0);
    assert_true(li.is_elf);
    assert_int_equal(li.entry, RAM_BASE + 4);
    assert_int_equal(li.low, RAM_BASE);
    assert_int_equal(li.high, RAM_BASE + 0x1000 + 32);
    uint8_t *t = ram(pm, RAM_BASE), *d = ram(pm, RAM_BASE + 0x1000);
    for (int i = 0; i < 16; i++)
        assert_int_equal(t[i], 0xaa);
    for (int i = 0; i < 8; i++)
        assert_int_equal(d[i], 0xbb);
    for (int i = 8; i < 32; i++)
        assert_int_equal(d[i], 0);
    assert_int_equal(d[32], 0xcc);      /* past memsz: untouched */
}

/* Load a corrupted image; expect -1, `why` in the message, RAM untouched. */
static void expect_bad(struct pmem *pm, const struct img *m, size_t len,
                       const char *why)
{
    struct loader_image li;
    memset(ram(pm, RAM_BASE), 0x11, 16);
    assert_int_equal(loader_load_elf(pm, (const uint8_t *)m, len, &li,
                                     err, sizeof(err)), -1);
    if (!strstr(err, why))
        fail_msg("expected '%s' in '%s'", why, err);
    assert_int_equal(ram(pm, RAM_BASE)[0], 0x11);
}

static void test_bad_headers(void **state)
{
    struct pmem *pm = *state;
    struct img m;

    make_img(&m); m.eh.e_ident[1] = 'X';
    expect_bad(pm, &m, sizeof(m), "bad magic");
    make_img(&m); m.eh.e_ident[EI_CLASS] = ELFCLASS32;
    expect_bad(pm, &m, sizeof(m), "64-bit");
    make_img(&m); m.eh.e_ident[EI_DATA] = ELFDATA2MSB;
    expect_bad(pm, &m, sizeof(m), "little-endian");
    make_img(&m); m.eh.e_machine = EM_X86_64;
    expect_bad(pm, &m, sizeof(m), "wrong architecture");
    make_img(&m); m.eh.e_version = 7;
    expect_bad(pm, &m, sizeof(m), "version");
    make_img(&m); m.eh.e_type = ET_REL;
    expect_bad(pm, &m, sizeof(m), "not an executable");
    make_img(&m); m.eh.e_phentsize = 40;
    expect_bad(pm, &m, sizeof(m), "program header size");
    make_img(&m); m.eh.e_phnum = 0;
    expect_bad(pm, &m, sizeof(m), "program header count");
    make_img(&m); m.eh.e_phoff = 0xfffffffffffffff0ull;
    expect_bad(pm, &m, sizeof(m), "truncated");
    make_img(&m); m.ph[1].p_memsz = 4;
    expect_bad(pm, &m, sizeof(m), "file size exceeds");
    make_img(&m); m.ph[0].p_type = PT_NULL; m.ph[1].p_type = PT_NOTE;
    expect_bad(pm, &m, sizeof(m), "no loadable segments");
}

static void test_truncated(void **state)
{
    struct pmem *pm = *state;
    struct img m;

    make_img(&m);
    expect_bad(pm, &m, 3, "bad magic");
    expect_bad(pm, &m, 40, "truncated");
    expect_bad(pm, &m, offsetof(struct img, ph) + sizeof(Elf64_Phdr),
               "truncated");
    /* Headers complete, last segment's bytes cut off. */
    expect_bad(pm, &m, sizeof(m) - 1, "truncated");
    make_img(&m); m.ph[0].p_offset = UINT64_MAX - 4;
    expect_bad(pm, &m, sizeof(m), "truncated");
}

static void test_outside_ram(void **state)
{
    struct pmem *pm = *state;
    struct img m;
    struct loader_image li;

    make_img(&m); m.ph[0].p_paddr = 0x40000000;        /* nothing there */
    expect_bad(pm, &m, sizeof(m), "outside guest RAM");
    make_img(&m); m.ph[1].p_paddr = RAM_BASE + RAM_SIZE - 16;  /* bss spills */
    assert_int_equal(loader_load_elf(pm, (uint8_t *)&m, sizeof(m), &li,
                                     err, sizeof(err)), -1);
    assert_non_null(strstr(err, "segment 1"));
    make_img(&m); m.ph[1].p_paddr = UINT64_MAX - 8;    /* wraps */
    expect_bad(pm, &m, sizeof(m), "wraps");
    /* The ROM is a valid target for loaders, past the reset vector ... */
    make_img(&m); m.ph[1].p_paddr = ROM_BASE + BOOTROM_LEN;
    assert_int_equal(loader_load_elf(pm, (uint8_t *)&m, sizeof(m), &li,
                                     err, sizeof(err)), 0);
    assert_int_equal(ram(pm, ROM_BASE + BOOTROM_LEN)[0], 0xbb);
    /* ... but not over it (QEMU refuses the overlap too): nothing
     * written. */
    make_img(&m); m.ph[1].p_paddr = ROM_BASE + BOOTROM_LEN - 8;
    expect_bad(pm, &m, sizeof(m), "overlaps the boot ROM's reset vector");
    make_img(&m); m.ph[1].p_paddr = ROM_BASE - 16;    /* bss reaches it */
    expect_bad(pm, &m, sizeof(m), "reset vector");
}

/* The entry point must lie in a loaded segment: by virtual address (then
 * translated to the physical one), or by physical address. */
static void test_entry(void **state)
{
    struct pmem *pm = *state;
    struct img m;
    struct loader_image li;

    make_img(&m); m.eh.e_entry = 0xffffffff80000008ull;   /* vmlinux-like */
    assert_int_equal(loader_load_elf(pm, (uint8_t *)&m, sizeof(m), &li,
                                     err, sizeof(err)), 0);
    assert_int_equal(li.entry, RAM_BASE + 8);
    make_img(&m); m.eh.e_entry = RAM_BASE + 0x1000 + 31;  /* last bss byte */
    assert_int_equal(loader_load_elf(pm, (uint8_t *)&m, sizeof(m), &li,
                                     err, sizeof(err)), 0);
    assert_int_equal(li.entry, RAM_BASE + 0x1000 + 31);
    make_img(&m); m.eh.e_entry = RAM_BASE + 16;           /* just past text */
    assert_int_equal(loader_load_elf(pm, (uint8_t *)&m, sizeof(m), &li,
                                     err, sizeof(err)), -1);
    assert_non_null(strstr(err, "entry point 0x80000010 lies outside"));
    make_img(&m); m.eh.e_entry = 0x40000000;              /* not RAM */
    assert_int_equal(loader_load_elf(pm, (uint8_t *)&m, sizeof(m), &li,
                                     err, sizeof(err)), -1);
    assert_non_null(strstr(err, "entry point"));
}

/* `ld -Ttext=0x80000000` puts the headers in the first PT_LOAD, a page below
 * RAM: the header page is skipped, the text loads; a non-zero byte in the
 * padding makes the same image an error. */
static void test_header_page(void **state)
{
    struct pmem *pm = *state;
    struct loader_image li;
    size_t len = 0x1000 + 16;
    uint8_t *buf = calloc(1, len);
    struct img m;

    assert_non_null(buf);
    make_img(&m);
    m.eh.e_phnum = 1;
    m.ph[0].p_offset = 0;
    m.ph[0].p_paddr = RAM_BASE - 0x1000;
    m.ph[0].p_filesz = m.ph[0].p_memsz = len;
    memcpy(buf, &m, offsetof(struct img, ph[1]));
    memset(buf + 0x1000, 0x77, 16);
    assert_int_equal(loader_load_elf(pm, buf, len, &li, err, sizeof(err)), 0);
    assert_int_equal(li.low, RAM_BASE);
    assert_int_equal(li.high, RAM_BASE + 16);
    assert_int_equal(ram(pm, RAM_BASE)[0], 0x77);
    assert_int_equal(ram(pm, RAM_BASE + 15)[0], 0x77);

    buf[0x800] = 1;
    assert_int_equal(loader_load_elf(pm, buf, len, &li, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "outside guest RAM"));
    free(buf);
}

static void test_raw_and_file(void **state)
{
    struct pmem *pm = *state;
    struct loader_image li;
    char path[] = "/tmp/loom-test-loader-XXXXXX";
    uint8_t blob[100];
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    memset(blob, 0x5a, sizeof(blob));
    assert_int_equal(write(fd, blob, sizeof(blob)), (ssize_t)sizeof(blob));
    close(fd);
    /* Not ELF: raw at the given address. */
    assert_int_equal(loader_load_file(pm, path, RAM_BASE + 0x2000, &li, err,
                                      sizeof(err)), 0);
    assert_false(li.is_elf);
    assert_int_equal(li.entry, RAM_BASE + 0x2000);
    assert_int_equal(li.high, RAM_BASE + 0x2000 + sizeof(blob));
    assert_int_equal(ram(pm, RAM_BASE + 0x2000 + 99)[0], 0x5a);
    /* Raw image crossing the end of RAM. */
    assert_int_equal(loader_load_file(pm, path, RAM_BASE + RAM_SIZE - 50, &li,
                                      err, sizeof(err)), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "does not fit"));

    /* An ELF file goes through the ELF path, and errors name the file. */
    struct img m;
    make_img(&m); m.eh.e_machine = EM_AARCH64;
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, &m, sizeof(m)), (ssize_t)sizeof(m));
    close(fd);
    assert_int_equal(loader_load_file(pm, path, RAM_BASE, &li, err,
                                      sizeof(err)), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "wrong architecture"));
    unlink(path);

    /* Missing file and empty file. */
    assert_int_equal(loader_load_file(pm, path, RAM_BASE, &li, err,
                                      sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot open"));
    assert_int_equal(loader_load_file(pm, "/", RAM_BASE, &li, err,
                                      sizeof(err)), -1);
    assert_non_null(strstr(err, "not a regular file"));
    assert_int_equal(loader_load_raw(pm, RAM_BASE, blob, 0, &li, err,
                                     sizeof(err)), -1);
    assert_non_null(strstr(err, "empty"));
}

/* A Linux Image header: text_offset, image_size, magic2 "RSC\x05". */
static void make_linux_image(uint8_t *buf, size_t len, uint64_t text_offset,
                             uint64_t image_size)
{
    memset(buf, 0x11, len);
    for (int i = 0; i < 8; i++) {
        buf[0x8 + i] = (uint8_t)(text_offset >> (8 * i));
        buf[0x10 + i] = (uint8_t)(image_size >> (8 * i));
    }
    memcpy(buf + 0x30, "RISCV\0\0\0", 8);
    memcpy(buf + 0x38, "RSC\x05", 4);
}

static void write_file(const char *path, const void *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);
}

static void test_image_header(void **state)
{
    (void)state;
    uint8_t buf[0x100];
    struct loader_image_hdr h;

    make_linux_image(buf, sizeof(buf), 0x200000, 0x1234000);
    assert_true(loader_parse_image_hdr(buf, sizeof(buf), &h));
    assert_int_equal(h.text_offset, 0x200000);
    assert_int_equal(h.image_size, 0x1234000);
    /* Too short for the magic, or a wrong magic: not an Image. */
    assert_false(loader_parse_image_hdr(buf, 0x3b, &h));
    buf[0x3b] = 0x06;
    assert_false(loader_parse_image_hdr(buf, sizeof(buf), &h));
}

static void test_load_kernel(void **state)
{
    struct pmem *pm = *state;
    struct loader_image li;
    char path[] = "/tmp/loom-test-kernel-XXXXXX";
    uint8_t buf[0x1000];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);

    /* An Image behind a small firmware: RAM + text_offset (2 MiB), and its
     * high end covers image_size. */
    make_linux_image(buf, sizeof(buf), 0x200000, 0x300000);
    write_file(path, buf, sizeof(buf));
    assert_int_equal(loader_load_kernel(pm, path, RAM_BASE, RAM_BASE + 0x200000,
                                        &li, err, sizeof(err)), 0);
    assert_false(li.is_elf);
    assert_int_equal(li.entry, RAM_BASE + 0x200000);
    assert_int_equal(li.low, RAM_BASE + 0x200000);
    assert_int_equal(li.high, RAM_BASE + 0x500000);
    assert_int_equal(ram(pm, RAM_BASE + 0x200000 + 0x38)[0], 'R');
    /* Without firmware the minimum is RAM itself: text_offset still
     * applies. */
    assert_int_equal(loader_load_kernel(pm, path, RAM_BASE, RAM_BASE, &li,
                                        err, sizeof(err)), 0);
    assert_int_equal(li.entry, RAM_BASE + 0x200000);
    /* A firmware larger than text_offset pushes it up. */
    assert_int_equal(loader_load_kernel(pm, path, RAM_BASE, RAM_BASE + 0x400000,
                                        &li, err, sizeof(err)), 0);
    assert_int_equal(li.entry, RAM_BASE + 0x400000);
    /* image_size smaller than the file: the file's end counts. */
    make_linux_image(buf, sizeof(buf), 0, 0x10);
    write_file(path, buf, sizeof(buf));
    assert_int_equal(loader_load_kernel(pm, path, RAM_BASE, RAM_BASE + 0x200000,
                                        &li, err, sizeof(err)), 0);
    assert_int_equal(li.entry, RAM_BASE + 0x200000);
    assert_int_equal(li.high, RAM_BASE + 0x200000 + sizeof(buf));
    /* No header: raw at the minimum address (U-Boot's u-boot.bin). */
    memset(buf, 0x22, sizeof(buf));
    write_file(path, buf, sizeof(buf));
    assert_int_equal(loader_load_kernel(pm, path, RAM_BASE, RAM_BASE + 0x200000,
                                        &li, err, sizeof(err)), 0);
    assert_int_equal(li.entry, RAM_BASE + 0x200000);
    assert_int_equal(li.high, RAM_BASE + 0x200000 + sizeof(buf));
    /* Errors name the file. */
    assert_int_equal(loader_load_kernel(pm, path, RAM_BASE,
                                        RAM_BASE + RAM_SIZE - 16, &li, err,
                                        sizeof(err)), -1);
    assert_non_null(strstr(err, path));
    unlink(path);
}

static void test_initrd_addr(void **state)
{
    (void)state;
    const uint64_t k = 0x80200000, mib = 1ull << 20;
    /* Under 256 MiB of RAM: halfway in; from 256 MiB on: 128 MiB in. */
    assert_int_equal(loader_initrd_addr(k, k + mib, 128 * mib), k + 64 * mib);
    assert_int_equal(loader_initrd_addr(k, k + mib, 256 * mib), k + 128 * mib);
    assert_int_equal(loader_initrd_addr(k, k + mib, 4096 * mib), k + 128 * mib);
    /* Never inside the kernel image; page aligned. */
    assert_int_equal(loader_initrd_addr(k, k + 80 * mib + 1, 128 * mib),
                     k + 80 * mib + 4096);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outside_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_and_file, setup, teardown),
        cmocka_unit_test(test_image_header),
        cmocka_unit_test(test_initrd_addr),
        cmocka_unit_test_setup_teardown(test_load_kernel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

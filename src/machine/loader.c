/*
 * loader.c — ELF64 and raw image loading into guest physical memory.
 *
 * Contract (loader.h): images are untrusted input.  Every header field used
 * for an offset or size is bounds-checked against the file before use (with
 * overflow-safe arithmetic), so a truncated or hostile file gives an error
 * line, never a crash.  Segments load at their physical address (p_paddr),
 * as QEMU does for firmware and bare-metal kernels; the bytes between
 * p_filesz and p_memsz are zeroed explicitly because a later segment may
 * overlap RAM an earlier one wrote.  One tolerance: a leading segment
 * prefix holding only the ELF headers and zero padding (the -Ttext linker
 * artefact, see header_prefix) is skipped when it falls outside memory.
 */
#include "util/error.h"
#include "machine/loader.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine/bootrom.h"
#include "util/compiler.h"

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

int loader_read_file(const char *path, uint8_t **bufp, size_t *lenp,
                     char *err, size_t n)
{
    struct stat st;
    uint8_t *buf;
    size_t done = 0;
    /* O_NONBLOCK: opening a FIFO (or a tty, a device) must not wait for
     * a writer before the regular-file check below refuses it.  Regular
     * files ignore the flag. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

    if (fd < 0)
        return loom_errorf(err, n, "cannot open: %s", strerror(errno));
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return loom_errorf(err, n, "cannot read: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return loom_errorf(err, n, "cannot read: not a regular file");
    }
    if ((uint64_t)st.st_size > LOADER_MAX_FILE) {
        close(fd);
        return loom_errorf(err, n, "image too large (%" PRIu64 " bytes)",
                    (uint64_t)st.st_size);
    }
    buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    if (!buf) {
        close(fd);
        return loom_errorf(err, n, "out of memory reading the image");
    }
    while (done < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + done, (size_t)st.st_size - done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : EIO;
            free(buf);
            close(fd);
            return loom_errorf(err, n, "read error: %s", strerror(e));
        }
        done += (size_t)r;
    }
    close(fd);
    *bufp = buf;
    *lenp = done;
    return 0;
}

bool loader_is_elf(const uint8_t *buf, size_t len)
{
    return len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG);
}

/* [off, off+size) lies within a buffer of len bytes (no overflow). */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
    return off <= len && size <= len - off;
}

static int check_ehdr(const Elf64_Ehdr *eh, size_t len, char *err, size_t n)
{
    if (eh->e_ident[EI_CLASS] != ELFCLASS64)
        return loom_errorf(err, n, "not a 64-bit ELF (RV64 expected)");
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return loom_errorf(err, n, "not a little-endian ELF");
    if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
        return loom_errorf(err, n, "unsupported ELF version");
    if (eh->e_machine != EM_RISCV)
        return loom_errorf(err, n, "wrong architecture (ELF machine %u, RISC-V "
                    "expected)", eh->e_machine);
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return loom_errorf(err, n, "not an executable ELF (type %u)", eh->e_type);
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return loom_errorf(err, n, "bad program header size %u", eh->e_phentsize);
    if (eh->e_phnum == 0 || eh->e_phnum > LOADER_MAX_PHNUM)
        return loom_errorf(err, n, "bad program header count %u", eh->e_phnum);
    if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), len))
        return loom_errorf(err, n, "truncated (program headers beyond end of file)");
    return 0;
}

static int check_phdr(const Elf64_Phdr *ph, unsigned i, size_t len,
                      char *err, size_t n)
{
    if (!in_file(ph->p_offset, ph->p_filesz, len))
        return loom_errorf(err, n, "truncated (segment %u beyond end of file)", i);
    if (ph->p_filesz > ph->p_memsz)
        return loom_errorf(err, n, "segment %u: file size exceeds memory size", i);
    if (ph->p_paddr + ph->p_memsz < ph->p_paddr)
        return loom_errorf(err, n, "segment %u: address range wraps", i);
    return 0;
}

/*
 * A program linked with only -Ttext=ADDR gets the ELF and program headers in
 * its first PT_LOAD, starting a page below ADDR, i.e. usually outside RAM.
 * QEMU silently drops what it cannot place; we skip such a prefix only when
 * it provably holds nothing but the headers and zero padding, up to a page
 * boundary.  Returns the bytes to skip (0: load the segment whole).
 */
static uint64_t header_prefix(const uint8_t *buf, const Elf64_Ehdr *eh,
                              const Elf64_Phdr *ph)
{
    uint64_t hdr_end = eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr);
    uint64_t skip;

    if (ph->p_offset != 0 || hdr_end < sizeof(*eh))
        return 0;
    skip = ((ph->p_paddr + hdr_end + 4095) & ~4095ull) - ph->p_paddr;
    if (skip >= ph->p_filesz)
        return 0;
    for (uint64_t i = hdr_end; i < skip; i++)
        if (buf[i])
            return 0;
    return skip;
}

int loader_load_elf(struct pmem *pm, const uint8_t *buf, size_t len,
                    struct loader_image *img, char *err, size_t n)
{
    Elf64_Ehdr eh;
    uint64_t low = UINT64_MAX, high = 0;
    unsigned nload = 0;

    if (!loader_is_elf(buf, len))
        return loom_errorf(err, n, "not an ELF file (bad magic)");
    if (len < sizeof(eh))
        return loom_errorf(err, n, "truncated (ELF header)");
    memcpy(&eh, buf, sizeof(eh));
    if (check_ehdr(&eh, len, err, n))
        return -1;

    /* Validate every header before writing anything.  The entry point
     * must lie in a segment (else every hart would loop on fetch faults,
     * silently): a virtual entry (a vmlinux's) is translated to its
     * segment's physical address, where the harts start with no MMU (QEMU
     * starts a vmlinux there too); else it must lie in a segment's
     * physical range.  Reported after the segment checks. */
    uint64_t entry = 0;
    bool entry_found = false, entry_phys = false;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD)
            continue;
        if (check_phdr(&ph, i, len, err, n))
            return -1;
        /* QEMU refuses an image over its reset vector ("rom: requested
         * regions overlap"); writing it would be silently undone. */
        if (ph.p_memsz && ph.p_paddr < BOOTROM_BASE + BOOTROM_LEN &&
            ph.p_paddr + ph.p_memsz > BOOTROM_BASE)
            return loom_errorf(err, n, "segment %u at 0x%" PRIx64 "..0x%"
                               PRIx64 " overlaps the boot ROM's reset vector"
                               " (0x%llx..0x%llx)", i, ph.p_paddr,
                               ph.p_paddr + ph.p_memsz,
                               (unsigned long long)BOOTROM_BASE,
                               (unsigned long long)(BOOTROM_BASE +
                                                    BOOTROM_LEN));
        if (!entry_found && ph.p_memsz && eh.e_entry >= ph.p_vaddr &&
            eh.e_entry - ph.p_vaddr < ph.p_memsz) {
            entry = ph.p_paddr + (eh.e_entry - ph.p_vaddr);
            entry_found = true;
        }
        if (ph.p_memsz && eh.e_entry >= ph.p_paddr &&
            eh.e_entry - ph.p_paddr < ph.p_memsz)
            entry_phys = true;
    }
    if (!entry_found && entry_phys) {
        entry = eh.e_entry;
        entry_found = true;
    }

    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (!pmem_host_ptr(pm, ph.p_paddr, ph.p_memsz)) {
            uint64_t skip = header_prefix(buf, &eh, &ph);
            ph.p_offset += skip;
            ph.p_paddr += skip;
            ph.p_filesz -= skip;
            ph.p_memsz -= skip;
        }
        /* pmem_load checks the whole [paddr, paddr+filesz); the host
         * pointer covers the bss too, so one test rejects both. */
        uint8_t *host = pmem_host_ptr(pm, ph.p_paddr, ph.p_memsz);
        if (!host || pmem_load(pm, ph.p_paddr, buf + ph.p_offset,
                               ph.p_filesz) < 0)
            return loom_errorf(err, n, "segment %u at 0x%" PRIx64 "..0x%" PRIx64
                        " lies outside guest RAM/ROM", i, ph.p_paddr,
                        ph.p_paddr + ph.p_memsz);
        memset(host + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
        if (ph.p_paddr < low)
            low = ph.p_paddr;
        if (ph.p_paddr + ph.p_memsz > high)
            high = ph.p_paddr + ph.p_memsz;
        nload++;
    }
    if (!nload)
        return loom_errorf(err, n, "no loadable segments");
    if (!entry_found)
        return loom_errorf(err, n, "entry point 0x%" PRIx64 " lies outside "
                           "every loadable segment", eh.e_entry);
    img->entry = entry;
    img->low = low;
    img->high = high;
    img->is_elf = true;
    return 0;
}

int loader_load_raw(struct pmem *pm, uint64_t addr, const uint8_t *buf,
                    size_t len, struct loader_image *img, char *err, size_t n)
{
    if (len == 0)
        return loom_errorf(err, n, "empty image");
    if (pmem_load(pm, addr, buf, len) < 0)
        return loom_errorf(err, n, "image of %zu bytes at 0x%" PRIx64 " does not "
                    "fit in guest RAM", len, addr);
    img->entry = addr;
    img->low = addr;
    img->high = addr + len;
    img->is_elf = false;
    return 0;
}

int loader_load_file(struct pmem *pm, const char *path, uint64_t raw_addr,
                     struct loader_image *img, char *err, size_t n)
{
    char why[160];
    uint8_t *buf;
    size_t len;
    int r = loader_read_file(path, &buf, &len, why, sizeof(why));

    if (r == 0) {
        if (loader_is_elf(buf, len))
            r = loader_load_elf(pm, buf, len, img, why, sizeof(why));
        else
            r = loader_load_raw(pm, raw_addr, buf, len, img, why, sizeof(why));
        free(buf);
    }
    if (r)
        loom_errorf(err, n, "%s: %s", path, why);
    return r;
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

bool loader_parse_image_hdr(const uint8_t *buf, size_t len,
                            struct loader_image_hdr *hdr)
{
    if (len < LOADER_IMAGE_MAGIC2_OFF + 4 ||
        get_le(buf + LOADER_IMAGE_MAGIC2_OFF, 4) != LOADER_IMAGE_MAGIC2)
        return false;
    hdr->text_offset = get_le(buf + 0x8, 8);
    hdr->image_size = get_le(buf + 0x10, 8);
    return true;
}

int loader_load_kernel(struct pmem *pm, const char *path, uint64_t ram_base,
                       uint64_t min_addr, struct loader_image *img,
                       char *err, size_t n)
{
    struct loader_image_hdr hdr;
    char why[160];
    uint8_t *buf;
    size_t len;
    int r = loader_read_file(path, &buf, &len, why, sizeof(why));

    if (r == 0) {
        if (loader_is_elf(buf, len)) {
            r = loader_load_elf(pm, buf, len, img, why, sizeof(why));
        } else if (loader_parse_image_hdr(buf, len, &hdr)) {
            uint64_t at = ram_base + hdr.text_offset;
            if (hdr.text_offset > UINT64_MAX - ram_base || at < min_addr)
                at = min_addr;
            r = loader_load_raw(pm, at, buf, len, img, why, sizeof(why));
            /* The kernel will use image_size bytes: keep them free. */
            if (!r && hdr.image_size > len &&
                at + hdr.image_size > at)
                img->high = at + hdr.image_size;
        } else {
            r = loader_load_raw(pm, min_addr, buf, len, img, why,
                                sizeof(why));
        }
        free(buf);
    }
    if (r)
        loom_errorf(err, n, "%s: %s", path, why);
    return r;
}

uint64_t loader_initrd_addr(uint64_t kernel_entry, uint64_t kernel_high,
                            uint64_t ram_size)
{
    const uint64_t cap = 128ull << 20, page = 4096;
    uint64_t at = kernel_entry + (ram_size / 2 < cap ? ram_size / 2 : cap);

    if (at < kernel_high)
        at = kernel_high;
    return (at + page - 1) & ~(page - 1);
}

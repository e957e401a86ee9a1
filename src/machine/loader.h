/*
 * loader.h — put firmware, kernel and initrd images into guest memory.
 *
 * Every function returns 0 or -1 with one line in err[errlen] that names the
 * reason (the caller prefixes the file name and turns it into
 * loom_user_error); nothing here prints or exits.
 */
#ifndef LOOM_MACHINE_LOADER_H
#define LOOM_MACHINE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "softmmu/pmem.h"

#define LOADER_MAX_FILE  (1ull << 32)   /* refuse images above 4 GiB */
#define LOADER_MAX_PHNUM 1024

struct loader_image {
    uint64_t entry;       /* ELF: e_entry at its segment's physical address
                           * (vaddr → paddr); raw images: the load address */
    uint64_t low, high;   /* guest physical [low, high) written */
    bool is_elf;
};

/* Read a whole file into a malloc'd buffer (*len may be 0). */
int loader_read_file(const char *path, uint8_t **buf, size_t *len,
                     char *err, size_t errlen);

/* True if buf starts with the ELF magic (then it must load as an ELF). */
bool loader_is_elf(const uint8_t *buf, size_t len);

/* Validate an ELF64 little-endian RISC-V executable and copy its PT_LOAD
 * segments to their p_paddr, zeroing each segment's bss part.  Nothing is
 * written unless every header check passes (a segment over the boot ROM's
 * reset vector is refused there); a segment outside RAM/ROM, or an entry
 * point outside every loaded segment, fails after the segments before it
 * were written. */
int loader_load_elf(struct pmem *pm, const uint8_t *buf, size_t len,
                    struct loader_image *img, char *err, size_t errlen);

/* Copy a raw image to addr. */
int loader_load_raw(struct pmem *pm, uint64_t addr, const uint8_t *buf,
                    size_t len, struct loader_image *img,
                    char *err, size_t errlen);

/* Read path and load it: as an ELF if it has the ELF magic, else raw at
 * raw_addr.  The message in err starts with the path. */
int loader_load_file(struct pmem *pm, const char *path, uint64_t raw_addr,
                     struct loader_image *img, char *err, size_t errlen);

/* The RISC-V Linux Image header (Documentation/riscv/boot-image-header):
 * text_offset at 0x8 (load offset from the start of RAM), image_size at
 * 0x10 (bytes the kernel occupies, bss included), magic2 "RSC\x05" at
 * 0x38.  Returns true and fills the fields when buf carries the header. */
#define LOADER_IMAGE_MAGIC2     0x05435352u     /* "RSC\x05", LE */
#define LOADER_IMAGE_MAGIC2_OFF 0x38
struct loader_image_hdr {
    uint64_t text_offset, image_size;
};
bool loader_parse_image_hdr(const uint8_t *buf, size_t len,
                            struct loader_image_hdr *hdr);

/* Load a kernel (-kernel FILE): an ELF at its addresses; a Linux Image at
 * max(min_addr, ram_base + text_offset), its high end covering image_size;
 * anything else raw at min_addr.  The message in err starts with the
 * path. */
int loader_load_kernel(struct pmem *pm, const char *path, uint64_t ram_base,
                       uint64_t min_addr, struct loader_image *img,
                       char *err, size_t errlen);

/* Where -initrd goes, QEMU's riscv_load_initrd rule: kernel_entry +
 * min(ram_size / 2, 128 MiB), so a kernel that decompresses or grows its
 * bss does not run over it; never below the kernel image's end
 * (kernel_high), page aligned. */
uint64_t loader_initrd_addr(uint64_t kernel_entry, uint64_t kernel_high,
                            uint64_t ram_size);

#endif

/*
 * pmem.h — the guest physical memory map: RAM/ROM regions backed by host
 * memory, and MMIO regions dispatched to device callbacks.
 *
 * Concurrency: the map is built at machine creation, before any vCPU thread
 * starts, and is immutable afterwards, so lookups take no lock.  Device
 * callbacks are called from any vCPU thread, concurrently: each device
 * serialises its own state (docs/devices.md).
 */
#ifndef LOOM_SOFTMMU_PMEM_H
#define LOOM_SOFTMMU_PMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/compiler.h"

struct mmio_ops {
    /* size is 1, 2, 4 or 8 and lies within [min_size, max_size]; off is
     * relative to the region base and aligned to size (unaligned or
     * wrongly-sized accesses never reach the device: access fault). */
    uint64_t (*read)(void *opaque, uint64_t off, unsigned size);
    void (*write)(void *opaque, uint64_t off, uint64_t val, unsigned size);
    unsigned min_size, max_size;
};

enum pmem_kind { PMEM_RAM, PMEM_ROM, PMEM_MMIO };

struct pmem_region {
    uint64_t base, size;
    enum pmem_kind kind;
    const char *name;
    uint8_t *host;           /* RAM/ROM: host memory for base */
    const struct mmio_ops *ops;  /* MMIO */
    void *opaque;
};

struct pmem;

struct pmem *pmem_new(void);
void pmem_free(struct pmem *pm);

/* Add regions (start-up only).  RAM is zero-filled anonymous memory; ROM is
 * read-only to the guest (writes are access faults) but writable by loaders
 * through pmem_host_ptr.  Returns 0, -EEXIST on overlap, -ENOMEM, or
 * -EINVAL (empty or wrapping range; RAM/ROM base or size not a multiple of
 * 4 KiB; MMIO ops missing or sizes outside 1..8). */
int pmem_add_ram(struct pmem *pm, uint64_t base, uint64_t size,
                 const char *name) WARN_UNUSED;
int pmem_add_rom(struct pmem *pm, uint64_t base, uint64_t size,
                 const char *name) WARN_UNUSED;
int pmem_add_mmio(struct pmem *pm, uint64_t base, uint64_t size,
                  const struct mmio_ops *ops, void *opaque,
                  const char *name) WARN_UNUSED;

/* The region containing paddr, or NULL.  The pointer stays valid until
 * pmem_free, but only once the map is complete (adding regions moves them). */
const struct pmem_region *pmem_find(const struct pmem *pm, uint64_t paddr);

/* Host pointer for [paddr, paddr+len) if it lies wholly in one RAM or ROM
 * region, else NULL.  For loaders, DMA-less devices and code fetch. */
void *pmem_host_ptr(const struct pmem *pm, uint64_t paddr, uint64_t len);

/* Guest-visible physical access of 1/2/4/8 bytes (little-endian), RAM, ROM or
 * MMIO.  Returns false for an access fault (nothing mapped, write to ROM,
 * size not accepted by the device).  Misaligned RAM accesses are fine;
 * misaligned MMIO accesses fault. */
bool pmem_read(const struct pmem *pm, uint64_t paddr, unsigned size,
               uint64_t *val);
bool pmem_write(const struct pmem *pm, uint64_t paddr, unsigned size,
                uint64_t val);

/* Copy a whole image into RAM/ROM (loaders).  Returns 0 or -EFAULT when any
 * byte of the range is not RAM/ROM. */
int pmem_load(struct pmem *pm, uint64_t paddr, const void *data,
              size_t len) WARN_UNUSED;

/* Code-page bitmap (self-modifying code, DESIGN.md §4.9): one flag per
 * 4 KiB page of RAM/ROM, set when code is translated from the page.  Any
 * thread; relaxed atomics — the TLB fill reads it to add TLB_NOTDIRTY to
 * the write comparator, and whoever marks a page must also protect the TLBs
 * that already map it writable (tlb_protect_code_page on each owner).
 * Addresses outside RAM/ROM are never code: mark returns false, test false.
 * pmem_code_mark returns true if the page was not marked before. */
bool pmem_code_mark(const struct pmem *pm, uint64_t paddr);
void pmem_code_clear(const struct pmem *pm, uint64_t paddr);
bool pmem_code_test(const struct pmem *pm, uint64_t paddr);

/* Device DMA (virtio): the one way a device thread touches guest RAM.
 * Reads and writes whole ranges that lie in one RAM region (false, nothing
 * done, when any byte is outside RAM — ROM and MMIO are not DMA targets).
 * Writes go through the code-page tracking of CPU stores (DESIGN.md §4.9,
 * docs/devices.md "DMA and SMC"): after the bytes have landed, each page of
 * the range that holds translated code is reported to the hook set with
 * pmem_set_code_write_hook (the vCPU layer invalidates its TBs), so device
 * writes can never leave stale code running.  pmem_dma_st is a single-copy
 * atomic seq_cst store of 2, 4 or 8 aligned bytes (ring words: a release
 * store, and a full barrier before the caller's next load on x86).  Any thread; a
 * caller of the write functions must hold whatever the hook requires
 * (vcpu_io_begin). */
typedef void (*pmem_code_write_fn)(uint64_t paddr, uint64_t len);
void pmem_set_code_write_hook(struct pmem *pm, pmem_code_write_fn fn);
bool pmem_dma_read(const struct pmem *pm, uint64_t paddr, void *dst,
                   uint64_t len) WARN_UNUSED;
bool pmem_dma_write(const struct pmem *pm, uint64_t paddr, const void *src,
                    uint64_t len) WARN_UNUSED;
bool pmem_dma_st(const struct pmem *pm, uint64_t paddr, unsigned size,
                 uint64_t val) WARN_UNUSED;
/* True if [paddr, paddr + len) lies in one RAM region (len 0: false). */
bool pmem_is_ram(const struct pmem *pm, uint64_t paddr, uint64_t len);

#endif

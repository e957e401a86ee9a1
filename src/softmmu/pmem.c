/*
 * pmem.c — the guest physical memory map (see pmem.h).
 *
 * Layout: an array of regions sorted by base, searched by bisection.  RAM
 * and ROM are anonymous private mappings (MAP_NORESERVE: a 4 GiB guest costs
 * only the pages it touches); MMIO regions carry a device's callbacks.
 *
 * Concurrency: regions are added at start-up, before any vCPU thread runs;
 * afterwards the array is read-only and lookups take no lock.  The one
 * mutable part is the per-page code bitmap of RAM/ROM regions (pmem_code_*),
 * which any thread may update: byte-per-page atomics, relaxed, because the
 * bitmap is only a hint to the TLB fill — the ordering that matters (a
 * translated page is write-protected before its code runs) is provided by
 * the caller flushing or protecting the TLBs that map the page.
 *
 * Host assumption: little-endian (x86-64), so guest values are copied with
 * memcpy.
 */
#include "softmmu/pmem.h"
#include "softmmu/ram_access.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "util/error.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "pmem copies guest little-endian values with memcpy");

#define PMEM_PAGE_BITS 12

struct pmem_slot {
    struct pmem_region r;      /* first: pmem_find hands out &slot->r */
    _Atomic uint8_t *code;     /* RAM/ROM: 1 per page holding translated code */
};

struct pmem {
    struct pmem_slot *slots;   /* sorted by base, non-overlapping */
    unsigned n, cap;
    pmem_code_write_fn code_write;   /* set once, before devices run */
};

struct pmem *pmem_new(void)
{
    struct pmem *pm = calloc(1, sizeof(*pm));
    if (!pm)
        loom_fatal("pmem: out of memory");
    return pm;
}

void pmem_free(struct pmem *pm)
{
    if (!pm)
        return;
    for (unsigned i = 0; i < pm->n; i++) {
        struct pmem_slot *s = &pm->slots[i];
        if (s->r.kind != PMEM_MMIO) {
            munmap(s->r.host, s->r.size);
            free((void *)s->code);
        }
    }
    free(pm->slots);
    free(pm);
}

/* Index of the first slot whose base is > paddr (bisection). */
static unsigned pmem_upper(const struct pmem *pm, uint64_t paddr)
{
    unsigned lo = 0, hi = pm->n;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (pm->slots[mid].r.base <= paddr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct pmem_slot *pmem_slot_find(const struct pmem *pm, uint64_t paddr)
{
    unsigned i = pmem_upper(pm, paddr);
    if (i == 0)
        return NULL;
    struct pmem_slot *s = &pm->slots[i - 1];
    return paddr - s->r.base < s->r.size ? s : NULL;
}

const struct pmem_region *pmem_find(const struct pmem *pm, uint64_t paddr)
{
    struct pmem_slot *s = pmem_slot_find(pm, paddr);
    return s ? &s->r : NULL;
}

static int pmem_insert(struct pmem *pm, const struct pmem_slot *ns)
{
    uint64_t last = ns->r.base + ns->r.size - 1;
    if (ns->r.size == 0 || last < ns->r.base)
        return -EINVAL;
    unsigned i = pmem_upper(pm, ns->r.base);
    /* Overlap with the region below (it may extend past base) or above. */
    if (i > 0) {
        const struct pmem_region *lo = &pm->slots[i - 1].r;
        if (ns->r.base - lo->base < lo->size)
            return -EEXIST;
    }
    if (i < pm->n && pm->slots[i].r.base <= last)
        return -EEXIST;
    if (pm->n == pm->cap) {
        unsigned cap = pm->cap ? pm->cap * 2 : 8;
        struct pmem_slot *s = realloc(pm->slots, cap * sizeof(*s));
        if (!s)
            return -ENOMEM;
        pm->slots = s;
        pm->cap = cap;
    }
    memmove(&pm->slots[i + 1], &pm->slots[i],
            (pm->n - i) * sizeof(pm->slots[0]));
    pm->slots[i] = *ns;
    pm->n++;
    return 0;
}

static int pmem_add_mem(struct pmem *pm, uint64_t base, uint64_t size,
                        enum pmem_kind kind, const char *name)
{
    if (size == 0 || (size & ((1u << PMEM_PAGE_BITS) - 1)) ||
        (base & ((1u << PMEM_PAGE_BITS) - 1)))
        return -EINVAL;
    /* Reject overlaps before paying for the mapping. */
    if (pmem_find(pm, base) || pmem_find(pm, base + size - 1))
        return -EEXIST;
    void *host = mmap(NULL, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED)
        return -ENOMEM;
    struct pmem_slot s = {
        .r = { .base = base, .size = size, .kind = kind, .name = name,
               .host = host },
        .code = calloc(size >> PMEM_PAGE_BITS, 1),
    };
    int ret = s.code ? pmem_insert(pm, &s) : -ENOMEM;
    if (ret) {
        munmap(host, size);
        free((void *)s.code);
    }
    return ret;
}

int pmem_add_ram(struct pmem *pm, uint64_t base, uint64_t size,
                 const char *name)
{
    return pmem_add_mem(pm, base, size, PMEM_RAM, name);
}

int pmem_add_rom(struct pmem *pm, uint64_t base, uint64_t size,
                 const char *name)
{
    return pmem_add_mem(pm, base, size, PMEM_ROM, name);
}

int pmem_add_mmio(struct pmem *pm, uint64_t base, uint64_t size,
                  const struct mmio_ops *ops, void *opaque, const char *name)
{
    if (!ops || !ops->read || !ops->write || ops->min_size == 0 ||
        ops->min_size > ops->max_size || ops->max_size > 8)
        return -EINVAL;
    struct pmem_slot s = {
        .r = { .base = base, .size = size, .kind = PMEM_MMIO, .name = name,
               .ops = ops, .opaque = opaque },
    };
    return pmem_insert(pm, &s);
}

/* The RAM/ROM region holding all of [paddr, paddr+len), or NULL. */
static const struct pmem_region *pmem_mem_range(const struct pmem *pm,
                                                uint64_t paddr, uint64_t len)
{
    const struct pmem_region *r = pmem_find(pm, paddr);
    if (!r || r->kind == PMEM_MMIO)
        return NULL;
    uint64_t off = paddr - r->base;
    return len <= r->size - off ? r : NULL;
}

void *pmem_host_ptr(const struct pmem *pm, uint64_t paddr, uint64_t len)
{
    const struct pmem_region *r = pmem_mem_range(pm, paddr, len ? len : 1);
    return r ? r->host + (paddr - r->base) : NULL;
}

static bool pmem_size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

/* A device access of `size` at paddr: inside the region, aligned, and of a
 * size the device accepts. */
static const struct pmem_region *pmem_mmio_check(const struct pmem_region *r,
                                                 uint64_t paddr, unsigned size)
{
    uint64_t off = paddr - r->base;
    if ((paddr & (size - 1)) || size > r->size - off ||
        size < r->ops->min_size || size > r->ops->max_size)
        return NULL;
    return r;
}

bool pmem_read(const struct pmem *pm, uint64_t paddr, unsigned size,
               uint64_t *val)
{
    const struct pmem_region *r = pmem_find(pm, paddr);
    if (!r || !pmem_size_ok(size))
        return false;
    if (r->kind != PMEM_MMIO) {
        if (size > r->size - (paddr - r->base))
            return false;
        uint64_t v = 0;
        v = ram_ld(r->host + (paddr - r->base), size);
        *val = v;
        return true;
    }
    if (!pmem_mmio_check(r, paddr, size))
        return false;
    uint64_t v = r->ops->read(r->opaque, paddr - r->base, size);
    *val = size == 8 ? v : v & ((1ull << (size * 8)) - 1);
    return true;
}

bool pmem_write(const struct pmem *pm, uint64_t paddr, unsigned size,
                uint64_t val)
{
    const struct pmem_region *r = pmem_find(pm, paddr);
    if (!r || !pmem_size_ok(size) || r->kind == PMEM_ROM)
        return false;
    if (r->kind == PMEM_RAM) {
        if (size > r->size - (paddr - r->base))
            return false;
        ram_st(r->host + (paddr - r->base), size, val);
        return true;
    }
    if (!pmem_mmio_check(r, paddr, size))
        return false;
    if (size < 8)
        val &= (1ull << (size * 8)) - 1;
    r->ops->write(r->opaque, paddr - r->base, val, size);
    return true;
}

int pmem_load(struct pmem *pm, uint64_t paddr, const void *data, size_t len)
{
    const uint8_t *src = data;
    /* Check the whole range first so a failed load writes nothing. */
    for (uint64_t a = paddr, left = len; left;) {
        const struct pmem_region *r = pmem_find(pm, a);
        if (!r || r->kind == PMEM_MMIO)
            return -EFAULT;
        uint64_t room = r->size - (a - r->base);
        uint64_t n = left < room ? left : room;
        a += n;
        left -= n;
        if (left && a == 0)
            return -EFAULT;          /* wrapped around the address space */
    }
    while (len) {
        const struct pmem_region *r = pmem_find(pm, paddr);
        uint64_t room = r->size - (paddr - r->base);
        size_t n = len < room ? len : (size_t)room;
        memcpy(r->host + (paddr - r->base), src, n);
        paddr += n;
        src += n;
        len -= n;
    }
    return 0;
}

/* --- code pages (self-modifying code, DESIGN.md §4.9) --------------------- */

static _Atomic uint8_t *pmem_code_byte(const struct pmem *pm, uint64_t paddr)
{
    struct pmem_slot *s = pmem_slot_find(pm, paddr);
    if (!s || s->r.kind == PMEM_MMIO)
        return NULL;
    return &s->code[(paddr - s->r.base) >> PMEM_PAGE_BITS];
}

bool pmem_code_mark(const struct pmem *pm, uint64_t paddr)
{
    _Atomic uint8_t *b = pmem_code_byte(pm, paddr);
    return b && atomic_exchange_explicit(b, 1, memory_order_relaxed) == 0;
}

void pmem_code_clear(const struct pmem *pm, uint64_t paddr)
{
    _Atomic uint8_t *b = pmem_code_byte(pm, paddr);
    if (b)
        atomic_store_explicit(b, 0, memory_order_relaxed);
}

bool pmem_code_test(const struct pmem *pm, uint64_t paddr)
{
    _Atomic uint8_t *b = pmem_code_byte(pm, paddr);
    return b && atomic_load_explicit(b, memory_order_relaxed);
}

/* --- device DMA ----------------------------------------------------------- */

void pmem_set_code_write_hook(struct pmem *pm, pmem_code_write_fn fn)
{
    pm->code_write = fn;
}

static const struct pmem_region *pmem_ram_range(const struct pmem *pm,
                                                uint64_t paddr, uint64_t len)
{
    const struct pmem_region *r;

    if (!len || paddr + len - 1 < paddr)
        return NULL;
    r = pmem_mem_range(pm, paddr, len);
    return r && r->kind == PMEM_RAM ? r : NULL;
}

bool pmem_is_ram(const struct pmem *pm, uint64_t paddr, uint64_t len)
{
    return pmem_ram_range(pm, paddr, len) != NULL;
}

bool pmem_dma_read(const struct pmem *pm, uint64_t paddr, void *dst,
                   uint64_t len)
{
    const struct pmem_region *r = pmem_ram_range(pm, paddr, len);

    if (!r)
        return false;
    ram_read(dst, r->host + (paddr - r->base), len);
    return true;
}

/* The bytes of [paddr, paddr + len) have landed: report the code pages.
 * The first code-bit read is a seq_cst RMW (a locked instruction: a full
 * barrier on x86, and no atomic_thread_fence, which ThreadSanitizer does
 * not support): our stores are ordered before it, against the translator
 * marking the page (pmem_code_mark's exchange, also locked) before it
 * reads the bytes (vcpu_code_page_prepare): either we see the bit and
 * invalidate, or the translator reads our bytes.  PAIRS: with the
 * exchange in pmem_code_mark. */
static void pmem_dma_written(const struct pmem *pm, uint64_t paddr,
                             uint64_t len)
{
    uint64_t end = paddr + len;
    bool first = true;

    for (uint64_t a = paddr; a < end;) {
        uint64_t page_end = (a | ((1u << PMEM_PAGE_BITS) - 1)) + 1;
        uint64_t n = (page_end < end ? page_end : end) - a;
        _Atomic uint8_t *b = pmem_code_byte(pm, a);
        bool code = b && (first ? atomic_fetch_or_explicit(b, 0,
                                        memory_order_seq_cst)
                                : atomic_load_explicit(b,
                                        memory_order_relaxed));
        first = false;
        if (code && pm->code_write)
            pm->code_write(a, n);
        a += n;
    }
}

bool pmem_dma_write(const struct pmem *pm, uint64_t paddr, const void *src,
                    uint64_t len)
{
    const struct pmem_region *r = pmem_ram_range(pm, paddr, len);

    if (!r)
        return false;
    ram_write(r->host + (paddr - r->base), src, len);
    pmem_dma_written(pm, paddr, len);
    return true;
}

bool pmem_dma_st(const struct pmem *pm, uint64_t paddr, unsigned size,
                 uint64_t val)
{
    const struct pmem_region *r = pmem_ram_range(pm, paddr, size);

    if (!r || (size != 2 && size != 4 && size != 8) || (paddr & (size - 1)))
        return false;
    /* seq_cst: a release store (what the driver reads after it is
     * visible before it) and, on x86, an xchg, i.e. a full barrier before
     * the device's next load of a driver word (virtqueue.c). */
    void *h = r->host + (paddr - r->base);
    switch (size) {
    case 2: __atomic_store_n((uint16_t *)h, (uint16_t)val, __ATOMIC_SEQ_CST); break;
    case 4: __atomic_store_n((uint32_t *)h, (uint32_t)val, __ATOMIC_SEQ_CST); break;
    case 8: __atomic_store_n((uint64_t *)h, val, __ATOMIC_SEQ_CST); break;
    }
    pmem_dma_written(pm, paddr, size);
    return true;
}

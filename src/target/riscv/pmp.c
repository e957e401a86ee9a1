/*
 * pmp.c — physical memory protection (privileged spec 1.12, §3.7): the 16
 * entries' CSR view (pmpcfg0/2, pmpaddr0..15) and the matcher the TLB fill
 * and the translator consult.
 *
 * Contract:
 *   - Granularity G = 0 (4 bytes): pmpaddr reads back what was written
 *     (bits 55:2), NA4 is available.
 *   - Lock: a locked entry ignores writes to its pmpcfg byte and pmpaddr;
 *     a locked TOR entry also freezes the previous pmpaddr; locked entries
 *     bind M mode too.  Nothing but reset clears L.
 *   - Priority: the lowest-numbered entry matching any byte of an access
 *     decides; the access must lie entirely inside it.  No match: M
 *     succeeds, S/U fail (16 entries are implemented, so always).
 *   - WARL: bits 6:5 of a cfg byte read 0; R = 0, W = 1 (reserved) is
 *     legalised to W = 0.
 */
#include "target/riscv/internal.h"

#define RV_PMP_ALL (1u << TLB_READ | 1u << TLB_WRITE | 1u << TLB_EXEC)

static enum rv_pmp_mode rv_pmp_mode_of(uint8_t cfg)
{
    return (enum rv_pmp_mode)((cfg & RV_PMP_A) >> RV_PMP_A_SHIFT);
}

/* Bytes [*lo, *hi] (inclusive: NAPOT may reach the top) governed by entry
 * i; false if it matches nothing (OFF, or an empty TOR range). */
static bool rv_pmp_range(const struct rv_hart *h, unsigned i, uint64_t *lo,
                         uint64_t *hi)
{
    uint64_t a = h->pmpaddr[i];

    switch (rv_pmp_mode_of(h->pmpcfg[i])) {
    case RV_PMP_TOR: {
        uint64_t base = i ? h->pmpaddr[i - 1] << 2 : 0, top = a << 2;
        if (base >= top)
            return false;                 /* spec: matches no address */
        *lo = base;
        *hi = top - 1;
        return true;
    }
    case RV_PMP_NA4:
        *lo = a << 2;
        *hi = *lo + 3;
        return true;
    case RV_PMP_NAPOT: {
        /* k trailing ones: a naturally aligned 2^(k+3)-byte region (all 54
         * bits set: 2^57 bytes, the whole physical space). */
        unsigned k = (unsigned)__builtin_ctzll(~a);
        uint64_t size = 1ull << (k + 3);
        *lo = (a << 2) & ~(size - 1);
        *hi = *lo + size - 1;
        return true;
    }
    case RV_PMP_OFF:
        break;
    }
    return false;
}

/* Permissions an entry grants at priv (M ignores unlocked entries). */
static unsigned rv_pmp_entry_prot(uint8_t cfg, enum rv_priv priv)
{
    if (priv == RV_PRIV_M && !(cfg & RV_PMP_L))
        return RV_PMP_ALL;
    return (cfg & RV_PMP_R ? 1u << TLB_READ : 0) |
           (cfg & RV_PMP_W ? 1u << TLB_WRITE : 0) |
           (cfg & RV_PMP_X ? 1u << TLB_EXEC : 0);
}

static unsigned rv_pmp_default(enum rv_priv priv)
{
    return priv == RV_PRIV_M ? RV_PMP_ALL : 0;
}

/* The deciding entry for [first, last]: its index, -1 for no match.
 * *whole tells whether it covers the range entirely. */
static int rv_pmp_find(const struct rv_hart *h, uint64_t first,
                       uint64_t last, bool *whole)
{
    for (unsigned i = 0; i < RV_PMP_ENTRIES; i++) {
        uint64_t lo, hi;
        if (!rv_pmp_range(h, i, &lo, &hi) || last < lo || first > hi)
            continue;
        *whole = first >= lo && last <= hi;
        return (int)i;
    }
    return -1;
}

unsigned rv_pmp_prot(const struct rv_hart *h, uint64_t addr, uint64_t size,
                     enum rv_priv priv)
{
    bool whole;
    int i = rv_pmp_find(h, addr, addr + size - 1, &whole);

    if (i < 0)
        return rv_pmp_default(priv);
    return whole ? rv_pmp_entry_prot(h->pmpcfg[i], priv) : 0;
}

bool rv_pmp_page_prot(const struct rv_hart *h, uint64_t page,
                      enum rv_priv priv, unsigned *prot)
{
    bool whole;
    int i = rv_pmp_find(h, page, page + TLB_PAGE_SIZE - 1, &whole);

    if (i < 0) {
        *prot = rv_pmp_default(priv);
        return true;
    }
    if (!whole)
        return false;
    *prot = rv_pmp_entry_prot(h->pmpcfg[i], priv);
    return true;
}

/* --- CSRs ----------------------------------------------------------------- */

/* pmpcfg<reg> (reg even) holds entries 4*reg .. 4*reg + 7 on RV64. */
uint64_t rv_pmp_read_cfg(const struct rv_hart *h, unsigned reg)
{
    uint64_t v = 0;

    for (unsigned b = 0; b < 8; b++) {
        unsigned i = reg * 4 + b;
        if (i < RV_PMP_ENTRIES)
            v |= (uint64_t)h->pmpcfg[i] << (8 * b);
    }
    return v;
}

static uint8_t rv_pmp_legalise(uint8_t cfg)
{
    cfg &= RV_PMP_L | RV_PMP_A | RV_PMP_X | RV_PMP_W | RV_PMP_R;
    if (!(cfg & RV_PMP_R))
        cfg &= (uint8_t)~RV_PMP_W;        /* R=0 W=1 is reserved */
    return cfg;
}

bool rv_pmp_write_cfg(struct rv_hart *h, unsigned reg, uint64_t val)
{
    bool changed = false;

    for (unsigned b = 0; b < 8; b++) {
        unsigned i = reg * 4 + b;
        if (i >= RV_PMP_ENTRIES || (h->pmpcfg[i] & RV_PMP_L))
            continue;
        uint8_t cfg = rv_pmp_legalise((uint8_t)(val >> (8 * b)));
        changed |= cfg != h->pmpcfg[i];
        h->pmpcfg[i] = cfg;
    }
    return changed;
}

uint64_t rv_pmp_read_addr(const struct rv_hart *h, unsigned i)
{
    return i < RV_PMP_ENTRIES ? h->pmpaddr[i] : 0;
}

bool rv_pmp_write_addr(struct rv_hart *h, unsigned i, uint64_t val)
{
    if (i >= RV_PMP_ENTRIES || (h->pmpcfg[i] & RV_PMP_L))
        return false;
    /* The next entry's locked TOR range starts here: frozen too. */
    if (i + 1 < RV_PMP_ENTRIES && (h->pmpcfg[i + 1] & RV_PMP_L) &&
        rv_pmp_mode_of(h->pmpcfg[i + 1]) == RV_PMP_TOR)
        return false;
    val &= RV_PMP_ADDR_MASK;
    bool changed = val != h->pmpaddr[i];
    h->pmpaddr[i] = val;
    return changed;
}

/* --- slow-path bracket ------------------------------------------------------ */

void rv_pmp_begin(struct rv_hart *h, uint64_t addr, unsigned size)
{
    h->pmp_lo = addr;
    h->pmp_hi = addr + size;
    h->pmp_nocache = false;
}

void rv_pmp_end(struct rv_hart *h)
{
    if (h->pmp_nocache) {
        /* Only pages a fill found split are flushed: the common case (a
         * page wholly inside one entry) stays cached. */
        tlb_flush_page(&h->tlb, h->pmp_lo);
        if (((h->pmp_hi - 1) ^ h->pmp_lo) & TLB_PAGE_MASK)
            tlb_flush_page(&h->tlb, h->pmp_hi - 1);
        h->pmp_nocache = false;
    }
    h->pmp_lo = h->pmp_hi = 0;
}

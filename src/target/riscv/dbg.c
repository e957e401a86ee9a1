/*
 * dbg.c — what a debugger needs from the target beyond struct rv_hart:
 * a side-effect-free address translation and the names of the CSRs
 * (gdb's target description).  Called on the hart's own thread while the
 * machine is stopped (vcpu/debug.h), so hart state is read plainly.
 *
 * The walk is a reduced copy of ptw.c's rules: it follows valid PTEs to a
 * leaf and honours superpages, but checks no permission, PMP or A/D bit
 * and writes nothing — a debugger may look at any mapped page, and
 * looking must not change what the guest later observes.
 */
#include "softmmu/ram_access.h"
#include "target/riscv/internal.h"

bool rv_translation_on(const struct rv_hart *h)
{
    return (h->satp >> RV_SATP_MODE_SHIFT) != RV_SATP_MODE_BARE;
}

bool rv_dbg_virt_to_phys(struct rv_hart *h, uint64_t va, uint64_t *pa)
{
    unsigned mode = (unsigned)(h->satp >> RV_SATP_MODE_SHIFT);

    if (h->priv == RV_PRIV_M || mode == RV_SATP_MODE_BARE) {
        *pa = va;
        return true;
    }
    unsigned levels = mode == RV_SATP_MODE_SV48 ? 4 : 3;
    unsigned va_bits = 12 + 9 * levels;
    if ((uint64_t)((int64_t)(va << (64 - va_bits)) >> (64 - va_bits)) != va)
        return false;
    uint64_t table = (h->satp & RV_SATP_PPN_MASK) << TLB_PAGE_BITS;
    for (int level = (int)levels - 1; level >= 0; level--) {
        unsigned shift = TLB_PAGE_BITS + 9 * (unsigned)level;
        const struct pmem_region *r;
        uint64_t pte_pa = table + ((va >> shift) & 511) * 8;

        r = pmem_find(h->pmem, pte_pa);
        if (!r || r->kind != PMEM_RAM || pte_pa + 8 > r->base + r->size)
            return false;
        /* Relaxed atomic: the page table is guest RAM. */
        uint64_t pte = ram_ld(r->host + (pte_pa - r->base), 8);
        if (!(pte & 1))
            return false;
        uint64_t ppn = (pte >> 10) & ((1ull << 44) - 1);
        if (!(pte & 0xa)) {                  /* neither R nor X: pointer */
            table = ppn << TLB_PAGE_BITS;
            continue;
        }
        uint64_t off = va & ((1ull << shift) - 1);
        *pa = ((ppn << TLB_PAGE_BITS) & ~((1ull << shift) - 1)) | off;
        return true;
    }
    return false;
}

static const struct { unsigned csr; const char *name; } rv_csr_names[] = {
    { 0x001, "fflags" }, { 0x002, "frm" }, { 0x003, "fcsr" },
    { 0xc00, "cycle" }, { 0xc01, "time" }, { 0xc02, "instret" },
    { 0x100, "sstatus" }, { 0x104, "sie" }, { 0x105, "stvec" },
    { 0x106, "scounteren" }, { 0x10a, "senvcfg" }, { 0x140, "sscratch" },
    { 0x141, "sepc" }, { 0x142, "scause" }, { 0x143, "stval" },
    { 0x144, "sip" }, { 0x14d, "stimecmp" }, { 0x180, "satp" },
    { 0x300, "mstatus" }, { 0x301, "misa" }, { 0x302, "medeleg" },
    { 0x303, "mideleg" }, { 0x304, "mie" }, { 0x305, "mtvec" },
    { 0x306, "mcounteren" }, { 0x30a, "menvcfg" },
    { 0x320, "mcountinhibit" }, { 0x340, "mscratch" }, { 0x341, "mepc" },
    { 0x342, "mcause" }, { 0x343, "mtval" }, { 0x344, "mip" },
    { 0x3a0, "pmpcfg0" }, { 0x3a2, "pmpcfg2" },
    { 0x3b0, "pmpaddr0" }, { 0x3b1, "pmpaddr1" }, { 0x3b2, "pmpaddr2" },
    { 0x3b3, "pmpaddr3" }, { 0x3b4, "pmpaddr4" }, { 0x3b5, "pmpaddr5" },
    { 0x3b6, "pmpaddr6" }, { 0x3b7, "pmpaddr7" }, { 0x3b8, "pmpaddr8" },
    { 0x3b9, "pmpaddr9" }, { 0x3ba, "pmpaddr10" }, { 0x3bb, "pmpaddr11" },
    { 0x3bc, "pmpaddr12" }, { 0x3bd, "pmpaddr13" }, { 0x3be, "pmpaddr14" },
    { 0x3bf, "pmpaddr15" },
    /* Sdtrig (they appear in the description only where they exist). */
    { 0x7a0, "tselect" }, { 0x7a1, "tdata1" }, { 0x7a2, "tdata2" },
    { 0x7a3, "tdata3" }, { 0x7a4, "tinfo" }, { 0x7a5, "tcontrol" },
    { 0x7a8, "mcontext" }, { 0x5a8, "scontext" },
    { 0xb00, "mcycle" }, { 0xb02, "minstret" },
    { 0xf11, "mvendorid" }, { 0xf12, "marchid" }, { 0xf13, "mimpid" },
    { 0xf14, "mhartid" }, { 0xf15, "mconfigptr" },
};

const char *rv_csr_name(unsigned csr)
{
    for (size_t i = 0; i < ARRAY_SIZE(rv_csr_names); i++)
        if (rv_csr_names[i].csr == csr)
            return rv_csr_names[i].name;
    return NULL;
}

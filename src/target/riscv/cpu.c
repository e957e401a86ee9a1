/*
 * cpu.c — hart lifetime (init, reset) and the -d in_asm block printer.
 *
 * misa is fixed: RV64 I M A F D C S U.  C is always on, so IALIGN = 16 and no
 * jump can raise instruction-address-misaligned (docs/riscv.md).
 */
#include <stdio.h>
#include <string.h>
#include "softmmu/ram_access.h"
#include "target/riscv/internal.h"

/* The extensions every hart implements (misa is read-only). */
static const uint64_t rv_misa_implemented =
    RV_MISA_MXL64 | RV_MISA_EXT('I') | RV_MISA_EXT('M') |
    RV_MISA_EXT('A') | RV_MISA_EXT('F') | RV_MISA_EXT('D') |
    RV_MISA_EXT('C') | RV_MISA_EXT('S') | RV_MISA_EXT('U');

const char *rv_isa_string(void)
{
    /* Single letters in the canonical order, then the Z extensions. */
    static char buf[64];
    static const char order[] = "imafdcsu";
    char *p = buf + sprintf(buf, "rv64");
    for (const char *c = order; *c; c++)
        if (*c != 's' && *c != 'u' && (rv_misa_implemented & RV_MISA_EXT(*c - 32)))
            *p++ = *c;
    p += sprintf(p, "_zicsr_zifencei");
    /* S-level extensions come after the Z ones (Sstc: stimecmp). */
    if (rv_misa_implemented & RV_MISA_EXT('S'))
        strcpy(p, "_sstc");
    return buf;
}

const char *rv_mmu_type(void)
{
    return (rv_misa_implemented & RV_MISA_EXT('S')) ? "riscv,sv48" : "riscv,none";
}

void rv_hart_init(struct rv_hart *h, unsigned hartid, struct pmem *pm)
{
    memset(h, 0, sizeof(*h));
    h->mhartid = hartid;
    h->pmem = pm;
    h->misa = rv_misa_implemented;
    tlb_init(&h->tlb, pm, &rv_tlb_ops, h);
    rv_hart_reset(h, 0x1000);
}

void rv_hart_reset(struct rv_hart *h, uint64_t pc)
{
    memset(h->x, 0, sizeof(h->x));
    memset(h->f, 0, sizeof(h->f));
    h->fflags = h->frm = 0;
    h->pc = pc;
    h->priv = RV_PRIV_M;
    h->lr_addr = ~0ull;
    h->lr_val = 0;
    /* Reset: MIE = MPRV = 0; MPP = M; UXL = 64 bits (U mode present). */
    h->mstatus = (uint64_t)RV_PRIV_M << RV_MSTATUS_MPP_SHIFT;
    if (rv_has_ext(h, 'U'))
        h->mstatus |= 2ull << 32;
    if (rv_has_ext(h, 'S'))
        h->mstatus |= 2ull << 34;    /* SXL = 64 bits */
    h->medeleg = h->mideleg = 0;
    h->mie = h->mip = 0;
    h->mtvec = h->mscratch = h->mepc = h->mcause = h->mtval = 0;
    h->mcounteren = 0;
    /* S mode: satp Bare, delegation off, Sstc comparator at "never". */
    h->menvcfg = h->senvcfg = h->scounteren = 0;
    h->stvec = h->sscratch = h->sepc = h->scause = h->stval = h->satp = 0;
    h->stimecmp = ~0ull;
    h->tlb_super_lo = ~0ull;
    h->tlb_super_hi = 0;
    rv_counters_reset(h);
    h->halted = false;
    /* PMP: every entry OFF and unlocked (spec: A and L reset to 0). */
    memset(h->pmpcfg, 0, sizeof(h->pmpcfg));
    memset(h->pmpaddr, 0, sizeof(h->pmpaddr));
    rv_pmp_end(h);
    rv_trig_reset(h);
    tlb_flush(&h->tlb);
}

void rv_disas_block(struct rv_hart *h, uint64_t pc, uint64_t size, FILE *f)
{
    unsigned mmu_idx = h->priv;   /* fetch index == privilege */

    for (uint64_t end = pc + size; pc < end;) {
        uint64_t pa;
        const uint8_t *p0, *p1;
        uint16_t lo, hi = 0;

        if (!tlb_code_addr(&h->tlb, pc, mmu_idx, true, &pa, &p0)) {
            fprintf(f, "0x%016llx:  <not mapped>\n", (unsigned long long)pc);
            return;
        }
        lo = (uint16_t)ram_ld(p0, 2);   /* guest RAM: relaxed atomic */
        unsigned len = rv_insn_len(lo);
        if (len == 4) {
            /* The upper half may lie on the next page. */
            if (((pc + 2) & ~TLB_PAGE_MASK) == 0) {
                if (!tlb_code_addr(&h->tlb, pc + 2, mmu_idx, true, &pa, &p1)) {
                    fprintf(f, "0x%016llx:  <not mapped>\n",
                            (unsigned long long)pc + 2);
                    return;
                }
            } else
                p1 = p0 + 2;
            hi = (uint16_t)ram_ld(p1, 2);
        }
        struct rv_insn in;
        char text[96];
        rv_decode(lo | (uint32_t)hi << 16, &in);
        rv_disas(&in, pc, text, sizeof(text));
        if (len == 4)
            fprintf(f, "0x%016llx:  %08x  %s\n", (unsigned long long)pc,
                    in.raw, text);
        else
            fprintf(f, "0x%016llx:  %04x      %s\n", (unsigned long long)pc,
                    in.raw, text);
        pc += len;
    }
}

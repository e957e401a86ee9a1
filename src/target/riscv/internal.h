/*
 * internal.h — declarations shared by the files of the RISC-V front end
 * (translation, CSRs, traps, helpers).  Not an interface for other folders:
 * those use cpu.h.
 */
#ifndef LOOM_TARGET_RISCV_INTERNAL_H
#define LOOM_TARGET_RISCV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "target/riscv/cpu.h"
#include "target/riscv/decode.h"
#include "translate/ir_helper.h"
#include "translate/translator.h"

/* --- misa / mstatus / mtvec bits ------------------------------------------ */
#define RV_MISA_EXT(c)   (1ull << ((c) - 'A'))
#define RV_MISA_MXL64    (2ull << 62)

#define RV_MSTATUS_SIE   (1ull << 1)
#define RV_MSTATUS_MIE   (1ull << 3)
#define RV_MSTATUS_SPIE  (1ull << 5)
#define RV_MSTATUS_MPIE  (1ull << 7)
#define RV_MSTATUS_SPP   (1ull << 8)
#define RV_MSTATUS_MPP_SHIFT 11
#define RV_MSTATUS_MPP   (3ull << RV_MSTATUS_MPP_SHIFT)
#define RV_MSTATUS_FS    (3ull << 13)
#define RV_MSTATUS_SD    (1ull << 63)
#define RV_MSTATUS_MPRV  (1ull << 17)
#define RV_MSTATUS_SUM   (1ull << 18)
#define RV_MSTATUS_MXR   (1ull << 19)
#define RV_MSTATUS_TVM   (1ull << 20)
#define RV_MSTATUS_TW    (1ull << 21)
#define RV_MSTATUS_TSR   (1ull << 22)
#define RV_MSTATUS_UXL   (3ull << 32)
#define RV_MSTATUS_SXL   (3ull << 34)

#define RV_MTVEC_MODE    3ull        /* 0 direct, 1 vectored */
#define RV_CAUSE_IRQ     (1ull << 63)

/* mip bits driven by devices through mip_async (read-only in mip). */
#define RV_MIP_HW ((1ull << RV_IRQ_MSI) | (1ull << RV_IRQ_MTI) | \
                   (1ull << RV_IRQ_MEI))
/* S-level interrupt bits (delegable through mideleg). */
#define RV_MIP_S  ((1ull << RV_IRQ_SSI) | (1ull << RV_IRQ_STI) | \
                   (1ull << RV_IRQ_SEI))
#define RV_MIP_STIP (1ull << RV_IRQ_STI)
#define RV_MIP_SEIP (1ull << RV_IRQ_SEI)
#define RV_MENVCFG_STCE (1ull << 63)     /* Sstc enable */

/* satp (RV64) */
#define RV_SATP_MODE_SHIFT 60
#define RV_SATP_MODE_BARE 0
#define RV_SATP_MODE_SV39 8
#define RV_SATP_MODE_SV48 9
#define RV_SATP_PPN_MASK ((1ull << 44) - 1)

/* F/D state changed (an f register, fflags or frm written): FS = Dirty,
 * and SD (read-only: FS or XS is Dirty) with it. */
static inline void rv_fs_set_dirty(struct rv_hart *h)
{
    h->mstatus |= RV_MSTATUS_FS | RV_MSTATUS_SD;
}

static inline bool rv_has_ext(const struct rv_hart *h, char c)
{
    return h->misa & RV_MISA_EXT(c);
}

/* Effective mip: software-writable bits from h->mip, device bits from
 * mip_async (acquire: pairs with the seq_cst RMW in rv_set_irq, so the
 * device state that raised the line is visible to the handler). */
static inline uint64_t rv_mip(const struct rv_hart *h)
{
    uint64_t hw = atomic_load_explicit(&((struct rv_hart *)h)->mip_async,
                                       memory_order_acquire);
    uint64_t v = (h->mip & ~RV_MIP_HW) | (hw & RV_MIP_HW);

    /* SEIP: the software bit OR the external line (a PLIC S context).
     * STIP: with Sstc enabled it is the stimecmp comparison (mip_async,
     * driven by the timer device), else the software-written bit. */
    v |= hw & RV_MIP_SEIP;
    if (h->menvcfg & RV_MENVCFG_STCE)
        v = (v & ~RV_MIP_STIP) | (hw & RV_MIP_STIP);
    return v;
}

/* Privilege whose page-table and PMP permissions an mmu index holds. */
static inline enum rv_priv rv_mmu_priv(unsigned mmu_idx)
{
    return mmu_idx == RV_MMU_S_SUM ? RV_PRIV_S : (enum rv_priv)mmu_idx;
}

/* The guest changed address translation: flush this hart's TLB and jump
 * cache (through the vCPU layer when it exists), one page or all. */
void rv_flush_translation(struct rv_hart *h, uint64_t vaddr, bool all);

/* --- traps (trap.c) -------------------------------------------------------- */
/* Take a trap now: cause has RV_CAUSE_IRQ set for interrupts.  Updates the
 * trap CSRs, priv and pc; does not unwind or longjmp. */
void rv_take_trap(struct rv_hart *h, uint64_t cause, uint64_t tval);
/* xRET from M mode (mret): returns to mepc in MPP. */
void rv_do_mret(struct rv_hart *h);
/* sret (checks done by the caller): returns to sepc in SPP. */
void rv_do_sret(struct rv_hart *h);

/* --- page-table walk (ptw.c) ------------------------------------------------ */
enum rv_ptw_result { RV_PTW_OK = 0, RV_PTW_PAGE_FAULT, RV_PTW_ACCESS_FAULT };
/* Translate vaddr for `access` in mmu_idx under the current satp/mstatus:
 * on RV_PTW_OK, out->paddr is the physical page and out->prot the accesses
 * the page allows in that index (write only once D is set, so the first
 * write re-walks and sets it).  Sets A (and D for a write) in the leaf PTE
 * with a compare-and-swap on guest RAM. */
enum rv_ptw_result rv_ptw(struct rv_hart *h, uint64_t vaddr,
                          enum tlb_access access, unsigned mmu_idx,
                          struct tlb_fill *out);

/* --- CSRs (csr.c) ---------------------------------------------------------- */
enum rv_csr_kind { RV_CSR_RW = 0, RV_CSR_RS = 1, RV_CSR_RC = 2 };
/* One Zicsr access at the hart's current privilege: *old receives the
 * previous value; the CSR is written only if `write`.  Returns false (and
 * changes nothing) if the access is illegal: unknown CSR, insufficient
 * privilege, write to a read-only CSR, counter not enabled.  h->insn_count
 * must be the number of instructions retired before the accessing one
 * (counter reads return that count; a counter write is what the next
 * instruction reads). */
bool rv_csr_access(struct rv_hart *h, unsigned csr, enum rv_csr_kind kind,
                   bool write, uint64_t src, uint64_t *old);
/* Reset value of mcycle/minstret (0) and mcountinhibit (0). */
void rv_counters_reset(struct rv_hart *h);
/* Host monotonic ticks (ns): the default time CSR source. */
uint64_t rv_host_ticks(void);

/* --- physical memory protection (pmp.c) ----------------------------------- */
#define RV_PMP_R     0x01u
#define RV_PMP_W     0x02u
#define RV_PMP_X     0x04u
#define RV_PMP_A     0x18u           /* address-matching mode field */
#define RV_PMP_A_SHIFT 3
#define RV_PMP_L     0x80u
enum rv_pmp_mode { RV_PMP_OFF = 0, RV_PMP_TOR = 1, RV_PMP_NA4 = 2,
                   RV_PMP_NAPOT = 3 };
#define RV_PMP_ADDR_MASK ((1ull << 54) - 1)   /* pmpaddr: bits 55:2 */

/* Allowed accesses (bit set of 1 << enum tlb_access) for the bytes
 * [addr, addr + size) at privilege priv: the lowest-numbered entry that
 * matches any byte decides, and only if it covers them all (a partial
 * match denies everything).  No match: M gets everything, S/U nothing. */
unsigned rv_pmp_prot(const struct rv_hart *h, uint64_t addr, uint64_t size,
                     enum rv_priv priv);
/* Same for a whole page at privilege priv: returns false if the page is
 * not uniformly governed by one entry (or by none), i.e. the answer differs
 * inside it and every access must be checked on its own; else *prot. */
bool rv_pmp_page_prot(const struct rv_hart *h, uint64_t page,
                      enum rv_priv priv, unsigned *prot);
/* CSR side: pmpcfg0/pmpcfg2 (RV64: 8 entries each) and pmpaddr0..15.
 * Writes honour the lock bits and legalise WARL fields; they return true
 * if PMP state changed (the caller then drops cached permissions). */
uint64_t rv_pmp_read_cfg(const struct rv_hart *h, unsigned reg);
bool rv_pmp_write_cfg(struct rv_hart *h, unsigned reg, uint64_t val);
uint64_t rv_pmp_read_addr(const struct rv_hart *h, unsigned i);
bool rv_pmp_write_addr(struct rv_hart *h, unsigned i, uint64_t val);
/* Slow-path bracket around one data access: rv_pmp_begin records the bytes
 * so a TLB fill can check exactly them; rv_pmp_end (also run when a trap is
 * taken mid-access) drops the TLB entries of a page that PMP splits, so no
 * later access to it hits the fast path unchecked. */
void rv_pmp_begin(struct rv_hart *h, uint64_t addr, unsigned size);
/* After an atomic wrote through a tlb_host_addr pointer (mmu.c): report a
 * write to translated code now that it has landed (docs/concurrency.md S2). */
void rv_atomic_write_done(struct rv_hart *h, uint64_t addr, unsigned size,
                          unsigned mmu_idx, uintptr_t retaddr);
void rv_pmp_end(struct rv_hart *h);

/* --- debug triggers (trigger.c; design in trigger.h) ---------------------- */
/* Recompute h->trig's summaries (exec_privs, mem) after a change. */
void rv_trig_update(struct rv_hart *h);
void rv_trig_reset(struct rv_hart *h);           /* guest triggers off */
/* tcontrol on a trap into M (mpte = mte, mte = 0) and on mret (mte =
 * mpte). */
void rv_trig_trap_to_m(struct rv_hart *h);
void rv_trig_mret(struct rv_hart *h);
/* tselect..tcontrol (0x7a0-0x7a5): read returns false for another csr. */
bool rv_trig_csr_read(struct rv_hart *h, unsigned csr, uint64_t *val);
void rv_trig_csr_write(struct rv_hart *h, unsigned csr, uint64_t val);
/* TLB fill: the access kinds (1 << enum tlb_access) that must take the
 * slow path on this virtual page because a load/store trigger may match
 * there. */
unsigned rv_trig_page_watch(const struct rv_hart *h, uint64_t page);
/* Match before executing the instruction at pc (raw bits): a debugger
 * slot stops the hart, a guest trigger raises the breakpoint exception;
 * otherwise returns.  retaddr: the helper's GETPC(). */
void rv_trig_check_exec(struct rv_hart *h, uint64_t pc, uint32_t raw,
                        uintptr_t retaddr);
/* Match a data access (access: one RV_TRIG_LOAD / RV_TRIG_STORE) of size
 * bytes at addr; sel bit 0: address triggers and debugger slots, bit 1:
 * data-value triggers against data.  Returns only if nothing fired. */
void rv_trig_check_mem(struct rv_hart *h, unsigned access, uint64_t addr,
                       unsigned size, uint64_t data, unsigned sel,
                       uintptr_t retaddr);
/* A guest load data-value trigger is armed (the load slow path then
 * checks the value it read). */
bool rv_trig_load_data_armed(const struct rv_hart *h);

/* --- helpers called from generated code (helpers.def) --------------------- */
#define RV_CSR_DESC_KIND_SHIFT 32    /* csr desc = raw insn | kind << 32 | */
#define RV_CSR_DESC_WRITE (1ull << 34)  /* write flag */
/* rv_helper_<name>(...) and its descriptor, for ir_call_helper:
 *     ir_call_helper(ir, RV_HELPER(csr), rd, ir_env(ir), desc, src); */
#define RV_HELPER(name) (&rv_helper_info_##name)
#define RV_DEF_HELPER(name, flags, ret, ...)                                \
    IR_HELPER_DECL(rv_helper_##name, rv_helper_info_##name, ret, __VA_ARGS__);
#define RV_DEF_HELPER_ALIAS(name, fn, flags, ret, ...)                      \
    IR_HELPER_DECL_INFO(rv_helper_info_##name);
#include "target/riscv/helpers.def"

/* --- translation (translate.c, trans_*.c) --------------------------------- */
struct rv_dc {
    struct tr_base base;     /* first member (tr_hooks get &base) */
    struct rv_hart *h;
    ir_temp x[32];           /* IR globals; x[0] unused (reads as 0) */
    ir_temp pc;
    enum rv_priv priv;       /* from the TB flags */
    unsigned mmu_idx;        /* data accesses */
    uint64_t page_va;        /* first page: virtual base, */
    uint64_t page_pa;        /*   physical base, */
    const uint8_t *page_host;/*   host pointer to its first byte */
    uint64_t phys_last;      /* physical address of the TB's last byte */
    bool pmp_split;          /* PMP splits the first page: check each fetch */
    struct rv_insn insn;     /* the instruction being translated */
    unsigned fs;             /* mstatus.FS from the TB flags */
    bool fs_dirty;           /* FS is Dirty here (flags, or set in this TB) */
    unsigned frm;            /* fcsr.frm from the TB flags (dyn rm) */
};

/* Operand access: x0 reads as constant 0. */
ir_temp rv_src(struct rv_dc *dc, unsigned r);
/* Destination: x0 gets a scratch temp, so the write is dropped. */
ir_temp rv_dst(struct rv_dc *dc, unsigned r);
/* pc of the current instruction and of the next one. */
static inline uint64_t rv_insn_pc(const struct rv_dc *dc)
{
    return dc->base.pc_next;
}
/* End the TB with pc = dest through goto_tb slot (direct, linkable). */
void rv_gen_goto_tb(struct rv_dc *dc, unsigned slot, uint64_t dest);
/* End the TB with pc = dest and a plain exit to the exec loop (which then
 * checks interrupts: used after state changes). */
void rv_gen_exit(struct rv_dc *dc, uint64_t dest);
/* Raise an exception at this instruction (helper, no return). */
void rv_gen_raise(struct rv_dc *dc, enum rv_excp cause, uint64_t tval);

/* Each returns true if it translated the op; they may set base.stop. */
bool rv_trans_alu(struct rv_dc *dc, const struct rv_insn *in);
bool rv_trans_mem(struct rv_dc *dc, const struct rv_insn *in);
bool rv_trans_ctrl(struct rv_dc *dc, const struct rv_insn *in);
bool rv_trans_system(struct rv_dc *dc, const struct rv_insn *in);
bool rv_trans_fp(struct rv_dc *dc, const struct rv_insn *in);

#endif

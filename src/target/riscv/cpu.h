/*
 * cpu.h — RISC-V hart state and the target's interface to src/vcpu.
 *
 * struct rv_hart is the `env` of generated code: guest registers are IR
 * globals at fixed offsets from it, and its TLB is reached inline.
 *
 * Field ownership (docs/concurrency.md):
 *   - everything is owned by the hart's vCPU thread, except
 *   - mip_async: bits set/cleared by devices from any thread (atomic RMW,
 *     seq_cst); folded into mip by the owner;
 *   - exit_request: set by any thread (atomic store, release) to make the
 *     hart leave generated code at the next TB entry; cleared by the owner.
 *
 * Exception protocol (see also src/vcpu/vcpu.h): a helper that detects a
 * guest exception calls rv_raise_exception(h, cause, tval, GETPC()): the
 * guest pc is restored from the instruction records (never guessed), the
 * trap is taken (mepc/mcause/mtval/pc...), and control siglongjmps to the
 * exec loop's h->jmp_env.  Generated code never returns in that case.
 */
#ifndef LOOM_TARGET_RISCV_CPU_H
#define LOOM_TARGET_RISCV_CPU_H

#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "softmmu/tlb.h"
#include "target/riscv/trigger.h"
#include "translate/ir.h"
#include "util/compiler.h"
#include "util/hstats.h"

enum rv_priv { RV_PRIV_U = 0, RV_PRIV_S = 1, RV_PRIV_M = 3 };

/* Exception causes (mcause with interrupt bit clear). */
enum rv_excp {
    RV_EXC_INSN_MISALIGNED = 0, RV_EXC_INSN_ACCESS = 1, RV_EXC_ILLEGAL = 2,
    RV_EXC_BREAKPOINT = 3, RV_EXC_LOAD_MISALIGNED = 4, RV_EXC_LOAD_ACCESS = 5,
    RV_EXC_STORE_MISALIGNED = 6, RV_EXC_STORE_ACCESS = 7,
    RV_EXC_ECALL_U = 8, RV_EXC_ECALL_S = 9, RV_EXC_ECALL_M = 11,
    RV_EXC_INSN_PAGE = 12, RV_EXC_LOAD_PAGE = 13, RV_EXC_STORE_PAGE = 15,
};
/* Interrupt numbers (bit positions in mip/mie). */
enum rv_irq {
    RV_IRQ_SSI = 1, RV_IRQ_MSI = 3, RV_IRQ_STI = 5, RV_IRQ_MTI = 7,
    RV_IRQ_SEI = 9, RV_IRQ_MEI = 11,
};

/* Translation flags (struct tb key; everything translation depends on). */
#define RV_TBF_PRIV_MASK  3u        /* enum rv_priv */
#define RV_TBF_MMU_SHIFT  2         /* 2 bits: mmu index for data accesses */
/* Reserved for the privileged-architecture and F/D work (keep disjoint):
 *   bits 4-5   mstatus.FS (F/D translation depends on it: Off → illegal)
 *   bits 6-7   frm-independent FP state the F/D front end needs (spare)
 *   bits 8-15  paging / S-mode state the front end depends on (e.g. the
 *              fetch mmu index when it differs from priv, SUM/MXR if they
 *              select an mmu index, TSR/TVM/TW when instructions trap)
 *   bit 16     RV_TBF_TRIG (below)
 *   bit 31     src/vcpu's own (single-step TBs, VCPU_TBF_STEP): the
 *              front end ignores it
 * Anything translation depends on must be in the flags (DESIGN.md §4.2). */
#define RV_TBF_FS_SHIFT   4
#define RV_TBF_VM_SHIFT   8
/* Bit 16: an execute trigger can fire at this privilege (trigger.h): every
 * instruction of the TB calls the trigger check first. */
#define RV_TBF_TRIG       (1u << 16)
/* bits 17-19: fcsr.frm, so that an FP op with rm = dyn is translated with
 * its mode (trans_fp.c).  Only CSR instructions write frm, and each ends
 * its TB. */
#define RV_TBF_FRM_SHIFT  17

/* MMU indexes into the softmmu TLB (docs/riscv.md "MMU indexes"): U and S
 * translate through satp with that privilege's page permissions; S_SUM is S
 * with mstatus.SUM = 1 (data only: S may then read/write U pages); M is
 * untranslated.  Numerically U/S/M equal the privilege whose PMP
 * permissions the entries hold (S_SUM: S).  MXR is not an index: a change
 * flushes the TLB. */
enum rv_mmu_idx { RV_MMU_U = 0, RV_MMU_S = 1, RV_MMU_S_SUM = 2, RV_MMU_M = 3 };

#define RV_PMP_ENTRIES 16        /* implemented PMP entries (0..15) */

struct rv_hart {
    /* --- read and written by generated code (IR globals) ----------------- */
    uint64_t x[32];          /* x[0] is always 0: never written */
    uint64_t pc;
    uint64_t lr_addr;        /* LR reservation address, -1 when none */
    uint64_t lr_val;         /* value loaded by LR (checked by SC cmpxchg);
                                both used by the LR/SC helpers only */
    _Atomic int32_t exit_request;  /* nonzero: leave at next TB entry */
    int32_t pad0;
    /* Guest instructions this hart retired since it was created, in every
     * mode, whatever mcountinhibit says (minstret and mcycle are views of
     * it, csr.c).  Added by each TB at its entry for all its instructions
     * (translator.c); exact at every TB boundary, and put right by
     * whatever leaves a TB mid-way (rv_unwind).  Owner thread only. */
    uint64_t insn_count;
    /* Spurious SC failure requested (chaos mode, src/vcpu/chaos.c): the
     * next SC whose reservation matches fails without trying the store,
     * which the ISA allows (an SC may fail for any reason), and counts in
     * sc_spurious.  Owner thread only: set at a TB boundary by the exec
     * loop, consumed by rv_helper_sc on the same thread. */
    bool sc_fail_next;
    uint64_t sc_spurious;

    /* --- F/D state (trans_fp.c, fpu_helper.c) ----------------------------- */
    uint64_t f[32];          /* NaN-boxed: a single has upper 32 bits all 1 */
    uint32_t fflags;         /* accrued exceptions: NV DZ OF UF NX (4..0) */
    uint32_t frm;            /* dynamic rounding mode (3 bits, WARL-free) */

    /* --- machine-mode CSRs ------------------------------------------------ */
    enum rv_priv priv;       /* M, S or U */
    uint64_t mhartid;
    uint64_t mstatus, misa, medeleg, mideleg, mie, mip;
    _Atomic uint64_t mip_async;    /* device-driven bits (MTIP, MSIP, MEIP..) */
    uint64_t mtvec, mscratch, mepc, mcause, mtval;
    uint64_t mcounteren, mcountinhibit;
    uint64_t menvcfg;

    /* --- supervisor-mode CSRs (csr.c; sstatus/sie/sip are views) --------- */
    uint64_t stvec, sscratch, sepc, scause, stval, satp;
    uint64_t scounteren, senvcfg;
    uint64_t stimecmp;             /* Sstc: STIP = time >= stimecmp */
    /* Virtual range [lo, hi] holding superpages cached in the TLB (page by
     * page) since the last full flush: a page flush there flushes all. */
    uint64_t tlb_super_lo, tlb_super_hi;
    /* mcycle = insn_count + cycle_offset, minstret = insn_count +
     * instret_offset; while mcountinhibit.CY / .IR is set the field holds
     * the frozen counter value itself (csr.c). */
    uint64_t cycle_offset;
    uint64_t instret_offset;

    /* --- physical memory protection (pmp.c) ------------------------------ */
    uint8_t pmpcfg[RV_PMP_ENTRIES];    /* L..A..XWR per entry (legalised) */
    uint64_t pmpaddr[RV_PMP_ENTRIES];  /* address bits 55:2 */
    uint64_t pmp_lo, pmp_hi;   /* [lo, hi): data access a slow path checks */
    bool pmp_nocache;          /* a fill of that access must not stay cached */

    /* --- debug triggers (trigger.c) -------------------------------------- */
    struct rv_trig_state trig;

    /* --- execution state ------------------------------------------------- */
    bool halted;             /* in WFI: sleeps until an interrupt or kick */
    sigjmp_buf jmp_env;      /* exec loop's landing pad for exceptions */
    void *vcpu;              /* owning struct vcpu (opaque here) */
    struct pmem *pmem;

    /* --- softmmu TLB, reached inline by generated code ------------------- */
    struct tlb tlb;

    /* --- event counters (util/hstats.h): owner writes, anyone reads ---- */
    struct hstats stats;
};

/* --- lifetime ------------------------------------------------------------- */
/* Zero *h, set it up (TLB, misa) and reset it at 0x1000; set h->vcpu
 * afterwards. */
void rv_hart_init(struct rv_hart *h, unsigned hartid, struct pmem *pm);
void rv_hart_reset(struct rv_hart *h, uint64_t pc);  /* M mode, pc */

/* --- translation (front end) ---------------------------------------------- */
/* Register the hart's IR globals in a per-thread IR context (once per
 * thread). */
void rv_tr_init_globals(struct ir_ctx *ir);
/* Current (pc, flags) of the hart: the TB key it needs next. */
static inline uint32_t rv_tb_flags(const struct rv_hart *h)
{
    /* Data accesses use MPP's privilege when mstatus.MPRV (bit 17) is set
     * (MPRV is only ever set in M mode: mret below M clears it). */
    uint32_t mmu = (h->mstatus >> 17) & 1 ? (uint32_t)(h->mstatus >> 11) & 3
                                          : (uint32_t)h->priv;
    /* S data accesses with mstatus.SUM (bit 18) use the S_SUM index. */
    if (mmu == RV_MMU_S && ((h->mstatus >> 18) & 1))
        mmu = RV_MMU_S_SUM;
    return (uint32_t)h->priv | (mmu << RV_TBF_MMU_SHIFT) |
           ((uint32_t)(h->mstatus >> 13) & 3) << RV_TBF_FS_SHIFT |
           ((h->trig.exec_privs >> h->priv) & 1 ? RV_TBF_TRIG : 0) |
           (h->frm & 7) << RV_TBF_FRM_SHIFT;
}
/* Translate the TB starting at pc with flags into ir.  May raise an
 * instruction fault for the first instruction (siglongjmp; the trap is taken
 * with mepc = h->pc, so call it with h->pc == pc).  Fills the guest
 * byte size and the physical page of the last byte (== first page unless
 * the TB crosses a page boundary).  Returns 0, or -1 if the IR overflowed. */
struct rv_tb_info {
    uint64_t size;           /* guest bytes covered */
    unsigned icount;
    uint64_t phys_last;      /* physical address of the last byte */
};
int rv_translate(struct rv_hart *h, struct ir_ctx *ir, uint64_t pc,
                 uint32_t flags, unsigned max_insns, struct rv_tb_info *info);
/* Print the guest instructions of [pc, pc+size) (-d in_asm). */
void rv_disas_block(struct rv_hart *h, uint64_t pc, uint64_t size,
                    struct _IO_FILE *f);

/* --- traps and interrupts ------------------------------------------------- */
NORETURN void rv_raise_exception(struct rv_hart *h, enum rv_excp cause,
                                 uint64_t tval, uintptr_t retaddr);
/* Leave generated code at the guest instruction holding retaddr (a
 * helper's GETPC() or a slow path's retaddr): set pc to that instruction
 * (retires = false: it faulted, or ecall/ebreak, which do not retire) or to
 * the next one (retires = true), and take back from insn_count what the
 * TB's entry counted for instructions that did not retire.  Returns false,
 * changing nothing, if retaddr is not in generated code.  The caller then
 * siglongjmps to jmp_env (directly or through the trap). */
bool rv_unwind(struct rv_hart *h, uintptr_t retaddr, bool retires);
/* Take the highest-priority pending and enabled interrupt, if any: returns
 * true if a trap was taken (pc changed).  Called by the exec loop between
 * TBs. */
bool rv_check_interrupts(struct rv_hart *h);
/* Pending-and-enabled interrupt exists (wakes a hart from WFI even if
 * globally disabled, as the spec says). */
bool rv_interrupt_pending(const struct rv_hart *h);
/* Device-side: set or clear an interrupt-pending bit (any thread), then the
 * caller kicks the hart's vCPU. */
void rv_set_irq(struct rv_hart *h, enum rv_irq irq, bool level);

/* The ISA string for the device tree ("rv64imac_zicsr_zifencei..."), derived
 * from what the hart implements (misa and the Z extensions). */
const char *rv_isa_string(void);
/* The MMU type for the device tree: "riscv,none", "riscv,sv39", "riscv,sv48". */
const char *rv_mmu_type(void);

/* The time CSR source (mtime, 10 MHz): set by the board before harts run. */
extern uint64_t (*rv_rdtime)(void);
/* Sstc: the hart's stimecmp changed (owner thread).  Set once by the timer
 * device (clint_create) before harts run; it drives STIP in mip_async at
 * once and when time reaches cmp (no polling), like MTIP.  NULL: STIP is
 * evaluated only when stimecmp is written. */
extern void (*rv_stimecmp_changed)(void *opaque, struct rv_hart *h,
                                   uint64_t cmp);
extern void *rv_stimecmp_opaque;

/* --- debugger access (dbg.c; the hart's own thread, hart stopped) ------- */
/* satp selects a translated mode (Sv39/Sv48), whatever the privilege. */
bool rv_translation_on(const struct rv_hart *h);
/* Virtual → physical as the hart's data accesses see it now (its
 * privilege, MPRV ignored), without side effects: no TLB fill, no A/D
 * update, no permission or PMP check.  False: not mapped. */
bool rv_dbg_virt_to_phys(struct rv_hart *h, uint64_t va, uint64_t *pa);
/* Read / write CSR csr with no privilege check and no side effect beyond
 * the write itself (WARL legalised, TLB flushed on satp ...).  False if
 * the CSR does not exist (or, for a write, is read-only). */
bool rv_csr_debug_read(struct rv_hart *h, unsigned csr, uint64_t *val);
bool rv_csr_debug_write(struct rv_hart *h, unsigned csr, uint64_t val);
/* The CSR's name (lower case), or NULL if unnamed here. */
const char *rv_csr_name(unsigned csr);

/* --- softmmu glue ---------------------------------------------------------- */
/* The target's tlb_ops and the helpers generated code calls on a TLB miss
 * (index = log2(size)). */
extern const struct tlb_ops rv_tlb_ops;
extern uint64_t (*const rv_ld_slow[4])(void *env, uint64_t addr,
                                       unsigned mmu_idx, uintptr_t retaddr);
extern void (*const rv_st_slow[4])(void *env, uint64_t addr, uint64_t val,
                                   unsigned mmu_idx, uintptr_t retaddr);

#endif

/*
 * helper.c — functions called from generated code: raising exceptions, CSR
 * access, mret/sret/sfence.vma/wfi, and the A extension; and the
 * descriptors of every helper in helpers.def (flags and types: there).
 *
 * Each helper that can fault takes GETPC() itself (it must be the function
 * generated code called) and passes it to rv_raise_exception, which restores
 * the guest pc from the TB's instruction records.
 *
 * Atomics (DESIGN.md §4.10): AMOs are host __atomic RMW operations, seq_cst,
 * on the guest RAM's host address.  On x86-64 a lock-prefixed RMW (or
 * cmpxchg loop) is a full barrier, which satisfies every aq/rl combination.
 * LR/SC is value-based, like QEMU: LR records (address, value); SC succeeds
 * iff the address matches and a compare-and-swap from the recorded value
 * succeeds.  So an ABA sequence by another hart (A→B→A between LR and SC)
 * goes unnoticed: allowed by RVWMO's LR/SC constraints only loosely, and
 * harmless for every lock-free algorithm written against LR/SC semantics
 * that compares values.  The reservation is dropped by every SC, every trap
 * and mret.
 */
#include <stdlib.h>
#include "target/riscv/internal.h"

void rv_helper_raise(void *env, uint64_t cause, uint64_t tval)
{
    rv_raise_exception(env, (enum rv_excp)cause, tval, GETPC());
}

uint64_t rv_helper_csr(void *env, uint64_t desc, uint64_t src)
{
    struct rv_hart *h = env;
    uint32_t raw = (uint32_t)desc;
    enum rv_csr_kind kind = (enum rv_csr_kind)((desc >> RV_CSR_DESC_KIND_SHIFT) & 3);
    uint64_t old;

    /* A CSR instruction ends its TB (trans_system.c), whose entry counted
     * it: during the access insn_count is what retired before it (csr.c,
     * counters), then it retires — unless it raises, which unwinding
     * accounts for from the restored count. */
    h->insn_count--;
    bool ok = rv_csr_access(h, raw >> 20, kind, desc & RV_CSR_DESC_WRITE,
                            src, &old);
    h->insn_count++;
    if (!ok)
        rv_raise_exception(h, RV_EXC_ILLEGAL, raw, GETPC());
    return old;
}

void rv_helper_trig_exec(void *env, uint64_t pc, uint64_t raw)
{
    rv_trig_check_exec(env, pc, (uint32_t)raw, GETPC());
}

void rv_helper_mret(void *env)
{
    rv_do_mret(env);
}

/* sret in S or M (U is illegal at translation time); mstatus.TSR makes
 * it illegal in S. */
void rv_helper_sret(void *env)
{
    struct rv_hart *h = env;

    if (h->priv == RV_PRIV_S && (h->mstatus & RV_MSTATUS_TSR))
        rv_raise_exception(h, RV_EXC_ILLEGAL, 0x10200073, GETPC());
    rv_do_sret(h);
}

/* sfence.vma in S or M (U: illegal at translation time; S with
 * mstatus.TVM: illegal here).  desc = raw instruction | (rs1 == x0) << 32.
 * The TLB is not ASID-tagged, so the ASID in rs2 selects nothing: with
 * rs1 = x0 everything is flushed, else the page of vaddr for every ASID —
 * and everything when vaddr lies in the range where superpages were cached
 * (page by page: a page flush would leave the rest of the superpage). */
void rv_helper_sfence_vma(void *env, uint64_t vaddr, uint64_t desc)
{
    struct rv_hart *h = env;

    if (h->priv == RV_PRIV_S && (h->mstatus & RV_MSTATUS_TVM))
        rv_raise_exception(h, RV_EXC_ILLEGAL, (uint32_t)desc, GETPC());
    if ((desc >> 32) & 1 ||
        (vaddr >= h->tlb_super_lo && vaddr <= h->tlb_super_hi))
        rv_flush_translation(h, 0, true);
    else
        rv_flush_translation(h, vaddr, false);
}

void rv_helper_wfi(void *env)
{
    struct rv_hart *h = env;

    /* TW=1: WFI below M mode traps (our "bounded time limit" is zero);
     * with S mode implemented, WFI in U traps whatever TW says. */
    if ((h->priv < RV_PRIV_M && (h->mstatus & RV_MSTATUS_TW)) ||
        (h->priv == RV_PRIV_U && rv_has_ext(h, 'S')))
        rv_raise_exception(h, RV_EXC_ILLEGAL, 0x10500073, GETPC());
    if (!rv_interrupt_pending(h))
        h->halted = true;    /* the exec loop sleeps until kicked */
}

/* --- A extension ------------------------------------------------------------ */

static unsigned rv_data_mmu_idx(struct rv_hart *h)
{
    return (rv_tb_flags(h) >> RV_TBF_MMU_SHIFT) & 3;
}

/* Debug triggers on an atomic (kinds: RV_TRIG_LOAD and/or RV_TRIG_STORE):
 * address matches and debugger slots only (trigger.c). */
static void rv_atomic_trig(struct rv_hart *h, unsigned kinds, uint64_t addr,
                           unsigned size, uintptr_t ra)
{
    if (likely(!h->trig.mem))
        return;
    if (kinds & RV_TRIG_LOAD)
        rv_trig_check_mem(h, RV_TRIG_LOAD, addr, size, 0, 1, ra);
    if (kinds & RV_TRIG_STORE)
        rv_trig_check_mem(h, RV_TRIG_STORE, addr, size, 0, 1, ra);
}

/* Host pointer for an aligned atomic access, or the architectural fault:
 * misaligned → address-misaligned, MMIO/no RAM → access fault. */
static void *rv_atomic_ptr(struct rv_hart *h, uint64_t addr, unsigned size,
                           enum tlb_access acc, uintptr_t ra)
{
    bool load = acc == TLB_READ;
    unsigned mmu_idx = rv_data_mmu_idx(h);

    if (addr & (size - 1))
        rv_raise_exception(h, load ? RV_EXC_LOAD_MISALIGNED
                                   : RV_EXC_STORE_MISALIGNED, addr, ra);
    /* Bracketed like the load/store slow paths (a PMP-split page must not
     * stay cached).  W implies R in PMP (R=0 W=1 is reserved), so the
     * write check covers an AMO's read too. */
    rv_pmp_begin(h, addr, size);
    void *p = tlb_host_addr(&h->tlb, addr, size, acc, mmu_idx, ra);
    rv_pmp_end(h);
    if (!p)
        rv_raise_exception(h, load ? RV_EXC_LOAD_ACCESS : RV_EXC_STORE_ACCESS,
                           addr, ra);
    return p;
}

/* Signed/unsigned min/max have no __atomic builtin: a CAS loop.  `keep` is
 * evaluated with old_ in scope: true if the old value is the result.  The
 * CAS runs even then (storing the same value), so the AMO is always one
 * locked RMW: a full barrier, like the other AMOs. */
#define RV_AMO_MINMAX(T, p, v, keep) ({                                      \
    T old_ = __atomic_load_n((p), __ATOMIC_RELAXED), new_;                  \
    do                                                                      \
        new_ = (keep) ? old_ : (v);                                         \
    while (!__atomic_compare_exchange_n((p), &old_, new_, false,            \
                                        __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)); \
    old_; })

static uint64_t rv_amo32(uint32_t *p, uint32_t v, unsigned op)
{
    uint32_t old;

    switch (op) {
    case RV_OP_AMOSWAP_W: old = __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); break;
    case RV_OP_AMOADD_W:  old = __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); break;
    case RV_OP_AMOXOR_W:  old = __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST); break;
    case RV_OP_AMOAND_W:  old = __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST); break;
    case RV_OP_AMOOR_W:   old = __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST); break;
    case RV_OP_AMOMIN_W:
        old = RV_AMO_MINMAX(uint32_t, p, v, (int32_t)old_ <= (int32_t)v); break;
    case RV_OP_AMOMAX_W:
        old = RV_AMO_MINMAX(uint32_t, p, v, (int32_t)old_ >= (int32_t)v); break;
    case RV_OP_AMOMINU_W: old = RV_AMO_MINMAX(uint32_t, p, v, old_ <= v); break;
    case RV_OP_AMOMAXU_W: old = RV_AMO_MINMAX(uint32_t, p, v, old_ >= v); break;
    default: abort();
    }
    return (uint64_t)(int64_t)(int32_t)old;   /* .W results sign-extend */
}

static uint64_t rv_amo64(uint64_t *p, uint64_t v, unsigned op)
{
    switch (op) {
    case RV_OP_AMOSWAP_D: return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
    case RV_OP_AMOADD_D:  return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
    case RV_OP_AMOXOR_D:  return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);
    case RV_OP_AMOAND_D:  return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);
    case RV_OP_AMOOR_D:   return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);
    case RV_OP_AMOMIN_D:
        return RV_AMO_MINMAX(uint64_t, p, v, (int64_t)old_ <= (int64_t)v);
    case RV_OP_AMOMAX_D:
        return RV_AMO_MINMAX(uint64_t, p, v, (int64_t)old_ >= (int64_t)v);
    case RV_OP_AMOMINU_D: return RV_AMO_MINMAX(uint64_t, p, v, old_ <= v);
    case RV_OP_AMOMAXU_D: return RV_AMO_MINMAX(uint64_t, p, v, old_ >= v);
    default: abort();
    }
}

uint64_t rv_helper_amo(void *env, uint64_t addr, uint64_t src, uint64_t op)
{
    struct rv_hart *h = env;
    uintptr_t ra = GETPC();
    bool w = op <= RV_OP_AMOMAXU_W;
    hstat_inc(&h->stats, HS_AMOS);
    rv_atomic_trig(h, RV_TRIG_LOAD | RV_TRIG_STORE, addr, w ? 4 : 8, ra);
    /* AMOs need write permission even when they end up not changing memory. */
    void *p = rv_atomic_ptr(h, addr, w ? 4 : 8, TLB_WRITE, ra);
    uint64_t old = w ? rv_amo32(p, (uint32_t)src, (unsigned)op)
                     : rv_amo64(p, src, (unsigned)op);

    rv_atomic_write_done(h, addr, w ? 4 : 8, rv_data_mmu_idx(h), ra);
    return old;
}

uint64_t rv_helper_lr(void *env, uint64_t addr, uint64_t size_log2)
{
    struct rv_hart *h = env;
    rv_atomic_trig(h, RV_TRIG_LOAD, addr, 1u << size_log2, GETPC());
    void *p = rv_atomic_ptr(h, addr, 1u << size_log2, TLB_READ, GETPC());
    uint64_t v = size_log2 == 2
        ? (uint64_t)(int64_t)(int32_t)__atomic_load_n((uint32_t *)p, __ATOMIC_SEQ_CST)
        : __atomic_load_n((uint64_t *)p, __ATOMIC_SEQ_CST);

    h->lr_addr = addr;
    h->lr_val = v;
    return v;
}

uint64_t rv_helper_sc(void *env, uint64_t addr, uint64_t src,
                      uint64_t size_log2)
{
    struct rv_hart *h = env;
    unsigned size = 1u << size_log2;
    uint64_t lr_addr = h->lr_addr, lr_val = h->lr_val;
    bool ok;

    /* Alignment is checked even when the reservation does not match. */
    if (addr & (size - 1))
        rv_raise_exception(h, RV_EXC_STORE_MISALIGNED, addr, GETPC());
    h->lr_addr = ~0ull;      /* every SC ends the reservation */
    hstat_inc(&h->stats, HS_SC);
    if (lr_addr != addr) {
        hstat_inc(&h->stats, HS_SC_FAIL);
        return 1;
    }
    /* Chaos mode's spurious failure, after the checks an SC makes first
     * (alignment, reservation): only an SC that could have succeeded
     * counts.  Off: one test of a field this thread owns. */
    if (unlikely(h->sc_fail_next)) {
        h->sc_fail_next = false;
        h->sc_spurious++;
        hstat_inc(&h->stats, HS_SC_FAIL);
        return 1;
    }
    rv_atomic_trig(h, RV_TRIG_STORE, addr, size, GETPC());
    void *p = rv_atomic_ptr(h, addr, size, TLB_WRITE, GETPC());
    if (size == 4) {
        uint32_t expect = (uint32_t)lr_val;
        ok = __atomic_compare_exchange_n((uint32_t *)p, &expect, (uint32_t)src,
                                         false, __ATOMIC_SEQ_CST,
                                         __ATOMIC_SEQ_CST);
    } else {
        uint64_t expect = lr_val;
        ok = __atomic_compare_exchange_n((uint64_t *)p, &expect, src, false,
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
    if (ok)
        rv_atomic_write_done(h, addr, size, rv_data_mmu_idx(h), GETPC());
    else
        hstat_inc(&h->stats, HS_SC_FAIL);
    return ok ? 0 : 1;
}

/* --- descriptors (helpers.def) -------------------------------------------- */
#define RV_DEF_HELPER(name, flags, ret, ...)                                \
    IR_HELPER_DEF(rv_helper_##name, rv_helper_info_##name, #name, flags,    \
                  ret, __VA_ARGS__);
#define RV_DEF_HELPER_ALIAS(name, fn, flags, ret, ...)                      \
    IR_HELPER_DEF(rv_helper_##fn, rv_helper_info_##name, #fn, flags, ret,   \
                  __VA_ARGS__);
#include "target/riscv/helpers.def"

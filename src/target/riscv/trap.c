/*
 * trap.c — exceptions, interrupts, mret and sret (privileged spec 1.12):
 * a trap taken in S or U whose bit is set in medeleg (exceptions) or
 * mideleg (interrupts) goes to S (sepc/scause/stval/stvec, SPP/SPIE/SIE),
 * every other trap to M.
 *
 * Synchronous exceptions come from helpers and the softmmu through
 * rv_raise_exception: the guest pc and the instruction count are restored
 * from the instruction records of the TB that called (retaddr != 0:
 * rv_unwind), or are already exact in env (retaddr == 0: raised while
 * translating, or by the exec loop, where no TB is running).  Then the
 * trap is taken and control siglongjmps to the exec loop.
 *
 * Interrupts are taken only between TBs, by the exec loop
 * (rv_check_interrupts), where h->pc is exact.
 */
#include "target/riscv/internal.h"
#include "util/log.h"

void rv_take_trap(struct rv_hart *h, uint64_t cause, uint64_t tval)
{
    bool irq = cause & RV_CAUSE_IRQ;
    uint64_t ms = h->mstatus;

    rv_pmp_end(h);    /* an access faulted mid-way: drop split pages */

    if (log_enabled(LOG_INT))
        log_printf("hart %llu: %s cause %#llx epc %#llx tval %#llx priv %d\n",
                   (unsigned long long)h->mhartid,
                   irq ? "interrupt" : "exception",
                   (unsigned long long)cause, (unsigned long long)h->pc,
                   (unsigned long long)tval, (int)h->priv);
    uint64_t code = cause & ~RV_CAUSE_IRQ;
    hstat_add(&(irq ? h->stats.irq : h->stats.exc)[code & (HS_CAUSES - 1)], 1);
    uint64_t deleg = irq ? h->mideleg : h->medeleg;
    if (h->priv != RV_PRIV_M && code < 64 && ((deleg >> code) & 1)) {
        h->sepc = h->pc;
        h->scause = cause;
        h->stval = tval;
        /* SPIE = SIE, SIE = 0, SPP = previous privilege (U or S). */
        ms &= ~(RV_MSTATUS_SPIE | RV_MSTATUS_SPP);
        if (ms & RV_MSTATUS_SIE)
            ms |= RV_MSTATUS_SPIE;
        if (h->priv == RV_PRIV_S)
            ms |= RV_MSTATUS_SPP;
        ms &= ~RV_MSTATUS_SIE;
        h->mstatus = ms;
        h->priv = RV_PRIV_S;
        uint64_t base = h->stvec & ~RV_MTVEC_MODE;
        if (irq && (h->stvec & RV_MTVEC_MODE) == 1)
            base += 4 * code;
        h->pc = base;
        h->lr_addr = ~0ull;
        h->halted = false;
        return;
    }
    rv_trig_trap_to_m(h);
    h->mepc = h->pc;
    h->mcause = cause;
    h->mtval = tval;
    /* MPIE = MIE, MIE = 0, MPP = previous privilege. */
    ms = (ms & ~RV_MSTATUS_MPIE) | ((ms & RV_MSTATUS_MIE) ? RV_MSTATUS_MPIE : 0);
    ms &= ~(RV_MSTATUS_MIE | RV_MSTATUS_MPP);
    ms |= (uint64_t)h->priv << RV_MSTATUS_MPP_SHIFT;
    h->mstatus = ms;
    h->priv = RV_PRIV_M;
    /* Vectored mode applies to interrupts only. */
    uint64_t base = h->mtvec & ~RV_MTVEC_MODE;
    if (irq && (h->mtvec & RV_MTVEC_MODE) == 1)
        base += 4 * (cause & ~RV_CAUSE_IRQ);
    h->pc = base;
    h->lr_addr = ~0ull;      /* a trap ends any LR reservation */
    h->halted = false;
}

bool rv_unwind(struct rv_hart *h, uintptr_t retaddr, bool retires)
{
    struct tr_insn_pos pos;

    if (!tr_unwind(retaddr, &pos))
        return false;
    h->pc = pos.data[0];
    /* The TB's entry counted all pos.count instructions: those before this
     * one retired, this one only if it completes, the rest never ran. */
    h->insn_count -= pos.count - pos.index - (retires ? 1 : 0);
    if (retires)    /* data[1] is the raw instruction: length from bits 1:0 */
        h->pc += (pos.data[1] & 3) == 3 ? 4 : 2;
    return true;
}

void rv_raise_exception(struct rv_hart *h, enum rv_excp cause, uint64_t tval,
                        uintptr_t retaddr)
{
    /* The excepting instruction does not retire; nor do ecall and ebreak
     * (priv spec 1.12 §3.3.1: they "are not considered to retire, and
     * should not increment the minstret CSR"). */
    if (retaddr)
        rv_unwind(h, retaddr, false);
    rv_take_trap(h, cause, tval);
    siglongjmp(h->jmp_env, 1);
}

void rv_do_mret(struct rv_hart *h)
{
    uint64_t ms = h->mstatus;
    enum rv_priv mpp = (enum rv_priv)((ms & RV_MSTATUS_MPP) >> RV_MSTATUS_MPP_SHIFT);

    /* MIE = MPIE, MPIE = 1, priv = MPP, MPP = least-privileged mode; MPRV
     * is cleared when returning below M. */
    ms = (ms & ~RV_MSTATUS_MIE) | ((ms & RV_MSTATUS_MPIE) ? RV_MSTATUS_MIE : 0);
    ms |= RV_MSTATUS_MPIE;
    ms &= ~RV_MSTATUS_MPP;
    if (!rv_has_ext(h, 'U'))
        ms |= (uint64_t)RV_PRIV_M << RV_MSTATUS_MPP_SHIFT;
    if (mpp != RV_PRIV_M)
        ms &= ~RV_MSTATUS_MPRV;
    h->mstatus = ms;
    h->priv = mpp;
    h->pc = h->mepc;
    h->lr_addr = ~0ull;
    rv_trig_mret(h);
}

void rv_do_sret(struct rv_hart *h)
{
    uint64_t ms = h->mstatus;
    enum rv_priv spp = (ms & RV_MSTATUS_SPP) ? RV_PRIV_S : RV_PRIV_U;

    /* SIE = SPIE, SPIE = 1, priv = SPP, SPP = U; MPRV cleared (the new
     * privilege is below M). */
    ms &= ~(RV_MSTATUS_SIE | RV_MSTATUS_SPP | RV_MSTATUS_MPRV);
    if (ms & RV_MSTATUS_SPIE)
        ms |= RV_MSTATUS_SIE;
    ms |= RV_MSTATUS_SPIE;
    h->mstatus = ms;
    h->priv = spp;
    h->pc = h->sepc;
    h->lr_addr = ~0ull;
}

/* Highest-priority interrupt in pend (MEI > MSI > MTI > SEI > SSI > STI),
 * or -1. */
static int rv_first_irq(uint64_t pend)
{
    static const uint8_t order[] = { RV_IRQ_MEI, RV_IRQ_MSI, RV_IRQ_MTI,
                                     RV_IRQ_SEI, RV_IRQ_SSI, RV_IRQ_STI };

    for (size_t i = 0; i < ARRAY_SIZE(order); i++)
        if (pend & (1ull << order[i]))
            return order[i];
    return -1;
}

/* Interrupt to take now: pending and enabled in mie, and globally enabled
 * for the privilege it targets — M-level ones (not delegated) below M
 * always and in M when MIE; S-level ones (mideleg) in U always, in S when
 * SIE, never in M.  M-level interrupts come before S-level ones. */
static int rv_pending_irq(const struct rv_hart *h)
{
    uint64_t pend = rv_mip(h) & h->mie;
    uint64_t m_pend = pend & ~h->mideleg, s_pend = pend & h->mideleg;

    if (!pend)
        return -1;
    if (m_pend && (h->priv != RV_PRIV_M || (h->mstatus & RV_MSTATUS_MIE)))
        return rv_first_irq(m_pend);
    if (s_pend && (h->priv == RV_PRIV_U ||
                   (h->priv == RV_PRIV_S && (h->mstatus & RV_MSTATUS_SIE))))
        return rv_first_irq(s_pend);
    return -1;
}

bool rv_check_interrupts(struct rv_hart *h)
{
    int irq = rv_pending_irq(h);

    if (irq < 0)
        return false;
    rv_take_trap(h, RV_CAUSE_IRQ | (uint64_t)irq, 0);
    return true;
}

bool rv_interrupt_pending(const struct rv_hart *h)
{
    return (rv_mip(h) & h->mie) != 0;
}

void rv_set_irq(struct rv_hart *h, enum rv_irq irq, bool level)
{
    /* seq_cst RMW: PAIRS with the acquire load in rv_mip(). */
    if (level)
        atomic_fetch_or(&h->mip_async, 1ull << irq);
    else
        atomic_fetch_and(&h->mip_async, ~(1ull << irq));
}

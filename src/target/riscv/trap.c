/*
 * trap.c — exceptions, interrupts and mret (privileged spec 1.12, M mode;
 * no delegation because S mode is not implemented: every trap goes to M).
 *
 * Synchronous exceptions come from helpers and the softmmu through
 * rv_raise_exception: the guest pc is restored from the instruction records
 * of the TB that called (retaddr != 0), or is already exact in env
 * (retaddr == 0: raised while translating, or by the exec loop).  Then the
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

void rv_raise_exception(struct rv_hart *h, enum rv_excp cause, uint64_t tval,
                        uintptr_t retaddr)
{
    uint64_t data[2];

    if (retaddr && tr_unwind(retaddr, data))
        h->pc = data[0];
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
}

/* Interrupt to take now (pending, enabled in mie, globally enabled), in
 * priority order MEI > MSI > MTI > SEI > SSI > STI; -1 if none. */
static int rv_pending_irq(const struct rv_hart *h)
{
    static const uint8_t order[] = { RV_IRQ_MEI, RV_IRQ_MSI, RV_IRQ_MTI,
                                     RV_IRQ_SEI, RV_IRQ_SSI, RV_IRQ_STI };
    uint64_t pend = rv_mip(h) & h->mie;

    /* All interrupts target M (no mideleg): enabled below M always, in M
     * when mstatus.MIE. */
    if (!pend || (h->priv == RV_PRIV_M && !(h->mstatus & RV_MSTATUS_MIE)))
        return -1;
    for (size_t i = 0; i < ARRAY_SIZE(order); i++)
        if (pend & (1ull << order[i]))
            return order[i];
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

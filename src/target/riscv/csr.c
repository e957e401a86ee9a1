/*
 * csr.c — the Zicsr register file: M-mode CSRs, the unprivileged counters,
 * and the access rules (privilege, read-only, counter enables).
 *
 * Implemented privilege modes: M and U (misa reports RV64 IMACU).  The
 * structure is ready for S: each CSR's existence can depend on misa
 * (rv_csr_read returns false for a CSR that does not exist in this
 * configuration), and WARL fields are legalised in one place per CSR.
 *
 * Counters: mcycle and minstret are host monotonic nanoseconds plus a
 * per-hart offset (writes set the offset).  minstret therefore does not count
 * retired instructions exactly; it is monotonic and writable, which is what
 * firmware and Linux rely on.  mcountinhibit freezes them: while inhibited
 * the offset field holds the frozen value itself.  time comes from the
 * board's rv_rdtime hook (mtime, 10 MHz).
 */
#include <time.h>
#include "target/riscv/internal.h"

/* Default time source until the board sets one: host time at 10 MHz. */
static uint64_t rv_rdtime_host(void)
{
    return rv_host_ticks() / 100;
}
uint64_t (*rv_rdtime)(void) = rv_rdtime_host;

uint64_t rv_host_ticks(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

enum {
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03, CSR_HPMCOUNTER31 = 0xc1f,
    CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302,
    CSR_MIDELEG = 0x303, CSR_MIE = 0x304, CSR_MTVEC = 0x305,
    CSR_MCOUNTEREN = 0x306, CSR_MENVCFG = 0x30a, CSR_MCOUNTINHIBIT = 0x320,
    CSR_MHPMEVENT3 = 0x323, CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342,
    CSR_MTVAL = 0x343, CSR_MIP = 0x344,
    CSR_PMPCFG0 = 0x3a0, CSR_PMPCFG15 = 0x3af,
    CSR_PMPADDR0 = 0x3b0, CSR_PMPADDR63 = 0x3ef,
    CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02,
    CSR_MHPMCOUNTER3 = 0xb03, CSR_MHPMCOUNTER31 = 0xb1f,
    CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13,
    CSR_MHARTID = 0xf14, CSR_MCONFIGPTR = 0xf15,
};

/* mcountinhibit bits that exist (CY, IR; TM is always zero). */
#define RV_INHIBIT_CY 1u
#define RV_INHIBIT_IR 4u

/* --- counters --------------------------------------------------------------- */

static uint64_t rv_counter_get(const struct rv_hart *h, const int64_t *off,
                               unsigned inhibit_bit)
{
    if (h->mcountinhibit & inhibit_bit)
        return (uint64_t)*off;               /* frozen value */
    return rv_host_ticks() + (uint64_t)*off;
}

static void rv_counter_set(struct rv_hart *h, int64_t *off,
                           unsigned inhibit_bit, uint64_t val)
{
    if (h->mcountinhibit & inhibit_bit)
        *off = (int64_t)val;
    else
        *off = (int64_t)(val - rv_host_ticks());
}

static void rv_set_countinhibit(struct rv_hart *h, uint64_t val)
{
    uint64_t cy = rv_counter_get(h, &h->cycle_offset, RV_INHIBIT_CY);
    uint64_t ir = rv_counter_get(h, &h->instret_offset, RV_INHIBIT_IR);

    h->mcountinhibit = val & (RV_INHIBIT_CY | RV_INHIBIT_IR);
    rv_counter_set(h, &h->cycle_offset, RV_INHIBIT_CY, cy);
    rv_counter_set(h, &h->instret_offset, RV_INHIBIT_IR, ir);
}

/* --- mstatus ------------------------------------------------------------------ */

static bool rv_priv_implemented(const struct rv_hart *h, unsigned p)
{
    return p == RV_PRIV_M || (p == RV_PRIV_U && rv_has_ext(h, 'U')) ||
           (p == RV_PRIV_S && rv_has_ext(h, 'S'));
}

static void rv_write_mstatus(struct rv_hart *h, uint64_t val)
{
    uint64_t mask = RV_MSTATUS_MIE | RV_MSTATUS_MPIE;
    uint64_t ms = h->mstatus;

    if (rv_has_ext(h, 'U'))
        mask |= RV_MSTATUS_MPRV | RV_MSTATUS_TW;
    /* MPP is WARL: an unimplemented mode leaves the field unchanged. */
    unsigned mpp = (val & RV_MSTATUS_MPP) >> RV_MSTATUS_MPP_SHIFT;
    if (rv_priv_implemented(h, mpp))
        mask |= RV_MSTATUS_MPP;
    h->mstatus = (ms & ~mask) | (val & mask);
}

/* --- read / write ------------------------------------------------------------- */

/* Value of csr, or false if it does not exist here. */
static bool rv_csr_read(struct rv_hart *h, unsigned csr, uint64_t *val)
{
    switch (csr) {
    case CSR_CYCLE: case CSR_MCYCLE:
        *val = rv_counter_get(h, &h->cycle_offset, RV_INHIBIT_CY); return true;
    case CSR_INSTRET: case CSR_MINSTRET:
        *val = rv_counter_get(h, &h->instret_offset, RV_INHIBIT_IR); return true;
    case CSR_TIME:       *val = rv_rdtime(); return true;
    case CSR_MSTATUS:    *val = h->mstatus; return true;
    case CSR_MISA:       *val = h->misa; return true;
    case CSR_MEDELEG:
    case CSR_MIDELEG:
        /* Exist only with S mode (priv spec: "should not exist" without). */
        if (!rv_has_ext(h, 'S'))
            return false;
        *val = csr == CSR_MEDELEG ? h->medeleg : h->mideleg;
        return true;
    case CSR_MIE:        *val = h->mie; return true;
    case CSR_MIP:        *val = rv_mip(h); return true;
    case CSR_MTVEC:      *val = h->mtvec; return true;
    case CSR_MCOUNTEREN:
    case CSR_MENVCFG:
        if (!rv_has_ext(h, 'U'))
            return false;
        *val = csr == CSR_MCOUNTEREN ? h->mcounteren : 0;
        return true;
    case CSR_MCOUNTINHIBIT: *val = h->mcountinhibit; return true;
    case CSR_MSCRATCH:   *val = h->mscratch; return true;
    case CSR_MEPC:       *val = h->mepc; return true;
    case CSR_MCAUSE:     *val = h->mcause; return true;
    case CSR_MTVAL:      *val = h->mtval; return true;
    case CSR_MHARTID:    *val = h->mhartid; return true;
    case CSR_MVENDORID: case CSR_MARCHID: case CSR_MIMPID: case CSR_MCONFIGPTR:
        *val = 0; return true;
    default:
        break;
    }
    /* PMP: 16 entries in pmpcfg0/2 and pmpaddr0..15; the rest of the
     * 64 architectural entries read 0 (RV64: only even pmpcfg exist). */
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15 && !(csr & 1)) {
        *val = rv_pmp_read_cfg(h, csr - CSR_PMPCFG0);
        return true;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
        *val = rv_pmp_read_addr(h, csr - CSR_PMPADDR0);
        return true;
    }
    /* Hard-wired zero: hpm counters/events. */
    if ((csr >= CSR_HPMCOUNTER3 && csr <= CSR_HPMCOUNTER31) ||
        (csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) ||
        (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31)) {
        *val = 0;
        return true;
    }
    return false;
}

/* PMP changed: cached permissions are stale.  The TLB holds per-page
 * results; translated code was checked for execute at translation time,
 * so drop it too (as fence.i does: the loop flushes at its next safe point,
 * and the CSR instruction ends the TB). */
static void rv_pmp_changed(struct rv_hart *h)
{
    tlb_flush(&h->tlb);
    if (tr_runtime.code_modified)
        tr_runtime.code_modified(h, 0, ~0ull, 0);
}

/* Write an existing, writable CSR (WARL fields legalised here). */
static void rv_csr_write(struct rv_hart *h, unsigned csr, uint64_t val)
{
    switch (csr) {
    case CSR_MSTATUS:  rv_write_mstatus(h, val); break;
    case CSR_MEDELEG:  h->medeleg = 0; break;          /* no S mode yet */
    case CSR_MIDELEG:  h->mideleg = 0; break;
    case CSR_MIE:      h->mie = val & RV_MIP_HW; break;
    case CSR_MIP:      break;  /* M bits read-only; S bits come with S mode */
    case CSR_MTVEC:
        /* MODE is WARL: reserved modes (>= 2) keep the old mode. */
        if ((val & RV_MTVEC_MODE) >= 2)
            val = (val & ~RV_MTVEC_MODE) | (h->mtvec & RV_MTVEC_MODE);
        h->mtvec = val;
        break;
    case CSR_MCOUNTEREN: h->mcounteren = val & 0xffffffffu; break;
    case CSR_MCOUNTINHIBIT: rv_set_countinhibit(h, val); break;
    case CSR_MSCRATCH: h->mscratch = val; break;
    case CSR_MEPC:     h->mepc = val & ~1ull; break;   /* IALIGN = 16 */
    case CSR_MCAUSE:   h->mcause = val; break;
    case CSR_MTVAL:    h->mtval = val; break;
    case CSR_MCYCLE:
        rv_counter_set(h, &h->cycle_offset, RV_INHIBIT_CY, val); break;
    case CSR_MINSTRET:
        rv_counter_set(h, &h->instret_offset, RV_INHIBIT_IR, val); break;
    default:
        if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
            if (rv_pmp_write_cfg(h, csr - CSR_PMPCFG0, val))
                rv_pmp_changed(h);
        } else if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
            if (rv_pmp_write_addr(h, csr - CSR_PMPADDR0, val))
                rv_pmp_changed(h);
        }
        break;       /* misa, menvcfg, hpm: WARL, writes ignored */
    }
}

bool rv_csr_access(struct rv_hart *h, unsigned csr, enum rv_csr_kind kind,
                   bool write, uint64_t src, uint64_t *old)
{
    uint64_t val;

    csr &= 0xfff;
    if (((csr >> 8) & 3) > (unsigned)h->priv)
        return false;                        /* needs more privilege */
    if (write && (csr >> 10) == 3)
        return false;                        /* read-only CSR */
    /* Unprivileged counters below M: enabled per counter by mcounteren. */
    if (csr >= CSR_CYCLE && csr <= CSR_HPMCOUNTER31 && h->priv < RV_PRIV_M &&
        !(h->mcounteren & (1u << (csr - CSR_CYCLE))))
        return false;
    if (!rv_csr_read(h, csr, &val))
        return false;
    *old = val;
    if (!write)
        return true;
    switch (kind) {
    case RV_CSR_RW: val = src; break;
    case RV_CSR_RS: val |= src; break;
    case RV_CSR_RC: val &= ~src; break;
    }
    rv_csr_write(h, csr, val);
    return true;
}

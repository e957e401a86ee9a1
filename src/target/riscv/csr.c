/*
 * csr.c — the Zicsr register file: M-mode CSRs, the unprivileged counters,
 * and the access rules (privilege, read-only, counter enables).
 *
 * Implemented privilege modes: M, S and U.  Each CSR's existence can
 * depend on misa (rv_csr_read returns false for a CSR that does not exist
 * in this configuration), and WARL fields are legalised in one place per
 * CSR.  sstatus, sie and sip are views of mstatus, mie and mip (the last
 * two masked by mideleg).  Changes that alter address translation (satp,
 * MXR) flush the hart's TLB and jump cache; SUM selects an mmu index
 * (cpu.h) instead.
 *
 * Counters: minstret and mcycle are exact counts of retired instructions,
 * both views of h->insn_count (which generated code keeps exact, cpu.h):
 * counter = insn_count + offset, writes set the offset, and mcountinhibit
 * freezes a counter by storing its value in the offset field instead.
 * mcycle counts one cycle per retired instruction (docs/riscv.md,
 * "Counters").  time comes from the board's rv_rdtime hook (mtime, 10 MHz).
 */
#include <time.h>
#include "target/riscv/internal.h"

/* Default time source until the board sets one: host time at 10 MHz. */
static uint64_t rv_rdtime_host(void)
{
    return rv_host_ticks() / 100;
}
uint64_t (*rv_rdtime)(void) = rv_rdtime_host;
void (*rv_stimecmp_changed)(void *opaque, struct rv_hart *h, uint64_t cmp);
void *rv_stimecmp_opaque;

uint64_t rv_host_ticks(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

enum {
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03, CSR_HPMCOUNTER31 = 0xc1f,
    CSR_SSTATUS = 0x100, CSR_SIE = 0x104, CSR_STVEC = 0x105,
    CSR_SCOUNTEREN = 0x106, CSR_SENVCFG = 0x10a, CSR_SSCRATCH = 0x140,
    CSR_SEPC = 0x141, CSR_SCAUSE = 0x142, CSR_STVAL = 0x143, CSR_SIP = 0x144,
    CSR_STIMECMP = 0x14d, CSR_SATP = 0x180,
    CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
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

/* --- counters ---------------------------------------------------------------
 * During a CSR access h->insn_count is `now`, the number of instructions
 * retired before the CSR instruction (rv_helper_csr takes back what the
 * TB's entry counted for it).  A read returns the counter at now.  A write
 * sets the value the next instruction sees, at now + 1: the writing
 * instruction's own increment is replaced by the write (priv spec 1.12,
 * "Machine Counter/Timers": the write takes effect after the writing
 * instruction; riscv-tests rv64mi-p-instret_overflow).  A change of
 * mcountinhibit applies from the next instruction: the writing instruction
 * itself counts, or not, under the old setting. */

static uint64_t rv_counter_get(const struct rv_hart *h, uint64_t field,
                               unsigned inhibit_bit)
{
    if (h->mcountinhibit & inhibit_bit)
        return field;                        /* frozen value */
    return h->insn_count + field;
}

/* The counter once the current instruction has retired. */
static uint64_t rv_counter_after(const struct rv_hart *h, uint64_t field,
                                 unsigned inhibit_bit)
{
    if (h->mcountinhibit & inhibit_bit)
        return field;
    return h->insn_count + 1 + field;
}

/* Make the counter read val once the current instruction has retired. */
static void rv_counter_set(struct rv_hart *h, uint64_t *field,
                           unsigned inhibit_bit, uint64_t val)
{
    if (h->mcountinhibit & inhibit_bit)
        *field = val;
    else
        *field = val - (h->insn_count + 1);
}

static void rv_set_countinhibit(struct rv_hart *h, uint64_t val)
{
    uint64_t cy = rv_counter_after(h, h->cycle_offset, RV_INHIBIT_CY);
    uint64_t ir = rv_counter_after(h, h->instret_offset, RV_INHIBIT_IR);

    h->mcountinhibit = val & (RV_INHIBIT_CY | RV_INHIBIT_IR);
    rv_counter_set(h, &h->cycle_offset, RV_INHIBIT_CY, cy);
    rv_counter_set(h, &h->instret_offset, RV_INHIBIT_IR, ir);
}

void rv_counters_reset(struct rv_hart *h)
{
    /* Both read 0 at the first instruction after reset. */
    h->mcountinhibit = 0;
    h->cycle_offset = h->instret_offset = -h->insn_count;
}

/* --- mstatus ------------------------------------------------------------------ */

/* The mstatus bits sstatus shows (SD and FS included: the F/D code keeps
 * them in mstatus); UXL is read-only. */
#define RV_SSTATUS_MASK (RV_MSTATUS_SIE | RV_MSTATUS_SPIE | RV_MSTATUS_SPP | \
                         RV_MSTATUS_FS | (3ull << 15) | RV_MSTATUS_SUM |    \
                         RV_MSTATUS_MXR | RV_MSTATUS_UXL | (1ull << 63))

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
    if (rv_has_ext(h, 'S'))
        mask |= RV_MSTATUS_SIE | RV_MSTATUS_SPIE | RV_MSTATUS_SPP |
                RV_MSTATUS_SUM | RV_MSTATUS_MXR | RV_MSTATUS_TVM |
                RV_MSTATUS_TSR;
    /* MPP is WARL: an unimplemented mode leaves the field unchanged. */
    unsigned mpp = (val & RV_MSTATUS_MPP) >> RV_MSTATUS_MPP_SHIFT;
    if (rv_priv_implemented(h, mpp))
        mask |= RV_MSTATUS_MPP;
    mask |= RV_MSTATUS_FS;   /* F/D: Off/Initial/Clean/Dirty, all legal */
    h->mstatus = (ms & ~mask) | (val & mask);
    /* SD (read-only) summarises FS == Dirty (XS is always 0). */
    h->mstatus &= ~RV_MSTATUS_SD;
    if ((h->mstatus & RV_MSTATUS_FS) == RV_MSTATUS_FS)
        h->mstatus |= RV_MSTATUS_SD;
    /* MXR changes which pages are readable: cached permissions are stale.
     * (SUM selects an mmu index; MPRV/MPP are in the TB flags.) */
    if ((ms ^ h->mstatus) & RV_MSTATUS_MXR)
        rv_flush_translation(h, 0, true);
}

/* --- S mode ----------------------------------------------------------------- */

/* Exceptions medeleg can delegate: every defined cause but ecall from M
 * (read-only zero) — 0-9, 12, 13, 15. */
#define RV_MEDELEG_MASK 0xb3ffull

static void rv_write_satp(struct rv_hart *h, uint64_t val)
{
    unsigned mode = (unsigned)(val >> RV_SATP_MODE_SHIFT);

    /* Unsupported modes: the write is ignored (WARL).  ASID: all 16 bits
     * writable (the TLB is not ASID-tagged, so any width is correct). */
    if (mode != RV_SATP_MODE_BARE && mode != RV_SATP_MODE_SV39 &&
        mode != RV_SATP_MODE_SV48)
        return;
    h->satp = val;
    /* Translations of the old satp (and jump-cache entries keyed by
     * virtual pc) must go: flush everything. */
    rv_flush_translation(h, 0, true);
}

/* Sstc: (re)arm the comparison; STIP follows at once. */
static void rv_write_stimecmp(struct rv_hart *h, uint64_t val)
{
    h->stimecmp = val;
    if (rv_stimecmp_changed) {
        rv_stimecmp_changed(rv_stimecmp_opaque, h, val);
        return;
    }
    rv_set_irq(h, RV_IRQ_STI, rv_rdtime() >= val);
}

/* stimecmp is reachable below M only with menvcfg.STCE and mcounteren.TM
 * (Sstc). */
static bool rv_stimecmp_allowed(const struct rv_hart *h)
{
    return h->priv == RV_PRIV_M ||
           ((h->menvcfg & RV_MENVCFG_STCE) && (h->mcounteren & 2));
}

/* Counter csr (cycle/time/instret/hpm) readable at the current privilege:
 * S needs mcounteren, U needs mcounteren and (with S mode) scounteren. */
static bool rv_counter_enabled(const struct rv_hart *h, unsigned csr)
{
    uint64_t bit = 1ull << (csr - CSR_CYCLE);

    if (h->priv == RV_PRIV_M)
        return true;
    if (!(h->mcounteren & bit))
        return false;
    return h->priv == RV_PRIV_S || !rv_has_ext(h, 'S') ||
           (h->scounteren & bit);
}

/* --- read / write ------------------------------------------------------------- */

/* Value of csr, or false if it does not exist here. */
static bool rv_csr_read(struct rv_hart *h, unsigned csr, uint64_t *val)
{
    switch (csr) {
    case CSR_CYCLE: case CSR_MCYCLE:
        *val = rv_counter_get(h, h->cycle_offset, RV_INHIBIT_CY); return true;
    case CSR_INSTRET: case CSR_MINSTRET:
        *val = rv_counter_get(h, h->instret_offset, RV_INHIBIT_IR); return true;
    case CSR_TIME:       *val = rv_rdtime(); return true;
    case CSR_MSTATUS:    *val = h->mstatus; return true;
    case CSR_FFLAGS: case CSR_FRM: case CSR_FCSR:
        /* F/D state: absent (illegal) while mstatus.FS is Off. */
        if (!(h->mstatus & RV_MSTATUS_FS))
            return false;
        *val = csr == CSR_FFLAGS ? h->fflags
             : csr == CSR_FRM ? h->frm : h->frm << 5 | h->fflags;
        return true;
    case CSR_SSTATUS:    *val = h->mstatus & RV_SSTATUS_MASK; return true;
    case CSR_SIE:        *val = h->mie & h->mideleg; return true;
    case CSR_SIP:        *val = rv_mip(h) & h->mideleg; return true;
    case CSR_STVEC:      *val = h->stvec; return true;
    case CSR_SCOUNTEREN: *val = h->scounteren; return true;
    case CSR_SENVCFG:    *val = h->senvcfg; return true;
    case CSR_SSCRATCH:   *val = h->sscratch; return true;
    case CSR_SEPC:       *val = h->sepc; return true;
    case CSR_SCAUSE:     *val = h->scause; return true;
    case CSR_STVAL:      *val = h->stval; return true;
    case CSR_SATP:       *val = h->satp; return true;
    case CSR_STIMECMP:   *val = h->stimecmp; return true;
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
        *val = csr == CSR_MCOUNTEREN ? h->mcounteren : h->menvcfg;
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
    /* Debug triggers (Sdtrig): tselect..tcontrol. */
    if (rv_trig_csr_read(h, csr, val))
        return true;
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
    case CSR_FFLAGS: case CSR_FRM: case CSR_FCSR:
        if (csr == CSR_FFLAGS || csr == CSR_FCSR)
            h->fflags = val & 0x1f;
        if (csr == CSR_FRM)
            h->frm = val & 7;
        else if (csr == CSR_FCSR)
            h->frm = (val >> 5) & 7;
        rv_fs_set_dirty(h);
        break;
    case CSR_MEDELEG:  h->medeleg = val & RV_MEDELEG_MASK; break;
    case CSR_MIDELEG:  h->mideleg = val & RV_MIP_S; break;
    case CSR_MIE:      h->mie = val & (RV_MIP_HW | RV_MIP_S); break;
    case CSR_MIP: {
        /* M bits are read-only; SSIP, SEIP (the software half) and STIP
         * (unless Sstc drives it) are writable. */
        uint64_t m = RV_MIP_S;
        if (h->menvcfg & RV_MENVCFG_STCE)
            m &= ~RV_MIP_STIP;
        h->mip = (h->mip & ~m) | (val & m);
        break;
    }
    case CSR_MENVCFG:
        /* FIOM and STCE (Sstc); CBIE/CBCFE/CBZE/PBMTE not implemented. */
        h->menvcfg = val & (1ull | RV_MENVCFG_STCE);
        break;
    case CSR_SSTATUS:
        rv_write_mstatus(h, (h->mstatus & ~RV_SSTATUS_MASK) |
                            (val & RV_SSTATUS_MASK));
        break;
    case CSR_SIE:
        h->mie = (h->mie & ~h->mideleg) | (val & h->mideleg);
        break;
    case CSR_SIP: {
        /* Only SSIP is writable from S (when delegated). */
        uint64_t m = h->mideleg & (1ull << RV_IRQ_SSI);
        h->mip = (h->mip & ~m) | (val & m);
        break;
    }
    case CSR_STVEC:
        if ((val & RV_MTVEC_MODE) >= 2)
            val = (val & ~RV_MTVEC_MODE) | (h->stvec & RV_MTVEC_MODE);
        h->stvec = val;
        break;
    case CSR_SCOUNTEREN: h->scounteren = val & 0xffffffffu; break;
    case CSR_SENVCFG:  h->senvcfg = val & 1ull; break;      /* FIOM */
    case CSR_SSCRATCH: h->sscratch = val; break;
    case CSR_SEPC:     h->sepc = val & ~1ull; break;
    case CSR_SCAUSE:   h->scause = val; break;
    case CSR_STVAL:    h->stval = val; break;
    case CSR_SATP:     rv_write_satp(h, val); break;
    case CSR_STIMECMP: rv_write_stimecmp(h, val); break;
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
        if (csr >= 0x7a0 && csr <= 0x7a5) {
            rv_trig_csr_write(h, csr, val);
        } else if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
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
    /* Unprivileged counters below M: enabled per counter by mcounteren
     * (and scounteren for U). */
    if (csr >= CSR_CYCLE && csr <= CSR_HPMCOUNTER31 &&
        !rv_counter_enabled(h, csr))
        return false;
    /* S-mode CSRs that exist only with S. */
    if ((csr >> 8) == 1 && !rv_has_ext(h, 'S'))
        return false;
    /* mstatus.TVM: satp traps in S. */
    if (csr == CSR_SATP && h->priv == RV_PRIV_S &&
        (h->mstatus & RV_MSTATUS_TVM))
        return false;
    if (csr == CSR_STIMECMP && !rv_stimecmp_allowed(h))
        return false;
    if (!rv_csr_read(h, csr, &val))
        return false;
    *old = val;
    if (!write)
        return true;
    /* mip.SEIP reads as the software bit OR the external line, but only
     * the software bit takes part in a CSRRS/CSRRC read-modify-write (priv
     * spec, mip): otherwise setting SSIP while a PLIC line is high would
     * latch SEIP in software and the interrupt would never go away. */
    if (csr == CSR_MIP)
        val = (val & ~RV_MIP_SEIP) | (h->mip & RV_MIP_SEIP);
    switch (kind) {
    case RV_CSR_RW: val = src; break;
    case RV_CSR_RS: val |= src; break;
    case RV_CSR_RC: val &= ~src; break;
    }
    rv_csr_write(h, csr, val);
    return true;
}

/* --- debugger access (cpu.h) ---------------------------------------------------- */

bool rv_csr_debug_read(struct rv_hart *h, unsigned csr, uint64_t *val)
{
    return csr < 0x1000 && rv_csr_read(h, csr, val);
}

bool rv_csr_debug_write(struct rv_hart *h, unsigned csr, uint64_t val)
{
    uint64_t old;

    if (csr >= 0x1000 || (csr >> 10) == 3 || !rv_csr_read(h, csr, &old))
        return false;
    /* The hart is stopped between instructions: no instruction is in
     * flight whose retirement the counter rules (counters, above) would
     * wait for.  Write as if from one that just retired, so the hart's
     * next instruction reads a written minstret/mcycle as written. */
    h->insn_count--;
    rv_csr_write(h, csr, val);
    h->insn_count++;
    return true;
}

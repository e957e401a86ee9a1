/*
 * trigger.c — debug triggers (Sdtrig 1.0): the guest's trigger CSRs with
 * their WARL rules, the debugger's slots, and the match engine that the
 * execute-check helper, the load/store slow paths and the atomics call
 * (trigger.h has the design: TB flag for execute, TLB_WATCH pages for data).
 *
 * Guest triggers implement tdata1 types 2 (mcontrol, deprecated but what
 * older tests program) and 6 (mcontrol6), or 15 (disabled).  Both types
 * share one legalised representation (struct rv_trig_guest); a read
 * renders it in the trigger's type.  What is implemented, and what the
 * WARL fields legalise to:
 *   - type: 2 or 6 as written; anything else (0 included) disables (15);
 *     reset: type 2 with nothing enabled (inert), as QEMU and what
 *     riscv-tests' breakpoint test looks for;
 *   - dmode: read-only 0 (there is no Debug Mode; the debugger has its own
 *     slots), so action is 0 (breakpoint exception): other values write 0;
 *   - match: every defined encoding (0-5, 8, 9, 12, 13); reserved → 0;
 *     mcontrol6: NAPOT of every size (maskmax6 = 63: writing all ones to
 *     tdata2 under match=1 clears bit 62); mcontrol: maskmax 0, so no
 *     NAPOT (match 1 → 0);
 *   - size: any (0), 8/16/32/64-bit; others → 0;
 *   - select: address or data; timing (type 2): 0 only (before);
 *   - chain: 0 (no chains); hit0: set when the trigger fires, writable;
 *     hit1, uncertain, uncertainen, vs, vu: 0;
 *   - tdata3 (textra64): 0, no extra conditions; tinfo: version 1, types
 *     2, 6 and 15;
 *   - re-entrancy: Sdtrig's option 1 ("Native Triggers"): a trigger does
 *     not match in M while mstatus.MIE = 0, nor in S while SIE = 0 when
 *     medeleg[3] delegates breakpoints to S — so a handler, entered with
 *     interrupts off, never re-triggers on itself.  Option 2 (tcontrol)
 *     requires medeleg[3] hard-wired to 0, which S-mode kernels that take
 *     their own breakpoints (Linux under OpenSBI) cannot live with.
 *     tcontrol still exists: mte/mpte are kept and stacked by traps into
 *     M and mret as the spec describes, for software that saves and
 *     restores them, but they do not gate matching.
 * Compare values: execute compares the pc (select=0) or the instruction
 * bits (select=1); loads/stores compare every accessed byte's address
 * (select=0: any of them matching fires) or the value (select=1, zero-
 * extended; with a size, the low bits of that size).  A load's data match
 * is checked after the read but before rd is written, so it still fires
 * "before" (mepc = the load, hit0).  tval is the matching access's virtual
 * address (the pc for execute).  Atomics (LR/SC/AMO) check address
 * triggers and debugger slots; data-value triggers ignore them.
 */
#include <errno.h>
#include <string.h>
#include "target/riscv/internal.h"

void (*rv_trig_debug_stop)(struct rv_hart *h, const struct rv_trig_hit *hit);

enum {
    TRIG_TYPE_MCONTROL = 2, TRIG_TYPE_MCONTROL6 = 6, TRIG_TYPE_DISABLED = 15,
};
#define TCONTROL_MTE  (1ull << 3)
#define TCONTROL_MPTE (1ull << 7)
#define TDATA1_TYPE_SHIFT 60
/* mcontrol6 fields (type 2 shares action/chain/match/m/s/u/x/w/r). */
#define MC6_HIT0      (1ull << 22)
#define MC6_SELECT    (1ull << 21)
#define MC6_SIZE_SHIFT 16
#define MC_MATCH_SHIFT 7
#define MC_M (1ull << 6)
#define MC_S (1ull << 4)
#define MC_U (1ull << 3)
/* mcontrol (type 2) fields that differ. */
#define MC2_SIZEHI_SHIFT  21
#define MC2_HIT       (1ull << 20)
#define MC2_SELECT    (1ull << 19)
#define MC2_SIZELO_SHIFT  16

/* --- summaries --------------------------------------------------------------- */

static bool rv_trig_guest_on(const struct rv_trig_guest *t)
{
    return t->type != TRIG_TYPE_DISABLED && t->access && t->modes;
}

/* The addresses a guest trigger can match, conservatively: [*lo, *hi]. */
static bool rv_trig_guest_range(const struct rv_trig_guest *t, uint64_t *lo,
                                uint64_t *hi)
{
    uint64_t d = t->tdata2;

    *lo = 0;
    *hi = ~0ull;
    if (t->select)
        return true;                  /* data value: any address */
    switch (t->match) {
    case 0: *lo = *hi = d; break;
    case 1: {
        unsigned k = (unsigned)__builtin_ctzll(~d | (1ull << 63));
        uint64_t low = k >= 63 ? ~0ull : (2ull << k) - 1;
        *lo = d & ~low;
        *hi = d | low;
        break;
    }
    case 2: *lo = d; break;
    case 3:
        if (!d)
            return false;             /* nothing is below 0 */
        *hi = d - 1;
        break;
    default: break;                   /* masks and negations: anywhere */
    }
    return true;
}

void rv_trig_update(struct rv_hart *h)
{
    struct rv_trig_state *s = &h->trig;
    unsigned exec = 0, mem = 0;
    uint64_t lo = ~0ull, hi = 0, l, u;

    for (unsigned i = 0; i < RV_TRIG_GUEST_N; i++) {
        const struct rv_trig_guest *t = &s->guest[i];
        if (!rv_trig_guest_on(t))
            continue;
        /* Conservative: MIE/SIE are checked by the match itself. */
        if ((t->access & RV_TRIG_EXEC) && rv_trig_guest_range(t, &l, &u)) {
            exec |= t->modes;
            lo = l < lo ? l : lo;
            hi = u > hi ? u : hi;
        }
        mem |= t->access & (RV_TRIG_LOAD | RV_TRIG_STORE);
    }
    for (unsigned i = 0; i < RV_TRIG_DEBUG_N; i++) {
        const struct rv_trig_slot *d = &s->debug[i];
        if (d->access & RV_TRIG_EXEC) {
            exec |= (1u << RV_PRIV_U) | (1u << RV_PRIV_S) | (1u << RV_PRIV_M);
            lo = d->lo < lo ? d->lo : lo;
            hi = d->hi > hi ? d->hi : hi;
        }
        mem |= d->access & (RV_TRIG_LOAD | RV_TRIG_STORE);
    }
    s->exec_privs = exec;
    s->mem = mem;
    /* Empty: a range no pc satisfies is impossible with (pc - lo) <= span
     * (span 0 still admits lo), but the TB flag is clear then. */
    s->exec_lo = exec ? lo : 0;
    s->exec_span = exec ? hi - lo : 0;
}

/* The load/store ranges changed: entries filled without TLB_WATCH (or
 * with a stale one) must go.  The jump cache does not depend on them. */
static void rv_trig_mem_changed(struct rv_hart *h)
{
    tlb_flush(&h->tlb);
}

unsigned rv_trig_page_watch(const struct rv_hart *h, uint64_t page)
{
    const struct rv_trig_state *s = &h->trig;
    uint64_t end = page + TLB_PAGE_SIZE - 1;
    unsigned w = 0;

    for (unsigned i = 0; i < RV_TRIG_GUEST_N; i++) {
        const struct rv_trig_guest *t = &s->guest[i];
        uint64_t lo, hi;
        if (rv_trig_guest_on(t) && rv_trig_guest_range(t, &lo, &hi) &&
            lo <= end && hi >= page)
            w |= t->access;
    }
    for (unsigned i = 0; i < RV_TRIG_DEBUG_N; i++) {
        const struct rv_trig_slot *d = &s->debug[i];
        if (d->access && d->lo <= end && d->hi >= page)
            w |= d->access;
    }
    return ((w & RV_TRIG_LOAD) ? 1u << TLB_READ : 0) |
           ((w & RV_TRIG_STORE) ? 1u << TLB_WRITE : 0);
}

void rv_trig_reset(struct rv_hart *h)
{
    struct rv_trig_state *s = &h->trig;

    s->tselect = 0;
    s->tcontrol = 0;
    for (unsigned i = 0; i < RV_TRIG_GUEST_N; i++)
        s->guest[i] = (struct rv_trig_guest){ .type = TRIG_TYPE_MCONTROL };
    /* Debugger slots survive a machine reset (the debugger keeps them). */
    rv_trig_update(h);
}

void rv_trig_trap_to_m(struct rv_hart *h)
{
    uint64_t tc = h->trig.tcontrol;

    h->trig.tcontrol = (tc & TCONTROL_MTE) ? TCONTROL_MPTE : 0;
}

void rv_trig_mret(struct rv_hart *h)
{
    uint64_t tc = h->trig.tcontrol;
    uint64_t mte = (tc & TCONTROL_MPTE) ? TCONTROL_MTE : 0;

    h->trig.tcontrol = (tc & ~TCONTROL_MTE) | mte;
}

/* --- CSRs ----------------------------------------------------------------------- */

enum { CSR_TSELECT = 0x7a0, CSR_TDATA1, CSR_TDATA2, CSR_TDATA3, CSR_TINFO,
       CSR_TCONTROL };

/* mcontrol6 size code → bytes (0: any). */
static unsigned rv_trig_size_bytes(unsigned code)
{
    static const uint8_t bytes[8] = { 0, 1, 2, 4, 6, 8, 16, 0 };
    return bytes[code & 7];
}

static uint64_t rv_trig_tdata1(const struct rv_trig_guest *t)
{
    uint64_t v = (uint64_t)t->type << TDATA1_TYPE_SHIFT;

    if (t->type == TRIG_TYPE_DISABLED)
        return v;
    v |= (uint64_t)t->match << MC_MATCH_SHIFT | t->access;
    v |= (t->modes & (1u << RV_PRIV_M)) ? MC_M : 0;
    v |= (t->modes & (1u << RV_PRIV_S)) ? MC_S : 0;
    v |= (t->modes & (1u << RV_PRIV_U)) ? MC_U : 0;
    if (t->type == TRIG_TYPE_MCONTROL6) {
        v |= (uint64_t)t->size << MC6_SIZE_SHIFT;
        v |= t->select ? MC6_SELECT : 0;
        v |= t->hit ? MC6_HIT0 : 0;
    } else {
        /* maskmax 0 (no NAPOT); size 5 (64-bit) is sizehi:sizelo = 1:01
         * in type 2. */
        v |= (uint64_t)(t->size >> 2) << MC2_SIZEHI_SHIFT;
        v |= (uint64_t)(t->size & 3) << MC2_SIZELO_SHIFT;
        v |= t->select ? MC2_SELECT : 0;
        v |= t->hit ? MC2_HIT : 0;
    }
    return v;
}

static bool rv_trig_match_ok(unsigned m)
{
    return m <= 5 || m == 8 || m == 9 || m == 12 || m == 13;
}

static void rv_trig_write_tdata1(struct rv_hart *h, struct rv_trig_guest *t,
                                 uint64_t v)
{
    unsigned type = (unsigned)(v >> TDATA1_TYPE_SHIFT);
    struct rv_trig_guest n = { .type = TRIG_TYPE_DISABLED,
                               .tdata2 = t->tdata2 };

    if (type == TRIG_TYPE_MCONTROL || type == TRIG_TYPE_MCONTROL6) {
        unsigned size;
        n.type = (uint8_t)type;
        n.match = (uint8_t)((v >> MC_MATCH_SHIFT) & 0xf);
        if (!rv_trig_match_ok(n.match) ||
            (type == TRIG_TYPE_MCONTROL && n.match == 1))
            n.match = 0;
        n.access = (uint8_t)(v & 7);
        n.modes = (uint8_t)(((v & MC_M) ? 1u << RV_PRIV_M : 0) |
                            ((v & MC_S) ? 1u << RV_PRIV_S : 0) |
                            ((v & MC_U) ? 1u << RV_PRIV_U : 0));
        if (type == TRIG_TYPE_MCONTROL6) {
            size = (unsigned)(v >> MC6_SIZE_SHIFT) & 7;
            n.select = !!(v & MC6_SELECT);
            n.hit = !!(v & MC6_HIT0);
        } else {
            size = (unsigned)(((v >> MC2_SIZEHI_SHIFT) & 3) << 2 |
                              ((v >> MC2_SIZELO_SHIFT) & 3));
            n.select = !!(v & MC2_SELECT);
            n.hit = !!(v & MC2_HIT);
        }
        n.size = (uint8_t)(size == 4 || size > 5 ? 0 : size);
        /* action, chain, timing, dmode and the rest: read-only 0. */
    }
    *t = n;
}

static uint64_t rv_trig_legal_tdata2(const struct rv_trig_guest *t,
                                     uint64_t v)
{
    /* NAPOT with maskmax6 = 63: bits 62:0 all ones clear bit 62. */
    if (t->type != TRIG_TYPE_DISABLED && t->match == 1 && !t->select &&
        (v & (~0ull >> 1)) == (~0ull >> 1))
        v &= ~(1ull << 62);
    return v;
}

bool rv_trig_csr_read(struct rv_hart *h, unsigned csr, uint64_t *val)
{
    struct rv_trig_state *s = &h->trig;
    struct rv_trig_guest *t = &s->guest[s->tselect];

    switch (csr) {
    case CSR_TSELECT:  *val = s->tselect; return true;
    case CSR_TDATA1:   *val = rv_trig_tdata1(t); return true;
    case CSR_TDATA2:   *val = t->tdata2; return true;
    case CSR_TDATA3:   *val = 0; return true;
    case CSR_TINFO:
        *val = 1ull << 24 | 1u << TRIG_TYPE_MCONTROL |
               1u << TRIG_TYPE_MCONTROL6 | 1u << TRIG_TYPE_DISABLED;
        return true;
    case CSR_TCONTROL: *val = s->tcontrol; return true;
    default:           return false;
    }
}

void rv_trig_csr_write(struct rv_hart *h, unsigned csr, uint64_t val)
{
    struct rv_trig_state *s = &h->trig;
    struct rv_trig_guest *t = &s->guest[s->tselect];

    switch (csr) {
    case CSR_TSELECT:
        /* WARL: an index with no trigger leaves tselect unchanged (a
         * debugger reads back to find the count). */
        if (val < RV_TRIG_GUEST_N)
            s->tselect = (unsigned)val;
        return;
    case CSR_TDATA1:
        rv_trig_write_tdata1(h, t, val);
        t->tdata2 = rv_trig_legal_tdata2(t, t->tdata2);
        break;
    case CSR_TDATA2:
        t->tdata2 = rv_trig_legal_tdata2(t, val);
        break;
    case CSR_TCONTROL:
        s->tcontrol = val & (TCONTROL_MTE | TCONTROL_MPTE);
        return;
    default:
        return;                       /* tdata3, tinfo: nothing writable */
    }
    rv_trig_update(h);
    rv_trig_mem_changed(h);
}

/* --- matching -------------------------------------------------------------------- */

static bool rv_trig_value_match(unsigned match, uint64_t v, uint64_t d)
{
    bool r;

    switch (match & 7) {
    case 0: r = v == d; break;
    case 1: {
        unsigned k = (unsigned)__builtin_ctzll(~d | (1ull << 63));
        uint64_t low = k >= 63 ? ~0ull : (2ull << k) - 1;
        r = (v & ~low) == (d & ~low);
        break;
    }
    case 2: return v >= d;
    case 3: return v < d;
    case 4: r = ((v & (d >> 32)) & 0xffffffffu) == (d & 0xffffffffu); break;
    case 5: r = (((v >> 32) & (d >> 32)) & 0xffffffffu) ==
                (d & 0xffffffffu); break;
    default: return false;
    }
    return (match & 8) ? !r : r;
}

/* Does guest trigger t fire for this access at the hart's privilege?
 * sel: bit 0 — consider address triggers; bit 1 — data triggers (with
 * data valid). */
static bool rv_trig_guest_fires(const struct rv_hart *h,
                                const struct rv_trig_guest *t,
                                unsigned access, uint64_t addr, unsigned size,
                                uint64_t data, unsigned sel)
{
    if (!rv_trig_guest_on(t) || !(t->access & access) ||
        !(t->modes & (1u << h->priv)))
        return false;
    /* Re-entrancy, option 1 (file header). */
    if (h->priv == RV_PRIV_M && !(h->mstatus & RV_MSTATUS_MIE))
        return false;
    if (h->priv == RV_PRIV_S && (h->medeleg & (1u << RV_EXC_BREAKPOINT)) &&
        !(h->mstatus & RV_MSTATUS_SIE))
        return false;
    unsigned want = rv_trig_size_bytes(t->size);
    if (want && want != size)
        return false;
    if (t->select) {
        if (!(sel & 2))
            return false;
        uint64_t d = t->tdata2;
        if (want && want < 8) {
            uint64_t m = (1ull << (8 * want)) - 1;
            data &= m;
            d &= m;
        }
        return rv_trig_value_match(t->match, data, d);
    }
    if (!(sel & 1))
        return false;
    /* Execute compares the pc only; data accesses every byte. */
    unsigned n = access == RV_TRIG_EXEC ? 1 : size;
    for (unsigned i = 0; i < n; i++)
        if (rv_trig_value_match(t->match, addr + i, t->tdata2))
            return true;
    return false;
}

/* Leave generated code stopped for the debugger, before the instruction
 * (pc is exact in h already). */
static NORETURN void rv_trig_debug_fire(struct rv_hart *h, unsigned access,
                                        uint64_t addr, unsigned size,
                                        unsigned slot)
{
    struct rv_trig_hit hit = { .access = access, .addr = addr, .size = size,
                               .slot = slot };

    rv_pmp_end(h);
    rv_trig_debug_stop(h, &hit);
    siglongjmp(h->jmp_env, 1);
}

/* Restore h->pc to the instruction the helper at retaddr belongs to, and
 * the instruction count to what retired before it (it does not run). */
static void rv_trig_sync_pc(struct rv_hart *h, uintptr_t retaddr)
{
    if (retaddr)
        rv_unwind(h, retaddr, false);
}

void rv_trig_check_exec(struct rv_hart *h, uint64_t pc, uint32_t raw,
                        uintptr_t retaddr)
{
    struct rv_trig_state *s = &h->trig;
    unsigned len = (raw & 3) == 3 ? 4 : 2;

    if (!(s->exec_privs & (1u << h->priv)))
        return;
    for (unsigned i = 0; i < RV_TRIG_DEBUG_N; i++) {
        const struct rv_trig_slot *d = &s->debug[i];
        if ((d->access & RV_TRIG_EXEC) && pc >= d->lo && pc <= d->hi) {
            /* The TB's entry counted this instruction and the rest. */
            if (!retaddr || !rv_unwind(h, retaddr, false))
                h->pc = pc;
            rv_trig_debug_fire(h, RV_TRIG_EXEC, pc, len, i);
        }
    }
    for (unsigned i = 0; i < RV_TRIG_GUEST_N; i++) {
        struct rv_trig_guest *t = &s->guest[i];
        if (rv_trig_guest_fires(h, t, RV_TRIG_EXEC, pc, len, raw, 3)) {
            t->hit = 1;
            rv_raise_exception(h, RV_EXC_BREAKPOINT, pc, retaddr);
        }
    }
}

void rv_trig_check_mem(struct rv_hart *h, unsigned access, uint64_t addr,
                       unsigned size, uint64_t data, unsigned sel,
                       uintptr_t retaddr)
{
    struct rv_trig_state *s = &h->trig;

    if (!(s->mem & access))
        return;
    if (sel & 1) {
        for (unsigned i = 0; i < RV_TRIG_DEBUG_N; i++) {
            const struct rv_trig_slot *d = &s->debug[i];
            if ((d->access & access) && d->lo <= addr + size - 1 &&
                d->hi >= addr) {
                rv_trig_sync_pc(h, retaddr);
                rv_trig_debug_fire(h, access, addr, size, i);
            }
        }
    }
    for (unsigned i = 0; i < RV_TRIG_GUEST_N; i++) {
        struct rv_trig_guest *t = &s->guest[i];
        if (rv_trig_guest_fires(h, t, access, addr, size, data, sel)) {
            t->hit = 1;
            rv_raise_exception(h, RV_EXC_BREAKPOINT, addr, retaddr);
        }
    }
}

bool rv_trig_load_data_armed(const struct rv_hart *h)
{
    for (unsigned i = 0; i < RV_TRIG_GUEST_N; i++) {
        const struct rv_trig_guest *t = &h->trig.guest[i];
        if (rv_trig_guest_on(t) && t->select && (t->access & RV_TRIG_LOAD))
            return true;
    }
    return false;
}

/* --- debugger API ------------------------------------------------------------------ */

int rv_trig_debug_insert(struct rv_hart *h, unsigned access, uint64_t addr,
                         uint64_t len)
{
    access &= RV_TRIG_LOAD | RV_TRIG_STORE | RV_TRIG_EXEC;
    if (!access || !len || addr + (len - 1) < addr)
        return -EINVAL;
    if (!rv_trig_debug_stop)
        return -ENODEV;
    for (unsigned i = 0; i < RV_TRIG_DEBUG_N; i++) {
        struct rv_trig_slot *d = &h->trig.debug[i];
        if (d->access)
            continue;
        *d = (struct rv_trig_slot){ .lo = addr, .hi = addr + (len - 1),
                                    .access = access };
        rv_trig_update(h);
        if (access & (RV_TRIG_LOAD | RV_TRIG_STORE))
            rv_trig_mem_changed(h);
        return 0;
    }
    return -ENOSPC;
}

int rv_trig_debug_remove(struct rv_hart *h, unsigned access, uint64_t addr,
                         uint64_t len)
{
    access &= RV_TRIG_LOAD | RV_TRIG_STORE | RV_TRIG_EXEC;
    for (unsigned i = 0; i < RV_TRIG_DEBUG_N; i++) {
        struct rv_trig_slot *d = &h->trig.debug[i];
        if (d->access != access || !len || d->lo != addr ||
            d->hi != addr + (len - 1))
            continue;
        memset(d, 0, sizeof(*d));
        rv_trig_update(h);
        if (access & (RV_TRIG_LOAD | RV_TRIG_STORE))
            rv_trig_mem_changed(h);
        return 0;
    }
    return -ENOENT;
}

void rv_trig_debug_remove_all(struct rv_hart *h)
{
    memset(h->trig.debug, 0, sizeof(h->trig.debug));
    rv_trig_update(h);
    rv_trig_mem_changed(h);
}

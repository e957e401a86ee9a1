/*
 * translate.c — the RISC-V front end's hooks for the generic translator loop
 * (translator.h): instruction fetch, the page rules of a TB, and dispatch of
 * each decoded op to trans_alu.c / trans_mem.c / trans_ctrl.c /
 * trans_system.c / trans_fp.c.
 *
 * Contract (cpu.h rv_translate):
 *   - x1..x31 and pc are IR globals of struct rv_hart; x0 reads as the
 *     constant 0 and writes to it are dropped.
 *   - Every instruction starts with IR_INSN_START(pc, raw bits).
 *   - Fetch: the first instruction's page is looked up with probe=false, so
 *     an instruction fault is raised (siglongjmp) at the TB's pc before any
 *     IR exists.  Every later instruction lies in that same page (the TB
 *     stops before an instruction that would leave it or straddle its end),
 *     so it is read through the same host pointer and cannot fault.  Only the
 *     first instruction may straddle into the next page: its second half is
 *     fetched from that page (a fault there is raised at the TB's pc too)
 *     and phys_last records where the TB ends (the TB lookup in src/vcpu
 *     re-checks that page's mapping: the hash key holds only the first).
 *   - PMP: the fetch TLB fill checks the page.  When PMP splits the page
 *     (an entry boundary inside it), each instruction's bytes are checked
 *     here: a denied first instruction raises an instruction access fault
 *     at pc; the TB stops before any later denied one.
 */
#include <stddef.h>
#include <string.h>
#include "softmmu/ram_access.h"
#include "target/riscv/internal.h"

static const char *const rv_gpr_names[32] = {
    "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
    "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21",
    "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30", "x31",
};

/* The FP IR ops' fallback and the sticky flags they accrue (trans_fp.c). */
static const struct ir_fp_env rv_fp_env = {
    .fallback = RV_HELPER(fp_op),
    .flags_off = (int32_t)offsetof(struct rv_hart, fflags),
    .nx_mask = 1,                /* fflags.NX */
};

void rv_tr_init_globals(struct ir_ctx *ir)
{
    for (unsigned r = 1; r < 32; r++)
        ir_global(ir, IR_I64, (int32_t)offsetof(struct rv_hart, x[r]),
                  rv_gpr_names[r]);
    ir_global(ir, IR_I64, (int32_t)offsetof(struct rv_hart, pc), "pc");
    ir->fp = &rv_fp_env;
}

/* Find our globals in the context by their env offsets: keeps no per-thread
 * table of temp numbers (a few dozen compares per TB). */
static void rv_find_globals(struct rv_dc *dc)
{
    const struct ir_ctx *ir = dc->base.ir;

    memset(dc->x, 0, sizeof(dc->x));
    dc->pc = 0;
    for (unsigned t = 1; t <= ir->nglobals && t < IR_MAX_TEMPS; t++) {
        const struct ir_temp_info *ti = &ir->temps[t];
        if (ti->kind != IR_TEMP_GLOBAL)
            continue;
        size_t off = (size_t)ti->env_offset;
        if (off == offsetof(struct rv_hart, pc))
            dc->pc = (ir_temp)t;
        else if (off >= offsetof(struct rv_hart, x[1]) &&
                 off < offsetof(struct rv_hart, x[32]) && off % 8 == 0)
            dc->x[(off - offsetof(struct rv_hart, x[0])) / 8] = (ir_temp)t;
    }
    assert(dc->pc && "rv_tr_init_globals not called on this context");
    for (unsigned r = 1; r < 32; r++)
        assert(dc->x[r]);
}

ir_temp rv_src(struct rv_dc *dc, unsigned r)
{
    return r ? dc->x[r] : ir_const64(dc->base.ir, 0);
}

ir_temp rv_dst(struct rv_dc *dc, unsigned r)
{
    return r ? dc->x[r] : ir_temp_new(dc->base.ir, IR_I64);
}

void rv_gen_goto_tb(struct rv_dc *dc, unsigned slot, uint64_t dest)
{
    struct ir_ctx *ir = dc->base.ir;

    ir_mov(ir, IR_I64, dc->pc, ir_const64(ir, dest));
    ir_goto_tb(ir, slot);
    ir_exit_tb(ir, slot ? IR_EXIT_SLOT1 : IR_EXIT_SLOT0);
}

void rv_gen_exit(struct rv_dc *dc, uint64_t dest)
{
    struct ir_ctx *ir = dc->base.ir;

    ir_mov(ir, IR_I64, dc->pc, ir_const64(ir, dest));
    ir_exit_tb(ir, IR_EXIT_NOCHAIN);
}

void rv_gen_raise(struct rv_dc *dc, enum rv_excp cause, uint64_t tval)
{
    struct ir_ctx *ir = dc->base.ir;
    ir_temp c = ir_const64(ir, cause), t = ir_const64(ir, tval);

    ir_call_helper(ir, RV_HELPER(raise), 0, ir_env(ir), c, t);
    dc->base.stop = TR_STOP_DONE;
}

/* --- fetch ------------------------------------------------------------------ */

static uint16_t rv_page_read16(const struct rv_dc *dc, uint64_t off)
{
    /* Relaxed atomic: another hart may be rewriting this code. */
    return (uint16_t)ram_ld(dc->page_host + off, 2);
}

/* Instruction fetch uses the current privilege (never MPRV). */
static unsigned rv_fetch_mmu_idx(enum rv_priv priv)
{
    return priv == RV_PRIV_M ? RV_MMU_M : priv == RV_PRIV_S ? RV_MMU_S
                                                           : RV_MMU_U;
}

/* Raw bits of the instruction at pc_next (which lies in the first page). */
static uint32_t rv_fetch(struct rv_dc *dc)
{
    uint64_t pc = dc->base.pc_next;
    uint64_t off = pc - dc->page_va;
    uint16_t lo = rv_page_read16(dc, off);

    if (rv_insn_len(lo) == 2) {
        dc->phys_last = dc->page_pa + off + 1;
        return lo;
    }
    if (off + 4 <= TLB_PAGE_SIZE) {
        dc->phys_last = dc->page_pa + off + 3;
        return lo | (uint32_t)rv_page_read16(dc, off + 2) << 16;
    }
    /* The first instruction straddles the page end (later ones never do):
     * fetch the upper half from the next page; probe=false raises a fault
     * at the TB's pc, with the address of the missing half as tval. */
    assert(dc->base.num_insns == 0);
    uint64_t pa;
    const uint8_t *host;
    tlb_code_addr(&dc->h->tlb, pc + 2, rv_fetch_mmu_idx(dc->priv), false,
                  &pa, &host);
    /* Relaxed atomic, like every fetch: another hart may be writing it. */
    uint16_t hi = (uint16_t)ram_ld(host, 2);
    dc->phys_last = pa + 1;
    return lo | (uint32_t)hi << 16;
}

/* May the instruction at pc (in the first page) be fetched?  Only asked
 * when PMP splits the page; bytes past the page are the next page's fill's
 * business. */
static bool rv_fetch_allowed(const struct rv_dc *dc, uint64_t pc)
{
    uint64_t off = pc - dc->page_va;
    uint64_t len = rv_insn_len(rv_page_read16(dc, off));

    if (off + len > TLB_PAGE_SIZE)
        len = TLB_PAGE_SIZE - off;
    return rv_pmp_prot(dc->h, dc->page_pa + off, len, dc->priv) &
           (1u << TLB_EXEC);
}

/* --- hooks ----------------------------------------------------------------- */

static void rv_insn_start(struct tr_base *db)
{
    struct rv_dc *dc = container_of(db, struct rv_dc, base);
    uint32_t raw = rv_fetch(dc);

    rv_decode(raw, &dc->insn);
    ir_insn_start(db->ir, db->pc_next, dc->insn.raw);
    /* Debug triggers (trigger.h): check before the instruction runs; the
     * helper unwinds to this instruction's record if one fires.  Inline
     * first: the helper is called only when pc lies in the hart's range of
     * execute-trigger addresses, (pc - exec_lo) <=u exec_span. */
    if (db->flags & RV_TBF_TRIG) {
        struct ir_ctx *ir = db->ir;
        ir_label skip = ir_label_new(ir);
        ir_temp lo = ir_temp_new(ir, IR_I64), span = ir_temp_new(ir, IR_I64);
        ir_temp d = ir_temp_new(ir, IR_I64);
        ir_ld_env(ir, IR_I64, lo, IR_MO_64,
                  (int32_t)offsetof(struct rv_hart, trig.exec_lo));
        ir_ld_env(ir, IR_I64, span, IR_MO_64,
                  (int32_t)offsetof(struct rv_hart, trig.exec_span));
        ir_binop(ir, IR_SUB, IR_I64, d, ir_const64(ir, db->pc_next), lo);
        ir_brcond(ir, IR_I64, IR_GTU, d, span, skip);
        ir_call_helper(ir, RV_HELPER(trig_exec), 0, ir_env(ir),
                       ir_const64(ir, db->pc_next),
                       ir_const64(ir, dc->insn.raw));
        ir_set_label(ir, skip);
    }
}

static void rv_translate_insn(struct tr_base *db)
{
    struct rv_dc *dc = container_of(db, struct rv_dc, base);
    const struct rv_insn *in = &dc->insn;

    if (!(rv_trans_alu(dc, in) || rv_trans_mem(dc, in) ||
          rv_trans_ctrl(dc, in) || rv_trans_system(dc, in) ||
          rv_trans_fp(dc, in)))
        rv_gen_raise(dc, RV_EXC_ILLEGAL, in->raw);
    db->pc_next += in->len;

    /* Stop before an instruction that would straddle the first page's end
     * (it starts a TB of its own, which may fault on its second half). */
    if (db->stop == TR_CONTINUE &&
        db->pc_next == dc->page_va + TLB_PAGE_SIZE - 2 &&
        rv_insn_len(rv_page_read16(dc, TLB_PAGE_SIZE - 2)) == 4)
        db->stop = TR_STOP_NEXT;
    /* A denied instruction starts a TB of its own, which faults. */
    if (db->stop == TR_CONTINUE && dc->pmp_split &&
        db->pc_next < dc->page_va + TLB_PAGE_SIZE &&
        !rv_fetch_allowed(dc, db->pc_next))
        db->stop = TR_STOP_NEXT;
}

static void rv_tb_stop(struct tr_base *db)
{
    struct rv_dc *dc = container_of(db, struct rv_dc, base);

    rv_gen_goto_tb(dc, 0, db->pc_next);
}

/* A debugger breakpoint at the TB's first instruction: nothing of it is
 * fetched or run.  The TB claims the 2 bytes of the smallest instruction,
 * so an invalidation of the breakpoint's address finds it. */
static void rv_breakpoint(struct tr_base *db)
{
    struct rv_dc *dc = container_of(db, struct rv_dc, base);
    struct ir_ctx *ir = db->ir;

    ir_insn_start(ir, db->pc_next, 0);
    ir_call_helper(ir, tr_helper_debug, 0, ir_env(ir));
    ir_exit_tb(ir, IR_EXIT_NOCHAIN);
    dc->phys_last = dc->page_pa + (db->pc_next - dc->page_va) + 1;
    db->pc_next += 2;
    db->stop = TR_STOP_DONE;
}

static const struct tr_hooks rv_hooks = {
    .insn_start = rv_insn_start,
    .translate_insn = rv_translate_insn,
    .tb_stop = rv_tb_stop,
    .breakpoint = rv_breakpoint,
};

int rv_translate(struct rv_hart *h, struct ir_ctx *ir, uint64_t pc,
                 uint32_t flags, unsigned max_insns, struct rv_tb_info *info)
{
    struct rv_dc dc = {
        .base = {
            .ir = ir, .pc_first = pc, .pc_next = pc, .flags = flags,
            .max_insns = max_insns ? max_insns : 1,
            .page_bits = TLB_PAGE_BITS,
            .exit_flag_offset =
                (int32_t)offsetof(struct rv_hart, exit_request),
            .insn_count_offset =
                (int32_t)offsetof(struct rv_hart, insn_count),
        },
        .h = h,
        .priv = (enum rv_priv)(flags & RV_TBF_PRIV_MASK),
        .mmu_idx = (flags >> RV_TBF_MMU_SHIFT) & 3,
        .fs = (flags >> RV_TBF_FS_SHIFT) & 3,
        .fs_dirty = ((flags >> RV_TBF_FS_SHIFT) & 3) == 3,
        .frm = (flags >> RV_TBF_FRM_SHIFT) & 7,
        .page_va = pc & TLB_PAGE_MASK,
    };
    uint64_t pa;
    const uint8_t *host;

    rv_find_globals(&dc);
    /* May raise an instruction fault at h->pc (== pc) and never return. */
    tlb_code_addr(&h->tlb, pc, rv_fetch_mmu_idx(dc.priv), false, &pa, &host);
    dc.page_pa = pa & TLB_PAGE_MASK;
    dc.page_host = host - (pc & ~TLB_PAGE_MASK);
    unsigned prot;
    dc.pmp_split = !rv_pmp_page_prot(h, dc.page_pa, dc.priv, &prot);
    if (dc.pmp_split && !rv_fetch_allowed(&dc, pc))
        rv_raise_exception(h, RV_EXC_INSN_ACCESS, pc, 0);

    int ret = tr_translate_block(&rv_hooks, &dc.base);
    info->size = dc.base.pc_next - pc;
    info->icount = dc.base.num_insns;
    info->phys_last = dc.phys_last;
    return ret;
}

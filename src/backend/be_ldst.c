/*
 * be_ldst.c — IR_QLD / IR_QST: the softmmu TLB fast path inline, the miss
 * path out of line after the block's main stream.
 *
 * Fast path (be_softmmu_layout in backend.h), for address register A:
 *     mov   t0, A
 *     shr   t0, page_bits - entry_shift        ; index, pre-scaled
 *     and   t0, (2^tlb_bits - 1) << entry_shift
 *     mov   t1, A
 *     and   t1, ~(2^page_bits - 1) | (2^size - 1)  ; misaligned never hits
 *     cmp   t1, [env + t0 + tlb_offset + (mmu << (tlb_bits+entry_shift)) + cmp]
 *     jne   slow
 *   ret:                                  ; <- retaddr for the slow helper
 *     mov   t1, [env + t0 + ... + addend_off]
 *     mov   D, [A + t1]  /  mov [A + t1], V
 *   back:
 *
 * Slow path (one stub per access, emitted by be_gen_slow_paths):
 *     push the caller-saved registers live across the access (+ pad to keep
 *     rsp 16-aligned), marshal (env, addr, [val,] mmu_idx, retaddr), call
 *     mem.ld_slow/st_slow[size], sign-extend a signed load result into D,
 *     pop, jmp back.
 * retaddr is `ret` above: a main-stream address inside the current guest
 * instruction, so a fault taken in the helper unwinds to it.
 *
 * Globals are synced before the access (a faulting helper leaves by
 * longjmp and the exception path reads guest state from env) but stay
 * cached: the helpers never write them.
 */
#include "backend/be_gen.h"

#include "util/error.h"

/* Emit the TLB check; returns the rel32 field of the jne to the stub and
 * leaves the host addend in t1. */
static uint32_t tlb_check(struct be_gen *g, int ra, int t0, int t1,
                          unsigned size, unsigned mmu, bool is_st,
                          uint32_t *ret_off)
{
    const struct be_softmmu_layout *m = &be_g.mem;
    struct x86_buf *b = &g->buf;
    int64_t base = (int64_t)m->tlb_offset +
                   ((int64_t)mmu << (m->tlb_bits + m->entry_shift));
    int32_t cmp_off = m->cmp_read_off;
    if (is_st)
        cmp_off = m->cmp_write_off;
    if (base + cmp_off != (int32_t)(base + cmp_off) ||
        base + m->addend_off != (int32_t)(base + m->addend_off))
        loom_fatal("backend: TLB of mmu index %u out of disp32 range", mmu);

    int32_t idx_mask = (int32_t)((1u << m->tlb_bits) - 1);
    x86_mov_rr(b, true, t0, ra);
    if (m->page_bits >= m->entry_shift) {
        if (m->page_bits > m->entry_shift)
            x86_shift_ri(b, true, SHIFT_SHR, t0, m->page_bits - m->entry_shift);
        x86_arith_ri(b, true, ARITH_AND, t0, idx_mask << m->entry_shift);
    } else {
        x86_shift_ri(b, true, SHIFT_SHR, t0, m->page_bits);
        x86_arith_ri(b, true, ARITH_AND, t0, idx_mask);
        x86_shift_ri(b, true, SHIFT_SHL, t0, m->entry_shift);
    }
    x86_mov_rr(b, true, t1, ra);
    /* ~(2^page_bits - 1) | (2^size - 1), sign-extended from 32 bits */
    int32_t cmp_mask = (int32_t)(~((1u << m->page_bits) - 1) |
                                 ((1u << size) - 1));
    x86_arith_ri(b, true, ARITH_AND, t1, cmp_mask);
    x86_encode(b, (OPC_ARITH_GvEv + (ARITH_CMP << 3)) | P_REXW, t1, X86_M_MEM,
               BE_ENV_REG, t0, 0, (int32_t)(base + cmp_off), 0);
    uint32_t field = x86_jcc32(b, X86_CC_NE);
    *ret_off = x86_off(b);
    x86_load(b, 3, false, true, t1, BE_ENV_REG, t0,
             (int32_t)(base + m->addend_off));
    return field;
}

/* Caller-saved registers holding values after the access (except `skip`):
 * the stub saves them around the helper call. */
static uint16_t live_caller_saved(struct be_gen *g, int skip)
{
    uint16_t mask = 0;
    for (int r = 0; r < 16; r++)
        if (g->reg_temp[r] && (BE_CALLER_SAVED >> r & 1) && r != skip)
            mask |= (uint16_t)(1u << r);
    return mask;
}

void be_gen_qld(struct be_gen *g, const struct ir_op *op)
{
    ir_temp d = (ir_temp)op->args[0], addr = (ir_temp)op->args[1];
    unsigned mo = op->args[2], size = mo & IR_MO_SIZE;
    bool w64 = op->type == IR_I64;
    int ra = be_in_reg(g, addr);
    be_sync_globals(g);
    /* Every register is chosen before the check: code emitted between the
     * jne and `back` (a spill) would be skipped by the slow path.  The
     * address is read before D is written, so D may take its place. */
    bool reuse = (d == addr || (be_arg_dead(g, 1) &&
                  be_ti(g, addr)->kind == IR_TEMP_NORMAL)) && ra != BE_ENV_REG;
    int rd = reuse ? ra : be_out_reg(g, d);
    int t0 = be_reg_alloc(g, BE_ALLOCATABLE);
    int t1 = be_reg_alloc(g, BE_ALLOCATABLE);
    struct be_slow *s = &g->slow[g->nslow++];
    s->jcc_field = tlb_check(g, ra, t0, t1, size, op->args[3], false,
                             &s->ret_off);
    x86_load(&g->buf, size, mo & IR_MO_SIGN, w64, rd, ra, t1, 0);
    s->back_off = x86_off(&g->buf);
    be_bind_out(g, d, rd);
    be_free_dead_inputs(g, 1, 1);
    s->save = live_caller_saved(g, rd);
    s->memop = (uint8_t)mo;
    s->mmu = (uint8_t)op->args[3];
    s->is_st = 0;
    s->w64 = w64;
    s->addr = (int8_t)ra;
    s->val = (int8_t)rd;
}

void be_gen_qst(struct be_gen *g, const struct ir_op *op)
{
    ir_temp val = (ir_temp)op->args[0], addr = (ir_temp)op->args[1];
    unsigned mo = op->args[2], size = mo & IR_MO_SIZE;
    int rv = be_in_reg(g, val);
    int ra = be_in_reg(g, addr);
    be_sync_globals(g);
    int t0 = be_reg_alloc(g, BE_ALLOCATABLE);
    int t1 = be_reg_alloc(g, BE_ALLOCATABLE);
    struct be_slow *s = &g->slow[g->nslow++];
    s->jcc_field = tlb_check(g, ra, t0, t1, size, op->args[3], true,
                             &s->ret_off);
    x86_store(&g->buf, size, rv, ra, t1, 0);
    s->back_off = x86_off(&g->buf);
    be_free_dead_inputs(g, 2, 0);
    s->save = live_caller_saved(g, -1);
    s->memop = (uint8_t)mo;
    s->mmu = (uint8_t)op->args[3];
    s->is_st = 1;
    s->w64 = 1;
    s->addr = (int8_t)ra;
    s->val = (int8_t)rv;
}

static void emit_slow(struct be_gen *g, const struct be_slow *s)
{
    const struct be_softmmu_layout *m = &be_g.mem;
    struct x86_buf *b = &g->buf;
    unsigned size = s->memop & IR_MO_SIZE, n = 0;
    x86_patch32(b, s->jcc_field, x86_off(b));
    for (int r = 0; r < 16; r++)
        if (s->save >> r & 1) {
            x86_push(b, r);
            n++;
        }
    if (n & 1)                   /* keep rsp 16-aligned at the call */
        x86_arith_ri(b, true, ARITH_SUB, X86_RSP, 8);
    int A = s->addr, V = s->val;
    if (s->is_st) {
        /* (env, addr, val, mmu, retaddr) in rdi, rsi, rdx, ecx, r8: place
         * addr and val first, they may sit in each other's target. */
        if (A == X86_RDX && V == X86_RSI) {
            x86_op_rr(b, OPC_XCHG_EvGv | P_REXW, X86_RSI, X86_RDX);
        } else if (A == X86_RDX) {
            x86_mov_rr(b, true, X86_RSI, A);
            if (V != X86_RDX)
                x86_mov_rr(b, true, X86_RDX, V);
        } else {
            if (V != X86_RDX)
                x86_mov_rr(b, true, X86_RDX, V);
            if (A != X86_RSI)
                x86_mov_rr(b, true, X86_RSI, A);
        }
        x86_mov_rr(b, true, X86_RDI, BE_ENV_REG);
        x86_mov_ri(b, X86_RCX, s->mmu);
        x86_lea_rip(b, X86_R8, g->buf.start + s->ret_off);
        x86_call_abs(b, (const void *)m->st_slow[size]);
    } else {
        if (A != X86_RSI)
            x86_mov_rr(b, true, X86_RSI, A);
        x86_mov_rr(b, true, X86_RDI, BE_ENV_REG);
        x86_mov_ri(b, X86_RDX, s->mmu);
        x86_lea_rip(b, X86_RCX, g->buf.start + s->ret_off);
        x86_call_abs(b, (const void *)m->ld_slow[size]);
        /* Helpers return the value zero-extended. */
        if (s->memop & IR_MO_SIGN)
            x86_ext(b, size, true, s->w64, V, X86_RAX);
        else
            x86_mov_rr(b, s->w64, V, X86_RAX);
    }
    if (n & 1)
        x86_arith_ri(b, true, ARITH_ADD, X86_RSP, 8);
    for (int r = 16; r-- > 0;)
        if (s->save >> r & 1)
            x86_pop(b, r);
    x86_patch32(b, x86_jmp32(b), s->back_off);
}

void be_gen_slow_paths(struct be_gen *g)
{
    for (unsigned i = 0; i < g->nslow; i++)
        emit_slow(g, &g->slow[i]);
}

/*
 * be_gen.c — IR → x86-64 code generator: the emitter of every IR op (one
 * table, checked complete at build time against ir_ops.def) and the
 * per-block driver (register allocator: be_ra.c; guest memory: be_ldst.c).
 *
 *   ir_ctx ops ──liveness (backward)──▶ dead masks
 *              ──forward walk, one op at a time──▶ host code in the region
 *              ──slow paths, label fixups, insn records──▶ struct be_block
 *
 * Register conventions (docs/backend.md):
 *   r14      env, for the whole of generated code (BE_ENV_REG)
 *   rsp      16-aligned frame; spill slot i at [rsp + 8*i]
 *   r11      scratch for far calls/jumps and parallel-move cycles
 *   others   allocatable (BE_ALLOCATABLE), in be_ra.c's be_order[]
 *
 * Semantics follow ir.h exactly: I32 results are zero-extended (32-bit x86
 * operations do that for free); shifts mask their count (x86 does too);
 * division never executes a faulting idiv: x/0 and INT_MIN/-1 are branched
 * around.
 *
 * Thread context: any translating thread; all state is in a per-thread
 * struct be_gen.
 */
#include "backend/be_gen.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"

static const int8_t be_arg_regs[IR_MAX_CALL_ARGS] = {
    X86_RDI, X86_RSI, X86_RDX, X86_RCX, X86_R8, X86_R9,
};

static __thread struct be_gen *be_gen_state;

/* ---- operand helpers ----------------------------------------------------- */

static bool is_const(struct be_gen *g, ir_temp t)
{
    return be_ti(g, t)->kind == IR_TEMP_CONST;
}

/* t as an imm32 for an operation of width w64 (sign-extended by x86). */
static bool const_imm(struct be_gen *g, ir_temp t, bool w64, int32_t *imm)
{
    const struct ir_temp_info *ti = be_ti(g, t);
    if (ti->kind != IR_TEMP_CONST)
        return false;
    if (!w64) {
        *imm = (int32_t)(uint32_t)ti->val;
        return true;
    }
    if ((int64_t)ti->val != (int32_t)ti->val)
        return false;
    *imm = (int32_t)ti->val;
    return true;
}

/* May the output overwrite input i's register in place? */
static bool reusable(struct be_gen *g, unsigned i)
{
    ir_temp t = (ir_temp)g->op->args[i];
    return t == g->op->args[0] || (be_arg_dead(g, i) && be_tracked(g, t));
}

static enum x86_cc cond_cc(unsigned c)
{
    static const enum x86_cc map[] = {
        [IR_EQ] = X86_CC_E, [IR_NE] = X86_CC_NE, [IR_LT] = X86_CC_L,
        [IR_GE] = X86_CC_GE, [IR_LE] = X86_CC_LE, [IR_GT] = X86_CC_G,
        [IR_LTU] = X86_CC_B, [IR_GEU] = X86_CC_AE, [IR_LEU] = X86_CC_BE,
        [IR_GTU] = X86_CC_A,
    };
    return map[c];
}

static unsigned cond_swap(unsigned c)
{
    static const uint8_t map[] = {
        [IR_EQ] = IR_EQ, [IR_NE] = IR_NE, [IR_LT] = IR_GT, [IR_GE] = IR_LE,
        [IR_LE] = IR_GE, [IR_GT] = IR_LT, [IR_LTU] = IR_GTU,
        [IR_GEU] = IR_LEU, [IR_LEU] = IR_GEU, [IR_GTU] = IR_LTU,
    };
    return map[c];
}

/* Compare args[ia] with args[ib] (width w64); returns the condition to
 * test, swapped if the operands were.  Both stay locked. */
static enum x86_cc gen_compare(struct be_gen *g, unsigned ia, unsigned ib,
                               unsigned cond, bool w64)
{
    ir_temp a = (ir_temp)g->op->args[ia], b = (ir_temp)g->op->args[ib];
    int32_t imm;
    if (is_const(g, a) && !is_const(g, b)) {
        ir_temp t = a; a = b; b = t;
        cond = cond_swap(cond);
    }
    int ra = be_in_reg(g, a);
    if (const_imm(g, b, w64, &imm)) {
        if (imm == 0)   /* same flags as cmp r, 0 for every condition */
            x86_test_rr(&g->buf, w64, ra, ra);
        else
            x86_arith_ri(&g->buf, w64, ARITH_CMP, ra, imm);
    } else {
        x86_arith_rr(&g->buf, w64, ARITH_CMP, ra, be_in_reg(g, b));
    }
    return cond_cc(cond);
}

/* Load a compare operand into a (locked) register ahead of the compare, so
 * that nothing between a BB-end sync (or movcond's copy) and the compare
 * needs to load it. */
static void preload(struct be_gen *g, unsigned i)
{
    ir_temp t = (ir_temp)g->op->args[i];
    int32_t imm;
    if (!const_imm(g, t, g->op->type == IR_I64, &imm))
        be_in_reg(g, t);
}

/* ---- arithmetic ------------------------------------------------------------ */

static int copy_or_reuse(struct be_gen *g, unsigned ia, int ra, bool w64);

/* The x86 ALU operation of ADD/SUB/AND/OR/XOR (MUL uses imul). */
static enum x86_arith alu_of(unsigned opc)
{
    switch (opc) {
    case IR_ADD: return ARITH_ADD;
    case IR_SUB: return ARITH_SUB;
    case IR_AND: return ARITH_AND;
    case IR_OR:  return ARITH_OR;
    case IR_XOR: return ARITH_XOR;
    default:     ir_fatal_op("backend gen_arith", opc);
    }
}

/* ADD, SUB, AND, OR, XOR, MUL: two-operand x86 forms, lea, imul. */
static void gen_arith(struct be_gen *g, const struct ir_op *op)
{
    struct x86_buf *b = &g->buf;
    bool w64 = op->type == IR_I64;
    ir_temp d = (ir_temp)op->args[0];
    unsigned ia = 1, ib = 2;
    int32_t imm;
    if (ir_op_has(op->opc, IR_OPF_COMMUTATIVE)) {
        /* constant right, reuse left */
        ir_temp a = (ir_temp)op->args[1], bt = (ir_temp)op->args[2];
        if ((is_const(g, a) && !is_const(g, bt)) ||
            (!reusable(g, 1) && reusable(g, 2) && !is_const(g, bt))) {
            ia = 2;
            ib = 1;
        }
    }
    ir_temp a = (ir_temp)op->args[ia], bt = (ir_temp)op->args[ib];
    int ra = be_in_reg(g, a), rd;
    bool reuse = reusable(g, ia) && ra != BE_ENV_REG;
    if (const_imm(g, bt, w64, &imm)) {
        if (imm == 0 && op->opc != IR_AND && op->opc != IR_MUL) {
            /* x+0, x-0, x|0, x^0: a move (I32 still zero-extends) */
            rd = copy_or_reuse(g, ia, ra, w64);
            if (rd == ra && !w64)
                x86_mov_rr(b, false, rd, rd);
        } else if (op->opc == IR_MUL) {
            rd = reuse ? ra : be_out_reg(g, d);
            x86_imul_rri(b, w64, rd, ra, imm);
        } else if (reuse) {
            rd = ra;
            x86_arith_ri(b, w64, alu_of(op->opc), rd, imm);
        } else if ((op->opc == IR_ADD || op->opc == IR_SUB) &&
                   imm != INT32_MIN) {
            rd = be_out_reg(g, d);
            x86_lea(b, w64, rd, ra, X86_NOREG, 0,
                    op->opc == IR_ADD ? imm : -imm);
        } else {
            rd = be_out_reg(g, d);
            x86_mov_rr(b, w64, rd, ra);
            x86_arith_ri(b, w64, alu_of(op->opc), rd, imm);
        }
    } else {
        int rb = be_in_reg(g, bt);
        if (reuse) {
            rd = ra;
        } else if (op->opc == IR_ADD) {
            rd = be_out_reg(g, d);
            x86_lea(b, w64, rd, ra, rb, 0, 0);
            goto done;
        } else {
            rd = be_out_reg(g, d);
            x86_mov_rr(b, w64, rd, ra);
        }
        if (op->opc == IR_MUL)
            x86_imul_rr(b, w64, rd, rb);
        else
            x86_arith_rr(b, w64, alu_of(op->opc), rd, rb);
    }
done:
    be_bind_out(g, d, rd);
    be_free_dead_inputs(g, 2, 1);
}

/* rd for a unary-style op: a's register if reusable, else a copy. */
static int copy_or_reuse(struct be_gen *g, unsigned ia, int ra, bool w64)
{
    if (reusable(g, ia) && ra != BE_ENV_REG)
        return ra;
    int rd = be_out_reg(g, (ir_temp)g->op->args[0]);
    x86_mov_rr(&g->buf, w64, rd, ra);
    return rd;
}

static enum x86_shift shift_of(unsigned opc)
{
    switch (opc) {
    case IR_SHL: return SHIFT_SHL;
    case IR_SHR: return SHIFT_SHR;
    case IR_SAR: return SHIFT_SAR;
    default:     ir_fatal_op("backend gen_shift", opc);
    }
}

static void gen_shift(struct be_gen *g, const struct ir_op *op)
{
    enum x86_shift sh = shift_of(op->opc);
    bool w64 = op->type == IR_I64;
    ir_temp d = (ir_temp)op->args[0], a = (ir_temp)op->args[1],
            c = (ir_temp)op->args[2];
    int rd;
    if (is_const(g, c)) {
        unsigned n = (unsigned)be_ti(g, c)->val & (w64 ? 63 : 31);
        rd = copy_or_reuse(g, 1, be_in_reg(g, a), w64);
        if (n)
            x86_shift_ri(&g->buf, w64, sh, rd, n);
        else if (!w64)
            x86_mov_rr(&g->buf, false, rd, rd);   /* still zero-extend */
    } else {
        /* x86 masks the cl count by 31 or 63 itself, as ir.h wants */
        if (g->reg_temp[X86_RCX] != c)
            be_reg_evict(g, X86_RCX);
        be_lock(g, X86_RCX);
        be_load_into(g, X86_RCX, c);
        rd = copy_or_reuse(g, 1, be_in_reg(g, a), w64);
        if (rd == X86_RCX) {   /* a == c in rcx: shift a copy */
            int t = be_reg_alloc(g, BE_ALLOCATABLE);
            x86_mov_rr(&g->buf, w64, t, X86_RCX);
            rd = t;
        }
        x86_shift_cl(&g->buf, w64, sh, rd);
    }
    be_bind_out(g, d, rd);
    be_free_dead_inputs(g, 2, 1);
}

/* DIV/DIVU/REM/REMU: x/0 = all ones, x%0 = x; signed INT_MIN/-1 = INT_MIN,
 * INT_MIN%-1 = 0.  Both special divisors are branched around so the host
 * never raises #DE. */
static void gen_div(struct be_gen *g, const struct ir_op *op)
{
    struct x86_buf *b = &g->buf;
    bool w64 = op->type == IR_I64;
    bool sign = op->opc == IR_DIV || op->opc == IR_REM;
    bool rem = op->opc == IR_REM || op->opc == IR_REMU;
    ir_temp d = (ir_temp)op->args[0], a = (ir_temp)op->args[1],
            c = (ir_temp)op->args[2];
    uint64_t ones = w64 ? ~0ull : 0xffffffffull;

    be_reg_evict(g, X86_RAX);
    be_reg_evict(g, X86_RDX);
    int rc = be_in_reg(g, c);
    be_load_into(g, X86_RAX, a);
    if (is_const(g, c)) {
        uint64_t v = be_ti(g, c)->val & ones;
        if (v == 0) {
            x86_mov_rr(b, w64, X86_RDX, X86_RAX);
            x86_mov_ri(b, X86_RAX, w64 ? ~0ull : ones);
        } else if (sign && v == ones) {
            x86_grp3(b, w64, EXT3_NEG, X86_RAX);
            x86_arith_rr(b, false, ARITH_XOR, X86_RDX, X86_RDX);
        } else if (sign) {
            x86_cqo(b, w64);
            x86_grp3(b, w64, EXT3_IDIV, rc);
        } else {
            x86_arith_rr(b, false, ARITH_XOR, X86_RDX, X86_RDX);
            x86_grp3(b, w64, EXT3_DIV, rc);
        }
    } else {
        uint32_t done1 = 0;
        x86_test_rr(b, w64, rc, rc);
        uint32_t zero = x86_jcc32(b, X86_CC_E);
        if (sign) {
            x86_arith_ri(b, w64, ARITH_CMP, rc, -1);
            uint32_t normal = x86_jcc32(b, X86_CC_NE);
            x86_grp3(b, w64, EXT3_NEG, X86_RAX);   /* -INT_MIN == INT_MIN */
            x86_arith_rr(b, false, ARITH_XOR, X86_RDX, X86_RDX);
            done1 = x86_jmp32(b);
            x86_patch32(b, normal, x86_off(b));
            x86_cqo(b, w64);
            x86_grp3(b, w64, EXT3_IDIV, rc);
        } else {
            x86_arith_rr(b, false, ARITH_XOR, X86_RDX, X86_RDX);
            x86_grp3(b, w64, EXT3_DIV, rc);
        }
        uint32_t done2 = x86_jmp32(b);
        x86_patch32(b, zero, x86_off(b));
        x86_mov_rr(b, w64, X86_RDX, X86_RAX);
        x86_mov_ri(b, X86_RAX, w64 ? ~0ull : ones);
        if (sign)
            x86_patch32(b, done1, x86_off(b));
        x86_patch32(b, done2, x86_off(b));
    }
    be_bind_out(g, d, rem ? X86_RDX : X86_RAX);
    be_free_dead_inputs(g, 2, 1);
}

/* MULH/MULHU/MULHSU: one-operand (i)mul leaves the high half in rdx.
 * MULHSU(a signed, b unsigned) = MULHU(a, b) - (a < 0 ? b : 0). */
static void gen_mulh(struct be_gen *g, const struct ir_op *op)
{
    struct x86_buf *b = &g->buf;
    bool w64 = op->type == IR_I64;
    ir_temp d = (ir_temp)op->args[0];
    be_reg_evict(g, X86_RAX);
    be_reg_evict(g, X86_RDX);
    int ra = be_in_reg(g, (ir_temp)op->args[1]);
    int rb = be_in_reg(g, (ir_temp)op->args[2]);
    x86_mov_rr(b, true, X86_RAX, ra);
    x86_grp3(b, w64, op->opc == IR_MULH ? EXT3_IMUL : EXT3_MUL, rb);
    if (op->opc == IR_MULHSU) {
        int t = be_reg_alloc(g, BE_ALLOCATABLE);
        x86_mov_rr(b, w64, t, ra);
        x86_shift_ri(b, w64, SHIFT_SAR, t, w64 ? 63 : 31);
        x86_arith_rr(b, w64, ARITH_AND, t, rb);
        x86_arith_rr(b, w64, ARITH_SUB, X86_RDX, t);
    }
    be_bind_out(g, d, X86_RDX);
    be_free_dead_inputs(g, 2, 1);
}

static void gen_neg_not(struct be_gen *g, const struct ir_op *op)
{
    bool w64 = op->type == IR_I64;
    int ra = be_in_reg(g, (ir_temp)op->args[1]);
    int rd = copy_or_reuse(g, 1, ra, w64);
    x86_grp3(&g->buf, w64, op->opc == IR_NEG ? EXT3_NEG : EXT3_NOT, rd);
    be_bind_out(g, (ir_temp)op->args[0], rd);
    be_free_dead_inputs(g, 1, 1);
}

/* EXT8S .. EXT32U: always 64-bit results, whatever the op type
 * (IR_OPF_OUT64; ir_fold agrees). */
static void gen_ext(struct be_gen *g, const struct ir_op *op)
{
    unsigned size;           /* log2 of the source bytes */
    bool sign;
    switch (op->opc) {
    case IR_EXT8S:  size = 0; sign = true;  break;
    case IR_EXT8U:  size = 0; sign = false; break;
    case IR_EXT16S: size = 1; sign = true;  break;
    case IR_EXT16U: size = 1; sign = false; break;
    case IR_EXT32S: size = 2; sign = true;  break;
    case IR_EXT32U: size = 2; sign = false; break;
    default:        ir_fatal_op("backend gen_ext", op->opc);
    }
    int ra = be_in_reg(g, (ir_temp)op->args[1]);
    int rd = reusable(g, 1) && ra != BE_ENV_REG ? ra
             : be_out_reg(g, (ir_temp)op->args[0]);
    x86_ext(&g->buf, size, sign, true, rd, ra);
    be_bind_out(g, (ir_temp)op->args[0], rd);
    be_free_dead_inputs(g, 1, 1);
}

static void gen_mov(struct be_gen *g, const struct ir_op *op)
{
    bool w64 = op->type == IR_I64;
    ir_temp d = (ir_temp)op->args[0], a = (ir_temp)op->args[1];
    int rd;
    if (d == a) {
        /* only an I32 move does something: truncate in place */
        if (w64)
            return;
        rd = be_in_reg(g, a);
        x86_mov_rr(&g->buf, false, rd, rd);
    } else if (is_const(g, a)) {
        uint64_t v = be_ti(g, a)->val;
        rd = be_out_reg(g, d);
        x86_mov_ri(&g->buf, rd, w64 ? v : (uint32_t)v);
    } else {
        int ra = be_in_reg(g, a);
        if (be_arg_dead(g, 1) && be_ti(g, a)->kind == IR_TEMP_NORMAL) {
            rd = ra;                         /* hand the register over */
            if (!w64)   /* even an I32 temp may hold an I64 op's result */
                x86_mov_rr(&g->buf, false, rd, rd);
        } else {
            rd = be_out_reg(g, d);
            x86_mov_rr(&g->buf, w64, rd, ra);
        }
    }
    be_bind_out(g, d, rd);
    be_free_dead_inputs(g, 1, 1);
}

static void gen_setcond(struct be_gen *g, const struct ir_op *op)
{
    bool w64 = op->type == IR_I64;
    ir_temp d = (ir_temp)op->args[0];
    enum x86_cc cc = gen_compare(g, 1, 2, op->args[3], w64);
    /* setcc/movzx read only flags: any register, even an input's, will do
     * once the compare is emitted; out_reg only ever spills (stores). */
    int rd = -1;
    for (unsigned i = 1; i <= 2 && rd < 0; i++)
        if (reusable(g, i) && g->ts[op->args[i]].reg >= 0 &&
            g->ts[op->args[i]].reg != BE_ENV_REG)
            rd = g->ts[op->args[i]].reg;
    if (rd < 0)
        rd = be_out_reg(g, d);
    x86_setcc(&g->buf, cc, rd);
    be_bind_out(g, d, rd);
    be_free_dead_inputs(g, 2, 1);
}

static void gen_movcond(struct be_gen *g, const struct ir_op *op)
{
    bool w64 = op->type == IR_I64;
    ir_temp d = (ir_temp)op->args[0];
    preload(g, 1);
    preload(g, 2);
    int rt = be_in_reg(g, (ir_temp)op->args[3]);
    int rf = be_in_reg(g, (ir_temp)op->args[4]);
    int rd;
    if (reusable(g, 4) && rf != BE_ENV_REG) {
        rd = rf;
    } else {
        rd = be_out_reg(g, d);
        x86_mov_rr(&g->buf, w64, rd, rf);
    }
    /* If rd is also a compare operand it still holds that operand's value:
     * rd == rf only when the false value is that same temp. */
    enum x86_cc cc = gen_compare(g, 1, 2, op->args[5], w64);
    x86_cmov(&g->buf, w64, cc, rd, rt);
    be_bind_out(g, d, rd);
    be_free_dead_inputs(g, 4, 1);
}

/* ---- env, control flow ---------------------------------------------------- */

static void gen_ld_env(struct be_gen *g, const struct ir_op *op)
{
    ir_temp d = (ir_temp)op->args[0];
    int rd = be_out_reg(g, d);
    x86_load(&g->buf, op->args[1] & IR_MO_SIZE, op->args[1] & IR_MO_SIGN,
             op->type == IR_I64, rd, BE_ENV_REG, X86_NOREG,
             (int32_t)op->args[2]);
    be_bind_out(g, d, rd);
    be_free_dead_inputs(g, 0, 1);
}

static void gen_st_env(struct be_gen *g, const struct ir_op *op)
{
    int rs = be_in_reg(g, (ir_temp)op->args[0]);
    x86_store(&g->buf, op->args[1] & IR_MO_SIZE, rs, BE_ENV_REG, X86_NOREG,
              (int32_t)op->args[2]);
    be_free_dead_inputs(g, 1, 0);
}

/* One read-modify-write of the env field: `add [r14 + a0], a1`.  It touches
 * no temp, so nothing is synced or freed (the field is never a global's). */
static void gen_add_env(struct be_gen *g, const struct ir_op *op)
{
    x86_arith_mi(&g->buf, op->type == IR_I64, ARITH_ADD, BE_ENV_REG,
                 (int32_t)op->args[0], (int32_t)op->args[1]);
}

static void add_fix(struct be_gen *g, uint32_t field, uint32_t label)
{
    g->fix[g->nfix++] = (struct be_fix){ field, (uint16_t)label };
}

static void gen_label(struct be_gen *g, const struct ir_op *op)
{
    be_sync_all(g);
    be_drop_regs(g, false);
    g->label_off[op->args[0]] = x86_off(&g->buf);
}

static void gen_br(struct be_gen *g, const struct ir_op *op)
{
    be_sync_all(g);
    be_drop_regs(g, false);
    add_fix(g, x86_jmp32(&g->buf), op->args[0]);
}

static void gen_brcond(struct be_gen *g, const struct ir_op *op)
{
    bool w64 = op->type == IR_I64;
    preload(g, 0);
    preload(g, 1);
    be_sync_all(g);
    enum x86_cc cc = gen_compare(g, 0, 1, op->args[2], w64);
    add_fix(g, x86_jcc32(&g->buf, cc), op->args[3]);
    /* Fall-through has one predecessor: synced caches stay valid. */
    be_drop_regs(g, true);
}

static void gen_goto_tb(struct be_gen *g, const struct ir_op *op)
{
    unsigned slot = op->args[0] & 1;
    be_sync_all(g);
    be_drop_regs(g, false);
    /* The rel32 field must be 4-byte aligned for be_patch_jump's atomic
     * store: pad so that offset + 1 (the opcode byte) is a multiple of 4
     * (code starts 16-aligned, so offsets and addresses agree mod 4). */
    x86_nop_align(&g->buf, 4, 1);
    uint32_t field = x86_jmp32(&g->buf);
    g->blk->jmp_insn_off[slot] = (uint16_t)field;
    g->blk->jmp_reset_off[slot] = (uint16_t)(field + 4);
}

static void gen_exit_tb(struct be_gen *g, const struct ir_op *op)
{
    be_sync_all(g);
    be_drop_regs(g, false);
    uint8_t *val = (uint8_t *)be_block_owner(g->blk) + (op->args[0] & 3);
    x86_lea_rip(&g->buf, X86_RAX, val);
    x86_jmp_abs(&g->buf, be_g.epilogue);
}

static void gen_goto_ptr(struct be_gen *g, const struct ir_op *op)
{
    int r = be_in_reg(g, (ir_temp)op->args[0]);
    be_sync_all(g);
    be_drop_regs(g, false);
    x86_jmp_r(&g->buf, r);
}

static void gen_mb(struct be_gen *g, const struct ir_op *op)
{
    /* x86-TSO orders everything but a store before a later load. */
    if (op->args[0] & IR_MB_ST_LD) {
        /* lock or [rsp], 0: a full barrier, cheaper than mfence */
        x86_encode(&g->buf, OPC_ARITH_EvIb | P_LOCK, ARITH_OR, X86_M_MEM,
                   X86_RSP, X86_NOREG, 0, 0, 1);
        x86_imm8(&g->buf, 0);
    }
}

/* ---- helper calls ---------------------------------------------------------- */

static bool dies_as_arg(struct be_gen *g, const struct ir_call_info *ci,
                        ir_temp t)
{
    for (unsigned j = 0; j < ci->helper->nargs; j++)
        if (ci->args[j] == t && (g->dead >> (8 + j) & 1))
            return true;
    return false;
}

static bool is_arg(const struct ir_call_info *ci, ir_temp t)
{
    for (unsigned j = 0; j < ci->helper->nargs; j++)
        if (ci->args[j] == t)
            return true;
    return false;
}

/* Move args into rdi..r9.  Sources are registers (a parallel move: cycles
 * broken through r11), then constants and memory homes. */
static void call_args(struct be_gen *g, const struct ir_call_info *ci)
{
    int src[IR_MAX_CALL_ARGS];
    bool pend[IR_MAX_CALL_ARGS] = { false };
    unsigned npend = 0;
    for (unsigned i = 0; i < ci->helper->nargs; i++) {
        src[i] = be_ti(g, ci->args[i])->kind == IR_TEMP_ENV
                 ? BE_ENV_REG : g->ts[ci->args[i]].reg;
        if (src[i] >= 0 && src[i] != be_arg_regs[i]) {
            pend[i] = true;
            npend++;
        }
    }
    while (npend) {
        bool progress = false;
        for (unsigned i = 0; i < ci->helper->nargs; i++) {
            if (!pend[i])
                continue;
            bool blocked = false;
            for (unsigned j = 0; j < ci->helper->nargs; j++)
                if (pend[j] && j != i && src[j] == be_arg_regs[i])
                    blocked = true;
            if (blocked)
                continue;
            x86_mov_rr(&g->buf, true, be_arg_regs[i], src[i]);
            pend[i] = false;
            npend--;
            progress = true;
        }
        if (!progress) {          /* every pending move is in a cycle */
            unsigned i = 0;
            while (!pend[i])
                i++;
            int dst = be_arg_regs[i];
            x86_mov_rr(&g->buf, true, BE_TMP_REG, dst);
            for (unsigned j = 0; j < ci->helper->nargs; j++)
                if (pend[j] && src[j] == dst)
                    src[j] = BE_TMP_REG;
        }
    }
    for (unsigned i = 0; i < ci->helper->nargs; i++)
        if (src[i] < 0)
            be_home_load(g, ci->args[i], be_arg_regs[i]);
}

static void gen_call(struct be_gen *g, const struct ir_op *op)
{
    const struct ir_call_info *ci = &g->ir->calls[op->args[1]];
    unsigned flags = ci->helper->flags;
    ir_temp ret = (ir_temp)op->args[0];

    if (!(flags & IR_CALL_NO_GLOBALS))
        be_sync_globals(g);
    /* Values that outlive the call leave the caller-saved registers. */
    for (int r = 0; r < 16; r++) {
        ir_temp t = g->reg_temp[r];
        if (!t || !(BE_CALLER_SAVED >> r & 1) || dies_as_arg(g, ci, t))
            continue;
        if (g->ts[t].mem_ok || is_const(g, t)) {
            /* its home has it: drop after the args are read from here */
            if (!is_arg(ci, t))
                be_reg_unbind(g, r);
            continue;
        }
        be_reg_move_out(g, r, BE_ALLOCATABLE & ~BE_CALLER_SAVED);
    }
    call_args(g, ci);
    for (int r = 0; r < 16; r++)
        if (BE_CALLER_SAVED >> r & 1)
            be_reg_unbind(g, r);
    /* dying args elsewhere */
    for (unsigned j = 0; j < ci->helper->nargs; j++) {
        ir_temp t = ci->args[j];
        if ((g->dead >> (8 + j) & 1) && g->ts[t].reg >= 0 &&
            g->ts[t].reg != BE_ENV_REG)
            be_reg_unbind(g, g->ts[t].reg);
    }
    /* GETPC() in the helper is the address after this call: main-stream
     * code of the current guest instruction. */
    x86_call_abs(&g->buf, ci->helper->fn);
    if (flags & IR_CALL_NORETURN)
        x86_ud2(&g->buf);   /* keeps the return address inside the block */
    if (!(flags & (IR_CALL_NO_GLOBALS | IR_CALL_READ_ONLY))) {
        for (int r = 0; r < 16; r++) {   /* the helper may have written them */
            ir_temp t = g->reg_temp[r];
            if (t && be_ti(g, t)->kind == IR_TEMP_GLOBAL)
                be_reg_unbind(g, r);
        }
    }
    if (ret) {
        if (ci->helper->ret == IR_HT_I32)
            x86_mov_rr(&g->buf, false, X86_RAX, X86_RAX);
        be_bind_out(g, ret, X86_RAX);
        if (g->dead & BE_DEAD_OUT)
            be_reg_unbind(g, X86_RAX);
    }
}

/* ---- instruction boundaries ---------------------------------------------- */

static void gen_insn_start(struct be_gen *g, const struct ir_op *op)
{
    if (g->ninsn)
        g->insn_end[g->ninsn - 1] = x86_off(&g->buf);
    g->data0[g->ninsn] = op->args[0] | (uint64_t)op->args[1] << 32;
    g->data1[g->ninsn] = op->args[2] | (uint64_t)op->args[3] << 32;
    g->ninsn++;
}

static void gen_nop(struct be_gen *g, const struct ir_op *op)
{
    (void)g;
    (void)op;
}

/* ---- driver ------------------------------------------------------------------ */

/* The emitter of each IR op.  be_emit[] is expanded from ir_ops.def, so an
 * op added there without its BE_EMIT_<op> line here does not compile
 * (BE_EMIT_<op> undeclared): no op can reach the driver without code. */
#define BE_EMIT_MOV        gen_mov
#define BE_EMIT_LD_ENV     gen_ld_env
#define BE_EMIT_ST_ENV     gen_st_env
#define BE_EMIT_ADD_ENV    gen_add_env
#define BE_EMIT_ADD        gen_arith
#define BE_EMIT_SUB        gen_arith
#define BE_EMIT_AND        gen_arith
#define BE_EMIT_OR         gen_arith
#define BE_EMIT_XOR        gen_arith
#define BE_EMIT_SHL        gen_shift
#define BE_EMIT_SHR        gen_shift
#define BE_EMIT_SAR        gen_shift
#define BE_EMIT_MUL        gen_arith
#define BE_EMIT_MULH       gen_mulh
#define BE_EMIT_MULHU      gen_mulh
#define BE_EMIT_MULHSU     gen_mulh
#define BE_EMIT_DIV        gen_div
#define BE_EMIT_DIVU       gen_div
#define BE_EMIT_REM        gen_div
#define BE_EMIT_REMU       gen_div
#define BE_EMIT_NEG        gen_neg_not
#define BE_EMIT_NOT        gen_neg_not
#define BE_EMIT_EXT8S      gen_ext
#define BE_EMIT_EXT8U      gen_ext
#define BE_EMIT_EXT16S     gen_ext
#define BE_EMIT_EXT16U     gen_ext
#define BE_EMIT_EXT32S     gen_ext
#define BE_EMIT_EXT32U     gen_ext
#define BE_EMIT_SETCOND    gen_setcond
#define BE_EMIT_MOVCOND    gen_movcond
#define BE_EMIT_LABEL      gen_label
#define BE_EMIT_BR         gen_br
#define BE_EMIT_BRCOND     gen_brcond
#define BE_EMIT_QLD        be_gen_qld
#define BE_EMIT_QST        be_gen_qst
#define BE_EMIT_MB         gen_mb
#define BE_EMIT_CALL       gen_call
#define BE_EMIT_INSN_START gen_insn_start
#define BE_EMIT_GOTO_TB    gen_goto_tb
#define BE_EMIT_EXIT_TB    gen_exit_tb
#define BE_EMIT_GOTO_PTR   gen_goto_ptr
#define BE_EMIT_NOP        gen_nop
#define BE_EMIT_FADD       be_gen_fp
#define BE_EMIT_FSUB       be_gen_fp
#define BE_EMIT_FMUL       be_gen_fp
#define BE_EMIT_FDIV       be_gen_fp
#define BE_EMIT_FSQRT      be_gen_fp
#define BE_EMIT_FMADD      be_gen_fp
#define BE_EMIT_FMSUB      be_gen_fp
#define BE_EMIT_FNMSUB     be_gen_fp
#define BE_EMIT_FNMADD     be_gen_fp
#define BE_EMIT_FMIN       be_gen_fp
#define BE_EMIT_FMAX       be_gen_fp
#define BE_EMIT_FEQ        be_gen_fp
#define BE_EMIT_FLT        be_gen_fp
#define BE_EMIT_FLE        be_gen_fp
#define BE_EMIT_FCVT_W     be_gen_fp
#define BE_EMIT_FCVT_WU    be_gen_fp
#define BE_EMIT_FCVT_L     be_gen_fp
#define BE_EMIT_FCVT_LU    be_gen_fp
#define BE_EMIT_FCVT_FW    be_gen_fp
#define BE_EMIT_FCVT_FWU   be_gen_fp
#define BE_EMIT_FCVT_FL    be_gen_fp
#define BE_EMIT_FCVT_FLU   be_gen_fp
#define BE_EMIT_FCVT_FF    be_gen_fp

typedef void be_emit_fn(struct be_gen *g, const struct ir_op *op);
static be_emit_fn *const be_emit[IR_OPC_COUNT] = {
#define IR_OP(op, name, shape, flags) [IR_##op] = BE_EMIT_##op,
#include "translate/ir_ops.def"
};

static void gen_op(struct be_gen *g, const struct ir_op *op)
{
    if (unlikely(op->opc >= IR_OPC_COUNT))
        ir_fatal_op("backend", op->opc);
    be_emit[op->opc](g, op);
}

static pthread_key_t be_gen_key;
static pthread_once_t be_gen_once = PTHREAD_ONCE_INIT;

static void gen_key_init(void)
{
    if (pthread_key_create(&be_gen_key, free))
        loom_fatal("backend: pthread_key_create failed");
}

/* One state per translating thread (~400 KiB), freed at thread exit by the
 * key's destructor; the __thread pointer is the fast path. */
static struct be_gen *gen_state(void)
{
    if (!be_gen_state) {
        pthread_once(&be_gen_once, gen_key_init);
        be_gen_state = malloc(sizeof(*be_gen_state));
        if (!be_gen_state)
            loom_fatal("backend: out of memory");
        pthread_setspecific(be_gen_key, be_gen_state);
    }
    return be_gen_state;
}

uint8_t *be_gen_block(struct ir_ctx *ctx, struct be_block *blk, uint8_t *code,
                      uint8_t *limit, int *err)
{
    struct be_gen *g = gen_state();
    uint8_t *cap = limit;
    bool capped = false;
    if ((size_t)(limit - code) > BE_MAX_CODE) {
        cap = code + BE_MAX_CODE;
        capped = true;
    }
    g->ir = ctx;
    g->blk = blk;
    g->err = 0;
    g->locked = 0;
    g->nslots = g->nfix = g->nslow = g->ninsn = g->nfpslow = 0;
    memset(g->reg_temp, 0, sizeof(g->reg_temp));
    for (unsigned t = 0; t < ctx->ntemps; t++)
        g->ts[t] = (struct be_ts){ .reg = -1, .mem_ok = true, .slot = -1 };
    g->ts[ir_env(ctx)].reg = BE_ENV_REG;
    memset(g->label_off, 0xff, ctx->nlabels * sizeof(g->label_off[0]));
    blk->code = code;
    blk->jmp_insn_off[0] = blk->jmp_insn_off[1] = BE_NO_SLOT;
    blk->jmp_reset_off[0] = blk->jmp_reset_off[1] = BE_NO_SLOT;
    x86_buf_init(&g->buf, code, cap);

    be_liveness(g);
    for (unsigned i = 0; i < ctx->nops && !g->err; i++) {
        g->op = &ctx->ops[i];
        g->dead = g->dead_mask[i];
        g->locked = 0;
        gen_op(g, g->op);
    }
    g->locked = 0;
    x86_ud2(&g->buf);      /* IR must leave the block; trap if it falls off */
    be_gen_slow_paths(g);
    be_gen_fp_slow_paths(g);
    for (unsigned i = 0; i < g->nfix; i++) {
        uint32_t target = g->label_off[g->fix[i].label];
        if (target == UINT32_MAX)
            loom_fatal("backend: branch to an undefined label %u",
                       g->fix[i].label);
        x86_patch32(&g->buf, g->fix[i].field, target);
    }
    if (g->err || g->buf.overflow) {
        *err = g->err ? g->err : capped ? -E2BIG : -ENOSPC;
        return NULL;
    }
    uint32_t size = x86_off(&g->buf);
    if (g->ninsn)
        g->insn_end[g->ninsn - 1] = size;
    int rec = be_rec_write(code + size, (size_t)(limit - code - size),
                           g->ninsn, g->data0, g->data1, g->insn_end);
    if (rec < 0) {
        *err = -ENOSPC;
        return NULL;
    }
    blk->code_size = size;
    blk->rec_size = (uint32_t)rec;
    blk->icount = g->ninsn;
    return code + size + rec;
}

/*
 * ir.h — Loom's intermediate representation (the contract between a guest
 * front end and the host backend).
 *
 * Pipeline:   front end ──ir_*()──▶ struct ir_ctx (op list) ──ir_optimize()──▶
 *             backend (be_gen_code) ──▶ host code + insn records
 *
 * Terminology
 *   temp     a value slot, 32 or 64 bits wide (enum ir_type).  Kinds:
 *            GLOBAL  backed by a field of the CPU state at env+offset.  The
 *                    backend may cache it in a host register inside a basic
 *                    block; it is written back ("synced") before every label,
 *                    branch, goto_tb, exit_tb, goto_ptr, before every QLD
 *                    and QST (their slow path may raise a guest exception,
 *                    which must see exact registers; the cached copy stays
 *                    valid), and before a helper
 *                    call whose flags do not say IR_CALL_NO_GLOBALS; after a
 *                    call without IR_CALL_READ_ONLY, cached copies are
 *                    reloaded.
 *            LOCAL   a TB-lifetime temp: keeps its value across labels and
 *                    branches (backend gives it a spill slot).
 *            NORMAL  dies at the end of its basic block: its value is
 *                    undefined after any label or branch op.
 *            CONST   an immutable 64-bit value (ir_const*); the backend folds
 *                    it into immediates where the host allows.
 *            ENV     the single temp holding the CPU state pointer (ir_env());
 *                    pass it to helpers that need the CPU.
 *   basic block  the ops between two of: LABEL, BR, BRCOND, GOTO_TB,
 *            EXIT_TB, GOTO_PTR.
 *   type     an op's type (IR_I32/IR_I64) is its operation width.  An I32
 *            op reads the low 32 bits of its inputs; an I32 result is
 *            written zero-extended into the destination.  (RISC-V W forms
 *            are I32 ops followed by IR_EXT32S.)
 *
 * Ops are three-address: args[] holds temps, labels, conditions or
 * immediates.  Every op, its operand layout ("shape") and its properties
 * are one row of ir_ops.def; passes read them through ir_def().  Every op
 * is total: no op traps on the host (division is defined for zero and
 * overflow).  An opcode outside the table is an internal error
 * (ir_fatal_op), wherever it is met.
 *
 * The IR lives in a per-thread context (struct ir_ctx), reset per TB; no
 * global mutable state (DESIGN.md §4.1).
 */
#ifndef LOOM_TRANSLATE_IR_H
#define LOOM_TRANSLATE_IR_H

#include <stdbool.h>
#include <stdint.h>
#include "util/compiler.h"

enum ir_type { IR_I32, IR_I64 };

enum ir_temp_kind { IR_TEMP_NORMAL, IR_TEMP_LOCAL, IR_TEMP_GLOBAL,
                    IR_TEMP_CONST, IR_TEMP_ENV };

typedef uint16_t ir_temp;    /* index into ctx->temps; 0 is invalid */
typedef uint16_t ir_label;   /* index into ctx->labels; 0 is invalid */

enum ir_cond {               /* comparison of a (lhs) with b (rhs) */
    IR_EQ, IR_NE,
    IR_LT, IR_GE, IR_LE, IR_GT,      /* signed */
    IR_LTU, IR_GEU, IR_LEU, IR_GTU,  /* unsigned */
};

/* Memory operation descriptor for IR_QLD / IR_QST (guest memory). */
enum ir_memop {
    IR_MO_8 = 0, IR_MO_16 = 1, IR_MO_32 = 2, IR_MO_64 = 3,
    IR_MO_SIZE = 3,          /* mask: log2 of the access size */
    IR_MO_SIGN = 4,          /* loads: sign-extend to the op type */
};

/* Barrier kinds for IR_MB (which earlier accesses are ordered before which
 * later ones).  On x86-TSO only IR_MB_ST_LD costs an instruction. */
enum ir_mb {
    IR_MB_LD_LD = 1, IR_MB_ST_LD = 2, IR_MB_LD_ST = 4, IR_MB_ST_ST = 8,
    IR_MB_ALL = 15,
};

/* Helper-call flags (struct ir_helper.flags: a helper's contract with the
 * generated code around the call). */
enum ir_call_flags {
    IR_CALL_NO_GLOBALS = 1,  /* helper neither reads nor writes guest globals
                                through env: nothing is synced or reloaded */
    IR_CALL_READ_ONLY  = 2,  /* helper may read globals (they are synced) but
                                never writes them: no reload afterwards */
    IR_CALL_NORETURN   = 4,  /* helper never returns (raises an exception):
                                globals are synced, code after it is dead */
};

/* ---- Floating point ------------------------------------------------------
 * The FP ops (FADD .. FCVT_FF in ir_ops.def) take FP values as 64-bit
 * register images: op->type IR_I64 is binary64, IR_I32 is binary32 in the
 * low half with the upper 32 bits all ones (NaN-boxed, as RISC-V keeps
 * singles); a result of I32 type is boxed the same way.  An image that is
 * not boxed is the fallback's business.
 *
 * Each op is DEFINED as a call of the front end's exact implementation,
 *     a0 = ctx->fp->fallback(env, a1, a2, a3, desc)   (missing inputs 0)
 * with desc the op's last immediate; the backend may compute it inline
 * only where IEEE 754 leaves no freedom (docs/backend.md "Floating
 * point"): every input boxed, rounding mode one the host has (the ir_frm
 * immediate, IR_FRM_OTHER: always the fallback), a normal, finite result
 * away from the underflow and overflow thresholds, no NaN, and the
 * inexact flag either already set in the front end's sticky flags
 * (ctx->fp->flags_off, bit nx_mask) or proven not raised.  Everything else
 * — NaNs and their propagation, signed-zero min/max, saturating
 * conversions, underflow and tininess, every flag but NX — is the
 * fallback's, so results are the fallback's bit for bit.  The fallback
 * never raises and touches no IR global (a NO_GLOBALS call). */
enum ir_frm {
    IR_FRM_RNE = 0, IR_FRM_RTZ = 1, IR_FRM_RDN = 2, IR_FRM_RUP = 3,
    IR_FRM_OTHER = 4,        /* a mode the host lacks: always the fallback */
};
struct ir_fp_env {
    const struct ir_helper *fallback;  /* i64 (env, i64, i64, i64, i64) */
    int32_t flags_off;       /* env offset of the sticky exception flags */
    uint8_t nx_mask;         /* the inexact bit in that byte */
};

/* Exit codes carried by IR_EXIT_TB; the backend returns
 * (uintptr_t)owner | code from be_exec (see backend/backend.h). */
enum ir_exit {
    IR_EXIT_NOCHAIN   = 0,   /* plain exit: the loop looks up the next TB */
    IR_EXIT_SLOT0     = 1,   /* exit through goto_tb slot 0: may be linked */
    IR_EXIT_SLOT1     = 2,   /* exit through goto_tb slot 1: may be linked */
    IR_EXIT_REQUESTED = 3,   /* the exit flag was set at TB entry */
};

/* The ops: one row each in ir_ops.def, which documents their args. */
enum ir_opc {
#define IR_OP(op, name, shape, flags) IR_##op,
#include "translate/ir_ops.def"
    IR_OPC_COUNT
};

/* Operand layouts (ir_ops.def, IR_SHAPE rows). */
enum ir_shape {
#define IR_SHAPE(id, outs, ins, imms, cond, label) IR_SHAPE_##id,
#include "translate/ir_ops.def"
    IR_SHAPE_COUNT
};

/* Op properties (the flags column of ir_ops.def).  A new property is a new
 * bit here, documented, and set in the table: never a test on the opcode
 * or on the order of the enum. */
enum ir_op_flags {
    IR_OPF_BB_END      = 1u << 0,  /* ends a basic block: NORMAL temps die,
                                      the backend syncs globals and locals */
    IR_OPF_SIDE_EFFECT = 1u << 1,  /* kept even when its output is dead */
    IR_OPF_FOLD        = 1u << 2,  /* a pure function of its inputs and
                                      op->type that ir_fold() evaluates
                                      (shape O1_I1 or O1_I2) */
    IR_OPF_COMMUTATIVE = 1u << 3,  /* a1 op a2 == a2 op a1 (shape O1_I2) */
    IR_OPF_OUT64       = 1u << 4,  /* writes all 64 bits of its output
                                      whatever op->type (no zero-extension
                                      from 32 bits): an I32 destination
                                      must be truncated by whoever needs
                                      it 32-bit */
};

#define IR_MAX_ARGS  6
#define IR_MAX_CALL_ARGS 6

struct ir_op {
    uint8_t opc;             /* enum ir_opc */
    uint8_t type;            /* enum ir_type */
    uint32_t args[IR_MAX_ARGS];  /* temps, labels, immediates */
};

struct ir_temp_info {
    uint8_t kind;            /* enum ir_temp_kind */
    uint8_t type;            /* enum ir_type */
    int32_t env_offset;      /* GLOBAL: byte offset from env */
    uint64_t val;            /* CONST: value */
    const char *name;        /* GLOBAL: for dumps ("x5", "pc") */
};

/* A helper: a host function called from generated code, described once
 * (a target's helpers.def, expanded with the macros of translate/
 * ir_helper.h) so that its flags and types never appear at call sites. */
enum ir_helper_type {            /* a helper's result or argument */
    IR_HT_VOID,                  /* result only: none */
    IR_HT_I32,                   /* uint32_t (a result is zero-extended) */
    IR_HT_I64,                   /* uint64_t */
    IR_HT_PTR,                   /* a host pointer (const void *) */
    IR_HT_ENV,                   /* argument only: the CPU state, ir_env() */
};
struct ir_helper {
    void *fn;                    /* host function, System V ABI: every
                                    argument and the result in 64-bit
                                    integer registers */
    const char *name;            /* for dumps */
    uint8_t flags;               /* enum ir_call_flags */
    uint8_t ret;                 /* enum ir_helper_type */
    uint8_t nargs;
    uint8_t args[IR_MAX_CALL_ARGS];  /* enum ir_helper_type of each */
};

struct ir_call_info {            /* one per IR_CALL op */
    const struct ir_helper *helper;  /* static lifetime */
    ir_temp args[IR_MAX_CALL_ARGS];  /* helper->nargs of them */
};

#define IR_MAX_OPS    8192
#define IR_MAX_TEMPS  2048
#define IR_MAX_LABELS 512
#define IR_MAX_CALLS  1024
#define IR_MAX_GLOBALS 128

/* Per-thread IR context.  Globals are registered once per thread
 * (ir_global) and survive ir_reset(); everything else is per TB. */
struct ir_ctx {
    unsigned nops, ntemps, nlabels, ncalls;
    unsigned nglobals;       /* temps 1..nglobals are the globals + env */
    unsigned ninsns;         /* IR_INSN_START ops emitted */
    bool overflow;           /* a limit was hit: the TB must be cut short */
    /* The FP ops' fallback and flags (set once with the globals; ir_reset
     * keeps it).  NULL: the front end emits no FP op. */
    const struct ir_fp_env *fp;
    struct ir_op ops[IR_MAX_OPS];
    struct ir_temp_info temps[IR_MAX_TEMPS];
    struct ir_call_info calls[IR_MAX_CALLS];
};

/* --- context lifetime ----------------------------------------------------- */
void ir_ctx_init(struct ir_ctx *ctx);          /* empty, no globals */
void ir_reset(struct ir_ctx *ctx);             /* drop per-TB ops/temps */

/* Register a GLOBAL temp (before the first ir_reset of a TB).  Returns it. */
ir_temp ir_global(struct ir_ctx *ctx, enum ir_type type, int32_t env_offset,
                  const char *name);
ir_temp ir_env(struct ir_ctx *ctx);            /* the ENV temp */

/* --- temps and labels ------------------------------------------------------- */
ir_temp ir_temp_new(struct ir_ctx *ctx, enum ir_type type);
ir_temp ir_temp_local(struct ir_ctx *ctx, enum ir_type type);
ir_temp ir_const(struct ir_ctx *ctx, enum ir_type type, uint64_t val);
static inline ir_temp ir_const64(struct ir_ctx *ctx, uint64_t v)
{ return ir_const(ctx, IR_I64, v); }
ir_label ir_label_new(struct ir_ctx *ctx);

/* --- emitters (append one op; on overflow set ctx->overflow and emit
 *     nothing) -------------------------------------------------------------- */
/* Any op: nargs must be its shape's outs + ins + imms. */
void ir_emit(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type type,
             unsigned nargs, const uint32_t *args);

void ir_mov(struct ir_ctx *ctx, enum ir_type t, ir_temp d, ir_temp s);
/* opc of shape O1_I2 (d = a op b) / O1_I1 (d = op a). */
void ir_binop(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type t,
              ir_temp d, ir_temp a, ir_temp b);
void ir_unop(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type t,
             ir_temp d, ir_temp a);
void ir_ld_env(struct ir_ctx *ctx, enum ir_type t, ir_temp d,
               enum ir_memop mo, int32_t offset);
void ir_st_env(struct ir_ctx *ctx, ir_temp s, enum ir_memop mo,
               int32_t offset);
/* *(env + offset) += addend, a field of type t that no GLOBAL temp backs.
 * Returns the op's index in ctx->ops (the caller may set its addend,
 * args[1], later: the translator counts a TB's instructions that way), or
 * IR_MAX_OPS if the IR overflowed. */
unsigned ir_add_env(struct ir_ctx *ctx, enum ir_type t, int32_t offset,
                    int32_t addend);
void ir_setcond(struct ir_ctx *ctx, enum ir_type t, enum ir_cond c,
                ir_temp d, ir_temp a, ir_temp b);
void ir_movcond(struct ir_ctx *ctx, enum ir_type t, enum ir_cond c,
                ir_temp d, ir_temp a, ir_temp b, ir_temp vtrue,
                ir_temp vfalse);
void ir_set_label(struct ir_ctx *ctx, ir_label l);
void ir_br(struct ir_ctx *ctx, ir_label l);
void ir_brcond(struct ir_ctx *ctx, enum ir_type t, enum ir_cond c,
               ir_temp a, ir_temp b, ir_label l);
void ir_qld(struct ir_ctx *ctx, enum ir_type t, ir_temp d, ir_temp addr,
            enum ir_memop mo, unsigned mmu_idx);
void ir_qst(struct ir_ctx *ctx, ir_temp val, ir_temp addr,
            enum ir_memop mo, unsigned mmu_idx);
void ir_mb(struct ir_ctx *ctx, enum ir_mb kinds);
/* Call helper h with temps as arguments (each passed as a 64-bit integer):
 *     ir_call_helper(ctx, RV_HELPER(csr), rd, env, desc, src);
 * ret receives the result (0: discard it; always 0 for a void helper).  The
 * call's flags and types are h's.  A count of arguments other than
 * h->nargs, an IR_HT_ENV argument that is not ir_env(), or a helper whose
 * fn is unset is an internal error.  h must outlive the IR (descriptors
 * are static).  At least one argument; at most IR_MAX_CALL_ARGS. */
#define ir_call_helper(ctx, h, ret, ...)                                   \
    ir_call_helper_n(ctx, h, ret, IR_COUNT_ARGS(__VA_ARGS__),              \
                     (const ir_temp[]){ __VA_ARGS__ })
void ir_call_helper_n(struct ir_ctx *ctx, const struct ir_helper *h,
                      ir_temp ret, unsigned nargs, const ir_temp *args);
/* Number of macro arguments, 1 to 6. */
#define IR_COUNT_ARGS(...) IR_COUNT_ARGS_(__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define IR_COUNT_ARGS_(a, b, c, d, e, f, n, ...) n
/* An FP op (FADD .. FCVT_FF) on n = 1..3 inputs (a[n..2] unused). */
void ir_fp(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type fmt, ir_temp d,
           unsigned n, const ir_temp *a, enum ir_frm rm, uint32_t desc);
void ir_insn_start(struct ir_ctx *ctx, uint64_t word0, uint64_t word1);
void ir_goto_tb(struct ir_ctx *ctx, unsigned slot);
void ir_exit_tb(struct ir_ctx *ctx, enum ir_exit code);
void ir_goto_ptr(struct ir_ctx *ctx, ir_temp host_addr);

/* --- passes ---------------------------------------------------------------- */
/* Constant folding within basic blocks and dead-op removal (turns dead
 * ops into IR_NOP).  Semantics-preserving. */
void ir_optimize(struct ir_ctx *ctx);
/* Reference semantics: evaluate an IR_OPF_FOLD op on constant inputs (b
 * is ignored for O1_I1 ops); false for every other op.  The backend's
 * tests check generated code against these. */
bool ir_fold(enum ir_opc opc, enum ir_type type, uint64_t a, uint64_t b,
             uint64_t *out);
bool ir_cond_eval(enum ir_cond c, enum ir_type type, uint64_t a, uint64_t b);
/* Print the op list (the -d op format) to f. */
struct _IO_FILE;
void ir_dump(const struct ir_ctx *ctx, struct _IO_FILE *f);
const char *ir_opc_name(enum ir_opc opc);

/* --- the op table ------------------------------------------------------
 * One entry per op, generated from ir_ops.def: the shape's counts and
 * roles are copied in so passes need one lookup. */
struct ir_opdef {
    const char *name;        /* -d op spelling */
    uint8_t shape;           /* enum ir_shape */
    uint8_t nouts;           /* leading args that are written temps */
    uint8_t nins;            /* following args that are read temps */
    uint8_t nconst;          /* following args that are immediates */
    int8_t cond_arg;         /* arg holding an enum ir_cond, or -1 */
    int8_t label_arg;        /* arg holding a label, or -1 */
    uint16_t flags;          /* enum ir_op_flags */
};
extern const struct ir_opdef ir_opdefs[IR_OPC_COUNT];

/* An internal error naming the op (or its number, for one outside the
 * table) and `where` it was met; never returns. */
NORETURN void ir_fatal_op(const char *where, unsigned opc);

/* The definition of opc; an opcode outside the table is fatal. */
static inline const struct ir_opdef *ir_def(unsigned opc)
{
    if (unlikely(opc >= IR_OPC_COUNT))
        ir_fatal_op("IR", opc);
    return &ir_opdefs[opc];
}

static inline bool ir_op_has(unsigned opc, enum ir_op_flags f)
{
    return ir_def(opc)->flags & f;
}

#endif

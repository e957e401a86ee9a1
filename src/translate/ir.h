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
 * immediates as documented per opcode below.  Every op is total: no op
 * traps on the host (division is defined for zero and overflow).
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

/* Helper-call flags (IR_CALL args[2]). */
enum ir_call_flags {
    IR_CALL_NO_GLOBALS = 1,  /* helper neither reads nor writes guest globals
                                through env: nothing is synced or reloaded */
    IR_CALL_READ_ONLY  = 2,  /* helper may read globals (they are synced) but
                                never writes them: no reload afterwards */
    IR_CALL_NORETURN   = 4,  /* helper never returns (raises an exception):
                                globals are synced, code after it is dead */
};

/* Exit codes carried by IR_EXIT_TB; the backend returns
 * (uintptr_t)owner | code from be_exec (see backend/backend.h). */
enum ir_exit {
    IR_EXIT_NOCHAIN   = 0,   /* plain exit: the loop looks up the next TB */
    IR_EXIT_SLOT0     = 1,   /* exit through goto_tb slot 0: may be linked */
    IR_EXIT_SLOT1     = 2,   /* exit through goto_tb slot 1: may be linked */
    IR_EXIT_REQUESTED = 3,   /* the exit flag was set at TB entry */
};

enum ir_opc {
    /* --- data movement ------------------------------------------------ */
    IR_MOV,       /* a0 = a1 */
    IR_LD_ENV,    /* a0 = *(env + a2) ; a1 = enum ir_memop (size|sign), a2 = offset */
    IR_ST_ENV,    /* *(env + a2) = a0 ; a1 = enum ir_memop (size), a2 = offset */
    /* --- arithmetic (a0 = a1 op a2) ----------------------------------- */
    IR_ADD, IR_SUB, IR_AND, IR_OR, IR_XOR,
    IR_SHL, IR_SHR, IR_SAR,  /* count = a2 & (width-1), width = 32 or 64 */
    IR_MUL,                  /* low half */
    IR_MULH, IR_MULHU, IR_MULHSU, /* high half: s*s, u*u, s(a1)*u(a2) */
    IR_DIV, IR_DIVU,         /* x/0 = all ones; INT_MIN/-1 = INT_MIN */
    IR_REM, IR_REMU,         /* x%0 = x;        INT_MIN%-1 = 0 */
    /* --- unary (a0 = op a1) ------------------------------------------- */
    IR_NEG, IR_NOT,
    IR_EXT8S, IR_EXT8U, IR_EXT16S, IR_EXT16U, IR_EXT32S, IR_EXT32U,
                             /* extend the low bits of a1 into 64-bit a0 */
    /* --- conditions --------------------------------------------------- */
    IR_SETCOND,   /* a0 = (a1 cond a2) ? 1 : 0 ; a3 = enum ir_cond */
    IR_MOVCOND,   /* a0 = (a1 cond a2) ? a3 : a4 ; a5 = enum ir_cond */
    /* --- control flow within a TB ------------------------------------- */
    IR_LABEL,     /* a0 = label: defines it here */
    IR_BR,        /* a0 = label */
    IR_BRCOND,    /* if (a0 cond a1) goto a3 ; a2 = enum ir_cond */
    /* --- guest memory (softmmu fast path inline, slow path helper) ------ */
    IR_QLD,       /* a0 = load [a1] ; a2 = enum ir_memop, a3 = mmu index */
    IR_QST,       /* store a0 -> [a1] ; a2 = enum ir_memop, a3 = mmu index */
    IR_MB,        /* memory barrier ; a0 = enum ir_mb mask */
    /* --- helpers ------------------------------------------------------ */
    IR_CALL,      /* see ir_call(): a0 = ret temp or 0, a1 = index into
                     ctx->calls, a2 = enum ir_call_flags */
    /* --- guest instruction boundaries --------------------------------- */
    IR_INSN_START,/* a0..a1: the two 32-bit halves of data word 0 (guest pc),
                     a2..a3: halves of data word 1 (target-defined) */
    /* --- leaving the TB ----------------------------------------------- */
    IR_GOTO_TB,   /* a0 = slot (0 or 1): patchable direct jump, initially to
                     the code right after it; must be followed by
                     IR_EXIT_TB with IR_EXIT_SLOT0 + slot */
    IR_EXIT_TB,   /* a0 = enum ir_exit: return to the exec loop */
    IR_GOTO_PTR,  /* a0 = temp holding a host code address (from a lookup
                     helper): jump there */
    IR_NOP,       /* removed by the optimiser; ignored by backends */
    IR_OPC_COUNT
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

struct ir_call_info {        /* one per IR_CALL op */
    void *fn;                /* host function, System V ABI */
    const char *name;        /* for dumps */
    uint8_t nargs;
    uint8_t ret_type;        /* enum ir_type of the result, if any */
    ir_temp args[IR_MAX_CALL_ARGS]; /* each passed as a 64-bit register arg */
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
void ir_emit(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type type,
             unsigned nargs, const uint32_t *args);

void ir_mov(struct ir_ctx *ctx, enum ir_type t, ir_temp d, ir_temp s);
void ir_binop(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type t,
              ir_temp d, ir_temp a, ir_temp b);
void ir_unop(struct ir_ctx *ctx, enum ir_opc opc, enum ir_type t,
             ir_temp d, ir_temp a);
void ir_ld_env(struct ir_ctx *ctx, enum ir_type t, ir_temp d,
               enum ir_memop mo, int32_t offset);
void ir_st_env(struct ir_ctx *ctx, ir_temp s, enum ir_memop mo,
               int32_t offset);
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
/* Call fn(args...) (each arg a temp, passed as a 64-bit integer); ret may
 * be 0 for void helpers. */
void ir_call(struct ir_ctx *ctx, void *fn, const char *name, unsigned flags,
             ir_temp ret, enum ir_type ret_type, unsigned nargs,
             const ir_temp *args);
void ir_insn_start(struct ir_ctx *ctx, uint64_t word0, uint64_t word1);
void ir_goto_tb(struct ir_ctx *ctx, unsigned slot);
void ir_exit_tb(struct ir_ctx *ctx, enum ir_exit code);
void ir_goto_ptr(struct ir_ctx *ctx, ir_temp host_addr);

/* --- passes ---------------------------------------------------------------- */
/* Constant folding, copy propagation within basic blocks, dead-op removal
 * (turns dead ops into IR_NOP).  Semantics-preserving. */
void ir_optimize(struct ir_ctx *ctx);
/* Reference semantics: evaluate an arithmetic/unary op (MOV, ADD..REMU,
 * NEG..EXT32U) on constant inputs; false for other opcodes.  The backend's
 * tests check generated code against these. */
bool ir_fold(enum ir_opc opc, enum ir_type type, uint64_t a, uint64_t b,
             uint64_t *out);
bool ir_cond_eval(enum ir_cond c, enum ir_type type, uint64_t a, uint64_t b);
/* Print the op list (the -d op format) to f. */
struct _IO_FILE;
void ir_dump(const struct ir_ctx *ctx, struct _IO_FILE *f);
const char *ir_opc_name(enum ir_opc opc);

/* Number of value args / label args an opcode takes (for passes). */
struct ir_opdef {
    const char *name;
    uint8_t nouts;           /* leading args that are written temps */
    uint8_t nins;            /* following args that are read temps */
    uint8_t nconst;          /* following args that are immediates */
    uint8_t flags;           /* IR_OPF_* */
};
enum { IR_OPF_BB_END = 1, IR_OPF_SIDE_EFFECT = 2, IR_OPF_LABEL_ARG = 4 };
extern const struct ir_opdef ir_opdefs[IR_OPC_COUNT];

#endif

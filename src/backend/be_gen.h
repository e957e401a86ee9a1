/*
 * be_gen.h — the code generator's per-thread state and register allocator,
 * shared by be_ra.c (allocator), be_gen.c (ops) and be_ldst.c (guest
 * memory ops).
 * Internal to src/backend.
 *
 * Allocation model (docs/backend.md):
 *   - a temp is either in a host register (reg >= 0) or not; mem_ok says
 *     its home (env field for a GLOBAL, frame slot for LOCAL/NORMAL) holds
 *     the current value.  CONST temps are rematerialised, ENV is r14.
 *   - registers are assigned greedily per op; when none is free one is
 *     spilled (stored to its home if dirty).
 *   - liveness (one backward pass) marks the last use of NORMAL and CONST
 *     temps inside a basic block, so their registers are freed at once.
 */
#ifndef LOOM_BACKEND_BE_GEN_H
#define LOOM_BACKEND_BE_GEN_H

#include "backend/be_int.h"

struct be_ts {
    int8_t reg;              /* host register or -1 */
    bool mem_ok;             /* home holds the current value */
    int16_t slot;            /* frame slot or -1 */
};

/* A guest memory access whose miss path is emitted after the block. */
struct be_slow {
    uint32_t jcc_field;      /* rel32 of the jne to the stub */
    uint32_t ret_off;        /* retaddr passed to the helper */
    uint32_t back_off;       /* where the stub resumes */
    uint16_t save;           /* caller-saved registers live across it */
    uint8_t memop, mmu, is_st, w64;
    int8_t addr, val;        /* val: data register (load dest / store src) */
};

/* An inline FP op's way out to its fallback (be_fp.c): every check's jcc
 * lands on one stub after the block. */
#define BE_MAX_FPSLOW 2048
struct be_fpslow {
    uint32_t jcc[6];         /* rel32 fields of the jumps to the stub */
    uint8_t njcc;
    uint8_t nin;             /* inputs in[0..nin) */
    int8_t in[3];            /* their registers (intact at every jcc) */
    int8_t out;              /* the output register */
    uint16_t save;           /* caller-saved registers live after the op */
    uint32_t back_off;       /* where the stub resumes */
    uint32_t desc;           /* the fallback's descriptor */
    uint32_t probe_jcc;      /* NX clear: rel32 of the jump to the probe */
    uint8_t probe;           /* an arithmetic op: emit the probe */
    uint8_t opc, rm, dbl;    /* the op, for the probe to redo */
    int8_t t;                /* scratch register of the op */
};

struct be_fix { uint32_t field; uint16_t label; };

struct be_gen {
    struct ir_ctx *ir;
    struct x86_buf buf;
    struct be_block *blk;
    int err;                 /* sticky -E2BIG from the allocator */
    uint16_t locked;         /* registers used by the current op */
    ir_temp reg_temp[16];    /* register → temp (0: free) */
    unsigned nslots;
    unsigned nfix, nslow, ninsn, nfpslow;
    const struct ir_op *op;  /* the op being compiled */
    uint16_t dead;           /* its dead-arg mask (see be_gen.c) */
    struct be_ts ts[IR_MAX_TEMPS];
    uint32_t live[IR_MAX_TEMPS];     /* liveness pass: epoch when live */
    uint16_t dead_mask[IR_MAX_OPS];
    uint32_t label_off[IR_MAX_LABELS];
    struct be_fix fix[IR_MAX_OPS];
    struct be_slow slow[IR_MAX_OPS];
    struct be_fpslow fpslow[BE_MAX_FPSLOW];
    uint64_t data0[IR_MAX_OPS], data1[IR_MAX_OPS];
    uint32_t insn_end[IR_MAX_OPS];
};

/* Bit i of the dead mask: the temp in op arg i is dead after the op;
 * bit 8+i the same for call argument i; bit 15: the output is never read. */
#define BE_DEAD_OUT 0x8000u

#define BE_ALLOCATABLE 0xb7efu  /* all but rsp, r11, r14 — see be_gen.c */
#define BE_CALLER_SAVED 0x07c7u /* rax rcx rdx rsi rdi r8 r9 r10 */

static inline const struct ir_temp_info *be_ti(struct be_gen *g, ir_temp t)
{ return &g->ir->temps[t]; }
static inline bool be_arg_dead(struct be_gen *g, unsigned i)
{ return g->dead & (1u << i); }

/* --- be_ra.c: the register allocator ------------------------------------ */
bool be_tracked(struct be_gen *g, ir_temp t);   /* NORMAL or CONST */
void be_liveness(struct be_gen *g);             /* fills dead_mask[] */
void be_home_load(struct be_gen *g, ir_temp t, int r);
void be_load_into(struct be_gen *g, int r, ir_temp t);  /* copy, no bind */
void be_reg_bind(struct be_gen *g, ir_temp t, int r);
void be_reg_unbind(struct be_gen *g, int r);
void be_reg_spill(struct be_gen *g, int r);     /* store if dirty, unbind */
void be_reg_evict(struct be_gen *g, int r);     /* free r for a fixed use */
/* r's temp to a free register of mask, else to its home; r unbound */
void be_reg_move_out(struct be_gen *g, int r, uint16_t mask);
int be_find_free(struct be_gen *g, uint16_t mask);  /* -1 if none */
void be_sync_all(struct be_gen *g);             /* globals + locals home */
void be_drop_regs(struct be_gen *g, bool normals_only);
int be_reg_alloc(struct be_gen *g, uint16_t mask);
int be_in_reg(struct be_gen *g, ir_temp t);     /* locks the register */
void be_lock(struct be_gen *g, int r);
void be_bind_out(struct be_gen *g, ir_temp t, int r);
void be_sync_globals(struct be_gen *g);
void be_free_dead_inputs(struct be_gen *g, unsigned nins, unsigned first);
/* Register to write op output t into: t's own register if it has one that
 * no input uses, else a free one. */
int be_out_reg(struct be_gen *g, ir_temp t);

void be_gen_qld(struct be_gen *g, const struct ir_op *op);
void be_gen_qst(struct be_gen *g, const struct ir_op *op);
void be_gen_slow_paths(struct be_gen *g);

/* --- be_fp.c: the FP ops ------------------------------------------------- */
void be_gen_fp(struct be_gen *g, const struct ir_op *op);
void be_gen_fp_slow_paths(struct be_gen *g);

#endif

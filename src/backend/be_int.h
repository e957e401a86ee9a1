/*
 * be_int.h — declarations shared by the backend's own files (never
 * included outside src/backend).
 *
 *   be_buf.c   code buffer, regions, per-thread cursor, block index,
 *              prologue/epilogue, be_init / be_flush_all / be_find_block
 *   be_ra.c    register allocator, liveness
 *   be_gen.c   IR → x86-64 op emitters, block driver
 *   be_ldst.c  softmmu fast path and out-of-line slow paths
 *   be_rec.c   insn-record codec and be_block_unwind
 *   be_disas.c capstone dump
 */
#ifndef LOOM_BACKEND_BE_INT_H
#define LOOM_BACKEND_BE_INT_H

#include <stdatomic.h>
#include "backend/backend.h"
#include "backend/x86_emit.h"

/* env lives in r14 for the whole of generated code (callee-saved, and
 * unlike r12/r13 it needs no SIB byte or forced displacement). */
#define BE_ENV_REG   X86_R14
/* Scratch for far calls/jumps; never allocated to a temp. */
#define BE_TMP_REG   X86_R11

/* Frame: BE_FRAME_SLOTS 8-byte spill slots at [rsp + 8*i].  The prologue
 * pushes 6 callee-saved registers, so rsp ≡ 8 (mod 16) before the
 * `sub rsp, BE_FRAME_BYTES`, and BE_FRAME_BYTES ≡ 8 (mod 16) realigns it:
 * rsp is 16-aligned everywhere in generated code, as System V calls need. */
#define BE_FRAME_SLOTS 1024
#define BE_FRAME_BYTES (BE_FRAME_SLOTS * 8 + 8)

#define BE_MAX_CODE  (64u * 1024)     /* per-block host code limit */

struct be_globals {
    uint8_t *base;           /* the mapping */
    size_t size;
    uint8_t *prologue;       /* uintptr_t (*)(void *env, const void *code) */
    uint8_t *epilogue;       /* jump here with the result in rax */
    uint8_t *ret_stub;       /* returns 0 */
    uint8_t *regions_base;   /* region i = regions_base + i * region_size */
    size_t region_size;
    unsigned nregions;
    size_t owner_size;
    struct be_softmmu_layout mem;
    /* FP (be_fp.c), set by be_fp_init before any block: inline FP code at
     * all (LOOM_FP, host MXCSR); FMA3 usable (CPUID, LOOM_FP=nofma).
     * fp_mxcsr: the MXCSR of each enum ir_frm up to RUP, in the shared
     * page (ldmxcsr [rip + ...] from any block). */
    bool fp_inline, fp_fma;
    uint32_t *fp_mxcsr;
    /* Next region to hand out: claimed with one fetch_add; reset by
     * be_flush_all (exclusive context). */
    _Atomic unsigned next_region;
    /* Incremented by be_flush_all; a thread whose cached value differs
     * drops its region (its blocks were flushed). */
    _Atomic unsigned flush_count;
    unsigned init_count;     /* flush_count right after be_init */
    /* Per-region block index: nblocks[i] entries at index + i * per_region,
     * each the byte offset of a struct be_block from the region start.
     * Appended only by the region's owner thread: entry written, then
     * nblocks stored with release.  PAIRS: the acquire load of nblocks in
     * be_find_block. */
    _Atomic uint32_t *nblocks;
    uint32_t *index;
    size_t per_region;
};
extern struct be_globals be_g;

/* Space for one block in the calling thread's region.  `fresh` forces a
 * new region.  Returns 0 or -ENOSPC. */
struct be_span { uint8_t *start, *end; };
int be_buf_reserve(struct be_span *s, bool fresh);
/* Publish the block at b (inside the span just reserved), ending at end. */
void be_buf_commit(struct be_block *b, uint8_t *end);

/* be_fp.c: FP capabilities (once, in be_init); the MXCSR table. */
void be_fp_init(void);
void be_fp_emit_mxcsr(uint32_t tab[4]);

/* Emit the shared code (prologue, epilogue, return stub) at p. */
uint8_t *be_emit_shared(uint8_t *p, uint8_t *end);

/* Code generation of one block into [code, limit).  Fills b's fields and
 * writes the insn records; returns the end of the records, or NULL with
 * *err = -E2BIG (limits) / -ENOSPC (did not fit before limit). */
uint8_t *be_gen_block(struct ir_ctx *ctx, struct be_block *b, uint8_t *code,
                      uint8_t *limit, int *err);

/* Records area: sleb128(start_pc) then be_rec_encode rows. */
int be_rec_write(uint8_t *buf, size_t cap, unsigned n, const uint64_t *d0,
                 const uint64_t *d1, const uint32_t *end);

#endif

/*
 * backend.h — IR → x86-64: the public face of src/backend.
 *
 * The backend owns the code buffer (one RWX mapping split into regions; a
 * thread claims a fresh region with one atomic increment, DESIGN.md §4.1),
 * turns one struct ir_ctx into one host block, patches goto_tb jumps, and maps
 * a host pc back to the guest instruction it belongs to (§4.8).  It never
 * sees RISC-V or struct tb: a block carries `owner_size` opaque bytes that the
 * caller (src/vcpu) uses for its struct tb.
 *
 * Block layout in a region (all written before the block is published):
 *
 *   [struct be_block | owner bytes (caller's) | pad | host code | insn records]
 *    ^ 64-aligned                                     ^ 16-aligned
 *
 * Generated-code conventions (details in docs/backend.md):
 *   - env (the CPU-state pointer passed to be_exec) lives in a callee-saved
 *     host register for the whole of generated code;
 *   - helpers are called with the System V ABI, args in rdi, rsi, ...;
 *   - be_exec returns (uintptr_t)be_block_owner(b) | enum ir_exit, or 0 when
 *     execution left through be_return_stub().
 */
#ifndef LOOM_BACKEND_BACKEND_H
#define LOOM_BACKEND_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "translate/ir.h"
#include "util/compiler.h"

/* How generated code reaches the softmmu TLB (filled in by src/vcpu from the
 * softmmu and target headers; the backend knows only these numbers).
 * Fast path for an access of 2^s bytes at guest address A with mmu index m:
 *   e   = env + tlb_offset + ((m << tlb_bits) + ((A >> page_bits) & (2^tlb_bits-1))) * 2^entry_shift
 *   hit = *(uint64_t *)(e + cmp_read|cmp_write) == (A & (~page_mask_low | (2^s - 1)))
 *         where page_mask_low = 2^page_bits - 1: a misaligned access never hits
 *   host address = A + *(uintptr_t *)(e + addend_off)
 * On a miss the slow path helpers below are called with the host return
 * address inside the TB (for unwinding). */
struct be_softmmu_layout {
    int32_t tlb_offset;
    unsigned tlb_bits;
    unsigned entry_shift;
    unsigned page_bits;
    int32_t cmp_read_off, cmp_write_off, addend_off;
    /* index = log2(size); results are zero-extended */
    uint64_t (*ld_slow[4])(void *env, uint64_t addr, unsigned mmu_idx,
                           uintptr_t retaddr);
    void (*st_slow[4])(void *env, uint64_t addr, uint64_t val,
                       unsigned mmu_idx, uintptr_t retaddr);
};

struct be_config {
    size_t code_size;        /* bytes of code buffer (-accel tb-size=MB) */
    unsigned max_threads;    /* threads that may translate concurrently */
    size_t owner_size;       /* bytes reserved per block for the caller */
    struct be_softmmu_layout mem;
};

#define BE_NO_SLOT 0xffffu

/* One translated block.  Immutable once be_gen_code returns, except the
 * goto_tb displacements (be_patch_jump / be_reset_jump). */
struct be_block {
    uint8_t *code;           /* first host instruction */
    uint32_t code_size;      /* bytes of host code (records excluded) */
    uint32_t rec_size;       /* bytes of insn records after the code */
    uint32_t icount;         /* guest instructions (IR_INSN_START ops) */
    uint16_t jmp_insn_off[2];/* offset of each goto_tb rel32 field in code,
                                4-byte aligned; BE_NO_SLOT if unused */
    uint16_t jmp_reset_off[2];/* offset each slot jumps to when unlinked */
    _Alignas(16) unsigned char owner[];
};

static inline void *be_block_owner(struct be_block *b) { return b->owner; }
static inline struct be_block *be_block_from_owner(void *owner)
{ return container_of((unsigned char (*)[])owner, struct be_block, owner); }

/* Start-up, before any vCPU thread: map the buffer, emit the prologue,
 * epilogue and return stub, register be_unwind with translate.  Returns
 * -errno (e.g. -ENOMEM) on failure. */
int be_init(const struct be_config *cfg) WARN_UNUSED;

/* Generate host code for ctx into the calling thread's region.
 * Returns 0 and *out, or
 *   -ENOSPC  every region is used: the caller must run a full flush
 *            (exclusive) and retry;
 *   -E2BIG   the block exceeds the per-block limits (64 KiB of host code):
 *            retranslate with fewer guest instructions.
 * Thread context: any vCPU thread; no lock taken. */
int be_gen_code(struct ir_ctx *ctx, struct be_block **out) WARN_UNUSED;

/* Give back the most recent block of this thread (it lost an insert race,
 * DESIGN.md §4.2).  b must be the last block be_gen_code returned to this
 * thread and must never have been published. */
void be_discard_last(struct be_block *b);

/* Run generated code: enter at `code` with env in the env register.
 * Returns (uintptr_t)owner | enum ir_exit, or 0 from the return stub. */
uintptr_t be_exec(void *env, const void *code);

/* Host address that, jumped to by IR_GOTO_PTR, returns 0 from be_exec. */
const void *be_return_stub(void);

/* Retarget goto_tb slot `slot` of b to dest (one atomic 32-bit store of the
 * 4-byte-aligned rel32; cross-modifying code on x86 is safe for an aligned
 * 4-byte displacement, see docs/backend.md).  be_reset_jump points the slot
 * back at its own exit.  Callers serialise patches of one slot. */
void be_patch_jump(struct be_block *b, unsigned slot, const void *dest);
void be_reset_jump(struct be_block *b, unsigned slot);

/* Host pc (any byte inside a block's code, typically a helper's return
 * address) → its block, or NULL when host_pc is not inside generated code.
 * Lock-free; safe against concurrent be_gen_code in other threads. */
struct be_block *be_find_block(uintptr_t host_pc);

/* Decode b's insn records up to host_pc: fills data[0..1] with the
 * IR_INSN_START words of the guest instruction containing host_pc and
 * returns its index in the block, or -1 if host_pc is outside b.
 * host_pc is a return address (GETPC(), or a slow path's retaddr): the
 * instruction looked up is the one holding the byte BEFORE it, so
 * b->code < host_pc <= b->code + b->code_size (docs/backend.md). */
int be_block_unwind(const struct be_block *b, uintptr_t host_pc,
                    uint64_t data[2]);

/* Full flush: every region reset to empty.  Exclusive context only (no
 * thread in generated code, none translating). */
void be_flush_all(void);
/* Number of full flushes so far (for stats and tests). */
unsigned be_flush_count(void);
/* Code-buffer use (stats): regions claimed since the last full flush, out
 * of *total, each *region_bytes long.  Any thread (a relaxed snapshot). */
unsigned be_regions_used(unsigned *total, size_t *region_bytes);

/* -d out_asm: disassemble host code with capstone. */
void be_disas(FILE *f, const void *code, size_t size);

/* Insn-record codec, exposed for unit tests (format: docs/backend.md).
 * Encodes n rows of {data0, data1, host_end_off}; returns bytes written or
 * -1 if it does not fit in cap. */
int be_rec_encode(uint8_t *buf, size_t cap, uint64_t start_pc, unsigned n,
                  const uint64_t *data0, const uint64_t *data1,
                  const uint32_t *host_end);
/* Finds the row whose host range contains host_off; -1 if none. */
int be_rec_lookup(const uint8_t *buf, size_t len, uint64_t start_pc,
                  unsigned n, uint32_t host_off, uint64_t data[2]);

#endif

/*
 * be_buf.c — the code buffer: one mapping, split into regions, handed to
 * translating threads without locks; the block index used to map a host pc
 * back to its block; the shared prologue/epilogue; goto_tb patching.
 *
 * Assumptions
 *   - be_init runs once before any vCPU thread (tests may call it again to
 *     remap while no thread uses the buffer).
 *   - be_flush_all runs in an exclusive context: no thread executes
 *     generated code or translates.
 *
 * Layout
 *   [shared code: prologue | epilogue | return stub][region 0][region 1]...
 *   Regions are equal-sized and page-aligned.  The mapping is RWX: guest
 *   code is translated and chained continuously by every vCPU thread, and
 *   goto_tb patching writes into live code; a W^X dual mapping would double
 *   the address-space use and make every patch go through a second alias,
 *   for no protection against a bug in the emulator itself.
 *
 * Concurrency
 *   - A thread claims a region with ONE atomic fetch_add on next_region and
 *     is then its only writer; -ENOSPC once the counter passes nregions.
 *   - Blocks of a region are laid out in address order, so the region's
 *     block index (offsets) is sorted.  INV(B1): index[0..nblocks) of a
 *     region is sorted and every entry names a fully written block.  The
 *     owner writes the entry, then stores nblocks with release (PAIRS: the
 *     acquire load in be_find_block), so readers never see a partly
 *     written block.
 *   - No lock on the generation or lookup paths.
 */
#include "backend/be_int.h"
#include "translate/translator.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct be_globals be_g;

/* Per-thread translation cursor. */
struct be_tctx {
    bool valid;
    unsigned gen;            /* be_g.flush_count when the region was taken */
    unsigned region;
    uint8_t *cur, *end;
    struct be_block *last;   /* for be_discard_last */
    uint8_t *last_cur;       /* cursor before `last` */
};
static __thread struct be_tctx be_t;

#define BE_SHARED_BYTES 4096u
#define BE_REGION_MIN   (256u * 1024)
#define BE_REGION_FLOOR (16u * 1024)

uint8_t *be_emit_shared(uint8_t *p, uint8_t *end)
{
    static const int saved[] = { X86_RBP, X86_RBX, X86_R12, X86_R13, X86_R14,
                                 X86_R15 };
    struct x86_buf b;
    x86_buf_init(&b, p, end);

    /* uintptr_t be_exec(void *env (rdi), const void *code (rsi)) */
    be_g.prologue = b.p;
    for (unsigned i = 0; i < ARRAY_SIZE(saved); i++)
        x86_push(&b, saved[i]);
    x86_mov_rr(&b, true, BE_ENV_REG, X86_RDI);
    x86_arith_ri(&b, true, ARITH_SUB, X86_RSP, BE_FRAME_BYTES);
    x86_jmp_r(&b, X86_RSI);

    x86_nop_align(&b, 16, 0);
    be_g.epilogue = b.p;               /* result already in rax */
    x86_arith_ri(&b, true, ARITH_ADD, X86_RSP, BE_FRAME_BYTES);
    for (unsigned i = ARRAY_SIZE(saved); i-- > 0;)
        x86_pop(&b, saved[i]);
    x86_ret(&b);

    x86_nop_align(&b, 16, 0);
    be_g.ret_stub = b.p;
    x86_arith_rr(&b, false, ARITH_XOR, X86_RAX, X86_RAX);
    x86_jmp_abs(&b, be_g.epilogue);

    /* Data: the MXCSR constants of the FP ops' rounding modes. */
    x86_nop_align(&b, 16, 0);
    if (b.overflow || b.end - b.p < 16)
        return NULL;
    be_g.fp_mxcsr = (uint32_t *)(void *)b.p;
    be_fp_emit_mxcsr(be_g.fp_mxcsr);
    b.p += 16;
    return b.overflow ? NULL : b.p;
}

/* Map the buffer within rel32 reach of the emulator's own text when the
 * kernel grants the hint, so helper calls are `call rel32` (5 bytes)
 * instead of `movabs r11; call r11` (13).  Only a hint: anywhere works. */
static void *be_map_near_text(size_t size)
{
    const int prot = PROT_READ | PROT_WRITE | PROT_EXEC;
    const int flags = MAP_PRIVATE | MAP_ANONYMOUS;
    uintptr_t text = (uintptr_t)(void *)be_init;
    if (size <= (512ul << 20)) {
        uintptr_t hint = ROUND_UP(text, 1ul << 30) + (512ul << 20);
        void *p = mmap((void *)hint, size, prot, flags, -1, 0);
        if (p != MAP_FAILED) {
            intptr_t far = (intptr_t)((uintptr_t)p + size - text);
            intptr_t near = (intptr_t)((uintptr_t)p - text);
            if (far == (int32_t)far && near == (int32_t)near)
                return p;
            munmap(p, size);
        }
    }
    return mmap(NULL, size, prot, flags, -1, 0);
}

static bool be_unwind(uintptr_t host_pc, struct tr_insn_pos *pos)
{
    /* host_pc is a return address: its block holds the byte before it. */
    struct be_block *b = be_find_block(host_pc - 1);
    int i = b ? be_block_unwind(b, host_pc, pos->data) : -1;
    if (i < 0)
        return false;
    pos->index = (unsigned)i;
    /* One record per IR_INSN_START: the count the TB's entry added. */
    pos->count = b->icount;
    return true;
}

static void be_unmap(void)
{
    if (be_g.base)
        munmap(be_g.base, be_g.size);
    if (be_g.index)
        munmap(be_g.index, be_g.nregions * be_g.per_region * sizeof(uint32_t));
    free((void *)be_g.nblocks);
    /* The flush generation survives a re-init, so no thread's cached
     * region can look current afterwards. */
    unsigned gen = atomic_load_explicit(&be_g.flush_count,
                                        memory_order_relaxed);
    memset(&be_g, 0, sizeof(be_g));
    atomic_store_explicit(&be_g.flush_count, gen, memory_order_relaxed);
}

int be_init(const struct be_config *cfg)
{
    const size_t page = 4096;
    size_t size = ROUND_DOWN(cfg->code_size, page);
    unsigned threads = cfg->max_threads ? cfg->max_threads : 1;
    /* rel32 jumps and calls between any two points of the buffer */
    if (size < BE_SHARED_BYTES + 2 * BE_REGION_FLOOR || size > (1ul << 31))
        return -EINVAL;
    /* The TLB index trick in be_ldst.c needs these to fit an imm32. */
    const struct be_softmmu_layout *m = &cfg->mem;
    if (m->page_bits > 30 || m->tlb_bits + m->entry_shift > 30)
        return -EINVAL;

    be_unmap();
    void *base = be_map_near_text(size);
    if (base == MAP_FAILED)
        return -errno;
    be_g.base = base;
    be_g.size = size;
    be_g.owner_size = cfg->owner_size;
    be_g.mem = cfg->mem;

    /* Regions: at most 8 per thread, at least 256 KiB each; but always at
     * least 2 per thread, shrinking them for a small buffer. */
    size_t usable = size - BE_SHARED_BYTES;
    size_t rs = usable / (8 * (size_t)threads);
    if (rs < BE_REGION_MIN)
        rs = BE_REGION_MIN;
    if (usable / rs < 2 * (size_t)threads)
        rs = usable / (2 * (size_t)threads);
    rs = ROUND_DOWN(rs, page);
    if (rs < BE_REGION_FLOOR)
        rs = BE_REGION_FLOOR;
    be_g.region_size = rs;
    be_g.nregions = (unsigned)(usable / rs);
    be_g.regions_base = be_g.base + BE_SHARED_BYTES;
    be_g.per_region = rs / 64;        /* block starts are 64-aligned */

    /* NORESERVE: only the pages of the index that blocks use get memory. */
    size_t isz = be_g.nregions * be_g.per_region * sizeof(uint32_t);
    void *index = mmap(NULL, isz, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    be_g.nblocks = calloc(be_g.nregions, sizeof(*be_g.nblocks));
    if (index == MAP_FAILED || !be_g.nblocks) {
        int err = index == MAP_FAILED ? -errno : -ENOMEM;
        if (index != MAP_FAILED)
            munmap(index, isz);
        be_g.index = NULL;
        be_unmap();
        return err;
    }
    be_g.index = index;

    if (!be_emit_shared(be_g.base, be_g.base + BE_SHARED_BYTES)) {
        be_unmap();
        return -ENOMEM;
    }
    atomic_store_explicit(&be_g.next_region, 0, memory_order_relaxed);
    be_g.init_count = 1 + atomic_fetch_add_explicit(&be_g.flush_count, 1,
                                                    memory_order_relaxed);
    be_t.valid = false;
    tr_runtime.unwind = be_unwind;
    be_fp_init();
    return 0;
}

int be_buf_reserve(struct be_span *s, bool fresh)
{
    unsigned gen = atomic_load_explicit(&be_g.flush_count,
                                        memory_order_relaxed);
    int claimed = 0;
    if (!be_t.valid || be_t.gen != gen || fresh) {
        /* The one atomic of the generation path. */
        unsigned r = atomic_fetch_add_explicit(&be_g.next_region, 1,
                                               memory_order_relaxed);
        if (r >= be_g.nregions) {
            be_t.valid = false;
            return -ENOSPC;
        }
        be_t.valid = true;
        be_t.gen = gen;
        be_t.region = r;
        be_t.cur = be_g.regions_base + r * be_g.region_size;
        be_t.end = be_t.cur + be_g.region_size;
        be_t.last = NULL;
        claimed = 1;
    }
    s->start = be_t.cur;
    s->end = be_t.end;
    return claimed;
}

void be_buf_commit(struct be_block *b, uint8_t *end)
{
    unsigned r = be_t.region;
    uint8_t *rbase = be_g.regions_base + r * be_g.region_size;
    uint32_t n = atomic_load_explicit(&be_g.nblocks[r], memory_order_relaxed);
    be_g.index[r * be_g.per_region + n] = (uint32_t)((uint8_t *)b - rbase);
    /* PAIRS: acquire load in be_find_block (INV(B1)). */
    atomic_store_explicit(&be_g.nblocks[r], n + 1, memory_order_release);
    be_t.last = b;
    be_t.last_cur = be_t.cur;
    be_t.cur = end;
}

void be_discard_last(struct be_block *b)
{
    assert(b && b == be_t.last);
    unsigned r = be_t.region;
    uint32_t n = atomic_load_explicit(&be_g.nblocks[r], memory_order_relaxed);
    atomic_store_explicit(&be_g.nblocks[r], n - 1, memory_order_release);
    be_t.cur = be_t.last_cur;
    be_t.last = NULL;
}

struct be_block *be_find_block(uintptr_t host_pc)
{
    uintptr_t rb = (uintptr_t)be_g.regions_base;
    if (!rb || host_pc < rb ||
        host_pc >= rb + (uintptr_t)be_g.nregions * be_g.region_size)
        return NULL;
    unsigned r = (unsigned)((host_pc - rb) / be_g.region_size);
    uintptr_t base = rb + r * be_g.region_size;
    /* PAIRS: release store in be_buf_commit. */
    uint32_t n = atomic_load_explicit(&be_g.nblocks[r], memory_order_acquire);
    const uint32_t *ix = be_g.index + r * be_g.per_region;
    uint32_t off = (uint32_t)(host_pc - base);
    /* last entry <= off */
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ix[mid] <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    struct be_block *b = (struct be_block *)(base + ix[lo - 1]);
    if (host_pc < (uintptr_t)b->code ||
        host_pc >= (uintptr_t)b->code + b->code_size)
        return NULL;
    return b;
}

void be_flush_all(void)
{
    for (unsigned r = 0; r < be_g.nregions; r++)
        atomic_store_explicit(&be_g.nblocks[r], 0, memory_order_relaxed);
    atomic_store_explicit(&be_g.next_region, 0, memory_order_relaxed);
    /* Every thread sees the new count after the exclusive section ends
     * (its end is a full barrier) and drops its stale region. */
    atomic_fetch_add_explicit(&be_g.flush_count, 1, memory_order_relaxed);
}

unsigned be_flush_count(void)
{
    /* be_init bumps the generation too; only flushes are reported. */
    return atomic_load_explicit(&be_g.flush_count, memory_order_relaxed) -
           be_g.init_count;
}

unsigned be_regions_used(unsigned *total, size_t *region_bytes)
{
    /* next_region counts claims, including the failed ones past the end. */
    unsigned n = atomic_load_explicit(&be_g.next_region, memory_order_relaxed);
    *total = be_g.nregions;
    *region_bytes = be_g.region_size;
    return n < be_g.nregions ? n : be_g.nregions;
}

uintptr_t be_exec(void *env, const void *code)
{
    uintptr_t (*entry)(void *, const void *) =
        (uintptr_t (*)(void *, const void *))(void *)be_g.prologue;
    return entry(env, code);
}

const void *be_return_stub(void)
{
    return be_g.ret_stub;
}

/* Cross-modifying code: the rel32 field is 4-byte aligned (be_gen pads
 * before the jmp), so the store is a single atomic 32-bit write that never
 * straddles a cache line; another thread executing the jmp sees either the
 * old or the new displacement, both valid targets (docs/backend.md).
 * Release: the target block's code and header were written before it was
 * published, and this orders our own earlier writes too (free on x86). */
static void be_set_jump(struct be_block *b, unsigned slot, const void *dest)
{
    assert(slot < 2 && b->jmp_insn_off[slot] != BE_NO_SLOT);
    uint8_t *field = b->code + b->jmp_insn_off[slot];
    intptr_t rel = (intptr_t)dest - (intptr_t)(field + 4);
    assert(rel == (int32_t)rel && ((uintptr_t)field & 3) == 0);
    atomic_store_explicit((_Atomic uint32_t *)(void *)field,
                          (uint32_t)(int32_t)rel, memory_order_release);
}

void be_patch_jump(struct be_block *b, unsigned slot, const void *dest)
{
    be_set_jump(b, slot, dest);
}

void be_reset_jump(struct be_block *b, unsigned slot)
{
    be_set_jump(b, slot, b->code + b->jmp_reset_off[slot]);
}

int be_gen_code(struct ir_ctx *ctx, struct be_block **out)
{
    size_t hdr = sizeof(struct be_block) + be_g.owner_size;
    if (ctx->overflow)          /* truncated IR: same remedy as too big */
        return -E2BIG;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct be_span s;
        int claimed = be_buf_reserve(&s, attempt > 0);
        if (claimed < 0)
            return claimed;
        uint8_t *blk = (uint8_t *)ROUND_UP((uintptr_t)s.start, 64);
        uint8_t *code = (uint8_t *)ROUND_UP((uintptr_t)blk + hdr, 16);
        int err = -ENOSPC;
        if (code + 64 < s.end) {
            struct be_block *b = (struct be_block *)blk;
            uint8_t *end = be_gen_block(ctx, b, code, s.end, &err);
            if (end) {
                be_buf_commit(b, end);
                *out = b;
                return 0;
            }
        }
        /* Did not fit even in a region of its own: too big for any. */
        if (err == -E2BIG || claimed)
            return -E2BIG;
    }
    return -E2BIG;
}

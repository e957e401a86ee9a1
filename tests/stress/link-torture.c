/*
 * link-torture.c — TB linking vs. invalidation vs. execution, on real
 * generated code (src/tbht/tb_maint.c protocol, backend patching), with a
 * check of the named invariants of docs/concurrency.md:
 *
 *   I3   no jump reaches an invalidated TB after its invalidation completed:
 *        every TB's code calls lt_enter(env, id) first; the previous TB of
 *        the chain called lt_leave just before its goto_tb, which read the
 *        global clock into env->t_jump.  An invalidation completes by
 *        stamping done[id] = ++clock (in the jump-cache callback, the last
 *        step).  A jump into TB id with done[id] <= t_jump was taken after
 *        the invalidation completed: violation.  Entries from the "exec
 *        loop" (be_exec) have t_jump = 0 and are exempt, as in Loom.
 *   L4   link bookkeeping: every jmp_dest appears in its destination's
 *        incoming list and vice versa; nothing links into or out of an
 *        invalid TB (tb_check_links), checked during the run (the main
 *        thread stops the world every 100 ms) and at the end;
 *   C1   every TB entered ran its body once: env.counter (incremented by
 *        generated code) equals env.visits (incremented by lt_enter);
 *   I2   tb_invalidate_phys leaves no valid TB overlapping its range among
 *        those whose registration completed before the call began
 *        (clock stamps taken with fetch-and-add on both sides).
 *
 * The world: a ring of --tbs positions; TB version v of position p lives at
 * a fake physical address (four positions per 4 KiB page, every eighth one
 * straddling two pages) and jumps through slot 0 to position p+1 and
 * through slot 1 to p+3 (choice by counter parity), until its budget runs
 * out.  Runner threads follow chains through be_exec and link each slot
 * they exit through (tb_link).  Mutator threads replace versions (new TB
 * registered, position swapped, old one invalidated) and invalidate
 * physical ranges (as SMC does), re-creating what died.  A full code-buffer
 * flush (stop the world) happens whenever the buffer or the id space runs
 * out.  Knobs: --duration MS --threads N (runners; mutators = N/2 + 1)
 * --tbs K --seed S (printed; thread t uses seed + t).  Exit 1 on failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backend/backend.h"
#include "translate/ir_helper.h"
#include "rcu/rcu.h"
#include "tbht/tb_maint.h"
#include "util/compiler.h"

#define PAGE_BITS 12
#define MAX_IDS   (1u << 18)
#define BUDGET    200

struct lenv {                    /* the env of generated code, per runner */
    uint64_t counter;            /* ++ by generated code */
    uint64_t budget;             /* -- by generated code; 0: exit */
    uint64_t t_jump;             /* clock read just before a goto_tb */
    uint64_t visits;             /* ++ by lt_enter */
    uint64_t jumps;              /* entries through a jump */
    uint64_t violations;
};

struct ltb {
    struct tb tb;                /* first */
    _Atomic uint32_t id, pos;
    _Atomic uint64_t reg_at;     /* clock after tb_register succeeded */
};

enum { F_I3, F_L4, F_C1, F_I2, F_N };
static const char *const fail_name[F_N] = { "I3", "L4", "C1", "I2" };

/* Test-wide state (a test program: globals are its whole world). */
static struct {
    unsigned duration_ms, n_run, n_mut, n_pos;
    uint64_t seed;
    struct tb_maint m;
    struct ltb *_Atomic *pos;            /* current version per position */
    struct ltb *_Atomic all[MAX_IDS];    /* every TB since the last flush */
    _Atomic uint64_t done[MAX_IDS];      /* clock when its invalidation ended */
    _Atomic uint32_t n_ids;
    _Atomic uint32_t flags_gen;          /* unique hash key per version */
    _Atomic uint64_t clock;
    _Atomic unsigned epoch;              /* full flushes */
    pthread_rwlock_t world;              /* rd: one operation; wr: stopped */
    _Atomic bool stop;
    _Atomic unsigned long fails[F_N];
    _Atomic unsigned long n_replaced, n_ranges, n_links, n_invalidated,
                          n_checks, n_regen;
} g = { .duration_ms = 2000, .n_run = 4, .n_pos = 64 };

static __thread struct ir_ctx *tls_ctx;
static __thread ir_temp tls_counter, tls_budget;   /* globals of tls_ctx */

static void fail(int which, const char *what, uint64_t x)
{
    if (atomic_fetch_add(&g.fails[which], 1) < 5)
        fprintf(stderr, "link-torture: %s violated: %s (%" PRIu64 ")\n",
                fail_name[which], what, x);
}

static uint64_t rnd(uint64_t *s)            /* xorshift64* */
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* --- generated code's helpers ------------------------------------------- */

static void lt_enter(void *env, uint64_t id)
{
    struct lenv *e = env;
    /* PAIRS: with the release store of all[id] by the TB's creator: the
     * runner may have arrived through a patched jump, an edge no sanitizer
     * sees; this makes the TB's fields visible to it. */
    struct ltb *self = atomic_load_explicit(&g.all[id], memory_order_acquire);
    uint64_t d = atomic_load(&g.done[id]);

    e->visits++;
    if (e->t_jump) {
        e->jumps++;
        if (d && d <= e->t_jump) {
            e->violations++;
            fail(F_I3, "jumped into a TB whose invalidation had completed", id);
        }
    }
    if (!self)
        fail(F_C1, "entered a TB that was never registered", id);
    e->t_jump = 0;
}

static void lt_leave(void *env)
{
    struct lenv *e = env;
    e->t_jump = atomic_load(&g.clock);   /* seq_cst, see I3 above */
}

/* flags 0: they write env fields (no IR global, but no promise made) */
static IR_HELPER_DEF(lt_enter, lt_enter_info, "lt_enter", 0, void, env, i64);
static IR_HELPER_DEF(lt_leave, lt_leave_info, "lt_leave", 0, void, env);

/* --- TB construction ----------------------------------------------------- */

static uint64_t pos_phys(unsigned p)
{
    uint64_t base = 0x80000000ull + ((uint64_t)(p / 4) << PAGE_BITS);
    return p % 8 == 7 ? base + (1u << PAGE_BITS) - 0x10   /* straddles */
                      : base + (p % 4) * 0x100;
}
#define TB_GUEST_SIZE 0x20

static struct ir_ctx *thread_ctx(void)
{
    if (!tls_ctx) {
        tls_ctx = malloc(sizeof(*tls_ctx));
        if (!tls_ctx)
            abort();
        ir_ctx_init(tls_ctx);
        tls_counter = ir_global(tls_ctx, IR_I64,
                                offsetof(struct lenv, counter), "counter");
        tls_budget = ir_global(tls_ctx, IR_I64,
                               offsetof(struct lenv, budget), "budget");
    }
    return tls_ctx;
}

static void build_ir(struct ir_ctx *c, uint32_t id, uint64_t pc)
{
    ir_reset(c);
    ir_temp id_t = ir_const64(c, id);
    ir_label l_exit = ir_label_new(c), l_odd = ir_label_new(c);
    ir_temp bit = ir_temp_new(c, IR_I64);
    ir_insn_start(c, pc, 0);
    ir_call_helper(c, &lt_enter_info, 0, ir_env(c), id_t);
    ir_binop(c, IR_ADD, IR_I64, tls_counter, tls_counter, ir_const64(c, 1));
    ir_binop(c, IR_SUB, IR_I64, tls_budget, tls_budget, ir_const64(c, 1));
    ir_call_helper(c, &lt_leave_info, 0, ir_env(c));
    ir_brcond(c, IR_I64, IR_EQ, tls_budget, ir_const64(c, 0), l_exit);
    ir_binop(c, IR_AND, IR_I64, bit, tls_counter, ir_const64(c, 1));
    ir_brcond(c, IR_I64, IR_NE, bit, ir_const64(c, 0), l_odd);
    ir_goto_tb(c, 0);
    ir_exit_tb(c, IR_EXIT_SLOT0);
    ir_set_label(c, l_odd);
    ir_goto_tb(c, 1);
    ir_exit_tb(c, IR_EXIT_SLOT1);
    ir_set_label(c, l_exit);
    ir_exit_tb(c, IR_EXIT_NOCHAIN);
}

static uint64_t page_gen(uint64_t pn)
{
    struct tb_page *pg = tb_page_get(g.m.pages, pn);
    /* PAIRS: with the release stores of gen in tb_invalidate_phys. */
    return atomic_load_explicit(&pg->gen, memory_order_acquire);
}

/* A new registered version of position p, or NULL when the code buffer or
 * the id space is exhausted (caller: full flush).  Caller: world read-locked
 * or write-locked. */
static struct ltb *make_tb(unsigned p)
{
    struct ir_ctx *c = thread_ctx();
    uint64_t phys = pos_phys(p);
    uint64_t pn = phys >> PAGE_BITS, last = (phys + TB_GUEST_SIZE - 1);
    bool spans = (last >> PAGE_BITS) != pn;

    for (;;) {
        uint64_t gen[2] = { page_gen(pn), spans ? page_gen(pn + 1) : 0 };
        uint32_t id = atomic_fetch_add(&g.n_ids, 1);
        if (id >= MAX_IDS)
            return NULL;
        struct be_block *b;
        build_ir(c, id, phys);
        ir_optimize(c);
        int r = be_gen_code(c, &b);
        if (r == -ENOSPC)
            return NULL;
        if (r)
            abort();
        struct ltb *x = be_block_owner(b);
        x->tb = (struct tb){
            .phys_pc = phys, .pc = phys,
            .flags = atomic_fetch_add(&g.flags_gen, 1),
            .size = TB_GUEST_SIZE, .icount = 1,
            .phys_page2 = spans ? (pn + 1) << PAGE_BITS : UINT64_MAX,
            .code = b->code, .be = b,
        };
        x->tb.hash = tbht_hash(phys, phys, x->tb.flags);
        tb_maint_init_tb(&x->tb);
        atomic_store_explicit(&x->id, id, memory_order_relaxed);
        atomic_store_explicit(&x->pos, p, memory_order_relaxed);
        atomic_store(&g.done[id], 0);
        atomic_store_explicit(&g.all[id], x, memory_order_release);
        atomic_store(&x->reg_at, 0);
        struct tb *w = tb_register(&g.m, &x->tb, gen);
        if (w == &x->tb) {
            atomic_store(&x->reg_at, atomic_fetch_add(&g.clock, 1) + 1);
            return x;
        }
        /* A range invalidation raced with us (S2): never published. */
        if (w)
            abort();                 /* keys are unique: no twins */
        atomic_store_explicit(&g.all[id], NULL, memory_order_relaxed);
        be_discard_last(b);
        atomic_fetch_add(&g.n_regen, 1);
    }
}

/* --- callbacks of the tb_maint protocol ----------------------------------- */

static void cb_patch(struct tb *src, unsigned slot, struct tb *dst)
{
    be_patch_jump(src->be, slot, dst->code);
    atomic_fetch_add_explicit(&g.n_links, 1, memory_order_relaxed);
}

static void cb_reset(struct tb *src, unsigned slot)
{
    be_reset_jump(src->be, slot);
}

static void cb_done(struct tb *tb, void *arg)
{
    (void)arg;
    struct ltb *x = (struct ltb *)tb;
    /* Last step of tb_invalidate: the invalidation is complete. */
    atomic_store(&g.done[atomic_load_explicit(&x->id, memory_order_relaxed)],
                 atomic_fetch_add(&g.clock, 1) + 1);
    atomic_fetch_add_explicit(&g.n_invalidated, 1, memory_order_relaxed);
}

/* --- stop the world ---------------------------------------------------------- */

static void world_rdlock(void)
{
    loom_rcu_offline();
    pthread_rwlock_rdlock(&g.world);
    loom_rcu_online();
}

static void world_wrlock(void)
{
    loom_rcu_offline();
    pthread_rwlock_wrlock(&g.world);
    loom_rcu_online();
}

static void check_links(const char *when)
{
    uint32_t n = atomic_load(&g.n_ids);
    struct tb **v = malloc(sizeof(*v) * (n < MAX_IDS ? n : MAX_IDS) + 1);
    size_t k = 0;
    const char *why = NULL;

    for (uint32_t i = 0; i < n && i < MAX_IDS; i++) {
        struct ltb *x = atomic_load(&g.all[i]);
        if (x)
            v[k++] = &x->tb;
    }
    size_t bad = tb_check_links(v, k, &why);
    if (bad) {
        fprintf(stderr, "link-torture: %s: %zu link errors\n", when, bad);
        fail(F_L4, why, bad);
    }
    free(v);
    atomic_fetch_add(&g.n_checks, 1);
}

/* Full flush: world write-locked. */
static void flush_all(unsigned seen_epoch)
{
    world_wrlock();
    if (atomic_load(&g.epoch) == seen_epoch) {
        check_links("before flush");
        tbht_reset(g.m.ht);
        tb_pages_reset_lists(g.m.pages);
        be_flush_all();
        uint32_t n = atomic_load(&g.n_ids);
        for (uint32_t i = 0; i < n && i < MAX_IDS; i++) {
            atomic_store(&g.all[i], NULL);
            atomic_store(&g.done[i], 0);
        }
        atomic_store(&g.n_ids, 0);
        for (unsigned p = 0; p < g.n_pos; p++) {
            struct ltb *x = make_tb(p);
            if (!x) {
                fprintf(stderr, "link-torture: ring does not fit the buffer\n");
                exit(2);
            }
            atomic_store(&g.pos[p], x);
        }
        atomic_fetch_add(&g.epoch, 1);
    }
    pthread_rwlock_unlock(&g.world);
}

/* --- threads ---------------------------------------------------------------- */

static void *runner(void *arg)
{
    uint64_t s = g.seed + (uintptr_t)arg;
    struct lenv env = { 0 };

    loom_rcu_register();
    while (!atomic_load_explicit(&g.stop, memory_order_relaxed)) {
        world_rdlock();
        for (int round = 0; round < 8; round++) {
            struct ltb *t = atomic_load(&g.pos[rnd(&s) % g.n_pos]);
            env.budget = BUDGET;
            for (;;) {
                env.t_jump = 0;          /* entry from the "exec loop" */
                uintptr_t r = be_exec(&env, t->tb.code);
                struct ltb *src = (struct ltb *)(r & ~(uintptr_t)3);
                unsigned code = (unsigned)(r & 3);
                if (!src || code == IR_EXIT_NOCHAIN)
                    break;
                unsigned slot = code - IR_EXIT_SLOT0;
                unsigned p = atomic_load_explicit(&src->pos,
                                                  memory_order_relaxed);
                unsigned np = (p + (slot ? 3 : 1)) % g.n_pos;
                struct ltb *dst = atomic_load(&g.pos[np]);
                tb_link(&g.m, &src->tb, slot, &dst->tb);
                t = dst;
            }
        }
        pthread_rwlock_unlock(&g.world);
        loom_rcu_quiescent();
    }
    if (env.counter != env.visits)
        fail(F_C1, "counter != visits", env.counter);
    loom_rcu_unregister();
    return (void *)(uintptr_t)env.jumps;
}

/* Re-create position p if its TB is invalid; NULL return = need flush. */
static bool replace(unsigned p, bool only_if_invalid)
{
    struct ltb *old = atomic_load(&g.pos[p]);
    if (only_if_invalid && !atomic_load(&old->tb.invalid))
        return true;
    struct ltb *x = make_tb(p);
    if (!x)
        return false;
    if (atomic_compare_exchange_strong(&g.pos[p], &old, x)) {
        tb_invalidate(&g.m, &old->tb);
        atomic_fetch_add(&g.n_replaced, 1);
    } else {
        tb_invalidate(&g.m, &x->tb);     /* lost the race: unreferenced */
    }
    return true;
}

static bool range_invalidate(uint64_t *s)
{
    unsigned p = rnd(s) % g.n_pos;
    uint64_t pn = pos_phys(p) >> PAGE_BITS;
    uint64_t off = rnd(s) % (1u << PAGE_BITS), len = 1 + rnd(s) % 0x180;
    uint64_t lo = (pn << PAGE_BITS) + off;
    if (off + len > (1u << PAGE_BITS))
        len = (1u << PAGE_BITS) - off;

    uint64_t t0 = atomic_fetch_add(&g.clock, 1) + 1;
    tb_invalidate_phys(&g.m, pn, lo, len, NULL, NULL);
    atomic_fetch_add(&g.n_ranges, 1);
    for (unsigned q = 0; q < g.n_pos; q++) {
        struct ltb *x = atomic_load(&g.pos[q]);
        uint64_t reg = atomic_load(&x->reg_at);
        if (!reg || reg >= t0 || atomic_load(&x->tb.invalid))
            continue;
        for (unsigned n = 0; n < 2; n++) {
            uint64_t st;
            uint32_t l = tb_page_range(&g.m, &x->tb, n, &st);
            if (l && (st >> PAGE_BITS) == pn && st < lo + len && lo < st + l)
                fail(F_I2, "a TB overlapping the range survived", q);
        }
    }
    /* Bring dead positions back. */
    for (unsigned q = 0; q < g.n_pos; q++)
        if ((pos_phys(q) >> PAGE_BITS) == pn ||
            ((pos_phys(q) + TB_GUEST_SIZE - 1) >> PAGE_BITS) == pn)
            if (!replace(q, true))
                return false;
    return true;
}

static void *mutator(void *arg)
{
    uint64_t s = g.seed + 1000 + (uintptr_t)arg;

    loom_rcu_register();
    while (!atomic_load_explicit(&g.stop, memory_order_relaxed)) {
        unsigned ep = atomic_load(&g.epoch);
        world_rdlock();
        bool ok = rnd(&s) % 100 < 70 ? replace(rnd(&s) % g.n_pos, false)
                                     : range_invalidate(&s);
        pthread_rwlock_unlock(&g.world);
        if (!ok)
            flush_all(ep);
        loom_rcu_quiescent();
    }
    loom_rcu_unregister();
    return NULL;
}

static void usage(void)
{
    fprintf(stderr, "usage: link-torture [--duration MS] [--threads N] "
            "[--tbs K] [--seed S]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    g.seed = (uint64_t)time(NULL);
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (!strcmp(argv[i], "--duration"))
            g.duration_ms = (unsigned)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--threads"))
            g.n_run = (unsigned)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--tbs"))
            g.n_pos = (unsigned)strtoul(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--seed"))
            g.seed = strtoull(argv[++i], NULL, 0);
        else
            usage();
    }
    if (!g.n_run || g.n_pos < 8 || g.n_pos > 4096)
        usage();
    g.seed |= 1;
    g.n_mut = g.n_run / 2 + 1;
    printf("link-torture: duration %u ms, %u runners, %u mutators, %u TBs, "
           "seed %" PRIu64 "\n", g.duration_ms, g.n_run, g.n_mut, g.n_pos,
           g.seed);

    struct be_config cfg = {
        .code_size = 4u << 20, .max_threads = g.n_mut + 1,
        .owner_size = sizeof(struct ltb),
        .mem = { .tlb_bits = 4, .entry_shift = 5, .page_bits = PAGE_BITS },
    };
    if (be_init(&cfg) != 0) {
        fprintf(stderr, "link-torture: be_init failed\n");
        return 2;
    }
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra,
            PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&g.world, &ra);
    atomic_store(&g.clock, 1);
    g.m = (struct tb_maint){
        .ht = tbht_new(1024), .pages = tb_pages_new(), .page_bits = PAGE_BITS,
        .patch_jump = cb_patch, .reset_jump = cb_reset, .jc_remove = cb_done,
    };
    g.pos = calloc(g.n_pos, sizeof(*g.pos));
    loom_rcu_register();
    for (unsigned p = 0; p < g.n_pos; p++)
        atomic_store(&g.pos[p], make_tb(p));

    pthread_t *th = calloc(g.n_run + g.n_mut, sizeof(*th));
    for (unsigned i = 0; i < g.n_run; i++)
        pthread_create(&th[i], NULL, runner, (void *)(uintptr_t)i);
    for (unsigned i = 0; i < g.n_mut; i++)
        pthread_create(&th[g.n_run + i], NULL, mutator, (void *)(uintptr_t)i);

    /* Check the link bookkeeping in stopped worlds while it runs. */
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct timespec d = { 0, 100 * 1000 * 1000 };
        loom_rcu_offline();
        nanosleep(&d, NULL);
        loom_rcu_online();
        clock_gettime(CLOCK_MONOTONIC, &now);
        world_wrlock();
        check_links("during the run");
        pthread_rwlock_unlock(&g.world);
        if ((now.tv_sec - t0.tv_sec) * 1000 +
            (now.tv_nsec - t0.tv_nsec) / 1000000 >= g.duration_ms)
            break;
    }
    atomic_store(&g.stop, true);
    unsigned long jumps = 0;
    loom_rcu_offline();
    for (unsigned i = 0; i < g.n_run + g.n_mut; i++) {
        void *r;
        pthread_join(th[i], &r);
        if (i < g.n_run)
            jumps += (uintptr_t)r;
    }
    loom_rcu_online();
    check_links("at the end");

    printf("link-torture: %lu jumps through links, %lu links made, %lu "
           "replaced, %lu range invalidations, %lu TBs invalidated, %lu "
           "registrations retried, %u flushes, %lu checks\n", jumps,
           atomic_load(&g.n_links), atomic_load(&g.n_replaced),
           atomic_load(&g.n_ranges), atomic_load(&g.n_invalidated),
           atomic_load(&g.n_regen), atomic_load(&g.epoch),
           atomic_load(&g.n_checks));
    int rc = 0;
    for (int f = 0; f < F_N; f++) {
        unsigned long n = atomic_load(&g.fails[f]);
        printf("invariant %s: %s", fail_name[f], n ? "FAILED" : "ok");
        if (n)
            printf(" (%lu)", n);
        printf("\n");
        rc |= n != 0;
    }
    if (!jumps) {
        printf("link-torture: no jump went through a link: test is void\n");
        rc = 1;
    }
    loom_rcu_unregister();
    return rc;
}

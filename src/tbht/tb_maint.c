/*
 * tb_maint.c — register, link and invalidate TBs (tb_maint.h).
 *
 * Contract (docs/concurrency.md, sections L, I, S):
 *   - tb_register adds a TB to its page lists and the hash under its page
 *     locks, only if the pages' write generations are still the ones the
 *     translator read before reading guest bytes (S2);
 *   - tb_link claims the source slot with a CAS under the destination's
 *     jmp_lock and refuses an invalid destination (L2, L3);
 *   - tb_invalidate runs DESIGN §4.6 exactly: invalid (CAS, once) → hash →
 *     pages → incoming jumps reset (under this TB's jmp_lock) → outgoing
 *     links dropped and reset (under each destination's jmp_lock) → jump
 *     caches (I1-I4).
 * Locks: page locks ascending → jmp_lock; bucket locks (tbht) inside page
 * locks.  No function here holds two jmp_locks or a page lock and a
 * jmp_lock at once.
 */
#include "tbht/tb_maint.h"

#include "util/compiler.h"

uint32_t tb_page_range(const struct tb_maint *m, const struct tb *tb,
                       unsigned n, uint64_t *start)
{
    uint64_t psize = 1ull << m->page_bits;
    uint64_t first_end = (tb->phys_pc & ~(psize - 1)) + psize;
    uint64_t len0 = tb->size < first_end - tb->phys_pc ?
                    tb->size : first_end - tb->phys_pc;

    if (n == 0) {
        *start = tb->phys_pc;
        return (uint32_t)len0;
    }
    *start = tb->phys_page2;
    return (uint32_t)(tb->size - len0);
}

void tb_maint_init_tb(struct tb *tb)
{
    loom_spin_init(&tb->jmp_lock);
    atomic_store_explicit(&tb->jmp_dest[0], NULL, memory_order_relaxed);
    atomic_store_explicit(&tb->jmp_dest[1], NULL, memory_order_relaxed);
    tb->jmp_list = 0;
    tb->jmp_next[0] = tb->jmp_next[1] = 0;
    tb->page_next[0] = tb->page_next[1] = 0;
    /* Last, release: a thread that reaches the TB through a patched jump
     * (an edge no sanitizer sees) acquires this before touching the TB's
     * other fields (tb_acquire).  PAIRS: with tb_acquire. */
    atomic_store_explicit(&tb->invalid, false, memory_order_release);
}

static inline uint64_t tb_pn2(const struct tb_maint *m, const struct tb *tb)
{
    return tb->phys_page2 == UINT64_MAX ? UINT64_MAX
                                        : tb->phys_page2 >> m->page_bits;
}

struct tb *tb_register(const struct tb_maint *m, struct tb *tb,
                       const uint64_t gen[2])
{
    struct tb_page *pg1, *pg2;
    struct tb *winner = NULL;

    tb_page_lock_pair(m->pages, tb->phys_pc >> m->page_bits, tb_pn2(m, tb),
                      &pg1, &pg2);
    /* INV(S2): a code write that bumped a generation after the translator
     * read it may have changed bytes this TB was built from.  Under the
     * page locks: any later bump finds tb on the list (and invalidates it). */
    if (atomic_load_explicit(&pg1->gen, memory_order_relaxed) == gen[0] &&
        (!pg2 || atomic_load_explicit(&pg2->gen, memory_order_relaxed) ==
                 gen[1])) {
        tb_page_add__locked(pg1, tb, 0);
        if (pg2)
            tb_page_add__locked(pg2, tb, 1);
        /* LP(register); the release store inside makes tb reachable (T3). */
        winner = tbht_insert(m->ht, tb);
        if (winner != tb) {
            tb_page_remove__locked(pg1, tb, 0);
            if (pg2)
                tb_page_remove__locked(pg2, tb, 1);
        }
    }
    tb_page_unlock_pair(pg1, pg2);
    return winner;
}

bool tb_link(const struct tb_maint *m, struct tb *src, unsigned slot,
             struct tb *dst)
{
    bool linked = false;

    if (atomic_load_explicit(&src->invalid, memory_order_relaxed) ||
        atomic_load_explicit(&src->jmp_dest[slot], memory_order_relaxed))
        return false;                    /* cheap early outs, re-checked */
    /* INV(L1), checked here from what both TBs recorded when they were
     * translated, not from the caller's filter (exec.c tb_link_checked):
     * dst starts on src's guest virtual page, was translated from the same
     * physical page, and does not run into a second page. */
    INV_ASSERT(L1, !m->same_page_links ||
                   ((src->pc >> m->page_bits) == (dst->pc >> m->page_bits) &&
                    (src->phys_pc >> m->page_bits) ==
                        (dst->phys_pc >> m->page_bits) &&
                    dst->phys_page2 == UINT64_MAX));
    loom_spin_lock(&dst->jmp_lock);
    /* INV(L3): dst's invalidator sets `invalid` before it takes this lock
     * to reset dst's incoming jumps: either it finds our entry, or we see
     * the flag.  Relaxed: the lock orders it. */
    if (!atomic_load_explicit(&dst->invalid, memory_order_relaxed)) {
        struct tb *expected = NULL;
        /* INV(L2): the slot is claimed once; an invalidated source holds
         * TB_JMP_DEAD and never links again.  PAIRS: acq_rel with the CAS
         * and stores of jmp_dest in tb_invalidate and racing linkers. */
        if (atomic_compare_exchange_strong_explicit(&src->jmp_dest[slot],
                &expected, dst, memory_order_acq_rel, memory_order_acquire)) {
            src->jmp_next[slot] = dst->jmp_list;
            dst->jmp_list = (uintptr_t)src | slot;
            m->patch_jump(src, slot, dst);
            linked = true;
        }
    }
    loom_spin_unlock(&dst->jmp_lock);
    return linked;
}

/* Under dst's jmp_lock: unlink (src|slot) from dst's incoming list. */
static bool tb_jmp_list_remove__locked(struct tb *dst, struct tb *src,
                                       unsigned slot)
{
    uintptr_t want = (uintptr_t)src | slot;

    for (uintptr_t *pp = &dst->jmp_list; *pp;) {
        struct tb *s = (struct tb *)(*pp & ~(uintptr_t)3);
        unsigned n = (unsigned)(*pp & 3);
        if (*pp == want) {
            *pp = s->jmp_next[n];
            s->jmp_next[n] = 0;
            return true;
        }
        pp = &s->jmp_next[n];
    }
    return false;
}

/* Step 4: every jump into tb goes back to its source's own exit. */
static void tb_unlink_incoming(const struct tb_maint *m, struct tb *tb)
{
    loom_spin_lock(&tb->jmp_lock);
    for (uintptr_t e = tb->jmp_list; e;) {
        struct tb *src = (struct tb *)(e & ~(uintptr_t)3);
        unsigned slot = (unsigned)(e & 3);
        e = src->jmp_next[slot];
        src->jmp_next[slot] = 0;
        m->reset_jump(src, slot);
        /* PAIRS: with the CAS in tb_link (the slot may be linked again,
         * after the reset) and the load in tb_unlink_outgoing. */
        atomic_store_explicit(&src->jmp_dest[slot], NULL,
                              memory_order_release);
    }
    tb->jmp_list = 0;
    loom_spin_unlock(&tb->jmp_lock);
}

/* Step 5: tb's own slots leave their destinations' lists, jump back to
 * tb's exit, and are marked dead so no linker claims them again. */
static void tb_unlink_outgoing(const struct tb_maint *m, struct tb *tb)
{
    for (unsigned slot = 0; slot < 2; slot++) {
        for (;;) {
            /* PAIRS: with the release stores / CAS of jmp_dest. */
            struct tb *d = atomic_load_explicit(&tb->jmp_dest[slot],
                                                memory_order_acquire);
            if (d == TB_JMP_DEAD)
                break;
            if (!d) {
                /* PAIRS: with the claiming CAS in tb_link. */
                if (atomic_compare_exchange_strong_explicit(
                        &tb->jmp_dest[slot], &d, TB_JMP_DEAD,
                        memory_order_acq_rel, memory_order_acquire))
                    break;
                continue;                /* a linker claimed it: retry */
            }
            loom_spin_lock(&d->jmp_lock);
            /* Under d's lock jmp_dest cannot move away from d (only d's
             * lock holders change a slot pointing at d). */
            bool ours = atomic_load_explicit(&tb->jmp_dest[slot],
                                             memory_order_relaxed) == d;
            if (ours) {
                bool found = tb_jmp_list_remove__locked(d, tb, slot);
                INV_ASSERT(L4, found);
                (void)found;
                m->reset_jump(tb, slot);
                atomic_store_explicit(&tb->jmp_dest[slot], TB_JMP_DEAD,
                                      memory_order_release);
            }
            loom_spin_unlock(&d->jmp_lock);
            if (ours)
                break;
        }
    }
}

bool tb_invalidate(const struct tb_maint *m, struct tb *tb)
{
    bool expected = false;

    /* Step 1, LP(invalidate), INV(I1): once; from here no lookup returns tb (the jump
     * cache and hash hits are re-checked against the flag, J1) and no new
     * link into it is made (L3).  seq_cst: ordered before our later lock
     * acquisitions for tb_link's check. */
    if (!atomic_compare_exchange_strong(&tb->invalid, &expected, true))
        return false;
    /* Step 2. */
    tbht_remove(m->ht, tb);
    /* Step 3. */
    struct tb_page *pg1, *pg2;
    tb_page_lock_pair(m->pages, tb->phys_pc >> m->page_bits, tb_pn2(m, tb),
                      &pg1, &pg2);
    bool on1 = tb_page_remove__locked(pg1, tb, 0);
    bool on2 = !pg2 || tb_page_remove__locked(pg2, tb, 1);
    tb_page_unlock_pair(pg1, pg2);
    INV_ASSERT(I2, on1 && on2);
    (void)on1;
    (void)on2;
    /* Steps 4, 5. */
    tb_unlink_incoming(m, tb);
    tb_unlink_outgoing(m, tb);
    /* INV(I3): no link into or out of tb remains, and none can be made
     * (L2, L3).  The list is no longer written by anyone. */
    INV_ASSERT(I3, atomic_load(&tb->jmp_dest[0]) == TB_JMP_DEAD &&
                   atomic_load(&tb->jmp_dest[1]) == TB_JMP_DEAD);
    /* Step 6. */
    if (m->jc_remove)
        m->jc_remove(tb, m->arg);
    return true;
}

static bool tb_overlaps(const struct tb_maint *m, const struct tb *tb,
                        unsigned n, uint64_t lo, uint64_t hi)
{
    uint64_t start;
    uint32_t len = tb_page_range(m, tb, n, &start);
    return start < hi && lo < start + len;
}

unsigned tb_invalidate_phys(const struct tb_maint *m, uint64_t pn,
                            uint64_t paddr, uint64_t len,
                            void (*on_empty)(struct tb_page *pg, void *arg),
                            void *arg)
{
    struct tb_page *pg = tb_page_find(m->pages, pn);
    unsigned total = 0;
    bool bumped = false;

    if (!pg)
        return 0;
    for (;;) {
        struct tb *batch[32];
        unsigned n = 0;

        loom_spin_lock(&pg->lock);
        if (!bumped) {
            /* INV(S2): translators that read the old generation and have
             * not registered yet will fail their re-check.  PAIRS: with
             * the page-lock-protected loads in tb_register and the
             * translator's read (under the lock, or acquire). */
            atomic_store_explicit(&pg->gen,
                    atomic_load_explicit(&pg->gen, memory_order_relaxed) + 1,
                    memory_order_release);
            bumped = true;
        }
        for (uintptr_t e = pg->tbs; e && n < 32; e = TB_PAGE_NEXT(e)) {
            struct tb *tb = TB_PAGE_TB(e);
            /* An invalid TB still listed is being removed by its
             * invalidator; skipping it keeps this loop finite. */
            if (!atomic_load_explicit(&tb->invalid, memory_order_relaxed) &&
                tb_overlaps(m, tb, TB_PAGE_N(e), paddr, paddr + len))
                batch[n++] = tb;
        }
        if (n == 0) {
            if (!pg->tbs && on_empty) {
                /* S3: the page stops being code; a translator that read
                 * the old generation will not register on it. */
                on_empty(pg, arg);
                pg->protected = false;
                atomic_store_explicit(&pg->gen,
                    atomic_load_explicit(&pg->gen, memory_order_relaxed) + 1,
                    memory_order_release);
            }
            loom_spin_unlock(&pg->lock);
            return total;
        }
        loom_spin_unlock(&pg->lock);
        for (unsigned i = 0; i < n; i++)
            total += tb_invalidate(m, batch[i]);
    }
}

static void tb_page_reset_one(uint64_t pn, struct tb_page *pg, void *arg)
{
    (void)pn;
    (void)arg;
    pg->tbs = 0;
}

void tb_pages_reset_lists(struct tb_pages *p)
{
    tb_pages_foreach(p, tb_page_reset_one, NULL);
}

static bool tb_in_list(const struct tb *dst, const struct tb *src,
                       unsigned slot)
{
    for (uintptr_t e = dst->jmp_list; e;) {
        struct tb *s = (struct tb *)(e & ~(uintptr_t)3);
        unsigned n = (unsigned)(e & 3);
        if (s == src && n == slot)
            return true;
        e = s->jmp_next[n];
    }
    return false;
}

/* Audit of quiescent structures (callers stopped every writer): the
 * seq_cst loads below need no pairing; they are atomic only because the
 * fields are. */
size_t tb_check_links(struct tb *const *tbs, size_t n, const char **why)
{
    size_t bad = 0;
#define TB_BAD(msg) do { if (!bad++ && why) *why = (msg); } while (0)
    for (size_t i = 0; i < n; i++) {
        struct tb *tb = tbs[i];
        bool inv = atomic_load(&tb->invalid);
        for (unsigned s = 0; s < 2; s++) {
            struct tb *d = atomic_load(&tb->jmp_dest[s]);
            if (!d || d == TB_JMP_DEAD)
                continue;
            if (inv)
                TB_BAD("L4: link out of an invalidated TB");
            if (atomic_load(&d->invalid))
                TB_BAD("I3: link into an invalidated TB");
            if (!tb_in_list(d, tb, s))
                TB_BAD("L4: jmp_dest missing from the destination's list");
        }
        if (inv && tb->jmp_list)
            TB_BAD("I3: invalidated TB still has incoming links");
        for (uintptr_t e = tb->jmp_list; e;) {
            struct tb *s = (struct tb *)(e & ~(uintptr_t)3);
            unsigned k = (unsigned)(e & 3);
            if (atomic_load(&s->jmp_dest[k]) != tb)
                TB_BAD("L4: list entry whose jmp_dest points elsewhere");
            e = s->jmp_next[k];
        }
    }
#undef TB_BAD
    return bad;
}

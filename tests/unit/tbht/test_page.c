/*
 * test_page.c — physical-page descriptors and the TB maintenance protocol
 * (src/tbht/page.c, tb_maint.c), single-threaded: radix-tree lookup, page
 * lists of one- and two-page TBs, generation checks at registration (S2),
 * sub-page range invalidation (I2), link / unlink bookkeeping (L2-L4, I3)
 * with recording callbacks instead of a backend.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rcu/rcu.h"
#include "tbht/tb_maint.h"

#define PB 12

struct rec {
    unsigned patches, resets, jc;
    struct tb *last_src;
    unsigned last_slot;
    struct tb *last_dst;
};
static struct rec rec;

static void cb_patch(struct tb *src, unsigned slot, struct tb *dst)
{
    rec.patches++;
    rec.last_src = src;
    rec.last_slot = slot;
    rec.last_dst = dst;
}

static void cb_reset(struct tb *src, unsigned slot)
{
    rec.resets++;
    rec.last_src = src;
    rec.last_slot = slot;
}

static void cb_jc(struct tb *tb, void *arg)
{
    (void)tb;
    (void)arg;
    rec.jc++;
}

static struct tb_maint mk(void)
{
    memset(&rec, 0, sizeof(rec));
    return (struct tb_maint){
        .ht = tbht_new(64), .pages = tb_pages_new(), .page_bits = PB,
        .patch_jump = cb_patch, .reset_jump = cb_reset, .jc_remove = cb_jc,
    };
}

static void done(struct tb_maint *m)
{
    tbht_destroy(m->ht);
    tb_pages_destroy(m->pages);
}

static struct tb *mktb(uint64_t phys, uint32_t size, uint32_t flags)
{
    struct tb *tb = calloc(1, sizeof(*tb));
    tb->phys_pc = tb->pc = phys;
    tb->flags = flags;
    tb->size = size;
    tb->hash = tbht_hash(phys, phys, flags);
    uint64_t last = phys + size - 1;
    tb->phys_page2 = (last >> PB) != (phys >> PB) ? (last >> PB) << PB
                                                  : UINT64_MAX;
    tb_maint_init_tb(tb);
    return tb;
}

static uint64_t gen_of(struct tb_maint *m, uint64_t pn)
{
    return atomic_load(&tb_page_get(m->pages, pn)->gen);
}

static struct tb *reg(struct tb_maint *m, struct tb *tb)
{
    uint64_t g[2] = { gen_of(m, tb->phys_pc >> PB),
                      tb->phys_page2 == UINT64_MAX ? 0
                          : gen_of(m, tb->phys_page2 >> PB) };
    return tb_register(m, tb, g);
}

static unsigned list_len(struct tb_maint *m, uint64_t pn)
{
    struct tb_page *pg = tb_page_find(m->pages, pn);
    unsigned n = 0;
    if (!pg)
        return 0;
    for (uintptr_t e = pg->tbs; e; e = TB_PAGE_NEXT(e))
        n++;
    return n;
}

static void test_radix(void **state)
{
    (void)state;
    struct tb_pages *p = tb_pages_new();
    assert_null(tb_page_find(p, 0x80000));
    struct tb_page *a = tb_page_get(p, 0x80000);
    assert_non_null(a);
    assert_ptr_equal(tb_page_get(p, 0x80000), a);
    assert_ptr_equal(tb_page_find(p, 0x80000), a);
    struct tb_page *b = tb_page_get(p, 0x80001);
    assert_ptr_equal(b, a + 1);                  /* same leaf */
    struct tb_page *far = tb_page_get(p, (1ull << TB_PAGES_NBITS) - 1);
    assert_non_null(far);
    assert_true(far != a && far != b);
    assert_int_equal(atomic_load(&a->gen), 0);
    assert_int_equal(a->tbs, 0);
    tb_pages_destroy(p);
}

static void test_register_pages(void **state)
{
    (void)state;
    struct tb_maint m = mk();
    struct tb *t1 = mktb(0x80000100, 0x40, 0);
    struct tb *t2 = mktb(0x80000ff0, 0x20, 0);        /* spans 2 pages */
    assert_ptr_equal(reg(&m, t1), t1);
    assert_ptr_equal(reg(&m, t2), t2);
    assert_int_equal(list_len(&m, 0x80000), 2);
    assert_int_equal(list_len(&m, 0x80001), 1);
    uint64_t st;
    assert_int_equal(tb_page_range(&m, t2, 0, &st), 0x10);
    assert_int_equal(st, 0x80000ff0);
    assert_int_equal(tb_page_range(&m, t2, 1, &st), 0x10);
    assert_int_equal(st, 0x80001000);
    assert_ptr_equal(tbht_lookup(m.ht, t2->phys_pc, t2->pc, 0, t2->hash), t2);

    /* A twin loses and is left off the page lists. */
    struct tb *twin = mktb(0x80000100, 0x40, 0);
    assert_ptr_equal(reg(&m, twin), t1);
    assert_int_equal(list_len(&m, 0x80000), 2);

    /* S2: a generation bumped after it was read refuses registration. */
    struct tb *t3 = mktb(0x80001800, 0x10, 1);
    uint64_t g[2] = { gen_of(&m, 0x80001), 0 };
    tb_invalidate_phys(&m, 0x80001, 0x80001f00, 4, NULL, NULL);
    assert_null(tb_register(&m, t3, g));
    assert_null(tbht_lookup(m.ht, t3->phys_pc, t3->pc, 1, t3->hash));
    assert_int_equal(list_len(&m, 0x80001), 1);
    done(&m);
    free(t1); free(t2); free(twin); free(t3);
}

static bool cleared;
static void on_empty(struct tb_page *pg, void *arg)
{
    (void)pg;
    (void)arg;
    cleared = true;
}

static void test_range_invalidation(void **state)
{
    (void)state;
    struct tb_maint m = mk();
    struct tb *a = mktb(0x80000000, 0x20, 0);
    struct tb *b = mktb(0x80000100, 0x20, 0);
    struct tb *s = mktb(0x80000ff8, 0x10, 0);   /* 8 bytes on each page */
    reg(&m, a); reg(&m, b); reg(&m, s);
    uint64_t g0 = gen_of(&m, 0x80000);

    /* Bytes between a and b: nothing overlaps. */
    cleared = false;
    assert_int_equal(tb_invalidate_phys(&m, 0x80000, 0x80000020, 0xe0,
                                        on_empty, NULL), 0);
    assert_false(cleared);
    assert_true(gen_of(&m, 0x80000) > g0);
    /* Last byte of b. */
    assert_int_equal(tb_invalidate_phys(&m, 0x80000, 0x8000011f, 1,
                                        on_empty, NULL), 1);
    assert_true(atomic_load(&b->invalid));
    assert_false(atomic_load(&a->invalid));
    assert_null(tbht_lookup(m.ht, b->phys_pc, b->pc, 0, b->hash));
    assert_int_equal(rec.jc, 1);
    /* The second-page part of s. */
    assert_int_equal(tb_invalidate_phys(&m, 0x80001, 0x80001004, 2,
                                        on_empty, NULL), 1);
    assert_true(atomic_load(&s->invalid));
    assert_true(cleared);                        /* page 2 is now empty */
    assert_int_equal(list_len(&m, 0x80000), 1);  /* a */
    assert_false(tb_page_find(m.pages, 0x80001)->protected);
    cleared = false;
    assert_int_equal(tb_invalidate_phys(&m, 0x80000, 0x80000000, 0x1000,
                                        on_empty, NULL), 1);
    assert_true(cleared);
    assert_int_equal(list_len(&m, 0x80000), 0);
    /* Invalidation happens once. */
    assert_false(tb_invalidate(&m, a));
    assert_int_equal(rec.jc, 3);
    done(&m);
    free(a); free(b); free(s);
}

static void test_links(void **state)
{
    (void)state;
    struct tb_maint m = mk();
    struct tb *a = mktb(0x80000000, 0x10, 0);
    struct tb *b = mktb(0x80000010, 0x10, 0);
    struct tb *c = mktb(0x80000020, 0x10, 0);
    reg(&m, a); reg(&m, b); reg(&m, c);
    struct tb *all[] = { a, b, c };
    const char *why = NULL;

    assert_true(tb_link(&m, a, 0, b));
    assert_ptr_equal(rec.last_dst, b);
    assert_false(tb_link(&m, a, 0, c));          /* L2: slot taken */
    assert_true(tb_link(&m, a, 1, a));           /* self loop */
    assert_true(tb_link(&m, c, 0, b));
    assert_int_equal(rec.patches, 3);
    assert_int_equal(tb_check_links(all, 3, &why), 0);

    /* I3: invalidating b resets a.0 and c.0, which may be linked again. */
    assert_true(tb_invalidate(&m, b));
    assert_int_equal(rec.resets, 2);
    assert_null(atomic_load(&a->jmp_dest[0]));
    assert_null(atomic_load(&c->jmp_dest[0]));
    assert_int_equal(b->jmp_list, 0);
    assert_false(tb_link(&m, c, 0, b));          /* L3: dst invalid */
    assert_true(tb_link(&m, c, 0, a));
    assert_int_equal(tb_check_links(all, 3, &why), 0);

    /* Invalidating a: incoming c.0 and a.1 (itself) reset, outgoing dead. */
    rec.resets = 0;
    assert_true(tb_invalidate(&m, a));
    assert_ptr_equal(atomic_load(&a->jmp_dest[0]), TB_JMP_DEAD);
    assert_ptr_equal(atomic_load(&a->jmp_dest[1]), TB_JMP_DEAD);
    assert_null(atomic_load(&c->jmp_dest[0]));
    assert_int_equal(rec.resets, 2);
    assert_false(tb_link(&m, a, 0, c));          /* L2: dead source */
    assert_int_equal(tb_check_links(all, 3, &why), 0);

    /* The audit notices broken bookkeeping. */
    atomic_store(&c->jmp_dest[1], c);
    assert_true(tb_check_links(all, 3, &why) > 0);
    assert_non_null(why);
    done(&m);
    free(a); free(b); free(c);
}

static void test_reset_lists(void **state)
{
    (void)state;
    struct tb_maint m = mk();
    struct tb *a = mktb(0x80002000, 0x10, 0);
    reg(&m, a);
    assert_int_equal(list_len(&m, 0x80002), 1);
    tb_pages_reset_lists(m.pages);
    assert_int_equal(list_len(&m, 0x80002), 0);
    done(&m);
    free(a);
}

int main(void)
{
    loom_rcu_register();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_radix),
        cmocka_unit_test(test_register_pages),
        cmocka_unit_test(test_range_invalidation),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_reset_lists),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    loom_rcu_unregister();
    return r;
}

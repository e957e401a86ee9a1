/* test_virtqueue.c — split virtqueues, device side (src/hw/virtqueue.c),
 * on a real physical map: well-formed chains (direct, indirect, readable
 * then writable), every malformed chain vq_pop must refuse without
 * touching host memory outside guest RAM (outside RAM, loops, bad next,
 * head out of range, index jumps, writable before readable, indirect
 * misuse, over-long requests, too many segments), ring checks, used-ring
 * pushes, the interrupt decision (event idx and NO_INTERRUPT), and DMA
 * writes reporting code pages to the hook page by page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hw/virtqueue.h"
#include "softmmu/pmem.h"

#define RAM   0x80000000ull
#define RAMSZ (1ull << 20)
#define DESC  (RAM + 0x1000)
#define AVAIL (RAM + 0x2000)
#define USED  (RAM + 0x3000)
#define TABLE (RAM + 0x4000)
#define QN    8

static struct pmem *pm;
static struct vq q;
static struct vq_elem e;
static char err[256];
static unsigned hook_calls;
static uint64_t hook_addr[8], hook_len[8];

static void hook(uint64_t paddr, uint64_t len)
{
    if (hook_calls < 8) {
        hook_addr[hook_calls] = paddr;
        hook_len[hook_calls] = len;
    }
    hook_calls++;
}

static void w(uint64_t a, unsigned size, uint64_t v)
{
    assert_true(pmem_write(pm, a, size, v));
}

static uint64_t r(uint64_t a, unsigned size)
{
    uint64_t v;
    assert_true(pmem_read(pm, a, size, &v));
    return v;
}

static void desc_at(uint64_t table, unsigned i, uint64_t addr, uint32_t len,
                    uint16_t flags, uint16_t next)
{
    w(table + 16 * i, 8, addr);
    w(table + 16 * i + 8, 4, len);
    w(table + 16 * i + 12, 2, flags);
    w(table + 16 * i + 14, 2, next);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
                 uint16_t next)
{
    desc_at(DESC, i, addr, len, flags, next);
}

static uint16_t avail_idx;

static void publish(uint16_t head)
{
    w(AVAIL + 4 + 2 * (avail_idx % QN), 2, head);
    avail_idx++;
    w(AVAIL + 2, 2, avail_idx);
}

static int setup(void **state)
{
    (void)state;
    pm = pmem_new();
    assert_int_equal(pmem_add_ram(pm, RAM, RAMSZ, "ram"), 0);
    assert_int_equal(pmem_add_rom(pm, 0x1000, 0x1000, "rom"), 0);
    pmem_set_code_write_hook(pm, hook);
    q = (struct vq){ .num = QN, .ready = true, .desc = DESC, .avail = AVAIL,
                     .used = USED, .indirect = true };
    avail_idx = 0;
    hook_calls = 0;
    err[0] = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pmem_free(pm);
    return 0;
}

static void test_rings(void **state)
{
    (void)state;
    assert_true(vq_check_rings(pm, &q, err, sizeof(err)));
    struct vq b = q;
    b.num = 6;
    assert_false(vq_check_rings(pm, &b, err, sizeof(err)));
    assert_non_null(strstr(err, "power of two"));
    b = q;
    b.desc = DESC + 8;
    assert_false(vq_check_rings(pm, &b, err, sizeof(err)));
    assert_non_null(strstr(err, "misaligned"));
    b = q;
    b.used = RAM + RAMSZ - 16;          /* runs past the end of RAM */
    assert_false(vq_check_rings(pm, &b, err, sizeof(err)));
    assert_non_null(strstr(err, "outside RAM"));
    b = q;
    b.avail = 0x1000;                   /* ROM is not RAM */
    assert_false(vq_check_rings(pm, &b, err, sizeof(err)));
}

static void test_pop_chain(void **state)
{
    (void)state;
    assert_int_equal(vq_pop(pm, &q, &e, err, sizeof(err)), 0);
    desc(3, RAM + 0x8000, 16, VRING_DESC_F_NEXT, 5);
    desc(5, RAM + 0x9000, 100, VRING_DESC_F_NEXT, 1);
    desc(1, RAM + 0xa000, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
    desc(2, RAM + 0xb000, 1, VRING_DESC_F_WRITE, 0);
    publish(3);
    assert_int_equal(vq_pop(pm, &q, &e, err, sizeof(err)), 1);
    assert_int_equal(e.head, 3);
    assert_int_equal(e.nout, 2);
    assert_int_equal(e.nin, 2);
    assert_int_equal(e.out_len, 116);
    assert_int_equal(e.in_len, 513);
    assert_int_equal(e.seg[1].addr, RAM + 0x9000);
    assert_int_equal(e.seg[2].len, 512);
    assert_int_equal(vq_pop(pm, &q, &e, err, sizeof(err)), 0);

    /* Copies cross segment boundaries. */
    uint8_t buf[600];
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    assert_int_equal(vq_copy_in(pm, &e, 510, buf, 3), 3);
    assert_int_equal(r(RAM + 0xa000 + 510, 2), 0x0100);
    assert_int_equal(r(RAM + 0xb000, 1), 2);
    w(RAM + 0x8000 + 15, 1, 0x77);
    w(RAM + 0x9000, 1, 0x88);
    assert_int_equal(vq_copy_out(pm, &e, 15, buf, 2), 2);
    assert_int_equal(buf[0], 0x77);
    assert_int_equal(buf[1], 0x88);
    assert_int_equal(vq_copy_out(pm, &e, 0, buf, 600), 116);

    /* Push: used entry, then the index. */
    assert_true(vq_push(pm, &q, e.head, 513));
    assert_int_equal(r(USED + 4, 4), 3);
    assert_int_equal(r(USED + 8, 4), 513);
    assert_int_equal(r(USED + 2, 2), 1);
}

static void test_indirect(void **state)
{
    (void)state;
    desc_at(TABLE, 0, RAM + 0x8000, 16, VRING_DESC_F_NEXT, 1);
    desc_at(TABLE, 1, RAM + 0x9000, 8, VRING_DESC_F_WRITE, 0);
    desc(0, TABLE, 32, VRING_DESC_F_INDIRECT, 0);
    publish(0);
    assert_int_equal(vq_pop(pm, &q, &e, err, sizeof(err)), 1);
    assert_int_equal(e.nout, 1);
    assert_int_equal(e.nin, 1);
    assert_int_equal(e.in_len, 8);

    q.indirect = false;                 /* not negotiated */
    publish(0);
    assert_int_equal(vq_pop(pm, &q, &e, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "INDIRECT_DESC"));
}

/* Each malformed chain: -1, a message naming the problem, nothing taken. */
static void bad(const char *what)
{
    uint16_t before = q.last_avail;
    assert_int_equal(vq_pop(pm, &q, &e, err, sizeof(err)), -1);
    if (!strstr(err, what))
        fail_msg("want '%s' in '%s'", what, err);
    assert_int_equal(q.last_avail, before);
}

static void test_malformed(void **state)
{
    (void)state;
    desc(0, 0x1000, 16, 0, 0);                          /* ROM */
    publish(0);
    bad("outside RAM");
    desc(0, RAM + RAMSZ - 8, 16, 0, 0);                 /* past RAM's end */
    bad("outside RAM");
    desc(0, 0xfffffffffffffff0ull, 0x20, 0, 0);         /* wraps */
    bad("outside RAM");
    desc(0, RAM, 16, VRING_DESC_F_NEXT, 1);
    desc(1, RAM, 16, VRING_DESC_F_NEXT, 0);             /* 0 -> 1 -> 0 */
    bad("loops");
    desc(0, RAM, 16, VRING_DESC_F_NEXT, 0);             /* 0 -> 0 */
    bad("loops");
    desc(0, RAM, 16, VRING_DESC_F_NEXT, QN);            /* next outside */
    bad("outside its table");
    desc(0, RAM, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
    desc(1, RAM, 16, 0, 0);                             /* read after write */
    bad("readable buffer after a writable");
    desc(0, TABLE, 24, VRING_DESC_F_INDIRECT, 0);
    bad("indirect table of 24");
    desc(0, TABLE, 0, VRING_DESC_F_INDIRECT, 0);
    bad("indirect table of 0");
    desc(0, TABLE, 16 * (VQ_MAX_INDIRECT + 1), VRING_DESC_F_INDIRECT, 0);
    bad("indirect table of");
    desc(0, TABLE, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
    bad("NEXT set");
    desc(0, RAM + RAMSZ - 16, 32, VRING_DESC_F_INDIRECT, 0);
    bad("outside RAM");
    desc_at(TABLE, 0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
    desc(0, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
    bad("inside an indirect table");
    desc(0, RAM, 16, VRING_DESC_F_NEXT, 1);
    desc(1, TABLE, 16, VRING_DESC_F_INDIRECT, 0);
    bad("not at the head");
    desc_at(TABLE, 0, RAM, 16, VRING_DESC_F_NEXT, 1);
    desc_at(TABLE, 1, RAM, 16, VRING_DESC_F_NEXT, 0);   /* loop in a table */
    desc(0, TABLE, 32, VRING_DESC_F_INDIRECT, 0);
    bad("loops");
    /* Length limit: segments may overlap (one 512 KiB range reused), so
     * 16 of them (8 MiB) pass and 129 (64.5 MiB > VQ_MAX_BYTES) do not. */
    for (unsigned i = 0; i < 16; i++)
        desc_at(TABLE, i, RAM, 512 * 1024,
                VRING_DESC_F_WRITE | (i < 15 ? VRING_DESC_F_NEXT : 0),
                (uint16_t)(i + 1));
    desc(0, TABLE, 16 * 16, VRING_DESC_F_INDIRECT, 0);
    {
        uint16_t before = q.last_avail;
        /* 8 MiB is below VQ_MAX_BYTES: accepted. */
        assert_int_equal(vq_pop(pm, &q, &e, err, sizeof(err)), 1);
        assert_int_equal(e.in_len, 8u << 20);
        assert_int_equal(q.last_avail, (uint16_t)(before + 1));
        publish(0);
    }
    for (unsigned i = 0; i < 129; i++)
        desc_at(TABLE, i, RAM, 512 * 1024,
                VRING_DESC_F_WRITE | (i < 128 ? VRING_DESC_F_NEXT : 0),
                (uint16_t)(i + 1));
    desc(0, TABLE, 16 * 129, VRING_DESC_F_INDIRECT, 0);
    bad("longer than");
    /* Head and index checks. */
    w(AVAIL + 4 + 2 * ((avail_idx - 1) % QN), 2, QN + 3);
    bad("chain head");
    avail_idx += QN + 1;
    w(AVAIL + 2, 2, avail_idx);
    bad("more than the queue size");
}

static void test_zero_length_and_segments(void **state)
{
    (void)state;
    /* A zero-length descriptor is skipped (its address is not checked). */
    desc(0, 0, 0, VRING_DESC_F_NEXT, 1);
    desc(1, RAM, 4, VRING_DESC_F_WRITE, 0);
    publish(0);
    assert_int_equal(vq_pop(pm, &q, &e, err, sizeof(err)), 1);
    assert_int_equal(e.nout, 0);
    assert_int_equal(e.nin, 1);
}

static void test_notify(void **state)
{
    (void)state;
    /* Without event idx: NO_INTERRUPT suppresses. */
    assert_true(vq_push(pm, &q, 0, 0));
    assert_true(vq_should_notify(pm, &q));
    w(AVAIL, 2, VRING_AVAIL_F_NO_INTERRUPT);
    assert_false(vq_should_notify(pm, &q));

    /* Event idx: the first always, then only when used passes used_event. */
    setup(NULL);
    q.event_idx = true;
    w(AVAIL + 4 + 2 * QN, 2, 5);                        /* used_event = 5 */
    vq_push(pm, &q, 0, 0);                              /* used 1 */
    assert_true(vq_should_notify(pm, &q));
    vq_push(pm, &q, 0, 0);                              /* used 2 */
    assert_false(vq_should_notify(pm, &q));
    for (int i = 0; i < 3; i++)
        vq_push(pm, &q, 0, 0);                          /* used 5 */
    assert_false(vq_should_notify(pm, &q));
    vq_push(pm, &q, 0, 0);                              /* used 6: passed 5 */
    assert_true(vq_should_notify(pm, &q));
    vq_push(pm, &q, 0, 0);
    assert_false(vq_should_notify(pm, &q));

    /* avail_event = what we have taken. */
    q.last_avail = 42;
    vq_set_avail_event(pm, &q);
    assert_int_equal(r(USED + 4 + 8 * QN, 2), 42);
}

static void test_dma_hook(void **state)
{
    (void)state;
    uint8_t buf[0x2000] = { 0 };

    /* No code pages: no report. */
    assert_true(pmem_dma_write(pm, RAM + 0x10000, buf, 16));
    assert_int_equal(hook_calls, 0);
    /* Code on pages 0x11000 and 0x13000: a write over 0x10f00..0x13100
     * reports exactly those two pages' parts. */
    assert_true(pmem_code_mark(pm, RAM + 0x11000));
    assert_true(pmem_code_mark(pm, RAM + 0x13000));
    uint8_t *big = calloc(1, 0x2200);
    assert_true(pmem_dma_write(pm, RAM + 0x10f00, big, 0x2200));
    free(big);
    assert_int_equal(hook_calls, 2);
    assert_int_equal(hook_addr[0], RAM + 0x11000);
    assert_int_equal(hook_len[0], 0x1000);
    assert_int_equal(hook_addr[1], RAM + 0x13000);
    assert_int_equal(hook_len[1], 0x100);
    /* Ring stores too. */
    assert_true(pmem_dma_st(pm, RAM + 0x11010, 2, 7));
    assert_int_equal(hook_calls, 3);
    /* Outside RAM: refused, nothing written or reported. */
    assert_false(pmem_dma_write(pm, RAM + RAMSZ - 8, buf, 16));
    assert_false(pmem_dma_write(pm, 0x1000, buf, 16));
    assert_false(pmem_dma_read(pm, 0x0, buf, 16));
    assert_false(pmem_dma_st(pm, RAM + 1, 2, 0));      /* misaligned */
    assert_int_equal(hook_calls, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pop_chain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_indirect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_length_and_segments, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_notify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_hook, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

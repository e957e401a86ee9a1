/* test_uart.c — the NS16550A's interrupt behaviour through its registers:
 * IIR priorities and FIFO bits, THR-empty raise/clear rules, received data
 * from the RX FIFO, LSR, and the output line that goes to the PLIC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hw/hw.h"
#include "fake_hart.h"

#define BASE 0x10000000ull
enum { RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5,
       MSR = 6, SCR = 7 };

/* A backend that records what the UART writes and how often it reports
 * room; the test plays the input thread through chr_fe_receive. */
struct test_chr {
    struct chr chr;
    uint8_t out[64];
    unsigned nout, accepts;
};

static void tc_write(struct chr *c, const uint8_t *buf, size_t n)
{
    struct test_chr *t = (struct test_chr *)c;
    for (size_t i = 0; i < n && t->nout < sizeof(t->out); i++)
        t->out[t->nout++] = buf[i];
}

static void tc_accept(struct chr *c)
{
    ((struct test_chr *)c)->accepts++;
}

static const struct chr_ops tc_ops = { .write = tc_write,
                                       .accept_input = tc_accept };

struct fix {
    struct pmem *pm;
    struct uart *u;
    struct fake_line line;
    struct test_chr tc;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));
    f->pm = pmem_new();
    assert_non_null(f->pm);
    f->tc.chr.ops = &tc_ops;
    f->u = uart_create(f->pm, BASE, &f->tc.chr, (struct hw_irq){
        .set = fake_line_set, .opaque = &f->line, .n = 10 });
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    pmem_free(f->pm);
    free(f);
    return 0;
}

static uint8_t rd(struct fix *f, unsigned reg)
{
    uint64_t v;
    assert_true(pmem_read(f->pm, BASE + reg, 1, &v));
    return (uint8_t)v;
}

static void wr(struct fix *f, unsigned reg, uint8_t v)
{
    assert_true(pmem_write(f->pm, BASE + reg, 1, v));
}

static void test_reset_state(void **state)
{
    struct fix *f = *state;
    assert_int_equal(rd(f, IIR), 0x01);
    assert_int_equal(rd(f, LSR), 0x60);       /* THRE | TEMT */
    assert_int_equal(rd(f, IER), 0);
    assert_false(f->line.level);
    wr(f, FCR, 0x07);                         /* enable + clear FIFOs */
    assert_int_equal(rd(f, IIR), 0xc1);       /* 16550A: FIFOs on */
    wr(f, SCR, 0x5a);
    assert_int_equal(rd(f, SCR), 0x5a);
    /* Divisor latch access does not disturb IER. */
    wr(f, LCR, 0x83);
    wr(f, RBR, 0x01);
    wr(f, IER, 0x00);
    assert_int_equal(rd(f, RBR), 0x01);
    wr(f, LCR, 0x03);
    assert_int_equal(rd(f, IER), 0);
    assert_false(f->line.level);
}

static void test_thre_interrupt(void **state)
{
    struct fix *f = *state;

    wr(f, FCR, 0x01);
    wr(f, IER, 0x02);                         /* 0 → 1: raised */
    assert_true(f->line.level);
    assert_int_equal(rd(f, IIR), 0xc2);       /* reading acknowledges */
    assert_false(f->line.level);
    assert_int_equal(rd(f, IIR), 0xc1);
    /* Writing IER with THRI still set does not raise it again. */
    wr(f, IER, 0x02);
    assert_false(f->line.level);
    /* Re-enabling does (Linux's THRE test toggles IER). */
    wr(f, IER, 0x00);
    wr(f, IER, 0x02);
    assert_true(f->line.level);
    /* A THR write clears it, and the byte leaves at once: raised again. */
    wr(f, RBR, '.');
    assert_true(f->line.level);
    assert_int_equal(rd(f, IIR), 0xc2);
    assert_false(f->line.level);
    wr(f, RBR, '\n');
    assert_true(f->line.level);
    wr(f, IER, 0x00);                         /* masked: line drops */
    assert_false(f->line.level);
    assert_int_equal(rd(f, IIR), 0xc1);
    assert_int_equal(rd(f, LSR) & 0x60, 0x60);
}

static void test_rx_interrupt(void **state)
{
    struct fix *f = *state;

    assert_true(uart_rx_push(f->u, 'a'));
    assert_false(f->line.level);              /* RDI not enabled */
    assert_int_equal(rd(f, LSR), 0x61);       /* DR */
    wr(f, IER, 0x01);
    assert_true(f->line.level);
    assert_int_equal(rd(f, IIR), 0x04);
    assert_true(f->line.level);               /* IIR read keeps RDI */
    /* Received data outranks THR empty. */
    wr(f, IER, 0x03);
    assert_int_equal(rd(f, IIR), 0x04);
    assert_true(uart_rx_push(f->u, 'b'));
    assert_int_equal(rd(f, RBR), 'a');
    assert_true(f->line.level);
    assert_int_equal(rd(f, RBR), 'b');
    assert_int_equal(rd(f, LSR), 0x60);
    /* RX empty: the THR-empty interrupt shows now. */
    assert_int_equal(rd(f, IIR), 0x02);
    assert_false(f->line.level);
    /* An empty RBR reads 0. */
    assert_int_equal(rd(f, RBR), 0);
    /* A full FIFO refuses more; FCR clears it. */
    unsigned n = 0;
    while (uart_rx_push(f->u, (uint8_t)n) && n < 1000)
        n++;
    assert_true(n >= 16 && n < 1000);
    assert_true(f->line.level);
    wr(f, FCR, 0x03);
    assert_int_equal(rd(f, LSR), 0x60);
    assert_false(f->line.level);
}

/* The backend side: THR bytes reach chr_write one by one; receive takes
 * what fits and refuses the rest; every read that makes room reports it,
 * so the backend can offer the rest. */
static void test_backend(void **state)
{
    struct fix *f = *state;
    uint8_t in[100];

    wr(f, RBR, 'o');
    wr(f, RBR, 'k');
    assert_int_equal(f->tc.nout, 2);
    assert_memory_equal(f->tc.out, "ok", 2);
    for (unsigned i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)i;
    size_t took = chr_fe_receive(&f->tc.chr, in, sizeof(in));
    assert_true(took >= 16 && took < sizeof(in));
    assert_int_equal(chr_fe_receive(&f->tc.chr, in + took, 1), 0);
    unsigned before = f->tc.accepts;
    assert_int_equal(rd(f, RBR), 0);
    assert_int_equal(f->tc.accepts, before + 1);
    assert_int_equal(chr_fe_receive(&f->tc.chr, in + took, sizeof(in) - took), 1);
    assert_int_equal(rd(f, RBR), 1);            /* in order */
    wr(f, FCR, 0x03);                           /* clear: room again */
    assert_int_equal(f->tc.accepts, before + 3);
    assert_int_equal(chr_fe_receive(&f->tc.chr, in + took + 1, 3), 3);
    assert_int_equal(rd(f, RBR), in[took + 1]);
}

static void test_loopback_msr(void **state)
{
    struct fix *f = *state;
    assert_int_equal(rd(f, MSR), 0xb0);
    wr(f, MCR, 0x1f);                         /* loop, DTR RTS OUT1 OUT2 */
    assert_int_equal(rd(f, MSR), 0xf0);
    assert_int_equal(rd(f, MCR), 0x1f);
}

static void test_no_line(void **state)
{
    struct pmem *pm = pmem_new();
    struct test_chr tc = { .chr.ops = &tc_ops };
    uint64_t v;
    (void)state;
    uart_create(pm, BASE, &tc.chr, (struct hw_irq){ 0 });
    assert_true(pmem_write(pm, BASE + IER, 1, 0x02));
    assert_true(pmem_read(pm, BASE + IIR, 1, &v));
    assert_int_equal(v, 0x02);
    pmem_free(pm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reset_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thre_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback_msr, setup, teardown),
        cmocka_unit_test(test_no_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

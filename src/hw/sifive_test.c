/*
 * sifive_test.c — the SiFive test ("finisher") device, see hw.h.
 *
 * One 32-bit register at offset 0; writes only (reads return 0):
 *   0x5555               power off, exit status 0
 *   (code << 16)|0x3333  exit with status `code`
 *   0x7777               machine reset: vcpu_request_reset (vcpu/reset.c);
 *                        the writing hart leaves its TB at the next TB
 *                        entry (docs/devices.md "Reset")
 * Other values are ignored.  2- and 4-byte writes are accepted, as on QEMU
 * (OpenSBI's sifive_test driver uses a 16-bit store: a 16-bit 0x3333 exits
 * with status 0); other sizes are refused by the physical map (access
 * fault).
 *
 * Concurrency: a reset request only queues work (any thread); the only
 * state is the device mutex, taken by an exiting
 * write and never released: exit(3) is not thread-safe, so a second hart
 * writing at the same time blocks while the first one exits.
 */
#include "hw/hw.h"

#include <pthread.h>
#include <stdlib.h>
#include "util/error.h"
#include "vcpu/vcpu.h"

enum {
    SIFIVE_TEST_FAIL = 0x3333,
    SIFIVE_TEST_PASS = 0x5555,
    SIFIVE_TEST_RESET = 0x7777,
};

struct sifive_test {
    pthread_mutex_t exit_lock;
};

static NORETURN void sifive_test_exit(struct sifive_test *d, int code)
{
    pthread_mutex_lock(&d->exit_lock);
    loom_exit(code);
}

static uint64_t sifive_test_read(void *opaque, uint64_t off, unsigned size)
{
    return 0;
}

static void sifive_test_write(void *opaque, uint64_t off, uint64_t val,
                              unsigned size)
{
    struct sifive_test *d = opaque;
    if (off != 0)
        return;
    switch (val & 0xffff) {
    case SIFIVE_TEST_PASS:
        sifive_test_exit(d, 0);
    case SIFIVE_TEST_RESET:
        vcpu_request_reset();
        return;
    case SIFIVE_TEST_FAIL:
        sifive_test_exit(d, (int)((val >> 16) & 0xffff));
    default:
        return;
    }
}

static const struct mmio_ops sifive_test_ops = {
    .read = sifive_test_read, .write = sifive_test_write,
    .min_size = 2, .max_size = 4,
};

void sifive_test_create(struct pmem *pm, uint64_t base)
{
    struct sifive_test *d = calloc(1, sizeof(*d));
    if (!d)
        loom_fatal("sifive_test: out of memory");
    pthread_mutex_init(&d->exit_lock, NULL);
    if (pmem_add_mmio(pm, base, 0x1000, &sifive_test_ops, d, "sifive_test"))
        loom_fatal("sifive_test: cannot map at 0x%llx",
                   (unsigned long long)base);
}

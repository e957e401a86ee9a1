/*
 * virtio_rng.c — virtio entropy device (virtio 1.x §5.4): one queue of
 * writable buffers, each filled from the host's getrandom(2) on the
 * device's I/O thread.  No config space, no feature bits.
 */
#include "hw/virtio_devices.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <string.h>
#include "util/error.h"

#define RNG_CHUNK 4096u          /* at most this much per buffer */

struct virtio_rng {
    struct vq_elem elem;
    uint8_t buf[RNG_CHUNK];
};

static void rng_handle(struct virtio_dev *vd, unsigned q)
{
    struct virtio_rng *r = vd->opaque;
    uint32_t gen;

    while (virtio_pop(vd, q, &r->elem, &gen) > 0) {
        size_t want = r->elem.in_len < RNG_CHUNK ? r->elem.in_len : RNG_CHUNK;
        size_t got = 0;
        while (got < want) {
            ssize_t k = getrandom(r->buf + got, want - got, 0);
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                loom_fatal("virtio-rng: getrandom: %s", strerror(errno));
            got += (size_t)k;
        }
        virtio_push(vd, q, &r->elem, r->buf, got, gen);
    }
}

static const struct virtio_dev_ops rng_ops = {
    .name = "virtio-rng", .device_id = VIRTIO_ID_RNG, .nqueues = 1,
    .handle = rng_handle,
};

struct virtio_dev *virtio_rng_create(struct pmem *pm, uint64_t base,
                                     struct hw_irq irq)
{
    struct virtio_rng *r = calloc(1, sizeof(*r));
    if (!r)
        loom_fatal("out of memory for virtio-rng");
    return virtio_mmio_create(pm, base, irq, &rng_ops, r);
}

/*
 * virtio.h — the virtio-mmio transport (version 2, virtio 1.x) and the
 * interface between it and the device models (virtio_blk.c, virtio_rng.c,
 * virtio_net.c).  See docs/devices.md "virtio".
 *
 * Threads: register accesses arrive on any vCPU thread and are served
 * under the device's lock.  A QueueNotify write only marks the queue and
 * wakes the device's I/O thread, which calls ops->handle(vd, q) with no
 * lock held; the handler takes chains with virtio_pop, does the host I/O,
 * and completes them with virtio_push.  Both take the lock themselves and
 * bracket their guest-RAM writes with vcpu_io_begin/end (DMA and SMC).
 * A device reset (Status = 0, or the machine reset) bumps a generation:
 * a chain popped before it is dropped at virtio_push, so its data never
 * reaches guest memory after the reset.
 */
#ifndef LOOM_HW_VIRTIO_H
#define LOOM_HW_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include "hw/hw.h"
#include "hw/virtqueue.h"

#define VIRTIO_MMIO_BASE   0x10001000ull
#define VIRTIO_MMIO_STRIDE 0x1000ull
#define VIRTIO_MMIO_SLOTS  8
#define VIRTIO_MMIO_IRQ0   1            /* slot n: PLIC source 1 + n */
#define VIRTIO_MAX_QUEUES  4
#define VIRTIO_CONFIG_MAX  64

/* Device IDs and common feature bits. */
#define VIRTIO_ID_NET  1
#define VIRTIO_ID_BLK  2
#define VIRTIO_ID_RNG  4
#define VIRTIO_F_RING_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_RING_EVENT_IDX     (1ull << 29)
#define VIRTIO_F_VERSION_1          (1ull << 32)

/* Status bits. */
#define VIRTIO_S_ACKNOWLEDGE 1
#define VIRTIO_S_DRIVER      2
#define VIRTIO_S_DRIVER_OK   4
#define VIRTIO_S_FEATURES_OK 8
#define VIRTIO_S_NEEDS_RESET 64
#define VIRTIO_S_FAILED      128

struct virtio_dev;

struct virtio_dev_ops {
    const char *name;                   /* "virtio-blk", for messages */
    uint32_t device_id;
    uint64_t features;                  /* device-specific bits */
    unsigned nqueues;
    /* I/O thread, no lock held: queue q was notified (or kicked by the
     * device itself with virtio_kick). */
    void (*handle)(struct virtio_dev *vd, unsigned q);
    /* Under the device lock, at device reset: drop device-side state. */
    void (*reset)(struct virtio_dev *vd);
    /* Under the device lock, when the driver sets DRIVER_OK (may be NULL). */
    void (*driver_ok)(struct virtio_dev *vd);
};

struct virtio_dev {
    const struct virtio_dev_ops *ops;
    void *opaque;                       /* the device model */
    struct pmem *pm;
    uint64_t base;
    struct hw_irq irq;

    pthread_mutex_t lock;               /* everything below */
    pthread_cond_t wake;                /* I/O thread: pending or stop */
    pthread_t thread;
    bool thread_started, stop;
    unsigned pending;                   /* bit q: queue q notified */
    uint32_t gen;                       /* bumped by every device reset */
    uint32_t status, isr;
    uint32_t dev_feat_sel, drv_feat_sel, queue_sel;
    uint64_t driver_features;
    bool level;
    bool warned;                        /* NEEDS_RESET reported once */
    struct vq vq[VIRTIO_MAX_QUEUES];
    uint8_t config[VIRTIO_CONFIG_MAX];  /* device config space (read-only) */
    unsigned config_len;
};

/* Map a transport at `base` (one of the 8 slots) for a device; ops NULL:
 * an empty slot (DeviceID 0), as QEMU's virt has them.  Starts the I/O
 * thread for a real device.  Fill vd->config before the guest runs. */
struct virtio_dev *virtio_mmio_create(struct pmem *pm, uint64_t base,
                                      struct hw_irq irq,
                                      const struct virtio_dev_ops *ops,
                                      void *opaque);
/* Machine reset: back to the power-on state (exclusive context). */
void virtio_mmio_reset(struct virtio_dev *vd);

/* Device side (I/O threads, no lock held).  virtio_pop: the next chain of
 * queue q, or 0 when there is none (ring empty, queue or device not
 * live); a malformed chain puts the device into NEEDS_RESET with a
 * one-line warning and returns 0.  *gen receives the reset generation for
 * virtio_push. */
int virtio_pop(struct virtio_dev *vd, unsigned q, struct vq_elem *e,
               uint32_t *gen);
/* Complete e: copy `len` bytes of `in` into its writable part, put it in
 * the used ring with that length, and interrupt the driver if it wants.
 * Dropped when the device was reset since the pop. */
void virtio_push(struct virtio_dev *vd, unsigned q, const struct vq_elem *e,
                 const void *in, uint64_t len, uint32_t gen);
/* Put back the last popped chain (no room on the device side yet). */
void virtio_unpop(struct virtio_dev *vd, unsigned q, uint32_t gen);
/* A malformed request (a device model's own checks): NEEDS_RESET with a
 * one-line warning, as for a bad chain. */
void virtio_error(struct virtio_dev *vd, const char *why);
/* Wake the I/O thread for queue q, as a notify would. */
void virtio_kick(struct virtio_dev *vd, unsigned q);
/* Is the driver running the device (DRIVER_OK, not NEEDS_RESET)? */
bool virtio_live(struct virtio_dev *vd);

#endif

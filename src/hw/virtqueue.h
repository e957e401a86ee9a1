/*
 * virtqueue.h — split virtqueues (virtio 1.x §2.7) as a device sees them:
 * take a descriptor chain from the available ring, check it, hand it back
 * through the used ring, decide whether the driver wants an interrupt.
 *
 * The code is pure: it reads and writes guest memory only through pmem's
 * DMA functions (pmem_dma_read / pmem_dma_st, so ring writes go through
 * the code-page tracking) and holds no lock; the transport
 * (virtio_mmio.c) serialises calls on one queue with its device lock.
 *
 * Malformed input never reaches host memory: every descriptor and ring is
 * checked to lie in guest RAM, chains are bounded by the queue size (a
 * loop is a chain longer than the table), indirect tables by
 * VQ_MAX_INDIRECT, and requests by VQ_MAX_BYTES; vq_pop reports the first
 * problem as one line and the transport puts the device into NEEDS_RESET.
 */
#ifndef LOOM_HW_VIRTQUEUE_H
#define LOOM_HW_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "softmmu/pmem.h"

#define VQ_MAX_SIZE     1024            /* QueueNumMax */
#define VQ_MAX_INDIRECT 1024            /* descriptors in an indirect table */
#define VQ_MAX_SEGS     1024            /* max(VQ_MAX_SIZE, VQ_MAX_INDIRECT) */
#define VQ_MAX_BYTES    (64u << 20)     /* readable + writable per chain */

/* Descriptor flags (virtq_desc.flags) and ring flags. */
#define VRING_DESC_F_NEXT      1
#define VRING_DESC_F_WRITE     2
#define VRING_DESC_F_INDIRECT  4
#define VRING_AVAIL_F_NO_INTERRUPT 1
#define VRING_USED_F_NO_NOTIFY     1

struct vq {
    /* Driver configuration (transport registers). */
    uint16_t num;                 /* queue size (power of two) */
    bool ready;
    uint64_t desc, avail, used;   /* guest-physical ring addresses */
    /* Negotiated features. */
    bool event_idx, indirect;
    /* Device state. */
    uint16_t last_avail;          /* next available entry to take */
    uint16_t used_idx;            /* our copy of used->idx */
    uint16_t signalled_used;      /* used->idx at the last interrupt */
    bool signalled_valid;
};

struct vq_seg {
    uint64_t addr;
    uint32_t len;
};

/* One chain: the readable (driver → device) segments first, then the
 * writable ones, as the spec requires them in that order. */
struct vq_elem {
    uint16_t head;
    unsigned nout, nin;           /* readable, writable segments */
    uint64_t out_len, in_len;     /* their total bytes */
    struct vq_seg seg[VQ_MAX_SEGS];
};

/* Check that the rings of an enabled queue lie in RAM (QueueReady = 1);
 * false with a message otherwise. */
bool vq_check_rings(const struct pmem *pm, const struct vq *q, char *err,
                    size_t n);
/* Take the next chain.  Returns 1 (e filled), 0 (ring empty) or -1 (bad
 * ring or chain: message in err, nothing consumed). */
int vq_pop(const struct pmem *pm, struct vq *q, struct vq_elem *e,
           char *err, size_t n);
/* Put back a chain that was popped but cannot be served now (the device
 * has no room yet): the next vq_pop returns it again. */
void vq_unpop(struct vq *q);
/* Is the ring empty (nothing for vq_pop)? */
bool vq_empty(const struct pmem *pm, const struct vq *q);
/* Return chain `head` with `len` bytes written into its writable part. */
bool vq_push(const struct pmem *pm, struct vq *q, uint16_t head,
             uint32_t len);
/* After pushes: does the driver want an interrupt (event idx, or
 * NO_INTERRUPT without it)? */
bool vq_should_notify(const struct pmem *pm, struct vq *q);
/* Event idx: ask for a notification once the driver adds past what we
 * have taken (avail_event = last_avail); then re-check vq_empty. */
void vq_set_avail_event(const struct pmem *pm, const struct vq *q);

/* Copy between a chain's segments and a host buffer, starting `off` bytes
 * into its readable (vq_copy_out) or writable (vq_copy_in) part.  Return
 * the bytes copied. */
uint64_t vq_copy_out(const struct pmem *pm, const struct vq_elem *e,
                     uint64_t off, void *buf, uint64_t len);
uint64_t vq_copy_in(const struct pmem *pm, const struct vq_elem *e,
                    uint64_t off, const void *buf, uint64_t len);

#endif

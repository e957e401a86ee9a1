/* Minimal virtio-mmio (version 2) driver for bare-metal test programs:
 * find a device, negotiate features, set up split virtqueues in static
 * memory, post chains (direct or indirect) and wait for their completion.
 *
 * Contract: single hart per queue (no locking); waiting polls used->idx
 * until the device's host thread completes the chain (no clock deadline:
 * the test runner's timeout is the hang guard, docs/stress.md "No
 * deadlines").  Addresses are physical (M mode, no MMU). */
#ifndef LOOM_GUEST_VIRTIO_H
#define LOOM_GUEST_VIRTIO_H

#include "rt.h"

#define RT_VIO_BASE(slot)  (0x10001000UL + 0x1000UL * (slot))
#define RT_VIO_SLOTS       8

/* Registers. */
#define VIO_MAGIC        0x000
#define VIO_VERSION      0x004
#define VIO_DEVICE_ID    0x008
#define VIO_VENDOR_ID    0x00c
#define VIO_DEV_FEAT     0x010
#define VIO_DEV_FEAT_SEL 0x014
#define VIO_DRV_FEAT     0x020
#define VIO_DRV_FEAT_SEL 0x024
#define VIO_QUEUE_SEL    0x030
#define VIO_QUEUE_NUM_MAX 0x034
#define VIO_QUEUE_NUM    0x038
#define VIO_QUEUE_READY  0x044
#define VIO_QUEUE_NOTIFY 0x050
#define VIO_ISR          0x060
#define VIO_ISR_ACK      0x064
#define VIO_STATUS       0x070
#define VIO_DESC_LO      0x080
#define VIO_DESC_HI      0x084
#define VIO_DRIVER_LO    0x090
#define VIO_DRIVER_HI    0x094
#define VIO_DEVICE_LO    0x0a0
#define VIO_DEVICE_HI    0x0a4
#define VIO_CONFIG       0x100

#define VIO_S_ACK        1
#define VIO_S_DRIVER     2
#define VIO_S_DRIVER_OK  4
#define VIO_S_FEATURES_OK 8
#define VIO_S_NEEDS_RESET 64

#define VIO_F_INDIRECT   (1ULL << 28)
#define VIO_F_EVENT_IDX  (1ULL << 29)
#define VIO_F_VERSION_1  (1ULL << 32)

#define VDESC_NEXT     1
#define VDESC_WRITE    2
#define VDESC_INDIRECT 4

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

#define RT_VQ_MAX 16

struct rt_vq {
	uintptr_t base;
	unsigned index, num, slot;
	struct vdesc *desc;
	volatile uint16_t *avail;     /* flags, idx, ring[num], used_event */
	volatile uint8_t *used;       /* flags, idx, ring[num]{id,len}, avail_event */
	uint16_t avail_idx, last_used;
};

static inline uint32_t vio_rd(uintptr_t base, unsigned off)
{
	return RT_MMIO32(base + off);
}

static inline void vio_wr(uintptr_t base, unsigned off, uint32_t v)
{
	RT_MMIO32(base + off) = v;
}

/* Slot of the first device with this ID (highest address first, the FDT
 * order), or -1. */
int rt_vio_find(uint32_t device_id);
/* Reset, ACKNOWLEDGE|DRIVER, offer `want` & device features; returns the
 * status after setting FEATURES_OK (FEATURES_OK clear: refused). */
uint32_t rt_vio_negotiate(uintptr_t base, uint64_t want, uint64_t *dev_feat);
/* Queue `index` with `num` entries (<= RT_VQ_MAX) in static memory `slot`
 * (0..3, one 4 KiB page each); QueueReady = 1. */
void rt_vq_init(struct rt_vq *q, uintptr_t base, unsigned index, unsigned num,
		unsigned slot);
/* Make descriptors 0..n-1 a chain from bufs (addr, len, write flag) and
 * publish head 0 (the queue must be idle: one request at a time).  With
 * `indirect`, the chain lives in an indirect table and descriptor 0
 * points to it.  Then notify. */
struct rt_buf {
	void *addr;
	uint32_t len;
	int write;
};
void rt_vq_submit(struct rt_vq *q, const struct rt_buf *bufs, unsigned n,
		  int indirect);
/* Wait for the next used entry; returns 1 with its len (and id). */
int rt_vq_wait(struct rt_vq *q, uint32_t *len, uint32_t *id);
/* used->idx as the device wrote it. */
uint16_t rt_vq_used_idx(const struct rt_vq *q);

#endif

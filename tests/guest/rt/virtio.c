/* Minimal virtio-mmio driver for test programs (see virtio.h). */
#include "virtio.h"
#include "smp.h"

#define VQ_PAGES 4
static uint8_t vq_mem[VQ_PAGES][4096] __attribute__((aligned(4096)));
static struct vdesc vq_indirect[VQ_PAGES][RT_VQ_MAX] __attribute__((aligned(16)));

static inline void fence_rw(void)
{
	__asm__ volatile("fence rw, rw" ::: "memory");
}

int rt_vio_find(uint32_t device_id)
{
	for (int s = RT_VIO_SLOTS - 1; s >= 0; s--)
		if (vio_rd(RT_VIO_BASE(s), VIO_MAGIC) == 0x74726976 &&
		    vio_rd(RT_VIO_BASE(s), VIO_DEVICE_ID) == device_id)
			return s;
	return -1;
}

uint32_t rt_vio_negotiate(uintptr_t base, uint64_t want, uint64_t *dev_feat)
{
	uint64_t f;

	vio_wr(base, VIO_STATUS, 0);
	vio_wr(base, VIO_STATUS, VIO_S_ACK);
	vio_wr(base, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER);
	vio_wr(base, VIO_DEV_FEAT_SEL, 0);
	f = vio_rd(base, VIO_DEV_FEAT);
	vio_wr(base, VIO_DEV_FEAT_SEL, 1);
	f |= (uint64_t)vio_rd(base, VIO_DEV_FEAT) << 32;
	if (dev_feat)
		*dev_feat = f;
	want &= f;
	vio_wr(base, VIO_DRV_FEAT_SEL, 0);
	vio_wr(base, VIO_DRV_FEAT, (uint32_t)want);
	vio_wr(base, VIO_DRV_FEAT_SEL, 1);
	vio_wr(base, VIO_DRV_FEAT, (uint32_t)(want >> 32));
	vio_wr(base, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER | VIO_S_FEATURES_OK);
	return vio_rd(base, VIO_STATUS);
}

void rt_vq_init(struct rt_vq *q, uintptr_t base, unsigned index, unsigned num,
		unsigned slot)
{
	uint8_t *m = vq_mem[slot];
	uint64_t d, a, u;

	memset(m, 0, 4096);
	q->base = base;
	q->index = index;
	q->num = num;
	q->slot = slot;
	q->desc = (struct vdesc *)m;                    /* 16 * num */
	q->avail = (volatile uint16_t *)(m + 16 * RT_VQ_MAX);
	q->used = m + 2048;
	q->avail_idx = q->last_used = 0;
	d = (uintptr_t)q->desc;
	a = (uintptr_t)q->avail;
	u = (uintptr_t)q->used;
	vio_wr(base, VIO_QUEUE_SEL, index);
	vio_wr(base, VIO_QUEUE_NUM, num);
	vio_wr(base, VIO_DESC_LO, (uint32_t)d);
	vio_wr(base, VIO_DESC_HI, (uint32_t)(d >> 32));
	vio_wr(base, VIO_DRIVER_LO, (uint32_t)a);
	vio_wr(base, VIO_DRIVER_HI, (uint32_t)(a >> 32));
	vio_wr(base, VIO_DEVICE_LO, (uint32_t)u);
	vio_wr(base, VIO_DEVICE_HI, (uint32_t)(u >> 32));
	vio_wr(base, VIO_QUEUE_READY, 1);
}

static void fill(struct vdesc *t, const struct rt_buf *bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		t[i].addr = (uintptr_t)bufs[i].addr;
		t[i].len = bufs[i].len;
		t[i].flags = (uint16_t)((bufs[i].write ? VDESC_WRITE : 0) |
					(i + 1 < n ? VDESC_NEXT : 0));
		t[i].next = (uint16_t)(i + 1);
	}
}

void rt_vq_submit(struct rt_vq *q, const struct rt_buf *bufs, unsigned n,
		  int indirect)
{
	if (indirect) {
		struct vdesc *t = vq_indirect[q->slot];
		fill(t, bufs, n);
		q->desc[0].addr = (uintptr_t)t;
		q->desc[0].len = n * sizeof(struct vdesc);
		q->desc[0].flags = VDESC_INDIRECT;
		q->desc[0].next = 0;
	} else {
		fill(q->desc, bufs, n);
	}
	q->avail[2 + (q->avail_idx % q->num)] = 0;      /* head 0 */
	fence_rw();
	q->avail_idx++;
	q->avail[1] = q->avail_idx;
	fence_rw();
	vio_wr(q->base, VIO_QUEUE_NOTIFY, q->index);
}

uint16_t rt_vq_used_idx(const struct rt_vq *q)
{
	return *(volatile uint16_t *)(q->used + 2);
}

int rt_vq_wait(struct rt_vq *q, uint32_t *len, uint32_t *id)
{
	while (rt_vq_used_idx(q) == q->last_used)
		;
	fence_rw();
	volatile uint32_t *e = (volatile uint32_t *)(q->used + 4 +
						     8 * (q->last_used % q->num));
	if (id)
		*id = e[0];
	if (len)
		*len = e[1];
	q->last_used++;
	return 1;
}

/*
 * virtio_mmio.c — the virtio-mmio transport, version 2 (virtio 1.x §4.2),
 * at QEMU virt's slots; see virtio.h and docs/devices.md "virtio".
 *
 * Registers (32-bit; the config space from 0x100 at any width 1..4, 8):
 *   0x000 MagicValue "virt"     0x004 Version 2     0x008 DeviceID
 *   0x00c VendorID "QEMU"       0x010 DeviceFeatures (word DeviceFeaturesSel)
 *   0x014 DeviceFeaturesSel     0x020 DriverFeatures 0x024 DriverFeaturesSel
 *   0x030 QueueSel  0x034 QueueNumMax  0x038 QueueNum  0x044 QueueReady
 *   0x050 QueueNotify           0x060 InterruptStatus 0x064 InterruptACK
 *   0x070 Status                0x080..0x0a4 queue desc/driver/device addrs
 *   0x0ac SHMSel 0x0b0/0x0b4 SHMLen (-1: none)  0x0fc ConfigGeneration
 *
 * Concurrency: vd->lock guards the registers and the queues; vCPU threads
 * take it for register accesses, the I/O thread for pops and pushes.  A
 * notify takes it only to set a bit and signal.  The interrupt line is
 * driven under it (lock order: device → PLIC → vCPU internals).  Guest
 * RAM writes (pushes, avail_event) happen between vcpu_io_begin and
 * vcpu_io_end, which are taken before the lock (order: io_lock → device).
 */
#include "hw/virtio.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"
#include "vcpu/vcpu.h"

enum {
    R_MAGIC = 0x000, R_VERSION = 0x004, R_DEVICE_ID = 0x008,
    R_VENDOR_ID = 0x00c, R_DEV_FEAT = 0x010, R_DEV_FEAT_SEL = 0x014,
    R_DRV_FEAT = 0x020, R_DRV_FEAT_SEL = 0x024, R_QUEUE_SEL = 0x030,
    R_QUEUE_NUM_MAX = 0x034, R_QUEUE_NUM = 0x038, R_QUEUE_READY = 0x044,
    R_QUEUE_NOTIFY = 0x050, R_ISR = 0x060, R_ISR_ACK = 0x064,
    R_STATUS = 0x070, R_DESC_LO = 0x080, R_DESC_HI = 0x084,
    R_DRIVER_LO = 0x090, R_DRIVER_HI = 0x094, R_DEVICE_LO = 0x0a0,
    R_DEVICE_HI = 0x0a4, R_SHM_SEL = 0x0ac, R_SHM_LEN_LO = 0x0b0,
    R_SHM_LEN_HI = 0x0b4, R_SHM_BASE_LO = 0x0b8, R_SHM_BASE_HI = 0x0bc,
    R_QUEUE_RESET = 0x0c0, R_CONFIG_GEN = 0x0fc, R_CONFIG = 0x100,
};

#define VIRTIO_MAGIC  0x74726976u       /* "virt" */
#define VIRTIO_VENDOR 0x554d4551u       /* "QEMU", as QEMU reports */
#define ISR_USED   1u
#define ISR_CONFIG 2u

static uint64_t all_features(const struct virtio_dev *vd)
{
    return vd->ops->features | VIRTIO_F_VERSION_1 |
           VIRTIO_F_RING_INDIRECT_DESC | VIRTIO_F_RING_EVENT_IDX;
}

static void update_irq__locked(struct virtio_dev *vd)
{
    bool level = vd->isr != 0;
    if (level != vd->level) {
        vd->level = level;
        hw_irq_set(&vd->irq, level);
    }
}

static void reset__locked(struct virtio_dev *vd)
{
    vd->gen++;
    vd->status = 0;
    vd->isr = 0;
    vd->dev_feat_sel = vd->drv_feat_sel = vd->queue_sel = 0;
    vd->driver_features = 0;
    vd->pending = 0;
    vd->warned = false;
    for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
        vd->vq[i] = (struct vq){ .num = VQ_MAX_SIZE };
    if (vd->ops && vd->ops->reset)
        vd->ops->reset(vd);
    update_irq__locked(vd);
}

/* A driver error: the device stops until reset (virtio 1.x §2.1.2), the
 * driver hears of it through a configuration-change interrupt, and the
 * host says so once. */
static void needs_reset__locked(struct virtio_dev *vd, const char *why)
{
    if (!vd->warned)
        loom_warn("%s@0x%" PRIx64 ": %s; device needs reset", vd->ops->name,
                  vd->base, why);
    vd->warned = true;
    vd->status |= VIRTIO_S_NEEDS_RESET;
    vd->isr |= ISR_CONFIG;
    update_irq__locked(vd);
}

static bool live__locked(const struct virtio_dev *vd)
{
    return (vd->status & VIRTIO_S_DRIVER_OK) &&
           !(vd->status & VIRTIO_S_NEEDS_RESET);
}

bool virtio_live(struct virtio_dev *vd)
{
    pthread_mutex_lock(&vd->lock);
    bool live = live__locked(vd);
    pthread_mutex_unlock(&vd->lock);
    return live;
}

static uint64_t config_read(const struct virtio_dev *vd, uint64_t off,
                            unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        if (off + i < vd->config_len)
            v |= (uint64_t)vd->config[off + i] << (8 * i);
    return v;
}

static uint64_t vmmio_read(void *opaque, uint64_t off, unsigned size)
{
    struct virtio_dev *vd = opaque;
    uint64_t v = 0;

    if (off >= R_CONFIG) {
        if (!vd->ops)
            return 0;
        pthread_mutex_lock(&vd->lock);
        v = config_read(vd, off - R_CONFIG, size);
        pthread_mutex_unlock(&vd->lock);
        return v;
    }
    if (size != 4)
        return 0;
    switch (off) {
    case R_MAGIC:     return VIRTIO_MAGIC;
    case R_VERSION:   return 2;
    case R_DEVICE_ID: return vd->ops ? vd->ops->device_id : 0;
    case R_VENDOR_ID: return VIRTIO_VENDOR;
    }
    if (!vd->ops)
        return 0;
    pthread_mutex_lock(&vd->lock);
    struct vq *q = vd->queue_sel < vd->ops->nqueues ? &vd->vq[vd->queue_sel]
                                                    : NULL;
    switch (off) {
    case R_DEV_FEAT:
        v = vd->dev_feat_sel < 2 ?
            (uint32_t)(all_features(vd) >> (32 * vd->dev_feat_sel)) : 0;
        break;
    case R_QUEUE_NUM_MAX: v = q ? VQ_MAX_SIZE : 0; break;
    case R_QUEUE_NUM:     v = q ? q->num : 0; break;
    case R_QUEUE_READY:   v = q ? q->ready : 0; break;
    case R_ISR:           v = vd->isr; break;
    case R_STATUS:        v = vd->status; break;
    case R_DESC_LO:       v = q ? (uint32_t)q->desc : 0; break;
    case R_DESC_HI:       v = q ? q->desc >> 32 : 0; break;
    case R_DRIVER_LO:     v = q ? (uint32_t)q->avail : 0; break;
    case R_DRIVER_HI:     v = q ? q->avail >> 32 : 0; break;
    case R_DEVICE_LO:     v = q ? (uint32_t)q->used : 0; break;
    case R_DEVICE_HI:     v = q ? q->used >> 32 : 0; break;
    case R_SHM_LEN_LO: case R_SHM_LEN_HI: v = 0xffffffffu; break;  /* none */
    case R_SHM_BASE_LO: case R_SHM_BASE_HI: v = 0xffffffffu; break;
    case R_CONFIG_GEN:    v = 0; break;     /* the config never changes */
    default:              v = 0; break;
    }
    pthread_mutex_unlock(&vd->lock);
    return v;
}

static void set_addr(uint64_t *a, bool hi, uint32_t v)
{
    *a = hi ? (*a & 0xffffffffull) | ((uint64_t)v << 32)
            : (*a & ~0xffffffffull) | v;
}

static void write_status__locked(struct virtio_dev *vd, uint32_t v)
{
    if (v == 0) {
        reset__locked(vd);
        return;
    }
    if ((v & VIRTIO_S_FEATURES_OK) && !(vd->status & VIRTIO_S_FEATURES_OK)) {
        uint64_t f = vd->driver_features;
        /* Only what we offer, and a modern driver: else FEATURES_OK does
         * not stick and the driver gives up (virtio 1.x §3.1.1). */
        if ((f & ~all_features(vd)) || !(f & VIRTIO_F_VERSION_1))
            v &= ~(uint32_t)VIRTIO_S_FEATURES_OK;
        for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
            vd->vq[i].event_idx = f & VIRTIO_F_RING_EVENT_IDX;
            vd->vq[i].indirect = f & VIRTIO_F_RING_INDIRECT_DESC;
        }
    }
    /* NEEDS_RESET is the device's; the driver cannot clear it. */
    v = (v & ~(uint32_t)VIRTIO_S_NEEDS_RESET) |
        (vd->status & VIRTIO_S_NEEDS_RESET);
    bool ok_now = (v & VIRTIO_S_DRIVER_OK) &&
                  !(vd->status & VIRTIO_S_DRIVER_OK);
    vd->status = v;
    if (ok_now && vd->ops->driver_ok)
        vd->ops->driver_ok(vd);
}

static void queue_ready__locked(struct virtio_dev *vd, struct vq *q,
                                bool ready)
{
    char err[200];

    if (!ready) {
        q->ready = false;
        return;
    }
    if (!vq_check_rings(vd->pm, q, err, sizeof(err))) {
        needs_reset__locked(vd, err);
        return;
    }
    q->ready = true;
    q->last_avail = q->used_idx = 0;
    q->signalled_valid = false;
}

static void vmmio_write(void *opaque, uint64_t off, uint64_t val,
                        unsigned size)
{
    struct virtio_dev *vd = opaque;
    uint32_t v = (uint32_t)val;

    if (!vd->ops || off >= R_CONFIG || size != 4)
        return;                 /* config space is read-only here */
    pthread_mutex_lock(&vd->lock);
    struct vq *q = vd->queue_sel < vd->ops->nqueues ? &vd->vq[vd->queue_sel]
                                                    : NULL;
    switch (off) {
    case R_DEV_FEAT_SEL: vd->dev_feat_sel = v; break;
    case R_DRV_FEAT_SEL: vd->drv_feat_sel = v; break;
    case R_DRV_FEAT:
        if (vd->drv_feat_sel < 2 && !(vd->status & VIRTIO_S_FEATURES_OK))
            set_addr(&vd->driver_features, vd->drv_feat_sel == 1, v);
        break;
    case R_QUEUE_SEL:    vd->queue_sel = v; break;
    case R_QUEUE_NUM:    if (q && !q->ready) q->num = (uint16_t)(v > VQ_MAX_SIZE ? 0 : v); break;
    case R_QUEUE_READY:  if (q) queue_ready__locked(vd, q, v & 1); break;
    case R_DESC_LO: case R_DESC_HI:
        if (q && !q->ready) set_addr(&q->desc, off == R_DESC_HI, v);
        break;
    case R_DRIVER_LO: case R_DRIVER_HI:
        if (q && !q->ready) set_addr(&q->avail, off == R_DRIVER_HI, v);
        break;
    case R_DEVICE_LO: case R_DEVICE_HI:
        if (q && !q->ready) set_addr(&q->used, off == R_DEVICE_HI, v);
        break;
    case R_QUEUE_NOTIFY:
        /* Any hart, any time: mark and wake; the I/O thread does the work. */
        if (v < vd->ops->nqueues) {
            vd->pending |= 1u << v;
            pthread_cond_signal(&vd->wake);
        }
        break;
    case R_ISR_ACK:
        vd->isr &= ~v;
        update_irq__locked(vd);
        break;
    case R_STATUS:       write_status__locked(vd, v); break;
    case R_QUEUE_RESET:  /* VIRTIO_F_RING_RESET is not offered */ break;
    default: break;
    }
    pthread_mutex_unlock(&vd->lock);
}

static const struct mmio_ops vmmio_ops = {
    .read = vmmio_read, .write = vmmio_write, .min_size = 1, .max_size = 8,
};

void virtio_error(struct virtio_dev *vd, const char *why)
{
    pthread_mutex_lock(&vd->lock);
    needs_reset__locked(vd, why);
    pthread_mutex_unlock(&vd->lock);
}

void virtio_kick(struct virtio_dev *vd, unsigned q)
{
    pthread_mutex_lock(&vd->lock);
    vd->pending |= 1u << q;
    pthread_cond_signal(&vd->wake);
    pthread_mutex_unlock(&vd->lock);
}

static void *io_thread(void *arg)
{
    struct virtio_dev *vd = arg;

    vcpu_io_thread_start();
    pthread_mutex_lock(&vd->lock);
    while (!vd->stop) {
        if (!vd->pending) {
            pthread_cond_wait(&vd->wake, &vd->lock);
            continue;
        }
        unsigned mask = vd->pending;
        vd->pending = 0;
        pthread_mutex_unlock(&vd->lock);
        for (unsigned q = 0; q < vd->ops->nqueues; q++)
            if (mask & (1u << q))
                vd->ops->handle(vd, q);
        pthread_mutex_lock(&vd->lock);
    }
    pthread_mutex_unlock(&vd->lock);
    vcpu_io_thread_stop();
    return NULL;
}

int virtio_pop(struct virtio_dev *vd, unsigned qi, struct vq_elem *e,
               uint32_t *gen)
{
    char err[200];
    int r = 0;

    vcpu_io_begin();            /* vq_set_avail_event writes guest RAM */
    pthread_mutex_lock(&vd->lock);
    struct vq *q = &vd->vq[qi];
    if (!live__locked(vd) || !q->ready)
        goto out;
    r = vq_pop(vd->pm, q, e, err, sizeof(err));
    if (r == 0) {
        /* Empty: ask for the next notify, then look once more (the driver
         * may have added an entry before it saw avail_event). */
        vq_set_avail_event(vd->pm, q);
        r = vq_pop(vd->pm, q, e, err, sizeof(err));
    }
    if (r < 0) {
        needs_reset__locked(vd, err);
        r = 0;
    }
    *gen = vd->gen;
out:
    pthread_mutex_unlock(&vd->lock);
    vcpu_io_end();
    return r;
}

void virtio_unpop(struct virtio_dev *vd, unsigned qi, uint32_t gen)
{
    pthread_mutex_lock(&vd->lock);
    if (gen == vd->gen)
        vq_unpop(&vd->vq[qi]);
    pthread_mutex_unlock(&vd->lock);
}

void virtio_push(struct virtio_dev *vd, unsigned qi, const struct vq_elem *e,
                 const void *in, uint64_t len, uint32_t gen)
{
    vcpu_io_begin();
    pthread_mutex_lock(&vd->lock);
    struct vq *q = &vd->vq[qi];
    /* A reset since the pop: the chain is gone with the old rings. */
    if (gen == vd->gen && q->ready) {
        if (len > e->in_len)
            len = e->in_len;
        vq_copy_in(vd->pm, e, 0, in, len);
        vq_push(vd->pm, q, e->head, (uint32_t)len);
        if (vq_should_notify(vd->pm, q)) {
            vd->isr |= ISR_USED;
            update_irq__locked(vd);
        }
    }
    pthread_mutex_unlock(&vd->lock);
    vcpu_io_end();
}

struct virtio_dev *virtio_mmio_create(struct pmem *pm, uint64_t base,
                                      struct hw_irq irq,
                                      const struct virtio_dev_ops *ops,
                                      void *opaque)
{
    struct virtio_dev *vd = calloc(1, sizeof(*vd));
    char name[32];

    if (!vd)
        loom_fatal("out of memory for a virtio device");
    vd->ops = ops;
    vd->opaque = opaque;
    vd->pm = pm;
    vd->base = base;
    vd->irq = irq;
    pthread_mutex_init(&vd->lock, NULL);
    pthread_cond_init(&vd->wake, NULL);
    reset__locked(vd);          /* not shared yet */
    snprintf(name, sizeof(name), "virtio@%" PRIx64, base);
    if (pmem_add_mmio(pm, base, VIRTIO_MMIO_STRIDE, &vmmio_ops, vd,
                      strdup(name)) < 0)
        loom_fatal("cannot map virtio-mmio at 0x%" PRIx64, base);
    if (ops) {
        if (pthread_create(&vd->thread, NULL, io_thread, vd))
            loom_resource_error("cannot start the %s I/O thread", ops->name);
        vd->thread_started = true;
    }
    return vd;
}

void virtio_mmio_reset(struct virtio_dev *vd)
{
    pthread_mutex_lock(&vd->lock);
    reset__locked(vd);
    pthread_mutex_unlock(&vd->lock);
}

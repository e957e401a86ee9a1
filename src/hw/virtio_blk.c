/*
 * virtio_blk.c — virtio block device (virtio 1.x §5.2) on a raw image
 * (block.h), served on the device's I/O thread.
 *
 * Request: a 16-byte readable header {type u32, reserved u32, sector u64},
 * the data (readable for writes, writable for reads and GET_ID), and one
 * writable status byte at the very end.  A chain too short to hold the
 * header and the status is a driver error (NEEDS_RESET); a bad sector
 * range, a length that is not a whole number of sectors, or a write to a
 * read-only disk completes with VIRTIO_BLK_S_IOERR; unknown types with
 * VIRTIO_BLK_S_UNSUPP.
 *
 * Completion order: a request completes (used ring) only after its host
 * I/O returned, so a completed write is in the host page cache (or on
 * the device with cache=none) and survives the emulator being killed; a
 * completed FLUSH has been fdatasync'ed.
 */
#include "hw/virtio_devices.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/error.h"

#define VIRTIO_BLK_F_SEG_MAX      (1ull << 2)
#define VIRTIO_BLK_F_RO           (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE     (1ull << 6)
#define VIRTIO_BLK_F_FLUSH        (1ull << 9)
#define VIRTIO_BLK_F_DISCARD      (1ull << 13)
#define VIRTIO_BLK_F_WRITE_ZEROES (1ull << 14)

enum {
    BLK_T_IN = 0, BLK_T_OUT = 1, BLK_T_FLUSH = 4, BLK_T_GET_ID = 8,
    BLK_T_DISCARD = 11, BLK_T_WRITE_ZEROES = 13,
};
enum { BLK_S_OK = 0, BLK_S_IOERR = 1, BLK_S_UNSUPP = 2 };

#define BLK_SEG_MAX       126u          /* data segments per request */
#define BLK_ID_BYTES      20u
#define BLK_MAX_DZ_SECTORS (1u << 22)   /* discard / write-zeroes: 2 GiB */

struct virtio_blk {
    struct blk *blk;
    char serial[BLK_ID_BYTES];
    struct vq_elem elem;
    uint8_t *buf;               /* bounce buffer, DIO-aligned */
    uint64_t buf_cap;
};

static uint8_t *bounce(struct virtio_blk *vb, uint64_t len)
{
    if (len > vb->buf_cap) {
        uint64_t cap = len < (1u << 20) ? (1u << 20) : len;
        void *p;
        if (posix_memalign(&p, 4096, cap))
            loom_fatal("virtio-blk: out of memory for a %" PRIu64
                       "-byte request", len);
        free(vb->buf);
        vb->buf = p;
        vb->buf_cap = cap;
    }
    return vb->buf;
}

static int range_ok(const struct virtio_blk *vb, uint64_t sector,
                    uint64_t len)
{
    uint64_t size = blk_size(vb->blk);
    return len % BLK_SECTOR == 0 && sector <= size / BLK_SECTOR &&
           len <= size - sector * BLK_SECTOR;
}

/* DISCARD / WRITE_ZEROES: one {sector u64, num u32, flags u32} segment. */
static uint8_t discard_zero(struct virtio_blk *vb, const struct vq_elem *e,
                            uint32_t type, const struct pmem *pm)
{
    uint8_t seg[16];
    uint64_t data = e->out_len - 16;

    if (data != 16)
        return BLK_S_IOERR;     /* max_discard_seg = max_write_zeroes_seg = 1 */
    vq_copy_out(pm, e, 16, seg, 16);
    uint64_t sector, len;
    uint32_t num, flags;
    memcpy(&sector, seg, 8);
    memcpy(&num, seg + 8, 4);
    memcpy(&flags, seg + 12, 4);
    len = (uint64_t)num * BLK_SECTOR;
    if (num > BLK_MAX_DZ_SECTORS || !range_ok(vb, sector, len))
        return BLK_S_IOERR;
    /* Only bit 0 (unmap, for write-zeroes) is defined. */
    if (flags & ~1u || (type == BLK_T_DISCARD && flags))
        return BLK_S_UNSUPP;
    int r = type == BLK_T_DISCARD ?
            blk_discard(vb->blk, sector * BLK_SECTOR, len) :
            blk_write_zeroes(vb->blk, sector * BLK_SECTOR, len);
    return r ? BLK_S_IOERR : BLK_S_OK;
}

static void blk_request(struct virtio_dev *vd, struct virtio_blk *vb,
                        unsigned q, uint32_t gen)
{
    const struct vq_elem *e = &vb->elem;
    uint8_t hdr[16];
    uint32_t type;
    uint64_t sector;
    uint64_t in_data = e->in_len - 1;          /* writable bytes before status */
    uint8_t st = BLK_S_OK;
    uint8_t *buf;

    if (e->out_len < 16 || e->in_len < 1) {
        virtio_error(vd, "virtio-blk request without a header or status "
                     "byte");
        return;
    }
    vq_copy_out(vd->pm, e, 0, hdr, 16);
    memcpy(&type, hdr, 4);
    memcpy(&sector, hdr + 8, 8);
    buf = bounce(vb, e->in_len);
    switch (type) {
    case BLK_T_IN:
        if (!range_ok(vb, sector, in_data))
            st = BLK_S_IOERR;
        else if (blk_read(vb->blk, buf, in_data, sector * BLK_SECTOR))
            st = BLK_S_IOERR;
        break;
    case BLK_T_OUT: {
        uint64_t len = e->out_len - 16;
        uint8_t *wbuf = bounce(vb, len > e->in_len ? len : e->in_len);
        buf = wbuf;
        if (blk_readonly(vb->blk) || !range_ok(vb, sector, len)) {
            st = BLK_S_IOERR;
            break;
        }
        vq_copy_out(vd->pm, e, 16, wbuf, len);
        if (blk_write(vb->blk, wbuf, len, sector * BLK_SECTOR))
            st = BLK_S_IOERR;
        in_data = 0;
        break;
    }
    case BLK_T_FLUSH:
        st = blk_flush(vb->blk) ? BLK_S_IOERR : BLK_S_OK;
        in_data = 0;
        break;
    case BLK_T_GET_ID:
        memset(buf, 0, in_data);
        memcpy(buf, vb->serial, in_data < BLK_ID_BYTES ? in_data
                                                       : BLK_ID_BYTES);
        break;
    case BLK_T_DISCARD:
    case BLK_T_WRITE_ZEROES:
        st = blk_readonly(vb->blk) ? BLK_S_IOERR
                                   : discard_zero(vb, e, type, vd->pm);
        in_data = 0;
        break;
    default:
        st = BLK_S_UNSUPP;
        in_data = 0;
        break;
    }
    if (st != BLK_S_OK)
        in_data = 0;
    /* The status is the last writable byte; what lies between the data and
     * it (nothing, for a well-formed request) is left unwritten. */
    if (in_data + 1 < e->in_len) {
        memset(buf + in_data, 0, e->in_len - 1 - in_data);
        in_data = e->in_len - 1;
    }
    buf[in_data] = st;
    virtio_push(vd, q, e, buf, in_data + 1, gen);
}

static void blk_handle(struct virtio_dev *vd, unsigned q)
{
    struct virtio_blk *vb = vd->opaque;
    uint32_t gen;

    while (virtio_pop(vd, q, &vb->elem, &gen) > 0)
        blk_request(vd, vb, q, gen);
}

static const struct virtio_dev_ops blk_ops_rw = {
    .name = "virtio-blk", .device_id = VIRTIO_ID_BLK, .nqueues = 1,
    .features = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE |
                VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_DISCARD |
                VIRTIO_BLK_F_WRITE_ZEROES,
    .handle = blk_handle,
};

static const struct virtio_dev_ops blk_ops_ro = {
    .name = "virtio-blk", .device_id = VIRTIO_ID_BLK, .nqueues = 1,
    .features = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE |
                VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_RO,
    .handle = blk_handle,
};

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

struct virtio_dev *virtio_blk_create(struct pmem *pm, uint64_t base,
                                     struct hw_irq irq, struct blk *b,
                                     const char *serial)
{
    struct virtio_blk *vb = calloc(1, sizeof(*vb));
    struct virtio_dev *vd;
    uint64_t sectors = blk_size(b) / BLK_SECTOR;

    if (!vb)
        loom_fatal("out of memory for virtio-blk");
    vb->blk = b;
    /* Not NUL-terminated when it fills all 20 bytes (virtio 1.x §5.2.6). */
    for (size_t i = 0; serial && serial[i] && i < BLK_ID_BYTES; i++)
        vb->serial[i] = serial[i];
    vd = virtio_mmio_create(pm, base, irq,
                            blk_readonly(b) ? &blk_ops_ro : &blk_ops_rw, vb);
    /* Config space (virtio 1.x §5.2.4), before the guest runs. */
    pthread_mutex_lock(&vd->lock);
    memcpy(vd->config, &sectors, 8);               /* capacity */
    put32(vd->config + 12, BLK_SEG_MAX);           /* seg_max */
    put32(vd->config + 20, BLK_SECTOR);            /* blk_size */
    put32(vd->config + 36, BLK_MAX_DZ_SECTORS);    /* max_discard_sectors */
    put32(vd->config + 40, 1);                     /* max_discard_seg */
    put32(vd->config + 44, 1);                     /* discard_sector_alignment */
    put32(vd->config + 48, BLK_MAX_DZ_SECTORS);    /* max_write_zeroes_sectors */
    put32(vd->config + 52, 1);                     /* max_write_zeroes_seg */
    vd->config[56] = 1;                            /* write_zeroes_may_unmap */
    vd->config_len = 60;
    pthread_mutex_unlock(&vd->lock);
    return vd;
}

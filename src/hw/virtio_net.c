/*
 * virtio_net.c — virtio network card (virtio 1.x §5.1) on a user-mode
 * network (net.h).  Queue 0 receives, queue 1 transmits; features MAC and
 * STATUS (link always up); no offloads, no mergeable buffers, no control
 * queue.  Every frame carries the 12-byte virtio_net_hdr (all zero but
 * num_buffers = 1 on receive).
 *
 * Threads: transmit runs on the device's I/O thread (pop, copy the frame
 * out, net_send); receive runs where the backend produces a frame (its
 * poll thread, or the I/O thread inside net_send), under the backend's
 * lock, which serialises every use of the receive element.  A frame that
 * finds no receive buffer stays in the backend's backlog until the driver
 * posts buffers (notify on queue 0 → net_can_receive).  Lock order: net
 * lock → io_lock → device lock.
 */
#include "hw/virtio_devices.h"

#include <stdlib.h>
#include <string.h>
#include "util/error.h"

#define VIRTIO_NET_F_MAC    (1ull << 5)
#define VIRTIO_NET_F_STATUS (1ull << 16)
#define NET_HDR 12u
#define NET_MAX_FRAME 65536u

struct virtio_net {
    struct net *net;
    struct virtio_dev *vd;
    struct vq_elem rx_elem;             /* under the net lock */
    struct vq_elem tx_elem;             /* I/O thread */
    uint8_t rxbuf[NET_HDR + NET_MAX_FRAME];
    uint8_t txbuf[NET_MAX_FRAME];
};

/* net_receive_fn: the net lock is held. */
static bool net_rx(void *opaque, const uint8_t *frame, size_t len)
{
    struct virtio_net *vn = opaque;
    uint32_t gen;

    if (!virtio_live(vn->vd))
        return true;            /* no driver: dropped, as on a real card */
    if (len > NET_MAX_FRAME)
        return true;
    if (virtio_pop(vn->vd, 0, &vn->rx_elem, &gen) <= 0)
        return false;           /* no buffer yet: the backend holds it */
    if (vn->rx_elem.in_len < NET_HDR + len) {
        /* Too small for this frame: drop it, keep the buffer. */
        virtio_unpop(vn->vd, 0, gen);
        return true;
    }
    memset(vn->rxbuf, 0, NET_HDR);
    vn->rxbuf[10] = 1;                          /* num_buffers */
    memcpy(vn->rxbuf + NET_HDR, frame, len);
    virtio_push(vn->vd, 0, &vn->rx_elem, vn->rxbuf, NET_HDR + len, gen);
    return true;
}

static void net_handle(struct virtio_dev *vd, unsigned q)
{
    struct virtio_net *vn = vd->opaque;
    uint32_t gen;

    if (q == 0) {
        net_can_receive(vn->net);
        return;
    }
    while (virtio_pop(vd, 1, &vn->tx_elem, &gen) > 0) {
        const struct vq_elem *e = &vn->tx_elem;
        if (e->out_len < NET_HDR) {
            virtio_error(vd, "virtio-net frame without its header");
            return;
        }
        uint64_t len = e->out_len - NET_HDR;
        if (len <= NET_MAX_FRAME) {
            vq_copy_out(vd->pm, e, NET_HDR, vn->txbuf, len);
            net_send(vn->net, vn->txbuf, len);
        }
        virtio_push(vd, 1, e, NULL, 0, gen);
    }
}

static const struct virtio_dev_ops net_ops = {
    .name = "virtio-net", .device_id = VIRTIO_ID_NET, .nqueues = 2,
    .features = VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS,
    .handle = net_handle,
};

struct virtio_dev *virtio_net_create(struct pmem *pm, uint64_t base,
                                     struct hw_irq irq, struct net *net,
                                     const uint8_t mac[6])
{
    struct virtio_net *vn = calloc(1, sizeof(*vn));

    if (!vn)
        loom_fatal("out of memory for virtio-net");
    vn->net = net;
    vn->vd = virtio_mmio_create(pm, base, irq, &net_ops, vn);
    pthread_mutex_lock(&vn->vd->lock);
    memcpy(vn->vd->config, mac, 6);
    vn->vd->config[6] = 1;                      /* status: LINK_UP */
    vn->vd->config_len = 8;
    pthread_mutex_unlock(&vn->vd->lock);
    net_start(net, net_rx, vn);
    return vn->vd;
}

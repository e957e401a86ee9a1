/*
 * virtio_devices.h — the virtio device models behind the transport
 * (virtio.h): each creates its transport at `base` and its I/O thread.
 */
#ifndef LOOM_HW_VIRTIO_DEVICES_H
#define LOOM_HW_VIRTIO_DEVICES_H

#include "hw/block.h"
#include "hw/net.h"
#include "hw/virtio.h"

/* virtio-blk on an open image; `serial` is what GET_ID returns (at most
 * 20 bytes used). */
struct virtio_dev *virtio_blk_create(struct pmem *pm, uint64_t base,
                                     struct hw_irq irq, struct blk *b,
                                     const char *serial);
/* virtio-net on a user network (started here), MAC address `mac`. */
struct virtio_dev *virtio_net_create(struct pmem *pm, uint64_t base,
                                     struct hw_irq irq, struct net *net,
                                     const uint8_t mac[6]);
/* virtio-rng from the host's getrandom(2). */
struct virtio_dev *virtio_rng_create(struct pmem *pm, uint64_t base,
                                     struct hw_irq irq);

#endif

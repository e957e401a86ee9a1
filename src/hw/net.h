/*
 * net.h — the host side of a network card: user-mode networking through
 * libslirp (-netdev user).  The guest sees QEMU's default user network:
 * 10.0.2.0/24, gateway (and host loopback) 10.0.2.2, DNS 10.0.2.3, its
 * own address 10.0.2.15 by DHCP.  hostfwd rules forward host ports to
 * guest ports.
 *
 * Threads: the backend runs libslirp's poll loop on a thread of its own;
 * every libslirp call happens under the backend's lock (libslirp is not
 * thread-safe).  net_send (guest → network) may be called from any thread;
 * frames for the guest are handed to the frontend's receive callback,
 * under the backend's lock, on whichever thread libslirp produced them.
 */
#ifndef LOOM_HW_NET_H
#define LOOM_HW_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net;

/* Frames for the guest: returns false when the guest has no room (the
 * backend keeps the frame and offers it again after net_can_receive). */
typedef bool (*net_receive_fn)(void *opaque, const uint8_t *frame,
                               size_t len);

/* Create the user network with up to n hostfwd rules
 * ("tcp:[HADDR]:HPORT-[GADDR]:GPORT", or udp:).  NULL with a message on a
 * bad rule or a host port already in use. */
struct net *net_user_new(const char *const *hostfwd, unsigned n,
                         char *err, size_t errlen);
/* Attach the frontend and start the poll thread. */
void net_start(struct net *nt, net_receive_fn rx, void *opaque);
/* A frame from the guest. */
void net_send(struct net *nt, const uint8_t *frame, size_t len);
/* The guest has room again: deliver what was held back. */
void net_can_receive(struct net *nt);

#endif

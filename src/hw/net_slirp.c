/*
 * net_slirp.c — user-mode networking with libslirp (see net.h).
 *
 * The poll thread: under the lock, slirp_pollfds_fill collects libslirp's
 * sockets (plus our eventfd, which net_send and libslirp's notify use to
 * wake it) and the earliest timer; poll(2) runs without the lock; then
 * slirp_pollfds_poll and the due timers run under it.  Frames libslirp
 * emits (send_packet) go to the frontend at once, or wait in a bounded
 * backlog while the guest has no receive buffer (TCP recovers what the
 * backlog drops).  Lock order: net lock → the frontend's locks.
 */
#include "hw/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "util/error.h"
#include "vcpu/vcpu.h"

#define NET_BACKLOG 256
#define NET_MAX_TIMERS 16
#define NET_MAX_POLL 256

struct net_timer {
    SlirpTimerCb cb;
    void *cb_opaque;
    int64_t expire_ms;          /* -1: not armed */
    bool used;
};

struct held {
    uint8_t *frame;
    size_t len;
};

struct net {
    pthread_mutex_t lock;       /* libslirp and everything below */
    Slirp *slirp;
    int efd;                    /* wakes the poll thread */
    net_receive_fn rx;
    void *rx_opaque;
    struct held backlog[NET_BACKLOG];
    unsigned bl_head, bl_count;
    struct net_timer timers[NET_MAX_TIMERS];
    struct pollfd pfd[NET_MAX_POLL];
    unsigned npfd;
    pthread_t thread;
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wake(struct net *nt)
{
    uint64_t one = 1;
    ssize_t r = write(nt->efd, &one, sizeof(one));
    (void)r;                    /* EAGAIN: already pending */
}

/* Deliver held frames while the guest takes them (lock held). */
static void flush_backlog__locked(struct net *nt)
{
    while (nt->bl_count) {
        struct held *h = &nt->backlog[nt->bl_head];
        if (!nt->rx(nt->rx_opaque, h->frame, h->len))
            return;
        free(h->frame);
        nt->bl_head = (nt->bl_head + 1) % NET_BACKLOG;
        nt->bl_count--;
    }
}

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
    struct net *nt = opaque;

    if (!nt->rx)
        return (ssize_t)len;
    flush_backlog__locked(nt);
    if (!nt->bl_count && nt->rx(nt->rx_opaque, buf, len))
        return (ssize_t)len;
    if (nt->bl_count < NET_BACKLOG) {
        struct held *h = &nt->backlog[(nt->bl_head + nt->bl_count) %
                                      NET_BACKLOG];
        h->frame = malloc(len);
        if (h->frame) {
            memcpy(h->frame, buf, len);
            h->len = len;
            nt->bl_count++;
        }
    }
    return (ssize_t)len;  /* dropped when the backlog is full */
}

static void cb_guest_error(const char *msg, void *opaque)
{
    (void)opaque;
    loom_warn("user network: %s", msg);
}

static int64_t cb_clock_ns(void *opaque)
{
    (void)opaque;
    return now_ns();
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    struct net *nt = opaque;
    for (unsigned i = 0; i < NET_MAX_TIMERS; i++)
        if (!nt->timers[i].used) {
            nt->timers[i] = (struct net_timer){ cb, cb_opaque, -1, true };
            return &nt->timers[i];
        }
    loom_fatal("user network: out of timers");
}

static void cb_timer_free(void *timer, void *opaque)
{
    (void)opaque;
    ((struct net_timer *)timer)->used = false;
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    struct net *nt = opaque;
    ((struct net_timer *)timer)->expire_ms = expire_ms;
    wake(nt);
}

static void cb_register_poll_fd(int fd, void *opaque) { (void)fd; (void)opaque; }
static void cb_unregister_poll_fd(int fd, void *opaque) { (void)fd; (void)opaque; }

static void cb_notify(void *opaque)
{
    wake(opaque);
}

static const SlirpCb slirp_cb = {
    .send_packet = cb_send_packet,
    .guest_error = cb_guest_error,
    .clock_get_ns = cb_clock_ns,
    .timer_new = cb_timer_new,
    .timer_free = cb_timer_free,
    .timer_mod = cb_timer_mod,
    .register_poll_fd = cb_register_poll_fd,
    .unregister_poll_fd = cb_unregister_poll_fd,
    .notify = cb_notify,
};

static int add_poll(int fd, int events, void *opaque)
{
    struct net *nt = opaque;
    short ev = 0;

    if (nt->npfd >= NET_MAX_POLL)
        return -1;
    if (events & SLIRP_POLL_IN) ev |= POLLIN;
    if (events & SLIRP_POLL_OUT) ev |= POLLOUT;
    if (events & SLIRP_POLL_PRI) ev |= POLLPRI;
    nt->pfd[nt->npfd] = (struct pollfd){ .fd = fd, .events = ev };
    return (int)nt->npfd++;
}

static int get_revents(int idx, void *opaque)
{
    struct net *nt = opaque;
    short re;
    int r = 0;

    if (idx < 0 || (unsigned)idx >= nt->npfd)
        return 0;
    re = nt->pfd[idx].revents;
    if (re & POLLIN) r |= SLIRP_POLL_IN;
    if (re & POLLOUT) r |= SLIRP_POLL_OUT;
    if (re & POLLPRI) r |= SLIRP_POLL_PRI;
    if (re & POLLERR) r |= SLIRP_POLL_ERR;
    if (re & POLLHUP) r |= SLIRP_POLL_HUP;
    return r;
}

static void run_timers__locked(struct net *nt)
{
    int64_t now = now_ns() / 1000000;
    for (unsigned i = 0; i < NET_MAX_TIMERS; i++) {
        struct net_timer *t = &nt->timers[i];
        if (t->used && t->expire_ms >= 0 && t->expire_ms <= now) {
            t->expire_ms = -1;
            t->cb(t->cb_opaque);
        }
    }
}

static void *net_thread(void *arg)
{
    struct net *nt = arg;

    /* Frames for the guest are written into its RAM from here (the
     * frontend's receive callback): a device I/O thread (vcpu.h). */
    vcpu_io_thread_start();
    for (;;) {
        uint32_t timeout = 1000;            /* ms; libslirp may lower it */
        pthread_mutex_lock(&nt->lock);
        nt->npfd = 0;
        add_poll(nt->efd, SLIRP_POLL_IN, nt);
        slirp_pollfds_fill(nt->slirp, &timeout, add_poll, nt);
        int64_t now = now_ns() / 1000000;
        for (unsigned i = 0; i < NET_MAX_TIMERS; i++) {
            struct net_timer *t = &nt->timers[i];
            if (t->used && t->expire_ms >= 0) {
                int64_t d = t->expire_ms - now;
                if (d < 0)
                    d = 0;
                if (d < timeout)
                    timeout = (uint32_t)d;
            }
        }
        unsigned n = nt->npfd;
        pthread_mutex_unlock(&nt->lock);

        /* Only this thread touches pfd between fill and poll. */
        int r = poll(nt->pfd, n, (int)timeout);

        pthread_mutex_lock(&nt->lock);
        if (nt->pfd[0].revents & POLLIN) {
            uint64_t v;
            ssize_t k = read(nt->efd, &v, sizeof(v));
            (void)k;
        }
        slirp_pollfds_poll(nt->slirp, r < 0, get_revents, nt);
        run_timers__locked(nt);
        flush_backlog__locked(nt);
        pthread_mutex_unlock(&nt->lock);
    }
    return NULL;
}

/* [tcp|udp]:[HADDR]:HPORT-[GADDR]:GPORT */
static int add_hostfwd(struct net *nt, const char *rule, char *err,
                       size_t errlen)
{
    char proto[8] = "tcp", haddr[64] = "", gaddr[64] = "";
    unsigned hport, gport;
    const char *p = rule;
    struct in_addr ha = { .s_addr = htonl(INADDR_ANY) }, ga;
    int is_udp = 0;
    char tail;

    if (!strncmp(p, "tcp:", 4) || !strncmp(p, "udp:", 4)) {
        memcpy(proto, p, 3);
        p += 4;
    } else if (*p == ':') {
        p++;
    }
    is_udp = !strcmp(proto, "udp");
    if (sscanf(p, "%63[^:]:%u-%63[^:]:%u%c", haddr, &hport, gaddr, &gport,
               &tail) != 4 &&
        (haddr[0] = 0, sscanf(p, ":%u-%63[^:]:%u%c", &hport, gaddr, &gport,
                              &tail) != 3) &&
        (gaddr[0] = 0, sscanf(p, "%63[^:]:%u-:%u%c", haddr, &hport, &gport,
                              &tail) != 3) &&
        (haddr[0] = gaddr[0] = 0,
         sscanf(p, ":%u-:%u%c", &hport, &gport, &tail) != 2))
        goto bad;
    if (hport > 65535 || gport > 65535 || !gport)
        goto bad;
    if (haddr[0] && !inet_aton(haddr, &ha))
        goto bad;
    if (!inet_aton(gaddr[0] ? gaddr : "10.0.2.15", &ga))
        goto bad;
    if (slirp_add_hostfwd(nt->slirp, is_udp, ha, (int)hport, ga, (int)gport)
        < 0) {
        snprintf(err, errlen, "-netdev user: hostfwd=%s: cannot listen on "
                 "host port %u (in use?)", rule, hport);
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "-netdev user: hostfwd=%s: expected "
             "tcp:[HADDR]:HPORT-[GADDR]:GPORT", rule);
    return -1;
}

struct net *net_user_new(const char *const *hostfwd, unsigned n, char *err,
                         size_t errlen)
{
    struct net *nt = calloc(1, sizeof(*nt));
    SlirpConfig cfg = { .version = 1, .in_enabled = true };

    if (!nt)
        loom_fatal("out of memory for the user network");
    pthread_mutex_init(&nt->lock, NULL);
    nt->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (nt->efd < 0)
        loom_resource_error("user network: eventfd: %s", strerror(errno));
    inet_aton("10.0.2.0", &cfg.vnetwork);
    inet_aton("255.255.255.0", &cfg.vnetmask);
    inet_aton("10.0.2.2", &cfg.vhost);
    inet_aton("10.0.2.15", &cfg.vdhcp_start);
    inet_aton("10.0.2.3", &cfg.vnameserver);
    cfg.vhostname = "loom";
    nt->slirp = slirp_new(&cfg, &slirp_cb, nt);
    if (!nt->slirp)
        loom_resource_error("user network: libslirp initialisation failed");
    for (unsigned i = 0; i < n; i++)
        if (add_hostfwd(nt, hostfwd[i], err, errlen))
            return NULL;
    return nt;
}

void net_start(struct net *nt, net_receive_fn rx, void *opaque)
{
    pthread_mutex_lock(&nt->lock);
    nt->rx = rx;
    nt->rx_opaque = opaque;
    pthread_mutex_unlock(&nt->lock);
    if (pthread_create(&nt->thread, NULL, net_thread, nt))
        loom_resource_error("cannot start the user network thread");
}

void net_send(struct net *nt, const uint8_t *frame, size_t len)
{
    pthread_mutex_lock(&nt->lock);
    slirp_input(nt->slirp, frame, (int)len);
    pthread_mutex_unlock(&nt->lock);
    wake(nt);                   /* new sockets or data to poll for */
}

void net_can_receive(struct net *nt)
{
    pthread_mutex_lock(&nt->lock);
    flush_backlog__locked(nt);
    pthread_mutex_unlock(&nt->lock);
}

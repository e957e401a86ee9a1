/*
 * chr_fd.c — the file-descriptor backend: output with write(2), input by a
 * thread that polls the host fd and hands bytes to the frontend.
 *
 * Input thread, one per backend with input:
 *   loop: offer pending bytes to the frontend (chr_fe_receive); read the
 *   host only when every byte was taken — or always, when the Ctrl-A mux
 *   is active, so that an escape typed while the guest does not read still
 *   works (guest bytes that do not fit are then dropped, as a UART drops
 *   bytes on an overrun); wait in poll(2) on the host fd and on wake_fd.
 *   At EOF or a read error, deliver what is pending, then end.
 *
 * Room protocol (no lost wake-up, no syscall while nothing waits):
 *   thread:    want_room = 1 (seq_cst); receive() — takes the frontend's
 *              lock, finds it full; poll(wake_fd)
 *   frontend:  makes room under that same lock, then accept_input():
 *              if want_room: exchange(want_room, 0) == 1 → write(wake_fd)
 *   Either the frontend's room-making precedes the thread's receive under
 *   the frontend lock (receive then sees the room), or it follows it, and
 *   then the lock orders the thread's store of want_room before the
 *   frontend's load (PAIRS: the store in deliver, the load and exchange in
 *   fd_accept_input).
 */
#include "chardev/chr_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/error.h"

struct chr_fd *chr_fd_new(int in_fd, int out_fd)
{
    struct chr_fd *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->chr.ops = &chr_fd_ops;
    c->in_fd = in_fd;
    c->out_fd = out_fd;
    c->wake_fd = -1;
    c->label = "serial0";
    pthread_mutex_init(&c->out_lock, NULL);
    return c;
}

void chr_fd_write_all__locked(struct chr_fd *c, const uint8_t *buf, size_t n)
{
    while (n) {
        ssize_t r = write(c->out_fd, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return;         /* EAGAIN (a pty nobody reads), EPIPE, EIO: drop */
        buf += r;
        n -= (size_t)r;
    }
}

static void fd_write(struct chr *chr, const uint8_t *buf, size_t n)
{
    struct chr_fd *c = (struct chr_fd *)chr;
    if (c->out_fd < 0)
        return;
    pthread_mutex_lock(&c->out_lock);
    if (c->mux.timestamps)
        chr_mux_output__locked(c, buf, n);
    else
        chr_fd_write_all__locked(c, buf, n);
    pthread_mutex_unlock(&c->out_lock);
}

static void fd_accept_input(struct chr *chr)
{
    struct chr_fd *c = (struct chr_fd *)chr;
    /* PAIRS: with the seq_cst store in deliver (ordered by the frontend's
     * lock, see the header); relaxed first so the common case (nothing
     * waits) stays a plain load. */
    if (atomic_load_explicit(&c->want_room, memory_order_relaxed) &&
        atomic_exchange(&c->want_room, false)) {
        uint64_t one = 1;
        while (write(c->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
            continue;
    }
}

/* Offer the pending bytes to the frontend. */
static void deliver(struct chr_fd *c)
{
    if (!c->plen)
        return;
    /* PAIRS: with the load and exchange in fd_accept_input. */
    atomic_store(&c->want_room, true);
    size_t k = chr_fe_receive(&c->chr, c->pending + c->poff, c->plen);
    c->poff += k;
    c->plen -= k;
    if (!c->plen) {
        c->poff = 0;
        atomic_store_explicit(&c->want_room, false, memory_order_relaxed);
    }
}

/* Read what the host has and queue the guest's part.  Returns false at
 * EOF or on an error that ends input. */
static bool read_host(struct chr_fd *c)
{
    uint8_t buf[CHR_PENDING];
    size_t room;

    if (c->poff) {              /* keep pending at the buffer's start */
        memmove(c->pending, c->pending + c->poff, c->plen);
        c->poff = 0;
    }
    room = sizeof(c->pending) - c->plen;
    /* Without the mux we only read into room we have (back-pressure). */
    ssize_t n = read(c->in_fd, buf, c->mux.active ? sizeof(buf) : room);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    size_t g = c->mux.active ? chr_mux_input(c, buf, (size_t)n) : (size_t)n;
    if (g > room)
        g = room;               /* overrun: the guest did not read */
    memcpy(c->pending + c->plen, buf, g);
    c->plen += g;
    return true;
}

static void *fd_reader(void *arg)
{
    struct chr_fd *c = arg;
    bool eof = false;

    for (;;) {
        deliver(c);
        if (eof && !c->plen)
            return NULL;
        bool want_host = !eof && (!c->plen || c->mux.active);
        struct pollfd p[2] = {
            { .fd = c->wake_fd, .events = POLLIN },
            { .fd = c->in_fd, .events = POLLIN },
        };
        if (poll(p, want_host ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            loom_fatal("serial input: poll: %s", strerror(errno));
        }
        if (p[0].revents) {
            uint64_t v;
            while (read(c->wake_fd, &v, sizeof(v)) < 0 && errno == EINTR)
                continue;
        }
        if (want_host && p[1].revents && !read_host(c))
            eof = true;
    }
}

static int fd_start(struct chr *chr, char *err, size_t n)
{
    struct chr_fd *c = (struct chr_fd *)chr;
    int r;

    if (c->in_fd < 0)
        return 0;
    if (c->stdio && isatty(c->in_fd)) {
        /* mon:stdio: Ctrl-C is the guest's and Ctrl-A escapes; stdio:
         * Ctrl-C still ends Loom (QEMU's signal=on). */
        if (chr_tty_raw(c->in_fd, !c->want_mux, err, n))
            return -1;
        c->mux.active = c->want_mux;
    }
    c->wake_fd = eventfd(0, EFD_CLOEXEC);
    if (c->wake_fd < 0)
        return loom_errorf(err, n, "%s: cannot create an eventfd: %s",
                           c->label, strerror(errno));
    r = pthread_create(&c->reader, NULL, fd_reader, c);
    if (r)
        return loom_errorf(err, n, "%s: cannot start the input thread: %s",
                           c->label, strerror(r));
    pthread_detach(c->reader);
    return 0;
}

const struct chr_ops chr_fd_ops = {
    .write = fd_write,
    .start = fd_start,
    .accept_input = fd_accept_input,
};

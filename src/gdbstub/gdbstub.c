/*
 * gdbstub.c — the stub's socket, thread and packet framing (gdb_int.h).
 *
 * One client at a time.  The thread poll()s the client socket and the
 * wake pipe.  The vCPU layer writes a byte to the pipe when the machine
 * has stopped (all-stop, vcpu/debug.h); if gdb is waiting for a stop
 * reply (`running`), the thread sends it.  A 0x03 byte between packets
 * is Ctrl-C: ask every hart to stop.  Packets are handled only while the
 * machine is stopped (gdb sends none while it runs, in all-stop mode):
 * right after a connection, which stops the machine as QEMU does, the
 * first packet waits for the stop to complete.
 *
 * Framing: $payload#checksum, acknowledged with '+' (or '-': we resend
 * the last packet) until QStartNoAckMode.  Replies escape '#', '$', '}'
 * and '*' with '}' and XOR 0x20.  An oversized or malformed packet is
 * answered with '-' and dropped; nothing a client sends can overrun a
 * buffer or stop the machine for good (a disconnect detaches).
 *
 * Exit: a loom_exit hook tells gdb the machine is gone ("W" + status)
 * when gdb is waiting for a stop reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "gdbstub/gdb_int.h"
#include "gdbstub/gdbstub.h"
#include "target/riscv/trigger.h"
#include "util/error.h"
#include "vcpu/debug.h"

struct gdb_state gdb = {
    .listen_fd = -1, .fd = -1, .wake = { -1, -1 },
    .send_lock = PTHREAD_MUTEX_INITIALIZER,
};

int gdb_listen(const char *host, unsigned port, unsigned *bound,
               char *err, size_t n)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE }, *res, *ai;
    char ps[8];
    int r, fd = -1, e = 0;

    snprintf(ps, sizeof(ps), "%u", port);
    r = getaddrinfo(host, ps, &hints, &res);
    if (r)
        return loom_errorf(err, n, "-gdb tcp:%s:%u: cannot resolve '%s': %s",
                           host, port, host, gai_strerror(r));
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, 1) == 0)
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return loom_errorf(err, n, "-gdb tcp:%s:%u: cannot listen: %s", host,
                           port, strerror(e));
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
        e = errno;
        close(fd);
        return loom_errorf(err, n, "-gdb: getsockname: %s", strerror(e));
    }
    *bound = ntohs(ss.ss_family == AF_INET6
                   ? ((struct sockaddr_in6 *)&ss)->sin6_port
                   : ((struct sockaddr_in *)&ss)->sin_port);
    gdb.listen_fd = fd;
    return 0;
}

/* --- output ------------------------------------------------------------------ */

static bool write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

/* Frame and send (send_lock held). */
static void send_locked(const char *data, size_t len)
{
    size_t cap = 2 * len + 4, k = 0;
    char *f = malloc(cap);
    unsigned sum = 0;

    if (!f)
        loom_fatal("gdbstub: out of memory for a reply");
    f[k++] = '$';
    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (c == '#' || c == '$' || c == '}' || c == '*') {
            f[k++] = '}';
            sum += '}';
            c ^= 0x20;
        }
        f[k++] = c;
        sum += (unsigned char)c;
    }
    f[k++] = '#';
    f[k++] = gdb_hexd[(sum >> 4) & 15];
    f[k++] = gdb_hexd[sum & 15];
    if (gdb.fd >= 0)
        write_all(gdb.fd, f, k);
    free(gdb.last);
    gdb.last = f;
    gdb.last_len = k;
}

void gdb_send(const char *data, size_t len)
{
    pthread_mutex_lock(&gdb.send_lock);
    send_locked(data, len);
    pthread_mutex_unlock(&gdb.send_lock);
}

void gdb_send_str(const char *s)
{
    gdb_send(s, strlen(s));
}

/* The stop-reply field for a trigger hit: hwbreak, or the watchpoint
 * kind gdb inserted that covers the access (a store prefers a write
 * watchpoint, a load a read one, then an access one), with an address
 * inside that watchpoint. */
static void trigger_field(const struct rv_trig_hit *hit, char *out, size_t n)
{
    if (hit->access == RV_TRIG_EXEC) {
        snprintf(out, n, "hwbreak:;");
        return;
    }
    unsigned want = hit->access == RV_TRIG_STORE ? 2 : 3;
    const struct gdb_hw *best = NULL;
    for (unsigned i = 0; i < gdb_nhw; i++) {
        const struct gdb_hw *w = &gdb_hw[i];
        if ((w->type != want && w->type != 4) ||
            hit->addr >= w->addr + w->len ||
            hit->addr + (hit->size ? hit->size : 1) <= w->addr)
            continue;
        if (!best || w->type == want)
            best = w;
    }
    if (!best) {
        snprintf(out, n, "hwbreak:;");
        return;
    }
    uint64_t a = hit->addr > best->addr ? hit->addr : best->addr;
    snprintf(out, n, "%s:%llx;", best->type == 2 ? "watch"
             : best->type == 3 ? "rwatch" : "awatch", (unsigned long long)a);
}

void gdb_send_stop_reply(void)
{
    unsigned hart;
    enum vcpu_dbg_reason why;
    struct rv_trig_hit hit;
    char buf[96], extra[48] = "";

    vcpu_dbg_stop_event(&hart, &why, &hit);
    gdb.g_hart = hart;
    gdb.c_hart = (int)hart;
    if (why == VCPU_DBG_BREAK)
        snprintf(extra, sizeof(extra), "swbreak:;");
    else if (why == VCPU_DBG_TRIGGER)
        trigger_field(&hit, extra, sizeof(extra));
    /* SIGINT (2) for an interrupt, SIGTRAP (5) for the rest. */
    snprintf(buf, sizeof(buf), "T%02xthread:%x;%s",
             why == VCPU_DBG_INTERRUPT ? 2 : 5, hart + 1, extra);
    gdb_send_str(buf);
}

/* loom_exit hook: gdb waiting for a stop learns that the machine is
 * gone (only a running machine powers off; 'k' drops the client first).
 * trylock: never wait for the stub's thread while the process ends. */
static void gdb_exit_hook(void)
{
    if (pthread_mutex_trylock(&gdb.send_lock))
        return;
    if (gdb.fd >= 0) {
        char buf[8];
        snprintf(buf, sizeof(buf), "W%02x", loom_exit_status & 0xff);
        send_locked(buf, strlen(buf));
    }
    pthread_mutex_unlock(&gdb.send_lock);
}

/* vCPU layer notify (a vCPU thread, under its lock): wake the stub. */
static void gdb_notify(void *opaque)
{
    (void)opaque;
    char c = 0;
    /* Non-blocking pipe: a full pipe already holds a wake-up. */
    if (write(gdb.wake[1], &c, 1) < 0 && errno != EAGAIN)
        return;
}

/* --- input ------------------------------------------------------------------- */

enum rx_state { RX_IDLE, RX_DATA, RX_ESC, RX_SUM1, RX_SUM2 };

struct rx {
    enum rx_state st;
    char buf[GDB_PKT_MAX + 1];
    size_t len;
    unsigned sum, want;
    bool overflow;
};

static void ack(char c)
{
    if (gdb.no_ack)
        return;
    pthread_mutex_lock(&gdb.send_lock);
    if (gdb.fd >= 0)
        write_all(gdb.fd, &c, 1);
    pthread_mutex_unlock(&gdb.send_lock);
}

static void packet_done(struct rx *rx)
{
    if (rx->overflow || rx->want != (rx->sum & 0xff)) {
        ack('-');
        return;
    }
    ack('+');
    rx->buf[rx->len] = '\0';
    /* All-stop: gdb sends nothing but Ctrl-C while the machine runs; a
     * client that does is ignored rather than waited for. */
    if (gdb.running)
        return;
    /* After an attach the stop may still be under way. */
    vcpu_dbg_wait_stopped();
    gdb_handle_packet(rx->buf, rx->len);
}

static void rx_byte(struct rx *rx, char c)
{
    int h;

    switch (rx->st) {
    case RX_IDLE:
        if (c == '$') {
            rx->st = RX_DATA;
            rx->len = 0;
            rx->sum = 0;
            rx->overflow = false;
        } else if (c == 0x03) {
            vcpu_dbg_request_stop();        /* Ctrl-C */
        } else if (c == '-' && gdb.last) {
            pthread_mutex_lock(&gdb.send_lock);
            if (gdb.fd >= 0)
                write_all(gdb.fd, gdb.last, gdb.last_len);
            pthread_mutex_unlock(&gdb.send_lock);
        }
        return;                             /* '+' and noise: ignored */
    case RX_DATA:
    case RX_ESC:
        if (rx->st == RX_DATA && c == '#') {
            rx->st = RX_SUM1;
            return;
        }
        rx->sum += (unsigned char)c;
        if (rx->st == RX_DATA && c == '}') {
            rx->st = RX_ESC;
            return;
        }
        if (rx->st == RX_ESC) {
            c ^= 0x20;
            rx->st = RX_DATA;
        }
        if (rx->len < GDB_PKT_MAX)
            rx->buf[rx->len++] = c;
        else
            rx->overflow = true;
        return;
    case RX_SUM1:
        h = gdb_hexval(c);
        rx->want = h < 0 ? 0x100 : (unsigned)h << 4;
        rx->st = RX_SUM2;
        return;
    case RX_SUM2:
        h = gdb_hexval(c);
        rx->want = h < 0 ? 0x100 : rx->want | (unsigned)h;
        rx->st = RX_IDLE;
        packet_done(rx);
        return;
    }
}

static void drain_wake(void)
{
    char buf[64];
    while (read(gdb.wake[0], buf, sizeof(buf)) > 0)
        ;
}

static void serve(struct rx *rx)
{
    char buf[4096];

    /* Stop the machine on attach, as QEMU does. */
    vcpu_dbg_request_stop();
    for (;;) {
        struct pollfd p[2] = { { .fd = gdb.fd, .events = POLLIN },
                               { .fd = gdb.wake[0], .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            loom_fatal("gdbstub: poll: %s", strerror(errno));
        }
        if (p[1].revents) {
            drain_wake();
            if (gdb.running && vcpu_dbg_is_stopped()) {
                gdb.running = false;
                gdb_send_stop_reply();
            }
        }
        if (p[0].revents) {
            ssize_t r = recv(gdb.fd, buf, sizeof(buf), 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return;                     /* gdb went away */
            for (ssize_t i = 0; i < r && gdb.fd >= 0; i++)
                rx_byte(rx, buf[i]);
            if (gdb.fd < 0)
                return;                     /* detached ('D') */
        }
    }
}

static void *gdb_thread(void *arg)
{
    struct rx *rx = calloc(1, sizeof(*rx));

    (void)arg;
    if (!rx)
        loom_fatal("gdbstub: out of memory");
    for (;;) {
        int fd = accept4(gdb.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            loom_fatal("gdbstub: accept: %s", strerror(errno));
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        pthread_mutex_lock(&gdb.send_lock);
        gdb.fd = fd;
        gdb.no_ack = false;
        gdb.running = false;
        gdb.c_hart = -1;
        gdb.g_hart = 0;
        pthread_mutex_unlock(&gdb.send_lock);
        rx->st = RX_IDLE;
        serve(rx);
        if (gdb.fd >= 0)
            gdb_detach();
    }
    return NULL;
}

void gdb_kill(void)
{
    pthread_mutex_lock(&gdb.send_lock);
    gdb.fd = -1;                     /* nothing more to tell gdb */
    pthread_mutex_unlock(&gdb.send_lock);
    loom_exit(0);
}

void gdb_detach(void)
{
    pthread_mutex_lock(&gdb.send_lock);
    int fd = gdb.fd;
    gdb.fd = -1;
    pthread_mutex_unlock(&gdb.send_lock);
    if (fd >= 0)
        close(fd);
    /* Let the machine run on its own (gdb's breakpoints go with it); if
     * gdb left while it ran, stop it first to change the breakpoints. */
    vcpu_dbg_request_stop();
    vcpu_dbg_wait_stopped();
    vcpu_dbg_bp_remove_all();
    gdb_hw_remove_all();
    enum vcpu_dbg_action act[VCPU_MAX];
    for (unsigned i = 0; i < vcpu_count(); i++)
        act[i] = VCPU_DBG_CONT;
    vcpu_dbg_resume(act);
}

void gdb_start(bool hold)
{
    pthread_t t;

    if (pipe2(gdb.wake, O_CLOEXEC | O_NONBLOCK) < 0)
        loom_resource_error("gdbstub: cannot create a pipe: %s",
                            strerror(errno));
    vcpu_dbg_enable(hold, gdb_notify, NULL);
    loom_at_exit(gdb_exit_hook);
    int r = pthread_create(&t, NULL, gdb_thread, NULL);
    if (r)
        loom_resource_error("gdbstub: cannot start its thread: %s",
                            strerror(r));
    pthread_detach(t);
}

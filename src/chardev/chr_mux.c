/*
 * chr_mux.c — the Ctrl-A escapes of a muxed terminal (-nographic,
 * -serial mon:stdio), with QEMU's keys:
 *
 *   C-a h, C-a ?   print the keys
 *   C-a x          leave Loom (exit status 0, the terminal restored)
 *   C-a t          toggle timestamps on the guest's output lines
 *   C-a C-a        send one C-a to the guest (C-a a too, as in screen)
 *   C-a c          QEMU's monitor; Loom has none and says so
 *   anything else after C-a is dropped, as QEMU does.
 *
 * Timestamps are the time since they were switched on, "[hh:mm:ss.mmm] "
 * before each output line, read from the host's monotonic clock: they
 * decorate the host console and never reach the guest.
 */
#include "chardev/chr_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/error.h"

#define CHR_ESC 0x01            /* Ctrl-A */

static const char mux_help[] =
    "\r\n"
    "C-a h    print this help\r\n"
    "C-a x    exit Loom\r\n"
    "C-a t    toggle console timestamps\r\n"
    "C-a C-a  send C-a to the guest (C-a a too)\r\n"
    "(C-a c: Loom has no monitor)\r\n";

static void mux_say(struct chr_fd *c, const char *s)
{
    if (c->out_fd < 0)
        return;
    pthread_mutex_lock(&c->out_lock);
    chr_fd_write_all__locked(c, (const uint8_t *)s, strlen(s));
    c->mux.line_start = true;
    pthread_mutex_unlock(&c->out_lock);
}

static uint64_t mux_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* An escape command; returns true if `ch` is to be sent to the guest. */
static bool mux_command(struct chr_fd *c, uint8_t ch)
{
    switch (ch) {
    case CHR_ESC: case 'a': case 'A':
        return true;
    case 'h': case 'H': case '?':
        mux_say(c, mux_help);
        return false;
    case 'x': case 'X':
        mux_say(c, "\r\nloom: terminated (C-a x)\r\n");
        loom_exit(0);           /* its hooks restore the terminal */
    case 't': case 'T':
        pthread_mutex_lock(&c->out_lock);
        c->mux.timestamps = !c->mux.timestamps;
        c->mux.t0_ns = mux_now_ns();
        c->mux.line_start = true;
        pthread_mutex_unlock(&c->out_lock);
        return false;
    case 'c': case 'C':
        mux_say(c, "\r\nloom: there is no monitor (C-a h for help)\r\n");
        return false;
    default:
        return false;
    }
}

size_t chr_mux_input(struct chr_fd *c, uint8_t *buf, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = buf[i];
        if (c->mux.got_escape) {
            c->mux.got_escape = false;
            if (!mux_command(c, ch))
                continue;
            ch = CHR_ESC;
        } else if (ch == CHR_ESC) {
            c->mux.got_escape = true;
            continue;
        }
        buf[out++] = ch;
    }
    return out;
}

void chr_mux_output__locked(struct chr_fd *c, const uint8_t *buf, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (!c->mux.line_start) {
            c->mux.line_start = buf[i] == '\n';
            continue;
        }
        chr_fd_write_all__locked(c, buf + start, i - start);
        start = i;
        uint64_t ms = (mux_now_ns() - c->mux.t0_ns) / 1000000u;
        char ts[32];
        int len = snprintf(ts, sizeof(ts), "[%02u:%02u:%02u.%03u] ",
                           (unsigned)(ms / 3600000u),
                           (unsigned)(ms / 60000u % 60u),
                           (unsigned)(ms / 1000u % 60u),
                           (unsigned)(ms % 1000u));
        chr_fd_write_all__locked(c, (const uint8_t *)ts, (size_t)len);
        c->mux.line_start = buf[i] == '\n';
    }
    chr_fd_write_all__locked(c, buf + start, n - start);
}

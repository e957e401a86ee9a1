/*
 * chr_int.h — inside src/chardev: the file-descriptor backend every -serial
 * kind is made of, the Ctrl-A mux that filters it, and the terminal guard.
 */
#ifndef LOOM_CHARDEV_CHR_INT_H
#define LOOM_CHARDEV_CHR_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include "chardev/chardev.h"

#define CHR_PENDING 256          /* host bytes the guest has not taken yet */

/* Ctrl-A escapes (chr_mux.c).  `active` only when input is a terminal. */
struct chr_mux {
    bool active;
    bool got_escape;             /* input thread only */
    bool timestamps;             /* toggled by the input thread; read by
                                  * writers under out_lock */
    bool line_start;             /* under out_lock */
    uint64_t t0_ns;              /* under out_lock */
};

/* One backend: an input fd and an output fd, either may be -1.
 * stdio: 0/1; file: -1/file; pty: master/master; null: -1/-1. */
struct chr_fd {
    struct chr chr;              /* first: (struct chr *) casts to it */
    int in_fd, out_fd;
    bool stdio;                  /* in_fd is stdin: raw mode if a terminal */
    bool want_mux;               /* mon: requested */
    const char *label;           /* "serial0", for messages */
    struct chr_mux mux;
    pthread_mutex_t out_lock;    /* one output writer at a time */

    /* Input thread (chr_fd.c). */
    int wake_fd;                 /* eventfd: room, written by accept_input */
    _Atomic bool want_room;      /* the thread holds bytes the frontend
                                  * refused and waits for room */
    uint8_t pending[CHR_PENDING];
    size_t poff, plen;           /* input thread only */
    pthread_t reader;
};

struct chr_fd *chr_fd_new(int in_fd, int out_fd);
extern const struct chr_ops chr_fd_ops;
/* Write all n bytes to out_fd (out_lock held); errors drop the rest. */
void chr_fd_write_all__locked(struct chr_fd *c, const uint8_t *buf, size_t n);

/* Filter n freshly read bytes in place: escapes are acted on and removed.
 * Returns the guest bytes left at buf[0..).  Input thread. */
size_t chr_mux_input(struct chr_fd *c, uint8_t *buf, size_t n);
/* Guest output with the timestamps on (out_lock held). */
void chr_mux_output__locked(struct chr_fd *c, const uint8_t *buf, size_t n);

/* Terminal guard (chr_tty.c): put fd in raw mode (ISIG kept when
 * `signals`), restore it on every exit path.  Returns 0 or -1 + message. */
int chr_tty_raw(int fd, bool signals, char *err, size_t errlen);
/* Back to the saved mode, for good.  Async-signal-safe, idempotent. */
void chr_tty_restore(void);

#endif

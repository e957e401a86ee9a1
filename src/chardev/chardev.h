/*
 * chardev.h — character backends: where a serial port's bytes come from and
 * go to on the host (TinyEMU's CharacterDevice, QEMU's -serial backends).
 *
 * A device (the frontend: the NS16550A UART, later a virtio console) never
 * touches a host file descriptor.  It writes with chr_write() and receives
 * guest-bound bytes through the struct chr_frontend it attaches; it calls
 * chr_accept_input() when it has room again after refusing bytes.
 *
 * Backends (-serial SPEC, QEMU's spellings):
 *   stdio        stdin/stdout.  On a terminal: raw mode (bytes as typed,
 *                CR as CR, no host echo), Ctrl-C still ends Loom (QEMU's
 *                signal=on); the terminal is restored on every exit path
 *                (chr_tty.c).  Not a terminal: bytes pass untouched.
 *   mon:stdio    the same, muxed: Ctrl-C goes to the guest and the Ctrl-A
 *                escapes work (chr_mux.c; -nographic's default).  Escapes
 *                are read only from a terminal: a pipe is a byte stream.
 *   null, none   output discarded, no input.
 *   file:PATH    output to PATH (created or truncated), no input.
 *   pty          a new pseudo-terminal; its name is printed on stderr.
 *   (output only) stdout with no input: Loom's default without -nographic.
 *
 * Input path (the one place guest-bound bytes pass, for a recorder): a
 * backend's input thread reads the host, strips escapes, and hands bytes
 * to chr_fe_receive(); the frontend takes what fits and the rest waits in
 * the backend (pipes and files: reading stops — back-pressure, nothing is
 * lost; a muxed terminal keeps reading so Ctrl-A X always works, and what
 * the guest does not take is dropped like a UART overrun).  A recording or
 * replaying backend (issue 10) is a struct chr whose ops forward to an
 * inner chr and which attaches itself as the inner's frontend: every byte
 * then passes through it on its way to the device.
 *
 * Threads: chr_write from any thread (vCPU threads hold their device lock);
 * receive runs on the backend's input thread and must not block;
 * chr_accept_input from any thread, cheap when nothing waits.
 */
#ifndef LOOM_CHARDEV_CHARDEV_H
#define LOOM_CHARDEV_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The device side.  receive(opaque, buf, n): take up to n guest-bound bytes
 * and return how many were taken (0..n); never block (called on the
 * backend's input thread, which also serves the escapes). */
struct chr_frontend {
    size_t (*receive)(void *opaque, const uint8_t *buf, size_t n);
    void *opaque;
};

struct chr;
struct chr_ops {
    /* All n bytes, or drop them (a closed pipe, a pty nobody reads). */
    void (*write)(struct chr *c, const uint8_t *buf, size_t n);
    /* Start delivering input to c->fe (NULL: the backend has no input).
     * Returns 0 or -1 with a message. */
    int (*start)(struct chr *c, char *err, size_t errlen);
    /* The frontend has room again (NULL: nothing ever waits). */
    void (*accept_input)(struct chr *c);
};

struct chr {
    const struct chr_ops *ops;
    struct chr_frontend fe;          /* set by chr_attach, before input */
};

/* -serial SPEC, parsed (pure: no file is opened). */
enum chr_kind {
    CHR_NULL,             /* null, none */
    CHR_STDIO,            /* stdio, mon:stdio */
    CHR_STDOUT,           /* output to stdout only (no -serial, no -nographic) */
    CHR_FILE,             /* file:PATH */
    CHR_PTY,              /* pty */
};

struct chr_spec {
    enum chr_kind kind;
    bool mux;             /* mon: the Ctrl-A escapes, Ctrl-C to the guest */
    const char *path;     /* CHR_FILE: points into the parsed string */
};

/* Parse a -serial argument.  Returns 0, or -1 with one line in err. */
int chr_parse(const char *spec, struct chr_spec *out, char *err, size_t errlen);

/* Open the backend (files, the pty, the terminal's saved state).  Returns
 * NULL with one line in err on failure.  Never freed: a backend lives as
 * long as the machine (tests may leak it). */
struct chr *chr_open(const struct chr_spec *spec, char *err, size_t errlen);

/* Attach the frontend and start input (terminal raw mode and the input
 * thread start here).  Once per backend.  Returns 0 or -1 with a message. */
int chr_attach(struct chr *c, const struct chr_frontend *fe, char *err,
               size_t errlen);

static inline void chr_write(struct chr *c, const uint8_t *buf, size_t n)
{
    c->ops->write(c, buf, n);
}

static inline void chr_accept_input(struct chr *c)
{
    if (c->ops->accept_input)
        c->ops->accept_input(c);
}

/* Every guest-bound byte goes through here (see "Input path"). */
static inline size_t chr_fe_receive(struct chr *c, const uint8_t *buf,
                                    size_t n)
{
    return c->fe.receive ? c->fe.receive(c->fe.opaque, buf, n) : n;
}

#endif

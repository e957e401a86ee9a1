/*
 * chardev.c — -serial SPEC: parse it, open the backend, attach the device
 * (see chardev.h for the kinds and the input path).
 */
#include "chardev/chr_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "util/error.h"

int chr_parse(const char *spec, struct chr_spec *out, char *err, size_t n)
{
    const char *s = spec;

    *out = (struct chr_spec){ .kind = CHR_NULL };
    if (!strncmp(s, "mon:", 4)) {
        out->mux = true;
        s += 4;
    }
    if (!strcmp(s, "stdio")) {
        out->kind = CHR_STDIO;
    } else if (!strcmp(s, "null") || !strcmp(s, "none")) {
        out->kind = CHR_NULL;
    } else if (!strcmp(s, "pty")) {
        out->kind = CHR_PTY;
    } else if (!strncmp(s, "file:", 5)) {
        out->kind = CHR_FILE;
        out->path = s + 5;
        if (!*out->path)
            return loom_errorf(err, n, "-serial %s: empty file name", spec);
    } else {
        return loom_errorf(err, n, "-serial: unsupported backend '%s' (stdio, "
                           "mon:stdio, null, none, file:PATH, pty)", spec);
    }
    if (out->mux && out->kind != CHR_STDIO && out->kind != CHR_PTY)
        return loom_errorf(err, n, "-serial %s: mon: needs an input (stdio "
                           "or pty)", spec);
    return 0;
}

/* A new pseudo-terminal: the guest's side is the master; we keep the
 * slave open ourselves, so the master never sees a hang-up while nobody
 * is connected (and output then fills the pty and is dropped). */
static struct chr_fd *open_pty(const char *label, char *err, size_t n)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), s = -1;
    const char *name;
    struct termios t;
    struct chr_fd *c;

    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || !(name = ptsname(m)) ||
        (s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
        int e = errno;
        if (m >= 0)
            close(m);
        loom_errorf(err, n, "-serial pty: cannot create a pseudo-terminal: %s",
                    strerror(e));
        return NULL;
    }
    if (tcgetattr(s, &t) == 0) {
        cfmakeraw(&t);          /* the slave is a serial line, not a shell */
        tcsetattr(s, TCSANOW, &t);
    }
    /* Output never blocks: a full pty (nobody reading) drops it. */
    fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
    c = chr_fd_new(m, m);
    if (!c) {
        loom_errorf(err, n, "out of memory opening the serial backend");
        return NULL;
    }
    fprintf(stderr, "loom: char device redirected to %s (label %s)\n", name,
            label);
    return c;
}

struct chr *chr_open(const struct chr_spec *spec, char *err, size_t n)
{
    struct chr_fd *c = NULL;
    int fd;

    switch (spec->kind) {
    case CHR_NULL:
        c = chr_fd_new(-1, -1);
        break;
    case CHR_STDOUT:
        c = chr_fd_new(-1, STDOUT_FILENO);
        break;
    case CHR_STDIO:
        c = chr_fd_new(STDIN_FILENO, STDOUT_FILENO);
        if (c) {
            c->stdio = true;
            c->want_mux = spec->mux;
        }
        break;
    case CHR_FILE:
        fd = open(spec->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
            loom_errorf(err, n, "-serial file:%s: cannot open: %s", spec->path,
                        strerror(errno));
            return NULL;
        }
        c = chr_fd_new(-1, fd);
        break;
    case CHR_PTY:
        c = open_pty("serial0", err, n);
        if (!c)
            return NULL;
        c->mux.active = spec->mux;      /* a pty is a terminal */
        break;
    }
    if (!c) {
        loom_errorf(err, n, "out of memory opening the serial backend");
        return NULL;
    }
    return &c->chr;
}

int chr_attach(struct chr *c, const struct chr_frontend *fe, char *err,
               size_t n)
{
    c->fe = *fe;
    return c->ops->start ? c->ops->start(c, err, n) : 0;
}

/*
 * chr_tty.c — the terminal guard: raw mode for the console, and the saved
 * mode back on every way out of the process.
 *
 * Raw mode (QEMU's stdio settings): no canonical line editing, no echo, no
 * CR→NL or NL→CR translation on input, no XON/XOFF, 8-bit characters,
 * reads return as soon as one byte is there.  Output processing (OPOST) is
 * kept, so a guest's "\n" still starts a new line on the screen.  ISIG
 * (Ctrl-C, Ctrl-\, Ctrl-Z raise signals) only for plain -serial stdio.
 *
 * Exit paths, each restoring the saved termios exactly (tcsetattr of the
 * copy taken before the first change):
 *   exit() (user errors, a return from main): atexit hook;
 *   loom_exit() from any thread (guest power-off, C-a x): its exit hook;
 *   signals that end the process — SIGINT, SIGTERM, SIGHUP, SIGQUIT,
 *   SIGPIPE, SIGALRM, SIGUSR1/2, SIGXCPU, SIGXFSZ, and the fatal SIGABRT
 *   (loom_fatal, failed asserts), SIGSEGV, SIGBUS, SIGILL, SIGFPE: the
 *   handler restores, puts back the disposition it replaced (the default,
 *   or a sanitizer's handler) and re-raises, so the process ends exactly
 *   as it would have, with its status and core file;
 *   SIGTSTP (Ctrl-Z with -serial stdio, or kill -TSTP): restored while
 *   stopped, raw again on SIGCONT if Loom is still the foreground job.
 * Only SIGKILL (and SIGSTOP, until the next SIGCONT) leave it raw.
 * Signals that the parent set to SIG_IGN (nohup's SIGHUP) stay ignored.
 *
 * Concurrency: the state is one atomic word; every transition is a
 * compare-and-swap or exchange, so a restore racing with a resume from
 * SIGCONT ends restored (resume re-checks after its tcsetattr).
 * tcsetattr runs with SIGTTOU blocked: a background Loom restoring the
 * terminal at exit must not stop on it.
 */
#include "chardev/chr_int.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "util/compiler.h"
#include "util/error.h"

enum { TTY_NONE, TTY_RAW, TTY_STOPPED, TTY_DONE };

static _Atomic int tty_state = TTY_NONE;
static int tty_fd = -1;
static struct termios tty_saved, tty_raw_mode;   /* written before RAW */

static const int tty_exit_signals[] = {
    SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGALRM, SIGUSR1, SIGUSR2,
    SIGXCPU, SIGXFSZ, SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE,
};
static struct sigaction tty_old[NSIG];           /* what we replaced */

static void tty_set(const struct termios *t)
{
    sigset_t ttou, old;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    pthread_sigmask(SIG_BLOCK, &ttou, &old);
    while (tcsetattr(tty_fd, TCSANOW, t) < 0 && errno == EINTR)
        continue;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void chr_tty_restore(void)
{
    int prev = atomic_exchange(&tty_state, TTY_DONE);
    if (prev == TTY_RAW || prev == TTY_STOPPED)
        tty_set(&tty_saved);
}

static bool tty_foreground(void)
{
    return tcgetpgrp(tty_fd) == getpgrp();
}

/* async-signal-safe "loom: terminating on signal N[ from pid P]". */
static void tty_say_signal(int sig, const siginfo_t *si)
{
    char buf[80];
    size_t n = 0;
    const char *head = "loom: terminating on signal ";
    unsigned long vals[2] = { (unsigned long)sig,
                              si && si->si_code == SI_USER ?
                              (unsigned long)si->si_pid : 0 };

    for (const char *p = head; *p; p++)
        buf[n++] = *p;
    for (int k = 0; k < 2; k++) {
        char digits[24];
        int d = 0;
        if (k == 1) {
            if (!vals[1])
                break;
            for (const char *p = " from pid "; *p; p++)
                buf[n++] = *p;
        }
        do {
            digits[d++] = (char)('0' + vals[k] % 10);
            vals[k] /= 10;
        } while (vals[k]);
        while (d)
            buf[n++] = digits[--d];
    }
    buf[n++] = '\r';
    buf[n++] = '\n';
    ssize_t r = write(STDERR_FILENO, buf, n);
    (void)r;
}

static void tty_signal(int sig, siginfo_t *si, void *uc);

static void tty_stop(void)
{
    int expect = TTY_RAW;
    struct sigaction dfl = { .sa_handler = SIG_DFL }, mine;
    sigset_t tstp;

    if (atomic_compare_exchange_strong(&tty_state, &expect, TTY_STOPPED))
        tty_set(&tty_saved);
    /* Stop for real: default action, unblocked, raised on this thread. */
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &mine);
    sigemptyset(&tstp);
    sigaddset(&tstp, SIGTSTP);
    pthread_sigmask(SIG_UNBLOCK, &tstp, NULL);
    raise(SIGTSTP);
    /* Continued (the handler's return restores the signal mask). */
    sigaction(SIGTSTP, &mine, NULL);
}

/* SIGCONT, also after a SIGSTOP that nothing could catch. */
static void tty_resume(void)
{
    int expect = TTY_STOPPED;
    if (!tty_foreground())
        return;                 /* continued in the background: not ours */
    if (atomic_load(&tty_state) == TTY_RAW ||
        atomic_compare_exchange_strong(&tty_state, &expect, TTY_RAW)) {
        tty_set(&tty_raw_mode);
        /* A restore that ran meanwhile wins. */
        if (atomic_load(&tty_state) == TTY_DONE)
            tty_set(&tty_saved);
    }
}

static void tty_signal(int sig, siginfo_t *si, void *uc)
{
    int saved_errno = errno;

    if (sig == SIGTSTP) {
        tty_stop();
        tty_resume();
    } else if (sig == SIGCONT) {
        tty_resume();
    } else {
        chr_tty_restore();
        if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP)
            tty_say_signal(sig, si);
        /* End as we would have without us: the replaced disposition,
         * raised again (delivered when this handler returns). */
        sigaction(sig, &tty_old[sig], NULL);
        raise(sig);
    }
    errno = saved_errno;
}

static void tty_install(int sig)
{
    struct sigaction sa = { .sa_sigaction = tty_signal,
                            .sa_flags = SA_SIGINFO | SA_RESTART };
    struct sigaction old;

    sigfillset(&sa.sa_mask);        /* one handler at a time per thread */
    if (sigaction(sig, NULL, &old) < 0 || old.sa_handler == SIG_IGN)
        return;
    tty_old[sig] = old;
    sigaction(sig, &sa, NULL);
}

int chr_tty_raw(int fd, bool signals, char *err, size_t n)
{
    struct termios t;

    if (atomic_load(&tty_state) != TTY_NONE)
        return loom_errorf(err, n, "the terminal is already in use");
    if (tcgetattr(fd, &tty_saved) < 0)
        return loom_errorf(err, n, "cannot read the terminal's mode: %s",
                           strerror(errno));
    t = tty_saved;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
                             IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    if (!signals)
        t.c_lflag &= ~(tcflag_t)ISIG;
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tty_raw_mode = t;
    tty_fd = fd;

    /* Hooks and handlers first: from the first raw byte on, every way
     * out restores. */
    atexit(chr_tty_restore);
    loom_at_exit(chr_tty_restore);
    for (size_t i = 0; i < ARRAY_SIZE(tty_exit_signals); i++)
        tty_install(tty_exit_signals[i]);
    tty_install(SIGTSTP);
    tty_install(SIGCONT);
    atomic_store(&tty_state, TTY_RAW);
    tty_set(&tty_raw_mode);
    return 0;
}

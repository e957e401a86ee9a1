/*
 * Loom's Linux guest init: a static riscv64 program run as /init from the
 * initramfs.  It mounts proc and sysfs, prints the number of online CPUs,
 * runs one CPU-bound thread pinned to each online CPU, and prints one line
 * with the exact totals of a shared atomic counter and a mutex-protected
 * counter and whether they match:
 *
 *   loom-init: cpus online: 4
 *   workload: threads=4 atomic=4000000 (ok) mutex=400000 (ok)
 *   loom-init: PASS
 *
 * then powers the machine off (reboot(RB_POWER_OFF)); the emulator's exit
 * status is the test device's, so 0 means it got that far.  On a mismatch
 * it prints "loom-init: FAIL" before powering off; the boot runner
 * (tests/boot/run-boot.py) checks the lines.  As PID 1 it must never return.
 *
 * Before the workload it checks the system calls real programs need
 * (epoll with an eventfd, a timerfd and a signalfd) and prints
 *
 *   loom-init: epoll eventfd timerfd signalfd: ok
 *
 * and, when the kernel command line asks (tests/boot/virtio-boot.py):
 *   loom.root=1     the root file system (the virtio disk) is writable: a
 *                   boot counter in /loom-boots is read, incremented,
 *                   written and fsync'ed ("loom-init: root rw, boot N,
 *                   last: TEXT");
 *   loom.hwrng=1    /dev/hwrng returns data ("loom-init: hwrng: 64 bytes");
 *   loom.net=1      eth0 gets QEMU's user-network address 10.0.2.15/24,
 *                   default route via 10.0.2.2;
 *   loom.fetch=P    TCP to 10.0.2.2:P (the host's loopback through slirp),
 *                   reads to EOF ("loom-init: fetched N bytes, fnv X");
 *   loom.serve=P    listens on port P, prints "loom-init: serving on P",
 *                   answers one connection with "hello from the guest\n".
 * A failed check prints why and makes the verdict FAIL.  Power-off
 * remounts the root read-only first, so the disk is clean (e2fsck -f).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* Per-thread work: ATOMIC_ITERS relaxed increments of the shared atomic and
 * MUTEX_ITERS locked increments, interleaved so both race across harts. */
enum { ATOMIC_ITERS = 1000000, MUTEX_ITERS = 100000, MAX_THREADS = 64 };

struct workload {
    atomic_long atomic_count;
    pthread_mutex_t lock;
    long mutex_count;
};

struct worker {
    struct workload *w;
    int cpu;          /* the CPU this thread is pinned to */
    int pinned;       /* sched_setaffinity succeeded */
    unsigned long spin; /* private CPU-bound work, printed only as a check */
};

static void *worker_main(void *arg)
{
    struct worker *me = arg;
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(me->cpu, &set);
    me->pinned = sched_setaffinity(0, sizeof(set), &set) == 0;

    unsigned long x = (unsigned long)me->cpu + 1;
    for (long i = 0; i < ATOMIC_ITERS; i++) {
        atomic_fetch_add_explicit(&me->w->atomic_count, 1, memory_order_relaxed);
        /* A little private arithmetic so the thread is CPU-bound between
         * shared updates instead of only bouncing one cache line. */
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        if (i % (ATOMIC_ITERS / MUTEX_ITERS) == 0) {
            pthread_mutex_lock(&me->w->lock);
            me->w->mutex_count++;
            pthread_mutex_unlock(&me->w->lock);
        }
    }
    me->spin = x;
    return NULL;
}

static void mount_fs(const char *type, const char *dir)
{
    mkdir(dir, 0755);
    if (mount(type, dir, type, 0, NULL) != 0 && errno != EBUSY)
        printf("loom-init: mount %s on %s: %s\n", type, dir, strerror(errno));
}

/* The online CPUs, in order, from the affinity mask the kernel gave us. */
static int online_cpus(int *cpus, int max)
{
    cpu_set_t set;
    int n = 0;

    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return 0;
    for (int c = 0; c < CPU_SETSIZE && n < max; c++)
        if (CPU_ISSET(c, &set))
            cpus[n++] = c;
    return n;
}

static void power_off(void)
{
    fflush(stdout);
    sync();
    /* A clean file system for the next boot and for e2fsck: on a disk
     * root the remount flushes and closes the journal (on the initramfs
     * it fails, harmlessly). */
    mount("none", "/", NULL, MS_REMOUNT | MS_RDONLY, NULL);
    reboot(RB_POWER_OFF);
    /* Only reached if the kernel has no poweroff handler. */
    printf("loom-init: reboot(RB_POWER_OFF) failed: %s\n", strerror(errno));
    fflush(stdout);
    for (;;)
        pause();
}

/* --- checks of the devices and system calls ----------------------------- */

static char cmdline[4096];

/* Value of "key=" on the kernel command line, or NULL. */
static const char *param(const char *key)
{
    size_t kl = strlen(key);
    for (char *p = cmdline; (p = strstr(p, key)); p += kl)
        if ((p == cmdline || p[-1] == ' ') && p[kl] == '=')
            return p + kl + 1;
    return NULL;
}

static int syscalls_check(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int ev = eventfd(0, EFD_NONBLOCK);
    int tf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sf = signalfd(-1, &mask, SFD_NONBLOCK);
    const char *what = NULL;

    if (ep < 0) what = "epoll_create1";
    else if (ev < 0) what = "eventfd";
    else if (tf < 0) what = "timerfd_create";
    else if (sf < 0) what = "signalfd";
    if (what) {
        printf("loom-init: %s: %s\n", what, strerror(errno));
        return 0;
    }
    int fds[3] = { ev, tf, sf };
    for (int i = 0; i < 3; i++) {
        struct epoll_event e = { .events = EPOLLIN, .data.u32 = 1u << i };
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e);
    }
    uint64_t one = 1;
    struct itimerspec its = { .it_value = { 0, 1000000 } };    /* 1 ms */
    if (write(ev, &one, 8) != 8 || timerfd_settime(tf, 0, &its, NULL) ||
        kill(getpid(), SIGUSR1)) {
        printf("loom-init: arming eventfd/timerfd/signal: %s\n", strerror(errno));
        return 0;
    }
    unsigned seen = 0;
    while (seen != 7) {
        struct epoll_event e[3];
        int n = epoll_wait(ep, e, 3, -1);
        if (n < 0 && errno != EINTR) {
            printf("loom-init: epoll_wait: %s\n", strerror(errno));
            return 0;
        }
        for (int i = 0; i < n; i++)
            seen |= e[i].data.u32;
        uint64_t v;
        struct signalfd_siginfo si;
        if (seen & 1) (void)!read(ev, &v, 8);
        if (seen & 2) (void)!read(tf, &v, 8);
        if (seen & 4) (void)!read(sf, &si, sizeof(si));
    }
    close(ep), close(ev), close(tf), close(sf);
    sigprocmask(SIG_UNBLOCK, &mask, NULL);
    printf("loom-init: epoll eventfd timerfd signalfd: ok\n");
    return 1;
}

static int root_check(void)
{
    char last[64] = "none";
    long boot = 1;
    FILE *f = fopen("/loom-boots", "r");
    if (f) {
        if (fgets(last, sizeof(last), f))
            last[strcspn(last, "\n")] = 0;
        sscanf(last, "boot %ld", &boot);
        boot++;
        fclose(f);
    }
    int fd = open("/loom-boots", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char line[64];
    int len = snprintf(line, sizeof(line), "boot %ld\n", boot);
    if (fd < 0 || write(fd, line, (size_t)len) != len || fsync(fd)) {
        printf("loom-init: root not writable: %s\n", strerror(errno));
        return 0;
    }
    close(fd);
    printf("loom-init: root rw, boot %ld, last: %s\n", boot, last);
    return 1;
}

static int hwrng_check(void)
{
    unsigned char b[64];
    int fd = open("/dev/hwrng", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, b, sizeof(b));
    int nonzero = 0;
    for (ssize_t i = 0; i < n; i++)
        nonzero |= b[i];
    if (n != (ssize_t)sizeof(b) || !nonzero) {
        printf("loom-init: /dev/hwrng: %zd bytes: %s\n", n, strerror(errno));
        return 0;
    }
    close(fd);
    printf("loom-init: hwrng: %zd bytes\n", n);
    return 1;
}

static int ifconf(int s, const char *name, const char *addr, const char *mask)
{
    struct ifreq ifr;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (addr) {
        sin->sin_family = AF_INET;
        inet_pton(AF_INET, addr, &sin->sin_addr);
        if (ioctl(s, SIOCSIFADDR, &ifr))
            return -1;
        inet_pton(AF_INET, mask, &sin->sin_addr);
        if (ioctl(s, SIOCSIFNETMASK, &ifr))
            return -1;
    }
    if (ioctl(s, SIOCGIFFLAGS, &ifr))
        return -1;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static int net_setup(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct rtentry rt;
    struct sockaddr_in *a;

    if (s < 0 || ifconf(s, "lo", "127.0.0.1", "255.0.0.0") ||
        ifconf(s, "eth0", "10.0.2.15", "255.255.255.0")) {
        printf("loom-init: network setup: %s\n", strerror(errno));
        return 0;
    }
    memset(&rt, 0, sizeof(rt));
    a = (struct sockaddr_in *)&rt.rt_gateway;
    a->sin_family = AF_INET;
    inet_pton(AF_INET, "10.0.2.2", &a->sin_addr);
    ((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
    ((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    if (ioctl(s, SIOCADDRT, &rt)) {
        printf("loom-init: default route: %s\n", strerror(errno));
        return 0;
    }
    close(s);
    printf("loom-init: eth0 10.0.2.15/24 via 10.0.2.2\n");
    return 1;
}

static int fetch(int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    int s = socket(AF_INET, SOCK_STREAM, 0);
    inet_pton(AF_INET, "10.0.2.2", &sa.sin_addr);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
        printf("loom-init: connect 10.0.2.2:%d: %s\n", port, strerror(errno));
        return 0;
    }
    uint32_t h = 2166136261u;
    long total = 0;
    unsigned char buf[4096];
    for (;;) {
        ssize_t n = read(s, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            printf("loom-init: read: %s\n", strerror(errno));
            return 0;
        }
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * 16777619u;
        total += n;
    }
    close(s);
    printf("loom-init: fetched %ld bytes, fnv %08x\n", total, h);
    return 1;
}

static int serve(int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_ANY) };
    int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 1)) {
        printf("loom-init: listen on %d: %s\n", port, strerror(errno));
        return 0;
    }
    printf("loom-init: serving on %d\n", port);
    int c = accept(s, NULL, NULL);
    static const char msg[] = "hello from the guest\n";
    if (c < 0 || write(c, msg, sizeof(msg) - 1) != (ssize_t)sizeof(msg) - 1) {
        printf("loom-init: accept/write: %s\n", strerror(errno));
        return 0;
    }
    close(c);
    close(s);
    printf("loom-init: served one connection\n");
    return 1;
}

static int device_checks(void)
{
    int ok = 1;
    const char *v;
    int fd = open("/proc/cmdline", O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, cmdline, sizeof(cmdline) - 1);
        cmdline[n > 0 ? n : 0] = 0;
        cmdline[strcspn(cmdline, "\n")] = 0;
        close(fd);
    }
    ok &= syscalls_check();
    if (param("loom.root"))
        ok &= root_check();
    if (param("loom.hwrng"))
        ok &= hwrng_check();
    if (param("loom.net") && !net_setup())
        return 0;
    if ((v = param("loom.fetch")))
        ok &= fetch(atoi(v));
    if ((v = param("loom.serve")))
        ok &= serve(atoi(v));
    return ok;
}

int main(void)
{
    static struct workload w = { .lock = PTHREAD_MUTEX_INITIALIZER };
    static struct worker workers[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    int cpus[MAX_THREADS];
    int ok = 1;

    setvbuf(stdout, NULL, _IOLBF, 0);
    mount_fs("proc", "/proc");
    mount_fs("sysfs", "/sys");

    if (!device_checks())
        ok = 0;

    long online = sysconf(_SC_NPROCESSORS_ONLN);
    printf("loom-init: cpus online: %ld\n", online);

    int n = online_cpus(cpus, MAX_THREADS);
    if (n != online) {
        printf("loom-init: affinity mask has %d cpus, sysconf says %ld\n", n, online);
        ok = 0;
    }
    if (n <= 0)
        n = 1, cpus[0] = 0;

    for (int i = 0; i < n; i++) {
        workers[i] = (struct worker){ .w = &w, .cpu = cpus[i] };
        int err = pthread_create(&tids[i], NULL, worker_main, &workers[i]);
        if (err) {
            printf("loom-init: pthread_create: %s\n", strerror(err));
            power_off();
        }
    }
    int pinned = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(tids[i], NULL);
        pinned += workers[i].pinned;
    }

    long want_atomic = (long)n * ATOMIC_ITERS;
    long want_mutex = (long)n * MUTEX_ITERS;
    long got_atomic = atomic_load(&w.atomic_count);
    int atomic_ok = got_atomic == want_atomic;
    int mutex_ok = w.mutex_count == want_mutex;
    printf("workload: threads=%d atomic=%ld (%s) mutex=%ld (%s)\n", n, got_atomic,
           atomic_ok ? "ok" : "BAD", w.mutex_count, mutex_ok ? "ok" : "BAD");
    if (pinned != n) {
        printf("loom-init: only %d of %d threads could be pinned\n", pinned, n);
        ok = 0;
    }
    ok = ok && atomic_ok && mutex_ok;
    printf("loom-init: %s\n", ok ? "PASS" : "FAIL");
    power_off();
    return 0;
}

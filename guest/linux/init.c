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
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
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
    reboot(RB_POWER_OFF);
    /* Only reached if the kernel has no poweroff handler. */
    printf("loom-init: reboot(RB_POWER_OFF) failed: %s\n", strerror(errno));
    fflush(stdout);
    for (;;)
        pause();
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

/*
 * exclusive.c — exclusive sections: run something while no other vCPU is in
 * guest code or translating (full flush, DESIGN.md §4.7).
 *
 * Protocol (a Dekker-style handshake, invariant V1 in docs/concurrency.md):
 *   vCPU:       running = true (seq_cst) ; read excl_active (seq_cst)
 *   exclusive:  excl_active = true (seq_cst) ; read every running (seq_cst)
 * With sequentially consistent stores and loads at least one side sees the
 * other: either the exclusive thread counts the vCPU (sets has_waiter and
 * waits for its vcpu_exec_end), or the vCPU sees excl_active and backs off
 * before touching any shared translation state.
 *
 * Locks: excl_lock is a leaf (nothing else is taken while holding it,
 * except vcpu->lock inside vcpu_kick, which takes no other lock).
 *
 * Device I/O threads (virtio) are not vCPUs but also touch the translation
 * state: a DMA write to a code page invalidates TBs (docs/devices.md "DMA
 * and SMC").  They hold io_lock for reading around their DMA writes
 * (vcpu_io_begin/end), and a section holds it for writing from the moment
 * no vCPU runs until it ends (INV V6), so a flush or reset never overlaps
 * an invalidation from a device thread.  Lock order: io_lock → device
 * locks; an I/O thread never waits for a vCPU while holding io_lock.
 */
#include <pthread.h>
#include <time.h>
#include "rcu/rcu.h"
#include "vcpu/vcpu_internal.h"

static pthread_mutex_t excl_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t excl_cond = PTHREAD_COND_INITIALIZER;   /* pending → 0 */
static pthread_cond_t excl_resume = PTHREAD_COND_INITIALIZER; /* section ended */
static _Atomic bool excl_active;
static unsigned pending_cpus;                                 /* excl_lock */
static _Atomic bool excl_body;          /* debug: the section's body runs */
static __thread char owner_token;       /* identifies the calling thread */
static pthread_rwlock_t io_lock = PTHREAD_RWLOCK_INITIALIZER;
static _Atomic unsigned io_inside;      /* debug: I/O threads in begin/end */
static __thread unsigned io_depth;      /* this I/O thread: inside begin/end */
/* The hart this thread runs now (set by vcpu_exec_start): its counters
 * take the exclusive sections the thread starts (NULL: not a vCPU). */
static __thread struct hstats *tls_stats;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool vcpu_in_exclusive_body(void)
{
    return atomic_load_explicit(&excl_body, memory_order_relaxed);
}

bool vcpu_is_owner(struct vcpu *v)
{
    return atomic_load_explicit(&v->owner, memory_order_relaxed) ==
           &owner_token;
}

void vcpu_exec_start(struct vcpu *v)
{
    atomic_store_explicit(&v->owner, &owner_token, memory_order_relaxed);
    tls_stats = &v->hart.stats;
    /* PAIRS: seq_cst with the excl_active store in vcpu_start_exclusive. */
    atomic_store(&v->running, true);
    if (!atomic_load(&excl_active))
        return;
    pthread_mutex_lock(&excl_lock);
    if (!v->has_waiter) {
        /* Not counted by the section: stay out until it ends. */
        atomic_store(&v->running, false);
        loom_rcu_offline();
        while (atomic_load(&excl_active))
            pthread_cond_wait(&excl_resume, &excl_lock);
        loom_rcu_online();
        atomic_store(&v->running, true);
    }
    /* Counted: the section waits for our next vcpu_exec_end. */
    pthread_mutex_unlock(&excl_lock);
}

void vcpu_exec_end(struct vcpu *v)
{
    /* PAIRS: seq_cst with the running loads in vcpu_start_exclusive. */
    atomic_store(&v->running, false);
    if (!atomic_load(&excl_active))
        return;
    pthread_mutex_lock(&excl_lock);
    if (v->has_waiter) {
        v->has_waiter = false;
        if (--pending_cpus == 0)
            pthread_cond_signal(&excl_cond);
    }
    pthread_mutex_unlock(&excl_lock);
}

/* Caller: not running (after vcpu_exec_end) or not a vCPU thread. */
void vcpu_start_exclusive(void)
{
    struct hstats *st = tls_stats;
    uint64_t t0 = st ? now_ns() : 0;

    pthread_mutex_lock(&excl_lock);
    loom_rcu_offline();
    while (atomic_load(&excl_active))
        pthread_cond_wait(&excl_resume, &excl_lock);
    /* PAIRS: seq_cst with the running store in vcpu_exec_start. */
    atomic_store(&excl_active, true);
    unsigned n = 0;
    for (unsigned i = 0; i < vcpu_count(); i++) {
        struct vcpu *v = vcpu_get(i);
        if (atomic_load(&v->running)) {
            v->has_waiter = true;
            n++;
            vcpu_kick(&v->hart);
        }
    }
    pending_cpus = n;
    while (pending_cpus > 0)
        pthread_cond_wait(&excl_cond, &excl_lock);
    INV_ASSERT(V1, pending_cpus == 0);
    /* INV(V1): every vCPU that was in guest code has left it; none enters
     * until vcpu_end_exclusive (uncounted ones wait in vcpu_exec_start). */
    for (unsigned i = 0; i < vcpu_count(); i++)
        INV_ASSERT(V1, !atomic_load_explicit(&vcpu_get(i)->in_guest,
                                             memory_order_relaxed));
    pthread_mutex_unlock(&excl_lock);
    /* INV(V6): no device thread between vcpu_io_begin and vcpu_io_end
     * while the body runs. */
    pthread_rwlock_wrlock(&io_lock);
    INV_ASSERT(V6, atomic_load_explicit(&io_inside, memory_order_relaxed) == 0);
    atomic_store_explicit(&excl_body, true, memory_order_relaxed);
    loom_rcu_online();
    if (st) {
        hstat_inc(st, HS_EXCL);
        hstat_add(&st->c[HS_EXCL_WAIT_NS], now_ns() - t0);
    }
}

void vcpu_end_exclusive(void)
{
    atomic_store_explicit(&excl_body, false, memory_order_relaxed);
    pthread_rwlock_unlock(&io_lock);
    pthread_mutex_lock(&excl_lock);
    atomic_store(&excl_active, false);
    pthread_cond_broadcast(&excl_resume);
    pthread_mutex_unlock(&excl_lock);
}

/* --- device I/O threads --------------------------------------------------- */

void vcpu_io_thread_start(void)
{
    loom_rcu_register();
    loom_rcu_offline();         /* online only between begin and end */
}

void vcpu_io_thread_stop(void)
{
    loom_rcu_unregister();
}

void vcpu_io_begin(void)
{
    pthread_rwlock_rdlock(&io_lock);
    /* Relaxed: only the V6 assertion reads it, under the write lock. */
    atomic_fetch_add_explicit(&io_inside, 1, memory_order_relaxed);
    io_depth++;
    loom_rcu_online();
}

void vcpu_io_end(void)
{
    loom_rcu_offline();
    io_depth--;
    atomic_fetch_sub_explicit(&io_inside, 1, memory_order_relaxed);
    pthread_rwlock_unlock(&io_lock);
}

bool vcpu_io_inside(void)
{
    return io_depth > 0;
}

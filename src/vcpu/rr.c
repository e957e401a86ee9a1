/*
 * rr.c — single-threaded round-robin mode (-accel tcg,thread=single): every
 * hart runs on one host thread, one time slice after another.
 *
 * The scheduler runs a hart until its exit flag is set — by a kick, or by
 * the slice timer, which kicks the current hart every RR_SLICE_NS — then
 * moves to the next runnable hart.  A halted hart (WFI, nothing pending) is
 * skipped; when every hart is halted the scheduler sleeps until a kick, and
 * the slice timer sleeps with it, so an idle machine uses no host CPU.
 *
 * This mode exists for comparison with MTTCG (same guest, same translator,
 * no parallelism); it shares every data structure with it, and exclusive
 * sections work unchanged (only the current hart is ever `running`).
 */
#include <string.h>
#include <time.h>
#include "rcu/rcu.h"
#include "util/error.h"
#include "vcpu/vcpu_internal.h"

#define RR_SLICE_NS (10 * 1000 * 1000)

bool vcpu_rr_mode;

static pthread_mutex_t rr_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rr_cond = PTHREAD_COND_INITIALIZER;
static bool rr_kicked;          /* rr_lock: a kick arrived while idle */
static bool rr_busy;            /* rr_lock: scheduler is running a hart */
static struct vcpu *_Atomic rr_current;

void vcpu_rr_kick(void)
{
    pthread_mutex_lock(&rr_lock);
    rr_kicked = true;
    pthread_cond_broadcast(&rr_cond);
    pthread_mutex_unlock(&rr_lock);
}

static void *rr_timer(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&rr_lock);
        while (!rr_busy)                      /* idle machine: sleep */
            pthread_cond_wait(&rr_cond, &rr_lock);
        pthread_mutex_unlock(&rr_lock);
        struct timespec ts = { 0, RR_SLICE_NS };
        nanosleep(&ts, NULL);
        struct vcpu *cur = atomic_load_explicit(&rr_current,
                                                memory_order_acquire);
        /* PAIRS: release store of exit_request in vcpu_kick. */
        if (cur)
            atomic_store_explicit(&cur->hart.exit_request, 1,
                                  memory_order_release);
    }
    return NULL;
}

static bool runnable(struct vcpu *v)
{
    return !v->hart.halted || rv_interrupt_pending(&v->hart) ||
           atomic_load_explicit(&v->hart.exit_request, memory_order_acquire);
}

static void *rr_thread(void *arg)
{
    (void)arg;
    vcpu_ir_bind(0);
    loom_rcu_register();
    for (;;) {
        bool ran = false;
        for (unsigned i = 0; i < vcpu_count(); i++) {
            struct vcpu *v = vcpu_get(i);
            if (!runnable(v))
                continue;
            ran = true;
            /* PAIRS: acquire load in rr_timer. */
            atomic_store_explicit(&rr_current, v, memory_order_release);
            vcpu_exec_start(v);
            vcpu_run_hart(v);
            vcpu_exec_end(v);
            atomic_store_explicit(&rr_current, NULL, memory_order_release);
        }
        pthread_mutex_lock(&rr_lock);
        if (!ran) {
            rr_busy = false;
            loom_rcu_offline();
            while (!rr_kicked)
                pthread_cond_wait(&rr_cond, &rr_lock);
            loom_rcu_online();
        }
        rr_kicked = false;
        rr_busy = true;
        pthread_cond_broadcast(&rr_cond);
        pthread_mutex_unlock(&rr_lock);
    }
    return NULL;
}

void vcpu_rr_start(pthread_t *thread)
{
    pthread_t timer;
    rr_busy = true;
    int r = pthread_create(&timer, NULL, rr_timer, NULL);
    if (!r)
        r = pthread_create(thread, NULL, rr_thread, NULL);
    if (r)          /* a host limit (ulimit -u / -v): exit 2, not abort */
        loom_resource_error("cannot start the round-robin vCPU thread: %s",
                            strerror(r));
    pthread_detach(timer);
}

/*
 * vcpu.c — creating the harts and their threads; kick and halt.
 *
 * Kick protocol (invariant V3): the kicker stores exit_request = 1 with
 * release order (so the state it published before — a pending-interrupt
 * bit, queued work — is visible to the vCPU that sees the flag), then
 * sets `kicked` under the vCPU's lock and signals.  A halted vCPU sleeps on
 * its condition variable and re-checks `kicked` and pending interrupts
 * under that lock, so no wake-up is lost.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "backend/backend.h"
#include "rcu/rcu.h"
#include "translate/translator.h"
#include "util/error.h"
#include "vcpu/vcpu_internal.h"

#define DEFAULT_TB_SIZE (256u << 20)

static struct vcpu *vcpus;
static unsigned nvcpus;

unsigned vcpu_count(void) { return nvcpus; }
struct vcpu *vcpu_get(unsigned i) { return &vcpus[i]; }
struct rv_hart *vcpu_hart(unsigned i)
{
    return i < nvcpus ? &vcpus[i].hart : NULL;
}

static void setup_backend(const struct vcpu_config *cfg)
{
    struct be_config bc = {
        .code_size = cfg->tb_size ? cfg->tb_size : DEFAULT_TB_SIZE,
        .max_threads = cfg->single_thread ? 1 : cfg->smp,
        .owner_size = sizeof(struct tb),
        .mem = {
            .tlb_offset = (int32_t)(offsetof(struct rv_hart, tlb) +
                                    offsetof(struct tlb, table)),
            .tlb_bits = TLB_BITS,
            .entry_shift = TLB_ENTRY_SHIFT,
            .page_bits = TLB_PAGE_BITS,
            .cmp_read_off = offsetof(struct tlb_entry, cmp_read),
            .cmp_write_off = offsetof(struct tlb_entry, cmp_write),
            .addend_off = offsetof(struct tlb_entry, addend),
        },
    };
    for (int i = 0; i < 4; i++) {
        bc.mem.ld_slow[i] = rv_ld_slow[i];
        bc.mem.st_slow[i] = rv_st_slow[i];
    }
    int r = be_init(&bc);
    if (r < 0)
        loom_user_error("cannot map a %zu MiB code buffer: %s",
                        bc.code_size >> 20, strerror(-r));
}

void vcpu_system_init(const struct vcpu_config *cfg, struct pmem *pm)
{
    if (cfg->smp < 1 || cfg->smp > VCPU_MAX)
        loom_user_error("-smp %u: between 1 and %d harts", cfg->smp, VCPU_MAX);
    vcpu_rr_mode = cfg->single_thread;
    vcpu_chaos_configure(cfg->chaos, cfg->chaos_seed);

    setup_backend(cfg);
    tr_runtime.unwind = vcpu_unwind;      /* the backend's, checked (E1) */
    tr_set_lookup_tb_ptr(vcpu_lookup_tb_ptr);
    tr_runtime.code_modified = vcpu_code_modified;
    tr_runtime.tlb_flush = vcpu_tlb_flush_hook;
    vcpu_dma_hook_init(pm);
    vcpu_tbht = tbht_new(1u << 14);

    nvcpus = cfg->smp;
    vcpus = aligned_alloc(LOOM_CACHELINE, ROUND_UP(sizeof(*vcpus) * nvcpus,
                                                   LOOM_CACHELINE));
    if (!vcpus)
        loom_resource_error("out of memory for %u vCPUs", nvcpus);
    memset(vcpus, 0, sizeof(*vcpus) * nvcpus);
    for (unsigned i = 0; i < nvcpus; i++) {
        struct vcpu *v = &vcpus[i];
        v->index = i;
        pthread_mutex_init(&v->lock, NULL);
        pthread_cond_init(&v->cond, NULL);
        v->work_tail = &v->work_head;
        rv_hart_init(&v->hart, i, pm);
        v->hart.vcpu = v;
        rv_hart_reset(&v->hart, 0x1000);
    }
    vcpu_ir_pool_init(vcpu_rr_mode ? 1 : nvcpus);
}

void vcpu_kick(struct rv_hart *h)
{
    struct vcpu *v = vcpu_of(h);
    /* PAIRS: with the acquire exchange in handle_exit_request (exec.c). */
    atomic_store_explicit(&h->exit_request, 1, memory_order_release);
    pthread_mutex_lock(&v->lock);
    v->kicked = true;
    pthread_cond_signal(&v->cond);
    pthread_mutex_unlock(&v->lock);
    if (vcpu_rr_mode)
        vcpu_rr_kick();           /* the one thread may be idle-sleeping */
}

void vcpu_wait_kick(struct vcpu *v)
{
    loom_rcu_offline();                  /* never delay a grace period */
    pthread_mutex_lock(&v->lock);
    while (!v->kicked && !rv_interrupt_pending(&v->hart))
        pthread_cond_wait(&v->cond, &v->lock);
    v->kicked = false;
    pthread_mutex_unlock(&v->lock);
    loom_rcu_online();
}

static void *vcpu_thread(void *arg)
{
    vcpu_loop(arg);
    return NULL;
}

void vcpu_run(void)
{
    vcpu_storm_start();
    vcpu_chaos_start();
    if (vcpu_rr_mode) {
        pthread_t t;
        vcpu_rr_start(&t);
        pthread_join(t, NULL);
        loom_exit(0);
    }
    for (unsigned i = 0; i < nvcpus; i++) {
        int r = pthread_create(&vcpus[i].thread, NULL, vcpu_thread, &vcpus[i]);
        /* The host's limit (ulimit -u, or -v for the stack), not a bug:
         * one line and exit 2 while the started harts run. */
        if (r)
            loom_resource_error("cannot start vCPU thread %u of %u: %s", i,
                                nvcpus, strerror(r));
    }
    /* The machine ends through loom_exit (test device); the main thread
     * only waits. */
    for (unsigned i = 0; i < nvcpus; i++)
        pthread_join(vcpus[i].thread, NULL);
    loom_exit(0);
}

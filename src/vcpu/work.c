/*
 * work.c — async run-on-cpu work (DESIGN.md §4.11: "remote work runs on the
 * target thread").
 *
 * Each vCPU has a FIFO of work items under its `lock`.  Submitters append
 * and kick; the owner drains the queue at its next safe point (the top of
 * the exec loop, where it holds no TB and is not in generated code), so
 * work may touch the owner's TLB and jump cache without any further
 * synchronisation (invariant V4: per-vCPU TLB and jump-cache writes happen
 * only on the owner thread, or in an exclusive section).
 */
#include <stdlib.h>
#include "util/error.h"
#include "vcpu/vcpu_internal.h"

struct vcpu_work {
    struct vcpu_work *next;
    vcpu_work_fn fn;
    void *arg;
    /* INV(V5) check: whom the submitter meant, and its place in that
     * target's submission order. */
    struct vcpu *target;
    uint64_t seq;
};

void vcpu_async_run(struct rv_hart *h, vcpu_work_fn fn, void *arg)
{
    struct vcpu *v = vcpu_of(h);
    struct vcpu_work *w = malloc(sizeof(*w));
    if (!w)
        loom_resource_error("out of memory queueing vCPU work");
    *w = (struct vcpu_work){ .fn = fn, .arg = arg, .target = v };
    pthread_mutex_lock(&v->lock);
    w->seq = ++v->work_queued;
    *v->work_tail = w;
    v->work_tail = &w->next;
    pthread_mutex_unlock(&v->lock);
    vcpu_kick(h);     /* its release store publishes the queued item */
}

void vcpu_async_run_all(vcpu_work_fn fn, void *arg)
{
    for (unsigned i = 0; i < vcpu_count(); i++)
        vcpu_async_run(vcpu_hart(i), fn, arg);
}

void vcpu_process_work(struct vcpu *v)
{
    INV_ASSERT(V5, vcpu_is_owner(v));     /* work runs on its target */
    pthread_mutex_lock(&v->lock);
    struct vcpu_work *w = v->work_head;
    v->work_head = NULL;
    v->work_tail = &v->work_head;
    pthread_mutex_unlock(&v->lock);
    while (w) {
        struct vcpu_work *next = w->next;
        /* INV(V5), from what the submitter recorded: this thread runs the
         * item's target, and items run in submission order, none lost or
         * run twice. */
        INV_ASSERT(V5, w->target == v && vcpu_is_owner(w->target) &&
                       w->seq == v->work_ran + 1);
        v->work_ran = w->seq;
        w->fn(&v->hart, w->arg);
        free(w);
        w = next;
    }
}

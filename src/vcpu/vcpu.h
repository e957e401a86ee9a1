/*
 * vcpu.h — vCPU threads and the exec loop (the top of the execution stack).
 *
 * One host thread per hart (MTTCG), or all harts round-robin on one thread
 * (-accel tcg,thread=single).  Each thread: register with RCU, claim a code
 * region lazily, and loop: take interrupts → find the TB for (pc, flags)
 * (jump cache → code TLB → TB hash → translate) → link the previous TB's
 * slot to it when allowed → run it.
 *
 * Exception protocol: guest exceptions raised inside generated code or
 * helpers siglongjmp to the loop's landing pad (rv_hart.jmp_env) after the
 * trap has been taken; the loop then simply continues at the new pc.
 */
#ifndef LOOM_VCPU_VCPU_H
#define LOOM_VCPU_VCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "softmmu/pmem.h"
#include "target/riscv/cpu.h"

#define VCPU_MAX 64

struct vcpu_config {
    unsigned smp;            /* harts, 1..VCPU_MAX */
    bool single_thread;      /* -accel tcg,thread=single */
    size_t tb_size;          /* code buffer bytes; 0 = default */
    bool chaos;              /* -accel tcg,chaos=SEED (chaos.c) */
    uint64_t chaos_seed;
};

/* Create the harts (reset at pc 0x1000, M mode) and the translation
 * machinery.  Exits with a clear error if the code buffer cannot be mapped. */
void vcpu_system_init(const struct vcpu_config *cfg, struct pmem *pm);
unsigned vcpu_count(void);
struct rv_hart *vcpu_hart(unsigned i);

/* Start every hart and run until the machine powers off (loom_exit from a
 * device) — does not return. */
NORETURN void vcpu_run(void);

/* Async run-on-cpu work: fn(h, arg) runs on h's vCPU thread at its next
 * safe point (between TBs, never inside generated code), in submission
 * order.  If the caller is h's own thread at a safe point, use
 * vcpu_run_on(..., true) to run it at once.  Any thread. */
typedef void (*vcpu_work_fn)(struct rv_hart *h, void *arg);
void vcpu_async_run(struct rv_hart *h, vcpu_work_fn fn, void *arg);
/* Queue fn on every hart (each runs it on its own thread). */
void vcpu_async_run_all(vcpu_work_fn fn, void *arg);

/* Machine reset (reset.c, docs/devices.md "Reset"): request it from any
 * thread, e.g. a device's MMIO write inside generated code; every hart
 * leaves guest code, and the reset runs in an exclusive section at the
 * next safe point: full TB flush, handler(opaque) (the board: devices,
 * ROM, images, FDT), then every hart resets itself at 0x1000.  The
 * handler is set once, before vcpu_run. */
typedef void (*vcpu_reset_fn)(void *opaque);
void vcpu_set_reset_handler(vcpu_reset_fn fn, void *opaque);
void vcpu_request_reset(void);
/* Machine resets done so far. */
unsigned vcpu_reset_count(void);

/* Device I/O threads (virtio device models, src/hw): a thread that writes
 * guest RAM with pmem_dma_write calls vcpu_io_thread_start once (RCU
 * registration), brackets every batch of DMA writes with vcpu_io_begin /
 * vcpu_io_end (no exclusive section runs in between; the thread must not
 * wait for a vCPU inside, and takes device locks only inside), and calls
 * vcpu_io_thread_stop before it exits.  A DMA write to a page holding
 * translated code invalidates its TBs like a CPU store (pmem's code-write
 * hook, set by vcpu_system_init). */
void vcpu_io_thread_start(void);
void vcpu_io_thread_stop(void);
void vcpu_io_begin(void);
void vcpu_io_end(void);
bool vcpu_io_inside(void);

/* Make hart h leave generated code soon and re-check interrupts; wakes it
 * from WFI.  Any thread. */
void vcpu_kick(struct rv_hart *h);

#endif

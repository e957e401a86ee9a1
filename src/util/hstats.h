/*
 * hstats.h — per-hart event counters (-d stats, -stats FILE; docs/stats.md).
 *
 * One struct hstats per hart, inside its struct rv_hart (so inside the
 * CACHE_ALIGNED struct vcpu, and aligned itself): no two harts' counters
 * share a cache line.  Written only by the thread running the hart, with
 * hstat_inc: a relaxed load and a relaxed store (a plain load/add/store on
 * x86-64, no locked instruction).  Read by any thread (the exit table, the
 * SIGUSR1 dump) with relaxed loads: a reader may see a count a few events
 * old, never a torn one.  The counters are always on: the increments sit
 * on C slow paths only (lookup, translation, traps, fills, helpers), never
 * in generated code; their cost is measured in docs/stats.md.
 */
#ifndef LOOM_UTIL_HSTATS_H
#define LOOM_UTIL_HSTATS_H

#include <stdatomic.h>
#include <stdint.h>
#include "util/compiler.h"

/* Counter ids; the names (JSON keys) are hstat_names[] in stats.c. */
enum hstat {
    HS_LOOP_TBS,        /* TBs entered from the exec loop (be_exec calls) */
    HS_TRANSLATIONS,    /* TBs this hart translated and published */
    HS_TBHT_LOOKUPS,    /* TB-hash lookups (after a jump-cache miss) */
    HS_TBHT_MISSES,     /* ... that found no valid TB */
    HS_JC_HITS,         /* jump-cache hits (loop and goto_ptr lookups) */
    HS_JC_MISSES,
    HS_PTR_LOOKUPS,     /* goto_ptr lookups from generated code */
    HS_EXIT_CHAIN,      /* be_exec returned through a goto_tb slot exit */
    HS_EXIT_NOCHAIN,    /* ... through an unchainable exit (indirect, ...) */
    HS_EXIT_REQUESTED,  /* ... at a TB's entry check (exit_request set) */
    HS_EXIT_TRAP,       /* left guest code by siglongjmp (trap taken) */
    HS_KICKS,           /* exit requests serviced at the loop top */
    HS_WFI_SLEEPS,      /* slept in WFI until kicked */
    HS_TLB_FILLS,       /* softmmu TLB entries filled (page walks done) */
    HS_TLB_FLUSHES,     /* whole-TLB flushes */
    HS_TLB_PAGE_FLUSHES,/* single-page TLB flushes */
    HS_SMC_INVAL,       /* TBs invalidated by this hart's code writes */
    HS_EXCL,            /* exclusive sections this hart started */
    HS_EXCL_WAIT_NS,    /* ns spent waiting for them to begin */
    HS_AMOS,            /* AMO helper calls */
    HS_SC,              /* SC helper calls */
    HS_SC_FAIL,         /* ... that failed */
    HS_N
};

#define HS_CAUSES 64    /* exception and interrupt codes 0..63 */

struct hstats {
    _Atomic uint64_t c[HS_N];
    _Atomic uint64_t exc[HS_CAUSES];    /* exceptions taken, by mcause */
    _Atomic uint64_t irq[HS_CAUSES];    /* interrupts taken, by code */
} CACHE_ALIGNED;

/* Owner thread only: not an atomic read-modify-write (no lock prefix);
 * relaxed so concurrent readers are race-free. */
static inline void hstat_add(_Atomic uint64_t *p, uint64_t n)
{
    atomic_store_explicit(p, atomic_load_explicit(p, memory_order_relaxed) + n,
                          memory_order_relaxed);
}
#define hstat_inc(s, id) hstat_add(&(s)->c[id], 1)

#endif

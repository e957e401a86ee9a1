/*
 * tbht.h — the shared TB hash table (QHT-style), keyed by
 * (physical pc, virtual pc, flags).  Lookups are lock-free and never write
 * shared memory; writers take a per-bucket spinlock.  See tbht.c for the
 * full contract (assumptions, features, bucket layout, resize protocol).
 *
 * Threads using it must be registered RCU readers (src/rcu): lookups run in
 * a QSBR read-side region (between quiescent states).
 */
#ifndef LOOM_TBHT_TBHT_H
#define LOOM_TBHT_TBHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tbht/tb.h"

struct tbht;

/* Loom's key hash (documented in tbht.c). */
uint32_t tbht_hash(uint64_t phys_pc, uint64_t pc, uint32_t flags);

/* n_elems: initial capacity hint; auto-resize grows it. */
struct tbht *tbht_new(size_t n_elems);
void tbht_destroy(struct tbht *ht);    /* no concurrent users */

/* Lookup: the published TB with this key, or NULL.  Caller: RCU reader. */
struct tb *tbht_lookup(struct tbht *ht, uint64_t phys_pc, uint64_t pc,
                       uint32_t flags, uint32_t hash);

/* Insert tb (its key and hash fields set, fully written).  Returns tb on
 * success, or the already-present TB with the same key (the racing twin
 * wins; tb was not inserted).  LP: the release store of the pointer. */
struct tb *tbht_insert(struct tbht *ht, struct tb *tb);

/* Remove tb; returns false if it was not present. */
bool tbht_remove(struct tbht *ht, struct tb *tb);

/* Resize to fit n_elems now (copying entries); false if the size would
 * not change.  Safe concurrently with every other operation; normally the
 * table grows by itself.  Caller: RCU reader. */
bool tbht_resize(struct tbht *ht, size_t n_elems);
/* Resizes (manual or automatic) that copied the table; any thread. */
unsigned long tbht_resize_count(struct tbht *ht);

/* Current number of head buckets (for tests and statistics). */
size_t tbht_n_buckets(struct tbht *ht);

/* Remove everything (exclusive context: full flush). */
void tbht_reset(struct tbht *ht);

size_t tbht_count(struct tbht *ht);    /* approximate under concurrency */

/* Tests only: a checksum of every bucket word of the current map (seqs,
 * locks, hashes, pointers).  Equal before and after a phase in which other
 * threads only looked up proves lookups wrote nothing (invariant T1).
 * Caller: RCU reader; no writer may run during the phase. */
uint64_t tbht_debug_checksum(struct tbht *ht);

/* Tests only: when set, every lookup calls it after reading each slot
 * (debug builds; compiled out under NDEBUG): a point where a test can
 * yield or act to force an interleaving, as liburcu's debug yield does.
 * Set it before the threads that look up start. */
extern void (*tbht_debug_scan_hook)(void);

/* Visit every entry (exclusive context or quiescent table). */
void tbht_foreach(struct tbht *ht, void (*fn)(struct tb *tb, void *arg),
                  void *arg);

#endif

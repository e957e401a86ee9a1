/*
 * virtqueue.c — split virtqueues, device side (see virtqueue.h).
 *
 * Ring layout (virtio 1.x §2.7): descriptor table of 16-byte entries
 * (addr u64, len u32, flags u16, next u16); available ring (flags u16,
 * idx u16, ring[num] u16, used_event u16); used ring (flags u16, idx u16,
 * ring[num] {id u32, len u32}, avail_event u16).  Little-endian.
 *
 * Ordering against the driver (another hart, running concurrently), with
 * no atomic_thread_fence (ThreadSanitizer does not support it):
 *   - avail->idx is read with an acquire load, then the entries and
 *     descriptors it covers (the driver writes them before its fence and
 *     the idx store);
 *   - a used entry is written, then used->idx with a seq_cst store
 *     (pmem_dma_st: a release store);
 *   - the interrupt decision reads used_event / avail flags, and vq_empty
 *     re-reads avail->idx after avail_event is published: each is a load
 *     after one of our stores of a word the driver reads (the driver does
 *     the mirror image), which TSO would reorder; the store is a seq_cst
 *     store (xchg on x86, a full barrier) and the loads are seq_cst.
 * The ring words are read with single-copy-atomic loads; every write goes
 * through pmem_dma_st / pmem_dma_write (code-page tracking).
 */
#include "hw/virtqueue.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include "softmmu/ram_access.h"

static uint64_t ld(const struct pmem *pm, uint64_t addr, unsigned size)
{
    /* The rings were checked to lie in RAM (vq_check_rings). */
    const void *p = pmem_host_ptr(pm, addr, size);
    return p ? ram_ld(p, size) : 0;
}

/* A 16-bit driver word (aligned: vq_check_rings) with the given order. */
static uint16_t ld16(const struct pmem *pm, uint64_t addr, int order)
{
    const uint16_t *p = pmem_host_ptr(pm, addr, 2);
    return p ? __atomic_load_n(p, order) : 0;
}

static void st(const struct pmem *pm, uint64_t addr, unsigned size,
               uint64_t v)
{
    /* In RAM and aligned (vq_check_rings): cannot fail. */
    (void)!pmem_dma_st(pm, addr, size, v);
}

static int fail(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return -1;
}

bool vq_check_rings(const struct pmem *pm, const struct vq *q, char *err,
                    size_t n)
{
    uint64_t num = q->num;

    if (!num || num > VQ_MAX_SIZE || (num & (num - 1))) {
        fail(err, n, "queue size %" PRIu64 " is not a power of two in "
             "1..%u", num, VQ_MAX_SIZE);
        return false;
    }
    /* Alignments of virtio 1.x §2.7: 16, 2, 4. */
    if ((q->desc & 15) || (q->avail & 1) || (q->used & 3)) {
        fail(err, n, "misaligned ring (desc 0x%" PRIx64 " avail 0x%" PRIx64
             " used 0x%" PRIx64 ")", q->desc, q->avail, q->used);
        return false;
    }
    if (!pmem_is_ram(pm, q->desc, 16 * num) ||
        !pmem_is_ram(pm, q->avail, 6 + 2 * num) ||
        !pmem_is_ram(pm, q->used, 6 + 8 * num)) {
        fail(err, n, "ring outside RAM (desc 0x%" PRIx64 " avail 0x%" PRIx64
             " used 0x%" PRIx64 ", size %" PRIu64 ")", q->desc, q->avail,
             q->used, num);
        return false;
    }
    return true;
}

static uint16_t avail_idx(const struct pmem *pm, const struct vq *q)
{
    /* Acquire (seq_cst, for vq_empty after vq_set_avail_event's store).
     * PAIRS: with the driver's write barrier before its avail->idx store:
     * the entries it published are read after the index. */
    return ld16(pm, q->avail + 2, __ATOMIC_SEQ_CST);
}

bool vq_empty(const struct pmem *pm, const struct vq *q)
{
    return avail_idx(pm, q) == q->last_avail;
}

struct raw_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};

static void read_desc(const struct pmem *pm, uint64_t table, unsigned i,
                      struct raw_desc *d)
{
    uint64_t a = table + 16ull * i;
    d->addr = ld(pm, a, 8);
    d->len = (uint32_t)ld(pm, a + 8, 4);
    d->flags = (uint16_t)ld(pm, a + 12, 2);
    d->next = (uint16_t)ld(pm, a + 14, 2);
}

int vq_pop(const struct pmem *pm, struct vq *q, struct vq_elem *e,
           char *err, size_t n)
{
    uint16_t idx = avail_idx(pm, q);
    uint16_t pending = (uint16_t)(idx - q->last_avail);
    uint64_t table = q->desc, total = 0;
    unsigned tsize = q->num, count = 0, i;
    bool in_indirect = false;
    struct raw_desc d;

    if (!pending)
        return 0;
    if (pending > q->num)
        return fail(err, n, "available index moved by %u entries, more than "
                    "the queue size %u", pending, q->num);
    i = (uint16_t)ld(pm, q->avail + 4 + 2ull * (q->last_avail & (q->num - 1)),
                     2);
    if (i >= q->num)
        return fail(err, n, "chain head %u outside the queue (size %u)", i,
                    q->num);
    e->head = (uint16_t)i;
    e->nout = e->nin = 0;
    e->out_len = e->in_len = 0;
    for (;;) {
        /* A chain visits each descriptor of its table at most once, so a
         * longer one loops (or is corrupt). */
        if (++count > tsize)
            return fail(err, n, "descriptor chain from %u loops (more than "
                        "%u descriptors%s)", e->head, tsize,
                        in_indirect ? " in its indirect table" : "");
        read_desc(pm, table, i, &d);
        if (d.flags & VRING_DESC_F_INDIRECT) {
            if (!q->indirect)
                return fail(err, n, "indirect descriptor %u without the "
                            "INDIRECT_DESC feature", i);
            if (in_indirect)
                return fail(err, n, "indirect descriptor %u inside an "
                            "indirect table", i);
            if (count != 1)
                return fail(err, n, "indirect descriptor %u not at the head "
                            "of its chain", i);
            if (d.flags & VRING_DESC_F_NEXT)
                return fail(err, n, "indirect descriptor %u has NEXT set", i);
            if (!d.len || (d.len & 15) || d.len / 16 > VQ_MAX_INDIRECT)
                return fail(err, n, "indirect table of %u bytes (want a "
                            "multiple of 16, at most %u entries)", d.len,
                            VQ_MAX_INDIRECT);
            /* No alignment rule for indirect tables (Linux's come from
             * kmalloc: 8-byte aligned); ld() copes with any. */
            if (!pmem_is_ram(pm, d.addr, d.len))
                return fail(err, n, "indirect table at 0x%" PRIx64 " (%u "
                            "bytes) outside RAM", d.addr, d.len);
            table = d.addr;
            tsize = d.len / 16;
            in_indirect = true;
            count = 0;
            i = 0;
            continue;
        }
        if (d.len) {
            if (!pmem_is_ram(pm, d.addr, d.len))
                return fail(err, n, "descriptor %u: buffer 0x%" PRIx64 " + %u "
                            "outside RAM", i, d.addr, d.len);
            total += d.len;
            if (total > VQ_MAX_BYTES)
                return fail(err, n, "request from descriptor %u longer than "
                            "%u bytes", e->head, VQ_MAX_BYTES);
            if (e->nout + e->nin >= VQ_MAX_SEGS)
                return fail(err, n, "request from descriptor %u has more "
                            "than %u segments", e->head, VQ_MAX_SEGS);
            if (d.flags & VRING_DESC_F_WRITE) {
                e->seg[e->nout + e->nin++] = (struct vq_seg){ d.addr, d.len };
                e->in_len += d.len;
            } else {
                if (e->nin)
                    return fail(err, n, "descriptor %u: readable buffer after "
                                "a writable one", i);
                e->seg[e->nout++] = (struct vq_seg){ d.addr, d.len };
                e->out_len += d.len;
            }
        }
        if (!(d.flags & VRING_DESC_F_NEXT))
            break;
        i = d.next;
        if (i >= tsize)
            return fail(err, n, "descriptor next %u outside its table (%u "
                        "entries)", i, tsize);
    }
    q->last_avail++;
    return 1;
}

void vq_unpop(struct vq *q)
{
    q->last_avail--;
}

bool vq_push(const struct pmem *pm, struct vq *q, uint16_t head,
             uint32_t len)
{
    uint64_t slot = q->used + 4 + 8ull * (q->used_idx & (q->num - 1));

    st(pm, slot, 4, head);
    st(pm, slot + 4, 4, len);
    /* A release store (pmem_dma_st).  PAIRS: with the driver's read
     * barrier after it reads used->idx: the entry is visible before the
     * index that covers it. */
    q->used_idx++;
    st(pm, q->used + 2, 2, q->used_idx);
    return true;
}

bool vq_should_notify(const struct pmem *pm, struct vq *q)
{
    /* Our used->idx store (seq_cst, vq_push) is ordered before these
     * seq_cst loads of the driver's flag / event (the driver stores those,
     * then reads used->idx).  PAIRS: with the driver's full barrier in its
     * interrupt-enable path. */
    if (!q->event_idx)
        return !(ld16(pm, q->avail, __ATOMIC_SEQ_CST) &
                 VRING_AVAIL_F_NO_INTERRUPT);
    uint16_t old = q->signalled_used, now = q->used_idx;
    bool valid = q->signalled_valid;
    q->signalled_used = now;
    q->signalled_valid = true;
    if (!valid)
        return true;
    uint16_t event = ld16(pm, q->avail + 4 + 2ull * q->num, __ATOMIC_SEQ_CST);
    /* vring_need_event: the driver asked to hear once used->idx passes
     * `event`; did it pass between old and now? */
    return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

void vq_set_avail_event(const struct pmem *pm, const struct vq *q)
{
    /* A seq_cst store (pmem_dma_st), ordered before the caller's seq_cst
     * re-read of avail->idx (vq_empty / vq_pop).  PAIRS: with the driver's
     * full barrier between its avail->idx store and its avail_event load. */
    if (q->event_idx)
        st(pm, q->used + 4 + 8ull * q->num, 2, q->last_avail);
}

static uint64_t copy(const struct pmem *pm, const struct vq_seg *seg,
                     unsigned nseg, uint64_t off, void *buf, uint64_t len,
                     bool to_guest)
{
    uint64_t done = 0;

    for (unsigned s = 0; s < nseg && done < len; s++) {
        if (off >= seg[s].len) {
            off -= seg[s].len;
            continue;
        }
        uint64_t k = seg[s].len - off;
        if (k > len - done)
            k = len - done;
        /* Checked by vq_pop to lie in RAM: cannot fail. */
        if (to_guest)
            (void)!pmem_dma_write(pm, seg[s].addr + off,
                                  (const uint8_t *)buf + done, k);
        else
            (void)!pmem_dma_read(pm, seg[s].addr + off, (uint8_t *)buf + done,
                                 k);
        done += k;
        off = 0;
    }
    return done;
}

uint64_t vq_copy_out(const struct pmem *pm, const struct vq_elem *e,
                     uint64_t off, void *buf, uint64_t len)
{
    return copy(pm, e->seg, e->nout, off, buf, len, false);
}

uint64_t vq_copy_in(const struct pmem *pm, const struct vq_elem *e,
                    uint64_t off, const void *buf, uint64_t len)
{
    return copy(pm, e->seg + e->nout, e->nin, off, (void *)buf, len, true);
}

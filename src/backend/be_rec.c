/*
 * be_rec.c — insn records: for every guest instruction of a block, the two
 * IR_INSN_START words and the host offset where its code ends.
 *
 * Format (docs/backend.md): rows are sleb128 deltas from the previous row,
 * three per row (data0, data1, host_end), seeded with (start_pc, 0, 0).
 * A block's record area is sleb128(start_pc) followed by the rows with
 * start_pc = data0 of the first instruction, so the first row's data0
 * delta is 0.  Row i covers host offsets [end(i-1), end(i)), end(-1) = 0.
 *
 * Pure functions; safe from any thread.
 */
#include "backend/be_int.h"

static int put_sleb(uint8_t *buf, size_t cap, size_t *pos, int64_t v)
{
    for (;;) {
        uint8_t byte = v & 0x7f;
        v >>= 7;                      /* arithmetic shift (gcc) */
        bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
        if (*pos >= cap)
            return -1;
        buf[(*pos)++] = done ? byte : byte | 0x80;
        if (done)
            return 0;
    }
}

static int get_sleb(const uint8_t *buf, size_t len, size_t *pos, int64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t byte;
    do {
        if (*pos >= len || shift >= 70)
            return -1;
        byte = buf[(*pos)++];
        if (shift < 64)
            v |= (uint64_t)(byte & 0x7f) << shift;
        shift += 7;
    } while (byte & 0x80);
    if (shift < 64 && (byte & 0x40))
        v |= ~0ULL << shift;
    *out = (int64_t)v;
    return 0;
}

int be_rec_encode(uint8_t *buf, size_t cap, uint64_t start_pc, unsigned n,
                  const uint64_t *data0, const uint64_t *data1,
                  const uint32_t *host_end)
{
    size_t pos = 0;
    uint64_t p0 = start_pc, p1 = 0;
    uint32_t pe = 0;
    for (unsigned i = 0; i < n; i++) {
        if (put_sleb(buf, cap, &pos, (int64_t)(data0[i] - p0)) ||
            put_sleb(buf, cap, &pos, (int64_t)(data1[i] - p1)) ||
            put_sleb(buf, cap, &pos, (int64_t)host_end[i] - (int64_t)pe))
            return -1;
        p0 = data0[i];
        p1 = data1[i];
        pe = host_end[i];
    }
    return (int)pos;
}

int be_rec_lookup(const uint8_t *buf, size_t len, uint64_t start_pc,
                  unsigned n, uint32_t host_off, uint64_t data[2])
{
    size_t pos = 0;
    uint64_t d0 = start_pc, d1 = 0;
    int64_t end = 0;
    for (unsigned i = 0; i < n; i++) {
        int64_t a, b, c;
        if (get_sleb(buf, len, &pos, &a) || get_sleb(buf, len, &pos, &b) ||
            get_sleb(buf, len, &pos, &c))
            return -1;
        d0 += (uint64_t)a;
        d1 += (uint64_t)b;
        end += c;
        if ((int64_t)host_off < end) {
            data[0] = d0;
            data[1] = d1;
            return (int)i;
        }
    }
    return -1;
}

int be_rec_write(uint8_t *buf, size_t cap, unsigned n, const uint64_t *d0,
                 const uint64_t *d1, const uint32_t *end)
{
    size_t pos = 0;
    uint64_t start = n ? d0[0] : 0;
    if (put_sleb(buf, cap, &pos, (int64_t)start))
        return -1;
    int r = be_rec_encode(buf + pos, cap - pos, start, n, d0, d1, end);
    return r < 0 ? -1 : (int)pos + r;
}

/* host_pc is a return address (GETPC() or the retaddr passed to a slow
 * path): the instruction it belongs to is the one holding the byte before
 * it, which is inside the call (or the TLB-check jump).  This also covers a
 * call that ends a guest instruction, whose return address is the first
 * byte of the next one. */
int be_block_unwind(const struct be_block *b, uintptr_t host_pc,
                    uint64_t data[2])
{
    uintptr_t code = (uintptr_t)b->code;
    if (host_pc <= code || host_pc > code + b->code_size)
        return -1;
    const uint8_t *rec = b->code + b->code_size;
    size_t pos = 0;
    int64_t start;
    if (get_sleb(rec, b->rec_size, &pos, &start))
        return -1;
    return be_rec_lookup(rec + pos, b->rec_size - pos, (uint64_t)start,
                         b->icount, (uint32_t)(host_pc - 1 - code), data);
}

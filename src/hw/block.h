/*
 * block.h — the host side of a disk: a raw image file (-drive
 * file=F,format=raw).  Used by virtio-blk on its I/O thread only (one
 * thread per backend: no internal locking).
 *
 * Options (QEMU's spellings): readonly=on (opened O_RDONLY, writes fail),
 * snapshot=on (the image is opened read-only; writes go to an anonymous
 * temporary overlay that vanishes at exit), cache=writeback (the default:
 * the host page cache; a guest flush is fdatasync) or cache=none (O_DIRECT
 * where the request is 4 KiB aligned, the page cache otherwise; flush is
 * fdatasync as well).  The image is locked with flock: exclusive for a
 * writable image, shared for readonly/snapshot, so a second process that
 * would write the same image gets a clear error.
 */
#ifndef LOOM_HW_BLOCK_H
#define LOOM_HW_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLK_SECTOR 512u

enum blk_cache { BLK_CACHE_WRITEBACK, BLK_CACHE_NONE };

struct blk_opts {
    const char *file;
    bool readonly, snapshot;
    enum blk_cache cache;
};

struct blk;

/* Open and lock the image.  NULL with a one-line message (missing,
 * unreadable, not a multiple of 512 bytes, locked, O_DIRECT refused). */
struct blk *blk_open(const struct blk_opts *o, char *err, size_t n);
uint64_t blk_size(const struct blk *b);          /* bytes */
bool blk_readonly(const struct blk *b);           /* guest may not write */
/* Sector-aligned I/O within the image; 0 or -errno. */
int blk_read(struct blk *b, void *buf, uint64_t len, uint64_t off);
int blk_write(struct blk *b, const void *buf, uint64_t len, uint64_t off);
int blk_flush(struct blk *b);
int blk_discard(struct blk *b, uint64_t off, uint64_t len);
int blk_write_zeroes(struct blk *b, uint64_t off, uint64_t len);

#endif

/*
 * block.c — raw image files for virtio-blk (see block.h).
 *
 * snapshot=on: the image is read-only; an anonymous temporary file of the
 * same size holds the sectors the guest wrote, and a bitmap (one bit per
 * 512-byte sector) says which sectors live there.  Reads take each run of
 * sectors from the overlay or the image.
 */
#include "hw/block.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util/error.h"

#define DIO_ALIGN 4096u

struct blk {
    int fd;                     /* the image */
    int dfd;                    /* cache=none: O_DIRECT descriptor, or -1 */
    int ofd;                    /* snapshot overlay, or -1 */
    uint8_t *obits;             /* snapshot: sector in the overlay */
    uint64_t size;
    bool readonly;
};

static int fail(char *err, size_t n, const char *file, const char *what,
                int e)
{
    snprintf(err, n, "-drive file=%s: %s%s%s", file, what, e ? ": " : "",
             e ? strerror(e) : "");
    return -1;
}

static int overlay_open(struct blk *b)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];

    if (!dir || !*dir)
        dir = "/tmp";
    b->ofd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (b->ofd < 0) {
        snprintf(path, sizeof(path), "%s/loom-snapshot-XXXXXX", dir);
        b->ofd = mkostemp(path, O_CLOEXEC);
        if (b->ofd < 0)
            return -errno;
        unlink(path);
    }
    if (ftruncate(b->ofd, (off_t)b->size) < 0)
        return -errno;
    b->obits = calloc(b->size / BLK_SECTOR / 8 + 1, 1);
    return b->obits ? 0 : -ENOMEM;
}

struct blk *blk_open(const struct blk_opts *o, char *err, size_t n)
{
    struct blk *b = calloc(1, sizeof(*b));
    bool rdonly = o->readonly || o->snapshot;
    struct stat st;
    int e;

    if (!b)
        loom_fatal("out of memory for a block device");
    b->dfd = b->ofd = -1;
    b->readonly = o->readonly;
    b->fd = open(o->file, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (b->fd < 0) {
        fail(err, n, o->file, "cannot open", errno);
        goto out;
    }
    if (fstat(b->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        fail(err, n, o->file, "not a regular file", 0);
        goto out;
    }
    b->size = (uint64_t)st.st_size;
    if (b->size % BLK_SECTOR) {
        snprintf(err, n, "-drive file=%s: size %llu is not a multiple of "
                 "%u bytes", o->file, (unsigned long long)b->size,
                 BLK_SECTOR);
        goto out;
    }
    /* A writer excludes everyone; readers share. */
    if (flock(b->fd, (rdonly ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            fail(err, n, o->file, rdonly ?
                 "image is locked for writing by another process" :
                 "image is in use by another process (locked); use "
                 "readonly=on or snapshot=on to share it", 0);
        else
            fail(err, n, o->file, "cannot lock", errno);
        goto out;
    }
    if (o->cache == BLK_CACHE_NONE) {
        b->dfd = open(o->file, (rdonly ? O_RDONLY : O_RDWR) | O_DIRECT |
                      O_CLOEXEC);
        if (b->dfd < 0) {
            fail(err, n, o->file, "cache=none: cannot open with O_DIRECT",
                 errno);
            goto out;
        }
    }
    if (o->snapshot && (e = overlay_open(b)) < 0) {
        fail(err, n, o->file, "snapshot=on: cannot create the overlay", -e);
        goto out;
    }
    return b;
out:
    if (b->fd >= 0)
        close(b->fd);
    if (b->dfd >= 0)
        close(b->dfd);
    if (b->ofd >= 0)
        close(b->ofd);
    free(b->obits);
    free(b);
    return NULL;
}

uint64_t blk_size(const struct blk *b)
{
    return b->size;
}

bool blk_readonly(const struct blk *b)
{
    return b->readonly;
}

static bool dio_ok(const struct blk *b, const void *buf, uint64_t len,
                   uint64_t off)
{
    return b->dfd >= 0 && !((uintptr_t)buf % DIO_ALIGN) &&
           !(len % DIO_ALIGN) && !(off % DIO_ALIGN);
}

/* Whole-range pread/pwrite (retrying short transfers and EINTR). */
static int xfer(int fd, void *buf, uint64_t len, uint64_t off, bool wr)
{
    while (len) {
        ssize_t k = wr ? pwrite(fd, buf, len, (off_t)off)
                       : pread(fd, buf, len, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        if (k == 0) {
            if (wr)
                return -EIO;
            memset(buf, 0, len);    /* the file shrank under us */
            return 0;
        }
        buf = (uint8_t *)buf + k;
        len -= (uint64_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

static bool in_overlay(const struct blk *b, uint64_t s)
{
    return b->obits[s / 8] & (1u << (s % 8));
}

int blk_read(struct blk *b, void *buf, uint64_t len, uint64_t off)
{
    if (off > b->size || len > b->size - off)
        return -EINVAL;
    if (b->ofd < 0)
        return xfer(dio_ok(b, buf, len, off) ? b->dfd : b->fd, buf, len, off,
                    false);
    /* Runs of sectors from the overlay or the image. */
    uint64_t s = off / BLK_SECTOR, end = (off + len) / BLK_SECTOR;
    uint8_t *p = buf;
    while (s < end) {
        bool ov = in_overlay(b, s);
        uint64_t e = s + 1;
        while (e < end && in_overlay(b, e) == ov)
            e++;
        int r = xfer(ov ? b->ofd : b->fd, p, (e - s) * BLK_SECTOR,
                     s * BLK_SECTOR, false);
        if (r)
            return r;
        p += (e - s) * BLK_SECTOR;
        s = e;
    }
    return 0;
}

int blk_write(struct blk *b, const void *buf, uint64_t len, uint64_t off)
{
    if (b->readonly)
        return -EROFS;
    if (off > b->size || len > b->size - off)
        return -EINVAL;
    if (b->ofd < 0)
        return xfer(dio_ok(b, buf, len, off) ? b->dfd : b->fd, (void *)buf,
                    len, off, true);
    int r = xfer(b->ofd, (void *)buf, len, off, true);
    if (r)
        return r;
    for (uint64_t s = off / BLK_SECTOR; s < (off + len) / BLK_SECTOR; s++)
        b->obits[s / 8] |= (uint8_t)(1u << (s % 8));
    return 0;
}

int blk_flush(struct blk *b)
{
    if (b->readonly || b->ofd >= 0)
        return 0;               /* nothing of ours to make durable */
    /* fdatasync covers the O_DIRECT descriptor's writes too (same file). */
    return fdatasync(b->fd) < 0 ? -errno : 0;
}

int blk_discard(struct blk *b, uint64_t off, uint64_t len)
{
    if (b->readonly)
        return -EROFS;
    if (off > b->size || len > b->size - off)
        return -EINVAL;
    if (b->ofd >= 0)
        return 0;               /* advisory: keep the overlay as it is */
    if (fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)off, (off_t)len) < 0 &&
        errno != EOPNOTSUPP)
        return -errno;
    return 0;
}

int blk_write_zeroes(struct blk *b, uint64_t off, uint64_t len)
{
    static const uint8_t zero[64 * 1024];

    if (b->readonly)
        return -EROFS;
    if (off > b->size || len > b->size - off)
        return -EINVAL;
    /* A punched hole reads as zeroes; where the file system cannot punch
     * (or in a snapshot), write them. */
    if (b->ofd < 0 &&
        fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)off, (off_t)len) == 0)
        return 0;
    while (len) {
        uint64_t k = len < sizeof(zero) ? len : sizeof(zero);
        int r = blk_write(b, zero, k, off);
        if (r)
            return r;
        off += k;
        len -= k;
    }
    return 0;
}

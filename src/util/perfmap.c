/*
 * perfmap.c — perf map and jitdump writers (perfmap.h).
 *
 * The jitdump layout follows perf's tools/perf/util/jitdump.h (version 1):
 * a 40-byte file header (magic "JiTD" as a host-order word, version,
 * header size, ELF machine, pad, pid, timestamp, flags), then records that
 * start with (id, total size, timestamp); JIT_CODE_LOAD (id 0) adds pid,
 * tid, vma, code address, code size, code index, the NUL-terminated name
 * and the code bytes.  Timestamps are CLOCK_MONOTONIC nanoseconds, the
 * clock `perf record -k mono` uses.
 */
#include "util/perfmap.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"

bool perfmap_enabled;

static int map_fd = -1, dump_fd = -1;
static char map_path[64], dump_path[64];
static perfmap_symbolizer symbolizer;
static _Atomic uint64_t code_index;   /* jitdump: unique per record */

#define JITDUMP_MAGIC   0x4A695444u
#define JITDUMP_VERSION 1
#define JIT_CODE_LOAD   0

struct jitdump_header {
    uint32_t magic, version, total_size, elf_mach, pad1, pid;
    uint64_t timestamp, flags;
};
struct jitdump_code_load {
    uint32_t id, total_size;
    uint64_t timestamp;
    uint32_t pid, tid;
    uint64_t vma, code_addr, code_size, code_index;
};
_Static_assert(sizeof(struct jitdump_header) == 40, "jitdump header");
_Static_assert(sizeof(struct jitdump_code_load) == 56, "jitdump record");

static uint64_t perfmap_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One whole write, or a warning (perf output is best effort once
 * running: a full disk must not stop the guest). */
static void perfmap_write(int fd, const void *buf, size_t len)
{
    ssize_t r = write(fd, buf, len);
    if (r != (ssize_t)len) {
        static atomic_bool warned;
        if (!atomic_exchange(&warned, true))
            loom_warn("perf map: write failed: %s",
                      r < 0 ? strerror(errno) : "short write");
    }
}

static int perfmap_open(char *path, size_t pathlen, const char *fmt,
                        char *err, size_t n)
{
    snprintf(path, pathlen, fmt, (int)getpid());
    /* O_RDWR: the jitdump is also mapped (PROT_EXEC needs a readable fd). */
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
                  0644);
    if (fd < 0)
        return loom_errorf(err, n, "cannot create %s: %s", path,
                           strerror(errno));
    return fd;
}

int perfmap_init(bool map, bool jitdump, char *err, size_t n)
{
    if (map) {
        map_fd = perfmap_open(map_path, sizeof(map_path), "/tmp/perf-%d.map",
                              err, n);
        if (map_fd < 0)
            return -1;
    }
    if (jitdump) {
        /* perf finds the dump by the name jit-PID.dump in an mmap event. */
        dump_fd = perfmap_open(dump_path, sizeof(dump_path),
                               "/tmp/jit-%d.dump", err, n);
        if (dump_fd < 0)
            return -1;
        struct jitdump_header hd = {
            .magic = JITDUMP_MAGIC, .version = JITDUMP_VERSION,
            .total_size = sizeof(hd), .elf_mach = EM_X86_64,
            .pid = (uint32_t)getpid(), .timestamp = perfmap_now(),
        };
        if (write(dump_fd, &hd, sizeof(hd)) != (ssize_t)sizeof(hd))
            return loom_errorf(err, n, "cannot write %s: %s", dump_path,
                               strerror(errno));
        /* The marker mapping perf record looks for; kept for the
         * process's life (never unmapped). */
        void *m = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE),
                       PROT_READ | PROT_EXEC, MAP_PRIVATE, dump_fd, 0);
        if (m == MAP_FAILED)
            return loom_errorf(err, n, "cannot map %s: %s", dump_path,
                               strerror(errno));
    }
    perfmap_enabled = map || jitdump;
    return 0;
}

void perfmap_set_symbolizer(perfmap_symbolizer fn)
{
    symbolizer = fn;
}

const char *perfmap_map_path(void)
{
    return map_fd >= 0 ? map_path : "";
}

const char *perfmap_dump_path(void)
{
    return dump_fd >= 0 ? dump_path : "";
}

static void perfmap_name(char *buf, size_t n, uint64_t pc)
{
    uint64_t off = 0;
    const char *sym = symbolizer ? symbolizer(pc, &off) : NULL;

    if (sym)
        snprintf(buf, n, "%s+0x%llx [guest 0x%llx]", sym,
                 (unsigned long long)off, (unsigned long long)pc);
    else
        snprintf(buf, n, "[guest 0x%llx]", (unsigned long long)pc);
}

void perfmap_tb(const void *code, size_t size, uint64_t guest_pc)
{
    char name[192];

    perfmap_name(name, sizeof(name), guest_pc);
    if (map_fd >= 0) {
        char line[256];
        int len = snprintf(line, sizeof(line), "%lx %zx %s\n",
                           (unsigned long)(uintptr_t)code, size, name);
        perfmap_write(map_fd, line, (size_t)len);
    }
    if (dump_fd >= 0) {
        size_t nlen = strlen(name) + 1;
        size_t total = sizeof(struct jitdump_code_load) + nlen + size;
        uint8_t *rec = malloc(total);
        if (!rec)
            return;                  /* best effort, like a failed write */
        struct jitdump_code_load r = {
            .id = JIT_CODE_LOAD, .total_size = (uint32_t)total,
            .timestamp = perfmap_now(), .pid = (uint32_t)getpid(),
            .tid = (uint32_t)syscall(SYS_gettid),
            .vma = (uint64_t)(uintptr_t)code,
            .code_addr = (uint64_t)(uintptr_t)code, .code_size = size,
            /* Relaxed: only uniqueness matters, no ordering. */
            .code_index = atomic_fetch_add_explicit(&code_index, 1,
                                                    memory_order_relaxed),
        };
        memcpy(rec, &r, sizeof(r));
        memcpy(rec + sizeof(r), name, nlen);
        memcpy(rec + sizeof(r) + nlen, code, size);
        perfmap_write(dump_fd, rec, total);
        free(rec);
    }
}

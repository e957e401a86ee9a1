/*
 * perfmap.h — naming generated code for the host's perf (-perfmap,
 * -jitdump, QEMU 8.1's spelling; docs/cli.md "perf").
 *
 *   -perfmap  /tmp/perf-PID.map: one line "START SIZE NAME" per TB (hex
 *             host address and size), which `perf report` reads by itself;
 *   -jitdump  /tmp/jit-PID.dump in perf's jitdump format (a header, then
 *             one JIT_CODE_LOAD record per TB with its code bytes), mapped
 *             executable once so `perf record -k mono` sees it and `perf
 *             inject --jit` can turn it into symbols.
 * NAME is the guest function and offset when a symbolizer is set (the
 * board gives the -kernel ELF's symbol table) and the guest pc:
 * "main+0x1c [guest 0x800001a4]", or "[guest 0x800001a4]" without one.
 *
 * Thread safety: perfmap_tb is called by every vCPU thread as it publishes
 * TBs, with no lock: each entry or record is one write(2) to a file opened
 * O_APPEND, which the kernel appends atomically, and the jitdump code
 * index is an atomic counter.  perfmap_init and perfmap_set_symbolizer run
 * at start-up, before any vCPU thread.
 *
 * Limitation: a full code-buffer flush reuses host addresses; later
 * entries for an address describe the code there from then on (the map
 * has no timestamps; the jitdump records do).
 */
#ifndef LOOM_UTIL_PERFMAP_H
#define LOOM_UTIL_PERFMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True once perfmap_init opened a file: tested before each perfmap_tb. */
extern bool perfmap_enabled;

/* Open the files asked for; 0, or -1 with one line in err[errlen]. */
int perfmap_init(bool map, bool jitdump, char *err, size_t errlen);

/* The guest symbol containing pc: its name and *off = pc - its start, or
 * NULL.  Must be callable from any thread (read-only data). */
typedef const char *(*perfmap_symbolizer)(uint64_t pc, uint64_t *off);
void perfmap_set_symbolizer(perfmap_symbolizer fn);

/* A TB for guest pc now lives at [code, code + size) (final: it will run). */
void perfmap_tb(const void *code, size_t size, uint64_t guest_pc);

/* The file names in use ("" when not open), for messages and tests. */
const char *perfmap_map_path(void);
const char *perfmap_dump_path(void);

#endif

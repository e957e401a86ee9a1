/*
 * elfsym.h — the function symbols of a guest ELF (-kernel), for naming
 * translated code in perf maps (util/perfmap.h).
 *
 * One table per process, built once at start-up from the image bytes
 * (before vCPU threads run) and read-only afterwards, so elfsym_lookup may
 * be called from any thread.  The ELF is untrusted: every offset is
 * bounds-checked; a malformed or stripped symbol table just yields no
 * symbols.
 */
#ifndef LOOM_MACHINE_ELFSYM_H
#define LOOM_MACHINE_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

/* Collect the code symbols (STT_FUNC, and STT_NOTYPE labels in executable
 * sections, e.g. assembly entry points; not mapping symbols "$x"/local
 * ".L" labels) of the ELF in buf.  Returns how many (0 for none), or -1 if
 * out of memory. */
int elfsym_load(const uint8_t *buf, size_t len);

/* The symbol containing virtual address pc: a FUNC of nonzero size covers
 * [value, value + size); other symbols reach to the next symbol or their
 * section's end.  Returns the name and *off = pc - value, or NULL. */
const char *elfsym_lookup(uint64_t pc, uint64_t *off);

/* Drop the table (tests). */
void elfsym_free(void);

#endif

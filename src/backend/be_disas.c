/*
 * be_disas.c — -d out_asm: host code through capstone, one instruction per
 * line ("  0x<addr>:  <mnemonic> <operands>").  Any thread; capstone
 * handles are per call.
 */
#include "backend/backend.h"

#include <capstone/capstone.h>
#include <inttypes.h>

void be_disas(FILE *f, const void *code, size_t size)
{
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
        fprintf(f, "  (capstone unavailable)\n");
        return;
    }
    cs_insn *insn;
    size_t n = cs_disasm(h, code, size, (uint64_t)(uintptr_t)code, 0, &insn);
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  0x%016" PRIx64 ":  %-8s %s\n", insn[i].address,
                insn[i].mnemonic, insn[i].op_str);
        done += insn[i].size;
    }
    if (n)
        cs_free(insn, n);
    if (done < size)
        fprintf(f, "  0x%016" PRIxPTR ":  .byte (%zu undecoded)\n",
                (uintptr_t)code + done, size - done);
    cs_close(&h);
}

/*
 * bootrom.c — encode the boot ROM's reset vector (see bootrom.h for the
 * program).  The start and FDT addresses are data words loaded with `ld`
 * rather than immediates, so any 64-bit address works with a fixed-length
 * sequence.  Little-endian throughout: the image is copied to the ROM as is.
 */
#include "machine/bootrom.h"

#include <assert.h>
#include <string.h>

enum {
    OP_LOAD   = 0x03,
    OP_OPIMM  = 0x13,
    OP_AUIPC  = 0x17,
    OP_JALR   = 0x67,
    OP_SYSTEM = 0x73,
};

enum {
    F3_ADDI  = 0,
    F3_LD    = 3,
    F3_JALR  = 0,
    F3_CSRRS = 2,
};

/* I-type: imm[11:0] | rs1 | funct3 | rd | opcode. */
static uint32_t enc_i(unsigned op, unsigned f3, unsigned rd, unsigned rs1,
                      int32_t imm)
{
    assert(rd < 32 && rs1 < 32 && imm >= -2048 && imm < 2048);
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

uint32_t bootrom_enc_auipc(unsigned rd, int32_t imm20)
{
    assert(rd < 32 && imm20 >= -(1 << 19) && imm20 < (1 << 19));
    return ((uint32_t)imm20 & 0xfffff) << 12 | rd << 7 | OP_AUIPC;
}

uint32_t bootrom_enc_addi(unsigned rd, unsigned rs1, int32_t imm12)
{
    return enc_i(OP_OPIMM, F3_ADDI, rd, rs1, imm12);
}

uint32_t bootrom_enc_ld(unsigned rd, unsigned rs1, int32_t imm12)
{
    return enc_i(OP_LOAD, F3_LD, rd, rs1, imm12);
}

uint32_t bootrom_enc_jalr(unsigned rd, unsigned rs1, int32_t imm12)
{
    return enc_i(OP_JALR, F3_JALR, rd, rs1, imm12);
}

/* csrr rd, csr == csrrs rd, csr, x0 (the CSR number sits in the imm). */
uint32_t bootrom_enc_csrr(unsigned rd, unsigned csr)
{
    assert(csr < 4096);
    return csr << 20 | 0u << 15 | F3_CSRRS << 12 | rd << 7 | OP_SYSTEM;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

void bootrom_build(uint8_t buf[BOOTROM_LEN], uint64_t start_addr,
                   uint64_t fdt_addr, uint64_t next_addr)
{
    const uint32_t code[] = {
        bootrom_enc_auipc(RV_T0, 0),
        bootrom_enc_addi(RV_A2, RV_T0, BOOTROM_INFO),
        bootrom_enc_csrr(RV_A0, RV_CSR_MHARTID),
        bootrom_enc_ld(RV_A1, RV_T0, BOOTROM_FDT),
        bootrom_enc_ld(RV_T0, RV_T0, BOOTROM_START),
        bootrom_enc_jalr(0, RV_T0, 0),
    };
    _Static_assert(sizeof(code) == BOOTROM_START, "data follows the code");
    uint8_t *info = buf + BOOTROM_INFO;

    memset(buf, 0, BOOTROM_LEN);
    for (size_t i = 0; i < sizeof(code) / sizeof(code[0]); i++)
        put32(buf + 4 * i, code[i]);
    put64(buf + BOOTROM_START, start_addr);
    put64(buf + BOOTROM_FDT, fdt_addr);
    put64(info + 0, FW_DYNAMIC_MAGIC);
    put64(info + 8, FW_DYNAMIC_VERSION);
    put64(info + 16, next_addr);
    put64(info + 24, FW_DYNAMIC_NEXT_MODE_S);
    put64(info + 32, 0);                /* options */
    put64(info + 40, UINT64_MAX);       /* boot_hart: any (lottery) */
}

/*
 * bootrom.h — the reset vector the virt board puts in its boot ROM, and the
 * tiny RISC-V encoder that produces it (no hex opcodes elsewhere).
 *
 * Every hart resets at BOOTROM_BASE in M mode and runs:
 *     auipc t0, 0                   t0 = ROM base
 *     addi  a2, t0, BOOTROM_INFO    a2 = &fw_dynamic_info (OpenSBI)
 *     csrr  a0, mhartid             a0 = hart id
 *     ld    a1, BOOTROM_FDT(t0)     a1 = FDT address
 *     ld    t0, BOOTROM_START(t0)   start address (64-bit data word)
 *     jr    t0
 * followed by the two data words and OpenSBI's fw_dynamic_info (version 2:
 * magic "OSBI", version, next_addr, next_mode, options, boot_hart).
 */
#ifndef LOOM_MACHINE_BOOTROM_H
#define LOOM_MACHINE_BOOTROM_H

#include <stddef.h>
#include <stdint.h>

#define BOOTROM_BASE   0x1000ull
#define BOOTROM_SIZE   0xf000ull     /* QEMU virt's mrom size */

/* Byte offsets inside the ROM image. */
#define BOOTROM_START  24            /* u64: where the harts jump */
#define BOOTROM_FDT    32            /* u64: FDT address for a1 */
#define BOOTROM_INFO   40            /* struct fw_dynamic_info */
#define BOOTROM_LEN    (BOOTROM_INFO + 6 * 8)

#define FW_DYNAMIC_MAGIC      0x4942534full   /* "OSBI" */
#define FW_DYNAMIC_VERSION    2
#define FW_DYNAMIC_NEXT_MODE_S 1

/* RISC-V integer registers used by the reset vector. */
enum { RV_T0 = 5, RV_A0 = 10, RV_A1 = 11, RV_A2 = 12 };
#define RV_CSR_MHARTID 0xf14

/* The encoder: one 32-bit instruction word each. */
uint32_t bootrom_enc_auipc(unsigned rd, int32_t imm20);
uint32_t bootrom_enc_addi(unsigned rd, unsigned rs1, int32_t imm12);
uint32_t bootrom_enc_ld(unsigned rd, unsigned rs1, int32_t imm12);
uint32_t bootrom_enc_jalr(unsigned rd, unsigned rs1, int32_t imm12);
uint32_t bootrom_enc_csrr(unsigned rd, unsigned csr);

/* Fill buf[BOOTROM_LEN] with the reset vector and its data; next_addr is
 * the stage after the firmware (the kernel, or 0 when none). */
void bootrom_build(uint8_t buf[BOOTROM_LEN], uint64_t start_addr,
                   uint64_t fdt_addr, uint64_t next_addr);

#endif

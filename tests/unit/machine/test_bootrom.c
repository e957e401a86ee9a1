/* test_bootrom.c — the reset-vector encoder against encodings produced by
 * the GNU assembler (riscv64-unknown-elf-as), and the ROM image layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "machine/bootrom.h"

static void test_encoder(void **state)
{
    /* Reference words from `riscv64-unknown-elf-as -march=rv64i_zicsr`. */
    assert_int_equal(bootrom_enc_auipc(RV_T0, 0), 0x00000297);   /* auipc t0,0 */
    assert_int_equal(bootrom_enc_auipc(RV_A0, -1), 0xfffff517);  /* auipc a0,0xfffff */
    assert_int_equal(bootrom_enc_addi(RV_A2, RV_T0, 40), 0x02828613);
    assert_int_equal(bootrom_enc_addi(RV_A0, RV_A0, -1), 0xfff50513);
    assert_int_equal(bootrom_enc_csrr(RV_A0, RV_CSR_MHARTID), 0xf1402573);
    assert_int_equal(bootrom_enc_ld(RV_A1, RV_T0, 32), 0x0202b583);
    assert_int_equal(bootrom_enc_ld(RV_T0, RV_T0, 24), 0x0182b283);
    assert_int_equal(bootrom_enc_ld(RV_A0, RV_A1, -8), 0xff85b503);
    assert_int_equal(bootrom_enc_jalr(0, RV_T0, 0), 0x00028067);  /* jr t0 */
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void test_image(void **state)
{
    uint8_t rom[BOOTROM_LEN];

    memset(rom, 0xee, sizeof(rom));
    bootrom_build(rom, 0x123456789abcdef0ull, 0x8fe00000ull, 0x80200000ull);
    /* The six instructions, in order. */
    assert_int_equal(get32(rom + 0), 0x00000297);
    assert_int_equal(get32(rom + 4), 0x02828613);  /* addi a2,t0,40 = info */
    assert_int_equal(get32(rom + 8), 0xf1402573);
    assert_int_equal(get32(rom + 12), 0x0202b583);
    assert_int_equal(get32(rom + 16), 0x0182b283);
    assert_int_equal(get32(rom + 20), 0x00028067);
    assert_int_equal(get64(rom + BOOTROM_START), 0x123456789abcdef0ull);
    assert_int_equal(get64(rom + BOOTROM_FDT), 0x8fe00000ull);
    /* fw_dynamic_info v2. */
    const uint8_t *info = rom + BOOTROM_INFO;
    assert_int_equal(get64(info + 0), 0x4942534f);
    assert_int_equal(get64(info + 8), 2);
    assert_int_equal(get64(info + 16), 0x80200000ull);
    assert_int_equal(get64(info + 24), 1);          /* next mode S */
    assert_int_equal(get64(info + 32), 0);
    assert_int_equal(get64(info + 40), UINT64_MAX); /* any boot hart */
    assert_int_equal(BOOTROM_INFO % 8, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoder),
        cmocka_unit_test(test_image),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

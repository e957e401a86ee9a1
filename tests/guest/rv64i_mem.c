/* RV64I loads and stores: every width, sign and zero extension, extreme
 * offsets (-2048/+2047), stores touching only their own bytes, and
 * misaligned accesses (which must succeed, also across a page boundary). */
#include "insn.h"

static uint8_t buf[3 * 4096] __attribute__((aligned(4096)));

#define LD(op, p, off) ({ uint64_t r_; \
	__asm__ volatile(op " %0, %2(%1)" : "=r"(r_) : "r"(p), "i"(off) : "memory"); r_; })
#define ST(op, p, off, v) ({ \
	__asm__ volatile(op " %1, %2(%0)" :: "r"(p), "r"(U(v)), "i"(off) : "memory"); })

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 1);
}

/* Reads n bytes at p as a little-endian value, byte by byte. */
static uint64_t bytes_at(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint64_t sext(uint64_t v, unsigned bits)
{
	return (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
}

static void widths(void)
{
	uint8_t *p = buf + 4096;

	rt_group("load-ext");
	ST("sd", p, 0, 0x80ff7f0180008001);
	ST("sd", p, 8, 0xffffffff80000000);
	rt_check("lb 0x01", LD("lb", p, 0), 1);
	rt_check("lb 0x80", LD("lb", p, 1), 0xffffffffffffff80);
	rt_check("lbu 0x80", LD("lbu", p, 1), 0x80);
	rt_check("lb 0xff", LD("lb", p, 6), -1);
	rt_check("lbu 0xff", LD("lbu", p, 6), 0xff);
	rt_check("lh 0x8001", LD("lh", p, 0), 0xffffffffffff8001);
	rt_check("lhu 0x8001", LD("lhu", p, 0), 0x8001);
	rt_check("lh 0x7f01", LD("lh", p, 4), 0x7f01);
	rt_check("lw 0x80008001", LD("lw", p, 0), 0xffffffff80008001);
	rt_check("lwu 0x80008001", LD("lwu", p, 0), 0x80008001);
	rt_check("lw 0x80ff7f01", LD("lw", p, 4), 0xffffffff80ff7f01);
	rt_check("lw 0x80000000", LD("lw", p, 8), 0xffffffff80000000);
	rt_check("lwu 0xffffffff", LD("lwu", p, 12), 0xffffffff);
	rt_check("lw 0xffffffff", LD("lw", p, 12), -1);
	rt_check("ld", LD("ld", p, 0), 0x80ff7f0180008001);
	rt_check("lb -2048", (ST("sb", p, -2048, 0x9c), LD("lb", p, -2048)),
		 0xffffffffffffff9c);
	rt_check("lhu +2047", (ST("sh", p, 2047, 0xbeef), LD("lhu", p, 2047)), 0xbeef);

	rt_group("store-width");
	fill(buf, 64);
	ST("sb", buf, 3, 0x1234567890abcdef);
	rt_check("sb", buf[3], 0xef);
	rt_check("sb neighbours", buf[2] == 15 && buf[4] == 29, 1);
	ST("sh", buf, 8, 0x1234567890abcdef);
	rt_check("sh", buf[8] | buf[9] << 8, 0xcdef);
	rt_check("sh neighbours", buf[7] == 50 && buf[10] == 71, 1);
	ST("sw", buf, 16, 0x1234567890abcdef);
	rt_check("sw", bytes_at(buf + 16, 4), 0x90abcdef);
	rt_check("sw neighbours", buf[15] == 106 && buf[20] == 141, 1);
	ST("sd", buf, 24, 0x1234567890abcdef);
	rt_check("sd", bytes_at(buf + 24, 8), 0x1234567890abcdef);
	rt_check("sd neighbours", buf[23] == 162 && buf[32] == 225, 1);
}

/* Register overlap: the address is read before the load writes rd, and a
 * store with rs2 == rs1 stores the address itself. */
static void overlap(void)
{
	static volatile uint64_t cell[2];
	uint64_t r;

	rt_group("reg-overlap");
	cell[1] = 0xfeedface;
	r = (uint64_t)&cell[0];
	__asm__ volatile("ld %0, 8(%0)" : "+r"(r) :: "memory");
	rt_check("ld rd==rs1", r, 0xfeedface);
	r = (uint64_t)&cell[0];
	__asm__ volatile("sd %0, 0(%0)" :: "r"(r) : "memory");
	rt_check("sd rs2==rs1", cell[0], (uint64_t)&cell[0]);
	r = (uint64_t)&cell[1];
	__asm__ volatile("lw %0, 0(%0)" : "+r"(r) :: "memory");
	rt_check("lw rd==rs1", r, 0xfffffffffeedface);
}

static void misaligned(void)
{
	char name[] = "lX +o";

	rt_group("misaligned-load");
	fill(buf, sizeof(buf));
	for (unsigned off = 1; off < 8; off++) {
		uint8_t *p = buf + 64 + off;

		name[4] = (char)('0' + off);
		name[1] = 'h'; rt_check(name, LD("lh", p, 0), sext(bytes_at(p, 2), 16));
		name[1] = 'H'; rt_check(name, LD("lhu", p, 0), bytes_at(p, 2));
		name[1] = 'w'; rt_check(name, LD("lw", p, 0), sext(bytes_at(p, 4), 32));
		name[1] = 'W'; rt_check(name, LD("lwu", p, 0), bytes_at(p, 4));
		name[1] = 'd'; rt_check(name, LD("ld", p, 0), bytes_at(p, 8));
	}
	/* Crossing into the next page. */
	for (unsigned back = 1; back < 8; back++) {
		uint8_t *p = buf + 8192 - back;

		name[4] = (char)('0' + back);
		name[1] = 'p'; rt_check(name, LD("ld", p, 0), bytes_at(p, 8));
		if (back < 4) {
			name[1] = 'q';
			rt_check(name, LD("lw", p, 0), sext(bytes_at(p, 4), 32));
		}
	}

	rt_group("misaligned-store");
	for (unsigned off = 1; off < 8; off++) {
		uint8_t *p = buf + 128 + 16 * off + off;

		name[4] = (char)('0' + off);
		memset(p - 1, 0x5a, 10);
		ST("sd", p, 0, 0x0102030405060708 * off);
		name[1] = 'd'; rt_check(name, bytes_at(p, 8), 0x0102030405060708 * off);
		rt_check("sd guard", p[-1] == 0x5a && p[8] == 0x5a, 1);
		ST("sw", p, 0, 0xa1b2c3d4);
		name[1] = 'w'; rt_check(name, bytes_at(p, 4), 0xa1b2c3d4);
		ST("sh", p, 0, 0xe5f6);
		name[1] = 'h'; rt_check(name, bytes_at(p, 2), 0xe5f6);
		rt_check("sh keeps", bytes_at(p + 2, 2), 0xa1b2);
	}
	for (unsigned back = 1; back < 8; back++) {
		uint8_t *p = buf + 8192 - back;

		name[4] = (char)('0' + back);
		ST("sd", p, 0, 0xfedcba9876543210);
		name[1] = 'p'; rt_check(name, bytes_at(p, 8), 0xfedcba9876543210);
		rt_check("page ld back", LD("ld", p, 0), 0xfedcba9876543210);
	}
}

int main(void)
{
	widths();
	overlap();
	misaligned();
	return rt_finish();
}

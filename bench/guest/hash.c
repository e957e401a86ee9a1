/* Benchmark: FNV-1a (64-bit), a table-driven CRC32 and a multiply-rotate
 * mixer over a PRNG-filled buffer (byte loads, shifts, multiplies). */
#include "bench.h"

#define LEN (256 * 1024)
#define ROUNDS 600

static uint8_t buf[LEN];
static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320 ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32(const uint8_t *p, long n)
{
	uint32_t c = 0xffffffff;

	for (long i = 0; i < n; i++)
		c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffff;
}

static uint64_t fnv1a(const uint8_t *p, long n)
{
	uint64_t h = 0xcbf29ce484222325;

	for (long i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3;
	}
	return h;
}

static uint64_t mix64(const uint8_t *p, long n)
{
	const uint64_t *w = (const uint64_t *)p;
	uint64_t h = 0x27d4eb2f165667c5;

	for (long i = 0; i < n / 8; i++) {
		h ^= w[i] * 0xc2b2ae3d27d4eb4f;
		h = (h << 31 | h >> 33) * 0x9e3779b185ebca87;
	}
	return h ^ (h >> 29);
}

int main(void)
{
	uint64_t seed = 12345, sum = 0;

	crc_init();
	for (long i = 0; i < LEN; i++)
		buf[i] = (uint8_t)bench_rand(&seed);
	if (crc32((const uint8_t *)"123456789", 9) != 0xcbf43926) {
		rt_puts("hash: FAIL crc32 check value\n");
		return 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		buf[r] ^= (uint8_t)r;
		sum = sum * 3 + crc32(buf, LEN);
		sum = sum * 3 + fnv1a(buf, LEN);
		sum = sum * 3 + mix64(buf, LEN);
	}
	return bench_report("hash", sum);
}

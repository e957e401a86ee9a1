/* Many-hart helpers (see smp.h): a minimal FDT walker that counts the harts
 * the board describes, a sense-reversing barrier, waits on other harts'
 * progress (no deadlines, see smp.h). */
#include "smp.h"

#define FDT_MAGIC      0xd00dfeedU
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9
#define FDT_MAX_WORDS  (1U << 20)       /* give up on absurd blobs */

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static size_t slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int prefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

static int equal_node_name(const char *s, const char *name)
{
	/* "cpus" or "cpus@..." (unit address) */
	size_t n = slen(name);

	return prefix(s, name) && (s[n] == 0 || s[n] == '@');
}

/* Walk the structure block: depth 1 = children of the root. */
unsigned rt_fdt_cpu_count(const void *fdt)
{
	const uint8_t *base = fdt;
	const uint8_t *p;
	unsigned depth = 0, cpus_depth = 0, count = 0;

	if (!fdt || be32(base) != FDT_MAGIC)
		return 0;
	p = base + be32(base + 8);              /* off_dt_struct */
	for (unsigned n = 0; n < FDT_MAX_WORDS; n++) {
		uint32_t tok = be32(p);
		const char *name;
		size_t len;

		p += 4;
		switch (tok) {
		case FDT_BEGIN_NODE:
			name = (const char *)p;
			len = slen(name) + 1;
			p += (len + 3) & ~(size_t)3;
			depth++;
			if (depth == 2 && !cpus_depth && equal_node_name(name, "cpus"))
				cpus_depth = depth;
			else if (cpus_depth && depth == cpus_depth + 1 &&
				 prefix(name, "cpu@"))
				count++;
			break;
		case FDT_END_NODE:
			if (cpus_depth == depth)
				cpus_depth = 0;
			if (depth == 0)
				return 0;
			depth--;
			break;
		case FDT_PROP:
			len = be32(p);
			p += 8 + ((len + 3) & ~(size_t)3);
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			return count;
		default:
			return 0;
		}
	}
	return 0;
}

void rt_barrier_init(struct rt_barrier *b, unsigned n)
{
	b->n = n;
	b->sense = 0;
	b->count = n;
	__asm__ volatile("fence rw, rw" ::: "memory");
}

void rt_barrier_wait(struct rt_barrier *b, uint32_t *local)
{
	uint32_t sense = !*local, left;

	*local = sense;
	/* amoadd.w.aqrl orders this hart's earlier accesses before the arrival
	 * and the later ones after the release seen below. */
	__asm__ volatile("amoadd.w.aqrl %0, %2, (%1)"
			 : "=r"(left) : "r"(&b->count), "r"(-1) : "memory");
	if (left == 1) {
		b->count = b->n;
		__asm__ volatile("fence rw, w" ::: "memory");
		b->sense = sense;
		return;
	}
	while (b->sense != sense)
		;
	__asm__ volatile("fence r, rw" ::: "memory");
}

uint64_t rt_wait_ge(volatile uint64_t *v, uint64_t want)
{
	uint64_t got;

	while ((got = *v) < want)
		;
	__asm__ volatile("fence r, rw" ::: "memory");
	return got;
}

/* virtio-mmio transport and virtio-blk, driven from M mode on hart 0.
 * Run by run-virtio.py with a 1 MiB raw image (byte at offset o =
 * (o + (o >> 9)) & 0xff) as `-drive file=IMG,format=raw,if=none,id=d0
 * -device virtio-blk-device,drive=d0`; afterwards the runner checks the
 * image: sectors 100-101 hold this program's pattern, sectors 200-203 are
 * zero, everything else is unchanged.
 *
 * Covers: the slot layout (device in the highest slot, empty slots with
 * DeviceID 0), feature negotiation (FEATURES_OK refused without
 * VERSION_1), config capacity, read / write / flush / get-id / write
 * zeroes / discard, errors (out of range → IOERR, unknown type → UNSUPP),
 * indirect descriptors, the interrupt through PLIC source 8 with ISR and
 * its acknowledgement, event-idx interrupt suppression, and a disk read
 * over code that was already executed (DMA must invalidate its TBs). */
#include "virtio.h"
#include "smp.h"

#define PLIC_BASE        0xc000000UL
#define PLIC_PRIO(s)     (PLIC_BASE + 4 * (s))
#define PLIC_PENDING(w)  (PLIC_BASE + 0x1000 + 4 * (w))
#define PLIC_ENABLE(c)   (PLIC_BASE + 0x2000 + 0x80 * (c))
#define PLIC_CLAIM(c)    (PLIC_BASE + 0x200004 + 0x1000 * (c))

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WZ 13

#define F_FLUSH (1ULL << 9)
#define F_DISCARD (1ULL << 13)
#define F_WZ (1ULL << 14)

struct blk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

static struct blk_hdr hdr;
static uint8_t status;
static uint8_t data[8192] __attribute__((aligned(4096)));
static uint8_t code[4096] __attribute__((aligned(4096)));
static struct rt_vq vq;
static uintptr_t base;
static uint32_t last_isr;               /* ISR seen by the last req() */

static uint8_t img_byte(uint64_t o)
{
	return (uint8_t)(o + (o >> 9));
}

/* One request: header, data (write = device writes it), status. */
static int req(uint32_t type, uint64_t sector, void *buf, uint32_t len,
	       int dev_writes, int indirect, uint32_t *used_len)
{
	struct rt_buf b[3];
	unsigned n = 0;
	uint32_t l = 0;

	hdr.type = type;
	hdr.reserved = 0;
	hdr.sector = sector;
	status = 0xff;
	b[n++] = (struct rt_buf){ &hdr, sizeof(hdr), 0 };
	if (len)
		b[n++] = (struct rt_buf){ buf, len, dev_writes };
	b[n++] = (struct rt_buf){ &status, 1, 1 };
	rt_vq_submit(&vq, b, n, indirect);
	if (!rt_vq_wait(&vq, &l, 0))
		return -1;
	if (used_len)
		*used_len = l;
	/* The device sets ISR under its lock before releasing the push, and
	 * this read takes that lock: it sees the completion's interrupt. */
	last_isr = vio_rd(base, VIO_ISR);
	vio_wr(base, VIO_ISR_ACK, last_isr);
	return status;
}

static void transport(int slot)
{
	rt_group("vio-transport");
	rt_check("blk in the highest slot", slot, 7);
	rt_check("magic", vio_rd(base, VIO_MAGIC), 0x74726976);
	rt_check("version 2", vio_rd(base, VIO_VERSION), 2);
	rt_check("vendor QEMU", vio_rd(base, VIO_VENDOR_ID), 0x554d4551);
	rt_check("empty slot 0: magic", vio_rd(RT_VIO_BASE(0), VIO_MAGIC),
		 0x74726976);
	rt_check("empty slot 0: id 0", vio_rd(RT_VIO_BASE(0), VIO_DEVICE_ID), 0);
	rt_check("empty slot 6: id 0", vio_rd(RT_VIO_BASE(6), VIO_DEVICE_ID), 0);
}

static void features(void)
{
	uint64_t f;
	uint32_t st;

	rt_group("vio-features");
	st = rt_vio_negotiate(base, VIO_F_INDIRECT, &f);
	rt_check("no VERSION_1: FEATURES_OK refused", st & VIO_S_FEATURES_OK, 0);
	rt_check("offers VERSION_1", !!(f & VIO_F_VERSION_1), 1);
	rt_check("offers INDIRECT", !!(f & VIO_F_INDIRECT), 1);
	rt_check("offers EVENT_IDX", !!(f & VIO_F_EVENT_IDX), 1);
	rt_check("offers FLUSH", !!(f & F_FLUSH), 1);
	rt_check("offers DISCARD", !!(f & F_DISCARD), 1);
	rt_check("offers WRITE_ZEROES", !!(f & F_WZ), 1);
	st = rt_vio_negotiate(base, VIO_F_VERSION_1 | VIO_F_INDIRECT | F_FLUSH |
			      F_DISCARD | F_WZ, &f);
	rt_check("FEATURES_OK accepted", st & VIO_S_FEATURES_OK,
		 VIO_S_FEATURES_OK);
	vio_wr(base, VIO_QUEUE_SEL, 0);
	rt_check("queue num max", vio_rd(base, VIO_QUEUE_NUM_MAX), 1024);
	vio_wr(base, VIO_QUEUE_SEL, 1);
	rt_check("queue 1 absent", vio_rd(base, VIO_QUEUE_NUM_MAX), 0);
	rt_vq_init(&vq, base, 0, 8, 0);
	vio_wr(base, VIO_STATUS, vio_rd(base, VIO_STATUS) | VIO_S_DRIVER_OK);
	rt_check("capacity", RT_MMIO32(base + VIO_CONFIG) |
		 ((uint64_t)RT_MMIO32(base + VIO_CONFIG + 4) << 32), 2048);
	rt_check("blk_size", RT_MMIO32(base + VIO_CONFIG + 20), 512);
}

static int pattern_ok(const uint8_t *p, uint64_t off, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != img_byte(off + i))
			return 0;
	return 1;
}

static void rw(void)
{
	uint32_t ul = 0;
	int ok = 1;

	rt_group("blk-read");
	memset(data, 0, sizeof(data));
	rt_check("read status", req(T_IN, 0, data, 2048, 1, 0, &ul), 0);
	rt_check("read used len", ul, 2049);
	rt_check("read data", pattern_ok(data, 0, 2048), 1);
	rt_check("read at 1000", req(T_IN, 1000, data, 4096, 1, 0, &ul), 0);
	rt_check("data at 1000", pattern_ok(data, 1000 * 512, 4096), 1);

	rt_group("blk-write");
	for (unsigned i = 0; i < 1024; i++)
		data[i] = (uint8_t)(0xa5 ^ i);
	rt_check("write status", req(T_OUT, 100, data, 1024, 0, 0, &ul), 0);
	rt_check("write used len", ul, 1);
	rt_check("flush status", req(T_FLUSH, 0, 0, 0, 0, 0, 0), 0);
	memset(data, 0, 1024);
	rt_check("read back", req(T_IN, 100, data, 1024, 1, 0, 0), 0);
	for (unsigned i = 0; i < 1024; i++)
		ok &= data[i] == (uint8_t)(0xa5 ^ i);
	rt_check("written data", ok, 1);

	rt_group("blk-indirect");
	memset(data, 0, 4096);
	rt_check("indirect read", req(T_IN, 8, data, 4096, 1, 1, &ul), 0);
	rt_check("indirect used len", ul, 4097);
	rt_check("indirect data", pattern_ok(data, 8 * 512, 4096), 1);
}

static void misc(void)
{
	struct { uint64_t sector; uint32_t num, flags; } seg;
	uint32_t ul;
	int ok = 1;

	rt_group("blk-id");
	memset(data, 0xee, 20);
	rt_check("get-id status", req(T_GET_ID, 0, data, 20, 1, 0, &ul), 0);
	rt_check("get-id len", ul, 21);
	rt_check("id", data[0] == 'd' && data[1] == '0' && data[2] == 0, 1);

	rt_group("blk-zeroes");
	seg.sector = 200;
	seg.num = 2;
	seg.flags = 0;
	rt_check("write zeroes", req(T_WZ, 0, &seg, 16, 0, 0, 0), 0);
	seg.sector = 202;
	seg.flags = 1;                          /* unmap */
	rt_check("write zeroes unmap", req(T_WZ, 0, &seg, 16, 0, 0, 0), 0);
	memset(data, 0x55, 2048);
	rt_check("read zeroes", req(T_IN, 200, data, 2048, 1, 0, 0), 0);
	for (unsigned i = 0; i < 2048; i++)
		ok &= data[i] == 0;
	rt_check("zeroed", ok, 1);
	seg.sector = 2046;
	seg.num = 4;
	seg.flags = 0;
	rt_check("discard past the end", req(T_DISCARD, 0, &seg, 16, 0, 0, 0), 1);

	rt_group("blk-errors");
	rt_check("read past the end", req(T_IN, 2047, data, 1024, 1, 0, 0), 1);
	rt_check("partial sector", req(T_IN, 0, data, 100, 1, 0, 0), 1);
	rt_check("unknown type", req(99, 0, 0, 0, 0, 0, 0), 2);
	rt_check("still live", vio_rd(base, VIO_STATUS) & VIO_S_NEEDS_RESET, 0);
}

static void irq(void)
{
	rt_group("blk-irq");
	RT_MMIO32(PLIC_PRIO(8)) = 1;
	RT_MMIO32(PLIC_ENABLE(0)) = 1u << 8;
	/* Earlier completions left source 8 pending (the PLIC keeps a request
	 * until it is claimed): claim and complete it first. */
	uint32_t c = RT_MMIO32(PLIC_CLAIM(0));
	rt_check("earlier request", c, 8);
	RT_MMIO32(PLIC_CLAIM(0)) = c;
	rt_check("quiet", RT_MMIO32(PLIC_PENDING(0)) & (1u << 8), 0);
	hdr = (struct blk_hdr){ T_IN, 0, 3 };
	struct rt_buf b[3] = { { &hdr, 16, 0 }, { data, 512, 1 },
			       { &status, 1, 1 } };
	rt_vq_submit(&vq, b, 3, 0);
	while (!(RT_MMIO32(PLIC_PENDING(0)) & (1u << 8)))
		;
	rt_check("source 8 pending", RT_MMIO32(PLIC_PENDING(0)) & (1u << 8),
		 1u << 8);
	rt_check("ISR used buffer", vio_rd(base, VIO_ISR), 1);
	rt_check("completed", rt_vq_wait(&vq, 0, 0), 1);
	rt_check("claim 8", RT_MMIO32(PLIC_CLAIM(0)), 8);
	vio_wr(base, VIO_ISR_ACK, 1);
	rt_check("ISR acked", vio_rd(base, VIO_ISR), 0);
	RT_MMIO32(PLIC_CLAIM(0)) = 8;
	rt_check("line low after ack", RT_MMIO32(PLIC_PENDING(0)) & (1u << 8), 0);
	RT_MMIO32(PLIC_ENABLE(0)) = 0;
}

/* Event idx: with used_event far ahead the device must not interrupt. */
static void event_idx(void)
{
	uint64_t f;
	uint32_t st;

	rt_group("blk-event-idx");
	st = rt_vio_negotiate(base, VIO_F_VERSION_1 | VIO_F_EVENT_IDX, &f);
	rt_check("accepted", st & VIO_S_FEATURES_OK, VIO_S_FEATURES_OK);
	rt_vq_init(&vq, base, 0, 8, 0);
	vio_wr(base, VIO_STATUS, st | VIO_S_DRIVER_OK);
	vq.avail[2 + vq.num] = 100;             /* used_event: far ahead */
	rt_check("read 1", req(T_IN, 0, data, 512, 1, 0, 0), 0);
	rt_check("first completion interrupts", last_isr, 1);
	rt_check("read 2", req(T_IN, 0, data, 512, 1, 0, 0), 0);
	rt_check("suppressed", last_isr, 0);
	vq.avail[2 + vq.num] = vq.avail_idx;    /* the next one */
	__asm__ volatile("fence rw, rw" ::: "memory");
	hdr = (struct blk_hdr){ T_IN, 0, 0 };
	struct rt_buf b[3] = { { &hdr, 16, 0 }, { data, 512, 1 },
			       { &status, 1, 1 } };
	rt_vq_submit(&vq, b, 3, 0);
	rt_check("read 3 done", rt_vq_wait(&vq, 0, 0), 1);
	rt_check("interrupt at used_event", vio_rd(base, VIO_ISR), 1);
	vio_wr(base, VIO_ISR_ACK, 1);
	rt_check("avail_event published",
		 *(volatile uint16_t *)(vq.used + 4 + 8 * vq.num), vq.avail_idx);
}

/* Two tiny functions; their bytes are copied to `code`. */
extern char fn_one[], fn_one_end[], fn_two[], fn_two_end[];
__asm__(".option push\n.option norvc\n"
	".globl fn_one\nfn_one: li a0, 1\nret\n.globl fn_one_end\nfn_one_end:\n"
	".globl fn_two\nfn_two: li a0, 2\nret\n.globl fn_two_end\nfn_two_end:\n"
	".option pop\n");

static void smc(void)
{
	typedef long (*fn_t)(void);
	fn_t f = (fn_t)(uintptr_t)code;

	rt_group("blk-dma-smc");
	/* Sector 300 gets fn_two, through the device. */
	memset(data, 0, 512);
	memcpy(data, fn_two, (size_t)(fn_two_end - fn_two));
	rt_check("write code", req(T_OUT, 300, data, 512, 0, 0, 0), 0);
	memcpy(code, fn_one, (size_t)(fn_one_end - fn_one));
	__asm__ volatile("fence.i" ::: "memory");
	rt_check("runs fn_one", f(), 1);
	rt_check("runs fn_one again", f(), 1);
	/* The device overwrites the translated code. */
	rt_check("read code", req(T_IN, 300, code, 512, 1, 0, 0), 0);
	__asm__ volatile("fence.i" ::: "memory");
	rt_check("runs fn_two", f(), 2);
}

int main(unsigned long hartid, void *fdt)
{
	(void)hartid;
	(void)fdt;
	int slot = rt_vio_find(2);
	if (slot < 0) {
		rt_puts("no virtio-blk\n");
		return 1;
	}
	base = RT_VIO_BASE(slot);
	transport(slot);
	features();
	rw();
	misc();
	irq();
	event_idx();
	smc();
	return rt_finish();
}

/* Data safety: a write the device completed, then flushed, survives the
 * emulator being killed with SIGKILL.  Writes sectors 500-507 (a pattern
 * the runner knows), flushes, prints "flushed" and spins; run-virtio.py
 * (mode kill) SIGKILLs Loom when it sees the line and checks the image.
 * A failed check prints its FAIL line before "flushed", so stdout is
 * exactly "flushed" only when the write and the flush both succeeded. */
#include "virtio.h"

static struct { uint32_t type, reserved; uint64_t sector; } hdr;
static uint8_t status, data[4096];
static struct rt_vq vq;

static int req(uintptr_t base, uint32_t type, uint64_t sector, uint32_t len)
{
	struct rt_buf b[3] = { { &hdr, 16, 0 }, { data, len, 0 },
			       { &status, 1, 1 } };
	hdr.type = type;
	hdr.sector = sector;
	status = 0xff;
	if (len)
		rt_vq_submit(&vq, b, 3, 0);
	else {
		b[1] = b[2];
		rt_vq_submit(&vq, b, 2, 0);
	}
	rt_vq_wait(&vq, 0, 0);
	vio_wr(base, VIO_ISR_ACK, vio_rd(base, VIO_ISR));
	return status;
}

int main(unsigned long hartid, void *fdt)
{
	(void)hartid;
	(void)fdt;
	int slot = rt_vio_find(2);

	rt_group("kill");
	if (slot < 0)
		return rt_finish();
	uintptr_t base = RT_VIO_BASE(slot);
	uint32_t st = rt_vio_negotiate(base, VIO_F_VERSION_1 | (1ULL << 9), 0);
	rt_vq_init(&vq, base, 0, 8, 0);
	vio_wr(base, VIO_STATUS, st | VIO_S_DRIVER_OK);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0x3c ^ i ^ (i >> 8));
	rt_check("write", req(base, 1, 500, sizeof(data)), 0);
	rt_check("flush", req(base, 4, 0, 0), 0);
	rt_puts("flushed\n");
	for (;;)
		__asm__ volatile("wfi");
}

/* virtio-rng: the device in the highest slot, buffers filled from the
 * host's getrandom (two reads differ, used length = buffer length,
 * lengths above the device's 4 KiB chunk are filled partly), and a
 * buffer split over an indirect table. */
#include "virtio.h"

static uint8_t a[64], b[64], big[8192];
static struct rt_vq vq;

static int differ(const uint8_t *p, const uint8_t *q, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (p[i] != q[i])
			return 1;
	return 0;
}

static int nonzero(const uint8_t *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (p[i])
			return 1;
	return 0;
}

int main(unsigned long hartid, void *fdt)
{
	(void)hartid;
	(void)fdt;
	uint32_t len = 0, st;
	int slot = rt_vio_find(4);

	rt_group("rng");
	rt_check("rng in the highest slot", slot, 7);
	if (slot < 0)
		return rt_finish();
	uintptr_t base = RT_VIO_BASE(slot);
	st = rt_vio_negotiate(base, VIO_F_VERSION_1 | VIO_F_INDIRECT, 0);
	rt_check("features ok", st & VIO_S_FEATURES_OK, VIO_S_FEATURES_OK);
	rt_vq_init(&vq, base, 0, 4, 0);
	vio_wr(base, VIO_STATUS, st | VIO_S_DRIVER_OK);

	struct rt_buf ba = { a, sizeof(a), 1 }, bb = { b, sizeof(b), 1 };
	rt_vq_submit(&vq, &ba, 1, 0);
	rt_check("first done", rt_vq_wait(&vq, &len, 0), 1);
	rt_check("first len", len, 64);
	rt_vq_submit(&vq, &bb, 1, 0);
	rt_check("second done", rt_vq_wait(&vq, &len, 0), 1);
	rt_check("second len", len, 64);
	rt_check("data", nonzero(a, 64) && nonzero(b, 64), 1);
	rt_check("reads differ", differ(a, b, 64), 1);

	struct rt_buf bg = { big, sizeof(big), 1 };
	rt_vq_submit(&vq, &bg, 1, 0);
	rt_check("big done", rt_vq_wait(&vq, &len, 0), 1);
	rt_check("big len: one chunk", len, 4096);

	struct rt_buf parts[4] = { { a, 16, 1 }, { a + 16, 16, 1 },
				   { b, 16, 1 }, { b + 16, 16, 1 } };
	memset(a, 0, 64);
	memset(b, 0, 64);
	rt_vq_submit(&vq, parts, 4, 1);
	rt_check("indirect done", rt_vq_wait(&vq, &len, 0), 1);
	rt_check("indirect len", len, 64);
	rt_check("indirect filled", nonzero(a, 16) && nonzero(a + 16, 16) &&
		 nonzero(b, 16) && nonzero(b + 16, 16), 1);
	rt_check("beyond untouched", nonzero(a + 32, 32) || nonzero(b + 32, 32), 0);
	return rt_finish();
}

/* virtio-net on the user network (libslirp), run by run-virtio.py with
 * `-netdev user,id=n0,hostfwd=udp:127.0.0.1:HPORT-:7777 -device
 * virtio-net-device,netdev=n0`.  The guest (10.0.2.15, QEMU's user
 * network) resolves the gateway 10.0.2.2 by ARP, pings it (libslirp
 * answers for its own address), then prints "net-ready" and waits for the
 * UDP datagram the runner sends to host port HPORT (forwarded to guest
 * port 7777); it answers "pong:" + the payload to the sender, which the
 * runner must receive on its socket.  Receive buffers are kept posted
 * (four of them, re-posted as they are used). */
#include "virtio.h"

#define NRX 4
#define BUFSZ 2048
#define HDR 12

static struct rt_vq rxq, txq;
static uint8_t rxbuf[NRX][BUFSZ] __attribute__((aligned(16)));
static uint8_t txbuf[BUFSZ] __attribute__((aligned(16)));
static const uint8_t mymac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t myip[4] = { 10, 0, 2, 15 }, gwip[4] = { 10, 0, 2, 2 };
static uint8_t gwmac[6];

static void post_rx(unsigned i)
{
	rxq.desc[i] = (struct vdesc){ (uintptr_t)rxbuf[i], BUFSZ, VDESC_WRITE, 0 };
	rxq.avail[2 + (rxq.avail_idx % rxq.num)] = (uint16_t)i;
	__asm__ volatile("fence rw, rw" ::: "memory");
	rxq.avail_idx++;
	rxq.avail[1] = rxq.avail_idx;
	__asm__ volatile("fence rw, rw" ::: "memory");
	vio_wr(rxq.base, VIO_QUEUE_NOTIFY, 0);
}

/* The next received frame (after the virtio header) into *f; re-posts
 * its buffer after the caller copied what it needs (next call). */
static int pending = -1;
static uint32_t rx(const uint8_t **f)
{
	uint32_t len = 0, id = 0;
	if (pending >= 0)
		post_rx((unsigned)pending);
	rt_vq_wait(&rxq, &len, &id);
	pending = (int)id;
	*f = rxbuf[id] + HDR;
	return len - HDR;
}

static void tx(uint32_t len)
{
	static uint8_t hdr[HDR];
	struct rt_buf b[2] = { { hdr, HDR, 0 }, { txbuf, len, 0 } };
	rt_vq_submit(&txq, b, 2, 0);
	rt_vq_wait(&txq, 0, 0);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static uint16_t csum(const uint8_t *p, unsigned n)
{
	uint32_t s = 0;
	for (unsigned i = 0; i + 1 < n; i += 2)
		s += be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint8_t *eth(const uint8_t *dst, uint16_t type)
{
	memcpy(txbuf, dst, 6);
	memcpy(txbuf + 6, mymac, 6);
	put16(txbuf + 12, type);
	return txbuf + 14;
}

/* IPv4 header at p for `len` payload bytes; returns the payload. */
static uint8_t *ip(uint8_t *p, uint8_t proto, const uint8_t *dst,
		   unsigned len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + len));
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, myip, 4);
	memcpy(p + 16, dst, 4);
	put16(p + 10, csum(p, 20));
	return p + 20;
}

static int eq(const uint8_t *a, const uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static void arp(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = eth(bcast, 0x0806);
	const uint8_t *f;

	rt_group("net-arp");
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, mymac, 6);
	memcpy(a + 14, myip, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, gwip, 4);
	tx(14 + 28);
	for (;;) {
		uint32_t n = rx(&f);
		if (n >= 42 && be16(f + 12) == 0x0806 && be16(f + 20) == 2)
			break;
	}
	rt_check("reply to us", eq(f, mymac, 6), 1);
	rt_check("from 10.0.2.2", eq(f + 28, gwip, 4), 1);
	memcpy(gwmac, f + 22, 6);
	rt_check("gateway MAC 52:55:0a:00:02:02",
		 gwmac[0] == 0x52 && gwmac[1] == 0x55 && gwmac[5] == 0x02, 1);
}

static void ping(void)
{
	const uint8_t *f;
	uint8_t *p = ip(eth(gwmac, 0x0800), 1, gwip, 8 + 16), *icmp = p;

	rt_group("net-ping");
	memset(icmp, 0, 8 + 16);
	icmp[0] = 8;                            /* echo request */
	put16(icmp + 4, 0x1234);
	put16(icmp + 6, 1);
	for (unsigned i = 0; i < 16; i++)
		icmp[8 + i] = (uint8_t)('a' + i);
	put16(icmp + 2, csum(icmp, 24));
	tx(14 + 20 + 24);
	for (;;) {
		uint32_t n = rx(&f);
		if (n >= 14 + 20 + 24 && be16(f + 12) == 0x0800 && f[23] == 1 &&
		    f[34] == 0)
			break;
	}
	rt_check("echo reply from 10.0.2.2", eq(f + 26, gwip, 4), 1);
	rt_check("same id", be16(f + 38), 0x1234);
	rt_check("same payload", eq(f + 42, (const uint8_t *)"abcdefghijklmnop", 16), 1);
}

static void udp_echo(void)
{
	const uint8_t *f;
	uint8_t src[4], payload[64];
	uint16_t sport;
	unsigned plen;

	rt_group("net-hostfwd-udp");
	rt_puts("net-ready\n");
	for (;;) {
		uint32_t n = rx(&f);
		if (n >= 42 && be16(f + 12) == 0x0800 && f[23] == 17 &&
		    be16(f + 36) == 7777)
			break;
	}
	memcpy(src, f + 26, 4);
	sport = be16(f + 34);
	plen = be16(f + 38) - 8;
	if (plen > 32)
		plen = 32;
	memcpy(payload, "pong:", 5);
	memcpy(payload + 5, f + 42, plen);
	rt_check("datagram from the gateway", eq(src, gwip, 4), 1);
	rt_check("payload", eq(f + 42, (const uint8_t *)"ping-from-host", 14), 1);
	uint8_t *u = ip(eth(gwmac, 0x0800), 17, src, 8 + 5 + plen);
	put16(u, 7777);
	put16(u + 2, sport);
	put16(u + 4, (uint16_t)(8 + 5 + plen));
	put16(u + 6, 0);                        /* no UDP checksum */
	memcpy(u + 8, payload, 5 + plen);
	tx(14 + 20 + 8 + 5 + plen);
}

int main(unsigned long hartid, void *fdt)
{
	(void)hartid;
	(void)fdt;
	int slot = rt_vio_find(1);

	rt_group("net-setup");
	rt_check("net in the highest slot", slot, 7);
	if (slot < 0)
		return rt_finish();
	uintptr_t base = RT_VIO_BASE(slot);
	uint64_t f = 0;
	uint32_t st = rt_vio_negotiate(base, VIO_F_VERSION_1 | (1ULL << 5) |
				       (1ULL << 16), &f);
	rt_check("features ok", st & VIO_S_FEATURES_OK, VIO_S_FEATURES_OK);
	rt_check("offers MAC", !!(f & (1ULL << 5)), 1);
	uint8_t mac[6];
	for (unsigned i = 0; i < 6; i++)
		mac[i] = *(volatile uint8_t *)(base + VIO_CONFIG + i);
	rt_check("config MAC", eq(mac, mymac, 6), 1);
	rt_check("link up", *(volatile uint16_t *)(base + VIO_CONFIG + 6) & 1, 1);
	rt_vq_init(&rxq, base, 0, 8, 0);
	rt_vq_init(&txq, base, 1, 8, 1);
	vio_wr(base, VIO_STATUS, st | VIO_S_DRIVER_OK);
	for (unsigned i = 0; i < NRX; i++)
		post_rx(i);
	arp();
	ping();
	udp_echo();
	return rt_finish();
}

/* Benchmark: the n-body simulation (5 bodies, symplectic Euler): fmul,
 * fadd, fdiv and fsqrt in double precision; checksum of the final
 * positions' and energy's bits. */
#include "fpbench.h"

#define STEPS 200000
#define NB 5

struct body { double x, y, z, vx, vy, vz, m; };

static struct body bodies[NB] = {
	{ 0, 0, 0, 0, 0, 0, 39.47841760435743 },
	{ 4.84143144246472090, -1.16032004402742839, -0.103622044471123109,
	  0.606326392995832, 2.81198684491626, -0.02521836165988763,
	  0.03769367487038949 },
	{ 8.34336671824457987, 4.12479856412430479, -0.403523417114321381,
	  -1.01077434617730, 1.82566237123041, 0.00841576137658415,
	  0.011286326131968767 },
	{ 12.8943695621391310, -15.1111514016986312, -0.223307578892655734,
	  1.08279100644154, 0.868713018169608, -0.0101086681726776,
	  0.0017237240570597112 },
	{ 15.3796971148509165, -25.9193146099879641, 0.179258772950371181,
	  0.979090732243898, 0.594698998647676, -0.0347559555040781,
	  0.0020336868699246304 },
};

static double energy(void)
{
	double e = 0;

	for (int i = 0; i < NB; i++) {
		struct body *p = &bodies[i];
		e += 0.5 * p->m * (p->vx * p->vx + p->vy * p->vy + p->vz * p->vz);
		for (int j = i + 1; j < NB; j++) {
			struct body *q = &bodies[j];
			double dx = p->x - q->x, dy = p->y - q->y, dz = p->z - q->z;
			e -= p->m * q->m / __builtin_sqrt(dx * dx + dy * dy + dz * dz);
		}
	}
	return e;
}

/* After bench_fp_enable: no FP instruction may run before FS is on. */
__attribute__((noinline)) static uint64_t run(void)
{
	const double dt = 0.01;
	uint64_t sum = 0;

	sum = bench_mix(sum, bench_bits(energy()));
	for (int s = 0; s < STEPS; s++) {
		for (int i = 0; i < NB; i++) {
			struct body *p = &bodies[i];
			for (int j = i + 1; j < NB; j++) {
				struct body *q = &bodies[j];
				double dx = p->x - q->x, dy = p->y - q->y;
				double dz = p->z - q->z;
				double d2 = dx * dx + dy * dy + dz * dz;
				double mag = dt / (d2 * __builtin_sqrt(d2));
				p->vx -= dx * q->m * mag;
				p->vy -= dy * q->m * mag;
				p->vz -= dz * q->m * mag;
				q->vx += dx * p->m * mag;
				q->vy += dy * p->m * mag;
				q->vz += dz * p->m * mag;
			}
		}
		for (int i = 0; i < NB; i++) {
			bodies[i].x += dt * bodies[i].vx;
			bodies[i].y += dt * bodies[i].vy;
			bodies[i].z += dt * bodies[i].vz;
		}
	}
	sum = bench_mix(sum, bench_bits(energy()));
	for (int i = 0; i < NB; i++)
		sum = bench_mix(bench_mix(sum, bench_bits(bodies[i].x)),
				bench_bits(bodies[i].y));
	return sum;
}

int main(void)
{
	bench_fp_enable();
	return bench_report("nbody", run());
}

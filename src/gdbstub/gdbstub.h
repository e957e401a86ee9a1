/*
 * gdbstub.h — the GDB remote serial protocol server (-s, -S, -gdb): one
 * TCP client at a time, harts as threads, all-stop (docs/gdb.md).
 *
 * The stub runs in a thread of its own; everything it does to the
 * machine goes through the vCPU layer's debugger services (vcpu/debug.h):
 * it never writes guest memory for a breakpoint and touches a hart's
 * state only on that hart's thread while the machine is stopped.
 */
#ifndef LOOM_GDBSTUB_GDBSTUB_H
#define LOOM_GDBSTUB_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>

/* Bind and listen on host:port (host: a numeric address or a name; port
 * 0 lets the kernel choose), before the harts run, so a busy port is a
 * start-up error.  Returns 0 and the bound port, or -1 with a one-line
 * message in err. */
int gdb_listen(const char *host, unsigned port, unsigned *bound,
               char *err, size_t errlen);

/* Enable the debugger services and start the stub's thread; after
 * vcpu_system_init and gdb_listen, before vcpu_run.  hold: the harts wait
 * at reset until gdb resumes them (-S). */
void gdb_start(bool hold);

#endif

/*
 * gdb_int.h — state shared by the files of src/gdbstub.
 *
 *   gdbstub.c    listening socket, the stub thread, packet framing
 *                (checksums, acks, escapes, Ctrl-C), stop replies
 *   gdb_cmd.c    the packets: queries, threads, vCont, memory, Z/z
 *   gdb_riscv.c  RISC-V registers by gdb number, the target description
 *
 * Everything here runs on the stub's thread except gdb_exit_hook (the
 * thread calling loom_exit) and the vCPU layer's notify (a vCPU thread),
 * which only write a byte to the wake pipe.
 */
#ifndef LOOM_GDBSTUB_GDB_INT_H
#define LOOM_GDBSTUB_GDB_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/compiler.h"

/* Largest packet payload we accept and send (qSupported PacketSize). */
#define GDB_PKT_MAX 16384

struct gdb_state {
    int listen_fd;
    int fd;                  /* the client, or -1 */
    int wake[2];             /* pipe: the machine stopped */
    bool no_ack;             /* QStartNoAckMode accepted */
    bool running;            /* resumed; gdb waits for a stop reply */
    unsigned g_hart;         /* Hg: registers and memory */
    int c_hart;              /* Hc: old-style c/s (-1: all) */
    pthread_mutex_t send_lock;   /* one writer on fd at a time */
    char *last;              /* the last packet sent (resent on '-') */
    size_t last_len;
};

extern struct gdb_state gdb;

/* Send a reply (payload; framing and escapes added). */
void gdb_send(const char *data, size_t len);
void gdb_send_str(const char *s);
/* Send the stop reply for the machine's current stop event, and make
 * the stopping hart the selected thread. */
void gdb_send_stop_reply(void);
/* Handle one packet payload (NUL-terminated; may hold binary for X). */
void gdb_handle_packet(char *p, size_t len);
/* Detach: drop every breakpoint and let every hart run. */
void gdb_detach(void);
/* k / vKill: end the emulator (status 0), telling gdb nothing more. */
NORETURN void gdb_kill(void);

/* gdb_cmd.c: the hardware breakpoints and watchpoints gdb inserted
 * (Z1-Z4), in every hart's debugger trigger slots. */
#define GDB_MAX_HW 16
struct gdb_hw {
    unsigned type;           /* Z type 1..4 */
    uint64_t addr, len;
};
extern struct gdb_hw gdb_hw[GDB_MAX_HW];
extern unsigned gdb_nhw;
/* Remove every trigger slot gdb inserted, on every hart (stopped). */
void gdb_hw_remove_all(void);

/* gdb_riscv.c.  Register numbers as in gdb's riscv target: 0-31 x, 32
 * pc, 33-64 f, 65 + csr, 4161 priv.  Return false for a register that
 * does not exist.  Machine stopped. */
#define GDB_NUM_CORE_REGS 33
bool gdb_reg_read(unsigned hart, unsigned regno, uint64_t *val);
bool gdb_reg_write(unsigned hart, unsigned regno, uint64_t val);
/* 'g' / 'G': the core registers (x0-x31, pc) of one hart. */
void gdb_regs_read(unsigned hart, uint64_t v[GDB_NUM_CORE_REGS]);
void gdb_regs_write(unsigned hart, const uint64_t v[GDB_NUM_CORE_REGS]);
/* Guest memory through hart's MMU (virtual), falling back to physical
 * where the address does not translate; returns the bytes done. */
size_t gdb_mem_read(unsigned hart, uint64_t addr, uint8_t *buf, size_t len);
size_t gdb_mem_write(unsigned hart, uint64_t addr, const uint8_t *buf,
                     size_t len);
/* The target description (target.xml), built on first use. */
const char *gdb_target_xml(size_t *len);

/* Hex digits of the protocol: one table and one parser for the packet
 * framing (gdbstub.c) and the commands (gdb_cmd.c). */
static const char gdb_hexd[] = "0123456789abcdef";

static inline int gdb_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif

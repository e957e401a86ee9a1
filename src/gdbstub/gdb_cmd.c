/*
 * gdb_cmd.c — the packets (GDB remote serial protocol, "Packets" and
 * "General Query Packets").  Runs on the stub's thread with the machine
 * stopped (gdbstub.c); every reply goes out through gdb_send.
 *
 * Threads are harts: thread id = hart index + 1 (gdb reserves 0 for "any"
 * and -1 for "all").  Resuming is all-stop: vCont gives each hart its
 * action (c / s; C and S continue or step, the signal is dropped: a bare
 * machine has nowhere to deliver it); harts without one stay stopped, and
 * when one hart stops every hart stops (vcpu/debug.h).
 *
 * Unsupported (empty reply, gdb then does without): non-stop mode,
 * multiprocess, qXfer of anything but target.xml.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "gdbstub/gdb_int.h"
#include "target/riscv/trigger.h"
#include "util/error.h"
#include "vcpu/debug.h"

/* Parse hex digits at *p (at least one, at most 16): the value. */
static bool parse_hex(const char **p, uint64_t *val)
{
    const char *s = *p;
    uint64_t v = 0;
    int n = 0, d;

    while ((d = gdb_hexval(*s)) >= 0) {
        if (++n > 16)
            return false;
        v = v << 4 | (uint64_t)d;
        s++;
    }
    if (!n)
        return false;
    *p = s;
    *val = v;
    return true;
}

/* A thread id: "-1" (all), "0" (any) or a hart's id.  Returns the hart
 * index, -1 for all, -2 for any, or -3 if invalid. */
static int parse_thread(const char **p)
{
    uint64_t v;

    if ((*p)[0] == '-' && (*p)[1] == '1') {
        *p += 2;
        return -1;
    }
    if (!parse_hex(p, &v))
        return -3;
    if (v == 0)
        return -2;
    return v <= vcpu_count() ? (int)(v - 1) : -3;
}

static void put_hex_bytes(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = gdb_hexd[b[i] >> 4];
        out[2 * i + 1] = gdb_hexd[b[i] & 15];
    }
}

static void put_le64(char *out, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    put_hex_bytes(out, b, 8);
}

static bool get_le64(const char *in, uint64_t *v)
{
    uint64_t r = 0;
    for (int i = 0; i < 8; i++) {
        int hi = gdb_hexval(in[2 * i]), lo = gdb_hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        r |= (uint64_t)(hi << 4 | lo) << (8 * i);
    }
    *v = r;
    return true;
}

/* --- resume -------------------------------------------------------------------- */

static void resume(const enum vcpu_dbg_action *act)
{
    gdb.running = true;          /* the stop reply goes out on the wake */
    vcpu_dbg_resume(act);
}

/* c / s / C / S [addr]: the Hc hart (or hart 0) does the action, the
 * others continue. */
static void cmd_old_resume(const char *p, bool step, bool sig)
{
    enum vcpu_dbg_action act[VCPU_MAX];
    unsigned h = gdb.c_hart >= 0 ? (unsigned)gdb.c_hart : gdb.g_hart;
    uint64_t v;

    if (sig) {                   /* signal number: dropped */
        if (!parse_hex(&p, &v)) {
            gdb_send_str("E01");
            return;
        }
        if (*p == ';')
            p++;
    }
    if (*p) {
        if (!parse_hex(&p, &v)) {
            gdb_send_str("E01");
            return;
        }
        gdb_reg_write(h, 32, v);
    }
    for (unsigned i = 0; i < vcpu_count(); i++)
        act[i] = VCPU_DBG_CONT;
    if (step)
        act[h] = VCPU_DBG_STEP_ONE;
    resume(act);
}

/* vCont;action[:thread]...: the leftmost action that applies to a
 * thread wins (the protocol's rule). */
static void cmd_vcont(const char *p)
{
    enum vcpu_dbg_action act[VCPU_MAX];
    bool set[VCPU_MAX] = { false };
    uint64_t v;

    for (unsigned i = 0; i < vcpu_count(); i++)
        act[i] = VCPU_DBG_STAY;
    while (*p == ';') {
        char a = *++p;
        enum vcpu_dbg_action x;
        p++;
        if (a == 'c' || a == 'C') {
            x = VCPU_DBG_CONT;
        } else if (a == 's' || a == 'S') {
            x = VCPU_DBG_STEP_ONE;
        } else {
            gdb_send_str("E01");     /* t, r: not offered in vCont? */
            return;
        }
        if ((a == 'C' || a == 'S') && !parse_hex(&p, &v)) {
            gdb_send_str("E01");
            return;
        }
        int t = -1;
        if (*p == ':') {
            p++;
            t = parse_thread(&p);
            if (t == -3) {
                gdb_send_str("E02");
                return;
            }
        }
        for (unsigned i = 0; i < vcpu_count(); i++) {
            if ((t < 0 || (unsigned)t == i) && !set[i]) {
                act[i] = x;
                set[i] = true;
            }
        }
    }
    if (*p) {
        gdb_send_str("E01");
        return;
    }
    resume(act);
}

/* --- registers and memory ------------------------------------------------------ */

static void cmd_g(void)
{
    uint64_t v[GDB_NUM_CORE_REGS];
    char out[GDB_NUM_CORE_REGS * 16 + 1];

    gdb_regs_read(gdb.g_hart, v);
    for (unsigned r = 0; r < GDB_NUM_CORE_REGS; r++)
        put_le64(out + 16 * r, v[r]);
    gdb_send(out, sizeof(out) - 1);
}

static void cmd_G(const char *p, size_t len)
{
    uint64_t v[GDB_NUM_CORE_REGS];

    if (len < 1 + GDB_NUM_CORE_REGS * 16) {
        gdb_send_str("E01");
        return;
    }
    for (unsigned r = 0; r < GDB_NUM_CORE_REGS; r++)
        if (!get_le64(p + 16 * r, &v[r])) {
            gdb_send_str("E01");
            return;
        }
    gdb_regs_write(gdb.g_hart, v);
    gdb_send_str("OK");
}

static void cmd_p(const char *p)
{
    uint64_t r, v;
    char out[17];

    if (!parse_hex(&p, &r) || *p || r > 0xffff) {
        gdb_send_str("E01");
        return;
    }
    if (!gdb_reg_read(gdb.g_hart, (unsigned)r, &v)) {
        gdb_send_str("E0e");         /* no such register */
        return;
    }
    put_le64(out, v);
    gdb_send(out, 16);
}

static void cmd_P(const char *p)
{
    uint64_t r, v;

    if (!parse_hex(&p, &r) || *p++ != '=' || r > 0xffff ||
        strlen(p) != 16 || !get_le64(p, &v)) {
        gdb_send_str("E01");
        return;
    }
    gdb_send_str(gdb_reg_write(gdb.g_hart, (unsigned)r, v) ? "OK" : "E0e");
}

/* "addr,len" */
static bool parse_range(const char **p, uint64_t *addr, uint64_t *len)
{
    return parse_hex(p, addr) && *(*p)++ == ',' && parse_hex(p, len);
}

static void cmd_m(const char *p)
{
    uint64_t addr, len;
    uint8_t *buf;

    if (!parse_range(&p, &addr, &len) || *p) {
        gdb_send_str("E01");
        return;
    }
    if (len > GDB_PKT_MAX / 2)
        len = GDB_PKT_MAX / 2;       /* gdb asks again for the rest */
    buf = malloc(len ? len : 1);
    char *out = malloc(2 * len + 1);
    if (!buf || !out)
        loom_fatal("gdbstub: out of memory");
    size_t n = gdb_mem_read(gdb.g_hart, addr, buf, len);
    if (n == 0 && len) {
        gdb_send_str("E14");         /* EFAULT */
    } else {
        put_hex_bytes(out, buf, n);
        gdb_send(out, 2 * n);
    }
    free(buf);
    free(out);
}

/* M addr,len:hex  or (binary) X addr,len:bytes */
static void cmd_M(const char *p, size_t plen, bool binary)
{
    const char *start = p;
    uint64_t addr, len;

    if (!parse_range(&p, &addr, &len) || *p++ != ':') {
        gdb_send_str("E01");
        return;
    }
    size_t avail = plen - (size_t)(p - start);
    if (len > GDB_PKT_MAX || avail != (binary ? len : 2 * len)) {
        gdb_send_str("E01");
        return;
    }
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        loom_fatal("gdbstub: out of memory");
    for (uint64_t i = 0; i < len; i++) {
        if (binary) {
            buf[i] = (uint8_t)p[i];
            continue;
        }
        int hi = gdb_hexval(p[2 * i]), lo = gdb_hexval(p[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(buf);
            gdb_send_str("E01");
            return;
        }
        buf[i] = (uint8_t)(hi << 4 | lo);
    }
    size_t n = len ? gdb_mem_write(gdb.g_hart, addr, buf, len) : 0;
    free(buf);
    gdb_send_str(n == len ? "OK" : "E14");
}

/* --- hardware breakpoints and watchpoints (Z1-Z4) -------------------------------
 * gdb's are global; the triggers are per hart, so each is inserted into
 * every hart's debugger slots (trigger.h), on each hart's own thread. */

struct gdb_hw gdb_hw[GDB_MAX_HW];
unsigned gdb_nhw;

struct trig_op {
    unsigned access;
    uint64_t addr, len;
    bool insert, all;
    int r;
};

static void trig_work(struct rv_hart *h, void *arg)
{
    struct trig_op *op = arg;

    if (op->all)
        rv_trig_debug_remove_all(h);
    else if (op->insert)
        op->r = rv_trig_debug_insert(h, op->access, op->addr, op->len);
    else
        op->r = rv_trig_debug_remove(h, op->access, op->addr, op->len);
}

static unsigned z_access(unsigned type)
{
    return type == 1 ? RV_TRIG_EXEC : type == 2 ? RV_TRIG_STORE
         : type == 3 ? RV_TRIG_LOAD : RV_TRIG_LOAD | RV_TRIG_STORE;
}

/* Z1 kind is the instruction length: execute matches its first byte. */
static uint64_t z_len(unsigned type, uint64_t kind)
{
    return type == 1 ? 1 : kind;
}

static void cmd_z_hw(unsigned type, uint64_t addr, uint64_t kind, bool insert)
{
    struct trig_op op = { .access = z_access(type), .addr = addr,
                          .len = z_len(type, kind), .insert = insert };
    unsigned i, n = vcpu_count();

    if (insert) {
        if (gdb_nhw == GDB_MAX_HW) {
            gdb_send_str("E1c");         /* ENOSPC */
            return;
        }
        for (i = 0; i < n; i++) {
            vcpu_dbg_run_on(i, trig_work, &op);
            if (op.r)
                break;
        }
        if (i < n) {                      /* undo the harts done so far */
            int err = op.r;
            op.insert = false;
            while (i--)
                vcpu_dbg_run_on(i, trig_work, &op);
            gdb_send_str(err == -ENOSPC ? "E1c" : "E16");   /* EINVAL */
            return;
        }
        gdb_hw[gdb_nhw++] = (struct gdb_hw){ type, addr, op.len };
        gdb_send_str("OK");
        return;
    }
    for (i = 0; i < gdb_nhw; i++)
        if (gdb_hw[i].type == type && gdb_hw[i].addr == addr &&
            gdb_hw[i].len == op.len)
            break;
    if (i == gdb_nhw) {
        gdb_send_str("E02");
        return;
    }
    gdb_hw[i] = gdb_hw[--gdb_nhw];
    for (unsigned h = 0; h < n; h++)
        vcpu_dbg_run_on(h, trig_work, &op);
    gdb_send_str("OK");
}

void gdb_hw_remove_all(void)
{
    struct trig_op op = { .all = true };

    for (unsigned h = 0; h < vcpu_count(); h++)
        vcpu_dbg_run_on(h, trig_work, &op);
    gdb_nhw = 0;
}

/* Z0 / z0: software breakpoints; Z1-Z4 through the triggers. */
static void cmd_z(const char *p, bool insert)
{
    uint64_t type, addr, kind;

    if (!parse_hex(&p, &type) || *p++ != ',' || !parse_hex(&p, &addr) ||
        *p++ != ',' || !parse_hex(&p, &kind)) {
        gdb_send_str("E01");
        return;
    }
    if (type > 4) {
        gdb_send_str("");
        return;
    }
    if (type != 0) {
        cmd_z_hw((unsigned)type, addr, kind, insert);
        return;
    }
    if (insert)
        gdb_send_str(vcpu_dbg_bp_insert(addr) ? "OK" : "E1c");  /* ENOSPC */
    else
        gdb_send_str(vcpu_dbg_bp_remove(addr) ? "OK" : "E02");
}

/* --- queries ------------------------------------------------------------------- */

static void cmd_xfer_features(const char *p)
{
    uint64_t off, len;
    size_t xlen;
    const char *xml;

    if (strncmp(p, "target.xml:", 11)) {
        gdb_send_str("E00");
        return;
    }
    p += 11;
    if (!parse_range(&p, &off, &len) || *p) {
        gdb_send_str("E01");
        return;
    }
    xml = gdb_target_xml(&xlen);
    if (off > xlen) {
        gdb_send_str("E01");
        return;
    }
    if (len > GDB_PKT_MAX / 2 - 1)
        len = GDB_PKT_MAX / 2 - 1;   /* escapes may double it */
    size_t n = xlen - off < len ? xlen - off : len;
    char *out = malloc(n + 1);
    if (!out)
        loom_fatal("gdbstub: out of memory");
    out[0] = off + n == xlen ? 'l' : 'm';
    memcpy(out + 1, xml + off, n);
    gdb_send(out, n + 1);
    free(out);
}

static void cmd_thread_info(void)
{
    char *out = malloc(8 * VCPU_MAX + 2);
    size_t k = 0;

    if (!out)
        loom_fatal("gdbstub: out of memory");
    out[k++] = 'm';
    for (unsigned i = 0; i < vcpu_count(); i++)
        k += (size_t)sprintf(out + k, "%s%x", i ? "," : "", i + 1);
    gdb_send(out, k);
    free(out);
}

static void cmd_extra_info(const char *p)
{
    int t = parse_thread(&p);
    char txt[64], out[129];

    if (t < 0) {
        gdb_send_str("E01");
        return;
    }
    int n = snprintf(txt, sizeof(txt), "hart %d", t);
    put_hex_bytes(out, (const uint8_t *)txt, (size_t)n);
    gdb_send(out, 2 * (size_t)n);
}

static void cmd_query(const char *p)
{
    char buf[128];

    if (!strncmp(p, "Supported", 9)) {
        snprintf(buf, sizeof(buf), "PacketSize=%x;qXfer:features:read+;"
                 "vContSupported+;swbreak+;hwbreak+;QStartNoAckMode+", GDB_PKT_MAX);
        gdb_send_str(buf);
    } else if (!strcmp(p, "Attached") || !strncmp(p, "Attached:", 9)) {
        gdb_send_str("1");           /* detach, not kill, on quit */
    } else if (!strcmp(p, "C")) {
        snprintf(buf, sizeof(buf), "QC%x", gdb.g_hart + 1);
        gdb_send_str(buf);
    } else if (!strcmp(p, "fThreadInfo")) {
        cmd_thread_info();
    } else if (!strcmp(p, "sThreadInfo")) {
        gdb_send_str("l");
    } else if (!strncmp(p, "ThreadExtraInfo,", 16)) {
        cmd_extra_info(p + 16);
    } else if (!strncmp(p, "Xfer:features:read:", 19)) {
        cmd_xfer_features(p + 19);
    } else {
        gdb_send_str("");            /* unsupported: gdb does without */
    }
}

static void cmd_v(const char *p)
{
    if (!strcmp(p, "Cont?")) {
        gdb_send_str("vCont;c;C;s;S");
    } else if (!strncmp(p, "Cont", 4) && (p[4] == ';' || !p[4])) {
        cmd_vcont(p + 4);
    } else if (!strncmp(p, "Kill", 4)) {
        gdb_send_str("OK");
        gdb_kill();
    } else {
        gdb_send_str("");
    }
}

void gdb_handle_packet(char *p, size_t len)
{
    const char *a = p + 1;

    switch (p[0]) {
    case '?':
        gdb_send_stop_reply();
        break;
    case 'q':
        cmd_query(a);
        break;
    case 'Q':
        if (!strcmp(a, "StartNoAckMode")) {
            gdb_send_str("OK");
            gdb.no_ack = true;
        } else {
            gdb_send_str("");
        }
        break;
    case 'H': {
        const char *t = a + 1;
        int h = parse_thread(&t);
        if ((a[0] != 'g' && a[0] != 'c') || h == -3 || *t) {
            gdb_send_str("E01");
            break;
        }
        if (a[0] == 'g')
            gdb.g_hart = h >= 0 ? (unsigned)h : gdb.g_hart;
        else
            gdb.c_hart = h >= 0 ? h : -1;
        gdb_send_str("OK");
        break;
    }
    case 'T': {
        int h = parse_thread(&a);
        gdb_send_str(h >= 0 && !*a ? "OK" : "E01");
        break;
    }
    case 'g': cmd_g(); break;
    case 'G': cmd_G(a, len); break;
    case 'p': cmd_p(a); break;
    case 'P': cmd_P(a); break;
    case 'm': cmd_m(a); break;
    case 'M': cmd_M(a, len - 1, false); break;
    case 'X': cmd_M(a, len - 1, true); break;
    case 'c': cmd_old_resume(a, false, false); break;
    case 's': cmd_old_resume(a, true, false); break;
    case 'C': cmd_old_resume(a, false, true); break;
    case 'S': cmd_old_resume(a, true, true); break;
    case 'v': cmd_v(a); break;
    case 'Z': cmd_z(a, true); break;
    case 'z': cmd_z(a, false); break;
    case 'D':
        gdb_send_str("OK");
        gdb_detach();
        break;
    case 'k':
        gdb_kill();
    default:
        gdb_send_str("");
        break;
    }
}

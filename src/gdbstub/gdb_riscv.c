/*
 * gdb_riscv.c — RISC-V registers for gdb and the target description.
 *
 * Numbers follow gdb's riscv target (riscv-tdep.h): x0-x31 are 0-31, pc
 * 32, f0-f31 33-64, CSR n is 65 + n (fflags, frm and fcsr too, listed in
 * the FPU feature as gdb wants), the virtual "priv" register 4161.  The
 * description names each register with its number (regnum=), so 'p'/'P'
 * use these numbers and 'g' carries the 33 core registers.
 *
 * Every access runs on the hart's own thread (vcpu_dbg_run_on): CSR
 * writes may flush that hart's TLB, which only its owner may do (V4).
 * FPRs, fflags and frm are read from the hart state directly, so gdb
 * sees them even while mstatus.FS is Off (a CSR read would fail then).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gdbstub/gdb_int.h"
#include "target/riscv/cpu.h"
#include "util/error.h"
#include "vcpu/debug.h"

#define GDB_REG_F0     33
#define GDB_REG_CSR0   65
#define GDB_REG_PRIV   4161
#define CSR_FFLAGS 1
#define CSR_FRM    2
#define CSR_FCSR   3

struct reg_op {
    unsigned regno;
    bool write, ok;
    uint64_t val;
    uint64_t *all;           /* g / G: the core registers */
};

static bool reg_access(struct rv_hart *h, struct reg_op *op)
{
    unsigned r = op->regno;

    if (r < 32) {
        if (op->write && r)
            h->x[r] = op->val;
        op->val = h->x[r];
        return true;
    }
    if (r == 32) {
        if (op->write)
            h->pc = op->val & ~1ull;
        op->val = h->pc;
        return true;
    }
    if (r >= GDB_REG_F0 && r < GDB_REG_F0 + 32) {
        if (op->write)
            h->f[r - GDB_REG_F0] = op->val;
        op->val = h->f[r - GDB_REG_F0];
        return true;
    }
    if (r == GDB_REG_PRIV) {
        if (op->write) {
            if (op->val != RV_PRIV_U && op->val != RV_PRIV_S &&
                op->val != RV_PRIV_M)
                return false;
            h->priv = (enum rv_priv)op->val;
        }
        op->val = h->priv;
        return true;
    }
    if (r < GDB_REG_CSR0 || r >= GDB_REG_CSR0 + 4096)
        return false;
    unsigned csr = r - GDB_REG_CSR0;
    if (csr >= CSR_FFLAGS && csr <= CSR_FCSR) {
        if (op->write) {
            if (csr != CSR_FRM)
                h->fflags = op->val & 0x1f;
            if (csr == CSR_FRM)
                h->frm = op->val & 7;
            else if (csr == CSR_FCSR)
                h->frm = (op->val >> 5) & 7;
        }
        op->val = csr == CSR_FFLAGS ? h->fflags
                : csr == CSR_FRM ? h->frm : (uint64_t)h->frm << 5 | h->fflags;
        return true;
    }
    if (op->write && !rv_csr_debug_write(h, csr, op->val))
        return false;
    return rv_csr_debug_read(h, csr, &op->val);
}

static void reg_work(struct rv_hart *h, void *arg)
{
    struct reg_op *op = arg;

    if (op->all) {
        for (unsigned r = 0; r < GDB_NUM_CORE_REGS; r++) {
            struct reg_op one = { .regno = r, .write = op->write,
                                  .val = op->all[r] };
            reg_access(h, &one);
            op->all[r] = one.val;
        }
        op->ok = true;
        return;
    }
    op->ok = reg_access(h, op);
}

bool gdb_reg_read(unsigned hart, unsigned regno, uint64_t *val)
{
    struct reg_op op = { .regno = regno };

    vcpu_dbg_run_on(hart, reg_work, &op);
    *val = op.val;
    return op.ok;
}

bool gdb_reg_write(unsigned hart, unsigned regno, uint64_t val)
{
    struct reg_op op = { .regno = regno, .write = true, .val = val };

    vcpu_dbg_run_on(hart, reg_work, &op);
    return op.ok;
}

void gdb_regs_read(unsigned hart, uint64_t v[GDB_NUM_CORE_REGS])
{
    struct reg_op op = { .all = v };

    vcpu_dbg_run_on(hart, reg_work, &op);
}

void gdb_regs_write(unsigned hart, const uint64_t v[GDB_NUM_CORE_REGS])
{
    uint64_t tmp[GDB_NUM_CORE_REGS];
    struct reg_op op = { .all = tmp, .write = true };

    memcpy(tmp, v, sizeof(tmp));
    vcpu_dbg_run_on(hart, reg_work, &op);
}

/* --- memory ------------------------------------------------------------------ */

struct mem_op {
    uint64_t addr;
    uint8_t *buf;
    size_t len, done;
    bool write;
};

/* Page by page: translate through the hart's MMU; where that fails, use
 * the address as physical (gdb's view of a bare-metal image whose
 * symbols are physical while the hart runs translated, or the reverse). */
static void mem_work(struct rv_hart *h, void *arg)
{
    struct mem_op *op = arg;

    while (op->done < op->len) {
        uint64_t va = op->addr + op->done, pa;
        size_t n = TLB_PAGE_SIZE - (va & ~TLB_PAGE_MASK), got;
        if (n > op->len - op->done)
            n = op->len - op->done;
        if (!rv_dbg_virt_to_phys(h, va, &pa))
            pa = va;
        got = op->write
            ? vcpu_dbg_write_phys(h, pa, op->buf + op->done, n)
            : vcpu_dbg_read_phys(h, pa, op->buf + op->done, n);
        if (got == 0 && pa != va) {      /* mapped, but not to RAM: try */
            got = op->write
                ? vcpu_dbg_write_phys(h, va, op->buf + op->done, n)
                : vcpu_dbg_read_phys(h, va, op->buf + op->done, n);
        }
        op->done += got;
        if (got < n)
            break;
    }
}

size_t gdb_mem_read(unsigned hart, uint64_t addr, uint8_t *buf, size_t len)
{
    struct mem_op op = { .addr = addr, .buf = buf, .len = len };

    vcpu_dbg_run_on(hart, mem_work, &op);
    return op.done;
}

size_t gdb_mem_write(unsigned hart, uint64_t addr, const uint8_t *buf,
                     size_t len)
{
    struct mem_op op = { .addr = addr, .buf = (uint8_t *)buf, .len = len,
                         .write = true };

    vcpu_dbg_run_on(hart, mem_work, &op);
    return op.done;
}

/* --- target description ------------------------------------------------------ */

static const char *const xreg_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1",
    "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4",
    "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};
static const char *const freg_names[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1",
    "fa0", "fa1", "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3",
    "fs4", "fs5", "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9",
    "ft10", "ft11",
};

struct xml_buf {
    char *p;
    size_t len, cap;
};

PRINTF_FMT(2, 3) static void xml_add(struct xml_buf *b, const char *fmt, ...)
{
    va_list ap;

    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt,
                          ap);
        va_end(ap);
        if (n < 0)
            loom_fatal("gdbstub: cannot format the target description");
        if (b->p && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            loom_fatal("gdbstub: out of memory for the target description");
    }
}

/* Which CSRs exist (probed on hart 0: every hart implements the same). */
struct csr_probe {
    bool exists[4096];
};

static void probe_work(struct rv_hart *h, void *arg)
{
    struct csr_probe *pr = arg;
    uint64_t v;

    for (unsigned c = 0; c < 4096; c++)
        pr->exists[c] = rv_csr_name(c) && rv_csr_debug_read(h, c, &v);
}

static char *xml_build(size_t *len)
{
    struct xml_buf b = { 0 };
    struct csr_probe *pr = calloc(1, sizeof(*pr));

    if (!pr)
        loom_fatal("gdbstub: out of memory for the target description");
    vcpu_dbg_run_on(0, probe_work, pr);
    xml_add(&b, "<?xml version=\"1.0\"?>\n"
            "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
            "<target version=\"1.0\">\n"
            "<architecture>riscv:rv64</architecture>\n"
            "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (unsigned r = 0; r < 32; r++)
        xml_add(&b, "<reg name=\"%s\" bitsize=\"64\" regnum=\"%u\" "
                "type=\"%s\"/>\n", xreg_names[r], r,
                r == 1 ? "code_ptr" : r >= 2 && r <= 4 ? "data_ptr" : "int");
    xml_add(&b, "<reg name=\"pc\" bitsize=\"64\" regnum=\"32\" "
            "type=\"code_ptr\"/>\n</feature>\n"
            "<feature name=\"org.gnu.gdb.riscv.fpu\">\n"
            "<union id=\"riscv_double\">"
            "<field name=\"float\" type=\"ieee_single\"/>"
            "<field name=\"double\" type=\"ieee_double\"/></union>\n");
    for (unsigned r = 0; r < 32; r++)
        xml_add(&b, "<reg name=\"%s\" bitsize=\"64\" regnum=\"%u\" "
                "type=\"riscv_double\" group=\"float\"/>\n", freg_names[r],
                GDB_REG_F0 + r);
    for (unsigned c = CSR_FFLAGS; c <= CSR_FCSR; c++)
        xml_add(&b, "<reg name=\"%s\" bitsize=\"32\" regnum=\"%u\" "
                "type=\"int\" group=\"float\"/>\n", rv_csr_name(c),
                GDB_REG_CSR0 + c);
    xml_add(&b, "</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for (unsigned c = CSR_FCSR + 1; c < 4096; c++)
        if (pr->exists[c])
            xml_add(&b, "<reg name=\"%s\" bitsize=\"64\" regnum=\"%u\" "
                    "type=\"int\" group=\"csr\"/>\n", rv_csr_name(c),
                    GDB_REG_CSR0 + c);
    xml_add(&b, "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
            "<reg name=\"priv\" bitsize=\"64\" regnum=\"%u\" type=\"int\" "
            "group=\"general\"/>\n</feature>\n</target>\n", GDB_REG_PRIV);
    free(pr);
    *len = b.len;
    return b.p;
}

const char *gdb_target_xml(size_t *len)
{
    static char *xml;
    static size_t xml_len;

    if (!xml)
        xml = xml_build(&xml_len);
    *len = xml_len;
    return xml;
}

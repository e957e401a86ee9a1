/*
 * stats.c — -d stats (a table on the log) and -stats FILE (JSON): the
 * per-hart counters of util/hstats.h plus the machine's (code buffer, full
 * flushes, hash resizes).  Written at exit (a loom_exit hook, so at
 * power-off, reset-to-exit and fatal errors alike) and on SIGUSR1.
 * docs/stats.md gives each counter's exact meaning.
 *
 * Threads: the counters are read with relaxed loads while their owners may
 * still run (the exit hook runs on the powering-off thread; SIGUSR1 dumps
 * run live), so a dump is a snapshot a few events old per counter, not one
 * instant.  The SIGUSR1 handler only writes a byte to a pipe
 * (async-signal-safe); the stats thread reads it and dumps.  dump_lock
 * keeps the exit dump and a live dump from interleaving.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "util/error.h"
#include "util/log.h"
#include "vcpu/stats.h"
#include "vcpu/vcpu_internal.h"

static const char *const hstat_names[HS_N] = {
    [HS_LOOP_TBS] = "loop_tbs",
    [HS_TRANSLATIONS] = "translations",
    [HS_TBHT_LOOKUPS] = "tbht_lookups",
    [HS_TBHT_MISSES] = "tbht_misses",
    [HS_JC_HITS] = "jc_hits",
    [HS_JC_MISSES] = "jc_misses",
    [HS_PTR_LOOKUPS] = "ptr_lookups",
    [HS_EXIT_CHAIN] = "exit_chain",
    [HS_EXIT_NOCHAIN] = "exit_nochain",
    [HS_EXIT_REQUESTED] = "exit_requested",
    [HS_EXIT_TRAP] = "exit_trap",
    [HS_KICKS] = "kicks",
    [HS_WFI_SLEEPS] = "wfi_sleeps",
    [HS_TLB_FILLS] = "tlb_fills",
    [HS_TLB_FLUSHES] = "tlb_flushes",
    [HS_TLB_PAGE_FLUSHES] = "tlb_page_flushes",
    [HS_SMC_INVAL] = "smc_invalidations",
    [HS_EXCL] = "exclusive_sections",
    [HS_EXCL_WAIT_NS] = "exclusive_wait_ns",
    [HS_AMOS] = "amos",
    [HS_SC] = "sc",
    [HS_SC_FAIL] = "sc_failures",
};

static bool stats_table;          /* -d stats */
static int stats_fd = -1;         /* -stats FILE, rewritten by each dump */
static const char *stats_path;
static pthread_mutex_t dump_lock = PTHREAD_MUTEX_INITIALIZER;
static int sig_pipe[2] = { -1, -1 };

#define LD(p) atomic_load_explicit((p), memory_order_relaxed)

/* One hart's counters, as a snapshot (the TLB's live in struct tlb). */
struct snap {
    uint64_t insns;
    uint64_t c[HS_N];
    uint64_t exc[HS_CAUSES], irq[HS_CAUSES];
};

static void take(struct rv_hart *h, struct snap *s)
{
    /* insn_count is written by generated code (owner); a relaxed atomic
     * read gives an untorn value. */
    s->insns = __atomic_load_n(&h->insn_count, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < HS_N; i++)
        s->c[i] = LD(&h->stats.c[i]);
    /* The TLB keeps its own (softmmu sits below this layer). */
    s->c[HS_TLB_FILLS] = LD(&h->tlb.fill_count);
    s->c[HS_TLB_FLUSHES] = LD(&h->tlb.flush_count);
    s->c[HS_TLB_PAGE_FLUSHES] = LD(&h->tlb.page_flush_count);
    for (unsigned i = 0; i < HS_CAUSES; i++) {
        s->exc[i] = LD(&h->stats.exc[i]);
        s->irq[i] = LD(&h->stats.irq[i]);
    }
}

static double jc_rate(const struct snap *s)
{
    uint64_t n = s->c[HS_JC_HITS] + s->c[HS_JC_MISSES];
    return n ? (double)s->c[HS_JC_HITS] / (double)n : 0.0;
}

static void print_causes(FILE *f, const char *key, const uint64_t *v)
{
    bool first = true;
    fprintf(f, ", \"%s\": {", key);
    for (unsigned i = 0; i < HS_CAUSES; i++) {
        if (!v[i])
            continue;
        fprintf(f, "%s\"%u\": %llu", first ? "" : ", ", i,
                (unsigned long long)v[i]);
        first = false;
    }
    fputc('}', f);
}

static void machine_json(FILE *f)
{
    unsigned total;
    size_t rbytes;
    unsigned used = be_regions_used(&total, &rbytes);
    fprintf(f, "  \"machine\": {\"harts\": %u, \"code_regions_used\": %u, "
            "\"code_regions\": %u, \"code_region_bytes\": %zu, "
            "\"full_flushes\": %u, \"tbht_resizes\": %lu, "
            "\"smc_invalidations\": %lu, \"resets\": %u}\n",
            vcpu_count(), used, total, rbytes, be_flush_count(),
            tbht_resize_count(vcpu_tbht), LD(&vcpu_smc_invalidations),
            vcpu_reset_count());
}

static void write_json(FILE *f)
{
    fputs("{\n  \"harts\": [\n", f);
    for (unsigned i = 0; i < vcpu_count(); i++) {
        struct snap s;
        take(vcpu_hart(i), &s);
        fprintf(f, "    {\"hart\": %u, \"insns\": %llu", i,
                (unsigned long long)s.insns);
        for (unsigned k = 0; k < HS_N; k++)
            fprintf(f, ", \"%s\": %llu", hstat_names[k],
                    (unsigned long long)s.c[k]);
        fprintf(f, ", \"jc_hit_rate\": %.6f", jc_rate(&s));
        print_causes(f, "exceptions", s.exc);
        print_causes(f, "interrupts", s.irq);
        fprintf(f, "}%s\n", i + 1 < vcpu_count() ? "," : "");
    }
    fputs("  ],\n", f);
    machine_json(f);
    fputs("}\n", f);
}

static void write_table(FILE *f)
{
    unsigned n = vcpu_count();
    struct snap *s = calloc(n ? n : 1, sizeof(*s));
    if (!s)
        return;
    for (unsigned i = 0; i < n; i++)
        take(vcpu_hart(i), &s[i]);
    fprintf(f, "stats: %-20s", "counter");
    for (unsigned i = 0; i < n; i++)
        fprintf(f, " %14s%-2u", "hart", i);
    fputc('\n', f);
    fprintf(f, "stats: %-20s", "insns");
    for (unsigned i = 0; i < n; i++)
        fprintf(f, " %16llu", (unsigned long long)s[i].insns);
    fputc('\n', f);
    for (unsigned k = 0; k < HS_N; k++) {
        fprintf(f, "stats: %-20s", hstat_names[k]);
        for (unsigned i = 0; i < n; i++)
            fprintf(f, " %16llu", (unsigned long long)s[i].c[k]);
        fputc('\n', f);
    }
    fprintf(f, "stats: %-20s", "jc_hit_rate");
    for (unsigned i = 0; i < n; i++)
        fprintf(f, " %16.4f", jc_rate(&s[i]));
    fputc('\n', f);
    /* Causes: one row per code some hart took. */
    for (int irq = 0; irq < 2; irq++)
        for (unsigned c = 0; c < HS_CAUSES; c++) {
            bool any = false;
            for (unsigned i = 0; i < n; i++)
                any |= (irq ? s[i].irq[c] : s[i].exc[c]) != 0;
            if (!any)
                continue;
            fprintf(f, "stats: %-9s cause %-4u", irq ? "interrupt" : "exception",
                    c);
            for (unsigned i = 0; i < n; i++)
                fprintf(f, " %16llu", (unsigned long long)
                        (irq ? s[i].irq[c] : s[i].exc[c]));
            fputc('\n', f);
        }
    unsigned total;
    size_t rbytes;
    unsigned used = be_regions_used(&total, &rbytes);
    fprintf(f, "stats: machine: code regions %u/%u used (%zu bytes each), "
            "%u full flushes, %lu hash resizes, %lu SMC invalidations, "
            "%u resets\n", used, total, rbytes, be_flush_count(),
            tbht_resize_count(vcpu_tbht), LD(&vcpu_smc_invalidations),
            vcpu_reset_count());
    free(s);
}

/* Rewrite the -stats file whole: a reader never sees two dumps mixed. */
static void dump_json(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    write_json(m);
    if (fclose(m) == 0 && ftruncate(stats_fd, 0) == 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t w = pwrite(stats_fd, buf + off, len - off, (off_t)off);
            if (w <= 0) {
                if (w < 0 && errno == EINTR)
                    continue;
                loom_warn("-stats %s: write failed", stats_path);
                break;
            }
            off += (size_t)w;
        }
    }
    free(buf);
}

static void dump(void)
{
    if (!vcpu_count())
        return;                   /* exit before the harts were made */
    pthread_mutex_lock(&dump_lock);
    if (stats_table) {
        FILE *f = log_lock();
        write_table(f);
        log_unlock();
    }
    if (stats_fd >= 0)
        dump_json();
    pthread_mutex_unlock(&dump_lock);
}

static void on_sigusr1(int sig)
{
    (void)sig;
    int e = errno;
    char c = 1;
    /* A full pipe means a dump is already due: dropping the byte is fine. */
    ssize_t r = write(sig_pipe[1], &c, 1);
    (void)r;
    errno = e;
}

static void *stats_thread(void *arg)
{
    (void)arg;
    for (;;) {
        char c;
        ssize_t r = read(sig_pipe[0], &c, 1);
        if (r == 1)
            dump();
        else if (r < 0 && errno != EINTR)
            return NULL;
    }
}

void vcpu_stats_enable(bool table, const char *json_path)
{
    stats_table = table;
    if (json_path) {
        stats_path = json_path;
        stats_fd = open(json_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        0644);
        if (stats_fd < 0)
            loom_user_error("-stats %s: cannot open: %s", json_path,
                            strerror(errno));
    }
    loom_at_exit(dump);
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        loom_resource_error("-d stats: cannot make the SIGUSR1 pipe");
    /* The reader blocks; only the handler's end is non-blocking. */
    int fl = fcntl(sig_pipe[0], F_GETFL);
    if (fl < 0 || fcntl(sig_pipe[0], F_SETFL, fl & ~O_NONBLOCK) < 0)
        loom_resource_error("-d stats: cannot set up the SIGUSR1 pipe");
    pthread_t t;
    if (pthread_create(&t, NULL, stats_thread, NULL) != 0)
        loom_resource_error("-d stats: cannot start the stats thread");
    pthread_detach(t);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigusr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
}

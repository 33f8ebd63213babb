/* Isolated cells (bt_sweep_desc.isolate): each (workload, cell) runs in a freshly started child
   process, so a segfault, an abort, a hang or a sticky device error in one cell becomes that
   cell's status while the sweep goes on. POSIX (raise, nanosleep).
   The program is started again for every isolated cell, so main() dispatches: in a child
   (bt_sweep_isolated_child()) it goes straight to the sweep named by TT_ISO_CASE. */
#define _POSIX_C_SOURCE 200809L
#define BATCHTUNE_IMPLEMENTATION
#include "../batchtune.h"
#include "test.h"
#include <signal.h>
#include <time.h>
#include <unistd.h>

static char **g_argv;
static bt_device *g_dev;       /* made before bt_sweep_run, like a CUDA context */
static char g_dir[256];

static void tt_sleep_s(double s) {
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0) {}
}
/* batch 2 segfaults, 3 aborts, 4 hangs, 5 meets a sticky device error; others sleep batch ms */
static bt_status fragile_run(const bt_cell *c, void *user, bt_sample *s) {
    int64_t b = bt_cell_i64(c, 0);
    (void)user;
    if (getenv("BATCHTUNE_ISOLATE")) { snprintf(s->error, sizeof s->error, "BATCHTUNE_ISOLATE reached the cell"); return BT_E_WORKLOAD; }
    if (b == 2) { signal(SIGSEGV, SIG_DFL); raise(SIGSEGV); }   /* default action even where a sanitizer
                                                                   handles SEGV (it would exit 1) */
    if (b == 3) { fprintf(stderr, "fragile: giving up on batch 3\n"); abort(); }
    if (b == 4) for (;;) tt_sleep_s(0.05);
    if (b == 5) {
        bt_fault f;
        memset(&f, 0, sizeof f);
        f.kind = BT_FAULT_STICKY;
        f.msg = "illegal memory access (injected)";
        bt_fault_device_inject(g_dev, &f);
    }
    if (bt_device_sync(g_dev) != BT_OK) return bt_device_fail_sample(g_dev, BT_E_CUDA, s);
    tt_sleep_s((double)b * 1e-3);
    s->items = (double)b;
    return BT_OK;
}

static bt_grid *fragile_grid(int extra) {
    bt_grid *g = bt_grid_create();
    bt_grid_parse_axis(g, extra ? "batch=1..8" : "batch=1..7", NULL);
    return g;
}
static bt_sweep_desc fragile_desc(const char *path, int resume) {
    bt_sweep_desc d;
    memset(&d, 0, sizeof d);
    d.results_path = path;
    d.resume = resume;
    d.no_fsync = 1;
    d.isolate = 1;
    d.argv = g_argv;
    d.stop.min_samples = 3;
    d.stop.min_time_s = 0.01;
    d.stop.max_time_s = 0.1;
    d.stop.timeout_s = 0.3;   /* isolate_timeout_s: 0.3 x (1 + 2) + 0.1 = 1 s */
    return d;
}
typedef struct tt_prog { int n, skipped; } tt_prog;
static void count_progress(const bt_progress *p, void *user) {
    tt_prog *t = (tt_prog *)user;
    t->n++;
    t->skipped += p->skipped;
}
/* the sweep of case `which`; the parent and every child reach it the same way */
static bt_status fragile_sweep(const char *which, bt_results **out, tt_prog *prog) {
    char path[512];
    bt_grid *g = fragile_grid(strcmp(which, "other") == 0);
    bt_workload w;
    bt_sweep_desc d;
    bt_fault_desc fd;
    bt_status st;
    memset(&fd, 0, sizeof fd);
    g_dev = bt_fault_device_create(&fd);
    memset(&w, 0, sizeof w);
    w.name = "fragile";
    w.run = fragile_run;
    snprintf(path, sizeof path, "%s/%s.csv", g_dir, strcmp(which, "other") == 0 ? "crash" : which);
    d = fragile_desc(path, strcmp(which, "resume") == 0);
    d.progress = count_progress;
    d.progress_user = prog;
    st = bt_sweep_run(g, &w, 1, &d, out);
    bt_device_destroy(g_dev);
    bt_grid_destroy(g);
    return st;
}
static const bt_row *row_of(const bt_results *r, const char *batch) {
    const char *ax[1];
    ax[0] = batch;
    return bt_results_find(r, "fragile", ax);
}
static int data_lines(const char *path) {
    FILE *f = fopen(path, "r");
    int n = 0, c, prev = '\n';
    if (!f) return -1;
    while ((c = fgetc(f)) != EOF) { if (c == '\n') n++; prev = c; }
    fclose(f);
    return n - 1 + (prev != '\n');   /* minus the header */
}

static void check_fragile_rows(const bt_results *r) {
    const bt_row *x;
    const char *ok[] = {"1", "6", "7"};
    int i;
    x = row_of(r, "2");
    CHECK(x && x->status == BT_CELL_ERROR && strstr(x->reason, "signal") && strstr(x->reason, "SIGSEGV"));
    x = row_of(r, "3");
    CHECK(x && x->status == BT_CELL_ERROR && strstr(x->reason, "SIGABRT") && strstr(x->reason, "giving up on batch 3"));
    x = row_of(r, "4");
    CHECK(x && x->status == BT_CELL_TIMEOUT && strstr(x->reason, "killed"));
    x = row_of(r, "5");
    CHECK(x && x->status == BT_CELL_ERROR && strstr(x->reason, "illegal memory access (injected)"));
    if (x && x->status != BT_CELL_ERROR) printf("  batch 5: %s %s\n", bt_cell_status_str(x->status), x->reason);
    for (i = 0; i < 3; i++) {
        int med = bt_results_metric_index(r, "e2e_s_median"), ips = bt_results_metric_index(r, "items_per_s");
        double b = atof(ok[i]);
        x = row_of(r, ok[i]);
        CHECK(x && x->status == BT_CELL_OK);
        if (!x || x->status != BT_CELL_OK) { if (x) printf("  batch %s: %s\n", ok[i], x->reason); continue; }
        /* sleeps of b ms: the median is at least that and not absurdly more */
        CHECK(x->m[med] >= b * 1e-3 && x->m[med] < b * 1e-3 + 0.05);
        CHECK_NEAR(x->m[ips], b / x->m[med], 0.3 * b / x->m[med]);
        CHECK(x->samples >= 3 && x->nsample == x->samples);
    }
}

static void test_crash_abort_hang_sticky(void) {
    bt_results *r = NULL, *back = NULL;
    tt_prog prog = {0, 0};
    char path[512], err[256];
    uint64_t t0 = bt_now_ns();
    bt_status st = fragile_sweep("crash", &r, &prog);
    double took = (double)(bt_now_ns() - t0) * 1e-9;
    CHECK(st == BT_OK);
    if (!r) return;
    CHECK(bt_results_num_rows(r) == 7 && prog.n == 7);
    check_fragile_rows(r);
    {
        size_t i;
        for (i = 0; i < bt_results_num_rows(r); i++) {
            const bt_row *x = bt_results_row(r, i);
            if (x->status != BT_CELL_OK) printf("    batch=%s %s: %s\n", x->axis[0], bt_cell_status_str(x->status), x->reason);
        }
        printf("    the sweep took %.2f s (the hung cell about 1 s of it)\n", took);
    }
    /* the hang cost about isolate_timeout_s (1 s), not forever */
    CHECK(took < 8);
    /* the file holds every cell exactly once, and reads back the same */
    snprintf(path, sizeof path, "%s/crash.csv", g_dir);
    CHECK(data_lines(path) == 7);
    CHECK(bt_results_read_csv(path, NULL, &back, err, sizeof err) == BT_OK);
    if (back) { CHECK(bt_results_num_rows(back) == 7); check_fragile_rows(back); }
    bt_results_free(back);
    bt_results_free(r);
}

/* an interrupted isolated sweep (its last rows lost) resumes: the rest run, nothing twice */
static void test_resume_after_isolate(void) {
    char src[512], dst[512], line[4096];
    FILE *in, *out;
    int n = 0;
    bt_results *r = NULL;
    tt_prog prog = {0, 0};
    snprintf(src, sizeof src, "%s/crash.csv", g_dir);
    snprintf(dst, sizeof dst, "%s/resume.csv", g_dir);
    in = fopen(src, "r");
    out = fopen(dst, "w");
    CHECK(in && out);
    if (!in || !out) { if (in) fclose(in); if (out) fclose(out); return; }
    while (fgets(line, sizeof line, in) && n < 4) { fputs(line, out); n++; }   /* header + 3 rows */
    fclose(in); fclose(out);
    /* the samples file as it was (blocks of cells not on file are replaced when they re-run) */
    snprintf(src, sizeof src, "%s/crash.samples.csv", g_dir);
    snprintf(dst, sizeof dst, "%s/resume.samples.csv", g_dir);
    in = fopen(src, "r");
    out = fopen(dst, "w");
    CHECK(in && out);
    while (in && out && fgets(line, sizeof line, in)) fputs(line, out);
    if (in) fclose(in);
    if (out) fclose(out);
    snprintf(dst, sizeof dst, "%s/resume.csv", g_dir);
    CHECK(fragile_sweep("resume", &r, &prog) == BT_OK);
    if (!r) return;
    CHECK(prog.n == 7 && prog.skipped == 3);
    CHECK(data_lines(dst) == 7);
    check_fragile_rows(r);
    bt_results_free(r);
}

/* a child that reaches another sweep (other grid) reports it instead of running a wrong cell */
static void test_child_reaches_other_sweep(void) {
    bt_results *r = NULL;
    const bt_row *x;
    char path[512];
    bt_grid *g = fragile_grid(0);
    bt_workload w;
    bt_sweep_desc d;
    memset(&w, 0, sizeof w);
    w.name = "fragile";
    w.run = fragile_run;
    snprintf(path, sizeof path, "%s/other.csv", g_dir);
    d = fragile_desc(path, 0);
    setenv("TT_ISO_CASE", "other", 1);     /* the child sweeps an 8-value grid */
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    setenv("TT_ISO_CASE", "crash", 1);
    x = r ? row_of(r, "1") : NULL;
    CHECK(x && x->status == BT_CELL_ERROR && strstr(x->reason, "another sweep"));
    bt_results_free(r);
    bt_grid_destroy(g);
}

/* adaptive search keeps state across visits: refused, not silently run in-process */
static void test_adaptive_refused(void) {
    bt_results *r = NULL;
    bt_grid *g = fragile_grid(0);
    bt_workload w;
    bt_sweep_desc d;
    memset(&w, 0, sizeof w);
    w.name = "fragile";
    w.run = fragile_run;
    d = fragile_desc(NULL, 0);
    d.strategy = BT_STRATEGY_ADAPTIVE;
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_E_UNSUPPORTED);
    bt_results_free(r);
    bt_grid_destroy(g);
}

/* the default child time limit follows the stop rule */
static void test_default_timeout(void) {
    bt_sweep_desc d, e;
    memset(&d, 0, sizeof d);
    d.stop.timeout_s = 2; d.stop.max_time_s = 3; d.stop.warmup = 4;
    e = bt_sweep_desc_defaults(&d);
    CHECK_NEAR(e.isolate_timeout_s, 2 * (4 + 2) + 3, 1e-12);
    d.isolate_timeout_s = 7;
    CHECK_NEAR(bt_sweep_desc_defaults(&d).isolate_timeout_s, 7, 1e-12);
    CHECK(!bt_sweep_isolated_child());
}

int main(int argc, char **argv) {
    const char *tmp = getenv("TMPDIR");
    (void)argc;
    g_argv = argv;
    if (bt_sweep_isolated_child()) {
        /* a child: the directory and case come from the parent's environment */
        bt_results *r = NULL;
        tt_prog prog = {0, 0};
        const char *dir = getenv("TT_ISO_DIR"), *which = getenv("TT_ISO_CASE");
        snprintf(g_dir, sizeof g_dir, "%s", dir ? dir : ".");
        fragile_sweep(which ? which : "crash", &r, &prog);
        fprintf(stderr, "test_isolate: the child returned from bt_sweep_run\n");
        return 3;   /* not reached: bt_sweep_run ends the child */
    }
    snprintf(g_dir, sizeof g_dir, "%s/bt_isolate_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g_dir)) { perror("mkdtemp"); return 1; }
    setenv("TT_ISO_DIR", g_dir, 1);
    setenv("TT_ISO_CASE", "crash", 1);
    RUN(test_default_timeout);
    RUN(test_crash_abort_hang_sticky);
    setenv("TT_ISO_CASE", "resume", 1);
    RUN(test_resume_after_isolate);
    setenv("TT_ISO_CASE", "crash", 1);
    RUN(test_child_reaches_other_sweep);
    RUN(test_adaptive_refused);
    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
        if (system(cmd) != 0) printf("  (could not remove %s)\n", g_dir);
    }
    return TT_SUMMARY();
}

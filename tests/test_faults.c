/* tests/test_faults.c — the GPU backend's failure paths without a GPU: the per-cell device arena,
   out-of-memory as a result (cells "oom", the ones above them "pruned"), memory back at its
   level after every cell, injected CUDA-like errors, and a sticky error that makes its cell
   "error" with the message, keeps every row on disk, and restarts the process to resume. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include "test.h"
#include <sys/wait.h>

#define MB ((size_t)1 << 20)

static void test_arena_counts_and_frees(void) {
    bt_fault_desc fd;
    bt_device *d;
    bt_dev_arena *a;
    void *p1 = NULL, *p2 = NULL, *h = NULL;
    memset(&fd, 0, sizeof fd);
    fd.capacity_bytes = 10 * MB;
    fd.context_bytes = MB;
    fd.host_backed = 1;
    d = bt_fault_device_create(&fd);
    CHECK(d != NULL);
    if (!d) return;
    a = bt_dev_arena_create(d);
    CHECK(bt_fault_device_used(d) == MB);
    CHECK(bt_dev_alloc(a, BT_MEM_DEVICE, 3 * MB, &p1) == BT_OK && p1);
    CHECK(bt_dev_alloc(a, BT_MEM_DEVICE, 2 * MB, &p2) == BT_OK && p2);
    CHECK(bt_dev_alloc(a, BT_MEM_PINNED, 5 * MB, &h) == BT_OK && h);
    if (p1) memset(p1, 1, 3 * MB);                 /* host backed: touchable */
    CHECK(bt_dev_arena_bytes(a, BT_MEM_DEVICE) == 5 * MB);
    CHECK(bt_dev_arena_bytes(a, BT_MEM_PINNED) == 5 * MB);
    CHECK(bt_fault_device_used(d) == 6 * MB);      /* pinned memory is not device memory */
    CHECK(bt_dev_free(a, p1) == BT_OK);
    CHECK(bt_dev_arena_bytes(a, BT_MEM_DEVICE) == 2 * MB);
    CHECK(bt_dev_arena_peak(a, BT_MEM_DEVICE) == 5 * MB);
    /* a pointer that is not the arena's names itself */
    CHECK(bt_dev_free(a, p1) == BT_E_INVALID);
    CHECK(strstr(bt_device_error(d), "not allocated by this arena") != NULL);
    CHECK(!bt_device_restart_required(d));
    CHECK(bt_dev_alloc(a, 7, 16, &p1) == BT_E_INVALID && p1 == NULL);
    CHECK(bt_dev_arena_release(a) == BT_OK);
    CHECK(bt_dev_arena_bytes(a, BT_MEM_DEVICE) == 0 && bt_dev_arena_bytes(a, BT_MEM_PINNED) == 0);
    CHECK(bt_dev_arena_peak(a, BT_MEM_DEVICE) == 5 * MB);   /* kept until reset */
    bt_dev_arena_reset_peak(a);
    CHECK(bt_dev_arena_peak(a, BT_MEM_DEVICE) == 0);
    CHECK(bt_fault_device_used(d) == MB);
    bt_dev_arena_destroy(a);
    bt_device_destroy(d);
    CHECK(bt_device_create(NULL, NULL, "x") == NULL);
}

static void test_oom_is_cleared_and_named(void) {
    bt_fault_desc fd;
    bt_device *d;
    bt_dev_arena *a;
    void *p = NULL, *q = NULL;
    size_t fb = 0, tb = 0;
    memset(&fd, 0, sizeof fd);
    fd.capacity_bytes = 1000;
    d = bt_fault_device_create(&fd);
    a = bt_dev_arena_create(d);
    CHECK(bt_dev_alloc(a, BT_MEM_DEVICE, 600, &p) == BT_OK);
    CHECK(bt_dev_alloc(a, BT_MEM_DEVICE, 600, &q) == BT_E_OOM_DEVICE && q == NULL);
    CHECK(strstr(bt_device_error(d), "out of memory") != NULL);
    CHECK(strstr(bt_device_error(d), "asked 600 bytes") != NULL);
    CHECK(strstr(bt_device_error(d), "held 600") != NULL);
    CHECK(!bt_device_restart_required(d));
    /* the error is cleared: the next call works */
    CHECK(bt_dev_alloc(a, BT_MEM_DEVICE, 300, &q) == BT_OK && q != NULL);
    CHECK(bt_device_mem_info(d, &fb, &tb) == BT_OK && fb == 100 && tb == 1000);
    CHECK(bt_dev_alloc(a, BT_MEM_DEVICE, (size_t)-1, &q) == BT_E_OOM_DEVICE);  /* no overflow */
    bt_dev_arena_destroy(a);
    CHECK(bt_fault_device_used(d) == 0);
    bt_device_destroy(d);
    d = bt_fault_device_create(NULL);                 /* all defaults: 1 GiB, no faults */
    CHECK(d != NULL && bt_device_mem_info(d, &fb, &tb) == BT_OK && tb == ((size_t)1 << 30));
    bt_device_destroy(d);
}

static void test_injected_errors(void) {
    bt_fault faults[2];
    bt_fault_desc fd;
    bt_device *d;
    bt_dev_arena *a;
    void *p = NULL;
    bt_sample s;
    long c0;
    memset(faults, 0, sizeof faults);
    faults[0].call = 2; faults[0].kind = BT_FAULT_ERROR; faults[0].msg = "invalid configuration argument";
    faults[1].call = 3; faults[1].kind = BT_FAULT_OOM;
    memset(&fd, 0, sizeof fd);
    fd.faults = faults; fd.nfaults = 2;
    d = bt_fault_device_create(&fd);
    a = bt_dev_arena_create(d);
    CHECK(bt_device_check(d) == BT_OK);                          /* call 1 */
    CHECK(bt_device_check(d) == BT_E_CUDA);                      /* call 2 */
    CHECK(strstr(bt_device_error(d), "invalid configuration argument") != NULL);
    CHECK(strstr(bt_device_error(d), "call 2") != NULL);
    CHECK(!bt_device_restart_required(d));
    CHECK(bt_dev_alloc(a, BT_MEM_DEVICE, 64, &p) == BT_E_OOM_DEVICE);   /* call 3, injected */
    CHECK(bt_dev_alloc(a, BT_MEM_DEVICE, 64, &p) == BT_OK);              /* call 4 */
    CHECK(bt_fault_device_calls(d) == 4);
    /* sticky: this call and every later one fail the same way; nothing pretends to recover */
    {
        bt_fault st;
        memset(&st, 0, sizeof st);
        st.kind = BT_FAULT_STICKY;
        CHECK(bt_fault_device_inject(d, &st) == BT_OK);
        st.kind = 99;
        CHECK(bt_fault_device_inject(d, &st) == BT_E_INVALID);
    }
    CHECK(bt_device_sync(d) == BT_E_CUDA);
    CHECK(bt_device_restart_required(d));
    CHECK(strstr(bt_device_error(d), "illegal memory access") != NULL);
    CHECK(strstr(bt_device_error(d), "sticky") != NULL);
    CHECK(bt_device_check(d) == BT_E_CUDA);
    CHECK(bt_dev_alloc(a, BT_MEM_DEVICE, 64, &p) == BT_E_CUDA && p == NULL);
    CHECK(strstr(bt_device_error(d), "illegal memory access") != NULL);   /* first message kept */
    memset(&s, 0, sizeof s);
    CHECK(bt_device_fail_sample(d, BT_E_CUDA, &s) == BT_E_CUDA);
    CHECK(strstr(s.error, "illegal memory access") != NULL);
    c0 = bt_fault_device_calls(d);
    CHECK(bt_dev_arena_release(a) == BT_E_CUDA);         /* forgets, does not call the backend */
    CHECK(bt_fault_device_calls(d) == c0);
    CHECK(bt_dev_arena_bytes(a, BT_MEM_DEVICE) == 0);
    bt_dev_arena_destroy(a);
    bt_device_destroy(d);
    CHECK(bt_fault_device_inject(NULL, NULL) == BT_E_INVALID);
    CHECK(bt_fault_device_calls(NULL) == -1);
}

/* ---- a model whose device memory grows with batch x layers, on the fault device ---------- */
typedef struct fmodel {
    bt_device *dev;
    bt_axis ax_batch, ax_layers;
    size_t level;              /* device bytes in use after the first cell */
    int level_set, level_bad, cells;
    long sticky_batch;         /* inject an illegal address into this batch's first run */
    long oom_batch;            /* inject an out of memory into this batch's first launch (a
                                  library's workspace, not our allocation) */
    int sticky_done;
} fmodel;
static bt_status fm_setup(const bt_cell *c, void *user, bt_sample *s) {
    fmodel *m = (fmodel *)user;
    bt_dev_arena *a = bt_dev_arena_create(m->dev);
    void *w = NULL, *act = NULL;
    bt_status st;
    s->state = a;
    if (!a) return BT_E_NOMEM;
    st = bt_dev_alloc(a, BT_MEM_DEVICE, MB, &w);                                  /* weights */
    if (st == BT_OK) st = bt_dev_alloc(a, BT_MEM_DEVICE, (size_t)(bt_cell_i64(c, m->ax_batch) * bt_cell_i64(c, m->ax_layers)) * MB, &act);
    if (st != BT_OK) return bt_device_fail_sample(m->dev, st, s);
    if (m->oom_batch == bt_cell_i64(c, m->ax_batch) && bt_cell_i64(c, m->ax_layers) == 1) {
        bt_fault f;
        memset(&f, 0, sizeof f);
        f.kind = BT_FAULT_OOM;
        f.msg = "CUBLAS_STATUS_ALLOC_FAILED";
        bt_fault_device_inject(m->dev, &f);
    }
    if (m->sticky_batch == bt_cell_i64(c, m->ax_batch) && !m->sticky_done) {
        bt_fault f;
        memset(&f, 0, sizeof f);
        f.kind = BT_FAULT_STICKY;                     /* the next device call: run's launch */
        bt_fault_device_inject(m->dev, &f);
        m->sticky_done = 1;
    }
    return BT_OK;
}
static bt_status fm_run(const bt_cell *c, void *user, bt_sample *s) {
    fmodel *m = (fmodel *)user;
    bt_status st = bt_device_check(m->dev);           /* "kernel launch" */
    if (st == BT_OK) st = bt_device_sync(m->dev);
    if (st != BT_OK) return bt_device_fail_sample(m->dev, st, s);
    s->items = (double)bt_cell_i64(c, m->ax_batch);
    s->peak_mem_bytes = (double)bt_dev_arena_peak((bt_dev_arena *)s->state, BT_MEM_DEVICE);
    return BT_OK;
}
static void fm_teardown(const bt_cell *c, void *user, bt_sample *s) {
    (void)c; (void)user;
    bt_dev_arena_destroy((bt_dev_arena *)s->state);
    s->state = NULL;
}
static void fm_progress(const bt_progress *p, void *user) {
    fmodel *m = (fmodel *)user;
    size_t used = bt_fault_device_used(m->dev);
    if (p->skipped) return;
    m->cells++;
    if (bt_device_restart_required(m->dev)) return;
    if (!m->level_set) { m->level = used; m->level_set = 1; }
    else if (used != m->level) m->level_bad++;
}
static void fm_workload(fmodel *m, bt_workload *w) {
    memset(w, 0, sizeof *w);
    w->name = "fmodel"; w->user = m;
    w->setup = fm_setup; w->run = fm_run; w->teardown = fm_teardown;
}
static bt_grid *fm_grid(fmodel *m) {
    static const int64_t layers[] = {1, 2};
    bt_grid *g = bt_grid_create();
    m->ax_layers = bt_grid_axis_list_i64(g, "layers", layers, 2);
    m->ax_batch = bt_grid_axis_pow2(g, "batch", 1, 64);
    bt_grid_set_monotone(g, m->ax_batch, 1);
    bt_grid_set_monotone(g, m->ax_layers, 1);
    return g;
}
static bt_sweep_desc fm_desc(const char *path) {
    bt_sweep_desc d;
    memset(&d, 0, sizeof d);
    d.results_path = path;
    d.no_fsync = 1;
    d.device = "fault";
    d.stop.warmup = -1;
    d.stop.min_samples = 2; d.stop.max_samples = 2;
    d.stop.min_time_s = 1e-9; d.stop.max_time_s = 1;
    return d;
}
static const char *row_status(const bt_results *r, const char *layers, const char *batch) {
    const char *ax[2];
    const bt_row *row;
    ax[0] = layers; ax[1] = batch;
    row = bt_results_find(r, "fmodel", ax);
    return row ? bt_cell_status_str(row->status) : "(missing)";
}
static const bt_row *row_of(const bt_results *r, const char *layers, const char *batch) {
    const char *ax[2];
    ax[0] = layers; ax[1] = batch;
    return bt_results_find(r, "fmodel", ax);
}
static char tmpdir[256];

static void test_sweep_oom_and_pruning(void) {
    fmodel m;
    bt_fault_desc fd;
    bt_workload w;
    bt_grid *g;
    bt_sweep_desc d;
    bt_results *r = NULL, *back = NULL;
    char path[512], err[256];
    int pi;
    memset(&m, 0, sizeof m);
    memset(&fd, 0, sizeof fd);
    fd.capacity_bytes = 20 * MB;      /* context 2 MB + weights 1 MB leave 17 MB of activations */
    fd.context_bytes = 2 * MB;
    m.dev = bt_fault_device_create(&fd);
    m.sticky_batch = -1;
    m.oom_batch = -1;
    g = fm_grid(&m);
    fm_workload(&m, &w);
    snprintf(path, sizeof path, "%s/oom.csv", tmpdir);
    d = fm_desc(path);
    d.progress = fm_progress; d.progress_user = &m;
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    /* layers=1: 1..16 fit (16 MB), 32 is oom, 64 pruned; layers=2: 1..8 fit, 16 oom, 32 64 pruned */
    CHECK(strcmp(row_status(r, "1", "16"), "ok") == 0);
    CHECK(strcmp(row_status(r, "1", "32"), "oom") == 0);
    CHECK(strcmp(row_status(r, "1", "64"), "pruned") == 0);
    CHECK(strcmp(row_status(r, "2", "8"), "ok") == 0);
    CHECK(strcmp(row_status(r, "2", "16"), "oom") == 0);
    CHECK(strcmp(row_status(r, "2", "32"), "pruned") == 0);
    CHECK(strcmp(row_status(r, "2", "64"), "pruned") == 0);
    {
        const bt_row *o = row_of(r, "1", "32"), *p = row_of(r, "2", "64");
        CHECK(o && strstr(o->reason, "out of memory") && strstr(o->reason, "asked 33554432 bytes"));
        CHECK(p && strstr(p->reason, "above OOM at") != NULL);
    }
    /* the device peak of a cell is its arena's: weights + batch x layers MB */
    pi = bt_results_metric_index(r, "peak_mem_bytes");
    CHECK(pi >= 0);
    if (pi >= 0) {
        const bt_row *k = row_of(r, "2", "8");
        CHECK(k && k->m[pi] == (double)(17 * MB));
    }
    /* memory back at its level after every cell (the level after the first cell) */
    CHECK(m.level_set && m.level == 2 * MB);
    CHECK(m.level_bad == 0);
    CHECK(m.cells == 14);
    CHECK(bt_fault_device_used(m.dev) == 2 * MB);
    /* the rows are on disk */
    CHECK(bt_results_read_csv(path, NULL, &back, err, sizeof err) == BT_OK);
    if (back) {
        CHECK(bt_results_num_rows(back) == 14);
        CHECK(strcmp(row_status(back, "2", "16"), "oom") == 0);
        CHECK(strcmp(row_status(back, "1", "64"), "pruned") == 0);
        bt_results_free(back);
    }
    bt_results_free(r);
    bt_grid_destroy(g);
    bt_device_destroy(m.dev);
}

static void test_oom_inside_run_prunes_too(void) {
    fmodel m;
    bt_fault_desc fd;
    bt_workload w;
    bt_grid *g;
    bt_sweep_desc d;
    bt_results *r = NULL;
    memset(&m, 0, sizeof m);
    memset(&fd, 0, sizeof fd);
    fd.capacity_bytes = (size_t)1 << 32;             /* everything fits... */
    m.dev = bt_fault_device_create(&fd);
    m.sticky_batch = -1;
    m.oom_batch = 4;                                 /* ...but a launch at batch 4 runs out */
    g = fm_grid(&m);
    fm_workload(&m, &w);
    d = fm_desc(NULL);
    d.results_path = NULL;
    d.progress = fm_progress; d.progress_user = &m;
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    CHECK(strcmp(row_status(r, "1", "2"), "ok") == 0);
    CHECK(strcmp(row_status(r, "1", "4"), "oom") == 0);
    CHECK(strcmp(row_status(r, "1", "8"), "pruned") == 0);
    /* layers is monotone too: layers=2 from batch 4 up is above the OOM, never tried */
    CHECK(strcmp(row_status(r, "2", "2"), "ok") == 0);
    CHECK(strcmp(row_status(r, "2", "4"), "pruned") == 0);
    CHECK(strcmp(row_status(r, "2", "64"), "pruned") == 0);
    {
        const bt_row *o = row_of(r, "1", "4");
        CHECK(o && strstr(o->reason, "CUBLAS_STATUS_ALLOC_FAILED") != NULL);
    }
    CHECK(m.level_bad == 0 && bt_fault_device_used(m.dev) == 0);
    CHECK(!bt_device_restart_required(m.dev));
    bt_results_free(r);
    bt_grid_destroy(g);
    bt_device_destroy(m.dev);
}

/* The child's sweep (first process and re-executed one): sticky error at batch=8 layers=1. */
static int sticky_child(const char *dir, int max_restarts, int force_sticky) {
    fmodel m;
    bt_fault_desc fd;
    bt_workload w;
    bt_grid *g;
    bt_sweep_desc d;
    bt_results *r = NULL;
    bt_restart_guard guard;
    char path[512], mark[512];
    char *argv[5];
    char maxs[16];
    bt_status st;
    FILE *f;
    const char *bin = getenv("BT_TEST_BIN");
    memset(&m, 0, sizeof m);
    memset(&fd, 0, sizeof fd);
    fd.capacity_bytes = 20 * MB;
    fd.context_bytes = 2 * MB;
    m.dev = bt_fault_device_create(&fd);
    m.oom_batch = -1;
    m.sticky_batch = bt_restart_count() == 0 || force_sticky ? 8 : -1;   /* a fresh process has a clean device */
    g = fm_grid(&m);
    fm_workload(&m, &w);
    snprintf(path, sizeof path, "%s/sticky.csv", dir);
    snprintf(maxs, sizeof maxs, "%d", max_restarts);
    argv[0] = (char *)(bin ? bin : "/proc/self/exe");
    argv[1] = (char *)"--sticky-child"; argv[2] = (char *)dir; argv[3] = maxs; argv[4] = NULL;
    memset(&guard, 0, sizeof guard);
    guard.device = m.dev;
    guard.argv = argv;
    guard.max_restarts = max_restarts;
    guard.next = fm_progress; guard.next_user = &m;
    d = fm_desc(path);
    d.resume = 1;
    d.progress = bt_restart_guard_progress; d.progress_user = &guard;
    st = bt_sweep_run(g, &w, 1, &d, &r);
    snprintf(mark, sizeof mark, "%s/finished", dir);
    f = fopen(mark, "w");
    if (f) { fprintf(f, "%d %d %d\n", (int)st, bt_restart_count(), m.level_bad); fclose(f); }
    bt_results_free(r);
    bt_grid_destroy(g);
    bt_device_destroy(m.dev);
    return st == BT_OK ? 0 : 1;
}
static int run_child(const char *dir, int max_restarts) {
    pid_t pid;
    int status = 0;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        char maxs[16];
        char *argv[5];
        const char *bin = getenv("BT_TEST_BIN");
        snprintf(maxs, sizeof maxs, "%d", max_restarts);
        unsetenv("BATCHTUNE_RESTARTS");
        argv[0] = (char *)(bin ? bin : "/proc/self/exe");
        argv[1] = (char *)"--sticky-child"; argv[2] = (char *)dir; argv[3] = maxs; argv[4] = NULL;
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static void test_sticky_error_restarts_and_resumes(void) {
    char dir[400], path[512], mark[512], err[256];
    bt_results *r = NULL;
    int rc, st = -1, restarts = -1, bad = -1;
    FILE *f;
    snprintf(dir, sizeof dir, "%s/sticky_ok", tmpdir);
    mkdir(dir, 0700);
    rc = run_child(dir, 4);
    CHECK(rc == 0);
    snprintf(mark, sizeof mark, "%s/finished", dir);
    f = fopen(mark, "r");
    CHECK(f != NULL);
    if (f) { CHECK(fscanf(f, "%d %d %d", &st, &restarts, &bad) == 3); fclose(f); }
    CHECK(st == 0 && restarts == 1 && bad == 0);     /* finished in the re-executed process */
    snprintf(path, sizeof path, "%s/sticky.csv", dir);
    CHECK(bt_results_read_csv(path, NULL, &r, err, sizeof err) == BT_OK);
    if (!r) return;
    CHECK(bt_results_num_rows(r) == 14);                   /* every cell exactly once */
    CHECK(strcmp(row_status(r, "1", "4"), "ok") == 0);
    CHECK(strcmp(row_status(r, "1", "8"), "error") == 0);
    {
        const bt_row *e = row_of(r, "1", "8");
        CHECK(e && strstr(e->reason, "illegal memory access") && strstr(e->reason, "sticky"));
    }
    CHECK(strcmp(row_status(r, "1", "16"), "ok") == 0);    /* ran in the fresh process */
    CHECK(strcmp(row_status(r, "1", "32"), "oom") == 0);
    CHECK(strcmp(row_status(r, "2", "16"), "oom") == 0);
    CHECK(strcmp(row_status(r, "2", "64"), "pruned") == 0);
    bt_results_free(r);
}

static void test_sticky_error_without_restart_keeps_rows(void) {
    char dir[400], path[512], mark[512], err[256];
    bt_results *r = NULL;
    int rc;
    snprintf(dir, sizeof dir, "%s/sticky_stop", tmpdir);
    mkdir(dir, 0700);
    rc = run_child(dir, -7);            /* -7: the child is at its restart limit already */
    CHECK(rc == 75);                    /* EX_TEMPFAIL: a supervisor reruns with resume */
    snprintf(mark, sizeof mark, "%s/finished", dir);
    CHECK(access(mark, F_OK) != 0);     /* the sweep did not go on in the broken process */
    snprintf(path, sizeof path, "%s/sticky.csv", dir);
    CHECK(bt_results_read_csv(path, NULL, &r, err, sizeof err) == BT_OK);
    if (!r) return;
    /* layers=1: batches 1 2 4 ok, 8 error, and nothing after it */
    CHECK(bt_results_num_rows(r) == 4);
    CHECK(strcmp(row_status(r, "1", "4"), "ok") == 0);
    CHECK(strcmp(row_status(r, "1", "8"), "error") == 0);
    CHECK(row_of(r, "1", "16") == NULL);
    bt_results_free(r);
}

static void test_restart_count_and_limits(void) {
    char err[256];
    char *argv[2];
    argv[0] = (char *)"/nonexistent/batchtune-test"; argv[1] = NULL;
    unsetenv("BATCHTUNE_RESTARTS");
    CHECK(bt_restart_count() == 0);
    setenv("BATCHTUNE_RESTARTS", "3", 1);
    CHECK(bt_restart_count() == 3);
    CHECK(bt_restart_self(argv, 3, err, sizeof err) == BT_E_INVALID);
    CHECK(strstr(err, "limit is 3") != NULL);
    setenv("BATCHTUNE_RESTARTS", "junk", 1);
    CHECK(bt_restart_count() == 0);
    unsetenv("BATCHTUNE_RESTARTS");
    CHECK(bt_restart_self(NULL, 3, err, sizeof err) == BT_E_INVALID);
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "--sticky-child") == 0) {
        int max = atoi(argv[3]);
        if (max == -7) { setenv("BATCHTUNE_RESTARTS", "1", 1); return sticky_child(argv[2], 1, 1); }
        return sticky_child(argv[2], max, 0);
    }
    snprintf(tmpdir, sizeof tmpdir, "%s/faults.XXXXXX", getenv("BT_BUILD") ? getenv("BT_BUILD") : "/tmp");
    if (!mkdtemp(tmpdir)) { perror("mkdtemp"); return 1; }
    RUN(test_arena_counts_and_frees);
    RUN(test_oom_is_cleared_and_named);
    RUN(test_injected_errors);
    RUN(test_sweep_oom_and_pruning);
    RUN(test_oom_inside_run_prunes_too);
    RUN(test_sticky_error_restarts_and_resumes);
    RUN(test_sticky_error_without_restart_keeps_rows);
    RUN(test_restart_count_and_limits);
    return TT_SUMMARY();
}

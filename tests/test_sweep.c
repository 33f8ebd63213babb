/* Sweep: statuses (ok, oom, pruned, error, timeout, infeasible, not_run), noisy cells, custom
   metrics, results round trip, resume rules, and crash safety (SIGKILL + torn lines; on
   Windows TerminateProcess, which is as abrupt). */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include "test.h"
#ifdef _WIN32
#include <direct.h>
/* the child runs this program again ("child PATH"); killed with TerminateProcess */
typedef HANDLE child_t;
static child_t child_start(const char *self, const char *path, int quiet) {
    char cmd[1400];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    HANDLE nul = INVALID_HANDLE_VALUE;
    SECURITY_ATTRIBUTES sa = {sizeof(SECURITY_ATTRIBUTES), NULL, TRUE};
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (quiet) {
        nul = CreateFileA("NUL", GENERIC_WRITE, FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
        si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
        si.hStdError = nul;
    }
    snprintf(cmd, sizeof cmd, "\"%s\" child \"%s\"", self, path);
    if (!CreateProcessA(NULL, cmd, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) pi.hProcess = NULL;
    else CloseHandle(pi.hThread);
    if (nul != INVALID_HANDLE_VALUE) CloseHandle(nul);
    return pi.hProcess;
}
static int child_kill(child_t c) { return c && TerminateProcess(c, 137) ? 0 : -1; }
static int child_wait(child_t c) {      /* exit code */
    DWORD code = 255;
    if (!c) return 255;
    WaitForSingleObject(c, INFINITE);
    GetExitCodeProcess(c, &code);
    CloseHandle(c);
    return (int)code;
}
static void make_dir(const char *d) { _mkdir(d); }
static void remove_dir(const char *d) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rmdir /s /q \"%s\"", d);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", d);
}
#else
#include <signal.h>
#include <sys/wait.h>
typedef pid_t child_t;
static child_t child_start(const char *self, const char *path, int quiet) {
    pid_t pid = fork();
    if (pid == 0) {
        if (quiet) { int devnull = open("/dev/null", O_WRONLY); dup2(devnull, 2); }
        execl(self, self, "child", path, (char *)NULL);
        _exit(127);
    }
    return pid;
}
static int child_kill(child_t c) { return kill(c, SIGKILL); }
static int child_wait(child_t c) {      /* exit code; 128 + signal when killed */
    int status = 0;
    if (c < 0 || waitpid(c, &status, 0) != c) return 255;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
static void make_dir(const char *d) { mkdir(d, 0700); }
static void remove_dir(const char *d) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", d);
}
#endif

static char TMP[256];
static const char *SELF;
static const char *tmp_path(const char *name) {
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", TMP, name);
    return buf[k];
}
static void spin_us(double us) {
    uint64_t end = bt_now_ns() + (uint64_t)(us * 1000);
    while (bt_now_ns() < end) {}
}
static void rm3(const char *p) {
    char b[600];
    remove(p);
    bt_companion_path(p, ".samples.csv", b, sizeof b); remove(b);
    bt_companion_path(p, ".json", b, sizeof b); remove(b);
}
static char *slurp(const char *p, size_t *n) {
    FILE *f = fopen(p, "rb");
    char *b;
    long len;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); len = ftell(f); fseek(f, 0, SEEK_SET);
    b = (char *)malloc((size_t)len + 1);
    if (fread(b, 1, (size_t)len, f) != (size_t)len) { fclose(f); free(b); return NULL; }
    b[len] = 0; fclose(f);
    if (n) *n = (size_t)len;
    return b;
}

typedef struct wl_conf { bt_axis batch, workers; double us_per_item; int fail_workers; double oom_batch; } wl_conf;
static bt_status run_synth(const bt_cell *c, void *user, bt_sample *s) {
    wl_conf *w = (wl_conf *)user;
    int64_t b = bt_cell_i64(c, w->batch);
    if (w->oom_batch > 0 && (double)b >= w->oom_batch) { snprintf(s->error, sizeof s->error, "cudaMalloc of %lld MiB failed", (long long)b); return BT_E_OOM_DEVICE; }
    if (w->fail_workers && bt_cell_i64(c, w->workers) == w->fail_workers) { snprintf(s->error, sizeof s->error, "boom at workers=%d", w->fail_workers); return BT_E_WORKLOAD; }
    spin_us(w->us_per_item * (double)b / (double)bt_cell_i64(c, w->workers) + 20);
    s->items = (double)b;
    s->phase_s[BT_PHASE_COMPUTE] = 1e-6 * w->us_per_item;
    s->metric[0] = 2.0 * (double)b;
    return BT_OK;
}
static const bt_metric_def METRICS[] = {{"energy_j", "J", 0}};

static bt_grid *make_grid(int monotone) {
    bt_grid *g = bt_grid_create();
    bt_axis b = bt_grid_axis_pow2(g, "batch", 4, 256);
    bt_grid_parse_axis(g, "workers=1,2,3", NULL);
    if (monotone) bt_grid_set_monotone(g, b, 1);
    return g;
}
static bt_sweep_desc quick_desc(const char *path) {
    bt_sweep_desc d;
    memset(&d, 0, sizeof d);
    d.results_path = path;
    d.stop.min_samples = 3;
    d.stop.min_time_s = 1e-4;
    d.stop.max_time_s = 0.02;
    d.stop.max_rel_noise = 0.5;
    d.no_fsync = 1;
    return d;
}
static size_t count_status(const bt_results *r, bt_cell_status st) {
    size_t i, n = 0;
    for (i = 0; i < bt_results_num_rows(r); i++) n += bt_results_row(r, i)->status == st;
    return n;
}

static void test_statuses(void) {
    const char *p = tmp_path("statuses.csv");
    bt_grid *g = make_grid(1);
    wl_conf c1 = {0, 1, 0.5, 0, 64}, c2 = {0, 1, 0.5, 3, 0};
    bt_workload w[2];
    bt_sweep_desc d = quick_desc(p);
    bt_results *r = NULL;
    const bt_row *row;
    const char *v[2];
    int mi;
    rm3(p);
    bt_grid_parse_constraint(g, "batch*workers<=512");
    memset(w, 0, sizeof w);
    w[0].name = "mem"; w[0].run = run_synth; w[0].user = &c1; w[0].metrics = METRICS; w[0].num_metrics = 1;
    w[1].name = "flaky"; w[1].run = run_synth; w[1].user = &c2;
    CHECK(bt_sweep_run(g, w, 2, &d, &r) == BT_OK);
    CHECK(bt_results_num_rows(r) == 2 * 7 * 3);
    v[0] = "64"; v[1] = "1";
    row = bt_results_find(r, "mem", v);
    CHECK(row && row->status == BT_CELL_OOM && strstr(row->reason, "cudaMalloc"));
    v[0] = "128"; v[1] = "1";
    row = bt_results_find(r, "mem", v);
    CHECK(row && row->status == BT_CELL_PRUNED && strstr(row->reason, "above OOM at batch=64 workers=1"));
    v[0] = "256"; v[1] = "3";
    row = bt_results_find(r, "flaky", v);
    CHECK(row && row->status == BT_CELL_INFEASIBLE && strstr(row->reason, "batch*workers=768"));
    v[0] = "16"; v[1] = "3";
    row = bt_results_find(r, "flaky", v);
    CHECK(row && row->status == BT_CELL_ERROR && strstr(row->reason, "boom"));
    v[0] = "16"; v[1] = "2";
    row = bt_results_find(r, "flaky", v);
    CHECK(row && row->status == BT_CELL_OK && row->samples >= 3);
    mi = bt_results_metric_index(r, "items_per_s");
    CHECK(mi >= 0 && row && row->m[mi] > 0);
    mi = bt_results_metric_index(r, "energy_j");
    v[0] = "16"; v[1] = "1";
    row = bt_results_find(r, "mem", v);
    CHECK(mi >= 0 && row && row->m[mi] == 32.0);                 /* custom metric median */
    CHECK(row && row->m[bt_results_metric_index(r, "compute_s")] > 0);
    CHECK(count_status(r, BT_CELL_OOM) == 3 && count_status(r, BT_CELL_PRUNED) == 5); /* 128x3, 256x2 (256x3 infeasible) */
    CHECK(count_status(r, BT_CELL_INFEASIBLE) == 2 * 1);        /* 256*3 on both workloads */
    bt_results_free(r);
    bt_grid_destroy(g);
}

static bt_status run_alternating(const bt_cell *c, void *user, bt_sample *s) {
    (void)c; (void)user;
    spin_us(s->index % 2 ? 300 : 1000);
    s->items = 1;
    return BT_OK;
}
static bt_status run_slow(const bt_cell *c, void *user, bt_sample *s) {
    (void)c; (void)user; (void)s;
    spin_us(3000);
    return BT_OK;
}
static void test_noisy_and_timeout(void) {
    bt_grid *g = bt_grid_create();
    bt_workload w;
    bt_sweep_desc d;
    bt_results *r = NULL;
    uint64_t t0;
    bt_grid_parse_axis(g, "x=1", NULL);
    memset(&w, 0, sizeof w);
    w.name = "noisy"; w.run = run_alternating;
    memset(&d, 0, sizeof d);
    d.stop.max_rel_noise = 0.01; d.stop.max_time_s = 0.1; d.stop.min_time_s = 0.01;
    t0 = bt_now_ns();
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    CHECK((double)(bt_now_ns() - t0) * 1e-9 < 2.0);            /* never loops forever */
    CHECK(r && bt_results_row(r, 0)->status == BT_CELL_OK && bt_results_row(r, 0)->noisy == 1);
    CHECK(r && bt_results_row(r, 0)->m[bt_results_metric_index(r, "rel_noise")] > 0.01);
    bt_results_free(r);
    w.name = "slow"; w.run = run_slow;
    d.stop.timeout_s = 0.001;
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    CHECK(r && bt_results_row(r, 0)->status == BT_CELL_TIMEOUT && strstr(bt_results_row(r, 0)->reason, "limit"));
    bt_results_free(r);
    bt_grid_destroy(g);
}

static int same_double(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }
static int same_results(const bt_results *a, const bt_results *b) {
    size_t i;
    int k, ok = bt_results_num_rows(a) == bt_results_num_rows(b) && bt_results_num_metrics(a) == bt_results_num_metrics(b);
    for (i = 0; ok && i < bt_results_num_rows(a); i++) {
        const bt_row *x = bt_results_row(a, i), *y = bt_results_find(b, x->workload, (const char *const *)x->axis);
        ok = y && strcmp(x->device, y->device) == 0 && x->status == y->status && strcmp(x->reason, y->reason) == 0 &&
             x->samples == y->samples && x->noisy == y->noisy && x->nsample == y->nsample;
        for (k = 0; ok && k < bt_results_num_metrics(a); k++) ok = same_double(x->m[k], y->m[k]);
        for (k = 0; ok && k < x->nsample * bt_results_num_sample_cols(a); k++) ok = same_double(x->samp[k], y->samp[k]);
    }
    return ok;
}
static void test_round_trip(void) {
    const char *p = tmp_path("rt.csv"), *p2 = tmp_path("rt2.csv");
    bt_grid *g = make_grid(1);
    wl_conf c1 = {0, 1, 0.3, 2, 128};
    bt_workload w;
    bt_sweep_desc d = quick_desc(p);
    bt_results *r = NULL, *back = NULL, *back2 = NULL;
    char err[512];
    rm3(p); rm3(p2);
    memset(&w, 0, sizeof w);
    w.name = "rt"; w.run = run_synth; w.user = &c1; w.metrics = METRICS; w.num_metrics = 1;
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    CHECK(bt_results_read_csv(p, NULL, &back, err, sizeof err) == BT_OK);
    CHECK(back && same_results(r, back));                         /* the appended file is exact */
    CHECK(back && bt_results_write_csv(back, p2) == BT_OK);
    CHECK(bt_results_read_csv(p2, NULL, &back2, err, sizeof err) == BT_OK);
    CHECK(back2 && same_results(r, back2));                       /* whole-file write is exact */
    {
        size_t n1, n2;
        char *a = slurp(p, &n1), *b = slurp(p2, &n2);
        CHECK(a && b && n1 == n2 && memcmp(a, b, n1) == 0);      /* byte-identical */
        free(a); free(b);
    }
    {   /* JSON and markdown mention what they should */
        char jp[600];
        size_t n;
        char *j;
        bt_companion_path(p, ".json", jp, sizeof jp);
        j = slurp(jp, &n);
        CHECK(j && strstr(j, "\"fingerprint\":\"") && strstr(j, "\"cpu_model\"") && strstr(j, "\"status_counts\"") && strstr(j, "\"oom\":"));
        free(j);
    }
    bt_results_free(r); bt_results_free(back); bt_results_free(back2);
    bt_grid_destroy(g);
}

static void test_resume_rules(void) {
    const char *p = tmp_path("resume.csv");
    bt_grid *g = make_grid(0), *g2;
    wl_conf c1 = {0, 1, 0.3, 0, 0};
    bt_workload w;
    bt_sweep_desc d = quick_desc(p);
    bt_results *r = NULL, *back = NULL;
    char err[512], *before, *after;
    size_t n1, n2;
    rm3(p);
    memset(&w, 0, sizeof w);
    w.name = "res"; w.run = run_synth; w.user = &c1;
    d.time_budget_s = 1e-9;                        /* nothing gets time: every pair not_run */
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    CHECK(r && count_status(r, BT_CELL_NOT_RUN) == 21);
    bt_results_free(r); r = NULL;
    /* an existing file is never overwritten without resume */
    d.time_budget_s = 0;
    before = slurp(p, &n1);
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_E_IO && strstr(bt_results_error(r), "already exists"));
    after = slurp(p, &n2);
    CHECK(n1 == n2 && memcmp(before, after, n1) == 0);
    free(after); bt_results_free(r); r = NULL;
    /* resume runs the not_run cells; later rows supersede */
    d.resume = 1;
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    CHECK(r && count_status(r, BT_CELL_OK) == 21 && bt_results_num_rows(r) == 21);
    bt_results_free(r); r = NULL;
    CHECK(bt_results_read_csv(p, NULL, &back, err, sizeof err) == BT_OK);
    CHECK(back && bt_results_num_rows(back) == 21 && count_status(back, BT_CELL_OK) == 21);
    bt_results_free(back);
    free(before);
    /* mismatches are refused and the file is untouched */
    before = slurp(p, &n1);
    g2 = bt_grid_create();
    bt_grid_axis_pow2(g2, "batch", 4, 256);
    bt_grid_parse_axis(g2, "threads=1,2,3", NULL);
    CHECK(bt_sweep_run(g2, &w, 1, &d, &r) == BT_E_MISMATCH && strstr(bt_results_error(r), "threads"));
    bt_results_free(r); r = NULL;
    d.device = "NVIDIA H100";
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_E_MISMATCH && strstr(bt_results_error(r), "device"));
    bt_results_free(r); r = NULL;
    d.device = NULL;
    d.stop.max_rel_noise = 0.25;                   /* other settings: fingerprint differs */
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_E_MISMATCH && strstr(bt_results_error(r), "fingerprint"));
    bt_results_free(r); r = NULL;
    d.stop.max_rel_noise = 0.5;
    w.name = "other";
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_E_MISMATCH && strstr(bt_results_error(r), "workload"));
    bt_results_free(r); r = NULL;
    w.name = "res";
    after = slurp(p, &n2);
    CHECK(n1 == n2 && memcmp(before, after, n1) == 0);
    free(after);
    /* a corrupt row in the middle is refused, naming the line; nothing changes */
    {
        char *q = strchr(strchr(before, '\n') + 1, '\n') + 1;  /* line 3 */
        FILE *f = fopen(p, "wb");
        q[0] = '"';                                             /* unbalanced quote */
        fwrite(before, 1, n1, f); fclose(f);
        CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_E_PARSE && strstr(bt_results_error(r), ":3:"));
        bt_results_free(r); r = NULL;
        after = slurp(p, &n2);
        CHECK(n1 == n2 && memcmp(before, after, n1) == 0);
        free(after);
        CHECK(bt_results_read_csv(p, NULL, &back, err, sizeof err) == BT_E_PARSE && strstr(err, ":3:"));
    }
    free(before);
    bt_grid_destroy(g); bt_grid_destroy(g2);
}

/* files that are not ours (another program's CSV, a binary file, an empty-header text file)
   are refused on resume and without it, with an error naming the file, and left byte-identical */
static void test_foreign_files(void) {
    static const char *const kinds[] = {
        "name,age,city\nalice,31,paris\nbob,27,oslo\n",                  /* someone's CSV */
        "batch,workers,speed\n4,1,10.5\n8,1,19.0\n",                       /* numbers, no status */
        ("\x7f" "ELF\x02\x01\x01\x00\x00\x00" "binary\xff\xfe\n\x01\x02"), /* a binary file (21 bytes) */
        "\n\n\n",                                                          /* blank lines */
        "workload,device,batch,workers,status\nres,cpu,4,1,ok,extra,fields,too,many\n" /* ours, mangled */
    };
    static const size_t lens[] = {0, 0, 21, 0, 0};
    const char *p = tmp_path("foreign.csv");
    bt_grid *g = make_grid(0);
    wl_conf c1 = {0, 1, 0.3, 0, 0};
    bt_workload w;
    size_t k;
    memset(&w, 0, sizeof w);
    w.name = "res"; w.run = run_synth; w.user = &c1;
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int resume;
        size_t len = lens[k] ? lens[k] : strlen(kinds[k]);
        for (resume = 0; resume < 2; resume++) {
            bt_sweep_desc d = quick_desc(p);
            bt_results *r = NULL;
            bt_status st;
            char *after;
            size_t n2;
            FILE *f;
            rm3(p);
            f = fopen(p, "wb");
            fwrite(kinds[k], 1, len, f); fclose(f);
            d.resume = resume;
            st = bt_sweep_run(g, &w, 1, &d, &r);
            CHECK(st != BT_OK);
            CHECK(r && strstr(bt_results_error(r), "foreign.csv"));
            if (st == BT_OK || !r || !strstr(bt_results_error(r), "foreign.csv"))
                printf("  kind %zu resume %d: %s: %s\n", k, resume, bt_status_str(st), r ? bt_results_error(r) : "(no results)");
            bt_results_free(r);
            after = slurp(p, &n2);
            CHECK(after && n2 == len && memcmp(after, kinds[k], len) == 0);
            free(after);
        }
    }
    rm3(p);
    bt_grid_destroy(g);
}

/* ---- crash safety: a child process sweeps; we SIGKILL it and tear the files ---- */
static int child_sweep(const char *path) {
    bt_grid *g = bt_grid_create();
    wl_conf c1 = {0, 1, 300, 0, 0};   /* cells of ~50 ms: each round of the crash test writes a row or two and 22 rounds do not finish the grid */
    bt_workload w[2];
    bt_sweep_desc d = quick_desc(path);
    bt_results *r = NULL;
    bt_status st;
    bt_grid_axis_pow2(g, "batch", 4, 256);
    bt_grid_parse_axis(g, "workers=1,2,3,4", NULL);
    memset(w, 0, sizeof w);
    w[0].name = "a"; w[0].run = run_synth; w[0].user = &c1;
    w[1].name = "b"; w[1].run = run_synth; w[1].user = &c1;
    d.resume = 1;
    d.no_fsync = 0;
    st = bt_sweep_run(g, w, 2, &d, &r);
    if (st != BT_OK) fprintf(stderr, "child: %s\n", r ? bt_results_error(r) : "?");
    bt_results_free(r);
    bt_grid_destroy(g);
    return st == BT_OK ? 0 : 3;
}
static int tear_last_line_after(const char *path, uint64_t *rng, size_t durable) {
    size_t n;
    char *b = slurp(path, &n);
    size_t last_start, cut;
    if (!b || n < 2) { free(b); return 0; }
    last_start = n - 1;
    while (last_start > 0 && b[last_start - 1] != '\n') last_start--;
    if (last_start == 0 || last_start < durable) { free(b); return 0; } /* keep the header and what an earlier round left */
    if (n - last_start < 2) { free(b); return 0; } /* a one-byte tail (a child killed just after it) is torn already; the cut below would take a modulo by zero */
    cut = last_start + 1 + (size_t)(bti_rand_next(rng) % (n - last_start - 1)); /* inside the last line */
    if (bti_truncate_file(path, (long long)cut) != 0) perror("truncate");
    free(b);
    return 1;
}
static void tear_last_line(const char *path, uint64_t *rng) { (void)tear_last_line_after(path, rng, 0); }
/* bytes up to the end of the last complete line */
static size_t complete_len(const char *path) {
    size_t n;
    char *b = slurp(path, &n);
    if (!b) return 0;
    while (n > 0 && b[n - 1] != '\n') n--;
    free(b);
    return n;
}
/* "a,8,2" of the last complete line: workload and axis fields */
static void last_key(const char *path, int nfields, char *key, size_t kn) {
    size_t n;
    char *b = slurp(path, &n), *end, *start, *p;
    int f = 0;
    key[0] = 0;
    if (!b || !n) { free(b); return; }
    end = b + n;
    while (end > b && end[-1] != '\n') end--;                  /* drop a torn tail */
    if (end <= b) { free(b); return; }
    end--;
    start = end;
    while (start > b && start[-1] != '\n') start--;
    for (p = start; p < end; p++) {
        if (*p == ',') f++;
        if (f >= nfields) break;
        if ((size_t)(p - start) < kn - 1) { key[p - start] = *p; key[p - start + 1] = 0; }
    }
    free(b);
}
static int last_sample_block_has_row(const char *res, const char *samp) {
    char a[128], b[128], c[128];
    size_t i, j = 0;
    last_key(res, 4, a, sizeof a);          /* "a,cpu,8,2": workload,device,batch,workers */
    last_key(samp, 3, b, sizeof b);         /* "a,8,2" */
    /* drop the device field of the results key */
    for (i = 0; a[i] && j < sizeof c - 1; i++) c[j++] = a[i];
    c[j] = 0;
    {
        char *d = strstr(c, ",cpu");
        if (d) memmove(d, d + 4, strlen(d + 4) + 1);
    }
    return strcmp(c, b) == 0 && b[0];
}
#define CRASH_ROUNDS 22
/* appends the complete data lines of path (not the header, not a torn tail) that are not in
   list yet; the list is newline-separated */
static char *add_complete_lines(char *list, const char *path) {
    size_t n, ln = strlen(list);
    char *b = slurp(path, &n), *line, *nl;
    if (!b) return list;
    line = strchr(b, '\n');
    if (!line) { free(b); return list; }
    line++;
    while ((nl = strchr(line, '\n')) != NULL) {
        size_t k = (size_t)(nl - line);
        char *grown;
        *nl = 0;
        if (!strstr(list, line)) {
            grown = (char *)realloc(list, ln + k + 2);
            if (!grown) break;
            list = grown;
            memcpy(list + ln, line, k);
            list[ln + k] = '\n'; list[ln + k + 1] = 0;
            ln += k + 1;
        }
        line = nl + 1;
    }
    free(b);
    return list;
}
/* bt_sweep_desc.sampler_start/stop: once around the cells, also when the sweep fails */
typedef struct hook_log { int starts, stops, setups_before_start, setups, teardowns_after_stop, running; } hook_log;
static hook_log g_hook;
static void hook_start(void *u) { hook_log *h = (hook_log *)u; h->starts++; h->running = 1; }
static void hook_stop(void *u) { hook_log *h = (hook_log *)u; h->stops++; h->running = 0; }
static bt_status hook_setup(const bt_cell *c, void *u, bt_sample *s) {
    (void)c; (void)u; (void)s;
    g_hook.setups++;
    if (!g_hook.running) g_hook.setups_before_start++;
    return BT_OK;
}
static void hook_teardown(const bt_cell *c, void *u, bt_sample *s) {
    (void)c; (void)u; (void)s;
    if (!g_hook.running) g_hook.teardowns_after_stop++;
}
static void test_sampler_hook(void) {
    const char *p = tmp_path("sampler.csv");
    bt_grid *g = make_grid(1);
    wl_conf c1 = {0, 1, 0.5, 0, 0};
    bt_workload w;
    bt_sweep_desc d = quick_desc(p);
    bt_results *r = NULL;
    rm3(p);
    memset(&w, 0, sizeof w);
    memset(&g_hook, 0, sizeof g_hook);
    w.name = "s"; w.run = run_synth; w.user = &c1; w.setup = hook_setup; w.teardown = hook_teardown;
    d.sampler_start = hook_start; d.sampler_stop = hook_stop; d.sampler_user = &g_hook;
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    CHECK(g_hook.starts == 1 && g_hook.stops == 1 && !g_hook.running);
    CHECK(g_hook.setups > 1 && g_hook.setups_before_start == 0 && g_hook.teardowns_after_stop == 0);
    bt_results_free(r);
    /* a sweep that fails before any cell (an existing file, no resume): never started */
    memset(&g_hook, 0, sizeof g_hook);
    r = NULL;
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) != BT_OK);
    CHECK(g_hook.starts == 0 && g_hook.stops == 0);
    bt_results_free(r);
    rm3(p);
    bt_grid_destroy(g);
}

static void test_crash_safety(void) {
    const char *p = tmp_path("crash.csv");
    const char *self = getenv("BT_TEST_BIN");
    char sp[600];
    uint64_t rng = 12345;
    int round, kills = 0, tears = 0;
    child_t pid;
    size_t n, i;
    char *b, *line, *kept;
    size_t durable = 0;
    int seen[2][7][4], dup = 0, torn = 0, missing = 0;
    if (!self) self = SELF;
    rm3(p);
    bt_companion_path(p, ".samples.csv", sp, sizeof sp);
    kept = (char *)calloc(1, 1);
    /* CRASH_ROUNDS rounds, more (up to 4x) while fewer than half of them tore a line: a round
       tears only when its child wrote something, which a loaded machine can delay */
    for (round = 0; round < CRASH_ROUNDS || (tears < CRASH_ROUNDS / 2 && round < 4 * CRASH_ROUNDS); round++) {
        pid = child_start(self, p, 1);
        bti_sleep_ms((long)(15 + bti_rand_next(&rng) % 160));   /* a random moment */
        if (child_kill(pid) == 0) kills++;
        child_wait(pid);
        /* as a power cut would: a random byte offset inside the last line, when that line was
           written in this round (its fsync may not have finished); rows an earlier round left
           were on the disk before this child started, so no power cut takes them */
        if (bti_rand_next(&rng) % 3 != 0 && tear_last_line_after(p, &rng, durable)) tears++;
        /* the samples of a finished cell are fsynced before its row; only the block of a cell
           without a row yet (in progress) can be torn */
        if (bti_rand_next(&rng) % 2 == 0 && !last_sample_block_has_row(p, sp)) { tear_last_line(sp, &rng); tears++; }
        kept = add_complete_lines(kept, p);                     /* rows that must survive */
        durable = complete_len(p);
    }
    pid = child_start(self, p, 0);
    CHECK(child_wait(pid) == 0);
    CHECK(kills >= CRASH_ROUNDS / 2);
    CHECK(tears >= CRASH_ROUNDS / 2);
    memset(seen, 0, sizeof seen);
    b = slurp(p, &n);
    {   /* no completed cell was lost: every complete row seen after a kill is still there, byte for byte */
        char *k = kept, *nl;
        int lost = 0, nkept = 0;
        while (k && b && (nl = strchr(k, '\n')) != NULL) {
            *nl = 0;
            if (!strstr(b, k)) { lost++; printf("  lost: %.80s\n", k); }
            nkept++;
            k = nl + 1;
        }
        CHECK(nkept > 0);
        CHECK(lost == 0);
        printf("  crash safety: %d rounds, %d kills, %d tears, %d completed rows kept\n", round, kills, tears, nkept);
    }
    free(kept);
    CHECK(b && n > 0 && b[n - 1] == '\n');
    line = b ? strchr(b, '\n') + 1 : NULL;                      /* skip the header */
    while (line && *line) {
        char *nl = strchr(line, '\n'), wl;
        int batch, workers, bi = 0;
        if (!nl) { torn++; break; }
        *nl = 0;
        if (sscanf(line, "%c,cpu,%d,%d,ok,", &wl, &batch, &workers) != 3) torn++;
        else {
            while ((4 << bi) < batch) bi++;
            if (seen[wl - 'a'][bi][workers - 1]++) dup++;
        }
        line = nl + 1;
    }
    for (i = 0; i < 2 * 7 * 4; i++) if (((int *)seen)[i] != 1) missing++;
    CHECK(torn == 0);
    CHECK(dup == 0);
    CHECK(missing == 0);                                          /* every cell exactly once */
    free(b);
    {
        bt_results *r = NULL;
        char err[512];
        CHECK(bt_results_read_csv(p, NULL, &r, err, sizeof err) == BT_OK);
        CHECK(r && bt_results_num_rows(r) == 56 && count_status(r, BT_CELL_OK) == 56);
        for (i = 0; r && i < bt_results_num_rows(r); i++) CHECK(bt_results_row(r, i)->nsample == bt_results_row(r, i)->samples);
        bt_results_free(r);
    }
}

int main(int argc, char **argv) {
    const char *t = getenv("TMPDIR");
    if (!t) t = getenv("TEMP");
    if (argc == 3 && strcmp(argv[1], "child") == 0) return child_sweep(argv[2]);
#ifdef _WIN32
    {
        static char self[1024];
        SELF = GetModuleFileNameA(NULL, self, sizeof self) ? self : argv[0];
    }
#else
    SELF = "/proc/self/exe";
#endif
    snprintf(TMP, sizeof TMP, "%s/bt_test_sweep_%ld", t ? t : "/tmp", bti_getpid());
    make_dir(TMP);
    RUN(test_statuses);
    RUN(test_noisy_and_timeout);
    RUN(test_round_trip);
    RUN(test_resume_rules);
    RUN(test_foreign_files);
    RUN(test_crash_safety);
    RUN(test_sampler_hook);
    remove_dir(TMP);
    return TT_SUMMARY();
}

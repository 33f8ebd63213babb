/* Merge and compare: 4 shard sweeps run as parallel child processes and merged give exactly
   the cells, statuses and reasons of one unsharded run; mismatched fingerprint, device, header
   and settings are refused naming the file; missing shards are reported by number; shards cut
   short, duplicates and conflicts are reported; shard specs from the Slurm / Kubernetes
   environment; compare: ratios with bootstrap and CI-column intervals, status changes, picks. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include "test.h"
#include <sys/wait.h>

static char TMP[256];
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
static char *slurp(const char *p) {
    FILE *f = fopen(p, "rb");
    char *b;
    long len;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END); len = ftell(f); fseek(f, 0, SEEK_SET);
    b = (char *)malloc((size_t)len + 1);
    if (fread(b, 1, (size_t)len, f) != (size_t)len) { fclose(f); free(b); return NULL; }
    b[len] = 0; fclose(f);
    return b;
}
static void spit(const char *p, const char *text) {
    FILE *f = fopen(p, "wb");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}
/* copies a results file with its samples file and JSON to dst (same stem rules) */
static void copy3(const char *src, const char *dst) {
    static const char *const suf[] = {".csv", ".samples.csv", ".json"};
    int i;
    for (i = 0; i < 3; i++) {
        char a[600], b[600], *t;
        bt_companion_path(src, suf[i], a, sizeof a);
        bt_companion_path(dst, suf[i], b, sizeof b);
        t = slurp(a);
        if (t) { spit(b, t); free(t); } else remove(b);
    }
}
/* replaces the first occurrence of `from` by `to` in a file */
static int edit_file(const char *p, const char *from, const char *to) {
    char *t = slurp(p), *at;
    FILE *f;
    if (!t) return 0;
    at = strstr(t, from);
    if (!at) { free(t); return 0; }
    f = fopen(p, "wb");
    fwrite(t, 1, (size_t)(at - t), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
    free(t);
    return 1;
}

/* a synthetic workload with every deterministic status: ok, oom (and pruned above it along
   the monotone batch axis), error, infeasible (constraint) */
typedef struct wl_conf { bt_axis batch, workers, mode; double oom_batch_b; int err_batch; } wl_conf;
static bt_status run_synth(const bt_cell *c, void *user, bt_sample *s) {
    wl_conf *w = (wl_conf *)user;
    int64_t b = bt_cell_i64(c, w->batch);
    const char *mode = bt_cell_str(c, w->mode);
    if (mode && strcmp(mode, "b") == 0 && (double)b >= w->oom_batch_b) { snprintf(s->error, sizeof s->error, "alloc of %lld MiB failed", (long long)b); return BT_E_OOM_DEVICE; }
    if (w->err_batch && b == w->err_batch && bt_cell_i64(c, w->workers) == 2) { snprintf(s->error, sizeof s->error, "boom at batch=%d", w->err_batch); return BT_E_WORKLOAD; }
    spin_us(0.05 * (double)b + 5);
    s->items = (double)b;
    return BT_OK;
}
static bt_grid *make_grid(wl_conf *w, int extra_axis) {
    bt_grid *g = bt_grid_create();
    const char *modes[] = {"a", "b"};
    w->batch = bt_grid_axis_pow2(g, "batch", 4, 256);
    w->workers = bt_grid_parse_axis(g, "workers=1,2,3", NULL) == BT_OK ? bt_grid_find(g, "workers") : -1;
    w->mode = bt_grid_axis_list_str(g, "mode", modes, 2);
    if (extra_axis) bt_grid_parse_axis(g, "extra=1,2", NULL);
    bt_grid_set_monotone(g, w->batch, 1);
    bt_grid_parse_constraint(g, "batch*workers<=512");
    return g;
}
static void make_workloads(wl_conf *c, bt_workload *w) {
    memset(w, 0, 2 * sizeof *w);
    c[1] = c[0];
    c[0].oom_batch_b = 64; c[0].err_batch = 8;
    c[1].oom_batch_b = 128; c[1].err_batch = 0;
    w[0].name = "big"; w[0].run = run_synth; w[0].user = &c[0];
    w[1].name = "small"; w[1].run = run_synth; w[1].user = &c[1];
}
static bt_sweep_desc quick_desc(const char *path, const char *device) {
    bt_sweep_desc d;
    memset(&d, 0, sizeof d);
    d.results_path = path;
    d.device = device;
    d.stop.min_samples = 3;
    d.stop.min_time_s = 1e-4;
    d.stop.max_time_s = 0.003;
    d.stop.max_rel_noise = 0.5;
    d.no_fsync = 1;
    d.overwrite = 1;
    d.settings = "synthetic v1";
    return d;
}
/* one sweep of the test grid; shard k of n (n = 0: all) */
static bt_status run_sweep(const char *path, int k, int n, const char *device, int extra_axis, const char *settings) {
    wl_conf c[2];
    bt_workload w[2];
    bt_grid *g = make_grid(&c[0], extra_axis);
    bt_sweep_desc d = quick_desc(path, device);
    bt_results *r = NULL;
    bt_status st;
    make_workloads(c, w);
    d.shard_k = k; d.shard_n = n;
    if (settings) d.settings = settings;
    st = bt_sweep_run(g, w, 2, &d, &r);
    bt_results_free(r);
    bt_grid_destroy(g);
    return st;
}
static char SHARD[4][512];
static int shards_ok;
/* the 4 shards as parallel child processes, once for all tests */
static int make_shards(void) {
    pid_t pid[4];
    int k, ok = 1;
    for (k = 0; k < 4; k++) bt_shard_path(tmp_path("s.csv"), k, 4, SHARD[k], sizeof SHARD[k]);
    fflush(NULL);
    for (k = 0; k < 4; k++) {
        pid[k] = fork();
        if (pid[k] == 0) _exit(run_sweep(SHARD[k], k, 4, "cpu", 0, NULL) == BT_OK ? 0 : 3);
    }
    for (k = 0; k < 4; k++) {
        int status = 0;
        if (pid[k] < 0 || waitpid(pid[k], &status, 0) != pid[k] || !WIFEXITED(status) || WEXITSTATUS(status) != 0) ok = 0;
    }
    return ok;
}
static size_t count_status(const bt_results *r, bt_cell_status st) {
    size_t i, n = 0;
    for (i = 0; i < bt_results_num_rows(r); i++) n += bt_results_row(r, i)->status == st;
    return n;
}

static void test_shard_path(void) {
    char b[256];
    bt_shard_path("results.csv", 2, 4, b, sizeof b); CHECK(strcmp(b, "results.shard-2-of-4.csv") == 0);
    bt_shard_path("runs/r.csv", 0, 1, b, sizeof b); CHECK(strcmp(b, "runs/r.shard-0-of-1.csv") == 0);
    bt_shard_path("out", 3, 8, b, sizeof b); CHECK(strcmp(b, "out.shard-3-of-8") == 0);
    bt_shard_path("out/part-{shard}-of-{shards}.csv", 3, 8, b, sizeof b); CHECK(strcmp(b, "out/part-3-of-8.csv") == 0);
    bt_shard_path("r{shard}.csv", 11, 12, b, sizeof b); CHECK(strcmp(b, "r11.csv") == 0);
    bt_shard_path("results.csv", 0, 0, b, sizeof b); CHECK(strcmp(b, "results.csv") == 0);
}

static void test_shard_resolve(void) {
    int k = -1, n = -1;
    char err[512];
    CHECK(bt_shard_resolve("2/4", 0, &k, &n, err, sizeof err) == BT_OK && k == 2 && n == 4);
    CHECK(bt_shard_resolve("4/4", 0, &k, &n, err, sizeof err) == BT_E_INVALID && strstr(err, "4/4"));
    CHECK(bt_shard_resolve("2/4", 3, &k, &n, err, sizeof err) == BT_E_INVALID);
    unsetenv("SLURM_ARRAY_TASK_ID"); unsetenv("SLURM_ARRAY_TASK_MIN"); unsetenv("SLURM_ARRAY_TASK_COUNT"); unsetenv("SLURM_ARRAY_TASK_STEP");
    CHECK(bt_shard_resolve("slurm", 0, &k, &n, err, sizeof err) == BT_E_INVALID && strstr(err, "SLURM_ARRAY_TASK_ID") && strstr(err, "--array"));
    /* array ids need not start at 0: --array=5-8 */
    setenv("SLURM_ARRAY_TASK_ID", "7", 1); setenv("SLURM_ARRAY_TASK_MIN", "5", 1); setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
    CHECK(bt_shard_resolve("slurm", 0, &k, &n, err, sizeof err) == BT_OK && k == 2 && n == 4);
    /* with the count given, array ids are shard numbers: --array=2,3 --shards 4 re-runs 2 and 3 */
    setenv("SLURM_ARRAY_TASK_ID", "3", 1); setenv("SLURM_ARRAY_TASK_MIN", "2", 1); setenv("SLURM_ARRAY_TASK_COUNT", "2", 1);
    CHECK(bt_shard_resolve("slurm", 4, &k, &n, err, sizeof err) == BT_OK && k == 3 && n == 4);
    setenv("SLURM_ARRAY_TASK_ID", "7", 1); setenv("SLURM_ARRAY_TASK_MIN", "5", 1); setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
    CHECK(bt_shard_resolve("slurm", 4, &k, &n, err, sizeof err) == BT_E_INVALID && strstr(err, "--array=0-3"));
    /* --array=0-6:2 -> ids 0,2,4,6 */
    setenv("SLURM_ARRAY_TASK_ID", "6", 1); setenv("SLURM_ARRAY_TASK_MIN", "0", 1); setenv("SLURM_ARRAY_TASK_STEP", "2", 1);
    CHECK(bt_shard_resolve("slurm", 0, &k, &n, err, sizeof err) == BT_OK && k == 3 && n == 4);
    /* a list such as --array=1,5,9 cannot be mapped onto 0..N-1 */
    unsetenv("SLURM_ARRAY_TASK_STEP");
    setenv("SLURM_ARRAY_TASK_ID", "9", 1); setenv("SLURM_ARRAY_TASK_MIN", "1", 1); setenv("SLURM_ARRAY_TASK_COUNT", "3", 1);
    CHECK(bt_shard_resolve("slurm", 0, &k, &n, err, sizeof err) == BT_E_INVALID && strstr(err, "SLURM_ARRAY_TASK_ID=9"));
    setenv("SLURM_ARRAY_TASK_ID", "x", 1);
    CHECK(bt_shard_resolve("slurm", 0, &k, &n, err, sizeof err) == BT_E_INVALID && strstr(err, "'x'"));
    unsetenv("SLURM_ARRAY_TASK_ID"); unsetenv("SLURM_ARRAY_TASK_MIN"); unsetenv("SLURM_ARRAY_TASK_COUNT");
    unsetenv("JOB_COMPLETION_INDEX");
    CHECK(bt_shard_resolve("k8s", 4, &k, &n, err, sizeof err) == BT_E_INVALID && strstr(err, "JOB_COMPLETION_INDEX"));
    setenv("JOB_COMPLETION_INDEX", "3", 1);
    CHECK(bt_shard_resolve("k8s", 4, &k, &n, err, sizeof err) == BT_OK && k == 3 && n == 4);
    CHECK(bt_shard_resolve("k8s", 0, &k, &n, err, sizeof err) == BT_E_INVALID && strstr(err, "--shards"));
    CHECK(bt_shard_resolve("k8s", 3, &k, &n, err, sizeof err) == BT_E_INVALID);
    unsetenv("JOB_COMPLETION_INDEX");
    CHECK(bt_shard_resolve("bogus", 0, &k, &n, err, sizeof err) == BT_E_INVALID && strstr(err, "bogus"));
}

static void test_merge_equals_unsharded(void) {
    const char *one = tmp_path("one.csv");
    bt_results *u = NULL, *m = NULL;
    bt_merge_report rep;
    bt_run_meta meta;
    char err[1024], jp[600], *json;
    const char *paths[4];
    size_t i;
    int k;
    if (!shards_ok) SKIP("the shard processes failed");
    CHECK(run_sweep(one, 0, 0, "cpu", 0, NULL) == BT_OK);
    CHECK(bt_results_read_csv(one, NULL, &u, err, sizeof err) == BT_OK);
    for (k = 0; k < 4; k++) paths[k] = SHARD[3 - k]; /* order of the files does not matter */
    CHECK(bt_merge(paths, 4, NULL, &m, &meta, &rep, err, sizeof err) == BT_OK);
    if (!u || !m) { printf("  %s\n", err); bt_results_free(u); bt_results_free(m); bt_merge_report_free(&rep); return; }
    CHECK(rep.nfiles == 4 && rep.shards == 4 && rep.nmissing == 0 && rep.nincomplete == 0 && rep.duplicates == 0 && rep.conflicts == 0);
    CHECK(rep.text && rep.text[0] == 0);
    CHECK(bt_results_num_rows(u) == 2 * 7 * 3 * 2);
    CHECK(bt_results_num_rows(m) == bt_results_num_rows(u));
    /* every status is represented, and each cell has the same status and reason */
    CHECK(count_status(u, BT_CELL_OK) > 0 && count_status(u, BT_CELL_OOM) > 0 && count_status(u, BT_CELL_PRUNED) > 0 &&
          count_status(u, BT_CELL_ERROR) > 0 && count_status(u, BT_CELL_INFEASIBLE) > 0);
    for (i = 0; i < bt_results_num_rows(u); i++) {
        const bt_row *a = bt_results_row(u, i), *b = bt_results_row(m, i);
        const bt_row *f = bt_results_find(m, a->workload, (const char *const *)a->axis);
        CHECK(f != NULL);
        if (!f) continue;
        CHECK(f->status == a->status);
        CHECK(strcmp(f->reason, a->reason) == 0);
        CHECK(strcmp(f->device, a->device) == 0);
        CHECK((f->status == BT_CELL_OK) == (f->nsample > 0)); /* samples came along */
        /* and in the same order as the unsharded run */
        CHECK(strcmp(a->workload, b->workload) == 0);
        for (k = 0; k < bt_results_num_axes(u); k++) CHECK(strcmp(a->axis[k], b->axis[k]) == 0);
    }
    /* the merged run has the unsharded run's fingerprint and the shards' planned total */
    bt_companion_path(one, ".json", jp, sizeof jp);
    json = slurp(jp);
    CHECK(json && strstr(json, meta.fingerprint));
    CHECK(meta.shard_n == 0 && meta.pairs_planned == (long long)bt_results_num_rows(u));
    free(json);
    /* written and read back: same rows, samples beside */
    {
        const char *mp = tmp_path("merged.csv");
        bt_results *back = NULL;
        CHECK(bt_results_write_csv(m, mp) == BT_OK);
        CHECK(bt_results_read_csv(mp, NULL, &back, err, sizeof err) == BT_OK);
        CHECK(back && bt_results_num_rows(back) == bt_results_num_rows(m));
        CHECK(back && bt_results_row(back, 0)->nsample == bt_results_row(m, 0)->nsample);
        bt_results_free(back);
    }
    bt_merge_report_free(&rep);
    bt_results_free(u);
    bt_results_free(m);
}

static void test_missing_shard(void) {
    const char *paths[3];
    bt_results *m = NULL;
    bt_merge_report rep;
    bt_merge_desc d;
    char err[1024];
    if (!shards_ok) SKIP("the shard processes failed");
    paths[0] = SHARD[0]; paths[1] = SHARD[1]; paths[2] = SHARD[3];
    CHECK(bt_merge(paths, 3, NULL, &m, NULL, &rep, err, sizeof err) == BT_E_NOT_FOUND);
    CHECK(m == NULL);
    CHECK(rep.nmissing == 1 && rep.missing[0] == 2 && rep.shards == 4);
    CHECK(strstr(err, "missing shard 2 of 4") != NULL);
    CHECK(strstr(rep.text, "missing shard 2") != NULL);
    bt_merge_report_free(&rep);
    /* two missing, named in order */
    CHECK(bt_merge(paths + 1, 2, NULL, &m, NULL, &rep, err, sizeof err) == BT_E_NOT_FOUND);
    CHECK(rep.nmissing == 2 && rep.missing[0] == 0 && rep.missing[1] == 2 && strstr(err, "shards 0, 2 of 4"));
    bt_merge_report_free(&rep);
    /* --partial merges what is there, still reporting the gap */
    memset(&d, 0, sizeof d);
    d.partial = 1;
    CHECK(bt_merge(paths, 3, &d, &m, NULL, &rep, err, sizeof err) == BT_OK);
    CHECK(m && rep.nmissing == 1 && rep.rows == bt_results_num_rows(m) && rep.rows > 0);
    bt_results_free(m);
    bt_merge_report_free(&rep);
    /* --expect N disagreeing with the files */
    d.partial = 0; d.expect_shards = 5;
    CHECK(bt_merge(paths, 3, &d, &m, NULL, &rep, err, sizeof err) == BT_E_MISMATCH && strstr(err, "5 shards were expected"));
    bt_merge_report_free(&rep);
}

static void test_refuses_fingerprint(void) {
    const char *p = tmp_path("fp.shard-1-of-4.csv");
    const char *paths[4];
    char jp[600], err[1024];
    bt_results *m = NULL;
    bt_merge_report rep;
    if (!shards_ok) SKIP("the shard processes failed");
    copy3(SHARD[1], p);
    bt_companion_path(p, ".json", jp, sizeof jp);
    CHECK(edit_file(jp, "\"fingerprint\":\"", "\"fingerprint\":\"0"));
    paths[0] = SHARD[0]; paths[1] = p; paths[2] = SHARD[2]; paths[3] = SHARD[3];
    CHECK(bt_merge(paths, 4, NULL, &m, NULL, &rep, err, sizeof err) == BT_E_MISMATCH);
    CHECK(m == NULL && strstr(err, p) && strstr(err, "fingerprint"));
    bt_merge_report_free(&rep);
    /* a results file without its JSON: refused unless allowed */
    copy3(SHARD[1], p);
    remove(jp);
    CHECK(bt_merge(paths, 4, NULL, &m, NULL, &rep, err, sizeof err) == BT_E_NOT_FOUND && strstr(err, jp));
    bt_merge_report_free(&rep);
    {
        bt_merge_desc d;
        memset(&d, 0, sizeof d);
        d.allow_no_meta = 1;
        CHECK(bt_merge(paths, 4, &d, &m, NULL, &rep, err, sizeof err) == BT_OK); /* shard number from the name */
        CHECK(m && rep.nmissing == 0 && strstr(rep.text, "not checked"));
        bt_results_free(m);
        bt_merge_report_free(&rep);
    }
}

static void test_refuses_device_header_settings(void) {
    const char *pd = tmp_path("dev.csv"), *ph = tmp_path("hdr.csv"), *ps = tmp_path("set.csv");
    char sd[600], sh[600], ss[600], err[1024];
    const char *paths[2];
    bt_results *m = NULL;
    bt_merge_report rep;
    if (!shards_ok) SKIP("the shard processes failed");
    bt_shard_path(pd, 1, 4, sd, sizeof sd);
    bt_shard_path(ph, 1, 4, sh, sizeof sh);
    bt_shard_path(ps, 1, 4, ss, sizeof ss);
    CHECK(run_sweep(sd, 1, 4, "NVIDIA H100", 0, NULL) == BT_OK);
    CHECK(run_sweep(sh, 1, 4, "cpu", 1, NULL) == BT_OK);
    CHECK(run_sweep(ss, 1, 4, "cpu", 0, "synthetic v2") == BT_OK);
    paths[0] = SHARD[0];
    paths[1] = sd;
    CHECK(bt_merge(paths, 2, NULL, &m, NULL, &rep, err, sizeof err) == BT_E_MISMATCH);
    CHECK(strstr(err, sd) && strstr(err, "device 'NVIDIA H100'") && strstr(err, "'cpu'"));
    bt_merge_report_free(&rep);
    paths[1] = sh;
    CHECK(bt_merge(paths, 2, NULL, &m, NULL, &rep, err, sizeof err) == BT_E_MISMATCH);
    CHECK(strstr(err, sh) && strstr(err, "header") && strstr(err, "extra"));
    bt_merge_report_free(&rep);
    paths[1] = ss;
    CHECK(bt_merge(paths, 2, NULL, &m, NULL, &rep, err, sizeof err) == BT_E_MISMATCH);
    CHECK(strstr(err, ss) && strstr(err, "settings") && strstr(err, "synthetic v2"));
    bt_merge_report_free(&rep);
    /* not a results file at all */
    spit(tmp_path("foreign.csv"), "batch,e2e_s\n1,0.5\n");
    paths[1] = tmp_path("foreign.csv");
    CHECK(bt_merge(paths, 2, NULL, &m, NULL, &rep, err, sizeof err) == BT_E_PARSE && strstr(err, "foreign.csv"));
    bt_merge_report_free(&rep);
    CHECK(m == NULL);
}

static void test_duplicates_conflicts(void) {
    const char *dup = tmp_path("dup.shard-1-of-4.csv"), *paths[6];
    char err[1024], *t, *nl;
    bt_results *m = NULL, *s1 = NULL;
    bt_merge_report rep;
    if (!shards_ok) SKIP("the shard processes failed");
    CHECK(bt_results_read_csv(SHARD[1], NULL, &s1, err, sizeof err) == BT_OK);
    /* the same file twice: read once */
    paths[0] = SHARD[0]; paths[1] = SHARD[1]; paths[2] = SHARD[2]; paths[3] = SHARD[3]; paths[4] = SHARD[1];
    CHECK(bt_merge(paths, 5, NULL, &m, NULL, &rep, err, sizeof err) == BT_OK);
    CHECK(rep.nfiles == 4 && rep.duplicates == 0 && strstr(rep.text, "given twice"));
    bt_results_free(m); m = NULL;
    bt_merge_report_free(&rep);
    /* a copy of shard 1: every row a duplicate, kept once */
    copy3(SHARD[1], dup);
    paths[4] = dup;
    CHECK(bt_merge(paths, 5, NULL, &m, NULL, &rep, err, sizeof err) == BT_OK);
    CHECK(s1 && rep.duplicates == bt_results_num_rows(s1) && rep.conflicts == 0);
    CHECK(strstr(rep.text, "shard 1 is given twice") && strstr(rep.text, "duplicate: "));
    CHECK(m && bt_results_num_rows(m) == 2 * 7 * 3 * 2);
    bt_results_free(m); m = NULL;
    bt_merge_report_free(&rep);
    /* the copy's first row measured differently: a conflict, refused, both files named */
    t = slurp(dup);
    nl = t ? strchr(t, '\n') : NULL;
    if (nl) {
        char *row = nl + 1, *end = strchr(row, '\n'), line[4096];
        int fields = 0;
        char *p;
        snprintf(line, sizeof line, "%.*s", (int)(end - row), row);
        /* change the e2e_s_median field (the first metric, after workload,device,3 axes,status,reason,samples,noisy) */
        for (p = line; *p && fields < 9; p++) if (*p == ',') fields++;
        if (*p) {
            char newline[4096];
            snprintf(newline, sizeof newline, "%.*s9.5%s", (int)(p - line), line, strchr(p, ','));
            CHECK(edit_file(dup, line, newline));
        }
    }
    free(t);
    CHECK(bt_merge(paths, 5, NULL, &m, NULL, &rep, err, sizeof err) == BT_E_MISMATCH);
    CHECK(m == NULL && rep.conflicts == 1);
    CHECK(strstr(rep.text, "conflict: ") && strstr(rep.text, dup) && strstr(rep.text, SHARD[1]) && strstr(rep.text, "e2e_s_median"));
    CHECK(strstr(err, "refusing to guess") != NULL);
    bt_merge_report_free(&rep);
    bt_results_free(s1);
}

static void test_cut_short(void) {
    const char *p = tmp_path("cut.shard-2-of-4.csv"), *paths[4];
    char err[1024], *t;
    bt_results *m = NULL;
    bt_merge_report rep;
    bt_merge_desc d;
    size_t len;
    if (!shards_ok) SKIP("the shard processes failed");
    copy3(SHARD[2], p);
    t = slurp(p);
    CHECK(t != NULL);
    if (!t) return;
    /* drop the last row, as when a task is killed by its time limit */
    len = strlen(t);
    if (len > 1) { t[len - 1] = 0; *(strrchr(t, '\n') + 1) = 0; }
    spit(p, t);
    free(t);
    paths[0] = SHARD[0]; paths[1] = SHARD[1]; paths[2] = p; paths[3] = SHARD[3];
    CHECK(bt_merge(paths, 4, NULL, &m, NULL, &rep, err, sizeof err) == BT_E_NOT_FOUND);
    CHECK(rep.nincomplete == 1 && rep.incomplete[0] == 2 && strstr(rep.text, p) && strstr(rep.text, "cut short"));
    CHECK(strstr(err, "--resume") != NULL);
    bt_merge_report_free(&rep);
    memset(&d, 0, sizeof d);
    d.partial = 1;
    CHECK(bt_merge(paths, 4, &d, &m, NULL, &rep, err, sizeof err) == BT_OK);
    CHECK(m && bt_results_num_rows(m) == 2 * 7 * 3 * 2 - 1);
    bt_results_free(m);
    bt_merge_report_free(&rep);
}

/* compare, on hand-written files: exact, no timing noise */
static const char *HDR = "workload,device,batch,status,reason,samples,noisy,e2e_s_median,e2e_s_ci_lo,e2e_s_ci_hi\n";
static void write_run(const char *path, const char *rows, const char *samples) {
    char b[8192], sp[600];
    snprintf(b, sizeof b, "%s%s", HDR, rows);
    spit(path, b);
    bt_companion_path(path, ".samples.csv", sp, sizeof sp);
    if (samples) { snprintf(b, sizeof b, "workload,batch,sample,e2e_s\n%s", samples); spit(sp, b); }
    else remove(sp);
}
static const bt_compare_row *find_cmp(const bt_comparison *c, const char *batch) {
    int i;
    for (i = 0; i < c->nrows; i++) if (strcmp(c->rows[i].axis[0], batch) == 0) return &c->rows[i];
    return NULL;
}
static void test_compare(void) {
    const char *pa = tmp_path("cmpA.csv"), *pb = tmp_path("cmpB.csv");
    bt_results *a = NULL, *b = NULL;
    bt_comparison c;
    const bt_compare_row *r;
    char err[512];
    int i;
    char sa[4096] = "", sb[4096] = "";
    /* batch 1: same; batch 2: B twice as slow; batch 4: B 20 % faster; batch 8: oom in B;
       batch 16 only in A, 32 only in B */
    static const double base[5] = {1.00, 1.02, 0.98, 1.01, 0.99};
    for (i = 0; i < 5; i++) {
        size_t la = strlen(sa), lb = strlen(sb);
        snprintf(sa + la, sizeof sa - la, "w,1,%d,%g\nw,2,%d,%g\nw,4,%d,%g\nw,8,%d,%g\n", i, base[i], i, 0.5 * base[i], i, 0.5 * base[i], i, 0.7 * base[i]);
        snprintf(sb + lb, sizeof sb - lb, "w,1,%d,%g\nw,2,%d,%g\nw,4,%d,%g\n", i, base[4 - i], i, 1.0 * base[i], i, 0.4 * base[i]);
    }
    write_run(pa, "w,cpu,1,ok,,5,0,1,0.98,1.02\nw,cpu,2,ok,,5,0,0.5,0.49,0.51\nw,cpu,4,ok,,5,0,0.5,0.49,0.51\nw,cpu,8,ok,,5,0,0.7,0.69,0.71\nw,cpu,16,ok,,0,0,0.9,,\n", sa);
    write_run(pb, "w,gpu,1,ok,,5,0,1,0.98,1.02\nw,gpu,2,ok,,5,0,1,0.98,1.02\nw,gpu,4,ok,,5,0,0.4,0.392,0.408\nw,gpu,8,oom,out of memory,0,0,,,\nw,gpu,32,ok,,0,0,0.3,,\n", sb);
    CHECK(bt_results_read_csv(pa, NULL, &a, err, sizeof err) == BT_OK);
    CHECK(bt_results_read_csv(pb, NULL, &b, err, sizeof err) == BT_OK);
    if (!a || !b) { bt_results_free(a); bt_results_free(b); return; }
    CHECK(bt_compare(a, b, NULL, &c) == BT_OK);
    CHECK(c.nrows == 6);
    r = find_cmp(&c, "1");
    CHECK(r && r->ci_method == BT_CI_BOOTSTRAP && r->change == BT_CHANGE_SAME && r->lo <= 1 && r->hi >= 1);
    r = find_cmp(&c, "2");
    CHECK(r && r->change == BT_CHANGE_WORSE && fabs(r->ratio - 2) < 1e-9 && r->lo > 1.5);
    r = find_cmp(&c, "4");
    CHECK(r && r->change == BT_CHANGE_BETTER && fabs(r->ratio - 0.8) < 1e-9 && r->hi < 1);
    r = find_cmp(&c, "8");
    CHECK(r && r->change == BT_CHANGE_STATUS && r->status_a == BT_CELL_OK && r->status_b == BT_CELL_OOM);
    r = find_cmp(&c, "16");
    CHECK(r && r->change == BT_CHANGE_ONLY_A && r->status_b == BT_CELL_STATUS_COUNT);
    r = find_cmp(&c, "32");
    CHECK(r && r->change == BT_CHANGE_ONLY_B);
    CHECK(c.count[BT_CHANGE_BETTER] == 1 && c.count[BT_CHANGE_WORSE] == 1 && c.count[BT_CHANGE_SAME] == 1);
    /* picks: A's best ok-everywhere cell is batch 2 (0.5, ties 4 by order), B's is batch 32 */
    CHECK(strcmp(c.pick_b, "batch=32") == 0);
    CHECK(c.pick_a[0] != 0);
    CHECK(strstr(c.message, "The pick changed") != NULL);
    {
        FILE *f = tmpfile();
        char buf[8192];
        size_t n;
        bt_print_comparison(&c, pa, pb, f);
        rewind(f);
        n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        CHECK(strstr(buf, "* slower in B") && strstr(buf, "* faster in B") && strstr(buf, "* status changed") && strstr(buf, "pick B: batch=32"));
        rewind(f);
        bt_write_comparison_csv(&c, f);
        fflush(f);
        rewind(f);
        n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        CHECK(strncmp(buf, "workload,batch,status_a,status_b,a,b,ratio,ratio_lo,ratio_hi,ci,change\n", 70) == 0);
        fclose(f);
    }
    bt_comparison_free(&c);
    /* without samples: the interval comes from the CI columns */
    {
        bt_compare_desc d;
        memset(&d, 0, sizeof d);
        d.bootstrap = -1;
        CHECK(bt_compare(a, b, &d, &c) == BT_OK);
        r = find_cmp(&c, "2");
        CHECK(r && r->ci_method == BT_CI_COLUMNS && r->change == BT_CHANGE_WORSE && r->lo < 2 && r->hi > 2);
        r = find_cmp(&c, "1");
        CHECK(r && r->ci_method == BT_CI_COLUMNS && r->change == BT_CHANGE_SAME);
        bt_comparison_free(&c);
        /* unknown objective; other axes */
        d.objective = "nope";
        CHECK(bt_compare(a, b, &d, &c) == BT_E_NOT_FOUND && strstr(c.message, "nope"));
        bt_comparison_free(&c);
    }
    bt_results_free(b);
    write_run(pb, "", NULL);
    spit(pb, "workload,device,size,status,reason,samples,noisy,e2e_s_median\nw,cpu,1,ok,,1,0,1\n");
    CHECK(bt_results_read_csv(pb, NULL, &b, err, sizeof err) == BT_OK);
    CHECK(bt_compare(a, b, NULL, &c) == BT_E_MISMATCH && strstr(c.message, "size"));
    bt_comparison_free(&c);
    bt_results_free(a);
    bt_results_free(b);
}

int main(void) {
    const char *base = getenv("TMPDIR");
    snprintf(TMP, sizeof TMP, "%s/bt_merge_XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(TMP)) { perror("mkdtemp"); return 1; }
    shards_ok = make_shards();
    if (!shards_ok) printf("  note: the 4 shard processes did not all succeed\n");
    RUN(test_shard_path);
    RUN(test_shard_resolve);
    RUN(test_merge_equals_unsharded);
    RUN(test_missing_shard);
    RUN(test_refuses_fingerprint);
    RUN(test_refuses_device_header_settings);
    RUN(test_duplicates_conflicts);
    RUN(test_cut_short);
    RUN(test_compare);
    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", TMP);
        if (system(cmd) != 0) printf("  note: could not remove %s\n", TMP);
    }
    return TT_SUMMARY();
}

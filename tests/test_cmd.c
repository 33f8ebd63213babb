/* Any program as a workload: argument splitting and substitution without a shell, metric
   lines, exit codes, OOM patterns, timeouts. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include "test.h"

static void test_expand_no_injection(void) {
    bt_grid *g = bt_grid_create();
    bt_cmd_workload c;
    bt_workload w;
    bt_cell cell;
    char err[256], **v;
    const char *evil[] = {"x;touch_INJECTED", "$(id)"};
    bt_grid_axis_list_str(g, "model", evil, 2);
    bt_grid_parse_axis(g, "batch=32,64", NULL);
    memset(&c, 0, sizeof c);
    c.cmd = "prog --model={model} 'two words' --bs {batch} \"{batch}x{batch}\"";
    CHECK(bt_cmd_workload_init(&c, g, &w, err, sizeof err) == BT_OK);
    bt_grid_cell(g, 1, &cell);                       /* model=x;touch_INJECTED batch=64 */
    v = bt_cmd_expand(&c, &cell);
    CHECK(v && strcmp(v[0], "prog") == 0 && strcmp(v[1], "--model=x;touch_INJECTED") == 0);
    CHECK(v && strcmp(v[2], "two words") == 0 && strcmp(v[3], "--bs") == 0 && strcmp(v[4], "64") == 0);
    CHECK(v && strcmp(v[5], "64x64") == 0 && v[6] == NULL);
    bt_cmd_argv_free(v);
    bt_cmd_workload_free(&c);
    c.cmd = "prog --bs {batchsize}";
    CHECK(bt_cmd_workload_init(&c, g, &w, err, sizeof err) == BT_E_PARSE && strstr(err, "{batchsize}"));
    c.cmd = "prog 'unterminated";
    CHECK(bt_cmd_workload_init(&c, g, &w, err, sizeof err) == BT_E_PARSE && strstr(err, "quote"));
    bt_grid_destroy(g);
}
static void test_parse_lines(void) {
    bt_cmd_workload c;
    bt_sample s;
    bt_metric_def m[1] = {{"gpu_util_pct", "%", 1}};
    memset(&c, 0, sizeof c);
    c.metrics = m; c.num_metrics = 1;
    memset(&s, 0, sizeof s);
    CHECK(bt_cmd_parse_line(&c, "batchtune: items=9216 first_batch_s=0.41 gpu_util_pct=87.5 unknown=3", &s) == 3);
    CHECK(s.items == 9216 && s.phase_s[BT_PHASE_FIRST_BATCH] == 0.41 && s.metric[0] == 87.5);
    memset(&s, 0, sizeof s);
    CHECK(bt_cmd_parse_line(&c, "{\"items\": 64, \"compute_s\": 1.5e-3, \"note\": \"x\", \"peak_mem_bytes\": 1048576}", &s) == 3);
    CHECK(s.items == 64 && s.phase_s[BT_PHASE_COMPUTE] == 1.5e-3 && s.peak_mem_bytes == 1048576);
    memset(&s, 0, sizeof s);
    CHECK(bt_cmd_parse_line(&c, "loss=3 items=5", &s) == 0);  /* plain output is ignored */
}
static void test_run_statuses(void) {
    bt_grid *g = bt_grid_create();
    bt_cmd_workload c;
    bt_workload w;
    bt_sweep_desc d;
    bt_results *r = NULL;
    char err[256];
    const bt_row *row;
    const char *v[1];
    bt_metric_def m[1] = {{"score", "", 1}};
    int64_t modes[] = {0, 1, 2, 3, 4};
    if (access("/bin/sh", X_OK) != 0) SKIP("/bin/sh not found");
    bt_grid_axis_list_i64(g, "mode", modes, 5);
    memset(&c, 0, sizeof c);
    c.name = "prog";
    c.cmd = "/bin/sh -c 'case $0 in 0) echo \"batchtune: items=10 score=7\";; 1) echo bad thing >&2; exit 3;; "
            "2) echo \"RuntimeError: CUDA out of memory. Tried to allocate\" >&2; exit 1;; 3) sleep 5;; 4) exit 42;; esac' {mode}";
    c.timeout_s = 0.3;
    c.oom_exit_code = 42;
    c.metrics = m; c.num_metrics = 1;
    CHECK(bt_cmd_workload_init(&c, g, &w, err, sizeof err) == BT_OK);
    memset(&d, 0, sizeof d);
    d.stop.min_samples = 2; d.stop.min_time_s = 1e-3; d.stop.max_time_s = 0.2; d.stop.warmup = -1; d.stop.max_rel_noise = 1;
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    v[0] = "0"; row = bt_results_find(r, "prog", v);
    CHECK(row && row->status == BT_CELL_OK && row->m[bt_results_metric_index(r, "items")] == 10 && row->m[bt_results_metric_index(r, "score")] == 7);
    v[0] = "1"; row = bt_results_find(r, "prog", v);
    CHECK(row && row->status == BT_CELL_ERROR && strstr(row->reason, "exit 3: bad thing"));
    v[0] = "2"; row = bt_results_find(r, "prog", v);
    CHECK(row && row->status == BT_CELL_OOM && strstr(row->reason, "CUDA out of memory"));
    v[0] = "3"; row = bt_results_find(r, "prog", v);
    CHECK(row && row->status == BT_CELL_TIMEOUT && strstr(row->reason, "timeout"));
    v[0] = "4"; row = bt_results_find(r, "prog", v);
    CHECK(row && row->status == BT_CELL_OOM);        /* the OOM exit code */
    bt_results_free(r);
    bt_cmd_workload_free(&c);
    c.cmd = "/nonexistent/program {mode}";
    CHECK(bt_cmd_workload_init(&c, g, &w, err, sizeof err) == BT_OK);
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    CHECK(r && bt_results_row(r, 0)->status == BT_CELL_ERROR && strstr(bt_results_row(r, 0)->reason, "/nonexistent/program"));
    bt_results_free(r);
    bt_cmd_workload_free(&c);
    bt_grid_destroy(g);
}
int main(void) {
    RUN(test_expand_no_injection);
    RUN(test_parse_lines);
    RUN(test_run_statuses);
    return TT_SUMMARY();
}

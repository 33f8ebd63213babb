/* utilization_oom.cu — how busy is the GPU over sequence length x batch size, which cells run out
   of memory, and how does latency grow with the batch for the original, narrower and shallower
   model?
   Part 1: a decoder step (8 layers of query projection, attention over a key/value cache,
   output projection; width 512) with bt_gpu_model BT_GPU_DECODER over seq = 1024..65536 x
   batch = 8..512. The cache holds 8 layers x batch x seq x 512 floats twice (32 KiB per
   batch x seq), so batch x seq >= 8 Mi (256 GiB) runs out of memory on any current GPU; those
   cells are tried (no pruning) and recorded "oom". Utilization per cell: busy_pct, the fraction
   of the sample in which the cell's kernels ran (CUDA events around the compute phase,
   bt_cuda_timer), busy_pct_cupti, the same fraction from the exact kernel intervals in CUPTI's
   activity records (bt_cupti; empty when CUPTI is not there), and nvml_util_pct, NVML's
   utilization.gpu from the bt_nvml_sampler thread
   (cells sample for at least 2 s, because NVML averages over up to a second; empty when NVML is
   not there). Heatmaps of both and of the peak device memory.
   Part 2: latency vs batch size (1..4096) for bt_gpu_model BT_GPU_MLP (8 layers of 1024)
   in its three variants: original, narrower (width 512), shallower (4 layers). 4096 items per
   sample; latency of one batch = sample time / number of batches. Ranked by mean regret of the
   time per sample over the three variants: the recommendation is the batch that is good for
   all of them (check it with: batchtune rank <prefix>_latency.csv).
   Writes <prefix>_util.csv and <prefix>_latency.csv (+ samples, JSON) and an HTML report for each.
   It resumes: a sticky CUDA error re-executes the program (bt_restart_guard) and it goes on
   after the failed cell. Delete the CSVs (or give another prefix) to measure afresh.
   Without a GPU (or with a CUDA driver too old for this toolkit) it prints "no GPU: " and CUDA's
   reason, and exits 0: GPU utilization and device out-of-memory have no CPU equivalent, so there
   is nothing to fall back to (per_item_time and inference_batch_workers are the CPU studies).
   Build: nvcc -O3 -I. -I/usr/include/stb examples/utilization_oom.cu batchtune_cuda.cu -o utilization_oom
   Run:   ./utilization_oom [prefix=utilization_oom] */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <stdlib.h>
#include <string.h>
#include <math.h>

static const char *row_axis(const bt_results *r, const bt_row *row, const char *name) {
    int i;
    for (i = 0; i < bt_results_num_axes(r); i++) if (strcmp(bt_results_axis(r, i), name) == 0) return row->axis[i];
    return "";
}

/* Part 1: utilization over seq x batch, with the OOM cells */
static int utilization(const char *prefix, bt_nvml_sampler *nv, bt_cupti *cu, char *const *argv) {
    bt_grid *g = bt_grid_create();
    bt_gpu_model m;
    bt_workload w;
    bt_sweep_desc d;
    bt_restart_guard guard;
    bt_results *r = NULL;
    bt_html_opts ho;
    const char *hm[4] = {"busy_pct", "busy_pct_cupti", "nvml_util_pct", "e2e_s_median"};
    char csv[1024], html[1024], err[512];
    bt_status st;
    size_t i;
    int j;

    snprintf(csv, sizeof csv, "%s_util.csv", prefix);
    snprintf(html, sizeof html, "%s_util.html", prefix);
    memset(&m, 0, sizeof m);
    m.kind = BT_GPU_DECODER;
    m.layers = 8; m.width = 512; m.items = 512; m.steps = 1;
    m.batch_axis = bt_grid_axis_geom_i64(g, "batch", 8, 512, 4);
    m.seq_axis = bt_grid_axis_geom_i64(g, "seq", 1024, 65536, 4);
    m.nvml = nv;
    m.cupti = cu;
    if (m.batch_axis < 0 || m.seq_axis < 0) { fprintf(stderr, "grid: %s\n", bt_grid_error(g)); bt_grid_destroy(g); return 1; }
    bt_grid_set_monotone(g, m.batch_axis, 1);      /* memory grows along both */
    bt_grid_set_monotone(g, m.seq_axis, 1);
    if ((st = bt_gpu_model_init(&m, &w, "decoder", err, sizeof err)) != BT_OK) {
        fprintf(stderr, "decoder model: %s\n", err);
        bt_grid_destroy(g);
        return 1;
    }
    memset(&guard, 0, sizeof guard);
    guard.device = bt_gpu_model_device(&m);
    guard.argv = argv;
    memset(&d, 0, sizeof d);
    d.results_path = csv;
    d.resume = 1;                   /* what lets a re-executed process go on */
    d.no_prune = 1;                 /* try every cell above an OOM too: the map shows them all */
    d.settings = "utilization_oom decoder layers=8 width=512 items=512 steps=1";
    d.stop.min_time_s = 2.0;        /* NVML needs windows of >= 1 s */
    d.stop.max_time_s = 4.0;
    d.stop.min_samples = 3;
    d.progress = bt_restart_guard_progress;
    d.progress_user = &guard;
    printf("part 1: decoder step, utilization over seq x batch (%zu cells, >= 2 s each)\n", bt_grid_num_cells(g));
    fflush(stdout);
    st = bt_sweep_run(g, &w, 1, &d, &r);
    if (st != BT_OK) {
        fprintf(stderr, "sweep failed: %s\n", r ? bt_results_error(r) : bt_status_str(st));
        bt_results_free(r); bt_gpu_model_free(&m); bt_grid_destroy(g);
        return 1;
    }
    printf("\n");
    bt_print_heatmap(r, "decoder", "batch", "seq", "busy_pct", stdout, BT_HEATMAP_AUTO);
    printf("\n");
    if (bt_cupti_available(cu)) bt_print_heatmap(r, "decoder", "batch", "seq", "busy_pct_cupti", stdout, BT_HEATMAP_AUTO);
    else printf("(no CUPTI kernel records: %s)\n", bt_cupti_reason(cu));
    printf("\n");
    if (bt_nvml_sampler_available(nv)) bt_print_heatmap(r, "decoder", "batch", "seq", "nvml_util_pct", stdout, BT_HEATMAP_AUTO);
    else printf("(no NVML utilization: the sampler is unavailable; busy_pct above comes from CUDA events)\n");
    printf("\n");
    bt_print_heatmap(r, "decoder", "batch", "seq", "peak_mem_bytes", stdout, BT_HEATMAP_AUTO);
    printf("\nlargest batch that fits, per sequence length:\n");
    for (j = 0; j < (int)bt_grid_axis_len(g, m.seq_axis); j++) {
        char sv[32];
        long long best = -1;
        int oom = 0;
        bt_grid_axis_value_text(g, m.seq_axis, (size_t)j, sv, sizeof sv);
        for (i = 0; i < bt_results_num_rows(r); i++) {
            const bt_row *row = bt_results_row(r, i);
            if (strcmp(row_axis(r, row, "seq"), sv) != 0) continue;
            if (row->status == BT_CELL_OK && atoll(row_axis(r, row, "batch")) > best) best = atoll(row_axis(r, row, "batch"));
            if (row->status == BT_CELL_OOM) oom++;
        }
        if (best > 0) printf("  seq %-6s batch %lld (%d cell%s out of memory above it)\n", sv, best, oom, oom == 1 ? "" : "s");
        else printf("  seq %-6s none (%d cell%s out of memory)\n", sv, oom, oom == 1 ? "" : "s");
    }
    memset(&ho, 0, sizeof ho);
    ho.title = "GPU utilization over sequence length x batch size";
    ho.metrics = hm; ho.num_metrics = 4;
    ho.x_axis = "batch"; ho.y_axis = "seq";
    if (bt_write_html_report(r, NULL, bt_results_meta(r), html, &ho) != BT_OK) fprintf(stderr, "report: %s\n", bt_results_error(r));
    printf("results: %s, report: %s\n\n", csv, html);
    bt_results_free(r);
    bt_gpu_model_free(&m);
    bt_grid_destroy(g);
    return 0;
}

/* Part 2: latency vs batch size for the three variants */
static int latency(const char *prefix, char *const *argv) {
    static const char *names[3] = {"original", "narrower", "shallower"};
    bt_grid *g = bt_grid_create();
    bt_axis ax_batch = bt_grid_axis_geom_i64(g, "batch", 1, 4096, 4);
    bt_gpu_model m[3];
    bt_workload w[3];
    bt_sweep_desc d;
    bt_restart_guard guard[3];
    bt_rank_desc rd;
    bt_ranking rk;
    bt_results *r = NULL;
    char csv[1024], html[1024], json[1024], err[512];
    const int items = 4096;
    bt_status st;
    int v, i, e2e;

    snprintf(csv, sizeof csv, "%s_latency.csv", prefix);
    snprintf(html, sizeof html, "%s_latency.html", prefix);
    snprintf(json, sizeof json, "%s_latency.json", prefix);
    memset(m, 0, sizeof m);
    for (v = 0; v < 3; v++) {
        m[v].kind = BT_GPU_MLP;
        m[v].variant = v == 0 ? BT_VARIANT_ORIGINAL : v == 1 ? BT_VARIANT_NARROWER : BT_VARIANT_SHALLOWER;
        m[v].items = items;
        m[v].batch_axis = ax_batch;
        m[v].seq_axis = -1;
        if (bt_gpu_model_init(&m[v], &w[v], names[v], err, sizeof err) != BT_OK) {
            fprintf(stderr, "%s model: %s\n", names[v], err);
            while (v-- > 0) bt_gpu_model_free(&m[v]);
            bt_grid_destroy(g);
            return 1;
        }
    }
    memset(guard, 0, sizeof guard);
    for (v = 0; v < 3; v++) {       /* each model has its own bt_device: one guard each, chained */
        guard[v].device = bt_gpu_model_device(&m[v]);
        guard[v].argv = argv;
        if (v < 2) { guard[v].next = bt_restart_guard_progress; guard[v].next_user = &guard[v + 1]; }
    }
    memset(&d, 0, sizeof d);
    d.results_path = csv;
    d.resume = 1;
    d.settings = "utilization_oom mlp layers=8 width=1024 items=4096 variants";
    d.stop.max_time_s = 1.5;
    d.progress = bt_restart_guard_progress;
    d.progress_user = &guard[0];
    printf("part 2: latency vs batch size, MLP original (8 x 1024), narrower (8 x 512), shallower (4 x 1024), %d items per sample\n", items);
    fflush(stdout);
    st = bt_sweep_run(g, w, 3, &d, &r);
    if (st != BT_OK) {
        fprintf(stderr, "sweep failed: %s\n", r ? bt_results_error(r) : bt_status_str(st));
        bt_results_free(r);
        for (v = 0; v < 3; v++) bt_gpu_model_free(&m[v]);
        bt_grid_destroy(g);
        return 1;
    }
    e2e = bt_results_metric_index(r, "e2e_s_median");
    printf("\nlatency of one batch (ms)\n%-8s", "batch");
    for (v = 0; v < 3; v++) printf(" %12s", names[v]);
    printf("\n");
    for (i = 0; i < (int)bt_grid_axis_len(g, ax_batch); i++) {
        char b[32];
        const char *vals[1];
        long long nb;
        bt_grid_axis_value_text(g, ax_batch, (size_t)i, b, sizeof b);
        vals[0] = b;
        nb = (items + atoll(b) - 1) / atoll(b);
        printf("%-8s", b);
        for (v = 0; v < 3; v++) {
            const bt_row *row = bt_results_find(r, names[v], vals);
            if (row && row->status == BT_CELL_OK) printf(" %12.3f", row->m[e2e] / (double)nb * 1e3);
            else printf(" %12s", row ? bt_cell_status_str(row->status) : "-");
        }
        printf("\n");
    }
    printf("\n");
    memset(&rd, 0, sizeof rd);                 /* e2e_s_median, as batchtune rank does */
    if (bt_rank(r, &rd, &rk) == BT_OK) {
        bt_print_ranking(&rk, stdout);
        bt_write_json(r, bt_results_meta(r), &rk, json);
        if (bt_write_html_report(r, &rk, bt_results_meta(r), html, NULL) != BT_OK) fprintf(stderr, "report: %s\n", bt_results_error(r));
    } else {
        printf("no ranking: %s\n", rk.message);
    }
    bt_ranking_free(&rk);
    printf("\nresults: %s, report: %s (check the pick with: batchtune rank %s)\n", csv, html, csv);
    bt_results_free(r);
    for (v = 0; v < 3; v++) bt_gpu_model_free(&m[v]);
    bt_grid_destroy(g);
    return 0;
}

int main(int argc, char **argv) {
    const char *prefix = argc > 1 ? argv[1] : "utilization_oom";
    int n = 0, rc;
    char err[512], desc[512];
    bt_device_info info;
    bt_nvml_sampler *nv = NULL;
    bt_cupti *cu = NULL;

    if (bt_cuda_device_count(&n, err, sizeof err) != BT_OK || n < 1) {
        printf("no GPU: %s\n", err);
        printf("GPU utilization (kernel busy fraction, NVML utilization) and device out-of-memory have no CPU\n"
               "equivalent, so this example has nothing to measure here and stops. The CPU studies are\n"
               "examples/per_item_time.c and examples/inference_batch_workers.c.\n");
        return 0;
    }
    if (bt_cuda_probe(0, &info, err, sizeof err) == BT_OK) {
        bt_device_describe(&info, desc, sizeof desc);
        printf("device: %s\n", desc);
    }
    if (bt_nvml_sampler_start(0, 0.1, 1.0, &nv, err, sizeof err) != BT_OK) nv = NULL;
    if (!nv || !bt_nvml_sampler_available(nv)) printf("NVML: unavailable (%s): utilization from CUDA events only\n", err);
    /* CUPTI traces part 1 only: its per-kernel overhead stays out of part 2's latencies */
    if (bt_cupti_start(0, NULL, &cu, err, sizeof err) != BT_OK) cu = NULL;
    if (!bt_cupti_available(cu)) printf("CUPTI: unavailable (%s)\n", err);
    rc = utilization(prefix, nv, cu, argv);
    bt_cupti_stop(cu);
    if (rc == 0) rc = latency(prefix, argv);
    bt_nvml_sampler_stop(nv);
    return rc;
}

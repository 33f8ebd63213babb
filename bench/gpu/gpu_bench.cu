/* bench/gpu/gpu_bench.cu — measures batchtune's GPU goals on the machine it runs on and writes
   CSV/markdown under OUTDIR (bench/gpu/run.sh picks bench/results/gpu-<date>-<host>/):
     1 upload.csv      pinned upload through bt_cuda_pipeline vs cudaMemcpy from pinned memory
                       (the peak), and pageable cudaMemcpy. Goal: pipeline >= 90 % of the peak.
     2 overlap.csv     the overlapped pipeline (copy stream + compute stream, double buffered)
                       vs copies alone and compute alone. Goal: e2e <= 1.10 x max(load, compute)
                       + one batch's fill and drain. "load" here is the upload of each batch.
     3 util_decoder.csv  decoder step with a KV cache over S x batch (both monotone: OOM cells and
                       the pruned cells above them), busy_pct (events), busy_pct_cupti (union of
                       the kernels' intervals from CUPTI's activity records; CUPTI traces only
                       this part, so its overhead stays out of the others) and nvml_util_pct.
     4 per_item.csv    per-item time vs batch (32..1024) for the MLP variants (original, narrower,
                       shallower) and the convolution model; energy_per_item_j from NVML.
     summary.md        the figures above, with the device and host.
   Exit 0 when measured; 3 when there is no GPU (prints "no GPU: nothing measured" and writes
   nothing); 1 on a failure. Build: nvcc -O2 -I. bench/gpu/gpu_bench.cu batchtune_cuda.cu */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <cuda_runtime.h>

static double now_s(void) { return (double)bt_now_ns() * 1e-9; }
static int cmp_d(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
static double median(double *v, int n) { qsort(v, (size_t)n, sizeof *v, cmp_d); return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]); }
static bt_status no_compute(void *d, size_t b, int s, void *st, void *u) { (void)d; (void)b; (void)s; (void)st; (void)u; return BT_OK; }
typedef struct gemm_job { bt_device *d; const float *w; float *out; } gemm_job;
static bt_status gemm_compute(void *dev_in, size_t bytes, int slot, void *stream, void *user) {
    gemm_job *j = (gemm_job *)user;
    (void)slot;
    return bt_cuda_gemm(j->d, (int)(bytes / 4096), 1024, 1024, (const float *)dev_in, j->w, j->out, NULL, 0, stream);
}
#define TRY(x) do { bt_status st_ = (x); if (st_ != BT_OK) { fprintf(stderr, "gpu_bench: %s failed: %s (%s)\n", #x, bt_status_str(st_), bt_device_error(dev)); return 1; } } while (0)

/* pipeline over nb batches of `bytes`; returns host wall seconds from the first acquire to drain */
static bt_status run_pipeline(bt_cuda_pipeline *p, int nb, size_t bytes, bt_cuda_compute_fn fn, void *user, double *wall,
                              bt_cuda_pipeline_stats *ps) {
    double t0 = now_s();
    int i;
    for (i = 0; i < nb; i++) {
        void *h = NULL;
        bt_status st = bt_cuda_pipeline_acquire(p, &h);
        if (st == BT_OK) st = bt_cuda_pipeline_submit(p, bytes, fn, user);
        if (st != BT_OK) return st;
    }
    {
        bt_status st = bt_cuda_pipeline_drain(p, ps);
        *wall = now_s() - t0;
        return st;
    }
}

int main(int argc, char **argv) {
    const char *out = argc > 1 ? argv[1] : NULL;
    int quick = argc > 2 && strcmp(argv[2], "--quick") == 0, n = 0, i, reps = quick ? 3 : 10;
    char err[512], path[1024], desc[512];
    bt_device_info info;
    bt_device *dev = NULL;
    bt_dev_arena *a;
    bt_nvml_sampler *nv = NULL;
    bt_run_meta meta;
    FILE *sum, *f;
    double peak_gbps, pageable_gbps, pipe_gbps, ov_e2e, ov_load, ov_comp, ov_fill, ov_bound;
    if (!out) { fprintf(stderr, "usage: gpu_bench OUTDIR [--quick]\n"); return 2; }
    if (bt_cuda_device_count(&n, err, sizeof err) != BT_OK) { printf("no GPU: nothing measured (%s)\n", err); return 3; }
    if (bt_cuda_probe(0, &info, err, sizeof err) != BT_OK || bt_cuda_device_open(0, &dev, err, sizeof err) != BT_OK) {
        printf("no GPU: nothing measured (%s)\n", err);
        return 3;
    }
    bt_device_describe(&info, desc, sizeof desc);
    bt_run_meta_collect(&meta, desc, "bench/gpu/gpu_bench.cu");
    bt_nvml_sampler_start(0, 0.1, 1.0, &nv, err, sizeof err);
    if (err[0]) printf("note: %s\n", err);
    snprintf(path, sizeof path, "%s/summary.md", out);
    sum = fopen(path, "w");
    if (!sum) { fprintf(stderr, "gpu_bench: cannot write %s\n", path); return 1; }
    fprintf(sum, "# batchtune GPU goals — %s\n\n- device: %s, L2 %d KiB, driver %d, runtime %d\n- host: %s (%s), %d CPUs\n- date: %s, batchtune %s\n- NVML: %s\n\n",
            meta.date_utc, desc, info.l2_bytes / 1024, info.driver_version, info.runtime_version, meta.host, meta.cpu_model,
            meta.cpus_online, meta.date_utc, meta.version, bt_nvml_sampler_available(nv) ? "available" : err);
    a = bt_dev_arena_create(dev);

    /* 1 upload ---------------------------------------------------------------------------- */
    {
        const size_t total = (size_t)256 << 20, slot = (size_t)32 << 20;
        void *h = NULL, *d = NULL, *pg = malloc(total);
        double t[16], t2[16], t3[16];
        bt_cuda_pipeline *p = NULL;
        bt_cuda_pipeline_desc pd;
        bt_cuda_pipeline_stats ps;
        TRY(bt_dev_alloc(a, BT_MEM_PINNED, total, &h));
        TRY(bt_dev_alloc(a, BT_MEM_DEVICE, total, &d));
        memset(h, 1, total);
        memset(pg, 1, total);
        for (i = 0; i < reps + 1; i++) {
            double t0 = now_s();
            cudaMemcpy(d, h, total, cudaMemcpyHostToDevice);
            if (i) t[i - 1] = now_s() - t0;
            t0 = now_s();
            cudaMemcpy(d, pg, total, cudaMemcpyHostToDevice);
            if (i) t2[i - 1] = now_s() - t0;
        }
        TRY(bt_device_check(dev));
        TRY(bt_dev_free(a, d));
        TRY(bt_dev_free(a, h));
        free(pg);
        memset(&pd, 0, sizeof pd);
        pd.slot_bytes = slot;
        TRY(bt_cuda_pipeline_create(a, &pd, &p));
        for (i = 0; i < reps + 1; i++) {
            double w = 0;
            TRY(run_pipeline(p, (int)(total / slot), slot, no_compute, NULL, &w, &ps));
            if (i) t3[i - 1] = w;
        }
        bt_cuda_pipeline_destroy(p);
        peak_gbps = total / median(t, reps) * 1e-9;
        pageable_gbps = total / median(t2, reps) * 1e-9;
        pipe_gbps = total / median(t3, reps) * 1e-9;
        snprintf(path, sizeof path, "%s/upload.csv", out);
        f = fopen(path, "w");
        if (f) {
            fprintf(f, "method,bytes,reps,median_gbps\ncudaMemcpy_pinned,%zu,%d,%.4f\ncudaMemcpy_pageable,%zu,%d,%.4f\nbt_cuda_pipeline,%zu,%d,%.4f\n",
                    total, reps, peak_gbps, total, reps, pageable_gbps, total, reps, pipe_gbps);
            fclose(f);
        }
        printf("upload: cudaMemcpy pinned %.2f GB/s (peak), pageable %.2f GB/s, pipeline %.2f GB/s = %.1f %% of peak (goal >= 90 %%)\n",
               peak_gbps, pageable_gbps, pipe_gbps, 100 * pipe_gbps / peak_gbps);
        fprintf(sum, "## Upload\n\n| method | GB/s (median of %d, 256 MiB) |\n|---|---|\n| cudaMemcpy pinned (peak) | %.2f |\n| cudaMemcpy pageable | %.2f |\n| bt_cuda_pipeline (32 MiB slots, double buffered) | %.2f |\n\nPipeline / peak = **%.1f %%** (goal >= 90 %%: %s)\n\n",
                reps, peak_gbps, pageable_gbps, pipe_gbps, 100 * pipe_gbps / peak_gbps, pipe_gbps >= 0.9 * peak_gbps ? "met" : "NOT met");
    }

    /* 2 overlap --------------------------------------------------------------------------- */
    {
        const int nb = 32;
        const size_t bytes = (size_t)4096 * 1024 * 4;
        bt_cuda_pipeline *p = NULL;
        bt_cuda_pipeline_desc pd;
        bt_cuda_pipeline_stats ps;
        gemm_job j;
        void *w = NULL, *o = NULL, *x = NULL, *st = NULL;
        double e[16], l[16], c[16];
        j.d = dev;
        TRY(bt_dev_alloc(a, BT_MEM_DEVICE, (size_t)1024 * 1024 * 4, &w));
        TRY(bt_dev_alloc(a, BT_MEM_DEVICE, bytes, &o));
        TRY(bt_dev_alloc(a, BT_MEM_DEVICE, bytes, &x));
        j.w = (const float *)w; j.out = (float *)o;
        cudaMemset(w, 0, (size_t)1024 * 1024 * 4);
        cudaMemset(x, 0, bytes);
        memset(&pd, 0, sizeof pd);
        pd.slot_bytes = bytes;
        TRY(bt_cuda_pipeline_create(a, &pd, &p));
        TRY(bt_cuda_stream_create(dev, &st));
        for (i = 0; i < reps + 1; i++) {
            double t0, wall = 0;
            int k;
            TRY(run_pipeline(p, nb, bytes, no_compute, NULL, &wall, &ps));           /* load alone */
            l[i ? i - 1 : 0] = wall;
            t0 = now_s();                                                              /* compute alone */
            for (k = 0; k < nb; k++) TRY(gemm_compute(x, bytes, 0, st, &j));
            cudaStreamSynchronize((cudaStream_t)st);
            c[i ? i - 1 : 0] = now_s() - t0;
            TRY(run_pipeline(p, nb, bytes, gemm_compute, &j, &wall, &ps));           /* overlapped */
            e[i ? i - 1 : 0] = wall;
        }
        bt_cuda_stream_destroy(st);
        bt_cuda_pipeline_destroy(p);
        TRY(bt_dev_arena_release(a));
        ov_e2e = median(e, reps); ov_load = median(l, reps); ov_comp = median(c, reps);
        ov_fill = ov_load / nb + ov_comp / nb;
        ov_bound = 1.10 * (ov_load > ov_comp ? ov_load : ov_comp) + ov_fill;
        snprintf(path, sizeof path, "%s/overlap.csv", out);
        f = fopen(path, "w");
        if (f) {
            fprintf(f, "batches,batch_bytes,load_s,compute_s,e2e_s,fill_drain_s,bound_s,ratio_e2e_over_max\n%d,%zu,%.6g,%.6g,%.6g,%.6g,%.6g,%.4f\n",
                    nb, bytes, ov_load, ov_comp, ov_e2e, ov_fill, ov_bound, ov_e2e / (ov_load > ov_comp ? ov_load : ov_comp));
            fclose(f);
        }
        printf("overlap: load %.4g s, compute %.4g s, overlapped %.4g s; bound 1.10 x max + fill/drain = %.4g s: %s\n",
               ov_load, ov_comp, ov_e2e, ov_bound, ov_e2e <= ov_bound ? "met" : "NOT met");
        fprintf(sum, "## Overlapped upload + compute (%d batches of %zu MiB, GEMM 4096x1024x1024 each)\n\n| load alone s | compute alone s | overlapped s | bound s | e2e / max |\n|---|---|---|---|---|\n| %.4g | %.4g | %.4g | %.4g | %.3f |\n\nGoal e2e <= 1.10 x max(load, compute) + fill/drain: %s\n\n",
                nb, bytes >> 20, ov_load, ov_comp, ov_e2e, ov_bound, ov_e2e / (ov_load > ov_comp ? ov_load : ov_comp), ov_e2e <= ov_bound ? "met" : "NOT met");
    }

    /* 3 utilization over S x batch with OOM cells --------------------------------------------- */
    {
        bt_grid *g = bt_grid_create();
        bt_gpu_model m;
        bt_workload w;
        bt_sweep_desc d;
        bt_results *r = NULL;
        bt_cupti *cu = NULL;
        char cerr[512] = "";
        bt_cupti_start(0, NULL, &cu, cerr, sizeof cerr);
        if (cerr[0]) printf("note: %s\n", cerr);
        memset(&m, 0, sizeof m);
        m.kind = BT_GPU_DECODER; m.layers = 1; m.width = 512; m.items = 256; m.steps = 2; m.nvml = nv; m.cupti = cu;
        bt_grid_parse_axis(g, quick ? "seq=1024,65536" : "seq=1024,4096,16384,65536", &m.seq_axis);
        m.batch_axis = bt_grid_axis_pow2(g, "batch", 1, quick ? 64 : 1024);
        bt_grid_set_monotone(g, m.seq_axis, 1);
        bt_grid_set_monotone(g, m.batch_axis, 1);
        if (bt_gpu_model_init(&m, &w, "decoder", err, sizeof err) != BT_OK) { fprintf(stderr, "gpu_bench: %s\n", err); return 1; }
        memset(&d, 0, sizeof d);
        snprintf(path, sizeof path, "%s/util_decoder.csv", out);
        d.results_path = path; d.overwrite = 1; d.device = desc;
        d.stop.min_samples = 3; d.stop.min_time_s = quick ? 0.3 : 2.0; d.stop.max_time_s = quick ? 1 : 6;
        if (bt_sweep_run(g, &w, 1, &d, &r) != BT_OK) { fprintf(stderr, "gpu_bench: sweep: %s\n", r ? bt_results_error(r) : "?"); return 1; }
        printf("busy_pct (events) over seq x batch:\n");
        bt_print_heatmap(r, NULL, "batch", "seq", "busy_pct", stdout, BT_HEATMAP_PLAIN);
        printf("busy_pct_cupti (CUPTI kernel records) over seq x batch:\n");
        bt_print_heatmap(r, NULL, "batch", "seq", "busy_pct_cupti", stdout, BT_HEATMAP_PLAIN);
        printf("nvml_util_pct over seq x batch:\n");
        bt_print_heatmap(r, NULL, "batch", "seq", "nvml_util_pct", stdout, BT_HEATMAP_PLAIN);
        fprintf(sum, "## Utilization over S x batch (decoder step, KV cache batch x S x 512 x 2 floats)\n\nSee util_decoder.csv (busy_pct from events, busy_pct_cupti from CUPTI's kernel records, nvml_util_pct from NVML, OOM and pruned cells).\n\n- CUPTI: %s\n\n",
                bt_cupti_available(cu) ? "available" : bt_cupti_reason(cu));
        bt_write_markdown(r, "busy_pct", sum);
        fprintf(sum, "\n");
        if (bt_cupti_available(cu)) { bt_write_markdown(r, "busy_pct_cupti", sum); fprintf(sum, "\n"); }
        bt_cupti_stop(cu);
        bt_results_free(r);
        bt_gpu_model_free(&m);
        bt_grid_destroy(g);
    }

    /* 4 per-item time vs batch per model variant, energy per item ----------------------------- */
    {
        bt_grid *g = bt_grid_create();
        bt_gpu_model m[4];
        bt_workload w[4];
        bt_sweep_desc d;
        bt_results *r = NULL;
        static const char *names[4] = {"mlp_original", "mlp_narrower", "mlp_shallower", "conv_original"};
        bt_axis ab = bt_grid_axis_pow2(g, "batch", 32, quick ? 128 : 1024);
        bt_grid_set_monotone(g, ab, 1);
        for (i = 0; i < 4; i++) {
            memset(&m[i], 0, sizeof m[i]);
            m[i].kind = i < 3 ? BT_GPU_MLP : BT_GPU_CONV;
            m[i].variant = i < 3 ? i : BT_VARIANT_ORIGINAL;
            m[i].items = i < 3 ? 16384 : 2048;
            m[i].batch_axis = ab; m[i].seq_axis = -1; m[i].nvml = nv;
            if (bt_gpu_model_init(&m[i], &w[i], names[i], err, sizeof err) != BT_OK) { fprintf(stderr, "gpu_bench: %s\n", err); return 1; }
        }
        memset(&d, 0, sizeof d);
        snprintf(path, sizeof path, "%s/per_item.csv", out);
        d.results_path = path; d.overwrite = 1; d.device = desc;
        d.stop.min_samples = 3; d.stop.min_time_s = quick ? 0.3 : 2.0; d.stop.max_time_s = quick ? 1 : 6;
        if (bt_sweep_run(g, w, 4, &d, &r) != BT_OK) { fprintf(stderr, "gpu_bench: sweep: %s\n", r ? bt_results_error(r) : "?"); return 1; }
        {
            const char *gwhy = NULL;
            (void)bt_gpu_model_gemm(&m[0], &gwhy);
            fprintf(sum, "## Per-item time vs batch (s_per_item) and energy per item\n\nMLP matrix multiply: %s\n\n", gwhy);
        }
        bt_write_markdown(r, "s_per_item", sum);
        fprintf(sum, "\n");
        bt_write_markdown(r, "energy_per_item_j", sum);
        bt_write_markdown(r, "s_per_item", stdout);
        bt_results_free(r);
        for (i = 0; i < 4; i++) bt_gpu_model_free(&m[i]);
        bt_grid_destroy(g);
    }
    fclose(sum);
    bt_dev_arena_destroy(a);
    bt_nvml_sampler_stop(nv);
    bt_device_destroy(dev);
    printf("recorded under %s\n", out);
    return 0;
}

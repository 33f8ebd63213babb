/* per_item_time.c — time per item vs batch size (32 ... 1024) for two reference models: a
   transformer-like one (stacked matrix multiplies) and a convolution-like one (3x3
   convolutions). Small batches pay per-batch overhead; large ones can fall out of cache, so the
   largest batch is not always the fastest per item. The knee is the smallest batch whose time per
   item is within 5 % of the best, reported per model.
   Built with cc it measures the CPU models (batchtune's CPU MLP on 2 threads; a 3x3 convolution
   through an im2col workspace that grows with the batch). Built with nvcc and batchtune_cuda.cu
   it measures the GPU reference models (bt_gpu_model: MLP and direct convolution), and falls
   back to the CPU models, saying why, where no GPU can be used.
   Build: cc -O3 -I. examples/per_item_time.c -o per_item_time -lm -pthread
   GPU build: nvcc -O3 -x cu -DBATCHTUNE_WITH_CUDA -I. examples/per_item_time.c batchtune_cuda.cu -o per_item_time_gpu
   Run:   ./per_item_time [items=1024] [results.csv] */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <stdlib.h>
#include <string.h>

/* conv-like: B images of 16x16x8 -> 3x3 conv -> 16 channels, through an im2col buffer */
enum { HW = 16, CIN = 8, COUT = 16, K = 9 * CIN };
typedef struct conv { bt_axis ax_batch; int items; float w[K * COUT]; float *img, *col, *out; } conv;

static bt_status conv_setup(const bt_cell *cell, void *user, bt_sample *s) {
    conv *c = (conv *)user;
    size_t b = (size_t)bt_cell_i64(cell, c->ax_batch);
    c->img = (float *)calloc(b * HW * HW * CIN, sizeof(float));
    c->col = (float *)malloc(b * HW * HW * K * sizeof(float));      /* grows with the batch */
    c->out = (float *)malloc(b * HW * HW * COUT * sizeof(float));
    if (!c->img || !c->col || !c->out) { snprintf(s->error, sizeof s->error, "no memory for batch %zu", b); return BT_E_NOMEM; }
    return BT_OK;
}
static void conv_batch(conv *c, int b) {
    int n, y, x, ky, kx, ch, o, k;
    for (n = 0; n < b; n++) for (y = 0; y < HW; y++) for (x = 0; x < HW; x++) {
        float *col = c->col + (((size_t)n * HW + (size_t)y) * HW + (size_t)x) * K;
        for (ky = 0; ky < 3; ky++) for (kx = 0; kx < 3; kx++) for (ch = 0; ch < CIN; ch++) {
            int yy = y + ky - 1, xx = x + kx - 1;
            *col++ = (yy < 0 || xx < 0 || yy >= HW || xx >= HW) ? 0.0f : c->img[(((size_t)n * HW + (size_t)yy) * HW + (size_t)xx) * CIN + (size_t)ch];
        }
    }
    for (n = 0; n < b * HW * HW; n++) {
        const float *col = c->col + (size_t)n * K;
        float *out = c->out + (size_t)n * COUT;
        for (o = 0; o < COUT; o++) out[o] = 0;
        for (k = 0; k < K; k++) for (o = 0; o < COUT; o++) out[o] += col[k] * c->w[k * COUT + o];
    }
}
static bt_status conv_run(const bt_cell *cell, void *user, bt_sample *s) {
    conv *c = (conv *)user;
    int b = (int)bt_cell_i64(cell, c->ax_batch), done = 0;
    while (done < c->items) { int n = c->items - done < b ? c->items - done : b; conv_batch(c, n); done += n; }
    s->items = c->items;
    return BT_OK;
}
static void conv_teardown(const bt_cell *cell, void *user, bt_sample *s) {
    conv *c = (conv *)user;
    (void)cell; (void)s;
    free(c->img); free(c->col); free(c->out);
    c->img = c->col = c->out = NULL;
}

int main(int argc, char **argv) {
    int items = argc > 1 ? atoi(argv[1]) : 1024, i, w;
    const char *out = argc > 2 ? argv[2] : "per_item_time.csv";
    bt_grid *g = bt_grid_create();
    bt_axis ax_batch = bt_grid_axis_pow2(g, "batch", 32, 1024), ax_threads;
    bt_cpu_model mlp;
    conv cv;
    bt_workload wl[2];
    bt_sweep_desc d;
    bt_results *r = NULL;
    int spi, on_gpu = 0;
#ifdef BATCHTUNE_WITH_CUDA
    bt_gpu_model gm[2];
#endif
    if (items < 32) items = 32;
    bt_grid_parse_axis(g, "threads=2", &ax_threads);
    memset(&mlp, 0, sizeof mlp);
    mlp.batch_axis = ax_batch; mlp.threads_axis = ax_threads; mlp.items = items; mlp.layers = 4; mlp.width = 512;
    memset(&cv, 0, sizeof cv);
    cv.ax_batch = ax_batch; cv.items = items;
    for (i = 0; i < K * COUT; i++) cv.w[i] = (float)((i * 7) % 13) / 13.0f - 0.5f;
#ifdef BATCHTUNE_WITH_CUDA
    {
        char err[256];
        memset(gm, 0, sizeof gm);
        gm[0].kind = BT_GPU_MLP; gm[0].batch_axis = ax_batch; gm[0].items = items;
        gm[1].kind = BT_GPU_CONV; gm[1].batch_axis = ax_batch; gm[1].items = items;
        if (bt_gpu_model_init(&gm[0], &wl[0], "transformer_like", err, sizeof err) == BT_OK &&
            bt_gpu_model_init(&gm[1], &wl[1], "conv_like", err, sizeof err) == BT_OK) {
            on_gpu = 1;
            printf("GPU: batchtune_cuda.cu's reference models (MLP, direct 3x3 convolution)\n");
        } else {
            bt_gpu_model_free(&gm[0]); bt_gpu_model_free(&gm[1]);
            printf("no GPU (%s): measuring the CPU reference models instead\n", err);
        }
    }
#endif
    if (!on_gpu) {
        if (bt_cpu_model_init(&mlp, &wl[0], "transformer_like") != BT_OK) return 1;
        memset(&wl[1], 0, sizeof wl[1]);
        wl[1].name = "conv_like"; wl[1].user = &cv; wl[1].setup = conv_setup; wl[1].run = conv_run; wl[1].teardown = conv_teardown;
        printf("CPU: batchtune's CPU MLP and an im2col 3x3 convolution, 2 threads\n");
    }
    memset(&d, 0, sizeof d);
    d.results_path = out; d.overwrite = 1;
    d.stop.max_time_s = 1.0;
    if (bt_sweep_run(g, wl, 2, &d, &r) != BT_OK) { fprintf(stderr, "sweep failed: %s\n", r ? bt_results_error(r) : "?"); return 1; }
    spi = bt_results_metric_index(r, "s_per_item");
    printf("time per item (microseconds) vs batch size, %d items per sample\n\n%-18s", items, "model");
    for (i = 0; i < (int)bt_grid_axis_len(g, ax_batch); i++) { char b[32]; bt_grid_axis_value_text(g, ax_batch, (size_t)i, b, sizeof b); printf(" %8s", b); }
    printf("   knee (within 5 %% of the best)\n");
    for (w = 0; w < 2; w++) {
        double best = 1e300, v[16];
        int n = (int)bt_grid_axis_len(g, ax_batch), knee = -1;
        char kb[32] = "-";
        printf("%-18s", wl[w].name);
        for (i = 0; i < n; i++) {
            char b[32];
            const char *vals[2];
            const bt_row *row;
            bt_grid_axis_value_text(g, ax_batch, (size_t)i, b, sizeof b);
            vals[0] = b; vals[1] = "2";
            row = bt_results_find(r, wl[w].name, vals);
            v[i] = row && row->status == BT_CELL_OK ? row->m[spi] : NAN;
            if (!isnan(v[i]) && v[i] < best) best = v[i];
            if (isnan(v[i])) printf(" %8s", row ? bt_cell_status_str(row->status) : "-"); else printf(" %8.2f", v[i] * 1e6);
        }
        for (i = 0; i < n && knee < 0; i++) if (!isnan(v[i]) && v[i] <= 1.05 * best) knee = i;
        if (knee >= 0) bt_grid_axis_value_text(g, ax_batch, (size_t)knee, kb, sizeof kb);
        printf("   batch %s\n", kb);
    }
    printf("\n");
    bt_print_heatmap(r, NULL, "batch", "threads", "s_per_item", stdout, BT_HEATMAP_AUTO);
    {
        bt_html_opts ho;
        memset(&ho, 0, sizeof ho);
        ho.title = "time per item vs batch size";
        if (bt_write_html_report(r, NULL, bt_results_meta(r), "per_item_time.html", &ho) == BT_OK) printf("\nreport: per_item_time.html (time per item vs batch, one line per model)\n");
    }
    printf("\nresults: %s\n", out);
    bt_results_free(r);
    if (!on_gpu) bt_cpu_model_free(&mlp);
#ifdef BATCHTUNE_WITH_CUDA
    if (on_gpu) { bt_gpu_model_free(&gm[0]); bt_gpu_model_free(&gm[1]); }
#endif
    bt_grid_destroy(g);
    return 0;
}

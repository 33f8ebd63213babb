/* inference_batch_workers.c — the image-model study on this machine: which batch size and how
   many loader workers make image-model inference fastest end to end, for several model variants
   and both data settings at once?
   Workloads = 3 model variants x 2 data settings. The variants are a small CPU image model
   (8x8 average pooling, then fully connected layers with ReLU, 10 outputs): original (two
   hidden layers of 256), narrower (two of 128), shallower (one of 256). The data settings are
   JPEG images (read, decoded, resized to 256 and center-cropped to 224 by the loader's workers)
   and preprocessed records (the same images packed once with bt_pack into a record file of
   224x224 RGB bytes). Cold cache: every file's pages are evicted before it is read (loader.cold,
   posix_fadvise) where the platform supports it; elsewhere the run is warm and says so. One
   sample = one whole pass through bt_pipeline, timed from the loader's creation (worker
   start-up and the first batch count) to the last batch's result.
   It prints the top-3 counts and the mean-regret ranking, the recommendation (a setting that
   is good for every workload), a terminal heatmap per workload, and writes the CSV (+ samples,
   JSON with the ranking) and an HTML report.
   CPU only: the model step is a compute callback on the CPU. On a GPU, bt_cuda_pipeline_head_init
   (batchtune_cuda.cu) gives bt_pipeline a compute step that takes pinned batches, uploads them
   overlapped with compute, runs the built-in head on the GPU and synchronizes at the end of each
   sample (docs/GPU.md; `batchtune sweep --workload pipeline --device gpu` uses it).
   Build: cc -O3 -I. -I/usr/include/stb examples/inference_batch_workers.c -o inference_batch_workers -lm -pthread
   Run:   ./inference_batch_workers [IMAGE_DIR] [--count N] [--batch 8,16,32] [--workers 1,2,4]
                                    [--max-time 0.8] [--out results.csv]     (defaults: ~1 min on 2 cores)
   Without IMAGE_DIR it writes N (default 64) photo-like JPEG images with stb_image_write into
   <out stem>_images/ (kept: a second run reuses them). The record file is <out stem>.records.bin,
   the report <out stem>.html. Check the pick with: batchtune rank results.csv */
#define BATCHTUNE_IMPLEMENTATION
#define BATCHTUNE_STB_IMPLEMENTATION
#include "batchtune.h"
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <errno.h>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
#ifdef _WIN32
#include <direct.h>
#define make_dir(d) _mkdir(d)
#else
#include <sys/stat.h>
#define make_dir(d) mkdir(d, 0755)
#endif

/* ---- the model: pool 8x8 -> [hidden x depth, ReLU] -> 10 classes ---- */
typedef struct model {
    const char *name;
    int hidden, depth;             /* depth: hidden layers (1 or 2) */
    int in;                        /* input features, known from the first batch */
    float *w[3];                   /* in x hidden, hidden x hidden, hidden x 10 */
    float *act;                    /* rows x (in + 2 hidden + 10) */
    int act_rows;
    double checksum;               /* keeps the compiler from dropping the work */
} model;
enum { CLASSES = 10 };

static void fill(float *w, size_t n, int fan_in, unsigned seed) {
    size_t i;
    float scale = 1.5f / sqrtf((float)fan_in);
    for (i = 0; i < n; i++) { seed = seed * 1664525u + 1013904223u; w[i] = ((float)(seed >> 9) / 8388608.0f - 1.0f) * scale; }
}
static void model_free(model *m) {
    int i;
    for (i = 0; i < 3; i++) { free(m->w[i]); m->w[i] = NULL; }
    free(m->act); m->act = NULL; m->act_rows = 0; m->in = 0;
}
/* y[rows x n] = x[rows x k] W[k x n] (+ReLU); k in slabs so a slab of W is reused by every row
   of the batch while it is in cache: that is what makes larger batches cheaper per item */
static void dense(const float *x, int rows, int k, const float *W, int n, float *y, int relu) {
    int kb, i, kk, j;
    memset(y, 0, (size_t)rows * (size_t)n * sizeof(float));
    for (kb = 0; kb < k; kb += 64) {
        int ke = kb + 64 < k ? kb + 64 : k;
        for (i = 0; i < rows; i++) {
            float *yi = y + (size_t)i * (size_t)n;
            for (kk = kb; kk < ke; kk++) {
                float a = x[(size_t)i * (size_t)k + (size_t)kk];
                const float *wr = W + (size_t)kk * (size_t)n;
                for (j = 0; j < n; j++) yi[j] += a * wr[j];
            }
        }
    }
    if (relu) for (i = 0; i < rows * n; i++) if (y[i] < 0) y[i] = 0;
}
/* bt_pipeline's compute callback: one batch, NCHW float (decoded images) or HWC bytes (records) */
static bt_status model_step(void *user, const bt_batch *b, bt_sample *s) {
    model *m = (model *)user;
    int H = b->height, W = b->width, ph = H / 8, pw = W / 8, in = 3 * ph * pw, i, c, y, x, dy, dx;
    float *pooled, *h1, *h2, *out;
    if (b->channels != 3 || ph < 1 || pw < 1) { snprintf(s->error, sizeof s->error, "%s: items of %dx%dx%d are not RGB images", m->name, H, W, b->channels); return BT_E_INVALID; }
    if (in != m->in) {
        model_free(m);
        m->w[0] = (float *)malloc((size_t)in * (size_t)m->hidden * sizeof(float));
        m->w[1] = (float *)malloc((size_t)m->hidden * (size_t)m->hidden * sizeof(float));
        m->w[2] = (float *)malloc((size_t)m->hidden * CLASSES * sizeof(float));
        if (!m->w[0] || !m->w[1] || !m->w[2]) { model_free(m); snprintf(s->error, sizeof s->error, "%s: no memory for weights", m->name); return BT_E_NOMEM; }
        fill(m->w[0], (size_t)in * (size_t)m->hidden, in, 1u);
        fill(m->w[1], (size_t)m->hidden * (size_t)m->hidden, m->hidden, 2u);
        fill(m->w[2], (size_t)m->hidden * CLASSES, m->hidden, 3u);
        m->in = in;
    }
    if (b->items > m->act_rows) {
        float *a = (float *)realloc(m->act, (size_t)b->items * (size_t)(in + 2 * m->hidden + CLASSES) * sizeof(float));
        if (!a) { snprintf(s->error, sizeof s->error, "%s: no memory for a batch of %d", m->name, b->items); return BT_E_NOMEM; }
        m->act = a; m->act_rows = b->items;
    }
    pooled = m->act;
    h1 = pooled + (size_t)b->items * (size_t)in;
    h2 = h1 + (size_t)b->items * (size_t)m->hidden;
    out = h2 + (size_t)b->items * (size_t)m->hidden;
    for (i = 0; i < b->items; i++) {
        float *o = pooled + (size_t)i * (size_t)in;
        for (c = 0; c < 3; c++) for (y = 0; y < ph; y++) for (x = 0; x < pw; x++) {
            float sum = 0;
            if (b->layout == BT_LAYOUT_NCHW_F32) {
                const float *img = (const float *)((const char *)b->data + (size_t)i * b->item_bytes) + (size_t)c * (size_t)H * (size_t)W;
                for (dy = 0; dy < 8; dy++) for (dx = 0; dx < 8; dx++) sum += img[(size_t)(8 * y + dy) * (size_t)W + (size_t)(8 * x + dx)];
            } else {                /* HWC bytes: normalize here (roughly ImageNet's mean/std) */
                const unsigned char *img = (const unsigned char *)b->data + (size_t)i * b->item_bytes;
                for (dy = 0; dy < 8; dy++) for (dx = 0; dx < 8; dx++) sum += ((float)img[((size_t)(8 * y + dy) * (size_t)W + (size_t)(8 * x + dx)) * 3 + (size_t)c] / 255.0f - 0.45f) * 4.4f;
            }
            o[((size_t)c * (size_t)ph + (size_t)y) * (size_t)pw + (size_t)x] = sum / 64.0f;
        }
    }
    dense(pooled, b->items, in, m->w[0], m->hidden, h1, 1);
    if (m->depth > 1) { dense(h1, b->items, m->hidden, m->w[1], m->hidden, h2, 1); h1 = h2; }
    dense(h1, b->items, m->hidden, m->w[2], CLASSES, out, 0);
    m->checksum += (double)out[0];
    return BT_OK;
}

/* ---- a small image set: photo-like JPEGs (lighting gradient, soft discs, ripples, noise), so
   decoding costs what a photo costs; seeded, so every run makes the same files ---- */
static unsigned next_rand(unsigned *s) { *s = *s * 1103515245u + 12345u; return (*s >> 8) & 0xffffu; }
static int make_images(const char *dir, int count) {
    int i, made = 0;
    if (make_dir(dir) != 0 && errno != EEXIST) { fprintf(stderr, "cannot create %s: %s\n", dir, strerror(errno)); return -1; }
    for (i = 0; i < count; i++) {
        char path[4200];
        FILE *f;
        unsigned r = 977u * (unsigned)i + 7u;
        int w, h, x, y, c, k, nd;
        float cx[6], cy[6], rad[6], col[6][3], base[3];
        unsigned char *px;
        snprintf(path, sizeof path, "%s/img%04d.jpg", dir, i);
        if ((f = fopen(path, "rb")) != NULL) { fclose(f); continue; }       /* kept from before */
        w = 320 + (int)(next_rand(&r) % 160); h = 320 + (int)(next_rand(&r) % 160);
        px = (unsigned char *)malloc((size_t)w * (size_t)h * 3);
        if (!px) return -1;
        for (c = 0; c < 3; c++) base[c] = 50.0f + (float)(next_rand(&r) % 140);
        nd = 2 + (int)(next_rand(&r) % 5);
        for (k = 0; k < nd; k++) {
            cx[k] = (float)(next_rand(&r) % (unsigned)w); cy[k] = (float)(next_rand(&r) % (unsigned)h);
            rad[k] = 30.0f + (float)(next_rand(&r) % 120);
            for (c = 0; c < 3; c++) col[k][c] = (float)(next_rand(&r) % 256);
        }
        for (y = 0; y < h; y++) for (x = 0; x < w; x++) for (c = 0; c < 3; c++) {
            float v = base[c] + 60.0f * (float)y / (float)h + 15.0f * sinf(0.07f * (float)x + 0.5f * (float)c) * cosf(0.04f * (float)y);
            for (k = 0; k < nd; k++) {
                float dx = (float)x - cx[k], dy = (float)y - cy[k], t = 1.0f - (dx * dx + dy * dy) / (rad[k] * rad[k]);
                if (t > 0) v += (col[k][c] - v) * t;
            }
            v += (float)((int)(next_rand(&r) % 21) - 10);
            px[((size_t)y * (size_t)w + (size_t)x) * 3 + (size_t)c] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
        if (!stbi_write_jpg(path, w, h, 3, px, 90)) { fprintf(stderr, "cannot write %s\n", path); free(px); return -1; }
        free(px);
        made++;
    }
    return made;
}

int main(int argc, char **argv) {
    const char *dir = NULL, *out = "inference_batch_workers.csv", *batches = "8,16,32", *workers = "1,2,4";
    const char *data_names[2] = {"images", "records"};
    const char *html_metrics[2] = {"e2e_s_median", "load_wait_s"};
    int count = 64, i, v, k, nw = 0, cold = 0;
    double max_time = 0.8;
    char spec[256], images_dir[4096], records[4096], html[4096], json[4096], err[512], names[6][32];
    model models[6];
    bt_pipeline pipes[6];
    bt_workload wl[6];
    bt_loader_desc ld;
    bt_grid *g;
    bt_axis ax_batch, ax_workers;
    bt_sweep_desc d;
    bt_rank_desc rd;
    bt_ranking rk;
    bt_html_opts ho;
    bt_results *r = NULL;
    int64_t packed = 0, bad = 0;
    bt_status st;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-') { dir = a; continue; }
        if (!val) { fprintf(stderr, "%s needs a value\n", a); return 2; }
        if (strcmp(a, "--count") == 0) count = atoi(val);
        else if (strcmp(a, "--batch") == 0) batches = val;
        else if (strcmp(a, "--workers") == 0) workers = val;
        else if (strcmp(a, "--max-time") == 0) max_time = atof(val);
        else if (strcmp(a, "--out") == 0) out = val;
        else { fprintf(stderr, "unknown flag %s (see the comment at the top of the source)\n", a); return 2; }
        i++;
    }
    if (count < 1 || max_time <= 0) { fprintf(stderr, "--count and --max-time must be positive\n"); return 2; }
    bt_companion_path(out, "_images", images_dir, sizeof images_dir);
    bt_companion_path(out, ".records.bin", records, sizeof records);
    bt_companion_path(out, ".html", html, sizeof html);
    bt_companion_path(out, ".json", json, sizeof json);

    /* 1. the data: an image folder (given, or made here) and its preprocessed record file */
    if (!dir) {
        int made = make_images(images_dir, count);
        if (made < 0) return 1;
        dir = images_dir;
        printf("images: %d JPEGs in %s (made here with stb_image_write: %d new, %d kept)\n", count, dir, made, count - made);
    } else {
        printf("images: folder %s\n", dir);
    }
    memset(&ld, 0, sizeof ld);             /* resize 256, crop 224, skip bad images */
    ld.source = BT_SOURCE_IMAGES;
    ld.dir = dir;
    ld.workers = 2;
    if (bt_pack(&ld, records, &packed, &bad, err, sizeof err) != BT_OK) { fprintf(stderr, "pack failed: %s\n", err); return 1; }
    printf("records: %s (%lld records of 224x224x3 bytes, %lld bad images skipped)\n", records, (long long)packed, (long long)bad);
    if (packed < 1) { fprintf(stderr, "no usable image in %s\n", dir); return 1; }
#if defined(POSIX_FADV_DONTNEED)
    cold = 1;
    printf("cache: cold (each file's pages are evicted before it is read; no effect on tmpfs)\n");
#else
    printf("cache: warm (page-cache eviction is not supported on this platform)\n");
#endif

    /* 2. the grid and the 6 workloads: variant x data setting */
    g = bt_grid_create();
    snprintf(spec, sizeof spec, "batch=%s", batches);
    if (bt_grid_parse_axis(g, spec, &ax_batch) != BT_OK) { fprintf(stderr, "--batch: %s\n", bt_grid_error(g)); return 2; }
    snprintf(spec, sizeof spec, "workers=%s", workers);
    if (bt_grid_parse_axis(g, spec, &ax_workers) != BT_OK) { fprintf(stderr, "--workers: %s\n", bt_grid_error(g)); return 2; }
    memset(models, 0, sizeof models);
    memset(pipes, 0, sizeof pipes);
    for (v = 0; v < 3; v++) for (k = 0; k < 2; k++) {
        static const char *vname[3] = {"original", "narrower", "shallower"};
        static const int hidden[3] = {256, 128, 256}, depth[3] = {2, 2, 1};
        model *m = &models[nw];
        bt_pipeline *p = &pipes[nw];
        snprintf(names[nw], sizeof names[nw], "%s_%s", vname[v], data_names[k]);
        m->name = names[nw]; m->hidden = hidden[v]; m->depth = depth[v];
        p->loader.source = k == 0 ? BT_SOURCE_IMAGES : BT_SOURCE_RECORDS;
        p->loader.dir = dir;
        p->loader.records_path = records;
        p->loader.cold = cold;
        p->batch_axis = ax_batch;
        p->workers_axis = ax_workers;
        p->compute = model_step;
        p->compute_user = m;
        if (bt_pipeline_init(p, &wl[nw], names[nw]) != BT_OK) { fprintf(stderr, "pipeline setup failed\n"); return 1; }
        nw++;
    }
    printf("models: original (pool -> 256 -> 256 -> 10), narrower (-> 128 -> 128 -> 10), shallower (-> 256 -> 10)\n");
    printf("sweep: %zu cells (batch=%s x workers=%s) x %d workloads, CPU\n\n", bt_grid_num_cells(g), batches, workers, nw);
    fflush(stdout);

    /* 3. sweep, rank, report */
    memset(&d, 0, sizeof d);
    d.results_path = out;
    d.overwrite = 1;
    d.settings = cold ? "inference_batch_workers cold" : "inference_batch_workers warm";
    d.stop.min_samples = 3;
    d.stop.max_time_s = max_time;
    st = bt_sweep_run(g, wl, nw, &d, &r);
    if (st != BT_OK) { fprintf(stderr, "sweep failed: %s\n", r ? bt_results_error(r) : bt_status_str(st)); return 1; }
    memset(&rd, 0, sizeof rd);             /* e2e_s_median, top 3, 1000 resamples: as batchtune rank */
    st = bt_rank(r, &rd, &rk);
    if (st != BT_OK) { fprintf(stderr, "ranking failed: %s\n", rk.message); bt_results_free(r); return 1; }
    bt_print_ranking(&rk, stdout);
    for (i = 0; i < nw; i++) {
        printf("\n");
        bt_print_heatmap(r, wl[i].name, "batch", "workers", "e2e_s_median", stdout, BT_HEATMAP_AUTO);
    }
    bt_write_json(r, bt_results_meta(r), &rk, json);
    memset(&ho, 0, sizeof ho);
    ho.title = "inference: batch size x loader workers";
    ho.metrics = html_metrics; ho.num_metrics = 2;
    if (bt_write_html_report(r, &rk, bt_results_meta(r), html, &ho) != BT_OK) fprintf(stderr, "report: %s\n", bt_results_error(r));
    printf("\nresults: %s (samples, JSON beside it), report: %s\n", out, html);
    printf("check the pick with: batchtune rank %s\n", out);
    bt_ranking_free(&rk);
    bt_results_free(r);
    for (i = 0; i < nw; i++) { bt_pipeline_free(&pipes[i]); model_free(&models[i]); }
    bt_grid_destroy(g);
    return 0;
}

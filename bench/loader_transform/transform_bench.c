/* The loader's transform alone (resize-antialias + center crop + normalize/layout, fused):
   the float path vs the fixed-point path, side by side in one run. Decodes N photos into
   memory once, then each repetition times both paths over all of them (order alternating
   between repetitions) into a ring of 64 item buffers, as a batch would be written.
   Prints one JSON line per repetition and path, then a summary line with the medians of the
   per-repetition ratios. Uses the header's private functions (same translation unit).
   Build and run: bash bench/loader_transform/run.sh [IMAGES_DIR] [N] [REPS] */
#define BATCHTUNE_IMPLEMENTATION
#define BATCHTUNE_STB_IMPLEMENTATION
#include "batchtune.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct img { unsigned char *rgb; int w, h; } img;
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static int cmp_dbl(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
typedef struct lst { const char *dir; char **names; size_t n, cap; } lst;
static int list_one(const char *name, int kind, void *user) {
    lst *ls = (lst *)user;
    char path[4096];
    (void)kind;
    if (name[0] == '.') return 0;
    snprintf(path, sizeof path, "%s/%s", ls->dir, name);
    if (ls->n == ls->cap) { ls->cap = ls->cap ? ls->cap * 2 : 256; ls->names = (char **)realloc(ls->names, ls->cap * sizeof *ls->names); if (!ls->names) exit(1); }
    ls->names[ls->n] = (char *)malloc(strlen(path) + 1);
    if (!ls->names[ls->n]) exit(1);
    strcpy(ls->names[ls->n++], path);
    return 0;
}
/* this thread's CPU time where the platform has it (another job on the machine does not
   count), else wall time */
static uint64_t cpu_ns(void) {
#if defined(__linux__) && defined(CLOCK_THREAD_CPUTIME_ID)
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0) return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
    return bt_now_ns();
}
static double median(double *v, int n) { qsort(v, (size_t)n, sizeof *v, cmp_dbl); return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]); }

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp/bt_images";
    int N = argc > 2 ? atoi(argv[2]) : 300, reps = argc > 3 ? atoi(argv[3]) : 9, layout, r, m, i, got = 0;
    lst ls;
    img *im;
    bt_decoder dec = bt_decoder_default();
    bt_loader L;
    bti_ld_worker W[2];                          /* one per path, each with its own taps */
    unsigned char *ring, *work;
    size_t maxb = 0;
    size_t item = (size_t)224 * 224 * 3 * sizeof(float);
    const char *only = getenv("BT_TB_ONLY");     /* "fixed" or "float": time one path (for perf) */
    memset(&ls, 0, sizeof ls);
    ls.dir = dir;
    if (bti_dir_each(dir, list_one, &ls) != 0 || ls.n == 0) { fprintf(stderr, "no images in %s\n", dir); return 1; }
    qsort(ls.names, ls.n, sizeof *ls.names, cmp_str);
    if ((size_t)N > ls.n) N = (int)ls.n;
    im = (img *)calloc((size_t)N, sizeof *im);
    ring = (unsigned char *)malloc(64 * item);
    if (!im || !ring) return 1;
    memset(ring, 0, 64 * item);
    for (i = 0; i < N; i++) {
        FILE *f = fopen(ls.names[i], "rb");
        long len;
        unsigned char *buf;
        char err[256];
        if (!f) continue;
        fseek(f, 0, SEEK_END); len = ftell(f); fseek(f, 0, SEEK_SET);
        buf = (unsigned char *)malloc((size_t)len);
        if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len
            && dec.decode(dec.user, buf, (size_t)len, &im[got].w, &im[got].h, &im[got].rgb, err, sizeof err) == BT_OK) got++;
        free(buf);
        fclose(f);
    }
    for (i = 0; i < got; i++) if ((size_t)im[i].w * (size_t)im[i].h * 3 > maxb) maxb = (size_t)im[i].w * (size_t)im[i].h * 3;
    work = (unsigned char *)malloc(maxb ? maxb : 1);
    if (!work) return 1;
    memset(&L, 0, sizeof L);
    L.d = bt_loader_desc_defaults(NULL);
    for (i = 0; i < 3; i++) { L.scale[i] = 1.0f / (255.0f * L.d.std[i]); L.bias[i] = -L.d.mean[i] / L.d.std[i]; }
#ifdef BTI_AVX2
    L.avx2 = bti_cpu_avx2();
#endif
    if (!L.avx2) fprintf(stderr, "note: no AVX2+FMA: the fixed-point path runs in portable C\n");
    memset(W, 0, sizeof W);
    W[0].L = W[1].L = &L;
    for (layout = 0; layout < 2; layout++) {
        double *ms[2], *ratio;
        char err[256];
        L.d.layout = layout ? BT_LAYOUT_NHWC_U8 : BT_LAYOUT_NCHW_F32;
        ms[0] = (double *)malloc((size_t)reps * sizeof(double)); ms[1] = (double *)malloc((size_t)reps * sizeof(double));
        ratio = (double *)malloc((size_t)reps * sizeof(double));
        if (!ms[0] || !ms[1] || !ratio) return 1;
        for (r = -1; r < reps; r++) {           /* r = -1: warm-up, not counted */
            double t[2];
            uint64_t tsum[2] = {0, 0};
            for (i = 0; i < got; i++)
                for (m = 0; m < 2; m++) {               /* both paths on each image, order alternating */
                    int fixed = (m ^ ((r + i) & 1)) ? (L.avx2 ? 1 : 2) : 0;
                    uint64_t t0;
                    if (only && strcmp(only, fixed ? "fixed" : "float") != 0) continue;
                    L.fixed = fixed;
                    /* as in the loader, the image was just written (by the decoder there): in cache */
                    memcpy(work, im[i].rgb, (size_t)im[i].w * (size_t)im[i].h * 3);
                    t0 = cpu_ns();
                    if (bti_ld_transform(&W[fixed ? 1 : 0], work, im[i].w, im[i].h, ring + (size_t)(i % 64) * item, err, sizeof err) != BT_OK) { fprintf(stderr, "%s\n", err); return 1; }
                    tsum[fixed ? 1 : 0] += cpu_ns() - t0;
                }
            t[0] = (double)tsum[0] * 1e-6 / got; t[1] = (double)tsum[1] * 1e-6 / got;
            if (t[0] <= 0) t[0] = 1;
            if (t[1] <= 0) t[1] = 1;
            if (r < 0) continue;
            ms[0][r] = t[0]; ms[1][r] = t[1]; ratio[r] = t[0] / t[1];
            printf("{\"layout\":\"%s\",\"rep\":%d,\"images\":%d,\"float_ms_per_image\":%.4f,\"fixed_ms_per_image\":%.4f,\"float_over_fixed\":%.3f}\n",
                   layout ? "nhwc-u8" : "nchw-f32", r + 1, got, t[0], t[1], t[0] / t[1]);
            fflush(stdout);
        }
        {
            double rr[4096], lo, hi;
            int k;
            for (k = 0; k < reps && k < 4096; k++) rr[k] = ratio[k];
            qsort(rr, (size_t)k, sizeof *rr, cmp_dbl);
            lo = rr[0]; hi = rr[k - 1];
            printf("{\"summary\":1,\"layout\":\"%s\",\"images\":%d,\"reps\":%d,\"float_ms_per_image_median\":%.4f,\"fixed_ms_per_image_median\":%.4f,"
                   "\"float_over_fixed_median\":%.3f,\"float_over_fixed_min\":%.3f,\"float_over_fixed_max\":%.3f,\"avx2\":%d}\n",
                   layout ? "nhwc-u8" : "nchw-f32", got, reps, median(ms[0], reps), median(ms[1], reps), median(ratio, reps), lo, hi, L.avx2);
        }
        free(ms[0]); free(ms[1]); free(ratio);
    }
    return 0;
}

/* Where the loader's first batch goes: wraps the default decoder to timestamp every decode
   (thread, start), runs 8 batches of 64 and prints, per run: creation time, when each worker
   started its first decode, the first batch's time, and the cost of an item (the gap between
   consecutive decode starts in one worker) in batch 0 vs batches 3-6 (warm buffers), with
   fb/model = first batch / (64 x warm item cost / workers).
   "--touched" hands the loader batch buffers already written (allocator hook), to see what
   the fresh pages of the first batches cost.
     cc -O2 -std=c99 -I. -I/usr/include/stb bench/loader_first_batch/probe.c -o build/fb_probe -lm -pthread
     build/fb_probe IMAGES_DIR WORKERS [--touched] */
#define BATCHTUNE_IMPLEMENTATION
#define BATCHTUNE_STB_IMPLEMENTATION
#include "batchtune.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_MAX 4000
typedef struct probe_rec { uint64_t t0; int th; } probe_rec;
static probe_rec g_rec[PROBE_MAX];
static int g_nrec, g_nthreads;
static bti_mutex g_mu;
static bt_decoder g_base;
static unsigned long long g_ids[BT_LOADER_MAX_WORKERS + 1];
static unsigned long long probe_self(void) {
#ifdef _WIN32
    return (unsigned long long)GetCurrentThreadId();
#else
    return (unsigned long long)(uintptr_t)pthread_self();
#endif
}

static bt_status probe_decode(void *u, const unsigned char *d, size_t n, int *w, int *h, unsigned char **rgb, char *e, size_t el) {
    uint64_t t0 = bt_now_ns();
    int i;
    unsigned long long me = probe_self();
    int tid;
    bti_mutex_lock(&g_mu);
    for (tid = 0; tid < g_nthreads && g_ids[tid] != me; tid++) { }
    if (tid == g_nthreads && g_nthreads <= BT_LOADER_MAX_WORKERS) g_ids[g_nthreads++] = me;
    i = g_nrec++;
    if (i < PROBE_MAX) { g_rec[i].t0 = t0; g_rec[i].th = tid; }
    bti_mutex_unlock(&g_mu);
    return g_base.decode(u, d, n, w, h, rgb, e, el);
}
static void *touched_alloc(void *u, size_t n) { void *p = malloc(n); (void)u; if (p) memset(p, 1, n); return p; }
static void touched_free(void *u, void *p, size_t n) { (void)u; (void)n; free(p); }

int main(int argc, char **argv) {
    int W, k, i, nb = 1;
    bt_loader_desc d;
    bt_status st;
    char err[256];
    bt_batch b;
    bt_loader *L;
    uint64_t t0, tc, tb, firststart[BT_LOADER_MAX_WORKERS];
    double c0 = 0, c1 = 0;
    int n0 = 0, n1 = 0;
    if (argc < 3) { fprintf(stderr, "usage: %s IMAGES_DIR WORKERS [--touched]\n", argv[0]); return 2; }
    W = atoi(argv[2]);
    if (W < 1 || W > BT_LOADER_MAX_WORKERS) { fprintf(stderr, "bad worker count\n"); return 2; }
    bti_mutex_init(&g_mu);
    memset(&d, 0, sizeof d);
    d.source = BT_SOURCE_IMAGES; d.dir = argv[1]; d.batch = 64; d.workers = W;
    g_base = bt_decoder_default(); d.decoder = g_base; d.decoder.decode = probe_decode;
    if (argc > 3 && strcmp(argv[3], "--touched") == 0) { d.allocator.alloc = touched_alloc; d.allocator.release = touched_free; }
    t0 = bt_now_ns();
    L = bt_loader_create(&d, &st, err, sizeof err);
    if (!L) { fprintf(stderr, "%s\n", err); return 1; }
    tc = bt_now_ns();
    if (bt_loader_next(L, &b) != BT_OK) { fprintf(stderr, "%s\n", bt_loader_error(L)); return 1; }
    tb = bt_now_ns();
    bt_loader_release(L, &b);
    while (nb < 8 && bt_loader_next(L, &b) == BT_OK && b.items > 0) { bt_loader_release(L, &b); nb++; }
    bt_loader_destroy(L);               /* joins the workers: g_rec is complete */
    for (k = 0; k < W; k++) {
        uint64_t prev = 0;
        int cnt = 0;
        firststart[k] = 0;
        for (i = 0; i < g_nrec && i < PROBE_MAX; i++) {
            if (g_rec[i].th != k) continue;
            if (!firststart[k]) firststart[k] = g_rec[i].t0;
            if (prev) {
                double gap = (double)(g_rec[i].t0 - prev) * 1e-6;
                if (cnt <= 64 / W) { c0 += gap; n0++; }
                else if (cnt > 192 / W && cnt <= 448 / W) { c1 += gap; n1++; }
            }
            prev = g_rec[i].t0; cnt++;
        }
    }
    if (!n0 || !n1) { fprintf(stderr, "too few items\n"); return 1; }
    printf("{\"workers\":%d,\"touched\":%d,\"create_ms\":%.2f,\"first_decode_ms\":[", W, d.allocator.alloc != NULL, (double)(tc - t0) * 1e-6);
    for (k = 0; k < W; k++) printf("%s%.2f", k ? "," : "", firststart[k] ? (double)(firststart[k] - t0) * 1e-6 : -1.0);
    printf("],\"first_batch_ms\":%.2f,\"item_ms_batch0\":%.3f,\"item_ms_warm\":%.3f,\"batch0_over_warm\":%.3f,\"fb_over_model\":%.3f}\n",
           (double)(tb - t0) * 1e-6, c0 / n0, c1 / n1, (c0 / n0) / (c1 / n1), (double)(tb - t0) * 1e-6 / (64.0 * (c1 / n1) / W));
    bti_mutex_destroy(&g_mu);
    return 0;
}

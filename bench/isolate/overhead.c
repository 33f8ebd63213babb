/* Per-cell cost of isolated cells (bt_sweep_desc.isolate): the same sweep of N cells of a
   trivial workload (one sample that does nothing, no warm-up), in-process and isolated,
   alternating, R rounds; prints the medians, the per-cell overhead and the ratio.
   usage: overhead N R   (bench/isolate/run.sh builds and runs it) */
#define _POSIX_C_SOURCE 200809L
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <stdio.h>

static bt_status nop_run(const bt_cell *c, void *user, bt_sample *s) { (void)c; (void)user; s->items = 1; return BT_OK; }

static double sweep_s(long n, int isolate, char **argv) {
    char spec[64];
    bt_grid *g = bt_grid_create();
    bt_workload w;
    bt_sweep_desc d;
    bt_results *r = NULL;
    uint64_t t0;
    double dt;
    snprintf(spec, sizeof spec, "cell=1..%ld", n);
    bt_grid_parse_axis(g, spec, NULL);
    memset(&w, 0, sizeof w);
    w.name = "nop";
    w.run = nop_run;
    memset(&d, 0, sizeof d);
    d.isolate = isolate;
    d.argv = argv;
    d.stop.warmup = -1;
    d.stop.min_samples = 1;
    d.stop.max_samples = 1;
    d.stop.min_time_s = 1e-9;
    d.stop.max_time_s = 1e-9;
    t0 = bt_now_ns();
    if (bt_sweep_run(g, &w, 1, &d, &r) != BT_OK || bt_results_num_rows(r) != (size_t)n) { fprintf(stderr, "overhead: sweep failed\n"); exit(1); }
    dt = (double)(bt_now_ns() - t0) * 1e-9;
    {
        size_t i;
        for (i = 0; i < bt_results_num_rows(r); i++)
            if (bt_results_row(r, i)->status != BT_CELL_OK) { fprintf(stderr, "overhead: cell %zu: %s\n", i, bt_results_row(r, i)->reason); exit(1); }
    }
    bt_results_free(r);
    bt_grid_destroy(g);
    return dt;
}
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200, rounds = argc > 2 ? atol(argv[2]) : 7, k;
    double in[64], iso[64], min, miso, per;
    if (bt_sweep_isolated_child()) { sweep_s(n, 1, argv); return 1; } /* a cell's process */
    if (n < 1 || rounds < 1 || rounds > 64) { fprintf(stderr, "usage: overhead N(>=1) R(1..64)\n"); return 2; }
    for (k = 0; k < rounds; k++) {           /* interleaved, so drift hits both the same */
        in[k] = sweep_s(n, 0, argv);
        iso[k] = sweep_s(n, 1, argv);
    }
    qsort(in, (size_t)rounds, sizeof in[0], cmp);
    qsort(iso, (size_t)rounds, sizeof iso[0], cmp);
    min = in[rounds / 2]; miso = iso[rounds / 2];
    per = (miso - min) / (double)n;
    printf("cells %ld, rounds %ld (medians; min..max)\n", n, rounds);
    printf("in-process: %.4f s (%.4f..%.4f)  %.1f us per cell\n", min, in[0], in[rounds - 1], 1e6 * min / (double)n);
    printf("isolated:   %.4f s (%.4f..%.4f)  %.1f us per cell\n", miso, iso[0], iso[rounds - 1], 1e6 * miso / (double)n);
    printf("ratio isolated / in-process: %.1f\n", miso / min);
    printf("overhead per cell: %.3f ms (%.2f %% of a 0.1 s cell, %.3f %% of a 10 s cell)\n", 1e3 * per, 100 * per / 0.1, 100 * per / 10);
    return 0;
}

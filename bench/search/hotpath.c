/* bench/search/hotpath.c: the adaptive search's own CPU time on grids with a long unordered
   axis (V kernels x B batches, one workload, 1 % noise), by replay: no hardware, the time is the
   search's bookkeeping alone (ranking candidates, the exhaustive estimate), which a live run pays
   between measurements. Prints one line per size: the median over --reps replays of the wall
   seconds of one replay, and the cost fraction (the search's own result, which a change to the
   bookkeeping must leave as it was). hotpath.sh builds this file against two headers and prints
   their ratio. Usage: hotpath [--reps=N] [V ...] */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <time.h>

static double hp_rand(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}
static int hp_cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
    static const char *const axn[] = {"kernel", "batch"};
    static const char *const mets[] = {"e2e_s_median"};
    int sizes[16], ns = 0, reps = 3, a;
    for (a = 1; a < argc; a++) {
        if (strncmp(argv[a], "--reps=", 7) == 0) {
            reps = atoi(argv[a] + 7);
            if (reps < 1 || reps > 99) { fprintf(stderr, "hotpath: --reps=%s: want 1..99\n", argv[a] + 7); return 2; }
        } else if (argv[a][0] == '-') {
            fprintf(stderr, "usage: hotpath [--reps=N] [V ...]  (V: kernels on the unordered axis, 3..1024; default 32 64 128)\n");
            return strcmp(argv[a], "--help") == 0 ? 0 : 2;
        } else if (ns < 16) {
            sizes[ns] = atoi(argv[a]);
            if (sizes[ns] < 3 || sizes[ns] > 1024) { fprintf(stderr, "hotpath: %s: want a kernel count of 3..1024\n", argv[a]); return 2; }
            ns++;
        }
    }
    if (!ns) { sizes[0] = 32; sizes[1] = 64; sizes[2] = 128; ns = 3; }
    for (a = 0; a < ns; a++) {
        const int V = sizes[a], B = 8;
        bt_results *r = bt_results_create(2, axn, 1, mets);
        uint64_t rs = 7;
        char v[2][16];
        const char *ax[2] = {v[0], v[1]};
        double t[99], cf = 0;
        int k, i, rep;
        if (!r) return 1;
        for (k = 0; k < V; k++) {
            double f = 1 + 0.05 * hp_rand(&rs);
            for (i = 0; i < B; i++) {
                double m = 0.01 * f * (1 + 0.02 * (i - B / 2.0) * (i - B / 2.0));
                snprintf(v[0], sizeof v[0], "k%03d", k); snprintf(v[1], sizeof v[1], "%d", 1 << i);
                bt_results_add(r, "w", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
            }
        }
        for (rep = 0; rep < reps; rep++) {
            bt_replay_desc d;
            bt_replay_result rr;
            struct timespec t0, t1;
            memset(&d, 0, sizeof d);
            d.strategy = BT_STRATEGY_ADAPTIVE; d.noise = 0.01; d.seed = 1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            if (bt_replay(r, &d, &rr) != BT_OK) { fprintf(stderr, "hotpath: replay failed at V=%d\n", V); return 1; }
            clock_gettime(CLOCK_MONOTONIC, &t1);
            t[rep] = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
            cf = rr.cost_fraction;
            bt_replay_result_free(&rr);
        }
        qsort(t, (size_t)reps, sizeof t[0], hp_cmp);
        printf("kernels=%d cells=%d seconds=%.4f cost_fraction=%.4f\n", V, V * B, t[reps / 2], cf);
        fflush(stdout);
        bt_results_free(r);
    }
    return 0;
}

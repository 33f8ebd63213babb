/* bench/search/search_bench.c — the adaptive strategy against the exhaustive one, by replay, over
   a suite of surfaces: sweeps recorded by this project (bench/search/data), the image-model
   study's mean-regret surface (one workload), and synthetic surfaces with noise.
   Build and run: bash bench/search/run.sh   (or see the build line there).
   Prints a markdown table; exit 1 when a goal is missed.

   Judging. regret = the pick's mean regret on the surface's noise-free truth (a recorded file's
   medians; the study's values; the synthetic formula), so 0 = the true best. cost = seconds
   spent (replayed in the recorded / modelled run's seconds) over the exhaustive strategy's
   seconds at the same noise and seed. Goals (issue 7): noise-free and recorded surfaces: regret
   <= 1 % at cost <= 25 %; noisy surfaces: regret no worse than exhaustive's (mean over seeds,
   0.5 % slack) at cost <= 25 %; reruns with other seeds pick the same cell or a tied one (true
   regrets within 1 % of each other, or a cell the exhaustive strategy also picks at that noise
   with some seed: it cannot separate them either). */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <stdlib.h>

#define MAXSEEDS 64
static int NSEEDS = 5;               /* --seeds=N (development: a steadier view of the noisy rows; the record uses 5) */

typedef struct surf {
    char name[64];
    bt_results *r;
    const char *mono;              /* monotone axis or NULL */
    int recorded;                  /* samples come from the file */
    int heldout;                   /* not used while choosing the strategy's settings */
    int seed0;                     /* seeds seed0+1 .. seed0+NSEEDS */
    int selfnoise;                 /* cells carry their own noise (e2e_s_stddev): the noisy goal at added noise 0 too */
    char tied[32][256];            /* recorded: cells the file's own bootstrap ties with its best */
    int ntied;
} surf;

/* synthetic time of one pass over N items at (batch, workers) for model variant v */
static double synth_time(int v, double b, double w) {
    /* compute: small batches under-use the device; large ones spill (variant 1: earlier) */
    double n = 4096, c0 = v == 0 ? 2e-4 : 5e-4, c1 = v == 0 ? 8e-6 : 5e-6, spill = v == 0 ? 512 : 256;
    double compute = n * (c0 / b + c1) * (b > spill ? 1 + 0.15 * log2(b / spill) : 1);
    double load = n * (v == 0 ? 6e-5 : 3e-5) / w;                 /* loader throughput */
    double start = w * b * (v == 0 ? 4e-6 : 2e-6) + 0.002 * w;    /* every worker loads a whole batch first */
    return (compute > load ? compute : load) + start;
}
static bt_results *make_synth(int kind) {
    static const char *const axes[] = {"batch", "workers"};
    static const char *const mets[] = {"e2e_s_median", "cell_s"};
    bt_results *r = bt_results_create(2, axes, 2, mets);
    int bi, wi, v;
    static const int W[] = {1, 2, 4, 6, 8, 12, 16, 24};
    for (v = 0; v < (kind == 2 ? 2 : 1); v++)
        for (bi = 0; bi <= 10; bi++) for (wi = 0; wi < 8; wi++) {
            char b[16], w[16];
            const char *ax[2] = {b, w};
            double t = synth_time(kind == 2 ? v : 0, (double)(1 << bi), W[wi]);
            double m[2] = {t, NAN};
            bt_cell_status st = BT_CELL_OK;
            snprintf(b, sizeof b, "%d", 1 << bi);
            snprintf(w, sizeof w, "%d", W[wi]);
            if (kind == 1) t *= 1 + 0.04 * sin(1.7 * bi + 2.3 * wi);           /* rugged */
            if (kind == 1 && (1 << bi) * W[wi] > 4096) { st = BT_CELL_OOM; m[0] = NAN; m[1] = 0.2; } /* loader memory */
            else m[0] = t;
            bt_results_add(r, v ? "model_b" : "model_a", "synthetic", ax, st, st == BT_CELL_OOM ? "out of host memory" : "", 5, 0, m);
        }
    return r;
}
/* Held-out surfaces: shapes and seeds that were not looked at while the strategy's settings
   were chosen (they were written before the last changes to the strategy and only run after).
   0: compute-bound device: time falls with batch until it saturates, the optimum is the largest
      batch that fits (an OOM frontier that moves with prefetch), prefetch helps up to 4;
   1: flat plateau: 64 cells within a few % of each other (near-ties everywhere);
   2: three axes (batch x workers x threads, 140 cells) with interactions;
   3: corner optimum (largest batch, one worker), far from the grid's centre where the search starts;
   4: deceptive: a local optimum at the centre, the global one 4 % better in a far corner;
   5: three workloads with different random bowls (mean regret), seed 4242. */
static double hrand(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}
static bt_results *make_heldout(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"batch", "workers", "threads"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 2 ? 3 : 2, kind == 2 ? ax3 : ax2, 1, mets);
    int i, j, k, v;
    uint64_t rs = 4242;
    char a[16], b[16], c[16];
    const char *ax[3] = {a, b, c};
    if (kind == 0) {
        static const int P[] = {1, 2, 3, 4, 6, 8};
        for (i = 0; i <= 11; i++) for (j = 0; j < 6; j++) {
            double bs = (double)(1 << i), t = 8192 * (2e-4 / bs + 2e-5) * (1 + 0.3 / (P[j] < 4 ? P[j] : 4)) + 0.001 * P[j];
            int oom = bs * (1 + 0.25 * P[j]) > 2048;
            snprintf(a, sizeof a, "%d", 1 << i); snprintf(b, sizeof b, "%d", P[j]);
            bt_results_add(r, "gpu", "synthetic", ax, oom ? BT_CELL_OOM : BT_CELL_OK, oom ? "out of device memory" : "", 5, 0, &t);
        }
    } else if (kind == 1) {
        for (i = 0; i < 8; i++) for (j = 0; j < 8; j++) {
            double t = 0.03 * (1 + 0.004 * ((i - 4.3) * (i - 4.3) + 0.5 * (j - 2.6) * (j - 2.6)) + 0.002 * sin(3.1 * i + 1.3 * j));
            snprintf(a, sizeof a, "%d", 8 << i); snprintf(b, sizeof b, "%d", j + 1);
            bt_results_add(r, "plateau", "synthetic", ax, BT_CELL_OK, "", 5, 0, &t);
        }
    } else if (kind == 2) {
        static const int W[] = {1, 2, 4, 8, 16};
        for (i = 0; i < 7; i++) for (j = 0; j < 5; j++) for (k = 0; k < 4; k++) {
            double t = 0.02 * (1 + 0.05 * (i - 3.6) * (i - 3.6) + 0.08 * (j - 2.2) * (j - 2.2) + 0.1 * (k - 1.4) * (k - 1.4) + 0.03 * (i - 3.6) * (k - 1.4));
            snprintf(a, sizeof a, "%d", 4 << i); snprintf(b, sizeof b, "%d", W[j]); snprintf(c, sizeof c, "%d", k + 1);
            bt_results_add(r, "three_axes", "synthetic", ax, BT_CELL_OK, "", 5, 0, &t);
        }
    } else if (kind == 3 || kind == 4) {
        for (i = 0; i < 9; i++) for (j = 0; j < 7; j++) {
            double t;
            if (kind == 3) t = 0.05 * (1 + 0.03 * (8 - i) + 0.05 * j + 0.01 * (8 - i) * j);
            else {
                double local = 1 + 0.02 * ((i - 4) * (i - 4) + (j - 3) * (j - 3));
                double far = 0.96 + 0.05 * ((i - 8) * (i - 8) + j * j);
                t = 0.04 * (local < far ? local : far);
            }
            snprintf(a, sizeof a, "%d", 2 << i); snprintf(b, sizeof b, "%d", j + 1);
            bt_results_add(r, kind == 3 ? "corner" : "deceptive", "synthetic", ax, BT_CELL_OK, "", 5, 0, &t);
        }
    } else {
        static const char *const names[] = {"wl_a", "wl_b", "wl_c"};
        for (v = 0; v < 3; v++) {
            double cb = 1 + 6 * hrand(&rs), cw = 5 * hrand(&rs), ab = 0.01 + 0.1 * hrand(&rs), aw = 0.01 + 0.1 * hrand(&rs), base = 0.01 + 0.05 * hrand(&rs);
            for (i = 0; i < 9; i++) for (j = 0; j < 6; j++) {
                double t = base * (1 + ab * (i - cb) * (i - cb) + aw * (j - cw) * (j - cw));
                snprintf(a, sizeof a, "%d", 1 << i); snprintf(b, sizeof b, "%d", 1 + 2 * j);
                bt_results_add(r, names[v], "synthetic", ax, BT_CELL_OK, "", 5, 0, &t);
            }
        }
    }
    return r;
}
/* Final test set (written after the validation set above had been run, before the changes that
   run suggested; run once, after them, and not used to choose anything):
   0: rugged interior optimum with a loader-memory OOM frontier (other frequencies than in-sample);
   1: a diagonal valley (the best cells lie along batch x workers = const);
   2: far optimum: a local one right of the centre, the global one 3 % better at small batch and
      many workers;
   3: a cliff: the optimum is the last batch before an OOM frontier that moves with prefetch;
   4: two workloads with optima in opposite corners (the mean-regret optimum is between them);
   5: a random bowl over three axes (seed 777). */
static bt_results *make_final(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"batch", "workers", "threads"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 5 ? 3 : 2, kind == 5 ? ax3 : ax2, 1, mets);
    int i, j, k, v;
    uint64_t rs = 777;
    char a[16], b[16], c[16];
    const char *ax[3] = {a, b, c};
    if (kind == 5) {
        double ci = 1 + 4 * hrand(&rs), cj = 3 * hrand(&rs), ck = 2 * hrand(&rs);
        for (i = 0; i < 6; i++) for (j = 0; j < 4; j++) for (k = 0; k < 3; k++) {
            double t = 0.03 * (1 + 0.06 * (i - ci) * (i - ci) + 0.05 * (j - cj) * (j - cj) + 0.12 * (k - ck) * (k - ck));
            snprintf(a, sizeof a, "%d", 8 << i); snprintf(b, sizeof b, "%d", 1 << j); snprintf(c, sizeof c, "%d", k + 1);
            bt_results_add(r, "random3", "synthetic", ax, BT_CELL_OK, "", 5, 0, &t);
        }
        return r;
    }
    for (v = 0; v < (kind == 4 ? 2 : 1); v++)
        for (i = 0; i < 10; i++) for (j = 0; j < 8; j++) {
            double t;
            bt_cell_status st = BT_CELL_OK;
            if (kind == 0) {
                t = 0.025 * (1 + 0.03 * (i - 5.5) * (i - 5.5) + 0.04 * (j - 4.2) * (j - 4.2)) * (1 + 0.035 * sin(2.9 * i + 0.7 * j));
                if ((1 << i) * (j + 1) > 2048) st = BT_CELL_OOM;
            } else if (kind == 1) {
                double d = (i + j - 8.0);
                t = 0.04 * (1 + 0.05 * d * d + 0.004 * (i - j) * (i - j));
            } else if (kind == 2) {
                double local = 1 + 0.03 * ((i - 6) * (i - 6) + (j - 4) * (j - 4));
                double far = 0.97 + 0.06 * (i * i + (j - 7) * (j - 7));
                t = 0.05 * (local < far ? local : far);
            } else if (kind == 3) {
                t = 4096 * (3e-4 / (double)(1 << i) + 1.5e-5) * (1 + 0.2 / (j + 1)) + 0.0015 * j;
                if ((1 << i) * (1 + 0.3 * j) > 400) st = BT_CELL_OOM;
            } else {
                t = 0.02 * (1 + (v == 0 ? 0.03 * (i * i + j * j) : 0.03 * ((i - 9) * (i - 9) + (j - 7) * (j - 7))));
            }
            snprintf(a, sizeof a, "%d", 1 << i); snprintf(b, sizeof b, "%d", j + 1);
            bt_results_add(r, v ? "wl_y" : "wl_x", "synthetic", ax, st, st == BT_CELL_OOM ? "out of memory" : "", 5, 0, &t);
        }
    return r;
}
/* New final test set (make_final2, seeds 301-305): written on 2026-11-30 after the changes that
   the validation set and the old final set (make_final, now seen) suggested, before running it
   once with the strategy frozen. Other shapes than every set above:
   0: a curved ridge (the best cells follow workers ~ (batch index)^2 / 8) with an OOM frontier
      along batch that moves with workers;
   1: far optimum mid-edge (not a corner): a local basin at the centre, the global one 2.5 %
      better alone at the middle of the small-batch edge;
   2: three basins of different depth at random places (seed 999), 12 x 6 cells;
   3: three axes with an OOM frontier (batch x workers x prefetch, 6 x 5 x 3), the optimum just
      below the frontier;
   4: two workloads, one with its optimum on an OOM frontier, the other nearly flat;
   5: one axis (batch 1..4096, 13 cells), a steep U with the optimum at 256. */
static bt_results *make_final2(int kind) {
    static const char *const ax1[] = {"batch"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"batch", "workers", "prefetch"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 5 ? 1 : kind == 3 ? 3 : 2, kind == 5 ? ax1 : kind == 3 ? ax3 : ax2, 1, mets);
    int i, j, k, v;
    uint64_t rs = 999;
    char a[16], b[16], c[16];
    const char *ax[3] = {a, b, c};
    if (kind == 5) {
        for (i = 0; i <= 12; i++) {
            double t = 0.01 * (1 + 0.02 * (i - 8) * (i - 8) + (i < 8 ? 0.05 * (8 - i) : 0));
            snprintf(a, sizeof a, "%d", 1 << i);
            bt_results_add(r, "one_axis", "synthetic", ax, BT_CELL_OK, "", 5, 0, &t);
        }
        return r;
    }
    if (kind == 3) {
        for (i = 0; i < 6; i++) for (j = 0; j < 5; j++) for (k = 0; k < 3; k++) {
            double bs = (double)(16 << i), t = 2048 * (1e-4 / bs + 1e-5) * (1 + 0.1 * fabs(j - 2.5)) * (1 + 0.15 / (k + 1));
            int oom = bs * (1 + 0.5 * k) > 600;
            snprintf(a, sizeof a, "%d", 16 << i); snprintf(b, sizeof b, "%d", 1 << j); snprintf(c, sizeof c, "%d", k);
            bt_results_add(r, "prefetch3", "synthetic", ax, oom ? BT_CELL_OOM : BT_CELL_OK, oom ? "out of memory" : "", 5, 0, &t);
        }
        return r;
    }
    {
        double bc[3], wc[3], depth[3], width[3];
        for (k = 0; k < 3; k++) { bc[k] = 11 * hrand(&rs); wc[k] = 5 * hrand(&rs); depth[k] = 0.03 * k + 0.02 * hrand(&rs); width[k] = 0.02 + 0.06 * hrand(&rs); }
        for (v = 0; v < (kind == 4 ? 2 : 1); v++) {
            int ni = kind == 2 ? 12 : 10, nj = kind == 2 ? 6 : 8;
            for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
                double t = 0;
                bt_cell_status st = BT_CELL_OK;
                if (kind == 0) {
                    double ridge = (double)(i * i) / 8.0;
                    t = 0.03 * (1 + 0.04 * (j - ridge) * (j - ridge) + 0.02 * (i - 6.5) * (i - 6.5) / 4);
                    if ((1 << i) * (j + 2) > 4096) st = BT_CELL_OOM;
                } else if (kind == 1) {
                    double local = 1 + 0.025 * ((i - 5) * (i - 5) + (j - 4) * (j - 4));
                    double far = 0.975 + 0.04 * (i * i + (j - 3) * (j - 3));
                    t = 0.04 * (local < far ? local : far);
                } else if (kind == 2) {
                    double m = 10;
                    for (k = 0; k < 3; k++) {
                        double q = 1 + depth[k] + width[k] * ((i - bc[k]) * (i - bc[k]) + 2 * (j - wc[k]) * (j - wc[k]));
                        if (q < m) m = q;
                    }
                    t = 0.02 * m;
                } else {
                    if (v == 0) {
                        t = 0.02 * (1 + 0.3 / (1 << (i < 7 ? i : 7)) * 8 + 0.03 * (j - 3) * (j - 3)) ;
                        if ((1 << i) * (1 + 0.2 * j) > 256) st = BT_CELL_OOM;
                    } else t = 0.05 * (1 + 0.005 * ((i - 2) * (i - 2) + (j - 6) * (j - 6)));
                }
                snprintf(a, sizeof a, "%d", 1 << i); snprintf(b, sizeof b, "%d", j + 1);
                bt_results_add(r, kind == 4 ? (v ? "flat_wl" : "frontier_wl") : kind == 0 ? "ridge" : kind == 1 ? "mid_edge" : "three_basins", "synthetic", ax,
                               st, st == BT_CELL_OOM ? "out of memory" : "", 5, 0, &t);
            }
        }
    }
    return r;
}
/* Third final test set (make_final3, seeds 401-405): written on 2026-11-30 after the second
   round, BEFORE the third round of changes to the strategy, and committed on its own; run once,
   with the strategy frozen (commit 9bfb4ac). --no-final3 skips it. Six kinds that
   differ from every set above:
   0: optimum just inside an OOM frontier on three axes (batch 16..2048 x workers 1..12 x
      threads 1..4): time falls with batch, memory grows with batch and workers, so the best is
      the largest batch that fits at a middle worker count, threads best at 2;
   1: a rough ridge: the best cells follow workers ~ batch index / 2 with a 0.4 % slope along it
      and a 0.6 % ripple (sin) over the surface, 10 x 8 cells;
   2: two workloads with a compromise optimum: one steep bowl at large batch / few workers, one
      shallow bowl at small batch / many workers; the mean-regret best is in neither's basin;
   3: heteroscedastic noise: every cell has its own noise (e2e_s_stddev), 1 % at batch 1 growing
      to 9 % at batch 256, and the optimum at a large batch; its rows are judged by the noisy
      goal even at added noise 0;
   4: a long axis: batch 16..384 in steps of 16 (24 cells), time = overhead/batch + a linear
      cost, a shallow optimum near batch 256;
   5: a near-tie of three cells: three separate cells within 0.3 % of each other (two adjacent,
      one two steps away), every other cell at least 2 % worse, 8 x 6 cells. */
static bt_results *make_final3(int kind) {
    static const char *const ax1[] = {"batch"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"batch", "workers", "threads"};
    static const char *const mets[] = {"e2e_s_median"};
    static const char *const mets_sd[] = {"e2e_s_median", "e2e_s_stddev"};
    bt_results *r = bt_results_create(kind == 4 ? 1 : kind == 0 ? 3 : 2, kind == 4 ? ax1 : kind == 0 ? ax3 : ax2,
                                      kind == 3 ? 2 : 1, kind == 3 ? mets_sd : mets);
    int i, j, k, v;
    char a[16], b[16], c[16];
    const char *ax[3] = {a, b, c};
    if (kind == 0) {
        static const int W[] = {1, 2, 4, 8, 12};
        for (i = 0; i < 8; i++) for (j = 0; j < 5; j++) for (k = 0; k < 4; k++) {
            double bs = (double)(16 << i);
            double t = 8192 * (4e-4 / bs + 1.2e-5) * (1 + 0.06 * (j - 2.4) * (j - 2.4) / 4) * (1 + 0.05 * (k - 1) * (k - 1)) + 0.0008 * W[j];
            int oom = bs * (1 + 0.1 * W[j]) > 1100;
            snprintf(a, sizeof a, "%d", 16 << i); snprintf(b, sizeof b, "%d", W[j]); snprintf(c, sizeof c, "%d", k + 1);
            bt_results_add(r, "frontier3", "synthetic", ax, oom ? BT_CELL_OOM : BT_CELL_OK, oom ? "out of device memory" : "", 5, 0, &t);
        }
        return r;
    }
    if (kind == 4) {
        for (i = 0; i < 24; i++) {
            double bs = 16.0 * (i + 1), t = 0.01 * (1 + 30.0 / bs + 4.5e-4 * bs);
            snprintf(a, sizeof a, "%d", 16 * (i + 1));
            bt_results_add(r, "long_axis", "synthetic", ax, BT_CELL_OK, "", 5, 0, &t);
        }
        return r;
    }
    for (v = 0; v < (kind == 2 ? 2 : 1); v++) {
        int ni = kind == 1 ? 10 : kind == 2 ? 9 : kind == 3 ? 9 : 8, nj = kind == 1 ? 8 : kind == 2 ? 7 : kind == 3 ? 8 : 6;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            double m[2] = {0, NAN};
            if (kind == 1) {
                double ridge = i / 2.0;
                m[0] = 0.03 * (1 + 0.05 * (j - ridge) * (j - ridge) + 0.004 * (9 - i) + 0.006 * sin(2.1 * i + 3.7 * j));
            } else if (kind == 2) {
                m[0] = v == 0 ? 0.03 * (1 + 0.08 * (i - 7) * (i - 7) + 0.03 * (j - 1) * (j - 1))
                              : 0.05 * (1 + 0.02 * (i - 1) * (i - 1) + 0.015 * (j - 5) * (j - 5));
            } else if (kind == 3) {
                m[0] = 0.02 * (1 + 0.04 * (i - 6.2) * (i - 6.2) + 0.03 * (j - 3.3) * (j - 3.3));
                m[1] = m[0] * (0.01 + 0.08 * i / 8.0);
            } else {
                /* three near-tied cells: (2,1) and (2,2) adjacent, (4,4) two steps away */
                double base = 0.04 * (1 + 0.02 + 0.004 * ((i - 3) * (i - 3) + (j - 3) * (j - 3)));
                if (i == 2 && j == 1) base = 0.04;
                else if (i == 2 && j == 2) base = 0.04 * 1.0015;
                else if (i == 4 && j == 4) base = 0.04 * 1.003;
                m[0] = base;
            }
            snprintf(a, sizeof a, "%d", 1 << i);
            snprintf(b, sizeof b, "%d", j + 1);
            bt_results_add(r, kind == 2 ? (v ? "wl_small" : "wl_large") : kind == 1 ? "rough_ridge" : kind == 3 ? "hetero" : "three_tie",
                           "synthetic", ax, BT_CELL_OK, "", 5, 0, m);
        }
    }
    return r;
}
/* Fourth final test set (make_final4, seeds 501-505): written on 2026-11-30 after the third
   round, BEFORE the fourth round of changes to the strategy, and committed on its own; run once,
   with the strategy frozen (commit 60994fb); --no-final4 skips it. Six kinds that
   differ from every set above:
   0: a saddle: batch x workers (9 x 7), a ridge across the middle of the workers axis and a valley
      along batch; the two workers edges are basins, the low-workers one 2.4 % better;
   1: the optimum at the smallest batch (latency-bound: time per item grows with batch) with OOM at
      large batches x many workers (batch 1..1024 x workers 1,2,3,4,6,8; batch is monotone);
   2: bimodal noise: every cell carries 10 recorded samples, 1 % Gaussian, and about one in eight
      is a slow outlier (x1.35, a loaded machine); the truth is the clean time; its rows are judged
      by the noisy goal even at added noise 0;
   3: four axes with a small grid each (batch 4 x workers 3 x threads 3 x prefetch 3 = 108 cells),
      workers x threads oversubscribe above 8;
   4: two workloads where one dominates the cost (times 12x the other's), optima in different
      places (mean regret);
   5: a wide flat top: 30 cells within 0.2 % of each other in a 10 x 8 grid, one cell at the
      plateau's edge 1.5 % better, every cell outside the plateau 3 % worse per step. */
static bt_results *make_final4(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax4[] = {"batch", "workers", "threads", "prefetch"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 3 ? 4 : 2, kind == 3 ? ax4 : ax2, 1, mets);
    int i, j, k, l, v;
    uint64_t rs = 5151;
    char a[16], b[16], c[16], e[16];
    const char *ax[4] = {a, b, c, e};
    if (kind == 3) {
        static const int B[] = {32, 64, 128, 256}, W[] = {2, 4, 8}, T[] = {1, 2, 4}, P[] = {1, 2, 4};
        for (i = 0; i < 4; i++) for (j = 0; j < 3; j++) for (k = 0; k < 3; k++) for (l = 0; l < 3; l++) {
            double t = 0.02 * (1 + 0.03 * (i - 2) * (i - 2)) * (1 + 0.05 * fabs(j - 1.2)) * (1 + 0.04 * fabs(k - 0.8)) * (1 + 0.03 / P[l]);
            if (W[j] * T[k] > 8) t *= 1 + 0.02 * (W[j] * T[k] - 8);
            snprintf(a, sizeof a, "%d", B[i]); snprintf(b, sizeof b, "%d", W[j]); snprintf(c, sizeof c, "%d", T[k]); snprintf(e, sizeof e, "%d", P[l]);
            bt_results_add(r, "four_axes", "synthetic", ax, BT_CELL_OK, "", 5, 0, &t);
        }
        return r;
    }
    if (kind == 2) {
        static const char *const sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
    }
    for (v = 0; v < (kind == 4 ? 2 : 1); v++) {
        static const int W1[] = {1, 2, 3, 4, 6, 8};
        int ni = kind == 0 ? 9 : kind == 1 ? 11 : kind == 2 ? 8 : kind == 4 ? 9 : 10, nj = kind == 0 ? 7 : kind == 1 ? 6 : kind == 2 ? 6 : kind == 4 ? 7 : 8;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            double m = 0;
            bt_cell_status st = BT_CELL_OK;
            int w = kind == 1 ? W1[j] : j + 1;
            if (kind == 0) m = 0.03 * (1.15 + 0.02 * (i - 4) * (i - 4) - 0.012 * (j - 3) * (j - 3) + 0.004 * j);
            else if (kind == 1) {
                m = 0.02 * (1 + 0.03 * i + 0.02 * (j - 2) * (j - 2));
                if ((double)(1 << i) * (1 + 0.25 * w) > 600) { st = BT_CELL_OOM; m = NAN; }
            } else if (kind == 2) m = 0.025 * (1 + 0.03 * (i - 5) * (i - 5) + 0.02 * (j - 2) * (j - 2));
            else if (kind == 4) m = v == 0 ? 0.24 * (1 + 0.04 * (i - 6) * (i - 6) + 0.03 * (j - 2) * (j - 2))
                                           : 0.02 * (1 + 0.03 * (i - 2) * (i - 2) + 0.05 * (j - 5) * (j - 5));
            else {
                /* plateau: batch index 2..7 x workers 2..6 (30 cells); the better cell at (7, 6) */
                int di = i < 2 ? 2 - i : i > 7 ? i - 7 : 0, dj = j < 2 ? 2 - j : j > 6 ? j - 6 : 0;
                m = 0.05 * (1 + 0.002 * hrand(&rs) + 0.03 * (di + dj));
                if (i == 7 && j == 6) m = 0.05 * 0.985;
            }
            snprintf(a, sizeof a, "%d", 1 << i);
            snprintf(b, sizeof b, "%d", w);
            bt_results_add(r, kind == 4 ? (v ? "wl_cheap" : "wl_costly") : kind == 0 ? "saddle" : kind == 1 ? "small_batch" : kind == 2 ? "bimodal" : "flat_top",
                           "synthetic", ax, st, st == BT_CELL_OOM ? "out of device memory" : "", 5, 0, &m);
            if (kind == 2) {
                /* ten recorded samples: 1 % Gaussian, one in eight a slow outlier */
                bt_row *row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
                for (k = 0; k < 10; k++) {
                    double u1 = hrand(&rs), u2 = hrand(&rs), x = m * (1 + 0.01 * sqrt(-2 * log(u1 > 1e-12 ? u1 : 1e-12)) * cos(6.283185307179586 * u2));
                    if (hrand(&rs) < 0.125) x *= 1.35;
                    bti_row_add_sample(r, row, k, &x);
                }
            }
        }
    }
    return r;
}
/* Fifth final test set (make_final5, seeds 601-605): written on 2026-11-30 after the fourth
   round, BEFORE the fifth round of changes to the strategy, and committed on its own (f244d8b,
   skipped by the bench until the freeze); run once, with the strategy frozen (commit d8906de);
   --no-final5 skips it. Six kinds that differ from every set above:
   0: log-normal noise: every cell carries 12 recorded samples, log-normal with a log-SD of 0.05
      (a long right tail, no separate outlier mode); the truth is the clean time (the
      distribution's median); 9 x 6 cells, a smooth bowl; judged by the noisy goal at added
      noise 0 too;
   1: rare large outliers: 12 recorded samples per cell, 0.5 % Gaussian, one in twenty a x2
      outlier (a preempted run); 8 x 7 cells; judged by the noisy goal at added noise 0 too;
   2: a staircase: time per item falls in discrete steps as batch crosses tile sizes (batch 8..
      1024 in steps of x2 and x1.5 interleaved: 13 values) with a slow rise from memory traffic,
      x workers 1..6; the best is the first batch of the lowest step at 3 workers;
   3: a diagonal OOM frontier: memory grows with batch x workers, time falls with both, so the
      best lies on the frontier's diagonal (batch 4..2048 x workers 1..8; batch is monotone);
   4: a narrow valley: sharp along workers (8 % per step off the best), nearly flat along batch
      (0.15 % per step) over a 12 x 10 grid with one dip 1 % deep in the valley's middle;
   5: a dead axis: batch x workers x threads (8 x 6 x 4), threads changes nothing but 0.1 %
      jitter, the best is decided by batch and workers alone. */
static bt_results *make_final5(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"batch", "workers", "threads"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 5 ? 3 : 2, kind == 5 ? ax3 : ax2, 1, mets);
    int i, j, k, ni, nj;
    uint64_t rs = 6161 + (uint64_t)kind;
    char a[16], b[16], c[16];
    const char *ax[3] = {a, b, c};
    if (kind == 0 || kind == 1) {
        static const char *const sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
    }
    if (kind == 5) {
        for (i = 0; i < 8; i++) for (j = 0; j < 6; j++) for (k = 0; k < 4; k++) {
            double t = 0.03 * (1 + 0.025 * (i - 4.6) * (i - 4.6) + 0.04 * (j - 2) * (j - 2)) * (1 + 0.001 * hrand(&rs));
            snprintf(a, sizeof a, "%d", 2 << i); snprintf(b, sizeof b, "%d", j + 1); snprintf(c, sizeof c, "%d", 1 << k);
            bt_results_add(r, "dead_axis", "synthetic", ax, BT_CELL_OK, "", 5, 0, &t);
        }
        return r;
    }
    ni = kind == 0 ? 9 : kind == 1 ? 8 : kind == 2 ? 13 : kind == 3 ? 10 : 12;
    nj = kind == 0 ? 6 : kind == 1 ? 7 : kind == 2 ? 6 : kind == 3 ? 8 : 10;
    for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
        double m = 0, bs = 0;
        bt_cell_status st = BT_CELL_OK;
        if (kind == 0) { bs = (double)(1 << i); m = 0.03 * (1 + 0.03 * (i - 5) * (i - 5) + 0.025 * (j - 3) * (j - 3)); }
        else if (kind == 1) { bs = (double)(2 << i); m = 0.015 * (1 + 0.04 * (i - 2) * (i - 2) + 0.02 * (j - 4) * (j - 4)); }
        else if (kind == 2) {
            /* 8, 12, 16, 24, ... : tiles of 64 items; a batch pays for whole tiles */
            double tiles;
            bs = (i % 2 ? 12.0 : 8.0) * (double)(1 << (i / 2));
            tiles = ceil(bs / 64.0);
            m = 0.02 * (tiles * 64.0 / bs) * (1 + 0.0004 * bs) * (1 + 0.03 * (j - 2) * (j - 2));
        } else if (kind == 3) {
            bs = (double)(4 << i);
            m = 0.01 * (1 + 8.0 / bs) * (1 + 0.6 / (j + 1)) * (1 + 0.00002 * bs * (j + 1));
            if (bs * (j + 1) > 2400) { st = BT_CELL_OOM; m = NAN; }
        } else {
            bs = (double)(1 << i);
            m = 0.04 * (1 + 0.0015 * fabs(i - 3.0) + 0.08 * abs(j - 6));
            if (i == 7 && j == 6) m *= 0.99;
        }
        snprintf(a, sizeof a, "%d", (int)bs);
        snprintf(b, sizeof b, "%d", j + 1);
        bt_results_add(r, kind == 0 ? "lognormal" : kind == 1 ? "rare_x2" : kind == 2 ? "staircase" : kind == 3 ? "diag_oom" : "narrow_valley",
                       "synthetic", ax, st, st == BT_CELL_OOM ? "out of device memory" : "", 5, 0, &m);
        if (kind == 0 || kind == 1) {
            bt_row *row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
            for (k = 0; k < 12; k++) {
                double u1 = hrand(&rs), u2 = hrand(&rs), g = sqrt(-2 * log(u1 > 1e-12 ? u1 : 1e-12)) * cos(6.283185307179586 * u2), x;
                if (kind == 0) x = m * exp(0.05 * g);
                else { x = m * (1 + 0.005 * g); if (hrand(&rs) < 0.05) x *= 2; }
                bti_row_add_sample(r, row, k, &x);
            }
        }
    }
    return r;
}
/* Sixth final test set (make_final6, seeds 701-705): written on 2026-11-30 after the fifth
   round, BEFORE the sixth round of changes to the strategy, and committed on its own (c79d8ec,
   skipped by the bench until the freeze); run once, with the strategy frozen (commit 56bebb4);
   --no-final6 skips it. Six kinds that differ from every set
   above:
   0: bursty outliers: 12 recorded samples per cell, 0.5 % Gaussian; a burst (a loaded machine)
      starts at a sample with probability 0.08 and lasts 3 consecutive samples at x1.3; 8 x 6
      cells, a smooth bowl; judged by the noisy goal at added noise 0 too;
   1: the best at workers = cores with a cliff beyond: batch 8 x workers 1..12 on an 8-core
      machine; time falls with workers up to 8, then oversubscription costs 20 % plus 6 % per
      extra worker;
   2: batch on a fine non-power-of-two grid: batch 16, 40, 64, ... 400 (17 values, steps of 24) x
      workers 1..5, a smooth bowl whose minimum lies between grid points (batch about 230);
   3: three workloads with different noise levels: recorded samples (10 per cell) at 0.5 %, 3 %
      and 8 % Gaussian, optima in different places (mean regret); judged by the noisy goal at
      added noise 0 too;
   4: three axes with an interaction term: batch x workers x prefetch (7 x 6 x 4); prefetch helps
      only with few workers (the term workers x prefetch), the best at a middle workers count;
   5: a step surface: time constant on plateaus, jumping at thresholds (batch < 32, 32-255,
      >= 256; workers < 3, 3-5, >= 6), with a 0.3 % slope inside the best plateau so the best
      cell (its corner) is unique; 10 x 8 cells. */
static bt_results *make_final6(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"batch", "workers", "prefetch"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 4 ? 3 : 2, kind == 4 ? ax3 : ax2, 1, mets);
    int i, j, k, v, ni, nj;
    uint64_t rs = 7171 + (uint64_t)kind;
    char a[16], b[16], c[16];
    const char *ax[3] = {a, b, c};
    if (kind == 0 || kind == 3) {
        static const char *const sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
    }
    if (kind == 4) {
        for (i = 0; i < 7; i++) for (j = 0; j < 6; j++) for (k = 0; k < 4; k++) {
            int w = j + 1, pf = 1 << k;
            double t = 0.025 * (1 + 0.03 * (i - 3.4) * (i - 3.4)) * (1 + 0.35 / w + 0.03 * w) * (1 + 0.08 / pf * (6.0 - w) / 5.0 + 0.01 * pf * w / 6.0);
            snprintf(a, sizeof a, "%d", 8 << i); snprintf(b, sizeof b, "%d", w); snprintf(c, sizeof c, "%d", pf);
            bt_results_add(r, "interaction", "synthetic", ax, BT_CELL_OK, "", 5, 0, &t);
        }
        return r;
    }
    for (v = 0; v < (kind == 3 ? 3 : 1); v++) {
        ni = kind == 0 ? 8 : kind == 1 ? 8 : kind == 2 ? 17 : kind == 3 ? 8 : 10;
        nj = kind == 0 ? 6 : kind == 1 ? 12 : kind == 2 ? 5 : kind == 3 ? 6 : 8;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            double m = 0, bs = 0;
            int w = j + 1, burst = 0;
            if (kind == 0) { bs = (double)(4 << i); m = 0.02 * (1 + 0.03 * (i - 4) * (i - 4) + 0.025 * (j - 2) * (j - 2)); }
            else if (kind == 1) {
                bs = (double)(4 << i);
                m = 0.03 * (1 + 0.02 * (i - 4.3) * (i - 4.3)) * (0.4 + 0.6 / (w < 8 ? w : 8) + 0.005 * w);
                if (w > 8) m *= 1.2 + 0.06 * (w - 9);
            } else if (kind == 2) { bs = 16 + 24.0 * i; m = 0.015 * (1 + 2.0 * pow((bs - 230) / 400.0, 2) + 0.03 * (j - 3) * (j - 3)); }
            else if (kind == 3) {
                static const double ci[] = {2.0, 5.0, 3.5}, cj[] = {4.0, 1.0, 2.5}, sc3[] = {1.0, 0.6, 1.8};
                bs = (double)(2 << i);
                m = 0.02 * sc3[v] * (1 + 0.035 * (i - ci[v]) * (i - ci[v]) + 0.03 * (j - cj[v]) * (j - cj[v]));
            } else {
                int si = i < 4 ? 2 : i < 7 ? 1 : 0, sj = j < 2 ? 2 : j < 5 ? 1 : 0;
                bs = (double)(4 << i);
                m = 0.05 * (1 + 0.05 * si + 0.04 * sj);
                if (si == 0 && sj == 0) m *= 1 + 0.003 * ((i - 7) + (j - 5));
                else m *= 1 + 0.0005 * hrand(&rs);
            }
            snprintf(a, sizeof a, "%d", (int)bs);
            snprintf(b, sizeof b, "%d", w);
            bt_results_add(r, kind == 3 ? (v == 0 ? "wl_quiet" : v == 1 ? "wl_mid" : "wl_loud") : kind == 0 ? "bursts" : kind == 1 ? "cores_cliff" : kind == 2 ? "fine_batch" : "steps",
                           "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
            if (kind == 0 || kind == 3) {
                static const double sd3[] = {0.005, 0.03, 0.08};
                bt_row *row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
                int ns = kind == 0 ? 12 : 10;
                for (k = 0; k < ns; k++) {
                    double u1 = hrand(&rs), u2 = hrand(&rs), g = sqrt(-2 * log(u1 > 1e-12 ? u1 : 1e-12)) * cos(6.283185307179586 * u2), x;
                    if (kind == 0) {
                        if (burst == 0 && hrand(&rs) < 0.08) burst = 3;
                        x = m * (1 + 0.005 * g) * (burst > 0 ? 1.3 : 1.0);
                        if (burst > 0) burst--;
                    } else x = m * (1 + sd3[v] * g);
                    bti_row_add_sample(r, row, k, &x);
                }
            }
        }
    }
    return r;
}
/* Seventh final test set (make_final7, seeds 801-805): written on 2026-11-30 after the sixth
   round, BEFORE the seventh round of changes to the strategy, and committed on its own (19dcd08,
   skipped by the bench until the freeze); run once, with the strategy frozen (commit e49fc91);
   --no-final7 skips it. Six kinds that differ from every set above:
   0: heavy-tailed noise: 10 recorded samples per cell, Student's t with 3 degrees of freedom at
      a 1 % scale (no separate outlier mode: every sample can be far); 8 x 6 cells, a smooth
      bowl; judged by the noisy goal at added noise 0 too;
   1: warm-up not finished: 10 recorded samples per cell, 0.5 % Gaussian, the first two slow
      (x1.10, x1.04: caches and clocks still warming); 8 x 6 cells; judged by the noisy goal at
      added noise 0 too;
   2: a saw-tooth along batch: batch 32..512 in steps of 32 (16 values) x workers 1..4;
      multiples of 64 run 4 % faster than their odd neighbours (tile alignment) on a bowl whose
      minimum is near batch 320 at 3 workers;
   3: four workloads, one of which runs out of memory at batch >= 256 (batch is monotone):
      optima at different batches (mean regret), the joint best below the big model's frontier;
   4: five axes with small grids: batch x workers x prefetch x threads x pin (4 x 3 x 3 x 3 x 2 =
      216 cells), a separable bowl plus a workers x threads interaction;
   5: a large grid: batch 16..512 in steps of 16 (32 values) x workers 1..12 (384 cells), a
      shallow bowl (about 1 % per step near the minimum) with its minimum in the interior. */
static bt_results *make_final7(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax5[] = {"batch", "workers", "prefetch", "threads", "pin"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 4 ? 5 : 2, kind == 4 ? ax5 : ax2, 1, mets);
    int i, j, k, v, ni, nj;
    uint64_t rs = 8181 + (uint64_t)kind;
    char a[16], b[16], c[16], d[16], e[16];
    const char *ax[5] = {a, b, c, d, e};
    if (kind == 0 || kind == 1) {
        static const char *const sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
    }
    if (kind == 4) {
        int p, t, q;
        for (i = 0; i < 4; i++) for (j = 0; j < 3; j++) for (p = 0; p < 3; p++) for (t = 0; t < 3; t++) for (q = 0; q < 2; q++) {
            double m = 0.04 * (1 + 0.04 * (i - 1.7) * (i - 1.7)) * (1 + 0.05 * (j - 1.2) * (j - 1.2)) * (1 + 0.02 * (p - 1) * (p - 1))
                       * (1 + 0.03 * (t - 1) * (t - 1) + 0.02 * (j - 1) * (t - 1)) * (q ? 0.985 : 1.0);
            snprintf(a, sizeof a, "%d", 16 << (2 * i)); snprintf(b, sizeof b, "%d", 2 << j); snprintf(c, sizeof c, "%d", 1 << p);
            snprintf(d, sizeof d, "%d", 1 << t); snprintf(e, sizeof e, "%d", q);
            bt_results_add(r, "five_axes", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    for (v = 0; v < (kind == 3 ? 4 : 1); v++) {
        ni = kind == 2 ? 16 : kind == 3 ? 9 : kind == 5 ? 32 : 8;
        nj = kind == 2 ? 4 : kind == 3 ? 6 : kind == 5 ? 12 : 6;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            double m = 0, bs = 0;
            int w = j + 1;
            bt_cell_status st = BT_CELL_OK;
            if (kind == 0) { bs = (double)(2 << i); m = 0.025 * (1 + 0.03 * (i - 3.6) * (i - 3.6) + 0.03 * (j - 2.4) * (j - 2.4)); }
            else if (kind == 1) { bs = (double)(4 << i); m = 0.02 * (1 + 0.025 * (i - 5) * (i - 5) + 0.035 * (j - 3) * (j - 3)); }
            else if (kind == 2) {
                bs = 32.0 * (i + 1);
                m = 0.03 * (1 + 1.5 * pow((bs - 320) / 480.0, 2) + 0.04 * (j - 2) * (j - 2)) * (((int)bs) % 64 == 0 ? 0.96 : 1.0);
            } else if (kind == 3) {
                static const double ci[] = {3.0, 6.0, 4.5, 2.0}, cj[] = {2.0, 4.0, 3.0, 1.0}, sc4[] = {1.0, 0.3, 2.5, 0.7};
                bs = (double)(1 << i);
                m = 0.02 * sc4[v] * (1 + 0.03 * (i - ci[v]) * (i - ci[v]) + 0.025 * (j - cj[v]) * (j - cj[v]));
                if (v == 2 && bs >= 256) { st = BT_CELL_OOM; m = NAN; }
            } else {
                bs = 16.0 * (i + 1);
                m = 0.02 * (1 + 0.0006 * (i - 19.3) * (i - 19.3) + 0.012 * (j - 6.6) * (j - 6.6)) * (1 + 0.0008 * hrand(&rs));
            }
            snprintf(a, sizeof a, "%d", (int)bs);
            snprintf(b, sizeof b, "%d", w);
            bt_results_add(r, kind == 3 ? (v == 0 ? "wl_a" : v == 1 ? "wl_b" : v == 2 ? "wl_big" : "wl_c") : kind == 0 ? "heavy_tail" : kind == 1 ? "warmup" : kind == 2 ? "sawtooth" : "large_grid",
                           "synthetic", ax, st, st == BT_CELL_OOM ? "out of device memory" : "", 5, 0, &m);
            if (kind == 0 || kind == 1) {
                bt_row *row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
                for (k = 0; k < 10; k++) {
                    double u1 = hrand(&rs), u2 = hrand(&rs), g = sqrt(-2 * log(u1 > 1e-12 ? u1 : 1e-12)) * cos(6.283185307179586 * u2), x;
                    if (kind == 0) {
                        double chi = 0;
                        int q;
                        for (q = 0; q < 3; q++) {
                            double v1 = hrand(&rs), v2 = hrand(&rs), h = sqrt(-2 * log(v1 > 1e-12 ? v1 : 1e-12)) * cos(6.283185307179586 * v2);
                            chi += h * h;
                        }
                        x = m * (1 + 0.01 * g / sqrt(chi / 3 > 1e-6 ? chi / 3 : 1e-6));
                        if (x < 0.5 * m) x = 0.5 * m;
                    } else x = m * (1 + 0.005 * g) * (k == 0 ? 1.10 : k == 1 ? 1.04 : 1.0);
                    bti_row_add_sample(r, row, k, &x);
                }
            }
        }
    }
    return r;
}
/* Eighth final test set (make_final8, seeds 901-905): written on 2026-12-01 after the seventh
   round's freeze, BEFORE any change of the eighth round, and committed on its own (4171aea,
   skipped by the bench until the freeze); run once, with the strategy frozen (commit 8a32e87);
   --no-final8 skips it. Six kinds that differ from every set above:
   0: a small grid: batch 64, 128, 256 x workers 1..4 (12 cells), a bowl (5 % per step squared)
      whose best, batch=256 workers=2, is off the grid's centre: a quarter of the exhaustive cost
      is three cells' worth of full visits;
   1: two modes per cell (NUMA placement): 12 recorded samples per cell, each from one of two
      modes 3 % apart with probability 1/2, plus 0.3 % Gaussian; 8 x 6 cells, a bowl; judged by
      the noisy goal at added noise 0 too;
   2: mostly out of memory: batch 8..4096 (powers of two) x workers 1..8, OOM where
      batch x (4 + workers) > 6000 (batch is monotone); time falls with batch and is best at 6
      workers, so the best, batch=512 workers=6, lies one cell inside a thin feasible strip;
   3: an unordered axis: algo 0..3 (a kernel choice: +0, +6, -3, +2 %) x batch 4..512 (8 values)
      x workers 1..4 (128 cells), the best algorithm is neither the first nor the middle one;
   4: two workloads, one flat (every cell within 0.5 %, noise-free jitter) and one a sharp bowl
      (5 % per step squared) with its best off-centre (batch index 6, workers 2): the mean
      regret is the sharp one's, the flat one only adds cost;
   5: a gentle slope to a far corner: 12 x 8 cells, 0.4 % per step along each axis, the best in
      the corner farthest from the grid's centre (6 cells within 1 % of it). */
static bt_results *make_final8(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"algo", "batch", "workers"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 3 ? 3 : 2, kind == 3 ? ax3 : ax2, 1, mets);
    int i, j, k, v, ni, nj;
    uint64_t rs = 9191 + (uint64_t)kind;
    char a[16], b[16], c[16];
    const char *ax[3] = {a, b, c};
    if (kind == 1) {
        static const char *const sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
    }
    if (kind == 3) {
        static const double eff[] = {1.0, 1.06, 0.97, 1.02};
        for (k = 0; k < 4; k++) for (i = 0; i < 8; i++) for (j = 0; j < 4; j++) {
            double m = 0.03 * eff[k] * (1 + 0.03 * (i - 4.4) * (i - 4.4) + 0.04 * (j - 1.8) * (j - 1.8));
            snprintf(a, sizeof a, "%d", k); snprintf(b, sizeof b, "%d", 4 << i); snprintf(c, sizeof c, "%d", j + 1);
            bt_results_add(r, "algo", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    for (v = 0; v < (kind == 4 ? 2 : 1); v++) {
        ni = kind == 0 ? 3 : kind == 2 ? 10 : kind == 5 ? 12 : 8;
        nj = kind == 0 ? 4 : kind == 2 ? 8 : kind == 5 ? 8 : 6;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            double m, bs;
            int w = j + 1;
            bt_cell_status st = BT_CELL_OK;
            if (kind == 0) { bs = (double)(64 << i); m = 0.04 * (1 + 0.05 * (i - 2) * (i - 2) + 0.05 * (j - 1) * (j - 1)); }
            else if (kind == 1) { bs = (double)(2 << i); m = 0.03 * (1 + 0.03 * (i - 4.6) * (i - 4.6) + 0.04 * (j - 1.7) * (j - 1.7)); }
            else if (kind == 2) {
                bs = (double)(8 << i);
                m = 0.01 * (1 + 8 / sqrt(bs)) * (1 + 0.03 * (w - 6) * (w - 6));
                if (bs * (4 + w) > 6000) { st = BT_CELL_OOM; m = NAN; }
            } else if (kind == 4) {
                bs = (double)(2 << i);
                m = v == 0 ? 0.03 * (1 + 0.005 * hrand(&rs)) : 0.05 * (1 + 0.05 * (i - 6) * (i - 6) + 0.05 * (j - 1) * (j - 1));
            } else { bs = 8.0 * (i + 1); m = 0.02 * (1 + 0.004 * (11 - i) + 0.004 * (7 - j)); }
            snprintf(a, sizeof a, "%d", (int)bs);
            snprintf(b, sizeof b, "%d", w);
            bt_results_add(r, kind == 4 ? (v == 0 ? "wl_flat" : "wl_sharp") : kind == 0 ? "small" : kind == 1 ? "two_modes" : kind == 2 ? "mostly_oom" : "slope",
                           "synthetic", ax, st, st == BT_CELL_OOM ? "out of device memory" : "", 5, 0, &m);
            if (kind == 1) {
                bt_row *row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
                for (k = 0; k < 12; k++) {
                    double u1 = hrand(&rs), u2 = hrand(&rs), g = sqrt(-2 * log(u1 > 1e-12 ? u1 : 1e-12)) * cos(6.283185307179586 * u2);
                    double x = m * (hrand(&rs) < 0.5 ? 0.985 : 1.015) * (1 + 0.003 * g);
                    bti_row_add_sample(r, row, k, &x);
                }
            }
        }
    }
    return r;
}
/* Ninth final test set (make_final9, seeds 1001-1005): written on 2026-12-01 after the eighth
   round's freeze, BEFORE any change of the ninth round, and committed on its own (61893e4,
   skipped by the bench until the freeze); run once, with the strategy frozen (commit f7310bb);
   --no-final9 skips it. Six kinds that differ from every set above:
   0: thermal drift inside a cell: 16 recorded samples per cell, each 0.3 % slower than the one
      before (clocks dropping as the device heats) plus 0.4 % Gaussian; 8 x 6 cells, a bowl. A
      cell measured less looks faster than one measured more; judged by the noisy goal at added
      noise 0 too;
   1: scattered failed cells: 8 x 8 cells (batch 4..512 x workers 1..8), a bowl whose best is
      batch=128 workers=4; about one cell in eight fails with an error (not out of memory, not
      monotone), the two neighbours batch=64 workers=4 and batch=128 workers=3 among them;
   2: a wide dynamic range: batch 1..1024 x workers 1..8, time = per-item overhead / batch +
      compute (27x between the slowest and the best cell), spilling past batch 256, out of memory
      where batch x (1 + workers / 4) > 1500 (batch is monotone): nearly all of the exhaustive
      cost is in the small-batch cells;
   3: irregular axis values: batch {1, 3, 10, 24, 50, 128, 200, 512, 1000} x workers {1, 2, 3,
      5, 8, 13}, a bowl in log2(batch) and log2(workers) whose best is batch=200 workers=5;
   4: eight workloads (a model zoo): 6 x 6 cells each (batch 8..256 x workers 1..6), bowls with
      optima scattered over the grid and times from 10 to 100 ms; the mean-regret best is a
      compromise that is no single workload's best;
   5: a valley along the 3-D diagonal: batch 8 values x workers 8 x threads 6 (384 cells); the
      time is low only near batch index = workers index = threads index and falls along that
      line to its best at index 5, 5, 5; a step along one axis leaves the valley. */
static bt_results *make_final9(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"batch", "workers", "threads"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 5 ? 3 : 2, kind == 5 ? ax3 : ax2, 1, mets);
    int i, j, k, v, ni, nj;
    uint64_t rs = 10101 + (uint64_t)kind;
    char a[16], b[16], c[16];
    const char *ax[3] = {a, b, c};
    if (kind == 0) {
        static const char *const sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
    }
    if (kind == 5) {
        for (i = 0; i < 8; i++) for (j = 0; j < 8; j++) for (k = 0; k < 6; k++) {
            double mid = (i + j + k) / 3.0, off = (i - mid) * (i - mid) + (j - mid) * (j - mid) + (k - mid) * (k - mid);
            double m = 0.02 * (1 + 0.05 * off + 0.004 * (i + j + k - 15) * (i + j + k - 15));
            snprintf(a, sizeof a, "%d", 8 << i); snprintf(b, sizeof b, "%d", j + 1); snprintf(c, sizeof c, "%d", k + 1);
            bt_results_add(r, "valley3d", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    for (v = 0; v < (kind == 4 ? 8 : 1); v++) {
        static const int B3[] = {1, 3, 10, 24, 50, 128, 200, 512, 1000}, W3[] = {1, 2, 3, 5, 8, 13};
        ni = kind == 0 ? 8 : kind == 1 ? 8 : kind == 2 ? 11 : kind == 3 ? 9 : 6;
        nj = kind == 0 ? 6 : kind == 1 ? 8 : kind == 2 ? 8 : 6;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            double m, bs;
            int w = kind == 3 ? W3[j] : j + 1;
            bt_cell_status st = BT_CELL_OK;
            const char *why = "";
            char wln[16];
            if (kind == 0) { bs = (double)(2 << i); m = 0.025 * (1 + 0.03 * (i - 4.3) * (i - 4.3) + 0.04 * (j - 2.2) * (j - 2.2)); }
            else if (kind == 1) {
                bs = (double)(4 << i);
                m = 0.03 * (1 + 0.03 * (i - 5) * (i - 5) + 0.03 * (j - 3) * (j - 3));
                if ((i == 4 && j == 3) || (i == 5 && j == 2) || (hrand(&rs) < 0.12 && !(i == 5 && j == 3))) { st = BT_CELL_ERROR; m = NAN; why = "worker crashed"; }
            } else if (kind == 2) {
                bs = (double)(1 << i);
                m = 4096 * (3e-4 / bs + 1e-5) * (bs > 256 ? 1 + 0.1 * log2(bs / 256) : 1) * (1 + 0.02 * (w - 4) * (w - 4));
                if (bs * (1 + w / 4.0) > 1500) { st = BT_CELL_OOM; m = NAN; why = "out of device memory"; }
            } else if (kind == 3) {
                bs = B3[i];
                m = 0.03 * (1 + 0.04 * (log2(bs) - 7.6) * (log2(bs) - 7.6) + 0.03 * (log2(w) - 2.2) * (log2(w) - 2.2));
            } else {
                static const double ci[] = {1.0, 4.0, 2.5, 5.0, 0.5, 3.0, 4.5, 2.0}, cj[] = {4.0, 1.0, 2.5, 5.0, 0.5, 0.0, 3.5, 4.5};
                static const double sc8[] = {1.0, 3.0, 0.5, 7.0, 2.0, 10.0, 1.5, 4.0};
                bs = (double)(8 << i);
                m = 0.01 * sc8[v] * (1 + 0.04 * (i - ci[v]) * (i - ci[v]) + 0.04 * (j - cj[v]) * (j - cj[v]));
            }
            snprintf(a, sizeof a, "%d", (int)bs);
            snprintf(b, sizeof b, "%d", w);
            snprintf(wln, sizeof wln, "model_%d", v);
            bt_results_add(r, kind == 4 ? wln : kind == 0 ? "drift" : kind == 1 ? "failures" : kind == 2 ? "dynamic_range" : "irregular",
                           "synthetic", ax, st, why, 5, 0, &m);
            if (kind == 0) {
                bt_row *row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
                for (k = 0; k < 16; k++) {
                    double u1 = hrand(&rs), u2 = hrand(&rs), g = sqrt(-2 * log(u1 > 1e-12 ? u1 : 1e-12)) * cos(6.283185307179586 * u2);
                    double x = m * (1 + 0.003 * k) * (1 + 0.004 * g);
                    bti_row_add_sample(r, row, k, &x);
                }
            }
        }
    }
    return r;
}
/* Tenth final test set (make_final10, seeds 1101-1105): written on 2026-12-01 after the ninth
   round's freeze, BEFORE any change of the tenth round, and committed on its own (f765638,
   skipped by the bench until the freeze); run once, with the strategy frozen (commit 168489b);
   --no-final10 skips it. Meant to be harder than the ninth set, which the
   previous strategy met as well. Six kinds that differ from every set above:
   0: a pipeline kink: time per item = max(loader / workers, compute(batch)) with compute slowed
      by 0.6 % per worker (contention) and by 5 % per doubling past batch 256 (cache spill);
      batch 2..1024 x workers 1..12 (120 cells). The surface is not smooth: its best, batch=256
      workers=7, sits on the ridge where the loader stops being the bottleneck, and one worker
      fewer is 10 % slower;
   1: the best cell is the noisiest: 12 recorded samples per cell, 0.5 % Gaussian noise far from
      the best and up to 5.5 % at it (a contended resource near the fast configuration); 8 x 6
      cells, a bowl whose neighbours of the best are 3-4 % slower. Judged by the noisy goal at
      added noise 0 too;
   2: four axes: batch 16..256 x workers {1,2,4,8} x prefetch {1,2,4,8} x threads {1,2,4,8}
      (320 cells), out of memory where batch x prefetch > 512 (batch is monotone), 25 % slower
      where workers x threads > 16 (oversubscribed cores), a bowl otherwise whose best,
      batch=256 workers=4 prefetch=2 threads=2, has its neighbour prefetch=4 out of memory;
   3: a narrow deep basin and a broad shallow one: 10 x 8 cells; the broad basin near the grid's
      centre bottoms out 2.5 % above the narrow one, whose best, batch=1024 workers=2, has its
      four neighbours 2 % slower and the next ring 8 % slower;
   4: a slow region before out of memory: batch 1..2048 x workers 1..8; where batch x
      (1 + workers / 8) > 400 the cell spills to host memory and runs 2.5 times slower, where it
      is > 1600 it is out of memory (batch is monotone). The best, batch=256 workers=4, is the
      last cell before the spill on both axes;
   5: a coarse timer: 10 recorded samples per cell, 2 % Gaussian noise, then rounded to a 0.2 ms
      tick on cells of about 4 ms (one tick is 5 % of a cell); 8 x 6 cells, a bowl. Judged by
      the noisy goal at added noise 0 too. */
static bt_results *make_final10(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax4[] = {"batch", "workers", "prefetch", "threads"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 2 ? 4 : 2, kind == 2 ? ax4 : ax2, 1, mets);
    int i, j, k;
    uint64_t rs = 11111 + (uint64_t)kind;
    char a[16], b[16], c[16], d[16];
    const char *ax[4] = {a, b, c, d};
    if (kind == 1 || kind == 5) {
        static const char *const sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
    }
    if (kind == 2) {
        int p, t;
        for (i = 0; i < 5; i++) for (j = 0; j < 4; j++) for (p = 0; p < 4; p++) for (t = 0; t < 4; t++) {
            double m = 0.05 * (1 + 0.04 * (i - 3.8) * (i - 3.8) + 0.03 * (j - 2.2) * (j - 2.2) + 0.02 * (p - 1.4) * (p - 1.4) + 0.03 * (t - 1.4) * (t - 1.4))
                       * ((1 << j) * (1 << t) > 16 ? 1.25 : 1.0);
            bt_cell_status st = BT_CELL_OK;
            if ((16 << i) * (1 << p) > 512) { st = BT_CELL_OOM; m = NAN; }
            snprintf(a, sizeof a, "%d", 16 << i); snprintf(b, sizeof b, "%d", 1 << j); snprintf(c, sizeof c, "%d", 1 << p); snprintf(d, sizeof d, "%d", 1 << t);
            bt_results_add(r, "four_axes", "synthetic", ax, st, st == BT_CELL_OOM ? "out of device memory" : "", 5, 0, &m);
        }
        return r;
    }
    {
        int ni = kind == 0 ? 10 : kind == 3 ? 10 : kind == 4 ? 12 : 8;
        int nj = kind == 0 ? 12 : kind == 3 ? 8 : kind == 4 ? 8 : 6;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            double m, bs, sig = 0;
            int w = j + 1;
            bt_cell_status st = BT_CELL_OK;
            if (kind == 0) {
                double comp, load;
                bs = (double)(2 << i);
                comp = 0.001 * (1 + 24 / bs) * (bs > 256 ? pow(1.05, log2(bs / 256)) : 1) * (1 + 0.006 * w);
                load = 0.0075 / w;
                m = 10000 * (load > comp ? load : comp);
            } else if (kind == 1) {
                double d2 = (i - 5) * (i - 5) + (j - 2) * (j - 2);
                bs = (double)(2 << i);
                m = 0.03 * (1 + 0.03 * (i - 5) * (i - 5) + 0.04 * (j - 2) * (j - 2));
                sig = 0.005 + 0.05 * exp(-d2 / 1.5);
            } else if (kind == 3) {
                double broad = 1.025 + 0.005 * ((i - 4.5) * (i - 4.5) + (j - 3.5) * (j - 3.5)), narrow = 1 + 0.02 * ((i - 8) * (i - 8) + (j - 1) * (j - 1));
                bs = (double)(4 << i);
                m = 0.04 * (broad < narrow ? broad : narrow);
            } else if (kind == 4) {
                double f = (double)(1 << i) * (1 + w / 8.0);
                bs = (double)(1 << i);
                m = 0.02 * (1 + 4 / bs) * (1 + 0.02 * (w - 4) * (w - 4)) * (f > 400 ? 2.5 : 1.0);
                if (f > 1600) { st = BT_CELL_OOM; m = NAN; }
            } else {
                bs = (double)(2 << i);
                m = 0.004 * (1 + 0.02 * (i - 3.4) * (i - 3.4) + 0.03 * (j - 2.6) * (j - 2.6));
                sig = 0.02;
            }
            snprintf(a, sizeof a, "%d", (int)bs);
            snprintf(b, sizeof b, "%d", w);
            bt_results_add(r, kind == 0 ? "pipeline" : kind == 1 ? "noisy_best" : kind == 3 ? "two_basins" : kind == 4 ? "spill" : "coarse_timer",
                           "synthetic", ax, st, st == BT_CELL_OOM ? "out of device memory" : "", 5, 0, &m);
            if (kind == 1 || kind == 5) {
                bt_row *row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
                for (k = 0; k < (kind == 1 ? 12 : 10); k++) {
                    double u1 = hrand(&rs), u2 = hrand(&rs), g = sqrt(-2 * log(u1 > 1e-12 ? u1 : 1e-12)) * cos(6.283185307179586 * u2);
                    double x = m * (1 + sig * g);
                    if (kind == 5) x = 0.0002 * floor(x / 0.0002 + 0.5);
                    bti_row_add_sample(r, row, k, &x);
                }
            }
        }
    }
    return r;
}
/* Eleventh final test set (make_final11, seeds 1201-1205): written on 2026-12-01 after the tenth
   round's freeze, BEFORE any change of the eleventh round, and committed on its own (68f295b,
   skipped by the bench until the freeze); run once, with the strategy frozen (commit 84ab55b);
   --no-final11 skips it. Six kinds that differ from every set above:
   0: a costly setup per visit (an engine build, as TensorRT does per batch size): 8 x 6 cells,
      samples of 20-60 ms but a setup of 1 s at batch 2 growing to 40 s at batch 256 (recorded
      cell_s); a revisit pays the build again. A bowl whose best is batch=128 workers=3;
   1: autocorrelated samples: 12 recorded samples per cell from an AR(1) process (each sample
      0.85 of the previous one's deviation plus 1 % Gaussian; about 1.9 % overall), so a cell's
      samples agree with each other more than with the truth; 8 x 6 cells, a bowl with 2-3 %
      steps. Judged by the noisy goal at added noise 0 too;
   2: one long rippled axis: window 1..64 (64 cells, one axis), a shallow bowl (0.08 % x steps
      squared) with its minimum at 45 and every multiple of 4 1.5 % faster: the best is 44, 48
      is 0.6 % slower, 45 1.4 % and 40 1.9 %;
   3: three workloads that fail on different cells: 8 x 6 cells each, bowls with different optima;
      about one cell in ten of each workload fails with an error (not monotone); the mean-regret
      best, batch=32 workers=4, does not, but three of its neighbours fail in one workload each;
   4: two workloads 300 times apart in time (1 ms and 300 ms per cell) with opposite optima: the
      fast one's cells cost nothing, its regret counts as much as the slow one's;
   5: a corner on the OOM frontier in three axes: batch 2..256 x workers 1..6 x threads 1..4 (192
      cells), out of memory where batch x workers > 512 (batch is monotone); time falls with batch
      and threads and rises with workers, so the best is batch=256 workers=1 threads=4, a corner
      of the grid on the frontier. */
static bt_results *make_final11(int kind) {
    static const char *const ax1[] = {"window"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"batch", "workers", "threads"};
    static const char *const mets1[] = {"e2e_s_median"};
    static const char *const mets2[] = {"e2e_s_median", "cell_s"};
    bt_results *r = bt_results_create(kind == 2 ? 1 : kind == 5 ? 3 : 2, kind == 2 ? ax1 : kind == 5 ? ax3 : ax2, kind == 0 ? 2 : 1, kind == 0 ? mets2 : mets1);
    int i, j, k, v;
    uint64_t rs = 12121 + (uint64_t)kind;
    char a[16], b[16], c[16];
    const char *ax[3] = {a, b, c};
    if (kind == 1) {
        static const char *const sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
    }
    if (kind == 2) {
        for (i = 1; i <= 64; i++) {
            double m = 0.01 * (1 + 0.0008 * (i - 45) * (i - 45)) * (i % 4 == 0 ? 0.985 : 1.0);
            snprintf(a, sizeof a, "%d", i);
            bt_results_add(r, "window", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 5) {
        for (i = 0; i < 8; i++) for (j = 0; j < 6; j++) for (k = 0; k < 4; k++) {
            double bs = (double)(2 << i), m = 0.02 * (1 + 6 / bs) * (1 + 0.02 * j) * (1 - 0.03 * k);
            bt_cell_status st = BT_CELL_OK;
            if (bs * (j + 1) > 512) { st = BT_CELL_OOM; m = NAN; }
            snprintf(a, sizeof a, "%d", (int)bs); snprintf(b, sizeof b, "%d", j + 1); snprintf(c, sizeof c, "%d", k + 1);
            bt_results_add(r, "frontier_corner", "synthetic", ax, st, st == BT_CELL_OOM ? "out of device memory" : "", 5, 0, &m);
        }
        return r;
    }
    for (v = 0; v < (kind == 3 ? 3 : kind == 4 ? 2 : 1); v++) {
        for (i = 0; i < 8; i++) for (j = 0; j < 6; j++) {
            double m[2] = {0, NAN}, bs = (double)(2 << i);
            bt_cell_status st = BT_CELL_OK;
            const char *why = "";
            char wln[16];
            if (kind == 0) {
                m[0] = 0.04 * (1 + 0.04 * (i - 6) * (i - 6) + 0.04 * (j - 2) * (j - 2));
                m[1] = 1.0 + 39.0 * (i / 7.0) * (i / 7.0) + 5 * m[0];
            } else if (kind == 1) {
                m[0] = 0.03 * (1 + 0.025 * (i - 4.2) * (i - 4.2) + 0.03 * (j - 2.6) * (j - 2.6));
            } else if (kind == 3) {
                static const double ci[] = {3.0, 5.0, 4.0}, cj[] = {2.0, 3.0, 4.0};
                m[0] = 0.02 * (v + 1) * (1 + 0.03 * (i - ci[v]) * (i - ci[v]) + 0.03 * (j - cj[v]) * (j - cj[v]));
                if (!(i == 4 && j == 3) && ((v == 0 && i == 3 && j == 3) || (v == 1 && i == 4 && j == 2) || (v == 2 && i == 5 && j == 3) || hrand(&rs) < 0.1)) {
                    st = BT_CELL_ERROR; m[0] = NAN; why = "kernel launch failed";
                }
            } else {
                m[0] = v == 0 ? 0.001 * (1 + 0.04 * (i - 1) * (i - 1) + 0.05 * (j - 4) * (j - 4)) : 0.3 * (1 + 0.03 * (i - 6) * (i - 6) + 0.04 * (j - 1) * (j - 1));
            }
            snprintf(a, sizeof a, "%d", (int)bs);
            snprintf(b, sizeof b, "%d", j + 1);
            snprintf(wln, sizeof wln, "model_%d", v);
            bt_results_add(r, kind == 3 || kind == 4 ? wln : kind == 0 ? "engine_build" : "autocorrelated", "synthetic", ax, st, why, 5, 0, m);
            if (kind == 1) {
                bt_row *row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
                double e = 0;
                for (k = 0; k < 12; k++) {
                    double u1 = hrand(&rs), u2 = hrand(&rs), g = sqrt(-2 * log(u1 > 1e-12 ? u1 : 1e-12)) * cos(6.283185307179586 * u2);
                    double x;
                    e = k == 0 ? 0.019 * g : 0.85 * e + 0.01 * g;
                    x = m[0] * (1 + e);
                    bti_row_add_sample(r, row, k, &x);
                }
            }
        }
    }
    return r;
}
/* Twelfth final test set (make_final12, seeds 1301-1305): written on 2026-12-01 after the eleventh
   round's freeze, BEFORE any change of the twelfth round, and committed on its own (ef4e4f9,
   skipped by the bench until the freeze); run once, with the strategy frozen (commit fd783af);
   --no-final12 skips it. Six kinds that differ from every set above:
   0: a whole axis value fails: every cell at workers=1 fails with an error (a loader deadlock),
      out of memory where batch x workers > 768 (batch is monotone); 8 x 6 cells, a bowl whose
      best, batch=64 workers=2, sits next to the failing row;
   1: a short recorded run: only three recorded samples per cell, 3 % Gaussian noise; 8 x 6 cells,
      a bowl whose best, batch=32 workers=4, has neighbours 3-4 % slower. Judged by the noisy goal
      at added noise 0 too;
   2: a sharp optimum on a wide log axis: batch 1..4096 (13 values) x workers 1..4, each step away
      from batch=32 25 % slower, out of memory from batch 2048 (batch is monotone); the best is
      batch=32 workers=3;
   3: an elongated grid, 2 x 32: precision {fp16, fp32} (unordered) x window 1..32; fp16's best
      is window 23 (a step away 0.4 % slower, two steps 1.6 %), fp32 is 4 % slower at its best,
      window 17;
   4: time-outs on one side, out of memory on the other: batch 1..512 x workers 1..8; cells slower
      than 3.5 times the best time out (all of batch 1, batch 2 with up to 3 workers), out of
      memory where batch x workers > 1024 (batch is monotone); the best, batch=128 workers=6, has
      batch=256 workers=5 out of memory;
   5: sixteen workloads on a 4 x 4 grid (a model zoo of small kernels): batch {8,16,32,64} x
      workers {1,2,3,4}; each workload a bowl with its own optimum, curvature and scale (1-16 ms);
      the mean-regret best is batch=16 workers=2, 1.3 % (mean regret) ahead of batch=16 workers=3. */
static bt_results *make_final12(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const axp[] = {"precision", "window"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(2, kind == 3 ? axp : ax2, 1, mets);
    int i, j, k, v;
    uint64_t rs = 13131 + (uint64_t)kind;
    char a[16], b[16];
    const char *ax[2] = {a, b};
    if (kind == 1) {
        static const char *const sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
    }
    if (kind == 3) {
        for (i = 0; i < 2; i++) for (j = 1; j <= 32; j++) {
            double m = i == 0 ? 0.01 * (1 + 0.004 * (j - 23) * (j - 23)) : 0.0104 * (1 + 0.004 * (j - 17) * (j - 17));
            snprintf(a, sizeof a, "%s", i == 0 ? "fp16" : "fp32");
            snprintf(b, sizeof b, "%d", j);
            bt_results_add(r, "elongated", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 5) {
        for (v = 0; v < 16; v++) {
            double ci = 3 * hrand(&rs), cj = 3 * hrand(&rs), ca = 0.02 + 0.06 * hrand(&rs), cb = 0.02 + 0.06 * hrand(&rs);
            char wln[16];
            snprintf(wln, sizeof wln, "kernel_%02d", v);
            for (i = 0; i < 4; i++) for (j = 0; j < 4; j++) {
                double m = 0.001 * (v + 1) * (1 + ca * (i - ci) * (i - ci) + cb * (j - cj) * (j - cj));
                snprintf(a, sizeof a, "%d", 8 << i);
                snprintf(b, sizeof b, "%d", j + 1);
                bt_results_add(r, wln, "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
            }
        }
        return r;
    }
    {
        int ni = kind == 2 ? 13 : kind == 4 ? 10 : 8, nj = kind == 2 ? 4 : kind == 4 ? 8 : 6;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            double m, bs;
            int w = j + 1;
            bt_cell_status st = BT_CELL_OK;
            const char *why = "";
            if (kind == 0) {
                bs = (double)(2 << i);
                m = 0.03 * (1 + 0.03 * (i - 5) * (i - 5) + 0.05 * (j - 1) * (j - 1));
                if (w == 1) { st = BT_CELL_ERROR; why = "loader deadlock"; }
                else if (bs * w > 768) { st = BT_CELL_OOM; why = "out of device memory"; }
            } else if (kind == 1) {
                bs = (double)(2 << i);
                m = 0.02 * (1 + 0.03 * (i - 4) * (i - 4) + 0.04 * (j - 3) * (j - 3));
            } else if (kind == 2) {
                bs = (double)(1 << i);
                m = 0.01 * pow(1.25, fabs(i - 5.0)) * (1 + 0.04 * (j - 2) * (j - 2));
                if (i >= 11) { st = BT_CELL_OOM; why = "out of device memory"; }
            } else {
                double rel;
                bs = (double)(1 << i);
                rel = (1 + 4 / bs) * (1 + 0.03 * (j - 5) * (j - 5));
                m = 0.02 * rel;
                if (bs * w > 1024) { st = BT_CELL_OOM; why = "out of device memory"; }
                else if (rel > 3.5) { st = BT_CELL_TIMEOUT; why = "exceeded the time limit"; }
            }
            if (st != BT_CELL_OK) m = NAN;
            snprintf(a, sizeof a, "%d", (int)bs);
            snprintf(b, sizeof b, "%d", w);
            bt_results_add(r, kind == 0 ? "dead_row" : kind == 1 ? "short_run" : kind == 2 ? "log_axis" : "timeout_oom", "synthetic", ax, st, why, 5, 0, &m);
            if (kind == 1) {
                bt_row *row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
                for (k = 0; k < 3; k++) {
                    double u1 = hrand(&rs), u2 = hrand(&rs), g = sqrt(-2 * log(u1 > 1e-12 ? u1 : 1e-12)) * cos(6.283185307179586 * u2);
                    double x = m * (1 + 0.03 * g);
                    bti_row_add_sample(r, row, k, &x);
                }
            }
        }
    }
    return r;
}
/* Thirteenth final test set (make_final13, seeds 1401-1405): written on 2026-12-01 after the
   twelfth round's freeze, BEFORE any change of the thirteenth round, and committed on its own
   (4574505, skipped by the bench until the freeze); the thirteenth round kept no change, so it
   was run once with the twelfth round's strategy (fd783af) unchanged; --no-final13 skips it. Six kinds that differ from every
   set above:
   0: six on/off axes (compiler flags, 64 cells): each flag's effect adds (-4, +3, -2, +1.5, -1,
      +0.5 %), and flags 0 and 2 together are 5 % slower (they fight over one resource); the best
      is flag0=1 flag1=0 flag2=0 flag3=0 flag4=1 flag5=0;
   1: a failed block at the centre: batch 2..256 x workers 1..8 (64 cells), the 3 x 3 cells around
      batch=16 workers=4 fail with an error; a bowl centred inside the block, whose best,
      batch=64 workers=5, touches the block's corner;
   2: a small dip inside a plateau: 10 x 8 cells, all within 0.3 % (a gentle tilt) except a dip of
      five cells far from the centre, batch=512 workers=2 2 % faster than the plateau and its four
      neighbours 1 % faster;
   3: a cache cliff on the diagonal: batch 2..512 x workers 1..8; where batch x workers > 256 a
      cell runs 30 % slower (not failed); time falls with batch and workers, so the best, batch=64
      workers=4, is on the cliff's edge;
   4: three workloads whose sample times are 1 : 10 : 100 (1, 10 and 100 ms), each a bowl with its
      own optimum (batch 8, 128 and 32-64); the mean-regret best is batch=32 workers=4, 1 % ahead
      of batch=32 workers=5;
   5: a ragged grid: batch 1..128 x workers 1..8 where workers > batch is infeasible (not run,
      status infeasible); time falls with batch and rises away from workers = 4, so the best,
      batch=128 workers=4, and the feasible cells form a triangle. */
static bt_results *make_final13(int kind) {
    static const char *const ax6[] = {"flag0", "flag1", "flag2", "flag3", "flag4", "flag5"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 0 ? 6 : 2, kind == 0 ? ax6 : ax2, 1, mets);
    int i, j, v;
    char a[6][16];
    const char *ax[6] = {a[0], a[1], a[2], a[3], a[4], a[5]};
    if (kind == 0) {
        static const double eff[6] = {-0.04, 0.03, -0.02, 0.015, -0.01, 0.005};
        int b, f;
        for (b = 0; b < 64; b++) {
            double m = 1;
            for (f = 0; f < 6; f++) { int on = b >> (5 - f) & 1; snprintf(a[f], sizeof a[f], "%d", on); if (on) m += eff[f]; }
            if ((b >> 5 & 1) && (b >> 3 & 1)) m += 0.05;
            m *= 0.02;
            bt_results_add(r, "flags", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    for (v = 0; v < (kind == 4 ? 3 : 1); v++) {
        int ni = kind == 2 ? 10 : kind == 3 ? 9 : kind == 5 ? 8 : 8, nj = 8;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            double m, bs;
            int w = j + 1;
            bt_cell_status st = BT_CELL_OK;
            const char *why = "";
            char wln[16];
            if (kind == 1) {
                bs = (double)(2 << i);
                m = 0.03 * (1 + 0.02 * (i - 4.3) * (i - 4.3) + 0.02 * (j - 4.1) * (j - 4.1));
                if (i >= 2 && i <= 4 && j >= 2 && j <= 4) { st = BT_CELL_ERROR; why = "kernel launch failed"; }
            } else if (kind == 2) {
                int d = abs(i - 8) + abs(j - 1);
                bs = (double)(2 << i);
                m = 0.04 * (1 + 0.0003 * i + 0.0002 * j) * (d == 0 ? 0.98 : d == 1 ? 0.99 : 1.0);
            } else if (kind == 3) {
                bs = (double)(2 << i);
                m = 0.01 * (1 + 8 / bs) * (1 + 0.6 / w) * (bs * w > 256 ? 1.3 : 1.0);
            } else if (kind == 4) {
                static const double ci[] = {2.0, 6.0, 4.5}, cj[] = {6.0, 1.0, 3.0}, sc[] = {0.001, 0.01, 0.1};
                bs = (double)(2 << i);
                m = sc[v] * (1 + 0.03 * (i - ci[v]) * (i - ci[v]) + 0.03 * (j - cj[v]) * (j - cj[v]));
            } else {
                bs = (double)(1 << i);
                m = 0.02 * (1 + 2 / bs) * (1 + 0.03 * (j - 3) * (j - 3));
                if (w > bs) { st = BT_CELL_INFEASIBLE; why = "workers > batch"; }
            }
            if (st != BT_CELL_OK) m = NAN;
            snprintf(a[0], sizeof a[0], "%d", (int)bs);
            snprintf(a[1], sizeof a[1], "%d", w);
            snprintf(wln, sizeof wln, "model_%d", v);
            bt_results_add(r, kind == 4 ? wln : kind == 1 ? "failed_block" : kind == 2 ? "plateau_dip" : kind == 3 ? "cache_cliff" : "ragged", "synthetic", ax, st, why, 5, 0, &m);
        }
    }
    return r;
}
/* Fourteenth final test set (make_final14, seeds 1501-1505): written on 2026-12-01 after the
   thirteenth round, BEFORE any change of the fourteenth round, and committed on its own
   (9bf6500, skipped by the bench until the freeze); run once with the fourteenth round's
   strategy frozen; --no-final14 skips it. Six kinds that differ from every set above:
   0: batch listed in descending order (the file's rows go batch 1024, 512, ... 2) x workers
      1..8, OOM at batch >= 512 (batch monotone); a bowl whose best is batch=128 workers=3,
      0.6 % ahead of batch=128 workers=4;
   1: an unordered axis of twelve kernels (k0..k11, names, not numbers) x batch 2..256: each
      kernel its own bowl in batch with its own optimum and its own speed; the best, kernel=k5
      batch=8, is 2 % ahead of the next kernel's best (k7 at batch 128);
   2: a flat surface: 10 x 8 cells all within 0.5 % (a tilt and a ripple), so any pick is within
      1 %: the row is about stopping early, not about finding the best;
   3: a large grid of three axes, batch 8..128 in steps of 8 x workers 1..16 x threads 1..8
      (2048 cells), a tilted bowl whose best, batch=88 workers=5 threads=3, has eight cells
      within 1 % (itself included);
   4: two equal optima far apart: 10 x 8 cells, two bowls as deep as each other at batch=4
      workers=2 and batch=512 workers=7 (an exact tie: either is the best), a ridge 40 % slower
      between them;
   5: workers must divide batch: batch {4, 6, 8, 12, 16, 24, 32, 48, 64, 96} x workers 1..8,
      a cell infeasible (not run) where batch % workers != 0; time falls with batch and is
      lowest near 6 workers, so the best, batch=96 workers=6, is reached only through batches
      that 6 divides (batch=64 allows workers 1, 2, 4, 8 only). */
static bt_results *make_final14(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const axk[] = {"kernel", "batch"};
    static const char *const ax3[] = {"batch", "workers", "threads"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 3 ? 3 : 2, kind == 3 ? ax3 : kind == 1 ? axk : ax2, 1, mets);
    int i, j, k;
    char a[3][16];
    const char *ax[3] = {a[0], a[1], a[2]};
    if (kind == 1) {
        static const double f[12] = {1.06, 1.09, 1.03, 1.12, 1.05, 1.00, 1.08, 1.02, 1.10, 1.04, 1.07, 1.11};
        static const int c[12] = {3, 5, 1, 4, 6, 2, 0, 6, 3, 7, 2, 5};
        for (k = 0; k < 12; k++) for (i = 0; i < 8; i++) {
            double m = 0.01 * f[k] * (1 + 0.04 * (i - c[k]) * (i - c[k]));
            snprintf(a[0], sizeof a[0], "k%d", k);
            snprintf(a[1], sizeof a[1], "%d", 2 << i);
            bt_results_add(r, "kernels", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 3) {
        for (i = 0; i < 16; i++) for (j = 0; j < 16; j++) for (k = 0; k < 8; k++) {
            double di = i - 9.7, dj = j - 4.2, dk = k - 2.1;
            double m = 0.02 * (1 + 0.004 * di * di + 0.004 * dj * dj + 0.02 * dk * dk + 0.002 * di * dj);
            snprintf(a[0], sizeof a[0], "%d", 8 * (i + 1));
            snprintf(a[1], sizeof a[1], "%d", j + 1);
            snprintf(a[2], sizeof a[2], "%d", k + 1);
            bt_results_add(r, "large_grid", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    {
        static const int b5[10] = {4, 6, 8, 12, 16, 24, 32, 48, 64, 96};
        int ni = 10, nj = 8, ii;
        for (ii = 0; ii < ni; ii++) for (j = 0; j < nj; j++) {
            int w = j + 1, bs;
            double m;
            bt_cell_status st = BT_CELL_OK;
            const char *why = "";
            i = kind == 0 ? ni - 1 - ii : ii;   /* kind 0: the rows in descending batch */
            bs = kind == 5 ? b5[i] : 2 << i;
            if (kind == 0) {
                m = 0.02 * (1 + 0.03 * (i - 5.7) * (i - 5.7) + 0.03 * (j - 2.4) * (j - 2.4));
                if (bs >= 512) { st = BT_CELL_OOM; why = "out of memory"; }
            } else if (kind == 2) {
                m = 0.03 * (1 + 0.0002 * i + 0.0002 * j + 0.0008 * sin(1.7 * i + 2.9 * j));
            } else if (kind == 4) {
                double d1 = (i - 1) * (i - 1) + (j - 1) * (j - 1), d2 = (i - 8) * (i - 8) + (j - 6) * (j - 6);
                m = 0.03 * (1 + 0.02 * (d1 < d2 ? d1 : d2));
            } else {
                m = 0.02 * (1 + 4.0 / bs) * (1 + 0.02 * (w - 5.8) * (w - 5.8));
                if (bs % w) { st = BT_CELL_INFEASIBLE; why = "workers do not divide batch"; }
            }
            if (st != BT_CELL_OK) m = NAN;
            snprintf(a[0], sizeof a[0], "%d", bs);
            snprintf(a[1], sizeof a[1], "%d", w);
            bt_results_add(r, kind == 0 ? "descending" : kind == 2 ? "flat" : kind == 4 ? "two_optima" : "divisible", "synthetic", ax, st, why, 5, 0, &m);
        }
    }
    return r;
}
/* Fifteenth final test set (make_final15, seeds 1601-1605): written on 2026-12-01 after the
   fourteenth round, BEFORE any change of the fifteenth round, and committed on its own (d9ebd78,
   skipped by the bench until the freeze); run once with the fifteenth round's strategy frozen
   (f60ada5); --no-final15 skips it. Six kinds that differ from every set above:
   0: an unordered axis that moves the best of an ordered one: kernel {tiled, direct, winograd,
      fft} x batch 4..512 x workers 1..4; each kernel its own speed and its own best batch
      (512, 8, 64 and 256), so the best kernel's best batch is not where the others' are; the
      best, kernel=fft batch=256 workers=3, is 1.5 % ahead of the next kernel's best;
   1: an egg-crate: batch 2..1024 x workers 1..10, a shallow bowl with a ripple of period 3 on
      both axes (a cell off a ripple's trough 1.5 % slower), so the surface has local minima
      every three cells; the best, batch=64 workers=7, is 1.4 % ahead of the next trough;
   2: axes of one and two values: precision {bf16} (one value) x pinned {0, 1} x batch 1..32768
      (16 values), OOM at batch >= 8192; pinned host memory 2 % faster from batch 64; time per
      item falls with batch to a flat bottom at batch 256-512 (two cells within 0.1 %);
   3: a step at the far end of a plateau: batch 8..128 in steps of 8 x workers 1..6; every batch
      below 120 within 0.2 % of each other (a fused path is off), batch 120 3 % and batch 128
      5 % faster; the best, batch=128 workers=3;
   4: parity on a long axis: workers 1..24 x batch 32..256; every odd worker count above one
      4 % slower (SMT siblings share a core), a bowl in workers centred at 14; the best,
      batch=64 workers=14, with its odd neighbours 4 % behind;
   5: three dead axes and one live: prefetch {1, 2, 4} x queue {2, 4, 8} x affinity {none,
      compact, scatter, numa} (unordered) x batch 2..256 (288 cells); only batch matters (a bowl
      whose best is batch=64), the dead axes add 0.1 % of deterministic jitter, so the 36 cells
      at batch=64 are all within 0.2 %. */
static bt_results *make_final15(int kind) {
    static const char *const axk[] = {"kernel", "batch", "workers"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const axd[] = {"precision", "pinned", "batch"};
    static const char *const ax4[] = {"prefetch", "queue", "affinity", "batch"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 0 || kind == 2 ? 3 : kind == 5 ? 4 : 2, kind == 0 ? axk : kind == 2 ? axd : kind == 5 ? ax4 : ax2, 1, mets);
    int i, j, k, l;
    char a[4][16];
    const char *ax[4] = {a[0], a[1], a[2], a[3]};
    if (kind == 0) {
        static const char *const kn[4] = {"tiled", "direct", "winograd", "fft"};
        static const double f[4] = {1.015, 1.04, 1.025, 1.0}, c[4] = {7, 1, 4, 6};
        for (k = 0; k < 4; k++) for (i = 0; i < 8; i++) for (j = 0; j < 4; j++) {
            double m = 0.01 * f[k] * (1 + 0.035 * (i - c[k]) * (i - c[k])) * (1 + 0.02 * (j - 1.6) * (j - 1.6));
            snprintf(a[0], sizeof a[0], "%s", kn[k]);
            snprintf(a[1], sizeof a[1], "%d", 4 << i);
            snprintf(a[2], sizeof a[2], "%d", j + 1);
            bt_results_add(r, "kernel_batch", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 2) {
        for (k = 0; k < 2; k++) for (i = 0; i < 16; i++) {
            double bs = (double)(1 << i), m = 0.01 * (1 + 6 / bs) * (1 + bs / 20000) * (k == 1 && bs >= 64 ? 0.98 : 1.0);
            bt_cell_status st = bs >= 8192 ? BT_CELL_OOM : BT_CELL_OK;
            if (st != BT_CELL_OK) m = NAN;
            snprintf(a[0], sizeof a[0], "bf16");
            snprintf(a[1], sizeof a[1], "%d", k);
            snprintf(a[2], sizeof a[2], "%d", 1 << i);
            bt_results_add(r, "degenerate", "synthetic", ax, st, st == BT_CELL_OK ? "" : "out of device memory", 5, 0, &m);
        }
        return r;
    }
    if (kind == 5) {
        static const char *const af[4] = {"none", "compact", "scatter", "numa"};
        for (k = 0; k < 3; k++) for (l = 0; l < 3; l++) for (j = 0; j < 4; j++) for (i = 0; i < 8; i++) {
            unsigned h = (unsigned)(k * 131 + l * 37 + j * 11 + i * 7) * 2654435761u;
            double m = 0.02 * (1 + 0.04 * (i - 4.8) * (i - 4.8)) * (1 + 0.001 * ((h >> 16 & 0xffff) / 65535.0));
            snprintf(a[0], sizeof a[0], "%d", 1 << k);
            snprintf(a[1], sizeof a[1], "%d", 2 << l);
            snprintf(a[2], sizeof a[2], "%s", af[j]);
            snprintf(a[3], sizeof a[3], "%d", 2 << i);
            bt_results_add(r, "dead_axes", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    {
        int ni = kind == 1 ? 10 : kind == 3 ? 16 : 4, nj = kind == 1 ? 10 : kind == 3 ? 6 : 24;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            int w = j + 1, bs;
            double m;
            if (kind == 1) {
                double ti = (i % 3 == 2) ? 1 : -0.5, tj = (j % 3 == 0) ? 1 : -0.5;
                bs = 2 << i;
                m = 0.02 * (1 + 0.003 * ((i - 4.4) * (i - 4.4) + (j - 5.3) * (j - 5.3)) + 0.01 * (2 - ti - tj));
            } else if (kind == 3) {
                bs = 8 * (i + 1);
                m = 0.03 * (1 + 0.0015 * sin(1.3 * i)) * (bs == 128 ? 0.95 : bs == 120 ? 0.97 : 1.0) * (1 + 0.015 * (j - 2.3) * (j - 2.3));
            } else {
                bs = 32 << i;
                m = 0.02 * (1 + 0.02 * (i - 1.2) * (i - 1.2)) * (1 + 0.002 * (w - 14) * (w - 14)) * (w > 1 && w % 2 ? 1.04 : 1.0);
            }
            snprintf(a[0], sizeof a[0], "%d", bs);
            snprintf(a[1], sizeof a[1], "%d", w);
            bt_results_add(r, kind == 1 ? "egg_crate" : kind == 3 ? "plateau_step" : "parity", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
    }
    return r;
}
/* Sixteenth final test set (make_final16, seeds 1701-1705): written on 2026-12-01 after the
   fifteenth round, BEFORE any change of the sixteenth round, and committed on its own (75918ac,
   skipped by the bench until the freeze); run once with the sixteenth round's strategy frozen
   (02fbc85); --no-final16 skips it. Six kinds that differ from every set above:
   0: a fractional axis: mem_fraction 0.30..0.95 (steps of 0.05) x batch 8..1024; the memory
      left for the batch grows with the fraction, so the OOM frontier is a diagonal staircase
      (batch 512 fits from 0.55, batch 1024 only at 0.95); a larger fraction starves the host
      cache (a bowl centred at 0.65); the best, mem_fraction=0.65 batch=512, the next batch
      down 3 % behind;
   1: an axis of sizes with unit suffixes: chunk {64K, 128K, ..., 16M} (nine strings, listed
      smallest first, typed as text) x workers 1..8; a smooth bowl in log(chunk) whose best is
      chunk=1M workers=5;
   2: zero and negative axis values: nice {-10, -5, -2, 0, 2, 5, 10} x prefetch {0, 1, 2, 3,
      4, 6, 8} x batch 16..256 (245 cells); prefetch 0 (no overlap) 12 % slower; the best,
      nice=-2 prefetch=2 batch=64;
   3: an "auto" value on a numeric axis: threads {auto, 1, 2, 4, 8, 16, 32} x batch 8..1024;
      auto behaves as 4 threads plus 0.5 %; the best, threads=8 batch=256, 2 % ahead of its
      neighbours;
   4: five workloads whose best batches spread along the axis (batch 8..1024 x workers 1..6,
      each workload's best batch index 1, 2, 5, 6, 7, time scales 0.5x..3x); the mean-regret
      best, batch=128 workers=3, is no workload's own best and 1.8 % ahead of batch=256;
   5: a sharp best on the OOM frontier beyond a broad basin: batch 2..4096 x workers 1..6, OOM
      at batch >= 2048; a broad basin around batch 32 (three batches within 0.4 %), rising
      1.6-6.4 % towards the frontier, where batch 1024 (a fused path) is 1.5 % faster than the
      basin's best; the best, batch=1024 workers=3 or 4. */
static bt_results *make_final16(int kind) {
    static const char *const axf[] = {"mem_fraction", "batch"};
    static const char *const axc[] = {"chunk", "workers"};
    static const char *const axn[] = {"nice", "prefetch", "batch"};
    static const char *const axt[] = {"threads", "batch"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 2 ? 3 : 2, kind == 0 ? axf : kind == 1 ? axc : kind == 2 ? axn : kind == 3 ? axt : ax2, 1, mets);
    int i, j, k;
    char a[3][16];
    const char *ax[3] = {a[0], a[1], a[2]};
    if (kind == 0) {
        for (i = 0; i < 14; i++) for (j = 0; j < 8; j++) {
            double f = 0.30 + 0.05 * i, bs = (double)(8 << j), m = 0.01 * (1 + 16 / bs) * (1 + 0.3 * (f - 0.65) * (f - 0.65));
            bt_cell_status st = bs > 1200 * f - 100 ? BT_CELL_OOM : BT_CELL_OK;
            if (st != BT_CELL_OK) m = NAN;
            snprintf(a[0], sizeof a[0], "%.2f", f);
            snprintf(a[1], sizeof a[1], "%d", 8 << j);
            bt_results_add(r, "mem_fraction", "synthetic", ax, st, st == BT_CELL_OK ? "" : "out of device memory", 5, 0, &m);
        }
        return r;
    }
    if (kind == 1) {
        static const char *const cn[9] = {"64K", "128K", "256K", "512K", "1M", "2M", "4M", "8M", "16M"};
        for (i = 0; i < 9; i++) for (j = 0; j < 8; j++) {
            double m = 0.02 * (1 + 0.03 * (i - 4.3) * (i - 4.3)) * (1 + 0.01 * (j + 1 - 5.2) * (j + 1 - 5.2));
            snprintf(a[0], sizeof a[0], "%s", cn[i]);
            snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, "chunk_units", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 2) {
        static const int nv[7] = {-10, -5, -2, 0, 2, 5, 10}, pv[7] = {0, 1, 2, 3, 4, 6, 8};
        static const double pf[7] = {1.12, 1.03, 1.0, 1.002, 1.006, 1.015, 1.03};
        for (i = 0; i < 7; i++) for (j = 0; j < 7; j++) for (k = 0; k < 5; k++) {
            double m = 0.015 * (1 + 0.0008 * (nv[i] + 3) * (nv[i] + 3)) * pf[j] * (1 + 0.03 * (k - 2.4) * (k - 2.4));
            snprintf(a[0], sizeof a[0], "%d", nv[i]);
            snprintf(a[1], sizeof a[1], "%d", pv[j]);
            snprintf(a[2], sizeof a[2], "%d", 16 << k);
            bt_results_add(r, "nice_prefetch", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 3) {
        static const char *const tn[7] = {"auto", "1", "2", "4", "8", "16", "32"};
        static const double tf[7] = {1.1 * 1.005, 1.6, 1.3, 1.1, 1.0, 1.02, 1.08};
        for (i = 0; i < 7; i++) for (j = 0; j < 8; j++) {
            double m = 0.01 * tf[i] * (1 + 0.02 * (j - 5) * (j - 5));
            snprintf(a[0], sizeof a[0], "%s", tn[i]);
            snprintf(a[1], sizeof a[1], "%d", 8 << j);
            bt_results_add(r, "auto_threads", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 4) {
        static const int c[5] = {1, 2, 5, 6, 7};
        static const double sc[5] = {1.0, 2.0, 0.5, 3.0, 1.5};
        for (k = 0; k < 5; k++) for (i = 0; i < 8; i++) for (j = 0; j < 6; j++) {
            char wln[16];
            double m = 0.01 * sc[k] * (1 + 0.03 * (i - c[k]) * (i - c[k])) * (1 + 0.01 * (j + 1 - 3.3) * (j + 1 - 3.3));
            snprintf(wln, sizeof wln, "wl_%d", k);
            snprintf(a[0], sizeof a[0], "%d", 8 << i);
            snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, wln, "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    for (i = 0; i < 12; i++) for (j = 0; j < 6; j++) {
        double m = 0.02 * (i == 9 ? 0.985 : 1 + 0.004 * (i - 4) * (i - 4)) * (1 + 0.01 * (j + 1 - 3.5) * (j + 1 - 3.5));
        bt_cell_status st = i >= 10 ? BT_CELL_OOM : BT_CELL_OK;
        if (st != BT_CELL_OK) m = NAN;
        snprintf(a[0], sizeof a[0], "%d", 2 << i);
        snprintf(a[1], sizeof a[1], "%d", j + 1);
        bt_results_add(r, "frontier_needle", "synthetic", ax, st, st == BT_CELL_OK ? "" : "out of device memory", 5, 0, &m);
    }
    return r;
}
/* Seventeenth final test set (make_final17, seeds 1801-1805): written on 2026-12-02 after the
   sixteenth round, BEFORE any change of the seventeenth round, and committed on its own
   (052349f, skipped by the bench until the freeze); run once with the seventeenth round's
   strategy frozen (7ccb7d9); --no-final17 skips it. Six kinds that differ from every set above:
   0: a sign-reversing pair of switches: fused {0, 1} x pinned {0, 1} x batch 8..512 x workers
      1..4 (112 cells); either switch alone is 2.5 % slower, both together 2 % faster (a fused
      path that pays off only from pinned memory), so no single switch step from the all-off
      cells improves; the best, fused=1 pinned=1 batch=64 workers=2;
   1: two unordered axes and nothing else: kernel (six names) x layout (five names), 30 cells,
      no order on either; main effects of a few per cent and a deterministic interaction; the
      best, kernel=k_fft layout=blocked8, at least 1 % ahead of every other cell;
   2: an OOM band that is not monotone: batch 2..2048 x workers 1..6; batch 256 and 512 fail
      (the direct algorithm's workspace), from 1024 a chunked algorithm fits again and is 2 %
      faster than the basin around batch 64; the batch axis is NOT declared monotone; the best,
      batch=1024 workers=4;
   3: a crater: batch 2..1024 x workers 1..10, a ring of cells within about 1.5 % of each
      other around a central bump 17-19 % slower (the grid's corners up to 25 %), one stretch of
      the ring about 1.5 % below the rest; the best, batch=256 workers=3, on the ring, away
      from every edge of the grid and from the centre, its ring neighbours 0.6 and 0.8 % behind;
   4: batch values listed in a shuffled order (64, 8, 512, 2, 128, 32, 1024, 16, 256, 4, as a
      hand-typed grid) x workers 1..6, OOM at batch >= 512, batch monotone; a bowl whose best,
      batch=256 workers=4, is just inside the frontier;
   5: a kernel-tuning surface in microseconds: block 32..1024 x items per thread 1..16 x unroll
      {1, 2, 4} (90 cells of 6-12 us); more work per thread and unrolling help until the
      registers spill (block x items x unroll > 8192: 30 % slower, a diagonal frontier in
      three axes, not declared monotone); the best, block=128 items=16 unroll=4, on the spill
      frontier's inside, 1.6 % ahead of the next cell. */
static bt_results *make_final17(int kind) {
    static const char *const axe[] = {"fused", "pinned", "batch", "workers"};
    static const char *const axu[] = {"kernel", "layout"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const axk[] = {"block", "items", "unroll"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 0 ? 4 : kind == 5 ? 3 : 2, kind == 0 ? axe : kind == 1 ? axu : kind == 5 ? axk : ax2, 1, mets);
    int i, j, k, l;
    char a[4][16];
    const char *ax[4] = {a[0], a[1], a[2], a[3]};
    if (kind == 0) {
        static const double f[2][2] = {{1.0, 1.025}, {1.025, 0.98}};
        for (k = 0; k < 2; k++) for (l = 0; l < 2; l++) for (i = 0; i < 7; i++) for (j = 0; j < 4; j++) {
            double m = 0.02 * f[k][l] * (1 + 0.03 * (i - 3.3) * (i - 3.3)) * (1 + 0.015 * (j - 1.4) * (j - 1.4));
            snprintf(a[0], sizeof a[0], "%d", k);
            snprintf(a[1], sizeof a[1], "%d", l);
            snprintf(a[2], sizeof a[2], "%d", 8 << i);
            snprintf(a[3], sizeof a[3], "%d", j + 1);
            bt_results_add(r, "epistasis", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 1) {
        static const char *const kn[6] = {"k_gemm", "k_winograd", "k_fft", "k_direct", "k_im2col", "k_implicit"};
        static const char *const ln[5] = {"NCHW", "NHWC", "CHWN", "blocked8", "blocked16"};
        static const double kf[6] = {1.0, 1.03, 0.99, 1.05, 1.02, 1.01}, lf[5] = {1.0, 0.98, 1.04, 1.01, 1.02};
        for (i = 0; i < 6; i++) for (j = 0; j < 5; j++) {
            unsigned h = (unsigned)(i * 97 + j * 31 + 5) * 2654435761u;
            double m = 0.01 * kf[i] * lf[j] * (1 + 0.03 * ((h >> 16 & 0xffff) / 65535.0 - 0.5)) * (i == 2 && j == 3 ? 0.95 : 1.0);
            snprintf(a[0], sizeof a[0], "%s", kn[i]);
            snprintf(a[1], sizeof a[1], "%s", ln[j]);
            bt_results_add(r, "two_unordered", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 5) {
        for (i = 0; i < 6; i++) for (j = 0; j < 5; j++) for (k = 0; k < 3; k++) {
            int blk = 32 << i, ipt = 1 << j, un = 1 << k;
            double lb = log2((double)blk), m = 6e-6 * (1 + 0.6 / ipt) * (1 + 0.04 * (lb - 7.4) * (lb - 7.4)) * (k == 0 ? 1.0 : k == 1 ? 0.97 : 0.955);
            if (blk * ipt * un > 8192) m *= 1.3;
            snprintf(a[0], sizeof a[0], "%d", blk);
            snprintf(a[1], sizeof a[1], "%d", ipt);
            snprintf(a[2], sizeof a[2], "%d", un);
            bt_results_add(r, "kernel_us", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    {
        static const int shuf[10] = {64, 8, 512, 2, 128, 32, 1024, 16, 256, 4};
        int ni = kind == 2 ? 11 : 10, nj = kind == 2 ? 6 : kind == 3 ? 10 : 6;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            int bs = kind == 4 ? shuf[i] : 2 << i, w = j + 1;
            double m;
            bt_cell_status st = BT_CELL_OK;
            if (kind == 2) {
                m = 0.02 * (i == 9 ? 0.98 : i == 10 ? 0.985 : 1 + 0.012 * (i - 5) * (i - 5)) * (1 + 0.01 * (w - 3.6) * (w - 3.6));
                if (i == 7 || i == 8) st = BT_CELL_OOM;
            } else if (kind == 3) {
                double di = i - 4.5, dj = j - 4.5, rr = sqrt(di * di + dj * dj), an = atan2(dj, di), da = an - atan2(-2.5, 2.5);
                while (da > 3.14159265358979) da -= 6.28318530717959;
                while (da < -3.14159265358979) da += 6.28318530717959;
                m = 0.02 * (1 + 0.025 * (rr - 3.3) * (rr - 3.3) + 0.002 * cos(3 * an) - 0.015 * exp(-da * da / (2 * 0.3 * 0.3)));
            } else {
                m = 0.02 * (1 + 12.0 / bs) * (1 + bs / 3000.0) * (1 + 0.01 * (w - 3.7) * (w - 3.7));
                if (bs >= 512) st = BT_CELL_OOM;
            }
            if (st != BT_CELL_OK) m = NAN;
            snprintf(a[0], sizeof a[0], "%d", bs);
            snprintf(a[1], sizeof a[1], "%d", w);
            bt_results_add(r, kind == 2 ? "oom_band" : kind == 3 ? "crater" : "shuffled_batch", "synthetic", ax, st, st == BT_CELL_OK ? "" : "out of device memory", 5, 0, &m);
        }
    }
    return r;
}
/* Eighteenth final test set (make_final18, seeds 1901-1905): written on 2026-12-02 after the
   seventeenth round, BEFORE any change of the eighteenth round, and committed on its own
   (1510f02, skipped by the bench until the freeze); run once with the eighteenth round's
   strategy frozen (9f395f3); --no-final18 skips it. Six kinds that differ from every set above:
   0: a failed wall across the grid: batch 2..256 x workers 1..8, every cell at workers=4 fails
      (a loader deadlock), the grid is whole on both sides; the best, batch=32 workers=6, lies
      beyond the wall, the near side's best (workers 2-3) 1.75 % behind it;
   1: a four-axis bowl of 625 cells: batch x workers x threads x prefetch, five values each, an
      interior best (batch=128 workers=3 threads=2 prefetch=4, six cells within 1 %) with a
      batch x threads interaction; nothing fails;
   2: three workloads whose bests lie far apart (near three corners of a 7 x 7 grid, times 1 : 3
      : 2): the mean-regret best is an interior cell that is best for none of them;
   3: a strong axis and a weak one: batch 2..2048 (a bowl, 4 % x steps squared) x prefetch 1..8
      (0.2 % faster per step, 1.4 % over the axis, below the noise of one sample at 3 %); the
      best, batch=128 prefetch=8, at the weak axis's far end;
   4: OOM frontiers that depend on an unordered axis: kernel (four names) x batch 2..1024 x
      workers 1..4, batch monotone; time falls with batch, so each kernel is best at its own
      frontier, and each kernel fails from a different batch (one never does); the best,
      kernel=k_split batch=256 workers=3, 1.2 % ahead of the next kernel's frontier;
   5: one long axis of 200 values: chunk 1..200, a shallow bowl centred at 137 with a 0.2 %
      ripple (period 9 cells) that moves the best to chunk=140; 27 cells within 1 %. */
static bt_results *make_final18(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax4[] = {"batch", "workers", "threads", "prefetch"};
    static const char *const ax3[] = {"batch", "prefetch"};
    static const char *const axk[] = {"kernel", "batch", "workers"};
    static const char *const ax1[] = {"chunk"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 1 ? 4 : kind == 4 ? 3 : kind == 5 ? 1 : 2,
                                      kind == 1 ? ax4 : kind == 3 ? ax3 : kind == 4 ? axk : kind == 5 ? ax1 : ax2, 1, mets);
    int i, j, k, l, v;
    char a[4][16];
    const char *ax[4] = {a[0], a[1], a[2], a[3]};
    if (kind == 1) {
        static const int B[5] = {16, 32, 64, 128, 256}, W[5] = {1, 2, 3, 4, 6}, T[5] = {1, 2, 4, 8, 16}, P[5] = {1, 2, 3, 4, 6};
        for (i = 0; i < 5; i++) for (j = 0; j < 5; j++) for (k = 0; k < 5; k++) for (l = 0; l < 5; l++) {
            double m = 0.03 * (1 + 0.03 * (i - 2.6) * (i - 2.6)) * (1 + 0.025 * (j - 2.3) * (j - 2.3)) * (1 + 0.02 * (k - 1.4) * (k - 1.4)) *
                       (1 + 0.015 * (l - 2.8) * (l - 2.8)) * (1 + 0.005 * (i - 2.6) * (k - 1.4));
            snprintf(a[0], sizeof a[0], "%d", B[i]); snprintf(a[1], sizeof a[1], "%d", W[j]);
            snprintf(a[2], sizeof a[2], "%d", T[k]); snprintf(a[3], sizeof a[3], "%d", P[l]);
            bt_results_add(r, "bowl_4d", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 4) {
        static const char *const kn[4] = {"k_tiled", "k_stream", "k_fused", "k_split"};
        static const double kf[4] = {1.0, 1.06, 0.9, 0.97};
        static const int first_oom[4] = {9, 99, 6, 8}; /* batch index from which the kernel fails */
        for (k = 0; k < 4; k++) for (i = 0; i < 10; i++) for (j = 0; j < 4; j++) {
            double bs = (double)(2 << i), m = 0.02 * kf[k] * (1 + 8 / bs) * (1 + 0.01 * (j + 1 - 2.6) * (j + 1 - 2.6));
            bt_cell_status st = i >= first_oom[k] ? BT_CELL_OOM : BT_CELL_OK;
            if (st != BT_CELL_OK) m = NAN;
            snprintf(a[0], sizeof a[0], "%s", kn[k]); snprintf(a[1], sizeof a[1], "%d", 2 << i); snprintf(a[2], sizeof a[2], "%d", j + 1);
            bt_results_add(r, "kernel_frontiers", "synthetic", ax, st, st == BT_CELL_OK ? "" : "out of device memory", 5, 0, &m);
        }
        return r;
    }
    if (kind == 5) {
        for (i = 1; i <= 200; i++) {
            double m = 0.01 * (1 + 0.00006 * (i - 137) * (i - 137) + 0.001 * sin(0.7 * i));
            snprintf(a[0], sizeof a[0], "%d", i);
            bt_results_add(r, "long_axis", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    for (v = 0; v < (kind == 2 ? 3 : 1); v++) {
        static const double ci[3] = {0.5, 6.0, 3.0}, cj[3] = {0.5, 1.0, 6.0}, sc[3] = {0.01, 0.03, 0.02}, ai[3] = {0.02, 0.03, 0.025}, aj[3] = {0.03, 0.02, 0.02};
        static const char *const wln[3] = {"wl_small", "wl_large", "wl_mid"};
        int ni = kind == 0 ? 8 : kind == 2 ? 7 : 11, nj = kind == 0 ? 8 : kind == 2 ? 7 : 8;
        for (i = 0; i < ni; i++) for (j = 0; j < nj; j++) {
            double m;
            bt_cell_status st = BT_CELL_OK;
            int bs = kind == 2 ? 4 << i : 2 << i;
            if (kind == 0) {
                int w = j + 1;
                m = 0.02 * (1 + 0.02 * (i - 3.8) * (i - 3.8)) * (w < 4 ? 1.0175 + 0.01 * (w - 2.5) * (w - 2.5) - 0.0025 : 1 + 0.012 * (w - 6) * (w - 6));
                if (w == 4) st = BT_CELL_ERROR;
            } else if (kind == 2) m = sc[v] * (1 + ai[v] * (i - ci[v]) * (i - ci[v]) + aj[v] * (j - cj[v]) * (j - cj[v]));
            else m = 0.02 * (1 + 0.04 * (i - 6.3) * (i - 6.3)) * (1 - 0.002 * j);
            if (st != BT_CELL_OK) m = NAN;
            snprintf(a[0], sizeof a[0], "%d", bs);
            snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, kind == 2 ? wln[v] : kind == 0 ? "failed_wall" : "strong_weak", "synthetic", ax, st, st == BT_CELL_OK ? "" : "loader deadlock", 5, 0, &m);
        }
    }
    return r;
}
/* Nineteenth final test set (make_final19, seeds 2001-2005): written on 2026-12-02 after the
   eighteenth round, BEFORE any change of the nineteenth round, and committed on its own
   (fb106b4, skipped by the bench until the freeze); run once with the nineteenth round's
   strategy frozen (424ba2d); --no-final19 skips it. Six kinds that differ from every set above:
   0: sizes named, not numbered: preset S, M, L, XL, XXL, 3XL (an ordered axis whose names sort
      in another order, so the library sees an unordered one) x workers 1..6; the best,
      preset=XL workers=4, its true neighbours XXL and L 1.2 and 2.0 % behind (only
      XL workers=3 within 1 %);
   1: an asymmetric knee: batch 2..2048 x workers 1..6; time falls steeply up to batch 128
      (latency-bound: 12 % per step) and rises slowly beyond (0.5 % per step); the best,
      batch=128 workers=3, batch=256 0.5 % behind (four cells within 1 %);
   2: a pathological cell: batch 2..256 x workers 1..6, a bowl whose best is batch=32
      workers=4 (batch=32 workers=5 0.9 % behind); the cell next to it, batch=64 workers=4,
      thrashes and takes 60x as long (it succeeds, it is not a failure, and every visit of it
      pays its time);
   3: a three-axis grid of 1000 cells: batch x workers x prefetch, ten values each, a smooth bowl
      with a batch x workers interaction and an interior best, batch=48 workers=4
      prefetch=7 (four cells within 1 %);
   4: a three-stage pipeline: batch 2..512 x workers 1..8 x prefetch 1..6, time per item the
      slowest of loader (falls with workers), compute (falls with batch) and transfer (grows
      with batch, falls with prefetch), plus 2 % of their sum: a vertex where loader and
      compute meet, the best batch=128 workers=5 prefetch=3, prefetch 2-6 within 0.1 % of it (transfer is not the bottleneck
      there), workers 4 or 6 about 2 % behind;
   5: a ring axis: start_core 0..11 on a ring of 12 cores (core 11 is next to core 0, which the
      numbers do not say) x batch 8..512; the basin wraps round the ring: the best,
      start_core=11 batch=64, its ring neighbour start_core=0 1.6 % behind (no other
      cell within 1 %). */
static bt_results *make_final19(int kind) {
    static const char *const axp[] = {"preset", "workers"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"batch", "workers", "prefetch"};
    static const char *const axr[] = {"start_core", "batch"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 3 || kind == 4 ? 3 : 2, kind == 0 ? axp : kind == 5 ? axr : kind == 3 || kind == 4 ? ax3 : ax2, 1, mets);
    int i, j, k;
    char a[3][16];
    const char *ax[3] = {a[0], a[1], a[2]};
    if (kind == 3) {
        static const int B[10] = {4, 8, 12, 16, 24, 32, 48, 64, 96, 128}, P[10] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 12};
        for (i = 0; i < 10; i++) for (j = 0; j < 10; j++) for (k = 0; k < 10; k++) {
            double m = 0.025 * (1 + 0.02 * (i - 5.7) * (i - 5.7)) * (1 + 0.012 * (j - 3.2) * (j - 3.2)) * (1 + 0.01 * (k - 6.4) * (k - 6.4)) *
                       (1 + 0.004 * (i - 5.7) * (j - 3.2));
            snprintf(a[0], sizeof a[0], "%d", B[i]); snprintf(a[1], sizeof a[1], "%d", j + 1); snprintf(a[2], sizeof a[2], "%d", P[k]);
            bt_results_add(r, "grid_1000", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 4) {
        for (i = 0; i < 9; i++) for (j = 0; j < 8; j++) for (k = 0; k < 6; k++) {
            double bs = (double)(2 << i), w = j + 1, p = k + 1;
            double ld = 0.6 / w + 0.025 * w, cp = 0.22 + 3.0 / bs, tr = 0.12 * (1 + 0.6 / p) + 0.008 * p + 0.0004 * bs;
            double mx = ld > cp ? ld : cp, m;
            if (tr > mx) mx = tr;
            m = 0.001 * bs * (mx + 0.02 * (ld + cp + tr));
            m /= bs / 64.0; /* time per 64 items, so every cell measures a comparable amount of work */
            snprintf(a[0], sizeof a[0], "%d", 2 << i); snprintf(a[1], sizeof a[1], "%d", j + 1); snprintf(a[2], sizeof a[2], "%d", k + 1);
            bt_results_add(r, "three_stage", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 0) {
        static const char *const pn[6] = {"S", "M", "L", "XL", "XXL", "3XL"};
        static const double pf[6] = {1.12, 1.06, 1.02, 1.0, 1.012, 1.05};
        for (i = 0; i < 6; i++) for (j = 0; j < 6; j++) {
            double m = 0.02 * pf[i] * (1 + 0.015 * (j + 1 - 3.8) * (j + 1 - 3.8));
            snprintf(a[0], sizeof a[0], "%s", pn[i]); snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, "named_sizes", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 5) {
        for (i = 0; i < 12; i++) for (j = 0; j < 7; j++) {
            double d = (i - 11.3) * 30.0 * 3.14159265358979 / 180.0, m;
            m = 0.02 * (1 + 0.3 * (1 - cos(d))) * (1 + 0.02 * (j - 3.2) * (j - 3.2));
            snprintf(a[0], sizeof a[0], "%d", i); snprintf(a[1], sizeof a[1], "%d", 8 << j);
            bt_results_add(r, "ring_axis", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    for (i = 0; i < (kind == 1 ? 11 : 8); i++) for (j = 0; j < 6; j++) {
        double m, w = j + 1;
        if (kind == 1) m = 0.02 * (i < 6 ? 1 + 0.12 * (6 - i) : 1 + 0.005 * (i - 6)) * (1 + 0.012 * (w - 3.1) * (w - 3.1));
        else {
            m = 0.02 * (1 + 0.025 * (i - 4.1) * (i - 4.1)) * (1 + 0.015 * (w - 4.2) * (w - 4.2));
            if (i == 5 && j == 3) m *= 60;
        }
        snprintf(a[0], sizeof a[0], "%d", 2 << i); snprintf(a[1], sizeof a[1], "%d", j + 1);
        bt_results_add(r, kind == 1 ? "knee" : "thrashing_cell", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
    }
    return r;
}
/* Twentieth final test set (make_final20, seeds 2101-2105): written on 2026-12-02 after the
   nineteenth round, BEFORE any change of the twentieth round, and committed on its own
   (251a856, skipped by the bench until the freeze); run once with the twentieth round's
   strategy frozen (ba611b4); --no-final20 skips it. Six kinds that differ from every set above:
   0: tile shapes written WxH: tile (nine names such as 64x32, an axis whose values carry two
      numbers, so the library sees text) x batch 8..256; smooth in W and H; the best,
      tile=64x32 batch=64, every other tile at least 1.3 % behind (batch=128 0.9 %);
   1: an island best: batch 2..256 x workers 1..8, a bowl whose best is batch=16 workers=2;
      one cell, batch=32 workers=6 (a hand-tuned path), is 1.7 % faster than that, and its
      four neighbours on the grid fail (rejected configurations); its diagonal neighbours run
      and sit on the bowl, 10-40 % behind;
   2: a switch that pays only at small batch: batch 2..1024 x workers 1..6 x graphs {off, on};
      graphs=on is 6 % faster at batch <= 8 (launch-bound) and 1 % slower elsewhere; the best,
      batch=8 workers=3 graphs=on, 2.6 % ahead of the best with graphs=off (batch=64);
   3: precision {fp32, fp16, bf16, int8} x layout {nchw, nhwc} x batch 8..512, two text axes
      and a numeric one; int8 fails (unsupported) from batch 128; the best, bf16 nhwc
      batch=256, int8 nhwc batch=64 1.3 % and fp16 nhwc batch=256 1.7 % behind;
   4: an unordered axis of 24 tactics x batch 16..512: each tactic has its own speed and its
      own best batch (32, 64, 128 or 256); the best, tactic_17 batch=64, the next tactic
      1.2 % behind;
   5: a swap region next to the best: batch 2..512 x workers 1..8, a bowl; the twelve cells
      with batch >= 128 and workers >= 5 over-commit host memory and run 8-17x slower (they
      succeed); the best, batch=64 workers=6, borders the region (batch=64 workers=5 0.24 %
      behind). */
static bt_results *make_final20(int kind) {
    static const char *const axt[] = {"tile", "batch"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const axg[] = {"batch", "workers", "graphs"};
    static const char *const axq[] = {"precision", "layout", "batch"};
    static const char *const axk[] = {"tactic", "batch"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 2 || kind == 3 ? 3 : 2,
                                      kind == 0 ? axt : kind == 2 ? axg : kind == 3 ? axq : kind == 4 ? axk : ax2, 1, mets);
    int i, j, k;
    char a[3][16];
    const char *ax[3] = {a[0], a[1], a[2]};
    if (kind == 0) {
        static const char *const tn[9] = {"32x32", "128x64", "16x16", "64x32", "32x64", "64x64", "128x32", "32x16", "16x32"};
        static const int tw[9] = {32, 128, 16, 64, 32, 64, 128, 32, 16}, th[9] = {32, 64, 16, 32, 64, 64, 32, 16, 32};
        for (k = 0; k < 9; k++) for (j = 0; j < 6; j++) {
            double lw = log2((double)tw[k]) - 5.8, lh = log2((double)th[k]) - 5.1;
            double m = 0.02 * (1 + 0.02 * lw * lw + 0.03 * lh * lh + 0.01 * lw * lh) * (1 + 0.015 * (j - 3.2) * (j - 3.2));
            snprintf(a[0], sizeof a[0], "%s", tn[k]); snprintf(a[1], sizeof a[1], "%d", 8 << j);
            bt_results_add(r, "tile_shapes", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 2) {
        for (i = 0; i < 10; i++) for (j = 0; j < 6; j++) for (k = 0; k < 2; k++) {
            double m = 0.02 * (1 + 0.004 * (i - 5) * (i - 5)) * (1 + 0.012 * (j + 1 - 3.3) * (j + 1 - 3.3)) * (k == 0 ? 1.0 : i <= 2 ? 0.94 : 1.01);
            snprintf(a[0], sizeof a[0], "%d", 2 << i); snprintf(a[1], sizeof a[1], "%d", j + 1); snprintf(a[2], sizeof a[2], "%s", k ? "on" : "off");
            bt_results_add(r, "graphs_switch", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 3) {
        static const char *const pn[4] = {"fp32", "fp16", "bf16", "int8"}, *const ln[2] = {"nchw", "nhwc"};
        static const double pf[4] = {1.0, 0.61, 0.60, 0.6078};
        for (k = 0; k < 4; k++) for (j = 0; j < 2; j++) for (i = 0; i < 7; i++) {
            double m = 0.05 * pf[k] * (j == 0 ? 1.0 : k == 0 ? 1.02 : 0.93) * (1 + 0.03 * (i - (k == 3 ? 3 : 5)) * (i - (k == 3 ? 3 : 5)));
            bt_cell_status st = k == 3 && i >= 4 ? BT_CELL_ERROR : BT_CELL_OK;
            if (st != BT_CELL_OK) m = NAN;
            snprintf(a[0], sizeof a[0], "%s", pn[k]); snprintf(a[1], sizeof a[1], "%s", ln[j]); snprintf(a[2], sizeof a[2], "%d", 8 << i);
            bt_results_add(r, "precision_layout", "synthetic", ax, st, st == BT_CELL_OK ? "" : "unsupported (int8 kernel)", 5, 0, &m);
        }
        return r;
    }
    if (kind == 4) {
        static const double tf[24] = {1.06, 1.03, 1.09, 1.015, 1.11, 0.997, 1.04, 1.08, 1.02, 1.10, 1.05, 1.025,
                                      1.07, 1.035, 1.12, 1.045, 1.01, 0.985, 1.065, 1.03, 1.095, 1.055, 1.005, 1.075};
        for (k = 0; k < 24; k++) for (i = 0; i < 6; i++) {
            int pi = k % 4 + 1;
            double m = 0.01 * tf[k] * (1 + 0.02 * (i - pi) * (i - pi));
            snprintf(a[0], sizeof a[0], "tactic_%02d", k); snprintf(a[1], sizeof a[1], "%d", 16 << i);
            bt_results_add(r, "tactics", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    for (i = 0; i < (kind == 1 ? 8 : 9); i++) for (j = 0; j < 8; j++) {
        double m, w = j + 1;
        bt_cell_status st = BT_CELL_OK;
        if (kind == 1) {
            m = 0.02 * (1 + 0.02 * (i - 2.7) * (i - 2.7)) * (1 + 0.012 * (w - 2.2) * (w - 2.2));
            if (i == 4 && j == 5) m = 0.02 * 0.985;
            if ((i == 4 && (j == 4 || j == 6)) || (j == 5 && (i == 3 || i == 5))) { st = BT_CELL_ERROR; m = NAN; }
        } else {
            m = 0.02 * (1 + 0.02 * (i - 5.2) * (i - 5.2)) * (1 + 0.012 * (w - 5.6) * (w - 5.6));
            if (i >= 6 && j >= 4) m *= 8 + 3 * (i - 6) + (j - 4);
        }
        snprintf(a[0], sizeof a[0], "%d", 2 << i); snprintf(a[1], sizeof a[1], "%d", j + 1);
        bt_results_add(r, kind == 1 ? "island_best" : "swap_region", "synthetic", ax, st, st == BT_CELL_OK ? "" : "rejected configuration", 5, 0, &m);
    }
    return r;
}
/* Twenty-first final test set (make_final21, seeds 2201-2205): written on 2026-12-02 after the
   twentieth round, BEFORE any change of the twenty-first round, and committed on its own
   (1e3a7fb, skipped by the bench until the freeze); run once with the twenty-first round's
   strategy frozen (3520d68); --no-final21 skips it. Six kinds that differ from every set above:
   0: six axes of three values each (729 cells: batch, workers, prefetch, threads,
      queue_depth, chunk), a bowl with two pairwise interactions; the best, batch=64 workers=8
      prefetch=2 threads=1 queue_depth=16 chunk=1024, the next cell 0.7 % behind;
   1: fast outliers on a runner-up (cache hits): every cell carries 10 recorded samples, 1 %
      Gaussian; the best, batch=32 workers=3; one cell, batch=64 workers=4, 2.5 % behind it by
      its clean time, has one sample in three 30 % fast, so its mean beats the best's while its
      median does not; judged by the noisy goal even at added noise 0;
   2: a three-way interaction: batch x workers x prefetch (6 x 6 x 5), a shallow bowl near the
      low corner (its best batch=32 workers=3 prefetch=2) times a term that pays only where all
      three are high; the best, batch=128 workers=5 prefetch=4, 2.8 % ahead of the bowl's best,
      and every cell one or two axis moves from the bowl's best is behind it;
   3: a failed diagonal band: batch x workers (9 x 8), the cells with 4 <= i + j <= 5 fail
      (launch failure); a local basin on the near side (batch=4 workers=2, 1.3 % behind), the
      best beyond the band, batch=128 workers=6;
   4: slow outliers on the best cell only (GC pauses): 10 recorded samples per cell, 1 %
      Gaussian, and two of the best cell's ten (batch=16 workers=4) are 3x slow; its median is
      still the best, 2 % ahead of the next;
      judged by the noisy goal even at added noise 0;
   5: a needle kernel: an unordered axis of 32 kernels x batch 16..512; 31 kernels within
      0.3 % of each other, one (k23) 3 % faster at every batch; the best, kernel=k23 batch=128. */
static bt_results *make_final21(int kind) {
    static const char *const ax6[] = {"batch", "workers", "prefetch", "threads", "queue_depth", "chunk"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"batch", "workers", "prefetch"};
    static const char *const axk[] = {"kernel", "batch"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 0 ? 6 : kind == 2 ? 3 : 2, kind == 0 ? ax6 : kind == 2 ? ax3 : kind == 5 ? axk : ax2, 1, mets);
    int i, j, k, q;
    uint64_t rs = 2121 + (uint64_t)kind;
    char a[6][16];
    const char *ax[6] = {a[0], a[1], a[2], a[3], a[4], a[5]};
    if (kind == 0) {
        static const int V[6][3] = {{32, 64, 128}, {2, 4, 8}, {1, 2, 4}, {1, 2, 4}, {4, 8, 16}, {256, 1024, 4096}};
        static const double c[6] = {0.03, 0.02, 0.015, 0.025, 0.012, 0.02}, b[6] = {1.2, 1.7, 0.9, 0.3, 1.8, 1.1};
        int x[6];
        for (q = 0; q < 729; q++) {
            double m = 0.02;
            int t = q;
            for (k = 5; k >= 0; k--) { x[k] = t % 3; t /= 3; }
            for (k = 0; k < 6; k++) m *= 1 + c[k] * (x[k] - b[k]) * (x[k] - b[k]);
            m *= (1 + 0.012 * (x[0] - 1) * (x[1] - 1)) * (1 + 0.01 * (x[2] - 1) * (x[5] - 1));
            for (k = 0; k < 6; k++) snprintf(a[k], sizeof a[k], "%d", V[k][x[k]]);
            bt_results_add(r, "six_axes", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 2) {
        for (i = 0; i < 6; i++) for (j = 0; j < 6; j++) for (k = 0; k < 5; k++) {
            /* s(): a smooth switch from 0 to 1 around 0.6 of each axis; the three-way term pays 18 % where all three are on */
            double sx = 1 / (1 + exp(-12 * (i / 5.0 - 0.6))), sy = 1 / (1 + exp(-12 * (j / 5.0 - 0.6))), sz = 1 / (1 + exp(-12 * (k / 4.0 - 0.6)));
            double ex = (i > 3.5 ? (i - 3.5) * (i - 3.5) : 0) * 0.02 + (j > 3.5 ? (j - 3.5) * (j - 3.5) : 0) * 0.02 + (k > 2.5 ? (k - 2.5) * (k - 2.5) : 0) * 0.03;
            double m = 0.02 * (1 + 0.006 * (i - 1.5) * (i - 1.5)) * (1 + 0.006 * (j - 1.5) * (j - 1.5)) * (1 + 0.006 * (k - 1) * (k - 1)) * (1 - 0.18 * sx * sy * sz) * (1 + ex);
            snprintf(a[0], sizeof a[0], "%d", 8 << i); snprintf(a[1], sizeof a[1], "%d", j + 1); snprintf(a[2], sizeof a[2], "%d", k + 1);
            bt_results_add(r, "three_way", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 5) {
        for (k = 0; k < 32; k++) for (i = 0; i < 6; i++) {
            double f = k == 23 ? 0.97 : 1 + 0.003 * hrand(&rs);
            double m = 0.01 * f * (1 + 0.02 * (i - 2.6) * (i - 2.6));
            snprintf(a[0], sizeof a[0], "k%02d", k); snprintf(a[1], sizeof a[1], "%d", 16 << i);
            bt_results_add(r, "needle_kernel", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 1 || kind == 4) {
        static const char *const sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
    }
    for (i = 0; i < (kind == 3 ? 9 : 8); i++) for (j = 0; j < (kind == 3 ? 8 : 6); j++) {
        double m;
        bt_cell_status st = BT_CELL_OK;
        if (kind == 3) {
            m = 0.02 * (1 + 0.015 * (i - 6.3) * (i - 6.3)) * (1 + 0.012 * (j - 5.2) * (j - 5.2));
            if (i + j <= 3) m = 0.02 * (1.015 + 0.01 * ((i - 1) * (i - 1) + (j - 1) * (j - 1)));
            if (i + j >= 4 && i + j <= 5) { st = BT_CELL_ERROR; m = NAN; }
        } else if (kind == 1) {
            m = 0.02 * (1 + 0.02 * (i - 4) * (i - 4)) * (1 + 0.015 * (j - 2) * (j - 2));
            if (i == 5 && j == 3) m = 0.02 * 1.025;
        } else {
            m = 0.02 * (1 + 0.025 * (i - 3) * (i - 3)) * (1 + 0.02 * (j - 3) * (j - 3));
        }
        snprintf(a[0], sizeof a[0], "%d", 2 << i); snprintf(a[1], sizeof a[1], "%d", j + 1);
        bt_results_add(r, kind == 1 ? "fast_outliers" : kind == 3 ? "failed_diagonal" : "slow_outliers_best", "synthetic", ax, st,
                       st == BT_CELL_OK ? "" : "launch failure", 5, 0, &m);
        if (kind == 1 || kind == 4) {
            bt_row *row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
            for (k = 0; k < 10; k++) {
                double u1 = hrand(&rs), u2 = hrand(&rs), s = m * (1 + 0.01 * sqrt(-2 * log(u1 > 1e-12 ? u1 : 1e-12)) * cos(6.283185307179586 * u2));
                if (kind == 1 && i == 5 && j == 3 && k % 3 == 1) s *= 0.7;
                if (kind == 4 && i == 3 && j == 3 && (k == 2 || k == 7)) s *= 3;
                bti_row_add_sample(r, row, k, &s);
            }
        }
    }
    return r;
}
/* Twenty-second final test set (make_final22, seeds 2301-2305): written on 2026-12-02 after the
   twenty-first round, BEFORE any change of the twenty-second round, and committed on its own
   (c1d3000, skipped by the bench until the freeze); run once with the twenty-second round's
   strategy frozen (31177d0); --no-final22 skips it. Six kinds that differ from every set above:
   0: a padded last batch: an epoch of 10000 items, batch 96..1024 in steps of 32 x workers 1..4;
      the last batch is padded to the full batch, so the time jumps with ceil(10000 / batch);
      the best, batch=480 workers=3, the next batch=480 workers=2 0.6 % behind, the next other
      batch (288) 1.2 % behind;
   1: a coarse timer: 10 recorded samples per cell, each the true time plus up to half a 1 ms
      tick, rounded to the tick (times of 7.6..16 ms); the best, batch=16 workers=4 (7.6 ms),
      5.3 % ahead of the next by its true time, but its samples' median often ties with the
      next's (8 ms); judged by the noisy goal even at added noise 0;
   2: kernel x batch x workers, 12 x 12 x 8 = 1152 cells; kernels gemm_v0..gemm_v11 (unordered),
      each a bowl with its own best batch; gemm_v7 3 % faster than most, its best at a larger
      batch than any other kernel's; the best, kernel=gemm_v7 batch=2048 workers=5;
   3: minutes per cell: a training step of 150..260 s; the best, batch=256 workers=7, the next
      0.3 % behind;
   4: a second, deeper dip: workers 1..16 x batch 16..512; times fall to workers=8, rise to
      workers=12 (+7 %), and fall again; the best, batch=128 workers=16, 1.5 % ahead of
      workers=8;
   5: an axis written with %g (1000 ... 500000, 1e+06, 2e+06, 5e+06) x workers 1..6; the best,
      chunk=1e+06 workers=4, the next 0.24 % behind. */
static bt_results *make_final22(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"kernel", "batch", "workers"};
    static const char *const axc[] = {"chunk", "workers"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *r = bt_results_create(kind == 2 ? 3 : 2, kind == 2 ? ax3 : kind == 5 ? axc : ax2, 1, mets);
    int i, j, k;
    uint64_t rs = 2222 + (uint64_t)kind;
    char a[3][16];
    const char *ax[3] = {a[0], a[1], a[2]};
    if (kind == 0) {
        /* an epoch of 10000 items; the last batch is padded to the full batch (fixed shapes) */
        for (i = 0; i < 30; i++) for (j = 0; j < 4; j++) {
            int b = 96 + 32 * i, nb = (10000 + b - 1) / b;
            double per = 0.00005 * (1 + 0.3 * (b / 1024.0) * (b / 1024.0));
            double m = nb * (0.002 + per * b) * (1 + 0.03 * (j - 1.6) * (j - 1.6));
            snprintf(a[0], sizeof a[0], "%d", b); snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, "padded_epoch", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 1) {
        static const char *const sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
        for (i = 0; i < 8; i++) for (j = 0; j < 6; j++) {
            double m = 0.0080 * (1 + 0.03 * (i - 4) * (i - 4)) * (1 + 0.025 * (j - 2) * (j - 2));
            bt_row *row;
            if (i == 3 && j == 3) m = 0.0076;
            snprintf(a[0], sizeof a[0], "%d", 2 << i); snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, "coarse_timer", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
            row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
            for (k = 0; k < 10; k++) {
                /* a 1 ms timer: each sample is the true time plus up to half a tick, rounded to the tick */
                double s = 0.001 * floor((m + 0.001 * (hrand(&rs) - 0.5)) / 0.001 + 0.5);
                bti_row_add_sample(r, row, k, &s);
            }
        }
        return r;
    }
    if (kind == 2) {
        for (k = 0; k < 12; k++) for (i = 0; i < 12; i++) for (j = 0; j < 8; j++) {
            double f = k == 7 ? 0.97 : k == 2 ? 0.985 : 1 + 0.04 * hrand(&rs);
            double bi = k == 7 ? 9.2 : 3 + (k * 7) % 5, wj = 3.3 + (k % 3);
            double m = 0.004 * f * (1 + 0.012 * (i - bi) * (i - bi)) * (1 + 0.015 * (j - wj) * (j - wj));
            snprintf(a[0], sizeof a[0], "gemm_v%d", k); snprintf(a[1], sizeof a[1], "%d", 4 << i); snprintf(a[2], sizeof a[2], "%d", j + 1);
            bt_results_add(r, "kernel_grid", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 3) {
        for (i = 0; i < 8; i++) for (j = 0; j < 8; j++) {
            double m = 150 * (1 + 0.02 * (i - 5.3) * (i - 5.3)) * (1 + 0.015 * (j - 6.4) * (j - 6.4));
            snprintf(a[0], sizeof a[0], "%d", 8 << i); snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, "train_step", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 4) {
        static const double wf[16] = {1.35, 1.2, 1.12, 1.07, 1.04, 1.02, 1.008, 1.0, 1.03, 1.05, 1.065, 1.07, 1.05, 1.025, 1.0, 0.985};
        for (i = 0; i < 6; i++) for (j = 0; j < 16; j++) {
            double m = 0.03 * wf[j] * (1 + 0.02 * (i - 3) * (i - 3));
            snprintf(a[0], sizeof a[0], "%d", 16 << i); snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, "smt_workers", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    {
        static const double cv[12] = {1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6};
        for (i = 0; i < 12; i++) for (j = 0; j < 6; j++) {
            double l = log10(cv[i]) - 6.05, m = 0.05 * (1 + 0.04 * l * l) * (1 + 0.02 * (j - 3.4) * (j - 3.4));
            snprintf(a[0], sizeof a[0], "%g", cv[i]); snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, "chunk_g", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
    }
    return r;
}
/* Twenty-third final test set (make_final23, seeds 2401-2405): written on 2026-12-03 after the
   twenty-second round, BEFORE any change of the twenty-third round, and committed on its own
   (00e8193, skipped by the bench until the freeze); run once with the twenty-third round's
   strategy frozen (aa9fcf1); --no-final23 skips it. Six kinds that differ from every set above:
   0: four text axes of three values (opt O2/O3/Os, layout aos/soa/aosoa, sched
      static/dynamic/guided, alloc malloc/pool/arena; 81 cells) with a two-way interaction: soa
      pays only with O3 (4 % faster there, 2 % slower elsewhere); the best O3 soa guided pool, the
      next (alloc=arena) 0.8 % behind;
   1: very noisy recorded samples: batch 2..256 x workers 1..6, 10 samples per cell at 20 %
      Gaussian; the best, batch=32 workers=3, 9 % ahead of the next; noisy goal at 0 too;
   2: an interrupted recording: batch 2..256 x workers 1..6, 10 samples per cell at 1 %, but the
      best cell (64x4, its neighbours 3 % behind) and its two batch neighbours kept only their
      first 2; noisy goal at 0 too;
   3: a load step during the recording: batch 2..256 x workers 1..6, 10 samples per cell at
      0.5 %, the cells at batch >= 32 (recorded last) read 4 % slow; the true best, batch=64
      workers=4, 2.4 % ahead of the best at batch <= 16 (16x4), which the recording ranks
      first; noisy goal at 0 too;
   4: text values with spaces and symbols: precision {"fp32", "fp16 + tf32", "bf16 (fast)",
      "int8/fp16 mix", "fp8-e4m3"} x batch 8..1024; the best "bf16 (fast)" at batch 128, the
      next precision ("int8/fp16 mix") 1.2 % behind;
   5: a workload whose samples are all identical (a timer that returns a cached value) beside one
      at 3 % Gaussian: batch 4..512 x workers 1..6, two workloads with different best cells; the
      best by mean regret, batch=64 workers=3, the next 2.3 % behind. */
static double f23_gauss(uint64_t *rs) {
    double u = hrand(rs), v = hrand(rs);
    return sqrt(-2 * log(u > 1e-300 ? u : 1e-300)) * cos(6.283185307179586 * v);
}
static bt_results *make_final23(int kind) {
    static const char *const ax4[] = {"opt", "layout", "sched", "alloc"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const axp[] = {"precision", "batch"};
    static const char *const mets[] = {"e2e_s_median"};
    static const char *const sc[] = {"e2e_s"};
    bt_results *r = bt_results_create(kind == 0 ? 4 : 2, kind == 0 ? ax4 : kind == 4 ? axp : ax2, 1, mets);
    int i, j, k, l, n;
    uint64_t rs = 2323 + (uint64_t)kind;
    char a[4][24];
    const char *ax[4] = {a[0], a[1], a[2], a[3]};
    if (kind == 0) {
        static const char *const o[] = {"O2", "O3", "Os"}, *const ly[] = {"aos", "soa", "aosoa"};
        static const char *const sh[] = {"static", "dynamic", "guided"}, *const al[] = {"malloc", "pool", "arena"};
        static const double fo[] = {1.02, 1.0, 1.05}, fs[] = {1.015, 1.01, 1.0}, fa[] = {1.03, 1.0, 1.008};
        for (i = 0; i < 3; i++) for (j = 0; j < 3; j++) for (k = 0; k < 3; k++) for (l = 0; l < 3; l++) {
            double fl = j == 1 ? (i == 1 ? 0.96 : 1.02) : j == 2 ? 0.99 : 1.0;
            double m = 0.02 * fo[i] * fl * fs[k] * fa[l];
            snprintf(a[0], sizeof a[0], "%s", o[i]); snprintf(a[1], sizeof a[1], "%s", ly[j]);
            snprintf(a[2], sizeof a[2], "%s", sh[k]); snprintf(a[3], sizeof a[3], "%s", al[l]);
            bt_results_add(r, "build_opts", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 4) {
        static const char *const pr[] = {"fp32", "fp16 + tf32", "bf16 (fast)", "int8/fp16 mix", "fp8-e4m3"};
        static const double fp[] = {1.6, 1.08, 1.0, 1.012, 1.03};
        for (i = 0; i < 5; i++) for (j = 0; j < 8; j++) {
            double m = 0.01 * fp[i] * (1 + 0.03 * (j - 4) * (j - 4));
            snprintf(a[0], sizeof a[0], "%s", pr[i]); snprintf(a[1], sizeof a[1], "%d", 8 << j);
            bt_results_add(r, "precisions", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    bti_results_set_scols(r, 1, sc);
    for (n = 0; n < (kind == 5 ? 2 : 1); n++)
        for (i = 0; i < 8; i++) for (j = 0; j < 6; j++) {
            double m, sd = 0.01, step = 1.0;
            int ns = 10;
            bt_row *row;
            if (kind == 1) {
                m = 0.01 * (1 + 0.03 * (i - 4) * (i - 4)) * (1 + 0.04 * (j - 2) * (j - 2));
                if (i == 4 && j == 2) m = 0.01 / 1.06;
                sd = 0.20;
                snprintf(a[0], sizeof a[0], "%d", 2 << i);
            } else if (kind == 2) {
                m = 0.01 * (1 + 0.03 * (i - 5) * (i - 5)) * (1 + 0.03 * (j - 3) * (j - 3));
                if (j == 3 && i >= 4 && i <= 6) ns = 2;
                snprintf(a[0], sizeof a[0], "%d", 2 << i);
            } else if (kind == 3) {
                m = 0.01 * (1 + 0.006 * (i - 5) * (i - 5)) * (1 + 0.03 * (j - 3) * (j - 3));
                sd = 0.005;
                if (i >= 4) step = 1.04;
                snprintf(a[0], sizeof a[0], "%d", 2 << i);
            } else {
                /* two workloads: "cached" (identical samples), "jittery" (3 %) */
                m = n == 0 ? 0.01 * (1 + 0.04 * (i - 4) * (i - 4)) * (1 + 0.05 * (j - 2) * (j - 2))
                           : 0.03 * (1 + 0.03 * (i - 3.6) * (i - 3.6)) * (1 + 0.04 * (j - 2.4) * (j - 2.4));
                sd = n == 0 ? 0 : 0.03;
                snprintf(a[0], sizeof a[0], "%d", 4 << i);
            }
            snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, kind == 5 ? (n == 0 ? "cached" : "jittery") : kind == 1 ? "noisy_rec" : kind == 2 ? "interrupted" : "load_step",
                           "synthetic", ax, BT_CELL_OK, "", ns, 0, &m);
            row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
            for (k = 0; k < ns; k++) {
                double x = m * step * (1 + sd * f23_gauss(&rs));
                if (x < 0.2 * m) x = 0.2 * m;
                bti_row_add_sample(r, row, k, &x);
            }
        }
    return r;
}
/* Twenty-fourth final test set (make_final24, seeds 2501-2505): written on 2026-12-03 during the
   twenty-third round by the coordinator, BEFORE any change of the twenty-fourth round, and
   committed on its own (4d93941, skipped by the bench until the freeze); run once with the
   twenty-fourth round's strategy frozen (1e7b122); --no-final24 skips it. Six kinds that differ from
   every set above:
   0: sub-microsecond cells (a kernel launch): block 32..1024 x unroll 1..6, times 150-400 ns;
      the best block=256 unroll=4, the next 0.5 % behind;
   1: unequal recorded sample counts: batch 2..256 x workers 1..6, 2 % Gaussian, each cell 3..30
      samples (as after runs cut by a time limit); the best, batch=32 workers=4, 3.5 % ahead of
      the next, kept 3, its neighbours 30; noisy goal at 0 too;
   2: a single axis of four values (batch 64, 128, 256, 512): the best 256, 128 2 % behind;
   3: a page-fault storm: batch 2..256 x workers 1..6, 12 samples per cell at 0.5 % Gaussian,
      each sample 100x slow with probability 1/12; the best, batch=32 workers=3, 2.3 % ahead;
      noisy goal at 0 too;
   4: a fine batch axis: batch 1..96 in steps of 1 x workers 1..3 (288 cells), a smooth bowl
      with its best at batch=57 workers=2 and a 0.3 % ripple of period 5 on batch;
   5: two workloads that disagree on a text axis: precision {fp32, tf32, fp16, bf16} x batch
      8..512; "vision" is best at fp16 (bf16 2 % behind), "speech" at bf16 (fp16 4 % behind),
      their best batches 64 and 256; the best by mean regret bf16 at batch=128. */
static bt_results *make_final24(int kind) {
    static const char *const axk[] = {"block", "unroll"};
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax1[] = {"batch"};
    static const char *const axp[] = {"precision", "batch"};
    static const char *const mets[] = {"e2e_s_median"};
    static const char *const sc[] = {"e2e_s"};
    bt_results *r = bt_results_create(kind == 2 ? 1 : 2, kind == 0 ? axk : kind == 2 ? ax1 : kind == 5 ? axp : ax2, 1, mets);
    int i, j, k, n;
    uint64_t rs = 2424 + (uint64_t)kind;
    char a[2][24];
    const char *ax[2] = {a[0], a[1]};
    if (kind == 0) {
        for (i = 0; i < 6; i++) for (j = 0; j < 6; j++) {
            double m = 1.5e-7 * (1 + 0.05 * (i - 3) * (i - 3)) * (1 + 0.005 * (j - 3) * (j - 3) + 0.002 * (j < 3 ? 3 - j : 0));
            snprintf(a[0], sizeof a[0], "%d", 32 << i); snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, "launch", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 2) {
        static const double f[4] = {1.07, 1.02, 1.0, 1.05};
        for (i = 0; i < 4; i++) {
            double m = 0.05 * f[i];
            snprintf(a[0], sizeof a[0], "%d", 64 << i);
            bt_results_add(r, "one_axis", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 4) {
        for (i = 1; i <= 96; i++) for (j = 0; j < 3; j++) {
            double x = (i - 57) / 20.0;
            double m = 0.02 * (1 + 0.06 * x * x + 0.0015 * (1 - cos(6.283185307179586 * (i - 57) / 5.0))) * (1 + 0.02 * (j - 1) * (j - 1));
            snprintf(a[0], sizeof a[0], "%d", i); snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, "fine_batch", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 5) {
        static const char *const pr[4] = {"fp32", "tf32", "fp16", "bf16"};
        static const double fv[4] = {1.5, 1.15, 1.0, 1.02}, fs[4] = {1.45, 1.12, 1.04, 1.0};
        for (n = 0; n < 2; n++) for (i = 0; i < 4; i++) for (j = 0; j < 7; j++) {
            double bb = n == 0 ? 3 : 5, m = (n == 0 ? 0.01 * fv[i] : 0.04 * fs[i]) * (1 + 0.03 * (j - bb) * (j - bb));
            snprintf(a[0], sizeof a[0], "%s", pr[i]); snprintf(a[1], sizeof a[1], "%d", 8 << j);
            bt_results_add(r, n == 0 ? "vision" : "speech", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    bti_results_set_scols(r, 1, sc);
    for (i = 0; i < 8; i++) for (j = 0; j < 6; j++) {
        double m, sd;
        int ns;
        bt_row *row;
        if (kind == 1) {
            m = 0.01 * (1 + 0.01 * (i - 4) * (i - 4)) * (1 + 0.012 * (j - 3) * (j - 3));
            if (i == 4 && j == 3) m = 0.01 / 1.025;
            sd = 0.02;
            ns = (i == 4 && j == 3) ? 3 : (abs(i - 4) + abs(j - 3) == 1) ? 30 : 3 + (int)(28 * hrand(&rs));
        } else {
            m = 0.01 * (1 + 0.01 * (i - 4) * (i - 4)) * (1 + 0.008 * (j - 2) * (j - 2));
            if (i == 4 && j == 2) m = 0.01 / 1.015;
            sd = 0.005;
            ns = 12;
        }
        snprintf(a[0], sizeof a[0], "%d", 2 << i); snprintf(a[1], sizeof a[1], "%d", j + 1);
        bt_results_add(r, kind == 1 ? "uneven_counts" : "fault_storm", "synthetic", ax, BT_CELL_OK, "", ns, 0, &m);
        row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
        for (k = 0; k < ns; k++) {
            double x = m * (1 + sd * f23_gauss(&rs));
            if (kind == 3 && hrand(&rs) < 1.0 / 12) x *= 100;
            bti_row_add_sample(r, row, k, &x);
        }
    }
    return r;
}
/* Twenty-fifth final test set (make_final25, seeds 2601-2605): written on 2026-12-03 during the
   twenty-fourth round by the coordinator, BEFORE any change of the twenty-fifth round, and
   committed on its own (5bbdb50, skipped by the bench until the freeze); run once with the
   twenty-fifth round's strategy frozen (cbfeeb6); --no-final25 skips it. Six kinds that differ from
   every set above:
   0: a 660x range of cell times: batch 1..512 x workers 1..8, time falls as 1/batch until a
      compute term takes over and a loader term falls with workers (batch=1 workers=1 is 660x the
      best); the best batch=128 workers=6, workers=7 1 % behind;
   1: thirty-two workloads, each best at its own batch (8..1024) and workers (1..6), on the same
      8 x 6 grid; the best by mean regret is a compromise no workload prefers;
   2: a knob that changes the noise more than the time: pin {0, 1} x batch 2..256 x workers 1..6,
      10 recorded samples per cell, pin=0 at 8 % Gaussian and 0.5 % slower than pin=1 (1 %); the
      best pin=1 batch=32 workers=3, its neighbours 1.5 % behind; noisy goal at 0 too;
   3: a timer that sometimes reads zero: batch 1..128 x threads 1..4, cells of 4-5 us, 8 recorded
      samples each at 2 % Gaussian, each sample 0 with probability 1/6 (a clock delta under its
      resolution); the best batch=16 threads=2, 2 % ahead; noisy goal at 0 too;
   4: a plus-shaped valley: batch 2..512 x workers 1..9, two narrow valleys crossing at
      batch=32 workers=5, which is the best; along either valley the cells are 0.5 % behind per
      step, off them 4 % and more;
   5: ten on/off axes (1024 cells): four help (1-3 %), four hurt (1-5 %), two help alone (1 % and
      1.5 %) but cost 4 % together; the best has the four helpers and the better of the pair on,
      the other one of the pair instead 0.5 % behind. */
static bt_results *make_final25(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const axt[] = {"batch", "threads"};
    static const char *const axp[] = {"pin", "batch", "workers"};
    static const char *const axf[] = {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"};
    static const char *const mets[] = {"e2e_s_median"};
    static const char *const sc[] = {"e2e_s"};
    bt_results *r = bt_results_create(kind == 5 ? 10 : kind == 2 ? 3 : 2, kind == 5 ? axf : kind == 2 ? axp : kind == 3 ? axt : ax2, 1, mets);
    int i, j, k, n;
    uint64_t rs = 2525 + (uint64_t)kind;
    char a[10][24];
    const char *ax[10];
    for (i = 0; i < 10; i++) ax[i] = a[i];
    if (kind == 0) {
        for (i = 0; i < 10; i++) for (j = 1; j <= 8; j++) {
            double b = (double)(1 << i), fw = pow(j < 6 ? 6.0 / j : 1.0, 1.3) * (1 + 0.01 * (j - 6) * (j - 6));
            double m = 0.01 * (0.5 * 128 / b + 0.5 * pow(b / 128, 1.5)) * fw;
            snprintf(a[0], sizeof a[0], "%d", 1 << i); snprintf(a[1], sizeof a[1], "%d", j);
            bt_results_add(r, "range", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 1) {
        for (n = 0; n < 32; n++) {
            char wl[16];
            double bi = (n * 5) % 8, wj = (n * 7) % 6, sc0 = 0.01 * (1 + (n % 4));
            snprintf(wl, sizeof wl, "model%02d", n);
            for (i = 0; i < 8; i++) for (j = 0; j < 6; j++) {
                double m = sc0 * (1 + 0.02 * (i - bi) * (i - bi)) * (1 + 0.03 * (j - wj) * (j - wj));
                snprintf(a[0], sizeof a[0], "%d", 8 << i); snprintf(a[1], sizeof a[1], "%d", j + 1);
                bt_results_add(r, wl, "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
            }
        }
        return r;
    }
    if (kind == 4) {
        for (i = 0; i < 9; i++) for (j = 0; j < 9; j++) {
            int di = abs(i - 4), dj = abs(j - 4);
            double m = 0.01 * (1 + 0.04 * (di < dj ? di : dj) + 0.005 * (di + dj));
            snprintf(a[0], sizeof a[0], "%d", 2 << i); snprintf(a[1], sizeof a[1], "%d", j + 1);
            bt_results_add(r, "plus", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 5) {
        static const double fe[10] = {0.98, 1.03, 0.99, 0.99, 1.01, 0.97, 1.05, 0.985, 1.02, 0.985};
        for (i = 0; i < 1024; i++) {
            double m = 0.02;
            for (k = 0; k < 10; k++) {
                snprintf(a[k], sizeof a[k], "%d", i >> k & 1);
                if (i >> k & 1) m *= fe[k];
            }
            if ((i >> 3 & 1) && (i >> 7 & 1)) m *= 1.04 / (0.99 * 0.985);
            bt_results_add(r, "flags", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    bti_results_set_scols(r, 1, sc);
    for (n = 0; n < (kind == 2 ? 2 : 1); n++)
        for (i = 0; i < 8; i++) for (j = 0; j < (kind == 2 ? 6 : 4); j++) {
            double m, sd;
            int ns = kind == 2 ? 10 : 8;
            bt_row *row;
            if (kind == 2) {
                m = 0.01 * (1 + 0.015 * (i - 4) * (i - 4)) * (1 + 0.015 * (j - 2) * (j - 2)) * (n == 0 ? 1.005 : 1.0);
                sd = n == 0 ? 0.08 : 0.01;
                snprintf(a[0], sizeof a[0], "%d", n); snprintf(a[1], sizeof a[1], "%d", 2 << i); snprintf(a[2], sizeof a[2], "%d", j + 1);
            } else {
                m = 4e-6 * (1 + 0.01 * (i - 4) * (i - 4)) * (1 + 0.01 * (j - 1) * (j - 1));
                if (i == 4 && j == 1) m = 4e-6 / 1.01;
                sd = 0.02;
                snprintf(a[0], sizeof a[0], "%d", 1 << i); snprintf(a[1], sizeof a[1], "%d", j + 1);
            }
            bt_results_add(r, kind == 2 ? "pinning" : "zero_reads", "synthetic", ax, BT_CELL_OK, "", ns, 0, &m);
            row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
            for (k = 0; k < ns; k++) {
                double x = m * (1 + sd * f23_gauss(&rs));
                if (x < 0.2 * m) x = 0.2 * m;
                if (kind == 3 && hrand(&rs) < 1.0 / 6) x = 0;
                bti_row_add_sample(r, row, k, &x);
            }
        }
    return r;
}
/* Twenty-sixth final test set (make_final26, seeds 2701-2705): written on 2026-12-03 during the
   twenty-fifth round by the coordinator, BEFORE any change of the twenty-sixth round, and
   committed on its own (e962266, skipped by the bench until the freeze); run once with the
   twenty-sixth round's strategy frozen (2a2f5b8); --no-final26 skips it. Six kinds that differ from
   every set above:
   0: alternating samples (an interference of period two): batch 2..256 x workers 1..4, 8
      recorded samples per cell alternating 5 % above and below the cell's time, plus 1 %
      Gaussian; the best batch=32 workers=2, its neighbours 1.5 % behind; noisy goal at 0 too;
   1: a sea of slow cells around a fast band: batch 1..1024 x workers 1..8, the cells with
      batch = 2^(workers+1) are fast, 1 % behind per step from the best batch=32 workers=4, every
      other cell 8x slower (they make most of the exhaustive cost);
   2: a saturating axis: batch 8..512 x workers 1..16, the time falls as 1/workers up to 6 and
      rises 0.4 % per worker beyond; the best batch=64 workers=6;
   3: the best in the middle of a face: batch 16..512 x workers 1..6 x prefetch 1..6 (216 cells),
      time falls with batch to the largest and has a bowl in workers x prefetch centred at
      workers=3 prefetch=4, so the best is batch=512 workers=3 prefetch=4;
   4: one recorded sample per cell (no spread): batch 1..128 x workers 1..6, one sample each,
      the best batch=16 workers=3, its neighbours 1 % behind; noisy goal at 0 too;
   5: a mixed-radix batch axis 1, 2, 3, 4, 6, 8, ..., 96, 128 x workers 1..4: the values 3 x 2^k
      fill a tile better; the best batch=24 workers=2, 12 and 48 1 % behind, its neighbours on
      the axis, 32 and 16, 1.37 and 1.55 %. */
static bt_results *make_final26(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax3[] = {"batch", "workers", "prefetch"};
    static const char *const mets[] = {"e2e_s_median"};
    static const char *const sc[] = {"e2e_s"};
    static const int mixed[] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128};
    bt_results *r = bt_results_create(kind == 3 ? 3 : 2, kind == 3 ? ax3 : ax2, 1, mets);
    int i, j, k;
    uint64_t rs = 2626 + (uint64_t)kind;
    char a[3][24];
    const char *ax[3];
    for (i = 0; i < 3; i++) ax[i] = a[i];
    if (kind == 1) {
        for (i = 0; i <= 10; i++) for (j = 1; j <= 8; j++) {
            double m = i == j + 1 ? 0.01 * (1 + 0.01 * abs(j - 4)) : 0.08 * (1 + 0.01 * abs(i - 5) + 0.01 * abs(j - 4));
            snprintf(a[0], sizeof a[0], "%d", 1 << i); snprintf(a[1], sizeof a[1], "%d", j);
            bt_results_add(r, "band", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 2) {
        for (i = 0; i < 7; i++) for (j = 1; j <= 16; j++) {
            double m = 0.01 * (1 + 0.02 * (i - 3) * (i - 3)) * (6.0 / (j < 6 ? j : 6)) * (1 + 0.004 * (j > 6 ? j - 6 : 0));
            snprintf(a[0], sizeof a[0], "%d", 8 << i); snprintf(a[1], sizeof a[1], "%d", j);
            bt_results_add(r, "saturating", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 3) {
        for (i = 0; i < 6; i++) for (j = 1; j <= 6; j++) for (k = 1; k <= 6; k++) {
            double m = 0.01 * (1 + 0.03 * (5 - i)) * (1 + 0.01 * (j - 3) * (j - 3) + 0.008 * (k - 4) * (k - 4) + 0.004 * (j - 3) * (k - 4));
            snprintf(a[0], sizeof a[0], "%d", 16 << i); snprintf(a[1], sizeof a[1], "%d", j); snprintf(a[2], sizeof a[2], "%d", k);
            bt_results_add(r, "face", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 5) {
        for (i = 0; i < 14; i++) for (j = 1; j <= 4; j++) {
            int b = mixed[i], three = b % 3 == 0;
            double d = log2((double)b / 24), m = 0.01 * (1 + 0.01 * d * d) * (1 + 0.015 * (j - 2) * (j - 2)) * (three ? 1 : 1.012);
            snprintf(a[0], sizeof a[0], "%d", b); snprintf(a[1], sizeof a[1], "%d", j);
            bt_results_add(r, "mixed", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    bti_results_set_scols(r, 1, sc);
    for (i = 0; i < 8; i++) for (j = 0; j < (kind == 0 ? 4 : 6); j++) {
        double m;
        int ns = kind == 0 ? 8 : 1;
        bt_row *row;
        if (kind == 0) {
            m = 0.005 * (1 + 0.015 * (i - 4) * (i - 4)) * (1 + 0.015 * (j - 1) * (j - 1));
            snprintf(a[0], sizeof a[0], "%d", 2 << i);
        } else {
            m = 0.02 * (1 + 0.01 * (i - 4) * (i - 4)) * (1 + 0.01 * (j - 2) * (j - 2));
            snprintf(a[0], sizeof a[0], "%d", 1 << i);
        }
        snprintf(a[1], sizeof a[1], "%d", j + 1);
        bt_results_add(r, kind == 0 ? "alternating" : "one_sample", "synthetic", ax, BT_CELL_OK, "", ns, 0, &m);
        row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
        for (k = 0; k < ns; k++) {
            double x = kind == 0 ? m * (1 + (k % 2 ? -0.05 : 0.05) + 0.01 * f23_gauss(&rs)) : m;
            bti_row_add_sample(r, row, k, &x);
        }
    }
    return r;
}
/* Twenty-seventh final test set (make_final27, seeds 2801-2805): written on 2026-12-03 during the
   twenty-sixth round by the coordinator, BEFORE any change of the twenty-seventh round, and
   committed on its own (95e716f, skipped by the bench until the freeze); run once with the
   twenty-seventh round's strategy frozen (2a2f5b8); --no-final27 skips it. Six kinds that differ from
   every set above:
   0: load imbalance: batch 4..96 in steps of 4 x workers 1..12 (288 cells); a batch splits into
      ceil(batch / workers) items a worker, so a cell whose workers do not divide its batch pays
      for the idle ones (up to 2x); a bowl in log batch (best 48) and in workers (best 6) on top:
      the best batch=48 workers=6, the next batch=60 workers=6 1.6 % behind, batch=56 workers=7
      1.8 %, its batch neighbours 44 and 52 at workers=6 9 % and 4 %;
   1: an axis written in hex: tile 0x10..0x400 (text in the file) x workers 1..6, a bowl in log
      tile and workers; the best tile=0x100 workers=3, its tile neighbours 3 % behind, its
      workers neighbours 2 %;
   2: a conditional axis: batch 8..1024 x workers 1..8; below batch 64 the workers do not matter
      (a plateau 3.5-4.6 % behind the best), from 64 up they do (workers=1 24 % slow, 1.2 % a
      worker beyond 5); the best batch=256 workers=5, workers=6 1.2 % behind, batch 128 and 512
      at workers=5 3 %;
   3: fast outliers on every cell: batch 1..128 x workers 1..6, 8 recorded samples a cell at
      1 % Gaussian, each reading 30 % fast with probability 1/8 (a skipped batch); the best
      batch=16 workers=3, its neighbours 1.5 % behind; noisy goal at 0 too;
   4: an on/off axis that moves the optimum of the others: precision fp32, fp16 (listed in that
      order) x batch 16..1024 x workers 1..6 (84 cells); fp32's bowl is best at batch=32
      workers=5, fp16's at batch=512 workers=2, 0.8 % ahead of fp32's best and 30 % ahead of
      fp16 at batch=32 workers=5;
   5: a wide two-axis grid: batch 8..192 in steps of 8 x workers 1..24 (576 cells), a tilted
      bowl whose best is batch=144 workers=15; one step away costs 0.6-0.8 %. */
static bt_results *make_final27(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const axt[] = {"tile", "workers"};
    static const char *const ax3[] = {"precision", "batch", "workers"};
    static const char *const mets[] = {"e2e_s_median"};
    static const char *const sc[] = {"e2e_s"};
    bt_results *r = bt_results_create(kind == 4 ? 3 : 2, kind == 4 ? ax3 : kind == 1 ? axt : ax2, 1, mets);
    int i, j, k;
    uint64_t rs = 2727 + (uint64_t)kind;
    char a[3][24];
    const char *ax[3];
    for (i = 0; i < 3; i++) ax[i] = a[i];
    if (kind == 0) {
        for (i = 1; i <= 24; i++) for (j = 1; j <= 12; j++) {
            int b = 4 * i, per = (b + j - 1) / j;
            double lb = log2(b / 48.0), m = 0.004 * (1 + 0.15 * lb * lb) * (1 + 0.01 * (j - 6) * (j - 6)) * ((double)per * j / b);
            snprintf(a[0], sizeof a[0], "%d", b); snprintf(a[1], sizeof a[1], "%d", j);
            bt_results_add(r, "imbalance", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 1) {
        for (i = 4; i <= 10; i++) for (j = 1; j <= 6; j++) {
            double m = 0.002 * (1 + 0.03 * (i - 8) * (i - 8)) * (1 + 0.02 * (j - 3) * (j - 3));
            snprintf(a[0], sizeof a[0], "0x%x", 1 << i); snprintf(a[1], sizeof a[1], "%d", j);
            bt_results_add(r, "hex", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 2) {
        for (i = 3; i <= 10; i++) for (j = 1; j <= 8; j++) {
            double m;
            if (i < 6) m = 0.03 * 1.03 * (1 + 0.005 * (6 - i)) * (1 + 0.0002 * ((i * 7 + j * 3) % 5));
            else m = 0.03 * (1 + 0.03 * (i - 8) * (i - 8)) * (1 + 0.06 * (j < 5 ? 5 - j : 0) + 0.012 * (j > 5 ? j - 5 : 0));
            snprintf(a[0], sizeof a[0], "%d", 1 << i); snprintf(a[1], sizeof a[1], "%d", j);
            bt_results_add(r, "conditional", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 4) {
        for (k = 0; k < 2; k++) for (i = 4; i <= 10; i++) for (j = 1; j <= 6; j++) {
            double m = k == 0 ? 0.01 * 1.008 * (1 + 0.012 * (i - 5) * (i - 5)) * (1 + 0.01 * (j - 5) * (j - 5))
                              : 0.01 * (1 + 0.012 * (i - 9) * (i - 9)) * (1 + 0.01 * (j - 2) * (j - 2));
            snprintf(a[0], sizeof a[0], "%s", k == 0 ? "fp32" : "fp16"); snprintf(a[1], sizeof a[1], "%d", 1 << i); snprintf(a[2], sizeof a[2], "%d", j);
            bt_results_add(r, "moving", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 5) {
        for (i = 1; i <= 24; i++) for (j = 1; j <= 24; j++) {
            double di = i - 18, dj = j - 15, m = 0.008 * (1 + 0.008 * di * di + 0.006 * dj * dj + 0.004 * di * dj);
            snprintf(a[0], sizeof a[0], "%d", 8 * i); snprintf(a[1], sizeof a[1], "%d", j);
            bt_results_add(r, "wide", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    bti_results_set_scols(r, 1, sc);
    for (i = 0; i < 8; i++) for (j = 1; j <= 6; j++) {
        double m = 0.01 * (1 + 0.015 * (i - 4) * (i - 4)) * (1 + 0.015 * (j - 3) * (j - 3));
        bt_row *row;
        snprintf(a[0], sizeof a[0], "%d", 1 << i); snprintf(a[1], sizeof a[1], "%d", j);
        bt_results_add(r, "fast_outliers", "synthetic", ax, BT_CELL_OK, "", 8, 0, &m);
        row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
        for (k = 0; k < 8; k++) {
            double x = m * (1 + 0.01 * f23_gauss(&rs));
            if (f23_gauss(&rs) > 1.15) x *= 0.7;
            bti_row_add_sample(r, row, k, &x);
        }
    }
    return r;
}
/* Twenty-eighth final test set (make_final28, seeds 2901-2905): written on 2026-12-03 during the
   twenty-seventh round by the coordinator, BEFORE any change of the twenty-eighth round, and
   committed on its own (skipped by the bench unless --final28 is given, until the strategy is
   frozen). Six kinds that differ from every set above:
   0: zero-padded numbers: batch written 008..512 x workers written 01..12 (a C library that
      reads them with base 0 takes 010 for eight and rejects 08 and 09); a bowl whose best is
      batch=064 workers=09;
   1: a grid of 10 000 cells: batch 8..4096 (powers of two) x workers, threads and prefetch
      1..10, a bowl with one interaction (batch x threads); the best batch=256 workers=7
      threads=3 prefetch=6;
   2: common-mode noise: batch 1..256 x workers 1..8, 8 recorded samples a cell; the k-th sample
      of every cell shares one factor (the machine's state at that moment, 4 % spread) on top
      of 0.5 % of its own; the best batch=32 workers=5, its neighbours 1 % behind; noisy goal
      at 0 too;
   3: a serving surface with three effects at once: max_batch 8..1024 x kv_block 16..128 x
      streams 1..6; OOM where the batch's KV cache passes the memory (max_batch x kv_block >
      32768), tokens padded to whole tiles of 48, a bowl in kv_block (best 64), and streams
      that help up to 3 and contend beyond; the best max_batch=512 kv_block=64 streams=3 (on the
      frontier: 1024 x 64 fails), max_batch=1024 kv_block=32 2.4 % behind;
   4: a loader surface with three effects at once: batch 16..512 x workers 1..16 x pin
      {off, on}; time per item is the slower of loading (over the workers) and compute (falling
      with batch), workers beyond 8 share cores (8 % slower), pinned memory pays 6 % from batch
      64 up and costs 1 % below; the best batch=512 workers=8 pin=on, batch=256 1.25 % behind;
   5: a compile cost per cell at random: tile 8..256 x unroll 1..8 x block 64..1024 (240
      cells), 10-20 ms a cell's run, but each cell's recorded cost (`cell_s`, a kernel's build)
      drawn between 1 and 50 s, uncorrelated with its time; the best tile=64 unroll=4
      block=256. */
static bt_results *make_final28(int kind) {
    static const char *const ax2[] = {"batch", "workers"};
    static const char *const ax4[] = {"batch", "workers", "threads", "prefetch"};
    static const char *const axs[] = {"max_batch", "kv_block", "streams"};
    static const char *const axl[] = {"pin", "batch", "workers"};
    static const char *const axk[] = {"tile", "unroll", "block"};
    static const char *const mets1[] = {"e2e_s_median"};
    static const char *const mets2[] = {"e2e_s_median", "cell_s"};
    static const char *const sc[] = {"e2e_s"};
    bt_results *r = bt_results_create(kind == 1 ? 4 : kind >= 3 ? 3 : 2, kind == 1 ? ax4 : kind == 3 ? axs : kind == 4 ? axl : kind == 5 ? axk : ax2,
                                      kind == 5 ? 2 : 1, kind == 5 ? mets2 : mets1);
    int i, j, k, l;
    uint64_t rs = 2828 + (uint64_t)kind;
    char a[4][24];
    const char *ax[4];
    for (i = 0; i < 4; i++) ax[i] = a[i];
    if (kind == 0) {
        for (i = 3; i <= 9; i++) for (j = 1; j <= 12; j++) {
            double m = 0.01 * (1 + 0.03 * (i - 6) * (i - 6)) * (1 + 0.012 * (j - 9) * (j - 9));
            snprintf(a[0], sizeof a[0], "%03d", 1 << i); snprintf(a[1], sizeof a[1], "%02d", j);
            bt_results_add(r, "zero_padded", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 1) {
        for (i = 0; i < 10; i++) for (j = 1; j <= 10; j++) for (k = 1; k <= 10; k++) for (l = 1; l <= 10; l++) {
            double m = 0.05 * (1 + 0.02 * (i - 5) * (i - 5) + 0.01 * (j - 7) * (j - 7) + 0.015 * (k - 3) * (k - 3) + 0.008 * (l - 6) * (l - 6) +
                               0.006 * (i - 5) * (k - 3));
            snprintf(a[0], sizeof a[0], "%d", 8 << i); snprintf(a[1], sizeof a[1], "%d", j);
            snprintf(a[2], sizeof a[2], "%d", k); snprintf(a[3], sizeof a[3], "%d", l);
            bt_results_add(r, "grid_10k", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    if (kind == 2) {
        double c[8];
        for (k = 0; k < 8; k++) c[k] = 1 + 0.04 * f23_gauss(&rs);
        bti_results_set_scols(r, 1, sc);
        for (i = 0; i <= 8; i++) for (j = 1; j <= 8; j++) {
            double m = 0.02 * (1 + 0.01 * (i - 5) * (i - 5)) * (1 + 0.01 * (j - 5) * (j - 5));
            bt_row *row;
            snprintf(a[0], sizeof a[0], "%d", 1 << i); snprintf(a[1], sizeof a[1], "%d", j);
            bt_results_add(r, "common_mode", "synthetic", ax, BT_CELL_OK, "", 8, 0, &m);
            row = (bt_row *)bt_results_row(r, bt_results_num_rows(r) - 1);
            for (k = 0; k < 8; k++) {
                double x = m * c[k] * (1 + 0.005 * f23_gauss(&rs));
                bti_row_add_sample(r, row, k, &x);
            }
        }
        return r;
    }
    if (kind == 3) {
        for (i = 3; i <= 10; i++) for (j = 4; j <= 7; j++) for (k = 1; k <= 6; k++) {
            int b = 1 << i, kv = 1 << j;
            double tiles = ceil(b / 48.0) * 48.0 / b, m = 0.02 * tiles * (1 + 6.0 / b) * (1 + 0.03 * (j - 6) * (j - 6)) *
                                                        (k <= 3 ? 1 + 0.05 * (3 - k) : 1 + 0.03 * (k - 3));
            bt_cell_status st = (long)b * kv > 32768 ? BT_CELL_OOM : BT_CELL_OK;
            if (st != BT_CELL_OK) m = NAN;
            snprintf(a[0], sizeof a[0], "%d", b); snprintf(a[1], sizeof a[1], "%d", kv); snprintf(a[2], sizeof a[2], "%d", k);
            bt_results_add(r, "serving", "synthetic", ax, st, st == BT_CELL_OK ? "" : "out of device memory", 5, 0, &m);
        }
        return r;
    }
    if (kind == 4) {
        for (l = 0; l < 2; l++) for (i = 4; i <= 9; i++) for (j = 1; j <= 16; j++) {
            double b = (double)(1 << i), load = 0.008 / (j > 8 ? 8 + 0.5 * (j - 8) : j), comp = 0.0009 * (1 + 32 / b),
                   m = (load > comp ? load : comp) * (j > 8 ? 1.08 : 1.0) * (l ? (b >= 64 ? 0.94 : 1.01) : 1.0) * (1 + 0.002 * j);
            snprintf(a[0], sizeof a[0], "%s", l ? "on" : "off"); snprintf(a[1], sizeof a[1], "%d", 1 << i); snprintf(a[2], sizeof a[2], "%d", j);
            bt_results_add(r, "loader", "synthetic", ax, BT_CELL_OK, "", 5, 0, &m);
        }
        return r;
    }
    for (i = 3; i <= 8; i++) for (j = 1; j <= 8; j++) for (k = 0; k < 5; k++) {
        double m[2];
        m[0] = 0.01 * (1 + 0.05 * (i - 6) * (i - 6)) * (1 + 0.03 * (j - 4) * (j - 4)) * (1 + 0.04 * (k - 2) * (k - 2));
        m[1] = exp(log(50.0) * hrand(&rs)) + 5 * m[0]; /* 1..50 s, log-uniform */
        snprintf(a[0], sizeof a[0], "%d", 1 << i); snprintf(a[1], sizeof a[1], "%d", j); snprintf(a[2], sizeof a[2], "%d", 64 << k);
        bt_results_add(r, "compile_cost", "synthetic", ax, BT_CELL_OK, "", 5, 0, m);
    }
    return r;
}
static bt_results *load_study(const char *path) {
    static const char *const axes[] = {"batch", "workers"};
    static const char *const mets[] = {"e2e_s_median"};
    bt_results *in = NULL, *r;
    char err[512];
    size_t i;
    int mi;
    bt_read_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.objective = "mean_regret";
    if (bt_results_read_csv(path, &ro, &in, err, sizeof err) != BT_OK) { fprintf(stderr, "search_bench: %s (skipping the study surface)\n", err); return NULL; }
    mi = bt_results_metric_index(in, "mean_regret");
    r = bt_results_create(2, axes, 1, mets);
    for (i = 0; mi >= 0 && i < bt_results_num_rows(in); i++) {
        const bt_row *row = bt_results_row(in, i);
        /* the study's surface is a mean regret; as a time: 1 + mean regret, in 50 ms passes */
        double m = 0.05 * (1 + row->m[mi]);
        bt_results_add(r, "study", "study", (const char *const *)row->axis, BT_CELL_OK, "", 5, 0, &m);
    }
    bt_results_free(in);
    return r;
}
static double regret_of(const bt_results *truth, const char *pick) {
    /* the pick's regret on the truth: replay the truth with the exhaustive strategy is not
       needed; rank it once */
    bt_rank_desc rd;
    bt_ranking rk;
    double v = NAN;
    int e;
    memset(&rd, 0, sizeof rd);
    rd.bootstrap = -1; rd.direction = BT_LOWER_IS_BETTER;
    if (bt_rank(truth, &rd, &rk) != BT_OK) return NAN;
    for (e = 0; e < rk.nentries; e++) if (strcmp(rk.entries[e].label, pick) == 0) v = rk.entries[e].eligible ? rk.entries[e].mean_regret : NAN;
    if (rk.pick >= 0 && !isnan(v)) v -= rk.entries[rk.pick].mean_regret;
    bt_ranking_free(&rk);
    return v;
}

typedef struct row_out { double ad_mean, ad_max, ex_mean, cost_mean, cost_max, est_med, est_min, est_max; int stable, ok, by_tie, capped; char picks[256]; } row_out;

/* the file's own tie rule (bt_rank's bootstrap over the recorded samples, default 1000
   resamples, tie level 0.05: the rule every report uses to print "statistically tied") */
static int is_tied(const surf *s, const char *pick) {
    int k;
    for (k = 0; k < s->ntied; k++) if (strcmp(s->tied[k], pick) == 0) return 1;
    return 0;
}
static void find_ties(surf *s) {
    bt_rank_desc rd;
    bt_ranking rk;
    int e;
    memset(&rd, 0, sizeof rd);
    rd.direction = BT_LOWER_IS_BETTER;
    s->ntied = 0;
    if (bt_rank(s->r, &rd, &rk) != BT_OK) return;
    for (e = 0; e < rk.nentries && s->ntied < 32; e++)
        if (rk.entries[e].tied) snprintf(s->tied[s->ntied++], sizeof s->tied[0], "%s", rk.entries[e].label);
    bt_ranking_free(&rk);
}

static const char *g_only = NULL;  /* --only=SUBSTR: surfaces whose name holds it (development) */
static double g_noise = -1;        /* --noise=X: only this noise (development) */
static int g_why = 0;              /* --why: for each seed whose pick is off by > 0.5 %, the true best's last row */
static int g_dump = 0;             /* --dump: every row the adaptive search recorded, per seed */
static int g_final3 = 1;           /* --no-final3: skip the third final test set (it was not run before the strategy was frozen) */
static int g_final4 = 1;           /* --no-final4: skip the fourth final test set (it was not run before the strategy was frozen) */
static int g_final5 = 1;           /* --no-final5: skip the fifth final test set (it was not run before the strategy was frozen) */
static int g_final6 = 1;           /* --no-final6: skip the sixth final test set (it was not run before the strategy was frozen) */
static int g_final7 = 1;           /* --no-final7: skip the seventh final test set (it was not run before the strategy was frozen) */
static int g_final8 = 1;           /* --no-final8: skip the eighth final test set (it was not run before the strategy was frozen) */
static int g_final9 = 1;           /* --no-final9: skip the ninth final test set (it was not run before the strategy was frozen) */
static int g_final10 = 1;          /* --no-final10: skip the tenth final test set (it was not run before the strategy was frozen) */
static int g_final11 = 1;          /* --no-final11: skip the eleventh final test set (it was not run before the strategy was frozen) */
static int g_final12 = 1;          /* --no-final12: skip the twelfth final test set (it was not run before the strategy was frozen) */
static int g_final13 = 1;          /* --no-final13: skip the thirteenth final test set (it was not run before the strategy was frozen) */
static int g_final14 = 1;          /* --no-final14: skip the fourteenth final test set (it was not run before the strategy was frozen) */
static int g_final15 = 1;          /* --no-final15: skip the fifteenth final test set (it was not run before the strategy was frozen) */
static int g_final16 = 1;          /* --no-final16: skip the sixteenth final test set (it was not run before the strategy was frozen) */
static int g_final17 = 1;          /* --no-final17: skip the seventeenth final test set (it was not run before the strategy was frozen) */
static int g_final18 = 1;          /* --no-final18: skip the eighteenth final test set (it was not run before the strategy was frozen) */
static int g_final19 = 1;          /* --no-final19: skip the nineteenth final test set (it was not run before the strategy was frozen) */
static int g_final20 = 1;          /* --no-final20: skip the twentieth final test set (it was not run before the strategy was frozen) */
static int g_final21 = 1;          /* --no-final21: skip the twenty-first final test set (it was not run before the strategy was frozen) */
static int g_final23 = 1;          /* --no-final23: skip the twenty-third final test set (it was not run before the strategy was frozen) */
static int g_final24 = 1;          /* --no-final24: skip the twenty-fourth final test set (it was not run before the strategy was frozen) */
static int g_final25 = 1;          /* --no-final25: skip the twenty-fifth final test set (it was not run before the strategy was frozen) */
static int g_final26 = 1;          /* --no-final26: skip the twenty-sixth final test set (it was not run before the strategy was frozen) */
static int g_final27 = 1;          /* --no-final27: skip the twenty-seventh final test set (it was not run before the strategy was frozen) */
static int g_final28 = 0;          /* --final28: run the twenty-eighth final test set (off until the strategy is frozen) */
static int g_final22 = 1;          /* --no-final22: skip the twenty-second final test set (it was not run before the strategy was frozen) */
static int g_est = 0;              /* --est: per row, the cost model's estimate of the exhaustive cost over the truth (median, min, max over seeds) */
static int cmp_dbl(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
static int run_surface(const surf *s, double noise, row_out *o, int verbose) {
    int seed, k, goal;
    double adr[MAXSEEDS], exr[MAXSEEDS], cf[MAXSEEDS], er[MAXSEEDS];
    static char pk[MAXSEEDS][512], ex_pk[MAXSEEDS][512];
    memset(o, 0, sizeof *o);
    for (seed = 1; seed <= NSEEDS; seed++) {
        bt_replay_desc d;
        bt_replay_result ra, re;
        const char *mono[1];
        memset(&d, 0, sizeof d);
        mono[0] = s->mono;
        d.monotone = mono; d.num_monotone = s->mono ? 1 : 0;
        d.noise = noise; d.seed = (uint64_t)(s->seed0 + seed);
        d.strategy = BT_STRATEGY_ADAPTIVE;
        if (bt_replay(s->r, &d, &ra) != BT_OK) { fprintf(stderr, "%s: %s\n", s->name, ra.error); return 0; }
        d.strategy = BT_STRATEGY_EXHAUSTIVE;
        if (bt_replay(s->r, &d, &re) != BT_OK) { fprintf(stderr, "%s: %s\n", s->name, re.error); return 0; }
        adr[seed - 1] = regret_of(s->r, ra.pick);
        exr[seed - 1] = regret_of(s->r, re.pick);
        cf[seed - 1] = ra.cost_fraction;
        er[seed - 1] = ra.exhaustive_cost_s > 0 ? ra.exhaustive_estimate_s / ra.exhaustive_cost_s : NAN;
        o->capped += ra.budget_spent;
        snprintf(pk[seed - 1], sizeof pk[0], "%s", ra.pick);
        snprintf(ex_pk[seed - 1], sizeof ex_pk[0], "%s", re.pick);
        if (g_why && ra.results && adr[seed - 1] > 0.005) {
            /* why the true best was not picked: its last row in the search's results */
            char best[512];
            size_t q;
            const bt_row *last = NULL;
            bt_rank_desc rd;
            bt_ranking rk;
            memset(&rd, 0, sizeof rd);
            rd.bootstrap = -1; rd.direction = BT_LOWER_IS_BETTER;
            best[0] = 0;
            if (bt_rank(s->r, &rd, &rk) == BT_OK) { if (rk.pick >= 0) snprintf(best, sizeof best, "%s", rk.entries[rk.pick].label); bt_ranking_free(&rk); }
            for (q = 0; q < bt_results_num_rows(ra.results); q++) {
                const bt_row *rw = bt_results_row(ra.results, q);
                char lb[512] = "";
                int ax;
                for (ax = 0; ax < ra.results->naxes; ax++) { if (ax) strcat(lb, " "); strcat(lb, ra.results->axes[ax]); strcat(lb, "="); strcat(lb, rw->axis[ax]); }
                if (strcmp(lb, best) == 0) last = rw;
            }
            printf("  WHY %s noise %.2f seed %d: picked %s (%.2f %%), best %s: %s n=%d %s\n", s->name, noise, seed, ra.pick, 100 * adr[seed - 1], best,
                   last ? bt_cell_status_str(last->status) : "never visited", last ? last->nsample : 0, last && last->reason ? last->reason : "");
        }
        if (g_dump && ra.results) {
            size_t q;
            for (q = 0; q < bt_results_num_rows(ra.results); q++) {
                const bt_row *rw = bt_results_row(ra.results, q);
                int ax;
                printf("    [%zu]", q);
                for (ax = 0; ax < ra.results->naxes; ax++) printf(" %s", rw->axis[ax]);
                printf(" %s n=%d med=%.5g %s\n", bt_cell_status_str(rw->status), rw->nsample, rw->m[0], rw->reason ? rw->reason : "");
            }
        }
        if (verbose) printf("  %s noise %.2f seed %d: adaptive %s (regret %.4f, cost %.3f, %zu of %zu cells%s, exhaustive estimated %.3g s, is %.3g s), exhaustive %s (regret %.4f)\n",
                            s->name, noise, seed, ra.pick, adr[seed - 1], cf[seed - 1], ra.measured, ra.cells, ra.budget_spent ? ", budget spent" : "",
                            ra.exhaustive_estimate_s, ra.exhaustive_cost_s, re.pick, exr[seed - 1]);
        bt_replay_result_free(&ra);
        bt_replay_result_free(&re);
    }
    o->ad_max = -1; o->cost_max = -1; o->stable = 1;
    qsort(er, NSEEDS, sizeof er[0], cmp_dbl);
    o->est_med = er[NSEEDS / 2]; o->est_min = er[0]; o->est_max = er[NSEEDS - 1];
    {
        int capped = o->capped;
        o->capped = capped;
    }
    for (k = 0; k < NSEEDS; k++) {
        o->ad_mean += adr[k] / NSEEDS; o->ex_mean += exr[k] / NSEEDS; o->cost_mean += cf[k] / NSEEDS;
        if (!(adr[k] <= o->ad_max)) o->ad_max = adr[k];
        if (cf[k] > o->cost_max) o->cost_max = cf[k];
    }
    /* tied: true regrets within 1 % of each other, or a cell the exhaustive strategy also picked
       at this noise (it cannot separate them either) */
    for (k = 1; k < NSEEDS; k++) {
        int j, tied = fabs(adr[k] - adr[0]) <= 0.01 || (s->recorded && is_tied(s, pk[k]) && is_tied(s, pk[0]));
        for (j = 0; j < NSEEDS && !tied; j++) if (strcmp(pk[k], ex_pk[j]) == 0) tied = 1;
        if (!tied) o->stable = 0;
    }
    /* distinct picks */
    o->picks[0] = 0;
    for (k = 0; k < NSEEDS; k++) {
        int j, seen = 0;
        for (j = 0; j < k; j++) if (strcmp(pk[j], pk[k]) == 0) seen = 1;
        if (!seen && strlen(o->picks) + strlen(pk[k]) + 3 < sizeof o->picks) { if (o->picks[0]) strcat(o->picks, "; "); strcat(o->picks, pk[k]); }
    }
    if (noise == 0 && !s->recorded && !s->selfnoise) goal = o->ad_max <= 0.01 && o->cost_max <= 0.25;
    else if (s->recorded) {
        /* a recorded file's medians are estimates: a pick within 1 % of the best, or one the
           file's own bootstrap calls statistically tied with it (the same rule for both
           strategies; exhaustive replays the recorded run, so it picks the best itself) */
        int all = 1;
        for (k = 0; k < NSEEDS; k++) {
            int ok = adr[k] <= 0.01, tie = !ok && is_tied(s, pk[k]);
            if (!ok && !tie) all = 0;
            if (tie) o->by_tie = 1;
            if (!(exr[k] <= 0.01 || is_tied(s, ex_pk[k]))) all = 0;
        }
        goal = all && o->cost_max <= 0.25;
    } else goal = o->ad_mean <= o->ex_mean + 0.005 && o->cost_max <= 0.25;
    o->ok = goal && o->stable;
    return 1;
}

typedef struct summary { int rows, met; double worst_regret, worst_cost, excess; } summary;

static void run_set(surf *S, int ns, int heldout, int verbose, int *fails, summary *sum) {
    static const double noises[] = {0, 0.01, 0.03, 0.05, 0.10};
    int i, n;
    memset(sum, 0, sizeof *sum);
    printf("| surface | noise | adaptive regret mean / max | exhaustive regret mean | cost fraction mean / max | picks over %d seeds | goal |\n", NSEEDS);
    printf("|---|---:|---:|---:|---:|---|---|\n");
    for (i = 0; i < ns; i++) {
        int nn = S[i].recorded ? 1 : (int)(sizeof noises / sizeof noises[0]);
        if (S[i].heldout != heldout) continue;
        if (g_only && !strstr(S[i].name, g_only)) continue;
        for (n = 0; n < nn; n++) {
            row_out o;
            if (g_noise >= 0 && fabs(noises[n] - g_noise) > 1e-9) continue;
            if (!run_surface(&S[i], noises[n], &o, verbose)) { (*fails)++; continue; }
            printf("| %s | %s | %.2f %% / %.2f %% | %.2f %% | %.3f / %.3f | %s | %s%s |\n", S[i].name,
                   S[i].recorded ? "recorded" : noises[n] == 0 ? "0" : (noises[n] == 0.01 ? "1 %" : noises[n] == 0.03 ? "3 %" : noises[n] == 0.05 ? "5 %" : "10 %"),
                   100 * o.ad_mean, 100 * o.ad_max, 100 * o.ex_mean, o.cost_mean, o.cost_max, o.picks,
                   o.ok ? (o.by_tie ? "met (tied)" : "met") : "MISSED", o.capped ? (o.capped == NSEEDS ? ", budget spent" : ", budget spent on some seeds") : "");
            if (g_est) printf("EST | %s | %s | %.2f | %.2f | %.2f |\n", S[i].name, S[i].recorded ? "rec" : noises[n] == 0 ? "0" : (noises[n] == 0.01 ? "1" : noises[n] == 0.03 ? "3" : noises[n] == 0.05 ? "5" : "10"),
                              o.est_med, o.est_min, o.est_max);
            fflush(stdout);
            sum->rows++;
            sum->met += o.ok;
            sum->excess += o.ad_mean - o.ex_mean;
            if (o.ad_max > sum->worst_regret) sum->worst_regret = o.ad_max;
            if (o.cost_max > sum->worst_cost) sum->worst_cost = o.cost_max;
            if (!o.ok) (*fails)++;
        }
    }
}

int main(int argc, char **argv) {
    surf *S = (surf *)calloc(200, sizeof(surf));
    int ns = 0, i, fails = 0, verbose = 0, a;
    const char *study = "../shared/data/study_imagenette_mean_regret.csv";
    const char *rec[8];
    int nrec = 0;
    int final = 1;
    static const char *const fnames[] = {"final rugged + loader OOM", "final diagonal valley", "final far optimum",
                                         "final cliff (OOM next to the optimum)", "final 2 workloads, opposite corners", "final random 3 axes"};
    static const char *const f2names[] = {"final2 curved ridge + OOM", "final2 far optimum mid-edge", "final2 three basins",
                                          "final2 3 axes + OOM", "final2 2 workloads: frontier + flat", "final2 one axis"};
    static const char *const f3names[] = {"final3 3 axes, optimum inside the OOM frontier", "final3 rough ridge", "final3 2 workloads, compromise optimum",
                                          "final3 heteroscedastic noise", "final3 long axis (24 cells)", "final3 near-tie of 3 cells"};
    static const char *const f4names[] = {"final4 saddle", "final4 optimum at the smallest batch + OOM", "final4 bimodal noise (slow outliers)",
                                          "final4 4 axes, small grids", "final4 2 workloads, one dominates the cost", "final4 wide flat top, better edge cell"};
    static const char *const f5names[] = {"final5 log-normal noise", "final5 rare x2 outliers (1 in 20)", "final5 staircase (tile sizes)",
                                          "final5 diagonal OOM frontier", "final5 narrow valley", "final5 dead axis (threads)"};
    static const char *const f6names[] = {"final6 bursty outliers (loaded machine)", "final6 best at workers = cores, cliff beyond", "final6 fine batch grid (steps of 24)",
                                          "final6 3 workloads, different noise", "final6 3 axes, interaction term", "final6 step surface"};
    static const char *const f7names[] = {"final7 heavy-tailed noise (t, 3 dof)", "final7 warm-up not finished", "final7 saw-tooth batch (tile alignment)",
                                          "final7 4 workloads, one OOMs at large batch", "final7 5 axes, small grids", "final7 large grid (384 cells)"};
    static const char *const f8names[] = {"final8 small grid (12 cells)", "final8 two modes per cell (NUMA)", "final8 mostly out of memory (thin strip)",
                                          "final8 unordered axis (algorithm)", "final8 2 workloads, one flat", "final8 gentle slope to a far corner"};
    static const char *const f9names[] = {"final9 thermal drift inside a cell", "final9 scattered failed cells", "final9 wide dynamic range (27x)",
                                          "final9 irregular axis values", "final9 8 workloads (model zoo)", "final9 3-D diagonal valley"};
    static const char *const f10names[] = {"final10 pipeline kink (loader vs compute)", "final10 the best cell is the noisiest", "final10 4 axes, OOM + oversubscription",
                                           "final10 narrow deep basin vs broad shallow", "final10 host-memory spill before OOM", "final10 coarse timer (0.2 ms ticks)"};
    static const char *const f11names[] = {"final11 costly setup per visit (engine build)", "final11 autocorrelated samples (AR(1))", "final11 long rippled axis (64 cells)",
                                           "final11 3 workloads failing on different cells", "final11 2 workloads 300x apart in time", "final11 corner on a 3-D OOM frontier"};
    static const char *const f12names[] = {"final12 a whole axis value fails (workers=1)", "final12 short run (3 samples per cell)", "final12 sharp optimum on a wide log axis",
                                           "final12 elongated grid (2 x 32)", "final12 time-outs on one side, OOM on the other", "final12 16 workloads on a 4 x 4 grid"};
    static const char *const f13names[] = {"final13 six on/off axes (flags)", "final13 a failed block at the centre", "final13 a small dip inside a plateau",
                                           "final13 a cache cliff on the diagonal", "final13 3 workloads 1 : 10 : 100 in time", "final13 a ragged grid (workers > batch infeasible)"};
    static const char *const f14names[] = {"final14 batch listed in descending order", "final14 an unordered axis of 12 kernels", "final14 a flat surface (all within 0.5 %)",
                                           "final14 a large grid (2048 cells)", "final14 two equal optima far apart", "final14 workers must divide batch"};
    static const char *const f15names[] = {"final15 an unordered axis moves the best batch", "final15 an egg-crate (local minima every 3 cells)", "final15 axes of one and two values",
                                           "final15 a step at the far end of a plateau", "final15 parity on a long axis (odd workers)", "final15 three dead axes, one live"};
    static const char *const f16names[] = {"final16 a fractional axis (mem_fraction) + OOM", "final16 an axis of sizes with unit suffixes", "final16 zero and negative axis values",
                                           "final16 an auto value on a numeric axis", "final16 five workloads, best batches spread", "final16 a sharp best on the OOM frontier"};
    static const char *const f17names[] = {"final17 a sign-reversing pair of switches", "final17 two unordered axes only", "final17 an OOM band, not monotone",
                                           "final17 a crater (a ring of near-ties)", "final17 batch listed in a shuffled order", "final17 a kernel-tuning surface in microseconds"};
    static const char *const f18names[] = {"final18 a failed wall across the grid (workers=4)", "final18 a four-axis bowl (625 cells)", "final18 3 workloads, best for none",
                                           "final18 a strong axis and a weak one", "final18 OOM frontiers that depend on the kernel", "final18 one long axis (200 values)"};
    static const char *const f19names[] = {"final19 sizes named, not numbered (S..3XL)", "final19 an asymmetric knee", "final19 a pathological cell (60x, thrashing)",
                                           "final19 a three-axis grid of 1000 cells", "final19 a three-stage pipeline (vertex)", "final19 a ring axis (core 11 next to 0)"};
    static const char *const f20names[] = {"final20 tile shapes written WxH (text)", "final20 an island best (its four neighbours fail)", "final20 a switch that pays only at small batch",
                                           "final20 precision x layout x batch, int8 fails", "final20 an unordered axis of 24 tactics", "final20 a swap region next to the best (8-17x)"};
    static const char *const f21names[] = {"final21 six axes of three values (729 cells)", "final21 fast outliers on a runner-up (cache hits)", "final21 a three-way interaction",
                                           "final21 a failed diagonal band", "final21 slow outliers on the best cell only", "final21 a needle kernel among 32"};
    static const char *const f22names[] = {"final22 a padded last batch (10000 items)", "final22 a coarse timer (1 ms ticks)", "final22 kernel x batch x workers (1152 cells)",
                                           "final22 minutes per cell (a training step)", "final22 a second, deeper dip (SMT workers)", "final22 an axis written like 1e+06"};
    static const char *const f23names[] = {"final23 four text axes of three values", "final23 very noisy recorded samples (20 %)", "final23 an interrupted recording",
                                           "final23 a load step during the recording", "final23 text values with spaces and symbols", "final23 a workload with identical samples"};
    static const char *const f24names[] = {"final24 sub-microsecond cells (a kernel launch)", "final24 unequal recorded sample counts", "final24 a single axis of four values",
                                           "final24 a page-fault storm (100x samples)", "final24 a fine batch axis (1..96)", "final24 two workloads disagree on a text axis"};
    static const char *const f25names[] = {"final25 a 660x range of cell times", "final25 thirty-two workloads", "final25 a knob that changes the noise (pin)",
                                           "final25 a timer that sometimes reads zero", "final25 a plus-shaped valley", "final25 ten on/off axes (1024 cells)"};
    static const char *const f26names[] = {"final26 alternating samples (period two)", "final26 a sea of slow cells around a fast band", "final26 a saturating axis (workers)",
                                           "final26 the best in the middle of a face", "final26 one recorded sample per cell", "final26 a mixed-radix batch axis (3 x 2^k)"};
    static const char *const f27names[] = {"final27 load imbalance (ceil(batch / workers))", "final27 an axis written in hex (0x10..0x400)",
                                           "final27 a conditional axis (workers from batch 64)", "final27 fast outliers on every cell (1 in 8)",
                                           "final27 an on/off axis that moves the optimum", "final27 a wide two-axis grid (24 x 24)"};
    static const char *const f28names[] = {"final28 zero-padded numbers (008, 09)", "final28 a grid of 10 000 cells",
                                           "final28 common-mode noise (shared by every cell)", "final28 a serving surface (OOM, tiles, streams)",
                                           "final28 a loader surface (kink, SMT, pinning)", "final28 a compile cost per cell at random"};
    static const char *const hnames[] = {"held-out compute-bound + OOM", "held-out flat plateau", "held-out 3 axes",
                                         "held-out corner optimum", "held-out deceptive (far optimum)", "held-out 3 workloads"};
    if (!S) return 2;
    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            printf("usage: search_bench [options] [recorded.csv ...]\n"
                   "Replays the adaptive and the exhaustive strategy over every surface (up to 8 recorded\n"
                   "results files, the study, the synthetic and the final test sets) and prints the table;\n"
                   "exit 1 when a row misses its goal.\n"
                   "  --study=FILE     the image-model study's mean-regret surface (default %s)\n"
                   "  --only=SUBSTR    only the surfaces whose name holds SUBSTR\n"
                   "  --noise=X        only this added noise (0, 0.01, ...; default every level)\n"
                   "  --seeds=N        seeds per row (default 5, at most %d)\n"
                   "  -v               one line per seed    --why  why the true best was not picked\n"
                   "  --dump           every row the search recorded    --est  the exhaustive estimate's accuracy\n"
                   "  --no-final       only the in-sample surfaces and the validation set\n"
                   "  --no-finalN      skip the Nth final test set (N = 3..27)\n"
                   "  --final28        run the twenty-eighth final test set (off until the strategy is frozen)\n",
                   study, MAXSEEDS);
            return 0;
        }
        else if (strcmp(argv[a], "-v") == 0) verbose = 1;
        else if (strcmp(argv[a], "--no-final") == 0) final = 0;
        else if (strncmp(argv[a], "--study=", 8) == 0) study = argv[a] + 8;
        else if (strncmp(argv[a], "--only=", 7) == 0) g_only = argv[a] + 7;
        else if (strncmp(argv[a], "--noise=", 8) == 0) g_noise = atof(argv[a] + 8);
        else if (strcmp(argv[a], "--why") == 0) g_why = 1;
        else if (strcmp(argv[a], "--no-final3") == 0) g_final3 = 0;
        else if (strcmp(argv[a], "--no-final4") == 0) g_final4 = 0;
        else if (strcmp(argv[a], "--no-final5") == 0) g_final5 = 0;
        else if (strcmp(argv[a], "--no-final6") == 0) g_final6 = 0;
        else if (strcmp(argv[a], "--no-final7") == 0) g_final7 = 0;
        else if (strcmp(argv[a], "--no-final8") == 0) g_final8 = 0;
        else if (strcmp(argv[a], "--no-final9") == 0) g_final9 = 0;
        else if (strcmp(argv[a], "--no-final10") == 0) g_final10 = 0;
        else if (strcmp(argv[a], "--no-final11") == 0) g_final11 = 0;
        else if (strcmp(argv[a], "--no-final12") == 0) g_final12 = 0;
        else if (strcmp(argv[a], "--no-final13") == 0) g_final13 = 0;
        else if (strcmp(argv[a], "--no-final14") == 0) g_final14 = 0;
        else if (strcmp(argv[a], "--no-final15") == 0) g_final15 = 0;
        else if (strcmp(argv[a], "--final15") == 0) g_final15 = 1; /* the default since the freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final16") == 0) g_final16 = 0;
        else if (strcmp(argv[a], "--final16") == 0) g_final16 = 1; /* the default since the freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final17") == 0) g_final17 = 0;
        else if (strcmp(argv[a], "--final17") == 0) g_final17 = 1; /* the default since the freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final18") == 0) g_final18 = 0;
        else if (strcmp(argv[a], "--final18") == 0) g_final18 = 1; /* the default since the freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final19") == 0) g_final19 = 0;
        else if (strcmp(argv[a], "--final19") == 0) g_final19 = 1; /* the default since the freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--final20") == 0) g_final20 = 1; /* the default since the freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final20") == 0) g_final20 = 0;
        else if (strcmp(argv[a], "--final21") == 0) g_final21 = 1; /* the default since the freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final21") == 0) g_final21 = 0;
        else if (strcmp(argv[a], "--final22") == 0) g_final22 = 1; /* the default since the freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final22") == 0) g_final22 = 0;
        else if (strcmp(argv[a], "--final23") == 0) g_final23 = 1; /* the default since the freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final23") == 0) g_final23 = 0;
        else if (strcmp(argv[a], "--final24") == 0) g_final24 = 1; /* the default since its freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final24") == 0) g_final24 = 0;
        else if (strcmp(argv[a], "--final25") == 0) g_final25 = 1; /* the default since its freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final25") == 0) g_final25 = 0;
        else if (strcmp(argv[a], "--final26") == 0) g_final26 = 1; /* the default since its freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final26") == 0) g_final26 = 0;
        else if (strcmp(argv[a], "--final27") == 0) g_final27 = 1; /* the default since the freeze; kept so that the frozen run's command still works */
        else if (strcmp(argv[a], "--no-final27") == 0) g_final27 = 0;
        else if (strcmp(argv[a], "--final28") == 0) g_final28 = 1;
        else if (strcmp(argv[a], "--no-final28") == 0) g_final28 = 0;
        else if (strncmp(argv[a], "--seeds=", 8) == 0) {
            NSEEDS = atoi(argv[a] + 8);
            if (NSEEDS < 1 || NSEEDS > MAXSEEDS) { fprintf(stderr, "search_bench: --seeds=%s: want 1..%d\n", argv[a] + 8, MAXSEEDS); return 2; }
        }
        else if (strcmp(argv[a], "--est") == 0) g_est = 1;
        else if (strcmp(argv[a], "--dump") == 0) g_dump = verbose = 1;
        else if (argv[a][0] == '-') { fprintf(stderr, "search_bench: unknown option %s (--help lists them)\n", argv[a]); return 2; }
        else if (nrec < 8) rec[nrec++] = argv[a];
        else { fprintf(stderr, "search_bench: %s: at most 8 recorded files\n", argv[a]); return 2; }
    }
    for (i = 0; i < nrec; i++) {
        char err[512];
        const char *base = strrchr(rec[i], '/');
        if (bt_results_read_csv(rec[i], NULL, &S[ns].r, err, sizeof err) != BT_OK) { fprintf(stderr, "search_bench: %s\n", err); return 2; }
        snprintf(S[ns].name, sizeof S[ns].name, "recorded %s", base ? base + 1 : rec[i]);
        S[ns].mono = "batch"; S[ns].recorded = 1;
        find_ties(&S[ns]);
        ns++;
    }
    if ((S[ns].r = load_study(study)) != NULL) { snprintf(S[ns].name, sizeof S[ns].name, "study imagenette (mean regret)"); ns++; }
    S[ns].r = make_synth(0); snprintf(S[ns].name, sizeof S[ns].name, "synthetic loader x batch"); ns++;
    S[ns].r = make_synth(1); snprintf(S[ns].name, sizeof S[ns].name, "synthetic rugged + OOM"); S[ns].mono = "batch"; ns++;
    S[ns].r = make_synth(2); snprintf(S[ns].name, sizeof S[ns].name, "synthetic 2 workloads"); ns++;
    {
        /* the held-out sets: six surfaces each; mono / self: bit i set when surface i's batch
           axis is monotone (OOM frontier) / its cells carry their own noise */
        static const struct { int id, mono, self; bt_results *(*make)(int); const char *const *names; const int *on; } held[] = {
            {1, 1, 0, make_heldout, hnames, NULL}, {3, 1 | 8 | 16, 0, make_final2, f2names, NULL}, {2, 1 | 8, 0, make_final, fnames, NULL},
            {4, 1, 8, make_final3, f3names, &g_final3}, {5, 2, 4, make_final4, f4names, &g_final4}, {6, 8, 1 | 2, make_final5, f5names, &g_final5},
            {7, 0, 1 | 8, make_final6, f6names, &g_final6}, {8, 8, 1 | 2, make_final7, f7names, &g_final7}, {9, 4, 2, make_final8, f8names, &g_final8},
            {10, 4, 1, make_final9, f9names, &g_final9}, {11, 4 | 16, 2 | 32, make_final10, f10names, &g_final10},
            {12, 32, 2, make_final11, f11names, &g_final11}, {13, 1 | 4 | 16, 2, make_final12, f12names, &g_final12},
            {14, 0, 0, make_final13, f13names, &g_final13}, {15, 1, 0, make_final14, f14names, &g_final14},
            {16, 4, 0, make_final15, f15names, &g_final15}, {17, 1 | 32, 0, make_final16, f16names, &g_final16},
            {18, 16, 0, make_final17, f17names, &g_final17},
            {19, 16, 0, make_final18, f18names, &g_final18},
            {20, 0, 0, make_final19, f19names, &g_final19},
            {21, 0, 0, make_final20, f20names, &g_final20},
            {22, 0, 2 | 16, make_final21, f21names, &g_final21},
            {23, 0, 2, make_final22, f22names, &g_final22},
            {24, 0, 2 | 4 | 8 | 32, make_final23, f23names, &g_final23},
            {25, 0, 2 | 8, make_final24, f24names, &g_final24},
            {26, 0, 4 | 8, make_final25, f25names, &g_final25},
            {27, 0, 1 | 16, make_final26, f26names, &g_final26},
            {28, 0, 8, make_final27, f27names, &g_final27},
            {29, 0, 4, make_final28, f28names, &g_final28},
        };
        int h;
        for (h = 0; h < (int)(sizeof held / sizeof held[0]); h++) {
            if ((held[h].id >= 2 && !final) || (held[h].on && !*held[h].on)) continue;
            for (i = 0; i < 6; i++) {
                S[ns].r = held[h].make(i);
                snprintf(S[ns].name, sizeof S[ns].name, "%s", held[h].names[i]);
                S[ns].heldout = held[h].id; S[ns].seed0 = 100 * held[h].id;
                if (held[h].mono >> i & 1) S[ns].mono = "batch";
                if (held[h].self >> i & 1) S[ns].selfnoise = 1;
                ns++;
            }
        }
    }
    {
        /* the sets in the order they were written; each prints its table, then one summary line
           each at the end. on: the set's --no-finalN switch (NULL: always, with --no-final for
           every final set) */
        static const struct { int id, base; const int *on; const char *name, *maker, *status, *label; } sets[] = {
            {0, 0, NULL, "In-sample: the surfaces the settings were chosen on", NULL, NULL, "In-sample"},
            {1, 100, NULL, "Validation set", "make_heldout", "held out at first, used for development since (seen)", "Validation set (seen)"},
            {2, 200, NULL, "Old final test set", "make_final", "out of sample for the first strategy only, seen since", "Old final test set (seen)"},
            {3, 300, NULL, "Second final test set", "make_final2", "out of sample for the second-round strategy only, seen since", "Second final test set (seen)"},
            {4, 400, &g_final3, "Third final test set", "make_final3", "out of sample for the third-round strategy only, seen since", "Third final test set (seen)"},
            {5, 500, &g_final4, "Fourth final test set", "make_final4", "out of sample for the fourth-round strategy only, seen since", "Fourth final test set (seen)"},
            {6, 600, &g_final5, "Fifth final test set", "make_final5", "out of sample for the fifth-round strategy only, seen since", "Fifth final test set (seen)"},
            {7, 700, &g_final6, "Sixth final test set", "make_final6", "out of sample for the sixth-round strategy only, seen since", "Sixth final test set (seen)"},
            {8, 800, &g_final7, "Seventh final test set", "make_final7", "out of sample for the seventh-round strategy only, seen since", "Seventh final test set (seen)"},
            {9, 900, &g_final8, "Eighth final test set", "make_final8", "out of sample for the eighth-round strategy only, seen since", "Eighth final test set (seen)"},
            {10, 1000, &g_final9, "Ninth final test set", "make_final9", "out of sample for the ninth-round strategy only, seen since", "Ninth final test set (seen)"},
            {11, 1100, &g_final10, "Tenth final test set", "make_final10", "out of sample for the tenth-round strategy only, seen since", "Tenth final test set (seen)"},
            {12, 1200, &g_final11, "Eleventh final test set", "make_final11", "out of sample for the eleventh-round strategy only, seen since", "Eleventh final test set (seen)"},
            {13, 1300, &g_final12, "Twelfth final test set", "make_final12", "out of sample for the twelfth-round strategy only, seen since", "Twelfth final test set (seen)"},
            {14, 1400, &g_final13, "Thirteenth final test set", "make_final13", "out of sample for the thirteenth-round strategy only, seen since", "Thirteenth final test set (seen)"},
            {15, 1500, &g_final14, "Fourteenth final test set", "make_final14", "out of sample for the fourteenth-round strategy only, seen since", "Fourteenth final test set (seen)"},
            {16, 1600, &g_final15, "Fifteenth final test set", "make_final15", "out of sample for the fifteenth-round strategy only, seen since", "Fifteenth final test set (seen)"},
            {17, 1700, &g_final16, "Sixteenth final test set", "make_final16", "out of sample for the sixteenth-round strategy only, seen since", "Sixteenth final test set (seen)"},
            {18, 1800, &g_final17, "Seventeenth final test set", "make_final17", "out of sample for the seventeenth-round strategy only, seen since", "Seventeenth final test set (seen)"},
            {19, 1900, &g_final18, "Eighteenth final test set", "make_final18", "out of sample for the eighteenth-round strategy only, seen since", "Eighteenth final test set (seen)"},
            {20, 2000, &g_final19, "Nineteenth final test set", "make_final19", "out of sample for the nineteenth-round strategy only, seen since", "Nineteenth final test set (seen)"},
            {21, 2100, &g_final20, "Twentieth final test set", "make_final20", "out of sample for the twentieth-round strategy only, seen since", "Twentieth final test set (seen)"},
            {22, 2200, &g_final21, "Twenty-first final test set", "make_final21", "out of sample for the twenty-first-round strategy only, seen since", "Twenty-first final test set (seen)"},
            {23, 2300, &g_final22, "Twenty-second final test set", "make_final22", "out of sample for the twenty-second-round strategy only, seen since", "Twenty-second final test set (seen)"},
            {24, 2400, &g_final23, "Twenty-third final test set", "make_final23", "out of sample for the twenty-third-round strategy only, seen since", "Twenty-third final test set (seen)"},
            {25, 2500, &g_final24, "Twenty-fourth final test set", "make_final24", "out of sample for the twenty-fourth-round strategy only, seen since", "Twenty-fourth final test set (seen)"},
            {26, 2600, &g_final25, "Twenty-fifth final test set", "make_final25", "out of sample for the twenty-fifth-round strategy only, seen since", "Twenty-fifth final test set (seen)"},
            {27, 2700, &g_final26, "Twenty-sixth final test set", "make_final26", "out of sample for the twenty-sixth-round strategy only, seen since", "Twenty-sixth final test set (seen)"},
            {28, 2800, &g_final27, "Twenty-seventh final test set", "make_final27", "written before the twenty-seventh round, run once with the strategy frozen", "Twenty-seventh final test set (out of sample)"},
            {29, 2900, &g_final28, "Twenty-eighth final test set", "make_final28", "written before the twenty-eighth round, not yet run", "Twenty-eighth final test set (next round's, not yet run)"},
        };
        enum { NSETS = sizeof sets / sizeof sets[0] };
        summary sum[NSETS];
        int on[NSETS], k;
        for (k = 0; k < NSETS; k++) {
            on[k] = (sets[k].id < 2 || final) && (!sets[k].on || *sets[k].on);
            memset(&sum[k], 0, sizeof sum[k]);
            if (!on[k]) continue;
            if (!sets[k].maker) printf("### %s (seeds %d-%d)\n\n", sets[k].name, sets[k].base + 1, sets[k].base + NSEEDS);
            else printf("\n### %s (%s, seeds %d-%d): %s\n\n", sets[k].name, sets[k].maker, sets[k].base + 1, sets[k].base + NSEEDS, sets[k].status);
            run_set(S, ns, sets[k].id, verbose, &fails, &sum[k]);
        }
        printf("\n");
        for (k = 0; k < NSETS; k++)
            if (on[k])
                printf("%s: %d of %d rows met, worst regret %.2f %%, worst cost fraction %.3f, mean excess regret over exhaustive %.2f %%.\n", sets[k].label, sum[k].met,
                       sum[k].rows, 100 * sum[k].worst_regret, sum[k].worst_cost, sum[k].rows ? 100 * sum[k].excess / sum[k].rows : 0.0);
    }
    printf("%d row(s) missed a goal\n", fails);
    for (i = 0; i < ns; i++) bt_results_free(S[i].r);
    free(S);
    return fails ? 1 : 0;
}

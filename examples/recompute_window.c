/* recompute_window.c — choose the verification window W and the verify batch B for
   decode–verify–rollback (deterministic LLM decoding by verified speculation), on this machine.
   Measures batchtune's real nondeterministic generator (bf16 split-K reductions whose order
   depends on the batch; section 12 of batchtune.h) over verify batch x window with the budget
   batch * window <= CAP (cells over it are recorded `infeasible`, not dropped); prints recompute
   % as a terminal heatmap; fits the recompute model to the measured cells and predicts every
   cell, over-budget ones included; and picks (W, B) by time per kept token two ways: measured
   (the ranking of s_per_item, which includes the recompute) and from the model (fitted recompute
   % with timed fast and verify passes). Writes the results CSV (+ samples, JSON), an HTML report
   of the sweep and one of the model.
   Build: cc -O2 -I. examples/recompute_window.c -o recompute_window -lm -pthread
   Run:   ./recompute_window [cap=256] [min_divergences=60] [results.csv]
   CPU only: the generator is a CPU model of a GPU's split-K kernels (no GPU needed). */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <stdlib.h>
#include <string.h>

typedef struct app { bt_rc_gen *gen; bt_axis ax_batch, ax_window; } app;
static const bt_metric_def METRICS[] = {
    {"recompute_pct", "%", 0}, {"divergences", "", 0}, {"verify_s_per_pass", "s", 0}, {"fast_s_per_token", "s", 0}};

/* one sample = one cell's worth of requests through decode–verify–rollback; items = kept
   tokens, so the sweep's s_per_item is the time per kept token, recompute included */
static bt_status run(const bt_cell *cell, void *user, bt_sample *s) {
    app *a = (app *)user;
    bt_rc_measure m;
    bt_status st = bt_rc_gen_measure(a->gen, (int)bt_cell_i64(cell, a->ax_batch), (int)bt_cell_i64(cell, a->ax_window), &m);
    if (st != BT_OK) { snprintf(s->error, sizeof s->error, "generator: %s", bt_status_str(st)); return st; }
    s->items = m.kept;
    s->metric[0] = m.pct; s->metric[1] = m.divergences; s->metric[2] = m.verify_s_per_pass; s->metric[3] = m.fast_s_per_token;
    return BT_OK;
}

int main(int argc, char **argv) {
    static const int64_t batches[] = {1, 2, 4, 8, 16, 32};
    static const int64_t windows[] = {8, 16, 32, 64, 128, 256};
    enum { NB = 6, NW = 6 };
    const double cap = argc > 1 ? atof(argv[1]) : 256;
    const int min_div = argc > 2 ? atoi(argv[2]) : 60;
    const char *out = argc > 3 ? argv[3] : "recompute_window.csv";
    int wi[NW], bi[NB], i, nt = 0;
    bt_axis budget_axes[2];
    bt_grid *g = bt_grid_create();
    bt_rc_gen_desc gd;
    bt_workload w;
    bt_sweep_desc d;
    bt_rank_desc rd;
    bt_ranking rk;
    bt_results *r = NULL;
    bt_rc_cell cells[NB * NW];
    bt_rc_timing t[NB * NW];
    size_t n = 0, k;
    bt_rc_fit_desc fd;
    bt_rc_fit fit;
    bt_rc_choice ch;
    app a;
    char err[256];
    int pct_col;

    if (!(cap >= 8) || min_div < 1) { fprintf(stderr, "usage: recompute_window [cap>=8] [min_divergences>=1] [results.csv]\n"); return 2; }
    for (i = 0; i < NW; i++) wi[i] = (int)windows[i];
    for (i = 0; i < NB; i++) bi[i] = (int)batches[i];
    memset(&a, 0, sizeof a);
    memset(&gd, 0, sizeof gd);
    gd.min_divergences = min_div;
    a.gen = bt_rc_gen_create(&gd, err, sizeof err);
    if (!a.gen) { fprintf(stderr, "generator: %s\n", err); return 1; }
    a.ax_batch = bt_grid_axis_list_i64(g, "batch", batches, NB);
    a.ax_window = bt_grid_axis_list_i64(g, "window", windows, NW);
    budget_axes[0] = a.ax_batch; budget_axes[1] = a.ax_window;
    if (bt_grid_add_budget(g, budget_axes, 2, cap) != BT_OK) { fprintf(stderr, "grid: %s\n", bt_grid_error(g)); return 1; }

    memset(&w, 0, sizeof w);
    w.name = "recompute"; w.user = &a; w.run = run; w.metrics = METRICS; w.num_metrics = 4;
    memset(&d, 0, sizeof d);
    d.results_path = out;
    d.overwrite = 1;
    d.stop.warmup = -1;            /* a sample is already many requests */
    d.stop.min_samples = 3;
    d.stop.min_time_s = 0.01;
    d.stop.max_time_s = 2;
    printf("decode-verify-rollback on the bf16 split-K generator: verify batch x window, budget batch*window <= %g, >= %d divergences per sample\n\n", cap, min_div);
    if (bt_sweep_run(g, &w, 1, &d, &r) != BT_OK) { fprintf(stderr, "sweep failed: %s\n", r ? bt_results_error(r) : "?"); return 1; }

    printf("recompute %% (discarded / committed tokens) over window x verify batch:\n");
    bt_print_heatmap(r, NULL, "window", "batch", "recompute_pct", stdout, BT_HEATMAP_AUTO);

    /* the measured pick: lowest time per kept token */
    memset(&rd, 0, sizeof rd);
    rd.objective = "s_per_item";
    if (bt_rank(r, &rd, &rk) == BT_OK) {
        bt_html_opts ho;
        printf("\nmeasured: time per kept token (s_per_item, recompute included)\n");
        bt_print_ranking(&rk, stdout);
        ho = bt_html_opts_defaults(r, &rk, NULL);
        ho.title = "decode-verify-rollback: recompute % and time per kept token";
        if (bt_write_html_report(r, &rk, bt_results_meta(r), "recompute_window.html", &ho) == BT_OK) printf("\nreport: recompute_window.html\n");
        bt_ranking_free(&rk);
    }

    /* the model: fit p (and the median request length) to the measured recompute %, predict
       the whole grid, and choose from timed passes */
    pct_col = bt_results_metric_index(r, "recompute_pct");
    for (k = 0; k < bt_results_num_rows(r) && pct_col >= 0; k++) {
        const bt_row *row = bt_results_row(r, k);
        if (row->status != BT_CELL_OK) continue;
        cells[n].batch = atoi(row->axis[0]); cells[n].window = atoi(row->axis[1]);
        cells[n].pct = row->m[pct_col];
        n++;
    }
    memset(&fd, 0, sizeof fd);
    fd.lengths = bt_rc_gen_lengths(a.gen);
    fd.no_loo = 1;                 /* leave-one-out refits n times: `batchtune recompute fit` does it */
    if (bt_rc_fit_cells(cells, n, &fd, &fit, err, sizeof err) != BT_OK) { fprintf(stderr, "fit: %s\n", err); return 1; }
    printf("\nmodel fitted to the %zu measured cells:\n", n);
    bt_rc_fit_print(&fit, stdout);
    for (i = 0; i < NB * NW; i++) {
        const int b = bi[i / NW], win = wi[i % NW];
        if (b * win > cap) continue;
        t[nt].batch = b; t[nt].window = win;
        if (bt_rc_gen_time(a.gen, b, win, &t[nt].fast_s_per_token, &t[nt].verify_s_per_pass) == BT_OK) nt++;
    }
    if (bt_rc_choose(&fit, t, nt, cap, &ch) == BT_OK) {
        printf("\nfrom the model and timed passes:\n");
        bt_rc_print_tradeoff(&ch, stdout);
        bt_rc_choice_free(&ch);
    }
    {
        FILE *f = fopen("recompute_window_model.csv", "w");
        if (f) { bt_rc_write_grid_csv(&fit, wi, NW, bi, NB, cap, f); fclose(f); printf("\npredicted grid (over-budget cells too): recompute_window_model.csv\n"); }
    }
    if (bt_rc_write_html(cells, n, wi, NW, bi, NB, cap, &fit, "recompute % over verify batch x window (measured, and the model)",
                         "recompute_window_model.html", err, sizeof err) == BT_OK)
        printf("model report: recompute_window_model.html\n");
    printf("results: %s (check with: batchtune rank %s --objective s_per_item)\n", out, out);
    bt_rc_fit_free(&fit);
    bt_results_free(r);
    bt_grid_destroy(g);
    bt_rc_gen_destroy(a.gen);
    return 0;
}

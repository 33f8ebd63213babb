/* recompute_window.c — choose the verification window W and verify batch B for
   decode–verify–rollback (deterministic LLM decoding by verified speculation).
   Build: cc -O2 -I. examples/recompute_window.c -o recompute_window -lm -pthread
   Given measured recompute % for a few (B, W) cells (here simulated with p = 0.004 and
   log-normal request lengths), it fits the model, predicts the whole grid including cells over
   the budget B*W <= 512, and picks (W, B) from given timings: a fast path whose time per token
   falls with the batch, and a verify pass with a fixed cost plus a cost per verified token.
   See batchtune.h section 12 for the model, and `batchtune recompute` for the tool. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"

int main(void) {
    static const int windows[] = {8, 16, 32, 64, 128, 256, 512}, batches[] = {1, 2, 4, 8, 16, 32, 64};
    const int nw = 7, nb = 7;
    const double cap = 512;
    bt_rc_lengths len;
    bt_rc_cell cells[64];
    bt_rc_timing t[64];
    size_t n = 0;
    int i, j, nt = 0;
    bt_rc_fit_desc fd;
    bt_rc_fit fit;
    bt_rc_choice ch;
    char err[256];

    memset(&len, 0, sizeof len);
    len.kind = BT_RC_LOGNORMAL; len.param = 150; len.sigma = 1;
    /* "measured" cells: a seeded simulation of decode-verify-rollback */
    for (j = 0; j < nb; j += 2) for (i = 0; i < nw; i++) {
        bt_rc_sim_desc d;
        bt_rc_sim_result r;
        if (batches[j] * windows[i] > cap) continue;
        memset(&d, 0, sizeof d);
        d.p = 0.004; d.window = windows[i]; d.batch = batches[j]; d.lengths = len; d.units = 4000; d.seed = (uint64_t)(1 + n);
        if (bt_rc_simulate(&d, &r) != BT_OK) return 1;
        cells[n].batch = batches[j]; cells[n].window = windows[i]; cells[n].pct = r.pct;
        n++;
    }
    bt_rc_print_heatmap(cells, n, windows, nw, batches, nb, cap, stdout, BT_HEATMAP_AUTO);

    /* fit p and the median length (the lengths are "unknown") */
    memset(&fd, 0, sizeof fd);
    fd.lengths = len; fd.lengths.param = 400; fd.fit_length = 1;
    fd.no_loo = 1;                   /* leave-one-out refits 2-parameter fits n times: the tool does it */
    if (bt_rc_fit_cells(cells, n, &fd, &fit, err, sizeof err) != BT_OK) { fprintf(stderr, "%s\n", err); return 1; }
    printf("\n");
    bt_rc_fit_print(&fit, stdout);
    printf("\npredicted grid (over-budget cells included, feasible = 0):\n");
    bt_rc_write_grid_csv(&fit, windows, nw, batches, nb, cap, stdout);

    /* given timings: fast step 40 us for a batch of up to 8 rows, more above; a verify pass
       costs 300 us plus 2 us per verified token */
    for (j = 0; j < nb; j++) for (i = 0; i < nw; i++) {
        double rows = batches[j], step = 40e-6 * (rows > 8 ? rows / 8 : 1);
        t[nt].batch = batches[j]; t[nt].window = windows[i];
        t[nt].fast_s_per_token = step / rows;
        t[nt].verify_s_per_pass = 300e-6 + 2e-6 * rows * windows[i];
        nt++;
    }
    if (bt_rc_choose(&fit, t, nt, cap, &ch) != BT_OK) return 1;
    printf("\n");
    bt_rc_print_tradeoff(&ch, stdout);
    /* the evidence: the measured grid and the model as an HTML report, the prediction as CSV */
    if (bt_rc_write_html(cells, n, windows, nw, batches, nb, cap, &fit, "recompute % over verify batch x window",
                         "recompute_window.html", err, sizeof err) == BT_OK)
        printf("\nreport: recompute_window.html\n");
    else
        fprintf(stderr, "report: %s\n", err);
    {
        FILE *f = fopen("recompute_window.csv", "w");
        if (f) { bt_rc_write_grid_csv(&fit, windows, nw, batches, nb, cap, f); fclose(f); printf("predicted grid: recompute_window.csv\n"); }
    }
    bt_rc_choice_free(&ch);
    bt_rc_fit_free(&fit);
    return 0;
}

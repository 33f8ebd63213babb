/* cpu_quickstart.c — the smallest complete use of batchtune: sweep batch size x threads of
   the built-in CPU model, rank, print the recommendation and a heatmap. CPU only: it links
   without batchtune_cuda.cu and without CUDA.
   Build: cc -O3 -I. examples/cpu_quickstart.c -o cpu_quickstart -lm -pthread
   Run:   ./cpu_quickstart [results.csv]        (resumes if the file exists) */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <string.h>

int main(int argc, char **argv) {
    const char *out = argc > 1 ? argv[1] : "quickstart.csv";
    bt_grid *g = bt_grid_create();
    bt_cpu_model model;
    bt_workload wl;
    bt_sweep_desc d;
    bt_rank_desc rd;
    bt_ranking rk;
    bt_results *r = NULL;
    bt_status st;

    memset(&model, 0, sizeof model);
    model.batch_axis = bt_grid_axis_pow2(g, "batch", 1, 64);
    bt_grid_parse_axis(g, "threads=1,2", &model.threads_axis);
    model.items = 128;
    if (model.batch_axis < 0 || bt_cpu_model_init(&model, &wl, "cpu_mlp") != BT_OK) {
        fprintf(stderr, "setup failed: %s\n", bt_grid_error(g));
        return 1;
    }
    memset(&d, 0, sizeof d);           /* zero = defaults */
    d.results_path = out;
    d.resume = 1;
    d.stop.max_time_s = 0.5;
    st = bt_sweep_run(g, &wl, 1, &d, &r);
    if (st != BT_OK) {
        fprintf(stderr, "sweep failed: %s\n", r ? bt_results_error(r) : bt_status_str(st));
        return 1;
    }
    memset(&rd, 0, sizeof rd);         /* objective e2e_s_median, top 3, bootstrap 1000 */
    if (bt_rank(r, &rd, &rk) == BT_OK) {
        bt_print_ranking(&rk, stdout);
        bt_print_heatmap(r, NULL, "batch", "threads", "e2e_s_median", stdout, BT_HEATMAP_AUTO);
        bt_ranking_free(&rk);
    }
    bt_results_free(r);
    bt_cpu_model_free(&model);
    bt_grid_destroy(g);
    return 0;
}

/* libFuzzer harness: the results CSV parser (header detection, quoting, numbers, torn lines),
   then ranking and the reports on whatever parsed. Build and run with bench/fuzz. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    bt_results *r = NULL;
    char err[512];
    if (bt_results_parse_csv((const char *)data, size, "fuzz", NULL, &r, err, sizeof err) == BT_OK) {
        bt_rank_desc d;
        bt_ranking rk;
        FILE *f = fopen("/dev/null", "w");
        memset(&d, 0, sizeof d);
        d.bootstrap = -1;
        if (bt_results_num_metrics(r) > 0) {
            d.objective = bt_results_metric(r, 0);
            if (bt_rank(r, &d, &rk) == BT_OK) {
                if (f) bt_print_ranking(&rk, f);
                bt_ranking_free(&rk);
            }
            if (f && bt_results_num_axes(r) >= 2)
                bt_print_heatmap(r, NULL, bt_results_axis(r, 0), bt_results_axis(r, 1), bt_results_metric(r, 0), f, BT_HEATMAP_PLAIN);
        }
        if (f) { bt_write_markdown(r, NULL, f); fclose(f); }
        bt_results_free(r);
    }
    return 0;
}

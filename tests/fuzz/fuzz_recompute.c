/* libFuzzer harness: the recompute CSV reader (section 12, bt_rc_read_csv_timed: header
   columns in any order, status filter, numbers, timing columns), then a fit on what parsed.
   The input becomes a temporary CSV file. Build and run with bench/fuzz. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64], err[512];
    FILE *f;
    bt_rc_cell *cells = NULL;
    bt_rc_timing *tim = NULL;
    size_t n = 0;
    snprintf(path, sizeof path, "/tmp/bt_fuzz_rc_%d.csv", (int)getpid());
    f = fopen(path, "wb");
    if (!f) return 0;
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    err[0] = 0;
    if (bt_rc_read_csv_timed(path, &cells, &tim, &n, err, sizeof err) == BT_OK) {
        size_t i;
        double s = 0;
        for (i = 0; i < n; i++) { s += cells[i].pct + cells[i].batch + cells[i].window; if (tim) s += tim[i].fast_s_per_token; }
        (void)s;
        bti_free(cells); bti_free(tim);
    } else if (!err[0]) abort();               /* every refusal says why */
    remove(path);
    return 0;
}

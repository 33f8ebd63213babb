/* libFuzzer harness: the samples CSV reader (the file beside a results file: header, block
   restarts at sample 0, torn lines, unknown cells). A fixed two-row results file is written
   with the input as its ".samples.csv"; both are read back. Build and run with bench/fuzz. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <unistd.h>

static const char bti_fz_results[] =
    "workload,device,batch,threads,status,reason,samples,noisy,e2e_s_median,items\n"
    "cpu_mlp,cpu,4,1,ok,,2,0,0.06,192\n"
    "cpu_mlp,cpu,8,1,oom,out of memory,0,0,,\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64], sp[96], err[512];
    FILE *f;
    bt_results *r = NULL;
    snprintf(path, sizeof path, "/tmp/bt_fuzz_samples_%d.csv", (int)getpid());
    bt_companion_path(path, ".samples.csv", sp, sizeof sp);
    f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(bti_fz_results, 1, sizeof bti_fz_results - 1, f);
    fclose(f);
    f = fopen(sp, "wb");
    if (!f) return 0;
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    err[0] = 0;
    if (bt_results_read_csv(path, NULL, &r, err, sizeof err) == BT_OK) {
        size_t i;
        double s = 0;
        for (i = 0; i < bt_results_num_rows(r); i++) {
            const bt_row *row = bt_results_row(r, i);
            int k;
            for (k = 0; k < row->nsample * bt_results_num_sample_cols(r); k++) s += row->samp[k];
        }
        (void)s;
        bt_results_free(r);
    } else if (!err[0]) abort();
    remove(sp); remove(path);
    return 0;
}

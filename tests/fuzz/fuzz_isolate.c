/* libFuzzer harness: the parent's reader of an isolated cell's result block (the child's
   stdout: "TAG row ...", "TAG reason ...", "TAG s ...", "TAG end", among any other output the
   cell printed). A child that crashed mid-write or printed lines that look like ours must give
   "no result" or a complete one, never a read past the text. Build and run with bench/fuzz. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = (char *)malloc(size + 1), reason[256];
    bt_cell_status cst = BT_CELL_OK;
    double *samp = NULL, cell_s = 0, sum = 0;
    int nsamp = 0, noisy = 0, i;
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    reason[0] = 0;
    if (bti_isolate_parse(text, "bt7", 3, &cst, reason, sizeof reason, &samp, &nsamp, &noisy, &cell_s)) {
        if (nsamp < 0 || (nsamp > 0 && !samp) || (int)cst < 0 || (int)cst >= BT_CELL_STATUS_COUNT) abort();
        for (i = 0; i < nsamp * 3; i++) sum += samp[i];    /* every sample the block promised is there */
        (void)sum;
        if (strlen(reason) >= sizeof reason) abort();
    }
    free(samp);
    free(text);
    return 0;
}

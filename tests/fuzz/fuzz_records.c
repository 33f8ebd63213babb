/* libFuzzer harness: the record file reader (64-byte BTREC01 header: counts, sizes, shape,
   dtype; headerless raw records) and reading every record in both layouts. The input becomes
   a temporary record file. Build and run with bench/fuzz. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64], err[512];
    FILE *f;
    int mode;
    snprintf(path, sizeof path, "/tmp/bt_fuzz_records_%d", (int)getpid());
    f = fopen(path, "wb");
    if (!f) return 0;
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    for (mode = 0; mode < 3; mode++) {
        bt_loader_desc d;
        bt_loader *L;
        bt_status st;
        bt_batch b;
        int64_t nb = 0;
        memset(&d, 0, sizeof d);
        d.source = BT_SOURCE_RECORDS;
        d.records_path = path;
        d.record_bytes = mode == 2 ? 7 : 0;
        d.batch = 3; d.workers = 1; d.depth = 2;
        d.layout = mode == 1 ? BT_LAYOUT_NHWC_U8 : BT_LAYOUT_NCHW_F32;
        L = bt_loader_create(&d, &st, err, sizeof err);
        if (!L) { if (!err[0]) abort(); continue; }
        while (nb++ < 64 && bt_loader_next(L, &b) == BT_OK && b.items > 0) { }
        bt_loader_destroy(L);
    }
    remove(path);
    return 0;
}

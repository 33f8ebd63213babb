/* libFuzzer harness: image bytes through the loader's read -> size check -> stb_image decode ->
   resize -> center crop -> normalize (both layouts), via an image-list source on a temporary
   file. Limits are set low (side 2048, 1M pixels, 1 MiB file) so oversized headers take the
   "exceeds the limits" path instead of allocating; every bad image must come back as a
   named bad item, never a crash. Build and run with bench/fuzz. */
#define BATCHTUNE_IMPLEMENTATION
#define BATCHTUNE_STB_IMPLEMENTATION
#include "batchtune.h"
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64], err[512];
    const char *paths[1];
    FILE *f;
    int layout;
    snprintf(path, sizeof path, "/tmp/bt_fuzz_image_%d", (int)getpid());
    f = fopen(path, "wb");
    if (!f) return 0;
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    paths[0] = path;
    for (layout = 0; layout < 2; layout++) {
        bt_loader_desc d;
        bt_loader *L;
        bt_status st;
        bt_batch b;
        memset(&d, 0, sizeof d);
        d.source = BT_SOURCE_IMAGES;
        d.paths = paths; d.num_paths = 1;
        d.batch = 1; d.workers = 1; d.depth = 2;
        d.resize = layout ? 40 : 24; d.crop = layout ? 32 : 16;
        d.layout = layout ? BT_LAYOUT_NHWC_U8 : BT_LAYOUT_NCHW_F32;
        d.max_side = 2048; d.max_pixels = 1 << 20; d.max_file_bytes = 1 << 20;
        d.bad_policy = layout ? BT_BAD_FAIL : BT_BAD_SKIP;
        L = bt_loader_create(&d, &st, err, sizeof err);
        if (!L) continue;
        while (bt_loader_next(L, &b) == BT_OK && b.items > 0) { }
        if (bt_loader_num_bad(L) > 0 && !bt_loader_bad_reason(L, 0)) abort();
        bt_loader_destroy(L);
    }
    remove(path);
    return 0;
}

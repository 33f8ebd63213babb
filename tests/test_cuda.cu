/* tests/test_cuda.cu — batchtune_cuda.cu on a real GPU, and its no-GPU behaviour everywhere.
   Build: nvcc -Werror all-warnings -I. -I/usr/include/stb tests/test_cuda.cu batchtune_cuda.cu
   Tests that need a device SKIP with the reason when bt_cuda_device_count finds none (counted as
   skipped); the no-device, bad-argument and absent-NVML paths run on every machine.
   Tolerances: normalize, bias + ReLU and average pooling exact to 1e-6; GEMM, convolution and
   attention within 1e-4 relative (float sums in another order); reference reduction
   bit-identical to a left-to-right CPU sum; whole models (bt_gpu_model_output against
   bt_gpu_model_reference) within 1e-3 of the output scale (see model_vs_reference). */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include "test.h"
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__has_include)
#if __has_include(<cupti_activity.h>)
#include <cupti_activity.h>
#endif
#endif

static int g_ndev = -1;
static char g_nodev[512];
static const char *g_self = "/proc/self/exe";

static int have_gpu(void) {
    if (g_ndev < 0) {
        int n = 0;
        g_ndev = bt_cuda_device_count(&n, g_nodev, sizeof g_nodev) == BT_OK ? n : 0;
    }
    return g_ndev > 0;
}
#define NEED_GPU()                                                                             \
    do {                                                                                       \
        if (!have_gpu()) {                                                                     \
            char why_[600];                                                                    \
            snprintf(why_, sizeof why_, "no CUDA device (%s)", g_nodev);                      \
            SKIP(why_);                                                                        \
        }                                                                                      \
    } while (0)

static float frand(uint64_t *s) {
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(*s >> 40) / 16777216.0 - 0.5);
}
static double rel_err(double got, double want) { return fabs(got - want) / (fabs(want) > 1.0 ? fabs(want) : 1.0); }

/* ---- every machine ------------------------------------------------------------------------ */
static void test_device_count_never_crashes(void) {
    int n = -1;
    char err[512] = "unset";
    bt_status st = bt_cuda_device_count(&n, err, sizeof err);
    if (st == BT_OK) { CHECK(n > 0); CHECK(err[0] == 0); }
    else {
        CHECK(st == BT_E_NO_DEVICE);
        CHECK(n == 0);
        CHECK(strlen(err) > 10);                       /* CUDA's own words are in it */
        printf("  (no device here: %s)\n", err);
    }
    CHECK(bt_cuda_device_count(NULL, err, sizeof err) == BT_E_INVALID);
}
static void test_probe_and_open_without_device(void) {
    bt_device_info info;
    bt_device *d = NULL;
    char err[512];
    if (have_gpu()) {
        CHECK(bt_cuda_probe(g_ndev, &info, err, sizeof err) == BT_E_INVALID);   /* out of range */
        CHECK(strstr(err, "out of range") != NULL);
        CHECK(bt_cuda_device_open(-1, &d, err, sizeof err) == BT_E_INVALID && d == NULL);
        return;
    }
    CHECK(bt_cuda_probe(0, &info, err, sizeof err) == BT_E_NO_DEVICE);
    CHECK(strlen(err) > 10);
    CHECK(bt_cuda_device_open(0, &d, err, sizeof err) == BT_E_NO_DEVICE && d == NULL);
    CHECK(bt_cuda_probe(0, NULL, err, sizeof err) == BT_E_INVALID);
}
static void test_model_init_checks_and_no_device(void) {
    bt_gpu_model m;
    bt_workload w;
    char err[512];
    memset(&m, 0, sizeof m);
    m.batch_axis = 0; m.seq_axis = -1;
    CHECK(bt_gpu_model_init(&m, &w, "x", err, sizeof err) == BT_E_INVALID);   /* kind missing */
    CHECK(strstr(err, "kind") != NULL);
    m.kind = BT_GPU_MLP; m.batch_axis = -1;
    CHECK(bt_gpu_model_init(&m, &w, "x", err, sizeof err) == BT_E_INVALID);
    CHECK(strstr(err, "batch_axis") != NULL);
    m.batch_axis = 0; m.variant = 9;
    CHECK(bt_gpu_model_init(&m, &w, "x", err, sizeof err) == BT_E_INVALID);
    m.variant = BT_VARIANT_NARROWER;
    if (!have_gpu()) {
        CHECK(bt_gpu_model_init(&m, &w, "x", err, sizeof err) == BT_E_NO_DEVICE);
        CHECK(bt_gpu_model_device(&m) == NULL);
        bt_gpu_model_free(&m);                       /* harmless */
    }
}
static void test_bad_arguments_are_named(void) {
    bt_fault_desc fd;
    bt_device *d;
    bt_dev_arena *a;
    bt_cuda_timer *t = NULL;
    bt_cuda_pipeline *p = NULL;
    bt_cuda_pipeline_desc pd;
    float mean[3] = {0, 0, 0}, sd[3] = {1, 1, 0};
    memset(&fd, 0, sizeof fd);
    d = bt_fault_device_create(&fd);
    a = bt_dev_arena_create(d);
    CHECK(bt_cuda_gemm(d, 2, 2, 2, NULL, NULL, NULL, NULL, 0, NULL) == BT_E_INVALID);
    CHECK(strstr(bt_device_error(d), "bt_cuda_gemm") != NULL);
    CHECK(bt_cuda_normalize_nhwc_u8(d, (void *)8, (float *)8, 1, 2, 2, 5, mean, sd, NULL) == BT_E_INVALID);
    CHECK(strstr(bt_device_error(d), "c=5") != NULL);
    CHECK(bt_cuda_normalize_nhwc_u8(d, (void *)8, (float *)8, 1, 2, 2, 3, mean, sd, NULL) == BT_E_INVALID);
    CHECK(strstr(bt_device_error(d), "std[2]") != NULL);
    CHECK(bt_cuda_conv3x3(d, NULL, NULL, NULL, NULL, 1, 0, 1, 1, 1, NULL) == BT_E_INVALID);
    CHECK(bt_cuda_attention_step(d, NULL, NULL, NULL, NULL, NULL, 1, 0, 1, NULL) == BT_E_INVALID);
    CHECK(bt_cuda_reduce_rows(d, (const float *)8, 1, 1, (float *)8, BT_REDUCE_FAST, 0, NULL) == BT_E_INVALID);
    CHECK(strstr(bt_device_error(d), "split=0") != NULL);
    CHECK(bt_cuda_timer_create(NULL, 4, 0, &t) == BT_E_INVALID && t == NULL);
    CHECK(bt_cuda_timer_end(NULL, NULL, NULL) == BT_E_INVALID);
    memset(&pd, 0, sizeof pd);
    CHECK(bt_cuda_pipeline_create(a, &pd, &p) == BT_E_INVALID && p == NULL);
    CHECK(strstr(bt_device_error(d), "slot_bytes") != NULL);
    pd.slot_bytes = 16; pd.slots = 99;
    CHECK(bt_cuda_pipeline_create(a, &pd, &p) == BT_E_INVALID && p == NULL);
    CHECK(bt_cuda_device_index(d) == -1);           /* not a CUDA device */
    CHECK(!bt_device_restart_required(d));
    bt_dev_arena_destroy(a);
    bt_device_destroy(d);
}
static void test_error_mapping(void) {
    bt_dev_err e;
    bt_fault_desc fd;
    bt_device *d;
    CHECK(bt_cuda_map_error(cudaSuccess, "x", &e) == BT_OK && e.status == BT_OK);
    CHECK(bt_cuda_map_error(cudaErrorMemoryAllocation, "cudaMalloc(8 GiB)", &e) == BT_E_OOM_DEVICE);
    CHECK(!e.sticky && e.code == (int)cudaErrorMemoryAllocation);
    CHECK(strstr(e.msg, "cudaMalloc(8 GiB)") && strstr(e.msg, "cudaErrorMemoryAllocation"));
    CHECK(bt_cuda_map_error(cudaErrorInsufficientDriver, "probe", &e) == BT_E_NO_DEVICE && !e.sticky);
    CHECK(bt_cuda_map_error(cudaErrorNoDevice, "probe", &e) == BT_E_NO_DEVICE);
    CHECK(bt_cuda_map_error(cudaErrorInvalidValue, "cudaMemcpy", &e) == BT_E_CUDA && !e.sticky);
    CHECK(bt_cuda_map_error(cudaErrorIllegalAddress, "kernel", &e) == BT_E_CUDA && e.sticky);
    CHECK(strstr(e.msg, "illegal memory access") != NULL);
    CHECK(bt_cuda_map_error(cudaErrorLaunchFailure, "kernel", &e) == BT_E_CUDA && e.sticky);
    CHECK(bt_cuda_map_error(cudaErrorAssert, "kernel", &e) == BT_E_CUDA && e.sticky);
    CHECK(bt_cuda_map_error(cudaErrorMisalignedAddress, "kernel", &e) == BT_E_CUDA && e.sticky);
    CHECK(bt_cuda_map_error(cudaErrorInvalidConfiguration, "launch", NULL) == BT_E_CUDA);
    /* recorded on a device: OOM is not sticky, an illegal address is and stays */
    memset(&fd, 0, sizeof fd);
    d = bt_fault_device_create(&fd);
    CHECK(bt_cuda_record(d, cudaErrorMemoryAllocation, "cudaMalloc") == BT_E_OOM_DEVICE);
    CHECK(!bt_device_restart_required(d));
    CHECK(bt_cuda_record(d, cudaSuccess, "ok") == BT_OK);
    CHECK(bt_cuda_record(d, cudaErrorIllegalAddress, "my kernel") == BT_E_CUDA);
    CHECK(bt_device_restart_required(d));
    CHECK(strstr(bt_device_error(d), "my kernel") && strstr(bt_device_error(d), "sticky"));
    CHECK(bt_cuda_record(d, cudaSuccess, "later") == BT_E_CUDA);   /* the process stays broken */
    bt_device_destroy(d);
}
static void test_nvml_absent_is_not_an_error(void) {
    bt_nvml_sampler *s = NULL;
    bt_nvml_mark mk;
    bt_nvml_window w;
    char err[512] = "";
    CHECK(bt_nvml_sampler_start(0, 0.05, 0, &s, err, sizeof err) == BT_OK);
    CHECK(s != NULL);
    if (!s) return;
    bt_nvml_window_begin(s, &mk);
    bt_nvml_window_end(s, &mk, &w);
    CHECK(isnan(w.util_pct));                        /* a tiny window: never a number */
    if (!bt_nvml_sampler_available(s)) {
        CHECK(strstr(err, "NVML") != NULL);
        CHECK(isnan(w.energy_j) && isnan(w.power_w) && w.nsamples == 0);
        printf("  (%s)\n", err);
    }
    bt_nvml_sampler_stop(s);
    CHECK(bt_nvml_sampler_start(0, -1, 0, &s, err, sizeof err) == BT_E_INVALID);
}

/* ---- CUPTI: the pure parts on synthetic records, absent and unusable CUPTI ------------------- */
static bt_gpu_interval giv(uint64_t b, uint64_t e, uint32_t dev, uint32_t stream, int kind) {
    bt_gpu_interval v;
    v.start = b; v.end = e; v.device = dev; v.stream = stream; v.kind = kind;
    return v;
}
static void test_cupti_interval_union(void) {
    bt_gpu_interval iv[8];
    int n = 0, cnt = -1;
    /* window [1000, 2000): stream 1 runs 900..1200 (clipped to 200) and 1500..1600; stream 2
       1100..1300 overlaps both stream-1 kernels' neighbourhood (union 1000..1300 = 300), a
       nested kernel 1520..1580 on stream 3 adds nothing, 1900..2500 is clipped to 100; a kernel
       on device 1, a copy and one after the window do not count */
    iv[n++] = giv(1500, 1600, 0, 1, BT_GPU_IV_KERNEL);
    iv[n++] = giv(900, 1200, 0, 1, BT_GPU_IV_KERNEL);
    iv[n++] = giv(1100, 1300, 0, 2, BT_GPU_IV_KERNEL);
    iv[n++] = giv(1520, 1580, 0, 3, BT_GPU_IV_KERNEL);
    iv[n++] = giv(1900, 2500, 0, 2, BT_GPU_IV_KERNEL);
    iv[n++] = giv(1000, 2000, 1, 1, BT_GPU_IV_KERNEL);
    iv[n++] = giv(1300, 1500, 0, 7, BT_GPU_IV_MEMCPY);
    iv[n++] = giv(2000, 2100, 0, 1, BT_GPU_IV_KERNEL);
    CHECK(bt_gpu_interval_union(iv, (size_t)n, BT_GPU_IV_KERNEL, 0, 1000, 2000, &cnt) == 300 + 100 + 100);
    CHECK(cnt == 5);
    CHECK(bt_gpu_interval_union(iv, (size_t)n, BT_GPU_IV_KERNEL, -1, 1000, 2000, &cnt) == 1000 && cnt == 6);  /* any device */
    CHECK(bt_gpu_interval_union(iv, (size_t)n, BT_GPU_IV_MEMCPY, 0, 1000, 2000, &cnt) == 200 && cnt == 1);
    CHECK(bt_gpu_interval_union(iv, (size_t)n, 0, 0, 1000, 2000, &cnt) == 300 + 200 + 100 + 100);  /* kernels and copies */
    CHECK(bt_gpu_interval_union(iv, (size_t)n, BT_GPU_IV_KERNEL, 0, 2600, 3000, &cnt) == 0 && cnt == 0);
    CHECK(bt_gpu_interval_union(iv, (size_t)n, BT_GPU_IV_KERNEL, 0, 2000, 1000, &cnt) == 0);        /* empty window */
    CHECK(bt_gpu_interval_union(NULL, 0, 0, -1, 0, 10, NULL) == 0);
    /* identical kernels on two streams count once; touching ones add up */
    n = 0;
    iv[n++] = giv(10, 20, 0, 1, BT_GPU_IV_KERNEL);
    iv[n++] = giv(10, 20, 0, 2, BT_GPU_IV_KERNEL);
    iv[n++] = giv(20, 30, 0, 1, BT_GPU_IV_KERNEL);
    CHECK(bt_gpu_interval_union(iv, (size_t)n, BT_GPU_IV_KERNEL, 0, 0, 100, &cnt) == 20 && cnt == 3);
}

/* an activity buffer as CUPTI fills it: 8-byte aligned records of CUDA 13's layouts */
static size_t put_kernel(unsigned char *buf, size_t off, uint64_t b, uint64_t e, uint32_t dev, uint32_t stream) {
    unsigned char r[216];
    uint32_t kind = 10;   /* CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL */
    memset(r, 0, sizeof r);
    memcpy(r, &kind, 4); memcpy(r + 16, &b, 8); memcpy(r + 24, &e, 8); memcpy(r + 32, &e, 8);   /* completed */
    memcpy(r + 40, &dev, 4); memcpy(r + 48, &stream, 4);
    memcpy(buf + off, r, sizeof r);
    return off + sizeof r;
}
static size_t put_memcpy(unsigned char *buf, size_t off, uint64_t b, uint64_t e, uint32_t dev, uint32_t stream) {
    unsigned char r[96];
    uint32_t kind = 1;    /* CUPTI_ACTIVITY_KIND_MEMCPY */
    uint64_t bytes = 4096;
    memset(r, 0, sizeof r);
    memcpy(r, &kind, 4); r[4] = 1; /* HtoD */ memcpy(r + 8, &bytes, 8); memcpy(r + 16, &b, 8); memcpy(r + 24, &e, 8);
    memcpy(r + 32, &dev, 4); memcpy(r + 40, &stream, 4);
    memcpy(buf + off, r, sizeof r);
    return off + sizeof r;
}
static void test_cupti_parse_records(void) {
    static uint64_t words[1024];
    unsigned char *buf = (unsigned char *)words;
    bt_gpu_interval out[8];
    size_t off = 0, other = 99, n;
    int pass;
    void *lib;
#if defined(__has_include)
#if __has_include(<cupti_activity.h>)
    CHECK(sizeof(CUpti_ActivityKernel10) == 216 && offsetof(CUpti_ActivityKernel10, streamId) == 48);
    CHECK(sizeof(CUpti_ActivityMemcpy6) == 96 && offsetof(CUpti_ActivityMemcpy6, streamId) == 40);
#endif
#endif
    off = put_kernel(buf, off, 1000, 1500, 0, 7);
    off = put_memcpy(buf, off, 900, 1000, 0, 13);
    off = put_kernel(buf, off, 1200, 1800, 0, 8);
    off = put_kernel(buf, off, 2000, 0, 0, 7);          /* incomplete: end 0 */
    off = put_kernel(buf, off, 3000, 3100, 1, 9);
    /* the built-in walker, then CUPTI's own iterator where the library loads (it needs no GPU) */
    {
        char name[64];
        snprintf(name, sizeof name, "libcupti.so.%d", CUDART_VERSION / 1000);
        lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        snprintf(name, sizeof name, "/usr/local/cuda/lib64/libcupti.so.%d", CUDART_VERSION / 1000);
        if (!lib) lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    }
    for (pass = 0; pass < 2; pass++) {
        bt_cupti_next_fn next = NULL;
        if (pass == 1) {
            if (!lib) { printf("  (CUPTI library not found: its iterator not compared)\n"); break; }
            next = (bt_cupti_next_fn)dlsym(lib, "cuptiActivityGetNextRecord");
            CHECK(next != NULL);
            if (!next) break;
        }
        memset(out, 0, sizeof out);
        n = bt_cupti_parse_buffer(buf, off, next, out, 8, &other);
        CHECK(n == 4 && other == 1);
        CHECK(out[0].kind == BT_GPU_IV_KERNEL && out[0].start == 1000 && out[0].end == 1500 && out[0].stream == 7 && out[0].device == 0);
        CHECK(out[1].kind == BT_GPU_IV_MEMCPY && out[1].start == 900 && out[1].end == 1000 && out[1].stream == 13);
        CHECK(out[2].kind == BT_GPU_IV_KERNEL && out[2].start == 1200 && out[2].end == 1800 && out[2].stream == 8);
        CHECK(out[3].device == 1 && out[3].stream == 9 && out[3].end == 3100);
        CHECK(bt_gpu_interval_union(out, n, BT_GPU_IV_KERNEL, 0, 1000, 2000, NULL) == 800);   /* 1000..1800 */
        n = bt_cupti_parse_buffer(buf, off, next, out, 2, &other);   /* room for 2: counts all */
        CHECK(n == 4);
        n = bt_cupti_parse_buffer(buf, off - 10, next, out, 8, &other);   /* last record cut */
        CHECK(n == 3);
    }
    if (lib) dlclose(lib);
    CHECK(bt_cupti_parse_buffer(NULL, 10, NULL, out, 8, &other) == 0 && other == 0);
}

static void test_cupti_absent_library(void) {
    bt_cupti *c = NULL;
    bt_cupti_mark mk;
    bt_cupti_window w;
    char err[512] = "";
    CHECK(bt_cupti_start(0, "/nonexistent/libcupti.so.13", &c, err, sizeof err) == BT_OK);
    CHECK(c != NULL && !bt_cupti_available(c));
    CHECK(strstr(err, "CUPTI not available") && strstr(err, "/nonexistent/libcupti.so.13"));
    CHECK(strstr(bt_cupti_reason(c), "/nonexistent") != NULL);
    bt_cupti_window_begin(c, &mk);
    bt_cupti_window_end(c, &mk, &w);
    CHECK(isnan(w.busy_fraction) && isnan(w.copy_fraction) && strstr(w.why, "CUPTI not available"));
    bt_cupti_stop(c);
    /* the environment names the library when the caller does not */
    setenv("BATCHTUNE_CUPTI_LIB", "/nowhere/libcupti-test.so", 1);
    CHECK(bt_cupti_start(0, NULL, &c, err, sizeof err) == BT_OK && c && !bt_cupti_available(c));
    CHECK(strstr(err, "/nowhere/libcupti-test.so") != NULL);
    unsetenv("BATCHTUNE_CUPTI_LIB");
    bt_cupti_stop(c);
    CHECK(bt_cupti_start(0, NULL, NULL, err, sizeof err) == BT_E_INVALID);
    bt_cupti_window_end(NULL, NULL, &w);            /* no collector: NAN, no crash */
    CHECK(isnan(w.busy_fraction) && w.why[0]);
    bt_cupti_stop(NULL);
}

/* ---- the CPU reference of bt_gpu_model, checked against the documented generator by hand ---- */
static float spec_param(size_t i, unsigned seed, float scale) {   /* batchtune.h, bt_gpu_model_reference */
    unsigned h = (unsigned)i * 2654435761u ^ seed;
    h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
    return ((float)(h & 0xffffff) / 16777216.0f - 0.5f) * 2.0f * scale;
}
static void spec_inputs(uint64_t seed, float *x, int n) {
    uint64_t r = seed * 6364136223846793005ull + 1442695040888963407ull;
    int i;
    for (i = 0; i < n; i++) { r = r * 6364136223846793005ull + 1442695040888963407ull; x[i] = (float)((double)(r >> 40) / 16777216.0 - 0.5); }
}
static bt_gpu_model tiny_model(int kind, int layers, int width, uint64_t seed) {
    bt_gpu_model m;
    memset(&m, 0, sizeof m);
    m.kind = kind; m.layers = layers; m.width = width; m.seed = seed; m.seq_axis = -1;
    return m;
}
static void test_model_reference_by_hand(void) {
    char err[512];
    float out[64], out2[64], x[16];
    int i, j, l;
    { /* MLP, 1 layer of width 1: relu(x w + b) */
        bt_gpu_model m = tiny_model(BT_GPU_MLP, 1, 1, 5);
        spec_inputs(5, x, 3);
        CHECK(bt_gpu_model_reference(&m, 4, 0, 3, out, 64, err, sizeof err) == BT_OK);
        for (i = 0; i < 3; i++) {
            double want = (double)x[i] * spec_param(0, 6, 1.0f) + spec_param(0, 7, 0.01f);
            CHECK_NEAR(out[i], want > 0 ? want : 0, 1e-7);
        }
    }
    { /* MLP, 2 layers of width 3, written out from the spec */
        bt_gpu_model m = tiny_model(BT_GPU_MLP, 2, 3, 9);
        float h[2][3], wsc = 1.0f / sqrtf(3.0f);
        int nz = 0;
        spec_inputs(9, x, 6);
        CHECK(bt_gpu_model_reference(&m, 2, 0, 2, out, 64, err, sizeof err) == BT_OK);
        for (i = 0; i < 2; i++) {
            for (j = 0; j < 3; j++) h[0][j] = x[i * 3 + j];
            for (l = 0; l < 2; l++) {
                for (j = 0; j < 3; j++) {
                    double a = spec_param((size_t)l * 3 + j, 11, 0.01f);
                    int k;
                    for (k = 0; k < 3; k++) a += (double)h[l & 1][k] * spec_param((size_t)l * 9 + k * 3 + j, 10, wsc);
                    h[(l + 1) & 1][j] = a > 0 ? (float)a : 0.0f;
                }
            }
            for (j = 0; j < 3; j++) { CHECK_NEAR(out[i * 3 + j], h[0][j], 1e-6); nz += h[0][j] != 0; }
        }
        CHECK(nz > 0);   /* not all cut off by the ReLU */
    }
    { /* narrower = the original at width / factor; shallower = the original at layers / factor */
        bt_gpu_model a = tiny_model(BT_GPU_MLP, 4, 8, 3), b = tiny_model(BT_GPU_MLP, 4, 4, 3), c = tiny_model(BT_GPU_MLP, 2, 8, 3);
        a.variant = BT_VARIANT_NARROWER;
        CHECK(bt_gpu_model_reference(&a, 2, 0, 2, out, 64, err, sizeof err) == BT_OK);
        CHECK(bt_gpu_model_reference(&b, 2, 0, 2, out2, 64, err, sizeof err) == BT_OK);
        CHECK(memcmp(out, out2, 8 * sizeof(float)) == 0);
        a.variant = BT_VARIANT_SHALLOWER;
        CHECK(bt_gpu_model_reference(&a, 2, 0, 2, out, 64, err, sizeof err) == BT_OK);
        CHECK(bt_gpu_model_reference(&c, 2, 0, 2, out2, 64, err, sizeof err) == BT_OK);
        CHECK(memcmp(out, out2, 16 * sizeof(float)) == 0);
    }
    { /* decoder with S = 1: softmax is 1, so the step is V Wo + b whatever q is */
        bt_gpu_model m = tiny_model(BT_GPU_DECODER, 1, 1, 2);
        m.steps = 1; m.seq = 1;
        CHECK(bt_gpu_model_reference(&m, 3, 0, 3, out, 64, err, sizeof err) == BT_OK);
        for (i = 0; i < 3; i++) CHECK_NEAR(out[i], (double)spec_param((size_t)i, 13, 1.0f) * spec_param(1, 3, 1.0f) + spec_param(0, 4, 0.01f), 1e-6);
        /* rows are independent: the first 2 of 3 are the same as 2 alone */
        m.width = 4; m.seq = 5; m.steps = 2; m.layers = 2;
        CHECK(bt_gpu_model_reference(&m, 3, 0, 3, out, 64, err, sizeof err) == BT_OK);
        CHECK(bt_gpu_model_reference(&m, 3, 0, 2, out2, 64, err, sizeof err) == BT_OK);
        CHECK(memcmp(out, out2, 8 * sizeof(float)) == 0);
        /* the cache is laid out for the cell's batch: another batch reads other keys */
        CHECK(bt_gpu_model_reference(&m, 4, 0, 2, out2, 64, err, sizeof err) == BT_OK);
        CHECK(memcmp(out, out2, 8 * sizeof(float)) != 0);
    }
    { /* conv on a 1x1 image, 1 layer: only the centre tap, pooling over one pixel */
        bt_gpu_model m = tiny_model(BT_GPU_CONV, 1, 2, 4);
        static const float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
        uint64_t r = 4 * 6364136223846793005ull + 1442695040888963407ull;
        float nin[3];
        int co, c;
        m.image = 1;
        for (c = 0; c < 3; c++) { r = r * 6364136223846793005ull + 1442695040888963407ull; nin[c] = ((float)(unsigned char)(r >> 56) / 255.0f - mean[c]) / sd[c]; }
        CHECK(bt_gpu_model_reference(&m, 1, 0, 1, out, 64, err, sizeof err) == BT_OK);
        for (co = 0; co < 2; co++) {
            double a = spec_param((size_t)co, 6, 0.01f);
            for (c = 0; c < 3; c++) a += (double)nin[c] * spec_param((size_t)co * 27 + c * 9 + 4, 5, 1.0f / sqrtf(18.0f));
            CHECK_NEAR(out[co], a > 0 ? a : 0, 1e-5);
        }
        /* pooling: a 2x2 image gives the mean of four ReLU outputs, within their range */
        m.image = 2;
        CHECK(bt_gpu_model_reference(&m, 1, 0, 1, out, 64, err, sizeof err) == BT_OK);
        CHECK(out[0] >= 0 && out[1] >= 0 && out[0] + out[1] > 0);
    }
    { /* reduce: left-to-right float sums of the inputs */
        bt_gpu_model m = tiny_model(BT_GPU_REDUCE, 1, 3, 8);
        spec_inputs(8, x, 6);
        CHECK(bt_gpu_model_reference(&m, 2, 0, 2, out, 64, err, sizeof err) == BT_OK);
        CHECK(out[0] == (x[0] + x[1]) + x[2] && out[1] == (x[3] + x[4]) + x[5]);
    }
    { /* argument checks name the problem */
        bt_gpu_model m = tiny_model(BT_GPU_MLP, 1, 4, 1);
        CHECK(bt_gpu_model_reference(&m, 2, 0, 3, out, 64, err, sizeof err) == BT_E_INVALID && strstr(err, "rows"));
        CHECK(bt_gpu_model_reference(&m, 2, 0, 2, out, 7, err, sizeof err) == BT_E_INVALID && strstr(err, "8 floats"));
        CHECK(bt_gpu_model_reference(NULL, 2, 0, 2, out, 64, err, sizeof err) == BT_E_INVALID);
        m.kind = 0;
        CHECK(bt_gpu_model_reference(&m, 2, 0, 2, out, 64, err, sizeof err) == BT_E_INVALID && strstr(err, "kind"));
    }
}

/* ---- cuBLAS through dlopen: absent, unusable, present (no device needed) ---- */
static void test_cublas_loading(void) {
    char why[1024];
    bt_gpu_model m;
    bt_workload w;
    const char *gw = NULL;
    int here = access("/usr/local/cuda/lib64/libcublas.so", F_OK) == 0;
    CHECK(bt_cuda_cublas_available("/nonexistent/libcublas.so.13", why, sizeof why) == 0);
    CHECK(strstr(why, "cuBLAS not available") && strstr(why, "/nonexistent/libcublas.so.13"));
    CHECK(bt_cuda_cublas_available("libm.so.6", why, sizeof why) == 0);   /* loads, lacks the calls */
    CHECK(strstr(why, "not usable") && strstr(why, "cublasSgemm_v2"));
    setenv("BATCHTUNE_CUBLAS_LIB", "/nowhere/libcublas-test.so", 1);
    CHECK(bt_cuda_cublas_available(NULL, why, sizeof why) == 0 && strstr(why, "/nowhere/libcublas-test.so"));
    unsetenv("BATCHTUNE_CUBLAS_LIB");
    if (here) {   /* CUDA's own libcublas loads and resolves without a device */
        CHECK(bt_cuda_cublas_available(NULL, why, sizeof why) == 1);
        CHECK(strstr(why, "cuBLAS ") == why && strstr(why, "libcublas.so"));
        printf("  %s\n", why);
    } else printf("  (no /usr/local/cuda/lib64/libcublas.so here: the present-library path is not checked)\n");
    if (here) CHECK(bt_cuda_cublas_available(NULL, NULL, 0) == 1);   /* why is optional */
    /* the model: a required cuBLAS that is absent fails before the device is opened */
    memset(&m, 0, sizeof m);
    m.kind = BT_GPU_MLP; m.batch_axis = 0; m.seq_axis = -1; m.use_cublas = 1; m.cublas_lib = "/nonexistent/libcublas.so";
    CHECK(bt_gpu_model_init(&m, &w, "x", why, sizeof why) == BT_E_UNSUPPORTED);
    CHECK(strstr(why, "use_cublas = 1") && strstr(why, "/nonexistent/libcublas.so"));
    CHECK(m.priv == NULL);
    m.use_cublas = 2;
    CHECK(bt_gpu_model_init(&m, &w, "x", why, sizeof why) == BT_E_INVALID && strstr(why, "use_cublas"));
    m.use_cublas = 0;
    CHECK(strcmp(bt_gpu_model_gemm(&m, &gw), "tiled") == 0 && strstr(gw, "not initialized"));
    CHECK(bt_gpu_model_output(&m, NULL, 0, NULL) == BT_E_INVALID);
    if (have_gpu()) {   /* absent library, default use_cublas: our GEMM, and the reason says why */
        m.cublas_lib = "/nonexistent/libcublas.so";
        CHECK(bt_gpu_model_init(&m, &w, "x", why, sizeof why) == BT_OK);
        CHECK(strcmp(bt_gpu_model_gemm(&m, &gw), "tiled") == 0 && strstr(gw, "our tiled GEMM") && strstr(gw, "/nonexistent"));
        bt_gpu_model_free(&m);
    }
}

/* NVML sampling owned by the sweep: the models have the sampler exactly while cells run */
typedef struct hook_wl { bt_gpu_model *models; bt_cuda_nvml_hook *h; int runs, had, matched; } hook_wl;
static bt_status hook_run(const bt_cell *cell, void *user, bt_sample *s) {
    hook_wl *u = (hook_wl *)user;
    (void)cell;
    u->runs++;
    u->had += u->models[0].nvml != NULL && u->models[1].nvml != NULL;
    u->matched += u->models[1].nvml == bt_cuda_nvml_hook_sampler(u->h);
    s->items = 1;
    return BT_OK;
}
static void test_nvml_hook_owned_by_sweep(void) {
    bt_gpu_model models[2];
    bt_nvml_sampler *mine = (bt_nvml_sampler *)&models;   /* a caller's own value, put back after */
    bt_sweep_desc d;
    bt_workload w;
    bt_grid *g = bt_grid_create();
    bt_results *r = NULL;
    hook_wl u;
    char err[256];
    memset(models, 0, sizeof models);
    models[1].nvml = mine;
    memset(&d, 0, sizeof d);
    memset(&u, 0, sizeof u);
    d.stop.min_samples = 1; d.stop.max_samples = 2; d.stop.min_time_s = 1e-6; d.stop.max_time_s = 0.01;
    CHECK(bt_cuda_nvml_hook_init(&d, models, 2, 0, 0.05, 0, &u.h, err, sizeof err) == BT_OK && u.h);
    CHECK(strcmp(bt_cuda_nvml_hook_reason(u.h), "not started") == 0 && bt_cuda_nvml_hook_sampler(u.h) == NULL);
    CHECK(models[0].nvml == NULL && models[1].nvml == mine);     /* nothing happens before the sweep */
    u.models = models;
    memset(&w, 0, sizeof w);
    w.name = "hook"; w.run = hook_run; w.user = &u;
    bt_grid_axis_pow2(g, "batch", 1, 4);
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    CHECK(u.runs >= 3 && u.had == u.runs && u.matched == u.runs);
    CHECK(models[0].nvml == NULL && models[1].nvml == mine && bt_cuda_nvml_hook_sampler(u.h) == NULL);
    if (strcmp(bt_cuda_nvml_hook_reason(u.h), "") != 0) {   /* no NVML here: said, not an error */
        CHECK(strstr(bt_cuda_nvml_hook_reason(u.h), "NVML") != NULL);
        printf("  (%s)\n", bt_cuda_nvml_hook_reason(u.h));
    }
    bt_results_free(r);
    bt_cuda_nvml_hook_free(u.h);
    CHECK(bt_cuda_nvml_hook_init(&d, NULL, 2, 0, 0, 0, &u.h, err, sizeof err) == BT_E_INVALID && strstr(err, "bad arguments"));
    CHECK(bt_cuda_nvml_hook_init(&d, models, 2, 0, 0, 0, NULL, err, sizeof err) == BT_E_INVALID);
    bt_grid_destroy(g);
}

/* a CPU workload that reports a CUPTI window's figure as its metric: the sweep goes on */
typedef struct cupti_wl { bt_cupti *c; char why[256]; } cupti_wl;
static const bt_metric_def cupti_metric[1] = {{"busy_pct_cupti", "%", 1}};
static bt_status cupti_run(const bt_cell *cell, void *user, bt_sample *s) {
    cupti_wl *u = (cupti_wl *)user;
    bt_cupti_mark mk;
    bt_cupti_window w;
    volatile double x = 0;
    int i;
    (void)cell;
    bt_cupti_window_begin(u->c, &mk);
    for (i = 0; i < 10000; i++) x += i;
    bt_cupti_window_end(u->c, &mk, &w);
    snprintf(u->why, sizeof u->why, "%s", w.why);
    s->items = 1;
    s->metric[0] = w.busy_fraction * 100.0;
    return BT_OK;
}
static void test_cupti_without_device(void) {
    bt_cupti *c = NULL, *c2 = NULL;
    char err[512] = "";
    bt_grid *g;
    bt_workload wl;
    bt_sweep_desc d;
    bt_results *r = NULL;
    cupti_wl u;
    size_t k;
    CHECK(bt_cupti_start(0, NULL, &c, err, sizeof err) == BT_OK && c != NULL);
    if (!c) return;
    printf("  (CUPTI: %s)\n", bt_cupti_available(c) ? "available" : err);
    if (have_gpu()) {
        CHECK(bt_cupti_available(c));
        CHECK(bt_cupti_start(0, NULL, &c2, err, sizeof err) == BT_OK && c2 && !bt_cupti_available(c2));   /* one per process */
        CHECK(strstr(err, "another bt_cupti") != NULL);
        bt_cupti_stop(c2);
        bt_cupti_stop(c);
        return;
    }
    CHECK(!bt_cupti_available(c));
    CHECK(strstr(err, "CUPTI not") != NULL);          /* library absent, or present and unusable */
    memset(&u, 0, sizeof u);
    u.c = c;
    g = bt_grid_create();
    CHECK(bt_grid_axis_pow2(g, "batch", 1, 2) >= 0);
    memset(&wl, 0, sizeof wl);
    wl.name = "cpu"; wl.user = &u; wl.run = cupti_run; wl.metrics = cupti_metric; wl.num_metrics = 1;
    memset(&d, 0, sizeof d);
    d.stop.warmup = -1; d.stop.min_samples = 2; d.stop.max_samples = 2; d.stop.min_time_s = 1e-6; d.stop.max_time_s = 0.5;
    CHECK(bt_sweep_run(g, &wl, 1, &d, &r) == BT_OK);
    CHECK(r && bt_results_num_rows(r) == 2);
    for (k = 0; r && k < bt_results_num_rows(r); k++) {
        const bt_row *row = bt_results_row(r, k);
        int col = bt_results_metric_index(r, "busy_pct_cupti");
        CHECK(row->status == BT_CELL_OK && col >= 0);
        if (col >= 0) CHECK(isnan(row->m[col]));      /* the column is there, empty */
    }
    CHECK(strstr(u.why, "CUPTI not") != NULL);
    if (r) {   /* an all-empty column still draws (as empty cells) in the heatmap and the report */
        const char *hm[1] = {"busy_pct_cupti"};
        bt_html_opts ho;
        char html[64];
        FILE *f = tmpfile();
        snprintf(html, sizeof html, "/tmp/bt_cupti_%d.html", (int)getpid());
        memset(&ho, 0, sizeof ho);
        ho.metrics = hm; ho.num_metrics = 1;
        if (f) { bt_print_heatmap(r, NULL, "batch", NULL, "busy_pct_cupti", f, BT_HEATMAP_PLAIN); fclose(f); }
        CHECK(bt_write_html_report(r, NULL, bt_results_meta(r), html, &ho) == BT_OK);
        remove(html);
    }
    bt_results_free(r);
    bt_grid_destroy(g);
    bt_cupti_stop(c);
    /* after stop another collector may start (it is unusable here for the same reason) */
    CHECK(bt_cupti_start(0, NULL, &c, err, sizeof err) == BT_OK && c && strstr(err, "another") == NULL);
    bt_cupti_stop(c);
}

/* ---- GPU ----------------------------------------------------------------------------------- */
static void test_probe(void) {
    bt_device_info info;
    char err[512], desc[512];
    NEED_GPU();
    CHECK(bt_cuda_probe(0, &info, err, sizeof err) == BT_OK);
    CHECK(info.name[0] != 0);
    CHECK(info.sm_count > 0 && info.cc_major >= 3 && info.l2_bytes > 0);
    CHECK(info.total_mem_bytes > 0 && info.free_mem_bytes > 0 && info.free_mem_bytes <= info.total_mem_bytes);
    CHECK(info.driver_version > 0 && info.runtime_version > 0);
    bt_device_describe(&info, desc, sizeof desc);
    printf("  device: %s, L2 %d KiB, SM clock %d MHz, driver %d, runtime %d\n", desc, info.l2_bytes / 1024,
           info.sm_clock_khz / 1000, info.driver_version, info.runtime_version);
}

typedef struct gpu_env { bt_device *d; bt_dev_arena *a; void *st; } gpu_env;
static int env_open(gpu_env *e) {
    char err[512];
    memset(e, 0, sizeof *e);
    if (bt_cuda_device_open(0, &e->d, err, sizeof err) != BT_OK) { printf("  open: %s\n", err); return 0; }
    e->a = bt_dev_arena_create(e->d);
    return e->a && bt_cuda_stream_create(e->d, &e->st) == BT_OK;
}
static void env_close(gpu_env *e) {
    bt_cuda_stream_destroy(e->st);
    bt_dev_arena_destroy(e->a);
    bt_device_destroy(e->d);
}
static void *dev_copy(gpu_env *e, const void *h, size_t n) {
    void *p = NULL;
    if (bt_dev_alloc(e->a, BT_MEM_DEVICE, n, &p) != BT_OK) return NULL;
    if (h) cudaMemcpy(p, h, n, cudaMemcpyHostToDevice);
    return p;
}

static void test_normalize_matches_cpu(void) {
    gpu_env e;
    const int n = 3, h = 17, w = 23, c = 3;
    const float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
    unsigned char *in;
    float *out, *dout;
    void *din;
    size_t np = (size_t)n * h * w, i;
    int b, y, x, ch, bad = 0;
    NEED_GPU();
    CHECK(env_open(&e));
    in = (unsigned char *)malloc(np * c);
    out = (float *)malloc(np * c * sizeof(float));
    for (i = 0; i < np * c; i++) in[i] = (unsigned char)(i * 37 + 11);
    din = dev_copy(&e, in, np * c);
    dout = (float *)dev_copy(&e, NULL, np * c * sizeof(float));
    CHECK(bt_cuda_normalize_nhwc_u8(e.d, din, dout, n, h, w, c, mean, sd, e.st) == BT_OK);
    CHECK(bt_device_sync(e.d) == BT_OK);
    cudaMemcpy(out, dout, np * c * sizeof(float), cudaMemcpyDeviceToHost);
    for (b = 0; b < n; b++) for (y = 0; y < h; y++) for (x = 0; x < w; x++) for (ch = 0; ch < c; ch++) {
        float want = ((float)in[(((size_t)b * h + y) * w + x) * c + ch] / 255.0f - mean[ch]) / sd[ch];
        float got = out[(((size_t)b * c + ch) * h + y) * w + x];
        if (fabsf(got - want) > 1e-6f * (fabsf(want) > 1 ? fabsf(want) : 1)) bad++;
    }
    CHECK(bad == 0);
    free(in); free(out);
    env_close(&e);
}

static void test_gemm_conv_attention_match_cpu(void) {
    gpu_env e;
    uint64_t seed = 7;
    const int m = 37, n = 45, k = 29;
    float *A, *B, *bias, *C, *dA, *dB, *dbias, *dC;
    int i, j, l, bad = 0;
    NEED_GPU();
    CHECK(env_open(&e));
    A = (float *)malloc(sizeof(float) * m * k); B = (float *)malloc(sizeof(float) * k * n);
    bias = (float *)malloc(sizeof(float) * n); C = (float *)malloc(sizeof(float) * m * n);
    for (i = 0; i < m * k; i++) A[i] = frand(&seed);
    for (i = 0; i < k * n; i++) B[i] = frand(&seed);
    for (i = 0; i < n; i++) bias[i] = frand(&seed);
    dA = (float *)dev_copy(&e, A, sizeof(float) * m * k); dB = (float *)dev_copy(&e, B, sizeof(float) * k * n);
    dbias = (float *)dev_copy(&e, bias, sizeof(float) * n); dC = (float *)dev_copy(&e, NULL, sizeof(float) * m * n);
    CHECK(bt_cuda_gemm(e.d, m, n, k, dA, dB, dC, dbias, 1, e.st) == BT_OK);
    CHECK(bt_device_sync(e.d) == BT_OK);
    cudaMemcpy(C, dC, sizeof(float) * m * n, cudaMemcpyDeviceToHost);
    for (i = 0; i < m; i++) for (j = 0; j < n; j++) {
        double acc = bias[j];
        for (l = 0; l < k; l++) acc += (double)A[i * k + l] * B[l * n + j];
        if (acc < 0) acc = 0;
        if (rel_err(C[i * n + j], acc) > 1e-4) bad++;
    }
    CHECK(bad == 0);
    free(A); free(B); free(bias); free(C);
    { /* conv 3x3 */
        const int nb = 2, ci = 3, co = 4, h = 9, w = 7;
        size_t ni = (size_t)nb * ci * h * w, nw = (size_t)co * ci * 9, no = (size_t)nb * co * h * w;
        float *in = (float *)malloc(ni * 4), *wt = (float *)malloc(nw * 4), *bs = (float *)malloc(co * 4), *out = (float *)malloc(no * 4);
        float *din, *dwt, *dbs, *dout;
        int b, o, y, x, c, dy, dx;
        for (size_t q = 0; q < ni; q++) in[q] = frand(&seed);
        for (size_t q = 0; q < nw; q++) wt[q] = frand(&seed);
        for (o = 0; o < co; o++) bs[o] = frand(&seed);
        din = (float *)dev_copy(&e, in, ni * 4); dwt = (float *)dev_copy(&e, wt, nw * 4);
        dbs = (float *)dev_copy(&e, bs, co * 4); dout = (float *)dev_copy(&e, NULL, no * 4);
        CHECK(bt_cuda_conv3x3(e.d, din, dwt, dbs, dout, nb, ci, co, h, w, e.st) == BT_OK);
        CHECK(bt_device_sync(e.d) == BT_OK);
        cudaMemcpy(out, dout, no * 4, cudaMemcpyDeviceToHost);
        bad = 0;
        for (b = 0; b < nb; b++) for (o = 0; o < co; o++) for (y = 0; y < h; y++) for (x = 0; x < w; x++) {
            double acc = bs[o];
            for (c = 0; c < ci; c++) for (dy = -1; dy <= 1; dy++) for (dx = -1; dx <= 1; dx++) {
                int yy = y + dy, xx = x + dx;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                acc += (double)in[(((size_t)b * ci + c) * h + yy) * w + xx] * wt[((o * ci + c) * 3 + dy + 1) * 3 + dx + 1];
            }
            if (acc < 0) acc = 0;
            if (rel_err(out[(((size_t)b * co + o) * h + y) * w + x], acc) > 1e-4) bad++;
        }
        CHECK(bad == 0);
        free(in); free(wt); free(bs); free(out);
    }
    { /* attention step */
        const int nb = 3, s = 50, dim = 40;
        size_t nq = (size_t)nb * dim, nkv = (size_t)nb * s * dim;
        float *q = (float *)malloc(nq * 4), *K = (float *)malloc(nkv * 4), *V = (float *)malloc(nkv * 4), *out = (float *)malloc(nq * 4);
        float *dq, *dK, *dV, *dsc, *dout;
        int b, j2, dd;
        for (size_t z = 0; z < nq; z++) q[z] = frand(&seed);
        for (size_t z = 0; z < nkv; z++) { K[z] = frand(&seed); V[z] = frand(&seed); }
        dq = (float *)dev_copy(&e, q, nq * 4); dK = (float *)dev_copy(&e, K, nkv * 4); dV = (float *)dev_copy(&e, V, nkv * 4);
        dsc = (float *)dev_copy(&e, NULL, (size_t)nb * s * 4); dout = (float *)dev_copy(&e, NULL, nq * 4);
        CHECK(bt_cuda_attention_step(e.d, dq, dK, dV, dsc, dout, nb, s, dim, e.st) == BT_OK);
        CHECK(bt_device_sync(e.d) == BT_OK);
        cudaMemcpy(out, dout, nq * 4, cudaMemcpyDeviceToHost);
        bad = 0;
        for (b = 0; b < nb; b++) {
            double sc[50], mx = -1e300, sum = 0;
            for (j2 = 0; j2 < s; j2++) {
                double a = 0;
                for (dd = 0; dd < dim; dd++) a += (double)K[((size_t)b * s + j2) * dim + dd] * q[(size_t)b * dim + dd];
                sc[j2] = a / sqrt((double)dim);
                if (sc[j2] > mx) mx = sc[j2];
            }
            for (j2 = 0; j2 < s; j2++) { sc[j2] = exp(sc[j2] - mx); sum += sc[j2]; }
            for (dd = 0; dd < dim; dd++) {
                double a = 0;
                for (j2 = 0; j2 < s; j2++) a += sc[j2] / sum * V[((size_t)b * s + j2) * dim + dd];
                if (rel_err(out[(size_t)b * dim + dd], a) > 1e-4) bad++;
            }
        }
        CHECK(bad == 0);
        free(q); free(K); free(V); free(out);
    }
    env_close(&e);
}

static void test_reductions(void) {
    gpu_env e;
    uint64_t seed = 3;
    const int rows = 64, cols = 5000;
    float *x, ref[64], fast[64], *dx, *dref, *dfast;
    int r, j, bad = 0, far = 0;
    NEED_GPU();
    x = (float *)malloc(sizeof(float) * rows * cols);
    CHECK(env_open(&e));
    for (r = 0; r < rows * cols; r++) x[r] = frand(&seed);
    dx = (float *)dev_copy(&e, x, sizeof(float) * rows * cols);
    dref = (float *)dev_copy(&e, NULL, sizeof ref); dfast = (float *)dev_copy(&e, NULL, sizeof fast);
    CHECK(bt_cuda_reduce_rows(e.d, dx, rows, cols, dref, BT_REDUCE_REFERENCE, 1, e.st) == BT_OK);
    CHECK(bt_cuda_reduce_rows(e.d, dx, rows, cols, dfast, BT_REDUCE_FAST, 17, e.st) == BT_OK);
    CHECK(bt_device_sync(e.d) == BT_OK);
    cudaMemcpy(ref, dref, sizeof ref, cudaMemcpyDeviceToHost);
    cudaMemcpy(fast, dfast, sizeof fast, cudaMemcpyDeviceToHost);
    for (r = 0; r < rows; r++) {
        float acc = 0.0f;
        for (j = 0; j < cols; j++) acc += x[(size_t)r * cols + j];    /* the same fixed order */
        if (memcmp(&acc, &ref[r], sizeof acc) != 0) bad++;
        if (fabsf(fast[r] - acc) > 1e-3f * (1 + fabsf(acc))) far++;
    }
    CHECK(bad == 0);
    CHECK(far == 0);
    free(x);
    env_close(&e);
}

typedef struct spin { bt_device *d; const float *w; float *out; } spin;
static bt_status spin_compute(void *dev_in, size_t bytes, int slot, void *stream, void *user) {
    spin *sp = (spin *)user;
    /* a fixed amount of work per batch: the batch (rows of 1024 floats) times a 1024 x 1024 matrix */
    int rows = (int)(bytes / sizeof(float) / 1024);
    (void)slot;
    return bt_cuda_gemm(sp->d, rows, 1024, 1024, (const float *)dev_in, sp->w, sp->out, NULL, 0, stream);
}
static void test_timer_and_overlap(void) {
    gpu_env e;
    bt_cuda_timer *t = NULL;
    bt_sample s;
    double busy = -1;
    bt_cuda_pipeline *p = NULL;
    bt_cuda_pipeline_desc pd;
    bt_cuda_pipeline_stats ps;
    void *dbuf = NULL, *hbuf = NULL, *wbuf = NULL, *obuf = NULL;
    spin sp;
    int i;
    const size_t bytes = (size_t)1024 * 1024 * sizeof(float);   /* 1024 rows of 1024 floats */
    NEED_GPU();
    CHECK(env_open(&e));
    CHECK(bt_cuda_timer_create(e.a, 8, 1, &t) == BT_OK);
    CHECK(bt_dev_alloc(e.a, BT_MEM_DEVICE, bytes, &dbuf) == BT_OK);
    CHECK(bt_dev_alloc(e.a, BT_MEM_PINNED, bytes, &hbuf) == BT_OK);
    CHECK(bt_dev_alloc(e.a, BT_MEM_DEVICE, bytes, &wbuf) == BT_OK);
    CHECK(bt_dev_alloc(e.a, BT_MEM_DEVICE, bytes, &obuf) == BT_OK);
    sp.d = e.d; sp.w = (const float *)wbuf; sp.out = (float *)obuf;
    memset(&s, 0, sizeof s);
    for (i = 0; i < BT_PHASE_COUNT; i++) s.phase_s[i] = -1;
    CHECK(bt_cuda_timer_begin(t, e.st) == BT_OK);
    CHECK(bt_cuda_timer_phase(t, BT_PHASE_H2D, 1, e.st) == BT_OK);
    cudaMemcpyAsync(dbuf, hbuf, bytes, cudaMemcpyHostToDevice, (cudaStream_t)e.st);
    CHECK(bt_cuda_timer_phase(t, BT_PHASE_H2D, 0, e.st) == BT_OK);
    CHECK(bt_cuda_timer_phase(t, BT_PHASE_COMPUTE, 1, e.st) == BT_OK);
    CHECK(spin_compute(dbuf, bytes, 0, e.st, &sp) == BT_OK);
    CHECK(bt_cuda_timer_phase(t, BT_PHASE_COMPUTE, 0, e.st) == BT_OK);
    CHECK(bt_cuda_timer_phase(t, BT_PHASE_D2H, 0, e.st) == BT_E_INVALID);   /* never begun */
    CHECK(bt_cuda_timer_end(t, &s, &busy) == BT_OK);
    CHECK(s.phase_s[BT_PHASE_H2D] > 0 && s.phase_s[BT_PHASE_COMPUTE] > 0 && s.phase_s[BT_PHASE_D2H] < 0);
    CHECK(busy > 0 && busy <= 1);
    printf("  h2d %.3g ms, compute %.3g ms, busy %.0f %%\n", s.phase_s[BT_PHASE_H2D] * 1e3, s.phase_s[BT_PHASE_COMPUTE] * 1e3, busy * 100);
    bt_cuda_timer_destroy(t);
    /* overlapped pipeline: span <= 1.10 x max(total copy, total compute) + one batch's fill/drain */
    memset(&pd, 0, sizeof pd);
    pd.slot_bytes = bytes;
    CHECK(bt_cuda_pipeline_create(e.a, &pd, &p) == BT_OK);
    if (p) {
        for (int round = 0; round < 2; round++) {        /* round 0 warms up */
            for (i = 0; i < 16; i++) {
                void *h = NULL;
                CHECK(bt_cuda_pipeline_acquire(p, &h) == BT_OK && h);
                CHECK(bt_cuda_pipeline_submit(p, bytes, spin_compute, &sp) == BT_OK);
            }
            CHECK(bt_cuda_pipeline_drain(p, &ps) == BT_OK);
        }
        {
            double one = (ps.h2d_s + ps.compute_s) / ps.batches;
            double bound = 1.10 * (ps.h2d_s > ps.compute_s ? ps.h2d_s : ps.compute_s) + one;
            printf("  pipeline: %d batches, copy %.3g ms, compute %.3g ms, span %.3g ms, bound %.3g ms\n", ps.batches,
                   ps.h2d_s * 1e3, ps.compute_s * 1e3, ps.span_s * 1e3, bound * 1e3);
            CHECK(ps.batches == 16);
            CHECK(ps.span_s <= bound);
        }
        bt_cuda_pipeline_destroy(p);
    }
    env_close(&e);
}

/* CUPTI on a device: an idle gap and kernels on two streams; the kernel union against events */
static void test_cupti_on_device(void) {
    gpu_env e;
    bt_cupti *c = NULL;
    bt_cupti_mark mk;
    bt_cupti_window w;
    void *st2 = NULL, *x = NULL, *wt = NULL, *o1 = NULL, *o2 = NULL, *h = NULL;
    cudaEvent_t ev[4];
    float ea = 0, eb = 0;
    char err[512];
    int i;
    const size_t bytes = (size_t)1024 * 1024 * sizeof(float);
    NEED_GPU();
    CHECK(bt_cupti_start(0, NULL, &c, err, sizeof err) == BT_OK);
    if (!bt_cupti_available(c)) { printf("  %s\n", err); CHECK(0); bt_cupti_stop(c); return; }
    CHECK(env_open(&e));
    CHECK(bt_cuda_stream_create(e.d, &st2) == BT_OK);
    CHECK(bt_dev_alloc(e.a, BT_MEM_DEVICE, bytes, &x) == BT_OK && bt_dev_alloc(e.a, BT_MEM_DEVICE, bytes, &wt) == BT_OK);
    CHECK(bt_dev_alloc(e.a, BT_MEM_DEVICE, bytes, &o1) == BT_OK && bt_dev_alloc(e.a, BT_MEM_DEVICE, bytes, &o2) == BT_OK);
    CHECK(bt_dev_alloc(e.a, BT_MEM_PINNED, bytes, &h) == BT_OK);
    for (i = 0; i < 4; i++) cudaEventCreate(&ev[i]);
    CHECK(bt_cuda_gemm(e.d, 1024, 1024, 1024, (float *)x, (float *)wt, (float *)o1, NULL, 0, e.st) == BT_OK);   /* warm */
    cudaDeviceSynchronize();
    /* 1: 50 ms idle, an upload, one GEMM */
    bt_cupti_window_begin(c, &mk);
    usleep(50000);
    cudaMemcpyAsync(x, h, bytes, cudaMemcpyHostToDevice, (cudaStream_t)e.st);
    cudaEventRecord(ev[0], (cudaStream_t)e.st);
    CHECK(bt_cuda_gemm(e.d, 1024, 1024, 1024, (float *)x, (float *)wt, (float *)o1, NULL, 0, e.st) == BT_OK);
    cudaEventRecord(ev[1], (cudaStream_t)e.st);
    cudaDeviceSynchronize();
    bt_cupti_window_end(c, &mk, &w);
    cudaEventElapsedTime(&ea, ev[0], ev[1]);
    printf("  one stream: window %.3f ms, kernels %d busy %.3f (%.3f ms; events %.3f ms), copies %d copy %.4f, why '%s'\n",
           w.seconds * 1e3, w.kernels, w.busy_fraction, w.busy_fraction * w.seconds * 1e3, ea, w.copies, w.copy_fraction, w.why);
    CHECK(w.kernels == 1 && w.dropped == 0 && w.why[0] == 0);
    CHECK(w.busy_fraction > 0 && w.busy_fraction < 0.9);                  /* the idle 50 ms */
    CHECK(w.busy_fraction * w.seconds * 1e3 <= ea * 1.05 + 0.05);         /* inside the events */
    CHECK(w.busy_fraction * w.seconds * 1e3 >= ea * 0.7 - 0.05);
    CHECK(w.copies == 1 && w.copy_fraction > 0);
    /* 2: one GEMM on each of two streams at once: the union counts overlap once */
    bt_cupti_window_begin(c, &mk);
    cudaEventRecord(ev[0], (cudaStream_t)e.st);
    cudaEventRecord(ev[2], (cudaStream_t)st2);
    CHECK(bt_cuda_gemm(e.d, 1024, 1024, 1024, (float *)x, (float *)wt, (float *)o1, NULL, 0, e.st) == BT_OK);
    CHECK(bt_cuda_gemm(e.d, 1024, 1024, 1024, (float *)x, (float *)wt, (float *)o2, NULL, 0, st2) == BT_OK);
    cudaEventRecord(ev[1], (cudaStream_t)e.st);
    cudaEventRecord(ev[3], (cudaStream_t)st2);
    cudaDeviceSynchronize();
    bt_cupti_window_end(c, &mk, &w);
    cudaEventElapsedTime(&ea, ev[0], ev[1]);
    cudaEventElapsedTime(&eb, ev[2], ev[3]);
    printf("  two streams: window %.3f ms, kernels %d, covered %.3f ms; events %.3f + %.3f ms\n", w.seconds * 1e3, w.kernels,
           w.busy_fraction * w.seconds * 1e3, ea, eb);
    CHECK(w.kernels == 2 && w.why[0] == 0);
    CHECK(w.busy_fraction > 0 && w.busy_fraction <= 1);
    CHECK(w.busy_fraction * w.seconds * 1e3 <= (ea + eb) * 1.05 + 0.05);
    CHECK(w.busy_fraction * w.seconds * 1e3 >= (ea > eb ? ea : eb) * 0.7 - 0.05);
    for (i = 0; i < 4; i++) cudaEventDestroy(ev[i]);
    bt_cuda_stream_destroy(st2);
    env_close(&e);
    bt_cupti_stop(c);
}

/* OOM as a result: a decoder whose KV cache grows with batch x S passes device memory */
typedef struct level_watch { bt_device *d; size_t level; int set, bad, n; } level_watch;
static void watch_progress(const bt_progress *p, void *user) {
    level_watch *lw = (level_watch *)user;
    size_t fb = 0, tb = 0;
    if (p->skipped || bt_device_mem_info(lw->d, &fb, &tb) != BT_OK) return;
    lw->n++;
    if (!lw->set) { lw->level = fb; lw->set = 1; }
    else if ((fb > lw->level ? fb - lw->level : lw->level - fb) > ((size_t)4 << 20)) lw->bad++;
}
static void test_oom_sweep_on_device(void) {
    bt_gpu_model m;
    bt_workload w;
    bt_grid *g;
    bt_sweep_desc d;
    bt_results *r = NULL;
    level_watch lw;
    char err[512];
    size_t k;
    int n_ok = 0, n_oom = 0, n_pruned = 0;
    NEED_GPU();
    g = bt_grid_create();
    memset(&m, 0, sizeof m);
    m.kind = BT_GPU_DECODER;
    m.layers = 1; m.width = 512; m.items = 64; m.steps = 1;
    CHECK(bt_grid_parse_axis(g, "seq=16384,65536", &m.seq_axis) == BT_OK);
    m.batch_axis = bt_grid_axis_pow2(g, "batch", 1, 4096);   /* 4096 x 65536 x 512 x 8 B = 1 TiB */
    bt_grid_set_monotone(g, m.seq_axis, 1);
    bt_grid_set_monotone(g, m.batch_axis, 1);
    CHECK(bt_gpu_model_init(&m, &w, "decoder", err, sizeof err) == BT_OK);
    memset(&d, 0, sizeof d);
    d.device = "cuda0";
    d.stop.warmup = -1; d.stop.min_samples = 1; d.stop.max_samples = 2; d.stop.min_time_s = 1e-6; d.stop.max_time_s = 0.5;
    memset(&lw, 0, sizeof lw);
    lw.d = bt_gpu_model_device(&m);
    d.progress = watch_progress; d.progress_user = &lw;
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    for (k = 0; r && k < bt_results_num_rows(r); k++) {
        const bt_row *row = bt_results_row(r, k);
        n_ok += row->status == BT_CELL_OK;
        n_oom += row->status == BT_CELL_OOM;
        n_pruned += row->status == BT_CELL_PRUNED;
        if (row->status == BT_CELL_ERROR) printf("  unexpected error: %s\n", row->reason);
    }
    if (r) bt_print_heatmap(r, NULL, "batch", "seq", "e2e_s_median", stdout, BT_HEATMAP_PLAIN);
    CHECK(n_ok > 0 && n_oom >= 1 && n_pruned >= 1);
    CHECK(n_ok + n_oom + n_pruned == 26);
    CHECK(lw.bad == 0);                               /* memory back at its level after every cell */
    CHECK(!bt_device_restart_required(lw.d));
    bt_results_free(r);
    bt_gpu_model_free(&m);
    bt_grid_destroy(g);
}

static void test_model_variants_run(void) {
    static const int kinds[4] = {BT_GPU_MLP, BT_GPU_CONV, BT_GPU_DECODER, BT_GPU_REDUCE};
    int k, v;
    bt_cupti *cu = NULL;
    char cerr[512];
    NEED_GPU();
    CHECK(bt_cupti_start(0, NULL, &cu, cerr, sizeof cerr) == BT_OK);   /* busy_pct_cupti beside busy_pct */
    if (!bt_cupti_available(cu)) printf("  %s\n", cerr);
    for (k = 0; k < 4; k++) for (v = 0; v < 3; v++) {
        bt_gpu_model m;
        bt_workload w;
        bt_grid *g = bt_grid_create();
        bt_sweep_desc d;
        bt_results *r = NULL;
        char err[512];
        size_t i;
        memset(&m, 0, sizeof m);
        m.kind = kinds[k]; m.variant = v; m.items = 256; m.seq_axis = -1; m.seq = 256; m.cupti = cu;
        m.batch_axis = bt_grid_axis_pow2(g, "batch", 32, 64);
        CHECK(bt_gpu_model_init(&m, &w, "model", err, sizeof err) == BT_OK);
        memset(&d, 0, sizeof d);
        d.stop.warmup = 1; d.stop.min_samples = 2; d.stop.max_samples = 3; d.stop.min_time_s = 1e-6; d.stop.max_time_s = 0.5;
        CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
        for (i = 0; r && i < bt_results_num_rows(r); i++) {
            const bt_row *row = bt_results_row(r, i);
            int ips = bt_results_metric_index(r, "items_per_s"), busy = bt_results_metric_index(r, "busy_pct");
            int bc = bt_results_metric_index(r, "busy_pct_cupti");
            CHECK(row->status == BT_CELL_OK && bc >= 0);
            if (row->status != BT_CELL_OK) printf("  kind %d variant %d: %s\n", kinds[k], v, row->reason);
            else {
                CHECK(row->m[ips] > 0); CHECK(row->m[busy] > 0 && row->m[busy] <= 100);
                /* kernels lie inside the events around the compute phase: CUPTI's union <= it */
                if (bt_cupti_available(cu) && bc >= 0) {
                    CHECK(row->m[bc] > 0 && row->m[bc] <= row->m[busy] + 5);
                    if (v == 0) printf("  kind %d batch %s: busy_pct %.1f, busy_pct_cupti %.1f\n", kinds[k], row->axis[0], row->m[busy], row->m[bc]);
                }
            }
            if (kinds[k] == BT_GPU_REDUCE) CHECK(bt_results_metric_index(r, "mismatch_frac") >= 0);
        }
        bt_results_free(r);
        bt_gpu_model_free(&m);
        bt_grid_destroy(g);
    }
    bt_cupti_stop(cu);
}

/* ---- whole models against the CPU reference, and the two small kernels on their own ---- */
static void test_bias_relu_and_pool_kernels(void) {
    gpu_env e;
    uint64_t seed = 21;
    const int m = 37, n = 29, nc = 45, hw = 49;
    float *c = (float *)malloc(sizeof(float) * m * n), *bias = (float *)malloc(sizeof(float) * n), *got = (float *)malloc(sizeof(float) * m * n);
    float *in = (float *)malloc(sizeof(float) * nc * hw), *pool = (float *)malloc(sizeof(float) * nc);
    float *dc, *db, *din, *dpool;
    int i, j, bad = 0, zeros = 0;
    NEED_GPU();
    CHECK(env_open(&e));
    for (i = 0; i < m * n; i++) c[i] = frand(&seed);
    for (i = 0; i < n; i++) bias[i] = frand(&seed) * 0.1f;
    for (i = 0; i < nc * hw; i++) in[i] = frand(&seed);
    dc = (float *)dev_copy(&e, c, sizeof(float) * m * n); db = (float *)dev_copy(&e, bias, sizeof(float) * n);
    din = (float *)dev_copy(&e, in, sizeof(float) * nc * hw); dpool = (float *)dev_copy(&e, NULL, sizeof(float) * nc);
    CHECK(bt_cuda_bias_relu(e.d, dc, db, m, n, e.st) == BT_OK);
    CHECK(bt_cuda_avg_pool(e.d, din, dpool, nc, hw, e.st) == BT_OK);
    CHECK(bt_device_sync(e.d) == BT_OK);
    cudaMemcpy(got, dc, sizeof(float) * m * n, cudaMemcpyDeviceToHost);
    cudaMemcpy(pool, dpool, sizeof(float) * nc, cudaMemcpyDeviceToHost);
    for (i = 0; i < m; i++) for (j = 0; j < n; j++) {   /* one float add and a max: exact to 1e-6 */
        float want = c[i * n + j] + bias[j];
        want = want > 0.0f ? want : 0.0f;
        zeros += want == 0.0f;
        if (rel_err(got[i * n + j], want) > 1e-6) bad++;
    }
    CHECK(bad == 0 && zeros > 0 && zeros < m * n);
    bad = 0;
    for (i = 0; i < nc; i++) {   /* a left-to-right float sum over hw, then / hw: exact to 1e-6 */
        float acc = 0.0f;
        for (j = 0; j < hw; j++) acc += in[i * hw + j];
        if (rel_err(pool[i], acc / (float)hw) > 1e-6) bad++;
    }
    CHECK(bad == 0);
    CHECK(bt_cuda_bias_relu(e.d, NULL, db, m, n, e.st) == BT_E_INVALID);
    CHECK(bt_cuda_avg_pool(e.d, din, dpool, nc, 0, e.st) == BT_E_INVALID);
    free(c); free(bias); free(got); free(in); free(pool);
    env_close(&e);
}

/* Runs one cell (batch) of m and compares the last batch's outputs with bt_gpu_model_reference.
   Returns max |device - reference| / max |reference| (< 0 on failure); got (optional) receives
   the device's outputs. The tolerance, 1e-3 of the output scale: everything is fp32 (cuBLAS's
   default math mode, no TF32); a K-term fp32 dot product is off by about sqrt(K) x 2^-24 of
   its terms' magnitude (K <= 256 x 9 here: < 1e-5 per layer, a few layers), __expf adds a few
   ulp in the decoder's softmax; a wrong index, a missing bias, ReLU or layer moves the outputs
   by 1e-2 to 1 of their scale. */
static double model_vs_reference(bt_gpu_model *m, int batch, const char *label, float *got_out, size_t got_n) {
    bt_workload w;
    bt_grid *g = bt_grid_create();
    bt_sweep_desc d;
    bt_results *r = NULL;
    bt_gpu_model_out info;
    char err[512];
    float *got = NULL, *want = NULL;
    double maxd = 0, maxr = 0, rel = -1;
    size_t n, i;
    m->batch_axis = bt_grid_axis_pow2(g, "batch", batch, batch);
    if (bt_gpu_model_init(m, &w, label, err, sizeof err) != BT_OK) { printf("  %s: %s\n", label, err); CHECK(0); bt_grid_destroy(g); return -1; }
    memset(&d, 0, sizeof d);
    d.stop.warmup = 1; d.stop.min_samples = 1; d.stop.max_samples = 1; d.stop.min_time_s = 1e-6; d.stop.max_time_s = 0.5;
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    CHECK(r && bt_results_num_rows(r) == 1 && bt_results_row(r, 0)->status == BT_CELL_OK);
    if (r && bt_results_num_rows(r) == 1 && bt_results_row(r, 0)->status != BT_CELL_OK) printf("  %s: %s\n", label, bt_results_row(r, 0)->reason);
    CHECK(bt_gpu_model_output(m, NULL, 0, &info) == BT_E_INVALID && info.rows > 0 && info.batch == batch);
    n = (size_t)info.rows * (size_t)(info.cols > 0 ? info.cols : 1);
    got = (float *)malloc(n * sizeof(float));
    want = (float *)malloc(n * sizeof(float));
    if (got && want && info.rows > 0 && bt_gpu_model_output(m, got, n, &info) == BT_OK &&
        bt_gpu_model_reference(m, info.batch, info.seq, info.rows, want, n, err, sizeof err) == BT_OK) {
        for (i = 0; i < n; i++) {
            double dd = fabs((double)got[i] - want[i]);
            if (!(dd <= maxd)) maxd = dd;   /* NaN counts */
            if (fabs(want[i]) > maxr) maxr = fabs(want[i]);
        }
        rel = maxr > 0 ? maxd / maxr : (maxd == 0 ? 0 : 1);
        CHECK(maxr > 0);   /* not all zero: the check would prove nothing */
        printf("  %-28s gemm %-6s rows %d x %d: max |gpu - cpu| %.3g, output scale %.3g, ratio %.3g\n", label,
               m->kind == BT_GPU_MLP ? bt_gpu_model_gemm(m, NULL) : "-", info.rows, info.cols, maxd, maxr, rel);
        if (got_out) memcpy(got_out, got, (n < got_n ? n : got_n) * sizeof(float));
    } else {
        printf("  %s: no output or reference (%s)\n", label, err);
        CHECK(0);
    }
    free(got); free(want);
    bt_results_free(r);
    bt_gpu_model_free(m);
    bt_grid_destroy(g);
    return rel;
}
static bt_gpu_model small_model(int kind, int variant) {
    bt_gpu_model m;
    memset(&m, 0, sizeof m);
    m.kind = kind; m.variant = variant; m.seq_axis = -1; m.seed = 17;
    if (kind == BT_GPU_MLP) { m.layers = 4; m.width = 256; m.items = 96; }
    if (kind == BT_GPU_CONV) { m.layers = 3; m.width = 16; m.image = 16; m.items = 32; }
    if (kind == BT_GPU_DECODER) { m.layers = 2; m.width = 64; m.seq = 128; m.steps = 2; m.items = 32; }
    if (kind == BT_GPU_REDUCE) { m.width = 5000; m.items = 64; }
    return m;
}
static void test_models_match_cpu_reference(void) {
    static const char *const vn[3] = {"original", "narrower", "shallower"};
    const double tol = 1e-3;
    char why[1024], label[64];
    int v, blas = bt_cuda_cublas_available(NULL, why, sizeof why);
    float tiled[32 * 256], cub[32 * 256];
    NEED_GPU();
    if (!blas) printf("  (%s: the cuBLAS comparisons are left out)\n", why);
    for (v = 0; v < 3; v++) {
        bt_gpu_model m = small_model(BT_GPU_MLP, v);
        m.use_cublas = -1;
        snprintf(label, sizeof label, "mlp %s tiled", vn[v]);
        { double rel = model_vs_reference(&m, 32, label, tiled, 32 * 256); CHECK(rel >= 0 && rel <= tol); }
        if (blas) {
            double rel, maxd = 0, maxr = 0;
            int i, n = 32 * (v == 1 ? 128 : 256);
            m = small_model(BT_GPU_MLP, v);
            m.use_cublas = 1;
            snprintf(label, sizeof label, "mlp %s cublas", vn[v]);
            rel = model_vs_reference(&m, 32, label, cub, 32 * 256);
            CHECK(rel >= 0 && rel <= tol);
            for (i = 0; i < n; i++) { double dd = fabs((double)cub[i] - tiled[i]); if (!(dd <= maxd)) maxd = dd; if (fabs(tiled[i]) > maxr) maxr = fabs(tiled[i]); }
            printf("  mlp %s: max |cublas - tiled| / scale %.3g\n", vn[v], maxr > 0 ? maxd / maxr : maxd);
            CHECK(maxr > 0 && maxd <= tol * maxr);
        }
    }
    { /* a partial last batch (100 = 3 x 32 + 4): its 4 rows */
        bt_gpu_model m = small_model(BT_GPU_MLP, 0);
        m.items = 100;
        double rel = model_vs_reference(&m, 32, "mlp partial last batch", NULL, 0);
        CHECK(rel >= 0 && rel <= tol);
    }
    for (v = 0; v < 3; v++) {
        bt_gpu_model m = small_model(BT_GPU_CONV, v);
        double rel;
        snprintf(label, sizeof label, "conv %s (pooled)", vn[v]);
        rel = model_vs_reference(&m, 16, label, NULL, 0);
        CHECK(rel >= 0 && rel <= tol);
    }
    {
        bt_gpu_model m = small_model(BT_GPU_DECODER, 0);
        double rel = model_vs_reference(&m, 16, "decoder step", NULL, 0);
        CHECK(rel >= 0 && rel <= tol);
        m = small_model(BT_GPU_REDUCE, 0);
        CHECK(model_vs_reference(&m, 64, "reduce (reference path)", NULL, 0) == 0);   /* same order: exact */
    }
}

/* A sticky error: runs in a child process (CUDA cannot recover the one that hits it). */
__global__ void bad_write_kernel(int *p) { p[threadIdx.x] = 1; }
static int sticky_child(void) {
    bt_device *d = NULL;
    bt_dev_arena *a;
    void *p = NULL;
    char err[512];
    if (bt_cuda_device_open(0, &d, err, sizeof err) != BT_OK) return 10;
    bad_write_kernel<<<1, 32>>>((int *)(uintptr_t)0x10);   /* an illegal address */
    if (bt_device_sync(d) != BT_E_CUDA) return 11;
    if (!bt_device_restart_required(d)) return 12;
    if (!strstr(bt_device_error(d), "illegal")) return 13;
    a = bt_dev_arena_create(d);
    if (bt_dev_alloc(a, BT_MEM_DEVICE, 64, &p) != BT_E_CUDA || p) return 14;   /* stays broken */
    bt_dev_arena_destroy(a);
    bt_device_destroy(d);
    return 0;
}
static void test_sticky_error_on_device(void) {
    pid_t pid;
    int status = 0;
    NEED_GPU();
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        char *argv[3];
        argv[0] = (char *)g_self; argv[1] = (char *)"--sticky-child"; argv[2] = NULL;
        execv(argv[0], argv);
        _exit(127);
    }
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) printf("  sticky child exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* ---- the GPU compute step of the inference pipeline ------------------------------------- */
/* a record file (bt_pack's format) of n random RGB images h x w, so the head sees real pixels */
static int write_records(const char *path, int n, int h, int w, uint64_t seed) {
    unsigned char hdr[BT_RECORD_HEADER_BYTES];
    uint32_t u;
    uint64_t v;
    size_t i, bytes = (size_t)n * h * w * 3;
    unsigned char *px = (unsigned char *)malloc(bytes);
    FILE *f = fopen(path, "wb");
    int ok = px && f;
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, BT_RECORD_MAGIC, 8);
    u = BT_RECORD_HEADER_BYTES; memcpy(hdr + 8, &u, 4);     /* little-endian hosts only (x86, arm) */
    u = 1; memcpy(hdr + 12, &u, 4);
    v = (uint64_t)n; memcpy(hdr + 16, &v, 8);
    v = (uint64_t)h * w * 3; memcpy(hdr + 24, &v, 8);
    u = (uint32_t)h; memcpy(hdr + 32, &u, 4);
    u = (uint32_t)w; memcpy(hdr + 36, &u, 4);
    u = 3; memcpy(hdr + 40, &u, 4);
    for (i = 0; ok && i < bytes; i++) { seed = seed * 6364136223846793005ull + 1442695040888963407ull; px[i] = (unsigned char)(seed >> 56); }
    if (ok) ok = fwrite(hdr, 1, sizeof hdr, f) == sizeof hdr && fwrite(px, 1, bytes, f) == bytes;
    if (f) ok = (fclose(f) == 0) && ok;
    free(px);
    return ok;
}
static void pipe_setup(bt_pipeline *p, const char *path, bt_layout layout, bt_axis batch) {
    memset(p, 0, sizeof *p);
    p->loader.source = BT_SOURCE_RECORDS;
    p->loader.records_path = path;
    p->loader.layout = layout;
    p->loader.workers = 1;
    p->batch_axis = batch;
    p->workers_axis = -1;
}
static bt_sweep_desc pipe_desc(const char *device) {
    bt_sweep_desc d;
    memset(&d, 0, sizeof d);
    d.device = device;
    d.stop.warmup = 1; d.stop.min_samples = 1; d.stop.max_samples = 2; d.stop.min_time_s = 1e-6; d.stop.max_time_s = 1.0;
    return d;
}

static void *dummy_alloc(void *user, size_t n) { (void)user; (void)n; return NULL; }
static void test_pipeline_head_init_checks(void) {
    bt_pipeline p;
    bt_cuda_pipeline_head *h = (bt_cuda_pipeline_head *)&p;
    bt_fault_desc fd;
    bt_device *dev;
    char err[256];
    memset(&fd, 0, sizeof fd);
    dev = bt_fault_device_create(&fd);
    pipe_setup(&p, "x", BT_LAYOUT_NHWC_U8, 0);
    CHECK(bt_cuda_pipeline_head_init(NULL, dev, &h, err, sizeof err) == BT_E_INVALID && h == NULL);
    CHECK(strstr(err, "p is NULL") != NULL);
    CHECK(bt_cuda_pipeline_head_init(&p, NULL, &h, err, sizeof err) == BT_E_INVALID);
    p.loader.allocator.alloc = dummy_alloc;
    CHECK(bt_cuda_pipeline_head_init(&p, dev, &h, err, sizeof err) == BT_E_INVALID);
    CHECK(strstr(err, "allocator") != NULL);
    p.loader.allocator.alloc = NULL;
    CHECK(bt_cuda_pipeline_head_init(&p, dev, &h, err, sizeof err) == BT_OK && h != NULL);
    CHECK(p.compute && p.compute_setup && p.compute_finish && p.compute_teardown && p.loader.allocator.alloc);
    CHECK(p.hidden == 256 && p.classes == 10);
    {
        float out[10];
        CHECK(bt_cuda_pipeline_head_output(h, out, 1) == 0);   /* nothing computed yet */
    }
    bt_cuda_pipeline_head_free(h);
    bt_device_destroy(dev);
}

/* every machine: device memory through the fault device, so a cell that does not fit is "oom"
   (before any CUDA call), the arena gives everything back, and the loader's batches came from
   the device's pinned allocator */
static void test_pipeline_head_oom_on_fault_device(void) {
    bt_pipeline p;
    bt_cuda_pipeline_head *h = NULL;
    bt_fault_desc fd;
    bt_device *dev;
    bt_workload w;
    bt_grid *g = bt_grid_create();
    bt_sweep_desc d = pipe_desc("fault");
    bt_results *r = NULL;
    bt_axis ab;
    char path[256], err[256];
    size_t k;
    int n_oom = 0, n_other = 0;
    snprintf(path, sizeof path, "/tmp/bt_test_cuda_%d.rec", (int)getpid());
    CHECK(write_records(path, 10, 32, 40, 7));
    memset(&fd, 0, sizeof fd);
    fd.capacity_bytes = 64 * 1024;   /* w1 (60 x 256 floats) fits, w2 (256 x 256) does not */
    dev = bt_fault_device_create(&fd);
    CHECK(bt_grid_parse_axis(g, "batch=4,8", &ab) == BT_OK);
    bt_grid_set_monotone(g, ab, 1);
    pipe_setup(&p, path, BT_LAYOUT_NHWC_U8, ab);
    CHECK(bt_cuda_pipeline_head_init(&p, dev, &h, err, sizeof err) == BT_OK);
    CHECK(bt_pipeline_init(&p, &w, "records") == BT_OK);
    CHECK(bt_sweep_run(g, &w, 1, &d, &r) == BT_OK);
    for (k = 0; r && k < bt_results_num_rows(r); k++) {
        const bt_row *row = bt_results_row(r, k);
        if (row->status == BT_CELL_OOM) {
            n_oom++;
            CHECK(strstr(row->reason, "out of memory") != NULL);
        } else if (row->status != BT_CELL_PRUNED) { n_other++; printf("  unexpected %s: %s\n", bt_cell_status_str(row->status), row->reason); }
    }
    CHECK(n_oom >= 1 && n_other == 0);
    CHECK(bt_fault_device_used(dev) == 0);       /* the cell's arena gave everything back */
    CHECK(bt_fault_device_calls(dev) >= 4);      /* pinned loader buffers + device allocations */
    bt_results_free(r);
    bt_cuda_pipeline_head_free(h);
    bt_pipeline_free(&p);
    bt_device_destroy(dev);
    bt_grid_destroy(g);
    remove(path);
}

/* GPU: a small pipeline sweep on the device: status ok, every item, h2d and compute phases from
   events, and the head's outputs equal the CPU head's (same weights, same batches) */
static void test_pipeline_head_on_gpu(void) {
    static const bt_layout layouts[2] = {BT_LAYOUT_NHWC_U8, BT_LAYOUT_NCHW_F32};
    char path[256], err[512];
    bt_device *dev = NULL;
    int li;
    NEED_GPU();
    snprintf(path, sizeof path, "/tmp/bt_test_cuda_gpu_%d.rec", (int)getpid());
    CHECK(write_records(path, 10, 32, 40, 11));
    CHECK(bt_cuda_device_open(0, &dev, err, sizeof err) == BT_OK);
    for (li = 0; dev && li < 2; li++) {
        bt_pipeline pc, pg;
        bt_cuda_pipeline_head *h = NULL;
        bt_workload wc, wg;
        bt_grid *g = bt_grid_create();
        bt_sweep_desc dc = pipe_desc("cpu"), dg = pipe_desc("cuda:0");
        bt_results *rc = NULL, *rg = NULL;
        bt_axis ab;
        const char *ax[1] = {"4"};
        const bt_row *row;
        const float *ref;
        float got[4 * 10];
        int rows_ref = 0, rows_got, i;
        double worst = 0;
        CHECK(bt_grid_parse_axis(g, "batch=4", &ab) == BT_OK);
        pipe_setup(&pc, path, layouts[li], ab);
        pipe_setup(&pg, path, layouts[li], ab);
        CHECK(bt_pipeline_init(&pc, &wc, "records") == BT_OK);
        CHECK(bt_cuda_pipeline_head_init(&pg, dev, &h, err, sizeof err) == BT_OK);
        CHECK(bt_pipeline_init(&pg, &wg, "records") == BT_OK);
        CHECK(bt_sweep_run(g, &wc, 1, &dc, &rc) == BT_OK);
        CHECK(bt_sweep_run(g, &wg, 1, &dg, &rg) == BT_OK);
        row = rg ? bt_results_find(rg, "records", ax) : NULL;
        CHECK(row && row->status == BT_CELL_OK);
        if (row && row->status != BT_CELL_OK) printf("  GPU pipeline: %s\n", row->reason);
        if (row && row->status == BT_CELL_OK) {
            double items = row->m[bt_results_metric_index(rg, "items")];
            double h2d = row->m[bt_results_metric_index(rg, "h2d_s")], comp = row->m[bt_results_metric_index(rg, "compute_s")];
            double peak = row->m[bt_results_metric_index(rg, "peak_mem_bytes")];
            CHECK(items == 10);
            CHECK(h2d > 0 && comp > 0);
            CHECK(peak > 0);
            printf("  %s: h2d %.3f ms, compute %.3f ms, peak %.0f bytes\n", li == 0 ? "nhwc-u8" : "nchw-f32", h2d * 1e3, comp * 1e3, peak);
        }
        /* the last batch holds items 8 and 9 */
        ref = bt_pipeline_head_output(&pc, &rows_ref);
        rows_got = bt_cuda_pipeline_head_output(h, got, 4);
        CHECK(ref != NULL && rows_ref == 2 && rows_got == 2);
        for (i = 0; ref && rows_got == rows_ref && i < rows_ref * pc.classes; i++) {
            double e = rel_err(got[i], ref[i]);
            if (e > worst) worst = e;
        }
        CHECK(worst <= 1e-3);
        printf("  %s: GPU head vs CPU head, worst relative error %.2g\n", li == 0 ? "nhwc-u8" : "nchw-f32", worst);
        bt_results_free(rc);
        bt_results_free(rg);
        bt_cuda_pipeline_head_free(h);
        bt_pipeline_free(&pc);
        bt_pipeline_free(&pg);
        bt_grid_destroy(g);
    }
    CHECK(!dev || !bt_device_restart_required(dev));
    bt_device_destroy(dev);
    remove(path);
}

int main(int argc, char **argv) {
    if (getenv("BT_TEST_BIN")) g_self = getenv("BT_TEST_BIN");
    if (argc == 2 && strcmp(argv[1], "--sticky-child") == 0) return sticky_child();
    RUN(test_device_count_never_crashes);
    RUN(test_probe_and_open_without_device);
    RUN(test_model_init_checks_and_no_device);
    RUN(test_bad_arguments_are_named);
    RUN(test_error_mapping);
    RUN(test_nvml_absent_is_not_an_error);
    RUN(test_cupti_interval_union);
    RUN(test_cupti_parse_records);
    RUN(test_cupti_absent_library);
    RUN(test_cupti_without_device);
    RUN(test_model_reference_by_hand);
    RUN(test_cublas_loading);
    RUN(test_nvml_hook_owned_by_sweep);
    RUN(test_probe);
    RUN(test_normalize_matches_cpu);
    RUN(test_gemm_conv_attention_match_cpu);
    RUN(test_reductions);
    RUN(test_timer_and_overlap);
    RUN(test_cupti_on_device);
    RUN(test_oom_sweep_on_device);
    RUN(test_model_variants_run);
    RUN(test_bias_relu_and_pool_kernels);
    RUN(test_models_match_cpu_reference);
    RUN(test_pipeline_head_init_checks);
    RUN(test_pipeline_head_oom_on_fault_device);
    RUN(test_pipeline_head_on_gpu);
    RUN(test_sticky_error_on_device);
    return TT_SUMMARY();
}

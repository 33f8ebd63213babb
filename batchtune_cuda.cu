/* batchtune_cuda.cu — the GPU side of batchtune: device probe and choice, OOM-safe device memory
   (through the per-cell bt_dev_arena of batchtune.h), sticky-error detection, per-phase event
   timing with an optional L2 flush, busy fraction (from events, and exact from CUPTI's kernel
   activity records through dlopen), NVML sampling through dlopen, pinned
   double-buffered upload overlapped with compute, the NHWC uint8 -> NCHW float32 normalize
   kernel, and the reference workloads (MLP stack, 3x3 convolution stack, decoder step with a
   KV cache, fast and reference reductions).

   Build:  nvcc -O2 my_tuner.cu batchtune_cuda.cu            (my_tuner.cu defines
           BATCHTUNE_IMPLEMENTATION and includes batchtune.h; this file includes only the
           declarations). The build line needs no library beyond the CUDA runtime: cuBLAS (the
           MLP's matrix multiply by default; our tiled GEMM when libcublas is absent), NVML and
           CUPTI are loaded with dlopen at run time: no -lcublas, no -lnvidia-ml, no -lcupti.
           Older glibc (< 2.34) needs -ldl.
   All functions are C-callable and declared in section 10 of batchtune.h. Globals: the const
   table of CUDA device operations, and the CUPTI collector that CUPTI's buffer callbacks (which
   carry no user pointer) deliver to, with its mutex (one bt_cupti per process, as CUPTI's
   activity buffers are per process). Each thread started here belongs to a bt_nvml_sampler;
   CUPTI runs a thread of its own while a bt_cupti collects. Every CUDA error is mapped to a bt_status with CUDA's text;
   nothing here aborts or exits. */
#ifndef BATCHTUNE_IMPLEMENTATION_INCLUDED   /* static mode: included after the implementation */
#include "batchtune.h"
#endif

#include <cuda_runtime.h>
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- helpers ---------------- */
static uint64_t btc_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static void btc_fmt(char *buf, size_t n, const char *fmt, ...) {
    va_list ap;
    if (!buf || !n) return;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}
/* errors after which CUDA refuses all further work in this process */
static int btc_is_sticky(cudaError_t e) {
    switch (e) {
    case cudaErrorIllegalAddress: case cudaErrorLaunchTimeout: case cudaErrorAssert:
    case cudaErrorHardwareStackError: case cudaErrorIllegalInstruction: case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace: case cudaErrorInvalidPc: case cudaErrorLaunchFailure:
    case cudaErrorECCUncorrectable: case cudaErrorContextIsDestroyed: case cudaErrorTensorMemoryLeak:
        return 1;
    default:
        return 0;
    }
}
/* Maps a CUDA error into *out: out of memory -> BT_E_OOM_DEVICE (error cleared), no device or
   old driver -> BT_E_NO_DEVICE, sticky ones -> BT_E_CUDA + sticky, the rest -> BT_E_CUDA
   (cleared). `what` names the failing call. */
static bt_status btc_map(cudaError_t e, const char *what, bt_dev_err *out) {
    memset(out, 0, sizeof *out);
    if (e == cudaSuccess) return BT_OK;
    out->code = (int)e;
    btc_fmt(out->msg, sizeof out->msg, "%s: %s (%s)", what, cudaGetErrorString(e), cudaGetErrorName(e));
    if (e == cudaErrorMemoryAllocation) {
        (void)cudaGetLastError();
        out->status = BT_E_OOM_DEVICE;
    } else if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver || e == cudaErrorCompatNotSupportedOnDevice) {
        out->status = BT_E_NO_DEVICE;
    } else if (btc_is_sticky(e)) {
        out->status = BT_E_CUDA;
        out->sticky = 1;
    } else {
        (void)cudaGetLastError();
        out->status = BT_E_CUDA;
    }
    return out->status;
}
/* records a CUDA error on the device (if any); returns the status */
static bt_status btc_rec(bt_device *d, cudaError_t e, const char *what) {
    bt_dev_err er;
    bt_status st = btc_map(e, what, &er);
    if (st == BT_OK) return BT_OK;
    if (d) return bt_device_record(d, &er);
    return st;
}
static bt_status btc_invalid(bt_device *d, const char *fmt, ...) {
    bt_dev_err er;
    va_list ap;
    memset(&er, 0, sizeof er);
    er.status = BT_E_INVALID;
    va_start(ap, fmt);
    vsnprintf(er.msg, sizeof er.msg, fmt, ap);
    va_end(ap);
    if (d) bt_device_record(d, &er);
    return BT_E_INVALID;
}

/* ---------------------------------------------------------------- probe ------------------ */
bt_status bt_cuda_device_count(int *count, char *err, size_t err_len) {
    int n = 0;
    cudaError_t e;
    bt_dev_err er;
    if (count) *count = 0;
    if (!count) { btc_fmt(err, err_len, "bt_cuda_device_count: count is NULL"); return BT_E_INVALID; }
    e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        btc_map(e, "cudaGetDeviceCount", &er);
        (void)cudaGetLastError();
        btc_fmt(err, err_len, "no usable CUDA device: %s", er.msg);
        return BT_E_NO_DEVICE;
    }
    if (n <= 0) { btc_fmt(err, err_len, "no CUDA device found"); return BT_E_NO_DEVICE; }
    *count = n;
    if (err && err_len) err[0] = 0;
    return BT_OK;
}

bt_status bt_cuda_probe(int index, bt_device_info *out, char *err, size_t err_len) {
    int n = 0, prev = -1, v = 0;
    bt_status st;
    cudaDeviceProp prop;
    cudaError_t e;
    bt_dev_err er;
    size_t fb = 0, tb = 0;
    if (!out) { btc_fmt(err, err_len, "bt_cuda_probe: out is NULL"); return BT_E_INVALID; }
    memset(out, 0, sizeof *out);
    st = bt_cuda_device_count(&n, err, err_len);
    if (st != BT_OK) return st;
    if (index < 0 || index >= n) {
        btc_fmt(err, err_len, "device index %d out of range: %d CUDA device%s (0..%d)", index, n, n == 1 ? "" : "s", n - 1);
        return BT_E_INVALID;
    }
    out->index = index;
    e = cudaGetDeviceProperties(&prop, index);
    if (e != cudaSuccess) { btc_map(e, "cudaGetDeviceProperties", &er); btc_fmt(err, err_len, "%s", er.msg); return er.status; }
    btc_fmt(out->name, sizeof out->name, "%s", prop.name);
#define BTC_ATTR(field, attr)                                                                  \
    do {                                                                                       \
        v = 0;                                                                                 \
        e = cudaDeviceGetAttribute(&v, attr, index);                                           \
        if (e != cudaSuccess) { (void)cudaGetLastError(); v = 0; }                             \
        out->field = v;                                                                        \
    } while (0)
    BTC_ATTR(cc_major, cudaDevAttrComputeCapabilityMajor);
    BTC_ATTR(cc_minor, cudaDevAttrComputeCapabilityMinor);
    BTC_ATTR(sm_count, cudaDevAttrMultiProcessorCount);
    BTC_ATTR(l2_bytes, cudaDevAttrL2CacheSize);
    BTC_ATTR(sm_clock_khz, cudaDevAttrClockRate);
    BTC_ATTR(mem_clock_khz, cudaDevAttrMemoryClockRate);
    BTC_ATTR(mem_bus_bits, cudaDevAttrGlobalMemoryBusWidth);
#undef BTC_ATTR
    cudaDriverGetVersion(&out->driver_version);
    cudaRuntimeGetVersion(&out->runtime_version);
    out->total_mem_bytes = prop.totalGlobalMem;
    /* free memory needs a context on that device; put the caller's current device back after */
    if (cudaGetDevice(&prev) != cudaSuccess) { (void)cudaGetLastError(); prev = -1; }
    e = cudaSetDevice(index);
    if (e == cudaSuccess) e = cudaMemGetInfo(&fb, &tb);
    if (e != cudaSuccess) {
        btc_map(e, "cudaMemGetInfo", &er);
        btc_fmt(err, err_len, "%s", er.msg);
        if (prev >= 0) cudaSetDevice(prev);
        return er.status;
    }
    out->free_mem_bytes = fb;
    if (tb) out->total_mem_bytes = tb;
    if (prev >= 0 && prev != index) cudaSetDevice(prev);
    if (err && err_len) err[0] = 0;
    return BT_OK;
}

/* ---------------------------------------------------------------- CUDA device ops -------- */
typedef struct btc_dev { int index; } btc_dev;

static bt_status btc_alloc(void *ctx, int kind, size_t n, void **p, bt_dev_err *e) {
    btc_dev *c = (btc_dev *)ctx;
    cudaError_t ce = cudaSetDevice(c->index);
    char what[96];
    *p = NULL;
    if (ce == cudaSuccess) {
        if (kind == BT_MEM_DEVICE) ce = cudaMalloc(p, n ? n : 1);
        else ce = cudaHostAlloc(p, n ? n : 1, cudaHostAllocPortable);
    }
    if (ce != cudaSuccess) *p = NULL;
    btc_fmt(what, sizeof what, "%s(%zu bytes)", kind == BT_MEM_DEVICE ? "cudaMalloc" : "cudaHostAlloc", n);
    return btc_map(ce, what, e);
}
static bt_status btc_release(void *ctx, int kind, void *p, bt_dev_err *e) {
    btc_dev *c = (btc_dev *)ctx;
    cudaError_t ce = cudaSetDevice(c->index);
    if (ce == cudaSuccess) ce = kind == BT_MEM_DEVICE ? cudaFree(p) : cudaFreeHost(p);
    return btc_map(ce, kind == BT_MEM_DEVICE ? "cudaFree" : "cudaFreeHost", e);
}
static bt_status btc_mem_info(void *ctx, size_t *fb, size_t *tb, bt_dev_err *e) {
    btc_dev *c = (btc_dev *)ctx;
    cudaError_t ce = cudaSetDevice(c->index);
    if (ce == cudaSuccess) ce = cudaMemGetInfo(fb, tb);
    return btc_map(ce, "cudaMemGetInfo", e);
}
static bt_status btc_sync(void *ctx, bt_dev_err *e) {
    btc_dev *c = (btc_dev *)ctx;
    cudaError_t ce = cudaSetDevice(c->index);
    if (ce == cudaSuccess) ce = cudaDeviceSynchronize();
    return btc_map(ce, "cudaDeviceSynchronize", e);
}
static bt_status btc_check(void *ctx, bt_dev_err *e) {
    (void)ctx;
    return btc_map(cudaGetLastError(), "kernel launch", e);
}
static void btc_destroy(void *ctx) { free(ctx); }
static const bt_dev_ops btc_cuda_ops = {"cuda", btc_alloc, btc_release, btc_mem_info, btc_sync, btc_check, btc_destroy};

bt_status bt_cuda_device_open(int index, bt_device **out, char *err, size_t err_len) {
    int n = 0;
    bt_status st;
    btc_dev *c;
    cudaError_t e;
    bt_dev_err er;
    char label[32];
    if (!out) { btc_fmt(err, err_len, "bt_cuda_device_open: out is NULL"); return BT_E_INVALID; }
    *out = NULL;
    st = bt_cuda_device_count(&n, err, err_len);
    if (st != BT_OK) return st;
    if (index < 0 || index >= n) {
        btc_fmt(err, err_len, "device index %d out of range: %d CUDA device%s (0..%d)", index, n, n == 1 ? "" : "s", n - 1);
        return BT_E_INVALID;
    }
    e = cudaSetDevice(index);
    if (e == cudaSuccess) e = cudaFree(0); /* creates the context now, not inside the first cell */
    if (e != cudaSuccess) { btc_map(e, "creating the CUDA context", &er); btc_fmt(err, err_len, "%s", er.msg); return er.status; }
    c = (btc_dev *)calloc(1, sizeof *c);
    if (!c) { btc_fmt(err, err_len, "host out of memory"); return BT_E_NOMEM; }
    c->index = index;
    btc_fmt(label, sizeof label, "cuda:%d", index);
    *out = bt_device_create(&btc_cuda_ops, c, label);
    if (!*out) { free(c); btc_fmt(err, err_len, "host out of memory"); return BT_E_NOMEM; }
    return BT_OK;
}
int bt_cuda_device_index(const bt_device *d) {
    if (!d || bt_device_ops(d) != &btc_cuda_ops) return -1;   /* only our devices carry a btc_dev */
    return ((const btc_dev *)bt_device_ctx(d))->index;
}
bt_status bt_cuda_map_error(int cuda_error, const char *what, bt_dev_err *out) {
    bt_dev_err tmp;
    return btc_map((cudaError_t)cuda_error, what ? what : "CUDA call", out ? out : &tmp);
}
bt_status bt_cuda_record(bt_device *d, int cuda_error, const char *what) {
    if (d && bt_device_restart_required(d)) return BT_E_CUDA;
    return btc_rec(d, (cudaError_t)cuda_error, what ? what : "CUDA call");
}
bt_status bt_cuda_check_launch(bt_device *d, const char *what) {
    if (d && bt_device_restart_required(d)) return BT_E_CUDA;
    return btc_rec(d, cudaGetLastError(), what ? what : "kernel launch");
}
bt_status bt_cuda_stream_create(bt_device *d, void **stream) {
    cudaStream_t s = NULL;
    int idx = bt_cuda_device_index(d);
    if (!stream) return btc_invalid(d, "bt_cuda_stream_create: stream is NULL");
    *stream = NULL;
    if (idx >= 0) { bt_status st = btc_rec(d, cudaSetDevice(idx), "cudaSetDevice"); if (st != BT_OK) return st; }
    {
        bt_status st = btc_rec(d, cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
        if (st != BT_OK) return st;
    }
    *stream = (void *)s;
    return BT_OK;
}
void bt_cuda_stream_destroy(void *stream) {
    if (stream) cudaStreamDestroy((cudaStream_t)stream);
}

/* ---------------------------------------------------------------- event pool ------------- */
typedef struct btc_events { cudaEvent_t *ev; int n, cap; } btc_events;
/* the i-th event, creating events as needed */
static bt_status btc_event_at(bt_device *d, btc_events *p, int i, cudaEvent_t *out) {
    while (i >= p->n) {
        if (p->n == p->cap) {
            int nc = p->cap ? p->cap * 2 : 64;
            cudaEvent_t *ne = (cudaEvent_t *)realloc(p->ev, (size_t)nc * sizeof *ne);
            if (!ne) return btc_invalid(d, "host out of memory for CUDA events");
            p->ev = ne; p->cap = nc;
        }
        if (btc_rec(d, cudaEventCreate(&p->ev[p->n]), "cudaEventCreate") != BT_OK) return BT_E_CUDA;
        p->n++;
    }
    *out = p->ev[i];
    return BT_OK;
}
static void btc_events_free(btc_events *p) {
    int i;
    for (i = 0; i < p->n; i++) cudaEventDestroy(p->ev[i]);
    free(p->ev);
    memset(p, 0, sizeof *p);
}
static bt_status btc_elapsed_s(bt_device *d, cudaEvent_t a, cudaEvent_t b, double *s) {
    float ms = 0;
    bt_status st = btc_rec(d, cudaEventElapsedTime(&ms, a, b), "cudaEventElapsedTime");
    *s = (double)ms * 1e-3;
    return st;
}

/* ---------------------------------------------------------------- timer ------------------ */
typedef struct btc_interval { int phase; int b, e; } btc_interval;
struct bt_cuda_timer {
    bt_dev_arena *a;
    bt_device *d;
    btc_events ev;          /* ev[0] = sample start */
    int nev;
    btc_interval *iv;
    int niv, ivcap;
    int open[BT_PHASE_COUNT];  /* event index of an open phase, -1 when closed */
    void *l2buf;
    size_t l2bytes;
    uint64_t t0;
    int started;
};
bt_status bt_cuda_timer_create(bt_dev_arena *a, int max_intervals, int l2_flush, bt_cuda_timer **out) {
    bt_cuda_timer *t;
    bt_device *d = bt_dev_arena_device(a);
    bt_status st;
    cudaEvent_t ev;
    int i;
    if (!out || !a) return btc_invalid(d, "bt_cuda_timer_create: %s is NULL", !a ? "arena" : "out");
    *out = NULL;
    t = (bt_cuda_timer *)calloc(1, sizeof *t);
    if (!t) return BT_E_NOMEM;
    t->a = a; t->d = d;
    t->ivcap = max_intervals > 0 ? max_intervals : 64;
    t->iv = (btc_interval *)malloc((size_t)t->ivcap * sizeof *t->iv);
    if (!t->iv) { free(t); return BT_E_NOMEM; }
    for (i = 0; i < BT_PHASE_COUNT; i++) t->open[i] = -1;
    st = btc_event_at(d, &t->ev, 2 * t->ivcap, &ev);  /* create them now, outside the samples */
    if (st == BT_OK && l2_flush) {
        int l2 = 0, dev = 0;
        if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev) != cudaSuccess) {
            (void)cudaGetLastError();
            l2 = 64 << 20;
        }
        t->l2bytes = (size_t)(l2 > 0 ? l2 : 1 << 20) * 2;   /* twice L2 evicts everything */
        st = bt_dev_alloc(a, BT_MEM_DEVICE, t->l2bytes, &t->l2buf);
    }
    if (st != BT_OK) { bt_cuda_timer_destroy(t); return st; }
    *out = t;
    return BT_OK;
}
bt_status bt_cuda_timer_begin(bt_cuda_timer *t, void *stream) {
    cudaEvent_t ev;
    bt_status st;
    int i;
    if (!t) return BT_E_INVALID;
    t->nev = 0; t->niv = 0;
    for (i = 0; i < BT_PHASE_COUNT; i++) t->open[i] = -1;
    if (t->l2buf) {
        st = btc_rec(t->d, cudaMemsetAsync(t->l2buf, 0, t->l2bytes, (cudaStream_t)stream), "L2 flush (cudaMemsetAsync)");
        if (st != BT_OK) return st;
    }
    st = btc_event_at(t->d, &t->ev, t->nev, &ev);
    if (st != BT_OK) return st;
    t->nev++;
    t->t0 = btc_now_ns();
    t->started = 1;
    return btc_rec(t->d, cudaEventRecord(ev, (cudaStream_t)stream), "cudaEventRecord");
}
bt_status bt_cuda_timer_phase(bt_cuda_timer *t, bt_phase ph, int begin, void *stream) {
    cudaEvent_t ev;
    bt_status st;
    int k;
    if (!t || !t->started || (int)ph < 0 || ph >= BT_PHASE_COUNT)
        return btc_invalid(t ? t->d : NULL, "bt_cuda_timer_phase: %s", !t ? "timer is NULL" : !t->started ? "call bt_cuda_timer_begin first" : "bad phase");
    if (!begin && t->open[ph] < 0) return btc_invalid(t->d, "bt_cuda_timer_phase: phase %d ended but not begun", (int)ph);
    if (begin && t->open[ph] >= 0) return btc_invalid(t->d, "bt_cuda_timer_phase: phase %d begun twice", (int)ph);
    k = t->nev;
    st = btc_event_at(t->d, &t->ev, k, &ev);
    if (st != BT_OK) return st;
    st = btc_rec(t->d, cudaEventRecord(ev, (cudaStream_t)stream), "cudaEventRecord");
    if (st != BT_OK) return st;
    t->nev++;
    if (begin) { t->open[ph] = k; return BT_OK; }
    if (t->niv == t->ivcap) {
        int nc = t->ivcap * 2;
        btc_interval *ni = (btc_interval *)realloc(t->iv, (size_t)nc * sizeof *ni);
        if (!ni) return BT_E_NOMEM;
        t->iv = ni; t->ivcap = nc;
    }
    t->iv[t->niv].phase = (int)ph;
    t->iv[t->niv].b = t->open[ph];
    t->iv[t->niv].e = k;
    t->niv++;
    t->open[ph] = -1;
    return BT_OK;
}
static int btc_cmp_pair(const void *a, const void *b) {
    const double *x = (const double *)a, *y = (const double *)b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}
bt_status bt_cuda_timer_end(bt_cuda_timer *t, bt_sample *s, double *busy_fraction) {
    double sum[BT_PHASE_COUNT], *busy = NULL, wall, u = 0, cur_b = 0, cur_e = -1;
    int have[BT_PHASE_COUNT], i, nb = 0;
    bt_status st = BT_OK;
    if (busy_fraction) *busy_fraction = NAN;
    if (!t || !t->started) return btc_invalid(t ? t->d : NULL, "bt_cuda_timer_end: call bt_cuda_timer_begin first");
    for (i = 0; i < BT_PHASE_COUNT; i++) { sum[i] = 0; have[i] = 0; }
    if (t->nev > 0) st = btc_rec(t->d, cudaEventSynchronize(t->ev.ev[t->nev - 1]), "cudaEventSynchronize");
    for (i = 0; st == BT_OK && i < t->niv; i++) st = btc_rec(t->d, cudaEventSynchronize(t->ev.ev[t->iv[i].e]), "cudaEventSynchronize");
    wall = (double)(btc_now_ns() - t->t0) * 1e-9;
    t->started = 0;
    if (st != BT_OK) return st;
    busy = (double *)malloc((size_t)(t->niv ? t->niv : 1) * 2 * sizeof(double));
    if (!busy) return BT_E_NOMEM;
    for (i = 0; i < t->niv && st == BT_OK; i++) {
        double b = 0, e = 0;
        st = btc_elapsed_s(t->d, t->ev.ev[0], t->ev.ev[t->iv[i].b], &b);
        if (st == BT_OK) st = btc_elapsed_s(t->d, t->ev.ev[0], t->ev.ev[t->iv[i].e], &e);
        if (st != BT_OK) break;
        sum[t->iv[i].phase] += e - b;
        have[t->iv[i].phase] = 1;
        if (t->iv[i].phase == BT_PHASE_COMPUTE) { busy[2 * nb] = b; busy[2 * nb + 1] = e; nb++; }
    }
    if (st == BT_OK) {
        qsort(busy, (size_t)nb, 2 * sizeof(double), btc_cmp_pair);
        for (i = 0; i < nb; i++) {           /* union of the compute intervals */
            if (busy[2 * i] > cur_e) { if (cur_e > cur_b) u += cur_e - cur_b; cur_b = busy[2 * i]; cur_e = busy[2 * i + 1]; }
            else if (busy[2 * i + 1] > cur_e) cur_e = busy[2 * i + 1];
        }
        if (cur_e > cur_b) u += cur_e - cur_b;
        if (s) for (i = 0; i < BT_PHASE_COUNT; i++) if (have[i]) s->phase_s[i] = sum[i];
        if (busy_fraction && wall > 0) *busy_fraction = nb ? (u / wall > 1 ? 1 : u / wall) : 0;
    }
    free(busy);
    return st;
}
void bt_cuda_timer_destroy(bt_cuda_timer *t) {
    if (!t) return;
    if (t->l2buf) bt_dev_free(t->a, t->l2buf);
    btc_events_free(&t->ev);
    free(t->iv);
    free(t);
}

/* ---------------------------------------------------------------- pinned + pipeline ------ */
void *bt_cuda_pinned_alloc(size_t n, void *user) {
    void *p = NULL;
    (void)user;
    if (cudaHostAlloc(&p, n ? n : 1, cudaHostAllocPortable) != cudaSuccess) { (void)cudaGetLastError(); return NULL; }
    return p;
}
void bt_cuda_pinned_free(void *p, void *user) {
    (void)user;
    if (p && cudaFreeHost(p) != cudaSuccess) (void)cudaGetLastError();
}

#define BTC_MAX_SLOTS 8
struct bt_cuda_pipeline {
    bt_dev_arena *a;
    bt_device *d;
    size_t slot_bytes;
    int slots;
    void *host[BTC_MAX_SLOTS], *dev[BTC_MAX_SLOTS];
    int last_batch[BTC_MAX_SLOTS];   /* batch that last used the slot, -1 none */
    cudaStream_t copy, compute;
    btc_events ev;                   /* 4 per batch: copy begin/end, compute begin/end */
    int batches, acquired;
    int external;                    /* no host slots: bt_cuda_pipeline_submit_from only */
    double host_wait_s;
};
bt_status bt_cuda_pipeline_create(bt_dev_arena *a, const bt_cuda_pipeline_desc *desc, bt_cuda_pipeline **out) {
    bt_cuda_pipeline *p;
    bt_device *d = bt_dev_arena_device(a);
    bt_status st = BT_OK;
    int i;
    if (!out || !a || !desc || !desc->slot_bytes)
        return btc_invalid(d, "bt_cuda_pipeline_create: %s", !out ? "out is NULL" : !a ? "arena is NULL" : "desc.slot_bytes must be > 0");
    *out = NULL;
    if (desc->slots < 0 || desc->slots > BTC_MAX_SLOTS) return btc_invalid(d, "bt_cuda_pipeline_create: slots = %d, must be 1..%d", desc->slots, BTC_MAX_SLOTS);
    p = (bt_cuda_pipeline *)calloc(1, sizeof *p);
    if (!p) return BT_E_NOMEM;
    p->a = a; p->d = d;
    p->slot_bytes = desc->slot_bytes;
    p->slots = desc->slots ? desc->slots : 2;
    p->acquired = -1;
    for (i = 0; i < p->slots; i++) p->last_batch[i] = -1;
    p->external = desc->external_host != 0;
    for (i = 0; i < p->slots && st == BT_OK; i++) {
        if (!p->external) st = bt_dev_alloc(a, BT_MEM_PINNED, p->slot_bytes, &p->host[i]);
        if (st == BT_OK) st = bt_dev_alloc(a, BT_MEM_DEVICE, p->slot_bytes, &p->dev[i]);
    }
    if (st == BT_OK) st = btc_rec(d, cudaStreamCreateWithFlags(&p->copy, cudaStreamNonBlocking), "cudaStreamCreate (copy)");
    if (st == BT_OK) st = btc_rec(d, cudaStreamCreateWithFlags(&p->compute, cudaStreamNonBlocking), "cudaStreamCreate (compute)");
    if (st != BT_OK) { bt_cuda_pipeline_destroy(p); return st; }
    *out = p;
    return BT_OK;
}
void *bt_cuda_pipeline_compute_stream(const bt_cuda_pipeline *p) { return p ? (void *)p->compute : NULL; }
bt_status bt_cuda_pipeline_acquire(bt_cuda_pipeline *p, void **host_buf) {
    int slot;
    if (!p || !host_buf) return btc_invalid(p ? p->d : NULL, "bt_cuda_pipeline_acquire: %s is NULL", !p ? "pipeline" : "host_buf");
    *host_buf = NULL;
    if (p->external) return btc_invalid(p->d, "bt_cuda_pipeline_acquire: this pipeline has no host buffers (external_host): use bt_cuda_pipeline_submit_from");
    slot = p->batches % p->slots;
    if (p->last_batch[slot] >= 0) {   /* its previous upload must be done before the host refills it */
        uint64_t t0 = btc_now_ns();
        bt_status st = btc_rec(p->d, cudaEventSynchronize(p->ev.ev[4 * p->last_batch[slot] + 1]), "cudaEventSynchronize (upload)");
        p->host_wait_s += (double)(btc_now_ns() - t0) * 1e-9;
        if (st != BT_OK) return st;
    }
    p->acquired = slot;
    *host_buf = p->host[slot];
    return BT_OK;
}
/* queues the upload of `src` into the next slot, then compute; returns the batch's events */
static bt_status btc_pipeline_enqueue(bt_cuda_pipeline *p, int slot, const void *src, size_t bytes,
                                      bt_cuda_compute_fn compute, void *user, cudaEvent_t *e);
bt_status bt_cuda_pipeline_submit(bt_cuda_pipeline *p, size_t bytes, bt_cuda_compute_fn compute, void *user) {
    cudaEvent_t e[4];
    int slot;
    if (!p || !compute) return btc_invalid(p ? p->d : NULL, "bt_cuda_pipeline_submit: %s is NULL", !p ? "pipeline" : "compute");
    slot = p->batches % p->slots;
    if (p->acquired != slot) return btc_invalid(p->d, "bt_cuda_pipeline_submit: acquire a buffer first");
    if (bytes > p->slot_bytes) return btc_invalid(p->d, "bt_cuda_pipeline_submit: %zu bytes > slot_bytes %zu", bytes, p->slot_bytes);
    return btc_pipeline_enqueue(p, slot, p->host[slot], bytes, compute, user, e);
}
bt_status bt_cuda_pipeline_submit_from(bt_cuda_pipeline *p, const void *host, size_t bytes, bt_cuda_compute_fn compute,
                                       void *user) {
    cudaEvent_t e[4];
    uint64_t t0;
    bt_status st;
    if (!p || !compute || !host)
        return btc_invalid(p ? p->d : NULL, "bt_cuda_pipeline_submit_from: %s is NULL", !p ? "pipeline" : !host ? "host" : "compute");
    if (bytes > p->slot_bytes) return btc_invalid(p->d, "bt_cuda_pipeline_submit_from: %zu bytes > slot_bytes %zu", bytes, p->slot_bytes);
    if (p->acquired >= 0) return btc_invalid(p->d, "bt_cuda_pipeline_submit_from: a buffer was acquired and not submitted");
    st = btc_pipeline_enqueue(p, p->batches % p->slots, host, bytes, compute, user, e);
    if (st != BT_OK) return st;
    t0 = btc_now_ns();   /* the caller reuses host after this: wait for its copy (not the compute) */
    st = btc_rec(p->d, cudaEventSynchronize(e[1]), "cudaEventSynchronize (upload)");
    p->host_wait_s += (double)(btc_now_ns() - t0) * 1e-9;
    return st;
}
static bt_status btc_pipeline_enqueue(bt_cuda_pipeline *p, int slot, const void *src, size_t bytes,
                                      bt_cuda_compute_fn compute, void *user, cudaEvent_t *e) {
    int b, k;
    bt_status st = BT_OK;
    b = p->batches;
    for (k = 0; k < 4 && st == BT_OK; k++) st = btc_event_at(p->d, &p->ev, 4 * b + k, &e[k]);
    if (st != BT_OK) return st;
    /* the copy into the device slot waits for the compute that last read it */
    if (p->last_batch[slot] >= 0) st = btc_rec(p->d, cudaStreamWaitEvent(p->copy, p->ev.ev[4 * p->last_batch[slot] + 3], 0), "cudaStreamWaitEvent");
    if (st == BT_OK) st = btc_rec(p->d, cudaEventRecord(e[0], p->copy), "cudaEventRecord");
    if (st == BT_OK) st = btc_rec(p->d, cudaMemcpyAsync(p->dev[slot], src, bytes, cudaMemcpyHostToDevice, p->copy), "cudaMemcpyAsync (upload)");
    if (st == BT_OK) st = btc_rec(p->d, cudaEventRecord(e[1], p->copy), "cudaEventRecord");
    if (st == BT_OK) st = btc_rec(p->d, cudaStreamWaitEvent(p->compute, e[1], 0), "cudaStreamWaitEvent");
    if (st == BT_OK) st = btc_rec(p->d, cudaEventRecord(e[2], p->compute), "cudaEventRecord");
    if (st == BT_OK) st = compute(p->dev[slot], bytes, slot, (void *)p->compute, user);
    if (st == BT_OK) st = btc_rec(p->d, cudaEventRecord(e[3], p->compute), "cudaEventRecord");
    if (st != BT_OK) return st;
    p->last_batch[slot] = b;
    p->batches++;
    p->acquired = -1;
    return BT_OK;
}
bt_status bt_cuda_pipeline_drain(bt_cuda_pipeline *p, bt_cuda_pipeline_stats *out) {
    bt_cuda_pipeline_stats s;
    bt_status st;
    int b, i;
    memset(&s, 0, sizeof s);
    if (out) *out = s;
    if (!p) return BT_E_INVALID;
    st = btc_rec(p->d, cudaStreamSynchronize(p->copy), "cudaStreamSynchronize (copy)");
    if (st == BT_OK) st = btc_rec(p->d, cudaStreamSynchronize(p->compute), "cudaStreamSynchronize (compute)");
    for (b = 0; b < p->batches && st == BT_OK; b++) {
        double x = 0, y = 0;
        st = btc_elapsed_s(p->d, p->ev.ev[4 * b], p->ev.ev[4 * b + 1], &x);
        if (st == BT_OK) st = btc_elapsed_s(p->d, p->ev.ev[4 * b + 2], p->ev.ev[4 * b + 3], &y);
        s.h2d_s += x;
        s.compute_s += y;
    }
    if (st == BT_OK && p->batches > 0) st = btc_elapsed_s(p->d, p->ev.ev[0], p->ev.ev[4 * (p->batches - 1) + 3], &s.span_s);
    s.batches = p->batches;
    s.host_wait_s = p->host_wait_s;
    p->batches = 0;
    p->host_wait_s = 0;
    p->acquired = -1;
    for (i = 0; i < p->slots; i++) p->last_batch[i] = -1;
    if (out) *out = s;
    return st;
}
void bt_cuda_pipeline_destroy(bt_cuda_pipeline *p) {
    int i;
    if (!p) return;
    if (p->copy) cudaStreamDestroy(p->copy);
    if (p->compute) cudaStreamDestroy(p->compute);
    for (i = 0; i < p->slots; i++) {
        if (p->host[i]) bt_dev_free(p->a, p->host[i]);
        if (p->dev[i]) bt_dev_free(p->a, p->dev[i]);
    }
    btc_events_free(&p->ev);
    free(p);
}

/* ---------------------------------------------------------------- kernels ---------------- */
typedef struct btc_norm { float mean[4], inv_std[4]; } btc_norm;

__global__ void btc_normalize_kernel(const unsigned char *in, float *out, long long pixels, int hw, int c, btc_norm nm) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long img, pix;
    int ch;
    if (i >= pixels) return;
    img = i / hw;
    pix = i - img * hw;
    for (ch = 0; ch < c; ch++) {
        float v = (float)in[i * c + ch] * (1.0f / 255.0f);
        out[(img * c + ch) * hw + pix] = (v - nm.mean[ch]) * nm.inv_std[ch];
    }
}
bt_status bt_cuda_normalize_nhwc_u8(bt_device *d, const void *in, float *out, int n, int h, int w, int c,
                                    const float *mean, const float *std, void *stream) {
    btc_norm nm;
    long long pixels;
    int i;
    if (!in || !out || !mean || !std) return btc_invalid(d, "bt_cuda_normalize_nhwc_u8: in, out, mean and std are required");
    if (n < 0 || h <= 0 || w <= 0 || c < 1 || c > 4) return btc_invalid(d, "bt_cuda_normalize_nhwc_u8: bad shape n=%d h=%d w=%d c=%d (c must be 1..4)", n, h, w, c);
    memset(&nm, 0, sizeof nm);
    for (i = 0; i < c; i++) {
        if (!(std[i] != 0)) return btc_invalid(d, "bt_cuda_normalize_nhwc_u8: std[%d] is 0", i);
        nm.mean[i] = mean[i];
        nm.inv_std[i] = 1.0f / std[i];
    }
    pixels = (long long)n * h * w;
    if (pixels == 0) return BT_OK;
    btc_normalize_kernel<<<(unsigned)((pixels + 255) / 256), 256, 0, (cudaStream_t)stream>>>((const unsigned char *)in, out, pixels, h * w, c, nm);
    return bt_cuda_check_launch(d, "normalize kernel");
}

#define BTC_TILE 16
__global__ void btc_gemm_kernel(int m, int n, int k, const float *A, const float *B, float *C, const float *bias, int relu) {
    __shared__ float as[BTC_TILE][BTC_TILE];
    __shared__ float bs[BTC_TILE][BTC_TILE];
    int row = blockIdx.y * BTC_TILE + threadIdx.y, col = blockIdx.x * BTC_TILE + threadIdx.x, t, j;
    float acc = 0.0f;
    for (t = 0; t < k; t += BTC_TILE) {
        as[threadIdx.y][threadIdx.x] = (row < m && t + (int)threadIdx.x < k) ? A[(size_t)row * k + t + threadIdx.x] : 0.0f;
        bs[threadIdx.y][threadIdx.x] = (col < n && t + (int)threadIdx.y < k) ? B[(size_t)(t + threadIdx.y) * n + col] : 0.0f;
        __syncthreads();
        for (j = 0; j < BTC_TILE; j++) acc += as[threadIdx.y][j] * bs[j][threadIdx.x];
        __syncthreads();
    }
    if (row < m && col < n) {
        if (bias) acc += bias[col];
        if (relu && acc < 0.0f) acc = 0.0f;
        C[(size_t)row * n + col] = acc;
    }
}
bt_status bt_cuda_gemm(bt_device *d, int m, int n, int k, const float *A, const float *B, float *C, const float *bias,
                       int relu, void *stream) {
    dim3 blk(BTC_TILE, BTC_TILE), grd;
    if (m < 0 || n < 0 || k < 0 || (m && n && (!A || !B || !C)))
        return btc_invalid(d, "bt_cuda_gemm: bad arguments m=%d n=%d k=%d (A, B, C required)", m, n, k);
    if (!m || !n) return BT_OK;
    grd = dim3((unsigned)((n + BTC_TILE - 1) / BTC_TILE), (unsigned)((m + BTC_TILE - 1) / BTC_TILE));
    btc_gemm_kernel<<<grd, blk, 0, (cudaStream_t)stream>>>(m, n, k, A, B, C, bias, relu);
    return bt_cuda_check_launch(d, "gemm kernel");
}

__global__ void btc_conv3x3_kernel(const float *in, const float *wt, const float *bias, float *out, int n, int cin,
                                   int cout, int h, int w) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x, total = (long long)n * cout * h * w;
    int x, y, co, b, ci, dy, dx;
    float acc;
    if (i >= total) return;
    x = (int)(i % w);
    y = (int)((i / w) % h);
    co = (int)((i / ((long long)w * h)) % cout);
    b = (int)(i / ((long long)w * h * cout));
    acc = bias ? bias[co] : 0.0f;
    for (ci = 0; ci < cin; ci++) {
        const float *ip = in + ((size_t)b * cin + ci) * h * w;
        const float *wp = wt + ((size_t)co * cin + ci) * 9;
        for (dy = -1; dy <= 1; dy++) {
            int yy = y + dy;
            if (yy < 0 || yy >= h) continue;
            for (dx = -1; dx <= 1; dx++) {
                int xx = x + dx;
                if (xx < 0 || xx >= w) continue;
                acc += ip[(size_t)yy * w + xx] * wp[(dy + 1) * 3 + dx + 1];
            }
        }
    }
    out[i] = acc > 0.0f ? acc : 0.0f;
}
bt_status bt_cuda_conv3x3(bt_device *d, const float *in, const float *wt, const float *bias, float *out, int n, int cin,
                          int cout, int h, int w, void *stream) {
    long long total;
    if (!in || !wt || !out || n < 0 || cin <= 0 || cout <= 0 || h <= 0 || w <= 0)
        return btc_invalid(d, "bt_cuda_conv3x3: bad arguments n=%d cin=%d cout=%d h=%d w=%d", n, cin, cout, h, w);
    total = (long long)n * cout * h * w;
    if (!total) return BT_OK;
    btc_conv3x3_kernel<<<(unsigned)((total + 255) / 256), 256, 0, (cudaStream_t)stream>>>(in, wt, bias, out, n, cin, cout, h, w);
    return bt_cuda_check_launch(d, "conv3x3 kernel");
}

/* attention: scores (one warp per key), softmax (one block per row), weighted sum of V */
__global__ void btc_scores_kernel(const float *q, const float *K, float *scores, int n, int s, int dim, float scale) {
    long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x & 31, j, b, off;
    float acc = 0.0f;
    if (warp >= (long long)n * s) return;
    b = (int)(warp / s);
    j = (int)(warp % s);
    for (off = lane; off < dim; off += 32) acc += K[((size_t)b * s + j) * dim + off] * q[(size_t)b * dim + off];
    for (off = 16; off > 0; off >>= 1) acc += __shfl_down_sync(0xffffffffu, acc, off);
    if (lane == 0) scores[(size_t)b * s + j] = acc * scale;
}
__global__ void btc_softmax_kernel(float *scores, int s) {
    __shared__ float red[256];
    float *row = scores + (size_t)blockIdx.x * s, mx = -INFINITY, sum = 0.0f;
    int j, k;
    for (j = threadIdx.x; j < s; j += blockDim.x) mx = fmaxf(mx, row[j]);
    red[threadIdx.x] = mx;
    __syncthreads();
    for (k = blockDim.x / 2; k > 0; k >>= 1) { if ((int)threadIdx.x < k) red[threadIdx.x] = fmaxf(red[threadIdx.x], red[threadIdx.x + k]); __syncthreads(); }
    mx = red[0];
    __syncthreads();
    for (j = threadIdx.x; j < s; j += blockDim.x) { float e = __expf(row[j] - mx); row[j] = e; sum += e; }
    red[threadIdx.x] = sum;
    __syncthreads();
    for (k = blockDim.x / 2; k > 0; k >>= 1) { if ((int)threadIdx.x < k) red[threadIdx.x] += red[threadIdx.x + k]; __syncthreads(); }
    sum = red[0];
    for (j = threadIdx.x; j < s; j += blockDim.x) row[j] /= sum;
}
__global__ void btc_weighted_v_kernel(const float *p, const float *V, float *out, int n, int s, int dim) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    int b, dd, j;
    float acc = 0.0f;
    if (i >= (long long)n * dim) return;
    b = (int)(i / dim);
    dd = (int)(i % dim);
    for (j = 0; j < s; j++) acc += p[(size_t)b * s + j] * V[((size_t)b * s + j) * dim + dd];
    out[i] = acc;
}
bt_status bt_cuda_attention_step(bt_device *d, const float *q, const float *K, const float *V, float *scores, float *out,
                                 int n, int s, int dim, void *stream) {
    cudaStream_t st = (cudaStream_t)stream;
    long long warps;
    bt_status r;
    if (!q || !K || !V || !scores || !out || n < 0 || s <= 0 || dim <= 0)
        return btc_invalid(d, "bt_cuda_attention_step: bad arguments n=%d s=%d dim=%d (all buffers required)", n, s, dim);
    if (!n) return BT_OK;
    warps = (long long)n * s;
    btc_scores_kernel<<<(unsigned)((warps * 32 + 255) / 256), 256, 0, st>>>(q, K, scores, n, s, dim, 1.0f / sqrtf((float)dim));
    r = bt_cuda_check_launch(d, "attention scores kernel");
    if (r != BT_OK) return r;
    btc_softmax_kernel<<<(unsigned)n, 256, 0, st>>>(scores, s);
    r = bt_cuda_check_launch(d, "softmax kernel");
    if (r != BT_OK) return r;
    btc_weighted_v_kernel<<<(unsigned)(((long long)n * dim + 255) / 256), 256, 0, st>>>(scores, V, out, n, s, dim);
    return bt_cuda_check_launch(d, "attention value kernel");
}

__global__ void btc_reduce_ref_kernel(const float *x, int rows, int cols, float *out) {
    int r = blockIdx.x * blockDim.x + threadIdx.x, j;
    float acc = 0.0f;
    if (r >= rows) return;
    for (j = 0; j < cols; j++) acc += x[(size_t)r * cols + j];   /* one fixed order */
    out[r] = acc;
}
__global__ void btc_reduce_fast_kernel(const float *x, int cols, int split, float *out) {
    __shared__ float red[256];
    int r = blockIdx.x, part = blockIdx.y, chunk = (cols + split - 1) / split, lo = part * chunk, hi = lo + chunk, j, k;
    float acc = 0.0f;
    if (hi > cols) hi = cols;
    for (j = lo + threadIdx.x; j < hi; j += blockDim.x) acc += x[(size_t)r * cols + j];
    red[threadIdx.x] = acc;
    __syncthreads();
    for (k = blockDim.x / 2; k > 0; k >>= 1) { if ((int)threadIdx.x < k) red[threadIdx.x] += red[threadIdx.x + k]; __syncthreads(); }
    if (threadIdx.x == 0) atomicAdd(&out[r], red[0]);             /* order of arrival varies */
}
bt_status bt_cuda_reduce_rows(bt_device *d, const float *x, int rows, int cols, float *out, int path, int split, void *stream) {
    cudaStream_t st = (cudaStream_t)stream;
    bt_status r;
    if (!x || !out || rows < 0 || cols <= 0 || (path != BT_REDUCE_REFERENCE && path != BT_REDUCE_FAST) || (path == BT_REDUCE_FAST && (split < 1 || split > 65535)))
        return btc_invalid(d, "bt_cuda_reduce_rows: bad arguments rows=%d cols=%d path=%d split=%d", rows, cols, path, split);
    if (!rows) return BT_OK;
    if (path == BT_REDUCE_REFERENCE) {
        btc_reduce_ref_kernel<<<(unsigned)((rows + 127) / 128), 128, 0, st>>>(x, rows, cols, out);
        return bt_cuda_check_launch(d, "reference reduction kernel");
    }
    r = btc_rec(d, cudaMemsetAsync(out, 0, (size_t)rows * sizeof(float), st), "cudaMemsetAsync");
    if (r != BT_OK) return r;
    btc_reduce_fast_kernel<<<dim3((unsigned)rows, (unsigned)split), 256, 0, st>>>(x, cols, split, out);
    return bt_cuda_check_launch(d, "fast reduction kernel");
}

__global__ void btc_fill_kernel(float *p, long long n, unsigned seed, float scale) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    unsigned h;
    if (i >= n) return;
    h = (unsigned)i * 2654435761u ^ seed;
    h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
    p[i] = ((float)(h & 0xffffff) / 16777216.0f - 0.5f) * 2.0f * scale;
}
static bt_status btc_fill(bt_device *d, float *p, size_t n, unsigned seed, float scale, cudaStream_t s) {
    if (!n) return BT_OK;
    btc_fill_kernel<<<(unsigned)((n + 255) / 256), 256, 0, s>>>(p, (long long)n, seed, scale);
    return bt_cuda_check_launch(d, "fill kernel");
}
__global__ void btc_bias_relu_kernel(float *c, const float *bias, long long m, int n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    float v;
    if (i >= m * n) return;
    v = c[i] + bias[i % n];
    c[i] = v > 0.0f ? v : 0.0f;
}
bt_status bt_cuda_bias_relu(bt_device *d, float *c, const float *bias, int m, int n, void *stream) {
    long long tot;
    if (m < 0 || n <= 0 || (m && (!c || !bias))) return btc_invalid(d, "bt_cuda_bias_relu: bad arguments m=%d n=%d (c and bias required)", m, n);
    tot = (long long)m * n;
    if (!tot) return BT_OK;
    btc_bias_relu_kernel<<<(unsigned)((tot + 255) / 256), 256, 0, (cudaStream_t)stream>>>(c, bias, m, n);
    return bt_cuda_check_launch(d, "bias+relu kernel");
}
__global__ void btc_pool_kernel(const float *in, float *out, int nc, int hw) {
    int i = blockIdx.x * blockDim.x + threadIdx.x, j;
    float acc = 0.0f;
    if (i >= nc) return;
    for (j = 0; j < hw; j++) acc += in[(size_t)i * hw + j];   /* one fixed order */
    out[i] = acc / (float)hw;
}
bt_status bt_cuda_avg_pool(bt_device *d, const float *in, float *out, int nc, int hw, void *stream) {
    if (nc < 0 || hw <= 0 || (nc && (!in || !out))) return btc_invalid(d, "bt_cuda_avg_pool: bad arguments nc=%d hw=%d (in and out required)", nc, hw);
    if (!nc) return BT_OK;
    btc_pool_kernel<<<(unsigned)((nc + 255) / 256), 256, 0, (cudaStream_t)stream>>>(in, out, nc, hw);
    return bt_cuda_check_launch(d, "pool kernel");
}

/* ---------------------------------------------------------------- NVML ------------------- */
typedef int btc_nvml_ret;                     /* nvmlReturn_t: 0 = success */
typedef void *btc_nvml_dev;                   /* nvmlDevice_t */
typedef struct btc_nvml_util { unsigned gpu, memory; } btc_nvml_util;
typedef struct btc_nvml_mem { unsigned long long total, free, used; } btc_nvml_mem;
typedef struct btc_nvml_rec {
    uint64_t t_ns;
    double util, mem_util, mem_used, sm_mhz, power_w;
    unsigned long long reasons;
} btc_nvml_rec;
#define BTC_NVML_RING 4096
#define BTC_NVML_THROTTLE 0xECull   /* SW power cap, HW slowdown, SW thermal, HW thermal, power brake */
struct bt_nvml_sampler {
    void *lib;
    btc_nvml_dev dev;
    btc_nvml_ret (*init)(void);
    btc_nvml_ret (*shutdown)(void);
    btc_nvml_ret (*util)(btc_nvml_dev, btc_nvml_util *);
    btc_nvml_ret (*mem)(btc_nvml_dev, btc_nvml_mem *);
    btc_nvml_ret (*clock)(btc_nvml_dev, int, unsigned *);
    btc_nvml_ret (*power)(btc_nvml_dev, unsigned *);
    btc_nvml_ret (*energy)(btc_nvml_dev, unsigned long long *);
    btc_nvml_ret (*reasons)(btc_nvml_dev, unsigned long long *);
    const char *(*errstr)(btc_nvml_ret);
    double period_s, min_window_s;
    int available, running, stop;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    btc_nvml_rec *ring;
    long long nrec;                /* records written so far (ring index = nrec % size) */
};
static void btc_nvml_read(bt_nvml_sampler *s, btc_nvml_rec *r) {
    btc_nvml_util u;
    btc_nvml_mem m;
    unsigned v = 0;
    unsigned long long rs = 0;
    r->t_ns = btc_now_ns();
    r->util = r->mem_util = r->mem_used = r->sm_mhz = r->power_w = NAN;
    r->reasons = 0;
    if (s->util && s->util(s->dev, &u) == 0) { r->util = u.gpu; r->mem_util = u.memory; }
    if (s->mem && s->mem(s->dev, &m) == 0) r->mem_used = (double)m.used;
    if (s->clock && s->clock(s->dev, 1 /* NVML_CLOCK_SM */, &v) == 0) r->sm_mhz = v;
    if (s->power && s->power(s->dev, &v) == 0) r->power_w = v * 1e-3;
    if (s->reasons && s->reasons(s->dev, &rs) == 0) r->reasons = rs;
}
static void *btc_nvml_main(void *arg) {
    bt_nvml_sampler *s = (bt_nvml_sampler *)arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        btc_nvml_rec r;
        struct timespec ts;
        uint64_t due;
        pthread_mutex_unlock(&s->mu);
        btc_nvml_read(s, &r);
        pthread_mutex_lock(&s->mu);
        s->ring[s->nrec % BTC_NVML_RING] = r;
        s->nrec++;
        due = btc_now_ns() + (uint64_t)(s->period_s * 1e9);
        ts.tv_sec = (time_t)(due / 1000000000ull);
        ts.tv_nsec = (long)(due % 1000000000ull);
        while (!s->stop && btc_now_ns() < due) pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}
static void *btc_sym(void *lib, const char *a, const char *b) {
    void *p = dlsym(lib, a);
    if (!p && b) p = dlsym(lib, b);
    return p;
}
/* dlopen a CUDA library (CUPTI, cuBLAS): lib (when given), else $<env>, else
   <stem>.so.<runtime major> and <stem>.so in $CUDA_HOME, $CUDA_PATH and /usr/local/cuda (each of
   subs below them), then the loader's own search path. On failure `tried` says where it looked;
   on success `found` (optional) names the file. RTLD_NODELETE: the library's threads and its
   registered kernels may outlive dlclose. */
static void *btc_lib_open(const char *lib, const char *env, const char *stem, const char *const *subs, int nsubs,
                          char *tried, size_t tn, char *found, size_t fn) {
    static const char *const roots_env[2] = {"CUDA_HOME", "CUDA_PATH"};
    const int flags = RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE;
    char names[2][64], path[1024], sublist[128];
    const char *roots[3];
    void *h;
    int r, s, k, nr = 0;
    size_t used = 0;
    tried[0] = 0;
    if (found && fn) found[0] = 0;
    if (!lib) lib = getenv(env);
    if (lib && *lib) {
        h = dlopen(lib, flags);
        if (!h) btc_fmt(tried, tn, "dlopen %s: %s", lib, dlerror());
        else if (found) btc_fmt(found, fn, "%s", lib);
        return h;
    }
    snprintf(names[0], sizeof names[0], "%s.so.%d", stem, CUDART_VERSION / 1000);
    snprintf(names[1], sizeof names[1], "%s.so", stem);
    for (r = 0; r < 2; r++) { const char *v = getenv(roots_env[r]); if (v && *v) roots[nr++] = v; }
    roots[nr++] = "/usr/local/cuda";
    for (r = 0; r < nr; r++)
        for (s = 0; s < nsubs; s++)
            for (k = 0; k < 2; k++) {
                snprintf(path, sizeof path, "%s/%s/%s", roots[r], subs[s], names[k]);
                if ((h = dlopen(path, flags)) != NULL) { if (found) btc_fmt(found, fn, "%s", path); return h; }
            }
    for (k = 0; k < 2; k++) if ((h = dlopen(names[k], flags)) != NULL) { if (found) btc_fmt(found, fn, "%s", names[k]); return h; }
    sublist[0] = 0;
    for (s = 0; s < nsubs; s++) {
        size_t l = strlen(sublist);
        snprintf(sublist + l, sizeof sublist - l, "%s%s", s ? "," : "", subs[s]);
    }
    for (r = 0; r < nr && used + 1 < tn; r++) {
        int w = snprintf(tried + used, tn - used, nsubs > 1 ? "%s%s/{%s}" : "%s%s/%s", r ? ", " : "", roots[r], sublist);
        if (w < 0) break;
        used += (size_t)w;
    }
    if (used + 1 < tn) snprintf(tried + used, tn - used, ", the loader's path: no %s or %s found", names[0], names[1]);
    return NULL;
}
bt_status bt_nvml_sampler_start(int cuda_index, double period_s, double min_window_s, bt_nvml_sampler **out, char *err,
                                size_t err_len) {
    bt_nvml_sampler *s;
    btc_nvml_ret (*by_pci)(const char *, btc_nvml_dev *);
    btc_nvml_ret (*by_index)(unsigned, btc_nvml_dev *);
    btc_nvml_ret rc = -1;
    char pci[64];
    pthread_condattr_t ca;
    if (!out) { btc_fmt(err, err_len, "bt_nvml_sampler_start: out is NULL"); return BT_E_INVALID; }
    *out = NULL;
    if (period_s < 0 || min_window_s < 0) { btc_fmt(err, err_len, "bt_nvml_sampler_start: period_s and min_window_s must be >= 0"); return BT_E_INVALID; }
    s = (bt_nvml_sampler *)calloc(1, sizeof *s);
    if (!s) { btc_fmt(err, err_len, "host out of memory"); return BT_E_NOMEM; }
    s->period_s = period_s > 0 ? period_s : 0.1;
    s->min_window_s = min_window_s > 0 ? min_window_s : 1.0;
    *out = s;
    if (err && err_len) err[0] = 0;
    s->lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!s->lib) { btc_fmt(err, err_len, "NVML not available (dlopen libnvidia-ml.so.1: %s); NVML figures will be empty", dlerror()); return BT_OK; }
    s->init = (btc_nvml_ret(*)(void))btc_sym(s->lib, "nvmlInit_v2", "nvmlInit");
    s->shutdown = (btc_nvml_ret(*)(void))btc_sym(s->lib, "nvmlShutdown", NULL);
    s->errstr = (const char *(*)(btc_nvml_ret))btc_sym(s->lib, "nvmlErrorString", NULL);
    by_pci = (btc_nvml_ret(*)(const char *, btc_nvml_dev *))btc_sym(s->lib, "nvmlDeviceGetHandleByPciBusId_v2", "nvmlDeviceGetHandleByPciBusId");
    by_index = (btc_nvml_ret(*)(unsigned, btc_nvml_dev *))btc_sym(s->lib, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex");
    s->util = (btc_nvml_ret(*)(btc_nvml_dev, btc_nvml_util *))btc_sym(s->lib, "nvmlDeviceGetUtilizationRates", NULL);
    s->mem = (btc_nvml_ret(*)(btc_nvml_dev, btc_nvml_mem *))btc_sym(s->lib, "nvmlDeviceGetMemoryInfo", NULL);
    s->clock = (btc_nvml_ret(*)(btc_nvml_dev, int, unsigned *))btc_sym(s->lib, "nvmlDeviceGetClockInfo", NULL);
    s->power = (btc_nvml_ret(*)(btc_nvml_dev, unsigned *))btc_sym(s->lib, "nvmlDeviceGetPowerUsage", NULL);
    s->energy = (btc_nvml_ret(*)(btc_nvml_dev, unsigned long long *))btc_sym(s->lib, "nvmlDeviceGetTotalEnergyConsumption", NULL);
    s->reasons = (btc_nvml_ret(*)(btc_nvml_dev, unsigned long long *))btc_sym(s->lib, "nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons");
    if (!s->init || (!by_pci && !by_index) || (rc = s->init()) != 0) {
        btc_fmt(err, err_len, "NVML not usable (%s); NVML figures will be empty",
                !s->init ? "no nvmlInit" : s->errstr ? s->errstr(rc) : "nvmlInit failed");
        dlclose(s->lib); s->lib = NULL;
        return BT_OK;
    }
    /* CUDA and NVML number devices differently: match by PCI bus id */
    rc = -1;
    if (by_pci && cudaDeviceGetPCIBusId(pci, (int)sizeof pci, cuda_index) == cudaSuccess) rc = by_pci(pci, &s->dev);
    else (void)cudaGetLastError();
    if (rc != 0 && by_index && cuda_index >= 0) rc = by_index((unsigned)cuda_index, &s->dev);
    if (rc != 0) {
        btc_fmt(err, err_len, "NVML has no device for CUDA device %d (%s); NVML figures will be empty", cuda_index, s->errstr ? s->errstr(rc) : "?");
        if (s->shutdown) s->shutdown();
        dlclose(s->lib); s->lib = NULL;
        return BT_OK;
    }
    s->ring = (btc_nvml_rec *)calloc(BTC_NVML_RING, sizeof *s->ring);
    if (!s->ring) { bt_nvml_sampler_stop(s); *out = NULL; btc_fmt(err, err_len, "host out of memory"); return BT_E_NOMEM; }
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    s->available = 1;
    if (pthread_create(&s->th, NULL, btc_nvml_main, s) != 0) {
        btc_fmt(err, err_len, "cannot start the NVML sampler thread: %s; NVML figures will be empty", strerror(errno));
        s->available = 0;
        return BT_OK;
    }
    s->running = 1;
    return BT_OK;
}
int bt_nvml_sampler_available(const bt_nvml_sampler *s) { return s && s->available; }
void bt_nvml_window_begin(bt_nvml_sampler *s, bt_nvml_mark *m) {
    unsigned long long mj = 0;
    if (!m) return;
    m->t_ns = btc_now_ns();
    m->energy_mj = NAN;
    if (s && s->available && s->energy && s->energy(s->dev, &mj) == 0) m->energy_mj = (double)mj;
}
void bt_nvml_window_end(bt_nvml_sampler *s, const bt_nvml_mark *m, bt_nvml_window *w) {
    uint64_t t1 = btc_now_ns();
    unsigned long long mj = 0;
    double su = 0, smu = 0, sclk = 0, spw = 0;
    int nu = 0, nclk = 0, npw = 0;
    long long k, lo;
    if (!w) return;
    memset(w, 0, sizeof *w);
    w->util_pct = w->mem_util_pct = w->mem_used_bytes = w->sm_clock_mhz = w->power_w = w->energy_j = NAN;
    if (!m) return;
    w->seconds = (double)(t1 - m->t_ns) * 1e-9;
    if (!s || !s->available) return;
    if (s->energy && !isnan(m->energy_mj) && s->energy(s->dev, &mj) == 0 && w->seconds >= s->min_window_s)
        w->energy_j = ((double)mj - m->energy_mj) * 1e-3;
    pthread_mutex_lock(&s->mu);
    lo = s->nrec > BTC_NVML_RING ? s->nrec - BTC_NVML_RING : 0;
    for (k = s->nrec - 1; k >= lo; k--) {
        const btc_nvml_rec *r = &s->ring[k % BTC_NVML_RING];
        if (r->t_ns < m->t_ns) break;
        if (r->t_ns > t1) continue;
        w->nsamples++;
        if (!isnan(r->util)) { su += r->util; smu += r->mem_util; nu++; }
        if (!isnan(r->mem_used) && (isnan(w->mem_used_bytes) || r->mem_used > w->mem_used_bytes)) w->mem_used_bytes = r->mem_used;
        if (!isnan(r->sm_mhz)) { sclk += r->sm_mhz; nclk++; }
        if (!isnan(r->power_w)) { spw += r->power_w; npw++; }
        w->throttle_reasons |= r->reasons;
    }
    pthread_mutex_unlock(&s->mu);
    w->throttled = (w->throttle_reasons & BTC_NVML_THROTTLE) != 0;
    if (nu && w->seconds >= s->min_window_s) { w->util_pct = su / nu; w->mem_util_pct = smu / nu; }
    if (nclk) w->sm_clock_mhz = sclk / nclk;
    if (npw) w->power_w = spw / npw;
}
void bt_nvml_sampler_stop(bt_nvml_sampler *s) {
    if (!s) return;
    if (s->running) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->th, NULL);
    }
    if (s->ring) { pthread_cond_destroy(&s->cv); pthread_mutex_destroy(&s->mu); }
    if (s->lib) {
        if (s->shutdown) s->shutdown();
        dlclose(s->lib);
    }
    free(s->ring);
    free(s);
}

/* ---------------------------------------------------------------- CUPTI ------------------ */
/* Kernel and copy intervals from CUPTI's activity records, CUPTI loaded with dlopen (no link
   dependency). Records are read at fixed offsets: CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL (10)
   and KERNEL (3) carry CUpti_ActivityKernelN (N = 10 in CUDA 13.0's cupti_activity.h), whose
   start/end/deviceId/streamId sit at 16/24/40/48 in every version since CUpti_ActivityKernel4
   (CUDA 9); CUPTI_ACTIVITY_KIND_MEMCPY (1) carries CUpti_ActivityMemcpyN (6 in CUDA 13.0) with
   start/end/deviceId/streamId at 16/24/32/40 in every version. Where cupti_activity.h is on
   the include path these offsets are checked against it at compile time (-DBATCHTUNE_NO_CUPTI_H
   skips it, as a machine without CUPTI's headers does; tests/run.sh build checks both). */
#define BTC_CUPTI_KIND_MEMCPY 1
#define BTC_CUPTI_KIND_KERNEL 3
#define BTC_CUPTI_KIND_CONCURRENT_KERNEL 10
#define BTC_CUPTI_K_START 16
#define BTC_CUPTI_K_END 24
#define BTC_CUPTI_K_DEVICE 40
#define BTC_CUPTI_K_STREAM 48
#define BTC_CUPTI_K_SIZE 216      /* sizeof(CUpti_ActivityKernel10): the built-in walker only */
#define BTC_CUPTI_M_START 16
#define BTC_CUPTI_M_END 24
#define BTC_CUPTI_M_DEVICE 32
#define BTC_CUPTI_M_STREAM 40
#define BTC_CUPTI_M_SIZE 96       /* sizeof(CUpti_ActivityMemcpy6) */
#define BTC_CUPTI_ALIGN 8         /* ACTIVITY_RECORD_ALIGNMENT */
#define BTC_CUPTI_FLUSH_FORCED 1  /* CUPTI_ACTIVITY_FLAG_FLUSH_FORCED */
#define BTC_CUPTI_BUF_BYTES ((size_t)4 << 20)
#define BTC_CUPTI_MAX_IV ((size_t)4 << 20)   /* intervals held between windows (128 MiB) */
#if defined(__has_include) && !defined(BATCHTUNE_NO_CUPTI_H)
#if __has_include(<cupti_activity.h>)
#include <cupti_activity.h>
#include <stddef.h>
static_assert(CUPTI_ACTIVITY_KIND_MEMCPY == BTC_CUPTI_KIND_MEMCPY && CUPTI_ACTIVITY_KIND_KERNEL == BTC_CUPTI_KIND_KERNEL &&
                  CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL == BTC_CUPTI_KIND_CONCURRENT_KERNEL,
              "CUPTI activity kinds changed");
static_assert(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED == BTC_CUPTI_FLUSH_FORCED, "CUPTI flush flag changed");
static_assert(offsetof(CUpti_ActivityKernel10, start) == BTC_CUPTI_K_START && offsetof(CUpti_ActivityKernel10, end) == BTC_CUPTI_K_END &&
                  offsetof(CUpti_ActivityKernel10, deviceId) == BTC_CUPTI_K_DEVICE && offsetof(CUpti_ActivityKernel10, streamId) == BTC_CUPTI_K_STREAM &&
                  sizeof(CUpti_ActivityKernel10) == BTC_CUPTI_K_SIZE,
              "CUpti_ActivityKernel10 layout differs from batchtune's offsets");
static_assert(offsetof(CUpti_ActivityMemcpy6, start) == BTC_CUPTI_M_START && offsetof(CUpti_ActivityMemcpy6, end) == BTC_CUPTI_M_END &&
                  offsetof(CUpti_ActivityMemcpy6, deviceId) == BTC_CUPTI_M_DEVICE && offsetof(CUpti_ActivityMemcpy6, streamId) == BTC_CUPTI_M_STREAM &&
                  sizeof(CUpti_ActivityMemcpy6) == BTC_CUPTI_M_SIZE,
              "CUpti_ActivityMemcpy6 layout differs from batchtune's offsets");
#endif
#endif

static uint64_t btc_rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, sizeof v); return v; }
static uint32_t btc_rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, sizeof v); return v; }
/* the built-in walker: CUDA 13.0's record sizes for the kinds batchtune enables; stops at any
   other kind (returns nonzero like CUPTI's CUPTI_ERROR_MAX_LIMIT_REACHED) */
static int btc_cupti_walk(uint8_t *buf, size_t valid, void **rec) {
    size_t off = 0, sz;
    uint32_t kind;
    if (*rec) {
        const unsigned char *r = (const unsigned char *)*rec;
        kind = btc_rd32(r);
        sz = kind == BTC_CUPTI_KIND_MEMCPY ? BTC_CUPTI_M_SIZE : BTC_CUPTI_K_SIZE;
        off = (size_t)(r - buf) + ((sz + BTC_CUPTI_ALIGN - 1) & ~(size_t)(BTC_CUPTI_ALIGN - 1));
    }
    if (off + 4 > valid) return 12;
    kind = btc_rd32(buf + off);
    if (kind != BTC_CUPTI_KIND_MEMCPY && kind != BTC_CUPTI_KIND_KERNEL && kind != BTC_CUPTI_KIND_CONCURRENT_KERNEL) return 12;
    if (off + (kind == BTC_CUPTI_KIND_MEMCPY ? BTC_CUPTI_M_SIZE : BTC_CUPTI_K_SIZE) > valid) return 12;
    *rec = buf + off;
    return 0;
}
size_t bt_cupti_parse_buffer(const void *buf, size_t valid_bytes, bt_cupti_next_fn next, bt_gpu_interval *out, size_t max,
                             size_t *other) {
    void *rec = NULL;
    size_t n = 0;
    if (other) *other = 0;
    if (!buf || !valid_bytes) return 0;
    if (!next) next = btc_cupti_walk;
    while (next((uint8_t *)buf, valid_bytes, &rec) == 0 && rec) {
        const unsigned char *r = (const unsigned char *)rec;
        uint32_t kind = btc_rd32(r);
        bt_gpu_interval iv;
        if (kind == BTC_CUPTI_KIND_CONCURRENT_KERNEL || kind == BTC_CUPTI_KIND_KERNEL) {
            iv.start = btc_rd64(r + BTC_CUPTI_K_START); iv.end = btc_rd64(r + BTC_CUPTI_K_END);
            iv.device = btc_rd32(r + BTC_CUPTI_K_DEVICE); iv.stream = btc_rd32(r + BTC_CUPTI_K_STREAM);
            iv.kind = BT_GPU_IV_KERNEL;
        } else if (kind == BTC_CUPTI_KIND_MEMCPY) {
            iv.start = btc_rd64(r + BTC_CUPTI_M_START); iv.end = btc_rd64(r + BTC_CUPTI_M_END);
            iv.device = btc_rd32(r + BTC_CUPTI_M_DEVICE); iv.stream = btc_rd32(r + BTC_CUPTI_M_STREAM);
            iv.kind = BT_GPU_IV_MEMCPY;
        } else {
            if (other) (*other)++;
            continue;
        }
        if (iv.end < iv.start || iv.start == 0) { if (other) (*other)++; continue; }   /* incomplete record */
        if (n < max && out) out[n] = iv;
        n++;
    }
    return n;
}
static int btc_cmp_iv(const void *a, const void *b) {
    const bt_gpu_interval *x = (const bt_gpu_interval *)a, *y = (const bt_gpu_interval *)b;
    return x->start < y->start ? -1 : x->start > y->start;
}
uint64_t bt_gpu_interval_union(bt_gpu_interval *iv, size_t n, int kind, int device, uint64_t t0, uint64_t t1, int *count) {
    uint64_t u = 0, cb = 0, ce = 0;
    int open = 0, cnt = 0;
    size_t i;
    if (count) *count = 0;
    if (!iv || !n || t1 <= t0) return 0;
    qsort(iv, n, sizeof *iv, btc_cmp_iv);
    for (i = 0; i < n; i++) {
        uint64_t b = iv[i].start, e = iv[i].end;
        if ((kind && iv[i].kind != kind) || (device >= 0 && iv[i].device != (uint32_t)device)) continue;
        if (b < t0) b = t0;
        if (e > t1) e = t1;
        if (e <= b) continue;                 /* outside the window (or empty) */
        cnt++;
        if (!open || b > ce) { if (open) u += ce - cb; cb = b; ce = e; open = 1; }
        else if (e > ce) ce = e;
    }
    if (open) u += ce - cb;
    if (count) *count = cnt;
    return u;
}

typedef int btc_cupti_ret;   /* CUptiResult: 0 = success */
struct bt_cupti {
    void *lib;
    int device;
    int available;
    int memcpy_on;
    char reason[256];
    btc_cupti_ret (*reg)(void (*)(uint8_t **, size_t *, size_t *), void (*)(void *, uint32_t, uint8_t *, size_t, size_t));
    btc_cupti_ret (*enable)(int);
    btc_cupti_ret (*disable)(int);
    btc_cupti_ret (*flush)(uint32_t);
    btc_cupti_ret (*stamp)(uint64_t *);
    btc_cupti_ret (*dropped)(void *, uint32_t, size_t *);
    btc_cupti_ret (*errstr)(btc_cupti_ret, const char **);
    bt_cupti_next_fn next;
    /* filled by the buffer-completed callback (any thread), under btc_cupti_mu */
    bt_gpu_interval *iv;
    size_t niv, cap;
    unsigned long long ndropped;   /* CUPTI's dropped records + ours (buffer or store full) */
};
/* CUPTI's buffer callbacks carry no user pointer and its activity buffers are per process, so
   the one collector they deliver to is file-level state (guarded by btc_cupti_mu): one
   bt_cupti collects at a time in a process. */
static pthread_mutex_t btc_cupti_mu = PTHREAD_MUTEX_INITIALIZER;
static bt_cupti *btc_cupti_active;
static int btc_cupti_claimed;
static btc_cupti_ret (*btc_cupti_dropped_fn)(void *, uint32_t, size_t *);   /* of the registered library */
static void *btc_cupti_registered;   /* the library our callbacks are registered with (it stays
                                       mapped: RTLD_NODELETE); written only by the claimant */

static void btc_cupti_buf_req(uint8_t **buf, size_t *size, size_t *max_records) {
    void *p = NULL;
    if (posix_memalign(&p, BTC_CUPTI_ALIGN, BTC_CUPTI_BUF_BYTES) != 0) p = NULL;   /* NULL: CUPTI drops */
    *buf = (uint8_t *)p;
    *size = p ? BTC_CUPTI_BUF_BYTES : 0;
    *max_records = 0;
}
static void btc_cupti_buf_done(void *ctx, uint32_t stream, uint8_t *buf, size_t size, size_t valid) {
    bt_cupti *c;
    size_t dropped = 0;
    (void)size;
    /* CUPTI's count, asked outside our mutex (a flush may hold CUPTI's own locks while it calls
       us); the function stays valid: the library is never unmapped */
    if (btc_cupti_dropped_fn && btc_cupti_dropped_fn(ctx, stream, &dropped) != 0) dropped = 0;
    pthread_mutex_lock(&btc_cupti_mu);
    c = btc_cupti_active;
    if (c && buf && valid) {
        size_t want = c->niv + valid / BTC_CUPTI_M_SIZE + 1, n, other = 0;
        if (want > c->cap && want <= BTC_CUPTI_MAX_IV) {
            size_t nc = c->cap ? c->cap : 4096;
            bt_gpu_interval *ni;
            while (nc < want) nc *= 2;
            ni = (bt_gpu_interval *)realloc(c->iv, nc * sizeof *ni);
            if (ni) { c->iv = ni; c->cap = nc; }
        }
        n = bt_cupti_parse_buffer(buf, valid, c->next, c->iv + c->niv, c->cap - c->niv, &other);
        if (c->niv + n > c->cap) { c->ndropped += c->niv + n - c->cap; n = c->cap - c->niv; }
        c->niv += n;
    }
    if (c) c->ndropped += dropped;
    pthread_mutex_unlock(&btc_cupti_mu);
    free(buf);
}
static const char *btc_cupti_str(const bt_cupti *c, btc_cupti_ret rc) {
    const char *s = NULL;
    if (c->errstr && c->errstr(rc, &s) == 0 && s) return s;
    return "CUPTI error";
}
/* dlopen CUPTI: lib (when given), else $BATCHTUNE_CUPTI_LIB, else libcupti.so.<runtime major>
   and libcupti.so in $CUDA_HOME, $CUDA_PATH and /usr/local/cuda (lib64, extras/CUPTI/lib64),
   then the loader's own search path. RTLD_NODELETE: CUPTI's threads may outlive dlclose. */
static void *btc_cupti_open(const char *lib, char *tried, size_t tn) {
    static const char *const subs[2] = {"lib64", "extras/CUPTI/lib64"};
    return btc_lib_open(lib, "BATCHTUNE_CUPTI_LIB", "libcupti", subs, 2, tried, tn, NULL, 0);
}
bt_status bt_cupti_start(int cuda_index, const char *lib, bt_cupti **out, char *err, size_t err_len) {
    bt_cupti *c;
    btc_cupti_ret rc;
    char tried[600];
    if (!out) { btc_fmt(err, err_len, "bt_cupti_start: out is NULL"); return BT_E_INVALID; }
    *out = NULL;
    c = (bt_cupti *)calloc(1, sizeof *c);
    if (!c) { btc_fmt(err, err_len, "host out of memory"); return BT_E_NOMEM; }
    c->device = cuda_index;
    *out = c;
    pthread_mutex_lock(&btc_cupti_mu);
    if (btc_cupti_claimed) {
        pthread_mutex_unlock(&btc_cupti_mu);
        btc_fmt(c->reason, sizeof c->reason, "CUPTI not available: another bt_cupti collects in this process (CUPTI's activity buffers are per process)");
        btc_fmt(err, err_len, "%s", c->reason);
        return BT_OK;
    }
    btc_cupti_claimed = 1;
    pthread_mutex_unlock(&btc_cupti_mu);
    c->lib = btc_cupti_open(lib, tried, sizeof tried);
    if (!c->lib) {
        btc_fmt(c->reason, sizeof c->reason, "CUPTI not available (%s)", tried);
        goto unavailable;
    }
    c->reg = (btc_cupti_ret(*)(void (*)(uint8_t **, size_t *, size_t *), void (*)(void *, uint32_t, uint8_t *, size_t, size_t)))btc_sym(c->lib, "cuptiActivityRegisterCallbacks", NULL);
    c->enable = (btc_cupti_ret(*)(int))btc_sym(c->lib, "cuptiActivityEnable", NULL);
    c->disable = (btc_cupti_ret(*)(int))btc_sym(c->lib, "cuptiActivityDisable", NULL);
    c->flush = (btc_cupti_ret(*)(uint32_t))btc_sym(c->lib, "cuptiActivityFlushAll", NULL);
    c->stamp = (btc_cupti_ret(*)(uint64_t *))btc_sym(c->lib, "cuptiGetTimestamp", NULL);
    c->dropped = (btc_cupti_ret(*)(void *, uint32_t, size_t *))btc_sym(c->lib, "cuptiActivityGetNumDroppedRecords", NULL);
    c->errstr = (btc_cupti_ret(*)(btc_cupti_ret, const char **))btc_sym(c->lib, "cuptiGetResultString", NULL);
    c->next = (bt_cupti_next_fn)btc_sym(c->lib, "cuptiActivityGetNextRecord", NULL);
    if (!c->reg || !c->enable || !c->disable || !c->flush || !c->stamp || !c->next) {
        btc_fmt(c->reason, sizeof c->reason, "CUPTI not usable: the library lacks the activity API (cuptiActivityRegisterCallbacks, ...)");
        goto unavailable;
    }
    /* the callbacks are these two functions for any collector: registered once per process */
    if (btc_cupti_registered != c->lib) btc_cupti_dropped_fn = c->dropped;   /* before CUPTI can call back */
    if (btc_cupti_registered != c->lib && (rc = c->reg(btc_cupti_buf_req, btc_cupti_buf_done)) != 0) {
        btc_fmt(c->reason, sizeof c->reason, "CUPTI not usable: cuptiActivityRegisterCallbacks: %s", btc_cupti_str(c, rc));
        goto unavailable;
    }
    btc_cupti_registered = c->lib;
    pthread_mutex_lock(&btc_cupti_mu);
    btc_cupti_active = c;          /* before enabling: records go to c from the first one */
    pthread_mutex_unlock(&btc_cupti_mu);
    if ((rc = c->enable(BTC_CUPTI_KIND_CONCURRENT_KERNEL)) != 0) {
        btc_fmt(c->reason, sizeof c->reason, "CUPTI not usable: cuptiActivityEnable(CONCURRENT_KERNEL): %s (no GPU or driver?)", btc_cupti_str(c, rc));
        pthread_mutex_lock(&btc_cupti_mu);
        btc_cupti_active = NULL;
        pthread_mutex_unlock(&btc_cupti_mu);
        goto unavailable;
    }
    c->memcpy_on = c->enable(BTC_CUPTI_KIND_MEMCPY) == 0;
    c->available = 1;
    if (err && err_len) err[0] = 0;
    return BT_OK;
unavailable:
    btc_fmt(err, err_len, "%s; busy_pct_cupti will be empty", c->reason);
    if (c->lib) { dlclose(c->lib); c->lib = NULL; }
    pthread_mutex_lock(&btc_cupti_mu);
    btc_cupti_claimed = 0;
    pthread_mutex_unlock(&btc_cupti_mu);
    return BT_OK;
}
int bt_cupti_available(const bt_cupti *c) { return c && c->available; }
const char *bt_cupti_reason(const bt_cupti *c) { return !c ? "no CUPTI collector" : c->reason; }
void bt_cupti_window_begin(bt_cupti *c, bt_cupti_mark *m) {
    uint64_t t = 0;
    if (!m) return;
    memset(m, 0, sizeof *m);
    if (!c || !c->available || c->stamp(&t) != 0) return;
    m->t_ns = t;
    pthread_mutex_lock(&btc_cupti_mu);
    m->dropped = c->ndropped;
    pthread_mutex_unlock(&btc_cupti_mu);
}
void bt_cupti_window_end(bt_cupti *c, const bt_cupti_mark *m, bt_cupti_window *w) {
    uint64_t t1 = 0, uk, uc;
    btc_cupti_ret rc;
    unsigned long long dropped;
    size_t i, keep = 0;
    int elsewhere = 0;
    if (!w) return;
    memset(w, 0, sizeof *w);
    w->busy_fraction = w->copy_fraction = NAN;
    if (!c || !c->available) { btc_fmt(w->why, sizeof w->why, "%s", c ? c->reason : "no CUPTI collector"); return; }
    if (!m || !m->t_ns) { btc_fmt(w->why, sizeof w->why, "the window has no begin mark"); return; }
    if ((rc = c->stamp(&t1)) != 0 || t1 <= m->t_ns) { btc_fmt(w->why, sizeof w->why, "cuptiGetTimestamp: %s", rc ? btc_cupti_str(c, rc) : "clock did not advance"); return; }
    w->seconds = (double)(t1 - m->t_ns) * 1e-9;
    rc = c->flush(BTC_CUPTI_FLUSH_FORCED);   /* delivers every record so far through buf_done */
    pthread_mutex_lock(&btc_cupti_mu);
    dropped = c->ndropped - m->dropped;
    uk = bt_gpu_interval_union(c->iv, c->niv, BT_GPU_IV_KERNEL, c->device, m->t_ns, t1, &w->kernels);
    uc = bt_gpu_interval_union(c->iv, c->niv, BT_GPU_IV_MEMCPY, c->device, m->t_ns, t1, &w->copies);
    if (!w->kernels) bt_gpu_interval_union(c->iv, c->niv, BT_GPU_IV_KERNEL, -1, m->t_ns, t1, &elsewhere);
    for (i = 0; i < c->niv; i++) if (c->iv[i].end > t1) c->iv[keep++] = c->iv[i];   /* later ones stay */
    c->niv = keep;
    pthread_mutex_unlock(&btc_cupti_mu);
    w->dropped = (long long)dropped;
    if (rc != 0) { btc_fmt(w->why, sizeof w->why, "cuptiActivityFlushAll: %s", btc_cupti_str(c, rc)); return; }
    if (dropped) { btc_fmt(w->why, sizeof w->why, "%llu CUPTI activity records dropped during the window", dropped); return; }
    if (elsewhere) {   /* CUPTI numbers devices otherwise than CUDA here: no figure rather than 0 */
        btc_fmt(w->why, sizeof w->why, "the window's %d kernels ran on CUPTI devices other than %d", elsewhere, c->device);
        return;
    }
    w->busy_fraction = (double)uk / (double)(t1 - m->t_ns);
    if (c->memcpy_on) w->copy_fraction = (double)uc / (double)(t1 - m->t_ns);
}
void bt_cupti_stop(bt_cupti *c) {
    if (!c) return;
    if (c->available) {
        c->disable(BTC_CUPTI_KIND_CONCURRENT_KERNEL);
        if (c->memcpy_on) c->disable(BTC_CUPTI_KIND_MEMCPY);
        c->flush(BTC_CUPTI_FLUSH_FORCED);
        pthread_mutex_lock(&btc_cupti_mu);
        btc_cupti_active = NULL;
        btc_cupti_claimed = 0;
        pthread_mutex_unlock(&btc_cupti_mu);
    }
    if (c->lib) dlclose(c->lib);   /* stays mapped (RTLD_NODELETE) */
    free(c->iv);
    free(c);
}

/* ---------------------------------------------------------------- reference workloads ---- */
static const bt_metric_def btc_metrics[] = {
    {"busy_pct", "%", 1},           {"busy_pct_cupti", "%", 1}, {"nvml_util_pct", "%", 1},
    {"nvml_mem_used_bytes", "B", 0}, {"sm_clock_mhz", "MHz", 1}, {"power_w", "W", 0},
    {"energy_per_item_j", "J", 0},  {"throttled", "flag", 0},  {"mismatch_frac", "fraction", 0}};
enum { BTC_M_BUSY, BTC_M_BUSY_CUPTI, BTC_M_UTIL, BTC_M_MEM, BTC_M_CLK, BTC_M_PWR, BTC_M_EPI, BTC_M_THR, BTC_M_MISMATCH, BTC_M_COUNT };

/* cuBLAS through dlopen (no -lcublas on the build line): the four calls the MLP needs, plus
   cublasGetProperty for the version and cublasGetStatusString for messages when present. Types
   are cuBLAS's ABI: cublasHandle_t is a pointer, cublasStatus_t and cublasOperation_t are int
   enums (CUBLAS_STATUS_SUCCESS 0, CUBLAS_STATUS_ALLOC_FAILED 3, CUBLAS_OP_N 0). */
#define BTC_CUBLAS_SUCCESS 0
#define BTC_CUBLAS_ALLOC_FAILED 3
#define BTC_CUBLAS_OP_N 0
typedef struct btc_blas_lib {
    void *lib;
    int (*create)(void **handle);
    int (*destroy)(void *handle);
    int (*set_stream)(void *handle, cudaStream_t s);
    int (*sgemm)(void *handle, int ta, int tb, int m, int n, int k, const float *alpha, const float *A, int lda,
                 const float *B, int ldb, const float *beta, float *C, int ldc);
    int (*property)(int type, int *value);
    const char *(*status_str)(int status);
    char path[512];
} btc_blas_lib;
static int btc_blas_load(const char *lib, btc_blas_lib *b, char *why, size_t wn) {
    static const char *const subs[1] = {"lib64"};
    char tried[700];
    int major = -1, minor = -1, patch = -1;
    memset(b, 0, sizeof *b);
    b->lib = btc_lib_open(lib, "BATCHTUNE_CUBLAS_LIB", "libcublas", subs, 1, tried, sizeof tried, b->path, sizeof b->path);
    if (!b->lib) { btc_fmt(why, wn, "cuBLAS not available (%s)", tried); return 0; }
    b->create = (int (*)(void **))btc_sym(b->lib, "cublasCreate_v2", NULL);
    b->destroy = (int (*)(void *))btc_sym(b->lib, "cublasDestroy_v2", NULL);
    b->set_stream = (int (*)(void *, cudaStream_t))btc_sym(b->lib, "cublasSetStream_v2", NULL);
    b->sgemm = (int (*)(void *, int, int, int, int, int, const float *, const float *, int, const float *, int, const float *, float *, int))btc_sym(b->lib, "cublasSgemm_v2", NULL);
    b->property = (int (*)(int, int *))btc_sym(b->lib, "cublasGetProperty", NULL);
    b->status_str = (const char *(*)(int))btc_sym(b->lib, "cublasGetStatusString", NULL);
    if (!b->create || !b->destroy || !b->set_stream || !b->sgemm) {
        btc_fmt(why, wn, "cuBLAS not usable: %s lacks cublasCreate_v2, cublasDestroy_v2, cublasSetStream_v2 or cublasSgemm_v2", b->path);
        dlclose(b->lib);
        memset(b, 0, sizeof *b);
        return 0;
    }
    if (b->property) { b->property(0, &major); b->property(1, &minor); b->property(2, &patch); }   /* MAJOR, MINOR, PATCH_LEVEL */
    btc_fmt(why, wn, "cuBLAS %d.%d.%d from %s", major, minor, patch, b->path);
    return 1;
}
static void btc_blas_unload(btc_blas_lib *b) {
    if (b->lib) dlclose(b->lib);
    memset(b, 0, sizeof *b);
}
int bt_cuda_cublas_available(const char *lib, char *why, size_t why_len) {
    btc_blas_lib b;
    char tmp[1024];
    int ok = btc_blas_load(lib, &b, why ? why : tmp, why ? why_len : sizeof tmp);
    btc_blas_unload(&b);
    return ok;
}

typedef struct btc_model {
    bt_device *dev;
    btc_blas_lib blas;      /* loaded when the MLP uses cuBLAS */
    char gemm_why[1024];    /* which GEMM the MLP uses and why */
    float *out;             /* the last finished cell's last batch (bt_gpu_model_output) */
    size_t out_cap;
    bt_gpu_model_out out_info;
} btc_model;
typedef struct btc_cell {
    bt_dev_arena *a;
    bt_cuda_timer *timer;
    cudaStream_t st;
    int batch, seq, layers, width, cin;
    float *w, *bias;               /* weights [layers] */
    float *x0, *x1, *scratch;      /* activations */
    float *kc, *vc, *scores;       /* decoder cache */
    float *ref, *fast;             /* reduce outputs */
    unsigned char *in8;            /* conv: uint8 input on the device */
    void *hin, *hout;              /* pinned host buffers */
    float *hfast, *href;
    size_t in_bytes, out_bytes;
    bt_nvml_mark mark;             /* NVML window from the first measured sample of the cell */
    double items_cum;
    void *blas;                    /* cuBLAS handle (MLP with cuBLAS) */
    int out_rows;                  /* rows of the last batch in hout/href; 0: none yet */
} btc_cell;

static int btc_cut(int v, int f) { v /= f; return v > 0 ? v : 1; }
static void btc_dims(const bt_gpu_model *m, int *layers, int *width) {
    int f = m->variant_factor > 1 ? m->variant_factor : 2;
    *layers = m->layers;
    *width = m->width;
    if (m->variant == BT_VARIANT_NARROWER) *width = btc_cut(*width, f);
    if (m->variant == BT_VARIANT_SHALLOWER) *layers = btc_cut(*layers, f);
}
static bt_status btc_cell_alloc(btc_cell *c, size_t n, void **p) { return bt_dev_alloc(c->a, BT_MEM_DEVICE, n, p); }

static bt_status btc_blas(bt_device *d, const btc_blas_lib *b, int s, const char *what) {
    bt_dev_err e;
    const char *txt = b->status_str ? b->status_str(s) : NULL;
    if (s == BTC_CUBLAS_SUCCESS) return BT_OK;
    if (s == BTC_CUBLAS_ALLOC_FAILED) {   /* like cudaErrorMemoryAllocation: the cell is "oom" */
        memset(&e, 0, sizeof e);
        e.status = BT_E_OOM_DEVICE;
        btc_fmt(e.msg, sizeof e.msg, "%s: CUBLAS_STATUS_ALLOC_FAILED (device out of memory)", what);
        (void)cudaGetLastError();
        return bt_device_record(d, &e);
    }
    /* an execution failure may hide a sticky CUDA error: let CUDA say which */
    {
        cudaError_t ce = cudaGetLastError();
        if (ce != cudaSuccess) return btc_rec(d, ce, what);
    }
    memset(&e, 0, sizeof e);
    e.status = BT_E_CUDA;
    e.code = s;
    btc_fmt(e.msg, sizeof e.msg, "%s: cuBLAS status %d (%s)", what, s, txt ? txt : "no text");
    return bt_device_record(d, &e);
}

static bt_status btc_setup(const bt_cell *cell, void *user, bt_sample *s) {
    bt_gpu_model *m = (bt_gpu_model *)user;
    btc_model *pm = (btc_model *)m->priv;
    bt_device *d = pm->dev;
    btc_cell *c;
    bt_status st = BT_OK;
    size_t wn = 0, an = 0, hw;
    int max_iv;
    c = (btc_cell *)calloc(1, sizeof *c);
    s->state = c;
    if (!c) return BT_E_NOMEM;
    c->a = bt_dev_arena_create(d);
    if (!c->a) return BT_E_NOMEM;
    c->batch = (int)bt_cell_i64(cell, m->batch_axis);
    c->seq = m->kind == BT_GPU_DECODER && m->seq_axis >= 0 ? (int)bt_cell_i64(cell, m->seq_axis) : m->seq;
    if (c->batch <= 0 || c->seq <= 0) {
        btc_fmt(s->error, sizeof s->error, "batch (%d) and sequence length (%d) must be > 0", c->batch, c->seq);
        return BT_E_INVALID;
    }
    btc_dims(m, &c->layers, &c->width);
    st = bt_cuda_stream_create(d, (void **)&c->st);
    max_iv = 3 * ((m->items + c->batch - 1) / c->batch) + 8;
    if (st == BT_OK) st = bt_cuda_timer_create(c->a, max_iv, m->l2_flush, &c->timer);
    hw = (size_t)m->image * (size_t)m->image;
    switch (m->kind) {
    case BT_GPU_MLP:
        wn = (size_t)c->layers * c->width * c->width;
        an = (size_t)c->batch * c->width;
        c->in_bytes = c->out_bytes = an * sizeof(float);
        break;
    case BT_GPU_CONV:
        c->cin = 3;
        wn = (size_t)c->width * 3 * 9 + (size_t)(c->layers > 1 ? c->layers - 1 : 0) * c->width * c->width * 9;
        an = (size_t)c->batch * c->width * hw;
        c->in_bytes = (size_t)c->batch * hw * 3;                      /* NHWC uint8: 4x smaller */
        c->out_bytes = (size_t)c->batch * c->width * sizeof(float);   /* pooled features */
        break;
    case BT_GPU_DECODER:
        wn = (size_t)c->layers * 2 * c->width * c->width;             /* Wq, Wo per layer */
        an = (size_t)c->batch * c->width;
        c->in_bytes = c->out_bytes = an * sizeof(float);
        break;
    default: /* BT_GPU_REDUCE */
        an = (size_t)c->batch * c->width;
        c->in_bytes = an * sizeof(float);
        c->out_bytes = (size_t)c->batch * sizeof(float);
        break;
    }
    if (st == BT_OK && wn) st = btc_cell_alloc(c, wn * sizeof(float), (void **)&c->w);
    if (st == BT_OK && wn) st = btc_cell_alloc(c, (size_t)c->layers * 2 * c->width * sizeof(float), (void **)&c->bias);
    if (st == BT_OK) st = btc_cell_alloc(c, an * sizeof(float), (void **)&c->x0);
    if (st == BT_OK && m->kind != BT_GPU_REDUCE) st = btc_cell_alloc(c, an * sizeof(float), (void **)&c->x1);
    if (st == BT_OK && m->kind == BT_GPU_CONV) {
        st = btc_cell_alloc(c, c->in_bytes, (void **)&c->in8);
        /* normalized input, later the pooled features */
        if (st == BT_OK) st = btc_cell_alloc(c, (size_t)c->batch * (3 * hw > (size_t)c->width ? 3 * hw : (size_t)c->width) * sizeof(float), (void **)&c->scratch);
    }
    if (st == BT_OK && m->kind == BT_GPU_DECODER) {
        size_t kv = (size_t)c->layers * c->batch * c->seq * c->width;   /* grows with batch x S */
        st = btc_cell_alloc(c, kv * sizeof(float), (void **)&c->kc);
        if (st == BT_OK) st = btc_cell_alloc(c, kv * sizeof(float), (void **)&c->vc);
        if (st == BT_OK) st = btc_cell_alloc(c, (size_t)c->batch * c->seq * sizeof(float), (void **)&c->scores);
        if (st == BT_OK) st = btc_cell_alloc(c, an * sizeof(float), (void **)&c->scratch);
        if (st == BT_OK) st = btc_fill(d, c->kc, kv, 11u, 1.0f, c->st);
        if (st == BT_OK) st = btc_fill(d, c->vc, kv, 13u, 1.0f, c->st);
    }
    if (st == BT_OK && m->kind == BT_GPU_REDUCE) {
        st = btc_cell_alloc(c, c->out_bytes, (void **)&c->ref);
        if (st == BT_OK) st = btc_cell_alloc(c, c->out_bytes, (void **)&c->fast);
        if (st == BT_OK) st = bt_dev_alloc(c->a, BT_MEM_PINNED, c->out_bytes, (void **)&c->hfast);
        if (st == BT_OK) st = bt_dev_alloc(c->a, BT_MEM_PINNED, c->out_bytes, (void **)&c->href);
    }
    if (st == BT_OK) st = bt_dev_alloc(c->a, BT_MEM_PINNED, c->in_bytes, &c->hin);
    if (st == BT_OK) st = bt_dev_alloc(c->a, BT_MEM_PINNED, c->out_bytes, &c->hout);
    if (st == BT_OK && wn) st = btc_fill(d, c->w, wn, (unsigned)m->seed + 1u, 1.0f / sqrtf((float)(c->width * (m->kind == BT_GPU_CONV ? 9 : 1))), c->st);
    if (st == BT_OK && wn) st = btc_fill(d, c->bias, (size_t)c->layers * 2 * c->width, (unsigned)m->seed + 2u, 0.01f, c->st);
    if (st == BT_OK) {   /* host input: deterministic pseudo-random */
        uint64_t r = m->seed * 6364136223846793005ull + 1442695040888963407ull;
        size_t i;
        if (m->kind == BT_GPU_CONV) {
            unsigned char *h = (unsigned char *)c->hin;
            for (i = 0; i < c->in_bytes; i++) { r = r * 6364136223846793005ull + 1442695040888963407ull; h[i] = (unsigned char)(r >> 56); }
        } else {
            float *h = (float *)c->hin;
            for (i = 0; i < c->in_bytes / sizeof(float); i++) { r = r * 6364136223846793005ull + 1442695040888963407ull; h[i] = (float)((double)(r >> 40) / 16777216.0 - 0.5); }
        }
    }
    if (st == BT_OK && m->kind == BT_GPU_MLP && pm->blas.lib) {
        st = btc_blas(d, &pm->blas, pm->blas.create(&c->blas), "cublasCreate");
        if (st == BT_OK) st = btc_blas(d, &pm->blas, pm->blas.set_stream(c->blas, c->st), "cublasSetStream");
    }
    if (st == BT_OK) st = btc_rec(d, cudaStreamSynchronize(c->st), "cudaStreamSynchronize (setup)");
    bt_dev_arena_reset_peak(c->a);
    if (st != BT_OK) return bt_device_fail_sample(d, st, s);
    return BT_OK;
}

/* compute for `rows` items already in c->x0 (MLP, decoder, reduce) or c->in8 (conv) */
static bt_status btc_compute(const bt_gpu_model *m, bt_device *d, btc_cell *c, int rows, int *mismatch) {
    bt_status st = BT_OK;
    int l, k;
    float *x = c->x0, *y = c->x1;
    size_t hw = (size_t)m->image * m->image;
    switch (m->kind) {
    case BT_GPU_MLP:
        for (l = 0; l < c->layers && st == BT_OK; l++) {
            const float *W = c->w + (size_t)l * c->width * c->width, *b = c->bias + (size_t)l * c->width;
            if (c->blas) {
                const btc_blas_lib *bl = &((const btc_model *)m->priv)->blas;
                const float one = 1.0f, zero = 0.0f;
                /* row-major C = A B is column-major C^T = B^T A^T */
                st = btc_blas(d, bl, bl->sgemm(c->blas, BTC_CUBLAS_OP_N, BTC_CUBLAS_OP_N, c->width, rows, c->width, &one, W, c->width, x, c->width, &zero, y, c->width), "cublasSgemm");
                if (st == BT_OK) st = bt_cuda_bias_relu(d, y, b, rows, c->width, (void *)c->st);
            } else
                st = bt_cuda_gemm(d, rows, c->width, c->width, x, W, y, b, 1, (void *)c->st);
            { float *t = x; x = y; y = t; }
        }
        if (x != c->x0 && st == BT_OK) st = btc_rec(d, cudaMemcpyAsync(c->x0, x, (size_t)rows * c->width * sizeof(float), cudaMemcpyDeviceToDevice, c->st), "cudaMemcpyAsync");
        break;
    case BT_GPU_CONV: {
        static const float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
        const float *W = c->w;
        st = bt_cuda_normalize_nhwc_u8(d, c->in8, c->scratch, rows, m->image, m->image, 3, mean, sd, (void *)c->st);
        if (st == BT_OK) st = bt_cuda_conv3x3(d, c->scratch, W, c->bias, x, rows, 3, c->width, m->image, m->image, (void *)c->st);
        W += (size_t)c->width * 3 * 9;
        for (l = 1; l < c->layers && st == BT_OK; l++) {
            st = bt_cuda_conv3x3(d, x, W, c->bias + (size_t)l * c->width, y, rows, c->width, c->width, m->image, m->image, (void *)c->st);
            W += (size_t)c->width * c->width * 9;
            { float *t = x; x = y; y = t; }
        }
        if (st == BT_OK) st = bt_cuda_avg_pool(d, x, c->scratch, rows * c->width, (int)hw, (void *)c->st);
        break;
    }
    case BT_GPU_DECODER:
        for (k = 0; k < (m->steps > 0 ? m->steps : 4) && st == BT_OK; k++)
            for (l = 0; l < c->layers && st == BT_OK; l++) {
                const float *Wq = c->w + (size_t)l * 2 * c->width * c->width, *Wo = Wq + (size_t)c->width * c->width;
                const size_t kv = (size_t)l * c->batch * c->seq * c->width;
                st = bt_cuda_gemm(d, rows, c->width, c->width, c->x0, Wq, c->x1, NULL, 0, (void *)c->st);
                if (st == BT_OK) st = bt_cuda_attention_step(d, c->x1, c->kc + kv, c->vc + kv, c->scores, c->scratch, rows, c->seq, c->width, (void *)c->st);
                if (st == BT_OK) st = bt_cuda_gemm(d, rows, c->width, c->width, c->scratch, Wo, c->x0, c->bias + (size_t)l * c->width, 0, (void *)c->st);
            }
        break;
    default: { /* BT_GPU_REDUCE: reference and fast path over the same rows */
        int split = 4096 / (rows > 0 ? rows : 1);
        if (split < 1) split = 1;
        if (split > 64) split = 64;
        st = bt_cuda_reduce_rows(d, c->x0, rows, c->width, c->ref, BT_REDUCE_REFERENCE, 1, (void *)c->st);
        if (st == BT_OK) st = bt_cuda_reduce_rows(d, c->x0, rows, c->width, c->fast, BT_REDUCE_FAST, split, (void *)c->st);
        if (st == BT_OK) st = btc_rec(d, cudaMemcpyAsync(c->href, c->ref, (size_t)rows * sizeof(float), cudaMemcpyDeviceToHost, c->st), "cudaMemcpyAsync");
        if (st == BT_OK) st = btc_rec(d, cudaMemcpyAsync(c->hfast, c->fast, (size_t)rows * sizeof(float), cudaMemcpyDeviceToHost, c->st), "cudaMemcpyAsync");
        if (st == BT_OK) st = btc_rec(d, cudaStreamSynchronize(c->st), "cudaStreamSynchronize");
        for (k = 0; st == BT_OK && k < rows; k++) if (memcmp(&c->href[k], &c->hfast[k], sizeof(float)) != 0) (*mismatch)++;
        break;
    }
    }
    return st;
}

static bt_status btc_run(const bt_cell *cell, void *user, bt_sample *s) {
    bt_gpu_model *m = (bt_gpu_model *)user;
    bt_device *d = ((btc_model *)m->priv)->dev;
    btc_cell *c = (btc_cell *)s->state;
    bt_status st;
    bt_nvml_window win, swin;
    bt_nvml_mark smark;
    bt_cupti_mark cmark;
    bt_cupti_window cwin;
    double busy = NAN;
    int done = 0, mismatch = 0, last = 0;
    (void)cell;
    c->out_rows = 0;   /* hout/href hold a complete last batch only after a sample that succeeded */
    if (m->nvml && s->index == 0) { bt_nvml_window_begin(m->nvml, &c->mark); c->items_cum = 0; }
    if (m->nvml) bt_nvml_window_begin(m->nvml, &smark);
    if (m->cupti) bt_cupti_window_begin(m->cupti, &cmark);
    st = bt_cuda_timer_begin(c->timer, (void *)c->st);
    while (st == BT_OK && done < m->items) {
        int rows = m->items - done < c->batch ? m->items - done : c->batch;
        size_t in_b = c->in_bytes / (size_t)c->batch * (size_t)rows, out_b = c->out_bytes / (size_t)c->batch * (size_t)rows;
        void *dst = m->kind == BT_GPU_CONV ? (void *)c->in8 : (void *)c->x0;
        const void *src = m->kind == BT_GPU_CONV ? (const void *)c->scratch : (const void *)c->x0;
        st = bt_cuda_timer_phase(c->timer, BT_PHASE_H2D, 1, (void *)c->st);
        if (st == BT_OK) st = btc_rec(d, cudaMemcpyAsync(dst, c->hin, in_b, cudaMemcpyHostToDevice, c->st), "cudaMemcpyAsync (h2d)");
        if (st == BT_OK) st = bt_cuda_timer_phase(c->timer, BT_PHASE_H2D, 0, (void *)c->st);
        if (st == BT_OK) st = bt_cuda_timer_phase(c->timer, BT_PHASE_COMPUTE, 1, (void *)c->st);
        if (st == BT_OK) st = btc_compute(m, d, c, rows, &mismatch);
        if (st == BT_OK) st = bt_cuda_timer_phase(c->timer, BT_PHASE_COMPUTE, 0, (void *)c->st);
        if (st == BT_OK && m->kind != BT_GPU_REDUCE) {
            st = bt_cuda_timer_phase(c->timer, BT_PHASE_D2H, 1, (void *)c->st);
            if (st == BT_OK) st = btc_rec(d, cudaMemcpyAsync(c->hout, src, out_b, cudaMemcpyDeviceToHost, c->st), "cudaMemcpyAsync (d2h)");
            if (st == BT_OK) st = bt_cuda_timer_phase(c->timer, BT_PHASE_D2H, 0, (void *)c->st);
        }
        done += rows;
        last = rows;
    }
    if (st == BT_OK) st = bt_cuda_timer_end(c->timer, s, &busy);
    if (m->cupti) bt_cupti_window_end(m->cupti, &cmark, &cwin);   /* after the timer's wait */
    if (st == BT_OK) st = bt_device_check(d);
    if (st != BT_OK) return bt_device_fail_sample(d, st, s);
    s->items = done;
    c->out_rows = last;
    s->peak_mem_bytes = (double)bt_dev_arena_peak(c->a, BT_MEM_DEVICE);
    s->metric[BTC_M_BUSY] = busy * 100.0;
    if (m->cupti) s->metric[BTC_M_BUSY_CUPTI] = cwin.busy_fraction * 100.0;   /* NAN: not available */
    if (m->nvml && s->index >= 0) {
        /* NVML figures cover the cell from its first measured sample up to now, so they become
           numbers once the cell has run for the sampler's min_window_s */
        c->items_cum += done;
        bt_nvml_window_end(m->nvml, &c->mark, &win);
        s->metric[BTC_M_UTIL] = win.util_pct;
        s->metric[BTC_M_MEM] = win.mem_used_bytes;
        s->metric[BTC_M_CLK] = win.sm_clock_mhz;
        s->metric[BTC_M_PWR] = win.power_w;
        s->metric[BTC_M_EPI] = c->items_cum > 0 ? win.energy_j / c->items_cum : NAN;
        /* throttling is judged per sample: the sampler's readings inside this sample (none: unknown) */
        bt_nvml_window_end(m->nvml, &smark, &swin);
        s->metric[BTC_M_THR] = swin.nsamples > 0 ? (double)swin.throttled : NAN;
    }
    if (m->kind == BT_GPU_REDUCE) s->metric[BTC_M_MISMATCH] = done > 0 ? (double)mismatch / done : NAN;
    return BT_OK;
}
static void btc_teardown(const bt_cell *cell, void *user, bt_sample *s) {
    btc_cell *c = (btc_cell *)s->state;
    (void)cell;
    if (!c) return;
    if (c->out_rows > 0 && !bt_device_restart_required(bt_dev_arena_device(c->a))) {
        /* keep the last batch's outputs for bt_gpu_model_output (not timed: after the cell) */
        btc_model *pm = (btc_model *)((bt_gpu_model *)user)->priv;
        int cols = (int)(c->out_bytes / (size_t)c->batch / sizeof(float));
        size_t n = (size_t)c->out_rows * (size_t)cols;
        if (n > pm->out_cap) {
            float *q = (float *)realloc(pm->out, n * sizeof(float));
            if (q) { pm->out = q; pm->out_cap = n; }
        }
        if (n <= pm->out_cap) {
            memcpy(pm->out, ((const bt_gpu_model *)user)->kind == BT_GPU_REDUCE ? (const void *)c->href : c->hout, n * sizeof(float));
            pm->out_info.rows = c->out_rows;
            pm->out_info.cols = cols;
            pm->out_info.batch = c->batch;
            pm->out_info.seq = c->seq;
        }
    }
    if (c->blas) {
        btc_model *pm = (btc_model *)((bt_gpu_model *)user)->priv;
        pm->blas.destroy(c->blas);
    }
    bt_cuda_timer_destroy(c->timer);
    if (c->st) {
        if (c->a && !bt_device_restart_required(bt_dev_arena_device(c->a))) cudaStreamSynchronize(c->st);
        cudaStreamDestroy(c->st);
    }
    bt_dev_arena_destroy(c->a);   /* everything the cell took, also after a failure */
    free(c);
    s->state = NULL;
}

static bt_status btc_model_check(bt_gpu_model *m, const char *fn, char *err, size_t err_len) {
    if (m->kind < BT_GPU_MLP || m->kind > BT_GPU_REDUCE) { btc_fmt(err, err_len, "%s: kind %d is not BT_GPU_MLP..BT_GPU_REDUCE", fn, m->kind); return BT_E_INVALID; }
    if (m->variant < BT_VARIANT_ORIGINAL || m->variant > BT_VARIANT_SHALLOWER) { btc_fmt(err, err_len, "%s: variant %d unknown", fn, m->variant); return BT_E_INVALID; }
    if (m->layers < 0 || m->width < 0 || m->image < 0 || m->items < 0 || m->steps < 0 || m->seq < 0 || m->variant_factor < 0) {
        btc_fmt(err, err_len, "%s: layers, width, image, items, steps, seq and variant_factor must be >= 0 (0 = default)", fn);
        return BT_E_INVALID;
    }
    if (m->use_cublas < -1 || m->use_cublas > 1) { btc_fmt(err, err_len, "%s: use_cublas %d is not -1, 0 or 1", fn, m->use_cublas); return BT_E_INVALID; }
    if (!m->layers) m->layers = m->kind == BT_GPU_MLP ? 8 : m->kind == BT_GPU_CONV ? 4 : m->kind == BT_GPU_DECODER ? 2 : 1;
    if (!m->width) m->width = m->kind == BT_GPU_MLP ? 1024 : m->kind == BT_GPU_CONV ? 64 : m->kind == BT_GPU_DECODER ? 512 : 4096;
    if (!m->image) m->image = 32;
    if (!m->items) m->items = 4096;
    if (!m->steps) m->steps = 4;
    if (!m->seq) m->seq = 1024;
    if (!m->variant_factor) m->variant_factor = 2;
    return BT_OK;
}
bt_status bt_gpu_model_init(bt_gpu_model *m, bt_workload *w, const char *name, char *err, size_t err_len) {
    btc_model *pm;
    bt_status st;
    if (!m || !w) { btc_fmt(err, err_len, "bt_gpu_model_init: %s is NULL", !m ? "m" : "w"); return BT_E_INVALID; }
    if (m->batch_axis < 0 && m->kind >= BT_GPU_MLP && m->kind <= BT_GPU_REDUCE) { btc_fmt(err, err_len, "bt_gpu_model_init: batch_axis is required"); return BT_E_INVALID; }
    if ((st = btc_model_check(m, "bt_gpu_model_init", err, err_len)) != BT_OK) return st;
    pm = (btc_model *)calloc(1, sizeof *pm);
    if (!pm) { btc_fmt(err, err_len, "host out of memory"); return BT_E_NOMEM; }
    if (m->kind == BT_GPU_MLP && m->use_cublas >= 0) {   /* before the device: a required cuBLAS fails first */
        char why[900];
        if (btc_blas_load(m->cublas_lib, &pm->blas, why, sizeof why)) btc_fmt(pm->gemm_why, sizeof pm->gemm_why, "%s", why);
        else if (m->use_cublas == 1) {
            btc_fmt(err, err_len, "bt_gpu_model_init: use_cublas = 1 but %s", why);
            free(pm);
            return BT_E_UNSUPPORTED;
        } else
            btc_fmt(pm->gemm_why, sizeof pm->gemm_why, "our tiled GEMM: %s", why);
    } else
        btc_fmt(pm->gemm_why, sizeof pm->gemm_why, "our tiled GEMM: %s", m->kind != BT_GPU_MLP ? "only the MLP uses cuBLAS" : "use_cublas = -1");
    st = bt_cuda_device_open(m->device, &pm->dev, err, err_len);
    if (st != BT_OK) { btc_blas_unload(&pm->blas); free(pm); return st; }
    m->priv = pm;
    memset(w, 0, sizeof *w);
    w->name = name;
    w->user = m;
    w->setup = btc_setup;
    w->run = btc_run;
    w->teardown = btc_teardown;
    w->metrics = btc_metrics;
    w->num_metrics = m->kind == BT_GPU_REDUCE ? BTC_M_COUNT : BTC_M_MISMATCH;
    return BT_OK;
}
bt_device *bt_gpu_model_device(const bt_gpu_model *m) {
    return m && m->priv ? ((const btc_model *)m->priv)->dev : NULL;
}
const char *bt_gpu_model_gemm(const bt_gpu_model *m, const char **why) {
    const btc_model *pm = m ? (const btc_model *)m->priv : NULL;
    if (why) *why = pm ? pm->gemm_why : "model not initialized";
    return pm && pm->blas.lib ? "cublas" : "tiled";
}
bt_status bt_gpu_model_output(const bt_gpu_model *m, float *out, size_t n, bt_gpu_model_out *info) {
    const btc_model *pm = m ? (const btc_model *)m->priv : NULL;
    size_t need;
    if (info) memset(info, 0, sizeof *info);
    if (!pm) return BT_E_INVALID;
    if (info) *info = pm->out_info;
    if (pm->out_info.rows <= 0) return BT_E_NOT_FOUND;
    need = (size_t)pm->out_info.rows * (size_t)pm->out_info.cols;
    if (!out || n < need) return BT_E_INVALID;
    memcpy(out, pm->out, need * sizeof(float));
    return BT_OK;
}
void bt_gpu_model_free(bt_gpu_model *m) {
    btc_model *pm;
    if (!m || !m->priv) return;
    pm = (btc_model *)m->priv;
    bt_device_destroy(pm->dev);
    btc_blas_unload(&pm->blas);
    free(pm->out);
    free(pm);
    m->priv = NULL;
}

/* ---- NVML sampling owned by the sweep (bt_sweep_desc.sampler_start/stop) ---- */
struct bt_cuda_nvml_hook {
    bt_gpu_model *models;
    bt_nvml_sampler **prev;   /* what the models had before the sweep */
    int n, cuda_index;
    double period_s, min_window_s;
    bt_nvml_sampler *s;       /* while the sweep runs */
    char why[512];
};
static void btc_hook_start(void *user) {
    bt_cuda_nvml_hook *h = (bt_cuda_nvml_hook *)user;
    int i;
    h->s = NULL;
    if (bt_nvml_sampler_start(h->cuda_index, h->period_s, h->min_window_s, &h->s, h->why, sizeof h->why) != BT_OK) h->s = NULL;
    else if (bt_nvml_sampler_available(h->s)) h->why[0] = 0;
    if (!h->s && !h->why[0]) btc_fmt(h->why, sizeof h->why, "NVML sampler not started");
    for (i = 0; i < h->n; i++) { h->prev[i] = h->models[i].nvml; h->models[i].nvml = h->s; }
}
static void btc_hook_stop(void *user) {
    bt_cuda_nvml_hook *h = (bt_cuda_nvml_hook *)user;
    int i;
    for (i = 0; i < h->n; i++) h->models[i].nvml = h->prev[i];
    bt_nvml_sampler_stop(h->s);   /* joins its thread */
    h->s = NULL;
}
bt_status bt_cuda_nvml_hook_init(bt_sweep_desc *d, bt_gpu_model *models, int n, int cuda_index, double period_s,
                                 double min_window_s, bt_cuda_nvml_hook **out, char *err, size_t err_len) {
    bt_cuda_nvml_hook *h;
    if (!out) { btc_fmt(err, err_len, "bt_cuda_nvml_hook_init: out is NULL"); return BT_E_INVALID; }
    *out = NULL;
    if (!d || n < 0 || (n && !models) || period_s < 0 || min_window_s < 0) {
        btc_fmt(err, err_len, "bt_cuda_nvml_hook_init: bad arguments (d %s, n=%d, models %s, period_s %g, min_window_s %g)", d ? "set" : "NULL", n,
                models ? "set" : "NULL", period_s, min_window_s);
        return BT_E_INVALID;
    }
    h = (bt_cuda_nvml_hook *)calloc(1, sizeof *h);
    if (h && n) h->prev = (bt_nvml_sampler **)calloc((size_t)n, sizeof *h->prev);
    if (!h || (n && !h->prev)) { if (h) free(h); btc_fmt(err, err_len, "host out of memory"); return BT_E_NOMEM; }
    h->models = models;
    h->n = n;
    h->cuda_index = cuda_index;
    h->period_s = period_s;
    h->min_window_s = min_window_s;
    btc_fmt(h->why, sizeof h->why, "not started");
    d->sampler_start = btc_hook_start;
    d->sampler_stop = btc_hook_stop;
    d->sampler_user = h;
    *out = h;
    if (err && err_len) err[0] = 0;
    return BT_OK;
}
bt_nvml_sampler *bt_cuda_nvml_hook_sampler(const bt_cuda_nvml_hook *h) { return h ? h->s : NULL; }
const char *bt_cuda_nvml_hook_reason(const bt_cuda_nvml_hook *h) { return h ? h->why : "no hook"; }
void bt_cuda_nvml_hook_free(bt_cuda_nvml_hook *h) {
    if (!h) return;
    if (h->s) btc_hook_stop(h);   /* a sweep that never returned: still put everything back */
    free(h->prev);
    free(h);
}

/* ---- the CPU reference of bt_gpu_model (same parameters, inputs and layer order; sums in
   double, stored in float between layers) ---- */
static float btc_param(size_t i, unsigned seed, float scale) {   /* btc_fill_kernel's value i */
    unsigned h = (unsigned)i * 2654435761u ^ seed;
    h ^= h >> 15; h *= 2246822519u; h ^= h >> 13; h *= 3266489917u; h ^= h >> 16;
    return ((float)(h & 0xffffff) / 16777216.0f - 0.5f) * 2.0f * scale;
}
static void btc_params(float *p, size_t n, unsigned seed, float scale) {
    size_t i;
    for (i = 0; i < n; i++) p[i] = btc_param(i, seed, scale);
}
/* y[rows x n] = x[rows x k] W[k x n] (+ bias) (ReLU) */
static void btc_ref_dense(const float *x, const float *W, const float *bias, float *y, int rows, int k, int n, int relu) {
    int r, j, l;
    for (r = 0; r < rows; r++)
        for (j = 0; j < n; j++) {
            double acc = 0;
            for (l = 0; l < k; l++) acc += (double)x[(size_t)r * k + l] * W[(size_t)l * n + j];
            if (bias) acc += bias[j];
            if (relu && acc < 0) acc = 0;
            y[(size_t)r * n + j] = (float)acc;
        }
}
static void btc_ref_conv(const float *in, const float *wt, const float *bias, float *out, int rows, int cin, int cout, int h, int w) {
    int b, co, y, x, ci, dy, dx;
    for (b = 0; b < rows; b++) for (co = 0; co < cout; co++) for (y = 0; y < h; y++) for (x = 0; x < w; x++) {
        double acc = bias[co];
        for (ci = 0; ci < cin; ci++) for (dy = -1; dy <= 1; dy++) for (dx = -1; dx <= 1; dx++) {
            int yy = y + dy, xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            acc += (double)in[(((size_t)b * cin + ci) * h + yy) * w + xx] * wt[((size_t)co * cin + ci) * 9 + (size_t)(dy + 1) * 3 + dx + 1];
        }
        out[(((size_t)b * cout + co) * h + y) * w + x] = acc > 0 ? (float)acc : 0.0f;
    }
}
bt_status bt_gpu_model_reference(const bt_gpu_model *model, int batch, int seq, int rows, float *out, size_t n, char *err,
                                 size_t err_len) {
    bt_gpu_model m;
    int layers, width, l, k, cols;
    size_t hw, wn = 0, an, i, need;
    float *w = NULL, *bias = NULL, *x = NULL, *y = NULL, *t = NULL, *in = NULL;
    uint64_t r;
    bt_status st;
    if (!model) { btc_fmt(err, err_len, "bt_gpu_model_reference: model is NULL"); return BT_E_INVALID; }
    m = *model;
    if ((st = btc_model_check(&m, "bt_gpu_model_reference", err, err_len)) != BT_OK) return st;
    if (m.kind != BT_GPU_DECODER || seq <= 0) seq = m.seq;
    if (batch <= 0 || rows <= 0 || rows > batch) {
        btc_fmt(err, err_len, "bt_gpu_model_reference: need 0 < rows (%d) <= batch (%d)", rows, batch);
        return BT_E_INVALID;
    }
    btc_dims(&m, &layers, &width);
    cols = m.kind == BT_GPU_REDUCE ? 1 : width;
    need = (size_t)rows * (size_t)cols;
    if (!out || n < need) { btc_fmt(err, err_len, "bt_gpu_model_reference: out needs %zu floats (got %zu)", need, n); return BT_E_INVALID; }
    hw = (size_t)m.image * m.image;
    an = (size_t)rows * width * (m.kind == BT_GPU_CONV ? (hw > 1 ? hw : 1) : 1);
    if (m.kind == BT_GPU_MLP) wn = (size_t)layers * width * width;
    if (m.kind == BT_GPU_CONV) wn = (size_t)width * 3 * 9 + (size_t)(layers > 1 ? layers - 1 : 0) * width * width * 9;
    if (m.kind == BT_GPU_DECODER) wn = (size_t)layers * 2 * width * width;
    if (m.kind == BT_GPU_CONV && an < (size_t)rows * 3 * hw) an = (size_t)rows * 3 * hw;
    x = (float *)malloc(an * sizeof(float));
    y = (float *)malloc(an * sizeof(float));
    t = (float *)malloc(an * sizeof(float));
    if (wn) { w = (float *)malloc(wn * sizeof(float)); bias = (float *)malloc((size_t)layers * 2 * width * sizeof(float)); }
    if (!x || !y || !t || (wn && (!w || !bias))) { free(x); free(y); free(t); free(w); free(bias); btc_fmt(err, err_len, "host out of memory"); return BT_E_NOMEM; }
    if (wn) {
        btc_params(w, wn, (unsigned)m.seed + 1u, 1.0f / sqrtf((float)(width * (m.kind == BT_GPU_CONV ? 9 : 1))));
        btc_params(bias, (size_t)layers * 2 * width, (unsigned)m.seed + 2u, 0.01f);
    }
    /* the host input of btc_setup: the first rows items */
    r = m.seed * 6364136223846793005ull + 1442695040888963407ull;
    if (m.kind == BT_GPU_CONV) {
        static const float mean[3] = {0.485f, 0.456f, 0.406f}, sd[3] = {0.229f, 0.224f, 0.225f};
        size_t px;
        int ch;
        in = (float *)malloc((size_t)rows * hw * 3 * sizeof(float));
        if (!in) { free(x); free(y); free(t); free(w); free(bias); btc_fmt(err, err_len, "host out of memory"); return BT_E_NOMEM; }
        for (i = 0; i < (size_t)rows * hw * 3; i++) {   /* NHWC bytes -> normalized NCHW (the kernel's arithmetic) */
            unsigned char u;
            r = r * 6364136223846793005ull + 1442695040888963407ull;
            u = (unsigned char)(r >> 56);
            px = i / 3;
            ch = (int)(i % 3);
            in[((px / hw) * 3 + (size_t)ch) * hw + px % hw] = ((float)u * (1.0f / 255.0f) - mean[ch]) * (1.0f / sd[ch]);
        }
    } else
        for (i = 0; i < (size_t)rows * width; i++) { r = r * 6364136223846793005ull + 1442695040888963407ull; x[i] = (float)((double)(r >> 40) / 16777216.0 - 0.5); }
    switch (m.kind) {
    case BT_GPU_MLP:
        for (l = 0; l < layers; l++) {
            btc_ref_dense(x, w + (size_t)l * width * width, bias + (size_t)l * width, y, rows, width, width, 1);
            { float *q = x; x = y; y = q; }
        }
        memcpy(out, x, need * sizeof(float));
        break;
    case BT_GPU_CONV: {
        const float *W = w;
        btc_ref_conv(in, W, bias, x, rows, 3, width, m.image, m.image);
        W += (size_t)width * 3 * 9;
        for (l = 1; l < layers; l++) {
            btc_ref_conv(x, W, bias + (size_t)l * width, y, rows, width, width, m.image, m.image);
            W += (size_t)width * width * 9;
            { float *q = x; x = y; y = q; }
        }
        for (i = 0; i < need; i++) {   /* global average pooling */
            double acc = 0;
            size_t j;
            for (j = 0; j < hw; j++) acc += x[i * hw + j];
            out[i] = (float)(acc / (double)hw);
        }
        break;
    }
    case BT_GPU_DECODER: {
        double *sc = (double *)malloc((size_t)seq * sizeof(double));
        if (!sc) { st = BT_E_NOMEM; btc_fmt(err, err_len, "host out of memory"); break; }
        for (k = 0; k < m.steps; k++)
            for (l = 0; l < layers; l++) {
                const float *Wq = w + (size_t)l * 2 * width * width, *Wo = Wq + (size_t)width * width;
                const size_t kv = (size_t)l * batch * seq * width;   /* the cache is laid out for the cell's batch */
                int b, j, dd;
                btc_ref_dense(x, Wq, NULL, y, rows, width, width, 0);   /* q */
                for (b = 0; b < rows; b++) {
                    double mx = -HUGE_VAL, sum = 0;
                    for (j = 0; j < seq; j++) {
                        double a = 0;
                        for (dd = 0; dd < width; dd++) a += (double)btc_param(kv + ((size_t)b * seq + j) * width + dd, 11u, 1.0f) * y[(size_t)b * width + dd];
                        sc[j] = a / sqrt((double)width);
                        if (sc[j] > mx) mx = sc[j];
                    }
                    for (j = 0; j < seq; j++) { sc[j] = exp(sc[j] - mx); sum += sc[j]; }
                    for (dd = 0; dd < width; dd++) {
                        double a = 0;
                        for (j = 0; j < seq; j++) a += sc[j] / sum * btc_param(kv + ((size_t)b * seq + j) * width + dd, 13u, 1.0f);
                        t[(size_t)b * width + dd] = (float)a;
                    }
                }
                btc_ref_dense(t, Wo, bias + (size_t)l * width, x, rows, width, width, 0);
            }
        free(sc);
        if (st == BT_OK) memcpy(out, x, need * sizeof(float));
        break;
    }
    default: /* BT_GPU_REDUCE: the reference path's sum, in its order and precision */
        for (i = 0; i < (size_t)rows; i++) {
            float acc = 0.0f;
            int j;
            for (j = 0; j < width; j++) acc += x[i * width + (size_t)j];
            out[i] = acc;
        }
        break;
    }
    free(in); free(x); free(y); free(t); free(w); free(bias);
    return st;
}

/* ---------------------------------------------------------------- pipeline GPU head ------ */
/* 8x8 average pooling of NCHW float32 images [n][3][h][w] into features [n][3][h/8][w/8]
   (the CPU head's order: channel, row, column) */
__global__ void btc_avgpool8_kernel(const float *in, float *out, int n, int c, int h, int w, int ph, int pw) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x, total = (long long)n * c * ph * pw;
    int x, y, ch, b, dy, dx;
    const float *ip;
    float sum = 0.0f;
    if (i >= total) return;
    x = (int)(i % pw);
    y = (int)((i / pw) % ph);
    ch = (int)((i / ((long long)pw * ph)) % c);
    b = (int)(i / ((long long)pw * ph * c));
    ip = in + ((size_t)b * c + ch) * (size_t)h * w;
    for (dy = 0; dy < 8; dy++)
        for (dx = 0; dx < 8; dx++) sum += ip[(size_t)(8 * y + dy) * w + (size_t)(8 * x + dx)];
    out[i] = sum * (1.0f / 64.0f);
}

#define BTC_PIN_POOL 16
typedef struct btc_pin { void *p; size_t n; int used; } btc_pin;
struct bt_cuda_pipeline_head {
    bt_pipeline *p;
    bt_device *d;
    bt_dev_arena *pin;             /* the loader's pinned batch buffers (pooled within a cell) */
    btc_pin pool[BTC_PIN_POOL];
    int npool;
    /* per cell */
    bt_dev_arena *a;
    int batch;
    bt_cuda_pipeline *pl;
    size_t item_bytes;             /* shape the cell's buffers were made for (0: none yet) */
    int h, w, layout, in_features;
    float *w1, *w2, *w3, *norm, *pooled, *h1, *h2, *out, *hout;
    int queued_rows;               /* rows of the last batch queued (its outputs land in hout) */
    /* after each sample */
    float *last;                   /* host copy of the last batch's outputs */
    int last_rows, last_cap;
};

static void *btc_head_pin_alloc(void *user, size_t bytes) {
    bt_cuda_pipeline_head *h = (bt_cuda_pipeline_head *)user;
    void *q = NULL;
    int i;
    for (i = 0; i < h->npool; i++)
        if (!h->pool[i].used && h->pool[i].n == bytes) { h->pool[i].used = 1; return h->pool[i].p; }
    if (bt_dev_alloc(h->pin, BT_MEM_PINNED, bytes, &q) != BT_OK) return NULL;
    if (h->npool < BTC_PIN_POOL) { h->pool[h->npool].p = q; h->pool[h->npool].n = bytes; h->pool[h->npool].used = 1; h->npool++; }
    return q;
}
static void btc_head_pin_release(void *user, void *q, size_t bytes) {
    bt_cuda_pipeline_head *h = (bt_cuda_pipeline_head *)user;
    int i;
    (void)bytes;
    if (!q) return;
    for (i = 0; i < h->npool; i++) if (h->pool[i].p == q) { h->pool[i].used = 0; return; }
    bt_dev_free(h->pin, q);   /* beyond the pool: given back at once */
}
static void btc_head_pin_drop(bt_cuda_pipeline_head *h) {   /* frees the pooled buffers not in use */
    int i, k = 0;
    for (i = 0; i < h->npool; i++) {
        if (h->pool[i].used) h->pool[k++] = h->pool[i];
        else bt_dev_free(h->pin, h->pool[i].p);
    }
    h->npool = k;
}

/* the model for one batch already in dev_in (launched on stream, no wait) */
static bt_status btc_head_kernels(void *dev_in, size_t bytes, int slot, void *stream, void *user) {
    bt_cuda_pipeline_head *h = (bt_cuda_pipeline_head *)user;
    const bt_pipeline *p = h->p;
    int rows = (int)(bytes / h->item_bytes), ph = h->h / 8, pw = h->w / 8;
    const float *x = (const float *)dev_in;
    long long np;
    bt_status st = BT_OK;
    (void)slot;
    if (h->layout == BT_LAYOUT_NHWC_U8) {
        static const float mean[3] = {0.45f, 0.45f, 0.45f}, sd[3] = {1.0f / 4.4f, 1.0f / 4.4f, 1.0f / 4.4f};
        st = bt_cuda_normalize_nhwc_u8(h->d, dev_in, h->norm, rows, h->h, h->w, 3, mean, sd, stream);
        x = h->norm;
    }
    if (st != BT_OK) return st;
    np = (long long)rows * 3 * ph * pw;
    btc_avgpool8_kernel<<<(unsigned)((np + 255) / 256), 256, 0, (cudaStream_t)stream>>>(x, h->pooled, rows, 3, h->h, h->w, ph, pw);
    st = bt_cuda_check_launch(h->d, "pooling kernel");
    if (st == BT_OK) st = bt_cuda_gemm(h->d, rows, p->hidden, h->in_features, h->pooled, h->w1, h->h1, NULL, 1, stream);
    if (st == BT_OK) st = bt_cuda_gemm(h->d, rows, p->hidden, p->hidden, h->h1, h->w2, h->h2, NULL, 1, stream);
    if (st == BT_OK) st = bt_cuda_gemm(h->d, rows, p->classes, p->hidden, h->h2, h->w3, h->out, NULL, 0, stream);
    if (st == BT_OK)   /* the outputs come back, as an inference step's would */
        st = btc_rec(h->d, cudaMemcpyAsync(h->hout, h->out, (size_t)rows * p->classes * sizeof(float), cudaMemcpyDeviceToHost,
                                           (cudaStream_t)stream), "cudaMemcpyAsync (outputs)");
    if (st == BT_OK) h->queued_rows = rows;
    return st;
}

/* the cell's device buffers for batches shaped like b (first batch of the cell) */
static bt_status btc_head_alloc(bt_cuda_pipeline_head *h, const bt_batch *b) {
    const bt_pipeline *p = h->p;
    int B = h->batch > b->items ? h->batch : b->items, hid = p->hidden, cls = p->classes;
    size_t in = (size_t)3 * (size_t)(b->height / 8) * (size_t)(b->width / 8);
    float *w1 = NULL, *w2 = NULL, *w3 = NULL;
    bt_cuda_pipeline_desc pd;
    bt_status st = BT_OK;
    if (h->pl) { bt_cuda_pipeline_destroy(h->pl); h->pl = NULL; }
    bt_dev_arena_release(h->a);
    h->item_bytes = 0;
    h->h = b->height; h->w = b->width; h->layout = (int)b->layout; h->in_features = (int)in;
    st = bt_dev_alloc(h->a, BT_MEM_DEVICE, in * hid * sizeof(float), (void **)&h->w1);
    if (st == BT_OK) st = bt_dev_alloc(h->a, BT_MEM_DEVICE, (size_t)hid * hid * sizeof(float), (void **)&h->w2);
    if (st == BT_OK) st = bt_dev_alloc(h->a, BT_MEM_DEVICE, (size_t)hid * cls * sizeof(float), (void **)&h->w3);
    if (st == BT_OK && b->layout == BT_LAYOUT_NHWC_U8)
        st = bt_dev_alloc(h->a, BT_MEM_DEVICE, (size_t)B * 3 * b->height * b->width * sizeof(float), (void **)&h->norm);
    if (st == BT_OK) st = bt_dev_alloc(h->a, BT_MEM_DEVICE, (size_t)B * in * sizeof(float), (void **)&h->pooled);
    if (st == BT_OK) st = bt_dev_alloc(h->a, BT_MEM_DEVICE, (size_t)B * hid * sizeof(float), (void **)&h->h1);
    if (st == BT_OK) st = bt_dev_alloc(h->a, BT_MEM_DEVICE, (size_t)B * hid * sizeof(float), (void **)&h->h2);
    if (st == BT_OK) st = bt_dev_alloc(h->a, BT_MEM_DEVICE, (size_t)B * cls * sizeof(float), (void **)&h->out);
    if (st == BT_OK) st = bt_dev_alloc(h->a, BT_MEM_PINNED, (size_t)B * cls * sizeof(float), (void **)&h->hout);
    if (st == BT_OK) {
        memset(&pd, 0, sizeof pd);
        pd.slot_bytes = (size_t)B * b->item_bytes;
        pd.external_host = 1;
        st = bt_cuda_pipeline_create(h->a, &pd, &h->pl);
    }
    if (st == BT_OK) {   /* the head's weights, the CPU head's numbers */
        w1 = (float *)malloc(in * hid * sizeof(float));
        w2 = (float *)malloc((size_t)hid * hid * sizeof(float));
        w3 = (float *)malloc((size_t)hid * cls * sizeof(float));
        if (!w1 || !w2 || !w3) st = btc_invalid(h->d, "GPU pipeline head: host out of memory for the weights");
    }
    if (st == BT_OK) {
        cudaStream_t cs = (cudaStream_t)bt_cuda_pipeline_compute_stream(h->pl);
        bt_pipeline_head_weights((int)in, hid, cls, w1, w2, w3);
        st = btc_rec(h->d, cudaMemcpyAsync(h->w1, w1, in * hid * sizeof(float), cudaMemcpyHostToDevice, cs), "cudaMemcpyAsync (weights)");
        if (st == BT_OK) st = btc_rec(h->d, cudaMemcpyAsync(h->w2, w2, (size_t)hid * hid * sizeof(float), cudaMemcpyHostToDevice, cs), "cudaMemcpyAsync (weights)");
        if (st == BT_OK) st = btc_rec(h->d, cudaMemcpyAsync(h->w3, w3, (size_t)hid * cls * sizeof(float), cudaMemcpyHostToDevice, cs), "cudaMemcpyAsync (weights)");
        if (st == BT_OK) st = btc_rec(h->d, cudaStreamSynchronize(cs), "cudaStreamSynchronize (weights)");
    }
    free(w1); free(w2); free(w3);
    if (st != BT_OK) {
        if (h->pl) { bt_cuda_pipeline_destroy(h->pl); h->pl = NULL; }
        bt_dev_arena_release(h->a);
        return st;
    }
    h->item_bytes = b->item_bytes;
    h->batch = B;
    return BT_OK;
}

static bt_status btc_head_setup(void *user, int batch, bt_sample *s) {
    bt_cuda_pipeline_head *h = (bt_cuda_pipeline_head *)user;
    if (!h->a) h->a = bt_dev_arena_create(h->d);
    if (!h->a) { btc_fmt(s->error, sizeof s->error, "GPU pipeline head: host out of memory"); return BT_E_NOMEM; }
    h->batch = batch;
    h->item_bytes = 0;
    h->queued_rows = 0;
    return BT_OK;
}
static bt_status btc_head_compute(void *user, const bt_batch *b, bt_sample *s) {
    bt_cuda_pipeline_head *h = (bt_cuda_pipeline_head *)user;
    bt_status st;
    if (!h->a) { btc_fmt(s->error, sizeof s->error, "GPU pipeline head: no cell set up (bt_pipeline_init after bt_cuda_pipeline_head_init)"); return BT_E_INVALID; }
    if ((b->layout != BT_LAYOUT_NCHW_F32 && b->layout != BT_LAYOUT_NHWC_U8) || b->channels != 3 || b->height < 8 || b->width < 8) {
        btc_fmt(s->error, sizeof s->error, "GPU pipeline head: items of %dx%dx%d are not images (use your own compute callback)", b->height, b->width, b->channels);
        return BT_E_INVALID;
    }
    if (h->item_bytes != b->item_bytes || h->h != b->height || h->w != b->width || h->layout != (int)b->layout || b->items > h->batch) {
        st = btc_head_alloc(h, b);
        if (st != BT_OK) return bt_device_fail_sample(h->d, st, s);
    }
    st = bt_cuda_pipeline_submit_from(h->pl, b->data, (size_t)b->items * b->item_bytes, btc_head_kernels, h);
    if (st != BT_OK) return bt_device_fail_sample(h->d, st, s);
    return BT_OK;
}
static bt_status btc_head_finish(void *user, bt_sample *s) {
    bt_cuda_pipeline_head *h = (bt_cuda_pipeline_head *)user;
    bt_cuda_pipeline_stats ps;
    bt_status st;
    if (!h->pl) return BT_OK;   /* no batch reached the device */
    st = bt_cuda_pipeline_drain(h->pl, &ps);   /* waits for the copy and compute streams */
    if (st == BT_OK) st = bt_device_check(h->d);
    if (st != BT_OK) return bt_device_fail_sample(h->d, st, s);
    if (ps.batches > 0) {
        s->phase_s[BT_PHASE_H2D] = ps.h2d_s;
        s->phase_s[BT_PHASE_COMPUTE] = ps.compute_s;
    }
    s->peak_mem_bytes = (double)bt_dev_arena_peak(h->a, BT_MEM_DEVICE);
    if (h->queued_rows > 0) {
        size_t n = (size_t)h->queued_rows * h->p->classes;
        if ((size_t)h->last_cap < n) {
            float *nl = (float *)realloc(h->last, n * sizeof(float));
            if (nl) { h->last = nl; h->last_cap = (int)n; }
        }
        if ((size_t)h->last_cap >= n) { memcpy(h->last, h->hout, n * sizeof(float)); h->last_rows = h->queued_rows; }
    }
    return BT_OK;
}
static void btc_head_teardown(void *user) {
    bt_cuda_pipeline_head *h = (bt_cuda_pipeline_head *)user;
    if (h->pl) {
        if (!bt_device_restart_required(h->d)) bt_cuda_pipeline_drain(h->pl, NULL);
        bt_cuda_pipeline_destroy(h->pl);
        h->pl = NULL;
    }
    if (h->a) bt_dev_arena_release(h->a);
    h->item_bytes = 0;
    btc_head_pin_drop(h);
}

bt_status bt_cuda_pipeline_head_init(bt_pipeline *p, bt_device *d, bt_cuda_pipeline_head **out, char *err, size_t err_len) {
    bt_cuda_pipeline_head *h;
    if (out) *out = NULL;
    if (!p || !d || !out) { btc_fmt(err, err_len, "bt_cuda_pipeline_head_init: %s is NULL", !p ? "p" : !d ? "d" : "out"); return BT_E_INVALID; }
    if (p->loader.allocator.alloc) { btc_fmt(err, err_len, "bt_cuda_pipeline_head_init: p->loader.allocator is already set (the head brings pinned buffers)"); return BT_E_INVALID; }
    if (p->hidden <= 0) p->hidden = 256;
    if (p->classes <= 0) p->classes = 10;
    h = (bt_cuda_pipeline_head *)calloc(1, sizeof *h);
    if (!h) { btc_fmt(err, err_len, "host out of memory"); return BT_E_NOMEM; }
    h->p = p;
    h->d = d;
    h->pin = bt_dev_arena_create(d);
    if (!h->pin) { free(h); btc_fmt(err, err_len, "host out of memory"); return BT_E_NOMEM; }
    p->compute = btc_head_compute;
    p->compute_user = h;
    p->compute_setup = btc_head_setup;
    p->compute_finish = btc_head_finish;
    p->compute_teardown = btc_head_teardown;
    p->loader.allocator.alloc = btc_head_pin_alloc;
    p->loader.allocator.release = btc_head_pin_release;
    p->loader.allocator.user = h;
    if (err && err_len) err[0] = 0;
    *out = h;
    return BT_OK;
}
int bt_cuda_pipeline_head_output(const bt_cuda_pipeline_head *h, float *out, int max_rows) {
    int rows;
    if (!h || !out || max_rows <= 0 || !h->last) return 0;
    rows = h->last_rows < max_rows ? h->last_rows : max_rows;
    memcpy(out, h->last, (size_t)rows * h->p->classes * sizeof(float));
    return rows;
}
void bt_cuda_pipeline_head_free(bt_cuda_pipeline_head *h) {
    if (!h) return;
    btc_head_teardown(h);
    btc_head_pin_drop(h);
    bt_dev_arena_destroy(h->a);
    bt_dev_arena_destroy(h->pin);
    free(h->last);
    free(h);
}

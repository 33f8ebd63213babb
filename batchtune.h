/* batchtune.h — v0.1.0 — find the batch size (and loader workers, window size, any knob of
   batched GPU or CPU work) that makes a job fastest end to end, for all your workloads at once,
   and show the evidence.  Public domain-style license (MIT) at the end of this file.

   DO THIS
      #define BATCHTUNE_IMPLEMENTATION
      #include "batchtune.h"
   in *one* C or C++ file of your program; every other file just includes "batchtune.h".
   The GPU side lives in batchtune_cuda.cu (compile it with nvcc and link it) and is opt-in:
   a CPU-only program never references a CUDA symbol and links with a plain `cc`.

   BUILD LINES
      cc  -O3 -std=c99 my_tuner.c -lm -pthread                     (CPU only)
      nvcc -O3 my_tuner.cu batchtune_cuda.cu                          (with the GPU backend)
      x86_64-w64-mingw32-gcc -O2 my_tuner.c    or    cl /O2 my_tuner.c   (Windows, CPU only)
   Linux, Windows (MSVC, MinGW-w64) and macOS: see docs/platforms.md for what differs and how
   each is tested; the GPU backend is Linux-only.

   CONFIGURATION MACROS (define before including, in the implementation file)
      BATCHTUNE_STATIC             all functions static (private to one translation unit)
      BATCHTUNE_MALLOC(sz)         \
      BATCHTUNE_REALLOC(p,sz)       } your allocator: define all three or none (checked)
      BATCHTUNE_FREE(p)            /
      BATCHTUNE_ASSERT(x)          your assert (default: assert from <assert.h>)
      BATCHTUNE_STB_IMPLEMENTATION compile stb_image privately (static) inside batchtune
      BATCHTUNE_USE_STB            use stb_image from a linked libstb (Debian: -lstb)
                                   With neither, image decoding needs a decoder hook.
      On Linux the implementation defines _GNU_SOURCE when it is the first thing included;
      if you include system headers before it, define _GNU_SOURCE yourself first.

   MINIMAL EXAMPLE
      static bt_axis AX_BATCH;
      static bt_status run_one(const bt_cell *cell, void *user, bt_sample *s) {
          int64_t batch = bt_cell_i64(cell, AX_BATCH);      // handle access, no string lookup
          ... do one sample of the work, to completion ...
          s->items = n_items;
          return BT_OK;                                      // BT_E_OOM_DEVICE: cell is "oom"
      }
      bt_grid *g = bt_grid_create();
      AX_BATCH = bt_grid_axis_pow2(g, "batch", 32, 1024);
      bt_grid_parse_axis(g, "workers=1,2,4,8", NULL);
      bt_workload wl; memset(&wl, 0, sizeof wl);           // zero = defaults (C and C++)
      wl.name = "resnet50"; wl.run = run_one; wl.user = &model;
      bt_sweep_desc d; memset(&d, 0, sizeof d);
      d.results_path = "results.csv"; d.resume = 1;
      bt_results *r = NULL;
      bt_sweep_run(g, &wl, 1, &d, &r);                      // every cell gets a status
      bt_rank_desc rd; memset(&rd, 0, sizeof rd);          // objective e2e_s_median, top 3
      bt_ranking rk; bt_rank(r, &rd, &rk);
      bt_print_ranking(&rk, stdout);
      bt_print_heatmap(r, NULL, "batch", "workers", "e2e_s_median", stdout, BT_HEATMAP_AUTO);
      bt_ranking_free(&rk); bt_results_free(r); bt_grid_destroy(g);

   See examples/ and tools/batchtune.c (the command-line tool, built on this header alone).

   SECTIONS (declarations in this order; the implementation follows the same order)
      1 version   2 status   3 clock and statistics   4 grid   5 sweep   6 results files
      7 ranking   8 reports (text, markdown, JSON, terminal heatmap)
      9 CPU reference workload   9b any program as a workload (--cmd)
      11 loader (decode -> resize -> crop -> normalize, worker threads, record files)
      11b inference pipeline workload (loader -> model, end to end)
      12 recompute model for windowed verification   13 HTML report   14 merge and compare
      15 search strategies (adaptive, find-max, replay)
      10 GPU backend (declared last; defined in batchtune_cuda.cu, plus host-side device
         arena, fault-injection device and restart guard here)

   THREAD SAFETY
      No global state. Objects (bt_grid, bt_results, bt_ranking) may be used from one thread at
      a time; different objects from different threads freely. The only threads batchtune
      starts belong to objects you create and are documented there: the CPU model's pool (per
      cell), the loader's workers (per loader), the command workload's pipe readers (Windows),
      the NVML sampler of batchtune_cuda.cu.
*/
#ifndef BATCHTUNE_H
#define BATCHTUNE_H

#if defined(BATCHTUNE_IMPLEMENTATION) && defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1
#endif
#if defined(BATCHTUNE_IMPLEMENTATION) && defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE 1 /* POSIX and Darwin extensions even under -std=c99 -D_POSIX_C_SOURCE */
#endif

#define BATCHTUNE_VERSION_MAJOR 0
#define BATCHTUNE_VERSION_MINOR 1
#define BATCHTUNE_VERSION_PATCH 0
#define BATCHTUNE_VERSION_STRING "0.1.0"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef BATCHTUNE_STATIC
#define BATCHTUNE_API static
#else
#define BATCHTUNE_API extern
#endif

#ifndef BT_MAX_AXES
#define BT_MAX_AXES 16      /* axes per grid */
#endif
#ifndef BT_MAX_METRICS
#define BT_MAX_METRICS 16   /* custom metrics per workload */
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ============================================================================================
   1. Version
   ========================================================================================== */

/* "0.1.0". Thread safe. */
BATCHTUNE_API const char *bt_version_string(void);

/* ============================================================================================
   2. Status
   One list gives the enum and the strings. 0 is success; errors are negative.
   ========================================================================================== */
#define BT_STATUS_LIST(X)                                                   \
    X(BT_OK, 0, "ok")                                                       \
    X(BT_E_INVALID, -1, "invalid argument")                                 \
    X(BT_E_NOMEM, -2, "host out of memory")                                 \
    X(BT_E_OOM_DEVICE, -3, "device out of memory")                          \
    X(BT_E_IO, -4, "I/O error")                                             \
    X(BT_E_DECODE, -5, "decode error")                                      \
    X(BT_E_PARSE, -6, "parse error")                                        \
    X(BT_E_TIMEOUT, -7, "timeout")                                          \
    X(BT_E_NO_DEVICE, -8, "no device")                                      \
    X(BT_E_CUDA, -9, "CUDA error")                                          \
    X(BT_E_MISMATCH, -10, "results file does not match this sweep")         \
    X(BT_E_UNSUPPORTED, -11, "not supported")                               \
    X(BT_E_WORKLOAD, -12, "workload failed")                                \
    X(BT_E_NOT_FOUND, -13, "not found")

typedef enum bt_status {
#define BTI_ENUM_ITEM(name, value, text) name = value,
    BT_STATUS_LIST(BTI_ENUM_ITEM)
#undef BTI_ENUM_ITEM
    BT_STATUS_MIN_ = -13
} bt_status;

/* Text for a status ("device out of memory"); "unknown status" for values not in the list. */
BATCHTUNE_API const char *bt_status_str(bt_status s);
/* Name of the enum constant ("BT_E_OOM_DEVICE"). */
BATCHTUNE_API const char *bt_status_name(bt_status s);

/* ============================================================================================
   3. Clock and statistics
   ========================================================================================== */

/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC; QueryPerformanceCounter on Windows,
   mach_absolute_time on macOS). Never goes backwards. Thread safe. */
BATCHTUNE_API uint64_t bt_now_ns(void);

typedef struct bt_clock_info {
    double resolution_ns;  /* smallest non-zero step observed between two reads */
    double overhead_ns;    /* mean cost of one bt_now_ns() call */
    double reported_res_ns;/* what the OS claims (clock_getres; 1e9 / QueryPerformanceFrequency) */
} bt_clock_info;
/* Measures the clock's resolution and overhead (takes about a millisecond). */
BATCHTUNE_API void bt_clock_measure(bt_clock_info *out);

typedef struct bt_stats {
    size_t n;
    double min, max, mean, median, stddev;
    double p10, p90, p99;      /* linear interpolation between order statistics */
    double ci_lo, ci_hi;       /* 95 % distribution-free confidence interval of the median
                                  (order statistics, binomial); [min, max] when n < 6 */
    double rel_noise;          /* how well the median is known: (ci_hi - ci_lo) / (2 median).
                                  It shrinks as samples accumulate, and a bimodal cell (which a
                                  MAD would call quiet) stays noisy until its median is pinned */
    double rel_mad;            /* spread of the samples themselves: 1.4826 MAD / median */
} bt_stats;

/* Statistics of x[0..n). Copies and sorts internally; x is not changed. n = 0 gives
   BT_E_INVALID. Thread safe. */
BATCHTUNE_API bt_status bt_stats_compute(const double *x, size_t n, bt_stats *out);
/* The q-quantile (0..1) of *sorted* data, linear interpolation. */
BATCHTUNE_API double bt_quantile_sorted(const double *sorted, size_t n, double q);

/* When a cell stops sampling. Zero fields take the defaults shown. */
typedef struct bt_stop_rule {
    int warmup;            /* unmeasured runs before sampling (default 1; -1 = none). The
                              adaptive strategy times them: a first visit whose fastest warm-up
                              run is over 10x the leader's bound and warm-up ends there (a
                              thrashing cell); raise it where a cell's first run pays a one-time
                              cost far above the leader's (processes spawned, an autotune) */
    int min_samples;       /* default 5 */
    int max_samples;       /* default 1000 */
    double max_rel_noise;  /* stop once rel_noise <= this (default 0.02: median known to 2 %) */
    double min_time_s;     /* sample at least this long (default 0.1) */
    double max_time_s;     /* then stop anyway: the cell is ok but flagged noisy (default 3) */
    double timeout_s;      /* a single sample longer than this makes the cell "timeout"
                              (default 60). In-process work cannot be interrupted: the check
                              happens when run() returns (use isolation for hard kills). */
} bt_stop_rule;

/* The rule with defaults filled in, so a program can print what ran. */
BATCHTUNE_API bt_stop_rule bt_stop_rule_defaults(const bt_stop_rule *r);
/* 1 if a cell with these statistics, sampled for elapsed_s, should stop; *noisy set to 1
   when it stops because of time or count while still above the noise limit. */
BATCHTUNE_API int bt_stop_check(const bt_stop_rule *r, const bt_stats *st, double elapsed_s,
                                int *noisy);

/* ============================================================================================
   4. Grid: named typed axes, tied axes, constraints, cells, sharding
   ========================================================================================== */
typedef struct bt_grid bt_grid;
typedef int bt_axis;                 /* axis handle (>= 0); negative values are errors */

typedef enum bt_axis_type { BT_AXIS_INT, BT_AXIS_FLOAT, BT_AXIS_STR } bt_axis_type;

/* One cell: the index of each axis' value. Cheap to copy; valid while its grid lives. */
typedef struct bt_cell {
    const bt_grid *grid;
    size_t index;                    /* position in the grid's deterministic order */
    int naxes;
    uint32_t vi[BT_MAX_AXES];        /* value index per axis */
} bt_cell;

BATCHTUNE_API bt_grid *bt_grid_create(void);
BATCHTUNE_API void bt_grid_destroy(bt_grid *g);
/* Detail of the last error on this grid (names the bad spec or axis). Never NULL. */
BATCHTUNE_API const char *bt_grid_error(const bt_grid *g);

/* Axes. Each returns the new handle, or a negative bt_status (duplicate name, empty list,
   bad range, too many axes); bt_grid_error says why. Names: letters, digits, '_' . */
BATCHTUNE_API bt_axis bt_grid_axis_list_i64(bt_grid *g, const char *name, const int64_t *v, size_t n);
BATCHTUNE_API bt_axis bt_grid_axis_list_f64(bt_grid *g, const char *name, const double *v, size_t n);
BATCHTUNE_API bt_axis bt_grid_axis_list_str(bt_grid *g, const char *name, const char *const *v, size_t n);
/* lo, lo+step, ... <= hi */
BATCHTUNE_API bt_axis bt_grid_axis_range_i64(bt_grid *g, const char *name, int64_t lo, int64_t hi, int64_t step);
BATCHTUNE_API bt_axis bt_grid_axis_range_f64(bt_grid *g, const char *name, double lo, double hi, double step);
/* lo, lo*factor, ... <= hi (integers, factor >= 2) */
BATCHTUNE_API bt_axis bt_grid_axis_geom_i64(bt_grid *g, const char *name, int64_t lo, int64_t hi, int64_t factor);
/* powers of two from lo to hi (lo rounded up to a power of two) */
BATCHTUNE_API bt_axis bt_grid_axis_pow2(bt_grid *g, const char *name, int64_t lo, int64_t hi);

/* Parses an axis spec and adds the axis:
     name=a,b,c          list (integers, floats or strings, chosen by what parses)
     name=lo..hi         integer step 1 (or lo..hi:+step, floats allowed)
     name=lo..hi:xF      geometric with integer factor F (x2 = powers of two from lo)
   *out (may be NULL) receives the handle. Errors name the spec. */
BATCHTUNE_API bt_status bt_grid_parse_axis(bt_grid *g, const char *spec, bt_axis *out);

/* Tie b to a ("zip"): they advance together; equal lengths required. b takes a's place in
   the order. Several axes can be tied to one. */
BATCHTUNE_API bt_status bt_grid_tie(bt_grid *g, bt_axis a, bt_axis b);
/* Declares that memory use grows with this axis (used by OOM pruning and sharding). */
BATCHTUNE_API bt_status bt_grid_set_monotone(bt_grid *g, bt_axis a, int monotone);

/* Product budget: product of the axes' values <= cap (e.g. batch*window <= 512). Cells
   outside are "infeasible" (recorded, not dropped). */
BATCHTUNE_API bt_status bt_grid_add_budget(bt_grid *g, const bt_axis *axes, int n, double cap);
/* Predicate constraint: return 1 if the cell is feasible; on 0 it may write a reason. */
typedef int (*bt_constraint_fn)(const bt_cell *cell, void *user, char *why, size_t why_len);
BATCHTUNE_API bt_status bt_grid_add_constraint(bt_grid *g, const char *name, bt_constraint_fn fn, void *user);
/* Parses "a*b<=512", "a*b*c<512", "batch<=256", "batch>=8" (one comparison, axes multiplied). */
BATCHTUNE_API bt_status bt_grid_parse_constraint(bt_grid *g, const char *spec);

BATCHTUNE_API int bt_grid_num_axes(const bt_grid *g);
BATCHTUNE_API size_t bt_grid_num_cells(const bt_grid *g);          /* feasible or not */
BATCHTUNE_API bt_axis bt_grid_find(const bt_grid *g, const char *name); /* BT_E_NOT_FOUND */
BATCHTUNE_API const char *bt_grid_axis_name(const bt_grid *g, bt_axis a);
BATCHTUNE_API bt_axis_type bt_grid_axis_type(const bt_grid *g, bt_axis a);
BATCHTUNE_API size_t bt_grid_axis_len(const bt_grid *g, bt_axis a);
BATCHTUNE_API int bt_grid_axis_monotone(const bt_grid *g, bt_axis a);
/* Writes the i-th value of axis a as text (exact round trip for floats). */
BATCHTUNE_API size_t bt_grid_axis_value_text(const bt_grid *g, bt_axis a, size_t i, char *buf, size_t n);

/* Cell number `index` (0 .. num_cells-1) in the deterministic order: the last axis varies
   fastest; tied axes move with the axis they are tied to. */
BATCHTUNE_API bt_status bt_grid_cell(const bt_grid *g, size_t index, bt_cell *out);
/* The cell whose axis values (as text, one per axis in axis order) are given. */
BATCHTUNE_API bt_status bt_grid_cell_from_text(const bt_grid *g, const char *const *values, bt_cell *out);
/* 1 if feasible; else 0 and the reason (e.g. "batch*window=1024 > 512"). */
BATCHTUNE_API int bt_grid_feasible(const bt_grid *g, const bt_cell *c, char *why, size_t why_len);
/* Shard (0..n-1) of a cell. Cells that differ only in monotone axes share a shard, so each
   ladder of memory-growing cells is run (and OOM-pruned) by one process. */
BATCHTUNE_API int bt_grid_shard_of(const bt_grid *g, const bt_cell *c, int n);

/* Typed access by handle, O(1). Integers from a float axis are rounded; a string axis gives
   its value index for _i64 and the parsed number (or NAN) for _f64. */
BATCHTUNE_API int64_t bt_cell_i64(const bt_cell *c, bt_axis a);
BATCHTUNE_API double bt_cell_f64(const bt_cell *c, bt_axis a);
BATCHTUNE_API const char *bt_cell_str(const bt_cell *c, bt_axis a); /* NULL unless string axis */
/* "batch=64 workers=2" */
BATCHTUNE_API size_t bt_cell_format(const bt_cell *c, char *buf, size_t n);

/* ============================================================================================
   5. Sweep
   ========================================================================================== */

/* Sub-phases a workload may report per sample, in seconds (leave negative when not given). */
typedef enum bt_phase {
    BT_PHASE_FIRST_BATCH,  /* first_batch_s: start of the sample to the first batch in hand */
    BT_PHASE_LOAD_WAIT,    /* load_wait_s: total time waiting for the loader */
    BT_PHASE_H2D,          /* h2d_s: host-to-device copies */
    BT_PHASE_COMPUTE,      /* compute_s */
    BT_PHASE_D2H,          /* d2h_s */
    BT_PHASE_COUNT
} bt_phase;

typedef enum bt_cell_status {
    BT_CELL_OK, BT_CELL_OOM, BT_CELL_ERROR, BT_CELL_TIMEOUT, BT_CELL_INFEASIBLE,
    BT_CELL_PRUNED, BT_CELL_NOT_RUN, BT_CELL_STATUS_COUNT
} bt_cell_status;
BATCHTUNE_API const char *bt_cell_status_str(bt_cell_status s);        /* "ok", "oom", ... */
BATCHTUNE_API int bt_cell_status_parse(const char *s, bt_cell_status *out); /* 1 if known */

/* What one call of a workload fills in. The library zeroes it (phases -1, metrics NAN)
   before each call and measures e2e itself. */
typedef struct bt_sample {
    int index;                     /* sample number; negative during warm-up, setup, teardown */
    void *state;                   /* yours: set it in setup, read it in run and teardown */
    double items;                  /* items processed by this sample (for items_per_s) */
    double phase_s[BT_PHASE_COUNT];
    double metric[BT_MAX_METRICS]; /* values of the workload's custom metrics */
    double peak_mem_bytes;         /* optional (a device backend fills it) */
    char error[256];               /* message when returning an error */
} bt_sample;

typedef struct bt_metric_def {
    const char *name;              /* column name; put the unit in it: "energy_per_item_j" */
    const char *unit;              /* "J", "s", "%" ... (goes to the JSON metadata) */
    int higher_is_better;
} bt_metric_def;

/* A workload: callbacks with user data. Only run is required.
   setup    once per cell before warm-up (allocate; BT_E_OOM_DEVICE/BT_E_NOMEM -> "oom").
   run      one sample; must return only when its work is finished.
   sync     optional; called inside the timed region after run (e.g. cudaStreamSynchronize).
   teardown called whenever setup was called, also after a failure: free what the cell took.
   Return BT_OK, or an error status: BT_E_OOM_DEVICE / BT_E_NOMEM -> oom, BT_E_TIMEOUT ->
   timeout, anything else -> error (with s->error as the message). */
typedef struct bt_workload {
    const char *name;
    void *user;
    bt_status (*setup)(const bt_cell *cell, void *user, bt_sample *s);
    bt_status (*run)(const bt_cell *cell, void *user, bt_sample *s);
    bt_status (*sync)(void *user, bt_sample *s);
    void (*teardown)(const bt_cell *cell, void *user, bt_sample *s);
    const bt_metric_def *metrics;  /* custom metrics (medians over samples become columns) */
    int num_metrics;
} bt_workload;

typedef struct bt_progress {
    size_t done, total;            /* (workload, cell) pairs finished / in this shard */
    double elapsed_s;
    const char *workload;
    const bt_cell *cell;
    bt_cell_status last_status;
    int skipped;                   /* 1 when the pair was already in the file (resume) */
} bt_progress;

typedef struct bt_sweep_desc {
    const char *results_path;      /* tidy CSV; NULL = keep results in memory only */
    const char *samples_path;      /* default: results path with ".samples.csv" */
    const char *json_path;         /* run metadata; default: results path with ".json" */
    int resume;                    /* skip cells already in the file (must match, else error) */
    bt_stop_rule stop;
    int shard_k, shard_n;          /* run only cells of shard k of n (n = 0: all) */
    double time_budget_s;          /* 0 = none; pairs not started in time are "not_run" */
    const char *device;            /* device column; default from the backend, else "cpu" */
    const char *settings;          /* free text that belongs to the fingerprint */
    int no_fsync;                  /* 1: flush rows but skip fsync (tests) */
    int no_prune;                  /* 1: run cells above an OOM along monotone axes anyway */
    int overwrite;                 /* 1: replace an existing results file (default: refuse
                                      unless resume is set, so nothing is lost) */
    void (*progress)(const bt_progress *p, void *user);
    void *progress_user;
    int strategy;                  /* BT_STRATEGY_EXHAUSTIVE (0, every cell) or BT_STRATEGY_ADAPTIVE
                                      (section 15: OOM frontier, racing, successive halving) */
    int search_screen_samples;     /* adaptive: samples of a cell's first, cheap visit (default 3) */
    double search_margin;          /* adaptive: racing margin, a fraction (default 0.01) */
    double search_budget;          /* adaptive: stop once this fraction of the exhaustive strategy's
                                      cost, estimated from the cells measured, is spent (default
                                      0.2; >= 1: no cap). The leader then is the pick */
    int isolate;                   /* 1: each (workload, cell) runs in a freshly started child
                                      process (see "Isolated cells" below); 0: in this process */
    char *const *argv;             /* isolate: main's argv, to start this program again (NULL:
                                      read from /proc/self/cmdline on Linux; needed elsewhere) */
    double isolate_timeout_s;      /* isolate: a child still running after this long is killed
                                      with its process group and the cell is "timeout" (default
                                      stop.timeout_s x (warmup + 2) + stop.max_time_s) */
    void (*sampler_start)(void *user); /* optional background sampler the sweep owns (e.g. NVML:
                                      bt_cuda_nvml_hook_init): bt_sweep_run calls sampler_start
                                      once before the first cell runs in this process and
                                      sampler_stop once after the last (also after an error),
                                      so its thread lives exactly as long as the sweep's cells;
                                      with isolate, in each cell's child process (where the
                                      cell runs), not in the parent */
    void (*sampler_stop)(void *user);
    void *sampler_user;
} bt_sweep_desc;

/* Isolated cells (isolate = 1). bt_sweep_run starts this program again for each (workload,
   cell) it would measure: the same executable and argv (spawned, never forked, so nothing of
   this process - CUDA context, threads, heap - is shared), with BATCHTUNE_ISOLATE in the
   environment naming the sweep (a fingerprint of its grid, workloads, stop rule, settings and
   device), the workload and the cell. In the child, bt_sweep_run sees the variable, runs that
   one cell (setup, warm-up, samples, teardown) exactly as in-process, writes the row and its
   samples to its stdout in a tagged block, and exits with status 0 without returning. The
   parent records the row as it would have in-process (the same columns, samples and cell_s,
   which does not count the process start). When the child does not report (cell_s is then
   the child's wall time):
     killed by a signal (segfault, abort...)  -> "error", reason "isolated cell killed by signal
                                                 11 (SIGSEGV)" plus the child's last stderr line
     still running after isolate_timeout_s    -> killed with its process group, "timeout"
     exited without a result                  -> "error" naming the exit status
   A sticky CUDA error stays in the child: its row is "error" with the CUDA message and the
   next cell starts in a clean process (no restart guard needed). The sweep always goes on.
   The contract (like gtest's death tests): the program must reach bt_sweep_run again in the
   child with the same grid, workloads and desc, and the isolated sweep must be the first
   bt_sweep_run it reaches there; everything the program does before that call runs once per
   cell (bt_sweep_isolated_child tells it where it is, to skip what a cell does not need).
   The child's stdout and stderr are captured (16 MiB each; a cell that prints more loses its
   result), not shown. On Windows a crash is an exit code ("exited with code 0xC0000005
   (access violation)"). Only exhaustive sweeps (adaptive search keeps state across visits:
   BT_E_UNSUPPORTED). Built for Linux, macOS and Windows (give argv off Linux); run and tested
   on Linux only so far. Cost: about 0.9 ms per cell on Linux for a small C program (2-core
   VM; bench/isolate/run.sh, bench/results/reliability.md) plus whatever the program does
   before bt_sweep_run, so it suits cells of 0.1 s and more, not of microseconds. A program
   with several isolated sweeps (a test suite) dispatches in main: when
   bt_sweep_isolated_child() is 1 it goes straight to the sweep its own variable names. */
BATCHTUNE_API bt_sweep_desc bt_sweep_desc_defaults(const bt_sweep_desc *d);
/* 1 in the child process of an isolated cell (BATCHTUNE_ISOLATE is set), else 0. */
BATCHTUNE_API int bt_sweep_isolated_child(void);

typedef struct bt_results bt_results;

/* Runs every workload over every cell (of the shard). Never stops at a failing cell: each
   (workload, cell) gets a status. Each finished row is appended and flushed to disk before
   the next starts; samples go to the samples file. *out receives all rows (old and new).
   Returns BT_OK, or an error for bad arguments or files (mismatch on resume, I/O); the
   detail is in *out's error (bt_results_error) when *out is set, else printed to stderr. */
BATCHTUNE_API bt_status bt_sweep_run(const bt_grid *g, const bt_workload *w, int nw,
                                     const bt_sweep_desc *d, bt_results **out);

/* ============================================================================================
   6. Results: tidy CSV (one row per workload x cell), samples file, read back exactly
   Columns: workload, device, <axes...>, status, reason, samples, noisy, <metrics...>.
   Empty field = not available. A later row for the same (workload, axis values) supersedes
   an earlier one. Samples file: workload, <axes...>, sample, <sample metrics...>; a block
   starting again at sample 0 for a cell replaces its earlier samples.
   Zero reads: a sample whose e2e_s is 0 or less (a clock delta under the timer's resolution)
   is kept in the samples file and counted in `samples`, but it is not a time: the row's e2e_s
   statistics, the stop rule's noise judgement, the adaptive search, replay and the ranking's
   bootstrap leave it out, and an ok row's reason says "K of N samples read 0 s (below the
   timer's resolution); left out". A cell whose every sample read 0 s is recorded "error"
   ("every one of its N samples read 0 s ..."), and bt_rank does not rank a time of 0 s.
   ========================================================================================== */
typedef struct bt_row {
    char *workload;
    char *device;
    char **axis;                   /* value text per axis */
    bt_cell_status status;
    char *reason;
    int samples;
    int noisy;
    double *m;                     /* one per metric column; NAN = empty */
    double *samp;                  /* nsample x nsamplecols, or NULL */
    int nsample;
} bt_row;

typedef struct bt_read_opts {
    const char *const *axes;       /* foreign CSV without a status column: the axis columns */
    int naxes;                     /* (default: every column that is not a number metric...) */
    const char *objective;         /* ...and not this column */
    int no_samples;                /* 1: do not load the samples file beside it */
} bt_read_opts;

BATCHTUNE_API bt_results *bt_results_create(int naxes, const char *const *axes,
                                            int nmetrics, const char *const *metrics);
BATCHTUNE_API void bt_results_free(bt_results *r);
BATCHTUNE_API const char *bt_results_error(const bt_results *r);
/* Warnings from reading (a torn last line dropped, ...); "" when none. */
BATCHTUNE_API const char *bt_results_warning(const bt_results *r);
BATCHTUNE_API int bt_results_num_axes(const bt_results *r);
BATCHTUNE_API const char *bt_results_axis(const bt_results *r, int i);
BATCHTUNE_API int bt_results_num_metrics(const bt_results *r);
BATCHTUNE_API const char *bt_results_metric(const bt_results *r, int i);
BATCHTUNE_API int bt_results_metric_index(const bt_results *r, const char *name); /* -1 */
/* Direction of a metric column: BT_LOWER_IS_BETTER, BT_HIGHER_IS_BETTER, or 0 when unknown
   (then bt_rank guesses from the name). A sweep sets them from the workloads' metric defs. */
BATCHTUNE_API int bt_results_direction(const bt_results *r, int metric);
BATCHTUNE_API bt_status bt_results_set_direction(bt_results *r, int metric, int direction);
BATCHTUNE_API size_t bt_results_num_rows(const bt_results *r);
BATCHTUNE_API const bt_row *bt_results_row(const bt_results *r, size_t i);
BATCHTUNE_API int bt_results_num_sample_cols(const bt_results *r);
BATCHTUNE_API const char *bt_results_sample_col(const bt_results *r, int i);
/* Finds the row of (workload, axis values); NULL if none. */
BATCHTUNE_API const bt_row *bt_results_find(const bt_results *r, const char *workload,
                                            const char *const *axis_values);
/* Adds (or supersedes) a row; copies everything. m has one value per metric column. */
BATCHTUNE_API bt_status bt_results_add(bt_results *r, const char *workload, const char *device,
                                       const char *const *axis_values, bt_cell_status st,
                                       const char *reason, int samples, int noisy,
                                       const double *m);

/* Whole-file write (atomic: temporary file then rename) and read. Reading reports the line
   of any corrupt row; a torn last line (no newline) is dropped with a warning in *warn
   (may be NULL). The samples file beside a results file is read too when present. */
BATCHTUNE_API bt_status bt_results_write_csv(const bt_results *r, const char *path);
BATCHTUNE_API bt_status bt_results_read_csv(const char *path, const bt_read_opts *o,
                                            bt_results **out, char *err, size_t err_len);
/* The same parser on text in memory (name is used in messages). No samples file. */
BATCHTUNE_API bt_status bt_results_parse_csv(const char *data, size_t len, const char *name,
                                             const bt_read_opts *o, bt_results **out,
                                             char *err, size_t err_len);
/* "<stem>.samples.csv" / "<stem>.json" next to a results path. */
BATCHTUNE_API void bt_companion_path(const char *results_path, const char *suffix, char *buf, size_t n);

/* ============================================================================================
   7. Ranking: per-workload best, regret, mean/max regret, top-N counts, recommendation,
   probability of being best (bootstrap over samples), statistical ties, limits.
   regret(c, w) = (T(c,w) - T*(w)) / T*(w)  (lower is better; mirrored for higher)
   ========================================================================================== */
enum { BT_LOWER_IS_BETTER = 1, BT_HIGHER_IS_BETTER = 2 };

typedef struct bt_rank_desc {
    const char *objective;         /* results column; default "e2e_s_median" */
    int direction;                 /* 0 = guess from the name (…per_s, …util…, busy… higher) */
    int top_n;                     /* default 3 */
    const char *const *limits;     /* "p99_s<=0.05", "items_per_s>=1000" (a column op value) */
    int num_limits;
    int bootstrap;                 /* resamples for P(best) (default 1000; -1 = off) */
    uint64_t seed;                 /* default 1 */
    double tie_level;              /* a cell is tied with the pick when it beats the pick in at
                                      least this fraction of resamples (default 0.05) */
} bt_rank_desc;

typedef struct bt_rank_entry {
    char *label;                   /* "batch=128 workers=12" */
    char **axis;                   /* values, one per axis */
    double mean_regret, max_regret;/* over the workloads where it is ok */
    int n_ok;                      /* workloads where the cell is ok and within limits */
    int topn_count;
    int eligible;                  /* ok and within limits on every workload */
    char *why;                     /* why not eligible ("oom on resnet152") or NULL */
    double p_best;                 /* bootstrap probability of being the pick; NAN if off */
    int tied;                      /* statistically tied with the pick */
} bt_rank_entry;

typedef struct bt_ranking {
    char *objective;
    int direction;
    int top_n;
    int naxes; char **axes;
    int nworkloads; char **workloads;
    double *best;                  /* per workload: T*(w) (NAN when no ok cell) */
    int *best_entry;               /* per workload: entry index of its best cell */
    int nentries;
    bt_rank_entry *entries;        /* eligible first, by mean regret; then the rest */
    int pick;                      /* index in entries, or -1 when nothing is eligible */
    int bootstrap_used;            /* resamples actually done (0 when no samples) */
    double *value;                 /* nentries x nworkloads objective values (NAN: not ok) */
    double *regret;                /* nentries x nworkloads regrets */
    char message[512];             /* the recommendation as one sentence, or why none */
} bt_ranking;

BATCHTUNE_API bt_status bt_rank(const bt_results *r, const bt_rank_desc *d, bt_ranking *out);
BATCHTUNE_API void bt_ranking_free(bt_ranking *rk);
/* Regret of an entry on workload w (NAN if not ok there). */
BATCHTUNE_API double bt_ranking_regret(const bt_ranking *rk, int entry, int w);
/* Objective value of an entry on workload w (NAN if not ok or outside a limit there). */
BATCHTUNE_API double bt_ranking_value(const bt_ranking *rk, int entry, int w);

/* ============================================================================================
   8. Reports
   ========================================================================================== */
/* The study's printout: top-N counts, mean-regret ranking (fraction and %), the
   recommendation, P(best), ties, and why cells were excluded. */
BATCHTUNE_API void bt_print_ranking(const bt_ranking *rk, FILE *f);
/* The ranking as CSV (rank,cell axes...,mean_regret,mean_regret_pct,max_regret,topn_count,
   eligible,p_best,tied,why) or JSON. */
BATCHTUNE_API void bt_write_ranking_csv(const bt_ranking *rk, FILE *f);
BATCHTUNE_API void bt_write_ranking_json(const bt_ranking *rk, FILE *f);
/* Markdown table of the results (axes, status, objective, items/s, noise, samples). */
BATCHTUNE_API void bt_write_markdown(const bt_results *r, const char *metric, FILE *f);

enum { BT_HEATMAP_AUTO = 0, BT_HEATMAP_COLOR = 1, BT_HEATMAP_PLAIN = 2 };
/* Heatmap of `metric` over two axes (x across, y down) for one workload (NULL: each
   workload in turn). Non-ok cells are marked OOM / ERR / TIME / n/a (infeasible) / PRUN /
   ---- (not run). AUTO: colors when f is a terminal. Returns BT_E_NOT_FOUND for a bad name. */
BATCHTUNE_API bt_status bt_print_heatmap(const bt_results *r, const char *workload,
                                         const char *xaxis, const char *yaxis,
                                         const char *metric, FILE *f, int mode);

/* Run metadata (host, CPU, affinity, device, version, date, settings, fingerprint). */
typedef struct bt_run_meta {
    char host[128];
    char cpu_model[128];
    int cpus_online, cpus_allowed;
    char device[256];
    char date_utc[32];
    char version[16];
    char settings[1024];
    char fingerprint[24];          /* hex FNV-1a of axes, workloads, settings, device */
    int shard_k, shard_n;          /* the shard this run covered (n = 0: the whole grid) */
    long long pairs_planned;       /* (workload, cell) pairs it was to record; a results file
                                      with fewer rows was cut short (-1: not known) */
} bt_run_meta;
BATCHTUNE_API void bt_run_meta_collect(bt_run_meta *m, const char *device, const char *settings);
/* JSON: {"meta":{...},"status_counts":{...},"rows":[...],"ranking":{...}} (ranking may be NULL).
   Written atomically. */
BATCHTUNE_API bt_status bt_write_json(const bt_results *r, const bt_run_meta *m,
                                      const bt_ranking *rk, const char *path);
/* The metadata of the sweep that made r (NULL for results read from a file). */
BATCHTUNE_API const bt_run_meta *bt_results_meta(const bt_results *r);

/* ============================================================================================
   9. CPU reference workload: a small batched model (stack of matrix multiplies + bias +
   ReLU) whose per-item cost depends on the batch size through the cache. Axes: batch and
   threads (the thread pool is created in setup and joined in teardown of each cell).
   ========================================================================================== */
typedef struct bt_cpu_model {
    int layers;                    /* default 8 */
    int width;                     /* default 1024 (weights: layers*width*width floats = 32 MiB,
                                      more than most L2/L3 slices: batch 1 streams them per item) */
    int items;                     /* items per sample (default 256) */
    bt_axis batch_axis;            /* required */
    bt_axis threads_axis;          /* < 0: one thread */
    uint64_t seed;
    /* private: */
    float *w, *b;
    double checksum;               /* sum of the last outputs (keeps the work observable) */
} bt_cpu_model;

/* Fills a workload that runs the model. m must outlive the sweep. */
BATCHTUNE_API bt_status bt_cpu_model_init(bt_cpu_model *m, bt_workload *w, const char *name);
BATCHTUNE_API void bt_cpu_model_free(bt_cpu_model *m);

/* --------------------------------------------------------------------------------------------
   9b. Any program as a workload: runs a command once per sample, the cell's values put into
   its arguments, timed as a whole process.
   The template is split into arguments first (whitespace; '…' and "…" quote), then each
   {axis} inside an argument is replaced by the cell's value: values never pass through a
   shell, so they cannot inject commands. Output lines "batchtune: items=9216 first_batch_s=0.41"
   or a JSON object line {"items": 9216, ...} report metrics (items, first_batch_s, load_wait_s,
   h2d_s, compute_s, d2h_s, peak_mem_bytes, and declared custom metrics). A non-zero exit is
   "error" with the last stderr line; a match of an OOM pattern in stderr (or the OOM exit code)
   is "oom"; a run past timeout_s is killed (its whole process group) and is "timeout".
   Processes are spawned (posix_spawnp), never forked from this process' threads or CUDA.
   -------------------------------------------------------------------------------------------- */
typedef struct bt_cmd_workload {
    const char *name;              /* workload name (default "cmd") */
    const char *cmd;               /* template, e.g. "python infer.py --bs {batch} --workers {workers}" */
    double timeout_s;              /* per run (default 600) */
    const char *const *oom_patterns; /* case-insensitive substrings of stderr (default: "out of
                                      memory", "OutOfMemoryError", "std::bad_alloc",
                                      "CUDA_ERROR_OUT_OF_MEMORY") */
    int num_oom_patterns;
    int oom_exit_code;             /* exit code that means OOM (0 = none) */
    const bt_metric_def *metrics;  /* custom metrics the program prints */
    int num_metrics;
    /* private: */
    char **argv_tmpl;
    int argc;
    const bt_grid *grid;
    int slot[BT_MAX_AXES];
} bt_cmd_workload;

/* Checks the template against the grid (an unknown {name} is an error naming it) and fills
   w. c must outlive the sweep. Thread safety: one sweep at a time per bt_cmd_workload. */
BATCHTUNE_API bt_status bt_cmd_workload_init(bt_cmd_workload *c, const bt_grid *g, bt_workload *w,
                                             char *err, size_t err_len);
BATCHTUNE_API void bt_cmd_workload_free(bt_cmd_workload *c);
/* Splits a template into arguments and substitutes a cell's values (exposed for tests).
   Returns a NULL-terminated argv to free with bt_cmd_argv_free. */
BATCHTUNE_API char **bt_cmd_expand(const bt_cmd_workload *c, const bt_cell *cell);
BATCHTUNE_API void bt_cmd_argv_free(char **argv);
/* Parses one output line for metrics: returns how many key/value pairs it set. */
BATCHTUNE_API int bt_cmd_parse_line(const bt_cmd_workload *c, const char *line, bt_sample *s);

/* ============================================================================================
   11. Loader (declarations)
   Worker threads turn a source into batches:  read -> decode -> resize shorter side to S ->
   center crop C -> normalize -> layout, written straight into batch buffers that come from
   a bounded ring (depth batches). The items of one batch are shared among the workers, so
   the first batch arrives sooner with more workers. Batches come out in order.

   Threads: bt_loader_create starts desc.workers threads; they belong to the loader and are
   joined by bt_loader_destroy (which may be called mid-epoch: workers finish the item in
   hand and stop). All bt_loader_* calls on one loader come from one thread (the consumer).

   Transform: the same arithmetic as torchvision Resize(S) + CenterCrop(C) on PIL images
   (PIL's antialiased bilinear: a triangle filter whose support grows with the downscale
   factor), computed only for the pixels the crop keeps. Output sizes follow torchvision:
   the shorter side becomes S, the longer int(S * long / short); the crop offset is
   round((size - C) / 2) with ties to even. Measured against torchvision: mean absolute
   difference < 0.2/255, max 2/255 (tests/test_loader.c checks <= 2/255 on real photos; part
   of it is stb_image vs libjpeg decoding). The resize runs in fixed point with AVX2 when the
   CPU has AVX2+FMA (GCC/clang, x86-64, chosen at run time: Q16 vertical weights into 16-bit
   rows, Q15 horizontal taps, one conversion at the end; within 0.07/255 of the float path,
   mean 0.003/255 on photos, NHWC bytes at most 1 apart), else in floats with SSE2, else
   portable C; define BATCHTUNE_NO_AVX2 or BATCHTUNE_NO_SIMD to turn those off. The first
   batches' fresh buffers are faulted in ahead, one call per item (Linux 5.14+).
   ========================================================================================== */

/* Decoder hook. decode() turns the file bytes into 8-bit RGB (w*h*3 bytes, rows top to
   bottom) that release() frees. info() (optional) reads the size without decoding, so size
   limits are checked before any pixel memory is taken. Called from several workers at once:
   must be thread safe. Return BT_OK, or BT_E_DECODE / BT_E_UNSUPPORTED with a message. */
typedef struct bt_decoder {
    bt_status (*info)(void *user, const unsigned char *data, size_t n, int *w, int *h);
    bt_status (*decode)(void *user, const unsigned char *data, size_t n, int *w, int *h,
                        unsigned char **rgb, char *err, size_t err_len);
    void (*release)(void *user, unsigned char *rgb);
    void *user;
} bt_decoder;

/* The default decoder: stb_image (JPEG, PNG, BMP, TGA, GIF, PSD, HDR, PIC, PNM) when the
   implementation was compiled with BATCHTUNE_STB_IMPLEMENTATION or BATCHTUNE_USE_STB;
   otherwise one whose decode() returns BT_E_UNSUPPORTED and says which macro to define. */
BATCHTUNE_API bt_decoder bt_decoder_default(void);

typedef enum bt_layout {
    BT_LAYOUT_NCHW_F32 = 0,        /* float planes R, G, B per item, normalized */
    BT_LAYOUT_NHWC_U8 = 1          /* bytes R G B per pixel (normalize on the device) */
} bt_layout;

typedef enum bt_bad_policy {
    BT_BAD_SKIP = 0,               /* leave the item out, count it, remember its name */
    BT_BAD_FAIL = 1                /* bt_loader_next returns the error, naming the file */
} bt_bad_policy;

typedef enum bt_source_kind {
    BT_SOURCE_IMAGES = 0,          /* image files: a folder (dir) or a list (paths) */
    BT_SOURCE_RECORDS = 1,         /* a file of fixed-size records (pread) */
    BT_SOURCE_SYNTHETIC = 2        /* generated images (tests, overhead measurements) */
} bt_source_kind;

/* Record files written by bt_pack: a 64-byte header (magic "BTREC01\n", then little-endian
   u32 header_bytes=64, u32 version=1, u64 count, u64 record_bytes, u32 height, u32 width,
   u32 channels=3, u32 dtype=0 (u8), zero padding) followed by count records of
   height*width*3 bytes (HWC, RGB), already resized and cropped. A file without this header
   is read as raw records of desc.record_bytes each, copied into the batch unchanged. */
#define BT_RECORD_MAGIC "BTREC01\n"
#define BT_RECORD_HEADER_BYTES 64

/* Allocator for batch buffers (e.g. pinned host memory from the GPU side). alloc returns
   memory for `bytes` (aligned to at least 64 bytes is best) or NULL. */
typedef struct bt_buffer_allocator {
    void *(*alloc)(void *user, size_t bytes);
    void (*release)(void *user, void *p, size_t bytes);
    void *user;
} bt_buffer_allocator;

typedef struct bt_loader_desc {
    bt_source_kind source;
    const char *dir;               /* images: every regular file of this folder (not
                                      recursive, names not starting with '.'), sorted */
    const char *const *paths;      /* images: or this list of files (dir NULL) */
    size_t num_paths;
    const char *records_path;      /* records: the file */
    size_t record_bytes;           /* records: size of a raw record (headerless files) */
    size_t synthetic_items;        /* synthetic: number of items (default 1024) */
    int synthetic_width, synthetic_height; /* synthetic: image size (default 320 x 240) */
    double synthetic_item_s;       /* synthetic: extra latency per item, slept (default 0) */

    int batch;                     /* items per batch (default 64) */
    int workers;                   /* threads (default 2) */
    int depth;                     /* batches in the ring (default 3; at least 2) */
    int epochs;                    /* passes over the source (default 1) */
    int drop_last;                 /* 1: drop each epoch's last partial batch */
    int shuffle;                   /* 1: seeded shuffle, a different order each epoch */
    uint64_t seed;                 /* shuffle seed (default 1) */

    int resize;                    /* shorter side (default 256; -1: no resize) */
    int crop;                      /* center crop, square (default 224) */
    bt_layout layout;              /* default NCHW float32 */
    float mean[3], std[3];         /* default ImageNet's (all zero = default) */
    int no_normalize;              /* 1: NCHW values are just pixel/255 */

    bt_bad_policy bad_policy;      /* default skip */
    int max_side;                  /* larger width or height is bad (default 16384) */
    int64_t max_pixels;            /* more pixels is bad (default 100 000 000) */
    int64_t max_file_bytes;        /* larger files are bad (default 256 MiB) */

    int cold;                      /* 1: evict each file from the page cache before it is
                                      read (posix_fadvise DONTNEED at creation and after
                                      every read), so each pass reads from the disk. Linux
                                      only: elsewhere (Windows, macOS) bt_loader_create
                                      fails with BT_E_UNSUPPORTED ("page-cache eviction
                                      (cold) is not supported on this platform") */
    int pin_workers;               /* 1: pin worker i to the i-th allowed CPU (Linux,
                                      Windows); where threads cannot be pinned (macOS) the
                                      workers run unpinned, without an error */
    bt_decoder decoder;            /* decode NULL: bt_decoder_default() */
    bt_buffer_allocator allocator; /* alloc NULL: 64-byte aligned host memory */
} bt_loader_desc;

/* The desc with every default filled in (what will run). */
BATCHTUNE_API bt_loader_desc bt_loader_desc_defaults(const bt_loader_desc *d);

/* One batch in hand. data holds `items` items of item_bytes each, back to back, all
   complete (bad items are left out, never half written). Valid until the next
   bt_loader_next or bt_loader_release. */
typedef struct bt_batch {
    void *data;
    int items;                     /* items in this batch (0: the loader is finished) */
    int skipped;                   /* bad items left out of this batch */
    size_t item_bytes;
    int64_t index;                 /* batch number from 0, over all epochs */
    int epoch;
    const int64_t *source_index;   /* per item: its index in the source (file order) */
    int height, width, channels;   /* item shape (for raw records: 1 x record_bytes x 1) */
    bt_layout layout;
    double wait_s;                 /* how long bt_loader_next waited for this batch */
} bt_batch;

typedef struct bt_loader bt_loader;

/* Creates the loader and starts its workers (the first-batch clock starts here). On error
   returns NULL status in *st and a message in err (names the folder or file). */
BATCHTUNE_API bt_loader *bt_loader_create(const bt_loader_desc *d, bt_status *st, char *err,
                                          size_t err_len);
/* Next batch in order (releasing the previous one). BT_OK with items == 0 at the end.
   Under BT_BAD_FAIL a bad item makes this return its error (BT_E_IO, BT_E_DECODE, ...) for
   the batch that holds it and every later call; bt_loader_error names the file. Batches
   before it are delivered normally. */
BATCHTUNE_API bt_status bt_loader_next(bt_loader *L, bt_batch *out);
/* Gives the batch's buffer back to the ring early (optional). */
BATCHTUNE_API void bt_loader_release(bt_loader *L, bt_batch *b);
/* Stops the workers (mid-epoch is fine), joins them, frees everything. NULL is ok. */
BATCHTUNE_API void bt_loader_destroy(bt_loader *L);
BATCHTUNE_API const char *bt_loader_error(const bt_loader *L);
/* Items in the source, and batches the loader will deliver (all epochs). */
BATCHTUNE_API size_t bt_loader_num_items(const bt_loader *L);
BATCHTUNE_API int64_t bt_loader_num_batches(const bt_loader *L);
/* Name (path) of source item i ("synthetic:17", "records.bin#17"). */
BATCHTUNE_API const char *bt_loader_item_name(const bt_loader *L, size_t i, char *buf, size_t n);

typedef struct bt_loader_worker_stats {
    double read_s, decode_s, transform_s; /* time in each step */
    double idle_s;                 /* waiting for ring space */
    int64_t items, bad_items;
} bt_loader_worker_stats;

#define BT_LOADER_MAX_WORKERS 256
typedef struct bt_loader_stats {
    double first_batch_s;          /* creation -> first batch in hand (NAN before) */
    double elapsed_s;              /* creation -> last batch in hand so far */
    double wait_s_total, wait_s_median, wait_s_max; /* per batch, in bt_loader_next */
    int64_t batches, items, bad_items;
    double items_per_s;            /* items / elapsed_s */
    int workers;
    bt_loader_worker_stats worker[BT_LOADER_MAX_WORKERS];
} bt_loader_stats;

/* Figures so far (callable at any time from the consumer thread). */
BATCHTUNE_API void bt_loader_get_stats(const bt_loader *L, bt_loader_stats *out);
/* Bad items seen so far: count, and the i-th name and reason. */
BATCHTUNE_API size_t bt_loader_num_bad(const bt_loader *L);
BATCHTUNE_API const char *bt_loader_bad_name(const bt_loader *L, size_t i);
BATCHTUNE_API const char *bt_loader_bad_reason(const bt_loader *L, size_t i);
/* Puts first_batch_s and load_wait_s into a sweep sample's phases. */
BATCHTUNE_API void bt_loader_fill_sample(const bt_loader *L, bt_sample *s);

/* Packs an image source (d: source, transform and policy; layout is forced to NHWC u8)
   into a record file at out_path (written to a temporary name, then renamed). Bad images
   are skipped and counted (bad_policy skip) or stop the pack (fail). *written and *bad
   may be NULL. */
BATCHTUNE_API bt_status bt_pack(const bt_loader_desc *d, const char *out_path,
                                int64_t *written, int64_t *bad, char *err, size_t err_len);

/* ============================================================================================
   11b. Inference pipeline workload: loader(batch, workers) -> model step on each batch, timed
   end to end from the loader's creation (so worker start-up and the first batch count) to the
   last batch's result — the image-model study's measurement. Phases per sample: first_batch_s,
   load_wait_s (time the model waited for batches), compute_s. The model step is yours
   (compute callback: upload + run + sync on a GPU) or a built-in CPU head: 8x8 average pooling,
   then fully connected layers in->hidden->hidden->classes with ReLU (3x28x28 -> 256 -> 256 -> 10
   for 224 crops: 2.4 MB of first-layer weights, so batch size changes its cost per item). It reads NCHW float32
   batches, NHWC uint8 batches and record files (HWC uint8) alike. The loader's threads belong
   to the loader, created and joined inside each sample.
   A compute callback that keeps state per cell (device buffers) or runs asynchronously sets the
   optional hooks: compute_setup once per cell with the cell's batch size (status rules of
   bt_workload's setup: BT_E_OOM_DEVICE / BT_E_NOMEM -> "oom"), compute_finish after the last
   batch of every sample, inside the timed sample (wait for the device there; it may overwrite
   s->phase_s, e.g. h2d_s and compute_s from device events), compute_teardown after the cell.
   The GPU compute step of batchtune_cuda.cu (bt_cuda_pipeline_head_init) fills all of them.
   ========================================================================================== */
typedef struct bt_pipeline {
    bt_loader_desc loader;         /* source, transform, policy; batch and workers: the cell's */
    bt_axis batch_axis;            /* required */
    bt_axis workers_axis;          /* < 0: loader.workers */
    bt_status (*compute)(void *user, const bt_batch *b, bt_sample *s); /* NULL: CPU head */
    void *compute_user;
    bt_status (*compute_setup)(void *user, int batch, bt_sample *s);   /* optional, per cell */
    bt_status (*compute_finish)(void *user, bt_sample *s);             /* optional, per sample */
    void (*compute_teardown)(void *user);                              /* optional, per cell */
    int hidden;                    /* head: hidden width (default 256) */
    int classes;                   /* head: outputs (default 10) */
    /* private: */
    float *w1, *w2, *w3, *act;
    int in_features, act_rows, last_rows;
    double checksum;
} bt_pipeline;
/* Fills a workload that runs the pipeline. p must outlive the sweep. */
BATCHTUNE_API bt_status bt_pipeline_init(bt_pipeline *p, bt_workload *w, const char *name);
BATCHTUNE_API void bt_pipeline_free(bt_pipeline *p);
/* The head's weights for `in` input features (3 x H/8 x W/8): w1 [in x hidden], w2 [hidden x
   hidden], w3 [hidden x classes], row major, seeded and deterministic — the same numbers for the
   CPU head and the GPU compute step, so their outputs can be compared. */
BATCHTUNE_API void bt_pipeline_head_weights(int in, int hidden, int classes, float *w1, float *w2, float *w3);
/* Outputs (rows x classes, row major) of the built-in CPU head for the last batch it computed;
   NULL (rows 0) before any. Valid until the next sample or bt_pipeline_free. */
BATCHTUNE_API const float *bt_pipeline_head_output(const bt_pipeline *p, int *rows);

/* ============================================================================================
   12. Recompute model for windowed verification (declarations)

   Decode–verify–rollback. A fast path produces tokens; every W tokens the window is re-run on a
   reference path, B requests verified together in one pass. At the first position where the
   two disagree the reference token is kept, every fast token after it in the window is thrown
   away, and the next window starts right after the corrected token.
       recompute % = 100 * tokens thrown away / tokens kept     (kept includes corrected ones)

   THE MODEL. Each fast token, given that its window agreed so far, is the first divergence with
   probability p, independently of the others (q = 1 - p). K, the position of the first
   divergence, has P(K > j) = q^j. A window of m fast tokens keeps min(K, m) and throws away
   m - min(K, m), so
       E[kept] = sum_{j=0}^{m-1} q^j = (1 - q^m) / p,      E[thrown] = m - (1 - q^m) / p.
   Unbounded requests: every window is full and windows are independent renewals, so
       R(W) = E[thrown] / E[kept] = p W / (1 - q^W) - 1.
   Small pW: 1 - q^W = pW (1 - (W-1)p/2 + O(p^2 W^2)) gives R ~ (W-1) p / 2 ~ pW/2 (doubles with
   W); large pW: R ~ pW - 1.  Example: p = 0.01, W = 16: R = 0.16 / (1 - 0.99^16) - 1 = 0.077135.
   Finite requests (a request's last window is cut at its end): let D(n) be the expected number
   of tokens thrown away while n tokens remain to be kept. D(0) = 0 and, with m = min(W, n),
       D(n) = m - (1 - q^m)/p + sum_{k=1}^{m} p q^(k-1) D(n-k) + q^m D(n-m),
   computed for every n <= Lmax in O(Lmax) time with a running sum. A request of length L keeps
   exactly L tokens, so for lengths with distribution P(L) the ratio of totals (what a
   measurement over many requests sees) is
       R = sum_L P(L) D(L) / sum_L P(L) L.
   Once W passes most lengths a single window covers a request and R levels off at
   E[L - min(K, L)] / E[L]. Geometric lengths (P(L = l) = r s^(l-1), s = 1 - r, mean 1/r) are
   memoryless, which gives the closed form
       R = [(1 - s^W)/(1 - s)] / [(1 - (qs)^W)/(1 - qs)] - 1.
   Verify passes: the expected number of windows N(n) follows the same recursion with 1 in
   place of the first term; windows per kept token = E[N(L)] / E[L] (= p / (1 - q^W) when
   unbounded). With B requests per pass (continuous batching: a finished request's slot is
   refilled at the next window), passes per kept token = windows per kept token / B.
   Log-normal lengths are rounded to the nearest integer (>= 1); the tail beyond Lmax (chosen
   past the 0.9987 quantile, >= 32 W, at most max(64 W, 4096)) is added with D's linear
   asymptote.

   TIME PER KEPT TOKEN. With a fast-path time per generated token t_f(W,B) and a verify-pass
   time t_v(W,B): T = t_f (1 + R) + t_v * windows_per_kept / B. The choice is the (W, B) with
   B * W <= cap that minimizes T.
   ========================================================================================== */

/* Request lengths (in kept tokens). Zero = unbounded. */
typedef enum bt_rc_len_kind {
    BT_RC_UNBOUNDED = 0,
    BT_RC_FIXED,                   /* every request has length `param` (non-integers: mix of
                                      the two neighbours, so the model is continuous) */
    BT_RC_GEOMETRIC,               /* geometric on 1, 2, ... with mean `param` (>= 1) */
    BT_RC_LOGNORMAL,               /* exp(N(log(param), sigma^2)) rounded, >= 1: param is the
                                      median, sigma defaults to 1 */
    BT_RC_HISTOGRAM                /* hist[L] = weight of length L, L = 1 .. hist_len-1 */
} bt_rc_len_kind;

typedef struct bt_rc_lengths {
    bt_rc_len_kind kind;
    double param;
    double sigma;
    const double *hist;            /* not copied: must outlive the users of this struct */
    size_t hist_len;
} bt_rc_lengths;

/* Parses "unbounded", "fixed:200", "geometric:150", "lognormal:128:0.8". The parameter may
   be left out ("geometric", "lognormal::0.8"): then *has_param is 0 (param is a start value)
   and a fit estimates it. Errors name the spec. */
BATCHTUNE_API bt_status bt_rc_lengths_parse(const char *spec, bt_rc_lengths *out, int *has_param,
                                            char *err, size_t err_len);
/* "lognormal(median=128, sigma=1)" */
BATCHTUNE_API size_t bt_rc_lengths_format(const bt_rc_lengths *l, char *buf, size_t n);

/* The model's expectations for one window size. */
typedef struct bt_rc_expect {
    double ratio;                  /* thrown away / kept (R) */
    double pct;                    /* 100 * ratio */
    double windows_per_kept;       /* verify windows per kept token */
    double mean_length;            /* E[L] (INFINITY when unbounded) */
} bt_rc_expect;

/* R for unbounded requests: p W / (1 - (1-p)^W) - 1. NAN for p outside [0, 1) or W < 1. */
BATCHTUNE_API double bt_rc_ratio_unbounded(double p, int window);
/* Exact expectations for lengths `len` (NULL or zero = unbounded). BT_E_INVALID names the bad
   input in err (may be NULL); BT_E_NOMEM for a histogram too long to hold. Thread safe. */
BATCHTUNE_API bt_status bt_rc_expected(double p, int window, const bt_rc_lengths *len,
                                       bt_rc_expect *out, char *err, size_t err_len);
/* Shorthand: 100 * R, NAN on bad input. */
BATCHTUNE_API double bt_rc_pct(double p, int window, const bt_rc_lengths *len);

/* Seeded Monte Carlo decode–verify–rollback: `batch` slots (continuous batching), each window
   runs min(W, remaining) fast tokens, the first divergence is drawn with probability p per
   token. Requests (finite lengths) or windows (unbounded) are the units of the confidence
   interval (delta method for a ratio of totals). */
typedef struct bt_rc_sim_desc {
    double p;
    int window;
    int batch;                     /* default 1 */
    bt_rc_lengths lengths;         /* zero = unbounded */
    long units;                    /* requests (finite) or windows (unbounded); default 20000 */
    uint64_t seed;                 /* default 1 */
} bt_rc_sim_desc;

typedef struct bt_rc_sim_result {
    double kept, discarded, divergences, windows, passes;
    long units;
    double ratio, ratio_lo, ratio_hi;  /* estimate and its 95 % confidence interval */
    double pct, pct_lo, pct_hi;        /* the same in percent */
} bt_rc_sim_result;

BATCHTUNE_API bt_status bt_rc_simulate(const bt_rc_sim_desc *d, bt_rc_sim_result *out);

/* One measured (or simulated) cell. */
typedef struct bt_rc_cell {
    int batch, window;
    double pct;                    /* recompute % */
} bt_rc_cell;

/* Reads batch,window,recompute_pct from a CSV with a header (any column order, extra columns
   ignored; rows whose recompute_pct is empty, or whose status column is not "ok", are
   skipped). *cells is allocated (free with free() / BATCHTUNE_FREE). Errors name the file and
   line: "cells.csv:7: window 'abc' is not a positive integer". */
BATCHTUNE_API bt_status bt_rc_read_csv(const char *path, bt_rc_cell **cells, size_t *n,
                                       char *err, size_t err_len);

/* Least squares in percentage points over the cells. */
typedef struct bt_rc_fit_desc {
    bt_rc_lengths lengths;         /* length model; zero = unbounded */
    int fit_length;                /* 1: also estimate lengths.param (FIXED length, GEOMETRIC
                                      mean, LOGNORMAL median) */
    int no_loo;                    /* 1: skip leave-one-out */
} bt_rc_fit_desc;

typedef struct bt_rc_fit {
    double p;                      /* common first-divergence probability */
    bt_rc_lengths lengths;         /* with the fitted param when fit_length */
    int fitted_length;
    size_t n;
    bt_rc_cell *cells;             /* copy of the input */
    double *pred, *resid;          /* per cell, pp (resid = measured - predicted) */
    double *loo_pred;              /* per cell: prediction of a fit without it (NAN: skipped) */
    double rmse_pp, loo_rmse_pp, max_abs_resid_pp;
    /* Does p depend on B? p refit per batch value (length parameter held), F test of the
       per-batch model against the common one, both fitted to relative residuals
       (measured/model - 1). */
    int nbatch;
    int *batch_values;
    double *p_by_batch;            /* least squares in pp within each batch */
    int *cells_by_batch;
    double rss_common, rss_by_batch, f_stat, f_pvalue;  /* on relative residuals (a cell's
                                      noise grows with its value); NAN when not testable */
    int batch_dependent;           /* 1 when f_pvalue < 0.05 */
    double rmse_by_batch_pp;       /* RMSE (pp) of the model with each batch's own p */
    double loo_by_batch_pp;        /* its leave-one-out RMSE over the cells whose batch has
                                      >= 2 cells (NAN when skipped) */
    int loo_by_batch_cells;
    char verdict[320];             /* the answer about B as one sentence */
} bt_rc_fit;

/* Fits p (and the length parameter when asked) to n >= 1 cells (n >= 2 with fit_length).
   err names bad cells. out must be released with bt_rc_fit_free. */
BATCHTUNE_API bt_status bt_rc_fit_cells(const bt_rc_cell *cells, size_t n, const bt_rc_fit_desc *d,
                                        bt_rc_fit *out, char *err, size_t err_len);
BATCHTUNE_API void bt_rc_fit_free(bt_rc_fit *f);
/* Predicted recompute % at (batch, window): the common p, or the batch's own p when the data
   says p depends on B and that batch was measured. */
BATCHTUNE_API double bt_rc_fit_predict(const bt_rc_fit *f, int batch, int window);
/* Parameters, RMSE ("RMSE <x> pp"), leave-one-out error, per-cell residuals, the verdict on B. */
BATCHTUNE_API void bt_rc_fit_print(const bt_rc_fit *f, FILE *out);
/* The grid windows x batches as CSV: batch,window,recompute_pct,feasible,kind,measured_pct
   (kind "predicted" everywhere: measured cells also show measured_pct). feasible = B*W <= cap
   (cap <= 0: no budget). */
BATCHTUNE_API void bt_rc_write_grid_csv(const bt_rc_fit *f, const int *windows, int nw,
                                        const int *batches, int nb, double cap, FILE *out);

/* Terminal heatmap of recompute % over batch (rows) x window (columns): measured cells show
   their value, cells over the budget B*W > cap print "n/a", cells in budget but not measured
   stay blank. mode: BT_HEATMAP_AUTO / COLOR / PLAIN. */
BATCHTUNE_API bt_status bt_rc_print_heatmap(const bt_rc_cell *cells, size_t n, const int *windows,
                                            int nw, const int *batches, int nb, double cap,
                                            FILE *out, int mode);
/* The same grid as an HTML report (bt_write_html_report): a heatmap of the measured recompute %
   (over-budget cells "infeasible"), and with fit != NULL a second one of the model's
   recompute % at the measured cells. Errors go to err. */
BATCHTUNE_API bt_status bt_rc_write_html(const bt_rc_cell *cells, size_t n, const int *windows, int nw,
                                         const int *batches, int nb, double cap,
                                         const bt_rc_fit *fit, const char *title,
                                         const char *path, char *err, size_t err_len);

/* Timings of one (W, B): fast-path seconds per generated token (the step time of a batch
   divided by its rows) and seconds per verification pass of B windows of W tokens. */
typedef struct bt_rc_timing {
    int batch, window;
    double fast_s_per_token;
    double verify_s_per_pass;
} bt_rc_timing;

/* The same, and when the file has fast_s_per_token and verify_s_per_pass columns (as written
   by `batchtune recompute measure`), *timings gets one entry per cell (NAN where empty);
   otherwise *timings is NULL. */
BATCHTUNE_API bt_status bt_rc_read_csv_timed(const char *path, bt_rc_cell **cells, bt_rc_timing **timings,
                                             size_t *n, char *err, size_t err_len);

typedef struct bt_rc_option {
    int batch, window, feasible;
    double pct;                    /* model's recompute % (from the fit) */
    double windows_per_kept;
    double fast_s_per_kept;        /* t_f * (1 + R) */
    double verify_s_per_kept;      /* t_v * windows_per_kept / B */
    double s_per_kept;             /* their sum */
} bt_rc_option;

typedef struct bt_rc_choice {
    int n;
    bt_rc_option *opt;             /* feasible first, each part by s_per_kept */
    int pick;                      /* index of the best feasible option, -1 if none */
    double cap;
    char message[256];
} bt_rc_choice;

/* Time per kept token (recompute included) for every timed (W, B), using the fit's model of R
   and windows per kept token; picks the fastest with B * W <= cap (cap <= 0: no budget). */
BATCHTUNE_API bt_status bt_rc_choose(const bt_rc_fit *fit, const bt_rc_timing *t, int n, double cap,
                                     bt_rc_choice *out);
BATCHTUNE_API void bt_rc_choice_free(bt_rc_choice *c);
/* The trade-off: for each window the best batch in budget (recompute %, fast and verify parts,
   total), the pick marked. */
BATCHTUNE_API void bt_rc_print_tradeoff(const bt_rc_choice *c, FILE *out);

/* A real nondeterministic workload: a small autoregressive generator whose next token is the
   argmax of its logits, given the previous `context` tokens (embeddings) and a per-position
   input drawn from the request's seed. Inputs and weights are rounded to bf16; each hidden
   layer is a split-K matrix product whose chunk sums (fp32) are accumulated into a bf16 output
   one chunk at a time (as split-K kernels with atomics do), then tanh, rounded to bf16; the
   logits are the same kind of product, accumulated in fp32 (or bf16 with logits_bf16).
     fast path       one decode step for the rows still active in the window: S = split_k_max
                     / rows chunks (>= 2; fewer rows, more chunks, as GEMM heuristics do), each
                     chunk in two interleaved accumulators, the chunks added starting at chunk
                     (row + rows) mod S: the order depends on the batch composition;
     reference path  every position of the B windows in one batched pass, in one fixed order
                     (4 chunks, one accumulator each, added 0, 1, 2, 3).
   Divergences are real floating-point non-associativity at near ties of the argmax (0.4 to
   0.7 % of tokens at the defaults, more with fewer rows: bench/results/recompute_cpu.md). Single-threaded (no threads started). Requests are the same
   for every cell (lengths and inputs from seed + request number). inject_p > 0 replaces the
   comparison by a coin flip per token and skips the model (tests only, not evidence). */
typedef struct bt_rc_gen_desc {
    int vocab;                     /* default 512 */
    int dim;                       /* width of the layers, default 128 */
    int layers;                    /* hidden layers, default 1 */
    int context;                   /* default 4 */
    int split_k_max;               /* default 16 */
    int logits_bf16;               /* 1: logits accumulated in bf16 too (more divergences) */
    bt_rc_lengths lengths;         /* default lognormal median 128, sigma 1 */
    int max_len;                   /* lengths clipped here (default 4096) */
    int min_divergences;           /* per cell (default 100) */
    int min_requests;              /* per cell (at least 4 * batch) */
    double max_kept;               /* per cell, stop even if short of divergences (default 1e6) */
    uint64_t seed;                 /* default 1 */
    double inject_p;               /* > 0: test mode (coin flips, no model) */
} bt_rc_gen_desc;

typedef struct bt_rc_measure {
    int batch, window;
    long requests;
    double kept, discarded, divergences, windows, passes, fast_tokens;
    double pct, pct_lo, pct_hi;    /* recompute % and its 95 % confidence interval */
    double fast_s, verify_s;       /* total seconds in each path */
    double fast_s_per_token, verify_s_per_pass;
    int enough;                    /* divergences >= min_divergences */
} bt_rc_measure;

typedef struct bt_rc_gen bt_rc_gen;
/* NULL on failure with the reason in err. The desc is copied (defaults filled in). */
BATCHTUNE_API bt_rc_gen *bt_rc_gen_create(const bt_rc_gen_desc *d, char *err, size_t err_len);
BATCHTUNE_API void bt_rc_gen_destroy(bt_rc_gen *g);
BATCHTUNE_API bt_rc_gen_desc bt_rc_gen_desc_defaults(const bt_rc_gen_desc *d);
/* Runs requests through decode–verify–rollback at (batch, window) until the cell has
   min_divergences divergences and min_requests requests (or max_kept kept tokens), finishing
   the requests in flight. */
BATCHTUNE_API bt_status bt_rc_gen_measure(bt_rc_gen *g, int batch, int window, bt_rc_measure *out);
/* Times one full window at (batch, window): W fast decode steps of `batch` rows and one
   reference pass over batch * window positions. Short enough to be repeated and interleaved
   across cells (take medians): the timings of bt_rc_gen_measure mix in the cut windows and
   whatever else the machine did meanwhile. */
BATCHTUNE_API bt_status bt_rc_gen_time(bt_rc_gen *g, int batch, int window, double *fast_s_per_token,
                                       double *verify_s_per_pass);
/* The length distribution the generator draws from (after clipping), as a histogram for
   BT_RC_HISTOGRAM; valid while g lives. */
BATCHTUNE_API bt_rc_lengths bt_rc_gen_lengths(const bt_rc_gen *g);

/* ============================================================================================
   13. HTML report (declarations)
   One self-contained HTML file (inline CSS and SVG; no JavaScript, no network, no other
   files): a heatmap of each chosen metric over two axes per workload, with value labels and
   a color scale; the mean-regret heatmap; time per item vs the batch axis, one line per
   workload; the per-workload best; the regret ranking; the recommendation with its evidence
   (values, regret, samples, noise, P(best), ties, why cells were excluded); status counts;
   the run metadata.

   COLOR SCALE (deterministic, so a test or a reader can predict every cell):
     each heatmap is normalized on its own: lo, hi = min, max of the ok values it shows;
     goodness g = (hi - v) / (hi - lo) when lower is better, (v - lo) / (hi - lo) when higher
     is better, g = 1 when hi == lo. When lo > 0 and hi / lo >= 4 the map is on a log scale:
     v, lo and hi are replaced by their logarithms in that formula (the legend says which).
     The mean-regret map is lower-is-better and uses 1 + mean regret as v (the same rule).
     The fill is piecewise linear in sRGB through five stops at g = 0, 0.25, 0.5, 0.75, 1:
        #440154 #3b528b #21918c #5ec962 #fde725
     (dark purple = worst shown, yellow = best shown); each channel is rounded to the nearest
     integer (bt_html_color). With more than two axes a heatmap cell shows the best value over
     the other axes. The best cell (per-workload maps) and the pick (regret map) are outlined.
   CELLS THAT HAVE NO VALUE are grey-ish with a label, never a scale color:
     oom        #f4cccc hatched #c62828, "OOM"       error   #d9d9d9 hatched #616161, "error"
     timeout    #ffe0b2 hatched #e65100, "timeout"   infeasible (over budget / constraint)
                                                     #f0f0f0, "infeasible"
     pruned     #e6e6e6, "pruned"                    not_run #ffffff, "not run"
     no row     #ffffff, "-"                          excluded (regret map: a limit or a
                                                     missing workload) #e0e0e0, "excluded"
   MARKUP CONTRACT (for tests and scrapers): every heatmap is <svg id="hm-w<W>-m<M>"> (workload
   W, metric M, both 0-based in first-appearance / option order) or <svg id="hm-regret">; the
   cell at column X, row Y (0-based, axis values sorted numerically) is
   <rect id="<svg id>-<X>-<Y>" fill="#rrggbb" data-status="ok|oom|..."> drawn on integer
   pixels: x = 90 + 76*X + 1, y = 44 + 32*Y + 1 inside its svg, 74 x 30 px.
   ========================================================================================== */
typedef struct bt_html_opts {
    const char *title;             /* default "batchtune report" */
    const char *const *metrics;    /* metrics to draw heatmaps of; default: the ranking's
                                      objective, else e2e_s_median, else the first metric */
    int num_metrics;
    const char *x_axis;            /* across; default "batch" when present, else the first axis */
    const char *y_axis;            /* down; default "workers" when present, else the first other
                                      axis; none (one row) when there is one axis */
    const char *line_axis;         /* x of the time-per-item chart; default "batch" when
                                      present, else x_axis */
    int max_rank_rows;             /* eligible cells listed in the ranking table (default 30) */
} bt_html_opts;

/* The options with defaults filled in for these results (pointers into r / rk / o, valid
   while they live), so a program can print what it drew. */
BATCHTUNE_API bt_html_opts bt_html_opts_defaults(const bt_results *r, const bt_ranking *rk,
                                                 const bt_html_opts *o);
/* Writes the report to path atomically (temporary file, then rename). rk and meta may be NULL
   (then no regret map / no metadata, and the page says so); o may be NULL (defaults).
   Returns BT_OK, BT_E_INVALID (no results or path, x == y), BT_E_NOT_FOUND (a metric or axis
   that is not in the results), BT_E_IO, BT_E_NOMEM; the detail is in bt_results_error(r).
   All text from the results (workload names, reasons, axis values) is HTML-escaped. */
BATCHTUNE_API bt_status bt_write_html_report(const bt_results *r, const bt_ranking *rk,
                                             const bt_run_meta *meta, const char *path,
                                             const bt_html_opts *o);
/* The scale's color for goodness g (clamped to 0..1; NAN gives the worst) as "#rrggbb". */
BATCHTUNE_API void bt_html_color(double g, char hex[8]);
/* Reads the "meta" object of a JSON file written by bt_write_json (the sweep's
   <stem>.json), so a report made later from the CSV can show how the run was made.
   BT_E_NOT_FOUND when the file has no (or a null) meta; BT_E_PARSE on malformed text. */
BATCHTUNE_API bt_status bt_run_meta_read_json(const char *path, bt_run_meta *m, char *err,
                                              size_t err_len);

/* ============================================================================================
   14. Merge and compare (declarations)
   ========================================================================================== */
/* A sweep split k/n (bt_sweep_desc.shard_k/shard_n) runs as one process per GPU under the
   scheduler a cluster already has (a Slurm job array, Kubernetes indexed jobs); each shard
   writes its own results file; bt_merge joins them; bt_compare shows what changed between
   two runs of one grid. */

/* Resolves a shard spec into k and n:
     "K/N"    given outright (0 <= K < N);
     "slurm"  K = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (divided by SLURM_ARRAY_TASK_STEP
              when that is above 1), N = SLURM_ARRAY_TASK_COUNT: array ids need not start at 0.
              With n_given > 0 the array ids are the shard numbers themselves: K =
              SLURM_ARRAY_TASK_ID < N = n_given, so `--array=2,3` re-runs shards 2 and 3;
     "k8s"    K = JOB_COMPLETION_INDEX (an indexed Job), N = n_given.
   For "K/N", n_given > 0 must equal N. Reads the environment (getenv). Returns BT_OK, or
   BT_E_INVALID with err naming the bad spec or variable. */
BATCHTUNE_API bt_status bt_shard_resolve(const char *spec, int n_given, int *k, int *n,
                                         char *err, size_t err_len);
/* The results path of shard k of n: "{shard}" in pattern becomes K and "{shards}" N; a
   pattern without "{shard}" gets ".shard-K-of-N" before its ".csv" (or at its end), so no two
   shards ever write one file. n <= 0: the pattern unchanged. */
BATCHTUNE_API void bt_shard_path(const char *pattern, int k, int n, char *buf, size_t len);

typedef struct bt_merge_desc {
    int expect_shards;             /* N: shards expected (0: the count the files record) */
    int partial;                   /* 1: merge what is there although shards are missing or
                                      cut short (still reported; conflicts still refused) */
    int allow_no_meta;             /* 1: accept files without the JSON beside them (their
                                      settings and fingerprint cannot be checked) */
} bt_merge_desc;

typedef struct bt_merge_report {
    int nfiles;                    /* files read (a file given twice counts once) */
    int shards;                    /* N the files belong to (0: not shards) */
    int nmissing;  int *missing;   /* shard numbers with no file, ascending */
    int nincomplete; int *incomplete; /* shard numbers whose file has fewer rows than planned */
    size_t rows;                   /* rows of the merged results */
    size_t duplicates;             /* identical rows in more than one file (kept once) */
    size_t conflicts;              /* cells whose rows differ between files (refused) */
    char *text;                    /* what was found, one line each; "" when all is well */
} bt_merge_report;

/* Joins shard results files (and the samples files beside them) into *out, rows in the
   grid's order. Refuses (BT_E_MISMATCH; err names the file and what differs) files whose
   columns, device, settings or fingerprint (from the JSON beside each) differ from the first
   file's. Reports in *rep (may be NULL) missing shards by number, shards cut short,
   duplicate rows (kept once) and conflicting rows; conflicts are refused (BT_E_MISMATCH), and
   missing or cut-short shards too (BT_E_NOT_FOUND) unless d->partial. *meta (may be NULL)
   gets the merged run's metadata (the shards' settings and fingerprint, shard 0 of 0, their
   hosts) for bt_write_json. On error *out is NULL. Reads files only; thread safe. */
BATCHTUNE_API bt_status bt_merge(const char *const *paths, int npaths, const bt_merge_desc *d,
                                 bt_results **out, bt_run_meta *meta, bt_merge_report *rep,
                                 char *err, size_t err_len);
BATCHTUNE_API void bt_merge_report_free(bt_merge_report *rep);

/* Compare two runs of the same grid (the same axes; device, code or settings may differ). */
typedef struct bt_compare_desc {
    const char *objective;         /* results column; default "e2e_s_median" */
    int direction;                 /* BT_LOWER/HIGHER_IS_BETTER; 0 = guess from the name */
    int bootstrap;                 /* resamples for the ratio's CI (default 2000; -1 = use the
                                      CI columns only) */
    uint64_t seed;                 /* default 1 */
} bt_compare_desc;

typedef enum bt_change {
    BT_CHANGE_SAME,                /* the ratio's 95 % CI holds 1 */
    BT_CHANGE_BETTER,              /* B better than A beyond the CI */
    BT_CHANGE_WORSE,               /* B worse than A beyond the CI */
    BT_CHANGE_UNKNOWN,             /* ok in both, but no CI can be had (one sample, no CI columns) */
    BT_CHANGE_STATUS,              /* the status differs (ok -> oom, ...) */
    BT_CHANGE_NOT_OK,              /* the same status in both, not ok (nothing to compare) */
    BT_CHANGE_ONLY_A,              /* the cell is in A only */
    BT_CHANGE_ONLY_B               /* the cell is in B only */
} bt_change;
enum { BT_CI_NONE, BT_CI_BOOTSTRAP, BT_CI_COLUMNS };

typedef struct bt_compare_row {
    char *workload;
    char *label;                   /* "batch=64 threads=2" */
    char **axis;                   /* values, one per axis */
    bt_cell_status status_a, status_b; /* BT_CELL_STATUS_COUNT when the run lacks the cell */
    double a, b;                   /* objective values (NAN unless ok) */
    double ratio, lo, hi;          /* b / a and its 95 % confidence interval (NAN: unknown) */
    int ci_method;                 /* BT_CI_BOOTSTRAP (over both samples files), BT_CI_COLUMNS
                                      (from the median's CI columns, log-normal), BT_CI_NONE */
    bt_change change;
} bt_compare_row;

typedef struct bt_comparison {
    char *objective;
    int direction;
    int naxes; char **axes;
    int nrows; bt_compare_row *rows; /* A's rows in A's order, then B's rows not in A */
    int count[BT_CHANGE_ONLY_B + 1]; /* rows per bt_change */
    double geomean_ratio;          /* over the cells ok in both (NAN when none) */
    char pick_a[256], pick_b[256]; /* each run's recommendation ("" when it has none) */
    double pick_a_regret_in_b;     /* mean regret of A's pick in B (NAN: not ok there) */
    double pick_b_regret_in_a;     /* and of B's pick in A */
    char message[1024];            /* the verdict in a few sentences, or why none */
} bt_comparison;

/* Compares B against A cell by cell (matched by workload and axis values): the objective's
   ratio B/A with a 95 % CI (bootstrap over the samples when both rows have them, else from
   the CI columns), status changes, and each run's pick with its regret in the other run.
   BT_E_MISMATCH when the axes differ, BT_E_NOT_FOUND when the objective is missing; the
   reason is in out->message. Thread safe for distinct outputs. */
BATCHTUNE_API bt_status bt_compare(const bt_results *a, const bt_results *b, const bt_compare_desc *d,
                                   bt_comparison *out);
BATCHTUNE_API void bt_comparison_free(bt_comparison *c);
BATCHTUNE_API const char *bt_change_str(bt_change c); /* "same", "better", "worse", ... */
/* The table (one line per cell, changed cells marked), the summary and the picks. name_a /
   name_b label the runs (file names; NULL: "A", "B"). */
BATCHTUNE_API void bt_print_comparison(const bt_comparison *c, const char *name_a, const char *name_b, FILE *f);
/* workload,<axes>,status_a,status_b,a,b,ratio,ratio_lo,ratio_hi,ci,change */
BATCHTUNE_API void bt_write_comparison_csv(const bt_comparison *c, FILE *f);

/* ============================================================================================
   15. Search strategies: adaptive, find-max, replay (declarations)
   ========================================================================================== */
/* Strategies of bt_sweep_run (bt_sweep_desc.strategy).
   EXHAUSTIVE  every cell of the grid (of the shard), each measured once to the stop rule.
   ADAPTIVE    the exhaustive answer at a fraction of its cost, for one or several workloads:
     1. OOM frontier: cells above an `oom` along monotone axes are `pruned` (as exhaustive);
     2. exploration: starts at the grid's centre cell and screens (a cheap visit: warm-up plus
        up to search_screen_samples samples, cut short once the cell's lower bound is already
        out of the race) the axis neighbours of every *promising* cell — the leader, or one whose
        estimate is within the leader's upper bound plus the margin — and of failed cells next
        to them (the search walks around a wall of OOM cells), until none is left; then the
        leader's unvisited diagonal neighbours (one step along each of two axes), so a ridge
        running across the axes is followed to a best a knight's move off. Then, when a
        cheap visit costs under 15 % of a full one (noisy or short samples, judged on the
        leader), a coarse lattice of the cells left (every other value of each axis, and the
        ends) is screened too and explored around, so a far-away optimum is not missed; else a
        space-filling screen: one sample of each of the cells farthest from every visited one
        (greedy farthest point, at most the root of the number of cells, within a quarter of the
        cost cap), explored around when promising, so an isolated optimum in a far corner or
        edge is found on quiet surfaces too;
     3. racing: a cell is dropped (status `pruned`, reason "racing: ...") once the lower bound
        of its difference from the leader (the difference of the estimates less the root of the
        summed squared half-widths of the two cells' bounds) is above the margin, never on a
        single sample (it may be a hiccup), nor on two once outliers were seen (see 6); bounds
        are the median's distribution-free 95 % interval, widened by a noise floor (2.5
        standard errors of the median from the pooled spread of all cells: the root of their
        pooled relative variance, or, once outliers were seen, the smaller robust core spread
        over (1 - their rate), since a median of 3+ samples shrugs them off; or the cell's own
        MAD when wider; a 5 % prior until three cells have three samples) so a cell with few samples
        is not trusted too early; a cheap visit stops early once the cell is that far behind
        (and a halving round does not wait for it);
     4. successive halving: survivors get their samples doubled (a revisit: setup, warm-up,
        more samples, teardown; the new row supersedes the old one and carries all the cell's
        samples) until the stop rule is met: with more than two survivors, only the leader's
        strongest challenger (the survivor not yet measured to the rule with the lowest lower
        bound of its difference from the leader) and the leader when it has no more samples
        than that challenger (best-arm identification); when more than two survive and each
        has max(min_samples, 2 screens) samples, the cells of the worse half by estimate that are
        at least one standard error of the difference behind the leader are dropped (`pruned`,
        "halving: ..."), once per refinement: a halving waits for the survivors' next samples;
        the race ends when one survivor is left (the intervals have decided: its row may hold
        fewer samples than the stop rule asks) or all met the rule. Endgame: once three quarters
        of the cost cap are spent with more than three survivors, the best three by estimate
        are kept, and any further survivor within one standard error of the difference from the
        leader (on many near-ties the true best often ranks 4th-22nd); the others are dropped
        (`pruned`, "endgame: ..."), and the step repeats each round: the rest of the cap buys
        samples of the cells the pick will be made from; a refinement takes no more samples
        than the cap has room for;
     5. several workloads: the score of a cell is its mean regret over the workloads (each
        against the best cell measured so far on that workload, dropped cells included), bounds
        are taken on that mean, and each workload's own best cell is explored around too (its
        T*(w) sets every cell's regret).
     6. cost cap: the search stops once it has spent search_budget (default 0.2) of the
        exhaustive strategy's cost, estimated from what it measured (a measured cell: its
        setup plus its median times the samples the stop rule takes on average at a robust
        pooled spread, from a simulation of the rule on 64 fixed Gaussian sequences: the rule
        stops at the first count whose interval dips under its limit, well before the typical
        interval gets there. The spread is the smaller of the pooled variance's root and the
        median absolute difference of successive samples over 0.6745 x sqrt(2): the rule's
        interval of the median is set by ranks, so rare slow outliers, which a variance reads
        as a wide spread (6-7x the cost under 1 in 8 samples at x1.35), barely move it; such
        noise was then estimated at 0.36-0.6x, the cap firing early: under 11 samples the
        rule's interval is the range, which holds any outlier. So the rule is simulated on a
        mixture: a sample more than 5 core spreads from its cell's median (cells of 3+ samples,
        once 30 such samples are in) is an outlier; the core spread is taken again without the
        differences that touch one, and each simulated sample is the core Gaussian plus, at the
        outliers' observed rate, their median size (rare x2 outliers: 1.08-1.23x at 0-1 % added
        noise, 0.72-1.04x at 3-10 %; 1-in-8 x1.35: 0.64-0.84x at 0-1 %; under Gaussian noise
        a sample 5 core spreads out is rare, and costs moved by 0.02 at most); a failed
        cell: what it cost; one not measured: the measured cells' costs
        weighted by the inverse square of their distance on the grid, none above an OOM; in
        bench/search the estimate ended within 0.24-1.7x of the true cost (0.24-0.45x at 0-1 %
        added noise where outliers come in bursts, or the workloads' noise differs: rates and
        spreads are pooled over cells), at the median 1.01x at 3-10 % noise on surfaces without
        outliers, and searches spent up to 0.27 of the true exhaustive cost,
        where the exhaustive run was itself cheap by luck); the leader then is the pick.
     Cells never explored are recorded `pruned` ("adaptive: not explored ..."); the survivors end
     `ok`. With one workload bt_rank over the results gives the strategy's pick; with several,
     bt_rank measures regrets against the surviving cells only, which can rank two near-tied
     survivors the other way (bt_replay reports the search's own pick). The adaptive search
     assumes a lower-is-better objective: the sample time e2e_s. Resume seeds it with the ok
     rows (and their samples) and failures already on file. */
enum { BT_STRATEGY_EXHAUSTIVE = 0, BT_STRATEGY_ADAPTIVE = 1 };
/* "exhaustive" / "adaptive"; parse gives 1 when known. */
BATCHTUNE_API const char *bt_strategy_str(int strategy);
BATCHTUNE_API int bt_strategy_parse(const char *s, int *out);

/* Largest value of an axis that fits in memory: doubling from lo until a try runs out of memory
   (BT_E_OOM_DEVICE / BT_E_NOMEM), then bisection between the last fit and the first OOM. Each
   try is one setup + one run + teardown at the base cell with the axis set to the value (values
   outside the grid's list are allowed: the workload sees a one-cell grid with the same axis
   handles). Memory measured per try (bt_sample.peak_mem_bytes, from setup or run) feeds a
   linear model mem = a + b*value; with mem_limit_bytes known, tries the model says cannot fit
   (predicted above the limit by more than 2 %) are skipped, and the first probe after two
   measured fits jumps to the predicted limit. The answer is exact (the largest value, on the
   step, that ran) unless tries were skipped next to it. */
typedef struct bt_find_max_desc {
    const char *axis;              /* required: an integer axis of the grid */
    int64_t lo, hi;                /* range (default: the axis' first and last grid values) */
    int64_t step;                  /* granularity (default 1) */
    double margin;                 /* safety margin (default 0.1): `safe` keeps this fraction of
                                      the memory at the limit free */
    double mem_limit_bytes;        /* memory available when known (e.g. device total); 0 = unknown */
    const bt_cell *base;           /* values of the other axes (default: the grid's first cell) */
    int workload;                  /* index into the workload array (default 0) */
    const bt_results *known;       /* optional: a sweep's results; its ok / oom rows on the base
                                      cell's line (this workload, the other axes equal) count as
                                      tries without being run, their peak_mem_bytes feed the model */
} bt_find_max_desc;

#define BT_FIND_MAX_TRIES 64
typedef struct bt_find_max_try {
    int64_t value;
    bt_cell_status status;         /* ok or oom (or error/timeout: the search stops there) */
    double peak_mem_bytes;         /* NAN when not reported */
    int predicted;                 /* 1: not run, the memory model said it cannot fit;
                                      2: not run, known from d->known */
} bt_find_max_try;

typedef struct bt_find_max_result {
    int64_t max_fit;               /* largest value that ran; lo - step when even lo failed */
    int64_t first_oom;             /* smallest value that ran out of memory (or was predicted
                                      to); -1 when everything up to hi fits */
    int64_t safe;                  /* largest value on the step whose predicted memory is at most
                                      (1 - margin) x the limit (mem_limit_bytes, else the memory
                                      measured at max_fit); without memory data, max_fit x (1 - margin) */
    int ntries, nskipped, nknown;  /* tries in all / skipped by the model / known from results
                                      (runs made: ntries - nskipped - nknown) */
    bt_find_max_try tries[BT_FIND_MAX_TRIES];
    char message[256];             /* one sentence */
} bt_find_max_result;

/* Runs the search with workload d->workload of w (nw workloads). BT_E_INVALID for a bad axis
   or range (out->message names it). Thread safety: as bt_sweep_run. */
BATCHTUNE_API bt_status bt_find_max(const bt_grid *g, const bt_workload *w, int nw,
                                    const bt_find_max_desc *d, bt_find_max_result *out);

/* Replay: evaluates a strategy without the hardware by answering each measurement from a
   recorded results file (bt_results_read_csv; its samples file when loaded, else the row's
   median with e2e_s_stddev as Gaussian noise, else the median exactly). Cost is counted in the
   recorded run's seconds: a visit costs its drawn samples plus the cell's setup and warm-up
   (cell_s minus its recorded samples; without cell_s, `warmup` samples at the median); a cell
   recorded `oom`/`error` costs its cell_s. The k-th sample of a cell is its k-th recorded one
   (past the recorded count: random draws from them, seeded by seed, cell, workload and k), the
   same for every strategy: the exhaustive strategy under the recorded stop rule replays the
   recorded run exactly, and a strategy's first samples of a cell are the ones a real run would
   have seen first (recorded runs drift with the machine's load). The axes are rebuilt from the
   file (numbers sorted ascending); cells missing from the file are treated as infeasible. */
typedef struct bt_replay_desc {
    int strategy;                  /* BT_STRATEGY_EXHAUSTIVE (0) or BT_STRATEGY_ADAPTIVE */
    int screen_samples;            /* adaptive options, as in bt_sweep_desc (0 = defaults) */
    double margin;
    double budget;                 /* search_budget */
    bt_stop_rule stop;             /* the stop rule to replay under (defaults as a sweep's) */
    const char *const *monotone;   /* axes along which memory grows (OOM frontier) */
    int num_monotone;
    const char *objective;         /* default e2e_s_median (lower is better) */
    double noise;                  /* > 0: extra relative Gaussian noise on every sample */
    uint64_t seed;                 /* default 1 */
    const char *find_max_axis;     /* optional: also replay --find-max along this axis */
    double find_max_margin;        /* default 0.1 */
} bt_replay_desc;

typedef struct bt_replay_result {
    char pick[512];                /* "batch=128 workers=12", "" when nothing was eligible */
    char best[512];                /* the file's best cell (by its mean regret) */
    double regret;                 /* the pick's mean regret in the file (0: the file's best) */
    double cost_s;                 /* recorded seconds the strategy spent */
    double exhaustive_cost_s;      /* ... and the exhaustive strategy, same stop rule and noise */
    double cost_fraction;          /* cost_s / exhaustive_cost_s */
    size_t cells, measured;        /* feasible cells in the file / cells the strategy measured */
    size_t visits, samples;
    int budget_spent;              /* 1: the adaptive search stopped at its budget */
    double exhaustive_estimate_s;  /* its last estimate of exhaustive_cost_s */
    int has_find_max;
    bt_find_max_result find_max;   /* along find_max_axis, at the pick's other values */
    bt_results *results;           /* the rows the strategy produced (freed by _free) */
    char error[512];
} bt_replay_result;

BATCHTUNE_API bt_status bt_replay(const bt_results *recorded, const bt_replay_desc *d,
                                  bt_replay_result *out);
BATCHTUNE_API void bt_replay_result_free(bt_replay_result *r);
/* One JSON line: {"strategy":..,"pick":{axis:value..},"pick_label":..,"regret":..,
   "best":..,"cost_s":..,"exhaustive_cost_s":..,"cost_fraction":..,"cells":..,"measured":..,
   "visits":..,"samples":..,"budget_spent":..[,"find_max":{..}]} */
BATCHTUNE_API void bt_replay_write_json(const bt_replay_result *r, const bt_replay_desc *d, FILE *f);

/* ============================================================================================
   10. GPU backend — declared here, defined in batchtune_cuda.cu (nvcc). Opt-in: nothing in
   the core calls these; a program that wants the GPU calls them itself.
   ========================================================================================== */
/* Functions defined in batchtune_cuda.cu are extern even under BATCHTUNE_STATIC (they are never
   in this header's implementation). In static mode, #include "batchtune_cuda.cu" in the same .cu
   file after the implementation, since it calls the (then static) functions of the header. */
#define BATCHTUNE_CUDA_API extern
typedef struct bt_device_info {
    int index;
    char name[256];
    int cc_major, cc_minor;
    int sm_count;
    size_t total_mem_bytes, free_mem_bytes;
    int l2_bytes;
    int sm_clock_khz, mem_clock_khz;   /* max clocks */
    int mem_bus_bits;
    int driver_version, runtime_version;
} bt_device_info;

/* Number of CUDA devices; 0 with BT_E_NO_DEVICE (and the CUDA message in err) when there is
   none or the driver is too old. Never crashes. */
BATCHTUNE_CUDA_API bt_status bt_cuda_device_count(int *count, char *err, size_t err_len);
/* Properties of device `index`. */
BATCHTUNE_CUDA_API bt_status bt_cuda_probe(int index, bt_device_info *out, char *err, size_t err_len);
/* "NVIDIA H100 80GB HBM3 (cc 9.0, 132 SMs, 79.2 GiB)" */
BATCHTUNE_API size_t bt_device_describe(const bt_device_info *d, char *buf, size_t n);

/* ---- Device errors. Every device call reports a status and, when it fails, this. */
typedef struct bt_dev_err {
    bt_status status;      /* BT_E_OOM_DEVICE, BT_E_CUDA, BT_E_NO_DEVICE, BT_E_INVALID */
    int sticky;            /* 1: the process's device context is broken (illegal address, failed
                              launch, device assert...): CUDA fails every later call the same
                              way, so the process must be restarted (see bt_restart_self) */
    int code;              /* backend code (the cudaError_t value); 0 when none */
    char msg[256];         /* "cudaMalloc(2147483648 bytes): out of memory" */
} bt_dev_err;

enum { BT_MEM_DEVICE = 0, BT_MEM_PINNED = 1 };  /* what an allocation is: device or pinned host */

/* The calls batchtune makes on a device. batchtune_cuda.cu provides CUDA's (bt_cuda_device_open);
   the fault device below fakes them on the host, so the OOM, pruning and sticky-error paths are
   tested without a GPU. Each returns a bt_status and on failure fills *e. Contract: an out of
   memory leaves the backend's error state cleared; a sticky error sets e->sticky. */
typedef struct bt_dev_ops {
    const char *name;                                        /* "cuda", "fault" */
    bt_status (*alloc)(void *ctx, int kind, size_t n, void **p, bt_dev_err *e);
    bt_status (*release)(void *ctx, int kind, void *p, bt_dev_err *e);
    bt_status (*mem_info)(void *ctx, size_t *free_bytes, size_t *total_bytes, bt_dev_err *e);
    bt_status (*sync)(void *ctx, bt_dev_err *e);             /* wait for all work, report its errors */
    bt_status (*check)(void *ctx, bt_dev_err *e);            /* poll for an error (after launches) */
    void (*destroy)(void *ctx);                              /* may be NULL */
} bt_dev_ops;

/* A device: ops + their context + the last error. Once a sticky error is seen, every call
   returns BT_E_CUDA with that message without touching the backend. One thread at a time. */
typedef struct bt_device bt_device;
/* ops must outlive the device (a static const table); ctx is passed to every op and given to
   ops->destroy by bt_device_destroy. label names the device in messages ("cuda:0"). */
BATCHTUNE_API bt_device *bt_device_create(const bt_dev_ops *ops, void *ctx, const char *label);
BATCHTUNE_API void bt_device_destroy(bt_device *d);
BATCHTUNE_API const char *bt_device_label(const bt_device *d);
BATCHTUNE_API void *bt_device_ctx(const bt_device *d);
BATCHTUNE_API const bt_dev_ops *bt_device_ops(const bt_device *d);   /* NULL for NULL */
/* Message of the last error ("" when none). Never NULL. */
BATCHTUNE_API const char *bt_device_error(const bt_device *d);
/* 1 after a sticky error: this process can do no more device work. A sweep should stop and
   the program re-execute itself with resume (bt_restart_guard_progress does it for you). */
BATCHTUNE_API int bt_device_restart_required(const bt_device *d);
BATCHTUNE_API bt_status bt_device_sync(bt_device *d);
BATCHTUNE_API bt_status bt_device_check(bt_device *d);
BATCHTUNE_API bt_status bt_device_mem_info(bt_device *d, size_t *free_bytes, size_t *total_bytes);
/* Records an error found outside the ops (a kernel launch, a library call); returns e->status.
   A sticky e makes the device require a restart. */
BATCHTUNE_API bt_status bt_device_record(bt_device *d, const bt_dev_err *e);
/* For a workload's run/setup: copies the device's last error into s->error and returns st
   (so `return bt_device_fail_sample(dev, st, s);` makes the row carry the CUDA message). */
BATCHTUNE_API bt_status bt_device_fail_sample(const bt_device *d, bt_status st, bt_sample *s);

/* ---- Per-cell allocator: everything a cell takes on the device goes through one arena, which
   records bytes held and peak bytes, maps out-of-memory to BT_E_OOM_DEVICE (backend error
   cleared), and frees whatever is left in bt_dev_arena_release (call it in teardown). */
typedef struct bt_dev_arena bt_dev_arena;
BATCHTUNE_API bt_dev_arena *bt_dev_arena_create(bt_device *d);   /* NULL: host out of memory */
/* Device memory (BT_MEM_DEVICE) or pinned host memory (BT_MEM_PINNED). On failure *p = NULL,
   the status is BT_E_OOM_DEVICE / BT_E_CUDA / BT_E_NOMEM and bt_device_error says how much was
   asked and held. */
BATCHTUNE_API bt_status bt_dev_alloc(bt_dev_arena *a, int kind, size_t n, void **p);
BATCHTUNE_API bt_status bt_dev_free(bt_dev_arena *a, void *p);   /* BT_E_INVALID: not ours */
/* Frees everything the arena holds (in reverse order); keeps going past errors and returns the
   first. The peak is kept until bt_dev_arena_reset_peak. */
BATCHTUNE_API bt_status bt_dev_arena_release(bt_dev_arena *a);
BATCHTUNE_API void bt_dev_arena_destroy(bt_dev_arena *a);        /* releases, then frees */
BATCHTUNE_API size_t bt_dev_arena_bytes(const bt_dev_arena *a, int kind);  /* held now */
BATCHTUNE_API size_t bt_dev_arena_peak(const bt_dev_arena *a, int kind);
BATCHTUNE_API void bt_dev_arena_reset_peak(bt_dev_arena *a);
BATCHTUNE_API bt_device *bt_dev_arena_device(const bt_dev_arena *a);

/* ---- Fault-injection device (host only, no GPU): memory capped at capacity_bytes, and errors
   injected at chosen call numbers. Calls are counted from 1 over alloc, release, mem_info,
   sync and check; bt_fault_device_calls says how many were made. */
enum {
    BT_FAULT_OOM = 1,      /* the call fails with out of memory (error cleared, like CUDA) */
    BT_FAULT_ERROR = 2,    /* a recoverable CUDA-like error (like cudaErrorInvalidValue) */
    BT_FAULT_STICKY = 3    /* an illegal address: this and every later call fail the same way */
};
typedef struct bt_fault {
    long call;             /* 1-based call number; 0 = the next call after injection */
    int kind;              /* BT_FAULT_... */
    const char *msg;       /* message (copied); NULL: a default naming the kind and call */
} bt_fault;
typedef struct bt_fault_desc {
    size_t capacity_bytes; /* device memory size (default 1 GiB) */
    size_t context_bytes;  /* taken at creation, like a CUDA context (default 0) */
    int host_backed;       /* 1: allocations are real zeroed host memory a workload may touch;
                              0: distinct fake addresses that must never be dereferenced */
    const bt_fault *faults;/* copied */
    int nfaults;
} bt_fault_desc;
BATCHTUNE_API bt_device *bt_fault_device_create(const bt_fault_desc *d);  /* NULL: bad desc/NOMEM */
/* Adds a fault (call 0: the next call). BT_E_INVALID when d is not a fault device. */
BATCHTUNE_API bt_status bt_fault_device_inject(bt_device *d, const bt_fault *f);
BATCHTUNE_API long bt_fault_device_calls(const bt_device *d);
BATCHTUNE_API size_t bt_fault_device_used(const bt_device *d);   /* device bytes in use */

/* ---- Restarting after a sticky error. CUDA cannot recover a process after an illegal address
   or a failed launch, and batchtune never pretends to (no in-process device reset). The row of
   the failing cell is already on disk when the sweep's progress callback runs, so a program:
     1. runs its sweep with resume = 1 (and a results path),
     2. sets d.progress = bt_restart_guard_progress with a bt_restart_guard naming its device
        and argv (chain its own progress callback through guard.next),
     3. on a sticky error the guard re-executes the program with the same arguments
        (/proc/self/exe), and the new process resumes after the failed cell, which stays
        "error" with the CUDA message. BATCHTUNE_RESTARTS in the environment counts restarts;
        past max_restarts, or when exec fails, the guard exits with status 75 (EX_TEMPFAIL) so
        a supervisor (shell loop, Slurm requeue) can rerun the same command. */
typedef struct bt_restart_guard {
    bt_device *device;                 /* checked after every cell */
    char *const *argv;                 /* argv of main (argv[0] used when /proc/self/exe fails) */
    int max_restarts;                  /* default 16 */
    void (*next)(const bt_progress *p, void *user);   /* your progress callback, or NULL */
    void *next_user;
    int (*restart)(struct bt_restart_guard *g);  /* NULL: bt_restart_self; tests replace it */
    void *user;
} bt_restart_guard;
/* A progress callback; `user` is a bt_restart_guard*. Returns normally unless a restart is due. */
BATCHTUNE_API void bt_restart_guard_progress(const bt_progress *p, void *user);
/* Number of restarts so far (BATCHTUNE_RESTARTS), 0 in the first process. */
BATCHTUNE_API int bt_restart_count(void);
/* execv's this program again with argv and BATCHTUNE_RESTARTS+1. Returns only on failure
   (BT_E_IO with the reason in err, or BT_E_INVALID past max_restarts). */
BATCHTUNE_API bt_status bt_restart_self(char *const *argv, int max_restarts, char *err, size_t err_len);

/* ---- CUDA (defined in batchtune_cuda.cu; link it with nvcc). Streams are cudaStream_t passed
   as void* (NULL = the legacy default stream) so this header needs no CUDA include. */

/* Opens device `index` (creates its context): a bt_device with CUDA ops. cudaMalloc's
   out-of-memory -> BT_E_OOM_DEVICE (cleared); illegal address, launch failure, assert,
   ... -> BT_E_CUDA with sticky set. No device / old driver -> BT_E_NO_DEVICE with CUDA's text. */
BATCHTUNE_CUDA_API bt_status bt_cuda_device_open(int index, bt_device **out, char *err, size_t err_len);
/* Index of a device opened by bt_cuda_device_open; -1 for other devices. */
BATCHTUNE_CUDA_API int bt_cuda_device_index(const bt_device *d);
/* Maps the last CUDA error (cudaGetLastError, which clears the recoverable ones) into the device:
   what = the call to name in the message. BT_OK when there was none. */
BATCHTUNE_CUDA_API bt_status bt_cuda_check_launch(bt_device *d, const char *what);
/* Maps a cudaError_t (passed as int) into *out without a device: cudaErrorMemoryAllocation ->
   BT_E_OOM_DEVICE (error cleared), no device / driver too old -> BT_E_NO_DEVICE, illegal
   address, launch failure, assert, misaligned address, ... -> BT_E_CUDA with sticky = 1, any
   other -> BT_E_CUDA (cleared). msg = "what: CUDA's text (cudaErrorName)". */
BATCHTUNE_CUDA_API bt_status bt_cuda_map_error(int cuda_error, const char *what, bt_dev_err *out);
/* bt_cuda_map_error + bt_device_record: `return bt_cuda_record(d, cudaMemcpy(...), "upload");` */
BATCHTUNE_CUDA_API bt_status bt_cuda_record(bt_device *d, int cuda_error, const char *what);
BATCHTUNE_CUDA_API bt_status bt_cuda_stream_create(bt_device *d, void **stream);
BATCHTUNE_CUDA_API void bt_cuda_stream_destroy(void *stream);

/* Per-phase GPU timing with CUDA events. One timer per cell (created in setup from the cell's
   arena: the optional L2-flush buffer is the cell's memory). Per sample:
     bt_cuda_timer_begin(t, stream)                     optional L2 flush, then a start event
     bt_cuda_timer_phase(t, BT_PHASE_H2D, 1, stream)    event before the copies ...
     bt_cuda_timer_phase(t, BT_PHASE_H2D, 0, stream)    ... and after them (any stream)
     bt_cuda_timer_end(t, s, &busy)                     waits; s->phase_s[] = sums of intervals
   busy = union of the BT_PHASE_COMPUTE intervals / host wall time from begin to end: the
   fraction of the sample in which the cell's kernels run (intervals from events: gaps between
   kernels inside one bracketed phase count as busy). The exact figure from CUPTI's kernel
   records is bt_cupti's (below), bt_gpu_model's busy_pct_cupti. */
typedef struct bt_cuda_timer bt_cuda_timer;
BATCHTUNE_CUDA_API bt_status bt_cuda_timer_create(bt_dev_arena *a, int max_intervals, int l2_flush,
                                             bt_cuda_timer **out);
BATCHTUNE_CUDA_API bt_status bt_cuda_timer_begin(bt_cuda_timer *t, void *stream);
BATCHTUNE_CUDA_API bt_status bt_cuda_timer_phase(bt_cuda_timer *t, bt_phase ph, int begin, void *stream);
BATCHTUNE_CUDA_API bt_status bt_cuda_timer_end(bt_cuda_timer *t, bt_sample *s, double *busy_fraction);
BATCHTUNE_CUDA_API void bt_cuda_timer_destroy(bt_cuda_timer *t);

/* Pinned host buffers for a loader's allocator hook (cudaHostAlloc / cudaFreeHost, portable).
   user is ignored; NULL on failure. Prefer bt_dev_alloc(a, BT_MEM_PINNED, ...) inside a cell. */
BATCHTUNE_CUDA_API void *bt_cuda_pinned_alloc(size_t n, void *user);
BATCHTUNE_CUDA_API void bt_cuda_pinned_free(void *p, void *user);

/* Overlapped upload: `slots` pinned host buffers and device buffers (double buffering by
   default); batch i is copied on a copy stream into slot i % slots while the compute stream
   works on the previous one; events order them (copy waits for the compute that last read the
   slot; compute waits for its copy; the host waits before refilling a pinned buffer). */
typedef struct bt_cuda_pipeline_desc {
    size_t slot_bytes;     /* bytes of one batch (required) */
    int slots;             /* default 2 */
    int external_host;     /* 1: no pinned host buffers of its own; batches come from the
                              caller's (pinned) memory through bt_cuda_pipeline_submit_from */
} bt_cuda_pipeline_desc;
typedef struct bt_cuda_pipeline_stats {
    int batches;
    double h2d_s;          /* sum of copy intervals (events) */
    double compute_s;      /* sum of compute intervals (events) */
    double span_s;         /* first copy start to last compute end (events) */
    double host_wait_s;    /* host time blocked waiting for a free pinned buffer */
} bt_cuda_pipeline_stats;
/* compute: launch the work for one batch on `stream` (do not synchronize). */
typedef bt_status (*bt_cuda_compute_fn)(void *dev_in, size_t bytes, int slot, void *stream, void *user);
typedef struct bt_cuda_pipeline bt_cuda_pipeline;
BATCHTUNE_CUDA_API bt_status bt_cuda_pipeline_create(bt_dev_arena *a, const bt_cuda_pipeline_desc *d,
                                                bt_cuda_pipeline **out);
/* The next pinned host buffer to fill (waits until its previous upload is done). */
BATCHTUNE_CUDA_API bt_status bt_cuda_pipeline_acquire(bt_cuda_pipeline *p, void **host_buf);
/* Uploads `bytes` of the acquired buffer and queues compute after it. */
BATCHTUNE_CUDA_API bt_status bt_cuda_pipeline_submit(bt_cuda_pipeline *p, size_t bytes,
                                                bt_cuda_compute_fn compute, void *user);
/* Uploads `bytes` from the caller's host memory (pinned, e.g. a loader batch from a pinned
   allocator hook) into the next device slot on the copy stream, queues compute after it, and
   returns once that copy is done (the wait counts in host_wait_s), so the caller may reuse
   host at once while the compute runs on, overlapping the next batch's upload. */
BATCHTUNE_CUDA_API bt_status bt_cuda_pipeline_submit_from(bt_cuda_pipeline *p, const void *host, size_t bytes,
                                                     bt_cuda_compute_fn compute, void *user);
/* Waits for everything submitted; stats since the last drain. */
BATCHTUNE_CUDA_API bt_status bt_cuda_pipeline_drain(bt_cuda_pipeline *p, bt_cuda_pipeline_stats *st);
BATCHTUNE_CUDA_API void *bt_cuda_pipeline_compute_stream(const bt_cuda_pipeline *p);
BATCHTUNE_CUDA_API void bt_cuda_pipeline_destroy(bt_cuda_pipeline *p);   /* frees its buffers */

/* The GPU compute step of the inference pipeline (section 11b): makes bt_pipeline p compute on
   device d instead of the CPU. Fills p->compute, p->compute_user, the compute_setup/finish/
   teardown hooks and p->loader.allocator, so that:
     - the loader's batch buffers are pinned host memory from d (kept in a pool across the
       samples of a cell, freed after the cell);
     - each batch is uploaded on a copy stream into one of two device slots (bt_cuda_pipeline,
       submit_from) while the previous batch computes on a compute stream;
     - NHWC uint8 batches are normalized on the GPU (bt_cuda_normalize_nhwc_u8, the CPU head's
       arithmetic: (v / 255 - 0.45) * 4.4), NCHW float32 batches are used as they are;
     - the model is the CPU head's: 8x8 average pooling, then in->hidden->hidden->classes with
       ReLU (bt_cuda_gemm), weights from bt_pipeline_head_weights, and each batch's outputs
       copied back (rows x classes floats);
     - the end of each sample waits for the device (inside the timed sample) and sets h2d_s and
       compute_s from CUDA events (sums of the copy and compute intervals), peak_mem_bytes;
     - device memory of a cell comes from its own bt_dev_arena, taken at the cell's first batch
       (the warm-up sample) and released after the cell: a batch that does not fit is "oom".
   Set p->loader (layout: NHWC_U8 moves the normalize to the GPU and uploads 4x fewer bytes),
   p->hidden and p->classes first; then call this, then bt_pipeline_init. d (bt_cuda_device_open,
   or any bt_device: the fault device runs the memory paths without a GPU) must outlive *out;
   free *out after the sweep. */
typedef struct bt_cuda_pipeline_head bt_cuda_pipeline_head;
BATCHTUNE_CUDA_API bt_status bt_cuda_pipeline_head_init(bt_pipeline *p, bt_device *d, bt_cuda_pipeline_head **out,
                                                   char *err, size_t err_len);
/* Outputs (rows x classes, row major) of the last batch the head computed, copied into out
   (at most max_rows rows); returns the rows copied (0 before any). Call after the sweep. */
BATCHTUNE_CUDA_API int bt_cuda_pipeline_head_output(const bt_cuda_pipeline_head *h, float *out, int max_rows);
BATCHTUNE_CUDA_API void bt_cuda_pipeline_head_free(bt_cuda_pipeline_head *h);

/* NHWC uint8 -> NCHW float32: out = (in / 255 - mean[c]) / std[c], c <= 4 channels. */
BATCHTUNE_CUDA_API bt_status bt_cuda_normalize_nhwc_u8(bt_device *d, const void *in, float *out, int n,
                                                  int h, int w, int c, const float *mean,
                                                  const float *std, void *stream);
/* C[m x n] = act(A[m x k] B[k x n] + bias[n]) (row major; bias may be NULL; relu 0/1). A tiled
   shared-memory kernel of our own, summing k in order (bt_gpu_model's MLP uses cuBLAS instead
   when libcublas loads, see use_cublas). */
BATCHTUNE_CUDA_API bt_status bt_cuda_gemm(bt_device *d, int m, int n, int k, const float *A,
                                     const float *B, float *C, const float *bias, int relu,
                                     void *stream);
/* c[m x n] = max(0, c + bias[n]) in place (row major): the MLP's epilogue after cuBLAS. */
BATCHTUNE_CUDA_API bt_status bt_cuda_bias_relu(bt_device *d, float *c, const float *bias, int m,
                                          int n, void *stream);
/* out[i] = mean of in[i*hw .. i*hw+hw-1] summed in order (the conv model's global average
   pooling over NCHW: nc = batch x channels, hw = H x W). */
BATCHTUNE_CUDA_API bt_status bt_cuda_avg_pool(bt_device *d, const float *in, float *out, int nc,
                                         int hw, void *stream);
/* 1 when cuBLAS can be loaded (dlopen; nothing kept loaded): lib (when given), else
   $BATCHTUNE_CUBLAS_LIB, else libcublas.so.<CUDA major> / libcublas.so under $CUDA_HOME,
   $CUDA_PATH, /usr/local/cuda (lib64), else the loader's path, with cublasCreate_v2,
   cublasDestroy_v2, cublasSetStream_v2 and cublasSgemm_v2. why: "cuBLAS <version> from
   <file>", or where it looked and what was missing. Needs no device. */
BATCHTUNE_CUDA_API int bt_cuda_cublas_available(const char *lib, char *why, size_t why_len);
/* Direct 3x3 convolution, NCHW, zero padding 1, stride 1, + bias + ReLU:
   in [n][cin][h][w], weights [cout][cin][3][3] -> out [n][cout][h][w]. */
BATCHTUNE_CUDA_API bt_status bt_cuda_conv3x3(bt_device *d, const float *in, const float *wt,
                                        const float *bias, float *out, int n, int cin, int cout,
                                        int h, int w, void *stream);
/* One decoder attention step per sequence b < n over its key/value cache of length s:
   out[b] = softmax(K[b] q[b] / sqrt(dim)) V[b]; q, out [n][dim]; K, V [n][s][dim];
   scores is a workspace of n x s floats. */
BATCHTUNE_CUDA_API bt_status bt_cuda_attention_step(bt_device *d, const float *q, const float *K,
                                               const float *V, float *scores, float *out, int n,
                                               int s, int dim, void *stream);
/* Row sums of x [rows][cols] into out [rows]. BT_REDUCE_REFERENCE: one fixed order (left to
   right), bit-identical for any batch. BT_REDUCE_FAST: each row split into `split` parts summed
   in parallel and combined with atomics, so the bits depend on split and on timing. */
enum { BT_REDUCE_REFERENCE = 0, BT_REDUCE_FAST = 1 };
BATCHTUNE_CUDA_API bt_status bt_cuda_reduce_rows(bt_device *d, const float *x, int rows, int cols,
                                            float *out, int path, int split, void *stream);

/* NVML through dlopen("libnvidia-ml.so.1"): no link dependency; absent NVML is not an error.
   A bt_nvml_sampler owns one thread (started by bt_nvml_sampler_start, joined by
   bt_nvml_sampler_stop) that reads utilization.gpu, memory used, SM clock, power and clock
   throttle reasons every period_s into a ring; windows average what fell inside them. NVML
   averages utilization over up to a second, so a window shorter than min_window_s reports
   util_pct = NAN (not available) rather than a wrong number. Energy comes from NVML's total
   energy counter (Volta and later), read at the window's ends. */
typedef struct bt_nvml_sampler bt_nvml_sampler;
typedef struct bt_nvml_mark { uint64_t t_ns; double energy_mj; } bt_nvml_mark;
typedef struct bt_nvml_window {
    double seconds;
    double util_pct, mem_util_pct;   /* means of NVML's figures; NAN: window too short / none */
    double mem_used_bytes;           /* max */
    double sm_clock_mhz, power_w;    /* means */
    double energy_j;                 /* energy counter delta; NAN when unsupported */
    int throttled;                   /* a sample had power-cap, thermal or HW-slowdown reasons */
    unsigned long long throttle_reasons; /* OR of NVML's reason bits over the window */
    int nsamples;
} bt_nvml_window;
/* *out is set whenever BT_OK is returned; without NVML (or without a matching device) the
   sampler is "unavailable": no thread, windows all NAN, and err says why. period_s default 0.1,
   min_window_s default 1.0. */
BATCHTUNE_CUDA_API bt_status bt_nvml_sampler_start(int cuda_index, double period_s, double min_window_s,
                                              bt_nvml_sampler **out, char *err, size_t err_len);
BATCHTUNE_CUDA_API int bt_nvml_sampler_available(const bt_nvml_sampler *s);
BATCHTUNE_CUDA_API void bt_nvml_window_begin(bt_nvml_sampler *s, bt_nvml_mark *m);
BATCHTUNE_CUDA_API void bt_nvml_window_end(bt_nvml_sampler *s, const bt_nvml_mark *m, bt_nvml_window *out);
BATCHTUNE_CUDA_API void bt_nvml_sampler_stop(bt_nvml_sampler *s);       /* joins the thread, frees */
/* Exact kernel intervals from CUPTI's activity records (the "busy_pct_cupti" figure). CUPTI is
   loaded with dlopen (no link dependency; absent CUPTI is not an error): `lib` when given, else
   $BATCHTUNE_CUPTI_LIB, else libcupti.so.<CUDA major> / libcupti.so under $CUDA_HOME,
   $CUDA_PATH and /usr/local/cuda (lib64 and extras/CUPTI/lib64), then the loader's path.
   A bt_cupti enables CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL (kernels on several streams keep
   running concurrently) and MEMCPY; CUPTI fills buffers the collector hands it (4 MiB each) and
   returns them from its own thread or from the flush; the collector keeps start, end, device
   and stream of each record. A window (begin ... end, on CUPTI's clock, cuptiGetTimestamp)
   flushes the records (cuptiActivityFlushAll) at its end and reports busy_fraction = union of
   the kernel intervals of device cuda_index clipped to the window (overlapping kernels counted
   once) / window length, and copy_fraction likewise for copies. NAN with `why` when CUPTI is
   absent, failed to enable (no GPU or driver), dropped records since the window began, or
   reported the window's kernels only on other devices (a numbering that differs from CUDA's).
   CUPTI's activity buffers belong to the process and its buffer callbacks carry no user
   pointer, so one bt_cupti collects at a time in a process (a second one is "unavailable";
   this is the one piece of file-level state in batchtune_cuda.cu). Tracing costs CUPTI's
   few microseconds per kernel and one flush per window, inside the timed sample: opt-in. */
typedef struct bt_cupti bt_cupti;
typedef struct bt_cupti_mark { uint64_t t_ns; unsigned long long dropped; } bt_cupti_mark;
typedef struct bt_cupti_window {
    double seconds;              /* window length on CUPTI's clock (0 when unavailable) */
    double busy_fraction;        /* union of kernel intervals / seconds; NAN: not available */
    double copy_fraction;        /* union of memcpy intervals / seconds; NAN: not available */
    int kernels, copies;         /* records overlapping the window */
    long long dropped;           /* records dropped since the window began */
    char why[256];               /* why busy_fraction is NAN ("" when it is a number) */
} bt_cupti_window;
/* *out is set whenever BT_OK is returned; without CUPTI (or when enabling fails: no GPU, no
   driver, another collector) it is "unavailable", windows are NAN and err (and
   bt_cupti_reason) say why. Start it before the sweep; stop it after. */
BATCHTUNE_CUDA_API bt_status bt_cupti_start(int cuda_index, const char *lib, bt_cupti **out, char *err, size_t err_len);
BATCHTUNE_CUDA_API int bt_cupti_available(const bt_cupti *c);
BATCHTUNE_CUDA_API const char *bt_cupti_reason(const bt_cupti *c);   /* "" when available */
BATCHTUNE_CUDA_API void bt_cupti_window_begin(bt_cupti *c, bt_cupti_mark *m);
BATCHTUNE_CUDA_API void bt_cupti_window_end(bt_cupti *c, const bt_cupti_mark *m, bt_cupti_window *out);
BATCHTUNE_CUDA_API void bt_cupti_stop(bt_cupti *c);    /* disables, flushes, frees */
/* The pure parts, public for tests. A GPU interval from an activity record: */
enum { BT_GPU_IV_KERNEL = 1, BT_GPU_IV_MEMCPY = 2 };
typedef struct bt_gpu_interval { uint64_t start, end; uint32_t device, stream; int kind; } bt_gpu_interval;
/* CUPTI's cuptiActivityGetNextRecord (records are CUpti_Activity*; 0 = a record) */
typedef int (*bt_cupti_next_fn)(uint8_t *buf, size_t valid_bytes, void **record);
/* Kernel (kinds CONCURRENT_KERNEL, KERNEL) and memcpy records of one activity buffer into out
   (at most max); returns how many there were (may exceed max). next NULL: a built-in walker
   that knows CUDA 13.0's record sizes of these kinds only. *other counts skipped records
   (other kinds, incomplete ones). */
BATCHTUNE_CUDA_API size_t bt_cupti_parse_buffer(const void *buf, size_t valid_bytes, bt_cupti_next_fn next,
                                           bt_gpu_interval *out, size_t max, size_t *other);
/* Nanoseconds covered by the union of the intervals of `kind` (0: any) on `device` (< 0: any)
   clipped to [t0, t1); *count = intervals that overlap it. Sorts iv by start. */
BATCHTUNE_CUDA_API uint64_t bt_gpu_interval_union(bt_gpu_interval *iv, size_t n, int kind, int device, uint64_t t0,
                                             uint64_t t1, int *count);

/* Reference GPU workloads for examples, self-tests and the studies. Each sample processes
   `items` items in batches of the cell's batch (last one partial) and reports phases (h2d,
   compute, d2h from events), peak_mem_bytes (the arena's device peak) and the metrics
   busy_pct, busy_pct_cupti, nvml_util_pct, nvml_mem_used_bytes, sm_clock_mhz, power_w,
   energy_per_item_j, throttled (NVML ones empty without a sampler), plus mismatch_frac for
   BT_GPU_REDUCE. busy_pct comes from the events around the compute phase; busy_pct_cupti is
   the same sample's window (begin to the end's synchronization) measured with m->cupti: the
   union of the cell's kernel intervals from CUPTI's records / the window. It is empty without
   m->cupti, when bt_cupti is unavailable, and for a sample during which CUPTI dropped records
   (the cell's median is over the samples that have it; bt_cupti_reason and the window's `why`
   say why). The
   NVML figures of a sample cover the cell from its first measured sample to the end of this
   one, so they are empty until the cell has run min_window_s (give cells min_time_s >= 2);
   throttled is per sample (1 when a sampler reading inside the sample had a power, thermal or
   hardware-slowdown reason; empty when no reading fell inside it).
   Device memory is taken in setup through a per-cell arena, so an oversized cell is "oom". */
enum { BT_GPU_MLP = 1, BT_GPU_CONV = 2, BT_GPU_DECODER = 3, BT_GPU_REDUCE = 4 };
enum { BT_VARIANT_ORIGINAL = 0, BT_VARIANT_NARROWER = 1, BT_VARIANT_SHALLOWER = 2 };
typedef struct bt_gpu_model {
    int kind;              /* BT_GPU_... (required) */
    int variant;           /* narrower: width / variant_factor; shallower: layers / factor */
    int variant_factor;    /* default 2 */
    int layers;            /* MLP default 8, conv default 4 */
    int width;             /* MLP hidden width (1024), conv channels (64), decoder dim (512),
                              reduce row length (4096) */
    int image;             /* conv image side (default 32) */
    int items;             /* items per sample (default 4096; decoder: sequences) */
    int steps;             /* decoder steps per sample (default 4) */
    int seq;               /* decoder cache length S when seq_axis < 0 (default 1024) */
    bt_axis batch_axis;    /* required */
    bt_axis seq_axis;      /* decoder: S from this axis (declare it monotone); < 0: seq.
                              0 is axis 0: set -1 when S is fixed */
    int device;            /* CUDA device index */
    int l2_flush;          /* 1: flush L2 before every sample */
    int use_cublas;        /* MLP matrix multiply: 0 (default) cuBLAS when libcublas loads
                              (dlopen, bt_cuda_cublas_available), else our tiled GEMM with the
                              reason in bt_gpu_model_gemm; 1: cuBLAS or bt_gpu_model_init fails
                              (BT_E_UNSUPPORTED); -1: always our tiled GEMM */
    const char *cublas_lib; /* library file to dlopen (default: $BATCHTUNE_CUBLAS_LIB, search) */
    bt_nvml_sampler *nvml; /* optional, caller-owned */
    bt_cupti *cupti;       /* optional, caller-owned: busy_pct_cupti from CUPTI's kernel records */
    uint64_t seed;
    void *priv;            /* private */
} bt_gpu_model;
/* Opens the device and fills the workload. BT_E_NO_DEVICE (with CUDA's text in err) when there
   is no GPU. m must outlive the sweep. */
BATCHTUNE_CUDA_API bt_status bt_gpu_model_init(bt_gpu_model *m, bt_workload *w, const char *name,
                                          char *err, size_t err_len);
/* The device the model runs on (for bt_restart_guard). */
BATCHTUNE_CUDA_API bt_device *bt_gpu_model_device(const bt_gpu_model *m);
/* The MLP's matrix multiply: "cublas" or "tiled"; *why (optional) says which library (version,
   file) or why not (absent library, use_cublas = -1, not the MLP). Valid after init. */
BATCHTUNE_CUDA_API const char *bt_gpu_model_gemm(const bt_gpu_model *m, const char **why);
/* The outputs of the last batch of the last successful sample of the last cell to finish
   (copied at the cell's teardown, outside the timed samples): rows x cols floats, row major.
   MLP and decoder: the final activations (cols = width); conv: the pooled features (cols =
   channels); reduce: the reference path's row sums (cols = 1). Each batch starts from the
   same host input, so they are the outputs for the first `rows` items. info (optional) gets
   rows, cols and the cell's batch and seq (what bt_gpu_model_reference needs). BT_E_NOT_FOUND
   before any such cell, BT_E_INVALID when out holds fewer than rows x cols floats. */
typedef struct bt_gpu_model_out { int rows, cols, batch, seq; } bt_gpu_model_out;
BATCHTUNE_CUDA_API bt_status bt_gpu_model_output(const bt_gpu_model *m, float *out, size_t n,
                                            bt_gpu_model_out *info);
/* The CPU reference of the same forward pass (no device needed; m need not be initialized:
   zero fields take their defaults): the first `rows` items (rows <= batch) of a cell with this
   batch (and, for the decoder, cache length seq; <= 0: m->seq). Same parameters and inputs as
   the device: parameter i of a buffer with seed s and scale a is
   ((h(i, s) & 0xffffff) / 2^24 - 0.5) * 2a, h = the murmur-style mix of
   (unsigned)i * 2654435761 ^ s (weights: seed + 1, a = 1/sqrt(width), conv 1/sqrt(9 width); biases:
   seed + 2, a = 0.01; the decoder's K/V cache: seeds 11/13, a = 1, laid out
   [layer][batch][seq][width]); inputs from the 64-bit LCG of seed (MLP, decoder, reduce:
   (r >> 40) / 2^24 - 0.5; conv: bytes r >> 56, NHWC, normalized with the ImageNet mean/std).
   Sums in double (reduce: float, in order, as the reference path). out: rows x cols floats.
   Tolerance against the device (tests/test_cuda.cu): max |device - reference| <= 1e-3 x max
   |reference| (fp32 on the device), exact for reduce. */
BATCHTUNE_CUDA_API bt_status bt_gpu_model_reference(const bt_gpu_model *m, int batch, int seq,
                                               int rows, float *out, size_t n, char *err,
                                               size_t err_len);
BATCHTUNE_CUDA_API void bt_gpu_model_free(bt_gpu_model *m);
/* NVML sampling owned by the sweep: sets d->sampler_start/stop/user so that bt_sweep_run starts
   one bt_nvml_sampler (device cuda_index; period_s, min_window_s as bt_nvml_sampler_start, 0 =
   defaults) before its first cell and stops it (joins its thread) after its last, and hands it
   to the n models of the array `models` (their nvml) for that time, putting back what they had
   after. Nothing runs until the sweep does; an absent NVML is not an error (the models' NVML
   columns stay empty; bt_cuda_nvml_hook_reason says why). The hook is the caller's: free it
   after the sweep (and give it to one sweep at a time). */
typedef struct bt_cuda_nvml_hook bt_cuda_nvml_hook;
BATCHTUNE_CUDA_API bt_status bt_cuda_nvml_hook_init(bt_sweep_desc *d, bt_gpu_model *models, int n, int cuda_index,
                                               double period_s, double min_window_s,
                                               bt_cuda_nvml_hook **out, char *err, size_t err_len);
/* The sampler while the sweep runs (NULL outside it). */
BATCHTUNE_CUDA_API bt_nvml_sampler *bt_cuda_nvml_hook_sampler(const bt_cuda_nvml_hook *h);
/* "" when the last sweep's sampler was available, else why not; "not started" before. */
BATCHTUNE_CUDA_API const char *bt_cuda_nvml_hook_reason(const bt_cuda_nvml_hook *h);
BATCHTUNE_CUDA_API void bt_cuda_nvml_hook_free(bt_cuda_nvml_hook *h);

#ifdef __cplusplus
}
#endif
#endif /* BATCHTUNE_H */

/* ============================================================================================
   IMPLEMENTATION
   ========================================================================================== */
#ifdef BATCHTUNE_IMPLEMENTATION
#ifdef BATCHTUNE_IMPLEMENTATION_INCLUDED
#error "batchtune.h: the implementation was already compiled in this translation unit"
#endif
#define BATCHTUNE_IMPLEMENTATION_INCLUDED

#if defined(BATCHTUNE_MALLOC) && defined(BATCHTUNE_REALLOC) && defined(BATCHTUNE_FREE)
#elif !defined(BATCHTUNE_MALLOC) && !defined(BATCHTUNE_REALLOC) && !defined(BATCHTUNE_FREE)
#include <stdlib.h>
#define BATCHTUNE_MALLOC(sz) malloc(sz)
#define BATCHTUNE_REALLOC(p, sz) realloc(p, sz)
#define BATCHTUNE_FREE(p) free(p)
#else
#error "batchtune.h: define all of BATCHTUNE_MALLOC, BATCHTUNE_REALLOC, BATCHTUNE_FREE or none"
#endif

#ifndef BATCHTUNE_ASSERT
#include <assert.h>
#define BATCHTUNE_ASSERT(x) assert(x)
#endif

#if defined(__GLIBC__) && !defined(__USE_GNU) && !defined(__cplusplus)
#error "batchtune.h: define _GNU_SOURCE before including system headers in the implementation file (or include batchtune.h first)"
#endif

#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <math.h>
#include <errno.h>
#include <time.h>
#include <ctype.h>
#include <limits.h>
#include <float.h>
#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601 /* Windows 7; SRW locks and condition variables need 0x0600 (Vista) */
#endif
#include <windows.h>
#include <io.h>
#include <process.h>
#include <sys/types.h>
#ifdef _MSC_VER
#pragma comment(lib, "advapi32.lib") /* RegGetValueA: the CPU's name for the run metadata */
#endif
#else
#include <pthread.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <spawn.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <dirent.h>
#if defined(__linux__)
#include <sched.h>
#include <sys/mman.h>
#endif
#if defined(__APPLE__)
#include <mach/mach_time.h>
#include <sys/sysctl.h>
#include <crt_externs.h>
#define BTI_ENVIRON (*_NSGetEnviron()) /* a dylib cannot see environ on macOS */
#else
extern char **environ;
#define BTI_ENVIRON environ
#endif
#endif

#if defined(__GNUC__) || defined(__clang__)   /* clang-cl defines _MSC_VER and __clang__ */
#define BTI_UNUSED __attribute__((unused))
#else
#define BTI_UNUSED
#endif
#define BTI_DEF BATCHTUNE_API
#define BTI_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- small helpers ---------- */
static void *bti_malloc(size_t n) { return BATCHTUNE_MALLOC(n ? n : 1); }
static void *bti_calloc(size_t n, size_t sz) {
    void *p;
    size_t total;
    if (sz && n > SIZE_MAX / sz) return NULL;
    total = n * sz;
    if (total == 0) total = 1;
    p = BATCHTUNE_MALLOC(total);
    if (p) memset(p, 0, total);
    return p;
}
static void *bti_realloc(void *p, size_t n) { return BATCHTUNE_REALLOC(p, n ? n : 1); }
static void bti_free(void *p) { if (p) BATCHTUNE_FREE(p); }
static char *bti_strdup(const char *s) {
    size_t n;
    char *p;
    if (!s) return NULL;
    n = strlen(s);
    p = (char *)bti_malloc(n + 1);
    if (p) memcpy(p, s, n + 1);
    return p;
}
static void bti_fmt(char *buf, size_t n, const char *fmt, ...) {
    va_list ap;
    if (!buf || !n) return;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}
/* growable string */
typedef struct bti_str { char *p; size_t len, cap; int oom; } bti_str;
static void bti_str_reserve(bti_str *s, size_t extra) {
    size_t need = s->len + extra + 1, nc;
    char *np;
    if (s->oom || need <= s->cap) return;
    nc = s->cap ? s->cap : 64;
    while (nc < need) nc *= 2;
    np = (char *)bti_realloc(s->p, nc);
    if (!np) { s->oom = 1; return; }
    s->p = np; s->cap = nc;
}
static void bti_str_add(bti_str *s, const char *t, size_t n) {
    bti_str_reserve(s, n);
    if (s->oom) return;
    memcpy(s->p + s->len, t, n);
    s->len += n;
    s->p[s->len] = 0;
}
static void bti_str_cat(bti_str *s, const char *t) { bti_str_add(s, t, strlen(t)); }
static void bti_str_printf(bti_str *s, const char *fmt, ...) {
    va_list ap;
    int n;
    char stackbuf[256];
    va_start(ap, fmt);
    n = vsnprintf(stackbuf, sizeof stackbuf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof stackbuf) { bti_str_add(s, stackbuf, (size_t)n); return; }
    bti_str_reserve(s, (size_t)n);
    if (s->oom) return;
    va_start(ap, fmt);
    vsnprintf(s->p + s->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->len += (size_t)n;
}
static void bti_str_free(bti_str *s) { bti_free(s->p); s->p = NULL; s->len = s->cap = 0; }
static const char *bti_str_c(const bti_str *s) { return s->p ? s->p : ""; }

/* Shortest text that reads back to the same double ("0.1", not "0.10000000000000001"). */
static void bti_fmt_double(char *buf, size_t n, double v) {
    int prec;
    if (isnan(v)) { bti_fmt(buf, n, "nan"); return; }
    if (isinf(v)) { bti_fmt(buf, n, v > 0 ? "inf" : "-inf"); return; }
    for (prec = 6; prec <= 17; prec++) {
        bti_fmt(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}
/* strict number parsing: whole string must be a number */
static int bti_parse_double(const char *s, double *out) {
    char *end;
    double v;
    if (!s || !*s) return 0;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end) return 0;
    *out = v;
    return 1;
}
static int bti_parse_i64(const char *s, int64_t *out) {
    char *end;
    long long v;
    if (!s || !*s) return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || *end || errno == ERANGE) return 0;
    *out = (int64_t)v;
    return 1;
}
static uint64_t bti_fnv1a(uint64_t h, const char *s) {
    if (!h) h = 1469598103934665603ULL;
    while (*s) { h ^= (unsigned char)*s++; h *= 1099511628211ULL; }
    h ^= 0xff; h *= 1099511628211ULL; /* separator so "ab","c" != "a","bc" */
    return h;
}
/* splitmix64: seeded, reproducible random numbers for bootstrap */
static uint64_t bti_rand_next(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static size_t bti_rand_below(uint64_t *s, size_t n) { return (size_t)(bti_rand_next(s) % (uint64_t)n); }

/* ---------------------------------------------------------------- platform --------------- */
/* Everything that differs between Windows, macOS and Linux (POSIX) lives in this block; the
   rest of the implementation calls only these bti_ functions. Three families:
     _WIN32      Win32 API (MSVC, clang-cl, MinGW-w64): SRW locks, condition variables,
                 _beginthreadex, QueryPerformanceCounter, FlushFileBuffers, MoveFileEx
     __APPLE__   POSIX plus a few small differences: mach_absolute_time, F_FULLFSYNC, the
                 sysctl CPU name, _NSGetEnviron; no thread pinning, no page-cache drop (macOS
                 cannot be compiled where batchtune is developed: keep these few and obvious)
     otherwise   POSIX: pthreads, CLOCK_MONOTONIC, fsync, sched_getaffinity on Linux
   Functions that return int give 0 on success and -1 on failure with errno set, as POSIX does,
   so callers can report strerror(errno) on every platform. */
#if defined(_WIN32)
#define BTI_PLATFORM_NAME "Windows"     /* for "... is not supported on this platform (Windows)" */
#elif defined(__APPLE__)
#define BTI_PLATFORM_NAME "macOS"
#elif defined(__linux__)
#define BTI_PLATFORM_NAME "Linux"
#else
#define BTI_PLATFORM_NAME "POSIX"
#endif
#if defined(_WIN32)
typedef HANDLE bti_thread;
typedef SRWLOCK bti_mutex;
typedef CONDITION_VARIABLE bti_cond;
#else
typedef pthread_t bti_thread;
typedef pthread_mutex_t bti_mutex;
typedef pthread_cond_t bti_cond;
#endif

#if defined(_WIN32)
static void bti_win_errno(void) { /* GetLastError() as the nearest errno */
    DWORD e = GetLastError();
    errno = (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND) ? ENOENT
          : (e == ERROR_ACCESS_DENIED || e == ERROR_SHARING_VIOLATION || e == ERROR_LOCK_VIOLATION) ? EACCES
          : (e == ERROR_NOT_ENOUGH_MEMORY || e == ERROR_OUTOFMEMORY) ? ENOMEM
          : (e == ERROR_DISK_FULL || e == ERROR_HANDLE_DISK_FULL) ? ENOSPC : EIO;
}
#endif

/* threads: fn(arg) runs on a new thread; join waits for it and releases it */
typedef struct bti_thread_start { void (*fn)(void *); void *arg; } bti_thread_start;
#if defined(_WIN32)
static unsigned __stdcall bti_thread_main(void *p) {
#else
static void *bti_thread_main(void *p) {
#endif
    bti_thread_start s = *(bti_thread_start *)p;
    bti_free(p);
    s.fn(s.arg);
    return 0;
}
static int bti_thread_create(bti_thread *t, void (*fn)(void *), void *arg) {
    bti_thread_start *s = (bti_thread_start *)bti_malloc(sizeof *s);
    if (!s) { errno = ENOMEM; return -1; }
    s->fn = fn; s->arg = arg;
#if defined(_WIN32)
    *t = (HANDLE)_beginthreadex(NULL, 0, bti_thread_main, s, 0, NULL);
    if (*t) return 0;
#else
    {
        int rc = pthread_create(t, NULL, bti_thread_main, s);
        if (rc == 0) return 0;
        errno = rc;
    }
#endif
    bti_free(s);
    return -1;
}
static void bti_thread_join(bti_thread t) {
#if defined(_WIN32)
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
#else
    pthread_join(t, NULL);
#endif
}

/* mutexes (not recursive) and condition variables; waits may wake spuriously: loop */
#if defined(_WIN32)
static void bti_mutex_init(bti_mutex *m) { InitializeSRWLock(m); }
static void bti_mutex_lock(bti_mutex *m) { AcquireSRWLockExclusive(m); }
static void bti_mutex_unlock(bti_mutex *m) { ReleaseSRWLockExclusive(m); }
static void bti_mutex_destroy(bti_mutex *m) { (void)m; }
static void bti_cond_init(bti_cond *c) { InitializeConditionVariable(c); }
static void bti_cond_wait(bti_cond *c, bti_mutex *m) { SleepConditionVariableSRW(c, m, INFINITE, 0); }
static void bti_cond_signal(bti_cond *c) { WakeConditionVariable(c); }
static void bti_cond_broadcast(bti_cond *c) { WakeAllConditionVariable(c); }
static void bti_cond_destroy(bti_cond *c) { (void)c; }
#else
static void bti_mutex_init(bti_mutex *m) { pthread_mutex_init(m, NULL); }
static void bti_mutex_lock(bti_mutex *m) { pthread_mutex_lock(m); }
static void bti_mutex_unlock(bti_mutex *m) { pthread_mutex_unlock(m); }
static void bti_mutex_destroy(bti_mutex *m) { pthread_mutex_destroy(m); }
static void bti_cond_init(bti_cond *c) { pthread_cond_init(c, NULL); }
static void bti_cond_wait(bti_cond *c, bti_mutex *m) { pthread_cond_wait(c, m); }
static void bti_cond_signal(bti_cond *c) { pthread_cond_signal(c); }
static void bti_cond_broadcast(bti_cond *c) { pthread_cond_broadcast(c); }
static void bti_cond_destroy(bti_cond *c) { pthread_cond_destroy(c); }
#endif
/* Waits at most ms milliseconds; returns 1 when it timed out. Deadlines belong to the caller
   (loop on bt_now_ns()): on POSIX this waits on the wall clock, which can jump. */
static BTI_UNUSED int bti_cond_timedwait_ms(bti_cond *c, bti_mutex *m, long ms) {
#if defined(_WIN32)
    if (SleepConditionVariableSRW(c, m, ms < 0 ? 0 : (DWORD)ms, 0)) return 0;
    return GetLastError() == ERROR_TIMEOUT;
#else
    struct timespec ts;
    long long ns;
    clock_gettime(CLOCK_REALTIME, &ts);
    ns = (long long)ts.tv_nsec + (long long)(ms < 0 ? 0 : ms) * 1000000LL;
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    return pthread_cond_timedwait(c, m, &ts) == ETIMEDOUT;
#endif
}
/* sleeps at least ns nanoseconds (Windows: whole milliseconds, rounded up) */
static BTI_UNUSED void bti_sleep_ns(uint64_t ns) {
#if defined(_WIN32)
    uint64_t ms = (ns + 999999u) / 1000000u;
    Sleep(ms > 0x7fffffffu ? 0x7fffffffu : (DWORD)ms);
#else
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / 1000000000u);
    ts.tv_nsec = (long)(ns % 1000000000u);
    while (ns > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
#endif
}
static BTI_UNUSED void bti_sleep_ms(long ms) { bti_sleep_ns(ms > 0 ? (uint64_t)ms * 1000000u : 0); }

/* floor(t * numer / denom) without the 64-bit overflow of t * numer: whole periods of denom
   plus the remainder (exact; needs numer * denom < 2^64, true for every clock below) */
static BTI_UNUSED uint64_t bti_ticks_to_ns(uint64_t t, uint64_t numer, uint64_t denom) {
    return (t / denom) * numer + (t % denom) * numer / denom;
}
/* monotonic clock: nanoseconds from an arbitrary start, never backwards */
static uint64_t bti_monotonic_ns(void) {
#if defined(_WIN32)
    LARGE_INTEGER c, f;
    QueryPerformanceCounter(&c);
    QueryPerformanceFrequency(&f);  /* fixed at boot; reading it is cheap */
    return bti_ticks_to_ns((uint64_t)c.QuadPart, 1000000000ULL, (uint64_t)f.QuadPart);
#elif defined(__APPLE__)
    mach_timebase_info_data_t tb;
    uint64_t t = mach_absolute_time();
    mach_timebase_info(&tb);        /* ns = ticks * numer / denom (1/1 on Intel, 125/3 on Apple M) */
    return bti_ticks_to_ns(t, tb.numer, tb.denom);
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
#endif
}
/* what the OS says one tick is, in ns (0 when unknown) */
static double bti_monotonic_res_ns(void) {
#if defined(_WIN32)
    LARGE_INTEGER f;
    QueryPerformanceFrequency(&f);
    return f.QuadPart > 0 ? 1e9 / (double)f.QuadPart : 0;
#elif defined(__APPLE__)
    mach_timebase_info_data_t tb;
    mach_timebase_info(&tb);
    return tb.denom ? (double)tb.numer / (double)tb.denom : 0;
#else
    struct timespec res;
    if (clock_getres(CLOCK_MONOTONIC, &res) != 0) return 0;
    return (double)res.tv_sec * 1e9 + (double)res.tv_nsec;
#endif
}
/* CPU seconds used by the whole process so far (all its threads, user + system); 0 when
   the OS will not say. Windows: GetProcessTimes (100 ns units). */
static BTI_UNUSED double bti_process_cpu_s(void) {
#if defined(_WIN32)
    FILETIME c, e, k, u;
    if (!GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u)) return 0;
    return ((double)(((uint64_t)k.dwHighDateTime << 32) | k.dwLowDateTime) +
            (double)(((uint64_t)u.dwHighDateTime << 32) | u.dwLowDateTime)) * 1e-7;
#else
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
#endif
}
static void bti_gmtime(time_t t, struct tm *out) {
#if defined(_WIN32)
    if (gmtime_s(out, &t) != 0) memset(out, 0, sizeof *out);
#else
    if (!gmtime_r(&t, out)) memset(out, 0, sizeof *out);
#endif
}

/* files: flush the FILE's buffer, then make the OS write it to the disk itself (fsync is not
   enough on macOS, whose disks may keep it in their cache: F_FULLFSYNC, then fsync where the
   file system does not support it) */
static int bti_flush_to_disk(FILE *f) {
    if (fflush(f) != 0) return -1;
#if defined(_WIN32)
    {
        HANDLE h = (HANDLE)_get_osfhandle(_fileno(f));
        if (h == INVALID_HANDLE_VALUE) { errno = EBADF; return -1; }
        if (!FlushFileBuffers(h)) { bti_win_errno(); return -1; }
        return 0;
    }
#elif defined(__APPLE__)
    if (fcntl(fileno(f), F_FULLFSYNC) == 0) return 0;
    return fsync(fileno(f));
#else
    return fsync(fileno(f));
#endif
}
/* cuts the file at path to size bytes (the file must not be open elsewhere on Windows) */
static int bti_truncate_file(const char *path, long long size) {
#if defined(_WIN32)
    HANDLE h = CreateFileA(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    LARGE_INTEGER at;
    int ok;
    if (h == INVALID_HANDLE_VALUE) { bti_win_errno(); return -1; }
    at.QuadPart = size;
    ok = SetFilePointerEx(h, at, NULL, FILE_BEGIN) && SetEndOfFile(h);
    if (!ok) bti_win_errno();
    CloseHandle(h);
    return ok ? 0 : -1;
#else
    return truncate(path, (off_t)size);
#endif
}
/* rename that replaces an existing target (Windows' rename() refuses to) */
static int bti_rename_replace(const char *from, const char *to) {
#if defined(_WIN32)
    if (MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) return 0;
    bti_win_errno();
    return -1;
#else
    return rename(from, to);
#endif
}
/* 1 and the size in bytes when path exists */
static int bti_file_size(const char *path, long long *size) {
#if defined(_WIN32)
    WIN32_FILE_ATTRIBUTE_DATA a;
    if (!GetFileAttributesExA(path, GetFileExInfoStandard, &a)) return 0;
    *size = (long long)(((uint64_t)a.nFileSizeHigh << 32) | a.nFileSizeLow);
    return 1;
#else
    struct stat stt;
    if (stat(path, &stt) != 0) return 0;
    *size = (long long)stt.st_size;
    return 1;
#endif
}

/* process and machine */
static long bti_getpid(void) {
#if defined(_WIN32)
    return (long)GetCurrentProcessId();
#else
    return (long)getpid();
#endif
}
static int bti_isatty(FILE *f) {
#if defined(_WIN32)
    return _isatty(_fileno(f)) != 0;
#else
    return isatty(fileno(f)) != 0;
#endif
}
/* 1 when f is a terminal that shows ANSI colors (on Windows: a console that accepts
   virtual-terminal sequences, switched on here; older consoles get plain text) */
static int bti_term_color(FILE *f) {
#if defined(_WIN32)
    HANDLE h;
    DWORD mode;
    if (!bti_isatty(f)) return 0;
    h = (HANDLE)_get_osfhandle(_fileno(f));
    if (h == INVALID_HANDLE_VALUE || !GetConsoleMode(h, &mode)) return 0;
    return (mode & 0x0004) || SetConsoleMode(h, mode | 0x0004); /* ENABLE_VIRTUAL_TERMINAL_PROCESSING */
#else
    return bti_isatty(f);
#endif
}
static void bti_hostname(char *buf, size_t n) {
#if defined(_WIN32)
    DWORD len = (DWORD)n;
    if (n && GetComputerNameA(buf, &len)) return;
#else
    if (n > 1 && gethostname(buf, n - 1) == 0) { buf[n - 1] = 0; return; }
#endif
    bti_fmt(buf, n, "unknown");
}
/* CPUs online, and the CPUs this process may run on (affinity; = online where unknown) */
static int bti_cpu_count(void) {
#if defined(_WIN32)
#if _WIN32_WINNT >= 0x0601
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    return n ? (int)n : 1;
#else
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors ? (int)si.dwNumberOfProcessors : 1;
#endif
#else
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
#endif
}
static int bti_cpu_count_allowed(void) {
#if defined(_WIN32)
    DWORD_PTR proc, sys;
    int n = 0;
    if (GetProcessAffinityMask(GetCurrentProcess(), &proc, &sys) && proc) {
        for (; proc; proc &= proc - 1) n++;   /* the process' processor group only */
        return n;
    }
#elif defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
    return bti_cpu_count();
}
static char *bti_trim(char *s);
/* the CPU's marketing name ("AMD EPYC 7B13"), "unknown" where the OS will not say */
static void bti_cpu_model(char *buf, size_t n) {
#if defined(_WIN32)
    DWORD len = (DWORD)n;
    if (n && RegGetValueA(HKEY_LOCAL_MACHINE, "HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0",
                          "ProcessorNameString", RRF_RT_REG_SZ, NULL, buf, &len) == ERROR_SUCCESS) {
        char *t = bti_trim(buf);
        memmove(buf, t, strlen(t) + 1);
        return;
    }
#elif defined(__APPLE__)
    size_t len = n;
    if (n && sysctlbyname("machdep.cpu.brand_string", buf, &len, NULL, 0) == 0) return;
#else
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c) { bti_fmt(buf, n, "%s", bti_trim(c + 1)); fclose(f); return; }
            }
        }
        fclose(f);
    }
#endif
    bti_fmt(buf, n, "unknown");
}

/* Reading files by offset from many threads (the loader's records): pread on POSIX, ReadFile at
   an offset on Windows. Returns the bytes read (short at the end of the file), -1 on error. */
#if defined(_WIN32)
typedef HANDLE bti_file;
#define BTI_FILE_NONE INVALID_HANDLE_VALUE
#else
typedef int bti_file;
#define BTI_FILE_NONE (-1)
#endif
static BTI_UNUSED bti_file bti_file_open_read(const char *path) {
#if defined(_WIN32)
    HANDLE h = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) bti_win_errno();
    return h;
#else
    return open(path, O_RDONLY);
#endif
}
static BTI_UNUSED long long bti_file_pread(bti_file f, void *buf, size_t n, long long off) {
#if defined(_WIN32)
    OVERLAPPED ov;
    DWORD got = 0;
    memset(&ov, 0, sizeof ov);
    ov.Offset = (DWORD)((uint64_t)off & 0xffffffffu);
    ov.OffsetHigh = (DWORD)((uint64_t)off >> 32);
    if (n > 0x40000000u) n = 0x40000000u;   /* one call reads at most 1 GiB: callers loop */
    if (!ReadFile(f, buf, (DWORD)n, &got, &ov)) {
        if (GetLastError() == ERROR_HANDLE_EOF) return 0;
        bti_win_errno();
        return -1;
    }
    return (long long)got;
#else
    ssize_t r;
    while ((r = pread(f, buf, n, (off_t)off)) < 0 && errno == EINTR) {}
    return (long long)r;
#endif
}
static BTI_UNUSED void bti_file_close(bti_file f) {
#if defined(_WIN32)
    if (f != INVALID_HANDLE_VALUE) CloseHandle(f);
#else
    if (f >= 0) close(f);
#endif
}
/* The size of an open file, and whether it is a regular file (not a folder, pipe or device):
   0, or -1 with errno set. */
static BTI_UNUSED int bti_file_info(bti_file f, long long *size, int *regular) {
#if defined(_WIN32)
    LARGE_INTEGER sz;
    if (!GetFileSizeEx(f, &sz)) { bti_win_errno(); return -1; }
    *size = (long long)sz.QuadPart;
    *regular = GetFileType(f) == FILE_TYPE_DISK;
    return 0;
#else
    struct stat st;
    if (fstat(f, &st) != 0) return -1;
    *size = (long long)st.st_size;
    *regular = S_ISREG(st.st_mode) != 0;
    return 0;
#endif
}
/* Asks the OS to drop the file's cached pages (cold-cache runs). Linux: posix_fadvise
   DONTNEED. Windows and macOS have no such call: -1 with errno ENOSYS, so the caller can say
   "page-cache eviction is not supported on this platform". ENOSYS does not depend on f: a
   call with BTI_FILE_NONE asks whether the platform can do it at all (Linux: EBADF). */
static BTI_UNUSED int bti_file_drop_cache(bti_file f, long long off, long long len) {
#if defined(__linux__)
    int rc = posix_fadvise(f, (off_t)off, (off_t)len, POSIX_FADV_DONTNEED);
    if (rc != 0) { errno = rc; return -1; }
    return 0;
#else
    (void)f; (void)off; (void)len;
    errno = ENOSYS;
    return -1;
#endif
}
/* Faults in the whole pages of [p, p + n) for writing in one call (Linux 5.14+:
   MADV_POPULATE_WRITE; contents unchanged), about a third cheaper here than the page faults
   of a first touch. -1 where the platform or kernel cannot: the pages then fault in as they
   are written. */
static BTI_UNUSED int bti_mem_prefault(void *p, size_t n) {
#if defined(__linux__)
    const long pgl = sysconf(_SC_PAGESIZE);
    const uintptr_t pg = pgl > 0 ? (uintptr_t)pgl : 4096, a = ((uintptr_t)p + pg - 1) & ~(pg - 1), e = ((uintptr_t)p + n) & ~(pg - 1);
    if (e <= a) return 0;
    return madvise((void *)a, (size_t)(e - a), 23 /* MADV_POPULATE_WRITE */) == 0 ? 0 : -1;
#else
    (void)p; (void)n;
    return -1;
#endif
}
/* 1 when path is a regular file (not a folder or a device) */
static BTI_UNUSED int bti_is_regular_file(const char *path) {
#if defined(_WIN32)
    DWORD a = GetFileAttributesA(path);
    return a != INVALID_FILE_ATTRIBUTES && !(a & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_DEVICE));
#else
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
#endif
}
/* 1 when both paths name the same file (links and other spellings included); 0 otherwise or
   when either is missing. Windows: volume serial number + file index (its stat() has no inode) */
static BTI_UNUSED int bti_same_file(const char *a, const char *b) {
#if defined(_WIN32)
    BY_HANDLE_FILE_INFORMATION ia, ib;
    HANDLE ha, hb;
    int same = 0;
    ha = CreateFileA(a, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    hb = CreateFileA(b, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (ha != INVALID_HANDLE_VALUE && hb != INVALID_HANDLE_VALUE && GetFileInformationByHandle(ha, &ia) &&
        GetFileInformationByHandle(hb, &ib))
        same = ia.dwVolumeSerialNumber == ib.dwVolumeSerialNumber && ia.nFileIndexHigh == ib.nFileIndexHigh &&
               ia.nFileIndexLow == ib.nFileIndexLow;
    if (ha != INVALID_HANDLE_VALUE) CloseHandle(ha);
    if (hb != INVALID_HANDLE_VALUE) CloseHandle(hb);
    return same;
#else
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
#endif
}
/* The names in a folder, without "." and "..", in the order the OS gives them (sort them).
   Calls fn(name, kind, user) for each until it returns non-zero; kind is what the listing
   itself says, so most names need no stat: BTI_DIRENT_FILE (a regular file), BTI_DIRENT_OTHER
   (a folder, device, ...), BTI_DIRENT_ASK (a link, or the file system will not say: ask
   bti_is_regular_file). Returns 0, or -1 with errno set when the folder cannot be read. */
enum { BTI_DIRENT_OTHER = 0, BTI_DIRENT_FILE = 1, BTI_DIRENT_ASK = 2 };
static BTI_UNUSED int bti_dir_each(const char *dir, int (*fn)(const char *name, int kind, void *user), void *user) {
#if defined(_WIN32)
    WIN32_FIND_DATAA fd;
    HANDLE h;
    char pat[4096];
    size_t n = strlen(dir);
    bti_fmt(pat, sizeof pat, "%s%s*", dir, n && (dir[n - 1] == '/' || dir[n - 1] == '\\') ? "" : "\\");
    h = FindFirstFileA(pat, &fd);
    if (h == INVALID_HANDLE_VALUE) {
        if (GetLastError() == ERROR_FILE_NOT_FOUND) return 0;   /* empty (not even "." on some file systems) */
        bti_win_errno();
        return -1;
    }
    do {
        DWORD a = fd.dwFileAttributes;
        if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0) continue;
        if (fn(fd.cFileName, (a & FILE_ATTRIBUTE_REPARSE_POINT) ? BTI_DIRENT_ASK
                             : (a & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_DEVICE)) ? BTI_DIRENT_OTHER : BTI_DIRENT_FILE, user)) break;
    } while (FindNextFileA(h, &fd));
    FindClose(h);
    return 0;
#else
    DIR *d = opendir(dir);
    struct dirent *de;
    if (!d) return -1;
    while ((de = readdir(d)) != NULL) {
        int kind = BTI_DIRENT_ASK;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
#if defined(_DIRENT_HAVE_D_TYPE) && defined(DT_REG)
        kind = de->d_type == DT_REG ? BTI_DIRENT_FILE
             : de->d_type == DT_LNK || de->d_type == DT_UNKNOWN ? BTI_DIRENT_ASK : BTI_DIRENT_OTHER;
#endif
        if (fn(de->d_name, kind, user)) break;
    }
    closedir(d);
    return 0;
#endif
}
/* Pins the calling thread to the k-th (modulo their number) CPU this process may run on.
   0 on success; -1 with errno ENOSYS where threads cannot be pinned (macOS). */
static BTI_UNUSED int bti_thread_pin_self(int k) {
#if defined(_WIN32)
    DWORD_PTR proc, sys, bit;
    int n = 0, i;
    if (!GetProcessAffinityMask(GetCurrentProcess(), &proc, &sys) || !proc) { bti_win_errno(); return -1; }
    for (bit = proc; bit; bit &= bit - 1) n++;
    k = ((k % n) + n) % n;
    for (bit = proc, i = 0; i < k; i++) bit &= bit - 1;    /* drop the k lowest allowed CPUs */
    if (!SetThreadAffinityMask(GetCurrentThread(), bit & (~bit + 1))) { bti_win_errno(); return -1; }
    return 0;
#elif defined(__linux__) && defined(CPU_COUNT)
    cpu_set_t all, one;
    int n, cpu, rc;
    if (sched_getaffinity(0, sizeof all, &all) != 0) return -1;
    n = CPU_COUNT(&all);
    if (n <= 0) { errno = EINVAL; return -1; }
    k = ((k % n) + n) % n;
    for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &all) && k-- == 0) break;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    rc = pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    if (rc != 0) { errno = rc; return -1; }
    return 0;
#else
    (void)k;
    errno = ENOSYS;
    return -1;
#endif
}

/* Runs argv (the program at path, or argv[0] searched in PATH when path is NULL; no shell) with
   stdout and stderr captured into out and errs (16 MiB each at most), until it exits or
   timeout_s passes: then it is killed with every process it started (process group / job
   object) and *timed_out is 1. env_add ("NAME=value", or NULL) is added to the environment the
   child inherits. *exit_code is its exit status, *sig the signal that ended it (POSIX; 0 when it
   exited). Returns 0; -1 when the program could not be started, -2 when the OS refused pipes or
   memory (err says why). Windows: CreateProcess; the command line is quoted so the program's C
   runtime splits it back into the same argv; env_add is set in this process around
   CreateProcess (not thread safe there). */
#define BTI_CAPTURE_MAX ((size_t)16 << 20)
#if defined(_WIN32)
typedef struct bti_pipe_reader { HANDLE h; bti_str *dst; } bti_pipe_reader;
static void bti_pipe_read_main(void *arg) {
    bti_pipe_reader *r = (bti_pipe_reader *)arg;
    char buf[4096];
    DWORD got;
    while (ReadFile(r->h, buf, sizeof buf, &got, NULL) && got > 0)
        if (r->dst->len < BTI_CAPTURE_MAX) bti_str_add(r->dst, buf, got);
}
static void bti_win_quote_arg(bti_str *cl, const char *a) {
    size_t bs = 0;
    if (*a && !strpbrk(a, " \t\n\v\"")) { bti_str_cat(cl, a); return; }
    bti_str_add(cl, "\"", 1);
    for (;; a++) {
        if (*a == '\\') { bs++; continue; }
        /* backslashes are literal unless they precede a quote: then each one is doubled */
        for (; bs; bs--) bti_str_add(cl, *a == '"' || !*a ? "\\\\" : "\\", *a == '"' || !*a ? 2 : 1);
        if (!*a) break;
        if (*a == '"') bti_str_add(cl, "\\", 1);
        bti_str_add(cl, a, 1);
    }
    bti_str_add(cl, "\"", 1);
}
static int bti_spawn_capture(char *const *argv, const char *path, const char *env_add, double timeout_s, bti_str *out,
                             bti_str *errs, int *exit_code, int *sig, int *timed_out, char *err, size_t errlen) {
    SECURITY_ATTRIBUTES sa;
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;
    HANDLE rd[2] = {NULL, NULL}, wr[2] = {NULL, NULL}, job;
    bti_pipe_reader rdr[2];
    bti_thread th[2];
    int started[2] = {0, 0}, i, ok;
    DWORD code = 1, wait_ms;
    bti_str cl;
    *exit_code = 0; *sig = 0; *timed_out = 0;
    memset(&cl, 0, sizeof cl);
    for (i = 0; argv[i]; i++) { if (i) bti_str_add(&cl, " ", 1); bti_win_quote_arg(&cl, argv[i]); }
    if (cl.oom) { bti_fmt(err, errlen, "out of memory"); bti_str_free(&cl); return -2; }
    memset(&sa, 0, sizeof sa);
    sa.nLength = sizeof sa; sa.bInheritHandle = TRUE;
    for (i = 0; i < 2; i++) {
        if (!CreatePipe(&rd[i], &wr[i], &sa, 0) || !SetHandleInformation(rd[i], HANDLE_FLAG_INHERIT, 0)) {
            bti_fmt(err, errlen, "CreatePipe failed (error %lu)", (unsigned long)GetLastError());
            for (i = 0; i < 2; i++) { if (rd[i]) CloseHandle(rd[i]); if (wr[i]) CloseHandle(wr[i]); }
            bti_str_free(&cl);
            return -2;
        }
    }
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = wr[0];
    si.hStdError = wr[1];
    job = CreateJobObjectA(NULL, NULL);   /* so a timeout kills its children too */
    {
        char name[128], *old = NULL;
        const char *eq = env_add ? strchr(env_add, '=') : NULL;
        DWORD oldn = 0;
        if (eq && (size_t)(eq - env_add) < sizeof name) {
            bti_fmt(name, sizeof name, "%.*s", (int)(eq - env_add), env_add);
            oldn = GetEnvironmentVariableA(name, NULL, 0);
            if (oldn && (old = (char *)bti_malloc(oldn)) != NULL) GetEnvironmentVariableA(name, old, oldn);
            SetEnvironmentVariableA(name, eq + 1);
        } else eq = NULL;
        ok = CreateProcessA(path, cl.p, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, &pi);
        if (!ok) bti_fmt(err, errlen, "cannot start '%s' (CreateProcess error %lu)", path ? path : argv[0], (unsigned long)GetLastError());
        if (eq) { SetEnvironmentVariableA(name, old); bti_free(old); }  /* old NULL: removes it again */
    }
    bti_str_free(&cl);
    CloseHandle(wr[0]); CloseHandle(wr[1]);
    if (!ok) {
        CloseHandle(rd[0]); CloseHandle(rd[1]);
        if (job) CloseHandle(job);
        return -1;
    }
    if (job && !AssignProcessToJobObject(job, pi.hProcess)) { CloseHandle(job); job = NULL; }
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    for (i = 0; i < 2; i++) {
        rdr[i].h = rd[i]; rdr[i].dst = i ? errs : out;
        started[i] = bti_thread_create(&th[i], bti_pipe_read_main, &rdr[i]) == 0;
    }
    wait_ms = (DWORD)((timeout_s > 0 ? timeout_s : 600) * 1000.0) + 1;
    if (WaitForSingleObject(pi.hProcess, wait_ms) == WAIT_TIMEOUT) {
        if (!job || !TerminateJobObject(job, 1)) TerminateProcess(pi.hProcess, 1);
        WaitForSingleObject(pi.hProcess, INFINITE);
        *timed_out = 1;
    }
    for (i = 0; i < 2; i++) {
        if (started[i]) bti_thread_join(th[i]); else bti_pipe_read_main(&rdr[i]);
        CloseHandle(rd[i]);
    }
    GetExitCodeProcess(pi.hProcess, &code);
    *exit_code = (int)code;
    CloseHandle(pi.hProcess);
    if (job) CloseHandle(job);
    return 0;
}
#else
static int bti_spawn_capture(char *const *argv, const char *path, const char *env_add, double timeout_s, bti_str *out,
                             bti_str *errs, int *exit_code, int *sig, int *timed_out, char *err, size_t errlen) {
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, rc, status = 0, open_fds = 2, i;
    pid_t pid;
    char **envp = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    uint64_t deadline;
    *exit_code = 0; *sig = 0; *timed_out = 0;
    if (pipe(outp) != 0 || pipe(errp) != 0) {
        bti_fmt(err, errlen, "pipe: %s", strerror(errno));
        if (outp[0] >= 0) { close(outp[0]); close(outp[1]); }
        return -2;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    posix_spawn_file_actions_addclose(&fa, outp[0]);
    posix_spawn_file_actions_addclose(&fa, errp[0]);
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    if (env_add) {                        /* the environment plus NAME=value (replacing NAME) */
        char **e = BTI_ENVIRON;
        size_t n = 0, k = 0, nl = strcspn(env_add, "=") + 1;
        while (e && e[n]) n++;
        envp = (char **)bti_malloc((n + 2) * sizeof *envp);
        if (envp) {
            for (i = 0; (size_t)i < n; i++) if (strncmp(e[i], env_add, nl) != 0) envp[k++] = e[i];
            envp[k++] = (char *)env_add;
            envp[k] = NULL;
        }
    }
    rc = env_add && !envp ? ENOMEM
       : path ? posix_spawn(&pid, path, &fa, &at, argv, envp ? envp : BTI_ENVIRON)
              : posix_spawnp(&pid, argv[0], &fa, &at, argv, envp ? envp : BTI_ENVIRON);
    bti_free(envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(outp[1]); close(errp[1]);
    if (rc != 0) {
        bti_fmt(err, errlen, "cannot start '%s': %s", path ? path : argv[0], strerror(rc));
        close(outp[0]); close(errp[0]);
        return -1;
    }
    deadline = bti_monotonic_ns() + (uint64_t)((timeout_s > 0 ? timeout_s : 600) * 1e9);
    while (open_fds > 0) {
        struct pollfd pf[2];
        int np = 0, left_ms;
        uint64_t now = bti_monotonic_ns();
        if (now >= deadline) { kill(-pid, SIGKILL); *timed_out = 1; break; }
        left_ms = (int)((deadline - now) / 1000000ULL) + 1;
        if (outp[0] >= 0) { pf[np].fd = outp[0]; pf[np].events = POLLIN; np++; }
        if (errp[0] >= 0) { pf[np].fd = errp[0]; pf[np].events = POLLIN; np++; }
        if (poll(pf, (nfds_t)np, left_ms) < 0) { if (errno == EINTR) continue; break; }
        for (i = 0; i < np; i++) {
            char buf[4096];
            ssize_t got;
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            got = read(pf[i].fd, buf, sizeof buf);
            if (got > 0) {
                bti_str *dst = pf[i].fd == outp[0] ? out : errs;
                if (dst->len < BTI_CAPTURE_MAX) bti_str_add(dst, buf, (size_t)got);
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                if (pf[i].fd == outp[0]) { close(outp[0]); outp[0] = -1; } else { close(errp[0]); errp[0] = -1; }
                open_fds--;
            }
        }
    }
    if (outp[0] >= 0) close(outp[0]);
    if (errp[0] >= 0) close(errp[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFSIGNALED(status)) *sig = WTERMSIG(status);
    else if (WIFEXITED(status)) *exit_code = WEXITSTATUS(status);
    return 0;
}
#endif

/* Removes a variable from the environment that processes started later inherit. */
static void bti_env_unset(const char *name) {
#if defined(_WIN32)
    SetEnvironmentVariableA(name, NULL);   /* CreateProcess copies this block, not the CRT's */
#else
    unsetenv(name);
#endif
}
/* The file of this program, to start it again (isolated cells): 0 with the path in buf, -1 when
   unknown (then argv[0] is searched in PATH). */
static int bti_self_exe(char *buf, size_t n) {
#if defined(_WIN32)
    DWORD got = GetModuleFileNameA(NULL, buf, (DWORD)n);
    if (got == 0 || got >= n) { bti_win_errno(); return -1; }
    return 0;
#elif defined(__linux__)
    /* the file /proc/self/exe names (valgrind and similar launchers answer this readlink with
       the program they run, while exec of the link itself would start the launcher) */
    ssize_t got = n > 1 ? readlink("/proc/self/exe", buf, n - 1) : -1;
    if (got > 0 && (size_t)got < n - 1) buf[got] = 0;
    if (got <= 0 || (size_t)got >= n - 1 || strstr(buf, " (deleted)")) bti_fmt(buf, n, "/proc/self/exe");
    return 0;
#else
    (void)buf; (void)n;
    errno = ENOSYS;
    return -1;
#endif
}
/* argv of this process, for a caller that did not keep main's: one bti_free-able block (the
   pointers, then the strings), NULL-terminated. Linux reads /proc/self/cmdline; elsewhere NULL
   with errno ENOSYS (the caller must pass argv). */
static char **bti_self_argv(void) {
#if defined(__linux__)
    FILE *f = fopen("/proc/self/cmdline", "rb");
    char buf[65536], **v, *txt;
    size_t len, n = 0, i, k = 0;
    if (!f) return NULL;
    len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    if (len == 0 || len == sizeof buf) { errno = len ? E2BIG : EIO; return NULL; }
    if (buf[len - 1] != 0) buf[len++] = 0;      /* each argument ends with NUL; be safe anyway */
    for (i = 0; i < len; i++) if (!buf[i]) n++;
    v = (char **)bti_malloc((n + 1) * sizeof *v + len);
    if (!v) { errno = ENOMEM; return NULL; }
    txt = (char *)(v + n + 1);
    memcpy(txt, buf, len);
    for (i = 0; i < len && k < n; i += strlen(txt + i) + 1) v[k++] = txt + i;
    v[k] = NULL;
    return v;
#else
    errno = ENOSYS;
    return NULL;
#endif
}
/* How a child process ended, in words: "killed by signal 11 (SIGSEGV)", "exited with status 3",
   on Windows "exited with code 0xC0000005 (access violation)". */
static void bti_exit_what(int code, int sig, char *buf, size_t n) {
#if defined(_WIN32)
    unsigned long u = (unsigned long)(unsigned)code;
    const char *what = u == 0xC0000005UL ? "access violation" : u == 0xC00000FDUL ? "stack overflow"
                     : u == 0xC0000409UL ? "stack buffer overrun or fast fail" : u == 0xC000001DUL ? "illegal instruction"
                     : u == 0xC0000094UL ? "integer division by zero" : u == 3 ? "abort()" : NULL;
    (void)sig;
    if (u >= 0xC0000000UL) bti_fmt(buf, n, "exited with code 0x%08lX%s%s%s", u, what ? " (" : "", what ? what : "", what ? ")" : "");
    else bti_fmt(buf, n, "exited with status %d%s%s%s", code, what ? " (" : "", what ? what : "", what ? ")" : "");
#else
    const char *name = sig == SIGSEGV ? "SIGSEGV" : sig == SIGABRT ? "SIGABRT" : sig == SIGBUS ? "SIGBUS"
                     : sig == SIGFPE ? "SIGFPE" : sig == SIGILL ? "SIGILL" : sig == SIGKILL ? "SIGKILL"
                     : sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : sig == SIGPIPE ? "SIGPIPE"
                     : sig == SIGTRAP ? "SIGTRAP" : sig == SIGSYS ? "SIGSYS" : sig == SIGXCPU ? "SIGXCPU" : NULL;
    if (sig) bti_fmt(buf, n, "killed by signal %d%s%s%s", sig, name ? " (" : "", name ? name : "", name ? ")" : "");
    else bti_fmt(buf, n, "exited with status %d", code);
#endif
}

/* ---------------------------------------------------------------- version, status -------- */
BTI_DEF const char *bt_version_string(void) { return BATCHTUNE_VERSION_STRING; }

BTI_DEF const char *bt_status_str(bt_status s) {
    switch (s) {
#define BTI_STR_ITEM(name, value, text) case name: return text;
        BT_STATUS_LIST(BTI_STR_ITEM)
#undef BTI_STR_ITEM
    default: return "unknown status";
    }
}
BTI_DEF const char *bt_status_name(bt_status s) {
    switch (s) {
#define BTI_NAME_ITEM(name, value, text) case name: return #name;
        BT_STATUS_LIST(BTI_NAME_ITEM)
#undef BTI_NAME_ITEM
    default: return "BT_UNKNOWN";
    }
}

static const char *const bti_cell_status_names[BT_CELL_STATUS_COUNT] = {
    "ok", "oom", "error", "timeout", "infeasible", "pruned", "not_run"};
BTI_DEF const char *bt_cell_status_str(bt_cell_status s) {
    return (s >= 0 && s < BT_CELL_STATUS_COUNT) ? bti_cell_status_names[s] : "unknown";
}
BTI_DEF int bt_cell_status_parse(const char *s, bt_cell_status *out) {
    int i;
    for (i = 0; i < BT_CELL_STATUS_COUNT; i++)
        if (s && strcmp(s, bti_cell_status_names[i]) == 0) { *out = (bt_cell_status)i; return 1; }
    return 0;
}

/* ---------------------------------------------------------------- clock ------------------ */
BTI_DEF uint64_t bt_now_ns(void) { return bti_monotonic_ns(); }
BTI_DEF void bt_clock_measure(bt_clock_info *out) {
    uint64_t t0, t1, prev, cur, minstep = UINT64_MAX;
    int i, n = 20000;
    memset(out, 0, sizeof *out);
    out->reported_res_ns = bti_monotonic_res_ns();
    t0 = bt_now_ns();
    for (i = 0; i < n; i++) (void)bt_now_ns();
    t1 = bt_now_ns();
    out->overhead_ns = (double)(t1 - t0) / n;
    for (i = 0; i < 200; i++) {
        prev = bt_now_ns();
        do { cur = bt_now_ns(); } while (cur == prev);
        if (cur - prev < minstep) minstep = cur - prev;
    }
    out->resolution_ns = (double)minstep;
}

/* ---------------------------------------------------------------- statistics ------------- */
static int bti_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
BTI_DEF double bt_quantile_sorted(const double *x, size_t n, double q) {
    double pos, frac;
    size_t i;
    if (!n) return NAN;
    if (q <= 0) return x[0];
    if (q >= 1) return x[n - 1];
    pos = q * (double)(n - 1);
    i = (size_t)pos;
    frac = pos - (double)i;
    if (i + 1 >= n) return x[n - 1];
    return x[i] + (x[i + 1] - x[i]) * frac;
}
static double bti_median_inplace(double *x, size_t n) {
    qsort(x, n, sizeof *x, bti_cmp_double);
    return bt_quantile_sorted(x, n, 0.5);
}
/* The 95 % interval of the median of n sorted samples: 1-based ranks j <= k with
   P(X_(j) <= median <= X_(k)) ~ 0.95 (normal approximation to the binomial); under 6 samples
   the whole range. bt_stats_compute's rule; the search's cost model simulates the same one. */
static void bti_median_ci_ranks(long n, long *j, long *k) {
    *j = 1;
    *k = n;
    if (n >= 6) {
        double h = 1.96 * sqrt((double)n) / 2.0;
        *j = (long)floor((double)n / 2.0 - h);
        *k = (long)ceil((double)n / 2.0 + h) + 1;
        if (*j < 1) *j = 1;
        if (*k > n) *k = n;
    }
}
BTI_DEF bt_status bt_stats_compute(const double *x, size_t n, bt_stats *st) {
    double *s, sum = 0, ss = 0, *dev;
    size_t i;
    memset(st, 0, sizeof *st);
    if (!x || !n) return BT_E_INVALID;
    s = (double *)bti_malloc(2 * n * sizeof *s);
    if (!s) return BT_E_NOMEM;
    dev = s + n;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, bti_cmp_double);
    for (i = 0; i < n; i++) sum += s[i];
    st->n = n;
    st->min = s[0];
    st->max = s[n - 1];
    st->mean = sum / (double)n;
    for (i = 0; i < n; i++) ss += (s[i] - st->mean) * (s[i] - st->mean);
    st->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
    st->median = bt_quantile_sorted(s, n, 0.5);
    st->p10 = bt_quantile_sorted(s, n, 0.10);
    st->p90 = bt_quantile_sorted(s, n, 0.90);
    st->p99 = bt_quantile_sorted(s, n, 0.99);
    if (n > 1 && st->median != 0) {
        for (i = 0; i < n; i++) dev[i] = fabs(s[i] - st->median);
        st->rel_mad = 1.4826 * bti_median_inplace(dev, n) / fabs(st->median);
    }
    {
        long j, k;
        bti_median_ci_ranks((long)n, &j, &k);
        st->ci_lo = s[j - 1];
        st->ci_hi = s[k - 1];
    }
    if (n > 1 && st->median != 0) st->rel_noise = (st->ci_hi - st->ci_lo) / (2.0 * fabs(st->median));
    bti_free(s);
    return BT_OK;
}

BTI_DEF bt_stop_rule bt_stop_rule_defaults(const bt_stop_rule *in) {
    bt_stop_rule r;
    if (in) r = *in; else memset(&r, 0, sizeof r);
    if (r.warmup == 0) r.warmup = 1;
    if (r.warmup < 0) r.warmup = 0;
    if (r.min_samples <= 0) r.min_samples = 5;
    if (r.max_samples <= 0) r.max_samples = 1000;
    if (r.max_samples < r.min_samples) r.max_samples = r.min_samples;
    if (r.max_rel_noise <= 0) r.max_rel_noise = 0.02;
    if (r.min_time_s <= 0) r.min_time_s = 0.1;
    if (r.max_time_s <= 0) r.max_time_s = 3.0;
    if (r.max_time_s < r.min_time_s) r.max_time_s = r.min_time_s;
    if (r.timeout_s <= 0) r.timeout_s = 60.0;
    return r;
}
/* ---- Zero reads. A sample time of 0 s or less is not a measurement: the clock did not advance
   across the work (a delta under the timer's resolution: a coarse or virtualised clock, work of
   a few microseconds), or it stepped back. Such a sample is kept in the samples file (the raw
   record) but never used as a time: not in a cell's median, mean, spread, interval or
   percentiles, not in the stop rule's noise judgement, not in the search's comparisons, not in
   a ranking's or a comparison's bootstrap. It still counts as a sample taken (the stop rule's
   count cap and the cost: it took its time, read as 0, and its overhead). A cell's row says how
   many were left out in its reason; a cell whose every sample read 0 s has no time and is
   recorded "error" (never ranked, never the fastest). Motivated by the twenty-fifth final set's
   "a timer that sometimes reads zero" (4-5 us cells, each recorded sample 0 with probability
   1/6): the zeros dragged medians down and every strategy, exhaustive included, picked a cell
   2.01 % behind the true best. These helpers are the one test every such place uses. */
static int bti_time_ok(double t) { return t > 0; }             /* a usable time (NaN: no) */
static int bti_zero_read(double t) { return t <= 0; }          /* read 0 s or less (NaN: no, absent) */
/* the usable times among x[0], x[stride], ... (n of them) into out; *nzero: the zero reads */
static size_t bti_times_usable(const double *x, size_t n, size_t stride, double *out, size_t *nzero) {
    size_t i, m = 0, z = 0;
    for (i = 0; i < n; i++) {
        double t = x[i * stride];
        if (bti_time_ok(t)) out[m++] = t;
        else if (bti_zero_read(t)) z++;
    }
    if (nzero) *nzero = z;
    return m;
}
static size_t bti_zero_reads(const double *x, size_t n, size_t stride) {
    size_t i, z = 0;
    for (i = 0; i < n; i++) z += (size_t)bti_zero_read(x[i * stride]);
    return z;
}
/* is a results column a statistic of the sample times (a time, where 0 s is a zero read)? */
static int bti_time_metric(const char *name) {
    static const char *const t[] = {"e2e_s_median", "e2e_s_min", "e2e_s_mean", "e2e_s_p10", "e2e_s_p90", "e2e_s_p99", "e2e_s_ci_lo", "e2e_s_ci_hi"};
    size_t i;
    for (i = 0; name && i < sizeof t / sizeof t[0]; i++) if (strcmp(name, t[i]) == 0) return 1;
    return 0;
}
/* a sample value that may enter statistics: not absent, and in the time column not a zero read */
static int bti_sample_usable(int time_col, double v) { return !isnan(v) && (!time_col || bti_time_ok(v)); }
/* the row's words for zero reads (buf empty when none) */
static void bti_zero_reads_note(char *buf, size_t n, size_t nzero, size_t taken) {
    if (!nzero) { if (n) buf[0] = 0; return; }
    if (nzero >= taken)
        bti_fmt(buf, n, "every one of its %zu samples read 0 s (below the timer's resolution): no time measured; give one sample more work", taken);
    else
        bti_fmt(buf, n, "%zu of %zu samples read 0 s (below the timer's resolution); left out", nzero, taken);
}
/* The stop rule on a cell's usable times (st: their statistics, usable of them) after `taken`
   samples in all: the minimum count and the noise limit count usable times only (a zero read
   is no information), the count cap counts every sample taken (each cost its time). Without
   zero reads (taken == usable) it is bt_stop_check. */
static int bti_stop_check_reads(const bt_stop_rule *r, const bt_stats *st, int usable, int taken, double elapsed_s, int *noisy) {
    int quiet = (usable > 0 || taken == usable) && st->rel_noise <= r->max_rel_noise;
    if (noisy) *noisy = 0;
    if (usable >= r->min_samples && elapsed_s >= r->min_time_s && quiet) return 1;
    if (taken >= r->max_samples || (elapsed_s >= r->max_time_s && taken >= 1)) {
        if (noisy) *noisy = !quiet || usable < r->min_samples;
        return 1;
    }
    return 0;
}
BTI_DEF int bt_stop_check(const bt_stop_rule *r, const bt_stats *st, double elapsed_s, int *noisy) {
    return bti_stop_check_reads(r, st, (int)st->n, (int)st->n, elapsed_s, noisy);
}

/* ---------------------------------------------------------------- grid ------------------- */
typedef struct bti_axis {
    char *name;
    bt_axis_type type;
    size_t n;
    int64_t *iv;
    double *fv;
    char **sv;
    int tied_to;    /* -1, or the axis this one moves with */
    int monotone;
} bti_axis;

enum { BTI_OP_LE, BTI_OP_LT, BTI_OP_GE, BTI_OP_GT, BTI_OP_EQ };
typedef struct bti_constraint {
    int is_pred;
    int axes[BT_MAX_AXES];
    int n;
    int op;
    double cap;
    bt_constraint_fn fn;
    void *user;
    char *name;
} bti_constraint;

struct bt_grid {
    int naxes;
    bti_axis ax[BT_MAX_AXES];
    int ncons;
    bti_constraint *cons;
    char err[512];
};

BTI_DEF bt_grid *bt_grid_create(void) { return (bt_grid *)bti_calloc(1, sizeof(bt_grid)); }
BTI_DEF void bt_grid_destroy(bt_grid *g) {
    int i;
    size_t j;
    if (!g) return;
    for (i = 0; i < g->naxes; i++) {
        bti_axis *a = &g->ax[i];
        bti_free(a->name); bti_free(a->iv); bti_free(a->fv);
        if (a->sv) for (j = 0; j < a->n; j++) bti_free(a->sv[j]);
        bti_free(a->sv);
    }
    for (i = 0; i < g->ncons; i++) bti_free(g->cons[i].name);
    bti_free(g->cons);
    bti_free(g);
}
BTI_DEF const char *bt_grid_error(const bt_grid *g) { return g ? g->err : "no grid"; }

static int bti_valid_name(const char *s) {
    if (!s || !*s || !(isalpha((unsigned char)*s) || *s == '_')) return 0;
    for (; *s; s++) if (!(isalnum((unsigned char)*s) || *s == '_')) return 0;
    return 1;
}
static int bti_reserved_column(const char *s) {
    static const char *const r[] = {"workload", "device", "status", "reason", "samples", "noisy", "sample"};
    size_t i;
    for (i = 0; i < BTI_ARRAY_LEN(r); i++) if (strcmp(s, r[i]) == 0) return 1;
    return 0;
}
static bti_axis *bti_axis_new(bt_grid *g, const char *name, bt_axis_type t, size_t n, bt_axis *h) {
    bti_axis *a;
    if (!g) return NULL;
    if (!bti_valid_name(name) || bti_reserved_column(name)) {
        bti_fmt(g->err, sizeof g->err, "axis name '%s' is not valid (letters, digits, '_'; not a reserved column)", name ? name : "(null)");
        *h = BT_E_INVALID; return NULL;
    }
    if (bt_grid_find(g, name) >= 0) {
        bti_fmt(g->err, sizeof g->err, "axis '%s' is declared twice", name);
        *h = BT_E_INVALID; return NULL;
    }
    if (g->naxes >= BT_MAX_AXES) {
        bti_fmt(g->err, sizeof g->err, "axis '%s': too many axes (at most %d)", name, BT_MAX_AXES);
        *h = BT_E_INVALID; return NULL;
    }
    if (n == 0 || n > 1000000u) {
        bti_fmt(g->err, sizeof g->err, "axis '%s' has %s values", name, n ? "too many" : "no");
        *h = BT_E_INVALID; return NULL;
    }
    a = &g->ax[g->naxes];
    memset(a, 0, sizeof *a);
    a->name = bti_strdup(name);
    a->type = t;
    a->n = n;
    a->tied_to = -1;
    if (t == BT_AXIS_INT) a->iv = (int64_t *)bti_calloc(n, sizeof(int64_t));
    else if (t == BT_AXIS_FLOAT) a->fv = (double *)bti_calloc(n, sizeof(double));
    else a->sv = (char **)bti_calloc(n, sizeof(char *));
    if (!a->name || (!a->iv && !a->fv && !a->sv)) {
        bti_free(a->name); bti_free(a->iv); bti_free(a->fv); bti_free(a->sv);
        bti_fmt(g->err, sizeof g->err, "axis '%s': out of memory", name);
        *h = BT_E_NOMEM; return NULL;
    }
    *h = g->naxes++;
    return a;
}
BTI_DEF bt_axis bt_grid_axis_list_i64(bt_grid *g, const char *name, const int64_t *v, size_t n) {
    bt_axis h;
    bti_axis *a;
    if (!v) n = 0;
    a = bti_axis_new(g, name, BT_AXIS_INT, n, &h);
    if (a) memcpy(a->iv, v, n * sizeof *v);
    return h;
}
BTI_DEF bt_axis bt_grid_axis_list_f64(bt_grid *g, const char *name, const double *v, size_t n) {
    bt_axis h;
    bti_axis *a;
    size_t i;
    if (!v) n = 0;
    for (i = 0; i < n; i++) if (!isfinite(v[i])) {
        bti_fmt(g->err, sizeof g->err, "axis '%s': value %zu is not finite", name, i);
        return BT_E_INVALID;
    }
    a = bti_axis_new(g, name, BT_AXIS_FLOAT, n, &h);
    if (a) memcpy(a->fv, v, n * sizeof *v);
    return h;
}
BTI_DEF bt_axis bt_grid_axis_list_str(bt_grid *g, const char *name, const char *const *v, size_t n) {
    bt_axis h;
    bti_axis *a;
    size_t i;
    if (!v) n = 0;
    for (i = 0; i < n; i++) {
        if (!v[i] || !*v[i] || strpbrk(v[i], ",\"\n\r")) {
            bti_fmt(g->err, sizeof g->err, "axis '%s': value %zu is empty or holds a comma, quote or newline", name, i);
            return BT_E_INVALID;
        }
    }
    a = bti_axis_new(g, name, BT_AXIS_STR, n, &h);
    if (!a) return h;
    for (i = 0; i < n; i++) {
        a->sv[i] = bti_strdup(v[i]);
        if (!a->sv[i]) return BT_E_NOMEM;
    }
    return h;
}
BTI_DEF bt_axis bt_grid_axis_range_i64(bt_grid *g, const char *name, int64_t lo, int64_t hi, int64_t step) {
    bt_axis h;
    bti_axis *a;
    size_t i, n;
    if (!g) return BT_E_INVALID;
    if (step <= 0 || hi < lo) {
        bti_fmt(g->err, sizeof g->err, "axis '%s': range %lld..%lld step %lld is empty or goes backwards", name ? name : "", (long long)lo, (long long)hi, (long long)step);
        return BT_E_INVALID;
    }
    n = (size_t)((hi - lo) / step) + 1;
    a = bti_axis_new(g, name, BT_AXIS_INT, n, &h);
    if (a) for (i = 0; i < n; i++) a->iv[i] = lo + (int64_t)i * step;
    return h;
}
BTI_DEF bt_axis bt_grid_axis_range_f64(bt_grid *g, const char *name, double lo, double hi, double step) {
    bt_axis h;
    bti_axis *a;
    size_t i, n;
    char buf[64];
    if (!g) return BT_E_INVALID;
    if (!(step > 0) || !(hi >= lo) || !isfinite(lo) || !isfinite(hi) || (hi - lo) / step > 1e6) {
        bti_fmt(g->err, sizeof g->err, "axis '%s': range %g..%g step %g is empty, backwards or too long", name ? name : "", lo, hi, step);
        return BT_E_INVALID;
    }
    n = (size_t)floor((hi - lo) / step + 1e-9) + 1;
    a = bti_axis_new(g, name, BT_AXIS_FLOAT, n, &h);
    if (a) for (i = 0; i < n; i++) {
        /* multiply instead of accumulating, and trim float dust: 0.1*3 -> 0.3 */
        bti_fmt(buf, sizeof buf, "%.12g", lo + (double)i * step);
        a->fv[i] = strtod(buf, NULL);
    }
    return h;
}
BTI_DEF bt_axis bt_grid_axis_geom_i64(bt_grid *g, const char *name, int64_t lo, int64_t hi, int64_t factor) {
    int64_t v[64];
    size_t n = 0;
    if (!g) return BT_E_INVALID;
    if (lo <= 0 || hi < lo || factor < 2) {
        bti_fmt(g->err, sizeof g->err, "axis '%s': geometric range %lld..%lld x%lld needs 0 < lo <= hi and factor >= 2", name ? name : "", (long long)lo, (long long)hi, (long long)factor);
        return BT_E_INVALID;
    }
    for (; lo <= hi && n < 64; n++) {
        v[n] = lo;
        if (lo > INT64_MAX / factor) { n++; break; }
        lo *= factor;
    }
    return bt_grid_axis_list_i64(g, name, v, n);
}
BTI_DEF bt_axis bt_grid_axis_pow2(bt_grid *g, const char *name, int64_t lo, int64_t hi) {
    int64_t p = 1;
    if (!g) return BT_E_INVALID;
    if (lo <= 0) {
        bti_fmt(g->err, sizeof g->err, "axis '%s': powers of two need lo > 0", name ? name : "");
        return BT_E_INVALID;
    }
    while (p < lo && p <= INT64_MAX / 2) p *= 2;
    return bt_grid_axis_geom_i64(g, name, p, hi, 2);
}

static char *bti_trim(char *s) {
    char *e;
    while (isspace((unsigned char)*s)) s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}
BTI_DEF bt_status bt_grid_parse_axis(bt_grid *g, const char *spec, bt_axis *out) {
    char buf[4096], *eq, *name, *rhs, *dots;
    bt_axis h = BT_E_INVALID;
    if (out) *out = BT_E_INVALID;
    if (!g) return BT_E_INVALID;
    if (!spec || strlen(spec) >= sizeof buf) {
        bti_fmt(g->err, sizeof g->err, "axis spec is %s", spec ? "too long" : "missing");
        return BT_E_PARSE;
    }
    strcpy(buf, spec);
    eq = strchr(buf, '=');
    if (!eq) {
        bti_fmt(g->err, sizeof g->err, "axis spec '%s': expected name=values (e.g. batch=16..1024:x2 or workers=1,2,4)", spec);
        return BT_E_PARSE;
    }
    *eq = 0;
    name = bti_trim(buf);
    rhs = bti_trim(eq + 1);
    if (!*rhs) {
        bti_fmt(g->err, sizeof g->err, "axis spec '%s': no values after '='", spec);
        return BT_E_PARSE;
    }
    dots = strstr(rhs, "..");
    if (dots) {
        char *lo_s = rhs, *hi_s = dots + 2, *step_s = strchr(hi_s, ':');
        int64_t lo, hi, step = 1;
        double flo, fhi, fstep = 1;
        char kind = '+';
        *dots = 0;
        if (step_s) {
            *step_s++ = 0;
            kind = *step_s;
            if (kind != 'x' && kind != '+' && kind != '*') {
                bti_fmt(g->err, sizeof g->err, "axis spec '%s': step must be ':xF' (geometric) or ':+S' (linear)", spec);
                return BT_E_PARSE;
            }
            step_s++;
        }
        lo_s = bti_trim(lo_s); hi_s = bti_trim(hi_s);
        if (kind == 'x' || kind == '*') {
            if (!bti_parse_i64(lo_s, &lo) || !bti_parse_i64(hi_s, &hi) || !step_s || !bti_parse_i64(bti_trim(step_s), &step)) {
                bti_fmt(g->err, sizeof g->err, "axis spec '%s': geometric ranges take integers (lo..hi:xF)", spec);
                return BT_E_PARSE;
            }
            h = bt_grid_axis_geom_i64(g, name, lo, hi, step);
        } else if (bti_parse_i64(lo_s, &lo) && bti_parse_i64(hi_s, &hi) && (!step_s || bti_parse_i64(bti_trim(step_s), &step))) {
            h = bt_grid_axis_range_i64(g, name, lo, hi, step);
        } else if (bti_parse_double(lo_s, &flo) && bti_parse_double(hi_s, &fhi) && (!step_s || bti_parse_double(bti_trim(step_s), &fstep))) {
            h = bt_grid_axis_range_f64(g, name, flo, fhi, fstep);
        } else {
            bti_fmt(g->err, sizeof g->err, "axis spec '%s': range bounds must be numbers", spec);
            return BT_E_PARSE;
        }
    } else {
        /* list: ints, else floats, else strings */
        char *items[4096];
        int64_t iv[4096];
        double fv[4096];
        size_t n = 0, i;
        int all_int = 1, all_num = 1;
        char *p = rhs, *c;
        for (;;) {
            c = strchr(p, ',');
            if (c) *c = 0;
            if (n >= BTI_ARRAY_LEN(items)) {
                bti_fmt(g->err, sizeof g->err, "axis spec '%s': too many values (at most %zu)", spec, BTI_ARRAY_LEN(items));
                return BT_E_PARSE;
            }
            items[n] = bti_trim(p);
            if (!*items[n]) {
                bti_fmt(g->err, sizeof g->err, "axis spec '%s': empty value in the list", spec);
                return BT_E_PARSE;
            }
            if (!bti_parse_i64(items[n], &iv[n])) all_int = 0;
            if (!bti_parse_double(items[n], &fv[n]) || !isfinite(fv[n])) all_num = 0;
            n++;
            if (!c) break;
            p = c + 1;
        }
        if (all_int) h = bt_grid_axis_list_i64(g, name, iv, n);
        else if (all_num) h = bt_grid_axis_list_f64(g, name, fv, n);
        else h = bt_grid_axis_list_str(g, name, (const char *const *)items, n);
        for (i = 0; i < n; i++) (void)i;
    }
    if (h < 0) {
        char tmp[512];
        bti_fmt(tmp, sizeof tmp, "axis spec '%s': %s", spec, g->err);
        memcpy(g->err, tmp, sizeof g->err);
        return (bt_status)h;
    }
    if (out) *out = h;
    return BT_OK;
}

static int bti_axis_ok(const bt_grid *g, bt_axis a) { return g && a >= 0 && a < g->naxes; }
BTI_DEF bt_status bt_grid_tie(bt_grid *g, bt_axis a, bt_axis b) {
    if (!bti_axis_ok(g, a) || !bti_axis_ok(g, b) || a == b) {
        if (g) bti_fmt(g->err, sizeof g->err, "tie: bad axis handles %d, %d", a, b);
        return BT_E_INVALID;
    }
    while (g->ax[a].tied_to >= 0) a = g->ax[a].tied_to;
    if (g->ax[a].n != g->ax[b].n) {
        bti_fmt(g->err, sizeof g->err, "tie: axes '%s' (%zu values) and '%s' (%zu values) differ in length", g->ax[a].name, g->ax[a].n, g->ax[b].name, g->ax[b].n);
        return BT_E_INVALID;
    }
    if (g->ax[b].tied_to >= 0 || a == b) {
        bti_fmt(g->err, sizeof g->err, "tie: axis '%s' is already tied", g->ax[b].name);
        return BT_E_INVALID;
    }
    {   /* b must not lead others */
        int i;
        for (i = 0; i < g->naxes; i++) if (g->ax[i].tied_to == b) {
            bti_fmt(g->err, sizeof g->err, "tie: axis '%s' already has axes tied to it", g->ax[b].name);
            return BT_E_INVALID;
        }
    }
    g->ax[b].tied_to = a;
    return BT_OK;
}
BTI_DEF bt_status bt_grid_set_monotone(bt_grid *g, bt_axis a, int monotone) {
    if (!bti_axis_ok(g, a)) return BT_E_INVALID;
    g->ax[a].monotone = monotone ? 1 : 0;
    return BT_OK;
}
static bt_status bti_add_cons(bt_grid *g, const bti_constraint *c) {
    bti_constraint *nc = (bti_constraint *)bti_realloc(g->cons, (size_t)(g->ncons + 1) * sizeof *nc);
    if (!nc) return BT_E_NOMEM;
    g->cons = nc;
    g->cons[g->ncons++] = *c;
    return BT_OK;
}
BTI_DEF bt_status bt_grid_add_budget(bt_grid *g, const bt_axis *axes, int n, double cap) {
    bti_constraint c;
    int i;
    if (!g || !axes || n <= 0 || n > BT_MAX_AXES) return BT_E_INVALID;
    memset(&c, 0, sizeof c);
    for (i = 0; i < n; i++) {
        if (!bti_axis_ok(g, axes[i]) || g->ax[axes[i]].type == BT_AXIS_STR) {
            bti_fmt(g->err, sizeof g->err, "budget: axis %d is unknown or not numeric", axes[i]);
            return BT_E_INVALID;
        }
        c.axes[i] = axes[i];
    }
    c.n = n; c.op = BTI_OP_LE; c.cap = cap;
    return bti_add_cons(g, &c);
}
BTI_DEF bt_status bt_grid_add_constraint(bt_grid *g, const char *name, bt_constraint_fn fn, void *user) {
    bti_constraint c;
    if (!g || !fn) return BT_E_INVALID;
    memset(&c, 0, sizeof c);
    c.is_pred = 1; c.fn = fn; c.user = user; c.name = bti_strdup(name ? name : "constraint");
    return bti_add_cons(g, &c);
}
BTI_DEF bt_status bt_grid_parse_constraint(bt_grid *g, const char *spec) {
    static const char *const ops[] = {"<=", ">=", "==", "<", ">"};
    static const int opv[] = {BTI_OP_LE, BTI_OP_GE, BTI_OP_EQ, BTI_OP_LT, BTI_OP_GT};
    char buf[1024], *lhs, *rhs, *p, *star;
    bti_constraint c;
    size_t i;
    if (!g) return BT_E_INVALID;
    if (!spec || strlen(spec) >= sizeof buf) {
        bti_fmt(g->err, sizeof g->err, "constraint spec is %s", spec ? "too long" : "missing");
        return BT_E_PARSE;
    }
    memset(&c, 0, sizeof c);
    strcpy(buf, spec);
    p = NULL;
    for (i = 0; i < BTI_ARRAY_LEN(ops); i++) if ((p = strstr(buf, ops[i])) != NULL) break;
    if (!p) {
        bti_fmt(g->err, sizeof g->err, "constraint '%s': expected a comparison such as batch*window<=512", spec);
        return BT_E_PARSE;
    }
    c.op = opv[i];
    *p = 0;
    lhs = buf;
    rhs = bti_trim(p + strlen(ops[i]));
    if (!bti_parse_double(rhs, &c.cap)) {
        bti_fmt(g->err, sizeof g->err, "constraint '%s': '%s' is not a number", spec, rhs);
        return BT_E_PARSE;
    }
    for (;;) {
        bt_axis a;
        star = strchr(lhs, '*');
        if (star) *star = 0;
        lhs = bti_trim(lhs);
        a = bt_grid_find(g, lhs);
        if (a < 0) {
            bti_fmt(g->err, sizeof g->err, "constraint '%s': unknown axis '%s'", spec, lhs);
            return BT_E_PARSE;
        }
        if (g->ax[a].type == BT_AXIS_STR) {
            bti_fmt(g->err, sizeof g->err, "constraint '%s': axis '%s' is not numeric", spec, lhs);
            return BT_E_PARSE;
        }
        if (c.n >= BT_MAX_AXES) return BT_E_PARSE;
        c.axes[c.n++] = a;
        if (!star) break;
        lhs = star + 1;
    }
    return bti_add_cons(g, &c);
}

BTI_DEF int bt_grid_num_axes(const bt_grid *g) { return g ? g->naxes : 0; }
BTI_DEF size_t bt_grid_num_cells(const bt_grid *g) {
    size_t n = 1;
    int i;
    if (!g || !g->naxes) return 0;
    for (i = 0; i < g->naxes; i++)
        if (g->ax[i].tied_to < 0) {
            if (n > SIZE_MAX / g->ax[i].n) return SIZE_MAX;
            n *= g->ax[i].n;
        }
    return n;
}
BTI_DEF bt_axis bt_grid_find(const bt_grid *g, const char *name) {
    int i;
    if (!g || !name) return BT_E_INVALID;
    for (i = 0; i < g->naxes; i++) if (strcmp(g->ax[i].name, name) == 0) return i;
    return BT_E_NOT_FOUND;
}
BTI_DEF const char *bt_grid_axis_name(const bt_grid *g, bt_axis a) { return bti_axis_ok(g, a) ? g->ax[a].name : NULL; }
BTI_DEF bt_axis_type bt_grid_axis_type(const bt_grid *g, bt_axis a) { return bti_axis_ok(g, a) ? g->ax[a].type : BT_AXIS_INT; }
BTI_DEF size_t bt_grid_axis_len(const bt_grid *g, bt_axis a) { return bti_axis_ok(g, a) ? g->ax[a].n : 0; }
BTI_DEF int bt_grid_axis_monotone(const bt_grid *g, bt_axis a) { return bti_axis_ok(g, a) ? g->ax[a].monotone : 0; }
BTI_DEF size_t bt_grid_axis_value_text(const bt_grid *g, bt_axis a, size_t i, char *buf, size_t n) {
    const bti_axis *ax;
    if (!buf || !n) return 0;
    buf[0] = 0;
    if (!bti_axis_ok(g, a) || i >= g->ax[a].n) return 0;
    ax = &g->ax[a];
    if (ax->type == BT_AXIS_INT) bti_fmt(buf, n, "%lld", (long long)ax->iv[i]);
    else if (ax->type == BT_AXIS_FLOAT) bti_fmt_double(buf, n, ax->fv[i]);
    else bti_fmt(buf, n, "%s", ax->sv[i]);
    return strlen(buf);
}
BTI_DEF bt_status bt_grid_cell(const bt_grid *g, size_t index, bt_cell *out) {
    size_t rest = index;
    int i;
    if (!g || !out || !g->naxes || index >= bt_grid_num_cells(g)) return BT_E_INVALID;
    memset(out, 0, sizeof *out);
    out->grid = g;
    out->index = index;
    out->naxes = g->naxes;
    for (i = g->naxes - 1; i >= 0; i--) {
        if (g->ax[i].tied_to >= 0) continue;
        out->vi[i] = (uint32_t)(rest % g->ax[i].n);
        rest /= g->ax[i].n;
    }
    for (i = 0; i < g->naxes; i++) if (g->ax[i].tied_to >= 0) out->vi[i] = out->vi[g->ax[i].tied_to];
    return BT_OK;
}
BTI_DEF bt_status bt_grid_cell_from_text(const bt_grid *g, const char *const *values, bt_cell *out) {
    size_t idx = 0, j;
    int i;
    char buf[128];
    if (!g || !values || !out || !g->naxes) return BT_E_INVALID;
    for (i = 0; i < g->naxes; i++) {
        const bti_axis *ax = &g->ax[i];
        int found = 0;
        for (j = 0; j < ax->n && !found; j++) {
            bt_grid_axis_value_text(g, i, j, buf, sizeof buf);
            if (values[i] && strcmp(buf, values[i]) == 0) found = 1;
        }
        if (!found) return BT_E_NOT_FOUND;
        j--;
        if (ax->tied_to >= 0) continue;
        idx = idx * ax->n + j;
    }
    if (bt_grid_cell(g, idx, out) != BT_OK) return BT_E_NOT_FOUND;
    /* tied values must agree with their leader */
    for (i = 0; i < g->naxes; i++) {
        bt_grid_axis_value_text(g, i, out->vi[i], buf, sizeof buf);
        if (strcmp(buf, values[i]) != 0) return BT_E_NOT_FOUND;
    }
    return BT_OK;
}
BTI_DEF int64_t bt_cell_i64(const bt_cell *c, bt_axis a) {
    const bti_axis *ax;
    BATCHTUNE_ASSERT(c && c->grid && a >= 0 && a < c->naxes);
    ax = &c->grid->ax[a];
    if (ax->type == BT_AXIS_INT) return ax->iv[c->vi[a]];
    if (ax->type == BT_AXIS_FLOAT) return (int64_t)llround(ax->fv[c->vi[a]]);
    return (int64_t)c->vi[a];
}
BTI_DEF double bt_cell_f64(const bt_cell *c, bt_axis a) {
    const bti_axis *ax;
    double v;
    BATCHTUNE_ASSERT(c && c->grid && a >= 0 && a < c->naxes);
    ax = &c->grid->ax[a];
    if (ax->type == BT_AXIS_INT) return (double)ax->iv[c->vi[a]];
    if (ax->type == BT_AXIS_FLOAT) return ax->fv[c->vi[a]];
    return bti_parse_double(ax->sv[c->vi[a]], &v) ? v : NAN;
}
BTI_DEF const char *bt_cell_str(const bt_cell *c, bt_axis a) {
    const bti_axis *ax;
    BATCHTUNE_ASSERT(c && c->grid && a >= 0 && a < c->naxes);
    ax = &c->grid->ax[a];
    return ax->type == BT_AXIS_STR ? ax->sv[c->vi[a]] : NULL;
}
BTI_DEF size_t bt_cell_format(const bt_cell *c, char *buf, size_t n) {
    size_t len = 0;
    int i;
    char v[128];
    if (!buf || !n) return 0;
    buf[0] = 0;
    for (i = 0; c && i < c->naxes; i++) {
        bt_grid_axis_value_text(c->grid, i, c->vi[i], v, sizeof v);
        bti_fmt(buf + len, n - len, "%s%s=%s", i ? " " : "", c->grid->ax[i].name, v);
        len += strlen(buf + len);
        if (len + 1 >= n) break;
    }
    return len;
}
BTI_DEF int bt_grid_feasible(const bt_grid *g, const bt_cell *c, char *why, size_t why_len) {
    int i, k;
    if (why && why_len) why[0] = 0;
    for (i = 0; g && i < g->ncons; i++) {
        const bti_constraint *cn = &g->cons[i];
        if (cn->is_pred) {
            if (!cn->fn(c, cn->user, why, why_len)) {
                if (why && why_len && !why[0]) bti_fmt(why, why_len, "%s", cn->name);
                return 0;
            }
        } else {
            double prod = 1;
            int ok = 1;
            for (k = 0; k < cn->n; k++) prod *= bt_cell_f64(c, cn->axes[k]);
            switch (cn->op) {
            case BTI_OP_LE: ok = prod <= cn->cap; break;
            case BTI_OP_LT: ok = prod < cn->cap; break;
            case BTI_OP_GE: ok = prod >= cn->cap; break;
            case BTI_OP_GT: ok = prod > cn->cap; break;
            default: ok = prod == cn->cap; break;
            }
            if (!ok) {
                static const char *const opn[] = {"<=", "<", ">=", ">", "=="};
                char pv[64], cv[64];
                size_t len = 0;
                if (why && why_len) {
                    for (k = 0; k < cn->n; k++) {
                        bti_fmt(why + len, why_len - len, "%s%s", k ? "*" : "", g->ax[cn->axes[k]].name);
                        len += strlen(why + len);
                    }
                    bti_fmt_double(pv, sizeof pv, prod);
                    bti_fmt_double(cv, sizeof cv, cn->cap);
                    bti_fmt(why + len, why_len - len, "=%s, not %s %s", pv, opn[cn->op], cv);
                }
                return 0;
            }
        }
    }
    return 1;
}
BTI_DEF int bt_grid_shard_of(const bt_grid *g, const bt_cell *c, int n) {
    uint64_t key = 0;
    int i;
    if (!g || !c || n <= 1) return 0;
    for (i = 0; i < g->naxes; i++) {
        int j, mono = g->ax[i].monotone;
        if (g->ax[i].tied_to >= 0) continue;
        for (j = 0; j < g->naxes; j++) if (g->ax[j].tied_to == i && g->ax[j].monotone) mono = 1;
        if (mono) continue; /* a tied group counts as monotone when any member is */
        key = key * (uint64_t)g->ax[i].n + c->vi[i];
    }
    return (int)(key % (uint64_t)n);
}
BTI_DEF size_t bt_device_describe(const bt_device_info *d, char *buf, size_t n) {
    if (!buf || !n) return 0;
    bti_fmt(buf, n, "%s (cc %d.%d, %d SMs, %.1f GiB)", d->name, d->cc_major, d->cc_minor, d->sm_count,
            (double)d->total_mem_bytes / (1024.0 * 1024.0 * 1024.0));
    return strlen(buf);
}

/* ---------------------------------------------------------------- results ---------------- */
struct bt_results {
    int naxes; char **axes;
    int nmetrics; char **metrics;
    int nscols; char **scols;      /* sample columns */
    size_t nrows, cap;
    bt_row *rows;
    size_t *hash, hcap;            /* row index + 1; 0 = empty slot */
    char err[512];
    char warn[512];
    bt_run_meta meta;
    int has_meta;
    signed char *mdir;             /* per metric column: 0 unknown, 1 lower, 2 higher */
};

static char **bti_strv_dup(int n, const char *const *v) {
    char **o = (char **)bti_calloc((size_t)(n > 0 ? n : 1), sizeof(char *));
    int i;
    if (!o) return NULL;
    for (i = 0; i < n; i++) {
        o[i] = bti_strdup(v[i] ? v[i] : "");
        if (!o[i]) { while (i--) bti_free(o[i]); bti_free(o); return NULL; }
    }
    return o;
}
static void bti_strv_free(int n, char **v) {
    int i;
    if (!v) return;
    for (i = 0; i < n; i++) bti_free(v[i]);
    bti_free(v);
}
BTI_DEF bt_results *bt_results_create(int naxes, const char *const *axes, int nmetrics, const char *const *metrics) {
    bt_results *r = (bt_results *)bti_calloc(1, sizeof *r);
    if (!r) return NULL;
    r->naxes = naxes; r->nmetrics = nmetrics;
    r->axes = bti_strv_dup(naxes, axes);
    r->metrics = bti_strv_dup(nmetrics, metrics);
    if (!r->axes || !r->metrics) { bt_results_free(r); return NULL; }
    return r;
}
static void bti_row_clear(const bt_results *r, bt_row *row) {
    bti_free(row->workload); bti_free(row->device); bti_free(row->reason);
    bti_strv_free(r->naxes, row->axis);
    bti_free(row->m); bti_free(row->samp);
    memset(row, 0, sizeof *row);
}
BTI_DEF void bt_results_free(bt_results *r) {
    size_t i;
    if (!r) return;
    for (i = 0; i < r->nrows; i++) bti_row_clear(r, &r->rows[i]);
    bti_free(r->rows);
    bti_free(r->hash);
    bti_strv_free(r->naxes, r->axes);
    bti_strv_free(r->nmetrics, r->metrics);
    bti_strv_free(r->nscols, r->scols);
    bti_free(r->mdir);
    bti_free(r);
}
static bt_status bti_results_set_scols(bt_results *r, int n, const char *const *cols) {
    bti_strv_free(r->nscols, r->scols);
    r->scols = bti_strv_dup(n, cols);
    r->nscols = r->scols ? n : 0;
    return r->scols ? BT_OK : BT_E_NOMEM;
}
BTI_DEF const char *bt_results_error(const bt_results *r) { return r ? r->err : "no results"; }
BTI_DEF const char *bt_results_warning(const bt_results *r) { return r ? r->warn : ""; }
BTI_DEF const bt_run_meta *bt_results_meta(const bt_results *r) { return r && r->has_meta ? &r->meta : NULL; }
BTI_DEF int bt_results_num_axes(const bt_results *r) { return r ? r->naxes : 0; }
BTI_DEF const char *bt_results_axis(const bt_results *r, int i) { return r && i >= 0 && i < r->naxes ? r->axes[i] : NULL; }
BTI_DEF int bt_results_num_metrics(const bt_results *r) { return r ? r->nmetrics : 0; }
BTI_DEF const char *bt_results_metric(const bt_results *r, int i) { return r && i >= 0 && i < r->nmetrics ? r->metrics[i] : NULL; }
BTI_DEF int bt_results_direction(const bt_results *r, int metric) {
    if (!r || !r->mdir || metric < 0 || metric >= r->nmetrics) return 0;
    return r->mdir[metric];
}
BTI_DEF bt_status bt_results_set_direction(bt_results *r, int metric, int direction) {
    if (!r || metric < 0 || metric >= r->nmetrics || direction < 0 || direction > 2) return BT_E_INVALID;
    if (!r->mdir) {
        r->mdir = (signed char *)bti_calloc((size_t)r->nmetrics, 1);
        if (!r->mdir) return BT_E_NOMEM;
    }
    r->mdir[metric] = (signed char)direction;
    return BT_OK;
}
BTI_DEF int bt_results_metric_index(const bt_results *r, const char *name) {
    int i;
    for (i = 0; r && name && i < r->nmetrics; i++) if (strcmp(r->metrics[i], name) == 0) return i;
    return -1;
}
BTI_DEF size_t bt_results_num_rows(const bt_results *r) { return r ? r->nrows : 0; }
BTI_DEF const bt_row *bt_results_row(const bt_results *r, size_t i) { return r && i < r->nrows ? &r->rows[i] : NULL; }
BTI_DEF int bt_results_num_sample_cols(const bt_results *r) { return r ? r->nscols : 0; }
BTI_DEF const char *bt_results_sample_col(const bt_results *r, int i) { return r && i >= 0 && i < r->nscols ? r->scols[i] : NULL; }
/* is sample column col of r the time column ("e2e_s", where the zero-read rule applies: bti_time_ok)? */
static int bti_time_col(const bt_results *r, int col) { return r && col >= 0 && col < r->nscols && strcmp(r->scols[col], "e2e_s") == 0; }

static uint64_t bti_row_key(int naxes, const char *workload, const char *const *ax) {
    uint64_t h = bti_fnv1a(0, workload);
    int i;
    for (i = 0; i < naxes; i++) h = bti_fnv1a(h, ax[i]);
    return h;
}
static int bti_row_matches(const bt_results *r, const bt_row *row, const char *workload, const char *const *ax) {
    int i;
    if (strcmp(row->workload, workload) != 0) return 0;
    for (i = 0; i < r->naxes; i++) if (strcmp(row->axis[i], ax[i]) != 0) return 0;
    return 1;
}
static long bti_results_lookup(const bt_results *r, const char *workload, const char *const *ax, size_t *slot) {
    size_t h, i;
    if (!r->hcap) { if (slot) *slot = 0; return -1; }
    h = (size_t)bti_row_key(r->naxes, workload, ax) & (r->hcap - 1);
    for (i = h;; i = (i + 1) & (r->hcap - 1)) {
        size_t v = r->hash[i];
        if (!v) { if (slot) *slot = i; return -1; }
        if (bti_row_matches(r, &r->rows[v - 1], workload, ax)) { if (slot) *slot = i; return (long)(v - 1); }
    }
}
static bt_status bti_results_rehash(bt_results *r, size_t ncap) {
    size_t i, *nh = (size_t *)bti_calloc(ncap, sizeof(size_t));
    if (!nh) return BT_E_NOMEM;
    bti_free(r->hash);
    r->hash = nh; r->hcap = ncap;
    for (i = 0; i < r->nrows; i++) {
        size_t slot;
        bti_results_lookup(r, r->rows[i].workload, (const char *const *)r->rows[i].axis, &slot);
        r->hash[slot] = i + 1;
    }
    return BT_OK;
}
BTI_DEF const bt_row *bt_results_find(const bt_results *r, const char *workload, const char *const *ax) {
    long i;
    if (!r || !workload || !ax) return NULL;
    i = bti_results_lookup(r, workload, ax, NULL);
    return i >= 0 ? &r->rows[i] : NULL;
}
/* returns the row index, or -1 */
static long bti_results_put(bt_results *r, const char *workload, const char *device, const char *const *ax,
                            bt_cell_status st, const char *reason, int samples, int noisy, const double *m) {
    size_t slot;
    long idx;
    bt_row row;
    int i;
    if ((r->nrows + 1) * 2 > r->hcap && bti_results_rehash(r, r->hcap ? r->hcap * 2 : 64) != BT_OK) return -1;
    memset(&row, 0, sizeof row);
    row.workload = bti_strdup(workload);
    row.device = bti_strdup(device ? device : "");
    row.axis = bti_strv_dup(r->naxes, ax);
    row.reason = bti_strdup(reason ? reason : "");
    row.m = (double *)bti_malloc((size_t)(r->nmetrics > 0 ? r->nmetrics : 1) * sizeof(double));
    if (!row.workload || !row.device || !row.axis || !row.reason || !row.m) { bti_row_clear(r, &row); return -1; }
    for (i = 0; i < r->nmetrics; i++) row.m[i] = m ? m[i] : NAN;
    row.status = st; row.samples = samples; row.noisy = noisy;
    idx = bti_results_lookup(r, workload, ax, &slot);
    if (idx >= 0) { /* a later row supersedes the earlier one, in its place */
        bti_row_clear(r, &r->rows[idx]);
        r->rows[idx] = row;
        return idx;
    }
    if (r->nrows == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 64;
        bt_row *nr = (bt_row *)bti_realloc(r->rows, nc * sizeof *nr);
        if (!nr) { bti_row_clear(r, &row); return -1; }
        r->rows = nr; r->cap = nc;
    }
    r->rows[r->nrows] = row;
    r->hash[slot] = ++r->nrows;
    return (long)r->nrows - 1;
}
BTI_DEF bt_status bt_results_add(bt_results *r, const char *workload, const char *device, const char *const *ax,
                                 bt_cell_status st, const char *reason, int samples, int noisy, const double *m) {
    if (!r || !workload || (!ax && r->naxes)) return BT_E_INVALID;
    return bti_results_put(r, workload, device, ax, st, reason, samples, noisy, m) >= 0 ? BT_OK : BT_E_NOMEM;
}
/* appends one sample (nscols values) to a row; sample 0 restarts the row's samples */
static bt_status bti_row_add_sample(const bt_results *r, bt_row *row, int sample, const double *v) {
    double *ns;
    if (sample == 0) row->nsample = 0;
    ns = (double *)bti_realloc(row->samp, (size_t)(row->nsample + 1) * (size_t)(r->nscols ? r->nscols : 1) * sizeof(double));
    if (!ns) return BT_E_NOMEM;
    row->samp = ns;
    memcpy(row->samp + (size_t)row->nsample * (size_t)r->nscols, v, (size_t)r->nscols * sizeof(double));
    row->nsample++;
    return BT_OK;
}

/* --- CSV text --- */
static void bti_csv_field(bti_str *s, const char *v) {
    const char *p;
    int quote = 0;
    for (p = v; *p; p++) if (*p == ',' || *p == '"' || *p == '\n' || *p == '\r') quote = 1;
    if (!quote) { bti_str_cat(s, v); return; }
    bti_str_add(s, "\"", 1);
    for (p = v; *p; p++) {
        if (*p == '"') bti_str_add(s, "\"\"", 2);
        else if (*p == '\n' || *p == '\r') bti_str_add(s, " ", 1); /* one row = one line */
        else bti_str_add(s, p, 1);
    }
    bti_str_add(s, "\"", 1);
}
static void bti_csv_num(bti_str *s, double v) {
    char b[64];
    if (isnan(v)) return;
    bti_fmt_double(b, sizeof b, v);
    bti_str_cat(s, b);
}
/* Splits one line (no newline) in place. Returns the field count, -1 on bad quoting. */
static int bti_csv_split(char *line, char **f, int maxf) {
    int n = 0;
    char *p = line, *w;
    for (;;) {
        if (n >= maxf) return -1;
        if (*p == '"') {
            p++;
            f[n++] = w = p;
            for (;;) {
                if (!*p) return -1;
                if (*p == '"') {
                    if (p[1] == '"') { *w++ = '"'; p += 2; continue; }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            *w = 0;
            if (*p == ',') { p++; continue; }
            if (!*p) return n;
            return -1;
        }
        f[n++] = p;
        while (*p && *p != ',') { if (*p == '"') return -1; p++; }
        if (!*p) return n;
        *p++ = 0;
    }
}
static void bti_csv_header(const bt_results *r, bti_str *s) {
    int i;
    bti_str_cat(s, "workload,device");
    for (i = 0; i < r->naxes; i++) { bti_str_add(s, ",", 1); bti_csv_field(s, r->axes[i]); }
    bti_str_cat(s, ",status,reason,samples,noisy");
    for (i = 0; i < r->nmetrics; i++) { bti_str_add(s, ",", 1); bti_csv_field(s, r->metrics[i]); }
    bti_str_add(s, "\n", 1);
}
static void bti_csv_row(const bt_results *r, const bt_row *row, bti_str *s) {
    int i;
    bti_csv_field(s, row->workload);
    bti_str_add(s, ",", 1);
    bti_csv_field(s, row->device);
    for (i = 0; i < r->naxes; i++) { bti_str_add(s, ",", 1); bti_csv_field(s, row->axis[i]); }
    bti_str_printf(s, ",%s,", bt_cell_status_str(row->status));
    bti_csv_field(s, row->reason);
    bti_str_printf(s, ",%d,%d", row->samples, row->noisy);
    for (i = 0; i < r->nmetrics; i++) { bti_str_add(s, ",", 1); bti_csv_num(s, row->m[i]); }
    bti_str_add(s, "\n", 1);
}
static void bti_samples_header(const bt_results *r, bti_str *s) {
    int i;
    bti_str_cat(s, "workload");
    for (i = 0; i < r->naxes; i++) { bti_str_add(s, ",", 1); bti_csv_field(s, r->axes[i]); }
    bti_str_cat(s, ",sample");
    for (i = 0; i < r->nscols; i++) { bti_str_add(s, ",", 1); bti_csv_field(s, r->scols[i]); }
    bti_str_add(s, "\n", 1);
}
static void bti_samples_rows(const bt_results *r, const bt_row *row, bti_str *s) {
    int k, i;
    for (k = 0; k < row->nsample; k++) {
        bti_csv_field(s, row->workload);
        for (i = 0; i < r->naxes; i++) { bti_str_add(s, ",", 1); bti_csv_field(s, row->axis[i]); }
        bti_str_printf(s, ",%d", k);
        for (i = 0; i < r->nscols; i++) { bti_str_add(s, ",", 1); bti_csv_num(s, row->samp[(size_t)k * (size_t)r->nscols + (size_t)i]); }
        bti_str_add(s, "\n", 1);
    }
}
BTI_DEF void bt_companion_path(const char *results_path, const char *suffix, char *buf, size_t n) {
    size_t len = strlen(results_path);
    if (len > 4 && strcmp(results_path + len - 4, ".csv") == 0) len -= 4;
    bti_fmt(buf, n, "%.*s%s", (int)len, results_path, suffix);
}
/* Writes text to path atomically (temporary file, fsync, rename). */
static bt_status bti_write_atomic(const char *path, const char *text, size_t len, char *err, size_t errlen) {
    char tmp[4096];
    FILE *f;
    bti_fmt(tmp, sizeof tmp, "%s.tmp%ld", path, bti_getpid());
    f = fopen(tmp, "wb");
    if (!f) { bti_fmt(err, errlen, "cannot write %s: %s", tmp, strerror(errno)); return BT_E_IO; }
    if (fwrite(text, 1, len, f) != len || bti_flush_to_disk(f) != 0) {
        bti_fmt(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        fclose(f); remove(tmp);
        return BT_E_IO;
    }
    fclose(f);
    if (bti_rename_replace(tmp, path) != 0) {
        bti_fmt(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        remove(tmp);
        return BT_E_IO;
    }
    return BT_OK;
}
BTI_DEF bt_status bt_results_write_csv(const bt_results *r, const char *path) {
    bti_str s;
    size_t i;
    bt_status st;
    char sp[4096];
    if (!r || !path) return BT_E_INVALID;
    memset(&s, 0, sizeof s);
    bti_csv_header(r, &s);
    for (i = 0; i < r->nrows; i++) bti_csv_row(r, &r->rows[i], &s);
    if (s.oom) { bti_str_free(&s); return BT_E_NOMEM; }
    st = bti_write_atomic(path, s.p, s.len, ((bt_results *)r)->err, sizeof r->err);
    bti_str_free(&s);
    if (st != BT_OK || !r->nscols) return st;
    memset(&s, 0, sizeof s);
    bti_samples_header(r, &s);
    for (i = 0; i < r->nrows; i++) bti_samples_rows(r, &r->rows[i], &s);
    if (s.oom) { bti_str_free(&s); return BT_E_NOMEM; }
    bt_companion_path(path, ".samples.csv", sp, sizeof sp);
    st = bti_write_atomic(sp, s.p, s.len, ((bt_results *)r)->err, sizeof r->err);
    bti_str_free(&s);
    return st;
}

/* reads a whole file; *len excludes the added terminator */
static char *bti_read_file(const char *path, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *nb;
    size_t cap = 0, n = 0, got;
    if (!f) { bti_fmt(err, errlen, "cannot open %s: %s", path, strerror(errno)); return NULL; }
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 131072;
            nb = (char *)bti_realloc(buf, cap + 1);
            if (!nb) { bti_free(buf); fclose(f); bti_fmt(err, errlen, "%s: out of memory", path); return NULL; }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) { bti_free(buf); fclose(f); bti_fmt(err, errlen, "cannot read %s", path); return NULL; }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}
static int bti_has_nul(const char *p, size_t n) { return memchr(p, 0, n) != NULL; }

static int bti_looks_like_metric(const char *name) {
    static const char *const suf[] = {"_s", "_pct", "_bytes", "_per_s", "regret", "_median", "_mean", "noise", "items", "_ms", "_us", "_j", "_w"};
    size_t i, n = strlen(name);
    for (i = 0; i < BTI_ARRAY_LEN(suf); i++) {
        size_t k = strlen(suf[i]);
        if (n >= k && strcmp(name + n - k, suf[i]) == 0) return 1;
    }
    return 0;
}

#define BTI_MAX_COLS 512
/* Loads a results CSV. *good_len = bytes of the file up to the end of the last complete line
   (what resume keeps). A torn last line is dropped with a warning. */
static bt_status bti_results_parse(char *buf, size_t len, const char *path, const bt_read_opts *o, bt_results **out,
                                   size_t *good_len, char *err, size_t errlen, char *warn, size_t warnlen);
static bt_status bti_results_load(const char *path, const bt_read_opts *o, bt_results **out, size_t *good_len,
                                  char *err, size_t errlen, char *warn, size_t warnlen) {
    size_t len = 0;
    char *buf;
    bt_status st;
    *out = NULL;
    if (good_len) *good_len = 0;
    buf = bti_read_file(path, &len, err, errlen);
    if (!buf) return BT_E_IO;
    st = bti_results_parse(buf, len, path, o, out, good_len, err, errlen, warn, warnlen);
    bti_free(buf);
    return st;
}
BTI_DEF bt_status bt_results_parse_csv(const char *data, size_t len, const char *name, const bt_read_opts *o,
                                       bt_results **out, char *err, size_t errlen) {
    char *buf, warn[512] = "";
    bt_status st;
    if (!out || (!data && len)) return BT_E_INVALID;
    *out = NULL;
    buf = (char *)bti_malloc(len + 1);
    if (!buf) return BT_E_NOMEM;
    if (len) memcpy(buf, data, len);
    buf[len] = 0;
    st = bti_results_parse(buf, len, name ? name : "(memory)", o, out, NULL, err, errlen, warn, sizeof warn);
    bti_free(buf);
    if (st == BT_E_NOT_FOUND) { bti_fmt(err, errlen, "%s: empty or no complete header line", name ? name : "(memory)"); return BT_E_PARSE; }
    if (st == BT_OK) bti_fmt((*out)->warn, sizeof (*out)->warn, "%s", warn);
    return st;
}
/* parses buf[0..len) (NUL at buf[len]); modifies buf */
static bt_status bti_results_parse(char *buf, size_t len, const char *path, const bt_read_opts *o, bt_results **out,
                                   size_t *good_len, char *err, size_t errlen, char *warn, size_t warnlen) {
    size_t lineno = 0;
    char *p, *end, *f[BTI_MAX_COLS];
    int nf, i, ours, col_wl = -1, col_dev = -1, col_status = -1, axcol[BT_MAX_AXES], mcol[BTI_MAX_COLS];
    int naxes = 0, nmetrics = 0;
    const char *axn[BT_MAX_AXES], *mn[BTI_MAX_COLS];
    bt_results *r = NULL;
    double mv[BTI_MAX_COLS];
    bt_status st = BT_OK;
    *out = NULL;
    if (good_len) *good_len = 0;
    if (warn && warnlen) warn[0] = 0;
    if (bti_has_nul(buf, len)) {
        bti_fmt(err, errlen, "%s is not a text CSV file (holds NUL bytes)", path);
        return BT_E_PARSE;
    }
    p = buf;
    end = buf + len;
    /* header */
    {
        char *nl = (char *)memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            if (len) bti_fmt(warn, warnlen, "%s: torn header line dropped", path);
            return BT_E_NOT_FOUND; /* no complete header: treated as empty by resume */
        }
        *nl = 0;
        if (nl > p && nl[-1] == '\r') nl[-1] = 0;
        lineno = 1;
        nf = bti_csv_split(p, f, BTI_MAX_COLS);
        if (nf < 1) { bti_fmt(err, errlen, "%s:1: bad header", path); return BT_E_PARSE; }
        p = nl + 1;
    }
    for (i = 0; i < nf; i++) {
        if (strcmp(f[i], "status") == 0) col_status = i;
        if (strcmp(f[i], "workload") == 0) col_wl = i;
        if (strcmp(f[i], "device") == 0) col_dev = i;
    }
    ours = col_status >= 0;
    if (ours) {
        if (col_wl != 0 || col_dev != 1 || col_status < 2 || nf < col_status + 4 ||
            strcmp(f[col_status + 1], "reason") || strcmp(f[col_status + 2], "samples") || strcmp(f[col_status + 3], "noisy")) {
            bti_fmt(err, errlen, "%s:1: not a batchtune results header (expected workload,device,<axes>,status,reason,samples,noisy,<metrics>)", path);
            return BT_E_PARSE;
        }
        for (i = 2; i < col_status; i++) {
            if (naxes >= BT_MAX_AXES) { bti_fmt(err, errlen, "%s:1: too many axes", path); return BT_E_PARSE; }
            axcol[naxes] = i; axn[naxes++] = f[i];
        }
        for (i = col_status + 4; i < nf; i++) { mcol[nmetrics] = i; mn[nmetrics++] = f[i]; }
    } else {
        for (i = 0; i < nf; i++) {
            int is_axis;
            if (i == col_wl || i == col_dev) continue;
            if (o && o->naxes > 0) {
                int k;
                is_axis = 0;
                for (k = 0; k < o->naxes; k++) if (strcmp(o->axes[k], f[i]) == 0) is_axis = 1;
            } else {
                is_axis = !(o && o->objective && strcmp(o->objective, f[i]) == 0) && !bti_looks_like_metric(f[i]);
            }
            if (is_axis) {
                if (naxes >= BT_MAX_AXES) { bti_fmt(err, errlen, "%s:1: too many axis columns", path); return BT_E_PARSE; }
                axcol[naxes] = i; axn[naxes++] = f[i];
            } else { mcol[nmetrics] = i; mn[nmetrics++] = f[i]; }
        }
        if (!naxes) { bti_fmt(err, errlen, "%s:1: no axis columns found (name them with --axes)", path); return BT_E_PARSE; }
    }
    r = bt_results_create(naxes, axn, nmetrics, mn);
    if (!r) { bti_fmt(err, errlen, "out of memory"); return BT_E_NOMEM; }
    if (good_len) *good_len = (size_t)(p - buf);
    while (p < end) {
        char *nl = (char *)memchr(p, '\n', (size_t)(end - p));
        const char *axv[BT_MAX_AXES];
        bt_cell_status cst = BT_CELL_OK;
        int64_t ns = 0, noisy = 0;
        lineno++;
        if (!nl) {
            bti_fmt(warn, warnlen, "%s:%zu: torn last line (no newline) dropped; its cell will be run again", path, lineno);
            break;
        }
        *nl = 0;
        if (nl > p && nl[-1] == '\r') nl[-1] = 0;
        if (!*p) { p = nl + 1; if (good_len) *good_len = (size_t)(p - buf); continue; }
        nf = bti_csv_split(p, f, BTI_MAX_COLS);
        if (nf != (ours ? col_status + 4 + nmetrics : naxes + nmetrics + (col_wl >= 0) + (col_dev >= 0))) {
            bti_fmt(err, errlen, "%s:%zu: corrupt row (%d fields, expected %d)", path, lineno, nf,
                    ours ? col_status + 4 + nmetrics : naxes + nmetrics + (col_wl >= 0) + (col_dev >= 0));
            st = BT_E_PARSE; break;
        }
        for (i = 0; i < naxes; i++) axv[i] = f[axcol[i]];
        if (ours) {
            if (!bt_cell_status_parse(f[col_status], &cst) || !bti_parse_i64(f[col_status + 2], &ns) || !bti_parse_i64(f[col_status + 3], &noisy)) {
                bti_fmt(err, errlen, "%s:%zu: corrupt row (bad status, samples or noisy field)", path, lineno);
                st = BT_E_PARSE; break;
            }
        }
        for (i = 0; i < nmetrics; i++) {
            const char *v = f[mcol[i]];
            if (!*v || strcmp(v, "nan") == 0 || strcmp(v, "NA") == 0) mv[i] = NAN;
            else if (!bti_parse_double(v, &mv[i])) {
                bti_fmt(err, errlen, "%s:%zu: column '%s': '%s' is not a number", path, lineno, mn[i], v);
                st = BT_E_PARSE; break;
            }
        }
        if (st != BT_OK) break;
        if (bti_results_put(r, col_wl >= 0 ? f[col_wl] : "default", col_dev >= 0 ? f[col_dev] : "", axv, cst,
                            ours ? f[col_status + 1] : "", (int)ns, (int)noisy, mv) < 0) {
            bti_fmt(err, errlen, "out of memory"); st = BT_E_NOMEM; break;
        }
        p = nl + 1;
        if (good_len) *good_len = (size_t)(p - buf);
    }
    if (st != BT_OK) { bt_results_free(r); return st; }
    *out = r;
    return BT_OK;
}
/* Loads the samples file into r's rows. Missing file is fine (returns BT_E_NOT_FOUND). */
static bt_status bti_samples_load(bt_results *r, const char *path, size_t *good_len, char *err, size_t errlen, char *warn, size_t warnlen) {
    size_t len = 0, lineno = 0;
    char *buf, *p, *end, *f[BTI_MAX_COLS];
    int nf, i, nexp;
    double v[BTI_MAX_COLS];
    bt_status st = BT_OK;
    FILE *probe = fopen(path, "rb");
    if (good_len) *good_len = 0;
    if (!probe) return BT_E_NOT_FOUND;
    fclose(probe);
    buf = bti_read_file(path, &len, err, errlen);
    if (!buf) return BT_E_IO;
    if (bti_has_nul(buf, len)) { bti_fmt(err, errlen, "%s is not a text CSV file", path); bti_free(buf); return BT_E_PARSE; }
    p = buf; end = buf + len;
    {
        char *nl = (char *)memchr(p, '\n', (size_t)(end - p));
        if (!nl) { bti_free(buf); return BT_E_NOT_FOUND; }
        *nl = 0;
        nf = bti_csv_split(p, f, BTI_MAX_COLS);
        lineno = 1;
        if (nf < r->naxes + 2 || strcmp(f[0], "workload") || strcmp(f[r->naxes + 1], "sample")) {
            bti_fmt(err, errlen, "%s:1: not a batchtune samples header", path); bti_free(buf); return BT_E_PARSE;
        }
        for (i = 0; i < r->naxes; i++) if (strcmp(f[1 + i], r->axes[i])) {
            bti_fmt(err, errlen, "%s:1: axis column '%s' does not match the results file's '%s'", path, f[1 + i], r->axes[i]);
            bti_free(buf); return BT_E_MISMATCH;
        }
        if (bti_results_set_scols(r, nf - r->naxes - 2, (const char *const *)(f + r->naxes + 2)) != BT_OK) { bti_free(buf); return BT_E_NOMEM; }
        nexp = nf;
        p = nl + 1;
        if (good_len) *good_len = (size_t)(p - buf);
    }
    while (p < end) {
        char *nl = (char *)memchr(p, '\n', (size_t)(end - p));
        int64_t k;
        long idx;
        lineno++;
        if (!nl) { bti_fmt(warn, warnlen, "%s:%zu: torn last line dropped", path, lineno); break; }
        *nl = 0;
        nf = bti_csv_split(p, f, BTI_MAX_COLS);
        if (nf != nexp || !bti_parse_i64(f[r->naxes + 1], &k) || k < 0) {
            bti_fmt(err, errlen, "%s:%zu: corrupt sample row", path, lineno); st = BT_E_PARSE; break;
        }
        for (i = 0; i < r->nscols; i++) {
            const char *s = f[r->naxes + 2 + i];
            if (!*s) v[i] = NAN;
            else if (!bti_parse_double(s, &v[i])) { bti_fmt(err, errlen, "%s:%zu: '%s' is not a number", path, lineno, s); st = BT_E_PARSE; break; }
        }
        if (st != BT_OK) break;
        idx = bti_results_lookup(r, f[0], (const char *const *)(f + 1), NULL);
        if (idx >= 0 && bti_row_add_sample(r, &r->rows[idx], (int)k, v) != BT_OK) { st = BT_E_NOMEM; break; }
        p = nl + 1;
        if (good_len) *good_len = (size_t)(p - buf);
    }
    bti_free(buf);
    return st;
}
BTI_DEF bt_status bt_results_read_csv(const char *path, const bt_read_opts *o, bt_results **out, char *err, size_t errlen) {
    bt_results *r = NULL;
    char warn[512], sp[4096], e2[512];
    bt_status st;
    if (!path || !out) return BT_E_INVALID;
    *out = NULL;
    warn[0] = 0;
    st = bti_results_load(path, o, &r, NULL, err, errlen, warn, sizeof warn);
    if (st == BT_E_NOT_FOUND) { bti_fmt(err, errlen, "%s: empty file or no complete header line", path); return BT_E_PARSE; }
    if (st != BT_OK) return st;
    bti_fmt(r->warn, sizeof r->warn, "%s", warn);
    if (!(o && o->no_samples)) {
        bt_companion_path(path, ".samples.csv", sp, sizeof sp);
        warn[0] = 0;
        st = bti_samples_load(r, sp, NULL, e2, sizeof e2, warn, sizeof warn);
        if (st != BT_OK && st != BT_E_NOT_FOUND) { bti_fmt(err, errlen, "%s", e2); bt_results_free(r); return st; }
    }
    *out = r;
    return BT_OK;
}

/* ---------------------------------------------------------------- run metadata, JSON ----- */
static void bti_json_str(bti_str *s, const char *v) {
    const unsigned char *p;
    bti_str_add(s, "\"", 1);
    for (p = (const unsigned char *)(v ? v : ""); *p; p++) {
        if (*p == '"' || *p == '\\') { bti_str_add(s, "\\", 1); bti_str_add(s, (const char *)p, 1); }
        else if (*p < 0x20) bti_str_printf(s, "\\u%04x", *p);
        else bti_str_add(s, (const char *)p, 1);
    }
    bti_str_add(s, "\"", 1);
}
static void bti_json_num(bti_str *s, double v) {
    char b[64];
    if (!isfinite(v)) { bti_str_cat(s, "null"); return; }
    bti_fmt_double(b, sizeof b, v);
    bti_str_cat(s, b);
}
BTI_DEF void bt_run_meta_collect(bt_run_meta *m, const char *device, const char *settings) {
    time_t now = time(NULL);
    struct tm tmv;
    memset(m, 0, sizeof *m);
    bti_hostname(m->host, sizeof m->host);
    bti_cpu_model(m->cpu_model, sizeof m->cpu_model);
    m->cpus_online = bti_cpu_count();
    m->cpus_allowed = bti_cpu_count_allowed();
    bti_fmt(m->device, sizeof m->device, "%s", device ? device : "cpu");
    bti_gmtime(now, &tmv);
    strftime(m->date_utc, sizeof m->date_utc, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    bti_fmt(m->version, sizeof m->version, "%s", BATCHTUNE_VERSION_STRING);
    bti_fmt(m->settings, sizeof m->settings, "%s", settings ? settings : "");
    bti_fmt(m->fingerprint, sizeof m->fingerprint, "%016llx",
            (unsigned long long)bti_fnv1a(bti_fnv1a(0, m->settings), m->device));
    m->pairs_planned = -1;
}
static void bti_json_ranking(bti_str *s, const bt_ranking *rk);
static void bti_json_meta(bti_str *s, const bt_run_meta *m) {
    bti_str_cat(s, "{\"host\":"); bti_json_str(s, m->host);
    bti_str_cat(s, ",\"cpu_model\":"); bti_json_str(s, m->cpu_model);
    bti_str_printf(s, ",\"cpus_online\":%d,\"cpus_allowed\":%d", m->cpus_online, m->cpus_allowed);
    bti_str_cat(s, ",\"device\":"); bti_json_str(s, m->device);
    bti_str_cat(s, ",\"date_utc\":"); bti_json_str(s, m->date_utc);
    bti_str_cat(s, ",\"batchtune_version\":"); bti_json_str(s, m->version);
    bti_str_cat(s, ",\"settings\":"); bti_json_str(s, m->settings);
    bti_str_cat(s, ",\"fingerprint\":"); bti_json_str(s, m->fingerprint);
    bti_str_printf(s, ",\"shard_k\":%d,\"shard_n\":%d,\"pairs_planned\":%lld", m->shard_k, m->shard_n, m->pairs_planned);
    bti_str_cat(s, "}");
}
BTI_DEF bt_status bt_write_json(const bt_results *r, const bt_run_meta *m, const bt_ranking *rk, const char *path) {
    bti_str s;
    size_t i;
    int j, k, counts[BT_CELL_STATUS_COUNT];
    bt_status st;
    char err[512];
    if (!r || !path) return BT_E_INVALID;
    memset(&s, 0, sizeof s);
    memset(counts, 0, sizeof counts);
    for (i = 0; i < r->nrows; i++) counts[r->rows[i].status]++;
    bti_str_cat(&s, "{\"meta\":");
    if (m) bti_json_meta(&s, m); else bti_str_cat(&s, "null");
    bti_str_cat(&s, ",\n\"axes\":[");
    for (j = 0; j < r->naxes; j++) { if (j) bti_str_cat(&s, ","); bti_json_str(&s, r->axes[j]); }
    bti_str_cat(&s, "],\n\"directions\":{");
    for (j = 0, k = 0; j < r->nmetrics; j++) {
        if (!bt_results_direction(r, j)) continue;
        bti_str_cat(&s, k++ ? "," : "");
        bti_json_str(&s, r->metrics[j]);
        bti_str_cat(&s, bt_results_direction(r, j) == BT_HIGHER_IS_BETTER ? ":\"higher\"" : ":\"lower\"");
    }
    bti_str_cat(&s, "},\n\"status_counts\":{");
    for (j = 0; j < BT_CELL_STATUS_COUNT; j++) bti_str_printf(&s, "%s\"%s\":%d", j ? "," : "", bti_cell_status_names[j], counts[j]);
    bti_str_cat(&s, "},\n\"rows\":[");
    for (i = 0; i < r->nrows; i++) {
        const bt_row *row = &r->rows[i];
        bti_str_cat(&s, i ? ",\n{" : "\n{");
        bti_str_cat(&s, "\"workload\":"); bti_json_str(&s, row->workload);
        bti_str_cat(&s, ",\"device\":"); bti_json_str(&s, row->device);
        for (j = 0; j < r->naxes; j++) { bti_str_cat(&s, ","); bti_json_str(&s, r->axes[j]); bti_str_cat(&s, ":"); bti_json_str(&s, row->axis[j]); }
        bti_str_printf(&s, ",\"status\":\"%s\",\"reason\":", bt_cell_status_str(row->status));
        bti_json_str(&s, row->reason);
        bti_str_printf(&s, ",\"samples\":%d,\"noisy\":%d", row->samples, row->noisy);
        for (j = 0; j < r->nmetrics; j++) {
            if (isnan(row->m[j])) continue;
            bti_str_cat(&s, ","); bti_json_str(&s, r->metrics[j]); bti_str_cat(&s, ":"); bti_json_num(&s, row->m[j]);
        }
        bti_str_cat(&s, "}");
    }
    bti_str_cat(&s, "]");
    if (rk) { bti_str_cat(&s, ",\n\"ranking\":"); bti_json_ranking(&s, rk); }
    bti_str_cat(&s, "}\n");
    if (s.oom) { bti_str_free(&s); return BT_E_NOMEM; }
    st = bti_write_atomic(path, s.p, s.len, err, sizeof err);
    if (st != BT_OK) bti_fmt(((bt_results *)r)->err, sizeof r->err, "%s", err);
    bti_str_free(&s);
    return st;
}

static int bti_guess_higher(const char *name) {
    return strstr(name, "per_s") || strstr(name, "util") || strstr(name, "busy") || strstr(name, "throughput") ||
           strstr(name, "tflops") || strstr(name, "bandwidth");
}
/* ---------------------------------------------------------------- sweep ------------------ */
static const char *const bti_fixed_metrics[] = {
    "e2e_s_median", "e2e_s_min", "e2e_s_mean", "e2e_s_stddev", "e2e_s_p10", "e2e_s_p90", "e2e_s_p99",
    "e2e_s_ci_lo", "e2e_s_ci_hi", "rel_noise", "items", "items_per_s", "s_per_item",
    "first_batch_s", "load_wait_s", "h2d_s", "compute_s", "d2h_s", "peak_mem_bytes", "cell_s"};
enum { BTI_M_MED, BTI_M_MIN, BTI_M_MEAN, BTI_M_SD, BTI_M_P10, BTI_M_P90, BTI_M_P99, BTI_M_CILO, BTI_M_CIHI,
       BTI_M_NOISE, BTI_M_ITEMS, BTI_M_IPS, BTI_M_SPI, BTI_M_PHASE0, BTI_M_PEAK = BTI_M_PHASE0 + BT_PHASE_COUNT,
       BTI_M_CELL, BTI_M_FIXED };
static const char *const bti_fixed_scols[] = {
    "e2e_s", "items", "items_per_s", "s_per_item", "first_batch_s", "load_wait_s", "h2d_s", "compute_s", "d2h_s", "peak_mem_bytes"};
enum { BTI_S_E2E, BTI_S_ITEMS, BTI_S_IPS, BTI_S_SPI, BTI_S_PHASE0, BTI_S_PEAK = BTI_S_PHASE0 + BT_PHASE_COUNT, BTI_S_FIXED };

typedef struct bti_sweep {
    const bt_grid *g;
    const bt_workload *w;
    int nw;
    bt_sweep_desc d;
    bt_stop_rule stop;
    bt_results *r;
    FILE *fres, *fsamp;
    int ncustom;
    const char *custom[BTI_MAX_COLS];
    int *cmap;                 /* nw x BT_MAX_METRICS: custom metric j of workload k -> column */
    bt_cell *oom;              /* cells that ran out of memory, with their workload */
    int *oom_wl;
    size_t noom, oomcap;
    uint64_t t0;
    char fp[24];               /* isolate: fingerprint of the sweep, checked by the child */
    char **own_argv;           /* isolate: argv read from the system when desc.argv is NULL */
    char err[512];
} bti_sweep;

static bt_status bti_sweep_fail(bti_sweep *sw, bt_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sw->err, sizeof sw->err, fmt, ap);
    va_end(ap);
    return st;
}
BTI_DEF bt_sweep_desc bt_sweep_desc_defaults(const bt_sweep_desc *in) {
    bt_sweep_desc d;
    if (in) d = *in; else memset(&d, 0, sizeof d);
    d.stop = bt_stop_rule_defaults(&d.stop);
    if (!d.device || !*d.device) d.device = "cpu";
    if (d.shard_n < 0) d.shard_n = 0;
    if (!(d.isolate_timeout_s > 0)) d.isolate_timeout_s = d.stop.timeout_s * (d.stop.warmup + 2) + d.stop.max_time_s;
    return d;
}
BTI_DEF int bt_sweep_isolated_child(void) {
    const char *v = getenv("BATCHTUNE_ISOLATE");
    return v && *v;
}
static void bti_cell_texts(const bt_grid *g, const bt_cell *c, char (*txt)[128], const char **ptr) {
    int i;
    for (i = 0; i < g->naxes; i++) {
        bt_grid_axis_value_text(g, i, c->vi[i], txt[i], 128);
        ptr[i] = txt[i];
    }
}
/* settings that must match for a resume: axes and values, constraints, workloads, stop rule */
static void bti_sweep_settings(const bti_sweep *sw, bti_str *s) {
    int i, k;
    char v[128];
    size_t j;
    for (i = 0; i < sw->g->naxes; i++) {
        const bti_axis *a = &sw->g->ax[i];
        bti_str_printf(s, "%s%s=", i ? " " : "axes: ", a->name);
        for (j = 0; j < a->n; j++) {
            bt_grid_axis_value_text(sw->g, i, j, v, sizeof v);
            bti_str_printf(s, "%s%s", j ? "," : "", v);
        }
        if (a->tied_to >= 0) bti_str_printf(s, "(tied:%s)", sw->g->ax[a->tied_to].name);
        if (a->monotone) bti_str_cat(s, "(monotone)");
    }
    for (i = 0; i < sw->g->ncons; i++) {
        const bti_constraint *c = &sw->g->cons[i];
        bti_str_cat(s, i ? "; " : "; constraints: ");
        if (c->is_pred) bti_str_cat(s, c->name);
        else {
            static const char *const opn[] = {"<=", "<", ">=", ">", "=="};
            for (k = 0; k < c->n; k++) bti_str_printf(s, "%s%s", k ? "*" : "", sw->g->ax[c->axes[k]].name);
            bti_fmt_double(v, sizeof v, c->cap);
            bti_str_printf(s, "%s%s", opn[c->op], v);
        }
    }
    bti_str_cat(s, "; workloads: ");
    for (k = 0; k < sw->nw; k++) bti_str_printf(s, "%s%s", k ? "," : "", sw->w[k].name);
    bti_str_printf(s, "; stop: warmup=%d min_samples=%d max_samples=%d max_rel_noise=%g min_time_s=%g max_time_s=%g timeout_s=%g",
                   sw->stop.warmup, sw->stop.min_samples, sw->stop.max_samples, sw->stop.max_rel_noise,
                   sw->stop.min_time_s, sw->stop.max_time_s, sw->stop.timeout_s);
    if (sw->d.settings && *sw->d.settings) bti_str_printf(s, "; %s", sw->d.settings);
}
static bt_status bti_append_text(FILE *f, const bti_str *s, int sync) {
    if (s->oom) return BT_E_NOMEM;
    if (fwrite(s->p, 1, s->len, f) != s->len || fflush(f) != 0) return BT_E_IO;
    if (sync && bti_flush_to_disk(f) != 0) return BT_E_IO;
    return BT_OK;
}
static int bti_is_pruned(bti_sweep *sw, int wl, const bt_cell *c, char *why, size_t whylen) {
    size_t k;
    int i, any_mono = 0;
    const bt_grid *g = sw->g;
    for (i = 0; i < g->naxes; i++) any_mono |= g->ax[i].monotone;
    if (!any_mono || sw->d.no_prune) return 0;
    for (k = 0; k < sw->noom; k++) {
        const bt_cell *o = &sw->oom[k];
        int below = 1;
        if (sw->oom_wl[k] != wl) continue;
        for (i = 0; i < g->naxes && below; i++) {
            if (g->ax[i].monotone) { if (bt_cell_f64(o, i) > bt_cell_f64(c, i) || g->ax[i].type == BT_AXIS_STR) below = (o->vi[i] == c->vi[i]); }
            else if (o->vi[i] != c->vi[i]) below = 0;
        }
        if (below && o->index != c->index) {
            char cb[512];
            bt_cell_format(o, cb, sizeof cb);
            bti_fmt(why, whylen, "above OOM at %s", cb);
            return 1;
        }
    }
    return 0;
}
static void bti_note_oom(bti_sweep *sw, int wl, const bt_cell *c) {
    if (sw->noom == sw->oomcap) {
        size_t nc = sw->oomcap ? sw->oomcap * 2 : 16;
        bt_cell *no = (bt_cell *)bti_realloc(sw->oom, nc * sizeof *no);
        int *nw;
        if (!no) return;
        sw->oom = no;
        nw = (int *)bti_realloc(sw->oom_wl, nc * sizeof *nw);
        if (!nw) return;
        sw->oom_wl = nw;
        sw->oomcap = nc;
    }
    sw->oom[sw->noom] = *c;
    sw->oom_wl[sw->noom++] = wl;
}
static bt_cell_status bti_status_to_cell(bt_status st) {
    if (st == BT_E_OOM_DEVICE || st == BT_E_NOMEM) return BT_CELL_OOM;
    if (st == BT_E_TIMEOUT) return BT_CELL_TIMEOUT;
    return BT_CELL_ERROR;
}
static void bti_sample_reset(bt_sample *s, int index) {
    void *state = s->state;
    int i;
    memset(s, 0, sizeof *s);
    s->state = state;
    s->index = index;
    for (i = 0; i < BT_PHASE_COUNT; i++) s->phase_s[i] = -1;
    for (i = 0; i < BT_MAX_METRICS; i++) s->metric[i] = NAN;
    s->peak_mem_bytes = -1;
}
static double bti_median_of(const double *samp, int n, int stride, int col, double *tmp) {
    int k, m = 0;
    for (k = 0; k < n; k++) { double v = samp[(size_t)k * (size_t)stride + (size_t)col]; if (!isnan(v)) tmp[m++] = v; }
    return m ? bti_median_inplace(tmp, (size_t)m) : NAN;
}
/* Runs one (workload, cell). Fills status, reason, samples (rows of r->nscols), noisy. */
static bt_cell_status bti_run_cell(bti_sweep *sw, int wl, const bt_cell *c, double **samp_out, int *nsamp_out,
                                   int *noisy, char *reason, size_t rlen) {
    const bt_workload *w = &sw->w[wl];
    const bt_stop_rule *rule = &sw->stop;
    bt_sample s;
    bt_status st = BT_OK;
    bt_cell_status cst = BT_CELL_OK;
    int i, n = 0, nu = 0, cap = 0, ns = sw->r->nscols, done = 0;
    double *samp = NULL, *e2e = NULL; /* e2e: the usable times (bti_time_ok) of the n samples */
    uint64_t tstart = 0;
    *samp_out = NULL; *nsamp_out = 0; *noisy = 0; reason[0] = 0;
    memset(&s, 0, sizeof s);
    bti_sample_reset(&s, -1);
    if (w->setup) st = w->setup(c, w->user, &s);
    for (i = 0; st == BT_OK && i < rule->warmup; i++) {
        bti_sample_reset(&s, -1 - i);
        st = w->run(c, w->user, &s);
        if (st == BT_OK && w->sync) st = w->sync(w->user, &s);
    }
    while (st == BT_OK && !done) {
        uint64_t t0, t1;
        double dt;
        bt_stats stt;
        if (n == cap) {
            int nc = cap ? cap * 2 : 32;
            double *a = (double *)bti_realloc(samp, (size_t)nc * (size_t)ns * sizeof(double));
            double *b;
            if (!a) { st = BT_E_NOMEM; bti_fmt(s.error, sizeof s.error, "host out of memory for samples"); break; }
            samp = a;
            b = (double *)bti_realloc(e2e, (size_t)nc * sizeof(double));
            if (!b) { st = BT_E_NOMEM; break; }
            e2e = b;
            cap = nc;
        }
        bti_sample_reset(&s, n);
        t0 = bt_now_ns();
        if (!tstart) tstart = t0;
        st = w->run(c, w->user, &s);
        if (st == BT_OK && w->sync) st = w->sync(w->user, &s);
        t1 = bt_now_ns();
        if (st != BT_OK) break;
        dt = (double)(t1 - t0) * 1e-9;
        if (dt > rule->timeout_s) {
            cst = BT_CELL_TIMEOUT;
            bti_fmt(reason, rlen, "sample %d took %.3g s, over the %.3g s limit", n, dt, rule->timeout_s);
            break;
        }
        {
            double *row = samp + (size_t)n * (size_t)ns;
            int k;
            for (k = 0; k < ns; k++) row[k] = NAN;
            row[BTI_S_E2E] = dt;
            if (s.items > 0) { row[BTI_S_ITEMS] = s.items; if (bti_time_ok(dt)) { row[BTI_S_IPS] = s.items / dt; row[BTI_S_SPI] = dt / s.items; } }
            for (k = 0; k < BT_PHASE_COUNT; k++) if (s.phase_s[k] >= 0) row[BTI_S_PHASE0 + k] = s.phase_s[k];
            if (s.peak_mem_bytes >= 0) row[BTI_S_PEAK] = s.peak_mem_bytes;
            for (k = 0; k < w->num_metrics && k < BT_MAX_METRICS; k++) row[sw->cmap[wl * BT_MAX_METRICS + k]] = s.metric[k];
        }
        n++;
        if (bti_time_ok(dt)) e2e[nu++] = dt; /* a zero read: taken, not a time */
        if (bt_stats_compute(e2e, (size_t)nu, &stt) != BT_OK) memset(&stt, 0, sizeof stt);
        done = bti_stop_check_reads(rule, &stt, nu, n, (double)(t1 - tstart) * 1e-9, noisy);
    }
    if (st != BT_OK) {
        cst = bti_status_to_cell(st);
        bti_fmt(reason, rlen, "%s", s.error[0] ? s.error : bt_status_str(st));
    }
    if (w->teardown) { int keep = s.index; s.index = -1; w->teardown(c, w->user, &s); s.index = keep; }
    bti_free(e2e);
    if (cst == BT_CELL_OK && n > 0 && nu == 0) { /* no time at all: never ranked */
        cst = BT_CELL_ERROR;
        bti_zero_reads_note(reason, rlen, (size_t)n, (size_t)n);
    }
    if (cst != BT_CELL_OK) { bti_free(samp); return cst; }
    *samp_out = samp;
    *nsamp_out = n;
    return cst;
}
static void bti_row_metrics(const bti_sweep *sw, const double *samp, int n, double cell_s, double *m) {
    int ns = sw->r->nscols, k, col;
    double *tmp = (double *)bti_malloc((size_t)(n > 0 ? n : 1) * sizeof(double)), peak = NAN;
    bt_stats st;
    for (k = 0; k < sw->r->nmetrics; k++) m[k] = NAN;
    m[BTI_M_CELL] = cell_s;
    if (!tmp || n <= 0) { bti_free(tmp); return; }
    if (bt_stats_compute(tmp, bti_times_usable(samp + BTI_S_E2E, (size_t)n, (size_t)ns, tmp, NULL), &st) == BT_OK) {
        m[BTI_M_MED] = st.median; m[BTI_M_MIN] = st.min; m[BTI_M_MEAN] = st.mean; m[BTI_M_SD] = st.stddev;
        m[BTI_M_P10] = st.p10; m[BTI_M_P90] = st.p90; m[BTI_M_P99] = st.p99;
        m[BTI_M_CILO] = st.ci_lo; m[BTI_M_CIHI] = st.ci_hi; m[BTI_M_NOISE] = st.rel_noise;
    }
    m[BTI_M_ITEMS] = bti_median_of(samp, n, ns, BTI_S_ITEMS, tmp);
    m[BTI_M_IPS] = bti_median_of(samp, n, ns, BTI_S_IPS, tmp);
    m[BTI_M_SPI] = bti_median_of(samp, n, ns, BTI_S_SPI, tmp);
    for (k = 0; k < BT_PHASE_COUNT; k++) m[BTI_M_PHASE0 + k] = bti_median_of(samp, n, ns, BTI_S_PHASE0 + k, tmp);
    for (k = 0; k < n; k++) { double v = samp[(size_t)k * (size_t)ns + BTI_S_PEAK]; if (!isnan(v) && (isnan(peak) || v > peak)) peak = v; }
    m[BTI_M_PEAK] = peak;
    for (col = BTI_S_FIXED; col < ns; col++) m[BTI_M_FIXED + (col - BTI_S_FIXED)] = bti_median_of(samp, n, ns, col, tmp);
    bti_free(tmp);
}
/* Records one row: into memory, then samples and row to disk (row flushed + fsynced). */
static bt_status bti_sweep_emit(bti_sweep *sw, int wl, const char *const *axv, bt_cell_status cst, const char *reason,
                                const double *samp, int nsamp, int noisy, double cell_s) {
    double *m = (double *)bti_malloc((size_t)sw->r->nmetrics * sizeof(double));
    long idx;
    bt_status st = BT_OK;
    int k;
    char zr[768];
    if (!m) return BT_E_NOMEM;
    bti_row_metrics(sw, samp, cst == BT_CELL_OK ? nsamp : 0, cell_s, m);
    if (cst == BT_CELL_OK && nsamp > 0) { /* zero reads, left out of the row's statistics: say so */
        size_t nz = bti_zero_reads(samp + BTI_S_E2E, (size_t)nsamp, (size_t)sw->r->nscols);
        if (nz) {
            char note[256];
            bti_zero_reads_note(note, sizeof note, nz, (size_t)nsamp);
            bti_fmt(zr, sizeof zr, "%s%s%s", reason && reason[0] ? reason : "", reason && reason[0] ? "; " : "", note);
            reason = zr;
        }
    }
    idx = bti_results_put(sw->r, sw->w[wl].name, sw->d.device, axv, cst, reason, cst == BT_CELL_OK ? nsamp : 0, noisy, m);
    bti_free(m);
    if (idx < 0) return BT_E_NOMEM;
    sw->r->rows[idx].nsample = 0;
    for (k = 0; k < nsamp && cst == BT_CELL_OK; k++)
        if (bti_row_add_sample(sw->r, &sw->r->rows[idx], k, samp + (size_t)k * (size_t)sw->r->nscols) != BT_OK) return BT_E_NOMEM;
    if (sw->fsamp && sw->r->rows[idx].nsample) {
        bti_str s;
        memset(&s, 0, sizeof s);
        bti_samples_rows(sw->r, &sw->r->rows[idx], &s);
        st = bti_append_text(sw->fsamp, &s, !sw->d.no_fsync); /* samples reach the disk before their row */
        bti_str_free(&s);
        if (st != BT_OK) return bti_sweep_fail(sw, st, "cannot append to the samples file: %s", strerror(errno));
    }
    if (sw->fres) {
        bti_str s;
        memset(&s, 0, sizeof s);
        bti_csv_row(sw->r, &sw->r->rows[idx], &s);
        st = bti_append_text(sw->fres, &s, !sw->d.no_fsync);
        bti_str_free(&s);
        if (st != BT_OK) return bti_sweep_fail(sw, st, "cannot append to %s: %s", sw->d.results_path, strerror(errno));
    }
    return BT_OK;
}
/* ---- isolated cells (bt_sweep_desc.isolate). The child writes its result to stdout as lines
   that start with the parent's tag: "T row STATUS NSAMP NOISY NSCOLS CELL_S", "T reason TEXT",
   NSAMP x "T s V1 .. VNSCOLS", "T end". Numbers as %.17g, so they come back bit for bit. */
static void bti_isolate_write(const char *tag, bt_cell_status cst, const char *reason, const double *samp, int nsamp,
                              int ns, int noisy, double cell_s) {
    bti_str o;
    int i, k;
    memset(&o, 0, sizeof o);
    bti_str_printf(&o, "\n%s row %d %d %d %d %.17g\n%s reason ", tag, (int)cst, nsamp, noisy, ns, cell_s, tag);
    for (; reason && *reason; reason++) bti_str_add(&o, *reason == '\n' || *reason == '\r' ? " " : reason, 1);
    bti_str_cat(&o, "\n");
    for (i = 0; i < nsamp; i++) {
        bti_str_printf(&o, "%s s", tag);
        for (k = 0; k < ns; k++) bti_str_printf(&o, " %.17g", samp[(size_t)i * (size_t)ns + (size_t)k]);
        bti_str_cat(&o, "\n");
    }
    bti_str_printf(&o, "%s end\n", tag);
    fflush(stdout);
    if (!o.oom) fwrite(o.p, 1, o.len, stdout);
    else printf("\n%s row %d 0 0 %d 0\n%s reason host out of memory for the result\n%s end\n", tag, (int)BT_CELL_ERROR, ns, tag, tag);
    fflush(stdout);
    bti_str_free(&o);
}
/* In the child: BATCHTUNE_ISOLATE = "FINGERPRINT TAG WORKLOAD_INDEX CELL_INDEX". Runs the cell and
   writes the result; the caller then exits. */
static void bti_isolate_child(bti_sweep *sw, const char *env) {
    char fp[24] = "", tag[24] = "", why[512] = "";
    int wl = -1, noisy = 0, nsamp = 0;
    unsigned long long ci = 0;
    double *samp = NULL;
    bt_cell c;
    bt_cell_status cst;
    uint64_t t0;
    if (sscanf(env, "%23s %23s %d %llu", fp, tag, &wl, &ci) != 4 || !tag[0]) {
        printf("batchtune: BATCHTUNE_ISOLATE='%.100s' is not 'FINGERPRINT TAG WORKLOAD CELL'\n", env);
        return;
    }
    if (strcmp(fp, sw->fp) != 0 || wl < 0 || wl >= sw->nw || ci >= (unsigned long long)bt_grid_num_cells(sw->g)) {
        bti_fmt(why, sizeof why, "the isolated cell's process reached another sweep (fingerprint %s, expected %s): the program "
                "must reach the isolated bt_sweep_run first, with the same grid, workloads and desc", sw->fp, fp);
        bti_isolate_write(tag, BT_CELL_ERROR, why, NULL, 0, sw->r->nscols, 0, 0);
        return;
    }
    bt_grid_cell(sw->g, (size_t)ci, &c);
    t0 = bt_now_ns();
    cst = bti_run_cell(sw, wl, &c, &samp, &nsamp, &noisy, why, sizeof why);
    bti_isolate_write(tag, cst, why, samp, cst == BT_CELL_OK ? nsamp : 0, sw->r->nscols, noisy, (double)(bt_now_ns() - t0) * 1e-9);
    bti_free(samp);
}
/* parses the child's tagged block; 1 when complete (row, reason, every sample, end) */
static int bti_isolate_parse(const char *out, const char *tag, int ns, bt_cell_status *cst, char *reason, size_t rlen,
                             double **samp_out, int *nsamp, int *noisy, double *cell_s) {
    size_t tl = strlen(tag);
    const char *p = out;
    int have_row = 0, got = 0, st = 0, n = 0, nz = 0, nsc = 0;
    double *samp = NULL;
    while (p && *p) {
        const char *nl = strchr(p, '\n'), *q = p + tl + 1;
        if (strncmp(p, tag, tl) == 0 && p[tl] == ' ') {
            if (strncmp(q, "row ", 4) == 0) {
                char *e;
                if (sscanf(q + 4, "%d %d %d %d", &st, &n, &nz, &nsc) != 4 || st < 0 || st >= BT_CELL_STATUS_COUNT || n < 0 || nsc != ns) break;
                if ((size_t)n > strlen(p) / (tl + 3)) break;  /* more samples than lines that could hold them */
                q = strchr(q + 4, ' ');                    /* skip four numbers to CELL_S */
                for (got = 0; q && got < 3; got++) q = strchr(q + 1, ' ');
                *cell_s = q ? strtod(q, &e) : NAN;
                bti_free(samp);
                samp = n ? (double *)bti_malloc((size_t)n * (size_t)ns * sizeof(double)) : NULL;
                if (n && !samp) break;
                have_row = 1; got = 0;
            } else if (strncmp(q, "reason ", 7) == 0 && have_row) {
                size_t len = nl ? (size_t)(nl - q - 7) : strlen(q + 7);
                if (len && q[7 + len - 1] == '\r') len--;    /* a text-mode stdout (Windows) */
                bti_fmt(reason, rlen, "%.*s", (int)(len > 1000 ? 1000 : len), q + 7);
            } else if (strncmp(q, "s ", 2) == 0 && have_row && got < n) {
                const char *v = q + 1;
                int k;
                for (k = 0; k < ns; k++) {
                    char *e;
                    double x = strtod(v, &e);
                    if (e == v) break;
                    samp[(size_t)got * (size_t)ns + (size_t)k] = x;
                    v = e;
                }
                if (k < ns) break;
                got++;
            } else if (strncmp(q, "end", 3) == 0 && have_row && got == n) {
                *cst = (bt_cell_status)st;
                *samp_out = samp;
                *nsamp = n;
                *noisy = nz;
                return 1;
            }
        }
        p = nl ? nl + 1 : NULL;
    }
    bti_free(samp);
    return 0;
}
/* the last non-empty line of text, at most n-1 characters */
static void bti_last_line(const char *text, char *buf, size_t n) {
    const char *p = text, *ls = NULL, *le = NULL;
    buf[0] = 0;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        if (end > p && end[-1] == '\r') end--;
        if (end > p) { ls = p; le = end; }
        p = nl ? nl + 1 : NULL;
    }
    if (ls) bti_fmt(buf, n, "%.*s", (int)((size_t)(le - ls) >= n ? n - 1 : (size_t)(le - ls)), ls);
}
/* In the parent: runs (wl, c) in a new process of this program; the same outputs as
   bti_run_cell, plus the cell time the child measured (or the child's wall time if it failed). */
static bt_cell_status bti_run_cell_isolated(bti_sweep *sw, int wl, const bt_cell *c, double **samp_out, int *nsamp_out,
                                            int *noisy, char *reason, size_t rlen, double *cell_s) {
    char env[160], tag[24], exe[4096], err[512], last[200], how[96];
    char *const *argv = sw->d.argv ? sw->d.argv : sw->own_argv;
    bti_str out, errs;
    int code = 0, sig = 0, killed = 0, rc;
    uint64_t t0 = bt_now_ns();
    double wall;
    bt_cell_status cst = BT_CELL_ERROR;
    *samp_out = NULL; *nsamp_out = 0; *noisy = 0; reason[0] = 0; *cell_s = 0;
    memset(&out, 0, sizeof out);
    memset(&errs, 0, sizeof errs);
    bti_fmt(tag, sizeof tag, "@bt%llx", (unsigned long long)(t0 ^ ((uint64_t)c->index << 20) ^ (uint64_t)wl));
    bti_fmt(env, sizeof env, "BATCHTUNE_ISOLATE=%s %s %d %llu", sw->fp, tag, wl, (unsigned long long)c->index);
    rc = bti_spawn_capture(argv, bti_self_exe(exe, sizeof exe) == 0 ? exe : NULL, env, sw->d.isolate_timeout_s,
                           &out, &errs, &code, &sig, &killed, err, sizeof err);
    wall = (double)(bt_now_ns() - t0) * 1e-9;
    *cell_s = wall;
    if (rc != 0) {
        bti_fmt(reason, rlen, "isolated cell: %s", err);
    } else if (out.oom || errs.oom) {
        bti_fmt(reason, rlen, "isolated cell: host out of memory for the child's output");
    } else if (!killed && bti_isolate_parse(bti_str_c(&out), tag, sw->r->nscols, &cst, reason, rlen, samp_out, nsamp_out, noisy, cell_s)) {
        /* the child's own row: exactly what the cell gave in-process */
    } else {
        cst = killed ? BT_CELL_TIMEOUT : BT_CELL_ERROR;
        *cell_s = wall;
        reason[0] = 0;
        bti_last_line(bti_str_c(&errs), last, sizeof last);
        bti_exit_what(code, sig, how, sizeof how);
        if (killed)
            bti_fmt(reason, rlen, "isolated cell still running after %.3g s (isolate_timeout_s): killed with its process group%s%s",
                    sw->d.isolate_timeout_s, last[0] ? "; last stderr: " : "", last);
        else if (sig || code != 0)
            bti_fmt(reason, rlen, "isolated cell %s%s%s", how, last[0] ? ": " : "", last);
        else
            bti_fmt(reason, rlen, "isolated cell exited without a result: the program did not reach bt_sweep_run with this sweep%s%s",
                    last[0] ? "; last stderr: " : "", last);
    }
    bti_str_free(&out);
    bti_str_free(&errs);
    return cst;
}
static int bti_json_fingerprint(const char *path, char *fp, size_t n) {
    size_t len;
    char err[64], *buf = bti_read_file(path, &len, err, sizeof err), *p, *e;
    if (!buf) return 0;
    p = strstr(buf, "\"fingerprint\":\"");
    if (!p) { bti_free(buf); return 0; }
    p += 15;
    e = strchr(p, '"');
    if (!e) { bti_free(buf); return 0; }
    bti_fmt(fp, n, "%.*s", (int)(e - p), p);
    bti_free(buf);
    return 1;
}
/* Opens (and on resume validates, trims and loads) the results and samples files. */
static bt_status bti_sweep_open(bti_sweep *sw, const char *samples_path, const char *json_path, const char *fingerprint) {
    const char *path = sw->d.results_path;
    long long size = 0;
    int exists = bti_file_size(path, &size) && size > 0, fresh = 1, i;
    size_t good = 0, sgood = 0;
    char warn[512] = "", err[512] = "";
    if (exists && !sw->d.resume && !sw->d.overwrite)
        return bti_sweep_fail(sw, BT_E_IO, "%s already exists: resume it (--resume) or choose another path; nothing was overwritten", path);
    if (exists && sw->d.resume) {
        bt_results *old = NULL;
        bt_status st = bti_results_load(path, NULL, &old, &good, err, sizeof err, warn, sizeof warn);
        if (st == BT_E_PARSE) return bti_sweep_fail(sw, st, "%s; refusing to resume (nothing was changed)", err);
        if (st != BT_OK && st != BT_E_NOT_FOUND) return bti_sweep_fail(sw, st, "%s", err);
        if (st == BT_OK) {
            size_t k;
            char fp[64];
            fresh = 0;
            if (old->naxes != sw->r->naxes || old->nmetrics != sw->r->nmetrics) {
                bt_results_free(old);
                return bti_sweep_fail(sw, BT_E_MISMATCH, "%s: its columns differ from this sweep's (other axes or metrics); refusing to resume", path);
            }
            for (i = 0; i < old->naxes; i++) if (strcmp(old->axes[i], sw->r->axes[i])) {
                bti_sweep_fail(sw, BT_E_MISMATCH, "%s: axis column %d is '%s', this sweep has '%s'; refusing to resume", path, i + 1, old->axes[i], sw->r->axes[i]);
                bt_results_free(old); return BT_E_MISMATCH;
            }
            for (i = 0; i < old->nmetrics; i++) if (strcmp(old->metrics[i], sw->r->metrics[i])) {
                bti_sweep_fail(sw, BT_E_MISMATCH, "%s: metric column '%s' is not this sweep's '%s'; refusing to resume", path, old->metrics[i], sw->r->metrics[i]);
                bt_results_free(old); return BT_E_MISMATCH;
            }
            for (k = 0; k < old->nrows; k++) {
                const bt_row *row = &old->rows[k];
                int known = 0;
                for (i = 0; i < sw->nw; i++) if (strcmp(sw->w[i].name, row->workload) == 0) known = 1;
                if (!known || strcmp(row->device, sw->d.device) != 0) {
                    bti_sweep_fail(sw, BT_E_MISMATCH, "%s:%zu: row of %s '%s', which is not in this sweep (device '%s'); refusing to resume",
                                   path, k + 2, known ? "device" : "workload", known ? row->device : row->workload, sw->d.device);
                    bt_results_free(old); return BT_E_MISMATCH;
                }
            }
            if (json_path && bti_json_fingerprint(json_path, fp, sizeof fp) && strcmp(fp, fingerprint) != 0) {
                bt_results_free(old);
                return bti_sweep_fail(sw, BT_E_MISMATCH, "%s: run fingerprint %s (in %s) differs from this sweep's %s: other axes, constraints, workloads, stop rule, settings or device; refusing to resume",
                                      path, fp, json_path, fingerprint);
            }
            for (k = 0; k < old->nrows; k++) {
                const bt_row *row = &old->rows[k];
                if (bti_results_put(sw->r, row->workload, row->device, (const char *const *)row->axis, row->status, row->reason, row->samples, row->noisy, row->m) < 0) {
                    bt_results_free(old); return BT_E_NOMEM;
                }
            }
            bt_results_free(old);
            if (warn[0]) fprintf(stderr, "batchtune: warning: %s\n", warn);
            if ((long long)good < size && bti_truncate_file(path, (long long)good) != 0)
                return bti_sweep_fail(sw, BT_E_IO, "cannot trim the torn line off %s: %s", path, strerror(errno));
            /* samples */
            if (samples_path) {
                char **keep = bti_strv_dup(sw->r->nscols, (const char *const *)sw->r->scols);
                int nkeep = sw->r->nscols, same = 1;
                long long ssize = 0;
                warn[0] = 0;
                st = bti_samples_load(sw->r, samples_path, &sgood, err, sizeof err, warn, sizeof warn);
                if (st == BT_OK) {
                    same = sw->r->nscols == nkeep;
                    for (i = 0; same && i < nkeep; i++) same = strcmp(keep[i], sw->r->scols[i]) == 0;
                }
                if (st == BT_OK || st == BT_E_NOT_FOUND) { bti_results_set_scols(sw->r, nkeep, (const char *const *)keep); }
                bti_strv_free(nkeep, keep);
                if (st != BT_OK && st != BT_E_NOT_FOUND) return bti_sweep_fail(sw, st, "%s; refusing to resume", err);
                if (!same) return bti_sweep_fail(sw, BT_E_MISMATCH, "%s: sample columns differ from this sweep's; refusing to resume", samples_path);
                if (warn[0]) fprintf(stderr, "batchtune: warning: %s\n", warn);
                if (st == BT_OK && bti_file_size(samples_path, &ssize) && (long long)sgood < ssize && bti_truncate_file(samples_path, (long long)sgood) != 0)
                    return bti_sweep_fail(sw, BT_E_IO, "cannot trim %s: %s", samples_path, strerror(errno));
                if (st == BT_E_NOT_FOUND) sgood = 0;
            }
        }
    }
    sw->fres = fopen(path, fresh ? "wb" : "ab");
    if (!sw->fres) return bti_sweep_fail(sw, BT_E_IO, "cannot open %s for writing: %s", path, strerror(errno));
    if (fresh) {
        bti_str s;
        bt_status st;
        memset(&s, 0, sizeof s);
        bti_csv_header(sw->r, &s);
        st = bti_append_text(sw->fres, &s, !sw->d.no_fsync);
        bti_str_free(&s);
        if (st != BT_OK) return bti_sweep_fail(sw, st, "cannot write %s: %s", path, strerror(errno));
    }
    if (samples_path) {
        int new_samples = fresh || sgood == 0;
        sw->fsamp = fopen(samples_path, new_samples ? "wb" : "ab");
        if (!sw->fsamp) return bti_sweep_fail(sw, BT_E_IO, "cannot open %s for writing: %s", samples_path, strerror(errno));
        if (new_samples) {
            bti_str s;
            bt_status st;
            memset(&s, 0, sizeof s);
            bti_samples_header(sw->r, &s);
            st = bti_append_text(sw->fsamp, &s, 0);
            bti_str_free(&s);
            if (st != BT_OK) return bti_sweep_fail(sw, st, "cannot write %s", samples_path);
        }
    }
    return BT_OK;
}
static bt_status bti_sweep_adaptive(bti_sweep *sw, size_t total); /* search strategies, below */
BTI_DEF bt_status bt_sweep_run(const bt_grid *g, const bt_workload *w, int nw, const bt_sweep_desc *desc, bt_results **out) {
    bti_sweep sw;
    const char *axn[BT_MAX_AXES], *cols[BTI_MAX_COLS], *scols[BTI_MAX_COLS];
    int i, k, ncols = 0, nscols = 0;
    char samples_path[4096], json_path[4096], fpbuf[64];
    bt_status st = BT_OK;
    bt_run_meta meta;
    bti_str settings;
    size_t ncells, ci, total = 0, done = 0;
    int sampler_on = 0;
    if (out) *out = NULL;
    memset(&sw, 0, sizeof sw);
    memset(&settings, 0, sizeof settings);
    if (!g || !g->naxes || !w || nw <= 0 || !out) {
        fprintf(stderr, "batchtune: bt_sweep_run: %s\n", !g || !g->naxes ? "the grid has no axes" : !w || nw <= 0 ? "no workloads" : "out is NULL");
        return BT_E_INVALID;
    }
    sw.g = g; sw.w = w; sw.nw = nw;
    sw.d = bt_sweep_desc_defaults(desc);
    sw.stop = sw.d.stop;
    if (sw.d.strategy != BT_STRATEGY_EXHAUSTIVE && sw.d.strategy != BT_STRATEGY_ADAPTIVE) {
        fprintf(stderr, "batchtune: bt_sweep_run: strategy %d is not exhaustive (0) or adaptive (1)\n", sw.d.strategy);
        return BT_E_INVALID;
    }
    if (sw.d.isolate && sw.d.strategy != BT_STRATEGY_EXHAUSTIVE) {
        fprintf(stderr, "batchtune: bt_sweep_run: isolate runs exhaustive sweeps only (an adaptive search keeps each cell's samples across visits)\n");
        return BT_E_UNSUPPORTED;
    }
    if (sw.d.shard_n > 0 && (sw.d.shard_k < 0 || sw.d.shard_k >= sw.d.shard_n)) {
        fprintf(stderr, "batchtune: shard %d/%d: k must be in 0..%d\n", sw.d.shard_k, sw.d.shard_n, sw.d.shard_n - 1);
        return BT_E_INVALID;
    }
    /* columns */
    for (i = 0; i < g->naxes; i++) axn[i] = g->ax[i].name;
    for (i = 0; i < BTI_M_FIXED; i++) cols[ncols++] = bti_fixed_metrics[i];
    for (i = 0; i < BTI_S_FIXED; i++) scols[nscols++] = bti_fixed_scols[i];
    sw.cmap = (int *)bti_calloc((size_t)nw * BT_MAX_METRICS, sizeof(int));
    if (!sw.cmap) return BT_E_NOMEM;
    for (k = 0; k < nw; k++) {
        int j;
        if (!w[k].name || !bti_valid_name(w[k].name) || !w[k].run) {
            fprintf(stderr, "batchtune: workload %d: %s\n", k, !w[k].run ? "run callback missing" : "name missing or not letters, digits and '_'");
            bti_free(sw.cmap); return BT_E_INVALID;
        }
        for (j = 0; j < k; j++) if (strcmp(w[j].name, w[k].name) == 0) {
            fprintf(stderr, "batchtune: workload name '%s' used twice\n", w[k].name);
            bti_free(sw.cmap); return BT_E_INVALID;
        }
        if (w[k].num_metrics < 0 || w[k].num_metrics > BT_MAX_METRICS || (w[k].num_metrics && !w[k].metrics)) {
            fprintf(stderr, "batchtune: workload '%s': num_metrics must be 0..%d with metrics set\n", w[k].name, BT_MAX_METRICS);
            bti_free(sw.cmap); return BT_E_INVALID;
        }
        for (j = 0; j < w[k].num_metrics; j++) {
            const char *mn = w[k].metrics[j].name;
            int c, found = -1;
            if (!bti_valid_name(mn) || bti_reserved_column(mn) || bt_grid_find(g, mn) >= 0) {
                fprintf(stderr, "batchtune: workload '%s': metric name '%s' is not valid or clashes with a column\n", w[k].name, mn ? mn : "(null)");
                bti_free(sw.cmap); return BT_E_INVALID;
            }
            for (c = 0; c < BTI_M_FIXED; c++) if (strcmp(cols[c], mn) == 0 || (c < BTI_S_FIXED && strcmp(scols[c], mn) == 0)) {
                fprintf(stderr, "batchtune: workload '%s': metric '%s' clashes with a built-in column\n", w[k].name, mn);
                bti_free(sw.cmap); return BT_E_INVALID;
            }
            for (c = BTI_S_FIXED; c < nscols; c++) if (strcmp(scols[c], mn) == 0) found = c;
            if (found < 0) {
                if (ncols >= BTI_MAX_COLS - 1) { bti_free(sw.cmap); return BT_E_INVALID; }
                found = nscols;
                scols[nscols++] = mn;
                cols[ncols++] = mn;
            }
            sw.cmap[k * BT_MAX_METRICS + j] = found;
        }
    }
    sw.r = bt_results_create(g->naxes, axn, ncols, cols);
    if (!sw.r || bti_results_set_scols(sw.r, nscols, scols) != BT_OK) { bti_free(sw.cmap); bt_results_free(sw.r); return BT_E_NOMEM; }
    *out = sw.r;
    for (i = 0; i < ncols; i++) bt_results_set_direction(sw.r, i, bti_guess_higher(cols[i]) ? BT_HIGHER_IS_BETTER : BT_LOWER_IS_BETTER);
    for (k = 0; k < nw; k++) {
        int j;
        for (j = 0; j < w[k].num_metrics; j++)
            bt_results_set_direction(sw.r, bt_results_metric_index(sw.r, w[k].metrics[j].name),
                                     w[k].metrics[j].higher_is_better ? BT_HIGHER_IS_BETTER : BT_LOWER_IS_BETTER);
    }
    bti_sweep_settings(&sw, &settings);
    ncells = bt_grid_num_cells(g);
    for (ci = 0; ci < ncells; ci++) {
        bt_cell c;
        bt_grid_cell(g, ci, &c);
        if (sw.d.shard_n > 1 && bt_grid_shard_of(g, &c, sw.d.shard_n) != sw.d.shard_k) continue;
        total += (size_t)nw;
    }
    bti_fmt(sw.fp, sizeof sw.fp, "%016llx", (unsigned long long)bti_fnv1a(bti_fnv1a(0, bti_str_c(&settings)), sw.d.device));
    if (bt_sweep_isolated_child()) {
        /* the child of an isolated cell: run that cell, report it on stdout, and end the process
           here (nothing was opened; the parent records the row) */
        char iso[160];
        bti_fmt(iso, sizeof iso, "%s", getenv("BATCHTUNE_ISOLATE"));
        bti_env_unset("BATCHTUNE_ISOLATE");   /* processes the cell starts are not cells */
        if (sw.d.sampler_start) sw.d.sampler_start(sw.d.sampler_user);
        bti_isolate_child(&sw, iso);
        if (sw.d.sampler_start && sw.d.sampler_stop) sw.d.sampler_stop(sw.d.sampler_user);
        bt_results_free(sw.r);
        *out = NULL;
        bti_str_free(&settings);
        bti_free(sw.cmap); bti_free(sw.oom); bti_free(sw.oom_wl);
        fflush(NULL);
        exit(0);
    }
    if (sw.d.isolate && !sw.d.argv && (sw.own_argv = bti_self_argv()) == NULL) {
        st = bti_sweep_fail(&sw, errno == ENOSYS ? BT_E_UNSUPPORTED : BT_E_IO,
                            "isolate needs bt_sweep_desc.argv (main's argv) on this platform (%s): %s", BTI_PLATFORM_NAME, strerror(errno));
        goto done;
    }
    bt_run_meta_collect(&meta, sw.d.device, bti_str_c(&settings));
    meta.shard_k = sw.d.shard_n > 0 ? sw.d.shard_k : 0;
    meta.shard_n = sw.d.shard_n;
    meta.pairs_planned = (long long)total;
    bti_fmt(fpbuf, sizeof fpbuf, "%s", meta.fingerprint);
    samples_path[0] = json_path[0] = 0;
    if (sw.d.results_path) {
        if (sw.d.samples_path) bti_fmt(samples_path, sizeof samples_path, "%s", sw.d.samples_path);
        else bt_companion_path(sw.d.results_path, ".samples.csv", samples_path, sizeof samples_path);
        if (sw.d.json_path) bti_fmt(json_path, sizeof json_path, "%s", sw.d.json_path);
        else bt_companion_path(sw.d.results_path, ".json", json_path, sizeof json_path);
        st = bti_sweep_open(&sw, samples_path, json_path, fpbuf);
        if (st != BT_OK) goto done;
        if (bt_write_json(sw.r, &meta, NULL, json_path) != BT_OK) { st = bti_sweep_fail(&sw, BT_E_IO, "cannot write %s", json_path); goto done; }
    }
    /* OOM cells already on file feed pruning */
    for (ci = 0; ci < sw.r->nrows; ci++) {
        bt_cell c;
        if (sw.r->rows[ci].status != BT_CELL_OOM) continue;
        if (bt_grid_cell_from_text(g, (const char *const *)sw.r->rows[ci].axis, &c) != BT_OK) continue;
        for (k = 0; k < nw; k++) if (strcmp(w[k].name, sw.r->rows[ci].workload) == 0) bti_note_oom(&sw, k, &c);
    }
    if (!sw.d.isolate && sw.d.sampler_start) { sw.d.sampler_start(sw.d.sampler_user); sampler_on = 1; }
    sw.t0 = bt_now_ns();
    if (sw.d.strategy == BT_STRATEGY_ADAPTIVE) st = bti_sweep_adaptive(&sw, total); /* section 15 */
    else for (ci = 0; ci < ncells && st == BT_OK; ci++) {
        bt_cell c;
        char txt[BT_MAX_AXES][128], why[512];
        const char *axv[BT_MAX_AXES];
        int feasible;
        bt_grid_cell(g, ci, &c);
        if (sw.d.shard_n > 1 && bt_grid_shard_of(g, &c, sw.d.shard_n) != sw.d.shard_k) continue;
        bti_cell_texts(g, &c, txt, axv);
        feasible = bt_grid_feasible(g, &c, why, sizeof why);
        for (k = 0; k < nw && st == BT_OK; k++) {
            const bt_row *prev = bt_results_find(sw.r, w[k].name, axv);
            bt_progress pg;
            bt_cell_status cst;
            double elapsed = (double)(bt_now_ns() - sw.t0) * 1e-9;
            memset(&pg, 0, sizeof pg);
            if (prev && prev->status != BT_CELL_NOT_RUN) {
                pg.skipped = 1;
                cst = prev->status;
            } else if (!feasible) {
                cst = BT_CELL_INFEASIBLE;
                st = bti_sweep_emit(&sw, k, axv, cst, why, NULL, 0, 0, 0);
            } else if (sw.d.time_budget_s > 0 && elapsed >= sw.d.time_budget_s) {
                cst = BT_CELL_NOT_RUN;
                bti_fmt(why, sizeof why, "time budget of %g s spent", sw.d.time_budget_s);
                st = bti_sweep_emit(&sw, k, axv, cst, why, NULL, 0, 0, 0);
            } else if (bti_is_pruned(&sw, k, &c, why, sizeof why)) {
                cst = BT_CELL_PRUNED;
                st = bti_sweep_emit(&sw, k, axv, cst, why, NULL, 0, 0, 0);
            } else {
                double *samp = NULL;
                int nsamp = 0, noisy = 0;
                uint64_t tc = bt_now_ns();
                double cell_s;
                if (sw.d.isolate) cst = bti_run_cell_isolated(&sw, k, &c, &samp, &nsamp, &noisy, why, sizeof why, &cell_s);
                else {
                    cst = bti_run_cell(&sw, k, &c, &samp, &nsamp, &noisy, why, sizeof why);
                    cell_s = (double)(bt_now_ns() - tc) * 1e-9;
                }
                if (cst == BT_CELL_OOM) bti_note_oom(&sw, k, &c);
                st = bti_sweep_emit(&sw, k, axv, cst, why, samp, nsamp, noisy, cell_s);
                bti_free(samp);
            }
            done++;
            if (sw.d.progress) {
                pg.done = done; pg.total = total;
                pg.elapsed_s = (double)(bt_now_ns() - sw.t0) * 1e-9;
                pg.workload = w[k].name; pg.cell = &c; pg.last_status = cst;
                sw.d.progress(&pg, sw.d.progress_user);
            }
        }
    }
    bt_run_meta_collect(&meta, sw.d.device, bti_str_c(&settings));
    meta.shard_k = sw.d.shard_n > 0 ? sw.d.shard_k : 0;
    meta.shard_n = sw.d.shard_n;
    meta.pairs_planned = (long long)total;
    sw.r->meta = meta;
    sw.r->has_meta = 1;
    if (st == BT_OK && json_path[0]) {
        if (bt_write_json(sw.r, &meta, NULL, json_path) != BT_OK) st = bti_sweep_fail(&sw, BT_E_IO, "cannot write %s", json_path);
    }
done:
    if (sampler_on && sw.d.sampler_stop) sw.d.sampler_stop(sw.d.sampler_user);
    if (sw.fres) fclose(sw.fres);
    if (sw.fsamp) fclose(sw.fsamp);
    if (st != BT_OK) {
        if (!sw.err[0]) bti_fmt(sw.err, sizeof sw.err, "%s", bt_status_str(st));
        bti_fmt(sw.r->err, sizeof sw.r->err, "%s", sw.err);
    }
    bti_str_free(&settings);
    bti_free(sw.cmap); bti_free(sw.oom); bti_free(sw.oom_wl); bti_free(sw.own_argv);
    return st;
}

/* ---------------------------------------------------------------- ranking ---------------- */
typedef struct bti_keymap { char **keys; int *val; size_t cap, n; } bti_keymap;
static long bti_keymap_get(bti_keymap *m, const char *key, int add, int val) {
    size_t h, i;
    if (add && (m->n + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 64, k;
        char **nk = (char **)bti_calloc(nc, sizeof(char *));
        int *nv = (int *)bti_calloc(nc, sizeof(int));
        if (!nk || !nv) { bti_free(nk); bti_free(nv); return -2; }
        for (k = 0; k < m->cap; k++) if (m->keys[k]) {
            for (i = (size_t)bti_fnv1a(0, m->keys[k]) & (nc - 1); nk[i]; i = (i + 1) & (nc - 1)) {}
            nk[i] = m->keys[k]; nv[i] = m->val[k];
        }
        bti_free(m->keys); bti_free(m->val);
        m->keys = nk; m->val = nv; m->cap = nc;
    }
    if (!m->cap) return -1;
    h = (size_t)bti_fnv1a(0, key) & (m->cap - 1);
    for (i = h; m->keys[i]; i = (i + 1) & (m->cap - 1)) if (strcmp(m->keys[i], key) == 0) return m->val[i];
    if (!add) return -1;
    m->keys[i] = bti_strdup(key);
    if (!m->keys[i]) return -2;
    m->val[i] = val;
    m->n++;
    return val;
}
static void bti_keymap_free(bti_keymap *m) {
    size_t i;
    for (i = 0; i < m->cap; i++) bti_free(m->keys[i]);
    bti_free(m->keys); bti_free(m->val);
    memset(m, 0, sizeof *m);
}
typedef struct bti_limit { int col; int op; double v; char text[128]; } bti_limit;
static int bti_limit_ok(const bti_limit *l, double v) {
    if (isnan(v)) return 0;
    switch (l->op) {
    case BTI_OP_LE: return v <= l->v;
    case BTI_OP_LT: return v < l->v;
    case BTI_OP_GE: return v >= l->v;
    case BTI_OP_GT: return v > l->v;
    default: return v == l->v;
    }
}
/* how a column is recomputed from samples: sample column + statistic (0 median 1 mean 2 min
   3 p10 4 p90 5 p99), or -1 when it cannot be */
static int bti_sample_source(const bt_results *r, const char *obj, int *stat) {
    static const char *const suf[] = {"_median", "_mean", "_min", "_p10", "_p90", "_p99"};
    int i, k;
    char base[256];
    for (i = 0; i < r->nscols; i++) if (strcmp(r->scols[i], obj) == 0) { *stat = 0; return i; }
    for (k = 0; k < (int)BTI_ARRAY_LEN(suf); k++) {
        size_t n = strlen(obj), sl = strlen(suf[k]);
        if (n > sl && n - sl < sizeof base && strcmp(obj + n - sl, suf[k]) == 0) {
            bti_fmt(base, sizeof base, "%.*s", (int)(n - sl), obj);
            for (i = 0; i < r->nscols; i++) if (strcmp(r->scols[i], base) == 0) { *stat = k; return i; }
        }
    }
    return -1;
}
static double bti_stat_of(double *x, size_t n, int stat) {
    size_t i;
    double s = 0;
    if (!n) return NAN;
    if (stat == 1) { for (i = 0; i < n; i++) s += x[i]; return s / (double)n; }
    qsort(x, n, sizeof *x, bti_cmp_double);
    switch (stat) {
    case 2: return x[0];
    case 3: return bt_quantile_sorted(x, n, 0.10);
    case 4: return bt_quantile_sorted(x, n, 0.90);
    case 5: return bt_quantile_sorted(x, n, 0.99);
    default: return bt_quantile_sorted(x, n, 0.5);
    }
}
static double bti_regret(double v, double best, int higher) {
    if (isnan(v) || isnan(best)) return NAN;
    if (best == 0) return higher ? best - v : v - best;
    return higher ? (best - v) / fabs(best) : (v - best) / fabs(best);
}
BTI_DEF double bt_ranking_regret(const bt_ranking *rk, int e, int w) {
    if (!rk || e < 0 || e >= rk->nentries || w < 0 || w >= rk->nworkloads || !rk->regret) return NAN;
    return rk->regret[(size_t)e * (size_t)rk->nworkloads + (size_t)w];
}
BTI_DEF double bt_ranking_value(const bt_ranking *rk, int e, int w) {
    if (!rk || e < 0 || e >= rk->nentries || w < 0 || w >= rk->nworkloads || !rk->value) return NAN;
    return rk->value[(size_t)e * (size_t)rk->nworkloads + (size_t)w];
}
BTI_DEF void bt_ranking_free(bt_ranking *rk) {
    int i;
    if (!rk) return;
    for (i = 0; i < rk->nentries; i++) {
        bti_free(rk->entries[i].label);
        bti_free(rk->entries[i].why);
        bti_strv_free(rk->naxes, rk->entries[i].axis);
    }
    bti_free(rk->entries);
    bti_free(rk->objective);
    bti_strv_free(rk->naxes, rk->axes);
    bti_strv_free(rk->nworkloads, rk->workloads);
    bti_free(rk->best); bti_free(rk->best_entry);
    bti_free(rk->value); bti_free(rk->regret);
    memset(rk, 0, sizeof *rk);
    rk->pick = -1;
}
static void bti_append_why(char **why, const char *fmt, ...) {
    char piece[256];
    va_list ap;
    bti_str s;
    va_start(ap, fmt);
    vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    memset(&s, 0, sizeof s);
    if (*why) { bti_str_cat(&s, *why); bti_str_cat(&s, "; "); }
    bti_str_cat(&s, piece);
    if (s.oom) { bti_str_free(&s); return; }
    bti_free(*why);
    *why = s.p;
}
typedef struct bti_sortkey { int eligible; double mr; int idx; } bti_sortkey;
static int bti_cmp_sortkey(const void *a, const void *b) {
    const bti_sortkey *x = (const bti_sortkey *)a, *y = (const bti_sortkey *)b;
    if (x->eligible != y->eligible) return y->eligible - x->eligible;
    if (isnan(x->mr) != isnan(y->mr)) return isnan(x->mr) ? 1 : -1;
    if (!isnan(x->mr) && x->mr != y->mr) return x->mr < y->mr ? -1 : 1;
    return x->idx - y->idx;
}
typedef struct bti_valkey { double v; int e; } bti_valkey;
static int bti_cmp_valkey(const void *a, const void *b) {
    const bti_valkey *x = (const bti_valkey *)a, *y = (const bti_valkey *)b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return x->e - y->e;
}
/* mean regret per entry from a value table; returns the best eligible entry or -1 */
static int bti_mean_regrets(int ne, int nw, const double *val, const int *eligible, int higher, double *best, double *mr) {
    int e, w, pick = -1;
    for (w = 0; w < nw; w++) {
        best[w] = NAN;
        for (e = 0; e < ne; e++) {
            double v = val[(size_t)e * (size_t)nw + (size_t)w];
            if (isnan(v)) continue;
            if (isnan(best[w]) || (higher ? v > best[w] : v < best[w])) best[w] = v;
        }
    }
    for (e = 0; e < ne; e++) {
        double sum = 0;
        int n = 0;
        for (w = 0; w < nw; w++) {
            double rg = bti_regret(val[(size_t)e * (size_t)nw + (size_t)w], best[w], higher);
            if (!isnan(rg)) { sum += rg; n++; }
        }
        mr[e] = n ? sum / n : NAN;
        if (eligible[e] && !isnan(mr[e]) && (pick < 0 || mr[e] < mr[pick])) pick = e;
    }
    return pick;
}
BTI_DEF bt_status bt_rank(const bt_results *r, const bt_rank_desc *din, bt_ranking *rk) {
    bt_rank_desc d;
    bti_keymap emap, wmap;
    bti_limit lim[32];
    int nlim = 0, obj, higher, ne = 0, nw = 0, i, e, w, stat = 0, scol, tobj;
    int *row_e = NULL, *row_w = NULL, *eligible = NULL, *first_row = NULL, *order_idx = NULL;
    double *val = NULL, *mr = NULL, *mx = NULL;
    const bt_row **src = NULL;
    size_t k, nrows;
    bt_status st = BT_OK;
    if (!rk) return BT_E_INVALID;
    memset(rk, 0, sizeof *rk);
    rk->pick = -1;
    if (!r) return BT_E_INVALID;
    if (din) d = *din; else memset(&d, 0, sizeof d);
    if (!d.objective || !*d.objective) d.objective = "e2e_s_median";
    if (d.top_n <= 0) d.top_n = 3;
    if (d.bootstrap == 0) d.bootstrap = 1000;
    if (!d.seed) d.seed = 1;
    if (d.tie_level <= 0) d.tie_level = 0.05;
    obj = bt_results_metric_index(r, d.objective);
    if (obj < 0) {
        bti_fmt(rk->message, sizeof rk->message, "objective '%s' is not a column of the results", d.objective);
        return BT_E_NOT_FOUND;
    }
    if (d.direction == 0 && bt_results_direction(r, obj)) d.direction = bt_results_direction(r, obj);
    higher = d.direction == BT_HIGHER_IS_BETTER || (d.direction == 0 && bti_guess_higher(d.objective));
    for (i = 0; i < d.num_limits && d.limits; i++) {
        static const char *const ops[] = {"<=", ">=", "==", "<", ">"};
        static const int opv[] = {BTI_OP_LE, BTI_OP_GE, BTI_OP_EQ, BTI_OP_LT, BTI_OP_GT};
        char buf[128], *p = NULL;
        size_t o;
        if (nlim >= 32 || !d.limits[i] || strlen(d.limits[i]) >= sizeof buf) {
            bti_fmt(rk->message, sizeof rk->message, "limit %d is missing, too long, or one of more than 32", i + 1);
            return BT_E_INVALID;
        }
        strcpy(buf, d.limits[i]);
        for (o = 0; o < BTI_ARRAY_LEN(ops); o++) if ((p = strstr(buf, ops[o])) != NULL) break;
        if (!p) { bti_fmt(rk->message, sizeof rk->message, "limit '%s': expected column<=value (or >=, <, >, ==)", d.limits[i]); return BT_E_PARSE; }
        lim[nlim].op = opv[o];
        *p = 0;
        lim[nlim].col = bt_results_metric_index(r, bti_trim(buf));
        if (lim[nlim].col < 0) { bti_fmt(rk->message, sizeof rk->message, "limit '%s': '%s' is not a column of the results", d.limits[i], bti_trim(buf)); return BT_E_NOT_FOUND; }
        if (!bti_parse_double(bti_trim(p + strlen(ops[o])), &lim[nlim].v)) {
            bti_fmt(rk->message, sizeof rk->message, "limit '%s': the value is not a number", d.limits[i]);
            return BT_E_PARSE;
        }
        bti_fmt(lim[nlim].text, sizeof lim[nlim].text, "%s", d.limits[i]);
        nlim++;
    }
    memset(&emap, 0, sizeof emap);
    memset(&wmap, 0, sizeof wmap);
    nrows = r->nrows;
    row_e = (int *)bti_calloc(nrows + 1, sizeof(int));
    row_w = (int *)bti_calloc(nrows + 1, sizeof(int));
    first_row = (int *)bti_calloc(nrows + 1, sizeof(int));
    if (!row_e || !row_w || !first_row) { st = BT_E_NOMEM; goto out; }
    for (k = 0; k < nrows; k++) {
        bti_str key;
        long v;
        memset(&key, 0, sizeof key);
        for (i = 0; i < r->naxes; i++) { bti_str_cat(&key, r->rows[k].axis[i]); bti_str_add(&key, "\x1f", 1); }
        v = bti_keymap_get(&emap, bti_str_c(&key), 1, ne);
        bti_str_free(&key);
        if (v < -1) { st = BT_E_NOMEM; goto out; }
        if (v == ne) first_row[ne++] = (int)k;
        row_e[k] = (int)v;
        v = bti_keymap_get(&wmap, r->rows[k].workload, 1, nw);
        if (v < -1) { st = BT_E_NOMEM; goto out; }
        if (v == nw) nw++;
        row_w[k] = (int)v;
    }
    if (!ne) { bti_fmt(rk->message, sizeof rk->message, "no rows to rank"); st = BT_E_INVALID; goto out; }
    tobj = bti_time_col(r, bti_sample_source(r, d.objective, &stat)) || bti_time_metric(d.objective);
    rk->objective = bti_strdup(d.objective);
    rk->direction = higher ? BT_HIGHER_IS_BETTER : BT_LOWER_IS_BETTER;
    rk->top_n = d.top_n;
    rk->naxes = r->naxes;
    rk->axes = bti_strv_dup(r->naxes, (const char *const *)r->axes);
    rk->nworkloads = nw;
    rk->workloads = (char **)bti_calloc((size_t)nw, sizeof(char *));
    rk->best = (double *)bti_calloc((size_t)nw, sizeof(double));
    rk->best_entry = (int *)bti_calloc((size_t)nw, sizeof(int));
    rk->nentries = ne;
    rk->entries = (bt_rank_entry *)bti_calloc((size_t)ne, sizeof(bt_rank_entry));
    val = (double *)bti_malloc((size_t)ne * (size_t)nw * sizeof(double));
    src = (const bt_row **)bti_calloc((size_t)ne * (size_t)nw, sizeof(bt_row *));
    eligible = (int *)bti_calloc((size_t)ne, sizeof(int));
    mr = (double *)bti_calloc((size_t)ne, sizeof(double));
    mx = (double *)bti_calloc((size_t)ne, sizeof(double));
    order_idx = (int *)bti_calloc((size_t)ne, sizeof(int));
    if (!rk->objective || !rk->axes || !rk->workloads || !rk->best || !rk->best_entry || !rk->entries || !val || !src || !eligible || !mr || !mx || !order_idx) { st = BT_E_NOMEM; goto out; }
    for (k = 0; k < nrows; k++) if (!rk->workloads[row_w[k]]) rk->workloads[row_w[k]] = bti_strdup(r->rows[k].workload);
    for (k = 0; k < (size_t)ne * (size_t)nw; k++) val[k] = NAN;
    /* build entries */
    {
        bt_rank_entry *tmp = rk->entries;
        for (e = 0; e < ne; e++) {
            const bt_row *row = &r->rows[first_row[e]];
            char lab[1024];
            size_t len = 0;
            lab[0] = 0;
            for (i = 0; i < r->naxes; i++) {
                bti_fmt(lab + len, sizeof lab - len, "%s%s=%s", i ? " " : "", r->axes[i], row->axis[i]);
                len += strlen(lab + len);
            }
            tmp[e].label = bti_strdup(lab);
            tmp[e].axis = bti_strv_dup(r->naxes, (const char *const *)row->axis);
            tmp[e].p_best = NAN;
            eligible[e] = 1;
        }
    }
    for (k = 0; k < nrows; k++) {
        const bt_row *row = &r->rows[k];
        bt_rank_entry *en = &rk->entries[row_e[k]];
        double v = row->m[obj];
        int l, ok = 1;
        if (row->status != BT_CELL_OK) {
            bti_append_why(&en->why, "%s on %s%s%s", bt_cell_status_str(row->status), row->workload, row->reason[0] ? ": " : "", row->reason);
            ok = 0;
        } else if (isnan(v)) {
            bti_append_why(&en->why, "no %s on %s", d.objective, row->workload);
            ok = 0;
        } else if (tobj && bti_zero_read(v)) { /* a time of 0 s is not a time (zero reads): never the fastest */
            bti_append_why(&en->why, "%s read 0 s on %s (below the timer's resolution): not a time", d.objective, row->workload);
            ok = 0;
        }
        for (l = 0; ok && l < nlim; l++) if (!bti_limit_ok(&lim[l], row->m[lim[l].col])) {
            char vb[64];
            bti_fmt_double(vb, sizeof vb, row->m[lim[l].col]);
            bti_append_why(&en->why, "limit %s not met on %s (%s)", lim[l].text, row->workload, vb);
            ok = 0;
        }
        if (ok) {
            val[(size_t)row_e[k] * (size_t)nw + (size_t)row_w[k]] = v;
            src[(size_t)row_e[k] * (size_t)nw + (size_t)row_w[k]] = row;
        } else eligible[row_e[k]] = 0;
    }
    /* missing (workload, cell) pairs make a cell ineligible */
    {
        int *seen = (int *)bti_calloc((size_t)ne * (size_t)nw, sizeof(int));
        if (!seen) { st = BT_E_NOMEM; goto out; }
        for (k = 0; k < nrows; k++) seen[(size_t)row_e[k] * (size_t)nw + (size_t)row_w[k]] = 1;
        for (e = 0; e < ne; e++) for (w = 0; w < nw; w++) if (!seen[(size_t)e * (size_t)nw + (size_t)w]) {
            bti_append_why(&rk->entries[e].why, "not measured on %s", rk->workloads[w]);
            eligible[e] = 0;
        }
        bti_free(seen);
    }
    rk->pick = bti_mean_regrets(ne, nw, val, eligible, higher, rk->best, mr);
    for (e = 0; e < ne; e++) {
        double m = NAN;
        int n_ok = 0;
        for (w = 0; w < nw; w++) {
            double rg = bti_regret(val[(size_t)e * (size_t)nw + (size_t)w], rk->best[w], higher);
            if (!isnan(rg)) { n_ok++; if (isnan(m) || rg > m) m = rg; }
        }
        rk->entries[e].mean_regret = mr[e];
        rk->entries[e].max_regret = m;
        rk->entries[e].n_ok = n_ok;
        rk->entries[e].eligible = eligible[e];
    }
    /* top-N counts */
    {
        bti_valkey *vk = (bti_valkey *)bti_malloc((size_t)ne * sizeof *vk);
        if (!vk) { st = BT_E_NOMEM; goto out; }
        for (w = 0; w < nw; w++) {
            int n = 0;
            for (e = 0; e < ne; e++) {
                double v = val[(size_t)e * (size_t)nw + (size_t)w];
                if (!isnan(v)) { vk[n].v = higher ? -v : v; vk[n].e = e; n++; }
            }
            qsort(vk, (size_t)n, sizeof *vk, bti_cmp_valkey);
            rk->best_entry[w] = n ? vk[0].e : -1;
            for (i = 0; i < n && i < d.top_n; i++) rk->entries[vk[i].e].topn_count++;
        }
        bti_free(vk);
    }
    /* bootstrap: P(best) and ties */
    scol = bti_sample_source(r, d.objective, &stat);
    if (d.bootstrap > 0 && scol >= 0 && rk->pick >= 0) {
        double *bval = (double *)bti_malloc((size_t)ne * (size_t)nw * sizeof(double));
        double *bbest = (double *)bti_malloc((size_t)nw * sizeof(double));
        double *bmr = (double *)bti_malloc((size_t)ne * sizeof(double));
        int *wins = (int *)bti_calloc((size_t)ne, sizeof(int)), *beats = (int *)bti_calloc((size_t)ne, sizeof(int));
        size_t maxn = 1;
        double *tmp;
        uint64_t rng = d.seed;
        int b, any = 0, tcol = bti_time_col(r, scol);
        for (k = 0; k < (size_t)ne * (size_t)nw; k++) if (src[k] && src[k]->nsample > 0) { any = 1; if ((size_t)src[k]->nsample > maxn) maxn = (size_t)src[k]->nsample; }
        tmp = (double *)bti_malloc(maxn * sizeof(double));
        if (!bval || !bbest || !bmr || !wins || !beats || !tmp) {
            bti_free(bval); bti_free(bbest); bti_free(bmr); bti_free(wins); bti_free(beats); bti_free(tmp);
            st = BT_E_NOMEM; goto out;
        }
        if (any) {
            for (b = 0; b < d.bootstrap; b++) {
                int bp;
                for (k = 0; k < (size_t)ne * (size_t)nw; k++) {
                    const bt_row *row = src[k];
                    if (!row) { bval[k] = NAN; continue; }
                    if (row->nsample <= 0) { bval[k] = val[k]; continue; }
                    {
                        size_t n = 0, j;
                        for (j = 0; j < (size_t)row->nsample; j++) {
                            double v = row->samp[bti_rand_below(&rng, (size_t)row->nsample) * (size_t)r->nscols + (size_t)scol];
                            if (bti_sample_usable(tcol, v)) tmp[n++] = v;
                        }
                        bval[k] = n ? bti_stat_of(tmp, n, stat) : val[k];
                    }
                }
                bp = bti_mean_regrets(ne, nw, bval, eligible, higher, bbest, bmr);
                if (bp >= 0) wins[bp]++;
                for (e = 0; e < ne; e++) if (eligible[e] && !isnan(bmr[e]) && bmr[e] <= bmr[rk->pick]) beats[e]++;
            }
            rk->bootstrap_used = d.bootstrap;
            for (e = 0; e < ne; e++) {
                rk->entries[e].p_best = (double)wins[e] / d.bootstrap;
                rk->entries[e].tied = e != rk->pick && eligible[e] && (double)beats[e] / d.bootstrap >= d.tie_level;
            }
        }
        bti_free(bval); bti_free(bbest); bti_free(bmr); bti_free(wins); bti_free(beats); bti_free(tmp);
    }
    /* order entries: eligible by mean regret, then the rest */
    {
        bti_sortkey *sk = (bti_sortkey *)bti_malloc((size_t)ne * sizeof *sk);
        bt_rank_entry *ne_entries = (bt_rank_entry *)bti_malloc((size_t)ne * sizeof(bt_rank_entry));
        double *nval = (double *)bti_malloc((size_t)ne * (size_t)nw * sizeof(double));
        int *newpos = (int *)bti_malloc((size_t)ne * sizeof(int));
        if (!sk || !ne_entries || !nval || !newpos) { bti_free(sk); bti_free(ne_entries); bti_free(nval); bti_free(newpos); st = BT_E_NOMEM; goto out; }
        for (e = 0; e < ne; e++) { sk[e].eligible = eligible[e]; sk[e].mr = mr[e]; sk[e].idx = e; }
        qsort(sk, (size_t)ne, sizeof *sk, bti_cmp_sortkey);
        for (e = 0; e < ne; e++) {
            ne_entries[e] = rk->entries[sk[e].idx];
            newpos[sk[e].idx] = e;
            memcpy(nval + (size_t)e * (size_t)nw, val + (size_t)sk[e].idx * (size_t)nw, (size_t)nw * sizeof(double));
        }
        bti_free(rk->entries);
        rk->entries = ne_entries;
        if (rk->pick >= 0) rk->pick = newpos[rk->pick];
        for (w = 0; w < nw; w++) if (rk->best_entry[w] >= 0) rk->best_entry[w] = newpos[rk->best_entry[w]];
        bti_free(val);
        val = nval;
        bti_free(sk); bti_free(newpos);
    }
    rk->value = val;
    val = NULL;
    rk->regret = (double *)bti_malloc((size_t)ne * (size_t)nw * sizeof(double));
    if (!rk->regret) { st = BT_E_NOMEM; goto out; }
    for (e = 0; e < ne; e++) for (w = 0; w < nw; w++)
        rk->regret[(size_t)e * (size_t)nw + (size_t)w] = bti_regret(rk->value[(size_t)e * (size_t)nw + (size_t)w], rk->best[w], higher);
    /* the sentence */
    if (rk->pick >= 0) {
        const bt_rank_entry *p = &rk->entries[rk->pick];
        size_t len;
        int nt = 0;
        bti_fmt(rk->message, sizeof rk->message, "%s: mean regret %.4f (%.2f %%), max %.2f %% over %d workload%s",
                p->label, p->mean_regret, 100 * p->mean_regret, 100 * p->max_regret, nw, nw == 1 ? "" : "s");
        len = strlen(rk->message);
        if (rk->bootstrap_used) {
            bti_fmt(rk->message + len, sizeof rk->message - len, "; P(best) = %.2f", p->p_best);
            len = strlen(rk->message);
            for (e = 0; e < ne; e++) nt += rk->entries[e].tied;
            if (nt) bti_fmt(rk->message + len, sizeof rk->message - len, "; statistically tied with %d other cell%s", nt, nt == 1 ? "" : "s");
            else bti_fmt(rk->message + len, sizeof rk->message - len, "; no other cell is statistically tied with it");
        } else {
            bti_fmt(rk->message + len, sizeof rk->message - len, "; P(best) not available (no samples for %s)", d.objective);
        }
    } else {
        bti_fmt(rk->message, sizeof rk->message, "no recommendation: no cell is ok%s on every workload (see why each was excluded)", nlim ? " and within the limits" : "");
    }
out:
    bti_keymap_free(&emap);
    bti_keymap_free(&wmap);
    bti_free(row_e); bti_free(row_w); bti_free(first_row); bti_free(order_idx);
    bti_free(val); bti_free(src); bti_free(eligible); bti_free(mr); bti_free(mx);
    if (st != BT_OK) {
        char msg[512];
        bti_fmt(msg, sizeof msg, "%s", rk->message[0] ? rk->message : bt_status_str(st));
        bt_ranking_free(rk);
        bti_fmt(rk->message, sizeof rk->message, "%s", msg);
    }
    return st;
}

/* ---------------------------------------------------------------- reports ---------------- */
static void bti_fmt_short(char *buf, size_t n, double v) {
    double a = fabs(v);
    if (isnan(v)) bti_fmt(buf, n, "-");
    else if (a != 0 && (a < 1e-3 || a >= 1e6)) bti_fmt(buf, n, "%.3g", v);
    else if (a < 10) bti_fmt(buf, n, "%.4f", v);
    else if (a < 1000) bti_fmt(buf, n, "%.1f", v);
    else bti_fmt(buf, n, "%.0f", v);
}
BTI_DEF void bt_print_ranking(const bt_ranking *rk, FILE *f) {
    int e, shown = 0, excluded = 0, w, *ord;
    size_t lw = 4;
    if (!rk || !f) return;
    if (!rk->nentries) { fprintf(f, "%s\n", rk->message); return; }
    for (e = 0; e < rk->nentries; e++) if (strlen(rk->entries[e].label) > lw) lw = strlen(rk->entries[e].label);
    fprintf(f, "objective: %s (%s is better), %d workload%s, %d cells\n", rk->objective,
            rk->direction == BT_HIGHER_IS_BETTER ? "higher" : "lower", rk->nworkloads, rk->nworkloads == 1 ? "" : "s", rk->nentries);
    fprintf(f, "best per workload:\n");
    for (w = 0; w < rk->nworkloads; w++) {
        char vb[64];
        bti_fmt_short(vb, sizeof vb, rk->best[w]);
        fprintf(f, "  %-20s %-*s %s\n", rk->workloads[w], (int)lw, rk->best_entry[w] >= 0 ? rk->entries[rk->best_entry[w]].label : "(none ok)", vb);
    }
    fprintf(f, "\ntop-%d counts (how often a cell is among a workload's %d fastest):\n", rk->top_n, rk->top_n);
    ord = (int *)bti_malloc((size_t)rk->nentries * sizeof(int));
    if (ord) {
        int n = 0, i, j;
        for (e = 0; e < rk->nentries; e++) if (rk->entries[e].topn_count > 0) ord[n++] = e;
        for (i = 1; i < n; i++) for (j = i; j > 0 && rk->entries[ord[j]].topn_count > rk->entries[ord[j - 1]].topn_count; j--) {
            int t = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = t;
        }
        for (i = 0; i < n && i < 10; i++) fprintf(f, "  %-*s %d\n", (int)lw, rk->entries[ord[i]].label, rk->entries[ord[i]].topn_count);
        bti_free(ord);
    }
    fprintf(f, "\nmean-regret ranking:\n  %4s  %-*s  %11s  %8s  %8s  %6s  %s\n", "rank", (int)lw, "cell", "mean_regret", "mean %", "max %", "P(best)", "");
    for (e = 0; e < rk->nentries; e++) {
        const bt_rank_entry *en = &rk->entries[e];
        if (!en->eligible) { excluded++; continue; }
        if (shown >= 15 && e != rk->pick) continue;
        shown++;
        fprintf(f, "  %4d  %-*s  %11.4f  %7.2f%%  %7.2f%%  ", e + 1, (int)lw, en->label, en->mean_regret, 100 * en->mean_regret, 100 * en->max_regret);
        if (isnan(en->p_best)) fprintf(f, "%6s  ", "-"); else fprintf(f, "%6.2f  ", en->p_best);
        fprintf(f, "%s\n", e == rk->pick ? "<- pick" : en->tied ? "tied" : "");
    }
    if (excluded) {
        int n = 0;
        fprintf(f, "\nexcluded (%d, cannot be recommended):\n", excluded);
        for (e = 0; e < rk->nentries; e++) {
            if (rk->entries[e].eligible) continue;
            if (n++ >= 12) { fprintf(f, "  ... and %d more\n", excluded - 12); break; }
            fprintf(f, "  %-*s  %s\n", (int)lw, rk->entries[e].label, rk->entries[e].why ? rk->entries[e].why : "");
        }
    }
    fprintf(f, "\n%s %s\n", rk->pick >= 0 ? "recommendation:" : "", rk->message);
}
BTI_DEF void bt_write_ranking_csv(const bt_ranking *rk, FILE *f) {
    int e, i;
    bti_str s;
    if (!rk || !f) return;
    memset(&s, 0, sizeof s);
    bti_str_cat(&s, "rank");
    for (i = 0; i < rk->naxes; i++) { bti_str_add(&s, ",", 1); bti_csv_field(&s, rk->axes[i]); }
    bti_str_cat(&s, ",mean_regret,mean_regret_pct,max_regret,topn_count,eligible,p_best,tied,pick,why\n");
    for (e = 0; e < rk->nentries; e++) {
        const bt_rank_entry *en = &rk->entries[e];
        bti_str_printf(&s, "%d", e + 1);
        for (i = 0; i < rk->naxes; i++) { bti_str_add(&s, ",", 1); bti_csv_field(&s, en->axis[i]); }
        bti_str_add(&s, ",", 1); bti_csv_num(&s, en->mean_regret);
        bti_str_add(&s, ",", 1); bti_csv_num(&s, 100 * en->mean_regret);
        bti_str_add(&s, ",", 1); bti_csv_num(&s, en->max_regret);
        bti_str_printf(&s, ",%d,%d,", en->topn_count, en->eligible);
        bti_csv_num(&s, en->p_best);
        bti_str_printf(&s, ",%d,%d,", en->tied, e == rk->pick);
        bti_csv_field(&s, en->why ? en->why : "");
        bti_str_add(&s, "\n", 1);
    }
    if (s.p) fputs(s.p, f);
    bti_str_free(&s);
}
static void bti_json_ranking(bti_str *s, const bt_ranking *rk) {
    int e, i;
    bti_str_cat(s, "{\"objective\":"); bti_json_str(s, rk->objective);
    bti_str_printf(s, ",\"direction\":\"%s\",\"top_n\":%d,\"bootstrap\":%d,\"message\":",
                   rk->direction == BT_HIGHER_IS_BETTER ? "higher" : "lower", rk->top_n, rk->bootstrap_used);
    bti_json_str(s, rk->message);
    bti_str_cat(s, ",\"pick\":");
    if (rk->pick >= 0) bti_json_str(s, rk->entries[rk->pick].label); else bti_str_cat(s, "null");
    bti_str_cat(s, ",\"workloads\":[");
    for (i = 0; i < rk->nworkloads; i++) {
        bti_str_cat(s, i ? ",{\"name\":" : "{\"name\":"); bti_json_str(s, rk->workloads[i]);
        bti_str_cat(s, ",\"best\":"); bti_json_num(s, rk->best[i]);
        bti_str_cat(s, ",\"best_cell\":");
        if (rk->best_entry[i] >= 0) bti_json_str(s, rk->entries[rk->best_entry[i]].label); else bti_str_cat(s, "null");
        bti_str_cat(s, "}");
    }
    bti_str_cat(s, "],\"entries\":[");
    for (e = 0; e < rk->nentries; e++) {
        const bt_rank_entry *en = &rk->entries[e];
        bti_str_cat(s, e ? ",\n{" : "\n{");
        bti_str_cat(s, "\"cell\":"); bti_json_str(s, en->label);
        for (i = 0; i < rk->naxes; i++) { bti_str_cat(s, ","); bti_json_str(s, rk->axes[i]); bti_str_cat(s, ":"); bti_json_str(s, en->axis[i]); }
        bti_str_printf(s, ",\"rank\":%d,\"mean_regret\":", e + 1); bti_json_num(s, en->mean_regret);
        bti_str_cat(s, ",\"max_regret\":"); bti_json_num(s, en->max_regret);
        bti_str_printf(s, ",\"topn_count\":%d,\"eligible\":%s,\"p_best\":", en->topn_count, en->eligible ? "true" : "false");
        bti_json_num(s, en->p_best);
        bti_str_printf(s, ",\"tied\":%s,\"why\":", en->tied ? "true" : "false");
        if (en->why) bti_json_str(s, en->why); else bti_str_cat(s, "null");
        bti_str_cat(s, "}");
    }
    bti_str_cat(s, "]}");
}
BTI_DEF void bt_write_ranking_json(const bt_ranking *rk, FILE *f) {
    bti_str s;
    if (!rk || !f) return;
    memset(&s, 0, sizeof s);
    bti_json_ranking(&s, rk);
    if (s.p) fprintf(f, "%s\n", s.p);
    bti_str_free(&s);
}
BTI_DEF void bt_write_markdown(const bt_results *r, const char *metric, FILE *f) {
    size_t k;
    int i, mi, ips, noise;
    if (!r || !f) return;
    if (!metric) metric = "e2e_s_median";
    mi = bt_results_metric_index(r, metric);
    ips = bt_results_metric_index(r, "items_per_s");
    noise = bt_results_metric_index(r, "rel_noise");
    fprintf(f, "| workload |");
    for (i = 0; i < r->naxes; i++) fprintf(f, " %s |", r->axes[i]);
    fprintf(f, " status | %s |%s%s samples | note |\n|---|", metric, ips >= 0 ? " items_per_s |" : "", noise >= 0 ? " rel_noise |" : "");
    for (i = 0; i < r->naxes; i++) fprintf(f, "---:|");
    fprintf(f, "---|---:|%s%s---:|---|\n", ips >= 0 ? "---:|" : "", noise >= 0 ? "---:|" : "");
    for (k = 0; k < r->nrows; k++) {
        const bt_row *row = &r->rows[k];
        char b[64];
        fprintf(f, "| %s |", row->workload);
        for (i = 0; i < r->naxes; i++) fprintf(f, " %s |", row->axis[i]);
        bti_fmt_short(b, sizeof b, mi >= 0 ? row->m[mi] : NAN);
        fprintf(f, " %s | %s |", bt_cell_status_str(row->status), b);
        if (ips >= 0) { bti_fmt_short(b, sizeof b, row->m[ips]); fprintf(f, " %s |", b); }
        if (noise >= 0) { bti_fmt_short(b, sizeof b, row->m[noise]); fprintf(f, " %s |", b); }
        fprintf(f, " %d | ", row->samples);
        { const char *p; for (p = row->reason; *p; p++) fputc(*p == '|' ? '/' : *p, f); }
        if (row->noisy) fprintf(f, "%snoisy", row->reason[0] ? "; " : "");
        fprintf(f, " |\n");
    }
}

/* distinct values of an axis over the rows, numerically sorted when they all are numbers */
typedef struct bti_vals { char **v; int n; } bti_vals;
static int bti_vals_index(const bti_vals *vs, const char *s) {
    int i;
    for (i = 0; i < vs->n; i++) if (strcmp(vs->v[i], s) == 0) return i;
    return -1;
}
static bt_status bti_axis_values(const bt_results *r, int ax, bti_vals *out) {
    size_t k;
    int i, j, numeric = 1;
    out->v = (char **)bti_calloc(r->nrows + 1, sizeof(char *));
    out->n = 0;
    if (!out->v) return BT_E_NOMEM;
    for (k = 0; k < r->nrows; k++) if (bti_vals_index(out, r->rows[k].axis[ax]) < 0) out->v[out->n++] = r->rows[k].axis[ax];
    for (i = 0; i < out->n; i++) { double d; if (!bti_parse_double(out->v[i], &d)) numeric = 0; }
    if (numeric)
        for (i = 1; i < out->n; i++) for (j = i; j > 0 && strtod(out->v[j], NULL) < strtod(out->v[j - 1], NULL); j--) {
            char *t = out->v[j]; out->v[j] = out->v[j - 1]; out->v[j - 1] = t;
        }
    return BT_OK;
}
static bt_status bti_heatmap_one(const bt_results *r, const char *workload, int xa, int ya, int mi, FILE *f, int color) {
    bti_vals xs, ys;
    double *cell, lo = NAN, hi = NAN;
    int *cst, x, y, higher = bti_guess_higher(r->metrics[mi]), i, other = 0;
    size_t k;
    const int W = 9;
    if (bti_axis_values(r, xa, &xs) != BT_OK) return BT_E_NOMEM;
    if (bti_axis_values(r, ya, &ys) != BT_OK) { bti_free(xs.v); return BT_E_NOMEM; }
    cell = (double *)bti_malloc((size_t)xs.n * (size_t)ys.n * sizeof(double));
    cst = (int *)bti_malloc((size_t)xs.n * (size_t)ys.n * sizeof(int));
    if (!cell || !cst) { bti_free(xs.v); bti_free(ys.v); bti_free(cell); bti_free(cst); return BT_E_NOMEM; }
    for (k = 0; k < (size_t)xs.n * (size_t)ys.n; k++) { cell[k] = NAN; cst[k] = -1; }
    for (i = 0; i < r->naxes; i++) if (i != xa && i != ya) other = 1;
    for (k = 0; k < r->nrows; k++) {
        const bt_row *row = &r->rows[k];
        size_t at;
        if (strcmp(row->workload, workload) != 0) continue;
        x = bti_vals_index(&xs, row->axis[xa]);
        y = bti_vals_index(&ys, row->axis[ya]);
        at = (size_t)y * (size_t)xs.n + (size_t)x;
        if (row->status == BT_CELL_OK && !isnan(row->m[mi])) {
            double v = row->m[mi];
            if (isnan(cell[at]) || (higher ? v > cell[at] : v < cell[at])) cell[at] = v; /* best over other axes */
            cst[at] = BT_CELL_OK;
            if (isnan(lo) || v < lo) lo = v;
            if (isnan(hi) || v > hi) hi = v;
        } else if (cst[at] != BT_CELL_OK) cst[at] = (int)row->status;
    }
    fprintf(f, "%s — %s (%s is better)%s; rows: %s, columns: %s\n", workload, r->metrics[mi], higher ? "higher" : "lower",
            other ? ", best over the other axes" : "", r->axes[ya], r->axes[xa]);
    fprintf(f, "%*s", W, "");
    for (x = 0; x < xs.n; x++) fprintf(f, " %*.*s", W, W, xs.v[x]);
    fprintf(f, "\n");
    for (y = 0; y < ys.n; y++) {
        fprintf(f, "%*.*s", W, W, ys.v[y]);
        for (x = 0; x < xs.n; x++) {
            size_t at = (size_t)y * (size_t)xs.n + (size_t)x;
            char b[64];
            const char *mark = NULL;
            switch (cst[at]) {
            case BT_CELL_OK: break;
            case -1: mark = ""; break;
            case BT_CELL_OOM: mark = "OOM"; break;
            case BT_CELL_ERROR: mark = "ERR"; break;
            case BT_CELL_TIMEOUT: mark = "TIME"; break;
            case BT_CELL_INFEASIBLE: mark = "n/a"; break;
            case BT_CELL_PRUNED: mark = "PRUN"; break;
            default: mark = "----"; break;
            }
            if (mark) { fprintf(f, " %*s", W, mark); continue; }
            bti_fmt_short(b, sizeof b, cell[at]);
            if (color) {
                /* 256-color scale from green (best) through yellow to red (worst) */
                static const int scale[] = {46, 82, 118, 154, 190, 226, 220, 214, 208, 202, 196};
                double t = hi > lo ? (cell[at] - lo) / (hi - lo) : 0;
                int idx;
                if (higher) t = 1 - t;
                idx = (int)floor(t * 10 + 0.5);
                fprintf(f, " \x1b[48;5;%dm\x1b[30m%*s\x1b[0m", scale[idx < 0 ? 0 : idx > 10 ? 10 : idx], W, b);
            } else fprintf(f, " %*s", W, b);
        }
        fprintf(f, "\n");
    }
    fprintf(f, "marks: OOM out of memory, ERR error, TIME timeout, n/a infeasible, PRUN pruned, ---- not run\n");
    bti_free(xs.v); bti_free(ys.v); bti_free(cell); bti_free(cst);
    return BT_OK;
}
BTI_DEF bt_status bt_print_heatmap(const bt_results *r, const char *workload, const char *xaxis, const char *yaxis,
                                   const char *metric, FILE *f, int mode) {
    int xa = -1, ya = -1, mi, i, color;
    size_t k;
    bt_status st = BT_OK;
    if (!r || !f || !xaxis || !yaxis) return BT_E_INVALID;
    for (i = 0; i < r->naxes; i++) {
        if (strcmp(r->axes[i], xaxis) == 0) xa = i;
        if (strcmp(r->axes[i], yaxis) == 0) ya = i;
    }
    mi = bt_results_metric_index(r, metric ? metric : "e2e_s_median");
    if (xa < 0 || ya < 0 || mi < 0 || xa == ya) {
        bti_fmt(((bt_results *)r)->err, sizeof r->err, "heatmap: %s '%s' is not in the results",
                mi < 0 ? "metric" : "axis", mi < 0 ? (metric ? metric : "e2e_s_median") : xa < 0 ? xaxis : yaxis);
        return BT_E_NOT_FOUND;
    }
    color = mode == BT_HEATMAP_COLOR || (mode == BT_HEATMAP_AUTO && !getenv("NO_COLOR") && bti_term_color(f));
    if (workload) return bti_heatmap_one(r, workload, xa, ya, mi, f, color);
    for (k = 0; k < r->nrows && st == BT_OK; k++) {
        size_t j;
        int seen = 0;
        for (j = 0; j < k && !seen; j++) seen = strcmp(r->rows[j].workload, r->rows[k].workload) == 0;
        if (seen) continue;
        if (k) fprintf(f, "\n");
        st = bti_heatmap_one(r, r->rows[k].workload, xa, ya, mi, f, color);
    }
    return st;
}

/* ---------------------------------------------------------------- threads ---------------- */
/* A fixed team of n threads (the caller is thread 0) that runs one function at a time, with
   a barrier inside it. Owned by the object that created it (here: one CPU-model cell). */
typedef struct bti_pool {
    int n;
    bti_thread *th;
    bti_mutex mu;
    bti_cond cv_start, cv_done;
    unsigned gen;
    int running, quit;
    void (*fn)(void *arg, int tid, int n);
    void *arg;
    bti_mutex bmu;
    bti_cond bcv;
    int bcount;
    unsigned bgen;
} bti_pool;
typedef struct bti_pool_start { bti_pool *p; int tid; } bti_pool_start;
static void bti_pool_barrier(bti_pool *p) {
    unsigned g;
    if (p->n <= 1) return;
    bti_mutex_lock(&p->bmu);
    g = p->bgen;
    if (++p->bcount == p->n) {
        p->bcount = 0;
        p->bgen++;
        bti_cond_broadcast(&p->bcv);
    } else {
        while (g == p->bgen) bti_cond_wait(&p->bcv, &p->bmu);
    }
    bti_mutex_unlock(&p->bmu);
}
static void bti_pool_main(void *arg) {
    bti_pool_start *s = (bti_pool_start *)arg;
    bti_pool *p = s->p;
    int tid = s->tid;
    unsigned seen = 0;
    bti_free(s);
    for (;;) {
        bti_mutex_lock(&p->mu);
        while (p->gen == seen && !p->quit) bti_cond_wait(&p->cv_start, &p->mu);
        if (p->quit) { bti_mutex_unlock(&p->mu); break; }
        seen = p->gen;
        bti_mutex_unlock(&p->mu);
        p->fn(p->arg, tid, p->n);
        bti_mutex_lock(&p->mu);
        if (--p->running == 0) bti_cond_signal(&p->cv_done);
        bti_mutex_unlock(&p->mu);
    }
}
static void bti_pool_destroy(bti_pool *p) {
    int i;
    if (!p) return;
    bti_mutex_lock(&p->mu);
    p->quit = 1;
    bti_cond_broadcast(&p->cv_start);
    bti_mutex_unlock(&p->mu);
    for (i = 1; i < p->n; i++) if (p->th[i]) bti_thread_join(p->th[i]);
    bti_mutex_destroy(&p->mu); bti_cond_destroy(&p->cv_start); bti_cond_destroy(&p->cv_done);
    bti_mutex_destroy(&p->bmu); bti_cond_destroy(&p->bcv);
    bti_free(p->th);
    bti_free(p);
}
static bti_pool *bti_pool_create(int n) {
    bti_pool *p = (bti_pool *)bti_calloc(1, sizeof *p);
    int i;
    if (!p) return NULL;
    p->n = n < 1 ? 1 : n;
    p->th = (bti_thread *)bti_calloc((size_t)p->n, sizeof(bti_thread));
    if (!p->th) { bti_free(p); return NULL; }
    bti_mutex_init(&p->mu); bti_cond_init(&p->cv_start); bti_cond_init(&p->cv_done);
    bti_mutex_init(&p->bmu); bti_cond_init(&p->bcv);
    for (i = 1; i < p->n; i++) {
        bti_pool_start *s = (bti_pool_start *)bti_malloc(sizeof *s);
        if (!s) { p->n = i; bti_pool_destroy(p); return NULL; }
        s->p = p; s->tid = i;
        if (bti_thread_create(&p->th[i], bti_pool_main, s) != 0) { bti_free(s); p->n = i; bti_pool_destroy(p); return NULL; }
    }
    return p;
}
static void bti_pool_run(bti_pool *p, void (*fn)(void *, int, int), void *arg) {
    if (p->n <= 1) { fn(arg, 0, 1); return; }
    bti_mutex_lock(&p->mu);
    p->fn = fn; p->arg = arg;
    p->running = p->n - 1;
    p->gen++;
    bti_cond_broadcast(&p->cv_start);
    bti_mutex_unlock(&p->mu);
    fn(arg, 0, p->n);
    bti_mutex_lock(&p->mu);
    while (p->running > 0) bti_cond_wait(&p->cv_done, &p->mu);
    bti_mutex_unlock(&p->mu);
}

/* ---------------------------------------------------------------- CPU model -------------- */
typedef struct bti_cpu_cell {
    bti_pool *pool;
    float *x, *y0, *y1;
    int rows;                  /* rows of the current batch */
    const bt_cpu_model *m;
} bti_cpu_cell;
static uint32_t bti_xorshift(uint32_t *s) { *s ^= *s << 13; *s ^= *s >> 17; *s ^= *s << 5; return *s; }
BTI_DEF void bt_cpu_model_free(bt_cpu_model *m) {
    if (!m) return;
    bti_free(m->w); bti_free(m->b);
    m->w = m->b = NULL;
}
/* one thread's share of one batch: columns [j0, j1) of every layer, K blocked so a slab of
   weights stays in cache across the rows of the batch */
static void bti_cpu_forward(void *arg, int tid, int nt) {
    bti_cpu_cell *c = (bti_cpu_cell *)arg;
    const bt_cpu_model *m = c->m;
    const int H = m->width, KB = 64;
    int chunk = ((H + nt - 1) / nt + 15) & ~15;
    int j0 = tid * chunk, j1 = j0 + chunk, l, i, k, kb, j;
    const float *in = c->x;
    float *out = c->y0;
    if (j1 > H) j1 = H;
    for (l = 0; l < m->layers; l++) {
        const float *W = m->w + (size_t)l * (size_t)H * (size_t)H, *bias = m->b + (size_t)l * (size_t)H;
        for (i = 0; i < c->rows && j0 < j1; i++) memcpy(out + (size_t)i * (size_t)H + j0, bias + j0, (size_t)(j1 - j0) * sizeof(float));
        for (kb = 0; kb < H && j0 < j1; kb += KB) {
            int ke = kb + KB < H ? kb + KB : H;
            for (i = 0; i < c->rows; i++) {
                float *y = out + (size_t)i * (size_t)H;
                const float *x = in + (size_t)i * (size_t)H;
                for (k = kb; k < ke; k++) {
                    const float a = x[k], *w = W + (size_t)k * (size_t)H;
                    for (j = j0; j < j1; j++) y[j] += a * w[j];
                }
            }
        }
        for (i = 0; i < c->rows && j0 < j1; i++) {
            float *y = out + (size_t)i * (size_t)H;
            for (j = j0; j < j1; j++) y[j] = y[j] > 0 ? y[j] : 0;
        }
        bti_pool_barrier(c->pool);     /* the next layer reads every column */
        in = out;
        out = (out == c->y0) ? c->y1 : c->y0;
    }
}
static bt_status bti_cpu_setup(const bt_cell *cell, void *user, bt_sample *s) {
    bt_cpu_model *m = (bt_cpu_model *)user;
    bti_cpu_cell *c;
    int64_t batch = bt_cell_i64(cell, m->batch_axis);
    int64_t threads = m->threads_axis >= 0 ? bt_cell_i64(cell, m->threads_axis) : 1;
    size_t n;
    if (batch < 1 || batch > (1 << 20) || threads < 1 || threads > 1024) {
        bti_fmt(s->error, sizeof s->error, "cpu model: batch %lld or threads %lld out of range", (long long)batch, (long long)threads);
        return BT_E_INVALID;
    }
    c = (bti_cpu_cell *)bti_calloc(1, sizeof *c);
    if (!c) return BT_E_NOMEM;
    s->state = c;
    c->m = m;
    n = (size_t)batch * (size_t)m->width;
    c->x = (float *)bti_malloc(n * sizeof(float));
    c->y0 = (float *)bti_malloc(n * sizeof(float));
    c->y1 = (float *)bti_malloc(n * sizeof(float));
    if (!c->x || !c->y0 || !c->y1) { bti_fmt(s->error, sizeof s->error, "cpu model: cannot allocate %zu floats", 3 * n); return BT_E_NOMEM; }
    {
        uint32_t seed = 12345u;
        size_t i;
        for (i = 0; i < n; i++) c->x[i] = (float)(bti_xorshift(&seed) % 2001) / 1000.0f - 1.0f;
    }
    c->pool = bti_pool_create((int)threads);
    if (!c->pool) { bti_fmt(s->error, sizeof s->error, "cpu model: cannot start %lld threads", (long long)threads); return BT_E_NOMEM; }
    return BT_OK;
}
static bt_status bti_cpu_run(const bt_cell *cell, void *user, bt_sample *s) {
    bt_cpu_model *m = (bt_cpu_model *)user;
    bti_cpu_cell *c = (bti_cpu_cell *)s->state;
    int64_t batch = bt_cell_i64(cell, m->batch_axis), done = 0;
    uint64_t t0 = bt_now_ns();
    while (done < m->items) {
        c->rows = (int)(m->items - done < batch ? m->items - done : batch);
        bti_pool_run(c->pool, bti_cpu_forward, c);
        done += c->rows;
        if (done == c->rows) s->phase_s[BT_PHASE_FIRST_BATCH] = (double)(bt_now_ns() - t0) * 1e-9;
    }
    /* the last layer's output buffer */
    m->checksum += (double)((m->layers % 2) ? c->y0[0] : c->y1[0]);
    s->items = (double)m->items;
    s->phase_s[BT_PHASE_COMPUTE] = (double)(bt_now_ns() - t0) * 1e-9;
    return BT_OK;
}
static void bti_cpu_teardown(const bt_cell *cell, void *user, bt_sample *s) {
    bti_cpu_cell *c = (bti_cpu_cell *)s->state;
    (void)cell; (void)user;
    if (!c) return;
    if (c->pool) bti_pool_destroy(c->pool);
    bti_free(c->x); bti_free(c->y0); bti_free(c->y1);
    bti_free(c);
    s->state = NULL;
}
BTI_DEF bt_status bt_cpu_model_init(bt_cpu_model *m, bt_workload *w, const char *name) {
    size_t nw, i;
    uint32_t seed;
    float scale;
    if (!m || !w || m->batch_axis < 0) return BT_E_INVALID;
    if (m->layers <= 0) m->layers = 8;
    if (m->width <= 0) m->width = 1024;
    if (m->items <= 0) m->items = 256;
    if (m->layers > 1024 || m->width > 16384) return BT_E_INVALID;
    seed = (uint32_t)(m->seed ? m->seed : 7);
    nw = (size_t)m->layers * (size_t)m->width * (size_t)m->width;
    m->w = (float *)bti_malloc(nw * sizeof(float));
    m->b = (float *)bti_malloc((size_t)m->layers * (size_t)m->width * sizeof(float));
    if (!m->w || !m->b) { bt_cpu_model_free(m); return BT_E_NOMEM; }
    scale = 2.0f / sqrtf((float)m->width);
    for (i = 0; i < nw; i++) m->w[i] = ((float)(bti_xorshift(&seed) % 2001) / 1000.0f - 1.0f) * scale;
    for (i = 0; i < (size_t)m->layers * (size_t)m->width; i++) m->b[i] = 0.01f;
    memset(w, 0, sizeof *w);
    w->name = name ? name : "cpu_mlp";
    w->user = m;
    w->setup = bti_cpu_setup;
    w->run = bti_cpu_run;
    w->teardown = bti_cpu_teardown;
    return BT_OK;
}


/* ---------------------------------------------------------------- command workload ------- */

static char **bti_split_args(const char *t, int *argc_out, char *err, size_t errlen) {
    char **v = NULL, *cur = NULL;
    size_t len = 0, cap = 0;
    int argc = 0, in_arg = 0;
    char quote = 0;
    const char *p;
    for (p = t;; p++) {
        char ch = *p;
        int end_arg = 0;
        if (!ch) {
            if (quote) { bti_fmt(err, errlen, "command template: unbalanced %c quote", quote); goto fail; }
            end_arg = in_arg;
        } else if (quote) {
            if (ch == quote) { quote = 0; continue; }
        } else if (ch == '\'' || ch == '"') { quote = ch; in_arg = 1; continue; }
        else if (isspace((unsigned char)ch)) { end_arg = in_arg; if (!end_arg) continue; }
        if (end_arg) {
            char **nv = (char **)bti_realloc(v, (size_t)(argc + 2) * sizeof(char *));
            if (!nv) goto oom;
            v = nv;
            v[argc++] = cur ? cur : bti_strdup("");
            v[argc] = NULL;
            cur = NULL; len = cap = 0; in_arg = 0;
            if (!ch) break;
            continue;
        }
        if (!ch) break;
        if (len + 2 > cap) {
            size_t nc = cap ? cap * 2 : 32;
            char *nb = (char *)bti_realloc(cur, nc);
            if (!nb) goto oom;
            cur = nb; cap = nc;
        }
        cur[len++] = ch; cur[len] = 0; in_arg = 1;
    }
    if (!argc) { bti_fmt(err, errlen, "command template is empty"); goto fail; }
    *argc_out = argc;
    return v;
oom:
    bti_fmt(err, errlen, "out of memory");
fail:
    bti_free(cur);
    if (v) { int i; for (i = 0; i < argc; i++) bti_free(v[i]); bti_free(v); }
    return NULL;
}
BTI_DEF void bt_cmd_argv_free(char **argv) {
    int i;
    if (!argv) return;
    for (i = 0; argv[i]; i++) bti_free(argv[i]);
    bti_free(argv);
}
BTI_DEF void bt_cmd_workload_free(bt_cmd_workload *c) {
    int i;
    if (!c || !c->argv_tmpl) return;
    for (i = 0; i < c->argc; i++) bti_free(c->argv_tmpl[i]);
    bti_free(c->argv_tmpl);
    c->argv_tmpl = NULL;
}
/* substitutes {axis} in one argument; unknown names are reported when cell is NULL */
static char *bti_subst(const bt_cmd_workload *c, const char *arg, const bt_cell *cell, char *err, size_t errlen) {
    bti_str s;
    const char *p = arg;
    memset(&s, 0, sizeof s);
    bti_str_cat(&s, "");
    while (*p) {
        const char *o = strchr(p, '{'), *e;
        char name[128], val[128];
        bt_axis a;
        if (!o || !(e = strchr(o, '}')) || (size_t)(e - o - 1) >= sizeof name || e == o + 1) { bti_str_cat(&s, p); break; }
        bti_str_add(&s, p, (size_t)(o - p));
        memcpy(name, o + 1, (size_t)(e - o - 1));
        name[e - o - 1] = 0;
        if (!bti_valid_name(name)) { bti_str_add(&s, o, (size_t)(e - o + 1)); p = e + 1; continue; }
        a = bt_grid_find(c->grid, name);
        if (a < 0) {
            bti_fmt(err, errlen, "command template: {%s} is not an axis of the grid", name);
            bti_str_free(&s);
            return NULL;
        }
        if (cell) { bt_grid_axis_value_text(c->grid, a, cell->vi[a], val, sizeof val); bti_str_cat(&s, val); }
        p = e + 1;
    }
    if (s.oom) { bti_str_free(&s); bti_fmt(err, errlen, "out of memory"); return NULL; }
    return s.p;
}
BTI_DEF char **bt_cmd_expand(const bt_cmd_workload *c, const bt_cell *cell) {
    char **v;
    int i;
    char err[64];
    if (!c || !c->argv_tmpl) return NULL;
    v = (char **)bti_calloc((size_t)c->argc + 1, sizeof(char *));
    if (!v) return NULL;
    for (i = 0; i < c->argc; i++) {
        v[i] = bti_subst(c, c->argv_tmpl[i], cell, err, sizeof err);
        if (!v[i]) { bt_cmd_argv_free(v); return NULL; }
    }
    return v;
}
static int bti_cmd_set(const bt_cmd_workload *c, const char *key, double v, bt_sample *s) {
    static const char *const ph[BT_PHASE_COUNT] = {"first_batch_s", "load_wait_s", "h2d_s", "compute_s", "d2h_s"};
    int i;
    if (strcmp(key, "items") == 0) { s->items = v; return 1; }
    if (strcmp(key, "peak_mem_bytes") == 0) { s->peak_mem_bytes = v; return 1; }
    for (i = 0; i < BT_PHASE_COUNT; i++) if (strcmp(key, ph[i]) == 0) { s->phase_s[i] = v; return 1; }
    for (i = 0; i < c->num_metrics && i < BT_MAX_METRICS; i++) if (strcmp(key, c->metrics[i].name) == 0) { s->metric[i] = v; return 1; }
    return 0;
}
BTI_DEF int bt_cmd_parse_line(const bt_cmd_workload *c, const char *line, bt_sample *s) {
    int n = 0;
    const char *p = line;
    char key[64];
    while (isspace((unsigned char)*p)) p++;
    if (strncmp(p, "batchtune:", 10) == 0) {
        p += 10;
        for (;;) {
            const char *eq;
            size_t kl;
            char *end;
            double v;
            while (isspace((unsigned char)*p)) p++;
            if (!*p) break;
            eq = strchr(p, '=');
            if (!eq) break;
            kl = (size_t)(eq - p);
            if (kl == 0 || kl >= sizeof key) break;
            memcpy(key, p, kl); key[kl] = 0;
            v = strtod(eq + 1, &end);
            if (end == eq + 1) break;
            n += bti_cmd_set(c, key, v, s);
            p = end;
        }
    } else if (*p == '{') {
        /* flat JSON object: "key": number pairs; other values are skipped */
        while ((p = strchr(p, '"')) != NULL) {
            const char *q = strchr(p + 1, '"');
            char *end;
            double v;
            size_t kl;
            if (!q) break;
            kl = (size_t)(q - p - 1);
            p = q + 1;
            while (isspace((unsigned char)*p)) p++;
            if (*p != ':') continue;
            p++;
            while (isspace((unsigned char)*p)) p++;
            v = strtod(p, &end);
            if (end == p || kl >= sizeof key) continue;
            memcpy(key, q - kl, kl); key[kl] = 0;
            n += bti_cmd_set(c, key, v, s);
            p = end;
        }
    }
    return n;
}
static int bti_icontains(const char *hay, const char *needle) {
    size_t n = strlen(needle), i;
    if (!n) return 0;
    for (; *hay; hay++) {
        for (i = 0; i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]); i++) {}
        if (i == n) return 1;
    }
    return 0;
}
static bt_status bti_cmd_run(const bt_cell *cell, void *user, bt_sample *s) {
    static const char *const def_oom[] = {"out of memory", "OutOfMemoryError", "std::bad_alloc", "CUDA_ERROR_OUT_OF_MEMORY"};
    bt_cmd_workload *c = (bt_cmd_workload *)user;
    char **argv = bt_cmd_expand(c, cell);
    int code = 0, sig = 0, killed = 0, i, rc;
    bti_str out, errs;
    bt_status st = BT_OK;
    if (!argv) { bti_fmt(s->error, sizeof s->error, "cannot expand the command (out of memory)"); return BT_E_NOMEM; }
    memset(&out, 0, sizeof out);
    memset(&errs, 0, sizeof errs);
    if ((rc = bti_spawn_capture(argv, NULL, NULL, c->timeout_s, &out, &errs, &code, &sig, &killed, s->error, sizeof s->error)) != 0) {
        bt_cmd_argv_free(argv);
        return rc == -1 ? BT_E_WORKLOAD : BT_E_IO;
    }
    if (killed) {
        bti_fmt(s->error, sizeof s->error, "'%s' ran past the %.3g s timeout and was killed", argv[0], c->timeout_s > 0 ? c->timeout_s : 600);
        st = BT_E_TIMEOUT;
    } else {
        const char *const *pats = c->num_oom_patterns > 0 ? c->oom_patterns : def_oom;
        int npats = c->num_oom_patterns > 0 ? c->num_oom_patterns : (int)BTI_ARRAY_LEN(def_oom), oom = 0;
        const char *e = bti_str_c(&errs);
        for (i = 0; i < npats && !oom; i++) oom = bti_icontains(e, pats[i]);
        if (!sig && c->oom_exit_code && code == c->oom_exit_code) oom = 1;
        if (sig || code != 0 || oom) {
            /* the last non-empty stderr line is the message */
            char last[200] = "";
            const char *p = e, *ls = NULL, *le = NULL;
            while (*p) {
                const char *nl = strchr(p, '\n');
                const char *end = nl ? nl : p + strlen(p);
                if (end > p && end[-1] == '\r') end--;               /* CRLF (Windows programs) */
                if (end > p) { ls = p; le = end; }
                if (!nl) break;
                p = nl + 1;
            }
            if (ls) bti_fmt(last, sizeof last, "%.*s", (int)(le - ls > 190 ? 190 : le - ls), ls);
            if (sig) bti_fmt(s->error, sizeof s->error, "killed by signal %d%s%s", sig, last[0] ? ": " : "", last);
            else if (code == 127 && !last[0]) /* where spawning forks (old libcs, valgrind), a missing program shows up only so */
                bti_fmt(s->error, sizeof s->error, "exit 127: '%.200s' not found or not executable", argv[0]);
            else bti_fmt(s->error, sizeof s->error, "exit %d%s%s", code, last[0] ? ": " : "", last);
            st = oom ? BT_E_OOM_DEVICE : BT_E_WORKLOAD;
        }
    }
    if (st == BT_OK && out.p) {
        char *p = out.p;
        while (p && *p) {
            char *nl = strchr(p, '\n');
            if (nl) { *nl = 0; if (nl > p && nl[-1] == '\r') nl[-1] = 0; }
            bt_cmd_parse_line(c, p, s);
            p = nl ? nl + 1 : NULL;
        }
    }
    bti_str_free(&out);
    bti_str_free(&errs);
    bt_cmd_argv_free(argv);
    return st;
}
BTI_DEF bt_status bt_cmd_workload_init(bt_cmd_workload *c, const bt_grid *g, bt_workload *w, char *err, size_t errlen) {
    int i;
    if (!c || !g || !w || !c->cmd) { bti_fmt(err, errlen, "command workload: missing command or grid"); return BT_E_INVALID; }
    c->grid = g;
    c->argv_tmpl = bti_split_args(c->cmd, &c->argc, err, errlen);
    if (!c->argv_tmpl) return BT_E_PARSE;
    for (i = 0; i < c->argc; i++) {
        char *t = bti_subst(c, c->argv_tmpl[i], NULL, err, errlen);
        if (!t) { bt_cmd_workload_free(c); return BT_E_PARSE; }
        bti_free(t);
    }
    if (c->num_metrics < 0 || c->num_metrics > BT_MAX_METRICS) { bti_fmt(err, errlen, "command workload: at most %d metrics", BT_MAX_METRICS); bt_cmd_workload_free(c); return BT_E_INVALID; }
    memset(w, 0, sizeof *w);
    w->name = c->name ? c->name : "cmd";
    w->user = c;
    w->run = bti_cmd_run;
    w->metrics = c->metrics;
    w->num_metrics = c->num_metrics;
    return BT_OK;
}

/* ---------------------------------------------------------------- GPU backend: device ---- */
/* The device object, the per-cell arena, the fault-injection device and the restart guard are
   host code so that CPU-only tests exercise them; CUDA itself lives in batchtune_cuda.cu. */
struct bt_device {
    const bt_dev_ops *ops;
    void *ctx;
    char label[64];
    bt_dev_err last;            /* last error (status BT_OK: none) */
    int dead;                   /* a sticky error was seen */
};
BTI_DEF bt_device *bt_device_create(const bt_dev_ops *ops, void *ctx, const char *label) {
    bt_device *d;
    if (!ops || !ops->alloc || !ops->release || !ops->mem_info || !ops->sync || !ops->check) return NULL;
    d = (bt_device *)bti_calloc(1, sizeof *d);
    if (!d) return NULL;
    d->ops = ops;
    d->ctx = ctx;
    bti_fmt(d->label, sizeof d->label, "%s", label && *label ? label : (ops->name ? ops->name : "device"));
    return d;
}
BTI_DEF void bt_device_destroy(bt_device *d) {
    if (!d) return;
    if (d->ops->destroy) d->ops->destroy(d->ctx);
    bti_free(d);
}
BTI_DEF const char *bt_device_label(const bt_device *d) { return d ? d->label : ""; }
BTI_DEF void *bt_device_ctx(const bt_device *d) { return d ? d->ctx : NULL; }
BTI_DEF const bt_dev_ops *bt_device_ops(const bt_device *d) { return d ? d->ops : NULL; }
BTI_DEF const char *bt_device_error(const bt_device *d) { return d ? d->last.msg : ""; }
BTI_DEF int bt_device_restart_required(const bt_device *d) { return d ? d->dead : 0; }
BTI_DEF bt_status bt_device_record(bt_device *d, const bt_dev_err *e) {
    if (!d || !e) return BT_E_INVALID;
    if (e->status == BT_OK) return BT_OK;
    if (d->dead) return d->last.status;            /* keep the first sticky message */
    d->last = *e;
    if (!d->last.msg[0]) bti_fmt(d->last.msg, sizeof d->last.msg, "%s", bt_status_str(e->status));
    if (e->sticky) {
        size_t len = strlen(d->last.msg);
        d->dead = 1;
        bti_fmt(d->last.msg + len, sizeof d->last.msg - len, " [sticky: the process must restart]");
    }
    return e->status;
}
/* runs one op's result through the device's error state */
static bt_status bti_dev_done(bt_device *d, bt_status st, bt_dev_err *e) {
    if (st == BT_OK) return BT_OK;
    if (e->status == BT_OK) e->status = st;
    return bt_device_record(d, e);
}
static int bti_dev_dead(bt_device *d) { return d->dead; }
BTI_DEF bt_status bt_device_sync(bt_device *d) {
    bt_dev_err e;
    if (!d) return BT_E_INVALID;
    if (bti_dev_dead(d)) return d->last.status;
    memset(&e, 0, sizeof e);
    return bti_dev_done(d, d->ops->sync(d->ctx, &e), &e);
}
BTI_DEF bt_status bt_device_check(bt_device *d) {
    bt_dev_err e;
    if (!d) return BT_E_INVALID;
    if (bti_dev_dead(d)) return d->last.status;
    memset(&e, 0, sizeof e);
    return bti_dev_done(d, d->ops->check(d->ctx, &e), &e);
}
BTI_DEF bt_status bt_device_mem_info(bt_device *d, size_t *free_bytes, size_t *total_bytes) {
    bt_dev_err e;
    size_t fb = 0, tb = 0;
    bt_status st;
    if (!d) return BT_E_INVALID;
    if (bti_dev_dead(d)) return d->last.status;
    memset(&e, 0, sizeof e);
    st = bti_dev_done(d, d->ops->mem_info(d->ctx, &fb, &tb, &e), &e);
    if (free_bytes) *free_bytes = fb;
    if (total_bytes) *total_bytes = tb;
    return st;
}
BTI_DEF bt_status bt_device_fail_sample(const bt_device *d, bt_status st, bt_sample *s) {
    if (s && d && d->last.msg[0]) bti_fmt(s->error, sizeof s->error, "%s", d->last.msg);
    return st;
}

/* ---------------------------------------------------------------- GPU backend: arena ----- */
typedef struct bti_dev_block { void *p; size_t n; int kind; } bti_dev_block;
struct bt_dev_arena {
    bt_device *dev;
    bti_dev_block *b;
    size_t nb, cap;
    size_t held[2], peak[2];
};
BTI_DEF bt_dev_arena *bt_dev_arena_create(bt_device *d) {
    bt_dev_arena *a;
    if (!d) return NULL;
    a = (bt_dev_arena *)bti_calloc(1, sizeof *a);
    if (a) a->dev = d;
    return a;
}
BTI_DEF bt_device *bt_dev_arena_device(const bt_dev_arena *a) { return a ? a->dev : NULL; }
BTI_DEF bt_status bt_dev_alloc(bt_dev_arena *a, int kind, size_t n, void **p) {
    bt_dev_err e;
    bt_status st;
    void *q = NULL;
    if (p) *p = NULL;
    if (!a || !p || (kind != BT_MEM_DEVICE && kind != BT_MEM_PINNED)) {
        if (a) {
            memset(&e, 0, sizeof e);
            e.status = BT_E_INVALID;
            bti_fmt(e.msg, sizeof e.msg, "bt_dev_alloc: %s", !p ? "p is NULL" : "kind must be BT_MEM_DEVICE or BT_MEM_PINNED");
            bt_device_record(a->dev, &e);
        }
        return BT_E_INVALID;
    }
    if (bti_dev_dead(a->dev)) return a->dev->last.status;
    if (a->nb == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 16;
        bti_dev_block *nbk = (bti_dev_block *)bti_realloc(a->b, nc * sizeof *nbk);
        if (!nbk) return BT_E_NOMEM;
        a->b = nbk;
        a->cap = nc;
    }
    memset(&e, 0, sizeof e);
    st = a->dev->ops->alloc(a->dev->ctx, kind, n, &q, &e);
    if (st != BT_OK) {
        size_t len;
        if (e.status == BT_OK) e.status = st;
        len = strlen(e.msg);
        bti_fmt(e.msg + len, sizeof e.msg - len, "%sasked %zu bytes of %s memory; the cell held %zu (peak %zu)",
                len ? "; " : "", n, kind == BT_MEM_DEVICE ? "device" : "pinned host", a->held[kind], a->peak[kind]);
        return bt_device_record(a->dev, &e);
    }
    a->b[a->nb].p = q;
    a->b[a->nb].n = n;
    a->b[a->nb].kind = kind;
    a->nb++;
    a->held[kind] += n;
    if (a->held[kind] > a->peak[kind]) a->peak[kind] = a->held[kind];
    *p = q;
    return BT_OK;
}
static bt_status bti_arena_drop(bt_dev_arena *a, size_t i) {
    bt_dev_err e;
    bt_status st = BT_OK;
    bti_dev_block b = a->b[i];
    memset(&e, 0, sizeof e);
    /* after a sticky error the memory goes with the process: forget it, do not call the backend */
    if (!bti_dev_dead(a->dev)) st = bti_dev_done(a->dev, a->dev->ops->release(a->dev->ctx, b.kind, b.p, &e), &e);
    else st = a->dev->last.status;
    a->held[b.kind] -= b.n;
    a->b[i] = a->b[--a->nb];
    return st;
}
BTI_DEF bt_status bt_dev_free(bt_dev_arena *a, void *p) {
    size_t i;
    if (!a) return BT_E_INVALID;
    if (!p) return BT_OK;
    for (i = a->nb; i-- > 0;)
        if (a->b[i].p == p) return bti_arena_drop(a, i);
    {
        bt_dev_err e;
        memset(&e, 0, sizeof e);
        e.status = BT_E_INVALID;
        bti_fmt(e.msg, sizeof e.msg, "bt_dev_free: %p was not allocated by this arena", p);
        return bt_device_record(a->dev, &e);
    }
}
BTI_DEF bt_status bt_dev_arena_release(bt_dev_arena *a) {
    bt_status first = BT_OK;
    if (!a) return BT_E_INVALID;
    while (a->nb > 0) {
        bt_status st = bti_arena_drop(a, a->nb - 1);
        if (first == BT_OK) first = st;
    }
    a->held[0] = a->held[1] = 0;
    return first;
}
BTI_DEF void bt_dev_arena_destroy(bt_dev_arena *a) {
    if (!a) return;
    bt_dev_arena_release(a);
    bti_free(a->b);
    bti_free(a);
}
BTI_DEF size_t bt_dev_arena_bytes(const bt_dev_arena *a, int kind) {
    return a && (kind == BT_MEM_DEVICE || kind == BT_MEM_PINNED) ? a->held[kind] : 0;
}
BTI_DEF size_t bt_dev_arena_peak(const bt_dev_arena *a, int kind) {
    return a && (kind == BT_MEM_DEVICE || kind == BT_MEM_PINNED) ? a->peak[kind] : 0;
}
BTI_DEF void bt_dev_arena_reset_peak(bt_dev_arena *a) {
    if (!a) return;
    a->peak[0] = a->held[0];
    a->peak[1] = a->held[1];
}

/* ---------------------------------------------------------------- GPU backend: faults ---- */
typedef struct bti_fault_dev {
    size_t cap, used;
    int host_backed;
    long calls;
    bt_fault *f;               /* pending faults (messages owned) */
    int nf, fcap;
    bti_dev_block *b;          /* live allocations */
    size_t nb, bcap;
    uintptr_t next_fake;
    bt_dev_err sticky;         /* status BT_OK until a sticky fault fired */
} bti_fault_dev;
static bt_status bti_fault_tick(bti_fault_dev *f, const char *call, bt_dev_err *e) {
    int i;
    f->calls++;
    if (f->sticky.status != BT_OK) { *e = f->sticky; return e->status; }
    for (i = 0; i < f->nf; i++) {
        bt_fault ft = f->f[i];
        if (ft.call != f->calls) continue;
        f->f[i] = f->f[--f->nf];
        memset(e, 0, sizeof *e);
        if (ft.kind == BT_FAULT_OOM) {
            e->status = BT_E_OOM_DEVICE; e->code = 2;
            bti_fmt(e->msg, sizeof e->msg, "%s: %s (injected at call %ld)", call, ft.msg ? ft.msg : "out of memory", f->calls);
        } else if (ft.kind == BT_FAULT_STICKY) {
            e->status = BT_E_CUDA; e->code = 700; e->sticky = 1;
            bti_fmt(e->msg, sizeof e->msg, "%s: %s (injected at call %ld)", call,
                    ft.msg ? ft.msg : "an illegal memory access was encountered", f->calls);
            f->sticky = *e;
        } else {
            e->status = BT_E_CUDA; e->code = 1;
            bti_fmt(e->msg, sizeof e->msg, "%s: %s (injected at call %ld)", call, ft.msg ? ft.msg : "invalid argument", f->calls);
        }
        bti_free((void *)ft.msg);
        return e->status;
    }
    return BT_OK;
}
static bt_status bti_fault_alloc(void *ctx, int kind, size_t n, void **p, bt_dev_err *e) {
    bti_fault_dev *f = (bti_fault_dev *)ctx;
    bt_status st = bti_fault_tick(f, kind == BT_MEM_DEVICE ? "cudaMalloc" : "cudaHostAlloc", e);
    void *q;
    if (st != BT_OK) return st;
    if (kind == BT_MEM_DEVICE && (n > f->cap || f->used > f->cap - n)) {
        e->status = BT_E_OOM_DEVICE; e->code = 2;
        bti_fmt(e->msg, sizeof e->msg, "cudaMalloc(%zu bytes): out of memory (fault device: %zu of %zu bytes in use)", n, f->used, f->cap);
        return BT_E_OOM_DEVICE;
    }
    if (f->nb == f->bcap) {
        size_t nc = f->bcap ? f->bcap * 2 : 16;
        bti_dev_block *nbk = (bti_dev_block *)bti_realloc(f->b, nc * sizeof *nbk);
        if (!nbk) { e->status = BT_E_NOMEM; bti_fmt(e->msg, sizeof e->msg, "fault device: host out of memory"); return BT_E_NOMEM; }
        f->b = nbk; f->bcap = nc;
    }
    if (f->host_backed || kind == BT_MEM_PINNED) {
        q = bti_calloc(1, n ? n : 1);
        if (!q) {
            e->status = kind == BT_MEM_DEVICE ? BT_E_OOM_DEVICE : BT_E_NOMEM;
            bti_fmt(e->msg, sizeof e->msg, "fault device: host memory for %zu bytes not available", n);
            return e->status;
        }
    } else {
        q = (void *)f->next_fake;
        f->next_fake += (uintptr_t)((n + 511) / 256 * 256);
    }
    f->b[f->nb].p = q; f->b[f->nb].n = n; f->b[f->nb].kind = kind;
    f->nb++;
    if (kind == BT_MEM_DEVICE) f->used += n;
    *p = q;
    return BT_OK;
}
static bt_status bti_fault_release(void *ctx, int kind, void *p, bt_dev_err *e) {
    bti_fault_dev *f = (bti_fault_dev *)ctx;
    bt_status st = bti_fault_tick(f, kind == BT_MEM_DEVICE ? "cudaFree" : "cudaFreeHost", e);
    size_t i;
    if (st != BT_OK) return st;
    for (i = 0; i < f->nb; i++) if (f->b[i].p == p && f->b[i].kind == kind) break;
    if (i == f->nb) {
        e->status = BT_E_CUDA; e->code = 1;
        bti_fmt(e->msg, sizeof e->msg, "%s(%p): invalid argument (not allocated here, or freed twice)", kind == BT_MEM_DEVICE ? "cudaFree" : "cudaFreeHost", p);
        return BT_E_CUDA;
    }
    if (f->host_backed || kind == BT_MEM_PINNED) bti_free(p);
    if (kind == BT_MEM_DEVICE) f->used -= f->b[i].n;
    f->b[i] = f->b[--f->nb];
    return BT_OK;
}
static bt_status bti_fault_mem_info(void *ctx, size_t *fb, size_t *tb, bt_dev_err *e) {
    bti_fault_dev *f = (bti_fault_dev *)ctx;
    bt_status st = bti_fault_tick(f, "cudaMemGetInfo", e);
    if (st != BT_OK) return st;
    *fb = f->cap - f->used;
    *tb = f->cap;
    return BT_OK;
}
static bt_status bti_fault_sync(void *ctx, bt_dev_err *e) { return bti_fault_tick((bti_fault_dev *)ctx, "cudaDeviceSynchronize", e); }
static bt_status bti_fault_check(void *ctx, bt_dev_err *e) { return bti_fault_tick((bti_fault_dev *)ctx, "kernel launch", e); }
static void bti_fault_destroy(void *ctx) {
    bti_fault_dev *f = (bti_fault_dev *)ctx;
    size_t i;
    int k;
    if (!f) return;
    for (i = 0; i < f->nb; i++) if (f->host_backed || f->b[i].kind == BT_MEM_PINNED) bti_free(f->b[i].p);
    for (k = 0; k < f->nf; k++) bti_free((void *)f->f[k].msg);
    bti_free(f->f);
    bti_free(f->b);
    bti_free(f);
}
static const bt_dev_ops bti_fault_ops = {
    "fault", bti_fault_alloc, bti_fault_release, bti_fault_mem_info, bti_fault_sync, bti_fault_check, bti_fault_destroy};
static bti_fault_dev *bti_fault_of(const bt_device *d) {
    return d && d->ops == &bti_fault_ops ? (bti_fault_dev *)d->ctx : NULL;
}
BTI_DEF bt_status bt_fault_device_inject(bt_device *d, const bt_fault *ft) {
    bti_fault_dev *f = bti_fault_of(d);
    bt_fault c;
    if (!f || !ft || ft->call < 0 || ft->kind < BT_FAULT_OOM || ft->kind > BT_FAULT_STICKY) return BT_E_INVALID;
    if (f->nf == f->fcap) {
        int nc = f->fcap ? f->fcap * 2 : 8;
        bt_fault *nf = (bt_fault *)bti_realloc(f->f, (size_t)nc * sizeof *nf);
        if (!nf) return BT_E_NOMEM;
        f->f = nf; f->fcap = nc;
    }
    c = *ft;
    if (c.call == 0) c.call = f->calls + 1;
    c.msg = ft->msg ? bti_strdup(ft->msg) : NULL;
    if (ft->msg && !c.msg) return BT_E_NOMEM;
    f->f[f->nf++] = c;
    return BT_OK;
}
BTI_DEF bt_device *bt_fault_device_create(const bt_fault_desc *desc) {
    bti_fault_dev *f;
    bt_device *d;
    int i;
    f = (bti_fault_dev *)bti_calloc(1, sizeof *f);
    if (!f) return NULL;
    f->cap = desc && desc->capacity_bytes ? desc->capacity_bytes : (size_t)1 << 30;
    f->host_backed = desc ? desc->host_backed : 0;
    f->next_fake = (uintptr_t)1 << 20;
    if (desc && desc->context_bytes > f->cap) { bti_free(f); return NULL; }
    f->used = desc ? desc->context_bytes : 0;
    d = bt_device_create(&bti_fault_ops, f, "fault");
    if (!d) { bti_free(f); return NULL; }
    for (i = 0; desc && i < desc->nfaults; i++)
        if (!desc->faults || bt_fault_device_inject(d, &desc->faults[i]) != BT_OK) { bt_device_destroy(d); return NULL; }
    return d;
}
BTI_DEF long bt_fault_device_calls(const bt_device *d) {
    const bti_fault_dev *f = bti_fault_of(d);
    return f ? f->calls : -1;
}
BTI_DEF size_t bt_fault_device_used(const bt_device *d) {
    const bti_fault_dev *f = bti_fault_of(d);
    return f ? f->used : 0;
}

/* ---------------------------------------------------------------- GPU backend: restart --- */
BTI_DEF int bt_restart_count(void) {
    const char *v = getenv("BATCHTUNE_RESTARTS");
    int64_t n = 0;
    if (!v || !bti_parse_i64(v, &n) || n < 0 || n > INT_MAX) return 0;
    return (int)n;
}
BTI_DEF bt_status bt_restart_self(char *const *argv, int max_restarts, char *err, size_t err_len) {
    int n = bt_restart_count();
    char num[32];
    if (!argv || !argv[0]) { bti_fmt(err, err_len, "bt_restart_self: argv is empty"); return BT_E_INVALID; }
    if (max_restarts <= 0) max_restarts = 16;
    if (n >= max_restarts) {
        bti_fmt(err, err_len, "already restarted %d times (BATCHTUNE_RESTARTS), the limit is %d", n, max_restarts);
        return BT_E_INVALID;
    }
#if defined(_WIN32)
    (void)num;
    bti_fmt(err, err_len, "restarting the process after a sticky device error is not supported on Windows (no exec); "
            "the failed cell is recorded");
    return BT_E_UNSUPPORTED;
#else
    bti_fmt(num, sizeof num, "%d", n + 1);
    if (setenv("BATCHTUNE_RESTARTS", num, 1) != 0) { bti_fmt(err, err_len, "setenv BATCHTUNE_RESTARTS: %s", strerror(errno)); return BT_E_IO; }
    fflush(NULL);
#if defined(__linux__)
    execv("/proc/self/exe", argv);
#endif
    execvp(argv[0], argv);
    bti_fmt(err, err_len, "cannot re-execute %s: %s", argv[0], strerror(errno));
    return BT_E_IO;
#endif
}
static int bti_restart_default(bt_restart_guard *g) {
    char err[512];
    bt_status st = bt_restart_self(g->argv, g->max_restarts, err, sizeof err);
    fprintf(stderr, "batchtune: %s; rerun the same command with resume to go on\n", err);
    return st == BT_OK ? 0 : 75;
}
BTI_DEF void bt_restart_guard_progress(const bt_progress *p, void *user) {
    bt_restart_guard *g = (bt_restart_guard *)user;
    if (!g) return;
    if (g->next) g->next(p, g->next_user);
    if (!g->device || !bt_device_restart_required(g->device)) return;
    {
        char cell[512] = "";
        int code;
        if (p && p->cell) bt_cell_format(p->cell, cell, sizeof cell);
        fprintf(stderr, "batchtune: sticky device error on %s (%s %s): %s; restarting the process to resume\n",
                bt_device_label(g->device), p && p->workload ? p->workload : "?", cell, bt_device_error(g->device));
        fflush(NULL);
        code = g->restart ? g->restart(g) : bti_restart_default(g);
        _exit(code ? code : 75);
    }
}

/* ---------------------------------------------------------------- loader ----------------- */

#if defined(BATCHTUNE_STB_IMPLEMENTATION)
#if defined(__GNUC__) && !defined(__CUDACC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wtype-limits"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#if defined(__NVCC__) || defined(__CUDACC__)
#pragma nv_diagnostic push
#pragma nv_diag_suppress 550 /* stb's own set-but-unused variables */
#pragma nv_diag_suppress 177 /* stb's own unused functions */
#endif
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
#if defined(__NVCC__) || defined(__CUDACC__)
#pragma nv_diagnostic pop
#endif
/* stb_image 2.27 (Debian 12) declares this static function but defines it under another
   name; a definition here keeps -Wunused-function quiet. With a fixed stb (2.28 and later)
   define BATCHTUNE_STB_NO_UNPREMULTIPLY_FIX. */
#ifndef BATCHTUNE_STB_NO_UNPREMULTIPLY_FIX
STBIDEF void stbi_set_unpremultiply_on_load_thread(int flag_true_if_should_unpremultiply) { (void)flag_true_if_should_unpremultiply; }
#endif
#if defined(__GNUC__) && !defined(__CUDACC__)
#pragma GCC diagnostic pop
#endif
#define BTI_HAVE_STB 1
#elif defined(BATCHTUNE_USE_STB)
#include <stb_image.h>
#define BTI_HAVE_STB 1
#endif

#ifdef BTI_HAVE_STB
/* 0 when a JPEG has a Huffman table (DHT) whose 16 code counts add up to more than 256 codes:
   stb_image up to at least 2022-09 writes past its 257-entry size table on such a file
   (found by tests/fuzz/fuzz_image.c). stb reads a DHT only right after the bytes FF C4 and
   then reads tables while the segment length left is positive, even past the segment (zeros
   past the end of the file), so every FF C4 of a file stb takes for a JPEG (FF, any fill FFs,
   D8) is checked that way: whatever stb's parser does between, it cannot reach another. */
static int bti_jpeg_dht_ok(const unsigned char *d, size_t n) {
    size_t i = 0;
    if (n < 2 || d[0] != 0xFF) return 1;
    while (i < n && d[i] == 0xFF) i++;
    if (i >= n || d[i] != 0xD8) return 1;                    /* not what stb takes for a JPEG */
    for (i = 0; i + 1 < n; i++) {
        size_t p;
        long left;
        const unsigned char *ff = (const unsigned char *)memchr(d + i, 0xFF, n - 1 - i);   /* hop to the next FF */
        if (!ff) break;
        i = (size_t)(ff - d);
        if (d[i + 1] != 0xC4) continue;
        left = (long)((i + 2 < n ? (unsigned)d[i + 2] << 8 : 0u) | (i + 3 < n ? d[i + 3] : 0u)) - 2;
        p = i + 4;
        while (left > 0) {
            unsigned k, sum = 0;
            for (k = 0; k < 16; k++) sum += p + 1 + k < n ? d[p + 1 + k] : 0;
            if (sum > 256) return 0;
            p += 17 + sum;
            left -= 17 + (long)sum;
        }
    }
    return 1;
}
static bt_status bti_stb_info(void *user, const unsigned char *data, size_t n, int *w, int *h) {
    int c;
    (void)user;
    if (n == 0 || n > (size_t)INT_MAX || !bti_jpeg_dht_ok(data, n)) return BT_E_DECODE;
    return stbi_info_from_memory(data, (int)n, w, h, &c) ? BT_OK : BT_E_DECODE;
}
static bt_status bti_stb_decode(void *user, const unsigned char *data, size_t n, int *w, int *h,
                                unsigned char **rgb, char *err, size_t err_len) {
    int c;
    const char *why;
    (void)user;
    *rgb = NULL;
    if (n == 0 || n > (size_t)INT_MAX) { bti_fmt(err, err_len, "file too large for stb_image"); return BT_E_DECODE; }
    if (!bti_jpeg_dht_ok(data, n)) { bti_fmt(err, err_len, "corrupt JPEG: a Huffman table with more than 256 codes"); return BT_E_DECODE; }
    *rgb = stbi_load_from_memory(data, (int)n, w, h, &c, 3);
    if (!*rgb) {
        why = stbi_failure_reason();
        bti_fmt(err, err_len, "stb_image: %s", why ? why : "cannot decode");
        return BT_E_DECODE;
    }
    return BT_OK;
}
static void bti_stb_release(void *user, unsigned char *rgb) { (void)user; stbi_image_free(rgb); }
#else
static bt_status bti_nostb_decode(void *user, const unsigned char *data, size_t n, int *w, int *h,
                                  unsigned char **rgb, char *err, size_t err_len) {
    (void)user; (void)data; (void)n; (void)w; (void)h;
    *rgb = NULL;
    bti_fmt(err, err_len, "no image decoder: define BATCHTUNE_STB_IMPLEMENTATION (or BATCHTUNE_USE_STB and link -lstb) "
            "before including batchtune.h with BATCHTUNE_IMPLEMENTATION, or set bt_loader_desc.decoder");
    return BT_E_UNSUPPORTED;
}
static void bti_nostb_release(void *user, unsigned char *rgb) { (void)user; (void)rgb; }
#endif

BTI_DEF bt_decoder bt_decoder_default(void) {
    bt_decoder d;
    memset(&d, 0, sizeof d);
#ifdef BTI_HAVE_STB
    d.info = bti_stb_info;
    d.decode = bti_stb_decode;
    d.release = bti_stb_release;
#else
    d.decode = bti_nostb_decode;
    d.release = bti_nostb_release;
#endif
    return d;
}

BTI_DEF bt_loader_desc bt_loader_desc_defaults(const bt_loader_desc *in) {
    bt_loader_desc d;
    static const float imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
    static const float imagenet_std[3] = {0.229f, 0.224f, 0.225f};
    int c;
    if (in) d = *in; else memset(&d, 0, sizeof d);
    if (d.source == BT_SOURCE_SYNTHETIC) {
        if (!d.synthetic_items) d.synthetic_items = 1024;
        if (d.synthetic_width <= 0) d.synthetic_width = 320;
        if (d.synthetic_height <= 0) d.synthetic_height = 240;
    }
    if (d.batch <= 0) d.batch = 64;
    if (d.workers <= 0) d.workers = 2;
    if (d.workers > BT_LOADER_MAX_WORKERS) d.workers = BT_LOADER_MAX_WORKERS;
    if (d.depth <= 0) d.depth = 3;
    if (d.depth < 2) d.depth = 2;
    if (d.epochs <= 0) d.epochs = 1;
    if (!d.seed) d.seed = 1;
    if (d.resize == 0) d.resize = 256;
    if (d.crop <= 0) d.crop = 224;
    if (d.mean[0] == 0 && d.mean[1] == 0 && d.mean[2] == 0 && d.std[0] == 0 && d.std[1] == 0 && d.std[2] == 0)
        for (c = 0; c < 3; c++) { d.mean[c] = imagenet_mean[c]; d.std[c] = imagenet_std[c]; }
    for (c = 0; c < 3; c++) if (d.std[c] == 0) d.std[c] = 1;
    if (d.max_side <= 0) d.max_side = 16384;
    if (d.max_pixels <= 0) d.max_pixels = 100000000;
    if (d.max_file_bytes <= 0) d.max_file_bytes = (int64_t)256 << 20;
    if (!d.decoder.decode) d.decoder = bt_decoder_default();
    return d;
}

/* filter taps of one resize axis, for a window [first, first+count) of the outputs */
typedef struct bti_taps {
    int *start, *n;
    float *w;                      /* count x maxn */
    int maxn, nmax, cap_count, cap_w;
    int key[4], made;              /* the last call's (in, out, first, count); made: it is valid */
} bti_taps;
static void bti_taps_free(bti_taps *t) { bti_free(t->start); bti_free(t->n); bti_free(t->w); memset(t, 0, sizeof *t); }
/* PIL's antialiased bilinear: triangle filter, support scaled by the downscale factor,
   weights normalized to sum 1; zero weights at the ends are dropped. Returns 0 (out of
   memory), 1 (made), 2 (the same as the last call's: kept). */
static int bti_taps_make(bti_taps *t, int in, int out, int first, int count) {
    double scale = (double)in / (double)out, fscale = scale < 1.0 ? 1.0 : scale;
    double support = fscale, ss = 1.0 / fscale;
    int maxn = (int)ceil(support) * 2 + 1, i;
    if (t->made && t->key[0] == in && t->key[1] == out && t->key[2] == first && t->key[3] == count) return 2;
    t->made = 0;
    if (count > t->cap_count) {
        bti_free(t->start); bti_free(t->n);
        t->start = (int *)bti_malloc((size_t)count * sizeof(int));
        t->n = (int *)bti_malloc((size_t)count * sizeof(int));
        t->cap_count = count;
        if (!t->start || !t->n) { t->cap_count = 0; return 0; }
    }
    if ((size_t)count * (size_t)maxn > (size_t)t->cap_w) {
        bti_free(t->w);
        t->w = (float *)bti_malloc((size_t)count * (size_t)maxn * sizeof(float));
        t->cap_w = count * maxn;
        if (!t->w) { t->cap_w = 0; return 0; }
    }
    t->maxn = maxn;
    for (i = 0; i < count; i++) {
        int o = first + i, xmin, xmax, x, a, b;
        double center, ww = 0, k[1024], *kk = k;
        float *dst = t->w + (size_t)i * (size_t)maxn;
        t->start[i] = 0; t->n[i] = 0;
        if (o < 0 || o >= out) continue;   /* outside the image: padding (zeros) */
        center = (o + 0.5) * scale;
        xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        xmax = (int)(center + support + 0.5);
        if (xmax > in) xmax = in;
        if (xmax - xmin > maxn) xmax = xmin + maxn;
        if (xmax - xmin > 1024) { kk = (double *)bti_malloc((size_t)(xmax - xmin) * sizeof(double)); if (!kk) return 0; }
        for (x = xmin; x < xmax; x++) {
            double v = fabs((x - center + 0.5) * ss);
            v = v < 1.0 ? 1.0 - v : 0.0;
            kk[x - xmin] = v;
            ww += v;
        }
        a = 0; b = xmax - xmin;
        while (a < b && kk[a] == 0) a++;
        while (b > a && kk[b - 1] == 0) b--;
        ww = ww != 0 ? 1.0 / ww : 1.0;
        for (x = a; x < b; x++) dst[x - a] = (float)(kk[x] * ww);
        t->start[i] = xmin + a;
        t->n[i] = b - a;
        if (kk != k) bti_free(kk);
    }
    /* one tap count for the whole window (zero weights added, the window moved left where
       it would pass the edge), so the inner loops have a fixed trip count */
    t->nmax = 0;
    for (i = 0; i < count; i++) if (t->n[i] > t->nmax) t->nmax = t->n[i];
    for (i = 0; i < count; i++) {
        int n = t->n[i], shift, x;
        float *dst = t->w + (size_t)i * (size_t)maxn;
        if (n == 0 || n == t->nmax) continue;
        shift = t->start[i] + t->nmax - in;
        if (shift < 0) shift = 0;
        for (x = n - 1; x >= 0; x--) dst[x + shift] = dst[x];
        for (x = 0; x < shift; x++) dst[x] = 0;
        for (x = shift + n; x < t->nmax; x++) dst[x] = 0;
        t->start[i] -= shift;
        t->n[i] = t->nmax;
    }
    t->key[0] = in; t->key[1] = out; t->key[2] = first; t->key[3] = count; t->made = 1;
    return 1;
}

/* output size of torchvision Resize(S) (shorter side to S) and CenterCrop(C) offsets */
static void bti_resize_dims(int w, int h, int S, int *nw, int *nh) {
    int shortside = w <= h ? w : h, longside = w <= h ? h : w, nl;
    if (S <= 0) { *nw = w; *nh = h; return; }
    nl = (int)((double)((int64_t)S * longside) / (double)shortside);
    if (w <= h) { *nw = S; *nh = nl; } else { *nw = nl; *nh = S; }
}
static int bti_crop_offset(int size, int C) {
    int d = size - C, q;
    if (d < 0) return -((-d) / 2);            /* torchvision pads: (C - size) // 2 on top/left */
    q = d / 2;                                 /* round(d / 2) with ties to even */
    if ((d & 1) && (q & 1)) q++;
    return q;
}

typedef struct bti_ld_worker {
    struct bt_loader *L;
    int id;
    bti_thread th;
    int started;
    unsigned char *fbuf; size_t fcap;   /* file bytes */
    float *tmp; size_t tcap;            /* one vertically filtered row */
    void *w4raw; size_t w4cap;          /* horizontal weights in 4 lanes (SSE2) */
    void *w8raw; size_t w8cap;          /* the same by pairs of pixels (AVX2) */
    short *qtmp; size_t qcap;           /* fixed point: one vertically filtered row (Q7) */
    void *vqraw; size_t vqcap;          /* fixed point: vertical weights (Q16) */
    void *hqraw; size_t hqcap;          /* fixed point: horizontal weights (Q15) by pairs */
    int qmade;                          /* those weights are for the taps in vt, ht */
    unsigned char *syn; size_t scap;    /* synthetic image or a record */
    bti_taps vt, ht;
    bt_loader_worker_stats loc;         /* this worker's own running figures */
    bt_loader_worker_stats st;          /* a copy published under the lock */
} bti_ld_worker;

typedef struct bti_ld_slot {
    unsigned char *buf, *raw;           /* aligned buffer, and what to free */
    int64_t batch;
    int count, done, nbad, ready;
    int warm;                           /* a batch was made in it: its pages are in */
    unsigned char *ok;
    int64_t *src;
} bti_ld_slot;

typedef struct bti_ld_bad { char *name; char *reason; } bti_ld_bad;

struct bt_loader {
    bt_loader_desc d;
    char **paths; size_t npaths;        /* images */
    bti_file rf; int64_t rcount; size_t rbytes; int rheader; int rh, rw; /* records */
    size_t nitems, item_bytes;
    int out_h, out_w, out_c;
    int64_t per_epoch, total_batches;
    float scale[3], bias[3];
    int avx2;                           /* the CPU runs the AVX2 + FMA passes */
    int fixed;                          /* 1: fixed-point passes with AVX2 (the default there), 2: the same in portable C (tests), 0: float */

    bti_mutex mu;
    bti_cond cv_space, cv_ready;
    int stop, failed;
    int64_t fail_batch;
    bt_status fail_status;
    int64_t cur_batch; int cur_pos;
    int64_t released;                   /* batches handed back */
    bti_ld_slot *slots;
    bti_ld_worker *w;
    int nworkers;
    bti_ld_bad *bad; size_t nbad, capbad;

    /* consumer side */
    int64_t next_batch, held;
    uint64_t t_create, t_last;
    double first_batch_s;
    double *waits; size_t nwaits, capwaits;
    int64_t delivered_items, delivered_batches;
    char err[768];
};

BTI_DEF const char *bt_loader_error(const bt_loader *L) { return L ? L->err : "no loader"; }
BTI_DEF size_t bt_loader_num_items(const bt_loader *L) { return L ? L->nitems : 0; }
BTI_DEF int64_t bt_loader_num_batches(const bt_loader *L) { return L ? L->total_batches : 0; }
BTI_DEF const char *bt_loader_item_name(const bt_loader *L, size_t i, char *buf, size_t n) {
    if (!L || i >= L->nitems) { bti_fmt(buf, n, "?"); return buf; }
    if (L->d.source == BT_SOURCE_IMAGES) bti_fmt(buf, n, "%s", L->paths[i]);
    else if (L->d.source == BT_SOURCE_RECORDS) bti_fmt(buf, n, "%s#%zu", L->d.records_path, i);
    else bti_fmt(buf, n, "synthetic:%zu", i);
    return buf;
}

/* seeded permutation of [0, n) without storage: a Feistel network on the next power of 4,
   cycle-walking back into range */
static uint64_t bti_perm(uint64_t j, uint64_t n, uint64_t seed) {
    int bits = 0, half, r;
    uint64_t mask, x = j;
    if (n <= 1) return j;
    while (((uint64_t)1 << bits) < n) bits++;
    half = (bits + 1) / 2;
    mask = ((uint64_t)1 << half) - 1;
    do {
        uint64_t lo = x & mask, hi = x >> half;
        for (r = 0; r < 4; r++) {
            uint64_t s = seed ^ ((uint64_t)r * 0x9E3779B97F4A7C15ULL) ^ (lo * 0xD6E8FEB86659FD93ULL);
            uint64_t f = bti_rand_next(&s) & mask, t = lo;
            lo = hi ^ f; hi = t;
        }
        x = (hi << half) | lo;
    } while (x >= n);
    return x;
}
static int64_t bti_ld_source_index(const bt_loader *L, int64_t batch, int pos) {
    int64_t e = batch / L->per_epoch, k = batch % L->per_epoch, j = k * L->d.batch + pos;
    if (!L->d.shuffle) return j;
    {
        uint64_t s = L->d.seed ^ ((uint64_t)(e + 1) * 0xA24BAED4963EE407ULL);
        return (int64_t)bti_perm((uint64_t)j, (uint64_t)L->nitems, bti_rand_next(&s));
    }
}
static int bti_ld_batch_count(const bt_loader *L, int64_t batch) {
    int64_t k = batch % L->per_epoch, left = (int64_t)L->nitems - k * L->d.batch;
    return (int)(left < L->d.batch ? left : L->d.batch);
}

static void bti_ld_add_bad(bt_loader *L, int64_t idx, const char *reason) { /* under lock */
    char name[1024];
    if (L->nbad == L->capbad) {
        size_t nc = L->capbad ? L->capbad * 2 : 16;
        bti_ld_bad *nb = (bti_ld_bad *)bti_realloc(L->bad, nc * sizeof *nb);
        if (!nb) return;
        L->bad = nb; L->capbad = nc;
    }
    bt_loader_item_name(L, (size_t)idx, name, sizeof name);
    L->bad[L->nbad].name = bti_strdup(name);
    L->bad[L->nbad].reason = bti_strdup(reason);
    L->nbad++;
}

static int bti_grow(void **p, size_t *cap, size_t need) {
    void *np;
    if (need <= *cap) return 1;
    np = bti_realloc(*p, need);
    if (!np) return 0;
    *p = np; *cap = need;
    return 1;
}

/* resize + crop + normalize + layout of one RGB image into dst.
   Vertical pass first (rows of the crop, only the input columns the crop needs), into one
   float row; then the horizontal pass writes the output pixels directly (normalized NCHW
   planes or rounded NHWC bytes). With SSE2 the vertical pass runs in 16-bit fixed point
   (Q14 weights, pmaddwd) and the horizontal pass on 4-float vectors (RGB + one spare). */
#if (defined(__SSE2__) || defined(_M_X64)) && !defined(__CUDA_ARCH__) && !defined(BATCHTUNE_NO_SIMD)
#include <emmintrin.h>
#define BTI_SSE2 1
#endif
/* AVX2 + FMA versions of the two passes, chosen at run time (GCC and clang on x86-64; not
   clang-cl / MSVC, whose <immintrin.h> declares no AVX types without /arch:AVX2) */
#if defined(BTI_SSE2) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(_MSC_VER) && !defined(__CUDACC__) && !defined(BATCHTUNE_NO_AVX2)
#include <immintrin.h>
#define BTI_AVX2 1
static int bti_cpu_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
/* vertical pass, 32 bytes per step; returns how far it got */
__attribute__((target("avx2,fma")))
static size_t bti_ld_vpass_avx2(const unsigned char *s0, size_t rowb, const short *wq, int ny, float *tmp, size_t span) {
    size_t j = 0;
    int k;
    const __m256i zero = _mm256_setzero_si256();
    const __m256 inv = _mm256_set1_ps(1.0f / 16384.0f);
    for (; j + 32 <= span; j += 32) {
        __m256i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        __m256 f0, f1, f2, f3;
        const unsigned char *s = s0 + j;
        for (k = 0; k < ny; k += 2, s += 2 * rowb) {
            __m256i r0 = _mm256_loadu_si256((const __m256i *)(const void *)s);
            __m256i r1 = k + 1 < ny ? _mm256_loadu_si256((const __m256i *)(const void *)(s + rowb)) : zero;
            __m256i w = _mm256_set1_epi32((int)(((unsigned)(unsigned short)wq[k + 1] << 16) | (unsigned short)wq[k]));
            __m256i l0 = _mm256_unpacklo_epi8(r0, zero), h0 = _mm256_unpackhi_epi8(r0, zero);
            __m256i l1 = _mm256_unpacklo_epi8(r1, zero), h1 = _mm256_unpackhi_epi8(r1, zero);
            a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi16(l0, l1), w));
            a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi16(l0, l1), w));
            a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(_mm256_unpacklo_epi16(h0, h1), w));
            a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(_mm256_unpackhi_epi16(h0, h1), w));
        }
        /* lanes hold columns [0-3 | 16-19], [4-7 | 20-23], [8-11 | 24-27], [12-15 | 28-31] */
        f0 = _mm256_mul_ps(_mm256_cvtepi32_ps(a0), inv);
        f1 = _mm256_mul_ps(_mm256_cvtepi32_ps(a1), inv);
        f2 = _mm256_mul_ps(_mm256_cvtepi32_ps(a2), inv);
        f3 = _mm256_mul_ps(_mm256_cvtepi32_ps(a3), inv);
        _mm256_storeu_ps(tmp + j, _mm256_permute2f128_ps(f0, f1, 0x20));
        _mm256_storeu_ps(tmp + j + 8, _mm256_permute2f128_ps(f2, f3, 0x20));
        _mm256_storeu_ps(tmp + j + 16, _mm256_permute2f128_ps(f0, f1, 0x31));
        _mm256_storeu_ps(tmp + j + 24, _mm256_permute2f128_ps(f2, f3, 0x31));
    }
    return j;
}
/* horizontal pass into NCHW planes, 4 output pixels per step (two per 256-bit vector);
   w8: per pair of pixels and tap, the two weights each in 4 lanes. Returns how far it got. */
__attribute__((target("avx2,fma")))
static int bti_ld_hpass_avx2(const float *tmp, const int *start, int cx0, const float *w8, int nx4, int C,
                             const float *scale, const float *bias, float *pr, float *pg, float *pb) {
    int x = 0, k;
    const __m128 s0 = _mm_set1_ps(scale[0]), s1 = _mm_set1_ps(scale[1]), s2 = _mm_set1_ps(scale[2]);
    const __m128 b0 = _mm_set1_ps(bias[0]), b1 = _mm_set1_ps(bias[1]), b2 = _mm_set1_ps(bias[2]);
    for (; x + 4 <= C; x += 4) {
        const float *p0 = tmp + (size_t)(start[x] - cx0) * 3, *p1 = tmp + (size_t)(start[x + 1] - cx0) * 3;
        const float *p2 = tmp + (size_t)(start[x + 2] - cx0) * 3, *p3 = tmp + (size_t)(start[x + 3] - cx0) * 3;
        const float *wa = w8 + (size_t)x * (size_t)nx4 * 4, *wb = wa + (size_t)nx4 * 8;
        __m256 A = _mm256_setzero_ps(), B = _mm256_setzero_ps();
        __m128 a0, a1, a2, a3;
        for (k = 0; k < nx4; k++) {
            __m256 pa = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p0 + 3 * k)), _mm_loadu_ps(p1 + 3 * k), 1);
            __m256 pb2 = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p2 + 3 * k)), _mm_loadu_ps(p3 + 3 * k), 1);
            A = _mm256_fmadd_ps(pa, _mm256_loadu_ps(wa + 8 * k), A);
            B = _mm256_fmadd_ps(pb2, _mm256_loadu_ps(wb + 8 * k), B);
        }
        a0 = _mm256_castps256_ps128(A); a1 = _mm256_extractf128_ps(A, 1);
        a2 = _mm256_castps256_ps128(B); a3 = _mm256_extractf128_ps(B, 1);
        _MM_TRANSPOSE4_PS(a0, a1, a2, a3);
        _mm_storeu_ps(pr + x, _mm_add_ps(_mm_mul_ps(a0, s0), b0));
        _mm_storeu_ps(pg + x, _mm_add_ps(_mm_mul_ps(a1, s1), b1));
        _mm_storeu_ps(pb + x, _mm_add_ps(_mm_mul_ps(a2, s2), b2));
    }
    return x;
}
/* Fixed-point passes (the default where the CPU has AVX2; see bti_ld_transform_q).
   Vertical: each byte moved to the high half of a 16-bit lane (x << 8: the even bytes of a
   32-byte load by a shift, the odd ones by a mask, so no shuffles in the tap loop) times
   its Q16 weight, high 16 bits kept (pmulhuw), summed in 16 bits: Q8, at most 255 << 8
   (+ the rounding bias) because the weights are >= 0 and sum to at most 1; then halved
   with rounding (pavgw) into Q7 int16 (<= 32640) and the even and odd columns interleaved
   again. Returns how far it got; bti_ld_vpassq_c does the rest with the same arithmetic. */
__attribute__((target("avx2")))
static size_t bti_ld_vpassq_avx2(const unsigned char *s0, size_t rowb, const unsigned short *wq, int ny, short *tmp, size_t span) {
    size_t j = 0;
    int k;
    __m256i wb[64];
    const __m256i zero = _mm256_setzero_si256(), odd = _mm256_set1_epi16((short)0xFF00);
    const __m256i bias = _mm256_set1_epi16((short)(ny / 2 < 127 ? ny / 2 : 127));
    if (ny > 64) return 0;              /* (only at downscales beyond 32x) portable C */
    for (k = 0; k < ny; k++) wb[k] = _mm256_set1_epi16((short)wq[k]);
    for (; j + 64 <= span; j += 64) {   /* two blocks of 32 at a time */
        __m256i ae = bias, ao = bias, be = bias, bo = bias, lo, hi;
        const unsigned char *s = s0 + j;
        for (k = 0; k < ny; k++, s += rowb) {
            const __m256i r = _mm256_loadu_si256((const __m256i *)(const void *)s);
            const __m256i t = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32));
            ae = _mm256_add_epi16(ae, _mm256_mulhi_epu16(_mm256_slli_epi16(r, 8), wb[k]));
            ao = _mm256_add_epi16(ao, _mm256_mulhi_epu16(_mm256_and_si256(r, odd), wb[k]));
            be = _mm256_add_epi16(be, _mm256_mulhi_epu16(_mm256_slli_epi16(t, 8), wb[k]));
            bo = _mm256_add_epi16(bo, _mm256_mulhi_epu16(_mm256_and_si256(t, odd), wb[k]));
        }
        ae = _mm256_avg_epu16(ae, zero); ao = _mm256_avg_epu16(ao, zero);
        be = _mm256_avg_epu16(be, zero); bo = _mm256_avg_epu16(bo, zero);
        lo = _mm256_unpacklo_epi16(ae, ao); hi = _mm256_unpackhi_epi16(ae, ao);
        _mm256_storeu_si256((__m256i *)(void *)(tmp + j), _mm256_permute2x128_si256(lo, hi, 0x20));
        _mm256_storeu_si256((__m256i *)(void *)(tmp + j + 16), _mm256_permute2x128_si256(lo, hi, 0x31));
        lo = _mm256_unpacklo_epi16(be, bo); hi = _mm256_unpackhi_epi16(be, bo);
        _mm256_storeu_si256((__m256i *)(void *)(tmp + j + 32), _mm256_permute2x128_si256(lo, hi, 0x20));
        _mm256_storeu_si256((__m256i *)(void *)(tmp + j + 48), _mm256_permute2x128_si256(lo, hi, 0x31));
    }
    /* then by 32; the last block may overlap the one before (same values written twice) */
    if (j < span && j + 32 > span && span >= 32) j = span - 32;
    for (; j + 32 <= span; j = j + 32 < span && j + 64 > span ? span - 32 : j + 32) {
        __m256i ae = bias, ao = bias, lo, hi;
        const unsigned char *s = s0 + j;
        for (k = 0; k < ny; k++, s += rowb) {
            const __m256i r = _mm256_loadu_si256((const __m256i *)(const void *)s);
            ae = _mm256_add_epi16(ae, _mm256_mulhi_epu16(_mm256_slli_epi16(r, 8), wb[k]));
            ao = _mm256_add_epi16(ao, _mm256_mulhi_epu16(_mm256_and_si256(r, odd), wb[k]));
        }
        ae = _mm256_avg_epu16(ae, zero);
        ao = _mm256_avg_epu16(ao, zero);
        lo = _mm256_unpacklo_epi16(ae, ao);     /* columns [0-7 | 16-23] */
        hi = _mm256_unpackhi_epi16(ae, ao);     /* [8-15 | 24-31] */
        _mm256_storeu_si256((__m256i *)(void *)(tmp + j), _mm256_permute2x128_si256(lo, hi, 0x20));
        _mm256_storeu_si256((__m256i *)(void *)(tmp + j + 16), _mm256_permute2x128_si256(lo, hi, 0x31));
    }
    return j;
}
/* Horizontal: per output pixel, taps by pairs: 8 int16 loaded at the pair's first pixel
   (R0 G0 B0 R1 G1 B1 ..) are shuffled to R0 R1 G0 G1 B0 B1 0 0 and multiplied by the pair's
   Q15 weights (pmaddwd), two output pixels per 256-bit vector; sums in int32 (Q22, at most
   32640 * 32768 < 2^31). 8 output pixels per step, in vectors A (x, x+4), B (x+1, x+5),
   C (x+2, x+6), D (x+3, x+7), so that one 4x4 transpose of each lane gives R, G, B of x..x+7
   in order: to float (scale * 2^-22, + bias) into NCHW planes, or rounded to bytes (NHWC,
   o != NULL). off: each output pixel's first tap in tmp. hq: per group of 8 output pixels
   and pair of taps, 4 x 16 int16 (vector A's weights: pixel x's pair 4 times, then x+4's;
   then B, C, D). Returns how far it got. */
__attribute__((target("avx2,fma")))
static int bti_ld_hpassq_avx2(const short *tmp, const int *off, const short *hq, int np, int C,
                              const float *scale, const float *bias, float *pr, float *pg, float *pb, unsigned char *o) {
    int x = 0, k;
    const __m256i shuf = _mm256_setr_epi8(0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11, -1, -1, -1, -1,
                                          0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11, -1, -1, -1, -1);
    const __m256i pick = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1,
                                          0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    const __m256i pack = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7), half = _mm256_set1_epi32(1 << 21);
    const float q = 1.0f / 4194304.0f;
    const __m256 s0 = _mm256_set1_ps(scale[0] * q), s1 = _mm256_set1_ps(scale[1] * q), s2 = _mm256_set1_ps(scale[2] * q);
    const __m256 b0 = _mm256_set1_ps(bias[0]), b1 = _mm256_set1_ps(bias[1]), b2 = _mm256_set1_ps(bias[2]);
#define BTI_HQ_PAIR(pa, pb) _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256( \
        _mm_loadu_si128((const __m128i *)(const void *)((pa) + 6 * k))), _mm_loadu_si128((const __m128i *)(const void *)((pb) + 6 * k)), 1), shuf)
    for (; x + 8 <= C; x += 8) {
        const short *p0 = tmp + off[x], *p1 = tmp + off[x + 1], *p2 = tmp + off[x + 2], *p3 = tmp + off[x + 3];
        const short *p4 = tmp + off[x + 4], *p5 = tmp + off[x + 5], *p6 = tmp + off[x + 6], *p7 = tmp + off[x + 7];
        const short *wv = hq + (size_t)x * (size_t)np * 8;
        __m256i A = _mm256_setzero_si256(), B = A, Cv = A, D = A;
        for (k = 0; k < np; k++, wv += 64) {
            A = _mm256_add_epi32(A, _mm256_madd_epi16(BTI_HQ_PAIR(p0, p4), _mm256_load_si256((const __m256i *)(const void *)wv)));
            B = _mm256_add_epi32(B, _mm256_madd_epi16(BTI_HQ_PAIR(p1, p5), _mm256_load_si256((const __m256i *)(const void *)(wv + 16))));
            Cv = _mm256_add_epi32(Cv, _mm256_madd_epi16(BTI_HQ_PAIR(p2, p6), _mm256_load_si256((const __m256i *)(const void *)(wv + 32))));
            D = _mm256_add_epi32(D, _mm256_madd_epi16(BTI_HQ_PAIR(p3, p7), _mm256_load_si256((const __m256i *)(const void *)(wv + 48))));
        }
        /* each lane of A..D: [R G B 0] of one pixel */
        if (o) {
            __m256i ab = _mm256_packs_epi32(_mm256_srai_epi32(_mm256_add_epi32(A, half), 22), _mm256_srai_epi32(_mm256_add_epi32(B, half), 22));
            __m256i cd = _mm256_packs_epi32(_mm256_srai_epi32(_mm256_add_epi32(Cv, half), 22), _mm256_srai_epi32(_mm256_add_epi32(D, half), 22));
            /* bytes [x x+1 x+2 x+3 | x+4 .. x+7], 4 each; to 3 each, 24 in a row */
            __m256i v = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(_mm256_packus_epi16(ab, cd), pick), pack);
            _mm_storeu_si128((__m128i *)(void *)(o + (size_t)x * 3), _mm256_castsi256_si128(v));
            _mm_storel_epi64((__m128i *)(void *)(o + (size_t)x * 3 + 16), _mm256_extracti128_si256(v, 1));
        } else {
            __m256 fa = _mm256_cvtepi32_ps(A), fb = _mm256_cvtepi32_ps(B), fc = _mm256_cvtepi32_ps(Cv), fd = _mm256_cvtepi32_ps(D);
            __m256d lo_ab = _mm256_castps_pd(_mm256_unpacklo_ps(fa, fb)), hi_ab = _mm256_castps_pd(_mm256_unpackhi_ps(fa, fb));
            __m256d lo_cd = _mm256_castps_pd(_mm256_unpacklo_ps(fc, fd)), hi_cd = _mm256_castps_pd(_mm256_unpackhi_ps(fc, fd));
            _mm256_storeu_ps(pr + x, _mm256_fmadd_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(lo_ab, lo_cd)), s0, b0));
            _mm256_storeu_ps(pg + x, _mm256_fmadd_ps(_mm256_castpd_ps(_mm256_unpackhi_pd(lo_ab, lo_cd)), s1, b1));
            _mm256_storeu_ps(pb + x, _mm256_fmadd_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(hi_ab, hi_cd)), s2, b2));
        }
    }
#undef BTI_HQ_PAIR
    return x;
}
#endif
static void bti_ld_vpass(int avx2, const unsigned char *s0, size_t rowb, const float *wy, int ny, float *tmp, size_t span) {
    size_t j = 0;
    int k;
#ifdef BTI_SSE2
    {
        short wq[1024 + 2];
        int sum = 0, big = 0, nq = ny < 1024 ? ny : 1024;
        const __m128i zero = _mm_setzero_si128();
        const __m128 inv = _mm_set1_ps(1.0f / 16384.0f);
        wq[0] = 0;
        for (k = 0; k < nq; k++) {
            wq[k] = (short)lrintf(wy[k] * 16384.0f);
            sum += wq[k];
            if (wq[k] > wq[big]) big = k;
        }
        wq[big] = (short)(wq[big] + (16384 - sum));   /* exact sum: flat areas stay flat */
        wq[nq] = 0;
        (void)avx2;
#ifdef BTI_AVX2
        if (nq == ny && avx2) j = bti_ld_vpass_avx2(s0, rowb, wq, ny, tmp, span);
#endif
        if (nq == ny) {
            for (; j + 16 <= span; j += 16) {
                __m128i a0 = zero, a1 = zero, a2 = zero, a3 = zero;
                const unsigned char *s = s0 + j;
                for (k = 0; k < ny; k += 2, s += 2 * rowb) {
                    __m128i r0 = _mm_loadu_si128((const __m128i *)(const void *)s);
                    __m128i r1 = k + 1 < ny ? _mm_loadu_si128((const __m128i *)(const void *)(s + rowb)) : zero;
                    __m128i w = _mm_set1_epi32((int)(((unsigned)(unsigned short)wq[k + 1] << 16) | (unsigned short)wq[k]));
                    __m128i l0 = _mm_unpacklo_epi8(r0, zero), h0 = _mm_unpackhi_epi8(r0, zero);
                    __m128i l1 = _mm_unpacklo_epi8(r1, zero), h1 = _mm_unpackhi_epi8(r1, zero);
                    a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_unpacklo_epi16(l0, l1), w));
                    a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_unpackhi_epi16(l0, l1), w));
                    a2 = _mm_add_epi32(a2, _mm_madd_epi16(_mm_unpacklo_epi16(h0, h1), w));
                    a3 = _mm_add_epi32(a3, _mm_madd_epi16(_mm_unpackhi_epi16(h0, h1), w));
                }
                _mm_storeu_ps(tmp + j, _mm_mul_ps(_mm_cvtepi32_ps(a0), inv));
                _mm_storeu_ps(tmp + j + 4, _mm_mul_ps(_mm_cvtepi32_ps(a1), inv));
                _mm_storeu_ps(tmp + j + 8, _mm_mul_ps(_mm_cvtepi32_ps(a2), inv));
                _mm_storeu_ps(tmp + j + 12, _mm_mul_ps(_mm_cvtepi32_ps(a3), inv));
            }
        }
    }
#else
    (void)avx2;
#endif
    for (; j < span; j++) {
        float a = 0;
        const unsigned char *s = s0 + j;
        for (k = 0; k < ny; k++, s += rowb) a += wy[k] * (float)s[0];
        tmp[j] = a;
    }
}

/* weights w[0..n) (>= 0, summing to about 1) to integers summing to exactly `one`: each is
   the step of the rounded running sum, so every prefix is off by at most half a unit and
   flat areas stay flat; capped at `cap` (only a lone weight of 1 reaches `one`) */
static void bti_ld_qweights(const float *w, int n, int one, int cap, int *out) {
    double tot = 0, cum = 0;
    long prev = 0, r;
    int k;
    for (k = 0; k < n; k++) tot += w[k];
    tot = tot > 0 ? one / tot : 0;
    for (k = 0; k < n; k++) {
        cum += w[k];
        r = tot > 0 ? (k == n - 1 ? one : (long)(cum * tot + 0.5)) : 0;
        out[k] = (int)(r - prev < cap ? r - prev : cap);
        prev = r;
    }
}
/* the fixed-point vertical pass in portable C, from column j on (bti_ld_vpassq_avx2) */
static void bti_ld_vpassq_c(const unsigned char *s0, size_t rowb, const unsigned short *wq, int ny, short *tmp, size_t j, size_t span) {
    const unsigned bias = (unsigned)(ny / 2 < 127 ? ny / 2 : 127);
    int k;
    for (; j < span; j++) {
        unsigned a = bias;
        const unsigned char *s = s0 + j;
        for (k = 0; k < ny; k++, s += rowb) a += (((unsigned)s[0] << 8) * wq[k]) >> 16;
        tmp[j] = (short)(((a & 0xFFFFu) + 1) >> 1);
    }
}
/* one output pixel of the fixed-point horizontal pass in portable C (bti_ld_hpassq_avx2) */
static short *bti_ld_hq_at(short *hq, int np, int x) {   /* pixel x's first weight (layout: bti_ld_hpassq_avx2) */
    return hq + (size_t)(x >> 3) * (size_t)np * 64 + (size_t)(x & 3) * 16 + (size_t)((x >> 2) & 1) * 8;
}
static void bti_ld_hpassq_px(const short *p, short *hq, int np, int x, long *a) {
    const short *wv = bti_ld_hq_at(hq, np, x);
    int k;
    a[0] = a[1] = a[2] = 0;
    for (k = 0; k < 2 * np; k++) {
        const long wk = wv[(k >> 1) * 64 + (k & 1)];
        a[0] += wk * p[3 * k]; a[1] += wk * p[3 * k + 1]; a[2] += wk * p[3 * k + 2];
    }
}

/* The fixed-point transform (the default where the CPU has AVX2+FMA; `simd` 0 runs the same
   arithmetic in portable C, which the tests compare against): vertical weights in Q16, rows
   filtered into Q7 int16, horizontal weights in Q15, sums in int32, one conversion at the
   end (float with scale * 2^-22, or bytes rounded half up). Every output column has nx > 0
   taps. Against the float path: within 0.02/255 on photos, at most ~0.1/255 on noise
   images at extreme downscales (tests/test_loader.c). */
static bt_status bti_ld_transform_q(bti_ld_worker *W, const unsigned char *rgb, size_t rowb, int cx0, size_t span, int nx,
                                    int simd, unsigned char *dst, char *err, size_t err_len) {
    const bt_loader *L = W->L;
    const int C = L->d.crop, np = (nx + 1) / 2, groups = (C + 7) / 8, vn = W->vt.nmax > 0 ? W->vt.nmax : 1;
    const size_t plane = (size_t)C * (size_t)C, hqn = (size_t)groups * (size_t)np * 64;
    const size_t vqb = ((size_t)C * (size_t)vn * sizeof(unsigned short) + 15) & ~(size_t)15;
    const float q = 1.0f / 4194304.0f;
    const float sc[3] = {L->scale[0] * q, L->scale[1] * q, L->scale[2] * q};
    unsigned short *vq;
    short *hq, *tmp;
    int *qi, *off, x, y, k, r;
    /* vqraw: vertical weights, then scratch for one row of weights, then each column's offset */
    if (!bti_grow(&W->vqraw, &W->vqcap, vqb + (size_t)(vn > 2 * np ? vn : 2 * np) * sizeof(int) + (size_t)C * sizeof(int))
        || !bti_grow(&W->hqraw, &W->hqcap, hqn * sizeof(short) + 32)
        || !bti_grow((void **)&W->qtmp, &W->qcap, (span + 16) * sizeof(short))) {
        bti_fmt(err, err_len, "out of memory"); return BT_E_NOMEM;
    }
    (void)simd;
    vq = (unsigned short *)W->vqraw;
    qi = (int *)(void *)((unsigned char *)W->vqraw + vqb);
    off = qi + (vn > 2 * np ? vn : 2 * np);
    hq = (short *)(void *)((unsigned char *)W->hqraw + (32 - ((uintptr_t)W->hqraw & 31)) % 32);
    tmp = W->qtmp;
    for (k = 0; k < 16; k++) tmp[span + (size_t)k] = 0;
    for (y = 0; y < C && !W->qmade; y++) {
        const int ny = W->vt.n[y];
        bti_ld_qweights(W->vt.w + (size_t)y * (size_t)W->vt.maxn, ny, 65536, 65535, qi);
        for (k = 0; k < ny; k++) vq[(size_t)y * (size_t)vn + (size_t)k] = (unsigned short)qi[k];
    }
    if (!W->qmade) memset(hq, 0, hqn * sizeof(short));
    for (x = 0; x < C && !W->qmade; x++) {
        short *wv = bti_ld_hq_at(hq, np, x);
        bti_ld_qweights(W->ht.w + (size_t)x * (size_t)W->ht.maxn, nx, 32768, 32767, qi);
        for (k = 0; k < nx; k++)
            for (r = 0; r < 4; r++) wv[(k >> 1) * 64 + (k & 1) + 2 * r] = (short)qi[k];
        off[x] = (W->ht.start[x] - cx0) * 3;
    }
    W->qmade = 1;
    for (y = 0; y < C; y++) {
        const int ny = W->vt.n[y];
        size_t j = 0;
        float *pr = NULL, *pg = NULL, *pb = NULL;
        unsigned char *o = NULL;
        if (ny == 0) memset(tmp, 0, span * sizeof(short));
        else {
            const unsigned char *s0 = rgb + (size_t)W->vt.start[y] * rowb + (size_t)cx0 * 3;
            const unsigned short *wy = vq + (size_t)y * (size_t)vn;
#ifdef BTI_AVX2
            if (simd) j = bti_ld_vpassq_avx2(s0, rowb, wy, ny, tmp, span);
#endif
            bti_ld_vpassq_c(s0, rowb, wy, ny, tmp, j, span);
        }
        if (L->d.layout == BT_LAYOUT_NHWC_U8) o = dst + (size_t)y * (size_t)C * 3;
        else { pr = (float *)(void *)dst + (size_t)y * (size_t)C; pg = pr + plane; pb = pg + plane; }
        x = 0;
#ifdef BTI_AVX2
        if (simd) x = bti_ld_hpassq_avx2(tmp, off, hq, np, C, L->scale, L->bias, pr, pg, pb, o);
#endif
        for (; x < C; x++) {
            long a[3];
            bti_ld_hpassq_px(tmp + off[x], hq, np, x, a);
            if (o) for (k = 0; k < 3; k++) { long v = (a[k] + (1L << 21)) >> 22; o[(size_t)x * 3 + (size_t)k] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v); }
            else { pr[x] = (float)a[0] * sc[0] + L->bias[0]; pg[x] = (float)a[1] * sc[1] + L->bias[1]; pb[x] = (float)a[2] * sc[2] + L->bias[2]; }
        }
    }
    return BT_OK;
}

static bt_status bti_ld_transform(bti_ld_worker *W, const unsigned char *rgb, int w, int h, unsigned char *dst,
                                  char *err, size_t err_len) {
    const bt_loader *L = W->L;
    const int C = L->d.crop;
    int nw, nh, top, left, cx0 = INT_MAX, cx1 = 0, x, y, k, mv, mh;
    size_t rowb = (size_t)w * 3, span;
    const size_t plane = (size_t)C * (size_t)C;
#ifdef BTI_SSE2
    float *w4 = NULL;
    int nx4;
#endif
#ifdef BTI_AVX2
    float *w8 = NULL;
#endif
    bti_resize_dims(w, h, L->d.resize, &nw, &nh);
    top = bti_crop_offset(nh, C);
    left = bti_crop_offset(nw, C);
    mv = bti_taps_make(&W->vt, h, nh, top, C);
    mh = mv ? bti_taps_make(&W->ht, w, nw, left, C) : 0;
    if (!mv || !mh) { W->qmade = 0; bti_fmt(err, err_len, "out of memory for filter taps"); return BT_E_NOMEM; }
    if (mv != 2 || mh != 2) W->qmade = 0;     /* an image of another size: new fixed-point weights */
    for (x = 0; x < C; x++) if (W->ht.n[x]) {
        if (W->ht.start[x] < cx0) cx0 = W->ht.start[x];
        if (W->ht.start[x] + W->ht.n[x] > cx1) cx1 = W->ht.start[x] + W->ht.n[x];
    }
    if (cx1 <= cx0) { cx0 = 0; cx1 = 1; }
    span = (size_t)(cx1 - cx0) * 3;
    if (L->fixed && W->ht.nmax > 0) {   /* fixed point when every column has the same taps */
        for (x = 0; x < C && W->ht.n[x] == W->ht.nmax; x++) { }
        if (x == C) return bti_ld_transform_q(W, rgb, rowb, cx0, span, W->ht.nmax, L->fixed == 1, dst, err, err_len);
    }
    if (!bti_grow((void **)&W->tmp, &W->tcap, (span + 4) * sizeof(float))) { bti_fmt(err, err_len, "out of memory"); return BT_E_NOMEM; }
    W->tmp[span] = W->tmp[span + 1] = W->tmp[span + 2] = W->tmp[span + 3] = 0;
#ifdef BTI_SSE2
    /* horizontal weights, each repeated in 4 lanes, when every column has the same count */
    nx4 = W->ht.nmax;
    for (x = 0; x < C; x++) if (W->ht.n[x] != nx4) nx4 = 0;
    if (nx4 > 0 && bti_grow((void **)&W->w4raw, &W->w4cap, ((size_t)C * (size_t)nx4 * 4 + 4) * sizeof(float))) {
        w4 = (float *)(void *)((unsigned char *)W->w4raw + (16 - ((uintptr_t)W->w4raw & 15)) % 16);
        for (x = 0; x < C; x++)
            for (k = 0; k < nx4; k++) {
                const float wk = W->ht.w[(size_t)x * (size_t)W->ht.maxn + (size_t)k];
                float *q = w4 + ((size_t)x * (size_t)nx4 + (size_t)k) * 4;
                q[0] = q[1] = q[2] = q[3] = wk;
            }
#ifdef BTI_AVX2
        /* pairs of pixels for the AVX2 pass: [x][k] and [x+1][k] side by side */
        if (L->avx2 && (C & 1) == 0 && bti_grow((void **)&W->w8raw, &W->w8cap, ((size_t)C * (size_t)nx4 * 4 + 8) * sizeof(float))) {
            w8 = (float *)(void *)((unsigned char *)W->w8raw + (32 - ((uintptr_t)W->w8raw & 31)) % 32);
            for (x = 0; x < C; x += 2)
                for (k = 0; k < nx4; k++) {
                    memcpy(w8 + ((size_t)x * (size_t)nx4 + (size_t)k * 2) * 4, w4 + ((size_t)x * (size_t)nx4 + (size_t)k) * 4, 4 * sizeof(float));
                    memcpy(w8 + ((size_t)x * (size_t)nx4 + (size_t)k * 2) * 4 + 4, w4 + ((size_t)(x + 1) * (size_t)nx4 + (size_t)k) * 4, 4 * sizeof(float));
                }
        }
#endif
    }
#endif
    for (y = 0; y < C; y++) {
        float *tmp = W->tmp;
        const int ny = W->vt.n[y];
        if (ny == 0) memset(tmp, 0, span * sizeof(float));
        else bti_ld_vpass(L->avx2, rgb + (size_t)W->vt.start[y] * rowb + (size_t)cx0 * 3, rowb,
                          W->vt.w + (size_t)y * (size_t)W->vt.maxn, ny, tmp, span);
#ifdef BTI_SSE2
        if (w4) {                       /* every column has nx4 taps */
            const __m128 *wv = (const __m128 *)(const void *)w4;
            if (L->d.layout == BT_LAYOUT_NCHW_F32) {
                float *pr = (float *)(void *)dst + (size_t)y * (size_t)C, *pg = pr + plane, *pb = pg + plane;
                const __m128 sc = _mm_setr_ps(L->scale[0], L->scale[1], L->scale[2], 0);
                const __m128 bi = _mm_setr_ps(L->bias[0], L->bias[1], L->bias[2], 0);
                x = 0;
#ifdef BTI_AVX2
                if (w8) {
                    x = bti_ld_hpass_avx2(tmp, W->ht.start, cx0, w8, nx4, C, L->scale, L->bias, pr, pg, pb);
                    wv += (size_t)x * (size_t)nx4;
                }
#endif
                for (; x < C; x++, wv += nx4) {
                    const float *p = tmp + (size_t)(W->ht.start[x] - cx0) * 3;
                    __m128 acc = _mm_mul_ps(_mm_loadu_ps(p), wv[0]);
                    for (k = 1; k < nx4; k++) acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(p + 3 * k), wv[k]));
                    acc = _mm_add_ps(_mm_mul_ps(acc, sc), bi);
                    _mm_store_ss(pr + x, acc);
                    _mm_store_ss(pg + x, _mm_shuffle_ps(acc, acc, _MM_SHUFFLE(1, 1, 1, 1)));
                    _mm_store_ss(pb + x, _mm_shuffle_ps(acc, acc, _MM_SHUFFLE(2, 2, 2, 2)));
                }
            } else {
                unsigned char *o = dst + (size_t)y * (size_t)C * 3;
                const __m128 lo = _mm_setzero_ps(), hi = _mm_set1_ps(255.0f), half = _mm_set1_ps(0.5f);
                for (x = 0; x < C; x++, wv += nx4, o += 3) {
                    const float *p = tmp + (size_t)(W->ht.start[x] - cx0) * 3;
                    __m128 acc = _mm_mul_ps(_mm_loadu_ps(p), wv[0]);
                    __m128i q;
                    int v;
                    for (k = 1; k < nx4; k++) acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(p + 3 * k), wv[k]));
                    q = _mm_cvttps_epi32(_mm_min_ps(_mm_max_ps(_mm_add_ps(acc, half), lo), hi));
                    v = _mm_cvtsi128_si32(q); o[0] = (unsigned char)v;
                    v = _mm_cvtsi128_si32(_mm_srli_si128(q, 4)); o[1] = (unsigned char)v;
                    v = _mm_cvtsi128_si32(_mm_srli_si128(q, 8)); o[2] = (unsigned char)v;
                }
            }
            continue;
        }
#endif
        for (x = 0; x < C; x++) {
            const int nx = W->ht.n[x];
            const float *p = tmp + (size_t)(W->ht.start[x] - cx0) * 3, *wx = W->ht.w + (size_t)x * (size_t)W->ht.maxn;
            float v[4];
            v[0] = v[1] = v[2] = 0;
            for (k = 0; k < nx; k++) { v[0] += wx[k] * p[3 * k]; v[1] += wx[k] * p[3 * k + 1]; v[2] += wx[k] * p[3 * k + 2]; }
            if (L->d.layout == BT_LAYOUT_NHWC_U8) {
                unsigned char *o = dst + ((size_t)y * (size_t)C + (size_t)x) * 3;
                for (k = 0; k < 3; k++) {
                    float r = v[k] + 0.5f;
                    o[k] = (unsigned char)(r <= 0 ? 0 : r >= 255 ? 255 : (int)r);
                }
            } else {
                float *pr = (float *)(void *)dst + (size_t)y * (size_t)C + (size_t)x;
                pr[0] = v[0] * L->scale[0] + L->bias[0];
                pr[plane] = v[1] * L->scale[1] + L->bias[1];
                pr[2 * plane] = v[2] * L->scale[2] + L->bias[2];
            }
        }
    }
    return BT_OK;
}

/* drops the file's cached pages (len 0: to its end); where the platform cannot, creation
   already refused `cold` */
static void bti_ld_cold(bti_file f, long long off, long long len) {
    if (len > 0) {                      /* whole pages only are dropped: widen to them */
        const long long pg = 4096, end = off + len;
        off -= off % pg;
        len = end - off + (pg - end % pg) % pg;
    }
    (void)bti_file_drop_cache(f, off, len);
}

/* one item into dst; returns BT_OK or the reason it is bad in err */
static bt_status bti_ld_item(bti_ld_worker *W, int64_t idx, unsigned char *dst, char *err, size_t err_len) {
    bt_loader *L = W->L;
    uint64_t t0 = bt_now_ns(), t1, t2;
    bt_status st;
    if (L->d.source == BT_SOURCE_RECORDS) {
        long long off = (long long)(L->rheader ? BT_RECORD_HEADER_BYTES : 0) + (long long)idx * (long long)L->rbytes;
        unsigned char *to = dst;
        size_t got = 0;
        if (L->rheader && L->d.layout == BT_LAYOUT_NCHW_F32) {
            if (!bti_grow((void **)&W->syn, &W->scap, L->rbytes)) { bti_fmt(err, err_len, "out of memory"); return BT_E_NOMEM; }
            to = W->syn;
        }
        while (got < L->rbytes) {
            long long r = bti_file_pread(L->rf, to + got, L->rbytes - got, off + (long long)got);
            if (r <= 0) { bti_fmt(err, err_len, r < 0 ? "read failed: %s" : "truncated record (%s)", r < 0 ? strerror(errno) : "end of file"); return BT_E_IO; }
            got += (size_t)r;
        }
        if (L->d.cold) bti_ld_cold(L->rf, off, (long long)L->rbytes);
        t1 = bt_now_ns();
        W->loc.read_s += (double)(t1 - t0) * 1e-9;
        if (to != dst) {
            const size_t plane = (size_t)L->rh * (size_t)L->rw, i0 = 0;
            float *p = (float *)(void *)dst;
            size_t i;
            int c;
            for (c = 0; c < 3; c++) {
                const float sc = L->scale[c], bi = L->bias[c];
                float *pc = p + (size_t)c * plane;
                for (i = i0; i < plane; i++) pc[i] = (float)to[i * 3 + (size_t)c] * sc + bi;
            }
            W->loc.transform_s += (double)(bt_now_ns() - t1) * 1e-9;
        }
        return BT_OK;
    }
    if (L->d.source == BT_SOURCE_SYNTHETIC) {
        int sw = L->d.synthetic_width, sh = L->d.synthetic_height;
        size_t n = (size_t)sw * (size_t)sh * 3, i;
        unsigned char v[3];
        v[0] = (unsigned char)((idx * 3) % 251); v[1] = (unsigned char)((idx * 7 + 1) % 251); v[2] = (unsigned char)((idx / 251) % 251);
        if (!bti_grow((void **)&W->syn, &W->scap, n)) { bti_fmt(err, err_len, "out of memory"); return BT_E_NOMEM; }
        for (i = 0; i < n; i += 3) { W->syn[i] = v[0]; W->syn[i + 1] = v[1]; W->syn[i + 2] = v[2]; }
        if (L->d.synthetic_item_s > 0) bti_sleep_ns((uint64_t)(L->d.synthetic_item_s * 1e9));
        t1 = bt_now_ns();
        W->loc.decode_s += (double)(t1 - t0) * 1e-9;
        st = bti_ld_transform(W, W->syn, sw, sh, dst, err, err_len);
        W->loc.transform_s += (double)(bt_now_ns() - t1) * 1e-9;
        return st;
    }
    {
        const char *path = L->paths[idx];
        long long fsize = 0;
        size_t got = 0, size;
        int w = 0, h = 0, regular = 0;
        unsigned char *rgb = NULL;
        bti_file fd = bti_file_open_read(path);
        if (fd == BTI_FILE_NONE) { bti_fmt(err, err_len, "cannot open: %s", strerror(errno)); return BT_E_IO; }
        if (bti_file_info(fd, &fsize, &regular) != 0 || !regular) { bti_file_close(fd); bti_fmt(err, err_len, "not a regular file"); return BT_E_IO; }
        if (fsize == 0) { bti_file_close(fd); bti_fmt(err, err_len, "empty file"); return BT_E_DECODE; }
        if ((int64_t)fsize > L->d.max_file_bytes) {
            bti_file_close(fd);
            bti_fmt(err, err_len, "file of %lld bytes exceeds the limit of %lld", fsize, (long long)L->d.max_file_bytes);
            return BT_E_INVALID;
        }
        size = (size_t)fsize;
        if (!bti_grow((void **)&W->fbuf, &W->fcap, size)) { bti_file_close(fd); bti_fmt(err, err_len, "out of memory for %zu bytes", size); return BT_E_NOMEM; }
        while (got < size) {
            long long r = bti_file_pread(fd, W->fbuf + got, size - got, (long long)got);
            if (r < 0) { bti_fmt(err, err_len, "read failed: %s", strerror(errno)); bti_file_close(fd); return BT_E_IO; }
            if (r == 0) break;                  /* shrank while reading: decode what is there */
            got += (size_t)r;
        }
        if (L->d.cold) bti_ld_cold(fd, 0, 0);
        bti_file_close(fd);
        t1 = bt_now_ns();
        W->loc.read_s += (double)(t1 - t0) * 1e-9;
        if (got == 0) { bti_fmt(err, err_len, "empty file"); return BT_E_DECODE; }
        if (L->d.decoder.info) {
            if (L->d.decoder.info(L->d.decoder.user, W->fbuf, got, &w, &h) != BT_OK) {
                bti_fmt(err, err_len, "not an image the decoder knows (or a corrupt header)");
                W->loc.decode_s += (double)(bt_now_ns() - t1) * 1e-9;
                return BT_E_DECODE;
            }
            if (w <= 0 || h <= 0 || w > L->d.max_side || h > L->d.max_side || (int64_t)w * h > L->d.max_pixels) {
                bti_fmt(err, err_len, "image %dx%d exceeds the limits (side %d, %lld pixels)", w, h, L->d.max_side, (long long)L->d.max_pixels);
                return BT_E_INVALID;
            }
        }
        st = L->d.decoder.decode(L->d.decoder.user, W->fbuf, got, &w, &h, &rgb, err, err_len);
        t2 = bt_now_ns();
        W->loc.decode_s += (double)(t2 - t1) * 1e-9;
        if (st != BT_OK || !rgb) { if (rgb && L->d.decoder.release) L->d.decoder.release(L->d.decoder.user, rgb); return st != BT_OK ? st : BT_E_DECODE; }
        if (w <= 0 || h <= 0 || w > L->d.max_side || h > L->d.max_side || (int64_t)w * h > L->d.max_pixels) {
            bti_fmt(err, err_len, "image %dx%d exceeds the limits (side %d, %lld pixels)", w, h, L->d.max_side, (long long)L->d.max_pixels);
            st = BT_E_INVALID;
        } else {
            st = bti_ld_transform(W, rgb, w, h, dst, err, err_len);
        }
        if (L->d.decoder.release) L->d.decoder.release(L->d.decoder.user, rgb);
        W->loc.transform_s += (double)(bt_now_ns() - t2) * 1e-9;
        return st;
    }
}

/* move the good items of a finished batch to the front (no holes, nothing half written) */
static void bti_ld_compact(bt_loader *L, bti_ld_slot *s) {
    int i, j = 0;
    for (i = 0; i < s->count; i++) {
        if (!s->ok[i]) continue;
        if (i != j) {
            memmove(s->buf + (size_t)j * L->item_bytes, s->buf + (size_t)i * L->item_bytes, L->item_bytes);
            s->src[j] = s->src[i];
        }
        j++;
    }
}

static void bti_ld_main(void *arg) {
    bti_ld_worker *W = (bti_ld_worker *)arg;
    bt_loader *L = W->L;
    char err[512];
    if (L->d.pin_workers) (void)bti_thread_pin_self(W->id);   /* where threads cannot be pinned (macOS): unpinned */
    bti_mutex_lock(&L->mu);
    for (;;) {
        int64_t b, idx;
        int pos, cold;
        bti_ld_slot *s;
        bt_status st;
        uint64_t ti;
        if (L->stop || L->failed || L->cur_batch >= L->total_batches) break;
        if (L->cur_batch >= L->released + L->d.depth) {
            ti = bt_now_ns();
            bti_cond_wait(&L->cv_space, &L->mu);
            W->loc.idle_s += (double)(bt_now_ns() - ti) * 1e-9;
            W->st = W->loc;
            continue;
        }
        b = L->cur_batch;
        s = &L->slots[b % L->d.depth];
        if (s->batch != b) {
            s->batch = b; s->count = bti_ld_batch_count(L, b);
            s->done = 0; s->nbad = 0; s->ready = 0;
        }
        pos = L->cur_pos++;
        if (L->cur_pos >= s->count) { L->cur_batch++; L->cur_pos = 0; }
        cold = !s->warm && !L->d.allocator.alloc;
        bti_mutex_unlock(&L->mu);

        /* the first batches write fresh pages: faulting them in with one call is cheaper than
           a fault per page (about 10 % of an item's time here) */
        if (cold) (void)bti_mem_prefault(s->buf + (size_t)pos * L->item_bytes, L->item_bytes);
        idx = bti_ld_source_index(L, b, pos);
        s->src[pos] = idx;
        err[0] = 0;
        st = bti_ld_item(W, idx, s->buf + (size_t)pos * L->item_bytes, err, sizeof err);
        s->ok[pos] = (unsigned char)(st == BT_OK);

        bti_mutex_lock(&L->mu);
        W->loc.items++;
        if (st != BT_OK) W->loc.bad_items++;
        W->st = W->loc;
        if (st != BT_OK) {
            s->nbad++;
            bti_ld_add_bad(L, idx, err);
            if (L->d.bad_policy == BT_BAD_FAIL && (!L->failed || b < L->fail_batch)) {
                char name[512];
                L->failed = 1; L->fail_batch = b; L->fail_status = st;
                bti_fmt(L->err, sizeof L->err, "%s: %s", bt_loader_item_name(L, (size_t)idx, name, sizeof name), err);
                bti_cond_broadcast(&L->cv_ready);
                bti_cond_broadcast(&L->cv_space);
            }
        }
        if (++s->done == s->count) {
            if (s->nbad) {                      /* the slot is ours alone until ready */
                bti_mutex_unlock(&L->mu);
                bti_ld_compact(L, s);
                bti_mutex_lock(&L->mu);
            }
            s->ready = 1;
            s->warm = 1;
            bti_cond_broadcast(&L->cv_ready);
        }
    }
    bti_cond_broadcast(&L->cv_space);
    bti_mutex_unlock(&L->mu);
}

static int bti_cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

typedef struct bti_ld_lister { bt_loader *L; const char *dir; size_t cap; int oom; } bti_ld_lister;
static int bti_ld_list_one(const char *name, int kind, void *user) {
    bti_ld_lister *ls = (bti_ld_lister *)user;
    bt_loader *L = ls->L;
    size_t n;
    char *p;
    if (name[0] == '.' || kind == BTI_DIRENT_OTHER) return 0;
    n = strlen(ls->dir) + strlen(name) + 2;
    p = (char *)bti_malloc(n);
    if (!p) { ls->oom = 1; return 1; }
    bti_fmt(p, n, "%s/%s", ls->dir, name);
    /* links and unknown kinds: ask the file system (no stat per file otherwise) */
    if (kind != BTI_DIRENT_FILE && !bti_is_regular_file(p)) { bti_free(p); return 0; }
    if (L->npaths == ls->cap) {
        size_t nc = ls->cap ? ls->cap * 2 : 256;
        char **np = (char **)bti_realloc(L->paths, nc * sizeof *np);
        if (!np) { bti_free(p); ls->oom = 1; return 1; }
        L->paths = np; ls->cap = nc;
    }
    L->paths[L->npaths++] = p;
    return 0;
}
static bt_status bti_ld_list_dir(bt_loader *L, const char *dir) {
    bti_ld_lister ls;
    ls.L = L; ls.dir = dir; ls.cap = 0; ls.oom = 0;
    if (bti_dir_each(dir, bti_ld_list_one, &ls) != 0) {
        bti_fmt(L->err, sizeof L->err, "cannot open folder %s: %s", dir, strerror(errno));
        return BT_E_IO;
    }
    if (ls.oom) return BT_E_NOMEM;
    if (L->npaths) qsort(L->paths, L->npaths, sizeof *L->paths, bti_cmp_str);
    return BT_OK;
}

static void bti_ld_free(bt_loader *L) {
    size_t i;
    int k;
    if (!L) return;
    if (L->slots) {
        for (k = 0; k < L->d.depth; k++) {
            bti_ld_slot *s = &L->slots[k];
            if (s->raw) {
                if (L->d.allocator.alloc) {
                    if (L->d.allocator.release) L->d.allocator.release(L->d.allocator.user, s->raw, L->item_bytes * (size_t)L->d.batch);
                } else bti_free(s->raw);
            }
            bti_free(s->ok); bti_free(s->src);
        }
        bti_free(L->slots);
    }
    if (L->w) {
        for (k = 0; k < L->nworkers; k++) {
            bti_free(L->w[k].fbuf); bti_free(L->w[k].tmp); bti_free(L->w[k].syn); bti_free(L->w[k].w4raw); bti_free(L->w[k].w8raw);
            bti_free(L->w[k].qtmp); bti_free(L->w[k].vqraw); bti_free(L->w[k].hqraw);
            bti_taps_free(&L->w[k].vt); bti_taps_free(&L->w[k].ht);
        }
        bti_free(L->w);
    }
    for (i = 0; i < L->npaths; i++) bti_free(L->paths[i]);
    bti_free(L->paths);
    for (i = 0; i < L->nbad; i++) { bti_free(L->bad[i].name); bti_free(L->bad[i].reason); }
    bti_free(L->bad);
    bti_free(L->waits);
    bti_file_close(L->rf);
    bti_mutex_destroy(&L->mu);
    bti_cond_destroy(&L->cv_space);
    bti_cond_destroy(&L->cv_ready);
    bti_free(L);
}

BTI_DEF void bt_loader_destroy(bt_loader *L) {
    int k;
    if (!L) return;
    bti_mutex_lock(&L->mu);
    L->stop = 1;
    bti_cond_broadcast(&L->cv_space);
    bti_cond_broadcast(&L->cv_ready);
    bti_mutex_unlock(&L->mu);
    for (k = 0; k < L->nworkers; k++) if (L->w[k].started) bti_thread_join(L->w[k].th);
    bti_ld_free(L);
}

static bt_status bti_ld_open_records(bt_loader *L) {
    long long fsize = 0;
    int regular = 0;
    unsigned char h[BT_RECORD_HEADER_BYTES];
    long long r;
    const char *path = L->d.records_path;
    L->rf = bti_file_open_read(path);
    if (L->rf == BTI_FILE_NONE) { bti_fmt(L->err, sizeof L->err, "cannot open record file %s: %s", path, strerror(errno)); return BT_E_IO; }
    if (bti_file_info(L->rf, &fsize, &regular) != 0) { bti_fmt(L->err, sizeof L->err, "cannot stat %s", path); return BT_E_IO; }
    r = bti_file_pread(L->rf, h, sizeof h, 0);
    if (r == (long long)sizeof h && memcmp(h, BT_RECORD_MAGIC, 8) == 0) {
        uint32_t u[8]; uint64_t cnt, rb;
        memcpy(&cnt, h + 16, 8); memcpy(&rb, h + 24, 8); memcpy(u, h + 32, 16);
        if (u[2] != 3 || u[3] != 0 || u[0] == 0 || u[1] == 0 || u[0] > 65536 || u[1] > 65536 || rb != (uint64_t)u[0] * u[1] * 3) {
            bti_fmt(L->err, sizeof L->err, "%s: unsupported record header (%ux%ux%u dtype %u, %llu bytes)", path, u[1], u[0], u[2], u[3], (unsigned long long)rb);
            return BT_E_PARSE;
        }
        if ((uint64_t)fsize < BT_RECORD_HEADER_BYTES || cnt > ((uint64_t)fsize - BT_RECORD_HEADER_BYTES) / rb) { /* no cnt * rb: it can wrap (fuzz_records) */
            bti_fmt(L->err, sizeof L->err, "%s: header says %llu records of %llu bytes but the file has %lld bytes",
                    path, (unsigned long long)cnt, (unsigned long long)rb, fsize);
            return BT_E_PARSE;
        }
        L->rheader = 1; L->rh = (int)u[0]; L->rw = (int)u[1];
        L->rbytes = (size_t)rb; L->nitems = (size_t)cnt;
        L->out_h = L->rh; L->out_w = L->rw; L->out_c = 3;
        L->item_bytes = L->rbytes * (L->d.layout == BT_LAYOUT_NCHW_F32 ? sizeof(float) : 1);
    } else {
        if (!L->d.record_bytes) {
            bti_fmt(L->err, sizeof L->err, "%s has no batchtune record header: set record_bytes to read it as raw records", path);
            return BT_E_INVALID;
        }
        L->rbytes = L->d.record_bytes;
        L->nitems = (size_t)fsize / L->rbytes;
        L->out_h = 1; L->out_w = (int)L->rbytes; L->out_c = 1;
        L->item_bytes = L->rbytes;
    }
    if (L->d.cold) bti_ld_cold(L->rf, 0, 0);
    return BT_OK;
}

BTI_DEF bt_loader *bt_loader_create(const bt_loader_desc *desc, bt_status *stp, char *err, size_t err_len) {
    bt_loader *L;
    bt_status st = BT_OK;
    int k, c;
    uint64_t t0 = bt_now_ns();
    L = (bt_loader *)bti_calloc(1, sizeof *L);
    if (!L) { if (stp) *stp = BT_E_NOMEM; bti_fmt(err, err_len, "out of memory"); return NULL; }
    L->t_create = t0;
    L->d = bt_loader_desc_defaults(desc);
#ifdef BTI_AVX2
    L->avx2 = bti_cpu_avx2();
    L->fixed = L->avx2;
#endif
    L->rf = BTI_FILE_NONE;
    L->held = -1;
    L->first_batch_s = NAN;
    bti_mutex_init(&L->mu);
    bti_cond_init(&L->cv_space);
    bti_cond_init(&L->cv_ready);
    for (c = 0; c < 3; c++) {
        L->scale[c] = L->d.no_normalize ? 1.0f / 255.0f : 1.0f / (255.0f * L->d.std[c]);
        L->bias[c] = L->d.no_normalize ? 0.0f : -L->d.mean[c] / L->d.std[c];
    }
    if (L->d.layout != BT_LAYOUT_NCHW_F32 && L->d.layout != BT_LAYOUT_NHWC_U8) { bti_fmt(L->err, sizeof L->err, "unknown layout %d", (int)L->d.layout); st = BT_E_INVALID; goto fail; }
    if (L->d.crop > 65536 || L->d.resize > 65536 || L->d.batch > (1 << 24)) { bti_fmt(L->err, sizeof L->err, "crop %d, resize %d or batch %d too large", L->d.crop, L->d.resize, L->d.batch); st = BT_E_INVALID; goto fail; }
    if (L->d.cold && bti_file_drop_cache(BTI_FILE_NONE, 0, 0) != 0 && errno == ENOSYS) {
        bti_fmt(L->err, sizeof L->err, "page-cache eviction (cold) is not supported on this platform (" BTI_PLATFORM_NAME ")");
        st = BT_E_UNSUPPORTED; goto fail;
    }
    L->out_h = L->out_w = L->d.crop; L->out_c = 3;
    L->item_bytes = (size_t)L->d.crop * (size_t)L->d.crop * 3 * (L->d.layout == BT_LAYOUT_NCHW_F32 ? sizeof(float) : 1);
    if (L->d.source == BT_SOURCE_IMAGES) {
        if (L->d.dir) {
            st = bti_ld_list_dir(L, L->d.dir);
            if (st != BT_OK) goto fail;
        } else if (L->d.paths) {
            size_t i;
            L->paths = (char **)bti_calloc(L->d.num_paths, sizeof(char *));
            if (!L->paths) { st = BT_E_NOMEM; goto fail; }
            for (i = 0; i < L->d.num_paths; i++) {
                L->paths[i] = bti_strdup(L->d.paths[i] ? L->d.paths[i] : "");
                if (!L->paths[i]) { st = BT_E_NOMEM; goto fail; }
                L->npaths++;
            }
        } else { bti_fmt(L->err, sizeof L->err, "image source needs dir or paths"); st = BT_E_INVALID; goto fail; }
        L->nitems = L->npaths;
        if (L->d.cold) {
            size_t i;
            for (i = 0; i < L->npaths; i++) {
                bti_file fd = bti_file_open_read(L->paths[i]);
                if (fd != BTI_FILE_NONE) { bti_ld_cold(fd, 0, 0); bti_file_close(fd); }
            }
        }
    } else if (L->d.source == BT_SOURCE_RECORDS) {
        if (!L->d.records_path) { bti_fmt(L->err, sizeof L->err, "record source needs records_path"); st = BT_E_INVALID; goto fail; }
        st = bti_ld_open_records(L);
        if (st != BT_OK) goto fail;
    } else if (L->d.source == BT_SOURCE_SYNTHETIC) {
        L->nitems = L->d.synthetic_items;
    } else { bti_fmt(L->err, sizeof L->err, "unknown source kind %d", (int)L->d.source); st = BT_E_INVALID; goto fail; }
    if (L->nitems == 0) {
        bti_fmt(L->err, sizeof L->err, "the source has no items (%s)", L->d.dir ? L->d.dir : L->d.records_path ? L->d.records_path : "list");
        st = BT_E_NOT_FOUND; goto fail;
    }
    L->per_epoch = L->d.drop_last ? (int64_t)(L->nitems / (size_t)L->d.batch) : (int64_t)((L->nitems + (size_t)L->d.batch - 1) / (size_t)L->d.batch);
    L->total_batches = L->per_epoch * L->d.epochs;
    if (L->per_epoch == 0) L->per_epoch = 1;     /* drop_last with fewer items than a batch: nothing */

    L->slots = (bti_ld_slot *)bti_calloc((size_t)L->d.depth, sizeof *L->slots);
    if (!L->slots) { st = BT_E_NOMEM; goto fail; }
    for (k = 0; k < L->d.depth; k++) {
        bti_ld_slot *s = &L->slots[k];
        size_t bytes = L->item_bytes * (size_t)L->d.batch;
        s->batch = -1;
        if (L->d.allocator.alloc) {
            s->raw = (unsigned char *)L->d.allocator.alloc(L->d.allocator.user, bytes);
            s->buf = s->raw;
        } else {
            s->raw = (unsigned char *)bti_malloc(bytes + 64);
            s->buf = s->raw ? s->raw + (64 - ((uintptr_t)s->raw & 63)) % 64 : NULL;
        }
        s->ok = (unsigned char *)bti_calloc((size_t)L->d.batch, 1);
        s->src = (int64_t *)bti_calloc((size_t)L->d.batch, sizeof(int64_t));
        if (!s->buf || !s->ok || !s->src) {
            bti_fmt(L->err, sizeof L->err, "cannot allocate %d batch buffers of %zu bytes", L->d.depth, bytes);
            st = BT_E_NOMEM; goto fail;
        }
    }
    L->nworkers = L->d.workers;
    L->w = (bti_ld_worker *)bti_calloc((size_t)L->nworkers, sizeof *L->w);
    if (!L->w) { st = BT_E_NOMEM; goto fail; }
    for (k = 0; k < L->nworkers; k++) {
        L->w[k].L = L; L->w[k].id = k;
        if (bti_thread_create(&L->w[k].th, bti_ld_main, &L->w[k]) != 0) {
            bti_fmt(L->err, sizeof L->err, "cannot start worker thread %d", k);
            st = BT_E_NOMEM; goto fail;
        }
        L->w[k].started = 1;
    }
    if (stp) *stp = BT_OK;
    return L;
fail:
    if (stp) *stp = st;
    bti_fmt(err, err_len, "%s", L->err[0] ? L->err : bt_status_str(st));
    bt_loader_destroy(L);
    return NULL;
}

BTI_DEF void bt_loader_release(bt_loader *L, bt_batch *b) {
    if (!L || L->held < 0) return;
    bti_mutex_lock(&L->mu);
    L->released = L->held + 1;
    L->held = -1;
    bti_cond_broadcast(&L->cv_space);
    bti_mutex_unlock(&L->mu);
    if (b) { b->data = NULL; b->items = 0; }
}

BTI_DEF bt_status bt_loader_next(bt_loader *L, bt_batch *out) {
    uint64_t t0 = bt_now_ns();
    if (!L || !out) return BT_E_INVALID;
    bt_loader_release(L, NULL);
    memset(out, 0, sizeof *out);
    for (;;) {
        int64_t b = L->next_batch;
        bti_ld_slot *s;
        if (b >= L->total_batches) {
            out->index = b;
            return L->failed ? L->fail_status : BT_OK;
        }
        s = &L->slots[b % L->d.depth];
        bti_mutex_lock(&L->mu);
        while (!(s->batch == b && s->ready) && !(L->failed && b >= L->fail_batch) && !L->stop)
            bti_cond_wait(&L->cv_ready, &L->mu);
        if (L->failed && b >= L->fail_batch) { bti_mutex_unlock(&L->mu); return L->fail_status; }
        bti_mutex_unlock(&L->mu);
        L->next_batch++;
        L->held = b;
        if (s->count - s->nbad == 0) { bt_loader_release(L, NULL); continue; }  /* all bad */
        {
            uint64_t t1 = bt_now_ns();
            double w = (double)(t1 - t0) * 1e-9;
            out->data = s->buf;
            out->items = s->count - s->nbad;
            out->skipped = s->nbad;
            out->item_bytes = L->item_bytes;
            out->index = b;
            out->epoch = (int)(b / L->per_epoch);
            out->source_index = s->src;
            out->height = L->out_h; out->width = L->out_w; out->channels = L->out_c;
            out->layout = L->d.layout;
            out->wait_s = w;
            if (L->nwaits == L->capwaits) {
                size_t nc = L->capwaits ? L->capwaits * 2 : 64;
                double *nw = (double *)bti_realloc(L->waits, nc * sizeof *nw);
                if (nw) { L->waits = nw; L->capwaits = nc; }
            }
            if (L->nwaits < L->capwaits) L->waits[L->nwaits++] = w;
            L->t_last = t1;
            if (isnan(L->first_batch_s)) L->first_batch_s = (double)(t1 - L->t_create) * 1e-9;
            L->delivered_items += out->items;
            L->delivered_batches++;
            return BT_OK;
        }
    }
}

BTI_DEF void bt_loader_get_stats(const bt_loader *L, bt_loader_stats *o) {
    bt_loader *M = (bt_loader *)L;     /* the lock is not part of the observable state */
    int k;
    memset(o, 0, sizeof *o);
    if (!L) return;
    o->first_batch_s = L->first_batch_s;
    o->elapsed_s = L->t_last ? (double)(L->t_last - L->t_create) * 1e-9 : 0;
    o->batches = L->delivered_batches;
    o->items = L->delivered_items;
    o->items_per_s = o->elapsed_s > 0 ? (double)o->items / o->elapsed_s : 0;
    if (L->nwaits) {
        bt_stats ws;
        size_t i;
        for (i = 0; i < L->nwaits; i++) o->wait_s_total += L->waits[i];
        if (bt_stats_compute(L->waits, L->nwaits, &ws) == BT_OK) { o->wait_s_median = ws.median; o->wait_s_max = ws.max; }
    }
    bti_mutex_lock(&M->mu);
    o->bad_items = (int64_t)L->nbad;
    o->workers = L->nworkers;
    for (k = 0; k < L->nworkers && k < BT_LOADER_MAX_WORKERS; k++) o->worker[k] = L->w[k].st;
    bti_mutex_unlock(&M->mu);
}
BTI_DEF size_t bt_loader_num_bad(const bt_loader *L) {
    size_t n;
    bt_loader *M = (bt_loader *)L;
    if (!L) return 0;
    bti_mutex_lock(&M->mu); n = L->nbad; bti_mutex_unlock(&M->mu);
    return n;
}
BTI_DEF const char *bt_loader_bad_name(const bt_loader *L, size_t i) {
    const char *s = NULL;
    bt_loader *M = (bt_loader *)L;
    if (!L) return NULL;
    bti_mutex_lock(&M->mu); if (i < L->nbad) s = L->bad[i].name; bti_mutex_unlock(&M->mu);
    return s;
}
BTI_DEF const char *bt_loader_bad_reason(const bt_loader *L, size_t i) {
    const char *s = NULL;
    bt_loader *M = (bt_loader *)L;
    if (!L) return NULL;
    bti_mutex_lock(&M->mu); if (i < L->nbad) s = L->bad[i].reason; bti_mutex_unlock(&M->mu);
    return s;
}
BTI_DEF void bt_loader_fill_sample(const bt_loader *L, bt_sample *s) {
    bt_loader_stats st;
    if (!L || !s) return;
    bt_loader_get_stats(L, &st);
    if (!isnan(st.first_batch_s)) s->phase_s[BT_PHASE_FIRST_BATCH] = st.first_batch_s;
    s->phase_s[BT_PHASE_LOAD_WAIT] = st.wait_s_total;
}

BTI_DEF bt_status bt_pack(const bt_loader_desc *d, const char *out_path, int64_t *written, int64_t *bad,
                          char *err, size_t err_len) {
    bt_loader_desc dd;
    bt_loader *L;
    bt_status st;
    bt_batch b;
    char tmp[4096];
    unsigned char h[BT_RECORD_HEADER_BYTES];
    FILE *f;
    uint64_t count = 0, rb;
    uint32_t u[4];
    if (written) *written = 0;
    if (bad) *bad = 0;
    if (!d || !out_path || (d->source != BT_SOURCE_IMAGES && d->source != BT_SOURCE_SYNTHETIC)) {
        bti_fmt(err, err_len, "pack needs an image source and an output path"); return BT_E_INVALID;
    }
    dd = *d;
    dd.layout = BT_LAYOUT_NHWC_U8;
    dd.epochs = 1; dd.shuffle = 0; dd.drop_last = 0;
    L = bt_loader_create(&dd, &st, err, err_len);
    if (!L) return st;
    bti_fmt(tmp, sizeof tmp, "%s.tmp", out_path);
    f = fopen(tmp, "wb");
    if (!f) { bti_fmt(err, err_len, "cannot write %s: %s", tmp, strerror(errno)); bt_loader_destroy(L); return BT_E_IO; }
    memset(h, 0, sizeof h);
    rb = (uint64_t)L->item_bytes;
    u[0] = (uint32_t)L->out_h; u[1] = (uint32_t)L->out_w; u[2] = 3; u[3] = 0;
    memcpy(h, BT_RECORD_MAGIC, 8);
    { uint32_t hb = BT_RECORD_HEADER_BYTES, ver = 1; memcpy(h + 8, &hb, 4); memcpy(h + 12, &ver, 4); }
    memcpy(h + 24, &rb, 8); memcpy(h + 32, u, 16);
    st = fwrite(h, 1, sizeof h, f) == sizeof h ? BT_OK : BT_E_IO;
    while (st == BT_OK) {
        st = bt_loader_next(L, &b);
        if (st != BT_OK) { bti_fmt(err, err_len, "%s", bt_loader_error(L)); break; }
        if (b.items == 0) break;
        if (fwrite(b.data, b.item_bytes, (size_t)b.items, f) != (size_t)b.items) { bti_fmt(err, err_len, "write to %s failed", tmp); st = BT_E_IO; }
        count += (uint64_t)b.items;
    }
    if (bad) *bad = (int64_t)bt_loader_num_bad(L);
    bt_loader_destroy(L);
    if (st == BT_OK) {
        memcpy(h + 16, &count, 8);
        if (fseek(f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof h, f) != sizeof h || fflush(f) != 0) { bti_fmt(err, err_len, "write to %s failed", tmp); st = BT_E_IO; }
    }
    if (fclose(f) != 0 && st == BT_OK) { bti_fmt(err, err_len, "write to %s failed", tmp); st = BT_E_IO; }
    if (st == BT_OK && bti_rename_replace(tmp, out_path) != 0) { bti_fmt(err, err_len, "cannot rename %s to %s: %s", tmp, out_path, strerror(errno)); st = BT_E_IO; }
    if (st != BT_OK) { remove(tmp); return st; }
    if (written) *written = (int64_t)count;
    return BT_OK;
}

/* ---------------------------------------------------------------- recompute model -------- */
/* The model is documented at section 12 of the declarations. Internals:
   bti_rc_dist   a length distribution made discrete: pr[1..lmax] plus the tail beyond lmax
   bti_rc_dp     D(n) and N(n) for n <= lmax with a ring of W+1 values, summed against pr */
static double bti_rc_u01(uint64_t *s) { return ((double)(bti_rand_next(s) >> 11) + 1.0) * (1.0 / 9007199254740992.0); } /* (0, 1] */
static double bti_rc_normal(uint64_t *s) {
    double u1 = bti_rc_u01(s), u2 = bti_rc_u01(s);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
/* first-divergence position K >= 1, P(K > j) = (1-p)^j; a huge number when p == 0 */
static double bti_rc_draw_k(uint64_t *s, double p) {
    if (p <= 0) return 1e300;
    if (p >= 1) return 1;
    return 1.0 + floor(log(bti_rc_u01(s)) / log1p(-p));
}
static const char *bti_rc_kind_name(bt_rc_len_kind k) {
    switch (k) {
    case BT_RC_UNBOUNDED: return "unbounded";
    case BT_RC_FIXED: return "fixed";
    case BT_RC_GEOMETRIC: return "geometric";
    case BT_RC_LOGNORMAL: return "lognormal";
    case BT_RC_HISTOGRAM: return "histogram";
    default: return "unknown";
    }
}
BTI_DEF size_t bt_rc_lengths_format(const bt_rc_lengths *l, char *buf, size_t n) {
    int w = 0;
    if (!buf || !n) return 0;
    if (!l || l->kind == BT_RC_UNBOUNDED) w = snprintf(buf, n, "unbounded");
    else if (l->kind == BT_RC_FIXED) w = snprintf(buf, n, "fixed(length=%.4g)", l->param);
    else if (l->kind == BT_RC_GEOMETRIC) w = snprintf(buf, n, "geometric(mean=%.4g)", l->param);
    else if (l->kind == BT_RC_LOGNORMAL) w = snprintf(buf, n, "lognormal(median=%.4g, sigma=%.3g)", l->param, l->sigma > 0 ? l->sigma : 1.0);
    else if (l->kind == BT_RC_HISTOGRAM) w = snprintf(buf, n, "histogram(%zu lengths)", l->hist_len);
    else w = snprintf(buf, n, "unknown");
    return w < 0 ? 0 : (size_t)w;
}
BTI_DEF bt_status bt_rc_lengths_parse(const char *spec, bt_rc_lengths *out, int *has_param, char *err, size_t err_len) {
    char name[32];
    const char *c;
    size_t k;
    double a = NAN, b = NAN;
    if (has_param) *has_param = 0;
    if (!spec || !out) { bti_fmt(err, err_len, "lengths: no spec given"); return BT_E_INVALID; }
    memset(out, 0, sizeof *out);
    c = strchr(spec, ':');
    k = c ? (size_t)(c - spec) : strlen(spec);
    if (k >= sizeof name) { bti_fmt(err, err_len, "lengths '%s': unknown kind (unbounded, fixed, geometric, lognormal)", spec); return BT_E_INVALID; }
    memcpy(name, spec, k);
    name[k] = 0;
    if (c) {
        const char *c2 = strchr(c + 1, ':');
        char t[64];
        size_t k1 = c2 ? (size_t)(c2 - c - 1) : strlen(c + 1);
        if (k1 >= sizeof t) k1 = sizeof t - 1;
        memcpy(t, c + 1, k1);
        t[k1] = 0;
        if (t[0] && !bti_parse_double(t, &a)) { bti_fmt(err, err_len, "lengths '%s': '%s' is not a number", spec, t); return BT_E_INVALID; }
        if (c2 && !bti_parse_double(c2 + 1, &b)) { bti_fmt(err, err_len, "lengths '%s': sigma '%s' is not a number", spec, c2 + 1); return BT_E_INVALID; }
        if (c2 && strcmp(name, "lognormal") != 0) { bti_fmt(err, err_len, "lengths '%s': only lognormal takes a second value (sigma)", spec); return BT_E_INVALID; }
    }
    if (strcmp(name, "unbounded") == 0 || strcmp(name, "inf") == 0) {
        if (!isnan(a)) { bti_fmt(err, err_len, "lengths '%s': unbounded takes no value", spec); return BT_E_INVALID; }
        out->kind = BT_RC_UNBOUNDED;
        if (has_param) *has_param = 1;
        return BT_OK;
    }
    if (strcmp(name, "fixed") == 0) { out->kind = BT_RC_FIXED; out->param = 256; }
    else if (strcmp(name, "geometric") == 0 || strcmp(name, "geom") == 0) { out->kind = BT_RC_GEOMETRIC; out->param = 256; }
    else if (strcmp(name, "lognormal") == 0) { out->kind = BT_RC_LOGNORMAL; out->param = 128; out->sigma = 1; }
    else { bti_fmt(err, err_len, "lengths '%s': unknown kind '%s' (unbounded, fixed, geometric, lognormal)", spec, name); return BT_E_INVALID; }
    if (!isnan(a)) {
        if (!(a >= 1) || !isfinite(a)) { bti_fmt(err, err_len, "lengths '%s': length %g must be >= 1", spec, a); return BT_E_INVALID; }
        out->param = a;
        if (has_param) *has_param = 1;
    }
    if (!isnan(b)) {
        if (!(b > 0 && b <= 5)) { bti_fmt(err, err_len, "lengths '%s': sigma %g must be in (0, 5]", spec, b); return BT_E_INVALID; }
        out->sigma = b;
    }
    return BT_OK;
}

/* a discrete length distribution: pr[l], l = 1..lmax (normalized with the tail), and the tail
   beyond lmax: tail_p = P(L > lmax), tail_l = E[L; L > lmax] */
typedef struct bti_rc_dist {
    double *pr;
    size_t lmax;
    double tail_p, tail_l, mean;
} bti_rc_dist;
static void bti_rc_dist_free(bti_rc_dist *d) { bti_free(d->pr); memset(d, 0, sizeof *d); }
#define BTI_RC_LMAX_CAP ((size_t)1 << 19)
/* clip > 0: lengths above clip count as clip (no tail); else lmax is chosen past the bulk and
   >= 32 * wmax, with the tail kept for the asymptote */
static bt_status bti_rc_dist_build(const bt_rc_lengths *len, int wmax, size_t clip, bti_rc_dist *d, char *err, size_t err_len) {
    size_t l;
    double tot = 0;
    memset(d, 0, sizeof *d);
    switch (len->kind) {
    case BT_RC_FIXED: {
        double L = len->param, fl = floor(L);
        if (!(L >= 1) || L > 1e9) { bti_fmt(err, err_len, "fixed length %g must be in [1, 1e9]", L); return BT_E_INVALID; }
        if (clip && L > (double)clip) { L = (double)clip; fl = L; }
        d->lmax = (size_t)ceil(L);
        if (d->lmax > BTI_RC_LMAX_CAP * 8) { bti_fmt(err, err_len, "fixed length %g is too long to model exactly", L); return BT_E_INVALID; }
        d->pr = (double *)bti_calloc(d->lmax + 1, sizeof(double));
        if (!d->pr) return BT_E_NOMEM;
        if (L == fl) d->pr[(size_t)fl] = 1;
        else { d->pr[(size_t)fl] = fl + 1 - L; d->pr[(size_t)fl + 1] = L - fl; }
        break;
    }
    case BT_RC_GEOMETRIC: case BT_RC_LOGNORMAL: {
        double mu = 0, sg = 1, r = 0, prev;
        int geo = len->kind == BT_RC_GEOMETRIC;
        if (!(len->param >= 1) || !isfinite(len->param)) { bti_fmt(err, err_len, "%s length parameter %g must be >= 1", bti_rc_kind_name(len->kind), len->param); return BT_E_INVALID; }
        if (geo) {
            r = 1.0 / len->param;
            d->lmax = clip ? clip : (size_t)ceil(len->param * 12.0);
        } else {
            sg = len->sigma > 0 ? len->sigma : 1.0;
            if (sg > 5) { bti_fmt(err, err_len, "lognormal sigma %g must be <= 5", sg); return BT_E_INVALID; }
            mu = log(len->param);
            d->lmax = clip ? clip : (size_t)ceil(exp(mu + 3.0 * sg));
        }
        if (!clip && d->lmax < (size_t)wmax * 32) d->lmax = (size_t)wmax * 32;
        /* past 64 W (and 4096) D(n) is on its linear asymptote: the rest goes to the tail */
        if (!clip && d->lmax > (size_t)wmax * 64 && d->lmax > 4096) d->lmax = (size_t)wmax * 64 > 4096 ? (size_t)wmax * 64 : 4096;
        if (d->lmax > BTI_RC_LMAX_CAP) d->lmax = BTI_RC_LMAX_CAP;
        if (d->lmax < 1) d->lmax = 1;
        d->pr = (double *)bti_calloc(d->lmax + 1, sizeof(double));
        if (!d->pr) return BT_E_NOMEM;
        prev = 1.0; /* P(L >= l) for the current l, as an upper tail for precision */
        for (l = 1; l <= d->lmax; l++) {
            double up; /* P(L > l) */
            if (geo) up = exp((double)l * log1p(-r));
            else up = 0.5 * erfc((log((double)l + 0.5) - mu) / (sg * 1.4142135623730951));
            d->pr[l] = prev - up;
            prev = up;
        }
        if (clip) d->pr[d->lmax] += prev;
        else {
            d->tail_p = prev;
            if (geo) d->tail_l = prev * ((double)d->lmax + len->param); /* memoryless */
            else {
                double z = (log((double)d->lmax + 0.5) - mu) / sg;
                d->tail_l = exp(mu + 0.5 * sg * sg) * 0.5 * erfc((z - sg) / 1.4142135623730951);
            }
        }
        break;
    }
    case BT_RC_HISTOGRAM: {
        size_t n = len->hist_len;
        if (!len->hist || n < 2) { bti_fmt(err, err_len, "histogram of lengths is empty"); return BT_E_INVALID; }
        for (l = 1; l < n; l++) if (!(len->hist[l] >= 0) || !isfinite(len->hist[l])) { bti_fmt(err, err_len, "histogram weight of length %zu is %g", l, len->hist[l]); return BT_E_INVALID; }
        d->lmax = clip && clip < n - 1 ? clip : n - 1;
        d->pr = (double *)bti_calloc(d->lmax + 1, sizeof(double));
        if (!d->pr) return BT_E_NOMEM;
        for (l = 1; l < n; l++) d->pr[l <= d->lmax ? l : d->lmax] += len->hist[l];
        break;
    }
    default:
        bti_fmt(err, err_len, "lengths: kind %d has no distribution", (int)len->kind);
        return BT_E_INVALID;
    }
    for (l = 1; l <= d->lmax; l++) tot += d->pr[l];
    tot += d->tail_p;
    if (!(tot > 0)) { bti_fmt(err, err_len, "length distribution has no weight"); bti_rc_dist_free(d); return BT_E_INVALID; }
    d->mean = 0;
    for (l = 1; l <= d->lmax; l++) { d->pr[l] /= tot; d->mean += (double)l * d->pr[l]; }
    d->tail_p /= tot; d->tail_l /= tot;
    d->mean += d->tail_l;
    return BT_OK;
}
/* ring: 2 * (W + 1) doubles of scratch */
static void bti_rc_dp(double p, int W, const bti_rc_dist *ds, double *ring, bt_rc_expect *out) {
    const size_t R = (size_t)W + 1;
    double *D = ring, *N = ring + R;
    double q = 1.0 - p, l1p = p > 0 ? log1p(-p) : 0, qW = exp((double)W * l1p);
    double SD = 0, SN = 0, qm = 1, ED = 0, EN = 0, kW = p > 0 ? -expm1((double)W * l1p) / p : (double)W;
    size_t n;
    D[0] = N[0] = 0;
    for (n = 1; n <= ds->lmax; n++) {
        size_t m = n <= (size_t)W ? n : (size_t)W;
        double thrown, dn, nn;
        if (n - 1 >= (size_t)W) {
            size_t old = (n - 1 - (size_t)W) % R;
            SD = p * D[(n - 1) % R] + q * SD - p * qW * D[old];
            SN = p * N[(n - 1) % R] + q * SN - p * qW * N[old];
        } else {
            SD = p * D[(n - 1) % R] + q * SD;
            SN = p * N[(n - 1) % R] + q * SN;
        }
        if (n <= (size_t)W) qm *= q; else qm = qW;
        thrown = p > 0 ? (double)m + expm1((double)m * l1p) / p : 0;
        if (thrown < 0) thrown = 0;
        dn = thrown + SD + qm * D[(n - m) % R];
        nn = 1.0 + SN + qm * N[(n - m) % R];
        D[n % R] = dn;
        N[n % R] = nn;
        ED += ds->pr[n] * dn;
        EN += ds->pr[n] * nn;
    }
    if (ds->tail_p > 0) {
        /* beyond lmax (>= 32 W): D(n) ~ a n + b and N(n) ~ c n + e, the unbounded slopes, with
           the offsets averaged over the last window of n (they wobble with n mod W) */
        double a = p > 0 ? (double)W / kW - 1.0 : 0, c = 1.0 / kW, b = 0, e = 0;
        size_t i, cnt = 0;
        for (i = 0; i < (size_t)W && i < ds->lmax; i++) {
            size_t nn = ds->lmax - i;
            b += D[nn % R] - a * (double)nn;
            e += N[nn % R] - c * (double)nn;
            cnt++;
        }
        if (cnt) { b /= (double)cnt; e /= (double)cnt; }
        ED += a * ds->tail_l + b * ds->tail_p;
        EN += c * ds->tail_l + e * ds->tail_p;
    }
    out->ratio = ED / ds->mean;
    out->pct = 100.0 * out->ratio;
    out->windows_per_kept = EN / ds->mean;
    out->mean_length = ds->mean;
}
BTI_DEF double bt_rc_ratio_unbounded(double p, int window) {
    double l1p;
    if (!(p >= 0 && p < 1) || window < 1) return NAN;
    if (p == 0) return 0;
    l1p = log1p(-p);
    return p * (double)window / -expm1((double)window * l1p) - 1.0;
}
static int bti_rc_check_pw(double p, int W, char *err, size_t err_len) {
    if (!(p >= 0 && p < 1)) { bti_fmt(err, err_len, "divergence probability p = %g must be in [0, 1)", p); return 0; }
    if (W < 1 || W > 65536) { bti_fmt(err, err_len, "window %d must be in 1..65536", W); return 0; }
    return 1;
}
/* expectations for several windows, building the distribution once */
static bt_status bti_rc_expect_many(double p, const bt_rc_lengths *len, const int *W, int nw, bt_rc_expect *out, char *err, size_t err_len) {
    int i, wmax = 1;
    bti_rc_dist ds;
    double *ring;
    bt_status st;
    for (i = 0; i < nw; i++) {
        if (!bti_rc_check_pw(p, W[i], err, err_len)) return BT_E_INVALID;
        if (W[i] > wmax) wmax = W[i];
    }
    if (!len || len->kind == BT_RC_UNBOUNDED) {
        for (i = 0; i < nw; i++) {
            double kW = p > 0 ? -expm1((double)W[i] * log1p(-p)) / p : (double)W[i];
            out[i].ratio = bt_rc_ratio_unbounded(p, W[i]);
            out[i].pct = 100.0 * out[i].ratio;
            out[i].windows_per_kept = 1.0 / kW;
            out[i].mean_length = INFINITY;
        }
        return BT_OK;
    }
    if (len->kind == BT_RC_GEOMETRIC) {
        double r, ls, lqs;
        if (!(len->param >= 1) || !isfinite(len->param)) { bti_fmt(err, err_len, "geometric mean length %g must be >= 1", len->param); return BT_E_INVALID; }
        r = 1.0 / len->param;
        ls = log1p(-r);                 /* log s; -inf when the mean is 1 */
        lqs = ls + (p > 0 ? log1p(-p) : 0);
        for (i = 0; i < nw; i++) {
            double Wd = (double)W[i];
            double em = r < 1 ? -expm1(Wd * ls) / r : 1.0;               /* E[min(W, L)] */
            double ek = (r < 1) ? -expm1(Wd * lqs) / -expm1(lqs) : 1.0;  /* E[min(K, W, L)] */
            out[i].ratio = em / ek - 1.0;
            if (out[i].ratio < 0) out[i].ratio = 0;
            out[i].pct = 100.0 * out[i].ratio;
            out[i].windows_per_kept = 1.0 / ek;
            out[i].mean_length = len->param;
        }
        return BT_OK;
    }
    st = bti_rc_dist_build(len, wmax, 0, &ds, err, err_len);
    if (st != BT_OK) return st;
    ring = (double *)bti_malloc(2 * ((size_t)wmax + 1) * sizeof(double));
    if (!ring) { bti_rc_dist_free(&ds); return BT_E_NOMEM; }
    for (i = 0; i < nw; i++) bti_rc_dp(p, W[i], &ds, ring, &out[i]);
    bti_free(ring);
    bti_rc_dist_free(&ds);
    return BT_OK;
}
BTI_DEF bt_status bt_rc_expected(double p, int window, const bt_rc_lengths *len, bt_rc_expect *out, char *err, size_t err_len) {
    if (!out) return BT_E_INVALID;
    return bti_rc_expect_many(p, len, &window, 1, out, err, err_len);
}
BTI_DEF double bt_rc_pct(double p, int window, const bt_rc_lengths *len) {
    bt_rc_expect e;
    if (bt_rc_expected(p, window, len, &e, NULL, 0) != BT_OK) return NAN;
    return e.pct;
}
/* a sampler of request lengths: inverse CDF over a clipped distribution, or exact for
   unbounded-free parametric kinds */
typedef struct bti_rc_sampler {
    const bt_rc_lengths *len;
    double *cum;                   /* histogram: cumulative weights */
    size_t n;
} bti_rc_sampler;
static bt_status bti_rc_sampler_init(bti_rc_sampler *s, const bt_rc_lengths *len, char *err, size_t err_len) {
    memset(s, 0, sizeof *s);
    s->len = len;
    if (len->kind == BT_RC_HISTOGRAM) {
        bti_rc_dist ds;
        size_t l;
        bt_status st = bti_rc_dist_build(len, 1, 0, &ds, err, err_len);
        if (st != BT_OK) return st;
        s->n = ds.lmax + 1;
        s->cum = ds.pr;            /* take the array over */
        for (l = 1; l < s->n; l++) s->cum[l] += s->cum[l - 1];
        return BT_OK;
    }
    if (len->kind == BT_RC_FIXED || len->kind == BT_RC_GEOMETRIC || len->kind == BT_RC_LOGNORMAL) {
        if (!(len->param >= 1) || !isfinite(len->param)) { bti_fmt(err, err_len, "%s length parameter %g must be >= 1", bti_rc_kind_name(len->kind), len->param); return BT_E_INVALID; }
        return BT_OK;
    }
    bti_fmt(err, err_len, "lengths: no sampler for %s", bti_rc_kind_name(len->kind));
    return BT_E_INVALID;
}
static double bti_rc_sample_len(const bti_rc_sampler *s, uint64_t *rng) {
    const bt_rc_lengths *len = s->len;
    double u = bti_rc_u01(rng), v;
    switch (len->kind) {
    case BT_RC_FIXED: {
        double fl = floor(len->param);
        return (u <= fl + 1 - len->param) ? fl : fl + 1;
    }
    case BT_RC_GEOMETRIC:
        if (len->param <= 1) return 1;
        return 1.0 + floor(log(u) / log1p(-1.0 / len->param));
    case BT_RC_LOGNORMAL:
        v = floor(exp(log(len->param) + (len->sigma > 0 ? len->sigma : 1.0) * bti_rc_normal(rng)) + 0.5);
        return v < 1 ? 1 : v > 1e12 ? 1e12 : v;
    case BT_RC_HISTOGRAM: {
        size_t lo = 1, hi = s->n - 1;
        u *= s->cum[s->n - 1];
        while (lo < hi) { size_t mid = (lo + hi) / 2; if (s->cum[mid] >= u) hi = mid; else lo = mid + 1; }
        return (double)lo;
    }
    default: return 1;
    }
}
/* totals of a ratio estimator over units, for a delta-method confidence interval */
typedef struct bti_rc_ratio_acc { double n, sd, sl, sdd, sll, sdl; } bti_rc_ratio_acc;
static void bti_rc_acc_add(bti_rc_ratio_acc *a, double d, double l) {
    a->n += 1; a->sd += d; a->sl += l; a->sdd += d * d; a->sll += l * l; a->sdl += d * l;
}
static void bti_rc_acc_ci(const bti_rc_ratio_acc *a, double *r, double *lo, double *hi) {
    double R, ss, se;
    if (a->sl <= 0) { *r = *lo = *hi = NAN; return; }
    R = a->sd / a->sl;
    ss = a->sdd - 2 * R * a->sdl + R * R * a->sll;      /* sum (d_i - R l_i)^2 */
    if (ss < 0) ss = 0;
    se = a->n > 1 ? sqrt(ss / (a->n * (a->n - 1))) / (a->sl / a->n) : INFINITY;
    *r = R; *lo = R - 1.959963984540054 * se; *hi = R + 1.959963984540054 * se;
    if (*lo < 0) *lo = 0;
}
BTI_DEF bt_status bt_rc_simulate(const bt_rc_sim_desc *d, bt_rc_sim_result *out) {
    uint64_t rng;
    long units;
    int W, B;
    bti_rc_ratio_acc acc;
    if (!d || !out) return BT_E_INVALID;
    memset(out, 0, sizeof *out);
    memset(&acc, 0, sizeof acc);
    W = d->window; B = d->batch > 0 ? d->batch : 1;
    units = d->units > 0 ? d->units : 20000;
    rng = d->seed ? d->seed : 1;
    if (!(d->p >= 0 && d->p < 1) || W < 1 || W > 65536) return BT_E_INVALID;
    if (d->lengths.kind == BT_RC_UNBOUNDED) {
        long i;
        for (i = 0; i < units; i++) {
            double k = bti_rc_draw_k(&rng, d->p), kept, disc;
            if (k <= W) { kept = k; disc = W - k; out->divergences += 1; } else { kept = W; disc = 0; }
            out->kept += kept; out->discarded += disc;
            bti_rc_acc_add(&acc, disc, kept);
        }
        out->windows = (double)units;
        out->passes = ceil((double)units / B);
    } else {
        bti_rc_sampler smp;
        double *rem, *dsum, *lreq;
        long started = 0, done = 0;
        int s, active;
        if (bti_rc_sampler_init(&smp, &d->lengths, NULL, 0) != BT_OK) return BT_E_INVALID;
        rem = (double *)bti_calloc((size_t)B * 3, sizeof(double));
        if (!rem) { bti_free(smp.cum); return BT_E_NOMEM; }
        dsum = rem + B; lreq = rem + 2 * B;
        for (;;) {
            active = 0;
            for (s = 0; s < B; s++) {
                if (rem[s] <= 0 && started < units) { lreq[s] = rem[s] = bti_rc_sample_len(&smp, &rng); dsum[s] = 0; started++; }
                if (rem[s] > 0) active++;
            }
            if (!active) break;
            out->passes += 1;
            for (s = 0; s < B; s++) {
                double m, k, kept;
                if (rem[s] <= 0) continue;
                m = rem[s] < W ? rem[s] : W;
                k = bti_rc_draw_k(&rng, d->p);
                out->windows += 1;
                if (k <= m) { kept = k; dsum[s] += m - k; out->discarded += m - k; out->divergences += 1; }
                else kept = m;
                out->kept += kept;
                rem[s] -= kept;
                if (rem[s] <= 0) { bti_rc_acc_add(&acc, dsum[s], lreq[s]); done++; }
            }
        }
        (void)done;
        bti_free(rem);
        bti_free(smp.cum);
    }
    out->units = units;
    bti_rc_acc_ci(&acc, &out->ratio, &out->ratio_lo, &out->ratio_hi);
    out->pct = 100 * out->ratio; out->pct_lo = 100 * out->ratio_lo; out->pct_hi = 100 * out->ratio_hi;
    return BT_OK;
}

/* ---- CSV of cells ---- */
/* splits one line in place at commas (double quotes group, "" is a quote); returns fields */
static int bti_rc_split(char *line, char **f, int maxf) {
    int n = 0;
    char *p = line;
    for (;;) {
        char *w;
        if (n == maxf) return n + 1;           /* too many: caller only needs a count > maxf */
        while (*p == ' ' || *p == '\t') p++;
        w = p;
        f[n++] = w;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p) break;
                if (*p == '"' && p[1] == '"') { *w++ = '"'; p += 2; continue; }
                if (*p == '"') { p++; break; }
                *w++ = *p++;
            }
            while (*p && *p != ',') p++;
            if (*p == ',') { *w = 0; p++; continue; }
            *w = 0;
            return n;
        }
        while (*p && *p != ',') p++;
        {
            char *e = p;
            int more = *p == ',';
            while (e > w && (e[-1] == ' ' || e[-1] == '\t')) e--;
            *e = 0;
            if (!more) return n;
            p++;
        }
    }
}
static int bti_rc_parse_posint(const char *s, int *out) {
    int64_t v;
    double d;
    if (bti_parse_i64(s, &v)) { if (v < 1 || v > INT_MAX) return 0; *out = (int)v; return 1; }
    if (bti_parse_double(s, &d) && d >= 1 && d <= INT_MAX && d == floor(d)) { *out = (int)d; return 1; }
    return 0;
}
BTI_DEF bt_status bt_rc_read_csv_timed(const char *path, bt_rc_cell **cells, bt_rc_timing **timings, size_t *n, char *err, size_t err_len) {
    FILE *fp;
    char *buf = NULL, *line, *next;
    long size;
    size_t cap = 0, cnt = 0, lineno = 0;
    int ncol = -1, cb = -1, cw = -1, cp = -1, cs = -1, cf = -1, cv = -1, i;
    char *f[256];
    bt_rc_cell *out = NULL;
    bt_rc_timing *tim = NULL;
    if (timings) *timings = NULL;
    if (cells) *cells = NULL;
    if (n) *n = 0;
    if (!path || !cells || !n) { bti_fmt(err, err_len, "recompute csv: no file given"); return BT_E_INVALID; }
    fp = fopen(path, "rb");
    if (!fp) { bti_fmt(err, err_len, "%s: cannot open: %s", path, strerror(errno)); return BT_E_IO; }
    if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
        bti_fmt(err, err_len, "%s: cannot read (not a regular file?)", path); fclose(fp); return BT_E_IO;
    }
    buf = (char *)bti_malloc((size_t)size + 1);
    if (!buf) { fclose(fp); return BT_E_NOMEM; }
    if (fread(buf, 1, (size_t)size, fp) != (size_t)size) { bti_fmt(err, err_len, "%s: read error", path); bti_free(buf); fclose(fp); return BT_E_IO; }
    fclose(fp);
    buf[size] = 0;
    if (memchr(buf, 0, (size_t)size)) { bti_fmt(err, err_len, "%s: binary data (a NUL byte), not a CSV file", path); bti_free(buf); return BT_E_PARSE; }
    for (line = buf; line && *line; line = next) {
        int nf;
        size_t L;
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        lineno++;
        L = strlen(line);
        if (L && line[L - 1] == '\r') line[--L] = 0;
        if (lineno == 1 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB && (unsigned char)line[2] == 0xBF) line += 3;
        { const char *q = line; while (*q == ' ' || *q == '\t') q++; if (!*q) continue; if (*q == '#') continue; }
        nf = bti_rc_split(line, f, 255);
        if (nf > 255) { bti_fmt(err, err_len, "%s:%zu: more than 255 columns", path, lineno); goto fail_parse; }
        if (ncol < 0) {
            ncol = nf;
            for (i = 0; i < nf; i++) {
                const char *h = f[i];
                if (strcmp(h, "batch") == 0) cb = i;
                else if (strcmp(h, "window") == 0) cw = i;
                else if (strcmp(h, "recompute_pct") == 0) cp = i;
                else if (strcmp(h, "status") == 0) cs = i;
                else if (strcmp(h, "fast_s_per_token") == 0) cf = i;
                else if (strcmp(h, "verify_s_per_pass") == 0) cv = i;
            }
            if (!timings) cf = cv = -1;
            if (cb < 0 || cw < 0 || cp < 0) {
                bti_fmt(err, err_len, "%s:%zu: the header has no '%s' column (needs batch,window,recompute_pct)", path, lineno,
                        cb < 0 ? "batch" : cw < 0 ? "window" : "recompute_pct");
                goto fail_parse;
            }
            continue;
        }
        if (nf != ncol) { bti_fmt(err, err_len, "%s:%zu: %d fields, the header has %d", path, lineno, nf, ncol); goto fail_parse; }
        if (cs >= 0 && f[cs][0] && strcmp(f[cs], "ok") != 0) continue;  /* infeasible, oom, ...: not measured */
        if (!f[cp][0]) continue;                                        /* no measurement */
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 64;
            bt_rc_cell *nb = (bt_rc_cell *)bti_realloc(out, nc * sizeof *out);
            if (!nb) { bti_free(out); bti_free(tim); bti_free(buf); return BT_E_NOMEM; }
            out = nb;
            if (cf >= 0 && cv >= 0) {
                bt_rc_timing *nt = (bt_rc_timing *)bti_realloc(tim, nc * sizeof *tim);
                if (!nt) { bti_free(out); bti_free(tim); bti_free(buf); return BT_E_NOMEM; }
                tim = nt;
            }
            cap = nc;
        }
        if (!bti_rc_parse_posint(f[cb], &out[cnt].batch)) { bti_fmt(err, err_len, "%s:%zu: batch '%s' is not a positive integer", path, lineno, f[cb]); goto fail_parse; }
        if (!bti_rc_parse_posint(f[cw], &out[cnt].window) || out[cnt].window > 65536) { bti_fmt(err, err_len, "%s:%zu: window '%s' is not an integer in 1..65536", path, lineno, f[cw]); goto fail_parse; }
        if (!bti_parse_double(f[cp], &out[cnt].pct) || !isfinite(out[cnt].pct) || out[cnt].pct < 0) {
            bti_fmt(err, err_len, "%s:%zu: recompute_pct '%s' is not a number >= 0", path, lineno, f[cp]); goto fail_parse;
        }
        if (tim) {
            bt_rc_timing *t = &tim[cnt];
            t->batch = out[cnt].batch; t->window = out[cnt].window;
            t->fast_s_per_token = t->verify_s_per_pass = NAN;
            if (f[cf][0] && (!bti_parse_double(f[cf], &t->fast_s_per_token) || !(t->fast_s_per_token >= 0))) {
                bti_fmt(err, err_len, "%s:%zu: fast_s_per_token '%s' is not a number >= 0", path, lineno, f[cf]); goto fail_parse;
            }
            if (f[cv][0] && (!bti_parse_double(f[cv], &t->verify_s_per_pass) || !(t->verify_s_per_pass >= 0))) {
                bti_fmt(err, err_len, "%s:%zu: verify_s_per_pass '%s' is not a number >= 0", path, lineno, f[cv]); goto fail_parse;
            }
        }
        cnt++;
    }
    bti_free(buf);
    if (ncol < 0) { bti_fmt(err, err_len, "%s: empty file (no header line)", path); bti_free(out); bti_free(tim); return BT_E_PARSE; }
    if (!cnt) { bti_fmt(err, err_len, "%s: no measured rows (recompute_pct empty or status not ok everywhere)", path); bti_free(out); bti_free(tim); return BT_E_PARSE; }
    *cells = out;
    if (timings) *timings = tim; else bti_free(tim);
    *n = cnt;
    return BT_OK;
fail_parse:
    bti_free(out);
    bti_free(tim);
    bti_free(buf);
    return BT_E_PARSE;
}
BTI_DEF bt_status bt_rc_read_csv(const char *path, bt_rc_cell **cells, size_t *n, char *err, size_t err_len) {
    return bt_rc_read_csv_timed(path, cells, NULL, n, err, err_len);
}
/* ---- fit ---- */
typedef struct bti_rc_obj {
    const bt_rc_cell *cells;
    size_t n;
    size_t skip;                   /* cell left out (leave-one-out), or (size_t)-1 */
    int only_batch;                /* > 0: only cells of this batch */
    bt_rc_lengths len;
    int fit_length;
    double lo[2], hi[2];           /* bounds of the log parameters */
    int *wins; int nw;             /* distinct windows */
    int *widx;                     /* per cell: index into wins */
    bt_rc_expect *ex;
    int evals;
    int relative;                  /* 1: residuals relative to the model (for the B test) */
} bti_rc_obj;
/* sum of squared residuals (pp^2) at log parameters x */
static double bti_rc_sse(bti_rc_obj *o, const double *x) {
    double p = exp(x[0]), s = 0;
    bt_rc_lengths len = o->len;
    size_t i;
    o->evals++;
    if (o->fit_length) len.param = exp(x[1]);
    if (bti_rc_expect_many(p, &len, o->wins, o->nw, o->ex, NULL, 0) != BT_OK) return INFINITY;
    for (i = 0; i < o->n; i++) {
        double r;
        if (i == o->skip) continue;
        if (o->only_batch > 0 && o->cells[i].batch != o->only_batch) continue;
        r = o->cells[i].pct - o->ex[o->widx[i]].pct;
        if (o->relative) r /= o->ex[o->widx[i]].pct > 1e-9 ? o->ex[o->widx[i]].pct : 1e-9;
        s += r * r;
    }
    return isnan(s) ? INFINITY : s;
}
static void bti_rc_clamp(const bti_rc_obj *o, double *x, int dim) {
    int k;
    for (k = 0; k < dim; k++) x[k] = x[k] < o->lo[k] ? o->lo[k] : x[k] > o->hi[k] ? o->hi[k] : x[k];
}
/* Nelder–Mead in 1 or 2 dimensions (log space, clamped to the bounds), from x with step h */
static double bti_rc_nm(bti_rc_obj *o, double *x, int dim, double h) {
    double P[3][2], F[3], c[2], xr[2], xe[2], xc[2], fr, fe, fc;
    int i, k, it, np = dim + 1;
    for (i = 0; i < np; i++) {
        for (k = 0; k < dim; k++) P[i][k] = x[k] + (i == k + 1 ? h : 0);
        bti_rc_clamp(o, P[i], dim);
        if (i > 0 && P[i][i - 1] == x[i - 1]) P[i][i - 1] = x[i - 1] - h;  /* stuck at a bound */
        bti_rc_clamp(o, P[i], dim);
        F[i] = bti_rc_sse(o, P[i]);
    }
    for (it = 0; it < 400; it++) {
        int b = 0, w = 0, sw = -1;
        double spread = 0;
        for (i = 1; i < np; i++) { if (F[i] < F[b]) b = i; if (F[i] > F[w]) w = i; }
        for (i = 0; i < np; i++) if (i != w && (sw < 0 || F[i] > F[sw])) sw = i;
        for (i = 0; i < np; i++) for (k = 0; k < dim; k++) { double d = fabs(P[i][k] - P[b][k]); if (d > spread) spread = d; }
        if (spread < 1e-5 || (fabs(F[w] - F[b]) <= 1e-12 * (1 + fabs(F[b])) && spread < 1e-3)) break;
        for (k = 0; k < dim; k++) { c[k] = 0; for (i = 0; i < np; i++) if (i != w) c[k] += P[i][k]; c[k] /= dim; }
        for (k = 0; k < dim; k++) xr[k] = c[k] + (c[k] - P[w][k]);
        bti_rc_clamp(o, xr, dim);
        fr = bti_rc_sse(o, xr);
        if (fr < F[b]) {
            for (k = 0; k < dim; k++) xe[k] = c[k] + 2 * (c[k] - P[w][k]);
            bti_rc_clamp(o, xe, dim);
            fe = bti_rc_sse(o, xe);
            if (fe < fr) { memcpy(P[w], xe, sizeof xe); F[w] = fe; } else { memcpy(P[w], xr, sizeof xr); F[w] = fr; }
            continue;
        }
        if (fr < F[sw]) { memcpy(P[w], xr, sizeof xr); F[w] = fr; continue; }
        for (k = 0; k < dim; k++) xc[k] = fr < F[w] ? c[k] + 0.5 * (xr[k] - c[k]) : c[k] + 0.5 * (P[w][k] - c[k]);
        fc = bti_rc_sse(o, xc);
        if (fc < (fr < F[w] ? fr : F[w])) { memcpy(P[w], xc, sizeof xc); F[w] = fc; continue; }
        for (i = 0; i < np; i++) {
            if (i == b) continue;
            for (k = 0; k < dim; k++) P[i][k] = P[b][k] + 0.5 * (P[i][k] - P[b][k]);
            F[i] = bti_rc_sse(o, P[i]);
        }
    }
    {
        int b = 0;
        for (i = 1; i < np; i++) if (F[i] < F[b]) b = i;
        for (k = 0; k < dim; k++) x[k] = P[b][k];
        return F[b];
    }
}
/* coarse scan over the box, then Nelder–Mead from the best point */
static double bti_rc_minimize(bti_rc_obj *o, double *x) {
    int dim = o->fit_length ? 2 : 1, i, j, n0 = dim == 2 ? 16 : 24, n1 = dim == 2 ? 10 : 1;
    double best = INFINITY, bx[2] = {0, 0}, y[2], f;
    for (i = 0; i < n0; i++) for (j = 0; j < n1; j++) {
        y[0] = o->lo[0] + (o->hi[0] - o->lo[0]) * (i + 0.5) / n0;
        if (dim == 2) y[1] = o->lo[1] + (o->hi[1] - o->lo[1]) * (j + 0.5) / n1;
        f = bti_rc_sse(o, y);
        if (f < best) { best = f; bx[0] = y[0]; bx[1] = y[1]; }
    }
    x[0] = bx[0]; x[1] = bx[1];
    bti_rc_nm(o, x, dim, 0.4);
    /* a restart from the result guards against a collapsed simplex */
    return bti_rc_nm(o, x, dim, 0.1);
}
/* regularized incomplete beta I_x(a, b), continued fraction evaluated with Lentz's method */
static double bti_rc_betacf(double a, double b, double x) {
    const double tiny = 1e-300;
    double f = 1, C = 1, Dd = 0, dj;
    int j;
    for (j = 1; j < 400; j++) {
        int m = j / 2;
        double delta;
        if (j % 2) dj = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
        else dj = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
        Dd = 1 + dj * Dd; if (fabs(Dd) < tiny) Dd = tiny; Dd = 1 / Dd;
        C = 1 + dj / C; if (fabs(C) < tiny) C = tiny;
        delta = C * Dd;
        f *= delta;
        if (fabs(delta - 1) < 1e-14) break;
    }
    return f;
}
static double bti_rc_ibeta(double a, double b, double x) {
    double front;
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    front = exp(a * log(x) + b * log1p(-x) + lgamma(a + b) - lgamma(a) - lgamma(b));
    if (x < (a + 1) / (a + b + 2)) return front / (a * bti_rc_betacf(a, b, x));
    return 1 - front / (b * bti_rc_betacf(b, a, 1 - x));
}
/* P(F > f) for an F(d1, d2) variable */
static double bti_rc_f_sf(double f, double d1, double d2) {
    if (!(f > 0)) return 1;
    return bti_rc_ibeta(d2 / 2, d1 / 2, d2 / (d2 + d1 * f));
}
BTI_DEF void bt_rc_fit_free(bt_rc_fit *f) {
    if (!f) return;
    bti_free(f->cells); bti_free(f->pred); bti_free(f->resid); bti_free(f->loo_pred);
    bti_free(f->batch_values); bti_free(f->p_by_batch); bti_free(f->cells_by_batch);
    memset(f, 0, sizeof *f);
}
static double bti_rc_fit_p(const bt_rc_fit *f, int batch) {
    int i;
    if (f->batch_dependent)
        for (i = 0; i < f->nbatch; i++) if (f->batch_values[i] == batch && !isnan(f->p_by_batch[i])) return f->p_by_batch[i];
    return f->p;
}
BTI_DEF double bt_rc_fit_predict(const bt_rc_fit *f, int batch, int window) {
    if (!f || !(f->p >= 0)) return NAN;
    return bt_rc_pct(bti_rc_fit_p(f, batch), window, &f->lengths);
}
BTI_DEF bt_status bt_rc_fit_cells(const bt_rc_cell *cells, size_t n, const bt_rc_fit_desc *d, bt_rc_fit *out, char *err, size_t err_len) {
    bti_rc_obj o;
    size_t i, j;
    int k, dim;
    double x[2], sse, sq = 0;
    bt_status st = BT_OK;
    char e2[256];
    if (!out) return BT_E_INVALID;
    memset(out, 0, sizeof *out);
    if (!cells || !n || !d) { bti_fmt(err, err_len, "recompute fit: no cells"); return BT_E_INVALID; }
    for (i = 0; i < n; i++) {
        if (cells[i].batch < 1 || cells[i].window < 1 || cells[i].window > 65536 || !(cells[i].pct >= 0) || !isfinite(cells[i].pct)) {
            bti_fmt(err, err_len, "recompute fit: cell %zu (batch %d, window %d, recompute %g %%) is not valid", i + 1, cells[i].batch, cells[i].window, cells[i].pct);
            return BT_E_INVALID;
        }
    }
    if (d->fit_length && (d->lengths.kind == BT_RC_UNBOUNDED || d->lengths.kind == BT_RC_HISTOGRAM)) {
        bti_fmt(err, err_len, "recompute fit: a %s length model has no parameter to fit", bti_rc_kind_name(d->lengths.kind));
        return BT_E_INVALID;
    }
    if (d->fit_length && n < 2) { bti_fmt(err, err_len, "recompute fit: fitting p and the length parameter needs >= 2 cells (have %zu)", n); return BT_E_INVALID; }
    memset(&o, 0, sizeof o);
    o.cells = cells; o.n = n; o.skip = (size_t)-1;
    o.len = d->lengths;
    if (o.len.kind == BT_RC_LOGNORMAL && !(o.len.sigma > 0)) o.len.sigma = 1;
    if (!d->fit_length && o.len.kind != BT_RC_UNBOUNDED) {  /* check the given lengths once */
        bt_rc_expect e;
        st = bt_rc_expected(0.01, 1, &o.len, &e, e2, sizeof e2);
        if (st != BT_OK) { bti_fmt(err, err_len, "recompute fit: %s", e2); return st; }
    }
    o.fit_length = d->fit_length ? 1 : 0;
    o.lo[0] = log(1e-7); o.hi[0] = log(0.5);
    o.lo[1] = 0; o.hi[1] = log(o.len.kind == BT_RC_LOGNORMAL ? 2e4 : o.len.kind == BT_RC_FIXED ? 1e5 : 1e6);
    o.wins = (int *)bti_malloc(n * sizeof(int));
    o.widx = (int *)bti_malloc(n * sizeof(int));
    o.ex = (bt_rc_expect *)bti_malloc(n * sizeof(bt_rc_expect));
    out->cells = (bt_rc_cell *)bti_malloc(n * sizeof(bt_rc_cell));
    out->pred = (double *)bti_malloc(n * sizeof(double));
    out->resid = (double *)bti_malloc(n * sizeof(double));
    out->loo_pred = (double *)bti_malloc(n * sizeof(double));
    out->batch_values = (int *)bti_malloc(n * sizeof(int));
    out->p_by_batch = (double *)bti_malloc(n * sizeof(double));
    out->cells_by_batch = (int *)bti_calloc(n, sizeof(int));
    if (!o.wins || !o.widx || !o.ex || !out->cells || !out->pred || !out->resid || !out->loo_pred || !out->batch_values || !out->p_by_batch || !out->cells_by_batch) {
        st = BT_E_NOMEM; goto done;
    }
    memcpy(out->cells, cells, n * sizeof *cells);
    out->n = n;
    for (i = 0; i < n; i++) {
        for (k = 0; k < o.nw; k++) if (o.wins[k] == cells[i].window) break;
        if (k == o.nw) o.wins[o.nw++] = cells[i].window;
        o.widx[i] = k;
    }
    dim = o.fit_length ? 2 : 1;
    sse = bti_rc_minimize(&o, x);
    out->p = exp(x[0]);
    out->lengths = o.len;
    out->fitted_length = o.fit_length;
    if (o.fit_length) out->lengths.param = exp(x[1]);
    bti_rc_sse(&o, x);                                      /* o.ex at the optimum */
    out->max_abs_resid_pp = 0;
    for (i = 0; i < n; i++) {
        out->pred[i] = o.ex[o.widx[i]].pct;
        out->resid[i] = cells[i].pct - out->pred[i];
        if (fabs(out->resid[i]) > out->max_abs_resid_pp) out->max_abs_resid_pp = fabs(out->resid[i]);
    }
    out->rmse_pp = sqrt(sse / (double)n);
    /* leave-one-out: refit without each cell, from the full fit */
    out->loo_rmse_pp = NAN;
    for (i = 0; i < n; i++) out->loo_pred[i] = NAN;
    if (!d->no_loo && n > (size_t)dim) {
        for (i = 0; i < n; i++) {
            double y[2];
            y[0] = x[0]; y[1] = x[1];
            o.skip = i;
            bti_rc_nm(&o, y, dim, 0.2);
            o.skip = (size_t)-1;
            {
                bt_rc_lengths l2 = o.len;
                if (o.fit_length) l2.param = exp(y[1]);
                out->loo_pred[i] = bt_rc_pct(exp(y[0]), cells[i].window, &l2);
            }
            sq += (cells[i].pct - out->loo_pred[i]) * (cells[i].pct - out->loo_pred[i]);
        }
        out->loo_rmse_pp = sqrt(sq / (double)n);
    }
    /* does p depend on B? */
    out->nbatch = 0;
    for (i = 0; i < n; i++) {
        for (k = 0; k < out->nbatch; k++) if (out->batch_values[k] == cells[i].batch) break;
        if (k == out->nbatch) { out->batch_values[out->nbatch] = cells[i].batch; out->cells_by_batch[out->nbatch] = 0; out->nbatch++; }
        out->cells_by_batch[k]++;
    }
    for (k = 1; k < out->nbatch; k++) for (j = (size_t)k; j > 0 && out->batch_values[j] < out->batch_values[j - 1]; j--) {
        int t = out->batch_values[j]; out->batch_values[j] = out->batch_values[j - 1]; out->batch_values[j - 1] = t;
        t = out->cells_by_batch[j]; out->cells_by_batch[j] = out->cells_by_batch[j - 1]; out->cells_by_batch[j - 1] = t;
    }
    out->rss_by_batch = 0;
    {
        bti_rc_obj ob = o;
        double pmin = INFINITY, pmax = 0;
        int bmin = 0, bmax = 0;
        double y0[2];
        ob.fit_length = 0;
        ob.len = out->lengths;
        /* relative residuals: a cell's noise grows with its value (its CI is a roughly fixed
           fraction of it at a fixed number of divergences), so compare on that scale */
        ob.relative = 1;
        y0[0] = x[0]; y0[1] = 0;
        out->rss_common = bti_rc_nm(&ob, y0, 1, 0.3);
        for (k = 0; k < out->nbatch; k++) {
            double y[2];
            y[0] = x[0]; y[1] = 0;
            ob.only_batch = out->batch_values[k];
            ob.relative = 1;                                  /* for the test */
            out->rss_by_batch += bti_rc_nm(&ob, y, 1, 0.3);
            ob.relative = 0;                                  /* for predictions, in pp */
            bti_rc_nm(&ob, y, 1, 0.2);
            out->p_by_batch[k] = exp(y[0]);
            if (out->p_by_batch[k] < pmin) { pmin = out->p_by_batch[k]; bmin = out->batch_values[k]; }
            if (out->p_by_batch[k] > pmax) { pmax = out->p_by_batch[k]; bmax = out->batch_values[k]; }
        }
        out->f_stat = out->f_pvalue = NAN;
        {
            double d1 = out->nbatch - 1, d2 = (double)n - out->nbatch - o.fit_length;
            if (d1 >= 1 && d2 >= 1 && out->rss_by_batch > 0) {
                out->f_stat = ((out->rss_common - out->rss_by_batch) / d1) / (out->rss_by_batch / d2);
                if (out->f_stat < 0) out->f_stat = 0;
                out->f_pvalue = bti_rc_f_sf(out->f_stat, d1, d2);
            } else if (d1 >= 1 && d2 >= 1) {
                out->f_stat = INFINITY; out->f_pvalue = 0;
            }
        }
        out->batch_dependent = !isnan(out->f_pvalue) && out->f_pvalue < 0.05;
        {
            double ss = 0;
            for (i = 0; i < n; i++) {
                double pb = out->p;
                for (k = 0; k < out->nbatch; k++) if (out->batch_values[k] == cells[i].batch) pb = out->p_by_batch[k];
                pb = cells[i].pct - bt_rc_pct(pb, cells[i].window, &out->lengths);
                ss += pb * pb;
            }
            out->rmse_by_batch_pp = sqrt(ss / (double)n);
        }
        out->loo_by_batch_pp = NAN;
        out->loo_by_batch_cells = 0;
        if (!d->no_loo) {
            double ss = 0;
            int cnt = 0;
            for (i = 0; i < n; i++) {
                double y[2], r;
                int kb = 0;
                for (k = 0; k < out->nbatch; k++) if (out->batch_values[k] == cells[i].batch) kb = k;
                if (out->cells_by_batch[kb] < 2) continue;
                y[0] = log(out->p_by_batch[kb]); y[1] = 0;
                ob.only_batch = cells[i].batch;
                ob.skip = i;
                bti_rc_nm(&ob, y, 1, 0.2);
                ob.skip = (size_t)-1;
                r = cells[i].pct - bt_rc_pct(exp(y[0]), cells[i].window, &out->lengths);
                ss += r * r;
                cnt++;
            }
            if (cnt) { out->loo_by_batch_pp = sqrt(ss / cnt); out->loo_by_batch_cells = cnt; }
        }
        if (out->nbatch < 2)
            bti_fmt(out->verdict, sizeof out->verdict, "only one batch size (%d) was measured: a dependence of p on B cannot be tested", out->batch_values[0]);
        else if (isnan(out->f_pvalue))
            bti_fmt(out->verdict, sizeof out->verdict, "too few cells per batch to test whether p depends on B (per-batch p from %.4g at B=%d to %.4g at B=%d)", pmin, bmin, pmax, bmax);
        else
            bti_fmt(out->verdict, sizeof out->verdict, "%s (F = %.3g, p-value %.3g, %d batch sizes); per-batch p from %.4g at B=%d to %.4g at B=%d",
                    out->batch_dependent ? "the data supports p depending on B" : "no evidence that p depends on B",
                    out->f_stat, out->f_pvalue, out->nbatch, pmin, bmin, pmax, bmax);
    }
done:
    bti_free(o.wins); bti_free(o.widx); bti_free(o.ex);
    if (st != BT_OK) { bt_rc_fit_free(out); bti_fmt(err, err_len, "recompute fit: %s", bt_status_str(st)); }
    return st;
}
BTI_DEF void bt_rc_fit_print(const bt_rc_fit *f, FILE *o) {
    char lb[128];
    size_t i;
    int k;
    if (!f || !o) return;
    bt_rc_lengths_format(&f->lengths, lb, sizeof lb);
    fprintf(o, "recompute model fit over %zu cells\n", f->n);
    fprintf(o, "  p        %.6g  (per-token first-divergence probability)\n", f->p);
    fprintf(o, "  lengths  %s%s\n", lb, f->fitted_length ? "  [parameter fitted]" : "  [given]");
    fprintf(o, "RMSE %.3f pp\n", f->rmse_pp);
    if (!isnan(f->loo_rmse_pp)) fprintf(o, "leave-one-out RMSE %.3f pp\n", f->loo_rmse_pp);
    fprintf(o, "max |residual| %.3f pp\n", f->max_abs_resid_pp);
    fprintf(o, "  %6s %7s %10s %10s %9s %10s %9s\n", "batch", "window", "measured", "model", "resid", "loo_pred", "loo_err");
    for (i = 0; i < f->n; i++)
        fprintf(o, "  %6d %7d %9.3f%% %9.3f%% %+9.3f %9.3f%% %+9.3f\n", f->cells[i].batch, f->cells[i].window, f->cells[i].pct,
                f->pred[i], f->resid[i], f->loo_pred[i], f->cells[i].pct - f->loo_pred[i]);
    fprintf(o, "B dependence: %s\n", f->verdict);
    if (f->nbatch > 1) {
        fprintf(o, "  with each batch's own p: RMSE %.3f pp%s\n", f->rmse_by_batch_pp, f->batch_dependent ? " (predictions use it)" : "");
        if (!isnan(f->loo_by_batch_pp))
            fprintf(o, "  with each batch's own p: leave-one-out RMSE %.3f pp over the %d cells whose batch has >= 2 cells\n", f->loo_by_batch_pp, f->loo_by_batch_cells);
        fprintf(o, "  %6s %6s %10s\n", "batch", "cells", "p");
        for (k = 0; k < f->nbatch; k++) fprintf(o, "  %6d %6d %10.4g\n", f->batch_values[k], f->cells_by_batch[k], f->p_by_batch[k]);
    }
}
static const bt_rc_cell *bti_rc_find_cell(const bt_rc_cell *c, size_t n, int b, int w) {
    size_t i;
    const bt_rc_cell *hit = NULL;
    for (i = 0; i < n; i++) if (c[i].batch == b && c[i].window == w) hit = &c[i];  /* the last one wins */
    return hit;
}
BTI_DEF void bt_rc_write_grid_csv(const bt_rc_fit *f, const int *windows, int nw, const int *batches, int nb, double cap, FILE *o) {
    int a, b;
    if (!f || !o) return;
    fprintf(o, "batch,window,recompute_pct,feasible,kind,measured_pct\n");
    for (b = 0; b < nb; b++) for (a = 0; a < nw; a++) {
        const bt_rc_cell *m = bti_rc_find_cell(f->cells, f->n, batches[b], windows[a]);
        char v[64];
        int feas = cap <= 0 || (double)batches[b] * (double)windows[a] <= cap;
        bti_fmt_double(v, sizeof v, bt_rc_fit_predict(f, batches[b], windows[a]));
        fprintf(o, "%d,%d,%s,%d,%s,", batches[b], windows[a], v, feas, m ? "fitted" : "prediction");
        if (m) { bti_fmt_double(v, sizeof v, m->pct); fprintf(o, "%s", v); }
        fprintf(o, "\n");
    }
}
/* the grid as results: axes batch, window; metric recompute_pct (and model_pct with a fit) */
static bt_status bti_rc_results(const bt_rc_cell *cells, size_t n, const int *windows, int nw, const int *batches, int nb,
                                double cap, const bt_rc_fit *fit, bt_results **out) {
    static const char *const axes[2] = {"batch", "window"};
    static const char *const metric[2] = {"recompute_pct", "model_pct"};
    bt_results *r;
    int a, b;
    bt_status st = BT_OK;
    *out = NULL;
    if (!windows || !batches || nw < 1 || nb < 1) return BT_E_INVALID;
    r = bt_results_create(2, axes, fit ? 2 : 1, metric);
    if (!r) return BT_E_NOMEM;
    for (b = 0; b < nb && st == BT_OK; b++) for (a = 0; a < nw && st == BT_OK; a++) {
        char bs[32], ws[32], why[96];
        const char *av[2];
        const bt_rc_cell *m = cells ? bti_rc_find_cell(cells, n, batches[b], windows[a]) : NULL;
        double v[2];
        bti_fmt(bs, sizeof bs, "%d", batches[b]);
        bti_fmt(ws, sizeof ws, "%d", windows[a]);
        av[0] = bs; av[1] = ws;
        v[0] = v[1] = NAN;
        if (cap > 0 && (double)batches[b] * (double)windows[a] > cap) {
            bti_fmt(why, sizeof why, "batch*window=%.0f > %g", (double)batches[b] * (double)windows[a], cap);
            st = bt_results_add(r, "recompute %", "", av, BT_CELL_INFEASIBLE, why, 0, 0, v);
        } else if (m) {
            v[0] = m->pct;
            if (fit) v[1] = bt_rc_fit_predict(fit, batches[b], windows[a]);
            st = bt_results_add(r, "recompute %", "", av, BT_CELL_OK, "", 1, 0, v);
        }
    }
    if (st == BT_OK && bt_results_num_rows(r) == 0) st = BT_E_NOT_FOUND;
    if (st != BT_OK) { bt_results_free(r); return st; }
    *out = r;
    return BT_OK;
}
BTI_DEF bt_status bt_rc_print_heatmap(const bt_rc_cell *cells, size_t n, const int *windows, int nw, const int *batches, int nb,
                                      double cap, FILE *o, int mode) {
    bt_results *r;
    bt_status st;
    if (!o) return BT_E_INVALID;
    st = bti_rc_results(cells, n, windows, nw, batches, nb, cap, NULL, &r);
    if (st != BT_OK) return st;
    st = bt_print_heatmap(r, "recompute %", "window", "batch", "recompute_pct", o, mode);
    bt_results_free(r);
    return st;
}
BTI_DEF bt_status bt_rc_write_html(const bt_rc_cell *cells, size_t n, const int *windows, int nw, const int *batches, int nb,
                                   double cap, const bt_rc_fit *fit, const char *title, const char *path, char *err, size_t err_len) {
    bt_results *r;
    bt_status st;
    bt_html_opts ho;
    static const char *const metrics[2] = {"recompute_pct", "model_pct"};
    if (!path) { bti_fmt(err, err_len, "recompute html: no path"); return BT_E_INVALID; }
    st = bti_rc_results(cells, n, windows, nw, batches, nb, cap, fit, &r);
    if (st != BT_OK) { bti_fmt(err, err_len, "recompute html: %s", bt_status_str(st)); return st; }
    memset(&ho, 0, sizeof ho);
    ho.title = title ? title : "recompute % of windowed verification";
    ho.metrics = metrics;
    ho.num_metrics = fit ? 2 : 1;
    ho.x_axis = "window";
    ho.y_axis = "batch";
    ho.line_axis = "window";
    st = bt_write_html_report(r, NULL, NULL, path, &ho);
    if (st != BT_OK) bti_fmt(err, err_len, "%s", bt_results_error(r));
    bt_results_free(r);
    return st;
}

/* ---- choice of (W, B) ---- */
BTI_DEF void bt_rc_choice_free(bt_rc_choice *c) {
    if (!c) return;
    bti_free(c->opt);
    memset(c, 0, sizeof *c);
}
BTI_DEF bt_status bt_rc_choose(const bt_rc_fit *fit, const bt_rc_timing *t, int n, double cap, bt_rc_choice *out) {
    int i, j;
    if (!out) return BT_E_INVALID;
    memset(out, 0, sizeof *out);
    out->pick = -1;
    out->cap = cap;
    if (!fit || !t || n < 1) { bti_fmt(out->message, sizeof out->message, "no timings given"); return BT_E_INVALID; }
    out->opt = (bt_rc_option *)bti_calloc((size_t)n, sizeof(bt_rc_option));
    if (!out->opt) return BT_E_NOMEM;
    out->n = n;
    for (i = 0; i < n; i++) {
        bt_rc_option *op = &out->opt[i];
        bt_rc_expect e;
        op->batch = t[i].batch; op->window = t[i].window;
        if (t[i].batch < 1 || t[i].window < 1 || !(t[i].fast_s_per_token >= 0) || !(t[i].verify_s_per_pass >= 0)) {
            bti_fmt(out->message, sizeof out->message, "timing %d (batch %d, window %d) is not valid", i + 1, t[i].batch, t[i].window);
            bt_rc_choice_free(out);
            out->pick = -1;
            return BT_E_INVALID;
        }
        op->feasible = cap <= 0 || (double)op->batch * (double)op->window <= cap;
        if (bt_rc_expected(bti_rc_fit_p(fit, op->batch), op->window, &fit->lengths, &e, NULL, 0) != BT_OK) {
            op->pct = op->s_per_kept = NAN;
            op->feasible = 0;
            continue;
        }
        op->pct = e.pct;
        op->windows_per_kept = e.windows_per_kept;
        op->fast_s_per_kept = t[i].fast_s_per_token * (1.0 + e.ratio);
        op->verify_s_per_kept = t[i].verify_s_per_pass * e.windows_per_kept / (double)op->batch;
        op->s_per_kept = op->fast_s_per_kept + op->verify_s_per_kept;
    }
    for (i = 1; i < n; i++) for (j = i; j > 0; j--) {
        bt_rc_option *a = &out->opt[j - 1], *b = &out->opt[j], tmp;
        int swap = (b->feasible && !a->feasible) || (b->feasible == a->feasible && (isnan(a->s_per_kept) ? !isnan(b->s_per_kept) : b->s_per_kept < a->s_per_kept));
        if (!swap) break;
        tmp = *a; *a = *b; *b = tmp;
    }
    if (out->opt[0].feasible && !isnan(out->opt[0].s_per_kept)) {
        const bt_rc_option *p = &out->opt[0];
        out->pick = 0;
        bti_fmt(out->message, sizeof out->message, "pick window %d, batch %d: %.4g us per kept token (recompute %.2f %%, %.0f%% of the time in verification)",
                p->window, p->batch, p->s_per_kept * 1e6, p->pct, 100 * p->verify_s_per_kept / p->s_per_kept);
    } else bti_fmt(out->message, sizeof out->message, "no timed (window, batch) is within the budget %g", cap);
    return BT_OK;
}
BTI_DEF void bt_rc_print_tradeoff(const bt_rc_choice *c, FILE *o) {
    int i;
    if (!c || !o) return;
    fprintf(o, "trade-off: time per kept token, best batch per window%s\n", c->cap > 0 ? " within the budget" : "");
    if (c->cap > 0) fprintf(o, "budget batch*window <= %g\n", c->cap);
    fprintf(o, "  %7s %6s %11s %13s %15s %13s %8s\n", "window", "batch", "recompute%", "fast us/tok", "verify us/tok", "total us/tok", "vs pick");
    /* print in window order */
    {
        int wprev = 0;
        for (;;) {
            int wnext = INT_MAX, best = -1;
            for (i = 0; i < c->n; i++) if (c->opt[i].feasible && !isnan(c->opt[i].s_per_kept) && c->opt[i].window > wprev && c->opt[i].window < wnext) wnext = c->opt[i].window;
            if (wnext == INT_MAX) break;
            for (i = 0; i < c->n; i++) if (c->opt[i].feasible && c->opt[i].window == wnext && !isnan(c->opt[i].s_per_kept)) { best = i; break; }
            if (best >= 0) {
                const bt_rc_option *p = &c->opt[best];
                fprintf(o, "  %7d %6d %10.2f%% %13.3f %15.3f %13.3f %7.1f%%%s\n", p->window, p->batch, p->pct, p->fast_s_per_kept * 1e6,
                        p->verify_s_per_kept * 1e6, p->s_per_kept * 1e6,
                        c->pick >= 0 ? 100 * (p->s_per_kept / c->opt[c->pick].s_per_kept - 1) : 0.0, best == c->pick ? "  <- pick" : "");
            }
            wprev = wnext;
        }
    }
    fprintf(o, "%s\n", c->message);
}
/* ---- the real workload: a small autoregressive generator, fast vs reference path ---- */
struct bt_rc_gen {
    bt_rc_gen_desc d;
    float *emb;                    /* vocab x dim */
    float *w;                      /* layers x dim x dim, k-major (w[l][k][j]) */
    float *u;                      /* dim x vocab, k-major */
    double *hist;                  /* clipped length distribution, hist[L] */
    size_t hist_len;
    bt_rc_lengths hlen;
    bti_rc_sampler smp;
    float *xa, *xb, *part;         /* scratch, grown on demand */
    size_t cap_xa, cap_xb, cap_part;
};
static float bti_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7f800000u) == 0x7f800000u) return x;          /* inf, nan */
    u += 0x7fffu + ((u >> 16) & 1u);                           /* round to nearest even */
    u &= 0xffff0000u;
    memcpy(&x, &u, sizeof u);
    return x;
}
BTI_DEF bt_rc_gen_desc bt_rc_gen_desc_defaults(const bt_rc_gen_desc *d) {
    bt_rc_gen_desc o;
    if (d) o = *d; else memset(&o, 0, sizeof o);
    if (o.vocab <= 0) o.vocab = 512;
    if (o.dim <= 0) o.dim = 128;
    if (o.layers <= 0) o.layers = 1;
    if (o.context <= 0) o.context = 4;
    if (o.split_k_max <= 0) o.split_k_max = 16;
    if (o.lengths.kind == BT_RC_UNBOUNDED) { o.lengths.kind = BT_RC_LOGNORMAL; o.lengths.param = 128; o.lengths.sigma = 1; }
    if (o.lengths.kind == BT_RC_LOGNORMAL && !(o.lengths.sigma > 0)) o.lengths.sigma = 1;
    if (o.max_len <= 0) o.max_len = 4096;
    if (o.min_divergences <= 0) o.min_divergences = 100;
    if (!(o.max_kept > 0)) o.max_kept = 1e6;
    if (!o.seed) o.seed = 1;
    return o;
}
BTI_DEF void bt_rc_gen_destroy(bt_rc_gen *g) {
    if (!g) return;
    bti_free(g->emb); bti_free(g->w); bti_free(g->u); bti_free(g->hist);
    bti_free(g->smp.cum); bti_free(g->xa); bti_free(g->xb); bti_free(g->part);
    bti_free(g);
}
BTI_DEF bt_rc_gen *bt_rc_gen_create(const bt_rc_gen_desc *din, char *err, size_t err_len) {
    bt_rc_gen *g;
    bt_rc_gen_desc d = bt_rc_gen_desc_defaults(din);
    bti_rc_dist ds;
    size_t i, nw;
    uint64_t rng;
    float a;
    if (d.vocab < 2 || d.vocab > 65536) { bti_fmt(err, err_len, "recompute workload: vocab %d must be in 2..65536", d.vocab); return NULL; }
    if (d.dim < 2 || d.dim > 4096) { bti_fmt(err, err_len, "recompute workload: dim %d must be in 2..4096", d.dim); return NULL; }
    if (d.layers > 64 || d.context > 64 || d.split_k_max > 1024) { bti_fmt(err, err_len, "recompute workload: layers %d / context %d / split_k_max %d too large", d.layers, d.context, d.split_k_max); return NULL; }
    if (d.max_len > (1 << 20)) { bti_fmt(err, err_len, "recompute workload: max_len %d above 1048576", d.max_len); return NULL; }
    if (!(d.inject_p >= 0 && d.inject_p < 1)) { bti_fmt(err, err_len, "recompute workload: inject_p %g must be in [0, 1)", d.inject_p); return NULL; }
    g = (bt_rc_gen *)bti_calloc(1, sizeof *g);
    if (!g) { bti_fmt(err, err_len, "recompute workload: out of memory"); return NULL; }
    g->d = d;
    if (bti_rc_dist_build(&d.lengths, 1, (size_t)d.max_len, &ds, err, err_len) != BT_OK) { bt_rc_gen_destroy(g); return NULL; }
    g->hist = ds.pr;
    g->hist_len = ds.lmax + 1;
    g->hlen.kind = BT_RC_HISTOGRAM;
    g->hlen.hist = g->hist;
    g->hlen.hist_len = g->hist_len;
    if (bti_rc_sampler_init(&g->smp, &g->hlen, err, err_len) != BT_OK) { bt_rc_gen_destroy(g); return NULL; }
    nw = (size_t)d.layers * (size_t)d.dim * (size_t)d.dim;
    g->emb = (float *)bti_malloc((size_t)d.vocab * (size_t)d.dim * sizeof(float));
    g->w = (float *)bti_malloc(nw * sizeof(float));
    g->u = (float *)bti_malloc((size_t)d.dim * (size_t)d.vocab * sizeof(float));
    if (!g->emb || !g->w || !g->u) { bti_fmt(err, err_len, "recompute workload: out of memory for weights"); bt_rc_gen_destroy(g); return NULL; }
    rng = d.seed * 0x2545F4914F6CDD1DULL + 17;
    for (i = 0; i < (size_t)d.vocab * (size_t)d.dim; i++) g->emb[i] = bti_bf16((float)(2 * bti_rc_u01(&rng) - 1));
    a = sqrtf(3.0f / (float)d.dim);
    for (i = 0; i < nw; i++) g->w[i] = bti_bf16(a * (float)(2 * bti_rc_u01(&rng) - 1));
    for (i = 0; i < (size_t)d.dim * (size_t)d.vocab; i++) g->u[i] = bti_bf16(a * (float)(2 * bti_rc_u01(&rng) - 1));
    return g;
}
BTI_DEF bt_rc_lengths bt_rc_gen_lengths(const bt_rc_gen *g) {
    bt_rc_lengths l;
    if (g) return g->hlen;
    memset(&l, 0, sizeof l);
    return l;
}
static int bti_rc_grow(float **p, size_t *cap, size_t need) {
    float *n;
    if (need <= *cap) return 1;
    n = (float *)bti_realloc(*p, need * sizeof(float));
    if (!n) return 0;
    *p = n; *cap = need;
    return 1;
}
#if defined(__GNUC__) || defined(__clang__) || defined(_MSC_VER)
#define BTI_RC_RESTRICT __restrict
#else
#define BTI_RC_RESTRICT
#endif
/* y += a * w, unrolled by 8 so compilers vectorize it at -O2 */
static void bti_rc_axpy(float *BTI_RC_RESTRICT y, const float *BTI_RC_RESTRICT w, float a, int n) {
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        y[j] += a * w[j]; y[j + 1] += a * w[j + 1]; y[j + 2] += a * w[j + 2]; y[j + 3] += a * w[j + 3];
        y[j + 4] += a * w[j + 4]; y[j + 5] += a * w[j + 5]; y[j + 6] += a * w[j + 6]; y[j + 7] += a * w[j + 7];
    }
    for (; j < n; j++) y[j] += a * w[j];
}
/* Y[R x N] = X[R x K] * Wt[K x N] as split-K: K cut into S contiguous chunks, each summed in
   fp32 (in `acc` interleaved accumulators, 1 or 2); then the chunk sums are added into the
   output in the order rot(r), rot(r)+1, ... (mod S), each addition rounded to bf16 when
   bf16_out (a bf16 output accumulated chunk by chunk, like split-K with atomics), else in
   fp32. rot(r) = (r + rot0) % S. Rows go in blocks of 16 so a weight row is reused from cache.
   part holds 16 * S * acc * N floats. */
static void bti_rc_mm(const float *X, int R, int K, const float *Wt, int N, float *Y, int S, int acc, int rot0, int bf16_out, float *part) {
    int r0, r, s, k, j, i;
    const size_t row = (size_t)S * (size_t)acc * (size_t)N;
    for (r0 = 0; r0 < R; r0 += 16) {
        int r1 = r0 + 16 < R ? r0 + 16 : R;
        memset(part, 0, (size_t)(r1 - r0) * row * sizeof(float));
        for (s = 0; s < S; s++) {
            int k0 = (int)((long)K * s / S), k1 = (int)((long)K * (s + 1) / S);
            for (k = k0; k < k1; k++) {
                const float *w = Wt + (size_t)k * (size_t)N;
                const size_t off = (size_t)(s * acc + (acc > 1 ? (k - k0) & 1 : 0)) * (size_t)N;
                for (r = r0; r < r1; r++) bti_rc_axpy(part + (size_t)(r - r0) * row + off, w, X[(size_t)r * (size_t)K + (size_t)k], N);
            }
        }
        for (r = r0; r < r1; r++) {
            float *P = part + (size_t)(r - r0) * row, *y = Y + (size_t)r * (size_t)N;
            if (acc > 1)
                for (s = 0; s < S; s++) { float *e = P + (size_t)(2 * s) * (size_t)N, *o = e + N; for (j = 0; j < N; j++) e[j] += o[j]; }
            for (j = 0; j < N; j++) y[j] = 0;
            for (i = 0; i < S; i++) {
                const float *c = P + (size_t)(((i + r + rot0) % S) * acc) * (size_t)N;
                if (bf16_out) for (j = 0; j < N; j++) y[j] = bti_bf16(y[j] + c[j]);
                else for (j = 0; j < N; j++) y[j] += c[j];
            }
        }
    }
}
/* the input of one position: the previous `context` tokens' embeddings (weighted 1/c) plus a
   per-request, per-position pseudo-random vector; rounded to bf16 */
static void bti_rc_input(const bt_rc_gen *g, const int *tok, long t, uint64_t nz, float *x) {
    const int C = g->d.context, D = g->d.dim;
    int c, k;
    for (k = 0; k < D; k++) {
        uint64_t z = nz ^ ((uint64_t)t * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)k << 40);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        x[k] = 0.75f * (float)((double)(z >> 11) * (2.0 / 9007199254740992.0) - 1.0);
    }
    for (c = 1; c <= C; c++) {
        const float *e = g->emb + (size_t)tok[(size_t)(C + t - c)] * (size_t)D;
        const float wgt = 1.0f / (float)c;
        for (k = 0; k < D; k++) x[k] += wgt * e[k];
    }
    for (k = 0; k < D; k++) x[k] = bti_bf16(x[k]);
}
/* R rows of inputs in g->xa -> next tokens. fast = 0: the reference order (4 chunks, one
   accumulator, added in order); fast = 1: split-K with S chunks, two accumulators, added
   starting at a chunk that depends on the row and the batch size */
static void bti_rc_forward(bt_rc_gen *g, int R, int fast, int *next) {
    const int D = g->d.dim, V = g->d.vocab;
    int l, r, S = 4, acc = 1, rot0 = 0;
    size_t i;
    float *x = g->xa, *y = g->xb;
    if (fast) {
        S = g->d.split_k_max / R;
        if (S < 2) S = 2;
        acc = 2;
        rot0 = R;
    }
    for (l = 0; l < g->d.layers; l++) {
        const float *W = g->w + (size_t)l * (size_t)D * (size_t)D;
        bti_rc_mm(x, R, D, W, D, y, S, acc, rot0, 1, g->part);
        for (i = 0; i < (size_t)R * (size_t)D; i++) y[i] = bti_bf16(tanhf(y[i]));
        { float *t = x; x = y; y = t; }
    }
    bti_rc_mm(x, R, D, g->u, V, y, S, acc, rot0, g->d.logits_bf16, g->part);
    for (r = 0; r < R; r++) {
        const float *z = y + (size_t)r * (size_t)V;
        int j, best = 0;
        for (j = 1; j < V; j++) if (z[j] > z[best]) best = j;
        next[r] = best;
    }
}
typedef struct bti_rc_slot {
    long req;                      /* -1: empty */
    long len, done, m;
    double disc;
    uint64_t nz;
    int *tok;                      /* context prompt, then every token position */
    int *ref;                      /* reference tokens of the window */
} bti_rc_slot;
BTI_DEF bt_status bt_rc_gen_measure(bt_rc_gen *g, int batch, int window, bt_rc_measure *out) {
    const bt_rc_gen_desc *d;
    bti_rc_slot *sl;
    int *rowslot, *next, *tokmem;
    long next_req = 0, j, mmax;
    int s, admit = 1, C, min_req;
    size_t per;
    uint64_t rng;
    bti_rc_ratio_acc acc;
    bt_status st = BT_OK;
    if (!g || !out || batch < 1 || batch > 4096 || window < 1 || window > 65536) return BT_E_INVALID;
    d = &g->d;
    C = d->context;
    memset(out, 0, sizeof *out);
    memset(&acc, 0, sizeof acc);
    out->batch = batch; out->window = window;
    min_req = d->min_requests > 4 * batch ? d->min_requests : 4 * batch;
    per = (size_t)C + (size_t)d->max_len + (size_t)window + 1;
    sl = (bti_rc_slot *)bti_calloc((size_t)batch, sizeof *sl);
    rowslot = (int *)bti_malloc(((size_t)batch * (size_t)window + 1) * sizeof(int));
    next = (int *)bti_malloc(((size_t)batch * (size_t)window + 1) * sizeof(int));
    tokmem = (int *)bti_malloc((size_t)batch * (per + (size_t)window) * sizeof(int));
    {
        size_t wide = (size_t)(d->dim > d->vocab ? d->dim : d->vocab);
        size_t act = (size_t)batch * (size_t)window * wide;
        size_t part = 16 * 2 * wide * (size_t)(d->split_k_max > 4 ? d->split_k_max : 4);
        if (!sl || !rowslot || !next || !tokmem || !bti_rc_grow(&g->xa, &g->cap_xa, act) || !bti_rc_grow(&g->xb, &g->cap_xb, act) ||
            !bti_rc_grow(&g->part, &g->cap_part, part)) { st = BT_E_NOMEM; goto done; }
    }
    for (s = 0; s < batch; s++) {
        sl[s].req = -1;
        sl[s].tok = tokmem + (size_t)s * (per + (size_t)window);
        sl[s].ref = sl[s].tok + per;
    }
    rng = d->seed * 0x9E3779B97F4A7C15ULL + (uint64_t)batch * 1000003u + (uint64_t)window;
    for (;;) {
        int active = 0, R;
        long rows;
        uint64_t t0;
        if (admit && ((out->divergences >= d->min_divergences && next_req >= min_req) || out->kept >= d->max_kept)) admit = 0;
        for (s = 0; s < batch; s++) {
            if (sl[s].req < 0 && admit) {
                uint64_t rr = d->seed * 0xD1B54A32D192ED03ULL + (uint64_t)next_req * 0x8CB92BA72F3D8DD7ULL + 1;
                int c;
                bti_rand_next(&rr);
                sl[s].req = next_req++;
                sl[s].len = (long)bti_rc_sample_len(&g->smp, &rr);
                sl[s].done = 0; sl[s].disc = 0;
                sl[s].nz = bti_rand_next(&rr);
                for (c = 0; c < C; c++) sl[s].tok[c] = (int)(bti_rand_next(&rr) % (uint64_t)d->vocab);
            }
            if (sl[s].req >= 0) active++;
        }
        if (!active) break;
        mmax = 0;
        for (s = 0; s < batch; s++) if (sl[s].req >= 0) {
            sl[s].m = sl[s].len - sl[s].done < window ? sl[s].len - sl[s].done : window;
            if (sl[s].m > mmax) mmax = sl[s].m;
            out->fast_tokens += (double)sl[s].m;
        }
        /* fast path: decode the window step by step, the batch shrinking as short requests end */
        t0 = bt_now_ns();
        if (d->inject_p <= 0) {
            for (j = 0; j < mmax; j++) {
                R = 0;
                for (s = 0; s < batch; s++) if (sl[s].req >= 0 && sl[s].m > j) {
                    bti_rc_input(g, sl[s].tok, sl[s].done + j, sl[s].nz, g->xa + (size_t)R * (size_t)d->dim);
                    rowslot[R++] = s;
                }
                bti_rc_forward(g, R, 1, next);
                for (s = 0; s < R; s++) { bti_rc_slot *q = &sl[rowslot[s]]; q->tok[C + q->done + j] = next[s]; }
            }
        }
        out->fast_s += (double)(bt_now_ns() - t0) * 1e-9;
        /* verification: every position of every window in one reference pass */
        t0 = bt_now_ns();
        rows = 0;
        if (d->inject_p <= 0) {
            for (s = 0; s < batch; s++) if (sl[s].req >= 0)
                for (j = 0; j < sl[s].m; j++) {
                    bti_rc_input(g, sl[s].tok, sl[s].done + j, sl[s].nz, g->xa + (size_t)rows * (size_t)d->dim);
                    rowslot[rows++] = s;
                }
            bti_rc_forward(g, (int)rows, 0, next);
        }
        out->verify_s += (double)(bt_now_ns() - t0) * 1e-9;
        out->passes += 1;
        rows = 0;
        for (s = 0; s < batch; s++) {
            bti_rc_slot *q = &sl[s];
            long first = -1, kept;
            if (q->req < 0) continue;
            out->windows += 1;
            if (d->inject_p > 0) {
                double k = bti_rc_draw_k(&rng, d->inject_p);
                if (k <= (double)q->m) first = (long)k - 1;
            } else {
                for (j = 0; j < q->m; j++) if (first < 0 && next[rows + j] != q->tok[C + q->done + j]) first = j;
                if (first >= 0) q->tok[C + q->done + first] = next[rows + first];   /* the reference token is kept */
            }
            rows += q->m;
            if (first >= 0) {
                kept = first + 1;
                q->disc += (double)(q->m - kept);
                out->discarded += (double)(q->m - kept);
                out->divergences += 1;
            } else kept = q->m;
            q->done += kept;
            out->kept += (double)kept;
            if (q->done >= q->len) {
                bti_rc_acc_add(&acc, q->disc, (double)q->len);
                out->requests++;
                q->req = -1;
            }
        }
    }
    {
        double r, lo, hi;
        bti_rc_acc_ci(&acc, &r, &lo, &hi);
        out->pct = 100 * r; out->pct_lo = 100 * lo; out->pct_hi = 100 * hi;
    }
    out->fast_s_per_token = out->fast_tokens > 0 ? out->fast_s / out->fast_tokens : NAN;
    out->verify_s_per_pass = out->passes > 0 ? out->verify_s / out->passes : NAN;
    out->enough = out->divergences >= d->min_divergences;
done:
    bti_free(sl); bti_free(rowslot); bti_free(next); bti_free(tokmem);
    return st;
}
BTI_DEF bt_status bt_rc_gen_time(bt_rc_gen *g, int batch, int window, double *fast_s_per_token, double *verify_s_per_pass) {
    int *tok, *next, C, b, j;
    size_t per, wide, act, part;
    uint64_t *nz, t0, t1, t2;
    if (!g || batch < 1 || batch > 4096 || window < 1 || window > 65536 || !fast_s_per_token || !verify_s_per_pass) return BT_E_INVALID;
    C = g->d.context;
    per = (size_t)C + (size_t)window + 1;
    wide = (size_t)(g->d.dim > g->d.vocab ? g->d.dim : g->d.vocab);
    act = (size_t)batch * (size_t)window * wide;
    part = 16 * 2 * wide * (size_t)(g->d.split_k_max > 4 ? g->d.split_k_max : 4);
    tok = (int *)bti_malloc((size_t)batch * per * sizeof(int));
    next = (int *)bti_malloc(((size_t)batch * (size_t)window + 1) * sizeof(int));
    nz = (uint64_t *)bti_malloc((size_t)batch * sizeof(uint64_t));
    if (!tok || !next || !nz || !bti_rc_grow(&g->xa, &g->cap_xa, act) || !bti_rc_grow(&g->xb, &g->cap_xb, act) || !bti_rc_grow(&g->part, &g->cap_part, part)) {
        bti_free(tok); bti_free(next); bti_free(nz);
        return BT_E_NOMEM;
    }
    for (b = 0; b < batch; b++) {
        uint64_t rr = g->d.seed * 0xD1B54A32D192ED03ULL + (uint64_t)b * 0x8CB92BA72F3D8DD7ULL + 1;
        int c;
        bti_rand_next(&rr);
        nz[b] = bti_rand_next(&rr);
        for (c = 0; c < C; c++) tok[(size_t)b * per + (size_t)c] = (int)(bti_rand_next(&rr) % (uint64_t)g->d.vocab);
    }
    t0 = bt_now_ns();
    for (j = 0; j < window; j++) {
        for (b = 0; b < batch; b++) bti_rc_input(g, tok + (size_t)b * per, j, nz[b], g->xa + (size_t)b * (size_t)g->d.dim);
        bti_rc_forward(g, batch, 1, next);
        for (b = 0; b < batch; b++) tok[(size_t)b * per + (size_t)C + (size_t)j] = next[b];
    }
    t1 = bt_now_ns();
    for (b = 0; b < batch; b++)
        for (j = 0; j < window; j++)
            bti_rc_input(g, tok + (size_t)b * per, j, nz[b], g->xa + ((size_t)b * (size_t)window + (size_t)j) * (size_t)g->d.dim);
    bti_rc_forward(g, batch * window, 0, next);
    t2 = bt_now_ns();
    *fast_s_per_token = (double)(t1 - t0) * 1e-9 / ((double)batch * (double)window);
    *verify_s_per_pass = (double)(t2 - t1) * 1e-9;
    bti_free(tok); bti_free(next); bti_free(nz);
    return BT_OK;
}

/* ---------------------------------------------------------------- pipeline workload ------ */
BTI_DEF void bt_pipeline_free(bt_pipeline *p) {
    if (!p) return;
    bti_free(p->w1); bti_free(p->w2); bti_free(p->w3); bti_free(p->act);
    p->w1 = p->w2 = p->w3 = p->act = NULL;
    p->in_features = p->act_rows = p->last_rows = 0;
}
static void bti_fill_weights(float *w, size_t n, size_t fan_in, uint32_t seed) {
    size_t i;
    float scale = 2.0f / sqrtf((float)fan_in);
    for (i = 0; i < n; i++) w[i] = ((float)(bti_xorshift(&seed) % 2001) / 1000.0f - 1.0f) * scale;
}
/* y[rows x n] = relu(x[rows x k] * W[k x n]); k blocked so a slab of W stays in cache */
static void bti_fc_relu(const float *x, int rows, int k, const float *W, int n, float *y, int relu) {
    int i, kb, kk, j;
    const int KB = 128;
    memset(y, 0, (size_t)rows * (size_t)n * sizeof(float));
    for (kb = 0; kb < k; kb += KB) {
        int ke = kb + KB < k ? kb + KB : k;
        for (i = 0; i < rows; i++) {
            const float *xi = x + (size_t)i * (size_t)k;
            float *yi = y + (size_t)i * (size_t)n;
            for (kk = kb; kk < ke; kk++) {
                const float a = xi[kk], *w = W + (size_t)kk * (size_t)n;
                if (a == 0.0f) continue;
                for (j = 0; j < n; j++) yi[j] += a * w[j];
            }
        }
    }
    if (relu) for (i = 0; i < rows * n; i++) y[i] = y[i] > 0 ? y[i] : 0;
}
BTI_DEF void bt_pipeline_head_weights(int in, int hidden, int classes, float *w1, float *w2, float *w3) {
    if (in <= 0 || hidden <= 0 || classes <= 0) return;
    if (w1) bti_fill_weights(w1, (size_t)in * (size_t)hidden, (size_t)in, 11u);
    if (w2) bti_fill_weights(w2, (size_t)hidden * (size_t)hidden, (size_t)hidden, 12u);
    if (w3) bti_fill_weights(w3, (size_t)hidden * (size_t)classes, (size_t)hidden, 13u);
}
BTI_DEF const float *bt_pipeline_head_output(const bt_pipeline *p, int *rows) {
    if (rows) *rows = 0;
    if (!p || !p->act || p->last_rows <= 0 || p->in_features <= 0) return NULL;
    if (rows) *rows = p->last_rows;
    return p->act + (size_t)p->last_rows * (size_t)(p->in_features + 2 * p->hidden);
}
static bt_status bti_pipeline_head(bt_pipeline *p, const bt_batch *b, bt_sample *s) {
    int H = b->height, W = b->width, C = b->channels > 0 ? b->channels : 3;
    int ph = H / 8, pw = W / 8, in, i, c, y, x, dy, dx, rows = b->items;
    float *pooled, *h1, *h2, *out;
    if (ph < 1 || pw < 1 || C != 3) {
        bti_fmt(s->error, sizeof s->error, "pipeline head: items of %dx%dx%d are not images (use a compute callback)", H, W, C);
        return BT_E_INVALID;
    }
    in = C * ph * pw;
    if (in != p->in_features) {
        bt_pipeline_free(p);
        p->w1 = (float *)bti_malloc((size_t)in * (size_t)p->hidden * sizeof(float));
        p->w2 = (float *)bti_malloc((size_t)p->hidden * (size_t)p->hidden * sizeof(float));
        p->w3 = (float *)bti_malloc((size_t)p->hidden * (size_t)p->classes * sizeof(float));
        if (!p->w1 || !p->w2 || !p->w3) { bt_pipeline_free(p); bti_fmt(s->error, sizeof s->error, "pipeline head: no memory for weights"); return BT_E_NOMEM; }
        bt_pipeline_head_weights(in, p->hidden, p->classes, p->w1, p->w2, p->w3);
        p->in_features = in;
    }
    if (rows > p->act_rows) {
        float *na = (float *)bti_realloc(p->act, (size_t)rows * (size_t)(in + 2 * p->hidden + p->classes) * sizeof(float));
        if (!na) { bti_fmt(s->error, sizeof s->error, "pipeline head: no memory for a batch of %d", rows); return BT_E_NOMEM; }
        p->act = na;
        p->act_rows = rows;
    }
    pooled = p->act;
    h1 = pooled + (size_t)rows * (size_t)in;
    h2 = h1 + (size_t)rows * (size_t)p->hidden;
    out = h2 + (size_t)rows * (size_t)p->hidden;
    for (i = 0; i < rows; i++) {
        float *o = pooled + (size_t)i * (size_t)in;
        if (b->layout == BT_LAYOUT_NCHW_F32) {
            const float *img = (const float *)((const char *)b->data + (size_t)i * b->item_bytes);
            for (c = 0; c < 3; c++) for (y = 0; y < ph; y++) for (x = 0; x < pw; x++) {
                float sum = 0;
                for (dy = 0; dy < 8; dy++) for (dx = 0; dx < 8; dx++) sum += img[((size_t)c * (size_t)H + (size_t)(8 * y + dy)) * (size_t)W + (size_t)(8 * x + dx)];
                o[((size_t)c * (size_t)ph + (size_t)y) * (size_t)pw + (size_t)x] = sum * (1.0f / 64.0f);
            }
        } else {   /* HWC uint8: NHWC batches and record files; normalize on the fly */
            const unsigned char *img = (const unsigned char *)b->data + (size_t)i * b->item_bytes;
            for (y = 0; y < ph; y++) for (x = 0; x < pw; x++) for (c = 0; c < 3; c++) {
                int sum = 0;
                for (dy = 0; dy < 8; dy++) for (dx = 0; dx < 8; dx++) sum += img[(((size_t)(8 * y + dy)) * (size_t)W + (size_t)(8 * x + dx)) * 3 + (size_t)c];
                o[((size_t)c * (size_t)ph + (size_t)y) * (size_t)pw + (size_t)x] = ((float)sum * (1.0f / (64.0f * 255.0f)) - 0.45f) * 4.4f;
            }
        }
    }
    bti_fc_relu(pooled, rows, in, p->w1, p->hidden, h1, 1);
    bti_fc_relu(h1, rows, p->hidden, p->w2, p->hidden, h2, 1);
    bti_fc_relu(h2, rows, p->hidden, p->w3, p->classes, out, 0);
    p->checksum += (double)out[0];
    p->last_rows = rows;
    return BT_OK;
}
static bt_status bti_pipeline_run(const bt_cell *cell, void *user, bt_sample *s) {
    bt_pipeline *p = (bt_pipeline *)user;
    bt_loader_desc d = p->loader;
    bt_loader *L;
    bt_status st;
    bt_batch b;
    bt_loader_stats ls;
    double compute_s = 0, wait_s = 0;
    int64_t items = 0;
    char err[512];
    d.batch = (int)bt_cell_i64(cell, p->batch_axis);
    if (p->workers_axis >= 0) d.workers = (int)bt_cell_i64(cell, p->workers_axis);
    if (d.batch < 1 || d.workers < 1) {
        bti_fmt(s->error, sizeof s->error, "pipeline: batch %d and workers %d must be >= 1", d.batch, d.workers);
        return BT_E_INVALID;
    }
    L = bt_loader_create(&d, &st, err, sizeof err);
    if (!L) { bti_fmt(s->error, sizeof s->error, "%s", err); return st != BT_OK ? st : BT_E_IO; }
    for (;;) {
        uint64_t t0;
        st = bt_loader_next(L, &b);
        if (st != BT_OK) { bti_fmt(s->error, sizeof s->error, "%s", bt_loader_error(L)); break; }
        if (b.items == 0) break;
        wait_s += b.wait_s;
        t0 = bt_now_ns();
        st = p->compute ? p->compute(p->compute_user, &b, s) : bti_pipeline_head(p, &b, s);
        compute_s += (double)(bt_now_ns() - t0) * 1e-9;
        if (st != BT_OK) break;
        items += b.items;
    }
    bt_loader_get_stats(L, &ls);
    s->phase_s[BT_PHASE_FIRST_BATCH] = ls.first_batch_s;
    s->phase_s[BT_PHASE_LOAD_WAIT] = wait_s;
    s->phase_s[BT_PHASE_COMPUTE] = compute_s;
    if (p->compute && p->compute_finish) {   /* also after an error: the device work in flight ends here */
        char keep[sizeof s->error];
        bt_status fst;
        memcpy(keep, s->error, sizeof keep);
        fst = p->compute_finish(p->compute_user, s);
        if (st != BT_OK) memcpy(s->error, keep, sizeof keep);   /* the first error is the one to keep */
        else st = fst;
    }
    bt_loader_destroy(L);
    if (st != BT_OK) return st;
    s->items = (double)items;
    return BT_OK;
}
static bt_status bti_pipeline_setup(const bt_cell *cell, void *user, bt_sample *s) {
    bt_pipeline *p = (bt_pipeline *)user;
    if (!p->compute || !p->compute_setup) return BT_OK;
    return p->compute_setup(p->compute_user, (int)bt_cell_i64(cell, p->batch_axis), s);
}
static void bti_pipeline_teardown(const bt_cell *cell, void *user, bt_sample *s) {
    bt_pipeline *p = (bt_pipeline *)user;
    (void)cell; (void)s;
    if (p->compute && p->compute_teardown) p->compute_teardown(p->compute_user);
}
BTI_DEF bt_status bt_pipeline_init(bt_pipeline *p, bt_workload *w, const char *name) {
    if (!p || !w || p->batch_axis < 0) return BT_E_INVALID;
    if (p->hidden <= 0) p->hidden = 256;
    if (p->classes <= 0) p->classes = 10;
    if (p->hidden > 65536 || p->classes > 65536) return BT_E_INVALID;
    memset(w, 0, sizeof *w);
    w->name = name ? name : "pipeline";
    w->user = p;
    w->run = bti_pipeline_run;
    w->setup = bti_pipeline_setup;         /* do nothing without compute hooks */
    w->teardown = bti_pipeline_teardown;
    return BT_OK;
}

/* ---------------------------------------------------------------- HTML report ------------ */
/* Layout of a heatmap (see the markup contract in section 13). */
enum { BTI_HM_LM = 90, BTI_HM_TM = 44, BTI_HM_CW = 76, BTI_HM_CH = 32 };
/* cell states beyond bt_cell_status */
enum { BTI_HM_NONE = -1, BTI_HM_EXCLUDED = BT_CELL_STATUS_COUNT };

static void bti_html_esc(bti_str *s, const char *t) {
    const unsigned char *p;
    for (p = (const unsigned char *)(t ? t : ""); *p; p++) {
        switch (*p) {
        case '&': bti_str_cat(s, "&amp;"); break;
        case '<': bti_str_cat(s, "&lt;"); break;
        case '>': bti_str_cat(s, "&gt;"); break;
        case '"': bti_str_cat(s, "&quot;"); break;
        case '\'': bti_str_cat(s, "&#39;"); break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n') bti_str_add(s, "?", 1);
            else bti_str_add(s, (const char *)p, 1);
        }
    }
}
BTI_DEF void bt_html_color(double g, char hex[8]) {
    static const unsigned char stop[5][3] = {
        {0x44, 0x01, 0x54}, {0x3b, 0x52, 0x8b}, {0x21, 0x91, 0x8c}, {0x5e, 0xc9, 0x62}, {0xfd, 0xe7, 0x25}};
    int i, c, rgb[3];
    double f;
    if (isnan(g) || g < 0) g = 0;
    if (g > 1) g = 1;
    i = (int)floor(g * 4);
    if (i > 3) i = 3;
    f = g * 4 - i;
    for (c = 0; c < 3; c++) rgb[c] = (int)floor(stop[i][c] + (stop[i + 1][c] - stop[i][c]) * f + 0.5);
    snprintf(hex, 8, "#%02x%02x%02x", rgb[0] & 255, rgb[1] & 255, rgb[2] & 255);
}
/* black or white text on a fill */
static const char *bti_html_ink(const char *hex) {
    unsigned v = (unsigned)strtoul(hex + 1, NULL, 16);
    double lum = 0.299 * ((v >> 16) & 255) + 0.587 * ((v >> 8) & 255) + 0.114 * (v & 255);
    return lum > 140 ? "#000000" : "#ffffff";
}
/* 3 significant digits, plain notation between 1e-3 and 1e5 */
static void bti_html_num(char *buf, size_t n, double v) {
    double a = fabs(v);
    int dec;
    if (isnan(v)) { bti_fmt(buf, n, "-"); return; }
    if (a == 0) { bti_fmt(buf, n, "0"); return; }
    if (a < 1e-3 || a >= 1e5) { bti_fmt(buf, n, "%.3g", v); return; }
    dec = 2 - (int)floor(log10(a));
    if (dec < 0) dec = 0;
    bti_fmt(buf, n, "%.*f", dec, v);
}
typedef struct bti_html_mark { const char *fill, *hatch, *label, *what; } bti_html_mark;
static bti_html_mark bti_html_mark_of(int st) {
    bti_html_mark m;
    m.hatch = NULL;
    switch (st) {
    case BT_CELL_OOM: m.fill = "#f4cccc"; m.hatch = "#c62828"; m.label = "OOM"; m.what = "out of memory"; break;
    case BT_CELL_ERROR: m.fill = "#d9d9d9"; m.hatch = "#616161"; m.label = "error"; m.what = "error"; break;
    case BT_CELL_TIMEOUT: m.fill = "#ffe0b2"; m.hatch = "#e65100"; m.label = "timeout"; m.what = "timeout"; break;
    case BT_CELL_INFEASIBLE: m.fill = "#f0f0f0"; m.label = "infeasible"; m.what = "infeasible (over budget / outside the constraint)"; break;
    case BT_CELL_PRUNED: m.fill = "#e6e6e6"; m.label = "pruned"; m.what = "pruned (skipped by the strategy)"; break;
    case BT_CELL_NOT_RUN: m.fill = "#ffffff"; m.label = "not run"; m.what = "not run (time budget spent)"; break;
    case BTI_HM_EXCLUDED: m.fill = "#e0e0e0"; m.label = "excluded"; m.what = "excluded (a limit, or not measured on every workload)"; break;
    default: m.fill = "#ffffff"; m.label = "-"; m.what = "no value (no row, or the metric is empty)"; break;
    }
    return m;
}
/* order of preference when several rows land in one heatmap cell and none is ok */
static int bti_html_worse(int a, int b) { return a < 0 ? b : b < 0 ? a : (a < b ? a : b); }

typedef struct bti_hgrid {
    bti_vals xs, ys;
    double *v;                     /* xs.n * ys.n values (NAN: no value) */
    int *st;                       /* state per cell: BT_CELL_*, BTI_HM_NONE, BTI_HM_EXCLUDED */
    const char **tip;              /* borrowed text for the cell's tooltip (reason / why) */
    const bt_row **row;            /* the row whose value is shown (per-workload maps) */
    double lo, hi;
    double shift;                  /* the scale works on v + shift (1 for regret: the ratio) */
    int mark;                      /* cell index to outline, or -1 */
} bti_hgrid;
static void bti_hgrid_free(bti_hgrid *g) {
    bti_free(g->xs.v); bti_free(g->ys.v); bti_free(g->v); bti_free(g->st); bti_free(g->tip); bti_free(g->row);
    memset(g, 0, sizeof *g);
}
static bt_status bti_hgrid_init(bti_hgrid *g, const bt_results *r, int xa, int ya) {
    size_t k, n;
    memset(g, 0, sizeof *g);
    g->lo = g->hi = NAN;
    g->mark = -1;
    if (bti_axis_values(r, xa, &g->xs) != BT_OK) return BT_E_NOMEM;
    if (ya >= 0) {
        if (bti_axis_values(r, ya, &g->ys) != BT_OK) { bti_hgrid_free(g); return BT_E_NOMEM; }
    } else {
        static char empty[] = "";
        g->ys.v = (char **)bti_calloc(1, sizeof(char *));
        if (!g->ys.v) { bti_hgrid_free(g); return BT_E_NOMEM; }
        g->ys.v[0] = empty;
        g->ys.n = 1;
    }
    n = (size_t)g->xs.n * (size_t)g->ys.n;
    g->v = (double *)bti_malloc(n * sizeof(double));
    g->st = (int *)bti_malloc(n * sizeof(int));
    g->tip = (const char **)bti_calloc(n, sizeof(char *));
    g->row = (const bt_row **)bti_calloc(n, sizeof(bt_row *));
    if (!g->v || !g->st || !g->tip || !g->row) { bti_hgrid_free(g); return BT_E_NOMEM; }
    for (k = 0; k < n; k++) { g->v[k] = NAN; g->st[k] = BTI_HM_NONE; }
    return BT_OK;
}
static long bti_hgrid_at(const bti_hgrid *g, const char *xv, const char *yv) {
    int x = bti_vals_index(&g->xs, xv), y = yv ? bti_vals_index(&g->ys, yv) : 0;
    if (x < 0 || y < 0) return -1;
    return (long)y * g->xs.n + x;
}
static void bti_hgrid_put(bti_hgrid *g, long at, double v, int higher, const bt_row *row) {
    if (at < 0) return;
    if (isnan(g->v[at]) || (higher ? v > g->v[at] : v < g->v[at])) { g->v[at] = v; g->row[at] = row; }
    g->st[at] = BT_CELL_OK;
    if (isnan(g->lo) || v < g->lo) g->lo = v;
    if (isnan(g->hi) || v > g->hi) g->hi = v;
}
static void bti_hgrid_fail(bti_hgrid *g, long at, int st, const char *tip) {
    if (at < 0 || g->st[at] == BT_CELL_OK) return;
    if (g->st[at] < 0 || st < g->st[at]) g->tip[at] = tip;
    g->st[at] = bti_html_worse(g->st[at], st);
}
/* 1 when a map's values (shifted) are all positive and span at least a factor of 4 */
static int bti_html_logscale(double lo, double hi, double shift) {
    return lo + shift > 0 && (hi + shift) / (lo + shift) >= 4;
}
static double bti_html_goodness(double v, double lo, double hi, int higher, double shift, int logscale) {
    if (!(hi > lo)) return 1;
    if (logscale) { v = log(v + shift); lo = log(lo + shift); hi = log(hi + shift); }
    return higher ? (v - lo) / (hi - lo) : (hi - v) / (hi - lo);
}
static void bti_html_patterns(bti_str *s, const char *id) {
    static const int sts[] = {BT_CELL_OOM, BT_CELL_ERROR, BT_CELL_TIMEOUT};
    size_t i;
    bti_str_cat(s, "<defs>");
    for (i = 0; i < BTI_ARRAY_LEN(sts); i++) {
        bti_html_mark m = bti_html_mark_of(sts[i]);
        bti_str_printf(s, "<pattern id=\"%s-p%d\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                          "<rect x=\"0\" y=\"0\" width=\"2\" height=\"8\" fill=\"%s\"/></pattern>", id, sts[i], m.hatch);
    }
    bti_str_printf(s, "<linearGradient id=\"%s-grad\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\">", id);
    for (i = 0; i <= 4; i++) {
        char c[8];
        bt_html_color((double)i / 4, c);
        bti_str_printf(s, "<stop offset=\"%d%%\" stop-color=\"%s\"/>", (int)i * 25, c);
    }
    bti_str_cat(s, "</linearGradient></defs>\n");
}
/* one heatmap as an inline SVG. pct: values are fractions shown as percent. */
static void bti_html_heatmap(bti_str *s, const bti_hgrid *g, const char *id, const char *xname, const char *yname,
                             const char *what, int higher, int pct, const char *mark_what) {
    int x, y, nx = g->xs.n, ny = g->ys.n, i, used[BT_CELL_STATUS_COUNT + 2];
    int gw = nx * BTI_HM_CW, gh = ny * BTI_HM_CH, W, H, ly, logscale = !isnan(g->lo) && bti_html_logscale(g->lo, g->hi, g->shift);
    char b[64], c[8], legend[256];
    memset(used, 0, sizeof used);
    /* legend slots: the statuses, then BTI_HM_EXCLUDED, then "no value" (BTI_HM_NONE) last */
    for (i = 0; i < nx * ny; i++) if (g->st[i] != BT_CELL_OK) used[g->st[i] < 0 ? BT_CELL_STATUS_COUNT + 1 : g->st[i]] = 1;
    bti_fmt(legend, sizeof legend, "%s is better; %s; outlined: %s", higher ? "higher" : "lower",
            !logscale ? "linear scale" : g->shift > 0 ? "log scale of 1 + value" : "log scale", mark_what);
    W = BTI_HM_LM + gw + 24;
    if (W < BTI_HM_LM + 262 + 8 * (int)strlen(legend)) W = BTI_HM_LM + 262 + 8 * (int)strlen(legend);
    {   /* lines the status legend needs (same wrapping as below) */
        int lx = BTI_HM_LM, lines = 1;
        for (i = 0; i <= BT_CELL_STATUS_COUNT + 1; i++) if (used[i] && i != BT_CELL_OK) {
            int tw = 30 + 8 * (int)strlen(bti_html_mark_of(i > BT_CELL_STATUS_COUNT ? BTI_HM_NONE : i).what);
            if (lx > BTI_HM_LM && lx + tw > W) { lx = BTI_HM_LM; lines++; }
            lx += tw;
        }
        H = BTI_HM_TM + gh + 78 + 18 * lines;
    }
    bti_str_printf(s, "<div class=\"scroll\"><svg id=\"%s\" class=\"heatmap\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", id, W, H, W, H);
    bti_html_esc(s, what);
    bti_str_cat(s, "\" font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\" font-size=\"12\">\n");
    bti_html_patterns(s, id);
    /* axis titles and tick labels */
    bti_str_printf(s, "<text x=\"%d\" y=\"14\" text-anchor=\"middle\" font-weight=\"bold\">", BTI_HM_LM + gw / 2);
    bti_html_esc(s, xname);
    bti_str_cat(s, " &#8594;</text>\n");
    if (yname) {
        bti_str_printf(s, "<text x=\"4\" y=\"%d\" font-weight=\"bold\">", BTI_HM_TM - 8);
        bti_html_esc(s, yname);
        bti_str_cat(s, " &#8595;</text>\n");
    }
    for (x = 0; x < nx; x++) {
        bti_str_printf(s, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", BTI_HM_LM + x * BTI_HM_CW + BTI_HM_CW / 2, BTI_HM_TM - 8);
        bti_html_esc(s, g->xs.v[x]);
        bti_str_cat(s, "</text>");
    }
    for (y = 0; y < ny; y++) {
        bti_str_printf(s, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", BTI_HM_LM - 8, BTI_HM_TM + y * BTI_HM_CH + BTI_HM_CH / 2 + 4);
        bti_html_esc(s, g->ys.v[y]);
        bti_str_cat(s, "</text>");
    }
    bti_str_cat(s, "\n<g shape-rendering=\"crispEdges\">\n");
    for (y = 0; y < ny; y++) for (x = 0; x < nx; x++) {
        int at = y * nx + x, st = g->st[at];
        int cx = BTI_HM_LM + x * BTI_HM_CW + 1, cy = BTI_HM_TM + y * BTI_HM_CH + 1;
        const char *fill, *ink, *label;
        bti_html_mark m = bti_html_mark_of(st);
        if (st == BT_CELL_OK) {
            bt_html_color(bti_html_goodness(g->v[at], g->lo, g->hi, higher, g->shift, logscale), c);
            fill = c; ink = bti_html_ink(c);
            if (pct) bti_fmt(b, sizeof b, "%.2f%%", 100 * g->v[at]); else bti_html_num(b, sizeof b, g->v[at]);
            label = b;
        } else { fill = m.fill; ink = "#000000"; label = m.label; }
        bti_str_printf(s, "<rect id=\"%s-%d-%d\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" data-status=\"%s\"",
                       id, x, y, cx, cy, BTI_HM_CW - 2, BTI_HM_CH - 2, fill,
                       st == BT_CELL_OK ? "ok" : st == BTI_HM_EXCLUDED ? "excluded" : st < 0 ? "none" : bt_cell_status_str((bt_cell_status)st));
        if (st == BT_CELL_OK) { char vb[64]; bti_fmt_double(vb, sizeof vb, g->v[at]); bti_str_printf(s, " data-value=\"%s\"", vb); }
        bti_str_cat(s, "><title>");
        bti_html_esc(s, xname); bti_str_cat(s, "="); bti_html_esc(s, g->xs.v[x]);
        if (yname) { bti_str_cat(s, " "); bti_html_esc(s, yname); bti_str_cat(s, "="); bti_html_esc(s, g->ys.v[y]); }
        bti_str_cat(s, ": ");
        if (st == BT_CELL_OK) {
            bti_html_esc(s, label);
            if (g->row[at]) bti_str_printf(s, " (%d samples%s)", g->row[at]->samples, g->row[at]->noisy ? ", noisy" : "");
        } else {
            bti_html_esc(s, m.what);
            if (g->tip[at] && g->tip[at][0]) { bti_str_cat(s, ": "); bti_html_esc(s, g->tip[at]); }
        }
        bti_str_cat(s, "</title></rect>");
        if (m.hatch && st != BT_CELL_OK)
            bti_str_printf(s, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"url(#%s-p%d)\" opacity=\"0.55\"/>",
                           cx, cy, BTI_HM_CW - 2, BTI_HM_CH - 2, id, st);
        if (st == BTI_HM_NONE || st == BT_CELL_NOT_RUN || st == BT_CELL_INFEASIBLE)
            bti_str_printf(s, "<rect x=\"%d.5\" y=\"%d.5\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#bdbdbd\" stroke-dasharray=\"3 2\"/>",
                           cx, cy, BTI_HM_CW - 3, BTI_HM_CH - 3);
        bti_str_printf(s, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\"%s>", cx + BTI_HM_CW / 2 - 1, cy + BTI_HM_CH / 2 + 3, ink,
                       st == BT_CELL_OK ? "" : " font-weight=\"bold\"");
        bti_html_esc(s, label);
        bti_str_cat(s, "</text>\n");
    }
    if (g->mark >= 0)
        bti_str_printf(s, "<rect class=\"best\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#000000\" stroke-width=\"2\"/>\n",
                       BTI_HM_LM + (g->mark % nx) * BTI_HM_CW + 2, BTI_HM_TM + (g->mark / nx) * BTI_HM_CH + 2, BTI_HM_CW - 4, BTI_HM_CH - 4);
    bti_str_cat(s, "</g>\n");
    /* legend: the scale, then the marks used */
    ly = BTI_HM_TM + gh + 18;
    bti_str_printf(s, "<rect x=\"%d\" y=\"%d\" width=\"240\" height=\"12\" fill=\"url(#%s-grad)\"/>", BTI_HM_LM, ly, id);
    if (!isnan(g->lo)) {
        char lo[64], hi[64];
        if (pct) { bti_fmt(lo, sizeof lo, "%.2f%%", 100 * g->lo); bti_fmt(hi, sizeof hi, "%.2f%%", 100 * g->hi); }
        else { bti_html_num(lo, sizeof lo, g->lo); bti_html_num(hi, sizeof hi, g->hi); }
        bti_str_printf(s, "<text x=\"%d\" y=\"%d\">%s (worst)</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s (best)</text>",
                       BTI_HM_LM, ly + 26, higher ? lo : hi, BTI_HM_LM + 240, ly + 26, higher ? hi : lo);
    }
    bti_str_printf(s, "<text x=\"%d\" y=\"%d\">%s</text>\n", BTI_HM_LM + 252, ly + 10, legend);
    {
        int lx = BTI_HM_LM;
        for (i = 0; i <= BT_CELL_STATUS_COUNT + 1; i++) {
            bti_html_mark m;
            int tw;
            if (!used[i] || i == BT_CELL_OK) continue;
            m = bti_html_mark_of(i > BT_CELL_STATUS_COUNT ? BTI_HM_NONE : i);
            tw = 30 + 8 * (int)strlen(m.what);  /* generous: 12 px DejaVu Sans is about 7 px a character */
            if (lx > BTI_HM_LM && lx + tw > W) { lx = BTI_HM_LM; ly += 18; }
            bti_str_printf(s, "<rect x=\"%d\" y=\"%d\" width=\"18\" height=\"12\" fill=\"%s\" stroke=\"#999999\"/>", lx, ly + 38, m.fill);
            if (m.hatch) bti_str_printf(s, "<rect x=\"%d\" y=\"%d\" width=\"18\" height=\"12\" fill=\"url(#%s-p%d)\" opacity=\"0.55\"/>", lx, ly + 38, id, i);
            bti_str_printf(s, "<text x=\"%d\" y=\"%d\">%s</text>", lx + 22, ly + 48, m.what);
            lx += tw;
        }
    }
    bti_str_cat(s, "\n</svg></div>\n");
}

/* distinct workloads in first-appearance order (borrowed names) */
static int bti_html_workloads(const bt_results *r, const char ***out) {
    size_t k, j;
    int n = 0;
    const char **w = (const char **)bti_calloc(r->nrows + 1, sizeof(char *));
    *out = w;
    if (!w) return -1;
    for (k = 0; k < r->nrows; k++) {
        int seen = 0;
        for (j = 0; j < (size_t)n && !seen; j++) seen = strcmp(w[j], r->rows[k].workload) == 0;
        if (!seen) w[n++] = r->rows[k].workload;
    }
    return n;
}
static int bti_axis_index(const bt_results *r, const char *name) {
    int i;
    for (i = 0; name && i < r->naxes; i++) if (strcmp(r->axes[i], name) == 0) return i;
    return -1;
}

BTI_DEF bt_html_opts bt_html_opts_defaults(const bt_results *r, const bt_ranking *rk, const bt_html_opts *o) {
    bt_html_opts d;
    if (o) d = *o; else memset(&d, 0, sizeof d);
    if (!d.title || !*d.title) d.title = "batchtune report";
    if (d.max_rank_rows <= 0) d.max_rank_rows = 30;
    if (!r) return d;
    if (!d.metrics || d.num_metrics <= 0) {
        d.metrics = NULL; d.num_metrics = 0;
        if (rk && rk->objective && bt_results_metric_index(r, rk->objective) >= 0) { d.metrics = (const char *const *)&rk->objective; d.num_metrics = 1; }
        else if (bt_results_metric_index(r, "e2e_s_median") >= 0) { d.metrics = (const char *const *)&r->metrics[bt_results_metric_index(r, "e2e_s_median")]; d.num_metrics = 1; }
        else if (r->nmetrics > 0) { d.metrics = (const char *const *)r->metrics; d.num_metrics = 1; }
    }
    if (!d.x_axis && r->naxes > 0) {
        int i = bti_axis_index(r, "batch");
        d.x_axis = r->axes[i >= 0 ? i : 0];
    }
    if (!d.y_axis && r->naxes > 1) {
        int i = bti_axis_index(r, "workers");
        if (i < 0 || strcmp(r->axes[i], d.x_axis) == 0)
            for (i = 0; i < r->naxes && strcmp(r->axes[i], d.x_axis) == 0; i++) {}
        if (i < r->naxes) d.y_axis = r->axes[i];
    }
    if (!d.line_axis && r->naxes > 0) {
        int i = bti_axis_index(r, "batch");
        d.line_axis = i >= 0 ? r->axes[i] : d.x_axis;
    }
    return d;
}

/* time per item vs one axis, one line per workload (best over the other axes) */
static void bti_html_lines(bti_str *s, const bt_results *r, int la, const char **wl, int nw) {
    static const char *const pal[] = {"#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#000000", "#f0e442"};
    const int W = 860, H = 420, ML = 80, MR = 230, MT = 20, MB = 60;
    int spi = bt_results_metric_index(r, "s_per_item"), e2e = bt_results_metric_index(r, "e2e_s_median");
    int items = bt_results_metric_index(r, "items"), i, w, numeric = 1, log2x = 1, logy, n;
    bti_vals xs;
    double *val = NULL, *xv = NULL, lo = NAN, hi = NAN, xmin = 0, xmax = 0, scale, ylo, yhi, ystep = 1;
    int *fst = NULL;
    const char *unit;
    size_t k;
    char b[64];
    if (spi < 0 && (e2e < 0 || items < 0)) {
        bti_str_cat(s, "<p class=\"note\">No time-per-item chart: the results have neither <code>s_per_item</code> nor <code>e2e_s_median</code> and <code>items</code>.</p>\n");
        return;
    }
    if (bti_axis_values(r, la, &xs) != BT_OK) return;
    n = xs.n;
    val = (double *)bti_malloc((size_t)n * (size_t)nw * sizeof(double));
    fst = (int *)bti_malloc((size_t)n * (size_t)nw * sizeof(int));
    xv = (double *)bti_malloc((size_t)n * sizeof(double));
    if (!val || !fst || !xv) goto done;
    for (i = 0; i < n * nw; i++) { val[i] = NAN; fst[i] = -1; }
    for (i = 0; i < n; i++) {
        double d;
        if (!bti_parse_double(xs.v[i], &d)) { numeric = 0; log2x = 0; xv[i] = i; continue; }
        xv[i] = d;
        if (!(d >= 1 && d == floor(d) && d < 9.007199254740992e15 && ((uint64_t)d & ((uint64_t)d - 1)) == 0)) log2x = 0;
    }
    if (n < 2) log2x = 0;
    for (k = 0; k < r->nrows; k++) {
        const bt_row *row = &r->rows[k];
        double v;
        int at;
        for (w = 0; w < nw && strcmp(wl[w], row->workload) != 0; w++) {}
        i = bti_vals_index(&xs, row->axis[la]);
        if (w >= nw || i < 0) continue;
        at = w * n + i;
        v = spi >= 0 ? row->m[spi] : row->m[e2e] / row->m[items];
        if (row->status != BT_CELL_OK || !isfinite(v) || v <= 0) {
            if (row->status != BT_CELL_OK && isnan(val[at])) fst[at] = bti_html_worse(fst[at], (int)row->status);
            continue;
        }
        if (isnan(val[at]) || v < val[at]) val[at] = v;
    }
    for (i = 0; i < n * nw; i++) if (!isnan(val[i])) {
        if (isnan(lo) || val[i] < lo) lo = val[i];
        if (isnan(hi) || val[i] > hi) hi = val[i];
    }
    if (isnan(lo)) {
        bti_str_cat(s, "<p class=\"note\">No time-per-item chart: no cell is ok.</p>\n");
        goto done;
    }
    unit = hi < 1e-6 ? "ns" : hi < 1e-3 ? "&#181;s" : hi < 1 ? "ms" : "s";
    scale = hi < 1e-6 ? 1e9 : hi < 1e-3 ? 1e6 : hi < 1 ? 1e3 : 1;
    logy = hi / lo > 30;
    if (numeric) {
        xmin = xmax = log2x ? log2(xv[0]) : xv[0];
        for (i = 0; i < n; i++) {
            double p = log2x ? log2(xv[i]) : xv[i];
            if (p < xmin) xmin = p;
            if (p > xmax) xmax = p;
        }
    }
    if (logy) { ylo = floor(log10(lo)); yhi = ceil(log10(hi)); if (yhi <= ylo) yhi = ylo + 1; }
    else {
        double raw = hi * scale / 5, mag = pow(10, floor(log10(raw))), step = mag;
        if (raw > 5 * mag) step = 10 * mag; else if (raw > 2 * mag) step = 5 * mag; else if (raw > mag) step = 2 * mag;
        ylo = 0; yhi = ceil(hi * scale / step) * step;
        if (yhi <= 0) yhi = step;
        ystep = step;
    }
    bti_str_printf(s, "<div class=\"scroll\"><svg id=\"per-item\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"time per item\" "
                      "font-family=\"DejaVu Sans, Liberation Sans, Arial, sans-serif\" font-size=\"12\">\n", W, H, W, H);
    bti_str_printf(s, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#ffffff\" stroke=\"#888888\"/>\n", ML, MT, W - ML - MR, H - MT - MB);
#define BTI_PX(i) (ML + (numeric ? (xmax > xmin ? ((log2x ? log2(xv[i]) : xv[i]) - xmin) / (xmax - xmin) : 0.5) : (n > 1 ? (double)(i) / (n - 1) : 0.5)) * (W - ML - MR - 40) + 20)
#define BTI_PY(v) (MT + (H - MT - MB) * (1 - (logy ? (log10(v) - ylo) / (yhi - ylo) : ((v) * scale - ylo) / (yhi - ylo))))
    /* y grid and ticks */
    if (logy) {
        double dcd;
        for (dcd = ylo; dcd <= yhi + 1e-9; dcd += 1) {
            double v = pow(10, dcd), py = BTI_PY(v);
            bti_html_num(b, sizeof b, v * scale);
            bti_str_printf(s, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                           ML, W - MR, py, py, ML - 6, py + 4, b);
        }
    } else {
        double t;
        for (t = 0; t <= yhi + ystep * 1e-6; t += ystep) {
            double py = MT + (H - MT - MB) * (1 - t / yhi);
            bti_fmt(b, sizeof b, "%g", t);
            bti_str_printf(s, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                           ML, W - MR, py, py, ML - 6, py + 4, b);
        }
    }
    for (i = 0; i < n; i++) {
        double px = BTI_PX(i);
        bti_str_printf(s, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#f0f0f0\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", px, px, MT, H - MB, px, H - MB + 16);
        bti_html_esc(s, xs.v[i]);
        bti_str_cat(s, "</text>\n");
    }
    bti_str_printf(s, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">", ML + (W - ML - MR) / 2, H - 16);
    bti_html_esc(s, r->axes[la]);
    bti_str_printf(s, "%s</text>\n", log2x ? " (log2 scale)" : "");
    bti_str_printf(s, "<text transform=\"translate(16 %d) rotate(-90)\" text-anchor=\"middle\" font-weight=\"bold\">time per item (%s)%s</text>\n",
                   MT + (H - MT - MB) / 2, unit, logy ? ", log scale" : "");
    for (w = 0; w < nw; w++) {
        const char *col = pal[w % (int)BTI_ARRAY_LEN(pal)];
        int pen = 0, best = -1;
        bti_str_printf(s, "<path class=\"line\" data-workload=\"");
        bti_html_esc(s, wl[w]);
        bti_str_printf(s, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", col);
        for (i = 0; i < n; i++) {
            double v = val[w * n + i];
            if (isnan(v)) { pen = 0; continue; }
            bti_str_printf(s, "%s%.1f %.1f ", pen ? "L" : "M", BTI_PX(i), BTI_PY(v));
            pen = 1;
            if (best < 0 || v < val[w * n + best]) best = i;
        }
        bti_str_cat(s, "\"/>\n");
        for (i = 0; i < n; i++) {
            double v = val[w * n + i];
            if (isnan(v)) {
                if (fst[w * n + i] >= 0) {
                    bti_html_mark m = bti_html_mark_of(fst[w * n + i]);
                    bti_str_printf(s, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\" font-weight=\"bold\">&#215;<title>", BTI_PX(i), H - MB - 6 - 12 * (w % 3), col);
                    bti_html_esc(s, wl[w]); bti_str_cat(s, " at "); bti_html_esc(s, r->axes[la]); bti_str_cat(s, "="); bti_html_esc(s, xs.v[i]);
                    bti_str_printf(s, ": %s</title></text>\n", m.what);
                }
                continue;
            }
            bti_html_num(b, sizeof b, v * scale);
            bti_str_printf(s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\"><title>", BTI_PX(i), BTI_PY(v), i == best ? 4 : 3, col);
            bti_html_esc(s, wl[w]); bti_str_cat(s, " at "); bti_html_esc(s, r->axes[la]); bti_str_cat(s, "="); bti_html_esc(s, xs.v[i]);
            bti_str_printf(s, ": %s %s per item%s</title></circle>", b, unit, i == best ? " (lowest)" : "");
            if (i == best) bti_str_printf(s, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"8\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>", BTI_PX(i), BTI_PY(v), col);
            bti_str_cat(s, "\n");
        }
        bti_str_printf(s, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%d\" y=\"%d\">",
                       W - MR + 14, W - MR + 38, MT + 10 + 18 * w, MT + 10 + 18 * w, col, W - MR + 44, MT + 14 + 18 * w);
        bti_html_esc(s, wl[w]);
        bti_str_cat(s, "</text>\n");
    }
#undef BTI_PX
#undef BTI_PY
    bti_str_cat(s, "</svg></div>\n");
done:
    bti_free(xs.v); bti_free(val); bti_free(fst); bti_free(xv);
}

static const char bti_html_css[] =
    "body{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif;font-size:14px;color:#222;margin:20px 28px;background:#fff}\n"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;border-bottom:1px solid #ddd;padding-bottom:3px;margin-top:28px}\n"
    "h3{font-size:15px;margin:14px 0 4px}.sub{color:#555;margin:0 0 10px}.note{color:#555;font-size:13px}\n"
    "table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:right;vertical-align:top}\n"
    "th{background:#f4f4f4}td.l,th.l{text-align:left}tr.pick td{background:#fff5c2;font-weight:bold}tr.tied td{background:#fbfbe8}\n"
    ".rec{font-size:17px;background:#fff5c2;border:1px solid #e0c200;padding:8px 12px;display:inline-block}\n"
    ".none{background:#fde0dc;border-color:#c62828}.scroll{overflow-x:auto}figure{margin:10px 0 18px}\n"
    "figcaption{font-weight:bold;margin-bottom:2px}code{background:#f4f4f4;padding:0 3px}\n";

static void bti_html_td(bti_str *s, const char *cls, const char *text) {
    bti_str_cat(s, cls ? "<td class=\"l\">" : "<td>");
    bti_html_esc(s, text);
    bti_str_cat(s, "</td>");
}
static void bti_html_td_num(bti_str *s, double v, int pct) {
    char b[64];
    if (isnan(v)) bti_fmt(b, sizeof b, "-");
    else if (pct) bti_fmt(b, sizeof b, "%.2f %%", 100 * v);
    else bti_html_num(b, sizeof b, v);
    bti_html_td(s, NULL, b);
}
static int bti_html_entry_status(const bt_results *r, const bt_ranking *rk, const bt_rank_entry *en, const char **tip) {
    int w, st = -1;
    *tip = en->why;
    for (w = 0; w < rk->nworkloads; w++) {
        const bt_row *row = bt_results_find(r, rk->workloads[w], (const char *const *)en->axis);
        if (row && row->status != BT_CELL_OK) st = bti_html_worse(st, (int)row->status);
    }
    return st < 0 ? BTI_HM_EXCLUDED : st;
}

static void bti_html_ranking(bti_str *s, const bt_ranking *rk, int max_rows) {
    int e, i, w, shown = 0, excluded = 0;
    char b[128];
    bti_str_cat(s, "<h3>Best cell per workload</h3>\n<table id=\"per-workload-best\"><tr><th class=\"l\">workload</th><th class=\"l\">best cell</th><th>");
    bti_html_esc(s, rk->objective);
    bti_str_cat(s, "</th></tr>\n");
    for (w = 0; w < rk->nworkloads; w++) {
        bti_str_cat(s, "<tr>");
        bti_html_td(s, "l", rk->workloads[w]);
        bti_html_td(s, "l", rk->best_entry[w] >= 0 ? rk->entries[rk->best_entry[w]].label : "(no ok cell)");
        bti_html_td_num(s, rk->best[w], 0);
        bti_str_cat(s, "</tr>\n");
    }
    bti_str_printf(s, "</table>\n<h3>Mean-regret ranking</h3>\n<p class=\"note\">regret(c, w) = (T(c,w) &#8722; T*(w)) / T*(w), "
                      "T*(w) the best %s of workload w; cells ranked by the mean over workloads. Top-%d count: how often a cell is among a workload's %d best.</p>\n",
                   rk->direction == BT_HIGHER_IS_BETTER ? "(highest)" : "(lowest)", rk->top_n, rk->top_n);
    bti_str_cat(s, "<table id=\"ranking\"><tr><th>rank</th>");
    for (i = 0; i < rk->naxes; i++) { bti_str_cat(s, "<th>"); bti_html_esc(s, rk->axes[i]); bti_str_cat(s, "</th>"); }
    bti_str_printf(s, "<th>mean regret</th><th>max regret</th><th>top-%d count</th><th>P(best)</th><th class=\"l\">note</th></tr>\n", rk->top_n);
    for (e = 0; e < rk->nentries; e++) {
        const bt_rank_entry *en = &rk->entries[e];
        if (!en->eligible) { excluded++; continue; }
        if (shown >= max_rows && e != rk->pick) continue;
        shown++;
        bti_str_printf(s, "<tr%s><td>%d</td>", e == rk->pick ? " class=\"pick\"" : en->tied ? " class=\"tied\"" : "", e + 1);
        for (i = 0; i < rk->naxes; i++) bti_html_td(s, NULL, en->axis[i]);
        bti_html_td_num(s, en->mean_regret, 1);
        bti_html_td_num(s, en->max_regret, 1);
        bti_str_printf(s, "<td>%d</td>", en->topn_count);
        if (isnan(en->p_best)) bti_fmt(b, sizeof b, "-"); else bti_fmt(b, sizeof b, "%.3f", en->p_best);
        bti_html_td(s, NULL, b);
        bti_html_td(s, "l", e == rk->pick ? "recommended" : en->tied ? "statistically tied with the pick" : "");
        bti_str_cat(s, "</tr>\n");
    }
    bti_str_cat(s, "</table>\n");
    {
        int elig = 0;
        for (e = 0; e < rk->nentries; e++) elig += rk->entries[e].eligible;
        if (elig > shown) bti_str_printf(s, "<p class=\"note\">%d more eligible cells not listed (see <code>batchtune rank</code>).</p>\n", elig - shown);
    }
    if (excluded) {
        int n = 0;
        bti_str_printf(s, "<h3>Excluded cells (%d): why they cannot be recommended</h3>\n<table id=\"excluded\"><tr><th class=\"l\">cell</th><th class=\"l\">why</th></tr>\n", excluded);
        for (e = 0; e < rk->nentries; e++) {
            const bt_rank_entry *en = &rk->entries[e];
            if (en->eligible) continue;
            if (n++ >= 200) { bti_str_printf(s, "<tr><td class=\"l\" colspan=\"2\">... and %d more</td></tr>\n", excluded - 200); break; }
            bti_str_cat(s, "<tr>");
            bti_html_td(s, "l", en->label);
            bti_html_td(s, "l", en->why ? en->why : "");
            bti_str_cat(s, "</tr>\n");
        }
        bti_str_cat(s, "</table>\n");
    }
}

static void bti_html_evidence(bti_str *s, const bt_results *r, const bt_ranking *rk) {
    const bt_rank_entry *p = &rk->entries[rk->pick];
    int w, e, noise = bt_results_metric_index(r, "rel_noise"), nt = 0, excluded = 0;
    bti_str_cat(s, "<table id=\"evidence\"><tr><th class=\"l\">workload</th><th>");
    bti_html_esc(s, rk->objective);
    bti_str_cat(s, "</th><th>regret</th><th>samples</th><th>noise (CI half-width / median)</th><th class=\"l\">best cell there</th><th>its value</th></tr>\n");
    for (w = 0; w < rk->nworkloads; w++) {
        const bt_row *row = bt_results_find(r, rk->workloads[w], (const char *const *)p->axis);
        char b[64];
        bti_str_cat(s, "<tr>");
        bti_html_td(s, "l", rk->workloads[w]);
        bti_html_td_num(s, bt_ranking_value(rk, rk->pick, w), 0);
        bti_html_td_num(s, bt_ranking_regret(rk, rk->pick, w), 1);
        bti_fmt(b, sizeof b, "%d", row ? row->samples : 0);
        bti_html_td(s, NULL, b);
        if (row && noise >= 0 && !isnan(row->m[noise])) bti_fmt(b, sizeof b, "%.2f %%%s", 100 * row->m[noise], row->noisy ? " (noisy)" : "");
        else bti_fmt(b, sizeof b, "%s", row && row->noisy ? "noisy" : "-");
        bti_html_td(s, NULL, b);
        bti_html_td(s, "l", rk->best_entry[w] >= 0 ? rk->entries[rk->best_entry[w]].label : "-");
        bti_html_td_num(s, rk->best[w], 0);
        bti_str_cat(s, "</tr>\n");
    }
    bti_str_cat(s, "</table>\n<ul>\n");
    if (rk->bootstrap_used) {
        bti_str_printf(s, "<li>Probability of being the best cell: <b>%.3f</b> (%d bootstrap resamples of the samples of every cell).</li>\n", p->p_best, rk->bootstrap_used);
        for (e = 0; e < rk->nentries; e++) nt += rk->entries[e].tied;
        if (nt) {
            int n = 0;
            bti_str_printf(s, "<li>Statistically tied with the pick (%d): ", nt);
            for (e = 0; e < rk->nentries; e++) if (rk->entries[e].tied) {
                if (n++) bti_str_cat(s, ", ");
                if (n > 20) { bti_str_cat(s, "..."); break; }
                bti_html_esc(s, rk->entries[e].label);
            }
            bti_str_cat(s, ".</li>\n");
        } else bti_str_cat(s, "<li>No other cell is statistically tied with the pick.</li>\n");
    } else bti_str_cat(s, "<li>P(best) and ties not available: no per-sample times for the objective (samples file missing or bootstrap off).</li>\n");
    for (e = 0; e < rk->nentries; e++) excluded += !rk->entries[e].eligible;
    bti_str_printf(s, "<li>Mean regret %.2f %%, max regret %.2f %% over %d workload%s; %d of %d cells excluded (ok on every workload and within the limits is required; see <a href=\"#excluded\">why</a>).</li>\n</ul>\n",
                   100 * p->mean_regret, 100 * p->max_regret, rk->nworkloads, rk->nworkloads == 1 ? "" : "s", excluded, rk->nentries);
}

static void bti_html_meta(bti_str *s, const bt_results *r, const bt_run_meta *m, const char **wl, int nw) {
    int i, j, w, counts[BT_CELL_STATUS_COUNT];
    size_t k;
    if (m) {
        char b[64];
        bti_str_cat(s, "<table id=\"run-meta\">");
#define BTI_META_ROW(name, val) do { bti_str_cat(s, "<tr><th class=\"l\">" name "</th>"); bti_html_td(s, "l", val); bti_str_cat(s, "</tr>\n"); } while (0)
        BTI_META_ROW("date (UTC)", m->date_utc);
        BTI_META_ROW("host", m->host);
        BTI_META_ROW("CPU", m->cpu_model);
        bti_fmt(b, sizeof b, "%d online, %d allowed", m->cpus_online, m->cpus_allowed);
        BTI_META_ROW("CPUs", b);
        BTI_META_ROW("device", m->device);
        BTI_META_ROW("batchtune version", m->version);
        BTI_META_ROW("settings", m->settings);
        BTI_META_ROW("fingerprint", m->fingerprint);
#undef BTI_META_ROW
        bti_str_cat(s, "</table>\n");
    } else bti_str_cat(s, "<p class=\"note\">No run metadata was given (for results read from a CSV, it is in the JSON file beside it).</p>\n");
    bti_str_cat(s, "<h3>Cells per status</h3>\n<table id=\"status-counts\"><tr><th class=\"l\">workload</th>");
    for (j = 0; j < BT_CELL_STATUS_COUNT; j++) bti_str_printf(s, "<th>%s</th>", bt_cell_status_str((bt_cell_status)j));
    bti_str_cat(s, "</tr>\n");
    for (w = 0; w < nw; w++) {
        memset(counts, 0, sizeof counts);
        for (k = 0; k < r->nrows; k++) if (strcmp(r->rows[k].workload, wl[w]) == 0) counts[r->rows[k].status]++;
        bti_str_cat(s, "<tr>");
        bti_html_td(s, "l", wl[w]);
        for (j = 0; j < BT_CELL_STATUS_COUNT; j++) bti_str_printf(s, "<td>%d</td>", counts[j]);
        bti_str_cat(s, "</tr>\n");
    }
    bti_str_cat(s, "</table>\n<h3>Grid</h3>\n<table id=\"grid\"><tr><th class=\"l\">axis</th><th class=\"l\">values</th></tr>\n");
    for (i = 0; i < r->naxes; i++) {
        bti_vals v;
        if (bti_axis_values(r, i, &v) != BT_OK) continue;
        bti_str_cat(s, "<tr>");
        bti_html_td(s, "l", r->axes[i]);
        bti_str_cat(s, "<td class=\"l\">");
        for (j = 0; j < v.n; j++) { if (j) bti_str_cat(s, ", "); bti_html_esc(s, v.v[j]); }
        bti_str_cat(s, "</td></tr>\n");
        bti_free(v.v);
    }
    bti_str_printf(s, "</table>\n<p class=\"note\">%zu rows; metrics: ", r->nrows);
    for (i = 0; i < r->nmetrics; i++) { if (i) bti_str_cat(s, ", "); bti_html_esc(s, r->metrics[i]); }
    bti_str_cat(s, ".</p>\n");
}

BTI_DEF bt_status bt_write_html_report(const bt_results *r, const bt_ranking *rk, const bt_run_meta *meta, const char *path,
                                       const bt_html_opts *oin) {
    bt_html_opts o;
    bti_str s;
    bt_results *rw = (bt_results *)r;  /* for the error detail only */
    const char **wl = NULL;
    int nw, xa = -1, ya = -1, la = -1, i, w, mi;
    bt_status st = BT_OK;
    char err[512];
    if (!r) return BT_E_INVALID;
    if (!path) { bti_fmt(rw->err, sizeof r->err, "html report: no output path"); return BT_E_INVALID; }
    o = bt_html_opts_defaults(r, rk, oin);
    for (i = 0; i < o.num_metrics; i++)
        if (!o.metrics[i] || bt_results_metric_index(r, o.metrics[i]) < 0) {
            bti_fmt(rw->err, sizeof r->err, "html report: metric '%s' is not a column of the results", o.metrics[i] ? o.metrics[i] : "(null)");
            return BT_E_NOT_FOUND;
        }
    if (o.x_axis && (xa = bti_axis_index(r, o.x_axis)) < 0) { bti_fmt(rw->err, sizeof r->err, "html report: axis '%s' is not in the results", o.x_axis); return BT_E_NOT_FOUND; }
    if (o.y_axis && (ya = bti_axis_index(r, o.y_axis)) < 0) { bti_fmt(rw->err, sizeof r->err, "html report: axis '%s' is not in the results", o.y_axis); return BT_E_NOT_FOUND; }
    if (o.line_axis && (la = bti_axis_index(r, o.line_axis)) < 0) { bti_fmt(rw->err, sizeof r->err, "html report: axis '%s' is not in the results", o.line_axis); return BT_E_NOT_FOUND; }
    if (xa >= 0 && xa == ya) { bti_fmt(rw->err, sizeof r->err, "html report: x and y are the same axis '%s'", o.x_axis); return BT_E_INVALID; }
    if (ya >= 0 && xa < 0) { bti_fmt(rw->err, sizeof r->err, "html report: a y axis needs an x axis"); return BT_E_INVALID; }
    nw = bti_html_workloads(r, &wl);
    if (nw < 0) return BT_E_NOMEM;
    memset(&s, 0, sizeof s);
    bti_str_cat(&s, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    bti_html_esc(&s, o.title);
    bti_str_printf(&s, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", bti_html_css);
    bti_html_esc(&s, o.title);
    bti_str_printf(&s, "</h1>\n<p class=\"sub\">%d workload%s, %zu rows", nw, nw == 1 ? "" : "s", r->nrows);
    if (rk && rk->objective) {
        bti_str_cat(&s, "; objective <code>");
        bti_html_esc(&s, rk->objective);
        bti_str_printf(&s, "</code> (%s is better)", rk->direction == BT_HIGHER_IS_BETTER ? "higher" : "lower");
    }
    if (meta) {
        bti_str_cat(&s, "; ");
        bti_html_esc(&s, meta->device);
        bti_str_cat(&s, ", ");
        bti_html_esc(&s, meta->date_utc);
    }
    bti_str_cat(&s, "</p>\n</header>\n");

    /* recommendation and its evidence */
    bti_str_cat(&s, "<section id=\"recommendation\">\n<h2>Recommendation</h2>\n");
    if (!rk) bti_str_cat(&s, "<p class=\"note\">No ranking was given, so there is no recommendation.</p>\n");
    else if (rk->pick >= 0) {
        bti_str_cat(&s, "<p class=\"rec\" id=\"pick\"><b>");
        bti_html_esc(&s, rk->entries[rk->pick].label);
        bti_str_cat(&s, "</b></p>\n<p>");
        bti_html_esc(&s, rk->message);
        bti_str_cat(&s, "</p>\n");
        bti_html_evidence(&s, r, rk);
    } else {
        bti_str_cat(&s, "<p class=\"rec none\" id=\"pick\">");
        bti_html_esc(&s, rk->message);
        bti_str_cat(&s, "</p>\n");
    }
    bti_str_cat(&s, "</section>\n");

    /* heatmaps per workload and metric */
    bti_str_cat(&s, "<section id=\"heatmaps\">\n<h2>Heatmaps</h2>\n");
    if (xa < 0 || !o.num_metrics) bti_str_cat(&s, "<p class=\"note\">No heatmap: the results have no axis or no metric.</p>\n");
    else {
        int other = 0;
        for (i = 0; i < r->naxes; i++) if (i != xa && i != ya) other = 1;
        bti_str_cat(&s, "<p class=\"note\">Colors: each map on its own scale from its worst (dark purple) to its best (yellow) ok value; "
                         "cells without a value are marked (OOM, error, timeout, infeasible, pruned, not run). Hover a cell for its reason.");
        if (other) bti_str_cat(&s, " The results have more axes: a cell shows the best value over the others.");
        bti_str_cat(&s, "</p>\n");
        for (mi = 0; mi < o.num_metrics && st == BT_OK; mi++) {
            int col = bt_results_metric_index(r, o.metrics[mi]);
            int higher = rk && rk->objective && strcmp(rk->objective, o.metrics[mi]) == 0 ? rk->direction == BT_HIGHER_IS_BETTER : bti_guess_higher(o.metrics[mi]);
            for (w = 0; w < nw; w++) {
                bti_hgrid g;
                size_t k;
                char id[64];
                if (bti_hgrid_init(&g, r, xa, ya) != BT_OK) { st = BT_E_NOMEM; break; }
                for (k = 0; k < r->nrows; k++) {
                    const bt_row *row = &r->rows[k];
                    long at;
                    if (strcmp(row->workload, wl[w]) != 0) continue;
                    at = bti_hgrid_at(&g, row->axis[xa], ya >= 0 ? row->axis[ya] : NULL);
                    if (row->status == BT_CELL_OK && !isnan(row->m[col])) bti_hgrid_put(&g, at, row->m[col], higher, row);
                    else if (row->status != BT_CELL_OK) bti_hgrid_fail(&g, at, (int)row->status, row->reason);
                    else if (at >= 0 && g.st[at] < 0) g.tip[at] = "no value for this metric";
                }
                for (k = 0; k < (size_t)g.xs.n * (size_t)g.ys.n && !isnan(g.lo); k++)
                    if (g.st[k] == BT_CELL_OK && g.v[k] == (higher ? g.hi : g.lo)) { g.mark = (int)k; break; }
                bti_fmt(id, sizeof id, "hm-w%d-m%d", w, mi);
                bti_str_cat(&s, "<figure>\n<figcaption>");
                bti_html_esc(&s, wl[w]);
                bti_str_cat(&s, " &#8212; ");
                bti_html_esc(&s, o.metrics[mi]);
                bti_str_cat(&s, "</figcaption>\n");
                bti_html_heatmap(&s, &g, id, r->axes[xa], ya >= 0 ? r->axes[ya] : NULL, o.metrics[mi], higher, 0, "the best cell");
                bti_str_cat(&s, "</figure>\n");
                bti_hgrid_free(&g);
            }
        }
    }
    bti_str_cat(&s, "</section>\n");

    /* mean-regret heatmap */
    bti_str_cat(&s, "<section id=\"regret\">\n<h2>Mean regret over the workloads</h2>\n");
    if (!rk || !rk->nentries) bti_str_cat(&s, "<p class=\"note\">No ranking was given.</p>\n");
    else if (xa < 0) bti_str_cat(&s, "<p class=\"note\">No axis to draw it over.</p>\n");
    else {
        bti_hgrid g;
        int rxa = -1, rya = -1, e;
        for (i = 0; i < rk->naxes; i++) {
            if (strcmp(rk->axes[i], r->axes[xa]) == 0) rxa = i;
            if (ya >= 0 && strcmp(rk->axes[i], r->axes[ya]) == 0) rya = i;
        }
        if (rxa < 0 || (ya >= 0 && rya < 0)) bti_str_cat(&s, "<p class=\"note\">The ranking was made from other axes.</p>\n");
        else if (bti_hgrid_init(&g, r, xa, ya) != BT_OK) st = BT_E_NOMEM;
        else {
            for (e = 0; e < rk->nentries; e++) {
                const bt_rank_entry *en = &rk->entries[e];
                long at = bti_hgrid_at(&g, en->axis[rxa], rya >= 0 ? en->axis[rya] : NULL);
                if (at < 0) continue;
                if (en->eligible && !isnan(en->mean_regret)) {
                    g.shift = 1;
                    bti_hgrid_put(&g, at, en->mean_regret, 0, NULL);
                    if (e == rk->pick) g.mark = (int)at;
                } else {
                    const char *tip;
                    int est = bti_html_entry_status(r, rk, en, &tip);
                    bti_hgrid_fail(&g, at, est, tip);
                }
            }
            bti_str_cat(&s, "<p class=\"note\">Mean over the workloads of each cell's regret on ");
            bti_html_esc(&s, rk->objective);
            bti_str_cat(&s, " (0 % = the best cell of every workload). Only cells that are ok on every workload get a value; the others are marked by their worst status.</p>\n<figure>\n<figcaption>mean regret</figcaption>\n");
            bti_html_heatmap(&s, &g, "hm-regret", r->axes[xa], ya >= 0 ? r->axes[ya] : NULL, "mean regret", 0, 1, "the recommendation");
            bti_str_cat(&s, "</figure>\n");
            bti_hgrid_free(&g);
        }
    }
    bti_str_cat(&s, "</section>\n");

    /* time per item */
    bti_str_cat(&s, "<section id=\"per-item-time\">\n<h2>Time per item</h2>\n");
    if (la < 0) bti_str_cat(&s, "<p class=\"note\">No axis to draw it over.</p>\n");
    else {
        int other = r->naxes > 1;
        bti_str_cat(&s, "<p class=\"note\">One line per workload");
        if (other) bti_str_cat(&s, " (each point: the best over the other axes)");
        bti_str_cat(&s, "; the lowest point of each line is ringed; &#215; marks a value where the workload has no ok cell.</p>\n");
        bti_html_lines(&s, r, la, wl, nw);
    }
    bti_str_cat(&s, "</section>\n");

    /* ranking table */
    bti_str_cat(&s, "<section id=\"ranking-section\">\n<h2>Ranking</h2>\n");
    if (rk && rk->nentries) bti_html_ranking(&s, rk, o.max_rank_rows);
    else bti_str_cat(&s, "<p class=\"note\">No ranking was given.</p>\n");
    bti_str_cat(&s, "</section>\n");

    /* run metadata */
    bti_str_cat(&s, "<section id=\"metadata\">\n<h2>Run</h2>\n");
    bti_html_meta(&s, r, meta, wl, nw);
    bti_str_cat(&s, "</section>\n");
    bti_str_printf(&s, "<footer><p class=\"note\">Made by batchtune %s. Heatmap colors: piecewise linear through #440154, #3b528b, #21918c, #5ec962, #fde725 "
                       "from the worst to the best value of each map, on a log scale when the map spans 4x or more (see batchtune.h, section 13).</p></footer>\n</body>\n</html>\n", BATCHTUNE_VERSION_STRING);
    bti_free((void *)wl);
    if (st == BT_OK && s.oom) st = BT_E_NOMEM;
    if (st == BT_OK) {
        st = bti_write_atomic(path, s.p, s.len, err, sizeof err);
        if (st != BT_OK) bti_fmt(rw->err, sizeof r->err, "html report: %s", err);
    }
    bti_str_free(&s);
    return st;
}

/* ---- reading the "meta" object of bt_write_json's file ---- */
static const char *bti_json_ws(const char *p) { while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++; return p; }
/* parses a JSON string at p (at the opening quote) into out; returns the end or NULL */
static const char *bti_json_parse_str(const char *p, char *out, size_t n) {
    size_t len = 0;
    if (*p != '"') return NULL;
    for (p++; *p && *p != '"'; p++) {
        unsigned c = (unsigned char)*p;
        int escaped_u = 0;
        if (c == '\\') {
            p++;
            switch (*p) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case '"': case '\\': case '/': c = (unsigned char)*p; break;
            case 'u': {
                char hx[5];
                int j;
                for (j = 0; j < 4; j++) { if (!isxdigit((unsigned char)p[1 + j])) return NULL; hx[j] = p[1 + j]; }
                hx[4] = 0;
                c = (unsigned)strtoul(hx, NULL, 16);
                p += 4;
                escaped_u = 1;
                if (c >= 0xd800 && c < 0xe000) c = '?';
                break;
            }
            default: return NULL;
            }
        }
        /* UTF-8 encode code points above ASCII that came from \u escapes */
        if (c >= 0x80 && escaped_u) {
            unsigned char u[3];
            int nb = 0, j;
            if (c < 0x800) { u[0] = (unsigned char)(0xc0 | (c >> 6)); u[1] = (unsigned char)(0x80 | (c & 0x3f)); nb = 2; }
            else { u[0] = (unsigned char)(0xe0 | (c >> 12)); u[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f)); u[2] = (unsigned char)(0x80 | (c & 0x3f)); nb = 3; }
            for (j = 0; j < nb; j++) if (len + 1 < n) out[len++] = (char)u[j];
        } else if (len + 1 < n) out[len++] = (char)c;
    }
    if (*p != '"') return NULL;
    if (n) out[len < n ? len : n - 1] = 0;
    return p + 1;
}
BTI_DEF bt_status bt_run_meta_read_json(const char *path, bt_run_meta *m, char *err, size_t errlen) {
    size_t len;
    char *text, key[64], val[1024];
    const char *p;
    bt_status st = BT_OK;
    if (!path || !m) return BT_E_INVALID;
    memset(m, 0, sizeof *m);
    text = bti_read_file(path, &len, err, errlen);
    if (!text) return BT_E_IO;
    p = strstr(text, "\"meta\"");
    if (!p) { bti_fmt(err, errlen, "%s: no \"meta\" object", path); bti_free(text); return BT_E_NOT_FOUND; }
    p = bti_json_ws(p + 6);
    if (*p != ':') goto bad;
    p = bti_json_ws(p + 1);
    if (strncmp(p, "null", 4) == 0) { bti_fmt(err, errlen, "%s: meta is null", path); bti_free(text); return BT_E_NOT_FOUND; }
    if (*p != '{') goto bad;
    p = bti_json_ws(p + 1);
    while (*p != '}') {
        if (!(p = bti_json_parse_str(p, key, sizeof key))) goto bad;
        p = bti_json_ws(p);
        if (*p != ':') goto bad;
        p = bti_json_ws(p + 1);
        if (*p == '"') { if (!(p = bti_json_parse_str(p, val, sizeof val))) goto bad; }
        else {
            size_t n = 0;
            while (*p && *p != ',' && *p != '}' && !isspace((unsigned char)*p) && n + 1 < sizeof val) val[n++] = *p++;
            val[n] = 0;
            if (!n || *p == '{' || *p == '[') goto bad;
        }
#define BTI_META_STR(name, field) if (strcmp(key, name) == 0) bti_fmt(m->field, sizeof m->field, "%s", val)
        BTI_META_STR("host", host);
        else BTI_META_STR("cpu_model", cpu_model);
        else BTI_META_STR("device", device);
        else BTI_META_STR("date_utc", date_utc);
        else BTI_META_STR("batchtune_version", version);
        else BTI_META_STR("settings", settings);
        else BTI_META_STR("fingerprint", fingerprint);
        else if (strcmp(key, "cpus_online") == 0) m->cpus_online = atoi(val);
        else if (strcmp(key, "cpus_allowed") == 0) m->cpus_allowed = atoi(val);
#undef BTI_META_STR
        p = bti_json_ws(p);
        if (*p == ',') p = bti_json_ws(p + 1);
        else if (*p != '}') goto bad;
    }
    bti_free(text);
    return st;
bad:
    bti_fmt(err, errlen, "%s: malformed \"meta\" object at byte %ld", path, (long)(p ? p - text : -1));
    bti_free(text);
    return BT_E_PARSE;
}

/* ---------------------------------------------------------------- merge and compare ------ */
/* --- shards: spec from the scheduler's environment, per-shard file names --- */
static int bti_env_int(const char *name, long *out, char *err, size_t errlen, const char *why) {
    const char *v = getenv(name);
    int64_t x;
    if (!v || !*v) { bti_fmt(err, errlen, "%s is not set (%s)", name, why); return 0; }
    if (!bti_parse_i64(v, &x) || x < 0 || x > INT_MAX) { bti_fmt(err, errlen, "%s='%s' is not a whole number >= 0", name, v); return 0; }
    *out = (long)x;
    return 1;
}
BTI_DEF bt_status bt_shard_resolve(const char *spec, int n_given, int *k, int *n, char *err, size_t errlen) {
    long id, mn, cnt, step = 1;
    if (err && errlen) err[0] = 0;
    if (!spec || !k || !n) { bti_fmt(err, errlen, "no shard spec"); return BT_E_INVALID; }
    if (strcmp(spec, "slurm") == 0) {
        const char *why = "--shard slurm runs inside a Slurm job array: sbatch --array=0-N-1";
        if (n_given > 0) { /* the array ids are the shard numbers */
            if (!bti_env_int("SLURM_ARRAY_TASK_ID", &id, err, errlen, why)) return BT_E_INVALID;
            if (id >= n_given) {
                bti_fmt(err, errlen, "SLURM_ARRAY_TASK_ID=%ld is not a shard number below %d: with the shard count given, the array ids are the shard numbers (--array=0-%d, or some of them to re-run)",
                        id, n_given, n_given - 1);
                return BT_E_INVALID;
            }
            *k = (int)id;
            *n = n_given;
            return BT_OK;
        }
        if (!bti_env_int("SLURM_ARRAY_TASK_ID", &id, err, errlen, why) || !bti_env_int("SLURM_ARRAY_TASK_MIN", &mn, err, errlen, why) ||
            !bti_env_int("SLURM_ARRAY_TASK_COUNT", &cnt, err, errlen, why)) return BT_E_INVALID;
        if (getenv("SLURM_ARRAY_TASK_STEP") && *getenv("SLURM_ARRAY_TASK_STEP") &&
            (!bti_env_int("SLURM_ARRAY_TASK_STEP", &step, err, errlen, why) || step < 1)) {
            if (!err || !err[0]) bti_fmt(err, errlen, "SLURM_ARRAY_TASK_STEP is not a whole number >= 1");
            return BT_E_INVALID;
        }
        if (id < mn || (id - mn) % step != 0 || (id - mn) / step >= cnt || cnt < 1) {
            bti_fmt(err, errlen, "SLURM_ARRAY_TASK_ID=%ld is not one of %ld tasks from %ld in steps of %ld: give the array as one range (--array=%ld-%ld)",
                    id, cnt, mn, step, mn, mn + cnt - 1);
            return BT_E_INVALID;
        }
        *k = (int)((id - mn) / step);
        *n = (int)cnt;
    } else if (strcmp(spec, "k8s") == 0) {
        if (!bti_env_int("JOB_COMPLETION_INDEX", &id, err, errlen, "--shard k8s runs in a Kubernetes Job with completionMode: Indexed"))
            return BT_E_INVALID;
        if (n_given <= 0) { bti_fmt(err, errlen, "--shard k8s needs the shard count (the Job's completions), e.g. --shards 4"); return BT_E_INVALID; }
        if (id >= n_given) { bti_fmt(err, errlen, "JOB_COMPLETION_INDEX=%ld is not below the shard count %d", id, n_given); return BT_E_INVALID; }
        *k = (int)id;
        *n = n_given;
        return BT_OK;
    } else {
        int kk, nn;
        char tail;
        if (sscanf(spec, "%d/%d%c", &kk, &nn, &tail) != 2 || nn < 1 || kk < 0 || kk >= nn) {
            bti_fmt(err, errlen, "shard '%s' must be K/N with 0 <= K < N, 'slurm' or 'k8s'", spec);
            return BT_E_INVALID;
        }
        *k = kk; *n = nn;
    }
    if (n_given > 0 && n_given != *n) {
        bti_fmt(err, errlen, "shard count %d given, but '%s' says %d", n_given, spec, *n);
        return BT_E_INVALID;
    }
    return BT_OK;
}
BTI_DEF void bt_shard_path(const char *pattern, int k, int n, char *buf, size_t len) {
    bti_str s;
    const char *p;
    if (!buf || !len) return;
    if (!pattern) pattern = "results.csv";
    if (n <= 0) { bti_fmt(buf, len, "%s", pattern); return; }
    memset(&s, 0, sizeof s);
    if (strstr(pattern, "{shard}")) {
        for (p = pattern; *p;) {
            if (strncmp(p, "{shards}", 8) == 0) { bti_str_printf(&s, "%d", n); p += 8; }
            else if (strncmp(p, "{shard}", 7) == 0) { bti_str_printf(&s, "%d", k); p += 7; }
            else bti_str_add(&s, p++, 1);
        }
    } else {
        size_t l = strlen(pattern);
        if (l > 4 && strcmp(pattern + l - 4, ".csv") == 0) l -= 4;
        bti_str_add(&s, pattern, l);
        bti_str_printf(&s, ".shard-%d-of-%d%s", k, n, pattern + l);
    }
    bti_fmt(buf, len, "%s", s.oom ? pattern : bti_str_c(&s));
    bti_str_free(&s);
}

/* --- the JSON metadata beside a results file (our own output: one line of "meta" first) --- */
typedef struct bti_meta_file {
    int present;
    char device[256], settings[1024], fingerprint[64], host[128], cpu[128], date[32];
    int shard_k, shard_n, cpus_online, cpus_allowed;
    long long planned;
} bti_meta_file;
static const char *bti_json_find_key(const char *line, const char *key) {
    size_t kl = strlen(key);
    const char *p = line;
    while ((p = strchr(p, '"')) != NULL) {
        if (strncmp(p + 1, key, kl) == 0 && p[1 + kl] == '"' && p[2 + kl] == ':') return p + 3 + kl;
        p++;
        /* skip the rest of this string (keys and string values alike) */
        while (*p && *p != '"') { if (*p == '\\' && p[1]) p++; p++; }
        if (*p) p++;
    }
    return NULL;
}
static int bti_json_get_str(const char *line, const char *key, char *out, size_t n) {
    const char *p = bti_json_find_key(line, key);
    size_t o = 0;
    if (!p || *p != '"' || !n) return 0;
    for (p++; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
            p++;
            switch (*p) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'u': {
                unsigned v = 0;
                int i;
                for (i = 1; i <= 4 && isxdigit((unsigned char)p[i]); i++)
                    v = v * 16 + (unsigned)(isdigit((unsigned char)p[i]) ? p[i] - '0' : (tolower((unsigned char)p[i]) - 'a' + 10));
                p += i - 1;
                c = v < 0x80 ? (char)v : '?';
                break;
            }
            case 0: p--; c = 0; break;
            default: c = *p;
            }
            if (!c) break;
        }
        if (o + 1 < n) out[o++] = c;
    }
    out[o] = 0;
    return *p == '"';
}
static int bti_json_get_ll(const char *line, const char *key, long long *out) {
    const char *p = bti_json_find_key(line, key);
    char *end;
    long long v;
    if (!p) return 0;
    v = strtoll(p, &end, 10);
    if (end == p) return 0;
    *out = v;
    return 1;
}
static bt_status bti_meta_file_read(const char *results_path, bti_meta_file *m, char *err, size_t errlen) {
    char jp[4096], e[256], *buf, *nl;
    size_t len;
    long long v;
    memset(m, 0, sizeof *m);
    m->planned = -1;
    bt_companion_path(results_path, ".json", jp, sizeof jp);
    buf = bti_read_file(jp, &len, e, sizeof e);
    if (!buf) { bti_fmt(err, errlen, "%s: its metadata %s cannot be read (%s)", results_path, jp, e); return BT_E_NOT_FOUND; }
    nl = strchr(buf, '\n');
    if (nl) *nl = 0; /* the "meta" object is on the first line */
    if (strncmp(buf, "{\"meta\":{", 9) != 0 || !bti_json_get_str(buf, "fingerprint", m->fingerprint, sizeof m->fingerprint) ||
        !bti_json_get_str(buf, "settings", m->settings, sizeof m->settings) || !bti_json_get_str(buf, "device", m->device, sizeof m->device)) {
        bti_fmt(err, errlen, "%s: %s is not batchtune run metadata (no meta with device, settings, fingerprint)", results_path, jp);
        bti_free(buf);
        return BT_E_PARSE;
    }
    bti_json_get_str(buf, "host", m->host, sizeof m->host);
    bti_json_get_str(buf, "cpu_model", m->cpu, sizeof m->cpu);
    bti_json_get_str(buf, "date_utc", m->date, sizeof m->date);
    if (bti_json_get_ll(buf, "shard_n", &v) && v > 0 && v <= INT_MAX) {
        m->shard_n = (int)v;
        if (bti_json_get_ll(buf, "shard_k", &v) && v >= 0 && v < m->shard_n) m->shard_k = (int)v;
        else m->shard_n = 0;
    }
    if (bti_json_get_ll(buf, "pairs_planned", &v)) m->planned = v;
    if (bti_json_get_ll(buf, "cpus_online", &v) && v > 0 && v <= INT_MAX) m->cpus_online = (int)v;
    if (bti_json_get_ll(buf, "cpus_allowed", &v) && v > 0 && v <= INT_MAX) m->cpus_allowed = (int)v;
    m->present = 1;
    bti_free(buf);
    return BT_OK;
}
/* "shard-K-of-N" in a file name (for files without metadata) */
static int bti_shard_from_name(const char *path, int *k, int *n) {
    const char *p = strrchr(path, '/'), *q;
    p = p ? p + 1 : path;
    for (q = strstr(p, "shard-"); q; q = strstr(q + 1, "shard-")) {
        int kk, nn, used = 0;
        if (sscanf(q, "shard-%d-of-%d%n", &kk, &nn, &used) == 2 && used > 0 && nn > 0 && kk >= 0 && kk < nn) { *k = kk; *n = nn; return 1; }
    }
    return 0;
}

/* --- merge --- */
typedef struct bti_mfile {
    const char *path;
    bt_results *r;
    bti_meta_file meta;
    int shard_k, shard_n;          /* n = 0: not a shard */
    int skip;                      /* the same file as an earlier one */
} bti_mfile;

static void bti_report_line(bti_str *s, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    bti_str_cat(s, line);
    bti_str_add(s, "\n", 1);
}
static int bti_same_double(double x, double y) { return (isnan(x) && isnan(y)) || x == y; }
/* "" when the rows hold the same measurement, else what differs */
static void bti_row_diff(const bt_results *r, const bt_row *x, const bt_row *y, char *buf, size_t n) {
    int i;
    buf[0] = 0;
    if (x->status != y->status) { bti_fmt(buf, n, "status %s vs %s", bt_cell_status_str(x->status), bt_cell_status_str(y->status)); return; }
    if (strcmp(x->reason, y->reason)) { bti_fmt(buf, n, "reason '%s' vs '%s'", x->reason, y->reason); return; }
    if (x->samples != y->samples || x->noisy != y->noisy) { bti_fmt(buf, n, "samples %d vs %d", x->samples, y->samples); return; }
    for (i = 0; i < r->nmetrics; i++)
        if (!bti_same_double(x->m[i], y->m[i])) { bti_fmt(buf, n, "%s %.6g vs %.6g", r->metrics[i], x->m[i], y->m[i]); return; }
}
static void bti_row_label(const bt_results *r, const bt_row *row, char *buf, size_t n) {
    bti_str s;
    int i;
    memset(&s, 0, sizeof s);
    bti_str_cat(&s, row->workload);
    for (i = 0; i < r->naxes; i++) bti_str_printf(&s, " %s=%s", r->axes[i], row->axis[i]);
    bti_fmt(buf, n, "%s", bti_str_c(&s));
    bti_str_free(&s);
}
static int bti_strv_equal(int n, char *const *a, int m, char *const *b) {
    int i;
    if (n != m) return 0;
    for (i = 0; i < n; i++) if (strcmp(a[i], b[i])) return 0;
    return 1;
}
static void bti_strv_join(bti_str *s, int n, char *const *v) {
    int i;
    for (i = 0; i < n; i++) { if (i) bti_str_add(s, ",", 1); bti_str_cat(s, v[i]); }
}
/* The order of an axis' (or the workloads') values as the sweep's settings list them:
   "axes: batch=4,8,16(monotone) mode=a,b; ...; workloads: w1,w2; ...". Returns the
   position of value v in the list of `name`, or -1. */
static long bti_settings_pos(const char *settings, const char *section, const char *name, const char *v) {
    const char *p = strstr(settings, section), *end, *q;
    size_t nl = strlen(name), vl = strlen(v);
    long pos = 0;
    if (!p) return -1;
    p += strlen(section);
    end = strchr(p, ';');
    if (!end) end = p + strlen(p);
    if (name[0]) { /* find "name=" at the start or after a space */
        for (q = p; q && q < end; q = strstr(q + 1, name)) {
            if ((q == p || q[-1] == ' ') && q[nl] == '=') break;
        }
        if (!q || q >= end) return -1;
        p = q + nl + 1;
        q = strchr(p, ' ');
        if (q && q < end) end = q;
    }
    for (;;) { /* values end at ',', '(' or the end */
        const char *e = p;
        while (e < end && *e != ',' && *e != '(') e++;
        if ((size_t)(e - p) == vl && strncmp(p, v, vl) == 0) return pos;
        if (e >= end || *e != ',') return -1;
        p = e + 1;
        pos++;
    }
}
typedef struct bti_vrank { const char *v; long pos; int num; double x; } bti_vrank;
static int bti_cmp_vrank(const void *a, const void *b) {
    const bti_vrank *x = (const bti_vrank *)a, *y = (const bti_vrank *)b;
    if ((x->pos >= 0) != (y->pos >= 0)) return x->pos >= 0 ? -1 : 1;
    if (x->pos >= 0 && x->pos != y->pos) return x->pos < y->pos ? -1 : 1;
    if (x->num && y->num && x->x != y->x) return x->x < y->x ? -1 : 1;
    if (x->num != y->num) return x->num ? -1 : 1;
    return strcmp(x->v, y->v);
}
typedef struct bti_rowkey { const long *key; int nk; size_t idx; } bti_rowkey;
static int bti_cmp_rowkey(const void *a, const void *b) {
    const bti_rowkey *x = (const bti_rowkey *)a, *y = (const bti_rowkey *)b;
    int i;
    for (i = 0; i < x->nk; i++) if (x->key[i] != y->key[i]) return x->key[i] < y->key[i] ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}
/* rank of each row's value in column `col` (an axis; -1 = the workload) */
static bt_status bti_column_ranks(const bt_results *r, int col, const char *settings, long *key, int stride, int slot) {
    bti_keymap km;
    bti_vrank *vr;
    size_t i, nv = 0;
    memset(&km, 0, sizeof km);
    vr = (bti_vrank *)bti_calloc(r->nrows ? r->nrows : 1, sizeof *vr);
    if (!vr) return BT_E_NOMEM;
    for (i = 0; i < r->nrows; i++) {
        const char *v = col < 0 ? r->rows[i].workload : r->rows[i].axis[col];
        long got = bti_keymap_get(&km, v, 1, (int)nv);
        if (got == -2) { bti_free(vr); bti_keymap_free(&km); return BT_E_NOMEM; }
        if (got == (long)nv) {
            vr[nv].v = v;
            vr[nv].pos = settings ? (col < 0 ? bti_settings_pos(settings, "workloads: ", "", v) : bti_settings_pos(settings, "axes: ", r->axes[col], v)) : -1;
            vr[nv].num = bti_parse_double(v, &vr[nv].x);
            nv++;
        }
    }
    qsort(vr, nv, sizeof *vr, bti_cmp_vrank);
    {   /* value -> rank: rebuild the map with the sorted positions */
        bti_keymap sorted;
        memset(&sorted, 0, sizeof sorted);
        for (i = 0; i < nv; i++) if (bti_keymap_get(&sorted, vr[i].v, 1, (int)i) == -2) { bti_keymap_free(&sorted); bti_keymap_free(&km); bti_free(vr); return BT_E_NOMEM; }
        for (i = 0; i < r->nrows; i++) {
            const char *v = col < 0 ? r->rows[i].workload : r->rows[i].axis[col];
            key[i * (size_t)stride + (size_t)slot] = bti_keymap_get(&sorted, v, 0, 0);
        }
        bti_keymap_free(&sorted);
    }
    bti_keymap_free(&km);
    bti_free(vr);
    return BT_OK;
}
/* copies r's rows into a new results in the sweep's order: cells as the grid orders them
   (first axis slowest), workloads inner */
static bt_status bti_results_sorted(const bt_results *r, const char *settings, bt_results **out) {
    int nk = r->naxes + 1, a;
    long *key = (long *)bti_calloc(r->nrows * (size_t)nk + 1, sizeof(long));
    bti_rowkey *rk = (bti_rowkey *)bti_calloc(r->nrows + 1, sizeof *rk);
    bt_results *o = NULL;
    bt_status st = BT_OK;
    size_t i;
    *out = NULL;
    if (!key || !rk) { st = BT_E_NOMEM; goto done; }
    for (a = 0; a < r->naxes && st == BT_OK; a++) st = bti_column_ranks(r, a, settings, key, nk, a);
    if (st == BT_OK) st = bti_column_ranks(r, -1, settings, key, nk, r->naxes);
    if (st != BT_OK) goto done;
    for (i = 0; i < r->nrows; i++) { rk[i].key = key + i * (size_t)nk; rk[i].nk = nk; rk[i].idx = i; }
    qsort(rk, r->nrows, sizeof *rk, bti_cmp_rowkey);
    o = bt_results_create(r->naxes, (const char *const *)r->axes, r->nmetrics, (const char *const *)r->metrics);
    if (!o || bti_results_set_scols(o, r->nscols, (const char *const *)r->scols) != BT_OK) { st = BT_E_NOMEM; goto done; }
    for (i = 0; i < r->nrows && st == BT_OK; i++) {
        const bt_row *row = &r->rows[rk[i].idx];
        long idx = bti_results_put(o, row->workload, row->device, (const char *const *)row->axis, row->status, row->reason, row->samples, row->noisy, row->m);
        int k;
        if (idx < 0) { st = BT_E_NOMEM; break; }
        for (k = 0; k < row->nsample && st == BT_OK; k++) st = bti_row_add_sample(o, &o->rows[idx], k, row->samp + (size_t)k * (size_t)r->nscols);
    }
done:
    bti_free(key); bti_free(rk);
    if (st != BT_OK) { bt_results_free(o); return st; }
    *out = o;
    return BT_OK;
}
static int bti_is_our_results(const char *path) {
    FILE *f = fopen(path, "rb");
    char line[8192];
    int ok = 0;
    if (!f) return 1; /* the reader names the problem */
    if (fgets(line, sizeof line, f)) ok = strncmp(line, "workload,device,", 16) == 0 && strstr(line, ",status,reason,samples,noisy") != NULL;
    fclose(f);
    return ok;
}
static int bti_int_cmp(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }

BTI_DEF void bt_merge_report_free(bt_merge_report *rep) {
    if (!rep) return;
    bti_free(rep->missing); bti_free(rep->incomplete); bti_free(rep->text);
    memset(rep, 0, sizeof *rep);
}
BTI_DEF bt_status bt_merge(const char *const *paths, int npaths, const bt_merge_desc *desc, bt_results **out,
                           bt_run_meta *meta, bt_merge_report *rep_out, char *err, size_t errlen) {
    bti_mfile *f = NULL;
    bt_merge_desc d;
    bt_merge_report rep;
    bti_str text, hosts;
    bt_results *m = NULL, *sorted = NULL;
    int i, ref = -1, nshards = 0, *seen = NULL, nread = 0;
    size_t *origin = NULL, k;
    long long planned_sum = 0;
    bt_status st = BT_OK;
    char buf[1024];
    memset(&rep, 0, sizeof rep);
    memset(&text, 0, sizeof text);
    memset(&hosts, 0, sizeof hosts);
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    if (out) *out = NULL;
    if (err && errlen) err[0] = 0;
    if (rep_out) memset(rep_out, 0, sizeof *rep_out);
    if (!paths || npaths < 1 || !out) { bti_fmt(err, errlen, "merge: no results files given"); return BT_E_INVALID; }
    f = (bti_mfile *)bti_calloc((size_t)npaths, sizeof *f);
    if (!f) { bti_fmt(err, errlen, "out of memory"); return BT_E_NOMEM; }
    /* 1. read every file and its metadata */
    for (i = 0; i < npaths && st == BT_OK; i++) {
        int j;
        f[i].path = paths[i];
        if (!paths[i]) { bti_fmt(err, errlen, "merge: file %d is NULL", i + 1); st = BT_E_INVALID; break; }
        {
            for (j = 0; j < i; j++) {
                if (!f[j].skip && bti_same_file(paths[j], paths[i])) {
                    bti_report_line(&text, "%s is the same file as %s (given twice): read once", paths[i], paths[j]);
                    f[i].skip = 1;
                    break;
                }
            }
            if (f[i].skip) continue;
        }
        if (!bti_is_our_results(paths[i])) {
            bti_fmt(err, errlen, "%s: not a batchtune results file (its header is not workload,device,<axes>,status,reason,samples,noisy,<metrics>)", paths[i]);
            st = BT_E_PARSE; break;
        }
        st = bt_results_read_csv(paths[i], NULL, &f[i].r, err, errlen);
        if (st != BT_OK) break;
        if (bt_results_warning(f[i].r)[0]) bti_report_line(&text, "warning: %s", bt_results_warning(f[i].r));
        st = bti_meta_file_read(paths[i], &f[i].meta, buf, sizeof buf);
        if (st != BT_OK) {
            if (!d.allow_no_meta) { bti_fmt(err, errlen, "%s; cannot check that it belongs to the same sweep (allow_no_meta / --no-meta to merge it unchecked)", buf); break; }
            bti_report_line(&text, "%s has no metadata beside it: its settings and fingerprint were not checked", paths[i]);
            memset(&f[i].meta, 0, sizeof f[i].meta);
            f[i].meta.planned = -1;
            st = BT_OK;
        }
        if (f[i].meta.present && f[i].meta.shard_n > 0) { f[i].shard_k = f[i].meta.shard_k; f[i].shard_n = f[i].meta.shard_n; }
        else if (!f[i].meta.present) bti_shard_from_name(paths[i], &f[i].shard_k, &f[i].shard_n);
        if (ref < 0) ref = i;
        nread++;
    }
    if (st != BT_OK) goto done;
    /* 2. everything must match the first file */
    for (i = 0; i < npaths && st == BT_OK; i++) {
        const bt_results *a = f[ref].r, *b = f[i].r;
        const char *dev_ref, *dev;
        if (f[i].skip || i == ref) continue;
        if (!bti_strv_equal(a->naxes, a->axes, b->naxes, b->axes) || !bti_strv_equal(a->nmetrics, a->metrics, b->nmetrics, b->metrics)) {
            bti_str s;
            int axes = !bti_strv_equal(a->naxes, a->axes, b->naxes, b->axes);
            memset(&s, 0, sizeof s);
            if (axes) bti_strv_join(&s, b->naxes, b->axes); else bti_strv_join(&s, b->nmetrics, b->metrics);
            bti_str_cat(&s, ") but ");
            bti_str_cat(&s, f[ref].path);
            bti_str_cat(&s, " has (");
            if (axes) bti_strv_join(&s, a->naxes, a->axes); else bti_strv_join(&s, a->nmetrics, a->metrics);
            bti_fmt(err, errlen, "%s: header differs: its %s columns are (%s): refusing to merge", paths[i], axes ? "axis" : "metric", bti_str_c(&s));
            bti_str_free(&s);
            st = BT_E_MISMATCH; break;
        }
        if (a->nscols && b->nscols && !bti_strv_equal(a->nscols, a->scols, b->nscols, b->scols)) {
            bti_fmt(err, errlen, "%s: its samples file has other columns than %s's: refusing to merge", paths[i], f[ref].path);
            st = BT_E_MISMATCH; break;
        }
        dev_ref = f[ref].meta.present ? f[ref].meta.device : a->nrows ? a->rows[0].device : NULL;
        dev = f[i].meta.present ? f[i].meta.device : b->nrows ? b->rows[0].device : NULL;
        if (dev_ref && dev && strcmp(dev_ref, dev)) {
            bti_fmt(err, errlen, "%s: device '%s' differs from '%s' in %s: refusing to merge runs of different devices", paths[i], dev, dev_ref, f[ref].path);
            st = BT_E_MISMATCH; break;
        }
        if (f[ref].meta.present && f[i].meta.present) {
            if (strcmp(f[ref].meta.settings, f[i].meta.settings)) {
                const char *x = f[ref].meta.settings, *y = f[i].meta.settings;
                size_t p = 0;
                while (x[p] && x[p] == y[p]) p++;
                while (p > 0 && !(x[p - 1] == ' ' && p > 1 && x[p - 2] == ';')) p--; /* from the clause that differs */
                bti_fmt(err, errlen, "%s: settings differ from %s's: '%.80s' vs '%.80s': refusing to merge", paths[i], f[ref].path, y + p, x + p);
                st = BT_E_MISMATCH; break;
            }
            if (strcmp(f[ref].meta.fingerprint, f[i].meta.fingerprint)) {
                bti_fmt(err, errlen, "%s: run fingerprint %s differs from %s in %s: not the same sweep: refusing to merge", paths[i], f[i].meta.fingerprint, f[ref].meta.fingerprint, f[ref].path);
                st = BT_E_MISMATCH; break;
            }
        }
    }
    if (st != BT_OK) goto done;
    for (i = 0; i < npaths; i++) { /* rows of another device inside a file */
        size_t r;
        const char *dev_ref;
        if (f[i].skip) continue;
        dev_ref = f[ref].meta.present ? f[ref].meta.device : f[ref].r->nrows ? f[ref].r->rows[0].device : "";
        for (r = 0; r < f[i].r->nrows; r++) if (strcmp(f[i].r->rows[r].device, dev_ref)) {
            bti_fmt(err, errlen, "%s:%zu: device '%s' differs from '%s': refusing to merge runs of different devices", paths[i], r + 2, f[i].r->rows[r].device, dev_ref);
            st = BT_E_MISMATCH; break;
        }
        if (st != BT_OK) goto done;
    }
    /* 3. shards: which are there, which are missing, which were cut short */
    nshards = d.expect_shards;
    for (i = 0; i < npaths; i++) {
        if (f[i].skip || !f[i].shard_n) continue;
        if (nshards && f[i].shard_n != nshards) {
            if (d.expect_shards) bti_fmt(err, errlen, "%s is shard %d of %d, but %d shards were expected", paths[i], f[i].shard_k, f[i].shard_n, d.expect_shards);
            else bti_fmt(err, errlen, "%s is shard %d of %d, but another file is a shard of %d: refusing to merge", paths[i], f[i].shard_k, f[i].shard_n, nshards);
            st = BT_E_MISMATCH; goto done;
        }
        nshards = f[i].shard_n;
    }
    if (nshards) {
        seen = (int *)bti_calloc((size_t)nshards, sizeof(int));
        rep.missing = (int *)bti_calloc((size_t)nshards, sizeof(int));
        rep.incomplete = (int *)bti_calloc((size_t)nshards, sizeof(int));
        if (!seen || !rep.missing || !rep.incomplete) { st = BT_E_NOMEM; bti_fmt(err, errlen, "out of memory"); goto done; }
        for (i = 0; i < npaths; i++) {
            if (f[i].skip) continue;
            if (!f[i].shard_n) { bti_report_line(&text, "%s is not a shard (no shard number in its metadata or name): its rows are merged as they are", paths[i]); continue; }
            if (seen[f[i].shard_k]) bti_report_line(&text, "shard %d is given twice: %s and %s", f[i].shard_k, paths[seen[f[i].shard_k] - 1], paths[i]);
            else seen[f[i].shard_k] = i + 1;
        }
        for (i = 0; i < nshards; i++) if (!seen[i]) rep.missing[rep.nmissing++] = i;
        if (rep.nmissing) {
            bti_str s;
            memset(&s, 0, sizeof s);
            for (i = 0; i < rep.nmissing && i < 64; i++) bti_str_printf(&s, "%s%d", i ? ", " : "", rep.missing[i]);
            if (rep.nmissing > 64) bti_str_printf(&s, ", ... (%d in all)", rep.nmissing);
            bti_report_line(&text, "missing shard%s %s of 0..%d: no file for %s", rep.nmissing > 1 ? "s" : "", bti_str_c(&s), nshards - 1, rep.nmissing > 1 ? "them" : "it");
            bti_str_free(&s);
        }
    }
    for (i = 0; i < npaths; i++) {
        if (f[i].skip) continue;
        if (f[i].meta.planned < 0) { planned_sum = -1; continue; }
        if (planned_sum >= 0) planned_sum += f[i].meta.planned;
        if ((long long)f[i].r->nrows < f[i].meta.planned) {
            if (f[i].shard_n) rep.incomplete[rep.nincomplete++] = f[i].shard_k;
            bti_report_line(&text, "%s is cut short: %zu of %lld rows (the run stopped early; finish it with --resume)",
                            paths[i], f[i].r->nrows, f[i].meta.planned);
        }
    }
    /* 4. the rows */
    m = bt_results_create(f[ref].r->naxes, (const char *const *)f[ref].r->axes, f[ref].r->nmetrics, (const char *const *)f[ref].r->metrics);
    if (!m) { st = BT_E_NOMEM; bti_fmt(err, errlen, "out of memory"); goto done; }
    for (i = 0; i < npaths; i++) if (!f[i].skip && f[i].r->nscols) { st = bti_results_set_scols(m, f[i].r->nscols, (const char *const *)f[i].r->scols); break; }
    if (st != BT_OK) goto done;
    for (i = 0; i < npaths && st == BT_OK; i++) {
        if (f[i].skip) continue;
        for (k = 0; k < f[i].r->nrows; k++) {
            const bt_row *row = &f[i].r->rows[k];
            long at = bti_results_lookup(m, row->workload, (const char *const *)row->axis, NULL);
            if (at >= 0) {
                char diff[512], lab[512];
                bti_row_diff(m, &m->rows[at], row, diff, sizeof diff);
                bti_row_label(m, row, lab, sizeof lab);
                if (!diff[0]) {
                    if (rep.duplicates < 5) bti_report_line(&text, "duplicate: %s is in %s and %s (the same row: kept once)", lab, paths[origin[at]], paths[i]);
                    rep.duplicates++;
                } else {
                    if (rep.conflicts < 10) bti_report_line(&text, "conflict: %s differs between %s and %s (%s)", lab, paths[origin[at]], paths[i], diff);
                    rep.conflicts++;
                }
                continue;
            }
            at = bti_results_put(m, row->workload, row->device, (const char *const *)row->axis, row->status, row->reason, row->samples, row->noisy, row->m);
            if (at < 0) { st = BT_E_NOMEM; break; }
            {
                size_t *no = (size_t *)bti_realloc(origin, m->nrows * sizeof *no);
                int s;
                if (!no) { st = BT_E_NOMEM; break; }
                origin = no;
                origin[at] = (size_t)i;
                if (f[i].r->nscols == m->nscols)
                    for (s = 0; s < row->nsample && st == BT_OK; s++) st = bti_row_add_sample(m, &m->rows[at], s, row->samp + (size_t)s * (size_t)m->nscols);
            }
        }
    }
    if (st != BT_OK) { bti_fmt(err, errlen, "out of memory"); goto done; }
    if (rep.duplicates > 5) bti_report_line(&text, "... %zu duplicate rows in all", rep.duplicates);
    if (rep.conflicts > 10) bti_report_line(&text, "... %zu conflicting rows in all", rep.conflicts);
    st = bti_results_sorted(m, f[ref].meta.present ? f[ref].meta.settings : NULL, &sorted);
    if (st != BT_OK) { bti_fmt(err, errlen, "out of memory"); goto done; }
    rep.rows = sorted->nrows;
    /* 5. the verdict */
    {
        size_t cut = 0;
        for (i = 0; i < npaths; i++) if (!f[i].skip && f[i].meta.planned >= 0 && (long long)f[i].r->nrows < f[i].meta.planned) cut++;
        if (rep.conflicts) {
            bti_fmt(err, errlen, "%zu cell%s differ between files (see the conflicts listed): refusing to guess which to keep; merge without the file that is wrong",
                    rep.conflicts, rep.conflicts > 1 ? "s" : "");
            st = BT_E_MISMATCH;
        } else if ((rep.nmissing || cut) && !d.partial) {
            if (rep.nmissing) {
                bti_str s;
                memset(&s, 0, sizeof s);
                for (i = 0; i < rep.nmissing && i < 64; i++) bti_str_printf(&s, "%s%d", i ? ", " : "", rep.missing[i]);
                bti_fmt(err, errlen, "missing shard%s %s of %d (no file for %s); run %s, or merge what is there with --partial",
                        rep.nmissing > 1 ? "s" : "", bti_str_c(&s), nshards, rep.nmissing > 1 ? "them" : "it", rep.nmissing > 1 ? "them" : "it");
                bti_str_free(&s);
            } else {
                bti_fmt(err, errlen, "%zu file%s cut short (fewer rows than planned, listed above); finish %s with --resume, or merge what is there with --partial",
                        cut, cut > 1 ? "s are" : " is", cut > 1 ? "them" : "it");
            }
            st = BT_E_NOT_FOUND;
        }
    }
    if (st != BT_OK) goto done;
    if (meta) {
        struct tm tmv;
        time_t now = time(NULL);
        memset(meta, 0, sizeof *meta);
        for (i = 0; i < npaths; i++) {
            if (f[i].skip || !f[i].meta.present || !f[i].meta.host[0]) continue;
            if (!strstr(bti_str_c(&hosts), f[i].meta.host)) { if (hosts.len) bti_str_add(&hosts, ",", 1); bti_str_cat(&hosts, f[i].meta.host); }
        }
        bti_fmt(meta->host, sizeof meta->host, "%s", hosts.len ? bti_str_c(&hosts) : "unknown");
        if (hosts.len >= sizeof meta->host) bti_fmt(meta->host + sizeof meta->host - 5, 5, ",...");
        bti_fmt(meta->cpu_model, sizeof meta->cpu_model, "%s", f[ref].meta.cpu[0] ? f[ref].meta.cpu : "unknown");
        meta->cpus_online = f[ref].meta.cpus_online;
        meta->cpus_allowed = f[ref].meta.cpus_allowed;
        bti_fmt(meta->device, sizeof meta->device, "%s", f[ref].meta.present ? f[ref].meta.device : f[ref].r->nrows ? f[ref].r->rows[0].device : "unknown");
        bti_gmtime(now, &tmv);
        strftime(meta->date_utc, sizeof meta->date_utc, "%Y-%m-%dT%H:%M:%SZ", &tmv);
        bti_fmt(meta->version, sizeof meta->version, "%s", BATCHTUNE_VERSION_STRING);
        bti_fmt(meta->settings, sizeof meta->settings, "%s", f[ref].meta.settings);
        bti_fmt(meta->fingerprint, sizeof meta->fingerprint, "%s", f[ref].meta.fingerprint);
        meta->pairs_planned = planned_sum;
    }
    *out = sorted;
    sorted = NULL;
done:
    rep.nfiles = nread;
    rep.shards = nshards;
    if (rep.missing) qsort(rep.missing, (size_t)rep.nmissing, sizeof(int), bti_int_cmp);
    if (rep.incomplete) qsort(rep.incomplete, (size_t)rep.nincomplete, sizeof(int), bti_int_cmp);
    rep.text = text.oom ? NULL : text.p;
    if (!rep.text) { bti_str_free(&text); rep.text = bti_strdup(""); }
    if (rep_out) *rep_out = rep; else bt_merge_report_free(&rep);
    for (i = 0; i < npaths; i++) bt_results_free(f[i].r);
    bti_free(f); bti_free(seen); bti_free(origin);
    bt_results_free(m); bt_results_free(sorted);
    bti_str_free(&hosts);
    if (st == BT_E_NOMEM && err && errlen && !err[0]) bti_fmt(err, errlen, "out of memory");
    return st;
}

/* --- compare --- */
static const char *const bti_change_names[] = {"same", "better", "worse", "unknown", "status", "not_ok", "only_a", "only_b"};
BTI_DEF const char *bt_change_str(bt_change c) {
    return (c >= 0 && c <= BT_CHANGE_ONLY_B) ? bti_change_names[c] : "unknown";
}
BTI_DEF void bt_comparison_free(bt_comparison *c) {
    int i;
    if (!c) return;
    for (i = 0; i < c->nrows; i++) {
        bti_free(c->rows[i].workload); bti_free(c->rows[i].label);
        bti_strv_free(c->naxes, c->rows[i].axis);
    }
    bti_free(c->rows);
    bti_free(c->objective);
    bti_strv_free(c->naxes, c->axes);
    memset(c, 0, sizeof *c);
}
/* the usable values of sample column col of a row (bti_sample_usable: not NaN, no zero reads) */
static size_t bti_sample_column(const bt_results *r, const bt_row *row, int col, double *out) {
    int k, tc = bti_time_col(r, col);
    size_t n = 0;
    for (k = 0; k < row->nsample; k++) {
        double v = row->samp[(size_t)k * (size_t)r->nscols + (size_t)col];
        if (bti_sample_usable(tc, v)) out[n++] = v;
    }
    return n;
}
/* 95 % percentile bootstrap CI of stat(B)/stat(A) */
static int bti_ratio_bootstrap(const double *xa, size_t na, const double *xb, size_t nb, int stat, int reps, uint64_t *seed,
                               double *lo, double *hi) {
    double *ra = (double *)bti_malloc((na + nb) * sizeof(double)), *rb, *ratios = (double *)bti_malloc((size_t)reps * sizeof(double));
    int k, nr = 0;
    size_t j;
    if (!ra || !ratios) { bti_free(ra); bti_free(ratios); return 0; }
    rb = ra + na;
    for (k = 0; k < reps; k++) {
        double sa, sb;
        for (j = 0; j < na; j++) ra[j] = xa[bti_rand_below(seed, na)];
        for (j = 0; j < nb; j++) rb[j] = xb[bti_rand_below(seed, nb)];
        sa = bti_stat_of(ra, na, stat);
        sb = bti_stat_of(rb, nb, stat);
        if (sa != 0 && isfinite(sa) && isfinite(sb)) ratios[nr++] = sb / sa;
    }
    if (nr < reps / 2) { bti_free(ra); bti_free(ratios); return 0; }
    qsort(ratios, (size_t)nr, sizeof(double), bti_cmp_double);
    *lo = bt_quantile_sorted(ratios, (size_t)nr, 0.025);
    *hi = bt_quantile_sorted(ratios, (size_t)nr, 0.975);
    bti_free(ra); bti_free(ratios);
    return 1;
}
/* the CI columns of a "<base>_median" objective (e2e_s_median -> e2e_s_ci_lo, e2e_s_ci_hi) */
static int bti_ci_columns(const bt_results *r, const char *obj, int *lo, int *hi) {
    char name[300];
    size_t n = strlen(obj);
    if (n <= 7 || n > 250 || strcmp(obj + n - 7, "_median") != 0) return 0;
    bti_fmt(name, sizeof name, "%.*s_ci_lo", (int)(n - 7), obj);
    *lo = bt_results_metric_index(r, name);
    bti_fmt(name, sizeof name, "%.*s_ci_hi", (int)(n - 7), obj);
    *hi = bt_results_metric_index(r, name);
    return *lo >= 0 && *hi >= 0;
}
/* mean regret, in ranking rk, of the cell with these axis values (NAN when not ok there) */
static double bti_pick_regret_in(const bt_ranking *rk, char *const *axis, int naxes) {
    int e;
    for (e = 0; e < rk->nentries; e++) {
        if (bti_strv_equal(naxes, rk->entries[e].axis, rk->naxes, axis)) return rk->entries[e].n_ok == rk->nworkloads ? rk->entries[e].mean_regret : NAN;
    }
    return NAN;
}
BTI_DEF bt_status bt_compare(const bt_results *a, const bt_results *b, const bt_compare_desc *desc, bt_comparison *out) {
    bt_compare_desc d;
    const char *obj;
    int ca, cb, sca = -1, scb = -1, stat_a = 0, stat_b = 0, cia_lo = -1, cia_hi = -1, cib_lo = -1, cib_hi = -1, higher, pass, cols_ok;
    size_t i, cap, maxs = 1;
    uint64_t seed;
    double *xa = NULL, *xb = NULL, logsum = 0;
    int nlog = 0;
    bt_status st = BT_OK;
    if (!out) return BT_E_INVALID;
    memset(out, 0, sizeof *out);
    out->geomean_ratio = out->pick_a_regret_in_b = out->pick_b_regret_in_a = NAN;
    if (!a || !b) { bti_fmt(out->message, sizeof out->message, "compare: two results are needed"); return BT_E_INVALID; }
    if (desc) d = *desc; else memset(&d, 0, sizeof d);
    obj = d.objective && *d.objective ? d.objective : "e2e_s_median";
    if (!d.bootstrap) d.bootstrap = 2000;
    seed = d.seed ? d.seed : 1;
    higher = d.direction ? d.direction == BT_HIGHER_IS_BETTER : bti_guess_higher(obj);
    if (!bti_strv_equal(a->naxes, a->axes, b->naxes, b->axes)) {
        bti_str s;
        memset(&s, 0, sizeof s);
        bti_str_cat(&s, "the runs are not of one grid: A has axes (");
        bti_strv_join(&s, a->naxes, a->axes);
        bti_str_cat(&s, "), B has (");
        bti_strv_join(&s, b->naxes, b->axes);
        bti_str_cat(&s, ")");
        bti_fmt(out->message, sizeof out->message, "%s", bti_str_c(&s));
        bti_str_free(&s);
        return BT_E_MISMATCH;
    }
    ca = bt_results_metric_index(a, obj);
    cb = bt_results_metric_index(b, obj);
    if (ca < 0 || cb < 0) {
        bti_fmt(out->message, sizeof out->message, "objective '%s' is not a column of %s", obj, ca < 0 && cb < 0 ? "either run" : ca < 0 ? "run A" : "run B");
        return BT_E_NOT_FOUND;
    }
    if (d.bootstrap > 0) {
        sca = bti_sample_source(a, obj, &stat_a);
        scb = bti_sample_source(b, obj, &stat_b);
        if (sca >= 0 && scb >= 0 && (stat_a != stat_b || strcmp(a->scols[sca], b->scols[scb]))) sca = scb = -1;
    }
    cols_ok = bti_ci_columns(a, obj, &cia_lo, &cia_hi) && bti_ci_columns(b, obj, &cib_lo, &cib_hi);
    out->objective = bti_strdup(obj);
    out->direction = higher ? BT_HIGHER_IS_BETTER : BT_LOWER_IS_BETTER;
    out->naxes = a->naxes;
    out->axes = bti_strv_dup(a->naxes, (const char *const *)a->axes);
    cap = a->nrows + b->nrows;
    out->rows = (bt_compare_row *)bti_calloc(cap ? cap : 1, sizeof *out->rows);
    for (i = 0; i < a->nrows; i++) if (a->rows[i].nsample > (int)maxs) maxs = (size_t)a->rows[i].nsample;
    for (i = 0; i < b->nrows; i++) if (b->rows[i].nsample > (int)maxs) maxs = (size_t)b->rows[i].nsample;
    xa = (double *)bti_malloc(maxs * sizeof(double));
    xb = (double *)bti_malloc(maxs * sizeof(double));
    if (!out->objective || !out->axes || !out->rows || !xa || !xb) { st = BT_E_NOMEM; goto done; }
    /* pass 0: A's rows (matched in B); pass 1: B's rows missing in A */
    for (pass = 0; pass < 2 && st == BT_OK; pass++) {
        const bt_results *p = pass ? b : a, *q = pass ? a : b;
        for (i = 0; i < p->nrows; i++) {
            const bt_row *rp = &p->rows[i], *rq = bt_results_find(q, rp->workload, (const char *const *)rp->axis);
            const bt_row *ra = pass ? rq : rp, *rb = pass ? rp : rq;
            bt_compare_row *c;
            char lab[512];
            int k;
            if (pass && rq) continue;
            c = &out->rows[out->nrows++];
            c->workload = bti_strdup(rp->workload);
            c->axis = bti_strv_dup(p->naxes, (const char *const *)rp->axis);
            {
                bti_str s;
                memset(&s, 0, sizeof s);
                for (k = 0; k < p->naxes; k++) bti_str_printf(&s, "%s%s=%s", k ? " " : "", p->axes[k], rp->axis[k]);
                bti_fmt(lab, sizeof lab, "%s", bti_str_c(&s));
                bti_str_free(&s);
            }
            c->label = bti_strdup(lab);
            if (!c->workload || !c->axis || !c->label) { st = BT_E_NOMEM; break; }
            c->status_a = ra ? ra->status : BT_CELL_STATUS_COUNT;
            c->status_b = rb ? rb->status : BT_CELL_STATUS_COUNT;
            c->a = ra && ra->status == BT_CELL_OK ? ra->m[ca] : NAN;
            c->b = rb && rb->status == BT_CELL_OK ? rb->m[cb] : NAN;
            c->ratio = c->lo = c->hi = NAN;
            c->ci_method = BT_CI_NONE;
            if (!ra) { c->change = BT_CHANGE_ONLY_B; continue; }
            if (!rb) { c->change = BT_CHANGE_ONLY_A; continue; }
            if (ra->status != rb->status) { c->change = BT_CHANGE_STATUS; continue; }
            if (ra->status != BT_CELL_OK) { c->change = BT_CHANGE_NOT_OK; continue; }
            if (isnan(c->a) || isnan(c->b) || c->a == 0) { c->change = BT_CHANGE_UNKNOWN; continue; }
            c->ratio = c->b / c->a;
            if (c->ratio > 0 && isfinite(c->ratio)) { logsum += log(c->ratio); nlog++; }
            if (sca >= 0 && scb >= 0 && ra->nsample >= 2 && rb->nsample >= 2) {
                size_t na = bti_sample_column(a, ra, sca, xa), nb = bti_sample_column(b, rb, scb, xb);
                if (na >= 2 && nb >= 2 && bti_ratio_bootstrap(xa, na, xb, nb, stat_a, d.bootstrap, &seed, &c->lo, &c->hi))
                    c->ci_method = BT_CI_BOOTSTRAP;
            }
            if (c->ci_method == BT_CI_NONE && cols_ok) {
                double la = ra->m[cia_lo], ha = ra->m[cia_hi], lb = rb->m[cib_lo], hb = rb->m[cib_hi];
                if (la > 0 && ha > 0 && lb > 0 && hb > 0 && (ha > la || hb > lb)) {
                    double sa = (log(ha) - log(la)) / (2 * 1.96), sb = (log(hb) - log(lb)) / (2 * 1.96);
                    double half = 1.96 * sqrt(sa * sa + sb * sb);
                    c->lo = c->ratio * exp(-half);
                    c->hi = c->ratio * exp(half);
                    c->ci_method = BT_CI_COLUMNS;
                }
            }
            if (c->ci_method == BT_CI_NONE) c->change = BT_CHANGE_UNKNOWN;
            else if (c->lo <= 1 && c->hi >= 1) c->change = BT_CHANGE_SAME;
            else c->change = ((c->hi < 1) != !!higher) ? BT_CHANGE_BETTER : BT_CHANGE_WORSE;
        }
    }
    if (st != BT_OK) goto done;
    for (i = 0; i < (size_t)out->nrows; i++) out->count[out->rows[i].change]++;
    if (nlog) out->geomean_ratio = exp(logsum / nlog);
    /* each run's pick, and what it costs in the other run */
    {
        bt_rank_desc rd;
        bt_ranking ka, kb;
        bt_status sa, sb;
        memset(&rd, 0, sizeof rd);
        rd.objective = obj;
        rd.direction = out->direction;
        rd.bootstrap = -1;
        sa = bt_rank(a, &rd, &ka);
        sb = bt_rank(b, &rd, &kb);
        if (sa == BT_OK && ka.pick >= 0) bti_fmt(out->pick_a, sizeof out->pick_a, "%s", ka.entries[ka.pick].label);
        if (sb == BT_OK && kb.pick >= 0) bti_fmt(out->pick_b, sizeof out->pick_b, "%s", kb.entries[kb.pick].label);
        if (sa == BT_OK && sb == BT_OK && ka.pick >= 0 && kb.pick >= 0) {
            out->pick_a_regret_in_b = bti_pick_regret_in(&kb, ka.entries[ka.pick].axis, ka.naxes);
            out->pick_b_regret_in_a = bti_pick_regret_in(&ka, kb.entries[kb.pick].axis, kb.naxes);
        }
        bt_ranking_free(&ka);
        bt_ranking_free(&kb);
    }
    {
        bti_str s;
        memset(&s, 0, sizeof s);
        bti_str_printf(&s, "B is %s in %d cell%s, %s in %d, within noise in %d", higher ? "higher" : "faster", out->count[BT_CHANGE_BETTER],
                       out->count[BT_CHANGE_BETTER] == 1 ? "" : "s", higher ? "lower" : "slower", out->count[BT_CHANGE_WORSE], out->count[BT_CHANGE_SAME]);
        if (out->count[BT_CHANGE_UNKNOWN]) bti_str_printf(&s, ", without a CI in %d", out->count[BT_CHANGE_UNKNOWN]);
        if (!isnan(out->geomean_ratio)) bti_str_printf(&s, "; geometric mean B/A %.3f", out->geomean_ratio);
        bti_str_cat(&s, ".");
        if (out->count[BT_CHANGE_STATUS]) bti_str_printf(&s, " %d cell%s changed status.", out->count[BT_CHANGE_STATUS], out->count[BT_CHANGE_STATUS] == 1 ? "" : "s");
        if (out->count[BT_CHANGE_ONLY_A] || out->count[BT_CHANGE_ONLY_B])
            bti_str_printf(&s, " %d cell%s only in A, %d only in B.", out->count[BT_CHANGE_ONLY_A], out->count[BT_CHANGE_ONLY_A] == 1 ? "" : "s", out->count[BT_CHANGE_ONLY_B]);
        if (out->pick_a[0] && out->pick_b[0]) {
            if (strcmp(out->pick_a, out->pick_b) == 0) bti_str_printf(&s, " Both pick %s.", out->pick_a);
            else {
                bti_str_printf(&s, " The pick changed: A picks %s, B picks %s", out->pick_a, out->pick_b);
                if (!isnan(out->pick_a_regret_in_b)) bti_str_printf(&s, "; keeping A's pick costs %.2f %% mean regret in B", 100 * out->pick_a_regret_in_b);
                else bti_str_cat(&s, "; A's pick is not ok on every workload in B");
                bti_str_cat(&s, ".");
            }
        } else bti_str_printf(&s, " Picks: A %s, B %s.", out->pick_a[0] ? out->pick_a : "none", out->pick_b[0] ? out->pick_b : "none");
        bti_fmt(out->message, sizeof out->message, "%s", bti_str_c(&s));
        bti_str_free(&s);
    }
done:
    bti_free(xa); bti_free(xb);
    if (st != BT_OK) {
        bt_comparison_free(out);
        bti_fmt(out->message, sizeof out->message, "out of memory");
    }
    return st;
}
static const char *bti_cmp_status(bt_cell_status s) { return s == BT_CELL_STATUS_COUNT ? "-" : bt_cell_status_str(s); }
BTI_DEF void bt_print_comparison(const bt_comparison *c, const char *name_a, const char *name_b, FILE *f) {
    int i, k, wl = 8, *aw;
    char va[32], vb[32], ratio[32], ci[48];
    if (!c || !f) return;
    name_a = name_a ? name_a : "A";
    name_b = name_b ? name_b : "B";
    aw = (int *)bti_calloc((size_t)(c->naxes > 0 ? c->naxes : 1), sizeof(int));
    if (!aw) return;
    for (k = 0; k < c->naxes; k++) aw[k] = (int)strlen(c->axes[k]);
    for (i = 0; i < c->nrows; i++) {
        if ((int)strlen(c->rows[i].workload) > wl) wl = (int)strlen(c->rows[i].workload);
        for (k = 0; k < c->naxes; k++) if ((int)strlen(c->rows[i].axis[k]) > aw[k]) aw[k] = (int)strlen(c->rows[i].axis[k]);
    }
    fprintf(f, "A: %s\nB: %s\n", name_a, name_b);
    fprintf(f, "objective: %s (%s is better); B/A with its 95 %% CI (bootstrap over the samples; 'c' = from the CI columns)\n\n",
            c->objective, c->direction == BT_HIGHER_IS_BETTER ? "higher" : "lower");
    fprintf(f, "%-*s", wl, "workload");
    for (k = 0; k < c->naxes; k++) fprintf(f, "  %*s", aw[k], c->axes[k]);
    fprintf(f, "  %-8s %-8s %11s %11s %7s  %-17s %s\n", "status A", "status B", "A", "B", "B/A", "95 % CI", "change");
    for (i = 0; i < c->nrows; i++) {
        const bt_compare_row *r = &c->rows[i];
        const char *chg;
        fprintf(f, "%-*s", wl, r->workload);
        for (k = 0; k < c->naxes; k++) fprintf(f, "  %*s", aw[k], r->axis[k]);
        bti_fmt_short(va, sizeof va, r->a);
        bti_fmt_short(vb, sizeof vb, r->b);
        if (isnan(r->a)) bti_fmt(va, sizeof va, "-");
        if (isnan(r->b)) bti_fmt(vb, sizeof vb, "-");
        if (isnan(r->ratio)) bti_fmt(ratio, sizeof ratio, "-"); else bti_fmt(ratio, sizeof ratio, "%.3f", r->ratio);
        if (r->ci_method == BT_CI_NONE) bti_fmt(ci, sizeof ci, "-");
        else bti_fmt(ci, sizeof ci, "[%.3f, %.3f]%s", r->lo, r->hi, r->ci_method == BT_CI_COLUMNS ? "c" : "");
        switch (r->change) {
        case BT_CHANGE_BETTER: chg = c->direction == BT_HIGHER_IS_BETTER ? "* higher in B" : "* faster in B"; break;
        case BT_CHANGE_WORSE: chg = c->direction == BT_HIGHER_IS_BETTER ? "* lower in B" : "* slower in B"; break;
        case BT_CHANGE_STATUS: chg = "* status changed"; break;
        case BT_CHANGE_ONLY_A: chg = "only in A"; break;
        case BT_CHANGE_ONLY_B: chg = "only in B"; break;
        case BT_CHANGE_UNKNOWN: chg = "no CI"; break;
        case BT_CHANGE_NOT_OK: chg = ""; break;
        default: chg = "within noise";
        }
        fprintf(f, "  %-8s %-8s %11s %11s %7s  %-17s %s\n", bti_cmp_status(r->status_a), bti_cmp_status(r->status_b), va, vb, ratio, ci, chg);
    }
    fprintf(f, "\npick A: %s\npick B: %s\n", c->pick_a[0] ? c->pick_a : "none", c->pick_b[0] ? c->pick_b : "none");
    if (!isnan(c->pick_a_regret_in_b)) fprintf(f, "A's pick in B: mean regret %.4f (%.2f %%)\n", c->pick_a_regret_in_b, 100 * c->pick_a_regret_in_b);
    if (!isnan(c->pick_b_regret_in_a)) fprintf(f, "B's pick in A: mean regret %.4f (%.2f %%)\n", c->pick_b_regret_in_a, 100 * c->pick_b_regret_in_a);
    fprintf(f, "\n%s\n", c->message);
    bti_free(aw);
}
BTI_DEF void bt_write_comparison_csv(const bt_comparison *c, FILE *f) {
    int i, k;
    static const char *const ci_names[] = {"none", "bootstrap", "columns"};
    bti_str s;
    if (!c || !f) return;
    memset(&s, 0, sizeof s);
    bti_str_cat(&s, "workload");
    for (k = 0; k < c->naxes; k++) { bti_str_add(&s, ",", 1); bti_csv_field(&s, c->axes[k]); }
    bti_str_cat(&s, ",status_a,status_b,a,b,ratio,ratio_lo,ratio_hi,ci,change\n");
    for (i = 0; i < c->nrows; i++) {
        const bt_compare_row *r = &c->rows[i];
        bti_csv_field(&s, r->workload);
        for (k = 0; k < c->naxes; k++) { bti_str_add(&s, ",", 1); bti_csv_field(&s, r->axis[k]); }
        bti_str_printf(&s, ",%s,%s,", r->status_a == BT_CELL_STATUS_COUNT ? "" : bt_cell_status_str(r->status_a),
                       r->status_b == BT_CELL_STATUS_COUNT ? "" : bt_cell_status_str(r->status_b));
        bti_csv_num(&s, r->a); bti_str_add(&s, ",", 1);
        bti_csv_num(&s, r->b); bti_str_add(&s, ",", 1);
        bti_csv_num(&s, r->ratio); bti_str_add(&s, ",", 1);
        bti_csv_num(&s, r->lo); bti_str_add(&s, ",", 1);
        bti_csv_num(&s, r->hi);
        bti_str_printf(&s, ",%s,%s\n", ci_names[r->ci_method], bt_change_str(r->change));
    }
    if (!s.oom) fputs(s.p, f);
    bti_str_free(&s);
}

/* ---------------------------------------------------------------- search strategies ------ */
BTI_DEF const char *bt_strategy_str(int s) {
    return s == BT_STRATEGY_ADAPTIVE ? "adaptive" : s == BT_STRATEGY_EXHAUSTIVE ? "exhaustive" : "unknown";
}
BTI_DEF int bt_strategy_parse(const char *s, int *out) {
    if (s && strcmp(s, "adaptive") == 0) { *out = BT_STRATEGY_ADAPTIVE; return 1; }
    if (s && strcmp(s, "exhaustive") == 0) { *out = BT_STRATEGY_EXHAUSTIVE; return 1; }
    return 0;
}

/* What a search knows of one (cell, workload): its samples over all visits. */
typedef struct bti_sc {
    int status;                /* -1 not visited yet, else a bt_cell_status */
    int n, cap;
    double *e2e;               /* n sample times: the usable ones (bti_time_ok); zero reads are not times */
    double *rows;              /* nrow x nscols sample rows, every sample taken (what the row's samples file block holds) */
    int nrow, nzero;           /* samples taken, and how many of them read 0 s (nrow = n + nzero) */
    double tsum;               /* sum of sample times: the stop rule's elapsed time */
    double cost;               /* seconds of all visits: setup, warm-up, samples, teardown */
    int visits, done, noisy, drawn;
    int cut;                   /* the last visit stopped early: the cell was already out of the race (2: at its warm-up, bti_srch_warm_cut) */
    double warm;               /* the last visit's warm-up run (the fastest, live; the median, replay); 0: unknown */
    int med_n;                 /* med is the median of the first med_n samples (0: not computed) */
    double med;
} bti_sc;

typedef struct bti_srch bti_srch;
/* takes samples of (cell, wl) until the stop rule holds on all its samples, or max_new new ones
   (max_new <= 0: no limit); returns the status, with a reason when not ok */
typedef bt_cell_status (*bti_visit_fn)(bti_srch *s, const bt_cell *c, int wl, int max_new, char *reason, size_t rlen);
struct bti_srch {
    bti_sweep *sw;
    size_t ncells;
    int nw;
    bti_sc *sc;                /* ncells x nw */
    unsigned char *use;        /* per cell: 0 not in this run (shard), 1 to search, 2 infeasible */
    unsigned char *out;        /* per cell: 0 in the race, 1 dropped by racing or halving */
    bti_visit_fn visit;
    void *ctx;
    double cost;
    size_t visits, samples, pairs_done, pairs_total;
    int n0, keep, live, capped, tiny; /* tiny: a grid of a few cells (bti_srch_tiny) */
    double margin, z, prior, pool, pool_mad, pool_rob, budget, est_ex;
    double out_p, out_m;       /* the cost model's outliers: rate per sample and relative size (0: none seen) */
    double *wcore;             /* [nw]: the cost model's core spread per workload, shrunk toward the pooled one */
    double *wcut;              /* [nw]: the spread outliers are judged against (the core before they are taken out) */
    double out_core;           /* the pooled spread outliers were judged against */
    double cm_p, cm_m;         /* the cost model's outliers judged by the workloads' cores: rate and size */
    double *fpc;               /* [BTI_FPC][7]: the simulated stop rule's memo, keyed on spread, rate, size, limits and warm-up */
    int cm_wn;                 /* the cost model's warm-up: how many first samples of a cell run off its steady state (0: none) */
    double cm_wu[8];           /* their offsets (relative, sample j = steady x (1 + cm_wu[j])), in 0.25 % steps */
    double cm_wkey;            /* the offsets' key in the memo (0: none) */
    int leader;                /* cell of the best estimate at the last evaluation, -1 none */
    size_t basin;              /* a far cell the late space-filling screen stopped at (bti_srch_basin), SIZE_MAX none */
    double spread_cost;        /* what the late space-filling screen has spent so far (it resumes after a basin) */
    size_t spread_n;           /* how many cells it has screened so far */
    unsigned char *farc;       /* [ncells]: sampled by a space-filling screen or the far descent (bti_srch_descend) */
    int desc_done;             /* the far descent has run (once per search) */
    int warmq;                 /* this round's leader is a one-sample cell, BTI_WARM_QN such cells with warm-up pairs (bti_srch_warm_pairs); 2: and quiet by them (bti_srch_warm_quiet); 3: a tiny grid's, every sample calm (bti_srch_tiny_calm) */
    int vscr_done;             /* the unmeasured values' screen has run (bti_srch_value_screen, once per search) */
    double *med, *lo, *hi, *score; /* ncells x nw, ncells */
    double *wtab;              /* [n]: the stop rule's relative noise of n samples of unit spread */
    int wtab_n;
    double *fpw;               /* [BTI_FP_R][BTI_FP_N + 1]: simulated stop-rule widths (cost model) */
    double *fpz, *fpu;         /* [BTI_FP_R][BTI_FP_N + 1]: those sequences' unit Gaussian samples and, apart, uniforms (outlier draws) */
    unsigned char *elig;
    uint32_t *cvi;             /* ncells x naxes: each cell's value indices (built on first use) */
    size_t cm_gen;             /* bumped by each evaluation of the cost model */
    size_t est_key[3];         /* visits, samples and cm_gen when est_ex was estimated (all 0: never) */
    size_t fit_key;            /* samples when bti_srch_eval last ran (bti_srch_fit evaluates again only after new ones) */
};

static bti_sc *bti_sc_at(bti_srch *s, size_t ci, int wl) { return &s->sc[ci * (size_t)s->nw + (size_t)wl]; }
/* a visit's setup and warm-up, per visit so far (what a revisit pays again before its samples) */
static double bti_sc_setup(const bti_sc *sc) {
    double o = (sc->cost - sc->tsum) / (sc->visits > 0 ? sc->visits : 1);
    return o > 0 ? o : 0;
}
/* the root of the variance of a cell's own samples (0 under two samples), their mean into *mean */
static double bti_sc_sd(const bti_sc *sc, double *mean) {
    double m = 0, var = 0;
    int j;
    for (j = 0; j < sc->n; j++) m += sc->e2e[j];
    if (sc->n > 1) m /= sc->n;
    for (j = 0; j < sc->n; j++) var += (sc->e2e[j] - m) * (sc->e2e[j] - m);
    *mean = m;
    return sc->n > 1 ? sqrt(var / (sc->n - 1)) : 0;
}
/* the median of a cell's samples (NAN without), kept until a sample is added: the cost cap
   asks for every cell's median after every visit */
static double bti_sc_median(bti_sc *sc) {
    if (sc->n < 1) return NAN;
    if (sc->med_n != sc->n) {
        bt_stats st;
        sc->med = bt_stats_compute(sc->e2e, (size_t)sc->n, &st) == BT_OK ? st.median : NAN;
        sc->med_n = sc->n;
    }
    return sc->med;
}
/* the value indices of cell ci (grid order), from a table built once per search; NULL when
   out of memory (callers fall back to bt_grid_cell) */
static const uint32_t *bti_srch_cvi(bti_srch *s, size_t ci) {
    const bt_grid *g = s->sw->g;
    size_t na = (size_t)g->naxes, i;
    if (!s->cvi) {
        bt_cell c;
        uint32_t *t = (uint32_t *)bti_malloc((s->ncells ? s->ncells : 1) * (na ? na : 1) * sizeof(uint32_t));
        if (!t) return NULL;
        for (i = 0; i < s->ncells; i++) { bt_grid_cell(g, i, &c); memcpy(t + i * na, c.vi, na * sizeof(uint32_t)); }
        s->cvi = t;
    }
    return s->cvi + ci * na;
}
static bt_status bti_sc_push(bti_srch *s, bti_sc *sc, const double *row) {
    int ns = s->sw->r->nscols;
    if (sc->nrow == sc->cap) {
        int nc = sc->cap ? sc->cap * 2 : 16;
        double *a = (double *)bti_realloc(sc->e2e, (size_t)nc * sizeof(double));
        double *b;
        if (!a) return BT_E_NOMEM;
        sc->e2e = a;
        b = (double *)bti_realloc(sc->rows, (size_t)nc * (size_t)ns * sizeof(double));
        if (!b) return BT_E_NOMEM;
        sc->rows = b;
        sc->cap = nc;
    }
    memcpy(sc->rows + (size_t)sc->nrow * (size_t)ns, row, (size_t)ns * sizeof(double));
    sc->nrow++;
    if (bti_time_ok(row[BTI_S_E2E])) {
        sc->e2e[sc->n++] = row[BTI_S_E2E];
        sc->tsum += row[BTI_S_E2E];
    } else sc->nzero++; /* a zero read: taken (its cost is counted by the visit), not a time */
    s->samples++;
    return BT_OK;
}
/* after a sample: does the stop rule hold on all of the cell's samples? */
static void bti_sc_check(bti_srch *s, bti_sc *sc) {
    bt_stats st;
    if (bt_stats_compute(sc->e2e, (size_t)sc->n, &st) != BT_OK) memset(&st, 0, sizeof st);
    sc->done = bti_stop_check_reads(&s->sw->stop, &st, sc->n, sc->nrow, sc->tsum, &sc->noisy);
}
/* near-noise-free samples: the pooled spread under this fraction of the margin (the plateau
   rule's gate below, the quiet screen and leader, the far basin) */
#define BTI_PLAT_NOISE 0.25
/* a far cell known from one sample, under noise: not a near-tie of the leader once it is behind
   by more than the margin plus this many standard errors of the difference (the walk, below) */
#define BTI_FAR_SE 3.0
/* noise-aware sampling: a cheap visit stops as soon as the cell's lower bound is worse than
   the leader's upper bound (same workload) by more than the margin: more samples would not
   bring it back into the race (returns 1: the visit is cut). Under near-noise-free samples
   (the pooled spread below BTI_PLAT_NOISE of the margin, from three cells of three samples at
   least), a cell's first visit also ends at two samples that differ by less than that (returns
   2, not cut): a third says nothing the pool does not, and the screens' third samples took a
   third of the cap on noise-free surfaces, which the far basins below need (final10 narrow deep
   basin at 0). Keyed on the pool, never on one cell's samples alone: on a coarse timer two
   samples often land on the same tick (the fifteenth round's notes) */
static int bti_srch_tiny_quiet(bti_srch *s, const bti_sc *sc);
static int bti_srch_decided(bti_srch *s, const bti_sc *sc, size_t ci, int wl) {
    bt_stats st;
    double spread = s->pool, lo;
    size_t li;
    if (bti_srch_tiny_quiet(s, sc)) return 2; /* a grid of a few cells: one sample (below) */
    if (s->leader < 0 || (size_t)s->leader == ci || sc->n < 2) return 0; /* one sample may be a hiccup */
    li = (size_t)s->leader * (size_t)s->nw + (size_t)wl;
    if (isnan(s->hi[li]) || bt_stats_compute(sc->e2e, (size_t)sc->n, &st) != BT_OK) return 0;
    if (sc->n >= 3 && st.rel_mad > spread) spread = st.rel_mad;
    lo = st.ci_lo;
    if (st.median - s->z * 1.2533 * spread * st.median / sqrt((double)sc->n) < lo)
        lo = st.median - s->z * 1.2533 * spread * st.median / sqrt((double)sc->n);
    if (lo > s->hi[li] * (1 + s->margin)) return 1;
    if (sc->n == 2 && sc->visits == 0 && s->n0 > 2 && st.median > 0 && s->pool < BTI_PLAT_NOISE * s->margin &&
        fabs(sc->e2e[1] - sc->e2e[0]) < BTI_PLAT_NOISE * s->margin * st.median)
        return 2;
    return 0;
}
/* The warm-up cut: a cheap (first) visit ends at its warm-up, before any timed sample, when one
   warm-up run alone took more than BTI_WARM_CUT times the leader's upper bound (same workload,
   the margin on top). A sweep whose host over-commits memory has cells that thrash or swap and
   run tens of times slower than their neighbours while still succeeding (the nineteenth set's
   pathological cell: 60x, next to the best); bti_srch_decided needs two samples (one may be a
   hiccup), so such a visit paid its warm-up and two samples at 60x, a third of the exhaustive
   strategy's cost on that grid by itself. Only a factor far beyond any noise cuts, and against
   the larger of the leader's upper bound and the leader's own warm-up run (unknown, 0: no cut):
   a first run pays one-time costs (a thread pool started, a lazy compile, an autotune) that
   every cell pays alike, so a cell is cut only when its warm-up is far beyond the leader's
   warm-up too (the live visit takes the fastest of its warm-up runs). The warm-up's time is
   kept as the cell's one sample (it is a run of the cell), so the cost model and the exhaustive
   estimate see the cell as slow, not unmeasured, and the race drops it at once (racing waits
   for two samples otherwise) with the reason "racing: warm-up ...". 1: cut. */
#define BTI_WARM_CUT 10.0
static int bti_srch_warm_cut(const bti_srch *s, const bti_sc *sc, size_t ci, int wl, double t) {
    size_t li;
    double lw;
    if (s->leader < 0 || (size_t)s->leader == ci || sc->n > 0 || sc->visits > 0 || !(t > 0)) return 0;
    li = (size_t)s->leader * (size_t)s->nw + (size_t)wl;
    lw = s->sc[li].warm;
    if (isnan(s->hi[li]) || !(s->hi[li] > 0) || !(lw > 0)) return 0;
    return t > BTI_WARM_CUT * s->hi[li] * (1 + s->margin) && t > BTI_WARM_CUT * lw;
}
static void bti_srch_free(bti_srch *s) {
    size_t i;
    for (i = 0; s->sc && i < s->ncells * (size_t)s->nw; i++) { bti_free(s->sc[i].e2e); bti_free(s->sc[i].rows); }
    bti_free(s->sc); bti_free(s->use); bti_free(s->out);
    bti_free(s->med); bti_free(s->lo); bti_free(s->hi); bti_free(s->score); bti_free(s->elig);
    bti_free(s->wtab); bti_free(s->fpw); bti_free(s->fpz); bti_free(s->fpu); bti_free(s->wcore); bti_free(s->wcut); bti_free(s->fpc); bti_free(s->cvi);
    bti_free(s->farc);
}
static bt_status bti_srch_init(bti_srch *s, bti_sweep *sw, bti_visit_fn visit, void *ctx) {
    size_t n = bt_grid_num_cells(sw->g);
    memset(s, 0, sizeof *s);
    s->sw = sw; s->ncells = n; s->nw = sw->nw; s->visit = visit; s->ctx = ctx;
    s->n0 = sw->d.search_screen_samples > 0 ? sw->d.search_screen_samples : 3;
    s->margin = sw->d.search_margin > 0 ? sw->d.search_margin : 0.01;
    s->budget = sw->d.search_budget > 0 ? sw->d.search_budget : 0.2;
    s->z = 2.5; s->prior = 0.05; s->keep = 2;
    s->sc = (bti_sc *)bti_calloc(n * (size_t)sw->nw, sizeof(bti_sc));
    s->use = (unsigned char *)bti_calloc(n, 1);
    s->out = (unsigned char *)bti_calloc(n, 1);
    s->med = (double *)bti_calloc(n * (size_t)sw->nw, sizeof(double));
    s->lo = (double *)bti_calloc(n * (size_t)sw->nw, sizeof(double));
    s->hi = (double *)bti_calloc(n * (size_t)sw->nw, sizeof(double));
    s->score = (double *)bti_calloc(n, sizeof(double));
    s->elig = (unsigned char *)bti_calloc(n, 1);
    s->wcore = (double *)bti_calloc((size_t)sw->nw, sizeof(double));
    s->wcut = (double *)bti_calloc((size_t)sw->nw, sizeof(double));
    s->farc = (unsigned char *)bti_calloc(n, 1);
    if (!s->sc || !s->use || !s->out || !s->med || !s->lo || !s->hi || !s->score || !s->elig || !s->wcore || !s->wcut || !s->farc) { bti_srch_free(s); return BT_E_NOMEM; }
    for (n = 0; n < s->ncells * (size_t)sw->nw; n++) s->sc[n].status = -1;
    s->leader = -1;
    s->basin = SIZE_MAX;
    return BT_OK;
}
static void bti_srch_progress(bti_srch *s, int wl, const bt_cell *c, bt_cell_status cst) {
    bt_progress pg;
    bti_sweep *sw = s->sw;
    s->pairs_done++;
    if (!sw->d.progress) return;
    memset(&pg, 0, sizeof pg);
    pg.done = s->pairs_done;
    pg.total = s->pairs_total > s->pairs_done ? s->pairs_total : s->pairs_done;
    pg.elapsed_s = (double)(bt_now_ns() - sw->t0) * 1e-9;
    pg.workload = sw->w[wl].name; pg.cell = c; pg.last_status = cst;
    sw->d.progress(&pg, sw->d.progress_user);
}
/* records (cell, wl) with its status: a new row that supersedes any earlier one */
static bt_status bti_srch_emit(bti_srch *s, const bt_cell *c, int wl, bt_cell_status cst, const char *reason) {
    char txt[BT_MAX_AXES][128];
    const char *axv[BT_MAX_AXES];
    bti_sc *sc = bti_sc_at(s, c->index, wl);
    bt_status st;
    bti_cell_texts(s->sw->g, c, txt, axv);
    st = bti_sweep_emit(s->sw, wl, axv, cst, reason, sc->rows, cst == BT_CELL_OK ? sc->nrow : 0, sc->noisy, sc->cost);
    bti_srch_progress(s, wl, c, cst);
    return st;
}
/* one visit, recorded; OOM feeds the frontier */
static bt_status bti_srch_visit(bti_srch *s, size_t ci, int wl, int max_new) {
    bt_cell c;
    char why[512];
    bt_cell_status cst;
    bti_sc *sc = bti_sc_at(s, ci, wl);
    double before = sc->cost;
    why[0] = 0;
    bt_grid_cell(s->sw->g, ci, &c);
    cst = s->visit(s, &c, wl, max_new, why, sizeof why);
    if (cst == BT_CELL_OK && sc->n == 0 && sc->nzero > 0) { /* every sample a zero read: no time, never ranked */
        cst = BT_CELL_ERROR;
        bti_zero_reads_note(why, sizeof why, (size_t)sc->nzero, (size_t)sc->nrow);
    }
    sc->visits++;
    s->visits++;
    s->cost += sc->cost - before;
    sc->status = (int)cst;
    if (cst == BT_CELL_OOM) bti_note_oom(s->sw, wl, &c);
    return bti_srch_emit(s, &c, wl, cst, why);
}
static bt_status bti_srch_mark(bti_srch *s, size_t ci, int wl, bt_cell_status cst, const char *why) {
    bt_cell c;
    bt_grid_cell(s->sw->g, ci, &c);
    bti_sc_at(s, ci, wl)->status = (int)cst;
    return bti_srch_emit(s, &c, wl, cst, why);
}
static int bti_srch_budget_spent(const bti_srch *s) {
    const bti_sweep *sw = s->sw;
    return s->live && sw->d.time_budget_s > 0 && (double)(bt_now_ns() - sw->t0) * 1e-9 >= sw->d.time_budget_s;
}

/* The exhaustive strategy on a search backend (replay): the same order and pruning as the
   sweep's own loop. */
static bt_status bti_srch_exhaustive(bti_srch *s) {
    size_t ci;
    int k;
    bt_status st = BT_OK;
    for (ci = 0; ci < s->ncells && st == BT_OK; ci++) {
        bt_cell c;
        char why[512];
        if (!s->use[ci]) continue;
        bt_grid_cell(s->sw->g, ci, &c);
        for (k = 0; k < s->nw && st == BT_OK; k++) {
            if (s->use[ci] == 2) {
                if (bt_grid_feasible(s->sw->g, &c, why, sizeof why) || !why[0]) bti_fmt(why, sizeof why, "not in the recorded file");
                st = bti_srch_mark(s, ci, k, BT_CELL_INFEASIBLE, why);
            } else if (bti_is_pruned(s->sw, k, &c, why, sizeof why)) st = bti_srch_mark(s, ci, k, BT_CELL_PRUNED, why);
            else st = bti_srch_visit(s, ci, k, 0);
        }
    }
    return st;
}

/* Several workloads 300x apart in time (1 ms and 300 ms a sample): the screen and the refinement
   gave each the same number of samples, so the fast one's cells, which cost next to nothing, were
   known as poorly as the slow one's, while its regret counts as much in the mean (final11 at 5 %:
   16x4 against 32x4, 2.5 % apart in mean regret, a coin flip on three samples of each; the
   exhaustive strategy's stop rule takes 100+ samples of the fast workload for its minimum time).
   Each workload now gets the samples of the costliest one times t_max / t_w (its mean sample
   time's ratio): the same measuring time, up to BTI_NW_MAX samples a visit, and the visit still
   ends at the stop rule. Rows met 362 -> 365 of 383 at 5 seeds (300x apart at 3 and 5 %, the
   fourth set's one workload dominating the cost at 10 %; none lost), 340 -> 344 at 20 (also
   300x apart at 10 %). Tried and not kept: sqrt(t_max / t_w), the allocation that minimises the
   variance of the mean regret for its cost (the same three gained, 300x apart at 10 % lost at 5
   seeds, the second set's frontier + flat at 10 % at 20); with sqrt, the refinement alone (300x
   apart unchanged: its cap is spent on screens of three samples before any refinement; the
   eighth set's two workloads, one flat, at 10 % lost). */
#define BTI_NW_MAX 1000  /* at most this many samples of a cheap workload in one visit */
#define BTI_NW_SCALE 64  /* workloads' samples are scaled by cost for up to this many workloads */
/* cheap first visit of every workload of a cell; a cell that is not ok on one workload cannot be
   recommended, so its other workloads are not measured */
static int bti_srch_fit(bti_srch *s, size_t ci, int n);
static bt_status bti_srch_screen_n(bti_srch *s, size_t ci, int n);
static bt_status bti_srch_screen(bti_srch *s, size_t ci) { return bti_srch_screen_n(s, ci, s->n0); }
/* each workload's factor on the screen's samples, t_max / t_w from the mean sample times over the
   cells measured ok (all 1 until every workload has one, and for more than BTI_NW_SCALE) */
static void bti_srch_wl_scale(bti_srch *s, double *f) {
    size_t ci, m;
    double tmax = 0;
    int k;
    for (k = 0; k < s->nw && k < BTI_NW_SCALE; k++) {
        f[k] = 0;
        for (m = 0, ci = 0; ci < s->ncells; ci++) {
            const bti_sc *sc = bti_sc_at(s, ci, k);
            if (sc->status == BT_CELL_OK && sc->n > 0 && sc->tsum > 0) { f[k] += sc->tsum / sc->n; m++; }
        }
        if (m) f[k] /= (double)m;
        if (f[k] > tmax) tmax = f[k];
    }
    for (k = 0; k < s->nw && k < BTI_NW_SCALE; k++) if (!(f[k] > 0)) tmax = 0;
    for (k = 0; k < s->nw && k < BTI_NW_SCALE; k++) f[k] = tmax > 0 && s->nw <= BTI_NW_SCALE ? tmax / f[k] : 1;
}
static bt_status bti_srch_screen_n(bti_srch *s, size_t ci, int n) {
    bt_cell c;
    char why[512];
    int k, bad = -1;
    bt_status st = BT_OK;
    double f[BTI_NW_SCALE];
    bt_grid_cell(s->sw->g, ci, &c);
    if ((n = bti_srch_fit(s, ci, n)) < 1) return BT_OK; /* the cost cap has no room for it */
    if (s->nw > 1) bti_srch_wl_scale(s, f); /* a cheaper workload's samples, above */
    for (k = 0; k < s->nw && st == BT_OK; k++) {
        bti_sc *sc = bti_sc_at(s, ci, k);
        if (sc->status >= 0) { if (sc->status != BT_CELL_OK && bad < 0) bad = k; continue; }
        if (bad >= 0) {
            bti_fmt(why, sizeof why, "not measured: %s on workload %s, so the cell cannot be recommended",
                    bt_cell_status_str((bt_cell_status)bti_sc_at(s, ci, bad)->status), s->sw->w[bad].name);
            st = bti_srch_mark(s, ci, k, BT_CELL_PRUNED, why);
        } else if (bti_is_pruned(s->sw, k, &c, why, sizeof why)) {
            st = bti_srch_mark(s, ci, k, BT_CELL_PRUNED, why);
            bad = k;
        } else {
            int nk = n;
            if (s->nw > 1 && k < BTI_NW_SCALE && n * f[k] > n) nk = n * f[k] < BTI_NW_MAX ? (int)(n * f[k]) : BTI_NW_MAX;
            st = bti_srch_visit(s, ci, k, nk);
            if (sc->status != BT_CELL_OK) bad = k;
        }
    }
    return st;
}

/* estimates: per (cell, wl) median and bounds; per cell eligibility and mean-regret score */
#define BTI_OUT_K 5.0   /* an outlier: this many core spreads from its cell's median */
#define BTI_OUT_MIN 30  /* samples (of cells with 3+) before outliers are counted */
static void bti_srch_cm_eval(bti_srch *s);
static double bti_srch_cm_x(const bti_srch *s, const bti_sc *sc, int j);
/* The sums every pooled spread of the search is taken from (the racing bounds', the cost
   model's, per workload or over all of them): over the cells measured ok with 2+ samples, of
   workload wl (every workload when wl < 0), relative to each cell's median med[]: the squared
   deviations from the cell's mean and their degrees of freedom into *pss and *pdf (when not
   NULL; the root of the pooled variance), and the absolute differences of successive samples
   into d[] (at most cap; the robust spread), their count returned. With cut > 0 the differences
   that touch a sample more than cut from its cell's median are left out (outliers); a cell of 2
   samples has its median between them, so its difference itself is held to cut x sqrt(2).
   raw: the samples as measured; else as the cost model reads them (warm-up offsets taken out).
   One function for the three callers, so that their rules cannot drift apart (they had: which
   two-sample cells entered the outlier-free spread differed between the three copies). */
static size_t bti_srch_sums(const bti_srch *s, int wl, const double *med, int raw, double cut, double *d, size_t cap, double *pss, double *pdf) {
    size_t ci, nd = 0;
    int k;
    for (ci = 0; ci < s->ncells; ci++) for (k = wl < 0 ? 0 : wl; k < (wl < 0 ? s->nw : wl + 1); k++) {
        const bti_sc *sc = &s->sc[ci * (size_t)s->nw + (size_t)k];
        double md = med[ci * (size_t)s->nw + (size_t)k], mean = 0;
        int j;
        if (sc->status != BT_CELL_OK || sc->n < 2 || !(md > 0)) continue;
        if (pss) {
            if (raw || s->cm_wn <= 0) mean = sc->tsum / sc->n;
            else {
                for (j = 0; j < sc->n; j++) mean += bti_srch_cm_x(s, sc, j);
                mean /= sc->n;
            }
            for (j = 0; j < sc->n; j++) {
                double e = ((raw ? sc->e2e[j] : bti_srch_cm_x(s, sc, j)) - mean) / md;
                *pss += e * e;
            }
            *pdf += sc->n - 1;
        }
        for (j = 1; d && j < sc->n && nd < cap; j++) {
            double a = raw ? sc->e2e[j] : bti_srch_cm_x(s, sc, j), b = raw ? sc->e2e[j - 1] : bti_srch_cm_x(s, sc, j - 1), x = fabs(a - b) / md;
            if (cut > 0 && (sc->n >= 3 ? fabs(a - md) / md > cut || fabs(b - md) / md > cut : x > cut * 1.41421356)) continue;
            d[nd++] = x;
        }
    }
    return nd;
}
/* The stop rule's time limit ends every visit of a minutes-long cell at its first sample (a
   training step, a whole benchmark run: max_time_s under one sample), so no cell has two
   samples: the pooled spread stays at the prior (5 %), every cell's bound is some 16 % wide,
   every cell within it of the leader counted as a near-tie and the walk screened the neighbours
   of all of them, a breadth-first ring around the start that spent the cap before it reached
   the best (final22 minutes per cell: 12-19 of 64 cells, the best's neighbour 256x7 never
   screened, 2.7-6 % off at noise 0). Each such visit also timed its warm-up run, a run of the
   same cell: the relative differences of the warm-up run and the sample over the cells whose
   visit the rule ended at one sample (BTI_WARM_QN of them at least) are a reading of the noise.
   Their root mean square (not divided by the root of two: a warm-up that runs systematically
   slower, or noise in both, reads wider, never narrower) replaces the prior as the floor of the
   pooled spread until three cells have three samples (bti_srch_eval), and where every pair
   agrees within BTI_PLAT_NOISE of the margin the walk's quiet test holds on a one-sample leader
   (bti_srch_warm_quiet). With such cells the walk also orders a ring by a step effect measured
   elsewhere (bti_srch_step_effect) and a screen that beats the leader beyond a one-sample
   difference's bound ends the round (s->warmq). A warm-up that pays one-time costs (a compile,
   data loading) reads as noise, and the search stays as cautious as before. Surfaces whose
   cells take two samples or more are untouched. */
#define BTI_WARM_QN 3
static int bti_srch_warm_pairs(bti_srch *s, double *rms, double *mx) {
    size_t ci;
    int nq = 0, k;
    double ss = 0;
    *rms = *mx = 0;
    for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
        const bti_sc *sc = bti_sc_at(s, ci, k);
        double d;
        if (s->use[ci] != 1 || sc->status != BT_CELL_OK || sc->n != 1 || (!sc->done && !s->tiny) || sc->cut) continue;
        if (!(sc->warm > 0)) return 0;
        d = fabs(sc->e2e[0] - sc->warm) / sc->warm;
        if (!(d == d)) return 0;
        ss += d * d;
        if (d > *mx) *mx = d;
        nq++;
    }
    if (nq) *rms = sqrt(ss / nq);
    return nq;
}
/* the floor of the pooled spread until three cells have three samples: the prior, or the
   warm-up pairs' reading (above) */
static double bti_srch_warm_floor(bti_srch *s) {
    double rms, mx;
    if (bti_srch_warm_pairs(s, &rms, &mx) < BTI_WARM_QN || !(rms < s->prior)) return s->prior;
    return rms;
}
/* 1: every warm-up pair agrees within BTI_PLAT_NOISE of the margin */
static int bti_srch_warm_quiet(bti_srch *s) {
    double rms, mx;
    return bti_srch_warm_pairs(s, &rms, &mx) >= BTI_WARM_QN && mx < BTI_PLAT_NOISE * s->margin;
}
/* A grid of a few cells (final24 a single axis of four values): the exhaustive strategy's cost
   there is only a few screens. It is at least every usable cell's warm-up and the stop rule's
   minimum of samples (on noise-free cells the stop rule ends there: 4 cells x (1 + 5) samples'
   time), and the cap is a fifth of it, the goal a quarter: so where three screens of n0 samples
   (the start and its two neighbours on one axis) cost more than the cap at that floor, only
   one-sample screens can stay inside it (4 cells: three screens of 3 samples were half the
   exhaustive cost, every seed at noise 0; three of one sample are 0.249). Such a grid is tiny
   (set once, in bti_srch_adaptive), and there a first visit ends at its first sample when that
   sample agrees with the cell's own warm-up run within BTI_PLAT_NOISE of the margin and so did
   every earlier such pair (a noise-free machine: a second sample would say nothing more);
   the pairs are also the reading of the noise that the exhaustive estimate and the walk's quiet
   test take from one-sample cells (bti_srch_warm_pairs), so the cap is judged on an estimate
   near the floor instead of the prior's (8-9 s for a truth of 1.24 s after the first screen).
   Under noise the pair disagrees and the visit takes its n0 samples as on any grid. Larger
   grids are untouched (12 cells and more at the default budget, n0 and stop rule). */
#define BTI_TINY_AGREE 0.1
static int bti_srch_tiny_calm(bti_srch *s, const bti_sc *sc) {
    size_t i;
    int j;
    if (!s->tiny) return 0;
    for (i = 0; i < s->ncells * (size_t)s->nw; i++) {
        const bti_sc *o = &s->sc[i];
        if (o->status != BT_CELL_OK && o != sc) continue;
        if (o->n < 1 || o->cut == 2) continue; /* a warm-up cut's one sample is its warm-up run */
        if (!(o->warm > 0)) return 0;
        for (j = 0; j < o->n; j++) if (!(fabs(o->e2e[j] - o->warm) < BTI_TINY_AGREE * s->margin * o->warm)) return 0;
    }
    return 1;
}
static int bti_srch_tiny_quiet(bti_srch *s, const bti_sc *sc) {
    if (!s->tiny || sc->n != 1 || sc->visits != 0 || sc->cut || !(sc->warm > 0)) return 0;
    return bti_srch_tiny_calm(s, sc);
}
static void bti_srch_tiny(bti_srch *s) {
    const bt_stop_rule *r = &s->sw->stop;
    size_t ci, nu = 0;
    double wu = r->warmup > 0 ? r->warmup : 0;
    for (ci = 0; ci < s->ncells; ci++) if (s->use[ci] == 1) nu++;
    s->tiny = s->budget < 1 && s->n0 > 1 && nu > 0 && 3.0 * (wu + s->n0) > s->budget * (double)nu * (wu + r->min_samples);
}
static int bti_srch_eval(bti_srch *s, double *best) {
    size_t ci, i, nrel = 0;
    int k, leader = -1;
    double pool, pss = 0, pdf = 0, *rel = (double *)bti_malloc(s->ncells * (size_t)s->nw * sizeof(double)), *dif, pfl = s->prior;
    size_t ndif = 0;
    for (k = 0; k < s->nw; k++) best[k] = NAN;
    for (ci = 0; ci < s->ncells; ci++) {
        s->elig[ci] = s->use[ci] == 1 && !s->out[ci];
        for (k = 0; k < s->nw && s->elig[ci]; k++) {
            bti_sc *sc = bti_sc_at(s, ci, k);
            if (sc->status != BT_CELL_OK || sc->n < 1) s->elig[ci] = 0;
        }
    }
    /* pooled spread of the samples: the root of the pooled relative variance over the cells */
    for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, ci, k);
        if (sc->status == BT_CELL_OK && sc->n >= 2) ndif += (size_t)sc->n - 1;
    }
    dif = (double *)bti_malloc((ndif ? ndif : 1) * sizeof(double));
    for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, ci, k);
        bt_stats st;
        i = ci * (size_t)s->nw + (size_t)k;
        s->med[i] = s->lo[i] = s->hi[i] = NAN;
        if (sc->status != BT_CELL_OK || sc->n < 1 || bt_stats_compute(sc->e2e, (size_t)sc->n, &st) != BT_OK) continue;
        s->med[i] = st.median; s->lo[i] = st.ci_lo; s->hi[i] = st.ci_hi;
        if (sc->n >= 3 && rel) rel[nrel++] = st.rel_mad;
    }
    /* pooled variance: the MAD of a few samples errs low (of 3, by half or more), so a median of
       small-sample MADs made every bound too tight at 3-10 % noise */
    ndif = bti_srch_sums(s, -1, s->med, 1, 0, dif, ndif, &pss, &pdf);
    /* until three cells have three samples, the prior noise is a floor: a quiet first cell
       must not make every later bound tight */
    if (nrel < 3) pfl = bti_srch_warm_floor(s);
    pool = nrel && rel && pdf > 0 ? sqrt(pss / pdf) : pfl;
    if (nrel < 3 && pool < pfl) pool = pfl;
    s->pool = pool;
    /* the cost model keeps the median of the cells' MADs: the stop rule judges a cell on its own
       few samples, stops early on a quiet streak, and that low reading predicts when it stops */
    s->pool_mad = nrel && rel ? bti_median_inplace(rel, nrel) : s->prior;
    if (nrel < 3 && s->pool_mad < s->prior) s->pool_mad = s->prior;
    bti_free(rel);
    /* the cost model's spread: robust, as the stop rule is (its interval of the median is set
       by ranks, so a rare slow outlier widens it far less than it widens a variance): the
       median of the absolute differences of successive samples of a cell, relative, pooled
       over the cells, over 0.6745 x sqrt(2) (the SD for Gaussian noise; no bias at any sample
       count, since no cell centre is estimated). Slow outliers (1 sample in 8 at x1.35) read
       as a 12 % spread in the pooled variance and about 1.4 % here. The cost model takes the
       smaller of the two: under Gaussian noise they agree, and the robust one alone (a median:
       more scatter) put the estimate at up to 1.5x the truth on some seeds, the cost over 0.25.
       A Gaussian at that spread alone estimated outlier surfaces at 0.36-0.6x (the rule's range
       under 11 samples holds the outliers); the outliers are added below (a mixture); a
       bootstrap of the cells' residuals was tried and erred more (0.3-2.6x) */
    s->pool_rob = ndif ? bti_median_inplace(dif, ndif) / 0.95387 : s->prior;
    if (nrel < 3 && s->pool_rob < s->prior) s->pool_rob = s->prior;
    /* the cost model's outliers: a sample more than BTI_OUT_K core spreads (the smaller of the
       two pooled ones) from its cell's median, in cells of 3+ samples, is an outlier; their rate
       over those cells' samples and their median size (relative) make the mixture the stop rule
       is simulated on. A Gaussian at the core spread cannot reproduce what the rule does with
       them: under 11 samples its interval is the range, which holds any outlier, so the rule
       goes on sampling (rare x2 or 1-in-8 x1.35 outliers were estimated at 0.36-0.6x of the
       exhaustive cost, and the cap fired early). None until BTI_OUT_MIN such samples. */
    {
        double core = s->pool_rob < pool ? s->pool_rob : pool, nsm = 0;
        size_t nout = 0;
        s->out_p = s->out_m = 0;
        s->out_core = core;
        for (ci = 0; dif && ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
            bti_sc *sc = bti_sc_at(s, ci, k);
            int j;
            double md = s->med[ci * (size_t)s->nw + (size_t)k];
            if (sc->status != BT_CELL_OK || sc->n < 3 || !(md > 0)) continue;
            nsm += sc->n;
            for (j = 0; j < sc->n; j++) {
                double d = fabs(sc->e2e[j] - md) / md;
                if (d > BTI_OUT_K * core && nout < ndif) dif[nout++] = d;
            }
        }
        if (nsm >= BTI_OUT_MIN && nout > 0) {
            /* the core spread again, without the differences that touch an outlier (each moves
               the median of the differences up: 1 in 20 at x2 read 3 % noise as 3.3-4.1 %, and
               the estimate 1.2-1.4x the truth) */
            double *cd = (double *)bti_malloc(ndif * sizeof(double));
            size_t ncd;
            s->out_p = (double)nout / nsm;
            s->out_m = bti_median_inplace(dif, nout);
            ncd = bti_srch_sums(s, -1, s->med, 1, BTI_OUT_K * core, cd, ndif, NULL, NULL);
            if (ncd >= BTI_OUT_MIN / 2) s->pool_rob = bti_median_inplace(cd, ncd) / 0.95387;
            if (nrel < 3 && s->pool_rob < s->prior) s->pool_rob = s->prior;
            bti_free(cd);
            /* the bounds too: a cell's median (of 3+ samples) shrugs off an outlier that the
               pooled variance reads as a wide spread (1 in 20 at x2: 25-28 % for 0.5-1 % noise,
               every cell then "promising" and none ever dropped); its standard error under the
               mixture is about the core spread's over (1 - rate) */
            if (s->pool_rob / (1.0 - s->out_p) < pool) pool = s->pool_rob / (1.0 - s->out_p);
            if (nrel < 3 && pool < pfl) pool = pfl;
            s->pool = pool;
        }
    }
    bti_free(dif);
    bti_srch_cm_eval(s);
    for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, ci, k);
        double fl, spread = pool;
        bt_stats st;
        i = ci * (size_t)s->nw + (size_t)k;
        if (isnan(s->med[i])) continue;
        /* the median's standard error is about 1.2533 sigma / sqrt(n); sigma is the pooled
           spread, or the cell's own when it is wider (bimodal or drifting cells) */
        if (sc->n >= 3 && bt_stats_compute(sc->e2e, (size_t)sc->n, &st) == BT_OK && st.rel_mad > spread) spread = st.rel_mad;
        fl = s->z * 1.2533 * spread * s->med[i] / sqrt((double)sc->n);
        if (s->lo[i] > s->med[i] - fl) s->lo[i] = s->med[i] - fl;
        if (s->hi[i] < s->med[i] + fl) s->hi[i] = s->med[i] + fl;
        /* T*(w): the best of every cell measured ok on w, dropped ones included, so the mean
           regret of the survivors is measured against the whole search, as the exhaustive
           strategy measures it against the whole grid */
        if (s->use[ci] == 1 && (isnan(best[k]) || s->med[i] < best[k])) best[k] = s->med[i];
    }
    for (ci = 0; ci < s->ncells; ci++) {
        double sum = 0;
        if (!s->elig[ci]) { s->score[ci] = NAN; continue; }
        for (k = 0; k < s->nw; k++) sum += s->med[ci * (size_t)s->nw + (size_t)k] / best[k] - 1.0;
        s->score[ci] = sum / s->nw;
        if (leader < 0 || s->score[ci] < s->score[leader]) leader = (int)ci;
    }
    s->leader = leader;
    s->fit_key = s->samples;
    return leader;
}
/* The cost model by workload (after the pooled spreads; the racing bounds keep the pooled
   spread). Pooled over workloads, the spread of three workloads recorded at 0.5, 3 and 8 % noise
   read about 3 %, and the estimate of the exhaustive cost was 0.36x the truth (the loud
   workload's stop rule runs far longer, and the rule's cost is convex in the spread). Each
   workload's core spread is taken as the pooled one is (the smaller of the root of its pooled
   relative variance and its robust spread of successive differences, without the differences
   that touch an outlier once outliers are seen), then shrunk toward the pooled core by degrees
   of freedom: (df_w x s_w^2 + BTI_CM_D x core^2) / (df_w + BTI_CM_D). The outliers are counted
   again against each workload's core (a loud workload's samples are not outliers of the quiet
   one's). Tried and not kept: a cell's own spread, shrunk the same way once it had 10 samples
   (no row gained; the survivors' spreads read low: a plateau at 10 % was estimated 2 % lower and
   the endgame kept fewer cells); a cell's own outlier rate, a beta-binomial posterior from the
   cells' dispersion of their counts, the cost averaged over two rates with its mean and spread
   (bursts of 3 samples at x1.3 make a cell's rate 0 or 25-50 %; but no estimate moved: at 0-1 %
   added noise, where the cap fires, the screens see each cell's first samples, where bursts
   are rarer, 1 outlier in 42, and the estimate stays 0.24-0.45x). */
#define BTI_CM_D 10.0   /* degrees of freedom of the pooled core in a workload's shrunk spread */
/* Warm-up in the cost model. A cell whose first samples run slow (caches and clocks still
   warming: x1.10, x1.04, then steady) gave successive differences of 4-6 % in every cell that
   the screen measured with 3 samples, and those are most cells: the core spread read 2.9 % for
   0.5 % noise, no sample was an outlier against it, and the Gaussian at 2.9 % estimated the
   exhaustive cost at 1.3-1.5x the truth (the stop rule only has to rank the two slow samples out
   of its interval). Noise that is the same at every position of a visit makes the ratio of
   sample j to sample j - 1 fall or rise with even odds; a drift with the position does not. So
   for j = 1, 2, ... (while BTI_WU_MIN cells have sample j), a sign test of log(x_j / x_(j-1))
   over the cells (4 standard deviations off even odds: it is asked at every evaluation, and at 3
   one seed in 20 of a 1 %-noise surface found a step of 0.6 %); the first position where it holds no
   more ends the warm-up, and its steps (the medians of those log ratios) are summed back into
   each first sample's offset from the steady state. With a warm-up, the cost model takes its
   spreads and outliers from the samples with the offsets taken out, and the simulated stop rule
   puts them back on its first samples. Without one, nothing changes. The seventh set's "warm-up
   not finished": estimate/truth 1.29-1.53x -> 0.79-0.87x at 0 % (the replay draws a cell's
   samples past its 10 recorded ones at random from them, slow ones too; a real run does not, so
   the model errs low there), cost max 0.252 -> 0.175; no other row of bench/search moved. */
#define BTI_WU_MIN 8
static void bti_srch_cm_warmup(bti_srch *s) {
    size_t ci, cap = s->ncells * (size_t)s->nw, c;
    double *r = (double *)bti_malloc((cap ? cap : 1) * sizeof(double)), step[8], off = 0;
    int j, k, last = 0;
    uint64_t h = 1469598103934665603ULL;
    s->cm_wn = 0;
    s->cm_wkey = 0;
    if (!r) return;
    for (j = 1; j < 8; j++) {
        size_t neg = 0, pos = 0;
        c = 0;
        for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
            bti_sc *sc = bti_sc_at(s, ci, k);
            if (sc->status != BT_CELL_OK || sc->n <= j || !(sc->e2e[j] > 0) || !(sc->e2e[j - 1] > 0)) continue;
            r[c] = log(sc->e2e[j] / sc->e2e[j - 1]);
            if (r[c] < 0) neg++; else if (r[c] > 0) pos++;
            c++;
        }
        if (c < BTI_WU_MIN || fabs((double)neg - (double)pos) <= 4.0 * sqrt((double)(neg + pos))) break;
        step[j] = bti_median_inplace(r, c);
        last = j;
    }
    bti_free(r);
    if (!last) return;
    s->cm_wn = last;
    for (j = last; j >= 1; j--) {
        off -= step[j];                                   /* log of sample j - 1 over the steady state */
        s->cm_wu[j - 1] = floor((exp(off) - 1.0) / 0.0025 + 0.5) * 0.0025;
        h = (h ^ (uint64_t)(int64_t)floor(s->cm_wu[j - 1] / 0.0025 + 0.5 + 100000)) * 1099511628211ULL;
    }
    h = (h ^ (uint64_t)last) * 1099511628211ULL;
    s->cm_wkey = (double)(h >> 12) + 1.0;
}
/* sample j of a cell as the cost model reads it: with its warm-up offset taken out */
static double bti_srch_cm_x(const bti_srch *s, const bti_sc *sc, int j) {
    return j < s->cm_wn ? sc->e2e[j] / (1.0 + s->cm_wu[j]) : sc->e2e[j];
}
static void bti_srch_cm_eval(bti_srch *s) {
    double gcore = s->pool_rob < s->pool ? s->pool_rob : s->pool, ocore = s->out_core, op = s->out_p, om = s->out_m;
    size_t ci, nd = 0, cap = 0, ncm = s->ncells * (size_t)s->nw;
    double *d = NULL, *cmed = s->med, *wm = NULL;
    int k;
    s->cm_gen++;
    bti_srch_cm_warmup(s);
    for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, ci, k);
        if (sc->status == BT_CELL_OK && sc->n >= 2) cap += (size_t)sc->n - 1;
    }
    d = (double *)bti_malloc((cap ? cap : 1) * sizeof(double));
    if (s->cm_wn > 0 && d && (wm = (double *)bti_malloc((ncm ? ncm : 1) * sizeof(double))) != NULL) {
        /* the pooled core and outliers again, as bti_srch_eval takes them, from the samples with
           the warm-up taken out (their medians too) */
        double pss = 0, pdf = 0, nsm = 0, nout = 0, lsum = 0, *t = (double *)bti_malloc((cap + ncm + 1) * sizeof(double));
        int j;
        cmed = wm;
        for (ci = 0; ci < ncm; ci++) wm[ci] = NAN;
        for (ci = 0; t && ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
            bti_sc *sc = bti_sc_at(s, ci, k);
            if (sc->status != BT_CELL_OK || sc->n < 1) continue;
            for (j = 0; j < sc->n; j++) t[j] = bti_srch_cm_x(s, sc, j);
            wm[ci * (size_t)s->nw + (size_t)k] = bti_median_inplace(t, (size_t)sc->n);
        }
        bti_free(t);
        nd = bti_srch_sums(s, -1, wm, 0, 0, d, cap, &pss, &pdf);
        if (nd >= 2 && pdf > 0) {
            double rob = bti_median_inplace(d, nd) / 0.95387, var = sqrt(pss / pdf);
            gcore = ocore = rob < var ? rob : var;
            for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
                bti_sc *sc = bti_sc_at(s, ci, k);
                double md = wm[ci * (size_t)s->nw + (size_t)k];
                if (sc->status != BT_CELL_OK || sc->n < 3 || !(md > 0)) continue;
                nsm += sc->n;
                for (j = 0; j < sc->n; j++) {
                    double e = fabs(bti_srch_cm_x(s, sc, j) - md) / md;
                    if (e > BTI_OUT_K * ocore) { nout++; lsum += log(e); }
                }
            }
            op = om = 0;
            if (nsm >= BTI_OUT_MIN && nout > 0) {
                op = nout / nsm;
                om = exp(lsum / nout);
                nd = bti_srch_sums(s, -1, wm, 0, BTI_OUT_K * ocore, d, cap, NULL, NULL);
                if (nd >= BTI_OUT_MIN / 2) gcore = bti_median_inplace(d, nd) / 0.95387;
            }
        }
    }
    for (k = 0; k < s->nw; k++) {
        double pss = 0, pdf = 0, rob, var, c;
        int pass;
        s->wcore[k] = gcore;
        s->wcut[k] = ocore;
        if (!d || (s->nw == 1 && !wm)) continue;
        for (pass = 0; pass < 2; pass++) {
            /* pass 0: all successive differences; pass 1 (outliers seen): without those that
               touch a sample beyond BTI_OUT_K of pass 0's core from its cell's median */
            pss = pdf = 0;
            nd = bti_srch_sums(s, k, cmed, 0, pass ? BTI_OUT_K * s->wcut[k] : 0, d, cap, &pss, &pdf);
            if (nd < 2 || !(pdf > 0)) break;
            rob = bti_median_inplace(d, nd) / 0.95387;
            var = sqrt(pss / pdf);
            c = rob < var ? rob : var;
            s->wcore[k] = sqrt(((double)nd * c * c + BTI_CM_D * gcore * gcore) / ((double)nd + BTI_CM_D));
            if (pass == 0) s->wcut[k] = sqrt(((double)nd * c * c + BTI_CM_D * ocore * ocore) / ((double)nd + BTI_CM_D));
            if (!(op > 0)) break;
        }
    }
    bti_free(d);
    /* the outliers against each workload's core (one workload: the pooled ones) */
    s->cm_p = op; s->cm_m = om;
    if (op > 0 && (s->nw > 1 || wm)) {
        double nsm = 0, nout = 0, msum = 0;
        for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
            bti_sc *sc = bti_sc_at(s, ci, k);
            double md = cmed[ci * (size_t)s->nw + (size_t)k];
            int j;
            if (sc->status != BT_CELL_OK || sc->n < 3 || !(md > 0)) continue;
            for (j = 0; j < sc->n; j++) {
                double e = fabs(bti_srch_cm_x(s, sc, j) - md) / md;
                if (e > BTI_OUT_K * s->wcut[k]) { nout++; msum += log(e); }
            }
            nsm += sc->n;
        }
        s->cm_p = nout > 0 ? nout / nsm : 0;
        s->cm_m = nout > 0 ? exp(msum / nout) : 0; /* the geometric mean of their sizes */
    }
    bti_free(wm);
}
/* lower bound of (mean regret of c) - (mean regret of the leader): the difference of the
   estimates less the bound of the difference, whose half-width is the root of the sum of the
   squared half-widths of the two cells' bounds (independent samples) */
static double bti_srch_gap_at(const bti_srch *s, size_t c, size_t l, const double *best, double zf);
static double bti_srch_gap_lb(const bti_srch *s, size_t c, size_t l, const double *best) { return bti_srch_gap_at(s, c, l, best, 1.0); }
/* the same with the half-width scaled by zf (zf = 1 / z: about one standard error) */
static double bti_srch_gap_at(const bti_srch *s, size_t c, size_t l, const double *best, double zf) {
    double diff = 0, var = 0;
    int k;
    for (k = 0; k < s->nw; k++) {
        size_t ic = c * (size_t)s->nw + (size_t)k, il = l * (size_t)s->nw + (size_t)k;
        double hc = (s->med[ic] - s->lo[ic]) / best[k], hl = (s->hi[il] - s->med[il]) / best[k];
        diff += (s->med[ic] - s->med[il]) / best[k];
        var += hc * hc + hl * hl;
    }
    return (diff - zf * sqrt(var)) / s->nw;
}
static size_t bti_srch_neighbour(const bt_grid *g, size_t ci, int a, int dir);
static size_t bti_srch_step(const bti_srch *s, size_t ci, int a, int dir);
static size_t bti_grid_stride(const bt_grid *g, int a);
/* the log of cell p's median over cell q's, averaged over the workloads and added to *acc term by
   term; 0 (and *acc partly summed, to be discarded) when either is not measured ok on every
   workload */
static int bti_srch_log_ratio(bti_srch *s, size_t p, size_t q, double *acc) {
    int k;
    for (k = 0; k < s->nw; k++) {
        bti_sc *sp = bti_sc_at(s, p, k), *sq = bti_sc_at(s, q, k);
        double mp, mq;
        if (sp->status != BT_CELL_OK || sq->status != BT_CELL_OK || sp->n < 1 || sq->n < 1) return 0;
        mp = bti_sc_median(sp); mq = bti_sc_median(sq);
        if (!(mp > 0) || !(mq > 0)) return 0;
        *acc += log(mp / mq) / s->nw;
    }
    return 1;
}
/* the walk's guess of an unvisited cell, for the order of its screens: along each ordered axis,
   from a measured neighbour p and the measured cell q beyond it on the same line, the change from
   q to p continued into the cell (the log of median(p) / median(q), the mean over workloads);
   the lowest over the axes, 0 where no such pair is measured. On the eighth set's 12-cell grid
   the walk screened the start's four neighbours in grid order and the cap, with room for about
   3.6 screens, ended the round before the last, batch=256 workers=2, the best (pick 5 % off);
   after batch=64 is seen worse than the start at 128, the line 64 -> 128 points at 256 */
/* an unordered axis' value effect: the mean log ratio (bti_srch_log_ratio) of the cells at value
   v on axis a over the cells at value u with every other value the same, over every such pair
   measured (an additive model's difference of two main effects, pooled over the grid); the
   number of pairs, 0 where none is measured. Only the cells at value v are visited, in index
   order (block by block of the axis' values, then within a block): a scan of the whole grid per
   call made the walk's ranking of its candidates cost about values x cells per guess, 78 % of a
   replay's time on 96 kernels x 8 batches (bench/search/hotpath.c) */
static int bti_srch_value_effect(bti_srch *s, int a, uint32_t v, uint32_t u, double *eff) {
    const bt_grid *g = s->sw->g;
    size_t stride = bti_grid_stride(g, a), block = stride * g->ax[a].n, hi, lo;
    double e = 0;
    int np = 0;
    for (hi = 0; hi + block <= s->ncells; hi += block)
        for (lo = 0; lo < stride; lo++) {
            size_t x = hi + (size_t)v * stride + lo, y = hi + (size_t)u * stride + lo;
            double d = 0;
            if (s->use[x] != 1 || s->use[y] != 1) continue;
            if (bti_srch_log_ratio(s, x, y, &d)) { e += d; np++; }
        }
    if (np) *eff = e / np;
    return np;
}
/* the leader's cell with value w of axis a (an unordered axis: text, more than two values, untied)
   substituted, where no measured cell at w has a twin at another value (bti_srch_value_effect finds
   none) and that cell is in the grid and usable; SIZE_MAX otherwise. Shared by the unmeasured
   values' screen (bti_srch_value_screen) and the several workloads' one (bti_srch_wl_unseen) */
static size_t bti_srch_unpaired_at(bti_srch *s, size_t leader, const uint32_t *lv, int a, uint32_t w) {
    const bt_grid *g = s->sw->g;
    size_t ci;
    uint32_t u;
    double e;
    if (g->ax[a].tied_to >= 0 || g->ax[a].type != BT_AXIS_STR || g->ax[a].n <= 2 || w == lv[a]) return SIZE_MAX;
    for (u = 0; u < g->ax[a].n; u++) if (u != w && bti_srch_value_effect(s, a, w, u, &e)) return SIZE_MAX;
    ci = leader - (size_t)lv[a] * bti_grid_stride(g, a) + (size_t)w * bti_grid_stride(g, a);
    return ci < s->ncells && s->use[ci] == 1 ? ci : SIZE_MAX;
}
/* several workloads (the twenty-fifth round): the leader's cell with a value of an unordered
   axis (text, more than two values) substituted that has no measured pair (no measured cell at
   it has a twin at another value: bti_srch_value_effect finds none, as in bti_srch_value_screen)
   and is unvisited; the first such (axes, then values, in order), SIZE_MAX where none */
static size_t bti_srch_wl_unseen(bti_srch *s, size_t leader) {
    const bt_grid *g = s->sw->g;
    const uint32_t *lv = bti_srch_cvi(s, leader);
    int a, k;
    if (s->nw < 2 || !lv) return SIZE_MAX;
    for (a = 0; a < g->naxes; a++) {
        uint32_t w;
        for (w = 0; w < g->ax[a].n; w++) {
            size_t q = bti_srch_unpaired_at(s, leader, lv, a, w);
            if (q == SIZE_MAX) continue;
            for (k = 0; k < s->nw; k++) if (bti_sc_at(s, q, k)->status < 0) break;
            if (k < s->nw) return q;
        }
    }
    return SIZE_MAX;
}
/* an unordered axis of more than two values (names: kernels, tactics, tile shapes written WxH)
   has no line and no neighbours in any order that means something; the guess of an unvisited
   cell ci there is the value effect of its value over another's (bti_srch_value_effect) added to
   the level, over the leader's, of the measured cell with ci's other values and that other value:
   a value seen faster than the leader's elsewhere on the grid is tried at the leader's other
   values first (HUGE_VAL where no such cell and pair is measured) */
static double bti_srch_unord_guess(bti_srch *s, size_t ci, int a) {
    const bt_grid *g = s->sw->g;
    const uint32_t *cv = bti_srch_cvi(s, ci);
    size_t stride = bti_grid_stride(g, a);
    double low = HUGE_VAL;
    uint32_t w;
    if (!cv || s->leader < 0) return low;
    for (w = 0; w < g->ax[a].n; w++) {
        size_t p;
        double v = 0, e;
        if (w == cv[a]) continue;
        p = ci - (size_t)cv[a] * stride + (size_t)w * stride;
        if (p >= s->ncells || s->use[p] != 1) continue;
        if (!bti_srch_value_effect(s, a, cv[a], w, &e)) continue;
        if (!bti_srch_log_ratio(s, p, (size_t)s->leader, &v)) continue;
        if (v + e < low) low = v + e;
    }
    return low;
}
/* the endgame's second screen on an unordered axis (the twenty-second round): of the cells the
   endgame is about to drop on their screen samples alone (every workload on n0, ranks from..nsurv
   of order), the one whose pooled guess reads furthest ahead of the leader, where it reads ahead:
   on an unordered axis (text, more than two values) on which the cell's value differs from the
   leader's, the value effect of its value over the leader's (bti_srch_value_effect, two pairs at
   least: every cell at the one value against its twin at the other) added to the level, over the
   leader, of the cell's twin at the leader's value. A value faster everywhere (a kernel ahead at
   every batch) is read from all its cells, not from one cell's three samples: at 10 % noise
   those can put each of its cells behind 20-140 others (final21 needle kernel, seed 5: the five
   k23 cells dropped, ranked 28th-141st of 148, the pick 3.2 % off). SIZE_MAX where none */
static size_t bti_srch_unord_second(bti_srch *s, const double *order, int from, int nsurv, size_t leader) {
    const bt_grid *g = s->sw->g;
    const uint32_t *lv = bti_srch_cvi(s, leader), *cv;
    size_t resc = SIZE_MAX;
    double be = 0;
    int r, a, k;
    if (!lv) return resc;
    for (r = from; r < nsurv; r++) {
        size_t c2 = (size_t)order[2 * r + 1];
        if (!(cv = bti_srch_cvi(s, c2))) continue;
        for (k = 0; k < s->nw; k++) if (bti_sc_at(s, c2, k)->n > s->n0 || bti_sc_at(s, c2, k)->done) break;
        if (k < s->nw) continue;
        for (a = 0; a < g->naxes; a++) {
            size_t stride = bti_grid_stride(g, a), p;
            double e = 0, v = 0;
            if (g->ax[a].tied_to >= 0 || g->ax[a].type != BT_AXIS_STR || g->ax[a].n <= 2 || cv[a] == lv[a]) continue;
            p = c2 - (size_t)cv[a] * stride + (size_t)lv[a] * stride;
            if (p >= s->ncells || s->use[p] != 1) continue;
            if (bti_srch_value_effect(s, a, cv[a], lv[a], &e) < 2 || !bti_srch_log_ratio(s, p, leader, &v)) continue;
            if (v + e < 0 && (resc == SIZE_MAX || v + e < be)) { resc = c2; be = v + e; }
        }
    }
    return resc;
}
/* One-sample cells (s->warmq, bti_srch_warm_pairs: each screen costs a whole exhaustive visit,
   the cap pays for a fifth of the grid): a candidate with no measured line through it along an ordered
   axis is guessed from the same step measured elsewhere, the mean log change from p's value to
   ci's on that axis over every measured pair of cells that differ only there (an additive
   model's step effect), added to the level of its measured neighbour p over the leader. Without
   it the ring around a new leader tied at 0 and was screened in grid order, the slow side
   first (final22 minutes per cell: 32x7 and 32x8 before 128x7, batch 32 seen 10 % behind 64 at
   workers=4). 0: no such pair; else the mean into *v (added) */
static int bti_srch_step_effect(bti_srch *s, size_t ci, size_t p, int a, double *v) {
    const uint32_t *cv = bti_srch_cvi(s, ci), *pv = bti_srch_cvi(s, p);
    size_t sa = bti_grid_stride(s->sw->g, a), x;
    double e = 0;
    int np = 0;
    if (!cv || !pv) return 0;
    for (x = 0; x < s->ncells; x++) {
        const uint32_t *xv = bti_srch_cvi(s, x);
        size_t y;
        double d = 0;
        if (!xv || xv[a] != cv[a] || s->use[x] != 1) continue;
        y = x - (size_t)cv[a] * sa + (size_t)pv[a] * sa;
        if (y >= s->ncells || s->use[y] != 1) continue;
        if (bti_srch_log_ratio(s, x, y, &d)) { e += d; np++; }
    }
    if (!np) return 0;
    *v += e / np;
    return 1;
}
/* With one-sample cells under noise (s->warmq 1 or 2) the guess is a level, not only a way
   down: the lowest over the axes and directions of the step effect (above) added to the measured
   neighbour's level over the leader, or where no such step is measured, the line through p and q
   continued into the cell and added to p's level; a candidate with no guess reads 0 (the
   leader's level). Otherwise every candidate guessed behind the leader read 0 and they were
   screened in grid order, the slow side first, and a line through two one-sample cells is
   their noise: on final22 minutes per cell at 3 %, seed 4, 32x6 (25 % behind) was guessed level
   with the leader by the line through 64x6 and 128x6 (0.3 % apart) and screened before 128x7,
   guessed 0.9 % behind from the step 6 -> 7 measured at batch 64 */
static double bti_srch_extrap(bti_srch *s, size_t ci) {
    const bt_grid *g = s->sw->g;
    int lvl = (s->warmq == 1 || s->warmq == 2) && s->leader >= 0;
    double low = lvl ? HUGE_VAL : 0;
    int a, dir;
    for (a = 0; a < g->naxes; a++) {
        if (g->ax[a].tied_to >= 0) continue;
        if (g->ax[a].type == BT_AXIS_STR && g->ax[a].n > 2) {
            double v = bti_srch_unord_guess(s, ci, a);
            if (v < low) low = v;
            continue;
        }
        /* an axis of two values (an on/off switch) has no line to continue: the effect of
           switching it is the mean change over every measured pair of cells that differ only on
           it (an additive model's main effect, pooled over the grid instead of one pair), added
           to the measured neighbour's level over the leader's, so that a switch next to the
           leader comes first. On six on/off axes (final13 flags at 1 %) the candidates tied at
           0 and were screened in grid order, and the cap ended the walk before the leader's
           neighbour that was the best */
        if (g->ax[a].n == 2) {
            for (dir = -1; dir <= 1; dir += 2) {
                size_t p = bti_srch_neighbour(g, ci, a, dir), x, y;
                double v = 0, e = 0;
                int np = 0;
                if (p == SIZE_MAX) continue;
                for (x = 0; x < s->ncells; x++) {
                    double d = 0;
                    if (s->use[x] != 1 || (y = bti_srch_neighbour(g, x, a, -dir)) == SIZE_MAX || s->use[y] != 1) continue;
                    if (bti_srch_log_ratio(s, y, x, &d)) { e += d; np++; }
                }
                if (!np) continue;
                v = e / np;
                if (s->leader >= 0 && !bti_srch_log_ratio(s, p, (size_t)s->leader, &v)) continue; /* the neighbour is not measured */
                if (v < low) low = v;
            }
            continue;
        }
        if (g->ax[a].type == BT_AXIS_STR) continue;
        for (dir = -1; dir <= 1; dir += 2) {
            size_t p = bti_srch_step(s, ci, a, dir), q = p == SIZE_MAX ? SIZE_MAX : bti_srch_step(s, p, a, dir);
            double v = 0;
            if (lvl) {
                int ok = p != SIZE_MAX && bti_srch_step_effect(s, ci, p, a, &v) && bti_srch_log_ratio(s, p, (size_t)s->leader, &v);
                if (!ok) {
                    v = 0;
                    ok = q != SIZE_MAX && bti_srch_log_ratio(s, p, q, &v) && bti_srch_log_ratio(s, p, (size_t)s->leader, &v);
                }
                if (ok && v < low) low = v;
                continue;
            }
            if (q != SIZE_MAX && bti_srch_log_ratio(s, p, q, &v)) { if (v < low) low = v; continue; }
            v = 0;
            if (s->warmq && p != SIZE_MAX && bti_srch_step_effect(s, ci, p, a, &v) && s->leader >= 0 && bti_srch_log_ratio(s, p, (size_t)s->leader, &v) && v < low) low = v;
        }
    }
    return low == HUGE_VAL ? 0 : low;
}
/* how far apart in grid order two cells are that differ by one value on axis a (an axis that
   is not tied; bt_grid_cell's order: the last axis fastest) */
static size_t bti_grid_stride(const bt_grid *g, int a) {
    size_t stride = 1;
    int i;
    for (i = g->naxes - 1; i > a; i--) if (g->ax[i].tied_to < 0) stride *= g->ax[i].n;
    return stride;
}
static size_t bti_srch_neighbour(const bt_grid *g, size_t ci, int a, int dir) {
    bt_cell c;
    size_t stride;
    bt_grid_cell(g, ci, &c);
    if ((dir < 0 && c.vi[a] == 0) || (dir > 0 && (size_t)c.vi[a] + 1 >= g->ax[a].n)) return SIZE_MAX;
    stride = bti_grid_stride(g, a);
    return dir < 0 ? ci - stride : ci + stride;
}
/* the walk's next cell along axis a: the axis neighbour, or, where that cell is infeasible (the
   grid's constraint rules it out, never run), the first feasible cell beyond it in the same
   direction, so that cells separated by infeasible ones are still next to each other for the
   walk (final14 workers must divide batch: the best, batch=96 workers=6, has only infeasible
   axis neighbours, workers 5 and 7, batch 64; the walk never reached it and stopped with its
   budget unspent: picks 6-9 % off at 3-10 % noise). Only over infeasible cells: a cell pruned
   above an OOM is feasible and stays where it is, so the walk does not step past an
   out-of-memory frontier. Used by every step of the walk (its axis and diagonal neighbours, the
   skip-one probe, the line search, the screens' order); on a grid without infeasible cells it is
   the axis neighbour. Rows met 450 -> 453 of 473 at 5 seeds (that row at 3, 5, 10 %; no other row's
   figures change), at 20 seeds that row 1 -> 5 of 5 (the ragged grid, the other set with
   infeasible cells, unchanged) */
static size_t bti_srch_step(const bti_srch *s, size_t ci, int a, int dir) {
    size_t nb = bti_srch_neighbour(s->sw->g, ci, a, dir);
    while (nb != SIZE_MAX && s->use[nb] == 2) nb = bti_srch_neighbour(s->sw->g, nb, a, dir);
    return nb;
}
static bt_status bti_srch_drop(bti_srch *s, size_t ci, const char *why) {
    int k;
    bt_status st = BT_OK;
    bt_cell c;
    s->out[ci] = 1; /* its samples stay known (they count in T*(w)); its row says why it left */
    bt_grid_cell(s->sw->g, ci, &c);
    for (k = 0; k < s->nw && st == BT_OK; k++) st = bti_srch_emit(s, &c, k, BT_CELL_PRUNED, why);
    return st;
}
static int bti_srch_cmp_score(const void *a, const void *b) {
    const double *x = (const double *)a, *y = (const double *)b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* the standard normal quantile (bisection on erfc; for the cost model only) */
static double bti_probit(double p) {
    double lo = -9, hi = 9;
    int i;
    for (i = 0; i < 64; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(-mid / 1.4142135623730951) < p) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}
/* the relative noise bt_stats_compute reports for n samples at the normal quantiles of unit
   spread (its distribution-free interval of the median: ranks j..k), so that spread x w(n) is
   what the stop rule compares with max_rel_noise after n typical samples */
static double bti_srch_width(bti_srch *s, int n) {
    if (n < 2) return HUGE_VAL;
    if (n >= s->wtab_n) {
        int m = s->wtab_n ? s->wtab_n : 64, i;
        double *t;
        while (m <= n) m *= 2;
        t = (double *)bti_realloc(s->wtab, (size_t)m * sizeof(double));
        if (!t) return HUGE_VAL;
        for (i = s->wtab_n; i < m; i++) {
            long j, k;
            bti_median_ci_ranks(i, &j, &k);
            t[i] = i < 2 ? HUGE_VAL : 0.5 * (bti_probit(((double)k - 0.5) / i) - bti_probit(((double)j - 0.5) / i));
        }
        s->wtab = t;
        s->wtab_n = m;
    }
    return s->wtab[n];
}
/* The rule's sample limit from its time limit for a cell of median sample time t: it stops once
   the samples' elapsed time reaches max_time_s, so ceil(max_time_s / t) samples, one more kept
   for the noise around that count. One exception (the twenty-third round): a sample that alone
   runs past the time limit by three spreads (minutes-long cells: a training step, a whole
   benchmark run) ends the rule at that first sample on every draw, whatever the noise; the
   hedge priced those cells at two samples, so the exhaustive strategy's cost read 1.3-1.5x its
   truth (warm-up + 2 samples for warm-up + 1) and the cost cap allowed 0.26 of it. */
static int bti_srch_time_nmax(const bt_stop_rule *r, double t, double spread) {
    double lim = r->max_time_s / t + 1;
    int nmax = r->max_samples;
    if (spread < 0 || !(spread == spread)) spread = 0;
    if (t * (1 - 3 * spread) >= r->max_time_s) return 1;
    if (lim < nmax) nmax = (int)ceil(lim);
    return nmax;
}
/* seconds of a full (stop rule) visit of a cell with median sample time t, relative spread
   `spread` and overhead ovh per visit: samples until spread x w(n) <= max_rel_noise, within
   the rule's sample and time limits */
static double bti_srch_full_cost_det(bti_srch *s, double t, double spread, double ovh) {
    const bt_stop_rule *r = &s->sw->stop;
    int n = r->min_samples, nmax = bti_srch_time_nmax(r, t, spread);
    if (n < r->min_time_s / t) n = (int)ceil(r->min_time_s / t);
    while (n < nmax && spread * bti_srch_width(s, n) > r->max_rel_noise) n++;
    if (n > nmax) n = nmax;
    return ovh + n * t;
}
/* The stop rule stops at the FIRST sample count whose interval is narrow enough: a random walk
   of widths, which dips under the limit well before the typical width gets there (at a spread
   of 1.5x the limit, after about half the samples). The cost model of the exhaustive strategy
   therefore simulates it: BTI_FP_R sequences of unit Gaussian samples (fixed seed, the same in
   every search), their interval's relative half-width after each sample by the rule of
   bt_stats_compute; a cell of spread sigma stops at the first n >= its minimum where sigma x
   width <= max_rel_noise (its maximum else; past BTI_FP_N samples, the typical width decides). */
#define BTI_FP_R 64
#define BTI_FP_N 160
static double bti_srch_fp_samples(bti_srch *s, double sigma, int nmin, int nmax, double op, double om) {
    const bt_stop_rule *r = &s->sw->stop;
    double q, tot = 0;
    int i, n;
    if (!s->fpw) {
        double buf[BTI_FP_N + 1];
        uint64_t rs = 0x5EED5EEDULL, ru = 0x0B71E45ULL;
        s->fpw = (double *)bti_malloc((size_t)BTI_FP_R * (BTI_FP_N + 1) * sizeof(double));
        s->fpz = (double *)bti_malloc((size_t)BTI_FP_R * (BTI_FP_N + 1) * sizeof(double));
        s->fpu = (double *)bti_malloc((size_t)BTI_FP_R * (BTI_FP_N + 1) * sizeof(double));
        if (!s->fpw || !s->fpz || !s->fpu) { bti_free(s->fpw); bti_free(s->fpz); bti_free(s->fpu); s->fpw = s->fpz = s->fpu = NULL; return (double)nmax; }
        for (i = 0; i < BTI_FP_R; i++) {
            double *w = s->fpw + (size_t)i * (BTI_FP_N + 1);
            w[0] = w[1] = HUGE_VAL;
            for (n = 1; n <= BTI_FP_N; n++) {
                double u = ((double)(bti_rand_next(&rs) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
                double v = ((double)(bti_rand_next(&rs) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
                double x = sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
                int p = n - 1;
                s->fpz[(size_t)i * (BTI_FP_N + 1) + (size_t)n] = x;
                while (p > 0 && buf[p - 1] > x) { buf[p] = buf[p - 1]; p--; } /* insertion: buf sorted */
                buf[p] = x;
                if (n >= 2) {
                    long j, k;
                    bti_median_ci_ranks(n, &j, &k);
                    w[n] = 0.5 * (buf[k - 1] - buf[j - 1]);
                }
            }
        }
        /* the outlier draws stratified across the sequences at each sample number (a Latin
           hypercube: sequence i draws from the stratum perm_n(i) of R equal ones), so that each
           sample number holds an outlier in R x p of them: rare outliers decide the stop at the
           first samples (one among the first min_samples keeps the rule's interval open until
           11), and 64 independent draws held 31 outliers at rate 0.05 in the first five sample
           numbers where 16 are due, which read a rate-0.05 cell at 8.1 samples instead of 6.7
           (the fifth set's rare x2 outliers estimated at 1.22x its exhaustive cost at noise 0,
           1.08x stratified: the rest is the rate those cells' first samples show). bench/search:
           rare x2 at 1 % cost max 0.272 -> 0.249 at 20 seeds (met), the outlier rows' costs
           lower, no row lost; rows met 5 seeds unchanged, 20 seeds missed 48 -> 47 */
        for (n = 1; n <= BTI_FP_N; n++) {
            int perm[BTI_FP_R];
            for (i = 0; i < BTI_FP_R; i++) perm[i] = i;
            for (i = BTI_FP_R - 1; i > 0; i--) {
                int j = (int)(bti_rand_next(&ru) % (uint64_t)(i + 1)), t = perm[i];
                perm[i] = perm[j]; perm[j] = t;
            }
            for (i = 0; i < BTI_FP_R; i++)
                s->fpu[(size_t)i * (BTI_FP_N + 1) + (size_t)n] = ((double)perm[i] + ((double)(bti_rand_next(&ru) >> 11) + 0.5) * (1.0 / 9007199254740992.0)) / BTI_FP_R;
        }
    }
    if (nmin < 2) nmin = 2;
    if (nmax < nmin) return (double)nmax;
    if ((op > 0 && om > 0 && sigma > 0) || s->cm_wn > 0) {
        /* the mixture: each sample is sigma x z, plus om with probability op (the same sequences'
           Gaussians, and uniforms drawn apart, so the outlier-free case is the one above), plus
           the warm-up's offset on the first cm_wn samples */
        double buf[BTI_FP_N + 1];
        if (!(om > 0)) op = 0;
        for (i = 0; i < BTI_FP_R; i++) {
            const double *z = s->fpz + (size_t)i * (BTI_FP_N + 1), *u = s->fpu + (size_t)i * (BTI_FP_N + 1);
            for (n = 1; n <= BTI_FP_N; n++) {
                double x = sigma * z[n] + (u[n] < op ? om : 0.0) + (n <= s->cm_wn ? s->cm_wu[n - 1] : 0.0);
                int p = n - 1;
                long j, k;
                while (p > 0 && buf[p - 1] > x) { buf[p] = buf[p - 1]; p--; }
                buf[p] = x;
                if (n < nmin || n < 2) continue;
                bti_median_ci_ranks(n, &j, &k);
                if (n >= nmax || 0.5 * (buf[k - 1] - buf[j - 1]) <= r->max_rel_noise) break;
            }
            if (n > BTI_FP_N) { n = BTI_FP_N; while (n < nmax && sigma * bti_srch_width(s, n) > r->max_rel_noise) n++; }
            tot += n;
        }
        return tot / BTI_FP_R;
    }
    if (!(sigma > 0)) return (double)nmin;
    q = r->max_rel_noise / sigma;
    for (i = 0; i < BTI_FP_R; i++) {
        const double *w = s->fpw + (size_t)i * (BTI_FP_N + 1);
        for (n = nmin; n < nmax && n <= BTI_FP_N && w[n] > q; n++) {}
        if (n > BTI_FP_N) while (n < nmax && sigma * bti_srch_width(s, n) > r->max_rel_noise) n++;
        tot += n;
    }
    return tot / BTI_FP_R;
}
/* the simulated stop rule's expected samples, memoized on the spread (2 % steps), the outliers'
   rate (steps of 0.005) and size (5 % steps) and the sample limits: the memo holds across cells
   and evaluations */
#define BTI_FPC 4096
static double bti_srch_fp_memo(bti_srch *s, double spread, double p, double m, int n, int nmax) {
    double sq = spread > 0 ? exp(floor(log(spread) / 0.02 + 0.5) * 0.02) : 0, op, om, *e;
    uint64_t h = 1469598103934665603ULL;
    op = floor(p / 0.005 + 0.5) * 0.005;
    om = op > 0 && m > 0 ? exp(floor(log(m) / 0.05 + 0.5) * 0.05) : 0;
    if (!(om > 0)) op = 0;
    if (!s->fpc) {
        size_t i;
        s->fpc = (double *)bti_malloc((size_t)BTI_FPC * 7 * sizeof(double));
        if (!s->fpc) return bti_srch_fp_samples(s, sq, n, nmax, op, om);
        for (i = 0; i < (size_t)BTI_FPC * 7; i++) s->fpc[i] = -1;
    }
    h = (h ^ (uint64_t)(sq > 0 ? floor(log(sq) / 0.02 + 0.5) + 100000 : 0)) * 1099511628211ULL;
    h = (h ^ (uint64_t)(op / 0.005 + 0.5)) * 1099511628211ULL;
    h = (h ^ (uint64_t)(om > 0 ? floor(log(om) / 0.05 + 0.5) + 100000 : 0)) * 1099511628211ULL;
    h = (h ^ (uint64_t)n) * 1099511628211ULL;
    h = (h ^ (uint64_t)nmax) * 1099511628211ULL;
    if (s->cm_wn > 0) h = (h ^ (uint64_t)s->cm_wkey) * 1099511628211ULL;
    e = s->fpc + (size_t)(h % BTI_FPC) * 7;
    if (!(e[0] == sq && e[1] == op && e[2] == om && e[3] == n && e[4] == nmax && e[6] == s->cm_wkey)) {
        e[0] = sq; e[1] = op; e[2] = om; e[3] = n; e[4] = nmax; e[6] = s->cm_wkey;
        e[5] = bti_srch_fp_samples(s, sq, n, nmax, op, om);
    }
    return e[5];
}
/* seconds of a full visit as the exhaustive strategy would make it: the simulated stop rule at
   spread `spread`, with outliers at rate p and size m (0: none) */
static double bti_srch_full_cost(bti_srch *s, double t, double spread, double p, double m, double ovh) {
    const bt_stop_rule *r = &s->sw->stop;
    int n = r->min_samples, nmax = bti_srch_time_nmax(r, t, spread);
    if (n < r->min_time_s / t) n = (int)ceil(r->min_time_s / t);
    if (n > nmax) n = nmax;
    return ovh + bti_srch_fp_memo(s, spread, p > 0 && m > 0 ? p : 0, m, n, nmax) * t;
}
/* predicted cost of a cheap visit over a full (stop rule) visit, from the first cell's samples */
static int bti_srch_global_affordable(bti_srch *s, size_t ci, double *best) {
    double cheap = 0, full = 0;
    int k;
    bti_srch_eval(s, best);
    for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, ci, k);
        bt_stats st;
        double t, spread, ovh;
        if (sc->status != BT_CELL_OK || sc->n < 1 || bt_stats_compute(sc->e2e, (size_t)sc->n, &st) != BT_OK || !(st.median > 0)) return 0;
        t = st.median;
        spread = st.rel_mad > s->pool_mad ? st.rel_mad : s->pool_mad;
        ovh = sc->cost - sc->tsum > 0 ? sc->cost - sc->tsum : 0;
        cheap += ovh + s->n0 * t;
        full += bti_srch_full_cost_det(s, t, spread, ovh);
    }
    return full > 0 && cheap <= 0.15 * full;
}

/* The exhaustive estimate's spread of a measured cell (bti_srch_exhaustive_estimate). The
   workload's core of the cost model (bti_srch_cm_eval) pools every successive difference, so
   the cells the search refines (many samples each, near the leader) set it; where the noise
   differs across the grid the exhaustive strategy's stop rule spends few samples on the quiet
   cells and the core overstated them: the tenth set's "the best cell is the noisiest" (0.5 %
   far from the best, 5.5 % at it) was estimated at 1.4-1.6x its truth at 3 % added noise and up
   to 2.9x at 1 % (cost 0.26 and 0.45; at 1 % the core rose from 1.1 to 3.6 % as the search
   refined the cells near the best). So the estimate simulates each measured cell at its own
   spread shrunk toward a core (BTI_CE_D degrees of freedom of the core: a refined cell's spread
   is mostly its own, a cell of 3 samples mostly the core's), and that core counts no cell for
   more than BTI_CE_D differences (bti_srch_cell_core). Counting each cell once read the seen
   sets' uniform-noise surfaces at 0.85x instead of 1.0x (the race drops the cells whose first
   samples happen to agree, so the cells left at 2-3 samples read low; lost 6 rows at 5 seeds),
   and the median of the cells' own spreads as the core read a uniform 3 % bowl at 0.64x. */
#define BTI_CE_D 10.0   /* degrees of freedom of the core in a cell's own spread; the most differences one cell counts for in the core */
#define BTI_CE_MINC 5   /* cells with two samples or more before the core is taken from them (else the cost model's) */
/* A cell's own spread for the exhaustive estimate (the cost model's samples, those beyond the
   outlier cut left out when outliers are modelled), its degrees of freedom into *df (0: none):
   with BTI_CE_D successive differences or more, the smaller of the root of its variance and its
   robust spread (bti_srch_eval's rule: with few differences their median is far too noisy, and
   the smaller of two noisy estimates errs low), else the root of its variance */
static double bti_srch_cell_sd(const bti_srch *s, const bti_sc *sc, double md, int k, int *df) {
    double mean = 0, ss = 0, cut = s->cm_p > 0 ? BTI_OUT_K * s->wcut[k] : 0, d[64], r;
    int j, m = 0;
    size_t nd = 0;
    *df = 0;
    if (sc->status != BT_CELL_OK || !(md > 0)) return 0;
    for (j = 0; j < sc->n; j++) {
        double x = bti_srch_cm_x(s, sc, j);
        if (cut > 0 && fabs(x - md) / md > cut) continue;
        mean += x; m++;
    }
    if (m < 2) return 0;
    mean /= m;
    for (j = 0; j < sc->n; j++) {
        double x = bti_srch_cm_x(s, sc, j), e = (x - mean) / md;
        if (cut > 0 && fabs(x - md) / md > cut) continue;
        ss += e * e;
    }
    *df = m - 1;
    for (j = 1; j < sc->n && nd < 64; j++) {
        double a = bti_srch_cm_x(s, sc, j), b = bti_srch_cm_x(s, sc, j - 1);
        if (cut > 0 && (fabs(a - md) / md > cut || fabs(b - md) / md > cut)) continue;
        d[nd++] = fabs(a - b) / md;
    }
    if (nd < BTI_CE_D) return sqrt(ss / (m - 1));
    r = bti_median_inplace(d, nd) / 0.95387;
    *df = (int)nd;
    return r < sqrt(ss / (m - 1)) ? r : sqrt(ss / (m - 1));
}
/* Workload k's core spread for the exhaustive estimate: bti_srch_eval's rule (the smaller of the
   root of the pooled relative variance and the robust spread of successive differences, those
   that touch a sample beyond the outlier cut left out once outliers are modelled), over the
   cells measured ok with 2+ samples, each cell's differences and degrees of freedom counted up
   to BTI_CE_D (a cell with more weighs each of them less: a weighted median, a weighted mean of
   the variances). Under the same noise everywhere it reads what the pooled core reads. */
static double bti_srch_cell_core(const bti_srch *s, int k) {
    size_t ci, nd = 0, cap = 0, ncell = 0;
    double *p, cut = s->cm_p > 0 ? BTI_OUT_K * s->wcut[k] : 0, vs = 0, vdf = 0, wsum = 0, half, acc = 0, rob, W = BTI_CE_D;
    for (ci = 0; ci < s->ncells; ci++) {
        const bti_sc *sc = &s->sc[ci * (size_t)s->nw + (size_t)k];
        if (s->use[ci] == 1 && sc->status == BT_CELL_OK && sc->n >= 2) cap += (size_t)sc->n - 1;
    }
    if (!cap || (p = (double *)bti_malloc(2 * cap * sizeof(double))) == NULL) return s->wcore[k];
    for (ci = 0; ci < s->ncells; ci++) {
        bti_sc *sc = &s->sc[ci * (size_t)s->nw + (size_t)k];
        double md, mean = 0, ss = 0, w;
        size_t n0 = nd, i;
        int j, m = 0;
        if (s->use[ci] != 1 || sc->status != BT_CELL_OK || sc->n < 2 || !((md = bti_sc_median(sc)) > 0)) continue;
        for (j = 0; j < sc->n; j++) {
            double x = bti_srch_cm_x(s, sc, j);
            if (cut > 0 && sc->n >= 3 && fabs(x - md) / md > cut) continue;
            mean += x; m++;
        }
        if (m < 2) continue;
        mean /= m;
        for (j = 0; j < sc->n; j++) {
            double x = bti_srch_cm_x(s, sc, j), e = (x - mean) / md;
            if (cut > 0 && sc->n >= 3 && fabs(x - md) / md > cut) continue;
            ss += e * e;
        }
        for (j = 1; j < sc->n; j++) {
            double a = bti_srch_cm_x(s, sc, j), b = bti_srch_cm_x(s, sc, j - 1), x = fabs(a - b) / md;
            if (cut > 0 && (sc->n >= 3 ? fabs(a - md) / md > cut || fabs(b - md) / md > cut : x > cut * 1.41421356)) continue;
            p[2 * nd] = x;
            nd++;
        }
        if (nd == n0) continue;
        w = (double)(nd - n0) > W ? W / (double)(nd - n0) : 1.0;
        for (i = n0; i < nd; i++) p[2 * i + 1] = w;
        wsum += w * (double)(nd - n0);
        w = (double)(m - 1) > W ? W / (double)(m - 1) : 1.0;
        vs += w * ss;
        vdf += w * (m - 1);
        ncell++;
    }
    if (ncell < BTI_CE_MINC) { bti_free(p); return s->wcore[k]; }
    qsort(p, nd, 2 * sizeof(double), bti_srch_cmp_score);
    half = 0.5 * wsum;
    for (ci = 0; ci < nd; ci++) { acc += p[2 * ci + 1]; if (acc >= half) break; }
    rob = p[2 * (ci < nd ? ci : nd - 1)] / 0.95387;
    bti_free(p);
    return rob < sqrt(vs / vdf) ? rob : sqrt(vs / vdf);
}
/* the exhaustive strategy's cost, estimated from what the search measured: a cell with samples
   costs a full visit at its own median and spread (or the pooled one), a failed cell what it
   cost, and a cell not measured yet the mean of the measured cells' costs weighted by the
   inverse square of their distance on the grid (steps along the axes): costs, like times,
   change gradually across the grid, and the search measures the good cells, so the global mean
   or the cheapest would err low, the costliest high; the nearest cell alone erred high once a
   space-filling screen had measured a few costly far cells (each then stood for a whole
   region). None above an OOM: exhaustive prunes it too. 0 while no cell has samples. */
#define BTI_EST_SPIKE 8.0 /* a measured cell this many times costlier than its measured neighbours (median) is a spike */
/* The L1 distance of two cells in grid steps (value indices), over the axes not tied to another:
   the exhaustive estimate's inverse-distance weights, its spike test (one step) and the fit's
   per-sample cost all measure nearness this way. */
static size_t bti_srch_l1(const bt_grid *g, const uint32_t *u, const uint32_t *v) {
    size_t d = 0;
    int a;
    for (a = 0; a < g->naxes; a++) if (g->ax[a].tied_to < 0) d += u[a] > v[a] ? u[a] - v[a] : v[a] - u[a];
    return d;
}
/* a cell rejected with an error on every workload (a rejected configuration, an unsupported
   kernel): the failures that hide their neighbourhood in the screen and the walk */
static int bti_srch_all_error(bti_srch *s, size_t ci) {
    int k;
    for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->status != BT_CELL_ERROR) return 0;
    return 1;
}
/* Outlier cells in the exhaustive estimate. The outliers' rate and size are pooled over the
   measured cells' samples and every cell is simulated with them; but outliers can belong to one
   cell (a cache that hits on one configuration only, a cell that shares a core with a daemon),
   and the search refines the cells near the leader, so such a cell's samples came to dominate
   the pool: the twenty-first set's fast outliers on a runner-up (one sample in three 30 % fast
   on one cell, 1 % noise elsewhere) was refined to 39 samples, 13 of them outliers, the pooled
   rate rose from 3 to 17 % and every cell was simulated at it (15 samples a cell for the
   exhaustive strategy's 10): the estimate read 16.8 s for a true 9.6 s (seed 1, 1 %), the cap
   allowed 0.26 of the truth. So a cell (workload) whose count of outliers is far beyond the rate
   of the others, a binomial upper tail under BTI_EST_OUTP at the others' rate (half an outlier
   added to them: none seen is not a rate of 0), is set apart, the most improbable first, the
   others' rate taken again without it; it keeps its own rate and size. Outliers spread over the
   grid (rare x2 on every cell) are no cell's own and stay pooled: a cell's count is then what
   the others' rate predicts. oc holds three numbers per cell and workload (outliers, samples,
   sum of the outliers' log sizes); a cell set apart has its samples negated. Returns the
   outliers left in the pool; *msum and *nsm their log sizes and samples. */
#define BTI_EST_OUTP 1e-4
static double bti_srch_out_binom_tail(double n, double x, double p) {
    double t = 0, i;
    for (i = x; i <= n; i++) t += exp(lgamma(n + 1) - lgamma(i + 1) - lgamma(n - i + 1) + i * log(p) + (n - i) * log1p(-p));
    return t;
}
static double bti_srch_out_cells(double *oc, size_t n, double nout, double nsm, double *msum, double *nsmo) {
    for (;;) {
        size_t i, b = n;
        double bp = BTI_EST_OUTP;
        for (i = 0; i < n; i++) {
            double x = oc[3 * i], m = oc[3 * i + 1], p0, pv;
            if (x < 2 || !(m > 0) || nsm - m < 10) continue;
            p0 = (nout - x + 0.5) / (nsm - m + 1);
            if (p0 >= 1 || x <= p0 * m) continue;
            pv = bti_srch_out_binom_tail(m, x, p0);
            if (pv < bp) { bp = pv; b = i; }
        }
        if (b == n) break;
        nout -= oc[3 * b];
        nsm -= oc[3 * b + 1];
        *msum -= oc[3 * b + 2];
        oc[3 * b + 1] = -oc[3 * b + 1];
    }
    *nsmo = nsm;
    return nout;
}
static double bti_srch_exhaustive_estimate(bti_srch *s) {
    const bt_grid *g = s->sw->g;
    size_t n = s->ncells * (size_t)s->nw, ci, cj, nok = 0, *ml = NULL, nml = 0;
    double sum = 0, *fc = (double *)bti_malloc(n * sizeof(double)), *ck = (double *)bti_malloc((size_t)s->nw * sizeof(double)), op = s->cm_p, om = s->cm_m, *fs = NULL, *oc = NULL;
    int k;
    if (!fc || !ck) { bti_free(fc); bti_free(ck); return 0; }
    /* each measured cell at its own spread shrunk toward the core (see bti_srch_cell_sd) */
    for (k = 0; k < s->nw; k++) ck[k] = bti_srch_cell_core(s, k);
    for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, ci, k);
        double md, c;
        int df;
        fc[ci * (size_t)s->nw + (size_t)k] = NAN;
        if (s->use[ci] != 1 || sc->status != BT_CELL_OK || sc->n < 1 || !((md = bti_sc_median(sc)) > 0)) continue;
        fc[ci * (size_t)s->nw + (size_t)k] = ck[k];
        c = bti_srch_cell_sd(s, sc, md, k, &df);
        if (df >= 1) fc[ci * (size_t)s->nw + (size_t)k] = sqrt(((double)df * c * c + BTI_CE_D * ck[k] * ck[k]) / ((double)df + BTI_CE_D));
    }
    /* the outliers judged against both the workload's cut and the cell's own spread: a sample of
       a noisy cell is no outlier of it, and counted as one (their rate and size apply to every
       cell) it put the noisy cells' spread back on all of them. A cell whose own outliers are
       far too many for the rate of the others (bti_srch_out_cells) is priced at its own rate
       and size, and left out of the rate and size that every other cell is priced at */
    if (op > 0) {
        double nsm = 0, nout = 0, msum = 0;
        if ((oc = (double *)bti_malloc(3 * n * sizeof(double))) != NULL)
            for (ci = 0; ci < 3 * n; ci++) oc[ci] = 0;
        for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
            bti_sc *sc = bti_sc_at(s, ci, k);
            double md, sp = fc[ci * (size_t)s->nw + (size_t)k], cut;
            size_t e0 = 3 * (ci * (size_t)s->nw + (size_t)k);
            int j;
            if (isnan(sp) || sc->n < 3) continue;
            md = bti_sc_median(sc);
            cut = BTI_OUT_K * (sp > s->wcut[k] ? sp : s->wcut[k]);
            for (j = 0; j < sc->n; j++) {
                double e = fabs(bti_srch_cm_x(s, sc, j) - md) / md;
                if (e > cut) { nout++; msum += log(e); if (oc) { oc[e0]++; oc[e0 + 2] += log(e); } }
            }
            nsm += sc->n;
            if (oc) oc[e0 + 1] = sc->n;
        }
        if (oc && nout > 0) nout = bti_srch_out_cells(oc, n, nout, nsm, &msum, &nsm);
        op = nout > 0 && nsm > 0 ? nout / nsm : 0;
        om = nout > 0 ? exp(msum / nout) : 0;
    }
    for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, ci, k);
        double sp = fc[ci * (size_t)s->nw + (size_t)k];
        if (!isnan(sp)) {
            size_t e0 = 3 * (ci * (size_t)s->nw + (size_t)k);
            double f = bti_srch_full_cost(s, bti_sc_median(sc), sp, op, om, bti_sc_setup(sc));
            if (oc && oc[e0 + 1] < 0) {
                /* an outlier cell: its own rate and size; it stands for the cells not measured
                   yet at the others' (below) */
                if (!fs && (fs = (double *)bti_malloc(n * sizeof(double))) != NULL) for (cj = 0; cj < n; cj++) fs[cj] = NAN;
                if (fs) fs[ci * (size_t)s->nw + (size_t)k] = f;
                f = bti_srch_full_cost(s, bti_sc_median(sc), sp, oc[e0] / -oc[e0 + 1], exp(oc[e0 + 2] / oc[e0]), bti_sc_setup(sc));
            }
            fc[ci * (size_t)s->nw + (size_t)k] = f;
            sum += f;
            nok++;
        } else if (s->use[ci] == 1 && sc->status >= 0 && sc->status != BT_CELL_OK && sc->status != BT_CELL_PRUNED) sum += sc->cost;
    }
    if (fs) for (cj = 0; cj < n; cj++) if (isnan(fs[cj])) fs[cj] = fc[cj];
    /* the cells with a cost, in grid order, listed once: the cells without one scan only them
       (the same terms in the same order), not the whole grid; on 2048 cells with 200 measured
       the scan over every cell, once per sample, was 90 % of the search's own CPU time */
    if (nok && (ml = (size_t *)bti_malloc(s->ncells * sizeof(size_t))) != NULL)
        for (cj = 0; cj < s->ncells; cj++)
            for (k = 0; k < s->nw; k++)
                if (!isnan(fc[cj * (size_t)s->nw + (size_t)k])) { ml[nml++] = cj; break; }
    /* A spike: a measured cell whose full cost is over BTI_EST_SPIKE times the (upper) median of
       its measured neighbours' (one step along one axis; two neighbours at least). The cell
       itself is priced at its own cost, but it stands for the cells not measured yet at that
       median: a cell that thrashes or swaps (host memory over-committed) says nothing of its
       neighbours. The nineteenth set's pathological cell (60x, the best's neighbour) spread its
       cost over the grid by the inverse-distance weights and the estimate read 24.3 s against
       the true 11.7 s, so the cap (0.2 of the estimate) allowed 0.4 of the truth. A region of
       slow cells is no spike (its measured cells have slow neighbours), nor are two adjacent
       thrashing cells among fast ones each other's excuse while most of their neighbours are
       fast. */
    if (nml > 1) {
        size_t q, r2;
        for (q = 0; q < nml; q++) {
            const uint32_t *qv = bti_srch_cvi(s, ml[q]);
            double nb[2 * BT_MAX_AXES];
            if (!qv) break;
            for (k = 0; k < s->nw; k++) {
                double f = fc[ml[q] * (size_t)s->nw + (size_t)k], m;
                int nn = 0, i, j2;
                if (isnan(f)) continue;
                for (r2 = 0; r2 < nml && nn < 2 * BT_MAX_AXES; r2++) {
                    const uint32_t *rv = bti_srch_cvi(s, ml[r2]);
                    double g2 = fc[ml[r2] * (size_t)s->nw + (size_t)k];
                    if (r2 == q || !rv || isnan(g2)) continue;
                    if (bti_srch_l1(g, qv, rv) == 1) nb[nn++] = g2;
                }
                if (nn < 2) continue;
                for (i = 1; i < nn; i++) for (j2 = i; j2 > 0 && nb[j2 - 1] > nb[j2]; j2--) { m = nb[j2]; nb[j2] = nb[j2 - 1]; nb[j2 - 1] = m; }
                m = nb[nn / 2];
                if (f > BTI_EST_SPIKE * m) {
                    if (!fs && (fs = (double *)bti_malloc(n * sizeof(double))) != NULL) memcpy(fs, fc, n * sizeof(double));
                    if (fs) fs[ml[q] * (size_t)s->nw + (size_t)k] = m;
                }
            }
        }
    }
    for (ci = 0; nok && ci < s->ncells; ci++) {
        bt_cell c, o;
        const uint32_t *cv;
        if (s->use[ci] != 1) continue;
        bt_grid_cell(g, ci, &c);
        if ((cv = bti_srch_cvi(s, ci)) == NULL) cv = c.vi; /* no memory for the table: bt_grid_cell's */
        for (k = 0; k < s->nw; k++) {
            bti_sc *sc = bti_sc_at(s, ci, k);
            size_t nd = 0, q;
            double dsum = 0, wsum = 0;
            if (!isnan(fc[ci * (size_t)s->nw + (size_t)k]) || (sc->status >= 0 && sc->status != BT_CELL_OK && sc->status != BT_CELL_PRUNED)) continue;
            if (bti_is_pruned(s->sw, k, &c, NULL, 0)) continue;
            for (q = 0; q < (ml ? nml : s->ncells); q++) {
                const uint32_t *ov;
                size_t d = 0;
                double f;
                cj = ml ? ml[q] : q; /* no memory for the list: every cell */
                f = (fs ? fs : fc)[cj * (size_t)s->nw + (size_t)k]; /* a spike at its neighbours' cost, above */
                if (isnan(f)) continue;
                if ((ov = bti_srch_cvi(s, cj)) == NULL) { bt_grid_cell(g, cj, &o); ov = o.vi; }
                d = bti_srch_l1(g, cv, ov);
                dsum += f / (double)(d * d);
                wsum += 1.0 / (double)(d * d);
                nd++;
            }
            if (nd) sum += dsum / wsum;
        }
    }
    bti_free(ml);
    bti_free(fc);
    bti_free(fs);
    bti_free(ck);
    bti_free(oc);
    return nok ? sum : 0;
}
/* the cost cap: spent >= budget x the estimated exhaustive cost */
static int bti_srch_over_budget(bti_srch *s) {
    if (s->capped) return 1;
    if (!(s->budget < 1)) return 0;
    /* nothing it depends on changed since the last estimate: no visit, no sample, no new cost model */
    if (s->est_key[0] != s->visits || s->est_key[1] != s->samples || s->est_key[2] != s->cm_gen || !s->cm_gen) {
        s->est_ex = bti_srch_exhaustive_estimate(s);
        s->est_key[0] = s->visits; s->est_key[1] = s->samples; s->est_key[2] = s->cm_gen;
    }
    if (s->est_ex > 0 && s->cost >= s->budget * s->est_ex) s->capped = 1;
    return s->capped;
}
/* The cost cap, before a screen: how many of its n samples the room left under the cap pays for,
   predicted from what was measured (per workload: the cell's own sample time and per-visit setup
   when it has samples, else those of the measured cells weighted by the inverse square of their
   distance on the grid, as the exhaustive estimate weighs costs); 0, and the cap reached
   (s->capped), when not even one sample fits: nothing is started that the cap cannot pay.
   Checked after a visit only, the cap was passed by up to one screen, and the estimate it was
   checked against was the one the round began with: on the eighth set's 12-cell grid at noise
   0-1 % the first round's estimate rests on one cell, at the prior spread (5 %), 23-24 s for a
   truth of 3.3 s, so all four neighbours of the start were screened and the search ended at
   0.26 of the exhaustive cost. The cost model is therefore evaluated again before the check
   when samples were added since (the round's leader is kept: the early stop of a visit judges
   against the leader the round was planned with; letting it move lost a row at 5 seeds). The
   refinement clips its own samples (below) and keeps its one sample at least: under an
   unfinished warm-up that one steady sample decided the seventh set's row at noise 0, and the
   cost model evaluated afresh before each refinement too lost that row at 1 % (20 seeds).
   bench/search: 12-cell grid 0.261 -> 0.187 at 0 % (its pick then 5 % off, the best, the last
   neighbour in grid order, never screened: the walk's screen order, below, fixed it); rows met
   267 -> 267 at 5 seeds, 248 -> 249 at 20 */
static int bti_srch_fit(bti_srch *s, size_t ci, int n) {
    const bt_grid *g = s->sw->g;
    double ovh = 0, t = 0, room, f[BTI_NW_SCALE];
    int k, fit;
    const uint32_t *cv, *ov;
    size_t cj;
    if (!(s->budget < 1) || !s->cm_gen) return n; /* no cap, or no cost model yet (the first cell) */
    if (s->fit_key != s->samples) { /* samples added since the last evaluation (the loop's, or a line search's) */
        double *b = (double *)bti_malloc((size_t)s->nw * sizeof(double));
        int ld = s->leader;
        if (b) { bti_srch_eval(s, b); bti_free(b); }
        s->leader = ld;
    }
    if (bti_srch_over_budget(s)) return 0;
    if (!(s->est_ex > 0)) return n;
    cv = bti_srch_cvi(s, ci);
    for (k = 0; k < BTI_NW_SCALE; k++) f[k] = 1;
    if (s->nw > 1) bti_srch_wl_scale(s, f); /* the screen's samples per workload */
    for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, ci, k);
        double wo = 0, wt = 0, ws = 0, fk = k < BTI_NW_SCALE ? f[k] : 1;
        if (sc->status >= 0 && sc->status != BT_CELL_OK) continue;
        if (sc->n > 0 && sc->tsum > 0) {
            ovh += bti_sc_setup(sc);
            t += fk * sc->tsum / sc->n;
            continue;
        }
        for (cj = 0; cv && cj < s->ncells; cj++) {
            bti_sc *o = bti_sc_at(s, cj, k);
            double d = 0, w;
            if (o->status != BT_CELL_OK || o->n < 1 || !(o->tsum > 0) || (ov = bti_srch_cvi(s, cj)) == NULL) continue;
            d = (double)bti_srch_l1(g, cv, ov);
            w = 1.0 / (d > 0 ? d * d : 1);
            wo += w * bti_sc_setup(o);
            wt += w * o->tsum / o->n;
            ws += w;
        }
        if (ws > 0) { ovh += wo / ws; t += fk * wt / ws; }
    }
    if (!(t > 0)) return n;
    room = s->budget * s->est_ex - s->cost - ovh;
    fit = room / t >= n ? n : room >= t ? (int)(room / t) : 0;
    if (fit < 1) s->capped = 1;
    return fit;
}

/* The reserve of the cost cap for confirming the leader: one refinement (as below: its samples
   doubled, to the stop rule's minimum at least) of the leader and of a challenger costing as
   much, predicted from the leader's own sample time and per-visit setup. The walk's second
   phase (the space-filling screen and the walk around what it found) spends only the room
   above it. Without it the screen of far cells, started with most of the cap spent, left the
   pick to a near-tie measured on three samples: the fourth set's saddle at 1 % (one seed: the
   best 16x1, found by the screen, on one sample; the walk around it put 32x1, 1.9 % worse, ahead
   on three), the seventh set's five axes at 1 % (fifteen far cells, none better, at 85 % of
   the cap; the pick 2 % off on three samples). None under near-noise-free samples (the pooled
   spread below BTI_PLAT_NOISE of the margin, one workload) once the leader has two samples:
   its median is then known to about half the margin, which no refinement improves on enough to
   change the pick, and the reserve kept the far basin below from being walked (final10 narrow
   deep basin at 0: the basin's first cell screened, its neighbours held back) */
static double bti_srch_reserve(bti_srch *s, size_t leader) {
    double r = 0;
    int k, ms = s->sw->stop.min_samples;
    if (s->nw == 1 && bti_sc_at(s, leader, 0)->n >= 2 && s->pool < BTI_PLAT_NOISE * s->margin) return 0;
    for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, leader, k);
        int more = sc->n;
        if (sc->n < 1 || !(sc->tsum > 0)) continue;
        if (sc->n + more < ms) more = ms - sc->n;
        r += bti_sc_setup(sc) + more * sc->tsum / sc->n;
    }
    return 2 * r;
}
/* space-filling screen: once the local search has converged and the coarse lattice is not
   affordable, one sample (plus the visit's setup and warm-up) of each of the unvisited cells
   farthest from every visited one (greedy farthest point; distance: steps along each axis over
   the axis' length, summed): at most the root of the number of cells, and while the screen has
   spent under a quarter of the cost cap and leaves the reserve for confirming the leader. A
   far-away basin is then found by its one sample and explored around like any promising cell.
   The early screen (before the walk) calls it with at most maxp cells (0: the root's limit
   only) and frac of the cap in place of the quarter. The late screen (late = 1) stops at a
   far cell that opens a basin (bti_srch_basin: s->basin, whose neighbours the walk screens
   next) and resumes where it stopped, with what is left of its quarter, once the walk has
   converged again. */
/* the distance between two cells as the space-filling screen measures it: each axis' index
   difference over its span, summed (tied and one-value axes left out) */
static double bti_srch_dist(const bt_grid *g, const uint32_t *cv, const uint32_t *ov) {
    double d = 0;
    int a;
    for (a = 0; a < g->naxes; a++)
        if (g->ax[a].tied_to < 0 && g->ax[a].n > 1)
            d += (double)(cv[a] > ov[a] ? cv[a] - ov[a] : ov[a] - cv[a]) / (double)(g->ax[a].n - 1);
    return d;
}
static int bti_srch_basin(bti_srch *s, size_t ci, size_t leader);
static bt_status bti_srch_spread(bti_srch *s, size_t leader, double *best, size_t maxp, double frac, int late) {
    const bt_grid *g = s->sw->g;
    double cheap = 0, allow, room, spent0 = s->cost, *dist;
    size_t ci, cj, nvis = 0, *vis, npick = 0, nuse = 0;
    int k;
    bt_status st = BT_OK;
    for (ci = 0; ci < s->ncells; ci++) if (s->use[ci] == 1) nuse++;
    for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, leader, k);
        double t = sc->n > 0 ? sc->tsum / sc->n : 0;
        cheap += bti_sc_setup(sc) + t;
    }
    if (bti_srch_over_budget(s) || !(s->est_ex > 0) || !(cheap > 0)) return BT_OK;
    allow = frac * s->budget * s->est_ex;
    if (late) { allow -= s->spread_cost; npick = s->spread_n; }
    room = s->budget * s->est_ex - s->cost - bti_srch_reserve(s, leader);
    if (room < allow) allow = room;
    if (allow < cheap) return BT_OK;
    dist = (double *)bti_malloc(s->ncells * sizeof(double));
    vis = (size_t *)bti_malloc(s->ncells * sizeof(size_t));
    if (!dist || !vis) { bti_free(dist); bti_free(vis); return BT_E_NOMEM; }
    for (ci = 0; ci < s->ncells; ci++) {
        for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->status >= 0) break;
        if (k < s->nw) vis[nvis++] = ci;
    }
    for (ci = 0; ci < s->ncells; ci++) dist[ci] = HUGE_VAL;
    for (;;) {
        size_t pick_ci = SIZE_MAX;
        bt_cell c, o;
        /* distances to the cells visited since the last pick */
        for (ci = 0; ci < s->ncells; ci++) {
            if (s->use[ci] != 1 || dist[ci] < 0) continue;
            for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->status >= 0) break;
            if (k < s->nw) { dist[ci] = -1; continue; }
            bt_grid_cell(g, ci, &c);
            for (k = 0; k < s->nw; k++) if (bti_is_pruned(s->sw, k, &c, NULL, 0)) break;
            if (k < s->nw) { dist[ci] = -1; continue; }
            for (cj = 0; cj < nvis; cj++) {
                double d;
                bt_grid_cell(g, vis[cj], &o);
                d = bti_srch_dist(g, c.vi, o.vi);
                if (d < dist[ci]) dist[ci] = d;
            }
            if (pick_ci == SIZE_MAX || dist[ci] > dist[pick_ci]) pick_ci = ci;
        }
        if (pick_ci == SIZE_MAX || s->cost - spent0 + cheap > allow || (double)(npick * npick) >= (double)nuse || (maxp && npick >= maxp) || bti_srch_over_budget(s)) break;
        npick++;
        nvis = 0;
        vis[nvis++] = pick_ci;
        st = bti_srch_screen_n(s, pick_ci, 1);
        s->farc[pick_ci] = 1;
        if (st != BT_OK) break;
        if (late && bti_srch_basin(s, pick_ci, leader)) { s->basin = pick_ci; break; }
        /* a far cell rejected with an error (every workload BT_CELL_ERROR: a rejected
           configuration) tells nothing of the region it was to sample: its unvisited axis
           neighbours (not pruned above an OOM) get the same one sample at once, while the
           screen's allowance lasts, and one that opens a basin ends the screen as above. In
           the walk a failed cell with no measured neighbour is a source too (the exploration
           below), but the late screen runs at 75-90 % of the cap, where the walk's screens wait
           for the reserve that confirms the leader (final20 island best at 1 %: the screen hit
           64x6, one of the four failed cells around the best, 32x6, at 89 % of the cap; every
           seed picked the bowl's best, 1.75 % off; now 32x6 at 0 and 1 %). A failure is cheap
           (its setup until the error) and only errors trigger it: surfaces without one are
           unchanged */
        if (bti_srch_all_error(s, pick_ci)) {
            int a, dir;
            size_t nb2 = SIZE_MAX;
            for (a = 0; a < g->naxes && st == BT_OK && nb2 == SIZE_MAX; a++) {
                if (g->ax[a].tied_to >= 0) continue;
                for (dir = -1; dir <= 1 && st == BT_OK; dir += 2) {
                    size_t nb = bti_srch_step(s, pick_ci, a, dir);
                    if (nb == SIZE_MAX || s->use[nb] != 1) continue;
                    for (k = 0; k < s->nw; k++) if (bti_sc_at(s, nb, k)->status >= 0) break;
                    if (k < s->nw) continue;
                    bt_grid_cell(g, nb, &c);
                    for (k = 0; k < s->nw; k++) if (bti_is_pruned(s->sw, k, &c, NULL, 0)) break;
                    if (k < s->nw || s->cost - spent0 + cheap > allow || bti_srch_over_budget(s)) continue;
                    vis[nvis++] = nb;
                    st = bti_srch_screen_n(s, nb, 1);
                    s->farc[nb] = 1;
                    if (st == BT_OK && bti_srch_basin(s, nb, leader)) { s->basin = nb2 = nb; break; }
                }
            }
            if (nb2 != SIZE_MAX) break;
        }
    }
    if (late) { s->spread_cost += s->cost - spent0; s->spread_n = npick; }
    bti_free(dist); bti_free(vis);
    bti_srch_eval(s, best);
    return st;
}
/* A far cell of the late space-filling screen that opens a basin: under near-noise-free samples
   (the pooled spread below BTI_PLAT_NOISE of the margin, one workload), its one sample reads
   lower than the measured cell nearest to it among those nearer to the leader than it is (the
   best of those at that distance; distance as the screen measures it), and the line from that
   cell through it, continued as far again, passes below the leader. The walk has converged
   around the leader, and within the leader's basin the surface rises away from the leader; a
   surface that falls again from what was measured towards a far cell is a second basin the walk
   never entered, whose bottom lies beyond that cell. The racing margin alone would not explore
   it, since its edge reads worse than the leader (final10 narrow deep basin at 0: a broad
   basin's bottom 2.75 % above a narrow one near a corner; the screen's corner cell 2048x1 reads
   1.2 % above the leader and 1.7 % below the nearest measured cell, 128x2, and its neighbour
   1024x1 is 0.7 % below the leader). A cell lower than a measured one farther from the leader
   is on the leader's own slope (held-out compute-bound + OOM at 0: batch=2 below batch=1, the
   cost 0.197 -> 0.236 when that counted), and a far cell whose line stays above the leader is
   a slope, not a basin (final cliff at 0: the batch=1 column, 18x the leader, falls along
   workers, and its screens passed the cap: 0.256; without the line, final18 OOM frontiers that
   depend on the kernel at 0 spent the cap on such slopes, 1.22 % off) */
static int bti_srch_basin(bti_srch *s, size_t ci, size_t leader) {
    const uint32_t *cv = bti_srch_cvi(s, ci), *lv = bti_srch_cvi(s, leader), *ov;
    const bt_grid *g = s->sw->g;
    bti_sc *sp = bti_sc_at(s, ci, 0);
    double m, dl, dn = HUGE_VAL, mn = HUGE_VAL;
    size_t cj;
    if (s->nw != 1 || !cv || !lv || !(s->pool < BTI_PLAT_NOISE * s->margin) || sp->status != BT_CELL_OK || sp->n < 1) return 0;
    m = bti_sc_median(sp);
    dl = bti_srch_dist(g, cv, lv);
    for (cj = 0; cj < s->ncells; cj++) {
        bti_sc *so = bti_sc_at(s, cj, 0);
        double d, mo;
        if (cj == ci || so->status != BT_CELL_OK || so->n < 1 || (ov = bti_srch_cvi(s, cj)) == NULL) continue;
        if (!(bti_srch_dist(g, ov, lv) < dl)) continue; /* not between the cell and the leader */
        d = bti_srch_dist(g, cv, ov);
        mo = bti_sc_median(so);
        if (d < dn - 1e-12) { dn = d; mn = mo; }
        else if (d < dn + 1e-12 && mo < mn) mn = mo;
    }
    return m < mn && 2 * m - mn < s->med[leader];
}

/* The far descent: a region that only the far cells hint at. Where an effect pays only where
   several axes are high together (a three-way interaction of batch, workers and prefetch), every
   cell one or two axis moves from the leader's basin reads worse than it, the walk converges
   there, and the space-filling screens' far cells read worse too: the far cell next to the
   region reads behind the leader by more than the margin, and no line through two measured
   cells points into the region, so bti_srch_basin does not fire either (final21 a three-way
   interaction at 0: 128x5x5, one step from the best 128x5x4, read 3.6 % behind the bowl's best
   32x3x2 on the late screen, and the search ended at 0.160 of the exhaustive cost, 76 % of the
   cap, with the best "not explored": every seed 2.77 % off). What gives such a region away is
   a far cell that reads well below what the axes' own effects predict there: a model with no
   cross terms (bti_srch_sep_guess: per ordered axis a quadratic in the value index, fitted to
   every other measured cell) puts 128x5x5 16 % above its reading. So once the walk and the
   late screen have converged with the cap not yet 90 % spent (BTI_DESC_START), the far cell
   (one a space-filling screen sampled) that reads most below that guess, by more than
   BTI_DESC_RES margins, and within BTI_DESC_NEAR margins of the leader (a far corner many times
   slower is a slope, whatever the model says of it), gets its unvisited axis neighbours
   screened with one sample each, and the descent moves on to its lowest neighbour while that
   reads lower. It ends at a cell that reads within the margin of the leader (a source of the
   walk from then on, as any promising cell), at a cell with no lower neighbour, where its next
   cell is next to one the walk measured (it has come back to the leader's ground: a far slope
   followed home cost up to 0.05 of the exhaustive cost on the seen rows that way), or when its
   allowance (BTI_DESC_FRAC of the cap, and the room above the reserve that confirms the
   leader) is spent. Once per search, one workload, ordered axes only, and under
   near-noise-free samples only (the pooled spread below BTI_PLAT_NOISE of the margin), as
   bti_srch_basin: a one-sample reading says little of a 3 % step under noise. bench/search,
   noise 0 (5 seeds): the three-way interaction met (2.77 % -> 0, cost 0.160 -> 0.196), costs up
   on two other rows (final2 curved ridge + OOM 0.160 -> 0.178, final14 two equal optima far
   apart 0.175 -> 0.192), every other row byte-identical; test_far_descent_multi_axis_region */
/* The far descent's model: log time = c + sum over the ordered axes of b_a x_a + q_a x_a^2 (x_a
   the value index; no cross terms: what several axes do together is what it looks for), fitted by
   least squares over every measured cell but ci (one workload, its median); *g its guess of ci's
   log time. 0 where it cannot be fitted (an unordered axis, too few cells) */
static int bti_srch_sep_guess(bti_srch *s, size_t ci, double *gs) {
    const bt_grid *g = s->sw->g;
    double A[(2 * BT_MAX_AXES + 1) * (2 * BT_MAX_AXES + 2)], z[2 * BT_MAX_AXES + 1];
    int ax[BT_MAX_AXES], na = 0, p, a, i, j, r;
    size_t cj, nm = 0;
    const uint32_t *v = bti_srch_cvi(s, ci), *ov;
    if (!v) return 0;
    for (a = 0; a < g->naxes; a++) {
        if (g->ax[a].tied_to >= 0 || g->ax[a].n < 2) continue;
        if (g->ax[a].type == BT_AXIS_STR) return 0;
        ax[na++] = a;
    }
    p = 2 * na + 1;
    memset(A, 0, sizeof A);
    for (cj = 0; cj < s->ncells; cj++) {
        bti_sc *so = bti_sc_at(s, cj, 0);
        double y;
        if (cj == ci || so->status != BT_CELL_OK || so->n < 1 || !(ov = bti_srch_cvi(s, cj)) || !(bti_sc_median(so) > 0)) continue;
        y = log(bti_sc_median(so));
        z[0] = 1;
        for (i = 0; i < na; i++) { z[1 + 2 * i] = ov[ax[i]]; z[2 + 2 * i] = (double)ov[ax[i]] * ov[ax[i]]; }
        for (i = 0; i < p; i++) {
            for (j = 0; j < p; j++) A[i * (p + 1) + j] += z[i] * z[j];
            A[i * (p + 1) + p] += z[i] * y;
        }
        nm++;
    }
    if (nm < (size_t)p + 2) return 0;
    for (i = 0; i < p; i++) A[i * (p + 1) + i] += 1e-9;
    for (i = 0; i < p; i++) { /* Gauss-Jordan with partial pivoting */
        int piv = i;
        double t;
        for (r = i + 1; r < p; r++) if (fabs(A[r * (p + 1) + i]) > fabs(A[piv * (p + 1) + i])) piv = r;
        if (!(fabs(A[piv * (p + 1) + i]) > 1e-12)) return 0;
        if (piv != i) for (j = 0; j <= p; j++) { t = A[i * (p + 1) + j]; A[i * (p + 1) + j] = A[piv * (p + 1) + j]; A[piv * (p + 1) + j] = t; }
        for (r = 0; r < p; r++) {
            if (r == i) continue;
            t = A[r * (p + 1) + i] / A[i * (p + 1) + i];
            for (j = i; j <= p; j++) A[r * (p + 1) + j] -= t * A[i * (p + 1) + j];
        }
    }
    z[0] = 1;
    for (i = 0; i < na; i++) { z[1 + 2 * i] = v[ax[i]]; z[2 + 2 * i] = (double)v[ax[i]] * v[ax[i]]; }
    *gs = 0;
    for (i = 0; i < p; i++) *gs += z[i] * A[i * (p + 1) + p] / A[i * (p + 1) + i];
    return 1;
}
#define BTI_WL_UNSEEN 0.5 /* the share of the cap that the unseen values' screens of several workloads may spend */
#define BTI_DESC_RES 4.0
#define BTI_DESC_NEAR 10.0
#define BTI_DESC_START 0.9
#define BTI_DESC_FRAC 0.2
/* the gate and the allowance shared by the far descent and the unmeasured values' screen: one
   workload, near-noise-free samples (the pooled spread under BTI_PLAT_NOISE margins), a cap
   less than 0.9 spent; *allow = the room above the leader's reserve, at most a fifth of the cap;
   *cheap = one visit at the leader's cost (setup and one sample); *lm = the leader's median.
   0 when the search is not in that state or the room is under one visit */
static int bti_srch_desc_room(bti_srch *s, size_t leader, double *cheap, double *allow, double *lm) {
    bti_sc *sl = bti_sc_at(s, leader, 0);
    double q;
    if (s->nw != 1 || !(s->pool < BTI_PLAT_NOISE * s->margin) || !(s->budget < 1) || sl->n < 1 || !(sl->tsum > 0)) return 0;
    if (bti_srch_over_budget(s) || !(s->est_ex > 0) || s->cost >= BTI_DESC_START * s->budget * s->est_ex) return 0;
    *cheap = bti_sc_setup(sl) + sl->tsum / sl->n;
    *allow = s->budget * s->est_ex - s->cost - bti_srch_reserve(s, leader);
    q = BTI_DESC_FRAC * s->budget * s->est_ex;
    if (q < *allow) *allow = q;
    if (*allow < *cheap) return 0;
    *lm = bti_sc_median(sl);
    return 1;
}
static bt_status bti_srch_descend(bti_srch *s, size_t leader, double *best) {
    const bt_grid *g = s->sw->g;
    const uint32_t *lv = bti_srch_cvi(s, leader);
    size_t ci, f = SIZE_MAX, cur;
    double fm = 0, spent0 = s->cost, allow, lm, cheap;
    bt_status st = BT_OK;
    s->desc_done = 1;
    if (!lv || !bti_srch_desc_room(s, leader, &cheap, &allow, &lm)) return BT_OK;
    for (ci = 0; ci < s->ncells; ci++) {
        bti_sc *sc = bti_sc_at(s, ci, 0);
        double m, pr;
        if (!s->farc[ci] || ci == leader || s->use[ci] != 1 || sc->status != BT_CELL_OK || sc->n < 1 || !bti_srch_cvi(s, ci)) continue;
        if (!(bti_sc_median(sc) < lm * (1 + BTI_DESC_NEAR * s->margin)) || !bti_srch_sep_guess(s, ci, &pr)) continue;
        m = log(bti_sc_median(sc)) - pr; /* below the separable model's guess by this much */
        if (m < -BTI_DESC_RES * s->margin && (f == SIZE_MAX || m < fm)) { f = ci; fm = m; }
    }
    for (cur = f; cur != SIZE_MAX && st == BT_OK;) {
        size_t nx = SIZE_MAX;
        double nm = bti_sc_median(bti_sc_at(s, cur, 0));
        int a, dir, found = 0, out = 0;
        for (a = 0; a < g->naxes && !found && !out && st == BT_OK; a++) {
            if (g->ax[a].tied_to >= 0) continue;
            for (dir = -1; dir <= 1 && !found && !out && st == BT_OK; dir += 2) {
                size_t nb = bti_srch_step(s, cur, a, dir);
                bti_sc *sn;
                if (nb == SIZE_MAX || s->use[nb] != 1) continue;
                sn = bti_sc_at(s, nb, 0);
                if (sn->status < 0) {
                    bt_cell c;
                    bt_grid_cell(g, nb, &c);
                    if (bti_is_pruned(s->sw, 0, &c, NULL, 0)) continue;
                    if (s->cost - spent0 + cheap > allow || bti_srch_over_budget(s)) { out = 1; break; }
                    st = bti_srch_screen_n(s, nb, 1);
                    s->farc[nb] = 1;
                    if (sn->status == BT_CELL_OK && sn->n >= 1 && bti_sc_median(sn) < lm * (1 + s->margin)) found = 1;
                }
                if (sn->status == BT_CELL_OK && sn->n >= 1 && bti_sc_median(sn) < nm) { nx = nb; nm = bti_sc_median(sn); }
            }
        }
        if (found || out || nx == SIZE_MAX) break;
        /* the descent has reached the walk's ground (a cell next to one the walk measured) */
        for (a = 0; a < g->naxes; a++) {
            if (g->ax[a].tied_to >= 0) continue;
            for (dir = -1; dir <= 1; dir += 2) {
                size_t nb = bti_srch_step(s, nx, a, dir);
                if (nb != SIZE_MAX && s->use[nb] == 1 && !s->farc[nb] && bti_sc_at(s, nb, 0)->status >= 0) break;
            }
            if (dir <= 1) break;
        }
        if (a < g->naxes) break;
        cur = nx;
    }
    bti_srch_eval(s, best);
    return st;
}

/* The unmeasured values' screen (the twenty-third round). A value of an unordered (text) axis
   of more than two values with no measured pair is unknown, not worse: no pooled effect
   (bti_srch_value_effect) has a pair for it, so bti_srch_unord_guess never ranks it and the walk
   reaches it only through the file's neighbours along the axis. And a kernel (an algorithm, a
   tactic) often has its own best value of the ordered axes, so one cell at the leader's other
   values reads it where it is slow (final22 kernel x batch x workers at 0: gemm_v7, the best
   kernel, its best at batch 2048 where the leader's is 512, never measured; every seed picked
   gemm_v2 512x6, 1.50 % off, at a twentieth of the exhaustive cost). Once the search has
   converged with the cap under 90 % spent, under near-noise-free samples (one workload; noise
   makes one-sample steps a random walk), each such value's cell at the leader's other values
   gets one sample; then, the lowest reading first, a descent inside the value's slice: its
   unvisited neighbours along the ordered axes get one sample each and the descent moves to the
   lowest while that reads lower; it ends at a cell within the margin of the leader (from then on
   a source of the walk), at a cell with no lower neighbour, or when the allowance (a fifth of
   the cap, and the room above the reserve, as for bti_srch_descend) is spent. A value qualifies
   when no measured cell at it has a measured twin at another value (bti_srch_value_effect finds
   no pair: its pooled effect is unknown); a value measured beside another is left to the pooled
   effect as before (at most 64 values are screened). Once per search; where every value of every
   text axis has a pair, or under noise, nothing runs: rows without such a value are
   byte-identical. final22 1152 cells at 0: 1.50 % -> 0 on every seed, cost 0.039 -> 0.042; the
   other text-axis rows at 0 cost up to +0.017 (24 tactics 0.156 -> 0.173);
   test_unmeasured_value_screened 55 -> 64 of 96 surfaces. */
static bt_status bti_srch_value_screen(bti_srch *s, size_t leader, double *best) {
    const bt_grid *g = s->sw->g;
    const uint32_t *lv = bti_srch_cvi(s, leader);
    size_t start[64], ci;
    double sm[64], spent0 = s->cost, allow, lm, cheap;
    int ns = 0, a, i, j;
    bt_status st = BT_OK;
    s->vscr_done = 1;
    if (!lv || !bti_srch_desc_room(s, leader, &cheap, &allow, &lm)) return BT_OK;
    /* the screen: each unmeasured value's cell at the leader's other values, one sample */
    for (a = 0; a < g->naxes && st == BT_OK; a++) {
        uint32_t w;
        for (w = 0; w < g->ax[a].n && st == BT_OK && ns < 64; w++) {
            bti_sc *sc;
            bt_cell c;
            ci = bti_srch_unpaired_at(s, leader, lv, a, w);
            if (ci == SIZE_MAX) continue;
            bt_grid_cell(g, ci, &c);
            if (bti_is_pruned(s->sw, 0, &c, NULL, 0)) continue;
            if (s->cost - spent0 + cheap > allow || bti_srch_over_budget(s)) break;
            st = bti_srch_screen_n(s, ci, 1);
            sc = bti_sc_at(s, ci, 0);
            if (st != BT_OK || sc->status != BT_CELL_OK || sc->n < 1) continue;
            sm[ns] = bti_sc_median(sc); start[ns++] = ci;
        }
    }
    /* the descents, the lowest reading first */
    for (i = 1; i < ns; i++)
        for (j = i; j > 0 && sm[j] < sm[j - 1]; j--) { double t = sm[j]; size_t u = start[j]; sm[j] = sm[j - 1]; start[j] = start[j - 1]; sm[j - 1] = t; start[j - 1] = u; }
    for (i = 0; i < ns && st == BT_OK; i++) {
        size_t cur = start[i];
        int out = 0, found = bti_sc_median(bti_sc_at(s, cur, 0)) < lm * (1 + s->margin);
        while (!found && !out && st == BT_OK) {
            size_t nx = SIZE_MAX;
            double nm = bti_sc_median(bti_sc_at(s, cur, 0));
            int dir;
            for (a = 0; a < g->naxes && !found && !out && st == BT_OK; a++) {
                if (g->ax[a].tied_to >= 0 || g->ax[a].type == BT_AXIS_STR) continue;
                for (dir = -1; dir <= 1 && !found && !out && st == BT_OK; dir += 2) {
                    size_t nb = bti_srch_step(s, cur, a, dir);
                    bti_sc *sn;
                    if (nb == SIZE_MAX || s->use[nb] != 1) continue;
                    sn = bti_sc_at(s, nb, 0);
                    if (sn->status < 0) {
                        bt_cell c;
                        bt_grid_cell(g, nb, &c);
                        if (bti_is_pruned(s->sw, 0, &c, NULL, 0)) continue;
                        if (s->cost - spent0 + cheap > allow || bti_srch_over_budget(s)) { out = 1; break; }
                        st = bti_srch_screen_n(s, nb, 1);
                        if (sn->status == BT_CELL_OK && sn->n >= 1 && bti_sc_median(sn) < lm * (1 + s->margin)) found = 1;
                    }
                    if (sn->status == BT_CELL_OK && sn->n >= 1 && bti_sc_median(sn) < nm) { nx = nb; nm = bti_sc_median(sn); }
                }
            }
            if (nx == SIZE_MAX) break;
            cur = nx;
        }
        if (out) break;
    }
    bti_srch_eval(s, best);
    return st;
}

/* The late screen's lattice at the skipped values of an unordered axis (the twenty-fourth
   round). The late screen (bti_srch_adaptive, once the walk has converged) screens a coarse
   lattice: every other value of each axis and each axis' ends. Along an ordered axis a skipped
   value lies between two screened ones, and the walk reaches it from either; a text axis of more
   than two values (kernels, tactics) has no order, so its skipped values are simply unseen, and
   a value whose own best lies at other ordered values than the leader's is then measured only
   where the walk went (near the leader's) and its pooled effect reads it slow. final22 kernel x
   batch x workers at 1-5 %: gemm_v7 (index 7, skipped; 3 % ahead at batch 2048 where the
   leader's best is 512) got 8 of its 96 cells, all near the leader's batch, and most seeds
   picked gemm_v2 512x6, 1.50 % off, at 0.05-0.09 of the exhaustive cost. At noise 0 the
   unmeasured values' screen (bti_srch_value_screen) reads such a value with one-sample steps;
   under noise those are a random walk, and a lattice screen of the value's slice (n0 samples a
   cell, raced as the late screen's) is what reads it. So once the search has converged again
   after the late screen, under noise (one workload, the pooled spread at BTI_PLAT_NOISE margins
   or more: where bti_srch_value_screen is gated off), with the cap less than half spent, the
   lattice cells at those skipped values (coarse on every ordered axis, at a skipped value on a
   text axis of more than two values) get their screen, in grid order, while the cap lasts; the
   walk then goes on from any that reads within the margin of the leader. Where the lattice was
   not affordable at the late screen (the space-filling screen's one-sample far cells ran
   instead; all = 1), the lattice of the ordered axes at every value of the text axis: the same
   cells' slices read the same way (final22 1152 cells at 3 %, seed 2: 1.50 % -> 0.60 % off, cost
   0.081 -> 0.114). Once per search; a grid with no such axis, several workloads, near-noise-free
   samples or a cap half spent is untouched (final22 1152 cells at 1, 3 and 5 %: 1.20 / 0.90 /
   0.93 % mean -> 0 / 0.12 / 0.26 %, cost max 0.081 / 0.126 / 0.110; final14 an unordered axis of
   12 kernels at 1-10 % costs +0.01 to +0.05, picks the same) */
#define BTI_LREST_START 0.5
/* off the late screen's coarse lattice: an odd index on an untied axis that is not its last value */
static int bti_srch_off_lattice(const bt_grid *g, int a, const bt_cell *c) {
    return g->ax[a].tied_to < 0 && c->vi[a] % 2 != 0 && (size_t)c->vi[a] + 1 != g->ax[a].n;
}
static bt_status bti_srch_lattice_rest(bti_srch *s, double *best, int all) {
    const bt_grid *g = s->sw->g;
    size_t ci;
    int a, k, skip = 0;
    bt_status st = BT_OK;
    if (s->nw != 1 || s->pool < BTI_PLAT_NOISE * s->margin || !(s->budget < 1) || !(s->est_ex > 0)) return BT_OK;
    if (bti_srch_over_budget(s) || s->cost >= BTI_LREST_START * s->budget * s->est_ex) return BT_OK;
    for (a = 0; a < g->naxes; a++) if (g->ax[a].tied_to < 0 && g->ax[a].type == BT_AXIS_STR && g->ax[a].n > 2) skip = 1;
    if (!skip) return BT_OK;
    for (ci = 0; ci < s->ncells && st == BT_OK; ci++) {
        bt_cell c;
        int coarse = 1, skipped = 0;
        bt_grid_cell(g, ci, &c);
        for (a = 0; a < g->naxes; a++) {
            if (!bti_srch_off_lattice(g, a, &c)) continue;
            if (g->ax[a].type == BT_AXIS_STR && g->ax[a].n > 2) skipped = 1;
            else coarse = 0;
        }
        if (!coarse || !(skipped || all) || s->use[ci] != 1) continue;
        for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->status < 0) break;
        if (k == s->nw) continue;
        if (bti_srch_over_budget(s)) break;
        st = bti_srch_screen(s, ci);
        bti_srch_eval(s, best);
    }
    return st;
}

/* The pick among near-ties. On a flat or gently sloped surface many survivors are within a
   standard error of each other, and the best median among them is mostly the luckiest one (the
   validation plateau at 5 %: picks 1.3-1.9 % off, a different one on every seed, while the
   surface is a smooth bowl). A smooth surface lets a cell's neighbours speak for it: est[c] is
   the cell's own mean-regret estimate combined with what a local quadratic (in the value indices
   of each ordered axis, no cross terms; string axes must match) fitted by weighted least squares
   over the measured cells within BTI_SM_R steps, the cell itself left out, predicts there; var[c]
   its variance. Each is weighted by the inverse of its variance; the prediction's variance adds
   the model's own error tau^2, from the leave-one-out residuals (their mean square less what the
   noise and the fit explain) of the cells around c (at least that of the whole grid: a cliff
   next to the best, averaged over the grid, read small and the best was smoothed into the
   cliff), so that where the surface is not smooth est[c] stays near the cell's own. The samples
   of dropped cells count too (they were stopped when they looked bad, so they read high: one
   more reason the pick below asks for a clear verdict). NAN where a cell has no estimate;
   own[c] and own[N + c] the cell's own estimate and variance (by its samples alone, the model
   left out); returns 0 when out of memory.
   Switches that interact: on a grid of on/off axes every cell is within BTI_SM_R of every other,
   so the model is one additive fit over the whole grid, and a pair of switches that each help
   alone but clash together has each one's effect averaged over both values of the other. The fit
   then reads the pair as neutral or worse and moves every cell's estimate toward the pair both
   off (final25 ten on/off axes, 1024 cells, a pair of 1 % and 1.5 % gains that costs 4 %
   together: noise-free and fully measured, the both-off cell, 1.52 % behind, read -0.74 % and
   the best 1.25 %; at 5 % two seeds of five moved the pick from a leader 1.01 % behind to the
   both-off cell, and the row missed). So each pair of two-valued ordered axes gets its
   interaction y11 - y10 - y01 + y00 measured over every square of four measured cells that
   differ only on the pair (weighted by the inverse of the contrast's variance); where BTI_SM_NSQ
   squares or more put it BTI_SM_IZ standard errors from 0, the neighbours' values are corrected
   by it (the BTI_SM_NI largest: noise-free, a multiplicative surface's 0.02-0.09 % products of
   effects are many standard errors from 0 and, kept in the order found, crowded the pair out)
   before the fit. Measured there (seed 1):
   6.2-6.8 % (the truth 1.04 / (0.99 x 0.985) - 1 = 6.6 %) over 256 squares at 3-10 %, 22 at
   1 %, 10-19 standard errors; final17's sign-reversing pair, fused x pinned, -6.7 to -7.4 %
   over 7-28 squares, 4-10 standard errors; no other surface of the bench has a pair found at
   1-10 % (a grid without two two-valued ordered axes has none to test). Ten on/off axes at
   5 %: 0.71 / 1.52 % -> 0.10 / 0.51 % (met), at 3 % 0.40 -> 0 %, at 10 % 0.71 -> 0.10 %; a
   window of two switches' distance instead (the model fitted only over cells that differ on
   two switches at most) gained 5 % but lost 10 %: with fewer neighbours the model's variance
   kept a leader 2.04 % behind. */
#define BTI_SM_R 2
#define BTI_SM_NI 4
#define BTI_SM_NSQ 4
#define BTI_SM_IZ 4.0
/* cell value indices ov within BTI_SM_R steps of cv along every ordered axis, equal on string axes */
static int bti_srch_near(const bt_grid *g, const uint32_t *cv, const uint32_t *ov) {
    int a;
    for (a = 0; a < g->naxes; a++) {
        if (g->ax[a].tied_to >= 0) continue;
        if (g->ax[a].type == BT_AXIS_STR ? ov[a] != cv[a] : (ov[a] > cv[a] ? ov[a] - cv[a] : cv[a] - ov[a]) > BTI_SM_R) return 0;
    }
    return 1;
}
static int bti_srch_smooth(bti_srch *s, const double *best, double *est, double *var, double *own) {
    const bt_grid *g = s->sw->g;
    size_t ci, cj, N = s->ncells, tn = 0, nm = 0, ii, jj, *idx = (size_t *)bti_malloc(N * sizeof(size_t));
    int na = 0, ax[BT_MAX_AXES], p, a, i, j, k, nip = 0, ipa[BTI_SM_NI], ipb[BTI_SM_NI];
    double *y = (double *)bti_malloc(4 * N * sizeof(double)), *v, *m, *vm, tsum = 0, tau2, ipe[BTI_SM_NI], yj;
    double A[(1 + 2 * BT_MAX_AXES) * (1 + 2 * BT_MAX_AXES)], b[1 + 2 * BT_MAX_AXES], x[1 + 2 * BT_MAX_AXES], e0[1 + 2 * BT_MAX_AXES];
    if (!y || !idx) { bti_free(y); bti_free(idx); return 0; }
    v = y + N; m = v + N; vm = m + N;
    for (a = 0; a < g->naxes; a++) if (g->ax[a].tied_to < 0 && g->ax[a].type != BT_AXIS_STR && g->ax[a].n > 1) ax[na++] = a;
    p = 1 + 2 * na;
    for (ci = 0; ci < N; ci++) {
        double sy = 0, sv = 0;
        y[ci] = m[ci] = v[ci] = NAN; /* v too: own[N + c] is then set for every cell */
        if (s->use[ci] != 1) continue;
        for (k = 0; k < s->nw; k++) {
            size_t q = ci * (size_t)s->nw + (size_t)k;
            double se;
            if (bti_sc_at(s, ci, k)->status != BT_CELL_OK || isnan(s->med[q]) || !(best[k] > 0)) break;
            se = (s->med[q] - s->lo[q]) / s->z / best[k];
            sy += s->med[q] / best[k] - 1.0;
            sv += se * se;
        }
        if (k < s->nw) continue;
        y[ci] = sy / s->nw;
        v[ci] = sv / ((double)s->nw * s->nw);
        if (!(v[ci] > 1e-12)) v[ci] = 1e-12; /* noise-free: the cell's own value decides */
        idx[nm++] = ci; /* the loops below run over the measured cells only (a large grid's are few) */
    }
    /* pairs of switches that interact (above): each pair's contrast y11 - y10 - y01 + y00 over
       the measured squares, weighted by the inverse of its variance */
    for (i = 0; i < na; i++) for (j = i + 1; j < na; j++) {
        int a1 = ax[i], a2 = ax[j];
        size_t s1, s2, nsq = 0;
        double sw = 0, swc = 0;
        if (g->ax[a1].n != 2 || g->ax[a2].n != 2) continue;
        s1 = bti_grid_stride(g, a1); s2 = bti_grid_stride(g, a2);
        for (ii = 0; ii < nm; ii++) {
            const uint32_t *cv;
            size_t c00 = idx[ii];
            double vv;
            if ((cv = bti_srch_cvi(s, c00)) == NULL || cv[a1] != 0 || cv[a2] != 0) continue;
            if (isnan(y[c00 + s1]) || isnan(y[c00 + s2]) || isnan(y[c00 + s1 + s2])) continue;
            vv = v[c00] + v[c00 + s1] + v[c00 + s2] + v[c00 + s1 + s2];
            sw += 1.0 / vv; swc += (y[c00 + s1 + s2] - y[c00 + s1] - y[c00 + s2] + y[c00]) / vv;
            nsq++;
        }
        if (nsq >= BTI_SM_NSQ && fabs(swc / sw) > BTI_SM_IZ / sqrt(sw)) {
            double e = swc / sw;
            int q = nip, t;
            if (nip == BTI_SM_NI) { /* full: the smallest gives way to a larger one */
                for (q = 0, t = 1; t < BTI_SM_NI; t++) if (fabs(ipe[t]) < fabs(ipe[q])) q = t;
                if (!(fabs(e) > fabs(ipe[q]))) q = -1;
            } else nip++;
            if (q >= 0) { ipa[q] = a1; ipb[q] = a2; ipe[q] = e; }
        }
    }
    for (ii = 0; ii < nm; ii++) {
        const uint32_t *cv, *ov;
        size_t cnt = 0;
        ci = idx[ii];
        if ((cv = bti_srch_cvi(s, ci)) == NULL) continue;
        memset(A, 0, sizeof A); memset(b, 0, sizeof b);
        for (jj = 0; jj < nm; jj++) {
            double w;
            cj = idx[jj];
            if (cj == ci || (ov = bti_srch_cvi(s, cj)) == NULL) continue;
            if (!bti_srch_near(g, cv, ov)) continue;
            yj = y[cj];
            for (i = 0; i < nip; i++) yj -= ipe[i] * ((double)(ov[ipa[i]] * ov[ipb[i]]) - (double)(cv[ipa[i]] * cv[ipb[i]]));
            x[0] = 1;
            for (i = 0; i < na; i++) {
                double d = (double)ov[ax[i]] - (double)cv[ax[i]];
                x[1 + 2 * i] = d; x[2 + 2 * i] = d * d;
            }
            w = 1.0 / v[cj];
            for (i = 0; i < p; i++) { b[i] += w * x[i] * yj; for (j = 0; j <= i; j++) A[i * p + j] += w * x[i] * x[j]; }
            cnt++;
        }
        if (cnt < (size_t)p + 1) continue;
        /* a small ridge: an axis whose neighbours all share the cell's value adds nothing */
        for (i = 1; i < p; i++) A[i * p + i] += 1e-9 * A[0];
        /* Cholesky (lower triangle in place) */
        for (j = 0; j < p; j++) {
            double d = A[j * p + j];
            for (k = 0; k < j; k++) d -= A[j * p + k] * A[j * p + k];
            if (!(d > 0)) break;
            A[j * p + j] = sqrt(d);
            for (i = j + 1; i < p; i++) {
                double t = A[i * p + j];
                for (k = 0; k < j; k++) t -= A[i * p + k] * A[j * p + k];
                A[i * p + j] = t / A[j * p + j];
            }
        }
        if (j < p) continue;
        for (i = 0; i < p; i++) e0[i] = i == 0;
        for (i = 0; i < p; i++) { /* forward: L z = b, L u = e0 */
            for (k = 0; k < i; k++) { b[i] -= A[i * p + k] * b[k]; e0[i] -= A[i * p + k] * e0[k]; }
            b[i] /= A[i * p + i]; e0[i] /= A[i * p + i];
        }
        for (i = p - 1; i >= 0; i--) { /* back: L' beta = z, L' w = u */
            for (k = i + 1; k < p; k++) { b[i] -= A[k * p + i] * b[k]; e0[i] -= A[k * p + i] * e0[k]; }
            b[i] /= A[i * p + i]; e0[i] /= A[i * p + i];
        }
        m[ci] = b[0]; vm[ci] = e0[0] > 0 ? e0[0] : 0;
        tsum += (y[ci] - m[ci]) * (y[ci] - m[ci]) - v[ci] - vm[ci];
        tn++;
    }
    tau2 = tn ? tsum / tn : 0;
    if (tau2 < 0) tau2 = 0;
    for (ci = 0; ci < N; ci++) {
        double wm, lsum = 0, lt;
        size_t ln = 0;
        const uint32_t *cv, *ov;
        var[ci] = own[N + ci] = v[ci];
        own[ci] = y[ci];
        if (isnan(y[ci])) { est[ci] = NAN; continue; }
        if (isnan(m[ci]) || !tn || (cv = bti_srch_cvi(s, ci)) == NULL) { est[ci] = y[ci]; continue; }
        /* the model's error near the cell: a cliff or a saw-tooth tooth next to it is local, and
           averaged over the whole grid it read small */
        for (jj = 0; jj < nm; jj++) {
            cj = idx[jj];
            if (isnan(m[cj]) || (ov = bti_srch_cvi(s, cj)) == NULL) continue;
            if (!bti_srch_near(g, cv, ov)) continue;
            lsum += (y[cj] - m[cj]) * (y[cj] - m[cj]) - v[cj] - vm[cj];
            ln++;
        }
        lt = ln ? lsum / ln : 0;
        if (lt < tau2) lt = tau2;
        /* a cell the model cannot explain (more than three standard deviations off its
           prediction: the edge of a cliff, a tooth; at two, a lucky cell at the edge of what was
           measured kept its luck against every smoothed one) keeps its own estimate */
        if ((y[ci] - m[ci]) * (y[ci] - m[ci]) > 9.0 * (v[ci] + vm[ci] + lt)) { est[ci] = y[ci]; continue; }
        wm = 1.0 / (vm[ci] + lt + 1e-300);
        est[ci] = (y[ci] / v[ci] + m[ci] * wm) / (1.0 / v[ci] + wm);
        var[ci] = 1.0 / (1.0 / v[ci] + wm);
    }
    bti_free(y); bti_free(idx);
    return 1;
}

/* The final pick: among the survivors within one standard error of the leader by their own
   samples, the one bti_srch_smooth ranks best, where it ranks it better than the leader by more
   than a standard deviation of the difference of the two estimates (without that test, the
   model's verdict on near-ties moved picks on a step surface, a large grid and a needle beside a
   flat top: four rows lost at 5 seeds against eight gained). The survivors whose own estimate is
   no worse than the pick's are dropped with the reason, so that a ranking of the rows recorded
   (a live sweep's recommendation) lands on the same cell. bench/search: rows met 272 -> 276 of
   293 at 5 seeds (saddle 1 %, bimodal 1 %, five axes 3 %, 12-cell grid 5 %; none lost), 254 ->
   259 at 20 (seven gained, one lost: five axes 5 %, one seed of twenty now 2 % off). */
/* a quantised metric (a coarse timer: samples rounded to a tick much larger than their other
   noise), judged on two cells' samples pooled (six or more): at least half of them lie within an
   eighth of their range (the tenth farthest at either end left out) of their median, and that
   range is not empty. The median of such samples is the tick the most of them fell on, and two
   cells a fraction of a tick apart read the same; their means keep the fraction (the share of
   samples on either side of a tick edge). Gaussian samples have about a fifth of them there */
static int bti_sc_lumpy2(const bti_sc *a, const bti_sc *b, int minl) {
    double *x, r, md;
    int n = a->n + b->n, t = n / 10, i, j, atmed = 0;
    if (a->n < 3 || b->n < 3 || n < 6) return 0;
    x = (double *)bti_malloc((size_t)n * sizeof(double));
    if (!x) return 0;
    memcpy(x, a->e2e, (size_t)a->n * sizeof(double));
    memcpy(x + a->n, b->e2e, (size_t)b->n * sizeof(double));
    for (i = 1; i < n; i++) { double v = x[i]; for (j = i - 1; j >= 0 && x[j] > v; j--) x[j + 1] = x[j]; x[j + 1] = v; }
    md = n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
    r = x[n - 1 - t] - x[t];
    for (i = 0; i < n; i++) if (fabs(x[i] - md) <= r / 8) atmed++;
    /* and the lumps on a lattice: split the sorted samples at steps over an eighth of that
       range; each lump's middle within a sixth of the smallest distance between two lumps'
       middles (the tick) of the median plus a whole number of ticks (fast or slow outliers,
       a cache hit, scatter between the ticks) */
    if (r > 0 && 2 * atmed >= n) {
        double c[64], h = 0;
        int nc = 0, i0 = 0;
        for (i = 1; i <= n; i++) if (i == n || x[i] - x[i - 1] > r / 8) { if (nc < 64) c[nc++] = 0.5 * (x[i0] + x[i - 1]); i0 = i; }
        for (i = 1; i < nc; i++) if (h == 0 || c[i] - c[i - 1] < h) h = c[i] - c[i - 1];
        for (i = 0; h > 0 && i < nc; i++) {
            double q = (c[i] - md) / h;
            if (fabs(q - floor(q + 0.5)) > 1.0 / 6) atmed = 0;
        }
        if (nc >= 64 || nc < minl) atmed = 0; /* two lumps are a lattice of any tick */
    }
    bti_free(x);
    return r > 0 && 2 * atmed >= n;
}
static bt_status bti_srch_tied_pick(bti_srch *s, double *best) {
    double *est = (double *)bti_calloc(4 * s->ncells, sizeof(double)), *var, *own;
    size_t ci, pick = (size_t)s->leader, ld = (size_t)s->leader;
    bt_status st = BT_OK;
    int bymean = 0;
    char why[512], lab[256];
    bt_cell pc;
    if (!est) return BT_E_NOMEM;
    var = est + s->ncells;
    own = var + s->ncells;
    if (!bti_srch_smooth(s, best, est, var, own) || isnan(est[ld])) { bti_free(est); return BT_OK; }
    for (ci = 0; ci < s->ncells; ci++) {
        /* a cell the model does not speak for (too few neighbours measured, at the end of an
           axis, or one it cannot explain) keeps its own samples' estimate; it is compared with
           the leader's own too. Against the leader's smoothed estimate it won whenever the
           model moved the leader up (its neighbours, dropped when they looked bad, read high):
           on the twelve kernels at 10 % the leader, the best, read 1.49 % by its model and 0 by
           its samples, and kernel=k7 batch=128 (2 % worse, its own 0.01 %; no model: three
           measured cells within two steps, next to the end of its batch axis) was picked */
        int sm;
        double le, lv;
        if (!s->elig[ci] || ci == ld || isnan(est[ci]) || !(est[ci] < est[pick])) continue;
        sm = var[ci] < own[s->ncells + ci]; /* only measured cells get here */
        le = sm ? est[ld] : own[ld]; lv = sm ? var[ld] : own[s->ncells + ld];
        if (!(est[ci] + sqrt(var[ci] + lv) < le)) continue;
        if (bti_srch_gap_at(s, ci, ld, best, 1.0 / s->z) > 0) continue;
        pick = ci;
    }
    /* a quantised metric (bti_sc_lumpy2 on the leader's and a survivor's samples): among the
       survivors within a standard error of the leader, the one whose mean is lower than the
       leader's by more than two standard errors of the difference of the means (the lowest
       such mean). Their medians sit on the same tick and cannot tell them apart (final22 coarse
       timer at 1 %: batch=16 workers=3, 8.4 % off, picked on a median 0.15 % below the best's,
       both on the 8 ms tick, its mean 8.0 ms against the best's 7.6 ms) */
    if (s->nw == 1) {
        double lm, ls, cm, cs, bm;
        bti_sc *sl = bti_sc_at(s, ld, 0);
        ls = bti_sc_sd(sl, &lm) / sqrt((double)(sl->n > 0 ? sl->n : 1));
        bm = lm;
        if (pick != ld) {
            /* the local model's pick is kept unless the means say the leader is better */
            bti_sc *sk = bti_sc_at(s, pick, 0);
            cs = bti_sc_sd(sk, &cm) / sqrt((double)(sk->n > 0 ? sk->n : 1));
            if (sl->n >= 3 && sk->n >= 3 && lm + 2 * sqrt(cs * cs + ls * ls) < cm && bti_sc_lumpy2(sl, sk, 2)) pick = ld;
            else sl = NULL;
        }
        for (ci = 0; sl && sl->n >= 3 && ci < s->ncells; ci++) {
            bti_sc *sk = bti_sc_at(s, ci, 0);
            if (!s->elig[ci] || ci == ld || sk->status != BT_CELL_OK || sk->n < 3) continue;
            if (bti_srch_gap_at(s, ci, ld, best, 1.0 / s->z) > 0) continue;
            cs = bti_sc_sd(sk, &cm) / sqrt((double)sk->n);
            if (!(cm + 2 * sqrt(cs * cs + ls * ls) < lm && cm < bm)) continue;
            if (!bti_sc_lumpy2(sl, sk, 3)) continue;
            pick = ci; bm = cm; bymean = 1;
        }
        /* tied medians: where neither rule above moved the pick, a survivor whose median is
           within a quarter of the standard error of the difference of the two medians from the
           leader's (the medians cannot tell them apart: which of the two reads lower is a coin's
           toss), whose samples' mean is lower than the leader's by half a standard error of
           the difference of the two means at least (the lowest such mean), and which the local
           model (bti_srch_smooth's estimate, the neighbours' samples with its own) ranks better
           than the leader too, is picked. Two estimators that agree break a tie the medians
           leave; either alone moved near-ties that neither could tell apart (final23 four text
           axes at 3 %: sched=dynamic for guided, means 0.2 standard errors apart, the model for
           the leader; final22 padded last batch at 1 %: batch=288 for 480, 1.2 % behind, means
           0.28 standard errors apart, the model for it). Three samples each at least,
           under noise (the medians' bounds not empty). final23 text values at 1 %, seed 4 (the
           budget spent): "int8/fp16 mix" 128, 1.2 % behind, led "bf16 (fast)" 128 by a median
           0.002 % lower (0.001 standard errors), its mean 0.7 % higher, the model 0.8 % */
        if (pick == ld && !bymean && sl && sl->n >= 3 && s->med[ld] - s->lo[ld] > 0) {
            double sel = (s->med[ld] - s->lo[ld]) / s->z;
            bm = lm;
            for (ci = 0; ci < s->ncells; ci++) {
                bti_sc *sk = bti_sc_at(s, ci, 0);
                double sec;
                if (!s->elig[ci] || ci == ld || sk->status != BT_CELL_OK || sk->n < 3) continue;
                if (isnan(s->med[ci]) || !(s->med[ci] - s->lo[ci] > 0)) continue;
                sec = (s->med[ci] - s->lo[ci]) / s->z;
                if (!(fabs(s->med[ci] - s->med[ld]) <= 0.25 * sqrt(sel * sel + sec * sec))) continue;
                cs = bti_sc_sd(sk, &cm) / sqrt((double)sk->n);
                if (!(cm < bm) || !(cm + 0.5 * sqrt(cs * cs + ls * ls) < lm) || !(est[ci] < est[ld])) continue;
                pick = ci; bm = cm; bymean = 2;
            }
        }
    }
    if (pick != ld) {
        bt_grid_cell(s->sw->g, pick, &pc);
        bt_cell_format(&pc, lab, sizeof lab);
        for (ci = 0; ci < s->ncells && st == BT_OK; ci++) {
            if (!s->elig[ci] || ci == pick || !(s->score[ci] <= s->score[pick])) continue;
            if (bymean == 2)
                bti_fmt(why, sizeof why, "final pick: the median within a quarter of a standard error of %s's, whose samples' mean is lower (the medians tie)", lab);
            else if (bymean)
                bti_fmt(why, sizeof why, "final pick: within a standard error of %s, whose samples' mean is lower by more than two standard errors (samples on a coarse timer's ticks: the medians tie)", lab);
            else
                bti_fmt(why, sizeof why, "final pick: within a standard error of %s, which the local model over the neighbours' samples ranks better (%.3g %% against %.3g %%)",
                        lab, 100 * est[pick], 100 * est[ci]);
            st = bti_srch_drop(s, ci, why);
        }
        if (st == BT_OK) bti_srch_eval(s, best);
    }
    bti_free(est);
    return st;
}

#define BTI_EARLY_SD 0.05
#define BTI_PLAT_MIN 4
#define BTI_PLAT_LEAD 0.5
/* a cell's place against the box [blo, bhi] of the promising cells on the ordered axes ord:
   0 outside it, 2 on a face (at either end of an axis the box spans), 3 inside (1: a corner,
   set by the caller) */
static int bti_srch_box_class(const uint32_t *v, const int *ord, int nord, const uint32_t *blo, const uint32_t *bhi) {
    int j, face = 0;
    for (j = 0; j < nord; j++) {
        int a = ord[j];
        if (v[a] < blo[a] || v[a] > bhi[a]) return 0;
        if (blo[a] < bhi[a] && (v[a] == blo[a] || v[a] == bhi[a])) face = 1;
    }
    return face ? 2 : 3;
}
/* the OOM frontier on the line through cell q0 along monotone axis a (the other values fixed):
   from the axis' largest value down to stop (not included; SIZE_MAX: to the smallest value), the
   first cell neither pruned above an OOM nor failed for every workload gets one sample (one that
   fails moves the frontier a step down, at the price of a failed visit); a cell measured ok ends
   the walk; *nfs counts the screens */
static bt_status bti_srch_front_line(bti_srch *s, size_t q0, int a, size_t stop, int *nfs) {
    const bt_grid *g = s->sw->g;
    bt_status st = BT_OK;
    size_t q = q0, nb;
    int k;
    while ((nb = bti_srch_step(s, q, a, 1)) != SIZE_MAX) q = nb;
    for (; q != SIZE_MAX && q != stop && st == BT_OK; q = bti_srch_step(s, q, a, -1)) {
        bt_cell c;
        int unseen = 0, fail = 0, fit = 0;
        if (s->use[q] != 1) continue;
        bt_grid_cell(g, q, &c);
        for (k = 0; k < s->nw; k++) {
            int stt = bti_sc_at(s, q, k)->status;
            if (stt == BT_CELL_OK) fit++;
            else if (stt >= 0) fail++;
            else if (!bti_is_pruned(s->sw, k, &c, NULL, 0)) unseen = 1;
        }
        if (!unseen) { if (fit && !fail) break; continue; } /* measured: known; failed or pruned: look below */
        if (bti_srch_over_budget(s)) break;
        st = bti_srch_screen_n(s, q, 1);
        (*nfs)++;
        for (fail = 0, k = 0; k < s->nw; k++) {
            int stt = bti_sc_at(s, q, k)->status;
            if (stt < 0) break; /* not visited (no room under the cap) */
            if (stt != BT_CELL_OK) fail++;
        }
        if (k < s->nw || !fail) break; /* it fits: the frontier */
    }
    return st;
}
/* the frontier lines through q0 on every declared monotone axis (not tied, not text) */
static bt_status bti_srch_front_lines(bti_srch *s, size_t q0, size_t stop, int *nfs) {
    const bt_grid *g = s->sw->g;
    bt_status st = BT_OK;
    int a;
    for (a = 0; a < g->naxes && st == BT_OK; a++)
        if (g->ax[a].monotone && g->ax[a].tied_to < 0 && g->ax[a].type != BT_AXIS_STR) st = bti_srch_front_line(s, q0, a, stop, nfs);
    return st;
}
static bt_status bti_srch_adaptive(bti_srch *s) {
    const bt_grid *g = s->sw->g;
    bt_status st = BT_OK;
    size_t ci, start = SIZE_MAX, bestd = SIZE_MAX;
    int k, round, a, min_samples = s->sw->stop.min_samples, completed = 0, halved = 0, nref, fronted = 0, plead = -1, resume = 0, latt = 0;
    double tmax, wlu_cost = 0, *best = (double *)bti_malloc((size_t)s->nw * sizeof(double));
    double *order = (double *)bti_malloc(2 * s->ncells * sizeof(double));
    unsigned char *cand = (unsigned char *)bti_calloc(s->ncells, 1), *src = (unsigned char *)bti_calloc(s->ncells, 1);
    unsigned char *lined = (unsigned char *)bti_calloc(s->ncells, 1), *vfr, *left = (unsigned char *)bti_calloc(s->ncells, 1);
    char why[512], lab[256];
    size_t nvals = 0;
    for (a = 0; a < g->naxes; a++) nvals += g->ax[a].n;
    vfr = (unsigned char *)bti_calloc(nvals + 1, 1); /* per value of each axis: its frontier screened (unordered axes) */
    if (!best || !order || !cand || !src || !lined || !vfr || !left) { bti_free(best); bti_free(order); bti_free(cand); bti_free(src); bti_free(lined); bti_free(vfr); bti_free(left); return BT_E_NOMEM; }
    /* start at the centre of the grid (the usable cell nearest to it) */
    for (ci = 0; ci < s->ncells; ci++) {
        bt_cell c;
        size_t d = 0;
        if (s->use[ci] != 1) continue;
        bt_grid_cell(g, ci, &c);
        for (a = 0; a < g->naxes; a++) {
            size_t mid = (g->ax[a].n - 1) / 2;
            if (g->ax[a].tied_to >= 0) continue;
            d += c.vi[a] > mid ? c.vi[a] - mid : mid - c.vi[a];
        }
        if (d < bestd) { bestd = d; start = ci; }
    }
    bti_srch_tiny(s); /* a grid of a few cells: one-sample screens where the samples are quiet */
    if (start != SIZE_MAX) st = bti_srch_screen(s, start);
    for (round = 0; st == BT_OK && start != SIZE_MAX && round < 100000; round++) {
        int leader, any_elig = 0, nsurv = 0, alldone = 1, changed, plat = 0, quiet = 0, basinr = 0;
        double farse = 0; /* the noisy counterpart of quiet's test below (0: off) */
        double lhi = 0;
        size_t ncand = 0;
        if (bti_srch_budget_spent(s)) break;
        leader = bti_srch_eval(s, best);
        if (bti_srch_over_budget(s)) break; /* the cost cap: the leader is the pick */
        /* racing: drop cells whose lower bound is worse than the leader's upper bound + margin */
        for (ci = 0; leader >= 0 && ci < s->ncells && st == BT_OK; ci++) {
            double gap;
            if (!s->elig[ci] || (int)ci == leader) continue;
            for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->cut == 2 && bti_sc_at(s, ci, k)->n == 1) break;
            if (k < s->nw) { /* cut at its warm-up (bti_srch_warm_cut): out at once */
                bti_sc *wk = bti_sc_at(s, ci, k);
                bt_cell lc;
                bt_grid_cell(g, (size_t)leader, &lc);
                bt_cell_format(&lc, lab, sizeof lab);
                bti_fmt(why, sizeof why, "racing: warm-up %.4g s > %g x the leader's upper bound %.4g s and its warm-up %.4g s (leader %s on %s)",
                        wk->e2e[0], BTI_WARM_CUT, s->hi[(size_t)leader * (size_t)s->nw + (size_t)k], bti_sc_at(s, (size_t)leader, k)->warm, lab, s->sw->w[k].name);
                st = bti_srch_drop(s, ci, why);
                s->elig[ci] = 0;
                continue;
            }
            for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->n < (s->out_p > 0 ? 3 : 2)) break;
            if (k < s->nw) continue; /* never on a single sample: it may be a hiccup (nor on two where outliers were seen: their mean holds one) */
            gap = bti_srch_gap_lb(s, ci, (size_t)leader, best);
            if (gap > s->margin) {
                bt_cell lc;
                bt_grid_cell(g, (size_t)leader, &lc);
                bt_cell_format(&lc, lab, sizeof lab);
                if (s->nw == 1)
                    bti_fmt(why, sizeof why, "racing: lower bound %.4g s > leader's upper bound %.4g s + margin %g %% (leader %s)",
                            s->lo[ci], s->hi[leader], 100 * s->margin, lab);
                else
                    bti_fmt(why, sizeof why, "racing: mean regret at least %.3g %% above the leader's (%s) upper bound, margin %g %%",
                            100 * gap, lab, 100 * s->margin);
                st = bti_srch_drop(s, ci, why);
                s->elig[ci] = 0;
            }
        }
        if (st != BT_OK) break;
        /* an early space-filling screen: before the walk spends the cap around the start, one
           sample of each of a few of the cells farthest from it (the grid's corners first; at
           most a third of the root of the number of cells, within a tenth of the cap), so that
           a basin or a slope's far end away from the centre is seen while there is room left to
           walk around it (final8 gentle slope at 1 %: the walk's ring around the start spent 85 %
           of the cap before the late screen, which then had no room). Only for one workload (a
           far cell costs a visit per workload) and where the start cell's samples spread by
           less than BTI_EARLY_SD of their mean: a single sample says nothing about a basin a few
           per cent deep under more noise than that, and a lucky one drew the walk off (final8
           gentle slope at 10 %). Rows met 332 -> 335 at 5 seeds (gentle slope 1 %, step
           surface 1 %, noisiest best cell 0: none lost), 314 -> 316 at 20 (five gained, three
           lost by one seed each: wide flat top 10 %, compute-bound + OOM 3 %, flat plateau 3 %).
           Tried and not kept: a limit of half the root (332 -> 334 at 5 seeds: gains the narrow
           basin at 0 and 1 %, loses bimodal 1 %, flat top 5 %, rare x2 outliers 0 and 1 % by
           costs over 0.25, the far corners raising the exhaustive estimate; 314 -> 313 at 20) */
        if (round == 0 && leader >= 0 && s->nw == 1) {
            bti_sc *sc = bti_sc_at(s, (size_t)leader, 0);
            double mean, sd = bti_sc_sd(sc, &mean);
            size_t nu = 0, mp;
            for (ci = 0; ci < s->ncells; ci++) if (s->use[ci] == 1) nu++;
            mp = (size_t)(sqrt((double)nu) / 3);
            if (sc->n > 1 && mean > 0 && sd < BTI_EARLY_SD * mean && mp >= 1) {
                st = bti_srch_spread(s, (size_t)leader, best, mp, 0.1, 0);
                if (st != BT_OK) break;
                continue;
            }
        }
        /* the OOM frontier: on a monotone axis the largest value that still fits is a natural
           candidate (a batch finder picks exactly it: a fused or better-amortised path may exist
           only there), and the walk never reaches it where the cells between are worse (final16
           sharp best on the frontier: a broad basin at batch 32, the cells towards the frontier
           up to 6 % worse, batch 1024, the last that fits, 1.5 % faster; every seed picked the
           basin at 0 and 1 %). Once per search, as soon as an OOM has been seen (the early
           space-filling screen's far corners mostly see one, at no extra cost): along each
           declared monotone axis, from its largest value down, the first cell at the leader's
           other values neither pruned above an OOM nor failed for every workload gets one
           sample, as the space-filling screen's cells do (one that fails moves the frontier a
           step down, at the price of a failed visit); a promising one is walked around like any
           other, and racing decides. A full screen (three samples) there cost the cap where the
           axis is long and its far end slow (final15 axes of one and two values at 0: 0.253) */
        if (leader >= 0 && s->sw->noom > 0) {
            int nfs = 0, b;
            size_t off = 0, j;
            bt_cell lc;
            if (!fronted) {
                fronted = 1;
                st = bti_srch_front_lines(s, (size_t)leader, (size_t)leader, &nfs);
            }
            /* ... and per value of an unordered axis at which an OOM has been seen: each value
               (a kernel, an algorithm) has its own memory footprint, so its own frontier, and
               with time falling along the monotone axis each value is best at its own frontier
               (final18 OOM frontiers that depend on the kernel: the best, k_split at batch 256,
               1.2 % ahead of k_tiled's frontier at 512; every seed picked k_tiled at 512 at 0,
               k_split's frontier never screened, its batch 128 0.5 % outside the margin). Once
               per value, as soon as an OOM at that value is in the list: the line through the
               leader with that value substituted is walked down from the monotone axis' largest
               value as above, to the first cell that fits (no lower bound: that value's frontier
               may lie below the leader's). Only unordered axes: along an ordered one the
               frontier moves with the axis and the walk follows it from the leader's line. That
               row met at 0 (5 seeds) and at 0 and 1 % (20 seeds), no row lost; the only other
               row it moves is the sixteenth set's fractional axis (its values written 0.30,
               0.35, ... do not read back as numbers, so the axis is unordered here: costs within
               0.01 either way) */
            bt_grid_cell(g, (size_t)leader, &lc);
            for (b = 0; b < g->naxes && st == BT_OK; b++) {
                if (g->ax[b].type != BT_AXIS_STR || g->ax[b].tied_to >= 0 || g->ax[b].monotone) { off += g->ax[b].n; continue; }
                for (j = 0; j < g->ax[b].n && st == BT_OK; j++) {
                    size_t o, q0;
                    if (vfr[off + j] || j == lc.vi[b]) continue;
                    for (o = 0; o < s->sw->noom; o++) if (s->sw->oom[o].vi[b] == j) break;
                    if (o == s->sw->noom) continue;
                    vfr[off + j] = 1;
                    q0 = (size_t)leader + (j - (size_t)lc.vi[b]) * bti_grid_stride(g, b);
                    st = bti_srch_front_lines(s, q0, SIZE_MAX, &nfs);
                }
                off += g->ax[b].n;
            }
            if (st != BT_OK) break;
            if (nfs) { bti_srch_eval(s, best); continue; }
        }
        /* line search (pattern move): the walk moves the leader one cell per round, and on a
           gentle slope it screens every cell of a wide front of near-ties (a plane's isolines
           run across the axes: final8 gentle slope at 0 %, 48x6, 56x5, 64x4 all tied), so the
           cap ended it halfway to the best corner (2.4 % off). From each new leader, the sign of
           each ordered axis' difference (central where both neighbours are measured, else from
           the leader to the one measured), where it is larger than one standard error of the
           difference, gives a downhill step along several axes at once; the cells 1, 2, 4, ...
           steps along it (each axis clipped at its end) are screened while each is better than
           the last, and a promising one is walked around like any other. Once per leader cell,
           and only in the walk's first phase (as the skip-one probe: noise moving the leader
           among near-ties later must not spend the cap). Gentle slope at 0 %: the best at cost
           0.203; rows met 267 -> 269 of 293 at 5 seeds, 248 -> 253 at 20. Tried and not kept:
           the direction from a weighted plane fitted over the cells within two steps, lines
           continued until a cell is worse by a standard error (the same totals; it steps off a
           bowl's minimum when the box holds one side of it, test_racing_robust_to_outliers);
           this direction with that continuation (268 at 5 seeds); 2.5 standard errors instead
           of one (the same totals) */
        /* several workloads: a value of an unordered axis (text, more than two values) with no
           measured pair is screened at the leader's other values before the line search and
           the round's candidates, one a round (bti_srch_wl_unseen), while this rule has spent
           under BTI_WL_UNSEEN of the cap. The objective is the mean regret, and workloads
           often disagree on such a value (one model fastest in fp16, another in bf16): a value
           never seen may be one workload's best, which sets its T*(w), and at a batch between
           the workloads' own bests the compromise. The walk's neighbours along a text axis are
           the file's, and the unmeasured values' screen (bti_srch_value_screen) is for one
           workload only, so a value at the far end of the list was seen late or never
           (final24 two workloads that disagree: "speech" best at bf16, "vision" at fp16, the
           mean-regret best bf16 at batch 128; the walk went round fp16's cells, bf16 last in
           the list was first screened at batch 64, the tenth screen, and the cap ended the
           walk before bf16 128: fp16 128 picked, 1.03 % off, every seed at 0 and 1 %). One
           workload: nothing changes */
        if (leader >= 0 && s->nw > 1 && !(s->budget < 1 && s->est_ex > 0 && wlu_cost >= BTI_WL_UNSEEN * s->budget * s->est_ex)) {
            size_t q = bti_srch_wl_unseen(s, (size_t)leader);
            if (q != SIZE_MAX && !bti_srch_over_budget(s)) {
                double c0 = s->cost;
                st = bti_srch_screen(s, q);
                wlu_cost += s->cost - c0;
                if (st != BT_OK) break;
                bti_srch_eval(s, best);
                continue;
            }
        }
        if (leader >= 0 && !completed && !lined[leader]) {
            int d[BT_MAX_AXES], nz = 0, t, r, dir;
            size_t prev = (size_t)leader, q, nb2[2];
            for (a = 0; a < g->naxes; a++) {
                int ok[2];
                d[a] = 0;
                if (g->ax[a].tied_to >= 0 || g->ax[a].type == BT_AXIS_STR) continue;
                for (dir = 0; dir < 2; dir++) {
                    nb2[dir] = bti_srch_step(s, (size_t)leader, a, dir ? 1 : -1);
                    ok[dir] = nb2[dir] != SIZE_MAX && s->use[nb2[dir]] == 1;
                    for (k = 0; k < s->nw && ok[dir]; k++) if (isnan(s->med[nb2[dir] * (size_t)s->nw + (size_t)k])) ok[dir] = 0;
                }
                if (ok[0] && ok[1]) {
                    if (bti_srch_gap_at(s, nb2[1], nb2[0], best, 1.0 / s->z) > 0) d[a] = -1;
                    else if (bti_srch_gap_at(s, nb2[0], nb2[1], best, 1.0 / s->z) > 0) d[a] = 1;
                } else if (ok[0] && nb2[1] != SIZE_MAX) {
                    if (bti_srch_gap_at(s, nb2[0], (size_t)leader, best, 1.0 / s->z) > 0) d[a] = 1;
                } else if (ok[1] && nb2[0] != SIZE_MAX) {
                    if (bti_srch_gap_at(s, nb2[1], (size_t)leader, best, 1.0 / s->z) > 0) d[a] = -1;
                }
                if (d[a]) nz++;
            }
            if (nz) lined[leader] = 1;
            for (t = 1; nz && st == BT_OK; t *= 2) {
                q = (size_t)leader;
                for (a = 0; a < g->naxes; a++)
                    for (r = 0; d[a] && r < t; r++) {
                        size_t nb = bti_srch_step(s, q, a, d[a]);
                        if (nb == SIZE_MAX) break;
                        q = nb;
                    }
                if (q == prev || s->use[q] != 1) break;
                for (k = 0; k < s->nw; k++) if (bti_sc_at(s, q, k)->status < 0) break;
                if (k < s->nw) {
                    if (bti_srch_over_budget(s)) break;
                    st = bti_srch_screen(s, q);
                    bti_srch_eval(s, best);
                }
                if (!s->elig[q] || !(s->score[q] < s->score[prev])) break;
                prev = q;
            }
            if (st != BT_OK) break;
            if (prev != (size_t)leader) continue;
        }
        /* exploration: screen the unvisited axis neighbours of every promising cell, and of the
           failed cells (oom, error, pruned above an OOM) next to one: the search walks around a
           wall of failures instead of stopping at it */
        for (ci = 0; ci < s->ncells; ci++) if (s->elig[ci]) any_elig = 1;
        memset(cand, 0, s->ncells);
        memset(src, 0, s->ncells);
        if (leader >= 0) for (lhi = 0, k = 0; k < s->nw; k++) lhi += (s->hi[(size_t)leader * (size_t)s->nw + (size_t)k] / best[k] - 1.0) / s->nw;
        s->warmq = 0;
        if (leader >= 0 && s->nw == 1) { /* the leader's own samples spread by under BTI_PLAT_NOISE of the margin */
            bti_sc *sl = bti_sc_at(s, (size_t)leader, 0);
            double mean, sd = bti_sc_sd(sl, &mean);
            quiet = sl->n > 1 && mean > 0 && sd < BTI_PLAT_NOISE * s->margin * mean;
            if (sl->n == 1 && sl->done) {
                double rms, mx;
                quiet = bti_srch_warm_quiet(s);
                s->warmq = quiet ? 2 : bti_srch_warm_pairs(s, &rms, &mx) >= BTI_WARM_QN;
            } else if (sl->n == 1 && bti_srch_tiny_calm(s, NULL)) {
                /* a grid of a few cells whose every sample agreed with its warm-up run
                   (bti_srch_tiny_quiet): the one-sample leader is quiet, and a screen that beats
                   it by BTI_PLAT_LEAD of the margin ends the round (s->warmq 3: no noise bound),
                   so the walk turns to the new leader's side before the rest of the old ring
                   spends the few screens the cap pays for (random grids of 4-9 cells at 0:
                   104 -> 122 of 160 within 1 % at cost <= 0.25, test_tiny_grid_one_sample_screens) */
                quiet = 1;
                s->warmq = 3;
            }
            /* under more noise, the same test with the leader's own standard error of the
               difference added to the margin (BTI_FAR_SE of them, the leader on three samples
               at least; its estimate of the noise, as the pool is floored at the prior until
               three cells have three samples) */
            if (!quiet && sl->n >= 3 && mean > 0) farse = BTI_FAR_SE * sd / mean * sqrt(1.0 + 1.0 / sl->n);
        }
        for (ci = 0; ci < s->ncells; ci++) {
            /* promising: the leader, or a cell whose estimate is within the leader's upper bound
               (an uncertain cell further off is refined, and explored only once it gets there) */
            if (any_elig) src[ci] = s->elig[ci] && ((int)ci == leader || s->score[ci] <= lhi + s->margin);
            else src[ci] = s->use[ci] == 1 && bti_sc_at(s, ci, 0)->status >= 0;
            /* in the walk's first phase, where the leader's samples are quiet (spread under
               BTI_PLAT_NOISE of the margin), a cell known from one sample only (the early
               space-filling screen's far cells) is promising only within the margin of the
               leader's estimate: the start cell's upper bound, wide on its first samples, let
               far corners 5 % behind it count as near-ties, so their neighbours were screened
               before the walk left the start (final17 crater at 0: six screens, a fifth of the
               cap). Under more noise one sample says too little to drop it (final4 optimum at
               the smallest batch at 1 %: its cost rose to 0.250 without the gate), unless it
               is behind by more than the margin plus BTI_FAR_SE standard errors of the
               difference, estimated from the leader's own samples (final19 sizes named, not
               numbered, at 1 %: a 3XL cell 10 % behind on one sample counted as a near-tie of
               the leader's three, its neighbours were screened before the leader's own, and
               the cap ended the walk one screen short of the best, XL workers=4, on one seed
               of five: 2.92 % off). At 2.5 standard errors final15's step at the far end of a
               plateau lost a seed at 1 % (5.2 % off: a far cell's one high sample dropped the
               way to the step); at 3 none */
            if (src[ci] == 1 && (int)ci != leader && !completed && (quiet || farse > 0)) {
                for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->n > 1) break;
                if (k == s->nw && s->score[ci] > s->score[leader] + s->margin + (quiet ? 0 : farse)) src[ci] = 0;
            }
        }
        /* several workloads: each one's own best cell too, since T*(w) sets everyone's regret */
        for (k = 0; s->nw > 1 && k < s->nw; k++) {
            size_t bc = SIZE_MAX;
            for (ci = 0; ci < s->ncells; ci++) {
                size_t i = ci * (size_t)s->nw + (size_t)k;
                if (s->use[ci] == 1 && !isnan(s->med[i]) && (bc == SIZE_MAX || s->med[i] < s->med[bc * (size_t)s->nw + (size_t)k])) bc = ci;
            }
            if (bc != SIZE_MAX) src[bc] = 1;
        }
        /* a failure that hides its neighbourhood: a cell rejected with an error (every workload
           BT_CELL_ERROR: a rejected configuration, an unsupported kernel) none of whose axis
           neighbours has been measured says nothing of the cells around it, where one that runs
           would have told whether they are near the leader. Its unvisited axis neighbours are
           screened as a promising cell's are (final20 island best: a far screen hit 64x6, one of
           the four failed cells around the best, 32x6, 1.7 % faster than the bowl's best; the
           search ended with 32x6 "not explored", every seed 1.75 % off at 0 and 1 %). Only
           errors: an OOM says the memory grows along the axis (the frontier rule follows it),
           a timeout that the cell is slow. A failed neighbour so screened is itself such a cell
           while none of its neighbours runs, so a block of failures is crossed to its edge;
           each visit of a failed cell costs its setup until the failure */
        for (ci = 0; ci < s->ncells; ci++) {
            int nok = 0;
            if (src[ci] || s->use[ci] != 1 || s->out[ci] || !bti_srch_all_error(s, ci)) continue;
            for (a = 0; a < g->naxes && !nok; a++) {
                int dir;
                if (g->ax[a].tied_to >= 0) continue;
                for (dir = -1; dir <= 1; dir += 2) {
                    size_t nb = bti_srch_step(s, ci, a, dir);
                    if (nb == SIZE_MAX || s->use[nb] != 1) continue;
                    for (k = 0; k < s->nw; k++) if (bti_sc_at(s, nb, k)->status == BT_CELL_OK) nok = 1;
                }
            }
            if (!nok) src[ci] = 2;
        }
        for (changed = 1; changed;) for (changed = 0, ci = 0; ci < s->ncells; ci++) {
            if (!src[ci]) continue;
            for (a = 0; a < g->naxes; a++) {
                int dir;
                if (g->ax[a].tied_to >= 0) continue;
                for (dir = -1; dir <= 1; dir += 2) {
                    size_t nb = bti_srch_step(s, ci, a, dir);
                    int failed = 0, seen = 1;
                    if (nb == SIZE_MAX || s->use[nb] != 1 || src[nb]) continue;
                    for (k = 0; k < s->nw; k++) {
                        int stt = bti_sc_at(s, nb, k)->status;
                        if (stt < 0) seen = 0;
                        else if (stt != BT_CELL_OK && !s->out[nb]) failed = 1;
                    }
                    if (seen && failed) { src[nb] = 2; changed = 1; }
                }
            }
        }
        for (ci = 0; ci < s->ncells; ci++) {
            if (!src[ci]) continue;
            for (a = 0; a < g->naxes; a++) {
                int dir;
                if (g->ax[a].tied_to >= 0) continue;
                for (dir = -1; dir <= 1; dir += 2) {
                    size_t nb = bti_srch_step(s, ci, a, dir);
                    if (nb == SIZE_MAX || s->use[nb] != 1 || cand[nb]) continue;
                    for (k = 0; k < s->nw; k++) if (bti_sc_at(s, nb, k)->status < 0) break;
                    if (k == s->nw) continue; /* all its workloads visited or marked */
                    cand[nb] = 1; ncand++;
                }
            }
        }
        /* a cell behind a ring of failures: an unvisited cell two or more of whose axis
           neighbours were visited and rejected with an error (every workload BT_CELL_ERROR),
           and none measured, is a candidate too. What the failures hide is unknown, not "no
           neighbour within the margin": a hand-tuned configuration is often the one cell that
           runs among rejected ones (final20 island best at 3 %: the walk reached 16x6 and 32x5,
           two of the four failed cells around the best, 32x6, from cells the race had dropped,
           so neither was a source, and one seed of five ended with 32x6 "not explored"). Two
           failed neighbours, not one: beside a failed wall or a failed block's straight edge a
           cell has one, and screening the far flank of every wall cost the cap before
           (final18 failed wall, the nineteenth round); an inside corner or a ring has two */
        for (ci = 0; ci < s->ncells; ci++) {
            int nerr = 0, nok = 0;
            if (cand[ci] || s->use[ci] != 1) continue;
            for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->status >= 0) break;
            if (k < s->nw) continue;
            for (a = 0; a < g->naxes; a++) {
                int dir;
                if (g->ax[a].tied_to >= 0) continue;
                for (dir = -1; dir <= 1; dir += 2) {
                    size_t nb = bti_srch_step(s, ci, a, dir);
                    if (nb == SIZE_MAX || s->use[nb] != 1) continue;
                    if (bti_srch_all_error(s, nb)) nerr++;
                    else for (k = 0; k < s->nw; k++) if (bti_sc_at(s, nb, k)->status == BT_CELL_OK) nok++;
                }
            }
            if (nerr >= 2 && !nok) { cand[ci] = 1; ncand++; }
        }
        /* an unordered axis of more than two values (text: kernels, tactics, tile shapes
           written WxH): the walk's neighbours along it are the next and previous names in the
           file, which mean nothing, so a value seen fast at other values of the ordered axes
           was tried at the leader's only if it happened to sit next to a promising cell in the
           file. The walk also screens the leader's cell with another value of the axis
           substituted where that value's effect over the leader's value, pooled over every
           pair of measured cells that differ only on the axis (bti_srch_unord_guess: an
           additive model's difference of main effects, no order needed), puts it within the
           margin of the leader; the most promising first (bti_srch_extrap reads the same
           guess). A value never measured beside another keeps only the file's neighbours, as
           before. No number inside a name is read: ordering by one is wrong where the numbers
           carry no order (tactic_17), and a name with two (64x32) has no single order. final20
           24 tactics at 3 %: one seed picked tactic_17 at batch 128 (2 % off), now every pick
           within the goal; tile shapes at 1 %: 64x32 batch=64 screened on every seed (two
           never reached it before), one seed of five picks it (the rest read it tied with
           32x32 on three samples when the cap ends the round). Costs at 0 up on the text-axis
           rows (24 tactics 0.137 -> 0.156, twelve kernels 0.141 -> 0.155, two unordered axes
           0.181 -> 0.190); test_unordered_value_effect: 192 -> 212 of 240 runs */
        if (leader >= 0) {
            const uint32_t *lv = bti_srch_cvi(s, (size_t)leader);
            for (a = 0; lv && a < g->naxes; a++) {
                size_t sa;
                uint32_t w;
                if (g->ax[a].tied_to >= 0 || g->ax[a].type != BT_AXIS_STR || g->ax[a].n <= 2) continue;
                sa = bti_grid_stride(g, a);
                for (w = 0; w < g->ax[a].n; w++) {
                    size_t q = (size_t)leader - (size_t)lv[a] * sa + (size_t)w * sa;
                    if (w == lv[a] || q >= s->ncells || s->use[q] != 1 || cand[q]) continue;
                    for (k = 0; k < s->nw; k++) if (bti_sc_at(s, q, k)->status < 0) break;
                    if (k == s->nw) continue;
                    if (bti_srch_unord_guess(s, q, a) < s->margin) { cand[q] = 1; ncand++; }
                }
            }
        }
        /* the candidates a round ended at a new leader beyond the noise left unscreened (below)
           are screened once the walk has no other candidate, before its diagonal and skip-one
           steps; only those that differ from the old leader on an unordered axis (final17 two
           unordered axes only at 1 %: along an unordered axis, whose order is the list's, the
           old leader's ring is no neighbour of the new one, and was never screened; along an
           ordered axis the walk goes on from the new leader, and every leftover carried drew it
           into a far basin: final2 three basins at 1 %, 3.8 % off) */
        for (ci = 0; ncand == 0 && ci < s->ncells; ci++) {
            if (!left[ci]) continue;
            left[ci] = 0;
            if (cand[ci] || s->use[ci] != 1) continue;
            for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->status < 0) break;
            if (k == s->nw) continue;
            cand[ci] = 1; ncand++;
        }
        /* a far basin (the late space-filling screen stopped at its first cell, bti_srch_basin):
           that cell's unvisited axis neighbours are this round's only candidates, before the
           plateau rule's classes (the box of the promising cells does not hold the basin, and
           its classes spent the screens on the leader's side); a neighbour below the leader
           becomes the leader and is walked around like any other, and the screen resumes once
           the walk has converged again */
        if (s->basin != SIZE_MAX) {
            size_t bn = s->basin, nbn = 0;
            int dir;
            s->basin = SIZE_MAX;
            resume = 1;
            for (a = 0; a < g->naxes; a++) {
                if (g->ax[a].tied_to >= 0) continue;
                for (dir = -1; dir <= 1; dir += 2) {
                    size_t nb = bti_srch_step(s, bn, a, dir);
                    if (nb == SIZE_MAX || s->use[nb] != 1) continue;
                    for (k = 0; k < s->nw; k++) if (bti_sc_at(s, nb, k)->status < 0) break;
                    if (k == s->nw) continue;
                    if (!nbn) { memset(cand, 0, s->ncells); ncand = 0; }
                    if (!cand[nb]) { cand[nb] = 1; ncand++; nbn++; }
                }
            }
            basinr = nbn > 0;
        }
        /* a plateau's boundary before its interior: under low noise (pooled spread below
           BTI_PLAT_NOISE of the margin, one workload), where the promising cells span a box of
           near-ties, their interior cells are interchangeable, while an effect that sets in at a
           threshold along an axis shows first at the plateau's extremes (final4 wide flat top:
           30 cells within 0.2 %, the better one at the plateau's corner; the walk filled the
           interior in grid order and the cap ended it one batch value short). The candidates
           are taken in classes, only the first class present screened this round: those
           outside the box of the promising cells (the plateau grows), then, once it has stopped
           growing, the box's corners (every ordered axis at either end of its span, the other
           axes at the leader's values; four axes at most), then the candidates on the box's
           faces (at either end of some axis' span), then the rest. Only where BTI_PLAT_MIN
           cells at least are promising (a plateau, not a single leader). Rows met 481 -> 482
           of 503 at 5 seeds (the wide flat top at 0: 128x7 on every seed; none lost, every
           noisy row unchanged), the same row gained at 20 seeds. Tried: the gate at half the
           margin (the same rows, but the rare x2 outliers at 0, 0.5 % recorded noise, spent
           more: cost max 0.218 -> 0.235 at 20 seeds) */
        if (ncand && !basinr && leader >= 0 && s->nw == 1 && s->pool < BTI_PLAT_NOISE * s->margin) {
            uint32_t blo[BT_MAX_AXES], bhi[BT_MAX_AXES];
            size_t nprom = 0;
            int ord[BT_MAX_AXES], nord = 0, cls, mincls = 4;
            const uint32_t *lv = bti_srch_cvi(s, (size_t)leader);
            for (a = g->naxes - 1; a >= 0; a--) {
                if (g->ax[a].tied_to < 0 && g->ax[a].type != BT_AXIS_STR && g->ax[a].n > 1) ord[nord++] = a;
                blo[a] = UINT32_MAX; bhi[a] = 0;
            }
            for (ci = 0; lv && ci < s->ncells; ci++) {
                const uint32_t *v;
                int j;
                if (src[ci] != 1 || !s->elig[ci] || !(v = bti_srch_cvi(s, ci))) continue;
                nprom++;
                for (j = 0; j < nord; j++) {
                    a = ord[j];
                    if (v[a] < blo[a]) blo[a] = v[a];
                    if (v[a] > bhi[a]) bhi[a] = v[a];
                }
            }
            /* a leader that stands out of the plateau (most promising cells above it by more
               than BTI_PLAT_LEAD of the margin): a dip has begun there, and its unvisited axis
               neighbours are screened before any class of the box (final13 small dip in a
               plateau at 0: the leader, one of the dip's 1 % cells, was found on the box's face
               and the cap ended the face's screens one short of its interior neighbour, the
               best). So too for a leader new since the last round's screens where the box is
               no plateau (more cells measured inside it that are not promising than promising
               ones: a curved valley of near-ties, a ring): the walk is going along the valley,
               whose floor continues next to the new leader, while the box's outside is mostly
               the valley's slopes (final17 crater at 0: the walk reached the ring's lower
               stretch, 1.3 % off, and the cap ended it on the box's outside, two screens short
               of the best). On a true plateau the gate keeps the classes below: new leaders
               along a gentle tilt drew the screens off the box's faces (final13 small dip at 0
               lost without it) */
            if (lv && nord && nprom >= BTI_PLAT_MIN) {
                size_t nabove = 0, nlead = 0, nout = 0;
                const uint32_t *cv;
                plat = 1;
                for (ci = 0; ci < s->ncells; ci++) {
                    if (src[ci] == 1 && s->elig[ci] && s->score[ci] > BTI_PLAT_LEAD * s->margin) nabove++;
                    if (src[ci] != 1 && bti_sc_at(s, ci, 0)->status >= 0 && (cv = bti_srch_cvi(s, ci)) != NULL && bti_srch_box_class(cv, ord, nord, blo, bhi) > 0) nout++;
                }
                if (2 * nabove > nprom || (leader != plead && nout > nprom)) {
                    for (a = 0; a < g->naxes; a++) {
                        int dir;
                        if (g->ax[a].tied_to >= 0) continue;
                        for (dir = -1; dir <= 1; dir += 2) {
                            size_t nb = bti_srch_step(s, (size_t)leader, a, dir);
                            if (nb != SIZE_MAX && cand[nb] == 1) { cand[nb] = 3; nlead++; }
                        }
                    }
                    for (ci = 0; nlead && ci < s->ncells; ci++)
                        if (cand[ci] == 1) { cand[ci] = 0; ncand--; }
                    for (ci = 0; ci < s->ncells; ci++)
                        if (cand[ci] == 3) cand[ci] = 1;
                    if (nlead) nprom = 0; /* skips the classes below */
                }
            }
            if (lv && nord && nprom >= BTI_PLAT_MIN) {
                for (ci = 0; ci < s->ncells; ci++)
                    if (cand[ci] && (cls = bti_srch_box_class(bti_srch_cvi(s, ci), ord, nord, blo, bhi)) < mincls) mincls = cls;
                /* stopped growing: the box's corners, unvisited and usable */
                if (mincls > 0 && nord <= 4) {
                    int m, j;
                    for (m = 0; m < (1 << nord); m++) {
                        size_t cc = (size_t)leader;
                        for (j = 0; j < nord; j++) {
                            size_t sa;
                            uint32_t t;
                            a = ord[j];
                            t = (m >> j & 1) ? bhi[a] : blo[a];
                            sa = bti_grid_stride(g, a);
                            cc = cc - (size_t)lv[a] * sa + (size_t)t * sa;
                        }
                        if (cc >= s->ncells || s->use[cc] != 1 || cand[cc] == 2) continue;
                        for (k = 0; k < s->nw; k++) if (bti_sc_at(s, cc, k)->status < 0) break;
                        if (k == s->nw) continue;
                        if (!cand[cc]) ncand++;
                        cand[cc] = 2; /* marks a corner */
                        mincls = 1;
                    }
                }
                /* keep the first class only */
                for (ci = 0; ci < s->ncells; ci++) {
                    if (!cand[ci]) continue;
                    if (cand[ci] == 2) { cand[ci] = 1; cls = 1; }
                    else cls = bti_srch_box_class(bti_srch_cvi(s, ci), ord, nord, blo, bhi);
                    if (cls != mincls) { cand[ci] = 0; ncand--; }
                }
            }
        }
        /* the walk has converged on the axes: screen the leader's unvisited diagonal neighbours
           (one step along each of two axes) too, so that a ridge running across the axes is
           followed (its best a knight's move off, its axis neighbours worse); a promising one
           is walked around like any other */
        if (!ncand && leader >= 0) {
            int b2, da, db;
            ci = (size_t)leader;
            for (a = 0; a < g->naxes; a++) for (b2 = a + 1; b2 < g->naxes; b2++) {
                if (g->ax[a].tied_to >= 0 || g->ax[b2].tied_to >= 0) continue;
                for (da = -1; da <= 1; da += 2) for (db = -1; db <= 1; db += 2) {
                    size_t n1 = bti_srch_step(s, ci, a, da), nb = n1 == SIZE_MAX ? SIZE_MAX : bti_srch_step(s, n1, b2, db);
                    if (nb == SIZE_MAX || s->use[nb] != 1 || cand[nb]) continue;
                    for (k = 0; k < s->nw; k++) if (bti_sc_at(s, nb, k)->status < 0) break;
                    if (k == s->nw) continue;
                    cand[nb] = 1; ncand++;
                }
            }
        }
        /* converged on the diagonals too: screen the cells two steps from the leader along each
           ordered axis (skip-one), unvisited and not pruned above an OOM for every workload, so
           that a saw-tooth axis (tile alignment: every other batch size faster) is followed past
           the slower cell between two fast ones (final7 saw-tooth at 0 %: the walk stopped at
           batch 256, 2.67 % off, the best 320 two steps along); a promising one is walked around
           like any other. Only in the walk's first phase (before the lattice or space-filling
           screen): probing from every later leader, which noise moves among near-ties, cost the
           cap on noisy rows (20 seeds: seen sets 202 -> 200 rows met; now 201) */
        if (!ncand && leader >= 0 && !completed) {
            int dir;
            bt_cell c;
            ci = (size_t)leader;
            for (a = 0; a < g->naxes; a++) {
                if (g->ax[a].tied_to >= 0 || g->ax[a].type == BT_AXIS_STR) continue;
                for (dir = -1; dir <= 1; dir += 2) {
                    size_t n1 = bti_srch_step(s, ci, a, dir), nb = n1 == SIZE_MAX ? SIZE_MAX : bti_srch_step(s, n1, a, dir);
                    if (nb == SIZE_MAX || s->use[nb] != 1 || cand[nb]) continue;
                    for (k = 0; k < s->nw; k++) if (bti_sc_at(s, nb, k)->status < 0) break;
                    if (k == s->nw) continue;
                    bt_grid_cell(g, nb, &c);
                    for (k = 0; k < s->nw; k++) if (!bti_is_pruned(s->sw, k, &c, NULL, 0)) break;
                    if (k == s->nw) continue; /* every workload out of memory there */
                    cand[nb] = 1; ncand++;
                }
            }
        }
        plead = leader; /* the leader these screens are built around (the plateau rule's new leader) */
        if (ncand) {
            /* one at a time, the most promising first (bti_srch_extrap, read afresh after each
               screen; ties in grid order): where the cap ends the round, the cells it screened
               are those a line through two measured cells points at. The replay's samples are
               keyed by cell, so an order alone changes no sample. In the walk's second phase
               a screen starts only where the room it leaves under the cap (the leader's screen
               cost taken as its price) holds the reserve for confirming the leader
               (bti_srch_reserve); where none fits, the round refines instead */
            int nscr = 0, held = 0;
            for (;;) {
                size_t pick = SIZE_MAX;
                double pv = 0;
                if (st != BT_OK || bti_srch_over_budget(s)) break;
                if (completed && leader >= 0 && s->budget < 1 && s->est_ex > 0) {
                    double vc = 0;
                    for (k = 0; k < s->nw; k++) {
                        bti_sc *sl = bti_sc_at(s, (size_t)leader, k);
                        if (sl->n > 0) vc += bti_sc_setup(sl) + s->n0 * sl->tsum / sl->n;
                    }
                    if (s->budget * s->est_ex - s->cost - vc < bti_srch_reserve(s, (size_t)leader)) { held = 1; break; }
                }
                for (ci = 0; ci < s->ncells; ci++) {
                    double v;
                    if (!cand[ci]) continue;
                    v = bti_srch_extrap(s, ci);
                    if (pick == SIZE_MAX || v < pv) { pick = ci; pv = v; }
                }
                if (pick == SIZE_MAX) break;
                cand[pick] = 0;
                st = bti_srch_screen(s, pick);
                nscr++;
                /* on a plateau (the rule above applied this round), a screen that beats the
                   leader by more than BTI_PLAT_LEAD of the margin ends the round: the next one
                   is built around it (a dip's first cell, whose neighbours that rule then
                   screens first). Not in the walk's ordinary rounds: ending one early there
                   drops the rest of the start cell's ring (final2 three basins at 0: the walk
                   followed a far cell into a basin 3.8 % off) */
                if (plat && st == BT_OK) {
                    bti_sc *sp = bti_sc_at(s, pick, 0);
                    if (sp->status == BT_CELL_OK && bti_sc_median(sp) < s->med[leader] * (1 - BTI_PLAT_LEAD * s->margin)) break;
                }
                /* one-sample cells (s->warmq): the same for a screen that beats the leader in any
                   round by BTI_PLAT_LEAD of the margin. Each screen there costs a whole
                   exhaustive visit, so the rest of the old leader's ring costs as much as the
                   walk's next steps from the new one (final22 minutes per cell: the cap ended
                   the walk two screens short of the best, 256x7, at 0 and 1 %). Under noise too:
                   this asked for the bound of the difference of two one-sample cells at the
                   warm-up pairs' spread as well (some 15 % at 3 % noise), so it never fired
                   there, and the round went on through the old ring's slow side (batch 32) while
                   the new leader's neighbours waited for the next round, which the cap did not
                   pay for (minutes per cell at 3 %, seeds 1, 2, 4: 128x6 picked, 5.97 % off,
                   256x6 and 128x7 never screened). A lucky reading that ends a round costs the
                   rest of that round's ring, which the next round rebuilds around it with the
                   old sources still in it. With the level guesses of bti_srch_extrap, 5 seeds:
                   minutes per cell at 3 % 3.70 -> 0.50 % mean (met), 5 % 6.30 -> 2.52 %, 10 %
                   12.76 -> 5.33 %; either change alone leaves 3 % missed (2.01 / 3.15 %) */
                if (!plat && s->warmq && st == BT_OK) {
                    bti_sc *sp = bti_sc_at(s, pick, 0);
                    if (sp->status == BT_CELL_OK && sp->n == 1 && bti_sc_median(sp) < s->med[leader] * (1 - BTI_PLAT_LEAD * s->margin)) break;
                }
                /* under noise (farse: the leader on three samples at least, not quiet, one
                   workload), a screen that beats the leader by more than the margin plus
                   BTI_FAR_SE of the leader's standard errors of the difference ends the round
                   too: it is a new leader beyond the noise, and the rest of this round's
                   candidates were drawn around the old one, while the new leader's own
                   neighbours are not among them (final20 precision x layout x batch at 1 %,
                   seed 3: fp16 nhwc 256 beat the leader fp16 nchw 256 by 7.7 %, the round went
                   on through bf16 nchw 128-512 and fp32 cells, and the cap ended the walk before
                   bf16 nhwc 256, the best, next to the new leader: 1.67 % off). Three samples at
                   least on the new cell (a screen cut at two is behind, not ahead). At noise 0
                   the leader is quiet and this never fires (the three basins rule above) */
                if (!plat && farse > 0 && st == BT_OK) {
                    bti_sc *sp = bti_sc_at(s, pick, 0);
                    if (sp->status == BT_CELL_OK && sp->n >= 3 && bti_sc_median(sp) < s->med[leader] * (1 - s->margin - farse)) {
                        const uint32_t *lv0 = bti_srch_cvi(s, (size_t)leader), *cv0;
                        for (ci = 0; lv0 && ci < s->ncells; ci++) {
                            if (!cand[ci] || !(cv0 = bti_srch_cvi(s, ci))) continue;
                            for (a = 0; a < g->naxes; a++) if (g->ax[a].type == BT_AXIS_STR && g->ax[a].tied_to < 0 && cv0[a] != lv0[a]) break;
                            if (a < g->naxes) left[ci] = 1;
                        }
                        break;
                    }
                }
            }
            if (nscr || !held) continue;
        }
        /* the local search has converged. When a cheap visit costs a small fraction of a full
           one (noisy or short samples), screen a coarse lattice of the cells left (every other
           value of each axis, and each axis' ends), so that a far-away optimum is found and
           then explored around; with a strong leader known, bad cells stop after two samples */
        if (!completed && leader >= 0) {
            completed = 1;
            if (bti_srch_global_affordable(s, (size_t)leader, best)) {
                latt = 1;
                for (ci = 0; ci < s->ncells && st == BT_OK; ci++) {
                    bt_cell c;
                    int coarse = 1;
                    bt_grid_cell(g, ci, &c);
                    for (a = 0; a < g->naxes; a++)
                        if (bti_srch_off_lattice(g, a, &c)) coarse = 0;
                    for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->status < 0) break;
                    if (coarse && s->use[ci] == 1 && k < s->nw) {
                        if (bti_srch_over_budget(s)) break;
                        st = bti_srch_screen(s, ci);
                        bti_srch_eval(s, best);
                    }
                }
                continue;
            }
            st = bti_srch_spread(s, (size_t)leader, best, 0, 0.25, 1);
            continue;
        }
        /* converged again after a far basin's neighbours (below): the late screen goes on (a
           basin's first cell on a valley's floor is no basin: final3 rough ridge at 0 lost its
           far cells to it and picked 1.4 % off) */
        if (resume && leader >= 0) {
            resume = 0;
            st = bti_srch_spread(s, (size_t)leader, best, 0, 0.25, 1);
            continue;
        }
        /* converged after the late screen with most of the cap unspent: the far descent
           (bti_srch_descend), once; a round follows only where it screened something */
        if (completed && !s->desc_done && leader >= 0) {
            double c0 = s->cost;
            st = bti_srch_descend(s, (size_t)leader, best);
            if (s->cost > c0 || st != BT_OK) continue;
        }
        /* then the unmeasured values of an unordered axis (bti_srch_value_screen), once */
        if (completed && !s->vscr_done && leader >= 0) {
            double c0 = s->cost;
            st = bti_srch_value_screen(s, (size_t)leader, best);
            if (s->cost > c0 || st != BT_OK) continue;
        }
        /* under noise, the late screen's lattice at the values of an unordered axis it skipped
           (bti_srch_lattice_rest), once; a round follows only where it screened something */
        if (completed && latt < 2 && leader >= 0) {
            double c0 = s->cost;
            int all = latt == 0;
            latt = 2;
            st = bti_srch_lattice_rest(s, best, all);
            if (s->cost > c0 || st != BT_OK) continue;
        }
        if (leader < 0) break; /* nothing fits or runs */
        /* survivors */
        for (ci = 0; ci < s->ncells; ci++) {
            if (!s->elig[ci]) continue;
            order[2 * nsurv] = s->score[ci]; order[2 * nsurv + 1] = (double)ci;
            nsurv++;
            for (k = 0; k < s->nw; k++) if (!bti_sc_at(s, ci, k)->done) alldone = 0;
        }
        /* the interval decides: one survivor left, or every survivor measured to the stop rule */
        if (alldone || nsurv == 1) break;
        /* endgame: once three quarters of the cost cap are spent, the rest goes to the few
           cells the pick will be chosen from (at the cap the pick is the best estimate anyway):
           the best three by estimate, and every further survivor within one standard error of
           the difference from the leader (on many near-ties the true best is often ranked
           4th-22nd). The refinement below samples only the leader and its strongest challenger,
           so a wide set kept costs nothing by itself (the sixth round's rule also cut the set to
           what the room left could double twice: under the challenger rule it dropped the true
           best at 75-97 % of the cap on four seen rows) */
        if (nsurv > 3 && s->budget < 1 && s->est_ex > 0 && s->cost >= 0.75 * s->budget * s->est_ex) {
            int r, keepn;
            qsort(order, (size_t)nsurv, 2 * sizeof(double), bti_srch_cmp_score);
            for (keepn = 3; keepn < nsurv; keepn++)
                if (bti_srch_gap_at(s, (size_t)order[2 * keepn + 1], (size_t)leader, best, 1.0 / s->z) > 0) break;
            if (keepn < nsurv) {
                /* under noise (farse set: one workload, the leader not quiet), one cell an
                   endgame pass that an unordered axis' pooled value effect puts ahead of the
                   leader (bti_srch_unord_second) gets n0 more samples and stays for this pass;
                   the next pass judges it on its 2 n0 samples as any other cell. Only on grids
                   with such an axis: every other row is unchanged */
                size_t resc = farse > 0 ? bti_srch_unord_second(s, order, keepn, nsurv, (size_t)leader) : SIZE_MAX;
                for (k = 0; resc != SIZE_MAX && k < s->nw && st == BT_OK; k++) st = bti_srch_visit(s, resc, k, s->n0);
                for (r = keepn; r < nsurv && st == BT_OK; r++) {
                    size_t c2 = (size_t)order[2 * r + 1];
                    if (c2 == resc) continue;
                    bti_fmt(why, sizeof why, "endgame: %.0f %% of the cost cap spent; mean regret estimate %.3g %% ranks %d of %d survivors (kept the best %d: three, and those within a standard error of the leader)",
                            100 * s->cost / (s->budget * s->est_ex), 100 * s->score[c2], r + 1, nsurv, keepn);
                    st = bti_srch_drop(s, c2, why);
                }
                continue;
            }
        }
        /* successive halving: once every survivor has the stop rule's minimum of samples (and
           four screens' worth), keep the better half by estimate while more than `keep` survive */
        if (nsurv > s->keep && !halved) {
            int ready = 1, r, keepn = (nsurv + 1) / 2;
            if (keepn < s->keep) keepn = s->keep;
            for (r = 0; r < nsurv && ready; r++)
                for (k = 0; k < s->nw; k++) {
                    /* a cell whose last visit was cut short (already behind) is as ready as it gets */
                    const bti_sc *sk = bti_sc_at(s, (size_t)order[2 * r + 1], k);
                    if (sk->n < (min_samples > 2 * s->n0 ? min_samples : 2 * s->n0) && !sk->cut && !sk->done) ready = 0;
                }
            if (ready) {
                qsort(order, (size_t)nsurv, 2 * sizeof(double), bti_srch_cmp_score);
                for (r = keepn; r < nsurv && st == BT_OK; r++) {
                    size_t c2 = (size_t)order[2 * r + 1];
                    /* only a cell at least one standard error behind the leader: on a few noisy
                       samples the true best can rank in the worse half by its estimate */
                    if (!(bti_srch_gap_at(s, c2, (size_t)leader, best, 1.0 / s->z) > 0)) continue;
                    bti_fmt(why, sizeof why, "halving: mean regret estimate %.3g %% ranks %d of %d survivors (kept the best %d and any within a standard error of the leader)",
                            100 * s->score[c2], r + 1, nsurv, keepn);
                    st = bti_srch_drop(s, c2, why);
                }
                halved = 1; /* the next halving waits for the survivors' next refinement */
                continue;
            }
        }
        /* refine (best-arm identification, LUCB-like): with more than two survivors, double the
           samples (at least to the stop rule's minimum) of the leader's strongest challenger:
           the survivor, not yet measured to the stop rule, with the lowest lower bound of its
           difference from the leader (the one most likely to be better, or the least known); and
           of the leader too when it has no more samples than that challenger. A lucky leader on
           few samples is exposed by its own next samples; a cell far behind on many samples
           costs nothing more. Doubling every survivor spent the cap on the many cells of a
           plateau or near-tie at 5-10 % noise (47 survivors doubled from 6 to 12 samples ate 80 %
           of it, and the pick was the best estimate on 6 samples each) */
        halved = 0;
        memset(cand, 0, s->ncells);
        if (nsurv > 2) {
            size_t bc = SIZE_MAX;
            double bg = 0;
            int r;
            for (r = 0; r < nsurv; r++) {
                size_t c2 = (size_t)order[2 * r + 1];
                double gg;
                if ((int)c2 == leader) continue;
                for (k = 0; k < s->nw; k++) if (!bti_sc_at(s, c2, k)->done) break;
                if (k == s->nw) continue;
                gg = bti_srch_gap_lb(s, c2, (size_t)leader, best);
                if (bc == SIZE_MAX || gg < bg) { bc = c2; bg = gg; }
            }
            if (bc != SIZE_MAX) cand[bc] = 1;
            for (k = 0; k < s->nw; k++) if (!bti_sc_at(s, (size_t)leader, k)->done) break;
            if (k < s->nw && (bc == SIZE_MAX || bti_sc_at(s, (size_t)leader, 0)->n <= bti_sc_at(s, bc, 0)->n)) cand[leader] = 1;
        } else for (ci = 0; ci < s->ncells; ci++) cand[ci] = s->elig[ci];
        /* the cells to refine, the one with the fewest samples first: where the room left under
           the cap cannot pay every doubling, it is the least-known cell that is measured, and the
           clipping falls on the well-measured one. In grid order, a challenger on 24 samples was
           doubled first and the leader on 6, its estimate 5 % too good, got one more sample before
           the cap made it the pick (final8 small grid at 5 %, one seed in five, 5 % off). The
           replay's samples are keyed by cell and draw, so an order alone changes no sample */
        for (;;) {
            size_t fewest = SIZE_MAX;
            int fn = 0, nleft = 0;
            if (st != BT_OK || bti_srch_over_budget(s)) break;
            for (ci = 0; ci < s->ncells; ci++) {
                int n = 0;
                if (!s->elig[ci] || !cand[ci]) continue;
                nleft++;
                for (k = 0; k < s->nw; k++) n += bti_sc_at(s, ci, k)->n;
                if (fewest == SIZE_MAX || n < fn) { fewest = ci; fn = n; }
            }
            if (fewest == SIZE_MAX) break;
            ci = fewest;
            cand[ci] = 0;
            /* several workloads: the costliest one (by the cell's own sample times) not yet
               measured to the stop rule sets the round's samples, and a cheaper one gets
               t_max / t_w times as many (the same measuring time; above bti_srch_wl_scale) */
            for (tmax = 0, nref = 0, k = 0; s->nw > 1 && k < s->nw; k++) {
                bti_sc *sc = bti_sc_at(s, ci, k);
                int m = sc->n < min_samples - sc->n ? min_samples - sc->n : sc->n;
                if (!sc->done && sc->n > 0 && sc->tsum > 0 && sc->tsum / sc->n > tmax) { tmax = sc->tsum / sc->n; nref = sc->n + m; }
            }
            for (k = 0; k < s->nw && st == BT_OK; k++) {
                bti_sc *sc = bti_sc_at(s, ci, k);
                int more = sc->n;
                if (sc->done) continue;
                if (sc->n + more < min_samples) more = min_samples - sc->n;
                if (tmax > 0 && sc->n > 0 && sc->tsum > 0) {
                    double want = nref * (tmax / (sc->tsum / sc->n)) - sc->n;
                    if (want > more) more = want < BTI_NW_MAX ? (int)want : BTI_NW_MAX;
                }
                if (s->budget < 1 && s->est_ex > 0 && sc->n > 0 && sc->tsum > 0) {
                    /* no more samples than the cap has left room for (its overshoot was one
                       doubling of a cell: up to 0.04 of the exhaustive cost), that room shared
                       evenly by the cells of the round not yet measured: where it cannot pay
                       every doubling, the round's last cell got one sample, and a leader and
                       challenger tied on 24 samples each left the pick to the first one's
                       doubling (final3 near-tie at 10 %: mean regret 2.78 -> 0.95 %; 20 seeds:
                       rows met 254 -> 256 of 293, none lost) */
                    double t = sc->tsum / sc->n;
                    double fit = ((s->budget * s->est_ex - s->cost) / nleft - bti_sc_setup(sc)) / t;
                    if (fit < more) more = fit >= 1 ? (int)fit : 1;
                }
                st = bti_srch_visit(s, ci, k, more > 0 ? more : 1);
            }
        }
    }
    /* what was never visited, with its reason */
    for (ci = 0; ci < s->ncells && st == BT_OK; ci++) {
        bt_cell c;
        if (!s->use[ci]) continue;
        bt_grid_cell(g, ci, &c);
        for (k = 0; k < s->nw && st == BT_OK; k++) {
            if (bti_sc_at(s, ci, k)->status >= 0) continue;
            if (s->use[ci] == 2) {
                if (bt_grid_feasible(g, &c, why, sizeof why) || !why[0]) bti_fmt(why, sizeof why, "not in the recorded file");
                st = bti_srch_mark(s, ci, k, BT_CELL_INFEASIBLE, why);
            } else if (bti_is_pruned(s->sw, k, &c, why, sizeof why)) st = bti_srch_mark(s, ci, k, BT_CELL_PRUNED, why);
            else if (bti_srch_budget_spent(s)) {
                bti_fmt(why, sizeof why, "time budget of %g s spent", s->sw->d.time_budget_s);
                st = bti_srch_mark(s, ci, k, BT_CELL_NOT_RUN, why);
            } else if (s->capped) {
                bti_fmt(why, sizeof why, "adaptive: not explored: the search spent its budget (%g %% of the exhaustive cost, estimated at %.4g s)",
                        100 * s->budget, s->est_ex);
                st = bti_srch_mark(s, ci, k, BT_CELL_PRUNED, why);
            } else
                st = bti_srch_mark(s, ci, k, BT_CELL_PRUNED, "adaptive: not explored: no neighbour within the racing margin of the leader");
        }
    }
    if (st == BT_OK) bti_srch_eval(s, best); /* s->leader: the strategy's pick */
    if (st == BT_OK && s->leader >= 0) st = bti_srch_tied_pick(s, best); /* near-ties: the local model decides */
    bti_free(best); bti_free(order); bti_free(cand); bti_free(src); bti_free(lined); bti_free(vfr); bti_free(left);
    return st;
}

/* --- live backend: runs the workload's callbacks (bt_sweep_run with BT_STRATEGY_ADAPTIVE) --- */
static bt_cell_status bti_visit_live(bti_srch *s, const bt_cell *c, int wl, int max_new, char *reason, size_t rlen) {
    bti_sweep *sw = s->sw;
    const bt_workload *w = &sw->w[wl];
    const bt_stop_rule *rule = &sw->stop;
    bti_sc *sc = bti_sc_at(s, c->index, wl);
    int ns = sw->r->nscols, i, taken = 0, dd;
    double *row = (double *)bti_malloc((size_t)ns * sizeof(double)), twarm = 0;
    bt_sample smp;
    bt_status st = BT_OK;
    bt_cell_status cst = BT_CELL_OK;
    uint64_t tv = bt_now_ns();
    reason[0] = 0;
    if (!row) { bti_fmt(reason, rlen, "host out of memory"); return BT_CELL_ERROR; }
    memset(&smp, 0, sizeof smp);
    bti_sample_reset(&smp, -1);
    sc->done = 0;
    sc->cut = 0;
    if (w->setup) st = w->setup(c, w->user, &smp);
    for (i = 0; st == BT_OK && i < rule->warmup; i++) {
        uint64_t t0 = bt_now_ns();
        double dt;
        bti_sample_reset(&smp, -1 - i);
        st = w->run(c, w->user, &smp);
        if (st == BT_OK && w->sync) st = w->sync(w->user, &smp);
        dt = (double)(bt_now_ns() - t0) * 1e-9;
        if (st == BT_OK && (i == 0 || dt < twarm)) twarm = dt;
    }
    /* the warm-up cut (bti_srch_warm_cut): the fastest warm-up run kept as the one sample */
    if (st == BT_OK && rule->warmup > 0) {
        if (max_new > 0 && bti_srch_warm_cut(s, sc, c->index, wl, twarm)) {
            int k;
            for (k = 0; k < ns; k++) row[k] = NAN;
            row[BTI_S_E2E] = twarm;
            if (bti_sc_push(s, sc, row) != BT_OK) st = BT_E_NOMEM;
            sc->cut = 2;
        }
        sc->warm = twarm;
    }
    while (st == BT_OK && !sc->done && !sc->cut && (max_new <= 0 || taken < max_new)) {
        uint64_t t0, t1;
        double dt;
        int k;
        bti_sample_reset(&smp, sc->nrow);
        t0 = bt_now_ns();
        st = w->run(c, w->user, &smp);
        if (st == BT_OK && w->sync) st = w->sync(w->user, &smp);
        t1 = bt_now_ns();
        if (st != BT_OK) break;
        dt = (double)(t1 - t0) * 1e-9;
        if (dt > rule->timeout_s) {
            cst = BT_CELL_TIMEOUT;
            bti_fmt(reason, rlen, "sample %d took %.3g s, over the %.3g s limit", sc->nrow, dt, rule->timeout_s);
            break;
        }
        for (k = 0; k < ns; k++) row[k] = NAN;
        row[BTI_S_E2E] = dt;
        if (smp.items > 0) { row[BTI_S_ITEMS] = smp.items; if (bti_time_ok(dt)) { row[BTI_S_IPS] = smp.items / dt; row[BTI_S_SPI] = dt / smp.items; } }
        for (k = 0; k < BT_PHASE_COUNT; k++) if (smp.phase_s[k] >= 0) row[BTI_S_PHASE0 + k] = smp.phase_s[k];
        if (smp.peak_mem_bytes >= 0) row[BTI_S_PEAK] = smp.peak_mem_bytes;
        for (k = 0; k < w->num_metrics && k < BT_MAX_METRICS; k++) row[sw->cmap[wl * BT_MAX_METRICS + k]] = smp.metric[k];
        if (bti_sc_push(s, sc, row) != BT_OK) { st = BT_E_NOMEM; break; }
        taken++;
        bti_sc_check(s, sc);
        if (max_new > 0 && (dd = bti_srch_decided(s, sc, c->index, wl)) != 0) { sc->cut = dd == 1; break; }
    }
    if (st != BT_OK) {
        cst = bti_status_to_cell(st);
        bti_fmt(reason, rlen, "%s", smp.error[0] ? smp.error : bt_status_str(st));
    }
    if (w->teardown) { smp.index = -1; w->teardown(c, w->user, &smp); }
    bti_free(row);
    sc->cost += (double)(bt_now_ns() - tv) * 1e-9;
    return cst;
}
static bt_status bti_sweep_adaptive(bti_sweep *sw, size_t total) {
    bti_srch s;
    bt_status st;
    size_t ci;
    int k;
    if (bti_srch_init(&s, sw, bti_visit_live, NULL) != BT_OK) return BT_E_NOMEM;
    s.live = 1;
    s.pairs_total = total;
    for (ci = 0; ci < s.ncells; ci++) {
        bt_cell c;
        bt_grid_cell(sw->g, ci, &c);
        if (sw->d.shard_n > 1 && bt_grid_shard_of(sw->g, &c, sw->d.shard_n) != sw->d.shard_k) continue;
        s.use[ci] = bt_grid_feasible(sw->g, &c, NULL, 0) ? 1 : 2;
        /* resume: rows on file seed what is known (ok rows with their samples, failures) */
        for (k = 0; k < sw->nw; k++) {
            char txt[BT_MAX_AXES][128];
            const char *axv[BT_MAX_AXES];
            const bt_row *row;
            bti_sc *sc = bti_sc_at(&s, ci, k);
            int j;
            bti_cell_texts(sw->g, &c, txt, axv);
            row = bt_results_find(sw->r, sw->w[k].name, axv);
            if (!row) continue;
            if (row->status == BT_CELL_OOM || row->status == BT_CELL_ERROR || row->status == BT_CELL_TIMEOUT || row->status == BT_CELL_INFEASIBLE) sc->status = (int)row->status;
            else if (row->status == BT_CELL_OK && row->nsample > 0) {
                for (j = 0; j < row->nsample; j++) if (bti_sc_push(&s, sc, row->samp + (size_t)j * (size_t)sw->r->nscols) != BT_OK) break;
                sc->status = BT_CELL_OK;
                sc->visits = 1;
                bti_sc_check(&s, sc);
            }
        }
    }
    s.samples = 0;
    st = bti_srch_adaptive(&s);
    bti_srch_free(&s);
    return st;
}

/* --- find-max: doubling, then bisection, on a list of candidate values --- */
typedef bt_cell_status (*bti_fm_try_fn)(void *ctx, int64_t value, double *peak, char *why, size_t whylen);
typedef struct bti_fm_space { const int64_t *list; size_t n; int64_t lo, step; } bti_fm_space;
static int64_t bti_fm_val(const bti_fm_space *sp, size_t i) { return sp->list ? sp->list[i] : sp->lo + (int64_t)i * sp->step; }
/* linear memory model mem = a + b*value from the fits with memory; 1 when usable */
static int bti_fm_model(const bt_find_max_result *r, double *a, double *b) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0, n = 0, den;
    int i;
    for (i = 0; i < r->ntries; i++) {
        const bt_find_max_try *t = &r->tries[i];
        double x = (double)t->value;
        if (t->predicted == 1 || t->status != BT_CELL_OK || isnan(t->peak_mem_bytes)) continue;
        sx += x; sy += t->peak_mem_bytes; sxx += x * x; sxy += x * t->peak_mem_bytes; n++;
    }
    if (n < 2) return 0;
    den = n * sxx - sx * sx;
    if (fabs(den) < 1e-12 * (sxx + 1)) return 0;
    *b = (n * sxy - sx * sy) / den;
    *a = (sy - *b * sx) / n;
    return *b > 0;
}
/* largest index whose predicted memory is <= cap (SIZE_MAX when none) */
static size_t bti_fm_fit_index(const bti_fm_space *sp, double a, double b, double cap) {
    size_t lo = 0, hi = sp->n, mid;
    if (a + b * (double)bti_fm_val(sp, 0) > cap) return SIZE_MAX;
    while (hi - lo > 1) { /* invariant: lo fits, hi does not (or is the end) */
        mid = lo + (hi - lo) / 2;
        if (a + b * (double)bti_fm_val(sp, mid) <= cap) lo = mid; else hi = mid;
    }
    return lo;
}
static bt_cell_status bti_fm_try(const bti_fm_space *sp, size_t i, double limit, bti_fm_try_fn fn, void *ctx, bt_find_max_result *r, char *why, size_t whylen) {
    bt_find_max_try *t;
    double a, b, peak = NAN;
    bt_cell_status cst;
    int j;
    for (j = 0; j < r->ntries; j++) if (r->tries[j].value == bti_fm_val(sp, i)) return r->tries[j].status;
    if (r->ntries >= BT_FIND_MAX_TRIES) { bti_fmt(why, whylen, "more than %d tries", BT_FIND_MAX_TRIES); return BT_CELL_ERROR; }
    t = &r->tries[r->ntries];
    t->value = bti_fm_val(sp, i);
    t->peak_mem_bytes = NAN;
    if (limit > 0 && bti_fm_model(r, &a, &b) && a + b * (double)t->value > limit * 1.02) {
        t->status = BT_CELL_OOM; t->predicted = 1; t->peak_mem_bytes = a + b * (double)t->value;
        r->ntries++; r->nskipped++;
        return BT_CELL_OOM;
    }
    cst = fn(ctx, t->value, &peak, why, whylen);
    t->status = cst; t->peak_mem_bytes = peak; t->predicted = 0;
    r->ntries++;
    return cst;
}
static bt_status bti_find_max_core(const bti_fm_space *sp, double margin, double limit, bti_fm_try_fn fn, void *ctx, bt_find_max_result *r) {
    size_t ok = SIZE_MAX, bad = sp->n, j;
    double a = 0, b = 0, cap;
    int model, i;
    bt_cell_status cst;
    char why[256] = "";
    /* what is already known (a sweep's rows) bounds the search */
    for (i = 0; i < r->ntries; i++) {
        for (j = 0; j < sp->n && bti_fm_val(sp, j) != r->tries[i].value; j++) {}
        if (j == sp->n) continue;
        if (r->tries[i].status == BT_CELL_OK && (ok == SIZE_MAX || j > ok)) ok = j;
        if (r->tries[i].status == BT_CELL_OOM && j < bad) bad = j;
    }
    if (ok != SIZE_MAX && bad <= ok) bad = sp->n; /* inconsistent (a flaky OOM): trust the fit */
    cst = BT_CELL_OK;
    if (ok == SIZE_MAX && bad > 0) {
        cst = bti_fm_try(sp, 0, limit, fn, ctx, r, why, sizeof why);
        if (cst == BT_CELL_OOM) bad = 0;
        else if (cst != BT_CELL_OK) goto failed;
        else ok = 0;
    }
    /* doubling (or a jump to the limit the memory model predicts) */
    while (ok != SIZE_MAX && bad == sp->n && ok + 1 < sp->n) {
        int64_t v = bti_fm_val(sp, ok);
        j = ok + 1;
        if (v > 0) while (j + 1 < sp->n && bti_fm_val(sp, j) < 2 * v) j++;
        if (limit > 0 && bti_fm_model(r, &a, &b)) {
            size_t p = bti_fm_fit_index(sp, a, b, limit);
            if (p != SIZE_MAX && p > ok) j = p; else j = ok + 1;
        }
        cst = bti_fm_try(sp, j, limit, fn, ctx, r, why, sizeof why);
        if (cst == BT_CELL_OK) ok = j;
        else if (cst == BT_CELL_OOM) bad = j;
        else goto failed;
    }
    /* bisection between the last fit and the first OOM */
    while (ok != SIZE_MAX && bad < sp->n && bad - ok > 1) {
        size_t m = ok + (bad - ok) / 2;
        if (limit > 0 && bti_fm_model(r, &a, &b)) {
            size_t p = bti_fm_fit_index(sp, a, b, limit);
            if (p != SIZE_MAX) m = p <= ok ? ok + 1 : p >= bad ? bad - 1 : p;
        }
        cst = bti_fm_try(sp, m, limit, fn, ctx, r, why, sizeof why);
        if (cst == BT_CELL_OK) ok = m;
        else if (cst == BT_CELL_OOM) bad = m;
        else goto failed;
    }
    r->max_fit = ok != SIZE_MAX ? bti_fm_val(sp, ok) : (sp->list ? -1 : sp->lo - sp->step);
    r->first_oom = bad < sp->n ? bti_fm_val(sp, bad) : -1;
    r->safe = r->max_fit;
    model = bti_fm_model(r, &a, &b);
    cap = limit;
    if (cap <= 0 && ok != SIZE_MAX) for (i = 0; i < r->ntries; i++)
        if (r->tries[i].value == r->max_fit && !isnan(r->tries[i].peak_mem_bytes)) cap = r->tries[i].peak_mem_bytes;
    if (ok != SIZE_MAX) {
        if (model && cap > 0) {
            j = bti_fm_fit_index(sp, a, b, (1 - margin) * cap);
            r->safe = j == SIZE_MAX ? bti_fm_val(sp, 0) : bti_fm_val(sp, j < ok ? j : ok);
        } else {
            double target = (double)r->max_fit * (1 - margin);
            for (j = ok + 1; j-- > 0;) if ((double)bti_fm_val(sp, j) <= target || j == 0) { r->safe = bti_fm_val(sp, j); break; }
        }
    }
    if (ok == SIZE_MAX) bti_fmt(r->message, sizeof r->message, "even %lld does not fit (out of memory)", (long long)bti_fm_val(sp, 0));
    else if (r->first_oom < 0) bti_fmt(r->message, sizeof r->message, "everything up to %lld fits (no OOM in range); safe %lld", (long long)r->max_fit, (long long)r->safe);
    else bti_fmt(r->message, sizeof r->message, "largest that fits: %lld (%lld is out of memory%s); safe with a %g %% margin: %lld; %d runs, %d skipped by the memory model",
                 (long long)r->max_fit, (long long)r->first_oom, r->tries[r->ntries - 1].predicted == 1 && r->tries[r->ntries - 1].value == r->first_oom ? ", predicted" : "",
                 100 * margin, (long long)r->safe, r->ntries - r->nskipped - r->nknown, r->nskipped);
    return BT_OK;
failed:
    r->max_fit = ok != SIZE_MAX ? bti_fm_val(sp, ok) : -1;
    r->first_oom = -1;
    r->safe = r->max_fit;
    bti_fmt(r->message, sizeof r->message, "stopped: a try failed with %s (%s)", bt_cell_status_str(cst), why);
    return BT_E_WORKLOAD;
}

typedef struct bti_fm_live { const bt_grid *g; const bt_workload *w; int axis; bt_cell base; } bti_fm_live;
static bt_cell_status bti_fm_try_live(void *ctx, int64_t value, double *peak, char *why, size_t whylen) {
    bti_fm_live *L = (bti_fm_live *)ctx;
    bt_grid *t = bt_grid_create();
    bt_cell c;
    bt_sample smp;
    bt_status st = BT_OK;
    int i;
    *peak = NAN;
    if (!t) { bti_fmt(why, whylen, "host out of memory"); return BT_CELL_ERROR; }
    /* a one-cell grid with the same axes in the same order, so the workload's handles work */
    for (i = 0; i < L->g->naxes; i++) {
        const bti_axis *ax = &L->g->ax[i];
        uint32_t vi = L->base.vi[i];
        if (i == L->axis) bt_grid_axis_list_i64(t, ax->name, &value, 1);
        else if (ax->type == BT_AXIS_INT) bt_grid_axis_list_i64(t, ax->name, &ax->iv[vi], 1);
        else if (ax->type == BT_AXIS_FLOAT) bt_grid_axis_list_f64(t, ax->name, &ax->fv[vi], 1);
        else bt_grid_axis_list_str(t, ax->name, (const char *const *)&ax->sv[vi], 1);
    }
    if (t->naxes != L->g->naxes || bt_grid_cell(t, 0, &c) != BT_OK) { bt_grid_destroy(t); bti_fmt(why, whylen, "cannot build the try's grid"); return BT_CELL_ERROR; }
    memset(&smp, 0, sizeof smp);
    bti_sample_reset(&smp, -1);
    if (L->w->setup) st = L->w->setup(&c, L->w->user, &smp);
    if (smp.peak_mem_bytes >= 0) *peak = smp.peak_mem_bytes;
    if (st == BT_OK) {
        bti_sample_reset(&smp, 0);
        st = L->w->run(&c, L->w->user, &smp);
        if (st == BT_OK && L->w->sync) st = L->w->sync(L->w->user, &smp);
        if (smp.peak_mem_bytes >= 0 && (isnan(*peak) || smp.peak_mem_bytes > *peak)) *peak = smp.peak_mem_bytes;
    }
    if (st != BT_OK) bti_fmt(why, whylen, "%s", smp.error[0] ? smp.error : bt_status_str(st));
    if (L->w->teardown) { smp.index = -1; L->w->teardown(&c, L->w->user, &smp); }
    bt_grid_destroy(t);
    return st == BT_OK ? BT_CELL_OK : bti_status_to_cell(st);
}
BTI_DEF bt_status bt_find_max(const bt_grid *g, const bt_workload *w, int nw, const bt_find_max_desc *d, bt_find_max_result *out) {
    bti_fm_live L;
    bti_fm_space sp;
    const bti_axis *ax;
    int64_t lo, hi, step;
    size_t i;
    if (!out) return BT_E_INVALID;
    memset(out, 0, sizeof *out);
    out->max_fit = out->first_oom = out->safe = -1;
    if (!g || !w || !d || !d->axis || d->workload < 0 || d->workload >= nw || !w[d->workload].run) {
        bti_fmt(out->message, sizeof out->message, "find-max: %s", !d || !d->axis ? "no axis given" : "no workload (or its run callback) at that index");
        return BT_E_INVALID;
    }
    memset(&L, 0, sizeof L);
    L.g = g; L.w = &w[d->workload];
    L.axis = bt_grid_find(g, d->axis);
    if (L.axis < 0) { bti_fmt(out->message, sizeof out->message, "find-max: no axis named '%s'", d->axis); return BT_E_INVALID; }
    ax = &g->ax[L.axis];
    if (ax->type != BT_AXIS_INT || ax->tied_to >= 0) {
        bti_fmt(out->message, sizeof out->message, "find-max: axis '%s' must be an integer axis that is not tied", d->axis);
        return BT_E_INVALID;
    }
    lo = d->lo; hi = d->hi;
    if (!lo && !hi) { lo = hi = ax->iv[0]; for (i = 0; i < ax->n; i++) { if (ax->iv[i] < lo) lo = ax->iv[i]; if (ax->iv[i] > hi) hi = ax->iv[i]; } }
    step = d->step > 0 ? d->step : 1;
    if (lo < 1 || hi < lo) {
        bti_fmt(out->message, sizeof out->message, "find-max: range %lld..%lld of '%s' must satisfy 1 <= lo <= hi", (long long)lo, (long long)hi, d->axis);
        return BT_E_INVALID;
    }
    if (d->base) L.base = *d->base; else bt_grid_cell(g, 0, &L.base);
    memset(&sp, 0, sizeof sp);
    sp.lo = lo; sp.step = step; sp.n = (size_t)((hi - lo) / step) + 1;
    if (d->known) { /* the sweep's rows on this line */
        char txt[BT_MAX_AXES][128];
        const char *axv[BT_MAX_AXES];
        int mp = bt_results_metric_index(d->known, "peak_mem_bytes"), a;
        bti_cell_texts(g, &L.base, txt, axv);
        for (i = 0; i < d->known->nrows && out->ntries < BT_FIND_MAX_TRIES; i++) {
            const bt_row *row = &d->known->rows[i];
            int64_t v;
            if (d->known->naxes != g->naxes || strcmp(row->workload, L.w->name ? L.w->name : "") != 0) continue;
            if (row->status != BT_CELL_OK && row->status != BT_CELL_OOM) continue;
            for (a = 0; a < g->naxes; a++) if (a != L.axis && strcmp(row->axis[a], axv[a]) != 0) break;
            if (a < g->naxes || !bti_parse_i64(row->axis[L.axis], &v) || v < lo || v > hi || (v - lo) % step) continue;
            out->tries[out->ntries].value = v;
            out->tries[out->ntries].status = row->status;
            out->tries[out->ntries].peak_mem_bytes = mp >= 0 && row->status == BT_CELL_OK ? row->m[mp] : NAN;
            out->tries[out->ntries].predicted = 2;
            out->ntries++; out->nknown++;
        }
    }
    return bti_find_max_core(&sp, d->margin > 0 && d->margin < 1 ? d->margin : 0.1, d->mem_limit_bytes, bti_fm_try_live, &L, out);
}

/* --- replay backend: answers from a recorded results file --- */
static int bti_cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}
typedef struct bti_replay_ctx {
    const bt_results *rec;
    int obj, m_cell, m_sd, m_peak, s_e2e, s_peak, warmup, is_e2e;
    double noise;
    uint64_t seed;
} bti_replay_ctx;
static double bti_replay_u01(uint64_t *st) { return ((double)(bti_rand_next(st) >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
static double bti_replay_gauss(uint64_t *st) {
    double u = bti_replay_u01(st), v = bti_replay_u01(st);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}
static const bt_row *bti_replay_row(const bt_results *rec, const bt_grid *g, const bt_cell *c, const char *wl) {
    char txt[BT_MAX_AXES][128];
    const char *axv[BT_MAX_AXES];
    bti_cell_texts(g, c, txt, axv);
    return bt_results_find(rec, wl, axv);
}
static bt_cell_status bti_visit_replay(bti_srch *s, const bt_cell *c, int wl, int max_new, char *reason, size_t rlen) {
    bti_replay_ctx *R = (bti_replay_ctx *)s->ctx;
    bti_sc *sc = bti_sc_at(s, c->index, wl);
    const bt_row *row = bti_replay_row(R->rec, s->sw->g, c, s->sw->w[wl].name);
    int ns = s->sw->r->nscols, taken = 0, k, nrec, dd;
    double cs, med, sd = 0, ovh, rsum = 0, *v;
    reason[0] = 0;
    if (!row) { bti_fmt(reason, rlen, "not in the recorded file"); return BT_CELL_ERROR; }
    cs = R->m_cell >= 0 ? row->m[R->m_cell] : NAN;
    if (row->status != BT_CELL_OK) {
        if (!isnan(cs)) sc->cost += cs;
        bti_fmt(reason, rlen, "%s", row->reason && row->reason[0] ? row->reason : "recorded");
        return row->status;
    }
    med = row->m[R->obj];
    if (!(med > 0)) { bti_fmt(reason, rlen, "recorded ok without a positive %s", R->rec->metrics[R->obj]); return BT_CELL_ERROR; }
    nrec = R->is_e2e && R->s_e2e >= 0 ? row->nsample : 0;
    if (R->is_e2e && R->m_sd >= 0 && !isnan(row->m[R->m_sd])) sd = row->m[R->m_sd];
    for (k = 0; k < nrec; k++) rsum += row->samp[(size_t)k * (size_t)R->rec->nscols + (size_t)R->s_e2e];
    ovh = nrec && !isnan(cs) ? (cs - rsum > 0 ? cs - rsum : 0) : (double)R->warmup * med;
    sc->cost += ovh;
    v = (double *)bti_malloc((size_t)ns * sizeof(double));
    if (!v) { bti_fmt(reason, rlen, "host out of memory"); return BT_CELL_ERROR; }
    sc->done = 0;
    sc->cut = 0;
    /* the warm-up cut (bti_srch_warm_cut): replay's warm-up run takes the cell's median (the
       time the cost model charges it; a recorded file's setup is not a warm-up run) */
    if (max_new > 0 && R->is_e2e && R->warmup > 0 && bti_srch_warm_cut(s, sc, c->index, wl, med)) {
        for (k = 0; k < ns; k++) v[k] = NAN;
        v[BTI_S_E2E] = med;
        v[BTI_S_PEAK] = R->m_peak >= 0 ? row->m[R->m_peak] : NAN;
        if (bti_sc_push(s, sc, v) == BT_OK) sc->cut = 2;
    }
    if (R->is_e2e && R->warmup > 0) sc->warm = med;
    while (!sc->done && !sc->cut && (max_new <= 0 || taken < max_new)) {
        uint64_t rs = R->seed * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)c->index * 1000003ULL + (uint64_t)wl * 7919ULL + (uint64_t)sc->drawn * 0x5851F42D4C957F2DULL);
        double x, peak = R->m_peak >= 0 ? row->m[R->m_peak] : NAN;
        int j, zero = 0;
        bti_rand_next(&rs);
        if (nrec) {
            j = sc->drawn < nrec ? sc->drawn : (int)bti_rand_below(&rs, (size_t)nrec);
            x = row->samp[(size_t)j * (size_t)R->rec->nscols + (size_t)R->s_e2e];
            zero = bti_zero_read(x); /* a recorded zero read replays as one (0 s: taken, not a time) */
            if (R->s_peak >= 0 && !isnan(row->samp[(size_t)j * (size_t)R->rec->nscols + (size_t)R->s_peak])) peak = row->samp[(size_t)j * (size_t)R->rec->nscols + (size_t)R->s_peak];
        } else x = med + sd * bti_replay_gauss(&rs);
        if (R->noise > 0) x *= 1.0 + R->noise * bti_replay_gauss(&rs);
        if (zero) x = 0;
        else if (x < 0.05 * med) x = 0.05 * med;
        sc->drawn++;
        for (k = 0; k < ns; k++) v[k] = NAN;
        v[BTI_S_E2E] = x;
        v[BTI_S_PEAK] = peak;
        if (bti_sc_push(s, sc, v) != BT_OK) break;
        sc->cost += x;
        taken++;
        bti_sc_check(s, sc);
        if (max_new > 0 && (dd = bti_srch_decided(s, sc, c->index, wl)) != 0) { sc->cut = dd == 1; break; }
    }
    bti_free(v);
    return BT_CELL_OK;
}
typedef struct bti_fm_replay { const bt_results *rec; const bt_grid *g; const char *wl; int axis; bt_cell base; int m_peak; } bti_fm_replay;
static bt_cell_status bti_fm_try_replay(void *ctx, int64_t value, double *peak, char *why, size_t whylen) {
    bti_fm_replay *F = (bti_fm_replay *)ctx;
    bt_cell c = F->base;
    const bt_row *row;
    size_t i;
    *peak = NAN;
    for (i = 0; i < F->g->ax[F->axis].n; i++) if (F->g->ax[F->axis].iv[i] == value) break;
    c.vi[F->axis] = (uint32_t)i;
    row = i < F->g->ax[F->axis].n ? bti_replay_row(F->rec, F->g, &c, F->wl) : NULL;
    if (!row || (row->status != BT_CELL_OK && row->status != BT_CELL_OOM)) { bti_fmt(why, whylen, "%lld has no ok/oom row in the file", (long long)value); return BT_CELL_ERROR; }
    if (row->status == BT_CELL_OK && F->m_peak >= 0) *peak = row->m[F->m_peak];
    return row->status;
}

/* grid from the file's axis columns: integers or numbers sorted ascending, else text in order */
static bt_grid *bti_replay_grid(const bt_results *rec, char *err, size_t errlen) {
    bt_grid *g = bt_grid_create();
    int a;
    size_t i, j, nv;
    if (!g) return NULL;
    for (a = 0; a < rec->naxes; a++) {
        char **v = (char **)bti_calloc(rec->nrows + 1, sizeof(char *));
        double *f = (double *)bti_calloc(rec->nrows + 1, sizeof(double));
        int64_t *iv = (int64_t *)bti_calloc(rec->nrows + 1, sizeof(int64_t));
        int all_int = 1, all_num = 1;
        bt_axis h;
        if (!v || !f || !iv) { bti_free(v); bti_free(f); bti_free(iv); bt_grid_destroy(g); return NULL; }
        for (i = nv = 0; i < rec->nrows; i++) {
            const char *t = rec->rows[i].axis[a];
            for (j = 0; j < nv; j++) if (strcmp(v[j], t) == 0) break;
            if (j == nv) v[nv++] = (char *)t;
        }
        for (i = 0; i < nv; i++) {
            char back[64];
            if (!bti_parse_i64(v[i], &iv[i])) all_int = 0;
            else { bti_fmt(back, sizeof back, "%lld", (long long)iv[i]); if (strcmp(back, v[i])) all_int = 0; }
            if (!bti_parse_double(v[i], &f[i])) all_num = 0;
            else { bti_fmt_double(back, sizeof back, f[i]); if (strcmp(back, v[i])) all_num = 0; }
        }
        if (all_int) {
            qsort(iv, nv, sizeof *iv, bti_cmp_i64);
            h = bt_grid_axis_list_i64(g, rec->axes[a], iv, nv);
        } else if (all_num) {
            qsort(f, nv, sizeof *f, bti_cmp_double);
            h = bt_grid_axis_list_f64(g, rec->axes[a], f, nv);
        } else h = bt_grid_axis_list_str(g, rec->axes[a], (const char *const *)v, nv);
        bti_free(v); bti_free(f); bti_free(iv);
        if (h < 0) { bti_fmt(err, errlen, "axis '%s' of the file: %s", rec->axes[a], bt_grid_error(g)); bt_grid_destroy(g); return NULL; }
    }
    return g;
}

/* runs one strategy over the recorded file; the rows it produced go to *rows */
static bt_status bti_replay_one(const bt_results *rec, const bt_grid *g, const bt_workload *wls, int nw, const bt_replay_desc *d,
                                bti_replay_ctx *R, int strategy, bti_srch *out_stats, bt_results **rows) {
    bti_sweep sw;
    bti_srch s;
    bt_status st;
    size_t ci;
    int k;
    memset(&sw, 0, sizeof sw);
    sw.g = g; sw.w = wls; sw.nw = nw;
    sw.d = bt_sweep_desc_defaults(NULL);
    sw.d.device = rec->nrows ? rec->rows[0].device : "replay";
    sw.d.search_screen_samples = d->screen_samples;
    sw.d.search_margin = d->margin;
    sw.d.search_budget = d->budget;
    sw.stop = bt_stop_rule_defaults(&d->stop);
    sw.r = bt_results_create(g->naxes, (const char *const *)rec->axes, BTI_M_FIXED, bti_fixed_metrics);
    if (!sw.r || bti_results_set_scols(sw.r, BTI_S_FIXED, bti_fixed_scols) != BT_OK) { bt_results_free(sw.r); return BT_E_NOMEM; }
    sw.t0 = bt_now_ns();
    if (bti_srch_init(&s, &sw, bti_visit_replay, R) != BT_OK) { bt_results_free(sw.r); return BT_E_NOMEM; }
    for (ci = 0; ci < s.ncells; ci++) {
        bt_cell c;
        bt_grid_cell(g, ci, &c);
        s.use[ci] = 1;
        for (k = 0; k < nw; k++) {
            const bt_row *row = bti_replay_row(rec, g, &c, wls[k].name);
            if (!row || (row->status != BT_CELL_OK && row->status != BT_CELL_OOM && row->status != BT_CELL_ERROR && row->status != BT_CELL_TIMEOUT)) s.use[ci] = 2;
        }
    }
    st = strategy == BT_STRATEGY_ADAPTIVE ? bti_srch_adaptive(&s) : bti_srch_exhaustive(&s);
    out_stats->cost = s.cost; out_stats->visits = s.visits; out_stats->samples = s.samples;
    out_stats->leader = strategy == BT_STRATEGY_ADAPTIVE ? s.leader : -1;
    out_stats->capped = s.capped;
    out_stats->est_ex = s.est_ex;
    out_stats->pairs_done = 0;
    for (ci = 0; ci < s.ncells; ci++) {
        for (k = 0; k < nw; k++) if (bti_sc_at(&s, ci, k)->visits) break;
        if (k < nw) out_stats->pairs_done++;
    }
    bti_srch_free(&s);
    bti_free(sw.oom); bti_free(sw.oom_wl);
    *rows = sw.r;
    return st;
}
static void bti_entry_label(const bt_ranking *rk, int e, char *buf, size_t n) {
    bti_fmt(buf, n, "%s", e >= 0 && e < rk->nentries ? rk->entries[e].label : "");
}
BTI_DEF void bt_replay_result_free(bt_replay_result *r) {
    if (!r) return;
    bt_results_free(r->results);
    r->results = NULL;
}
BTI_DEF bt_status bt_replay(const bt_results *rec, const bt_replay_desc *din, bt_replay_result *out) {
    bt_replay_desc d;
    bt_grid *g = NULL;
    bt_workload *wls = NULL;
    char **names = NULL;
    int nw = 0, k, strategy;
    size_t i;
    bti_replay_ctx R;
    bti_srch ex, ad;
    bt_results *rex = NULL, *rad = NULL;
    bt_ranking truth, got;
    bt_rank_desc rd;
    bt_status st = BT_OK;
    if (!out) return BT_E_INVALID;
    memset(out, 0, sizeof *out);
    out->regret = NAN;
    memset(&truth, 0, sizeof truth);
    memset(&got, 0, sizeof got);
    if (!rec || !rec->nrows || !rec->naxes) { bti_fmt(out->error, sizeof out->error, "replay: the recorded file has no rows or no axes"); return BT_E_INVALID; }
    if (din) d = *din; else memset(&d, 0, sizeof d);
    strategy = d.strategy;
    if (strategy != BT_STRATEGY_EXHAUSTIVE && strategy != BT_STRATEGY_ADAPTIVE) { bti_fmt(out->error, sizeof out->error, "replay: unknown strategy %d", strategy); return BT_E_INVALID; }
    if (!d.objective) d.objective = "e2e_s_median";
    if (!d.seed) d.seed = 1;
    memset(&R, 0, sizeof R);
    R.rec = rec;
    R.obj = bt_results_metric_index(rec, d.objective);
    if (R.obj < 0) { bti_fmt(out->error, sizeof out->error, "replay: the file has no column '%s' (the objective)", d.objective); return BT_E_NOT_FOUND; }
    R.is_e2e = strcmp(d.objective, "e2e_s_median") == 0;
    R.m_cell = bt_results_metric_index(rec, "cell_s");
    R.m_sd = bt_results_metric_index(rec, "e2e_s_stddev");
    R.m_peak = bt_results_metric_index(rec, "peak_mem_bytes");
    R.s_e2e = R.s_peak = -1;
    for (k = 0; k < rec->nscols; k++) {
        if (strcmp(rec->scols[k], "e2e_s") == 0) R.s_e2e = k;
        if (strcmp(rec->scols[k], "peak_mem_bytes") == 0) R.s_peak = k;
    }
    R.warmup = bt_stop_rule_defaults(&d.stop).warmup;
    R.noise = d.noise;
    R.seed = d.seed;
    g = bti_replay_grid(rec, out->error, sizeof out->error);
    if (!g) return out->error[0] ? BT_E_PARSE : BT_E_NOMEM;
    for (k = 0; k < d.num_monotone; k++) {
        bt_axis a = bt_grid_find(g, d.monotone[k]);
        if (a < 0) { bti_fmt(out->error, sizeof out->error, "replay: --monotone '%s' is not an axis of the file", d.monotone[k]); st = BT_E_INVALID; goto done; }
        bt_grid_set_monotone(g, a, 1);
    }
    names = (char **)bti_calloc(rec->nrows, sizeof(char *));
    wls = (bt_workload *)bti_calloc(rec->nrows, sizeof(bt_workload));
    if (!names || !wls) { st = BT_E_NOMEM; goto done; }
    for (i = 0; i < rec->nrows; i++) {
        for (k = 0; k < nw; k++) if (strcmp(names[k], rec->rows[i].workload) == 0) break;
        if (k == nw) { names[nw] = rec->rows[i].workload; wls[nw].name = names[nw]; nw++; }
    }
    st = bti_replay_one(rec, g, wls, nw, &d, &R, BT_STRATEGY_EXHAUSTIVE, &ex, &rex);
    if (st != BT_OK) { bti_fmt(out->error, sizeof out->error, "replay (exhaustive): %s", bt_status_str(st)); goto done; }
    if (strategy == BT_STRATEGY_ADAPTIVE) {
        st = bti_replay_one(rec, g, wls, nw, &d, &R, BT_STRATEGY_ADAPTIVE, &ad, &rad);
        if (st != BT_OK) { bti_fmt(out->error, sizeof out->error, "replay (adaptive): %s", bt_status_str(st)); goto done; }
    } else { ad = ex; rad = rex; rex = NULL; }
    out->cost_s = ad.cost;
    out->exhaustive_cost_s = ex.cost;
    out->cost_fraction = ex.cost > 0 ? ad.cost / ex.cost : NAN;
    out->visits = ad.visits; out->samples = ad.samples; out->measured = ad.pairs_done;
    out->budget_spent = strategy == BT_STRATEGY_ADAPTIVE && ad.capped;
    out->exhaustive_estimate_s = strategy == BT_STRATEGY_ADAPTIVE ? ad.est_ex : NAN;
    for (i = 0; i < bt_grid_num_cells(g); i++) {
        bt_cell c;
        bt_grid_cell(g, i, &c);
        for (k = 0; k < nw; k++) {
            const bt_row *row = bti_replay_row(rec, g, &c, wls[k].name);
            if (!row || row->status == BT_CELL_INFEASIBLE || row->status == BT_CELL_PRUNED || row->status == BT_CELL_NOT_RUN) break;
        }
        if (k == nw) out->cells++;
    }
    /* the truth: the file's own ranking; the pick: the ranking of what the strategy recorded */
    memset(&rd, 0, sizeof rd);
    rd.objective = d.objective; rd.direction = BT_LOWER_IS_BETTER; rd.bootstrap = -1;
    if (bt_rank(rec, &rd, &truth) != BT_OK) { bti_fmt(out->error, sizeof out->error, "replay: ranking the file: %s", truth.message); st = BT_E_INVALID; goto done; }
    rd.objective = "e2e_s_median";
    /* the pick: the adaptive search's final leader (its mean regret counts the dropped cells
       too), else the ranking of the exhaustive rows */
    if (ad.leader >= 0 || (bt_rank(rad, &rd, &got) == BT_OK && got.pick >= 0)) {
        int e, a;
        char ptxt[BT_MAX_AXES][128];
        const char *pv[BT_MAX_AXES];
        if (ad.leader >= 0) {
            bt_cell pc;
            bt_grid_cell(g, (size_t)ad.leader, &pc);
            bti_cell_texts(g, &pc, ptxt, pv);
            bt_cell_format(&pc, out->pick, sizeof out->pick);
        } else {
            for (a = 0; a < g->naxes; a++) pv[a] = got.entries[got.pick].axis[a];
            bti_entry_label(&got, got.pick, out->pick, sizeof out->pick);
        }
        for (e = 0; e < truth.nentries; e++) {
            for (a = 0; a < truth.naxes; a++) if (strcmp(truth.entries[e].axis[a], pv[a])) break;
            if (a == truth.naxes) { out->regret = truth.entries[e].eligible ? truth.entries[e].mean_regret : NAN; break; }
        }
        if (truth.pick >= 0 && !isnan(out->regret)) out->regret -= truth.entries[truth.pick].mean_regret;
        if (d.find_max_axis) {
            bti_fm_replay F;
            bti_fm_space sp;
            const char *axv[BT_MAX_AXES];
            memset(&F, 0, sizeof F);
            F.rec = rec; F.g = g; F.wl = wls[0].name; F.m_peak = R.m_peak;
            F.axis = bt_grid_find(g, d.find_max_axis);
            for (a = 0; a < g->naxes; a++) axv[a] = pv[a];
            if (F.axis < 0 || g->ax[F.axis].type != BT_AXIS_INT || bt_grid_cell_from_text(g, axv, &F.base) != BT_OK) {
                bti_fmt(out->error, sizeof out->error, "replay: --find-max '%s' is not an integer axis of the file", d.find_max_axis);
                st = BT_E_INVALID; goto done;
            }
            memset(&sp, 0, sizeof sp);
            sp.list = g->ax[F.axis].iv; sp.n = g->ax[F.axis].n;
            out->find_max.max_fit = out->find_max.first_oom = out->find_max.safe = -1;
            bti_find_max_core(&sp, d.find_max_margin > 0 && d.find_max_margin < 1 ? d.find_max_margin : 0.1, 0, bti_fm_try_replay, &F, &out->find_max);
            out->has_find_max = 1;
        }
    }
    bti_entry_label(&truth, truth.pick, out->best, sizeof out->best);
    out->results = rad;
    rad = NULL;
done:
    bt_ranking_free(&truth);
    bt_ranking_free(&got);
    bt_results_free(rex);
    bt_results_free(rad);
    bti_free(names); bti_free(wls);
    bt_grid_destroy(g);
    return st;
}
BTI_DEF void bt_replay_write_json(const bt_replay_result *r, const bt_replay_desc *d, FILE *f) {
    bti_str s;
    char buf[512], *p, *q;
    memset(&s, 0, sizeof s);
    bti_str_printf(&s, "{\"strategy\":\"%s\",\"pick\":{", bt_strategy_str(d ? d->strategy : 0));
    /* "batch=128 workers=12" -> {"batch":"128","workers":"12"} */
    bti_fmt(buf, sizeof buf, "%s", r->pick);
    for (p = buf; p && *p;) {
        char *eq = strchr(p, '='), *sp;
        if (!eq) break;
        *eq = 0;
        sp = strchr(eq + 1, ' ');
        if (sp) *sp = 0;
        if (p != buf) bti_str_cat(&s, ",");
        bti_json_str(&s, p); bti_str_cat(&s, ":"); bti_json_str(&s, eq + 1);
        p = sp ? sp + 1 : NULL;
    }
    bti_str_cat(&s, "},\"pick_label\":"); bti_json_str(&s, r->pick);
    bti_str_cat(&s, ",\"regret\":"); bti_json_num(&s, r->regret);
    bti_str_cat(&s, ",\"best\":"); bti_json_str(&s, r->best);
    bti_str_cat(&s, ",\"cost_s\":"); bti_json_num(&s, r->cost_s);
    bti_str_cat(&s, ",\"exhaustive_cost_s\":"); bti_json_num(&s, r->exhaustive_cost_s);
    bti_str_cat(&s, ",\"cost_fraction\":"); bti_json_num(&s, r->cost_fraction);
    bti_str_printf(&s, ",\"cells\":%zu,\"measured\":%zu,\"visits\":%zu,\"samples\":%zu,\"budget_spent\":%s", r->cells, r->measured, r->visits, r->samples,
                   r->budget_spent ? "true" : "false");
    if (r->has_find_max) {
        bti_str_printf(&s, ",\"find_max\":{\"axis\":");
        bti_json_str(&s, d && d->find_max_axis ? d->find_max_axis : "");
        bti_str_printf(&s, ",\"max_fit\":%lld,\"first_oom\":%lld,\"safe\":%lld,\"tries\":%d,\"skipped\":%d,\"message\":",
                       (long long)r->find_max.max_fit, (long long)r->find_max.first_oom, (long long)r->find_max.safe,
                       r->find_max.ntries, r->find_max.nskipped);
        bti_json_str(&s, r->find_max.message);
        bti_str_cat(&s, "}");
    }
    bti_str_cat(&s, "}\n");
    q = s.p;
    if (q) fputs(q, f);
    bti_str_free(&s);
}


#endif /* BATCHTUNE_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
MIT License

Copyright (c) 2026 the batchtune authors

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
*/

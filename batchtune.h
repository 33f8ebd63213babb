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
      cc  -O2 -std=c99 my_tuner.c -lm -pthread                     (CPU only)
      nvcc -O2 my_tuner.cu batchtune_cuda.cu                          (with the GPU backend)

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

   SECTIONS (in the order data flows)
      1 platform and configuration   2 status   3 clock and statistics   4 grid
      5 sweep   6 results files   7 ranking   8 reports   9 CPU reference workload
      10 loader   11 recompute model   12 GPU backend (defined in batchtune_cuda.cu)

   THREAD SAFETY
      No global state. Objects (bt_grid, bt_results, bt_ranking) may be used from one thread at
      a time; different objects from different threads freely. The only threads batchtune
      starts belong to objects you create and are documented there (the CPU model's pool, the
      NVML sampler of batchtune_cuda.cu).
*/
#ifndef BATCHTUNE_H
#define BATCHTUNE_H

#if defined(BATCHTUNE_IMPLEMENTATION) && defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1
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

/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC). Never goes backwards. Thread safe. */
BATCHTUNE_API uint64_t bt_now_ns(void);

typedef struct bt_clock_info {
    double resolution_ns;  /* smallest non-zero step observed between two reads */
    double overhead_ns;    /* mean cost of one bt_now_ns() call */
    double reported_res_ns;/* what the OS claims (clock_getres) */
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
    int warmup;            /* unmeasured runs before sampling (default 1; -1 = none) */
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
} bt_sweep_desc;

BATCHTUNE_API bt_sweep_desc bt_sweep_desc_defaults(const bt_sweep_desc *d);

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
   of it is stb_image vs libjpeg decoding). The resize runs with AVX2+FMA when the CPU has it
   (GCC/clang, x86-64, chosen at run time), else SSE2, else portable C; define
   BATCHTUNE_NO_AVX2 or BATCHTUNE_NO_SIMD to turn those off.
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
                                      every read), so each pass reads from the disk */
    int pin_workers;               /* 1: pin worker i to the i-th allowed CPU (Linux) */
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
   12. Recompute model for windowed verification (declarations)
   ========================================================================================== */

/* ============================================================================================
   13. HTML report (declarations)
   ========================================================================================== */

/* ============================================================================================
   14. Merge and compare (declarations)
   ========================================================================================== */

/* ============================================================================================
   15. Search strategies: adaptive, find-max, replay (declarations)
   ========================================================================================== */

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
   kernels inside one bracketed phase count as busy; CUPTI's exact kernel records are not used). */
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
/* Waits for everything submitted; stats since the last drain. */
BATCHTUNE_CUDA_API bt_status bt_cuda_pipeline_drain(bt_cuda_pipeline *p, bt_cuda_pipeline_stats *st);
BATCHTUNE_CUDA_API void *bt_cuda_pipeline_compute_stream(const bt_cuda_pipeline *p);
BATCHTUNE_CUDA_API void bt_cuda_pipeline_destroy(bt_cuda_pipeline *p);   /* frees its buffers */

/* NHWC uint8 -> NCHW float32: out = (in / 255 - mean[c]) / std[c], c <= 4 channels. */
BATCHTUNE_CUDA_API bt_status bt_cuda_normalize_nhwc_u8(bt_device *d, const void *in, float *out, int n,
                                                  int h, int w, int c, const float *mean,
                                                  const float *std, void *stream);
/* C[m x n] = act(A[m x k] B[k x n] + bias[n]) (row major; bias may be NULL; relu 0/1). A tiled
   shared-memory kernel of our own (no cuBLAS); bt_gpu_model uses cuBLAS instead when built
   with -DBATCHTUNE_CUBLAS and linked with -lcublas. */
BATCHTUNE_CUDA_API bt_status bt_cuda_gemm(bt_device *d, int m, int n, int k, const float *A,
                                     const float *B, float *C, const float *bias, int relu,
                                     void *stream);
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

/* Reference GPU workloads for examples, self-tests and the studies. Each sample processes
   `items` items in batches of the cell's batch (last one partial) and reports phases (h2d,
   compute, d2h from events), peak_mem_bytes (the arena's device peak) and the metrics
   busy_pct, nvml_util_pct, nvml_mem_used_bytes, sm_clock_mhz, power_w, energy_per_item_j,
   throttled (NVML ones empty without a sampler), plus mismatch_frac for BT_GPU_REDUCE. The
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
    int use_cublas;        /* 1: MLP GEMMs with cuBLAS (needs -DBATCHTUNE_CUBLAS -lcublas) */
    bt_nvml_sampler *nvml; /* optional, caller-owned */
    uint64_t seed;
    void *priv;            /* private */
} bt_gpu_model;
/* Opens the device and fills the workload. BT_E_NO_DEVICE (with CUDA's text in err) when there
   is no GPU. m must outlive the sweep. */
BATCHTUNE_CUDA_API bt_status bt_gpu_model_init(bt_gpu_model *m, bt_workload *w, const char *name,
                                          char *err, size_t err_len);
/* The device the model runs on (for bt_restart_guard). */
BATCHTUNE_CUDA_API bt_device *bt_gpu_model_device(const bt_gpu_model *m);
BATCHTUNE_CUDA_API void bt_gpu_model_free(bt_gpu_model *m);

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
#include <pthread.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#if defined(__linux__)
#include <sched.h>
#endif

#ifdef _MSC_VER
#define BTI_UNUSED
#else
#define BTI_UNUSED __attribute__((unused))
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
    char small[256];
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) { bti_str_add(s, small, (size_t)n); return; }
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
BTI_DEF uint64_t bt_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
BTI_DEF void bt_clock_measure(bt_clock_info *out) {
    struct timespec res;
    uint64_t t0, t1, prev, cur, minstep = UINT64_MAX;
    int i, n = 20000;
    memset(out, 0, sizeof *out);
    if (clock_getres(CLOCK_MONOTONIC, &res) == 0)
        out->reported_res_ns = (double)res.tv_sec * 1e9 + (double)res.tv_nsec;
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
    if (n < 6) {
        st->ci_lo = s[0];
        st->ci_hi = s[n - 1];
    } else {
        /* ranks j < k with P(X_(j) <= median <= X_(k)) ~ 0.95 (normal approx. to binomial) */
        double h = 1.96 * sqrt((double)n) / 2.0;
        long j = (long)floor((double)n / 2.0 - h);      /* 1-based rank */
        long k = (long)ceil((double)n / 2.0 + h) + 1;
        if (j < 1) j = 1;
        if (k > (long)n) k = (long)n;
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
BTI_DEF int bt_stop_check(const bt_stop_rule *r, const bt_stats *st, double elapsed_s, int *noisy) {
    int quiet = st->rel_noise <= r->max_rel_noise;
    if (noisy) *noisy = 0;
    if ((int)st->n >= r->min_samples && elapsed_s >= r->min_time_s && quiet) return 1;
    if ((int)st->n >= r->max_samples || (elapsed_s >= r->max_time_s && (int)st->n >= 1)) {
        if (noisy) *noisy = !quiet || (int)st->n < r->min_samples;
        return 1;
    }
    return 0;
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
BTI_DEF int bt_results_metric_index(const bt_results *r, const char *name) {
    int i;
    for (i = 0; r && name && i < r->nmetrics; i++) if (strcmp(r->metrics[i], name) == 0) return i;
    return -1;
}
BTI_DEF size_t bt_results_num_rows(const bt_results *r) { return r ? r->nrows : 0; }
BTI_DEF const bt_row *bt_results_row(const bt_results *r, size_t i) { return r && i < r->nrows ? &r->rows[i] : NULL; }
BTI_DEF int bt_results_num_sample_cols(const bt_results *r) { return r ? r->nscols : 0; }
BTI_DEF const char *bt_results_sample_col(const bt_results *r, int i) { return r && i >= 0 && i < r->nscols ? r->scols[i] : NULL; }

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
static int bti_fsync_file(FILE *f) {
    if (fflush(f) != 0) return -1;
    return fsync(fileno(f));
}
/* Writes text to path atomically (temporary file, fsync, rename). */
static bt_status bti_write_atomic(const char *path, const char *text, size_t len, char *err, size_t errlen) {
    char tmp[4096];
    FILE *f;
    bti_fmt(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    f = fopen(tmp, "wb");
    if (!f) { bti_fmt(err, errlen, "cannot write %s: %s", tmp, strerror(errno)); return BT_E_IO; }
    if (fwrite(text, 1, len, f) != len || bti_fsync_file(f) != 0) {
        bti_fmt(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        fclose(f); remove(tmp);
        return BT_E_IO;
    }
    fclose(f);
    if (rename(tmp, path) != 0) {
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
    FILE *f;
    memset(m, 0, sizeof *m);
    if (gethostname(m->host, sizeof m->host - 1) != 0) bti_fmt(m->host, sizeof m->host, "unknown");
    bti_fmt(m->cpu_model, sizeof m->cpu_model, "unknown");
    f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c) { bti_fmt(m->cpu_model, sizeof m->cpu_model, "%s", bti_trim(c + 1)); break; }
            }
        }
        fclose(f);
    }
    m->cpus_online = (int)sysconf(_SC_NPROCESSORS_ONLN);
    m->cpus_allowed = m->cpus_online;
#if defined(__linux__) && defined(CPU_COUNT)
    {
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof set, &set) == 0) m->cpus_allowed = CPU_COUNT(&set);
    }
#endif
    bti_fmt(m->device, sizeof m->device, "%s", device ? device : "cpu");
    gmtime_r(&now, &tmv);
    strftime(m->date_utc, sizeof m->date_utc, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    bti_fmt(m->version, sizeof m->version, "%s", BATCHTUNE_VERSION_STRING);
    bti_fmt(m->settings, sizeof m->settings, "%s", settings ? settings : "");
    bti_fmt(m->fingerprint, sizeof m->fingerprint, "%016llx",
            (unsigned long long)bti_fnv1a(bti_fnv1a(0, m->settings), m->device));
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
    bti_str_cat(s, "}");
}
BTI_DEF bt_status bt_write_json(const bt_results *r, const bt_run_meta *m, const bt_ranking *rk, const char *path) {
    bti_str s;
    size_t i;
    int j, counts[BT_CELL_STATUS_COUNT];
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
    bti_str_cat(&s, "],\n\"status_counts\":{");
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
    return d;
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
static int bti_file_size(const char *path, long long *size) {
    struct stat stt;
    if (stat(path, &stt) != 0) return 0;
    *size = (long long)stt.st_size;
    return 1;
}
static bt_status bti_append_text(FILE *f, const bti_str *s, int sync) {
    if (s->oom) return BT_E_NOMEM;
    if (fwrite(s->p, 1, s->len, f) != s->len || fflush(f) != 0) return BT_E_IO;
    if (sync && fsync(fileno(f)) != 0) return BT_E_IO;
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
    int i, n = 0, cap = 0, ns = sw->r->nscols, done = 0;
    double *samp = NULL, *e2e = NULL;
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
            if (s.items > 0) { row[BTI_S_ITEMS] = s.items; row[BTI_S_IPS] = s.items / dt; row[BTI_S_SPI] = dt / s.items; }
            for (k = 0; k < BT_PHASE_COUNT; k++) if (s.phase_s[k] >= 0) row[BTI_S_PHASE0 + k] = s.phase_s[k];
            if (s.peak_mem_bytes >= 0) row[BTI_S_PEAK] = s.peak_mem_bytes;
            for (k = 0; k < w->num_metrics && k < BT_MAX_METRICS; k++) row[sw->cmap[wl * BT_MAX_METRICS + k]] = s.metric[k];
        }
        e2e[n++] = dt;
        bt_stats_compute(e2e, (size_t)n, &stt);
        done = bt_stop_check(rule, &stt, (double)(t1 - tstart) * 1e-9, noisy);
    }
    if (st != BT_OK) {
        cst = bti_status_to_cell(st);
        bti_fmt(reason, rlen, "%s", s.error[0] ? s.error : bt_status_str(st));
    }
    if (w->teardown) { int keep = s.index; s.index = -1; w->teardown(c, w->user, &s); s.index = keep; }
    bti_free(e2e);
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
    for (k = 0; k < n; k++) tmp[k] = samp[(size_t)k * (size_t)ns + BTI_S_E2E];
    if (bt_stats_compute(tmp, (size_t)n, &st) == BT_OK) {
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
    if (!m) return BT_E_NOMEM;
    bti_row_metrics(sw, samp, cst == BT_CELL_OK ? nsamp : 0, cell_s, m);
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
            if ((long long)good < size && truncate(path, (off_t)good) != 0)
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
                if (st == BT_OK && bti_file_size(samples_path, &ssize) && (long long)sgood < ssize && truncate(samples_path, (off_t)sgood) != 0)
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
BTI_DEF bt_status bt_sweep_run(const bt_grid *g, const bt_workload *w, int nw, const bt_sweep_desc *desc, bt_results **out) {
    bti_sweep sw;
    const char *axn[BT_MAX_AXES], *cols[BTI_MAX_COLS], *scols[BTI_MAX_COLS];
    int i, k, ncols = 0, nscols = 0;
    char samples_path[4096], json_path[4096], fpbuf[64];
    bt_status st = BT_OK;
    bt_run_meta meta;
    bti_str settings;
    size_t ncells, ci, total = 0, done = 0;
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
    bti_sweep_settings(&sw, &settings);
    bt_run_meta_collect(&meta, sw.d.device, bti_str_c(&settings));
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
    ncells = bt_grid_num_cells(g);
    for (ci = 0; ci < ncells; ci++) {
        bt_cell c;
        bt_grid_cell(g, ci, &c);
        if (sw.d.shard_n > 1 && bt_grid_shard_of(g, &c, sw.d.shard_n) != sw.d.shard_k) continue;
        total += (size_t)nw;
    }
    /* OOM cells already on file feed pruning */
    for (ci = 0; ci < sw.r->nrows; ci++) {
        bt_cell c;
        if (sw.r->rows[ci].status != BT_CELL_OOM) continue;
        if (bt_grid_cell_from_text(g, (const char *const *)sw.r->rows[ci].axis, &c) != BT_OK) continue;
        for (k = 0; k < nw; k++) if (strcmp(w[k].name, sw.r->rows[ci].workload) == 0) bti_note_oom(&sw, k, &c);
    }
    sw.t0 = bt_now_ns();
    for (ci = 0; ci < ncells && st == BT_OK; ci++) {
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
                cst = bti_run_cell(&sw, k, &c, &samp, &nsamp, &noisy, why, sizeof why);
                if (cst == BT_CELL_OOM) bti_note_oom(&sw, k, &c);
                st = bti_sweep_emit(&sw, k, axv, cst, why, samp, nsamp, noisy, (double)(bt_now_ns() - tc) * 1e-9);
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
    sw.r->meta = meta;
    sw.r->has_meta = 1;
    if (st == BT_OK && json_path[0]) {
        if (bt_write_json(sw.r, &meta, NULL, json_path) != BT_OK) st = bti_sweep_fail(&sw, BT_E_IO, "cannot write %s", json_path);
    }
done:
    if (sw.fres) fclose(sw.fres);
    if (sw.fsamp) fclose(sw.fsamp);
    if (st != BT_OK) {
        if (!sw.err[0]) bti_fmt(sw.err, sizeof sw.err, "%s", bt_status_str(st));
        bti_fmt(sw.r->err, sizeof sw.r->err, "%s", sw.err);
    }
    bti_str_free(&settings);
    bti_free(sw.cmap); bti_free(sw.oom); bti_free(sw.oom_wl);
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
static int bti_guess_higher(const char *name) {
    return strstr(name, "per_s") || strstr(name, "util") || strstr(name, "busy") || strstr(name, "throughput") ||
           strstr(name, "tflops") || strstr(name, "bandwidth");
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
    int nlim = 0, obj, higher, ne = 0, nw = 0, i, e, w, stat = 0, scol;
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
        int b, any = 0;
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
                            if (!isnan(v)) tmp[n++] = v;
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
    color = mode == BT_HEATMAP_COLOR || (mode == BT_HEATMAP_AUTO && isatty(fileno(f)) && !getenv("NO_COLOR"));
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
    pthread_t *th;
    pthread_mutex_t mu;
    pthread_cond_t cv_start, cv_done;
    unsigned gen;
    int running, quit;
    void (*fn)(void *arg, int tid, int n);
    void *arg;
    pthread_mutex_t bmu;
    pthread_cond_t bcv;
    int bcount;
    unsigned bgen;
} bti_pool;
typedef struct bti_pool_start { bti_pool *p; int tid; } bti_pool_start;
static void bti_pool_barrier(bti_pool *p) {
    unsigned g;
    if (p->n <= 1) return;
    pthread_mutex_lock(&p->bmu);
    g = p->bgen;
    if (++p->bcount == p->n) {
        p->bcount = 0;
        p->bgen++;
        pthread_cond_broadcast(&p->bcv);
    } else {
        while (g == p->bgen) pthread_cond_wait(&p->bcv, &p->bmu);
    }
    pthread_mutex_unlock(&p->bmu);
}
static void *bti_pool_main(void *arg) {
    bti_pool_start *s = (bti_pool_start *)arg;
    bti_pool *p = s->p;
    int tid = s->tid;
    unsigned seen = 0;
    bti_free(s);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->gen == seen && !p->quit) pthread_cond_wait(&p->cv_start, &p->mu);
        if (p->quit) { pthread_mutex_unlock(&p->mu); break; }
        seen = p->gen;
        pthread_mutex_unlock(&p->mu);
        p->fn(p->arg, tid, p->n);
        pthread_mutex_lock(&p->mu);
        if (--p->running == 0) pthread_cond_signal(&p->cv_done);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}
static void bti_pool_destroy(bti_pool *p) {
    int i;
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->cv_start);
    pthread_mutex_unlock(&p->mu);
    for (i = 1; i < p->n; i++) if (p->th[i]) pthread_join(p->th[i], NULL);
    pthread_mutex_destroy(&p->mu); pthread_cond_destroy(&p->cv_start); pthread_cond_destroy(&p->cv_done);
    pthread_mutex_destroy(&p->bmu); pthread_cond_destroy(&p->bcv);
    bti_free(p->th);
    bti_free(p);
}
static bti_pool *bti_pool_create(int n) {
    bti_pool *p = (bti_pool *)bti_calloc(1, sizeof *p);
    int i;
    if (!p) return NULL;
    p->n = n < 1 ? 1 : n;
    p->th = (pthread_t *)bti_calloc((size_t)p->n, sizeof(pthread_t));
    if (!p->th) { bti_free(p); return NULL; }
    pthread_mutex_init(&p->mu, NULL); pthread_cond_init(&p->cv_start, NULL); pthread_cond_init(&p->cv_done, NULL);
    pthread_mutex_init(&p->bmu, NULL); pthread_cond_init(&p->bcv, NULL);
    for (i = 1; i < p->n; i++) {
        bti_pool_start *s = (bti_pool_start *)bti_malloc(sizeof *s);
        if (!s) { p->n = i; bti_pool_destroy(p); return NULL; }
        s->p = p; s->tid = i;
        if (pthread_create(&p->th[i], NULL, bti_pool_main, s) != 0) { bti_free(s); p->n = i; bti_pool_destroy(p); return NULL; }
    }
    return p;
}
static void bti_pool_run(bti_pool *p, void (*fn)(void *, int, int), void *arg) {
    if (p->n <= 1) { fn(arg, 0, 1); return; }
    pthread_mutex_lock(&p->mu);
    p->fn = fn; p->arg = arg;
    p->running = p->n - 1;
    p->gen++;
    pthread_cond_broadcast(&p->cv_start);
    pthread_mutex_unlock(&p->mu);
    fn(arg, 0, p->n);
    pthread_mutex_lock(&p->mu);
    while (p->running > 0) pthread_cond_wait(&p->cv_done, &p->mu);
    pthread_mutex_unlock(&p->mu);
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
#include <spawn.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
extern char **environ;

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
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, rc, status = 0, open_fds = 2, killed = 0, i;
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    bti_str out, errs;
    uint64_t deadline;
    bt_status st = BT_OK;
    if (!argv) { bti_fmt(s->error, sizeof s->error, "cannot expand the command (out of memory)"); return BT_E_NOMEM; }
    if (pipe(outp) != 0 || pipe(errp) != 0) {
        bti_fmt(s->error, sizeof s->error, "pipe: %s", strerror(errno));
        if (outp[0] >= 0) { close(outp[0]); close(outp[1]); }
        bt_cmd_argv_free(argv);
        return BT_E_IO;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    posix_spawn_file_actions_addclose(&fa, outp[0]);
    posix_spawn_file_actions_addclose(&fa, errp[0]);
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(outp[1]); close(errp[1]);
    if (rc != 0) {
        bti_fmt(s->error, sizeof s->error, "cannot start '%s': %s", argv[0], strerror(rc));
        close(outp[0]); close(errp[0]);
        bt_cmd_argv_free(argv);
        return BT_E_WORKLOAD;
    }
    memset(&out, 0, sizeof out);
    memset(&errs, 0, sizeof errs);
    deadline = bt_now_ns() + (uint64_t)((c->timeout_s > 0 ? c->timeout_s : 600) * 1e9);
    while (open_fds > 0) {
        struct pollfd pf[2];
        int np = 0, left_ms;
        uint64_t now = bt_now_ns();
        if (now >= deadline) { kill(-pid, SIGKILL); killed = 1; break; }
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
                bti_str *dst = pf[i].fd == outp[0] ? &out : &errs;
                if (dst->len < (16u << 20)) bti_str_add(dst, buf, (size_t)got); /* keep at most 16 MiB */
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                if (pf[i].fd == outp[0]) { close(outp[0]); outp[0] = -1; } else { close(errp[0]); errp[0] = -1; }
                open_fds--;
            }
        }
    }
    if (outp[0] >= 0) close(outp[0]);
    if (errp[0] >= 0) close(errp[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (killed) {
        bti_fmt(s->error, sizeof s->error, "'%s' ran past the %.3g s timeout and was killed", argv[0], c->timeout_s > 0 ? c->timeout_s : 600);
        st = BT_E_TIMEOUT;
    } else {
        const char *const *pats = c->num_oom_patterns > 0 ? c->oom_patterns : def_oom;
        int npats = c->num_oom_patterns > 0 ? c->num_oom_patterns : (int)BTI_ARRAY_LEN(def_oom), oom = 0;
        const char *e = bti_str_c(&errs);
        for (i = 0; i < npats && !oom; i++) oom = bti_icontains(e, pats[i]);
        if (WIFEXITED(status) && c->oom_exit_code && WEXITSTATUS(status) == c->oom_exit_code) oom = 1;
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) || oom) {
            /* the last non-empty stderr line is the message */
            char last[200] = "";
            const char *p = e, *ls = NULL, *le = NULL;
            while (*p) {
                const char *nl = strchr(p, '\n');
                const char *end = nl ? nl : p + strlen(p);
                if (end > p) { ls = p; le = end; }
                if (!nl) break;
                p = nl + 1;
            }
            if (ls) bti_fmt(last, sizeof last, "%.*s", (int)(le - ls > 190 ? 190 : le - ls), ls);
            if (WIFSIGNALED(status)) bti_fmt(s->error, sizeof s->error, "killed by signal %d%s%s", WTERMSIG(status), last[0] ? ": " : "", last);
            else bti_fmt(s->error, sizeof s->error, "exit %d%s%s", WEXITSTATUS(status), last[0] ? ": " : "", last);
            st = oom ? BT_E_OOM_DEVICE : BT_E_WORKLOAD;
        }
    }
    if (st == BT_OK && out.p) {
        char *p = out.p;
        while (p && *p) {
            char *nl = strchr(p, '\n');
            if (nl) *nl = 0;
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
    bti_fmt(num, sizeof num, "%d", n + 1);
    if (setenv("BATCHTUNE_RESTARTS", num, 1) != 0) { bti_fmt(err, err_len, "setenv BATCHTUNE_RESTARTS: %s", strerror(errno)); return BT_E_IO; }
    fflush(NULL);
#if defined(__linux__)
    execv("/proc/self/exe", argv);
#endif
    execvp(argv[0], argv);
    bti_fmt(err, err_len, "cannot re-execute %s: %s", argv[0], strerror(errno));
    return BT_E_IO;
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
#include <dirent.h>

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
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>
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
static bt_status bti_stb_info(void *user, const unsigned char *data, size_t n, int *w, int *h) {
    int c;
    (void)user;
    if (n == 0 || n > (size_t)INT_MAX) return BT_E_DECODE;
    return stbi_info_from_memory(data, (int)n, w, h, &c) ? BT_OK : BT_E_DECODE;
}
static bt_status bti_stb_decode(void *user, const unsigned char *data, size_t n, int *w, int *h,
                                unsigned char **rgb, char *err, size_t err_len) {
    int c;
    const char *why;
    (void)user;
    *rgb = NULL;
    if (n == 0 || n > (size_t)INT_MAX) { bti_fmt(err, err_len, "file too large for stb_image"); return BT_E_DECODE; }
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
} bti_taps;
static void bti_taps_free(bti_taps *t) { bti_free(t->start); bti_free(t->n); bti_free(t->w); memset(t, 0, sizeof *t); }
/* PIL's antialiased bilinear: triangle filter, support scaled by the downscale factor,
   weights normalized to sum 1; zero weights at the ends are dropped. */
static int bti_taps_make(bti_taps *t, int in, int out, int first, int count) {
    double scale = (double)in / (double)out, fscale = scale < 1.0 ? 1.0 : scale;
    double support = fscale, ss = 1.0 / fscale;
    int maxn = (int)ceil(support) * 2 + 1, i;
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
        for (x = a; x < b; x++) dst[x - a] = (float)(ww != 0 ? kk[x] / ww : kk[x]);
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
    pthread_t th;
    int started;
    unsigned char *fbuf; size_t fcap;   /* file bytes */
    float *tmp; size_t tcap;            /* one vertically filtered row */
    void *w4raw; size_t w4cap;          /* horizontal weights in 4 lanes (SSE2) */
    void *w8raw; size_t w8cap;          /* the same by pairs of pixels (AVX2) */
    unsigned char *syn; size_t scap;    /* synthetic image or a record */
    bti_taps vt, ht;
    bt_loader_worker_stats loc;         /* this worker's own running figures */
    bt_loader_worker_stats st;          /* a copy published under the lock */
} bti_ld_worker;

typedef struct bti_ld_slot {
    unsigned char *buf, *raw;           /* aligned buffer, and what to free */
    int64_t batch;
    int count, done, nbad, ready;
    unsigned char *ok;
    int64_t *src;
} bti_ld_slot;

typedef struct bti_ld_bad { char *name; char *reason; } bti_ld_bad;

struct bt_loader {
    bt_loader_desc d;
    char **paths; size_t npaths;        /* images */
    int rfd; int64_t rcount; size_t rbytes; int rheader; int rh, rw; /* records */
    size_t nitems, item_bytes;
    int out_h, out_w, out_c;
    int64_t per_epoch, total_batches;
    float scale[3], bias[3];
    int avx2;                           /* the CPU runs the AVX2 + FMA passes */

    pthread_mutex_t mu;
    pthread_cond_t cv_space, cv_ready;
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
/* AVX2 + FMA versions of the two passes, chosen at run time (GCC and clang on x86-64) */
#if defined(BTI_SSE2) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__) && !defined(BATCHTUNE_NO_AVX2)
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

static bt_status bti_ld_transform(bti_ld_worker *W, const unsigned char *rgb, int w, int h, unsigned char *dst,
                                  char *err, size_t err_len) {
    const bt_loader *L = W->L;
    const int C = L->d.crop;
    int nw, nh, top, left, cx0 = INT_MAX, cx1 = 0, x, y, k;
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
    if (!bti_taps_make(&W->vt, h, nh, top, C) || !bti_taps_make(&W->ht, w, nw, left, C)) {
        bti_fmt(err, err_len, "out of memory for filter taps"); return BT_E_NOMEM;
    }
    for (x = 0; x < C; x++) if (W->ht.n[x]) {
        if (W->ht.start[x] < cx0) cx0 = W->ht.start[x];
        if (W->ht.start[x] + W->ht.n[x] > cx1) cx1 = W->ht.start[x] + W->ht.n[x];
    }
    if (cx1 <= cx0) { cx0 = 0; cx1 = 1; }
    span = (size_t)(cx1 - cx0) * 3;
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

static void bti_ld_cold(int fd, off_t off, off_t len) {
#if defined(POSIX_FADV_DONTNEED)
    if (len > 0) {                      /* whole pages only are dropped: widen to them */
        const off_t pg = 4096, end = off + len;
        off -= off % pg;
        len = end - off + (pg - end % pg) % pg;
    }
    (void)posix_fadvise(fd, off, len, POSIX_FADV_DONTNEED);
#else
    (void)fd; (void)off; (void)len;
#endif
}

/* one item into dst; returns BT_OK or the reason it is bad in err */
static bt_status bti_ld_item(bti_ld_worker *W, int64_t idx, unsigned char *dst, char *err, size_t err_len) {
    bt_loader *L = W->L;
    uint64_t t0 = bt_now_ns(), t1, t2;
    bt_status st;
    if (L->d.source == BT_SOURCE_RECORDS) {
        off_t off = (off_t)(L->rheader ? BT_RECORD_HEADER_BYTES : 0) + (off_t)idx * (off_t)L->rbytes;
        unsigned char *to = dst;
        size_t got = 0;
        if (L->rheader && L->d.layout == BT_LAYOUT_NCHW_F32) {
            if (!bti_grow((void **)&W->syn, &W->scap, L->rbytes)) { bti_fmt(err, err_len, "out of memory"); return BT_E_NOMEM; }
            to = W->syn;
        }
        while (got < L->rbytes) {
            ssize_t r = pread(L->rfd, to + got, L->rbytes - got, off + (off_t)got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) { bti_fmt(err, err_len, r < 0 ? "read failed: %s" : "truncated record (%s)", r < 0 ? strerror(errno) : "end of file"); return BT_E_IO; }
            got += (size_t)r;
        }
        if (L->d.cold) bti_ld_cold(L->rfd, off, (off_t)L->rbytes);
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
        if (L->d.synthetic_item_s > 0) {
            struct timespec ts;
            ts.tv_sec = (time_t)L->d.synthetic_item_s;
            ts.tv_nsec = (long)((L->d.synthetic_item_s - (double)ts.tv_sec) * 1e9);
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR) { }
        }
        t1 = bt_now_ns();
        W->loc.decode_s += (double)(t1 - t0) * 1e-9;
        st = bti_ld_transform(W, W->syn, sw, sh, dst, err, err_len);
        W->loc.transform_s += (double)(bt_now_ns() - t1) * 1e-9;
        return st;
    }
    {
        const char *path = L->paths[idx];
        struct stat sb;
        size_t got = 0, size;
        int fd, w = 0, h = 0;
        unsigned char *rgb = NULL;
        fd = open(path, O_RDONLY);
        if (fd < 0) { bti_fmt(err, err_len, "cannot open: %s", strerror(errno)); return BT_E_IO; }
        if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) { close(fd); bti_fmt(err, err_len, "not a regular file"); return BT_E_IO; }
        if (sb.st_size == 0) { close(fd); bti_fmt(err, err_len, "empty file"); return BT_E_DECODE; }
        if ((int64_t)sb.st_size > L->d.max_file_bytes) {
            close(fd);
            bti_fmt(err, err_len, "file of %lld bytes exceeds the limit of %lld", (long long)sb.st_size, (long long)L->d.max_file_bytes);
            return BT_E_INVALID;
        }
        size = (size_t)sb.st_size;
        if (!bti_grow((void **)&W->fbuf, &W->fcap, size)) { close(fd); bti_fmt(err, err_len, "out of memory for %zu bytes", size); return BT_E_NOMEM; }
        while (got < size) {
            ssize_t r = read(fd, W->fbuf + got, size - got);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) { bti_fmt(err, err_len, "read failed: %s", strerror(errno)); close(fd); return BT_E_IO; }
            if (r == 0) break;                  /* shrank while reading: decode what is there */
            got += (size_t)r;
        }
        if (L->d.cold) bti_ld_cold(fd, 0, 0);
        close(fd);
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

static void *bti_ld_main(void *arg) {
    bti_ld_worker *W = (bti_ld_worker *)arg;
    bt_loader *L = W->L;
    char err[512];
#if defined(__linux__) && (defined(_GNU_SOURCE) || defined(__USE_GNU))
    if (L->d.pin_workers) {
        cpu_set_t all, one;
        int c, k = -1, want;
        if (sched_getaffinity(0, sizeof all, &all) == 0 && CPU_COUNT(&all) > 0) {
            want = W->id % CPU_COUNT(&all);
            for (c = 0; c < CPU_SETSIZE; c++) if (CPU_ISSET(c, &all) && ++k == want) break;
            if (c < CPU_SETSIZE) {
                CPU_ZERO(&one); CPU_SET(c, &one);
                (void)pthread_setaffinity_np(pthread_self(), sizeof one, &one);
            }
        }
    }
#endif
    pthread_mutex_lock(&L->mu);
    for (;;) {
        int64_t b, idx;
        int pos;
        bti_ld_slot *s;
        bt_status st;
        uint64_t ti;
        if (L->stop || L->failed || L->cur_batch >= L->total_batches) break;
        if (L->cur_batch >= L->released + L->d.depth) {
            ti = bt_now_ns();
            pthread_cond_wait(&L->cv_space, &L->mu);
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
        pthread_mutex_unlock(&L->mu);

        idx = bti_ld_source_index(L, b, pos);
        s->src[pos] = idx;
        err[0] = 0;
        st = bti_ld_item(W, idx, s->buf + (size_t)pos * L->item_bytes, err, sizeof err);
        s->ok[pos] = (unsigned char)(st == BT_OK);

        pthread_mutex_lock(&L->mu);
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
                pthread_cond_broadcast(&L->cv_ready);
                pthread_cond_broadcast(&L->cv_space);
            }
        }
        if (++s->done == s->count) {
            if (s->nbad) {                      /* the slot is ours alone until ready */
                pthread_mutex_unlock(&L->mu);
                bti_ld_compact(L, s);
                pthread_mutex_lock(&L->mu);
            }
            s->ready = 1;
            pthread_cond_broadcast(&L->cv_ready);
        }
    }
    pthread_cond_broadcast(&L->cv_space);
    pthread_mutex_unlock(&L->mu);
    return NULL;
}

static int bti_cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static bt_status bti_ld_list_dir(bt_loader *L, const char *dir) {
    DIR *dp = opendir(dir);
    struct dirent *de;
    size_t cap = 0;
    if (!dp) { bti_fmt(L->err, sizeof L->err, "cannot open folder %s: %s", dir, strerror(errno)); return BT_E_IO; }
    while ((de = readdir(dp)) != NULL) {
        struct stat sb;
        size_t n;
        char *p;
        if (de->d_name[0] == '.') continue;
        n = strlen(dir) + strlen(de->d_name) + 2;
        p = (char *)bti_malloc(n);
        if (!p) { closedir(dp); return BT_E_NOMEM; }
        bti_fmt(p, n, "%s/%s", dir, de->d_name);
#if defined(_DIRENT_HAVE_D_TYPE) && defined(DT_REG)
        if (de->d_type == DT_DIR || (de->d_type != DT_REG && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)) { bti_free(p); continue; }
        if (de->d_type != DT_REG)          /* links and unknown: ask stat (no stat per file otherwise) */
#endif
        if (stat(p, &sb) != 0 || !S_ISREG(sb.st_mode)) { bti_free(p); continue; }
        if (L->npaths == cap) {
            size_t nc = cap ? cap * 2 : 256;
            char **np = (char **)bti_realloc(L->paths, nc * sizeof *np);
            if (!np) { bti_free(p); closedir(dp); return BT_E_NOMEM; }
            L->paths = np; cap = nc;
        }
        L->paths[L->npaths++] = p;
    }
    closedir(dp);
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
            bti_taps_free(&L->w[k].vt); bti_taps_free(&L->w[k].ht);
        }
        bti_free(L->w);
    }
    for (i = 0; i < L->npaths; i++) bti_free(L->paths[i]);
    bti_free(L->paths);
    for (i = 0; i < L->nbad; i++) { bti_free(L->bad[i].name); bti_free(L->bad[i].reason); }
    bti_free(L->bad);
    bti_free(L->waits);
    if (L->rfd >= 0) close(L->rfd);
    pthread_mutex_destroy(&L->mu);
    pthread_cond_destroy(&L->cv_space);
    pthread_cond_destroy(&L->cv_ready);
    bti_free(L);
}

BTI_DEF void bt_loader_destroy(bt_loader *L) {
    int k;
    if (!L) return;
    pthread_mutex_lock(&L->mu);
    L->stop = 1;
    pthread_cond_broadcast(&L->cv_space);
    pthread_cond_broadcast(&L->cv_ready);
    pthread_mutex_unlock(&L->mu);
    for (k = 0; k < L->nworkers; k++) if (L->w[k].started) pthread_join(L->w[k].th, NULL);
    bti_ld_free(L);
}

static bt_status bti_ld_open_records(bt_loader *L) {
    struct stat sb;
    unsigned char h[BT_RECORD_HEADER_BYTES];
    ssize_t r;
    const char *path = L->d.records_path;
    L->rfd = open(path, O_RDONLY);
    if (L->rfd < 0) { bti_fmt(L->err, sizeof L->err, "cannot open record file %s: %s", path, strerror(errno)); return BT_E_IO; }
    if (fstat(L->rfd, &sb) != 0) { bti_fmt(L->err, sizeof L->err, "cannot stat %s", path); return BT_E_IO; }
    r = pread(L->rfd, h, sizeof h, 0);
    if (r == (ssize_t)sizeof h && memcmp(h, BT_RECORD_MAGIC, 8) == 0) {
        uint32_t u[8]; uint64_t cnt, rb;
        memcpy(&cnt, h + 16, 8); memcpy(&rb, h + 24, 8); memcpy(u, h + 32, 16);
        if (u[2] != 3 || u[3] != 0 || u[0] == 0 || u[1] == 0 || rb != (uint64_t)u[0] * u[1] * 3) {
            bti_fmt(L->err, sizeof L->err, "%s: unsupported record header (%ux%ux%u dtype %u, %llu bytes)", path, u[1], u[0], u[2], u[3], (unsigned long long)rb);
            return BT_E_PARSE;
        }
        if ((uint64_t)sb.st_size < BT_RECORD_HEADER_BYTES + cnt * rb) {
            bti_fmt(L->err, sizeof L->err, "%s: header says %llu records of %llu bytes but the file has %lld bytes",
                    path, (unsigned long long)cnt, (unsigned long long)rb, (long long)sb.st_size);
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
        L->nitems = (size_t)sb.st_size / L->rbytes;
        L->out_h = 1; L->out_w = (int)L->rbytes; L->out_c = 1;
        L->item_bytes = L->rbytes;
    }
    if (L->d.cold) bti_ld_cold(L->rfd, 0, 0);
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
#endif
    L->rfd = -1;
    L->held = -1;
    L->first_batch_s = NAN;
    pthread_mutex_init(&L->mu, NULL);
    pthread_cond_init(&L->cv_space, NULL);
    pthread_cond_init(&L->cv_ready, NULL);
    for (c = 0; c < 3; c++) {
        L->scale[c] = L->d.no_normalize ? 1.0f / 255.0f : 1.0f / (255.0f * L->d.std[c]);
        L->bias[c] = L->d.no_normalize ? 0.0f : -L->d.mean[c] / L->d.std[c];
    }
    if (L->d.layout != BT_LAYOUT_NCHW_F32 && L->d.layout != BT_LAYOUT_NHWC_U8) { bti_fmt(L->err, sizeof L->err, "unknown layout %d", (int)L->d.layout); st = BT_E_INVALID; goto fail; }
    if (L->d.crop > 65536 || L->d.resize > 65536 || L->d.batch > (1 << 24)) { bti_fmt(L->err, sizeof L->err, "crop %d, resize %d or batch %d too large", L->d.crop, L->d.resize, L->d.batch); st = BT_E_INVALID; goto fail; }
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
                int fd = open(L->paths[i], O_RDONLY);
                if (fd >= 0) { bti_ld_cold(fd, 0, 0); close(fd); }
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
        if (pthread_create(&L->w[k].th, NULL, bti_ld_main, &L->w[k]) != 0) {
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
    pthread_mutex_lock(&L->mu);
    L->released = L->held + 1;
    L->held = -1;
    pthread_cond_broadcast(&L->cv_space);
    pthread_mutex_unlock(&L->mu);
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
        pthread_mutex_lock(&L->mu);
        while (!(s->batch == b && s->ready) && !(L->failed && b >= L->fail_batch) && !L->stop)
            pthread_cond_wait(&L->cv_ready, &L->mu);
        if (L->failed && b >= L->fail_batch) { pthread_mutex_unlock(&L->mu); return L->fail_status; }
        pthread_mutex_unlock(&L->mu);
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
    pthread_mutex_lock(&M->mu);
    o->bad_items = (int64_t)L->nbad;
    o->workers = L->nworkers;
    for (k = 0; k < L->nworkers && k < BT_LOADER_MAX_WORKERS; k++) o->worker[k] = L->w[k].st;
    pthread_mutex_unlock(&M->mu);
}
BTI_DEF size_t bt_loader_num_bad(const bt_loader *L) {
    size_t n;
    bt_loader *M = (bt_loader *)L;
    if (!L) return 0;
    pthread_mutex_lock(&M->mu); n = L->nbad; pthread_mutex_unlock(&M->mu);
    return n;
}
BTI_DEF const char *bt_loader_bad_name(const bt_loader *L, size_t i) {
    const char *s = NULL;
    bt_loader *M = (bt_loader *)L;
    if (!L) return NULL;
    pthread_mutex_lock(&M->mu); if (i < L->nbad) s = L->bad[i].name; pthread_mutex_unlock(&M->mu);
    return s;
}
BTI_DEF const char *bt_loader_bad_reason(const bt_loader *L, size_t i) {
    const char *s = NULL;
    bt_loader *M = (bt_loader *)L;
    if (!L) return NULL;
    pthread_mutex_lock(&M->mu); if (i < L->nbad) s = L->bad[i].reason; pthread_mutex_unlock(&M->mu);
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
    if (st == BT_OK && rename(tmp, out_path) != 0) { bti_fmt(err, err_len, "cannot rename %s to %s: %s", tmp, out_path, strerror(errno)); st = BT_E_IO; }
    if (st != BT_OK) { remove(tmp); return st; }
    if (written) *written = (int64_t)count;
    return BT_OK;
}

/* ---------------------------------------------------------------- recompute model -------- */

/* ---------------------------------------------------------------- HTML report ------------ */

/* ---------------------------------------------------------------- merge and compare ------ */

/* ---------------------------------------------------------------- search strategies ------ */


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

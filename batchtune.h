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
      starts belong to objects you create and are documented there (the CPU model's pool).
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
    int strategy;                  /* BT_STRATEGY_EXHAUSTIVE (0, every cell) or BT_STRATEGY_ADAPTIVE
                                      (section 15: OOM frontier, racing, successive halving) */
    int search_screen_samples;     /* adaptive: samples of a cell's first, cheap visit (default 3) */
    double search_margin;          /* adaptive: racing margin, a fraction (default 0.01) */
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

/* ============================================================================================
   11. Loader (declarations)
   ========================================================================================== */

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
/* Strategies of bt_sweep_run (bt_sweep_desc.strategy).
   EXHAUSTIVE  every cell of the grid (of the shard), each measured once to the stop rule.
   ADAPTIVE    the exhaustive answer at a fraction of its cost, for one or several workloads:
     1. OOM frontier: cells above an `oom` along monotone axes are `pruned` (as exhaustive);
     2. exploration: starts at the grid's centre cell and screens (a cheap visit: warm-up plus
        up to search_screen_samples samples, cut short once the cell's lower bound is already
        out of the race) the axis neighbours of every *promising* cell — the leader, or one whose
        estimate is within the leader's upper bound plus the margin — and of failed cells next
        to them (the search walks around a wall of OOM cells), until none is left. Then, when a
        cheap visit costs under 15 % of a full one (noisy or short samples, judged on the
        leader), a coarse lattice of the cells left (every other value of each axis, and the
        ends) is screened too and explored around, so a far-away optimum is not missed;
     3. racing: a cell whose lower confidence bound is worse than the leader's upper bound by
        more than the margin is dropped (status `pruned`, reason "racing: ..."), never on a
        single sample (it may be a hiccup); bounds are the median's distribution-free 95 %
        interval, widened by a noise floor (2.5 standard errors of the median from the pooled
        spread of all cells, or the cell's own when wider; a 5 % prior until three cells have
        three samples) so a cell with few samples is not trusted too early;
     4. successive halving: survivors get their samples doubled per round (a revisit: setup,
        warm-up, more samples, teardown; the new row supersedes the old one and carries all the
        cell's samples) until the stop rule is met; when more than two survive a round and each
        has max(min_samples, 2 screens) samples, the worse half by estimate is dropped
        (`pruned`, "halving: ..."); the race ends when one survivor is left (the intervals have
        decided: its row may hold fewer samples than the stop rule asks) or all met the rule;
     5. several workloads: the score of a cell is its mean regret over the workloads (each
        against the best cell measured so far on that workload, dropped cells included), bounds
        are taken on that mean, and each workload's own best cell is explored around too (its
        T*(w) sets every cell's regret).
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
   "visits":..,"samples":..[,"find_max":{..}]} */
BATCHTUNE_API void bt_replay_write_json(const bt_replay_result *r, const bt_replay_desc *d, FILE *f);

/* ============================================================================================
   10. GPU backend — declared here, defined in batchtune_cuda.cu (nvcc). Opt-in: nothing in
   the core calls these; a program that wants the GPU calls them itself.
   ========================================================================================== */
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
BATCHTUNE_API bt_status bt_cuda_device_count(int *count, char *err, size_t err_len);
/* Properties of device `index`. */
BATCHTUNE_API bt_status bt_cuda_probe(int index, bt_device_info *out, char *err, size_t err_len);
/* "NVIDIA H100 80GB HBM3 (cc 9.0, 132 SMs, 79.2 GiB)" */
BATCHTUNE_API size_t bt_device_describe(const bt_device_info *d, char *buf, size_t n);

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
    if (n == 0 || n > 100000000u) {
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
    if (!(step > 0) || !(hi >= lo) || !isfinite(lo) || !isfinite(hi) || (hi - lo) / step > 1e8) {
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
static bt_status bti_results_load(const char *path, const bt_read_opts *o, bt_results **out, size_t *good_len,
                                  char *err, size_t errlen, char *warn, size_t warnlen) {
    size_t len = 0, lineno = 0;
    char *buf, *p, *end, *f[BTI_MAX_COLS];
    int nf, i, ours, col_wl = -1, col_dev = -1, col_status = -1, axcol[BT_MAX_AXES], mcol[BTI_MAX_COLS];
    int naxes = 0, nmetrics = 0;
    const char *axn[BT_MAX_AXES], *mn[BTI_MAX_COLS];
    bt_results *r = NULL;
    double mv[BTI_MAX_COLS];
    bt_status st = BT_OK;
    *out = NULL;
    if (good_len) *good_len = 0;
    if (warn && warnlen) warn[0] = 0;
    buf = bti_read_file(path, &len, err, errlen);
    if (!buf) return BT_E_IO;
    if (bti_has_nul(buf, len)) {
        bti_fmt(err, errlen, "%s is not a text CSV file (holds NUL bytes)", path);
        bti_free(buf); return BT_E_PARSE;
    }
    p = buf;
    end = buf + len;
    /* header */
    {
        char *nl = (char *)memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            if (len) bti_fmt(warn, warnlen, "%s: torn header line dropped", path);
            bti_free(buf);
            return BT_E_NOT_FOUND; /* no complete header: treated as empty by resume */
        }
        *nl = 0;
        if (nl > p && nl[-1] == '\r') nl[-1] = 0;
        lineno = 1;
        nf = bti_csv_split(p, f, BTI_MAX_COLS);
        if (nf < 1) { bti_fmt(err, errlen, "%s:1: bad header", path); bti_free(buf); return BT_E_PARSE; }
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
            bti_free(buf); return BT_E_PARSE;
        }
        for (i = 2; i < col_status; i++) {
            if (naxes >= BT_MAX_AXES) { bti_fmt(err, errlen, "%s:1: too many axes", path); bti_free(buf); return BT_E_PARSE; }
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
                if (naxes >= BT_MAX_AXES) { bti_fmt(err, errlen, "%s:1: too many axis columns", path); bti_free(buf); return BT_E_PARSE; }
                axcol[naxes] = i; axn[naxes++] = f[i];
            } else { mcol[nmetrics] = i; mn[nmetrics++] = f[i]; }
        }
        if (!naxes) { bti_fmt(err, errlen, "%s:1: no axis columns found (name them with --axes)", path); bti_free(buf); return BT_E_PARSE; }
    }
    r = bt_results_create(naxes, axn, nmetrics, mn);
    if (!r) { bti_free(buf); bti_fmt(err, errlen, "out of memory"); return BT_E_NOMEM; }
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
    bti_free(buf);
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


/* ---------------------------------------------------------------- loader ----------------- */

/* ---------------------------------------------------------------- recompute model -------- */

/* ---------------------------------------------------------------- HTML report ------------ */

/* ---------------------------------------------------------------- merge and compare ------ */

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
    double *e2e;               /* n sample times */
    double *rows;              /* n x nscols sample rows (what the row's samples file block holds) */
    double tsum;               /* sum of sample times: the stop rule's elapsed time */
    double cost;               /* seconds of all visits: setup, warm-up, samples, teardown */
    int visits, done, noisy, drawn;
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
    int n0, keep, live;
    double margin, z, prior, pool;
    int leader;                /* cell of the best estimate at the last evaluation, -1 none */
    double *med, *lo, *hi, *score; /* ncells x nw, ncells */
    unsigned char *elig;
};

static bti_sc *bti_sc_at(bti_srch *s, size_t ci, int wl) { return &s->sc[ci * (size_t)s->nw + (size_t)wl]; }
static bt_status bti_sc_push(bti_srch *s, bti_sc *sc, const double *row) {
    int ns = s->sw->r->nscols;
    if (sc->n == sc->cap) {
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
    memcpy(sc->rows + (size_t)sc->n * (size_t)ns, row, (size_t)ns * sizeof(double));
    sc->e2e[sc->n++] = row[BTI_S_E2E];
    sc->tsum += row[BTI_S_E2E];
    s->samples++;
    return BT_OK;
}
/* after a sample: does the stop rule hold on all of the cell's samples? */
static void bti_sc_check(bti_srch *s, bti_sc *sc) {
    bt_stats st;
    if (bt_stats_compute(sc->e2e, (size_t)sc->n, &st) == BT_OK) sc->done = bt_stop_check(&s->sw->stop, &st, sc->tsum, &sc->noisy);
}
/* noise-aware sampling: a cheap visit stops as soon as the cell's lower bound is worse than
   the leader's upper bound (same workload) by more than the margin: more samples would not
   bring it back into the race */
static int bti_srch_decided(bti_srch *s, const bti_sc *sc, size_t ci, int wl) {
    bt_stats st;
    double spread = s->pool, lo;
    size_t li;
    if (s->leader < 0 || (size_t)s->leader == ci || sc->n < 2) return 0; /* one sample may be a hiccup */
    li = (size_t)s->leader * (size_t)s->nw + (size_t)wl;
    if (isnan(s->hi[li]) || bt_stats_compute(sc->e2e, (size_t)sc->n, &st) != BT_OK) return 0;
    if (sc->n >= 3 && st.rel_mad > spread) spread = st.rel_mad;
    lo = st.ci_lo;
    if (st.median - s->z * 1.2533 * spread * st.median / sqrt((double)sc->n) < lo)
        lo = st.median - s->z * 1.2533 * spread * st.median / sqrt((double)sc->n);
    return lo > s->hi[li] * (1 + s->margin);
}
static void bti_srch_free(bti_srch *s) {
    size_t i;
    for (i = 0; s->sc && i < s->ncells * (size_t)s->nw; i++) { bti_free(s->sc[i].e2e); bti_free(s->sc[i].rows); }
    bti_free(s->sc); bti_free(s->use); bti_free(s->out);
    bti_free(s->med); bti_free(s->lo); bti_free(s->hi); bti_free(s->score); bti_free(s->elig);
}
static bt_status bti_srch_init(bti_srch *s, bti_sweep *sw, bti_visit_fn visit, void *ctx) {
    size_t n = bt_grid_num_cells(sw->g);
    memset(s, 0, sizeof *s);
    s->sw = sw; s->ncells = n; s->nw = sw->nw; s->visit = visit; s->ctx = ctx;
    s->n0 = sw->d.search_screen_samples > 0 ? sw->d.search_screen_samples : 3;
    s->margin = sw->d.search_margin > 0 ? sw->d.search_margin : 0.01;
    s->z = 2.5; s->prior = 0.05; s->keep = 2;
    s->sc = (bti_sc *)bti_calloc(n * (size_t)sw->nw, sizeof(bti_sc));
    s->use = (unsigned char *)bti_calloc(n, 1);
    s->out = (unsigned char *)bti_calloc(n, 1);
    s->med = (double *)bti_calloc(n * (size_t)sw->nw, sizeof(double));
    s->lo = (double *)bti_calloc(n * (size_t)sw->nw, sizeof(double));
    s->hi = (double *)bti_calloc(n * (size_t)sw->nw, sizeof(double));
    s->score = (double *)bti_calloc(n, sizeof(double));
    s->elig = (unsigned char *)bti_calloc(n, 1);
    if (!s->sc || !s->use || !s->out || !s->med || !s->lo || !s->hi || !s->score || !s->elig) { bti_srch_free(s); return BT_E_NOMEM; }
    for (n = 0; n < s->ncells * (size_t)sw->nw; n++) s->sc[n].status = -1;
    s->leader = -1;
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
    st = bti_sweep_emit(s->sw, wl, axv, cst, reason, sc->rows, cst == BT_CELL_OK ? sc->n : 0, sc->noisy, sc->cost);
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

/* cheap first visit of every workload of a cell; a cell that is not ok on one workload cannot be
   recommended, so its other workloads are not measured */
static bt_status bti_srch_screen(bti_srch *s, size_t ci) {
    bt_cell c;
    char why[512];
    int k, bad = -1;
    bt_status st = BT_OK;
    bt_grid_cell(s->sw->g, ci, &c);
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
            st = bti_srch_visit(s, ci, k, s->n0);
            if (sc->status != BT_CELL_OK) bad = k;
        }
    }
    return st;
}

/* estimates: per (cell, wl) median and bounds; per cell eligibility and mean-regret score */
static int bti_srch_eval(bti_srch *s, double *best) {
    size_t ci, i, nrel = 0;
    int k, leader = -1;
    double pool, *rel = (double *)bti_malloc(s->ncells * (size_t)s->nw * sizeof(double));
    for (k = 0; k < s->nw; k++) best[k] = NAN;
    for (ci = 0; ci < s->ncells; ci++) {
        s->elig[ci] = s->use[ci] == 1 && !s->out[ci];
        for (k = 0; k < s->nw && s->elig[ci]; k++) {
            bti_sc *sc = bti_sc_at(s, ci, k);
            if (sc->status != BT_CELL_OK || sc->n < 1) s->elig[ci] = 0;
        }
    }
    /* pooled spread of the samples (relative MAD) over cells with 3 or more samples */
    for (ci = 0; ci < s->ncells; ci++) for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, ci, k);
        bt_stats st;
        i = ci * (size_t)s->nw + (size_t)k;
        s->med[i] = s->lo[i] = s->hi[i] = NAN;
        if (sc->status != BT_CELL_OK || sc->n < 1 || bt_stats_compute(sc->e2e, (size_t)sc->n, &st) != BT_OK) continue;
        s->med[i] = st.median; s->lo[i] = st.ci_lo; s->hi[i] = st.ci_hi;
        if (sc->n >= 3 && rel) rel[nrel++] = st.rel_mad;
    }
    /* until three cells have three samples, the prior noise is a floor: a quiet first cell
       must not make every later bound tight */
    pool = nrel && rel ? bti_median_inplace(rel, nrel) : s->prior;
    if (nrel < 3 && pool < s->prior) pool = s->prior;
    s->pool = pool;
    bti_free(rel);
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
    return leader;
}
/* lower bound of (mean regret of c) - (mean regret of the leader) */
static double bti_srch_gap_lb(const bti_srch *s, size_t c, size_t l, const double *best) {
    double sum = 0;
    int k;
    for (k = 0; k < s->nw; k++) sum += (s->lo[c * (size_t)s->nw + (size_t)k] - s->hi[l * (size_t)s->nw + (size_t)k]) / best[k];
    return sum / s->nw;
}
static size_t bti_srch_neighbour(const bt_grid *g, size_t ci, int a, int dir) {
    bt_cell c;
    size_t stride = 1;
    int i;
    bt_grid_cell(g, ci, &c);
    if ((dir < 0 && c.vi[a] == 0) || (dir > 0 && (size_t)c.vi[a] + 1 >= g->ax[a].n)) return SIZE_MAX;
    for (i = g->naxes - 1; i > a; i--) if (g->ax[i].tied_to < 0) stride *= g->ax[i].n;
    return dir < 0 ? ci - stride : ci + stride;
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

/* predicted cost of a cheap visit over a full (stop rule) visit, from the first cell's samples */
static int bti_srch_global_affordable(bti_srch *s, size_t ci, double *best) {
    const bt_stop_rule *r = &s->sw->stop;
    double cheap = 0, full = 0;
    int k;
    bti_srch_eval(s, best);
    for (k = 0; k < s->nw; k++) {
        bti_sc *sc = bti_sc_at(s, ci, k);
        bt_stats st;
        double t, spread, ovh, n, nn;
        if (sc->status != BT_CELL_OK || sc->n < 1 || bt_stats_compute(sc->e2e, (size_t)sc->n, &st) != BT_OK || !(st.median > 0)) return 0;
        t = st.median;
        spread = st.rel_mad > s->pool ? st.rel_mad : s->pool;
        ovh = sc->cost - sc->tsum > 0 ? sc->cost - sc->tsum : 0;
        nn = 1.96 * 1.2533 * spread / r->max_rel_noise;
        n = nn * nn;
        if (n < r->min_samples) n = r->min_samples;
        if (n < r->min_time_s / t) n = r->min_time_s / t;
        if (n > r->max_samples) n = r->max_samples;
        if (n > r->max_time_s / t + 1) n = r->max_time_s / t + 1;
        cheap += ovh + s->n0 * t;
        full += ovh + n * t;
    }
    return full > 0 && cheap <= 0.15 * full;
}

static bt_status bti_srch_adaptive(bti_srch *s) {
    const bt_grid *g = s->sw->g;
    bt_status st = BT_OK;
    size_t ci, start = SIZE_MAX, bestd = SIZE_MAX;
    int k, round, a, min_samples = s->sw->stop.min_samples, completed = 0;
    double *best = (double *)bti_malloc((size_t)s->nw * sizeof(double));
    double *order = (double *)bti_malloc(2 * s->ncells * sizeof(double));
    unsigned char *cand = (unsigned char *)bti_calloc(s->ncells, 1), *src = (unsigned char *)bti_calloc(s->ncells, 1);
    char why[512], lab[256];
    if (!best || !order || !cand || !src) { bti_free(best); bti_free(order); bti_free(cand); bti_free(src); return BT_E_NOMEM; }
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
    if (start != SIZE_MAX) st = bti_srch_screen(s, start);
    for (round = 0; st == BT_OK && start != SIZE_MAX && round < 100000; round++) {
        int leader, any_elig = 0, nsurv = 0, alldone = 1, changed;
        double lhi = 0;
        size_t ncand = 0;
        if (bti_srch_budget_spent(s)) break;
        leader = bti_srch_eval(s, best);
        /* racing: drop cells whose lower bound is worse than the leader's upper bound + margin */
        for (ci = 0; leader >= 0 && ci < s->ncells && st == BT_OK; ci++) {
            double gap;
            if (!s->elig[ci] || (int)ci == leader) continue;
            for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->n < 2) break;
            if (k < s->nw) continue; /* never on a single sample: it may be a hiccup */
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
        /* exploration: screen the unvisited axis neighbours of every promising cell, and of the
           failed cells (oom, error, pruned above an OOM) next to one: the search walks around a
           wall of failures instead of stopping at it */
        for (ci = 0; ci < s->ncells; ci++) if (s->elig[ci]) any_elig = 1;
        memset(cand, 0, s->ncells);
        memset(src, 0, s->ncells);
        if (leader >= 0) for (lhi = 0, k = 0; k < s->nw; k++) lhi += (s->hi[(size_t)leader * (size_t)s->nw + (size_t)k] / best[k] - 1.0) / s->nw;
        for (ci = 0; ci < s->ncells; ci++) {
            /* promising: the leader, or a cell whose estimate is within the leader's upper bound
               (an uncertain cell further off is refined, and explored only once it gets there) */
            if (any_elig) src[ci] = s->elig[ci] && ((int)ci == leader || s->score[ci] <= lhi + s->margin);
            else src[ci] = s->use[ci] == 1 && bti_sc_at(s, ci, 0)->status >= 0;
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
        for (changed = 1; changed;) for (changed = 0, ci = 0; ci < s->ncells; ci++) {
            if (!src[ci]) continue;
            for (a = 0; a < g->naxes; a++) {
                int dir;
                if (g->ax[a].tied_to >= 0) continue;
                for (dir = -1; dir <= 1; dir += 2) {
                    size_t nb = bti_srch_neighbour(g, ci, a, dir);
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
                    size_t nb = bti_srch_neighbour(g, ci, a, dir);
                    if (nb == SIZE_MAX || s->use[nb] != 1 || cand[nb]) continue;
                    for (k = 0; k < s->nw; k++) if (bti_sc_at(s, nb, k)->status < 0) break;
                    if (k == s->nw) continue; /* all its workloads visited or marked */
                    cand[nb] = 1; ncand++;
                }
            }
        }
        if (ncand) {
            for (ci = 0; ci < s->ncells && st == BT_OK; ci++) if (cand[ci]) st = bti_srch_screen(s, ci);
            continue;
        }
        /* the local search has converged. When a cheap visit costs a small fraction of a full
           one (noisy or short samples), screen a coarse lattice of the cells left (every other
           value of each axis, and each axis' ends), so that a far-away optimum is found and
           then explored around; with a strong leader known, bad cells stop after two samples */
        if (!completed && leader >= 0) {
            completed = 1;
            if (bti_srch_global_affordable(s, (size_t)leader, best)) {
                for (ci = 0; ci < s->ncells && st == BT_OK; ci++) {
                    bt_cell c;
                    int coarse = 1;
                    bt_grid_cell(g, ci, &c);
                    for (a = 0; a < g->naxes; a++)
                        if (g->ax[a].tied_to < 0 && c.vi[a] % 2 != 0 && (size_t)c.vi[a] + 1 != g->ax[a].n) coarse = 0;
                    for (k = 0; k < s->nw; k++) if (bti_sc_at(s, ci, k)->status < 0) break;
                    if (coarse && s->use[ci] == 1 && k < s->nw) { st = bti_srch_screen(s, ci); bti_srch_eval(s, best); }
                }
                continue;
            }
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
        /* successive halving: once every survivor has the stop rule's minimum of samples (and
           four screens' worth), keep the better half by estimate while more than `keep` survive */
        if (nsurv > s->keep) {
            int ready = 1, r, keepn = (nsurv + 1) / 2;
            if (keepn < s->keep) keepn = s->keep;
            for (r = 0; r < nsurv && ready; r++)
                for (k = 0; k < s->nw; k++) if (bti_sc_at(s, (size_t)order[2 * r + 1], k)->n < (min_samples > 2 * s->n0 ? min_samples : 2 * s->n0)) ready = 0;
            if (ready) {
                qsort(order, (size_t)nsurv, 2 * sizeof(double), bti_srch_cmp_score);
                for (r = keepn; r < nsurv && st == BT_OK; r++) {
                    size_t c2 = (size_t)order[2 * r + 1];
                    bti_fmt(why, sizeof why, "halving: mean regret estimate %.3g %% ranks %d of %d survivors (kept the best %d)",
                            100 * s->score[c2], r + 1, nsurv, keepn);
                    st = bti_srch_drop(s, c2, why);
                }
                continue;
            }
        }
        /* refine: double each survivor's samples (at least to the stop rule's minimum) */
        for (ci = 0; ci < s->ncells && st == BT_OK; ci++) {
            if (!s->elig[ci]) continue;
            for (k = 0; k < s->nw && st == BT_OK; k++) {
                bti_sc *sc = bti_sc_at(s, ci, k);
                int more = sc->n;
                if (sc->done) continue;
                if (sc->n + more < min_samples) more = min_samples - sc->n;
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
            } else
                st = bti_srch_mark(s, ci, k, BT_CELL_PRUNED, "adaptive: not explored: no neighbour within the racing margin of the leader");
        }
    }
    if (st == BT_OK) bti_srch_eval(s, best); /* s->leader: the strategy's pick */
    bti_free(best); bti_free(order); bti_free(cand); bti_free(src);
    return st;
}

/* --- live backend: runs the workload's callbacks (bt_sweep_run with BT_STRATEGY_ADAPTIVE) --- */
static bt_cell_status bti_visit_live(bti_srch *s, const bt_cell *c, int wl, int max_new, char *reason, size_t rlen) {
    bti_sweep *sw = s->sw;
    const bt_workload *w = &sw->w[wl];
    const bt_stop_rule *rule = &sw->stop;
    bti_sc *sc = bti_sc_at(s, c->index, wl);
    int ns = sw->r->nscols, i, taken = 0;
    double *row = (double *)bti_malloc((size_t)ns * sizeof(double));
    bt_sample smp;
    bt_status st = BT_OK;
    bt_cell_status cst = BT_CELL_OK;
    uint64_t tv = bt_now_ns();
    reason[0] = 0;
    if (!row) { bti_fmt(reason, rlen, "host out of memory"); return BT_CELL_ERROR; }
    memset(&smp, 0, sizeof smp);
    bti_sample_reset(&smp, -1);
    sc->done = 0;
    if (w->setup) st = w->setup(c, w->user, &smp);
    for (i = 0; st == BT_OK && i < rule->warmup; i++) {
        bti_sample_reset(&smp, -1 - i);
        st = w->run(c, w->user, &smp);
        if (st == BT_OK && w->sync) st = w->sync(w->user, &smp);
    }
    while (st == BT_OK && !sc->done && (max_new <= 0 || taken < max_new)) {
        uint64_t t0, t1;
        double dt;
        int k;
        bti_sample_reset(&smp, sc->n);
        t0 = bt_now_ns();
        st = w->run(c, w->user, &smp);
        if (st == BT_OK && w->sync) st = w->sync(w->user, &smp);
        t1 = bt_now_ns();
        if (st != BT_OK) break;
        dt = (double)(t1 - t0) * 1e-9;
        if (dt > rule->timeout_s) {
            cst = BT_CELL_TIMEOUT;
            bti_fmt(reason, rlen, "sample %d took %.3g s, over the %.3g s limit", sc->n, dt, rule->timeout_s);
            break;
        }
        for (k = 0; k < ns; k++) row[k] = NAN;
        row[BTI_S_E2E] = dt;
        if (smp.items > 0) { row[BTI_S_ITEMS] = smp.items; row[BTI_S_IPS] = smp.items / dt; row[BTI_S_SPI] = dt / smp.items; }
        for (k = 0; k < BT_PHASE_COUNT; k++) if (smp.phase_s[k] >= 0) row[BTI_S_PHASE0 + k] = smp.phase_s[k];
        if (smp.peak_mem_bytes >= 0) row[BTI_S_PEAK] = smp.peak_mem_bytes;
        for (k = 0; k < w->num_metrics && k < BT_MAX_METRICS; k++) row[sw->cmap[wl * BT_MAX_METRICS + k]] = smp.metric[k];
        if (bti_sc_push(s, sc, row) != BT_OK) { st = BT_E_NOMEM; break; }
        taken++;
        bti_sc_check(s, sc);
        if (max_new > 0 && bti_srch_decided(s, sc, c->index, wl)) break;
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
    int ns = s->sw->r->nscols, taken = 0, k, nrec;
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
    while (!sc->done && (max_new <= 0 || taken < max_new)) {
        uint64_t rs = R->seed * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)c->index * 1000003ULL + (uint64_t)wl * 7919ULL + (uint64_t)sc->drawn * 0x5851F42D4C957F2DULL);
        double x, peak = R->m_peak >= 0 ? row->m[R->m_peak] : NAN;
        int j;
        bti_rand_next(&rs);
        if (nrec) {
            j = sc->drawn < nrec ? sc->drawn : (int)bti_rand_below(&rs, (size_t)nrec);
            x = row->samp[(size_t)j * (size_t)R->rec->nscols + (size_t)R->s_e2e];
            if (R->s_peak >= 0 && !isnan(row->samp[(size_t)j * (size_t)R->rec->nscols + (size_t)R->s_peak])) peak = row->samp[(size_t)j * (size_t)R->rec->nscols + (size_t)R->s_peak];
        } else x = med + sd * bti_replay_gauss(&rs);
        if (R->noise > 0) x *= 1.0 + R->noise * bti_replay_gauss(&rs);
        if (x < 0.05 * med) x = 0.05 * med;
        sc->drawn++;
        for (k = 0; k < ns; k++) v[k] = NAN;
        v[BTI_S_E2E] = x;
        v[BTI_S_PEAK] = peak;
        if (bti_sc_push(s, sc, v) != BT_OK) break;
        sc->cost += x;
        taken++;
        bti_sc_check(s, sc);
        if (max_new > 0 && bti_srch_decided(s, sc, c->index, wl)) break;
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
    bti_str_printf(&s, ",\"cells\":%zu,\"measured\":%zu,\"visits\":%zu,\"samples\":%zu", r->cells, r->measured, r->visits, r->samples);
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

/* batchtune — the command-line tool. A thin layer over batchtune.h: everything it does is
   possible from the library API.
   Build (CPU):  cc -O3 -I. -I/usr/include/stb tools/batchtune.c -o batchtune -lm -pthread
   Build (GPU):  nvcc -O3 -x cu -DBATCHTUNE_WITH_CUDA -I. -I/usr/include/stb tools/batchtune.c batchtune_cuda.cu -o batchtune
   Build (Windows, MinGW-w64):  x86_64-w64-mingw32-gcc -O2 -I. -I/usr/include/stb tools/batchtune.c -o batchtune.exe
   Exit status: 0 success, 1 runtime failure, 2 usage error (one line naming the bad flag). */
#define BATCHTUNE_IMPLEMENTATION
#define BATCHTUNE_STB_IMPLEMENTATION   /* image decoding for loadbench / pack (stb_image, private) */
#include "batchtune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
#include <windows.h>
#include <io.h>
#else
#include <unistd.h>
#endif

#define TOOL_EXIT_OK 0
#define TOOL_EXIT_FAIL 1
#define TOOL_EXIT_USAGE 2

/* ---------------------------------------------------------------- flag parsing ---------- */
typedef struct tool_args {
    int argc, i;
    char **argv;
    const char *cmd;
    const char *val;     /* value of the flag just matched */
    int bad;
} tool_args;

static int usage_error(const char *cmd, const char *fmt, const char *what) {
    fprintf(stderr, "batchtune %s: ", cmd);
    fprintf(stderr, fmt, what);
    fprintf(stderr, " (see 'batchtune %s --help')\n", cmd);
    return TOOL_EXIT_USAGE;
}
/* matches "--name" (flag without value) */
static int arg_flag(tool_args *a, const char *name) {
    return strcmp(a->argv[a->i], name) == 0;
}
/* matches "--name VALUE" or "--name=VALUE"; sets a->val */
static int arg_value(tool_args *a, const char *name) {
    const char *s = a->argv[a->i];
    size_t n = strlen(name);
    if (strncmp(s, name, n) != 0) return 0;
    if (s[n] == '=') { a->val = s + n + 1; return 1; }
    if (s[n] != 0) return 0;
    if (a->i + 1 >= a->argc) { usage_error(a->cmd, "flag '%s' needs a value", name); a->bad = 1; a->val = NULL; return 1; }
    a->val = a->argv[++a->i];
    return 1;
}
static int parse_int_arg(tool_args *a, const char *flag, long lo, long hi, long *out) {
    char *end;
    long v;
    if (!a->val) return 0;
    v = strtol(a->val, &end, 10);
    if (!*a->val || *end || v < lo || v > hi) {
        fprintf(stderr, "batchtune %s: %s '%s' is not an integer in %ld..%ld (see 'batchtune %s --help')\n", a->cmd, flag, a->val, lo, hi, a->cmd);
        a->bad = 1;
        return 0;
    }
    *out = v;
    return 1;
}
static int parse_double_arg(tool_args *a, const char *flag, double lo, double *out) {
    char *end;
    double v;
    if (!a->val) return 0;
    v = strtod(a->val, &end);
    if (!*a->val || *end || !(v >= lo)) {
        fprintf(stderr, "batchtune %s: %s '%s' is not a number >= %g (see 'batchtune %s --help')\n", a->cmd, flag, a->val, lo, a->cmd);
        a->bad = 1;
        return 0;
    }
    *out = v;
    return 1;
}
static int is_help(const char *s) { return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0; }

/* ---------------------------------------------------------------- progress -------------- */
typedef struct tool_progress { int tty; int quiet; } tool_progress;
/* stderr is a terminal that understands "\r\x1b[K" (on Windows: a console switched to
   virtual-terminal mode; older consoles get the line-per-cell output) */
static int stderr_is_terminal(void) {
#ifdef _WIN32
    HANDLE h = GetStdHandle(STD_ERROR_HANDLE);
    DWORD mode;
    if (!_isatty(_fileno(stderr)) || !GetConsoleMode(h, &mode)) return 0;
    return (mode & 0x0004) || SetConsoleMode(h, mode | 0x0004); /* ENABLE_VIRTUAL_TERMINAL_PROCESSING */
#else
    return isatty(2);
#endif
}
static void fmt_hms(char *b, size_t n, double s) {
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(b, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else snprintf(b, n, "%02ld:%02ld", t / 60, t % 60);
}
static void on_progress(const bt_progress *p, void *user) {
    tool_progress *tp = (tool_progress *)user;
    char cell[512], el[32], eta[32];
    double rate;
    if (tp->quiet) return;
    bt_cell_format(p->cell, cell, sizeof cell);
    fmt_hms(el, sizeof el, p->elapsed_s);
    rate = p->done ? p->elapsed_s / (double)p->done : 0;
    fmt_hms(eta, sizeof eta, rate * (double)(p->total - p->done));
    if (tp->tty) {
        fprintf(stderr, "\r\x1b[K[%zu/%zu] %3.0f%% %s ETA %s  %s %s: %s%s", p->done, p->total,
                p->total ? 100.0 * (double)p->done / (double)p->total : 100.0, el, eta, p->workload, cell,
                bt_cell_status_str(p->last_status), p->skipped ? " (on file)" : "");
        if (p->done == p->total) fprintf(stderr, "\n");
    } else {
        fprintf(stderr, "batchtune: [%zu/%zu] %s %s: %s%s (elapsed %s)\n", p->done, p->total, p->workload, cell,
                bt_cell_status_str(p->last_status), p->skipped ? " (on file)" : "", el);
    }
    fflush(stderr);
}

static char **tool_argv;   /* main's argv: sweep --isolate starts the tool again with it */

/* ---------------------------------------------------------------- subcommands ----------- */
static const char *const SWEEP_HELP =
    "usage: batchtune sweep [options]\n"
    "Sweeps a grid of settings over a workload, records every cell (results CSV, samples file,\n"
    "JSON metadata), then prints the ranking, the recommendation and a heatmap.\n"
    "\n"
    "workload (built in, or any program):\n"
    "  --workload NAME      cpu-mlp (default): a batched stack of matrix multiplies + bias + ReLU\n"
    "                       on the CPU; its axes are 'batch' and 'threads'\n"
    "  --layers L --width H --items N   model size and items per sample (default 8, 1024, 256)\n"
    "  --workload recompute the decode-verify-rollback generator (axes batch, window): recompute_pct,\n"
    "                       and s_per_item = time per kept token including the recompute\n"
    "  --workload gpu-mlp|gpu-conv|gpu-decoder|gpu-reduce   GPU reference models (tool built with\n"
    "                       nvcc; mlp and conv run as three workloads: original, narrower, shallower;\n"
    "                       gpu-decoder takes a 'seq' axis, declare it and batch --monotone)\n"
    "  --cupti              gpu-*: busy_pct_cupti from CUPTI's kernel records beside busy_pct\n"
    "                       (events); CUPTI is dlopened ($BATCHTUNE_CUPTI_LIB or the toolkit's\n"
    "                       lib dirs); without it the column stays empty and one line says why\n"
    "  --nvml               gpu-*: NVML's utilization, memory, SM clock, power, energy per item\n"
    "                       and throttling, sampled by a thread the sweep owns (0.1 s period;\n"
    "                       figures empty for cells shorter than 1 s, or without NVML)\n"
    "  --l2-flush           gpu-*: flush the L2 cache before every sample (cold samples)\n"
    "  --workload pipeline  the image-model study's pipeline: loader(batch, workers) -> a model\n"
    "                       head on each batch (pooling + 3 layers), timed from the loader's creation\n"
    "                       to the last result; axes 'batch' and 'workers' (default batch=16,32,64,128,\n"
    "                       workers=1,2,4); give --images DIR (decoded in the loader) and/or\n"
    "                       --records FILE (preprocessed, from 'batchtune pack'): one workload each.\n"
    "                       On the GPU (see --device): pinned batches, upload overlapped with\n"
    "                       compute, h2d_s and compute_s from CUDA events\n"
    "  --resize S --crop C  the loader's transform (default 256, 224)   --cold  evict the page cache\n"
    "  --layout L           pipeline batches: nchw-f32 (normalized by the loader; the CPU default)\n"
    "                       or nhwc-u8 (normalized by the head; the GPU default: 4x fewer bytes up)\n"
    "  --cmd 'TEMPLATE'     run a program once per sample, e.g. 'python infer.py --bs {batch}':\n"
    "                       {axis} is replaced inside its argument (no shell: values cannot inject);\n"
    "                       repeat --cmd for several workloads; --name NAME before a --cmd names it\n"
    "  --metric NAME        a metric the programs print ('batchtune: NAME=value' or a JSON line)\n"
    "  --oom-pattern TEXT   stderr text meaning out of memory (repeatable; default: 'out of memory',\n"
    "                       'OutOfMemoryError', 'std::bad_alloc', 'CUDA_ERROR_OUT_OF_MEMORY')\n"
    "  --oom-exit CODE      exit code meaning out of memory   --cmd-timeout S (default 600)\n"
    "  --device auto|cpu|gpu  where the pipeline's head runs. auto (default): the GPU when the tool\n"
    "                       was built with CUDA and finds a device, else the CPU, saying why; gpu:\n"
    "                       fail (exit 1) with the reason when there is none. The results' device\n"
    "                       column names the device used (other GPU workloads: --workload gpu-*)\n"
    ;
static const char *const SWEEP_HELP2 =
    "grid:\n"
    "  --axis SPEC          e.g. batch=1..1024:x4  threads=1,2  lr=0.1..0.5:+0.1 (repeatable)\n"
    "                       default: batch=1..256:x4 and threads=1,2,4,.. up to the CPUs\n"
    "  --constraint SPEC    e.g. 'batch*threads<=512' (cells outside are recorded 'infeasible')\n"
    "  --monotone AXIS      memory grows with this axis (cells above an OOM are pruned)\n"
    "output:\n"
    "  --out FILE           results CSV (default results.csv; FILE.samples.csv and FILE.json beside)\n"
    "  --resume             continue a sweep: skip cells already in FILE (must be the same sweep)\n"
    "  --force              overwrite an existing FILE instead of refusing\n"
    "stopping (per cell):\n"
    "  --warmup N --min-samples N --max-samples N --max-noise F --min-time S --max-time S --timeout S\n"
    "sweep:\n"
    "  --shard K/N          run only shard K of N (K in 0..N-1); cells that differ only in\n"
    "                       --monotone axes stay on one shard, so OOM pruning still works\n"
    "  --shard slurm        take K and N from the Slurm job array (SLURM_ARRAY_TASK_ID minus\n"
    "                       SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_COUNT): sbatch --array=0-3;\n"
    "                       with --shards N the array ids are the shard numbers, so\n"
    "                       sbatch --array=2,3 ... --shards 4 re-runs shards 2 and 3\n"
    "  --shard k8s --shards N   K from JOB_COMPLETION_INDEX (Kubernetes indexed Job), N given\n"
    "                       A shard writes its own file: --out's '{shard}' becomes K ('{shards}'\n"
    "                       N), else '.shard-K-of-N' goes before '.csv' (default\n"
    "                       results.shard-K-of-N.csv). Join the shards with 'batchtune merge'.\n"
    "  --time-budget S      cells not started within S seconds are recorded 'not_run'\n"
    "  --isolate            run each cell in a freshly started process of this tool: a crash, an\n"
    "                       abort or a sticky CUDA error becomes that cell's 'error', a cell\n"
    "                       still running after --isolate-timeout S (default: --timeout x\n"
    "                       (warmup + 2) + --max-time) is killed as 'timeout'; the sweep goes\n"
    "                       on. Costs a start of this tool per cell (about 5 ms here).\n"
    "                       With --cmd it changes nothing: each sample is already its own\n"
    "                       process, killed at --cmd-timeout. Without --isolate, a sticky CUDA\n"
    "                       error on a GPU workload (nvcc-built tool) ends this process after\n"
    "                       the cell's row is written and the tool starts itself again with\n"
    "                       --resume (instead of --force), going on after that cell\n"
    "ranking:\n"
    "  --objective COLUMN   (default e2e_s_median)   --top N (default 3)\n"
    "  --quiet              no progress lines\n";

/* built-in workloads other than cpu-mlp and pipeline (tools/cmd_workloads.c) */
typedef struct tool_builtins tool_builtins;
static int tool_builtin_init(const char *workload, bt_grid *g, tool_builtins *b, bt_workload *wls, int *nwl, char *settings, size_t n);
static void tool_builtin_free(tool_builtins *b);
/* flags: TOOL_GPU_CUPTI (--cupti), TOOL_GPU_NVML (--nvml), TOOL_GPU_L2FLUSH (--l2-flush) */
enum { TOOL_GPU_CUPTI = 1, TOOL_GPU_NVML = 2, TOOL_GPU_L2FLUSH = 4 };
static tool_builtins *tool_builtins_new(int gpu_flags);
/* before bt_sweep_run: hands the sweep what it owns for these workloads (--nvml's sampler) */
static int tool_builtins_attach(tool_builtins *b, bt_sweep_desc *d);

/* where the pipeline's head runs: CPU, or the GPU step of batchtune_cuda.cu (tools/cmd_pipeline.c) */
typedef struct tool_pipe_dev tool_pipe_dev;
static int pipeline_device_choose(const char *device, tool_pipe_dev **out);
static int pipeline_device_attach(tool_pipe_dev *g, bt_pipeline *pp, int k);
static int pipeline_device_gpu(const tool_pipe_dev *g);
static const char *pipeline_device_label(const tool_pipe_dev *g);
static void pipeline_device_free(tool_pipe_dev *g);
#ifdef BATCHTUNE_WITH_CUDA
static bt_device *pipeline_device_dev(const tool_pipe_dev *g);                  /* NULL: CPU */
static int tool_builtin_devices(const tool_builtins *b, bt_device **out, int max); /* gpu-* */
#endif

/* search flags of sweep: --strategy, --find-max, --replay (tools/cmd_search.c) */
typedef struct search_opts search_opts;
static search_opts *search_opts_new(void);
static void search_opts_free(search_opts *o);
static void search_help(FILE *f);
static int search_flag(search_opts *o, tool_args *a);
static int search_replaying(const search_opts *o);
static int search_replay(search_opts *o, const bt_sweep_desc *d, const char *const *mono, int nmono, const char *objective);
static int search_apply(search_opts *o, const bt_grid *g, bt_sweep_desc *d);
static void search_after(search_opts *o, const bt_grid *g, const bt_workload *wl, int nw, const bt_results *res, const bt_ranking *rk);

#ifdef BATCHTUNE_WITH_CUDA
/* argv for starting the sweep again after a sticky device error: the same arguments with
   --force replaced by --resume (so the rows on disk are kept) and --resume added when absent.
   0, or -1 when it does not fit in n entries. */
static int tool_resume_argv(char *const *argv, char **out, int n) {
    static char resume[] = "--resume";
    int i, k = 0, has = 0;
    for (i = 0; argv && argv[i]; i++) {
        if (k >= n - 2) return -1;
        if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "--resume") == 0) { if (!has) out[k++] = resume; has = 1; continue; }
        out[k++] = argv[i];
    }
    if (!has) out[k++] = resume;
    out[k] = NULL;
    return 0;
}
#endif

static int cmd_sweep(int argc, char **argv) {
    tool_args a;
    const char *axes[BT_MAX_AXES], *cons[32], *mono[BT_MAX_AXES], *workload = "cpu-mlp", *objective = "e2e_s_median";
    const char *cmds[16], *cmd_names[16], *pending_name = NULL, *oom_pats[16], *metric_names[BT_MAX_METRICS], *device = "auto";
    int naxes = 0, ncons = 0, nmono = 0, i, ncmd = 0, noom = 0, nmetric = 0, nwl = 1;
    long oom_exit = 0;
    const char *images_dir = NULL, *records_path = NULL, *layout_arg = NULL;
    long resize = 256, crop = 224;
    int cold = 0, want_cupti = 0, gpu_flags = 0;
    bt_pipeline pipes[2];
    tool_pipe_dev *pdev = NULL;
#ifdef BATCHTUNE_WITH_CUDA
    bt_restart_guard guards[3];
    char *restart_argv[256];
#endif
    tool_builtins *tb = NULL;

    double cmd_timeout = 600;
    bt_cmd_workload cw[16];
    bt_workload wls[16];
    bt_metric_def mdefs[BT_MAX_METRICS];
    long layers = 0, width = 0, items = 0, top = 3, iv;
    bt_sweep_desc d;
    bt_grid *g;
    bt_cpu_model model;
    bt_results *res = NULL;
    bt_status st;
    tool_progress tp;
    char settings[4096], threads_spec[128], shard_err[512], shard_out[4096];
    const char *shard_spec = NULL, *out_arg = NULL;
    long shards = 0;
    search_opts *so = search_opts_new();
    if (!so) { fprintf(stderr, "batchtune sweep: out of memory\n"); return TOOL_EXIT_FAIL; }
    memset(&a, 0, sizeof a);
    memset(&d, 0, sizeof d);
    memset(&tp, 0, sizeof tp);
    a.argc = argc; a.argv = argv; a.cmd = "sweep";
    d.results_path = "results.csv";
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (is_help(argv[a.i])) { fputs(SWEEP_HELP, stdout); fputs(SWEEP_HELP2, stdout); search_help(stdout); search_opts_free(so); return TOOL_EXIT_OK; }
        else if (search_flag(so, &a)) continue;
        else if (arg_value(&a, "--workload")) workload = a.val;
        else if (arg_value(&a, "--images")) images_dir = a.val;
        else if (arg_value(&a, "--records")) records_path = a.val;
        else if (arg_value(&a, "--resize")) parse_int_arg(&a, "--resize", -1, 16384, &resize);
        else if (arg_value(&a, "--crop")) parse_int_arg(&a, "--crop", 1, 16384, &crop);
        else if (arg_flag(&a, "--cold")) cold = 1;
        else if (arg_flag(&a, "--cupti")) want_cupti = 1;
        else if (arg_flag(&a, "--nvml")) gpu_flags |= TOOL_GPU_NVML;
        else if (arg_flag(&a, "--l2-flush")) gpu_flags |= TOOL_GPU_L2FLUSH;
        else if (arg_value(&a, "--layout")) layout_arg = a.val;
        else if (arg_value(&a, "--cmd")) { if (a.val) { if (ncmd >= 16) return usage_error("sweep", "%s", "at most 16 --cmd"); cmd_names[ncmd] = pending_name; cmds[ncmd++] = a.val; pending_name = NULL; } }
        else if (arg_value(&a, "--name")) pending_name = a.val;
        else if (arg_value(&a, "--metric")) { if (a.val) { if (nmetric >= BT_MAX_METRICS) return usage_error("sweep", "%s", "too many --metric"); metric_names[nmetric++] = a.val; } }
        else if (arg_value(&a, "--oom-pattern")) { if (a.val && noom < 16) oom_pats[noom++] = a.val; }
        else if (arg_value(&a, "--oom-exit")) parse_int_arg(&a, "--oom-exit", 1, 255, &oom_exit);
        else if (arg_value(&a, "--cmd-timeout")) parse_double_arg(&a, "--cmd-timeout", 1e-3, &cmd_timeout);
        else if (arg_value(&a, "--device")) device = a.val;
        else if (arg_value(&a, "--axis")) { if (a.val && naxes < BT_MAX_AXES) axes[naxes++] = a.val; }
        else if (arg_value(&a, "--constraint")) { if (a.val && ncons < 32) cons[ncons++] = a.val; }
        else if (arg_value(&a, "--monotone")) { if (a.val && nmono < BT_MAX_AXES) mono[nmono++] = a.val; }
        else if (arg_value(&a, "--out")) out_arg = a.val;
        else if (arg_flag(&a, "--resume")) d.resume = 1;
        else if (arg_flag(&a, "--force")) d.overwrite = 1;
        else if (arg_flag(&a, "--isolate")) d.isolate = 1;
        else if (arg_value(&a, "--isolate-timeout")) parse_double_arg(&a, "--isolate-timeout", 1e-3, &d.isolate_timeout_s);
        else if (arg_flag(&a, "--quiet")) tp.quiet = 1;
        else if (arg_value(&a, "--layers")) parse_int_arg(&a, "--layers", 1, 1024, &layers);
        else if (arg_value(&a, "--width")) parse_int_arg(&a, "--width", 1, 16384, &width);
        else if (arg_value(&a, "--items")) parse_int_arg(&a, "--items", 1, 100000000, &items);
        else if (arg_value(&a, "--warmup")) { if (parse_int_arg(&a, "--warmup", 0, 1000000, &iv)) d.stop.warmup = iv ? (int)iv : -1; }
        else if (arg_value(&a, "--min-samples")) { if (parse_int_arg(&a, "--min-samples", 1, 1000000, &iv)) d.stop.min_samples = (int)iv; }
        else if (arg_value(&a, "--max-samples")) { if (parse_int_arg(&a, "--max-samples", 1, 1000000, &iv)) d.stop.max_samples = (int)iv; }
        else if (arg_value(&a, "--max-noise")) parse_double_arg(&a, "--max-noise", 1e-9, &d.stop.max_rel_noise);
        else if (arg_value(&a, "--min-time")) parse_double_arg(&a, "--min-time", 1e-9, &d.stop.min_time_s);
        else if (arg_value(&a, "--max-time")) parse_double_arg(&a, "--max-time", 1e-9, &d.stop.max_time_s);
        else if (arg_value(&a, "--timeout")) parse_double_arg(&a, "--timeout", 1e-9, &d.stop.timeout_s);
        else if (arg_value(&a, "--time-budget")) parse_double_arg(&a, "--time-budget", 1e-9, &d.time_budget_s);
        else if (arg_value(&a, "--shards")) parse_int_arg(&a, "--shards", 1, 1000000, &shards);
        else if (arg_value(&a, "--shard")) shard_spec = a.val;
        else if (arg_value(&a, "--objective")) objective = a.val;
        else if (arg_value(&a, "--top")) parse_int_arg(&a, "--top", 1, 1000, &top);
        else { search_opts_free(so); return usage_error("sweep", "unknown flag '%s'", argv[a.i]); }
    }
    if (a.bad) { search_opts_free(so); return TOOL_EXIT_USAGE; }
    if (want_cupti && (ncmd || strncmp(workload, "gpu-", 4) != 0)) { search_opts_free(so); return usage_error("sweep", "%s", "--cupti applies to the GPU reference models (--workload gpu-*)"); }
    if (gpu_flags && (ncmd || strncmp(workload, "gpu-", 4) != 0)) { search_opts_free(so); return usage_error("sweep", "%s applies to the GPU reference models (--workload gpu-*)", gpu_flags & TOOL_GPU_NVML ? "--nvml" : "--l2-flush"); }
    if (want_cupti) gpu_flags |= TOOL_GPU_CUPTI;
    if (search_replaying(so)) { i = search_replay(so, &d, mono, nmono, objective); search_opts_free(so); return i; }
    if (pending_name) return usage_error("sweep", "--name '%s' must come before the --cmd it names", pending_name);
    if (strcmp(device, "auto") && strcmp(device, "cpu") && strcmp(device, "gpu"))
        return usage_error("sweep", "--device '%s' is not one of auto, cpu, gpu", device);
#ifndef BATCHTUNE_WITH_CUDA
    if (strcmp(device, "gpu") == 0 && !ncmd) {
        fprintf(stderr, "batchtune sweep: --device gpu: this tool was built without CUDA (build it with nvcc and batchtune_cuda.cu, see README)\n");
        return TOOL_EXIT_FAIL;
    }
#endif
    if (!ncmd && strcmp(workload, "pipeline") == 0 && !images_dir && !records_path) return usage_error("sweep", "%s", "--workload pipeline needs --images DIR and/or --records FILE");
    if (layout_arg && strcmp(layout_arg, "nchw-f32") && strcmp(layout_arg, "nhwc-u8"))
        return usage_error("sweep", "--layout '%s' is not one of nchw-f32, nhwc-u8", layout_arg);
    if (ncmd && !naxes) return usage_error("sweep", "%s", "--cmd needs at least one --axis");
    if (out_arg) d.results_path = out_arg;
    if (shard_spec) {
        if (bt_shard_resolve(shard_spec, (int)shards, &d.shard_k, &d.shard_n, shard_err, sizeof shard_err) != BT_OK) {
            fprintf(stderr, "batchtune sweep: --shard %s: %s (see 'batchtune sweep --help')\n", shard_spec, shard_err);
            return TOOL_EXIT_USAGE;
        }
        bt_shard_path(d.results_path, d.shard_k, d.shard_n, shard_out, sizeof shard_out);
        d.results_path = shard_out;
    } else if (shards) return usage_error("sweep", "%s needs --shard k8s, slurm or K/N", "--shards");
    g = bt_grid_create();
    if (!g) { fprintf(stderr, "batchtune sweep: out of memory\n"); return TOOL_EXIT_FAIL; }
    if (!naxes && !ncmd && strcmp(workload, "pipeline") == 0) {
        axes[naxes++] = "batch=16,32,64,128";
        axes[naxes++] = "workers=1,2,4";
    }
    if (!naxes) {
        bt_run_meta meta;
        long ncpu, t;
        size_t len;
        bt_run_meta_collect(&meta, NULL, NULL);
        ncpu = meta.cpus_online;
        axes[naxes++] = "batch=1..256:x4";
        snprintf(threads_spec, sizeof threads_spec, "threads=1");
        for (t = 2; t <= ncpu && t <= 64; t *= 2) {
            len = strlen(threads_spec);
            snprintf(threads_spec + len, sizeof threads_spec - len, ",%ld", t);
        }
        axes[naxes++] = threads_spec;
    }
    for (i = 0; i < naxes; i++)
        if (bt_grid_parse_axis(g, axes[i], NULL) != BT_OK) {
            fprintf(stderr, "batchtune sweep: --axis: %s\n", bt_grid_error(g));
            bt_grid_destroy(g);
            return TOOL_EXIT_USAGE;
        }
    for (i = 0; i < ncons; i++)
        if (bt_grid_parse_constraint(g, cons[i]) != BT_OK) {
            fprintf(stderr, "batchtune sweep: --constraint: %s\n", bt_grid_error(g));
            bt_grid_destroy(g);
            return TOOL_EXIT_USAGE;
        }
    for (i = 0; i < nmono; i++) {
        bt_axis ax = bt_grid_find(g, mono[i]);
        if (ax < 0) { bt_grid_destroy(g); return usage_error("sweep", "--monotone: no axis named '%s'", mono[i]); }
        bt_grid_set_monotone(g, ax, 1);
    }
    memset(&model, 0, sizeof model);
    memset(cw, 0, sizeof cw);
    memset(pipes, 0, sizeof pipes);
    if (!ncmd && strcmp(workload, "pipeline") == 0) {
        bt_axis ab = bt_grid_find(g, "batch"), aw = bt_grid_find(g, "workers");
        const char *names[2] = {"images", "records"};
        int k;
        if (ab < 0 || aw < 0 || bt_grid_axis_type(g, ab) == BT_AXIS_STR || bt_grid_axis_type(g, aw) == BT_AXIS_STR) {
            bt_grid_destroy(g);
            search_opts_free(so);
            return usage_error("sweep", "%s", "--workload pipeline needs numeric axes 'batch' and 'workers'");
        }
        bt_layout layout;
        i = pipeline_device_choose(device, &pdev);
        if (i) { bt_grid_destroy(g); search_opts_free(so); return i; }
        layout = layout_arg ? (strcmp(layout_arg, "nhwc-u8") == 0 ? BT_LAYOUT_NHWC_U8 : BT_LAYOUT_NCHW_F32)
                            : (pipeline_device_gpu(pdev) ? BT_LAYOUT_NHWC_U8 : BT_LAYOUT_NCHW_F32);
        nwl = 0;
        for (k = 0; k < 2; k++) {
            bt_pipeline *pp = &pipes[nwl];
            if (k == 0 && !images_dir) continue;
            if (k == 1 && !records_path) continue;
            pp->loader.source = k == 0 ? BT_SOURCE_IMAGES : BT_SOURCE_RECORDS;
            pp->loader.dir = images_dir;
            pp->loader.records_path = records_path;
            pp->loader.resize = (int)resize;
            pp->loader.crop = (int)crop;
            pp->loader.cold = cold;
            pp->loader.layout = layout;
            pp->batch_axis = ab;
            pp->workers_axis = aw;
            i = pipeline_device_attach(pdev, pp, nwl);
            if (i) { pipeline_device_free(pdev); bt_grid_destroy(g); search_opts_free(so); return i; }
            bt_pipeline_init(pp, &wls[nwl], names[k]);
            nwl++;
        }
        snprintf(settings, sizeof settings, "pipeline%s%s%s%s resize=%ld crop=%ld%s%s", images_dir ? " images=" : "", images_dir ? images_dir : "",
                 records_path ? " records=" : "", records_path ? records_path : "", resize, crop, cold ? " cold" : "",
                 layout == BT_LAYOUT_NHWC_U8 ? " layout=nhwc-u8" : "");
        d.device = pipeline_device_label(pdev);
    } else if (!ncmd && strcmp(workload, "cpu-mlp") != 0) {
        int rc;
        tb = tool_builtins_new(gpu_flags);
        if (!tb) { bt_grid_destroy(g); search_opts_free(so); return TOOL_EXIT_FAIL; }
        rc = tool_builtin_init(workload, g, tb, wls, &nwl, settings, sizeof settings);
        if (rc) { tool_builtin_free(tb); free(tb); bt_grid_destroy(g); search_opts_free(so); return rc; }
    } else if (ncmd) {
        char err[512];
        size_t len = 0;
        for (i = 0; i < nmetric; i++) {
            memset(&mdefs[i], 0, sizeof mdefs[i]);
            mdefs[i].name = metric_names[i];
            mdefs[i].unit = "";
        }
        settings[0] = 0;
        for (i = 0; i < ncmd; i++) {
            char *nm = (char *)malloc(16);
            if (nm) snprintf(nm, 16, "cmd%d", i + 1);
            cw[i].name = cmd_names[i] ? cmd_names[i] : (ncmd == 1 ? "cmd" : nm);
            cw[i].cmd = cmds[i];
            cw[i].timeout_s = cmd_timeout;
            cw[i].oom_patterns = oom_pats;
            cw[i].num_oom_patterns = noom;
            cw[i].oom_exit_code = (int)oom_exit;
            cw[i].metrics = mdefs;
            cw[i].num_metrics = nmetric;
            if (bt_cmd_workload_init(&cw[i], g, &wls[i], err, sizeof err) != BT_OK) {
                fprintf(stderr, "batchtune sweep: --cmd '%s': %s\n", cmds[i], err);
                bt_grid_destroy(g);
                return TOOL_EXIT_USAGE;
            }
            snprintf(settings + len, sizeof settings - len, "%scmd %s: %s", i ? "; " : "", wls[i].name, cmds[i]);
            len = strlen(settings);
        }
        nwl = ncmd;
    } else {
        model.batch_axis = bt_grid_find(g, "batch");
        model.threads_axis = bt_grid_find(g, "threads");
        model.layers = (int)layers; model.width = (int)width; model.items = (int)items;
        if (model.batch_axis < 0) { bt_grid_destroy(g); return usage_error("sweep", "workload cpu-mlp needs an axis named '%s'", "batch"); }
        if (bt_grid_axis_type(g, model.batch_axis) == BT_AXIS_STR || (model.threads_axis >= 0 && bt_grid_axis_type(g, model.threads_axis) == BT_AXIS_STR)) {
            bt_grid_destroy(g);
            return usage_error("sweep", "axes '%s' must be numeric for cpu-mlp", "batch/threads");
        }
        if (bt_cpu_model_init(&model, &wls[0], "cpu_mlp") != BT_OK) {
            fprintf(stderr, "batchtune sweep: cannot build the CPU model (out of memory?)\n");
            bt_grid_destroy(g);
            return TOOL_EXIT_FAIL;
        }
        snprintf(settings, sizeof settings, "cpu_mlp layers=%d width=%d items=%d", model.layers, model.width, model.items);
    }
    if ((i = search_apply(so, g, &d)) != 0) {
        search_opts_free(so); bt_cpu_model_free(&model); pipeline_device_free(pdev);
        { int k; for (k = 0; k < ncmd; k++) bt_cmd_workload_free(&cw[k]); }
        bt_grid_destroy(g);
        return i;
    }
    if (d.isolate && d.strategy != BT_STRATEGY_EXHAUSTIVE && !ncmd) {
        search_opts_free(so); bt_cpu_model_free(&model);
        bt_pipeline_free(&pipes[0]); bt_pipeline_free(&pipes[1]);
        if (tb) { tool_builtin_free(tb); free(tb); }
        bt_grid_destroy(g);
        return usage_error("sweep", "%s", "--isolate runs exhaustive sweeps only (an adaptive search keeps cells' samples across visits)");
    }
    d.settings = settings;
    if (ncmd) d.isolate = 0;     /* --cmd samples are processes already (see --help) */
    d.argv = tool_argv;          /* an isolated cell starts this tool again with the same arguments */
    tp.tty = stderr_is_terminal();
    d.progress = on_progress;
    d.progress_user = &tp;
#ifdef BATCHTUNE_WITH_CUDA
    /* A sticky CUDA error (illegal address, failed launch) leaves this process unable to do
       more GPU work: after the failing cell's row is on disk, the guard starts the tool again
       with the same arguments, --force turned into --resume, and the sweep goes on after that
       cell (never an in-process reset). Isolated cells need no guard: the error stays in the
       cell's own process. */
    if (!d.isolate && !ncmd) {
        int nd = 0, k;
        bt_device *devs[3];
        if (pipeline_device_dev(pdev)) devs[nd++] = pipeline_device_dev(pdev);
        if (tb) nd += tool_builtin_devices(tb, devs + nd, 3 - nd);
        if (nd > 0 && tool_resume_argv(tool_argv, restart_argv, (int)(sizeof restart_argv / sizeof restart_argv[0])) == 0) {
            for (k = 0; k < nd; k++) {
                memset(&guards[k], 0, sizeof guards[k]);
                guards[k].device = devs[k];
                guards[k].argv = restart_argv;
                guards[k].next = k + 1 < nd ? bt_restart_guard_progress : on_progress;
                guards[k].next_user = k + 1 < nd ? (void *)&guards[k + 1] : (void *)&tp;
            }
            d.progress = bt_restart_guard_progress;
            d.progress_user = &guards[0];
        }
    }
#endif
    if (!bt_sweep_isolated_child()) /* a cell's own process stays quiet: its last stderr line goes into a failed cell's reason */
        fprintf(stderr, "batchtune: sweeping %zu cells x %d workload%s (%s) -> %s\n", bt_grid_num_cells(g), nwl, nwl == 1 ? "" : "s", settings, d.results_path);
    if (tb && (i = tool_builtins_attach(tb, &d)) != 0) {
        bt_cpu_model_free(&model); pipeline_device_free(pdev); tool_builtin_free(tb); free(tb); bt_grid_destroy(g);
        search_opts_free(so);
        return i;
    }
    st = bt_sweep_run(g, wls, nwl, &d, &res);
    if (st != BT_OK) {
        fprintf(stderr, "batchtune sweep: %s\n", res ? bt_results_error(res) : bt_status_str(st));
        bt_results_free(res); bt_cpu_model_free(&model); pipeline_device_free(pdev);
        for (i = 0; i < ncmd; i++) bt_cmd_workload_free(&cw[i]);
        bt_grid_destroy(g);
        search_opts_free(so);
        return TOOL_EXIT_FAIL;
    }
    {
        bt_rank_desc rd;
        bt_ranking rk;
        memset(&rd, 0, sizeof rd);
        rd.objective = objective;
        rd.top_n = (int)top;
        st = bt_rank(res, &rd, &rk);
        if (st != BT_OK) {
            fprintf(stderr, "batchtune sweep: ranking: %s\n", rk.message);
        } else {
            char jp[4096];
            printf("\n");
            bt_print_ranking(&rk, stdout);
            printf("\n");
            if (bt_grid_num_axes(g) >= 2)
                bt_print_heatmap(res, NULL, bt_grid_axis_name(g, 0), bt_grid_axis_name(g, 1), objective, stdout, BT_HEATMAP_AUTO);
            search_after(so, g, wls, nwl, res, &rk);
            bt_companion_path(d.results_path, ".json", jp, sizeof jp);
            /* the sweep wrote the metadata; write it again with the ranking added */
            bt_write_json(res, bt_results_meta(res), &rk, jp);
            printf("\nresults: %s (samples: beside it; metadata and ranking: %s)\n", d.results_path, jp);
            if (d.shard_n > 0) printf("this is shard %d of %d (the ranking above covers its cells only): join all shards with 'batchtune merge OUT.csv SHARD.csv...'\n", d.shard_k, d.shard_n);
        }
        bt_ranking_free(&rk);
    }
    bt_results_free(res);
    bt_cpu_model_free(&model);
    for (i = 0; i < ncmd; i++) bt_cmd_workload_free(&cw[i]);
    bt_pipeline_free(&pipes[0]); bt_pipeline_free(&pipes[1]);
    pipeline_device_free(pdev);
    if (tb) { tool_builtin_free(tb); free(tb); }

    bt_grid_destroy(g);
    search_opts_free(so);
    return TOOL_EXIT_OK;
}

static const char *const RANK_HELP =
    "usage: batchtune rank FILE [options]\n"
    "Ranks the cells of a results file (batchtune's, or any tidy CSV with one row per cell):\n"
    "per-workload best, top-N counts, mean regret (fraction and %), the recommendation with\n"
    "its probability of being best (bootstrap over the samples file) and statistical ties,\n"
    "and why cells were excluded.\n"
    "  --objective COLUMN   column to optimize (default e2e_s_median)\n"
    "  --higher | --lower   direction (default: guessed from the name: ..per_s, util, busy = higher)\n"
    "  --top N              N of the top-N counts (default 3)\n"
    "  --limit 'COL<=X'     exclude cells violating a limit on any workload (repeatable)\n"
    "  --format FMT         text (default), md, csv, json\n"
    "  --axes A,B           axis columns of a foreign CSV (default: non-metric columns)\n"
    "  --bootstrap N        resamples for P(best) (default 1000; 0 = off)   --seed S\n"
    "  --heatmap X,Y        also print a heatmap of the objective over axes X (across) and Y\n";

static int cmd_rank(int argc, char **argv) {
    tool_args a;
    const char *path = NULL, *fmt = "text", *limits[32], *axes_arg = NULL, *heat = NULL;
    int nlim = 0, naxes = 0;
    long top = 3, boot = 1000, seed = 1;
    char axbuf[1024], *axv[BT_MAX_AXES], err[1024];
    bt_rank_desc rd;
    bt_read_opts ro;
    bt_results *r = NULL;
    bt_ranking rk;
    bt_status st;
    memset(&a, 0, sizeof a);
    memset(&rd, 0, sizeof rd);
    memset(&ro, 0, sizeof ro);
    a.argc = argc; a.argv = argv; a.cmd = "rank";
    rd.objective = "e2e_s_median";
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (is_help(argv[a.i])) { fputs(RANK_HELP, stdout); return TOOL_EXIT_OK; }
        else if (arg_value(&a, "--objective")) rd.objective = a.val;
        else if (arg_flag(&a, "--higher")) rd.direction = BT_HIGHER_IS_BETTER;
        else if (arg_flag(&a, "--lower")) rd.direction = BT_LOWER_IS_BETTER;
        else if (arg_value(&a, "--top")) parse_int_arg(&a, "--top", 1, 100000, &top);
        else if (arg_value(&a, "--limit")) { if (a.val && nlim < 32) limits[nlim++] = a.val; }
        else if (arg_value(&a, "--format")) fmt = a.val;
        else if (arg_value(&a, "--axes")) axes_arg = a.val;
        else if (arg_value(&a, "--bootstrap")) parse_int_arg(&a, "--bootstrap", 0, 1000000, &boot);
        else if (arg_value(&a, "--seed")) parse_int_arg(&a, "--seed", 1, 2147483647L, &seed);
        else if (arg_value(&a, "--heatmap")) heat = a.val;
        else if (argv[a.i][0] == '-' && argv[a.i][1]) return usage_error("rank", "unknown flag '%s'", argv[a.i]);
        else if (!path) path = argv[a.i];
        else return usage_error("rank", "unexpected argument '%s' (one results file)", argv[a.i]);
    }
    if (a.bad) return TOOL_EXIT_USAGE;
    if (!path) return usage_error("rank", "%s", "no results file given");
    if (fmt && strcmp(fmt, "text") && strcmp(fmt, "md") && strcmp(fmt, "csv") && strcmp(fmt, "json"))
        return usage_error("rank", "--format '%s' is not one of text, md, csv, json", fmt);
    if (axes_arg) {
        char *p = axbuf, *comma;
        snprintf(axbuf, sizeof axbuf, "%s", axes_arg);
        for (; p && naxes < BT_MAX_AXES; p = comma ? comma + 1 : NULL) {     /* split at commas, skip empty */
            comma = strchr(p, ',');
            if (comma) *comma = 0;
            if (*p) axv[naxes++] = p;
        }
        ro.axes = (const char *const *)axv;
        ro.naxes = naxes;
    }
    ro.objective = rd.objective;
    st = bt_results_read_csv(path, &ro, &r, err, sizeof err);
    if (st != BT_OK) { fprintf(stderr, "batchtune rank: %s\n", err); return TOOL_EXIT_FAIL; }
    if (bt_results_warning(r)[0]) fprintf(stderr, "batchtune rank: warning: %s\n", bt_results_warning(r));
    rd.top_n = (int)top;
    rd.limits = limits;
    rd.num_limits = nlim;
    rd.bootstrap = boot ? (int)boot : -1;
    rd.seed = (uint64_t)seed;
    st = bt_rank(r, &rd, &rk);
    if (st != BT_OK) {
        fprintf(stderr, "batchtune rank: %s\n", rk.message);
        bt_results_free(r);
        return st == BT_E_NOT_FOUND || st == BT_E_PARSE ? TOOL_EXIT_USAGE : TOOL_EXIT_FAIL;
    }
    if (strcmp(fmt, "csv") == 0) bt_write_ranking_csv(&rk, stdout);
    else if (strcmp(fmt, "json") == 0) bt_write_ranking_json(&rk, stdout);
    else if (strcmp(fmt, "md") == 0) {
        int e, i;
        printf("| rank |");
        for (i = 0; i < rk.naxes; i++) printf(" %s |", rk.axes[i]);
        printf(" mean regret | mean regret %% | max regret %% | top-%d count | P(best) | note |\n|---:|", rk.top_n);
        for (i = 0; i < rk.naxes; i++) printf("---:|");
        printf("---:|---:|---:|---:|---:|---|\n");
        for (e = 0; e < rk.nentries; e++) {
            const bt_rank_entry *en = &rk.entries[e];
            printf("| %d |", e + 1);
            for (i = 0; i < rk.naxes; i++) printf(" %s |", en->axis[i]);
            printf(" %.4f | %.2f | %.2f | %d | ", en->mean_regret, 100 * en->mean_regret, 100 * en->max_regret, en->topn_count);
            if (isnan(en->p_best)) printf("- |"); else printf("%.2f |", en->p_best);
            printf(" %s |\n", e == rk.pick ? "**pick**" : !en->eligible ? (en->why ? en->why : "excluded") : en->tied ? "tied" : "");
        }
        printf("\n**Recommendation:** %s\n", rk.message);
    } else {
        bt_print_ranking(&rk, stdout);
        if (heat) {
            char hb[256], *comma;
            snprintf(hb, sizeof hb, "%s", heat);
            comma = strchr(hb, ',');
            if (!comma) { bt_ranking_free(&rk); bt_results_free(r); return usage_error("rank", "--heatmap '%s' must be X,Y", heat); }
            *comma = 0;
            printf("\n");
            if (bt_print_heatmap(r, NULL, hb, comma + 1, rd.objective, stdout, BT_HEATMAP_AUTO) != BT_OK) {
                fprintf(stderr, "batchtune rank: %s\n", bt_results_error(r));
                bt_ranking_free(&rk); bt_results_free(r);
                return TOOL_EXIT_USAGE;
            }
        }
    }
    bt_ranking_free(&rk);
    bt_results_free(r);
    return TOOL_EXIT_OK;
}

static const char *const INFO_HELP =
    "usage: batchtune info [--json]\n"
    "Prints the version, the clock's measured resolution and overhead, the host and CPU, and\n"
    "the GPU when the tool was built with nvcc and batchtune_cuda.cu.\n";

static int cmd_info(int argc, char **argv) {
    int json = 0, i;
    bt_clock_info ci;
    bt_run_meta m;
    char gpu[512];
    for (i = 1; i < argc; i++) {
        if (is_help(argv[i])) { fputs(INFO_HELP, stdout); return TOOL_EXIT_OK; }
        else if (strcmp(argv[i], "--json") == 0) json = 1;
        else return usage_error("info", "unknown flag '%s'", argv[i]);
    }
    bt_clock_measure(&ci);
    bt_run_meta_collect(&m, "cpu", NULL);
#ifdef BATCHTUNE_WITH_CUDA
    {
        int n = 0;
        char err[256];
        bt_device_info di;
        if (bt_cuda_device_count(&n, err, sizeof err) != BT_OK || n == 0) snprintf(gpu, sizeof gpu, "none (%s)", err);
        else if (bt_cuda_probe(0, &di, err, sizeof err) == BT_OK) bt_device_describe(&di, gpu, sizeof gpu);
        else snprintf(gpu, sizeof gpu, "error (%s)", err);
    }
#else
    snprintf(gpu, sizeof gpu, "not built in (build the tool with nvcc and batchtune_cuda.cu, see README)");
#endif
    if (json) {
        printf("{\"version\":\"%s\",\"clock_resolution_ns\":%.1f,\"clock_overhead_ns\":%.1f,\"host\":\"%s\",\"cpu_model\":\"%s\",\"cpus_online\":%d,\"cpus_allowed\":%d,\"gpu\":\"%s\"}\n",
               bt_version_string(), ci.resolution_ns, ci.overhead_ns, m.host, m.cpu_model, m.cpus_online, m.cpus_allowed, gpu);
    } else {
        const char *clock_name =
#if defined(_WIN32)
            "QueryPerformanceCounter";
#elif defined(__APPLE__)
            "mach_absolute_time";
#else
            "CLOCK_MONOTONIC";
#endif
        printf("batchtune %s\n", bt_version_string());
        printf("clock:  %s, resolution %.0f ns measured (%.0f ns reported), %.1f ns per read\n", clock_name,
               ci.resolution_ns, ci.reported_res_ns, ci.overhead_ns);
        printf("host:   %s\ncpu:    %s, %d online, %d allowed\n", m.host, m.cpu_model, m.cpus_online, m.cpus_allowed);
        printf("gpu:    %s\n", gpu);
    }
    return TOOL_EXIT_OK;
}

/* ---------------------------------------------------------------- subcommand files ------ */
/* each tools/cmd_<name>.c defines static int cmd_<name>(int argc, char **argv) */
#include "cmd_report.c"
#include "cmd_merge.c"
#include "cmd_search.c"
#include "cmd_recompute.c"
#include "cmd_loadbench.c"
#include "cmd_pipeline.c"
#include "cmd_workloads.c"

/* ---------------------------------------------------------------- dispatch -------------- */
typedef struct tool_cmd { const char *name; int (*fn)(int, char **); const char *what; } tool_cmd;
static const tool_cmd COMMANDS[] = {
    {"sweep", cmd_sweep, "run a grid of settings over a workload; rank; print the recommendation"},
    {"rank", cmd_rank, "rank the cells of a results file (top-N counts, mean regret, P(best))"},
    {"info", cmd_info, "version, clock resolution, CPU and GPU"},
    {"mkimages", cmd_mkimages, "write a folder of photo-like JPEG images (for the demo and tests)"},
    {"recompute", cmd_recompute, "recompute cost of windowed verification: fit, predict, measure a real workload"},
    {"loadbench", cmd_loadbench, "run the data loader over images or records; JSON line with images/s, first batch"},
    {"pack", cmd_pack, "decode, resize and crop an image folder into a record file"},
    /* more subcommands: */
    {"report", cmd_report, "one self-contained HTML report (heatmaps, per-item time, ranking, evidence)"},
    {"merge", cmd_merge, "join shard result files (and samples) into one; report missing shards"},
    {"compare", cmd_compare, "what changed between two runs of one grid: per-cell ratio with CI, picks"},
};

static void main_help(FILE *f) {
    size_t i;
    fprintf(f, "batchtune %s — find the batch size (and workers, window, any knob) that makes a job\n"
               "fastest end to end, for all your workloads at once, with the evidence.\n\n"
               "usage: batchtune COMMAND [options]    (batchtune COMMAND --help for each)\n\ncommands:\n",
            bt_version_string());
    for (i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) fprintf(f, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].what);
}

int main(int argc, char **argv) {
    size_t i;
    tool_argv = argv;
    if (argc < 2) { main_help(stderr); return TOOL_EXIT_USAGE; }
    if (is_help(argv[1]) || strcmp(argv[1], "help") == 0) { main_help(stdout); return TOOL_EXIT_OK; }
    if (strcmp(argv[1], "--version") == 0) { printf("batchtune %s\n", bt_version_string()); return TOOL_EXIT_OK; }
    for (i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(argv[1], COMMANDS[i].name) == 0) return COMMANDS[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "batchtune: unknown command '%s' (see 'batchtune --help')\n", argv[1]);
    return TOOL_EXIT_USAGE;
}

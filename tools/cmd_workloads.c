/* tools/cmd_workloads.c — the built-in workloads `batchtune sweep --workload` knows besides
   cpu-mlp and pipeline: `recompute` (the real decode–verify–rollback generator of section 12:
   items are kept tokens, so s_per_item is the time per kept token including the recompute) and,
   in a tool built with nvcc and batchtune_cuda.cu, the GPU reference models `gpu-mlp`,
   `gpu-conv`, `gpu-decoder`, `gpu-reduce` (one workload per variant). #included by batchtune.c. */

typedef struct tool_rc { bt_rc_gen *gen; bt_axis batch, window; } tool_rc;
static const bt_metric_def TOOL_RC_METRICS[] = {
    {"recompute_pct", "%", 0}, {"divergences", "", 0}, {"verify_s_per_pass", "s", 0}, {"fast_s_per_token", "s", 0}};
static bt_status tool_rc_run(const bt_cell *cell, void *user, bt_sample *s) {
    tool_rc *t = (tool_rc *)user;
    bt_rc_measure m;
    bt_status st = bt_rc_gen_measure(t->gen, (int)bt_cell_i64(cell, t->batch), (int)bt_cell_i64(cell, t->window), &m);
    if (st != BT_OK) { snprintf(s->error, sizeof s->error, "recompute: %s", bt_status_str(st)); return st; }
    s->items = m.kept;
    s->metric[0] = m.pct;
    s->metric[1] = m.divergences;
    s->metric[2] = m.verify_s_per_pass;
    s->metric[3] = m.fast_s_per_token;
    return BT_OK;
}

struct tool_builtins {
    tool_rc rc;
#ifdef BATCHTUNE_WITH_CUDA
    bt_gpu_model gm[3];
    bt_cupti *cupti;       /* --cupti: one collector for the gpu-* models */
    bt_cuda_nvml_hook *nvml;   /* --nvml: the sweep starts and stops the sampler */
#endif
    int ngm;
    int gpu_flags;         /* TOOL_GPU_*, from tool_builtins_new, kept by tool_builtin_init */
};
static tool_builtins *tool_builtins_new(int gpu_flags) {
    tool_builtins *b = (tool_builtins *)calloc(1, sizeof(tool_builtins));
    if (b) b->gpu_flags = gpu_flags;
    return b;
}
static int tool_builtins_attach(tool_builtins *b, bt_sweep_desc *d) {
#ifdef BATCHTUNE_WITH_CUDA
    char err[256];
    if ((b->gpu_flags & TOOL_GPU_NVML) && b->ngm > 0 &&
        bt_cuda_nvml_hook_init(d, b->gm, b->ngm, b->gm[0].device, 0, 0, &b->nvml, err, sizeof err) != BT_OK) {
        fprintf(stderr, "batchtune sweep: --nvml: %s\n", err);
        return TOOL_EXIT_FAIL;
    }
#else
    (void)b; (void)d;
#endif
    return 0;
}

/* Fills wls for workload names other than cpu-mlp and pipeline. Returns 0, or an exit code
   after printing a one-line message. */
static int tool_builtin_init(const char *workload, bt_grid *g, tool_builtins *b, bt_workload *wls, int *nwl,
                             char *settings, size_t n) {
    int gpu_flags = b->gpu_flags;
    memset(b, 0, sizeof *b);
    b->gpu_flags = gpu_flags;
    if (strcmp(workload, "recompute") == 0) {
        bt_rc_gen_desc gd;
        char err[256];
        b->rc.batch = bt_grid_find(g, "batch");
        b->rc.window = bt_grid_find(g, "window");
        if (b->rc.batch < 0 || b->rc.window < 0) return usage_error("sweep", "%s", "--workload recompute needs axes 'batch' and 'window' (e.g. --axis batch=1..64:x2 --axis window=8..512:x2 --constraint 'batch*window<=512')");
        memset(&gd, 0, sizeof gd);
        b->rc.gen = bt_rc_gen_create(&gd, err, sizeof err);
        if (!b->rc.gen) { fprintf(stderr, "batchtune sweep: recompute generator: %s\n", err); return TOOL_EXIT_FAIL; }
        memset(&wls[0], 0, sizeof wls[0]);
        wls[0].name = "recompute";
        wls[0].user = &b->rc;
        wls[0].run = tool_rc_run;
        wls[0].metrics = TOOL_RC_METRICS;
        wls[0].num_metrics = 4;
        *nwl = 1;
        snprintf(settings, n, "recompute generator (defaults of bt_rc_gen_desc); objective: s_per_item = time per kept token");
        return 0;
    }
    if (strncmp(workload, "gpu-", 4) == 0) {
#ifdef BATCHTUNE_WITH_CUDA
        static const char *const kinds[] = {"gpu-mlp", "gpu-conv", "gpu-decoder", "gpu-reduce"};
        static const char *const vnames[] = {"original", "narrower", "shallower"};
        int kind = 0, k, nv;
        char err[512];
        for (k = 0; k < 4; k++) if (strcmp(workload, kinds[k]) == 0) kind = k + 1;
        if (!kind) return usage_error("sweep", "unknown GPU workload '%s' (gpu-mlp, gpu-conv, gpu-decoder, gpu-reduce)", workload);
        if (bt_grid_find(g, "batch") < 0) return usage_error("sweep", "%s", "GPU workloads need an axis named 'batch'");
        nv = (kind == BT_GPU_MLP || kind == BT_GPU_CONV) ? 3 : 1;
        if (b->gpu_flags & TOOL_GPU_CUPTI) {   /* before the models open the device: CUPTI sees the context's start */
            if (bt_cupti_start(0, NULL, &b->cupti, err, sizeof err) != BT_OK) b->cupti = NULL;
            if (!bt_cupti_available(b->cupti)) fprintf(stderr, "batchtune sweep: --cupti: %s\n", err);
        }
        for (k = 0; k < nv; k++) {
            bt_gpu_model *m = &b->gm[k];
            char name[64];
            m->kind = kind;
            m->variant = k;
            m->batch_axis = bt_grid_find(g, "batch");
            m->seq_axis = bt_grid_find(g, "seq");
            m->cupti = b->cupti;
            m->l2_flush = (b->gpu_flags & TOOL_GPU_L2FLUSH) != 0;
            snprintf(name, sizeof name, "%s", nv > 1 ? vnames[k] : workload + 4);
            if (bt_gpu_model_init(m, &wls[k], nv > 1 ? vnames[k] : "gpu", err, sizeof err) != BT_OK) {
                fprintf(stderr, "batchtune sweep: --workload %s: %s\n", workload, err);
                b->ngm = k;
                return TOOL_EXIT_FAIL;
            }
            b->ngm = k + 1;
        }
        *nwl = nv;
        {
            const char *why = NULL, *gemm = bt_gpu_model_gemm(&b->gm[0], &why);
            if (kind == BT_GPU_MLP)   /* cuBLAS when libcublas loads, else our tiled GEMM: say which */
                fprintf(stderr, "batchtune sweep: --workload gpu-mlp: matrix multiply: %s\n", why);
            snprintf(settings, n, "%s variants=%d%s%s%s%s%s", workload, nv, kind == BT_GPU_MLP ? " gemm=" : "", kind == BT_GPU_MLP ? gemm : "",
                     (b->gpu_flags & TOOL_GPU_CUPTI) ? " cupti" : "", (b->gpu_flags & TOOL_GPU_NVML) ? " nvml" : "",
                     (b->gpu_flags & TOOL_GPU_L2FLUSH) ? " l2flush" : "");
        }
        return 0;
#else
        fprintf(stderr, "batchtune sweep: --workload %s: this tool was built without CUDA (build it with nvcc and batchtune_cuda.cu, see README)\n", workload);
        return TOOL_EXIT_FAIL;
#endif
    }
    return usage_error("sweep", "unknown workload '%s' (built in: cpu-mlp, pipeline, recompute, gpu-mlp, gpu-conv, gpu-decoder, gpu-reduce; or give --cmd)", workload);
}
#ifdef BATCHTUNE_WITH_CUDA
/* the devices the gpu-* models run on (each model opens its own), for the restart guard */
static int tool_builtin_devices(const tool_builtins *b, bt_device **out, int max) {
    int k, n = 0;
    for (k = 0; k < b->ngm && n < max; k++) if (bt_gpu_model_device(&b->gm[k])) out[n++] = bt_gpu_model_device(&b->gm[k]);
    return n;
}
#endif
static void tool_builtin_free(tool_builtins *b) {
    if (b->rc.gen) bt_rc_gen_destroy(b->rc.gen);
#ifdef BATCHTUNE_WITH_CUDA
    bt_cuda_nvml_hook_free(b->nvml);   /* puts the models' nvml back first */
    { int k; for (k = 0; k < b->ngm; k++) bt_gpu_model_free(&b->gm[k]); }
    bt_cupti_stop(b->cupti);
#endif
    memset(b, 0, sizeof *b);
}

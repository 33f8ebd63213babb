/* tools/cmd_search.c — the search side of `batchtune sweep`: --strategy, --find-max, --replay.
   #included by tools/batchtune.c (one translation unit); cmd_sweep calls these helpers, which
   are declared above it. Everything here goes through the public API (section 15). */

struct search_opts {
    int strategy, strategy_set;
    const char *find_max;          /* axis for --find-max */
    const char *replay;            /* recorded results file for --replay */
    long screen;                   /* --screen-samples */
    double margin;                 /* --race-margin */
    double budget;                 /* --search-budget */
    double noise;                  /* --replay-noise */
    long seed;                     /* --seed */
    double fm_margin;              /* --find-max-margin */
    double mem_limit;              /* --mem-limit */
};

static search_opts *search_opts_new(void) { return (search_opts *)calloc(1, sizeof(search_opts)); }
static void search_opts_free(search_opts *o) { free(o); }

static void search_help(FILE *f) {
    fputs("search:\n"
          "  --strategy S         exhaustive (default: every cell) or adaptive (OOM frontier, racing,\n"
          "                       successive halving; unexplored and dropped cells are recorded\n"
          "                       'pruned' with their reason)\n"
          "  --screen-samples N   adaptive: samples of a cell's first, cheap visit (default 3)\n"
          "  --race-margin F      adaptive: drop a cell once the lower bound of its difference from the\n"
          "                       leader is above F (a fraction of the best, default 0.01)\n"
          "  --search-budget F    adaptive: stop once F of the exhaustive strategy's cost (estimated\n"
          "                       from the cells measured) is spent, and pick the leader (default\n"
          "                       0.2; 1 or more: no cap)\n"
          "  --find-max AXIS      after the sweep, the largest AXIS value that fits in memory at the\n"
          "                       fastest cell (doubling then bisection on OOM), printed next to it\n"
          "  --find-max-margin F  safety margin of the suggested value (default 0.1)\n"
          "  --mem-limit BYTES    memory available, when known: tries predicted not to fit are skipped\n"
          "  --replay FILE        no workload is run: each measurement is answered from a recorded\n"
          "                       results file (and its samples file); prints one JSON line with the\n"
          "                       pick, its regret against the file's best and cost_fraction (time spent\n"
          "                       in the recorded run's seconds over what exhaustive spends). Uses\n"
          "                       --strategy (default adaptive), --monotone, --objective, the stopping\n"
          "                       flags and --find-max.\n"
          "  --replay-noise F     replay: extra relative Gaussian noise on every sample (default 0)\n"
          "  --seed N             replay: seed of the random draws (default 1)\n", f);
}

/* 1 when argv[a->i] is one of the search flags (a->bad set on a bad value) */
static int search_flag(search_opts *o, tool_args *a) {
    long v;
    if (arg_value(a, "--strategy")) {
        if (a->val && !bt_strategy_parse(a->val, &o->strategy)) {
            fprintf(stderr, "batchtune %s: --strategy '%s' is not one of exhaustive, adaptive (see 'batchtune %s --help')\n", a->cmd, a->val, a->cmd);
            a->bad = 1;
        }
        o->strategy_set = 1;
        return 1;
    }
    if (arg_value(a, "--find-max")) { o->find_max = a->val; return 1; }
    if (arg_value(a, "--replay")) { o->replay = a->val; return 1; }
    if (arg_value(a, "--screen-samples")) { if (parse_int_arg(a, "--screen-samples", 1, 100000, &v)) o->screen = v; return 1; }
    if (arg_value(a, "--race-margin")) { parse_double_arg(a, "--race-margin", 0, &o->margin); return 1; }
    if (arg_value(a, "--search-budget")) { parse_double_arg(a, "--search-budget", 0, &o->budget); return 1; }
    if (arg_value(a, "--replay-noise")) { parse_double_arg(a, "--replay-noise", 0, &o->noise); return 1; }
    if (arg_value(a, "--seed")) { if (parse_int_arg(a, "--seed", 1, 2147483647L, &v)) o->seed = v; return 1; }
    if (arg_value(a, "--find-max-margin")) {
        if (parse_double_arg(a, "--find-max-margin", 0, &o->fm_margin) && o->fm_margin >= 1) {
            fprintf(stderr, "batchtune %s: --find-max-margin '%s' must be below 1 (see 'batchtune %s --help')\n", a->cmd, a->val, a->cmd);
            a->bad = 1;
        }
        return 1;
    }
    if (arg_value(a, "--mem-limit")) { parse_double_arg(a, "--mem-limit", 0, &o->mem_limit); return 1; }
    return 0;
}

static int search_replaying(const search_opts *o) { return o && o->replay != NULL; }

/* --replay: prints one JSON line; exit code */
static int search_replay(search_opts *o, const bt_sweep_desc *d, const char *const *mono, int nmono, const char *objective) {
    bt_read_opts ro;
    bt_replay_desc rd;
    bt_replay_result rr;
    bt_results *rec = NULL;
    bt_status st;
    char err[1024];
    memset(&ro, 0, sizeof ro);
    ro.objective = objective;
    st = bt_results_read_csv(o->replay, &ro, &rec, err, sizeof err);
    if (st != BT_OK) { fprintf(stderr, "batchtune sweep: --replay: %s\n", err); return TOOL_EXIT_FAIL; }
    memset(&rd, 0, sizeof rd);
    rd.strategy = o->strategy_set ? o->strategy : BT_STRATEGY_ADAPTIVE;
    rd.screen_samples = (int)o->screen;
    rd.margin = o->margin;
    rd.budget = o->budget;
    rd.stop = d->stop;
    rd.monotone = mono;
    rd.num_monotone = nmono;
    rd.objective = objective;
    rd.noise = o->noise;
    rd.seed = (uint64_t)o->seed;
    rd.find_max_axis = o->find_max;
    rd.find_max_margin = o->fm_margin;
    st = bt_replay(rec, &rd, &rr);
    if (st != BT_OK) {
        fprintf(stderr, "batchtune sweep: %s\n", rr.error[0] ? rr.error : bt_status_str(st));
        bt_replay_result_free(&rr);
        bt_results_free(rec);
        return st == BT_E_INVALID || st == BT_E_NOT_FOUND ? TOOL_EXIT_USAGE : TOOL_EXIT_FAIL;
    }
    bt_replay_write_json(&rr, &rd, stdout);
    bt_replay_result_free(&rr);
    bt_results_free(rec);
    return TOOL_EXIT_OK;
}

/* before the sweep: strategy options into the desc, --find-max checked against the grid */
static int search_apply(search_opts *o, const bt_grid *g, bt_sweep_desc *d) {
    d->strategy = o->strategy;
    d->search_screen_samples = (int)o->screen;
    d->search_margin = o->margin;
    d->search_budget = o->budget;
    if (o->find_max) {
        bt_axis ax = bt_grid_find(g, o->find_max);
        if (ax < 0) return usage_error("sweep", "--find-max: no axis named '%s'", o->find_max);
        if (bt_grid_axis_type(g, ax) != BT_AXIS_INT) return usage_error("sweep", "--find-max: axis '%s' is not an integer axis", o->find_max);
    }
    return 0;
}

/* after the sweep: --find-max at the fastest cell (the sweep's rows on its line count as
   tries), printed next to it */
static void search_after(search_opts *o, const bt_grid *g, const bt_workload *wl, int nw, const bt_results *res, const bt_ranking *rk) {
    bt_find_max_desc fd;
    bt_find_max_result fr;
    bt_cell base;
    char fast[512] = "";
    if (!o->find_max) return;
    memset(&fd, 0, sizeof fd);
    fd.axis = o->find_max;
    fd.margin = o->fm_margin;
    fd.mem_limit_bytes = o->mem_limit;
    fd.known = res;
    if (rk && rk->pick >= 0 && bt_grid_cell_from_text(g, (const char *const *)rk->entries[rk->pick].axis, &base) == BT_OK) {
        fd.base = &base;
        snprintf(fast, sizeof fast, "%s", rk->entries[rk->pick].label);
    }
    if (bt_find_max(g, wl, nw, &fd, &fr) != BT_OK && fr.ntries == 0) {
        fprintf(stderr, "batchtune sweep: %s\n", fr.message);
        return;
    }
    printf("\nlargest %s that fits: %lld", o->find_max, (long long)fr.max_fit);
    if (fr.first_oom >= 0) printf(" (%lld: out of memory)", (long long)fr.first_oom);
    else printf(" (no OOM up to the top of the range)");
    printf("; with a %g %% safety margin: %lld;  fastest: %s\n", 100 * (o->fm_margin > 0 ? o->fm_margin : 0.1), (long long)fr.safe, fast[0] ? fast : "(no pick)");
    printf("find-max: %s\n", fr.message);
}

/* batchtune report — one self-contained HTML file from a results CSV (included by
   tools/batchtune.c; uses its flag helpers). Everything here is bt_results_read_csv +
   bt_rank + bt_run_meta_read_json + bt_write_html_report. */

static const char *const REPORT_HELP =
    "usage: batchtune report RESULTS.csv [options]\n"
    "Writes one self-contained HTML file (inline SVG and CSS: no JavaScript, no network, no\n"
    "other files): heatmaps per workload with value labels and a color scale (OOM, error,\n"
    "timeout, infeasible, pruned and not-run cells marked), the mean-regret heatmap, time per\n"
    "item vs batch size (one line per workload), the regret ranking, the recommendation with\n"
    "its evidence (noise, samples, P(best), ties, why cells were excluded) and the run metadata\n"
    "(from RESULTS.json beside the CSV when it is there).\n"
    "  --out FILE           output (default report.html; written atomically)\n"
    "  --objective COLUMN   column to rank by and draw (default e2e_s_median)\n"
    "  --higher | --lower   direction (default: guessed from the name)\n"
    "  --metric COLUMN      draw heatmaps of this column too (repeatable)\n"
    "  --x AXIS --y AXIS    heatmap axes (default: batch across, workers down, when present)\n"
    "  --line-axis AXIS     x of the time-per-item chart (default: batch)\n"
    "  --title TEXT         page title (default 'batchtune report')\n"
    "  --axes A,B           axis columns of a foreign CSV (default: non-metric columns)\n"
    "  --limit 'COL<=X'     ranking limit (repeatable)   --top N   --bootstrap N (0 = off)\n"
    "  --meta FILE          run metadata JSON (default: RESULTS.json beside the CSV)\n";

static int cmd_report(int argc, char **argv) {
    tool_args a;
    const char *path = NULL, *out = "report.html", *axes_arg = NULL, *meta_path = NULL;
    const char *metrics[16], *limits[32];
    int nmet = 0, nlim = 0, naxes = 0, have_meta = 0;
    long top = 3, boot = 1000;
    char axbuf[1024], *axv[BT_MAX_AXES], err[1024], jp[4096];
    bt_html_opts ho;
    bt_rank_desc rd;
    bt_read_opts ro;
    bt_results *r = NULL;
    bt_ranking rk;
    bt_run_meta meta;
    bt_status st;
    memset(&a, 0, sizeof a);
    memset(&ho, 0, sizeof ho);
    memset(&rd, 0, sizeof rd);
    memset(&ro, 0, sizeof ro);
    a.argc = argc; a.argv = argv; a.cmd = "report";
    rd.objective = "e2e_s_median";
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (is_help(argv[a.i])) { fputs(REPORT_HELP, stdout); return TOOL_EXIT_OK; }
        else if (arg_value(&a, "--out")) out = a.val;
        else if (arg_value(&a, "--objective")) rd.objective = a.val;
        else if (arg_flag(&a, "--higher")) rd.direction = BT_HIGHER_IS_BETTER;
        else if (arg_flag(&a, "--lower")) rd.direction = BT_LOWER_IS_BETTER;
        else if (arg_value(&a, "--metric")) { if (a.val && nmet < 15) metrics[1 + nmet++] = a.val; }
        else if (arg_value(&a, "--x")) ho.x_axis = a.val;
        else if (arg_value(&a, "--y")) ho.y_axis = a.val;
        else if (arg_value(&a, "--line-axis")) ho.line_axis = a.val;
        else if (arg_value(&a, "--title")) ho.title = a.val;
        else if (arg_value(&a, "--axes")) axes_arg = a.val;
        else if (arg_value(&a, "--limit")) { if (a.val && nlim < 32) limits[nlim++] = a.val; }
        else if (arg_value(&a, "--top")) parse_int_arg(&a, "--top", 1, 100000, &top);
        else if (arg_value(&a, "--bootstrap")) parse_int_arg(&a, "--bootstrap", 0, 1000000, &boot);
        else if (arg_value(&a, "--meta")) meta_path = a.val;
        else if (argv[a.i][0] == '-' && argv[a.i][1]) return usage_error("report", "unknown flag '%s'", argv[a.i]);
        else if (!path) path = argv[a.i];
        else return usage_error("report", "unexpected argument '%s' (one results file)", argv[a.i]);
    }
    if (a.bad) return TOOL_EXIT_USAGE;
    if (!path) return usage_error("report", "%s", "no results file given");
    if (!out || !*out) return usage_error("report", "%s", "--out needs a file name");
    if (axes_arg) {
        char *p, *save = NULL;
        snprintf(axbuf, sizeof axbuf, "%s", axes_arg);
        for (p = strtok_r(axbuf, ",", &save); p && naxes < BT_MAX_AXES; p = strtok_r(NULL, ",", &save)) axv[naxes++] = p;
        ro.axes = (const char *const *)axv;
        ro.naxes = naxes;
    }
    ro.objective = rd.objective;
    st = bt_results_read_csv(path, &ro, &r, err, sizeof err);
    if (st != BT_OK) { fprintf(stderr, "batchtune report: %s\n", err); return TOOL_EXIT_FAIL; }
    if (bt_results_warning(r)[0]) fprintf(stderr, "batchtune report: warning: %s\n", bt_results_warning(r));
    rd.top_n = (int)top;
    rd.limits = limits;
    rd.num_limits = nlim;
    rd.bootstrap = boot ? (int)boot : -1;
    st = bt_rank(r, &rd, &rk);
    if (st != BT_OK) {
        fprintf(stderr, "batchtune report: %s\n", rk.message);
        bt_results_free(r);
        return st == BT_E_NOT_FOUND || st == BT_E_PARSE ? TOOL_EXIT_USAGE : TOOL_EXIT_FAIL;
    }
    /* run metadata: --meta, else the sweep's JSON beside the CSV when present */
    if (meta_path) {
        if (bt_run_meta_read_json(meta_path, &meta, err, sizeof err) != BT_OK) {
            fprintf(stderr, "batchtune report: --meta: %s\n", err);
            bt_ranking_free(&rk); bt_results_free(r);
            return TOOL_EXIT_FAIL;
        }
        have_meta = 1;
    } else {
        bt_companion_path(path, ".json", jp, sizeof jp);
        if (access(jp, R_OK) == 0) {
            if (bt_run_meta_read_json(jp, &meta, err, sizeof err) == BT_OK) have_meta = 1;
            else fprintf(stderr, "batchtune report: warning: no metadata from %s: %s\n", jp, err);
        }
    }
    /* heatmaps: the objective first, then the --metric columns */
    metrics[0] = rd.objective;
    ho.metrics = metrics;
    ho.num_metrics = 1 + nmet;
    st = bt_write_html_report(r, &rk, have_meta ? &meta : NULL, out, &ho);
    if (st != BT_OK) {
        fprintf(stderr, "batchtune report: %s\n", bt_results_error(r));
        bt_ranking_free(&rk); bt_results_free(r);
        return st == BT_E_NOT_FOUND || st == BT_E_INVALID ? TOOL_EXIT_USAGE : TOOL_EXIT_FAIL;
    }
    {
        bt_html_opts used = bt_html_opts_defaults(r, &rk, &ho);
        printf("wrote %s: heatmaps of %s%s over %s x %s, %zu rows%s\n", out, rd.objective, nmet ? " and more" : "",
               used.x_axis ? used.x_axis : "-", used.y_axis ? used.y_axis : "-", bt_results_num_rows(r), have_meta ? ", with run metadata" : "");
    }
    bt_ranking_free(&rk);
    bt_results_free(r);
    return TOOL_EXIT_OK;
}

/* batchtune recompute — the recompute-cost model of windowed verification (batchtune.h
   section 12): fit it to measured cells, predict a grid, and measure a real workload.
   #included by tools/batchtune.c (uses its flag helpers); defines cmd_recompute. */
#ifndef BATCHTUNE_H
#include "batchtune.h"
#endif

static const char *const RECOMPUTE_HELP =
    "usage: batchtune recompute fit --csv FILE [options]\n"
    "       batchtune recompute measure [options]\n"
    "Decode-verify-rollback: recompute % = tokens thrown away / tokens kept x 100 over a grid of\n"
    "verify batch B x window W with a budget B*W <= cap (model: batchtune.h section 12).\n"
    "\n"
    "fit: least squares for the per-token divergence probability p (and the length parameter)\n"
    "  --csv FILE           columns batch,window,recompute_pct (any order, extra columns ignored;\n"
    "                       rows with an empty recompute_pct or a status other than ok skipped);\n"
    "                       with fast_s_per_token,verify_s_per_pass columns the (W, B) with the\n"
    "                       least time per kept token is picked too\n"
    "  --lengths SPEC       request lengths: unbounded, fixed[:L], geometric[:MEAN],\n"
    "                       lognormal[:MEDIAN[:SIGMA]]; without a value it is fitted\n"
    "                       (default: geometric, mean fitted)\n"
    "  --predict            write the model's grid as CSV (batch,window,recompute_pct,feasible,\n"
    "                       kind,measured_pct): kind 'prediction' for cells not measured,\n"
    "                       over-budget ones included (feasible 0)\n"
    "  --windows LIST --batches LIST   the grid, e.g. 16,32,64 and 1,2,4 (needed by --predict;\n"
    "                       the heatmaps' axes; default: the measured values)\n"
    "  --cap N              budget B*W <= N (default: none)\n"
    "  --out FILE           where --predict writes (default stdout; the fit then goes to stderr)\n"
    "  --no-loo             skip leave-one-out\n"
    "  --html FILE          also an HTML report: heatmaps of the measured and the model's\n"
    "                       recompute % (over-budget cells 'infeasible')  (fit and measure)\n"
    "\n"
    "measure: the real workload on this CPU (a small autoregressive generator; fast path bf16\n"
    "split-K whose reduction order depends on the batch, reference path in one fixed order)\n"
    "  --windows LIST       default 8,16,32,64,128,256,512\n"
    "  --batches LIST       default 1,2,4,8,16,32,64\n"
    "  --cap N              default 512\n"
    "  --out FILE           CSV of every cell (default recompute.csv): batch,window,status,\n"
    "                       recompute_pct,ci_lo_pct,ci_hi_pct,divergences,kept,discarded,requests,\n"
    "                       windows,passes,fast_s_per_token,verify_s_per_pass\n"
    "  --min-div N          divergences per cell (default 100)   --max-kept N (default 1000000)\n"
    "  --requests N         at least N requests per cell, the same ones in every cell (default\n"
    "                       150, at least 4 x batch)\n"
    "  --lengths SPEC       request lengths (default lognormal:128:1)   --max-len N (default 4096)\n"
    "  --vocab V --dim D --layers L --context C --split-k S   the generator (512, 128, 1, 4, 16)\n"
    "  --seed S             default 1\n"
    "  --time-rounds N      after the grid, time one full window of every cell N times,\n"
    "                       interleaved across cells; the medians are the timings the choice\n"
    "                       uses (default 7; 0: use the timings of the measuring run)\n"
    "  --inject P           test mode: coin flips with probability P instead of the model\n"
    "common:\n"
    "  --plain              heatmap without colors\n";

/* "16,32,64" -> ints (each 1..65536); 0 on a bad list */
static int rc_parse_list(tool_args *a, const char *flag, int *out, int max, int *n) {
    const char *p = a->val;
    *n = 0;
    if (!p) return 0;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 65536 || (*end && *end != ',') || *n >= max) {
            fprintf(stderr, "batchtune %s: %s '%s' must be a comma-separated list of integers in 1..65536 (at most %d) (see 'batchtune %s --help')\n",
                    a->cmd, flag, a->val, max, a->cmd);
            a->bad = 1;
            return 0;
        }
        out[(*n)++] = (int)v;
        p = *end ? end + 1 : end;
    }
    if (!*n) { usage_error(a->cmd, "%s needs at least one value", flag); a->bad = 1; return 0; }
    return 1;
}
static void rc_sort_ints(int *v, int n) {
    int i, j;
    for (i = 1; i < n; i++) for (j = i; j > 0 && v[j] < v[j - 1]; j--) { int t = v[j]; v[j] = v[j - 1]; v[j - 1] = t; }
}
/* distinct sorted windows and batches of cells */
static void rc_axes_of(const bt_rc_cell *c, size_t n, int *ws, int *nw, int *bs, int *nb, int max) {
    size_t i;
    int k;
    *nw = *nb = 0;
    for (i = 0; i < n; i++) {
        for (k = 0; k < *nw && ws[k] != c[i].window; k++) {}
        if (k == *nw && *nw < max) ws[(*nw)++] = c[i].window;
        for (k = 0; k < *nb && bs[k] != c[i].batch; k++) {}
        if (k == *nb && *nb < max) bs[(*nb)++] = c[i].batch;
    }
    rc_sort_ints(ws, *nw);
    rc_sort_ints(bs, *nb);
}
static int rc_choose_print(const bt_rc_fit *fit, const bt_rc_timing *t, size_t n, double cap, FILE *o) {
    bt_rc_timing *ok = (bt_rc_timing *)malloc((n ? n : 1) * sizeof *ok);
    size_t i, m = 0;
    bt_rc_choice ch;
    if (!ok) return 0;
    for (i = 0; i < n; i++) if (!isnan(t[i].fast_s_per_token) && !isnan(t[i].verify_s_per_pass)) ok[m++] = t[i];
    if (m && bt_rc_choose(fit, ok, (int)m, cap, &ch) == BT_OK) {
        fprintf(o, "\n");
        bt_rc_print_tradeoff(&ch, o);
        bt_rc_choice_free(&ch);
    }
    free(ok);
    return 1;
}

static int rc_fit(int argc, char **argv) {
    tool_args a;
    const char *csv = NULL, *lengths = "geometric", *outp = NULL, *html = NULL;
    int predict = 0, no_loo = 0, plain = 0, ws[256], bs[256], nw = 0, nb = 0, has_param = 0, rc = TOOL_EXIT_OK;
    double cap = 0;
    bt_rc_cell *cells = NULL;
    bt_rc_timing *tim = NULL;
    size_t n = 0;
    bt_rc_fit_desc fd;
    bt_rc_fit fit;
    char err[512];
    FILE *sum = stdout, *po = NULL;
    memset(&a, 0, sizeof a);
    a.argc = argc; a.argv = argv; a.cmd = "recompute fit";
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (is_help(argv[a.i])) { fputs(RECOMPUTE_HELP, stdout); return TOOL_EXIT_OK; }
        else if (arg_value(&a, "--csv")) csv = a.val;
        else if (arg_value(&a, "--lengths")) lengths = a.val;
        else if (arg_value(&a, "--out")) outp = a.val;
        else if (arg_value(&a, "--html")) html = a.val;
        else if (arg_value(&a, "--windows")) rc_parse_list(&a, "--windows", ws, 256, &nw);
        else if (arg_value(&a, "--batches")) rc_parse_list(&a, "--batches", bs, 256, &nb);
        else if (arg_value(&a, "--cap")) parse_double_arg(&a, "--cap", 1, &cap);
        else if (arg_flag(&a, "--predict")) predict = 1;
        else if (arg_flag(&a, "--no-loo")) no_loo = 1;
        else if (arg_flag(&a, "--plain")) plain = 1;
        else return usage_error(a.cmd, "unknown flag '%s'", argv[a.i]);
    }
    if (a.bad) return TOOL_EXIT_USAGE;
    if (!csv) return usage_error(a.cmd, "%s is required", "--csv FILE");
    if (predict && (!nw || !nb)) return usage_error(a.cmd, "--predict needs %s", !nw ? "--windows LIST" : "--batches LIST");
    if (!predict && outp) return usage_error(a.cmd, "%s only goes with --predict", "--out");
    memset(&fd, 0, sizeof fd);
    if (bt_rc_lengths_parse(lengths, &fd.lengths, &has_param, err, sizeof err) != BT_OK) {
        fprintf(stderr, "batchtune recompute fit: --lengths: %s (see 'batchtune recompute fit --help')\n", err);
        return TOOL_EXIT_USAGE;
    }
    fd.fit_length = !has_param;
    fd.no_loo = no_loo;
    if (bt_rc_read_csv_timed(csv, &cells, &tim, &n, err, sizeof err) != BT_OK) {
        fprintf(stderr, "batchtune recompute fit: %s\n", err);
        return TOOL_EXIT_FAIL;
    }
    if (bt_rc_fit_cells(cells, n, &fd, &fit, err, sizeof err) != BT_OK) {
        const char *e = strncmp(err, "recompute fit: ", 15) == 0 ? err + 15 : err;
        fprintf(stderr, "batchtune recompute fit: %s%s\n", e, fd.fit_length && n < 2 ? " (or give the parameter: --lengths geometric:MEAN)" : "");
        free(cells); free(tim);
        return TOOL_EXIT_FAIL;
    }
    if (predict) {
        if (outp) {
            po = fopen(outp, "w");
            if (!po) { fprintf(stderr, "batchtune recompute fit: cannot write %s: %s\n", outp, strerror(errno)); rc = TOOL_EXIT_FAIL; goto out; }
        } else { po = stdout; sum = stderr; }
    }
    bt_rc_fit_print(&fit, sum);
    {
        int mw[256], mb[256], nmw, nmb;
        rc_axes_of(cells, n, mw, &nmw, mb, &nmb, 256);
        fprintf(sum, "\n");
        bt_rc_print_heatmap(cells, n, nw ? ws : mw, nw ? nw : nmw, nb ? bs : mb, nb ? nb : nmb, cap, sum, plain ? BT_HEATMAP_PLAIN : BT_HEATMAP_AUTO);
    }
    if (tim) rc_choose_print(&fit, tim, n, cap, sum);
    if (html) {
        int mw[256], mb[256], nmw, nmb;
        rc_axes_of(cells, n, mw, &nmw, mb, &nmb, 256);
        if (bt_rc_write_html(cells, n, nw ? ws : mw, nw ? nw : nmw, nb ? bs : mb, nb ? nb : nmb, cap, &fit, NULL, html, err, sizeof err) != BT_OK) {
            fprintf(stderr, "batchtune recompute fit: --html %s: %s\n", html, err);
            rc = TOOL_EXIT_FAIL;
        } else fprintf(sum, "HTML report written to %s\n", html);
    }
    if (predict) {
        bt_rc_write_grid_csv(&fit, ws, nw, bs, nb, cap, po);
        if (po != stdout) {
            if (fclose(po) != 0) { fprintf(stderr, "batchtune recompute fit: cannot write %s\n", outp); rc = TOOL_EXIT_FAIL; }
            else fprintf(sum, "predicted grid (%d x %d cells) written to %s\n", nb, nw, outp);
        }
    }
out:
    bt_rc_fit_free(&fit);
    free(cells); free(tim);
    return rc;
}

static int rc_measure(int argc, char **argv) {
    tool_args a;
    const char *outp = "recompute.csv", *lengths = NULL, *html = NULL;
    int ws[64] = {8, 16, 32, 64, 128, 256, 512}, bs[64] = {1, 2, 4, 8, 16, 32, 64}, nw = 7, nb = 7, plain = 0, i, j, has_param;
    long rounds = 7;
    long v;
    double cap = 512, inject = 0;
    bt_rc_gen_desc gd;
    bt_rc_gen *gen;
    bt_rc_cell *cells;
    bt_rc_timing *tim;
    bt_rc_measure *ms;
    size_t n = 0;
    FILE *f;
    char err[512];
    uint64_t t0 = bt_now_ns();
    memset(&a, 0, sizeof a);
    memset(&gd, 0, sizeof gd);
    a.argc = argc; a.argv = argv; a.cmd = "recompute measure";
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (is_help(argv[a.i])) { fputs(RECOMPUTE_HELP, stdout); return TOOL_EXIT_OK; }
        else if (arg_value(&a, "--out")) outp = a.val;
        else if (arg_value(&a, "--html")) html = a.val;
        else if (arg_value(&a, "--windows")) rc_parse_list(&a, "--windows", ws, 64, &nw);
        else if (arg_value(&a, "--batches")) rc_parse_list(&a, "--batches", bs, 64, &nb);
        else if (arg_value(&a, "--cap")) parse_double_arg(&a, "--cap", 1, &cap);
        else if (arg_value(&a, "--lengths")) lengths = a.val;
        else if (arg_value(&a, "--min-div")) { if (parse_int_arg(&a, "--min-div", 1, 1000000, &v)) gd.min_divergences = (int)v; }
        else if (arg_value(&a, "--max-kept")) parse_double_arg(&a, "--max-kept", 1, &gd.max_kept);
        else if (arg_value(&a, "--requests")) { if (parse_int_arg(&a, "--requests", 1, 100000000L, &v)) gd.min_requests = (int)v; }
        else if (arg_value(&a, "--max-len")) { if (parse_int_arg(&a, "--max-len", 1, 1 << 20, &v)) gd.max_len = (int)v; }
        else if (arg_value(&a, "--vocab")) { if (parse_int_arg(&a, "--vocab", 2, 65536, &v)) gd.vocab = (int)v; }
        else if (arg_value(&a, "--dim")) { if (parse_int_arg(&a, "--dim", 2, 4096, &v)) gd.dim = (int)v; }
        else if (arg_value(&a, "--layers")) { if (parse_int_arg(&a, "--layers", 1, 64, &v)) gd.layers = (int)v; }
        else if (arg_value(&a, "--context")) { if (parse_int_arg(&a, "--context", 1, 64, &v)) gd.context = (int)v; }
        else if (arg_value(&a, "--split-k")) { if (parse_int_arg(&a, "--split-k", 2, 1024, &v)) gd.split_k_max = (int)v; }
        else if (arg_value(&a, "--seed")) { if (parse_int_arg(&a, "--seed", 1, 2147483647L, &v)) gd.seed = (uint64_t)v; }
        else if (arg_value(&a, "--inject")) { if (parse_double_arg(&a, "--inject", 0, &inject)) { if (inject >= 1) return usage_error(a.cmd, "--inject '%s' must be below 1", a.val); gd.inject_p = inject; } }
        else if (arg_value(&a, "--time-rounds")) parse_int_arg(&a, "--time-rounds", 0, 1000, &rounds);
        else if (arg_flag(&a, "--plain")) plain = 1;
        else return usage_error(a.cmd, "unknown flag '%s'", argv[a.i]);
    }
    if (a.bad) return TOOL_EXIT_USAGE;
    if (lengths) {
        if (bt_rc_lengths_parse(lengths, &gd.lengths, &has_param, err, sizeof err) != BT_OK || !has_param || gd.lengths.kind == BT_RC_UNBOUNDED) {
            fprintf(stderr, "batchtune recompute measure: --lengths: %s (see 'batchtune recompute measure --help')\n",
                    has_param || gd.lengths.kind == BT_RC_UNBOUNDED ? (gd.lengths.kind == BT_RC_UNBOUNDED ? "the workload needs finite lengths" : err) : "give the parameter, e.g. lognormal:128:1");
            return TOOL_EXIT_USAGE;
        }
    }
    rc_sort_ints(ws, nw);
    rc_sort_ints(bs, nb);
    if (!gd.min_requests) gd.min_requests = 150;
    gen = bt_rc_gen_create(&gd, err, sizeof err);
    if (!gen) { fprintf(stderr, "batchtune recompute measure: %s\n", err); return TOOL_EXIT_FAIL; }
    gd = bt_rc_gen_desc_defaults(&gd);
    cells = (bt_rc_cell *)calloc((size_t)nw * (size_t)nb, sizeof *cells);
    tim = (bt_rc_timing *)calloc((size_t)nw * (size_t)nb, sizeof *tim);
    ms = (bt_rc_measure *)calloc((size_t)nw * (size_t)nb, sizeof *ms);
    f = fopen(outp, "w");
    if (!cells || !tim || !ms || !f) {
        fprintf(stderr, "batchtune recompute measure: %s\n", !f ? "cannot write the --out file" : "out of memory");
        if (f) fclose(f);
        free(cells); free(tim); free(ms); bt_rc_gen_destroy(gen);
        return TOOL_EXIT_FAIL;
    }
    {
        char lb[128];
        bt_rc_lengths_format(&gd.lengths, lb, sizeof lb);
        fprintf(stderr, "recompute measure: generator vocab %d, dim %d, layers %d, context %d, split-K up to %d; lengths %s clipped at %d; >= %d divergences per cell%s\n",
                gd.vocab, gd.dim, gd.layers, gd.context, gd.split_k_max, lb, gd.max_len, gd.min_divergences, gd.inject_p > 0 ? "; INJECTED coin flips (test mode)" : "");
    }
    fprintf(f, "batch,window,status,recompute_pct,ci_lo_pct,ci_hi_pct,divergences,kept,discarded,requests,windows,passes,fast_s_per_token,verify_s_per_pass,source\n");
    for (j = 0; j < nb; j++) for (i = 0; i < nw; i++) {
        bt_rc_measure m;
        if ((double)bs[j] * (double)ws[i] > cap) { fprintf(f, "%d,%d,infeasible,,,,,,,,,,,,\n", bs[j], ws[i]); continue; }
        if (bt_rc_gen_measure(gen, bs[j], ws[i], &m) != BT_OK) {
            fprintf(stderr, "batchtune recompute measure: batch %d window %d failed (out of memory)\n", bs[j], ws[i]);
            fprintf(f, "%d,%d,error,,,,,,,,,,,,\n", bs[j], ws[i]);
            continue;
        }
        fprintf(f, "%d,%d,ok,%.6g,%.6g,%.6g,%.0f,%.0f,%.0f,%ld,%.0f,%.0f,%.6g,%.6g,%s\n", m.batch, m.window, m.pct, m.pct_lo, m.pct_hi, m.divergences,
                m.kept, m.discarded, m.requests, m.windows, m.passes, m.fast_s_per_token, m.verify_s_per_pass, gd.inject_p > 0 ? "injected" : "generator");
        fflush(f);
        fprintf(stderr, "  B=%-3d W=%-4d recompute %7.3f %% [%.3f, %.3f]  %5.0f divergences%s  %7.0f kept  fast %.2f us/tok  verify %.1f us/pass  (%.0f s)\n",
                m.batch, m.window, m.pct, m.pct_lo, m.pct_hi, m.divergences, m.enough ? "" : " (few)", m.kept, m.fast_s_per_token * 1e6,
                m.verify_s_per_pass * 1e6, (double)(bt_now_ns() - t0) * 1e-9);
        ms[n] = m;
        cells[n].batch = m.batch; cells[n].window = m.window; cells[n].pct = m.pct;
        tim[n].batch = m.batch; tim[n].window = m.window; tim[n].fast_s_per_token = m.fast_s_per_token; tim[n].verify_s_per_pass = m.verify_s_per_pass;
        n++;
    }
    if (fclose(f) != 0) fprintf(stderr, "batchtune recompute measure: error writing %s\n", outp);
    if (n && rounds > 0) {
        /* timings: one full window per cell per round, cells interleaved, medians */
        double *fs = (double *)calloc(n * (size_t)rounds, sizeof(double)), *vs = (double *)calloc(n * (size_t)rounds, sizeof(double));
        size_t k;
        long r;
        if (fs && vs) {
            fprintf(stderr, "timing one full window per cell, %ld rounds interleaved...\n", rounds);
            for (r = 0; r < rounds; r++)
                for (k = 0; k < n; k++) {
                    size_t kk = (r % 2) ? n - 1 - k : k;      /* alternate the direction */
                    bt_rc_gen_time(gen, cells[kk].batch, cells[kk].window, &fs[kk * (size_t)rounds + (size_t)r], &vs[kk * (size_t)rounds + (size_t)r]);
                }
            for (k = 0; k < n; k++) {
                bt_stats st;
                if (bt_stats_compute(fs + k * (size_t)rounds, (size_t)rounds, &st) == BT_OK) tim[k].fast_s_per_token = st.median;
                if (bt_stats_compute(vs + k * (size_t)rounds, (size_t)rounds, &st) == BT_OK) tim[k].verify_s_per_pass = st.median;
            }
        }
        free(fs); free(vs);
        /* the file again, with the interleaved medians as the timing columns */
        f = fopen(outp, "w");
        if (f) {
            size_t at = 0;
            fprintf(f, "batch,window,status,recompute_pct,ci_lo_pct,ci_hi_pct,divergences,kept,discarded,requests,windows,passes,fast_s_per_token,verify_s_per_pass,run_fast_s_per_token,run_verify_s_per_pass,source\n");
            for (j = 0; j < nb; j++) for (i = 0; i < nw; i++) {
                const bt_rc_measure *m;
                if ((double)bs[j] * (double)ws[i] > cap) { fprintf(f, "%d,%d,infeasible,,,,,,,,,,,,,,\n", bs[j], ws[i]); continue; }
                if (at >= n || ms[at].batch != bs[j] || ms[at].window != ws[i]) { fprintf(f, "%d,%d,error,,,,,,,,,,,,,,\n", bs[j], ws[i]); continue; }
                m = &ms[at];
                fprintf(f, "%d,%d,ok,%.6g,%.6g,%.6g,%.0f,%.0f,%.0f,%ld,%.0f,%.0f,%.6g,%.6g,%.6g,%.6g,%s\n", m->batch, m->window, m->pct, m->pct_lo, m->pct_hi,
                        m->divergences, m->kept, m->discarded, m->requests, m->windows, m->passes, tim[at].fast_s_per_token, tim[at].verify_s_per_pass,
                        m->fast_s_per_token, m->verify_s_per_pass, gd.inject_p > 0 ? "injected" : "generator");
                at++;
            }
            if (fclose(f) != 0) fprintf(stderr, "batchtune recompute measure: error writing %s\n", outp);
        } else fprintf(stderr, "batchtune recompute measure: cannot rewrite %s with the timings\n", outp);
    }
    printf("measured %zu cells in %.0f s, written to %s\n\n", n, (double)(bt_now_ns() - t0) * 1e-9, outp);
    if (n) {
        bt_rc_fit fit;
        bt_rc_fit_desc fd;
        size_t few = 0, k;
        for (k = 0; k < n; k++) few += !ms[k].enough;
        if (few) printf("%zu cells have fewer than %d divergences: their 95 %% CI is in the CSV (ci_lo_pct, ci_hi_pct)\n\n", few, gd.min_divergences);
        bt_rc_print_heatmap(cells, n, ws, nw, bs, nb, cap, stdout, plain ? BT_HEATMAP_PLAIN : BT_HEATMAP_AUTO);
        memset(&fd, 0, sizeof fd);
        fd.lengths = bt_rc_gen_lengths(gen);
        printf("\n== fit with the lengths known (the generator's length distribution)\n");
        if (bt_rc_fit_cells(cells, n, &fd, &fit, err, sizeof err) == BT_OK) {
            bt_rc_fit_print(&fit, stdout);
            rc_choose_print(&fit, tim, n, cap, stdout);
            if (html) {
                if (bt_rc_write_html(cells, n, ws, nw, bs, nb, cap, &fit, NULL, html, err, sizeof err) != BT_OK) fprintf(stderr, "batchtune recompute measure: --html %s: %s\n", html, err);
                else printf("HTML report written to %s\n", html);
            }
            bt_rc_fit_free(&fit);
        } else printf("fit failed: %s\n", err);
        memset(&fd, 0, sizeof fd);
        fd.lengths.kind = BT_RC_GEOMETRIC; fd.lengths.param = 128; fd.fit_length = 1; fd.no_loo = 1;
        printf("\n== fit with the lengths unknown (geometric, mean fitted; no leave-one-out)\n");
        if (bt_rc_fit_cells(cells, n, &fd, &fit, err, sizeof err) == BT_OK) {
            char lb[128];
            bt_rc_lengths_format(&fit.lengths, lb, sizeof lb);
            printf("p = %.6g, lengths %s\nRMSE %.3f pp\n", fit.p, lb, fit.rmse_pp);
            bt_rc_fit_free(&fit);
        } else printf("fit failed: %s\n", err);
    }
    free(cells); free(tim); free(ms);
    bt_rc_gen_destroy(gen);
    return n ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;
}

static int cmd_recompute(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "batchtune recompute: needs 'fit' or 'measure' (see 'batchtune recompute --help')\n"); return TOOL_EXIT_USAGE; }
    if (is_help(argv[1])) { fputs(RECOMPUTE_HELP, stdout); return TOOL_EXIT_OK; }
    if (strcmp(argv[1], "fit") == 0) return rc_fit(argc - 1, argv + 1);
    if (strcmp(argv[1], "measure") == 0) return rc_measure(argc - 1, argv + 1);
    fprintf(stderr, "batchtune recompute: unknown subcommand '%s': use fit or measure (see 'batchtune recompute --help')\n", argv[1]);
    return TOOL_EXIT_USAGE;
}

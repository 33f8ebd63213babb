/* The HTML report: escaping, marks for cells without a value, every workload present, no
   network references, well-formed structure, the documented color scale, errors, metadata
   read back from the sweep's JSON, and a real (tiny) CPU sweep made into a report.
   The pixels in a real browser: tests/test_report_browser.sh. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include "test.h"
#include <stdlib.h>
#include <dirent.h>

static const char *AX[] = {"batch", "workers"};
static const char *MET[] = {"e2e_s_median", "items", "s_per_item", "items_per_s", "rel_noise"};
static const char *EVIL = "a<b>&\"c'";
static const char *EVIL_REASON = "<script>alert(1)</script> & \"oops\"";

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    if (buf) buf[n] = 0;
    fclose(f);
    return buf;
}
static size_t count(const char *hay, const char *needle) {
    size_t n = 0, l = strlen(needle);
    const char *p = hay;
    while ((p = strstr(p, needle)) != NULL) { n++; p += l; }
    return n;
}
static const char *tmpdir(void) {
    static char dir[256];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/bt_test_report_XXXXXX");
        if (!mkdtemp(dir)) snprintf(dir, sizeof dir, "/tmp");
    }
    return dir;
}
/* the fill attribute of a heatmap cell, "" when the rect is not there */
static const char *fill_of(const char *html, const char *svg, int x, int y) {
    static char out[16];
    char id[96];
    const char *p, *f;
    snprintf(id, sizeof id, "<rect id=\"%s-%d-%d\"", svg, x, y);
    out[0] = 0;
    p = strstr(html, id);
    if (!p) return out;
    f = strstr(p, "fill=\"");
    if (f && f - p < 200) { memcpy(out, f + 6, 7); out[7] = 0; }
    return out;
}
static const char *status_of(const char *html, const char *svg, int x, int y) {
    static char out[32];
    char id[96];
    const char *p, *f;
    size_t n = 0;
    snprintf(id, sizeof id, "<rect id=\"%s-%d-%d\"", svg, x, y);
    out[0] = 0;
    p = strstr(html, id);
    if (!p || !(f = strstr(p, "data-status=\""))) return out;
    for (f += 13; *f && *f != '"' && n + 1 < sizeof out; f++) out[n++] = *f;
    out[n] = 0;
    return out;
}

/* 2 workloads x batch {1,2,4} x workers {1,2}; e2e = batch-dependent; the evil workload runs
   out of memory at batch 4 (every worker count) and batch 4 x workers 2 is infeasible */
static bt_results *hand_built(void) {
    static const char *B[] = {"1", "2", "4"}, *K[] = {"1", "2"};
    bt_results *r = bt_results_create(2, AX, 5, MET);
    int w, b, k;
    for (w = 0; w < 2; w++) for (b = 0; b < 3; b++) for (k = 0; k < 2; k++) {
        const char *ax[2], *name = w ? "plain" : EVIL, *reason = "";
        double m[5], t = (w ? 3.0 : 2.0) + 1.0 / (b + 1) + 0.25 * k;
        bt_cell_status st = BT_CELL_OK;
        ax[0] = B[b]; ax[1] = K[k];
        if (b == 2 && k == 1) { st = BT_CELL_INFEASIBLE; reason = "batch*workers=8 > 4"; }
        else if (w == 0 && b == 2) { st = BT_CELL_OOM; reason = EVIL_REASON; }
        m[0] = t; m[1] = 100; m[2] = t / 100; m[3] = 100 / t; m[4] = 0.02;
        bt_results_add(r, name, "cpu", ax, st, reason, st ? 0 : 5, 0, st ? NULL : m);
    }
    return r;
}

static void test_color_scale(void) {
    char c[8];
    bt_html_color(0, c); CHECK(strcmp(c, "#440154") == 0);
    bt_html_color(0.25, c); CHECK(strcmp(c, "#3b528b") == 0);
    bt_html_color(0.5, c); CHECK(strcmp(c, "#21918c") == 0);
    bt_html_color(0.75, c); CHECK(strcmp(c, "#5ec962") == 0);
    bt_html_color(1, c); CHECK(strcmp(c, "#fde725") == 0);
    bt_html_color(7, c); CHECK(strcmp(c, "#fde725") == 0);      /* clamped */
    bt_html_color(-1, c); CHECK(strcmp(c, "#440154") == 0);
    bt_html_color(NAN, c); CHECK(strcmp(c, "#440154") == 0);
    /* halfway between the first two stops: each channel rounded: 0x44+(0x3b-0x44)/2 = 63.5 -> 64 */
    bt_html_color(0.125, c); CHECK(strcmp(c, "#402a70") == 0);
}

/* values spanning 16x: the map is on a log scale, so 2 and 4 land exactly on stops */
static void test_log_scale(void) {
    static const char *ax1[] = {"window"};
    static const char *met1[] = {"verify_s"};
    static const double v[] = {1, 2, 4, 16, 3};
    bt_results *r = bt_results_create(1, ax1, 1, met1);
    char path[512], c[8];
    char *h;
    int i;
    for (i = 0; i < 5; i++) {
        char wv[8];
        const char *ax[1];
        snprintf(wv, sizeof wv, "%d", 8 << i);
        ax[0] = wv;
        bt_results_add(r, "w", "", ax, BT_CELL_OK, "", 1, 0, &v[i]);
    }
    snprintf(path, sizeof path, "%s/log.html", tmpdir());
    CHECK(bt_write_html_report(r, NULL, NULL, path, NULL) == BT_OK);
    h = slurp(path);
    if (!h) { CHECK(0); bt_results_free(r); return; }
    CHECK(strcmp(fill_of(h, "hm-w0-m0", 0, 0), "#fde725") == 0);   /* 1: best */
    CHECK(strcmp(fill_of(h, "hm-w0-m0", 1, 0), "#5ec962") == 0);   /* 2: g = log(16/2)/log 16 = 0.75 */
    CHECK(strcmp(fill_of(h, "hm-w0-m0", 2, 0), "#21918c") == 0);   /* 4: g = 0.5 */
    CHECK(strcmp(fill_of(h, "hm-w0-m0", 3, 0), "#440154") == 0);   /* 16: worst */
    bt_html_color(log(16.0 / 3) / log(16.0), c);
    CHECK(strcmp(fill_of(h, "hm-w0-m0", 4, 0), c) == 0);
    CHECK(strstr(h, "lower is better; log scale;") != NULL);
    free(h);
    bt_results_free(r);
}

static void test_escaping_marks_structure(void) {
    bt_results *r = hand_built();
    bt_ranking rk;
    bt_rank_desc rd;
    char path[512];
    char *h;
    memset(&rd, 0, sizeof rd);
    CHECK(bt_rank(r, &rd, &rk) == BT_OK);
    snprintf(path, sizeof path, "%s/esc.html", tmpdir());
    CHECK(bt_write_html_report(r, &rk, NULL, path, NULL) == BT_OK);
    h = slurp(path);
    CHECK(h != NULL);
    if (!h) { bt_ranking_free(&rk); bt_results_free(r); return; }
    /* escaped, never raw */
    CHECK(strstr(h, "a&lt;b&gt;&amp;&quot;c&#39;") != NULL);
    CHECK(strstr(h, EVIL) == NULL);
    CHECK(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;oops&quot;") != NULL);
    CHECK(strstr(h, "<script") == NULL && strstr(h, "<SCRIPT") == NULL);
    /* self-contained: no URLs, no external resources */
    CHECK(strstr(h, "http") == NULL);
    CHECK(strstr(h, "src=") == NULL && strstr(h, "<link") == NULL && strstr(h, "@import") == NULL && strstr(h, "url(http") == NULL);
    /* every workload in a heatmap caption, the status table and the evidence */
    CHECK(count(h, "a&lt;b&gt;&amp;&quot;c&#39;</figcaption>") == 0); /* captions carry the metric too */
    CHECK(strstr(h, "a&lt;b&gt;&amp;&quot;c&#39; &#8212; e2e_s_median</figcaption>") != NULL);
    CHECK(strstr(h, "plain &#8212; e2e_s_median</figcaption>") != NULL);
    CHECK(count(h, "<td class=\"l\">plain</td>") >= 2);
    CHECK(count(h, "<td class=\"l\">a&lt;b&gt;&amp;&quot;c&#39;</td>") >= 2);
    /* marks: OOM and infeasible cells, labelled, in the workload maps and the regret map */
    CHECK(strcmp(status_of(h, "hm-w0-m0", 2, 0), "oom") == 0);
    CHECK(strcmp(fill_of(h, "hm-w0-m0", 2, 0), "#f4cccc") == 0);
    CHECK(strcmp(status_of(h, "hm-w0-m0", 2, 1), "infeasible") == 0);
    CHECK(strcmp(fill_of(h, "hm-w0-m0", 2, 1), "#f0f0f0") == 0);
    CHECK(strcmp(status_of(h, "hm-w1-m0", 2, 0), "ok") == 0);
    CHECK(strcmp(status_of(h, "hm-regret", 2, 0), "oom") == 0);       /* oom on one workload */
    CHECK(strcmp(status_of(h, "hm-regret", 2, 1), "infeasible") == 0);
    CHECK(strstr(h, ">OOM</text>") != NULL && strstr(h, ">infeasible</text>") != NULL);
    CHECK(strstr(h, "out of memory") != NULL);
    /* structure */
    CHECK(strncmp(h, "<!DOCTYPE html>\n<html lang=\"en\">", 31) == 0);
    CHECK(strlen(h) > 8 && strcmp(h + strlen(h) - 8, "</html>\n") == 0);
    CHECK(strstr(h, "<meta charset=\"utf-8\">") != NULL);
    CHECK(count(h, "<svg") == count(h, "</svg>") && count(h, "<svg") == 4);  /* 2 maps + regret + per-item */
    CHECK(count(h, "<table") == count(h, "</table>"));
    CHECK(count(h, "<tr") == count(h, "</tr>"));
    CHECK(count(h, "<section") == count(h, "</section>") && count(h, "<section") == 6);
    CHECK(count(h, "<figure") == count(h, "</figure>"));
    CHECK(count(h, "<title>") == count(h, "</title>"));
    CHECK(count(h, "<text") == count(h, "</text>"));
    CHECK(count(h, "<") == count(h, ">"));   /* every '<' opens a tag: text is escaped */
    CHECK(count(h, "<body>") == 1 && count(h, "</body>") == 1 && count(h, "<head>") == 1);
    /* the ranking, the evidence and the recommendation */
    CHECK(strstr(h, "id=\"ranking\"") && strstr(h, "id=\"evidence\"") && strstr(h, "id=\"pick\""));
    CHECK(strstr(h, "id=\"per-item\"") && strstr(h, "(log2 scale)"));
    CHECK(strstr(h, "Excluded cells") && strstr(h, "oom on a&lt;b&gt;"));
    CHECK(strstr(h, "No run metadata was given") != NULL);
    free(h);
    bt_ranking_free(&rk);
    bt_results_free(r);
}

/* a limit excludes cells that are ok everywhere: the regret map marks them "excluded", with why */
static void test_limit_exclusion_and_string_axis(void) {
    static const char *ax2[] = {"model", "batch"};
    static const char *models[] = {"tiny", "base", "<large>"};
    const char *lim[1];
    bt_results *r = hand_built(), *rs;
    bt_rank_desc rd;
    bt_ranking rk;
    char path[512];
    char *h;
    int i, b;
    memset(&rd, 0, sizeof rd);
    lim[0] = "e2e_s_median<=3.6";
    rd.limits = lim; rd.num_limits = 1;
    CHECK(bt_rank(r, &rd, &rk) == BT_OK);
    snprintf(path, sizeof path, "%s/limit.html", tmpdir());
    CHECK(bt_write_html_report(r, &rk, NULL, path, NULL) == BT_OK);
    h = slurp(path);
    CHECK(h && strcmp(status_of(h, "hm-regret", 0, 0), "excluded") == 0);   /* batch 1: 4.0 on "plain" */
    CHECK(h && strcmp(fill_of(h, "hm-regret", 0, 0), "#e0e0e0") == 0);
    CHECK(h && strstr(h, "limit e2e_s_median&lt;=3.6 not met on plain") != NULL);
    free(h);
    bt_ranking_free(&rk);
    /* a string axis first: x is still batch (by name), y the string axis; the chart is
       drawn over batch; escaped tick labels */
    rs = bt_results_create(2, ax2, 5, MET);
    for (i = 0; i < 3; i++) for (b = 0; b < 3; b++) {
        char bv[8];
        const char *ax[2];
        double m[5];
        snprintf(bv, sizeof bv, "%d", 3 * (b + 1));     /* 3, 6, 9: not powers of two */
        ax[0] = models[i]; ax[1] = bv;
        m[0] = 1 + i + 1.0 / (b + 1); m[1] = 10; m[2] = m[0] / 10; m[3] = 10 / m[0]; m[4] = 0.01;
        bt_results_add(rs, "w", "", ax, BT_CELL_OK, "", 3, 0, m);
    }
    snprintf(path, sizeof path, "%s/strings.html", tmpdir());
    CHECK(bt_write_html_report(rs, NULL, NULL, path, NULL) == BT_OK);
    h = slurp(path);
    CHECK(h && strstr(h, "batch &#8594;") && strstr(h, "model &#8595;") && strstr(h, "&lt;large&gt;</text>"));
    CHECK(h && strstr(h, "id=\"per-item\"") && !strstr(h, "(log2 scale)"));
    free(h);
    bt_results_free(rs);
    bt_results_free(r);
}

static void test_colors_follow_the_scale(void) {
    bt_results *r = hand_built();
    char path[512];
    char *h;
    bt_html_opts o;
    const char *mets[2];
    snprintf(path, sizeof path, "%s/colors.html", tmpdir());
    memset(&o, 0, sizeof o);
    mets[0] = "e2e_s_median"; mets[1] = "items_per_s";
    o.metrics = mets; o.num_metrics = 2;
    CHECK(bt_write_html_report(r, NULL, NULL, path, &o) == BT_OK);
    h = slurp(path);
    if (!h) { CHECK(0); bt_results_free(r); return; }
    /* "plain" (w1): e2e = 3 + 1/(b+1) + 0.25k for batch index b = 0..2, workers index k = 0..1
       (batch 4 x workers 2 infeasible): lo = 3.3333 at (x 2, y 0), hi = 4.25 at (x 0, y 1) */
    CHECK(strcmp(fill_of(h, "hm-w1-m0", 2, 0), "#fde725") == 0);   /* best: yellow */
    CHECK(strcmp(fill_of(h, "hm-w1-m0", 0, 1), "#440154") == 0);   /* worst: dark purple */
    {
        /* (x 1, y 0): 3.5 -> g = (4.25 - 3.5) / (4.25 - 3.3333) = 0.818 */
        char c[8];
        bt_html_color((4.25 - 3.5) / (4.25 - (3 + 1.0 / 3)), c);
        CHECK(strcmp(fill_of(h, "hm-w1-m0", 1, 0), c) == 0);
    }
    /* items_per_s is higher-is-better: the best cell is again yellow, the worst purple */
    CHECK(strcmp(fill_of(h, "hm-w1-m1", 2, 0), "#fde725") == 0);
    CHECK(strcmp(fill_of(h, "hm-w1-m1", 0, 1), "#440154") == 0);
    /* the best cell is outlined; no ranking: the page says so and draws no regret map */
    CHECK(count(h, "class=\"best\"") == 4);
    CHECK(strstr(h, "id=\"hm-regret\"") == NULL && strstr(h, "No ranking was given") != NULL);
    /* cell geometry is part of the contract */
    CHECK(strstr(h, "<rect id=\"hm-w0-m0-1-1\" x=\"167\" y=\"77\" width=\"74\" height=\"30\"") != NULL);
    free(h);
    bt_results_free(r);
}

static void test_errors_and_atomic_write(void) {
    bt_results *r = hand_built();
    bt_html_opts o;
    const char *bad[1];
    char path[512];
    DIR *d;
    struct dirent *de;
    int leftovers = 0;
    snprintf(path, sizeof path, "%s/err.html", tmpdir());
    memset(&o, 0, sizeof o);
    bad[0] = "nope_metric";
    o.metrics = bad; o.num_metrics = 1;
    CHECK(bt_write_html_report(r, NULL, NULL, path, &o) == BT_E_NOT_FOUND && strstr(bt_results_error(r), "nope_metric"));
    memset(&o, 0, sizeof o);
    o.x_axis = "bogus";
    CHECK(bt_write_html_report(r, NULL, NULL, path, &o) == BT_E_NOT_FOUND && strstr(bt_results_error(r), "bogus"));
    o.x_axis = "batch"; o.y_axis = "batch";
    CHECK(bt_write_html_report(r, NULL, NULL, path, &o) == BT_E_INVALID);
    CHECK(bt_write_html_report(r, NULL, NULL, NULL, NULL) == BT_E_INVALID);
    CHECK(bt_write_html_report(NULL, NULL, NULL, path, NULL) == BT_E_INVALID);
    CHECK(bt_write_html_report(r, NULL, NULL, "/nonexistent_dir_bt/x.html", NULL) == BT_E_IO);
    CHECK(strstr(bt_results_error(r), "/nonexistent_dir_bt/") != NULL);
    /* a report over an existing file replaces it whole, leaving no temporary file */
    CHECK(bt_write_html_report(r, NULL, NULL, path, NULL) == BT_OK);
    CHECK(bt_write_html_report(r, NULL, NULL, path, NULL) == BT_OK);
    d = opendir(tmpdir());
    while (d && (de = readdir(d)) != NULL) if (strstr(de->d_name, ".tmp")) leftovers++;
    if (d) closedir(d);
    CHECK(leftovers == 0);
    bt_results_free(r);
}

static void test_defaults_and_shapes(void) {
    static const char *ax3[] = {"seq", "workers", "batch"};
    static const char *ax1[] = {"window"};
    static const char *met1[] = {"recompute_pct"};
    bt_results *r = hand_built(), *r3, *r1;
    bt_html_opts o = bt_html_opts_defaults(r, NULL, NULL);
    char path[512];
    char *h;
    int i;
    CHECK(strcmp(o.x_axis, "batch") == 0 && strcmp(o.y_axis, "workers") == 0 && strcmp(o.line_axis, "batch") == 0);
    CHECK(o.num_metrics == 1 && strcmp(o.metrics[0], "e2e_s_median") == 0 && strcmp(o.title, "batchtune report") == 0);
    /* three axes: batch across, workers down (found by name), best over seq */
    r3 = bt_results_create(3, ax3, 5, MET);
    for (i = 0; i < 8; i++) {
        char s[8], k[8], b[8];
        const char *ax[3];
        double m[5];
        snprintf(s, sizeof s, "%d", 128 << (i & 1)); snprintf(k, sizeof k, "%d", 1 + ((i >> 1) & 1)); snprintf(b, sizeof b, "%d", 8 << (i >> 2));
        ax[0] = s; ax[1] = k; ax[2] = b;
        m[0] = 1 + (i & 1); m[1] = 10; m[2] = m[0] / 10; m[3] = 10 / m[0]; m[4] = 0.01;
        bt_results_add(r3, "w", "cpu", ax, BT_CELL_OK, "", 3, 0, m);
    }
    o = bt_html_opts_defaults(r3, NULL, NULL);
    CHECK(strcmp(o.x_axis, "batch") == 0 && strcmp(o.y_axis, "workers") == 0);
    snprintf(path, sizeof path, "%s/three.html", tmpdir());
    CHECK(bt_write_html_report(r3, NULL, NULL, path, NULL) == BT_OK);
    h = slurp(path);
    CHECK(h && strstr(h, "best value over the others") && strstr(h, "data-value=\"1\"") && !strstr(h, "data-value=\"2\""));
    free(h);
    /* one axis, a foreign metric without items: one row of cells, no per-item chart */
    r1 = bt_results_create(1, ax1, 1, met1);
    for (i = 0; i < 4; i++) {
        char wv[8];
        const char *ax[1];
        double m[1];
        snprintf(wv, sizeof wv, "%d", 16 << i);
        ax[0] = wv; m[0] = 5.0 * (i + 1);
        bt_results_add(r1, "verify", "", ax, BT_CELL_OK, "", 1, 0, m);
    }
    o = bt_html_opts_defaults(r1, NULL, NULL);
    CHECK(strcmp(o.x_axis, "window") == 0 && o.y_axis == NULL && strcmp(o.metrics[0], "recompute_pct") == 0);
    snprintf(path, sizeof path, "%s/one.html", tmpdir());
    CHECK(bt_write_html_report(r1, NULL, NULL, path, NULL) == BT_OK);
    h = slurp(path);
    CHECK(h && strstr(h, "id=\"hm-w0-m0-3-0\"") && !strstr(h, "id=\"hm-w0-m0-0-1\""));
    CHECK(h && strstr(h, "No time-per-item chart") != NULL);
    free(h);
    bt_results_free(r1);
    bt_results_free(r3);
    bt_results_free(r);
}

static void test_meta_json_roundtrip(void) {
    bt_run_meta m, back;
    bt_results *r = hand_built();
    char path[512], err[256];
    FILE *f;
    bt_run_meta_collect(&m, "NVIDIA \"H100\" \\ caf\xc3\xa9", "batch=1..4 <x> & y\ttab");
    snprintf(path, sizeof path, "%s/run.json", tmpdir());
    CHECK(bt_write_json(r, &m, NULL, path) == BT_OK);
    CHECK(bt_run_meta_read_json(path, &back, err, sizeof err) == BT_OK);
    CHECK(strcmp(back.host, m.host) == 0 && strcmp(back.cpu_model, m.cpu_model) == 0);
    CHECK(strcmp(back.device, m.device) == 0 && strcmp(back.settings, m.settings) == 0);
    CHECK(strcmp(back.date_utc, m.date_utc) == 0 && strcmp(back.version, m.version) == 0 && strcmp(back.fingerprint, m.fingerprint) == 0);
    CHECK(back.cpus_online == m.cpus_online && back.cpus_allowed == m.cpus_allowed);
    /* the report shows it, escaped */
    snprintf(path, sizeof path, "%s/meta.html", tmpdir());
    CHECK(bt_write_html_report(r, NULL, &back, path, NULL) == BT_OK);
    {
        char *h = slurp(path);
        CHECK(h && strstr(h, "id=\"run-meta\"") && strstr(h, "NVIDIA &quot;H100&quot; \\ caf\xc3\xa9") && strstr(h, "batch=1..4 &lt;x&gt; &amp; y"));
        free(h);
    }
    CHECK(bt_run_meta_read_json("/nonexistent_bt.json", &back, err, sizeof err) == BT_E_IO);
    snprintf(path, sizeof path, "%s/nometa.json", tmpdir());
    CHECK(bt_write_json(r, NULL, NULL, path) == BT_OK);
    CHECK(bt_run_meta_read_json(path, &back, err, sizeof err) == BT_E_NOT_FOUND);
    f = fopen(path, "w");
    if (f) { fputs("{\"meta\":{\"host\":\"x\",\"cpus_online\":", f); fclose(f); }
    CHECK(bt_run_meta_read_json(path, &back, err, sizeof err) == BT_E_PARSE && strstr(err, "malformed"));
    bt_results_free(r);
}

/* a real sweep of the CPU model (tiny), ranked with P(best), made into a report */
static void test_real_sweep_report(void) {
    bt_grid *g = bt_grid_create();
    bt_cpu_model model;
    bt_workload wl;
    bt_sweep_desc d;
    bt_results *r = NULL;
    bt_rank_desc rd;
    bt_ranking rk;
    char csv[512], path[512];
    char *h;
    memset(&model, 0, sizeof model);
    model.batch_axis = bt_grid_axis_pow2(g, "batch", 1, 16);
    bt_grid_parse_axis(g, "threads=1,2", &model.threads_axis);
    model.items = 32; model.layers = 2; model.width = 64;
    CHECK(bt_grid_parse_constraint(g, "batch*threads<=16") == BT_OK);
    CHECK(bt_cpu_model_init(&model, &wl, "cpu_mlp") == BT_OK);
    memset(&d, 0, sizeof d);
    snprintf(csv, sizeof csv, "%s/sweep.csv", tmpdir());
    d.results_path = csv; d.no_fsync = 1; d.overwrite = 1;
    d.stop.max_time_s = 0.03; d.stop.min_time_s = 0.002;
    CHECK(bt_sweep_run(g, &wl, 1, &d, &r) == BT_OK);
    memset(&rd, 0, sizeof rd);
    CHECK(r && bt_rank(r, &rd, &rk) == BT_OK);
    snprintf(path, sizeof path, "%s/sweep.html", tmpdir());
    CHECK(bt_write_html_report(r, &rk, bt_results_meta(r), path, NULL) == BT_OK);
    h = slurp(path);
    CHECK(h != NULL);
    if (h) {
        CHECK(strstr(h, "Probability of being the best cell") != NULL);   /* samples: bootstrap */
        CHECK(strstr(h, "id=\"run-meta\"") != NULL);
        CHECK(strstr(h, "batch &#8594;") && strstr(h, "threads &#8595;"));   /* x batch, y the other axis */
        CHECK(strcmp(status_of(h, "hm-w0-m0", 4, 1), "infeasible") == 0);   /* 16 x 2 > 16 */
        CHECK(strcmp(status_of(h, "hm-regret", 4, 1), "infeasible") == 0);
        CHECK(strcmp(status_of(h, "hm-w0-m0", 0, 0), "ok") == 0);
        CHECK(strstr(h, "http") == NULL && strstr(h, "<script") == NULL);
        free(h);
    }
    bt_ranking_free(&rk);
    bt_results_free(r);
    bt_cpu_model_free(&model);
    bt_grid_destroy(g);
}

int main(void) {
    RUN(test_color_scale);
    RUN(test_log_scale);
    RUN(test_escaping_marks_structure);
    RUN(test_colors_follow_the_scale);
    RUN(test_limit_exclusion_and_string_axis);
    RUN(test_errors_and_atomic_write);
    RUN(test_defaults_and_shapes);
    RUN(test_meta_json_roundtrip);
    RUN(test_real_sweep_report);
    return TT_SUMMARY();
}

/* Helper of tests/test_report_browser.sh (not a test program by itself).
     report_browser_helper fixture DIR   writes DIR/fixture.csv (known values, OOM, infeasible,
                                         timeout, error, not_run cells) and DIR/expect.txt: every
                                         heatmap cell's color as the documented scale gives it
     report_browser_helper check PNG EXPECT   finds each heatmap of EXPECT in the screenshot and
                                         checks every cell's pixels; prints one line per heatmap
                                         and "results: N passed, N failed, 0 skipped"
   The expected colors are computed here from the scale documented in batchtune.h (section 13),
   not by calling bt_html_color, so the documentation is what is tested.
   Build: cc -std=c99 -I. -I/usr/include/stb tests/report_browser_helper.c -o helper -lm -pthread */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include "stb_image.h"
#include <string.h>
#include <stdlib.h>

#define CW 76
#define CH 32

/* ---- the documented scale, written out again ---- */
static void scale_rgb(double g, int rgb[3]) {
    static const int stop[5][3] = {{0x44, 0x01, 0x54}, {0x3b, 0x52, 0x8b}, {0x21, 0x91, 0x8c}, {0x5e, 0xc9, 0x62}, {0xfd, 0xe7, 0x25}};
    int i, c;
    double f;
    if (g < 0) g = 0;
    if (g > 1) g = 1;
    i = g >= 1 ? 3 : (int)(g * 4);
    f = g * 4 - i;
    for (c = 0; c < 3; c++) rgb[c] = (int)floor(stop[i][c] + (stop[i + 1][c] - stop[i][c]) * f + 0.5);
}
/* the documented goodness: linear, or on logs when lo > 0 and hi / lo >= 4 (lower is better) */
static double goodness(double v, double lo, double hi, double shift) {
    v += shift; lo += shift; hi += shift;
    if (!(hi > lo)) return 1;
    if (lo > 0 && hi / lo >= 4) { v = log(v); lo = log(lo); hi = log(hi); }
    return (hi - v) / (hi - lo);
}
/* documented fills of cells without a value; hatch color (or 0) */
static void mark_rgb(bt_cell_status st, int *base, int *hatch) {
    *hatch = 0;
    switch (st) {
    case BT_CELL_OOM: *base = 0xf4cccc; *hatch = 0xc62828; break;
    case BT_CELL_ERROR: *base = 0xd9d9d9; *hatch = 0x616161; break;
    case BT_CELL_TIMEOUT: *base = 0xffe0b2; *hatch = 0xe65100; break;
    case BT_CELL_INFEASIBLE: *base = 0xf0f0f0; break;
    case BT_CELL_PRUNED: *base = 0xe6e6e6; break;
    default: *base = 0xffffff; break;
    }
}

static const char *AXES[] = {"batch", "workers"};
static const char *METRICS[] = {"e2e_s_median", "items", "s_per_item", "rel_noise", "items_per_s"};
static const char *BATCH[] = {"32", "64", "128", "256"};
static const char *WORKERS[] = {"1", "2", "4"};
static const char *WL[] = {"resnet<50> & \"co\"", "vit_small"};

static double fixture_time(int w, double b, double k) {
    /* workload 0 spans less than 4x (a linear map), workload 1 more (a log map) */
    return w == 0 ? 2.0 + 64.0 / b + 0.5 * (k - 2) * (k - 2) : 0.5 + 256.0 / b + 0.3 * k;
}
static bt_cell_status fixture_status(int w, int bi, int ki, const char **reason) {
    *reason = "";
    if (bi == 3 && ki == 2) { *reason = "batch*workers=1024 > 512"; return BT_CELL_INFEASIBLE; }
    if (w == 0 && bi == 3) { *reason = "CUDA out of memory. Tried to allocate <2.00 GiB> & more"; return BT_CELL_OOM; }
    if (w == 1 && bi == 0 && ki == 0) { *reason = "no result within 60 s"; return BT_CELL_TIMEOUT; }
    if (w == 1 && bi == 0 && ki == 2) { *reason = "exit status 3: <stderr> 'bad'"; return BT_CELL_ERROR; }
    if (w == 1 && bi == 2 && ki == 2) { *reason = "time budget spent"; return BT_CELL_NOT_RUN; }
    return BT_CELL_OK;
}

static int fixture(const char *dir) {
    char path[4096], err[512];
    bt_results *r = bt_results_create(2, AXES, 5, METRICS), *back = NULL;
    bt_ranking rk;
    bt_rank_desc rd;
    FILE *f;
    int w, bi, ki, e;
    for (w = 0; w < 2; w++) for (bi = 0; bi < 4; bi++) for (ki = 0; ki < 3; ki++) {
        const char *ax[2], *reason;
        bt_cell_status st = fixture_status(w, bi, ki, &reason);
        double m[5], t = fixture_time(w, atof(BATCH[bi]), atof(WORKERS[ki]));
        ax[0] = BATCH[bi]; ax[1] = WORKERS[ki];
        m[0] = t; m[1] = 1024; m[2] = t / 1024; m[3] = 0.01; m[4] = 1024 / t;
        bt_results_add(r, WL[w], "cpu", ax, st, reason, st == BT_CELL_OK ? 5 : 0, 0, st == BT_CELL_OK ? m : NULL);
    }
    snprintf(path, sizeof path, "%s/fixture.csv", dir);
    if (bt_results_write_csv(r, path) != BT_OK) { fprintf(stderr, "fixture: %s\n", bt_results_error(r)); return 1; }
    {   /* run metadata beside the CSV, as a sweep writes it (the tool picks it up) */
        bt_run_meta meta;
        bt_run_meta_collect(&meta, "fixture device <gpu0> & co", "hand-written fixture: batch x workers");
        snprintf(path, sizeof path, "%s/fixture.json", dir);
        if (bt_write_json(r, &meta, NULL, path) != BT_OK) { fprintf(stderr, "fixture: %s\n", bt_results_error(r)); return 1; }
        snprintf(path, sizeof path, "%s/fixture.csv", dir);
    }
    bt_results_free(r);
    /* what the tool will see: the file read back, ranked with the defaults */
    if (bt_results_read_csv(path, NULL, &back, err, sizeof err) != BT_OK) { fprintf(stderr, "fixture: %s\n", err); return 1; }
    memset(&rd, 0, sizeof rd);
    if (bt_rank(back, &rd, &rk) != BT_OK) { fprintf(stderr, "fixture: %s\n", rk.message); return 1; }
    snprintf(path, sizeof path, "%s/expect.txt", dir);
    f = fopen(path, "w");
    if (!f) return 1;
    /* per-workload maps of e2e_s_median: lower is better, own lo/hi */
    for (w = 0; w < 2; w++) {
        double lo = 1e300, hi = -1e300;
        const char *reason;
        for (bi = 0; bi < 4; bi++) for (ki = 0; ki < 3; ki++) if (fixture_status(w, bi, ki, &reason) == BT_CELL_OK) {
            double t = fixture_time(w, atof(BATCH[bi]), atof(WORKERS[ki]));
            if (t < lo) lo = t;
            if (t > hi) hi = t;
        }
        fprintf(f, "heatmap hm-w%d-m0 4 3\n", w);
        for (ki = 0; ki < 3; ki++) for (bi = 0; bi < 4; bi++) {
            bt_cell_status st = fixture_status(w, bi, ki, &reason);
            int rgb[3], base, hatch;
            if (st == BT_CELL_OK) {
                scale_rgb(goodness(fixture_time(w, atof(BATCH[bi]), atof(WORKERS[ki])), lo, hi, 0), rgb);
                fprintf(f, "cell %d %d value %02x%02x%02x 000000\n", bi, ki, rgb[0], rgb[1], rgb[2]);
            } else {
                mark_rgb(st, &base, &hatch);
                fprintf(f, "cell %d %d %s %06x %06x\n", bi, ki, bt_cell_status_str(st), base, hatch);
            }
        }
    }
    /* the mean-regret map: eligible cells on the scale of their mean regret, others marked
       by their worst status (oom before error, timeout, infeasible, pruned, not run) */
    {
        double lo = 1e300, hi = -1e300;
        for (e = 0; e < rk.nentries; e++) if (rk.entries[e].eligible) {
            if (rk.entries[e].mean_regret < lo) lo = rk.entries[e].mean_regret;
            if (rk.entries[e].mean_regret > hi) hi = rk.entries[e].mean_regret;
        }
        fprintf(f, "heatmap hm-regret 4 3\n");
        for (ki = 0; ki < 3; ki++) for (bi = 0; bi < 4; bi++) {
            const bt_rank_entry *en = NULL;
            int rgb[3], base, hatch;
            for (e = 0; e < rk.nentries; e++)
                if (strcmp(rk.entries[e].axis[0], BATCH[bi]) == 0 && strcmp(rk.entries[e].axis[1], WORKERS[ki]) == 0) en = &rk.entries[e];
            if (!en) { fprintf(stderr, "fixture: cell missing from the ranking\n"); return 1; }
            if (en->eligible) {
                scale_rgb(goodness(en->mean_regret, lo, hi, 1), rgb);  /* on 1 + mean regret */
                fprintf(f, "cell %d %d value %02x%02x%02x 000000\n", bi, ki, rgb[0], rgb[1], rgb[2]);
            } else {
                int worst = BT_CELL_STATUS_COUNT;
                const char *reason;
                for (w = 0; w < 2; w++) {
                    bt_cell_status st = fixture_status(w, bi, ki, &reason);
                    if (st != BT_CELL_OK && (int)st < worst) worst = (int)st;
                }
                mark_rgb((bt_cell_status)worst, &base, &hatch);
                fprintf(f, "cell %d %d %s %06x %06x\n", bi, ki, bt_cell_status_str((bt_cell_status)worst), base, hatch);
            }
        }
    }
    fclose(f);
    printf("pick: %s\n", rk.pick >= 0 ? rk.entries[rk.pick].label : "none");
    bt_ranking_free(&rk);
    bt_results_free(back);
    return 0;
}

/* ---- the checker ---- */
typedef struct cellx { int x, y, kind_mark, rgb, hatch; char kind[16]; } cellx;
static unsigned char *img;
static int iw, ih;

static int near(const unsigned char *p, int rgb, int tol) {
    return abs(p[0] - ((rgb >> 16) & 255)) <= tol && abs(p[1] - ((rgb >> 8) & 255)) <= tol && abs(p[2] - (rgb & 255)) <= tol;
}
static double frac(int x0, int y0, int x1, int y1, int rgb, int tol) {
    int x, y, n = 0, hit = 0;
    for (y = y0; y < y1; y++) for (x = x0; x < x1; x++) {
        if (x < 0 || y < 0 || x >= iw || y >= ih) continue;
        n++;
        hit += near(img + 3 * ((size_t)y * (size_t)iw + (size_t)x), rgb, tol);
    }
    return n ? (double)hit / n : 0;
}
/* cell (i, j) of a heatmap whose cell (0,0) rect starts at (ox, oy) */
static int cell_ok(int ox, int oy, const cellx *c, int verbose) {
    int x0 = ox + c->x * CW + 4, y0 = oy + c->y * CH + 4, x1 = ox + c->x * CW + CW - 2 - 4, y1 = oy + c->y * CH + CH - 2 - 4;
    double fb, fh = 1;
    if (!c->kind_mark) {
        fb = frac(x0, y0, x1, y1, c->rgb, 2);
        if (verbose) printf("    cell %d,%d %s #%06x: %.0f %% of its pixels\n", c->x, c->y, c->kind, c->rgb, 100 * fb);
        return fb >= 0.5;
    }
    fb = frac(x0, y0, x1, y1, c->rgb, 2);
    if (c->hatch) {
        /* the hatch is drawn over the fill at opacity 0.55: look for the blend */
        int blend = 0, k;
        for (k = 16; k >= 0; k -= 8) {
            int h = (c->hatch >> k) & 255, b = (c->rgb >> k) & 255;
            blend |= ((int)floor(0.55 * h + 0.45 * b + 0.5)) << k;
        }
        fh = frac(x0, y0, x1, y1, blend, 24);
        if (verbose) printf("    cell %d,%d %s #%06x: %.0f %% fill, %.0f %% hatch\n", c->x, c->y, c->kind, c->rgb, 100 * fb, 100 * fh);
        return fb >= 0.25 && fh >= 0.05;
    }
    if (verbose) printf("    cell %d,%d %s #%06x: %.0f %%\n", c->x, c->y, c->kind, c->rgb, 100 * fb);
    return fb >= 0.5;
}
static int check_map(const char *name, cellx *cells, int n, int *pass, int *fail) {
    int a, px, py, found = 0, fx = -1, fy = -1, i;
    for (a = 0; a < n && cells[a].kind_mark; a++) {}
    if (a == n) { printf("  FAIL %s: no value cell to anchor on\n", name); (*fail)++; return 0; }
    for (py = 1; py < ih; py++) for (px = 1; px < iw; px++) {
        const unsigned char *p = img + 3 * ((size_t)py * (size_t)iw + (size_t)px);
        int ox, oy, all = 1;
        if (!near(p, cells[a].rgb, 2) || near(p - 3, cells[a].rgb, 2) || near(p - 3 * (size_t)iw, cells[a].rgb, 2)) continue;
        ox = px - cells[a].x * CW; oy = py - cells[a].y * CH;
        for (i = 0; i < n && all; i++) all = cell_ok(ox, oy, &cells[i], 0);
        if (all) { found++; fx = ox; fy = oy; }
    }
    if (found == 1) {
        printf("  ok   %s: all %d cells have their colors (cell 0,0 at x=%d y=%d of the screenshot)\n", name, n, fx, fy);
        (*pass)++;
        return 1;
    }
    printf("  FAIL %s: found %d times in the screenshot (expected once)\n", name, found);
    /* explain with the best anchor candidate: the first pixel of the anchor color */
    for (py = 1; py < ih && found == 0; py++) for (px = 1; px < iw; px++) {
        const unsigned char *p = img + 3 * ((size_t)py * (size_t)iw + (size_t)px);
        if (near(p, cells[a].rgb, 2) && !near(p - 3, cells[a].rgb, 2) && !near(p - 3 * (size_t)iw, cells[a].rgb, 2)) {
            printf("    candidate at x=%d y=%d:\n", px - cells[a].x * CW, py - cells[a].y * CH);
            for (i = 0; i < n; i++) cell_ok(px - cells[a].x * CW, py - cells[a].y * CH, &cells[i], 1);
            found = -1;
            break;
        }
    }
    (*fail)++;
    return 0;
}
static int check(const char *png, const char *expect) {
    FILE *f = fopen(expect, "r");
    char line[256], name[64] = "";
    cellx cells[256];
    int n = 0, pass = 0, fail = 0, comp;
    img = stbi_load(png, &iw, &ih, &comp, 3);
    if (!img || !f) { printf("cannot read %s or %s\nresults: 0 passed, 1 failed, 0 skipped\n", png, expect); return 1; }
    printf("  screenshot %dx%d\n", iw, ih);
    while (fgets(line, sizeof line, f)) {
        char kind[16];
        int x, y, rgb, hatch, cols, rows;
        char nm[64];
        if (sscanf(line, "heatmap %63s %d %d", nm, &cols, &rows) == 3) {
            if (n) check_map(name, cells, n, &pass, &fail);
            snprintf(name, sizeof name, "%s", nm);
            n = 0;
        } else if (sscanf(line, "cell %d %d %15s %x %x", &x, &y, kind, &rgb, &hatch) == 5 && n < 256) {
            cells[n].x = x; cells[n].y = y; cells[n].rgb = rgb; cells[n].hatch = hatch;
            cells[n].kind_mark = strcmp(kind, "value") != 0;
            snprintf(cells[n].kind, sizeof cells[n].kind, "%s", kind);
            n++;
        }
    }
    if (n) check_map(name, cells, n, &pass, &fail);
    fclose(f);
    stbi_image_free(img);
    printf("results: %d passed, %d failed, 0 skipped\n", pass, fail);
    return fail != 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "fixture") == 0) return fixture(argv[2]);
    if (argc == 4 && strcmp(argv[1], "check") == 0) return check(argv[2], argv[3]);
    fprintf(stderr, "usage: %s fixture DIR | check PNG EXPECT\n", argv[0]);
    return 2;
}

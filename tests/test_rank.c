/* Ranking: regret by hand, OOM exclusion, limits, top-N counts, P(best) and ties, the study's
   surface, and the reports (heatmap, markdown, ranking CSV/JSON). */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include "test.h"

static const char *AX[] = {"batch", "workers"};
static const char *MET[] = {"e2e_s_median", "e2e_s_p99", "items_per_s"};

/* 3 workloads x 4 cells; cell (256,4) runs out of memory on w3 */
static bt_results *hand_built(void) {
    static const char *cells[4][2] = {{"64", "2"}, {"128", "2"}, {"128", "4"}, {"256", "4"}};
    static const double t[3][4] = {{10, 8, 9, 7}, {20, 22, 21, 19}, {5, 6, 5.5, NAN}};
    bt_results *r = bt_results_create(2, AX, 3, MET);
    int w, c;
    char wn[8];
    for (w = 0; w < 3; w++) for (c = 0; c < 4; c++) {
        double m[3];
        m[0] = t[w][c]; m[1] = t[w][c] * 1.5; m[2] = 100.0 / t[w][c];
        snprintf(wn, sizeof wn, "w%d", w + 1);
        bt_results_add(r, wn, "cpu", cells[c], isnan(t[w][c]) ? BT_CELL_OOM : BT_CELL_OK,
                       isnan(t[w][c]) ? "cudaMalloc failed" : "", 5, 0, isnan(t[w][c]) ? NULL : m);
    }
    return r;
}
static int entry_of(const bt_ranking *rk, const char *label) {
    int e;
    for (e = 0; e < rk->nentries; e++) if (strcmp(rk->entries[e].label, label) == 0) return e;
    return -1;
}
static void test_regret_by_hand(void) {
    bt_results *r = hand_built();
    bt_rank_desc d;
    bt_ranking rk;
    int e;
    memset(&d, 0, sizeof d);
    CHECK(bt_rank(r, &d, &rk) == BT_OK);
    CHECK(rk.nworkloads == 3 && rk.nentries == 4);
    /* T*: w1 = 7 (256,4), w2 = 19 (256,4), w3 = 5 (64,2) */
    CHECK_NEAR(rk.best[0], 7, 0); CHECK_NEAR(rk.best[1], 19, 0); CHECK_NEAR(rk.best[2], 5, 0);
    e = entry_of(&rk, "batch=128 workers=4");   /* (9-7)/7, (21-19)/19, (5.5-5)/5 */
    CHECK(e >= 0 && rk.entries[e].eligible);
    CHECK_NEAR(rk.entries[e].mean_regret, (2.0 / 7 + 2.0 / 19 + 0.1) / 3, 1e-12);
    CHECK_NEAR(rk.entries[e].max_regret, 2.0 / 7, 1e-12);
    e = entry_of(&rk, "batch=64 workers=2");    /* (3/7 + 1/19 + 0) / 3 */
    CHECK_NEAR(rk.entries[e].mean_regret, (3.0 / 7 + 1.0 / 19) / 3, 1e-12);
    /* the fastest cell on two workloads ran out of memory on the third: never recommended */
    e = entry_of(&rk, "batch=256 workers=4");
    CHECK(e >= 0 && !rk.entries[e].eligible && rk.entries[e].why && strstr(rk.entries[e].why, "oom on w3"));
    /* means: 64/2 = 0.1604, 128/4 = 0.1636, 128/2 = 0.1670 */
    CHECK(rk.pick >= 0 && strcmp(rk.entries[rk.pick].label, "batch=64 workers=2") == 0);
    CHECK(rk.pick == 0 && strcmp(rk.entries[1].label, "batch=128 workers=4") == 0 && strcmp(rk.entries[2].label, "batch=128 workers=2") == 0);
    CHECK(strstr(rk.message, "batch=64 workers=2") != NULL);
    /* top-1 counts: (256,4) best on w1 and w2, (64,2) on w3 */
    d.top_n = 1;
    bt_ranking_free(&rk);
    CHECK(bt_rank(r, &d, &rk) == BT_OK);
    CHECK(rk.entries[entry_of(&rk, "batch=256 workers=4")].topn_count == 2);
    CHECK(rk.entries[entry_of(&rk, "batch=64 workers=2")].topn_count == 1);
    CHECK(isnan(rk.entries[0].p_best));        /* no samples: no bootstrap */
    CHECK_NEAR(bt_ranking_regret(&rk, rk.pick, 2), 0, 1e-12);
    CHECK_NEAR(bt_ranking_regret(&rk, entry_of(&rk, "batch=128 workers=4"), 2), 0.1, 1e-12);
    bt_ranking_free(&rk);
    /* higher is better is guessed from the name */
    d.objective = "items_per_s";
    CHECK(bt_rank(r, &d, &rk) == BT_OK && rk.direction == BT_HIGHER_IS_BETTER);
    CHECK(strcmp(rk.entries[rk.pick].label, "batch=64 workers=2") == 0);   /* 0.117 vs 0.136 vs 0.143 */
    CHECK_NEAR(rk.entries[rk.pick].mean_regret, ((100.0 / 7 - 10) / (100.0 / 7) + (100.0 / 19 - 5) / (100.0 / 19)) / 3, 1e-12);
    bt_ranking_free(&rk);
    d.objective = "nope";
    CHECK(bt_rank(r, &d, &rk) == BT_E_NOT_FOUND && strstr(rk.message, "nope"));
    bt_results_free(r);
}
static void test_limits(void) {
    bt_results *r = hand_built();
    bt_rank_desc d;
    bt_ranking rk;
    const char *lim[] = {"e2e_s_p99<=13"};
    const char *bad[] = {"e2e_s_p99<=x"}, *bad2[] = {"zz<=1"};
    int e;
    memset(&d, 0, sizeof d);
    d.limits = lim; d.num_limits = 1;
    CHECK(bt_rank(r, &d, &rk) == BT_OK);
    /* p99 = 1.5 T: on w1, 128/4 has 13.5 > 13 (excluded), 128/2 has 12 */
    e = entry_of(&rk, "batch=128 workers=4");
    CHECK(!rk.entries[e].eligible && strstr(rk.entries[e].why, "limit e2e_s_p99<=13 not met on w1"));
    /* w2 values 30..33 all exceed 13: nothing can be recommended */
    CHECK(rk.pick == -1 && strstr(rk.message, "no recommendation"));
    bt_ranking_free(&rk);
    lim[0] = "e2e_s_p99<=40";
    CHECK(bt_rank(r, &d, &rk) == BT_OK && rk.pick >= 0);
    bt_ranking_free(&rk);
    d.limits = bad;
    CHECK(bt_rank(r, &d, &rk) == BT_E_PARSE && strstr(rk.message, "e2e_s_p99<=x"));
    d.limits = bad2;
    CHECK(bt_rank(r, &d, &rk) == BT_E_NOT_FOUND && strstr(rk.message, "zz"));
    bt_results_free(r);
}
/* two cells whose sample distributions overlap (a near-tie) and one far behind */
static void test_bootstrap_ties(void) {
    bt_results *r;
    const char *ax[] = {"batch"}, *met[] = {"e2e_s_median"};
    bt_rank_desc d;
    bt_ranking rk;
    uint64_t rng = 99;
    int c, k;
    r = bt_results_create(1, ax, 1, met);
    {
        const char *sc[] = {"e2e_s"};
        bti_results_set_scols(r, 1, sc);
    }
    for (c = 0; c < 3; c++) {
        const char *v[1];
        char vb[8];
        double med, samp[21], base = c < 2 ? 1.0 : 1.5 /* cells 1 and 2: a true tie */, tmp[21];
        long idx;
        snprintf(vb, sizeof vb, "%d", 1 << c);
        v[0] = vb;
        for (k = 0; k < 21; k++) samp[k] = base * (1 + 0.05 * ((double)(bti_rand_next(&rng) % 1000) / 1000.0 - 0.5));
        memcpy(tmp, samp, sizeof samp);
        med = bti_median_inplace(tmp, 21);
        idx = bti_results_put(r, "w", "cpu", v, BT_CELL_OK, "", 21, 0, &med);
        for (k = 0; k < 21; k++) bti_row_add_sample(r, &r->rows[idx], k, &samp[k]);
    }
    memset(&d, 0, sizeof d);
    d.bootstrap = 2000;
    CHECK(bt_rank(r, &d, &rk) == BT_OK);
    CHECK(rk.bootstrap_used == 2000);
    {
        int e1 = entry_of(&rk, "batch=1"), e2 = entry_of(&rk, "batch=2"), e4 = entry_of(&rk, "batch=4");
        double other = rk.pick == e1 ? rk.entries[e2].p_best : rk.entries[e1].p_best;
        CHECK(rk.pick == e1 || rk.pick == e2);
        CHECK(rk.entries[rk.pick].p_best > 0.3 && rk.entries[rk.pick].p_best < 0.97);   /* unsure */
        CHECK(other > 0.03);
        CHECK(rk.entries[rk.pick == e1 ? e2 : e1].tied == 1);
        CHECK(rk.entries[e4].p_best == 0 && rk.entries[e4].tied == 0);                  /* far behind */
        CHECK(strstr(rk.message, "tied with 1 other cell") != NULL);
    }
    bt_ranking_free(&rk);
    /* same seed, same answer */
    {
        bt_ranking a, b;
        bt_rank(r, &d, &a);
        bt_rank(r, &d, &b);
        CHECK(a.pick == b.pick && a.entries[a.pick].p_best == b.entries[b.pick].p_best);
        bt_ranking_free(&a); bt_ranking_free(&b);
    }
    bt_results_free(r);
}
static void test_study_surface(void) {
    const char *paths[] = {"../shared/data/study_imagenette_mean_regret.csv", "shared/data/study_imagenette_mean_regret.csv"};
    bt_results *r = NULL;
    bt_read_opts o;
    bt_rank_desc d;
    bt_ranking rk;
    char err[512];
    size_t i;
    const char *found = NULL;
    FILE *f;
    for (i = 0; i < 2 && !found; i++) if ((f = fopen(paths[i], "r")) != NULL) { fclose(f); found = paths[i]; }
    if (!found) SKIP("../shared/data/study_imagenette_mean_regret.csv not found");
    memset(&o, 0, sizeof o);
    o.objective = "mean_regret";
    CHECK(bt_results_read_csv(found, &o, &r, err, sizeof err) == BT_OK);
    if (!r) return;
    CHECK(bt_results_num_axes(r) == 2 && strcmp(bt_results_axis(r, 0), "batch") == 0 && strcmp(bt_results_axis(r, 1), "workers") == 0);
    CHECK(bt_results_num_rows(r) == 45);
    memset(&d, 0, sizeof d);
    d.objective = "mean_regret";
    CHECK(bt_rank(r, &d, &rk) == BT_OK);
    CHECK(rk.pick >= 0 && strcmp(rk.entries[rk.pick].label, "batch=128 workers=12") == 0);
    CHECK_NEAR(rk.best[0], 0.0196, 0.00005);                  /* the study's 1.96 % */
    CHECK_NEAR(rk.entries[rk.pick].mean_regret, 0, 0);
    bt_ranking_free(&rk);
    bt_results_free(r);
}
static void test_reports(void) {
    bt_results *r = hand_built();
    bt_rank_desc d;
    bt_ranking rk;
    FILE *f = tmpfile();
    char buf[16384];
    size_t n;
    memset(&d, 0, sizeof d);
    bt_rank(r, &d, &rk);
    bt_print_ranking(&rk, f);
    CHECK(bt_print_heatmap(r, "w3", "batch", "workers", "e2e_s_median", f, BT_HEATMAP_PLAIN) == BT_OK);
    CHECK(bt_print_heatmap(r, NULL, "batch", "nope", "e2e_s_median", f, BT_HEATMAP_PLAIN) == BT_E_NOT_FOUND);
    bt_write_markdown(r, NULL, f);
    bt_write_ranking_csv(&rk, f);
    bt_write_ranking_json(&rk, f);
    rewind(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    CHECK(strstr(buf, "top-3 counts") && strstr(buf, "mean-regret ranking") && strstr(buf, "recommendation:"));
    CHECK(strstr(buf, "excluded (1, cannot be recommended)"));
    CHECK(strstr(buf, "OOM") != NULL);                          /* heatmap marks the oom cell */
    CHECK(strstr(buf, "   5.0000") != NULL);                    /* and shows values */
    CHECK(strstr(buf, "| workload | batch | workers | status |") != NULL);
    CHECK(strstr(buf, "rank,batch,workers,mean_regret") != NULL);
    CHECK(strstr(buf, "\"pick\":\"batch=64 workers=2\"") != NULL);
    bt_ranking_free(&rk);
    bt_results_free(r);
}
int main(void) {
    RUN(test_regret_by_hand);
    RUN(test_limits);
    RUN(test_bootstrap_ties);
    RUN(test_study_surface);
    RUN(test_reports);
    return TT_SUMMARY();
}

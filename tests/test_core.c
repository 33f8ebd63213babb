/* Status, clock, statistics, stopping rule, grid, spec parsing, sharding. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include "test.h"

static void test_status_strings(void) {
    CHECK(strcmp(bt_status_str(BT_OK), "ok") == 0);
    CHECK(strcmp(bt_status_str(BT_E_OOM_DEVICE), "device out of memory") == 0);
    CHECK(strcmp(bt_status_name(BT_E_PARSE), "BT_E_PARSE") == 0);
    CHECK(strcmp(bt_status_str((bt_status)-999), "unknown status") == 0);
    CHECK(strcmp(bt_cell_status_str(BT_CELL_PRUNED), "pruned") == 0);
    {
        bt_cell_status s;
        CHECK(bt_cell_status_parse("not_run", &s) && s == BT_CELL_NOT_RUN);
        CHECK(!bt_cell_status_parse("bogus", &s));
    }
    CHECK(strcmp(bt_version_string(), BATCHTUNE_VERSION_STRING) == 0);
}
static void test_clock(void) {
    uint64_t a = bt_now_ns(), b;
    bt_clock_info ci;
    int i;
    for (i = 0; i < 100000; i++) { b = bt_now_ns(); CHECK(b >= a); if (b < a) break; a = b; }
    bt_clock_measure(&ci);
    CHECK(ci.resolution_ns > 0 && ci.resolution_ns < 1e6);
    CHECK(ci.overhead_ns > 0 && ci.overhead_ns < 1e5);
}
static void test_stats(void) {
    double x[10] = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5}, c[6] = {2, 2, 2, 2, 2, 2};
    bt_stats s;
    CHECK(bt_stats_compute(x, 10, &s) == BT_OK);
    CHECK_NEAR(s.median, 5.5, 1e-12);
    CHECK_NEAR(s.mean, 5.5, 1e-12);
    CHECK_NEAR(s.min, 1, 0);
    CHECK_NEAR(s.max, 10, 0);
    CHECK_NEAR(s.p10, 1.9, 1e-12);          /* 1 + 0.9 * (2 - 1) */
    CHECK_NEAR(s.p90, 9.1, 1e-12);
    CHECK_NEAR(s.stddev, 3.0276503540974917, 1e-12);
    CHECK_NEAR(s.rel_mad, 1.4826 * 2.5 / 5.5, 1e-12);   /* MAD of 1..10 around 5.5 is 2.5 */
    CHECK_NEAR(s.rel_noise, (10.0 - 1.0) / (2 * 5.5), 1e-12); /* n = 10: CI of the median is [x(1), x(10)] */
    CHECK(s.ci_lo <= s.median && s.median <= s.ci_hi);
    CHECK(s.ci_lo >= 1 && s.ci_hi <= 10 && s.ci_lo < s.ci_hi);
    CHECK(x[0] == 10);                        /* input untouched */
    CHECK(bt_stats_compute(c, 6, &s) == BT_OK);
    CHECK_NEAR(s.rel_noise, 0, 0);
    CHECK(bt_stats_compute(x, 0, &s) == BT_E_INVALID);
    {   /* CI of the median of 1000 uniform values covers the middle, and is narrow */
        double u[1000];
        int i;
        for (i = 0; i < 1000; i++) u[i] = i;
        bt_stats_compute(u, 1000, &s);
        CHECK(s.ci_lo > 450 && s.ci_lo < 500 && s.ci_hi > 499 && s.ci_hi < 550);
    }
}
static void test_stop_rule(void) {
    bt_stop_rule r;
    bt_stats s;
    int noisy;
    memset(&r, 0, sizeof r);
    r = bt_stop_rule_defaults(&r);
    CHECK(r.min_samples == 5 && r.warmup == 1 && r.max_rel_noise > 0 && r.max_time_s >= r.min_time_s);
    memset(&s, 0, sizeof s);
    s.n = 5; s.rel_noise = 0.001;
    CHECK(bt_stop_check(&r, &s, 0.5, &noisy) && !noisy);       /* quiet and long enough */
    CHECK(!bt_stop_check(&r, &s, 0.01, &noisy));                /* not the minimum time yet */
    s.rel_noise = 0.5;
    CHECK(!bt_stop_check(&r, &s, 1.0, &noisy));                 /* noisy: keep sampling */
    CHECK(bt_stop_check(&r, &s, r.max_time_s + 0.1, &noisy) && noisy); /* time is up: stop, flag */
    s.n = 3; s.rel_noise = 0;
    CHECK(!bt_stop_check(&r, &s, 0.5, &noisy));                 /* too few samples */
}
/* zero reads (a sample of 0 s: a clock delta under the timer's resolution): the stop rule counts
   one toward the count cap, not toward the minimum of samples nor the noise judgement (no usable
   time: never quiet); the usable times are the positive ones */
static void test_stop_rule_zero_reads(void) {
    {
        bt_stop_rule rule = bt_stop_rule_defaults(NULL);
        bt_stats st;
        double x[6] = {0, 1.0, 1.0, 0, 1.0, 1.0}, u[6];
        int noisy = 0;
        size_t nz = 0, nu = bti_times_usable(x, 6, 1, u, &nz);
        CHECK(nu == 4 && nz == 2);
        CHECK(bt_stats_compute(u, nu, &st) == BT_OK && st.median == 1.0);
        CHECK(!bti_stop_check_reads(&rule, &st, (int)nu, 6, 1.0, &noisy));  /* 4 usable of min 5 */
        CHECK(bti_stop_check_reads(&rule, &st, (int)nu, rule.max_samples, 1.0, &noisy) && noisy);
        memset(&st, 0, sizeof st);
        CHECK(!bti_stop_check_reads(&rule, &st, 0, 6, 1.0, &noisy));        /* every sample 0 s */
    }
}
static void test_axes_and_specs(void) {
    bt_grid *g = bt_grid_create();
    bt_axis a, b, c, d, e;
    char buf[256];
    CHECK(bt_grid_axis_pow2(g, "batch", 32, 1024) == 0);
    CHECK(bt_grid_axis_len(g, 0) == 6);
    CHECK(bt_grid_parse_axis(g, "workers=1,2,4,8,12", &b) == BT_OK && b == 1);
    CHECK(bt_grid_axis_type(g, b) == BT_AXIS_INT && bt_grid_axis_len(g, b) == 5);
    CHECK(bt_grid_parse_axis(g, "lr=0.1..0.5:+0.1", &c) == BT_OK);
    CHECK(bt_grid_axis_type(g, c) == BT_AXIS_FLOAT && bt_grid_axis_len(g, c) == 5);
    bt_grid_axis_value_text(g, c, 2, buf, sizeof buf);
    CHECK(strcmp(buf, "0.3") == 0);             /* no float dust */
    CHECK(bt_grid_parse_axis(g, "model=resnet50,vit_b", &d) == BT_OK && bt_grid_axis_type(g, d) == BT_AXIS_STR);
    CHECK(bt_grid_parse_axis(g, "seq=16..1024:x2", &e) == BT_OK && bt_grid_axis_len(g, e) == 7);
    CHECK(bt_grid_parse_axis(g, "w=3..9:+3", &a) == BT_OK && bt_grid_axis_len(g, a) == 3);
    CHECK(bt_grid_num_cells(g) == 6u * 5 * 5 * 2 * 7 * 3);
    /* errors name the spec */
    CHECK(bt_grid_parse_axis(g, "batch=1,2", NULL) != BT_OK && strstr(bt_grid_error(g), "twice"));
    CHECK(bt_grid_parse_axis(g, "nosign", NULL) == BT_E_PARSE && strstr(bt_grid_error(g), "nosign"));
    CHECK(bt_grid_parse_axis(g, "q=5..1", NULL) != BT_OK && strstr(bt_grid_error(g), "q=5..1"));
    CHECK(bt_grid_parse_axis(g, "q=1..9:y2", NULL) == BT_E_PARSE);
    CHECK(bt_grid_parse_axis(g, "q=1,,2", NULL) == BT_E_PARSE && strstr(bt_grid_error(g), "empty"));
    CHECK(bt_grid_parse_axis(g, "9q=1,2", NULL) != BT_OK);
    CHECK(bt_grid_parse_axis(g, "status=1,2", NULL) != BT_OK);   /* reserved column */
    CHECK(bt_grid_find(g, "workers") == 1 && bt_grid_find(g, "nope") == BT_E_NOT_FOUND);
    bt_grid_destroy(g);
}
static void test_cells_and_order(void) {
    bt_grid *g = bt_grid_create();
    bt_axis bat = bt_grid_axis_pow2(g, "batch", 1, 4), wk;
    bt_cell c;
    char buf[256], t0[64], t1[64];
    size_t i;
    int64_t vals[] = {1, 2, 4};
    bt_grid_parse_axis(g, "workers=1,2", &wk);
    CHECK(bt_grid_num_cells(g) == 6);
    bt_grid_cell(g, 0, &c);
    CHECK(bt_cell_i64(&c, bat) == 1 && bt_cell_i64(&c, wk) == 1);
    bt_grid_cell(g, 1, &c);                     /* last axis fastest */
    CHECK(bt_cell_i64(&c, bat) == 1 && bt_cell_i64(&c, wk) == 2);
    bt_grid_cell(g, 5, &c);
    CHECK(bt_cell_i64(&c, bat) == 4 && bt_cell_i64(&c, wk) == 2 && bt_cell_f64(&c, bat) == 4.0);
    bt_cell_format(&c, buf, sizeof buf);
    CHECK(strcmp(buf, "batch=4 workers=2") == 0);
    CHECK(bt_grid_cell(g, 6, &c) == BT_E_INVALID);
    for (i = 0; i < 6; i++) {                   /* text <-> cell round trip */
        bt_cell x, y;
        const char *v[2];
        bt_grid_cell(g, i, &x);
        bt_grid_axis_value_text(g, 0, x.vi[0], t0, sizeof t0);
        bt_grid_axis_value_text(g, 1, x.vi[1], t1, sizeof t1);
        v[0] = t0; v[1] = t1;
        CHECK(bt_grid_cell_from_text(g, v, &y) == BT_OK && y.index == i);
    }
    (void)vals;
    bt_grid_destroy(g);
}
static void test_tie_budget_constraints(void) {
    bt_grid *g = bt_grid_create();
    bt_axis b, w, s, lr;
    bt_axis both[2];
    bt_cell c;
    char why[256];
    size_t i, infeasible = 0;
    int64_t bv[] = {8, 16, 32, 64}, sv[] = {128, 256, 512, 1024};
    b = bt_grid_axis_list_i64(g, "batch", bv, 4);
    s = bt_grid_axis_list_i64(g, "seq", sv, 4);
    bt_grid_parse_axis(g, "window=4,8,16", &w);
    CHECK(bt_grid_tie(g, b, s) == BT_OK);       /* batch and seq advance together */
    CHECK(bt_grid_num_cells(g) == 12);
    bt_grid_cell(g, 3, &c);                     /* second batch value, first window */
    CHECK(bt_cell_i64(&c, b) == 16 && bt_cell_i64(&c, s) == 256 && bt_cell_i64(&c, w) == 4);
    {
        bt_grid *g2 = bt_grid_create();
        bt_axis x0 = bt_grid_axis_list_i64(g2, "x", bv, 4);
        lr = bt_grid_axis_list_i64(g2, "y", bv, 3);
        CHECK(bt_grid_tie(g2, x0, lr) != BT_OK && strstr(bt_grid_error(g2), "length"));
        bt_grid_destroy(g2);
    }
    both[0] = b; both[1] = w;
    CHECK(bt_grid_add_budget(g, both, 2, 512) == BT_OK);
    for (i = 0; i < bt_grid_num_cells(g); i++) {
        bt_grid_cell(g, i, &c);
        if (!bt_grid_feasible(g, &c, why, sizeof why)) {
            infeasible++;
            CHECK(bt_cell_i64(&c, b) * bt_cell_i64(&c, w) > 512);
            CHECK(strstr(why, "batch*window=") != NULL);
        }
    }
    CHECK(infeasible == 1);                      /* only 64*16 = 1024 > 512; 32*16 and 64*8 = 512 ok */
    CHECK(bt_grid_parse_constraint(g, "seq<=512") == BT_OK);
    CHECK(bt_grid_parse_constraint(g, "seq*nope<=1") == BT_E_PARSE && strstr(bt_grid_error(g), "nope"));
    CHECK(bt_grid_parse_constraint(g, "seq") == BT_E_PARSE);
    CHECK(bt_grid_parse_constraint(g, "seq<=abc") == BT_E_PARSE && strstr(bt_grid_error(g), "abc"));
    bt_grid_cell(g, 11, &c);
    CHECK(!bt_grid_feasible(g, &c, why, sizeof why));
    bt_grid_destroy(g);
}
static int only_even(const bt_cell *c, void *user, char *why, size_t n) {
    (void)user;
    if (bt_cell_i64(c, 0) % 2 == 0) return 1;
    snprintf(why, n, "odd value");
    return 0;
}
static void test_predicate(void) {
    bt_grid *g = bt_grid_create();
    bt_cell c;
    char why[64];
    bt_grid_parse_axis(g, "n=1..4", NULL);
    bt_grid_add_constraint(g, "even", only_even, NULL);
    bt_grid_cell(g, 0, &c);
    CHECK(!bt_grid_feasible(g, &c, why, sizeof why) && strcmp(why, "odd value") == 0);
    bt_grid_cell(g, 1, &c);
    CHECK(bt_grid_feasible(g, &c, why, sizeof why));
    bt_grid_destroy(g);
}
static void test_sharding_keeps_ladders(void) {
    bt_grid *g = bt_grid_create();
    bt_axis b, w;
    int n, k;
    size_t i;
    b = bt_grid_axis_pow2(g, "batch", 1, 512);
    bt_grid_parse_axis(g, "workers=1,2,4,8,12,16", &w);
    bt_grid_parse_axis(g, "model=a,b,c", NULL);
    bt_grid_set_monotone(g, b, 1);
    for (n = 1; n <= 5; n++) {
        int *shard_of_ladder = (int *)calloc(64, sizeof(int));
        size_t count[8] = {0}, total = 0;
        for (i = 0; i < 64; i++) shard_of_ladder[i] = -1;
        for (i = 0; i < bt_grid_num_cells(g); i++) {
            bt_cell c;
            int s, ladder;
            bt_grid_cell(g, i, &c);
            s = bt_grid_shard_of(g, &c, n);
            CHECK(s >= 0 && s < n);
            ladder = (int)(c.vi[w] * 3 + c.vi[2]);
            if (shard_of_ladder[ladder] < 0) shard_of_ladder[ladder] = s;
            CHECK(shard_of_ladder[ladder] == s);   /* one ladder, one shard */
            count[s]++;
        }
        for (k = 0; k < n; k++) { total += count[k]; if (n <= 18) CHECK(count[k] > 0); }
        CHECK(total == bt_grid_num_cells(g));      /* disjoint and complete */
        free(shard_of_ladder);
    }
    bt_grid_destroy(g);
}
int main(void) {
    RUN(test_status_strings);
    RUN(test_clock);
    RUN(test_stats);
    RUN(test_stop_rule);
    RUN(test_stop_rule_zero_reads);
    RUN(test_axes_and_specs);
    RUN(test_cells_and_order);
    RUN(test_tie_budget_constraints);
    RUN(test_predicate);
    RUN(test_sharding_keeps_ladders);
    return TT_SUMMARY();
}

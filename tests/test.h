/* tests/test.h — the tiny test harness of batchtune's tests (no dependencies).
   Each tests/test_*.c is one program: write `static void test_x(void)` functions using CHECK,
   CHECK_NEAR, SKIP; call RUN(test_x) from main; end main with `return TT_SUMMARY();`.
   The last line it prints is "results: N passed, N failed, N skipped"; tests/run.sh adds the
   programs' counts into the final summary line CI reads.
   Two environment variables pick tests by name (a comma-separated list of test function names):
   BT_TEST_ONLY runs only those named; BT_TEST_SKIP counts those named as skipped without running
   them (tests/valgrind.sh uses it for the longest counting tests, which re-run code paths the
   shorter tests already cover, so a program stays under its time limit there). */
#ifndef BT_TEST_H
#define BT_TEST_H
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <stdlib.h>

static int tt_pass, tt_fail, tt_skip, tt_ok, tt_skipped;
static const char *tt_cur = "";

/* 1 when name is in the comma-separated list held by the environment variable var */
static int tt_listed(const char *var, const char *name) {
    const char *l = getenv(var), *p;
    size_t n = strlen(name);
    if (!l) return 0;
    for (p = l; *p;) {
        const char *e = strchr(p, ',');
        size_t k = e ? (size_t)(e - p) : strlen(p);
        if (k == n && strncmp(p, name, n) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}
/* 0 when the test is left out by BT_TEST_ONLY (not run, not counted), 2 when BT_TEST_SKIP names
   it (counted as skipped), 1 to run it */
static int tt_selected(const char *name) {
    if (getenv("BT_TEST_ONLY") && !tt_listed("BT_TEST_ONLY", name)) return 0;
    return tt_listed("BT_TEST_SKIP", name) ? 2 : 1;
}

#define CHECK(c)                                                                              \
    do {                                                                                      \
        if (!(c)) {                                                                           \
            fprintf(stderr, "  FAIL %s:%d in %s: %s\n", __FILE__, __LINE__, tt_cur, #c);      \
            tt_ok = 0;                                                                        \
        }                                                                                     \
    } while (0)
#define CHECK_NEAR(a, b, tol)                                                                 \
    do {                                                                                      \
        double tt_a = (double)(a), tt_b = (double)(b);                                        \
        if (!(fabs(tt_a - tt_b) <= (tol))) {                                                  \
            fprintf(stderr, "  FAIL %s:%d in %s: %s = %.9g, expected %s = %.9g (tol %g)\n",    \
                    __FILE__, __LINE__, tt_cur, #a, tt_a, #b, tt_b, (double)(tol));           \
            tt_ok = 0;                                                                        \
        }                                                                                     \
    } while (0)
/* stop this test, counted as skipped, with the reason printed */
#define SKIP(why)                                                                             \
    do {                                                                                      \
        printf("  skip %s: %s\n", tt_cur, why);                                               \
        tt_skipped = 1;                                                                       \
        return;                                                                               \
    } while (0)
#define RUN(fn)                                                                               \
    do {                                                                                      \
        int tt_sel = tt_selected(#fn);                                                        \
        if (!tt_sel) break;                                                                   \
        tt_cur = #fn; tt_ok = 1; tt_skipped = 0;                                              \
        if (tt_sel == 2) {                                                                    \
            printf("  skip %s: named in BT_TEST_SKIP\n", #fn);                                \
            tt_skipped = 1;                                                                   \
        } else                                                                                \
            fn();                                                                             \
        if (tt_skipped) tt_skip++;                                                            \
        else if (tt_ok) { tt_pass++; printf("  ok   %s\n", #fn); }                           \
        else { tt_fail++; printf("  FAIL %s\n", #fn); }                                       \
        fflush(stdout);                                                                       \
    } while (0)
#define TT_SUMMARY() (printf("results: %d passed, %d failed, %d skipped\n", tt_pass, tt_fail, tt_skip), tt_fail ? 1 : 0)
#endif

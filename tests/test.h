/* tests/test.h — the tiny test harness of batchtune's tests (no dependencies).
   Each tests/test_*.c is one program: write `static void test_x(void)` functions using CHECK,
   CHECK_NEAR, SKIP; call RUN(test_x) from main; end main with `return TT_SUMMARY();`.
   The last line it prints is "results: N passed, N failed, N skipped"; tests/run.sh adds the
   programs' counts into the final summary line CI reads. */
#ifndef BT_TEST_H
#define BT_TEST_H
#include <stdio.h>
#include <string.h>
#include <math.h>

static int tt_pass, tt_fail, tt_skip, tt_ok, tt_skipped;
static const char *tt_cur = "";

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
        tt_cur = #fn; tt_ok = 1; tt_skipped = 0;                                              \
        fn();                                                                                 \
        if (tt_skipped) tt_skip++;                                                            \
        else if (tt_ok) { tt_pass++; printf("  ok   %s\n", #fn); }                           \
        else { tt_fail++; printf("  FAIL %s\n", #fn); }                                       \
        fflush(stdout);                                                                       \
    } while (0)
#define TT_SUMMARY() (printf("results: %d passed, %d failed, %d skipped\n", tt_pass, tt_fail, tt_skip), tt_fail ? 1 : 0)
#endif

/* The platform layer of batchtune.h (threads, locks, condition variables, the monotonic clock
   and its tick scaling, disk flush, truncate, replacing rename, machine facts), tested the same
   way on Linux and, cross-compiled with MinGW-w64, on Windows (tests/test_windows.sh runs it
   under Wine). */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"
#include "test.h"
#ifdef _WIN32
#include <direct.h>
#define make_dir(d) _mkdir(d)
#else
#define make_dir(d) mkdir(d, 0700)
#endif

static char TMP[512];

/* ---- threads, mutex, condition variables */
typedef struct shared {
    bti_mutex mu;
    bti_cond cv;
    long counter;
    int go, arrived;
} shared;
static void add_many(void *arg) {
    shared *s = (shared *)arg;
    int i;
    bti_mutex_lock(&s->mu);
    s->arrived++;
    bti_cond_broadcast(&s->cv);
    while (!s->go) bti_cond_wait(&s->cv, &s->mu);     /* all start together */
    bti_mutex_unlock(&s->mu);
    for (i = 0; i < 20000; i++) {
        bti_mutex_lock(&s->mu);
        s->counter++;
        bti_mutex_unlock(&s->mu);
    }
}
static void test_threads_and_locks(void) {
    shared s;
    bti_thread th[4];
    int i, made = 0;
    memset(&s, 0, sizeof s);
    bti_mutex_init(&s.mu);
    bti_cond_init(&s.cv);
    for (i = 0; i < 4; i++) made += bti_thread_create(&th[i], add_many, &s) == 0;
    CHECK(made == 4);
    bti_mutex_lock(&s.mu);
    while (s.arrived < made) bti_cond_wait(&s.cv, &s.mu);
    s.go = 1;
    bti_cond_broadcast(&s.cv);
    bti_mutex_unlock(&s.mu);
    for (i = 0; i < made; i++) bti_thread_join(th[i]);
    CHECK(s.counter == 20000L * made);
    bti_cond_destroy(&s.cv);
    bti_mutex_destroy(&s.mu);
}
static void test_timed_wait(void) {
    bti_mutex mu;
    bti_cond cv;
    uint64_t t0;
    double waited;
    int timed_out;
    bti_mutex_init(&mu);
    bti_cond_init(&cv);
    bti_mutex_lock(&mu);
    t0 = bt_now_ns();
    do timed_out = bti_cond_timedwait_ms(&cv, &mu, 50); while (!timed_out && bt_now_ns() - t0 < 50000000ULL);
    waited = (double)(bt_now_ns() - t0) * 1e-9;
    bti_mutex_unlock(&mu);
    CHECK(timed_out);
    CHECK(waited >= 0.035 && waited < 2.0);
    bti_cond_destroy(&cv);
    bti_mutex_destroy(&mu);
}
/* the CPU model's pool (bti_pool) runs one function on n threads with a barrier inside */
static void pool_fn(void *arg, int tid, int n) {
    long *slots = (long *)arg;
    slots[tid] = tid + 1;
    (void)n;
}
static void test_pool(void) {
    bti_pool *p = bti_pool_create(3);
    long slots[3] = {0, 0, 0};
    CHECK(p != NULL);
    if (!p) return;
    bti_pool_run(p, pool_fn, slots);
    CHECK(slots[0] == 1 && slots[1] == 2 && slots[2] == 3);
    bti_pool_destroy(p);
}

/* ---- clock */
static void test_clock(void) {
    uint64_t prev = bti_monotonic_ns(), cur, t0;
    double slept;
    int i, backwards = 0;
    for (i = 0; i < 100000; i++) {
        cur = bti_monotonic_ns();
        backwards += cur < prev;
        prev = cur;
    }
    CHECK(backwards == 0);
    t0 = bt_now_ns();
    bti_sleep_ms(60);
    slept = (double)(bt_now_ns() - t0) * 1e-9;
    CHECK(slept >= 0.05 && slept < 2.0);
    CHECK(bti_monotonic_res_ns() > 0 && bti_monotonic_res_ns() < 1e7);
}
/* the scaling of QueryPerformanceCounter and mach_absolute_time ticks, at counts where the
   plain t * numer overflows */
static void test_tick_scaling(void) {
    uint64_t t = 123456789012345678ULL;              /* 390 years of a 10 MHz counter */
    uint64_t k = 3074457345618258602ULL;              /* 2^63 / 3, close to the end of 64 bits */
    CHECK(bti_ticks_to_ns(t, 1000000000ULL, 10000000ULL) == t * 100ULL);
    CHECK(bti_ticks_to_ns(t, 1000000000ULL, 1000000000ULL) == t);
    CHECK(bti_ticks_to_ns(24000000ULL * 3600ULL, 125, 3) == 3600ULL * 1000000000ULL); /* Apple M: 24 MHz */
    CHECK(bti_ticks_to_ns(3 * (k / 125) + 2, 125, 3) == (k / 125) * 125 + 83);        /* floor(250/3) */
    CHECK(bti_ticks_to_ns(3579545ULL * 7, 1000000000ULL, 3579545ULL) == 7000000000ULL); /* ACPI timer */
    CHECK(bti_ticks_to_ns(3579545ULL - 1, 1000000000ULL, 3579545ULL) == 999999720ULL);
}
static void test_gmtime(void) {
    struct tm tmv;
    char b[64];
    bti_gmtime((time_t)0, &tmv);
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    CHECK(strcmp(b, "1970-01-01T00:00:00Z") == 0);
    if (sizeof(time_t) >= 8) {
        bti_gmtime((time_t)4102444800LL, &tmv);         /* past 2038 */
        strftime(b, sizeof b, "%Y-%m-%d", &tmv);
        CHECK(strcmp(b, "2100-01-01") == 0);
    }
}

/* ---- files */
static const char *tmp(const char *name) {
    static char buf[4][600];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s%s", TMP, name);
    return buf[k];
}
static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}
static int count_names(const char *name, int kind, void *user) {   /* names; x100: said to be folders */
    *(int *)user += (name[0] != 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) + 100 * (kind == BTI_DIRENT_OTHER);
    return 0;
}
static void test_files(void) {
    const char *a = tmp("a.txt"), *b = tmp("b.txt");
    long long size = -1;
    FILE *f;
    char buf[64];
    size_t n;
    remove(a); remove(b);
    CHECK(!bti_file_size(a, &size));
    f = fopen(a, "wb");
    CHECK(f != NULL);
    if (!f) return;
    fputs("hello, disk\n", f);
    CHECK(bti_flush_to_disk(f) == 0);                  /* FlushFileBuffers / F_FULLFSYNC / fsync */
    CHECK(bti_file_size(a, &size) && size == 12);        /* flushed: visible to others already */
    fclose(f);
    CHECK(bti_truncate_file(a, 5) == 0);
    CHECK(bti_file_size(a, &size) && size == 5);
    CHECK(bti_truncate_file(tmp("missing/x"), 0) != 0 && errno == ENOENT);
    write_text(b, "old contents");
    CHECK(bti_rename_replace(a, b) == 0);                /* Windows' rename() refuses this */
    f = fopen(b, "rb");
    n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    CHECK(strcmp(buf, "hello") == 0);
    CHECK(!bti_file_size(a, &size));
    remove(b);
}
/* the atomic writes of the results, twice to one path (the second replaces the first) */
static void test_atomic_rewrite(void) {
    const char *p = tmp("rw.json");
    char err[256];
    FILE *f;
    char buf[64];
    size_t n;
    remove(p);
    CHECK(bti_write_atomic(p, "{\"first\":1}", 11, err, sizeof err) == BT_OK);
    CHECK(bti_write_atomic(p, "{\"x\":2}", 7, err, sizeof err) == BT_OK);
    f = fopen(p, "rb");
    n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    CHECK(strcmp(buf, "{\"x\":2}") == 0);
    remove(p);
}

/* files read by offset from threads (the loader), past 4 GiB too: a sparse file */
static void test_pread_and_folders(void) {
    char dir[600], big[600], p[700], q[700], buf[16];
    const long long G4 = 4LL << 30;
    long long size = 0;
    bti_file f;
    int n = 0;
    snprintf(dir, sizeof dir, "%s", tmp("dir"));
    snprintf(big, sizeof big, "%s", tmp("dir/big.bin"));
    make_dir(dir);
    write_text(big, "0123456789");
    f = bti_file_open_read(big);
    CHECK(f != BTI_FILE_NONE);
    if (f == BTI_FILE_NONE) return;
    CHECK(bti_file_pread(f, buf, 4, 3) == 4 && memcmp(buf, "3456", 4) == 0);
    CHECK(bti_file_pread(f, buf, 16, 8) == 2 && memcmp(buf, "89", 2) == 0);    /* short at the end */
    CHECK(bti_file_pread(f, buf, 4, 10) == 0);
    {
        int regular = 0;
        CHECK(bti_file_info(f, &size, &regular) == 0 && size == 10 && regular);
    }
#if defined(__linux__)
    CHECK(bti_file_drop_cache(f, 0, 0) == 0);
#else
    CHECK(bti_file_drop_cache(f, 0, 0) == -1 && errno == ENOSYS);              /* said, not faked */
#endif
    bti_file_close(f);
    CHECK(bti_truncate_file(big, G4 + 32) == 0);                               /* extends, sparse */
    CHECK(bti_file_size(big, &size) && size == G4 + 32);
    f = bti_file_open_read(big);
    memset(buf, 'x', sizeof buf);
    CHECK(bti_file_pread(f, buf, 8, G4 + 28) == 4 && buf[0] == 0 && buf[3] == 0 && buf[4] == 'x');
    CHECK(bti_file_pread(f, buf, 8, 2) == 8 && memcmp(buf, "23456789", 8) == 0); /* the low part is intact */
    bti_file_close(f);
    CHECK(bti_truncate_file(big, 10) == 0);
    CHECK(bti_file_open_read(tmp("dir/none")) == BTI_FILE_NONE && errno == ENOENT);
    /* kinds and identity of paths */
    write_text(tmp("dir/b.txt"), "b");
    write_text(tmp("dir/c.txt"), "c");
    CHECK(bti_is_regular_file(big) && !bti_is_regular_file(dir) && !bti_is_regular_file(tmp("dir/none")));
    snprintf(p, sizeof p, "%s/./big.bin", dir);
    CHECK(bti_same_file(big, p));
    snprintf(q, sizeof q, "%s/c.txt", dir);
    CHECK(!bti_same_file(big, q));                     /* Windows' stat() would say "same" (no inodes) */
    CHECK(!bti_same_file(big, tmp("dir/none")));
    CHECK(bti_dir_each(dir, count_names, &n) == 0 && n == 3);           /* 3 files, none said to be a folder */
    snprintf(p, sizeof p, "%s/sub", dir);
    make_dir(p);
    n = 0;
    CHECK(bti_dir_each(dir, count_names, &n) == 0 && (n == 4 || n == 104)); /* a folder: said, or left to ask */
    rmdir(p);
    CHECK(bti_dir_each(tmp("dir/none"), count_names, &n) == -1);
    remove(big); remove(tmp("dir/b.txt")); remove(tmp("dir/c.txt"));
    rmdir(dir);
}
static void pin_fn(void *arg) { *(int *)arg = bti_thread_pin_self(1); }
static void test_thread_pin(void) {
    bti_thread t;
    int rc = 99;
    CHECK(bti_thread_create(&t, pin_fn, &rc) == 0);
    bti_thread_join(t);
#if defined(__APPLE__)
    CHECK(rc == -1 && errno == ENOSYS);
#else
    CHECK(rc == 0);
#endif
}

/* ---- process and machine */
static void test_machine(void) {
    bt_run_meta m;
    char host[256];
    CHECK(bti_getpid() > 0);
    bti_hostname(host, sizeof host);
    CHECK(host[0] != 0);
    CHECK(bti_cpu_count() >= 1);
    CHECK(bti_cpu_count_allowed() >= 1 && bti_cpu_count_allowed() <= bti_cpu_count());
    {   /* process CPU time grows while this thread computes */
        double c0 = bti_process_cpu_s(), c1;
        volatile double x = 0;
        uint64_t t0 = bti_monotonic_ns();
        while (bti_monotonic_ns() - t0 < 200000000u) x += 1.0;
        c1 = bti_process_cpu_s();
        CHECK(c0 >= 0 && c1 > c0 && x > 0);
    }
    bt_run_meta_collect(&m, NULL, "x=1");
    CHECK(m.host[0] && m.cpu_model[0] && m.cpus_online >= 1 && m.cpus_allowed >= 1);
    CHECK(strlen(m.date_utc) == 20 && m.date_utc[4] == '-' && m.date_utc[19] == 'Z');
    printf("  host %s, cpu \"%s\", %d cpus online, %d allowed, %s\n", m.host, m.cpu_model, m.cpus_online,
           m.cpus_allowed, m.date_utc);
    CHECK(bti_isatty(stdout) == 0 || bti_isatty(stdout) == 1);
}
static void test_restart(void) {
    char *argv[] = {(char *)"prog", NULL};
    char err[256] = "";
#ifdef _WIN32
    bt_status st = bt_restart_self(argv, 3, err, sizeof err);
    CHECK(st == BT_E_UNSUPPORTED && strstr(err, "Windows"));
#else
    char *none[] = {NULL};   /* POSIX re-executes (tests/test_faults.c); here only the refusals */
    (void)argv;
    CHECK(bt_restart_self(none, 3, err, sizeof err) == BT_E_INVALID && strstr(err, "argv"));
#endif
}

int main(void) {
    const char *t = getenv("TMPDIR");
    if (!t) t = getenv("TEMP");
    snprintf(TMP, sizeof TMP, "%s/bt_platform_%ld_", t ? t : "/tmp", bti_getpid());
    RUN(test_threads_and_locks);
    RUN(test_timed_wait);
    RUN(test_pool);
    RUN(test_clock);
    RUN(test_tick_scaling);
    RUN(test_gmtime);
    RUN(test_files);
    RUN(test_atomic_rewrite);
    RUN(test_pread_and_folders);
    RUN(test_thread_pin);
    RUN(test_machine);
    RUN(test_restart);
    return TT_SUMMARY();
}

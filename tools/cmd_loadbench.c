/* tools/cmd_loadbench.c — `batchtune loadbench` and `batchtune pack`.
   #included by tools/batchtune.c after batchtune.h (with BATCHTUNE_IMPLEMENTATION and
   BATCHTUNE_STB_IMPLEMENTATION or BATCHTUNE_USE_STB); uses the public API, and for
   decode-only's threads, folder listing and CPU time the header's platform layer (bti_*,
   compiled into the same translation unit), so it builds on Windows and macOS too.
   Both functions take argv[0] = the subcommand name and return the exit code
   (0 ok, 1 runtime failure, 2 usage error with a one-line message naming the flag). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char cmd_loadbench_usage[] =
    "usage: batchtune loadbench (--images DIR | --records FILE | --synthetic N) [options]\n"
    "  Runs the loader over the source and prints one JSON line per repetition:\n"
    "  images, images_per_s, first_batch_s, total_s, bad_items, wait and per-worker times.\n"
    "  --batch B            items per batch (64)\n"
    "  --workers N          worker threads (2)\n"
    "  --resize S           shorter side (256; -1: none)\n"
    "  --crop C             center crop (224)\n"
    "  --format F           nchw-f32 (default) or nhwc-u8\n"
    "  --cold               evict files from the page cache before reading them\n"
    "  --epochs E           passes (1)\n"
    "  --shuffle SEED       seeded shuffle (different order each epoch)\n"
    "  --depth D            batches in the prefetch ring (3)\n"
    "  --pin                pin worker i to the i-th allowed CPU\n"
    "  --policy P           bad input: skip (default) or fail\n"
    "  --record-bytes N     record size of a headerless record file\n"
    "  --reps R             repetitions (1), each with a fresh loader\n"
    "  --decode-only        no loader: N threads only decode the files (preloaded into\n"
    "                       memory) with the default decoder, the floor for images/s\n"
    "  --help               this text\n";

static const char cmd_pack_usage[] =
    "usage: batchtune pack --images DIR --out FILE [--resize S] [--crop C] [--workers N]\n"
    "                      [--policy skip|fail]\n"
    "  Decodes, resizes and crops every image of DIR into a record file of fixed-size\n"
    "  HWC uint8 records (header: see BT_RECORD_MAGIC in batchtune.h), the preprocessed\n"
    "  setting of the same data. Prints one JSON line: written, bad_items, out.\n";

typedef struct cmd_lb_opts {
    const char *images, *records, *out;
    long long synthetic;
    int batch, workers, resize, crop, epochs, depth, pin, cold, reps, decode_only, fail;
    long long shuffle_seed; int shuffle;
    long long record_bytes;
    bt_layout layout;
} cmd_lb_opts;

static int cmd_lb_int(const char *flag, const char *v, long long lo, long long hi, long long *out) {
    char *end;
    long long x;
    if (!v) { fprintf(stderr, "batchtune: %s needs a value\n", flag); return 0; }
    x = strtoll(v, &end, 10);
    if (end == v || *end || x < lo || x > hi) {
        fprintf(stderr, "batchtune: bad value '%s' for %s (an integer in %lld..%lld)\n", v, flag, lo, hi);
        return 0;
    }
    *out = x;
    return 1;
}

/* 0 ok, 2 usage error, 3 help printed */
static int cmd_lb_parse(int argc, char **argv, cmd_lb_opts *o, int pack) {
    int i;
    long long v;
    memset(o, 0, sizeof *o);
    o->batch = 64; o->workers = 2; o->resize = 256; o->crop = 224; o->epochs = 1; o->depth = 3; o->reps = 1;
    o->layout = BT_LAYOUT_NCHW_F32;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
#define CMD_LB_INT(name, field, lo, hi) \
        if (strcmp(a, name) == 0) { if (!cmd_lb_int(name, val, lo, hi, &v)) return 2; o->field = (int)v; i++; continue; }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) return 3;
        if (strcmp(a, "--images") == 0) { if (!val) { fprintf(stderr, "batchtune: --images needs a folder\n"); return 2; } o->images = val; i++; continue; }
        if (strcmp(a, "--policy") == 0) {
            if (val && strcmp(val, "skip") == 0) o->fail = 0;
            else if (val && strcmp(val, "fail") == 0) o->fail = 1;
            else { fprintf(stderr, "batchtune: --policy must be skip or fail\n"); return 2; }
            i++; continue;
        }
        CMD_LB_INT("--resize", resize, -1, 65536)
        CMD_LB_INT("--crop", crop, 1, 65536)
        CMD_LB_INT("--workers", workers, 1, BT_LOADER_MAX_WORKERS)
        if (pack) {
            if (strcmp(a, "--out") == 0) { if (!val) { fprintf(stderr, "batchtune: --out needs a file\n"); return 2; } o->out = val; i++; continue; }
        } else {
            if (strcmp(a, "--records") == 0) { if (!val) { fprintf(stderr, "batchtune: --records needs a file\n"); return 2; } o->records = val; i++; continue; }
            if (strcmp(a, "--synthetic") == 0) { if (!cmd_lb_int(a, val, 1, 1LL << 40, &v)) return 2; o->synthetic = v; i++; continue; }
            if (strcmp(a, "--format") == 0) {
                if (val && strcmp(val, "nchw-f32") == 0) o->layout = BT_LAYOUT_NCHW_F32;
                else if (val && strcmp(val, "nhwc-u8") == 0) o->layout = BT_LAYOUT_NHWC_U8;
                else { fprintf(stderr, "batchtune: --format must be nchw-f32 or nhwc-u8\n"); return 2; }
                i++; continue;
            }
            if (strcmp(a, "--shuffle") == 0) { if (!cmd_lb_int(a, val, 0, 1LL << 62, &v)) return 2; o->shuffle = 1; o->shuffle_seed = v; i++; continue; }
            if (strcmp(a, "--record-bytes") == 0) { if (!cmd_lb_int(a, val, 1, 1LL << 40, &v)) return 2; o->record_bytes = v; i++; continue; }
            if (strcmp(a, "--cold") == 0) { o->cold = 1; continue; }
            if (strcmp(a, "--pin") == 0) { o->pin = 1; continue; }
            if (strcmp(a, "--decode-only") == 0) { o->decode_only = 1; continue; }
            CMD_LB_INT("--batch", batch, 1, 1 << 24)
            CMD_LB_INT("--epochs", epochs, 1, 1 << 20)
            CMD_LB_INT("--depth", depth, 2, 1 << 16)
            CMD_LB_INT("--reps", reps, 1, 1 << 20)
        }
#undef CMD_LB_INT
        fprintf(stderr, "batchtune: unknown flag '%s' for %s (see --help)\n", a, pack ? "pack" : "loadbench");
        return 2;
    }
    if (pack) {
        if (!o->images) { fprintf(stderr, "batchtune: pack needs --images DIR\n"); return 2; }
        if (!o->out) { fprintf(stderr, "batchtune: pack needs --out FILE\n"); return 2; }
    } else if ((o->images != NULL) + (o->records != NULL) + (o->synthetic > 0) != 1) {
        fprintf(stderr, "batchtune: loadbench needs exactly one of --images, --records, --synthetic\n");
        return 2;
    } else if (o->decode_only && !o->images) {
        fprintf(stderr, "batchtune: --decode-only needs --images\n");
        return 2;
    }
    return 0;
}

static void cmd_lb_desc(const cmd_lb_opts *o, bt_loader_desc *d) {
    memset(d, 0, sizeof *d);
    if (o->images) { d->source = BT_SOURCE_IMAGES; d->dir = o->images; }
    else if (o->records) { d->source = BT_SOURCE_RECORDS; d->records_path = o->records; d->record_bytes = (size_t)o->record_bytes; }
    else { d->source = BT_SOURCE_SYNTHETIC; d->synthetic_items = (size_t)o->synthetic; }
    d->batch = o->batch; d->workers = o->workers; d->depth = o->depth; d->epochs = o->epochs;
    d->shuffle = o->shuffle; d->seed = (uint64_t)o->shuffle_seed + 1;
    d->resize = o->resize; d->crop = o->crop; d->layout = o->layout;
    d->bad_policy = o->fail ? BT_BAD_FAIL : BT_BAD_SKIP;
    d->cold = o->cold; d->pin_workers = o->pin;
}

static void cmd_lb_json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

/* ---- decode-only: the floor ---- */
typedef struct cmd_do_file { unsigned char *p; size_t n; } cmd_do_file;
typedef struct cmd_do_ctx {
    cmd_do_file *f; size_t n, next, bad;
    bti_mutex mu;
    bt_decoder dec;
} cmd_do_ctx;
static void cmd_do_main(void *arg) {
    cmd_do_ctx *c = (cmd_do_ctx *)arg;
    char err[256];
    for (;;) {
        size_t i;
        int w, h;
        unsigned char *rgb = NULL;
        bti_mutex_lock(&c->mu);
        i = c->next++;
        bti_mutex_unlock(&c->mu);
        if (i >= c->n) break;
        if (c->dec.decode(c->dec.user, c->f[i].p, c->f[i].n, &w, &h, &rgb, err, sizeof err) == BT_OK && rgb) c->dec.release(c->dec.user, rgb);
        else { bti_mutex_lock(&c->mu); c->bad++; bti_mutex_unlock(&c->mu); }
    }
}
/* CPU seconds of the whole process (all threads): robust to other jobs on the machine */
static double cmd_lb_cpu_s(void) { return bti_process_cpu_s(); }
static int cmd_lb_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
/* the regular files of a folder (names not starting with '.'), as "dir/name" */
typedef struct cmd_do_list { const char *dir; char **names; size_t n, cap; int oom; } cmd_do_list;
static int cmd_do_list_one(const char *name, int kind, void *user) {
    cmd_do_list *ls = (cmd_do_list *)user;
    char path[4096];
    (void)kind;
    if (name[0] == '.') return 0;
    snprintf(path, sizeof path, "%s/%s", ls->dir, name);
    if (!bti_is_regular_file(path)) return 0;
    if (ls->n == ls->cap) {
        size_t nc = ls->cap ? ls->cap * 2 : 256;
        char **nn = (char **)realloc(ls->names, nc * sizeof *nn);
        if (!nn) { ls->oom = 1; return 1; }
        ls->names = nn; ls->cap = nc;
    }
    ls->names[ls->n] = (char *)malloc(strlen(path) + 1);
    if (!ls->names[ls->n]) { ls->oom = 1; return 1; }
    strcpy(ls->names[ls->n++], path);
    return 0;
}
static int cmd_decode_only(const cmd_lb_opts *o) {
    cmd_do_list ls;
    char **names;
    size_t n, i;
    cmd_do_ctx c;
    bti_thread th[BT_LOADER_MAX_WORKERS];
    int started[BT_LOADER_MAX_WORKERS];
    int rep, t;
    memset(&ls, 0, sizeof ls);
    ls.dir = o->images;
    if (bti_dir_each(o->images, cmd_do_list_one, &ls) != 0) { fprintf(stderr, "batchtune: cannot open folder %s\n", o->images); return 1; }
    names = ls.names; n = ls.n;
    if (ls.oom) {
        fprintf(stderr, "batchtune: out of memory listing %s\n", o->images);
        for (i = 0; i < n; i++) free(names[i]);
        free(names);
        return 1;
    }
    if (n == 0) { fprintf(stderr, "batchtune: no files in %s\n", o->images); free(names); return 1; }
    qsort(names, n, sizeof *names, cmd_lb_cmp);
    memset(&c, 0, sizeof c);
    c.f = (cmd_do_file *)calloc(n, sizeof *c.f);
    c.n = n;
    c.dec = bt_decoder_default();
    bti_mutex_init(&c.mu);
    for (i = 0; i < n && c.f; i++) {
        FILE *f = fopen(names[i], "rb");
        long len;
        if (!f) continue;
        if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
            c.f[i].p = (unsigned char *)malloc((size_t)len);
            if (c.f[i].p) c.f[i].n = fread(c.f[i].p, 1, (size_t)len, f);
        }
        fclose(f);
    }
    for (rep = 0; rep < o->reps && c.f; rep++) {
        uint64_t t0, t1;
        double cpu0 = cmd_lb_cpu_s();
        c.next = 0; c.bad = 0;
        t0 = bt_now_ns();
        for (t = 0; t < o->workers; t++) started[t] = bti_thread_create(&th[t], cmd_do_main, &c) == 0;
        for (t = 0; t < o->workers; t++) if (started[t]) bti_thread_join(th[t]);
        t1 = bt_now_ns();
        printf("{\"mode\":\"decode_only\",\"images\":%zu,\"threads\":%d,\"images_per_s\":%.2f,\"total_s\":%.6f,"
               "\"per_item_s\":%.6f,\"bad_items\":%zu,\"cpu_s\":%.6f}\n",
               n - c.bad, o->workers, (double)(n - c.bad) / ((double)(t1 - t0) * 1e-9), (double)(t1 - t0) * 1e-9,
               (double)(t1 - t0) * 1e-9 * o->workers / (double)n, c.bad, cmd_lb_cpu_s() - cpu0);
        fflush(stdout);
    }
    for (i = 0; i < n; i++) { if (c.f) free(c.f[i].p); free(names[i]); }
    free(c.f); free(names);
    bti_mutex_destroy(&c.mu);
    return 0;
}

static int cmd_loadbench(int argc, char **argv) {
    cmd_lb_opts o;
    bt_loader_desc d;
    int rc = cmd_lb_parse(argc, argv, &o, 0), rep, k;
    if (rc == 3) { fputs(cmd_loadbench_usage, stdout); return 0; }
    if (rc) return rc;
    if (o.decode_only) return cmd_decode_only(&o);
    cmd_lb_desc(&o, &d);
    for (rep = 0; rep < o.reps; rep++) {
        bt_status st;
        char err[1024];
        bt_batch b;
        bt_loader_stats s;
        double cpu0 = cmd_lb_cpu_s(), cpu1;
        uint64_t t0 = bt_now_ns(), t1;
        double busy = 0;
        bt_loader *L = bt_loader_create(&d, &st, err, sizeof err);
        if (!L) { fprintf(stderr, "batchtune: loadbench: %s\n", err); return 1; }
        while ((st = bt_loader_next(L, &b)) == BT_OK && b.items > 0) { }
        t1 = bt_now_ns();
        cpu1 = cmd_lb_cpu_s();
        if (st != BT_OK) {
            fprintf(stderr, "batchtune: loadbench: %s (%s)\n", bt_loader_error(L), bt_status_str(st));
            bt_loader_destroy(L);
            return 1;
        }
        bt_loader_get_stats(L, &s);
        for (k = 0; k < s.workers; k++) busy += s.worker[k].read_s + s.worker[k].decode_s + s.worker[k].transform_s;
        printf("{\"mode\":\"loader\",\"source\":\"%s\",\"images\":%lld,\"batch\":%d,\"workers\":%d,\"format\":\"%s\",\"cold\":%d,"
               "\"images_per_s\":%.2f,\"first_batch_s\":%.6f,\"total_s\":%.6f,\"bad_items\":%lld,\"batches\":%lld,"
               "\"wait_s_total\":%.6f,\"wait_s_median\":%.6f,\"wait_s_max\":%.6f,\"per_item_s\":%.6f,"
               "\"first_batch_model_s\":%.6f,\"cpu_s\":%.6f",
               o.images ? "images" : o.records ? "records" : "synthetic", (long long)s.items, o.batch, o.workers,
               o.layout == BT_LAYOUT_NHWC_U8 ? "nhwc-u8" : "nchw-f32", o.cold,
               (double)s.items / ((double)(t1 - t0) * 1e-9), s.first_batch_s, (double)(t1 - t0) * 1e-9,
               (long long)s.bad_items, (long long)s.batches, s.wait_s_total, s.wait_s_median, s.wait_s_max,
               s.items + s.bad_items > 0 ? busy / (double)(s.items + s.bad_items) : 0.0,
               s.items + s.bad_items > 0 ? busy / (double)(s.items + s.bad_items) * (o.batch < (long long)(s.items + s.bad_items) ? o.batch : (double)(s.items + s.bad_items)) / o.workers : 0.0,
               cpu1 - cpu0);
        {
            static const char *const names[3] = {"read_s", "decode_s", "transform_s"};
            int m;
            for (m = 0; m < 3; m++) {
                printf(",\"%s\":[", names[m]);
                for (k = 0; k < s.workers; k++) {
                    const bt_loader_worker_stats *w = &s.worker[k];
                    printf("%s%.6f", k ? "," : "", m == 0 ? w->read_s : m == 1 ? w->decode_s : w->transform_s);
                }
                printf("]");
            }
        }
        if (s.bad_items) {
            size_t i, nb = bt_loader_num_bad(L);
            printf(",\"bad\":[");
            for (i = 0; i < nb && i < 100; i++) {
                printf("%s{\"name\":", i ? "," : "");
                cmd_lb_json_str(stdout, bt_loader_bad_name(L, i));
                printf(",\"reason\":");
                cmd_lb_json_str(stdout, bt_loader_bad_reason(L, i));
                printf("}");
            }
            printf("]");
        }
        printf("}\n");
        fflush(stdout);
        bt_loader_destroy(L);
    }
    return 0;
}

static int cmd_pack(int argc, char **argv) {
    cmd_lb_opts o;
    bt_loader_desc d;
    int64_t written = 0, bad = 0;
    char err[1024];
    bt_status st;
    uint64_t t0;
    int rc = cmd_lb_parse(argc, argv, &o, 1);
    if (rc == 3) { fputs(cmd_pack_usage, stdout); return 0; }
    if (rc) return rc;
    cmd_lb_desc(&o, &d);
    t0 = bt_now_ns();
    st = bt_pack(&d, o.out, &written, &bad, err, sizeof err);
    if (st != BT_OK) { fprintf(stderr, "batchtune: pack: %s\n", err); return 1; }
    printf("{\"written\":%lld,\"bad_items\":%lld,\"out\":", (long long)written, (long long)bad);
    cmd_lb_json_str(stdout, o.out);
    printf(",\"total_s\":%.3f}\n", (double)(bt_now_ns() - t0) * 1e-9);
    return 0;
}

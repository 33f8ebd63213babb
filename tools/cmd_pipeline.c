/* tools/cmd_pipeline.c — `batchtune mkimages` (a folder of JPEG images the demo can make on
   any machine) and where the head of `batchtune sweep --workload pipeline` runs (CPU or GPU).
   #included by tools/batchtune.c. */
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

static const char *const MKIMAGES_HELP =
    "usage: batchtune mkimages DIR [--count N] [--seed S] [--min-side A --max-side B]\n"
    "Writes N JPEG images (quality 90) into DIR, photo-like content (smooth lighting, shapes,\n"
    "texture and noise, so decoding costs what a photo costs), shorter side between A and B\n"
    "(default 320..500, aspect 3:4..4:3), seeded and deterministic. Existing files with the\n"
    "same names are kept, so a second run is instant. Made for the demo; use your own photos\n"
    "for real studies (bench/make_imageset.sh makes a set from Debian's wallpapers).\n";

#ifdef _WIN32
#include <direct.h>
static int mk_mkdir(const char *d) { return _mkdir(d); }
#else
#include <sys/stat.h>
static int mk_mkdir(const char *d) { return mkdir(d, 0755); }
#endif
static uint32_t mk_rand(uint32_t *s) { *s ^= *s << 13; *s ^= *s >> 17; *s ^= *s << 5; return *s; }

static int cmd_mkimages(int argc, char **argv) {
    tool_args a;
    const char *dir = NULL;
    long count = 200, seed = 1, min_side = 320, max_side = 500, i;
    int made = 0, kept = 0;
    memset(&a, 0, sizeof a);
    a.argc = argc; a.argv = argv; a.cmd = "mkimages";
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (is_help(argv[a.i])) { fputs(MKIMAGES_HELP, stdout); return TOOL_EXIT_OK; }
        else if (arg_value(&a, "--count")) parse_int_arg(&a, "--count", 1, 1000000, &count);
        else if (arg_value(&a, "--seed")) parse_int_arg(&a, "--seed", 1, 2147483647L, &seed);
        else if (arg_value(&a, "--min-side")) parse_int_arg(&a, "--min-side", 8, 8192, &min_side);
        else if (arg_value(&a, "--max-side")) parse_int_arg(&a, "--max-side", 8, 8192, &max_side);
        else if (argv[a.i][0] == '-' && argv[a.i][1]) return usage_error("mkimages", "unknown flag '%s'", argv[a.i]);
        else if (!dir) dir = argv[a.i];
        else return usage_error("mkimages", "unexpected argument '%s' (one folder)", argv[a.i]);
    }
    if (a.bad) return TOOL_EXIT_USAGE;
    if (!dir) return usage_error("mkimages", "%s", "no folder given");
    if (max_side < min_side) return usage_error("mkimages", "%s", "--max-side is smaller than --min-side");
    if (mk_mkdir(dir) != 0 && errno != EEXIST) { fprintf(stderr, "batchtune mkimages: cannot create %s: %s\n", dir, strerror(errno)); return TOOL_EXIT_FAIL; }
    for (i = 0; i < count; i++) {
        char path[4096];
        long long sz;
        uint32_t r = (uint32_t)(seed * 2654435761u + (uint32_t)i * 40503u + 1u);
        int shorter, longer, w, h, x, y, k, nshapes;
        unsigned char *img;
        float base[3], grad[3];
        float sx[8], sy[8], srad[8], scol[8][3];
        snprintf(path, sizeof path, "%s/img%05ld.jpg", dir, i);
        if (bti_file_size(path, &sz) && sz > 0) { kept++; continue; }
        mk_rand(&r); mk_rand(&r);
        shorter = (int)(min_side + (long)(mk_rand(&r) % (uint32_t)(max_side - min_side + 1)));
        longer = (int)((double)shorter * (1.0 + (double)(mk_rand(&r) % 334) / 1000.0));
        if (mk_rand(&r) % 2) { w = longer; h = shorter; } else { w = shorter; h = longer; }
        img = (unsigned char *)malloc((size_t)w * (size_t)h * 3);
        if (!img) { fprintf(stderr, "batchtune mkimages: out of memory\n"); return TOOL_EXIT_FAIL; }
        for (k = 0; k < 3; k++) { base[k] = 40.0f + (float)(mk_rand(&r) % 150); grad[k] = ((float)(mk_rand(&r) % 200) - 100.0f) / (float)h; }
        nshapes = 3 + (int)(mk_rand(&r) % 6);
        for (k = 0; k < nshapes; k++) {
            int c;
            sx[k] = (float)(mk_rand(&r) % (uint32_t)w); sy[k] = (float)(mk_rand(&r) % (uint32_t)h);
            srad[k] = 20.0f + (float)(mk_rand(&r) % (uint32_t)(shorter / 2));
            for (c = 0; c < 3; c++) scol[k][c] = (float)(mk_rand(&r) % 256);
        }
        for (y = 0; y < h; y++) for (x = 0; x < w; x++) {
            float px[3];
            int c;
            for (c = 0; c < 3; c++) px[c] = base[c] + grad[c] * (float)y + 18.0f * sinf((float)x * 0.05f + (float)c) * cosf((float)y * 0.031f);
            for (k = 0; k < nshapes; k++) {
                float dx = (float)x - sx[k], dy = (float)y - sy[k], d2 = dx * dx + dy * dy, r2 = srad[k] * srad[k];
                if (d2 < r2) { float t = 1.0f - d2 / r2; for (c = 0; c < 3; c++) px[c] = px[c] * (1 - t) + scol[k][c] * t; }
            }
            for (c = 0; c < 3; c++) {
                float v = px[c] + (float)((int)(mk_rand(&r) % 25) - 12);   /* sensor noise */
                img[((size_t)y * (size_t)w + (size_t)x) * 3 + (size_t)c] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        }
        if (!stbi_write_jpg(path, w, h, 3, img, 90)) {
            fprintf(stderr, "batchtune mkimages: cannot write %s\n", path);
            free(img);
            return TOOL_EXIT_FAIL;
        }
        free(img);
        made++;
    }
    printf("{\"dir\":\"%s\",\"written\":%d,\"kept\":%d}\n", dir, made, kept);
    return TOOL_EXIT_OK;
}

/* ---- where the pipeline's head runs (sweep --workload pipeline --device auto|cpu|gpu) ---- */
struct tool_pipe_dev {
    int gpu;
    char label[320];               /* the results' device column: "cpu" or "cuda:0 <name>" */
#ifdef BATCHTUNE_WITH_CUDA
    bt_device *dev;
    bt_cuda_pipeline_head *head[2];
#endif
};
/* Decides CPU or GPU and prints one line saying which and why. Returns 0, or an exit code
   after a message (--device gpu without a usable GPU: 1). */
static int pipeline_device_choose(const char *device, tool_pipe_dev **out) {
    tool_pipe_dev *g = (tool_pipe_dev *)calloc(1, sizeof *g);
    char why[700];
    *out = NULL;
    if (!g) { fprintf(stderr, "batchtune sweep: out of memory\n"); return TOOL_EXIT_FAIL; }
    snprintf(g->label, sizeof g->label, "cpu");
    if (strcmp(device, "cpu") == 0) snprintf(why, sizeof why, "--device cpu");
    else {
#ifdef BATCHTUNE_WITH_CUDA
        char err[512];
        bt_device_info di;
        if (bt_cuda_probe(0, &di, err, sizeof err) == BT_OK && bt_cuda_device_open(0, &g->dev, err, sizeof err) == BT_OK) {
            char desc[512];
            bt_device_describe(&di, desc, sizeof desc);
            g->gpu = 1;
            snprintf(g->label, sizeof g->label, "cuda:0 %s", di.name);
            snprintf(why, sizeof why, "%s", desc);
        } else if (strcmp(device, "gpu") == 0) {
            fprintf(stderr, "batchtune sweep: --device gpu: no usable GPU (%s)\n", err);
            free(g);
            return TOOL_EXIT_FAIL;
        } else
            snprintf(why, sizeof why, "no GPU (%s)", err);
#else
        snprintf(why, sizeof why, "this tool was built without CUDA (build it with nvcc and batchtune_cuda.cu for the GPU, see README)");
#endif
    }
    fprintf(stderr, "batchtune: pipeline head on the %s: %s\n", g->gpu ? "GPU" : "CPU", why);
    *out = g;
    return 0;
}
/* Puts pipeline k's head on the GPU when one was chosen (before bt_pipeline_init). */
static int pipeline_device_attach(tool_pipe_dev *g, bt_pipeline *pp, int k) {
    if (!g || !g->gpu) return 0;
#ifdef BATCHTUNE_WITH_CUDA
    {
        char err[512];
        if (bt_cuda_pipeline_head_init(pp, g->dev, &g->head[k], err, sizeof err) != BT_OK) {
            fprintf(stderr, "batchtune sweep: GPU pipeline head: %s\n", err);
            return TOOL_EXIT_FAIL;
        }
    }
#else
    (void)pp; (void)k;
#endif
    return 0;
}
static int pipeline_device_gpu(const tool_pipe_dev *g) { return g && g->gpu; }
#ifdef BATCHTUNE_WITH_CUDA
static bt_device *pipeline_device_dev(const tool_pipe_dev *g) { return g && g->gpu ? g->dev : NULL; }
#endif
static const char *pipeline_device_label(const tool_pipe_dev *g) { return g ? g->label : "cpu"; }
static void pipeline_device_free(tool_pipe_dev *g) {
    if (!g) return;
#ifdef BATCHTUNE_WITH_CUDA
    bt_cuda_pipeline_head_free(g->head[0]);
    bt_cuda_pipeline_head_free(g->head[1]);
    bt_device_destroy(g->dev);
#endif
    free(g);
}

/* tools/cmd_merge.c — `batchtune merge` and `batchtune compare`. #included by tools/batchtune.c
   (one translation unit); everything here goes through the public API of batchtune.h. */
#include <sys/stat.h>

static const char *const MERGE_HELP =
    "usage: batchtune merge OUT.csv SHARD.csv... [options]\n"
    "Joins the results files of a sharded sweep (sweep --shard K/N, --shard slurm, --shard k8s)\n"
    "and the samples files beside them into OUT.csv, OUT.samples.csv and OUT.json, rows in the\n"
    "grid's order, as if one process had run the whole grid.\n"
    "Refuses files whose header, device, settings or run fingerprint (from the JSON beside each)\n"
    "differ; reports missing shards by number, shards cut short, duplicate rows (kept once) and\n"
    "conflicting rows (refused: it does not guess which to keep).\n"
    "  --expect N     N shards are expected (default: the count the files record)\n"
    "  --partial      write what is there although shards are missing or cut short\n"
    "  --no-meta      accept files without their JSON (settings, fingerprint unchecked)\n"
    "  --force        replace OUT.csv when it exists\n"
    "  --quiet        print nothing but errors\n"
    "Exit status: 0 merged, 1 refused (mismatch, missing shards, conflicts) or I/O error,\n"
    "2 usage error. Then: batchtune rank OUT.csv\n";

static int same_file(const char *x, const char *y) {
    struct stat a, b;
    if (strcmp(x, y) == 0) return 1;
    return stat(x, &a) == 0 && stat(y, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* 1 when path is the samples file or JSON beside a results file that is also given (a glob
   such as results.shard-* picks them all up) */
static int is_companion_of_given(const char *path, const char *const *in, int nin) {
    static const char *const suffix[] = {".samples.csv", ".json"};
    size_t n = strlen(path), k;
    int i;
    for (k = 0; k < 2; k++) {
        size_t sl = strlen(suffix[k]);
        if (n <= sl || strcmp(path + n - sl, suffix[k]) != 0) continue;
        for (i = 0; i < nin; i++) {
            size_t m = strlen(in[i]);
            if (in[i] != path && m == n - sl + 4 && strncmp(in[i], path, n - sl) == 0 && strcmp(in[i] + m - 4, ".csv") == 0) return 1;
        }
    }
    return 0;
}

static int cmd_merge(int argc, char **argv) {
    tool_args a;
    const char *out = NULL, **in;
    int nin = 0, force = 0, quiet = 0, i, counts[BT_CELL_STATUS_COUNT];
    long expect = 0;
    bt_merge_desc md;
    bt_merge_report rep;
    bt_results *r = NULL;
    bt_run_meta meta;
    bt_status st;
    char err[2048], jp[4096], sp[4096];
    struct stat sb;
    memset(&a, 0, sizeof a);
    memset(&md, 0, sizeof md);
    a.argc = argc; a.argv = argv; a.cmd = "merge";
    in = (const char **)calloc((size_t)(argc > 0 ? argc : 1), sizeof *in);
    if (!in) { fprintf(stderr, "batchtune merge: out of memory\n"); return TOOL_EXIT_FAIL; }
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (is_help(argv[a.i])) { fputs(MERGE_HELP, stdout); free(in); return TOOL_EXIT_OK; }
        else if (arg_value(&a, "--expect")) parse_int_arg(&a, "--expect", 1, 1000000, &expect);
        else if (arg_flag(&a, "--partial")) md.partial = 1;
        else if (arg_flag(&a, "--no-meta")) md.allow_no_meta = 1;
        else if (arg_flag(&a, "--force")) force = 1;
        else if (arg_flag(&a, "--quiet")) quiet = 1;
        else if (argv[a.i][0] == '-' && argv[a.i][1]) { free(in); return usage_error("merge", "unknown flag '%s'", argv[a.i]); }
        else if (!out) out = argv[a.i];
        else in[nin++] = argv[a.i];
    }
    if (a.bad) { free(in); return TOOL_EXIT_USAGE; }
    if (!out) { free(in); return usage_error("merge", "%s", "no output file given (batchtune merge OUT.csv SHARD.csv...)"); }
    {   /* drop the samples files and JSON a glob brought along with their results files */
        int j = 0;
        for (i = 0; i < nin; i++) if (!is_companion_of_given(in[i], in, nin)) in[j++] = in[i];
        nin = j;
    }
    if (!nin) { free(in); return usage_error("merge", "no shard files given after '%s'", out); }
    for (i = 0; i < nin; i++)
        if (same_file(out, in[i])) {
            free(in);
            return usage_error("merge", "the output '%s' is also an input: the first argument is the merged file to write", out);
        }
    if (!force && stat(out, &sb) == 0) {
        fprintf(stderr, "batchtune merge: %s already exists (the first argument is the merged file to write): choose another name or add --force to replace it\n", out);
        free(in);
        return TOOL_EXIT_FAIL;
    }
    md.expect_shards = (int)expect;
    st = bt_merge(in, nin, &md, &r, &meta, &rep, err, sizeof err);
    if (rep.text && rep.text[0]) {
        /* what was found, one line each (missing shards, duplicates, conflicts...) */
        const char *p = rep.text;
        while (*p) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            if (!quiet || st != BT_OK) fprintf(stderr, "batchtune merge: %.*s\n", len, p);
            p += len + (nl ? 1 : 0);
        }
    }
    if (st != BT_OK) {
        fprintf(stderr, "batchtune merge: %s; nothing was written\n", err);
        bt_merge_report_free(&rep);
        free(in);
        return st == BT_E_INVALID ? TOOL_EXIT_USAGE : TOOL_EXIT_FAIL;
    }
    if (bt_results_write_csv(r, out) != BT_OK) {
        fprintf(stderr, "batchtune merge: %s\n", bt_results_error(r));
        bt_results_free(r); bt_merge_report_free(&rep); free(in);
        return TOOL_EXIT_FAIL;
    }
    bt_companion_path(out, ".json", jp, sizeof jp);
    bt_companion_path(out, ".samples.csv", sp, sizeof sp);
    {
        bt_rank_desc rd;
        bt_ranking rk;
        memset(&rd, 0, sizeof rd);
        rd.bootstrap = -1;
        st = bt_rank(r, &rd, &rk); /* the JSON carries the ranking, as a sweep's does */
        if (bt_write_json(r, &meta, st == BT_OK ? &rk : NULL, jp) != BT_OK) {
            fprintf(stderr, "batchtune merge: cannot write %s: %s\n", jp, bt_results_error(r));
            bt_ranking_free(&rk); bt_results_free(r); bt_merge_report_free(&rep); free(in);
            return TOOL_EXIT_FAIL;
        }
        bt_ranking_free(&rk);
    }
    if (!quiet) {
        size_t k;
        int first = 1;
        memset(counts, 0, sizeof counts);
        for (k = 0; k < bt_results_num_rows(r); k++) counts[bt_results_row(r, k)->status]++;
        printf("merged %d file%s", rep.nfiles, rep.nfiles == 1 ? "" : "s");
        if (rep.shards) printf(" (%d of %d shards)", rep.shards - rep.nmissing, rep.shards);
        printf(": %zu rows (", rep.rows);
        for (i = 0; i < BT_CELL_STATUS_COUNT; i++)
            if (counts[i]) { printf("%s%s %d", first ? "" : ", ", bt_cell_status_str((bt_cell_status)i), counts[i]); first = 0; }
        printf(")%s\n", rep.duplicates ? "; duplicates kept once" : "");
        printf("wrote %s, %s, %s\n", out, bt_results_num_sample_cols(r) ? sp : "(no samples)", jp);
        printf("next: batchtune rank %s\n", out);
    }
    bt_results_free(r);
    bt_merge_report_free(&rep);
    free(in);
    return TOOL_EXIT_OK;
}

static const char *const COMPARE_HELP =
    "usage: batchtune compare A.csv B.csv [options]\n"
    "Shows what changed between two runs of the same grid (another driver, code version, device\n"
    "or setting): per cell the objective in A and B, the ratio B/A with its 95 % confidence\n"
    "interval (bootstrap over the samples files when both have them, else from the median's CI\n"
    "columns), status changes, cells only in one run, and the pick of each run with its regret\n"
    "in the other.\n"
    "  --objective COLUMN   (default e2e_s_median)\n"
    "  --higher | --lower   direction (default: guessed from the name)\n"
    "  --format FMT         text (default) or csv\n"
    "  --bootstrap N        resamples for the CI (default 2000; 0 = CI columns only)   --seed S\n";

static int cmd_compare(int argc, char **argv) {
    tool_args a;
    const char *pa = NULL, *pb = NULL, *fmt = "text";
    long boot = 2000, seed = 1;
    bt_compare_desc cd;
    bt_comparison c;
    bt_results *ra = NULL, *rb = NULL;
    bt_read_opts ro;
    bt_status st;
    char err[1024];
    memset(&a, 0, sizeof a);
    memset(&cd, 0, sizeof cd);
    memset(&ro, 0, sizeof ro);
    a.argc = argc; a.argv = argv; a.cmd = "compare";
    cd.objective = "e2e_s_median";
    for (a.i = 1; a.i < argc && !a.bad; a.i++) {
        if (is_help(argv[a.i])) { fputs(COMPARE_HELP, stdout); return TOOL_EXIT_OK; }
        else if (arg_value(&a, "--objective")) cd.objective = a.val;
        else if (arg_flag(&a, "--higher")) cd.direction = BT_HIGHER_IS_BETTER;
        else if (arg_flag(&a, "--lower")) cd.direction = BT_LOWER_IS_BETTER;
        else if (arg_value(&a, "--format")) fmt = a.val;
        else if (arg_value(&a, "--bootstrap")) parse_int_arg(&a, "--bootstrap", 0, 1000000, &boot);
        else if (arg_value(&a, "--seed")) parse_int_arg(&a, "--seed", 1, 2147483647L, &seed);
        else if (argv[a.i][0] == '-' && argv[a.i][1]) return usage_error("compare", "unknown flag '%s'", argv[a.i]);
        else if (!pa) pa = argv[a.i];
        else if (!pb) pb = argv[a.i];
        else return usage_error("compare", "unexpected argument '%s' (two results files: A B)", argv[a.i]);
    }
    if (a.bad) return TOOL_EXIT_USAGE;
    if (!pa || !pb) return usage_error("compare", "%s", "two results files are needed: batchtune compare A.csv B.csv");
    if (fmt && strcmp(fmt, "text") && strcmp(fmt, "csv")) return usage_error("compare", "--format '%s' is not one of text, csv", fmt);
    cd.bootstrap = boot ? (int)boot : -1;
    cd.seed = (uint64_t)seed;
    ro.objective = cd.objective;
    if (bt_results_read_csv(pa, &ro, &ra, err, sizeof err) != BT_OK) { fprintf(stderr, "batchtune compare: %s\n", err); return TOOL_EXIT_FAIL; }
    if (bt_results_read_csv(pb, &ro, &rb, err, sizeof err) != BT_OK) { fprintf(stderr, "batchtune compare: %s\n", err); bt_results_free(ra); return TOOL_EXIT_FAIL; }
    st = bt_compare(ra, rb, &cd, &c);
    if (st != BT_OK) {
        fprintf(stderr, "batchtune compare: %s vs %s: %s\n", pa, pb, c.message);
        bt_comparison_free(&c); bt_results_free(ra); bt_results_free(rb);
        return st == BT_E_NOT_FOUND ? TOOL_EXIT_USAGE : TOOL_EXIT_FAIL;
    }
    if (strcmp(fmt, "csv") == 0) bt_write_comparison_csv(&c, stdout);
    else bt_print_comparison(&c, pa, pb, stdout);
    bt_comparison_free(&c);
    bt_results_free(ra);
    bt_results_free(rb);
    return TOOL_EXIT_OK;
}

/* libFuzzer harness: axis and constraint specs, cells, feasibility, command templates and
   command output lines. The input is split at the first two newlines: axis spec(s) separated
   by ';', a constraint spec, and a command template / output line. */
#define BATCHTUNE_IMPLEMENTATION
#include "batchtune.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *buf = (char *)malloc(size + 1), *parts[3] = {NULL, NULL, NULL}, *p;
    int k = 0;
    bt_grid *g;
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = 0;
    parts[0] = buf;
    for (p = buf; *p && k < 2; p++) if (*p == '\n') { *p = 0; parts[++k] = p + 1; }
    g = bt_grid_create();
    {
        char *save = NULL, *a;
        for (a = strtok_r(parts[0], ";", &save); a; a = strtok_r(NULL, ";", &save)) bt_grid_parse_axis(g, a, NULL);
    }
    if (parts[1]) bt_grid_parse_constraint(g, parts[1]);
    if (bt_grid_num_axes(g) > 0 && bt_grid_num_cells(g) > 0) {
        size_t i, n = bt_grid_num_cells(g);
        char why[256], lab[512];
        for (i = 0; i < n && i < 64; i++) {
            bt_cell c;
            if (bt_grid_cell(g, i, &c) != BT_OK) continue;
            bt_grid_feasible(g, &c, why, sizeof why);
            bt_cell_format(&c, lab, sizeof lab);
            bt_grid_shard_of(g, &c, 3);
        }
        if (parts[2]) {
            bt_cmd_workload cw;
            bt_workload w;
            char err[256];
            bt_sample s;
            memset(&cw, 0, sizeof cw);
            cw.cmd = parts[2];
            if (bt_cmd_workload_init(&cw, g, &w, err, sizeof err) == BT_OK) {
                bt_cell c;
                char **argv;
                bt_grid_cell(g, 0, &c);
                argv = bt_cmd_expand(&cw, &c);
                bt_cmd_argv_free(argv);
                bt_cmd_workload_free(&cw);
            }
            memset(&s, 0, sizeof s);
            bt_cmd_parse_line(&cw, parts[2], &s);
        }
    }
    bt_grid_destroy(g);
    free(buf);
    return 0;
}

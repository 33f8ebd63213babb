/* The benchmark's own driver: `batchtune loadbench` / `batchtune pack` without the rest of
   the tool. Build (bench/loader_vs_torch/run.sh does it):
     cc -O2 -I. -I/usr/include/stb bench/loader_vs_torch/loadbench_main.c -o build/loadbench -lm -pthread */
#define BATCHTUNE_IMPLEMENTATION
#define BATCHTUNE_STB_IMPLEMENTATION
#include "batchtune.h"
#include "tools/cmd_loadbench.c"

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "pack") == 0) return cmd_pack(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "loadbench") == 0) return cmd_loadbench(argc - 1, argv + 1);
    fprintf(stderr, "usage: %s loadbench|pack [flags] (--help)\n", argv[0]);
    return 2;
}

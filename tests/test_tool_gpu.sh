#!/usr/bin/env bash
# The tool built with nvcc (README's GPU build line): where `sweep --workload pipeline` runs.
# Without a GPU (CI: nvcc, no device): --device auto falls back to the CPU head with one line
# saying why and the results' device column says cpu; --device gpu fails (exit 1) with the
# reason. With a GPU: --device auto and gpu run the head on it (device column "cuda:0 <name>",
# h2d_s and compute_s from events), --device cpu keeps it on the CPU. --cupti on gpu-*:
# without a GPU one line says why CUPTI is unusable (then "no device"); with one, busy_pct_cupti
# is a number beside busy_pct. --nvml and --l2-flush: gpu-* only (exit 2 otherwise); with a GPU,
# gpu-mlp runs with both and says which matrix multiply it uses. Skipped without nvcc.
set -u
cd "$(dirname "$0")/.."
. tests/shlib.sh      # B (build folder), T (scratch), P/F counters, ok/no/check
if ! command -v nvcc >/dev/null 2>&1; then
    echo "  skip test_tool_gpu: nvcc not found (install the CUDA Toolkit)"
    echo "results: 0 passed, 0 failed, 1 skipped"; exit 0
fi
BT="$B/batchtune_gpu"
# tests/run.sh's build checks make the same binary; rebuild when a source is newer
if [ ! -x "$BT" ] || [ -n "$(find batchtune.h batchtune_cuda.cu tools -newer "$BT" -name '*.[chu]*' 2>/dev/null | head -1)" ]; then
    nvcc -O1 -Werror all-warnings -x cu -DBATCHTUNE_WITH_CUDA -I. -I/usr/include/stb tools/batchtune.c batchtune_cuda.cu -o "$BT" 2>"$T/build.log" \
        || { cat "$T/build.log"; echo "  FAIL the tool does not build with nvcc"; echo "results: 0 passed, 1 failed, 0 skipped"; exit 1; }
fi
"$BT" mkimages "$T/img" --count 12 --min-side 64 --max-side 96 >/dev/null
"$BT" pack --images "$T/img" --out "$T/rec.bin" --resize 64 --crop 56 >/dev/null
SW="--workload pipeline --records $T/rec.bin --resize 64 --crop 56 --axis batch=4,8 --axis workers=1 --min-samples 1 --max-time 0.2 --min-time 0.001 --quiet"
if "$BT" info | grep -q '^gpu:    none'; then
    echo "  (no GPU here: $("$BT" info | grep '^gpu:' | cut -c9-90))"
    check "--device auto without a GPU: CPU head, one line saying why" bash -c "$BT sweep $SW --device auto --out $T/a.csv >/dev/null 2>$T/e && test \$(grep -c 'pipeline head on the CPU: no GPU (' $T/e) = 1 && test \$(grep -c '^records,cpu,' $T/a.csv) = 2 && test \$(grep -c ',ok,' $T/a.csv) = 2"
    check "--device gpu without a GPU -> 1, with the reason" bash -c "test \"\$($BT sweep $SW --device gpu --out $T/g.csv >/dev/null 2>$T/e; echo \$?)\" = 1 && grep -q -- '--device gpu: no usable GPU (' $T/e && test ! -e $T/g.csv"
    check "--cupti without a GPU: one line why (CUPTI absent or unusable), then no device -> 1" bash -c "test \"\$($BT sweep --workload gpu-mlp --cupti --axis batch=1,2 --out $T/cu.csv >/dev/null 2>$T/e; echo \$?)\" = 1 && grep -q -- '--cupti: CUPTI not' $T/e && grep -q 'no usable CUDA device' $T/e"
else
    echo "  (GPU: $("$BT" info | grep '^gpu:' | cut -c9-90))"
    check "--cupti with a GPU: busy_pct_cupti beside busy_pct, in (0, busy_pct + 5]" bash -c "$BT sweep --workload gpu-reduce --cupti --axis batch=32,64 --min-samples 2 --max-time 0.5 --quiet --out $T/cu.csv >/dev/null 2>$T/e && col() { awk -F, -v n=\"\$2\" 'NR==1{for(i=1;i<=NF;i++) if(\$i==n) c=i; next} c{print \$c}' \"\$1\"; }; paste -d' ' <(col $T/cu.csv busy_pct) <(col $T/cu.csv busy_pct_cupti) | awk '\$2>0 && \$2<=\$1+5{n++} END{exit n!=2}'"
    check "--device auto with a GPU: the head runs on it" bash -c "$BT sweep $SW --device auto --out $T/a.csv >/dev/null 2>$T/e && grep -q 'pipeline head on the GPU: ' $T/e && test \$(grep -c '^records,cuda:0 ' $T/a.csv) = 2 && test \$(grep -c ',ok,' $T/a.csv) = 2"
    check "GPU rows have h2d_s and compute_s > 0 (events)" bash -c "col() { awk -F, -v n=\"\$2\" 'NR==1{for(i=1;i<=NF;i++) if(\$i==n) c=i; next} c{print \$c}' \"\$1\"; }; test \$(col $T/a.csv h2d_s | awk '\$1>0' | wc -l) = 2 && test \$(col $T/a.csv compute_s | awk '\$1>0' | wc -l) = 2"
    check "--device gpu with a GPU runs" bash -c "$BT sweep $SW --device gpu --out $T/g.csv >/dev/null 2>$T/e && test \$(grep -c ',ok,' $T/g.csv) = 2"
    check "gpu-mlp with --nvml --l2-flush: 3 variants x 2 cells ok, says which matrix multiply, gemm= in the settings" bash -c "$BT sweep --workload gpu-mlp --nvml --l2-flush --axis batch=32,64 --min-samples 2 --max-time 0.5 --quiet --out $T/m.csv >/dev/null 2>$T/e && test \$(grep -c ',ok,' $T/m.csv) = 6 && grep -q 'gpu-mlp: matrix multiply: ' $T/e && grep -q 'gemm=' $T/m.json && grep -q 'l2flush' $T/m.json"
    check "--device cpu keeps the head on the CPU" bash -c "$BT sweep $SW --device cpu --out $T/c.csv >/dev/null 2>$T/e && grep -q 'pipeline head on the CPU: --device cpu' $T/e && test \$(grep -c '^records,cpu,' $T/c.csv) = 2"
fi
check "--nvml or --l2-flush with a workload other than gpu-* -> 2" bash -c "test \"\$($BT sweep --workload cpu-mlp --nvml --out $T/x.csv >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--nvml applies to' $T/e && test \"\$($BT sweep --workload cpu-mlp --l2-flush --out $T/x.csv >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--l2-flush applies to' $T/e"
check "--cupti with a workload other than gpu-* -> 2" bash -c "test \"\$($BT sweep --workload cpu-mlp --cupti --out $T/x.csv >/dev/null 2>$T/e; echo \$?)\" = 2 && grep -q -- '--cupti applies to' $T/e"
echo "results: $P passed, $F failed, 0 skipped"

#!/usr/bin/env bash
# Scale-out on a real Slurm: a one-node cluster on localhost (munged, slurmctld, slurmd started
# here, stopped by pid on every exit), the sweep submitted as a job array with the shipped job
# script (tools/slurm/sweep_array.sbatch, --gres=gpu:1 per task: the node declares 2 GPU
# slots without devices, so a 4-task array runs two at a time), merged, and checked to hold
# exactly the cells and statuses of an unsharded run of the same grid.
# Needs root on Debian (it installs slurmd slurmctld slurm-client munge when missing); skips,
# counted as skipped, where it cannot run. BT_SLURM=0 skips it on purpose. For the figures in
# bench/results/slurm.md: BT_SLURM_SW (sweep options of the grid) and BT_SLURM_SHARDS (N).
# Prints the timings (sharded vs single process, per-shard overhead) and ends with
# "results: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
B="${BT_BUILD:-build/tests}"; mkdir -p "$B"
P=0; F=0
T0=$(date +%s.%N)
ok() { P=$((P+1)); echo "  ok   $1"; }
no() { F=$((F+1)); echo "  FAIL $1"; }
skip_all() { echo "  skip test_slurm: $1"; echo "results: 0 passed, 0 failed, 1 skipped"; exit 0; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.2f", b-a}'; }

[ "${BT_SLURM:-1}" = 0 ] && skip_all "BT_SLURM=0"
[ "$(id -u)" = 0 ] || skip_all "needs root (to install and start munged, slurmctld, slurmd)"
command -v apt-get >/dev/null 2>&1 || skip_all "not Debian (no apt-get): install Slurm and munge by hand to run it"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    echo "  installing slurmd slurmctld slurm-client munge (Debian packages)"
    ti=$(now)
    (DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurmd slurmctld slurm-client munge >/dev/null 2>&1 ||
     { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slurmd slurmctld slurm-client munge >/dev/null 2>&1; }) ||
        skip_all "cannot install slurmd slurmctld slurm-client munge (offline?)"
    echo "  installed in $(since "$ti") s"
fi
for c in slurmctld slurmd sbatch squeue sinfo scontrol scancel munged; do
    command -v $c >/dev/null || skip_all "$c still missing after the install"
done

cc -O2 -I. -I/usr/include/stb tools/batchtune.c -o "$B/batchtune" -lm -pthread || { echo "results: 0 passed, 1 failed, 0 skipped"; exit 1; }
BT="$ROOT/$B/batchtune"
[ -x "$BT" ] || BT="$B/batchtune"

D=$(mktemp -d /tmp/bt_slurm.XXXXXX)
chmod 755 "$D"
PIDS=()
JOB=""
cleanup() {
    local p i
    if [ -n "$JOB" ] && [ -n "${SLURM_CONF:-}" ]; then scancel "$JOB" >/dev/null 2>&1; fi
    # stop the daemons this script started, by pid, newest first
    for ((i=${#PIDS[@]}-1; i>=0; i--)); do p=${PIDS[$i]}; kill "$p" 2>/dev/null; done
    for i in $(seq 1 50); do
        local alive=0
        for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null; done
    if [ "${BT_SLURM_KEEP:-0}" = 1 ]; then echo "  kept $D"; else rm -rf "$D"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# a free TCP port pair for slurmctld and slurmd
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for try in $(seq 1 20); do
    PC=$((20000 + RANDOM % 20000)); PD=$((PC + 1))
    port_free $PC && port_free $PD && break
done
HOST=$(hostname -s)
NCPU=$(nproc)
mkdir -p "$D/state" "$D/spool" "$D/run" "$D/single"

# munge: our own socket, pid and log; the key the package made (or a new one)
KEY=/etc/munge/munge.key
if [ ! -s "$KEY" ]; then
    KEY="$D/munge.key"; dd if=/dev/urandom bs=1 count=1024 of="$KEY" 2>/dev/null
    chown munge:munge "$KEY" 2>/dev/null; chmod 400 "$KEY"
fi
mkdir -p "$D/munge"; chown munge:munge "$D/munge" 2>/dev/null; chmod 755 "$D/munge"
MUNGE_SOCK="$D/munge/munge.socket"
if id munge >/dev/null 2>&1; then MU="runuser -u munge --"; else MU=""; fi
$MU munged --key-file="$KEY" --socket="$MUNGE_SOCK" --pid-file="$D/munge/munged.pid" --log-file="$D/munge/munged.log" \
    --seed-file="$D/munge/munged.seed" >"$D/munged.out" 2>&1 || { cat "$D/munged.out" "$D/munge/munged.log" 2>/dev/null | tail -5; skip_all "munged does not start here"; }
for i in $(seq 1 50); do [ -s "$D/munge/munged.pid" ] && break; sleep 0.1; done
[ -s "$D/munge/munged.pid" ] && PIDS+=("$(cat "$D/munge/munged.pid")")
[ ${#PIDS[@]} = 1 ] || skip_all "munged wrote no pid file"

cat > "$D/slurm.conf" <<EOF
ClusterName=batchtune
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$PC
SlurmdPort=$PD
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCK
CredType=cred/munge
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=600
SlurmdTimeout=30
GresTypes=gpu
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$NCPU Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
# two GPU slots backed by stand-in character devices (copies of /dev/null and /dev/zero; the
# gpu plugin wants a device file per GPU): what --gres=gpu:1 asks for, on a machine without GPUs
if mknod "$D/gpu0" c 1 3 2>/dev/null && mknod "$D/gpu1" c 1 5 2>/dev/null; then
    echo "Name=gpu File=$D/gpu[0-1]" > "$D/gres.conf"
else
    printf 'Name=gpu File=/dev/null\nName=gpu File=/dev/zero\n' > "$D/gres.conf"
fi
export SLURM_CONF="$D/slurm.conf"

start_daemon() { # start_daemon NAME PIDFILE CMD...
    local name=$1 pidf=$2 i
    shift 2
    "$@" >"$D/$name.out" 2>&1 || { echo "  $name failed to start:"; tail -5 "$D/$name.out" "$D/$name.log" 2>/dev/null; return 1; }
    for i in $(seq 1 100); do [ -s "$pidf" ] && break; sleep 0.1; done
    [ -s "$pidf" ] || { echo "  $name wrote no pid file"; tail -5 "$D/$name.log" 2>/dev/null; return 1; }
    PIDS+=("$(cat "$pidf")")
}
tc=$(now)
start_daemon slurmctld "$D/slurmctld.pid" slurmctld -c -f "$D/slurm.conf" || skip_all "slurmctld does not start here (see above)"
start_daemon slurmd "$D/slurmd.pid" slurmd -f "$D/slurm.conf" || skip_all "slurmd does not start here (see above)"
up=""
for i in $(seq 1 150); do
    st=$(sinfo -h -N -o %T 2>/dev/null | head -1)
    case "$st" in idle*|mixed*|allocated*) up=1; break ;; esac
    sleep 0.2
done
[ -n "$up" ] || { tail -5 "$D/slurmctld.log" "$D/slurmd.log" 2>/dev/null; skip_all "the node did not come up (state '${st:-none}')"; }
ok "one-node Slurm cluster up on $HOST ($NCPU CPUs, 2 GPU slots) in $(since "$tc") s"

# the grid: tiny CPU model, 8 cells, 4 shards
SW="${BT_SLURM_SW:---items 16 --layers 2 --width 64 --axis batch=1,4,16,64 --axis threads=1,2 --max-time 0.05} --quiet"
N=${BT_SLURM_SHARDS:-4}
ts=$(now)
JOB=$(cd "$D/run" && BATCHTUNE="$BT" sbatch --parsable --array=0-$((N-1)) "$ROOT/tools/slurm/sweep_array.sbatch" $SW 2>"$D/sbatch.err")
if [ -z "$JOB" ]; then cat "$D/sbatch.err"; no "sbatch --array=0-$((N-1)) accepted the job script"; echo "results: $P passed, $F failed, 0 skipped"; exit 1; fi
JOB=${JOB%%;*}
ok "sbatch --array=0-$((N-1)) tools/slurm/sweep_array.sbatch (job $JOB)"
maxrun=0
done_=""
for i in $(seq 1 1200); do
    q=$(squeue -h -j "$JOB" -o %T 2>/dev/null)
    r=$(printf '%s\n' "$q" | grep -c RUNNING)
    [ "$r" -gt "$maxrun" ] && maxrun=$r
    if [ -z "$q" ]; then done_=1; break; fi
    sleep 0.1
done
T_SHARDED=$(since "$ts")
[ -n "$done_" ] && ok "the array finished in $T_SHARDED s (at most $maxrun tasks at once)" || no "the array finished within 120 s"
states=$(scontrol -o show job "$JOB" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' | sort | uniq -c | tr -s ' ' | sed 's/^ //')
if [ "$(scontrol -o show job "$JOB" 2>/dev/null | grep -c 'JobState=COMPLETED')" = $N ]; then ok "all $N tasks COMPLETED"; else no "all $N tasks COMPLETED (got: $states)"; tail -n 5 "$D"/run/batchtune-*.out 2>/dev/null; fi
ngpu=$(cat "$D"/run/batchtune-"$JOB"_*.out 2>/dev/null | grep -c '^batchtune: task .*(GPU [01],')
[ "$ngpu" = $N ] && ok "each task got one GPU slot (--gres=gpu:1: CUDA_VISIBLE_DEVICES in its log)" || no "each task got one GPU slot (found $ngpu of $N)"
nfiles=$(ls "$D"/run/results.shard-*-of-$N.csv 2>/dev/null | wc -l)
[ "$nfiles" = $N ] && ok "each task wrote its own results file (results.shard-K-of-$N.csv)" || no "$N shard files (found $nfiles)"

# merge; then one unsharded run of the same grid, timed
if "$BT" merge "$D/run/results.csv" "$D"/run/results.shard-*-of-$N.csv >"$D/merge.out" 2>&1; then ok "batchtune merge"; else no "batchtune merge"; cat "$D/merge.out"; fi
t1=$(now)
"$BT" sweep $SW --out "$D/single/results.csv" >/dev/null 2>"$D/single.err" || { no "unsharded sweep"; cat "$D/single.err"; }
T_SINGLE=$(since "$t1")
cells() { [ -f "$1" ] && awk -F, 'NR>1{print $1","$2","$3","$4","$5}' "$1" | sort; }
NC=$(cells "$D/single/results.csv" | wc -l)
if [ -s "$D/run/results.csv" ] && [ "$(cells "$D/run/results.csv")" = "$(cells "$D/single/results.csv")" ] && [ "$NC" -gt 0 ]; then
    ok "merged results = unsharded run: the same $NC cells with the same statuses"
else
    no "merged results = unsharded run"; diff <(cells "$D/run/results.csv") <(cells "$D/single/results.csv")
fi
fp() { sed -n 's/.*"fingerprint":"\([0-9a-f]*\)".*/\1/p' "$1" | head -1; }
[ -n "$(fp "$D/single/results.json")" ] && [ "$(fp "$D/run/results.json")" = "$(fp "$D/single/results.json")" ] && ok "merged fingerprint = unsharded fingerprint" || no "merged fingerprint = unsharded fingerprint"
[ "$(wc -l < "$D/run/results.samples.csv" 2>/dev/null || echo 0)" -gt "$NC" ] && ok "samples merged" || no "samples merged"
"$BT" rank "$D/run/results.csv" >"$D/rank.out" 2>&1 && grep -q '^recommendation:' "$D/rank.out" && ok "batchtune rank on the merged file" || no "batchtune rank on the merged file"

# figures: per task, its time in the job log vs the time its cells took (cell_s column)
echo "  timings: single process $T_SINGLE s; sharded via Slurm $T_SHARDED s (submit to last task done, $N tasks, at most $maxrun at once)"
SUM_TASK=0; SUM_CELL=0
for k in $(seq 0 $((N-1))); do
    log=$(ls "$D"/run/batchtune-"$JOB"_$k.out 2>/dev/null | head -1)
    task_s=$(sed -n 's/^batchtune: task [0-9]* exit [0-9]* after \([0-9.]*\) s/\1/p' "$log" 2>/dev/null)
    col=$(head -1 "$D/run/results.shard-$k-of-$N.csv" 2>/dev/null | tr ',' '\n' | grep -n '^cell_s$' | cut -d: -f1)
    cell_s=$(awk -F, -v c="${col:-0}" 'NR>1 && c>0 {s+=$c} END{printf "%.3f", s}' "$D/run/results.shard-$k-of-$N.csv" 2>/dev/null)
    echo "  shard $k: task ${task_s:-?} s in the job script, ${cell_s:-?} s measuring its cells"
    SUM_TASK=$(awk -v a="$SUM_TASK" -v b="${task_s:-0}" 'BEGIN{print a+b}')
    SUM_CELL=$(awk -v a="$SUM_CELL" -v b="${cell_s:-0}" 'BEGIN{print a+b}')
done
# one line for bench/: overhead per shard = (task time - time measuring cells) averaged;
# outside = sharded wall - task time spread over the slots (Slurm's scheduling and launch)
col=$(head -1 "$D/single/results.csv" 2>/dev/null | tr ',' '\n' | grep -n '^cell_s$' | cut -d: -f1)
SINGLE_CELL=$(awk -F, -v c="${col:-0}" 'NR>1 && c>0 {s+=$c} END{printf "%.3f", s}' "$D/single/results.csv" 2>/dev/null)
awk -v sc="${SINGLE_CELL:-0}" -v s="$T_SINGLE" -v w="$T_SHARDED" -v t="$SUM_TASK" -v c="$SUM_CELL" -v n="$N" -v m="$maxrun" -v nc="$NC" 'BEGIN{
    if (m < 1) m = 1;
    printf "timing: cells=%d shards=%d slots=%d single_s=%.2f single_measure_s=%.2f sharded_s=%.2f task_s_sum=%.2f measure_s_sum=%.2f overhead_per_shard_s=%.3f outside_tasks_s=%.2f\n",
           nc, n, m, s, sc, w, t, c, (t - c) / n, w - t / m }'
start_end=$(scontrol -o show job "$JOB" 2>/dev/null | sed -n 's/.*ArrayTaskId=\([0-9]*\).*StartTime=\([^ ]*\) EndTime=\([^ ]*\).*/task \1: start \2 end \3/p')
printf '%s\n' "$start_end" | sed 's/^/  slurm /'
echo "  test wall time $(since "$T0") s"
echo "results: $P passed, $F failed, 0 skipped"
[ "$F" = 0 ]

# A real scheduler: a one-node Slurm cluster on localhost (munged, slurmctld and slurmd with a
# slurm.conf written here) runs `prepare --shard` as a job array and `merge` as a job that depends
# on it (afterok), as docs/scale.md shows; the result equals one prepare run byte for byte. Skipped,
# with the reason, only where Slurm is not installed (scripts/deps installs slurm-wlm and munge) or
# cannot start here (no root).
source "$(dirname "$0")/common.sh"

skip() {
  echo "SKIP: $*"
  exit 0
}
for tool in munged slurmctld slurmd sbatch squeue scontrol; do
  command -v "$tool" > /dev/null || skip "$tool not found: install slurm-wlm and munge (scripts/deps) to run this test"
done
[ "$(id -u)" = 0 ] || skip "a private Slurm cluster needs root here (slurmd runs the jobs as their user)"

cluster="$WORK/cluster"
mkdir -p "$cluster/state" "$cluster/spool"
chmod 700 "$cluster"
pids=()
cleanup() {
  # Our daemons only, by the pids we started; then the temp dir.
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2> /dev/null || true
  done
  if [ "${KEEP_SLURM_LOGS:-0}" = 1 ]; then cp "$cluster"/*.log /tmp/ 2> /dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# munge: a fresh key, its own socket.
dd if=/dev/urandom of="$cluster/munge.key" bs=1024 count=1 status=none
chmod 400 "$cluster/munge.key"
munged -F -f --key-file="$cluster/munge.key" --socket="$cluster/munge.sock" --pid-file="$cluster/munged.pid" \
  --log-file="$cluster/munged.log" --seed-file="$cluster/munged.seed" &
pids+=($!)
for _ in $(seq 50); do [ -S "$cluster/munge.sock" ] && break; sleep 0.1; done
[ -S "$cluster/munge.sock" ] || skip "munged did not start: $(tail -n 3 "$cluster/munged.log" 2> /dev/null)"

read -r ctld_port slurmd_port < <(python3 -c '
import socket
ports = []
socks = []
for _ in range(2):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s); ports.append(s.getsockname()[1])
print(*ports)')
cpus=$(nproc)
export SLURM_CONF="$cluster/slurm.conf"
cat > "$SLURM_CONF" <<EOF
ClusterName=tuneprep-test
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$cluster/munge.sock
CredType=cred/munge
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/slurmctld.log
SlurmdLogFile=$cluster/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SlurmdParameters=config_overrides
MinJobAge=300
NodeName=tpnode NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=tpnode Default=YES MaxTime=10 State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" > "$cluster/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N tpnode -f "$SLURM_CONF" > "$cluster/slurmd.out" 2>&1 &
pids+=($!)
echo "t=$SECONDS cluster starting"; ready=0
for _ in $(seq 150); do
  if sinfo -h -N -o '%T' 2> /dev/null | grep -qE '^(idle|mixed|allocated)'; then ready=1; break; fi
  sleep 0.2
done
if [ "$ready" != 1 ]; then
  tail -n 5 "$cluster/slurmctld.log" "$cluster/slurmd.log" "$cluster"/*.out 2> /dev/null || true
  skip "the local Slurm cluster did not come up within 30 s"
fi

echo "t=$SECONDS cluster up"
# The data: everything of the shard equivalence test but smaller.
mkdir in
cp -r "$TUNEPREP_SOURCE_DIR/samples" "$DATA/public" in/
python3 "$TUNEPREP_SOURCE_DIR/bench/gen_chat.py" --records 600 --seed 5 --dirty --near 0.05 > in/gen.jsonl
opts=(--dedup near --conflicts first --seed 3)
run_tp 0 prepare in -o single "${opts[@]}" -q

# The job array and the merge job, as in docs/scale.md.
n=3
cat > shard.sbatch <<EOF
#!/bin/bash
#SBATCH --job-name=tuneprep-shard
#SBATCH --array=0-$((n - 1))
#SBATCH --cpus-per-task=1
#SBATCH --output=$WORK/shard-%a.log
set -euo pipefail
exec "$TUNEPREP" -q -j 1 prepare in -o "shards/\$SLURM_ARRAY_TASK_ID" --shard "\$SLURM_ARRAY_TASK_ID/$n" ${opts[*]}
EOF
cat > merge.sbatch <<EOF
#!/bin/bash
#SBATCH --job-name=tuneprep-merge
#SBATCH --output=$WORK/merge.log
set -euo pipefail
exec "$TUNEPREP" -q merge shards/* -o merged
EOF
echo "t=$SECONDS submitting"
array=$(sbatch --parsable --chdir="$WORK" shard.sbatch) || fail "sbatch of the shard array failed"
merge=$(sbatch --parsable --chdir="$WORK" --dependency="afterok:${array%%;*}" --kill-on-invalid-dep=yes merge.sbatch) \
  || fail "sbatch of the merge job failed"
# Wait for the merge job to end (it starts only after every array task succeeded), at most 60 s.
state=""
for _ in $(seq 300); do
  state=$(scontrol show job "$merge" 2> /dev/null | grep -o 'JobState=[A-Z_]*' || true)
  case "$state" in
    JobState=PENDING | JobState=RUNNING | JobState=CONFIGURING | JobState=COMPLETING | "") sleep 0.2 ;;
    *) break ;;
  esac
done
if [ "$state" != "JobState=COMPLETED" ]; then
  cat shard-*.log merge.log 2> /dev/null || true
  tail -n 20 "$cluster/slurmctld.log" "$cluster/slurmd.log" 2> /dev/null || true
  fail "the merge job ended as ${state:-unknown} (expected COMPLETED)"
fi
echo "t=$SECONDS merge ended"
for i in $(seq 0 $((n - 1))); do
  [ "$(json_get "shards/$i/manifest.json" 'd["shard"]["index"]')" = "$i" ] || fail "shards/$i is not shard $i"
done
[ "$(ls single)" = "$(ls merged)" ] || fail "merged holds $(ls merged | tr '\n' ' ')"
for f in single/*; do assert_same_file "$f" "merged/$(basename "$f")"; done
echo "slurm: $n array tasks and the dependent merge equal one prepare run"

#!/usr/bin/env bash
# The output set survives SIGKILL: 20 kills at seeded moments of `prepare` (reading, writing, and
# inside the commit step, widened by the test hook TUNEPREP_TEST_COMMIT_DELAY_MS), with and without
# a previous set. Afterwards out/ holds the previous complete set, the new complete set (every
# sha256 in manifest.json matches) or nothing; the next successful run leaves no temporary.
# KILL_ITERATIONS and KILL_SEED change the run; TUNEPREP_TEST_TWO_STEP=1 runs it over the fallback
# without RENAME_EXCHANGE (docs/reliability.md has the figures).
source "$(dirname "$0")/common.sh"
check="$TUNEPREP_SOURCE_DIR/tests/e2e/check_output_set.py"
iterations=${KILL_ITERATIONS:-20}
RANDOM=${KILL_SEED:-13}
delay_ms=300

# About 4 MB of chat records: a run long enough to be killed while reading and writing.
python3 - <<'PY'
import json
with open("in.jsonl", "w") as f:
    for i in range(30000):
        f.write(json.dumps({"messages": [{"role": "user", "content": f"question {i} " + "word " * (i % 40)},
                                         {"role": "assistant", "content": f"answer {i % 25000}"}]}) + "\n")
PY

prepare() {  # SEED: the set under test; the seed tells the sets apart (exec: $! is tuneprep)
  exec "$TUNEPREP" -q prepare in.jsonl -o out --seed "$1" --report html
}

# How long a run takes with the hook: the kills are spread over it.
start=$(date +%s%N)
(TUNEPREP_TEST_COMMIT_DELAY_MS=$delay_ms prepare 1)
span_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "one run with the hook: ${span_ms} ms"

previous=0 new=0 absent=0 in_commit=0
for i in $(seq 1 "$iterations"); do
  if (( i % 2 == 0 )); then
    rm -rf out  # without a previous set
    expect_previous=absent
  else
    (prepare 1)  # a previous set with seed 1
    expect_previous="seed 1"
  fi
  moment_ms=$(( RANDOM % (span_ms * 3 / 2) ))  # some after the run: the new set
  (TUNEPREP_TEST_COMMIT_DELAY_MS=$delay_ms prepare 2) &
  pid=$!
  sleep "$(printf '%d.%03d' $((moment_ms / 1000)) $((moment_ms % 1000)))"
  # Inside the commit step when the staging directory already holds a manifest (or, after the
  # swap, the previous set).
  phase=run
  if ! kill -0 "$pid" 2>/dev/null; then
    phase=done
  elif compgen -G ".out.tmp-$pid-*/manifest.json" >/dev/null; then
    phase=commit; in_commit=$((in_commit + 1))
  fi
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  state=$(python3 "$check" out) || fail "iteration $i (kill at ${moment_ms} ms): out/ is not a complete set"
  case "$state" in
    "seed 2") new=$((new + 1)) ;;
    "$expect_previous")
      if [ "$state" = absent ]; then absent=$((absent + 1)); else previous=$((previous + 1)); fi ;;
    absent)
      # The two-step fallback (TUNEPREP_TEST_TWO_STEP=1 forces it) has one documented window
      # without a target: a kill between its two renames.
      [ -n "${TUNEPREP_TEST_TWO_STEP:-}" ] || fail "iteration $i (kill at ${moment_ms} ms): out/ is gone"
      absent=$((absent + 1)) ;;
    *) fail "iteration $i (kill at ${moment_ms} ms): out/ holds '$state', expected '$expect_previous' or 'seed 2'" ;;
  esac
  echo "kill $i at ${moment_ms} ms ($phase): $state"
done

# The next successful run removes what the killed ones left (their pids are dead).
(prepare 3)
[ "$(python3 "$check" out)" = "seed 3" ] || fail "the run after the kills did not write a complete set"
left=$(find . -name '.*.tmp-*' | wc -l)
[ "$left" -eq 0 ] || { find . -name '.*.tmp-*'; fail "$left temporaries left after a successful run"; }
echo "$iterations kills ($in_commit inside the commit step): $previous previous set, $new new set, $absent no set; 0 incomplete, 0 temporaries left"

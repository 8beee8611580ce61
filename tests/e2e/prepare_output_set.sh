#!/usr/bin/env bash
# The output directory: replaced as a whole (files of an earlier run that this one does not write
# go with it), never a user's other files, never read back as input, and one run at a time (the
# lock: a second run waits, or fails with --no-wait).
source "$(dirname "$0")/common.sh"
check="$TUNEPREP_SOURCE_DIR/tests/e2e/check_output_set.py"
mkdir raw
python3 - <<'PY'
import json
with open("raw/a.jsonl", "w") as f:
    for i in range(200):
        f.write(json.dumps({"messages": [{"role": "user", "content": f"question {i}"},
                                         {"role": "assistant", "content": f"answer {i}"}]}) + "\n")
PY

# -o inside an input directory: the second run does not read the first one's outputs.
run_tp 0 prepare raw -o raw/clean
cp raw/clean/manifest.json first.json
run_tp 0 prepare raw -o raw/clean
assert_contains tp.err "warning: raw/clean: skipped, the output directory (-o)"
assert_same_file first.json raw/clean/manifest.json
# Any output set under an input directory is skipped too, whatever its name.
mv raw/clean raw/old-set
run_tp 0 prepare raw -o clean
assert_contains tp.err "warning: raw/old-set: skipped, a tuneprep output set (manifest.json); name its files to read them"
[ "$(json_get clean/manifest.json "d['counts']['records_in']")" = 200 ] || fail "the old set was read as input"
# So do the other commands that read directories.
run_tp 0 validate raw
assert_contains tp.err "note: raw/old-set: skipped, a tuneprep output set (manifest.json)"
run_tp 0 stats raw
assert_contains tp.err "note: raw/old-set: skipped, a tuneprep output set (manifest.json)"
run_tp 0 tokens --chat raw
assert_contains tp.err "note: raw/old-set: skipped, a tuneprep output set (manifest.json)"
run_tp 2 validate raw/old-set
assert_contains tp.err "note: raw/old-set: skipped"
assert_contains tp.err "error: no input files left to read (every input was skipped)"
run_tp 0 validate raw/old-set/train.jsonl  # a file named explicitly is read
rm -rf raw/old-set clean

# -o equal to an input, or holding one: refused, nothing written.
run_tp 2 prepare raw -o raw
assert_contains tp.err "error: -o raw: is an input; prepare replaces its output directory as a whole"
run_tp 2 prepare raw/a.jsonl -o raw
assert_contains tp.err "error: -o raw: would replace the input raw/a.jsonl"
run_tp 2 prepare raw/a.jsonl -o ./raw/
assert_contains tp.err "would replace the input raw/a.jsonl"
[ "$(LC_ALL=C ls -A raw)" = "$(printf ".clean.lock\na.jsonl")" ] || fail "a refused run wrote into raw/: $(ls -A raw)"

# A non-empty directory that is not an output set, or an output set with a user's file: refused,
# and the files are still there.
mkdir notes && echo keep > notes/todo.txt
run_tp 2 prepare raw -o notes
assert_contains tp.err "error: -o notes: is not empty and is not a tuneprep output set"
[ "$(cat notes/todo.txt)" = keep ] || fail "notes/todo.txt changed"
run_tp 0 prepare raw -o out --report html
echo mine > out/mine.txt
run_tp 2 prepare raw -o out
assert_contains tp.err "error: -o out: holds mine.txt, which is not part of a tuneprep output set"
[ "$(cat out/mine.txt)" = mine ] || fail "out/mine.txt changed"
rm out/mine.txt
# An empty directory is fine; a file is not.
mkdir empty
run_tp 0 prepare raw -o empty
touch plain
run_tp 2 prepare raw -o plain
assert_contains tp.err "error: -o plain: exists and is not a directory"

# The whole set is replaced: no validation.jsonl or report.html from the earlier run remains.
run_tp 0 prepare raw -o out --val-ratio 0
[ "$(python3 "$check" out)" = "seed 0" ] || fail "out/ is not one complete set"
[ ! -e out/validation.jsonl ] && [ ! -e out/report.html ] || fail "files of the earlier run remain: $(ls out)"
[ "$(ls -A . | grep -c '\.tmp-')" = 0 ] || fail "temporaries left: $(ls -A)"
[ -e .out.lock ] || fail "no lock file beside out/"

# The lock: while a run holds out/ (in its commit step, held by the test hook), --no-wait fails at
# once and a plain run waits, then replaces the set.
TUNEPREP_TEST_COMMIT_DELAY_MS=1500 "$TUNEPREP" -q prepare raw -o out --seed 5 &
first=$!
for _ in $(seq 1 200); do compgen -G ".out.tmp-$first-*/manifest.json" >/dev/null && break; sleep 0.05; done
run_tp 2 prepare raw -o out --seed 6 --no-wait
assert_contains tp.err "error: -o out: another tuneprep run is writing it (lock"
"$TUNEPREP" prepare raw -o out --seed 7 >second.out 2>second.err &
second=$!
wait "$first" || fail "the first run failed"
wait "$second" || fail "the waiting run failed: $(cat second.err)"
assert_contains second.err "note: waiting for another tuneprep run writing out (lock"
[ "$(python3 "$check" out)" = "seed 7" ] || fail "the waiting run's set is not the final one"

# Concurrent runs into one directory always end with one complete set (the issue saw 2 of 4
# overlaps end inconsistent before the lock).
for round in 1 2 3 4; do
  "$TUNEPREP" -q prepare raw -o race --seed 1 & a=$!
  "$TUNEPREP" -q prepare raw -o race --seed 2 & b=$!
  wait "$a" && wait "$b" || fail "round $round: a run failed"
  python3 "$check" race >/dev/null || fail "round $round: race/ is not one complete set"
done
echo "output set rules, lock and 4 concurrent rounds: ok"

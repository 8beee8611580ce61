# prepare --shard I/N on every shard, then merge, gives byte for byte the output set of one prepare
# run (N = 1, 2, 3, 7; exact and near dedup; conflicts, tokens, fixes, reports); a killed shard is
# rerun alone; merge refuses incomplete or mismatched shard sets with exit 2 and a clear message.
source "$(dirname "$0")/common.sh"

# Every shape and container of the test data, plus one generated file large enough to be cut into
# byte ranges across several shards, with exact, near and same-prompt copies to resolve across them.
mkdir in
cp -r "$TUNEPREP_SOURCE_DIR/samples" "$DATA/public" "$DATA/shapes" in/
python3 "$TUNEPREP_SOURCE_DIR/bench/gen_chat.py" --records 600 --seed 11 --dirty --near 0.05 > in/gen.jsonl
head -n 200 in/gen.jsonl | gzip -n > in/gen-head.jsonl.gz  # compressed: goes whole to one shard
cp "$DATA/bad/crlf.jsonl" "$DATA/bad/bom.jsonl" "$DATA/bad/blank-lines.jsonl" in/

# shard_and_merge N DIR OPTIONS...: every shard of N, then merge into DIR.
shard_and_merge() {
  local n=$1 out=$2; shift 2
  local dirs=()
  for ((i = 0; i < n; i++)); do
    run_tp 0 prepare in -o "shards-$n/$i" --shard "$i/$n" "$@" -q
    dirs+=("shards-$n/$i")
  done
  run_tp 0 merge "${dirs[@]}" -o "$out" -q
}

assert_same_set() {  # EXPECTED_DIR ACTUAL_DIR
  [ "$(ls "$1")" = "$(ls "$2")" ] || fail "$2 holds $(ls "$2" | tr '\n' ' '), expected $(ls "$1" | tr '\n' ' ')"
  for f in "$1"/*; do assert_same_file "$f" "$2/$(basename "$f")"; done
}

# N = 1, 2, 3, 7 for exact and near dedup; a third set of options at N = 3.
configs=(
  "1 2 3 7|--dedup exact"
  "1 2 3 7|--dedup near --conflicts reject --model gpt-4o-mini --max-tokens 600 --truncate --fix safe --report html,md"
  "3|--dedup near --dedup-on prompt --conflicts first --findings --val-ratio 0.3 --seed 7"
)
for config in "${configs[@]}"; do
  read -ra counts <<< "${config%%|*}"
  read -ra opts <<< "${config#*|}"
  rm -rf single shards-* merged-*
  run_tp 0 prepare in -o single "${opts[@]}" -q
  check_accounting single
  for n in "${counts[@]}"; do
    shard_and_merge "$n" "merged-$n" "${opts[@]}"
    assert_same_set single "merged-$n"
  done
  if [ "${opts[1]}" = near ] && [ "${#counts[@]}" -gt 1 ]; then
    # The data really exercises the merge: duplicates of both kinds, conflicts, a file cut in several.
    [ "$(json_get single/manifest.json 'd["duplicates"]["near"] > 0 and d["duplicates"]["exact"] > 0 and d["conflicts"]["groups"] > 0')" = True ] \
      || fail "the test data should have exact and near duplicates and conflicts"
    [ "$(json_get shards-7/3/manifest.json 'd["records"] > 0')" = True ] || fail "shard 3/7 should own records"
  fi
done

# Another -j gives the same shard files; the shard directory is an output set (rerun in place).
run_tp 0 -j 1 prepare in -o j1 --shard 1/3 -q
run_tp 0 -j 2 prepare in -o j1 --shard 1/3 -q
run_tp 0 prepare in -o j2 --shard 1/3 -q
for f in fingerprints.tpf records.tpr manifest.json; do assert_same_file j1/$f j2/$f; done

# A shard killed before its commit leaves no shard files: merge refuses the set, and rerunning
# that shard alone completes it.
rm -rf single shards-3 merged-3
run_tp 0 prepare in -o single -q
for i in 0 2; do run_tp 0 prepare in -o shards-3/$i --shard $i/3 -q; done
TUNEPREP_TEST_COMMIT_DELAY_MS=3000 "$TUNEPREP" -q prepare in -o shards-3/1 --shard 1/3 &
pid=$!
for _ in $(seq 100); do
  compgen -G "shards-3/.1.tmp-*/fingerprints.tpf" > /dev/null && break
  sleep 0.05
done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
run_tp 2 merge shards-3/0 shards-3/2 -o merged-3
assert_contains tp.err "incomplete shard set: missing shard 1/3"
[ ! -e merged-3 ] || fail "a refused merge must not create its output"
run_tp 0 prepare in -o shards-3/1 --shard 1/3 -q
run_tp 0 merge shards-3/2 shards-3/0 shards-3/1 -o merged-3 -q  # any order
assert_same_set single merged-3

# Mismatched sets: exit 2, a message that names the problem, the previous output untouched.
before=$(sha256sum merged-3/manifest.json)
run_tp 0 prepare in -o other-seed --shard 1/3 --seed 9 -q
run_tp 2 merge shards-3/0 other-seed shards-3/2 -o merged-3
assert_contains tp.err "were prepared with different options"
run_tp 0 prepare in -o other-count --shard 1/2 -q
run_tp 2 merge shards-3/0 other-count shards-3/2 -o merged-3
assert_contains tp.err "shards of different runs"
run_tp 2 merge shards-3/0 shards-3/1 shards-3/1 shards-3/2 -o merged-3
assert_contains tp.err "are both shard 1/3"
touch -d '2001-01-01' in/shapes/kto.jsonl
run_tp 0 prepare in -o touched --shard 1/3 -q
run_tp 2 merge shards-3/0 touched shards-3/2 -o merged-3
assert_contains tp.err "with another size or modification time"
run_tp 2 merge shards-3/0 in/samples shards-3/2 -o merged-3
assert_contains tp.err "not a shard directory"
# Another tool version (the header rewritten in both files).
cp -r shards-3/1 old-version
for f in fingerprints.tpf records.tpr; do
  zstd -q -d -c "shards-3/1/$f" | sed 's/0\.1\.0/0.0.9/' | zstd -q -c > "old-version/$f"
done
run_tp 2 merge shards-3/0 old-version shards-3/2 -o merged-3
assert_contains tp.err "was written by tuneprep 0.0.9"
# A damaged shard file is an error, never a crash.
cp -r shards-3/1 damaged
head -c 3000 shards-3/1/records.tpr > damaged/records.tpr
run_tp 2 merge shards-3/0 damaged shards-3/2 -o merged-3
assert_contains tp.err "damaged/records.tpr"
[ "$(sha256sum merged-3/manifest.json)" = "$before" ] || fail "a refused merge changed the previous output"

# Standard input cannot be sharded; a bad --shard is a usage error.
echo '{}' | "$TUNEPREP" prepare - -o x --shard 0/2 > /dev/null 2> tp.err && fail "stdin shard should fail"
assert_contains tp.err "--shard cannot read standard input"
run_tp 2 prepare in -o x --shard 3/3
assert_contains tp.err "--shard 3/3: expected I/N"

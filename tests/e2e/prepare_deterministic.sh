# The same inputs give byte-identical outputs run after run and whatever -j.
source "$(dirname "$0")/common.sh"
python3 "$TUNEPREP_SOURCE_DIR/bench/gen_chat.py" --records 30000 --seed 3 --dirty > big.jsonl
run_tp 0 -j 1 prepare big.jsonl "$TUNEPREP_SOURCE_DIR/samples" -o a -q
run_tp 0 -j 2 prepare big.jsonl "$TUNEPREP_SOURCE_DIR/samples" -o b -q
run_tp 0 prepare big.jsonl "$TUNEPREP_SOURCE_DIR/samples" -o c -q
for f in train.jsonl validation.jsonl rejected.jsonl duplicates.jsonl manifest.json; do
  assert_same_file "a/$f" "b/$f"
  assert_same_file "a/$f" "c/$f"
done
check_accounting a
[ "$(json_get a/manifest.json 'd["counts"]["duplicates"] > 0 and d["counts"]["rejected"] > 0')" = True ] \
  || fail "generated data should have duplicates and rejections"

# Near dedup, token counting and conflict handling are deterministic too.
python3 "$TUNEPREP_SOURCE_DIR/bench/gen_chat.py" --records 20000 --seed 9 --dirty --near 0.05 > near.jsonl
for conflicts in keep reject; do
  run_tp 0 -j 1 prepare near.jsonl -o n1 -q --dedup near --model gpt-4o-mini --max-tokens 400 --truncate --conflicts $conflicts
  run_tp 0 -j 2 prepare near.jsonl -o n2 -q --dedup near --model gpt-4o-mini --max-tokens 400 --truncate --conflicts $conflicts
  for f in train.jsonl validation.jsonl rejected.jsonl duplicates.jsonl manifest.json; do
    assert_same_file "n1/$f" "n2/$f"
  done
  check_accounting n1
done
[ "$(json_get n1/manifest.json 'd["duplicates"]["near"] > 0 and d["truncated"] > 0 and d["conflicts"]["groups"] > 0')" = True ] \
  || fail "generated data should have near duplicates, truncations and conflicts"

# prepare over samples/ produces exactly the committed outputs (set UPDATE_GOLDEN=1 to refresh them).
source "$(dirname "$0")/common.sh"
cd "$TUNEPREP_SOURCE_DIR"
out="$WORK/out-dir"
run_tp 0 prepare samples -o "$out" -q
expected="$DATA/prepare/samples-expected"
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
  mkdir -p "$expected"
  cp "$out"/*.jsonl "$out"/manifest.json "$out"/report.json "$expected"/
fi
for f in train.jsonl validation.jsonl rejected.jsonl duplicates.jsonl manifest.json report.json; do
  assert_same_file "$expected/$f" "$out/$f"
done
check_accounting "$out"

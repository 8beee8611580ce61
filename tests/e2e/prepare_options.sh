# Options of prepare: --val-ratio 0, --seed, --to, --system, --dedup none, --json.
source "$(dirname "$0")/common.sh"
python3 "$TUNEPREP_SOURCE_DIR/bench/gen_chat.py" --records 2000 --seed 5 --dirty > chat.jsonl

# --val-ratio 0 writes no validation file and removes a stale one.
run_tp 0 prepare chat.jsonl -o out -q
[ -f out/validation.jsonl ] || fail "validation.jsonl missing"
run_tp 0 prepare chat.jsonl -o out --val-ratio 0 -q
[ ! -e out/validation.jsonl ] || fail "stale validation.jsonl kept with --val-ratio 0"
check_accounting out

# The split is stable: adding records never moves the others.
run_tp 0 prepare chat.jsonl -o s1 -q --seed 11
head -n 1000 chat.jsonl > half.jsonl
run_tp 0 prepare half.jsonl -o s2 -q --seed 11
python3 - <<'PY'
v1 = set(open("s1/validation.jsonl")); v2 = set(open("s2/validation.jsonl"))
t1 = set(open("s1/train.jsonl")); t2 = set(open("s2/train.jsonl"))
assert v2 <= v1 and t2 <= t1, "a record changed sides when others were added"
assert len(v1) > 100
PY
run_tp 0 prepare chat.jsonl -o s3 -q --seed 12
cmp -s s1/validation.jsonl s3/validation.jsonl && fail "--seed has no effect"

# ~10% validation by default.
python3 - <<'PY'
import json
c = json.load(open("s1/manifest.json"))["counts"]
share = c["validation"] / (c["train"] + c["validation"])
assert 0.07 < share < 0.13, share
PY

# --dedup none keeps duplicates in the outputs.
run_tp 0 prepare chat.jsonl -o nodedup --dedup none -q
[ "$(json_get nodedup/manifest.json 'd["counts"]["duplicates"]')" = 0 ] || fail "--dedup none removed duplicates"
check_accounting nodedup

# --to prompt-completion and --system.
printf '%s\n' '{"prompt":"2+2?","completion":"4"}' '{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},{"role":"user","content":"c"},{"role":"assistant","content":"d"}]}' > pc.jsonl
run_tp 0 prepare pc.jsonl -o pc --to prompt-completion --val-ratio 0 -q
assert_same_file <(printf '%s\n' '{"prompt":"2+2?","completion":"4"}') pc/train.jsonl
assert_contains pc/rejected.jsonl not-convertible
run_tp 0 prepare pc.jsonl -o sys --system "Be brief." --val-ratio 0 -q
assert_contains sys/train.jsonl '{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"2+2?"}'

# --json prints the summary with the manifest's counts.
run_tp 0 prepare chat.jsonl -o j --json
[ "$(json_get tp.out 'd["counts"]["records_in"]')" = 2000 ] || fail "--json counts"

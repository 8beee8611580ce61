#!/usr/bin/env bash
# `tuneprep validate` exit codes, rule options, tuneprep.toml and --config, stdin, usage errors.
source "$(dirname "$0")/common.sh"
good='{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Q%d?"}, {"role": "assistant", "content": "A%d."}]}\n'
for i in $(seq 1 50); do printf "$good" "$i" "$i"; done > good.jsonl
cp good.jsonl warn.jsonl
printf '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A. "}]}\n' >> warn.jsonl
cp good.jsonl bad.jsonl
printf '{"messages": [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A.", "weight": 5}]}\n' >> bad.jsonl

# 0: clean, or warnings only; 1: errors, or warnings with --strict.
run_tp 0 validate good.jsonl
assert_same_file <(echo "0 errors, 0 warnings in 50 records of 1 file") "$WORK/tp.out"
run_tp 0 validate warn.jsonl
assert_contains "$WORK/tp.out" "warn.jsonl:51:127: warning[whitespace-padding]: content has trailing whitespace"
run_tp 1 validate --strict warn.jsonl
run_tp 1 validate bad.jsonl
assert_contains "$WORK/tp.out" 'bad.jsonl:51:99: error[invalid-weight]: weight must be 0 or 1, not 5'

# Rule options: severity, disable, enable (comma lists and repeats).
run_tp 1 validate --severity whitespace-padding=error warn.jsonl
assert_contains "$WORK/tp.out" "error[whitespace-padding]"
run_tp 0 validate --strict --disable whitespace-padding warn.jsonl
run_tp 1 validate --strict --disable whitespace-padding,pii-email --enable whitespace-padding warn.jsonl

# 2: an unknown rule id lists the valid ones; a missing input; a bad option value.
run_tp 2 validate --disable no-such-rule good.jsonl
assert_contains "$WORK/tp.err" "no-such-rule"
assert_contains "$WORK/tp.err" "whitespace-padding"
run_tp 2 validate --severity pii-email=fatal good.jsonl
run_tp 2 validate missing.jsonl
assert_contains "$WORK/tp.err" "missing.jsonl"
run_tp 2 validate --output-format xml good.jsonl
run_tp 2 validate --show-fixes --output-format json good.jsonl
run_tp 2 validate --model no-such-model good.jsonl
assert_contains "$WORK/tp.err" 'unknown model "no-such-model"'

# tuneprep.toml in the current directory, then --config naming another file.
cat > tuneprep.toml <<'TOML'
[rules]
severity = { "whitespace-padding" = "error" }
TOML
run_tp 1 validate warn.jsonl
assert_contains "$WORK/tp.out" "error[whitespace-padding]"
run_tp 0 validate --disable whitespace-padding warn.jsonl   # the command line wins
mkdir conf
printf '[rules]\ndisable = ["whitespace-padding"]\n' > conf/quiet.toml
run_tp 0 --config conf/quiet.toml validate --strict warn.jsonl
printf '[rules]\ndisable = ["not-a-rule"]\n' > conf/broken.toml
run_tp 2 --config conf/broken.toml validate warn.jsonl
assert_contains "$WORK/tp.err" "not-a-rule"
run_tp 2 --config conf/none.toml validate warn.jsonl
rm tuneprep.toml

# stdin, and -q printing only errors.
"$TUNEPREP" validate - < bad.jsonl > stdin.out && fail "stdin run should exit 1" || true
assert_contains stdin.out '-:51:99: error[invalid-weight]'
run_tp 1 -q validate bad.jsonl
assert_same_file <(echo 'bad.jsonl:51:99: error[invalid-weight]: weight must be 0 or 1, not 5') "$WORK/tp.out"

# --model: the model's per-example limit and encoding.
printf '{"messages": [{"role": "user", "content": "%s"}, {"role": "assistant", "content": "ok"}]}\n' \
  "$(python3 -c 'print("word " * 5000)')" > long.jsonl
run_tp 1 validate --max-tokens 1000 --disable too-few-examples long.jsonl
assert_contains "$WORK/tp.out" "long.jsonl:1:1: error[too-many-tokens]: the example has 5013 tokens (o200k_base), over the limit of 1000 (--max-tokens)"
run_tp 0 validate --model gpt-4o-mini --disable too-few-examples,whitespace-padding long.jsonl
echo ok

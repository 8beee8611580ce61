#!/usr/bin/env bash
# The input options validate, prepare, stats and leakage share (--format, CSV columns, --system,
# --max-record-bytes) and the [rules] table of tuneprep.toml / --config in stats.
source "$(dirname "$0")/common.sh"

# A record with both chat and prompt/completion keys: auto detection reads it as chat; --format
# prompt-completion must read the other pair.
printf '{"prompt": "Capital of France?", "completion": "Paris.", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}\n' > mixed.jsonl
printf '{"prompt": "Capital of France?", "completion": "Paris."}\n' > val.jsonl

# --format in each command.
run_tp 0 validate --disable too-few-examples,missing-system-message mixed.jsonl
assert_contains "$WORK/tp.out" 'unknown key "prompt" (not part of the openai-chat format'
run_tp 0 validate --disable too-few-examples,missing-system-message --format prompt-completion mixed.jsonl
assert_contains "$WORK/tp.out" 'unknown key "messages" (not part of the prompt-completion format'

run_tp 0 stats --json auto.json mixed.jsonl
[ "$(json_get auto.json 'd["formats"]')" = "{'openai-chat': 1}" ] || fail "stats auto format: $(json_get auto.json 'd["formats"]')"
run_tp 0 stats --json forced.json --format prompt-completion mixed.jsonl
[ "$(json_get forced.json 'd["formats"]')" = "{'prompt-completion': 1}" ] || fail "stats --format: $(json_get forced.json 'd["formats"]')"

run_tp 0 prepare mixed.jsonl -o auto --val-ratio 0 -q
assert_same_file <(echo '{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]}') auto/train.jsonl
run_tp 0 prepare mixed.jsonl -o forced --format prompt-completion --val-ratio 0 -q
assert_same_file <(echo '{"messages":[{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris."}]}') forced/train.jsonl

run_tp 0 leakage --exact-only mixed.jsonl val.jsonl
run_tp 1 leakage --exact-only --format prompt-completion mixed.jsonl val.jsonl
assert_same_file <(echo 'val.jsonl:1: exact copy of mixed.jsonl:1') "$WORK/tp.out"

for command in "validate" "stats" "prepare -o bad-format" "leakage mixed.jsonl"; do
  run_tp 2 $command --format xml mixed.jsonl
  assert_contains "$WORK/tp.err" "--format: xml not in {auto,openai-chat,prompt-completion,alpaca,sharegpt,dpo,csv}"
done

# CSV column mapping and --system.
printf 'question,reply\nCapital of France?,Paris.\n' > faq.csv
run_tp 2 validate faq.csv
assert_contains "$WORK/tp.err" "CSV header has no response column (columns: question, reply); use --response-col"
run_tp 2 stats faq.csv
assert_contains "$WORK/tp.err" "use --response-col"
run_tp 0 validate --disable too-few-examples --response-col reply --system "Be brief." faq.csv
assert_same_file <(echo "0 errors, 0 warnings in 1 record of 1 file") "$WORK/tp.out"
run_tp 0 stats --json csv.json --response-col reply --system "Be brief." faq.csv
[ "$(json_get csv.json 'd["valid"], d["system_prompts"]["examples_with"]')" = "1 1" ] || fail "stats CSV + --system"

# --max-record-bytes in stats and prepare.
run_tp 0 stats --json small.json --max-record-bytes 20 mixed.jsonl
[ "$(json_get small.json 'd["rejected"], d["rejections"][0]["rule"]')" = "1 record-too-large" ] \
  || fail "stats --max-record-bytes: $(json_get small.json 'd["rejections"]')"
run_tp 0 prepare mixed.jsonl -o small --max-record-bytes 20 -q
[ "$(json_get small/manifest.json 'd["counts"]["rejected"]')" = "1" ] || fail "prepare --max-record-bytes"
run_tp 2 stats --max-record-bytes 0 mixed.jsonl

# stats reads the [rules] table of ./tuneprep.toml, or of --config, like validate.
printf '[rules]\nseverity = { "unknown-key" = "error" }\n' > tuneprep.toml
run_tp 0 stats --json strict.json mixed.jsonl
[ "$(json_get strict.json 'd["rejected"]')" = "1" ] || fail "stats did not apply tuneprep.toml"
run_tp 0 stats --json relaxed.json --severity unknown-key=warning mixed.jsonl   # the command line wins
[ "$(json_get relaxed.json 'd["rejected"]')" = "0" ] || fail "stats --severity did not override tuneprep.toml"
rm tuneprep.toml
printf '[rules]\ndisable = ["not-a-rule"]\n' > broken.toml
run_tp 2 --config broken.toml stats mixed.jsonl
assert_contains "$WORK/tp.err" "not-a-rule"
run_tp 2 --config none.toml stats mixed.jsonl
assert_contains "$WORK/tp.err" "none.toml: cannot open the configuration file: No such file or directory"
echo ok

# prepare --fix: the safe fixes change the kept records and are counted in the manifest; without
# --fix the records are written as they are; bad --fix values are usage errors.
source "$(dirname "$0")/common.sh"
{
  printf '%s\n' '{"messages":[{"role":"user","content":"  padded question  "},{"role":"assistant","content":"answer\n"}]}'
  printf '%s\n' '{"messages":[{"role":"user","content":"part one"},{"role":"user","content":"part two"},{"role":"assistant","content":"ok"}]}'
  printf '%s\n' '{"messages":[{"role":"user","content":"q3"},{"role":"assistant","content":"a3"},{"role":"user","content":"thanks"}]}'
  printf '%s\n' '{"messages":[{"role":"user","content":"q4"},{"role":"assistant","content":"a4"}],"id":17}'
  printf '%s\r\n' '{"messages":[{"role":"user","content":"q5"},{"role":"assistant","content":"a5"}]}'
  printf '%s\n' '{"messages":[{"role":"user","content":"q6"},{"role":"assistant","content":"a6"}]}'
  printf '%s\n' '{"prompt":"q7","completion":"a7 <|endoftext|>"}'
  printf '%s\n' '{"instruction":"q8","input":"No input.","output":"a8"}'
} > fixable.jsonl

run_tp 0 prepare fixable.jsonl -o plain --val-ratio 0 -q
assert_contains plain/train.jsonl '"content":"  padded question  "'
assert_contains plain/train.jsonl '{"role":"user","content":"thanks"}'
assert_contains plain/train.jsonl '"content":"a7 <|endoftext|>"'
assert_contains plain/train.jsonl '"content":"q8\n\nNo input."'
[ "$(json_get plain/manifest.json 'd["fixes"]')" = "{}" ] || fail "fixes counted without --fix"

run_tp 0 prepare fixable.jsonl -o fixed --val-ratio 0 --fix safe
assert_contains tp.out "fixed (--fix):"
check_accounting fixed
assert_same_file <(cat <<'JSONL'
{"messages":[{"role":"user","content":"padded question"},{"role":"assistant","content":"answer"}]}
{"messages":[{"role":"user","content":"part one\n\npart two"},{"role":"assistant","content":"ok"}]}
{"messages":[{"role":"user","content":"q3"},{"role":"assistant","content":"a3"}]}
{"messages":[{"role":"user","content":"q4"},{"role":"assistant","content":"a4"}]}
{"messages":[{"role":"user","content":"q5"},{"role":"assistant","content":"a5"}]}
{"messages":[{"role":"user","content":"q6"},{"role":"assistant","content":"a6"}]}
{"messages":[{"role":"user","content":"q7"},{"role":"assistant","content":"a7"}]}
{"messages":[{"role":"user","content":"q8"},{"role":"assistant","content":"a8"}]}
JSONL
) fixed/train.jsonl
python3 - <<'PY'
import json
m = json.load(open("fixed/manifest.json"))
assert m["fixes"] == {"bom-or-crlf": 1, "consecutive-same-role": 1, "last-message-not-assistant": 1,
                      "unknown-key": 1, "whitespace-padding": 1, "special-token-literal": 1,
                      "placeholder-input": 1}, m["fixes"]
assert sorted(m["options"]["fix"]) == ["bom-or-crlf", "consecutive-same-role", "last-message-not-assistant",
                                       "placeholder-input", "special-token-literal", "unknown-key",
                                       "whitespace-padding"], m["options"]["fix"]
PY

# One rule only.
run_tp 0 prepare fixable.jsonl -o pad --val-ratio 0 --fix whitespace-padding -q
assert_contains pad/train.jsonl '"content":"padded question"'
assert_contains pad/train.jsonl '{"role":"user","content":"thanks"}'
[ "$(json_get pad/manifest.json 'd["fixes"]')" = "{'whitespace-padding': 1}" ] || fail "--fix whitespace-padding counts"

# A fix can make two records the same: the later one is then an exact duplicate.
printf '%s\n' '{"messages":[{"role":"user","content":"same"},{"role":"assistant","content":"x"}]}' \
              '{"messages":[{"role":"user","content":" same "},{"role":"assistant","content":"x"}]}' > dup.jsonl
run_tp 0 prepare dup.jsonl -o dup --val-ratio 0 --fix whitespace-padding -q
[ "$(json_get dup/manifest.json 'd["counts"]["duplicates"]')" = 1 ] || fail "fixed copy not deduplicated"

run_tp 2 prepare fixable.jsonl -o bad --fix no-such-rule
assert_contains tp.err "no-such-rule"
run_tp 2 prepare fixable.jsonl -o bad --fix json-syntax
assert_contains tp.err "has no safe fix"

# The shapes real datasets come in: prompt/response aliases (JSON array and JSONL), Alpaca answer
# aliases and empty history, KTO labels (rejected from supervised output, kept by --to kto), key
# mapping by flag and by [map] in tuneprep.toml, the new rules and the ones that now fire.
source "$(dirname "$0")/common.sh"
S="$DATA/shapes"

# Every alias pair is read as one question and its answer; nothing is rejected.
run_tp 0 prepare "$S/prompt-response.json" "$S/question-answer.jsonl" "$S/query-response.jsonl" \
  "$S/input-output.jsonl" "$S/alpaca-aliases.jsonl" -o pairs --val-ratio 0 -q
check_accounting pairs
[ "$(json_get pairs/manifest.json 'd["counts"]["train"]')" = 11 ] || fail "alias shapes not all trained"
assert_contains pairs/train.jsonl '{"messages":[{"role":"user","content":"What is the capital of France?"},{"role":"assistant","content":"Paris."}]}'
assert_contains pairs/train.jsonl '{"messages":[{"role":"user","content":"How many legs does a spider have?"},{"role":"assistant","content":"Eight."}]}'
assert_contains pairs/train.jsonl '{"messages":[{"role":"user","content":"What is 12 times 12?"},{"role":"assistant","content":"144."}]}'
assert_contains pairs/train.jsonl '{"messages":[{"role":"user","content":"Translate '"'"'cat'"'"' into Spanish."},{"role":"assistant","content":"Gato."}]}'
assert_contains pairs/train.jsonl '{"role":"assistant","content":"Fast."}'
assert_contains pairs/train.jsonl '{"role":"assistant","content":"Cold."}'
assert_contains pairs/train.jsonl '{"role":"assistant","content":"god"}'
assert_contains pairs/train.jsonl '{"role":"assistant","content":"tac"}'

# validate agrees: no errors, no unknown keys for the aliases.
run_tp 1 validate "$S/prompt-response.json" "$S/question-answer.jsonl" "$S/alpaca-aliases.jsonl"
assert_contains tp.out "error[too-few-examples]"
if grep -q "unknown-key\|missing-field\|wrong-type" tp.out; then cat tp.out; fail "alias keys reported"; fi
assert_contains tp.out 'warning[placeholder-input]: input "<noinput>" means no input'

# placeholder-input's fix drops the input from the prompt.
run_tp 0 prepare "$S/alpaca-aliases.jsonl" -o fixed --val-ratio 0 --fix placeholder-input -q
assert_contains fixed/train.jsonl '{"role":"user","content":"Name a fruit."}'
[ "$(json_get fixed/manifest.json 'd["fixes"]')" = "{'placeholder-input': 1}" ] || fail "placeholder fix not counted"

# KTO: label false is rejected from supervised output under its own rule, kept by --to kto.
run_tp 0 prepare "$S/kto.jsonl" -o kto-chat --val-ratio 0
check_accounting kto-chat
assert_contains tp.out "kto-undesirable"
[ "$(json_get kto-chat/manifest.json 'd["counts"]["train"]')" = 2 ] || fail "kto positives"
[ "$(json_get kto-chat/manifest.json 'd["counts"]["rejected"]')" = 2 ] || fail "kto negatives"
[ "$(json_get kto-chat/manifest.json 'd["rejections"]')" = "{'kto-undesirable': 2}" ] || fail "kto rejections counted"
assert_contains kto-chat/report.json '"kto-undesirable"'
if grep -q "green\|7\." kto-chat/train.jsonl; then fail "an undesirable answer reached train"; fi
assert_contains kto-chat/rejected.jsonl '"id":"kto-undesirable"'
run_tp 0 prepare "$S/kto.jsonl" -o kto --val-ratio 0 --to kto -q
check_accounting kto
assert_same_file <(cat <<'JSONL'
{"prompt":[{"role":"user","content":"Is the sky blue?"}],"completion":[{"role":"assistant","content":"Yes, on a clear day."}],"label":true}
{"prompt":[{"role":"user","content":"Is the sky blue?"}],"completion":[{"role":"assistant","content":"No, it is green."}],"label":false}
{"prompt":[{"role":"user","content":"What is 2 + 2?"}],"completion":[{"role":"assistant","content":"4."}],"label":true}
{"prompt":[{"role":"user","content":"What is 3 + 3?"}],"completion":[{"role":"assistant","content":"7."}],"label":false}
JSONL
) kto/train.jsonl
run_tp 1 validate "$S/kto.jsonl"
if grep -q 'unknown key "label"' tp.out; then fail "label reported as unknown"; fi

# Key mapping: unknown keys are refused with the keys seen; --map, the column flags and [map] map them.
run_tp 0 prepare "$S/custom-keys.jsonl" -o unmapped --val-ratio 0 -q
[ "$(json_get unmapped/manifest.json 'd["counts"]["train"]')" = 0 ] || fail "unmapped keys trained"
assert_contains unmapped/rejected.jsonl 'keys: ask, reply, persona'
assert_contains unmapped/rejected.jsonl '--map FIELD=KEY'
expected='{"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"What colour is grass?"},{"role":"assistant","content":"Green."}]}'
run_tp 0 prepare "$S/custom-keys.jsonl" -o mapped --val-ratio 0 -q --map prompt=ask --map response=reply --map system=persona
assert_contains mapped/train.jsonl "$expected"
run_tp 0 prepare "$S/custom-keys.jsonl" -o cols --val-ratio 0 -q --prompt-col ask --response-col reply --system-col persona
assert_contains cols/train.jsonl "$expected"
mkdir conf && cat > conf/tuneprep.toml <<'TOML'
[map]
prompt = "ask"
response = "reply"
system = "persona"
TOML
(cd conf && "$TUNEPREP" prepare "$S/custom-keys.jsonl" -o ../toml --val-ratio 0 -q) || fail "[map] run failed"
assert_contains toml/train.jsonl "$expected"
run_tp 1 validate "$S/custom-keys.jsonl" --map prompt=ask --map response=reply --map system=persona
if grep -q "unknown-key" tp.out; then cat tp.out; fail "mapped keys reported as unknown"; fi
run_tp 2 validate "$S/custom-keys.jsonl" --map answer=reply
assert_contains tp.err "unknown field 'answer'"
run_tp 2 validate "$S/custom-keys.jsonl" --map prompt
assert_contains tp.err "expects FIELD=KEY"
printf '[map]\nbogus = "x"\n' > conf/tuneprep.toml
(cd conf && "$TUNEPREP" validate "$S/custom-keys.jsonl" > ../out.txt 2> ../err.txt) && fail "bad [map] accepted" || true
assert_contains err.txt "unknown field map.bogus"

# LLaMA-Factory's tags: turn keys and speaker names, as flags and as [map].
run_tp 0 prepare "$S/tagged-turns.jsonl" -o untagged --val-ratio 0 -q
[ "$(json_get untagged/manifest.json 'd["counts"]["train"]')" = 0 ] || fail "untagged turns trained"
assert_contains untagged/rejected.jsonl 'the message has keys \"speaker\", \"text\"; --map role_tag=KEY'
tags=(--map role_tag=speaker --map content_tag=text --map user_tag=USER --map assistant_tag=BOT
      --map system_tag=SYS --map observation_tag=OBS --map function_tag=CALL)
run_tp 0 prepare "$S/tagged-turns.jsonl" -o tagged --val-ratio 0 -q "${tags[@]}"
[ "$(json_get tagged/manifest.json 'd["counts"]["train"]')" = 2 ] || fail "tagged turns not trained"
assert_contains tagged/train.jsonl '{"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"What colour is the sky?"},{"role":"assistant","content":"Blue."}]}'
assert_contains tagged/train.jsonl '"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather"'
assert_contains tagged/train.jsonl '{"role":"tool","content":"{\"temp_c\": 4}","tool_call_id":"call_1"}'
run_tp 0 validate tagged/train.jsonl --disable too-few-examples
printf '[map]\nrole_tag = "speaker"\ncontent_tag = "text"\nuser_tag = "USER"\nassistant_tag = "BOT"\nsystem_tag = "SYS"\nobservation_tag = "OBS"\nfunction_tag = "CALL"\n' > conf/tuneprep.toml
(cd conf && "$TUNEPREP" prepare "$S/tagged-turns.jsonl" -o ../tagged-toml --val-ratio 0 -q) || fail "[map] tags run failed"
cmp tagged/train.jsonl tagged-toml/train.jsonl || fail "[map] tags differ from --map tags"
run_tp 1 validate "$S/tagged-turns.jsonl" "${tags[@]}"
if grep -q "unknown-key" tp.out; then cat tp.out; fail "mapped turn keys reported as unknown"; fi

# A missing answer names the keys the record has and the flag that fixes it.
printf '%s\n' '{"prompt": "Hi", "reply": "Hello"}' > missing.jsonl
run_tp 1 validate missing.jsonl
assert_contains tp.out 'missing "completion" (record keys: prompt, reply; if another key holds it, map it with --map response=KEY)'

# New content rules, and the listed rules that now fire.
run_tp 1 validate "$S/special-tokens.jsonl" "$S/rules-fire.jsonl"
assert_contains tp.out "warning[special-token-literal]: content contains a special token (<|endoftext|>)"
assert_contains tp.out "warning[unfilled-template]: content contains a template placeholder ({{customer_name}})"
assert_contains tp.out "rules-fire.jsonl:1:"
assert_contains tp.out "error[invalid-weight]: weight must be 0 or 1, not 2"
assert_contains tp.out 'error[dpo-missing-output]: missing "non_preferred_output"'
assert_contains tp.out "error[dpo-output-not-assistant]: the preferred output is a user message"
assert_contains tp.out "warning[truncated-response]: response ends mid-sentence"
run_tp 0 prepare "$S/special-tokens.jsonl" -o tokens --val-ratio 0 --fix special-token-literal -q
assert_contains tokens/train.jsonl '{"role":"assistant","content":"Hello!"}'

# validate prints errors and warnings by default and counts infos; --min-severity chooses.
run_tp 1 validate "$S/rules-fire.jsonl"
if grep -q "info\[" tp.out; then fail "infos printed by default"; fi
assert_contains tp.out "info in 4 records of 1 file ("
assert_contains tp.out "below warning not shown; --min-severity info shows them)"
run_tp 1 validate "$S/rules-fire.jsonl" --min-severity info
assert_contains tp.out "info[missing-system-message]"
run_tp 1 validate "$S/rules-fire.jsonl" --min-severity error
if grep -q "warning\[" tp.out; then fail "warnings printed with --min-severity error"; fi
run_tp 1 validate "$S/rules-fire.jsonl" --output-format json
if grep -q '"severity":"info"' tp.out; then fail "infos in JSON by default"; fi
run_tp 1 validate "$S/rules-fire.jsonl" --output-format json --min-severity info
assert_contains tp.out '"severity":"info"'

# ShareGPT/glaive tools (a JSON string or an array) become OpenAI tools; records that differ only in
# their tools are not duplicates; an observation with no call before it is rejected, never trained.
run_tp 0 prepare "$S/glaive-tools.jsonl" -o tools --val-ratio 0 -q
check_accounting tools
[ "$(json_get tools/manifest.json 'd["counts"]["train"]')" = 2 ] || fail "tool records not both kept"
assert_contains tools/train.jsonl '"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather for a city","parameters":'
assert_contains tools/train.jsonl '"description":"Weather for a city (v2)"'
assert_contains tools/train.jsonl '{"role":"tool","content":"{\"temp\": 18}","tool_call_id":"call_1"}'
assert_contains tools/rejected.jsonl '"id":"tool-message-without-call"'
run_tp 1 validate tools/train.jsonl --min-severity error
assert_contains tp.out "1 error, 0 warnings"
assert_contains tp.out "too-few-examples"

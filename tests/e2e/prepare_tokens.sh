# prepare --model / --encoding / --max-tokens / --truncate: token counts per output in the manifest,
# too-many-tokens rejections, truncation, and an unknown model as a usage error.
source "$(dirname "$0")/common.sh"
python3 - <<'PY' > chat.jsonl
import json
long = " ".join("word%d" % i for i in range(400))
rows = [
    [("user", "Hi"), ("assistant", "Hello!")],
    [("user", "Tell me everything"), ("assistant", long)],                                   # over 200
    [("user", "Q1"), ("assistant", "A1"), ("user", "Q2"), ("assistant", long)],              # truncatable
    [("system", "Be brief."), ("user", "2+2?"), ("assistant", "4")],
]
for r in rows:
    print(json.dumps({"messages": [{"role": a, "content": b} for a, b in r]}))
PY

# Without a model nothing is counted.
run_tp 0 prepare chat.jsonl -o plain --val-ratio 0 -q
[ "$(json_get plain/manifest.json 'd["outputs"][0]["tokens"]')" = None ] || fail "tokens counted without --model"

# With a model: counts equal `tuneprep tokens --chat` summed over the accepted records.
run_tp 0 prepare chat.jsonl -o model --val-ratio 0 --model gpt-4o-mini -q
"$TUNEPREP" tokens --chat --model gpt-4o-mini chat.jsonl > counts.txt
python3 - <<'PY'
import json
m = json.load(open("model/manifest.json"))
assert m["options"]["model"] == "gpt-4o-mini" and m["options"]["encoding"] == "o200k_base", m["options"]
assert m["options"]["max_tokens"] == 65536, m["options"]
assert m["truncated"] == 0
train = m["outputs"][0]
assert train["path"] == "train.jsonl" and train["records"] == 4
PY
total=$(python3 -c "
import json,sys
m=json.load(open('model/manifest.json')); print(m['outputs'][0]['tokens'], m['outputs'][0]['trained_tokens'])")
expected=$(python3 -c "
import json
rows = [json.loads(l) for l in open('counts.txt')]
print(sum(r['total'] for r in rows), sum(r['assistant'] for r in rows))")
[ "$total" = "$expected" ] || fail "manifest tokens $total != tuneprep tokens --chat $expected"

# A limit rejects the long examples with too-many-tokens.
run_tp 0 prepare chat.jsonl -o limited --val-ratio 0 --model gpt-4o-mini --max-tokens 200 -q
[ "$(json_get limited/manifest.json 'd["counts"]["rejected"]')" = 2 ] || fail "expected 2 rejections"
assert_contains limited/rejected.jsonl '"id":"too-many-tokens","severity":"error","message":"'
assert_contains limited/rejected.jsonl 'over the limit of 200 (--max-tokens)"'

# --truncate keeps the first exchange of the multi-turn one; the single-turn one is still rejected.
run_tp 0 prepare chat.jsonl -o cut --val-ratio 0 --encoding cl100k_base --max-tokens 200 --truncate -q
python3 - <<'PY'
import json
m = json.load(open("cut/manifest.json"))
assert m["truncated"] == 1 and m["counts"]["train"] == 3 and m["counts"]["rejected"] == 1, m
assert m["options"]["model"] is None and m["options"]["encoding"] == "cl100k_base" and m["options"]["truncate"] is True
rows = [json.loads(l) for l in open("cut/train.jsonl")]
assert [x["content"] for x in rows[1]["messages"]] == ["Q1", "A1"], rows[1]
PY
assert_contains cut/rejected.jsonl "no shorter prefix ending with a trained assistant turn fits"

# Unknown model: usage error listing the models; a dated snapshot falls back by prefix.
run_tp 2 prepare chat.jsonl -o x --model gpt-9
assert_contains tp.err 'unknown model "gpt-9"; known models: '
assert_contains tp.err "gpt-4o-mini"
run_tp 0 prepare chat.jsonl -o dated --model gpt-4o-mini-2031-01-01 -q
run_tp 2 prepare chat.jsonl -o x --truncate
assert_contains tp.err "--truncate needs a limit: give --model or --max-tokens"

# Compressed inputs, stdin, directories and every input shape reach the same pipeline.
source "$(dirname "$0")/common.sh"
cp "$TUNEPREP_SOURCE_DIR/samples/support-chat.jsonl" chat.jsonl
gzip -k chat.jsonl
run_tp 0 prepare chat.jsonl -o plain -q
run_tp 0 prepare chat.jsonl.gz -o gz -q
# rejected/duplicates lines name their source path, so compare the accepted outputs only
assert_same_file plain/train.jsonl gz/train.jsonl
assert_same_file plain/validation.jsonl gz/validation.jsonl
zstd -q chat.jsonl -o chat.jsonl.zst
run_tp 0 prepare chat.jsonl.zst -o zst -q
assert_same_file plain/train.jsonl zst/train.jsonl
"$TUNEPREP" prepare - -o stdin -q < chat.jsonl || fail "stdin run failed"
assert_same_file plain/train.jsonl stdin/train.jsonl
[ "$(json_get stdin/manifest.json 'd["inputs"][0]["path"]')" = "-" ] || fail "stdin path"

# Every sample shape is recognised: nothing is rejected as unknown-format.
run_tp 0 prepare "$TUNEPREP_SOURCE_DIR/samples" -o all --json
python3 - <<'PY'
import json
m = json.load(open("tp.out"))
assert "unknown-format" not in m["rejections"], m["rejections"]
formats = m["formats"]
for shape in ["openai-chat", "prompt-completion", "alpaca", "sharegpt", "dpo", "csv",
              "preference-prompt", "preference-transcript"]:
    assert formats.get(shape, 0) > 0, (shape, formats)
PY
check_accounting all

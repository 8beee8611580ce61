#!/usr/bin/env bash
# `tuneprep validate` over one fixture in each output format, compared byte for byte with the
# golden files in tests/data/validate (UPDATE_GOLDEN=1 rewrites them; read the diff first).
source "$(dirname "$0")/common.sh"
GOLDEN="$DATA/validate"
mkdir data
cp "$GOLDEN/fixture.jsonl" data/train.jsonl
check() {  # GOLDEN_NAME EXPECTED_EXIT ARGS...
  local name=$1 expected=$2; shift 2
  run_tp "$expected" --color never validate "$@"
  if [ -n "${UPDATE_GOLDEN:-}" ]; then cp "$WORK/tp.out" "$GOLDEN/$name"; fi
  assert_same_file "$GOLDEN/$name" "$WORK/tp.out"
}
check fixture.txt 1 data/train.jsonl
check fixture.json 1 data/train.jsonl --output-format json
check fixture.sarif 1 data/train.jsonl --output-format sarif
check fixture.github 1 data/train.jsonl --output-format github
check fixture-max2.txt 1 data/train.jsonl --max-diagnostics 2
check fixture-fixes.txt 0 data/train.jsonl --show-fixes --disable too-few-examples,json-syntax,invalid-weight

# Every JSON Lines diagnostic has exactly the documented keys; the SARIF log parses and has one
# result per diagnostic.
python3 - "$GOLDEN/fixture.json" "$GOLDEN/fixture.sarif" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
for d in lines:
    assert list(d) == ["path", "line", "column", "rule", "severity", "message", "pointer"], d
sarif = json.load(open(sys.argv[2], encoding="utf-8"))
assert sarif["version"] == "2.1.0"
assert len(sarif["runs"][0]["results"]) == len(lines), (len(sarif["runs"][0]["results"]), len(lines))
PY

# The same output whatever the thread count.
run_tp 1 -j1 validate data/train.jsonl --output-format json
cp "$WORK/tp.out" one.json
run_tp 1 -j2 validate data/train.jsonl --output-format json
assert_same_file one.json "$WORK/tp.out"

# Colour only when asked (tests never run on a TTY).
run_tp 1 --color always validate data/train.jsonl
assert_contains "$WORK/tp.out" $'\033['

#!/usr/bin/env bash
# `tuneprep stats` end to end: golden JSON and Markdown over tests/data/stats/input, the keys
# scripts rely on, -j1 vs -j2 byte-identical, --compare, stdout outputs, exit codes.
# Regenerate the goldens with UPDATE_GOLDEN=1 (and read the diff before committing).
source "$(dirname "$0")/common.sh"

INPUT="$DATA/stats/input"
GOLDEN="$DATA/stats/cli"
# Relative paths in the report, so the golden does not depend on where the repository lives.
cp -r "$INPUT" "$WORK/input"
ARGS=(input --max-tokens 300 --price-per-mtok 2)

run_tp 0 -j 1 stats "${ARGS[@]}" --json j1.json --markdown report.md --html report.html
cp "$WORK/tp.out" terminal.txt
run_tp 0 -j 2 stats "${ARGS[@]}" --json j2.json
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
  mkdir -p "$GOLDEN"
  cp j1.json "$GOLDEN/report.json"
  cp report.md "$GOLDEN/report.md"
  cp terminal.txt "$GOLDEN/terminal.txt"
fi
assert_same_file "$GOLDEN/report.json" j1.json
assert_same_file "$GOLDEN/report.md" report.md
assert_same_file "$GOLDEN/terminal.txt" terminal.txt
assert_same_file j1.json j2.json

# The fixed keys, with values counted by hand from the fixture: 15 records (13 + 2), 4 rejected
# (truncated JSON, no assistant turn, identical DPO outputs, and the Lisbon answer over 300 tokens,
# as validate and prepare reject it), 1 exact duplicate, 1 conflict (same question about France,
# a different answer).
[ "$(json_get j1.json 'd["records"]')" = 15 ] || fail "records"
[ "$(json_get j1.json 'd["valid"]')" = 11 ] || fail "valid"
[ "$(json_get j1.json 'd["rejected"]')" = 4 ] || fail "rejected"
[ "$(json_get j1.json 'd["examples"]')" = 10 ] || fail "examples"
[ "$(json_get j1.json 'd["examples_over_limit"]')" = 1 ] || fail "examples_over_limit"
[ "$(json_get j1.json 'd["duplicates"]["exact"]')" = 1 ] || fail "exact duplicates"
[ "$(json_get j1.json 'd["duplicates"]["conflicts"]')" = 1 ] || fail "conflicts"
[ "$(json_get j1.json 'd["quality"]["refusals"]')" = 1 ] || fail "refusals"
[ "$(json_get j1.json '[w["rule"] for w in d["warnings"] if w["rule"] == "pii-email"]')" = "['pii-email']" ] ||
  fail "pii-email warning"
[ "$(json_get j1.json 'sorted(r["rule"] for r in d["rejections"])')" = \
  "['dpo-identical-outputs', 'json-syntax', 'no-assistant-message', 'too-many-tokens']" ] || fail "rejections"
[ "$(json_get j1.json 'd["tokens"]["encoding"]')" = o200k_base ] || fail "default encoding"
python3 - j1.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["tokens"]
assert t["total"] == t["prompt_total"] + t["assistant_total"], t
e = d["estimate"]
assert e["model"] == "gpt-4o-mini", e
assert e["total_training_tokens"] == e["billable_tokens_per_epoch"] * e["epochs"], e
# The example over the limit is rejected, so every measured example is billed in full.
assert t["per_example"]["max"] <= 300, t
assert t["total"] == e["billable_tokens_per_epoch"], (t, e)
assert abs(e["cost_usd"] - e["total_training_tokens"] / 1e6 * 2) < 0.005, e
PY

# --model picks the encoding and limit; --encoding overrides the encoding.
run_tp 0 stats input --model gpt-3.5-turbo --json m.json
[ "$(json_get m.json 'd["tokens"]["encoding"]')" = cl100k_base ] || fail "gpt-3.5-turbo encoding"
run_tp 0 stats input --model gpt-3.5-turbo --encoding o200k_base --json m.json
[ "$(json_get m.json 'd["tokens"]["encoding"]')" = o200k_base ] || fail "--encoding override"

# --dedup none counts the duplicate as an example; --dedup near finds the exact one too.
run_tp 0 stats input --dedup none --json none.json
[ "$(json_get none.json 'd["examples"]')" = 12 ] || fail "--dedup none examples"
run_tp 0 stats input --dedup near --json near.json
[ "$(json_get near.json 'd["duplicates"]["exact"] + d["duplicates"]["near"]')" -ge 1 ] || fail "--dedup near"

# --json - writes the JSON alone on stdout (no terminal report mixed in).
run_tp 0 stats input --json -
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/tp.out" || fail "--json - is not JSON"

# --compare: side by side, with the second dataset's figures.
run_tp 0 stats input/travel.jsonl --compare input/pairs.jsonl --json cmp.json --markdown cmp.md
[ "$(json_get cmp.json 'd["schema"]')" = tuneprep.stats.compare/1 ] || fail "compare schema"
[ "$(json_get cmp.json '[d["a"]["records"], d["b"]["records"]]')" = "[13, 2]" ] || fail "compare records"
assert_contains cmp.md "input/travel.jsonl"
assert_contains cmp.md "input/pairs.jsonl"
assert_contains "$WORK/tp.out" "tuneprep stats --compare"

# Usage and I/O errors exit 2.
run_tp 2 stats missing.jsonl
assert_contains "$WORK/tp.err" "missing.jsonl"
run_tp 2 stats input --model no-such-model
assert_contains "$WORK/tp.err" 'unknown model "no-such-model"'
run_tp 2 stats input --json - --markdown -
run_tp 2 stats input --json no-such-dir/r.json
echo "ok"

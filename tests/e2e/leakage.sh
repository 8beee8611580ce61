# `tuneprep leakage TRAIN VALIDATION`: text and JSON reports, exit codes, any input shape.
source "$(dirname "$0")/common.sh"
long() { python3 -c "import sys; print(' '.join('$1%d' % i for i in range(120)))"; }
a=$(long alpha); b=$(long beta); c=$(long gamma)
b_edit=${b/beta60/edited}
cat > train.jsonl <<EOF2
{"messages":[{"role":"user","content":"one"},{"role":"assistant","content":"$a"}]}
{"messages":[{"role":"user","content":"two"},{"role":"assistant","content":"$b"}]}
EOF2
# Validation in another shape (CSV): row 1 (line 2) is an exact copy of train line 1, row 2 new,
# row 3 a near copy of train line 2.
cat > validation.csv <<EOF2
prompt,response
one,$a
three,$c
two,$b_edit
EOF2

run_tp 1 leakage train.jsonl validation.csv --json
similarity=$(json_get tp.out '"%.2f" % d["pairs"][1]["similarity"]')
run_tp 1 leakage train.jsonl validation.csv
printf '%s\n' "validation.csv:2: exact copy of train.jsonl:1" \
  "validation.csv:4: near copy of train.jsonl:2 (similarity $similarity)" > expected.txt
assert_same_file expected.txt tp.out
assert_contains tp.err "2 of 3 validation records found in 2 training records (1 exact, 1 near at Jaccard >= 0.8)"

run_tp 1 leakage train.jsonl validation.csv --json
python3 - <<'PY'
import json
r = json.load(open("tp.out"))
assert r["train_records"] == 2 and r["validation_records"] == 3, r
assert r["exact"] == 1 and r["near"] == 1, r
p = r["pairs"]
assert p[0] == {"validation": {"path": "validation.csv", "line": 2}, "train": {"path": "train.jsonl", "line": 1},
                "kind": "exact", "similarity": 1.0}, p[0]
assert p[1]["kind"] == "near" and p[1]["train"]["line"] == 2 and p[1]["validation"]["line"] == 4, p[1]
assert 0.8 <= p[1]["similarity"] < 1.0, p[1]
PY

# --exact-only and a stricter threshold drop the near pair.
run_tp 1 leakage train.jsonl validation.csv --exact-only
[ "$(wc -l < tp.out)" = 1 ] || fail "--exact-only listed near pairs"
run_tp 1 leakage train.jsonl validation.csv --near-threshold 0.99 --json
[ "$(json_get tp.out 'd["near"]')" = 0 ] || fail "--near-threshold 0.99 still found the near pair"

# Clean split: exit 0; stdin works for one side.
printf '%s\n' "{\"prompt\":\"three\",\"completion\":\"$c\"}" > clean.jsonl
run_tp 0 leakage train.jsonl - < clean.jsonl
[ ! -s tp.out ] || fail "clean split printed pairs"

# Usage and I/O errors: exit 2.
run_tp 2 leakage train.jsonl missing.jsonl
run_tp 2 leakage train.jsonl
run_tp 2 leakage - -
assert_contains tp.err "cannot both be standard input"

# Records of another shape read with --format have no messages: they are compared by their raw
# text (each matches only itself), not as one empty example that matches everything.
printf '%s\n' '{"prompt":"a","completion":"b"}' '{"prompt":"c","completion":"d"}' > pc.jsonl
printf '%s\n' '{"prompt":"c","completion":"d"}' > pc-val.jsonl
run_tp 1 leakage --format openai-chat --exact-only pc.jsonl pc-val.jsonl
assert_contains tp.out "pc-val.jsonl:1: exact copy of pc.jsonl:2"
[ "$(wc -l < tp.out)" = 1 ] || fail "records without messages all matched each other"

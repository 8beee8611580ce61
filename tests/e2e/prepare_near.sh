# prepare --dedup near: planted near copies go to duplicates.jsonl (kind near), never straddle the
# split, leakage is 0 and `tuneprep leakage` agrees on the outputs; --max-memory stops the run early.
source "$(dirname "$0")/common.sh"
python3 "$TUNEPREP_SOURCE_DIR/bench/gen_chat.py" --records 6000 --seed 8 --dirty --near 0.1 > near.jsonl

run_tp 0 prepare near.jsonl -o exact -q
run_tp 0 prepare near.jsonl -o near --dedup near -q
check_accounting near
python3 - <<'PY'
import json
e = json.load(open("exact/manifest.json")); n = json.load(open("near/manifest.json"))
assert n["options"]["dedup"] == "near" and n["options"]["near"] == {"threshold": 0.8, "shingle": 5, "num_perm": 128}, n["options"]
assert n["duplicates"]["exact"] == e["duplicates"]["exact"], (n["duplicates"], e["duplicates"])
# gen_chat --near 0.1 plants ~600 copies with one word changed; nearly all must be found.
assert 500 <= n["duplicates"]["near"] <= 620, n["duplicates"]
assert n["counts"]["duplicates"] == n["duplicates"]["exact"] + n["duplicates"]["near"]
assert n["leakage"] == {"exact": 0, "near": 0}, n["leakage"]
assert e["leakage"]["near"] is None
kinds = {"exact": 0, "near": 0}
for line in open("near/duplicates.jsonl"):
    d = json.loads(line)
    kinds[d["kind"]] += 1
    if d["kind"] == "near":
        assert 0.8 <= d["similarity"] <= 1.0, d
        assert d["duplicate_of"]["line"] < d["source"]["line"], d
assert kinds == n["duplicates"], (kinds, n["duplicates"])
PY

# An independent check of the outputs finds no copy of a train example in validation.
run_tp 0 leakage near/train.jsonl near/validation.jsonl
assert_contains tp.err "0 of"
# Without near dedup, near copies do straddle the split, and the leakage command sees them.
run_tp 1 leakage exact/train.jsonl exact/validation.jsonl
assert_contains tp.out "near copy of exact/train.jsonl:"

# --dedup-on response compares only the answers: the same planted copies differ there too.
run_tp 0 prepare near.jsonl -o response --dedup near --dedup-on response -q
[ "$(json_get response/manifest.json 'd["options"]["dedup_on"]')" = response ] || fail "dedup_on not recorded"
check_accounting response

# A budget too small for the projected index stops before replacing anything (exit 2).
run_tp 2 prepare near.jsonl -o near --dedup near --max-memory 1M -q
assert_contains tp.err "over --max-memory 1.0 MiB; raise --max-memory or use --dedup exact"
[ "$(json_get near/manifest.json 'd["options"]["dedup"]')" = near ] || fail "failed run replaced the manifest"
run_tp 2 prepare near.jsonl -o bad --dedup near --max-memory 12Q
assert_contains tp.err "--max-memory 12Q: expected bytes"

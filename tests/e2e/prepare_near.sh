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

# leakage.near is measured after the split (an exact join), not 0 by construction: near copies
# with another prompt (so not one same-prompt group) that the LSH misses are counted.
python3 - <<'PY'
import json, random
random.seed(5)
words = [f"w{i}" for i in range(5000)]
recs = []
for i in range(3000):
    recs.append((" ".join(random.choice(words) for _ in range(12)),
                 " ".join(random.choice(words) for _ in range(random.randint(30, 60)))))
out = list(recs)
for k in range(600):
    q, a = random.choice(recs)
    qw = q.split(); qw[-1] = "x%d" % random.randrange(10**6)
    out.append((" ".join(qw), a))
random.shuffle(out)
with open("planted.jsonl", "w") as f:
    for q, a in out:
        f.write(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}) + "\n")
PY
run_tp 0 prepare planted.jsonl -o planted --dedup near --num-perm 8 --val-ratio 0.2
check_accounting planted
leaked=$(json_get planted/manifest.json 'd["leakage"]["near"]')
[ "$leaked" -gt 0 ] || fail "no near leakage measured with a weak LSH (num-perm 8)"
assert_contains tp.err "validation examples are near copies"
# The same count whatever -j.
"$TUNEPREP" -j 1 prepare planted.jsonl -o planted1 --dedup near --num-perm 8 --val-ratio 0.2 -q
[ "$(json_get planted1/manifest.json 'd["leakage"]["near"]')" = "$leaked" ] || fail "near leakage differs with -j 1"
# Cross-check with an independent exact count over the written files (same folding for ASCII words).
python3 - "$leaked" <<'PY'
import json, sys
def text(line):
    d = json.loads(line)
    return " ".join(m["content"] for m in d["messages"]).lower().split()
def shingles(words, n=5):
    return {" ".join(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}
train = [shingles(text(l)) for l in open("planted/train.jsonl")]
index = {}
for t, s in enumerate(train):
    for g in s:
        index.setdefault(g, []).append(t)
leaked = 0
for line in open("planted/validation.jsonl"):
    v = shingles(text(line))
    counts = {}
    for g in v:
        for t in index.get(g, ()):
            counts[t] = counts.get(t, 0) + 1
    if any(c / (len(v) + len(train[t]) - c) >= 0.8 for t, c in counts.items()):
        leaked += 1
assert leaked == int(sys.argv[1]), (leaked, sys.argv[1])
PY

# One answer, from the command line: over the same inputs and options, `prepare`, `validate` and
# `stats` agree on records, rejections per rule, duplicates and conflicts; `tokens --chat` and
# `stats` over what prepare wrote agree with its manifest and report.json; and what prepare
# writes passes validate with zero errors (tests/one_answer_test.cpp
# checks the same through the library, on more inputs).
source "$(dirname "$0")/common.sh"

check_inputs() {  # NAME INPUT...
  local name=$1; shift
  run_tp 0 prepare "$@" -o "$name" --model gpt-4o-mini --findings -q
  check_accounting "$name"
  "$TUNEPREP" validate "$@" --model gpt-4o-mini --output-format json > "$name.validate.jsonl" || true
  run_tp 0 stats "$@" --model gpt-4o-mini --json "$name.stats.json"
  # tokens --chat over what prepare kept: the sum of both halves of each example.
  local kept=("$name/train.jsonl")
  [ -f "$name/validation.jsonl" ] && kept+=("$name/validation.jsonl")
  run_tp 0 tokens --chat --model gpt-4o-mini "${kept[@]}"
  cp "$WORK/tp.out" "$name.tokens.jsonl"
  run_tp 0 stats "${kept[@]}" --model gpt-4o-mini --json "$name.written.json"
  python3 - "$name" <<'PY' || fail "$name: the commands disagree"
import collections, json, sys
name = sys.argv[1]
manifest = json.load(open(f"{name}/manifest.json"))
report = json.load(open(f"{name}/report.json"))
stats = json.load(open(f"{name}.stats.json"))
diagnostics = [json.loads(line) for line in open(f"{name}.validate.jsonl")]
tokens = [json.loads(line) for line in open(f"{name}.tokens.jsonl")]

problems = []
def same(what, *values):
    if any(v != values[0] for v in values):
        problems.append(f"{what}: {values}")

same("records", manifest["counts"]["records_in"], stats["records"], report["records"])
same("formats", manifest["formats"], stats["formats"], report["formats"])
same("rejected", manifest["counts"]["rejected"], stats["rejected"], report["rejected"])
same("rejections per rule", manifest["rejections"],
     {r["rule"]: r["records"] for r in stats["rejections"]},
     {r["rule"]: r["records"] for r in report["rejections"]})
same("exact duplicates", manifest["duplicates"]["exact"], stats["duplicates"]["exact"],
     sum(1 for d in diagnostics if d["rule"] == "duplicate-example"))
same("conflicts", stats["duplicates"]["conflicts"], report["duplicates"]["conflicts"],
     sum(1 for d in diagnostics if d["rule"] == "conflicting-answers"))
same("warnings", {w["rule"]: w["records"] for w in stats["warnings"]},
     {w["rule"]: w["records"] for w in report["warnings"]})
kept_tokens = sum(o["tokens"] for o in manifest["outputs"] if o["tokens"] is not None)
chat_tokens = sum(t["total"] + t.get("non_preferred_total", 0) for t in tokens)
same("tokens", kept_tokens, chat_tokens, report["tokens"]["total"])
written = json.load(open(f"{name}.written.json"))
same("stats over the output", written["records"], written["examples"], report["examples"])
same("tokens of the output", written["tokens"]["total"], kept_tokens)
same("tokens --chat lines", len(tokens), manifest["counts"]["train"] + manifest["counts"]["validation"])
same("unreadable by tokens --chat", [t for t in tokens if "error" in t], [])
if problems:
    print("\n".join(problems))
    sys.exit(1)
PY
  # What prepare wrote passes validate with zero errors.
  run_tp 0 validate "${kept[@]}" --model gpt-4o-mini --disable too-few-examples
}

check_inputs samples "$TUNEPREP_SOURCE_DIR/samples"
check_inputs public "$DATA/public"
check_inputs fixture "$DATA/stats/input"
check_inputs shapes "$DATA/shapes"

# The bad-input corpus, every file prepare reads to the end (some are file-level errors, exit 2:
# those stop a run by design and have their own tests): the same agreement, and what prepare
# writes from broken input still passes validate.
mkdir -p "$WORK/bad-records"
for file in "$DATA"/bad/*; do
  case "$file" in *.expected|*.args|*.py) continue ;; esac
  "$TUNEPREP" prepare "$file" -o "$WORK/probe" -q >/dev/null 2>&1 && cp "$file" "$WORK/bad-records/"
  rm -rf "$WORK/probe"
done
[ "$(ls "$WORK/bad-records" | wc -l)" -ge 40 ] || fail "too few bad-corpus files prepare reads: $(ls "$WORK/bad-records" | wc -l)"
check_inputs bad "$WORK/bad-records"

# prepare writes report.json always (figures that agree with the manifest), report.html and
# report.md with --report html,md, and removes stale ones; the report is the same for any -j.
source "$(dirname "$0")/common.sh"
python3 "$TUNEPREP_SOURCE_DIR/bench/gen_chat.py" --records 3000 --seed 9 --dirty > chat.jsonl

run_tp 0 prepare chat.jsonl -o out --model gpt-4o-mini -q
[ -f out/report.json ] || fail "report.json missing"
[ ! -e out/report.html ] && [ ! -e out/report.md ] || fail "html/md written without --report"
check_accounting out
python3 - <<'PY'
import hashlib, json
m = json.load(open("out/manifest.json"))
r = json.load(open("out/report.json"))
c = m["counts"]
assert r["schema"] == "tuneprep.stats/1"
assert r["records"] == c["records_in"], (r["records"], c)
assert r["rejected"] == c["rejected"], (r["rejected"], c)
assert r["valid"] == c["records_in"] - c["rejected"]
assert r["examples"] == c["train"] + c["validation"], (r["examples"], c)
assert r["validation_examples"] == c["validation"]
assert r["duplicates"]["exact"] == m["duplicates"]["exact"]
rejections = {x["rule"]: x["records"] for x in r["rejections"]}
assert rejections == m["rejections"], (rejections, m["rejections"])
outs = {o["path"]: o for o in m["outputs"]}
assert r["tokens"]["total"] == outs["train.jsonl"]["tokens"] + outs["validation.jsonl"]["tokens"]
assert r["tokens"]["assistant_total"] == outs["train.jsonl"]["trained_tokens"] + outs["validation.jsonl"]["trained_tokens"]
e = r["estimate"]
assert e["model"] == "gpt-4o-mini" and e["examples"] == c["train"], e
assert e["billable_tokens_per_epoch"] <= outs["train.jsonl"]["tokens"]
assert any("validation set holds" in a for a in e["advice"]), e["advice"]
reports = {x["path"]: x for x in m["reports"]}
assert list(reports) == ["report.json"], reports
data = open("out/report.json", "rb").read()
assert reports["report.json"]["sha256"] == hashlib.sha256(data).hexdigest()
assert reports["report.json"]["bytes"] == len(data)
assert m["options"]["report"] == ["json"]
PY

# The same report with one thread.
run_tp 0 -j 1 prepare chat.jsonl -o out1 --model gpt-4o-mini -q
assert_same_file out/report.json out1/report.json

# --report html,md; a later run without it removes them.
run_tp 0 prepare chat.jsonl -o out --model gpt-4o-mini --report html,md
assert_contains tp.out "out/report.json"
assert_contains tp.out "out/report.html"
[ -s out/report.md ] || fail "report.md missing"
assert_contains out/report.html "<svg"
assert_contains out/report.md "| Examples measured |"
examples=$(json_get out/report.json 'd["examples"]')
assert_contains out/report.md "$(python3 -c "print(f'{int(\"$examples\"):,}')")"
python3 - <<'PY'
import json
m = json.load(open("out/manifest.json"))
assert [x["path"] for x in m["reports"]] == ["report.json", "report.html", "report.md"], m["reports"]
assert m["options"]["report"] == ["json", "html", "md"]
PY
run_tp 0 prepare chat.jsonl -o out -q
[ ! -e out/report.html ] && [ ! -e out/report.md ] || fail "stale report.html/md kept"
# Without a tokenizer the report has no token figures.
[ "$(json_get out/report.json 'd["tokens"]["total"]')" = None ] || fail "tokens without --model"
run_tp 2 prepare chat.jsonl -o bad --report pdf
assert_contains tp.err "--report"

# --conflicts first: the rejected conflicting answers are in the report's rejections.
printf '%s\n' \
  '{"messages":[{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris."}]}' \
  '{"messages":[{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Lyon."}]}' \
  '{"messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}]}' > conflicts.jsonl
run_tp 0 prepare conflicts.jsonl -o conf --conflicts first --val-ratio 0 -q
python3 - <<'PY'
import json
r = json.load(open("conf/report.json"))
assert r["records"] == 3 and r["rejected"] == 1 and r["examples"] == 2, r
assert r["rejections"] == [{"rule": "conflicting-answers", "records": 1}], r["rejections"]
PY
run_tp 0 prepare conflicts.jsonl -o keep --val-ratio 0 -q
[ "$(json_get keep/report.json 'd["duplicates"]["conflicts"]')" = 1 ] || fail "conflict not counted with --conflicts keep"

# The content rules run only with --findings; they are reported, never rejected on.
printf '%s\n' '{"messages":[{"role":"user","content":"Mail me at jane.doe@acme-mail.de"},{"role":"assistant","content":"Done."}]}' \
  '{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}' > pii.jsonl
run_tp 0 prepare pii.jsonl -o pii --val-ratio 0 -q
[ "$(json_get pii/report.json '(d["warnings_checked"], d["warnings"])')" = "(False, [])" ] || fail "findings without --findings"
run_tp 0 prepare pii.jsonl -o pii --val-ratio 0 --findings -q
[ "$(json_get pii/report.json '(d["warnings_checked"], d["warnings"], d["examples"])')" = \
  "(True, [{'rule': 'pii-email', 'records': 1}], 2)" ] || fail "--findings: $(cat pii/report.json | head -c 600)"

# tuneprep.toml's [rules] applies to the findings: a disabled rule is not reported.
printf '[rules]\ndisable = ["pii-email"]\n' > tuneprep.toml
run_tp 0 prepare pii.jsonl -o pii2 --val-ratio 0 --findings -q
[ "$(json_get pii2/report.json 'd["warnings"]')" = "[]" ] || fail "tuneprep.toml not applied to --findings"
printf '[rules]\ndisable = ["no-such-rule"]\n' > tuneprep.toml
run_tp 2 prepare pii.jsonl -o pii3 -q
rm tuneprep.toml

# prepare --timings: the seconds and records of every stage on stderr, in pipeline order, and the
# same stages under "stages" in the --json summary; without it, neither.
source "$(dirname "$0")/common.sh"
printf '%s\n' '{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}' \
  '{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}' 'not json' \
  '{"messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}]}' > in.jsonl

run_tp 0 prepare in.jsonl -o out --timings -q
[ "$(awk '{print $1}' tp.err | tr '\n' ' ')" = "stage read analyse reject exact near conflicts split report write commit total " ] ||
  { cat tp.err; fail "stage names or order"; }
[ "$(awk '$1 == "analyse" {print $3}' tp.err)" = 4 ] || fail "analyse saw every record"
[ "$(awk '$1 == "exact" {print $3}' tp.err)" = 3 ] || fail "the broken line stopped at reject"
[ "$(awk '$1 == "near" {print $3}' tp.err)" = - ] || fail "near ran without --dedup near"
[ "$(awk '$1 == "write" {print $3}' tp.err)" = 4 ] || fail "every record is written somewhere"
[ ! -s tp.out ] || fail "-q --timings printed on stdout"

run_tp 0 prepare in.jsonl -o out2 --timings --json -q
python3 - tp.out <<'PY' || fail "--json stages"
import json, sys
d = json.load(open(sys.argv[1]))
names = [s["name"] for s in d["stages"]]
assert names == ["read", "analyse", "reject", "exact", "near", "conflicts", "split", "report", "write", "commit"], names
assert all(s["seconds"] >= 0 for s in d["stages"]), d["stages"]
assert {s["name"]: s["records"] for s in d["stages"]}["split"] == 2, d["stages"]
PY

run_tp 0 prepare in.jsonl -o out3 --json -q
[ ! -s tp.err ] || fail "stderr without --timings"
[ "$(json_get tp.out '"stages" in d')" = False ] || fail "stages without --timings"
echo ok

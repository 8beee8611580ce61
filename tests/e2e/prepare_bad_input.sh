# Bad input gets a clear message with its path (and line), never a crash or a hang; data problems
# are rejections (exit 0), usage and I/O problems exit 2 and replace nothing.
source "$(dirname "$0")/common.sh"

good='{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}'

# rejected_rule DIR LINE RULE: the rejected record from LINE carries RULE.
rejected_rule() {
  python3 - "$@" <<'PY'
import json, sys
d, line, rule = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for row in open(d + "/rejected.jsonl", encoding="utf-8"):
    r = json.loads(row)
    if r["source"]["line"] == line:
        ids = [x["id"] for x in r["rules"]]
        assert rule in ids, (line, ids)
        break
else:
    raise SystemExit(f"no rejected record from line {line}")
PY
}

# Missing file: exit 2, message names it.
run_tp 2 prepare nope.jsonl -o out
assert_contains tp.err "nope.jsonl"

# Empty file: no records, a warning, exit 0, accounting holds.
: > empty.jsonl
run_tp 0 prepare empty.jsonl -o out-empty
assert_contains tp.err "empty.jsonl: no records"
check_accounting out-empty

# Directory without data files.
mkdir -p nodata && echo hello > nodata/readme.txt
run_tp 2 prepare nodata -o out
assert_contains tp.err "nodata"

# Truncated JSON, invalid UTF-8, NUL bytes, a non-object, deep nesting: each one rejected record.
{
  echo "$good"
  echo '{"messages":[{"role":"user","content":"Hi"'
  printf '{"messages":[{"role":"user","content":"caf\xe9"},{"role":"assistant","content":"ok"}]}\n'
  printf '{"messages":[{"role":"user","content":"a\0b"},{"role":"assistant","content":"ok"}]}\n'
  echo '[1,2,3]'
  python3 -c 'print("[" * 100000 + "]" * 100000)'
  echo '{"messages":"not a list"}'
} > bad.jsonl
run_tp 0 prepare bad.jsonl -o out-bad
check_accounting out-bad
[ "$(json_get out-bad/manifest.json 'd["counts"]["rejected"]')" = 6 ] || fail "expected 6 rejections"
rejected_rule out-bad 2 json-syntax
rejected_rule out-bad 3 invalid-utf8
rejected_rule out-bad 4 json-syntax
rejected_rule out-bad 5 not-an-object
rejected_rule out-bad 6 json-too-deep
rejected_rule out-bad 7 wrong-type

# --strict turns rejections into exit 1.
run_tp 1 prepare bad.jsonl -o out-strict --strict

# A 200 MB single line is rejected without holding it in memory.
python3 -c '
import sys
sys.stdout.write("{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x" * (200 * 1024 * 1024) + "\"}]}\n")
' > huge.jsonl
echo "$good" >> huge.jsonl
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "$TUNEPREP" prepare huge.jsonl -o out-huge -q 2> time.txt || fail "huge line run failed"
  rss_kb=$(awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}' time.txt)
  # ASan builds carry a large shadow-memory overhead; only check the bound on a plain build.
  if [ -z "${ASAN_OPTIONS:-}" ] && [ "$rss_kb" -gt 200000 ]; then fail "peak RSS ${rss_kb} kB for a 200 MB line"; fi
else
  run_tp 0 prepare huge.jsonl -o out-huge -q
fi
rejected_rule out-huge 1 record-too-large
[ "$(json_get out-huge/manifest.json 'd["counts"]["train"] + d["counts"]["validation"]')" = 1 ] || fail "good line lost"

# CSV without a usable answer column: exit 2 with the header named; with a mapping it works.
printf 'question,reply\nHi,Hello\n' > faq.csv
run_tp 2 prepare faq.csv -o out
assert_contains tp.err "faq.csv"
run_tp 0 prepare faq.csv --response-col reply -o out-csv
check_accounting out-csv

# CSV with an unterminated quote: the broken row is rejected, the rest kept.
printf 'prompt,response\nHi,Hello\n"Bye,"See you\n' > broken.csv
run_tp 0 prepare broken.csv -o out-broken
[ "$(json_get out-broken/manifest.json 'd["counts"]["rejected"]')" = 1 ] || fail "unterminated quote not rejected"

# -o pointing at an input file, or at a directory holding an input named like an output.
echo "$good" > data.jsonl
run_tp 2 prepare data.jsonl -o data.jsonl
assert_contains tp.err "data.jsonl"
mkdir -p same && echo "$good" > same/train.jsonl
run_tp 2 prepare same/train.jsonl -o same
cmp -s same/train.jsonl <(echo "$good") || fail "an input was modified"

# A failed run leaves an earlier output set untouched.
run_tp 0 prepare data.jsonl -o keep -q
cp keep/manifest.json manifest.before
run_tp 2 prepare data.jsonl missing.jsonl -o keep
assert_same_file manifest.before keep/manifest.json
[ -z "$(ls -A keep | grep tmp || true)" ] || fail "temporary files left behind"

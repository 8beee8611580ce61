#!/usr/bin/env bash
# The GitHub action (action.yml) run locally by tests/e2e/run_action.py against a sample repository:
# its shell steps with the binary already in place (as on a cache hit), the annotations it prints,
# the SARIF log it uploads (held to tests/sarif_schema_test.cpp's schema check), its outputs and
# its verdict.
source "$(dirname "$0")/common.sh"
python3 -c 'import yaml' 2>/dev/null || fail "python3-yaml is missing (scripts/deps installs it)"
: "${TUNEPREP_TESTS:?set TUNEPREP_TESTS to the tuneprep_tests binary}"
GOLDEN="$TUNEPREP_SOURCE_DIR/tests/data/validate"
ACTION="$TUNEPREP_SOURCE_DIR/action.yml"

mkdir -p repo/data
cp "$GOLDEN/fixture.jsonl" repo/data/train.jsonl
# What the cache restores into RUNNER_TEMP: the build step then only adds the binary to PATH.
for temp in temp temp2 temp3; do
  mkdir -p $temp/tuneprep/bin
  cp "$TUNEPREP" $temp/tuneprep/bin/tuneprep
done

status=0
python3 "$TUNEPREP_SOURCE_DIR/tests/e2e/run_action.py" "$ACTION" --workspace repo --runner-temp temp \
  --summary summary.json --input files=data >run.log 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat run.log; fail "the action exited $status, expected 1 (errors in the sample)"; }

python3 - summary.json <<'PY'
import json, sys
steps = {s["id"]: s for s in json.load(open(sys.argv[1]))}
assert [s for s in steps] == ["key", "cache", "deps", "build", "validate", "sarif", "upload", "verdict"], list(steps)
assert steps["key"]["outputs"]["key"].startswith("tuneprep-"), steps["key"]
assert steps["cache"]["uses"].startswith("actions/cache@"), steps["cache"]
assert steps["cache"]["with"]["path"] == steps["key"]["outputs"]["prefix"], steps["cache"]
for step in ("key", "deps", "build", "validate", "sarif"):
    assert steps[step]["status"] == "passed", steps[step]
assert steps["validate"]["outputs"]["exit-code"] == "1", steps["validate"]
assert steps["upload"]["uses"].startswith("github/codeql-action/upload-sarif@"), steps["upload"]
assert steps["upload"]["with"]["sarif_file"] == "tuneprep.sarif", steps["upload"]
assert steps["verdict"]["status"] == "failed" and steps["verdict"]["exit_code"] == 1, steps["verdict"]
PY
grep -q "^tuneprep .* (commit " temp/stdout-build || fail "the build step did not run the binary: $(cat temp/stdout-build)"
# The annotations are validate's github format, paths relative to the repository root.
assert_same_file "$GOLDEN/fixture.github" temp/stdout-validate
grep -q "^::error title=tuneprep::validate found problems" temp/stdout-verdict || fail "no verdict annotation"

# The SARIF log: the schema check of the unit tests, then its results against the annotations.
sarif=repo/tuneprep.sarif
[ -s "$sarif" ] || fail "no SARIF log"
TUNEPREP_SARIF_FILE="$WORK/$sarif" "$TUNEPREP_TESTS" "[sarif-file]" >schema.log 2>&1 ||
  { cat schema.log; fail "the SARIF log fails the schema check"; }
grep -q "1 test case" schema.log || grep -q "All tests passed" schema.log || fail "the schema check did not run: $(cat schema.log)"
python3 - "$sarif" "$GOLDEN/fixture.github" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
results = log["runs"][0]["results"]
annotations = [l for l in open(sys.argv[2]) if l.startswith("::")]
assert len(results) == len(annotations), (len(results), len(annotations))
uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in results for loc in r.get("locations", [])}
assert uris == {"data/train.jsonl"}, uris   # relative: code scanning resolves them in the checkout
PY

# fail-on-findings false, no upload, another SARIF path and more options: the action passes.
status=0
python3 "$TUNEPREP_SOURCE_DIR/tests/e2e/run_action.py" "$ACTION" --workspace repo --runner-temp temp2 \
  --summary summary2.json --input files="data/train.jsonl" --input args="--min-severity error --max-diagnostics 2" \
  --input sarif-file=out.sarif --input upload-sarif=false --input fail-on-findings=false >run2.log 2>&1 || status=$?
[ "$status" -eq 0 ] || { cat run2.log; fail "the action exited $status with fail-on-findings false"; }
python3 - summary2.json <<'PY'
import json, sys
steps = {s["id"]: s for s in json.load(open(sys.argv[1]))}
assert steps["upload"]["status"] == "skipped" and steps["verdict"]["status"] == "skipped", steps
assert steps["sarif"]["outputs"]["sarif-file"] == "out.sarif", steps["sarif"]
PY
[ "$(grep -c '^::' temp2/stdout-validate)" -eq 2 ] || fail "--max-diagnostics 2 in args was not applied: $(cat temp2/stdout-validate)"
[ -s repo/out.sarif ] || fail "no out.sarif"

# A usage error (a missing input) fails the action at the validate step, with exit 2.
status=0
python3 "$TUNEPREP_SOURCE_DIR/tests/e2e/run_action.py" "$ACTION" --workspace repo --runner-temp temp3 \
  --summary summary3.json --input files=no-such-dir >run3.log 2>&1 || status=$?
[ "$status" -eq 2 ] || { cat run3.log; fail "a missing input: the action exited $status, expected 2"; }
echo "ok: action steps, annotations and SARIF"

# Shared helpers for the end-to-end tests (sourced, not run). Each test runs the real binary
# ($TUNEPREP) in a fresh temp dir and compares whole outputs.
set -euo pipefail
: "${TUNEPREP:?set TUNEPREP to the tuneprep binary}"
: "${TUNEPREP_SOURCE_DIR:?set TUNEPREP_SOURCE_DIR to the repository root}"
DATA="$TUNEPREP_SOURCE_DIR/tests/data"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fail() { echo "FAIL: $*" >&2; exit 1; }

# run_tp EXPECTED_EXIT ARGS...: runs tuneprep, captures stdout/stderr in $WORK/tp.out, $WORK/tp.err.
run_tp() {
  local expected=$1; shift
  local status=0
  "$TUNEPREP" "$@" >"$WORK/tp.out" 2>"$WORK/tp.err" || status=$?
  if [ "$status" -ne "$expected" ]; then
    echo "--- stdout"; cat "$WORK/tp.out"; echo "--- stderr"; cat "$WORK/tp.err"
    fail "tuneprep $* exited $status, expected $expected"
  fi
}

assert_contains() {  # FILE TEXT
  grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "$1 does not contain: $2"; }
}

assert_same_file() {  # EXPECTED ACTUAL
  if ! cmp -s "$1" "$2"; then
    diff -u "$1" "$2" | head -n 40 >&2 || true
    fail "$2 differs from $1"
  fi
}

# json_get FILE EXPR: evaluates a Python expression over the parsed JSON file `d`.
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# check_accounting DIR: records_in == train + validation + rejected + duplicates, and each
# output's `records` equals its line count.
check_accounting() {
  python3 - "$1" <<'PY'
import json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
c = m["counts"]
total = c["train"] + c["validation"] + c["rejected"] + c["duplicates"]
assert c["records_in"] == total, (c, total)
assert sum(i["records"] for i in m["inputs"]) == c["records_in"], m["inputs"]
for o in m["outputs"]:
    with open(os.path.join(d, o["path"]), "rb") as f:
        lines = f.read().count(b"\n")
    assert lines == o["records"], (o, lines)
    for line in open(os.path.join(d, o["path"]), encoding="utf-8"):
        json.loads(line)
PY
}

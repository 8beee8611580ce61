#!/usr/bin/env bash
# Runs `tuneprep validate` over every file of the bad-input corpus (tests/data/bad, written by its
# generate.py) and compares stdout, stderr and the exit code with NAME.expected. Options come from
# NAME.args when present, else `--strict --disable too-few-examples` so each file shows its own
# problem and warnings fail too.
# UPDATE_GOLDEN=1 rewrites the expectations (read the diff before committing it).
source "$(dirname "$0")/common.sh"
BAD="$DATA/bad"
cd "$BAD"  # paths in the diagnostics stay the bare file names
count=0
failed=0
for file in *; do
  case "$file" in *.expected|*.args|*.py) continue ;; esac
  args="--strict --disable too-few-examples"
  [ -f "$file.args" ] && args=$(cat "$file.args")
  status=0
  # shellcheck disable=SC2086  # args are split on purpose
  "$TUNEPREP" --color never validate --min-severity info $args "$file" >"$WORK/out" 2>"$WORK/err" || status=$?
  { cat "$WORK/out"; sed 's/^/stderr: /' "$WORK/err"; echo "exit: $status"; } >"$WORK/actual"
  if [ -n "${UPDATE_GOLDEN:-}" ]; then
    cp "$WORK/actual" "$file.expected"
  elif ! cmp -s "$file.expected" "$WORK/actual"; then
    echo "--- $file" >&2
    diff -u "$file.expected" "$WORK/actual" >&2 || true
    failed=$((failed + 1))
  fi
  # Every corpus file must be reported: a failing exit (1 findings, 2 I/O), or at least an info
  # diagnostic (a byte-order mark or CR LF line ends alone do not fail a run). Never a crash.
  if [ "$status" -ne 1 ] && [ "$status" -ne 2 ] && ! grep -q ': info\[' "$WORK/out"; then
    echo "$file: exit $status without a diagnostic" >&2
    failed=$((failed + 1))
  fi
  count=$((count + 1))
done
[ "$count" -ge 40 ] || fail "only $count corpus files"
[ "$failed" -eq 0 ] || fail "$failed corpus files differ from their expectations"
echo "$count corpus files match"

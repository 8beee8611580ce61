#!/usr/bin/env bash
# `tuneprep validate --output-format json` over every file of tests/data (the public samples
# included), compared with validate_all_data.expected: per file the exit code and the sha256 of
# stdout and stderr, and the content-rule diagnostics in full. Its first version was written by
# the build with the RE2::Set content scan (66fb126), so the Vectorscan prefilter that replaced
# it is held to the same diagnostics. UPDATE_GOLDEN=1 rewrites it (read the diff first).
source "$(dirname "$0")/common.sh"
expected="$TUNEPREP_SOURCE_DIR/tests/e2e/validate_all_data.expected"
cd "$DATA"  # paths in the diagnostics stay relative to tests/data
content_rules='"rule":"(pii-email|pii-phone|pii-credit-card|secret-key|html-markup|mojibake|control-character|refusal-boilerplate)"'
while IFS= read -r file; do
  status=0
  "$TUNEPREP" --color never validate --output-format json "$file" >"$WORK/out" 2>"$WORK/err" || status=$?
  sum=$(cat "$WORK/out" "$WORK/err" | sha256sum | cut -c1-64)
  echo "== $file exit $status sha256 $sum"
  grep -aE "$content_rules" "$WORK/out" || true
done < <(find . -type f | LC_ALL=C sort) >"$WORK/actual"
if [ -n "${UPDATE_GOLDEN:-}" ]; then cp "$WORK/actual" "$expected"; fi
assert_same_file "$expected" "$WORK/actual"
[ "$(grep -c '^== ' "$WORK/actual")" -ge 100 ] || fail "too few files under tests/data"
grep -q '"rule":"pii-email"' "$WORK/actual" || fail "no content-rule diagnostic at all"
echo "$(grep -c '^== ' "$WORK/actual") files match"

#!/usr/bin/env bash
# The pre-commit hook end to end, offline: a hook repository holding this tree's
# .pre-commit-hooks.yaml, a data repository that uses it, and commits that the hook blocks (bad
# JSONL, with the diagnostics shown) or lets through (good JSONL). Needs Debian's pre-commit.
source "$(dirname "$0")/common.sh"
if ! command -v pre-commit >/dev/null; then
  echo "SKIP: pre-commit is not installed (scripts/deps installs it)"
  exit 0
fi
export PATH="$(cd "$(dirname "$TUNEPREP")" && pwd):$PATH"  # language: system runs `tuneprep` from PATH
export PRE_COMMIT_HOME="$WORK/cache" HOME="$WORK"
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.invalid
export GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.invalid
git config --global init.defaultBranch main
git config --global commit.gpgsign false

# The hook repository: pre-commit clones it by path, so no network is involved.
mkdir hooks
cp "$TUNEPREP_SOURCE_DIR/.pre-commit-hooks.yaml" hooks/
git -C hooks init -q
git -C hooks add .pre-commit-hooks.yaml
git -C hooks commit -qm "hooks"
rev=$(git -C hooks rev-parse HEAD)

mkdir data-repo
cd data-repo
git init -q
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $WORK/hooks
    rev: $rev
    hooks:
      - id: tuneprep-validate
YAML
git add .pre-commit-config.yaml
git commit -qm "config"
pre-commit install >/dev/null

# A good dataset (50 examples: enough for too-few-examples) commits.
for i in $(seq 1 50); do
  printf '{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Q%d?"}, {"role": "assistant", "content": "A%d."}]}\n' "$i" "$i"
done > train.jsonl
git add train.jsonl
git commit -qm "good data" >"$WORK/good.log" 2>&1 || { cat "$WORK/good.log"; fail "the good dataset was blocked"; }
assert_contains "$WORK/good.log" "tuneprep validate"
assert_contains "$WORK/good.log" "Passed"

# A bad record blocks the commit, and the hook output shows where.
printf '{"messages": [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A.", "weight": 5}]}\n' >> train.jsonl
git add train.jsonl
if git commit -qm "bad data" >"$WORK/bad.log" 2>&1; then
  cat "$WORK/bad.log"
  fail "the bad dataset was committed"
fi
assert_contains "$WORK/bad.log" "Failed"
assert_contains "$WORK/bad.log" 'train.jsonl:51:99: error[invalid-weight]: weight must be 0 or 1, not 5'
[ "$(git rev-list --count HEAD)" -eq 2 ] || fail "expected 2 commits, got $(git rev-list --count HEAD)"

# Files the hook does not match (a README) are not validated.
git reset -q HEAD train.jsonl
echo "notes" > README.md
git add README.md
git commit -qm "docs" >"$WORK/docs.log" 2>&1 || { cat "$WORK/docs.log"; fail "a README commit was blocked"; }
assert_contains "$WORK/docs.log" "(no files to check)"
echo ok

#!/usr/bin/env bash
# --version names the version and the git commit of the build; `version --json` adds the embedded
# encodings with the sha256 of their rank data, the hashes tiktoken pins (data/encodings/README.md).
source "$(dirname "$0")/common.sh"

run_tp 0 --version
grep -qxE 'tuneprep [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{7,}|unknown)\)' "$WORK/tp.out" ||
  fail "--version printed: $(cat "$WORK/tp.out")"
version_line=$(cat "$WORK/tp.out")

run_tp 0 version --json
python3 - "$WORK/tp.out" "$version_line" <<'PY'
import json, re, sys
v = json.load(open(sys.argv[1]))
assert v["name"] == "tuneprep", v
assert sys.argv[2] == f"tuneprep {v['version']} (commit {v['commit']})", (sys.argv[2], v)
pinned = {  # tiktoken_ext/openai_public.py expected_hash
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}
assert {e["name"]: e["sha256"] for e in v["encodings"]} == pinned, v["encodings"]
PY

# The commit is the checkout's HEAD, when the build came from this checkout and HEAD has not moved.
commit=$(json_get "$WORK/tp.out" 'd["commit"]')
if head=$(git -C "$TUNEPREP_SOURCE_DIR" rev-parse --short HEAD 2>/dev/null); then
  [ "$commit" = "$head" ] || [ "$commit" = unknown ] ||
    echo "note: built from $commit, the checkout is at $head (rebuild to update)"
fi

run_tp 0 version
assert_contains "$WORK/tp.out" "$version_line"
assert_contains "$WORK/tp.out" "encoding cl100k_base  sha256 223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
echo "ok: $version_line"

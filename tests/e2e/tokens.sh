#!/usr/bin/env bash
# End-to-end: `tuneprep tokens` and `tuneprep models` on small inputs, whole outputs compared.
set -euo pipefail
: "${TUNEPREP:?}" "${TUNEPREP_SOURCE_DIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {  # expect NAME ACTUAL EXPECTED
  [ "$2" == "$3" ] || fail "$1: got [$2], want [$3]"
}

# Whole text, ids, per line (line ends excluded, \r\n too), stdin and file.
printf 'hello world' > "$work/a.txt"
expect total "$("$TUNEPREP" tokens --encoding cl100k_base "$work/a.txt")" "2"
expect ids "$("$TUNEPREP" tokens --encoding cl100k_base --ids < "$work/a.txt")" "15339 1917"
expect o200k-ids "$("$TUNEPREP" tokens --ids - < "$work/a.txt")" "24912 2375"
expect model "$("$TUNEPREP" tokens --model gpt-3.5-turbo --ids "$work/a.txt")" "15339 1917"
expect override "$("$TUNEPREP" tokens --model gpt-3.5-turbo --encoding o200k_base --ids "$work/a.txt")" "24912 2375"
printf 'hello world\r\n\nhello\n' > "$work/lines.txt"
expect each-line "$("$TUNEPREP" tokens --encoding cl100k_base --each-line "$work/lines.txt" | tr '\n' ,)" "2,0,1,"
expect each-line-ids "$("$TUNEPREP" tokens --encoding cl100k_base --each-line --ids "$work/lines.txt" | tr '\n' ,)" "15339 1917,,15339,"
expect empty "$("$TUNEPREP" tokens < /dev/null)" "0"

# Special tokens: text unless --allow-special.
printf '<|endoftext|>' > "$work/special.txt"
expect special-text "$("$TUNEPREP" tokens --encoding cl100k_base "$work/special.txt")" "7"
expect special-allowed "$("$TUNEPREP" tokens --encoding cl100k_base --allow-special --ids "$work/special.txt")" "100257"

# Invalid UTF-8 counts as U+FFFD.
printf 'a\xffb' > "$work/bad.txt"
printf 'a\xef\xbf\xbdb' > "$work/fffd.txt"
expect replacement "$("$TUNEPREP" tokens --ids "$work/bad.txt")" "$("$TUNEPREP" tokens --ids "$work/fffd.txt")"

# -j1 and -j2 give identical output on input spanning many chunks (whole text and per line).
python3 -c "
import random
r = random.Random(7)
words = ['the', 'Über', '日本語', '42', '  ', '\n', 'don\'t', '🙂', '!!', '\n\n  ', 'x'*50]
print(''.join(r.choice(words) + ' ' for _ in range(900000)))
" > "$work/big.txt"
one=$("$TUNEPREP" -j1 tokens "$work/big.txt")
two=$("$TUNEPREP" -j2 tokens "$work/big.txt")
expect parallel-total "$two" "$one"
expect parallel-ids "$("$TUNEPREP" -j2 tokens --ids "$work/big.txt" | md5sum)" "$("$TUNEPREP" -j1 tokens --ids "$work/big.txt" | md5sum)"
expect parallel-lines "$("$TUNEPREP" -j2 tokens --each-line "$work/big.txt" | md5sum)" "$("$TUNEPREP" -j1 tokens --each-line "$work/big.txt" | md5sum)"
# ... and the chunked count equals the count of the ids of the whole text.
expect ids-vs-count "$("$TUNEPREP" tokens --ids "$work/big.txt" | wc -w)" "$one"

# --chat: per record total/prompt/assistant; errors reported per line; over_limit with --model.
cat > "$work/chat.jsonl" <<'JSONL'
{"messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}

{"messages":[{"role":"user","content":"Hi","name":"bob"},{"role":"assistant","content":"Hello!","weight":0}]}
not json
{"messages":[{"role":"wizard","content":"x"}]}
JSONL
cat > "$work/chat.expected" <<'JSONL'
{"line":1,"total":22,"prompt":19,"assistant":3,"estimated":0,"over_limit":false}
{"line":3,"error":"all-weights-zero: every assistant message has weight 0: nothing would be trained"}
{"line":4,"error":"json-syntax: unexpected character: invalid literal (expected true, false or null) (simdjson: Problem while parsing an atom starting with the letter 'n')"}
{"line":5,"error":"unknown-role: unknown role \"wizard\" (expected system, user, assistant or tool; --map user_tag=NAME and the like name others)"}
JSONL
"$TUNEPREP" -q tokens --chat --model gpt-3.5-turbo-0125 "$work/chat.jsonl" > "$work/chat.out" || fail "--chat exit code"
diff -u "$work/chat.expected" "$work/chat.out" || fail "--chat output"

# models: table and JSON.
"$TUNEPREP" models | grep -q '^gpt-4o-mini-2024-07-18 *o200k_base *65536' || fail "models table"
expect models-json "$("$TUNEPREP" models --json | grep '"gpt-3.5-turbo-0613"' | cut -d, -f1-4)" \
  '{"model":"gpt-3.5-turbo-0613","snapshot":"gpt-3.5-turbo-0613","encoding":"cl100k_base","max_example_tokens":4096'

# Usage errors exit 2.
set +e
"$TUNEPREP" tokens --model no-such-model "$work/a.txt" 2>/dev/null; expect unknown-model "$?" "2"
"$TUNEPREP" tokens "$work/missing.txt" 2>/dev/null; expect missing-file "$?" "2"
"$TUNEPREP" tokens --chat --ids "$work/a.txt" 2>/dev/null; expect bad-combination "$?" "2"
"$TUNEPREP" tokens --encoding p50k_base "$work/a.txt" 2>/dev/null; expect bad-encoding "$?" "2"

# --max-record-bytes bounds memory in the text modes too: a line (--each-line) or a run with no
# place to split (one pretokenizer piece) beyond it stops the run, after what came before it.
python3 -c "import sys; sys.stdout.write('ab ' * 1000 + 'x' * 3000000)" > "$work/long-piece.txt"
"$TUNEPREP" tokens --max-record-bytes 2M "$work/long-piece.txt" > "$work/out" 2> "$work/err"
expect long-piece-exit "$?" "2"
grep -q "long-piece.txt: more than --max-record-bytes (2097152 bytes) with no place where tokens may be split" \
  "$work/err" || fail "long-piece message: $(cat "$work/err")"
expect long-piece-limit-raised "$("$TUNEPREP" tokens --max-record-bytes 4M "$work/long-piece.txt" 2>&1 | wc -l)" "1"
printf 'a b\nccccccc\r\nd\n' > "$work/long-line.txt"
"$TUNEPREP" tokens --each-line --max-record-bytes 6 "$work/long-line.txt" > "$work/out" 2> "$work/err"
expect long-line-exit "$?" "2"
expect long-line-before "$(cat "$work/out")" "2"
expect long-line-message "$(cat "$work/err")" "tuneprep tokens: $work/long-line.txt:2: line longer than --max-record-bytes (6 bytes)"
expect long-line-fits "$("$TUNEPREP" tokens --each-line --max-record-bytes 7 "$work/long-line.txt" | tr '\n' ,)" "2,2,1,"
set -e
echo "ok"

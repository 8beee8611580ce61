#!/usr/bin/env bash
# End-to-end: `tuneprep tokens` reads through the shared readers: .gz/.zst, stdin, several inputs
# (wc-like output), directories, JSON arrays and CSV with --chat, the same output for -j1 and -j2.
source "$(dirname "$0")/common.sh"

# --- Text modes -------------------------------------------------------------------------------
printf 'hello world' > a.txt
printf 'hello\nworld foo\n' > b.txt
gzip -c b.txt > b.txt.gz
zstd -q -c a.txt > a.txt.zst
gzip -c a.txt > gzip-data.bin  # gzip under another name: decompressed by its magic bytes

run_tp 0 tokens a.txt.zst
assert_same_file <(echo 2) tp.out
run_tp 0 tokens --ids b.txt.gz
assert_same_file <(echo '24912 198 24169 30551 198') tp.out
run_tp 0 tokens --ids gzip-data.bin
assert_same_file <(echo '24912 2375') tp.out

# Several inputs: one line per input (count, then the path) and a total, like wc.
run_tp 0 tokens a.txt b.txt.gz a.txt.zst
assert_same_file <(printf '2 a.txt\n5 b.txt.gz\n2 a.txt.zst\n9 total\n') tp.out
# ... ids and per-line results carry "PATH:" before each line.
run_tp 0 tokens --ids a.txt b.txt
assert_same_file <(printf 'a.txt:24912 2375\nb.txt:24912 198 24169 30551 198\n') tp.out
run_tp 0 tokens --each-line b.txt.gz a.txt.zst
assert_same_file <(printf 'b.txt.gz:1\nb.txt.gz:2\na.txt.zst:2\n') tp.out

# Standard input, plain or compressed, alone or among files ("-" names it).
"$TUNEPREP" tokens < a.txt.zst > tp.out
assert_same_file <(echo 2) tp.out
"$TUNEPREP" tokens --ids - < b.txt.gz > tp.out
assert_same_file <(echo '24912 198 24169 30551 198') tp.out
"$TUNEPREP" tokens a.txt - < b.txt > tp.out
assert_same_file <(printf '2 a.txt\n5 -\n7 total\n') tp.out

# A directory is no text input; a missing or broken input stops the run (exit 2).
mkdir texts
run_tp 2 tokens a.txt texts
assert_contains tp.err "tuneprep tokens: texts: is a directory (text counts read files; --chat reads the data files under a directory)"
[ ! -s tp.out ] || fail "output before a usage error"
run_tp 2 tokens a.txt missing.txt
assert_contains tp.err "missing.txt: No such file or directory"
head -c 20 b.txt.gz > truncated.txt.gz
run_tp 2 tokens truncated.txt.gz
assert_contains tp.err "truncated.txt.gz: truncated gzip stream"
run_tp 2 tokens --format alpaca a.txt
assert_contains tp.err "--format applies to --chat only"

# -j1 and -j2 agree over several multi-chunk inputs, compressed ones among them.
python3 -c "
import random
r = random.Random(11)
words = ['the', 'Über', '日本語', '42', '  ', '\n', 'don\'t', '🙂', '!!', '\n\n  ', 'x'*40]
print(''.join(r.choice(words) + ' ' for _ in range(400000)))
" > big1.txt
python3 -c "print('\n'.join('Zeile %d: ÄÖÜ ß %s' % (i, ' ' * (i % 5)) for i in range(200000)))" > big2.txt
zstd -q -c big2.txt > big2.txt.zst
for flags in "" "--ids" "--each-line"; do
  "$TUNEPREP" -j1 tokens $flags big1.txt big2.txt.zst - < big1.txt > j1.out
  "$TUNEPREP" -j2 tokens $flags big1.txt big2.txt.zst - < big1.txt > j2.out
  assert_same_file j1.out j2.out
done
# The compressed input counts as its text, and the total is the sum.
"$TUNEPREP" tokens big1.txt big2.txt.zst - < big1.txt > sum.out
one=$("$TUNEPREP" tokens big1.txt)
two=$("$TUNEPREP" tokens big2.txt)
assert_same_file <(printf '%s big1.txt\n%s big2.txt.zst\n%s -\n%s total\n' "$one" "$two" "$one" $((2 * one + two))) sum.out

# --- --chat -------------------------------------------------------------------------------------
# One conversation (system, user, assistant) in every input shape: every record counts
# total 22 = prompt 19 + assistant 3 in cl100k_base (gpt-3.5-turbo-0125).
counts='"total":22,"prompt":19,"assistant":3,"estimated":0,"over_limit":false}'
mkdir data
cat > data/chat.jsonl <<'JSONL'
{"messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}

{"conversations":[{"from":"system","value":"You are helpful."},{"from":"human","value":"Hi"},{"from":"gpt","value":"Hello!"}]}
JSONL
cat > data/array.json <<'JSON'
[
  {"messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]},
  {"messages":[{"role":"wizard","content":"x"}]}
]
JSON
printf 'system,question,answer\nYou are helpful.,Hi,Hello!\n' > data/rows.csv
gzip -c data/chat.jsonl > data/packed.jsonl.gz
zstd -q -c data/rows.csv > data/packed.csv.zst
printf 'ignored: not a data file' > data/notes.txt

# A directory: every data file, sorted by path, each record named by its file.
run_tp 0 -q tokens --chat --model gpt-3.5-turbo-0125 data
cat > expected <<EOF2
{"path":"data/array.json","line":2,$counts
{"path":"data/array.json","line":3,"error":"unknown-role: unknown role \"wizard\" (expected system, user, assistant or tool; --map user_tag=NAME and the like name others)"}
{"path":"data/chat.jsonl","line":1,$counts
{"path":"data/chat.jsonl","line":3,$counts
{"path":"data/packed.csv.zst","line":2,$counts
{"path":"data/packed.jsonl.gz","line":1,$counts
{"path":"data/packed.jsonl.gz","line":3,$counts
{"path":"data/rows.csv","line":2,$counts
EOF2
assert_same_file expected tp.out
run_tp 0 tokens --chat --model gpt-3.5-turbo-0125 data
assert_contains tp.err "1 record(s) could not be read as chat records"

# One input: no path. A JSON array file, a CSV file, .gz, .zst, stdin.
run_tp 0 -q tokens --chat --model gpt-3.5-turbo-0125 data/array.json
assert_same_file <(printf '{"line":2,%s\n' "$counts"; echo '{"line":3,"error":"unknown-role: unknown role \"wizard\" (expected system, user, assistant or tool; --map user_tag=NAME and the like name others)"}') tp.out
for input in data/rows.csv data/packed.csv.zst; do
  run_tp 0 tokens --chat --model gpt-3.5-turbo-0125 "$input"
  assert_same_file <(printf '{"line":2,%s\n' "$counts") tp.out
done
run_tp 0 tokens --chat --model gpt-3.5-turbo-0125 data/packed.jsonl.gz
assert_same_file <(printf '{"line":1,%s\n{"line":3,%s\n' "$counts" "$counts") tp.out
"$TUNEPREP" tokens --chat --model gpt-3.5-turbo-0125 < data/packed.jsonl.gz > tp.out
assert_same_file <(printf '{"line":1,%s\n{"line":3,%s\n' "$counts" "$counts") tp.out
"$TUNEPREP" tokens --chat --model gpt-3.5-turbo-0125 - < data/rows.csv > tp.out
assert_same_file <(printf '{"line":2,%s\n' "$counts") tp.out

# Several inputs: stdin is "-".
"$TUNEPREP" tokens --chat --model gpt-3.5-turbo-0125 data/rows.csv - < data/chat.jsonl > tp.out
assert_same_file <(printf '{"path":"data/rows.csv","line":2,%s\n{"path":"-","line":1,%s\n{"path":"-","line":3,%s\n' \
  "$counts" "$counts" "$counts") tp.out

# The input options of validate and stats: --format, CSV columns, --system.
printf '{"instruction":"Hi","input":"","output":"Hello!"}\n' > alpaca.jsonl
run_tp 0 tokens --chat --model gpt-3.5-turbo-0125 --system "You are helpful." alpaca.jsonl
assert_same_file <(printf '{"line":1,%s\n' "$counts") tp.out
run_tp 0 -q tokens --chat --format prompt-completion alpaca.jsonl
assert_contains tp.out '"error":"'
printf 'q;a\nHi;Hello!\n' > semicolons.csv
run_tp 0 tokens --chat --model gpt-3.5-turbo-0125 --system "You are helpful." --prompt-col q --response-col a semicolons.csv
assert_same_file <(printf '{"line":2,%s\n' "$counts") tp.out
run_tp 2 tokens --chat missing-dir
assert_contains tp.err "tuneprep tokens: missing-dir: No such file or directory"

# -j1 and -j2 agree on a chat corpus of many batches read through a directory.
mkdir corpus
python3 "$TUNEPREP_SOURCE_DIR/bench/gen_chat.py" --records 8000 --seed 3 --dirty > corpus/a.jsonl
python3 "$TUNEPREP_SOURCE_DIR/bench/gen_chat.py" --records 3000 --seed 4 | gzip -c > corpus/b.jsonl.gz
"$TUNEPREP" -q -j1 tokens --chat --model gpt-4o-mini corpus > j1.out
"$TUNEPREP" -q -j2 tokens --chat --model gpt-4o-mini corpus > j2.out
assert_same_file j1.out j2.out
[ "$(wc -l < j1.out)" -ge 11000 ] || fail "--chat over corpus: $(wc -l < j1.out) lines"
echo "ok"

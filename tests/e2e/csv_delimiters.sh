# TSV and other delimiters: .tsv files are found in directories and read tab-separated (also
# compressed), semicolon CSV is detected from its header, --delimiter overrides detection.
source "$(dirname "$0")/common.sh"
mkdir data
printf 'question\tanswer\nWhat is 2+2?\t4\n"Tab\tin quotes"\tyes\n' > data/qa.tsv
printf 'question;answer\nWhat, really?;"Yes; truly"\n' > data/excel.csv
printf 'prompt\tresponse\nzipped\tok\n' | gzip > data/more.tsv.gz
run_tp 0 prepare data -o out --val-ratio 0 -q
check_accounting out
assert_same_file <(cat <<'JSONL'
{"messages":[{"role":"user","content":"What, really?"},{"role":"assistant","content":"Yes; truly"}]}
{"messages":[{"role":"user","content":"zipped"},{"role":"assistant","content":"ok"}]}
{"messages":[{"role":"user","content":"What is 2+2?"},{"role":"assistant","content":"4"}]}
{"messages":[{"role":"user","content":"Tab\tin quotes"},{"role":"assistant","content":"yes"}]}
JSONL
) out/train.jsonl

# validate and stats read them the same way.
run_tp 1 validate data/qa.tsv   # too few examples, but no CSV framing error
assert_contains tp.out "too-few-examples"
grep -q "csv-field-count" tp.out && fail "tab-separated rows misread"
run_tp 0 stats data/qa.tsv --json s.json -q
[ "$(json_get s.json 'd["valid"]')" = 2 ] || fail "stats over .tsv"

# --delimiter: a pipe-separated export from stdin.
printf 'question|answer\nx, y|z\n' | "$TUNEPREP" prepare - --delimiter '|' -o pipe --val-ratio 0 -q
assert_contains pipe/train.jsonl '{"role":"user","content":"x, y"},{"role":"assistant","content":"z"}'
run_tp 2 prepare data -o bad --delimiter ':'
assert_contains tp.err "--delimiter"

# A delimiter given (flag or .tsv name) that leaves the header in one piece names the one it sees.
printf 'prompt;response\nq1;a1\n' > semi-given.csv
run_tp 2 validate semi-given.csv --delimiter ,
assert_contains tp.err "CSV header does not split under the delimiter ',' (one column: prompt;response); it looks delimited by ';': try --delimiter ';'"
printf 'prompt,response\nq1,a1\n' > comma.tsv
run_tp 2 validate comma.tsv
assert_contains tp.err "does not split under the delimiter 'tab'"
run_tp 1 validate comma.tsv --delimiter ,

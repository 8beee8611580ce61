#!/usr/bin/env bash
# Issue #13 end to end: hostile inputs, configuration and file names get a clear message and the
# documented exit code, never a crash, raw terminal bytes or a whole secret.
source "$(dirname "$0")/common.sh"

good='{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}'

# Invalid UTF-8 in a CSV field never reaches train.jsonl: the row is rejected as invalid-utf8.
printf 'prompt,response\nq1,a\xc0\xafb\nq2,fine\n' > r.csv
run_tp 0 -q prepare r.csv -o r --val-ratio 0
check_accounting r
if grep -q $'\xc0' r/train.jsonl; then fail "raw C0 byte in train.jsonl"; fi
python3 -c "import json,sys; r=[json.loads(l) for l in open('r/rejected.jsonl')]; assert [x['id'] for x in r[0]['rules']]==['invalid-utf8'], r" \
  || fail "CSV row not rejected as invalid-utf8"
run_tp 1 --color never validate r.csv --disable too-few-examples
assert_contains tp.out "r.csv:2:5: error[invalid-utf8]: the record is not valid UTF-8 (byte 0xc0 at offset 4)"

# The same bytes in a JSON array are rejected the same way.
printf '[%s,\n{"messages":[{"role":"user","content":"a\xc0\xafb"},{"role":"assistant","content":"x"}]}]\n' "$good" > arr.json
run_tp 1 --color never validate arr.json --disable too-few-examples
assert_contains tp.out "error[invalid-utf8]"

# A hostile tuneprep.toml in the current directory: exit 2 with a message, no SIGSEGV.
mkdir hostile && printf '%s\n' "$good" > hostile/ok.jsonl
python3 -c "print('[a' + '.a' * 50000 + ']')" > hostile/tuneprep.toml
(cd hostile && run_tp 2 validate ok.jsonl)
assert_contains tp.err "tuneprep.toml:1:65: a dotted key has too many parts (at most 32)"
python3 -c "print('x' + '.x' * 50000 + ' = 1')" > hostile/tuneprep.toml
(cd hostile && run_tp 2 prepare ok.jsonl -o out)
assert_contains tp.err "a dotted key has too many parts"
run_tp 2 --config /dev/zero validate hostile/ok.jsonl
assert_contains tp.err "/dev/zero: the configuration file is larger than 1 MiB"
run_tp 2 --config hostile validate hostile/ok.jsonl
assert_contains tp.err "hostile: cannot read the configuration file: Is a directory"

# Escape sequences from a CSV header and a file name are escaped in text and github output.
printf 'foo\033]0;X\007,bar\n1,2\n' > x.csv
run_tp 2 validate x.csv
assert_contains tp.err 'CSV header has no prompt or response column (columns: foo\x1b]0;X\x07, bar)'
if grep -q $'\033' tp.err; then fail "raw ESC on stderr"; fi
name=$'evil\033[2J\nname.jsonl'
printf '{"messages": 1}\n' > "$name"
run_tp 1 --color never validate "$name" --disable too-few-examples
assert_contains tp.out 'evil\x1b[2J\nname.jsonl:1:14: error[wrong-type]'
[ "$(grep -c . tp.out)" -eq 2 ] || fail "a newline in a file name split the diagnostic line"
run_tp 1 validate --output-format github "$name" --disable too-few-examples
assert_contains tp.out '::error file=evil\x1b[2J%0Aname.jsonl,line=1'
if grep -q $'\033' tp.out; then fail "raw ESC in github annotations"; fi
run_tp 1 validate --output-format json "$name" --disable too-few-examples
python3 -c "import json; [json.loads(l) for l in open('tp.out')]" || fail "json output not valid"
if grep -q $'\033' tp.out; then fail "raw ESC in json output"; fi

# A secret used as a role or a key is masked in the diagnostics; --show-fixes masks it too.
key="sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7dEf0hQ2"
printf '{"messages":[{"role":"%s","content":"hi"},{"role":"assistant","content":"ok"}]}\n{"%s":"x"}\n' "$key" "$key" > secret.jsonl
run_tp 1 --color never validate secret.jsonl --disable too-few-examples
assert_contains tp.out 'unknown role "sk-p…'
if grep -q "Ab3dEf6h" tp.out; then fail "secret echoed in a diagnostic"; fi
printf '{"messages":[{"role":"user","content":"  my key is %s  "},{"role":"assistant","content":"ok"}]}\n' "$key" > fix.jsonl
run_tp 0 --color never validate --show-fixes fix.jsonl --disable too-few-examples
assert_contains tp.out '+ '
if grep -q "Ab3dEf6h" tp.out; then fail "secret printed in full by --show-fixes"; fi

# --max-record-bytes: 2^64-1 keeps a large record, 0 says what is expected.
python3 -c "
import json; print(json.dumps({'messages':[{'role':'user','content':'x'*3000000},{'role':'assistant','content':'ok'}]}))" > big.jsonl
run_tp 0 validate big.jsonl --max-record-bytes 18446744073709551615 --disable too-few-examples,repeated-text
run_tp 2 validate big.jsonl --max-record-bytes 0
assert_contains tp.err "expected a size of at least 1 byte, such as 1048576, 64M or 1G; got '0'"
run_tp 1 --color never validate big.jsonl --max-record-bytes 1M --disable too-few-examples
assert_contains tp.out "exceeds --max-record-bytes (1048576)"

# A file listed twice and - - are read once, with a note, in every command.
printf '%s\n' "$good" > once.jsonl
run_tp 0 validate once.jsonl once.jsonl --disable too-few-examples
assert_contains tp.err "note: once.jsonl: the same file is already an input: read once"
assert_contains tp.out "in 1 record of 1 file"
printf '%s\n' "$good" | "$TUNEPREP" validate - - --disable too-few-examples >tp.out 2>tp.err || fail "validate - -"
assert_contains tp.err "note: -: stdin given more than once: read once"
run_tp 0 -q prepare once.jsonl once.jsonl -o twice --val-ratio 0
[ "$(json_get twice/manifest.json 'd["counts"]["records_in"]')" = "1" ] || fail "prepare read a file twice"
run_tp 0 tokens --chat once.jsonl once.jsonl
assert_contains tp.err "note: once.jsonl: the same file is already an input: read once"
run_tp 0 stats once.jsonl once.jsonl
assert_contains tp.err "note: once.jsonl: the same file is already an input: read once"

# Directory entries that are not regular files are skipped with a note, never silently.
mkdir dir && printf '%s\n' "$good" > dir/a.jsonl && mkfifo dir/pipe.jsonl && ln -s nowhere.jsonl dir/gone.jsonl
run_tp 0 validate dir --disable too-few-examples
assert_contains tp.err "note: dir/gone.jsonl: skipped: dangling symbolic link"
assert_contains tp.err "note: dir/pipe.jsonl: skipped: not a regular file (a FIFO)"

# An empty path names the problem.
run_tp 2 prepare '' -o out
assert_contains tp.err 'an input path is empty ("")'
echo "bad input hardening ok"

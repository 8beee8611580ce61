#!/usr/bin/env bash
# SIGINT, SIGTERM, SIGHUP, SIGPIPE and SIGXFSZ stop a run: exit 128+N, one line on stderr, nothing
# of the run left (no staging directory, no temporary), and the previous output set intact.
# Also a real SIGXFSZ (ulimit -f) while prepare and stats write, and a signal while blocked
# reading a FIFO.
source "$(dirname "$0")/common.sh"
check="$TUNEPREP_SOURCE_DIR/tests/e2e/check_output_set.py"
set -m  # background jobs get SIGINT like foreground ones (a shell without job control ignores it)

python3 - <<'PY'
import json
with open("in.jsonl", "w") as f:
    for i in range(3000):
        f.write(json.dumps({"messages": [{"role": "user", "content": f"question {i}"},
                                         {"role": "assistant", "content": f"answer {i}"}]}) + "\n")
PY
"$TUNEPREP" -q prepare in.jsonl -o out --seed 1

no_temporaries() {
  local left
  left=$(find . -name '.*.tmp-*')
  [ -z "$left" ] || fail "$1: temporaries left: $left"
}

# wait_for GLOB: until a path matches (the run reached that point), at most 10 s.
wait_for() {
  for _ in $(seq 1 200); do
    compgen -G "$1" >/dev/null && return 0
    sleep 0.05
  done
  fail "nothing matched $1"
}

for sig in INT TERM HUP PIPE XFSZ; do
  number=$(kill -l "$sig")
  # Killed inside the commit step (the hook holds it there): the staging directory is complete.
  TUNEPREP_TEST_COMMIT_DELAY_MS=5000 "$TUNEPREP" prepare in.jsonl -o out --seed 2 >/dev/null 2>err &
  pid=$!
  wait_for ".out.tmp-$pid-*/manifest.json"
  kill "-$sig" "$pid"
  status=0
  wait "$pid" || status=$?
  [ "$status" -eq $((128 + number)) ] || fail "SIG$sig: exit $status, expected $((128 + number))"
  [ "$(cat err)" = "tuneprep: stopped by SIG$sig; removed this run's temporary files" ] || fail "SIG$sig: stderr $(cat err)"
  [ "$(python3 "$check" out)" = "seed 1" ] || fail "SIG$sig: the previous set changed"
  no_temporaries "SIG$sig"
  echo "SIG$sig: exit $status, previous set intact, nothing left"
done

# Blocked opening a FIFO that no one writes: the run already holds its staging directory.
mkfifo pipe.jsonl
"$TUNEPREP" prepare pipe.jsonl -o fifo-out >/dev/null 2>err &
pid=$!
wait_for ".fifo-out.tmp-$pid-*"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 143 ] || fail "SIGTERM while reading: exit $status"
[ ! -e fifo-out ] || fail "SIGTERM while reading: fifo-out was created"
no_temporaries "SIGTERM while reading"
rm pipe.jsonl

# A real SIGXFSZ: a file size limit of 64 kB while writing train.jsonl (about 300 kB).
status=0
(ulimit -f 64; exec "$TUNEPREP" prepare in.jsonl -o out --seed 3 >/dev/null 2>err) || status=$?
[ "$status" -eq 153 ] || fail "ulimit -f: prepare exit $status, expected 153: $(cat err)"
[ "$(python3 "$check" out)" = "seed 1" ] || fail "ulimit -f: the previous set changed"
no_temporaries "prepare under ulimit -f"
status=0
(ulimit -f 8; exec "$TUNEPREP" stats in.jsonl --html report.html >/dev/null 2>err) || status=$?
[ "$status" -eq 153 ] || fail "ulimit -f: stats exit $status, expected 153: $(cat err)"
[ ! -e report.html ] || fail "ulimit -f: stats left a partial report.html"
no_temporaries "stats under ulimit -f"
echo "SIGXFSZ from ulimit -f: prepare and stats exit 153, nothing left"

# SIGPIPE while nothing is being written (a reader stopped early, as `| head` does): exit 141,
# quietly.
python3 -c '
import json
for i in range(50000): print(json.dumps({"messages": [{"role": "user", "content": "q"}, {"role": "bob", "content": "a"}]}))
' > bad.jsonl
set +o pipefail
"$TUNEPREP" validate bad.jsonl 2>err | head -n 1 >/dev/null
status=${PIPESTATUS[0]}
set -o pipefail
[ "$status" -eq 141 ] || fail "validate | head: exit $status, expected 141"
[ ! -s err ] || fail "validate | head: stderr $(cat err)"
echo "SIGPIPE with nothing to remove: exit 141, quiet"

# The two-step fallback (forced by a test hook): a signal between its renames, when out/ does not
# exist and the previous set is aside, puts the previous set back.
TUNEPREP_TEST_TWO_STEP=1 TUNEPREP_TEST_COMMIT_DELAY_MS=3000 "$TUNEPREP" prepare in.jsonl -o out --seed 4 >/dev/null 2>err &
pid=$!
for _ in $(seq 1 200); do [ -e out ] || break; sleep 0.05; done
[ ! -e out ] || fail "two-step: out/ was never moved aside"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" -eq 143 ] || fail "two-step: exit $status"
[ "$(python3 "$check" out)" = "seed 1" ] || fail "two-step: the previous set was not put back"
no_temporaries "two-step"
echo "SIGTERM between the two renames of the fallback: previous set restored, nothing left"

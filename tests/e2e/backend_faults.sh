# Faults the fake service injects: 429 with Retry-After, 500/503, a dropped connection mid-upload,
# a response slower than --timeout; retries, final errors, and a multipart upload that resumes.
source "$(dirname "$0")/common.sh"
source "$TUNEPREP_SOURCE_DIR/tests/backend/fake_server.sh"
start_fake_server
(cd "$TUNEPREP_SOURCE_DIR" && "$TUNEPREP" prepare samples -o "$WORK/clean" -q)

# requests METHOD PATH STATUS: how many requests the log holds with these fields.
requests() {
  fake_get log log.json
  python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))["log"]
    if r["method"] == sys.argv[2] and sys.argv[3] in r["path"] and str(r["status"]) == sys.argv[4]))' \
    log.json "$1" "$2" "$3"
}

# 429 with Retry-After: waited as told, then the upload goes through.
fake_faults '[{"method": "POST", "path": "/files", "kind": "429", "retry_after": "1", "count": 2}]'
start=$(date +%s.%N)
run_tp 0 upload clean/train.jsonl
elapsed=$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")
python3 -c "import sys; assert float(sys.argv[1]) >= 2.0, sys.argv[1]" "$elapsed" || fail "Retry-After not honoured"
assert_contains tp.err "POST /files failed (HTTP 429); retry 1 of 5 in 1.0 s"
assert_contains tp.err "retry 2 of 5 in 1.0 s"
[ "$(requests POST /files fault:429)" = 2 ] && [ "$(requests POST /files 200)" = 1 ] || fail "expected 2 faults then 1 success"

# 500 and 503 while watching: backoff, then the job finishes.
run_tp 0 train --model gpt-4o-mini --training-file clean/train.jsonl
job=$(cat tp.out)
fake_faults '[{"method": "GET", "path": "/fine_tuning/jobs/", "kind": "500", "count": 1},
              {"method": "GET", "path": "/events", "kind": "503", "count": 1, "skip": 1}]'
run_tp 0 watch "$job" --poll 0.05 --out results
assert_contains tp.err "GET /fine_tuning/jobs/$job failed (HTTP 500); retry 1 of 5"
assert_contains tp.err "GET /fine_tuning/jobs/$job/events failed (HTTP 503); retry 1 of 5"
assert_contains tp.out "fine-tuned model: ft:gpt-4o-mini"
[ -s results/metrics.svg ] || fail "no plot after the retried watch"

# Out of retries: exit 2 with status, message, code and request id.
fake_faults '[{"method": "GET", "path": "/fine_tuning/jobs", "kind": "503", "count": 3}]'
run_tp 2 jobs --max-retries 2
assert_contains tp.err "error: GET /fine_tuning/jobs: HTTP 503: injected fault [server_error] (request id req_"
[ "$(grep -c 'retry' tp.err)" = 2 ] || fail "expected exactly 2 retries"

# A response slower than --timeout is abandoned and retried.
fake_faults '[{"method": "GET", "path": "/fine_tuning/jobs", "kind": "slow", "seconds": 3, "count": 1}]'
run_tp 0 jobs --timeout 1 --limit 1
assert_contains tp.err "GET /fine_tuning/jobs failed (timed out (--timeout 1 s)"

# A connection dropped mid-part: that part alone is retried.
fake_faults '[{"method": "POST", "path": "/parts", "kind": "drop", "count": 1, "skip": 1}]'
run_tp 0 upload clean/train.jsonl --multipart --part-size 4K --json
assert_contains tp.out '"multipart":true'
assert_contains tp.out '"parts":4,"parts_sent":4'
[ "$(requests POST /parts fault:drop)" = 1 ] && [ "$(requests POST /parts 200)" = 4 ] || fail "expected 1 drop and 4 parts"
[ ! -e clean/train.jsonl.upload.json ] || fail "the state file outlived a completed upload"

# Without retries the drop interrupts the upload; the rerun sends only the missing parts.
fake_faults '[{"method": "POST", "path": "/parts", "kind": "drop", "count": 1, "skip": 2}]'
run_tp 2 upload clean/train.jsonl --multipart --part-size 4K --max-retries 0
assert_contains tp.err "parts sent; run the same upload again to send only the missing ones"
[ -s clean/train.jsonl.upload.json ] || fail "no upload state after the interruption"
done_before=$(python3 -c 'import json,sys; print(sum(1 for p in json.load(open(sys.argv[1]))["part_ids"] if p))' \
  clean/train.jsonl.upload.json)
[ "$done_before" -ge 1 ] && [ "$done_before" -le 3 ] || fail "$done_before parts recorded before the drop"
sent_before=$(requests POST /parts 200)
run_tp 0 upload clean/train.jsonl --multipart --part-size 4K --json
missing=$((4 - done_before))
assert_contains tp.out "\"parts\":4,\"parts_sent\":$missing"
[ "$(requests POST /parts 200)" = $((sent_before + missing)) ] || fail "the resumed upload sent more than the missing parts"
[ "$(requests POST /uploads 200)" -ge 1 ]
fake_get state state.json
python3 - state.json "$(stat -c %s clean/train.jsonl)" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
done = [u for u in s["uploads"].values() if u["status"] == "completed"]
assert len(done) == 2, s["uploads"]           # the retried one and the resumed one
assert all(u["bytes"] == int(sys.argv[2]) for u in done)
PY

assert_no_key

# The hand-off end to end against the fake service: prepare -> upload -> train --wait -> results,
# a failed job, cancel, jobs, the upload gate, a changed prepared dir, and no key anywhere.
source "$(dirname "$0")/common.sh"
source "$TUNEPREP_SOURCE_DIR/tests/backend/fake_server.sh"
start_fake_server

(cd "$TUNEPREP_SOURCE_DIR" && "$TUNEPREP" prepare samples -o "$WORK/clean" -q)
mkdir samples && cp clean/train.jsonl samples/train.jsonl

# upload: the gate passes, one file id per file; --json carries the details.
run_tp 0 upload clean/train.jsonl samples/train.jsonl --json
python3 - "$WORK/tp.out" "$WORK/clean" <<'PY'
import json, os, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["path"] for l in lines] == ["clean/train.jsonl", "samples/train.jsonl"], lines
for l in lines:
    assert l["id"].startswith("file-") and l["multipart"] is False, l
    assert l["bytes"] == os.path.getsize(l["path"]), l
PY

# train --dir --wait: the job runs to success, events once each, results and plots written.
run_tp 0 train --model gpt-4o-mini --dir clean --suffix overfit --epochs 3 --lr-multiplier auto --seed 7 \
  --wait --poll 0.05 --out results
assert_contains tp.out "fine-tuned model: ft:gpt-4o-mini:tuneprep:overfit:"
assert_contains tp.out "Step 12/12: training loss=0.3996, validation loss=1.3763"
[ "$(grep -c 'Step 7/12' tp.out)" = 1 ] || fail "an event was printed more than once"
assert_contains tp.err "warning: possible overfitting from step 6: validation loss rose from 0.8963 (step 6) to 1.3763 (step 12)"
for f in metrics.csv metrics.svg metrics.html; do [ -s "results/$f" ] || fail "results/$f missing"; done
head -n 1 results/metrics.csv | grep -qx "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy" ||
  fail "metrics.csv is not the service's result file"
assert_contains results/metrics.svg 'id="overfitting"'
assert_contains results/metrics.svg 'overfitting from step 6'
assert_contains results/metrics.html 'possible overfitting from step 6'
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' results/metrics.svg
fake_get state state.json
python3 - state.json <<'PY'
import json, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
job = list(jobs.values())[-1]
assert job["status"] == "succeeded", job
assert job["seed"] == 7 and job["validation_file"], job
assert job["method"] == {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3, "learning_rate_multiplier": "auto"}}}, job
PY

# watch of a finished job; the default output directory is named after the job.
job=$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["jobs"])[-1])' state.json)
run_tp 0 watch "$job" --json
python3 - tp.out "$job" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert d["status"] == "succeeded" and d["overfitting_step"] == 6, d
assert d["files"] == [f"{sys.argv[2]}/metrics.csv", f"{sys.argv[2]}/metrics.svg", f"{sys.argv[2]}/metrics.html"], d
PY

# A job that fails: exit 1 and the service's error.
run_tp 1 train --model gpt-4o-mini --training-file clean/train.jsonl --validation-file clean/validation.jsonl \
  --suffix fail --wait --poll 0.05 --out failed
assert_contains tp.err "uploaded clean/validation.jsonl  file-"
assert_contains tp.err "failed: The job failed due to an invalid training file. [invalid_training_file]"
[ ! -e failed ] || fail "a failed job wrote results"

# cancel, then jobs lists it.
run_tp 0 train --model gpt-4o-mini --training-file clean/train.jsonl
cancel_job=$(cat tp.out)
run_tp 0 cancel "$cancel_job"
assert_contains tp.out "$cancel_job  cancelled"
run_tp 2 cancel "$cancel_job"
assert_contains tp.err "HTTP 400: Job $cancel_job has already cancelled [invalid_state] (request id req_"
run_tp 0 jobs --limit 2 --json
[ "$(wc -l <tp.out)" = 2 ] || fail "jobs --limit 2 printed $(wc -l <tp.out) jobs"
assert_contains tp.out "\"id\":\"$cancel_job\",\"status\":\"cancelled\""
run_tp 0 jobs
assert_contains tp.out "STATUS"

# The gate: a file with errors is refused (exit 1) unless --no-validate.
printf '{"messages":[{"role":"user","content":"hi"}]}\n' >bad.jsonl
run_tp 1 upload bad.jsonl
assert_contains tp.err "error[no-assistant-message]"
assert_contains tp.err "bad.jsonl not uploaded: it has errors"
run_tp 0 upload bad.jsonl --no-validate -q
grep -qx 'file-[0-9]*' tp.out || fail "upload -q prints the file id alone"
# The gate applies the [rules] of the configuration: with the file's rules off, it goes up.
printf '[rules]\ndisable = ["no-assistant-message", "too-few-examples"]\n' >gate.toml
run_tp 0 --config gate.toml upload bad.jsonl -q
grep -qx 'file-[0-9]*' tp.out || fail "upload with the rules of gate.toml off was refused"

# A prepared dir whose train.jsonl changed is refused before anything is sent.
cp -r clean changed
printf '\n' >>changed/train.jsonl
run_tp 1 train --model gpt-4o-mini --dir changed
assert_contains tp.err "changed/train.jsonl: changed since prepare wrote it"
run_tp 2 train --model gpt-4o-mini --dir clean --method dpo
assert_contains tp.err "--method dpo needs prepare --to dpo"

# No key: a usage error that says where a key comes from. A key file works as well as the variable.
OPENAI_API_KEY= run_tp 2 jobs
assert_contains tp.err "no API key: set OPENAI_API_KEY or pass --api-key-file FILE"
OPENAI_API_KEY= run_tp 0 jobs --api-key-file "$WORK/key" --verbose
assert_contains tp.err "Authorization: Bearer sk-…"
OPENAI_API_KEY=sk-wrong-key-0000000000000000 run_tp 2 jobs
assert_contains tp.err "HTTP 401: Incorrect API key provided [invalid_api_key]"

# A profile from tuneprep.toml: its URL and key variable.
cat >tuneprep.toml <<TOML
[backend.local]
base_url = "$FAKE_URL/v1"
api_key_env = "LOCAL_FT_KEY"
TOML
OPENAI_BASE_URL=http://127.0.0.1:1 LOCAL_FT_KEY="$FAKE_KEY" run_tp 0 jobs --backend local --limit 1
run_tp 2 jobs --backend nowhere
assert_contains tp.err "unknown backend 'nowhere' (known: openai, local"
# The profiles come from the one bounded parse of the configuration, with its errors.
printf '[backend.local]\nmodels = %s\n' "$(printf '[%.0s' $(seq 40))" >deep.toml
run_tp 2 --config deep.toml jobs --backend local
assert_contains tp.err "deep.toml:2:42: arrays, tables and inline tables are nested too deeply (at most 32)"
printf '[backend.local]\nbase_url = "%s/v1"\n[rules]\ndisable = ["no-such-rule"]\n' "$FAKE_URL" >badrules.toml
run_tp 2 --config badrules.toml jobs --backend local
assert_contains tp.err "badrules.toml: unknown rule id 'no-such-rule'"

assert_no_key

# Helpers for the backend end-to-end tests (sourced after tests/e2e/common.sh): start the fake
# service on 127.0.0.1 with a key only it and tuneprep know, and talk to its control endpoints.
FAKE_KEY="sk-test-$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
printf '%s\n' "$FAKE_KEY" >"$WORK/key"
export OPENAI_API_KEY="$FAKE_KEY"
unset OPENAI_BASE_URL

start_fake_server() {
  python3 "$TUNEPREP_SOURCE_DIR/tests/backend/fake_server.py" --port-file "$WORK/port" --key "$FAKE_KEY" \
    2>"$WORK/server.err" &
  FAKE_PID=$!
  trap 'kill "$FAKE_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
  for _ in $(seq 100); do
    [ -s "$WORK/port" ] && break
    sleep 0.1
  done
  [ -s "$WORK/port" ] || fail "the fake server did not start: $(cat "$WORK/server.err")"
  FAKE_URL="http://127.0.0.1:$(cat "$WORK/port")"
  export OPENAI_BASE_URL="$FAKE_URL/v1"
}

# fake_faults JSON_LIST: replaces the server's fault list.
fake_faults() {
  python3 - "$FAKE_URL" "$1" <<'PY'
import sys, urllib.request
body = ('{"faults": %s}' % sys.argv[2]).encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_control/faults", body, method="POST")).read()
PY
}

# fake_get NAME OUT_FILE: saves /_control/NAME (log or state) as JSON.
fake_get() {
  python3 -c 'import sys, urllib.request; open(sys.argv[2], "wb").write(urllib.request.urlopen(sys.argv[1]).read())' \
    "$FAKE_URL/_control/$1" "$2"
}

# assert_no_key: the key appears in no output of the test (stdout, stderr, written files).
assert_no_key() {
  if grep -rlF --exclude=key --exclude=server.err -- "$FAKE_KEY" "$WORK" | grep -q .; then
    grep -rlF --exclude=key --exclude=server.err -- "$FAKE_KEY" "$WORK" >&2
    fail "the API key appears in the files above"
  fi
}

#!/usr/bin/env bash
# The stats HTML report in a real browser: headless Chromium renders the fixture report (built by
# stats_render_fixture, next to the tuneprep binary), the screenshots are not blank at desktop and
# phone widths, and the rendered DOM holds the key figures. Then the same through the real CLI:
# `tuneprep stats samples/ --html`, checked against the figures of its own --json.
source "$(dirname "$0")/common.sh"

FIXTURE="$(dirname "$TUNEPREP")/stats_render_fixture"
[ -x "$FIXTURE" ] || fail "stats_render_fixture not built next to $TUNEPREP"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || fail "chromium is not installed (scripts/deps installs it)"

# Every flag keeps the browser off the network and away from the user's profile.
browse() {  # ARGS... FILE
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d "$WORK/profile.XXXX")" "$@" 2>>"$WORK/chromium.log"
}

"$FIXTURE" small html "$WORK/report.html"
"$FIXTURE" compare html "$WORK/compare.html"

browse --screenshot="$WORK/desktop.png" --window-size=1200,2000 "file://$WORK/report.html"
browse --screenshot="$WORK/phone.png" --window-size=400,2000 "file://$WORK/report.html"
for png in desktop phone; do
  [ -s "$WORK/$png.png" ] || { cat "$WORK/chromium.log" >&2; fail "no screenshot $png.png"; }
  # A blank page has one or two colours; the report has text, bars and a histogram.
  python3 "$TUNEPREP_SOURCE_DIR/tests/e2e/png_check.py" "$WORK/$png.png" --min-colors 20 --min-stddev 8 ||
    fail "$png.png looks blank"
done

browse --dump-dom "file://$WORK/report.html" >"$WORK/dom.html"
assert_contains "$WORK/dom.html" 'data-figure="records">14<'
assert_contains "$WORK/dom.html" 'data-figure="valid">12<'
assert_contains "$WORK/dom.html" 'data-figure="rejected">2<'
assert_contains "$WORK/dom.html" 'data-figure="tokens.total">5,368<'
assert_contains "$WORK/dom.html" 'data-figure="tokens.per_example.p50">30<'
assert_contains "$WORK/dom.html" 'data-figure="examples_over_limit">1<'
assert_contains "$WORK/dom.html" 'data-figure="estimate.epochs">10<'
assert_contains "$WORK/dom.html" 'data-figure="estimate.total_training_tokens">44,640<'
assert_contains "$WORK/dom.html" 'data-figure="estimate.cost_usd">$0.13<'
assert_contains "$WORK/dom.html" '<svg class="hist"'
assert_contains "$WORK/dom.html" 'arr hello matey'

browse --dump-dom "file://$WORK/compare.html" >"$WORK/compare-dom.html"
assert_contains "$WORK/compare-dom.html" 'Dataset comparison'
assert_contains "$WORK/compare-dom.html" 'class="notable" data-figure="records"'

# Through the CLI, over the repository's samples.
cp -r "$TUNEPREP_SOURCE_DIR/samples" "$WORK/samples"
run_tp 0 stats samples/ --html cli.html --json cli.json
browse --screenshot="$WORK/cli.png" --window-size=1200,2000 "file://$WORK/cli.html"
[ -s "$WORK/cli.png" ] || { cat "$WORK/chromium.log" >&2; fail "no screenshot cli.png"; }
python3 "$TUNEPREP_SOURCE_DIR/tests/e2e/png_check.py" "$WORK/cli.png" --min-colors 20 --min-stddev 8 ||
  fail "cli.png looks blank"
browse --dump-dom "file://$WORK/cli.html" >"$WORK/cli-dom.html"
figure() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(format($1, ','))" cli.json; }
[ "$(figure 'd["records"]')" = 80 ] || fail "samples/ should have 80 records"
for key in records valid rejected; do
  assert_contains "$WORK/cli-dom.html" "data-figure=\"$key\">$(figure "d['$key']")<"
done
assert_contains "$WORK/cli-dom.html" "data-figure=\"tokens.total\">$(figure 'd["tokens"]["total"]')<"
assert_contains "$WORK/cli-dom.html" \
  "data-figure=\"estimate.total_training_tokens\">$(figure 'd["estimate"]["total_training_tokens"]')<"
assert_contains "$WORK/cli-dom.html" '<svg class="hist"'
assert_contains "$WORK/cli-dom.html" 'You are a concise support assistant for Acme Cloud.'
echo "ok"

#!/usr/bin/env bash
# Man pages: tuneprep(1) and tuneprep-CMD(1) for every command `tuneprep --help` lists (whatever
# commands exist), rendered by groff without warnings, with their sections, and naming every option
# that `tuneprep CMD --help` prints.
source "$(dirname "$0")/common.sh"
command -v groff >/dev/null || fail "groff is missing (scripts/deps installs groff-base)"

render() {  # PAGE.1 -> plain text on stdout; a groff warning fails the test
  groff -man -Tutf8 -ww -rLL=200n -P-cbou "$1" 2>"$WORK/groff.err"
  [ ! -s "$WORK/groff.err" ] || { cat "$WORK/groff.err" >&2; fail "groff warns about $1"; }
}

# The option names of a --help text: the first column of each option line ("-o,--output TEXT ...").
help_options() {
  sed -n '/^Options:/,/^Subcommands:/p' "$1" | grep -E '^  -' | awk '{print $1}' | tr ',' '\n' | grep -E '^-'
}

mkdir pages
run_tp 0 manpage --out-dir pages
run_tp 0 --help
cp "$WORK/tp.out" root.help
commands=$(sed -n '/^Subcommands:/,$p' root.help | grep -E '^  [a-z]' | awk '{print $1}')
[ "$(echo "$commands" | wc -l)" -ge 10 ] || fail "too few commands in --help: $commands"

check_page() {  # PAGE HELP_FILE
  local page=$1 help=$2 text="$WORK/page.txt"
  [ -f "$page" ] || fail "no man page $page"
  render "$page" >"$text"
  for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES FILES "SEE ALSO"; do
    grep -q "^$section\$" "$text" || fail "$page has no $section section"
  done
  grep -q "tuneprep.toml" "$text" || fail "$page: FILES does not name tuneprep.toml"
  for status in 0 1 2; do grep -qE "^       $status +" "$text" || fail "$page: EXIT STATUS lacks $status"; done
  for option in $(help_options "$help"); do
    grep -qE -- "(^|[ ,])$option([ ,.]|\$)" "$text" || fail "$page does not document $option (from --help)"
  done
}

check_page pages/tuneprep.1 root.help
pages=1
for cmd in $commands; do
  run_tp 0 "$cmd" --help
  cp "$WORK/tp.out" "$cmd.help"
  check_page "pages/tuneprep-$cmd.1" "$cmd.help"
  grep -q "tuneprep\\\\-$cmd" pages/tuneprep.1 || fail "tuneprep(1) does not list $cmd"
  # `tuneprep manpage CMD` prints the same page as --out-dir writes.
  run_tp 0 manpage "$cmd"
  assert_same_file "pages/tuneprep-$cmd.1" "$WORK/tp.out"
  pages=$((pages + 1))
done
[ "$(ls pages | wc -l)" -eq "$pages" ] || fail "pages/ holds pages of no listed command: $(ls pages)"

# man(1) itself reads them (man-db).
if command -v man >/dev/null; then
  MANWIDTH=100 man -l pages/tuneprep-validate.1 >validate.man 2>man.err || fail "man -l failed: $(cat man.err)"
  grep -q "output" validate.man || fail "man -l printed no page"
fi

# The build wrote the same pages (the ones `cmake --install` and the package ship).
built="$(dirname "$TUNEPREP")/man"
if [ -d "$built" ]; then
  for page in pages/*.1; do assert_same_file "$page" "$built/$(basename "$page")"; done
fi
run_tp 2 manpage no-such-command
assert_contains "$WORK/tp.err" "no command named 'no-such-command'"
echo "ok: $pages man pages"

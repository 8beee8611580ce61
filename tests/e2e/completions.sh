#!/usr/bin/env bash
# Shell completions: the bash script completes commands, options, choices and files when its
# function is called as bash calls it (COMP_WORDS, COMP_CWORD); it knows every command and every
# option that --help lists. zsh and fish scripts pass their shell's syntax check, and each shell's
# own completion engine completes with them.
source "$(dirname "$0")/common.sh"

run_tp 0 completions bash
cp "$WORK/tp.out" tuneprep.bash
bash -n tuneprep.bash || fail "the bash completion has a syntax error"

# complete WORD...: what the completion offers for the last word, one per line.
cat >complete.sh <<'SH'
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
_tuneprep
printf '%s\n' "${COMPREPLY[@]}"
SH
complete() { bash complete.sh "$WORK/tuneprep.bash" tuneprep "$@"; }
expect() {  # EXPECTED WORD...: the offered words, space-joined
  local expected=$1; shift
  local got
  got=$(complete "$@" | tr '\n' ' ' | sed 's/ $//')
  [ "$got" = "$expected" ] || fail "completing 'tuneprep $*': got '$got', expected '$expected'"
}
expect "validate" val
expect "--output-format" validate --out
expect "sarif" validate --output-format s
expect "text json sarif github" validate --output-format ''
expect "github" validate --output-format = g        # bash splits --output-format=g at '='
expect "validate" -j 4 val                          # a global option's value is not the command
expect "always" --color al
expect "bash zsh fish" completions ''
mkdir -p data/sub && touch data/train.jsonl
expect "data/train.jsonl" validate data/tr              # inputs are files
expect "data/sub" prepare data/train.jsonl -o data/s     # -o names a directory
expect "" cancel ftjob                                   # a job id: nothing to offer

# Every command of --help, and each one's options, complete (one bash for all of them).
run_tp 0 --help
commands=$(sed -n '/^Subcommands:/,$p' "$WORK/tp.out" | grep -E '^  [a-z]' | awk '{print $1}')
cat >each.sh <<'SH'
source "$1"; shift
for cmd in "$@"; do
  COMP_WORDS=(tuneprep "${cmd:0:3}"); COMP_CWORD=1; _tuneprep
  printf "prefix $cmd %s\n" "${COMPREPLY[@]}"
  COMP_WORDS=(tuneprep "$cmd" --); COMP_CWORD=2; _tuneprep
  printf "option $cmd %s\n" "${COMPREPLY[@]}"
done
SH
# shellcheck disable=SC2086
bash each.sh "$WORK/tuneprep.bash" $commands >offered.txt
for cmd in $commands; do
  awk -v c="$cmd" '$1 == "prefix" && $2 == c && $3 == c' offered.txt | grep -q . ||
    fail "'tuneprep ${cmd:0:3}' does not offer $cmd"
  "$TUNEPREP" "$cmd" --help >help.txt
  for option in $(sed -n '/^Options:/,$p' help.txt | grep -E '^  --?[a-z]' | awk '{print $1}' | tr ',' '\n' | grep -E '^--'); do
    grep -qx -- "option $cmd $option" offered.txt || fail "'tuneprep $cmd --' does not offer $option"
  done
done

# zsh and fish: syntax, and fish's own completion engine over the script.
run_tp 0 completions zsh
cp "$WORK/tp.out" _tuneprep
run_tp 0 completions fish
cp "$WORK/tp.out" tuneprep.fish
if command -v zsh >/dev/null; then
  zsh -n _tuneprep || fail "the zsh completion has a syntax error"
  head -1 _tuneprep | grep -qx '#compdef tuneprep' || fail "the zsh completion lacks #compdef"
  # zsh's own completion system over the script, in an interactive zsh (zsh_complete.zsh).
  mkdir -p zfunc zbin zhome
  cp _tuneprep zfunc/
  ln -s "$TUNEPREP" zbin/tuneprep
  timeout 60 zsh -f "$TUNEPREP_SOURCE_DIR/tests/e2e/zsh_complete.zsh" "$WORK/zfunc" "$WORK/zbin" "$WORK/zhome" \
    'tuneprep val' 'tuneprep validate --output-f' 'tuneprep validate --output-format=s' 'tuneprep --col' \
    'tuneprep validate data/tr' >zsh.out 2>zsh.err || fail "zsh completion run failed: $(cat zsh.err)"
  printf '%s\n' '#tuneprep validate' '#tuneprep validate --output-format' '#tuneprep validate --output-format=sarif' \
    '#tuneprep --color' '#tuneprep validate data/train.jsonl' >zsh.expected
  assert_same_file zsh.expected zsh.out
else
  echo "note: zsh not installed, its completion not checked"
fi
if command -v fish >/dev/null; then
  fish -n tuneprep.fish || fail "the fish completion has a syntax error"
  HOME=$WORK fish --no-config -c "source tuneprep.fish; complete -C'tuneprep val'; complete -C'tuneprep validate --output-format '" \
    >fish.out 2>fish.err || fail "fish: $(cat fish.err)"
  grep -q "^validate	" fish.out || fail "fish does not complete validate: $(cat fish.out)"
  grep -q "^sarif	" fish.out || fail "fish does not complete --output-format values: $(cat fish.out)"
else
  echo "note: fish not installed, its completion not checked"
fi

# -o writes the script to a file.
run_tp 0 completions bash -o out.bash
assert_same_file tuneprep.bash out.bash
run_tp 2 completions tcsh
echo "ok: completions of $(echo "$commands" | wc -w) commands"

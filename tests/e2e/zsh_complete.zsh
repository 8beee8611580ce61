# zsh -f zsh_complete.zsh COMPLETION_DIR BIN_DIR HOME PROBE...: types each PROBE and a TAB into an
# interactive zsh (through zsh/zpty) that has COMPLETION_DIR in $fpath, and prints each completed
# line as "#PROBE-AS-COMPLETED". Each step waits for a marker printed by the shell itself, so
# nothing depends on timing (run it under timeout).
zmodload zsh/zpty
setopt extendedglob
zpty z "HOME=$3 TERM=xterm zsh -f -i"
wait_for() {  # MARKER: reads until the shell has printed MARKER
  local out=''
  zpty -r -m z out "*$1*" || exit 1
}
zpty -w z "PATH=$2:\$PATH; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; PS1='%% '; setopt nobeep interactivecomments; bindkey -e; print READY-\$((40+2))"
wait_for READY-42
integer n=0
for probe in "${@[4,-1]}"; do
  n+=1
  # TAB completes; ^A# turns the line into a comment, so Enter echoes it without running it.
  zpty -n -w z "$probe"$'\t\C-a#\n'"print DONE-\$(($n+1000))"$'\n'
  out=''
  zpty -r -m z out "*DONE-$((n + 1000))*" || exit 1
  out=${out//$'\r'/}
  out=${(S)out//$'\e'\[[0-9;?]#[a-zA-Z]/}
  # The last "#tuneprep ..." that zle drew is the completed line.
  line=${${(M)${(f)out}:#*\#tuneprep*}[-1]}
  print -r -- "#${line##*\#}"
done
zpty -d z

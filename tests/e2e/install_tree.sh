#!/usr/bin/env bash
# `cmake --install BUILD --prefix P` puts every file in its standard place, the installed binary
# runs, and another CMake project finds the library with find_package(tuneprep), builds and runs.
# Label "install": it reads the Release build tree, so scripts/test runs it there only.
source "$(dirname "$0")/common.sh"
build=$(dirname "$TUNEPREP")
prefix=$WORK/prefix

cmake --install "$build" --prefix "$prefix" >install.log 2>&1 || { cat install.log; fail "cmake --install failed"; }
for file in bin/tuneprep share/man/man1/tuneprep.1 share/man/man1/tuneprep-validate.1 \
    share/bash-completion/completions/tuneprep share/zsh/site-functions/_tuneprep \
    share/fish/vendor_completions.d/tuneprep.fish include/tuneprep/validate.hpp include/tuneprep/build_info.hpp \
    lib/cmake/tuneprep/tuneprepConfig.cmake lib/cmake/tuneprep/tuneprepConfigVersion.cmake \
    share/doc/tuneprep/examples/support-chat.jsonl; do
  [ -e "$prefix/$file" ] || fail "not installed: $file"
done
ls "$prefix"/lib/libtuneprep.a "$prefix"/lib/libtuneprep_backend.a >/dev/null || fail "libraries not installed"
# A man page for every command.
for cmd in $("$prefix/bin/tuneprep" --help | sed -n '/^Subcommands:/,$p' | grep -E '^  [a-z]' | awk '{print $1}'); do
  [ -f "$prefix/share/man/man1/tuneprep-$cmd.1" ] || fail "no installed man page for $cmd"
done
"$prefix/bin/tuneprep" --version | grep -q '^tuneprep ' || fail "the installed binary does not run"

# A consumer project, built against the installed tree only.
cmake -S "$TUNEPREP_SOURCE_DIR/tests/install_consumer" -B consumer -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >consumer.log 2>&1 || { cat consumer.log; fail "the consumer project does not configure"; }
cmake --build consumer >>consumer.log 2>&1 || { cat consumer.log; fail "the consumer project does not build"; }
consumer/consumer "$prefix/share/doc/tuneprep/examples/support-chat.jsonl" >consumer.out ||
  fail "the consumer failed: $(cat consumer.out)"
version=$("$prefix/bin/tuneprep" version --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
assert_contains consumer.out "tuneprep $version: "
assert_contains consumer.out " 2 tokens"   # "hello world" in cl100k_base
# The installed validate agrees with the library about the same sample.
status=0
"$prefix/bin/tuneprep" validate "$prefix/share/doc/tuneprep/examples/support-chat.jsonl" >validate.out 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "validate of the sample exited $status: $(cat validate.out)"
errors=$(sed -nE 's/.* ([0-9]+) errors?.*/\1/p' consumer.out)
grep -qE "^$errors errors?" <(tail -1 validate.out) || fail "consumer saw $errors errors, validate: $(tail -1 validate.out)"
echo "ok: installed into a prefix; consumer: $(cat consumer.out)"

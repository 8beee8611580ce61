#!/usr/bin/env bash
# scripts/package makes tuneprep_<version>_<arch>.deb from the build tree (no compile) with the
# Depends: of dpkg-shlibdeps; unpacked into a scratch root with dpkg -x, its binary runs
# --version and validates a sample it ships, and its man pages and completions are in place.
# Label "install": it packages the Release build tree, so scripts/test runs it there only.
source "$(dirname "$0")/common.sh"
build=$(dirname "$TUNEPREP")

deb=$("$TUNEPREP_SOURCE_DIR/scripts/package" --no-build "$build" "$WORK/out") || fail "scripts/package failed"
version=$("$TUNEPREP" version --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
[ "$(basename "$deb")" = "tuneprep_${version}_$(dpkg --print-architecture).deb" ] || fail "package named $deb"

dpkg-deb -f "$deb" Package Version Depends >control.txt
assert_contains control.txt "Package: tuneprep"
assert_contains control.txt "Version: $version"
for lib in libc6 libstdc++6 libsimdjson libfmt libtbb libssl3 libcurl4 libre2 libvectorscan libicu libzstd1; do
  grep -q "^Depends:.*$lib" control.txt || fail "Depends lacks $lib: $(cat control.txt)"
done

dpkg -x "$deb" root
bin=root/usr/bin/tuneprep
"$bin" --version >version.txt || fail "the packaged binary does not run"
grep -qxE "tuneprep $version \\(commit ([0-9a-f]+|unknown)\\)" version.txt || fail "--version: $(cat version.txt)"
"$TUNEPREP" --version | cmp -s - version.txt || fail "the package holds another build: $(cat version.txt)"

# validate, on a sample from the package, prints what the build tree's binary prints.
sample=root/usr/share/doc/tuneprep/examples/support-chat.jsonl
[ -f "$sample" ] || fail "no samples in the package"
status=0
(cd root/usr/share/doc/tuneprep/examples && "$WORK/$bin" validate support-chat.jsonl) >packaged.out 2>&1 || status=$?
[ "$status" -eq 1 ] || fail "validate of the packaged sample exited $status: $(cat packaged.out)"
(cd root/usr/share/doc/tuneprep/examples && "$TUNEPREP" validate support-chat.jsonl) >built.out 2>&1 || true
assert_same_file built.out packaged.out

for file in usr/share/man/man1/tuneprep.1 usr/share/man/man1/tuneprep-validate.1 \
    usr/share/bash-completion/completions/tuneprep usr/share/zsh/site-functions/_tuneprep \
    usr/share/fish/vendor_completions.d/tuneprep.fish; do
  [ -f "root/$file" ] || fail "not in the package: $file"
done
MANWIDTH=100 man -l root/usr/share/man/man1/tuneprep-validate.1 >page.txt 2>&1 || fail "man -l: $(cat page.txt)"
[ ! -e root/usr/lib ] && [ ! -e root/usr/include ] || fail "the package holds development files"
echo "ok: $(basename "$deb"), $(stat -c %s "$deb") bytes"

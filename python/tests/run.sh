#!/usr/bin/env bash
# The Python module end to end: builds the wheel (over the CMake build TUNEPREP_CMAKE_BUILD_DIR, so
# only the module is compiled), installs it into a fresh venv with pip --no-index --no-deps, and
# runs pytest there, comparing with the binary $TUNEPREP. ctest runs it (python/CMakeLists.txt).
set -euo pipefail
: "${TUNEPREP:?set TUNEPREP to the tuneprep binary}"
: "${TUNEPREP_SOURCE_DIR:?set TUNEPREP_SOURCE_DIR to the repository root}"
python=/usr/bin/python3  # Debian's: pybind11 and pytest are built for it
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

started=$SECONDS
TUNEPREP_SKIP_DEPS=1 "$TUNEPREP_SOURCE_DIR/scripts/wheel" "$work/dist" >/dev/null
echo "wheel: $(basename "$work"/dist/*.whl), $(du -k "$work"/dist/*.whl | cut -f1) kB, $((SECONDS - started)) s"
# --system-site-packages: pytest comes from Debian (python3-pytest); tuneprep only from the wheel.
"$python" -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install --quiet --no-index --no-deps "$work"/dist/tuneprep-*.whl
cd "$work"  # not the source tree: `import tuneprep` must find the installed package
"$work/venv/bin/python" -c 'import tuneprep, sys; assert tuneprep.__file__.startswith(sys.prefix), tuneprep.__file__'
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$TUNEPREP_SOURCE_DIR/python/tests"

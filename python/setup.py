"""The wheel's build step: CMake builds the extension tuneprep._core, setuptools packages it with
python/tuneprep/. With TUNEPREP_CMAKE_BUILD_DIR naming an existing CMake build directory (relative
to the repository root, e.g. `build`), that build is reused: only the module is compiled and
linked there. Without it, a Release build is made under python/build/ from scratch."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def project_version() -> str:
    match = re.search(r"project\(tuneprep VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text())
    if match is None:
        raise RuntimeError("no project version in CMakeLists.txt")
    return match.group(1)


def cmake_build_dir() -> tuple[Path, bool]:
    """The CMake build directory, and whether it is an existing one being reused."""
    given = os.environ.get("TUNEPREP_CMAKE_BUILD_DIR")
    if given:
        return (ROOT / given).resolve(), True
    return HERE / "build" / "cmake", False


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        build_dir, reused = cmake_build_dir()
        configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DTUNEPREP_PYTHON=ON",
                     f"-DPython3_EXECUTABLE={sys.executable}"]
        if not (build_dir / "CMakeCache.txt").exists():
            if reused:
                raise RuntimeError(f"TUNEPREP_CMAKE_BUILD_DIR={build_dir}: not a CMake build directory")
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            configure += generator + ["-DCMAKE_BUILD_TYPE=Release", "-DBUILD_TESTING=OFF"]
        # Configuring an existing build only adds the module: the library's flags do not change (it
        # is position-independent either way), so nothing else is rebuilt. A build that has the
        # module already (scripts/test's) is left as it is.
        cache = build_dir / "CMakeCache.txt"
        if not (cache.exists() and "TUNEPREP_PYTHON:BOOL=ON" in cache.read_text()):
            subprocess.run(configure, check=True, stdout=subprocess.DEVNULL)
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 1)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "tuneprep_python", "--parallel", jobs],
                       check=True)
        suffix = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))"],
                                check=True, capture_output=True, text=True).stdout.strip()
        built = build_dir / "python" / f"_core{suffix}"
        if not built.exists():
            raise RuntimeError(f"{built} is missing: {build_dir} builds the module for another python3 "
                               "(its Python3_EXECUTABLE)")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


# setuptools' own temporaries go beside the CMake build, not into the source tree.
work = cmake_build_dir()[0] / "wheel" if os.environ.get("TUNEPREP_CMAKE_BUILD_DIR") else HERE / "build"
work.mkdir(parents=True, exist_ok=True)
setup(
    version=project_version(),
    packages=["tuneprep"],
    package_data={"tuneprep": ["py.typed", "*.pyi"]},
    ext_modules=[Extension("tuneprep._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": str(work)}, "egg_info": {"egg_base": str(work)}},
    zip_safe=False,
)

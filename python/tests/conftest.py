# Fixtures of the Python module's tests: the command-line binary they compare against ($TUNEPREP)
# and the repository's test data ($TUNEPREP_SOURCE_DIR). python/tests/run.sh sets both.
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable

import pytest

SOURCE = Path(os.environ["TUNEPREP_SOURCE_DIR"])
DATA = SOURCE / "tests" / "data"

Cli = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="session")
def cli() -> Cli:
    """Runs the tuneprep binary: cli(*args, cwd=None, status=0) -> CompletedProcess (text)."""
    binary = os.environ["TUNEPREP"]

    def run(*args: str, cwd: Path | None = None, status: int | None = 0) -> subprocess.CompletedProcess:
        done = subprocess.run([binary, "--color", "never", *map(str, args)], cwd=cwd, capture_output=True, text=True)
        if status is not None and done.returncode != status:
            raise AssertionError(f"tuneprep {' '.join(map(str, args))} exited {done.returncode}:\n{done.stderr}")
        return done

    return run


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """A working directory holding a copy of samples/, so paths in outputs are relative."""
    subprocess.run(["cp", "-r", str(SOURCE / "samples"), str(tmp_path / "samples")], check=True)
    return tmp_path

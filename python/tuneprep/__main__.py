"""The `tuneprep` command of the wheel (its console script, and ``python -m tuneprep``): the same
command line as the binary, run from the module."""

from __future__ import annotations

import signal
import sys

from . import _core


def main() -> int:
    # Python starts with SIGPIPE and SIGXFSZ ignored; the command line expects the default actions
    # (`tuneprep ... | head` ends quietly, as the binary does) and installs its own SIGINT handling.
    for name in ("SIGPIPE", "SIGXFSZ"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    return _core.run_cli(["tuneprep", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())

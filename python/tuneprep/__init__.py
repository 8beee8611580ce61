"""tuneprep: clean, upload-ready fine-tuning datasets, from Python.

The C++ library under the ``tuneprep`` command line, with a small Pythonic surface: the same
record analysis, the same runs and the same outputs. Options are the command's long options in
snake_case (``val_ratio=0.05`` is ``--val-ratio 0.05``), parsed and checked by the command's own
code, so a wrong one raises :class:`UsageError` with the command's message. docs/python.md has
an example of every function.
"""

from __future__ import annotations

import json
import os
import re
import threading
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional, Union

from . import _core
from ._core import IoError, UsageError

__version__: str = _core.__version__

__all__ = [
    "Diagnostic",
    "IoError",
    "UsageError",
    "__version__",
    "chat_tokens",
    "count_tokens",
    "encode",
    "models",
    "prepare",
    "stats",
    "validate",
]

UsageError.__module__ = __name__
IoError.__module__ = __name__

StrPath = Union[str, "os.PathLike[str]"]
# A path, a list of paths, or any iterable of records (dicts), e.g. a datasets.Dataset.
Source = Union[StrPath, Sequence[StrPath], Iterable[Mapping[str, Any]]]

# What the runs name records from an iterable by, where the command would name a file.
ITERABLE_NAME = "<iterable>"


@dataclass(frozen=True)
class Diagnostic:
    """One finding, with the fields of ``tuneprep validate --output-format json``."""

    path: Optional[str]  # the input file; None for records from an iterable
    line: Optional[int]  # 1-based; for an iterable, the record's index; None for dataset-level findings
    column: Optional[int]  # 1-based, in characters; None for the whole line
    rule: str  # rule id, as `tuneprep rules` lists them
    severity: str  # "error", "warning" or "info"
    message: str
    pointer: str  # JSON pointer of the field ("/messages/2/content"); "" for the whole record


# ------------------------------------------------------------------------------------------------
# Tokens and models


def models() -> list[dict[str, Any]]:
    """The fine-tunable models, as ``tuneprep models`` lists them: name, encoding, max_tokens."""
    return _core.models()


def count_tokens(text: Union[str, bytes], *, model: Optional[str] = None, encoding: Optional[str] = None) -> int:
    """Tokens of ``text``, as ``tuneprep tokens`` and tiktoken's ``encode_ordinary`` count them.

    The encoding is ``encoding`` if given, else the model's, else o200k_base. Bytes that are not
    UTF-8 count as U+FFFD, as the command line counts them.
    """
    return _core.count_tokens(text, model, encoding)


def encode(text: Union[str, bytes], *, model: Optional[str] = None, encoding: Optional[str] = None) -> list[int]:
    """Token ids of ``text``, as ``tuneprep tokens --ids`` prints them (tiktoken's ``encode_ordinary``)."""
    return _core.encode(text, model, encoding)


def chat_tokens(example: Mapping[str, Any], *, model: str) -> dict[str, Any]:
    """Tokens of one example, as ``tuneprep tokens --chat --model MODEL`` prints them.

    Returns ``total``, ``prompt``, ``assistant`` (the trained part), ``estimated`` (the part from
    tool definitions and calls) and ``over_limit``; a preference pair adds
    ``non_preferred_total`` and ``non_preferred_assistant``. An example the analysis rejects
    raises ValueError with the first error (``"rule-id: message"``).
    """
    result = json.loads(_core.chat_tokens(_record_json(example), model))
    if "error" in result:
        raise ValueError(result["error"])
    del result["line"]
    return result


# ------------------------------------------------------------------------------------------------
# Runs


def validate(source: Source, **options: Any) -> list[Diagnostic]:
    """Every rule over every record, as ``tuneprep validate --output-format json`` reports them.

    ``source`` is a path, a list of paths, or any iterable of dicts (records from an iterable
    are never written to a file). Diagnostics below ``min_severity`` (default "warning") are
    left out, as the command leaves them out.
    """
    _refuse(options, "validate", ("output_format", "show_fixes"))
    with _Inputs(source) as inputs:
        output = _core.validate(_arguments(options) + ["--"] + inputs.paths)
        inputs.check()
    _warn(output.notes, inputs)
    diagnostics = []
    for line in output.json.splitlines():
        fields = _renamed(json.loads(line), inputs.pipe_path)
        if fields["path"] == ITERABLE_NAME:
            fields["path"] = None
        diagnostics.append(Diagnostic(**fields))
    return diagnostics


def prepare(inputs: Source, out: StrPath, **options: Any) -> dict[str, Any]:
    """The whole pipeline, as ``tuneprep prepare INPUTS -o OUT``: writes the output set to ``out``
    and returns the ``--json`` summary (the manifest's fields: counts, leakage, outputs...)."""
    _refuse(options, "prepare", ("json", "strict", "output"))
    with _Inputs(inputs) as source:
        output = _core.prepare(_arguments(options) + [f"--output={os.fsdecode(out)}", "--"] + source.paths)
        source.check()
    _warn(output.notes, source)
    return _renamed(json.loads(output.json), source.pipe_path)


def stats(source: Source, *, model: Optional[str] = None, **options: Any) -> dict[str, Any]:
    """The report of ``tuneprep stats --json``: counts, tokens, quality signals, cost.

    ``model`` picks the tokenizer, the per-example limit and the price (default gpt-4o-mini).
    """
    _refuse(options, "stats", ("json", "markdown", "html", "compare"))
    if model is not None:
        options["model"] = model
    with _Inputs(source) as inputs:
        output = _core.stats(_arguments(options) + ["--"] + inputs.paths)
        inputs.check()
    _warn(output.notes, inputs)
    return _renamed(json.loads(output.json), inputs.pipe_path)


# ------------------------------------------------------------------------------------------------
# How options and inputs reach the command line's parser


def _arguments(options: Mapping[str, Any]) -> list[str]:
    """``--long-option=value`` per keyword: True is a bare flag, False and None leave it out, a
    list is one comma-separated value (as --report, --fix, --enable take them)."""
    args = []
    for name, value in options.items():
        option = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(option)
        elif isinstance(value, (list, tuple, set, frozenset)):
            args.append(f"{option}={','.join(str(item) for item in value)}")
        else:
            args.append(f"{option}={os.fsdecode(value) if isinstance(value, (bytes, os.PathLike)) else value}")
    return args


def _refuse(options: Mapping[str, Any], command: str, names: Sequence[str]) -> None:
    """Options that only shape what the command prints or where: the function returns the data."""
    for name in names:
        if name in options:
            raise UsageError(f"{name}: an option of `tuneprep {command}` only; tuneprep.{command}() returns its result")


def _warn(notes: Sequence[str], inputs: _Inputs) -> None:
    """The input notes the command prints on stderr (an input read once, entries skipped)."""
    for note in notes:
        warnings.warn(_renamed(note, inputs.pipe_path), stacklevel=3)


def _renamed(value: Any, pipe_path: Optional[str]) -> Any:
    """``value`` with ITERABLE_NAME wherever the command would name a file and names the pipe."""
    if pipe_path is None:
        return value
    if isinstance(value, str):
        return re.sub(re.escape(pipe_path) + r"(?![0-9])", ITERABLE_NAME, value)
    if isinstance(value, list):
        return [_renamed(item, pipe_path) for item in value]
    if isinstance(value, dict):
        return {key: _renamed(item, pipe_path) for key, item in value.items()}
    return value


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, bytes, os.PathLike))


def _jsonable(value: Any) -> Any:
    """What json.dumps cannot write itself: NumPy scalars and arrays (Arrow-backed datasets yield them)."""
    for method in ("tolist", "item"):
        if callable(getattr(value, method, None)):
            return getattr(value, method)()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _record_json(record: Any) -> str:
    # ensure_ascii=False keeps columns in characters of the text; lone surrogates stay invalid
    # UTF-8 (surrogatepass below), which the analysis reports as the command would.
    return json.dumps(record, ensure_ascii=False, default=_jsonable)


class _Inputs:
    """The inputs of a run as command-line paths. An iterable of records is streamed as JSON Lines
    into a pipe by a thread of its own and read from /dev/fd/N, as the command reads stdin: record
    N is line N, nothing is written to disk and memory stays bounded whatever the length."""

    def __init__(self, source: Source) -> None:
        self.paths: list[str]
        self.pipe_path: Optional[str] = None
        self._error: Optional[Exception] = None
        self._error_index = 0
        if _is_path(source):
            self.paths = [os.fsdecode(source)]  # type: ignore[arg-type]
        elif isinstance(source, (list, tuple)) and all(_is_path(item) for item in source):
            self.paths = [os.fsdecode(item) for item in source]
        elif isinstance(source, Mapping):
            raise TypeError("source is one record: pass a list of records, e.g. [record]")
        elif isinstance(source, Iterable):
            self._read_fd, write_fd = os.pipe()
            self.pipe_path = f"/dev/fd/{self._read_fd}"
            self.paths = [self.pipe_path]
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._feed, args=(source, write_fd), name="tuneprep-records", daemon=True)
            self._thread.start()
        else:
            raise TypeError(f"source must be a path, a list of paths or an iterable of records, not {type(source).__name__}")

    def _feed(self, records: Iterable[Any], write_fd: int) -> None:
        index = 0
        try:
            with open(write_fd, "wb", buffering=1 << 20) as pipe:
                for index, record in enumerate(records, 1):
                    if self._stop.is_set():
                        break
                    pipe.write(_record_json(record).encode("utf-8", "surrogatepass") + b"\n")
        except BrokenPipeError:
            pass  # the run stopped reading (an error, or Ctrl-C): it reports why
        except Exception as error:  # noqa: BLE001 - raised by check() in the caller's thread
            self._error, self._error_index = error, index

    def __enter__(self) -> _Inputs:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pipe_path is not None:
            self._stop.set()
            os.close(self._read_fd)  # a feed still writing gets EPIPE and ends
            self._thread.join()

    def check(self) -> None:
        """Raises what stopped the feed (a record json.dumps cannot write), once the run is over."""
        if self.pipe_path is None:
            return
        self._thread.join()
        if isinstance(self._error, (TypeError, ValueError)):
            raise TypeError(f"record {self._error_index}: {self._error}") from self._error
        if self._error is not None:
            raise self._error

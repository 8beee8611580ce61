# Ctrl-C: SIGINT sent to the test process interrupts a long prepare with KeyboardInterrupt; the
# previous output set stays, and no temporary is left beside it.
from __future__ import annotations

import itertools
import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

import tuneprep


def endless_chats():
    for i in itertools.count():
        yield {"messages": [{"role": "user", "content": f"Tell me about number {i}, please."},
                            {"role": "assistant", "content": f"{i} is a number; " * 20}]}


def interrupt_when_running(out: Path) -> threading.Thread:
    """Sends SIGINT to this process once prepare's staging directory exists beside `out`."""
    def watch():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(p.name.startswith(f".{out.name}.tmp-") for p in out.parent.iterdir()):
                time.sleep(0.2)  # well into the run
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.01)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def leftovers(directory: Path, name: str) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(f".{name}.tmp-"))


def previous_set(out: Path) -> bytes:
    tuneprep.prepare([{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}],
                     out, val_ratio=0)
    return (out / "manifest.json").read_bytes()


def test_ctrl_c_interrupts_prepare_of_an_endless_iterable(tmp_path):
    out = tmp_path / "out"
    manifest = previous_set(out)
    watcher = interrupt_when_running(out)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        tuneprep.prepare(endless_chats(), out, dedup="near", model="gpt-4o-mini")
    watcher.join()
    assert time.monotonic() - started < 30
    assert leftovers(tmp_path, "out") == []
    assert (out / "manifest.json").read_bytes() == manifest


def test_ctrl_c_interrupts_prepare_of_a_file(tmp_path):
    data = tmp_path / "big.jsonl"
    with data.open("w") as f:
        for record in itertools.islice(endless_chats(), 150_000):
            f.write(json.dumps(record) + "\n")
    out = tmp_path / "out"
    manifest = previous_set(out)
    watcher = interrupt_when_running(out)
    with pytest.raises(KeyboardInterrupt):
        tuneprep.prepare(str(data), out, dedup="near", model="gpt-4o-mini", findings=True, jobs=1)
    watcher.join()
    assert leftovers(tmp_path, "out") == []
    assert (out / "manifest.json").read_bytes() == manifest
    # Interrupted and cleaned up, the module runs again.
    assert tuneprep.prepare(str(data), out, jobs=1)["counts"]["records_in"] == 150_000

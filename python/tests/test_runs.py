# prepare and stats against the command line: byte-identical output sets, the --json summary,
# the stats report; and the wheel's `tuneprep` console script.
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import DATA

import tuneprep

OUTPUTS = ["train.jsonl", "validation.jsonl", "rejected.jsonl", "duplicates.jsonl", "report.json", "report.html",
           "report.md", "manifest.json"]


def test_prepare_writes_the_clis_bytes_and_returns_its_summary(cli, samples, monkeypatch):
    args = ["--fix", "safe", "--model", "gpt-4o-mini", "--findings", "--report", "html,md", "--seed", "7"]
    done = cli("prepare", "samples", "-o", "cli-out", "--json", *args, cwd=samples)
    monkeypatch.chdir(samples)
    summary = tuneprep.prepare("samples", "py-out", fix="safe", model="gpt-4o-mini", findings=True,
                               report=["html", "md"], seed=7)
    for name in OUTPUTS:
        assert (samples / "py-out" / name).read_bytes() == (samples / "cli-out" / name).read_bytes(), name
    expected = json.loads(done.stdout)
    for key in ("output_dir", "seconds"):
        del expected[key], summary[key]
    assert summary == expected
    assert summary["counts"]["records_in"] == sum(summary["counts"][k] for k in
                                                  ("train", "validation", "rejected", "duplicates"))


def test_prepare_from_an_iterable(tmp_path):
    chats = [{"messages": [{"role": "user", "content": f"Q{i}"}, {"role": "assistant", "content": f"A{i}"}]}
             for i in range(50)]
    summary = tuneprep.prepare(chats + chats[:5], tmp_path / "out", val_ratio=0.2)
    assert summary["counts"]["records_in"] == 55
    assert summary["counts"]["duplicates"] == 5
    assert [i["path"] for i in summary["inputs"]] == [tuneprep.ITERABLE_NAME]
    lines = (tmp_path / "out" / "train.jsonl").read_text().splitlines()
    assert len(lines) == summary["counts"]["train"]


def test_stats_equals_stats_json(cli, tmp_path, monkeypatch):
    shutil.copytree(DATA / "stats" / "input", tmp_path / "input")
    done = cli("stats", "input", "--max-tokens", "300", "--price-per-mtok", "2", "--json", "-", cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    report = tuneprep.stats("input", max_tokens=300, price_per_mtok=2)
    assert report == json.loads(done.stdout)
    assert report == json.loads((DATA / "stats" / "cli" / "report.json").read_text())


def test_stats_model_and_iterable(cli, samples, monkeypatch):
    done = cli("stats", "samples/support-chat.jsonl", "--model", "gpt-3.5-turbo", "--json", "-", cwd=samples)
    monkeypatch.chdir(samples)
    assert tuneprep.stats("samples/support-chat.jsonl", model="gpt-3.5-turbo") == json.loads(done.stdout)
    records = []
    for line in (samples / "samples/support-chat.jsonl").read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pass  # the sample's broken lines: no dict holds them
    from_records = tuneprep.stats(records, model="gpt-3.5-turbo")
    from_file = json.loads(done.stdout)
    assert from_records["title"] == tuneprep.ITERABLE_NAME
    for key in ("title", "inputs", "files"):
        from_records.pop(key, None), from_file.pop(key, None)
    assert from_records.keys() == from_file.keys()


def test_console_script_is_the_command_line(cli, samples):
    script = Path(sys.executable).with_name("tuneprep")
    assert script.exists(), "the wheel installs the tuneprep command"
    for args in (["--version"], ["models"], ["validate", "--output-format", "json", "samples"],
                 ["prepare", "samples", "-o", "x"], ["stats", "--bogus"]):
        expected = cli(*args, cwd=samples, status=None)
        shutil.rmtree(samples / "x", ignore_errors=True)
        done = subprocess.run([str(script), "--color", "never", *args], cwd=samples, capture_output=True, text=True)
        shutil.rmtree(samples / "x", ignore_errors=True)
        assert (done.returncode, done.stderr) == (expected.returncode, expected.stderr), args
        if args[0] != "prepare":  # prepare's summary says how long it took
            assert done.stdout == expected.stdout, args


def test_console_script_on_a_closed_pipe_acts_as_the_binary(samples):
    (samples / "big.txt").write_text("hello world " * 100_000)
    def through_head(command: str) -> tuple[str, str]:
        done = subprocess.run(f"{command} tokens --ids big.txt | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
                              shell=True, executable="/bin/bash", cwd=samples, capture_output=True, text=True)
        return done.stdout, done.stderr
    assert through_head(f"'{Path(sys.executable).with_name('tuneprep')}'") == through_head(f"'{os.environ['TUNEPREP']}'")

# validate: the bad-input corpus gives the diagnostics of `validate --output-format json`; an
# iterable of records is validated without a file, its line numbers being record indexes.
from __future__ import annotations

import dataclasses
import json
import shlex

import pytest
from conftest import DATA, SOURCE

import tuneprep

BAD = DATA / "bad"


def corpus():
    return sorted(p for p in BAD.iterdir() if p.suffix not in (".expected", ".args", ".py"))


def cli_args(path) -> list[str]:
    """The corpus test's options for `path` (tests/e2e/validate_bad_corpus.sh)."""
    args = path.with_name(path.name + ".args")
    return shlex.split(args.read_text()) if args.exists() else ["--strict", "--disable", "too-few-examples"]


def as_keywords(args: list[str]) -> dict:
    """`--max-tokens 64 --strict` as max_tokens="64", strict=True."""
    options, i = {}, 0
    while i < len(args):
        name = args[i][2:].replace("-", "_")
        if i + 1 < len(args) and not args[i + 1].startswith("--"):
            options[name], i = args[i + 1], i + 2
        else:
            options[name], i = True, i + 1
    return options


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.name)
def test_bad_corpus_equals_validate_json(cli, path):
    args = cli_args(path)
    done = cli("validate", "--output-format", "json", "--min-severity", "info", *args, path.name, cwd=BAD, status=None)
    options = as_keywords(args)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(BAD)
        if done.returncode == 2:
            with pytest.raises(tuneprep.IoError) as error:
                tuneprep.validate(path.name, min_severity="info", **options)
            assert f"error: {error.value}\n" == done.stderr
            return
        diagnostics = tuneprep.validate(path.name, min_severity="info", **options)
    expected = [json.loads(line) for line in done.stdout.splitlines()]
    assert [dataclasses.asdict(d) for d in diagnostics] == expected
    assert expected, "every corpus file has a finding"


def test_directory_and_default_severity_equal_the_cli(cli):
    done = cli("validate", "--output-format", "json", "samples", cwd=SOURCE, status=None)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(SOURCE)
        diagnostics = tuneprep.validate("samples")
    assert [dataclasses.asdict(d) for d in diagnostics] == [json.loads(line) for line in done.stdout.splitlines()]
    assert all(d.severity != "info" for d in diagnostics)


def chat(i: int) -> dict:
    return {"messages": [{"role": "user", "content": f"What is {i} squared?"},
                         {"role": "assistant", "content": f"{i} squared is {i * i}."}]}


def records(n: int):
    """n chats; every 1000th has no assistant turn, every 2500th repeats the one before it."""
    for i in range(1, n + 1):
        if i % 1000 == 0:
            yield {"messages": [{"role": "user", "content": f"Question {i}"}]}
        elif i % 2500 == 1 and i > 1:
            yield chat(i - 1)
        else:
            yield chat(i)


def test_iterable_of_10000_dicts(cli, tmp_path):
    diagnostics = tuneprep.validate(records(10_000))
    # The same records as a file, only for the command line to compare with.
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records(10_000)), encoding="utf-8")
    done = cli("validate", "--output-format", "json", path, status=None)
    expected = [json.loads(line) for line in done.stdout.splitlines()]
    for row in expected:
        row["path"] = None
        row["message"] = row["message"].replace(str(path), tuneprep.ITERABLE_NAME)
    assert [dataclasses.asdict(d) for d in diagnostics] == expected
    missing = [d.line for d in diagnostics if d.rule == "no-assistant-message"]
    assert missing == list(range(1000, 10_001, 1000))  # line = the record's 1-based index
    assert all(d.path is None for d in diagnostics)


def test_list_of_dicts_and_generator():
    examples = [chat(1), {"messages": [{"role": "user", "content": "hi"}]}]
    assert tuneprep.validate(examples) == tuneprep.validate(iter(examples))
    errors = [d for d in tuneprep.validate(examples) if d.severity == "error"]
    assert [(d.line, d.rule) for d in errors] == [(None, "too-few-examples"), (2, "no-assistant-message")]


def test_a_record_json_cannot_write_raises_type_error():
    with pytest.raises(TypeError, match="record 2"):
        tuneprep.validate([chat(1), {"messages": object()}])


def test_input_notes_are_warnings(cli):
    sample = str(SOURCE / "samples" / "support-chat.jsonl")
    note = cli("validate", "--output-format", "json", sample, sample, status=None).stderr.strip()
    with pytest.warns(UserWarning) as caught:
        tuneprep.validate([sample, sample])
    assert [f"note: {w.message}" for w in caught] == [note]


def test_one_record_is_not_a_source():
    with pytest.raises(TypeError, match="list of records"):
        tuneprep.validate(chat(1))

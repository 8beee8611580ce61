# count_tokens, encode, chat_tokens and models against the command line on the same inputs.
from __future__ import annotations

import json
import subprocess

import pytest
from conftest import DATA, SOURCE

import tuneprep

CORPUS = DATA / "tokens" / "corpus"


def corpus_files():
    return sorted(CORPUS.iterdir())


def read_bytes(path) -> bytes:
    if path.suffix == ".zst":
        return subprocess.run(["zstd", "-dcq", str(path)], check=True, capture_output=True).stdout
    return path.read_bytes()


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_counts_and_ids_equal_the_cli(cli, path, encoding):
    data = read_bytes(path)
    count = int(cli("tokens", "--encoding", encoding, path).stdout)
    ids = [int(token) for token in cli("tokens", "--encoding", encoding, "--ids", path).stdout.split()]
    assert tuneprep.count_tokens(data, encoding=encoding) == count
    assert tuneprep.encode(data, encoding=encoding) == ids
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # bytes.bin: invalid UTF-8 counts as U+FFFD, checked as bytes above
    assert tuneprep.count_tokens(text, encoding=encoding) == count


def test_model_picks_its_encoding_and_encoding_wins():
    assert tuneprep.encode("hello world", model="gpt-3.5-turbo") == [15339, 1917]
    assert tuneprep.encode("hello world") == [24912, 2375]  # o200k_base by default
    assert tuneprep.encode("hello world", model="gpt-3.5-turbo", encoding="o200k_base") == [24912, 2375]
    assert tuneprep.count_tokens("<|endoftext|>", encoding="cl100k_base") == 7  # special tokens are text


def test_models_equal_the_cli(cli):
    rows = [json.loads(line) for line in cli("models", "--json").stdout.splitlines()]
    expected = [{"name": r["model"], "encoding": r["encoding"], "max_tokens": r["max_example_tokens"]} for r in rows]
    assert tuneprep.models() == expected


@pytest.mark.parametrize("name", ["support-chat.jsonl", "python-tutor.sharegpt.jsonl", "preferences.jsonl"])
def test_chat_tokens_equal_tokens_chat(cli, name):
    path = SOURCE / "samples" / name
    printed = [json.loads(line) for line in cli("tokens", "--chat", "--model", "gpt-4o-mini", path).stdout.splitlines()]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(printed) == sum(1 for line in lines if line.strip())
    for expected in printed:
        line = lines[expected.pop("line") - 1]
        try:
            example = json.loads(line)
        except json.JSONDecodeError:
            continue  # not a record a dict can hold
        if "error" in expected:
            with pytest.raises(ValueError) as error:
                tuneprep.chat_tokens(example, model="gpt-4o-mini")
            assert str(error.value) == expected["error"]
        else:
            assert tuneprep.chat_tokens(example, model="gpt-4o-mini") == expected

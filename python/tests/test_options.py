# Options are the command line's, checked by its code: a wrong one raises UsageError with the
# message the command prints; I/O problems raise IoError, an OSError.
from __future__ import annotations

import pytest
from conftest import SOURCE

import tuneprep

SAMPLE = str(SOURCE / "samples" / "support-chat.jsonl")


def cli_message(cli, *args) -> str:
    """What the command prints on stderr for a usage error (exit 2), without its decoration."""
    done = cli(*args, status=2)
    first = done.stderr.splitlines()[0]
    return first.removeprefix("error: ").removeprefix("tuneprep tokens: ")


@pytest.mark.parametrize(("call", "keywords", "argv"), [
    ("prepare", {"val_ratio": 2}, ["--val-ratio=2"]),
    ("prepare", {"dedup": "fuzzy"}, ["--dedup=fuzzy"]),
    ("prepare", {"bogus_option": 1}, ["--bogus-option=1"]),
    ("prepare", {"fix": "not-a-rule"}, ["--fix=not-a-rule"]),
    ("prepare", {"max_memory": "lots"}, ["--max-memory=lots"]),
    ("prepare", {"truncate": True}, ["--truncate"]),
    ("prepare", {"jobs": 0}, ["--jobs=0"]),
    ("validate", {"min_severity": "loud"}, ["--min-severity=loud"]),
    ("validate", {"enable": ["no-such-rule"]}, ["--enable=no-such-rule"]),
    ("stats", {"epochs": 0}, ["--epochs=0"]),
    ("stats", {"model": "gpt-nothing"}, ["--model=gpt-nothing"]),
])
def test_wrong_option_raises_usage_error_with_the_clis_message(cli, tmp_path, call, keywords, argv):
    out = ["-o", str(tmp_path / "out")] if call == "prepare" else []
    expected = cli_message(cli, call, *argv, *out, SAMPLE)
    with pytest.raises(tuneprep.UsageError) as error:
        if call == "prepare":
            tuneprep.prepare(SAMPLE, tmp_path / "out", **keywords)
        else:
            getattr(tuneprep, call)(SAMPLE, **keywords)
    assert str(error.value) == expected
    assert isinstance(error.value, ValueError)
    assert not (tmp_path / "out").exists()


def test_unknown_model_and_encoding_of_count_tokens(cli):
    with pytest.raises(tuneprep.UsageError) as error:
        tuneprep.count_tokens("hi", model="gpt-nothing")
    assert str(error.value) == cli_message(cli, "tokens", "--model", "gpt-nothing", SAMPLE)
    with pytest.raises(tuneprep.UsageError) as error:
        tuneprep.encode("hi", encoding="p50k_base")
    assert str(error.value) == cli_message(cli, "tokens", "--encoding", "p50k_base", SAMPLE)


def test_printing_options_are_refused():
    with pytest.raises(tuneprep.UsageError, match="output_format"):
        tuneprep.validate(SAMPLE, output_format="sarif")
    with pytest.raises(tuneprep.UsageError, match="json"):
        tuneprep.stats(SAMPLE, json="report.json")


def test_missing_input_raises_io_error(cli, tmp_path):
    missing = str(tmp_path / "missing.jsonl")
    with pytest.raises(tuneprep.IoError) as error:
        tuneprep.validate(missing)
    assert isinstance(error.value, OSError)
    assert str(error.value) == cli_message(cli, "validate", missing)


def test_options_from_a_config_file(tmp_path):
    config = tmp_path / "tuneprep.toml"
    config.write_text('[rules]\ndisable = ["missing-system-message"]\n')
    everything = {d.rule for d in tuneprep.validate(SAMPLE, min_severity="info")}
    configured = {d.rule for d in tuneprep.validate(SAMPLE, min_severity="info", config=str(config))}
    assert "missing-system-message" in everything - configured

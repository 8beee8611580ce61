#!/usr/bin/env python3
"""Writes the bad-input corpus: one small file per problem (tests/e2e/validate_bad_corpus.sh runs
`tuneprep validate` over each and compares with NAME.expected). NAME.args, when present, holds
extra options. Run from anywhere; files are written next to this script."""
import gzip
import json
import os
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def chat(*turns, **extra):
    record = {"messages": [{"role": r, "content": c} for r, c in turns]}
    record.update(extra)
    return json.dumps(record, ensure_ascii=False)


OK = chat(("system", "You are concise."), ("user", "What is 2+2?"), ("assistant", "4."))
OK2 = chat(("system", "You are concise."), ("user", "What is 3+3?"), ("assistant", "6."))

FILES = {}
# What the corpus runner passes when a file has no NAME.args: warnings fail too, and the dataset
# size rule stays out of the way of the one problem each file shows.
DEFAULT_ARGS = "--strict --disable too-few-examples"


def jsonl(name, *lines, args=None, raw=False):
    data = "".join(line + "\n" for line in lines)
    FILES[name] = (data.encode("utf-8") if not raw else data, args)


def binary(name, data, args=None):
    FILES[name] = (data, args)


# framing and syntax
jsonl("truncated-object.jsonl", OK, '{"messages": [{"role": "user", "content": "hi"}')
jsonl("truncated-string.jsonl", OK, '{"messages": [{"role": "user", "content": "hi')
binary("invalid-utf8.jsonl", (OK + "\n").encode() + b'{"messages": [{"role": "user", "content": "caf\xe9"}, '
       b'{"role": "assistant", "content": "ok"}]}\n')
binary("bom.jsonl", b"\xef\xbb\xbf" + (OK + "\n" + OK2 + "\n").encode())
binary("crlf.jsonl", (OK + "\r\n" + OK2 + "\r\n").encode())
# Two files joined with cat: the second one's BOM opens line 2 (skipped, bom-or-crlf says where).
binary("mid-file-bom.jsonl", (OK + "\n").encode() + b"\xef\xbb\xbf" + (OK2 + "\n").encode())
# Old Mac line ends: a CR alone between records leaves them on one line.
binary("lone-cr.jsonl", (OK + "\r" + OK2 + "\n").encode())
binary("raw-cr-in-string.jsonl", b'{"messages": [{"role": "user", "content": "one\rtwo"}]}\n')
binary("nul-byte.jsonl", (OK + "\n").encode() + b'{"messages": [{"role": "user", "content": "a"}]}\x00\n')
jsonl("deep-nesting.jsonl", OK, "[" * 1100 + "]" * 1100)
jsonl("trailing-content.jsonl", OK + " {}")
jsonl("invalid-number.jsonl", '{"messages": [{"role": "user", "content": "hi", "weight": 01}]}')
# Valid RFC 8259 numbers simdjson cannot hold: fine under an ignored key, invalid-weight as a weight.
jsonl("out-of-range-numbers.jsonl",
      '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}], "id": 123456789012345678901234567890}',
      '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo", "weight": 1e999}]}',
      '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo", "weight": 1e-400}]}')
jsonl("invalid-escape.jsonl", '{"messages": [{"role": "user", "content": "bad \\q escape"}]}')
jsonl("raw-control-in-string.jsonl", '{"messages": [{"role": "user", "content": "tab\there"}]}')
binary("empty.jsonl", b"", args="--strict")
jsonl("blank-lines.jsonl", "", "   ", "\t", args="--strict")
jsonl("not-an-object.jsonl", "[1, 2]", '"just a string"', "42", "null")
jsonl("unknown-format.jsonl", '{"text": "hi", "reply": "there"}')
jsonl("record-too-large.jsonl", OK, chat(("user", "x" * 300), ("assistant", "y")), args=DEFAULT_ARGS + " --max-record-bytes 200")
# shape
jsonl("wrong-type-messages.jsonl", '{"messages": "hello"}', '{"messages": [["user", "hi"]]}')
jsonl("wrong-type-content.jsonl", '{"messages": [{"role": "user", "content": 42}, {"role": "assistant", "content": "ok"}]}')
jsonl("missing-role.jsonl", '{"messages": [{"content": "hi"}, {"role": "assistant", "content": "ok"}]}')
jsonl("unknown-role.jsonl", '{"messages": [{"role": "human", "content": "hi"}, {"role": "assistant", "content": "ok"}]}')
jsonl("missing-content.jsonl", '{"messages": [{"role": "user"}, {"role": "assistant", "content": "ok"}]}')
jsonl("empty-content.jsonl", chat(("user", "hi"), ("assistant", "   ")))
jsonl("no-assistant-message.jsonl", chat(("system", "Be kind."), ("user", "hi")))
jsonl("unknown-key.jsonl", chat(("user", "hi"), ("assistant", "Hello."), id=7),
      '{"messages": [{"role": "user", "content": "hi", "lang": "en"}, {"role": "assistant", "content": "Hello."}]}')
jsonl("control-character.jsonl", chat(("user", "bell \u0007 here"), ("assistant", "Done.")))
# chat semantics
jsonl("last-message-not-assistant.jsonl", chat(("user", "hi"), ("assistant", "Hello."), ("user", "thanks")))
jsonl("system-not-first.jsonl", chat(("user", "hi"), ("system", "Be brief."), ("assistant", "Hello.")))
jsonl("consecutive-same-role.jsonl", chat(("user", "hi"), ("user", "anyone?"), ("assistant", "Hello.")))
jsonl("invalid-weight.jsonl",
      '{"messages": [{"role": "user", "content": "hi", "weight": 1}, {"role": "assistant", "content": "Hello.", "weight": 2}]}')
jsonl("invalid-tool-call.jsonl",
      '{"messages": [{"role": "user", "content": "weather?"}, {"role": "assistant", "tool_calls": '
      '[{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{city: Paris}"}}]}, '
      '{"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]}')
jsonl("tool-message-without-call.jsonl",
      '{"messages": [{"role": "user", "content": "weather?"}, {"role": "tool", "tool_call_id": "c9", "content": "sunny"}, '
      '{"role": "assistant", "content": "Sunny."}]}')
jsonl("all-weights-zero.jsonl",
      '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hello.", "weight": 0}]}')
# preference pairs
jsonl("dpo-missing-output.jsonl",
      '{"input": {"messages": [{"role": "user", "content": "hi"}]}, "preferred_output": [], '
      '"non_preferred_output": [{"role": "assistant", "content": "Go away."}]}')
jsonl("dpo-identical-outputs.jsonl", '{"prompt": "hi", "chosen": "Hello!", "rejected": "Hello!"}')
jsonl("dpo-output-not-assistant.jsonl",
      '{"input": {"messages": [{"role": "user", "content": "hi"}]}, "preferred_output": '
      '[{"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "thanks"}], '
      '"non_preferred_output": [{"role": "assistant", "content": "What?"}]}')
# dataset level
jsonl("too-few-examples.jsonl", OK, OK2, args="--strict")
jsonl("duplicate-example.jsonl", OK, OK2, OK)
jsonl("conflicting-answers.jsonl", OK, chat(("system", "You are concise."), ("user", "What is 2+2?"), ("assistant", "5.")))
jsonl("too-many-tokens.jsonl", OK, chat(("user", "Summarise: " + "the meeting went on and on. " * 20), ("assistant", "It was long.")),
      args=DEFAULT_ARGS + " --max-tokens 64")
# content quality
jsonl("pii.jsonl", chat(("user", "Reach me at maria.lopez@gmail.com or (415) 555-0132"), ("assistant", "Noted.")),
      chat(("user", "My card is 4111 1111 1111 1111"), ("assistant", "Thanks.")))
jsonl("secret-key.jsonl", chat(("user", "my key is AKIAIOSFODNN7EXAMPLF, keep it"), ("assistant", "Please rotate it.")))
jsonl("html-markup.jsonl", chat(("user", "Format this"), ("assistant", "<div class=\"x\">Done</div>")))
jsonl("mojibake.jsonl", chat(("user", "Itâ€™s broken"), ("assistant", "Yes, it is.")))
jsonl("refusal-boilerplate.jsonl", chat(("user", "Tell a joke"), ("assistant", "As an AI language model, I cannot tell jokes.")))
jsonl("repeated-text.jsonl", chat(("user", "Tips?"), ("assistant", "Drink more water every day. Drink more water every day. Drink more water every day.")))
jsonl("truncated-response.jsonl", chat(("user", "Show a loop"), ("assistant", "Here:\n```python\nfor i in range(3):")))
jsonl("whitespace-padding.jsonl", chat(("user", "  hi"), ("assistant", "Hello.\n\n")))
# other shapes
jsonl("prompt-completion-problems.jsonl", '{"prompt": "2+2?", "completion": 4}', '{"prompt": "2+2?"}',
      '{"prompt": "Capital?", "completion": " Paris "}')
jsonl("sharegpt-problems.jsonl",
      '{"conversations": [{"from": "human", "value": "hi"}, {"from": "robot", "value": "beep"}]}',
      '{"conversations": [{"from": "human", "value": "mail a.b.c@gmail.com"}, {"from": "gpt", "value": "ok."}]}')
FILES["alpaca-problems.json"] = (
    b'[\n  {"instruction": "Add", "input": "2+2", "output": "4."},\n'
    b'  {"instruction": "Greet",\n   "output": 7},\n'
    b'  {"instruction": "Say hi", "input": "",\n   "output": "As an AI language model, I cannot."}\n]\n', None)
FILES["json-array-truncated.json"] = (b'[\n  ' + OK.encode() + b',\n  {"messages": [\n', None)
FILES["json-array-multiline.json"] = (
    b'[\n  {\n    "messages": [\n      {"role": "user", "content": "hi"},\n'
    b'      {"role": "user", "content": "again"},\n      {"role": "assistant", "content": "Hello. "}\n    ]\n  }\n]\n',
    None)
# CSV
FILES["csv-field-count.csv"] = (b'prompt,response\nhi,hello\n"one","two","three"\nlonely\n', None)
FILES["csv-unterminated-quote.csv"] = (b'prompt,response\nhi,hello\n"never closed,oops\n', None)
FILES["csv-no-usable-columns.csv"] = (b'foo,bar\n1,2\n', None)
FILES["csv-empty-response.csv"] = (b'prompt,response\nhi,\n"multi\nline", Padded \n', None)
FILES["csv-crlf.csv"] = (b'prompt,response\r\nhi,hello\r\n', None)
# issue 13: the CSV reader applies the encoding rule of the JSON readers; CR-only line ends say so.
FILES["csv-invalid-utf8.csv"] = (b"prompt,response\nq1,a\xc0\xafb\nq2,fine\n", None)
FILES["csv-cr-only.csv"] = (b"prompt,response\rhi,hello\r", None)
# compressed
good_gz = gzip.compress((OK + "\n" + OK2 + "\n").encode(), mtime=0)
FILES["truncated.jsonl.gz"] = (good_gz[: len(good_gz) // 2], None)
FILES["not-gzip.jsonl.gz"] = ((OK + "\n").encode(), None)
# A zstd frame cut short: magic, header, and part of a raw block.
FILES["truncated.jsonl.zst"] = (bytes.fromhex("28b52ffd2064f50100") + (OK + "\n").encode()[:40], None)
FILES["garbage.jsonl.zst"] = (b"\x28\xb5\x2f\xfd" + bytes(range(200, 256)), None)

for name, (data, args) in sorted(FILES.items()):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    args_path = os.path.join(HERE, name + ".args")
    if args is not None:
        with open(args_path, "w") as f:
            f.write(args + "\n")
    elif os.path.exists(args_path):
        os.remove(args_path)
print(f"{len(FILES)} files")

#!/usr/bin/env python3
"""What a user would otherwise write to check a chat JSONL before upload: json.loads per line and
the structural checks of `tuneprep validate` (object, messages list, message objects, known role,
string content, non-blank content, an assistant turn). Prints the number of records and of
records with a problem. Usage: bench/validate_reference.py FILE"""
import json
import sys

ROLES = {"system", "user", "assistant", "tool"}


def problems(line):
    try:
        record = json.loads(line)
    except ValueError:
        return 1
    if not isinstance(record, dict):
        return 1
    messages = record.get("messages")
    if not isinstance(messages, list):
        return 1
    bad = 0
    has_assistant = False
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            bad += 1
            continue
        content = m.get("content")
        if m["role"] == "assistant":
            has_assistant = True
            if content is None and "tool_calls" in m:
                continue
        if not isinstance(content, str) or not content.strip():
            bad += 1
    return bad + (not has_assistant)


def main():
    records = failing = 0
    with open(sys.argv[1], "rb") as f:
        for line in f:
            if not line.strip():
                continue
            records += 1
            failing += problems(line) > 0
    print(f"{records} records, {failing} with problems")


if __name__ == "__main__":
    main()

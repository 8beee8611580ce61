#!/usr/bin/env python3
"""What users run today instead of `tuneprep prepare` on an OpenAI chat JSONL: a plain Python
script doing the same pipeline as prepare's default run. It parses each line, checks the chat
structure as prepare does (an object; `messages` a list of objects; roles system, user, assistant
or tool; every content a non-blank string, except an assistant message that calls tools, which may
have none; an assistant message), drops exact duplicates (sha256 of each message's role, trimmed
content with line ends folded, name, weight, tool calls and tool_call_id, and of the tools), splits
90/10 by that hash and writes train/validation/rejected. Prints the counts as JSON.
Used by bench/prepare as the baseline. Usage: prepare_reference.py INPUT.jsonl OUTPUT_DIR
"""
import hashlib
import json
import sys

ROLES = ("system", "user", "assistant", "tool")
SPACES = " \t\n\r\v\f"


def calls_tools(m):
    return m["role"] == "assistant" and bool(m.get("tool_calls") or m.get("function_call"))


def valid(rec):
    msgs = rec["messages"]
    return isinstance(msgs, list) and all(
        isinstance(m, dict) and m.get("role") in ROLES
        and (calls_tools(m) or (isinstance(m.get("content"), str) and m["content"].strip(SPACES)))
        for m in msgs) and any(m["role"] == "assistant" for m in msgs)


def compact(value):
    return "" if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def example_key(rec):
    parts = []
    for m in rec["messages"]:
        content = m.get("content")
        content = "\xfe" if content is None else content.strip(SPACES).replace("\r\n", "\n").replace("\r", "\n")
        parts.append("\x1e".join((m["role"], content, m.get("name") or "", compact(m.get("weight")),
                                  compact(m.get("tool_calls")), compact(m.get("function_call")),
                                  m.get("tool_call_id") or "")))
    parts.append(compact(rec.get("tools")))
    return hashlib.sha256("\x1f".join(parts).encode()).digest()


def main():
    src, out = sys.argv[1], sys.argv[2]
    seen = set()
    counts = dict(train=0, validation=0, rejected=0, duplicates=0)
    with open(src, encoding="utf-8", errors="strict") as f, \
            open(out + "/train.jsonl", "w") as train, open(out + "/validation.jsonl", "w") as val, \
            open(out + "/rejected.jsonl", "w") as rej:
        for line in f:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                ok = valid(rec)
            except (ValueError, KeyError, TypeError, AttributeError):
                ok = False
            if not ok:
                rej.write(json.dumps({"record": line.rstrip("\n")}) + "\n")
                counts["rejected"] += 1
                continue
            key = example_key(rec)
            if key in seen:
                counts["duplicates"] += 1
                continue
            seen.add(key)
            side = val if key[0] < 26 else train  # ~10%
            side.write(json.dumps(rec, ensure_ascii=False) + "\n")
            counts["validation" if side is val else "train"] += 1
    print(json.dumps(counts))


if __name__ == "__main__":
    main()

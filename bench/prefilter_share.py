#!/usr/bin/env python3
"""How much a byte-level prefilter in front of the content-pattern RE2::Set would skip.

Every content pattern (src/checks/content_patterns.cpp) needs one of these in the text: '@', '+',
'-', '_', '<', '&', three digits in a row, 'A' followed by K/S/B/C/I (AWS and Google keys), the
UTF-8 lead bytes C2/C3/EF (C1 controls, mojibake, U+FFFD), an ASCII control byte, or a word
starting with "as"/"aſ", "i" + space/apostrophe/m, or "my" (refusal boilerplate). A message
without any of them cannot match, so the set could skip it. This script reports the share of
messages and of content bytes that would still need the set, per input file (JSON Lines with a
"messages" list; the first 20,000 records).

Usage: bench/prefilter_share.py FILE.jsonl...
"""
import json
import sys

WORD = set(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
TRIGGER = set(b"@+-_<&") | {0xC2, 0xC3, 0xEF, 0x7F} | (set(range(0x20)) - {9, 10, 13})
DIGITS = set(b"0123456789")


def may_match(text: str) -> bool:
    b = text.encode("utf-8", "surrogatepass")
    n = len(b)
    for i, c in enumerate(b):
        if c in TRIGGER:
            return True
        nxt = b[i + 1] if i + 1 < n else 0
        if c in DIGITS and nxt in DIGITS and i + 2 < n and b[i + 2] in DIGITS:
            return True
        if c == ord("A") and nxt in b"KSBCI":
            return True
        lc = c | 0x20
        if lc in b"aim" and (i == 0 or b[i - 1] not in WORD):
            if lc == ord("a") and ((nxt | 0x20) == ord("s") or nxt == 0xC5):
                return True
            if lc == ord("i") and nxt in (0x20, 0x27, 0xE2, ord("m"), ord("M")):
                return True
            if lc == ord("m") and (nxt | 0x20) == ord("y"):
                return True
    return False


def main() -> None:
    for path in sys.argv[1:]:
        messages = triggered = total = triggered_bytes = 0
        with open(path, encoding="utf-8", errors="replace") as f:
            for k, line in enumerate(f):
                if k >= 20000:
                    break
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(record, dict):
                    continue
                for m in record.get("messages") or []:
                    content = m.get("content") if isinstance(m, dict) else None
                    if not isinstance(content, str):
                        continue
                    messages += 1
                    total += len(content)
                    if may_match(content):
                        triggered += 1
                        triggered_bytes += len(content)
        if messages:
            print(f"{path}: {messages} messages; would still scan {triggered / messages:.1%} of the messages, "
                  f"{triggered_bytes / max(total, 1):.1%} of the content bytes")


if __name__ == "__main__":
    main()

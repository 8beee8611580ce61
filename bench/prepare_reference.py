#!/usr/bin/env python3
"""What users run today instead of `tuneprep prepare`: a plain Python script that parses each JSONL
line, checks the chat structure, drops exact duplicates (sha256 of roles + trimmed contents), splits
90/10 by a content hash and writes train/validation/rejected. Used by bench/prepare as the baseline.
"""
import hashlib
import json
import sys


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
                msgs = rec["messages"]
                ok = isinstance(msgs, list) and any(m.get("role") == "assistant" for m in msgs) and all(
                    m.get("role") in ("system", "user", "assistant", "tool")
                    and isinstance(m.get("content"), str) and m["content"].strip() for m in msgs)
            except (ValueError, KeyError, TypeError, AttributeError):
                ok = False
            if not ok:
                rej.write(json.dumps({"record": line.rstrip("\n")}) + "\n")
                counts["rejected"] += 1
                continue
            key = hashlib.sha256("\x1f".join(m["role"] + "\x1e" + m["content"].strip() for m in msgs).encode()).digest()
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

#!/usr/bin/env python3
"""Generates a synthetic OpenAI-chat JSONL corpus for tests and benchmarks.

Records look like support conversations: a system prompt, 1-3 user/assistant turns, mixed
languages, ~1 KB each. With --dirty, about 2% are exact duplicates, 0.5% have an empty answer and
0.2% are truncated JSON lines, so prepare has something to reject and deduplicate. With --near F,
a share F of the records are near copies of a recent record: one word of one assistant answer
replaced (5-word-shingle Jaccard about 0.9 for typical lengths), for near-dedup tests and benches.
Deterministic for a given --seed.
"""
import argparse
import json
import random
import sys

WORDS = ("account bucket billing region upload download invoice password key token limit quota "
         "storage network latency request response error retry timeout backup snapshot replica "
         "cluster node volume encryption policy role permission audit log metric alert dashboard "
         "deploy release version rollback migrate schema index query cache session cookie").split()
OTHER = ["Bonjour, je n'arrive pas à me connecter à mon compte.", "¿Cómo puedo cambiar mi plan de facturación?",
         "Wie kann ich meine Rechnung herunterladen?", "请问如何重置我的密码？", "パスワードを忘れました。",
         "Как удалить мой аккаунт?", "كيف يمكنني تغيير كلمة المرور؟", "Can you help me 🙏 with the API?"]
SYSTEMS = ["You are a helpful support assistant for Acme Cloud.", "You are a concise technical writer.",
           "Answer as a friendly customer service agent. Keep answers short."]


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", "?", "!", "."])


def record(rng):
    msgs = [{"role": "system", "content": rng.choice(SYSTEMS)}]
    for _ in range(rng.randint(1, 3)):
        user = rng.choice(OTHER) if rng.random() < 0.15 else " ".join(sentence(rng, rng.randint(6, 14)) for _ in range(rng.randint(1, 3)))
        answer = " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(2, 6)))
        msgs.append({"role": "user", "content": user})
        msgs.append({"role": "assistant", "content": answer})
    return {"messages": msgs}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--records", type=int, default=0, help="number of records (or use --bytes)")
    ap.add_argument("--bytes", type=int, default=0, help="stop once this many bytes were written")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dirty", action="store_true", help="plant duplicates, empty answers and broken lines")
    ap.add_argument("--near", type=float, default=0.0, help="share of records that are near copies")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = sys.stdout
    written = 0
    count = 0
    recent = []
    near_rng = random.Random(args.seed + 7919)  # separate stream: --near leaves the other records as they were
    while (args.records and count < args.records) or (args.bytes and written < args.bytes):
        roll = rng.random() if args.dirty else 1.0
        if args.near and recent and near_rng.random() < args.near:
            r = json.loads(near_rng.choice(recent))
            answers = [m for m in r["messages"] if m["role"] == "assistant"]
            answer = near_rng.choice(answers)
            words = answer["content"].split(" ")
            words[near_rng.randrange(len(words))] = near_rng.choice(["changed", "edited", "tweaked"])
            answer["content"] = " ".join(words)
            line = json.dumps(r, ensure_ascii=False)
        elif roll < 0.02 and recent:
            line = rng.choice(recent)
        elif roll < 0.025:
            r = record(rng)
            r["messages"][-1]["content"] = "  "
            line = json.dumps(r, ensure_ascii=False)
        elif roll < 0.027:
            line = json.dumps(record(rng), ensure_ascii=False)[:-rng.randint(5, 40)]
        else:
            line = json.dumps(record(rng), ensure_ascii=False)
            if len(recent) < 1000:
                recent.append(line)
            else:
                recent[rng.randrange(1000)] = line
        out.write(line + "\n")
        written += len(line.encode()) + 1
        count += 1
        if not args.records and not args.bytes:
            break


if __name__ == "__main__":
    main()

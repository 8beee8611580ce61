#!/usr/bin/env python3
"""Builds a benchmark corpus of real text from the public datasets in tests/data/public/.

Every record of every dataset there (OpenAI chat with tools, OpenAI DPO, prompt/completion, an
Alpaca array; CSV/TSV files with a header row too, when present) goes into a pool. With
--shape chat (the default) each record becomes an OpenAI chat record ({"messages": [...]}, with
its "tools" and tool calls kept): DPO keeps the input messages and the preferred answer,
prompt/completion becomes a user and an assistant message, Alpaca the instruction (plus a
non-blank input after a blank line) and the output, as `tuneprep prepare --to openai-chat`
converts them. With --shape source each record keeps its dataset's own shape, one JSON object per
line.

The pool is then written round after round, each round in a new seeded order, until --bytes are
written: round 0 holds the records as they are, later rounds light, deterministic variants of
them, so that nearly every record is a distinct text (exact dedup keeps them) while the text
stays that of the real data (languages, digits, code, tool JSON, lengths). A variant:
  - one word edit in a message before the final answer, so that the prompt differs too (two
    adjacent words swapped or a word dropped; in text without spaces, two adjacent characters
    swapped or one dropped), and one in any message (those, or a word's first letter's case
    flipped, or a space doubled);
  - about half of the distinct numbers of the record changed, each to another number of the same
    length, the same way everywhere in the record (text, tool call arguments, tool results), so
    that tool conversations stay coherent and JSON inside strings stays valid;
  - names from a small list replaced by other names from it, the same way everywhere;
  - one time in five, the system prompt of another record of the same dataset.
A variant equal to a record already written, or whose prompt (folded) is that of one, is drawn
again, with one more prompt edit every third attempt (up to 12 attempts), so that exact copies and
"same prompt, different answer" pairs stay rare: their counts are printed at the end. Tool call
ids, roles, keys and the "tools" definitions are never changed. Each dataset's JSON style is kept
(\\u escapes for the ones written with ASCII-only JSON).

Same --seed and --bytes give a byte-identical file (and a smaller --bytes a prefix of it). Writes
to standard output (or -o FILE) and prints the number of records and bytes to standard error.
Usage: make_real_corpus.py --bytes N --seed S [--shape chat|source] [--data DIR] [-o FILE]
"""
import argparse
import csv
import glob
import hashlib
import json
import os
import random
import re
import sys

NAMES = ["Alice", "Anna", "Carlos", "Chen", "David", "Diego", "Elena", "Emma", "Fatima", "George",
         "Hannah", "Ivan", "James", "John", "Julia", "Kenji", "Laura", "Maria", "Mark", "Mary",
         "Michael", "Mohammed", "Olivia", "Paul", "Peter", "Priya", "Robert", "Sarah", "Shannon",
         "Sophie", "Thomas", "Wei"]
NAME_RE = re.compile(r"\b(" + "|".join(NAMES) + r")\b")
NUMBER_RE = re.compile(r"\d+")
WORD_RE = re.compile(r"\S+")
FOLD_RE = re.compile(r"[\W_]+")
TEXT_KEYS = ("content", "prompt", "completion", "instruction", "input", "output", "system")
PROMPT_COLUMNS = ("prompt", "question", "instruction", "input")
RESPONSE_COLUMNS = ("response", "answer", "output", "completion")


# ---- reading the datasets ----------------------------------------------------------------------

def read_records(path):
    """The records of one file: JSON array elements, JSON Lines objects or CSV/TSV rows."""
    name = path.lower()
    if name.endswith((".csv", ".tsv", ".tab")):
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        delimiter = "\t" if not name.endswith(".csv") else csv.Sniffer().sniff(text.split("\n", 1)[0]).delimiter
        rows = list(csv.DictReader(text.splitlines(), delimiter=delimiter))
        if not rows:
            return [], False
        columns = {c.strip().lower(): c for c in rows[0].keys() if c is not None}
        prompt = next((columns[c] for c in PROMPT_COLUMNS if c in columns), None)
        response = next((columns[c] for c in RESPONSE_COLUMNS if c in columns), None)
        if not prompt or not response:
            return [], False
        system = columns.get("system")
        records = []
        for row in rows:
            record = {"prompt": row[prompt], "completion": row[response]}
            if system and row.get(system):
                record = {"system": row[system], **record}
            records.append(record)
        return records, False
    with open(path, encoding="utf-8") as f:
        text = f.read()
    ascii_only = text.isascii()
    if text.lstrip().startswith("["):
        return [r for r in json.loads(text) if isinstance(r, dict)], ascii_only
    records = []
    for line in text.split("\n"):
        if line.strip():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
    return records, ascii_only


def to_chat(record):
    """The record as an OpenAI chat record, or None when its shape is not one of the known ones."""
    if isinstance(record.get("messages"), list):
        return record
    source = record.get("input")
    if isinstance(source, dict) and isinstance(source.get("messages"), list) and "preferred_output" in record:
        chat = {"messages": list(source["messages"]) + list(record["preferred_output"])}
        if "tools" in source:
            chat["tools"] = source["tools"]
        return chat
    messages = []
    if isinstance(record.get("system"), str) and record["system"].strip():
        messages.append({"role": "system", "content": record["system"]})
    if "instruction" in record or "output" in record:
        for turn in record.get("history") or []:
            messages += [{"role": "user", "content": turn[0]}, {"role": "assistant", "content": turn[1]}]
        prompt = record.get("instruction", "")
        if isinstance(record.get("input"), str) and record["input"].strip():
            prompt += "\n\n" + record["input"]
        return {"messages": messages + [{"role": "user", "content": prompt},
                                        {"role": "assistant", "content": record.get("output", "")}]}
    if "prompt" in record or "completion" in record:
        return {"messages": messages + [{"role": "user", "content": record.get("prompt", "")},
                                        {"role": "assistant", "content": record.get("completion", "")}]}
    return None


def load_pool(data_dir, shape):
    """[(source index, JSON text, ascii_only)] for every usable record, in file order."""
    pool = []
    paths = sorted(p for p in glob.glob(os.path.join(data_dir, "*"))
                   if p.lower().endswith((".jsonl", ".json", ".csv", ".tsv", ".tab")))
    for index, path in enumerate(paths):
        records, ascii_only = read_records(path)
        used = size = 0
        for record in records:
            if shape == "chat":
                record = to_chat(record)
                if record is None:
                    continue
            pool.append((index, json.dumps(record, ensure_ascii=ascii_only), ascii_only))
            used += 1
            size += len(pool[-1][1].encode("utf-8")) + 1
        print(f"  {os.path.basename(path)}: {used} records, {size} bytes as written", file=sys.stderr)
    return pool


# ---- light perturbations -----------------------------------------------------------------------

def text_slots(value, role=None, key=None, out=None):
    """(container, key, kind) of every string to perturb; kind is 'text' (natural-language fields:
    word edits, numbers, names), 'data' (tool call arguments, tool results: numbers and names) or
    'system'. Walks dicts and lists in order, so the result is deterministic."""
    if out is None:
        out = []
    if isinstance(value, dict):
        own_role = value.get("role", role) if isinstance(value.get("role"), str) else role
        for k, v in value.items():
            if k == "tools":
                continue  # tool definitions are shared by the whole dataset: left as they are
            if isinstance(v, str):
                if k == "arguments":
                    out.append((value, k, "data"))
                elif k in TEXT_KEYS:
                    kind = "data" if own_role == "tool" else "system" if own_role == "system" or k == "system" else "text"
                    out.append((value, k, kind))
            else:
                text_slots(v, own_role, k, out)
    elif isinstance(value, list):
        for v in value:
            text_slots(v, role, key, out)
    return out


def char_edit(text, rng):
    """For text without spaces between words (Chinese, Japanese): swap two adjacent characters or
    drop one, away from white space."""
    spots = [i for i in range(len(text) - 1) if not text[i].isspace() and not text[i + 1].isspace()]
    if len(spots) < 3:
        return text
    i = rng.choice(spots)
    if rng.randrange(2):
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + text[i + 1:]


def word_edit(text, rng, kinds=4):
    """kinds=2: only the edits that survive folding case and spacing (swap, drop)."""
    words = [m.span() for m in WORD_RE.finditer(text)]
    if len(words) < 3 or len(words) * 12 < len(text):  # few spaces: edit characters instead
        return char_edit(text, rng)
    i = rng.randrange(len(words) - 1)
    (a0, a1), (b0, b1) = words[i], words[i + 1]
    kind = rng.randrange(kinds)
    if kind == 0:  # swap two adjacent words
        return text[:a0] + text[b0:b1] + text[a1:b0] + text[a0:a1] + text[b1:]
    if kind == 1:  # drop a word and the space after it
        return text[:a0] + text[b0:]
    if kind == 2:  # flip the case of a word's first letter
        c = text[a0]
        flipped = c.lower() if c.isupper() else c.upper()
        if flipped != c:
            return text[:a0] + flipped + text[a0 + 1:]
        return text[:a0] + text[b0:b1] + text[a1:b0] + text[a0:a1] + text[b1:]
    if text[a1:b0] == " ":  # double a single space between two words
        return text[:a1] + "  " + text[b0:]
    return text[:a0] + text[b0:]


def new_number(old, rng):
    """Another digit run of the same length; a leading zero stays, a leading non-zero stays
    non-zero, so numbers inside JSON text stay valid JSON numbers."""
    digits = [str(rng.randrange(10)) for _ in old]
    if len(old) > 1:
        digits[0] = "0" if old[0] == "0" else str(rng.randrange(1, 10))
    return "".join(digits)


def prompt_key(record):
    """A digest of the record's prompt (every message before the final run of assistant messages),
    folded harder than tuneprep folds prompts for its conflicting-answers check (case, and every
    character that is not a letter or digit): two variants with different keys have different
    prompts for tuneprep too."""
    chat = to_chat(record) or {"messages": []}
    messages = [m for m in chat["messages"] if isinstance(m, dict)]
    end = len(messages)
    while end > 0 and messages[end - 1].get("role") == "assistant":
        end -= 1
    text = "\x1f".join(f"{m.get('role')}\x1e{m.get('content')}" for m in messages[:end])
    return hashlib.blake2b(FOLD_RE.sub("", text.lower()).encode("utf-8"), digest_size=12).digest()


def perturb(record, rng, systems, prompt_edits=1):
    slots = text_slots(record)
    if not slots:
        return record
    numbers = {}  # old digit run -> replacement (or itself), decided at first sight, in order

    def number(m):
        old = m.group(0)
        if old not in numbers:
            numbers[old] = new_number(old, rng) if rng.random() < 0.5 else old
        return numbers[old]

    names = {}

    def name(m):
        old = m.group(0)
        if old not in names:
            names[old] = rng.choice(NAMES) if rng.random() < 0.5 else old
        return names[old]

    text = [s for s in slots if s[2] == "text"]
    prompt_side = text[:-1] if len(text) > 1 else text
    for _ in range(prompt_edits if prompt_side else 0):  # edits that prompt folding keeps
        container, key, _ = rng.choice(prompt_side)
        container[key] = word_edit(container[key], rng, kinds=2)
    if text:
        container, key, _ = rng.choice(text)
        container[key] = word_edit(container[key], rng)
    for container, key, kind in slots:
        if kind == "system" and systems and rng.random() < 0.2:
            container[key] = rng.choice(systems)
        container[key] = NAME_RE.sub(name, NUMBER_RE.sub(number, container[key]))
    return record


# ---- main --------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bytes", type=int, required=True, help="stop once this many bytes were written")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shape", choices=("chat", "source"), default="chat",
                    help="chat: every record as OpenAI chat (default); source: each dataset's own shape")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "public"))
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args()

    print(f"reading {os.path.normpath(args.data)}:", file=sys.stderr)
    pool = load_pool(args.data, args.shape)
    if not pool:
        sys.exit(f"no usable records in {args.data}")
    # System prompts per dataset, for the variants that take another record's system prompt.
    systems = {}
    for source, text, _ in pool:
        for container, key, kind in text_slots(json.loads(text)):
            if kind == "system" and container[key] not in systems.setdefault(source, []):
                systems[source].append(container[key])

    rng = random.Random(args.seed)
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8", newline="")
    written = records = rounds = repeats = prompt_repeats = 0
    seen = set()  # digests of the records written and of their prompts: a variant is drawn again
    seen_prompts = set()  # when it repeats either
    order = list(range(len(pool)))
    while written < args.bytes:
        rng.shuffle(order)
        for i in order:
            source, original, ascii_only = pool[i]
            text = original
            digest = hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()
            prompt = prompt_key(json.loads(text))
            for attempt in range(12 if rounds > 0 else 0):
                record = perturb(json.loads(original), rng, systems.get(source, []), prompt_edits=1 + attempt // 3)
                text = json.dumps(record, ensure_ascii=ascii_only)
                digest = hashlib.blake2b(text.encode("utf-8"), digest_size=12).digest()
                prompt = prompt_key(record)
                if digest not in seen and prompt not in seen_prompts:
                    break
            repeats += digest in seen
            prompt_repeats += prompt in seen_prompts
            seen.add(digest)
            seen_prompts.add(prompt)
            out.write(text + "\n")
            written += len(text.encode("utf-8")) + 1
            records += 1
            if written >= args.bytes:
                break
        rounds += 1
    out.flush()
    if out is not sys.stdout:
        out.close()
    print(f"{records} records, {written} bytes ({len(pool)} source records, {rounds} rounds, "
          f"{repeats} records and {prompt_repeats} prompts that repeat an earlier one, shape {args.shape}, "
          f"seed {args.seed})", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes a mixed-language benchmark text of at least SIZE_MB megabytes (default 100) to PATH.

Documents, interleaved in a seeded random order: the translated strings of every gettext
catalog under /usr/share/locale (some 190 languages and many scripts), the text of every man
page under /usr/share/man (English and translations, roff requests dropped), and Python
standard-library source. When the sources are used up they are cycled again in a new order.
Usage: make_text.py PATH [SIZE_MB]"""
import glob, gettext, gzip, random, sys


def catalogs():
    for path in sorted(glob.glob("/usr/share/locale/*/LC_MESSAGES/*.mo")):
        try:
            with open(path, "rb") as f:
                catalog = gettext.GNUTranslations(f)._catalog
        except Exception:
            continue
        text = "\n".join(v for k, v in catalog.items() if k and isinstance(v, str) and v)
        if text:
            yield text + "\n"


def man_pages():
    for path in sorted(glob.glob("/usr/share/man/**/*.gz", recursive=True)):
        try:
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                lines = [l for l in f if not l.startswith((".", "'", '\\"'))]
        except (OSError, EOFError):
            continue
        yield "".join(lines)


def python_sources():
    for path in sorted(glob.glob("/usr/lib/python3*/**/*.py", recursive=True)):
        try:
            with open(path, encoding="utf-8") as f:
                yield f.read()
        except (UnicodeDecodeError, OSError):
            continue


def main():
    path = sys.argv[1]
    target = int(float(sys.argv[2]) * 1_000_000) if len(sys.argv) > 2 else 100_000_000
    docs = list(catalogs()) + list(man_pages()) + list(python_sources())
    rng = random.Random(2026)
    size = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        while size < target:
            rng.shuffle(docs)
            for doc in docs:
                out.write(doc)
                size += len(doc.encode("utf-8"))
                if size >= target:
                    break
    unique = sum(len(d.encode("utf-8")) for d in docs)
    print(f"{path}: {size} bytes from {len(docs)} documents ({unique} unique bytes)", file=sys.stderr)


main()

#!/usr/bin/env python3
"""Assembles the tokenizer exactness corpus (tests/data/tokens/corpus/) from text found on a
Debian machine plus generated edge cases. Run once; the output is committed. Then run
generate.mjs to write the expected ids with npm tiktoken.

Sources: gettext catalogs (/usr/share/locale, every language present), translated man pages
(/usr/share/man/<lang>), glibc locale sources (/usr/share/i18n/locales, <Uxxxx> names decoded),
X11 Compose tables, C/C++/Python/shell code from /usr/include and /usr/lib/python3, and every
code point utf8proc knows, by block. Sampling is deterministic (sorted paths, fixed seed)."""
import ctypes, glob, gzip, os, random, re, subprocess, sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
os.makedirs(OUT, exist_ok=True)
rng = random.Random(20261125)


def write(name, text_or_bytes):
    data = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode("utf-8", "surrogatepass")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes", file=sys.stderr)


def clip(text, limit):
    return text[:limit].rsplit("\n", 1)[0] + "\n" if len(text) > limit else text


# 1. gettext catalogs: the translated strings of one or two catalogs per language.
def catalogs():
    parts = []
    for lang_dir in sorted(glob.glob("/usr/share/locale/*/LC_MESSAGES")):
        lang = lang_dir.split("/")[-2]
        text = ""
        for mo in sorted(glob.glob(lang_dir + "/*.mo"))[:3]:
            try:
                po = subprocess.run(["msgunfmt", mo], capture_output=True, text=True, errors="replace").stdout
            except OSError:
                continue
            strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"$', po, re.M)
            text += "\n".join(s.encode().decode("unicode_escape").encode("latin-1", "replace").decode("utf-8", "replace")
                              for s in strs if s) + "\n"
            if len(text) > 1500:
                break
        if text.strip():
            parts.append(f"# {lang}\n" + clip(text, 1500))
    return "".join(parts)


# 2. translated man pages: the text lines (roff requests dropped) of a few pages per language.
def man_pages():
    parts = []
    for lang_dir in sorted(glob.glob("/usr/share/man/*")):
        lang = os.path.basename(lang_dir)
        if lang.startswith("man"):
            continue
        text = ""
        for page in sorted(glob.glob(lang_dir + "/man*/*.gz"))[:4]:
            with gzip.open(page, "rt", errors="replace") as f:
                text += "".join(l for l in f if not l.startswith((".", "'", '\\"')))
        parts.append(f"# {lang}\n" + clip(text, 2500))
    return "".join(parts)


# 3. glibc locales: month and day names, decoded from <Uxxxx> notation.
def locales():
    parts = []
    for path in sorted(glob.glob("/usr/share/i18n/locales/*")):
        with open(path, errors="replace") as f:
            src = f.read()
        names = []
        for key in ("mon", "abmon", "day", "abday", "title", "language", "territory", "yesexpr"):
            m = re.search(rf"^{key}\s+(.*(?:/\n.*)*)", src, re.M)
            if m:
                decoded = re.sub(r"<U([0-9A-Fa-f]{4,6})>", lambda u: chr(int(u.group(1), 16)), m.group(1))
                names.append(re.sub(r"[\";/\n]+", " ", decoded).strip())
        if names:
            parts.append(os.path.basename(path) + ": " + " | ".join(names) + "\n")
    return "".join(parts)


# 4. X11 Compose tables: key names and the composed characters, many scripts and symbols.
def compose():
    text = ""
    for path in sorted(glob.glob("/usr/share/X11/locale/*/Compose")):
        with open(path, errors="replace") as f:
            lines = [l for l in f if ":" in l and not l.startswith("#")]
        text += "".join(rng.sample(lines, min(60, len(lines))))
    return text


# 5. code: headers, Python, shell.
def code():
    text = ""
    files = sorted(glob.glob("/usr/include/*.h"))[:400:20] + sorted(glob.glob("/usr/lib/python3*/*.py"))[:400:20] \
        + sorted(glob.glob("/usr/bin/*"))[:2000:50]
    for path in files:
        try:
            with open(path, "rb") as f:
                data = f.read(4000)
            text += data.decode("utf-8") + "\n"
        except (UnicodeDecodeError, IsADirectoryError, PermissionError):
            continue
    return text


# 6. every code point utf8proc assigns a category, by block of 64: the run as is, then spaced,
#    then between letters and digits (so each one is seen as prefix, inside runs and alone).
def unicode_blocks():
    lib = ctypes.CDLL("libutf8proc.so.2")
    lib.utf8proc_category.restype = ctypes.c_int
    CN, CS = 0, 29  # UTF8PROC_CATEGORY_CN, UTF8PROC_CATEGORY_CS
    big = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0x20000, 0x323AF), (0x17000, 0x18AFF),
           (0xF0000, 0x10FFFF), (0xE000, 0xF8FF), (0x1B170, 0x1B2FF), (0xA000, 0xA48F)]
    cps = []
    for cp in range(0x110000):
        cat = lib.utf8proc_category(cp)
        if cat in (CN, CS) or cp in (0x0A, 0x0D):
            continue
        if any(lo <= cp <= hi for lo, hi in big) and cp % 61 != 0:
            continue
        cps.append(cp)
    lines = []
    for k in range(0, len(cps), 64):
        block = "".join(chr(c) for c in cps[k:k + 64])
        lines.append(block)
        lines.append(" ".join(block))
        lines.append("a".join(block) + "A" + "1".join(block[:16]) + "'s")
    return "\n".join(lines) + "\n"


# 7. edge cases, written out by hand.
def edge_cases():
    ws = ["\t", "\x0b", "\x0c", " ", "\x85", "\xa0", "\u1680", "\u2000", "\u2007", "\u200a", "\u2028", "\u2029",
          "\u202f", "\u205f", "\u3000", "\ufeff", "\u180e", "\u200b", "\r\n", "\r", "\n"]
    lines = []
    # contractions in every case and spelling, in every context
    for c in ["s", "S", "\u017f", "t", "T", "re", "RE", "Re", "rE", "ve", "VE", "vE", "m", "M", "ll", "LL", "lL",
              "d", "D", "K", "\u212a", "x"]:
        for ctx in ["", "I", "don", "DON", "x1", "1", " ", "日", "\u00e9", "e\u0301", "\u0301"]:
            lines.append(f"{ctx}'{c} {ctx}'{c}{ctx}'{c}'{c}x ''{c} \u2019{c} '{c}ok '{c}OK")
    # whitespace runs of every kind before words, digits, punctuation, newlines and the end
    for a in ws:
        for b in ws:
            for n in (1, 2, 3, 7):
                lines.append(f"x{a * n}{b}y{a * n}1{a}{b}!{a * n}\u00e9{a}{b}")
                lines.append(f"{a * n}{b}")
    lines.append(" " * 3000 + "x" + "\t" * 1000 + "\n" * 500 + " \n" * 200 + "\u3000" * 700)
    # digits of every kind
    for d in ["0123456789", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "０１２３４５", "¹²³⁴", "ⅠⅡⅢⅣ", "½¼¾", "𝟘𝟙𝟚𝟛", "➀➁➂"]:
        for n in range(1, 12):
            lines.append(d * (n // len(d) + 1))
            lines.append(f"v{d[:n]}x {d[:n]}.{d[:n]}, {d[:n]}a{d[:n]}")
    lines.append("1234567890" * 300)
    # letter case boundaries (o200k), marks, scripts mixed without spaces
    for s in ["HelloWorld", "helloWORLD", "HELLOworld", "ǅungla ǅUNGLA", "日A日a", "AbcDEFghiJKL", "ΑΒΓαβγ",
              "ПриветМИР", "e\u0301E\u0301\u0301", "\u0301\u0301abc", "x\u20dd\u20ddY", "ʰʰAʰa", "々ABC",
              "İstanbul ıi", "ßẞ", "ﬁﬂ", "ǈǋ", "ᾈᾉ", "ＡＢＣａｂｃ", "𝐀𝐁𝐂𝐚𝐛𝐜", "Ⓐⓐ", "a\u0308\u0308\u0308"]:
        lines.append(f"{s} {s}{s}'s {s}'S.{s}!{s}\n{s}")
    # emoji, ZWJ sequences, flags, keycaps, skin tones, variation selectors
    lines += ["👍👍🏽👨‍👩‍👧‍👦 🏳️‍🌈🏴‍☠️ 🇺🇸🇫🇷🇯🇵 🏴󠁧󠁢󠁳󠁣󠁴󠁿 1️⃣#️⃣ ❤️‍🔥 🧑🏿‍🤝‍🧑🏻 ☺︎☺️",
              "x👍y 👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍👍 😀a😀1😀 😀!😀\n😀"]
    # punctuation runs, slashes and newlines (o200k: [\r\n/]*)
    for p in ["!", "...", "?!\n", "/", "//", "/\n/", "\n/", "\r\n/\r\n", "«»", "“”", "——", "...\r\n\r\n",
              "$$", "@@", "#{", "}}\n\n", "()", "<|", "|>", "'"]:
        lines.append(f"a{p}b {p}c {p} {p}{p}\n{p}\n\n{p} 1{p}2 \t{p}")
    # code-like text
    lines += ["def f(x):\r\n    return x**2  # comment\r\n\r\n\tif (a && b) { c->d[i] = 0x1F; }",
              "https://example.com/a/b?c=d&e=f#g user@example.com C:\\Windows\\System32",
              "SELECT * FROM t WHERE id IN (1,2,3);\n\n\n    \n  x",
              "base64: " + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0123456789+/" * 20]
    # special token text (counted as text unless allowed)
    lines += ["<|endoftext|>", "a<|endoftext|>b", "<|endofprompt|><|fim_prefix|><|fim_middle|><|fim_suffix|>",
              "<|endoftext|", "<|im_start|>user<|im_end|>", "<<|endoftext|>>", "<|endoftext|><|endoftext|>"]
    # long pieces (the heap merge): letters, CJK, spaces, punctuation
    lines.append("a" * 4000)
    lines.append("abcdefghij" * 400)
    lines.append("日本語のテキスト" * 300)
    lines.append("!@#$%^&*()" * 300)
    lines.append("ab" * 2000 + " " + "Zz" * 2000)
    lines.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6000)))
    lines.append("".join(rng.choice("абвгдеёжзийклмнопрстуфхцчшщъыьэюя") for _ in range(3000)))
    return "\n".join(lines) + "\n"


# 8. bytes: every byte 0-255 alone and in context, and invalid UTF-8 of every kind (decoded with
#    U+FFFD replacement on both sides).
def raw_bytes():
    out = bytearray()
    for b in range(256):
        if b == 0x0A:
            continue
        out += bytes([b]) + b" x" + bytes([b, b]) + b"y " + bytes([b]) + b"\n"
    out += bytes(range(256)) + b"\n"
    for seq in [b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xed\xa0\x80\xed\xb0\x80", b"\xc0\x80", b"\xc1\xbf",
                b"\xe0\x80\x80", b"\xf0\x80\x80\x80", b"\xf4\x90\x80\x80", b"\xf5\x80", b"\xff\xfe",
                b"\xe2\x82", b"\xe2", b"\xf0\x9f\x98", b"\xf0\x9f", b"\x80\x80\x80", b"\xc3", b"\xc3(",
                b"\xe2\x28\xa1", b"\xef\xbb\xbf"]:
        out += b"a" + seq + b"b " + seq + seq + b" 's" + seq + b"'s\n" + seq + b"\n"
    return bytes(out)


# 9. one ~1 MB line of short pieces (compressible; keeps tiktoken's per-piece merge fast).
def long_line():
    words = ["the", "quick", "brown", "fox", "日本", "Привет", "42", "3.14", "don't", "🙂", "naïve", "x" * 20,
             "   ", "!?", "über", "مرحبا", "नमस्ते"]
    parts = []
    size = 0
    while size < 1_000_000:
        w = rng.choice(words)
        parts.append(w)
        size += len(w.encode()) + 1
    return " ".join(parts) + "\n"


write("catalogs.txt", catalogs())
write("man.txt", man_pages())
write("locales.txt", locales())
write("compose.txt", compose())
write("code.txt", code())
write("unicode.txt", unicode_blocks())
write("edge.txt", edge_cases())
write("bytes.bin", raw_bytes())
write("long_line.txt", long_line())

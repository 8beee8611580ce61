// Writes the expected token ids of the exactness corpus with npm tiktoken (the WASM build of
// OpenAI's Rust tiktoken). Documents how tests/data/tokens/expected/ was made; the tests do not
// run it. Usage, from this directory:
//   mkdir -p /tmp/tk && (cd /tmp/tk && npm install tiktoken@1.0.22)
//   NODE_PATH=/tmp/tk/node_modules node generate.mjs && zstd -19 -f --rm expected/*.tsv
//
// Cases (tests/tokenizer_exactness_test.cpp cuts them the same way): each corpus file's bytes
// are split after every "\n"; each group of 4 consecutive lines (line ends included) is one case,
// and the whole file is one more case ("*"). Bytes are decoded with TextDecoder (U+FFFD for
// invalid UTF-8) and encoded with encode_ordinary; files in WITH_SPECIAL are also encoded with
// encode(text, "all") under the name "<file>@special".
// Output: expected/<encoding>.tsv, one line per case: file, case index, count, ids.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const { get_encoding } = require("tiktoken");

const LINES_PER_CASE = 4;
const WITH_SPECIAL = new Set(["edge.txt"]);
// fatal: false -> WHATWG U+FFFD replacement; ignoreBOM keeps a leading U+FEFF as text (by default
// TextDecoder would drop it, but it is part of the input the tokenizer sees).
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

function readCorpus(name) {
  const path = `corpus/${name}`;
  return name.endsWith(".zst") ? execFileSync("zstd", ["-dc", path], { maxBuffer: 1 << 30 }) : readFileSync(path);
}

function cases(bytes) {
  const lines = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  const out = [];
  for (let k = 0; k < lines.length; k += LINES_PER_CASE) {
    out.push(Buffer.concat(lines.slice(k, k + LINES_PER_CASE)));
  }
  return out;
}

mkdirSync("expected", { recursive: true });
const files = readdirSync("corpus").sort();
for (const encodingName of ["cl100k_base", "o200k_base"]) {
  const enc = get_encoding(encodingName);
  const rows = [];
  let tokens = 0;
  for (const file of files) {
    const bytes = readCorpus(file);
    const modes = WITH_SPECIAL.has(file) ? ["", "@special"] : [""];
    for (const mode of modes) {
      const encode = (text) => (mode ? enc.encode(text, "all") : enc.encode_ordinary(text));
      const all = cases(bytes);
      all.forEach((bytesOfCase, index) => {
        const ids = encode(decoder.decode(bytesOfCase));
        tokens += ids.length;
        rows.push(`${file}${mode}\t${index}\t${ids.length}\t${Array.from(ids).join(" ")}`);
      });
      const ids = encode(decoder.decode(bytes));
      tokens += ids.length;
      rows.push(`${file}${mode}\t*\t${ids.length}\t${Array.from(ids).join(" ")}`);
    }
  }
  enc.free();
  writeFileSync(`expected/${encodingName}.tsv`, rows.join("\n") + "\n");
  console.log(`${encodingName}: ${rows.length} cases, ${tokens} tokens`);
}

// Counts the tokens of a text file with npm tiktoken (WASM build of OpenAI's Rust tiktoken), the
// way a Node user would: read the file as UTF-8, encode_ordinary, count. Prints
// "<tokens> <seconds>" (encode time only, file read excluded). Usage:
//   NODE_PATH=<dir with node_modules> node tiktoken_count.mjs ENCODING FILE
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const { get_encoding } = require("tiktoken");
const [encodingName, path] = process.argv.slice(2);
const enc = get_encoding(encodingName);
const text = readFileSync(path, "utf8");
// Feed ~1 MB slices cut after a newline followed by an ASCII letter or digit, where no
// pretokenizer piece can span (the same cut rule `tuneprep tokens` uses), so the total equals the
// count of the whole text while the WASM heap stays small.
const start = process.hrtime.bigint();
let tokens = 0;
let from = 0;
const isCutChar = (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
while (from < text.length) {
  let to = Math.min(text.length, from + 1_000_000);
  if (to < text.length) {
    let cut = to;
    while (cut > from + 1 && !(text.charCodeAt(cut - 1) === 10 && isCutChar(text.charCodeAt(cut)))) cut--;
    if (cut > from + 1) to = cut;
    else to = text.length;
  }
  tokens += enc.encode_ordinary(text.slice(from, to)).length;
  from = to;
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
enc.free();
console.log(`${tokens} ${seconds.toFixed(3)}`);

// tokenizer: Encoding — one-time loading of the embedded rank data, encode/count/decode, special
// tokens, and the UTF-8 replacement rule for invalid input.
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include <simdjson.h>
#include <xxhash.h>
#include <openssl/evp.h>
#include <zstd.h>

#include "tokenizer/bpe.hpp"
#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/rank_table.hpp"
#include "tokenizer/unicode_classes.hpp"
#include "tuneprep/tokenizer.hpp"

namespace tuneprep {
namespace detail {
std::string_view embedded_encoding_zst(std::string_view name);  // generated, see cmake/
}  // namespace detail

namespace {

using detail::kNoRank;

// Special tokens and vocabulary sizes: tiktoken_ext/openai_public.py (openai/tiktoken) and the
// `special_tokens` of tiktoken@1.0.22's encoders/*.json, which agree.
constexpr SpecialToken kCl100kSpecials[] = {
    {"<|endoftext|>", 100257}, {"<|fim_prefix|>", 100258}, {"<|fim_middle|>", 100259},
    {"<|fim_suffix|>", 100260}, {"<|endofprompt|>", 100276},
};
constexpr SpecialToken kO200kSpecials[] = {
    {"<|endoftext|>", 199999},
    {"<|endofprompt|>", 200018},
};

struct EncodingSpec {
  std::string_view name;
  size_t mergeable_tokens;
  TokenId n_vocab;
  std::span<const SpecialToken> specials;
};

EncodingSpec spec_of(EncodingId id) {
  switch (id) {
    case EncodingId::kCl100kBase: return {"cl100k_base", 100256, 100277, kCl100kSpecials};
    case EncodingId::kO200kBase: return {"o200k_base", 199998, 200019, kO200kSpecials};
  }
  return {"cl100k_base", 100256, 100277, kCl100kSpecials};
}

}  // namespace

struct Encoding::Tables {
  detail::RankTable ranks;
  uint32_t byte_rank[256];
  EncodingSpec spec;
};

std::string_view encoding_name(EncodingId id) { return spec_of(id).name; }

std::optional<EncodingId> encoding_from_name(std::string_view name) {
  for (EncodingId id : kAllEncodings) {
    if (encoding_name(id) == name) return id;
  }
  return std::nullopt;
}

namespace {

// The embedded data is part of the binary and checked by the tests, so failing to load it is a
// broken build, not a user error: report and stop.
[[noreturn]] void fail_embedded(std::string_view name, std::string_view why) {
  std::fprintf(stderr, "tuneprep: embedded encoding %.*s is unusable: %.*s\n",
               static_cast<int>(name.size()), name.data(), static_cast<int>(why.size()), why.data());
  std::abort();
}

// The .tiktoken text of an embedded encoding.
std::string decompress_embedded(std::string_view name) {
  const std::string_view zst = detail::embedded_encoding_zst(name);
  const unsigned long long size = ZSTD_getFrameContentSize(zst.data(), zst.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (64u << 20)) {
    fail_embedded(name, "bad zstd frame");
  }
  std::string text(size, '\0');
  const size_t got = ZSTD_decompress(text.data(), text.size(), zst.data(), zst.size());
  if (ZSTD_isError(got) || got != size) fail_embedded(name, "zstd decompression failed");
  return text;
}

std::unique_ptr<Encoding::Tables> load_tables(EncodingId id) {
  auto tables = std::make_unique<Encoding::Tables>();
  tables->spec = spec_of(id);
  const std::string_view name = tables->spec.name;
  const std::string text = decompress_embedded(name);
  std::string error;
  if (!tables->ranks.load(text, error)) fail_embedded(name, error);
  if (tables->ranks.size() != tables->spec.mergeable_tokens) fail_embedded(name, "wrong token count");
  for (int b = 0; b < 256; ++b) {
    const auto byte = static_cast<uint8_t>(b);
    tables->byte_rank[b] = tables->ranks.find(&byte, 1);
    if (tables->byte_rank[b] == kNoRank) fail_embedded(name, "a single byte has no token");
  }
  return tables;
}

// Receives tokens from the encoder: either appends them or only counts them.
struct TokenAppender {
  std::vector<TokenId>& out;
  void operator()(uint32_t token) { out.push_back(token); }
};
struct TokenCounter {
  size_t count = 0;
  void operator()(uint32_t) { ++count; }
};

// A per-thread, direct-mapped cache of short pieces that are not one token: their merge result.
// Words recur (Zipf), so most multi-token pieces of ordinary text are merged once per thread.
// Only short pieces are cached: long ones (CJK clauses, code blobs) rarely recur.
class PieceCache {
 public:
  static constexpr size_t kMaxBytes = 24;
  static constexpr size_t kMaxTokens = 12;
  struct Entry {
    uint64_t hash;
    uint8_t len;  // 0: empty
    uint8_t encoding;
    uint8_t token_count;
    char bytes[kMaxBytes];
    uint32_t tokens[kMaxTokens];
  };

  Entry& slot(uint64_t hash) {
    if (!entries_) entries_ = std::make_unique<Entry[]>(kEntries);  // zeroed: all empty
    return entries_[hash & (kEntries - 1)];
  }

 private:
  // 16 Ki entries (about 1.4 MiB per thread): on mixed multilingual text, 4 Ki entries thrashed
  // and cost 20% more time.
  static constexpr size_t kEntries = 16384;
  std::unique_ptr<Entry[]> entries_;
};

struct PerThread {
  detail::MergeScratch scratch;
  PieceCache cache;
};

PerThread& per_thread() {
  thread_local PerThread state;
  return state;
}

template <typename Sink>
void merge_piece(const Encoding::Tables& t, const uint8_t* p, size_t len, detail::MergeScratch& scratch,
                 Sink& sink) {
  if (len <= detail::kQuadraticMergeMaxBytes) {
    detail::merge_short_piece(t.ranks, t.byte_rank, p, len, scratch, sink);
  } else {
    detail::merge_long_piece(t.ranks, t.byte_rank, p, len, scratch, sink);
  }
}

template <typename Sink>
void encode_piece(const Encoding::Tables& t, uint8_t encoding_index, const uint8_t* p, size_t len,
                  PerThread& state, Sink& sink) {
  const uint32_t whole = t.ranks.find(p, len);
  if (whole != kNoRank) {
    sink(whole);
    return;
  }
  if (len > PieceCache::kMaxBytes) {
    merge_piece(t, p, len, state.scratch, sink);
    return;
  }
  const uint64_t hash = XXH3_64bits(p, len);
  PieceCache::Entry& entry = state.cache.slot(hash);
  if (entry.hash == hash && entry.len == len && entry.encoding == encoding_index &&
      std::memcmp(entry.bytes, p, len) == 0) {
    for (uint8_t k = 0; k < entry.token_count; ++k) sink(entry.tokens[k]);
    return;
  }
  uint32_t tokens[PieceCache::kMaxTokens];
  size_t count = 0;
  bool fits = true;
  auto collect = [&](uint32_t token) {
    if (count < PieceCache::kMaxTokens) {
      tokens[count++] = token;
    } else {
      fits = false;
    }
  };
  merge_piece(t, p, len, state.scratch, collect);
  if (!fits) {  // too many tokens to cache (rare for short pieces): merge again straight to the sink
    merge_piece(t, p, len, state.scratch, sink);
    return;
  }
  entry.hash = hash;
  entry.len = static_cast<uint8_t>(len);
  entry.encoding = encoding_index;
  entry.token_count = static_cast<uint8_t>(count);
  std::memcpy(entry.bytes, p, len);
  std::memcpy(entry.tokens, tokens, count * sizeof(uint32_t));
  for (size_t k = 0; k < count; ++k) sink(tokens[k]);
}

// Encodes valid UTF-8 without special tokens.
template <bool kO200k, typename Sink>
void encode_valid_ordinary(const Encoding::Tables& t, std::string_view text, Sink& sink) {
  PerThread& state = per_thread();
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  const detail::PieceMatcher matcher(s, n, detail::unicode_classes());
  for (size_t i = 0; i < n;) {
    const size_t end = kO200k ? matcher.next_o200k(i) : matcher.next_cl100k(i);
    encode_piece(t, kO200k ? 1 : 0, s + i, end - i, state, sink);
    i = end;
  }
}

template <typename Sink>
void encode_valid(const Encoding::Tables& t, std::string_view text, SpecialTokens special,
                  Sink& sink) {
  const bool o200k = t.spec.name == "o200k_base";
  auto ordinary = [&](std::string_view part) {
    if (o200k) {
      encode_valid_ordinary<true>(t, part, sink);
    } else {
      encode_valid_ordinary<false>(t, part, sink);
    }
  };
  if (special == SpecialTokens::kAsText) {
    ordinary(text);
    return;
  }
  // Every special token starts with "<|"; none is a prefix of another, so the first one found at
  // the leftmost "<|" that starts one is the match tiktoken's special-token regex finds.
  size_t done = 0;
  for (size_t at = text.find("<|"); at != std::string_view::npos; at = text.find("<|", at + 1)) {
    for (const SpecialToken& token : t.spec.specials) {
      if (text.compare(at, token.text.size(), token.text) == 0) {
        ordinary(text.substr(done, at - done));
        sink(token.id);
        done = at + token.text.size();
        at = done - 1;  // the loop's find starts at `done`
        break;
      }
    }
  }
  ordinary(text.substr(done));
}

template <typename Sink>
void encode_any(const Encoding::Tables& t, std::string_view text, SpecialTokens special,
                Sink& sink) {
  if (is_valid_utf8(text)) {
    encode_valid(t, text, special, sink);
    return;
  }
  std::string replaced;
  replace_invalid_utf8(text, replaced);
  encode_valid(t, replaced, special, sink);
}

}  // namespace

const Encoding& Encoding::get(EncodingId id) {
  static std::once_flag once[std::size(kAllEncodings)];
  static std::unique_ptr<Encoding> instances[std::size(kAllEncodings)];
  const auto index = static_cast<size_t>(id);
  std::call_once(once[index], [&] { instances[index].reset(new Encoding(id, load_tables(id))); });
  return *instances[index];
}

Encoding::Encoding(EncodingId id, std::unique_ptr<Tables> tables) : id_(id), tables_(std::move(tables)) {}
Encoding::~Encoding() = default;

TokenId Encoding::n_vocab() const { return tables_->spec.n_vocab; }
size_t Encoding::mergeable_token_count() const { return tables_->ranks.size(); }
std::span<const SpecialToken> Encoding::special_tokens() const { return tables_->spec.specials; }

void Encoding::encode(std::string_view text, std::vector<TokenId>& out, SpecialTokens special) const {
  TokenAppender sink{out};
  encode_any(*tables_, text, special, sink);
}

std::vector<TokenId> Encoding::encode(std::string_view text, SpecialTokens special) const {
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + 1);
  encode(text, out, special);
  return out;
}

size_t Encoding::count(std::string_view text, SpecialTokens special) const {
  TokenCounter sink;
  encode_any(*tables_, text, special, sink);
  return sink.count;
}

std::string_view Encoding::token_bytes(TokenId id) const {
  if (id < tables_->ranks.size()) return tables_->ranks.bytes_of(id);
  for (const SpecialToken& token : tables_->spec.specials) {
    if (token.id == id) return token.text;
  }
  return {};
}

bool Encoding::decode(std::span<const TokenId> ids, std::string& out) const {
  for (TokenId id : ids) {
    const std::string_view bytes = token_bytes(id);
    if (bytes.empty()) return false;
    out.append(bytes);
  }
  return true;
}

std::optional<TokenId> Encoding::token_of(std::string_view bytes) const {
  const uint32_t rank = tables_->ranks.find(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (rank == kNoRank) return std::nullopt;
  return rank;
}

bool Encoding::pretokenize(std::string_view text, std::vector<std::string_view>& pieces) const {
  if (!is_valid_utf8(text)) return false;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const detail::PieceMatcher matcher(s, text.size(), detail::unicode_classes());
  for (size_t i = 0; i < text.size();) {
    const size_t end = id_ == EncodingId::kO200kBase ? matcher.next_o200k(i) : matcher.next_cl100k(i);
    pieces.push_back(text.substr(i, end - i));
    i = end;
  }
  return true;
}

size_t last_safe_split(std::string_view text) {
  // Why this is safe: in both patterns a letter run's optional prefix excludes \r and \n,
  // whitespace pieces end before a non-space, punctuation pieces take only [\r\n] (o200k:
  // [\r\n/]) after the run, and digit groups start afresh; and the piece ending at the '\n' is
  // the same whether text follows or not, since its whitespace run contains a newline and so
  // never reaches (?!\S). Invalid UTF-8 cannot straddle the cut either: '\n' ends any invalid
  // sequence, so U+FFFD replacement gives the same bytes for the parts as for the whole.
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const detail::UnicodeClasses& classes = detail::unicode_classes();
  for (size_t i = text.size(); i-- > 1;) {
    if (s[i - 1] != '\n') continue;
    const size_t n = text.size() - i;
    uint32_t cp = s[i];
    if (cp >= 0x80) {  // strict decode: only a well-formed sequence can be a letter or digit
      std::string one;
      replace_invalid_utf8(text.substr(i, std::min<size_t>(n, 4)), one);
      const auto* u = reinterpret_cast<const uint8_t*>(one.data());
      if (one.size() >= 2 && u[0] >= 0xC2 && u[0] < 0xE0) {
        cp = (u[0] & 0x1Fu) << 6 | (u[1] & 0x3Fu);
      } else if (one.size() >= 3 && u[0] >= 0xE0 && u[0] < 0xF0) {
        cp = (u[0] & 0x0Fu) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu);
      } else if (one.size() >= 4 && u[0] >= 0xF0) {
        cp = (u[0] & 0x07u) << 18 | (u[1] & 0x3Fu) << 12 | (u[2] & 0x3Fu) << 6 | (u[3] & 0x3Fu);
      } else {
        continue;
      }
    }
    if (classes.of(cp) & (detail::kClassLetter | detail::kClassNumber)) return i;
  }
  return 0;
}

std::string rank_data_sha256(EncodingId id) {
  const std::string text = decompress_embedded(encoding_name(id));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace tuneprep

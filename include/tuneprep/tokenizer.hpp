// tokenizer: exact, tiktoken-compatible BPE encodings (cl100k_base, o200k_base) whose rank data is
// embedded in the library, and the chat accounting built on them (OpenAI cookbook formula).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/utf8.hpp"

namespace tuneprep {

enum class EncodingId : uint8_t { kCl100kBase, kO200kBase };
inline constexpr EncodingId kAllEncodings[] = {EncodingId::kCl100kBase, EncodingId::kO200kBase};

std::string_view encoding_name(EncodingId id);                      // "cl100k_base", "o200k_base"
std::optional<EncodingId> encoding_from_name(std::string_view name);

// sha256 (lowercase hex) of the encoding's embedded rank data, decompressed: the .tiktoken file as
// OpenAI publishes it, whose hash tiktoken pins as expected_hash (data/encodings/README.md).
std::string rank_data_sha256(EncodingId id);

using TokenId = uint32_t;

struct SpecialToken {
  std::string_view text;  // e.g. "<|endoftext|>"
  TokenId id;
};

// How text that spells a special token is treated. kAsText (the default, what
// tiktoken's encode_ordinary does) encodes "<|endoftext|>" like any other text; kAllow maps each
// occurrence to its special id (tiktoken's encode(text, allowed_special="all")).
enum class SpecialTokens : uint8_t { kAsText, kAllow };

// One BPE encoding. Instances are built once per process on first use (thread-safe) and then
// shared read-only by every thread; all member functions are const and safe to call concurrently.
//
// Input text may be any bytes. Invalid UTF-8 is first decoded with U+FFFD replacement (one
// U+FFFD per maximal invalid subpart, the WHATWG Encoding Standard rule that JavaScript's
// TextDecoder applies), so the bytes EF BF BD are encoded in its place: the result equals
// tiktoken's on the JavaScript string that the same bytes decode to.
class Encoding {
 public:
  static const Encoding& get(EncodingId id);

  ~Encoding();
  Encoding(const Encoding&) = delete;
  Encoding& operator=(const Encoding&) = delete;

  EncodingId id() const { return id_; }
  std::string_view name() const { return encoding_name(id_); }
  // One more than the largest token id (mergeable or special), tiktoken's n_vocab.
  TokenId n_vocab() const;
  size_t mergeable_token_count() const;
  std::span<const SpecialToken> special_tokens() const;

  // Appends the token ids of `text` to `out`.
  void encode(std::string_view text, std::vector<TokenId>& out,
              SpecialTokens special = SpecialTokens::kAsText) const;
  std::vector<TokenId> encode(std::string_view text,
                              SpecialTokens special = SpecialTokens::kAsText) const;
  std::vector<TokenId> encode_ordinary(std::string_view text) const {
    return encode(text, SpecialTokens::kAsText);
  }
  // The number of tokens encode() would produce, without building the id list.
  size_t count(std::string_view text, SpecialTokens special = SpecialTokens::kAsText) const;

  // Appends the bytes of `ids` to `out`. Returns false at the first id that is neither a
  // mergeable nor a special token (`out` then holds the bytes of the ids before it).
  bool decode(std::span<const TokenId> ids, std::string& out) const;

  // The mergeable token whose bytes are exactly `bytes`, if any.
  std::optional<TokenId> token_of(std::string_view bytes) const;
  // The bytes of a token (mergeable or special); empty for an unknown id.
  std::string_view token_bytes(TokenId id) const;

  // Splits valid UTF-8 `text` into the pieces of this encoding's pretokenizer pattern (appended to
  // `pieces`, each a view into `text`). Returns false, adding nothing, if `text` is not valid
  // UTF-8 (run replace_invalid_utf8 first).
  bool pretokenize(std::string_view text, std::vector<std::string_view>& pieces) const;

  struct Tables;  // rank hash map, token bytes; defined in src/tokenizer

 private:
  Encoding(EncodingId id, std::unique_ptr<Tables> tables);
  EncodingId id_;
  std::unique_ptr<Tables> tables_;
};

// The largest offset k in (0, text.size()) at which `text` can be cut so that encoding
// text[0, k) and text[k, end) separately gives the same tokens as encoding `text`, for both
// encodings and both special-token modes; 0 when the text has no such point. It is a position
// right after a '\n' that is followed by a letter or digit (\p{L} or \p{N}): no pretokenizer
// piece runs through it. Lets callers tokenize a long text in independent chunks.
size_t last_safe_split(std::string_view text);

}  // namespace tuneprep

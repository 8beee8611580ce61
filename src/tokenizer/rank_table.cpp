// tokenizer: loading the .tiktoken rank format into RankTable.
#include "tokenizer/rank_table.hpp"

#include <fmt/core.h>

namespace tuneprep::detail {
namespace {

// RFC 4648 standard alphabet; -1 for bytes outside it.
int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Appends the decoded bytes of `text` (padded base64) to `out`.
bool decode_base64(std::string_view text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else {
        if (pad > 0) return false;
        v[k] = base64_value(static_cast<unsigned char>(c));
        if (v[k] < 0) return false;
      }
    }
    const uint32_t bits = static_cast<uint32_t>(v[0]) << 18 | static_cast<uint32_t>(v[1]) << 12 |
                          static_cast<uint32_t>(v[2]) << 6 | static_cast<uint32_t>(v[3]);
    out.push_back(static_cast<char>(bits >> 16));
    if (pad < 2) out.push_back(static_cast<char>(bits >> 8 & 0xFF));
    if (pad < 1) out.push_back(static_cast<char>(bits & 0xFF));
  }
  return true;
}

}  // namespace

bool RankTable::load(std::string_view text, std::string& error) {
  bytes_.clear();
  offsets_.assign(1, 0);
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t eol = text.find('\n');
    if (eol == std::string_view::npos) {
      error = fmt::format("line {}: missing line end", line_number);
      return false;
    }
    const std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      error = fmt::format("line {}: expected '<base64> <rank>'", line_number);
      return false;
    }
    uint64_t rank = 0;
    const std::string_view digits = line.substr(space + 1);
    if (digits.empty() || digits.size() > 9) {
      error = fmt::format("line {}: bad rank", line_number);
      return false;
    }
    for (char c : digits) {
      if (c < '0' || c > '9') {
        error = fmt::format("line {}: bad rank", line_number);
        return false;
      }
      rank = rank * 10 + static_cast<uint64_t>(c - '0');
    }
    if (rank != offsets_.size() - 1) {
      error = fmt::format("line {}: rank {} out of order", line_number, rank);
      return false;
    }
    const size_t before = bytes_.size();
    if (!decode_base64(line.substr(0, space), bytes_) || bytes_.size() - before > kMaxTokenBytes) {
      error = fmt::format("line {}: bad base64 token", line_number);
      return false;
    }
    offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
  }
  if (bytes_.size() >= (1u << 24)) {
    error = "token bytes exceed the 16 MiB the slot layout addresses";
    return false;
  }

  pair_rank_.assign(size_t{1} << 16, kNoRank);
  // Load factor at most 1/2 keeps linear-probe chains short.
  const size_t count = size();
  int bits = 4;
  while ((size_t{1} << bits) < 2 * count) ++bits;
  slots_.assign(size_t{1} << bits, Slot{});
  mask_ = (uint64_t{1} << bits) - 1;
  shift_ = 64 - bits;
  for (uint32_t rank = 0; rank < count; ++rank) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes_.data() + offsets_[rank]);
    const size_t len = offsets_[rank + 1] - offsets_[rank];
    if (find(p, len) != kNoRank) {
      error = fmt::format("token {} duplicates an earlier token", rank);
      return false;
    }
    const uint64_t key = key_of(p, len);
    uint64_t slot = index_of(key, len);
    while (slots_[slot].meta != 0) slot = (slot + 1) & mask_;
    slots_[slot] = Slot{key, rank, offsets_[rank] << 8 | static_cast<uint32_t>(len)};
    if (len == 2) pair_rank_[static_cast<size_t>(p[0]) << 8 | p[1]] = rank;
  }
  return true;
}

}  // namespace tuneprep::detail

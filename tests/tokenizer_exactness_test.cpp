// Exactness of the tokenizer against npm tiktoken: every case of the corpus in tests/data/tokens
// (cut as generate.mjs cuts it) must give the same count and the same ids, for both encodings.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <zstd.h>

#include "tuneprep/tokenizer.hpp"

using namespace tuneprep;

namespace {

const std::string kDir = std::string(TUNEPREP_TEST_DATA) + "/tokens/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string read_maybe_zst(const std::string& path) {
  std::string data = read_file(path);
  if (path.size() < 4 || path.compare(path.size() - 4, 4, ".zst") != 0) return data;
  const unsigned long long size = ZSTD_getFrameContentSize(data.data(), data.size());
  REQUIRE(size != ZSTD_CONTENTSIZE_ERROR);
  REQUIRE(size != ZSTD_CONTENTSIZE_UNKNOWN);
  std::string out(size, '\0');
  const size_t got = ZSTD_decompress(out.data(), out.size(), data.data(), data.size());
  REQUIRE(!ZSTD_isError(got));
  REQUIRE(got == size);
  return out;
}

// Groups of 4 lines (line ends kept), as generate.mjs cuts them.
std::vector<std::string> cut_cases(const std::string& bytes) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\n') {
      lines.push_back(bytes.substr(start, i + 1 - start));
      start = i + 1;
    }
  }
  if (start < bytes.size()) lines.push_back(bytes.substr(start));
  std::vector<std::string> cases;
  for (size_t k = 0; k < lines.size(); k += 4) {
    std::string c;
    for (size_t j = k; j < k + 4 && j < lines.size(); ++j) c += lines[j];
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<TokenId> parse_ids(std::string_view text) {
  std::vector<TokenId> ids;
  TokenId value = 0;
  bool in_number = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + static_cast<TokenId>(c - '0');
      in_number = true;
    } else if (in_number) {
      ids.push_back(value);
      value = 0;
      in_number = false;
    }
  }
  if (in_number) ids.push_back(value);
  return ids;
}

struct Tally {
  size_t cases = 0;
  size_t tokens = 0;
  size_t count_mismatches = 0;
  size_t id_mismatches = 0;
  size_t roundtrip_failures = 0;
  size_t split_mismatches = 0;  // whole files counted in pieces cut at every last_safe_split
  std::string first_differences;  // up to 5, for the failure message
};

Tally check_encoding(EncodingId id) {
  const Encoding& encoding = Encoding::get(id);
  const std::string expected = read_maybe_zst(kDir + "expected/" + std::string(encoding_name(id)) + ".tsv.zst");
  std::map<std::string, std::string> files;  // corpus file -> bytes
  std::map<std::string, std::vector<std::string>> cases;
  Tally tally;
  std::vector<TokenId> ids;
  size_t line_start = 0;
  while (line_start < expected.size()) {
    size_t line_end = expected.find('\n', line_start);
    if (line_end == std::string::npos) line_end = expected.size();
    const std::string_view row(expected.data() + line_start, line_end - line_start);
    line_start = line_end + 1;
    const size_t t1 = row.find('\t'), t2 = row.find('\t', t1 + 1), t3 = row.find('\t', t2 + 1);
    REQUIRE(t3 != std::string_view::npos);
    std::string file(row.substr(0, t1));
    const std::string_view index = row.substr(t1 + 1, t2 - t1 - 1);
    const size_t want_count = std::stoul(std::string(row.substr(t2 + 1, t3 - t2 - 1)));
    const std::vector<TokenId> want_ids = parse_ids(row.substr(t3 + 1));
    REQUIRE(want_ids.size() == want_count);

    SpecialTokens special = SpecialTokens::kAsText;
    if (file.size() > 8 && file.compare(file.size() - 8, 8, "@special") == 0) {
      file.resize(file.size() - 8);
      special = SpecialTokens::kAllow;
    }
    if (!files.count(file)) {
      files[file] = read_maybe_zst(kDir + "corpus/" + file);
      cases[file] = cut_cases(files[file]);
    }
    const std::string& text = index == "*" ? files[file] : cases[file].at(std::stoul(std::string(index)));

    ++tally.cases;
    tally.tokens += want_count;
    const size_t got_count = encoding.count(text, special);
    ids.clear();
    encoding.encode(text, ids, special);
    if (got_count != want_count) ++tally.count_mismatches;
    if (ids != want_ids) {
      if (tally.id_mismatches < 5) {
        size_t at = 0;
        while (at < ids.size() && at < want_ids.size() && ids[at] == want_ids[at]) ++at;
        tally.first_differences += std::string(encoding.name()) + " " + file +
                                   (special == SpecialTokens::kAllow ? "@special" : "") + " case " +
                                   std::string(index) + ": first difference at token " + std::to_string(at) + "\n";
      }
      ++tally.id_mismatches;
    }
    if (index == "*") {
      size_t chunked = 0;
      std::string_view rest = text;
      while (size_t cut = last_safe_split(rest)) {
        chunked += encoding.count(rest.substr(cut), special);
        rest = rest.substr(0, cut);
      }
      chunked += encoding.count(rest, special);
      if (chunked != want_count) ++tally.split_mismatches;
    }
    // decode(encode(x)) gives back x, with invalid UTF-8 replaced.
    std::string replaced, decoded;
    replace_invalid_utf8(text, replaced);
    if (!encoding.decode(want_ids, decoded) || decoded != replaced) {
      if (tally.roundtrip_failures < 5) {
        tally.first_differences += file + " case " + std::string(index) + ": expected ids decode to other bytes\n";
      }
      ++tally.roundtrip_failures;
    }
  }
  return tally;
}

}  // namespace

TEST_CASE("cl100k_base matches tiktoken on every corpus case, count and ids", "[tokenizer][exactness]") {
  const Tally tally = check_encoding(EncodingId::kCl100kBase);
  INFO(tally.first_differences);
  CHECK(tally.cases == 9400);
  CHECK(tally.tokens == 2379654);
  CHECK(tally.count_mismatches == 0);
  CHECK(tally.id_mismatches == 0);
  CHECK(tally.roundtrip_failures == 0);
  CHECK(tally.split_mismatches == 0);
}

TEST_CASE("o200k_base matches tiktoken on every corpus case, count and ids", "[tokenizer][exactness]") {
  const Tally tally = check_encoding(EncodingId::kO200kBase);
  INFO(tally.first_differences);
  CHECK(tally.cases == 9400);
  CHECK(tally.tokens == 2032528);
  CHECK(tally.count_mismatches == 0);
  CHECK(tally.id_mismatches == 0);
  CHECK(tally.roundtrip_failures == 0);
  CHECK(tally.split_mismatches == 0);
}

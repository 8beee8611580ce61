// Unit tests of the content prefilter (Vectorscan and the byte scans): for each of the content
// patterns, wherever its RE2 finds a hit the prefilter reported the pattern, over the real chat
// text of tests/data/public and over generated adversarial strings.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <simdjson.h>

#include "checks/content_patterns.hpp"

using tuneprep::checks::ContentPatterns;

namespace {

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02X", c);
      out += buffer;
    }
  }
  return out;
}

// Checks the prefilter's promise on texts: every pattern RE2 finds is among the reported ones.
class Oracle {
 public:
  Oracle() : positives_(patterns_.size(), 0) {}

  void check(std::string_view text) {
    patterns_.match(text, scratch_, hits_);
    ++texts_;
    for (size_t i = 0; i < patterns_.size(); ++i) {
      const int index = static_cast<int>(i);
      if (!RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), patterns_.regex(index))) continue;
      ++positives_[i];
      if (!std::binary_search(hits_.begin(), hits_.end(), index) && misses_.size() < 20) {
        misses_.push_back("pattern " + std::to_string(i) + " (" + std::string(patterns_.pattern(index).label) +
                          ") missed in \"" + printable(text) + "\"");
      }
    }
  }

  // No misses; `min_positives` RE2 hits of every pattern so that the check was not vacuous.
  void require_complete(size_t min_positives) const {
    INFO(texts_ << " texts checked");
    for (const std::string& miss : misses_) FAIL_CHECK(miss);
    CHECK(misses_.empty());
    for (size_t i = 0; i < positives_.size(); ++i) {
      INFO("pattern " << i << " (" << patterns_.pattern(static_cast<int>(i)).label << ")");
      CHECK(positives_[i] >= min_positives);
    }
  }

  size_t positives(size_t i) const { return positives_[i]; }
  size_t total_positives() const {
    size_t total = 0;
    for (size_t p : positives_) total += p;
    return total;
  }

 private:
  const ContentPatterns& patterns_ = ContentPatterns::instance();
  ContentPatterns::Scratch scratch_ = patterns_.make_scratch();
  std::vector<int> hits_;
  std::vector<size_t> positives_;
  std::vector<std::string> misses_;
  size_t texts_ = 0;
};

void collect_strings(simdjson::dom::element e, std::vector<std::string>& out) {
  std::string_view text;
  simdjson::dom::array array;
  simdjson::dom::object object;
  if (!e.get_string().get(text)) {
    out.emplace_back(text);
  } else if (!e.get_array().get(array)) {
    for (simdjson::dom::element child : array) collect_strings(child, out);
  } else if (!e.get_object().get(object)) {
    for (simdjson::dom::key_value_pair field : object) collect_strings(field.value, out);
  }
}

// Every string value of every record of the public samples, one vector per record.
std::vector<std::vector<std::string>> public_records() {
  std::vector<std::vector<std::string>> records;
  simdjson::dom::parser parser;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(TUNEPREP_TEST_DATA "/public")) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".json" || ext == ".jsonl") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto add = [&](std::string_view json) {
      simdjson::dom::element doc;
      REQUIRE(!parser.parse(json.data(), json.size()).get(doc));
      simdjson::dom::array array;
      if (path.extension() == ".json" && !doc.get_array().get(array)) {
        for (simdjson::dom::element record : array) {
          records.emplace_back();
          collect_strings(record, records.back());
        }
      } else {
        records.emplace_back();
        collect_strings(doc, records.back());
      }
    };
    if (path.extension() == ".json") {
      add(text);
      continue;
    }
    size_t begin = 0;
    while (begin < text.size()) {
      size_t end = text.find('\n', begin);
      if (end == std::string::npos) end = text.size();
      if (end > begin) add(std::string_view(text).substr(begin, end - begin));
      begin = end + 1;
    }
  }
  return records;
}

// Hits of every pattern, as a user or a model writes them.
const std::vector<std::string>& seeds() {
  static const std::vector<std::string> kSeeds = {
      // e-mail
      "john.smith+x@mail.co.uk", "a@b.cd", "x@host-1.example.org", "a@b.1.cc", "A_B%c@Sub.Domain9.IO",
      // international and North American phone numbers
      "+44 20 7946 0958", "+1 (555) 867-5309", "+12345678", "+1-555-010-9999", "+353 1 234 5678",
      "(555) 867-5309", "(555)867-5309", "555-123-4567", "555.123.4567", "555 123 4567",
      // card numbers
      "4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "3782-822463-10005",
      "5555555555554444", "6011 0009 9013 9424 123",
      // keys and tokens
      "sk-proj-4f9Qa7Lm2Xc8Vb1Nz6Kp3Rt5Yw0Hd", "sk-abcdefghijklmnopqrstuvwxyz", "AKIA2E0A8F3B244C9986",
      "ASIAIOSFODNN7EXAMPLE", "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R",
      "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP",
      "xoxb-2951-8173-Qm4nV7pX2kL9", "AIzaSyD4f8Gh2Jk6Lm0Np3Qr7St1Uv5Wx9Yz2Ab", "sk_live_51Hc8Gq2eZvKYlo2C0a1b2c3d",
      "rk_live_0123456789abcdefXYZ", "-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----",
      "-----BEGIN OPENSSH PRIVATE KEY BLOCK-----",
      // HTML
      "<br/>", "<br>", "</div>", "<p class=\"x\">", "<SPAN>", "<img src=a.png />", "<td\n>", "<a\thref=x>",
      "<script>", "<blockquote>", "&amp;", "&nbsp;", "&#8217;", "&#x2019;", "&hellip;",
      // mojibake
      "Ã©", "Â ", "â€™", "â€\"", "Ã\xC5\x92", "Ã€", "Ã™", "\xEF\xBF\xBD",
      // control characters
      std::string("\x01", 1), std::string("\0", 1), "\x1B[0m", "\x7F", "\xC2\x80", "\xC2\x85", "\xC2\x9F",
      // assistant boilerplate
      "As an AI language model", "as an AI model", "As a large language model", "as an AI assistant",
      "as an ai developed by", "I'm just an AI", "I\xE2\x80\x99m only an AI", "Im an AI", "I am just an AI",
      "I don't have personal opinions", "I don\xE2\x80\x99t have feelings", "i do not have preferences",
      "My knowledge cutoff", "my training data cut-off",
      // special tokens
      "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|eot_id|>", "</s>", "[INST]", "[/INST]", "<<SYS>>",
      "<</SYS>>", "<start_of_turn>", "<|assistant|>",
      // unfilled template placeholders
      "{{name}}", "{{ customer_name }}", "{{user.email}}",
  };
  return kSeeds;
}

// The same text with each ASCII 's' and 'k' (then each 'S' and 'K') replaced by the characters
// that RE2's (?i) folds to them: U+017F and U+212A.
std::vector<std::string> case_fold_variants(const std::string& s) {
  std::string lower;
  std::string upper;
  for (unsigned char c : s) {
    if (c == 's' || c == 'S') {
      lower += "\xC5\xBF";
    } else if (c == 'k' || c == 'K') {
      lower += "\xE2\x84\xAA";
    } else {
      lower += static_cast<char>(c);
    }
    upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return {lower, upper};
}

std::string utf8(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

}  // namespace

TEST_CASE("the content prefilter reports no pattern in plain prose") {
  const ContentPatterns& patterns = ContentPatterns::instance();
  ContentPatterns::Scratch scratch = patterns.make_scratch();
  std::vector<int> hits{1, 2, 3};
  patterns.match("The answer depends on the context, see section 2 of the 2024 report (page 13).", scratch, hits);
  CHECK(hits.empty());
  patterns.match("", scratch, hits);
  CHECK(hits.empty());
  hits = {1};
  patterns.match(std::string_view(), scratch, hits);
  CHECK(hits.empty());
}

TEST_CASE("the content prefilter misses no RE2 hit in the public chat samples") {
  Oracle oracle;
  std::string joined;
  size_t strings = 0;
  for (const std::vector<std::string>& record : public_records()) {
    joined.clear();
    for (const std::string& s : record) {
      oracle.check(s);
      joined.append(s).append("\n\n");
      ++strings;
    }
    oracle.check(joined);  // as RuleChecker scans an example: its strings joined
  }
  INFO(strings << " strings");
  CHECK(strings > 5000);
  oracle.require_complete(0);
  CHECK(oracle.total_positives() > 100);  // e-mail addresses and phone numbers, mostly
}

TEST_CASE("the content prefilter misses no RE2 hit around generated hits") {
  static const std::vector<std::string> kContexts = {
      "", " ", "x", "_", "\n", "\n\n", "\t", "0", "7 ", "-", ".", "+", "(", ")", "@", "<", "&", "#",
      "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xC2\x85", "\xC2\xA0", "\xC3", "\xE2\x80",
      "Please reach me at ", " today, thanks.", "```\n", "`"};
  Oracle oracle;
  for (const std::string& seed : seeds()) {
    std::vector<std::string> variants = {seed};
    for (const std::string& v : case_fold_variants(seed)) variants.push_back(v);
    for (const std::string& v : variants) {
      for (const std::string& before : kContexts) {
        for (const std::string& after : kContexts) oracle.check(before + v + after);
      }
    }
    for (size_t cut = 1; cut < seed.size(); ++cut) {  // split by a newline, and cut short
      const std::string head = seed.substr(0, cut);
      const std::string tail = seed.substr(cut);
      for (const std::string& v : {head + "\n" + tail, head, tail}) {
        for (const char* before : {"", " ", "\n", "\xC3\xA9"}) {
          for (const char* after : {"", " ", "\n", "\xC3\xA9"}) oracle.check(before + v + after);
        }
      }
    }
  }
  oracle.require_complete(1);
}

TEST_CASE("the content prefilter misses no RE2 hit in digit runs of every length and grouping") {
  static const std::vector<std::string> kSeparators = {"", " ", "-", ".", "/", "  ", "\n"};
  static const std::vector<std::string> kBefore = {"", "1", "+", "+1 ", "(", "(555) ", "(555)", "555-",
                                                   "\xC2\x85", "\xC3\xA9 "};
  static const std::vector<std::string> kAfter = {"", "1", ".", "-", "\n", " \xE4\xB8\xAD"};
  static const std::string kDigits = "4111111111111111555123456789012345";
  Oracle oracle;
  for (size_t length = 1; length <= 25; ++length) {
    for (size_t group = 1; group <= 5; ++group) {
      for (const std::string& separator : kSeparators) {
        for (size_t offset : {size_t{0}, size_t{16}}) {
          std::string run;
          for (size_t i = 0; i < length; ++i) {
            if (i > 0 && i % group == 0) run += separator;
            run += kDigits[(offset + i) % kDigits.size()];
          }
          for (const std::string& before : kBefore) {
            for (const std::string& after : kAfter) oracle.check(before + run + after);
          }
        }
      }
    }
  }
  const auto& patterns = ContentPatterns::instance();
  for (size_t i = 0; i < patterns.size(); ++i) {
    const tuneprep::RuleId rule = patterns.pattern(static_cast<int>(i)).rule;
    if (rule == tuneprep::RuleId::kPiiPhone || rule == tuneprep::RuleId::kPiiCreditCard) {
      INFO("pattern " << i);
      CHECK(oracle.positives(i) > 100);
    }
  }
  oracle.require_complete(0);
}

TEST_CASE("the byte scans find hits at every offset across their 64-byte blocks") {
  const std::vector<std::string> hits = {"555-123-4567", "(555) 123-4567", "4111 1111 1111 1111",
                                         std::string("\x01", 1), "\x7F", "\xC2\x85", "+44 20 7946 0958"};
  Oracle oracle;
  for (const std::string& hit : hits) {
    for (size_t offset = 0; offset < 140; ++offset) {
      for (size_t tail : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}}) {
        oracle.check(std::string(offset, 'a') + hit + std::string(tail, 'b'));
        oracle.check(std::string(offset, '9') + " " + hit + std::string(tail, '8'));
      }
    }
  }
  oracle.require_complete(0);
  const ContentPatterns& patterns = ContentPatterns::instance();
  for (size_t i = 0; i < patterns.size(); ++i) {
    if (patterns.pattern(static_cast<int>(i)).scan == tuneprep::checks::Prefilter::kVectorscan) continue;
    INFO("pattern " << i);
    CHECK(oracle.positives(i) > 0);
  }
}

TEST_CASE("the content prefilter misses no RE2 hit in random strings of pattern pieces") {
  static const std::vector<std::string> kPieces = {
      "0", "1", "2", "4", "5", "9", "0", "3", " ", " ", "-", ".", "+", "(", ")", "@", "a", "Z", "x", "e",
      "\n", "<", ">", "/", "&", "#", ";", "_", "\xC5\xBF", "\xE2\x84\xAA", "\xC2\x85", "\xC3\x83", "\xC3\x82",
      "\xC2\xA9", "\xC5\x92", "\xE2\x80\x99", "\x01", "\t", "\x7F", "k", "s", "p", "AKIA", "sk-", "gh",
      "p_", "xoxb-", "AIza", "sk_live_", "-----BEGIN ", "RSA ", "PRIVATE KEY", "span", "br", "amp", "nbsp",
      "i", "m", "'", "an ai", " model", "as ", "I am ", "\xC3\xA2\xE2\x82\xAC", "\xEF\xBF\xBD", "com", "co",
      "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "ABCDEFGHIJ", "0123456789", "555", "1234"};
  std::mt19937_64 rng(20261205);
  Oracle oracle;
  for (int n = 0; n < 60000; ++n) {
    std::string s;
    const size_t length = rng() % 48;
    for (size_t k = 0; k < length; ++k) s += kPieces[rng() % kPieces.size()];
    oracle.check(s);
  }
  oracle.require_complete(0);
}

TEST_CASE("the precompiled prefilter database is the one in use and matches what compiling gives") {
  const ContentPatterns& embedded = ContentPatterns::instance();
  // The tests run where the library was built, so the database compiled then must load.
  REQUIRE(embedded.precompiled());
  const std::unique_ptr<ContentPatterns> compiled = ContentPatterns::compile();
  CHECK_FALSE(compiled->precompiled());
  CHECK(compiled->serialize() == embedded.serialize());
  // The same hits on every string of the public samples and on random pattern pieces.
  auto embedded_scratch = embedded.make_scratch();
  auto compiled_scratch = compiled->make_scratch();
  std::vector<int> a;
  std::vector<int> b;
  size_t with_hits = 0;
  auto same = [&](const std::string& text) {
    embedded.match(text, embedded_scratch, a);
    compiled->match(text, compiled_scratch, b);
    CHECK(a == b);
    with_hits += !a.empty();
  };
  for (const std::vector<std::string>& record : public_records()) {
    for (const std::string& text : record) same(text);
  }
  std::mt19937_64 rng(6);
  static const std::vector<std::string> kPieces = {"a", " ", "@", "x.co", "+1 555", "sk-", "<b>", "{{", "\n", "0"};
  for (int n = 0; n < 5000; ++n) {
    std::string text;
    for (size_t k = rng() % 30; k > 0; --k) text += kPieces[rng() % kPieces.size()];
    same(text);
  }
  CHECK(with_hits > 1000);
}

TEST_CASE("RE2's case folding reaches ASCII letters from U+017F and U+212A only") {
  // Why the caseless prefilters report those two characters anywhere: Vectorscan over bytes
  // folds ASCII only.
  const RE2 letter("(?i)[a-z]");
  std::vector<uint32_t> folded;
  for (char32_t cp = 0x80; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    if (RE2::FullMatch(utf8(cp), letter)) folded.push_back(static_cast<uint32_t>(cp));
  }
  CHECK(folded == std::vector<uint32_t>{0x17F, 0x212A});
}

TEST_CASE("each thread scans with its own Vectorscan scratch") {
  const ContentPatterns& patterns = ContentPatterns::instance();
  std::vector<std::vector<int>> results(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      ContentPatterns::Scratch scratch = patterns.make_scratch();
      std::vector<int> hits;
      for (int i = 0; i < 2000; ++i) {
        patterns.match("mail john@mail.co.uk or call 555-123-4567 &amp; \x01", scratch, hits);
      }
      results[t] = hits;
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::vector<int>& hits : results) CHECK(hits == results[0]);
  CHECK(results[0] == std::vector<int>{0, 2, 12, 14});
}

TEST_CASE("without Vectorscan the prefilter reports the byte-class patterns alone") {
  // What prepare runs without warnings: control-character is the only content rule at error.
  const ContentPatterns& patterns = ContentPatterns::instance();
  ContentPatterns::Scratch scratch = patterns.make_scratch();
  const std::string_view text = "mail john@mail.co.uk or call 555-123-4567 &amp; \x01";
  std::vector<int> all;
  std::vector<int> bytes_only;
  patterns.match(text, scratch, all);
  patterns.match(text, scratch, bytes_only, /*with_vectorscan=*/false);
  std::vector<int> expected;
  for (int index : all) {
    if (patterns.pattern(index).scan != tuneprep::checks::Prefilter::kVectorscan) expected.push_back(index);
  }
  CHECK(expected.size() == 2);  // the phone number's digit groups, the control byte
  CHECK(bytes_only == expected);
  patterns.match("see john@mail.co.uk", scratch, bytes_only, false);
  CHECK(bytes_only.empty());
}

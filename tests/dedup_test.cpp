// Unit tests of exact dedup: the content hash and the first-occurrence table.
#include <catch2/catch.hpp>

#include "tuneprep/dedup.hpp"

using namespace tuneprep;

namespace {
Example chat(std::string user, std::string assistant) {
  Example e;
  Message u;
  u.role = Role::kUser;
  u.content = std::move(user);
  Message a;
  a.role = Role::kAssistant;
  a.content = std::move(assistant);
  e.messages = {u, a};
  return e;
}
}  // namespace

TEST_CASE("example hash ignores surrounding whitespace and line-end style") {
  CHECK(example_hash(chat("Hi\r\nthere", "Hello")) == example_hash(chat("  Hi\nthere\n", "Hello ")));
  CHECK(example_hash(chat("a\rb", "x")) == example_hash(chat("a\nb", "x")));
}

TEST_CASE("example hash separates roles, fields and boundaries") {
  CHECK_FALSE(example_hash(chat("ab", "c")) == example_hash(chat("a", "bc")));
  CHECK_FALSE(example_hash(chat("Hi", "Hello")) == example_hash(chat("Hi", "Hello!")));
  Example swapped = chat("Hello", "Hi");
  swapped.messages[0].role = Role::kAssistant;
  swapped.messages[1].role = Role::kUser;
  CHECK_FALSE(example_hash(chat("Hi", "Hello")) == example_hash(swapped));
  Example weighted = chat("Hi", "Hello");
  weighted.messages[1].weight = 0;
  CHECK_FALSE(example_hash(chat("Hi", "Hello")) == example_hash(weighted));
  Example with_tools = chat("Hi", "Hello");
  with_tools.tools_json = "[]";
  CHECK_FALSE(example_hash(chat("Hi", "Hello")) == example_hash(with_tools));
}

TEST_CASE("absent content differs from empty content") {
  Example a = chat("Hi", "");
  Example b = chat("Hi", "");
  b.messages[1].content.reset();
  CHECK_FALSE(example_hash(a) == example_hash(b));
}

TEST_CASE("preference hash covers both answers") {
  Example p;
  p.kind = ExampleKind::kPreference;
  p.messages = chat("Q", "unused").messages;
  p.messages.pop_back();
  Message good{Role::kAssistant, std::string("good")};
  Message bad{Role::kAssistant, std::string("bad")};
  p.preferred = {good};
  p.non_preferred = {bad};
  Example q = p;
  std::swap(q.preferred, q.non_preferred);
  CHECK_FALSE(example_hash(p) == example_hash(q));
}

TEST_CASE("normalize_for_hash trims and folds line ends") {
  CHECK(normalize_for_hash("  a\r\nb\rc \n") == "a\nb\nc");
  CHECK(normalize_for_hash("   ").empty());
}

TEST_CASE("exact deduplicator keeps the first occurrence and grows") {
  ExactDeduplicator dedup;
  std::vector<Hash128> hashes;
  for (uint64_t i = 0; i < 5000; ++i) {
    Hash128 h{i * 0x9E3779B97F4A7C15ull, i};
    SourceLocation at;
    at.file_index = static_cast<uint32_t>(i % 3);
    at.line = i + 1;
    CHECK_FALSE(dedup.insert(h, at).has_value());
    hashes.push_back(h);
  }
  CHECK(dedup.size() == 5000);
  SourceLocation later;
  later.line = 99999;
  auto first = dedup.insert(hashes[1234], later);
  REQUIRE(first.has_value());
  CHECK(first->line == 1235);
  CHECK(first->file_index == 1234 % 3);
  CHECK(dedup.size() == 5000);
}

TEST_CASE("a reserved deduplicator keeps what it held and does not grow before the reserved count") {
  ExactDeduplicator dedup;
  SourceLocation at;
  at.line = 3;
  CHECK_FALSE(dedup.insert(Hash128{42, 1}, at).has_value());
  const size_t initial = dedup.memory_bytes();
  dedup.reserve(3000);
  const size_t reserved = dedup.memory_bytes();
  CHECK(reserved >= 2 * 3000 * initial / 1024);  // 1,024 slots at first; load at most 1/2
  CHECK(reserved < 4 * 3000 * initial / 1024);   // the next power of two, not more
  auto again = dedup.insert(Hash128{42, 1}, SourceLocation{});  // moved by the rehash, still found
  REQUIRE(again.has_value());
  CHECK(again->line == 3);
  for (uint64_t i = 1; i < 3000; ++i) CHECK_FALSE(dedup.insert(Hash128{i * 0x9E3779B97F4A7C15ull, i}, at).has_value());
  CHECK(dedup.memory_bytes() == reserved);
  CHECK(dedup.size() == 3000);
  dedup.reserve(10);  // never shrinks
  CHECK(dedup.memory_bytes() == reserved);
}

TEST_CASE("an all-zero hash is stored like any other") {
  ExactDeduplicator dedup;
  SourceLocation at;
  at.line = 7;
  CHECK_FALSE(dedup.insert(Hash128{0, 0}, at).has_value());
  auto again = dedup.insert(Hash128{0, 0}, SourceLocation{});
  REQUIRE(again.has_value());
  CHECK(again->line == 7);
}

// Fuzzes normalization, the writers and the safe fixes: no crash on any bytes, every clean example
// written as openai-chat or dpo must read back as the same example, and the fixes are idempotent
// (a fixed example has nothing left to fix) and keep the example writable. A record the normalizer
// calls keys_known must hold no key the unknown-key check would report (the check skips it).
#include <cstdint>
#include <cstdlib>
#include <string>

#include <simdjson.h>

#include "tuneprep/checks.hpp"
#include "tuneprep/fixes.hpp"
#include "tuneprep/schema.hpp"

using namespace tuneprep;

namespace {

Record make_record(std::string_view text) {
  Record record;
  record.text.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  record.text.assign(text);
  return record;
}

void check_round_trip(Normalizer& normalizer, const Example& example, OutputFormat format) {
  std::string line;
  if (write_example(example, format, line)) return;
  if (line.empty() || line.back() != '\n') std::abort();
  line.pop_back();
  NormalizeResult again = normalizer.normalize(make_record(line));
  if (again.has_error() || !again.example) std::abort();
  Example expected = example;
  if (format == OutputFormat::kOpenAiChat && expected.kind == ExampleKind::kPreference) {
    // Written as prompt + preferred answer: compare with that conversation.
    expected.kind = ExampleKind::kChat;
    expected.messages.insert(expected.messages.end(), expected.preferred.begin(), expected.preferred.end());
    expected.preferred.clear();
    expected.non_preferred.clear();
  }
  expected.format = again.example->format;
  if (!(*again.example == expected)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Normalizer normalizer(NormalizeOptions{});
  std::string_view text(reinterpret_cast<const char*>(data), size);
  NormalizeResult result = normalizer.normalize(make_record(text));
  if (result.keys_known && result.example) {
    static const RuleConfig rules;
    std::vector<Diagnostic> unknown;
    check_unknown_keys(text, result.example->format, rules, unknown);
    if (!unknown.empty()) std::abort();
  }
  if (!result.example || result.has_error()) return 0;
  check_round_trip(normalizer, *result.example, OutputFormat::kOpenAiChat);
  check_round_trip(normalizer, *result.example, OutputFormat::kDpo);
  std::string ignored;
  (void)write_example(*result.example, OutputFormat::kPromptCompletion, ignored);

  static const FixSet all_fixes = [] {
    RuleConfigError error;
    return *FixSet::parse("safe", error);
  }();
  Example fixed = *result.example;
  (void)apply_fixes(fixed, all_fixes);
  Example again = fixed;
  if (!apply_fixes(again, all_fixes).empty() || !(again == fixed)) std::abort();
  check_round_trip(normalizer, fixed, OutputFormat::kOpenAiChat);
  return 0;
}

// Fuzzes normalization and the writers: no crash on any bytes, and every clean example written as
// openai-chat or dpo must read back as the same example.
#include <cstdint>
#include <cstdlib>
#include <string>

#include <simdjson.h>

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
  if (!result.example || result.has_error()) return 0;
  check_round_trip(normalizer, *result.example, OutputFormat::kOpenAiChat);
  check_round_trip(normalizer, *result.example, OutputFormat::kDpo);
  std::string ignored;
  (void)write_example(*result.example, OutputFormat::kPromptCompletion, ignored);
  return 0;
}

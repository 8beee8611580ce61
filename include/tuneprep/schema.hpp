// schema: format detection, normalization of every input shape to Example, and writers per format.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/conversation.hpp"
#include "tuneprep/record.hpp"
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/json_writer.hpp"

namespace tuneprep {

// --format: which shape to expect. kAuto detects per record from its keys.
enum class InputShape : uint8_t {
  kAuto, kOpenAiChat, kPromptCompletion, kAlpaca, kShareGpt, kDpo, kCsv
};
std::optional<InputShape> input_shape_from_name(std::string_view name);  // "auto", "openai-chat", ...

// --to: the format written to train/validation.
enum class OutputFormat : uint8_t { kOpenAiChat, kPromptCompletion, kDpo, kKto };
std::optional<OutputFormat> output_format_from_name(std::string_view name);
std::string_view output_format_name(OutputFormat format);

// A key mapping for JSON input, as LLaMA-Factory's dataset_info.json `columns` give it: the
// record key that holds each field. Fields: prompt (the instruction or user text), query (the
// input appended to it), response (the answer), history, system, messages, chosen, rejected,
// tools, label. A mapped key replaces the field's default name.
struct KeyMapping {
  std::string field;
  std::string key;
};
// The mappable field names, for messages: "prompt, query, response, ...".
std::string_view mappable_fields();
bool is_mappable_field(std::string_view field);
// LLaMA-Factory's `tags` of a ShareGPT-style message: role_tag and content_tag name the message's
// keys (default from, value); user_tag, assistant_tag, system_tag, observation_tag and
// function_tag name role values, accepted besides the usual ones (human, gpt, ...).
bool is_message_tag(std::string_view field);

struct NormalizeOptions {
  InputShape shape = InputShape::kAuto;
  std::string system_prompt;  // --system: added as the first message where none exists
  std::vector<KeyMapping> key_map;  // --map FIELD=KEY, --prompt-col/--response-col/--system-col, [map]
  // placeholder-input's fix: an Alpaca input that means "no input" is not appended to the prompt
  // (it is still reported as placeholder-input, so the caller can count the fix).
  bool drop_placeholder_input = false;
};

// Result of normalizing one record: an example, and the diagnostics found on the way.
// Any diagnostic of severity error means the record is rejected (example may then be empty).
struct NormalizeResult {
  std::optional<Example> example;
  std::vector<Diagnostic> diagnostics;
  // Set when the record is OpenAI chat read without a key mapping and every key it holds, at the
  // top and in each message, is one the format defines (kOpenAiChatTopKeys, kOpenAiMessageKeys):
  // the unknown-key check then has nothing to find and skips its scan of the raw record. False
  // says nothing (the check runs).
  bool keys_known = false;
  bool has_error() const;
};

// Parses and normalizes records. Holds a reusable JSON parser: use one per thread.
class Normalizer {
 public:
  explicit Normalizer(NormalizeOptions options);
  ~Normalizer();
  Normalizer(Normalizer&&) noexcept;
  Normalizer& operator=(Normalizer&&) noexcept;

  // Never throws on bad data. Framing errors of the record become diagnostics. After shape
  // mapping, the structural checks run (missing/empty content, unknown role, no assistant turn).
  NormalizeResult normalize(const Record& record);

  // Maps a pointer into the Example the last normalize() returned, written in the OpenAI shapes
  // the checks use ("/messages/2/content", "/input/messages/0/role", "/preferred_output/0/content"),
  // to the field of the record's own shape it came from ("/conversations/1/value", "/completion",
  // "/history/0/1", a CSV column as "/prompt"). The Normalizer knows where every message came
  // from, so this is exact for every shape. A message added by --system, an index out of range or
  // an unknown pointer gives "" (the whole record). Valid until the next normalize().
  std::string source_pointer(std::string_view example_pointer) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Appends one line (JSON + '\n') for `example` in `format` to `out`. Returns a kNotConvertible
// diagnostic when the example has no representation in that format (e.g. a chat without a
// rejected answer written as dpo), leaving `out` unchanged.
std::optional<Diagnostic> write_example(const Example& example, OutputFormat format, std::string& out);


}  // namespace tuneprep

// schema names: --format / --to names and the NormalizeResult helpers.
#include <algorithm>

#include "tuneprep/schema.hpp"

namespace tuneprep {

std::optional<InputShape> input_shape_from_name(std::string_view name) {
  if (name == "auto") return InputShape::kAuto;
  if (name == "openai-chat") return InputShape::kOpenAiChat;
  if (name == "prompt-completion") return InputShape::kPromptCompletion;
  if (name == "alpaca") return InputShape::kAlpaca;
  if (name == "sharegpt") return InputShape::kShareGpt;
  if (name == "dpo") return InputShape::kDpo;
  if (name == "csv") return InputShape::kCsv;
  return std::nullopt;
}

std::optional<OutputFormat> output_format_from_name(std::string_view name) {
  if (name == "openai-chat") return OutputFormat::kOpenAiChat;
  if (name == "prompt-completion") return OutputFormat::kPromptCompletion;
  if (name == "dpo") return OutputFormat::kDpo;
  if (name == "kto") return OutputFormat::kKto;
  return std::nullopt;
}

std::string_view output_format_name(OutputFormat format) {
  switch (format) {
    case OutputFormat::kOpenAiChat: return "openai-chat";
    case OutputFormat::kPromptCompletion: return "prompt-completion";
    case OutputFormat::kDpo: return "dpo";
    case OutputFormat::kKto: return "kto";
  }
  return "openai-chat";
}

bool NormalizeResult::has_error() const {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

}  // namespace tuneprep

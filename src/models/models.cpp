// tokenizer: the model table (fine-tunable OpenAI models -> encoding, token limit).
//
// Limits are the "maximum tokens per training example" (training context length) given in the
// OpenAI fine-tuning guide (platform.openai.com/docs/guides/fine-tuning, section "Token limits",
// as of 2025-05); encodings follow tiktoken's model table (tiktoken/model.py, MODEL_TO_ENCODING and
// MODEL_PREFIX_TO_ENCODING: gpt-4o / gpt-4.1 -> o200k_base, gpt-3.5-turbo, davinci-002 and
// babbage-002 -> cl100k_base). No network access was available when this table was written: the
// figures are the ones those documents state; check them against the guide when OpenAI changes it.
#include "tuneprep/models.hpp"

namespace tuneprep {
namespace {

constexpr std::string_view kGuide = "OpenAI fine-tuning guide, Token limits (2025-05)";
constexpr std::string_view kGuideLegacy =
    "OpenAI fine-tuning guide, Token limits (2024-08): gpt-3.5-turbo-0613 4,096";
constexpr std::string_view kModelsBase =
    "OpenAI models page: davinci-002 / babbage-002 context 16,384 (2023-08)";

constexpr EncodingId kO200k = EncodingId::kO200kBase;
constexpr EncodingId kCl100k = EncodingId::kCl100kBase;

constexpr ModelInfo kModels[] = {
    // GPT-4.1 family: 65,536 tokens per training example.
    {"gpt-4.1", "gpt-4.1-2025-04-14", kO200k, 65536, kGuide},
    {"gpt-4.1-2025-04-14", "gpt-4.1-2025-04-14", kO200k, 65536, kGuide},
    {"gpt-4.1-mini", "gpt-4.1-mini-2025-04-14", kO200k, 65536, kGuide},
    {"gpt-4.1-mini-2025-04-14", "gpt-4.1-mini-2025-04-14", kO200k, 65536, kGuide},
    {"gpt-4.1-nano", "gpt-4.1-nano-2025-04-14", kO200k, 65536, kGuide},
    {"gpt-4.1-nano-2025-04-14", "gpt-4.1-nano-2025-04-14", kO200k, 65536, kGuide},
    // GPT-4o family: 65,536 tokens per training example (inference context 128,000).
    {"gpt-4o", "gpt-4o-2024-08-06", kO200k, 65536, kGuide},
    {"gpt-4o-2024-08-06", "gpt-4o-2024-08-06", kO200k, 65536, kGuide},
    {"gpt-4o-mini", "gpt-4o-mini-2024-07-18", kO200k, 65536, kGuide},
    {"gpt-4o-mini-2024-07-18", "gpt-4o-mini-2024-07-18", kO200k, 65536, kGuide},
    // GPT-3.5 Turbo: 16,385 for -0125 and -1106, 4,096 for -0613.
    {"gpt-3.5-turbo", "gpt-3.5-turbo-0125", kCl100k, 16385, kGuide},
    {"gpt-3.5-turbo-0125", "gpt-3.5-turbo-0125", kCl100k, 16385, kGuide},
    {"gpt-3.5-turbo-1106", "gpt-3.5-turbo-1106", kCl100k, 16385, kGuide},
    {"gpt-3.5-turbo-0613", "gpt-3.5-turbo-0613", kCl100k, 4096, kGuideLegacy},
    // Base models (prompt/completion fine-tuning).
    {"davinci-002", "davinci-002", kCl100k, 16384, kModelsBase},
    {"babbage-002", "babbage-002", kCl100k, 16384, kModelsBase},
};

}  // namespace

std::span<const ModelInfo> all_models() { return kModels; }

std::optional<ModelMatch> find_model(std::string_view name) {
  if (name.starts_with("ft:")) {
    name.remove_prefix(3);
    name = name.substr(0, name.find(':'));
  }
  const ModelInfo* best = nullptr;
  for (const ModelInfo& model : kModels) {
    if (model.name == name) return ModelMatch{&model, true};
    if (name.starts_with(model.name) && (best == nullptr || model.name.size() > best->name.size())) {
      best = &model;
    }
  }
  if (best == nullptr) return std::nullopt;
  return ModelMatch{best, false};
}

}  // namespace tuneprep

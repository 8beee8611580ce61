// token_budget: the one lookup of --model / --encoding / --max-tokens, the tokens of an example
// and the one too-many-tokens check (with --truncate) every command uses.
#include <algorithm>

#include <fmt/core.h>

#include "tuneprep/analysis.hpp"

namespace tuneprep {

std::string_view dedup_mode_name(DedupMode mode) {
  switch (mode) {
    case DedupMode::kNone: return "none";
    case DedupMode::kExact: return "exact";
    case DedupMode::kNear: return "near";
  }
  return "exact";
}

std::optional<DedupMode> dedup_mode_from_name(std::string_view name) {
  if (name == "none") return DedupMode::kNone;
  if (name == "exact") return DedupMode::kExact;
  if (name == "near") return DedupMode::kNear;
  return std::nullopt;
}

std::string unknown_model_message(std::string_view name) {
  std::string names;
  for (const ModelInfo& model : all_models()) {
    names += names.empty() ? "" : ", ";
    names += model.name;
  }
  return fmt::format(
      "unknown model \"{}\"; known models: {} (a name starting with one of these also works, and so does a "
      "fine-tuned id ft:BASE:...); for another model give --encoding and --max-tokens instead",
      name, names);
}

std::optional<TokenBudget> resolve_token_budget(const TokenRequest& request, IoError& error) {
  TokenBudget budget;
  if (!request.model.empty()) {
    const std::optional<ModelMatch> match = find_model(request.model);
    if (!match) {
      error = IoError{unknown_model_message(request.model)};
      return std::nullopt;
    }
    budget.model = match->model;
  }
  const EncodingId id = request.encoding      ? *request.encoding
                        : budget.model != nullptr ? budget.model->encoding
                                                  : EncodingId::kO200kBase;
  budget.encoding = &Encoding::get(id);
  if (request.max_tokens != 0) {
    budget.limit = request.max_tokens;
    budget.limit_source = "--max-tokens";
  } else if (budget.model != nullptr) {
    budget.limit = budget.model->max_example_tokens;
    budget.limit_source = std::string(budget.model->name);
  }
  if (request.truncate && budget.limit == 0) {
    error = IoError{"--truncate needs a limit: give --model or --max-tokens"};
    return std::nullopt;
  }
  budget.truncate = request.truncate;
  return budget;
}

ExampleTokens count_example_tokens(const Encoding& encoding, const Example& example) {
  ExampleTokens tokens;
  if (example.kind == ExampleKind::kPreference) {
    const PreferenceTokenCount count = count_preference_tokens(encoding, example);
    tokens.total = count.preferred.total + count.non_preferred.total;
    tokens.prompt = count.preferred.prompt + count.non_preferred.prompt;
    tokens.trained = count.preferred.trained + count.non_preferred.trained;
    tokens.estimated = count.preferred.estimated + count.non_preferred.estimated;
    tokens.longest = std::max(count.preferred.total, count.non_preferred.total);
  } else {
    const ChatTokenCount count = count_chat_tokens(encoding, example);
    tokens.total = count.total;
    tokens.prompt = count.prompt;
    tokens.trained = count.trained;
    tokens.estimated = count.estimated;
    tokens.longest = count.total;
  }
  return tokens;
}

namespace {

std::string over_limit_message(const TokenBudget& budget, uint64_t tokens) {
  return fmt::format("the example has {} tokens ({}), over the limit of {} ({})", tokens,
                     encoding_name(budget.encoding->id()), budget.limit, budget.limit_source);
}

}  // namespace

std::optional<Diagnostic> fit_token_limit(Example& example, const TokenBudget& budget, ExampleTokens& tokens) {
  const Encoding& encoding = *budget.encoding;
  tokens = count_example_tokens(encoding, example);
  if (budget.limit == 0 || tokens.longest <= budget.limit) return std::nullopt;
  const uint64_t over = tokens.longest;
  if (budget.truncate && example.kind == ExampleKind::kChat) {
    // Drop whole trailing messages, then anything after the last assistant turn, until the rest
    // fits; work on a copy so a failure leaves the example as it was.
    std::vector<Message> messages = example.messages;
    Example shorter;
    while (!messages.empty()) {
      messages.pop_back();
      while (!messages.empty() && messages.back().role != Role::kAssistant) messages.pop_back();
      if (messages.empty()) break;
      shorter.kind = example.kind;
      shorter.format = example.format;
      shorter.messages = messages;
      shorter.tools_json = example.tools_json;
      shorter.functions_json = example.functions_json;
      shorter.parallel_tool_calls = example.parallel_tool_calls;
      ExampleTokens count = count_example_tokens(encoding, shorter);
      if (count.trained == 0) continue;  // only untrained (weight 0) assistant turns remain before here
      if (count.longest <= budget.limit) {
        example = std::move(shorter);
        tokens = count;
        tokens.truncated = true;
        return std::nullopt;
      }
    }
    return make_diagnostic(RuleId::kTooManyTokens,
                           over_limit_message(budget, over) +
                               "; no shorter prefix ending with a trained assistant turn fits (--truncate)");
  }
  return make_diagnostic(RuleId::kTooManyTokens, over_limit_message(budget, over));
}

}  // namespace tuneprep

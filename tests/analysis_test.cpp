// Tests of the record analysis: the one token budget (model lookup, limit, message, truncation)
// and the analysis of records as every command runs it.
#include <catch2/catch.hpp>

#include <string>

#include "tuneprep/analysis.hpp"
#include "tuneprep/tokenizer.hpp"

#include "example_builders.hpp"

using namespace tuneprep;

namespace {

using test::chat;
using test::message;

// 80 distinct words.
std::string long_text(int seed) {
  std::string text;
  for (int i = 0; i < 80; ++i) {
    if (i) text += ' ';
    text += "w" + std::to_string(seed) + "x" + std::to_string(i);
  }
  return text;
}

TokenBudget budget(EncodingId encoding, uint64_t limit, bool truncate = false) {
  TokenBudget b;
  b.encoding = &Encoding::get(encoding);
  b.limit = limit;
  b.limit_source = "--max-tokens";
  b.truncate = truncate;
  return b;
}

}  // namespace

TEST_CASE("Token limit: an example within the limit is counted and left alone") {
  Example example = chat({{Role::kUser, "Hi"}, {Role::kAssistant, "Hello!"}});
  const Encoding& encoding = Encoding::get(EncodingId::kO200kBase);
  ExampleTokens tokens;
  CHECK_FALSE(fit_token_limit(example, budget(EncodingId::kO200kBase, 1000), tokens).has_value());
  const ChatTokenCount expected = count_chat_tokens(encoding, example);
  CHECK(tokens.total == expected.total);
  CHECK(tokens.trained == expected.trained);
  CHECK_FALSE(tokens.truncated);
  CHECK(example.messages.size() == 2);
}

TEST_CASE("Token limit: an example over the limit is rejected with too-many-tokens naming the model") {
  Example example = chat({{Role::kUser, "Tell me a long story"}, {Role::kAssistant, long_text(1)}});
  const Encoding& encoding = Encoding::get(EncodingId::kO200kBase);
  const size_t total = count_chat_tokens(encoding, example).total;
  ExampleTokens tokens;
  auto diagnostic = fit_token_limit(example, budget(EncodingId::kO200kBase, 20), tokens);
  REQUIRE(diagnostic.has_value());
  CHECK(diagnostic->rule == RuleId::kTooManyTokens);
  CHECK(diagnostic->severity == Severity::kError);
  CHECK(diagnostic->message ==
        "the example has " + std::to_string(total) + " tokens (o200k_base), over the limit of 20 (--max-tokens)");

  IoError error;
  const std::optional<TokenBudget> model = resolve_token_budget(TokenRequest{"gpt-4o-mini", {}, 0, false}, error);
  REQUIRE(model);
  CHECK(model->limit == 65536);
  TokenBudget small = *model;
  small.limit = 20;
  diagnostic = fit_token_limit(example, small, tokens);
  REQUIRE(diagnostic.has_value());
  CHECK(diagnostic->message ==
        "the example has " + std::to_string(total) + " tokens (o200k_base), over the limit of 20 (gpt-4o-mini)");
}

TEST_CASE("Truncation drops trailing turns until the example fits and ends with an assistant turn") {
  Example example = chat({{Role::kSystem, "Be brief."},
                          {Role::kUser, "First question"},
                          {Role::kAssistant, "First answer."},
                          {Role::kUser, "Second question"},
                          {Role::kAssistant, long_text(2)},
                          {Role::kUser, "Third question, never answered"}});
  const Encoding& encoding = Encoding::get(EncodingId::kO200kBase);
  const Example first_turn = chat({{Role::kSystem, "Be brief."}, {Role::kUser, "First question"},
                                   {Role::kAssistant, "First answer."}});
  const ChatTokenCount fits = count_chat_tokens(encoding, first_turn);
  ExampleTokens tokens;
  CHECK_FALSE(fit_token_limit(example, budget(EncodingId::kO200kBase, fits.total + 5, true), tokens).has_value());
  CHECK(example == first_turn);
  CHECK(tokens.truncated);
  CHECK(tokens.total == fits.total);
  CHECK(tokens.trained == fits.trained);
}

TEST_CASE("Truncation skips a prefix whose last assistant turn has weight 0") {
  Example example = chat({{Role::kUser, "Q1"}, {Role::kAssistant, "A1"}, {Role::kUser, "Q2"},
                          {Role::kAssistant, "A2"}, {Role::kUser, "Q3"}, {Role::kAssistant, long_text(3)}});
  example.messages[1].weight = 0;
  example.messages[3].weight = 0;
  const Example original = example;
  ExampleTokens tokens;
  // Q1/A1 and Q1..A2 fit, but train on nothing: no acceptable prefix, so it is rejected unchanged.
  const auto diagnostic = fit_token_limit(example, budget(EncodingId::kCl100kBase, 60, true), tokens);
  REQUIRE(diagnostic.has_value());
  CHECK(diagnostic->rule == RuleId::kTooManyTokens);
  CHECK(diagnostic->message.find("no shorter prefix ending with a trained assistant turn fits") != std::string::npos);
  CHECK(example == original);
}

TEST_CASE("Truncation rejects an example whose first exchange alone is over the limit") {
  Example example = chat({{Role::kUser, long_text(4)}, {Role::kAssistant, "ok"}, {Role::kUser, "more"},
                          {Role::kAssistant, "done"}});
  const Example original = example;
  ExampleTokens tokens;
  CHECK(fit_token_limit(example, budget(EncodingId::kO200kBase, 30, true), tokens).has_value());
  CHECK(example == original);
}


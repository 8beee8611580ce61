// Unit tests of the safe fixes and of --fix parsing.
#include <catch2/catch.hpp>

#include "tuneprep/checks.hpp"
#include "tuneprep/fixes.hpp"

#include "example_builders.hpp"

using namespace tuneprep;

namespace {
using test::message;
// The short name these tests use.
inline Message msg(Role role, std::string text) { return message(role, std::move(text)); }
std::vector<std::string> contents(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const Message& m : messages) out.push_back(std::string(role_name(m.role)) + ":" + m.content.value_or("<none>"));
  return out;
}
FixSet all_fixes() {
  RuleConfigError error;
  return *FixSet::parse("safe", error);
}
}  // namespace

TEST_CASE("fix spec safe selects every rule with a fix and checks ids") {
  RuleConfigError error;
  auto safe = FixSet::parse("safe", error);
  REQUIRE(safe);
  for (const RuleInfo& rule : all_rules()) CHECK(safe->contains(rule.id) == !rule.fix.empty());
  auto two = FixSet::parse("whitespace-padding, bom-or-crlf", error);
  REQUIRE(two);
  CHECK(two->contains(RuleId::kWhitespacePadding));
  CHECK(two->contains(RuleId::kBomOrCrlf));
  CHECK_FALSE(two->contains(RuleId::kUnknownKey));
  CHECK_FALSE(FixSet::parse("pii-email", error));
  CHECK(error.message ==
        "--fix: rule pii-email has no safe fix (rules with one: unknown-key, bom-or-crlf, "
        "last-message-not-assistant, consecutive-same-role, whitespace-padding, special-token-literal, "
                        "placeholder-input, or 'safe' for all)");
  CHECK_FALSE(FixSet::parse("whitespace-paddin", error));
  CHECK(error.message.rfind("--fix: unknown rule id 'whitespace-paddin' (did you mean 'whitespace-padding'?)", 0) == 0);
}

TEST_CASE("fixes merge same-role turns, drop trailing turns and trim padding") {
  Example e;
  e.messages = {msg(Role::kUser, " Hi"), msg(Role::kUser, "Are you there?\n"), msg(Role::kAssistant, "Yes. "),
                msg(Role::kUser, "Thanks"), msg(Role::kUser, "Bye")};
  const auto applied = apply_fixes(e, all_fixes());
  CHECK(applied == std::vector<RuleId>{RuleId::kConsecutiveSameRole, RuleId::kLastMessageNotAssistant,
                                       RuleId::kWhitespacePadding});
  CHECK(contents(e.messages) == std::vector<std::string>{"user:Hi\n\nAre you there?", "assistant:Yes."});
  // The fixed example no longer triggers those rules.
  RuleChecker checker{RuleConfig{}};
  std::vector<Diagnostic> out;
  checker.check(e, out);
  for (const Diagnostic& d : out) {
    CHECK(d.rule != RuleId::kConsecutiveSameRole);
    CHECK(d.rule != RuleId::kLastMessageNotAssistant);
    CHECK(d.rule != RuleId::kWhitespacePadding);
  }
}

TEST_CASE("fixes leave clean examples and unsafe merges alone") {
  Example clean;
  clean.messages = {msg(Role::kUser, "Hi"), msg(Role::kAssistant, "Hello")};
  CHECK(apply_fixes(clean, all_fixes()).empty());
  Example calls;
  Message call = msg(Role::kAssistant, "Checking.");
  call.tool_calls_json = R"([{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}])";
  Message weighted = msg(Role::kAssistant, "Done.");
  weighted.weight = 0;
  calls.messages = {msg(Role::kUser, "Hi"), call, msg(Role::kAssistant, "A"), weighted, msg(Role::kUser, "   ")};
  RuleConfigError error;
  const auto applied = apply_fixes(calls, *FixSet::parse("consecutive-same-role,whitespace-padding", error));
  CHECK(applied.empty());
  CHECK(calls.messages.size() == 5);
}

TEST_CASE("special-token-literal fix strips a run of end tokens at once and is idempotent") {
  RuleConfigError error;
  const FixSet strip = *FixSet::parse("special-token-literal", error);
  Example e;
  // A run of two end tokens came from the schema fuzzer: stripping one at a time left the fix
  // something to do on a second pass.
  e.messages = {msg(Role::kUser, "h"), msg(Role::kAssistant, "there<|end|><|eom_id|> \n"),
                msg(Role::kUser, "again"), msg(Role::kAssistant, "<|eot_id|></s>"),
                msg(Role::kUser, "<|im_end|>"), msg(Role::kAssistant, "x <|im_start|>")};
  CHECK(apply_fixes(e, strip) == std::vector<RuleId>{RuleId::kSpecialTokenLiteral});
  // The whole-answer token stays to be reported; a user turn and a non-end token are left alone.
  CHECK(contents(e.messages) == std::vector<std::string>{"user:h", "assistant:there", "user:again",
                                                         "assistant:<|eot_id|>", "user:<|im_end|>",
                                                         "assistant:x <|im_start|>"});
  Example again = e;
  CHECK(apply_fixes(again, strip).empty());
  CHECK(again == e);
}

TEST_CASE("strip_bom_and_cr removes a leading BOM and CR line ends only") {
  std::string text = "\xEF\xBB\xBF{\"a\":\r\n1}\r";
  CHECK(strip_bom_and_cr(text));
  CHECK(text == "{\"a\":\n1}");
  std::string clean = "{\"a\":\"x\\r\"}";
  CHECK_FALSE(strip_bom_and_cr(clean));
  CHECK(clean == "{\"a\":\"x\\r\"}");
}

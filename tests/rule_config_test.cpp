// Unit tests of RuleConfig from command-line options and the tuneprep.toml [rules] table.
#include <catch2/catch.hpp>

#include "tuneprep/rule_config.hpp"

using namespace tuneprep;

TEST_CASE("rule config starts with every rule enabled at its default severity") {
  RuleConfig config;
  for (const RuleInfo& rule : all_rules()) {
    CHECK(config.enabled(rule.id));
    CHECK(config.severity(rule.id) == rule.default_severity);
  }
}

TEST_CASE("disable, enable and severity options change the config, comma lists included") {
  RuleConfig config;
  RuleOptions options;
  options.disable = {"pii-phone,pii-email", "html-markup"};
  options.enable = {"html-markup"};  // named in both: enable wins
  options.severity = {"consecutive-same-role=error", " mojibake = info "};
  REQUIRE_FALSE(apply_rule_options(config, options).has_value());
  CHECK_FALSE(config.enabled(RuleId::kPiiPhone));
  CHECK_FALSE(config.enabled(RuleId::kPiiEmail));
  CHECK(config.enabled(RuleId::kHtmlMarkup));
  CHECK(config.severity(RuleId::kConsecutiveSameRole) == Severity::kError);
  CHECK(config.severity(RuleId::kMojibake) == Severity::kInfo);
}

TEST_CASE("an unknown rule id is an error that suggests the closest id and lists all") {
  RuleConfig config;
  RuleOptions options;
  options.disable = {"pii-phone", "pii-phon"};
  auto error = apply_rule_options(config, options);
  REQUIRE(error.has_value());
  CHECK(error->message.rfind("unknown rule id 'pii-phon' (did you mean 'pii-phone'?); valid rule ids: "
                             "json-syntax invalid-utf8 ", 0) == 0);
  CHECK(error->message.find(" whitespace-padding") != std::string::npos);
  CHECK(config.enabled(RuleId::kPiiPhone));  // unchanged on error
}

TEST_CASE("a malformed --severity value is an error naming the valid levels") {
  RuleConfig config;
  RuleOptions options;
  options.severity = {"pii-email"};
  auto error = apply_rule_options(config, options);
  REQUIRE(error);
  CHECK(error->message == "--severity expects ID=LEVEL (error, warning or info), got 'pii-email'");
  options.severity = {"pii-email=fatal"};
  error = apply_rule_options(config, options);
  REQUIRE(error);
  CHECK(error->message ==
        "--severity: unknown severity 'fatal' for rule pii-email (valid: error, warning, info)");
}

TEST_CASE("tuneprep.toml [rules] table disables, enables and sets severities") {
  RuleConfig config;
  auto error = apply_rules_toml(config, R"(
[prepare]
seed = 3

[rules]
disable = ["pii-phone", "missing-system-message"]
enable = ["missing-system-message"]
severity = { "consecutive-same-role" = "error", whitespace-padding = "info" }
)",
                                "tuneprep.toml");
  REQUIRE_FALSE(error.has_value());
  CHECK_FALSE(config.enabled(RuleId::kPiiPhone));
  CHECK(config.enabled(RuleId::kMissingSystemMessage));
  CHECK(config.severity(RuleId::kConsecutiveSameRole) == Severity::kError);
  CHECK(config.severity(RuleId::kWhitespacePadding) == Severity::kInfo);
}

TEST_CASE("tuneprep.toml errors name the file and the problem") {
  RuleConfig config;
  auto error = apply_rules_toml(config, "[rules]\ndisable = [\"no-such-rule\"]\n", "cfg.toml");
  REQUIRE(error);
  CHECK(error->message.rfind("cfg.toml: unknown rule id 'no-such-rule'; valid rule ids: ", 0) == 0);

  error = apply_rules_toml(config, "[rules]\ndisable = \"pii-phone\"\n", "cfg.toml");
  REQUIRE(error);
  CHECK(error->message == "cfg.toml: rules.disable must be an array of rule ids");

  error = apply_rules_toml(config, "[rules]\nseverity = { pii-phone = 2 }\n", "cfg.toml");
  REQUIRE(error);
  CHECK(error->message == "cfg.toml: rules.severity.pii-phone must be a string (error, warning or info)");

  error = apply_rules_toml(config, "[rules]\nignore = []\n", "cfg.toml");
  REQUIRE(error);
  CHECK(error->message == "cfg.toml: unknown key rules.ignore (valid: enable, disable, severity)");

  error = apply_rules_toml(config, "[rules\n", "cfg.toml");
  REQUIRE(error);
  CHECK(error->message.rfind("cfg.toml:1:", 0) == 0);

  CHECK(config.enabled(RuleId::kPiiPhone));
  CHECK_FALSE(apply_rules_toml(config, "title = \"no rules table\"\n", "cfg.toml").has_value());
}

TEST_CASE("RuleConfig::apply drops disabled rules and overrides severities") {
  RuleConfig config;
  config.set_enabled(RuleId::kPiiEmail, false);
  config.set_severity(RuleId::kMojibake, Severity::kError);
  std::vector<Diagnostic> diagnostics = {
      make_diagnostic(RuleId::kPiiEmail, "a", "/messages/0/content"),
      make_diagnostic(RuleId::kMojibake, "b", "/messages/1/content"),
      make_diagnostic(RuleId::kEmptyContent, "c", "/messages/2/content"),
  };
  config.apply(diagnostics);
  REQUIRE(diagnostics.size() == 2);
  CHECK(diagnostics[0].rule == RuleId::kMojibake);
  CHECK(diagnostics[0].severity == Severity::kError);
  CHECK(diagnostics[1].rule == RuleId::kEmptyContent);
}

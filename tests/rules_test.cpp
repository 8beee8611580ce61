// Unit tests of the rule registry.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "tuneprep/rules.hpp"

using namespace tuneprep;

TEST_CASE("every rule id is unique kebab-case and round-trips by name") {
  std::set<std::string> seen;
  for (const RuleInfo& rule : all_rules()) {
    std::string name(rule.name);
    CHECK(seen.insert(name).second);
    for (char c : name) CHECK(((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'));
    REQUIRE(rule_from_name(name).has_value());
    CHECK(*rule_from_name(name) == rule.id);
    CHECK(!rule.description.empty());
  }
  CHECK_FALSE(rule_from_name("no-such-rule").has_value());
}

TEST_CASE("make_diagnostic takes the rule's default severity") {
  Diagnostic d = make_diagnostic(RuleId::kEmptyContent, "empty", "/messages/1/content");
  CHECK(d.severity == Severity::kError);
  CHECK(d.pointer == "/messages/1/content");
}

// docs/rules.md is generated from the registry: this test fails when the two differ, and checks
// that the documented examples of the checks-implemented rules behave as documented.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <simdjson.h>

#include "tuneprep/checks.hpp"
#include "tuneprep/rule_docs.hpp"

using namespace tuneprep;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A test-only reading of the OpenAI chat and DPO shapes into Example, enough for the examples
// (the Normalizer is the real one).
std::vector<Message> read_messages(simdjson::dom::array list) {
  std::vector<Message> out;
  for (simdjson::dom::element m : list) {
    Message msg;
    std::string_view text;
    if (!m["role"].get_string().get(text)) msg.role = role_from_name(text).value_or(Role::kUser);
    if (!m["content"].get_string().get(text)) msg.content = std::string(text);
    int64_t weight = 0;
    if (!m["weight"].get_int64().get(weight)) msg.weight = weight;
    if (!m["tool_call_id"].get_string().get(text)) msg.tool_call_id = std::string(text);
    simdjson::dom::element calls;
    if (!m["tool_calls"].get(calls)) msg.tool_calls_json = simdjson::minify(calls);
    out.push_back(std::move(msg));
  }
  return out;
}

Example read_example(const std::string& line) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(line).value();
  Example e;
  simdjson::dom::array list;
  if (!doc["messages"].get_array().get(list)) {
    e.messages = read_messages(list);
  } else {
    e.kind = ExampleKind::kPreference;
    e.format = SourceFormat::kDpoOpenAi;
    e.messages = read_messages(doc["input"]["messages"].get_array().value());
    e.preferred = read_messages(doc["preferred_output"].get_array().value());
    e.non_preferred = read_messages(doc["non_preferred_output"].get_array().value());
  }
  return e;
}

bool fires(RuleId id, const std::string& record) {
  std::vector<Diagnostic> out;
  if (id == RuleId::kUnknownKey) {
    check_unknown_keys(record, SourceFormat::kOpenAiChat, RuleConfig{}, out);
  } else {
    RuleChecker checker{RuleConfig{}};
    checker.check(read_example(record), out);
  }
  return std::any_of(out.begin(), out.end(), [&](const Diagnostic& d) { return d.rule == id; });
}

}  // namespace

TEST_CASE("docs/rules.md is the markdown rendered from the rule registry") {
  const std::string path = std::string(TUNEPREP_TEST_DATA) + "/../../docs/rules.md";
  INFO("regenerate with: tuneprep rules --markdown > docs/rules.md");
  CHECK(read_file(path) == render_rules_markdown());
}

TEST_CASE("docs/rules.md has a section, a bad and a good example for every rule") {
  const std::string markdown = render_rules_markdown();
  for (const RuleInfo& rule : all_rules()) {
    CHECK(markdown.find("\n## " + std::string(rule.name) + "\n") != std::string::npos);
    const RuleDoc& doc = rule_doc(rule.id);
    CHECK_FALSE(doc.bad.empty());
    CHECK_FALSE(doc.good.empty());
    CHECK(doc.bad != doc.good);
  }
}

TEST_CASE("the documented bad example of each checks rule triggers it and the good one does not") {
  size_t verified = 0;
  for (const RuleDoc& doc : rule_docs()) {
    if (doc.checked_by != "checks" || doc.example_format != "jsonl") continue;
    INFO(rule_name(doc.id));
    CHECK(fires(doc.id, std::string(doc.bad)));
    CHECK_FALSE(fires(doc.id, std::string(doc.good)));
    ++verified;
  }
  CHECK(verified == 26);
}

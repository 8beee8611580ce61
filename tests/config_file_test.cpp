// Unit tests of the one parse of tuneprep.toml (config_file) and the tables read from it.
#include <catch2/catch.hpp>

#include "temp_dir.hpp"
#include "tuneprep/config_file.hpp"

using namespace tuneprep;

TEST_CASE("a tuneprep.toml is read and parsed once; [rules] and [map] are read from that parse") {
  TempDir dir;
  const std::string path =
      dir.write("cfg.toml", "[rules]\ndisable = [\"pii-email\"]\n[map]\nprompt = \"question\"\n[backend.x]\n");
  ConfigFile file;
  REQUIRE_FALSE(read_config_file(path, file));
  CHECK(file.source == path);
  RuleConfig rules;
  CHECK_FALSE(apply_rules_table(rules, file));
  CHECK_FALSE(rules.enabled(RuleId::kPiiEmail));
  std::vector<std::pair<std::string, std::string>> mappings;
  CHECK_FALSE(read_map_table(file, mappings));
  CHECK(mappings == std::vector<std::pair<std::string, std::string>>{{"prompt", "question"}});
}

TEST_CASE("a malformed or too deep tuneprep.toml is one error line and leaves the parsed file as it was") {
  ConfigFile file;
  REQUIRE_FALSE(parse_config_text("[rules]\ndisable = [\"pii-phone\"]\n", "good.toml", file));
  auto error = parse_config_text("[rules\n", "bad.toml", file);
  REQUIRE(error);
  CHECK(error->message.starts_with("bad.toml:1:"));
  error = parse_config_text("a = " + std::string(40, '{') + "\n", "deep.toml", file);
  REQUIRE(error);
  CHECK(error->message == "deep.toml:1:37: arrays, tables and inline tables are nested too deeply (at most 32)");
  CHECK(file.source == "good.toml");
  CHECK(file.document.contains("rules"));
}

TEST_CASE("no tuneprep.toml: the empty ConfigFile has no tables, which every table reader accepts") {
  const ConfigFile none;
  RuleConfig rules;
  CHECK_FALSE(apply_rules_table(rules, none));
  std::vector<std::pair<std::string, std::string>> mappings;
  CHECK_FALSE(read_map_table(none, mappings));
  CHECK(mappings.empty());
}

// libFuzzer target: random bytes as a tuneprep.toml. The loader must answer with a config or an
// error, never crash or recurse without bound (the pre-scan bounds what toml++ is given).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tuneprep/rule_config.hpp"

using namespace tuneprep;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  RuleConfig config;
  const auto error = apply_rules_toml(config, text, "fuzz.toml");
  if (error && error->message.empty()) std::abort();  // every error says something
  // The pre-scan is the contract: whatever it lets through must also parse without crashing,
  // and what it refuses must be refused by apply_rules_toml too.
  if (check_toml_limits(text, "fuzz.toml") && !error) std::abort();
  return 0;
}

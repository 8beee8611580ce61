// config_file: tuneprep.toml read and parsed once, within the limits of rule_config.hpp; every
// table of it ([rules], [map], [backend.NAME]) is read from that one parsed document.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "tuneprep/rule_config.hpp"

namespace tuneprep {

// A parsed configuration. Default-constructed it is the absent file (no tables), which is what a
// command sees when neither --config nor ./tuneprep.toml is there.
struct ConfigFile {
  std::string source;     // what messages start with: the path, "" when there is no file
  toml::table document;
};

// Bounds `toml_text` (kMaxConfigBytes, then check_toml_limits) and parses it into `config`.
// Errors are one line ("cfg.toml:3:40: ..."); `config` is left unchanged then.
std::optional<RuleConfigError> parse_config_text(std::string_view toml_text, std::string_view source_name,
                                                 ConfigFile& config);

// Reads `path` (a regular file, FIFO or device; at most kMaxConfigBytes) and parses it as
// parse_config_text does. Unreadable, too large, too deep or malformed files are errors.
std::optional<RuleConfigError> read_config_file(const std::string& path, ConfigFile& config);

}  // namespace tuneprep

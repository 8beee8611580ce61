// config_file: reads tuneprep.toml with a cap, bounds it and parses it; the one toml::parse of the
// configuration, whose errors every table reader shares.
#include "tuneprep/config_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace tuneprep {

std::optional<RuleConfigError> parse_config_text(std::string_view toml_text, std::string_view source_name,
                                                 ConfigFile& config) {
  const std::string source(source_name);
  if (toml_text.size() > kMaxConfigBytes) {
    return RuleConfigError{source + ": the configuration is larger than " + std::to_string(kMaxConfigBytes >> 20) +
                           " MiB"};
  }
  // The parser recurses per dotted-key part and nesting level: the pre-scan bounds both first.
  if (auto error = check_toml_limits(toml_text, source_name)) return error;
  try {
    config.document = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return RuleConfigError{source + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) + ": " +
                           std::string(e.description())};
  } catch (const std::exception& e) {  // e.g. bad_alloc: still a usage error, never a crash
    return RuleConfigError{source + ": cannot parse the configuration: " + e.what()};
  }
  config.source = source;
  return std::nullopt;
}

std::optional<RuleConfigError> read_config_file(const std::string& path, ConfigFile& config) {
  // Read with a cap rather than by the file's size: a FIFO or a device has none, /dev/zero no end.
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return RuleConfigError{path + ": cannot open the configuration file: " + std::strerror(errno)};
  std::string text(kMaxConfigBytes + 1, '\0');
  size_t size = 0;
  while (size < text.size()) {
    const size_t n = std::fread(text.data() + size, 1, text.size() - size, file.get());
    if (n == 0) break;
    size += n;
  }
  if (std::ferror(file.get())) {
    return RuleConfigError{path + ": cannot read the configuration file: " + std::strerror(errno)};
  }
  if (size > kMaxConfigBytes) {
    return RuleConfigError{path + ": the configuration file is larger than " + std::to_string(kMaxConfigBytes >> 20) +
                           " MiB"};
  }
  text.resize(size);
  return parse_config_text(text, path, config);
}

}  // namespace tuneprep

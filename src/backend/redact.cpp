// redact: keeps API keys out of everything tuneprep prints or writes.
#include <string>
#include <string_view>

#include "tuneprep/backend.hpp"

namespace tuneprep::backend {

std::string redact_key(std::string_view key) {
  // The prefix tells the kind of key (sk-, sk-proj-...), the last four which key; shorter keys
  // would give away too large a share of themselves.
  if (key.size() <= 12) return "…";
  const size_t dash = key.find('-');
  const std::string_view prefix = dash != std::string_view::npos && dash < 4 ? key.substr(0, dash + 1) : "";
  return std::string(prefix) + "…" + std::string(key.substr(key.size() - 4));
}

std::string redact_secret(std::string_view text, std::string_view key) {
  if (key.empty()) return std::string(text);
  const std::string replacement = redact_key(key);
  std::string out;
  size_t start = 0;
  while (true) {
    const size_t hit = text.find(key, start);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(start, hit - start));
    out += replacement;
    start = hit + key.size();
  }
  out.append(text.substr(start));
  return out;
}

}  // namespace tuneprep::backend

// retry: when and how long to wait before repeating a failed request.
#include <charconv>
#include <cmath>
#include <ctime>
#include <string>

#include "tuneprep/backend.hpp"

namespace tuneprep::backend {
namespace {

std::optional<double> parse_number(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// Retry-After as an HTTP date (RFC 9110 IMF-fixdate), relative to now.
std::optional<double> parse_http_date_delay(std::string_view text) {
  std::tm tm{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) return std::nullopt;
  const std::time_t when = timegm(&tm);
  return std::difftime(when, std::time(nullptr));
}

}  // namespace

bool is_retryable_status(int status) {
  // 408 timeout, 409 lock conflict, 429 rate limit, 5xx server trouble: what the OpenAI SDKs retry.
  return status == 408 || status == 409 || status == 429 || status >= 500;
}

double retry_delay(const RetryPolicy& policy, int attempt, std::string_view retry_after_ms,
                   std::string_view retry_after, std::mt19937_64& rng) {
  std::optional<double> server;
  if (auto ms = parse_number(retry_after_ms)) {
    server = *ms / 1000.0;
  } else if (auto seconds = parse_number(retry_after)) {
    server = *seconds;
  } else if (!retry_after.empty()) {
    server = parse_http_date_delay(retry_after);
  }
  if (server && *server >= 0 && *server <= policy.max_retry_after) return *server;
  const double base = std::min(policy.max_delay, policy.initial_delay * std::pow(2.0, attempt));
  std::uniform_real_distribution<double> jitter(0.0, policy.jitter);
  return base * (1.0 - jitter(rng));
}

}  // namespace tuneprep::backend

// terminal: ANSI styling, human-readable numbers and the progress bar.
#include "cli/terminal.hpp"

#include <cstdio>

#include <fmt/core.h>

namespace tuneprep::cli {

std::string Style::paint(std::string_view text, std::string_view code) const {
  if (!enabled_ || code.empty()) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

std::string group_digits(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string human_bytes(uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes < 1000) return fmt::format("{} B", bytes);
  if (b < 1e6) return fmt::format("{:.1f} kB", b / 1e3);
  if (b < 1e9) return fmt::format("{:.1f} MB", b / 1e6);
  return fmt::format("{:.2f} GB", b / 1e9);
}

void ProgressBar::update(uint64_t done, uint64_t total, uint64_t records, double seconds) {
  if (!enabled_) return;
  constexpr int kWidth = 28;
  const double rate = seconds > 0 ? static_cast<double>(records) / seconds : 0;
  const double mbps = seconds > 0 ? static_cast<double>(done) / 1e6 / seconds : 0;
  std::string bar;
  if (total > 0) {
    const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    const int filled = static_cast<int>(fraction * kWidth);
    bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '-') + "]";
    fmt::print(stderr, "\r{} {:3.0f}% {} / {}  {:.0f} MB/s  {} records ({:.0f}/s)\x1b[K", bar, fraction * 100,
               human_bytes(done), human_bytes(total), mbps, group_digits(records), rate);
  } else {
    fmt::print(stderr, "\r{} read  {:.0f} MB/s  {} records ({:.0f}/s)\x1b[K", human_bytes(done), mbps,
               group_digits(records), rate);
  }
  std::fflush(stderr);
  drawn_ = true;
}

std::string step_progress_line(uint64_t step, uint64_t total, std::optional<double> train_loss) {
  constexpr int kWidth = 28;
  const double fraction = total > 0 ? std::min(1.0, static_cast<double>(step) / static_cast<double>(total)) : 0.0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string line = "[" + std::string(filled, '#') + std::string(kWidth - filled, '-') + "] " +
                     fmt::format("{:3.0f}% step {} / {}", fraction * 100, group_digits(step), group_digits(total));
  if (train_loss) line += fmt::format("  train loss {:.4f}", *train_loss);
  return line;
}

void ProgressBar::update_steps(uint64_t step, uint64_t total, std::optional<double> train_loss) {
  if (!enabled_) return;
  fmt::print(stderr, "\r{}\x1b[K", step_progress_line(step, total, train_loss));
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!drawn_) return;
  fmt::print(stderr, "\r\x1b[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace tuneprep::cli

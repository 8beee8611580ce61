// terminal: colour (only when asked or on a TTY), number formatting and the stderr progress bar.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tuneprep::cli {

class Style {
 public:
  explicit Style(bool enabled) : enabled_(enabled) {}
  static constexpr std::string_view kRed = "31";
  static constexpr std::string_view kGreen = "32";
  static constexpr std::string_view kYellow = "33";
  static constexpr std::string_view kBold = "1";
  std::string paint(std::string_view text, std::string_view code) const;
  std::string red(std::string_view text) const { return paint(text, kRed); }
  std::string yellow(std::string_view text) const { return paint(text, kYellow); }
  std::string bold(std::string_view text) const { return paint(text, kBold); }

 private:
  bool enabled_;
};

std::string group_digits(uint64_t value);   // 1234567 -> "1,234,567"
std::string human_bytes(uint64_t bytes);    // 1536000 -> "1.5 MB"

// A one-line bar on stderr, redrawn in place with \r; a no-op when disabled.
// The line of a training job's progress: "[#####-----]  42% step 420 / 1,000  train loss 0.8120".
std::string step_progress_line(uint64_t step, uint64_t total, std::optional<double> train_loss);

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }
  void update(uint64_t done, uint64_t total, uint64_t records, double seconds);
  // A training job's steps instead of bytes (tuneprep watch).
  void update_steps(uint64_t step, uint64_t total, std::optional<double> train_loss);
  void clear();

 private:
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace tuneprep::cli

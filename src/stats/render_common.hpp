// stats render_common: number formatting, escaping and the key-figure list shared by the four
// renderers (and their compare modes), so every output shows the same figures the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/stats.hpp"

namespace tuneprep::stats_render {

std::string group(uint64_t value);                 // 1234567 -> "1,234,567"
std::string percent(double ratio);                 // 0.1234 -> "12.3%"
std::string fixed(double value, int decimals);     // fixed("1.25", 1) -> "1.3", grouped thousands
std::string money(double usd);                     // 12.345 -> "$12.35"; below $0.01 -> "<$0.01"

// Text on one line: whitespace runs become one space; longer than max_chars code points ends with …
std::string one_line(std::string_view text, size_t max_chars);
std::string html_escape(std::string_view text);
std::string markdown_cell(std::string_view text);  // escapes | and backticks for a table cell

// Labels of a histogram bin: "0–99", or "≥1,400" for the overflow bin.
std::string bin_label(const HistogramBin& bin);

// Messages-per-example rows, the tail past 12 distinct values folded into one "≥k" row.
struct CountRow {
  std::string label;
  uint64_t count = 0;
};
std::vector<CountRow> messages_rows(const StatsReport& report);

enum class FigureKind : uint8_t { kCount, kRatio, kMean, kMoney };
struct KeyFigure {
  std::string key;    // JSON path, e.g. "tokens.per_example.p50"
  std::string label;  // "Tokens per example, p50"
  std::optional<double> value;  // nullopt when the report does not have it
  FigureKind kind = FigureKind::kCount;
};
// The figures a compare shows, in a fixed order.
std::vector<KeyFigure> key_figures(const StatsReport& report);
std::string format_figure(const KeyFigure& figure);

struct FigureChange {
  KeyFigure a, b;
  std::optional<double> delta;     // b - a
  std::optional<double> relative;  // (b - a) / a; nullopt when a is 0 or absent
  bool notable = false;            // |relative| >= kNotableChange, or appeared/vanished
};
std::vector<FigureChange> compare_figures(const StatsReport& a, const StatsReport& b);
std::string format_delta(const FigureChange& change);  // "+12.0%", "+3", "new", "—"

// Unicode block bar of `value / max` over `width` cells (eighths, at least one for non-zero).
std::string block_bar(uint64_t value, uint64_t max, size_t width);

}  // namespace tuneprep::stats_render

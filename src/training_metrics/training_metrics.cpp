// training_metrics: parses the job's metrics CSV, finds overfitting, renders the loss plots.
#include "tuneprep/training_metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>


namespace tuneprep {
namespace {

std::vector<std::string_view> split_csv_line(std::string_view line) {
  // The metrics file holds numbers only: no quoting to handle.
  std::vector<std::string_view> cells;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    cells.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return cells;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parse_double(std::string_view s, double& out) {
  s = trim(s);
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(out);
}

std::string escape_xml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

TrainingMetrics parse_metrics_csv(std::string_view csv) {
  TrainingMetrics result;
  if (csv.starts_with("\xEF\xBB\xBF")) csv.remove_prefix(3);
  size_t pos = 0;
  uint64_t line_no = 0;
  std::optional<size_t> step_col, train_col, valid_col, full_valid_col;
  bool header = true;
  while (pos < csv.size()) {
    size_t end = csv.find('\n', pos);
    if (end == std::string_view::npos) end = csv.size();
    const std::string_view line = trim(csv.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    const auto cells = split_csv_line(line);
    if (header) {
      for (size_t i = 0; i < cells.size(); ++i) {
        const std::string_view name = trim(cells[i]);
        if (name == "step") step_col = i;
        if (name == "train_loss") train_col = i;
        if (name == "valid_loss") valid_col = i;
        if (name == "full_valid_loss") full_valid_col = i;
      }
      if (!step_col || !train_col) {
        result.error = MetricsParseError{line_no, "the header has no step or train_loss column"};
        return result;
      }
      if (!valid_col) valid_col = full_valid_col;
      header = false;
      continue;
    }
    MetricsRow row;
    double step = 0;
    if (*step_col >= cells.size() || !parse_double(cells[*step_col], step) || step < 0 ||
        step != std::floor(step)) {
      result.error = MetricsParseError{line_no, "step is not a whole number"};
      return result;
    }
    row.step = static_cast<uint64_t>(step);
    double value = 0;
    if (*train_col < cells.size() && parse_double(cells[*train_col], value)) row.train_loss = value;
    if (valid_col && *valid_col < cells.size() && parse_double(cells[*valid_col], value)) row.valid_loss = value;
    result.rows.push_back(row);
  }
  if (header) result.error = MetricsParseError{0, "the file is empty"};
  return result;
}

std::optional<Overfitting> detect_overfitting(const std::vector<MetricsRow>& rows, const OverfittingOptions& options) {
  // The validation points, in step order.
  std::vector<const MetricsRow*> valid;
  for (const MetricsRow& row : rows) {
    if (row.valid_loss) valid.push_back(&row);
  }
  if (valid.size() < options.min_points_after + 1) return std::nullopt;
  size_t best = 0;
  for (size_t i = 1; i < valid.size(); ++i) {
    if (*valid[i]->valid_loss < *valid[best]->valid_loss) best = i;
  }
  if (valid.size() - 1 - best < options.min_points_after) return std::nullopt;
  const MetricsRow& last = *valid.back();
  const double best_loss = *valid[best]->valid_loss;
  if (*last.valid_loss < best_loss * (1 + options.min_rise)) return std::nullopt;

  // Training loss: mean up to the best step vs mean over as many final rows.
  const uint64_t best_step = valid[best]->step;
  double before_sum = 0, after_sum = 0;
  size_t before_n = 0;
  for (const MetricsRow& row : rows) {
    if (row.step > best_step) break;
    if (row.train_loss) before_sum += *row.train_loss, ++before_n;
  }
  size_t after_n = 0;
  for (auto it = rows.rbegin(); it != rows.rend() && after_n < std::max<size_t>(before_n, 1); ++it) {
    if (it->step <= best_step) break;
    if (it->train_loss) after_sum += *it->train_loss, ++after_n;
  }
  if (before_n == 0 || after_n == 0) return std::nullopt;
  // At the best step itself, the closest training value.
  double train_at_best = before_sum / static_cast<double>(before_n);
  for (const MetricsRow& row : rows) {
    if (row.step <= best_step && row.train_loss) train_at_best = *row.train_loss;
  }
  const double before = before_sum / static_cast<double>(before_n);
  const double after = after_sum / static_cast<double>(after_n);
  if (after >= before) return std::nullopt;  // training loss did not fall: underfitting or noise
  double train_last = after;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (it->train_loss) {
      train_last = *it->train_loss;
      break;
    }
  }
  return Overfitting{best_step, best_loss, last.step, *last.valid_loss, train_at_best, train_last};
}

std::string describe_overfitting(const Overfitting& o) {
  return fmt::format(
      "possible overfitting from step {}: validation loss rose from {:.4f} (step {}) to {:.4f} (step {}) "
      "while training loss fell from {:.4f} to {:.4f}",
      o.began_step, o.best_valid_loss, o.began_step, o.last_valid_loss, o.last_step, o.train_loss_at_best,
      o.train_loss_last);
}

std::string render_metrics_svg(const std::vector<MetricsRow>& rows, const std::optional<Overfitting>& overfitting,
                               std::string_view title) {
  constexpr double kWidth = 720, kHeight = 360, kLeft = 60, kRight = 20, kTop = 40, kBottom = 50;
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  uint64_t min_step = std::numeric_limits<uint64_t>::max(), max_step = 0;
  double max_loss = 0;
  for (const MetricsRow& row : rows) {
    min_step = std::min(min_step, row.step);
    max_step = std::max(max_step, row.step);
    if (row.train_loss) max_loss = std::max(max_loss, *row.train_loss);
    if (row.valid_loss) max_loss = std::max(max_loss, *row.valid_loss);
  }
  if (rows.empty()) min_step = 0;
  if (max_step == min_step) max_step = min_step + 1;
  if (max_loss <= 0) max_loss = 1;
  max_loss *= 1.05;
  const auto x = [&](uint64_t step) {
    return kLeft + plot_w * static_cast<double>(step - min_step) / static_cast<double>(max_step - min_step);
  };
  const auto y = [&](double loss) { return kTop + plot_h * (1 - std::max(0.0, loss) / max_loss); };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n"
      "<text x=\"{2}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{3}</text>\n",
      kWidth, kHeight, kLeft, escape_xml(title));
  // Axes with five ticks each.
  svg += fmt::format("<g stroke=\"#444\"><line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
                     "<line x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\"/></g>\n",
                     kLeft, kTop, kTop + plot_h, kLeft + plot_w);
  for (int i = 0; i <= 4; ++i) {
    const double loss = max_loss * i / 4;
    const uint64_t step = min_step + (max_step - min_step) * static_cast<uint64_t>(i) / 4;
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.2f}</text>\n", kLeft - 6, y(loss) + 4,
                       loss);
    svg += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#eee\"/>\n", kLeft,
                       y(loss), kLeft + plot_w);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x(step),
                       kTop + plot_h + 18, step);
  }
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">step</text>\n", kLeft + plot_w / 2,
                     kHeight - 8);
  const auto polyline = [&](bool train, std::string_view colour, std::string_view id) {
    std::string points;
    for (const MetricsRow& row : rows) {
      const auto& v = train ? row.train_loss : row.valid_loss;
      if (!v) continue;
      if (!points.empty()) points += ' ';
      points += fmt::format("{:.1f},{:.1f}", x(row.step), y(*v));
    }
    if (points.empty()) return std::string();
    return fmt::format("<polyline id=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>\n", id,
                       colour, points);
  };
  svg += polyline(true, "#1f77b4", "train_loss");
  svg += polyline(false, "#d62728", "valid_loss");
  if (overfitting) {
    const double ox = x(overfitting->began_step);
    svg += fmt::format(
        "<line id=\"overfitting\" x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ff7f0e\" "
        "stroke-dasharray=\"4 3\"/>\n<text x=\"{3:.1f}\" y=\"{4}\" fill=\"#ff7f0e\">overfitting from step {5}</text>\n",
        ox, kTop, kTop + plot_h, ox + 4, kTop + 12, overfitting->began_step);
  }
  // Legend.
  svg += fmt::format(
      "<g><line x1=\"{0}\" y1=\"30\" x2=\"{1}\" y2=\"30\" stroke=\"#1f77b4\" stroke-width=\"2\"/>"
      "<text x=\"{2}\" y=\"34\">train loss</text>"
      "<line x1=\"{3}\" y1=\"30\" x2=\"{4}\" y2=\"30\" stroke=\"#d62728\" stroke-width=\"2\"/>"
      "<text x=\"{5}\" y=\"34\">validation loss</text></g>\n",
      kWidth - 260, kWidth - 240, kWidth - 235, kWidth - 150, kWidth - 130, kWidth - 125);
  svg += "</svg>\n";
  return svg;
}

std::string render_metrics_html(const std::vector<MetricsRow>& rows, const std::optional<Overfitting>& overfitting,
                                std::string_view title) {
  std::optional<double> last_train, last_valid;
  uint64_t last_step = 0;
  for (const MetricsRow& row : rows) {
    last_step = std::max(last_step, row.step);
    if (row.train_loss) last_train = row.train_loss;
    if (row.valid_loss) last_valid = row.valid_loss;
  }
  const auto loss_text = [](const std::optional<double>& v) {
    return v ? fmt::format("{:.4f}", *v) : std::string("n/a");
  };
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{0}</title>\n"
      "<style>body{{font-family:sans-serif;margin:2em;max-width:760px}}"
      ".warning{{background:#fff3e0;border-left:4px solid #ff7f0e;padding:.6em 1em}}"
      "td,th{{padding:.2em .8em;text-align:left}}</style>\n</head>\n<body>\n<h1>{0}</h1>\n",
      escape_xml(title));
  html += fmt::format(
      "<table>\n<tr><th>steps</th><td>{}</td></tr>\n<tr><th>last step</th><td>{}</td></tr>\n"
      "<tr><th>final train loss</th><td>{}</td></tr>\n<tr><th>final validation loss</th><td>{}</td></tr>\n</table>\n",
      rows.size(), last_step, loss_text(last_train), loss_text(last_valid));
  if (overfitting) {
    html += "<p class=\"warning\" id=\"overfitting\">" + escape_xml(describe_overfitting(*overfitting)) + "</p>\n";
  } else {
    html += "<p id=\"no-overfitting\">No sign of overfitting: validation loss did not rise while training loss fell.</p>\n";
  }
  html += render_metrics_svg(rows, overfitting, title);
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace tuneprep

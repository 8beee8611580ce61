// training_metrics: a fine-tuning job's result file (the metrics CSV OpenAI-compatible services
// write: step,train_loss,...,valid_loss,...), overfitting detection, and the loss plots
// (metrics.svg, metrics.html) that `tuneprep watch` writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tuneprep {

struct MetricsRow {
  uint64_t step = 0;
  std::optional<double> train_loss;
  std::optional<double> valid_loss;  // only on the steps the service evaluated
};

struct MetricsParseError {
  uint64_t line = 0;
  std::string message;
};

struct TrainingMetrics {
  std::vector<MetricsRow> rows;  // in file order
  std::optional<MetricsParseError> error;
};

// Columns are found by name in the header (step, train_loss, valid_loss; full_valid_loss is used
// when valid_loss is absent); other columns are ignored and empty cells are missing values.
TrainingMetrics parse_metrics_csv(std::string_view csv);

// Validation loss rising while training loss falls. `began_step` is the step of the lowest
// validation loss after which it rose.
struct Overfitting {
  uint64_t began_step = 0;
  double best_valid_loss = 0;
  uint64_t last_step = 0;
  double last_valid_loss = 0;
  double train_loss_at_best = 0;
  double train_loss_last = 0;
};

struct OverfittingOptions {
  // The last validation loss must exceed the lowest by this fraction, so noise is no warning.
  double min_rise = 0.05;
  // At least this many validation points after the lowest one.
  unsigned min_points_after = 2;
};

// nullopt when there is no sign of overfitting (or too few validation points to tell). Training
// loss is compared as the mean of the rows up to the lowest validation point's step versus the
// mean of the last as many rows, so one noisy step does not decide.
std::optional<Overfitting> detect_overfitting(const std::vector<MetricsRow>& rows,
                                              const OverfittingOptions& options = {});

// A self-contained SVG line plot of train and validation loss per step, with the step where
// overfitting began marked when `overfitting` is set. Deterministic bytes.
std::string render_metrics_svg(const std::vector<MetricsRow>& rows, const std::optional<Overfitting>& overfitting,
                               std::string_view title);
// An HTML page around that SVG: the job, the final losses and the warning in words.
std::string render_metrics_html(const std::vector<MetricsRow>& rows, const std::optional<Overfitting>& overfitting,
                                 std::string_view title);
// One line of text for the warning ("validation loss rose from 0.41 at step 30 to ...").
std::string describe_overfitting(const Overfitting& overfitting);

}  // namespace tuneprep

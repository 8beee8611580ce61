// training_metrics: the metrics CSV parser, overfitting detection and the plots.
#include "tuneprep/training_metrics.hpp"

#include <catch2/catch.hpp>

using namespace tuneprep;

TEST_CASE("Metrics CSV: columns by name, empty cells are missing values") {
  const auto m = parse_metrics_csv(
      "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\r\n"
      "1,2.5,0.1,,\r\n"
      "2,2.0,0.2,2.4,0.3\r\n");
  REQUIRE_FALSE(m.error);
  REQUIRE(m.rows.size() == 2);
  CHECK(m.rows[0].step == 1);
  CHECK(*m.rows[0].train_loss == 2.5);
  CHECK_FALSE(m.rows[0].valid_loss);
  CHECK(*m.rows[1].valid_loss == 2.4);
}

TEST_CASE("Metrics CSV: full_valid_loss stands in when valid_loss is absent") {
  const auto m = parse_metrics_csv("train_loss,step,full_valid_loss\n0.9,7,1.1\n");
  REQUIRE_FALSE(m.error);
  CHECK(m.rows[0].step == 7);
  CHECK(*m.rows[0].valid_loss == 1.1);
}

TEST_CASE("Metrics CSV: a header without step, or a bad step, is an error with its line") {
  CHECK(parse_metrics_csv("loss\n1\n").error->line == 1);
  const auto m = parse_metrics_csv("step,train_loss\n1,0.5\nx,0.4\n");
  REQUIRE(m.error);
  CHECK(m.error->line == 3);
  CHECK(parse_metrics_csv("").error);
}

namespace {

std::vector<MetricsRow> curve(std::initializer_list<std::pair<double, double>> points) {
  // One row per step; a negative validation value means "not evaluated at this step".
  std::vector<MetricsRow> rows;
  uint64_t step = 1;
  for (const auto& [train, valid] : points) {
    MetricsRow row{step++, train, std::nullopt};
    if (valid >= 0) row.valid_loss = valid;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST_CASE("Overfitting: validation loss rising while training loss falls is reported from its lowest step") {
  const auto rows = curve({{2.0, 2.1}, {1.6, 1.7}, {1.2, 1.3}, {1.0, 1.2}, {0.8, 1.35}, {0.6, 1.5}, {0.4, 1.7}});
  const auto o = detect_overfitting(rows);
  REQUIRE(o);
  CHECK(o->began_step == 4);
  CHECK(o->best_valid_loss == 1.2);
  CHECK(o->last_step == 7);
  CHECK(o->last_valid_loss == 1.7);
  CHECK(o->train_loss_at_best == 1.0);
  CHECK(o->train_loss_last == 0.4);
  CHECK(describe_overfitting(*o).find("from step 4") != std::string::npos);
}

TEST_CASE("Overfitting: both losses falling is no warning") {
  CHECK_FALSE(detect_overfitting(curve({{2.0, 2.1}, {1.6, 1.7}, {1.2, 1.3}, {1.0, 1.2}, {0.8, 1.1}})));
}

TEST_CASE("Overfitting: a rise within noise (under 5%) is no warning") {
  CHECK_FALSE(detect_overfitting(curve({{2.0, 2.0}, {1.5, 1.0}, {1.2, 1.02}, {1.0, 1.04}})));
}

TEST_CASE("Overfitting: a rise at the last point alone is not enough") {
  CHECK_FALSE(detect_overfitting(curve({{2.0, 2.0}, {1.5, 1.5}, {1.2, 1.0}, {1.0, 1.3}})));
}

TEST_CASE("Overfitting: both losses rising is not overfitting") {
  CHECK_FALSE(detect_overfitting(curve({{1.0, 1.0}, {0.9, 0.9}, {1.2, 1.2}, {1.4, 1.4}, {1.6, 1.6}})));
}

TEST_CASE("Overfitting: validation points only every few steps") {
  const auto rows = curve({{2.0, -1}, {1.8, 1.9}, {1.5, -1}, {1.2, 1.3}, {1.0, -1}, {0.8, 1.4}, {0.6, -1}, {0.4, 1.6}});
  const auto o = detect_overfitting(rows);
  REQUIRE(o);
  CHECK(o->began_step == 4);
}

TEST_CASE("Metrics plots: both curves, the overfitting marker, and the same bytes every time") {
  const auto rows = curve({{2.0, 2.1}, {1.6, 1.7}, {1.2, 1.3}, {1.0, 1.2}, {0.8, 1.35}, {0.6, 1.5}, {0.4, 1.7}});
  const auto o = detect_overfitting(rows);
  const std::string svg = render_metrics_svg(rows, o, "job <1>");
  CHECK(svg.starts_with("<svg "));
  CHECK(svg.find("id=\"train_loss\"") != std::string::npos);
  CHECK(svg.find("id=\"valid_loss\"") != std::string::npos);
  CHECK(svg.find("overfitting from step 4") != std::string::npos);
  CHECK(svg.find("job &lt;1&gt;") != std::string::npos);
  CHECK(svg == render_metrics_svg(rows, o, "job <1>"));
  const std::string html = render_metrics_html(rows, o, "job");
  CHECK(html.find("id=\"overfitting\"") != std::string::npos);
  CHECK(render_metrics_html(rows, std::nullopt, "job").find("no-overfitting") != std::string::npos);
  CHECK(render_metrics_svg(rows, std::nullopt, "job").find("id=\"overfitting\"") == std::string::npos);
}

// stats_render_fixture: renders the stats fixtures (tests/stats_fixture.hpp) so end-to-end tests can
// check the renderers before a `stats` command exists, e.g. open the HTML in headless Chromium.
// Usage: stats_render_fixture small|synthetic|compare terminal|json|markdown|html [OUT]
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include "stats_fixture.hpp"
#include "tuneprep/stats.hpp"

namespace {

tuneprep::StatsReport report_of(const std::vector<tuneprep::RecordFacts>& facts, tuneprep::StatsOptions options) {
  tuneprep::StatsAccumulator acc;
  for (const auto& f : facts) acc.add(f);
  return tuneprep::finish_report(acc, options);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tuneprep;
  if (argc < 3) {
    std::cerr << "usage: stats_render_fixture small|synthetic|compare terminal|json|markdown|html [OUT]\n";
    return 2;
  }
  const std::string_view dataset = argv[1], format = argv[2];
  StatsReport a, b;
  const bool compare = dataset == "compare";
  if (dataset == "small") {
    a = report_of(stats_fixture::small_dataset(), stats_fixture::small_options());
  } else if (dataset == "synthetic" || compare) {
    StatsOptions options = stats_fixture::small_options();
    options.title = "synthetic v1 (2,000 records)";
    options.token_limit = 2048;
    a = report_of(stats_fixture::synthetic_dataset(2000, 1), options);
    options.title = "synthetic v2 (600 records)";
    b = report_of(stats_fixture::synthetic_dataset(600, 2), options);
  } else {
    std::cerr << "stats_render_fixture: unknown dataset " << dataset << "\n";
    return 2;
  }
  std::string out;
  if (format == "terminal") {
    out = compare ? render_terminal_compare(a, b) : render_terminal(a);
  } else if (format == "json") {
    out = compare ? render_json_compare(a, b) : render_json(a);
  } else if (format == "markdown") {
    out = compare ? render_markdown_compare(a, b) : render_markdown(a);
  } else if (format == "html") {
    out = compare ? render_html_compare(a, b) : render_html(a);
  } else {
    std::cerr << "stats_render_fixture: unknown format " << format << "\n";
    return 2;
  }
  if (argc > 3) {
    std::ofstream file(argv[3], std::ios::binary);
    file << out;
    if (!file.flush()) {
      std::cerr << "stats_render_fixture: cannot write " << argv[3] << "\n";
      return 2;
    }
  } else {
    std::cout << out;
  }
  return 0;
}

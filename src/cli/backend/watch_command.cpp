// `tuneprep watch`: follows a job, prints each event once, and on success downloads the result
// files and draws the loss curves (metrics.svg, metrics.html) with the overfitting check.
#include <unistd.h>

#include <filesystem>
#include <memory>

#include <fmt/core.h>

#include "cli/backend/backend_commands.hpp"
#include "cli/terminal.hpp"
#include "tuneprep/io.hpp"
#include "tuneprep/json_writer.hpp"
#include "tuneprep/training_metrics.hpp"

namespace tuneprep::cli {
namespace {

bool write_file(const std::filesystem::path& path, std::string_view bytes, std::string& error) {
  IoError io;
  auto file = AtomicOutputFile::create(path, io);
  if (!file || !file->write(bytes, io) || !file->commit(io)) {
    error = io.message;
    return false;
  }
  return true;
}

struct WatchOnlyOptions {
  ConnectionOptions connection;
  WatchCommandOptions watch;
  std::string job;
};

}  // namespace

int watch_and_report(backend::Backend& service, const std::string& job_id, const WatchCommandOptions& options,
                     const GlobalOptions& global) {
  const Style out_style(global.use_color(STDOUT_FILENO));
  const Style err_style(global.use_color(STDERR_FILENO));
  const bool print_events = !options.json && !global.quiet;
  backend::WatchOptions watch;
  watch.initial_poll = options.poll;
  watch.max_poll = std::max(options.poll, 30.0);
  // On a terminal, the latest step of the metrics events as a bar on stderr, under the events.
  ProgressBar bar(print_events && isatty(STDERR_FILENO));
  std::optional<backend::JobEvent> last_step;
  auto redraw = [&] {
    if (last_step) bar.update_steps(*last_step->step, *last_step->total_steps, last_step->train_loss);
  };
  auto finished = backend::watch_job(
      service, job_id, watch,
      [&](const backend::JobEvent& event) {
        if (!print_events) return;
        bar.clear();
        const bool loud = event.level == "warn" || event.level == "error";
        fmt::print("  {}{}\n", loud ? err_style.yellow(event.level + ": ") : "", event.message);
        std::fflush(stdout);
        if (event.step && event.total_steps) last_step = event;
        redraw();
      },
      [&](const backend::Job& job) {
        if (print_events) {
          bar.clear();
          fmt::print("{}  {}\n", job.id, out_style.bold(job.status));
          std::fflush(stdout);
          redraw();
        }
      });
  bar.clear();
  if (!finished) return print_error(global, finished.error->format());
  const backend::Job& job = *finished.value;
  if (job.status != "succeeded") {
    fmt::print(stderr, "{}: job {} {}{}{}\n", err_style.red("error"), job.id, job.status,
               job.error_message.empty() ? "" : ": " + job.error_message,
               job.error_code.empty() ? "" : " [" + job.error_code + "]");
    if (options.json) {
      std::string line;
      JsonWriter w(line, JsonLayout::kCompact);
      w.begin_object();
      w.field("id", job.id);
      w.field("status", job.status);
      w.field("error", job.error_message);
      w.end_object();
      fmt::print("{}\n", line);
    }
    return kExitFindings;
  }

  // Results: each result file, then the plots of the first one that parses as metrics.
  const std::filesystem::path out_dir = std::filesystem::path(options.out_dir.empty() ? job.id : options.out_dir);
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return print_error(global, fmt::format("{}: {}", out_dir.string(), ec.message()));
  std::vector<std::string> written;
  std::optional<Overfitting> overfitting;
  bool plotted = false;
  for (size_t i = 0; i < job.result_files.size(); ++i) {
    const std::string& file_id = job.result_files[i];
    auto content = service.download_file(file_id);
    if (!content) return print_error(global, content.error->format());
    const std::filesystem::path csv_path =
        out_dir / (job.result_files.size() == 1 ? std::string("metrics.csv") : file_id + ".csv");
    std::string error;
    if (!write_file(csv_path, *content.value, error)) return print_error(global, error);
    written.push_back(csv_path.string());
    if (plotted) continue;
    TrainingMetrics metrics = parse_metrics_csv(*content.value);
    if (metrics.error) {
      fmt::print(stderr, "{}: {}:{}: {}; no plots drawn from it\n", err_style.yellow("warning"), csv_path.string(),
                 metrics.error->line, metrics.error->message);
      continue;
    }
    overfitting = detect_overfitting(metrics.rows);
    const std::string title = fmt::format("{} ({})", job.fine_tuned_model, job.id);
    for (const auto& [name, text] :
         {std::pair{"metrics.svg", render_metrics_svg(metrics.rows, overfitting, title)},
          std::pair{"metrics.html", render_metrics_html(metrics.rows, overfitting, title)}}) {
      if (!write_file(out_dir / name, text, error)) return print_error(global, error);
      written.push_back((out_dir / name).string());
    }
    plotted = true;
  }

  if (options.json) {
    std::string line;
    JsonWriter w(line, JsonLayout::kCompact);
    w.begin_object();
    w.field("id", job.id);
    w.field("status", job.status);
    w.field("fine_tuned_model", job.fine_tuned_model);
    w.key("files");
    w.begin_array();
    for (const std::string& path : written) w.string(path);
    w.end_array();
    w.key("overfitting_step");
    if (overfitting) {
      w.number(overfitting->began_step);
    } else {
      w.null();
    }
    w.end_object();
    fmt::print("{}\n", line);
  } else {
    fmt::print("fine-tuned model: {}\n", job.fine_tuned_model);
    if (!global.quiet) {
      for (const std::string& path : written) fmt::print("  wrote {}\n", path);
    }
  }
  if (overfitting) fmt::print(stderr, "{}: {}\n", err_style.yellow("warning"), describe_overfitting(*overfitting));
  return kExitClean;
}

CommandRunner setup_watch(CLI::App& command, const GlobalOptions& global) {
  auto o = std::make_shared<WatchOnlyOptions>();
  command.add_option("job", o->job, "The job id (ftjob-...)")->required();
  command.add_option("--out", o->watch.out_dir, "Directory for the result files and plots (default: ./JOB_ID)");
  command.add_option("--poll", o->watch.poll, "Seconds between polls at first (doubling while nothing changes, up to 30)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_flag("--json", o->watch.json, "Print only a JSON line with the outcome");
  add_connection_options(command, o->connection);
  return [o, &global]() -> int {
    std::string error;
    auto service = connect(o->connection, global, error);
    if (!service) return print_error(global, error);
    return watch_and_report(*service, o->job, o->watch, global);
  };
}

}  // namespace tuneprep::cli

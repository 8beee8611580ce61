// `tuneprep jobs` and `tuneprep cancel`: the job list and cancelling one job.
#include <ctime>
#include <memory>

#include <fmt/core.h>

#include "cli/backend/backend_commands.hpp"
#include "tuneprep/json_writer.hpp"

namespace tuneprep::cli {
namespace {

std::string utc_time(int64_t seconds) {
  if (seconds <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm);
  return text;
}

void write_job(JsonWriter& w, const backend::Job& job) {
  w.begin_object();
  w.field("id", job.id);
  w.field("status", job.status);
  w.field("model", job.model);
  w.key("fine_tuned_model");
  if (job.fine_tuned_model.empty()) {
    w.null();
  } else {
    w.string(job.fine_tuned_model);
  }
  w.field("created_at", static_cast<uint64_t>(std::max<int64_t>(0, job.created_at)));
  w.end_object();
}

struct JobsCommandOptions {
  ConnectionOptions connection;
  unsigned limit = 20;
  bool json = false;
};

struct CancelCommandOptions {
  ConnectionOptions connection;
  std::string job;
};

}  // namespace

CommandRunner setup_jobs(CLI::App& command, const GlobalOptions& global) {
  auto o = std::make_shared<JobsCommandOptions>();
  command.add_option("--limit", o->limit, "How many of the most recent jobs")
      ->check(CLI::Range(1u, 100u))
      ->capture_default_str();
  command.add_flag("--json", o->json, "One JSON line per job");
  add_connection_options(command, o->connection);
  return [o, &global]() -> int {
    std::string error;
    auto service = connect(o->connection, global, error);
    if (!service) return print_error(global, error);
    auto jobs = service->list_jobs(o->limit);
    if (!jobs) return print_error(global, jobs.error->format());
    if (o->json) {
      for (const backend::Job& job : *jobs.value) {
        std::string line;
        JsonWriter w(line, JsonLayout::kCompact);
        write_job(w, job);
        fmt::print("{}\n", line);
      }
      return kExitClean;
    }
    if (jobs.value->empty()) {
      if (!global.quiet) fmt::print("no fine-tuning jobs\n");
      return kExitClean;
    }
    fmt::print("{:<28} {:<16} {:<22} {:<17} {}\n", "ID", "STATUS", "MODEL", "CREATED (UTC)", "FINE-TUNED MODEL");
    for (const backend::Job& job : *jobs.value) {
      fmt::print("{:<28} {:<16} {:<22} {:<17} {}\n", job.id, job.status, job.model, utc_time(job.created_at),
                 job.fine_tuned_model.empty() ? "-" : job.fine_tuned_model);
    }
    return kExitClean;
  };
}

CommandRunner setup_cancel(CLI::App& command, const GlobalOptions& global) {
  auto o = std::make_shared<CancelCommandOptions>();
  command.add_option("job", o->job, "The job id (ftjob-...)")->required();
  add_connection_options(command, o->connection);
  return [o, &global]() -> int {
    std::string error;
    auto service = connect(o->connection, global, error);
    if (!service) return print_error(global, error);
    auto job = service->cancel_job(o->job);
    if (!job) return print_error(global, job.error->format());
    fmt::print("{}  {}\n", job.value->id, job.value->status);
    return kExitClean;
  };
}

}  // namespace tuneprep::cli

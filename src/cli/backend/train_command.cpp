// `tuneprep train`: resolves the training files (ids, local files through the upload gate, or a
// prepared directory checked against its manifest), creates the job, and with --wait follows it.
#include <unistd.h>

#include <filesystem>
#include <memory>

#include <fmt/core.h>

#include "cli/backend/backend_commands.hpp"
#include "cli/terminal.hpp"
#include "tuneprep/json_writer.hpp"

namespace tuneprep::cli {
namespace {

struct TrainCommandOptions {
  ConnectionOptions connection;
  WatchCommandOptions watch;
  std::string training_file;
  std::string validation_file;
  std::string dir;
  std::string epochs, batch_size, lr_multiplier, beta;
  std::optional<int64_t> seed;
  backend::JobRequest job;
  bool wait = false;
  bool no_validate = false;
};

// A file id as the API names them, when no local file has that name.
bool is_file_id(const std::string& text) {
  std::error_code ec;
  return text.starts_with("file-") && !std::filesystem::exists(text, ec);
}

}  // namespace

CommandRunner setup_train(CLI::App& command, const GlobalOptions& global) {
  auto o = std::make_shared<TrainCommandOptions>();
  command.add_option("--model", o->job.model, "The base model to fine-tune (e.g. gpt-4o-mini-2024-07-18)")->required();
  auto* training = command.add_option("--training-file", o->training_file, "A local JSONL file or an uploaded file id");
  auto* dir = command.add_option("--dir", o->dir,
                                 "A `prepare` output directory: train.jsonl and validation.jsonl, checked against "
                                 "manifest.json");
  training->excludes(dir);
  command.add_option("--validation-file", o->validation_file, "A local JSONL file or an uploaded file id")
      ->excludes(dir);
  command.add_option("--method", o->job.method, "supervised, or dpo for preference pairs (prepare --to dpo)")
      ->check(CLI::IsMember({"supervised", "dpo"}))
      ->capture_default_str();
  command.add_option("--epochs", o->epochs, "Epochs: a number or auto");
  command.add_option("--batch-size", o->batch_size, "Batch size: a number or auto");
  command.add_option("--lr-multiplier", o->lr_multiplier, "Learning-rate multiplier: a number or auto");
  command.add_option("--beta", o->beta, "DPO beta: a number or auto (--method dpo)");
  command.add_option("--suffix", o->job.suffix, "Up to 64 characters added to the fine-tuned model's name");
  command.add_option("--seed", o->seed, "Seed for a reproducible job")->check(CLI::Range(int64_t{0}, int64_t{2147483647}));
  command.add_flag("--no-validate", o->no_validate, "Upload local files even when validation finds errors");
  command.add_flag("--wait", o->wait, "Follow the job to its end, as `watch` does");
  command.add_option("--out", o->watch.out_dir, "With --wait: directory for results and plots (default: ./JOB_ID)");
  command.add_option("--poll", o->watch.poll, "With --wait: seconds between polls at first")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_flag("--json", o->watch.json, "Print JSON lines: the job created, then (with --wait) the outcome");
  add_connection_options(command, o->connection);

  return [o, &global]() -> int {
    backend::JobRequest& job = o->job;
    struct Hyper {
      const std::string& text;
      std::optional<backend::Hyperparameter>& target;
      bool integer;
      const char* flag;
    };
    for (const Hyper& h : {Hyper{o->epochs, job.epochs, true, "--epochs"},
                           Hyper{o->batch_size, job.batch_size, true, "--batch-size"},
                           Hyper{o->lr_multiplier, job.lr_multiplier, false, "--lr-multiplier"},
                           Hyper{o->beta, job.beta, false, "--beta"}}) {
      if (h.text.empty()) continue;
      h.target = backend::parse_hyperparameter(h.text, h.integer);
      if (!h.target) {
        return print_error(global, fmt::format("{} {}: expected auto or a {} above 0", h.flag, h.text,
                                               h.integer ? "whole number" : "number"));
      }
    }
    if (job.beta && job.method != "dpo") return print_error(global, "--beta applies to --method dpo only");
    if (job.suffix.size() > 64) return print_error(global, "--suffix: at most 64 characters");
    job.seed = o->seed;
    if (o->training_file.empty() && o->dir.empty()) {
      return print_error(global, "give --training-file FILE|ID or --dir PREPARED_DIR");
    }
    std::string training = o->training_file, validation = o->validation_file;
    if (!o->dir.empty()) {
      auto prepared = backend::check_prepared_dir(o->dir);
      if (!prepared) {
        fmt::print(stderr, "{}: {}\n", Style(global.use_color(STDERR_FILENO)).red("error"), prepared.error->message);
        return kExitFindings;
      }
      if ((job.method == "dpo") != (prepared.value->format == "dpo")) {
        return print_error(global, fmt::format("{} holds {} examples; --method {} needs {}", o->dir,
                                               prepared.value->format, job.method,
                                               job.method == "dpo" ? "prepare --to dpo" : "chat examples"));
      }
      training = prepared.value->train.string();
      if (prepared.value->validation) validation = prepared.value->validation->string();
    }

    std::string error;
    RuleConfig gate_rules;
    auto service = connect(o->connection, global, error, &gate_rules);
    if (!service) return print_error(global, error);
    const InputShape shape = job.method == "dpo" ? InputShape::kDpo : InputShape::kAuto;
    // A local file goes through the gate, then up; an id is taken as it is.
    auto resolve = [&](const std::string& name, std::string& id, bool validation_file) -> int {
      if (name.empty() || is_file_id(name)) {
        id = name;
        return kExitClean;
      }
      if (!o->no_validate && o->dir.empty()) {
        bool io_error = false;
        if (!passes_validation(name, shape, gate_rules, global, io_error, validation_file)) {
          if (io_error) return kExitUsage;
          fmt::print(stderr, "{}: {} not uploaded: it has errors (fix them, or pass --no-validate)\n",
                     Style(global.use_color(STDERR_FILENO)).red("error"), name);
          return kExitFindings;
        }
      }
      auto uploaded = backend::upload_dataset(*service, name, backend::UploadOptions{});
      if (!uploaded) return print_error(global, fmt::format("{}: {}", name, uploaded.error->format()));
      id = uploaded.value->file.id;
      // On stderr: stdout is the job id alone, for `job=$(tuneprep train ...)`.
      if (!global.quiet) fmt::print(stderr, "uploaded {}  {}\n", name, id);
      return kExitClean;
    };
    if (int code = resolve(training, job.training_file, false); code != kExitClean) return code;
    if (int code = resolve(validation, job.validation_file, true); code != kExitClean) return code;

    auto created = service->create_job(job);
    if (!created) return print_error(global, created.error->format());
    if (o->watch.json) {
      std::string line;
      JsonWriter w(line, JsonLayout::kCompact);
      w.begin_object();
      w.field("id", created.value->id);
      w.field("status", created.value->status);
      w.end_object();
      fmt::print("{}\n", line);
    } else {
      fmt::print("{}\n", created.value->id);
    }
    std::fflush(stdout);
    if (!o->wait) return kExitClean;
    return watch_and_report(*service, created.value->id, o->watch, global);
  };
}

}  // namespace tuneprep::cli

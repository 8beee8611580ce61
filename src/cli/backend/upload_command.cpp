// `tuneprep upload`: the validation gate, then one upload per file; prints the file ids.
#include <unistd.h>

#include <chrono>
#include <memory>

#include <fmt/core.h>

#include "cli/backend/backend_commands.hpp"
#include "cli/terminal.hpp"
#include "tuneprep/json_writer.hpp"

namespace tuneprep::cli {
namespace {

struct UploadCommandOptions {
  std::vector<std::string> files;
  ConnectionOptions connection;
  backend::UploadOptions upload;
  NormalizeOptions normalize;
  std::string part_size;
  bool no_validate = false;
  bool json = false;
};

}  // namespace

CommandRunner setup_upload(CLI::App& command, const GlobalOptions& global) {
  auto o = std::make_shared<UploadCommandOptions>();
  command.add_option("files", o->files, "Dataset files (JSONL) to upload")->required();
  command.add_option("--purpose", o->upload.purpose, "The files' purpose")->capture_default_str();
  add_format_option(command, o->normalize, "Shape the gate checks (dpo for preference files; auto detects)");
  command.add_flag("--no-validate", o->no_validate, "Upload even when validation finds errors");
  command.add_flag("--multipart", o->upload.multipart,
                   "Use the Uploads API in parts (automatic above 512 MB); an interrupted upload resumes");
  command.add_option("--part-size", o->part_size, "Bytes per part of a multipart upload (at most 64M)")
      ->capture_default_str()
      ->default_str("64M");
  command.add_flag("--json", o->json, "One JSON line per file: path, id, bytes, multipart, parts");
  add_connection_options(command, o->connection);

  return [o, &global]() -> int {
    if (!o->part_size.empty()) {
      const auto bytes = parse_byte_size(o->part_size);
      if (!bytes || *bytes > backend::kMaxPartBytes) {
        return print_error(global, fmt::format("--part-size {}: expected a size from 1 to 64M", o->part_size));
      }
      o->upload.part_bytes = *bytes;
    }
    std::string error;
    RuleConfig gate_rules;
    auto service = connect(o->connection, global, error, &gate_rules);
    if (!service) return print_error(global, error);
    int exit_code = kExitClean;
    for (const std::string& file : o->files) {
      if (!o->no_validate) {
        bool io_error = false;
        if (!passes_validation(file, o->normalize.shape, gate_rules, global, io_error)) {
          if (io_error) return kExitUsage;
          fmt::print(stderr, "{}: {} not uploaded: it has errors (fix them, or pass --no-validate)\n",
                     Style(global.use_color(STDERR_FILENO)).red("error"), file);
          exit_code = kExitFindings;
          continue;
        }
      }
      ProgressBar bar(!global.quiet && isatty(STDERR_FILENO));
      const auto start = std::chrono::steady_clock::now();
      std::function<void(const backend::UploadProgress&)> progress;
      if (bar.enabled()) {
        progress = [&](const backend::UploadProgress& p) {
          const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          bar.update(p.bytes_sent, p.bytes_total, p.parts_done, seconds);
        };
      }
      auto outcome = backend::upload_dataset(*service, file, o->upload, progress);
      bar.clear();
      if (!outcome) return print_error(global, fmt::format("{}: {}", file, outcome.error->format()));
      const backend::UploadOutcome& u = *outcome.value;
      if (o->json) {
        std::string line;
        JsonWriter w(line, JsonLayout::kCompact);
        w.begin_object();
        w.field("path", file);
        w.field("id", u.file.id);
        w.field("bytes", u.file.bytes);
        w.field_bool("multipart", u.multipart);
        if (u.multipart) {
          w.field("upload_id", u.upload_id);
          w.field("parts", u.parts_total);
          w.field("parts_sent", u.parts_sent);
          w.field("md5", u.md5);
        }
        w.end_object();
        fmt::print("{}\n", line);
      } else if (global.quiet) {
        fmt::print("{}\n", u.file.id);
      } else if (u.multipart) {
        fmt::print("{}  {}  ({}, {} parts, {} sent now)\n", file, u.file.id, human_bytes(u.file.bytes), u.parts_total,
                   u.parts_sent);
      } else {
        fmt::print("{}  {}  ({})\n", file, u.file.id, human_bytes(u.file.bytes));
      }
    }
    return exit_code;
  };
}

}  // namespace tuneprep::cli

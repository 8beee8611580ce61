// prepared_dir: trusts a `prepare` output directory only as far as its manifest vouches for it.
#include <fmt/format.h>
#include <simdjson.h>

#include "tuneprep/backend.hpp"
#include "tuneprep/io.hpp"

namespace tuneprep::backend {
namespace {

Result<PreparedFiles> fail(std::string message) {
  ApiError error;
  error.message = std::move(message);
  return Result<PreparedFiles>::fail(std::move(error));
}

}  // namespace

Result<PreparedFiles> check_prepared_dir(const std::filesystem::path& dir) {
  const std::filesystem::path manifest_path = dir / "manifest.json";
  simdjson::dom::parser parser;
  simdjson::dom::element manifest;
  if (parser.load(manifest_path.string()).get(manifest) != simdjson::SUCCESS) {
    return fail(fmt::format("{}: missing or not JSON (is {} a `tuneprep prepare` output directory?)",
                            manifest_path.string(), dir.string()));
  }
  PreparedFiles files;
  std::string_view to;
  if (manifest["options"]["to"].get_string().get(to) == simdjson::SUCCESS) files.format = std::string(to);
  simdjson::dom::array outputs;
  if (manifest["outputs"].get_array().get(outputs) != simdjson::SUCCESS) {
    return fail(fmt::format("{}: no outputs list", manifest_path.string()));
  }
  bool have_train = false;
  for (simdjson::dom::element output : outputs) {
    std::string_view name, sha256;
    uint64_t records = 0;
    if (output["path"].get_string().get(name) != simdjson::SUCCESS ||
        output["sha256"].get_string().get(sha256) != simdjson::SUCCESS) {
      continue;
    }
    if (name != "train.jsonl" && name != "validation.jsonl") continue;
    if (output["records"].get_uint64().get(records) != simdjson::SUCCESS) records = 0;
    const std::filesystem::path path = dir / std::string(name);
    if (name == "validation.jsonl" && records == 0) continue;  // nothing to validate on
    IoError io;
    const auto actual = sha256_file(path, io);
    if (!actual) return fail(fmt::format("{}: {}", path.string(), io.message));
    if (*actual != sha256) {
      return fail(fmt::format("{}: changed since prepare wrote it (sha256 {}, the manifest says {}); run prepare again",
                              path.string(), *actual, sha256));
    }
    if (name == "train.jsonl") {
      files.train = path;
      have_train = true;
    } else {
      files.validation = path;
    }
  }
  if (!have_train) return fail(fmt::format("{}: lists no train.jsonl", manifest_path.string()));
  return Result<PreparedFiles>::ok(std::move(files));
}

}  // namespace tuneprep::backend

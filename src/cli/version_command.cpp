// `tuneprep version`: the version line of --version, plus the embedded encodings and the sha256 of
// their rank data, as text or one JSON object.
#include <memory>

#include <fmt/core.h>

#include "cli/cli.hpp"
#include "tuneprep/build_info.hpp"
#include "tuneprep/json_writer.hpp"
#include "tuneprep/tokenizer.hpp"

namespace tuneprep::cli {

CommandRunner setup_version(CLI::App& command, const GlobalOptions&) {
  auto json = std::make_shared<bool>(false);
  command.add_flag("--json", *json, "Print one JSON object: version, commit, encodings with their sha256");
  return [json]() {
    if (!*json) {
      fmt::print("{}\n", version_line());
      for (EncodingId id : kAllEncodings) {
        fmt::print("encoding {:<12} sha256 {}\n", encoding_name(id), rank_data_sha256(id));
      }
      return kExitClean;
    }
    std::string out;
    JsonWriter w(out, JsonLayout::kCompact);
    w.begin_object();
    w.field("name", "tuneprep");
    w.field("version", tuneprep_version());
    w.field("commit", build_commit());
    w.key("encodings");
    w.begin_array();
    for (EncodingId id : kAllEncodings) {
      w.begin_object();
      w.field("name", encoding_name(id));
      w.field("sha256", rank_data_sha256(id));
      w.end_object();
    }
    w.end_array();
    w.end_object();
    fmt::print("{}\n", out);
    return kExitClean;
  };
}

}  // namespace tuneprep::cli

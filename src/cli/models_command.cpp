// `tuneprep models`: the model table — encoding and maximum tokens per training example.
#include <fmt/core.h>

#include "cli/cli.hpp"
#include "tuneprep/json_writer.hpp"
#include "tuneprep/models.hpp"
#include "tuneprep/schema.hpp"

namespace tuneprep::cli {

CommandRunner setup_models(CLI::App& command, const GlobalOptions&) {
  auto json = std::make_shared<bool>(false);
  command.add_flag("--json", *json, "Print the table as JSON Lines");
  return [json]() {
    if (!*json) fmt::print("{:<26} {:<12} {:>10}  {}\n", "MODEL", "ENCODING", "MAX TOKENS", "FINE-TUNES");
    for (const ModelInfo& model : all_models()) {
      if (*json) {
        std::string line;
        JsonWriter w(line, JsonLayout::kCompact);
        w.begin_object();
        w.field("model", model.name);
        w.field("snapshot", model.snapshot);
        w.field("encoding", encoding_name(model.encoding));
        w.field("max_example_tokens", model.max_example_tokens);
        w.field("source", model.source);
        w.end_object();
        fmt::print("{}\n", line);
      } else {
        fmt::print("{:<26} {:<12} {:>10}  {}\n", model.name, encoding_name(model.encoding),
                   model.max_example_tokens, model.snapshot);
      }
    }
    return kExitClean;
  };
}

}  // namespace tuneprep::cli

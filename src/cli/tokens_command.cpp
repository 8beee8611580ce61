// `tuneprep tokens`: parses options into TokensRunOptions, runs the tokens driver with stdout as
// its output and maps problems to the exit code.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/core.h>

#include "cli/cli.hpp"
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/tokens_run.hpp"

namespace tuneprep::cli {
namespace {

struct TokensCommandOptions {
  TokensRunOptions run;
  std::string encoding;
  bool each_line = false;
  bool chat = false;
  bool allow_special = false;
};

// The options that only --chat reads (records, not text).
constexpr const char* kChatOnlyOptions[] = {"--format",    "--prompt-col", "--response-col", "--system-col",
                                            "--delimiter", "--system",     "--map"};

int run_tokens_command(const TokensCommandOptions& o, const CLI::App& command, const GlobalOptions& global) {
  auto usage_error = [](const std::string& message) {
    fmt::print(stderr, "tuneprep tokens: {}\n", terminal_text(message));
    return kExitUsage;
  };
  if (o.chat && (o.each_line || o.run.ids)) return usage_error("--chat cannot be combined with --each-line or --ids");
  if (!o.chat) {
    for (const char* name : kChatOnlyOptions) {
      if (command.count(name) > 0) return usage_error(fmt::format("{} applies to --chat only", name));
    }
  }
  TokensRunOptions run = o.run;
  run.mode = o.chat ? TokensMode::kChat : o.each_line ? TokensMode::kEachLine : TokensMode::kText;
  if (!o.encoding.empty()) run.encoding = encoding_from_name(o.encoding);
  run.special = o.allow_special ? SpecialTokens::kAllow : SpecialTokens::kAsText;
  run.jobs = global.jobs;

  std::FILE* out = stdout;
  const TokensRunResult result = run_tokens(run, [out](std::string_view text) {
    return std::fwrite(text.data(), 1, text.size(), out) == text.size();
  });
  print_input_notes(result.input_notes, global);
  if (std::fflush(out) != 0 && !result.error) return usage_error("writing the output failed");
  if (result.error) return usage_error(result.error->message);
  if (result.unreadable > 0 && !global.quiet) {
    fmt::print(stderr, "tuneprep tokens: {} record(s) could not be read as chat records\n", result.unreadable);
  }
  return kExitClean;
}

}  // namespace

CommandRunner setup_tokens(CLI::App& command, const GlobalOptions& global) {
  auto o = std::make_shared<TokensCommandOptions>();
  TokensRunOptions& run = o->run;
  command.add_option("--encoding", o->encoding, "Encoding: cl100k_base or o200k_base (overrides --model)")
      ->check(CLI::IsMember({"cl100k_base", "o200k_base"}));
  command.add_option("--model", run.model, "Model whose encoding (and, with --chat, token limit) to use");
  command.add_flag("--each-line", o->each_line, "Print one count per line (line end excluded)");
  command.add_flag("--ids", run.ids, "Print token ids instead of counts");
  command.add_flag("--chat", o->chat,
                   "Read datasets (JSONL, JSON, CSV/TSV; every shape validate reads); print per record total, "
                   "prompt and assistant tokens as JSON Lines");
  command.add_flag("--allow-special", o->allow_special,
                   "Encode special-token text such as <|endoftext|> as the special token");
  command.add_option("inputs", run.inputs,
                     "Files (.gz/.zst decompressed) or - for stdin (default); with --chat also directories. "
                     "Several inputs: a count per input, then the total");
  // The dataset options of validate and stats, listed apart in --help: only --chat reads them.
  add_format_option(command, run.normalize, "Input shape (auto detects per record)");
  add_csv_column_options(command, run.reader, &run.normalize);
  command.add_option("--system", run.normalize.system_prompt, "Count as if this system message were added");
  add_max_record_bytes_option(command, run.reader);
  // The one bound on memory in every mode: a record (--chat), a line (--each-line), or a run of
  // text with no place to split it (one pretokenizer piece).
  command.get_option("--max-record-bytes")
      ->description(fmt::format("Largest record (--chat), line (--each-line) or unsplittable run of text (also "
                                "64M, 1G; default {} MiB); a larger one stops the run",
                                ReaderOptions{}.max_record_bytes >> 20));
  for (const char* name : kChatOnlyOptions) command.get_option(name)->group("Dataset options (with --chat)");
  return [o, &command, &global]() { return run_tokens_command(*o, command, global); };
}

}  // namespace tuneprep::cli

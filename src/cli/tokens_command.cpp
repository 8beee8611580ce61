// `tuneprep tokens`: exact token counts (and ids) of text or chat JSONL, in parallel over chunks
// of the input with results printed in input order.
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_pipeline.h>

#include "tuneprep/schema.hpp"
#include "cli/cli.hpp"
#include "tuneprep/models.hpp"
#include "tuneprep/schema.hpp"
#include "tuneprep/analysis.hpp"
#include "tuneprep/tokenizer.hpp"

namespace tuneprep::cli {
namespace {

struct TokensOptions {
  std::string encoding;
  std::string model;
  std::string input = "-";
  bool each_line = false;
  bool ids = false;
  bool chat = false;
  bool allow_special = false;
};

// How the input is cut into chunks that can be tokenized independently.
enum class CutRule {
  kLines,     // after any '\n' (--each-line, --chat: every line stands alone anyway)
  kTextSafe,  // only where no pretokenizer piece can span the cut (last_safe_split)
};

struct Chunk {
  std::string text;
  uint64_t first_line = 1;  // 1-based line number of the chunk's first byte
};

class ChunkReader {
 public:
  ChunkReader(std::FILE* file, CutRule rule) : file_(file), rule_(rule) {}

  // Next chunk of about kChunkBytes, cut per the rule; false at end of input or on a read error.
  bool next(Chunk& chunk) {
    if (finished_) return false;
    std::string& buffer = pending_;
    size_t want = kChunkBytes;
    for (;;) {
      while (buffer.size() < want && !eof_) {
        const size_t before = buffer.size();
        buffer.resize(want);
        const size_t got = std::fread(buffer.data() + before, 1, want - before, file_);
        buffer.resize(before + got);
        if (got == 0) {
          eof_ = true;
          if (std::ferror(file_)) error_ = std::strerror(errno);
        }
      }
      size_t cut = buffer.size();
      if (!eof_) {
        if (rule_ == CutRule::kLines) {
          const size_t newline = buffer.rfind('\n');
          cut = newline == std::string::npos ? 0 : newline + 1;
        } else {
          cut = last_safe_split(buffer);
        }
      }
      if (cut == 0 && !eof_) {
        want = buffer.size() * 2;  // no cut point yet: read on (a very long line or piece)
        continue;
      }
      chunk.first_line = next_line_;
      chunk.text.assign(buffer, 0, cut);
      buffer.erase(0, cut);
      for (char c : chunk.text) next_line_ += c == '\n';
      if (eof_ && buffer.empty()) finished_ = true;
      return !chunk.text.empty() || !finished_;
    }
  }
  const std::string& error() const { return error_; }

 private:
  static constexpr size_t kChunkBytes = 1u << 20;
  std::FILE* file_;
  CutRule rule_;
  std::string pending_;
  uint64_t next_line_ = 1;
  bool eof_ = false;
  bool finished_ = false;
  std::string error_;
};

void append_ids(std::string& out, const std::vector<TokenId>& ids) {
  char digits[16];
  for (size_t k = 0; k < ids.size(); ++k) {
    if (k > 0) out.push_back(' ');
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ids[k]);
    out.append(digits, end);
  }
}

// Calls f(line) for each line of `text` without its line end ("\n" or "\r\n").
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(line);
  }
}

struct ChunkResult {
  std::string out;
  size_t tokens = 0;
  size_t errors = 0;
};

struct TokensRun {
  const TokensOptions& options;
  const Encoding& encoding;
  const ModelInfo* model;  // for the limit check of --chat; may be null
  SpecialTokens special;

  void text_chunk(const Chunk& chunk, ChunkResult& result) const {
    if (!options.ids) {
      result.tokens = encoding.count(chunk.text, special);
      return;
    }
    std::vector<TokenId> ids;
    encoding.encode(chunk.text, ids, special);
    result.tokens = ids.size();
    append_ids(result.out, ids);
  }

  void line_chunk(const Chunk& chunk, ChunkResult& result) const {
    std::vector<TokenId> ids;
    for_each_line(chunk.text, [&](std::string_view line) {
      if (options.ids) {
        ids.clear();
        encoding.encode(line, ids, special);
        append_ids(result.out, ids);
        result.tokens += ids.size();
      } else {
        const size_t n = encoding.count(line, special);
        result.tokens += n;
        char digits[24];
        auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
        result.out.append(digits, end);
      }
      result.out.push_back('\n');
    });
  }

  void chat_chunk(const Chunk& chunk, ChunkResult& result) const {
    thread_local Normalizer normalizer{NormalizeOptions{}};
    uint64_t line_number = chunk.first_line;
    std::string error;
    Record record;
    for_each_line(chunk.text, [&](std::string_view line) {
      const uint64_t this_line = line_number++;
      if (line.find_first_not_of(" \t") == std::string_view::npos) return;  // blank line
      error.clear();
      // The same normalizer as prepare and validate: every input shape is accepted.
      record.text.assign(line);
      record.source.line = this_line;
      NormalizeResult normalized = normalizer.normalize(record);
      const std::optional<Example>& example = normalized.example;
      if (normalized.has_error() || !example) {
        for (const Diagnostic& d : normalized.diagnostics) {
          if (d.severity != Severity::kError) continue;
          error = fmt::format("{}: {}", rule_info(d.rule).name, d.message);
          break;
        }
        if (error.empty()) error = "record could not be normalized";
        ++result.errors;
        result.out += fmt::format("{{\"line\":{},\"error\":", this_line);
        append_json_string(result.out, error);
        result.out += "}\n";
        return;
      }
      if (example->kind == ExampleKind::kPreference) {
        const PreferenceTokenCount count = count_preference_tokens(encoding, *example);
        result.tokens += count.preferred.total;
        result.out += fmt::format(
            "{{\"line\":{},\"total\":{},\"prompt\":{},\"assistant\":{},\"estimated\":{},"
            "\"non_preferred_total\":{},\"non_preferred_assistant\":{}",
            this_line, count.preferred.total, count.preferred.prompt, count.preferred.trained,
            count.preferred.estimated, count.non_preferred.total, count.non_preferred.trained);
        if (model != nullptr) {
          const size_t longest = std::max(count.preferred.total, count.non_preferred.total);
          result.out += fmt::format(",\"over_limit\":{}", longest > model->max_example_tokens);
        }
      } else {
        const ChatTokenCount count = count_chat_tokens(encoding, *example);
        result.tokens += count.total;
        result.out += fmt::format(
            "{{\"line\":{},\"total\":{},\"prompt\":{},\"assistant\":{},\"estimated\":{}", this_line,
            count.total, count.prompt, count.trained, count.estimated);
        if (model != nullptr) {
          result.out += fmt::format(",\"over_limit\":{}", count.total > model->max_example_tokens);
        }
      }
      result.out += "}\n";
    });
  }
};

int run_tokens(const TokensOptions& options, const GlobalOptions& global) {
  if (options.chat && (options.each_line || options.ids)) {
    fmt::print(stderr, "tuneprep tokens: --chat cannot be combined with --each-line or --ids\n");
    return kExitUsage;
  }
  // Encoding: --encoding, else the model's, else o200k_base (every current chat model's).
  const ModelInfo* model = nullptr;
  if (!options.model.empty()) {
    const std::optional<ModelMatch> match = find_model(options.model);
    if (!match) {
      fmt::print(stderr, "tuneprep tokens: unknown model \"{}\" (see `tuneprep models`); use --encoding\n",
                 options.model);
      return kExitUsage;
    }
    model = match->model;
  }
  EncodingId encoding_id = model != nullptr ? model->encoding : EncodingId::kO200kBase;
  if (!options.encoding.empty()) encoding_id = *encoding_from_name(options.encoding);

  std::FILE* file = stdin;
  if (options.input != "-") {
    file = std::fopen(options.input.c_str(), "rb");
    if (file == nullptr) {
      fmt::print(stderr, "tuneprep tokens: cannot open {}: {}\n", options.input, std::strerror(errno));
      return kExitUsage;
    }
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(file == stdin ? nullptr : file, &std::fclose);

  const TokensRun run{options, Encoding::get(encoding_id), model,
                      options.allow_special ? SpecialTokens::kAllow : SpecialTokens::kAsText};
  const bool whole_text = !options.each_line && !options.chat;
  ChunkReader reader(file, whole_text ? CutRule::kTextSafe : CutRule::kLines);

  const size_t threads = global.jobs != 0 ? global.jobs : static_cast<size_t>(tbb::info::default_concurrency());
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  size_t total_tokens = 0;
  size_t errors = 0;
  bool wrote_ids = false;
  std::string io_error;
  std::FILE* out = stdout;

  tbb::parallel_pipeline(
      threads * 2,
      tbb::make_filter<void, std::shared_ptr<Chunk>>(
          tbb::filter_mode::serial_in_order,
          [&](tbb::flow_control& control) -> std::shared_ptr<Chunk> {
            auto chunk = std::make_shared<Chunk>();
            if (!reader.next(*chunk)) {
              control.stop();
              return nullptr;
            }
            return chunk;
          }) &
          tbb::make_filter<std::shared_ptr<Chunk>, std::shared_ptr<ChunkResult>>(
              tbb::filter_mode::parallel,
              [&](const std::shared_ptr<Chunk>& chunk) {
                auto result = std::make_shared<ChunkResult>();
                if (options.chat) {
                  run.chat_chunk(*chunk, *result);
                } else if (options.each_line) {
                  run.line_chunk(*chunk, *result);
                } else {
                  run.text_chunk(*chunk, *result);
                }
                return result;
              }) &
          tbb::make_filter<std::shared_ptr<ChunkResult>, void>(
              tbb::filter_mode::serial_in_order, [&](const std::shared_ptr<ChunkResult>& result) {
                total_tokens += result->tokens;
                errors += result->errors;
                if (result->out.empty()) return;
                if (whole_text && wrote_ids) std::fputc(' ', out);
                std::fwrite(result->out.data(), 1, result->out.size(), out);
                wrote_ids = true;
              }));

  if (!reader.error().empty()) {
    fmt::print(stderr, "tuneprep tokens: reading {}: {}\n", options.input, reader.error());
    return kExitUsage;
  }
  if (whole_text) {
    if (options.ids) {
      std::fputc('\n', out);
    } else {
      fmt::print(out, "{}\n", total_tokens);
    }
  }
  std::fflush(out);
  if (errors > 0 && !global.quiet) {
    fmt::print(stderr, "tuneprep tokens: {} record(s) could not be read as chat records\n", errors);
  }
  if (std::ferror(out)) {
    fmt::print(stderr, "tuneprep tokens: writing the output failed\n");
    return kExitUsage;
  }
  return kExitClean;
}

}  // namespace

CommandRunner setup_tokens(CLI::App& command, const GlobalOptions& global) {
  auto options = std::make_shared<TokensOptions>();
  command.add_option("--encoding", options->encoding, "Encoding: cl100k_base or o200k_base (overrides --model)")
      ->check(CLI::IsMember({"cl100k_base", "o200k_base"}));
  command.add_option("--model", options->model, "Model whose encoding (and, with --chat, token limit) to use");
  command.add_flag("--each-line", options->each_line, "Print one count per line (line end excluded)");
  command.add_flag("--ids", options->ids, "Print token ids instead of counts");
  command.add_flag("--chat", options->chat,
                   "Read chat JSONL; print per record total, prompt and assistant tokens as JSON Lines");
  command.add_flag("--allow-special", options->allow_special,
                   "Encode special-token text such as <|endoftext|> as the special token");
  command.add_option("input", options->input, "Text file, or - for standard input (default)");
  return [options, &global]() { return run_tokens(*options, global); };
}

}  // namespace tuneprep::cli

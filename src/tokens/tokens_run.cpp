// tokens_run: the `tokens` driver. Text modes: a serial in-order stage cuts each input into chunks
// that tokenize independently, a parallel stage tokenizes them, a serial in-order stage writes
// (oneTBB parallel_pipeline), so any thread count gives the same bytes. Chat mode: the shared
// record stream, record_tokens per record.
#include "tuneprep/diagnostics.hpp"
#include "tuneprep/tokens_run.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <memory>
#include <system_error>
#include <utility>

#include <fmt/core.h>
#include <oneapi/tbb/enumerable_thread_specific.h>

#include "tuneprep/models.hpp"
#include "tuneprep/record_stream.hpp"
#include "tuneprep/tokens_run.hpp"

namespace tuneprep {
namespace {

// How an input is cut into chunks that can be tokenized independently.
enum class CutRule : uint8_t {
  kLines,     // after any '\n' (--each-line: every line stands alone)
  kTextSafe,  // only where no pretokenizer piece can span the cut (last_safe_split)
};

// Cuts the decompressed bytes of one input into chunks of about kChunkBytes.
class ChunkReader {
 public:
  // `max_unbroken` bounds what is held in memory: a line (kLines) or a run with no safe cut
  // (kTextSafe, one pretokenizer piece, whose merge needs ~36 bytes per byte) longer than that
  // stops the run with an error naming `path`.
  ChunkReader(ByteSource& source, CutRule rule, size_t max_unbroken, std::string path)
      : source_(source), rule_(rule), max_unbroken_(max_unbroken), path_(std::move(path)) {}

  // Moves the next chunk into `text`; `last` marks the input's final chunk, which may be empty
  // (every input gives at least one chunk, so even an empty one gets its output line). Returns
  // false after the last chunk, or on an I/O error (`error` set).
  bool next(std::string& text, bool& last, std::optional<IoError>& error) {
    if (finished_) return false;
    size_t want = kChunkBytes;
    for (;;) {
      while (buffer_.size() < want && !eof_) {
        const size_t before = buffer_.size();
        buffer_.resize(want);
        const size_t got = source_.read(buffer_.data() + before, want - before, error);
        buffer_.resize(before + got);
        if (error) {
          finished_ = true;
          return false;
        }
        eof_ = got == 0;
      }
      size_t cut = buffer_.size();
      if (!eof_) {
        if (rule_ == CutRule::kLines) {
          const size_t newline = buffer_.rfind('\n');
          cut = newline == std::string::npos ? 0 : newline + 1;
        } else {
          cut = last_safe_split(buffer_);
        }
        if (cut == 0) {
          if (buffer_.size() > max_unbroken_) {
            error = too_long_error();
            finished_ = true;
            return false;
          }
          // No cut point yet: read on (a very long line or piece), at most one byte past the limit.
          want = std::min(buffer_.size() * 2, max_unbroken_ == SIZE_MAX ? SIZE_MAX : max_unbroken_ + 1);
          continue;
        }
      }
      if (rule_ == CutRule::kLines) {
        // Every line obeys the limit, not just one that outgrows the buffer: the lines before a
        // long one are returned first, and the next call stops on it.
        const size_t long_line = first_long_line(std::string_view(buffer_).substr(0, cut));
        if (long_line == 0) {
          error = too_long_error();
          finished_ = true;
          return false;
        }
        if (long_line != std::string::npos) cut = long_line;
      }
      // The chunk takes over the buffer; only the (short) rest after the cut is copied back.
      text = std::move(buffer_);
      buffer_.assign(text, cut);
      text.resize(cut);
      if (rule_ == CutRule::kLines) lines_before_ += static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
      last = finished_ = eof_ && buffer_.empty();
      return true;
    }
  }

 private:
  // The start of the first line of `text` longer than the limit (its "\r\n" or "\n" not counted), npos if none.
  size_t first_long_line(std::string_view text) const {
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      size_t length = end - start;
      if (length > 0 && end < text.size() && text[end - 1] == '\r') --length;
      if (length > max_unbroken_) return start;
      start = end + 1;
    }
    return std::string::npos;
  }

  IoError too_long_error() const {
    if (rule_ == CutRule::kLines) {
      return IoError{fmt::format("{}:{}: line longer than --max-record-bytes ({} bytes)", path_, lines_before_ + 1,
                                 max_unbroken_)};
    }
    return IoError{fmt::format("{}: more than --max-record-bytes ({} bytes) with no place where tokens may be "
                               "split (one pretokenizer piece, such as letters without spaces)",
                               path_, max_unbroken_)};
  }

  static constexpr size_t kChunkBytes = 1u << 20;
  ByteSource& source_;
  CutRule rule_;
  size_t max_unbroken_;
  std::string path_;
  uint64_t lines_before_ = 0;  // kLines: lines in the chunks already returned
  std::string buffer_;
  bool eof_ = false;
  bool finished_ = false;
};

// One chunk on its way through the pipeline, and what tokenizing it gave.
struct Piece {
  size_t input = 0;
  bool first = false;  // the input's first chunk
  bool last = false;   // the input's last chunk
  std::string text;
  std::string out;     // ids or per-line results, ready to write
  uint64_t tokens = 0;
};

void append_number(std::string& out, uint64_t value) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

void append_ids(std::string& out, const std::vector<TokenId>& ids) {
  for (size_t k = 0; k < ids.size(); ++k) {
    if (k > 0) out.push_back(' ');
    append_number(out, ids[k]);
  }
}

// Calls f(line) for each line of `text` without its line end ("\n" or "\r\n").
template <typename F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(line);
  }
}

// The inputs of the text modes: files and "-", checked before any output is written.
std::optional<IoError> text_inputs(const std::vector<std::string>& paths, std::vector<InputFile>& files) {
  if (paths.empty()) return IoError{"no input files"};
  for (const std::string& path : paths) {
    InputFile file;
    file.path = path;
    if (path != "-") {
      struct stat info;
      if (::stat(path.c_str(), &info) != 0) return IoError{path + ": " + std::generic_category().message(errno)};
      if (S_ISDIR(info.st_mode)) {
        return IoError{path + ": is a directory (text counts read files; --chat reads the data files under a directory)"};
      }
      file.compression = compression_from_path(path);
    }
    files.push_back(std::move(file));
  }
  return std::nullopt;
}

TokensRunResult run_text(const TokensRunOptions& options, const Encoding& encoding, const TokensOutput& output) {
  TokensRunResult result;
  std::vector<InputFile> files;
  if (auto error = text_inputs(options.inputs, files)) {
    result.error = std::move(error);
    return result;
  }
  const bool each_line = options.mode == TokensMode::kEachLine;
  const bool named = files.size() > 1;  // name each input in the output, as wc and grep do
  std::vector<std::string> prefixes;    // "PATH:" before each line of ids or per-line results
  for (const InputFile& file : files) prefixes.push_back(named ? file.path + ":" : std::string());

  // Parallel stage: tokenize one chunk.
  auto tokenize = [&](Piece& piece) {
    std::vector<TokenId> ids;
    if (!each_line) {
      if (!options.ids) {
        piece.tokens = encoding.count(piece.text, options.special);
        return;
      }
      encoding.encode(piece.text, ids, options.special);
      piece.tokens = ids.size();
      append_ids(piece.out, ids);
      return;
    }
    const std::string& prefix = prefixes[piece.input];
    for_each_line(piece.text, [&](std::string_view line) {
      piece.out += prefix;
      if (options.ids) {
        ids.clear();
        encoding.encode(line, ids, options.special);
        append_ids(piece.out, ids);
        piece.tokens += ids.size();
      } else {
        const size_t n = encoding.count(line, options.special);
        append_number(piece.out, n);
        piece.tokens += n;
      }
      piece.out.push_back('\n');
    });
  };

  // Serial stages. Reading opens each input in turn; writing stops the reading when output fails.
  std::optional<IoError> error;
  std::atomic<bool> write_failed = false;
  size_t cursor = 0;
  std::unique_ptr<ByteSource> source;
  std::optional<ChunkReader> reader;
  bool next_is_first = true;
  auto read = [&](oneapi::tbb::flow_control& control) -> std::shared_ptr<Piece> {
    if (cursor < files.size() && !write_failed) {
      if (!reader) {
        OpenResult opened = open_input(files[cursor], InputOptions{.compute_sha256 = false});
        if (opened.error) {
          error = std::move(opened.error);
        } else {
          source = std::move(opened.source);
          reader.emplace(*source, each_line ? CutRule::kLines : CutRule::kTextSafe,
                         std::max<size_t>(options.reader.max_record_bytes, 1), terminal_text(files[cursor].path));
        }
      }
      auto piece = std::make_shared<Piece>();
      if (!error && reader->next(piece->text, piece->last, error)) {
        piece->input = cursor;
        piece->first = std::exchange(next_is_first, piece->last);
        if (piece->last) {
          reader.reset();
          source.reset();
          ++cursor;
        }
        return piece;
      }
    }
    control.stop();
    return nullptr;
  };
  uint64_t input_tokens = 0;
  bool wrote_ids = false;  // in this input's line of ids
  auto write = [&](std::string_view text) {
    if (!write_failed && !output(text)) write_failed = true;
  };
  auto sink = [&](const std::shared_ptr<Piece>& piece) {
    if (piece->first) input_tokens = 0, wrote_ids = false;
    input_tokens += piece->tokens;
    result.tokens += piece->tokens;
    if (each_line) {
      write(piece->out);
    } else if (options.ids) {
      if (piece->first) write(prefixes[piece->input]);
      if (!piece->out.empty()) {
        if (wrote_ids) write(" ");
        write(piece->out);
        wrote_ids = true;
      }
      if (piece->last) write("\n");
    } else if (piece->last) {
      write(named ? fmt::format("{} {}\n", input_tokens, terminal_text(files[piece->input].path)) : fmt::format("{}\n", input_tokens));
    }
  };

  const unsigned threads = resolve_jobs(options.jobs);
  oneapi::tbb::global_control parallelism(oneapi::tbb::global_control::max_allowed_parallelism, threads);
  try {
    oneapi::tbb::parallel_pipeline(
        threads * 2,
        oneapi::tbb::make_filter<void, std::shared_ptr<Piece>>(oneapi::tbb::filter_mode::serial_in_order, read) &
            oneapi::tbb::make_filter<std::shared_ptr<Piece>, std::shared_ptr<Piece>>(
                oneapi::tbb::filter_mode::parallel,
                [&](std::shared_ptr<Piece> piece) {
                  tokenize(*piece);
                  return piece;
                }) &
            oneapi::tbb::make_filter<std::shared_ptr<Piece>, void>(oneapi::tbb::filter_mode::serial_in_order, sink));
  } catch (const std::exception& e) {
    if (!error) error = IoError{std::string("internal error: ") + e.what()};
  }
  if (!error && !write_failed && named && !each_line && !options.ids) write(fmt::format("{} total\n", result.tokens));
  if (write_failed && !error) error = IoError{"writing the output failed"};
  result.error = std::move(error);
  return result;
}

TokensRunResult run_chat(const TokensRunOptions& options, const TokenBudget& budget, const TokensOutput& output) {
  TokensRunResult result;
  ExpandResult expanded = expand_inputs(options.inputs);
  result.input_notes = expanded.notes;  // also on error: a skipped input may be why
  if (expanded.error) {
    result.error = std::move(expanded.error);
    return result;
  }
  const std::vector<InputFile>& files = expanded.files;
  const bool named = files.size() > 1;
  const RecordTokensOptions per_record{budget.encoding, budget.limit};
  const RecordAnalyzer analyzer(tokens_analysis(options.normalize));
  oneapi::tbb::enumerable_thread_specific<RecordAnalysis> scratch;

  struct Line {
    std::string text;
    RecordTokens tokens;
  };
  auto transform = [&](const Record& record, Line& line) {
    const std::string_view path = named ? std::string_view(files[record.source.file_index].path) : std::string_view();
    line.text.clear();
    line.tokens = record_tokens(record, path, analyzer, scratch.local(), per_record, line.text);
  };
  bool write_failed = false;
  auto sink = [&](const Record&, Line& line) -> bool {
    ++result.records;
    if (line.tokens.readable) {
      result.tokens += line.tokens.total;
    } else {
      ++result.unreadable;
    }
    write_failed = !output(line.text);
    return !write_failed;
  };

  StreamOptions stream;
  stream.reader = options.reader;
  stream.reader.compute_sha256 = false;  // no manifest
  stream.jobs = options.jobs;
  std::vector<StreamedInput> streamed;
  result.error = stream_records<Line>(files, stream, streamed, transform, sink);
  if (write_failed && !result.error) result.error = IoError{"writing the output failed"};
  return result;
}

}  // namespace

TokensRunResult run_tokens(const TokensRunOptions& options, const TokensOutput& output) {
  // Encoding: the given one, else the model's, else o200k_base (every current chat model's); the
  // limit of --chat's over_limit: the model's. The one lookup every command makes.
  IoError error;
  const std::optional<TokenBudget> budget =
      resolve_token_budget(TokenRequest{options.model, options.encoding, 0, false}, error);
  if (!budget) {
    TokensRunResult result;
    result.error = std::move(error);
    return result;
  }
  const Encoding& encoding = *budget->encoding;
  if (options.mode == TokensMode::kChat) return run_chat(options, *budget, output);
  return run_text(options, encoding, output);
}

}  // namespace tuneprep

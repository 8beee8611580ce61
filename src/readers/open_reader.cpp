// open_reader: picks the reader for an input from its declared format or, for stdin and unknown
// extensions, from its first non-blank bytes.
#include "io/prefixed_source.hpp"
#include "readers/framing.hpp"

namespace tuneprep {
namespace {

// How far to look for the first non-blank byte before giving up and reading as JSONL.
constexpr size_t kSniffLimit = 64u << 10;

// Reads the first non-blank bytes of `source` (replayed afterwards) and decides the format:
// '[' a JSON array, '{' JSONL, anything else CSV.
FileFormat sniff_format(std::unique_ptr<ByteSource>& source, std::optional<IoError>& error) {
  constexpr size_t kPiece = 4096;
  std::string prefix;
  FileFormat format = FileFormat::kJsonl;
  size_t scanned = 0;
  bool bom_checked = false;
  for (;;) {
    bool end = prefix.size() >= kSniffLimit;
    if (!end) {
      const size_t old_size = prefix.size();
      prefix.resize(old_size + kPiece);
      const size_t n = source->read(prefix.data() + old_size, kPiece, error);
      prefix.resize(old_size + n);
      if (error) break;
      end = n == 0;
    }
    if (!bom_checked) {
      if (prefix.size() < 3 && !end) continue;  // a byte order mark may still be arriving
      bom_checked = true;
      if (prefix.starts_with(readers_detail::kUtf8Bom)) scanned = 3;
    }
    bool decided = false;
    for (; scanned < prefix.size() && !decided; ++scanned) {
      const char c = prefix[scanned];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
      format = c == '[' ? FileFormat::kJsonArray : c == '{' ? FileFormat::kJsonl : FileFormat::kCsv;
      decided = true;
    }
    if (decided || end) break;
  }
  source = std::make_unique<io_detail::PrefixedSource>(std::move(source), std::move(prefix));
  return format;
}

}  // namespace

ReaderResult open_reader(std::unique_ptr<ByteSource> source, std::string_view path, FileFormat format,
                         bool format_from_content, uint32_t file_index, const ReaderOptions& options) {
  if (format_from_content) {
    std::optional<IoError> error;
    format = sniff_format(source, error);
    if (error) return ReaderResult{nullptr, std::move(error)};
  }
  switch (format) {
    case FileFormat::kJsonl:
      return ReaderResult{readers_detail::make_jsonl_reader(std::move(source), std::string(path), file_index, options),
                          std::nullopt};
    case FileFormat::kJsonArray:
      return ReaderResult{readers_detail::make_json_reader(std::move(source), std::string(path), file_index, options),
                          std::nullopt};
    case FileFormat::kCsv:
      return readers_detail::make_csv_reader(std::move(source), std::string(path), file_index, options);
  }
  return ReaderResult{nullptr, IoError{std::string(path) + ": unknown input format"}};
}

ReaderResult open_reader(const InputFile& file, uint32_t file_index, const ReaderOptions& options) {
  OpenResult opened = open_input(file, InputOptions{options.compute_sha256, options.hash_in_background});
  if (opened.error) return ReaderResult{nullptr, std::move(opened.error)};
  return open_reader(std::move(opened.source), file.path, file.format, file.format_from_content, file_index, options);
}

}  // namespace tuneprep

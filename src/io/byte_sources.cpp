// Input byte streams: plain files and stdin read in large chunks, in-memory bytes, and the gzip and
// zstd decoders stacked on top of them; each keeps the raw byte count and sha256 of its input.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "io/prefixed_source.hpp"
#include "io/block_worker.hpp"
#include "io/sha256.hpp"
#include "tuneprep/io.hpp"

namespace tuneprep {
namespace {

using io_detail::BlockWorker;
using io_detail::PrefixedSource;
using io_detail::Sha256;

std::string errno_message(std::string_view name, int err) {
  return std::string(name) + ": " + std::generic_category().message(err);
}

bool ends_with_ci(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  text.remove_prefix(text.size() - suffix.size());
  for (size_t i = 0; i < suffix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

// A file descriptor (a regular file, a pipe, stdin). Reads straight into the caller's buffer;
// with a background hash the bytes are copied to the hashing thread in 1 MB blocks.
class FileSource final : public ByteSource {
 public:
  FileSource(int fd, bool owned, std::string name, bool hash, bool background)
      : fd_(fd), owned_(owned), hash_(hash), name_(std::move(name)) {
    if (hash && background) {
      worker_ = std::make_unique<BlockWorker>(-1);
      block_.reserve(BlockWorker::kBlockBytes);
    }
  }
  ~FileSource() override {
    worker_.reset();  // joins the hashing thread
    if (owned_) ::close(fd_);
  }

  size_t read(char* buffer, size_t capacity, std::optional<IoError>& error) override {
    if (eof_ || capacity == 0) return 0;
    for (;;) {
      const ssize_t n = ::read(fd_, buffer, capacity);
      if (n > 0) {
        consumed_ += static_cast<uint64_t>(n);
        if (worker_) {
          block_.append(buffer, static_cast<size_t>(n));
          if (block_.size() >= BlockWorker::kBlockBytes) block_ = worker_->submit(std::move(block_));
        } else if (hash_) {
          sha_.update(buffer, static_cast<size_t>(n));
        }
        return static_cast<size_t>(n);
      }
      if (n == 0) {
        eof_ = true;
        return 0;
      }
      if (errno == EINTR) continue;
      error = IoError{errno_message(name_, errno)};
      eof_ = true;
      return 0;
    }
  }
  uint64_t raw_bytes_consumed() const override { return consumed_; }
  std::string raw_sha256() const override {
    if (!hash_) return std::string();
    if (!worker_) return sha_.hex();
    if (!block_.empty()) block_ = worker_->submit(std::move(block_));
    worker_->drain();
    return worker_->sha().hex();
  }

 private:
  int fd_;
  bool owned_;
  bool hash_;
  std::string name_;
  bool eof_ = false;
  uint64_t consumed_ = 0;
  Sha256 sha_;
  // The background hash: bytes read but not yet handed over, and the thread that hashes them.
  mutable std::string block_;
  mutable std::unique_ptr<BlockWorker> worker_;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string_view bytes, size_t max_read) : bytes_(bytes), max_read_(std::max<size_t>(max_read, 1)) {}

  size_t read(char* buffer, size_t capacity, std::optional<IoError>&) override {
    const size_t n = std::min({capacity, max_read_, bytes_.size() - position_});
    if (n == 0) return 0;
    std::memcpy(buffer, bytes_.data() + position_, n);
    sha_.update(buffer, n);
    position_ += n;
    return n;
  }
  uint64_t raw_bytes_consumed() const override { return position_; }
  std::string raw_sha256() const override { return sha_.hex(); }

 private:
  std::string_view bytes_;
  size_t max_read_;
  size_t position_ = 0;
  Sha256 sha_;
};

// Compressed input is read in 256 KiB pieces: large enough to amortize the read calls, small
// enough to stay in cache next to the decoder's window.
constexpr size_t kCompressedChunk = 256u << 10;

// gzip via zlib. windowBits 15+32 lets inflate parse the gzip header itself; after each member's
// end the stream is reset so concatenated members (as `cat a.gz b.gz` or pigz produce) decode
// as one stream, like gzip -d does.
class GzipSource final : public ByteSource {
 public:
  GzipSource(std::unique_ptr<ByteSource> raw, std::string name, std::string prefix)
      : raw_(std::move(raw)), name_(std::move(name)), input_(new char[kCompressedChunk]) {
    std::memset(&stream_, 0, sizeof stream_);
    initialized_ = inflateInit2(&stream_, 15 + 32) == Z_OK;
    std::memcpy(input_.get(), prefix.data(), prefix.size());  // prefix is at most a few bytes
    stream_.next_in = reinterpret_cast<Bytef*>(input_.get());
    stream_.avail_in = static_cast<uInt>(prefix.size());
  }
  ~GzipSource() override {
    if (initialized_) inflateEnd(&stream_);
  }

  size_t read(char* buffer, size_t capacity, std::optional<IoError>& error) override {
    if (done_ || capacity == 0) return 0;
    if (!initialized_) return fail(error, "cannot initialize the gzip decoder");
    // zlib counts in uInt; a smaller read is fine.
    const auto out_capacity = static_cast<uInt>(std::min<size_t>(capacity, 1u << 30));
    stream_.next_out = reinterpret_cast<Bytef*>(buffer);
    stream_.avail_out = out_capacity;
    while (stream_.avail_out == out_capacity) {
      if (stream_.avail_in == 0 && !raw_eof_) {
        const size_t n = raw_->read(input_.get(), kCompressedChunk, error);
        if (error) return finish_with_error();
        if (n == 0) {
          raw_eof_ = true;
        } else {
          stream_.next_in = reinterpret_cast<Bytef*>(input_.get());
          stream_.avail_in = static_cast<uInt>(n);
        }
      }
      if (stream_.avail_in == 0 && raw_eof_) {
        if (in_member_) return fail(error, "truncated gzip stream");
        done_ = true;
        break;
      }
      if (!in_member_) {
        if (members_ > 0) inflateReset(&stream_);
        in_member_ = true;
      }
      const int status = inflate(&stream_, Z_NO_FLUSH);
      if (status == Z_STREAM_END) {
        in_member_ = false;
        ++members_;
      } else if (status == Z_BUF_ERROR && stream_.avail_in == 0) {
        continue;  // needs more input: the loop reads it (or reports truncation)
      } else if (status != Z_OK) {
        return fail(error, std::string("invalid gzip data (") + (stream_.msg ? stream_.msg : "corrupt stream") + ")");
      }
    }
    return out_capacity - stream_.avail_out;
  }
  uint64_t raw_bytes_consumed() const override { return raw_->raw_bytes_consumed(); }
  std::string raw_sha256() const override { return raw_->raw_sha256(); }

 private:
  size_t fail(std::optional<IoError>& error, std::string_view what) {
    error = IoError{name_ + ": " + std::string(what)};
    return finish_with_error();
  }
  size_t finish_with_error() {
    done_ = true;
    return 0;
  }

  std::unique_ptr<ByteSource> raw_;
  std::string name_;
  std::unique_ptr<char[]> input_;
  z_stream stream_;
  bool initialized_ = false;
  bool raw_eof_ = false;
  bool in_member_ = false;
  bool done_ = false;
  uint64_t members_ = 0;
};

// zstd via the streaming API; ZSTD_decompressStream moves on to the next frame by itself.
class ZstdSource final : public ByteSource {
 public:
  ZstdSource(std::unique_ptr<ByteSource> raw, std::string name, std::string prefix)
      : raw_(std::move(raw)), name_(std::move(name)), input_(new char[kCompressedChunk]), context_(ZSTD_createDCtx()) {
    std::memcpy(input_.get(), prefix.data(), prefix.size());
    in_ = ZSTD_inBuffer{input_.get(), prefix.size(), 0};
  }
  ~ZstdSource() override { ZSTD_freeDCtx(context_); }

  size_t read(char* buffer, size_t capacity, std::optional<IoError>& error) override {
    if (done_ || capacity == 0) return 0;
    if (context_ == nullptr) return fail(error, "cannot initialize the zstd decoder");
    ZSTD_outBuffer out{buffer, capacity, 0};
    while (out.pos == 0) {
      if (in_.pos == in_.size && !raw_eof_) {
        const size_t n = raw_->read(input_.get(), kCompressedChunk, error);
        if (error) return finish_with_error();
        if (n == 0) raw_eof_ = true;
        in_ = ZSTD_inBuffer{input_.get(), n, 0};
      }
      if (in_.pos == in_.size && raw_eof_) {
        if (!in_frame_) {
          done_ = true;
          break;
        }
        // The decoder may still hold decoded bytes that did not fit the last output buffer.
        const size_t status = ZSTD_decompressStream(context_, &out, &in_);
        if (ZSTD_isError(status)) return fail(error, std::string("invalid zstd data (") + ZSTD_getErrorName(status) + ")");
        if (status == 0) {
          in_frame_ = false;
          continue;
        }
        if (out.pos > 0) break;
        return fail(error, "truncated zstd stream");
      }
      const size_t status = ZSTD_decompressStream(context_, &out, &in_);
      if (ZSTD_isError(status)) return fail(error, std::string("invalid zstd data (") + ZSTD_getErrorName(status) + ")");
      in_frame_ = status != 0;
    }
    return out.pos;
  }
  uint64_t raw_bytes_consumed() const override { return raw_->raw_bytes_consumed(); }
  std::string raw_sha256() const override { return raw_->raw_sha256(); }

 private:
  size_t fail(std::optional<IoError>& error, std::string_view what) {
    error = IoError{name_ + ": " + std::string(what)};
    return finish_with_error();
  }
  size_t finish_with_error() {
    done_ = true;
    return 0;
  }

  std::unique_ptr<ByteSource> raw_;
  std::string name_;
  std::unique_ptr<char[]> input_;
  ZSTD_DCtx* context_;
  ZSTD_inBuffer in_{};
  bool raw_eof_ = false;
  bool in_frame_ = false;
  bool done_ = false;
};

bool has_gzip_magic(std::string_view prefix) {
  return prefix.size() >= 2 && static_cast<unsigned char>(prefix[0]) == 0x1F &&
         static_cast<unsigned char>(prefix[1]) == 0x8B;
}

// A zstd frame (28 B5 2F FD) or a skippable frame (5? 2A 4D 18), little-endian magic numbers.
bool has_zstd_magic(std::string_view prefix) {
  if (prefix.size() < 4) return false;
  const auto b = [&](size_t i) { return static_cast<unsigned char>(prefix[i]); };
  if (b(0) == 0x28 && b(1) == 0xB5 && b(2) == 0x2F && b(3) == 0xFD) return true;
  return (b(0) & 0xF0) == 0x50 && b(1) == 0x2A && b(2) == 0x4D && b(3) == 0x18;
}

}  // namespace

Compression compression_from_path(std::string_view path) {
  if (ends_with_ci(path, ".gz")) return Compression::kGzip;
  if (ends_with_ci(path, ".zst") || ends_with_ci(path, ".zstd")) return Compression::kZstd;
  return Compression::kNone;
}

bool has_extension(std::string_view path, std::string_view extension) {
  if (ends_with_ci(path, ".gz")) {
    path.remove_suffix(3);
  } else if (ends_with_ci(path, ".zst")) {
    path.remove_suffix(4);
  } else if (ends_with_ci(path, ".zstd")) {
    path.remove_suffix(5);
  }
  return ends_with_ci(path, extension);
}

std::optional<FileFormat> format_from_path(std::string_view path) {
  if (has_extension(path, ".jsonl") || has_extension(path, ".ndjson")) return FileFormat::kJsonl;
  if (has_extension(path, ".json")) return FileFormat::kJsonArray;
  if (has_extension(path, ".csv") || has_extension(path, ".tsv") || has_extension(path, ".tab")) return FileFormat::kCsv;
  return std::nullopt;
}

std::unique_ptr<ByteSource> memory_source(std::string_view bytes, size_t max_read) {
  return std::make_unique<MemorySource>(bytes, max_read);
}

OpenResult decode_input(std::unique_ptr<ByteSource> raw, std::string_view name, Compression declared) {
  OpenResult result;
  // Four bytes decide: gzip needs two, zstd four. Pipes may deliver them one by one.
  std::string prefix(4, '\0');
  size_t have = 0;
  while (have < prefix.size()) {
    const size_t n = raw->read(prefix.data() + have, prefix.size() - have, result.error);
    if (result.error) return result;
    if (n == 0) break;
    have += n;
  }
  prefix.resize(have);
  const bool gzip = has_gzip_magic(prefix);
  const bool zstd = has_zstd_magic(prefix);
  if (declared == Compression::kGzip && !gzip) {
    result.error = IoError{std::string(name) + ": not in gzip format (the file does not start with the gzip magic bytes)"};
    return result;
  }
  if (declared == Compression::kZstd && !zstd) {
    result.error = IoError{std::string(name) + ": not in zstd format (the file does not start with a zstd frame)"};
    return result;
  }
  if (gzip) {
    result.source = std::make_unique<GzipSource>(std::move(raw), std::string(name), std::move(prefix));
  } else if (zstd) {
    result.source = std::make_unique<ZstdSource>(std::move(raw), std::string(name), std::move(prefix));
  } else {
    result.source = std::make_unique<PrefixedSource>(std::move(raw), std::move(prefix));
  }
  return result;
}

OpenResult open_input(const InputFile& file) { return open_input(file, InputOptions{}); }

OpenResult open_input(const InputFile& file, const InputOptions& options) {
  if (file.path == "-") {
    return decode_input(std::make_unique<FileSource>(STDIN_FILENO, false, "<stdin>", options.compute_sha256,
                                                    options.hash_in_background), "<stdin>",
                        file.compression);
  }
  int fd;
  do {
    fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return OpenResult{nullptr, IoError{errno_message(file.path, errno)}};
  // Inputs are read once front to back: let the kernel read ahead aggressively.
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return decode_input(std::make_unique<FileSource>(fd, true, file.path, options.compute_sha256, options.hash_in_background), file.path,
                      file.compression);
}

}  // namespace tuneprep

// Unit tests of io: byte sources (plain, stdin, gzip, zstd), expand_inputs, AtomicOutputFile.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "io/block_worker.hpp"
#include "io/sha256.hpp"
#include "tuneprep/io.hpp"
#include "tuneprep/readers.hpp"

#include "temp_dir.hpp"

using namespace tuneprep;
namespace fs = std::filesystem;

namespace {

std::string gzip(std::string_view data) {
  z_stream stream{};
  REQUIRE(deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&stream, data.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&stream, Z_FINISH) == Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string zstd(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

struct Drained {
  std::string bytes;
  std::optional<IoError> error;
};

Drained drain(ByteSource& source, size_t piece = 1000) {
  Drained out;
  std::string buffer(piece, '\0');
  for (;;) {
    const size_t n = source.read(buffer.data(), buffer.size(), out.error);
    if (n == 0) break;
    out.bytes.append(buffer.data(), n);
  }
  return out;
}

Drained read_file(const std::string& path) {
  InputFile file;
  file.path = path;
  file.compression = compression_from_path(path);
  OpenResult opened = open_input(file);
  if (opened.error) return Drained{"", opened.error};
  return drain(*opened.source);
}

std::string sha256_of(const std::string& path) {
  IoError error;
  auto sha = sha256_file(path, error);
  REQUIRE(sha);
  return *sha;
}

std::string text_of(int lines) {
  std::string out;
  for (int i = 0; i < lines; ++i) out += "{\"i\":" + std::to_string(i) + ",\"text\":\"some words to compress\"}\n";
  return out;
}

}  // namespace

TEST_CASE("compression and format come from the extension") {
  CHECK(compression_from_path("a.jsonl.gz") == Compression::kGzip);
  CHECK(compression_from_path("A.JSONL.GZ") == Compression::kGzip);
  CHECK(compression_from_path("a.csv.zst") == Compression::kZstd);
  CHECK(compression_from_path("a.json.zstd") == Compression::kZstd);
  CHECK(compression_from_path("a.jsonl") == Compression::kNone);
  CHECK(format_from_path("a.jsonl.gz") == FileFormat::kJsonl);
  CHECK(format_from_path("a.ndjson") == FileFormat::kJsonl);
  CHECK(format_from_path("a.json.zst") == FileFormat::kJsonArray);
  CHECK(format_from_path("dir/a.CSV") == FileFormat::kCsv);
  CHECK_FALSE(format_from_path("a.txt").has_value());
  CHECK_FALSE(format_from_path("a.gz").has_value());
}

TEST_CASE("plain file is read whole with its raw byte count and sha256") {
  TempDir dir;
  const std::string content = text_of(50000);  // several read chunks
  const std::string path = dir.write("a.jsonl", content);
  InputFile file{path, Compression::kNone, FileFormat::kJsonl, std::nullopt};
  OpenResult opened = open_input(file);
  REQUIRE(opened.source);
  Drained out = drain(*opened.source, 1 << 16);
  CHECK_FALSE(out.error);
  CHECK(out.bytes == content);
  CHECK(opened.source->raw_bytes_consumed() == content.size());
  CHECK(opened.source->raw_sha256() == sha256_of(path));
  const std::string abc = dir.write("abc.jsonl", "abc");
  CHECK(sha256_of(abc) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("gzip input with concatenated members decodes as one stream") {
  TempDir dir;
  const std::string first = text_of(3000), second = text_of(10);
  const std::string compressed = gzip(first) + gzip(second);
  const std::string path = dir.write("a.jsonl.gz", compressed);
  InputFile file{path, Compression::kGzip, FileFormat::kJsonl, std::nullopt};
  OpenResult opened = open_input(file);
  REQUIRE(opened.source);
  Drained out = drain(*opened.source);
  CHECK_FALSE(out.error);
  CHECK(out.bytes == first + second);
  CHECK(opened.source->raw_bytes_consumed() == compressed.size());
  CHECK(opened.source->raw_sha256() == sha256_of(path));
}

TEST_CASE("gzip decoding survives one-byte reads of the compressed stream") {
  const std::string content = text_of(200);
  const std::string compressed = gzip(content) + gzip("tail\n");
  OpenResult opened = decode_input(memory_source(compressed, 1), "mem.gz", Compression::kGzip);
  REQUIRE(opened.source);
  Drained out = drain(*opened.source, 7);
  CHECK_FALSE(out.error);
  CHECK(out.bytes == content + "tail\n");
}

TEST_CASE("truncated gzip is an error naming the path") {
  TempDir dir;
  const std::string compressed = gzip(text_of(1000));
  const std::string path = dir.write("cut.jsonl.gz", compressed.substr(0, compressed.size() / 2));
  Drained out = read_file(path);
  REQUIRE(out.error);
  CHECK(out.error->message == path + ": truncated gzip stream");
  const std::string no_trailer = dir.write("t.jsonl.gz", compressed.substr(0, compressed.size() - 4));
  REQUIRE(read_file(no_trailer).error);
  CHECK(read_file(no_trailer).error->message == no_trailer + ": truncated gzip stream");
}

TEST_CASE("a .gz or .zst file without the magic bytes is an error, not garbage") {
  TempDir dir;
  const std::string gz = dir.write("plain.jsonl.gz", "{\"a\":1}\n");
  Drained out = read_file(gz);
  REQUIRE(out.error);
  CHECK(out.error->message == gz + ": not in gzip format (the file does not start with the gzip magic bytes)");
  const std::string zst = dir.write("plain.jsonl.zst", "{\"a\":1}\n");
  REQUIRE(read_file(zst).error);
  CHECK(read_file(zst).error->message == zst + ": not in zstd format (the file does not start with a zstd frame)");
  const std::string empty = dir.write("empty.jsonl.gz", "");
  CHECK(read_file(empty).error.has_value());
}

TEST_CASE("corrupt gzip data is an error") {
  TempDir dir;
  std::string compressed = gzip(text_of(100));
  for (size_t i = 12; i < 40; ++i) compressed[i] = static_cast<char>(compressed[i] ^ 0x5A);
  const std::string path = dir.write("bad.jsonl.gz", compressed);
  Drained out = read_file(path);
  REQUIRE(out.error);
  CHECK(out.error->message.rfind(path + ": invalid gzip data (", 0) == 0);
}

TEST_CASE("zstd input with several frames decodes, truncation is an error") {
  TempDir dir;
  const std::string first = text_of(5000), second = text_of(3);
  const std::string compressed = zstd(first) + zstd(second);
  const std::string path = dir.write("a.jsonl.zst", compressed);
  Drained out = read_file(path);
  CHECK_FALSE(out.error);
  CHECK(out.bytes == first + second);
  const std::string cut = dir.write("cut.jsonl.zst", compressed.substr(0, compressed.size() / 3));
  Drained truncated = read_file(cut);
  REQUIRE(truncated.error);
  CHECK(truncated.error->message == cut + ": truncated zstd stream");
  const std::string last_byte = dir.write("cut2.jsonl.zst", compressed.substr(0, compressed.size() - 1));
  REQUIRE(read_file(last_byte).error);
  CHECK(read_file(last_byte).error->message == last_byte + ": truncated zstd stream");
}

TEST_CASE("compressed data under a plain name is recognised by its magic bytes") {
  TempDir dir;
  const std::string content = text_of(10);
  CHECK(read_file(dir.write("a.jsonl", gzip(content))).bytes == content);
  CHECK(read_file(dir.write("b.jsonl", zstd(content))).bytes == content);
  CHECK(read_file(dir.write("c.jsonl", "x")).bytes == "x");  // shorter than any magic
}

TEST_CASE("readers frame gzip and zstd inputs like plain ones") {
  TempDir dir;
  const std::string content = "{\"a\":1}\n\n{\"b\":2}\n";
  for (const std::string& path :
       {dir.write("r.jsonl.gz", gzip(content)), dir.write("r.jsonl.zst", zstd(content)), dir.write("r.jsonl", content)}) {
    ExpandResult expanded = expand_inputs({path});
    REQUIRE(expanded.files.size() == 1);
    ReaderResult opened = open_reader(expanded.files[0], 3, ReaderOptions{});
    REQUIRE(opened.reader);
    RecordBatch batch;
    std::optional<IoError> error;
    REQUIRE(opened.reader->next_batch(batch, error));
    REQUIRE(batch.records.size() == 2);
    CHECK(batch.records[1].text == "{\"b\":2}");
    CHECK(batch.records[1].source.line == 3);
    CHECK(batch.records[1].source.offset == 9);
    CHECK(batch.records[1].source.file_index == 3);
    CHECK_FALSE(opened.reader->next_batch(batch, error));
    CHECK_FALSE(error);
    CHECK(opened.reader->raw_bytes_consumed() == fs::file_size(path));
    CHECK(opened.reader->raw_sha256() == sha256_of(path));
  }
}

TEST_CASE("reader returns records before a truncated gzip error, then the error") {
  TempDir dir;
  const std::string compressed = gzip(text_of(20000));
  const std::string path = dir.write("cut.jsonl.gz", compressed.substr(0, compressed.size() - 100));
  ReaderOptions options;
  options.batch_bytes = 1 << 30;
  ReaderResult opened = open_reader(expand_inputs({path}).files.at(0), 0, options);
  REQUIRE(opened.reader);
  RecordBatch batch;
  std::optional<IoError> error;
  REQUIRE(opened.reader->next_batch(batch, error));
  CHECK_FALSE(error);
  CHECK(batch.records.size() > 19000);
  CHECK(batch.records.back().text.back() == '}');
  CHECK_FALSE(opened.reader->next_batch(batch, error));
  CHECK(batch.records.empty());
  REQUIRE(error);
  CHECK(error->message == path + ": truncated gzip stream");
}

TEST_CASE("stdin is read through \"-\" and sniffed for compression") {
  TempDir dir;
  const std::string content = text_of(5);
  const std::string path = dir.write("in.bin", gzip(content));
  const int saved = ::dup(STDIN_FILENO);
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(::dup2(fd, STDIN_FILENO) == STDIN_FILENO);
  ::close(fd);
  ExpandResult expanded = expand_inputs({"-"});
  REQUIRE(expanded.files.size() == 1);
  CHECK(expanded.files[0].path == "-");
  CHECK(expanded.files[0].format_from_content);
  CHECK_FALSE(expanded.files[0].size);
  OpenResult opened = open_input(expanded.files[0]);
  REQUIRE(opened.source);
  Drained out = drain(*opened.source);
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  CHECK(out.bytes == content);
}

TEST_CASE("expand_inputs walks directories in path order and keeps explicit files") {
  TempDir dir;
  dir.write("data/b.jsonl", "{}\n");
  dir.write("data/a.csv.gz", gzip("prompt,response\n"));
  dir.write("data/sub/c.json", "[]");
  dir.write("data/sub/d.ndjson.zst", zstd("{}\n"));
  dir.write("data/notes.txt", "ignored");
  dir.write("data/.hidden.jsonl", "{}\n");
  dir.write("data/.git/e.jsonl", "{}\n");
  const std::string explicit_file = dir.write("other.txt", "{}\n");
  const std::string data = (dir.path / "data").string();
  ExpandResult expanded = expand_inputs({explicit_file, data, "-"});
  REQUIRE_FALSE(expanded.error);
  std::vector<std::string> paths;
  for (const InputFile& f : expanded.files) paths.push_back(f.path);
  CHECK(paths == std::vector<std::string>{explicit_file, data + "/a.csv.gz", data + "/b.jsonl", data + "/sub/c.json",
                                          data + "/sub/d.ndjson.zst", "-"});
  CHECK(expanded.files[0].format_from_content);
  CHECK(expanded.files[0].size == 3u);
  CHECK(expanded.files[1].compression == Compression::kGzip);
  CHECK(expanded.files[1].format == FileFormat::kCsv);
  CHECK_FALSE(expanded.files[1].format_from_content);
  CHECK(expanded.files[2].size == 3u);
  CHECK(expanded.files[3].format == FileFormat::kJsonArray);
  CHECK(expanded.files[4].compression == Compression::kZstd);
  CHECK(expanded.files[4].format == FileFormat::kJsonl);
}

TEST_CASE("expand_inputs reports a missing path, a directory without data files and no path") {
  TempDir dir;
  const std::string missing = (dir.path / "nope.jsonl").string();
  ExpandResult result = expand_inputs({missing});
  REQUIRE(result.error);
  CHECK(result.error->message == missing + ": No such file or directory");
  dir.write("empty/readme.md", "x");
  const std::string empty = (dir.path / "empty").string();
  ExpandResult none = expand_inputs({empty});
  REQUIRE(none.error);
  CHECK(none.error->message == empty +
                                   ": no data files in this directory (looked for .jsonl, .ndjson, .json, .csv and .tsv, "
                                   "optionally compressed as .gz or .zst)");
  ExpandResult nothing = expand_inputs({});
  REQUIRE(nothing.error);
  CHECK(nothing.error->message == "no input files");
}

TEST_CASE("an unreadable file is reported by open_input") {
  if (::geteuid() == 0) return;  // root reads everything; nothing to check
  TempDir dir;
  const std::string path = dir.write("secret.jsonl", "{}\n");
  fs::permissions(path, fs::perms::none);
  ExpandResult expanded = expand_inputs({path});
  REQUIRE(expanded.files.size() == 1);
  OpenResult opened = open_input(expanded.files[0]);
  REQUIRE(opened.error);
  CHECK(opened.error->message == path + ": Permission denied");
}

TEST_CASE("reading a directory as a file is an error naming it") {
  TempDir dir;
  InputFile file{dir.path.string(), Compression::kNone, FileFormat::kJsonl, std::nullopt};
  Drained out;
  OpenResult opened = open_input(file);
  if (opened.error) {
    out.error = opened.error;
  } else {
    out = drain(*opened.source);
  }
  REQUIRE(out.error);
  CHECK(out.error->message == dir.path.string() + ": Is a directory");
}

TEST_CASE("AtomicOutputFile appears only on commit, with the sha256 of its bytes") {
  TempDir dir;
  const fs::path target = dir.path / "train.jsonl";
  IoError error;
  auto file = AtomicOutputFile::create(target, error);
  REQUIRE(file);
  const std::string big(3u << 20, 'z');  // passes the write buffer
  REQUIRE(file->write("abc", error));
  REQUIRE(file->write(big, error));
  REQUIRE(file->write("\n", error));
  CHECK_FALSE(fs::exists(target));
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path)) names.push_back(entry.path().filename().string());
  REQUIRE(names.size() == 1);
  CHECK(names[0].rfind(".train.jsonl.tmp-" + std::to_string(::getpid()) + "-", 0) == 0);
  REQUIRE(file->finish(error));
  CHECK_FALSE(fs::exists(target));
  REQUIRE(file->commit(error));
  CHECK(fs::exists(target));
  CHECK(fs::file_size(target) == big.size() + 4);
  CHECK(file->bytes_written() == big.size() + 4);
  CHECK(file->sha256_hex() == sha256_of(target.string()));
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
  CHECK(file->commit(error));  // committing twice is harmless
}

TEST_CASE("Background hashing and writing give the same bytes and sha256 as inline") {
  TempDir dir;
  // Input: hashed on a thread of its own, in blocks of 1 MB, read in odd-sized pieces.
  const std::string content = text_of(120000);  // about 6 MB: several blocks and a partial one
  const std::string path = dir.write("a.jsonl", content);
  InputFile file{path, Compression::kNone, FileFormat::kJsonl, std::nullopt};
  InputOptions background;
  background.hash_in_background = true;
  OpenResult opened = open_input(file, background);
  REQUIRE(opened.source);
  Drained out = drain(*opened.source, 77777);
  CHECK(out.bytes == content);
  CHECK(opened.source->raw_sha256() == sha256_of(path));
  CHECK(opened.source->raw_sha256() == sha256_of(path));  // asking twice changes nothing

  // Output: lines of every size, one larger than a block; the worker writes them in order.
  IoError error;
  auto output = AtomicOutputFile::create(dir.path / "out.jsonl", error, /*background=*/true);
  REQUIRE(output);
  std::string expected;
  for (int i = 0; i < 30000; ++i) {
    std::string line = std::string(static_cast<size_t>(i % 300), static_cast<char>('a' + i % 26)) + "\n";
    if (i == 12345) line = std::string(3u << 20, 'z') + "\n";
    expected += line;
    REQUIRE(output->write(line, error));
  }
  REQUIRE(output->commit(error));
  const std::string written = dir.path / "out.jsonl";
  std::ifstream in(written, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(bytes == expected);
  CHECK(output->bytes_written() == expected.size());
  CHECK(output->sha256_hex() == sha256_of(written));
}

TEST_CASE("A BlockWorker whose write fails (full disk) reports the errno and drops later blocks") {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;  // no /dev/full in this sandbox: nothing to test against
  {
    io_detail::BlockWorker worker(fd);
    std::string block(io_detail::BlockWorker::kBlockBytes, 'x');
    block = worker.submit(std::move(block));
    CHECK(block.empty());
    CHECK(block.capacity() >= io_detail::BlockWorker::kBlockBytes);  // a block to fill next
    CHECK(worker.drain() == ENOSPC);
    CHECK(worker.failed() == ENOSPC);
    block.assign(100, 'y');
    block = worker.submit(std::move(block));
    CHECK(worker.drain() == ENOSPC);  // still the first error; the block was dropped
  }
  ::close(fd);
  // Hash only (no descriptor): the same digest as hashing inline, whatever the block sizes.
  io_detail::BlockWorker hasher(-1);
  io_detail::Sha256 inline_sha;
  std::string all;
  for (int i = 0; i < 40; ++i) {
    std::string block(static_cast<size_t>(1000 * i + 1), static_cast<char>('a' + i % 26));
    inline_sha.update(block.data(), block.size());
    (void)hasher.submit(std::move(block));
  }
  CHECK(hasher.drain() == 0);
  CHECK(hasher.sha().hex() == inline_sha.hex());
}

TEST_CASE("AtomicOutputFile destroyed uncommitted leaves nothing behind") {
  TempDir dir;
  const fs::path target = dir.path / "validation.jsonl";
  {
    IoError error;
    auto file = AtomicOutputFile::create(target, error);
    REQUIRE(file);
    REQUIRE(file->write("partial", error));
    AtomicOutputFile moved = std::move(*file);
    REQUIRE(moved.write(" more", error));
    REQUIRE(moved.finish(error));
  }
  CHECK(fs::is_empty(dir.path));
}

TEST_CASE("AtomicOutputFile commit replaces an existing file and sha256 of empty output") {
  TempDir dir;
  const std::string target = dir.write("manifest.json", "old");
  IoError error;
  auto file = AtomicOutputFile::create(target, error);
  REQUIRE(file);
  REQUIRE(file->commit(error));
  CHECK(fs::file_size(target) == 0);
  CHECK(file->sha256_hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("AtomicOutputFile in a missing directory is an error naming the path") {
  TempDir dir;
  const fs::path target = dir.path / "no" / "train.jsonl";
  IoError error;
  CHECK_FALSE(AtomicOutputFile::create(target, error));
  CHECK(error.message == target.string() + ": No such file or directory");
}

TEST_CASE("an output file that is a pipe or device is written in place, never replaced") {
  // `--json /dev/stdout`, `--json /dev/null` or a FIFO: renaming a temporary over the target
  // would turn the device into a regular file.
  TempDir dir;
  const std::filesystem::path fifo = dir.path / "report.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string received;
  std::thread reader([&] {
    std::ifstream in(fifo, std::ios::binary);
    received.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  });
  IoError error;
  auto file = AtomicOutputFile::create(fifo, error);
  REQUIRE(file);
  CHECK(file->temp_path().empty());
  CHECK(file->write("{\"a\":1}\n", error));
  CHECK(file->commit(error));
  file.reset();
  reader.join();
  CHECK(received == "{\"a\":1}\n");
  CHECK(std::filesystem::is_fifo(fifo));
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), std::filesystem::directory_iterator()) == 1);
}

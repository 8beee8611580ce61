// shard_files: the byte layout of a shard's fingerprint and records files, the shard plan, and the
// options a shard run records for merge.
//
// A shard file is one zstd stream of little-endian fields; strings are a u64 length and bytes:
//   magic "TPSHARD\n", u8 kind (1 fingerprints, 2 records), u32 format version, tool version,
//   u32 shard index, u32 shard count, options (bytes), u32 inputs x {path, u8 compression,
//   u8 format, u8 format_from_content, u64 size, i64 mtime_ns}
//   then per record: u8 tag 1 and the record (below); then u8 tag 2 and the trailer:
//   u64 records, u32 count x {u32 file_index, sha256 (string), u64 bytes, u64 records}.
// A fingerprint: u8 flags (1 rejected, 2 conflict keys), u32 file_index, u64 line, u32 column,
//   u64 offset, u64 text bytes; unless rejected: hash (2 x u64); with conflict keys: prompt key (2 x u64), u64
//   answer key; with num_perm > 0: u32 shingles, num_perm x u32.
// A record: text, line, u8 format (255: none), u16 count x reject rule, u16 count x fixed rule,
//   tokens (5 x u64, u8 truncated), facts (write_facts).
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <system_error>

#include <fmt/core.h>

#include "tuneprep/prepare.hpp"
#include "tuneprep/prepare_shard.hpp"
#include "tuneprep/rules.hpp"

namespace tuneprep {
namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'T', 'P', 'S', 'H', 'A', 'R', 'D', '\n'};
constexpr uint8_t kTagRecord = 1;
constexpr uint8_t kTagTrailer = 2;
constexpr uint8_t kFlagRejected = 1;
constexpr uint8_t kFlagConflictKeys = 2;
constexpr uint8_t kNoFormat = 255;

// Appends fields to a buffer.
class FieldWriter {
 public:
  explicit FieldWriter(std::string& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { raw(&v, sizeof v); }
  void u32(uint32_t v) { raw(&v, sizeof v); }
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void i64(int64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }

 private:
  void raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }  // x86-64/arm64: little-endian
  std::string& out_;
};

// Reads fields from a span of bytes; any read past the end sets failed().
class FieldReader {
 public:
  explicit FieldReader(std::string_view in) : in_(in) {}
  bool failed() const { return failed_; }
  bool at_end() const { return pos_ == in_.size(); }
  uint8_t u8() { return fixed<uint8_t>(); }
  uint16_t u16() { return fixed<uint16_t>(); }
  uint32_t u32() { return fixed<uint32_t>(); }
  uint64_t u64() { return fixed<uint64_t>(); }
  int64_t i64() { return fixed<int64_t>(); }
  double f64() { return fixed<double>(); }
  std::string str() {
    const uint64_t n = u64();
    if (failed_ || n > in_.size() - pos_) {
      failed_ = true;
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

 private:
  template <class T>
  T fixed() {
    T v{};
    if (failed_ || in_.size() - pos_ < sizeof v) {
      failed_ = true;
      return v;
    }
    std::memcpy(&v, in_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool failed_ = false;
};

void write_facts(FieldWriter& w, const RecordFacts& f) {
  w.u32(f.file_index);
  w.u8(f.format ? static_cast<uint8_t>(*f.format) : kNoFormat);
  w.u8(f.rejected);
  w.u32(static_cast<uint32_t>(f.reject_rules.size()));
  for (const std::string& s : f.reject_rules) w.str(s);
  w.u32(static_cast<uint32_t>(f.warning_rules.size()));
  for (const std::string& s : f.warning_rules) w.str(s);
  w.u32(static_cast<uint32_t>(f.messages.size()));
  for (const MessageFacts& m : f.messages) {
    w.u8(static_cast<uint8_t>(m.role));
    w.u32(m.chars);
  }
  w.u32(f.turns);
  w.u8(f.has_system_prompt);
  w.u64(f.system_prompt_hash);
  w.u32(f.system_prompt_chars);
  w.str(f.system_prompt_head);
  w.u8(f.tokens.has_value());
  if (f.tokens) {
    w.u64(f.tokens->total);
    w.u64(f.tokens->prompt);
    w.u64(f.tokens->assistant);
    w.u64(f.tokens->estimated);
  }
  w.u32(f.answers);
  w.u32(f.empty_answers);
  w.u32(f.short_answers);
  w.u32(f.refusals);
  w.u32(static_cast<uint32_t>(f.answer_openings.size()));
  for (const std::string& s : f.answer_openings) w.str(s);
  w.u32(static_cast<uint32_t>(f.answer_opening_hashes.size()));
  for (uint64_t h : f.answer_opening_hashes) w.u64(h);
  w.u32(static_cast<uint32_t>(f.scripts.size()));
  for (const ScriptChars& s : f.scripts) {
    w.str(s.script);
    w.u64(s.chars);
  }
}

// Each element of a list costs at least one byte, so a count beyond the bytes left is corrupt;
// checking it first keeps a bad count from allocating.
template <class T>
bool read_count(FieldReader& r, uint64_t bytes_left, std::vector<T>& v) {
  const uint32_t n = r.u32();
  if (r.failed() || n > bytes_left) return false;
  v.resize(n);
  return true;
}

bool read_facts(FieldReader& r, size_t size, RecordFacts& f) {
  f.file_index = r.u32();
  const uint8_t format = r.u8();
  if (format == kNoFormat) {
    f.format.reset();
  } else if (format <= static_cast<uint8_t>(SourceFormat::kCsv)) {
    f.format = static_cast<SourceFormat>(format);
  } else {
    return false;
  }
  f.rejected = r.u8() != 0;
  f.duplicate = DuplicateKind::kNone;
  f.conflict = false;
  f.validation = false;
  if (!read_count(r, size, f.reject_rules)) return false;
  for (std::string& s : f.reject_rules) s = r.str();
  if (!read_count(r, size, f.warning_rules)) return false;
  for (std::string& s : f.warning_rules) s = r.str();
  if (!read_count(r, size, f.messages)) return false;
  for (MessageFacts& m : f.messages) {
    const uint8_t role = r.u8();
    if (role > static_cast<uint8_t>(Role::kTool)) return false;
    m.role = static_cast<Role>(role);
    m.chars = r.u32();
  }
  f.turns = r.u32();
  f.has_system_prompt = r.u8() != 0;
  f.system_prompt_hash = r.u64();
  f.system_prompt_chars = r.u32();
  f.system_prompt_head = r.str();
  if (r.u8() != 0) {
    TokenFacts t;
    t.total = r.u64();
    t.prompt = r.u64();
    t.assistant = r.u64();
    t.estimated = r.u64();
    f.tokens = t;
  } else {
    f.tokens.reset();
  }
  f.answers = r.u32();
  f.empty_answers = r.u32();
  f.short_answers = r.u32();
  f.refusals = r.u32();
  if (!read_count(r, size, f.answer_openings)) return false;
  for (std::string& s : f.answer_openings) s = r.str();
  if (!read_count(r, size, f.answer_opening_hashes)) return false;
  for (uint64_t& h : f.answer_opening_hashes) h = r.u64();
  if (!read_count(r, size, f.scripts)) return false;
  for (ScriptChars& s : f.scripts) {
    s.script = r.str();
    s.chars = r.u64();
  }
  return !r.failed();
}

void write_rule_ids(FieldWriter& w, const std::vector<RuleId>& rules) {
  w.u16(static_cast<uint16_t>(rules.size()));
  for (RuleId id : rules) w.u16(static_cast<uint16_t>(id));
}

bool read_rule_ids(FieldReader& r, std::vector<RuleId>& rules) {
  const uint16_t n = r.u16();
  if (r.failed() || n > kRuleCount) return false;
  rules.resize(n);
  for (RuleId& id : rules) {
    const uint16_t v = r.u16();
    if (v >= kRuleCount) return false;
    id = static_cast<RuleId>(v);
  }
  return !r.failed();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The shard plan.

std::optional<ShardSpec> parse_shard_spec(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view s, uint32_t& out) {
    if (s.empty() || s.size() > 6) return false;
    uint32_t v = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    out = v;
    return true;
  };
  ShardSpec spec;
  if (!number(text.substr(0, slash), spec.index) || !number(text.substr(slash + 1), spec.count)) return std::nullopt;
  if (spec.count == 0 || spec.count > kMaxShards || spec.index >= spec.count) return std::nullopt;
  return spec;
}

ShardPlan::ShardPlan(const std::vector<InputFile>& files, ShardSpec spec) : spec_(spec) {
  for (const InputFile& file : files) {
    base_.push_back(total_);
    const uint64_t size = file.size.value_or(0);
    size_.push_back(size);
    splittable_.push_back(file.compression == Compression::kNone && file.size.has_value());
    total_ += size;
  }
  first_file_ = static_cast<uint32_t>(files.size());
  end_file_ = 0;
  for (uint32_t i = 0; i < files.size(); ++i) {
    const uint32_t first = shard_of(base_[i]);
    const uint32_t last = splittable_[i] && size_[i] > 0 ? shard_of(base_[i] + size_[i] - 1) : first;
    if (first <= spec_.index && spec_.index <= last) {
      first_file_ = std::min(first_file_, i);
      end_file_ = i + 1;
    }
  }
  if (first_file_ > end_file_) first_file_ = end_file_;
}

// The range of shard i is [floor(i*T/N), floor((i+1)*T/N)); an offset at or past T (an empty
// file at the end) belongs to the last shard.
uint32_t ShardPlan::shard_of(uint64_t global_offset) const {
  if (global_offset >= total_) return spec_.count - 1;
  // The largest i with floor(i*T/N) <= x is floor(((x+1)*N - 1) / T), exact in 128 bits.
  const unsigned __int128 n = spec_.count;
  const unsigned __int128 i = ((static_cast<unsigned __int128>(global_offset) + 1) * n - 1) / total_;
  return static_cast<uint32_t>(std::min<unsigned __int128>(i, n - 1));
}

bool ShardPlan::owns(uint32_t file_index, uint64_t offset) const {
  if (file_index >= base_.size()) return false;
  const uint64_t at = splittable_[file_index] ? base_[file_index] + std::min(offset, size_[file_index]) : base_[file_index];
  return shard_of(at) == spec_.index;
}

bool ShardPlan::after(uint32_t file_index, uint64_t offset) const {
  if (file_index >= base_.size()) return true;
  const uint64_t at = splittable_[file_index] ? base_[file_index] + std::min(offset, size_[file_index]) : base_[file_index];
  return shard_of(at) > spec_.index;
}

// ---------------------------------------------------------------------------------------------
// The options.

std::string encode_shard_options(const PrepareOptions& o) {
  std::string out;
  FieldWriter w(out);
  w.u8(static_cast<uint8_t>(o.to));
  w.u8(static_cast<uint8_t>(o.dedup));
  w.u8(static_cast<uint8_t>(o.dedup_on));
  w.u32(o.near.shingle);
  w.u32(o.near.num_perm);
  w.f64(o.near.threshold);
  w.f64(o.near.false_positive_weight);
  w.f64(o.near.false_negative_weight);
  w.u32(o.near.max_records_per_band_key);
  w.u8(static_cast<uint8_t>(o.conflicts));
  w.u8(o.tokens.has_value());
  if (o.tokens) {
    w.str(o.tokens->model);
    w.u8(o.tokens->encoding ? static_cast<uint8_t>(*o.tokens->encoding) : kNoFormat);
    w.u64(o.tokens->max_tokens);
    w.u8(o.tokens->truncate);
  }
  std::vector<RuleId> fixes;
  for (const RuleInfo& rule : all_rules()) {
    if (o.fixes.contains(rule.id)) fixes.push_back(rule.id);
  }
  write_rule_ids(w, fixes);
  w.f64(o.val_ratio);
  w.u64(o.seed);
  w.u8(o.report_html);
  w.u8(o.report_markdown);
  w.u8(o.report_findings);
  w.str(o.reader.prompt_column);
  w.str(o.reader.response_column);
  w.str(o.reader.system_column);
  w.u8(static_cast<uint8_t>(o.reader.csv_delimiter));
  w.u64(o.reader.max_record_bytes);
  w.u8(static_cast<uint8_t>(o.normalize.shape));
  w.str(o.normalize.system_prompt);
  w.u32(static_cast<uint32_t>(o.normalize.key_map.size()));
  for (const KeyMapping& m : o.normalize.key_map) {
    w.str(m.field);
    w.str(m.key);
  }
  w.u8(o.normalize.drop_placeholder_input);
  w.u32(static_cast<uint32_t>(kRuleCount));
  for (size_t i = 0; i < kRuleCount; ++i) {
    const auto id = static_cast<RuleId>(i);
    w.u8(o.rules.enabled(id));
    w.u8(static_cast<uint8_t>(o.rules.severity(id)));
  }
  return out;
}

std::optional<IoError> decode_shard_options(std::string_view bytes, PrepareOptions& o) {
  FieldReader r(bytes);
  const IoError corrupt{"the options recorded in the shard are corrupt"};
  auto enum_in = [&](uint8_t v, uint8_t last) { return v <= last; };
  const uint8_t to = r.u8(), dedup = r.u8(), dedup_on = r.u8();
  if (!enum_in(to, static_cast<uint8_t>(OutputFormat::kKto)) || !enum_in(dedup, static_cast<uint8_t>(DedupMode::kNear)) ||
      !enum_in(dedup_on, static_cast<uint8_t>(DedupOn::kResponse))) {
    return corrupt;
  }
  o.to = static_cast<OutputFormat>(to);
  o.dedup = static_cast<DedupMode>(dedup);
  o.dedup_on = static_cast<DedupOn>(dedup_on);
  o.near.shingle = r.u32();
  o.near.num_perm = r.u32();
  o.near.threshold = r.f64();
  o.near.false_positive_weight = r.f64();
  o.near.false_negative_weight = r.f64();
  o.near.max_records_per_band_key = r.u32();
  const uint8_t conflicts = r.u8();
  if (!enum_in(conflicts, static_cast<uint8_t>(ConflictMode::kReject))) return corrupt;
  o.conflicts = static_cast<ConflictMode>(conflicts);
  if (r.u8() != 0) {
    TokenRequest t;
    t.model = r.str();
    const uint8_t encoding = r.u8();
    if (encoding != kNoFormat) {
      if (!enum_in(encoding, static_cast<uint8_t>(EncodingId::kO200kBase))) return corrupt;
      t.encoding = static_cast<EncodingId>(encoding);
    }
    t.max_tokens = r.u64();
    t.truncate = r.u8() != 0;
    o.tokens = t;
  } else {
    o.tokens.reset();
  }
  std::vector<RuleId> fixes;
  if (!read_rule_ids(r, fixes)) return corrupt;
  o.fixes = FixSet{};
  for (RuleId id : fixes) o.fixes.add(id);
  o.val_ratio = r.f64();
  o.seed = r.u64();
  o.report_html = r.u8() != 0;
  o.report_markdown = r.u8() != 0;
  o.report_findings = r.u8() != 0;
  o.reader.prompt_column = r.str();
  o.reader.response_column = r.str();
  o.reader.system_column = r.str();
  o.reader.csv_delimiter = static_cast<char>(r.u8());
  o.reader.max_record_bytes = r.u64();
  const uint8_t shape = r.u8();
  if (!enum_in(shape, static_cast<uint8_t>(InputShape::kCsv))) return corrupt;
  o.normalize.shape = static_cast<InputShape>(shape);
  o.normalize.system_prompt = r.str();
  const uint32_t mappings = r.u32();
  if (r.failed() || mappings > bytes.size()) return corrupt;
  o.normalize.key_map.resize(mappings);
  for (KeyMapping& m : o.normalize.key_map) {
    m.field = r.str();
    m.key = r.str();
  }
  o.normalize.drop_placeholder_input = r.u8() != 0;
  if (r.u32() != kRuleCount) return IoError{"the shards were written by a tuneprep with other rules"};
  for (size_t i = 0; i < kRuleCount; ++i) {
    const auto id = static_cast<RuleId>(i);
    o.rules.set_enabled(id, r.u8() != 0);
    const uint8_t severity = r.u8();
    if (!enum_in(severity, static_cast<uint8_t>(Severity::kInfo))) return corrupt;
    o.rules.set_severity(id, static_cast<Severity>(severity));
  }
  if (r.failed() || !r.at_end()) return corrupt;
  if (!(o.val_ratio >= 0.0 && o.val_ratio < 1.0)) return corrupt;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// The writer.

struct ShardFileWriter::Impl {
  std::optional<AtomicOutputFile> file;
  ZSTD_CCtx* cctx = nullptr;
  std::string pending;  // fields not yet compressed
  std::string compressed;
  uint64_t records = 0;
  ~Impl() { ZSTD_freeCCtx(cctx); }

  // Compresses `pending` (and ends the frame with `end`) into the file.
  bool flush(bool end, IoError& error) {
    ZSTD_inBuffer in{pending.data(), pending.size(), 0};
    compressed.resize(ZSTD_CStreamOutSize());
    for (;;) {
      ZSTD_outBuffer out{compressed.data(), compressed.size(), 0};
      const size_t left = ZSTD_compressStream2(cctx, &out, &in, end ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(left)) {
        error = IoError{fmt::format("{}: zstd: {}", file->final_path().string(), ZSTD_getErrorName(left))};
        return false;
      }
      if (out.pos > 0 && !file->write(std::string_view(compressed.data(), out.pos), error)) return false;
      if (end ? left == 0 : in.pos == in.size) break;
    }
    pending.clear();
    return true;
  }
  bool maybe_flush(IoError& error) { return pending.size() < (1u << 20) || flush(false, error); }
};

std::unique_ptr<ShardFileWriter> ShardFileWriter::create(const fs::path& path, ShardFileReader::Kind kind,
                                                         const ShardHeader& header, IoError& error) {
  auto writer = std::unique_ptr<ShardFileWriter>(new ShardFileWriter);
  writer->impl_ = std::make_unique<Impl>();
  Impl& impl = *writer->impl_;
  impl.file = AtomicOutputFile::create(path, error);
  if (!impl.file) return nullptr;
  impl.cctx = ZSTD_createCCtx();
  if (impl.cctx == nullptr) {
    error = IoError{"zstd: out of memory"};
    return nullptr;
  }
  ZSTD_CCtx_setParameter(impl.cctx, ZSTD_c_compressionLevel, 3);
  FieldWriter w(impl.pending);
  impl.pending.append(kMagic, sizeof kMagic);
  w.u8(static_cast<uint8_t>(kind));
  w.u32(header.version);
  w.str(header.tool_version);
  w.u32(header.shard.index);
  w.u32(header.shard.count);
  w.str(header.options);
  w.u32(static_cast<uint32_t>(header.inputs.size()));
  for (const ShardInput& input : header.inputs) {
    w.str(input.path);
    w.u8(static_cast<uint8_t>(input.compression));
    w.u8(static_cast<uint8_t>(input.format));
    w.u8(input.format_from_content);
    w.u64(input.size);
    w.i64(input.mtime_ns);
  }
  return writer;
}

ShardFileWriter::~ShardFileWriter() = default;

bool ShardFileWriter::write_fingerprint(const Record& record, uint32_t file_index, const RecordAnalysis& a,
                                        IoError& error) {
  FieldWriter w(impl_->pending);
  w.u8(kTagRecord);
  w.u8(static_cast<uint8_t>((a.rejected ? kFlagRejected : 0) | (a.has_conflict_keys ? kFlagConflictKeys : 0)));
  w.u32(file_index);
  w.u64(record.source.line);
  w.u32(record.source.column);
  w.u64(record.source.offset);
  w.u64(record.text.size());
  if (!a.rejected) {
    w.u64(a.hash.low);
    w.u64(a.hash.high);
    if (a.has_conflict_keys) {
      w.u64(a.prompt_key.low);
      w.u64(a.prompt_key.high);
      w.u64(a.answer_key);
    }
    if (!a.signature.empty()) {
      w.u32(a.shingles);
      for (uint32_t v : a.signature) w.u32(v);
    }
  }
  ++impl_->records;
  return impl_->maybe_flush(error);
}

bool ShardFileWriter::write_record(const Record& record, const RecordAnalysis& a, IoError& error) {
  FieldWriter w(impl_->pending);
  w.u8(kTagRecord);
  w.str(a.rejected ? std::string_view() : std::string_view(record.text));  // a rejected line holds it
  w.str(a.line);
  w.u8(a.format ? static_cast<uint8_t>(*a.format) : kNoFormat);
  write_rule_ids(w, a.reject_rules);
  write_rule_ids(w, a.fixed_rules);
  w.u64(a.tokens.total);
  w.u64(a.tokens.prompt);
  w.u64(a.tokens.trained);
  w.u64(a.tokens.estimated);
  w.u64(a.tokens.longest);
  w.u8(a.tokens.truncated);
  // The facts as a length-prefixed block, so a reader checks its counts against its own size.
  std::string facts;
  FieldWriter fw(facts);
  write_facts(fw, a.facts);
  w.str(facts);
  ++impl_->records;
  return impl_->maybe_flush(error);
}

bool ShardFileWriter::finish(uint64_t records, const std::vector<ShardInputResult>& inputs, IoError& error) {
  FieldWriter w(impl_->pending);
  w.u8(kTagTrailer);
  w.u64(records);
  w.u32(static_cast<uint32_t>(inputs.size()));
  for (const ShardInputResult& input : inputs) {
    w.u32(input.file_index);
    w.str(input.streamed.sha256);
    w.u64(input.streamed.bytes);
    w.u64(input.streamed.records);
  }
  return impl_->flush(true, error) && impl_->file->finish(error);
}

bool ShardFileWriter::commit(IoError& error) { return impl_->file->commit(error); }
uint64_t ShardFileWriter::bytes_written() const { return impl_->file->bytes_written(); }
std::string ShardFileWriter::sha256_hex() const { return impl_->file->sha256_hex(); }

// ---------------------------------------------------------------------------------------------
// The reader.

// Decompressed bytes of a shard file, read in pieces; a record is decoded from a contiguous span.
// buffer[pos, end) holds the bytes read and not yet decoded.
struct ShardFileReader::Bytes {
  std::unique_ptr<ByteSource> source;
  std::string buffer;
  size_t pos = 0;
  size_t end = 0;
  bool eof = false;

  // Makes at least `n` bytes available at pos (fewer only at the end of the stream).
  bool fill(size_t n, std::optional<IoError>& error) {
    if (end - pos >= n) return true;
    std::memmove(buffer.data(), buffer.data() + pos, end - pos);
    end -= pos;
    pos = 0;
    while (!eof && end < n) {
      // Grows by at most 16 MiB ahead of the data: a corrupt length cannot allocate more than
      // the data holds.
      const size_t want = std::min<size_t>(n, end + (16u << 20));
      if (buffer.size() < want) {
        buffer.resize(std::max(want, std::min<size_t>(std::max<size_t>(buffer.size() * 2, 1u << 20), end + (16u << 20))));
      }
      const size_t got = source->read(buffer.data() + end, buffer.size() - end, error);
      if (error) return false;
      if (got == 0) eof = true;
      end += got;
    }
    return end >= n;
  }
  std::string_view view(size_t n) const { return std::string_view(buffer.data() + pos, std::min(n, end - pos)); }
};

ShardFileReader::~ShardFileReader() = default;

std::unique_ptr<ShardFileReader> ShardFileReader::open(const std::string& path, Kind kind, IoError& error) {
  InputFile file;
  file.path = path;
  file.compression = Compression::kZstd;
  InputOptions input_options;
  input_options.compute_sha256 = false;
  OpenResult opened = open_input(file, input_options);
  if (opened.error) {
    error = *opened.error;
    return nullptr;
  }
  return open(std::move(opened.source), path, kind, error);
}

std::unique_ptr<ShardFileReader> ShardFileReader::open(std::unique_ptr<ByteSource> source, std::string name, Kind kind,
                                                       IoError& error) {
  auto reader = std::unique_ptr<ShardFileReader>(new ShardFileReader);
  reader->in_ = std::make_unique<Bytes>();
  reader->in_->source = std::move(source);
  reader->name_ = std::move(name);
  reader->kind_ = kind;
  Bytes& in = *reader->in_;
  const std::string& shown = reader->name_;
  std::optional<IoError> read_error;
  // The header's fixed part, then its strings one by one (each length checked against the data).
  constexpr size_t kFixed = sizeof kMagic + 1 + 4;
  if (!in.fill(kFixed, read_error) || std::memcmp(in.view(sizeof kMagic).data(), kMagic, sizeof kMagic) != 0) {
    error = read_error ? *read_error : IoError{fmt::format("{}: not a tuneprep shard file", shown)};
    return nullptr;
  }
  FieldReader fixed(in.view(kFixed).substr(sizeof kMagic));
  const uint8_t file_kind = fixed.u8();
  const uint32_t version = fixed.u32();
  in.pos += kFixed;
  if (file_kind != static_cast<uint8_t>(kind)) {
    error = IoError{fmt::format("{}: not a shard {} file", shown, kind == Kind::kFingerprints ? "fingerprint" : "records")};
    return nullptr;
  }
  if (version != kShardFormatVersion) {
    error = IoError{fmt::format("{}: shard format version {}, this tuneprep reads version {}; rerun the shards with "
                                "this tuneprep",
                                shown, version, kShardFormatVersion)};
    return nullptr;
  }
  ShardHeader& h = reader->header_;
  h.version = version;
  const IoError truncated{fmt::format("{}: truncated or corrupt shard header", shown)};
  auto read_u64 = [&](uint64_t& v) {
    if (!in.fill(8, read_error)) return false;
    std::memcpy(&v, in.buffer.data() + in.pos, 8);
    in.pos += 8;
    return true;
  };
  auto read_str = [&](std::string& s, uint64_t max) {
    uint64_t n = 0;
    if (!read_u64(n) || n > max || !in.fill(n, read_error)) return false;
    s.assign(in.view(n));
    in.pos += n;
    return true;
  };
  auto read_fixed = [&](size_t n) -> std::optional<std::string_view> {
    if (!in.fill(n, read_error)) return std::nullopt;
    std::string_view v = in.view(n);
    in.pos += n;
    return v;
  };
  constexpr uint64_t kMaxHeaderString = 64u << 20;
  if (!read_str(h.tool_version, 256)) {
    error = read_error.value_or(truncated);
    return nullptr;
  }
  auto counts = read_fixed(8);
  if (!counts) {
    error = read_error.value_or(truncated);
    return nullptr;
  }
  FieldReader cr(*counts);
  h.shard.index = cr.u32();
  h.shard.count = cr.u32();
  if (h.shard.count == 0 || h.shard.count > kMaxShards || h.shard.index >= h.shard.count) {
    error = IoError{fmt::format("{}: shard {}/{} is not a valid shard", shown, h.shard.index, h.shard.count)};
    return nullptr;
  }
  if (!read_str(h.options, kMaxHeaderString)) {
    error = read_error.value_or(truncated);
    return nullptr;
  }
  auto n_inputs = read_fixed(4);
  if (!n_inputs) {
    error = read_error.value_or(truncated);
    return nullptr;
  }
  uint32_t inputs = 0;
  std::memcpy(&inputs, n_inputs->data(), 4);
  if (inputs > (1u << 24)) {
    error = truncated;
    return nullptr;
  }
  for (uint32_t i = 0; i < inputs; ++i) {
    ShardInput input;
    if (!read_str(input.path, 1u << 16)) {
      error = read_error.value_or(truncated);
      return nullptr;
    }
    auto rest = read_fixed(3 + 16);
    if (!rest) {
      error = read_error.value_or(truncated);
      return nullptr;
    }
    FieldReader fr(*rest);
    const uint8_t compression = fr.u8(), format = fr.u8();
    input.format_from_content = fr.u8() != 0;
    input.size = fr.u64();
    input.mtime_ns = fr.i64();
    if (compression > static_cast<uint8_t>(Compression::kZstd) || format > static_cast<uint8_t>(FileFormat::kCsv)) {
      error = truncated;
      return nullptr;
    }
    input.compression = static_cast<Compression>(compression);
    input.format = static_cast<FileFormat>(format);
    h.inputs.push_back(std::move(input));
  }
  return reader;
}

bool ShardFileReader::read_trailer(std::optional<IoError>& error) {
  Bytes& in = *in_;
  const IoError corrupt{fmt::format("{}: corrupt shard trailer", name_)};
  if (!in.fill(12, error)) {
    if (!error) error = corrupt;
    return false;
  }
  FieldReader head(in.view(12));
  records_ = head.u64();
  const uint32_t n = head.u32();
  in.pos += 12;
  if (records_ != seen_) {
    error = IoError{fmt::format("{}: {} records, but the trailer counts {}", name_, seen_, records_)};
    return false;
  }
  if (n > header_.inputs.size()) {
    error = corrupt;
    return false;
  }
  for (uint32_t i = 0; i < n; ++i) {
    ShardInputResult result;
    if (!in.fill(12, error)) break;
    FieldReader fr(in.view(12));
    result.file_index = fr.u32();
    const uint64_t sha_size = fr.u64();
    if (sha_size > 64 || !in.fill(12 + sha_size + 16, error)) break;
    result.streamed.sha256.assign(in.view(12 + sha_size).substr(12));
    FieldReader tail(in.view(12 + sha_size + 16).substr(12 + sha_size));
    result.streamed.bytes = tail.u64();
    result.streamed.records = tail.u64();
    in.pos += 12 + sha_size + 16;
    if (result.file_index >= header_.inputs.size()) break;
    inputs_.push_back(std::move(result));
  }
  if (inputs_.size() != n) {
    if (!error) error = corrupt;
    return false;
  }
  if (in.fill(1, error) || error) {
    if (!error) error = IoError{fmt::format("{}: data after the shard trailer", name_)};
    return false;
  }
  return true;
}

bool ShardFileReader::begin_entry(std::string_view what, std::optional<IoError>& error) {
  if (ended_) return false;
  Bytes& in = *in_;
  if (!in.fill(1, error)) {
    if (!error) error = IoError{fmt::format("{}: truncated shard file (no trailer)", name_)};
    return false;
  }
  const uint8_t tag = static_cast<uint8_t>(in.buffer[in.pos]);
  ++in.pos;
  if (tag == kTagTrailer) {
    ended_ = true;
    read_trailer(error);
    return false;
  }
  if (tag != kTagRecord) {
    error = IoError{fmt::format("{}: corrupt {} of record {}", name_, what, seen_ + 1)};
    return false;
  }
  return true;
}

bool ShardFileReader::next_fingerprint(ShardFingerprint& out, uint32_t num_perm, std::optional<IoError>& error) {
  if (!begin_entry("fingerprint", error)) return false;
  Bytes& in = *in_;
  const IoError corrupt{fmt::format("{}: corrupt fingerprint of record {}", name_, seen_ + 1)};
  // Flags and source, then the keys the flags announce.
  constexpr size_t kHead = 1 + 4 + 8 + 4 + 8 + 8;
  if (!in.fill(kHead, error)) {
    if (!error) error = corrupt;
    return false;
  }
  FieldReader head(in.view(kHead));
  const uint8_t flags = head.u8();
  out.source.file_index = head.u32();
  out.source.line = head.u64();
  out.source.column = head.u32();
  out.source.offset = head.u64();
  out.text_bytes = head.u64();
  in.pos += kHead;
  if (out.source.file_index >= header_.inputs.size() || (flags & ~(kFlagRejected | kFlagConflictKeys)) != 0) {
    error = corrupt;
    return false;
  }
  out.rejected = (flags & kFlagRejected) != 0;
  out.has_conflict_keys = !out.rejected && (flags & kFlagConflictKeys) != 0;
  out.signature.clear();
  out.shingles = 0;
  if (!out.rejected) {
    const size_t keys = 16 + (out.has_conflict_keys ? 24 : 0) + (num_perm > 0 ? 4 + size_t{num_perm} * 4 : 0);
    if (!in.fill(keys, error)) {
      if (!error) error = corrupt;
      return false;
    }
    FieldReader r(in.view(keys));
    out.hash.low = r.u64();
    out.hash.high = r.u64();
    if (out.has_conflict_keys) {
      out.prompt_key.low = r.u64();
      out.prompt_key.high = r.u64();
      out.answer_key = r.u64();
    }
    if (num_perm > 0) {
      out.shingles = r.u32();
      out.signature.resize(num_perm);
      for (uint32_t& v : out.signature) v = r.u32();
    }
    in.pos += keys;
  }
  ++seen_;
  return true;
}

bool ShardFileReader::next_record(Record& record, RecordAnalysis& a, std::optional<IoError>& error) {
  if (!begin_entry("data", error)) return false;
  Bytes& in = *in_;
  const IoError corrupt{fmt::format("{}: corrupt data of record {}", name_, seen_ + 1)};
  // Each string is a u64 length then its bytes; read them one by one so a bad length costs
  // nothing before the data proves it.
  auto read_str = [&](std::string& s) {
    if (!in.fill(8, error)) return false;
    uint64_t n = 0;
    std::memcpy(&n, in.buffer.data() + in.pos, 8);
    if (n > (uint64_t{1} << 40) || !in.fill(8 + n, error)) return false;
    s.assign(in.view(8 + n).substr(8));
    in.pos += 8 + n;
    return true;
  };
  std::string facts;
  if (!read_str(record.text) || !read_str(a.line)) {
    if (!error) error = corrupt;
    return false;
  }
  // Fixed part: format, two rule lists (u16 count + ids), tokens.
  if (!in.fill(1 + 2, error)) {
    if (!error) error = corrupt;
    return false;
  }
  const uint8_t format = static_cast<uint8_t>(in.buffer[in.pos]);
  ++in.pos;
  auto read_rules = [&](std::vector<RuleId>& rules) {
    if (!in.fill(2, error)) return false;
    uint16_t n = 0;
    std::memcpy(&n, in.buffer.data() + in.pos, 2);
    if (n > kRuleCount || !in.fill(2 + 2 * size_t{n}, error)) return false;
    FieldReader r(in.view(2 + 2 * size_t{n}));
    in.pos += 2 + 2 * size_t{n};
    return read_rule_ids(r, rules);
  };
  if (!read_rules(a.reject_rules) || !read_rules(a.fixed_rules) || !in.fill(41, error)) {
    if (!error) error = corrupt;
    return false;
  }
  FieldReader t(in.view(41));
  a.tokens.total = t.u64();
  a.tokens.prompt = t.u64();
  a.tokens.trained = t.u64();
  a.tokens.estimated = t.u64();
  a.tokens.longest = t.u64();
  a.tokens.truncated = t.u8() != 0;
  in.pos += 41;
  if (!read_str(facts)) {
    if (!error) error = corrupt;
    return false;
  }
  FieldReader fr(facts);
  if (!read_facts(fr, facts.size(), a.facts) || !fr.at_end() ||
      (format != kNoFormat && format > static_cast<uint8_t>(SourceFormat::kCsv))) {
    error = corrupt;
    return false;
  }
  if (format == kNoFormat) {
    a.format.reset();
  } else {
    a.format = static_cast<SourceFormat>(format);
  }
  ++seen_;
  return true;
}

}  // namespace tuneprep

// libFuzzer target: the shard file reader (merge's parser) on arbitrary decompressed bytes. The
// first byte picks the file kind and, when the options do not decode, the signature length; the
// rest is the file. Any input must end in records, a clean end or an IoError, never a crash.
#include <cstdlib>
#include <string>
#include <string_view>

#include "tuneprep/prepare.hpp"
#include "tuneprep/prepare_shard.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tuneprep;
  if (size == 0) return 0;
  const auto kind = (data[0] & 1) != 0 ? ShardFileReader::Kind::kRecords : ShardFileReader::Kind::kFingerprints;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  IoError error;
  auto reader = ShardFileReader::open(memory_source(bytes, 1 + data[0] % 7 * 4096), "fuzz", kind, error);
  if (!reader) {
    if (error.message.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  uint32_t num_perm = data[0] >> 1;
  PrepareOptions options;
  if (!decode_shard_options(reader->header().options, options)) {
    if (options.dedup != DedupMode::kNear) num_perm = 0;
    else if (options.near.num_perm <= kMaxNumPerm) num_perm = options.near.num_perm;
  }
  std::optional<IoError> read_error;
  if (kind == ShardFileReader::Kind::kFingerprints) {
    ShardFingerprint fingerprint;
    while (reader->next_fingerprint(fingerprint, num_perm, read_error)) {
      if (fingerprint.source.file_index >= reader->header().inputs.size()) std::abort();
      if (fingerprint.signature.size() != (fingerprint.rejected ? 0 : num_perm)) std::abort();
    }
  } else {
    Record record;
    RecordAnalysis analysis;
    while (reader->next_record(record, analysis, read_error)) {
    }
  }
  if (read_error && read_error->message.empty()) std::abort();
  for (const ShardInputResult& input : reader->inputs()) {
    if (input.file_index >= reader->header().inputs.size()) std::abort();
  }
  return 0;
}

// near_dedup: near-duplicate detection (comparison text, shingles, MinHash, LSH banding, a
// memory-bounded streaming index with union-find clusters) and same-prompt conflict grouping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tuneprep/conversation.hpp"

namespace tuneprep {

// ---------------------------------------------------------------------------------------------
// Options (one struct, filled from --shingle, --num-perm, --near-threshold, --max-memory).

inline constexpr uint32_t kMaxNumPerm = 1024;

struct NearDedupOptions {
  uint32_t shingle = 5;      // --shingle: words per shingle (characters per shingle for CJK/Thai)
  uint32_t num_perm = 128;   // --num-perm: MinHash values per signature, 1..kMaxNumPerm
  double threshold = 0.8;    // --near-threshold: Jaccard similarity that makes a near duplicate
  // Weights of the LSH false-positive / false-negative areas when choosing bands (see
  // choose_lsh_bands). Recall-leaning by default because every candidate is verified anyway.
  // 0.05 / 0.95 gives 16 bands of 8 rows at 0.8 and 128 values: a pair at J = 0.8 becomes a
  // candidate with probability 0.95 (0.40 with datasketch's default 0.5 / 0.5, 9 x 13).
  double false_positive_weight = 0.05;
  double false_negative_weight = 0.95;
  // How many kept records one band key may point to. More finds near copies of records that
  // share a band with an unrelated earlier record, at the cost of more verifications.
  uint32_t max_records_per_band_key = 4;
  uint64_t max_memory = 0;   // --max-memory in bytes for the index; 0 = no limit
};

// Half of the physical memory (the --max-memory default), or 0 when it cannot be determined.
uint64_t default_max_memory();

// ---------------------------------------------------------------------------------------------
// Comparison text and shingles.

// Folds `text` into its comparison form, appended to `out` (cleared first): NFKD compatibility
// decomposition with Unicode case folding (utf8proc), default-ignorable code points dropped;
// letters, marks and digits kept; every run of anything else (punctuation, symbols, whitespace,
// controls, invalid UTF-8 bytes) becomes one ASCII space; no leading or trailing space.
// "Hello,  WORLD!" -> "hello world"; "Ｒésumé 2024" -> "re\u0301sume\u0301 2024".
void fold_for_comparison(std::string_view text, std::string& out);
std::string fold_for_comparison(std::string_view text);

enum class ShingleKind : uint8_t {
  kWords,       // n consecutive words
  kCharacters,  // n consecutive code points, spaces removed (scripts written without spaces)
};

// The rule that picks the shingle kind of a folded text (documented in docs/dedup.md):
// characters when at least half of its letter/digit code points belong to a script written
// without spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar, Tibetan,
// Yi, Javanese, Balinese), or when the text has at least 64 word code points but fewer than one
// space per 24 of them (a long unbroken run a word shingle would treat as one word); words
// otherwise. Hangul is written with spaces and uses words.
ShingleKind choose_shingle_kind(std::string_view folded);

// Appends to `hashes` (cleared first) the XXH3-64 hash of each shingle of a folded text, in
// text order (repeats included). A text with fewer units than `n` gives one shingle of all of
// them; an empty text gives none. `n` of 0 is treated as 1.
ShingleKind shingle_hashes(std::string_view folded, uint32_t n, std::vector<uint64_t>& hashes);

// ---------------------------------------------------------------------------------------------
// MinHash signatures.

// A signature viewed in place (inside a SignatureBatch or a MinHashSignature).
struct SignatureView {
  std::span<const uint32_t> values;  // num_perm minima
  uint32_t shingles = 0;             // 0: the text had no letters or digits; never a near duplicate
};

struct MinHashSignature {
  std::vector<uint32_t> values;
  uint32_t shingles = 0;
  SignatureView view() const { return {values, shingles}; }
};

// Signatures of many texts in one flat buffer (no allocation per record).
struct SignatureBatch {
  uint32_t num_perm = 0;
  std::vector<uint32_t> values;    // size() * num_perm
  std::vector<uint32_t> shingles;  // one per signature
  size_t size() const { return shingles.size(); }
  SignatureView operator[](size_t i) const {
    return {std::span<const uint32_t>(values).subspan(i * num_perm, num_perm), shingles[i]};
  }
};

// Reusable buffers of one thread; keep one per worker to avoid allocating per record.
struct SignatureScratch {
  std::string folded;
  std::vector<uint64_t> shingle_hashes;
  std::vector<uint64_t> bins;
};

// Computes MinHash signatures by one permutation hashing with optimal densification
// (Shrivastava, ICML 2017): each shingle's XXH3-64 hash picks one of num_perm bins with its high
// 32 bits and competes for that bin's minimum with its low 32 bits; an empty bin copies the
// minimum of the first non-empty bin along a fixed pseudo-random walk of the other bins. That is
// O(shingles + num_perm) per text instead of O(shingles * num_perm), and two texts still agree
// on each value with probability equal to their Jaccard similarity. All seeds are constants, so
// signatures are the same across runs, machines and threads. The object is immutable after
// construction: share one across threads.
class MinHasher {
 public:
  explicit MinHasher(uint32_t num_perm = 128, uint32_t shingle = 5);
  uint32_t num_perm() const { return num_perm_; }
  uint32_t shingle() const { return shingle_; }

  // Signature of a raw text (folds it first). `values` must have num_perm() elements.
  // Returns the number of shingles.
  uint32_t compute(std::string_view text, std::span<uint32_t> values, SignatureScratch& scratch) const;
  MinHashSignature compute(std::string_view text) const;
  // From shingle hashes already computed (for tests and callers with their own shingling).
  uint32_t compute_from_hashes(std::span<const uint64_t> hashes, std::span<uint32_t> values,
                               SignatureScratch& scratch) const;

  // Appends the signatures of `texts` to `batch` (batch.num_perm is set), in parallel with
  // oneTBB on the caller's task arena; the result does not depend on the thread count.
  void compute_batch(std::span<const std::string_view> texts, SignatureBatch& batch) const;

 private:
  uint32_t num_perm_;
  uint32_t shingle_;
  // walk_[i * (num_perm_ - 1) + t]: the t-th bin an empty bin i looks at.
  std::vector<uint16_t> walk_;
};

// Fraction of equal values: the MinHash estimate of the Jaccard similarity. 0 when either text
// had no shingles or the sizes differ.
double estimate_jaccard(SignatureView a, SignatureView b);

// ---------------------------------------------------------------------------------------------
// LSH banding.

struct LshBands {
  uint32_t bands = 0;
  uint32_t rows = 0;
};

// Probability that two texts of Jaccard similarity s share at least one band: 1 - (1 - s^r)^b.
double lsh_candidate_probability(double s, LshBands bands);

// Chooses (b, r) with b * r <= num_perm minimising
//   fp_weight * integral_0^t P(s) ds + fn_weight * integral_t^1 (1 - P(s)) ds
// where P is lsh_candidate_probability and t the threshold: the area of unwanted candidates
// below the threshold plus the area of missed pairs above it, the rule datasketch's MinHashLSH
// uses. Integrals by composite Simpson's rule; ties keep the smaller b. Exhaustive over all
// (b, r): at most num_perm * H(num_perm) evaluations.
LshBands choose_lsh_bands(double threshold, uint32_t num_perm, double fp_weight, double fn_weight);

// ---------------------------------------------------------------------------------------------
// The index.

struct NearMatch {
  uint64_t duplicate_of = 0;  // id of the earliest kept record this one is similar to
  double similarity = 0;      // estimated Jaccard similarity to it
};

struct NearIndexError {
  enum class Code : uint8_t {
    kMemoryBudget,    // the insert would take the index past max_memory
    kIdNotIncreasing, // ids must be given in increasing order
    kSignatureSize,   // the signature does not have num_perm values
    kTooManyRecords,  // more than 2^32 - 2 records
  };
  Code code = Code::kMemoryBudget;
  std::string message;  // one line, ready to print
};

struct NearAddResult {
  std::optional<NearMatch> match;      // set when the record is a near duplicate
  uint64_t cluster = 0;                // representative (earliest) id of the record's cluster
  std::optional<NearIndexError> error; // set when the record was not added; the index is unchanged
};

// Bytes one index holds for `records` records at most (every record kept, tables at their
// largest load-factor cycle point, including the transient copy while a table grows).
uint64_t estimate_index_bytes(uint64_t records, const NearDedupOptions& options);

// Streaming near-duplicate index. Records come in input order; each is compared with the
// records kept before it (those that were not themselves near duplicates): candidates come from
// the LSH band tables and are verified by the Jaccard estimate from compact signatures (4 bits
// per value, see near_duplicate_index.cpp) against the threshold. A record that matches becomes
// a duplicate of the earliest matching kept record and is not indexed itself, so a cluster never
// drifts away from its representative; a record matching kept records of several clusters
// merges them (union-find, root = earliest id). Memory per record: see estimate_index_bytes.
// Not thread-safe: call add() from one serial, in-order stage.
class NearDuplicateIndex {
 public:
  explicit NearDuplicateIndex(const NearDedupOptions& options);
  ~NearDuplicateIndex();
  NearDuplicateIndex(NearDuplicateIndex&&) noexcept;
  NearDuplicateIndex& operator=(NearDuplicateIndex&&) noexcept;

  NearAddResult add(uint64_t id, SignatureView signature);
  NearAddResult add(uint64_t id, const MinHashSignature& signature) { return add(id, signature.view()); }

  // Adds batch[i] with ids[i] for each i, appending one result per record to `results`; stops
  // after the first record that returns an error. Returns the number of records added.
  size_t add_batch(std::span<const uint64_t> ids, const SignatureBatch& batch,
                   std::vector<NearAddResult>& results);

  // Representative (earliest) id of the cluster of a record added before, or nullopt for an id
  // never added. Cluster roots can change when a later record merges two clusters.
  std::optional<uint64_t> cluster_of(uint64_t id) const;
  // (id, cluster representative) of every record added, in order: the final clusters.
  std::vector<std::pair<uint64_t, uint64_t>> clusters() const;

  LshBands bands() const;
  uint64_t records() const;        // records added
  uint64_t kept_records() const;   // records that were not near duplicates
  uint64_t memory_bytes() const;   // bytes held now

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// ---------------------------------------------------------------------------------------------
// What text is compared (--dedup-on).

enum class DedupOn : uint8_t { kConversation, kPrompt, kResponse };
std::optional<DedupOn> dedup_on_from_name(std::string_view name);  // conversation|prompt|response

// The text of an example that near dedup compares: messages joined by "\n" (a message without
// text content contributes its tool_calls / function_call JSON). Prompt: every message before
// the final run of assistant messages (for a preference pair: the prompt messages). Response: the
// final run of assistant messages (for a preference pair: the preferred answer). Conversation:
// prompt then response (for a preference pair: prompt, preferred, non-preferred).
std::string comparison_text(const Example& example, DedupOn on);
// The same, written into `out` (cleared first): no allocation once `out` has grown.
void comparison_text(const Example& example, DedupOn on, std::string& out);

// ---------------------------------------------------------------------------------------------
// Conflicting answers: the same prompt with different answers.

struct TextKey {
  uint64_t low = 0;
  uint64_t high = 0;
  friend bool operator==(const TextKey&, const TextKey&) = default;
};

// XXH3-128 of the folded text: equal for texts that differ only in case, punctuation and spacing.
TextKey comparison_key(std::string_view text);
// comparison_key(comparison_text(example, on)) with reusable buffers (one per thread).
struct ComparisonScratch {
  std::string text;
  std::string folded;
};
TextKey comparison_key(const Example& example, DedupOn on, ComparisonScratch& scratch);

// Exact-text conflict keys of a chat example (the `conflicting-answers` rule and the stats
// conflict count): the prompt is every message before the final run of assistant messages, the
// answer is that run. Each message is hashed (XXH3-128) as its text trimmed of spaces, tabs and
// line ends (its tool_calls JSON when it has no text content); a key hashes those digests with
// the roles, so "ab"+"c" and "a"+"bc" differ. Returns false and leaves the keys alone for a
// preference pair (one prompt, two answers) and for an example with no assistant message at the
// end or nothing before it.
bool conflict_keys(const Example& example, TextKey& prompt, uint64_t& answer);

struct ConflictHit {
  uint64_t first_id = 0;  // the earliest record with this prompt
  bool answer_differs_from_first = false;
};

struct ConflictGroup {
  TextKey prompt;
  std::vector<uint64_t> ids;    // every record with this prompt, in input order
  uint32_t distinct_answers = 0;
};

// Groups records by prompt key. add() streams (so `--conflicts first` can drop a later record at
// once); groups() lists, at the end, each prompt seen with at least two different answers. The
// prompt key may also be a near-duplicate cluster id: TextKey{cluster, 0}.
// Memory: about 60 bytes per distinct prompt (entry plus open-addressing slot) and 24 bytes per
// later record of a prompt already seen.
class ConflictGrouper {
 public:
  ConflictGrouper();
  ~ConflictGrouper();
  ConflictGrouper(ConflictGrouper&&) noexcept;
  ConflictGrouper& operator=(ConflictGrouper&&) noexcept;

  // Returns nullopt the first time a prompt is seen, else the first record with it.
  std::optional<ConflictHit> add(uint64_t id, TextKey prompt, uint64_t answer_hash);
  // Asks for the cache line where add(…, prompt, …) starts looking (a hint; changes nothing).
  void prefetch(TextKey prompt) const;
  // Makes room for `prompts` distinct prompts, so that the table and the prompt list do not grow
  // (rehashing or copying at each doubling) before they hold them.
  void reserve(size_t prompts);
  // Groups with at least two distinct answers, ordered by their first id.
  std::vector<ConflictGroup> groups() const;
  uint64_t memory_bytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tuneprep

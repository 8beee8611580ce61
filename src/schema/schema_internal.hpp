// schema internals: the per-record mapping state shared by detection, shape readers and checks.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "tuneprep/conversation.hpp"
#include "tuneprep/rules.hpp"
#include "tuneprep/schema.hpp"

namespace tuneprep::schema_detail {

using simdjson::dom::element;

// Where a message came from in the source record, kept so that diagnostics can name the field.
// Pointers are built only when a diagnostic needs one: `base` is always a string literal.
struct Origin {
  std::string_view base;         // "/messages", "/prompt", "/history"; "" for an injected message
  int32_t index = -1;            // element of `base`, -1 when `base` is the message itself
  int32_t sub = -1;              // second index (an Alpaca history pair), -1 when none
  std::string_view content_key;  // "content", "value"; "" when the addressed field is the text
  bool rich_parts = false;       // content parts include non-text parts (image, audio, file)
  bool content_failed = false;   // content had the wrong type (already reported)
};

// JSON pointer of `key` inside the message at `origin` ("" = the message itself).
std::string pointer_of(const Origin& origin, std::string_view key);
// JSON pointer of the message's text field.
inline std::string content_pointer(const Origin& origin) { return pointer_of(origin, origin.content_key); }

// The top-level keys any shape looks at, found in one pass over the record's object.
enum class TopKey : uint8_t {
  kMessages, kConversations, kPrompt, kCompletion, kInstruction, kInput, kOutput, kSystem, kHistory,
  kChosen, kRejected, kPreferredOutput, kNonPreferredOutput, kTools, kFunctions, kParallelToolCalls,
  // Aliases real datasets use for a prompt and its answer, and KTO's label.
  kResponse, kAnswer, kQuestion, kQuery, kTarget, kLabel,
  kCount_
};

struct TopFields {
  element values[static_cast<size_t>(TopKey::kCount_)];
  uint32_t present = 0;
  std::vector<std::string_view> keys;  // every key in source order (for unknown-format messages)

  bool has(TopKey key) const { return (present >> static_cast<unsigned>(key)) & 1u; }
  element get(TopKey key) const { return values[static_cast<size_t>(key)]; }
};
// The key each TopKey is read from: the default names, or a user's mapping (--map, [map]).
using TopKeyNames = std::array<std::string, static_cast<size_t>(TopKey::kCount_)>;
TopKeyNames default_top_key_names();
// Applies a key mapping to the names; returns false when `field` is not a mappable field.
bool map_top_key(TopKeyNames& names, std::string_view field, std::string_view key);
void scan_top_fields(simdjson::dom::object object, const TopKeyNames& names, TopFields& fields);

// The example under construction plus what the checks need to report against the source shape.
struct MappedExample {
  Example example;
  std::vector<Origin> origins;                // parallel to example.messages
  std::vector<Origin> preferred_origins;      // parallel to example.preferred
  std::vector<Origin> non_preferred_origins;  // parallel to example.non_preferred
  std::string_view messages_pointer;          // where no-assistant-message points for a chat
  std::string_view preferred_pointer;
  std::string_view non_preferred_pointer;
  // The answer's own field was missing or had the wrong type (already reported), so a
  // no-assistant-message diagnostic would only repeat it.
  bool answer_field_failed = false;
  bool preferred_failed = false;
  bool non_preferred_failed = false;
};

// State of ShareGPT function_call / observation pairing across one record.
struct ShareGptCalls {
  int next_id = 1;
  std::vector<std::string> pending_ids;  // calls not yet answered by an observation, in order
  size_t next_pending = 0;
};

// The message tags of NormalizeOptions::key_map (is_message_tag), resolved once per Normalizer.
struct MessageTags {
  std::string role_key = "from";
  std::string content_key = "value";
  bool keys_mapped = false;  // role_tag or content_tag given: such messages are read ShareGPT-style
  std::vector<std::pair<std::string, Role>> roles;  // user_tag=USER -> {"USER", kUser}; function_tag: see below
  std::string function_tag;  // the role value of a function call turn (besides function_call)
};
// Reads the tags out of a key map (is_message_tag fields); other fields are ignored.
MessageTags message_tags(const std::vector<KeyMapping>& key_map);

// The minified top-level `tools` of this thread's recent records, by their bytes as written. A
// dataset's records nearly always repeat one tool list (the public multi-turn tool-use set: 2
// distinct lists on 2,912 records, 39% of its bytes), and minifying it from the DOM again for
// every record was 7.7% of validate on such text. A hit needs the record's `tools` bytes to equal
// a cached list's, so the cached minified text is exactly what the DOM would give.
class ToolsMemo {
 public:
  // The minified text of the single top-level key `key` (unescaped) of `json`, the padded buffer
  // the DOM parsed (capacity >= size + SIMDJSON_PADDING), when its bytes were seen before; else
  // null, with `raw` set to its bytes when it can be stored (one such key, an array).
  const std::string* find(std::string_view json, std::string_view key, std::string_view& raw);
  void store(std::string_view raw, const std::string& minified);

 private:
  struct Entry {
    std::string raw;
    std::string minified;
  };
  simdjson::ondemand::parser parser_;
  std::array<Entry, 4> entries_;
  size_t next_ = 0;  // the entry the next store replaces
};

// Per-record context every reader writes its findings into.
struct MapContext {
  std::vector<Diagnostic>& diagnostics;
  simdjson::dom::parser& inner_parser;  // parses JSON embedded in strings (ShareGPT function_call)
  std::string& inner_buffer;
  ShareGptCalls calls;
  // "/" + the key each TopKey is read from (mapped keys included); owned by the Normalizer.
  const TopKeyNames* top_pointers = nullptr;
  bool drop_placeholder_input = false;  // NormalizeOptions::drop_placeholder_input
  std::string_view record_text = {};    // the JSON record as written (a number's literal), "" for CSV
  const MessageTags* tags = nullptr;     // --map role_tag=... etc.; null = the defaults
  // Messages read as OpenAI messages holding only keys of kOpenAiMessageKeys (see
  // NormalizeResult::keys_known).
  uint32_t known_key_messages = 0;
  // With both set, a top-level `tools` array of a record up to 1 MiB is looked up in
  // `tools_memo` by its bytes in `parsed_json` (the buffer the DOM parsed) before it is minified.
  ToolsMemo* tools_memo = nullptr;
  std::string_view parsed_json = {};

  // The pointer of a top-level field, as the record spells its key.
  std::string_view top_pointer(TopKey key) const;
  void report(RuleId rule, std::string message, std::string pointer);
  void wrong_type(std::string pointer, std::string_view expected, element found);
  void missing(std::string pointer, std::string_view what);
};

std::string_view json_type_name(element value);  // "a string", "an array", ...

// Message styles a list may hold. kEither picks per element: a `from` key means ShareGPT.
enum class MessageStyle : uint8_t { kOpenAi, kShareGpt, kEither };

// Reads one message object at `origin`; appends it (and its origin) unless it cannot be a Message
// (not an object, missing or unknown role), which is reported. Returns whether it was appended.
bool read_message(element value, Origin origin, MessageStyle style, MapContext& ctx,
                  std::vector<Message>& out, std::vector<Origin>& origins);
// Reads a JSON array of messages at `base`. Returns false when `value` is not an array (reported).
bool read_message_list(element value, std::string_view base, MessageStyle style, MapContext& ctx,
                       std::vector<Message>& out, std::vector<Origin>& origins);

// Shape readers: fill `mapped` from the record's top-level fields, reporting what is wrong.
void read_openai_chat(const TopFields& top, MapContext& ctx, MappedExample& mapped);
void read_prompt_completion(const TopFields& top, MapContext& ctx, MappedExample& mapped);
void read_alpaca(const TopFields& top, MapContext& ctx, MappedExample& mapped);
void read_sharegpt(const TopFields& top, MapContext& ctx, MappedExample& mapped);
void read_dpo_openai(const TopFields& top, MapContext& ctx, MappedExample& mapped);
void read_preference_prompt(const TopFields& top, MapContext& ctx, MappedExample& mapped);
void read_preference_implicit(const TopFields& top, MapContext& ctx, MappedExample& mapped);
void read_preference_sharegpt(const TopFields& top, MapContext& ctx, MappedExample& mapped);
void read_preference_transcript(const TopFields& top, MapContext& ctx, MappedExample& mapped);
void read_csv_fields(const CsvFields& fields, MapContext& ctx, MappedExample& mapped);

// Which shape a record's keys select. Detection looks at keys (and, where two shapes share a
// key, at one value's JSON type), never at content, so it is cheap and predictable.
enum class DetectedShape : uint8_t {
  kOpenAiChat, kPromptCompletion, kAlpaca, kShareGpt, kDpoOpenAi, kPreferencePrompt,
  kPreferenceImplicit, kPreferenceShareGpt, kPreferenceTranscript, kUnknown, kNoPreference
};
DetectedShape detect_shape(const TopFields& top);
// Among the preference variants only (--format dpo); kNoPreference when none matches.
DetectedShape detect_preference(const TopFields& top);
// "keys: a, b; expected ..." for unknown-format diagnostics.
std::string describe_keys(const TopFields& top);
// "keys: a, b" alone, for missing-field hints.
std::string key_list(const TopFields& top);
// Whether any key of the prompt/answer pair family (prompt, completion and their aliases) is there.
bool has_pair_key(const TopFields& top);

// A turn of an Anthropic-style transcript ("\n\nHuman: ...\n\nAssistant: ...").
struct TranscriptTurn {
  Role role = Role::kUser;
  std::string_view text;
};
// Splits at "\n\nHuman:" / "\n\nAssistant:" (also at the very start). Text before the first
// marker, when not blank, becomes a system turn. Each turn's text is trimmed of ASCII space.
void split_transcript(std::string_view transcript, std::vector<TranscriptTurn>& turns);

// --system and the structural checks, run on every mapped example.
void inject_system_prompt(MappedExample& mapped, std::string_view system_prompt);
void check_structure(const MappedExample& mapped, std::vector<Diagnostic>& diagnostics);

bool is_blank(std::string_view text);  // empty or ASCII whitespace only

}  // namespace tuneprep::schema_detail
